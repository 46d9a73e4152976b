/* relay.c -- --to: each stream client a link to its own upstream, one loop. */

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "admit.h"
#include "clock.h"
#include "link.h"
#include "log.h"
#include "loop.h"
#include "proxy.h"
#include "relay.h"
#include "sig.h"
#include "sock.h"
#include "unixsock.h"
#include "zerocopy.h"

#define ERRLEN		512
#define PEERLEN		(ADDR_TEXTLEN + 16)

/* Clients taken per wakeup of the listener, so pairs in flight get turns. */
#define ACCEPT_BATCH	64

/* A reset passed on waits this long without progress for the data first. */
#define DRAIN_GRACE_MS	2000

struct relay;

/*
 * One client and its upstream: connecting, then a link.  Small, as is
 * the link: thousands of idle pairs are the relay's everyday load.
 */
struct pair {
	struct relay		*r;
	struct pair		*prev, *next;
	int			 cfd;		/* the client */
	int			 ufd;		/* upstream, or -1 */
	struct sockaddr_storage	 peer;
	socklen_t		 peerlen;
	char			*client;	/* for messages */
	struct addrinfo		*res, *ai;	/* ai: the one tried */
	int			 last_errno;
	struct loop_io		 connect_io;	/* connecting */
	struct loop_timer	 connect_timer;	/* -w per address */
	struct link_ends	 ends;		/* outlives the link */
	struct link		*lk;
	struct sock_closing	 closing;	/* passing a reset on */
	long long		 started;
};

/* The state of one relay: a listener (or none) and its pairs. */
struct relay {
	const struct config	*cfg;
	struct config		 up;	/* the upstream leg */
	struct config		 lcfg;	/* what the links see */
	struct loop		 loop;
	struct zc_pool		 pipes;	/* the links' spare splice pipes */
	struct tlog		*log;	/* NULL when no log is open */
	int			 lfd;	/* -1: no longer listening */
	int			 port;
	int			 spare;	/* EMFILE: sock_spare_open */
	struct loop_io		 accept_io;
	struct loop_timer	 accept_timer;	/* -w: for a client */
	struct pair		*pairs;
	long			 npairs;
	long			 served;
	bool			 one_shot;	/* no -k: one client */
	int			 status;
};

/* How a pair ended, for messages and --json, by enum pump_result. */
static const char *const end_names[] = {
	"done", "idle", "quit", "limit", "network error", "local error",
	"signal", "matched", "done",
};

/* "127.0.0.1 port 7777" or a Unix path: how messages name a client. */
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

/* Nothing more to do: every pair has ended and no client can come. */
static void
maybe_finish(struct relay *r)
{
	if (r->npairs == 0 && r->lfd == -1)
		loop_stop(&r->loop);
}

static void
stop_listening(struct relay *r)
{
	if (r->lfd == -1)
		return;
	loop_io_stop(&r->loop, &r->accept_io);
	loop_timer_stop(&r->loop, &r->accept_timer);
	close(r->lfd);
	r->lfd = -1;
	if (r->spare != -1) {
		close(r->spare);
		r->spare = -1;
	}
}

/* Takes p off the list and frees it, closing both of its sockets. */
static void
pair_free(struct pair *p)
{
	struct relay *r = p->r;

	loop_io_stop(&r->loop, &p->connect_io);
	loop_timer_stop(&r->loop, &p->connect_timer);
	sock_closing_abort(&p->closing);
	if (p->lk != NULL)
		link_free(p->lk);
	if (p->res != NULL)
		freeaddrinfo(p->res);
	if (p->ufd != -1)
		close(p->ufd);
	if (p->cfd != -1)
		close(p->cfd);
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		r->pairs = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	r->npairs--;
	free(p->client);
	free(p);
	maybe_finish(r);
}

/*
 * The upstream could not be had: the client is closed, with a reset if
 * it has sent something (its request will never be answered, and a FIN
 * would read as a complete, empty answer).
 */
