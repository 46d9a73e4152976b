/* link.c -- a link: two lanes between a socket and two ends, on a loop. */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "admit.h"
#include "buf.h"
#include "clock.h"
#include "expect.h"
#include "fdflags.h"
#include "log.h"
#include "link.h"
#include "sig.h"
#include "loop.h"
#include "lowat.h"
#include "progress.h"
#include "telnet.h"
#include "zerocopy.h"

/*
 * 128 KiB per direction: large enough to hold any UDP datagram whole and
 * to move bulk data in few syscalls, small enough to stay in cache.
 */
#define BUF_SIZE	(128 * 1024)

/*
 * Most bytes one splice/sendfile call asks for, and most moved per wakeup:
 * a whole enlarged pipe, a few times over, before poll(2) is asked again.
 */
#define ZC_CHUNK	(1024 * 1024)
#define ZC_BUDGET	(4 * ZC_CHUNK)

/* Room for telnet refusals; -t reads are capped to fit it. */
#define CTL_SIZE	4096

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL	0	/* SIGPIPE is ignored anyway */
#endif

/* How one direction moves its bytes. */
enum lane_mode {
	LANE_COPY,	/* read/write through the ring buffer: portable */
	LANE_DIRECT,	/* splice between a pipe and the socket, no buffer */
	LANE_VIA,	/* splice through an internal pipe: stdout a file */
	LANE_SENDFILE,	/* stdin a regular file: sendfile to the socket */
	LANE_DGRAMS,	/* UDP: datagrams received in batches */
};

/*
 * Batched UDP receive: each datagram lands whole in a slot of its own
 * (no datagram exceeds one), and is written out from there by writev(2).
 */
#define DGRAM_BATCH	32
#define DGRAM_SLOT	65536

struct dgrams {
	unsigned char	*slots;			/* DGRAM_BATCH * DGRAM_SLOT */
	struct iovec	 iov[DGRAM_BATCH];
	size_t		 len[DGRAM_BATCH];
	struct sockaddr_storage from[DGRAM_BATCH];	/* -u -l: senders */
	int		 count;			/* datagrams received */
	int		 next;			/* first not yet written out */
	size_t		 off;			/* bytes of that one written */
	size_t		 pending;		/* bytes not yet written out */
};

/*
 * A direction of the link: its two ends on the loop (the socket is watched
 * once in each lane, so each direction ends alone), what they reported
 * this round, and how it moves its bytes (LANE_COPY but on Linux).
 */
struct lane {
	struct loop_io	src, dst;	/* POLLIN on src, POLLOUT on dst */
	short		src_ev, dst_ev;	/* revents of the round just waited */
	enum lane_mode	mode;
	bool		dst_blocked;	/* DIRECT: the destination was full */
	int		pipe_rd, pipe_wr;	/* VIA: the internal pipe, only
					   while data is in flight; -1 */
	size_t		in_pipe;	/* VIA: bytes in the internal pipe */
	size_t		cap;		/* VIA, DIRECT: the pipe's size */
	bool		drain_by_copy;	/* VIA: stdout refused splice */
	bool		fill_broken;	/* VIA: the socket refused splice */
};

struct pump {
	const struct config	*cfg;
	const struct link_ends	*ends;
	struct loop		*loop;		/* the caller's */
	struct loop_hook	 round;		/* before a wait, after events */
	struct loop_timer	 deadline;	/* the round's earliest */
	link_done_fn		*done;		/* told once, at the end */
	void			*done_arg;
	bool			 ended;		/* done was called */
	struct buf		 to_net, to_out, ctl;
	struct telnet		 telnet;
	struct fdflags		 saved;		/* stdio flags to put back */
	struct lane		 up;		/* stdin to the socket */
	struct lane		 down;		/* the socket to stdout */
	struct dgrams		*dg;		/* LANE_DGRAMS only */
	struct lowat		 lowat;		/* bulk receive: fewer wakeups */

	/*
	 * -u -l -k: the latest sender, and the senders seen so far.  -u -l:
	 * peer is the sender it locked on to.  Both: the refused senders.
	 */
	struct sockaddr_storage	 peer;
	socklen_t		 peerlen;	/* 0: nobody has sent yet */
	struct sockaddr_storage	*seen;
	size_t			 nseen;
	struct admit_noted	*noted;		/* -u -l, -u -l -k only */

	/* --progress: the meter, its next redraw, and the file's size. */
	bool		 meter;
	bool		 meter_drawn;
	long long	 meter_next;
	long long	 started;
	long long	 in_size;

	bool	in_open;	/* stdin may still give data */
	bool	net_in_open;	/* the socket may still give data */
	bool	stdin_done;	/* stdin ended and all of it was sent */
	bool	stdin_gave;	/* stdin gave a byte: its EOF sends a FIN */
	bool	told_waiting;	/* -v: "peer closed; still sending" said */
	bool	out_closed;	/* stdout replaced after net EOF */
	bool	stdin_tty;
	bool	limit_reached;	/* -W */
	bool	cr_before;	/* -C: the last byte read from stdin was CR */
	bool	out_gone;	/* the reader of out_fd left: drop data */
	int	out_type;	/* out_fd's socket type; 0: not a socket */
	bool	write_shut;	/* shutdown(SHUT_WR) done */
	bool	net_failed;	/* socket error: err says it; flush stdout */
	bool	stdin_failed;	/* read error on stdin: err says it */
	bool	program_exited;	/* -e/-c: ends->program has exited */
	bool	matched;	/* --expect matched: receive no more */
	int	send_errno;	/* sending failed: the session's error */
	size_t	dgram_cap;	/* UDP: lowered after EMSGSIZE */
	unsigned long	packets;

	long long	idle_deadline;	/* -1: none */
	long long	quit_deadline;
	long long	next_line;	/* -i: when the next line may go */

	struct pump_stats	*stats;		/* &stats_mem */
	char			*err;		/* errbuf */
	size_t			 errlen;
	struct pump_stats	 stats_mem;
	char			 errbuf[LINK_ERRLEN];
};

/* The link its owner holds: the pump state is all of it. */
struct link {
	struct pump	 p;
};

static void	lane_to_copy(struct lane *);

static void
touch(struct pump *p)
{
	long idle = cli_idle_ms(p->cfg);

	if (idle != NO_LIMIT)
		p->idle_deadline = clock_ms() + idle;
}

static enum pump_result
fail(struct pump *p, enum pump_result r, const char *what, const char *obj,
    int errnum)
{
	snprintf(p->err, p->errlen, "%s %s: %s", what, obj, strerror(errnum));
	return r;
}

static bool
is_transient(int errnum)
{
	return errnum == EAGAIN || errnum == EWOULDBLOCK || errnum == EINTR;
}

/* Is data[i] an LF that -C must turn into CRLF (no CR before it)? */
static bool
bare_lf(const unsigned char *data, size_t i, bool cr_before)
{
	return data[i] == '\n' &&
	    !(i > 0 ? data[i - 1] == '\r' : cr_before);
}

/*
 * -C: turn each bare LF in data[0..n) into CRLF in place; data has room
 * for 2n.  An LF that already follows a CR is left alone, as OpenBSD nc
 * does; *cr_before carries the last byte's CR-ness across reads.
 */
static size_t
expand_crlf(unsigned char *data, size_t n, bool *cr_before)
{
	size_t lf = 0, i, j;
	bool first_cr = *cr_before;

	for (i = 0; i < n; i++)
		if (bare_lf(data, i, first_cr))
			lf++;
	if (n > 0)
		*cr_before = data[n - 1] == '\r';
	if (lf == 0)
		return n;
	/* Walk backwards so nothing is overwritten before it is moved. */
	for (i = n, j = n + lf; i > 0; ) {
		i--;
		data[--j] = data[i];
		if (bare_lf(data, i, first_cr))
			data[--j] = '\r';
	}
	return n + lf;
}

