/* session.c -- connect mode and listen mode, from socket to exit status. */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "admit.h"
#include "broker.h"
#include "clock.h"
#include "exec.h"
#include "expect.h"
#include "fdpass.h"
#include "link.h"
#include "log.h"
#include "loop.h"
#include "proxy.h"
#include "pump.h"
#include "relay.h"
#include "replay.h"
#include "session.h"
#include "sig.h"
#include "sock.h"
#include "tlog.h"
#include "udppeers.h"
#include "udprelay.h"
#include "unixsock.h"

#define ERRLEN		512
#define PEERLEN		(ADDR_TEXTLEN + 16)

/* Why next_client() found no client. */
enum wait_result { CLIENT, RETRY, STOP };

/* The state of listen mode, passed down by pointer. */
struct listener {
	const struct config	*cfg;
	int			 lfd;
	int			 port;		/* real port, for messages */
	struct unix_file	 unix_made;	/* socket file to remove */
	struct tlog		 log;
	struct loop		 loop;		/* -k with -e/-c: the clients */
	struct loop_io		 accept_w;
	struct loop_timer	 wait_t;	/* -w: the wait for a client */
	struct client		*clients;	/* live: linked, ending, closing */
	long			 nclients;
	struct exec_guard	 guard;		/* should we die by SIGKILL */
	bool			 concurrent;	/* clients at once, on the loop */
	int			 spare;		/* for EMFILE: sock_spare_open */
	struct admit_noted	 noted;		/* -u -l: refused senders */
	int			 served;
	int			 status;
};

static bool
has_exec(const struct config *cfg)
{
	return cfg->exec_prog != NULL || cfg->exec_shell != NULL;
}

/* "127.0.0.1 port 7777" or a Unix path: how messages name the peer. */
static void
peer_text(const struct sockaddr *sa, socklen_t len, char *out, size_t outlen)
{
	char text[ADDR_TEXTLEN];
	int port;

	if (sa->sa_family == AF_UNIX) {
		unix_describe(sa, len, text, sizeof(text));
		snprintf(out, outlen, "%s", text[0] != '\0' ? text :
		    "Unix socket peer");
		return;
	}
	addr_numeric(sa, len, text, &port);
	snprintf(out, outlen, "%s port %d", text, port);
}

/*
 * How long a closing session waits without progress for the peer to take
 * the rest of what we sent (see sock_close_after_send).  Nothing owed to
 * stdout is lost at the close: the pump writes out all that came before
 * its session ended, a failed send included; what is left came after -q,
 * -w, -W or a signal ended it, or is --send-only's to drop.
 */
#define CLOSE_GRACE_MS	2000

/* How a session ended, for --json's "close" event, by enum pump_result. */
static const char *const end_names[] = {
	"done", "idle", "quit", "limit", "network error", "local error",
	"signal", "matched", "done",
};

/* The -v and -vv lines and the status that go with a pump result. */
static int
report(const struct config *cfg, enum pump_result r,
    const struct pump_stats *stats, const char *err)
{
	const char *opt, *arg;
	int status = 0;

	switch (r) {
	case PUMP_DONE:
		break;
	case PUMP_IDLE:
		opt = cli_idle_option(cfg, &arg);
		log_note(cfg, 1, "idle timeout (%s %s) expired", opt, arg);
		break;
	case PUMP_QUIT:
		log_note(cfg, 1, "quit timeout (-q) expired after stdin EOF");
		break;
	case PUMP_LIMIT:
		log_note(cfg, 1, "received %ld packets (-W); done",
		    cfg->recv_limit);
		break;
	case PUMP_NET_ERROR:
	case PUMP_LOCAL_ERROR:
		log_error(cfg, "%s", err);
		status = EXIT_NET;
		break;
	case PUMP_SIGNAL:
		status = EXIT_NET;
		break;
	case PUMP_MATCHED:
		log_note(cfg, 1, "--expect matched after %llu bytes received",
		    stats->rcvd);
		break;
	case PUMP_READER_GONE:
		log_note(cfg, 1, "stdout closed by its reader; done");
		break;
	}
	/* --expect: a session that ended well, but unmatched, did not. */
	if (cfg->expect != NULL && r != PUMP_MATCHED && status == 0) {
		log_note(cfg, 1, "--expect: no match in %llu bytes received",
		    stats->rcvd);
		status = EXIT_NOMATCH;
	}
	/*
	 * CLI.md rule 3: say what the peer never got.  With splice/sendfile
	 * nothing waits in our buffers: what was not sent is still in stdin.
	 */
	if (stats->unsent > 0)
		log_note(cfg, 1, "%llu bytes from stdin not sent%s",
		    stats->unsent, stats->stdin_unfinished ?
		    ", and stdin was not read to its end" : "");
	else if ((r == PUMP_NET_ERROR || r == PUMP_IDLE) &&
	    stats->stdin_unfinished)
		log_note(cfg, 1, "stdin was not read to its end: the rest of "
		    "it was not sent");
	return status;
}

