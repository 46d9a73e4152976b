/* scan.c -- -z: probe ports, or wait for targets and exec, on the loop. */

#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "exec.h"
#include "expect.h"
#include "log.h"
#include "loop.h"
#include "replay.h"
#include "scan.h"
#include "sig.h"
#include "sock.h"

/* Probes in flight at once: fast, yet far below any descriptor limit. */
#define IN_FLIGHT	64

/* How long a UDP probe waits for a refusal when -w is not given. */
#define UDP_WAIT_MS	1000

/*
 * Wait-for with --retry: how long an attempt may run past the deadline
 * (the last one starts there) when -w does not bound it.
 */
#define LAST_ATTEMPT_MS	1000

/*
 * --expect: how long a connected target has to send a match when -w does
 * not say; a service that accepts and never answers must not hold the
 * wait (or the next attempt) for ever.
 */
#define EXPECT_WAIT_MS	5000

/* --expect: the reason an attempt that connected but did not match failed. */
#define NO_MATCH	"no match for --expect"

enum state { WAITING, RUNNING, OPEN, CLOSED };

struct scan;

struct probe {
	struct scan		*scan;
	int			 port;
	enum state		 state;
	int			 fd;
	int			 error;		/* why CLOSED */
	const struct addrinfo	*ai;		/* the address being tried */
	struct loop_io		 io;		/* RUNNING: fd */
	/* RUNNING: the attempt's deadline; WAITING: not before it ends. */
	struct loop_timer	 timer;

	/* --expect: once connected, the request out and the answer in. */
	bool			 talking;	/* connected, not yet judged */
	struct expect		 match;		/* while talking */
	size_t			 sent;		/* bytes of the request */
	bool			 nomatch;	/* CLOSED: connected, unmatched */

	/* Wait-for (-z HOST:PORT...) only. */
	const struct target	*target;
	struct addrinfo		*addrs;		/* this attempt's lookup */
	long long		 started;	/* this attempt's start */
	unsigned long long	 attempts;
	char			*why;		/* a failed lookup, or NULL */
};

struct scan {
	const struct config	*cfg;
	struct loop		 loop;
	struct loop_hook	 tick;		/* starts probes, ends runs */
	struct loop_timer	 pause;		/* -i, --retry: none starts */
	struct addrinfo		*addrs;
	struct probe		*probes;
	size_t			 count;
	size_t			 next_start;	/* first WAITING probe */
	size_t			 next_print;	/* first probe not reported */
	int			 running;
	int			 limit;		/* probes RUNNING at once */
	int			 open;
	bool			 quiet;		/* --retry: report at the end */
	bool			 failed;	/* no socket could be set up */

	/* --expect: stdin, sent to each target that connects. */
	const unsigned char	*req;
	size_t			 req_len;

	/* Wait-for: targets instead of ports, attempts until settled. */
	bool			 wait;
	long long		 until;		/* --retry's deadline; -1 */
	long long		 cutoff;	/* no attempt runs past; -1 */
	size_t			 settled;	/* OPEN, or CLOSED for good */
};

static void	attempt_done(struct scan *s, struct probe *p);
static void	check(struct loop *l, struct loop_io *w, short revents);

/* A random 64-bit seed for -r from /dev/urandom, or the clock. */
static unsigned long long
seed(void)
{
	unsigned long long s = 0;
	int fd;

	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) != -1) {
		if (read(fd, &s, sizeof(s)) != (ssize_t)sizeof(s))
			s = 0;
		close(fd);
	}
	if (s == 0)
		s = (unsigned long long)clock_ms() * 2654435761ULL + 1;
	return s;
}

/* -r: Fisher-Yates shuffle with xorshift64; unbiased enough for ports. */
static void
shuffle(struct probe *p, size_t n)
{
	unsigned long long x = seed();
	struct probe t;
	size_t i, j;

	for (i = n; i > 1; i--) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j = (size_t)(x % i);
		t = p[i - 1];
		p[i - 1] = p[j];
		p[j] = t;
	}
}

