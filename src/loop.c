/* loop.c -- the one event loop: descriptors, timers, signals, children. */

#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE	/* ppoll(2) */
#endif

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "loop.h"
#include "sig.h"

#if defined(__linux__) || defined(__FreeBSD__) || defined(__OpenBSD__) || \
    defined(__NetBSD__) || defined(__DragonFly__)
#define HAVE_PPOLL	1
#endif

void
loop_init(struct loop *l)
{
	memset(l, 0, sizeof(*l));
}

void
loop_free(struct loop *l)
{
	free(l->pfd);
	free(l->wfd);
	free(l->wslot);
	free(l->fdpos);
	free(l->io);
	free(l->timers);
	free(l->ready);
	free(l->ready_ev);
	memset(l, 0, sizeof(*l));
}

/*
 * arr (n used of *cap elements of size elem) with room for one more: the
 * same array, a larger one, or NULL when memory ran out (arr unchanged).
 */
static void *
grow(void *arr, size_t elem, size_t n, size_t *cap)
{
	void *p;
	size_t c;

	if (n < *cap)
		return arr;
	c = *cap == 0 ? 8 : *cap * 2;
	if ((p = realloc(arr, c * elem)) == NULL)
		return NULL;
	*cap = c;
	return p;
}

void
loop_io_set(struct loop_io *w, int fd,
    void (*fn)(struct loop *, struct loop_io *, short), void *arg)
{
	w->fd = fd;
	w->events = 0;
	w->fn = fn;
	w->arg = arg;
	w->slot = -1;
	w->pending = -1;
}

void
loop_timer_set(struct loop_timer *t,
    void (*fn)(struct loop *, struct loop_timer *), void *arg)
{
	t->at = -1;
	t->fn = fn;
	t->arg = arg;
	t->slot = -1;
}

void
loop_hook_set(struct loop_hook *h,
    void (*fn)(struct loop *, struct loop_hook *), void *arg)
{
	h->fn = fn;
	h->arg = arg;
	h->slot = -1;
	h->prev = h->next = NULL;
}

bool
loop_io_active(const struct loop_io *w)
{
	return w->slot >= 0;
}

bool
loop_timer_active(const struct loop_timer *t)
{
	return t->slot >= 0;
}

int
loop_io_start(struct loop *l, struct loop_io *w, short events)
{
	struct loop_io **io;
	size_t cap;

	if (w->slot >= 0) {
		loop_io_want(l, w, events);
		return 0;
	}
	/* pfd, io and the ready list grow together. */
	cap = l->capio;
	if ((io = grow(l->io, sizeof(*l->io), l->nio, &cap)) == NULL)
		return -1;
	l->io = io;
	if (cap != l->capio) {
		struct pollfd *p;
		short *ev;
		struct loop_io **r;
		int *ws;

		if ((p = realloc(l->pfd, cap * sizeof(*p))) == NULL)
			return -1;
		l->pfd = p;
		if ((p = realloc(l->wfd, cap * sizeof(*p))) == NULL)
			return -1;
		l->wfd = p;
		if ((ws = realloc(l->wslot, cap * sizeof(*ws))) == NULL)
			return -1;
		l->wslot = ws;
		if ((r = realloc(l->ready, cap * sizeof(*r))) == NULL)
			return -1;
		l->ready = r;
		if ((ev = realloc(l->ready_ev, cap * sizeof(*ev))) == NULL)
			return -1;
		l->ready_ev = ev;
		l->capio = cap;
	}
	w->slot = (int)l->nio;
	w->pending = -1;
	l->io[l->nio] = w;
	l->pfd[l->nio].revents = 0;
	l->nio++;
	loop_io_want(l, w, events);
	return 0;
}

void
loop_io_want(struct loop *l, struct loop_io *w, short events)
{
	w->events = events;
	if (w->slot < 0)
		return;
	/* poll(2) skips a negative fd: an idle watcher is not even HUP. */
	l->pfd[w->slot].fd = events != 0 ? w->fd : -1;
	l->pfd[w->slot].events = events;
}

void
loop_io_stop(struct loop *l, struct loop_io *w)
{
	size_t last;

	if (w->slot < 0)
		return;
	if (w->pending >= 0)
		l->ready[w->pending] = NULL;
	last = l->nio - 1;
	if ((size_t)w->slot != last) {
		l->io[w->slot] = l->io[last];
		l->pfd[w->slot] = l->pfd[last];
		l->io[w->slot]->slot = w->slot;
	}
	l->nio--;
	w->slot = -1;
	w->pending = -1;
}

