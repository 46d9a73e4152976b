/* udprelay.c -- -u --to: a UDP relay, an upstream socket per client. */

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "admit.h"
#include "clock.h"
#include "fdflags.h"
#include "log.h"
#include "loop.h"
#include "parse.h"
#include "sock.h"
#include "udprelay.h"
#include "zerocopy.h"

#define DGRAM_SLOT	65536		/* any datagram whole */
#define RECV_BATCH	16		/* datagrams per receive call */
#define LISTEN_ROUNDS	4		/* batches a wakeup, then upstreams */
#define BUCKETS_MIN	64
#define BUCKETS_MAX	65536
#define NAMELEN		(ADDR_TEXTLEN + 16)
#define ERRLEN		(ADDR_TEXTLEN + 512)

/* Why a mapping ended, for its close line, by enum map_end. */
enum map_end { END_IDLE, END_REFUSED, END_UNREACHABLE, END_ERROR,
    END_SIGNAL, END_DONE };

static const char *const end_names[] = {
	"idle", "refused", "unreachable", "network error", "signal", "done",
};

/* One client: its address, its upstream socket, what went each way. */
struct mapping {
	struct mapping		*next, **prevp;	/* its hash chain */
	struct relay		*r;
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	int			 fd;		/* upstream, connected */
	struct loop_io		 w;
	struct loop_timer	 timer;		/* the idle limit */
	unsigned char		*held;		/* a reply fd had no room for */
	size_t			 heldlen;
	long long		 started, last;	/* ms: made, latest traffic */
	struct log_udp_map	 stats;
	bool			 drop_noted;	/* -v said it drops datagrams */
};

/* The relay's state, passed down by pointer. */
struct relay {
	const struct config	*cfg;
	struct tlog		*log;		/* NULL: no traffic log */
	struct loop		 loop;
	struct loop_io		 sock_w;	/* fd, the clients' side */
	struct loop_timer	 wait_t;	/* -w: no client that long */
	struct loop_hook	 hook;		/* fd's interest; the end */
	int			 fd;
	int			 port;		/* -1: fd is connected */
	bool			 connected;
	bool			 one_shot;	/* no -k: first client only */
	long			 idle_ms;	/* NO_LIMIT: none */
	struct sockaddr_storage	 target;
	socklen_t		 targetlen;
	struct config		 up;		/* cfg for the upstreams */
	struct mapping		**table;
	size_t			 nbuckets;	/* a power of two */
	size_t			 nmaps;
	size_t			 nheld;		/* mappings with a held reply */
	unsigned char		*slots;		/* RECV_BATCH * DGRAM_SLOT */
	struct iovec		 iov[RECV_BATCH];
	size_t			 lens[RECV_BATCH];
	struct sockaddr_storage	 from[RECV_BATCH];
	bool			 no_batch;	/* recvmmsg(2) missing */
	struct sockaddr_storage	 lock;		/* one_shot: its client */
	bool			 locked;
	long long		 quiet_since;	/* last datagram or end */
	bool			 served;	/* a mapping has been made */
	bool			 stopping;
	int			 status;
	struct admit_noted	 noted;		/* refused senders told of */
};

/* The length of ss's address, by its family. */
static socklen_t
ss_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
}

/* "127.0.0.1 port 5000": how messages name a client. */
static void
peer_name(const struct sockaddr_storage *ss, char *out, size_t outlen)
{
	char text[ADDR_TEXTLEN];
	int port;

	addr_numeric((const struct sockaddr *)ss, ss_len(ss), text, &port);
	snprintf(out, outlen, "%s port %d", text, port);
}

/* FNV-1a over what addr_same() compares: the address and the port. */
static size_t
bucket_of(const struct relay *r, const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *s6 = (const void *)ss;
	const struct sockaddr_in *s4 = (const void *)ss;
	const unsigned char *p;
	size_t i, n;
	uint32_t h = 2166136261u;
	in_port_t port;

	if (ss->ss_family == AF_INET6) {
		p = s6->sin6_addr.s6_addr;
		n = sizeof(s6->sin6_addr);
		port = s6->sin6_port;
	} else {
		p = (const unsigned char *)&s4->sin_addr;
		n = sizeof(s4->sin_addr);
		port = s4->sin_port;
	}
	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	h = (h ^ (port & 0xff)) * 16777619u;
	h = (h ^ (port >> 8)) * 16777619u;
	return h & (r->nbuckets - 1);
}