/*
 * A traffic log asked for and not written is a failure: says so once,
 * naming the file, and returns true.
 */
static bool
log_failed(const struct config *cfg, struct tlog *log)
{
	if (log->error == 0)
		return false;
	if (!log->reported)
		log_error(cfg, "write to traffic log %s: %s", log->error_path,
		    strerror(log->error));
	log->reported = true;
	return true;
}

/*
 * -u -l -k: the wait (-w or --idle-timeout) ran out before any datagram
 * came.  Like the other listeners' "no connection", a failure.
 */
static int
no_datagram(const struct config *cfg, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char text[ADDR_TEXTLEN];
	const char *opt, *arg;
	int port = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		addr_numeric((struct sockaddr *)&ss, len, text, &port);
	opt = cli_idle_option(cfg, &arg);
	log_error(cfg, "no connection on port %d within %s %s", port, opt,
	    arg);
	return EXIT_NET;
}

/* -e/-c: the link's ends are the program's pipes. */
static void
program_ends(struct link_ends *ends, const struct exec_child *child)
{
	/* The child's EOF on stdin is how it learns of the peer's. */
	ends->in_fd = child->from_child;
	ends->out_fd = child->to_child;
	ends->close_out = true;
	ends->in_name = "the program's stdout";
	ends->out_name = "the program's stdin";
	ends->out_may_close = true;
	ends->program = child->pid;
}

/*
 * Pumps one connected socket between stdin/stdout, or a -e/-c child, and
 * turns the result into an exit status.  one_shot: the only session, so
 * stdout may be closed at network EOF.  *end: why the session ended.
 */
static int
serve_ended(const struct config *cfg, int fd, const char *peer,
    bool one_shot, struct tlog *log, enum pump_result *end)
{
	struct exec_child child;
	struct expect match;
	struct link_ends ends;
	struct pump_stats stats;
	enum pump_result r;
	char err[ERRLEN];
	int status, child_status;
	long long started;

	memset(&ends, 0, sizeof(ends));
	ends.net_fd = fd;
	ends.peer = peer;
	ends.log = tlog_active(log) ? log : NULL;
	ends.expect = NULL;
	/* A fresh matcher per session: each --retry attempt must match. */
	if (cfg->expect != NULL) {
		if (expect_init(&match, cfg->expect, err, sizeof(err)) == -1) {
			status = errno == EINVAL ? EXIT_USAGE : EXIT_NET;
			log_error(cfg, "--expect \"%s\": %s", cfg->expect, err);
			return status;
		}
		ends.expect = &match;
	}
	if (has_exec(cfg)) {
		if (exec_start(cfg, fd, &child, err, sizeof(err)) == -1) {
			log_error(cfg, "%s", err);
			return EXIT_NET;
		}
		program_ends(&ends, &child);
	} else {
		ends.in_fd = cfg->read_stdin ? STDIN_FILENO : -1;
		ends.out_fd = STDOUT_FILENO;
		ends.close_out = one_shot;
		ends.in_name = "stdin";
		ends.out_name = "stdout";
		ends.out_may_close = false;
		ends.program = -1;
	}
	/*
	 * -u -l -k: one session on the unconnected socket, datagrams from
	 * every peer, stdin to the latest sender (with -e/-c, udppeers_run()
	 * serves instead).
	 */
	ends.udp_server = cfg->listen && cfg->udp && cfg->keep_open;
	ends.udp_locked = cfg->listen && cfg->udp && !cfg->keep_open &&
	    !cfg->unix_socket;
	started = clock_ms();
	r = pump_run(cfg, &ends, &stats, err, sizeof(err));
	if (ends.expect != NULL)
		expect_free(ends.expect);
	if (ends.udp_server && r == PUMP_IDLE && !stats.heard)
		status = no_datagram(cfg, fd);
	else
		status = report(cfg, r, &stats, err);
	if (has_exec(cfg)) {
		child_status = exec_wait(&child);
		/* One-shot mode exits with the child's status. */
		if (status == 0 || child_status != 0)
			status = child_status;
	}
	/* A -k worker's log fails in the worker: say so there. */
	if (log_failed(cfg, log) && status == 0)
		status = EXIT_NET;
	log_close(cfg, stats.sent, stats.rcvd, clock_ms() - started,
	    end_names[r]);
	*end = r;
	return status;
}

/* serve_ended() for callers that need only the status. */
static int
serve(const struct config *cfg, int fd, const char *peer, bool one_shot,
    struct tlog *log)
{
	enum pump_result end;

	return serve_ended(cfg, fd, peer, one_shot, log, &end);
}

/* Is a failed connect worth another try under --retry? */
static bool
retry_worthy(int errnum)
{
	return errnum == ECONNREFUSED || errnum == ETIMEDOUT ||
	    errnum == EHOSTUNREACH || errnum == ENETUNREACH ||
	    errnum == ECONNRESET || errnum == EAGAIN;
}

