/* cli.c -- command-line options into struct config; conflict rules; help. */

#include <sys/socket.h>

#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "parse.h"

/* Long options without a short letter get codes above any char. */
enum long_only {
	OPT_NO_SHUTDOWN = 256,
	OPT_KEEPALIVE,
	OPT_VERSION,
	OPT_IDLE_TIMEOUT,
	OPT_DELAY,
};

static const char short_opts[] = ":46bCDdhI:i:klM:m:NnO:p:q:rs:T:tuvW:w:"
    "FGgHKRSVZ";

static const struct option long_opts[] = {
	{ "ipv4",		no_argument,		NULL, '4' },
	{ "ipv6",		no_argument,		NULL, '6' },
	{ "broadcast",		no_argument,		NULL, 'b' },
	{ "crlf",		no_argument,		NULL, 'C' },
	{ "socket-debug",	no_argument,		NULL, 'D' },
	{ "no-stdin",		no_argument,		NULL, 'd' },
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
	{ "source-port",	required_argument,	NULL, 'p' },
	{ "quit",		required_argument,	NULL, 'q' },
	{ "randomize",		no_argument,		NULL, 'r' },
	{ "source",		required_argument,	NULL, 's' },
	{ "tos",		required_argument,	NULL, 'T' },
	{ "telnet",		no_argument,		NULL, 't' },
	{ "udp",		no_argument,		NULL, 'u' },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "recv-limit",		required_argument,	NULL, 'W' },
	{ "wait",		required_argument,	NULL, 'w' },
	{ "no-shutdown",	no_argument,		NULL, OPT_NO_SHUTDOWN },
	{ "keepalive",		no_argument,		NULL, OPT_KEEPALIVE },
	{ "version",		no_argument,		NULL, OPT_VERSION },
	{ "idle-timeout",	required_argument,	NULL, OPT_IDLE_TIMEOUT },
	{ "delay",		required_argument,	NULL, OPT_DELAY },
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
	{ 'F', "passes the socket over stdout in OpenBSD nc; not supported" },
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
"usage: sockcat [-46bCDdhklNnrtuv] [-I length] [-i interval] [-M ttl]\n"
"               [-m minttl] [-O length] [-p port] [-q seconds] [-s address]\n"
"               [-T tos] [-W recvlimit] [-w timeout] [long options]\n"
"               [host] [port]\n"
"       sockcat -l [options] [address] port\n"
"       sockcat -l -p port [options] [address]\n";

static const char options_text[] =
"\n"
"Connects to host port, or listens with -l, and copies stdin to the\n"
"socket and the socket to stdout.\n"
"\n"
"Options:\n"
"  -4, --ipv4              IPv4 only\n"
"  -6, --ipv6              IPv6 only\n"
"  -b, --broadcast         allow sending to broadcast addresses (UDP)\n"
"  -C, --crlf              send CRLF as line ending (LF becomes CRLF)\n"
"  -D, --socket-debug      set SO_DEBUG on the socket\n"
"  -d, --no-stdin          do not read stdin\n"
"  -h, --help              show this help and exit\n"
"  -I, --recv-buffer LEN   socket receive buffer size (SO_RCVBUF)\n"
"  -i, --interval SECS     delay between lines sent\n"
"  -k, --keep-open         keep listening after a client leaves (with -l)\n"
"  -l, --listen            listen for an incoming connection\n"
"  -M, --ttl TTL           outgoing TTL / hop limit\n"
"  -m, --min-ttl TTL       minimum incoming TTL / hop limit\n"
"  -N, --half-close        shut down the socket's write side on stdin EOF\n"
"                          (the default; kept for compatibility)\n"
"  -n, --nodns             numeric addresses only, no DNS or reverse lookups\n"
"  -O, --send-buffer LEN   socket send buffer size (SO_SNDBUF)\n"
"  -p, --source-port PORT  connect: source port; listen: port to listen on\n"
"  -q, --quit SECS         after stdin EOF, exit when the peer closes or\n"
"                          after SECS; negative: wait for the peer\n"
"  -r, --randomize         pick a random source port\n"
"  -s, --source ADDR       source address (connect) or bind address (listen)\n"
"  -T, --tos TOS           IP TOS / traffic class: lowdelay, throughput,\n"
"                          reliability, lowcost, ef, af11-af43, cs0-cs7, ...\n"
"                          Minimize-Delay, ..., or a number 0-255\n"
"  -t, --telnet            refuse telnet option negotiation\n"
"  -u, --udp               UDP instead of TCP\n"
"  -v, --verbose           report connections on stderr; -vv adds a summary\n"
"  -W, --recv-limit N      exit after receiving N packets\n"
"  -w, --wait SECS         timeout for connect, accept and idleness\n"
"      --delay SECS        same as -i (ncat's name)\n"
"      --idle-timeout SECS exit after SECS without traffic (not connect)\n"
"      --keepalive         set SO_KEEPALIVE on the connection\n"
"      --no-shutdown       keep the write side open on stdin EOF\n"
"      --version           show the version and exit\n"
"\n"
"Times take ms, s, m or h (-w 500ms); a bare number is seconds.\n"
"Exit status: 0 session completed, 1 network failure, 2 usage error.\n";

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
}

