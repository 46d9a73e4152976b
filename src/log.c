/* log.c -- the -v lines on stderr (netcat-traditional's), or --json events. */

#include <sys/socket.h>
#include <netinet/in.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "log.h"
#include "unixsock.h"

/* Longest JSON line we build; longer strings are cut. */
#define JSON_LINE	4096

/* A JSON event under construction. */
struct jline {
	char	buf[JSON_LINE];
	size_t	len;
};

/* Does the event of this level go out?  --json implies -v. */
static bool
wanted(const struct config *cfg, int level)
{
	int v = cfg == NULL ? 0 : cfg->verbose;

	if (cfg != NULL && cfg->json && v < 1)
		v = 1;
	return v >= level;
}

static bool
json(const struct config *cfg)
{
	return cfg != NULL && cfg->json;
}

static void
jraw(struct jline *j, const char *s)
{
	size_t n = strlen(s);

	if (j->len + n >= sizeof(j->buf) - 2)
		n = sizeof(j->buf) - 2 - j->len;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

/* Appends s as a JSON string, escaped: quotes, backslashes, controls. */
static void
jstr(struct jline *j, const char *s)
{
	char esc[8];

	jraw(j, "\"");
	for (; *s != '\0' && j->len < sizeof(j->buf) - 10; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			esc[2] = '\0';
		} else if (c < 0x20 || c == 0x7f)
			snprintf(esc, sizeof(esc), "\\u%04x", c);
		else {
			esc[0] = (char)c;
			esc[1] = '\0';
		}
		jraw(j, esc);
	}
	jraw(j, "\"");
}

static void
jbegin(struct jline *j, const char *event)
{
	j->len = 0;
	j->buf[0] = '\0';
	jraw(j, "{\"event\":");
	jstr(j, event);
}

static void
jkey_str(struct jline *j, const char *key, const char *value)
{
	jraw(j, ",");
	jstr(j, key);
	jraw(j, ":");
	jstr(j, value);
}

static void
jkey_num(struct jline *j, const char *key, unsigned long long value)
{
	char num[32];

	jraw(j, ",");
	jstr(j, key);
	snprintf(num, sizeof(num), ":%llu", value);
	jraw(j, num);
}

static void
jkey_bool(struct jline *j, const char *key, bool value)
{
	jraw(j, ",");
	jstr(j, key);
	jraw(j, value ? ":true" : ":false");
}

static void
jend(struct jline *j)
{
	jraw(j, "}");
	fprintf(stderr, "%s\n", j->buf);
}

static const char *
proto_name(const struct config *cfg)
{
	return cfg->unix_socket ? "unix" : cfg->udp ? "udp" : "tcp";
}