/*
 * TCP or UDP: every address of the host in turn, each bounded by -w.
 * quiet: report nothing (a --retry attempt that is not the last);
 * *retryable: the failure may pass.
 */
static int
connect_inet(const struct config *cfg, char *peer, size_t peerlen,
    int *status, bool quiet, bool *retryable)
{
	struct addrinfo *res, *ai;
	char err[ERRLEN];
	int fd = -1, last_errno = 0;

	*status = EXIT_NET;
	*retryable = false;
	if (addr_resolve(cfg, cfg->host, cfg->port, AF_UNSPEC, false, &res,
	    err, sizeof(err), status) == -1) {
		/* A name not (yet) known is worth another try; -n misuse not. */
		*retryable = *status == EXIT_NET;
		if (!quiet)
			log_error(cfg, "%s", err);
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = sock_connect(cfg, ai, err, sizeof(err));
		if (fd != -1)
			break;
		if (sig_pending() != 0)
			break;
		if (err[0] != '\0') {
			log_error(cfg, "%s", err);
			break;
		}
		last_errno = errno;
		if (!quiet)
			log_connect_failed(cfg, ai, last_errno);
	}
	if (fd == -1) {
		*retryable = retry_worthy(last_errno);
		if (last_errno != 0 && cfg->verbose < 1 && !quiet)
			log_error(cfg, "connect to %s port %s: %s", cfg->host,
			    cfg->port_arg, strerror(last_errno));
		if (last_errno != 0 && !quiet)
			log_summary(cfg, 0, 0);
		freeaddrinfo(res);
		return -1;
	}
	log_connected(cfg, ai);
	peer_text(ai->ai_addr, ai->ai_addrlen, peer, peerlen);
	freeaddrinfo(res);
	return fd;
}

static const char *
proxy_name(enum proxy_type type)
{
	switch (type) {
	case PROXY_SOCKS4:
		return "SOCKS4";
	case PROXY_SOCKS4A:
		return "SOCKS4a";
	case PROXY_HTTP:
		return "HTTP";
	default:
		return "SOCKS5";
	}
}

/*
 * Sleeps ms, or less if a terminating signal comes.  Used between the
 * attempts of --retry.
 */
static void
pause_ms(long ms)
{
	long long until = clock_ms() + ms;

	while (sig_pending() == 0 && clock_ms() < until)
		(void)loop_pause(clock_until(until));
}

/*
 * The pause between --retry attempts: the interval, but the last pause
 * ends at the deadline, so that one more attempt is made right there.
 */
static void
retry_pause(const struct config *cfg, long long deadline)
{
	long long left = deadline - clock_ms();

	pause_ms(left < cfg->retry_interval_ms ? (long)left :
	    cfg->retry_interval_ms);
}

/*
 * Opens the connection cfg asks for: Unix, through a proxy, or direct,
 * with --retry's attempts until deadline (-1: one attempt).  Returns the
 * socket, or -1 with *status set and the failure reported.
 */
static int
open_connection(const struct config *cfg, struct unix_file *made, char *peer,
    size_t peerlen, long long deadline, int *status)
{
	char err[ERRLEN];
	bool last, retryable;
	int fd, attempts = 0;

	*status = EXIT_NET;
	if (cfg->proxy_type != PROXY_NONE) {
		for (;;) {
			attempts++;
			last = deadline < 0 || clock_ms() >= deadline;
			fd = proxy_connect(cfg, err, sizeof(err));
			if (fd != -1 || sig_pending() != 0)
				break;
			/* The proxy, or the target behind it, is not up yet. */
			retryable = errno == ECONNREFUSED ||
			    errno == ECONNRESET || errno == ETIMEDOUT ||
			    errno == EHOSTUNREACH || errno == ENETUNREACH;
			if (last || !retryable || cfg->verbose >= 2)
				log_error(cfg, "%s", err);
			if (last || !retryable)
				break;
			retry_pause(cfg, deadline);
		}
		if (fd == -1 && attempts > 1 && sig_pending() == 0)
			log_note(cfg, 1, "gave up after %d attempts within "
			    "--retry %s", attempts, cfg->retry_arg);
		else if (fd != -1)
			log_note(cfg, 1, "connected to %s port %d through %s "
			    "proxy %s port %d", cfg->host, cfg->port,
			    proxy_name(cfg->proxy_type), cfg->proxy_host,
			    cfg->proxy_port);
		snprintf(peer, peerlen, "%s port %d (via proxy)", cfg->host,
		    cfg->port);
		return fd;
	}
	for (;;) {
		attempts++;
		/* Only the last attempt speaks, unless -vv asks for all. */
		last = deadline < 0 || clock_ms() >= deadline;
		if (cfg->unix_socket) {
			fd = unix_connect(cfg, made, err, sizeof(err));
			retryable = fd == -1 && (errno == ENOENT ||
			    errno == ECONNREFUSED || errno == EAGAIN);
			if (fd == -1 && (last || cfg->verbose >= 2))
				log_error(cfg, "%s", err);
			else if (fd != -1)
				log_unix_connected(cfg);
			snprintf(peer, peerlen, "%s", cfg->unix_path);
		} else
			fd = connect_inet(cfg, peer, peerlen, status,
			    !last && cfg->verbose < 2, &retryable);
		if (fd != -1 || last || !retryable || sig_pending() != 0)
			break;
		retry_pause(cfg, deadline);
	}
	if (fd == -1 && deadline >= 0 && retryable)
		log_note(cfg, 1, "gave up after %d attempts within --retry %s",
		    attempts, cfg->retry_arg);
	return fd;
}

