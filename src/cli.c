/* cli.c -- command-line options into struct config; conflict rules; help. */

#include <sys/socket.h>
#include <sys/un.h>

#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "expect.h"
#include "parse.h"

/* sun_path's size: 108 on Linux, 104 on the BSDs. */
#define UNIX_PATH_MAX	((int)sizeof(((struct sockaddr_un *)0)->sun_path))

/* Long options without a short letter get codes above any char. */
enum long_only {
	OPT_NO_SHUTDOWN = 256,
	OPT_KEEPALIVE,
	OPT_VERSION,
	OPT_IDLE_TIMEOUT,
	OPT_DELAY,
	OPT_OUTPUT,
	OPT_APPEND_OUTPUT,
	OPT_SEND_ONLY,
	OPT_RECV_ONLY,
	OPT_BROKER,
	OPT_CHAT,
	OPT_MAX_CONNS,
	OPT_ALLOW,
	OPT_ALLOWFILE,
	OPT_DENY,
	OPT_DENYFILE,
	OPT_PROXY_AUTH,
	OPT_NO_SPLICE,
	OPT_RETRY,
	OPT_RETRY_INTERVAL,
	OPT_PORT_FILE,
	OPT_TTY,
	OPT_PROGRESS,
	OPT_JSON,
	OPT_EXPECT,
	OPT_ANY,
	OPT_TO,
};

static const char short_opts[] =
    ":46bCc:De:dFhI:i:klM:m:NnO:o:P:p:q:rs:T:tUuvW:w:X:x:z" "GgHKRSVZ";

static const struct option long_opts[] = {
	{ "ipv4",		no_argument,		NULL, '4' },
	{ "ipv6",		no_argument,		NULL, '6' },
	{ "broadcast",		no_argument,		NULL, 'b' },
	{ "crlf",		no_argument,		NULL, 'C' },
	{ "sh-exec",		required_argument,	NULL, 'c' },
	{ "exec",		required_argument,	NULL, 'e' },
	{ "socket-debug",	no_argument,		NULL, 'D' },
	{ "no-stdin",		no_argument,		NULL, 'd' },
	{ "fdpass",		no_argument,		NULL, 'F' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "recv-buffer",	required_argument,	NULL, 'I' },
	{ "interval",		required_argument,	NULL, 'i' },
	{ "keep-open",		no_argument,		NULL, 'k' },
	{ "listen",		no_argument,		NULL, 'l' },
	{ "ttl",		required_argument,	NULL, 'M' },
	{ "min-ttl",		required_argument,	NULL, 'm' },
	{ "half-close",		no_argument,		NULL, 'N' },
	{ "nodns",		no_argument,		NULL, 'n' },
	{ "send-buffer",	required_argument,	NULL, 'O' },
	{ "hex-dump",		required_argument,	NULL, 'o' },
	{ "proxy-user",		required_argument,	NULL, 'P' },
	{ "source-port",	required_argument,	NULL, 'p' },
	{ "quit",		required_argument,	NULL, 'q' },
	{ "randomize",		no_argument,		NULL, 'r' },
	{ "source",		required_argument,	NULL, 's' },
	{ "tos",		required_argument,	NULL, 'T' },
	/* Exact, so getopt_long never takes --to for --tos. */
	{ "to",			required_argument,	NULL, OPT_TO },
	{ "telnet",		no_argument,		NULL, 't' },
	{ "unixsock",		no_argument,		NULL, 'U' },
	{ "udp",		no_argument,		NULL, 'u' },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "recv-limit",		required_argument,	NULL, 'W' },
	{ "wait",		required_argument,	NULL, 'w' },
	{ "proxy-type",		required_argument,	NULL, 'X' },
	{ "proxy",		required_argument,	NULL, 'x' },
	{ "zero-io",		no_argument,		NULL, 'z' },
	{ "no-shutdown",	no_argument,		NULL, OPT_NO_SHUTDOWN },
	{ "keepalive",		no_argument,		NULL, OPT_KEEPALIVE },
	{ "version",		no_argument,		NULL, OPT_VERSION },
	{ "idle-timeout",	required_argument,	NULL, OPT_IDLE_TIMEOUT },
	{ "delay",		required_argument,	NULL, OPT_DELAY },
	{ "output",		required_argument,	NULL, OPT_OUTPUT },
	{ "append-output",	no_argument,		NULL, OPT_APPEND_OUTPUT },
	{ "send-only",		no_argument,		NULL, OPT_SEND_ONLY },
	{ "recv-only",		no_argument,		NULL, OPT_RECV_ONLY },
	{ "broker",		no_argument,		NULL, OPT_BROKER },
	{ "chat",		no_argument,		NULL, OPT_CHAT },
	{ "max-conns",		required_argument,	NULL, OPT_MAX_CONNS },
	{ "allow",		required_argument,	NULL, OPT_ALLOW },
	{ "allowfile",		required_argument,	NULL, OPT_ALLOWFILE },
	{ "deny",		required_argument,	NULL, OPT_DENY },
	{ "denyfile",		required_argument,	NULL, OPT_DENYFILE },
	{ "proxy-auth",		required_argument,	NULL, OPT_PROXY_AUTH },
	{ "no-splice",		no_argument,		NULL, OPT_NO_SPLICE },
	{ "retry",		required_argument,	NULL, OPT_RETRY },
	{ "retry-interval",	required_argument,	NULL, OPT_RETRY_INTERVAL },
	{ "port-file",		required_argument,	NULL, OPT_PORT_FILE },
	{ "tty",		no_argument,		NULL, OPT_TTY },
	{ "progress",		optional_argument,	NULL, OPT_PROGRESS },
	{ "json",		no_argument,		NULL, OPT_JSON },
	{ "expect",		required_argument,	NULL, OPT_EXPECT },
	{ "any",		no_argument,		NULL, OPT_ANY },
	{ NULL,			0,			NULL, 0 },
};

/*
 * Letters other netcats give a meaning that sockcat refuses, and why.
 * Refusing loudly beats silently doing something else in a script
 * written for that other netcat.
 */
static const struct {
	char		 letter;
	const char	*why;
} refused[] = {
	{ 'G', "sets a source-routing pointer in netcat-traditional and ncat; "
	    "not supported: routers drop source-routed packets" },
	{ 'g', "adds a source-routing hop in netcat-traditional and ncat; "
	    "not supported: routers drop source-routed packets" },
	{ 'H', "is a TLS option of OpenBSD nc; sockcat has no TLS" },
	{ 'K', "is a TLS option of OpenBSD nc; sockcat has no TLS" },
	{ 'R', "is a TLS option of OpenBSD nc; sockcat has no TLS" },
	{ 'S', "enables TCP MD5 signatures in OpenBSD nc; not supported: "
	    "Linux needs a key per peer, which a flag cannot give" },
	{ 'V', "selects an OpenBSD routing table; not supported on this "
	    "system" },
	{ 'Z', "means DCCP in Debian's nc and a TLS certificate in OpenBSD's; "
	    "not supported" },
};

