/* tlog.h -- traffic logs: -o hex dump and --output raw copy of both ways. */
#ifndef SOCKCAT_TLOG_H
#define SOCKCAT_TLOG_H

#include <stdbool.h>
#include <stddef.h>

/* Open log files and the running offsets of the hex dump. */
struct tlog {
	int			hex_fd;		/* -o / --hex-dump, or -1 */
	int			raw_fd;		/* --output, or -1 */
	unsigned long long	sent_off;	/* bytes dumped as '>' */
	unsigned long long	rcvd_off;	/* bytes dumped as '<' */
	int			error;		/* first write errno, or 0 */
	const char		*hex_path;	/* the files, for messages */
	const char		*raw_path;
	const char		*error_path;	/* the one that failed */
	bool			reported;	/* its error was shown */
};

/*
 * Opens hex_path and raw_path (either may be NULL) for writing, creating
 * them with mode 0666 less the umask; append (--append-output) appends to
 * both instead of truncating.  Returns 0, or -1 with a reason in err.
 */
int	tlog_open(struct tlog *t, const char *hex_path, const char *raw_path,
	    bool append, char *err, size_t errlen);

/* True if any log is open, i.e. the pump must show it the bytes. */
bool	tlog_active(const struct tlog *t);

/*
 * Logs n bytes moving in direction dir: '>' sent to the network, '<'
 * received from it.  A failed write is remembered in t->error and stops
 * that log; the transfer itself goes on.
 */
void	tlog_data(struct tlog *t, char dir, const unsigned char *data,
	    size_t n);

/* Closes what is open. */
void	tlog_close(struct tlog *t);

#endif
