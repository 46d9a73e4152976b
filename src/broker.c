/* broker.c -- --broker and --chat: relay between many clients, one loop. */

#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "admit.h"
#include "broker.h"
#include "buf.h"
#include "clock.h"
#include "fdflags.h"
#include "log.h"
#include "loop.h"
#include "sock.h"

/*
 * The data each member's queue may hold; a sender is read only while every
 * receiver has room for what it could send.  --chat announcements never
 * wait, so they may take a queue past this (see before_wait()).
 */
#define QUEUE_SIZE	(64 * 1024)

/* Bytes read from one member per turn; small, so chat framing fits. */
#define CHUNK		1024

/* Member slots to start with; the table doubles as clients join. */
#define FIRST_SLOTS	8

/* No receiver at all: room_for()'s answer. */
#define NO_RECEIVER	SIZE_MAX

/* A timer's deadline while it must not run. */
#define NEVER		LLONG_MAX

#define NICKLEN		24
#define PEERLEN		(ADDR_TEXTLEN + 16)

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL	0	/* SIGPIPE is ignored anyway */
#endif

/* One participant: a client socket, or the local stdin/stdout. */
struct member {
	struct broker	*b;
	bool		 active;
	bool		 local;		/* stdin/stdout rather than a socket */
	bool		 in_open;	/* a client: until its end of stream */
	bool		 out_open;
	bool		 broken;	/* its queue could not grow: drop it */
	bool		 held;		/* not read: the others have no room */
	int		 in_fd, out_fd;
	struct loop_io	 io;		/* the socket, or stdin */
	struct loop_io	 out;		/* stdout: the local member only */
	struct loop_timer idle;		/* a client, with an idle limit */
	struct buf	 queue;		/* from joining */
	long long	 last;		/* data last moved, with an idle limit */
	struct chat_state chat;		/* --chat framing */
	char		 nick[NICKLEN];
	char		 who[PEERLEN];	/* "ADDR port N", for -v notes */
};

struct broker {
	const struct config	*cfg;
	struct loop		 loop;
	struct loop_io		 listener;
	struct loop_hook	 before_wait;
	struct loop_timer	 quiet;		/* -w with no client */
	int			 lfd;
	struct tlog		*log;
	/* [0] local, then clients; each stays put: the loop has its watchers */
	struct member		**members;
	size_t			 nmembers, cap;	/* slots, grown on demand */
	long			 clients;
	bool			 served;	/* some client has joined */
	long long		 quiet_since;	/* since when no client, -w */
	long			 idle_ms;	/* --idle-timeout or -w */
	unsigned long		 next_user;
	unsigned char		*chunk, *framed;
	size_t			 framed_cap;
	struct fdflags		 saved;
	int			 spare;		/* spent on EMFILE */
	int			 status;	/* the exit status, once done */
};

size_t
chat_room(const char *nick, size_t n)
{
	/* Worst case: every byte is a newline, so every byte starts a line. */
	return n * (strlen(nick) + 4) + n;
}

size_t
chat_frame(const char *nick, struct chat_state *st, unsigned char *in,
    size_t n, unsigned char *out)
{
	size_t i, o = 0, nicklen = strlen(nick);

	text_safe(in, n, true, &st->text);
	for (i = 0; i < n; i++) {
		unsigned char c = in[i];

		if (st->line_start) {
			out[o++] = '<';
			memcpy(out + o, nick, nicklen);
			o += nicklen;
			out[o++] = '>';
			out[o++] = ' ';
			st->line_start = false;
		}
		out[o++] = c;
		if (c == '\n')
			st->line_start = true;
	}
	return o;
}

static void	member_ready(struct loop *, struct loop_io *, short);
static void	idle_expired(struct loop *, struct loop_timer *);

/* Data room left in m's queue; announcements may have overfilled it. */
static size_t
queue_room(const struct member *m)
{
	return m->queue.len < QUEUE_SIZE ? QUEUE_SIZE - m->queue.len : 0;
}

/*
 * Does m take what from sends?  A client past its end of stream only
 * gets what was queued for it before, then leaves; see end_of_stream().
 */
static bool
receives(const struct member *m, const struct member *from)
{
	return m->active && m != from && m->out_open && !m->broken &&
	    (m->local || m->in_open);
}

/* The least queue room among from's receivers, or NO_RECEIVER. */
static size_t
room_for(const struct broker *b, const struct member *from)
{
	size_t i, least = NO_RECEIVER;

	for (i = 0; i < b->nmembers; i++) {
		const struct member *m = b->members[i];

		if (receives(m, from) && queue_room(m) < least)
			least = queue_room(m);
	}
	return least;
}