static const char usage_text[] =
"usage: sockcat [-46bCDdFhklNnrtUuvz] [-c command] [-e program] [-I length]\n"
"               [-i interval] [-M ttl] [-m minttl] [-O length] [-o file]\n"
"               [-P user] [-p port] [-q seconds] [-s address] [-T tos]\n"
"               [-W recvlimit] [-w timeout] [-X protocol] [-x address[:port]]\n"
"               [long options] [host] [port ...]\n"
"       sockcat -l [options] [address] port\n"
"       sockcat -l -p port [options] [address]\n"
"       sockcat -U [options] path\n"
"       sockcat -z [options] host:port ... [-- command [argument ...]]\n";

/* One string per line: C11 caps a single literal at 4095 bytes. */
static const char *const options_text[] = {
	"\n",
	"Connects to host port, or listens with -l, and copies stdin to the\n",
	"socket and the socket to stdout.\n",
	"\n",
	"Options:\n",
	"  -4, --ipv4              IPv4 only\n",
	"  -6, --ipv6              IPv6 only\n",
	"  -b, --broadcast         allow sending to broadcast addresses (UDP)\n",
	"  -C, --crlf              send CRLF as line ending (LF becomes CRLF)\n",
	"  -c, --sh-exec CMD       run /bin/sh -c CMD with the connection as its\n",
	"                          stdin/stdout\n",
	"  -D, --socket-debug      set SO_DEBUG on the socket\n",
	"  -d, --no-stdin          do not read stdin\n",
	"  -e, --exec PROG         run PROG (no shell; arguments split on blanks)\n",
	"                          with the connection as its stdin/stdout\n",
	"  -F, --fdpass            pass the connected socket to stdout (SCM_RIGHTS)\n",
	"                          and exit: for ssh's ProxyUseFdpass\n",
	"  -h, --help              show this help and exit\n",
	"  -I, --recv-buffer LEN   socket receive buffer size (SO_RCVBUF)\n",
	"  -i, --interval SECS     delay between lines sent or ports probed\n",
	"  -k, --keep-open         keep listening after a client leaves (with -l);\n",
	"                          with -u and -e/-c, a program per UDP peer\n",
	"  -l, --listen            listen for an incoming connection; under systemd\n",
	"                          socket activation, on the socket it passed\n",
	"  -M, --ttl TTL           outgoing TTL / hop limit\n",
	"  -m, --min-ttl TTL       minimum incoming TTL / hop limit\n",
	"  -N, --half-close        shut down the socket's write side on stdin EOF\n",
	"                          (the default; kept for compatibility)\n",
	"  -n, --nodns             numeric addresses only, no DNS or reverse lookups\n",
	"  -O, --send-buffer LEN   socket send buffer size (SO_SNDBUF)\n",
	"  -o, --hex-dump FILE     hex dump of the traffic to FILE (> sent, < received)\n",
	"  -P, --proxy-user USER   proxy user name (password: SOCKCAT_PROXY_PASS)\n",
	"  -p, --source-port PORT  connect: source port; listen: port to listen on\n",
	"  -q, --quit SECS         after stdin EOF, exit when the peer closes or\n",
	"                          after SECS; negative: wait for the peer\n",
	"  -r, --randomize         random source port (-z: random port order)\n",
	"  -s, --source ADDR       source address (connect) or bind address (listen)\n",
	"  -T, --tos TOS           IP TOS / traffic class: lowdelay, throughput,\n",
	"                          reliability, lowcost, ef, af11-af43, cs0-cs7, ...\n",
	"                          Minimize-Delay, ..., or a number 0-255\n",
	"  -t, --telnet            refuse telnet option negotiation\n",
	"  -U, --unixsock          Unix-domain socket (path; @name is abstract)\n",
	"  -u, --udp               UDP instead of TCP\n",
	"  -v, --verbose           report connections on stderr; -vv adds a summary\n",
	"  -W, --recv-limit N      exit after receiving N packets\n",
	"  -w, --wait SECS         timeout for connect, accept and idleness\n",
	"  -X, --proxy-type TYPE   proxy protocol: 4, 4a, 5 (default), connect;\n",
	"                          also socks4, socks4a, socks5, http\n",
	"  -x, --proxy ADDR[:PORT] connect through the proxy at ADDR\n",
	"  -z, --zero-io           probe ports for listeners, sending no data;\n",
	"                          with HOST:PORT words, wait until all are open,\n",
	"                          then run the command after -- in our place\n",
	"      --allow LIST        accept only clients in LIST (addresses, CIDR)\n",
	"      --allowfile FILE    accept only clients listed in FILE\n",
	"      --any               -z HOST:PORT...: one open target is enough\n",
	"      --append-output     append to -o and --output files\n",
	"      --broker            relay every client's data to all other clients\n",
	"      --chat              --broker with <userN> prefixes\n",
	"      --delay SECS        same as -i (ncat's name)\n",
	"      --deny LIST         refuse clients in LIST (addresses, CIDR)\n",
	"      --denyfile FILE     refuse clients listed in FILE\n",
"      --expect REGEX      exit 0 once what is received matches REGEX (ERE,\n",
	"                          line by line), 3 if the session ends unmatched\n",
	"                          (-z: a target is open once its answer matches)\n",
		"      --idle-timeout SECS end the session after SECS without traffic (not\n",
	"                          connect); -u -l -k -e/-c: each peer's program\n",
	"      --json              report events as JSON lines on stderr\n",
	"      --keepalive         set SO_KEEPALIVE on the connection\n",
	"      --max-conns N       most clients served at once (default 100)\n",
	"      --no-shutdown       keep the write side open on stdin EOF\n",
	"      --no-splice         copy with read/write, never splice or sendfile\n",
	"      --output FILE       raw copy of the traffic, both ways, to FILE\n",
	"      --port-file FILE    once listening, write the port to FILE\n",
	"      --progress[=always] transfer meter on stderr (a terminal, or always)\n",
	"      --proxy-auth USER[:PASS]  proxy credentials\n",
	"      --recv-only         only receive: never read stdin nor send\n",
	"      --retry TIME        keep retrying a refused or failed connect for TIME\n",
	"      --retry-interval TIME  pause between retries (default 200ms)\n",
	"      --send-only         only send: discard what arrives, end at stdin EOF\n",
	"      --to ADDR           relay each client to ADDR (HOST:PORT,\n",
	"                          [ADDRESS]:PORT, tcp:, udp:, unix:PATH) and\n",
	"                          back; -s is then the upstream's source\n",
	"      --tty               raw local terminal while connected (keys go to the\n",
	"                          peer; Ctrl-C too)\n",
	"      --version           show the version and exit\n",
	"\n",
	"Times take ms, s, m or h (-w 500ms); a bare number is seconds.\n",
	"Exit status: 0 session completed, 1 network failure, 2 usage error,\n",
	"3 no match for --expect.\n",
	NULL,
};

