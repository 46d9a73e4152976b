/* cli.h -- command-line options into struct config; conflict rules; help. */
#ifndef SOCKCAT_CLI_H
#define SOCKCAT_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "acl.h"
#include "activation.h"
#include "parse.h"

#define SOCKCAT_VERSION	"0.1.0"

/* Exit statuses of CLI.md. */
#define EXIT_NET	1	/* network failure */
#define EXIT_USAGE	2	/* unknown option, bad value, conflict */
#define EXIT_NOMATCH	3	/* --expect: the session ended unmatched */

/* "No limit" for every time and count below. */
#define NO_LIMIT	(-1L)

enum family { FAMILY_ANY, FAMILY_INET, FAMILY_INET6 };

enum proxy_type {
	PROXY_NONE,
	PROXY_SOCKS4,		/* -X 4: the client resolves the target */
	PROXY_SOCKS4A,		/* -X 4a: the proxy resolves it */
	PROXY_SOCKS5,		/* -X 5, the default with -x */
	PROXY_HTTP,		/* -X connect: HTTP CONNECT */
};

/* Longest host name we keep, plus brackets and port. */
#define PROXY_HOSTLEN	256

/* --progress: never (default), when stderr is a terminal, or always. */
#define PROGRESS_OFF	0
#define PROGRESS_AUTO	1
#define PROGRESS_ALWAYS	2

/* --retry-interval's default: 200 ms. */
#define DEFAULT_RETRY_INTERVAL_MS	200

/* ncat's default for --max-conns. */
#define DEFAULT_MAX_CONNS	100

/*
 * Everything the command line says, by meaning.  cli_parse() fills it,
 * cli_check() validates it; afterwards it is read-only (const everywhere).
 */
struct config {
	/* Mode and transport. */
	bool		 listen;
	bool		 keep_open;	/* -k: accept again after a session */
	bool		 udp;
	enum family	 family;

	/* Addresses.  host/port: connect target; listen: bind address. */
	const char	*host;
	const char	*port_arg;	/* the text given, for messages */
	int		 port;		/* -1 when none given */
	const char	*source;	/* -s */
	const char	*source_port_arg;
	int		 source_port;	/* -p; -1 when none */
	bool		 random_port;	/* -r */
	bool		 numeric;	/* -n: no DNS at all */

	/* Stream rules. */
	bool		 read_stdin;	/* false with -d */
	bool		 half_close;	/* shutdown(SHUT_WR) on stdin EOF */
	long		 quit_ms;	/* -q; NO_LIMIT waits for the peer */
	long		 wait_ms;	/* -w: connect, accept and idle */
	const char	*wait_arg;	/* -w as typed, for messages */
	long		 idle_ms;	/* --idle-timeout; NO_LIMIT: use wait_ms */
	const char	*idle_arg;	/* --idle-timeout as typed */
	long		 interval_ms;	/* -i: between lines sent; 0 none */
	long		 recv_limit;	/* -W: packets; NO_LIMIT none */
	bool		 crlf;		/* -C */
	bool		 telnet;	/* -t */
	bool		 no_splice;	/* --no-splice: read/write only */

	/* Scripts and terminals (issue 4). */
	long		 retry_ms;	/* --retry: keep connecting this long */
	const char	*retry_arg;	/* --retry as typed, for messages */
	long		 retry_interval_ms;	/* --retry-interval */
	const char	*port_file;	/* --port-file: bound port, atomically */
	bool		 tty;		/* --tty: raw local terminal */
	int		 progress;	/* --progress: PROGRESS_* */
	bool		 json;		/* --json: events as JSON lines */
	const char	*expect;	/* --expect: ERE the peer must send */

	/* Socket options; -1 leaves the system default. */
	bool		 broadcast;	/* -b */
	bool		 so_debug;	/* -D */
	bool		 keepalive;	/* --keepalive */
	long		 rcvbuf;	/* -I */
	long		 sndbuf;	/* -O */
	int		 tos;		/* -T */
	int		 ttl;		/* -M */
	int		 min_ttl;	/* -m */