/*
 * --expect with --retry: each attempt sends the same request, so stdin
 * must give it again (replay.c).  Returns 0 or -1 (err).
 */
static int
replay_begin(const struct config *cfg, struct replay *rp, char *err,
    size_t errlen)
{
	if (cfg->expect == NULL || cfg->retry_ms == NO_LIMIT ||
	    !cfg->read_stdin) {
		memset(rp, 0, sizeof(*rp));
		return 0;
	}
	return replay_start(rp, "--expect with --retry", true, err, errlen);
}

/*
 * -F: hands the connected fd to the program on stdout, and closes ours:
 * the receiver has its own copy now, so no FIN and no drain.
 */
static int
pass_connection(const struct config *cfg, int fd, const char *peer)
{
	char err[ERRLEN];
	int status = 0;

	if (fdpass_send(STDOUT_FILENO, fd, err, sizeof(err)) == -1) {
		log_error(cfg, "%s", err);
		status = EXIT_NET;
	} else
		log_note(cfg, 1, "passed the connection to %s over stdout (-F)",
		    peer);
	close(fd);
	return status;
}

/*
 * Connects and serves.  --expect with --retry: an attempt that connects
 * but does not match is a failed one too, and the next is tried until
 * the deadline; the last attempt's status stands.
 */
int
run_connect(const struct config *cfg)
{
	struct unix_file made;
	struct replay rp;
	struct tlog log;
	char err[ERRLEN], peer[PEERLEN];
	int fd, status = EXIT_NET;
	long long deadline = cfg->retry_ms == NO_LIMIT ? -1 :
	    clock_ms() + cfg->retry_ms;
	bool again = cfg->expect != NULL && deadline >= 0;

	memset(&made, 0, sizeof(made));
	/* -F: no use connecting when the socket cannot be handed on. */
	if (cfg->fd_pass && fdpass_check(STDOUT_FILENO, err,
	    sizeof(err)) == -1) {
		log_error(cfg, "%s", err);
		return EXIT_USAGE;
	}
	if (tlog_open(&log, cfg->hex_path, cfg->raw_path, cfg->raw_append,
	    err, sizeof(err)) == -1) {
		log_error(cfg, "%s", err);
		return EXIT_NET;
	}
	if (replay_begin(cfg, &rp, err, sizeof(err)) == -1) {
		status = errno == EFBIG ? EXIT_USAGE : EXIT_NET;
		if (sig_pending() == 0)
			log_error(cfg, "%s", err);
		replay_free(&rp);
		tlog_close(&log);
		return status;
	}
	for (;;) {
		if (replay_rewind(&rp, err, sizeof(err)) == -1) {
			log_error(cfg, "%s", err);
			status = EXIT_NET;
			break;
		}
		fd = open_connection(cfg, &made, peer, sizeof(peer), deadline,
		    &status);
		if (fd == -1)
			break;
		if (cfg->fd_pass) {
			status = pass_connection(cfg, fd, peer);
			break;
		}
		if (cfg->relay.kind == RELAY_UDP) {
			status = udprelay_run(cfg, fd, -1, &log);
			close(fd);
			break;
		}
		if (cfg->relay.kind != RELAY_NONE) {
			status = relay_connect(cfg, fd, peer, &log);
			break;
		}
		/* stdout stays open for the output of the next attempts. */
		status = serve(cfg, fd, peer, !again, &log);
		sock_close_after_send(fd, CLOSE_GRACE_MS);
		if (!again || status != EXIT_NOMATCH || sig_pending() != 0 ||
		    clock_ms() >= deadline)
			break;
		log_note(cfg, 2, "--expect: no match; trying again (--retry)");
		unix_remove(&made);
		retry_pause(cfg, deadline);
	}
	replay_free(&rp);
	unix_remove(&made);
	if (log_failed(cfg, &log) && status == 0)
		status = EXIT_NET;
	tlog_close(&log);
	return status;
}

/*
 * Waits for the next client that admit_check() admits.  TCP and Unix
 * streams: accept; datagrams: lock on to the first sender.  Returns
 * CLIENT with *fd set, RETRY (a child ended, or a client was refused) or
 * STOP (timeout, signal or error, with l->status set and reported).
 */