void
cli_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->family = FAMILY_ANY;
	cfg->port = -1;
	cfg->source_port = -1;
	cfg->read_stdin = true;
	cfg->half_close = true;
	cfg->quit_ms = NO_LIMIT;
	cfg->wait_ms = NO_LIMIT;
	cfg->idle_ms = NO_LIMIT;
	cfg->interval_ms = 0;
	cfg->recv_limit = NO_LIMIT;
	cfg->rcvbuf = -1;
	cfg->sndbuf = -1;
	cfg->tos = -1;
	cfg->ttl = -1;
	cfg->min_ttl = -1;
	cfg->max_conns = DEFAULT_MAX_CONNS;
	cfg->proxy_port = -1;
	cfg->retry_ms = NO_LIMIT;
	cfg->retry_interval_ms = DEFAULT_RETRY_INTERVAL_MS;
	cfg->activation.fd = -1;
}

void
cli_free(struct config *cfg)
{
	free(cfg->ports.ports);
	cfg->ports.ports = NULL;
	parse_targets_free(&cfg->targets);
	acl_free(&cfg->allow);
	acl_free(&cfg->deny);
	free(cfg->proxy_auth);
	cfg->proxy_auth = NULL;
	free(cfg->proxy_pass);
	cfg->proxy_pass = NULL;
	parse_relay_free(&cfg->relay);
}

void
cli_help(void)
{
	const char *const *line;

	fputs(usage_text, stdout);
	for (line = options_text; *line != NULL; line++)
		fputs(*line, stdout);
}

long
cli_idle_ms(const struct config *cfg)
{
	return cfg->idle_ms != NO_LIMIT ? cfg->idle_ms : cfg->wait_ms;
}

const char *
cli_idle_option(const struct config *cfg, const char **arg)
{
	if (cfg->idle_ms != NO_LIMIT) {
		*arg = cfg->idle_arg;
		return "--idle-timeout";
	}
	*arg = cfg->wait_arg != NULL ? cfg->wait_arg : "";
	return "-w";
}

static const char *
refusal(int letter)
{
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (refused[i].letter == letter)
			return refused[i].why;
	return NULL;
}

/*
 * The message for what getopt_long() rejected: c is ':' (missing value)
 * or '?'; text is the argument it was looking at.  A long option is named
 * as typed, never by its internal code.
 */
static void
bad_option(int c, const char *text, char *err, size_t errlen)
{
	bool is_long = strncmp(text, "--", 2) == 0;
	size_t namelen = strcspn(text, "=");

	if (c == ':' && is_long)
		snprintf(err, errlen, "option %s needs a value", text);
	else if (c == ':')
		snprintf(err, errlen, "option -%c needs a value", optopt);
	else if (is_long && text[namelen] == '=' && optopt != 0)
		snprintf(err, errlen, "option %.*s takes no value",
		    (int)namelen, text);
	else if (is_long)
		snprintf(err, errlen, "unknown option %.*s (see sockcat -h)",
		    (int)namelen, text);
	else
		snprintf(err, errlen, "unknown option -%c (see sockcat -h)",
		    optopt);
}

/* A positive duration for -w, -i, --idle-timeout. */
static int
positive_time(const char *s, const char *opt, bool allow_zero, long *ms,
    char *err, size_t errlen)
{
	if (parse_time(s, opt, false, ms, err, errlen) == -1)
		return -1;
	if (*ms == 0 && !allow_zero) {
		snprintf(err, errlen,
		    "invalid time \"%s\" for %s: must be greater than 0", s,
		    opt);
		return -1;
	}
	return 0;
}

/* --expect: a pattern that does not compile is a usage error. */
static int
check_expect(const char *pattern, char *err, size_t errlen)
{
	struct expect e;
	char why[256];

	if (expect_init(&e, pattern, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "invalid regular expression \"%s\" for "
		    "--expect: %s", pattern, why);
		return -1;
	}
	expect_free(&e);
	return 0;
}

/* Does the option word w (one of ours) take the next word as its value? */
static bool
takes_next(const char *w)
{
	const struct option *o, *hit = NULL;
	const char *p;
	size_t len;

	if (w[1] == '-') {
		if (strchr(w, '=') != NULL)
			return false;
		len = strlen(w + 2);
		/* An exact name, or a prefix as getopt_long takes it. */
		for (o = long_opts; o->name != NULL; o++) {
			if (strncmp(o->name, w + 2, len) != 0)
				continue;
			if (o->name[len] == '\0')
				return o->has_arg == required_argument;
			hit = o;
		}
		return hit != NULL && hit->has_arg == required_argument;
	}
	for (w++; *w != '\0'; w++)
		if (*w != ':' && (p = strchr(short_opts + 1, *w)) != NULL &&
		    p[1] == ':')
			return w[1] == '\0';
	return false;
}

/*
 * Where the command of -z HOST:PORT... -- COMMAND starts: the first "--"
 * that follows an argument (a "--" before any is the usual end of the
 * options), or argc.  Found before getopt_long, which would drop it.
 */
static int
command_split(int argc, char *argv[])
{
	bool options = true, positional = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			if (positional)
				return i;
			options = false;
		} else if (options && argv[i][0] == '-' &&
		    argv[i][1] != '\0') {
			if (takes_next(argv[i]))
				i++;
		} else
			positional = true;
	}
	return argc;
}

