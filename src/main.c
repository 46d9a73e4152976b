/* main.c -- parse, check, dispatch, exit status. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "scan.h"
#include "session.h"
#include "sig.h"

/*
 * Opens /dev/null on whichever of descriptors 0, 1 and 2 the caller left
 * closed, so that no socket or file of ours is taken for stdin, stdout or
 * stderr: the peer's data would go back to the peer, -v lines to the peer.
 * The lower ones being open, open(2) returns the lowest free descriptor:
 * the closed one.  Returns 0, or -1 if /dev/null cannot be opened.
 */
static int
std_fds_fill(void)
{
	int fd;

	for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF &&
		    open("/dev/null", O_RDWR) == -1)
			return -1;
	return 0;
}

int
main(int argc, char *argv[])
{
	struct config cfg;
	char err[512];
	int status, saved;

	/* Before anything else opens a descriptor. */
	status = std_fds_fill();
	saved = errno;
	cli_defaults(&cfg);
	if (status == -1) {
		log_error(&cfg, "open /dev/null for a closed stdin, stdout or "
		    "stderr: %s", strerror(saved));
		return EXIT_NET;
	}
	if (cli_parse(&cfg, argc, argv, err, sizeof(err)) == -1) {
		log_error(&cfg, "%s", err);
		cli_free(&cfg);
		return EXIT_USAGE;
	}
	if (cfg.want_help || cfg.want_version) {
		if (cfg.want_help)
			cli_help();
		else
			printf("sockcat %s\n", SOCKCAT_VERSION);
		status = 0;
		if (fflush(stdout) == EOF || ferror(stdout)) {
			log_error(&cfg, "write to stdout failed");
			status = EXIT_NET;
		}
		cli_free(&cfg);
		return status;
	}
	if (cli_check(&cfg, err, sizeof(err)) == -1) {
		log_error(&cfg, "%s", err);
		cli_free(&cfg);
		return EXIT_USAGE;
	}
	if (sig_install() == -1) {
		log_error(&cfg, "install signal handlers: failed");
		cli_free(&cfg);
		return EXIT_NET;
	}
	if (cfg.scan)
		status = run_scan(&cfg);
	else if (cfg.listen)
		status = run_listen(&cfg);
	else
		status = run_connect(&cfg);
	cli_free(&cfg);
	if (sig_pending() != 0)
		sig_reraise(sig_pending());
	return status;
}
