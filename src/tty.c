/* tty.c -- --tty: the local terminal in raw mode while connected. */

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include "tty.h"

int
tty_raw(struct tty_saved *t, int fd)
{
	struct termios raw;

	t->active = false;
	t->fd = fd;
	if (fd < 0 || !isatty(fd))
		return 0;
	if (tcgetattr(fd, &t->saved) == -1)
		return -1;
	/* cfmakeraw(3) is not POSIX: the same flags, spelled out. */
	raw = t->saved;
	raw.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR |
	    IGNCR | ICRNL | IXON);
	raw.c_oflag &= ~(tcflag_t)OPOST;
	raw.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	raw.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	raw.c_cflag |= CS8;
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &raw) == -1)
		return -1;
	t->active = true;
	return 0;
}

void
tty_restore(struct tty_saved *t)
{
	sigset_t ttou, saved;

	if (!t->active)
		return;
	/*
	 * A job sent to the background (or killed there, TERM then CONT)
	 * would be stopped again by SIGTTOU here; blocked, the modes are
	 * put back at once.
	 */
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	(void)sigprocmask(SIG_BLOCK, &ttou, &saved);
	(void)tcsetattr(t->fd, TCSANOW, &t->saved);
	(void)sigprocmask(SIG_SETMASK, &saved, NULL);
	t->active = false;
}