/* p's address being tried, with its port, in ss. */
static struct sockaddr *
probe_addr(const struct probe *p, struct sockaddr_storage *ss)
{
	struct sockaddr *sa = (struct sockaddr *)ss;
	unsigned short port = htons((unsigned short)p->port);

	memcpy(ss, p->ai->ai_addr, p->ai->ai_addrlen);
	if (sa->sa_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)sa)->sin6_port = port;
	else
		((struct sockaddr_in *)(void *)sa)->sin_port = port;
	return sa;
}

/* Why p is not open: for its -v line, and wait-for's last word on it. */
static const char *
reason(const struct probe *p)
{
	if (p->nomatch)
		return NO_MATCH;
	return p->why != NULL ? p->why : strerror(p->error);
}

/* Starts t at, or gives up the run: the loop had no room for it. */
static void
arm(struct scan *s, struct loop_timer *t, long long at)
{
	if (loop_timer_start(&s->loop, t, at) == -1) {
		log_error(s->cfg, "allocate timer: %s", strerror(errno));
		s->failed = true;
	}
}

/* Waits for events on p's socket until deadline (-1: none, or the cutoff). */
static void
watch(struct scan *s, struct probe *p, short events, long long deadline)
{
	if (s->cutoff >= 0 && (deadline < 0 || deadline > s->cutoff))
		deadline = s->cutoff;
	if (loop_io_start(&s->loop, &p->io, events) == -1) {
		log_error(s->cfg, "allocate watcher: %s", strerror(errno));
		s->failed = true;
	} else if (deadline >= 0)
		arm(s, &p->timer, deadline);
}

/* Ends the attempt's socket and its watchers. */
static void
drop(struct scan *s, struct probe *p)
{
	loop_io_stop(&s->loop, &p->io);
	loop_timer_stop(&s->loop, &p->timer);
	if (p->fd != -1) {
		close(p->fd);
		p->fd = -1;
		s->running--;
	}
}

static void
finish(struct scan *s, struct probe *p, enum state st, int error)
{
	if (p->talking) {
		expect_free(&p->match);
		p->talking = false;
	}
	drop(s, p);
	p->state = st;
	p->error = error;
	if (st == OPEN)
		s->open++;
	if (s->wait)
		attempt_done(s, p);
}

/* Starts (or restarts on the next address) the connect of probe p. */
static void
start(struct scan *s, struct probe *p)
{
	const struct config *cfg = s->cfg;
	struct sockaddr_storage ss;
	long wait = cfg->wait_ms;
	char err[512];
	int fd;

	p->nomatch = false;
	if ((fd = sock_prepare(cfg, p->ai->ai_family, p->ai->ai_socktype, err,
	    sizeof(err))) == -1) {
		/*
		 * A socket option or the source bind failing is no answer
		 * from the port, and every other probe would fail alike.
		 */
		int saved = errno;

		if (err[0] != '\0') {
			log_error(cfg, "%s", err);
			s->failed = true;
		}
		finish(s, p, CLOSED, saved);
		return;
	}
	p->fd = fd;
	p->state = RUNNING;
	s->running++;
	loop_io_set(&p->io, fd, check, p);
	if (cfg->udp && wait == NO_LIMIT)
		wait = UDP_WAIT_MS;
	if (connect(fd, probe_addr(p, &ss), p->ai->ai_addrlen) == -1 &&
	    errno != EINPROGRESS) {
		finish(s, p, CLOSED, errno);
		return;
	}
	/* UDP: a datagram provokes the ICMP refusal of a closed port. */
	if (cfg->udp && send(fd, "X", 1, 0) == -1 && errno != EAGAIN) {
		finish(s, p, errno == ECONNREFUSED ? CLOSED : OPEN, errno);
		return;
	}
	watch(s, p, cfg->udp ? POLLIN : POLLOUT,
	    wait == NO_LIMIT ? -1 : clock_ms() + wait);
}

/* The attempt on p->ai ended with error: try the next address, or stop. */
static void
attempt_failed(struct scan *s, struct probe *p, int error)
{
	if (p->ai->ai_next != NULL) {
		drop(s, p);
		p->ai = p->ai->ai_next;
		start(s, p);
		return;
	}
	finish(s, p, CLOSED, error);
}

/* --expect: the attempt on p connected, but what came did not match. */
static void
no_match(struct scan *s, struct probe *p)
{
	p->nomatch = true;
	finish(s, p, CLOSED, 0);
}