void
log_listening(const struct config *cfg, const struct sockaddr_storage *bound)
{
	char text[ADDR_TEXTLEN];
	struct jline j;
	int port;

	if (!wanted(cfg, 1))
		return;
	if (bound->ss_family == AF_UNIX) {
		if (json(cfg)) {
			jbegin(&j, "listen");
			jkey_str(&j, "proto", proto_name(cfg));
			jkey_str(&j, "path", cfg->unix_path);
			jend(&j);
		} else
			fprintf(stderr, "listening on [%s] ...\n",
			    cfg->unix_path);
		return;
	}
	addr_numeric((const struct sockaddr *)bound, sizeof(*bound), text,
	    &port);
	if (json(cfg)) {
		jbegin(&j, "listen");
		jkey_str(&j, "proto", proto_name(cfg));
		jkey_str(&j, "address", text);
		jkey_num(&j, "port", (unsigned long long)port);
		jend(&j);
		return;
	}
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
	struct jline j;
	int pport, lport = 0;

	if (!wanted(cfg, 1))
		return;
	if (peer->sa_family == AF_UNIX) {
		/* A client socket usually has no name: then none is shown. */
		unix_describe(peer, peerlen, ptext, sizeof(ptext));
		if (json(cfg)) {
			jbegin(&j, "accept");
			jkey_str(&j, "proto", proto_name(cfg));
			jkey_str(&j, "path", cfg->unix_path);
			jkey_str(&j, "remote_path", ptext);
			jend(&j);
			return;
		}
		fprintf(stderr, "connect to [%s] from (UNKNOWN)%s%s%s\n",
		    cfg->unix_path, ptext[0] != '\0' ? " [" : "", ptext,
		    ptext[0] != '\0' ? "]" : "");
		return;
	}
	if (getsockname(fd, (struct sockaddr *)&local, &len) == -1)
		snprintf(ltext, sizeof(ltext), "?");
	else
		addr_numeric((struct sockaddr *)&local, len, ltext, &lport);
	/* An unconnected socket (-u -l -k) knows no local address. */
	if (len > 0 && addr_is_any((struct sockaddr *)&local))
		snprintf(ltext, sizeof(ltext), "any");
	addr_numeric(peer, peerlen, ptext, &pport);
	addr_name(cfg, peer, peerlen, name);
	if (json(cfg)) {
		jbegin(&j, "accept");
		jkey_str(&j, "proto", proto_name(cfg));
		jkey_str(&j, "local_address", ltext);
		jkey_num(&j, "local_port", (unsigned long long)lport);
		jkey_str(&j, "remote_address", ptext);
		jkey_num(&j, "remote_port", (unsigned long long)pport);
		if (strcmp(name, "(UNKNOWN)") != 0)
			jkey_str(&j, "remote_name", name);
		jend(&j);
		return;
	}
	fprintf(stderr, "connect to [%s] from %s [%s] %d\n", ltext, name,
	    ptext, pport);
}

/* The NAME of the connect lines: the host as typed, or a reverse lookup. */
static void
target_name(const struct config *cfg, const char *host,
    const struct addrinfo *ai, char *name)
{
	struct addrinfo hints, *res;

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST;
	if (!cfg->numeric && getaddrinfo(host, NULL, &hints, &res) != 0) {
		snprintf(name, ADDR_TEXTLEN, "%s", host);
		return;
	}
	if (!cfg->numeric)
		freeaddrinfo(res);
	addr_name(cfg, ai->ai_addr, ai->ai_addrlen, name);
}

/*
 * A connect or probe outcome: the text line "NAME [ADDR] PORT (SVC)
 * OUTCOME", or a JSON "connect", "connect_failed" or "probe" event.
 */
static void
connect_event(const struct config *cfg, const struct addrinfo *ai, bool open,
    const char *reason)
{
	char name[ADDR_TEXTLEN], text[ADDR_TEXTLEN], outcome[256];
	struct jline j;
	int port;

	addr_numeric(ai->ai_addr, ai->ai_addrlen, text, &port);
	if (json(cfg)) {
		jbegin(&j, cfg->scan ? "probe" : open ? "connect" :
		    "connect_failed");
		jkey_str(&j, "proto", proto_name(cfg));
		jkey_str(&j, "host", cfg->host);
		jkey_str(&j, "address", text);
		jkey_num(&j, "port", (unsigned long long)port);
		if (cfg->scan)
			jkey_bool(&j, "open", open);
		if (reason != NULL)
			jkey_str(&j, "reason", reason);
		jend(&j);
		return;
	}
	target_name(cfg, cfg->host, ai, name);
	if (open)
		snprintf(outcome, sizeof(outcome), "open");
	else
		snprintf(outcome, sizeof(outcome), ": %s", reason);
	fprintf(stderr, "%s [%s] %d (%s) %s\n", name, text, port,
	    addr_service(port, cfg->udp), outcome);
}

void
log_connected(const struct config *cfg, const struct addrinfo *ai)
{
	if (wanted(cfg, 1))
		connect_event(cfg, ai, true, NULL);
}