/* fd's socket type (SOCK_STREAM...), or 0 if it is not a socket. */
static int
socket_type(int fd)
{
	int type;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1)
		return 0;	/* ENOTSOCK */
	return type;
}

/* UDP: the largest payload a datagram to ss carries. */
static size_t
family_max(const struct sockaddr_storage *ss)
{
	size_t max = addr_udp_max(ss);

	return max != 0 ? max : BUF_SIZE;	/* Unix: as large as a read */
}

/*
 * UDP: the largest datagram to send now.  A connected socket's limit is
 * found once (dgram_cap); a -u -l -k listener sends to the latest sender,
 * whose family may change from one datagram to the next.
 */
static size_t
dgram_max(const struct pump *p)
{
	size_t max = p->dgram_cap;

	if (p->ends->udp_server && p->peerlen > 0 &&
	    family_max(&p->peer) < max)
		max = family_max(&p->peer);
	return max;
}

/* UDP, at the start: the connected peer's limit, if it has one. */
static size_t
dgram_start(const struct pump *p)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (!p->cfg->udp || p->ends->udp_server ||
	    getpeername(p->ends->net_fd, (struct sockaddr *)&ss, &len) == -1)
		return BUF_SIZE;
	return family_max(&ss);
}

static enum pump_result
read_stdin(struct pump *p)
{
	struct buf *b = &p->to_net;
	size_t room = buf_room(b);
	ssize_t n;

	/* UDP: a read of a stream (a file, a pipe) must fit a datagram. */
	if (p->cfg->udp && room > dgram_max(p))
		room = dgram_max(p);
	if (p->cfg->crlf)
		room /= 2;
	n = read(p->ends->in_fd, buf_tail(b), room);
	if (n > 0) {
		size_t got = (size_t)n;

		if (p->cfg->crlf)
			got = expand_crlf(buf_tail(b), got, &p->cr_before);
		b->len += got;
		p->stdin_gave = true;
		touch(p);
		return PUMP_DONE;
	}
	if (n == -1 && is_transient(errno))
		return PUMP_DONE;
	p->in_open = false;
	if (n == -1 && errno != EBADF) {
		/* Still deliver what the peer sends; report at the end. */
		(void)fail(p, PUMP_LOCAL_ERROR, "read from", p->ends->in_name,
		    errno);
		p->stdin_failed = true;
	}
	return PUMP_DONE;
}

/* How much of to_net may go now: with -i, up to the end of one line. */
static size_t
sendable(struct pump *p, bool *line_end)
{
	size_t span = buf_span(&p->to_net);
	unsigned char *nl;

	*line_end = false;
	if (p->cfg->interval_ms <= 0 || p->cfg->udp)
		return span;
	nl = memchr(p->to_net.data + p->to_net.head, '\n', span);
	if (nl == NULL)
		return span;
	*line_end = true;
	return (size_t)(nl - (p->to_net.data + p->to_net.head)) + 1;
}

/*
 * The socket failed: stop using it, but write what was already received
 * to stdout before the session ends with the error.
 */
static enum pump_result
net_failure(struct pump *p)
{
	p->net_failed = true;
	p->net_in_open = false;
	return PUMP_DONE;
}

/*
 * Sending failed (EPIPE, ECONNRESET...): send no more, but the peer may
 * have answered before it went, as a server that replies and closes
 * without reading all of a request does.  Its answer is in the socket:
 * the loop reads on while the socket has data ready (to EOF, once a
 * reset closed it), writes it out, and then ends with this error.
 */
static enum pump_result
send_failure(struct pump *p, int errnum)
{
	/* The socket failed for reading already: that error stands. */
	if (p->net_failed)
		return PUMP_DONE;
	(void)fail(p, PUMP_NET_ERROR, "write to", p->ends->peer, errnum);
	p->send_errno = errnum;
	p->net_failed = true;
	return PUMP_DONE;
}

static enum pump_result
write_net(struct pump *p)
{
	struct buf *b = p->ctl.len > 0 ? &p->ctl : &p->to_net;
	bool line_end = false;
	size_t want;
	ssize_t n;

	want = b == &p->ctl ? buf_span(b) : sendable(p, &line_end);
	/*
	 * UDP: one read of stdin is one datagram, sent whole; a read larger
	 * than the peer takes (its family changed, or EMSGSIZE) goes as
	 * several, in order.
	 */
	if (p->cfg->udp)
		want = b->len < dgram_max(p) ? b->len : dgram_max(p);
	if (p->ends->udp_server)
		n = sendto(p->ends->net_fd, b->data + b->head, want,
		    MSG_NOSIGNAL, (struct sockaddr *)&p->peer, p->peerlen);
	else
		n = send(p->ends->net_fd, b->data + b->head, want,
		    MSG_NOSIGNAL);
	if (n == -1) {
		if (is_transient(errno))
			return PUMP_DONE;
		/* A server goes on when one of its peers is gone. */
		if (p->ends->udp_server && errno == ECONNREFUSED)
			return PUMP_DONE;
		/* Too large for the path: smaller datagrams, nothing lost. */
		if (p->cfg->udp && errno == EMSGSIZE && want > 1) {
			p->dgram_cap = want / 2;
			return PUMP_DONE;
		}
		return send_failure(p, errno);
	}
	if (p->cfg->udp)
		n = (ssize_t)want;
	tlog_data(p->ends->log, '>', b->data + b->head, (size_t)n);
	buf_consume(b, (size_t)n);
	p->stats->sent += (unsigned long long)n;
	touch(p);
	if (p->cfg->interval_ms > 0 && b == &p->to_net &&
	    (p->cfg->udp || (line_end && (size_t)n == want)))
		p->next_line = clock_ms() + p->cfg->interval_ms;
	return PUMP_DONE;
}

/* Most senders a -u -l -k listener remembers for its -v lines. */
#define SEEN_MAX	4096

/*
 * -u -l -k: the sender of the latest datagram gets what stdin sends; -v
 * shows each sender the first time it is heard from.
 */
static void
note_sender(struct pump *p, const struct sockaddr_storage *from,
    socklen_t len)
{
	size_t i;

	p->peer = *from;
	p->peerlen = len;
	for (i = 0; i < p->nseen; i++)
		if (addr_same(&p->seen[i], from))
			return;
	if (p->seen == NULL &&
	    (p->seen = calloc(SEEN_MAX, sizeof(*p->seen))) == NULL)
		return;
	if (p->nseen < SEEN_MAX)
		p->seen[p->nseen++] = *from;
	log_accepted(p->cfg, p->ends->net_fd, (const struct sockaddr *)from,
	    len);
}

