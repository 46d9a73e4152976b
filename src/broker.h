/* broker.h -- --broker and --chat: relay between many clients, one loop. */
#ifndef SOCKCAT_BROKER_H
#define SOCKCAT_BROKER_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "text.h"
#include "tlog.h"

/*
 * Serves clients of the listening socket lfd until a terminating signal,
 * or with -w until no client has been there for that long: what any client
 * sends goes to every other client and to stdout; stdin goes to every
 * client, and waits while there is none.  With --chat, each line is
 * prefixed "<userN> " and joins and leaves are announced.  At most
 * cfg->max_conns clients, each given memory as it joins; --allow/--deny
 * apply; --idle-timeout (else -w) drops an idle client.  Never drops
 * bytes: a member whose queue is full, stdout included, holds the others
 * back.  Returns the exit status.
 */
int	broker_run(const struct config *cfg, int lfd, struct tlog *log);

/* What --chat framing remembers of one member between reads. */
struct chat_state {
	bool			line_start;	/* next byte begins a line */
	struct text_state	text;		/* UTF-8 split across reads */
};

/*
 * --chat framing: makes in[0..n) safe in place, then copies it to out,
 * starting each line with
 * "<nick> ", and replacing control characters other than tab and newline
 * (ESC, CR, 8-bit and UTF-8 C1 controls such as CSI) with '?', so no
 * client can drive another's terminal; see text_safe().  st carries the
 * state between calls: start with line_start true.  out must have room for
 * chat_room(nick, n) bytes.  Returns the length.
 */
size_t	chat_frame(const char *nick, struct chat_state *st,
	    unsigned char *in, size_t n, unsigned char *out);

/* The most bytes chat_frame() can write for n input bytes. */
size_t	chat_room(const char *nick, size_t n);

#endif