void
log_connect_failed(const struct config *cfg, const struct addrinfo *ai,
    int errnum)
{
	if (wanted(cfg, 1))
		connect_event(cfg, ai, false, strerror(errnum));
}

void
log_probe_failed(const struct config *cfg, const struct addrinfo *ai,
    const char *reason)
{
	if (wanted(cfg, 1))
		connect_event(cfg, ai, false, reason);
}

void
log_attempt(const struct config *cfg, const struct log_attempt *a)
{
	char name[ADDR_TEXTLEN], text[ADDR_TEXTLEN];
	struct jline j;
	int port = a->port;

	/* -vv shows failed attempts; --json reports every attempt. */
	if (!wanted(cfg, a->open || json(cfg) ? 1 : 2))
		return;
	if (a->ai != NULL)
		addr_numeric(a->ai->ai_addr, a->ai->ai_addrlen, text, &port);
	if (json(cfg)) {
		jbegin(&j, "probe");
		jkey_str(&j, "proto", proto_name(cfg));
		jkey_str(&j, "target", a->target);
		jkey_str(&j, "host", a->host);
		if (a->ai != NULL)
			jkey_str(&j, "address", text);
		jkey_num(&j, "port", (unsigned long long)port);
		jkey_num(&j, "attempt", a->attempt);
		jkey_bool(&j, "open", a->open);
		if (a->reason != NULL)
			jkey_str(&j, "reason", a->reason);
		jend(&j);
		return;
	}
	if (a->ai == NULL) {
		fprintf(stderr, "sockcat: %s: %s\n", a->target, a->reason);
		return;
	}
	target_name(cfg, a->host, a->ai, name);
	fprintf(stderr, "%s [%s] %d (%s) %s%s\n", name, text, port,
	    addr_service(port, cfg->udp), a->open ? "open" : ": ",
	    a->open ? "" : a->reason);
}

void
log_unix_connected(const struct config *cfg)
{
	struct jline j;

	if (!wanted(cfg, 1))
		return;
	if (json(cfg)) {
		jbegin(&j, "connect");
		jkey_str(&j, "proto", proto_name(cfg));
		jkey_str(&j, "path", cfg->unix_path);
		jend(&j);
	} else
		fprintf(stderr, "(UNKNOWN) [%s] open\n", cfg->unix_path);
}

void
log_summary(const struct config *cfg, unsigned long long sent,
    unsigned long long rcvd)
{
	if (cfg->verbose >= 2 && !json(cfg))
		fprintf(stderr, " sent %llu, rcvd %llu\n", sent, rcvd);
}

void
log_close(const struct config *cfg, unsigned long long sent,
    unsigned long long rcvd, long long ms, const char *how)
{
	struct jline j;

	if (!json(cfg)) {
		log_summary(cfg, sent, rcvd);
		return;
	}
	jbegin(&j, "close");
	jkey_num(&j, "sent", sent);
	jkey_num(&j, "received", rcvd);
	jkey_num(&j, "duration_ms", ms < 0 ? 0 : (unsigned long long)ms);
	jkey_str(&j, "end", how);
	jend(&j);
}

void
log_peer_close(const struct config *cfg, const struct sockaddr *peer,
    socklen_t peerlen, const struct log_peer_end *end)
{
	char text[ADDR_TEXTLEN], dropped[64];
	struct jline j;
	int port;

	if (!wanted(cfg, 1))
		return;
	addr_numeric(peer, peerlen, text, &port);
	if (json(cfg)) {
		jbegin(&j, "close");
		jkey_num(&j, "sent", end->sent);
		jkey_num(&j, "received", end->rcvd);
		jkey_num(&j, "duration_ms", end->ms < 0 ? 0 :
		    (unsigned long long)end->ms);
		jkey_str(&j, "end", end->how);
		jkey_str(&j, "remote_address", text);
		jkey_num(&j, "remote_port", (unsigned long long)port);
		jkey_num(&j, "status", (unsigned long long)end->status);
		jkey_num(&j, "dropped", end->dropped);
		jend(&j);
		return;
	}
	dropped[0] = '\0';
	if (end->dropped > 0)
		snprintf(dropped, sizeof(dropped), ", %llu datagram%s dropped",
		    end->dropped, end->dropped == 1 ? "" : "s");
	fprintf(stderr, "sockcat: closed %s port %d (%s): program status %d, "
	    "sent %llu, rcvd %llu%s\n", text, port, end->how, end->status,
	    end->sent, end->rcvd, dropped);
}

