/* link.h -- a link: bytes between a socket and two ends, on a caller's loop. */
#ifndef SOCKCAT_LINK_H
#define SOCKCAT_LINK_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "tlog.h"

struct expect;
struct loop;
struct zc_pool;

/*
 * The ends of one link.  Two lanes: "up" moves in_fd to net_fd, "down"
 * net_fd to out_fd.  in_fd and out_fd may be one descriptor (a socket:
 * a relay's upstream), as may be stdin and stdout under inetd.
 */
struct link_ends {
	int	in_fd;		/* stdin, a program's stdout, a socket; or
				   -1 with -d */
	int	out_fd;		/* stdout, a program's stdin, a socket */
	int	net_fd;		/* connected socket, non-blocking */
	bool	close_out;	/* end out_fd at net EOF: a socket by
				   shutdown(SHUT_WR), else /dev/null over it */
	bool	fin_always;	/* in_fd's EOF is passed on as a FIN even
				   when it gave nothing (a relay: the peer's
				   close, not an empty request) */
	bool	in_peer;	/* in_fd is a peer's socket: its failure (a
				   reset) ends the link, after what net_fd
				   sent is delivered */
	const char *peer;	/* "127.0.0.1 port 7777", for messages */
	struct tlog *log;	/* -o / --output, or NULL */
	const char *in_name;	/* "stdin", for messages */
	const char *out_name;	/* "stdout", for messages */
	bool	out_may_close;	/* a reader that goes away (EPIPE): its data
				   is dropped and the session goes on (a -e
				   program that exited); else it ends the
				   session, PUMP_READER_GONE */
	bool	udp_server;	/* -u -l -k: net_fd unconnected; datagrams
				   from anyone, stdin to the latest sender */
	bool	udp_locked;	/* -u -l: net_fd connected to its first
				   sender, but may hold others' datagrams
				   queued before: they are dropped */
	pid_t	program;	/* -e/-c: in_fd and out_fd are its pipes;
				   its exit ends the session.  Else -1 */
	struct expect *expect;	/* --expect: fed what is received; its
				   match ends the session.  Else NULL */
	struct zc_pool *pipes;	/* spare splice pipes shared by the links
				   on a loop: a lane takes one while data
				   is in flight.  NULL: a lane keeps the
				   pipe it took to the end */
};

/* What a link moved, for -vv and messages. */
struct pump_stats {
	unsigned long long	sent;	/* bytes written to the socket */
	unsigned long long	rcvd;	/* bytes read from the socket */
	unsigned long long	unsent;	/* read from stdin, never delivered */
	bool			stdin_unfinished; /* stdin not read to EOF */
	bool			heard;	/* udp_server: a datagram came */
	bool			net_failed; /* net_fd failed (a reset) */
};

/* Why a link ended. */
enum pump_result {
	PUMP_DONE,		/* end-of-stream rules say so */
	PUMP_IDLE,		/* -w / --idle-timeout */
	PUMP_QUIT,		/* -q after stdin EOF */
	PUMP_LIMIT,		/* -W packets received */
	PUMP_NET_ERROR,		/* the socket failed: err says how */
	PUMP_LOCAL_ERROR,	/* stdin/stdout failed: err says how */
	PUMP_SIGNAL,		/* SIGINT/SIGTERM/SIGHUP: see sig_pending() */
	PUMP_MATCHED,		/* --expect matched, and all before it went */
	PUMP_READER_GONE,	/* stdout's reader left (EPIPE): it is done */
};

/* Room for a link's one-line reason. */
#define LINK_ERRLEN	512

struct link;

/*
 * Called once when a link ends, with why, what it moved and, for the
 * errors, a one-line reason.  Its watchers are stopped by then; the
 * callback may link_free() it (nothing of it is touched afterwards).
 */
typedef void	link_done_fn(struct link *lk, enum pump_result r,
		    const struct pump_stats *stats, const char *err,
		    void *arg);

/*
 * Starts a link on the loop l (which may run many), by CLI.md's
 * end-of-stream rules per direction.  Sets O_NONBLOCK on in_fd and out_fd
 * (pipes and sockets) and puts their flags back in link_free().  cfg and
 * ends must outlive the link; no descriptor is closed but as close_out
 * says.  Returns the link, or NULL with a reason in err (ENOMEM...).
 */
struct link	*link_start(struct loop *l, const struct config *cfg,
		    const struct link_ends *ends, link_done_fn *done,
		    void *arg, char *err, size_t errlen);

/*
 * Ends a link now with r (PUMP_SIGNAL: going down; its done callback is
 * called as for any end), unless it has ended already.
 */
void		link_stop(struct link *lk, enum pump_result r);

/*
 * -e/-c: the owner reaped the program (ends->program): its exit is part
 * of the end-of-stream rules.  A link whose owner does not reap asks
 * waitid(2) itself, without reaping.
 */
void		link_program_exited(struct link *lk);

/* Stops it if still running (without a callback) and frees it. */
void		link_free(struct link *lk);

#endif
