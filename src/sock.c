/* sock.c -- TCP/UDP connect with timeout, listen/accept, UDP peer lock. */

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "fdflags.h"
#include "loop.h"
#include "sig.h"
#include "sock.h"

#ifdef __linux__
#include <linux/sockios.h>	/* SIOCOUTQ */
#endif

/* Linux values, for C libraries whose headers lack them. */
#if defined(__linux__) && !defined(IP_MINTTL)
#define IP_MINTTL		21
#endif
#if defined(__linux__) && !defined(IPV6_MINHOPCOUNT)
#define IPV6_MINHOPCOUNT	73
#endif

/* The receive buffer UDP sockets ask for unless -I says otherwise. */
#define UDP_RCVBUF		(4 * 1024 * 1024)

/* How many random source ports -r tries before giving up. */
#define RANDOM_PORT_TRIES	64

/* Makes fd non-blocking and close-on-exec. */
static int
set_fd_flags(int fd)
{
	int fl;

	if (fd_set_nonblock(fd) == -1)
		return -1;
	if ((fl = fcntl(fd, F_GETFD)) == -1 ||
	    fcntl(fd, F_SETFD, fl | FD_CLOEXEC) == -1)
		return -1;
	return 0;
}

void
sock_close_keep_errno(int fd)
{
	int saved = errno;

	close(fd);
	errno = saved;
}

int
sock_new(int family, int type, int protocol)
{
	int fd;

	if ((fd = socket(family, type, protocol)) == -1)
		return -1;
	if (set_fd_flags(fd) == -1) {
		sock_close_keep_errno(fd);
		return -1;
	}
	return fd;
}

static int
set_int(int fd, int level, int name, int value)
{
	return setsockopt(fd, level, name, &value, sizeof(value));
}

/* One socket option, with the message naming it on failure. */
static int
set_opt(int fd, int level, int name, int value, const char *what, char *err,
    size_t errlen)
{
	if (set_int(fd, level, name, value) == 0)
		return 0;
	snprintf(err, errlen, "set %s on socket: %s", what, strerror(errno));
	return -1;
}

/*
 * Applies -b -D -I -O -T -M -m --keepalive.  A dual-stack IPv6 socket also
 * carries IPv4 traffic, so it gets the IPv4 options too, where the system
 * takes them.
 */
static int
set_options(int fd, int family, const struct config *cfg, char *err,
    size_t errlen)
{
	if (cfg->broadcast && set_opt(fd, SOL_SOCKET, SO_BROADCAST, 1,
	    "SO_BROADCAST", err, errlen) == -1)
		return -1;
	if (cfg->so_debug && set_opt(fd, SOL_SOCKET, SO_DEBUG, 1,
	    "SO_DEBUG", err, errlen) == -1)
		return -1;
	if (cfg->keepalive && set_opt(fd, SOL_SOCKET, SO_KEEPALIVE, 1,
	    "SO_KEEPALIVE", err, errlen) == -1)
		return -1;
	if (cfg->rcvbuf != -1 && set_opt(fd, SOL_SOCKET, SO_RCVBUF,
	    (int)cfg->rcvbuf, "SO_RCVBUF", err, errlen) == -1)
		return -1;
	/*
	 * UDP drops what does not fit the receive buffer: ask for a deep one
	 * (the kernel caps it at net.core.rmem_max), so a burst waits for
	 * us instead of being lost.
	 */
	if (cfg->rcvbuf == -1 && cfg->udp)
		(void)set_int(fd, SOL_SOCKET, SO_RCVBUF, UDP_RCVBUF);
	if (cfg->sndbuf != -1 && set_opt(fd, SOL_SOCKET, SO_SNDBUF,
	    (int)cfg->sndbuf, "SO_SNDBUF", err, errlen) == -1)
		return -1;
	if (family == AF_INET6) {
		if (cfg->tos != -1) {
			if (set_opt(fd, IPPROTO_IPV6, IPV6_TCLASS, cfg->tos,
			    "IPV6_TCLASS", err, errlen) == -1)
				return -1;
			(void)set_int(fd, IPPROTO_IP, IP_TOS, cfg->tos);
		}
		if (cfg->ttl != -1) {
			if (set_opt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS,
			    cfg->ttl, "IPV6_UNICAST_HOPS", err, errlen) == -1)
				return -1;
			(void)set_int(fd, IPPROTO_IP, IP_TTL, cfg->ttl);
		}
#ifdef IPV6_MINHOPCOUNT
		if (cfg->min_ttl != -1) {
			if (set_opt(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT,
			    cfg->min_ttl, "IPV6_MINHOPCOUNT", err, errlen) == -1)
				return -1;
			(void)set_int(fd, IPPROTO_IP, IP_MINTTL, cfg->min_ttl);
		}
#endif
	} else {
		if (cfg->tos != -1 && set_opt(fd, IPPROTO_IP, IP_TOS,
		    cfg->tos, "IP_TOS", err, errlen) == -1)
			return -1;
		if (cfg->ttl != -1 && set_opt(fd, IPPROTO_IP, IP_TTL,
		    cfg->ttl, "IP_TTL", err, errlen) == -1)
			return -1;
#ifdef IP_MINTTL
		if (cfg->min_ttl != -1 && set_opt(fd, IPPROTO_IP, IP_MINTTL,
		    cfg->min_ttl, "IP_MINTTL", err, errlen) == -1)
			return -1;
#endif
	}
