/* scan.c -- -z: probe ports, or wait for targets and exec; one poll loop. */

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
#include "log.h"
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

enum state { WAITING, RUNNING, OPEN, CLOSED };

struct probe {
	int			 port;
	enum state		 state;
	int			 fd;
	int			 error;		/* why CLOSED */
	const struct addrinfo	*ai;		/* the address being tried */
	long long		 deadline;	/* -1: none */

	/* Wait-for (-z HOST:PORT...) only. */
	const struct target	*target;
	struct addrinfo		*addrs;		/* this attempt's lookup */
	long long		 next_try;	/* WAITING: not before */
	long long		 started;	/* this attempt's start */
	unsigned long long	 attempts;
	char			*why;		/* a failed lookup, or NULL */
};

struct scan {
	const struct config	*cfg;
	struct addrinfo		*addrs;
	struct probe		*probes;
	size_t			 count;
	size_t			 next_start;	/* first WAITING probe */
	size_t			 next_print;	/* first probe not reported */
	int			 running;
	int			 open;
	long long		 next_allowed;	/* -i: next start time */
	bool			 quiet;		/* --retry: report at the end */
	bool			 failed;	/* no socket could be set up */

	/* Wait-for: targets instead of ports, attempts until settled. */
	bool			 wait;
	long long		 until;		/* --retry's deadline; -1 */
	long long		 cutoff;	/* no attempt runs past; -1 */
	size_t			 settled;	/* OPEN, or CLOSED for good */
};

static void	attempt_done(struct scan *s, struct probe *p);

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

static void
set_port(struct sockaddr *sa, int port)
{
	if (sa->sa_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)sa)->sin6_port =
		    htons((unsigned short)port);
	else
		((struct sockaddr_in *)(void *)sa)->sin_port =
		    htons((unsigned short)port);
}

static void
finish(struct scan *s, struct probe *p, enum state st, int error)
{
	if (p->fd != -1) {
		close(p->fd);
		p->fd = -1;
		s->running--;
	}
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

	memcpy(&ss, p->ai->ai_addr, p->ai->ai_addrlen);
	set_port((struct sockaddr *)&ss, p->port);
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
	if (cfg->udp && wait == NO_LIMIT)
		wait = UDP_WAIT_MS;
	p->deadline = wait == NO_LIMIT ? -1 : clock_ms() + wait;
	if (s->cutoff >= 0 && (p->deadline < 0 || p->deadline > s->cutoff))
		p->deadline = s->cutoff;
	if (connect(fd, (struct sockaddr *)&ss, p->ai->ai_addrlen) == -1 &&
	    errno != EINPROGRESS) {
		finish(s, p, CLOSED, errno);
		return;
	}
	/* UDP: a datagram provokes the ICMP refusal of a closed port. */
	if (cfg->udp && send(fd, "X", 1, 0) == -1 && errno != EAGAIN)
		finish(s, p, errno == ECONNREFUSED ? CLOSED : OPEN, errno);
}

/* The attempt on p->ai ended with error: try the next address, or stop. */
static void
attempt_failed(struct scan *s, struct probe *p, int error)
{
	if (p->ai->ai_next != NULL) {
		close(p->fd);
		p->fd = -1;
		s->running--;
		p->ai = p->ai->ai_next;
		start(s, p);
		return;
	}
	finish(s, p, CLOSED, error);
}

/*
 * The TCP connect of p succeeded: the one place a probe or target is
 * judged open.  A check of what the service says (--expect) belongs
 * here: keep p->fd, and finish the attempt when the answer is known.
 */
static void
connected(struct scan *s, struct probe *p)
{
	finish(s, p, OPEN, 0);
}

static void
check(struct scan *s, struct probe *p, short revents)
{
	socklen_t len = sizeof(int);
	unsigned char byte;
	int soerr = 0;

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
	(void)revents;
	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		soerr = errno;
	if (soerr == 0)
		connected(s, p);
	else
		attempt_failed(s, p, soerr);
}

static void
timed_out(struct scan *s, struct probe *p)
{
	/* UDP: no refusal in time means open (or filtered), as nc says. */
	if (s->cfg->udp)
		finish(s, p, OPEN, 0);
	else
		attempt_failed(s, p, ETIMEDOUT);
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
		memcpy(&ss, p->ai->ai_addr, p->ai->ai_addrlen);
		set_port((struct sockaddr *)&ss, p->port);
		ai.ai_addr = (struct sockaddr *)&ss;
		if (p->state == OPEN)
			log_connected(cfg, &ai);
		/*
		 * netcat-traditional hides refusals of a range below -vv;
		 * --json reports every probe.
		 */
		else if (s->count == 1 || cfg->verbose >= 2 || cfg->json)
			log_connect_failed(cfg, &ai, p->error);
	}
}

