/* zerocopy.c -- splice(2)/sendfile(2) where the kernel has them. */

/*
 * splice(2), F_SETPIPE_SZ and pipe2(2) are Linux's; everything that needs
 * them stays in this file, and elsewhere each call says ENOSYS so the pump
 * uses its portable read/write path.
 */
#ifdef __linux__
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "zerocopy.h"

void
zc_pool_init(struct zc_pool *pool)
{
	pool->count = 0;
}

void
zc_pool_free(struct zc_pool *pool)
{
	while (pool->count > 0) {
		pool->count--;
		close(pool->rd[pool->count]);
		close(pool->wr[pool->count]);
	}
}

int
zc_pool_get(struct zc_pool *pool, int fds[2], size_t *cap)
{
	if (pool == NULL || pool->count == 0)
		return zc_pipe(fds, cap);
	pool->count--;
	fds[0] = pool->rd[pool->count];
	fds[1] = pool->wr[pool->count];
	*cap = pool->cap[pool->count];
	return 0;
}

void
zc_pool_put(struct zc_pool *pool, const int fds[2], size_t cap)
{
	if (pool == NULL || pool->count == ZC_POOL_MAX) {
		close(fds[0]);
		close(fds[1]);
		return;
	}
	pool->rd[pool->count] = fds[0];
	pool->wr[pool->count] = fds[1];
	pool->cap[pool->count] = cap;
	pool->count++;
}

/* The pipe size worth asking for: larger gains nothing measurable. */
#define PIPE_WANT	(1024 * 1024)

#ifdef __linux__

ssize_t
zc_splice(int in, int out, size_t len)
{
	return splice(in, NULL, out, NULL, len,
	    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
}

ssize_t
zc_sendfile(int out, int in, size_t len)
{
	return sendfile(out, in, NULL, len);
}

int
zc_recv_batch(int fd, struct iovec *iov, size_t *lens,
    struct sockaddr_storage *from, int max)
{
	struct mmsghdr msgs[64];
	int i, n;

	if (max > 64)
		max = 64;
	for (i = 0; i < max; i++) {
		msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i],
		    .msg_iovlen = 1 };
		if (from != NULL) {
			msgs[i].msg_hdr.msg_name = &from[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		msgs[i].msg_len = 0;
	}
	if ((n = recvmmsg(fd, msgs, (unsigned)max, MSG_DONTWAIT, NULL)) < 0)
		return -1;
	for (i = 0; i < n; i++)
		lens[i] = msgs[i].msg_len;
	return n;
}

size_t
zc_queued(int fd)
{
	int n;

	return ioctl(fd, FIONREAD, &n) == 0 && n > 0 ? (size_t)n : 0;
}

size_t
zc_grow_pipe(int fd)
{
	int size;

	/* Unprivileged users may not exceed pipe-max-size: step down. */
	for (size = PIPE_WANT; size >= 64 * 1024; size /= 2)
		if (fcntl(fd, F_SETPIPE_SZ, size) != -1)
			break;
	size = fcntl(fd, F_GETPIPE_SZ);
	return size > 0 ? (size_t)size : 0;
}

int
zc_pipe(int fds[2], size_t *cap)
{
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == -1)
		return -1;
	*cap = zc_grow_pipe(fds[1]);
	if (*cap == 0) {
		close(fds[0]);
		close(fds[1]);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

#else	/* !__linux__ */

int
zc_recv_batch(int fd, struct iovec *iov, size_t *lens,
    struct sockaddr_storage *from, int max)
{
	(void)fd;
	(void)iov;
	(void)lens;
	(void)from;
	(void)max;
	errno = ENOSYS;
	return -1;
}

ssize_t
zc_splice(int in, int out, size_t len)
{
	(void)in;
	(void)out;
	(void)len;
	errno = ENOSYS;
	return -1;
}

ssize_t
zc_sendfile(int out, int in, size_t len)
{
	(void)in;
	(void)out;
	(void)len;
	errno = ENOSYS;
	return -1;
}

size_t
zc_queued(int fd)
{
	(void)fd;
	return 0;
}

size_t
zc_grow_pipe(int fd)
{
	(void)fd;
	return 0;
}

int
zc_pipe(int fds[2], size_t *cap)
{
	(void)fds;
	*cap = 0;
	errno = ENOSYS;
	return -1;
}

#endif