int
cli_parse(struct config *cfg, int argc, char *argv[], char *err,
    size_t errlen)
{
	long n;
	int c, split;

	/* The command keeps argv's NULL end; getopt_long sees the rest. */
	if ((split = command_split(argc, argv)) < argc) {
		cfg->command = argv + split + 1;
		argc = split;
	}
	opterr = 0;
	/* 0, not 1: a full reset, also of a half-read option group. */
	optind = 0;
	while ((c = getopt_long(argc, argv, short_opts, long_opts,
	    NULL)) != -1) {
		switch (c) {
		case '4':
			cfg->family = FAMILY_INET;
			cfg->ipv4_flag = true;
			break;
		case '6':
			cfg->family = FAMILY_INET6;
			cfg->ipv6_flag = true;
			break;
		case 'b':
			cfg->broadcast = true;
			break;
		case 'C':
			cfg->crlf = true;
			break;
		case 'c':
			cfg->exec_shell = optarg;
			break;
		case 'e':
			cfg->exec_prog = optarg;
			break;
		case 'D':
			cfg->so_debug = true;
			break;
		case 'd':
			cfg->read_stdin = false;
			break;
		case 'F':
			cfg->fd_pass = true;
			break;
		case 'h':
			cfg->want_help = true;
			break;
		case 'I':
			if (parse_number(optarg, "receive buffer length", 1,
			    0x7fffffffL, &cfg->rcvbuf, err, errlen) == -1)
				return -1;
			break;
		case 'i':
			if (positive_time(optarg, "-i", true,
			    &cfg->interval_ms, err, errlen) == -1)
				return -1;
			break;
		case 'k':
			cfg->keep_open = true;
			break;
		case 'l':
			cfg->listen = true;
			break;
		case 'M':
			if (parse_number(optarg, "TTL", 1, 255, &n, err,
			    errlen) == -1)
				return -1;
			cfg->ttl = (int)n;
			break;
		case 'm':
			if (parse_number(optarg, "minimum TTL", 1, 255, &n,
			    err, errlen) == -1)
				return -1;
			cfg->min_ttl = (int)n;
			break;
		case 'N':
			cfg->half_close_flag = true;
			break;
		case 'n':
			cfg->numeric = true;
			break;
		case 'O':
			if (parse_number(optarg, "send buffer length", 1,
			    0x7fffffffL, &cfg->sndbuf, err, errlen) == -1)
				return -1;
			break;
		case 'o':
			cfg->hex_path = optarg;
			break;
		case 'P':
			cfg->proxy_user = optarg;
			break;
		case 'p':
			/* Checked in cli_check(): 0 is only for listening. */
			cfg->source_port_arg = optarg;
			break;
		case 'q':
			if (parse_time(optarg, "-q", true, &cfg->quit_ms, err,
			    errlen) == -1)
				return -1;
			break;
		case 'r':
			cfg->random_port = true;
			break;
		case 's':
			cfg->source = optarg;
			break;
		case 'T':
			if (parse_tos(optarg, &cfg->tos, err, errlen) == -1)
				return -1;
			break;
		case 't':
			cfg->telnet = true;
			break;
		case 'U':
			cfg->unix_socket = true;
			break;
		case 'u':
			cfg->udp = true;
			break;
		case 'v':
			cfg->verbose++;
			break;
		case 'W':
			if (parse_number(optarg, "packet count", 1,
			    0x7fffffffL, &cfg->recv_limit, err, errlen) == -1)
				return -1;
			break;
		case 'w':
			if (positive_time(optarg, "-w", false, &cfg->wait_ms,
			    err, errlen) == -1)
				return -1;
			cfg->wait_arg = optarg;
			break;
		case 'X':
			cfg->proxy_type_arg = optarg;
			break;
		case 'x':
			cfg->proxy_arg = optarg;
			break;
		case 'z':
			cfg->scan = true;
			break;
		case OPT_OUTPUT:
			cfg->raw_path = optarg;
			break;
		case OPT_APPEND_OUTPUT:
			cfg->raw_append = true;
			break;
		case OPT_SEND_ONLY:
			cfg->send_only = true;
			break;
		case OPT_RECV_ONLY:
			cfg->recv_only = true;
			break;
		case OPT_BROKER:
			cfg->broker = true;
			break;
		case OPT_CHAT:
			cfg->chat = cfg->broker = true;
			break;
		case OPT_MAX_CONNS:
			if (parse_number(optarg, "connection count", 1,
			    100000, &cfg->max_conns, err, errlen) == -1)
				return -1;
			cfg->max_conns_given = true;
			break;
		case OPT_ALLOW:
		case OPT_DENY:
			cfg->acl_given = true;
			if (acl_add(c == OPT_ALLOW ? &cfg->allow : &cfg->deny,
			    optarg, err, errlen) == -1)
				return -1;
			break;
		case OPT_ALLOWFILE:
		case OPT_DENYFILE:
			cfg->acl_given = true;
			if (acl_add_file(c == OPT_ALLOWFILE ? &cfg->allow :
			    &cfg->deny, optarg, err, errlen) == -1)
				return -1;
			break;
		case OPT_PROXY_AUTH:
			free(cfg->proxy_auth);
			if ((cfg->proxy_auth = strdup(optarg)) == NULL) {
				snprintf(err, errlen, "--proxy-auth: out of "
				    "memory");
				return -1;
			}
			break;
		case OPT_NO_SPLICE:
			cfg->no_splice = true;
			break;
		case OPT_RETRY:
			if (positive_time(optarg, "--retry", false,
			    &cfg->retry_ms, err, errlen) == -1)
				return -1;
			cfg->retry_arg = optarg;
			break;
		case OPT_RETRY_INTERVAL:
			if (positive_time(optarg, "--retry-interval", false,
			    &cfg->retry_interval_ms, err, errlen) == -1)
				return -1;
			break;
		case OPT_PORT_FILE:
			cfg->port_file = optarg;
			break;
		case OPT_TTY:
			cfg->tty = true;
			break;
		case OPT_PROGRESS:
			if (optarg == NULL)
				cfg->progress = PROGRESS_AUTO;
			else if (strcmp(optarg, "always") == 0)
				cfg->progress = PROGRESS_ALWAYS;
			else if (strcmp(optarg, "auto") == 0)
				cfg->progress = PROGRESS_AUTO;
			else if (strcmp(optarg, "never") == 0)
				cfg->progress = PROGRESS_OFF;
			else {
				snprintf(err, errlen, "invalid value \"%s\" for "
				    "--progress: expected always, auto or never",
				    optarg);
				return -1;
			}
			break;
		case OPT_JSON:
			cfg->json = true;
			break;
		case OPT_EXPECT:
			if (check_expect(optarg, err, errlen) == -1)
				return -1;
			cfg->expect = optarg;
			break;
		case OPT_ANY:
			cfg->any = true;
			break;
		case OPT_TO:
			/* Parsed in cli_check(), once -u is known. */
			cfg->relay_arg = optarg;
			break;
		case OPT_NO_SHUTDOWN:
			cfg->no_shutdown_flag = true;
			break;
		case OPT_KEEPALIVE:
			cfg->keepalive = true;
			break;
		case OPT_VERSION:
			cfg->want_version = true;
			break;
		case OPT_IDLE_TIMEOUT:
			if (positive_time(optarg, "--idle-timeout", false,
			    &cfg->idle_ms, err, errlen) == -1)
				return -1;
			cfg->idle_arg = optarg;
			break;
		case OPT_DELAY:
			if (positive_time(optarg, "--delay", true,
			    &cfg->interval_ms, err, errlen) == -1)
				return -1;
			break;
		case ':':
		case '?':
			bad_option(c, argv[optind - 1], err, errlen);
			return -1;
		default:
			if (refusal(c) != NULL) {
				snprintf(err, errlen, "option -%c %s", c,
				    refusal(c));
				return -1;
			}
			snprintf(err, errlen, "unhandled option -%c", c);
			return -1;
		}
	}
	cfg->args = argv + optind;
	cfg->nargs = argc - optind;
	return 0;
}