#if !defined(IP_MINTTL)
	if (cfg->min_ttl != -1) {
		snprintf(err, errlen, "-m is not supported on this system");
		errno = EOPNOTSUPP;
		return -1;
	}
#endif
	return 0;
}

/*
 * Waits until fd has events, at most timeout_ms (NO_LIMIT: forever).
 * Returns 1 when ready, or -1 with errno ETIMEDOUT, or EINTR when a
 * terminating signal is pending or, with wake_on_child, a child ended.
 */
static int
wait_fd(int fd, short events, long timeout_ms, bool wake_on_child)
{
	long long deadline = timeout_ms == NO_LIMIT ? -1 :
	    clock_ms() + timeout_ms;
	int n;

	for (;;) {
		if (sig_pending() != 0 ||
		    (wake_on_child && sig_child_exited())) {
			errno = EINTR;
			return -1;
		}
		/* A child that ends after the check above still wakes us. */
		if (wake_on_child)
			n = loop_wait_fd_child(fd, events,
			    clock_until(deadline));
		else
			n = loop_wait_fd(fd, events, clock_until(deadline));
		if (n > 0)
			return 1;
		if (n == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR && errno != EAGAIN)
			return -1;
	}
}

/* A random port from the range no system reserves: 1024-65535. */
static int
random_port(void)
{
	unsigned char b[2] = { 0, 0 };
	int fd;

	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) != -1) {
		if (read(fd, b, sizeof(b)) != (ssize_t)sizeof(b))
			b[0] = b[1] = 0;
		close(fd);
	}
	if (b[0] == 0 && b[1] == 0) {
		long long t = clock_ms() ^ (long long)getpid() << 8;

		b[0] = (unsigned char)t;
		b[1] = (unsigned char)(t >> 8);
	}
	return 1024 + (b[0] << 8 | b[1]) % (65536 - 1024);
}

/* Binds fd to -s/-p, or to a random port with -r. */
static int
bind_source(int fd, int family, const struct config *cfg, char *err,
    size_t errlen)
{
	/* With -z, -r shuffles the ports probed instead. */
	bool pick_random = cfg->random_port && !cfg->scan;
	struct addrinfo *res;
	int status, tries, port, rc;

	if (cfg->source == NULL && cfg->source_port == -1 && !pick_random)
		return 0;
	if (addr_resolve(cfg, cfg->source, cfg->source_port, family, true,
	    &res, err, errlen, &status) == -1) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	/* Lets a fixed source port be reused while in TIME_WAIT. */
	if (cfg->source_port != -1)
		(void)set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	tries = pick_random ? RANDOM_PORT_TRIES : 1;
	do {
		if (pick_random) {
			port = random_port();
			if (family == AF_INET6)
				((struct sockaddr_in6 *)(void *)res->ai_addr)->
				    sin6_port = htons((unsigned short)port);
			else
				((struct sockaddr_in *)(void *)res->ai_addr)->
				    sin_port = htons((unsigned short)port);
		}
		rc = bind(fd, res->ai_addr, res->ai_addrlen);
	} while (rc == -1 && errno == EADDRINUSE && --tries > 0);
	if (rc == -1) {
		int saved = errno;
		char text[ADDR_TEXTLEN];
		int bport;

		addr_numeric(res->ai_addr, res->ai_addrlen, text, &bport);
		snprintf(err, errlen, "bind to source %s port %d: %s", text,
		    bport, strerror(saved));
		errno = saved;
	}
	freeaddrinfo(res);
	return rc;
}

