/* zerocopy.h -- splice(2)/sendfile(2) where the kernel has them. */
#ifndef SOCKCAT_ZEROCOPY_H
#define SOCKCAT_ZEROCOPY_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <stddef.h>

/*
 * Each call moves up to len bytes inside the kernel, never blocking
 * (non-blocking flags on the descriptors decide), and returns the count
 * moved, 0 at end of input, or -1 with errno: EAGAIN when a side is not
 * ready, ENOSYS where the system has no such call (then nothing moved and
 * the caller copies instead), EINVAL when these descriptors cannot be
 * spliced.
 */

/* Moves from in to out; one of them must be a pipe. */
ssize_t	zc_splice(int in, int out, size_t len);

/* Sends from the regular file in, at its file offset, to the socket out. */
ssize_t	zc_sendfile(int out, int in, size_t len);

/*
 * Makes a non-blocking, close-on-exec pipe as large as the system lets us
 * (up to 1 MiB); *cap gets its size.  Returns 0, or -1 with errno.
 */
int	zc_pipe(int fds[2], size_t *cap);

/*
 * Receives up to max datagrams from the socket fd in one call, datagram i
 * into iov[i] (each large enough for any datagram), its length into
 * lens[i], and its sender into from[i] unless from is NULL.  Returns how
 * many, or -1 with errno (EAGAIN: none waiting).
 */
int	zc_recv_batch(int fd, struct iovec *iov, size_t *lens,
	    struct sockaddr_storage *from, int max);

/* Bytes waiting to be read in the pipe fd, or 0 if unknown. */
size_t	zc_queued(int fd);

/* Enlarges the pipe fd towards 1 MiB, quietly; returns its size or 0. */
size_t	zc_grow_pipe(int fd);

/*
 * Spare empty pipes, for many links on one loop that splice only while
 * data is in flight: an idle link holds none.  At most ZC_POOL_MAX are
 * kept; the rest are closed.  Its owner (a relay) makes it with
 * zc_pool_init() and closes what it holds with zc_pool_free().
 */
#define ZC_POOL_MAX	16

struct zc_pool {
	int	rd[ZC_POOL_MAX], wr[ZC_POOL_MAX];
	size_t	cap[ZC_POOL_MAX];
	int	count;
};

void	zc_pool_init(struct zc_pool *pool);
void	zc_pool_free(struct zc_pool *pool);

/*
 * An empty pipe as zc_pipe() makes it, a spare one if pool (which may be
 * NULL) has one.  Returns 0, or -1 with errno.
 */
int	zc_pool_get(struct zc_pool *pool, int fds[2], size_t *cap);

/* Gives back an empty pipe: kept as a spare if there is room, or closed. */
void	zc_pool_put(struct zc_pool *pool, const int fds[2], size_t cap);

#endif