static enum wait_result
next_client(struct listener *l, int *fd, char *peer, size_t peerlen)
{
	const struct config *cfg = l->cfg;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char err[ERRLEN];
	int rc;

	err[0] = '\0';
	if (cfg->udp) {
		rc = sock_udp_peek(l->lfd, cfg->wait_ms, &ss, &len);
		*fd = l->lfd;
	} else
		rc = *fd = sock_accept(cfg, l->lfd, cfg->wait_ms, &ss, &len,
		    err, sizeof(err));
	if (rc == -1) {
		if (errno == EINTR && sig_pending() == 0)
			return RETRY;
		if (!cfg->udp && admit_shed(cfg, l->lfd, &l->spare, errno))
			return RETRY;
		l->status = EXIT_NET;
		if (sig_pending() != 0)
			return STOP;
		if (err[0] != '\0')
			log_error(cfg, "%s", err);
		else if (errno == ETIMEDOUT && l->served > 0)
			l->status = 0;	/* -k: the clients have stopped coming */
		else if (errno == ETIMEDOUT && cfg->unix_socket)
			log_error(cfg, "no connection on %s within -w %s",
			    cfg->unix_path, cfg->wait_arg);
		else if (errno == ETIMEDOUT)
			log_error(cfg, "no connection on port %d within -w %s",
			    l->port, cfg->wait_arg);
		else
			log_error(cfg, "accept on port %d: %s", l->port,
			    strerror(errno));
		return STOP;
	}
	peer_text((struct sockaddr *)&ss, len, peer, peerlen);
	/* A refused sender that goes on sending is noted once. */
	if (cfg->udp && admit_datagram(cfg, &l->noted, &ss, len, NULL, -1,
	    peer) != ADMIT_OK) {
		sock_udp_drop(l->lfd);
		return RETRY;
	}
	if (!cfg->udp && admit_check(cfg, (struct sockaddr *)&ss, len,
	    -1, peer) != ADMIT_OK) {
		close(*fd);
		return RETRY;
	}
	if (cfg->udp && connect(l->lfd, (struct sockaddr *)&ss, len) == -1) {
		log_error(cfg, "answer datagram sender %s: %s", peer,
		    strerror(errno));
		l->status = EXIT_NET;
		return STOP;
	}
	log_accepted(cfg, *fd, (struct sockaddr *)&ss, len);
	return CLIENT;
}

/*
 * -k with -e/-c: every client on the listener's loop, in one process.  A
 * client goes through three states, each on the loop: LINKED (a link
 * between its socket and its program's pipes), ENDING (the program gets
 * EOF, and is reaped or ended: exec_end_start) and CLOSING (the socket's
 * close after send: sock_closing_start); then it is freed.  It counts
 * for --max-conns until then, as a worker process did.
 */
enum client_state { LINKED, ENDING, CLOSING };

struct client {
	struct listener		*l;
	struct client		*next, *prev;
	enum client_state	 state;
	int			 fd;
	char			 peer[PEERLEN];
	struct exec_child	 child;
	struct exec_ending	 ending;
	struct link_ends	 ends;
	struct link		*link;
	struct expect		 match;
	bool			 matching;	/* match needs expect_free */
	struct sock_closing	 closing;
	enum pump_result	 end;
	struct pump_stats	 stats;
	int			 status;
	long long		 started;
};

static void	client_ending(struct client *c, enum pump_result r,
		    const struct pump_stats *stats, const char *err);

/* The socket is closed: the client is gone. */
static void
client_closed(struct sock_closing *sc, void *arg)
{
	struct client *c = arg;
	struct listener *l = c->l;

	(void)sc;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		l->clients = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	l->nclients--;
	free(c);
	/* Winding down: the last one out ends the run. */
	if (l->lfd == -1 && l->nclients == 0)
		loop_stop(&l->loop);
}

static void
client_close(struct client *c)
{
	c->state = CLOSING;
	if (sock_closing_start(&c->l->loop, &c->closing, c->fd,
	    CLOSE_GRACE_MS, client_closed, c) == 1)
		client_closed(&c->closing, c);
}

/* The program is reaped: its status, the --json close event, the close. */
static void
program_over(struct exec_ending *e, int child_status, void *arg)
{
	struct client *c = arg;
	const struct config *cfg = c->l->cfg;

	(void)e;
	exec_guard_drop(&c->l->guard, c->child.pid);
	if (c->status == 0 || child_status != 0)
		c->status = child_status;
	if (log_failed(cfg, &c->l->log) && c->status == 0)
		c->status = EXIT_NET;
	log_close(cfg, c->stats.sent, c->stats.rcvd,
	    clock_ms() - c->started, end_names[c->end]);
	client_close(c);
}