/* Sets cfg->port from text, checking it against any -p already given. */
static int
settle_listen_port(struct config *cfg, const char *text, char *err,
    size_t errlen)
{
	const char *proto = cfg->udp ? "udp" : "tcp";
	int port;

	if (parse_port(text, proto, true, &port, err, errlen) == -1)
		return -1;
	if (cfg->port != -1 && cfg->port != port) {
		snprintf(err, errlen, "conflicting ports to listen on: "
		    "-p %s and \"%s\"", cfg->port_arg, text);
		return -1;
	}
	cfg->port = port;
	cfg->port_arg = text;
	return 0;
}

/* Listen mode: [address] [port], with -p and -s as alternatives. */
static int
check_listen_args(struct config *cfg, char *err, size_t errlen)
{
	const char *addr = NULL;

	if (cfg->source_port_arg != NULL &&
	    settle_listen_port(cfg, cfg->source_port_arg, err, errlen) == -1)
		return -1;
	if (cfg->nargs > 2) {
		snprintf(err, errlen, "unexpected argument \"%s\": listen "
		    "takes an address and a port", cfg->args[2]);
		return -1;
	}
	if (cfg->nargs == 2) {
		addr = cfg->args[0];
		if (settle_listen_port(cfg, cfg->args[1], err, errlen) == -1)
			return -1;
	} else if (cfg->nargs == 1) {
		/* A single numeric argument is the port (sockcat -l 7777). */
		if (parse_is_digits(cfg->args[0])) {
			if (settle_listen_port(cfg, cfg->args[0], err,
			    errlen) == -1)
				return -1;
		} else
			addr = cfg->args[0];
	}
	/* With --to, -s is the upstream's source: the address is ours. */
	if (cfg->relay_arg != NULL) {
		cfg->host = addr;
		goto port;
	}
	if (addr != NULL && cfg->source != NULL &&
	    strcmp(addr, cfg->source) != 0) {
		snprintf(err, errlen, "conflicting addresses to listen on: "
		    "-s %s and \"%s\"", cfg->source, addr);
		return -1;
	}
	cfg->host = addr != NULL ? addr : cfg->source;
port:
	/* Under socket activation the unit says where to listen. */
	if (cfg->port == -1 && cfg->activation.count == 0) {
		snprintf(err, errlen, "missing port to listen on "
		    "(sockcat -l PORT, or -l 0 for any free port)");
		return -1;
	}
	return 0;
}

/* Is this -z the wait-for form: targets, a command or --any? */
static bool
wait_form(const struct config *cfg)
{
	int i;

	if (cfg->command != NULL || cfg->any)
		return true;
	for (i = 0; i < cfg->nargs; i++)
		if (parse_is_target(cfg->args[i]))
			return true;
	return false;
}

/*
 * -z HOST:PORT... [-- COMMAND]: the targets to wait for.  The classic
 * HOST PORT... makes a target of each port; a mix of the forms is a
 * usage error naming the word that breaks it.
 */
static int
check_wait_args(struct config *cfg, char *err, size_t errlen)
{
	const char *proto = cfg->udp ? "udp" : "tcp";
	bool classic;
	size_t j;
	int i;

	if (cfg->command != NULL && cfg->command[0] == NULL) {
		snprintf(err, errlen, "missing command after --");
		return -1;
	}
	if (cfg->nargs == 0) {
		snprintf(err, errlen, "missing targets to wait for "
		    "(-z HOST:PORT ...)");
		return -1;
	}
	classic = !parse_is_target(cfg->args[0]);
	if (classic && cfg->args[0][0] == '\0') {
		snprintf(err, errlen, "invalid host \"\": empty");
		return -1;
	}
	if (classic && cfg->nargs == 1) {
		snprintf(err, errlen, "missing port to connect to on \"%s\"",
		    cfg->args[0]);
		return -1;
	}
	for (i = classic ? 1 : 0; i < cfg->nargs; i++) {
		if (parse_is_target(cfg->args[i]) == classic) {
			snprintf(err, errlen, "argument \"%s\" mixes forms: "
			    "-z takes HOST PORT... or HOST:PORT..., not both",
			    cfg->args[i]);
			return -1;
		}
		if ((classic ? parse_port_list(cfg->args[i], proto,
		    &cfg->ports, err, errlen) : parse_target(cfg->args[i],
		    proto, &cfg->targets, err, errlen)) == -1)
			return -1;
	}
	for (j = 0; classic && j < cfg->ports.count; j++)
		if (parse_target_add(&cfg->targets, cfg->args[0],
		    cfg->ports.ports[j], NULL, err, errlen) == -1)
			return -1;
	return 0;
}

/*
 * One argument that reads as HOST:PORT or [HOST]:PORT (parse.c's reading,
 * so a bare IPv6 address is none) with a single valid port: *host
 * (hostlen bytes) and *port, for a hint.  Never a syntax that connects.
 */
static bool
joined_host_port(const char *arg, const char *proto, const char **host,
    size_t *hostlen, const char **port)
{
	char scratch[128];
	int n;

	return parse_split_target(arg, host, hostlen, port) && *hostlen > 0 &&
	    parse_port(*port, proto, false, &n, scratch, sizeof(scratch)) == 0;
}

/* Connect mode (and -z's classic form): a host and its ports. */
static int
check_host_port_args(struct config *cfg, char *err, size_t errlen)
{
	const char *proto = cfg->udp ? "udp" : "tcp", *host, *port;
	size_t hostlen;
	int i;

	if (cfg->nargs == 0) {
		snprintf(err, errlen, "missing host and port to connect to "
		    "(see sockcat -h)");
		return -1;
	}
	if (cfg->nargs == 1 && !cfg->scan &&
	    joined_host_port(cfg->args[0], proto, &host, &hostlen, &port)) {
		snprintf(err, errlen, "missing port to connect to on \"%s\" "
		    "(host and port are two arguments: sockcat %.*s %s)",
		    cfg->args[0], (int)hostlen, host, port);
		return -1;
	}
	if (cfg->nargs == 1) {
		snprintf(err, errlen, "missing port to connect to on \"%s\"",
		    cfg->args[0]);
		return -1;
	}
	cfg->host = cfg->args[0];
	cfg->port_arg = cfg->args[1];
	if (cfg->scan) {
		/* -z takes ports, ranges and lists, in the order given. */
		for (i = 1; i < cfg->nargs; i++)
			if (parse_port_list(cfg->args[i], proto, &cfg->ports,
			    err, errlen) == -1)
				return -1;
		cfg->port = cfg->ports.ports[0];
	} else {
		if (cfg->nargs > 2) {
			snprintf(err, errlen, "unexpected argument \"%s\": "
			    "connect takes a host and one port (-z probes "
			    "several)", cfg->args[2]);
			return -1;
		}
		if (parse_port(cfg->port_arg, proto, false, &cfg->port, err,
		    errlen) == -1)
			return -1;
	}
	return 0;
}