/* The mapping of the client at ss, or NULL. */
static struct mapping *
find_map(struct relay *r, const struct sockaddr_storage *ss)
{
	struct mapping *m;

	for (m = r->table[bucket_of(r, ss)]; m != NULL; m = m->next)
		if (addr_same(&m->addr, ss))
			return m;
	return NULL;
}

/*
 * The next batch of datagrams on fd into the slots, their senders into
 * r->from when want_from.  Returns how many, or -1 with errno.
 */
static int
recv_some(struct relay *r, int fd, bool want_from)
{
	socklen_t len = sizeof(r->from[0]);
	ssize_t n;
	int i;

	if (!r->no_batch) {
		for (i = 0; i < RECV_BATCH; i++) {
			r->iov[i].iov_base = r->slots + (size_t)i * DGRAM_SLOT;
			r->iov[i].iov_len = DGRAM_SLOT;
		}
		i = zc_recv_batch(fd, r->iov, r->lens, want_from ? r->from :
		    NULL, RECV_BATCH);
		if (i >= 0 || (errno != ENOSYS && errno != EINVAL &&
		    errno != EOPNOTSUPP))
			return i;
		r->no_batch = true;	/* nothing was taken: copy instead */
	}
	do
		n = recvfrom(fd, r->slots, DGRAM_SLOT, 0, want_from ?
		    (struct sockaddr *)&r->from[0] : NULL, want_from ? &len :
		    NULL);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	r->lens[0] = (size_t)n;
	return 1;
}

/* Counts a datagram that was not passed on; -v says so once a mapping. */
static void
drop(struct mapping *m, const char *why, int errnum)
{
	char name[NAMELEN];

	m->stats.dropped++;
	if (m->drop_noted)
		return;
	m->drop_noted = true;
	peer_name(&m->addr, name, sizeof(name));
	log_note(m->r->cfg, 1, "dropping datagrams %s %s: %s", why, name,
	    strerror(errnum));
}

/* Says how m ended, closes its socket and frees it. */
static void
map_close(struct mapping *m, enum map_end how)
{
	struct relay *r = m->r;

	m->stats.ms = clock_ms() - m->started;
	m->stats.how = end_names[how];
	log_udp_map_close(r->cfg, (const struct sockaddr *)&m->addr,
	    m->addrlen, &m->stats);
	loop_io_stop(&r->loop, &m->w);
	loop_timer_stop(&r->loop, &m->timer);
	close(m->fd);
	if (m->held != NULL)
		r->nheld--;
	free(m->held);
	if ((*m->prevp = m->next) != NULL)
		m->next->prevp = m->prevp;
	free(m);
	r->nmaps--;
	r->quiet_since = clock_ms();
	if (r->one_shot || r->connected) {
		/* Its only client has gone: so has the relay. */
		if (!r->stopping)
			r->status = how == END_IDLE || how == END_DONE ? 0 :
			    EXIT_NET;
		r->stopping = true;
		return;
	}
	/* -w counts again; its timer is still in the table: cannot fail. */
	if (r->nmaps == 0 && !r->stopping && r->cfg->wait_ms != NO_LIMIT)
		(void)loop_timer_start(&r->loop, &r->wait_t,
		    r->quiet_since + r->cfg->wait_ms);
}

/*
 * An error on m's upstream socket: an ICMP error about an earlier
 * datagram (refused, unreachable) ends the mapping with a -v line, as
 * does anything else but a passing shortage of memory or room.
 */
static void
upstream_error(struct mapping *m, int errnum)
{
	struct relay *r = m->r;
	char name[NAMELEN], target[NAMELEN];

	if (errnum == ENOBUFS || errnum == ENOMEM || errnum == EAGAIN ||
	    errnum == EWOULDBLOCK) {
		drop(m, "to the target from", errnum);
		return;
	}
	if (errnum == EMSGSIZE) {
		drop(m, "too large for the target from", errnum);
		return;
	}
	peer_name(&m->addr, name, sizeof(name));
	peer_name(&r->target, target, sizeof(target));
	log_note(r->cfg, 1, "relay %s to %s: %s", name, target,
	    strerror(errnum));
	map_close(m, errnum == ECONNREFUSED ? END_REFUSED :
	    errnum == EHOSTUNREACH || errnum == ENETUNREACH ||
	    errnum == EHOSTDOWN ? END_UNREACHABLE : END_ERROR);
}

