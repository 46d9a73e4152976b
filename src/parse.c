/* parse.c -- strict parsers for option values: ports, numbers, times, TOS. */

#include <sys/socket.h>
#include <sys/un.h>

#include <netdb.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

/*
 * poll(2) takes an int of milliseconds, about 24.8 days; the limit is the
 * round 24 days the messages and the man page name.
 */
#define TIME_MAX_MS	(24LL * 24 * 60 * 60 * 1000)

bool
parse_is_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int
parse_port(const char *s, const char *proto, bool allow_zero, int *port,
    char *err, size_t errlen)
{
	const char *range = allow_zero ? "0-65535" : "1-65535";

	if (parse_is_digits(s)) {
		/*
		 * Compare digit strings instead of converting first, so a
		 * huge value can never wrap (netcat-traditional turns 99999
		 * into 34463).
		 */
		const char *p = s;
		unsigned long v = 0;

		while (*p == '0' && p[1] != '\0')
			p++;
		if (strlen(p) > 5)
			goto out_of_range;
		v = strtoul(p, NULL, 10);
		if (v > 65535 || (v == 0 && !allow_zero))
			goto out_of_range;
		*port = (int)v;
		return 0;
	}
	if (s[0] == '-' && parse_is_digits(s + 1))
		goto out_of_range;
	if (*s != '\0') {
		struct servent *se = getservbyname(s, proto);

		if (se != NULL) {
			*port = ntohs((unsigned short)se->s_port);
			return 0;
		}
	}
	snprintf(err, errlen,
	    "invalid port \"%s\": not a number or a known %s service", s,
	    proto);
	return -1;
out_of_range:
	snprintf(err, errlen, "invalid port \"%s\": must be %s", s, range);
	return -1;
}

static int
list_append(struct port_list *list, int port)
{
	if (list->count == list->cap) {
		size_t cap = list->cap == 0 ? 16 : list->cap * 2;
		int *n = realloc(list->ports, cap * sizeof(*n));

		if (n == NULL)
			return -1;
		list->ports = n;
		list->cap = cap;
	}
	list->ports[list->count++] = port;
	return 0;
}

