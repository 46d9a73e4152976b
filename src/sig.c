/* sig.c -- SIGINT/SIGTERM/SIGHUP become a flag that the loops check. */

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sig.h"

/* The only file-scope variables: only signal handlers set them. */
static volatile sig_atomic_t caught;
static volatile sig_atomic_t child_exited;

static void
on_signal(int signo)
{
	if (signo == SIGCHLD)
		child_exited = 1;
	else
		caught = signo;
}

int
sig_install(void)
{
	static const int signals[] = { SIGINT, SIGTERM, SIGHUP, SIGCHLD };
	struct sigaction sa;
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
	return 0;
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
