/* udppeers.c -- -u -l -k with -e/-c: a program per UDP peer, on the loop. */

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "admit.h"
#include "buf.h"
#include "clock.h"
#include "exec.h"
#include "fdflags.h"
#include "log.h"
#include "loop.h"
#include "udppeers.h"

#define DGRAM_MAX	65536		/* receive buffer: any datagram whole */
#define QUEUE_MAX	(1024 * 1024)	/* bytes waiting for one program */
#define QUEUE_MIN	65536
#define RECV_BATCH	64		/* per wakeup: the programs get turns */
#define NAMELEN		(ADDR_TEXTLEN + 16)
#define ERRLEN		512

/* Why a peer ended, for its close line, by enum peer_end. */
enum peer_end { END_DONE, END_IDLE, END_SIGNAL, END_ERROR };

static const char *const end_names[] = {
	"done", "idle", "signal", "network error",
};

/* One peer: its address, its program, and what is on the way. */
struct peer {
	struct peer		*next, **prevp;	/* the server's list */
	struct server		*srv;
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	pid_t			 pid;		/* -1 once reaped */
	int			 status;	/* the program's, once reaped */
	int			 to_child;	/* its stdin; -1 once closed */
	int			 from_child;	/* its stdout; -1 once at EOF */
	struct loop_io		 to_w, from_w;	/* the two pipes */
	struct loop_timer	 timer;		/* idle limit, then the grace */
	struct buf		 in;		/* datagrams for its stdin */
	struct buf		 out;		/* a reply refused (EAGAIN) */
	long long		 started, last;	/* ms: start, latest traffic */
	bool			 closing;	/* being ended: stdin closed */
	bool			 termed;	/* SIGTERM sent */
	bool			 killed;	/* SIGKILL sent, output shut */
	bool			 drop_noted;	/* -v said it drops datagrams */
	enum peer_end		 how;
	unsigned long long	 sent, rcvd, dropped;
};

/* The server's state, passed down by pointer. */
struct server {
	const struct config	*cfg;
	struct tlog		*log;		/* NULL: no traffic log */
	struct loop		 loop;
	struct loop_io		 sock_w;	/* lfd */
	struct loop_timer	 wait_t;	/* -w: no peer for that long */
	struct loop_hook	 hook;		/* lfd's interest; the end */
	int			 lfd;
	int			 port;
	long			 idle_ms;	/* per peer; NO_LIMIT: none */
	struct peer		*peers;		/* npeers, newest first */
	size_t			 npeers;
	size_t			 nheld;		/* peers with an out reply */
	unsigned char		*buf;		/* DGRAM_MAX */
	long long		 quiet_since;	/* last datagram or peer end */
	bool			 served;	/* a program has been started */
	bool			 stopping;	/* ending all peers, then out */
	int			 status;
	struct admit_noted	 noted;		/* refused senders told of */
	struct exec_guard	 guard;		/* should we die by SIGKILL */
};

/* "127.0.0.1 port 5000": how messages name a peer. */
static void
peer_name(const struct sockaddr_storage *ss, socklen_t len, char *out,
    size_t outlen)
{
	char text[ADDR_TEXTLEN];
	int port;

	addr_numeric((const struct sockaddr *)ss, len, text, &port);
	snprintf(out, outlen, "%s port %d", text, port);
}

/* The live peer, not one being ended, that sent from ss; or NULL. */
static struct peer *
find_peer(struct server *s, const struct sockaddr_storage *ss)
{
	struct peer *p;

	for (p = s->peers; p != NULL; p = p->next)
		if (!p->closing && addr_same(&p->addr, ss))
			return p;
	return NULL;
}

/*
 * Appends a datagram's n bytes to q, made QUEUE_MIN bytes at first; as n
 * is at most that, buf_put() doubles it, to QUEUE_MAX at most.  Returns
 * 0, or -1 with errno ENOBUFS (full: none of it is taken) or ENOMEM.
 */
static int
queue_put(struct buf *q, const unsigned char *d, size_t n)
{
	if (q->len + n > QUEUE_MAX) {
		errno = ENOBUFS;
		return -1;
	}
	if (q->data == NULL && buf_init(q, QUEUE_MIN) == -1)
		return -1;
	return buf_put(q, d, n);
}

/* The program's stdin is gone: close our end, forget what waits for it. */
static void
close_input(struct peer *p)
{
	loop_io_stop(&p->srv->loop, &p->to_w);
	if (p->to_child != -1)
		close(p->to_child);
	p->to_child = -1;
	buf_free(&p->in);
}

