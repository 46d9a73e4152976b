/* fdflags.c -- set O_NONBLOCK on shared stdio descriptors, and undo it. */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>

#include "fdflags.h"

int
fdflags_nonblock(struct fdflags *saved, int fd)
{
	struct stat st;
	int fl;

	if (fd < 0 || fstat(fd, &st) == -1 ||
	    !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return 0;
	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	if (fl & O_NONBLOCK)
		return 0;
	if (saved->count == (int)(sizeof(saved->fd) / sizeof(saved->fd[0]))) {
		errno = EMFILE;
		return -1;
	}
	if (fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	saved->fd[saved->count] = fd;
	saved->old[saved->count] = fl;
	saved->count++;
	return 0;
}

void
fdflags_restore_one(struct fdflags *saved, int fd)
{
	int i;

	for (i = 0; i < saved->count; i++) {
		if (saved->fd[i] != fd)
			continue;
		(void)fcntl(fd, F_SETFL, saved->old[i]);
		saved->count--;
		saved->fd[i] = saved->fd[saved->count];
		saved->old[i] = saved->old[saved->count];
		return;
	}
}

void
fdflags_restore(struct fdflags *saved)
{
	while (saved->count > 0) {
		saved->count--;
		(void)fcntl(saved->fd[saved->count], F_SETFL,
		    saved->old[saved->count]);
	}
}

int
fd_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl == -1 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}