/*
 * Sends n bytes to m's client as one datagram, from fd.  Returns 0 when
 * it went or was dropped (counted), -1 when fd has no room for now, 1
 * when m has ended (connecting: the peer refused) and is freed.
 */
static int
send_down(struct relay *r, struct mapping *m, const unsigned char *d,
    size_t n)
{
	ssize_t s;
	int err;

	do
		s = sendto(r->fd, d, n, 0, r->connected ? NULL :
		    (const struct sockaddr *)&m->addr, r->connected ? 0 :
		    m->addrlen);
	while (s == -1 && errno == EINTR);
	if (s >= 0) {
		m->stats.to_client += n;
		m->stats.dgrams_down++;
		m->last = clock_ms();
		tlog_data(r->log, '>', d, n);
		return 0;
	}
	if ((err = errno) == EAGAIN || err == EWOULDBLOCK)
		return -1;
	/* Connecting, the peer's ICMP error ends it, as in -u host port. */
	if (r->connected && (err == ECONNREFUSED || err == EHOSTUNREACH ||
	    err == ENETUNREACH)) {
		log_error(r->cfg, "send to %s port %s: %s", r->cfg->host,
		    r->cfg->port_arg, strerror(err));
		map_close(m, err == ECONNREFUSED ? END_REFUSED :
		    END_UNREACHABLE);
		return 1;
	}
	/* A client gone, or a reply too large for its family: one lost. */
	drop(m, "from the target to", err);
	return 0;
}

/*
 * m's upstream socket: what the target sent, to m's client.  A reply fd
 * has no room for is held, and m is not read again until it has gone.
 */
static void
on_upstream(struct loop *l, struct loop_io *w, short revents)
{
	struct mapping *m = w->arg;
	struct relay *r = m->r;
	int i, n, rc;

	(void)revents;
	if ((n = recv_some(r, m->fd, false)) == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			upstream_error(m, errno);
		return;
	}
	for (i = 0; i < n; i++) {
		rc = send_down(r, m, r->slots + (size_t)i * DGRAM_SLOT,
		    r->lens[i]);
		if (rc == 1)
			return;
		if (rc == 0)
			continue;
		if ((m->held = malloc(r->lens[i] > 0 ? r->lens[i] : 1)) ==
		    NULL) {
			drop(m, "from the target to", ENOMEM);
			continue;
		}
		memcpy(m->held, r->slots + (size_t)i * DGRAM_SLOT, r->lens[i]);
		m->heldlen = r->lens[i];
		r->nheld++;
		loop_io_want(l, w, 0);
		/* Received with it but not sendable: UDP may lose them. */
		for (i++; i < n; i++)
			drop(m, "from the target to", ENOBUFS);
		return;
	}
}

/* Sends the replies fd refused earlier, while it takes them. */
static void
flush_held(struct relay *r)
{
	struct mapping *m;
	size_t b;

	for (b = 0; b < r->nbuckets && r->nheld > 0; b++)
		for (m = r->table[b]; m != NULL; m = m->next) {
			if (m->held == NULL)
				continue;
			/* -1: no room yet; 1: m is gone, the relay ends. */
			if (send_down(r, m, m->held, m->heldlen) != 0)
				return;
			free(m->held);
			m->held = NULL;
			r->nheld--;
			loop_io_want(&r->loop, &m->w, POLLIN);
		}
}

/*
 * m's timer, due at ms at.  Cannot fail: it runs from map_open() on, out
 * of the loop's table only during its own call, and the table does not
 * shrink.
 */
static void
arm(struct mapping *m, long long at)
{
	(void)loop_timer_start(&m->r->loop, &m->timer, at);
}

/* The idle limit, if the mapping was quiet that long. */
static void
on_timer(struct loop *l, struct loop_timer *t)
{
	struct mapping *m = t->arg;
	long idle_ms = m->r->idle_ms;

	(void)l;
	/* Traffic does not move the timer: it is looked at here. */
	if (clock_ms() - m->last < idle_ms)
		arm(m, m->last + idle_ms);
	else
		map_close(m, END_IDLE);
}