/* Counts a datagram that p's program will never see; -v says so once. */
static void
drop(struct server *s, struct peer *p, const char *why)
{
	char name[NAMELEN];

	p->dropped++;
	if (p->drop_noted)
		return;
	p->drop_noted = true;
	peer_name(&p->addr, p->addrlen, name, sizeof(name));
	log_note(s->cfg, 1, "dropping datagrams from %s: %s", name, why);
}

/* Writes what is queued to p's program, as much as its pipe takes. */
static void
flush_in(struct loop *l, struct loop_io *w, short revents)
{
	struct peer *p = w->arg;
	struct buf *q = &p->in;
	ssize_t n;

	(void)revents;
	while (q->len > 0 && p->to_child != -1) {
		n = write(p->to_child, q->data + q->head, buf_span(q));
		if (n > 0)
			buf_consume(q, (size_t)n);
		else if (n == -1 && errno == EINTR)
			continue;
		else if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		else
			close_input(p);	/* EPIPE: it closed its stdin */
	}
	loop_io_want(l, w, 0);
	/* A burst is over: give its memory back. */
	if (q->cap > QUEUE_MIN)
		buf_free(q);
}

/* A datagram from p, for its program's stdin. */
static void
feed(struct server *s, struct peer *p, const unsigned char *d, size_t n)
{
	ssize_t w;

	p->rcvd += n;
	p->last = clock_ms();
	tlog_data(s->log, '<', d, n);
	if (n == 0)
		return;
	if (p->to_child == -1) {
		drop(s, p, "its program has closed its input");
		return;
	}
	if (p->in.len == 0) {
		/* The usual case: straight into the pipe, no copy. */
		do
			w = write(p->to_child, d, n);
		while (w == -1 && errno == EINTR);
		if (w == -1 && errno != EAGAIN && errno != EWOULDBLOCK) {
			close_input(p);
			drop(s, p, "its program has closed its input");
			return;
		}
		if (w > 0) {
			d += w;
			n -= (size_t)w;
		}
		if (n == 0)
			return;
	}
	if (queue_put(&p->in, d, n) == -1)
		drop(s, p, errno == ENOBUFS ? "its program's input is full "
		    "(1 MiB waiting)" : "out of memory");
	else
		loop_io_want(&s->loop, &p->to_w, POLLOUT);
}

/*
 * Sends n bytes to p as one datagram.  Returns 0 when it went or was
 * dropped (with a -v note), -1 when the socket has no room for now.
 */
static int
send_to_peer(struct server *s, struct peer *p, const unsigned char *d,
    size_t n)
{
	char name[NAMELEN];
	ssize_t r;

	do
		r = sendto(s->lfd, d, n, 0, (const struct sockaddr *)&p->addr,
		    p->addrlen);
	while (r == -1 && errno == EINTR);
	if (r >= 0) {
		p->sent += n;
		p->last = clock_ms();
		tlog_data(s->log, '>', d, n);
		return 0;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return -1;
	/* UDP is lossy: one reply lost is not the end of the server. */
	peer_name(&p->addr, p->addrlen, name, sizeof(name));
	log_note(s->cfg, 1, "send to %s: %s", name, strerror(errno));
	return 0;
}

/* Sends the replies the socket refused earlier, while it takes them. */
static void
flush_out(struct server *s)
{
	struct peer *p;

	for (p = s->peers; p != NULL && s->nheld > 0; p = p->next) {
		if (p->out.len == 0)
			continue;
		/* One datagram, from the start of the ring: whole. */
		if (send_to_peer(s, p, p->out.data, p->out.len) == -1)
			return;
		buf_free(&p->out);
		s->nheld--;
		loop_io_want(&s->loop, &p->from_w, POLLIN);
	}
}

static void	maybe_forget(struct peer *);

/* One read of p's program's stdout becomes one datagram to p. */
static void
read_child(struct loop *l, struct loop_io *w, short revents)
{
	struct peer *p = w->arg;
	struct server *s = p->srv;
	char name[NAMELEN];
	ssize_t n;

	(void)revents;
	do
		n = read(p->from_child, s->buf, addr_udp_max(&p->addr));
	while (n == -1 && errno == EINTR);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n > 0) {
		if (send_to_peer(s, p, s->buf, (size_t)n) == 0)
			return;
		/* Kept, and no more read from p until the socket has room. */
		if (buf_init(&p->out, (size_t)n) == 0) {
			(void)buf_put(&p->out, s->buf, (size_t)n);	/* fits */
			s->nheld++;
			loop_io_want(l, w, 0);
		} else {
			peer_name(&p->addr, p->addrlen, name, sizeof(name));
			log_note(s->cfg, 1, "send to %s: %s", name,
			    strerror(ENOMEM));
		}
		return;
	}
	if (n == -1) {
		peer_name(&p->addr, p->addrlen, name, sizeof(name));
		log_note(s->cfg, 1, "read from the program of %s: %s", name,
		    strerror(errno));
	}
	loop_io_stop(l, w);
	close(p->from_child);
	p->from_child = -1;
	maybe_forget(p);
}

