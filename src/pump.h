/* pump.h -- the stdio session: one link between stdio and a socket. */
#ifndef SOCKCAT_PUMP_H
#define SOCKCAT_PUMP_H

#include "link.h"

/*
 * Runs one session, a link on a loop of its own, until CLI.md's
 * end-of-stream rules end it (or a signal: PUMP_SIGNAL).  Sets and
 * restores O_NONBLOCK on stdin/stdout pipes and sockets, so they are
 * left as found on every return; --tty's raw mode likewise.  Does not
 * close ends->net_fd.  Fills *stats; on an error writes a one-line
 * reason into err.
 */
enum pump_result pump_run(const struct config *cfg,
	    const struct link_ends *ends, struct pump_stats *stats, char *err,
	    size_t errlen);

#endif
