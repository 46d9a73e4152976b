/* replay.c -- standard input kept to be sent again: a request per attempt. */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "replay.h"
#include "sig.h"

/*
 * Reads stdin to its end into rp->data.  Returns 0, or -1 with err
 * filled (errno EFBIG: more than REPLAY_MAX).  A signal ends the wait.
 */
static int
replay_read(struct replay *rp, char *err, size_t errlen)
{
	ssize_t n;

	if ((rp->data = malloc(REPLAY_MAX + 1)) == NULL)
		goto fail;
	for (;;) {
		n = read(STDIN_FILENO, rp->data + rp->len,
		    REPLAY_MAX + 1 - rp->len);
		if (n == 0)
			return 0;
		if (n > 0 && (rp->len += (size_t)n) > REPLAY_MAX) {
			snprintf(err, errlen, "stdin holds more than %d KiB: "
			    "%s keeps at most that, to send it on each "
			    "attempt", REPLAY_MAX / 1024, rp->use);
			errno = EFBIG;
			return -1;
		}
		if (n > 0)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			(void)loop_wait_fd(STDIN_FILENO, POLLIN, -1);
		else if (errno != EINTR)
			goto fail;
		if (sig_pending() != 0)
			goto fail;
	}
fail:
	snprintf(err, errlen, "read stdin for %s: %s", rp->use,
	    strerror(errno));
	return -1;
}

int
replay_start(struct replay *rp, const char *use, bool seek, char *err,
    size_t errlen)
{
	struct stat st;

	memset(rp, 0, sizeof(*rp));
	rp->use = use;
	if (isatty(STDIN_FILENO) || fstat(STDIN_FILENO, &st) == -1)
		return 0;
	if (seek && S_ISREG(st.st_mode) &&
	    (rp->start = lseek(STDIN_FILENO, 0, SEEK_CUR)) != -1) {
		rp->file = true;
		return 0;
	}
	return replay_read(rp, err, errlen);
}

int
replay_rewind(struct replay *rp, char *err, size_t errlen)
{
	int sv[2], size = 2 * REPLAY_MAX;
	size_t off = 0;
	ssize_t n;

	if (rp->file) {
		if (lseek(STDIN_FILENO, rp->start, SEEK_SET) == -1)
			goto fail;
		return 0;
	}
	if (rp->data == NULL)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		goto fail;
	/* All of it must fit at once: nobody reads it until the pump. */
	(void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	while (off < rp->len) {
		n = send(sv[1], rp->data + off, rp->len - off, MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			int saved = errno;

			close(sv[0]);
			close(sv[1]);
			errno = saved;
			goto fail;
		}
		off += (size_t)n;
	}
	close(sv[1]);
	if (dup2(sv[0], STDIN_FILENO) == -1) {
		int saved = errno;

		close(sv[0]);
		errno = saved;
		goto fail;
	}
	close(sv[0]);
	return 0;
fail:
	snprintf(err, errlen, "give stdin again for %s: %s", rp->use,
	    strerror(errno));
	return -1;
}

void
replay_free(struct replay *rp)
{
	free(rp->data);
	rp->data = NULL;
	rp->len = 0;
}