/* The most bytes to read from m whose relay fits in room: at most CHUNK. */
static size_t
input_fits(const struct broker *b, const struct member *m, size_t room)
{
	size_t n = b->cfg->chat ? room / chat_room(m->nick, 1) : room;

	return n < CHUNK ? n : CHUNK;
}

/*
 * Appends n bytes to m's queue.  Data fits, as the sender was read only
 * for the room there was; an announcement may grow the queue, and if even
 * that fails m is marked broken, to be dropped rather than miss bytes.
 */
static void
enqueue(struct member *m, const unsigned char *data, size_t n)
{
	if (buf_put(&m->queue, data, n) == -1)
		m->broken = true;
}

/* Sends data to every member that takes it from from. */
static void
broadcast(struct broker *b, const struct member *from,
    const unsigned char *data, size_t n)
{
	size_t i;

	for (i = 0; i < b->nmembers; i++) {
		struct member *m = b->members[i];

		if (receives(m, from))
			enqueue(m, data, n);
	}
}

/* An announcement line for --chat, to everyone but skip. */
static void
announce(struct broker *b, const struct member *skip, const char *text)
{
	if (b->cfg->chat)
		broadcast(b, skip, (const unsigned char *)text, strlen(text));
}

/* Closes client m: its slot and queue are free again. */
static void
drop_member(struct broker *b, struct member *m, const char *why)
{
	char line[NICKLEN + 64];

	log_note(b->cfg, 1, "%s %s", m->who, why);
	loop_io_stop(&b->loop, &m->io);
	loop_timer_stop(&b->loop, &m->idle);
	close(m->in_fd);
	buf_free(&m->queue);
	m->active = m->broken = m->held = false;
	m->in_fd = m->out_fd = -1;
	if (--b->clients == 0)
		b->quiet_since = clock_ms();
	snprintf(line, sizeof(line), "<announce> <%s> is disconnected.\n",
	    m->nick);
	announce(b, m, line);
}

/*
 * A client ended its stream: it sends no more and takes no new data, but
 * gets what was queued for it before it leaves.
 */
static void
end_of_stream(struct broker *b, struct member *m)
{
	m->in_open = false;
	if (m->queue.len == 0)
		drop_member(b, m, "disconnected");
}

/* "ADDR port N" for -v notes, as the refusal lines name a client. */
static void
name_client(int fd, const char *peer, char *who, size_t wholen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char text[ADDR_TEXTLEN];
	int port;

	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1 ||
	    ss.ss_family == AF_UNIX) {
		snprintf(who, wholen, "%s", peer);
		return;
	}
	addr_numeric((struct sockaddr *)&ss, len, text, &port);
	snprintf(who, wholen, "%s port %d", text, port);
}

