/* log.c -- the -v lines on stderr, in netcat-traditional's exact format. */

#include <sys/socket.h>
#include <netinet/in.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "log.h"
#include "unixsock.h"

void
log_listening(const struct config *cfg, const struct sockaddr_storage *bound)
{
	char text[ADDR_TEXTLEN];
	int port;

	if (cfg->verbose < 1)
		return;
	if (bound->ss_family == AF_UNIX) {
		fprintf(stderr, "listening on [%s] ...\n", cfg->unix_path);
		return;
	}
	addr_numeric((const struct sockaddr *)bound, sizeof(*bound), text,
	    &port);
	/* Only a listener given no address is "[any]", as in nc -l -p. */
	if (cfg->host == NULL && addr_is_any((const struct sockaddr *)bound))
		snprintf(text, sizeof(text), "any");
	fprintf(stderr, "listening on [%s] %d ...\n", text, port);
}

void
log_accepted(const struct config *cfg, int fd, const struct sockaddr *peer,
    socklen_t peerlen)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	char ltext[ADDR_TEXTLEN], ptext[ADDR_TEXTLEN], name[ADDR_TEXTLEN];
	int pport;

	if (cfg->verbose < 1)
		return;
	if (peer->sa_family == AF_UNIX) {
		/* A client socket usually has no name: then none is shown. */
		unix_describe(peer, peerlen, ptext, sizeof(ptext));
		fprintf(stderr, "connect to [%s] from (UNKNOWN)%s%s%s\n",
		    cfg->unix_path, ptext[0] != '\0' ? " [" : "", ptext,
		    ptext[0] != '\0' ? "]" : "");
		return;
	}
	if (getsockname(fd, (struct sockaddr *)&local, &len) == -1)
		snprintf(ltext, sizeof(ltext), "?");
	else
		addr_numeric((struct sockaddr *)&local, len, ltext, NULL);
	addr_numeric(peer, peerlen, ptext, &pport);
	addr_name(cfg, peer, peerlen, name);
	fprintf(stderr, "connect to [%s] from %s [%s] %d\n", ltext, name,
	    ptext, pport);
}

/* The NAME of the connect lines: the host as typed, or a reverse lookup. */
static void
target_name(const struct config *cfg, const struct addrinfo *ai, char *name)
{
	struct addrinfo hints, *res;

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST;
	if (!cfg->numeric && getaddrinfo(cfg->host, NULL, &hints, &res) != 0) {
		snprintf(name, ADDR_TEXTLEN, "%s", cfg->host);
		return;
	}
	if (!cfg->numeric)
		freeaddrinfo(res);
	addr_name(cfg, ai->ai_addr, ai->ai_addrlen, name);
}

static void
connect_line(const struct config *cfg, const struct addrinfo *ai,
    const char *outcome)
{
	char name[ADDR_TEXTLEN], text[ADDR_TEXTLEN];
	int port;

	target_name(cfg, ai, name);
	addr_numeric(ai->ai_addr, ai->ai_addrlen, text, &port);
	fprintf(stderr, "%s [%s] %d (%s) %s\n", name, text, port,
	    addr_service(port, cfg->udp), outcome);
}

void
log_connected(const struct config *cfg, const struct addrinfo *ai)
{
	if (cfg->verbose >= 1)
		connect_line(cfg, ai, "open");
}

void
log_connect_failed(const struct config *cfg, const struct addrinfo *ai,
    int errnum)
{
	char outcome[256];

	if (cfg->verbose < 1)
		return;
	snprintf(outcome, sizeof(outcome), ": %s", strerror(errnum));
	connect_line(cfg, ai, outcome);
}

void
log_unix_connected(const struct config *cfg)
{
	if (cfg->verbose >= 1)
		fprintf(stderr, "(UNKNOWN) [%s] open\n", cfg->unix_path);
}

void
log_summary(const struct config *cfg, unsigned long long sent,
    unsigned long long rcvd)
{
	if (cfg->verbose >= 2)
		fprintf(stderr, " sent %llu, rcvd %llu\n", sent, rcvd);
}

void
log_note(const struct config *cfg, int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (cfg->verbose < level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "sockcat: %s\n", line);
}

void
log_error(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "sockcat: %s\n", line);
}
