/* lowat.h -- an adaptive receive low-water mark for bulk TCP streams. */
#ifndef SOCKCAT_LOWAT_H
#define SOCKCAT_LOWAT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * While a TCP peer streams in bulk, asking poll(2) to wake us only once
 * a large amount has arrived (SO_RCVLOWAT) means far fewer wakeups and
 * larger moves per wakeup: on loopback, 2-3x the throughput.  A stream
 * that pauses must not stall, so the mark is raised only after a large
 * read, drops back to one byte after a small read, and drops back at once
 * when nothing has been read for LOWAT_WAIT_MS: that is the most a tail
 * of data waits.
 */
struct lowat {
	int		fd;	/* the TCP socket; -1: not used */
	size_t		level;	/* the raised mark */
	bool		raised;
	long long	last;	/* clock_ms() of the last read while raised */
};

/* The most a pause in a bulk stream can delay its last bytes. */
#define LOWAT_WAIT_MS	2

/*
 * Sets up for the socket fd with the given raised mark (the most one
 * wakeup moves); an fd that is not a TCP socket, or level 0, disables it.
 */
void		lowat_init(struct lowat *lw, int fd, size_t level);

/* After n bytes were read from the socket (reads the clock only if bulk). */
void		lowat_after_read(struct lowat *lw, size_t n);

/* When the raised mark must drop if nothing arrives; -1: no deadline. */
long long	lowat_deadline(const struct lowat *lw);

/* After a poll round with the socket not readable. */
void		lowat_idle(struct lowat *lw);

/* Back to one byte for good (the caller stops reading in bulk). */
void		lowat_off(struct lowat *lw);

#endif