static enum pump_result
read_net(struct pump *p)
{
	struct buf *b = &p->to_out;
	size_t room = buf_room(b), replylen = 0;
	ssize_t n;

	/* -t reads only with ctl empty (set_down_interest()): it has room. */
	if (p->cfg->telnet && room > CTL_SIZE - 2)
		room = CTL_SIZE - 2;
	if (p->ends->udp_server || p->ends->udp_locked) {
		struct sockaddr_storage from;
		socklen_t len = sizeof(from);

		n = recvfrom(p->ends->net_fd, buf_tail(b), room, 0,
		    (struct sockaddr *)&from, &len);
		/* A refused datagram leaves no trace, not even on -w. */
		if (n >= 0 && admit_datagram(p->cfg, p->noted, &from, len,
		    p->ends->udp_locked ? &p->peer : NULL, -1, NULL) !=
		    ADMIT_OK)
			return PUMP_DONE;
		if (n >= 0 && p->ends->udp_server)
			note_sender(p, &from, len);
	} else
		n = recv(p->ends->net_fd, buf_tail(b), room, 0);
	if (n == -1) {
		if (is_transient(errno))
			return PUMP_DONE;
		/* ICMP for a reply to a peer that left: not ours to fail. */
		if (p->ends->udp_server && errno == ECONNREFUSED)
			return PUMP_DONE;
		(void)fail(p, PUMP_NET_ERROR, "read from", p->ends->peer,
		    errno);
		return net_failure(p);
	}
	if (n == 0 && !p->cfg->udp) {
		p->net_in_open = false;
		/* The last line is whole now: its $ may match. */
		p->matched = p->ends->expect != NULL &&
		    expect_eof(p->ends->expect);
		return PUMP_DONE;
	}
	p->stats->rcvd += (unsigned long long)n;
	tlog_data(p->ends->log, '<', buf_tail(b), (size_t)n);
	if (p->cfg->telnet) {
		n = (ssize_t)telnet_filter(&p->telnet, buf_tail(b), (size_t)n,
		    p->ctl.data, &replylen);
		/* After our FIN, refusals can no longer be sent. */
		p->ctl.len = p->write_shut ? 0 : replylen;
	}
	/* --expect sees what stdout gets; once it matches, read no more. */
	if (p->ends->expect != NULL &&
	    expect_feed(p->ends->expect, buf_tail(b), (size_t)n)) {
		p->matched = true;
		p->net_in_open = false;
	}
	/*
	 * --send-only, or nobody reads any more: what arrives is logged and
	 * counted, then dropped.
	 */
	if (!p->cfg->send_only && !p->out_gone)
		b->len += (size_t)n;
	touch(p);
	lowat_after_read(&p->lowat, (size_t)n);
	if (p->cfg->recv_limit != NO_LIMIT &&
	    ++p->packets >= (unsigned long)p->cfg->recv_limit) {
		p->limit_reached = true;
		p->net_in_open = false;
	}
	return PUMP_DONE;
}

/*
 * Writing out failed.  EPIPE is a reader that has finished, not a
 * failure: a program that exited without reading it all leaves the rest
 * to be dropped; stdout's reader (head(1), an ssh that closed its
 * ProxyCommand) ends the session, quietly, as it ends cat(1).
 */
static enum pump_result
out_failure(struct pump *p, int errnum)
{
	if (errnum != EPIPE)
		return fail(p, PUMP_LOCAL_ERROR, "write to", p->ends->out_name,
		    errnum);
	if (!p->ends->out_may_close)
		return PUMP_READER_GONE;
	p->out_gone = true;
	p->to_out.head = p->to_out.len = 0;
	if (p->dg != NULL) {
		p->dg->count = p->dg->next = 0;
		p->dg->pending = 0;
	}
	if (p->down.mode == LANE_VIA || p->down.mode == LANE_DIRECT) {
		p->down.in_pipe = 0;
		lane_to_copy(&p->down);
	}
	return PUMP_DONE;
}

static enum pump_result
write_stdout(struct pump *p)
{
	struct buf *b = &p->to_out;
	ssize_t n;

	n = write(p->ends->out_fd, b->data + b->head, buf_span(b));
	if (n == -1) {
		if (is_transient(errno))
			return PUMP_DONE;
		return out_failure(p, errno);
	}
	buf_consume(b, (size_t)n);
	touch(p);
	return PUMP_DONE;
}

/* Net EOF and everything written: let readers of stdout see EOF too. */
static void
close_stdout(struct pump *p)
{
	int fd;

	p->out_closed = true;
	if (!p->ends->close_out)
		return;
	/* A relay passes the socket's reset on itself: no FIN before it. */
	if (p->ends->in_peer && p->net_failed)
		return;
	/*
	 * A socket (inetd, Accept=yes: stdin is the same socket) is ended by
	 * a FIN; /dev/null on fd 1 would send nothing while fd 0 holds it.
	 * ENOTCONN: its peer has gone already, and needs no EOF.
	 */
	if (p->out_type != 0) {
		(void)shutdown(p->ends->out_fd, SHUT_WR);
		return;
	}
	fdflags_restore_one(&p->saved, p->ends->out_fd);
	/* dup2 keeps fd 1 valid, so nothing else can land on it. */
	if ((fd = open("/dev/null", O_WRONLY)) == -1)
		return;
	(void)dup2(fd, p->ends->out_fd);
	close(fd);
}

/*
 * stdin ended and all of it went out: send FIN, start the -q timer.
 * No request, no FIN (CLI.md rule 1): many netcats end their session on
 * our FIN, so an empty stdin, or -d, must not cut off what they send.
 */
static void
finish_stdin(struct pump *p)
{
	p->stdin_done = true;
	/* A relay's upstream was reset: the relay resets the client. */
	if (p->cfg->half_close && !p->cfg->udp &&
	    !(p->ends->in_peer && p->stdin_failed) &&
	    (p->stdin_gave || p->ends->fin_always)) {
		/* ENOTCONN: the peer is gone; net EOF or an error will tell. */
		(void)shutdown(p->ends->net_fd, SHUT_WR);
		p->write_shut = true;
	}
	if (p->cfg->quit_ms != NO_LIMIT)
		p->quit_deadline = clock_ms() + p->cfg->quit_ms;
}

/* Bytes received and not yet written out, in the buffer or the pipe. */
static size_t
out_pending(const struct pump *p)
{
	return p->to_out.len + p->down.in_pipe +
	    (p->dg != NULL ? p->dg->pending : 0);
}

/* Back to read/write for good; a VIA pipe goes once it is empty. */
static void
lane_to_copy(struct lane *l)
{
	if (l->mode == LANE_VIA && l->pipe_rd != -1) {
		close(l->pipe_rd);
		close(l->pipe_wr);
		l->pipe_rd = l->pipe_wr = -1;
	}
	l->mode = LANE_COPY;
	l->dst_blocked = false;
}

/* A socket error a splice reported: the session's network failure. */
static bool
is_net_error(int errnum)
{
	return errnum == ECONNRESET || errnum == ETIMEDOUT ||
	    errnum == ECONNREFUSED || errnum == EHOSTUNREACH ||
	    errnum == ENETUNREACH || errnum == ECONNABORTED;
}

/*
 * Can the bytes go by splice/sendfile?  Only when no option needs to see
 * or change them, and the transport keeps no datagram boundaries.
 */
static bool
zero_copy_allowed(const struct pump *p)
{
	const struct config *cfg = p->cfg;

	return !cfg->no_splice && !cfg->udp && !cfg->crlf && !cfg->telnet &&
	    cfg->interval_ms == 0 && p->ends->log == NULL &&
	    cfg->recv_limit == NO_LIMIT;
}

/*
 * A VIA lane's pipe, when it has data to move: a spare from the link's
 * pool, or a new one.  None to be had (EMFILE...): the lane copies from
 * now on, and this round moves nothing more (see ensure_buffers()).
 */
static int
lane_pipe(struct pump *p, struct lane *l)
{
	int fds[2];

	if (l->mode != LANE_VIA || l->pipe_rd != -1)
		return 0;
	if (zc_pool_get(p->ends->pipes, fds, &l->cap) == -1) {
		lane_to_copy(l);
		return -1;
	}
	l->pipe_rd = fds[0];
	l->pipe_wr = fds[1];
	return 0;
}

/*
 * A VIA lane's pipe, once empty, goes back to the pool, so an idle link
 * holds none; one holding bytes stays with its lane.  Without a pool the
 * lane keeps its pipe to the end.
 */
static void
lane_release(struct pump *p, struct lane *l)
{
	int fds[2];

	if (l->mode != LANE_VIA || l->pipe_rd == -1 || l->in_pipe > 0 ||
	    p->ends->pipes == NULL)
		return;
	fds[0] = l->pipe_rd;
	fds[1] = l->pipe_wr;
	zc_pool_put(p->ends->pipes, fds, l->cap);
	l->pipe_rd = l->pipe_wr = -1;
}