int
sock_prepare(const struct config *cfg, int family, int socktype, char *err,
    size_t errlen)
{
	int fd;

	err[0] = '\0';
	if ((fd = sock_new(family, socktype, 0)) == -1)
		return -1;
	/* A listener's -s and -p are its own address: sock_listen binds it. */
	if (set_options(fd, family, cfg, err, errlen) == -1 ||
	    (!cfg->listen && bind_source(fd, family, cfg, err, errlen) == -1)) {
		sock_close_keep_errno(fd);
		return -1;
	}
	return fd;
}

int
sock_connect(const struct config *cfg, const struct addrinfo *ai, char *err,
    size_t errlen)
{
	socklen_t len = sizeof(int);
	int fd, soerr = 0;

	if ((fd = sock_prepare(cfg, ai->ai_family, ai->ai_socktype, err,
	    errlen)) == -1)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EINTR)
		goto fail;
	if (wait_fd(fd, POLLOUT, cfg->wait_ms, false) == -1)
		goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		goto fail;
	if (soerr != 0) {
		errno = soerr;
		goto fail;
	}
	return fd;
fail:
	sock_close_keep_errno(fd);
	return -1;
}

/* One listening socket on sa; v6only: -1 leave, 0 dual-stack, 1 v6 only. */
static int
listen_on(const struct config *cfg, const struct sockaddr *sa,
    socklen_t salen, int v6only, char *err, size_t errlen)
{
	int fd;

	if ((fd = sock_prepare(cfg, sa->sa_family, cfg->udp ? SOCK_DGRAM :
	    SOCK_STREAM, err, errlen)) == -1)
		return -1;
	if (set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1) == -1)
		goto fail;
	if (sa->sa_family == AF_INET6 && v6only != -1 &&
	    set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, v6only) == -1)
		goto fail;
	if (bind(fd, sa, salen) == -1)
		goto fail;
	/*
	 * A deep backlog lets -k serve bursts of clients; a one-shot
	 * listener closes the socket after its first accept, which refuses
	 * whoever else queued.
	 */
	if (!cfg->udp && listen(fd, 128) == -1)
		goto fail;
	return fd;
fail:
	sock_close_keep_errno(fd);
	return -1;
}

/* The wildcard listener: dual-stack unless -4/-6 says otherwise. */
static int
listen_any(const struct config *cfg, struct sockaddr_storage *bound,
    char *err, size_t errlen)
{
	struct sockaddr_in6 s6;
	struct sockaddr_in s4;
	int fd;

	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	s6.sin6_addr = in6addr_any;
	s6.sin6_port = htons((unsigned short)cfg->port);
	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	s4.sin_addr.s_addr = htonl(INADDR_ANY);
	s4.sin_port = htons((unsigned short)cfg->port);

	if (cfg->family != FAMILY_INET) {
		fd = listen_on(cfg, (struct sockaddr *)&s6, sizeof(s6),
		    cfg->family == FAMILY_INET6 ? 1 : 0, err, errlen);
		if (fd != -1 || cfg->family == FAMILY_INET6 || err[0] != '\0')
			goto done;
		/* No IPv6 on this host: plain IPv4 still serves. */
		if (errno != EAFNOSUPPORT && errno != EADDRNOTAVAIL &&
		    errno != EPROTONOSUPPORT)
			goto done;
	}
	fd = listen_on(cfg, (struct sockaddr *)&s4, sizeof(s4), -1, err,
	    errlen);
done:
	if (fd != -1) {
		socklen_t len = sizeof(*bound);

		if (getsockname(fd, (struct sockaddr *)bound, &len) == -1) {
			sock_close_keep_errno(fd);
			return -1;
		}
	}
	return fd;
}

int
sock_listen(const struct config *cfg, struct sockaddr_storage *bound,
    char *err, size_t errlen)
{
	struct addrinfo *res, *ai;
	socklen_t len;
	int fd = -1, status, saved = 0;

	err[0] = '\0';
	if (cfg->host == NULL)
		return listen_any(cfg, bound, err, errlen);
	if (addr_resolve(cfg, cfg->host, cfg->port, AF_UNSPEC, true, &res,
	    err, errlen, &status) == -1) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = listen_on(cfg, ai->ai_addr, ai->ai_addrlen,
		    cfg->family == FAMILY_INET6 ? 1 : -1, err, errlen);
		if (fd != -1)
			break;
		saved = errno;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		errno = saved;
		return -1;
	}
	len = sizeof(*bound);
	if (getsockname(fd, (struct sockaddr *)bound, &len) == -1) {
		sock_close_keep_errno(fd);
		return -1;
	}
	return fd;
}

