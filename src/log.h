/* log.h -- the -v lines on stderr (netcat-traditional's), or --json events. */
#ifndef SOCKCAT_LOG_H
#define SOCKCAT_LOG_H

#include <sys/socket.h>

#include <netdb.h>

#include "cli.h"

/*
 * "listening on [any] 7777 ..." (-v); bound is the listening address.
 * A Unix listener shows "listening on [/path] ...".
 */
void	log_listening(const struct config *cfg,
	    const struct sockaddr_storage *bound);

/* "connect to [LOCAL] from NAME [PEER] PORT" (-v) for an accepted fd. */
void	log_accepted(const struct config *cfg, int fd,
	    const struct sockaddr *peer, socklen_t peerlen);

/* "NAME [ADDR] PORT (SERVICE) open" (-v) after a connect to ai. */
void	log_connected(const struct config *cfg, const struct addrinfo *ai);

/*
 * "NAME [ADDR] PORT (SERVICE) : REASON" (-v) for a failed attempt on ai;
 * reason is strerror(errnum).
 */
void	log_connect_failed(const struct config *cfg,
	    const struct addrinfo *ai, int errnum);

/* "(UNKNOWN) [/path] open" (-v) after a -U connect. */
void	log_unix_connected(const struct config *cfg);

/* " sent N, rcvd M" (-vv) at the end of a session. */
void	log_summary(const struct config *cfg, unsigned long long sent,
	    unsigned long long rcvd);

/*
 * The end of a session: the -vv summary line, or a JSON "close" event with
 * bytes each way, duration and how it ended ("done", "idle", ...).
 */
void	log_close(const struct config *cfg, unsigned long long sent,
	    unsigned long long rcvd, long long ms, const char *how);

/*
 * "sockcat: MESSAGE" on stderr, always: errors.  With --json, an error
 * event instead.  cfg may be NULL.
 */
void	log_error(const struct config *cfg, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* "sockcat: MESSAGE" when cfg->verbose >= level. */
void	log_note(const struct config *cfg, int level, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