/*
 * Picks each direction's mode from what stdin and stdout are.  A VIA
 * lane gets its pipe when data comes (lane_pipe()); until then its cap
 * is what one is expected to hold.
 */
static void
choose_lanes(struct pump *p)
{
	const struct link_ends *e = p->ends;
	struct stat st;
	int fl;

	p->up.mode = p->down.mode = LANE_COPY;
	p->up.pipe_rd = p->up.pipe_wr = -1;
	p->down.pipe_rd = p->down.pipe_wr = -1;
	if (p->cfg->udp && !p->cfg->no_splice && e->log == NULL &&
	    e->expect == NULL &&
	    p->cfg->recv_limit == NO_LIMIT && !p->cfg->send_only &&
	    !e->udp_server) {
		if ((p->dg = calloc(1, sizeof(*p->dg))) != NULL &&
		    (p->dg->slots = malloc(DGRAM_BATCH * DGRAM_SLOT)) != NULL)
			p->down.mode = LANE_DGRAMS;
		return;
	}
	if (!zero_copy_allowed(p))
		return;
	if (e->in_fd >= 0 && fstat(e->in_fd, &st) == 0) {
		if (S_ISREG(st.st_mode))
			p->up.mode = LANE_SENDFILE;
		else if (S_ISFIFO(st.st_mode)) {
			/* A bigger pipe means fewer, larger splices. */
			(void)zc_grow_pipe(e->in_fd);
			p->up.mode = LANE_DIRECT;
		} else if (S_ISSOCK(st.st_mode) &&
		    socket_type(e->in_fd) == SOCK_STREAM) {
			/* Socket to socket: through a pipe of our own. */
			p->up.cap = ZC_CHUNK;
			p->up.mode = LANE_VIA;
		}
	}
	/* --expect must see what arrives: only sending stays zero-copy. */
	if (p->cfg->send_only || e->expect != NULL ||
	    fstat(e->out_fd, &st) == -1)
		return;
	if (S_ISFIFO(st.st_mode)) {
		p->down.cap = zc_grow_pipe(e->out_fd);
		p->down.mode = LANE_DIRECT;
		return;
	}
	/* splice(2) refuses O_APPEND files: >> stays on read/write. */
	fl = fcntl(e->out_fd, F_GETFL);
	if (fl == -1 || (fl & O_APPEND) ||
	    !(S_ISREG(st.st_mode) || (S_ISCHR(st.st_mode) &&
	    !isatty(e->out_fd)) || p->out_type == SOCK_STREAM))
		return;
	p->down.cap = ZC_CHUNK;
	p->down.mode = LANE_VIA;
}

/*
 * stdin to the socket by splice (stdin a pipe) or sendfile (a file).
 * from_src: stdin was readable, so EAGAIN means the socket is full.
 */
static enum pump_result
up_move(struct pump *p, bool from_src)
{
	struct lane *l = &p->up;
	size_t moved = 0;
	ssize_t n;

	while (moved < ZC_BUDGET) {
		n = l->mode == LANE_SENDFILE ?
		    zc_sendfile(p->ends->net_fd, p->ends->in_fd, ZC_CHUNK) :
		    zc_splice(p->ends->in_fd, p->ends->net_fd, ZC_CHUNK);
		if (n > 0) {
			moved += (size_t)n;
			p->stats->sent += (unsigned long long)n;
			p->stdin_gave = true;
			l->dst_blocked = false;
			if ((size_t)n == ZC_CHUNK)
				continue;
			/*
			 * A short move: the socket filled, or the file or
			 * pipe ran dry.  Asking again would only say EAGAIN
			 * (a syscall and a round wasted); what the pipe still
			 * holds tells which end to wait for.
			 */
			if (l->mode == LANE_DIRECT &&
			    zc_queued(p->ends->in_fd) > 0)
				l->dst_blocked = true;
			break;
		}
		if (n == 0) {
			p->in_open = false;
			break;
		}
		if (errno == EAGAIN) {
			if (moved == 0)
				l->dst_blocked = from_src ||
				    l->mode == LANE_SENDFILE;
			break;
		}
		if (errno == EINTR)
			break;
		if (errno == EPIPE || is_net_error(errno))
			return send_failure(p, errno);
		/* EINVAL, ENOSYS...: nothing moved; copy, which will tell. */
		lane_to_copy(l);
		break;
	}
	if (moved > 0)
		touch(p);
	return PUMP_DONE;
}

/* The socket straight into a stdout pipe. */
static enum pump_result
down_direct(struct pump *p, bool from_src)
{
	struct lane *l = &p->down;
	size_t moved = 0;
	ssize_t n;

	while (moved < ZC_BUDGET) {
		n = zc_splice(p->ends->net_fd, p->ends->out_fd, ZC_CHUNK);
		if (n > 0) {
			moved += (size_t)n;
			p->stats->rcvd += (unsigned long long)n;
			l->dst_blocked = false;
			continue;
		}
		if (n == 0) {
			p->net_in_open = false;
			break;
		}
		if (errno == EAGAIN) {
			if (moved == 0)
				l->dst_blocked = from_src;
			break;
		}
		if (errno == EINTR)
			break;
		if (errno == EPIPE)
			return out_failure(p, errno);
		if (is_net_error(errno)) {
			(void)fail(p, PUMP_NET_ERROR, "read from", p->ends->peer,
			    errno);
			return net_failure(p);
		}
		lane_to_copy(l);
		break;
	}
	if (moved > 0) {
		touch(p);
		lowat_after_read(&p->lowat, moved);
	}
	return PUMP_DONE;
}

/* The socket into the internal pipe, as far as it has room. */
static enum pump_result
down_fill(struct pump *p)
{
	struct lane *l = &p->down;
	ssize_t n;

	n = zc_splice(p->ends->net_fd, l->pipe_wr, l->cap - l->in_pipe);
	if (n > 0) {
		l->in_pipe += (size_t)n;
		p->stats->rcvd += (unsigned long long)n;
		touch(p);
		lowat_after_read(&p->lowat, (size_t)n);
	} else if (n == 0)
		p->net_in_open = false;
	else if (is_net_error(errno)) {
		(void)fail(p, PUMP_NET_ERROR, "read from", p->ends->peer, errno);
		return net_failure(p);
	} else if (errno != EAGAIN && errno != EINTR) {
		/* Copy from now on, once the pipe has been written out. */
		l->fill_broken = true;
		if (l->in_pipe == 0)
			lane_to_copy(l);
	}
	return PUMP_DONE;
}

/* The internal pipe out to stdout: splice, or read+write if refused. */
static enum pump_result
down_drain(struct pump *p)
{
	struct lane *l = &p->down;
	enum pump_result r = PUMP_DONE;
	ssize_t n;

	if (!l->drain_by_copy) {
		n = zc_splice(l->pipe_rd, p->ends->out_fd, l->in_pipe);
		if (n > 0) {
			l->in_pipe -= (size_t)n;
			touch(p);
		} else if (n == -1 && errno == EPIPE)
			return out_failure(p, errno);
		else if (n == -1 && errno != EAGAIN && errno != EINTR)
			l->drain_by_copy = true;
	}
	if (l->drain_by_copy) {
		/* Through the ring buffer: pipe to buffer, buffer out. */
		if (p->to_out.len == 0 && l->in_pipe > 0) {
			n = read(l->pipe_rd, p->to_out.data,
			    l->in_pipe < p->to_out.cap ? l->in_pipe :
			    p->to_out.cap);
			if (n > 0) {
				p->to_out.len = (size_t)n;
				l->in_pipe -= (size_t)n;
			}
		}
		if (p->to_out.len > 0)
			r = write_stdout(p);
	}
	if ((l->drain_by_copy || l->fill_broken) && l->in_pipe == 0)
		lane_to_copy(l);
	return r;
}

