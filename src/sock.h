/* sock.h -- TCP/UDP connect with timeout, listen/accept, UDP peer lock. */
#ifndef SOCKCAT_SOCK_H
#define SOCKCAT_SOCK_H

#include <sys/socket.h>

#include <netdb.h>
#include <stddef.h>

#include "cli.h"
#include "loop.h"

/*
 * Every function here returns a descriptor or 0 on success.  On failure
 * it returns -1 with errno set: ETIMEDOUT when a -w limit ran out, EINTR
 * when a terminating signal arrived (see sig_pending()).  When the
 * failure is not the operation itself (a socket option, a source bind),
 * err holds a one-line reason; otherwise err is an empty string and the
 * caller words the message from errno.  Descriptors returned are
 * non-blocking and close-on-exec; the caller owns and closes them.
 */

/*
 * A new socket, non-blocking and close-on-exec, or -1 with errno set.
 * Bare: IP sockets come from sock_prepare; this is for Unix sockets.
 */
int	sock_new(int family, int type, int protocol);

/*
 * The one place an IP socket is made: a new socket of family and socktype
 * (non-blocking, close-on-exec) with every socket option of cfg (-b -D -I
 * -O -T -M -m --keepalive) and, when connecting or probing, bound to the
 * source of -s, -p or -r (-r only without -z, where it shuffles the
 * ports).  A listener binds its own address (sock_listen).
 */
int	sock_prepare(const struct config *cfg, int family, int socktype,
	    char *err, size_t errlen);

/* Closes fd keeping errno, so the caller still sees the first failure. */
void	sock_close_keep_errno(int fd);

/*
 * Ends a session's stream socket without losing what was sent: sends the
 * FIN behind the queued data, then reads and discards until the peer has
 * taken all of it (or closed), so unread input never turns the close into
 * a reset that throws our unsent data away.  Gives up after grace_ms
 * without progress, or at once when a terminating signal arrives.
 * Closes fd in every case; other socket types are just closed.
 */
void	sock_close_after_send(int fd, long grace_ms);

/*
 * The same on a loop: c is the caller's until done(c, arg) is called,
 * with fd closed.  Returns 1 when it was over at once (fd closed, done
 * not called), else 0.  A terminating signal ends it at the next look.
 */
struct sock_closing {
	struct loop	*loop;
	int		 fd;		/* -1 once closed */
	struct loop_io	 io;		/* input to discard */
	struct loop_timer timer;	/* the next look at the send queue */
	long		 grace_ms;
	long long	 deadline;
	long		 last;		/* unacknowledged bytes last seen */
	void		(*done)(struct sock_closing *, void *);
	void		*arg;
	bool		 reset;		/* end with a RST, not a FIN */
};

int	sock_closing_start(struct loop *l, struct sock_closing *c, int fd,
	    long grace_ms, void (*done)(struct sock_closing *, void *),
	    void *arg);

/*
 * The same, but the end is a reset (SO_LINGER 0) sent once the peer has
 * taken all we sent, or when the grace runs out without progress: a
 * relay passing on the other side's reset, so that a cut-off transfer
 * does not read as complete.  No FIN goes before it.  Other socket types
 * (a Unix socket has no reset) are just closed.
 */
int	sock_reset_after_send_start(struct loop *l, struct sock_closing *c,
	    int fd, long grace_ms,
	    void (*done)(struct sock_closing *, void *), void *arg);

/*
 * Ends a closing in progress at once (the loop is going away): fd is
 * closed, with a reset if that was the plan; done is not called.
 */
void	sock_closing_abort(struct sock_closing *c);

/*
 * Connects to ai with cfg's socket options and source address/port,
 * waiting at most cfg->wait_ms.
 */
int	sock_connect(const struct config *cfg, const struct addrinfo *ai,
	    char *err, size_t errlen);

/*
 * Opens the listening socket (TCP: listening; UDP: bound) for cfg:
 * cfg->host or the dual-stack wildcard, port cfg->port.  Its address goes
 * to *bound.
 */
int	sock_listen(const struct config *cfg, struct sockaddr_storage *bound,
	    char *err, size_t errlen);

/*
 * Takes over fd, a listening (TCP, Unix) or bound (UDP) socket someone
 * else made, as systemd passes one: makes it non-blocking and
 * close-on-exec, gives an IP socket cfg's socket options as sock_prepare
 * does, and puts its address in *bound.  Returns fd.
 */
int	sock_adopt(const struct config *cfg, int fd,
	    struct sockaddr_storage *bound, char *err, size_t errlen);

/*
 * Undoes the connect() with which a one-shot datagram listener locked on
 * to its first sender, so whoever gets the socket next (systemd) hears
 * from everyone again.
 */
void	sock_udp_unlock(int fd);

/*
 * Accepts one connection on lfd, waiting at most timeout_ms (NO_LIMIT:
 * forever), with cfg's socket options applied.  The peer's address goes
 * to *peer and *peerlen.  Also returns -1 with errno EINTR when a child
 * ended (see sig_child_exited), so the caller can reap it.
 */
int	sock_accept(const struct config *cfg, int lfd, long timeout_ms,
	    struct sockaddr_storage *peer, socklen_t *peerlen, char *err,
	    size_t errlen);

/*
 * The accept(2) of sock_accept() alone, for a listener on the loop that
 * saw lfd ready: -1 with errno (EAGAIN: the client went), or with a
 * reason in err when the socket options failed.
 */
int	sock_accept_now(const struct config *cfg, int lfd,
	    struct sockaddr_storage *peer, socklen_t *peerlen, char *err,
	    size_t errlen);

/*
 * A spare descriptor (/dev/null) a listener keeps for the day accept()
 * fails with EMFILE or ENFILE: then sock_shed_client() spends it to take
 * the waiting client off the queue and close it, so the listener neither
 * spins on a queue it cannot empty nor dies.  Returns the spare or -1.
 */
int	sock_spare_open(void);

/*
 * Closes spare, accepts and closes one client of lfd, and opens a new
 * spare, which it returns (-1 if none could be had).
 */
int	sock_shed_client(int lfd, int spare);

/*
 * Waits at most timeout_ms for a datagram on the bound socket fd and
 * tells its sender, leaving the datagram queued for the pump.  The caller
 * then connect()s fd to the sender to talk to that peer only.  Also
 * returns -1 with errno EINTR when a child ended (see sig_child_exited).
 */
int	sock_udp_peek(int fd, long timeout_ms, struct sockaddr_storage *peer,
	    socklen_t *peerlen);

/* Discards the next datagram on fd (one from a refused sender). */
void	sock_udp_drop(int fd);

#endif
