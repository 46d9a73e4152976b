/* activation.h -- systemd socket activation (LISTEN_FDS), no libsystemd. */
#ifndef SOCKCAT_ACTIVATION_H
#define SOCKCAT_ACTIVATION_H

#include <sys/socket.h>
#include <sys/un.h>

#include <stddef.h>

struct config;

/* The first descriptor systemd passes (SD_LISTEN_FDS_START). */
#define ACTIVATION_FD_START	3

/* Longest LISTEN_FDNAMES entry kept for messages (systemd allows 255). */
#define ACTIVATION_NAMELEN	64

/*
 * The sockets systemd passed to this process, by the contract of
 * sd_listen_fds(3): LISTEN_PID is our pid, LISTEN_FDS how many descriptors
 * from fd 3 on, LISTEN_FDNAMES their names separated by colons.
 */
struct activation {
	int	count;		/* LISTEN_FDS, 0 when none are ours */
	int	fd;		/* the socket taken for -l, or -1 */
	char	name[ACTIVATION_NAMELEN];	/* fd 3's name, or "" */
	/* A Unix socket's path (or @name), for messages when -U gave none. */
	char	path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
};

/*
 * Reads the environment into *act.  When the sockets are ours, marks each
 * close-on-exec and unsets LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES, so
 * no program sockcat runs sees them.  Returns 0 (act->count 0 when the
 * variables are absent or meant for another process), or -1 with a
 * one-line reason in err when LISTEN_FDS is not a count.
 */
int	activation_init(struct activation *act, char *err, size_t errlen);

/*
 * For -l: checks that the one socket passed is what cfg asks for (TCP,
 * UDP with -u, Unix with -U; listening if a stream; the family of -4/-6;
 * the port or -U path, if one was given) and sets act->fd and, for a Unix
 * socket, act->path.  Returns 0, or -1 with a one-line reason naming the
 * descriptor in err (a usage error: the unit and the options disagree).
 */
int	activation_take(struct activation *act, const struct config *cfg,
	    char *err, size_t errlen);

#endif