static void
pair_fail(struct pair *p, const char *why)
{
	struct relay *r = p->r;
	const struct config *cfg = r->cfg;
	struct linger lg = { 1, 0 };
	int queued = 0;

	if (r->one_shot) {
		log_error(cfg, "relay %s to %s: %s", p->client,
		    cfg->relay.arg, why);
		r->status = EXIT_NET;
	}
	log_relay_upstream_failed(cfg, (struct sockaddr *)&p->peer,
	    p->peerlen, p->client, r->up.port, why, r->one_shot);
	if (ioctl(p->cfd, FIONREAD, &queued) == 0 && queued > 0)
		(void)setsockopt(p->cfd, SOL_SOCKET, SO_LINGER, &lg,
		    sizeof(lg));
	log_relay_close(cfg, (struct sockaddr *)&p->peer, p->peerlen,
	    p->client, 0, 0, clock_ms() - p->started, "upstream failed");
	pair_free(p);
}

static void
pair_reset_passed(struct sock_closing *c, void *arg)
{
	(void)c;
	pair_free(arg);
}

/* The link of p ended: says how, and frees the pair. */
static void
pair_done(struct link *lk, enum pump_result res,
    const struct pump_stats *stats, const char *err, void *arg)
{
	struct pair *p = arg;
	struct relay *r = p->r;
	const struct config *cfg = r->cfg;
	bool client_failed = stats->net_failed;	/* stats go with lk */
	int fd;

	(void)lk;
	/* Named as the relay's other lines name the pair. */
	if (res == PUMP_NET_ERROR || res == PUMP_LOCAL_ERROR) {
		if (r->one_shot) {
			log_error(cfg, "relay %s to %s: %s", p->client,
			    cfg->relay.arg, err);
			r->status = EXIT_NET;
		} else
			log_note(cfg, 1, "relay %s to %s: %s", p->client,
			    cfg->relay.arg, err);
	} else if (res == PUMP_SIGNAL)
		r->status = EXIT_NET;
	/* Bytes read from the client went up; those sent to it came down. */
	log_relay_close(cfg, (struct sockaddr *)&p->peer, p->peerlen,
	    p->client, stats->rcvd, stats->sent, clock_ms() - p->started,
	    end_names[res]);
	/* The link is gone once this returns: pair_free must not free it. */
	link_free(p->lk);
	p->lk = NULL;
	if (res == PUMP_NET_ERROR || res == PUMP_LOCAL_ERROR) {
		/*
		 * One side failed (a reset): the other gets what had come,
		 * then a reset too, never a FIN that would make a cut-off
		 * transfer look complete.
		 */
		fd = client_failed ? p->ufd : p->cfd;
		if (client_failed)
			p->ufd = -1;
		else
			p->cfd = -1;
		if (sock_reset_after_send_start(&r->loop, &p->closing, fd,
		    DRAIN_GRACE_MS, pair_reset_passed, p) == 0) {
			/* The failed side goes now; p when the reset is out. */
			if (p->ufd != -1)
				close(p->ufd);
			if (p->cfd != -1)
				close(p->cfd);
			p->ufd = p->cfd = -1;
			return;
		}
	}
	pair_free(p);
}

/* The upstream socket ufd is connected to upstream: start moving bytes. */
static void
pair_connected(struct pair *p, const char *upstream)
{
	struct relay *r = p->r;
	struct sockaddr_storage up;
	socklen_t uplen = sizeof(up);
	char err[LINK_ERRLEN];

	loop_io_stop(&r->loop, &p->connect_io);
	loop_timer_stop(&r->loop, &p->connect_timer);
	if (p->res != NULL) {
		freeaddrinfo(p->res);
		p->res = p->ai = NULL;
	}
	memset(&up, 0, sizeof(up));
	if (getpeername(p->ufd, (struct sockaddr *)&up, &uplen) == -1)
		uplen = 0;	/* ENOTCONN: gone already; the link will say */
	log_relay_upstream(r->cfg, (struct sockaddr *)&p->peer, p->peerlen,
	    p->client, upstream, (struct sockaddr *)&up, uplen,
	    r->up.port);
	memset(&p->ends, 0, sizeof(p->ends));
	p->ends.in_fd = p->ufd;
	p->ends.out_fd = p->ufd;
	p->ends.net_fd = p->cfd;
	p->ends.close_out = true;
	p->ends.fin_always = true;
	p->ends.in_peer = true;
	p->ends.peer = p->client;
	p->ends.log = r->log;
	p->ends.in_name = "upstream";
	p->ends.out_name = "upstream";
	p->ends.program = -1;
	p->ends.pipes = &r->pipes;
	if ((p->lk = link_start(&r->loop, &r->lcfg, &p->ends, pair_done, p,
	    err, sizeof(err))) == NULL)
		pair_fail(p, err);
}

