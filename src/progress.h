/* progress.h -- --progress: the one-line transfer meter. */
#ifndef SOCKCAT_PROGRESS_H
#define SOCKCAT_PROGRESS_H

#include <stddef.h>

/* Longest meter line. */
#define PROGRESS_LINE	128

/*
 * The meter's text for sent and rcvd bytes after ms milliseconds, into
 * buf (PROGRESS_LINE bytes): "sent 12.3 MiB (45%), received 0 B,
 * 4.1 MiB/s, 0:03".  The percentage shows when total (the size of a
 * regular file on stdin) is positive.  Returns the length.
 */
size_t	progress_line(char *buf, unsigned long long sent,
	    unsigned long long rcvd, long long total, long long ms);

#endif