/*
 * The TCP connect of p succeeded: the one place a probe or target is
 * judged open.  With --expect it is open only once what it sends
 * matches: p keeps its socket, sends the request and reads the answer
 * (converse()) within -w, or EXPECT_WAIT_MS, of now.
 */
static void
connected(struct scan *s, struct probe *p)
{
	const struct config *cfg = s->cfg;
	char err[512];

	if (cfg->expect == NULL) {
		finish(s, p, OPEN, 0);
		return;
	}
	/* A fresh matcher per attempt; the pattern compiled in cli_check. */
	if (expect_init(&p->match, cfg->expect, err, sizeof(err)) == -1) {
		int saved = errno;

		log_error(cfg, "--expect \"%s\": %s", cfg->expect, err);
		s->failed = true;
		finish(s, p, CLOSED, saved);
		return;
	}
	p->talking = true;
	p->sent = 0;
	watch(s, p, POLLIN | (s->req_len > 0 ? POLLOUT : 0), clock_ms() +
	    (cfg->wait_ms != NO_LIMIT ? cfg->wait_ms : EXPECT_WAIT_MS));
}

/*
 * --expect: sends what is left of the request to p, then the FIN, as the
 * connect mode does (none without a request: CLI.md).  A target that has
 * gone away may still have answered: the read finds out.
 */
static void
send_request(struct scan *s, struct probe *p)
{
	ssize_t n;

	n = send(p->fd, s->req + p->sent, s->req_len - p->sent, 0);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		/* Send no more, and no FIN. */
		p->sent = s->req_len;
	} else
		p->sent += (size_t)n;
	if (p->sent < s->req_len)
		return;
	loop_io_want(&s->loop, &p->io, POLLIN);
	/* A failure means the peer is gone: the read reports that. */
	if (n != -1 && s->cfg->half_close)
		(void)shutdown(p->fd, SHUT_WR);
}

/*
 * --expect: p's socket is ready.  Sends the request, reads the answer
 * into the matcher: a match opens the target; the end of the stream or
 * an error without one is no match.  Nothing goes to stdout.
 */
static void
converse(struct scan *s, struct probe *p, short revents)
{
	unsigned char buf[16 * 1024];
	ssize_t n;

	if (p->sent < s->req_len && (revents & (POLLOUT | POLLERR)) != 0)
		send_request(s, p);
	if ((revents & (POLLIN | POLLERR | POLLHUP)) == 0)
		return;
	n = recv(p->fd, buf, sizeof(buf), 0);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n > 0 && !expect_feed(&p->match, buf, (size_t)n))
		return;
	if (n > 0 || (n == 0 && expect_eof(&p->match)))
		finish(s, p, OPEN, 0);
	else
		no_match(s, p);
}

/* p's socket is ready: the connect's answer, or (--expect) the talk. */
static void
check(struct loop *l, struct loop_io *w, short revents)
{
	struct probe *p = w->arg;
	struct scan *s = p->scan;
	socklen_t len = sizeof(int);
	unsigned char byte;
	int soerr = 0;

	(void)l;
	if (p->talking) {
		converse(s, p, revents);
		return;
	}
	if (s->cfg->udp) {
		if (recv(p->fd, &byte, 1, 0) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return;
			if (errno == ECONNREFUSED)
				attempt_failed(s, p, errno);
			else
				finish(s, p, OPEN, 0);
			return;
		}
		finish(s, p, OPEN, 0);	/* it answered */
		return;
	}
	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		soerr = errno;
	if (soerr == 0)
		connected(s, p);
	else
		attempt_failed(s, p, soerr);
}

/* p's timer ended: a RUNNING attempt's deadline; else p may start. */
static void
expire(struct loop *l, struct loop_timer *t)
{
	struct probe *p = t->arg;
	struct scan *s = p->scan;

	(void)l;
	if (p->state != RUNNING)
		return;		/* WAITING: the tick begins it */
	/* UDP: no refusal in time means open (or filtered), as nc says. */
	if (p->talking)
		no_match(s, p);
	else if (s->cfg->udp)
		finish(s, p, OPEN, 0);
	else
		attempt_failed(s, p, ETIMEDOUT);
}

/* The pause ended: its end is all it does, the tick starts what waited. */
static void
resume(struct loop *l, struct loop_timer *t)
{
	(void)l;
	(void)t;
}