/* One element of a port list: a port or a LO-HI range. */
static int
parse_port_item(const char *s, const char *proto, struct port_list *list,
    char *err, size_t errlen)
{
	const char *dash = strchr(s, '-');
	char lo_text[16];
	int lo, hi, port;

	/* Service names may contain '-' (http-alt): try the name first. */
	if (dash == NULL || dash == s || getservbyname(s, proto) != NULL) {
		if (parse_port(s, proto, false, &port, err, errlen) == -1)
			return -1;
		lo = hi = port;
		goto append;
	}
	if ((size_t)(dash - s) >= sizeof(lo_text) ||
	    !parse_is_digits(dash + 1)) {
		snprintf(err, errlen, "invalid port range \"%s\": expected "
		    "LOW-HIGH", s);
		return -1;
	}
	memcpy(lo_text, s, (size_t)(dash - s));
	lo_text[dash - s] = '\0';
	if (!parse_is_digits(lo_text)) {
		snprintf(err, errlen, "invalid port range \"%s\": expected "
		    "LOW-HIGH", s);
		return -1;
	}
	if (parse_port(lo_text, proto, false, &lo, err, errlen) == -1 ||
	    parse_port(dash + 1, proto, false, &hi, err, errlen) == -1)
		return -1;
	if (lo > hi) {
		snprintf(err, errlen, "invalid port range \"%s\": %d is above "
		    "%d", s, lo, hi);
		return -1;
	}
append:
	for (port = lo; port <= hi; port++) {
		if (list_append(list, port) == -1) {
			snprintf(err, errlen, "port list: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

int
parse_port_list(const char *s, const char *proto, struct port_list *list,
    char *err, size_t errlen)
{
	char item[64];
	const char *comma;
	size_t len;

	for (;;) {
		comma = strchr(s, ',');
		len = comma != NULL ? (size_t)(comma - s) : strlen(s);
		if (len == 0 || len >= sizeof(item)) {
			snprintf(err, errlen, "invalid port list \"%s\": "
			    "empty or oversized item", s);
			return -1;
		}
		memcpy(item, s, len);
		item[len] = '\0';
		if (parse_port_item(item, proto, list, err, errlen) == -1)
			return -1;
		if (comma == NULL)
			return 0;
		s = comma + 1;
	}
}

int
parse_number(const char *s, const char *what, long min, long max, long *out,
    char *err, size_t errlen)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || isspace((unsigned char)*s) || *end != '\0') {
		snprintf(err, errlen, "invalid %s \"%s\": not a number",
		    what, s);
		return -1;
	}
	if (errno == ERANGE || v < min || v > max) {
		snprintf(err, errlen, "invalid %s \"%s\": must be %ld-%ld",
		    what, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int
parse_time(const char *s, const char *opt, bool allow_negative, long *ms,
    char *err, size_t errlen)
{
	const char *p = s;
	long long whole = 0, fnum = 0, fden = 1, scale, total;
	bool negative = false, digits = false, frac_rest = false;

	if (*p == '-' && allow_negative) {
		negative = true;
		p++;
	}
	for (; isdigit((unsigned char)*p); p++) {
		digits = true;
		whole = whole * 10 + (*p - '0');
		if (whole > TIME_MAX_MS)
			goto too_large;
	}
	/*
	 * Integers, not a double: 0.3 s must be 300 ms, and 0.1 * 3 in
	 * binary floating point is a hair above 0.3.
	 */
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++) {
			digits = true;
			if (fden < 1000000000LL) {
				fnum = fnum * 10 + (*p - '0');
				fden *= 10;
			} else if (*p != '0')
				frac_rest = true;
		}
	}
	if (!digits)
		goto bad;
	if (strcmp(p, "ms") == 0)
		scale = 1;
	else if (strcmp(p, "s") == 0 || *p == '\0')
		scale = 1000;
	else if (strcmp(p, "m") == 0)
		scale = 60 * 1000;
	else if (strcmp(p, "h") == 0)
		scale = 60 * 60 * 1000;
	else
		goto bad;
	if (negative) {
		*ms = -1;
		return 0;
	}
	total = whole * scale + fnum * scale / fden;
	/* Round up so "0.0001" still means "a little", not "zero". */
	if (fnum * scale % fden != 0 || frac_rest)
		total++;
	if (total > TIME_MAX_MS)
		goto too_large;
	*ms = (long)total;
	return 0;
bad:
	snprintf(err, errlen,
	    "invalid time \"%s\" for %s: expected a number of seconds, "
	    "optionally ending in ms, s, m or h", s, opt);
	return -1;
too_large:
	snprintf(err, errlen, "invalid time \"%s\" for %s: longer than 24 days",
	    s, opt);
	return -1;
}

struct tos_name {
	const char	*name;
	int		 value;
};

/* OpenBSD nc's keywords, then netcat-traditional's names. */
static const struct tos_name tos_names[] = {
	{ "af11", 0x28 }, { "af12", 0x30 }, { "af13", 0x38 },
	{ "af21", 0x48 }, { "af22", 0x50 }, { "af23", 0x58 },
	{ "af31", 0x68 }, { "af32", 0x70 }, { "af33", 0x78 },
	{ "af41", 0x88 }, { "af42", 0x90 }, { "af43", 0x98 },
	{ "cs0", 0x00 }, { "cs1", 0x20 }, { "cs2", 0x40 }, { "cs3", 0x60 },
	{ "cs4", 0x80 }, { "cs5", 0xa0 }, { "cs6", 0xc0 }, { "cs7", 0xe0 },
	{ "ef", 0xb8 }, { "va", 0xb0 },
	{ "critical", 0xa0 }, { "inetcontrol", 0xc0 }, { "netcontrol", 0xe0 },
	{ "lowcost", 0x02 }, { "lowdelay", 0x10 }, { "reliability", 0x04 },
	{ "throughput", 0x08 },
	{ "Minimize-Delay", 0x10 }, { "Maximize-Throughput", 0x08 },
	{ "Maximize-Reliability", 0x04 }, { "Minimize-Cost", 0x02 },
};

int
parse_tos(const char *s, int *tos, char *err, size_t errlen)
{
	size_t i;
	char *end = NULL;
	long v;

	for (i = 0; i < sizeof(tos_names) / sizeof(tos_names[0]); i++) {
		if (strcasecmp(s, tos_names[i].name) == 0) {
			*tos = tos_names[i].value;
			return 0;
		}
	}
	if (isdigit((unsigned char)s[0])) {
		errno = 0;
		/* Decimal or 0x hex; never octal, so "010" is ten. */
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			v = isxdigit((unsigned char)s[2]) ?
			    strtol(s + 2, &end, 16) : -1;
		else
			v = strtol(s, &end, 10);
		if (v >= 0 && v <= 255 && errno == 0 && *end == '\0') {
			*tos = (int)v;
			return 0;
		}
	}
	snprintf(err, errlen,
	    "invalid TOS \"%s\": expected 0-255 or a keyword such as "
	    "lowdelay, throughput, ef, af11-af43, cs0-cs7", s);
	return -1;
}

bool
parse_is_target(const char *s)
{
	const char *colon = strchr(s, ':');

	if (s[0] == '[')
		return true;
	return colon != NULL && strchr(colon + 1, ':') == NULL;
}

int
parse_target_add(struct target_list *list, const char *host, int port,
    const char *name, char *err, size_t errlen)
{
	struct target *t;
	char text[PARSE_ERRLEN];
	size_t cap;

	if (list->count == list->cap) {
		cap = list->cap == 0 ? 8 : list->cap * 2;
		if ((t = realloc(list->items, cap * sizeof(*t))) == NULL)
			goto nomem;
		list->items = t;
		list->cap = cap;
	}
	if (name == NULL) {
		snprintf(text, sizeof(text), strchr(host, ':') != NULL ?
		    "[%s]:%d" : "%s:%d", host, port);
		name = text;
	}
	t = &list->items[list->count];
	t->port = port;
	t->host = strdup(host);
	t->name = strdup(name);
	if (t->host == NULL || t->name == NULL) {
		free(t->host);
		free(t->name);
		goto nomem;
	}
	list->count++;
	return 0;
nomem:
	snprintf(err, errlen, "target list: %s", strerror(errno));
	return -1;
}

bool
parse_split_target(const char *s, const char **host, size_t *hostlen,
    const char **port)
{
	const char *colon;

	if (!parse_is_target(s))
		return false;
	if (s[0] == '[') {
		if ((colon = strchr(s, ']')) == NULL || colon[1] != ':')
			return false;
		*host = s + 1;
		*hostlen = (size_t)(colon - *host);
		*port = colon + 2;
	} else {
		colon = strchr(s, ':');
		*host = s;
		*hostlen = (size_t)(colon - s);
		*port = colon + 1;
	}
	return true;
}

int
parse_target(const char *s, const char *proto, struct target_list *list,
    char *err, size_t errlen)
{
	struct port_list ports = { NULL, 0, 0 };
	const char *host, *port;
	char hostbuf[PARSE_ERRLEN];
	size_t hostlen, i;
	int rc = -1;

	if (!parse_split_target(s, &host, &hostlen, &port)) {
		snprintf(err, errlen, "invalid target \"%s\": "
		    "expected [ADDRESS]:PORT", s);
		return -1;
	}
	if (hostlen == 4 && strncmp(s, "unix", 4) == 0 && port[0] == '/') {
		snprintf(err, errlen, "invalid target \"%s\": Unix socket "
		    "targets are not supported", s);
		return -1;
	}
	if (hostlen == 0 || hostlen >= sizeof(hostbuf) || *port == '\0') {
		snprintf(err, errlen, "invalid target \"%s\": expected "
		    "HOST:PORT or [ADDRESS]:PORT", s);
		return -1;
	}
	memcpy(hostbuf, host, hostlen);
	hostbuf[hostlen] = '\0';
	if (parse_port_list(port, proto, &ports, err, errlen) == -1)
		goto out;
	for (i = 0; i < ports.count; i++)
		if (parse_target_add(list, hostbuf, ports.ports[i],
		    ports.count == 1 ? s : NULL, err, errlen) == -1)
			goto out;
	rc = 0;
out:
	free(ports.ports);
	return rc;
}

void
parse_targets_free(struct target_list *list)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		free(list->items[i].host);
		free(list->items[i].name);
	}
	free(list->items);
	list->items = NULL;
	list->count = list->cap = 0;
}

/* The longest Unix socket path a relay target may name (sun_path). */
#define RELAY_PATH_MAX	((int)sizeof(((struct sockaddr_un *)0)->sun_path))

int
parse_relay(const char *s, bool udp, struct relay_target *rt, char *err,
    size_t errlen)
{
	const char *word = s, *host, *port;
	enum relay_kind kind = udp ? RELAY_UDP : RELAY_TCP;
	size_t hostlen;
	int n;

	memset(rt, 0, sizeof(*rt));
	rt->arg = s;
	if (strncmp(s, "unix:", 5) == 0 || (strchr(s, '/') != NULL &&
	    strncmp(s, "tcp:", 4) != 0 && strncmp(s, "udp:", 4) != 0)) {
		if (strncmp(s, "unix:", 5) == 0)
			word += 5;
		if (word[0] == '\0' || strlen(word) >= (size_t)RELAY_PATH_MAX) {
			snprintf(err, errlen, "invalid relay target \"%s\": "
			    "a socket path must be 1-%d bytes", s,
			    RELAY_PATH_MAX - 1);
			return -1;
		}
		if ((rt->path = strdup(word)) == NULL)
			goto nomem;
		rt->kind = RELAY_UNIX;
		return 0;
	}
	if (strncmp(s, "tcp:", 4) == 0 || strncmp(s, "udp:", 4) == 0) {
		kind = s[0] == 't' ? RELAY_TCP : RELAY_UDP;
		word += 4;
	}
	if (!parse_split_target(word, &host, &hostlen, &port) ||
	    hostlen == 0 || *port == '\0') {
		snprintf(err, errlen, "invalid relay target \"%s\": expected "
		    "HOST:PORT, [ADDRESS]:PORT, tcp:, udp: or unix:PATH", s);
		return -1;
	}
	if (parse_port(port, kind == RELAY_UDP ? "udp" : "tcp", false, &n,
	    err, errlen) == -1) {
		char why[PARSE_ERRLEN];
		const char *p = strstr(err, "\": ");

		snprintf(why, sizeof(why), "%s", p != NULL ? p + 3 : err);
		snprintf(err, errlen, "invalid relay target \"%s\": port "
		    "\"%s\": %s", s, port, why);
		return -1;
	}
	if ((rt->host = strndup(host, hostlen)) == NULL ||
	    (rt->port = strdup(port)) == NULL)
		goto nomem;
	rt->kind = kind;
	return 0;
nomem:
	parse_relay_free(rt);
	snprintf(err, errlen, "relay target: %s", strerror(errno));
	return -1;
}

void
parse_relay_free(struct relay_target *rt)
{
	free(rt->host);
	free(rt->port);
	free(rt->path);
	memset(rt, 0, sizeof(*rt));
}