/*
 * p's timer, due at ms at.  Cannot fail: it runs from start_peer() on,
 * out of the loop's table only during its own call, and the table does
 * not shrink.
 */
static void
arm(struct peer *p, long long at)
{
	(void)loop_timer_start(&p->srv->loop, &p->timer, at);
}

/* SIGTERM now; SIGKILL EXEC_KILL_GRACE_MS later if it still runs. */
static void
terminate(struct peer *p)
{
	if (p->termed)
		return;
	p->termed = true;
	/* Ours and not reaped: kill(2) cannot fail. */
	if (p->pid != -1)
		(void)exec_signal(p->pid, SIGTERM);
	arm(p, clock_ms() + EXEC_KILL_GRACE_MS);
}

/*
 * Starts ending p's program: EOF on its stdin (what is still queued is
 * dropped), then SIGTERM EXEC_TERM_GRACE_MS later, so that a program that
 * answers at the end of its input (sort, wc) has its say.  Its output
 * still goes to the peer meanwhile.
 */
static void
begin_close(struct peer *p, enum peer_end how)
{
	if (p->closing)
		return;
	p->closing = true;
	p->how = how;
	close_input(p);
	arm(p, clock_ms() + EXEC_TERM_GRACE_MS);
}

/* The grace is over: SIGKILL, and stop waiting for its output. */
static void
finish_close(struct peer *p)
{
	p->killed = true;
	if (p->pid != -1)
		(void)exec_signal(p->pid, SIGKILL);
	/* A grandchild may hold the pipe open for ever: not ours to wait. */
	loop_io_stop(&p->srv->loop, &p->from_w);
	if (p->from_child != -1)
		close(p->from_child);
	p->from_child = -1;
	if (p->out.len > 0)
		p->srv->nheld--;
	buf_free(&p->out);
}

/* The idle limit (if the peer was quiet that long), then the grace. */
static void
on_timer(struct loop *l, struct loop_timer *t)
{
	struct peer *p = t->arg;
	long idle_ms = p->srv->idle_ms;

	(void)l;
	if (!p->closing) {
		/* Traffic does not move the timer: it is looked at here. */
		if (clock_ms() - p->last < idle_ms)
			arm(p, p->last + idle_ms);
		else
			begin_close(p, END_IDLE);
	} else if (!p->termed)
		terminate(p);
	else {
		finish_close(p);
		maybe_forget(p);
	}
}

/* Ends every program at once (EOF and SIGTERM); takes no more datagrams. */
static void
stop_all(struct server *s, enum peer_end how, int status)
{
	struct peer *p;

	s->stopping = true;
	s->status = status;
	for (p = s->peers; p != NULL; p = p->next) {
		begin_close(p, how);
		terminate(p);
	}
}

/*
 * A first datagram from ss: checks --allow/--deny and --max-conns, then
 * starts the program.  Returns the new peer, or NULL (refused, with a -v
 * note the first time, or failed, with an error message: the datagram is
 * dropped).
 */
