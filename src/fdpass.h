/* fdpass.h -- -F: hand a connected socket to the program on stdout. */
#ifndef SOCKCAT_FDPASS_H
#define SOCKCAT_FDPASS_H

#include <stddef.h>

/*
 * Checks that out is a Unix-domain socket, the only kind of descriptor a
 * socket can be passed over (ssh's ProxyUseFdpass gives one).  Returns 0,
 * or -1 with a one-line reason saying what out is instead in err.
 */
int	fdpass_check(int out, char *err, size_t errlen);

/*
 * Sends fd over the Unix socket out as SCM_RIGHTS ancillary data with one
 * byte of data, as OpenBSD nc -F does.  fd is made blocking first, as a
 * socket fresh from connect(2) is, because the receiver shares its file
 * status flags.  Waits for room in out unless a terminating signal comes.
 * The caller still owns and closes fd.  Returns 0, or -1 with a one-line
 * reason in err.
 */
int	fdpass_send(int out, int fd, char *err, size_t errlen);

#endif