/* Reports finished probes in order, as far as they go. */
static void
report_ready(struct scan *s)
{
	const struct config *cfg = s->cfg;
	struct addrinfo ai;
	struct sockaddr_storage ss;

	while (s->next_print < s->count &&
	    (s->probes[s->next_print].state == OPEN ||
	    s->probes[s->next_print].state == CLOSED)) {
		struct probe *p = &s->probes[s->next_print++];

		if (s->quiet)
			continue;
		ai = *p->ai;
		ai.ai_addr = probe_addr(p, &ss);
		if (p->state == OPEN)
			log_connected(cfg, &ai);
		/*
		 * netcat-traditional hides refusals of a range below -vv;
		 * --json reports every probe.
		 */
		else if (s->count == 1 || cfg->verbose >= 2 || cfg->json)
			log_probe_failed(cfg, &ai, reason(p));
	}
}

/*
 * Wait-for: a new attempt on target p, with a fresh lookup of its host
 * (a container's name may come, and its address change, while we wait).
 */
static void
begin(struct scan *s, struct probe *p)
{
	char err[512];
	int status;

	p->attempts++;
	p->started = clock_ms();
	p->nomatch = false;
	free(p->why);
	p->why = NULL;
	if (p->addrs != NULL) {
		freeaddrinfo(p->addrs);
		p->addrs = NULL;
	}
	if (addr_resolve(s->cfg, p->target->host, 0, AF_UNSPEC, false,
	    &p->addrs, err, sizeof(err), &status) == -1) {
		p->addrs = NULL;
		p->ai = NULL;
		/* Out of memory, the reason is errno's. */
		p->why = strdup(err);
		finish(s, p, CLOSED, ENOMEM);
		return;
	}
	p->ai = p->addrs;
	start(s, p);
}

/*
 * Wait-for: the attempt on p has ended (p->state OPEN or CLOSED).  Reports
 * it, then schedules the next one --retry-interval after this one began,
 * the last one at the deadline; a target open once stays open.
 */
static void
attempt_done(struct scan *s, struct probe *p)
{
	struct sockaddr_storage ss;
	struct log_attempt a;
	struct addrinfo ai;
	long long next;

	memset(&a, 0, sizeof(a));
	a.target = p->target->name;
	a.host = p->target->host;
	a.port = p->port;
	a.attempt = p->attempts;
	a.open = p->state == OPEN;
	a.reason = a.open ? NULL : reason(p);
	if (p->ai != NULL) {
		ai = *p->ai;
		ai.ai_addr = probe_addr(p, &ss);
		a.ai = &ai;
	}
	log_attempt(s->cfg, &a);
	if (p->state == CLOSED && s->until >= 0 && clock_ms() < s->until) {
		next = p->started + s->cfg->retry_interval_ms;
		p->state = WAITING;
		arm(s, &p->timer, next < s->until ? next : s->until);
		return;
	}
	s->settled++;
}

/* Wait-for: are enough targets open (all, or one with --any)? */
static bool
wait_ready(const struct scan *s)
{
	return s->cfg->any ? s->open > 0 : (size_t)s->open == s->count;
}

/* Wait-for: are we there, one way or the other? */
static bool
wait_over(const struct scan *s)
{
	return wait_ready(s) || s->settled == s->count;
}

/*
 * Starts the probes (or the targets' attempts) that may start: as many as
 * the limit lets run, none while the pause lasts, a target once its
 * timer has ended.
 */
static void
start_more(struct scan *s)
{
	struct probe *p;
	size_t i;

	for (i = s->next_start; i < s->count && !s->failed; i++) {
		if (s->running >= s->limit || loop_timer_active(&s->pause))
			return;
		p = &s->probes[i];
		if (p->state != WAITING || loop_timer_active(&p->timer))
			continue;
		if (s->wait)
			begin(s, p);
		else {
			s->next_start = i + 1;
			start(s, p);
		}
		if (s->cfg->interval_ms > 0)
			arm(s, &s->pause, clock_ms() + s->cfg->interval_ms);
	}
}

/*
 * --retry: the round is over and nothing open: probe every port again
 * --retry-interval from now, the last round at the deadline, not an
 * interval before.  False when the time is up.
 */
