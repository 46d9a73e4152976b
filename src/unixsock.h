/* unixsock.h -- -U: Unix-domain stream and datagram sockets, path hygiene. */
#ifndef SOCKCAT_UNIXSOCK_H
#define SOCKCAT_UNIXSOCK_H

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

/*
 * A socket file sockcat created and must remove on exit: the listening
 * path, or a datagram client's receive path (and its temporary folder).
 * The file is known by its device and inode, taken right after bind, so
 * that whatever replaces it at the path later is never removed.
 */
struct unix_file {
	char	path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
	char	dir[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
	bool	known;		/* dev and ino are the file's */
	dev_t	dev;
	ino_t	ino;
};

/*
 * Fills *sun and *len for path; "@name" is a Linux abstract name (no file).
 * Returns 0, or -1 (errno ENAMETOOLONG) when path does not fit.
 */
int	unix_address(const char *path, struct sockaddr_un *sun, socklen_t *len);

/*
 * Connects to cfg->unix_path: stream, or datagram with -u, in which case
 * the socket is first bound to -s PATH or to a fresh temporary path so
 * the peer can answer.  Files to remove later go to *made.  Returns the
 * non-blocking, close-on-exec socket, or -1 with a reason in err.
 */
int	unix_connect(const struct config *cfg, struct unix_file *made,
	    char *err, size_t errlen);

/*
 * Binds (and for streams listens on) cfg->unix_path.  An existing path is
 * probed: a socket nobody answers on is stale and replaced; a live one, or
 * anything that is not a socket (a symlink included), is an error naming
 * the path and is never removed.  The created file goes to *made.
 */
int	unix_listen(const struct config *cfg, struct unix_file *made,
	    char *err, size_t errlen);

/*
 * Removes what *made records, if anything: the socket file only while the
 * path still holds the very file that was bound (same device and inode),
 * the folder only when empty.  Safe to call twice.
 */
void	unix_remove(struct unix_file *made);

/* The text of a Unix address for -v lines: the path, @name, or "". */
void	unix_describe(const struct sockaddr *sa, socklen_t len, char *text,
	    size_t textlen);

#endif