	int		 verbose;	/* count of -v */

	/* Unix-domain sockets (-U): the path, or @name for Linux abstract. */
	bool		 unix_socket;
	const char	*unix_path;

	/* -z: probe, send nothing; every port in the order to probe. */
	bool		 scan;
	struct port_list ports;

	/* -z HOST:PORT... [-- COMMAND]: wait for targets, then exec. */
	struct target_list targets;	/* empty: the classic port scan */
	bool		 any;		/* --any: one open target suffices */
	char		**command;	/* the words after --, or NULL */

	/* -e / -c: run a program on the connection. */
	const char	*exec_prog;	/* -e: argv split on blanks, no shell */
	const char	*exec_shell;	/* -c: /bin/sh -c */
	long		 max_conns;	/* --max-conns: concurrent clients */

	/* Traffic logs. */
	const char	*hex_path;	/* -o / --hex-dump */
	const char	*raw_path;	/* --output / --append-output */
	bool		 raw_append;

	/* Direction and multi-client modes. */
	bool		 send_only;	/* --send-only */
	bool		 recv_only;	/* --recv-only */
	bool		 broker;	/* --broker, and --chat */
	bool		 chat;		/* --chat */

	/* Access control, checked right after accept. */
	struct acl	 allow;
	struct acl	 deny;
	bool		 acl_given;	/* any --allow/--deny option */

	/* Client-side proxy. */
	enum proxy_type	 proxy_type;	/* PROXY_NONE without -x */
	char		 proxy_host[PROXY_HOSTLEN];
	int		 proxy_port;
	const char	*proxy_user;	/* -P, or --proxy-auth's user */
	char		*proxy_pass;	/* --proxy-auth, SOCKCAT_PROXY_PASS */

	/* --to: relay each client to this upstream (relay.c). */
	struct relay_target relay;	/* --to */

	/* -F: pass the connected socket over stdout (SCM_RIGHTS), exit. */
	bool		 fd_pass;

	/* -l under systemd: the socket it passed (activation.fd, or -1). */
	struct activation activation;

	/* Bookkeeping for cli_check(): what was given, and how. */
	char		**args;		/* positional arguments */
	int		 nargs;
	bool		 ipv4_flag;	/* -4 given */
	bool		 ipv6_flag;	/* -6 given */
	bool		 half_close_flag;	/* -N given */
	bool		 no_shutdown_flag;	/* --no-shutdown given */
	bool		 want_help;
	bool		 want_version;
	const char	*proxy_arg;	/* -x as given */
	const char	*proxy_type_arg; /* -X / --proxy-type as given */
	char		*proxy_auth;	/* --proxy-auth copy, split in check */
	bool		 max_conns_given;
	const char	*relay_arg;	/* --to as given, parsed in check */
};

/* Sets every default.  Called once before cli_parse(). */
void	cli_defaults(struct config *cfg);

/*
 * Parses argv into cfg.  Returns 0, or -1 with a one-line reason in err
 * (a usage error: exit 2).  Keeps pointers into argv.
 */
int	cli_parse(struct config *cfg, int argc, char *argv[], char *err,
	    size_t errlen);

/*
 * Applies every conflict rule in one place, and settles the positional
 * arguments of listen mode.  Returns 0, or -1 with a reason in err.
 */
int	cli_check(struct config *cfg, char *err, size_t errlen);

/* Frees what cli_parse() and cli_check() allocated. */
void	cli_free(struct config *cfg);

/* The full --help text, to stdout. */
void	cli_help(void);

/* The idle limit in force: --idle-timeout, else -w, else NO_LIMIT. */
long	cli_idle_ms(const struct config *cfg);

/*
 * The option behind cli_idle_ms(), "--idle-timeout" or "-w", with its
 * value as the user typed it in *arg: messages echo "-w 1", not "1000 ms".
 */
const char *cli_idle_option(const struct config *cfg, const char **arg);

#endif