/*
 * One poll over the probes in flight, ending their attempts on an answer
 * or at their deadlines; wake (-1: none) is when the caller has more to
 * start.
 */
static int
poll_round(struct scan *s, struct pollfd *pfd, size_t *who, long long wake)
{
	long long now = clock_ms(), d = wake;
	size_t i, n = 0;
	int rc;

	for (i = s->next_print; i < s->count; i++) {
		struct probe *p = &s->probes[i];

		if (p->state != RUNNING)
			continue;
		if (p->deadline >= 0 && p->deadline <= now) {
			timed_out(s, p);
			continue;
		}
		if (p->state != RUNNING)
			continue;
		if (p->deadline >= 0 && (d < 0 || p->deadline < d))
			d = p->deadline;
		pfd[n].fd = p->fd;
		pfd[n].events = s->cfg->udp ? POLLIN : POLLOUT;
		who[n++] = i;
	}
	if (n == 0 && d < 0)
		return 0;
	rc = sig_poll(pfd, (nfds_t)n, clock_until(d));
	if (rc == -1)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	for (i = 0; i < n; i++)
		if (pfd[i].revents != 0 && s->probes[who[i]].state == RUNNING)
			check(s, &s->probes[who[i]], pfd[i].revents);
	return 0;
}

static int
scan_loop(struct scan *s)
{
	const struct config *cfg = s->cfg;
	struct pollfd pfd[IN_FLIGHT];
	size_t who[IN_FLIGHT];
	int limit = IN_FLIGHT;
	long long wake;

	/*
	 * -p: every probe binds the same source port, which Linux lets
	 * several sockets share but the BSDs do not (even with SO_REUSEADDR):
	 * probe one port at a time everywhere, as nc.openbsd does.
	 */
	if (cfg->interval_ms > 0 || cfg->source_port != -1)
		limit = 1;
	while (s->next_print < s->count) {
		if (sig_pending() != 0)
			return -1;
		while (s->next_start < s->count && s->running < limit &&
		    clock_ms() >= s->next_allowed && !s->failed) {
			start(s, &s->probes[s->next_start++]);
			if (cfg->interval_ms > 0)
				s->next_allowed = clock_ms() + cfg->interval_ms;
		}
		if (s->failed)
			return -1;
		report_ready(s);
		if (s->next_print == s->count)
			break;
		wake = s->next_start < s->count &&
		    s->next_allowed > clock_ms() ? s->next_allowed : -1;
		if (poll_round(s, pfd, who, wake) == -1) {
			log_error(cfg, "poll: %s", strerror(errno));
			return -1;
		}
		if (s->failed)
			return -1;
		report_ready(s);
	}
	return 0;
}

/*
 * --retry: probe again every --retry-interval until a port is open or the
 * time is up (wait-for-port).  Rounds are silent but with -vv; the last
 * one is reported at the end.
 */
static int
retry_rounds(struct scan *s)
{
	const struct config *cfg = s->cfg;
	long long deadline = clock_ms() + cfg->retry_ms, until;
	size_t i;
	int rc;

	s->quiet = cfg->verbose < 2;
	for (;;) {
		if ((rc = scan_loop(s)) == -1 || s->open > 0 ||
		    clock_ms() + cfg->retry_interval_ms >= deadline)
			break;
		until = clock_ms() + cfg->retry_interval_ms;
		while (sig_pending() == 0 && clock_ms() < until)
			(void)sig_poll(NULL, 0, clock_until(until));
		if (sig_pending() != 0)
			return -1;
		for (i = 0; i < s->count; i++) {
			s->probes[i].state = WAITING;
			s->probes[i].ai = s->addrs;
		}
		s->next_start = s->next_print = 0;
		s->open = 0;
	}
	if (s->failed)
		return -1;
	if (s->quiet) {
		s->quiet = false;
		s->next_print = 0;
		report_ready(s);
	}
	return rc;
}