/* Connect mode and -z: the arguments, then -p as the source port. */
static int
check_connect_args(struct config *cfg, char *err, size_t errlen)
{
	const char *proto = cfg->udp ? "udp" : "tcp";

	if ((cfg->scan && wait_form(cfg) ? check_wait_args(cfg, err, errlen) :
	    check_host_port_args(cfg, err, errlen)) == -1)
		return -1;
	if (cfg->source_port_arg != NULL &&
	    parse_port(cfg->source_port_arg, proto, false, &cfg->source_port,
	    err, errlen) == -1)
		return -1;
	return 0;
}

/* -U: one path, to connect to or to listen on. */
static int
check_unix_args(struct config *cfg, char *err, size_t errlen)
{
	if (cfg->nargs == 0 && cfg->listen && cfg->activation.count > 0)
		return 0;	/* the unit's socket: activation_take() */
	if (cfg->nargs == 0) {
		snprintf(err, errlen, "missing socket path for -U");
		return -1;
	}
	if (cfg->nargs > 1) {
		snprintf(err, errlen, "unexpected argument \"%s\": -U takes "
		    "one socket path", cfg->args[1]);
		return -1;
	}
	if (cfg->args[0][0] == '\0' || strlen(cfg->args[0]) >= UNIX_PATH_MAX) {
		snprintf(err, errlen, "invalid socket path \"%s\": must be "
		    "1-%d bytes", cfg->args[0], UNIX_PATH_MAX - 1);
		return -1;
	}
	cfg->unix_path = cfg->args[0];
	return 0;
}

/*
 * -x ADDR[:PORT], [IPV6]:PORT or a bare IPv6 address; -X or --proxy-type;
 * -P or --proxy-auth USER[:PASS], the password also from the environment.
 */
