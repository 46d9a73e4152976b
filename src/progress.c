/* progress.c -- --progress: the one-line transfer meter. */

#include <stdio.h>

#include "progress.h"

/* "123 B", "12.3 KiB", "4.0 MiB"...: a size people read at a glance. */
static void
human(char *buf, size_t len, double bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB",
	    "TiB" };
	size_t u = 0;

	while (bytes >= 1024 && u < sizeof(units) / sizeof(units[0]) - 1) {
		bytes /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%.0f B", bytes);
	else
		snprintf(buf, len, "%.1f %s", bytes, units[u]);
}

size_t
progress_line(char *buf, unsigned long long sent, unsigned long long rcvd,
    long long total, long long ms)
{
	char s[32], r[32], rate[32], pct[16] = "";
	long long secs = ms < 0 ? 0 : ms / 1000;
	int n;

	human(s, sizeof(s), (double)sent);
	human(r, sizeof(r), (double)rcvd);
	human(rate, sizeof(rate), ms > 0 ?
	    (double)(sent + rcvd) * 1000.0 / (double)ms : 0.0);
	if (total > 0)
		snprintf(pct, sizeof(pct), " (%.0f%%)",
		    100.0 * (double)sent / (double)total);
	n = snprintf(buf, PROGRESS_LINE, "sent %s%s, received %s, %s/s, "
	    "%lld:%02lld", s, pct, r, rate, secs / 60, secs % 60);
	if (n < 0)
		n = 0;
	return (size_t)n < PROGRESS_LINE ? (size_t)n : PROGRESS_LINE - 1;
}
