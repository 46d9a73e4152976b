/* session.c -- connect mode and listen mode, from socket to exit status. */

#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"
#include "pump.h"
#include "session.h"
#include "sig.h"
#include "sock.h"

#define ERRLEN	512

/* "127.0.0.1 port 7777": how messages name the peer. */
static void
peer_text(const struct sockaddr *sa, socklen_t len, char *out, size_t outlen)
{
	char text[ADDR_TEXTLEN];
	int port;

	addr_numeric(sa, len, text, &port);
	snprintf(out, outlen, "%s port %d", text, port);
}

/*
 * Pumps one connected socket and turns the result into an exit status,
 * with the -v and -vv lines that go with it.
 */
static int
serve(const struct config *cfg, int fd, const char *peer, bool close_out)
{
	struct pump_ends ends;
	struct pump_stats stats;
	enum pump_result r;
	char err[ERRLEN];
	int status = 0;

	ends.in_fd = cfg->read_stdin ? STDIN_FILENO : -1;
	ends.out_fd = STDOUT_FILENO;
	ends.net_fd = fd;
	ends.close_out = close_out;
	ends.peer = peer;
	r = pump_run(cfg, &ends, &stats, err, sizeof(err));
	switch (r) {
	case PUMP_DONE:
		break;
	case PUMP_IDLE:
		log_note(cfg, 1, "idle timeout expired after %ld ms",
		    cli_idle_ms(cfg));
		break;
	case PUMP_QUIT:
		log_note(cfg, 1, "quit timeout (-q) expired after stdin EOF");
		break;
	case PUMP_LIMIT:
		log_note(cfg, 1, "received %ld packets (-W); done",
		    cfg->recv_limit);
		break;
	case PUMP_NET_ERROR:
	case PUMP_LOCAL_ERROR:
		log_error("%s", err);
		status = EXIT_NET;
		break;
	case PUMP_SIGNAL:
		status = EXIT_NET;
		break;
	}
	/* CLI.md rule 3: say what the peer never got. */
	if (stats.unsent > 0 || (r == PUMP_NET_ERROR &&
	    stats.stdin_unfinished))
		log_note(cfg, 1, "%llu bytes from stdin not sent%s",
		    stats.unsent, stats.stdin_unfinished ?
		    ", and stdin was not read to its end" : "");
	log_summary(cfg, stats.sent, stats.rcvd);
	return status;
}

int
run_connect(const struct config *cfg)
{
	struct addrinfo *res, *ai;
	char err[ERRLEN], peer[ADDR_TEXTLEN + 16];
	int fd = -1, status, last_errno = 0;

	if (addr_resolve(cfg, cfg->host, cfg->port, AF_UNSPEC, false, &res,
	    err, sizeof(err), &status) == -1) {
		log_error("%s", err);
		return status;
	}
	/* Every address the name has, in order, each with its -w. */
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = sock_connect(cfg, ai, err, sizeof(err));
		if (fd != -1)
			break;
		if (sig_pending() != 0) {
			freeaddrinfo(res);
			return EXIT_NET;
		}
		if (err[0] != '\0') {
			log_error("%s", err);
			freeaddrinfo(res);
			return EXIT_NET;
		}
		last_errno = errno;
		log_connect_failed(cfg, ai, last_errno);
	}
	if (fd == -1) {
		if (cfg->verbose < 1)
			log_error("connect to %s port %s: %s", cfg->host,
			    cfg->port_arg, strerror(last_errno));
		log_summary(cfg, 0, 0);
		freeaddrinfo(res);
		return EXIT_NET;
	}
	log_connected(cfg, ai);
	peer_text(ai->ai_addr, ai->ai_addrlen, peer, sizeof(peer));
	freeaddrinfo(res);
	status = serve(cfg, fd, peer, true);
	close(fd);
	return status;
}

/* Waits for the next client; returns its socket or -1 (message printed). */
static int
next_client(const struct config *cfg, int lfd, int port, int served,
    int *status, char *peer, size_t peerlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char err[ERRLEN];
	int fd;

	if (cfg->udp) {
		fd = sock_udp_lock(lfd, cfg->wait_ms, &ss, &len) == -1 ? -1 :
		    lfd;
		err[0] = '\0';
	} else
		fd = sock_accept(cfg, lfd, cfg->wait_ms, &ss, &len, err,
		    sizeof(err));
	if (fd == -1) {
		*status = EXIT_NET;
		if (sig_pending() != 0)
			return -1;
		if (err[0] != '\0')
			log_error("%s", err);
		else if (errno == ETIMEDOUT && served > 0)
			*status = 0;	/* -k: the clients have stopped coming */
		else if (errno == ETIMEDOUT)
			log_error("no connection on port %d within -w %ld ms",
			    port, cfg->wait_ms);
		else
			log_error("accept on port %d: %s", port,
			    strerror(errno));
		return -1;
	}
	log_accepted(cfg, fd, (struct sockaddr *)&ss, len);
	peer_text((struct sockaddr *)&ss, len, peer, peerlen);
	return fd;
}

int
run_listen(const struct config *cfg)
{
	struct sockaddr_storage bound;
	char err[ERRLEN], peer[ADDR_TEXTLEN + 16], text[ADDR_TEXTLEN];
	int lfd, fd, port, status = 0, served = 0;

	lfd = sock_listen(cfg, &bound, err, sizeof(err));
	if (lfd == -1) {
		if (err[0] != '\0')
			log_error("%s", err);
		else
			log_error("listen on %s port %d: %s",
			    cfg->host != NULL ? cfg->host : "any", cfg->port,
			    strerror(errno));
		return EXIT_NET;
	}
	log_listening(cfg, &bound);
	/* The real port, also when -l 0 let the system choose. */
	addr_numeric((struct sockaddr *)&bound, sizeof(bound), text, &port);
	for (;;) {
		fd = next_client(cfg, lfd, port, served, &status, peer,
		    sizeof(peer));
		if (fd == -1)
			break;
		/* One-shot: stop listening now, refusing anyone queued. */
		if (!cfg->keep_open && fd != lfd) {
			close(lfd);
			lfd = -1;
		}
		status = serve(cfg, fd, peer, !cfg->keep_open);
		served++;
		if (fd != lfd)
			close(fd);
		if (!cfg->keep_open || sig_pending() != 0)
			break;
	}
	if (lfd != -1)
		close(lfd);
	return status;
}
