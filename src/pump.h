/* pump.h -- the poll(2) loop that moves bytes between stdio and a socket. */
#ifndef SOCKCAT_PUMP_H
#define SOCKCAT_PUMP_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "tlog.h"

struct expect;

/* The descriptors of one session. */
struct pump_ends {
	int	in_fd;		/* stdin, or -1 with -d */
	int	out_fd;		/* stdout */
	int	net_fd;		/* connected socket, non-blocking */
	bool	close_out;	/* end out_fd at net EOF: a socket by
				   shutdown(SHUT_WR), else /dev/null over it */
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
};

/* What a session moved, for -vv and messages. */
struct pump_stats {
	unsigned long long	sent;	/* bytes written to the socket */
	unsigned long long	rcvd;	/* bytes read from the socket */
	unsigned long long	unsent;	/* read from stdin, never delivered */
	bool			stdin_unfinished; /* stdin not read to EOF */
	bool			heard;	/* udp_server: a datagram came */
};

/* Why a session ended. */
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

/*
 * Runs one session until CLI.md's end-of-stream rules end it.  Sets and
 * restores O_NONBLOCK on stdin/stdout pipes and sockets, so they are
 * left as found on every return.  Does not close ends->net_fd.  Fills
 * *stats; on an error writes a one-line reason into err.
 */
enum pump_result pump_run(const struct config *cfg,
	    const struct pump_ends *ends, struct pump_stats *stats, char *err,
	    size_t errlen);

#endif