/* A free client slot, a new one when all are taken; or NULL. */
static struct member *
free_slot(struct broker *b)
{
	struct member **members, *m;
	size_t i;

	for (i = 1; i < b->nmembers; i++)
		if (!b->members[i]->active)
			return b->members[i];
	if (b->nmembers == b->cap) {
		if ((members = realloc(b->members,
		    b->cap * 2 * sizeof(*members))) == NULL)
			return NULL;
		b->members = members;
		b->cap *= 2;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->b = b;
	b->members[b->nmembers++] = m;
	return m;
}

/* Welcomes a new client: its slot, its nick, the announcements. */
static void
add_client(struct broker *b, int fd, const char *peer)
{
	char line[PEERLEN + 128], list[512], who[PEERLEN];
	struct member *m;
	size_t i, used;
	bool first = true;
	int saved;

	name_client(fd, peer, who, sizeof(who));
	if ((m = free_slot(b)) == NULL)
		goto fail;
	loop_io_set(&m->io, fd, member_ready, m);
	loop_timer_set(&m->idle, idle_expired, m);
	m->last = clock_ms();
	/* The idle timer runs until m leaves: before_wait() moves it. */
	if (buf_init(&m->queue, QUEUE_SIZE) == -1 ||
	    loop_io_start(&b->loop, &m->io, 0) == -1 ||
	    (b->idle_ms != NO_LIMIT && loop_timer_start(&b->loop, &m->idle,
	    m->last + b->idle_ms) == -1)) {
		saved = errno;
		loop_io_stop(&b->loop, &m->io);
		buf_free(&m->queue);
		errno = saved;
		goto fail;
	}
	m->active = m->in_open = m->out_open = true;
	m->chat = (struct chat_state){ .line_start = true };
	m->in_fd = m->out_fd = fd;
	snprintf(m->nick, sizeof(m->nick), "user%lu", ++b->next_user);
	snprintf(m->who, sizeof(m->who), "%s", who);
	b->clients++;
	b->served = true;
	if (!b->cfg->chat)
		return;
	snprintf(line, sizeof(line), "<announce> %s is connected as <%s>.\n",
	    peer, m->nick);
	announce(b, m, line);
	used = (size_t)snprintf(list, sizeof(list),
	    "<announce> already connected nicks: ");
	for (i = 1; i < b->nmembers && used < sizeof(list) - NICKLEN - 4;
	    i++) {
		const struct member *o = b->members[i];

		if (o->active && o != m) {
			used += (size_t)snprintf(list + used,
			    sizeof(list) - used, "%s<%s>", first ? "" : ", ",
			    o->nick);
			first = false;
		}
	}
	snprintf(list + used, sizeof(list) - used, ".\n");
	if (!first)
		enqueue(m, (const unsigned char *)list, strlen(list));
	return;
fail:
	log_error(b->cfg, "serve %s: %s", who, strerror(errno));
	close(fd);
}

static void
accept_client(struct loop *l, struct loop_io *w, short revents)
{
	struct broker *b = w->arg;
	const struct config *cfg = b->cfg;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char err[256], peer[PEERLEN], who[PEERLEN + 16], text[ADDR_TEXTLEN];
	int fd, port = 0;

	(void)l;
	(void)revents;
	fd = sock_accept(cfg, b->lfd, 0, &ss, &len, err, sizeof(err));
	if (fd == -1) {
		if (err[0] != '\0')
			log_error(cfg, "%s", err);
		else
			(void)admit_shed(cfg, b->lfd, &b->spare, errno);
		return;
	}
	/* peer for the chat announcement, who for -v notes. */
	if (ss.ss_family == AF_UNIX) {
		snprintf(peer, sizeof(peer), "a Unix socket client");
		snprintf(who, sizeof(who), "%s", peer);
	} else {
		addr_numeric((struct sockaddr *)&ss, len, text, &port);
		snprintf(peer, sizeof(peer), "%s", text);
		snprintf(who, sizeof(who), "%s port %d", text, port);
	}
	if (admit_check(cfg, (struct sockaddr *)&ss, len, b->clients,
	    who) != ADMIT_OK) {
		close(fd);
		return;
	}
	log_accepted(cfg, fd, (struct sockaddr *)&ss, len);
	add_client(b, fd, peer);
}

/*
 * Reads what m sent, at most what every receiver still has room for (an
 * earlier read of this round may have used some), and passes it on,
 * framed for --chat.
 */
static void
read_member(struct broker *b, struct member *m)
{
	const unsigned char *out = b->chunk;
	size_t room = room_for(b, m), want;
	ssize_t n;
	size_t len;

	/* stdin waits for a client to go to; a client's data may go nowhere. */
	if (room == NO_RECEIVER && m->local)
		return;
	if ((want = input_fits(b, m, room)) == 0)
		return;
	if (m->local)
		n = read(m->in_fd, b->chunk, want);
	else
		n = recv(m->in_fd, b->chunk, want, 0);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n <= 0) {
		if (m->local)
			m->in_open = false;	/* stdin ended; clients go on */
		else if (n == 0)
			end_of_stream(b, m);
		else
			drop_member(b, m, "disconnected with an error");
		return;
	}
	if (b->idle_ms != NO_LIMIT)
		m->last = clock_ms();
	tlog_data(b->log, m->local ? '>' : '<', b->chunk, (size_t)n);
	len = (size_t)n;
	if (b->cfg->chat) {
		len = chat_frame(m->nick, &m->chat, b->chunk, len, b->framed);
		out = b->framed;
	}
	broadcast(b, m, out, len);
}

static void
write_member(struct broker *b, struct member *m)
{
	struct buf *q = &m->queue;
	ssize_t n;

	if (m->local)
		n = write(m->out_fd, q->data + q->head, buf_span(q));
	else
		n = send(m->out_fd, q->data + q->head, buf_span(q),
		    MSG_NOSIGNAL);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n <= 0) {
		if (m->local) {
			/* A reader that left (EPIPE) has finished: no error. */
			if (errno == EPIPE)
				log_note(b->cfg, 1,
				    "stdout closed by its reader");
			else
				log_error(b->cfg, "write to stdout: %s",
				    strerror(errno));
			m->out_open = false;
			q->len = 0;
		} else
			drop_member(b, m, "went away");
		return;
	}
	if (b->idle_ms != NO_LIMIT)
		m->last = clock_ms();
	buf_consume(q, (size_t)n);
	if (q->len == 0 && !m->local && !m->in_open)
		drop_member(b, m, "disconnected");
}