/* The link ended: report it as serve_ended() does, then end the program. */
static void
link_over(struct link *lk, enum pump_result r,
    const struct pump_stats *stats, const char *err, void *arg)
{
	struct client *c = arg;

	(void)lk;
	client_ending(c, r, stats, err);
}

static void
client_ending(struct client *c, enum pump_result r,
    const struct pump_stats *stats, const char *err)
{
	const struct config *cfg = c->l->cfg;

	c->state = ENDING;
	c->end = r;
	c->stats = *stats;
	c->status = report(cfg, r, stats, err);
	link_free(c->link);
	c->link = NULL;
	if (c->matching)
		expect_free(&c->match);
	c->matching = false;
	if (exec_end_start(&c->l->loop, &c->ending, &c->child,
	    EXEC_TERM_GRACE_MS, program_over, c) == 1)
		program_over(&c->ending, c->ending.status, c);
}

/* Children ended: each is some client's program. */
static void
reap_programs(struct loop *lp, void *arg)
{
	struct listener *l = arg;
	struct client *c;
	int st;
	pid_t pid;

	(void)lp;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (c = l->clients; c != NULL; c = c->next)
			if (c->child.pid == pid && !c->ending.reaped)
				break;
		if (c == NULL)
			continue;
		if (c->link != NULL)
			link_program_exited(c->link);
		exec_end_reaped(&c->ending, st);
	}
}

/* An admitted client: its program, and the link to it. */
static void
client_start(struct listener *l, int fd, const char *peer)
{
	const struct config *cfg = l->cfg;
	struct pump_stats none;
	struct client *c;
	char err[ERRLEN];

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_error(cfg, "serve %s: %s", peer, strerror(errno));
		close(fd);
		return;
	}
	c->l = l;
	c->fd = fd;
	c->started = clock_ms();
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	c->next = l->clients;
	if (l->clients != NULL)
		l->clients->prev = c;
	l->clients = c;
	l->nclients++;
	l->served++;
	memset(&none, 0, sizeof(none));
	exec_end_init(&c->ending, -1);
	if (cfg->expect != NULL) {
		if (expect_init(&c->match, cfg->expect, err,
		    sizeof(err)) == -1) {
			log_error(cfg, "--expect \"%s\": %s", cfg->expect, err);
			client_close(c);
			return;
		}
		c->matching = true;
		c->ends.expect = &c->match;
	}
	if (exec_start(cfg, fd, &c->child, err, sizeof(err)) == -1) {
		log_error(cfg, "%s", err);
		if (c->matching)
			expect_free(&c->match);
		client_close(c);
		return;
	}
	exec_end_init(&c->ending, c->child.pid);
	exec_guard_add(&l->guard, c->child.pid);
	c->ends.net_fd = fd;
	c->ends.peer = c->peer;
	c->ends.log = tlog_active(&l->log) ? &l->log : NULL;
	program_ends(&c->ends, &c->child);
	if ((c->link = link_start(&l->loop, cfg, &c->ends, link_over, c, err,
	    sizeof(err))) == NULL)
		client_ending(c, PUMP_LOCAL_ERROR, &none, err);
}

/* -w: no client came within it.  As next_client() says it. */
static void
wait_over(struct loop *lp, struct loop_timer *t)
{
	struct listener *l = t->arg;
	const struct config *cfg = l->cfg;

	l->status = EXIT_NET;
	if (l->served > 0)
		l->status = 0;	/* -k: the clients have stopped coming */
	else if (cfg->unix_socket)
		log_error(cfg, "no connection on %s within -w %s",
		    cfg->unix_path, cfg->wait_arg);
	else
		log_error(cfg, "no connection on port %d within -w %s",
		    l->port, cfg->wait_arg);
	loop_stop(lp);
}

/* The listener is ready: accept, admit and start one client. */
static void
accept_ready(struct loop *lp, struct loop_io *w, short revents)
{
	struct listener *l = w->arg;
	const struct config *cfg = l->cfg;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char err[ERRLEN], peer[PEERLEN];
	int fd;

	(void)revents;
	if (cfg->wait_ms != NO_LIMIT &&
	    loop_timer_start(lp, &l->wait_t, clock_ms() + cfg->wait_ms) == -1)
		loop_timer_stop(lp, &l->wait_t);
	fd = sock_accept_now(cfg, l->lfd, &ss, &len, err, sizeof(err));
	if (fd == -1) {
		if (err[0] == '\0' && (errno == EAGAIN ||
		    errno == EWOULDBLOCK || errno == ECONNABORTED ||
		    errno == EINTR))
			return;
		if (err[0] == '\0' && admit_shed(cfg, l->lfd, &l->spare,
		    errno))
			return;
		l->status = EXIT_NET;
		if (err[0] != '\0')
			log_error(cfg, "%s", err);
		else
			log_error(cfg, "accept on port %d: %s", l->port,
			    strerror(errno));
		loop_stop(lp);
		return;
	}
	peer_text((struct sockaddr *)&ss, len, peer, sizeof(peer));
	if (admit_check(cfg, (struct sockaddr *)&ss, len, l->nclients,
	    peer) != ADMIT_OK) {
		close(fd);
		return;
	}
	log_accepted(cfg, fd, (struct sockaddr *)&ss, len);
	client_start(l, fd, peer);
}

