/* udprelay.h -- -u --to: a UDP relay, an upstream socket per client. */
#ifndef SOCKCAT_UDPRELAY_H
#define SOCKCAT_UDPRELAY_H

#include "cli.h"
#include "tlog.h"

/*
 * How long a client's mapping lives without traffic either way when
 * neither --idle-timeout nor -w is given: 60 s, between conntrack's UDP
 * timeouts (30 s unanswered, 120 s for a stream), so that a relay left
 * running keeps no more than the clients of the last minute.
 */
#define UDPRELAY_IDLE_MS	60000L

/*
 * Relays datagrams between the clients of the UDP socket fd and
 * cfg->relay, a UDP target resolved once here (-4/-6 apply).
 *
 * fd bound (-u -l, port its port for messages): the first datagram from
 * a source address and port, once --allow/--deny and --max-conns admit
 * it, makes that client's mapping, a socket made by sock_prepare() and
 * connected to the target; the client's datagrams go out through it
 * whole and what comes back on it goes to that client alone, from fd.
 * A mapping ends after the idle limit (cli_idle_ms(), else
 * UDPRELAY_IDLE_MS) without traffic either way, or when the target
 * answers with an ICMP error.  Without -k only the first client is
 * served, and the relay ends with its mapping.
 *
 * fd connected (-u host port --to ADDR, port -1): one mapping for fd's
 * peer, made at once, ended only by the idle limit if one is given.
 *
 * log (may be inactive) gets every byte to ('>') and from ('<') the
 * clients.  fd stays open (the caller's); it is made non-blocking.
 *
 * Returns 0 when the relay ended as asked (-w with no client after one
 * was served, or a one-shot mapping that went idle), EXIT_USAGE for a
 * target that -n cannot resolve or a bad port, EXIT_NET on failures, no
 * client within -w, or with sig_pending() set when a terminating signal
 * ended it.
 */
int	udprelay_run(const struct config *cfg, int fd, int port,
	    struct tlog *log);

#endif
