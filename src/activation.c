/* activation.c -- systemd socket activation (LISTEN_FDS), no libsystemd. */

#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activation.h"
#include "addr.h"
#include "cli.h"
#include "text.h"
#include "unixsock.h"

/* Room for "fd 3 (NAME)". */
#define WHOLEN	(ACTIVATION_NAMELEN + 16)

/* A decimal number of at most max, or -1: the variables are strict. */
static long
strict_number(const char *s, long max)
{
	long n = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || n > (max - (*s - '0')) / 10)
			return -1;
		n = n * 10 + (*s - '0');
	}
	return n;
}

int
activation_init(struct activation *act, char *err, size_t errlen)
{
	const char *names;
	long pid, n;
	size_t len;
	int fd, fl;

	memset(act, 0, sizeof(*act));
	act->fd = -1;
	pid = strict_number(getenv("LISTEN_PID"), LONG_MAX);
	if (pid <= 0 || pid != (long)getpid())
		return 0;	/* absent, or meant for another process */
	n = strict_number(getenv("LISTEN_FDS"), INT_MAX - ACTIVATION_FD_START);
	if (n == -1) {
		snprintf(err, errlen, "invalid LISTEN_FDS \"%s\" from systemd: "
		    "expected a count of descriptors", getenv("LISTEN_FDS") ?
		    getenv("LISTEN_FDS") : "");
		return -1;
	}
	act->count = (int)n;
	if ((names = getenv("LISTEN_FDNAMES")) != NULL) {
		len = strcspn(names, ":");
		if (len >= sizeof(act->name))
			len = sizeof(act->name) - 1;
		memcpy(act->name, names, len);
		act->name[len] = '\0';
		text_safe_str(act->name);
	}
	/* Ours now: no program we run inherits them, nor their description. */
	for (fd = ACTIVATION_FD_START; fd < ACTIVATION_FD_START + act->count;
	    fd++)
		if ((fl = fcntl(fd, F_GETFD)) != -1)
			(void)fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
	(void)unsetenv("LISTEN_PID");
	(void)unsetenv("LISTEN_FDS");
	(void)unsetenv("LISTEN_FDNAMES");
	return 0;
}

/* "TCP socket", "Unix datagram socket", ...: what a socket is. */
static const char *
kind(int family, int type)
{
	bool ip = family == AF_INET || family == AF_INET6;

	if (ip && type == SOCK_STREAM)
		return "TCP socket";
	if (ip && type == SOCK_DGRAM)
		return "UDP socket";
	if (family == AF_UNIX && type == SOCK_STREAM)
		return "Unix stream socket";
	if (family == AF_UNIX && type == SOCK_DGRAM)
		return "Unix datagram socket";
	if (type == SOCK_SEQPACKET)
		return "SOCK_SEQPACKET socket";
	return "socket of another kind";
}

/* What the options ask for, and what to change when the unit disagrees. */
static const char *
hint(const struct config *cfg, int family, int type)
{
	if (cfg->unix_socket && family != AF_UNIX)
		return ": drop -U, or give the socket unit a path";
	if (!cfg->unix_socket && family == AF_UNIX)
		return ": add -U";
	if (cfg->udp && type == SOCK_STREAM)
		return ": drop -u, or use ListenDatagram=";
	if (!cfg->udp && type == SOCK_DGRAM)
		return ": add -u, or use ListenStream=";
	return "";
}

int
activation_take(struct activation *act, const struct config *cfg, char *err,
    size_t errlen)
{
	const int fd = ACTIVATION_FD_START;
	const int want_type = cfg->udp ? SOCK_DGRAM : SOCK_STREAM;
	struct sockaddr_storage ss;
	socklen_t len, optlen;
	char who[WHOLEN], text[ADDR_TEXTLEN];
	int type, listening, port;

	if (act->name[0] != '\0')
		snprintf(who, sizeof(who), "fd %d (%s)", fd, act->name);
	else
		snprintf(who, sizeof(who), "fd %d", fd);
	/* One listener: a second socket would be left unserved. */
	if (act->count != 1) {
		snprintf(err, errlen, "systemd passed %d sockets (LISTEN_FDS); "
		    "sockcat -l serves one: give the socket unit one Listen "
		    "line", act->count);
		return -1;
	}
	optlen = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &optlen) == -1) {
		snprintf(err, errlen, "socket from systemd (%s): %s", who,
		    errno == ENOTSOCK ? "not a socket" : errno == EBADF ?
		    "not open" : strerror(errno));
		return -1;
	}
	len = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		snprintf(err, errlen, "socket from systemd (%s): %s", who,
		    strerror(errno));
		return -1;
	}
	if (type != want_type || (cfg->unix_socket != (ss.ss_family ==
	    AF_UNIX)) || (ss.ss_family != AF_UNIX &&
	    ss.ss_family != AF_INET && ss.ss_family != AF_INET6)) {
		snprintf(err, errlen, "socket from systemd (%s) is a %s, not "
		    "the %s the options ask for%s", who,
		    kind(ss.ss_family, type), kind(cfg->unix_socket ?
		    AF_UNIX : AF_INET, want_type),
		    hint(cfg, ss.ss_family, type));
		return -1;
	}
	optlen = sizeof(listening);
	if (type == SOCK_STREAM && (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN,
	    &listening, &optlen) == -1 || !listening)) {
		snprintf(err, errlen, "socket from systemd (%s) is not "
		    "listening: sockcat -l needs a socket unit with Accept=no",
		    who);
		return -1;
	}
	if ((cfg->family == FAMILY_INET && ss.ss_family != AF_INET) ||
	    (cfg->family == FAMILY_INET6 && ss.ss_family != AF_INET6)) {
		snprintf(err, errlen, "socket from systemd (%s) is IPv%s, but "
		    "%s asks for IPv%s", who, ss.ss_family == AF_INET ? "4" :
		    "6", cfg->family == FAMILY_INET ? "-4" : "-6",
		    cfg->family == FAMILY_INET ? "4" : "6");
		return -1;
	}
	if (ss.ss_family == AF_UNIX) {
		unix_describe((struct sockaddr *)&ss, len, act->path,
		    sizeof(act->path));
		if (cfg->unix_path != NULL &&
		    strcmp(cfg->unix_path, act->path) != 0) {
			snprintf(err, errlen, "socket from systemd (%s) is at "
			    "\"%s\", not at \"%s\" as given", who, act->path,
			    cfg->unix_path);
			return -1;
		}
	} else {
		addr_numeric((struct sockaddr *)&ss, len, text, &port);
		/* Port 0 asks for any port: whichever the unit chose is it. */
		if (cfg->port > 0 && port != cfg->port) {
			snprintf(err, errlen, "socket from systemd (%s) is on "
			    "port %d, not on port %s as given", who, port,
			    cfg->port_arg);
			return -1;
		}
	}
	act->fd = fd;
	return 0;
}
