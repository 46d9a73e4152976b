/* exec.c -- -e/-c: run a program with the connection as its stdin/stdout. */

#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE	/* syscall(2), for close_range(2); pipe2(2) */
#endif

#include <sys/socket.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "exec.h"
#include "loop.h"
#include "sig.h"
#include "unixsock.h"

/*
 * posix_spawn(3) can close every descriptor but stdio: glibc 2.34 and
 * later.  Elsewhere, fork(2) and exec.
 */
#if defined(__GLIBC__) && defined(__GLIBC_PREREQ)
#if __GLIBC_PREREQ(2, 34)
#define HAVE_SPAWN_CLOSEFROM	1
extern char **environ;
#endif
#endif

/* Most words -e splits a command into. */
#define EXEC_MAXARGS	64

/* Highest descriptor the child closes when the limit is unknown. */
#define FD_GUESS	1024

/* While ending a program: how often to look whether it has gone. */
#define STOP_POLL_MS	100

/* The connection's variables: 5 names, each in 2 spellings. */
#define ENV_MAX		10

/* One of them, as NAME=value. */
struct env_var {
	char	text[32 + ADDR_TEXTLEN];
	size_t	namelen;
};

struct exec_env {
	struct env_var	var[ENV_MAX];
	int		n;
};

static int
set_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	return fl == -1 ? -1 : fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}

/* A pipe whose ends exec closes; pipe2(2) saves four calls a client. */
static int
pipe_cloexec(int fds[2])
{
#if defined(__linux__)
	return pipe2(fds, O_CLOEXEC);
#else
	if (pipe(fds) == -1)
		return -1;
	if (set_cloexec(fds[0]) == -1 || set_cloexec(fds[1]) == -1) {
		close(fds[0]);
		close(fds[1]);
		fds[0] = fds[1] = -1;
		return -1;
	}
	return 0;
#endif
}

/* NAME=value in both the SOCKCAT_ and the NCAT_ spelling. */
static void
export_both(struct exec_env *env, const char *name, const char *value)
{
	static const char *const prefix[] = { "SOCKCAT_", "NCAT_" };
	struct env_var *v;
	size_t i;

	for (i = 0; i < 2 && env->n < ENV_MAX; i++) {
		v = &env->var[env->n++];
		snprintf(v->text, sizeof(v->text), "%s%s=%s", prefix[i], name,
		    value);
		v->namelen = strlen(prefix[i]) + strlen(name);
	}
}

/* Describes one end of the connection in the child's environment. */
static void
export_end(struct exec_env *env, const char *addr_name,
    const char *port_name, const struct sockaddr_storage *ss, socklen_t len)
{
	char text[ADDR_TEXTLEN], port[16];
	int p = 0;

	if (ss->ss_family == AF_UNIX) {
		unix_describe((const struct sockaddr *)ss, len, text,
		    sizeof(text));
		export_both(env, addr_name, text);
		return;
	}
	addr_numeric((const struct sockaddr *)ss, len, text, &p);
	snprintf(port, sizeof(port), "%d", p);
	export_both(env, addr_name, text);
	export_both(env, port_name, port);
}

/*
 * The variables that describe the connection, for the program: peer, when
 * given, is the remote end; else net_fd's connected peer.
 */
static void
export_connection(struct exec_env *env, const struct config *cfg,
    int net_fd, const struct sockaddr *peer, socklen_t peerlen)
{
	struct sockaddr_storage ss;
	socklen_t len;

	env->n = 0;
	len = sizeof(ss);
	if (peer != NULL && peerlen <= sizeof(ss)) {
		memset(&ss, 0, sizeof(ss));
		memcpy(&ss, peer, peerlen);
		export_end(env, "REMOTE_ADDR", "REMOTE_PORT", &ss, peerlen);
	} else if (getpeername(net_fd, (struct sockaddr *)&ss, &len) == 0)
		export_end(env, "REMOTE_ADDR", "REMOTE_PORT", &ss, len);
	len = sizeof(ss);
	if (getsockname(net_fd, (struct sockaddr *)&ss, &len) == 0)
		export_end(env, "LOCAL_ADDR", "LOCAL_PORT", &ss, len);
	export_both(env, "PROTO", cfg->unix_socket ? "UNIX" : cfg->udp ?
	    "UDP" : "TCP");
}

