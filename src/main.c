/* main.c -- parse, check, dispatch, exit status. */

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "log.h"
#include "scan.h"
#include "session.h"
#include "sig.h"

int
main(int argc, char *argv[])
{
	struct config cfg;
	char err[512];
	int status;

	cli_defaults(&cfg);
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