/* UDP: a batch of datagrams from the socket, each into its own slot. */
static enum pump_result
dgram_read(struct pump *p)
{
	struct dgrams *d = p->dg;
	int i, n, kept = 0;

	for (i = 0; i < DGRAM_BATCH; i++) {
		d->iov[i].iov_base = d->slots + (size_t)i * DGRAM_SLOT;
		d->iov[i].iov_len = DGRAM_SLOT;
	}
	n = zc_recv_batch(p->ends->net_fd, d->iov, d->len,
	    p->ends->udp_locked ? d->from : NULL, DGRAM_BATCH);
	if (n == -1) {
		if (is_transient(errno))
			return PUMP_DONE;
		if (errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP) {
			p->down.mode = LANE_COPY;	/* nothing was taken */
			return PUMP_DONE;
		}
		(void)fail(p, PUMP_NET_ERROR, "read from", p->ends->peer, errno);
		return net_failure(p);
	}
	d->count = n;
	d->next = 0;
	d->off = 0;
	d->pending = 0;
	for (i = 0; i < n; i++) {
		/* A refused one's slot is emptied: written as nothing. */
		if (p->ends->udp_locked && admit_datagram(p->cfg, p->noted,
		    &d->from[i], sizeof(d->from[i]), &p->peer, -1, NULL) !=
		    ADMIT_OK)
			d->len[i] = 0;
		else
			kept++;
		d->pending += d->len[i];
	}
	p->stats->rcvd += d->pending;
	if (p->out_gone) {
		d->count = 0;
		d->pending = 0;
	}
	if (kept > 0)
		touch(p);
	return PUMP_DONE;
}

/*
 * UDP to a stdout that keeps message boundaries (a SOCK_SEQPACKET or
 * SOCK_DGRAM socket): one write per datagram, each taken whole or not
 * at all, so each stays one message.
 */
static enum pump_result
dgram_write_each(struct pump *p)
{
	struct dgrams *d = p->dg;
	ssize_t n;

	for (; d->next < d->count; d->next++) {
		size_t len = d->len[d->next];

		if (len == 0)
			continue;	/* refused: see dgram_read() */
		n = write(p->ends->out_fd, d->iov[d->next].iov_base, len);
		if (n == -1) {
			if (is_transient(errno))
				break;
			return out_failure(p, errno);
		}
		d->pending -= len;
		touch(p);
	}
	return PUMP_DONE;
}

/* UDP: the received datagrams out to stdout in one writev(2). */
static enum pump_result
dgram_write(struct pump *p)
{
	struct dgrams *d = p->dg;
	struct iovec w[DGRAM_BATCH];
	int i, cnt = 0;
	ssize_t n;
	size_t left;

	if (p->out_type == SOCK_SEQPACKET || p->out_type == SOCK_DGRAM)
		return dgram_write_each(p);
	for (i = d->next; i < d->count; i++) {
		w[cnt].iov_base = d->iov[i].iov_base;
		w[cnt].iov_len = d->len[i];
		if (i == d->next) {
			w[cnt].iov_base = (unsigned char *)w[cnt].iov_base +
			    d->off;
			w[cnt].iov_len -= d->off;
		}
		cnt++;
	}
	n = writev(p->ends->out_fd, w, cnt);
	if (n == -1) {
		if (is_transient(errno))
			return PUMP_DONE;
		return out_failure(p, errno);
	}
	d->pending -= (size_t)n;
	for (left = (size_t)n; left > 0 && d->next < d->count; ) {
		size_t rest = d->len[d->next] - d->off;

		if (left < rest) {
			d->off += left;
			break;
		}
		left -= rest;
		d->next++;
		d->off = 0;
	}
	touch(p);
	return PUMP_DONE;
}

/*
 * -e/-c: has the program exited?  Asked without reaping it (WNOWAIT):
 * exec_wait() does that, for its status.  SIGCHLD wakes the loop.
 */
static bool
program_exited(struct pump *p)
{
	siginfo_t si;

	if (!p->program_exited && p->ends->program > 0) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)p->ends->program, &si,
		    WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid != 0)
			p->program_exited = true;
	}
	return p->program_exited;
}

/* The end-of-stream rules of CLI.md, in order.  True: the session ends. */
static bool
session_over(struct pump *p, enum pump_result *why)
{
	long long now;

	if (p->matched && out_pending(p) == 0) {
		*why = PUMP_MATCHED;
		return true;
	}
	if (p->net_failed && !p->net_in_open && out_pending(p) == 0) {
		*why = PUMP_NET_ERROR;
		return true;
	}
	if (p->limit_reached && out_pending(p) == 0) {
		*why = PUMP_LIMIT;
		return true;
	}
	/*
	 * UDP has no end of stream; with -e/-c the program's exit is the end
	 * (its output is all sent, and nobody reads what would come).
	 */
	if (p->cfg->udp && p->ends->out_may_close && p->stdin_done &&
	    out_pending(p) == 0) {
		*why = p->stdin_failed ? PUMP_LOCAL_ERROR : PUMP_DONE;
		return true;
	}
	/*
	 * A peer on in_fd failed (a relay's upstream, reset): all it sent
	 * has gone on, and nothing more can reach it.
	 */
	if (p->ends->in_peer && p->stdin_failed && p->stdin_done) {
		*why = PUMP_NET_ERROR;
		return true;
	}
	/*
	 * -e/-c: its output has all been sent and it takes no more input
	 * (it exited, or closed its stdin): the connection has nothing left
	 * to do, even if the peer keeps sending or --no-shutdown kept our
	 * side open.
	 */
	if (p->ends->program > 0 && p->stdin_done &&
	    (p->out_gone || program_exited(p))) {
		*why = p->stdin_failed ? PUMP_LOCAL_ERROR : PUMP_DONE;
		return true;
	}
	if (p->cfg->send_only && p->stdin_done) {
		*why = p->stdin_failed ? PUMP_LOCAL_ERROR : PUMP_DONE;
		return true;
	}
	if (!p->net_in_open && out_pending(p) == 0 &&
	    (p->stdin_done || p->stdin_tty || !p->cfg->read_stdin)) {
		*why = p->stdin_failed ? PUMP_LOCAL_ERROR : PUMP_DONE;
		return true;
	}
	now = clock_ms();
	if (p->quit_deadline >= 0 && now >= p->quit_deadline) {
		*why = PUMP_QUIT;
		return true;
	}
	if (p->idle_deadline >= 0 && now >= p->idle_deadline) {
		*why = PUMP_IDLE;
		return true;
	}
	return false;
}

/*
 * Rule 2: the peer closed and all it sent is written out, but the rest of
 * stdin still goes to it.  Every other netcat would exit here, so -v says
 * once why sockcat waits, and how not to.
 */
static void
note_still_sending(struct pump *p)
{
	if (p->told_waiting || p->net_in_open || out_pending(p) > 0 ||
	    p->stdin_done || p->net_failed || p->ends->program > 0 ||
	    p->cfg->send_only || p->ends->in_peer)	/* a relay: as usual */
		return;
	p->told_waiting = true;
	log_note(p->cfg, 1, "peer closed; still sending %s (use -d or "
	    "--recv-only to end at the peer's close)", p->ends->in_name);
}

/* Meter redraws per second, a few, as the issue of --progress asks. */
#define METER_MS	250

/* How often to look whether a -e/-c program that closed its output exited. */
#define EXIT_POLL_MS	200

