/* scan.h -- -z: probe ports for listeners, many at once, report in order. */
#ifndef SOCKCAT_SCAN_H
#define SOCKCAT_SCAN_H

#include "cli.h"

/*
 * Probes cfg->ports on cfg->host (every address it resolves to, in
 * order) with non-blocking connects, up to 64 at a time (one at a time
 * with -i, which spaces them, and with -p, whose source port they share),
 * each bounded by -w, each socket made by sock_prepare.  UDP sends one probe
 * datagram and counts a port closed only on an ICMP refusal.  Prints the
 * -v lines in the order of the ports (the shuffled order with -r).
 * With --expect, stdin (read first) is sent to each port that accepts,
 * and a port is open only once its answer matches.
 * Returns 0 if at least one port is open, else EXIT_NET, or EXIT_NOMATCH
 * when every port connected but none matched.  With targets (-z
 * HOST:PORT...), waits for them instead and execs the command.
 */
int	run_scan(const struct config *cfg);

#endif