static void	try_next(struct pair *);

/* "127.0.0.1 port 80": how messages name the upstream address ai. */
static void
ai_text(const struct addrinfo *ai, char *out, size_t outlen)
{
	char text[ADDR_TEXTLEN];
	int port;

	addr_numeric(ai->ai_addr, ai->ai_addrlen, text, &port);
	snprintf(out, outlen, "%s port %d", text, port);
}

/* A connect in flight has an answer, or an error. */
static void
on_connect(struct loop *l, struct loop_io *w, short revents)
{
	struct pair *p = w->arg;
	socklen_t len = sizeof(p->last_errno);

	(void)l;
	(void)revents;
	if (getsockopt(p->ufd, SOL_SOCKET, SO_ERROR, &p->last_errno,
	    &len) == -1)
		p->last_errno = errno;
	if (p->last_errno == 0) {
		char upstream[PEERLEN];

		ai_text(p->ai, upstream, sizeof(upstream));
		pair_connected(p, upstream);
		return;
	}
	loop_io_stop(&p->r->loop, &p->connect_io);
	loop_timer_stop(&p->r->loop, &p->connect_timer);
	close(p->ufd);
	p->ufd = -1;
	p->ai = p->ai->ai_next;
	try_next(p);
}

/* -w ran out on one upstream address: the next, if any. */
static void
on_connect_timeout(struct loop *l, struct loop_timer *t)
{
	struct pair *p = t->arg;

	loop_io_stop(l, &p->connect_io);
	close(p->ufd);
	p->ufd = -1;
	p->last_errno = ETIMEDOUT;
	p->ai = p->ai->ai_next;
	try_next(p);
}

/*
 * Starts a connect to p->ai, or to the next address that takes one; with
 * none left, the pair fails with the last reason.
 */
static void
try_next(struct pair *p)
{
	struct relay *r = p->r;
	char err[ERRLEN];

	for (; p->ai != NULL; p->ai = p->ai->ai_next) {
		p->ufd = sock_prepare(&r->up, p->ai->ai_family, SOCK_STREAM,
		    err, sizeof(err));
		if (p->ufd == -1 && err[0] != '\0') {
			pair_fail(p, err);	/* -s or an option: no use */
			return;
		}
		if (p->ufd == -1) {
			p->last_errno = errno;
			continue;
		}
		if (connect(p->ufd, p->ai->ai_addr, p->ai->ai_addrlen) == 0) {
			char upstream[PEERLEN];

			ai_text(p->ai, upstream, sizeof(upstream));
			pair_connected(p, upstream);
			return;
		}
		if (errno == EINPROGRESS || errno == EINTR) {
			loop_io_set(&p->connect_io, p->ufd, on_connect, p);
			loop_timer_set(&p->connect_timer, on_connect_timeout,
			    p);
			if (loop_io_start(&r->loop, &p->connect_io,
			    POLLOUT) == -1 || (r->cfg->wait_ms != NO_LIMIT &&
			    loop_timer_start(&r->loop, &p->connect_timer,
			    clock_ms() + r->cfg->wait_ms) == -1)) {
				pair_fail(p, strerror(errno));
				return;
			}
			return;
		}
		p->last_errno = errno;
		close(p->ufd);
		p->ufd = -1;
	}
	if (p->last_errno == ETIMEDOUT && r->cfg->wait_ms != NO_LIMIT) {
		snprintf(err, sizeof(err), "no answer within -w %s",
		    r->cfg->wait_arg);
		pair_fail(p, err);
	} else
		pair_fail(p, strerror(p->last_errno));
}

/* A Unix upstream: connect() on a Unix stream socket never waits. */
static void
connect_unix(struct pair *p)
{
	const char *path = p->r->cfg->relay.path;
	struct sockaddr_un sun;
	socklen_t len;

	if (unix_address(path, &sun, &len) == -1 ||
	    (p->ufd = sock_new(AF_UNIX, SOCK_STREAM, 0)) == -1) {
		pair_fail(p, strerror(errno));
		return;
	}
	if (connect(p->ufd, (struct sockaddr *)&sun, len) == -1 &&
	    errno != EINPROGRESS) {
		/* EAGAIN: the backlog is full, which a client sees refused. */
		pair_fail(p, strerror(errno));
		return;
	}
	pair_connected(p, path);
}