/*
 * A new upstream socket, with cfg's options, bound to -s (see r->up) and
 * connected to the target.  Returns it, or -1 with a reason in err.
 */
static int
upstream_socket(struct relay *r, char *err, size_t errlen)
{
	char text[ADDR_TEXTLEN];
	int fd, port;

	if ((fd = sock_prepare(&r->up, r->target.ss_family, SOCK_DGRAM, err,
	    errlen)) == -1) {
		if (err[0] == '\0')
			snprintf(err, errlen, "make its upstream socket: %s",
			    strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&r->target, r->targetlen) == -1) {
		addr_numeric((struct sockaddr *)&r->target, r->targetlen, text,
		    &port);
		snprintf(err, errlen, "connect its upstream socket to %s port "
		    "%d: %s", text, port, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	sock_close_keep_errno(fd);
	return -1;
}

/*
 * A first datagram from ss (or, connected, fd's peer): checks
 * --allow/--deny and --max-conns, then makes the upstream socket.
 * Returns the new mapping, or NULL (refused, with a -v note the first
 * time, or failed, with an error message: the datagram is dropped).
 */
static struct mapping *
map_open(struct relay *r, const struct sockaddr_storage *ss)
{
	const struct config *cfg = r->cfg;
	struct sockaddr_storage local;
	socklen_t len = ss_len(ss), llen = sizeof(local);
	char name[NAMELEN], err[ERRLEN], text[ADDR_TEXTLEN];
	struct mapping *m;
	size_t b;
	int lport = 0;

	peer_name(ss, name, sizeof(name));
	if (!r->connected && admit_datagram(cfg, &r->noted, ss, len,
	    r->locked ? &r->lock : NULL, r->one_shot ? -1 : (long)r->nmaps,
	    name) != ADMIT_OK)
		return NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		log_error(cfg, "relay %s: %s", name, strerror(errno));
		return NULL;
	}
	m->r = r;
	m->addr = *ss;
	m->addrlen = len;
	if ((m->fd = upstream_socket(r, err, sizeof(err))) == -1) {
		log_error(cfg, "relay %s: %s", name, err);
		free(m);
		return NULL;
	}
	loop_io_set(&m->w, m->fd, on_upstream, m);
	loop_timer_set(&m->timer, on_timer, m);
	m->started = m->last = clock_ms();
	/* The timer runs from now on (see arm()); without a limit, idly. */
	if (loop_io_start(&r->loop, &m->w, POLLIN) == -1 ||
	    loop_timer_start(&r->loop, &m->timer, r->idle_ms == NO_LIMIT ?
	    LLONG_MAX : m->last + r->idle_ms) == -1) {
		log_error(cfg, "relay %s: %s", name, strerror(errno));
		loop_io_stop(&r->loop, &m->w);
		close(m->fd);
		free(m);
		return NULL;
	}
	b = bucket_of(r, ss);
	if ((m->next = r->table[b]) != NULL)
		m->next->prevp = &m->next;
	m->prevp = &r->table[b];
	r->table[b] = m;
	r->nmaps++;
	r->served = true;
	if (r->one_shot && !r->locked) {
		r->lock = *ss;
		r->locked = true;
	}
	loop_timer_stop(&r->loop, &r->wait_t);
	if (getsockname(m->fd, (struct sockaddr *)&local, &llen) == 0)
		addr_numeric((struct sockaddr *)&local, llen, text, &lport);
	if (!r->connected)
		log_accepted(cfg, r->fd, (const struct sockaddr *)ss, len);
	log_udp_map_open(cfg, (const struct sockaddr *)ss, len,
	    (const struct sockaddr *)&r->target, r->targetlen, lport);
	return m;
}

/* A datagram from m's client, out through its upstream socket. */
static void
send_up(struct relay *r, struct mapping *m, const unsigned char *d,
    size_t n)
{
	ssize_t s;

	m->stats.to_upstream += n;
	m->stats.dgrams_up++;
	m->last = clock_ms();
	tlog_data(r->log, '<', d, n);
	do
		s = send(m->fd, d, n, 0);
	while (s == -1 && errno == EINTR);
	if (s == -1)
		upstream_error(m, errno);
}

/* Ends every mapping; takes no more datagrams. */
static void
stop_all(struct relay *r, enum map_end how, int status)
{
	size_t b;

	if (!r->stopping)
		r->status = status;
	r->stopping = true;
	for (b = 0; b < r->nbuckets; b++)
		while (r->table[b] != NULL)
			map_close(r->table[b], how);
}

/* fd, the clients' side: held replies out, then a few batches in. */
static void
on_socket(struct loop *l, struct loop_io *w, short revents)
{
	struct relay *r = w->arg;
	struct mapping *m;
	int i, n, round, err;

	(void)l;
	if (revents & POLLOUT)
		flush_held(r);
	if ((revents & (POLLIN | POLLERR)) == 0)
		return;
	for (round = 0; round < LISTEN_ROUNDS && !r->stopping; round++) {
		if ((n = recv_some(r, r->fd, !r->connected)) == -1) {
			err = errno;
			/* Nothing more, or the kernel short for a moment. */
			if (err == EAGAIN || err == EWOULDBLOCK ||
			    err == EINTR || err == ENOMEM || err == ENOBUFS)
				return;
			/*
			 * An ICMP error about an earlier reply to one client
			 * does not end the relay; from the one peer we
			 * connected to, it does, as in -u host port.
			 */
			if (!r->connected && (err == ECONNREFUSED ||
			    err == EHOSTUNREACH || err == ENETUNREACH))
				return;
			if (r->connected)
				log_error(r->cfg, "read from %s port %s: %s",
				    r->cfg->host, r->cfg->port_arg,
				    strerror(err));
			else
				log_error(r->cfg, "read from UDP port %d: %s",
				    r->port, strerror(err));
			stop_all(r, err == ECONNREFUSED ? END_REFUSED :
			    END_ERROR, EXIT_NET);
			return;
		}
		r->quiet_since = clock_ms();
		for (i = 0; i < n && !r->stopping; i++) {
			m = r->connected ? r->table[0] :
			    find_map(r, &r->from[i]);
			if (m == NULL && !r->connected)
				m = map_open(r, &r->from[i]);
			if (m != NULL)
				send_up(r, m, r->slots + (size_t)i * DGRAM_SLOT,
				    r->lens[i]);
		}
		if (n < RECV_BATCH)
			return;
	}
}

/* -w: no client for that long.  As for TCP -k, 0 once one was served. */
static void
on_wait(struct loop *l, struct loop_timer *t)
{
	struct relay *r = t->arg;
	long long at = r->quiet_since + r->cfg->wait_ms;

	if (r->nmaps > 0 || r->stopping)
		return;		/* map_close() starts it again */
	if (clock_ms() < at) {
		(void)loop_timer_start(l, t, at);	/* as in map_close() */
		return;
	}
	if (!r->served) {
		log_error(r->cfg, "no connection on port %d within -w %s",
		    r->port, r->cfg->wait_arg);
		r->status = EXIT_NET;
	}
	loop_stop(l);
}

/* Before each wait: fd's interest, and the end once asked for. */
static void
before_wait(struct loop *l, struct loop_hook *h)
{
	struct relay *r = h->arg;

	if (r->stopping) {
		stop_all(r, END_DONE, r->status);
		loop_stop(l);
		return;
	}
	loop_io_want(l, &r->sock_w, POLLIN | (r->nheld > 0 ? POLLOUT : 0));
}

/*
 * The target, resolved once: the first of its addresses that a socket
 * can be made for with cfg's options.  Returns 0, or -1 with the status
 * in *status, the failure reported.
 */
static int
resolve_target(struct relay *r, int *status)
{
	const struct config *cfg = r->cfg;
	struct addrinfo *res, *ai;
	char err[ERRLEN], text[ADDR_TEXTLEN];
	int port, fd = -1, saved = 0;

	*status = EXIT_USAGE;
	if (parse_port(cfg->relay.port, "udp", false, &port, err,
	    sizeof(err)) == -1) {
		log_error(cfg, "--to %s: %s", cfg->relay.arg, err);
		return -1;
	}
	if (addr_resolve(cfg, cfg->relay.host, port, AF_UNSPEC, false, &res,
	    err, sizeof(err), status) == -1) {
		log_error(cfg, "--to %s: %s", cfg->relay.arg, err);
		return -1;
	}
	*status = EXIT_NET;
	/* -s of the other family, or no IPv6 here: the next address. */
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = sock_prepare(&r->up, ai->ai_family, SOCK_DGRAM, err,
		    sizeof(err))) != -1)
			break;
		saved = errno;
	}
	if (fd == -1) {
		if (err[0] != '\0')
			log_error(cfg, "--to %s: %s", cfg->relay.arg, err);
		else
			log_error(cfg, "--to %s: make a UDP socket: %s",
			    cfg->relay.arg, strerror(saved));
		freeaddrinfo(res);
		return -1;
	}
	close(fd);
	memcpy(&r->target, ai->ai_addr, ai->ai_addrlen);
	r->targetlen = ai->ai_addrlen;
	freeaddrinfo(res);
	addr_numeric((struct sockaddr *)&r->target, r->targetlen, text, &port);
	log_note(cfg, 1, "relaying datagrams to %s port %d", text, port);
	return 0;
}

