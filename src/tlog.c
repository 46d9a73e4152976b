/* tlog.c -- traffic logs: -o hex dump and --output raw copy of both ways. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hexdump.h"
#include "tlog.h"

/* Hex lines are gathered into writes of about this size. */
#define HEX_BATCH	(64 * (HEXDUMP_LINE + 1))

static int
open_log(const char *path, bool append, char *err, size_t errlen)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC |
	    (append ? O_APPEND : O_TRUNC), 0666);
	if (fd == -1)
		snprintf(err, errlen, "open log file %s: %s", path,
		    strerror(errno));
	return fd;
}

int
tlog_open(struct tlog *t, const char *hex_path, const char *raw_path,
    bool append, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	t->hex_fd = t->raw_fd = -1;
	t->hex_path = hex_path;
	t->raw_path = raw_path;
	if (hex_path != NULL &&
	    (t->hex_fd = open_log(hex_path, append, err, errlen)) == -1)
		return -1;
	if (raw_path != NULL &&
	    (t->raw_fd = open_log(raw_path, append, err, errlen)) == -1) {
		tlog_close(t);
		return -1;
	}
	return 0;
}

bool
tlog_active(const struct tlog *t)
{
	return t != NULL && (t->hex_fd != -1 || t->raw_fd != -1);
}

/* Writes all of data to *fd; on failure records errno and drops the log. */
static void
write_all(struct tlog *t, int *fd, const char *data, size_t n)
{
	ssize_t w;

	while (n > 0 && *fd != -1) {
		w = write(*fd, data, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (t->error == 0) {
				t->error = w == -1 ? errno : EIO;
				t->error_path = fd == &t->hex_fd ? t->hex_path :
				    t->raw_path;
			}
			close(*fd);
			*fd = -1;
			return;
		}
		data += w;
		n -= (size_t)w;
	}
}

void
tlog_data(struct tlog *t, char dir, const unsigned char *data, size_t n)
{
	char batch[HEX_BATCH];
	unsigned long long *off;
	size_t used = 0, chunk;

	if (t == NULL || n == 0)
		return;
	if (t->raw_fd != -1)
		write_all(t, &t->raw_fd, (const char *)data, n);
	if (t->hex_fd == -1)
		return;
	off = dir == '>' ? &t->sent_off : &t->rcvd_off;
	while (n > 0) {
		chunk = n < 16 ? n : 16;
		used += hexdump_line(dir, *off, data, chunk, batch + used);
		*off += chunk;
		data += chunk;
		n -= chunk;
		if (used + HEXDUMP_LINE + 1 > sizeof(batch) || n == 0) {
			write_all(t, &t->hex_fd, batch, used);
			used = 0;
		}
	}
}

void
tlog_close(struct tlog *t)
{
	if (t->hex_fd != -1)
		close(t->hex_fd);
	if (t->raw_fd != -1)
		close(t->raw_fd);
	t->hex_fd = t->raw_fd = -1;
}
