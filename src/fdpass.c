/* fdpass.c -- -F: hand a connected socket to the program on stdout. */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fdpass.h"
#include "loop.h"
#include "sig.h"

/* What out is when it is not a Unix socket, for the message. */
static const char *
what_is(int out, const struct stat *st)
{
	if (S_ISFIFO(st->st_mode))
		return "a pipe";
	if (isatty(out))
		return "a terminal";
	if (S_ISREG(st->st_mode))
		return "a file";
	if (S_ISCHR(st->st_mode))
		return "a character device";
	if (S_ISSOCK(st->st_mode))
		return "a socket of another family";
	return "not a socket";
}

int
fdpass_check(int out, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct stat st;

	if (fstat(out, &st) == -1) {
		snprintf(err, errlen, "option -F: stdout: %s",
		    strerror(errno));
		return -1;
	}
	memset(&ss, 0, sizeof(ss));
	if (S_ISSOCK(st.st_mode) &&
	    getsockname(out, (struct sockaddr *)&ss, &len) == 0 &&
	    ss.ss_family == AF_UNIX)
		return 0;
	snprintf(err, errlen, "option -F passes the connection over stdout, "
	    "which must be a Unix socket (as ssh's ProxyUseFdpass gives): "
	    "stdout is %s", what_is(out, &st));
	return -1;
}

int
fdpass_send(int out, int fd, char *err, size_t errlen)
{
	union {
		struct cmsghdr	hdr;
		unsigned char	buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct cmsghdr *cmsg;
	struct msghdr msg;
	struct iovec iov;
	unsigned char byte = '\0';
	ssize_t n;
	int fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1)
		goto fail;
	memset(&msg, 0, sizeof(msg));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	/* One byte of data: some systems drop control data sent alone. */
	iov.iov_base = &byte;
	iov.iov_len = sizeof(byte);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	for (;;) {
		if (sig_pending() != 0) {
			errno = EINTR;
			goto fail;
		}
		if ((n = sendmsg(out, &msg, MSG_NOSIGNAL)) > 0)
			return 0;
		if (n == 0) {
			errno = EIO;	/* nothing sent, and no reason */
			goto fail;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			/* stdout is shared and may be non-blocking: wait. */
			if (loop_wait_fd(out, POLLOUT, -1) == -1 &&
			    errno != EINTR)
				goto fail;
		} else if (errno != EINTR)
			goto fail;
	}
fail:
	snprintf(err, errlen, "pass the connection over stdout (-F): %s",
	    strerror(errno));
	return -1;
}
