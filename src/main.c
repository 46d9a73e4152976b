/* main.c -- parse, check, dispatch, exit status. */

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "log.h"
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
		log_error("%s", err);
		return EXIT_USAGE;
	}
	if (cfg.want_help || cfg.want_version) {
		if (cfg.want_help)
			cli_help();
		else
			printf("sockcat %s\n", SOCKCAT_VERSION);
		if (fflush(stdout) == EOF || ferror(stdout)) {
			log_error("write to stdout failed");
			return EXIT_NET;
		}
		return 0;
	}
	if (cli_check(&cfg, err, sizeof(err)) == -1) {
		log_error("%s", err);
		return EXIT_USAGE;
	}
	if (sig_install() == -1) {
		log_error("install signal handlers: failed");
		return EXIT_NET;
	}
	status = cfg.listen ? run_listen(&cfg) : run_connect(&cfg);
	if (sig_pending() != 0)
		sig_reraise(sig_pending());
	return status;
}
