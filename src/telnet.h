/* telnet.h -- -t: strip telnet negotiation from the input, refuse options. */
#ifndef SOCKCAT_TELNET_H
#define SOCKCAT_TELNET_H

#include <stddef.h>

/* Parser state carried between reads, so a split command still parses. */
struct telnet {
	int		state;
	unsigned char	verb;
};

/* A zeroed struct telnet is the initial state. */

/*
 * Removes telnet commands from data[0..n) in place and returns the length
 * of what is left: the bytes meant for stdout (IAC IAC becomes one 255).
 * For every WILL it appends IAC DONT, for every DO it appends IAC WONT to
 * reply, which must have room for n + 2 bytes (a command split across
 * reads is answered when its last byte arrives); *replylen gets how many.
 * WONT and DONT are not answered (RFC 854: never acknowledge a refusal).
 */
size_t	telnet_filter(struct telnet *t, unsigned char *data, size_t n,
	    unsigned char *reply, size_t *replylen);

#endif
