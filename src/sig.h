/* sig.h -- SIGINT/SIGTERM/SIGHUP become a flag that the loops check. */
#ifndef SOCKCAT_SIG_H
#define SOCKCAT_SIG_H

#include <stdbool.h>

/*
 * Ignores SIGPIPE (a closed reader is an error we report, not a silent
 * death) and installs handlers, without SA_RESTART, for SIGINT, SIGTERM,
 * SIGHUP and SIGCHLD, so poll(2) returns EINTR and the caller can clean
 * up or reap.
 * Returns 0, or -1 with errno set.
 */
int	sig_install(void);

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
