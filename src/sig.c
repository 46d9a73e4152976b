/* sig.c -- SIGINT/SIGTERM/SIGHUP become a flag that the loops check. */

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sig.h"

/*
 * The only file-scope variables.  The handler sets the first three;
 * fresh and die_now are also written by the code below, fresh only
 * while the four signals are blocked, so no update is lost.
 */
static volatile sig_atomic_t caught;		/* last terminating signal */
static volatile sig_atomic_t fresh;		/* one no wait reported yet */
static volatile sig_atomic_t child_exited;
static volatile sig_atomic_t die_now;		/* sig_die_at_once() */

/*
 * Written once by sig_install() before any handler can run, then only
 * read: the four signals, and the mask we started with (for children).
 */
static sigset_t handled, start_mask;

/*
 * sig_own_file(): the file a death by signal removes (--port-file), if
 * it is still that inode and we are still the process that made it.
 * Written only while the four signals are blocked.
 */
static const char *own_path;
static dev_t own_dev;
static ino_t own_ino;
static pid_t own_pid;

/* Async-signal-safe: getpid, lstat and unlink are. */
static void
remove_own(void)
{
	struct stat st;

	if (own_path != NULL && getpid() == own_pid &&
	    lstat(own_path, &st) == 0 && st.st_dev == own_dev &&
	    st.st_ino == own_ino)
		(void)unlink(own_path);
}

static void
on_signal(int signo)
{
	if (signo == SIGCHLD) {
		child_exited = 1;
		return;
	}
	caught = signo;
	fresh = 1;
	if (die_now)
		sig_reraise(signo);
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
	sigemptyset(&handled);
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		sigaddset(&handled, signals[i]);
	/* No SA_RESTART: a blocking call returns EINTR to its loop. */
	sa.sa_handler = on_signal;
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (sigaction(signals[i], &sa, NULL) == -1)
			return -1;
	/* Whatever our parent blocked, these four must come in. */
	return sigprocmask(SIG_UNBLOCK, &handled, &start_mask);
}

/* set, with the four signals let in. */
static void
let_in(sigset_t *set)
{
	sigdelset(set, SIGINT);
	sigdelset(set, SIGTERM);
	sigdelset(set, SIGHUP);
	sigdelset(set, SIGCHLD);
}

int
sig_wait_begin(sigset_t *run, sigset_t *open, bool child)
{
	if (sigprocmask(SIG_BLOCK, &handled, run) == -1)
		return -1;
	*open = *run;
	let_in(open);
	return fresh || (child && child_exited) ? 1 : 0;
}

void
sig_wait_end(const sigset_t *run, bool interrupted)
{
	if (interrupted)
		fresh = 0;	/* reported now */
	(void)sigprocmask(SIG_SETMASK, run, NULL);
}

pid_t
sig_waitpid(pid_t pid, int *status)
{
	sigset_t run, open;
	pid_t r;
	int e;

	if (sigprocmask(SIG_BLOCK, &handled, &run) == -1)
		return -1;
	open = run;
	let_in(&open);
	for (;;) {
		if ((r = waitpid(pid, status, WNOHANG)) != 0) {
			e = errno;
			break;
		}
		if (fresh) {
			fresh = 0;
			r = -1;
			e = EINTR;
			break;
		}
		/* Blocked SIGCHLD cannot slip by: sigsuspend lets it in. */
		(void)sigsuspend(&open);
	}
	(void)sigprocmask(SIG_SETMASK, &run, NULL);
	errno = e;
	return r;
}

void
sig_child_mask(void)
{
	(void)sigprocmask(SIG_SETMASK, &start_mask, NULL);
	if (caught != 0)
		sig_reraise(caught);
}

void
sig_start_mask(sigset_t *set)
{
	*set = start_mask;
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
sig_die_at_once(bool on)
{
	die_now = on;
	if (on && caught != 0)
		sig_reraise(caught);
}

void
sig_own_file(const char *path, dev_t dev, ino_t ino)
{
	sigset_t run;

	(void)sigprocmask(SIG_BLOCK, &handled, &run);
	own_path = path;
	own_dev = dev;
	own_ino = ino;
	own_pid = getpid();
	(void)sigprocmask(SIG_SETMASK, &run, NULL);
}

void
sig_drop_file(void)
{
	sigset_t run;

	(void)sigprocmask(SIG_BLOCK, &handled, &run);
	remove_own();
	own_path = NULL;
	(void)sigprocmask(SIG_SETMASK, &run, NULL);
}

void
sig_reraise(int signo)
{
	struct sigaction sa;
	sigset_t set;

	/* A file we announced must not outlive us (sig_own_file). */
	remove_own();
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