/* Splits a copy of s on blanks into argv; NULL-terminated. */
static int
split_words(char *s, char **argv, int max)
{
	int n = 0;
	char *p = s;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (*p == '\0')
			break;
		if (n == max - 1)
			return -1;
		argv[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
	}
	argv[n] = NULL;
	return n;
}

#if defined(__linux__) || defined(__APPLE__)
/*
 * Closes the open descriptors from low up that the system lists.
 * Returns 0, or -1 if there is no list to read.
 */
static int
close_listed(int low)
{
	struct dirent *de;
	DIR *dir;
	long n;
	int closed;

#ifdef __linux__
	dir = opendir("/proc/self/fd");
#else
	dir = opendir("/dev/fd");
#endif
	if (dir == NULL)
		return -1;
	/* Until a pass finds nothing: closing may disturb readdir. */
	do {
		closed = 0;
		rewinddir(dir);
		while ((de = readdir(dir)) != NULL) {
			if (de->d_name[0] < '0' || de->d_name[0] > '9')
				continue;
			n = strtol(de->d_name, NULL, 10);
			if (n < low || n > INT_MAX || n == dirfd(dir))
				continue;
			if (close((int)n) == 0)
				closed++;
		}
	} while (closed > 0);
	(void)closedir(dir);
	return 0;
}
#endif

/*
 * Closes every descriptor from low up, at a cost that does not grow with
 * RLIMIT_NOFILE (a container may allow a million): close_range(2) where
 * the kernel has it, else the list of the open ones where the system
 * keeps an exact one (Linux /proc, macOS /dev/fd; a BSD /dev/fd without
 * fdescfs shows 0-2 only), else every number below the limit.
 */
static void
close_from(int low)
{
	long maxfd;
	int fd;

#if defined(__linux__) && defined(SYS_close_range)
	if (syscall(SYS_close_range, (unsigned int)low, ~0U, 0U) == 0)
		return;
#endif
#if defined(__linux__) || defined(__APPLE__)
	if (close_listed(low) == 0)
		return;
#endif
	maxfd = sysconf(_SC_OPEN_MAX);
	if (maxfd < 0 || maxfd > INT_MAX)
		maxfd = FD_GUESS;
	for (fd = low; fd < maxfd; fd++)
		(void)close(fd);
}

/*
 * Is sockcat the job in the foreground of its terminal?  Then its program
 * stays in sockcat's process group: it keeps the terminal (a password
 * prompt on /dev/tty, ^Z stops both), and ^C reaches both as before.
 */
static bool
in_foreground(void)
{
	pid_t fg;
	int fd;

	for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		if (!isatty(fd))
			continue;
		fg = tcgetpgrp(fd);
		return fg != -1 && fg == getpgrp();
	}
	return false;
}

/* The signals sockcat handles or ignores: the program gets SIG_DFL. */
static const int child_sigs[] = { SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD };

/*
 * Before exec: the default action for every signal sockcat handles or
 * ignores (our ignored SIGPIPE would survive exec), and the signal mask
 * sockcat started with (the signals we block outside our waits would stay
 * blocked too).  Dies by a terminating signal that already came.
 */
static void
signals_default(void)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(child_sigs) / sizeof(child_sigs[0]); i++)
		(void)sigaction(child_sigs[i], &sa, NULL);
	sig_child_mask();
}

