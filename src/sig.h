/* sig.h -- SIGINT/SIGTERM/SIGHUP become a flag that the loops check. */
#ifndef SOCKCAT_SIG_H
#define SOCKCAT_SIG_H

#include <sys/types.h>

#include <poll.h>
#include <stdbool.h>

/*
 * Ignores SIGPIPE (a closed reader is an error we report, not a silent
 * death), installs handlers for SIGINT, SIGTERM, SIGHUP and SIGCHLD, and
 * blocks those four: they are let in only while sig_poll() or
 * sig_waitpid() waits.  A signal that comes between a loop's
 * sig_pending() check and its wait therefore ends the wait at once,
 * instead of being noticed at the next wakeup (or never, when idle).
 * Returns 0, or -1 with errno set.
 */
int	sig_install(void);

/*
 * poll(2), with the four signals let in for the wait only (ppoll(2)
 * where the system has it): -1 with EINTR when one arrives.
 */
int	sig_poll(struct pollfd *fds, nfds_t nfds, int timeout_ms);

/*
 * waitpid(pid, status, 0), except that it returns -1 with EINTR when a
 * terminating signal arrives meanwhile, so the caller can pass it on.
 */
pid_t	sig_waitpid(pid_t pid, int *status);

/* In a child about to exec: the signal mask sockcat started with. */
void	sig_child_mask(void);

/* The last terminating signal received, or 0. */
int	sig_pending(void);

/*
 * True, once, after SIGCHLD arrived since the last call: a child of ours
 * ended and can be reaped with waitpid(WNOHANG).
 */
bool	sig_child_exited(void);

/*
 * Dies by signo with its default action, so the parent sees the usual
 * 128+signo status.  Used after cleanup.
 */
void	sig_reraise(int signo);

#endif