/* Wait-for: why p is not open, for the last word on it. */
static const char *
reason(const struct probe *p)
{
	return p->why != NULL ? p->why : strerror(p->error);
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
	long long now = clock_ms(), next;

	memset(&a, 0, sizeof(a));
	a.target = p->target->name;
	a.host = p->target->host;
	a.port = p->port;
	a.attempt = p->attempts;
	a.open = p->state == OPEN;
	a.reason = a.open ? NULL : reason(p);
	if (p->ai != NULL) {
		ai = *p->ai;
		memcpy(&ss, p->ai->ai_addr, p->ai->ai_addrlen);
		set_port((struct sockaddr *)&ss, p->port);
		ai.ai_addr = (struct sockaddr *)&ss;
		a.ai = &ai;
	}
	log_attempt(s->cfg, &a);
	if (p->state == CLOSED && s->until >= 0 && now < s->until) {
		next = p->started + s->cfg->retry_interval_ms;
		if (next > s->until)
			next = s->until;
		p->state = WAITING;
		p->next_try = next < now ? now : next;
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
 * Wait-for: the scan's loop, with targets that start again until they
 * settle.  Returns 0 when the wait is over, -1 on a signal or a socket
 * that could not be set up.
 */
static int
wait_loop(struct scan *s)
{
	const struct config *cfg = s->cfg;
	struct pollfd pfd[IN_FLIGHT];
	size_t who[IN_FLIGHT], i;
	int limit = IN_FLIGHT;
	long long now, wake, t;

	/* As in scan_loop: -i spaces attempts, -p shares a source port. */
	if (cfg->interval_ms > 0 || cfg->source_port != -1)
		limit = 1;
	while (!wait_over(s)) {
		if (sig_pending() != 0)
			return -1;
		wake = -1;
		for (i = 0; i < s->count && !s->failed; i++) {
			struct probe *p = &s->probes[i];

			if (p->state != WAITING)
				continue;
			now = clock_ms();
			t = p->next_try > s->next_allowed ? p->next_try :
			    s->next_allowed;
			if (t <= now && s->running < limit) {
				begin(s, p);
				if (cfg->interval_ms > 0)
					s->next_allowed = clock_ms() +
					    cfg->interval_ms;
			} else if (t > now && (wake < 0 || t < wake))
				wake = t;
		}
		if (s->failed)
			return -1;
		if (wait_over(s))
			break;
		if (poll_round(s, pfd, who, wake) == -1) {
			log_error(cfg, "poll: %s", strerror(errno));
			return -1;
		}
		if (s->failed)
			return -1;
	}
	return 0;
}

/*
 * -z HOST:PORT... [-- COMMAND]: waits for cfg->targets, then execs the
 * command, or says which targets stayed closed and why.
 */
static int
run_wait(const struct config *cfg)
{
	struct scan s;
	char err[512];
	size_t i;
	bool ready;
	int rc;

	memset(&s, 0, sizeof(s));
	s.cfg = cfg;
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
		s.probes[i].fd = -1;
	}
	rc = wait_loop(&s);
	ready = rc == 0 && wait_ready(&s);
	for (i = 0; i < s.count; i++) {
		struct probe *p = &s.probes[i];

		if (rc == 0 && !ready && p->state != OPEN)
			log_error(cfg, "%s: %s", p->target->name, reason(p));
		if (p->fd != -1)
			close(p->fd);
		if (p->addrs != NULL)
			freeaddrinfo(p->addrs);
		free(p->why);
	}
	free(s.probes);
	if (!ready)
		return EXIT_NET;
	if (cfg->command == NULL || sig_pending() != 0)
		return 0;
	(void)exec_replace(cfg->command, err, sizeof(err));
	rc = errno == ENOENT ? 127 : 126;
	log_error(cfg, "%s", err);
	return rc;
}

int
run_scan(const struct config *cfg)
{
	struct scan s;
	char err[512];
	size_t i;
	int status;

	if (cfg->targets.count > 0)
		return run_wait(cfg);
	memset(&s, 0, sizeof(s));
	s.cfg = cfg;
	s.until = s.cutoff = -1;
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
		s.probes[i].fd = -1;
		s.probes[i].ai = s.addrs;
	}
	if (cfg->random_port)
		shuffle(s.probes, s.count);
	status = cfg->retry_ms == NO_LIMIT ? scan_loop(&s) : retry_rounds(&s);
	status = status == 0 && s.open > 0 ? 0 : EXIT_NET;
	for (i = 0; i < s.count; i++)
		if (s.probes[i].fd != -1)
			close(s.probes[i].fd);
	log_summary(cfg, 0, 0);
	free(s.probes);
	freeaddrinfo(s.addrs);
	return status;
}
