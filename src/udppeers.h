/* udppeers.h -- -u -l -k with -e/-c: a program per UDP peer, on the loop. */
#ifndef SOCKCAT_UDPPEERS_H
#define SOCKCAT_UDPPEERS_H

#include "cli.h"
#include "tlog.h"

/*
 * Serves the unconnected UDP socket lfd (bound to port, for messages):
 * the first datagram from a source address and port starts cfg's -e/-c
 * program for that peer, with pipes as its stdin and stdout; the peer's
 * datagrams go to its program's stdin, and each read of the program's
 * stdout goes back to the peer as one datagram.  A program is ended by
 * cfg's idle limit (its stdin is closed, SIGTERM follows 1 s later and
 * SIGKILL 2 s after that) or ends by itself; it is always reaped.  At
 * most cfg->max_conns peers at once; --allow/--deny are checked before a
 * program is started.  log (may be inactive) gets every byte.  lfd stays
 * open (the caller's); it is made non-blocking.
 *
 * Returns 0 when the -w wait for a new peer ran out after one was served,
 * EXIT_NET if none came within -w or on a failure of lfd, and EXIT_NET
 * with sig_pending() set when a terminating signal ended it, after every
 * program has been ended and reaped.
 */
int	udppeers_run(const struct config *cfg, int lfd, int port,
	    struct tlog *log);

#endif