/* Begins the upstream connection of a new pair. */
static void
pair_upstream(struct pair *p)
{
	struct relay *r = p->r;
	char err[ERRLEN], upstream[PEERLEN];
	int status;

	if (r->cfg->relay.kind == RELAY_UNIX) {
		connect_unix(p);
		return;
	}
	if (r->cfg->proxy_type != PROXY_NONE) {
		/*
		 * The proxy handshake blocks, within -w: a slow proxy holds
		 * up the other clients meanwhile (the man page says so).
		 */
		p->ufd = proxy_connect(&r->up, err, sizeof(err));
		if (p->ufd == -1) {
			pair_fail(p, err);
			return;
		}
		snprintf(upstream, sizeof(upstream), "%s port %s (via proxy "
		    "%s port %d)", r->cfg->relay.host, r->cfg->relay.port,
		    r->cfg->proxy_host, r->cfg->proxy_port);
		pair_connected(p, upstream);
		return;
	}
	/* A name is looked up per client, so a moved backend is followed. */
	if (addr_resolve(&r->up, r->up.host, r->up.port, AF_UNSPEC, false,
	    &p->res, err, sizeof(err), &status) == -1) {
		p->res = NULL;
		pair_fail(p, err);
		return;
	}
	p->ai = p->res;
	p->last_errno = ECONNREFUSED;
	try_next(p);
}

/* A new pair for the connected client cfd; false when out of memory. */
static bool
pair_new(struct relay *r, int cfd, const struct sockaddr_storage *peer,
    socklen_t peerlen, const char *client)
{
	struct pair *p;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->client = strdup(client)) == NULL) {
		log_note(r->cfg, 1, "relay %s: %s", client, strerror(errno));
		free(p);
		close(cfd);
		return false;
	}
	p->r = r;
	p->cfd = cfd;
	p->ufd = -1;
	p->closing.fd = -1;
	p->peer = *peer;
	p->peerlen = peerlen;
	p->started = clock_ms();
	loop_io_set(&p->connect_io, -1, on_connect, p);
	loop_timer_set(&p->connect_timer, on_connect_timeout, p);
	p->next = r->pairs;
	if (r->pairs != NULL)
		r->pairs->prev = p;
	r->pairs = p;
	r->npairs++;
	pair_upstream(p);
	return true;
}

/* -w passed without a new client: no more will be taken. */
static void
on_accept_timeout(struct loop *l, struct loop_timer *t)
{
	struct relay *r = t->arg;
	const struct config *cfg = r->cfg;

	(void)l;
	if (r->served == 0) {
		r->status = EXIT_NET;
		if (cfg->unix_socket)
			log_error(cfg, "no connection on %s within -w %s",
			    cfg->unix_path, cfg->wait_arg);
		else
			log_error(cfg, "no connection on port %d within -w %s",
			    r->port, cfg->wait_arg);
	}
	stop_listening(r);
	maybe_finish(r);
}

/* Clients are waiting: each admitted one gets a pair. */
static void
on_accept(struct loop *l, struct loop_io *w, short revents)
{
	struct relay *r = w->arg;
	const struct config *cfg = r->cfg;
	struct sockaddr_storage ss;
	socklen_t len;
	char err[ERRLEN], client[PEERLEN];
	int fd, n;

	(void)revents;
	for (n = 0; n < ACCEPT_BATCH && r->lfd != -1; n++) {
		fd = sock_accept_now(cfg, r->lfd, &ss, &len, err,
		    sizeof(err));
		if (fd == -1 && err[0] == '\0' && (errno == EINTR ||
		    errno == ECONNABORTED))
			continue;	/* that client went: the next */
		if (fd == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;	/* none left */
			if (admit_shed(cfg, r->lfd, &r->spare, errno))
				return;
			if (err[0] != '\0') {
				/* A socket option on this client: the next. */
				log_note(cfg, 1, "%s", err);
				continue;
			}
			log_error(cfg, "accept on port %d: %s", r->port,
			    strerror(errno));
			r->status = EXIT_NET;
			stop_listening(r);
			maybe_finish(r);
			return;
		}
		peer_text((struct sockaddr *)&ss, len, client, sizeof(client));
		if (admit_check(cfg, (struct sockaddr *)&ss, len,
		    r->one_shot ? -1 : r->npairs, client) != ADMIT_OK) {
			close(fd);
			continue;
		}
		log_accepted(cfg, fd, (struct sockaddr *)&ss, len);
		r->served++;
		/* One-shot: stop listening now, refusing anyone queued. */
		if (r->one_shot)
			stop_listening(r);
		else if (cfg->wait_ms != NO_LIMIT)
			(void)loop_timer_start(l, &r->accept_timer,
			    clock_ms() + cfg->wait_ms);
		(void)pair_new(r, fd, &ss, len, client);
	}
}