int
loop_timer_start(struct loop *l, struct loop_timer *t, long long at)
{
	struct loop_timer **timers;

	t->at = at;
	if (t->slot >= 0)
		return 0;
	if ((timers = grow(l->timers, sizeof(*l->timers), l->ntimers,
	    &l->captimers)) == NULL)
		return -1;
	l->timers = timers;
	t->slot = (int)l->ntimers;
	l->timers[l->ntimers++] = t;
	return 0;
}

void
loop_timer_stop(struct loop *l, struct loop_timer *t)
{
	size_t last;

	if (t->slot < 0)
		return;
	last = l->ntimers - 1;
	if ((size_t)t->slot != last) {
		l->timers[t->slot] = l->timers[last];
		l->timers[t->slot]->slot = t->slot;
	}
	l->ntimers--;
	t->slot = -1;
}

int
loop_hook_start(struct loop *l, struct loop_hook *h)
{
	if (h->slot >= 0)
		return 0;
	h->slot = 0;
	h->next = NULL;
	h->prev = l->hook_tail;
	if (l->hook_tail != NULL)
		l->hook_tail->next = h;
	else
		l->hook_head = h;
	l->hook_tail = h;
	return 0;
}

void
loop_hook_stop(struct loop *l, struct loop_hook *h)
{
	if (h->slot < 0)
		return;
	/* A round under way goes on with the hook after this one. */
	if (l->hook_cursor == h)
		l->hook_cursor = h->next;
	if (h->prev != NULL)
		h->prev->next = h->next;
	else
		l->hook_head = h->next;
	if (h->next != NULL)
		h->next->prev = h->prev;
	else
		l->hook_tail = h->prev;
	h->prev = h->next = NULL;
	h->slot = -1;
}

void
loop_on_child(struct loop *l, void (*fn)(struct loop *, void *), void *arg)
{
	l->on_child = fn;
	l->child_arg = arg;
}

void
loop_wind_down(struct loop *l)
{
	l->winding_down = true;
}

void
loop_stop(struct loop *l)
{
	l->stop = true;
}

/* The earliest timer's deadline, or -1 for none. */
static long long
next_deadline(const struct loop *l)
{
	long long d = -1;
	size_t i;

	for (i = 0; i < l->ntimers; i++)
		if (d < 0 || l->timers[i]->at < d)
			d = l->timers[i]->at;
	return d;
}

/*
 * Calls every hook, in order, each once, though hooks start and stop:
 * one started meanwhile is called this round too, one stopped is not.
 */
static void
run_hooks(struct loop *l)
{
	struct loop_hook *h;

	l->hook_cursor = l->hook_head;
	while ((h = l->hook_cursor) != NULL && !l->stop) {
		l->hook_cursor = h->next;
		h->fn(l, h);
	}
	l->hook_cursor = NULL;
}

/* Calls the timers that are due, each stopped before its call. */
static void
run_timers(struct loop *l)
{
	struct loop_timer *t;
	long long now = clock_ms();
	size_t i;

	for (;;) {
		t = NULL;
		for (i = 0; i < l->ntimers; i++)
			if (l->timers[i]->at <= now &&
			    (t == NULL || l->timers[i]->at < t->at))
				t = l->timers[i];
		if (t == NULL || l->stop)
			return;
		loop_timer_stop(l, t);
		t->fn(l, t);
	}
}

/*
 * The one call of poll(2) in sockcat: the loop's wait and the waits on one
 * descriptor below both come here, so a terminating signal ends every
 * wait (sig.h), and with child so does a child's exit.  The four signals
 * are blocked from the check of the flags to the wait, and ppoll lets
 * them in for the wait alone: one that comes just before it cannot be
 * slept through.  Restoring the mask afterwards delivers one that came
 * while poll found ready descriptors: ppoll itself would keep it pending,
 * and a loop that always has work would never see it.
 */
static int
wait_events(struct pollfd *fds, nfds_t nfds, int timeout_ms, bool child)
{
#ifdef HAVE_PPOLL
	struct timespec ts;
#else
	sigset_t shut;
#endif
	sigset_t run, open;
	int n, e;

	if ((n = sig_wait_begin(&run, &open, child)) == -1)
		return -1;
	if (n == 1) {
		n = -1;
		e = EINTR;
	} else {
#ifdef HAVE_PPOLL
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
		n = ppoll(fds, nfds, timeout_ms < 0 ? NULL : &ts, &open);
		e = errno;
#else
		/* Without ppoll a signal just before poll() can wait. */
		(void)sigprocmask(SIG_SETMASK, &open, &shut);
		n = poll(fds, nfds, timeout_ms);
		e = errno;
		(void)sigprocmask(SIG_SETMASK, &shut, NULL);
#endif
	}
	sig_wait_end(&run, n == -1 && e == EINTR);
	errno = e;
	return n;
}