/* Runs in the child after fork: never returns. */
static void
child_main(struct exec_env *env, int in_fd, int out_fd, char **argv,
    bool own_group)
{
	struct env_var *v;
	int i;

	signals_default();
	/* The parent does the same: whoever comes first, no race. */
	if (own_group)
		(void)setpgid(0, 0);
	for (i = 0; i < env->n; i++) {
		v = &env->var[i];
		v->text[v->namelen] = '\0';
		(void)setenv(v->text, v->text + v->namelen + 1, 1);
	}
	if (dup2(in_fd, STDIN_FILENO) == -1 ||
	    dup2(out_fd, STDOUT_FILENO) == -1)
		_exit(127);
	/* Nothing of ours but stdio: not the socket, no listener, no log. */
	close_from(STDERR_FILENO + 1);
	execvp(argv[0], argv);
	fprintf(stderr, "sockcat: run %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

#ifdef HAVE_SPAWN_CLOSEFROM
/*
 * SOCKCAT_SPAWN=fork: the fork(2) path even where posix_spawn(3) would
 * do, so that the tests run both.
 */
static bool
spawn_forced_fork(void)
{
	const char *how = getenv("SOCKCAT_SPAWN");

	return how != NULL && strcmp(how, "fork") == 0;
}

/*
 * The program's environment: ours, with env's variables in place of any
 * of the same name.  NULL: no memory.
 */
static char **
env_merge(struct exec_env *env)
{
	char **envp, **e;
	size_t n = 0;
	int i, k = 0;

	for (e = environ; *e != NULL; e++)
		n++;
	if ((envp = malloc((n + env->n + 1) * sizeof(*envp))) == NULL)
		return NULL;
	for (i = 0; i < env->n; i++)
		envp[k++] = env->var[i].text;
	for (e = environ; *e != NULL; e++) {
		for (i = 0; i < env->n; i++)
			if (strncmp(*e, env->var[i].text,
			    env->var[i].namelen + 1) == 0)
				break;
		if (i == env->n)
			envp[k++] = *e;
	}
	envp[k] = NULL;
	return envp;
}

/*
 * posix_spawn(3): glibc clones with CLONE_VM|CLONE_VFORK, so the listener's
 * page tables are neither copied nor faulted back in, per client.  The
 * same child as child_main() makes.  Returns 0, or -1 with errno (among
 * them a program that cannot be run: fork_start() runs it again, to report
 * that as it always did).
 */
static int
spawn_start(struct exec_env *env, int in_fd, int out_fd, char **argv,
    bool own_group, bool search, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t dfl, mask;
	char **envp;
	size_t i;
	int rc;
	short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;

	if ((envp = env_merge(env)) == NULL)
		return -1;
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0) {
		free(envp);
		errno = rc;
		return -1;
	}
	if ((rc = posix_spawnattr_init(&attr)) != 0) {
		(void)posix_spawn_file_actions_destroy(&fa);
		free(envp);
		errno = rc;
		return -1;
	}
	sigemptyset(&dfl);
	for (i = 0; i < sizeof(child_sigs) / sizeof(child_sigs[0]); i++)
		sigaddset(&dfl, child_sigs[i]);
	sig_start_mask(&mask);
	if (own_group)
		flags |= POSIX_SPAWN_SETPGROUP;
	if ((rc = posix_spawnattr_setflags(&attr, flags)) == 0 &&
	    (rc = posix_spawnattr_setsigdefault(&attr, &dfl)) == 0 &&
	    (rc = posix_spawnattr_setsigmask(&attr, &mask)) == 0 &&
	    (rc = posix_spawnattr_setpgroup(&attr, 0)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, in_fd,
	    STDIN_FILENO)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, out_fd,
	    STDOUT_FILENO)) == 0 &&
	    (rc = posix_spawn_file_actions_addclosefrom_np(&fa,
	    STDERR_FILENO + 1)) == 0)
		rc = search ? posix_spawnp(pid, argv[0], &fa, &attr, argv,
		    envp) : posix_spawn(pid, argv[0], &fa, &attr, argv, envp);
	(void)posix_spawnattr_destroy(&attr);
	(void)posix_spawn_file_actions_destroy(&fa);
	free(envp);
	errno = rc;
	return rc == 0 ? 0 : -1;
}
#endif

int
exec_start(const struct config *cfg, int net_fd, struct exec_child *child,
    char *err, size_t errlen)
{
	return exec_start_peer(cfg, net_fd, NULL, 0, child, err, errlen);
}

