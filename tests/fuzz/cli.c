/* cli.c -- libFuzzer harness for the command line: cli_parse(), cli_check(). */

/*
 * Input: the arguments after "sockcat", separated by NUL bytes
 * ("-nvlp\0007777").  cli_defaults(), cli_parse() and, if that passes,
 * cli_check() (skipped for --help and --version, as main() does) run on
 * a fresh argv; cli_free() after.
 *
 * Checks: a refusal always comes with a one-line message that fits; an
 * accepted command line gives a config that main() can trust: ports in
 * range (0 only when listening), a probe list when -z (or targets, and a
 * command only with them), a Unix path that fits sun_path, a proxy host
 * and port, no two conflicting modes.
 *
 * cli_check() may look up service names (getservbyname) and numeric
 * addresses (AI_NUMERICHOST: no DNS), and reads SOCKCAT_PROXY_PASS.
 * --allowfile and --denyfile read any file named, and would block on a
 * FIFO or never end on /dev/zero, so inputs naming them are skipped:
 * acl_add() has its own harness.  Nothing here creates a file.
 *
 * Build and run with `make fuzz` (seeds in tests/fuzz/corpus/cli/).
 */

#include <sys/socket.h>
#include <sys/un.h>

#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

/* Room for many -z ranges, not for megabytes of port list. */
#define INPUT_MAX	1024
#define ERRLEN		256

/* Getopt keeps its place inside a cluster (-vZ) across calls; start over. */
static void
reset_getopt(void)
{
	static char arg0[] = "sockcat";
	char *argv[] = { arg0, NULL };

	optind = 0;
	opterr = 0;
	while (getopt(1, argv, "") != -1)
		;
}

static bool
names_a_file(char *const argv[], int argc)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strncmp(argv[i], "--allowf", 8) == 0 ||
		    strncmp(argv[i], "--denyf", 7) == 0)
			return true;
	return false;
}

static void
check_config(const struct config *cfg)
{
	size_t i;

	CHECK(cfg->verbose >= 0);
	CHECK(cfg->wait_ms == NO_LIMIT || cfg->wait_ms > 0);
	CHECK(cfg->idle_ms == NO_LIMIT || cfg->idle_ms > 0);
	CHECK(cfg->quit_ms >= NO_LIMIT);
	CHECK(cfg->interval_ms >= 0);
	CHECK(cfg->tos >= -1 && cfg->tos <= 255);
	CHECK(cfg->ttl == -1 || (cfg->ttl >= 1 && cfg->ttl <= 255));
	CHECK(cfg->min_ttl == -1 || (cfg->min_ttl >= 1 &&
	    cfg->min_ttl <= 255));
	CHECK(cfg->max_conns >= 1);
	CHECK(!(cfg->send_only && cfg->recv_only));
	CHECK(!(cfg->exec_prog != NULL && cfg->exec_shell != NULL));
	CHECK(!(cfg->keep_open && !cfg->listen));
	CHECK(!(cfg->scan && cfg->listen));
	CHECK(!(cfg->broker && !cfg->listen));
	CHECK(!cfg->recv_only || (!cfg->read_stdin && !cfg->half_close));
	if (cfg->unix_socket) {
		CHECK(cfg->unix_path != NULL && cfg->unix_path[0] != '\0');
		CHECK(strlen(cfg->unix_path) <
		    sizeof(((struct sockaddr_un *)0)->sun_path));
		return;
	}
	CHECK(cfg->command == NULL || (cfg->scan && cfg->command[0] != NULL));
	CHECK(!cfg->any || cfg->scan);
	if (cfg->targets.count > 0) {
		/* -z HOST:PORT... [-- COMMAND]: targets instead of host/port. */
		CHECK(cfg->scan && cfg->targets.count <= cfg->targets.cap);
		for (i = 0; i < cfg->targets.count; i++) {
			CHECK(cfg->targets.items[i].host[0] != '\0');
			CHECK(cfg->targets.items[i].name != NULL);
			CHECK(cfg->targets.items[i].port >= 1 &&
			    cfg->targets.items[i].port <= 65535);
		}
		return;
	}
	CHECK(cfg->command == NULL && !cfg->any);
	if (cfg->listen)
		CHECK(cfg->port >= 0 && cfg->port <= 65535);
	else {
		CHECK(cfg->host != NULL);
		CHECK(cfg->port >= 1 && cfg->port <= 65535);
		CHECK(cfg->source_port == -1 || (cfg->source_port >= 1 &&
		    cfg->source_port <= 65535));
	}
	if (cfg->scan) {
		CHECK(cfg->ports.count >= 1 &&
		    cfg->ports.count <= cfg->ports.cap);
		CHECK(cfg->port == cfg->ports.ports[0]);
		for (i = 0; i < cfg->ports.count; i++)
			CHECK(cfg->ports.ports[i] >= 1 &&
			    cfg->ports.ports[i] <= 65535);
	}
	if (cfg->proxy_arg != NULL) {
		CHECK(cfg->proxy_type != PROXY_NONE);
		CHECK(cfg->proxy_host[0] != '\0' &&
		    strlen(cfg->proxy_host) < sizeof(cfg->proxy_host));
		CHECK(cfg->proxy_port >= 1 && cfg->proxy_port <= 65535);
	} else
		CHECK(cfg->proxy_type == PROXY_NONE);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	char *text, **argv, err[ERRLEN];
	int argc, rc;
	size_t i;

	if (size > INPUT_MAX)
		return 0;
	CHECK((text = malloc(size + 1)) != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	/* "sockcat", one argument per NUL-separated piece, NULL. */
	CHECK((argv = calloc(size + 3, sizeof(*argv))) != NULL);
	argc = 0;
	argv[argc++] = "sockcat";
	if (size > 0) {
		argv[argc++] = text;
		for (i = 0; i < size; i++)
			if (text[i] == '\0')
				argv[argc++] = text + i + 1;
	}
	argv[argc] = NULL;
	if (names_a_file(argv, argc))
		goto out;

	reset_getopt();
	cli_defaults(&cfg);
	err[0] = '\0';
	rc = cli_parse(&cfg, argc, argv, err, sizeof(err));
	/* As main(): --help and --version skip the checks. */
	if (rc == 0 && !cfg.want_help && !cfg.want_version) {
		err[0] = '\0';
		rc = cli_check(&cfg, err, sizeof(err));
	}
	if (rc != 0)
		CHECK(rc == -1 && err[0] != '\0' && strlen(err) < sizeof(err));
	else if (!cfg.want_help && !cfg.want_version)
		check_config(&cfg);
	cli_free(&cfg);
out:
	free(argv);
	free(text);
	return 0;
}
