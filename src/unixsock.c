/* unixsock.c -- -U: Unix-domain stream and datagram sockets, path hygiene. */

/* realpath(3) is in POSIX.1-2008, but glibc declares it for X/Open only. */
#define _XOPEN_SOURCE	700

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sock.h"
#include "text.h"
#include "unixsock.h"

/* A new Unix socket of cfg's type with -I/-O applied, or -1 and err. */
static int
new_socket(const struct config *cfg, char *err, size_t errlen)
{
	int fd, v;

	if ((fd = sock_new(AF_UNIX, cfg->udp ? SOCK_DGRAM : SOCK_STREAM, 0)) ==
	    -1) {
		snprintf(err, errlen, "create Unix socket: %s",
		    strerror(errno));
		return -1;
	}
	/* -I and -O apply to Unix sockets too; the kernel may round them. */
	if (cfg->rcvbuf != -1) {
		v = (int)cfg->rcvbuf;
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	}
	if (cfg->sndbuf != -1) {
		v = (int)cfg->sndbuf;
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	}
	return fd;
}

int
unix_address(const char *path, struct sockaddr_un *sun, socklen_t *len)
{
	size_t n = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (n >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun->sun_path, path, n);
	if (path[0] == '@') {
		/* Linux abstract name: a leading NUL, length by addrlen. */
		sun->sun_path[0] = '\0';
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else
		*len = (socklen_t)sizeof(*sun);
	return 0;
}

void
unix_describe(const struct sockaddr *sa, socklen_t len, char *text,
    size_t textlen)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)
	    (const void *)sa;
	size_t n, off = offsetof(struct sockaddr_un, sun_path);

	text[0] = '\0';
	if (len <= off || sa->sa_family != AF_UNIX)
		return;
	n = len - off;
	if (n > sizeof(sun->sun_path))
		n = sizeof(sun->sun_path);
	if (sun->sun_path[0] == '\0') {
		snprintf(text, textlen, "@%.*s", (int)(n - 1),
		    sun->sun_path + 1);
	} else
		snprintf(text, textlen, "%.*s", (int)strnlen(sun->sun_path, n),
		    sun->sun_path);
	/* Peer-chosen names reach the terminal: keep them harmless. */
	text_safe_str(text);
}

/*
 * Notes which file bind just made at made->path.  If lstat fails, the
 * file stays unknown and is left behind rather than risk removing another.
 */
static void
note_bound_file(struct unix_file *made)
{
	struct stat st;

	made->known = false;
	if (made->path[0] == '\0' || made->path[0] == '@' ||
	    lstat(made->path, &st) == -1 || !S_ISSOCK(st.st_mode))
		return;
	made->dev = st.st_dev;
	made->ino = st.st_ino;
	made->known = true;
}

void
unix_remove(struct unix_file *made)
{
	struct stat st;

	/*
	 * Someone may have removed our file and put their own (a new
	 * listener's socket, any file) at the path: leave that alone.
	 */
	if (made->known && lstat(made->path, &st) == 0 &&
	    st.st_dev == made->dev && st.st_ino == made->ino)
		(void)unlink(made->path);
	if (made->dir[0] != '\0')
		(void)rmdir(made->dir);
	made->path[0] = made->dir[0] = '\0';
	made->known = false;
}

/*
 * Makes a private folder under $TMPDIR (or /tmp) for a datagram client's
 * receive socket: mkdtemp gives it mode 0700, so nobody else can race us
 * for the name.
 */
static int
temp_receive_path(struct unix_file *made, char *err, size_t errlen)
{
	const char *tmp = getenv("TMPDIR");
	char dir[sizeof(made->dir) - 3];	/* room for "/s" */
	int n;

	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	n = snprintf(dir, sizeof(dir), "%s/sockcat.XXXXXX", tmp);
	if (n < 0 || (size_t)n >= sizeof(dir)) {
		snprintf(err, errlen, "temporary folder name under %s is too "
		    "long for a socket path", tmp);
		return -1;
	}
	if (mkdtemp(dir) == NULL) {
		snprintf(err, errlen, "create temporary folder in %s: %s",
		    tmp, strerror(errno));
		return -1;
	}
	snprintf(made->dir, sizeof(made->dir), "%s", dir);
	snprintf(made->path, sizeof(made->path), "%s/s", dir);
	return 0;
}