int
exec_start_peer(const struct config *cfg, int net_fd,
    const struct sockaddr *peer, socklen_t peerlen, struct exec_child *child,
    char *err, size_t errlen)
{
	char *argv[EXEC_MAXARGS], *words = NULL;
	int to[2] = { -1, -1 }, from[2] = { -1, -1 };
	struct exec_env env;
	bool own_group;

	child->pid = -1;
	child->to_child = child->from_child = -1;
	if (cfg->exec_shell != NULL) {
		argv[0] = "/bin/sh";
		argv[1] = "-c";
		argv[2] = (char *)cfg->exec_shell;
		argv[3] = NULL;
	} else {
		if ((words = strdup(cfg->exec_prog)) == NULL) {
			snprintf(err, errlen, "run %s: %s", cfg->exec_prog,
			    strerror(errno));
			return -1;
		}
		if (split_words(words, argv, EXEC_MAXARGS) < 1) {
			snprintf(err, errlen, "invalid program \"%s\": empty "
			    "or more than %d words", cfg->exec_prog,
			    EXEC_MAXARGS - 1);
			free(words);
			return -1;
		}
	}
	if (pipe_cloexec(to) == -1 || pipe_cloexec(from) == -1)
		goto fail;
	/*
	 * A process group of its own, so that ending the program ends what
	 * it started too (sh -c forks): see exec_signal().
	 */
	own_group = !in_foreground();
	export_connection(&env, cfg, net_fd, peer, peerlen);
	child->pid = -1;
#ifdef HAVE_SPAWN_CLOSEFROM
	/*
	 * A signal that already came: the fork path's child dies by it
	 * before exec, as it always did.
	 */
	if (sig_pending() == 0 && !spawn_forced_fork() &&
	    spawn_start(&env, to[0], from[1], argv, own_group,
	    cfg->exec_shell == NULL, &child->pid) == -1)
		child->pid = -1;
#endif
	if (child->pid == -1) {
		if ((child->pid = fork()) == -1)
			goto fail;
		if (child->pid == 0)
			child_main(&env, to[0], from[1], argv, own_group);
		/* EACCES: it has already run exec, after its own setpgid. */
		if (own_group)
			(void)setpgid(child->pid, child->pid);
	}
	free(words);
	close(to[0]);
	close(from[1]);
	child->to_child = to[1];
	child->from_child = from[0];
	return 0;
fail:
	snprintf(err, errlen, "run %s: %s", argv[0], strerror(errno));
	free(words);
	for (int i = 0; i < 2; i++) {
		if (to[i] != -1)
			close(to[i]);
		if (from[i] != -1)
			close(from[i]);
	}
	return -1;
}

int
exec_replace(char *const argv[], char *err, size_t errlen)
{
	int saved;

	signals_default();
	execvp(argv[0], argv);
	saved = errno;
	snprintf(err, errlen, "run %s: %s", argv[0], strerror(saved));
	errno = saved;
	return -1;
}

int
exec_signal(pid_t pid, int signo)
{
	/* Its own group's leader (even as a zombie): the whole group. */
	if (getpgid(pid) == pid)
		return kill(-pid, signo);
	return kill(pid, signo);
}

static void	ending_look(struct exec_ending *e);

static void
ending_timer(struct loop *l, struct loop_timer *t)
{
	struct exec_ending *e = t->arg;

	(void)l;
	if (!e->reaped && !e->termed) {
		/* EOF was not enough: it had its grace. */
		exec_end_signal(e, SIGTERM);
		return;
	}
	if (!e->killed && clock_ms() >= e->kill_at) {
		if (e->group)
			(void)kill(-e->pid, SIGKILL);
		else if (!e->reaped)
			(void)kill(e->pid, SIGKILL);
		e->killed = true;
	}
	ending_look(e);
}

/*
 * Done once the program is reaped and, after a signal, nothing of its
 * group is left (or it was killed: then the group is not ours to wait
 * for).  Else looks again every STOP_POLL_MS while a group may linger;
 * SIGCHLD (the owner's exec_end_reaped()) wakes it for the program.
 */
static void
ending_look(struct exec_ending *e)
{
	long long at;

	if (e->reaped && (!e->termed || !e->group || e->killed ||
	    kill(-e->pid, 0) == -1)) {
		loop_timer_stop(e->loop, &e->timer);
		e->over = true;
		if (e->done != NULL)
			e->done(e, e->status, e->arg);
		return;
	}
	if (!e->termed)
		return;		/* the EOF grace timer, if any, runs */
	at = e->killed ? clock_ms() + STOP_POLL_MS : e->kill_at;
	if (e->reaped && !e->killed && clock_ms() + STOP_POLL_MS < at)
		at = clock_ms() + STOP_POLL_MS;
	/* ENOMEM: SIGCHLD still ends the wait for the program itself. */
	(void)loop_timer_start(e->loop, &e->timer, at);
}