/* --progress: draw the meter over its previous self. */
static void
draw_meter(struct pump *p, long long now)
{
	char line[PROGRESS_LINE];

	progress_line(line, p->stats->sent, p->stats->rcvd, p->in_size,
	    now - p->started);
	/* \r and erase-to-end-of-line: one line, redrawn in place. */
	fprintf(stderr, "\r%s\033[K", line);
	p->meter_drawn = true;
	p->meter_next = now + METER_MS;
}

/*
 * Ends the meter: on a terminal it is erased; in a log (--progress=always
 * to a file) its last state stays, on a line of its own.
 */
static void
end_meter(struct pump *p)
{
	if (!p->meter)
		return;
	if (isatty(STDERR_FILENO)) {
		if (p->meter_drawn)
			fputs("\r\033[K", stderr);
	} else {
		draw_meter(p, clock_ms());
		fputs("\n", stderr);
	}
}

/* The earliest deadline of the round (clock_ms()), -1 for none. */
static long long
next_deadline(const struct pump *p, bool waiting_for_line)
{
	long long d = -1;

	/* After a failed send: read what is there, never wait for more. */
	if (p->net_failed && p->down.src.events != 0)
		return 0;
	if (p->meter)
		d = p->meter_next;
	if (p->idle_deadline >= 0 && (d < 0 || p->idle_deadline < d))
		d = p->idle_deadline;
	if (p->quit_deadline >= 0 && (d < 0 || p->quit_deadline < d))
		d = p->quit_deadline;
	if (waiting_for_line && (d < 0 || p->next_line < d))
		d = p->next_line;
	/* -e/-c: its exit ends the session; SIGCHLD may come before poll. */
	if (p->ends->program > 0 && p->stdin_done && !p->program_exited &&
	    (d < 0 || clock_ms() + EXIT_POLL_MS < d))
		d = clock_ms() + EXIT_POLL_MS;
	/* A raised low-water mark must not hold back a pause's tail. */
	if (p->down.src.events != 0 && lowat_deadline(&p->lowat) >= 0 &&
	    (d < 0 || lowat_deadline(&p->lowat) < d))
		d = lowat_deadline(&p->lowat);
	return d;
}

static void
want(struct pump *p, struct loop_io *w, bool on, short events)
{
	loop_io_want(p->loop, w, on ? events : 0);
}

/* What stdin-to-socket waits for this round, by its mode. */
static void
set_up_interest(struct pump *p, bool waiting_for_line)
{
	const struct config *cfg = p->cfg;
	struct lane *l = &p->up;
	bool live = p->in_open && !p->net_failed && !p->write_shut;

	switch (l->mode) {
	case LANE_SENDFILE:
		/* A file is always readable: wait for the socket alone. */
		want(p, &l->src, false, POLLIN);
		want(p, &l->dst, live, POLLOUT);
		return;
	case LANE_DIRECT:
		want(p, &l->src, live && !l->dst_blocked, POLLIN);
		want(p, &l->dst, live && l->dst_blocked, POLLOUT);
		return;
	case LANE_VIA:
		want(p, &l->src, p->in_open && !p->net_failed &&
		    l->in_pipe < l->cap && !l->drain_by_copy &&
		    !l->fill_broken, POLLIN);
		want(p, &l->dst, !p->write_shut && !p->net_failed &&
		    (l->in_pipe > 0 || p->to_net.len > 0), POLLOUT);
		return;
	default:
		break;
	}
	/* A UDP server has nobody to send to until someone sends. */
	want(p, &l->src, p->in_open && !p->net_failed &&
	    (!p->ends->udp_server || p->peerlen > 0) &&
	    (cfg->udp ? p->to_net.len == 0 :
	    buf_room(&p->to_net) >= (cfg->crlf ? 2 : 1)), POLLIN);
	want(p, &l->dst, !p->write_shut &&
	    !p->net_failed && (p->ctl.len > 0 || (p->to_net.len > 0 &&
	    !waiting_for_line)), POLLOUT);
}

/* What socket-to-stdout waits for this round, by its mode. */
static void
set_down_interest(struct pump *p)
{
	const struct config *cfg = p->cfg;
	struct lane *l = &p->down;

	switch (l->mode) {
	case LANE_DIRECT:
		want(p, &l->src, p->net_in_open && !l->dst_blocked, POLLIN);
		want(p, &l->dst, p->net_in_open && l->dst_blocked, POLLOUT);
		return;
	case LANE_DGRAMS:
		want(p, &l->src, p->net_in_open && p->dg->pending == 0,
		    POLLIN);
		want(p, &l->dst, p->dg->pending > 0, POLLOUT);
		return;
	case LANE_VIA:
		want(p, &l->src, p->net_in_open && l->in_pipe < l->cap &&
		    !l->drain_by_copy && !l->fill_broken, POLLIN);
		want(p, &l->dst, out_pending(p) > 0, POLLOUT);
		return;
	default:
		break;
	}
	want(p, &l->src, p->net_in_open &&
	    (cfg->udp ? p->to_out.len == 0 : buf_room(&p->to_out) > 0) &&
	    (!cfg->telnet || p->ctl.len == 0), POLLIN);
	want(p, &l->dst, p->to_out.len > 0, POLLOUT);
}

/*
 * Socket to stdout: act on this round's events.  Any event, POLLHUP and
 * POLLERR included, is acted on: the call tells what happened.
 */
static enum pump_result
run_down(struct pump *p)
{
	short in = p->down.src_ev;
	short out = p->down.dst_ev;

	switch (p->down.mode) {
	case LANE_DGRAMS:
		if (out != 0) {
			enum pump_result r = dgram_write(p);

			if (r != PUMP_DONE)
				return r;
		}
		return in != 0 && p->dg->pending == 0 ? dgram_read(p) :
		    PUMP_DONE;
	case LANE_DIRECT:
		if (out != 0)
			return down_direct(p, false);
		return in != 0 ? down_direct(p, true) : PUMP_DONE;
	case LANE_VIA:
		if (out != 0) {
			enum pump_result r = down_drain(p);

			if (r != PUMP_DONE)
				return r;
		}
		if (in == 0 || p->down.mode != LANE_VIA ||
		    lane_pipe(p, &p->down) == -1)
			return PUMP_DONE;
		{
			enum pump_result r = down_fill(p);

			/*
			 * A file or /dev/null takes data at once: write what
			 * just came in now, and save a trip through poll().
			 */
			if (r == PUMP_DONE && p->down.mode == LANE_VIA &&
			    p->down.in_pipe > 0 && !p->down.drain_by_copy)
				r = down_drain(p);
			return r;
		}
	default:
		break;
	}
	if (out != 0) {
		enum pump_result r = write_stdout(p);

		if (r != PUMP_DONE)
			return r;
	}
	return in != 0 ? read_net(p) : PUMP_DONE;
}

/*
 * A socket on in_fd into the up lane's pipe, as far as it has room.  A
 * failure reads as read_stdin()'s: no more input, reported at the end.
 */
static enum pump_result
up_fill(struct pump *p)
{
	struct lane *l = &p->up;
	ssize_t n;

	n = zc_splice(p->ends->in_fd, l->pipe_wr, l->cap - l->in_pipe);
	if (n > 0) {
		l->in_pipe += (size_t)n;
		p->stdin_gave = true;
		touch(p);
	} else if (n == 0)
		p->in_open = false;
	else if (errno == EAGAIN || errno == EINTR)
		return PUMP_DONE;
	else if (is_net_error(errno)) {
		p->in_open = false;
		(void)fail(p, PUMP_LOCAL_ERROR, "read from", p->ends->in_name,
		    errno);
		p->stdin_failed = true;
	} else {
		/* Copy from now on, once the pipe has been sent. */
		l->fill_broken = true;
		if (l->in_pipe == 0)
			lane_to_copy(l);
	}
	return PUMP_DONE;
}