int
unix_connect(const struct config *cfg, struct unix_file *made, char *err,
    size_t errlen)
{
	struct sockaddr_un sun, local;
	socklen_t len, llen;
	int fd;

	err[0] = '\0';
	memset(made, 0, sizeof(*made));
	if (unix_address(cfg->unix_path, &sun, &len) == -1) {
		snprintf(err, errlen, "socket path %s: %s", cfg->unix_path,
		    strerror(errno));
		return -1;
	}
	if ((fd = new_socket(cfg, err, errlen)) == -1)
		return -1;
	if (cfg->udp) {
		/* A datagram peer can only answer a socket with a name. */
		if (cfg->source != NULL)
			snprintf(made->path, sizeof(made->path), "%s",
			    cfg->source);
		else if (temp_receive_path(made, err, errlen) == -1)
			goto fail;
		if (unix_address(made->path, &local, &llen) == -1 ||
		    bind(fd, (struct sockaddr *)&local, llen) == -1) {
			snprintf(err, errlen, "bind receive socket %s: %s",
			    made->path, strerror(errno));
			/* Never remove a path we did not create. */
			if (made->dir[0] == '\0')
				made->path[0] = '\0';
			goto fail;
		}
		note_bound_file(made);
	}
	if (connect(fd, (struct sockaddr *)&sun, len) == -1) {
		/* A full listen queue on a Unix socket says EAGAIN. */
		snprintf(err, errlen, "connect to %s: %s", cfg->unix_path,
		    strerror(errno == EAGAIN ? ECONNREFUSED : errno));
		goto fail;
	}
	return fd;
fail:
	{
		/* The caller tells retryable failures by errno. */
		int saved = errno;

		close(fd);
		unix_remove(made);
		errno = saved;
	}
	return -1;
}

#ifdef __linux__
/*
 * Linux lists every bound Unix socket, with the path it was bound to, in
 * /proc/net/unix.  Returns 1 if a socket there may be bound to path,
 * 0 if none is, or -1 if the list cannot be read.  A relative path in the
 * list matches any path ending in it: unsure counts as bound, so a live
 * socket is never taken for stale.
 */
static int
listed_in_proc(const char *path)
{
	char line[512], *p, *nl;
	size_t plen = strlen(path), len;
	FILE *fp;
	int found = 0;

	if ((fp = fopen("/proc/net/unix", "r")) == NULL)
		return -1;
	while (found == 0 && fgets(line, sizeof(line), fp) != NULL) {
		/* The path is the eighth field, after the inode. */
		int at = -1;

		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %n", &at) != 0 ||
		    at < 0)
			continue;
		p = line + at;
		if ((nl = strchr(p, '\n')) != NULL)
			*nl = '\0';
		len = strlen(p);
		if (len == 0 || p[0] == '@')
			continue;
		if (strcmp(p, path) == 0)
			found = 1;
		else if (p[0] != '/' && len < plen && path[plen - len - 1] ==
		    '/' && strcmp(path + plen - len, p) == 0)
			found = 1;
	}
	fclose(fp);
	return found;
}
#endif

/*
 * Is someone listening at path?  Used to tell a stale socket file from a
 * live one.  Where the system lists bound sockets, look there, because a
 * test connection would be accepted, and served, by a one-shot listener.
 * Elsewhere, connect: only a refusal proves the file stale.
 */
static bool
socket_is_live(const char *path, const struct sockaddr_un *sun,
    socklen_t len, int type)
{
	char abs[PATH_MAX], dir[PATH_MAX];
	const char *base;
	int fd, rc;

#ifdef __linux__
	/* The list has absolute paths where the binder gave them. */
	base = strrchr(path, '/');
	snprintf(dir, sizeof(dir), "%.*s", base == NULL ? 1 :
	    base == path ? 1 : (int)(base - path), base == NULL ? "." : path);
	if (realpath(dir, abs) != NULL) {
		size_t n = strlen(abs);

		snprintf(abs + n, sizeof(abs) - n, "/%s",
		    base == NULL ? path : base + 1);
		if ((rc = listed_in_proc(abs)) != -1)
			return rc == 1;
	}
#else
	(void)path;
	(void)abs;
	(void)dir;
	(void)base;
#endif
	if ((fd = socket(AF_UNIX, type, 0)) == -1)
		return true;	/* can't tell: assume live, remove nothing */
	rc = connect(fd, (const struct sockaddr *)sun, len);
	close(fd);
	return rc == 0 || errno != ECONNREFUSED;
}

int
unix_listen(const struct config *cfg, struct unix_file *made, char *err,
    size_t errlen)
{
	const char *path = cfg->unix_path;
	int type = cfg->udp ? SOCK_DGRAM : SOCK_STREAM;
	struct sockaddr_un sun;
	struct stat st;
	socklen_t len;
	int fd;

	err[0] = '\0';
	memset(made, 0, sizeof(*made));
	if (unix_address(path, &sun, &len) == -1) {
		snprintf(err, errlen, "socket path %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (path[0] != '@' && lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "listen on %s: the path exists "
			    "and is not a socket; not removing it", path);
			return -1;
		}
		if (socket_is_live(path, &sun, len, type)) {
			snprintf(err, errlen, "listen on %s: another process "
			    "is listening there", path);
			return -1;
		}
		/* Stale: left by a listener that died. */
		if (unlink(path) == -1 && errno != ENOENT) {
			snprintf(err, errlen, "remove stale socket %s: %s",
			    path, strerror(errno));
			return -1;
		}
	}
	if ((fd = new_socket(cfg, err, errlen)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&sun, len) == -1) {
		snprintf(err, errlen, "listen on %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	snprintf(made->path, sizeof(made->path), "%s", path);
	note_bound_file(made);
	if (type == SOCK_STREAM && listen(fd, 128) == -1) {
		snprintf(err, errlen, "listen on %s: %s", path,
		    strerror(errno));
		close(fd);
		unix_remove(made);
		return -1;
	}
	return fd;
}
