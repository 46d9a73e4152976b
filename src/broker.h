/* broker.h -- --broker and --chat: relay between many clients, one loop. */
#ifndef SOCKCAT_BROKER_H
#define SOCKCAT_BROKER_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "tlog.h"

/*
 * Serves clients of the listening socket lfd until a terminating signal:
 * what any client sends goes to every other client and to stdout; stdin
 * goes to every client.  With --chat, each line is prefixed "<userN> "
 * and joins and leaves are announced.  At most cfg->max_conns clients;
 * --allow/--deny apply.  Never drops bytes: a member whose queue is full
 * holds the others back.  Returns the exit status.
 */
int	broker_run(const struct config *cfg, int lfd, struct tlog *log);

/*
 * --chat framing: copies in[0..n) to out, starting each line with
 * "<nick> ", and replacing control characters other than tab and newline
 * (ESC, CR, ...) with '?', so no client can drive another's terminal.
 * *line_start says whether the next byte begins a line, and is updated.
 * out must have room for chat_room(nick, n) bytes.  Returns the length.
 */
size_t	chat_frame(const char *nick, bool *line_start, const unsigned char *in,
	    size_t n, unsigned char *out);

/* The most bytes chat_frame() can write for n input bytes. */
size_t	chat_room(const char *nick, size_t n);

#endif
