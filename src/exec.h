/* exec.h -- -e/-c: run a program with the connection as its stdin/stdout. */
#ifndef SOCKCAT_EXEC_H
#define SOCKCAT_EXEC_H

#include <sys/socket.h>
#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "loop.h"

/*
 * Ending a program that should go: EOF on its stdin, SIGTERM
 * EXEC_TERM_GRACE_MS later if it still runs (a program that answers at
 * the end of its input has its say), SIGKILL EXEC_KILL_GRACE_MS after
 * that.  Going down on a signal, EOF and the signal come at once.
 */
#define EXEC_TERM_GRACE_MS	1000
#define EXEC_KILL_GRACE_MS	2000

/* A running child and our ends of its stdin and stdout pipes. */
struct exec_child {
	pid_t	pid;
	int	to_child;	/* write end: the child's stdin */
	int	from_child;	/* read end: the child's stdout */
};

/*
 * Starts cfg's -e program (argv split on blanks, searched in PATH, no
 * shell) or -c command (/bin/sh -c) with pipes as its stdin and stdout;
 * stderr stays ours.  The child gets nothing else of ours: every other
 * descriptor is closed, signal dispositions are reset, and its
 * environment gains SOCKCAT_REMOTE_ADDR, SOCKCAT_REMOTE_PORT,
 * SOCKCAT_LOCAL_ADDR, SOCKCAT_LOCAL_PORT and SOCKCAT_PROTO, and the same
 * as NCAT_*, describing net_fd.  Our pipe ends are close-on-exec.
 * Returns 0, or -1 with a reason in err.
 */
int	exec_start(const struct config *cfg, int net_fd,
	    struct exec_child *child, char *err, size_t errlen);

/*
 * The same for a peer of an unconnected socket (-u -l -k): the child's
 * SOCKCAT_REMOTE_* and NCAT_REMOTE_* describe peer (peerlen bytes), and
 * the LOCAL ones net_fd's bound address.  peer NULL means exec_start().
 */
int	exec_start_peer(const struct config *cfg, int net_fd,
	    const struct sockaddr *peer, socklen_t peerlen,
	    struct exec_child *child, char *err, size_t errlen);

/*
 * Closes our pipe ends (if still open) and waits for the child.  If a
 * terminating signal has come or comes meanwhile, passes it on with
 * exec_signal() and sends SIGKILL EXEC_KILL_GRACE_MS later, until the
 * child and what is left of its process group are gone.
 * Returns its exit status, or 128+N if signal N killed it.
 */
int	exec_wait(struct exec_child *child);

/*
 * The same on a loop, for a program among many: the owner reaps its
 * children (waitpid(-1) from loop_on_child) and hands each status to
 * exec_end_reaped(), before or after exec_end_start().
 */
struct exec_ending {
	struct loop	*loop;
	pid_t		 pid;
	bool		 group;		/* leads its own process group */
	bool		 reaped, termed, killed, started, over;
	int		 status;	/* exec_status(), once reaped */
	long long	 kill_at;	/* SIGKILL, once termed */
	struct loop_timer timer;
	void		(*done)(struct exec_ending *, int status, void *);
	void		*arg;
};

/* Before anything else, while pid is not yet reaped. */
void	exec_end_init(struct exec_ending *e, pid_t pid);
/* The owner reaped the program: wstatus as waitpid(2) gave it. */
void	exec_end_reaped(struct exec_ending *e, int wstatus);
/*
 * Closes our pipe ends (EOF on its stdin); term_ms later (-1: never) it
 * gets SIGTERM, EXEC_KILL_GRACE_MS after that SIGKILL; a terminating
 * signal already pending is passed on at once.  done(e, status, arg) is
 * called once it is reaped (and, after a signal, its group gone).
 * Returns 1 when it is over at once (done not called), else 0.
 */
int	exec_end_start(struct loop *l, struct exec_ending *e,
	    struct exec_child *child, long term_ms,
	    void (*done)(struct exec_ending *, int, void *), void *arg);
/* Going down: signo to it (its group) now, SIGKILL after the grace. */
void	exec_end_signal(struct exec_ending *e, int signo);

/*
 * Replaces sockcat with the program argv (searched in PATH, no shell), so
 * that its exit status is ours and no sockcat process stays: the -z
 * wait-for command.  Signal dispositions and mask are reset as for
 * exec_start(); descriptors are the caller's business (ours are
 * close-on-exec; inherited ones pass on, as through env(1)).  Returns
 * only on failure: -1 with errno and a reason in err; exit 127 for
 * ENOENT and 126 otherwise, as sh(1) does.
 */
int	exec_replace(char *const argv[], char *err, size_t errlen);

/*
 * kill(2) for a program exec_start() started and that is not yet reaped:
 * its whole process group when it leads one, else the program alone.
 */
int	exec_signal(pid_t pid, int signo);

/*
 * A watchman for the programs of a listener that runs many (-k -e/-c):
 * one process, not the listener's child, told each program as it starts
 * and ends.  Should the listener die without exec_guard_stop() (SIGKILL),
 * the programs still running get SIGTERM, and SIGKILL EXEC_KILL_GRACE_MS
 * later, each with its process group: what a worker process per client
 * used to do.  exec_guard_start() returns -1 with errno (no watchman:
 * the calls that follow do nothing).
 */
struct exec_guard {
	int	fd;		/* the pipe to it; -1: none */
};

int	exec_guard_start(struct exec_guard *g);
void	exec_guard_add(struct exec_guard *g, pid_t pid);
void	exec_guard_drop(struct exec_guard *g, pid_t pid);
void	exec_guard_stop(struct exec_guard *g);

/*
 * A waitpid(2) status as sockcat reports it: the exit status, 128+N for
 * signal N, or EXIT_NET for anything else.
 */
int	exec_status(int wstatus);

#endif