/* The up lane's pipe out to the socket: splice, or through to_net. */
static enum pump_result
up_drain(struct pump *p)
{
	struct lane *l = &p->up;
	enum pump_result r = PUMP_DONE;
	ssize_t n;

	if (!l->drain_by_copy && l->in_pipe > 0) {
		n = zc_splice(l->pipe_rd, p->ends->net_fd, l->in_pipe);
		if (n > 0) {
			l->in_pipe -= (size_t)n;
			p->stats->sent += (unsigned long long)n;
			touch(p);
		} else if (n == -1 && (errno == EPIPE || is_net_error(errno)))
			return send_failure(p, errno);
		else if (n == -1 && errno != EAGAIN && errno != EINTR)
			l->drain_by_copy = true;
	}
	if (l->drain_by_copy) {
		if (p->to_net.len == 0 && l->in_pipe > 0) {
			n = read(l->pipe_rd, p->to_net.data,
			    l->in_pipe < p->to_net.cap ? l->in_pipe :
			    p->to_net.cap);
			if (n > 0) {
				p->to_net.len = (size_t)n;
				l->in_pipe -= (size_t)n;
			}
		}
		if (p->to_net.len > 0)
			r = write_net(p);
	}
	if ((l->drain_by_copy || l->fill_broken) && l->in_pipe == 0)
		lane_to_copy(l);
	return r;
}

/* stdin to socket: act on this round's events. */
static enum pump_result
run_up(struct pump *p)
{
	short in = p->up.src_ev;
	short out = p->up.dst_ev;

	if (in & POLLNVAL) {
		p->in_open = false;
		return PUMP_DONE;
	}
	switch (p->up.mode) {
	case LANE_SENDFILE:
		return out != 0 ? up_move(p, false) : PUMP_DONE;
	case LANE_DIRECT:
		if (out != 0)
			return up_move(p, false);
		return in != 0 ? up_move(p, true) : PUMP_DONE;
	case LANE_VIA:
		if (out != 0)
			(void)up_drain(p);	/* a failure is noted in p */
		if (in == 0 || p->up.mode != LANE_VIA ||
		    lane_pipe(p, &p->up) == -1)
			return PUMP_DONE;
		(void)up_fill(p);
		/* The socket has room as a rule: save a trip through poll. */
		if (p->up.mode == LANE_VIA && p->up.in_pipe > 0 &&
		    !p->net_failed && !p->write_shut)
			return up_drain(p);
		return PUMP_DONE;
	default:
		break;
	}
	if (out != 0) {
		enum pump_result r = write_net(p);

		if (r != PUMP_DONE)
			return r;
	}
	return in != 0 ? read_stdin(p) : PUMP_DONE;
}

/*
 * What stdin held that never went, for CLI.md rule 3.  The zero-copy
 * lanes keep nothing in to_net: a file's unsent part is its size less
 * the offset sendfile reached, a pipe's what is waiting in it.  A
 * terminal's unread rest is nobody's unsent data.
 */
static void
count_unsent(struct pump *p)
{
	int fd = p->ends->in_fd;
	struct stat st;
	off_t at;

	p->stats->unsent = p->to_net.len + p->up.in_pipe;
	p->stats->stdin_unfinished = p->in_open && !p->stdin_tty;
	if (!p->stats->stdin_unfinished)
		return;
	if (p->up.mode == LANE_SENDFILE && fstat(fd, &st) == 0 &&
	    (at = lseek(fd, 0, SEEK_CUR)) != -1) {
		if (st.st_size > at)
			p->stats->unsent += (unsigned long long)(st.st_size -
			    at);
		else
			p->stats->stdin_unfinished = false;	/* all went */
	} else if (p->up.mode == LANE_DIRECT)
		p->stats->unsent += zc_queued(fd);
}

/* --progress: whether to show the meter, and the size to measure by. */
static void
start_extras(struct pump *p)
{
	struct stat st;

	p->started = clock_ms();
	p->meter = p->cfg->progress == PROGRESS_ALWAYS ||
	    (p->cfg->progress == PROGRESS_AUTO && isatty(STDERR_FILENO));
	p->meter_next = p->started + METER_MS;
	p->in_size = -1;
	if (p->meter && p->ends->in_fd >= 0 &&
	    fstat(p->ends->in_fd, &st) == 0 && S_ISREG(st.st_mode))
		p->in_size = (long long)st.st_size;
}

/*
 * The link's round hook runs only in rounds where one of its ends or its
 * deadline fired: idle links cost the loop nothing per round.  ENOMEM
 * (the loop's hook list) leaves nobody to run the link: it ends.
 */
static void
wake(struct pump *p)
{
	if (loop_hook_start(p->loop, &p->round) == -1)
		link_stop((struct link *)p, fail(p, PUMP_LOCAL_ERROR,
		    "allocate", "the event loop", errno));
}

/* An end of the link was ready: its lane acts on it in end_round(). */
static void
end_ready(struct loop *l, struct loop_io *w, short revents)
{
	struct pump *p = w->arg;

	(void)l;
	if (w == &p->up.src)
		p->up.src_ev = revents;
	else if (w == &p->up.dst)
		p->up.dst_ev = revents;
	else if (w == &p->down.src)
		p->down.src_ev = revents;
	else
		p->down.dst_ev = revents;
	wake(p);
}

/* The round's deadline came: the next round sees what is due. */
static void
deadline_due(struct loop *l, struct loop_timer *t)
{
	(void)l;
	wake(t->arg);
}

/*
 * After a wait: the lanes act on what their ends reported, the socket to
 * stdout first.  A socket that was watched and had nothing is idle.  (A
 * wait that SIGCHLD cut short reported nothing too: a raised mark drops
 * only at its deadline anyway, and a failed send's look, which does not
 * wait, is cut short only by a SIGCHLD pending as it starts.)
 */
static enum pump_result
end_round(struct pump *p)
{
	enum pump_result r;

	if (p->down.src.events != 0 && p->down.src_ev == 0) {
		/* A failed send's socket has nothing more for us. */
		if (p->net_failed)
			p->net_in_open = false;
		lowat_idle(&p->lowat);
	}
	if ((r = run_down(p)) == PUMP_DONE)
		r = run_up(p);
	lane_release(p, &p->down);
	lane_release(p, &p->up);
	p->up.src_ev = p->up.dst_ev = p->down.src_ev = p->down.dst_ev = 0;
	if (r == PUMP_DONE && p->meter && clock_ms() >= p->meter_next)
		draw_meter(p, clock_ms());
	return r;
}

/*
 * The ring buffers, on first use: a lane that splices or sends a file
 * never needs them (an idle relayed pair holds none), one that copies, or
 * falls back to copying, gets them before its first round of copying.
 * The round that falls back moves nothing more (see lane_to_copy()'s
 * callers), so the buffers are there when they are first used.
 */
static int
ensure_buffers(struct pump *p)
{
	bool up = (p->up.mode != LANE_SENDFILE && p->up.mode != LANE_DIRECT &&
	    p->up.mode != LANE_VIA) || p->up.drain_by_copy;
	bool down = p->down.mode == LANE_COPY || p->down.drain_by_copy;

	if (up && p->to_net.data == NULL &&
	    buf_init(&p->to_net, BUF_SIZE) == -1)
		return -1;
	if (down && p->to_out.data == NULL &&
	    buf_init(&p->to_out, BUF_SIZE) == -1)
		return -1;
	if (p->cfg->telnet && p->ctl.data == NULL &&
	    buf_init(&p->ctl, CTL_SIZE) == -1)
		return -1;
	return 0;
}

/*
 * Before a wait, in a round after one of the link's ends or its deadline
 * fired: end the round just waited, apply the end-of-stream rules, set
 * what the ends wait for, and until when.  Then the hook rests until the
 * next event.
 */
