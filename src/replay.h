/* replay.h -- standard input kept to be sent again: a request per attempt. */
#ifndef SOCKCAT_REPLAY_H
#define SOCKCAT_REPLAY_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

/* Most of a piped stdin that is kept to send again. */
#define REPLAY_MAX	(64 * 1024)

/*
 * The request on stdin, for a caller that sends it more than once
 * (--expect --retry, -z --expect).  A regular file may be read again
 * from where it started; anything else but a terminal is read to its end
 * first and kept in data.  A terminal is not kept: data stays NULL.
 */
struct replay {
	const char	*use;		/* who keeps it, for messages */
	bool		 file;		/* stdin a regular file: seek back */
	off_t		 start;		/* ... to here */
	unsigned char	*data;		/* else what stdin held, or NULL */
	size_t		 len;
};

/*
 * Before the first attempt: keeps stdin, its offset when seek and it is
 * a regular file, else what it holds (read to its end; a signal ends the
 * wait).  use names the option for messages ("--expect with --retry").
 * Returns 0, or -1 with err filled (errno EFBIG: more than REPLAY_MAX).
 * The caller owes replay_free() either way.
 */
int	replay_start(struct replay *rp, const char *use, bool seek, char *err,
	    size_t errlen);

/*
 * Before each attempt: puts stdin back at the request's start, a file by
 * seeking, kept data through a socket pair put on descriptor 0.  Returns
 * 0, or -1 with err filled.
 */
int	replay_rewind(struct replay *rp, char *err, size_t errlen);

/* Frees what replay_start() kept.  Safe on a zeroed struct, and twice. */
void	replay_free(struct replay *rp);

#endif