static int
check_proxy_args(struct config *cfg, char *err, size_t errlen)
{
	static const struct {
		const char	*name;
		enum proxy_type	 type;
	} types[] = {
		{ "4", PROXY_SOCKS4 }, { "socks4", PROXY_SOCKS4 },
		{ "4a", PROXY_SOCKS4A }, { "socks4a", PROXY_SOCKS4A },
		{ "5", PROXY_SOCKS5 }, { "socks5", PROXY_SOCKS5 },
		{ "connect", PROXY_HTTP }, { "http", PROXY_HTTP },
	};
	const char *arg = cfg->proxy_arg, *port = NULL, *env;
	size_t i, hostlen;
	char *colon, why_buf[128];

	cfg->proxy_type = PROXY_SOCKS5;
	if (cfg->proxy_type_arg != NULL) {
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcmp(cfg->proxy_type_arg, types[i].name) == 0)
				break;
		if (i == sizeof(types) / sizeof(types[0])) {
			snprintf(err, errlen, "invalid proxy type \"%s\": "
			    "expected 4, 4a, 5, connect, socks4, socks4a, "
			    "socks5 or http", cfg->proxy_type_arg);
			return -1;
		}
		cfg->proxy_type = types[i].type;
	}
	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':')) {
			snprintf(err, errlen, "invalid proxy address \"%s\": "
			    "expected [ADDRESS]:PORT", arg);
			return -1;
		}
		hostlen = (size_t)(close - arg - 1);
		arg++;
		if (close[1] == ':')
			port = close + 2;
	} else if ((colon = strchr(arg, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		hostlen = (size_t)(colon - arg);
		port = colon + 1;
	} else
		hostlen = strlen(arg);	/* a name, or a bare IPv6 address */
	if (hostlen == 0 || hostlen >= sizeof(cfg->proxy_host)) {
		snprintf(err, errlen, "invalid proxy address \"%s\": empty "
		    "or too long host", cfg->proxy_arg);
		return -1;
	}
	memcpy(cfg->proxy_host, arg, hostlen);
	cfg->proxy_host[hostlen] = '\0';
	if (port == NULL)
		cfg->proxy_port = cfg->proxy_type == PROXY_HTTP ? 3128 : 1080;
	else if (port[0] == '\0') {
		snprintf(err, errlen, "missing proxy port in -x \"%s\"",
		    cfg->proxy_arg);
		return -1;
	} else if (parse_port(port, "tcp", false, &cfg->proxy_port, err,
	    errlen) == -1) {
		/* parse_port said 'invalid port "P": why'; say whose. */
		const char *why = strstr(err, "\": ");

		snprintf(why_buf, sizeof(why_buf), "%s",
		    why != NULL ? why + 3 : err);
		snprintf(err, errlen, "invalid proxy port \"%s\" in -x \"%s\": "
		    "%s", port, cfg->proxy_arg, why_buf);
		return -1;
	}

	if (cfg->proxy_auth != NULL) {
		if (cfg->proxy_user != NULL) {
			snprintf(err, errlen, "options -P and --proxy-auth "
			    "conflict: give the user once");
			return -1;
		}
		cfg->proxy_user = cfg->proxy_auth;
		if ((colon = strchr(cfg->proxy_auth, ':')) != NULL) {
			*colon = '\0';
			if ((cfg->proxy_pass = strdup(colon + 1)) == NULL)
				goto nomem;
		}
	}
	if (cfg->proxy_user != NULL && cfg->proxy_pass == NULL &&
	    (env = getenv("SOCKCAT_PROXY_PASS")) != NULL &&
	    (cfg->proxy_pass = strdup(env)) == NULL)
		goto nomem;
	return 0;
nomem:
	snprintf(err, errlen, "proxy credentials: out of memory");
	return -1;
}

/* The conflict rules: each one a condition and what to tell the user. */
static int
check_conflicts(const struct config *cfg, char *err, size_t errlen)
{
	const bool exec = cfg->exec_prog != NULL || cfg->exec_shell != NULL;
	const bool proxy = cfg->proxy_arg != NULL;
	const bool relay = cfg->relay.kind != RELAY_NONE;
	/* -U to an IP upstream: the IP options are the upstream's. */
	const bool relay_ip = cfg->relay.kind == RELAY_TCP ||
	    cfg->relay.kind == RELAY_UDP;
	const bool ip_opts = cfg->tos != -1 || cfg->ttl != -1 ||
	    cfg->min_ttl != -1 || cfg->broadcast;
	const struct {
		bool		 broken;
		const char	*why;
	} rules[] = {
		{ cfg->ipv4_flag && cfg->ipv6_flag,
		    "options -4 and -6 conflict: give at most one" },
		{ cfg->half_close_flag && cfg->no_shutdown_flag,
		    "options -N and --no-shutdown conflict" },
		{ cfg->keep_open && !cfg->listen,
		    "option -k needs -l: it keeps a listener open "
		    "(for SO_KEEPALIVE use --keepalive)" },
		{ cfg->keep_open && cfg->udp && exec && cfg->unix_socket,
		    "options -U -u -k and -e/-c conflict: a program per Unix "
		    "datagram peer is not supported" },
		{ cfg->keep_open && cfg->udp && exec && (cfg->crlf ||
		    cfg->interval_ms > 0 || cfg->quit_ms != NO_LIMIT ||
		    cfg->recv_limit != NO_LIMIT),
		    "options -C, -i, -q and -W do not apply to -u -l -k with "
		    "-e/-c: each peer's program gets its datagrams as they "
		    "are" },
		{ cfg->telnet && cfg->udp,
		    "options -t and -u conflict: telnet negotiation needs TCP" },
		{ cfg->random_port && cfg->listen,
		    "options -r and -l conflict: -r picks a random source port "
		    "when connecting" },
		{ cfg->random_port && cfg->source_port_arg != NULL &&
		    !cfg->scan,
		    "options -r and -p conflict: give a source port or ask for "
		    "a random one" },
		{ cfg->exec_prog != NULL && cfg->exec_shell != NULL,
		    "options -e and -c conflict: give one program" },
		{ exec && !cfg->read_stdin,
		    "options -d and -e/-c conflict: with -e/-c the program's "
		    "output is sent, not stdin" },
		{ exec && (cfg->send_only || cfg->recv_only),
		    "options -e/-c and --send-only/--recv-only conflict" },
		{ cfg->send_only && cfg->recv_only,
		    "options --send-only and --recv-only conflict" },
		{ cfg->send_only && !cfg->read_stdin,
		    "options --send-only and -d conflict: nothing would be "
		    "sent" },
		{ cfg->scan && cfg->listen,
		    "options -z and -l conflict: -z probes remote ports" },
		{ cfg->scan && (exec || cfg->broker || cfg->send_only ||
		    cfg->recv_only || proxy || cfg->unix_socket),
		    "option -z sends no data: it does not combine with -e, -c, "
		    "-x, -U, --broker, --chat, --send-only or --recv-only" },
		{ cfg->broker && !cfg->listen,
		    "options --broker and --chat need -l" },
		{ cfg->broker && (exec || cfg->udp),
		    "options --broker/--chat and -e/-c/-u conflict" },
		{ cfg->broker && (cfg->quit_ms != NO_LIMIT ||
		    cfg->recv_limit != NO_LIMIT),
		    "options -q and -W do not apply to --broker/--chat: they "
		    "end one session, and a broker ends on a signal or -w" },
		{ cfg->max_conns_given && !cfg->listen,
		    "option --max-conns needs -l" },
		{ cfg->acl_given && !cfg->listen,
		    "options --allow/--deny/--allowfile/--denyfile need -l" },
		{ cfg->acl_given && cfg->unix_socket,
		    "options --allow/--deny/--allowfile/--denyfile and -U "
		    "conflict: a Unix socket peer has no address to check" },
		{ proxy && !relay && (cfg->listen || cfg->udp ||
		    cfg->unix_socket),
		    "option -x connects through a proxy: it does not combine "
		    "with -l, -u or -U" },
		{ relay && (exec || cfg->scan || cfg->broker || cfg->fd_pass ||
		    cfg->expect != NULL),
		    "option --to relays each client to an upstream: it does "
		    "not combine with -e, -c, -z, -F, --broker, --chat or "
		    "--expect" },
		{ relay && (cfg->crlf || cfg->interval_ms > 0 || cfg->telnet ||
		    cfg->quit_ms != NO_LIMIT || cfg->recv_limit != NO_LIMIT ||
		    cfg->send_only || cfg->recv_only || !cfg->read_stdin ||
		    cfg->tty || cfg->no_shutdown_flag ||
		    cfg->progress != PROGRESS_OFF),
		    "options -C, -d, -i, -q, -t, -W, --send-only, --recv-only, "
		    "--no-shutdown, --tty and --progress act on stdin and "
		    "stdout: a relay (--to) passes bytes and ends of stream "
		    "as they come" },
		{ relay && cfg->udp && cfg->unix_socket,
		    "options --to and -U -u conflict: a Unix datagram "
		    "listener cannot be relayed" },
		{ relay && cfg->relay.kind == RELAY_UDP && !cfg->udp,
		    "option --to udp:... needs -u: a stream listener's bytes "
		    "have no datagram boundaries to keep" },
		{ relay && cfg->udp && cfg->relay.kind != RELAY_UDP,
		    "options -u and --to tcp:/unix: conflict: a UDP relay "
		    "sends each datagram to a UDP upstream (datagram "
		    "boundaries would be lost on a stream)" },
		{ relay && cfg->listen && cfg->relay.kind == RELAY_UNIX &&
		    cfg->source != NULL,
		    "option -s with -l --to names the upstream's source "
		    "address: a Unix upstream has none (give the address to "
		    "listen on as an argument)" },
		{ relay && proxy && (cfg->relay.kind != RELAY_TCP ||
		    !cfg->listen),
		    "option -x with --to needs -l and a TCP upstream: the "
		    "proxy carries the upstream leg (in connect mode it would "
		    "be unclear which leg)" },
		{ !proxy && (cfg->proxy_type_arg != NULL ||
		    cfg->proxy_user != NULL || cfg->proxy_auth != NULL),
		    "options -X, -P and --proxy-auth need -x" },
		{ cfg->unix_socket && (cfg->source_port_arg != NULL ||
		    cfg->random_port || (!relay_ip && (cfg->ipv4_flag ||
		    cfg->ipv6_flag || ip_opts))),
		    "option -U conflicts with -4, -6, -p, -r, -b, -M, -m and -T: "
		    "a Unix socket has no IP" },
		{ cfg->port_file != NULL && (!cfg->listen || cfg->unix_socket),
		    "option --port-file needs -l with TCP or UDP" },
		{ cfg->retry_ms != NO_LIMIT && cfg->listen,
		    "option --retry is for connecting: it does not combine "
		    "with -l" },
		{ cfg->tty && (cfg->scan || cfg->broker ||
		    cfg->exec_prog != NULL || cfg->exec_shell != NULL),
		    "option --tty needs stdin: it does not combine with -z, "
		    "-e, -c, --broker or --chat" },
		{ cfg->json && cfg->progress == PROGRESS_ALWAYS,
		    "options --json and --progress=always conflict: both "
		    "write to stderr" },
		{ cfg->expect != NULL && (cfg->keep_open || exec ||
		    cfg->broker || cfg->send_only),
		    "option --expect matches one session's received data: it "
		    "does not combine with -k, -e, -c, --broker, --chat "
		    "or --send-only" },
		{ cfg->fd_pass && (cfg->listen || cfg->scan || exec ||
		    cfg->broker),
		    "option -F hands a connected socket to the program on "
		    "stdout: it does not combine with -l, -z, -e, -c, --broker "
		    "or --chat" },
		{ cfg->fd_pass && cfg->unix_socket && cfg->udp,
		    "options -F and -U -u conflict: sockcat removes its "
		    "datagram socket's own path on exit, so the socket passed "
		    "could not be answered" },
		{ cfg->fd_pass && (cfg->crlf || cfg->interval_ms > 0 ||
		    cfg->hex_path != NULL || cfg->raw_path != NULL ||
		    cfg->quit_ms != NO_LIMIT || cfg->telnet ||
		    cfg->recv_limit != NO_LIMIT || cfg->send_only ||
		    cfg->recv_only || cfg->tty || cfg->expect != NULL),
		    "option -F moves no data itself: it does not combine with "
		    "-C, -i, -o, -q, -t, -W, --output, --send-only, --recv-only, "
		    "--tty or --expect" },
		{ cfg->expect != NULL && cfg->scan && cfg->udp,
		    "options -z, -u and --expect conflict: -z checks what a "
		    "TCP service answers" },
		{ cfg->expect != NULL && cfg->scan && cfg->crlf,
		    "options -z, --expect and -C conflict: -z sends stdin as "
		    "it is (write CRLF in it)" },
		{ cfg->unix_socket && cfg->source != NULL && !cfg->udp &&
		    !relay_ip,
		    "option -s with -U needs -u: it names the local datagram "
		    "socket" },
		{ cfg->command != NULL && !cfg->scan,
		    "a command after -- needs -z: sockcat -z HOST:PORT... -- "
		    "COMMAND runs it once the targets are open" },
		{ cfg->any && !cfg->scan,
		    "option --any needs -z: it waits for one of the targets" },
	};
	size_t i;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		if (rules[i].broken) {
			snprintf(err, errlen, "%s", rules[i].why);
			return -1;
		}
	}
	return 0;
}