static struct peer *
start_peer(struct server *s, const struct sockaddr_storage *ss,
    socklen_t len)
{
	const struct config *cfg = s->cfg;
	struct exec_child child;
	char name[NAMELEN], err[ERRLEN];
	struct peer *p;

	peer_name(ss, len, name, sizeof(name));
	if (admit_datagram(cfg, &s->noted, ss, len, NULL, (long)s->npeers,
	    name) != ADMIT_OK)
		return NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_error(cfg, "serve %s: %s", name, strerror(errno));
		return NULL;
	}
	if (exec_start_peer(cfg, s->lfd, (const struct sockaddr *)ss, len,
	    &child, err, sizeof(err)) == -1) {
		log_error(cfg, "serve %s: %s", name, err);
		free(p);
		return NULL;
	}
	if ((p->next = s->peers) != NULL)
		p->next->prevp = &p->next;
	p->prevp = &s->peers;
	s->peers = p;
	s->npeers++;
	p->srv = s;
	p->addr = *ss;
	p->addrlen = len;
	p->pid = child.pid;
	exec_guard_add(&s->guard, p->pid);
	p->to_child = child.to_child;
	p->from_child = child.from_child;
	p->started = p->last = clock_ms();
	p->how = END_DONE;
	s->served = true;
	log_accepted(cfg, s->lfd, (const struct sockaddr *)ss, len);
	loop_io_set(&p->to_w, p->to_child, flush_in, p);
	loop_io_set(&p->from_w, p->from_child, read_child, p);
	loop_timer_set(&p->timer, on_timer, p);
	/* The timer runs from now on (see arm()); without a limit, idly. */
	if (loop_io_start(&s->loop, &p->to_w, 0) == -1 ||
	    loop_io_start(&s->loop, &p->from_w, POLLIN) == -1 ||
	    loop_timer_start(&s->loop, &p->timer, s->idle_ms == NO_LIMIT ?
	    LLONG_MAX : p->last + s->idle_ms) == -1) {
		log_error(cfg, "serve %s: %s", name, strerror(errno));
		/* Killed at once, no timer; reap() forgets p. */
		p->closing = p->termed = true;
		p->how = END_ERROR;
		close_input(p);
		finish_close(p);
		return NULL;
	}
	/* Never blocking on one program is what keeps the others served. */
	if (fd_set_nonblock(p->to_child) == -1 ||
	    fd_set_nonblock(p->from_child) == -1) {
		log_error(cfg, "serve %s: make the program's pipes "
		    "non-blocking: %s", name, strerror(errno));
		begin_close(p, END_ERROR);
	}
	return p;
}

/* The socket: held replies out, then a batch of datagrams at most. */
static void
on_socket(struct loop *l, struct loop_io *w, short revents)
{
	struct server *s = w->arg;
	struct sockaddr_storage from;
	socklen_t len;
	struct peer *p;
	ssize_t n;
	int i;

	(void)l;
	if (revents & POLLOUT)
		flush_out(s);
	if ((revents & (POLLIN | POLLERR)) == 0)
		return;
	for (i = 0; i < RECV_BATCH && !s->stopping; i++) {
		len = sizeof(from);
		n = recvfrom(s->lfd, s->buf, DGRAM_MAX, 0,
		    (struct sockaddr *)&from, &len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			/*
			 * Nothing more; or an ICMP error about an earlier
			 * reply, or the kernel short of memory for a moment:
			 * none of them ends the server.
			 */
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == ECONNREFUSED || errno == EHOSTUNREACH ||
			    errno == ENETUNREACH || errno == ENOMEM ||
			    errno == ENOBUFS)
				return;
			log_error(s->cfg, "read from UDP port %d: %s", s->port,
			    strerror(errno));
			stop_all(s, END_ERROR, EXIT_NET);
			return;
		}
		s->quiet_since = clock_ms();
		if ((p = find_peer(s, &from)) == NULL &&
		    (p = start_peer(s, &from, len)) == NULL)
			continue;
		feed(s, p, s->buf, (size_t)n);
	}
}

/* Says how p ended, frees it and takes it out of the list. */
static void
forget(struct peer *p)
{
	struct server *s = p->srv;
	struct log_peer_end end;

	end.sent = p->sent;
	end.rcvd = p->rcvd;
	end.dropped = p->dropped;
	end.ms = clock_ms() - p->started;
	end.how = end_names[p->how];
	end.status = p->status;
	log_peer_close(s->cfg, (const struct sockaddr *)&p->addr, p->addrlen,
	    &end);
	close_input(p);
	finish_close(p);	/* reaped: only closes and frees */
	loop_timer_stop(&s->loop, &p->timer);
	if ((*p->prevp = p->next) != NULL)
		p->next->prevp = p->prevp;
	free(p);
	s->npeers--;
	s->quiet_since = clock_ms();
	/* -w counts again; its timer is still in the table: cannot fail. */
	if (s->npeers == 0 && !s->stopping && s->cfg->wait_ms != NO_LIMIT)
		(void)loop_timer_start(&s->loop, &s->wait_t,
		    s->quiet_since + s->cfg->wait_ms);
}

/* Done (reaped, output at EOF and sent): forgotten. */
static void
maybe_forget(struct peer *p)
{
	if (p->pid == -1 && p->from_child == -1 && p->out.len == 0)
		forget(p);
}