/* The two views of cfg a relay needs, and an empty loop. */
static void
relay_init(struct relay *r, const struct config *cfg, struct tlog *log)
{
	char err[PARSE_ERRLEN];

	memset(r, 0, sizeof(*r));
	r->cfg = cfg;
	r->log = log != NULL && tlog_active(log) ? log : NULL;
	r->lfd = -1;
	r->spare = -1;
	loop_init(&r->loop);
	zc_pool_init(&r->pipes);
	/*
	 * The upstream is connected to: -s is its source, -4/-6 and the
	 * socket options apply; -p and -r were the first leg's, if any.
	 */
	r->up = *cfg;
	r->up.listen = false;
	r->up.scan = false;
	r->up.udp = false;
	r->up.unix_socket = false;
	r->up.source_port = -1;
	r->up.random_port = false;
	r->up.host = cfg->relay.host;
	r->up.port_arg = cfg->relay.port;
	r->up.port = -1;
	if (cfg->relay.port != NULL)
		(void)parse_port(cfg->relay.port, "tcp", false, &r->up.port,
		    err, sizeof(err));
	/* A relay reads no stdin: the link's "in" is the upstream. */
	r->lcfg = *cfg;
	r->lcfg.read_stdin = true;
	r->lcfg.half_close = true;
}

/* Runs the loop to its end; a signal stops every pair. */
static void
relay_run(struct relay *r)
{
	enum loop_end end;
	struct pair *p, *next;

	if (r->npairs == 0 && r->lfd == -1)
		return;
	end = loop_run(&r->loop);
	if (end == LOOP_ERROR) {
		log_error(r->cfg, "wait for events: %s", strerror(errno));
		r->status = EXIT_NET;
	} else if (end == LOOP_SIGNAL)
		r->status = EXIT_NET;
	stop_listening(r);
	for (p = r->pairs; p != NULL; p = next) {
		next = p->next;
		if (p->lk != NULL)
			link_stop(p->lk, PUMP_SIGNAL);	/* frees p */
		else
			pair_free(p);
	}
	zc_pool_free(&r->pipes);
	loop_free(&r->loop);
}

int
relay_listen(const struct config *cfg, int lfd, int port, struct tlog *log)
{
	struct relay r;

	relay_init(&r, cfg, log);
	r.lfd = lfd;
	r.port = port;
	r.one_shot = !cfg->keep_open;
	if (cfg->keep_open)
		r.spare = sock_spare_open();
	loop_io_set(&r.accept_io, lfd, on_accept, &r);
	loop_timer_set(&r.accept_timer, on_accept_timeout, &r);
	if (loop_io_start(&r.loop, &r.accept_io, POLLIN) == -1 ||
	    (cfg->wait_ms != NO_LIMIT && loop_timer_start(&r.loop,
	    &r.accept_timer, clock_ms() + cfg->wait_ms) == -1)) {
		log_error(cfg, "relay: %s", strerror(errno));
		stop_listening(&r);
		loop_free(&r.loop);
		return EXIT_NET;
	}
	relay_run(&r);
	return r.status;
}

int
relay_connect(const struct config *cfg, int fd, const char *peer,
    struct tlog *log)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct relay r;

	relay_init(&r, cfg, log);
	r.one_shot = true;
	memset(&ss, 0, sizeof(ss));
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1) {
		ss.ss_family = AF_UNIX;
		len = sizeof(sa_family_t);
	}
	(void)pair_new(&r, fd, &ss, len, peer);
	relay_run(&r);
	return r.status;
}
