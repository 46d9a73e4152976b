/* exec.c -- -e/-c: run a program with the connection as its stdin/stdout. */

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "exec.h"
#include "sig.h"
#include "unixsock.h"

/* Most words -e splits a command into. */
#define EXEC_MAXARGS	64

/* Highest descriptor the child closes when the limit is unknown. */
#define FD_GUESS	1024

static int
set_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	return fl == -1 ? -1 : fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}

/* NAME=value in both the SOCKCAT_ and the NCAT_ spelling. */
static void
export_both(const char *name, const char *value)
{
	char key[64];

	snprintf(key, sizeof(key), "SOCKCAT_%s", name);
	(void)setenv(key, value, 1);
	snprintf(key, sizeof(key), "NCAT_%s", name);
	(void)setenv(key, value, 1);
}

/* Describes one end of the connection in the child's environment. */
static void
export_end(const char *addr_name, const char *port_name,
    const struct sockaddr_storage *ss, socklen_t len)
{
	char text[ADDR_TEXTLEN], port[16];
	int p = 0;

	if (ss->ss_family == AF_UNIX) {
		unix_describe((const struct sockaddr *)ss, len, text,
		    sizeof(text));
		export_both(addr_name, text);
		return;
	}
	addr_numeric((const struct sockaddr *)ss, len, text, &p);
	snprintf(port, sizeof(port), "%d", p);
	export_both(addr_name, text);
	export_both(port_name, port);
}

/* peer, when given, is the remote end; else net_fd's connected peer. */
static void
export_connection(const struct config *cfg, int net_fd,
    const struct sockaddr *peer, socklen_t peerlen)
{
	struct sockaddr_storage ss;
	socklen_t len;

	len = sizeof(ss);
	if (peer != NULL && peerlen <= sizeof(ss)) {
		memset(&ss, 0, sizeof(ss));
		memcpy(&ss, peer, peerlen);
		export_end("REMOTE_ADDR", "REMOTE_PORT", &ss, peerlen);
	} else if (getpeername(net_fd, (struct sockaddr *)&ss, &len) == 0)
		export_end("REMOTE_ADDR", "REMOTE_PORT", &ss, len);
	len = sizeof(ss);
	if (getsockname(net_fd, (struct sockaddr *)&ss, &len) == 0)
		export_end("LOCAL_ADDR", "LOCAL_PORT", &ss, len);
	export_both("PROTO", cfg->unix_socket ? "UNIX" : cfg->udp ? "UDP" :
	    "TCP");
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

/* Runs in the child after fork: never returns. */
static void
child_main(const struct config *cfg, int net_fd, const struct sockaddr *peer,
    socklen_t peerlen, int in_fd, int out_fd, char **argv)
{
	static const int sigs[] = { SIGPIPE, SIGINT, SIGTERM, SIGHUP,
	    SIGCHLD };
	struct sigaction sa;
	long maxfd;
	size_t i;
	int fd;

	/* Our ignored SIGPIPE would survive exec; give the default back. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)sigaction(sigs[i], &sa, NULL);
	/* The signals we block outside our waits would stay blocked too. */
	sig_child_mask();
	export_connection(cfg, net_fd, peer, peerlen);
	if (dup2(in_fd, STDIN_FILENO) == -1 ||
	    dup2(out_fd, STDOUT_FILENO) == -1)
		_exit(127);
	/* Nothing of ours but stdio: not the socket, no listener, no log. */
	maxfd = sysconf(_SC_OPEN_MAX);
	if (maxfd < 0 || maxfd > INT_MAX)
		maxfd = FD_GUESS;
	for (fd = STDERR_FILENO + 1; fd < maxfd; fd++)
		(void)close(fd);
	execvp(argv[0], argv);
	fprintf(stderr, "sockcat: run %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

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
	if (pipe(to) == -1 || pipe(from) == -1 || set_cloexec(to[1]) == -1 ||
	    set_cloexec(from[0]) == -1 || set_cloexec(to[0]) == -1 ||
	    set_cloexec(from[1]) == -1)
		goto fail;
	if ((child->pid = fork()) == -1)
		goto fail;
	if (child->pid == 0)
		child_main(cfg, net_fd, peer, peerlen, to[0], from[1], argv);
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
exec_wait(struct exec_child *child)
{
	bool forwarded = false;
	int status;

	if (child->to_child != -1)
		close(child->to_child);
	if (child->from_child != -1)
		close(child->from_child);
	child->to_child = child->from_child = -1;
	if (child->pid <= 0)
		return 0;
	for (;;) {
		/* We are going down: do not leave the child behind. */
		if (sig_pending() != 0 && !forwarded) {
			(void)kill(child->pid, SIGTERM);
			forwarded = true;
		}
		if (sig_waitpid(child->pid, &status) != -1)
			break;
		if (errno != EINTR)
			return EXIT_NET;
	}
	child->pid = -1;
	return exec_status(status);
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