void
cli_help(void)
{
	fputs(usage_text, stdout);
	fputs(options_text, stdout);
}

long
cli_idle_ms(const struct config *cfg)
{
	return cfg->idle_ms != NO_LIMIT ? cfg->idle_ms : cfg->wait_ms;
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

int
cli_parse(struct config *cfg, int argc, char *argv[], char *err,
    size_t errlen)
{
	long n;
	int c;

	opterr = 0;
	optind = 1;
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
		case 'D':
			cfg->so_debug = true;
			break;
		case 'd':
			cfg->read_stdin = false;
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
			break;
		case OPT_DELAY:
			if (positive_time(optarg, "--delay", true,
			    &cfg->interval_ms, err, errlen) == -1)
				return -1;
			break;
		case ':':
			if (optopt != 0)
				snprintf(err, errlen, "option -%c needs a value",
				    optopt);
			else
				snprintf(err, errlen, "option %s needs a value",
				    argv[optind - 1]);
			return -1;
		case '?':
			if (optopt != 0)
				snprintf(err, errlen, "unknown option -%c "
				    "(see sockcat -h)", optopt);
			else
				snprintf(err, errlen, "unknown option %s "
				    "(see sockcat -h)", argv[optind - 1]);
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
	if (addr != NULL && cfg->source != NULL &&
	    strcmp(addr, cfg->source) != 0) {
		snprintf(err, errlen, "conflicting addresses to listen on: "
		    "-s %s and \"%s\"", cfg->source, addr);
		return -1;
	}
	cfg->host = addr != NULL ? addr : cfg->source;
	if (cfg->port == -1) {
		snprintf(err, errlen, "missing port to listen on "
		    "(sockcat -l PORT, or -l 0 for any free port)");
		return -1;
	}
	return 0;
}

/* Connect mode: host port, and -p as the source port. */
static int
check_connect_args(struct config *cfg, char *err, size_t errlen)
{
	const char *proto = cfg->udp ? "udp" : "tcp";

	if (cfg->nargs == 0) {
		snprintf(err, errlen, "missing host and port to connect to "
		    "(see sockcat -h)");
		return -1;
	}
	if (cfg->nargs == 1) {
		snprintf(err, errlen, "missing port to connect to on \"%s\"",
		    cfg->args[0]);
		return -1;
	}
	if (cfg->nargs > 2) {
		snprintf(err, errlen, "unexpected argument \"%s\": connect "
		    "takes a host and one port", cfg->args[2]);
		return -1;
	}
	cfg->host = cfg->args[0];
	cfg->port_arg = cfg->args[1];
	if (parse_port(cfg->port_arg, proto, false, &cfg->port, err,
	    errlen) == -1)
		return -1;
	if (cfg->source_port_arg != NULL &&
	    parse_port(cfg->source_port_arg, proto, false, &cfg->source_port,
	    err, errlen) == -1)
		return -1;
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

int
cli_check(struct config *cfg, char *err, size_t errlen)
{
	if (cfg->ipv4_flag && cfg->ipv6_flag) {
		snprintf(err, errlen, "options -4 and -6 conflict: "
		    "give at most one");
		return -1;
	}
	if (cfg->half_close_flag && cfg->no_shutdown_flag) {
		snprintf(err, errlen, "options -N and --no-shutdown conflict");
		return -1;
	}
	if (cfg->no_shutdown_flag)
		cfg->half_close = false;
	if (cfg->keep_open && !cfg->listen) {
		snprintf(err, errlen, "option -k needs -l: it keeps a "
		    "listener open (for SO_KEEPALIVE use --keepalive)");
		return -1;
	}
	if (cfg->keep_open && cfg->udp) {
		snprintf(err, errlen, "options -k and -u conflict: a UDP "
		    "listener serves its first peer only");
		return -1;
	}
	if (cfg->telnet && cfg->udp) {
		snprintf(err, errlen, "options -t and -u conflict: telnet "
		    "negotiation needs TCP");
		return -1;
	}
	if (cfg->random_port && cfg->listen) {
		snprintf(err, errlen, "options -r and -l conflict: -r picks "
		    "a random source port when connecting");
		return -1;
	}
	if (cfg->random_port && cfg->source_port_arg != NULL) {
		snprintf(err, errlen, "options -r and -p conflict: give a "
		    "source port or ask for a random one");
		return -1;
	}
	if ((cfg->listen ? check_listen_args(cfg, err, errlen) :
	    check_connect_args(cfg, err, errlen)) == -1)
		return -1;
	if (cfg->numeric && (check_numeric(cfg->host, err, errlen) == -1 ||
	    check_numeric(cfg->source, err, errlen) == -1))
		return -1;
	return 0;
}