void
exec_end_init(struct exec_ending *e, pid_t pid)
{
	memset(e, 0, sizeof(*e));
	e->pid = pid;
	e->reaped = pid <= 0;
	/* Its own group's leader (even as a zombie): the whole group. */
	e->group = pid > 0 && getpgid(pid) == pid;
	loop_timer_set(&e->timer, ending_timer, e);
}

void
exec_end_reaped(struct exec_ending *e, int wstatus)
{
	if (e->reaped)
		return;
	e->reaped = true;
	e->status = exec_status(wstatus);
	if (e->started && !e->over)
		ending_look(e);
}

int
exec_end_start(struct loop *l, struct exec_ending *e,
    struct exec_child *child, long term_ms,
    void (*done)(struct exec_ending *, int, void *), void *arg)
{
	int st;

	if (child->to_child != -1)
		close(child->to_child);
	if (child->from_child != -1)
		close(child->from_child);
	child->to_child = child->from_child = -1;
	e->loop = l;
	e->started = true;
	e->done = NULL;
	e->arg = arg;
	if (!e->reaped && waitpid(e->pid, &st, WNOHANG) == e->pid)
		exec_end_reaped(e, st);
	/* ENOMEM: no grace, the program ends on EOF or never (as before). */
	if (!e->reaped && term_ms >= 0)
		(void)loop_timer_start(l, &e->timer, clock_ms() + term_ms);
	/* We are going down: do not leave the program behind. */
	if (!e->reaped && sig_pending() != 0)
		exec_end_signal(e, sig_pending());
	ending_look(e);
	if (e->over)
		return 1;
	e->done = done;
	return 0;
}

void
exec_end_signal(struct exec_ending *e, int signo)
{
	if (e->termed || e->over)
		return;
	e->termed = true;
	e->kill_at = clock_ms() + EXEC_KILL_GRACE_MS;
	if (!e->reaped)
		(void)exec_signal(e->pid, signo);
	else if (e->group)
		(void)kill(-e->pid, signo);
	ending_look(e);
}

/* exec_wait(): the pid it waits for is the only child it reaps. */
static void
reap_one(struct loop *l, void *arg)
{
	struct exec_ending *e = arg;
	int st;
	pid_t r;

	(void)l;
	while (!e->reaped && (r = waitpid(e->pid, &st, WNOHANG)) != 0) {
		if (r == e->pid)
			exec_end_reaped(e, st);
		else if (errno != EINTR) {
			exec_end_reaped(e, 0);
			e->status = EXIT_NET;
		}
	}
}

static void
ended_stop(struct exec_ending *e, int status, void *arg)
{
	(void)status;
	(void)arg;
	loop_stop(e->loop);
}

/*
 * The blocking end, on a loop of its own: EOF, then the wait, for as
 * long as it takes (no SIGTERM grace: a one-shot session's program has
 * its say); a terminating signal is passed on, SIGKILL
 * EXEC_KILL_GRACE_MS later, until the program and what is left of its
 * process group are gone.
 */
int
exec_wait(struct exec_child *child)
{
	struct exec_ending e;
	struct loop l;

	exec_end_init(&e, child->pid);
	loop_init(&l);
	loop_on_child(&l, reap_one, &e);
	if (exec_end_start(&l, &e, child, -1, ended_stop, NULL) == 0 &&
	    loop_run(&l) == LOOP_SIGNAL) {
		loop_wind_down(&l);
		exec_end_signal(&e, sig_pending());
		if (!e.over)
			(void)loop_run(&l);
	}
	loop_timer_stop(&l, &e.timer);
	loop_free(&l);
	child->pid = -1;
	return e.reaped ? e.status : EXIT_NET;
}

/*
 * The watchman's records: a program started ('+') or is over ('-'), and
 * the listener's farewell ('.'), each written whole (less than PIPE_BUF).
 */
