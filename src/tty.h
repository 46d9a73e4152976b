/* tty.h -- --tty: the local terminal in raw mode while connected. */
#ifndef SOCKCAT_TTY_H
#define SOCKCAT_TTY_H

#include <stdbool.h>
#include <termios.h>

/* A terminal whose modes we changed, and how to put them back. */
struct tty_saved {
	int		fd;
	bool		active;
	struct termios	saved;
};

/*
 * If fd is a terminal, saves its modes and makes it raw: no echo, no line
 * editing, no signals from Ctrl-C or Ctrl-Z, no output processing, so
 * every key goes to the peer as typed.  Returns 0 (also when fd is no
 * terminal: then nothing changes), or -1 with errno.
 */
int	tty_raw(struct tty_saved *t, int fd);

/* Puts the saved modes back, if tty_raw() changed any; safe twice. */
void	tty_restore(struct tty_saved *t);

#endif