static bool
next_round(struct scan *s)
{
	long long now = clock_ms(), at;
	size_t i;

	if (s->until < 0 || s->open > 0 || now >= s->until)
		return false;
	at = now + s->cfg->retry_interval_ms;
	if (at > s->until)
		at = s->until;
	if (!loop_timer_active(&s->pause) || s->pause.at < at)
		arm(s, &s->pause, at);
	for (i = 0; i < s->count; i++) {
		s->probes[i].state = WAITING;
		s->probes[i].ai = s->addrs;
	}
	s->next_start = s->next_print = 0;
	s->open = 0;
	return true;
}

/* Before each wait: starts what may start, reports, sees if it is over. */
static void
tick(struct loop *l, struct loop_hook *h)
{
	struct scan *s = h->arg;

	/* A signal ends the run before anything more starts. */
	if (sig_pending() != 0)
		return;
	if (!s->wait || !wait_over(s))
		start_more(s);
	if (s->failed)
		loop_stop(l);
	else if (s->wait) {
		if (wait_over(s))
			loop_stop(l);
	} else {
		report_ready(s);
		if (s->next_print == s->count && !next_round(s))
			loop_stop(l);
	}
}

/*
 * Runs the probes or targets on the loop until the scan (every --retry
 * round) or the wait is over.  Returns 0, or -1 on a signal or a socket
 * that could not be set up.
 */
static int
run(struct scan *s)
{
	enum loop_end end;
	size_t i;
	int rc = 0;

	/*
	 * -i spaces the probes.  -p: every probe binds the same source port,
	 * which Linux lets several sockets share but the BSDs do not (even
	 * with SO_REUSEADDR): one port at a time everywhere, as nc.openbsd.
	 */
	s->limit = s->cfg->interval_ms > 0 || s->cfg->source_port != -1 ?
	    1 : IN_FLIGHT;
	loop_init(&s->loop);
	loop_hook_set(&s->tick, tick, s);
	loop_timer_set(&s->pause, resume, s);
	/* After shuffle(): the watchers point at their probes. */
	for (i = 0; i < s->count; i++) {
		s->probes[i].scan = s;
		s->probes[i].fd = -1;
		loop_io_set(&s->probes[i].io, -1, check, &s->probes[i]);
		loop_timer_set(&s->probes[i].timer, expire, &s->probes[i]);
	}
	if (loop_hook_start(&s->loop, &s->tick) == -1) {
		log_error(s->cfg, "allocate loop: %s", strerror(errno));
		rc = -1;
	} else if ((end = loop_run(&s->loop)) == LOOP_ERROR) {
		log_error(s->cfg, "poll: %s", strerror(errno));
		rc = -1;
	} else if (end == LOOP_SIGNAL || s->failed)
		rc = -1;
	loop_free(&s->loop);
	return rc;
}

/*
 * The status when the probes or targets are not open enough: with
 * --expect, 3 if the last attempt on each one not open connected but did
 * not match; else, or if one was refused, timed out connecting or did
 * not resolve, 1.
 */
static int
closed_status(const struct scan *s)
{
	size_t i;

	for (i = 0; i < s->count; i++)
		if (s->probes[i].state != OPEN && !s->probes[i].nomatch)
			return EXIT_NET;
	return s->cfg->expect != NULL ? EXIT_NOMATCH : EXIT_NET;
}

/*
 * -z --expect: the request for every target, stdin read to its end
 * before the first attempt (replay.c); none with -d or from a terminal.
 * Returns 0, or an exit status after saying why not.
 */
static int
read_request(const struct config *cfg, struct replay *rp)
{
	char err[512];
	int status;

	memset(rp, 0, sizeof(*rp));
	if (cfg->expect == NULL || !cfg->read_stdin)
		return 0;
	if (replay_start(rp, "-z with --expect", false, err,
	    sizeof(err)) == 0)
		return 0;
	status = errno == EFBIG ? EXIT_USAGE : EXIT_NET;
	if (sig_pending() == 0)
		log_error(cfg, "%s", err);
	replay_free(rp);
	return status;
}

/*
 * -z HOST:PORT... [-- COMMAND]: waits for cfg->targets, then execs the
 * command, or says which targets stayed closed and why.  rp: the
 * --expect request.
 */