/*
 * Serves clients at once until -w runs out without one, accepting fails
 * or a signal comes; the clients in progress go on (see end_clients).
 */
static void
serve_clients(struct listener *l)
{
	const struct config *cfg = l->cfg;

	/* Without it, a listener killed by SIGKILL leaves its programs. */
	if (exec_guard_start(&l->guard) == -1)
		log_note(cfg, 2, "start the watchman of the programs: %s",
		    strerror(errno));
	loop_on_child(&l->loop, reap_programs, l);
	loop_io_set(&l->accept_w, l->lfd, accept_ready, l);
	loop_timer_set(&l->wait_t, wait_over, l);
	if (loop_io_start(&l->loop, &l->accept_w, POLLIN) == -1 ||
	    (cfg->wait_ms != NO_LIMIT && loop_timer_start(&l->loop,
	    &l->wait_t, clock_ms() + cfg->wait_ms) == -1)) {
		log_error(cfg, "allocate the event loop: %s", strerror(errno));
		l->status = EXIT_NET;
		return;
	}
	switch (loop_run(&l->loop)) {
	case LOOP_SIGNAL:
		l->status = EXIT_NET;
		break;
	case LOOP_ERROR:
		log_error(cfg, "poll descriptors: %s", strerror(errno));
		l->status = EXIT_NET;
		break;
	default:
		break;
	}
	loop_io_stop(&l->loop, &l->accept_w);
	loop_timer_stop(&l->loop, &l->wait_t);
}

/* Going down on a signal: every program gets EOF and the signal. */
static void
end_clients_now(struct listener *l)
{
	struct client *c, *next;

	loop_wind_down(&l->loop);
	for (c = l->clients; c != NULL; c = next) {
		next = c->next;		/* c may be freed on the way */
		if (c->state == LINKED && c->link != NULL)
			link_stop(c->link, PUMP_SIGNAL);
		else if (c->state == ENDING)
			exec_end_signal(&c->ending, sig_pending());
	}
}

/*
 * After the listener has closed: the clients in progress end on their
 * own (-w bounds the wait for a client, never a session), or at once on
 * a signal, their programs within the grace times.  No zombie is left.
 */
static void
end_clients(struct listener *l)
{
	if (!l->concurrent)
		return;
	while (l->nclients > 0) {
		if (sig_pending() != 0)
			end_clients_now(l);
		if (l->nclients == 0)
			break;
		if (loop_run(&l->loop) == LOOP_ERROR) {
			/* Nothing left to wait with: end them the hard way. */
			log_error(l->cfg, "poll descriptors: %s",
			    strerror(errno));
			break;
		}
	}
	exec_guard_stop(&l->guard);
}

/* Accepts clients until one-shot mode is done, -w runs out or a signal. */
static void
accept_loop(struct listener *l)
{
	const struct config *cfg = l->cfg;
	char peer[PEERLEN];
	enum wait_result w;
	enum pump_result end;
	int fd;

	for (;;) {
		w = next_client(l, &fd, peer, sizeof(peer));
		if (w == RETRY)
			continue;
		if (w == STOP)
			break;
		/* One-shot: stop listening now, refusing anyone queued. */
		if (!cfg->keep_open && fd != l->lfd) {
			close(l->lfd);
			l->lfd = -1;
		}
		l->status = serve_ended(cfg, fd, peer, !cfg->keep_open,
		    &l->log, &end);
		l->served++;
		if (fd != l->lfd)
			sock_close_after_send(fd, CLOSE_GRACE_MS);
		/* -k: nobody would read the next client's data either. */
		if (!cfg->keep_open || sig_pending() != 0 ||
		    end == PUMP_READER_GONE)
			break;
	}
}

/*
 * --port-file: the port, and a newline, written to a temporary file in the
 * same folder and renamed into place, so a reader never sees half of it.
 * The file is handed to sig_own_file(), so that it goes when we do: a
 * script run again must not read the port of a listener that has ended.
 */
static int
write_port_file(const char *path, int port, char *err, size_t errlen)
{
	char tmp[4096], line[16];
	struct stat st;
	int fd, n;
	ssize_t w;

	n = snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		snprintf(err, errlen, "write port file %s: name too long",
		    path);
		return -1;
	}
	n = snprintf(line, sizeof(line), "%d\n", port);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0666)) == -1)
		goto fail;
	w = write(fd, line, (size_t)n);
	if (w == n && fstat(fd, &st) == -1)
		w = -1;
	if (close(fd) == -1 || w != n) {
		if (w != -1 && w != n)
			errno = EIO;
		(void)unlink(tmp);
		goto fail;
	}
	if (rename(tmp, path) == -1) {
		int saved = errno;

		(void)unlink(tmp);
		errno = saved;
		goto fail;
	}
	/* rename keeps the inode: this is how we know the file is ours. */
	sig_own_file(path, st.st_dev, st.st_ino);
	return 0;
