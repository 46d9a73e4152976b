/* admit.h -- who a listener serves: --allow/--deny, --max-conns, EMFILE. */
#ifndef SOCKCAT_ADMIT_H
#define SOCKCAT_ADMIT_H

#include <sys/socket.h>

#include <stdbool.h>

#include "cli.h"

/* The verdict on a new client or datagram sender. */
enum admit_result {
	ADMIT_OK,		/* serve it */
	ADMIT_DENIED,		/* --allow/--deny refuse its address */
	ADMIT_FULL,		/* --max-conns clients already */
	ADMIT_OTHER,		/* -u -l: not the peer it locked on to */
};

/* Senders told of with -v; more than this are refused in silence. */
#define ADMIT_NOTED_MAX	16

/*
 * A datagram listener's memory of refused senders, so one that keeps
 * sending gets one -v line, not one per datagram.  Zero it to start.
 */
struct admit_noted {
	struct sockaddr_storage	 addr[ADMIT_NOTED_MAX];
	size_t			 count;
	unsigned long long	 dropped;	/* datagrams refused */
};

/*
 * The one admission rule of every listener, quietly: sa's address
 * against --allow/--deny, then active (clients or peers served now;
 * -1 where --max-conns does not apply) against --max-conns.  A Unix
 * peer has no address; cli_check() refuses the lists with -U.
 */
enum admit_result admit_decide(const struct config *cfg,
	    const struct sockaddr *sa, long active);

/*
 * The -v line for a refusal r: "refused connection from PEER: not
 * allowed by --allow/--deny", or "... N clients already (--max-conns)"
 * ("refused datagram from PEER: N peers already" for UDP), or for
 * ADMIT_OTHER "refused datagram from PEER: not the peer of this session".
 * peer names the client, or is NULL to name it "ADDR port N" from sa.
 */
void	admit_note(const struct config *cfg, enum admit_result r,
	    const struct sockaddr *sa, socklen_t salen, const char *peer);

/* admit_decide(), and admit_note() when the answer is no. */
enum admit_result admit_check(const struct config *cfg,
	    const struct sockaddr *sa, socklen_t salen, long active,
	    const char *peer);

/*
 * A datagram from from (len bytes of address) on a listener: admit_check()
 * with locked, when not NULL, the only peer served (-u -l after connect(),
 * whose queue still holds what came before).  A refusal is counted in
 * noted and said with -v once per sender.
 */
enum admit_result admit_datagram(const struct config *cfg,
	    struct admit_noted *noted, const struct sockaddr_storage *from,
	    socklen_t len, const struct sockaddr_storage *locked, long active,
	    const char *peer);

/* With -v at the end: "dropped N datagrams from refused senders". */
void	admit_dropped_note(const struct config *cfg,
	    const struct admit_noted *noted);

/*
 * After accept() on lfd failed with errnum: if the process is out of
 * descriptors (EMFILE, ENFILE), refuses the waiting client with a -v
 * note, spending and renewing *spare (see sock_spare_open()), and pauses
 * a moment if no spare was left, so the listener neither spins nor dies.
 * Returns true if it handled errnum; false leaves it to the caller.
 */
bool	admit_shed(const struct config *cfg, int lfd, int *spare,
	    int errnum);

#endif