int
sock_adopt(const struct config *cfg, int fd, struct sockaddr_storage *bound,
    char *err, size_t errlen)
{
	socklen_t len = sizeof(*bound);

	err[0] = '\0';
	memset(bound, 0, sizeof(*bound));
	if (getsockname(fd, (struct sockaddr *)bound, &len) == -1 ||
	    set_fd_flags(fd) == -1)
		return -1;
	if (bound->ss_family != AF_UNIX &&
	    set_options(fd, bound->ss_family, cfg, err, errlen) == -1)
		return -1;
	return fd;
}

void
sock_udp_unlock(int fd)
{
	struct sockaddr sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNSPEC;
	(void)connect(fd, &sa, sizeof(sa));
}

int
sock_accept(const struct config *cfg, int lfd, long timeout_ms,
    struct sockaddr_storage *peer, socklen_t *peerlen, char *err,
    size_t errlen)
{
	int fd;

	err[0] = '\0';
	for (;;) {
		if (wait_fd(lfd, POLLIN, timeout_ms, true) == -1)
			return -1;
		if ((fd = sock_accept_now(cfg, lfd, peer, peerlen, err,
		    errlen)) != -1 || err[0] != '\0')
			return fd;
		/* The client may have gone between poll and accept. */
		if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != ECONNABORTED && errno != EINTR)
			return -1;
	}
}

int
sock_accept_now(const struct config *cfg, int lfd,
    struct sockaddr_storage *peer, socklen_t *peerlen, char *err,
    size_t errlen)
{
	int fd;

	err[0] = '\0';
	*peerlen = sizeof(*peer);
	if ((fd = accept(lfd, (struct sockaddr *)peer, peerlen)) == -1)
		return -1;
	if (set_fd_flags(fd) == -1 ||
	    set_options(fd, peer->ss_family, cfg, err, errlen) == -1) {
		sock_close_keep_errno(fd);
		return -1;
	}
	return fd;
}

int
sock_spare_open(void)
{
	return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

int
sock_shed_client(int lfd, int spare)
{
	int fd;

	if (spare != -1)
		close(spare);
	if ((fd = accept(lfd, NULL, NULL)) != -1)
		close(fd);
	return sock_spare_open();
}

int
sock_udp_peek(int fd, long timeout_ms, struct sockaddr_storage *peer,
    socklen_t *peerlen)
{
	unsigned char byte;

	for (;;) {
		if (wait_fd(fd, POLLIN, timeout_ms, true) == -1)
			return -1;
		*peerlen = sizeof(*peer);
		/* Peek: the datagram itself is data for the pump. */
		if (recvfrom(fd, &byte, sizeof(byte), MSG_PEEK,
		    (struct sockaddr *)peer, peerlen) != -1)
			return 0;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -1;
	}
}

void
sock_udp_drop(int fd)
{
	unsigned char byte;

	(void)recv(fd, &byte, sizeof(byte), 0);
}

/*
 * Bytes of ours the peer has not yet acknowledged, or -1 where the system
 * cannot tell (then only the peer's close or the grace ends the wait).
 */
static long
unacked_bytes(int fd)
{
#ifdef SIOCOUTQ
	int n;

	if (ioctl(fd, SIOCOUTQ, &n) == 0)
		return n;
#else
	(void)fd;
#endif
	return -1;
}

/*
 * Reads and drops what is queued on fd, at most a round's worth so that a
 * peer sending without pause cannot keep us here.  Returns 1 when all was
 * read, 0 once the peer has sent its FIN, -1 when the socket failed.
 */
static int
discard_input(int fd)
{
	unsigned char scrap[16384];
	ssize_t n;
	int rounds = 64;	/* 1 MiB, then look at the send queue again */

	while (rounds-- > 0) {
		n = recv(fd, scrap, sizeof(scrap), MSG_DONTWAIT);
		if (n > 0)
			continue;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0)
			return 0;	/* the peer sent its FIN */
		return errno == EAGAIN || errno == EWOULDBLOCK ? 1 : -1;
	}
	return 1;
}

/*
 * One look at a closing socket: done (closed, and done called) once the
 * peer has taken all we sent, has closed, the grace ran out without
 * progress, or a terminating signal came; else waits for input, or
 * CLOSE_LOOK_MS to see the queue shrink.
 */
#define CLOSE_LOOK_MS	50

static void	closing_look(struct sock_closing *c);

static void
closing_input(struct loop *l, struct loop_io *w, short revents)
{
	(void)l;
	(void)revents;
	closing_look(w->arg);
}

