/* fdflags.h -- set O_NONBLOCK on shared stdio descriptors, and undo it. */
#ifndef SOCKCAT_FDFLAGS_H
#define SOCKCAT_FDFLAGS_H

/* Descriptors whose file status flags we changed, and the old flags. */
struct fdflags {
	int	fd[4];
	int	old[4];
	int	count;
};

/*
 * Makes fd non-blocking if it is a pipe, FIFO or socket, remembering its
 * flags in saved.  Terminals and files are left alone: poll says they are
 * ready anyway, and a terminal left non-blocking would break the shell if
 * we were killed.  fd < 0 is ignored.  Returns 0, or -1 with errno set.
 */
int	fdflags_nonblock(struct fdflags *saved, int fd);

/*
 * Makes a descriptor of our own (a socket, a pipe to a child)
 * non-blocking, for good.  Returns 0, or -1 with errno set.
 */
int	fd_set_nonblock(int fd);

/* Puts back the flags of fd alone, if we changed them. */
void	fdflags_restore_one(struct fdflags *saved, int fd);

/* Puts back every changed flag, newest first. */
void	fdflags_restore(struct fdflags *saved);

#endif
