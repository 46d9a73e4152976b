/* loop.h -- the one event loop: descriptors, timers, signals, children. */
#ifndef SOCKCAT_LOOP_H
#define SOCKCAT_LOOP_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Every mode runs on one loop.  Its users embed watchers in their own
 * structures (no allocation per watch) and start and stop them from
 * anywhere, callbacks included: a watcher stopped during a round is not
 * called for it afterwards, even if its memory is then reused.  Interest
 * is level-triggered, as poll(2) reports it.
 *
 * Signals: a terminating signal (see sig.h) ends loop_run() with
 * LOOP_SIGNAL (until loop_wind_down()); a child's exit calls the on_child
 * hook, when one is set.
 *
 * This is the one module that calls poll(2) or ppoll(2) (make lint-poll
 * checks it): the waits outside a loop, on one descriptor or for a pause,
 * use loop_wait_fd() and loop_pause() below, which a signal ends too.
 */

struct loop;

/* A descriptor to watch: fd, the poll(2) events wanted, and who to call. */
struct loop_io {
	int		  fd;
	short		  events;	/* POLLIN, POLLOUT; 0: watched, idle */
	void		(*fn)(struct loop *, struct loop_io *, short revents);
	void		 *arg;
	int		  slot;		/* the loop's; -1 while stopped */
	int		  pending;	/* the loop's: index in its ready list */
};

/* A deadline on the monotonic clock (clock_ms()), and who to call. */
struct loop_timer {
	long long	  at;
	void		(*fn)(struct loop *, struct loop_timer *);
	void		 *arg;
	int		  slot;		/* the loop's; -1 while stopped */
};

/* Something to do before each wait (recompute interest, check the end). */
struct loop_hook {
	void		(*fn)(struct loop *, struct loop_hook *);
	void		 *arg;
	int		  slot;		/* the loop's: 0 started, -1 stopped */
	struct loop_hook *prev, *next;	/* the loop's list, in start order */
};

enum loop_end {
	LOOP_STOPPED,		/* loop_stop() was called */
	LOOP_SIGNAL,		/* a terminating signal: see sig_pending() */
	LOOP_ERROR		/* poll(2) failed: errno says why */
};

struct loop {
	struct pollfd	 *pfd;		/* pfd[i] belongs to io[i] */
	/*
	 * What poll(2) is given: one entry per descriptor however many
	 * watchers it has (more entries than RLIMIT_NOFILE is EINVAL),
	 * wslot[i] the entry of io[i] (-1: idle), and fdpos the entry of
	 * each descriptor while they are gathered (-1 otherwise).
	 */
	struct pollfd	 *wfd;
	int		 *wslot;
	int		 *fdpos;
	size_t		  nfdpos;
	struct loop_io	**io;
	size_t		  nio, capio;
	struct loop_timer **timers;
	size_t		  ntimers, captimers;
	/*
	 * The started hooks, in the order they started: a list, so one
	 * stops in O(1) however many links a round wakes.  hook_cursor is
	 * the next one this round's run_hooks() calls.
	 */
	struct loop_hook *hook_head, *hook_tail, *hook_cursor;
	/* The watchers still to be called this round, with their events. */
	struct loop_io	**ready;
	short		 *ready_ev;
	size_t		  nready, capready;
	bool		  stop;
	bool		  winding_down;	/* signals no longer end a run */
	/* Called when a child of ours has ended (SIGCHLD), NULL for none. */
	void		(*on_child)(struct loop *, void *);
	void		 *child_arg;
};

void	loop_init(struct loop *l);
void	loop_free(struct loop *l);

/* Fills in a watcher; it starts stopped. */
void	loop_io_set(struct loop_io *w, int fd,
	    void (*fn)(struct loop *, struct loop_io *, short), void *arg);
void	loop_timer_set(struct loop_timer *t,
	    void (*fn)(struct loop *, struct loop_timer *), void *arg);
void	loop_hook_set(struct loop_hook *h,
	    void (*fn)(struct loop *, struct loop_hook *), void *arg);

/* Start watching w for events (0: keep it, wait for nothing). */
int	loop_io_start(struct loop *l, struct loop_io *w, short events);
/* Changes what a started watcher waits for. */
void	loop_io_want(struct loop *l, struct loop_io *w, short events);
void	loop_io_stop(struct loop *l, struct loop_io *w);
bool	loop_io_active(const struct loop_io *w);

/* Calls t once at the monotonic millisecond at (again: restarts it). */
int	loop_timer_start(struct loop *l, struct loop_timer *t, long long at);
void	loop_timer_stop(struct loop *l, struct loop_timer *t);
bool	loop_timer_active(const struct loop_timer *t);

int	loop_hook_start(struct loop *l, struct loop_hook *h);
void	loop_hook_stop(struct loop *l, struct loop_hook *h);

/* Sets the hook for ended children (fn NULL: SIGCHLD does not wake). */
void	loop_on_child(struct loop *l, void (*fn)(struct loop *, void *),
	    void *arg);

/*
 * From now on a terminating signal does not end loop_run(): for a caller
 * that, after LOOP_SIGNAL, winds down on the loop (ends its programs and
 * reaps them) and then calls loop_stop().
 */
void	loop_wind_down(struct loop *l);

/*
 * Runs rounds until loop_stop(), a terminating signal or a poll failure:
 * each round the hooks, a wait until the next timer, then the timers due
 * and the ready watchers.  Returns how it ended.  The start functions
 * return -1 with ENOMEM when memory runs out, 0 otherwise.
 */
enum loop_end	loop_run(struct loop *l);
void		loop_stop(struct loop *l);

/*
 * Waits, without a loop, until fd has one of events (POLLIN, POLLOUT),
 * at most timeout_ms (-1: no limit).  Returns the revents, 0 when the
 * time ran out, or -1 with errno: EINTR when a terminating signal came
 * during the wait or since a wait last reported one (so one that came
 * between the caller's sig_pending() check and this call is not slept
 * through).
 */
int	loop_wait_fd(int fd, short events, int timeout_ms);

/*
 * loop_wait_fd(), which also returns -1 with EINTR when a child ended and
 * sig_child_exited() has not yet been asked: for callers that check
 * sig_child_exited() and then wait.
 */
int	loop_wait_fd_child(int fd, short events, int timeout_ms);

/*
 * Sleeps ms (-1: until a signal).  Returns 0, or -1 with errno EINTR when
 * a signal (a child's exit too) ended the pause early.
 */
int	loop_pause(int ms);

#endif