/* A member's socket, stdin or stdout is ready for what w waits for. */
static void
member_ready(struct loop *l, struct loop_io *w, short re)
{
	struct member *m = w->arg;

	(void)l;
	/* An error with POLLIN asked for: the read reports it. */
	if ((w->events & POLLOUT) && ((re & POLLOUT) ||
	    (!(w->events & POLLIN) && (re & (POLLERR | POLLHUP | POLLNVAL)))))
		write_member(m->b, m);
	if (m->active && (w->events & POLLIN) &&
	    (re & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
		read_member(m->b, m);
}

/*
 * Drops every member whose queue could not grow.  A drop announces, and
 * an announcement can break another member: repeat.
 */
static void
drop_broken(struct broker *b)
{
	struct member *local = b->members[0];
	bool again = true;
	size_t i;

	while (again) {
		again = false;
		if (local->broken) {
			log_error(b->cfg, "write to stdout: out of memory");
			local->out_open = local->broken = false;
			local->queue.len = 0;
		}
		for (i = 1; i < b->nmembers; i++) {
			struct member *m = b->members[i];

			if (m->active && m->broken) {
				drop_member(b, m, "disconnected: out of memory");
				again = true;
			}
		}
	}
}

/*
 * Before each wait: drops broken members, then sets what the loop waits
 * for.  A sender is read only while every receiver has room for a whole
 * chunk of it.  The two least rooms are enough to know that for everyone:
 * a sender is not its own receiver.  A client's idle timer runs while it
 * is not held back, from when data last moved or it was last held; the
 * -w timer runs while there is no client and standard output is written.
 * Timers that must not run are parked at NEVER: they started when their
 * member or the broker did, so moving them cannot fail.
 */
static void
before_wait(struct loop *l, struct loop_hook *h)
{
	struct broker *b = h->arg;
	struct member *local = b->members[0];
	size_t least = NO_RECEIVER, second = NO_RECEIVER;
	const struct member *owner = NULL;
	long long now = clock_ms();
	bool overfull = false;
	size_t i;

	drop_broken(b);
	for (i = 0; i < b->nmembers; i++) {
		const struct member *m = b->members[i];
		size_t room = queue_room(m);

		if (!receives(m, NULL))
			continue;
		if (room < least) {
			second = least;
			least = room;
			owner = m;
		} else if (room < second)
			second = room;
		overfull = overfull || m->queue.len > QUEUE_SIZE;
	}
	/*
	 * --chat: a newcomer is announced to everyone, queue full or not; so
	 * take none while an announcement has overfilled a queue, which keeps
	 * a member that does not read from being buried in them.
	 */
	loop_io_want(l, &b->listener, overfull && b->cfg->chat ? 0 : POLLIN);
	for (i = 0; i < b->nmembers; i++) {
		struct member *m = b->members[i];
		size_t room = m == owner ? second : least;
		bool can_in = m->in_open && !(m->local && room == NO_RECEIVER);
		bool want_in = can_in && input_fits(b, m, room) == CHUNK;
		bool want_out = m->out_open && m->queue.len > 0;

		if (!m->active)
			continue;
		/* Time held back by the others is not idle time. */
		if (m->held)
			m->last = now;
		m->held = can_in && !want_in;
		if (m->local) {
			/* stdin and stdout are two descriptors. */
			loop_io_want(l, &m->io, want_in ? POLLIN : 0);
			loop_io_want(l, &m->out, want_out ? POLLOUT : 0);
			continue;
		}
		loop_io_want(l, &m->io, (short)((want_in ? POLLIN : 0) |
		    (want_out ? POLLOUT : 0)));
		if (b->idle_ms != NO_LIMIT)
			loop_timer_start(l, &m->idle,
			    m->held ? NEVER : m->last + b->idle_ms);
	}
	if (b->cfg->wait_ms != NO_LIMIT)
		loop_timer_start(l, &b->quiet, b->clients == 0 &&
		    !(local->out_open && local->queue.len > 0) ?
		    b->quiet_since + b->cfg->wait_ms : NEVER);
}

/* --idle-timeout or -w: no data moved either way for that long. */
static void
idle_expired(struct loop *l, struct loop_timer *t)
{
	struct member *m = t->arg;
	const char *opt, *arg;
	char why[128];

	(void)l;
	opt = cli_idle_option(m->b->cfg, &arg);
	snprintf(why, sizeof(why), "disconnected: idle timeout (%s %.64s) "
	    "expired", opt, arg);
	drop_member(m->b, m, why);
}

/*
 * -w: with no client for that long, and standard output written, the
 * broker is done: 0 once it has served a client, else 1 with a message.
 */
static void
quiet_expired(struct loop *l, struct loop_timer *t)
{
	struct broker *b = t->arg;
	const struct config *cfg = b->cfg;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char text[ADDR_TEXTLEN];
	int port = 0;

	loop_stop(l);
	b->status = 0;
	if (b->served)
		return;
	b->status = EXIT_NET;
	if (cfg->unix_socket) {
		log_error(cfg, "no connection on %s within -w %s",
		    cfg->unix_path, cfg->wait_arg);
		return;
	}
	if (getsockname(b->lfd, (struct sockaddr *)&ss, &len) == 0)
		addr_numeric((struct sockaddr *)&ss, len, text, &port);
	log_error(cfg, "no connection on port %d within -w %s", port,
	    cfg->wait_arg);
}

int
broker_run(const struct config *cfg, int lfd, struct tlog *log)
{
	struct broker b;
	struct member *local = NULL;
	size_t i;

	memset(&b, 0, sizeof(b));
	b.cfg = cfg;
	b.lfd = lfd;
	b.status = EXIT_NET;
	b.spare = sock_spare_open();
	b.log = tlog_active(log) ? log : NULL;
	b.idle_ms = cli_idle_ms(cfg);
	b.quiet_since = clock_ms();
	loop_init(&b.loop);
	/* Slots and queues come as clients do: --max-conns costs nothing. */
	b.cap = FIRST_SLOTS;
	b.framed_cap = chat_room("user4294967295", CHUNK);
	b.members = calloc(b.cap, sizeof(*b.members));
	b.chunk = malloc(CHUNK);
	b.framed = malloc(b.framed_cap);
	if (b.members == NULL || b.chunk == NULL || b.framed == NULL ||
	    (local = calloc(1, sizeof(*local))) == NULL)
		goto nomem;
	/* The local user takes part through stdin and stdout. */
	b.members[b.nmembers++] = local;
	local->b = &b;
	local->active = local->local = true;
	local->in_open = cfg->read_stdin;
	local->out_open = true;
	local->in_fd = STDIN_FILENO;
	local->out_fd = STDOUT_FILENO;
	local->chat.line_start = true;
	snprintf(local->nick, NICKLEN, "server");
	loop_io_set(&local->io, STDIN_FILENO, member_ready, local);
	loop_io_set(&local->out, STDOUT_FILENO, member_ready, local);
	loop_io_set(&b.listener, lfd, accept_client, &b);
	loop_hook_set(&b.before_wait, before_wait, &b);
	loop_timer_set(&b.quiet, quiet_expired, &b);
	if (buf_init(&local->queue, QUEUE_SIZE) == -1 ||
	    loop_io_start(&b.loop, &b.listener, POLLIN) == -1 ||
	    loop_io_start(&b.loop, &local->io, 0) == -1 ||
	    loop_io_start(&b.loop, &local->out, 0) == -1 ||
	    loop_hook_start(&b.loop, &b.before_wait) == -1 ||
	    (cfg->wait_ms != NO_LIMIT && loop_timer_start(&b.loop, &b.quiet,
	    b.quiet_since + cfg->wait_ms) == -1))
		goto nomem;
	if (fdflags_nonblock(&b.saved, STDIN_FILENO) == -1 ||
	    fdflags_nonblock(&b.saved, STDOUT_FILENO) == -1)
		log_error(cfg, "set O_NONBLOCK on stdio: %s", strerror(errno));
	/* A signal ends it with EXIT_NET, as does a poll failure. */
	if (loop_run(&b.loop) == LOOP_ERROR)
		log_error(cfg, "poll: %s", strerror(errno));
	fdflags_restore(&b.saved);
	goto out;
nomem:
	log_error(cfg, "allocate broker tables: %s", strerror(errno));
out:
	for (i = 0; i < b.nmembers; i++) {
		if (!b.members[i]->local && b.members[i]->active)
			close(b.members[i]->in_fd);
		buf_free(&b.members[i]->queue);
		free(b.members[i]);
	}
	if (b.spare != -1)
		close(b.spare);
	loop_free(&b.loop);
	free(b.members);
	free(b.chunk);
	free(b.framed);
	return b.status;
}