struct guard_rec {
	char	op;
	bool	group;
	pid_t	pid;
};

/* Most programs the watchman tracks; more are not watched. */
#define GUARD_MAX	65536

/*
 * The watchman, in its own process: tracks the programs until its pipe
 * ends.  Without the farewell, the listener died: every program still
 * running gets SIGTERM (its group), SIGKILL EXEC_KILL_GRACE_MS later.
 */
static void
guard_main(int rd)
{
	struct guard_rec rec, *live;
	size_t n = 0, i;
	long long deadline;
	ssize_t got;
	bool farewell = false, left;

	if ((live = calloc(GUARD_MAX, sizeof(*live))) == NULL)
		_exit(EXIT_NET);
	while ((got = read(rd, &rec, sizeof(rec))) != 0) {
		if (got == -1 && errno == EINTR)
			continue;
		if (got != (ssize_t)sizeof(rec))
			break;
		if (rec.op == '.')
			farewell = true;
		else if (rec.op == '+' && n < GUARD_MAX)
			live[n++] = rec;
		else if (rec.op == '-')
			for (i = 0; i < n; i++)
				if (live[i].pid == rec.pid) {
					live[i] = live[--n];
					break;
				}
	}
	if (farewell)
		_exit(0);
	for (i = 0; i < n; i++)
		(void)kill(live[i].group ? -live[i].pid : live[i].pid,
		    SIGTERM);
	deadline = clock_ms() + EXEC_KILL_GRACE_MS;
	do {
		left = false;
		for (i = 0; i < n; i++)
			if (kill(live[i].group ? -live[i].pid : live[i].pid,
			    0) == 0)
				left = true;
		if (left)
			(void)loop_pause(STOP_POLL_MS);
	} while (left && clock_ms() < deadline);
	for (i = 0; left && i < n; i++)
		(void)kill(live[i].group ? -live[i].pid : live[i].pid,
		    SIGKILL);
	_exit(0);
}

int
exec_guard_start(struct exec_guard *g)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	struct sigaction sa;
	int fds[2], null, st;
	pid_t mid, r;
	size_t i;

	g->fd = -1;
	if (pipe(fds) == -1)
		return -1;
	if (set_cloexec(fds[1]) == -1 || (mid = fork()) == -1) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (mid == 0) {
		/* Not the listener's child: it must not look like a worker. */
		if (fork() != 0)
			_exit(0);
		/* A signal to the listener's group is the listener's. */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_IGN;
		sigemptyset(&sa.sa_mask);
		for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			(void)sigaction(sigs[i], &sa, NULL);
		/* Holds nothing of ours: no listener, no client, no stdio. */
		if ((null = open("/dev/null", O_RDWR)) != -1)
			for (st = STDIN_FILENO; st <= STDERR_FILENO; st++)
				(void)dup2(null, st);
		if (dup2(fds[0], STDERR_FILENO + 1) == -1)
			_exit(EXIT_NET);
		close_from(STDERR_FILENO + 2);
		guard_main(STDERR_FILENO + 1);
	}
	close(fds[0]);
	while ((r = waitpid(mid, &st, 0)) == -1 && errno == EINTR)
		;
	g->fd = fds[1];
	return 0;
}

static void
guard_tell(struct exec_guard *g, char op, pid_t pid)
{
	struct guard_rec rec;
	ssize_t n;

	if (g->fd == -1)
		return;
	memset(&rec, 0, sizeof(rec));
	rec.op = op;
	rec.pid = pid;
	rec.group = pid > 0 && getpgid(pid) == pid;
	while ((n = write(g->fd, &rec, sizeof(rec))) == -1 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(rec)) {
		/* Gone: nobody watches any more. */
		close(g->fd);
		g->fd = -1;
	}
}

void
exec_guard_add(struct exec_guard *g, pid_t pid)
{
	guard_tell(g, '+', pid);
}

void
exec_guard_drop(struct exec_guard *g, pid_t pid)
{
	guard_tell(g, '-', pid);
}

void
exec_guard_stop(struct exec_guard *g)
{
	guard_tell(g, '.', 0);
	if (g->fd != -1)
		close(g->fd);
	g->fd = -1;
}

int
exec_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return EXIT_NET;
}
