/* lowat.c -- an adaptive receive low-water mark; see lowat.h. */
#include "lowat.h"

#include <sys/socket.h>

#include <netinet/in.h>

#include "clock.h"

/* A read this large means the peer is streaming: raise the mark. */
#define BULK_READ	(64 * 1024)

/* The kernel's own cap on the mark is half the largest receive buffer. */
#define MAX_LEVEL	(1024 * 1024)

static bool
is_tcp(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int type;
	socklen_t tlen = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) == -1 ||
	    type != SOCK_STREAM ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return false;
	return ss.ss_family == AF_INET || ss.ss_family == AF_INET6;
}

/* Sets the mark; a refusal (an old kernel) turns the feature off. */
static void
set_mark(struct lowat *lw, bool raise)
{
	int v = raise ? (int)lw->level : 1;

	if (setsockopt(lw->fd, SOL_SOCKET, SO_RCVLOWAT, &v, sizeof(v)) == -1) {
		lw->fd = -1;
		lw->raised = false;
		return;
	}
	lw->raised = raise;
}

void
lowat_init(struct lowat *lw, int fd, size_t level)
{
	lw->raised = false;
	lw->last = 0;
	lw->level = level < MAX_LEVEL ? level : MAX_LEVEL;
	lw->fd = level >= BULK_READ && fd >= 0 && is_tcp(fd) ? fd : -1;
}

void
lowat_after_read(struct lowat *lw, size_t n)
{
	if (lw->fd < 0)
		return;
	if (n >= BULK_READ) {
		lw->last = clock_ms();
		if (!lw->raised)
			set_mark(lw, true);
	} else if (lw->raised)
		set_mark(lw, false);
}

long long
lowat_deadline(const struct lowat *lw)
{
	return lw->raised ? lw->last + LOWAT_WAIT_MS : -1;
}

void
lowat_idle(struct lowat *lw)
{
	/* Lowering the mark wakes poll(2) at once if data is waiting. */
	if (lw->raised && clock_ms() >= lw->last + LOWAT_WAIT_MS)
		set_mark(lw, false);
}

void
lowat_off(struct lowat *lw)
{
	if (lw->raised)
		set_mark(lw, false);
	lw->fd = -1;
}