/* -n: an address that is not numeric is a usage error, found without DNS. */
static int
check_numeric(const char *host, char *err, size_t errlen)
{
	struct addrinfo hints, *res;

	if (host == NULL)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST;
	if (getaddrinfo(host, NULL, &hints, &res) != 0) {
		snprintf(err, errlen, "invalid address \"%s\": not numeric, "
		    "and -n forbids name lookups", host);
		return -1;
	}
	freeaddrinfo(res);
	return 0;
}

/* The family of a numeric address; AF_UNSPEC for a name (or none). */
static int
numeric_family(const char *host)
{
	struct addrinfo hints, *res;
	int family;

	if (host == NULL)
		return AF_UNSPEC;
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return AF_UNSPEC;
	family = res->ai_family;
	freeaddrinfo(res);
	return family;
}

/*
 * --to with a numeric upstream that -4, -6 or -s can never reach: refused
 * now, not at every client.  A name is looked up per client: not here.
 */
static int
check_relay_family(const struct config *cfg, char *err, size_t errlen)
{
	int family, source;

	if ((cfg->relay.kind != RELAY_TCP && cfg->relay.kind != RELAY_UDP) ||
	    cfg->proxy_arg != NULL ||
	    (family = numeric_family(cfg->relay.host)) == AF_UNSPEC)
		return 0;
	if ((cfg->ipv4_flag && family == AF_INET6) ||
	    (cfg->ipv6_flag && family == AF_INET)) {
		snprintf(err, errlen, "relay target \"%s\" is an IPv%c "
		    "address: -%c cannot reach it", cfg->relay.arg,
		    family == AF_INET ? '4' : '6', cfg->ipv4_flag ? '4' : '6');
		return -1;
	}
	source = numeric_family(cfg->source);
	if (source != AF_UNSPEC && source != family) {
		snprintf(err, errlen, "relay target \"%s\" is an IPv%c "
		    "address: it cannot be reached from -s %s",
		    cfg->relay.arg, family == AF_INET ? '4' : '6',
		    cfg->source);
		return -1;
	}
	return 0;
}

int
cli_check(struct config *cfg, char *err, size_t errlen)
{
	size_t i;
	int rc;

	if (cfg->relay_arg != NULL && parse_relay(cfg->relay_arg, cfg->udp,
	    &cfg->relay, err, errlen) == -1)
		return -1;
	if (check_conflicts(cfg, err, errlen) == -1 ||
	    check_relay_family(cfg, err, errlen) == -1)
		return -1;
	if (cfg->no_shutdown_flag)
		cfg->half_close = false;
	if (cfg->broker)
		cfg->keep_open = true;
	/* --recv-only: never send, not even a FIN (ncat's meaning). */
	if (cfg->recv_only) {
		cfg->read_stdin = false;
		cfg->half_close = false;
	}
	if (cfg->listen &&
	    activation_init(&cfg->activation, err, errlen) == -1)
		return -1;
	if (cfg->unix_socket)
		rc = check_unix_args(cfg, err, errlen);
	else if (cfg->listen)
		rc = check_listen_args(cfg, err, errlen);
	else
		rc = check_connect_args(cfg, err, errlen);
	if (rc == -1)
		return -1;
	if (cfg->activation.count > 0) {
		if (activation_take(&cfg->activation, cfg, err, errlen) == -1)
			return -1;
		if (cfg->unix_socket && cfg->unix_path == NULL)
			cfg->unix_path = cfg->activation.path;
	}
	if (cfg->proxy_arg != NULL && check_proxy_args(cfg, err, errlen) == -1)
		return -1;
	/*
	 * -n: no name lookups here.  A SOCKS4a, SOCKS5 or HTTP proxy looks up
	 * the target itself, so only the proxy's own address must be numeric.
	 */
	for (i = 0; cfg->numeric && i < cfg->targets.count; i++)
		if (check_numeric(cfg->targets.items[i].host, err,
		    errlen) == -1)
			return -1;
	if (cfg->numeric && !cfg->unix_socket &&
	    ((cfg->proxy_type == PROXY_NONE ||
	    cfg->proxy_type == PROXY_SOCKS4 ?
	    check_numeric(cfg->host, err, errlen) :
	    check_numeric(cfg->proxy_host, err, errlen)) == -1 ||
	    check_numeric(cfg->source, err, errlen) == -1))
		return -1;
	if (cfg->numeric && cfg->relay.host != NULL &&
	    cfg->proxy_type != PROXY_SOCKS4A &&
	    cfg->proxy_type != PROXY_SOCKS5 && cfg->proxy_type != PROXY_HTTP &&
	    check_numeric(cfg->relay.host, err, errlen) == -1)
		return -1;
	return 0;
}