static int
run_wait(const struct config *cfg, const struct replay *rp)
{
	struct scan s;
	char err[512];
	size_t i;
	bool ready;
	int rc, status;

	memset(&s, 0, sizeof(s));
	s.cfg = cfg;
	s.req = rp->data;
	s.req_len = rp->len;
	s.wait = true;
	s.count = cfg->targets.count;
	s.until = s.cutoff = -1;
	if (cfg->retry_ms != NO_LIMIT) {
		s.until = clock_ms() + cfg->retry_ms;
		s.cutoff = s.until + (cfg->wait_ms != NO_LIMIT ? cfg->wait_ms :
		    LAST_ATTEMPT_MS);
	}
	if ((s.probes = calloc(s.count, sizeof(*s.probes))) == NULL) {
		log_error(cfg, "allocate targets: %s", strerror(errno));
		return EXIT_NET;
	}
	for (i = 0; i < s.count; i++) {
		s.probes[i].target = &cfg->targets.items[i];
		s.probes[i].port = cfg->targets.items[i].port;
	}
	rc = run(&s);
	ready = rc == 0 && wait_ready(&s);
	status = rc == 0 ? closed_status(&s) : EXIT_NET;
	for (i = 0; i < s.count; i++) {
		struct probe *p = &s.probes[i];

		if (rc == 0 && !ready && p->state != OPEN)
			log_error(cfg, "%s: %s", p->target->name, reason(p));
		expect_free(&p->match);
		if (p->fd != -1)
			close(p->fd);
		if (p->addrs != NULL)
			freeaddrinfo(p->addrs);
		free(p->why);
	}
	free(s.probes);
	if (!ready)
		return status;
	if (cfg->command == NULL || sig_pending() != 0)
		return 0;
	(void)exec_replace(cfg->command, err, sizeof(err));
	rc = errno == ENOENT ? 127 : 126;
	log_error(cfg, "%s", err);
	return rc;
}

/* The classic -z HOST PORT...: every port once (or per --retry round). */
static int
run_probes(const struct config *cfg, const struct replay *rp)
{
	struct scan s;
	char err[512];
	size_t i;
	int status;

	memset(&s, 0, sizeof(s));
	s.cfg = cfg;
	s.until = s.cutoff = -1;
	s.req = rp->data;
	s.req_len = rp->len;
	if (addr_resolve(cfg, cfg->host, 0, AF_UNSPEC, false, &s.addrs, err,
	    sizeof(err), &status) == -1) {
		log_error(cfg, "%s", err);
		return status;
	}
	s.count = cfg->ports.count;
	if ((s.probes = calloc(s.count, sizeof(*s.probes))) == NULL) {
		log_error(cfg, "allocate probes: %s", strerror(errno));
		freeaddrinfo(s.addrs);
		return EXIT_NET;
	}
	for (i = 0; i < s.count; i++) {
		s.probes[i].port = cfg->ports.ports[i];
		s.probes[i].ai = s.addrs;
	}
	if (cfg->random_port)
		shuffle(s.probes, s.count);
	/*
	 * --retry: probe again every --retry-interval until a port is open
	 * or the time is up (wait-for-port).  Rounds are silent but with
	 * -vv; the last one is reported at the end.
	 */
	if (cfg->retry_ms != NO_LIMIT) {
		s.until = clock_ms() + cfg->retry_ms;
		s.quiet = cfg->verbose < 2;
	}
	status = run(&s);
	if (s.quiet && !s.failed) {
		s.quiet = false;
		s.next_print = 0;
		report_ready(&s);
	}
	if (status == 0)
		status = s.open > 0 ? 0 : closed_status(&s);
	else
		status = EXIT_NET;
	for (i = 0; i < s.count; i++) {
		expect_free(&s.probes[i].match);
		if (s.probes[i].fd != -1)
			close(s.probes[i].fd);
	}
	log_summary(cfg, 0, 0);
	free(s.probes);
	freeaddrinfo(s.addrs);
	return status;
}

int
run_scan(const struct config *cfg)
{
	struct replay rp;
	int status;

	if ((status = read_request(cfg, &rp)) != 0)
		return status;
	if (cfg->targets.count > 0)
		status = run_wait(cfg, &rp);
	else
		status = run_probes(cfg, &rp);
	replay_free(&rp);
	return status;
}