/* The client of a relayed pair, as remote_address/port or remote_path. */
static void
jpeer(struct jline *j, const struct sockaddr *peer, socklen_t peerlen)
{
	char text[ADDR_TEXTLEN];
	int port;

	if (peer->sa_family == AF_UNIX) {
		/* A client socket usually has no name: then "". */
		unix_describe(peer, peerlen, text, sizeof(text));
		jkey_str(j, "remote_path", text);
		return;
	}
	addr_numeric(peer, peerlen, text, &port);
	jkey_str(j, "remote_address", text);
	jkey_num(j, "remote_port", (unsigned long long)port);
}

void
log_relay_upstream(const struct config *cfg, const struct sockaddr *peer,
    socklen_t peerlen, const char *client, const char *upstream,
    const struct sockaddr *up, socklen_t uplen, int upport)
{
	char text[ADDR_TEXTLEN];
	struct jline j;
	int port;

	if (!wanted(cfg, 1))
		return;
	if (!json(cfg)) {
		fprintf(stderr, "sockcat: relaying %s to %s\n", client,
		    upstream);
		return;
	}
	jbegin(&j, "upstream");
	jpeer(&j, peer, peerlen);
	if (cfg->relay.kind == RELAY_UNIX)
		jkey_str(&j, "upstream_path", cfg->relay.path);
	else if (cfg->proxy_type != PROXY_NONE) {
		/* The proxy connects: we know the name we gave it. */
		jkey_str(&j, "upstream_host", cfg->relay.host);
		jkey_num(&j, "upstream_port", (unsigned long long)upport);
		addr_numeric(up, uplen, text, &port);
		jkey_str(&j, "proxy_address", text);
		jkey_num(&j, "proxy_port", (unsigned long long)port);
	} else {
		addr_numeric(up, uplen, text, &port);
		jkey_str(&j, "upstream_address", text);
		jkey_num(&j, "upstream_port", (unsigned long long)port);
	}
	jend(&j);
}

void
log_relay_upstream_failed(const struct config *cfg,
    const struct sockaddr *peer, socklen_t peerlen, const char *client,
    int port, const char *reason, bool said)
{
	struct jline j;

	if (!wanted(cfg, 1))
		return;
	if (!json(cfg)) {
		if (!said)
			fprintf(stderr, "sockcat: relay %s to %s: %s; closing "
			    "the client\n", client, cfg->relay.arg, reason);
		return;
	}
	jbegin(&j, "upstream_failed");
	jpeer(&j, peer, peerlen);
	if (cfg->relay.kind == RELAY_UNIX)
		jkey_str(&j, "upstream_path", cfg->relay.path);
	else {
		jkey_str(&j, "upstream_host", cfg->relay.host);
		if (port >= 0)
			jkey_num(&j, "upstream_port",
			    (unsigned long long)port);
	}
	jkey_str(&j, "reason", reason);
	jend(&j);
}

void
log_relay_close(const struct config *cfg, const struct sockaddr *peer,
    socklen_t peerlen, const char *client, unsigned long long to_upstream,
    unsigned long long to_client, long long ms, const char *how)
{
	struct jline j;

	if (!wanted(cfg, 1))
		return;
	if (!json(cfg)) {
		fprintf(stderr, "sockcat: closed %s (%s): to upstream %llu, "
		    "to client %llu\n", client, how, to_upstream, to_client);
		return;
	}
	jbegin(&j, "close");
	jpeer(&j, peer, peerlen);
	jkey_num(&j, "to_upstream", to_upstream);
	jkey_num(&j, "to_client", to_client);
	jkey_num(&j, "duration_ms", ms < 0 ? 0 : (unsigned long long)ms);
	jkey_str(&j, "end", how);
	jend(&j);
}

