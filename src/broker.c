/* broker.c -- --broker and --chat: relay between many clients, one loop. */

#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acl.h"
#include "addr.h"
#include "admit.h"
#include "broker.h"
#include "fdflags.h"
#include "log.h"
#include "sig.h"
#include "sock.h"

/* Each member's queue of bytes still to be written to it. */
#define QUEUE_SIZE	(64 * 1024)

/* Bytes read from one member per turn; small, so chat framing fits. */
#define CHUNK		1024

#define NICKLEN		24
#define PEERLEN		(ADDR_TEXTLEN + 16)

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL	0	/* SIGPIPE is ignored anyway */
#endif

/* One participant: a client socket, or the local stdin/stdout. */
struct member {
	bool		 active;
	bool		 local;		/* stdin/stdout rather than a socket */
	bool		 in_open;
	bool		 out_open;
	int		 in_fd, out_fd;
	unsigned char	*queue;		/* ring of QUEUE_SIZE bytes */
	size_t		 head, len;
	struct chat_state chat;		/* --chat framing */
	char		 nick[NICKLEN];
	char		 peer[PEERLEN];
};

struct broker {
	const struct config	*cfg;
	int			 lfd;
	struct tlog		*log;
	struct member		*members;	/* [0] local, then clients */
	size_t			 nmembers;
	long			 clients;
	unsigned long		 next_user;
	unsigned char		*chunk, *framed;
	size_t			 framed_cap;
	struct pollfd		*pfd;
	struct member		**pfd_member;	/* who each pollfd is for */
	struct fdflags		 saved;
	int			 spare;		/* spent on EMFILE */
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

static size_t
queue_room(const struct member *m)
{
	return QUEUE_SIZE - m->len;
}

/* Appends n bytes to m's queue; the caller checked the room. */
static void
enqueue(struct member *m, const unsigned char *data, size_t n)
{
	size_t tail = (m->head + m->len) % QUEUE_SIZE;
	size_t first = n < QUEUE_SIZE - tail ? n : QUEUE_SIZE - tail;

	memcpy(m->queue + tail, data, first);
	memcpy(m->queue, data + first, n - first);
	m->len += n;
}

/* Sends data to every member that writes out, except from. */
static void
broadcast(struct broker *b, const struct member *from,
    const unsigned char *data, size_t n)
{
	size_t i;

	for (i = 0; i < b->nmembers; i++) {
		struct member *m = &b->members[i];

		if (m->active && m != from && m->out_open &&
		    queue_room(m) >= n)
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

/* May member from read now?  Only if everyone can take what it sends. */
static bool
others_have_room(const struct broker *b, const struct member *from,
    size_t need)
{
	size_t i;

	for (i = 0; i < b->nmembers; i++) {
		const struct member *m = &b->members[i];

		if (m->active && m != from && m->out_open &&
		    queue_room(m) < need)
			return false;
	}
	return true;
}

static void
drop_member(struct broker *b, struct member *m, const char *why)
{
	char line[NICKLEN + 64];

	if (m->local) {
		m->in_open = m->out_open = false;
		return;
	}
	log_note(b->cfg, 1, "%s %s", m->peer, why);
	close(m->in_fd);
	m->active = false;
	m->in_fd = m->out_fd = -1;
	m->len = m->head = 0;
	b->clients--;
	snprintf(line, sizeof(line), "<announce> <%s> is disconnected.\n",
	    m->nick);
	announce(b, m, line);
}

/* Welcomes a new client: its slot, its nick, the announcements. */
static void
add_client(struct broker *b, int fd, const char *peer)
{
	char line[PEERLEN + 128], list[512];
	struct member *m = NULL;
	size_t i, used;
	bool first = true;

	for (i = 1; i < b->nmembers && m == NULL; i++)
		if (!b->members[i].active)
			m = &b->members[i];
	if (m == NULL) {
		close(fd);
		return;
	}
	m->active = m->in_open = m->out_open = true;
	m->chat = (struct chat_state){ .line_start = true };
	m->in_fd = m->out_fd = fd;
	m->head = m->len = 0;
	snprintf(m->nick, sizeof(m->nick), "user%lu", ++b->next_user);
	snprintf(m->peer, sizeof(m->peer), "%s", peer);
	b->clients++;
	if (!b->cfg->chat)
		return;
	snprintf(line, sizeof(line), "<announce> %s is connected as <%s>.\n",
	    peer, m->nick);
	announce(b, m, line);
	used = (size_t)snprintf(list, sizeof(list),
	    "<announce> already connected nicks: ");
	for (i = 1; i < b->nmembers && used < sizeof(list) - NICKLEN - 4;
	    i++) {
		const struct member *o = &b->members[i];

		if (o->active && o != m) {
			used += (size_t)snprintf(list + used,
			    sizeof(list) - used, "%s<%s>", first ? "" : ", ",
			    o->nick);
			first = false;
		}
	}
	snprintf(list + used, sizeof(list) - used, ".\n");
	if (!first && queue_room(m) >= strlen(list))
		enqueue(m, (const unsigned char *)list, strlen(list));
}

static void
accept_client(struct broker *b)
{
	const struct config *cfg = b->cfg;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char err[256], peer[PEERLEN], who[PEERLEN + 16], text[ADDR_TEXTLEN];
	int fd, port = 0;

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

/* Reads a chunk from m and passes it on, framed for --chat. */
static void
read_member(struct broker *b, struct member *m)
{
	const unsigned char *out = b->chunk;
	ssize_t n;
	size_t len;

	if (m->local)
		n = read(m->in_fd, b->chunk, CHUNK);
	else
		n = recv(m->in_fd, b->chunk, CHUNK, 0);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n <= 0) {
		if (m->local)
			m->in_open = false;	/* stdin ended; clients go on */
		else
			drop_member(b, m, n == 0 ? "disconnected" :
			    "disconnected with an error");
		return;
	}
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
	size_t span = m->head + m->len > QUEUE_SIZE ? QUEUE_SIZE - m->head :
	    m->len;
	ssize_t n;

	if (m->local)
		n = write(m->out_fd, m->queue + m->head, span);
	else
		n = send(m->out_fd, m->queue + m->head, span, MSG_NOSIGNAL);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n <= 0) {
		if (m->local) {
			log_error(b->cfg, "write to stdout: %s",
			    strerror(errno));
			m->out_open = false;
			m->len = 0;
		} else
			drop_member(b, m, "went away");
		return;
	}
	m->head = (m->head + (size_t)n) % QUEUE_SIZE;
	m->len -= (size_t)n;
	if (m->len == 0)
		m->head = 0;
}

/* Builds the poll set; returns its size. */
static nfds_t
build_pollset(struct broker *b)
{
	size_t need = b->cfg->chat ? chat_room("user4294967295", CHUNK) :
	    CHUNK;
	nfds_t n = 0;
	size_t i;

	b->pfd[n].fd = b->lfd;
	b->pfd[n].events = POLLIN;
	b->pfd_member[n++] = NULL;
	for (i = 0; i < b->nmembers; i++) {
		struct member *m = &b->members[i];
		bool want_in = m->active && m->in_open &&
		    others_have_room(b, m, need);
		bool want_out = m->active && m->out_open && m->len > 0;

		if (m->local) {
			/* stdin and stdout are two descriptors. */
			if (want_in) {
				b->pfd[n].fd = m->in_fd;
				b->pfd[n].events = POLLIN;
				b->pfd_member[n++] = m;
			}
			if (want_out) {
				b->pfd[n].fd = m->out_fd;
				b->pfd[n].events = POLLOUT;
				b->pfd_member[n++] = m;
			}
		} else if (want_in || want_out) {
			b->pfd[n].fd = m->in_fd;
			b->pfd[n].events = (short)((want_in ? POLLIN : 0) |
			    (want_out ? POLLOUT : 0));
			b->pfd_member[n++] = m;
		}
	}
	return n;
}

static int
loop(struct broker *b)
{
	nfds_t n, i;

	for (;;) {
		if (sig_pending() != 0)
			return EXIT_NET;
		n = build_pollset(b);
		if (sig_poll(b->pfd, n, -1) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			log_error(b->cfg, "poll: %s", strerror(errno));
			return EXIT_NET;
		}
		for (i = 1; i < n; i++) {
			struct member *m = b->pfd_member[i];
			short re = b->pfd[i].revents;

			if (re == 0 || !m->active)
				continue;
			if ((re & POLLOUT) || (m->local &&
			    b->pfd[i].fd == m->out_fd && (re & ~POLLIN)))
				write_member(b, m);
			if (m->active && (b->pfd[i].events & POLLIN) &&
			    (re & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
				read_member(b, m);
		}
		if (b->pfd[0].revents != 0)
			accept_client(b);
	}
}

int
broker_run(const struct config *cfg, int lfd, struct tlog *log)
{
	struct broker b;
	size_t i;
	int status = EXIT_NET;

	memset(&b, 0, sizeof(b));
	b.cfg = cfg;
	b.lfd = lfd;
	b.spare = sock_spare_open();
	b.log = tlog_active(log) ? log : NULL;
	b.nmembers = (size_t)cfg->max_conns + 1;
	b.framed_cap = chat_room("user4294967295", CHUNK);
	b.members = calloc(b.nmembers, sizeof(*b.members));
	b.pfd = calloc(b.nmembers * 2 + 1, sizeof(*b.pfd));
	b.pfd_member = calloc(b.nmembers * 2 + 1, sizeof(*b.pfd_member));
	b.chunk = malloc(CHUNK);
	b.framed = malloc(b.framed_cap);
	if (b.members == NULL || b.pfd == NULL || b.pfd_member == NULL ||
	    b.chunk == NULL || b.framed == NULL)
		goto nomem;
	for (i = 0; i < b.nmembers; i++) {
		b.members[i].in_fd = b.members[i].out_fd = -1;
		if ((b.members[i].queue = malloc(QUEUE_SIZE)) == NULL)
			goto nomem;
	}
	/* The local user takes part through stdin and stdout. */
	b.members[0].active = b.members[0].local = true;
	b.members[0].in_open = cfg->read_stdin;
	b.members[0].out_open = true;
	b.members[0].in_fd = STDIN_FILENO;
	b.members[0].out_fd = STDOUT_FILENO;
	b.members[0].chat.line_start = true;
	snprintf(b.members[0].nick, NICKLEN, "server");
	if (fdflags_nonblock(&b.saved, STDIN_FILENO) == -1 ||
	    fdflags_nonblock(&b.saved, STDOUT_FILENO) == -1)
		log_error(cfg, "set O_NONBLOCK on stdio: %s", strerror(errno));
	status = loop(&b);
	fdflags_restore(&b.saved);
	goto out;
nomem:
	log_error(cfg, "allocate broker tables: %s", strerror(errno));
out:
	for (i = 0; b.members != NULL && i < b.nmembers; i++) {
		if (!b.members[i].local && b.members[i].active)
			close(b.members[i].in_fd);
		free(b.members[i].queue);
	}
	if (b.spare != -1)
		close(b.spare);
	free(b.members);
	free(b.pfd);
	free(b.pfd_member);
	free(b.chunk);
	free(b.framed);
	return status;
}