static int
wait_fd(int fd, short events, int timeout_ms, bool child)
{
	struct pollfd pfd;
	int n;

	pfd.fd = fd;
	pfd.events = events;
	pfd.revents = 0;
	if ((n = wait_events(&pfd, 1, timeout_ms, child)) > 0)
		return pfd.revents;
	return n;
}

int
loop_wait_fd(int fd, short events, int timeout_ms)
{
	return wait_fd(fd, events, timeout_ms, false);
}

int
loop_wait_fd_child(int fd, short events, int timeout_ms)
{
	return wait_fd(fd, events, timeout_ms, true);
}

int
loop_pause(int ms)
{
	return wait_events(NULL, 0, ms, false);
}

/* Makes fdpos cover fd, the new part -1.  Returns -1 (ENOMEM) or 0. */
static int
cover_fd(struct loop *l, int fd)
{
	size_t n = l->nfdpos, want = (size_t)fd + 1, i;
	int *p;

	if (want <= n)
		return 0;
	if (want < 2 * n)
		want = 2 * n;
	if ((p = realloc(l->fdpos, want * sizeof(*p))) == NULL)
		return -1;
	for (i = n; i < want; i++)
		p[i] = -1;
	l->fdpos = p;
	l->nfdpos = want;
	return 0;
}

/*
 * Gathers the watched descriptors into wfd, one entry per descriptor with
 * the union of its watchers' events: a socket watched for reading and for
 * writing (a link's two lanes) is one entry, so the entries never
 * outnumber the open descriptors, which poll(2) requires (EINVAL beyond
 * RLIMIT_NOFILE: a listener at its limit would fail instead of refusing).
 * Returns the number of entries, or -1 with ENOMEM.
 */
static int
gather(struct loop *l)
{
	size_t i;
	int n = 0, top = -1, k;

	for (i = 0; i < l->nio; i++)
		if (l->pfd[i].fd > top)
			top = l->pfd[i].fd;
	if (top >= 0 && cover_fd(l, top) == -1) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < l->nio; i++) {
		l->pfd[i].revents = 0;
		l->wslot[i] = -1;
		if (l->pfd[i].fd < 0)
			continue;
		if ((k = l->fdpos[l->pfd[i].fd]) < 0) {
			k = l->fdpos[l->pfd[i].fd] = n++;
			l->wfd[k] = l->pfd[i];
			l->wfd[k].events = 0;
		}
		l->wfd[k].events |= l->pfd[i].events;
		l->wslot[i] = k;
	}
	for (k = 0; k < n; k++)
		l->fdpos[l->wfd[k].fd] = -1;
	return n;
}

/* Hands each watcher what poll(2) said of its descriptor, as it asked. */
static void
scatter(struct loop *l)
{
	size_t i;

	for (i = 0; i < l->nio; i++)
		if (l->wslot[i] >= 0)
			l->pfd[i].revents = l->wfd[l->wslot[i]].revents &
			    (l->pfd[i].events | POLLERR | POLLHUP | POLLNVAL);
}

/* Calls the watchers poll(2) found ready, unless stopped meanwhile. */
static void
run_ready(struct loop *l)
{
	struct loop_io *w;
	size_t i;

	l->nready = 0;
	for (i = 0; i < l->nio; i++) {
		if (l->pfd[i].fd < 0 || l->pfd[i].revents == 0)
			continue;
		l->io[i]->pending = (int)l->nready;
		l->ready_ev[l->nready] = l->pfd[i].revents;
		l->ready[l->nready++] = l->io[i];
	}
	for (i = 0; i < l->nready; i++) {
		if ((w = l->ready[i]) == NULL)
			continue;
		w->pending = -1;
		if (l->stop)
			continue;	/* ends the round, clearing the marks */
		w->fn(l, w, l->ready_ev[i]);
	}
	l->nready = 0;
}

enum loop_end
loop_run(struct loop *l)
{
	int n;

	l->stop = false;
	for (;;) {
		run_hooks(l);
		if (l->stop)
			return LOOP_STOPPED;
		if (sig_pending() != 0 && !l->winding_down)
			return LOOP_SIGNAL;
		if ((n = gather(l)) == -1)
			return LOOP_ERROR;
		n = wait_events(l->wfd, (nfds_t)n,
		    clock_until(next_deadline(l)), l->on_child != NULL);
		if (n == -1 && errno != EINTR && errno != EAGAIN &&
		    errno != ENOMEM)
			return LOOP_ERROR;
		if (n > 0)
			scatter(l);
		if (sig_pending() != 0 && !l->winding_down)
			return LOOP_SIGNAL;
		if (l->on_child != NULL && sig_child_exited())
			l->on_child(l, l->child_arg);
		run_timers(l);
		if (n > 0)
			run_ready(l);
	}
}
