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

/* The same line for a -z probe of ai that failed for reason ("no match"). */
void	log_probe_failed(const struct config *cfg, const struct addrinfo *ai,
	    const char *reason);

/* One attempt on a -z target (wait-for), for log_attempt(). */
struct log_attempt {
	const char		*target;	/* its name: "db:5432" */
	const char		*host;		/* as given */
	int			 port;
	const struct addrinfo	*ai;		/* the address; NULL: none */
	unsigned long long	 attempt;	/* 1, 2, ... */
	bool			 open;
	const char		*reason;	/* why not open, or NULL */
};

/*
 * The outcome of one attempt on a -z target: with -v the open line
 * "NAME [ADDR] PORT (SERVICE) open" when the target opens, with -vv also
 * "NAME [ADDR] PORT (SERVICE) : REASON" for every failed attempt (or
 * "sockcat: TARGET: REASON" when the host did not resolve); with --json a
 * "probe" event for every attempt, with target, attempt and open.
 */
void	log_attempt(const struct config *cfg, const struct log_attempt *a);

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

/* How one peer of the -u -l -k program server ended, for log_peer_close(). */
struct log_peer_end {
	unsigned long long	 sent;		/* bytes to the peer */
	unsigned long long	 rcvd;		/* bytes from it */
	unsigned long long	 dropped;	/* datagrams not delivered */
	long long		 ms;		/* how long it was served */
	const char		*how;		/* "done", "idle", ... */
	int			 status;	/* as exec_status() */
};

/*
 * The end of one peer of -u -l -k with -e/-c: with -v the line
 * "sockcat: closed ADDR port N (HOW): program status S, sent N, rcvd M"
 * (and ", D datagrams dropped" when D > 0); with --json a "close" event
 * with log_close()'s fields and remote_address, remote_port, status and
 * dropped.
 */
void	log_peer_close(const struct config *cfg, const struct sockaddr *peer,
	    socklen_t peerlen, const struct log_peer_end *end);

/* One client's mapping in the UDP relay, for log_udp_map_close(). */
struct log_udp_map {
	/* Bytes and datagrams each way. */
	unsigned long long	 to_upstream, dgrams_up;
	unsigned long long	 to_client, dgrams_down;
	unsigned long long	 dropped;	/* datagrams not passed on */
	long long		 ms;		/* how long it was mapped */
	const char		*how;		/* "idle", "refused", ... */
};

/*
 * A new client of the UDP relay, its upstream socket (local port lport)
 * connected to target: with -v "sockcat: relaying ADDR port N to TADDR
 * port M from port P"; with --json an "upstream" event with
 * remote_address, remote_port, upstream ("TADDR port M") and local_port.
 */
void	log_udp_map_open(const struct config *cfg, const struct sockaddr *peer,
	    socklen_t peerlen, const struct sockaddr *target,
	    socklen_t targetlen, int lport);

/*
 * The end of a client's mapping in the UDP relay: with -v "sockcat:
 * closed ADDR port N (HOW): to upstream B (D datagrams), to client B (D
 * datagrams)" (and ", D datagrams dropped" when D > 0); with --json a
 * "close" event with remote_address, remote_port, to_upstream,
 * to_client, duration_ms, end, datagrams_to_upstream,
 * datagrams_to_client and dropped.
 */
void	log_udp_map_close(const struct config *cfg,
	    const struct sockaddr *peer, socklen_t peerlen,
	    const struct log_udp_map *m);

/*
 * --to: one relayed client's upstream is connected (up: the address of
 * the upstream socket's peer, the proxy's with -x).  With -v the line
 * "sockcat: relaying CLIENT to UPSTREAM"; with --json an "upstream"
 * event with the client (remote_address and remote_port, or
 * remote_path) and the upstream: upstream_address and upstream_port,
 * upstream_path, or through a proxy upstream_host, upstream_port (upport),
 * proxy_address and proxy_port.  client is the peer as messages name it.
 */
void	log_relay_upstream(const struct config *cfg,
	    const struct sockaddr *peer, socklen_t peerlen, const char *client,
	    const char *upstream, const struct sockaddr *up, socklen_t uplen,
	    int upport);

/*
 * --to: one relayed client's upstream could not be had, for reason.
 * With -v (unless said: an error line told it already) the line
 * "sockcat: relay CLIENT to TARGET: REASON; closing the client"; with
 * --json an "upstream_failed" event with the client, upstream_host and
 * upstream_port (port: -1 for none) or upstream_path, and reason.
 */
void	log_relay_upstream_failed(const struct config *cfg,
	    const struct sockaddr *peer, socklen_t peerlen, const char *client,
	    int port, const char *reason, bool said);

/*
 * --to: one relayed client's pair ended, how ("done", "idle", "upstream
 * refused", ...), after to_upstream and to_client bytes.  With -v the
 * line "sockcat: closed CLIENT (HOW): to upstream N, to client M"; with
 * --json a "close" event with those numbers, log_close()'s duration and
 * end, and the client as in log_relay_upstream().
 */
void	log_relay_close(const struct config *cfg, const struct sockaddr *peer,
	    socklen_t peerlen, const char *client,
	    unsigned long long to_upstream, unsigned long long to_client,
	    long long ms, const char *how);

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
