/* sig.h -- SIGINT/SIGTERM/SIGHUP become a flag that the loops check. */
#ifndef SOCKCAT_SIG_H
#define SOCKCAT_SIG_H

#include <sys/types.h>

#include <poll.h>
#include <stdbool.h>

/*
 * Ignores SIGPIPE (a closed reader is an error we report, not a silent
 * death) and installs handlers, without SA_RESTART, for SIGINT, SIGTERM,
 * SIGHUP and SIGCHLD.  The four are not blocked while sockcat runs: a
 * blocking read or write returns EINTR or a short count when one comes,
 * and the caller's loop sees sig_pending().  Returns 0, or -1 with errno.
 */
int	sig_install(void);

/*
 * poll(2) that a terminating signal always ends: -1 with EINTR when one
 * arrives during the wait, or arrived since a wait last reported one (so
 * a signal between a loop's sig_pending() check and this call is not
 * slept through).  A signal that comes while poll reports ready
 * descriptors is handled as soon as sig_poll returns.
 */
int	sig_poll(struct pollfd *fds, nfds_t nfds, int timeout_ms);

/*
 * sig_poll(), which also returns -1 with EINTR when a child ended and
 * sig_child_exited() has not yet been asked: for callers that check
 * sig_child_exited() and then wait.
 */
int	sig_poll_child(struct pollfd *fds, nfds_t nfds, int timeout_ms);

/*
 * waitpid(pid, status, 0), except that it returns -1 with EINTR when a
 * terminating signal arrives meanwhile (or since a wait last reported
 * one), so the caller can pass it on.
 */
pid_t	sig_waitpid(pid_t pid, int *status);

/*
 * In a child about to exec, once its handlers are back to SIG_DFL: the
 * signal mask sockcat started with, and death by a terminating signal
 * that came since the fork (our handler took it, the program never
 * would).
 */
void	sig_child_mask(void);

/* The last terminating signal received, or 0. */
int	sig_pending(void);

/*
 * True, once, after SIGCHLD arrived since the last call: a child of ours
 * ended and can be reaped with waitpid(WNOHANG).
 */
bool	sig_child_exited(void);

/*
 * on: from now until sig_die_at_once(false), a terminating signal kills
 * sockcat at once by its default action, and one already received does
 * so now.  For calls that restart themselves on EINTR, such as a DNS
 * lookup (glibc retries until the resolver's timeout), made while
 * nothing needs cleaning up.
 */
void	sig_die_at_once(bool on);

/*
 * path (kept, not copied) is a file this process made, now device dev and
 * inode ino: sig_drop_file() removes it, and so does a death by signal
 * (sig_reraise, sig_die_at_once), as long as the path still holds that
 * very file.  A child never removes it.  One file at a time.
 */
void	sig_own_file(const char *path, dev_t dev, ino_t ino);

/* Removes the file of sig_own_file() if it is still ours; forgets it. */
void	sig_drop_file(void);

/*
 * Dies by signo with its default action, so the parent sees the usual
 * 128+signo status.  Used after cleanup.  Async-signal-safe.
 */
void	sig_reraise(int signo);

#endif
