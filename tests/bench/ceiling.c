/*
 * ceiling.c -- the zero-copy ceiling for the bulk benchmarks (Linux).
 *
 *   ceiling -l PORT        accept one client on 127.0.0.1:PORT, to stdout
 *   ceiling [HOST] PORT    stdin to HOST (an IPv4 address, default
 *                          127.0.0.1) port PORT, then close
 *
 * Not a netcat: the least a program can do to move a stream between
 * stdin/stdout and a loopback TCP socket.  Blocking calls, no poll(), no
 * second direction, no options: sendfile(2) from a regular-file stdin,
 * splice(2) from a pipe; splice(2) into a stdout pipe, or through a pipe
 * of its own into a file or /dev/null.  Every pipe is raised to the
 * system's maximum (fs.pipe-max-size, 1 MiB by default), every splice
 * says SPLICE_F_MORE (the stream goes on: no push at the end of each
 * call), and a receiver writing to a pipe sets a 512 KiB low-water mark,
 * which tcp_data_ready() honours for a blocking splice too: it is woken
 * once per half megabyte instead of once per segment.  bench.sh builds
 * it and shows its time as the reference a tool cannot beat by much on
 * the same machine.
 */
#define _GNU_SOURCE
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK	(1 << 20)
#define LOWAT	(512 * 1024)
#define FLAGS	(SPLICE_F_MOVE | SPLICE_F_MORE)

static void
die(const char *what)
{
	fprintf(stderr, "ceiling: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Raises a pipe towards the system's maximum; failure only costs speed. */
static void
grow(int fd)
{
	FILE *f = fopen("/proc/sys/fs/pipe-max-size", "r");
	int max = CHUNK;

	if (f != NULL) {
		if (fscanf(f, "%d", &max) != 1)
			max = CHUNK;
		fclose(f);
	}
	(void)fcntl(fd, F_SETPIPE_SZ, max);
}

static int
is_pipe(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

/* Moves exactly n bytes from the pipe in to out. */
static void
drain(int in, int out, ssize_t n)
{
	ssize_t m;

	while (n > 0) {
		if ((m = splice(in, NULL, out, NULL, (size_t)n, FLAGS)) <= 0) {
			if (m == -1 && errno == EINTR)
				continue;
			die("splice to stdout");
		}
		n -= m;
	}
}

static void
receive(int sock)
{
	int p[2], direct = is_pipe(1), lowat = LOWAT;
	ssize_t n;

	/*
	 * Into a pipe whose reader drains it meanwhile: wait for half a
	 * megabyte.  Through our own pipe, which we drain ourselves after
	 * each splice, a mark would only leave the socket idle: none.
	 * Refused (an old kernel): one wakeup per segment.
	 */
	if (direct)
		(void)setsockopt(sock, SOL_SOCKET, SO_RCVLOWAT, &lowat,
		    sizeof(lowat));
	if (direct)
		grow(1);
	else if (pipe(p) == -1)
		die("pipe");
	else
		grow(p[1]);
	for (;;) {
		n = splice(sock, NULL, direct ? 1 : p[1], NULL, CHUNK, FLAGS);
		if (n == 0)
			return;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			die("splice from the socket");
		}
		if (!direct)
			drain(p[0], 1, n);
	}
}

static void
send_all(int sock)
{
	int file = !is_pipe(0);
	ssize_t n;

	if (!file)
		grow(0);
	for (;;) {
		n = file ? sendfile(sock, 0, NULL, CHUNK) :
		    splice(0, NULL, sock, NULL, CHUNK, FLAGS);
		if (n == 0)
			return;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			die(file ? "sendfile" : "splice from stdin");
		}
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int listening = argc == 3 && strcmp(argv[1], "-l") == 0;
	int s, c, one = 1;

	if ((argc != 2 && argc != 3) || (argc == 3 && !listening &&
	    inet_pton(AF_INET, argv[1], &a.sin_addr) != 1)) {
		fprintf(stderr, "usage: ceiling -l PORT | ceiling [HOST] "
		    "PORT\n");
		return 2;
	}
	a.sin_port = htons((unsigned short)atoi(argv[argc - 1]));
	if (argc == 2 || listening)
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		die("socket");
	if (listening) {
		if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
		    bind(s, (struct sockaddr *)&a, sizeof(a)) == -1 ||
		    listen(s, 1) == -1)
			die("listen");
		if ((c = accept(s, NULL, NULL)) == -1)
			die("accept");
		receive(c);
	} else {
		if (connect(s, (struct sockaddr *)&a, sizeof(a)) == -1)
			die("connect");
		send_all(s);
	}
	return 0;
}
