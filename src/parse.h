/* parse.h -- strict parsers for option values: ports, numbers, times, TOS. */
#ifndef SOCKCAT_PARSE_H
#define SOCKCAT_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/* Room for any message a parser writes into its caller's buffer. */
#define PARSE_ERRLEN 256

/*
 * Every parser takes the text, stores the value through its out pointer
 * and returns 0; on a bad value it returns -1 and writes a one-line
 * reason (without the program name) into err, which names the value,
 * e.g. `invalid port "99999": must be 1-65535`.
 */

/*
 * A single port: a decimal number or a service name from the services
 * database for proto ("tcp" or "udp").  allow_zero admits 0 (listen mode:
 * any free port).  Ranges are refused here.
 */
int	parse_port(const char *s, const char *proto, bool allow_zero,
	    int *port, char *err, size_t errlen);

/* A list of ports, in the order given; free(ports) when done. */
struct port_list {
	int	*ports;
	size_t	 count, cap;
};

/*
 * Appends the ports of s to list: a port as parse_port() takes it, a
 * range "LO-HI" (LO <= HI, both 1-65535), or several of these separated
 * by commas ("22,80,8000-8010").  Returns 0, or -1 with a reason naming
 * the bad value in err (errno ENOMEM when out of memory).
 */
int	parse_port_list(const char *s, const char *proto,
	    struct port_list *list, char *err, size_t errlen);

/*
 * A decimal integer in [min, max].  what names the value in messages
 * ("TTL", "buffer length").
 */
int	parse_number(const char *s, const char *what, long min, long max,
	    long *out, char *err, size_t errlen);

/*
 * A duration: a decimal number (fractions allowed) with an optional unit
 * ms, s, m or h; a bare number is seconds.  The result is milliseconds.
 * allow_negative admits a leading '-' (then *ms is -1: "no limit").
 * Durations above 24 days (what poll(2) can wait) are refused.
 */
int	parse_time(const char *s, const char *opt, bool allow_negative,
	    long *ms, char *err, size_t errlen);

/*
 * An IP TOS / traffic class byte: OpenBSD nc keywords (lowdelay,
 * throughput, reliability, lowcost, critical, inetcontrol, netcontrol,
 * ef, va, af11-af43, cs0-cs7), netcat-traditional names
 * (Minimize-Delay, Maximize-Throughput, Maximize-Reliability,
 * Minimize-Cost), or a number 0-255 in decimal or 0x hex.
 */
int	parse_tos(const char *s, int *tos, char *err, size_t errlen);

/* One -z target to wait for: a host and a port, and its name. */
struct target {
	char	*host;		/* without brackets */
	int	 port;
	char	*name;		/* for messages: the word, or HOST:PORT */
};

/* The targets in the order given; parse_targets_free() when done. */
struct target_list {
	struct target	*items;
	size_t		 count, cap;
};

/*
 * True if s has a target's form: [ADDRESS]:PORT, or HOST:PORT with one
 * ':' in all.  A bare IPv6 address (two or more ':') is a host, so the
 * classic "-z ::1 80" keeps its meaning.
 */
bool	parse_is_target(const char *s);

/*
 * s, which has a target's form, split: *host (*hostlen bytes, without
 * brackets) and *port, all after the ':'.  False if s is not a target
 * (parse_is_target()) or a '[' has no "]:".  The one reader of the form:
 * parse_target() and the connect-mode hint in cli.c both use it.
 */
bool	parse_split_target(const char *s, const char **host,
	    size_t *hostlen, const char **port);

/*
 * Appends the targets of s, HOST:PORT or [ADDRESS]:PORT, where PORT is
 * what parse_port_list() takes: each port of a range or list is a target
 * of its own.  Returns 0, or -1 with a reason naming s in err.
 */
int	parse_target(const char *s, const char *proto,
	    struct target_list *list, char *err, size_t errlen);

/*
 * Appends host and port as a target named HOST:PORT ([HOST]:PORT when
 * host holds a ':').  Returns 0, or -1 with a reason in err.
 */
int	parse_target_add(struct target_list *list, const char *host,
	    int port, const char *name, char *err, size_t errlen);

/* Frees the targets and their strings. */
void	parse_targets_free(struct target_list *list);

/* --to: where a relay connects each client (cli.h's struct config). */
enum relay_kind { RELAY_NONE = 0, RELAY_TCP, RELAY_UDP, RELAY_UNIX };
struct relay_target {
	enum relay_kind	 kind;	/* RELAY_NONE: no --to */
	char		*host;	/* TCP, UDP: as given ("::1" without brackets) */
	char		*port;
	char		*path;	/* UNIX */
	const char	*arg;	/* as typed, for messages */
};

/*
 * A relay target: HOST:PORT or [ADDRESS]:PORT (UDP when udp, else TCP),
 * tcp:HOST:PORT, udp:HOST:PORT, unix:PATH, or a word holding a '/' (a
 * Unix path; unix:@NAME is an abstract one).  Fills *rt, its strings
 * allocated (parse_relay_free()), rt->arg pointing at s.  Returns 0, or
 * -1 with a reason naming s in err.
 */
int	parse_relay(const char *s, bool udp, struct relay_target *rt,
	    char *err, size_t errlen);

/* Frees the strings of rt and sets it back to RELAY_NONE. */
void	parse_relay_free(struct relay_target *rt);

/* True if s is a non-empty string of decimal digits only. */
bool	parse_is_digits(const char *s);

#endif