/* Room for the mappings --max-conns allows, within reason. */
static size_t
buckets_for(long max_conns)
{
	size_t n = BUCKETS_MIN;

	while (n < BUCKETS_MAX && (long)n < max_conns)
		n *= 2;
	return n;
}

int
udprelay_run(const struct config *cfg, int fd, int port, struct tlog *log)
{
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	struct relay r;
	enum loop_end end;
	int status;

	memset(&r, 0, sizeof(r));
	r.cfg = cfg;
	r.log = tlog_active(log) ? log : NULL;
	r.fd = fd;
	r.port = port;
	r.connected = port == -1;
	r.one_shot = !r.connected && !cfg->keep_open;
	r.idle_ms = cli_idle_ms(cfg);
	/* Clients come and go unseen: memory needs a bound by default. */
	if (r.idle_ms == NO_LIMIT && !r.connected)
		r.idle_ms = UDPRELAY_IDLE_MS;
	/*
	 * The upstream sockets are connected from -s, as the TCP relay's
	 * are; -p and -r are the listener's port or the first leg's.
	 */
	r.up = *cfg;
	r.up.listen = false;
	r.up.scan = false;
	r.up.source_port = -1;
	r.up.random_port = false;
	r.quiet_since = clock_ms();
	loop_init(&r.loop);
	loop_io_set(&r.sock_w, fd, on_socket, &r);
	loop_timer_set(&r.wait_t, on_wait, &r);
	loop_hook_set(&r.hook, before_wait, &r);
	if (resolve_target(&r, &status) == -1) {
		r.status = status;
		goto out;
	}
	r.nbuckets = r.connected ? 1 : buckets_for(cfg->max_conns);
	if ((r.table = calloc(r.nbuckets, sizeof(*r.table))) == NULL ||
	    (r.slots = malloc((size_t)RECV_BATCH * DGRAM_SLOT)) == NULL ||
	    loop_io_start(&r.loop, &r.sock_w, POLLIN) == -1 ||
	    loop_hook_start(&r.loop, &r.hook) == -1 ||
	    (!r.connected && cfg->wait_ms != NO_LIMIT &&
	    loop_timer_start(&r.loop, &r.wait_t, r.quiet_since +
	    cfg->wait_ms) == -1)) {
		log_error(cfg, "allocate the relay table: %s", strerror(errno));
		r.status = EXIT_NET;
		goto out;
	}
	if (fd_set_nonblock(fd) == -1) {
		log_error(cfg, "make the UDP socket non-blocking: %s",
		    strerror(errno));
		r.status = EXIT_NET;
		goto out;
	}
	if (r.connected) {
		if (getpeername(fd, (struct sockaddr *)&peer, &plen) == -1) {
			log_error(cfg, "relay %s port %s: %s", cfg->host,
			    cfg->port_arg, strerror(errno));
			r.status = EXIT_NET;
			goto out;
		}
		if (map_open(&r, &peer) == NULL) {
			r.status = EXIT_NET;
			goto out;
		}
	}
	end = loop_run(&r.loop);
	if (end == LOOP_SIGNAL)
		stop_all(&r, END_SIGNAL, EXIT_NET);
	else if (end == LOOP_ERROR) {
		log_error(cfg, "poll: %s", strerror(errno));
		stop_all(&r, END_ERROR, EXIT_NET);
	} else
		stop_all(&r, END_DONE, r.status);
out:
	admit_dropped_note(cfg, &r.noted);
	loop_free(&r.loop);
	free(r.table);
	free(r.slots);
	return r.status;
}
