/* stdio_link.c -- the stdio session: one link of stdio and a socket. */

#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "link.h"
#include "loop.h"
#include "pump.h"
#include "sig.h"
#include "tty.h"

/* Where the link's end lands, for pump_run() to return. */
struct pump_end {
	struct loop		*loop;
	enum pump_result	 r;
	struct pump_stats	*stats;
	char			*err;
	size_t			 errlen;
};

static void
ended(struct link *lk, enum pump_result r, const struct pump_stats *stats,
    const char *err, void *arg)
{
	struct pump_end *e = arg;

	(void)lk;
	loop_stop(e->loop);
	e->r = r;
	*e->stats = *stats;
	snprintf(e->err, e->errlen, "%s", err);
}

enum pump_result
pump_run(const struct config *cfg, const struct link_ends *ends,
    struct pump_stats *stats, char *err, size_t errlen)
{
	struct pump_end end = { NULL, PUMP_DONE, stats, err, errlen };
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct tty_saved tty;
	struct loop loop;
	struct link *lk;
	int saved;

	memset(stats, 0, sizeof(*stats));
	memset(&tty, 0, sizeof(tty));
	err[0] = '\0';
	/* -u -l: the sender next_client() locked on to, for the link. */
	if (ends->udp_locked && getpeername(ends->net_fd,
	    (struct sockaddr *)&ss, &len) == -1) {
		snprintf(err, errlen, "find the peer of %s: %s", ends->peer,
		    strerror(errno));
		return PUMP_NET_ERROR;
	}
	if (cfg->tty && tty_raw(&tty, ends->in_fd) == -1) {
		/* Stopped in the background (SIGTTOU), then killed. */
		if (sig_pending() != 0)
			return PUMP_SIGNAL;
		snprintf(err, errlen, "set raw mode on the terminal: %s",
		    strerror(errno));
		return PUMP_LOCAL_ERROR;
	}
	loop_init(&loop);
	end.loop = &loop;
	if ((lk = link_start(&loop, cfg, ends, ended, &end, err,
	    errlen)) == NULL) {
		end.r = PUMP_LOCAL_ERROR;
		goto out;
	}
	switch (loop_run(&loop)) {
	case LOOP_STOPPED:
		break;		/* ended() has the result */
	case LOOP_SIGNAL:
		link_stop(lk, PUMP_SIGNAL);
		break;
	default:
		saved = errno;
		link_stop(lk, PUMP_LOCAL_ERROR);
		snprintf(err, errlen, "poll descriptors: %s",
		    strerror(saved));
		break;
	}
	link_free(lk);
out:
	loop_free(&loop);
	tty_restore(&tty);
	return end.r;
}
