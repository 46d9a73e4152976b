/* clock.h -- monotonic milliseconds for deadlines. */
#ifndef SOCKCAT_CLOCK_H
#define SOCKCAT_CLOCK_H

/* Milliseconds on a clock that never jumps; only differences matter. */
long long	clock_ms(void);

/*
 * The poll(2) timeout until deadline (-1 stays -1: no deadline), never
 * negative.
 */
int		clock_until(long long deadline);

#endif