/* A child ended: reaps every program that has exited, without blocking. */
static void
reap(struct loop *l, void *arg)
{
	struct server *s = arg;
	struct peer *p;
	pid_t pid;
	int st;

	(void)l;
	for (;;) {
		pid = waitpid(-1, &st, WNOHANG);
		if (pid == -1 && errno == EINTR)
			continue;
		if (pid <= 0)
			return;	/* none ended, or no child left (ECHILD) */
		for (p = s->peers; p != NULL && p->pid != pid; p = p->next)
			;
		if (p != NULL) {
			exec_guard_drop(&s->guard, pid);
			p->pid = -1;
			p->status = exec_status(st);
			maybe_forget(p);
		}
	}
}

/* -w: no peer for that long.  As for TCP -k, 0 once a peer was served. */
static void
on_wait(struct loop *l, struct loop_timer *t)
{
	struct server *s = t->arg;
	long long at = s->quiet_since + s->cfg->wait_ms;

	if (s->npeers > 0 || s->stopping)
		return;		/* forget() starts it again */
	if (clock_ms() < at) {
		(void)loop_timer_start(l, t, at);	/* as in forget() */
		return;
	}
	if (!s->served) {
		log_error(s->cfg, "no connection on port %d within -w %s",
		    s->port, s->cfg->wait_arg);
		s->status = EXIT_NET;
	}
	loop_stop(l);
}

/* Before each wait: the socket's interest, and the end once all ended. */
static void
before_wait(struct loop *l, struct loop_hook *h)
{
	struct server *s = h->arg;

	if (s->stopping && s->npeers == 0) {
		loop_stop(l);
		return;
	}
	loop_io_want(l, &s->sock_w, (s->stopping ? 0 : POLLIN) |
	    (s->nheld > 0 ? POLLOUT : 0));
}

/*
 * poll(2) itself failed: nothing can be waited for any more.  Kills and
 * reaps every program at once, blocking, and forgets every peer.
 */
static void
abandon_all(struct server *s)
{
	struct peer *p;
	pid_t r;
	int st;

	while ((p = s->peers) != NULL) {
		if (!p->closing)
			p->how = END_ERROR;
		if (p->pid != -1) {
			(void)exec_signal(p->pid, SIGKILL);
			while ((r = waitpid(p->pid, &st, 0)) == -1 &&
			    errno == EINTR)
				;
			p->status = r == -1 ? EXIT_NET : exec_status(st);
			exec_guard_drop(&s->guard, p->pid);
			p->pid = -1;
		}
		forget(p);
	}
}

int
udppeers_run(const struct config *cfg, int lfd, int port, struct tlog *log)
{
	struct server s;
	enum loop_end end;

	memset(&s, 0, sizeof(s));
	s.cfg = cfg;
	s.log = tlog_active(log) ? log : NULL;
	s.lfd = lfd;
	s.port = port;
	s.idle_ms = cli_idle_ms(cfg);
	s.quiet_since = clock_ms();
	s.guard.fd = -1;
	loop_init(&s.loop);
	loop_io_set(&s.sock_w, lfd, on_socket, &s);
	loop_timer_set(&s.wait_t, on_wait, &s);
	loop_hook_set(&s.hook, before_wait, &s);
	loop_on_child(&s.loop, reap, &s);
	if ((s.buf = malloc(DGRAM_MAX)) == NULL ||
	    loop_io_start(&s.loop, &s.sock_w, POLLIN) == -1 ||
	    loop_hook_start(&s.loop, &s.hook) == -1 ||
	    (cfg->wait_ms != NO_LIMIT && loop_timer_start(&s.loop, &s.wait_t,
	    s.quiet_since + cfg->wait_ms) == -1)) {
		log_error(cfg, "allocate the peer table: %s", strerror(errno));
		s.status = EXIT_NET;
		goto out;
	}
	if (fd_set_nonblock(lfd) == -1) {
		log_error(cfg, "make UDP port %d non-blocking: %s", port,
		    strerror(errno));
		s.status = EXIT_NET;
		goto out;
	}
	/* Without it, a listener killed by SIGKILL leaves its programs. */
	if (exec_guard_start(&s.guard) == -1)
		log_note(cfg, 2, "start the watchman of the programs: %s",
		    strerror(errno));
	while ((end = loop_run(&s.loop)) == LOOP_SIGNAL) {
		/* Every program ended and reaped on the loop, then out. */
		stop_all(&s, END_SIGNAL, EXIT_NET);
		loop_wind_down(&s.loop);
	}
	if (end == LOOP_ERROR) {
		log_error(cfg, "poll: %s", strerror(errno));
		s.stopping = true;
		s.status = EXIT_NET;
		abandon_all(&s);
	}
out:
	exec_guard_stop(&s.guard);
	admit_dropped_note(cfg, &s.noted);
	loop_free(&s.loop);
	free(s.buf);
	return s.status;
}