static void
closing_timer(struct loop *l, struct loop_timer *t)
{
	(void)l;
	closing_look(t->arg);
}

static void
closing_done(struct sock_closing *c)
{
	struct linger lg = { 1, 0 };

	loop_io_stop(c->loop, &c->io);
	loop_timer_stop(c->loop, &c->timer);
	if (c->reset)
		(void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg,
		    sizeof(lg));
	close(c->fd);
	c->fd = -1;
	if (c->done != NULL)
		c->done(c, c->arg);
}

static void
closing_look(struct sock_closing *c)
{
	long left;
	int in;

	/* All we sent has arrived: a reset can no longer cost any. */
	if ((left = unacked_bytes(c->fd)) == 0 || sig_pending() != 0) {
		closing_done(c);
		return;
	}
	in = loop_io_active(&c->io) ? discard_input(c->fd) : 0;
	/*
	 * A peer that has sent its FIN may still be reading: a FIN of ours
	 * (no data left unread) loses nothing, but our reset would throw
	 * away what it has not taken yet, so the reset waits for the queue,
	 * looking every CLOSE_LOOK_MS, no longer for input (always ready).
	 */
	if (in == -1 || (in == 0 && !c->reset)) {
		closing_done(c);
		return;
	}
	if (in == 0)
		loop_io_stop(c->loop, &c->io);
	if (left != c->last) {	/* progress: the grace starts again */
		c->last = left;
		c->deadline = clock_ms() + c->grace_ms;
	}
	if (clock_until(c->deadline) == 0 ||
	    loop_timer_start(c->loop, &c->timer, clock_ms() +
	    CLOSE_LOOK_MS < c->deadline ? clock_ms() + CLOSE_LOOK_MS :
	    c->deadline) == -1)
		closing_done(c);
}

static int
closing_begin(struct loop *l, struct sock_closing *c, int fd,
    long grace_ms, void (*done)(struct sock_closing *, void *), void *arg,
    bool reset)
{
	struct sockaddr_storage self;
	socklen_t len = sizeof(self);
	int type = 0;
	socklen_t tlen = sizeof(type);

	c->loop = l;
	c->fd = fd;
	c->grace_ms = grace_ms;
	c->deadline = clock_ms() + grace_ms;
	c->last = -1;
	c->done = NULL;
	c->arg = arg;
	c->reset = false;
	loop_io_set(&c->io, fd, closing_input, c);
	loop_timer_set(&c->timer, closing_timer, c);
	/*
	 * Only TCP loses data this way: a Unix socket's data is already in
	 * the peer's queue, and a datagram is sent or not.
	 */
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) == -1 ||
	    type != SOCK_STREAM ||
	    getsockname(fd, (struct sockaddr *)&self, &len) == -1 ||
	    (self.ss_family != AF_INET && self.ss_family != AF_INET6)) {
		closing_done(c);
		return 1;
	}
	/* Without a FIN, the reset is the only end the peer sees. */
	c->reset = reset;
	if ((!reset && shutdown(fd, SHUT_WR) == -1) ||
	    loop_io_start(l, &c->io, POLLIN) == -1) {
		closing_done(c);
		return 1;
	}
	closing_look(c);
	if (c->fd == -1)
		return 1;
	c->done = done;
	return 0;
}

int
sock_closing_start(struct loop *l, struct sock_closing *c, int fd,
    long grace_ms, void (*done)(struct sock_closing *, void *), void *arg)
{
	return closing_begin(l, c, fd, grace_ms, done, arg, false);
}

int
sock_reset_after_send_start(struct loop *l, struct sock_closing *c, int fd,
    long grace_ms, void (*done)(struct sock_closing *, void *), void *arg)
{
	return closing_begin(l, c, fd, grace_ms, done, arg, true);
}

void
sock_closing_abort(struct sock_closing *c)
{
	if (c->fd == -1)
		return;
	c->done = NULL;
	closing_done(c);
}

static void
closed_stop(struct sock_closing *c, void *arg)
{
	(void)arg;
	loop_stop(c->loop);
}

/* The blocking close: the same, on a loop of its own. */
void
sock_close_after_send(int fd, long grace_ms)
{
	struct sock_closing c;
	struct loop l;

	loop_init(&l);
	if (sock_closing_start(&l, &c, fd, grace_ms, closed_stop,
	    NULL) == 0 && loop_run(&l) != LOOP_STOPPED)
		closing_done(&c);	/* a signal, or poll(2) failed */
	loop_free(&l);
}