void
log_udp_map_open(const struct config *cfg, const struct sockaddr *peer,
    socklen_t peerlen, const struct sockaddr *target, socklen_t targetlen,
    int lport)
{
	char ptext[ADDR_TEXTLEN], ttext[ADDR_TEXTLEN];
	struct jline j;
	int pport, tport;

	if (!wanted(cfg, 1))
		return;
	addr_numeric(peer, peerlen, ptext, &pport);
	addr_numeric(target, targetlen, ttext, &tport);
	if (json(cfg)) {
		jbegin(&j, "upstream");
		jkey_str(&j, "remote_address", ptext);
		jkey_num(&j, "remote_port", (unsigned long long)pport);
		jkey_str(&j, "upstream_address", ttext);
		jkey_num(&j, "upstream_port", (unsigned long long)tport);
		jkey_num(&j, "local_port", (unsigned long long)lport);
		jend(&j);
		return;
	}
	fprintf(stderr, "sockcat: relaying %s port %d to %s port %d from "
	    "port %d\n", ptext, pport, ttext, tport, lport);
}

void
log_udp_map_close(const struct config *cfg, const struct sockaddr *peer,
    socklen_t peerlen, const struct log_udp_map *m)
{
	char text[ADDR_TEXTLEN], dropped[64];
	struct jline j;
	int port;

	if (!wanted(cfg, 1))
		return;
	addr_numeric(peer, peerlen, text, &port);
	if (json(cfg)) {
		jbegin(&j, "close");
		jkey_str(&j, "remote_address", text);
		jkey_num(&j, "remote_port", (unsigned long long)port);
		jkey_num(&j, "to_upstream", m->to_upstream);
		jkey_num(&j, "to_client", m->to_client);
		jkey_num(&j, "duration_ms", m->ms < 0 ? 0 :
		    (unsigned long long)m->ms);
		jkey_str(&j, "end", m->how);
		jkey_num(&j, "datagrams_to_upstream", m->dgrams_up);
		jkey_num(&j, "datagrams_to_client", m->dgrams_down);
		jkey_num(&j, "dropped", m->dropped);
		jend(&j);
		return;
	}
	dropped[0] = '\0';
	if (m->dropped > 0)
		snprintf(dropped, sizeof(dropped), ", %llu datagram%s dropped",
		    m->dropped, m->dropped == 1 ? "" : "s");
	fprintf(stderr, "sockcat: closed %s port %d (%s): to upstream %llu "
	    "(%llu datagram%s), to client %llu (%llu datagram%s)%s\n", text,
	    port, m->how, m->to_upstream, m->dgrams_up, m->dgrams_up == 1 ?
	    "" : "s", m->to_client, m->dgrams_down, m->dgrams_down == 1 ? "" :
	    "s", dropped);
}

/* A message event or line: "sockcat: MESSAGE". */
static void
message(const struct config *cfg, const char *event, const char *fmt,
    va_list ap)
{
	char line[1024];
	struct jline j;

	vsnprintf(line, sizeof(line), fmt, ap);
	if (json(cfg)) {
		jbegin(&j, event);
		jkey_str(&j, "message", line);
		jend(&j);
	} else
		fprintf(stderr, "sockcat: %s\n", line);
}

void
log_note(const struct config *cfg, int level, const char *fmt, ...)
{
	va_list ap;

	if (!wanted(cfg, level))
		return;
	va_start(ap, fmt);
	message(cfg, "note", fmt, ap);
	va_end(ap);
}

void
log_error(const struct config *cfg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	message(cfg, "error", fmt, ap);
	va_end(ap);
}
