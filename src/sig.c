/* sig.c -- SIGINT/SIGTERM/SIGHUP become a flag that the loops check. */

#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE	/* ppoll(2) */
#endif

#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sig.h"

#if defined(__linux__) || defined(__FreeBSD__) || defined(__OpenBSD__) || \
    defined(__NetBSD__) || defined(__DragonFly__)
#define HAVE_PPOLL	1
#endif

/* The only file-scope variables: only signal handlers set them. */
static volatile sig_atomic_t caught;
static volatile sig_atomic_t child_exited;
static volatile sig_atomic_t terminations;	/* how many have come */

/*
 * Written once by sig_install() before any handler can run, then only
 * read: the mask we started with (for children), and the same with the
 * four signals let in (for the waits).
 */
static sigset_t start_mask, wait_mask;

static void
on_signal(int signo)
{
	if (signo == SIGCHLD)
		child_exited = 1;
	else {
		caught = signo;
		terminations++;
	}
}

int
sig_install(void)
{
	static const int signals[] = { SIGINT, SIGTERM, SIGHUP, SIGCHLD };
	struct sigaction sa;
	sigset_t block;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGPIPE, &sa, NULL) == -1)
		return -1;
	sa.sa_handler = on_signal;
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (sigaction(signals[i], &sa, NULL) == -1)
			return -1;
	sigemptyset(&block);
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		sigaddset(&block, signals[i]);
	if (sigprocmask(SIG_BLOCK, &block, &start_mask) == -1)
		return -1;
	wait_mask = start_mask;
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		sigdelset(&wait_mask, signals[i]);
	return 0;
}

int
sig_poll(struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
#ifdef HAVE_PPOLL
	struct timespec ts;

	if (timeout_ms < 0)
		return ppoll(fds, nfds, NULL, &wait_mask);
	ts.tv_sec = timeout_ms / 1000;
	ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
	return ppoll(fds, nfds, &ts, &wait_mask);
#else
	/* No ppoll: a signal just before poll() waits for the next wakeup. */
	sigset_t saved;
	int n, e;

	if (sigprocmask(SIG_SETMASK, &wait_mask, &saved) == -1)
		return -1;
	n = poll(fds, nfds, timeout_ms);
	e = errno;
	(void)sigprocmask(SIG_SETMASK, &saved, NULL);
	errno = e;
	return n;
#endif
}

pid_t
sig_waitpid(pid_t pid, int *status)
{
	sig_atomic_t seen = terminations;
	pid_t r;

	for (;;) {
		if ((r = waitpid(pid, status, WNOHANG)) != 0)
			return r;
		if (terminations != seen) {
			errno = EINTR;
			return -1;
		}
		/* Blocked SIGCHLD cannot slip by: sigsuspend lets it in. */
		(void)sigsuspend(&wait_mask);
	}
}

void
sig_child_mask(void)
{
	(void)sigprocmask(SIG_SETMASK, &start_mask, NULL);
}

int
sig_pending(void)
{
	return caught;
}

bool
sig_child_exited(void)
{
	if (child_exited == 0)
		return false;
	child_exited = 0;
	return true;
}

void
sig_reraise(int signo)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(signo, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, signo);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(signo);
	/* Not reached for a terminating signal; be safe anyway. */
	_exit(128 + signo);
}
