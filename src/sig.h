/* sig.h -- SIGINT/SIGTERM/SIGHUP become a flag that the loops check. */
#ifndef SOCKCAT_SIG_H
#define SOCKCAT_SIG_H

#include <sys/types.h>

#include <signal.h>
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
 * The two halves of loop.c's signal-safe wait, the one poll(2) in sockcat
 * (see loop.h); the flags stay here, with the handlers.
 *
 * sig_wait_begin() blocks the four signals, so none comes between the
 * check of the flags and the wait, and fills run with the mask to restore
 * and open with the mask to wait under (run, with the four let in).  It
 * returns 1 if the wait must not start: a terminating signal came that no
 * wait has reported yet, or, with child, a child ended that
 * sig_child_exited() has not reported; 0 to wait; -1 with errno.
 *
 * sig_wait_end(), after the wait: interrupted (it ended with EINTR) marks
 * the signal reported, and the mask goes back to run, which delivers one
 * that came while poll found ready descriptors.
 */
int	sig_wait_begin(sigset_t *run, sigset_t *open, bool child);
void	sig_wait_end(const sigset_t *run, bool interrupted);

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

/* The signal mask sockcat started with, for a program it starts. */
void	sig_start_mask(sigset_t *set);

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
