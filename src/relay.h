/* relay.h -- --to: each stream client a link to its own upstream, one loop. */
#ifndef SOCKCAT_RELAY_H
#define SOCKCAT_RELAY_H

#include "cli.h"
#include "tlog.h"

/*
 * Listen mode with --to (TCP or Unix listener, TCP or Unix upstream):
 * serves the clients of the listening socket lfd, each relayed to a
 * connection of its own to cfg->relay, until one client is done (without
 * -k), -w passes with no new client, or a terminating signal.  Every
 * client is admitted by admit_check(); its upstream connect does not
 * stop the others (but a -x proxy's handshake does, within -w).  port
 * names the listener in messages (0 for Unix).  Takes over lfd and
 * closes it.  Returns the exit status of CLI.md.
 */
int	relay_listen(const struct config *cfg, int lfd, int port,
	    struct tlog *log);

/*
 * Connect mode with --to: relays fd, already connected to peer (the
 * host and port given), to cfg->relay until the pair is done.  Closes
 * fd.  Returns the exit status.
 */
int	relay_connect(const struct config *cfg, int fd, const char *peer,
	    struct tlog *log);

#endif
