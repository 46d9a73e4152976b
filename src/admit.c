/* admit.c -- who a listener serves: --allow/--deny, --max-conns, EMFILE. */

#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>

#include "acl.h"
#include "addr.h"
#include "admit.h"
#include "log.h"
#include "loop.h"
#include "sock.h"

#define PEERLEN		(ADDR_TEXTLEN + 16)

/* How long to pause when out of descriptors with no spare to spend. */
#define SHED_PAUSE_MS	100

enum admit_result
admit_decide(const struct config *cfg, const struct sockaddr *sa,
    long active)
{
	if (!acl_permits(&cfg->allow, &cfg->deny, sa))
		return ADMIT_DENIED;
	if (active >= 0 && active >= cfg->max_conns)
		return ADMIT_FULL;
	return ADMIT_OK;
}

void
admit_note(const struct config *cfg, enum admit_result r,
    const struct sockaddr *sa, socklen_t salen, const char *peer)
{
	char text[ADDR_TEXTLEN], name[PEERLEN];
	int port;

	if (r == ADMIT_OK)
		return;
	if (peer == NULL) {
		addr_numeric(sa, salen, text, &port);
		snprintf(name, sizeof(name), "%s port %d", text, port);
		peer = name;
	}
	/* A datagram is no connection: say what was refused. */
	if (r == ADMIT_DENIED)
		log_note(cfg, 1, "refused %s from %s: not allowed by "
		    "--allow/--deny", cfg->udp ? "datagram" : "connection",
		    peer);
	else if (r == ADMIT_OTHER)
		log_note(cfg, 1, "refused datagram from %s: not the peer of "
		    "this session", peer);
	else if (cfg->udp)
		log_note(cfg, 1, "refused datagram from %s: %ld peers already "
		    "(--max-conns)", peer, cfg->max_conns);
	else
		log_note(cfg, 1, "refused connection from %s: %ld clients "
		    "already (--max-conns)", peer, cfg->max_conns);
}

enum admit_result
admit_check(const struct config *cfg, const struct sockaddr *sa,
    socklen_t salen, long active, const char *peer)
{
	enum admit_result r = admit_decide(cfg, sa, active);

	admit_note(cfg, r, sa, salen, peer);
	return r;
}

bool
admit_shed(const struct config *cfg, int lfd, int *spare, int errnum)
{
	if (errnum != EMFILE && errnum != ENFILE)
		return false;
	/* Refuse, or the waiting client keeps poll() waking us for ever. */
	log_note(cfg, 1, "refused a connection: out of file descriptors");
	*spare = sock_shed_client(lfd, *spare);
	if (*spare == -1)
		(void)loop_pause(SHED_PAUSE_MS);
	return true;
}

enum admit_result
admit_datagram(const struct config *cfg, struct admit_noted *noted,
    const struct sockaddr_storage *from, socklen_t len,
    const struct sockaddr_storage *locked, long active, const char *peer)
{
	enum admit_result r;
	size_t i;

	r = admit_decide(cfg, (const struct sockaddr *)from, active);
	if (r == ADMIT_OK && locked != NULL && !addr_same(locked, from))
		r = ADMIT_OTHER;
	if (r == ADMIT_OK)
		return r;
	noted->dropped++;
	for (i = 0; i < noted->count; i++)
		if (addr_same(&noted->addr[i], from))
			return r;
	/* Past the limit, a flood of new ports stays quiet but counted. */
	if (noted->count == ADMIT_NOTED_MAX)
		return r;
	noted->addr[noted->count++] = *from;
	admit_note(cfg, r, (const struct sockaddr *)from, len, peer);
	return r;
}

void
admit_dropped_note(const struct config *cfg, const struct admit_noted *noted)
{
	if (noted->dropped > 0)
		log_note(cfg, 1, "dropped %llu datagram%s from refused "
		    "senders", noted->dropped, noted->dropped == 1 ? "" : "s");
}