static void
next_round(struct loop *l, struct loop_hook *h)
{
	struct pump *p = h->arg;
	enum pump_result r;
	bool waiting_for_line;
	long long d;

	if ((r = end_round(p)) != PUMP_DONE)
		goto stop;
	if (sig_pending() != 0)
		return;		/* loop_run() ends with LOOP_SIGNAL */
	if (!p->in_open && !p->stdin_done && !p->net_failed &&
	    p->to_net.len == 0 && p->ctl.len == 0 && p->up.in_pipe == 0)
		finish_stdin(p);
	if (!p->net_in_open && out_pending(p) == 0 && !p->out_closed)
		close_stdout(p);
	if (session_over(p, &r))
		goto stop;
	note_still_sending(p);
	if (ensure_buffers(p) == -1) {
		r = fail(p, PUMP_LOCAL_ERROR, "allocate", "buffers", errno);
		goto stop;
	}

	waiting_for_line = p->to_net.len > 0 && p->ctl.len == 0 &&
	    p->next_line > clock_ms();
	set_up_interest(p, waiting_for_line);
	set_down_interest(p);
	if ((d = next_deadline(p, waiting_for_line)) < 0)
		loop_timer_stop(l, &p->deadline);
	else if (loop_timer_start(l, &p->deadline, d) == -1) {
		r = fail(p, PUMP_LOCAL_ERROR, "allocate", "the event loop",
		    errno);
		goto stop;
	}
	loop_hook_stop(l, h);
	return;
stop:
	link_stop((struct link *)p, r);
}

/* Stops every watcher of the link: it waits for nothing any more. */
static void
unwatch(struct pump *p)
{
	loop_io_stop(p->loop, &p->up.src);
	loop_io_stop(p->loop, &p->up.dst);
	loop_io_stop(p->loop, &p->down.src);
	loop_io_stop(p->loop, &p->down.dst);
	loop_timer_stop(p->loop, &p->deadline);
	loop_hook_stop(p->loop, &p->round);
}

void
link_stop(struct link *lk, enum pump_result r)
{
	struct pump *p = &lk->p;

	if (p->ended)
		return;
	p->ended = true;
	unwatch(p);
	/* A read after the failed send may have put its own error there. */
	if (r == PUMP_NET_ERROR && p->send_errno != 0)
		(void)fail(p, r, "write to", p->ends->peer, p->send_errno);
	count_unsent(p);
	if (p->noted != NULL)
		admit_dropped_note(p->cfg, p->noted);
	p->stats->heard = p->peerlen > 0;
	p->stats->net_failed = p->net_failed;
	end_meter(p);
	p->done(lk, r, p->stats, p->err, p->done_arg);
}

void
link_program_exited(struct link *lk)
{
	lk->p.program_exited = true;
	if (!lk->p.ended)
		wake(&lk->p);
}

/* Starts watching the ends, each lane's source and destination. */
static int
watch(struct pump *p)
{
	const struct link_ends *e = p->ends;
	struct loop *l = p->loop;

	loop_io_set(&p->up.src, e->in_fd, end_ready, p);
	loop_io_set(&p->up.dst, e->net_fd, end_ready, p);
	loop_io_set(&p->down.src, e->net_fd, end_ready, p);
	loop_io_set(&p->down.dst, e->out_fd, end_ready, p);
	loop_timer_set(&p->deadline, deadline_due, p);
	loop_hook_set(&p->round, next_round, p);
	if (loop_io_start(l, &p->up.src, 0) == -1 ||
	    loop_io_start(l, &p->up.dst, 0) == -1 ||
	    loop_io_start(l, &p->down.src, 0) == -1 ||
	    loop_io_start(l, &p->down.dst, 0) == -1 ||
	    loop_hook_start(l, &p->round) == -1) {
		(void)fail(p, PUMP_LOCAL_ERROR, "allocate", "the event loop",
		    errno);
		unwatch(p);
		return -1;
	}
	return 0;
}

struct link *
link_start(struct loop *l, const struct config *cfg,
    const struct link_ends *ends, link_done_fn *done, void *arg, char *err,
    size_t errlen)
{
	struct link *lk;
	struct pump *p;

	if ((lk = calloc(1, sizeof(*lk))) == NULL) {
		snprintf(err, errlen, "allocate a link: %s", strerror(errno));
		return NULL;
	}
	p = &lk->p;
	p->loop = l;
	p->cfg = cfg;
	p->ends = ends;
	p->done = done;
	p->done_arg = arg;
	p->stats = &p->stats_mem;
	p->err = p->errbuf;
	p->errlen = sizeof(p->errbuf);
	p->in_open = ends->in_fd >= 0;
	p->net_in_open = true;
	p->stdin_tty = ends->in_fd >= 0 && isatty(ends->in_fd);
	p->idle_deadline = p->quit_deadline = -1;
	p->next_line = 0;
	p->up.pipe_rd = p->up.pipe_wr = -1;
	p->down.pipe_rd = p->down.pipe_wr = -1;
	/* Never started, so link_free() leaves them be. */
	loop_io_set(&p->up.src, -1, end_ready, p);
	loop_io_set(&p->up.dst, -1, end_ready, p);
	loop_io_set(&p->down.src, -1, end_ready, p);
	loop_io_set(&p->down.dst, -1, end_ready, p);
	loop_timer_set(&p->deadline, deadline_due, p);
	loop_hook_set(&p->round, next_round, p);

	if (fdflags_nonblock(&p->saved, ends->in_fd) == -1 ||
	    fdflags_nonblock(&p->saved, ends->out_fd) == -1) {
		(void)fail(p, PUMP_LOCAL_ERROR, "set O_NONBLOCK on", "stdio",
		    errno);
		goto fail;
	}
	p->out_type = socket_type(ends->out_fd);
	if ((ends->udp_server || ends->udp_locked) &&
	    (p->noted = calloc(1, sizeof(*p->noted))) == NULL) {
		(void)fail(p, PUMP_LOCAL_ERROR, "allocate", "a link", errno);
		goto fail;
	}
	choose_lanes(p);
	if (ensure_buffers(p) == -1) {
		(void)fail(p, PUMP_LOCAL_ERROR, "allocate", "buffers", errno);
		goto fail;
	}
	p->dgram_cap = dgram_start(p);
	lowat_init(&p->lowat, ends->net_fd, p->down.mode == LANE_VIA ?
	    p->down.cap : p->down.mode == LANE_DIRECT ? p->down.cap / 2 :
	    p->down.mode == LANE_COPY ? BUF_SIZE : 0);
	start_extras(p);
	if (ends->udp_locked) {
		/* The sender next_client() locked on to: see read_net(). */
		socklen_t len = sizeof(p->peer);

		if (getpeername(ends->net_fd, (struct sockaddr *)&p->peer,
		    &len) == -1) {
			(void)fail(p, PUMP_NET_ERROR, "find the peer of",
			    ends->peer, errno);
			goto fail;
		}
	}
	touch(p);
	if (watch(p) == -1)
		goto fail;
	return lk;
fail:
	snprintf(err, errlen, "%s", p->err);
	p->ended = true;
	link_free(lk);
	return NULL;
}

void
link_free(struct link *lk)
{
	struct pump *p;

	if (lk == NULL)
		return;
	p = &lk->p;
	if (!p->ended) {
		p->ended = true;
		unwatch(p);
		end_meter(p);
	}
	/* An empty pipe goes back to the pool; one holding bytes is closed. */
	lane_release(p, &p->down);
	lane_release(p, &p->up);
	lane_to_copy(&p->down);
	lane_to_copy(&p->up);
	free(p->noted);
	if (p->dg != NULL)
		free(p->dg->slots);
	free(p->dg);
	free(p->seen);
	fdflags_restore(&p->saved);
	free(p->to_net.data);
	free(p->to_out.data);
	free(p->ctl.data);
	free(lk);
}