fail:
	snprintf(err, errlen, "write port file %s: %s", path, strerror(errno));
	return -1;
}

int
run_listen(const struct config *cfg)
{
	struct sockaddr_storage bound;
	struct listener l;
	char err[ERRLEN], text[ADDR_TEXTLEN];

	memset(&l, 0, sizeof(l));
	loop_init(&l.loop);
	l.guard.fd = -1;
	l.cfg = cfg;
	/* A relay keeps its own spare. */
	l.spare = cfg->keep_open && cfg->relay.kind == RELAY_NONE ?
	    sock_spare_open() : -1;
	l.concurrent = cfg->keep_open && has_exec(cfg) && !cfg->udp;
	if (tlog_open(&l.log, cfg->hex_path, cfg->raw_path, cfg->raw_append,
	    err, sizeof(err)) == -1) {
		log_error(cfg, "%s", err);
		return EXIT_NET;
	}
	memset(&bound, 0, sizeof(bound));
	/* Socket activation: the unit's socket, for every listener mode. */
	if (cfg->activation.fd != -1) {
		l.lfd = sock_adopt(cfg, cfg->activation.fd, &bound, err,
		    sizeof(err));
		if (l.lfd != -1)
			log_note(cfg, 1, "using the socket systemd passed: "
			    "fd %d%s%s%s", l.lfd, cfg->activation.name[0] !=
			    '\0' ? " (" : "", cfg->activation.name,
			    cfg->activation.name[0] != '\0' ? ")" : "");
	} else if (cfg->unix_socket) {
		l.lfd = unix_listen(cfg, &l.unix_made, err, sizeof(err));
		bound.ss_family = AF_UNIX;
	} else
		l.lfd = sock_listen(cfg, &bound, err, sizeof(err));
	if (l.lfd == -1) {
		if (err[0] != '\0')
			log_error(cfg, "%s", err);
		else if (cfg->activation.fd != -1)
			log_error(cfg, "take the socket systemd passed (fd %d): "
			    "%s", cfg->activation.fd, strerror(errno));
		else if (cfg->host != NULL)
			log_error(cfg, "listen on %s port %d: %s", cfg->host,
			    cfg->port, strerror(errno));
		else
			log_error(cfg, "listen on port %d (any address): %s",
			    cfg->port, strerror(errno));
		l.status = EXIT_NET;
		goto out;
	}
	log_listening(cfg, &bound);
	/* The real port, also when -l 0 let the system choose. */
	if (!cfg->unix_socket)
		addr_numeric((struct sockaddr *)&bound, sizeof(bound), text,
		    &l.port);
	if (cfg->port_file != NULL &&
	    write_port_file(cfg->port_file, l.port, err, sizeof(err)) == -1) {
		log_error(cfg, "%s", err);
		l.status = EXIT_NET;
		goto out;
	}
	if (cfg->relay.kind != RELAY_NONE && !cfg->udp) {
		l.status = relay_listen(cfg, l.lfd, l.port, &l.log);
		l.lfd = -1;	/* relay_listen closed it */
	} else if (cfg->broker)
		l.status = broker_run(cfg, l.lfd, &l.log);
	else if (cfg->udp && cfg->relay.kind == RELAY_UDP)
		l.status = udprelay_run(cfg, l.lfd, l.port, &l.log);
	else if (cfg->udp && cfg->keep_open && has_exec(cfg))
		l.status = udppeers_run(cfg, l.lfd, l.port, &l.log);
	else if (cfg->udp && cfg->keep_open)
		l.status = serve(cfg, l.lfd, "the latest sender", false,
		    &l.log);
	else if (l.concurrent)
		serve_clients(&l);
	else
		accept_loop(&l);
out:
	/* systemd keeps the socket: hand it back listening to everyone. */
	if (l.lfd != -1 && cfg->activation.fd != -1 && cfg->udp)
		sock_udp_unlock(l.lfd);
	if (l.lfd != -1)
		close(l.lfd);
	l.lfd = -1;
	if (l.spare != -1)
		close(l.spare);
	/* Every exit path, signals included, gets here: remove the files. */
	unix_remove(&l.unix_made);
	sig_drop_file();
	/* -u -l: the senders refused before the lock, counted as in -k. */
	admit_dropped_note(cfg, &l.noted);
	/* -w bounds the wait for a client, never a session in progress. */
	end_clients(&l);
	loop_free(&l.loop);
	if (log_failed(cfg, &l.log) && l.status == 0)
		l.status = EXIT_NET;
	tlog_close(&l.log);
	return l.status;
}
