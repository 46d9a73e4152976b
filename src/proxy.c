/* proxy.c -- SOCKS4, SOCKS4a, SOCKS5 and HTTP CONNECT client handshakes. */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "loop.h"
#include "proxy.h"
#include "sig.h"
#include "sock.h"

/* The handshake's limit when -w gives none: a proxy may not hang us. */
#define HANDSHAKE_MS	30000L

/* SOCKS5 names, RFC 1929 credentials and SOCKS4 user ids: one length byte. */
#define FIELD_MAX	255

/* Longest reason phrase we repeat from an HTTP proxy. */
#define REASON_MAX	64

/* Big enough for the largest HTTP CONNECT request we build. */
#define REQUEST_MAX	2048

#define SOCKS5_VERSION		0x05
#define SOCKS5_AUTH_NONE	0x00
#define SOCKS5_AUTH_USERPASS	0x02
#define SOCKS5_AUTH_REFUSED	0xff
#define SOCKS5_CMD_CONNECT	0x01
#define SOCKS5_ATYP_IPV4	0x01
#define SOCKS5_ATYP_NAME	0x03
#define SOCKS5_ATYP_IPV6	0x04
#define SOCKS4_VERSION		0x04
#define SOCKS4_CMD_CONNECT	0x01
#define SOCKS4_GRANTED		90

/* Where send(2) lacks it, main's ignored SIGPIPE still protects us. */
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL	0
#endif

/* One handshake in progress: where it goes, its deadline, its message. */
struct shake {
	const struct config	*cfg;
	int			 fd;
	long long		 deadline;
	long			 limit_ms;
	bool			 sent_creds;	/* HTTP: credentials went out */
	char			*err;
	size_t			 errlen;
};

/*
 * Writes "proxy HOST port PORT: " and the message into the caller's
 * buffer: every failure names the proxy.
 */
static void __attribute__((format(printf, 2, 3)))
fail(struct shake *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(s->err, s->errlen, "proxy %s port %d: ",
	    s->cfg->proxy_host, s->cfg->proxy_port);
	if (n < 0 || (size_t)n >= s->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(s->err + n, s->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/*
 * Copies len bytes of text a proxy sent into out (outlen > 0), with every
 * byte a terminal could act on replaced by '?', cut at max characters.
 */
static void
printable(char *out, size_t outlen, const unsigned char *text, size_t len,
    size_t max)
{
	size_t i, n = 0;
	bool cut = len > max;

	if (cut)
		len = max;
	for (i = 0; i < len && n + 1 < outlen; i++)
		out[n++] = text[i] >= 0x20 && text[i] < 0x7f ? (char)text[i] :
		    '?';
	if (cut)
		for (i = 0; i < 3 && n + 1 < outlen; i++)
			out[n++] = '.';
	out[n] = '\0';
}

static void
why_text(char *why, size_t whylen, const char *text)
{
	if (whylen > 0)
		snprintf(why, whylen, "%s", text);
}

enum proxy_reply
proxy_parse_socks4_reply(const unsigned char *buf, size_t len, size_t *need,
    char *why, size_t whylen)
{
	*need = 8;
	if (len < 1)
		return PROXY_REPLY_MORE;
	/* RFC: VN is 0; some proxies echo the request's 4. */
	if (buf[0] != 0x00 && buf[0] != SOCKS4_VERSION) {
		if (whylen > 0)
			snprintf(why, whylen, "reply version 0x%02x, expected "
			    "0x00", buf[0]);
		return PROXY_REPLY_BAD;
	}
	if (len < 2)
		return PROXY_REPLY_MORE;
	switch (buf[1]) {
	case SOCKS4_GRANTED:
		return len < 8 ? PROXY_REPLY_MORE : PROXY_REPLY_OK;
	case 91:
		why_text(why, whylen, "request rejected or failed");
		return PROXY_REPLY_REFUSED;
	case 92:
		why_text(why, whylen, "request rejected because the proxy "
		    "cannot reach identd on the client");
		return PROXY_REPLY_REFUSED;
	case 93:
		why_text(why, whylen, "request rejected because identd "
		    "reports a different user id");
		return PROXY_REPLY_REFUSED;
	default:
		if (whylen > 0)
			snprintf(why, whylen, "unknown reply code %u",
			    (unsigned)buf[1]);
		return PROXY_REPLY_BAD;
	}
}

enum proxy_reply
proxy_parse_socks5_method(const unsigned char *buf, size_t len, size_t *need,
    char *why, size_t whylen)
{
	*need = 2;
	if (len < 1)
		return PROXY_REPLY_MORE;
	if (buf[0] != SOCKS5_VERSION) {
		if (whylen > 0)
			snprintf(why, whylen, "reply version 0x%02x, expected "
			    "0x05", buf[0]);
		return PROXY_REPLY_BAD;
	}
	if (len < 2)
		return PROXY_REPLY_MORE;
	if (buf[1] == SOCKS5_AUTH_REFUSED) {
		why_text(why, whylen, "no acceptable authentication method");
		return PROXY_REPLY_REFUSED;
	}
	return PROXY_REPLY_OK;
}

enum proxy_reply
proxy_parse_socks5_auth(const unsigned char *buf, size_t len, size_t *need,
    char *why, size_t whylen)
{
	*need = 2;
	if (len < 1)
		return PROXY_REPLY_MORE;
	/* RFC 1929 says 0x01; some servers answer with the SOCKS version. */
	if (buf[0] != 0x01 && buf[0] != SOCKS5_VERSION) {
		if (whylen > 0)
			snprintf(why, whylen, "authentication reply version "
			    "0x%02x, expected 0x01", buf[0]);
		return PROXY_REPLY_BAD;
	}
	if (len < 2)
		return PROXY_REPLY_MORE;
	if (buf[1] != 0x00) {
		if (whylen > 0)
			snprintf(why, whylen, "status 0x%02x", buf[1]);
		return PROXY_REPLY_REFUSED;
	}
	return PROXY_REPLY_OK;
}

enum proxy_reply
proxy_parse_socks5_reply(const unsigned char *buf, size_t len, size_t *need,
    char *why, size_t whylen)
{
	/* RFC 1928 section 6, REP 0x01-0x08. */
	static const char *const reasons[] = {
		NULL,
		"general SOCKS server failure",
		"connection not allowed by ruleset",
		"network unreachable",
		"host unreachable",
		"connection refused by destination host",
		"TTL expired",
		"command not supported",
		"address type not supported",
	};

	*need = 4;
	if (len < 1)
		return PROXY_REPLY_MORE;
	if (buf[0] != SOCKS5_VERSION) {
		if (whylen > 0)
			snprintf(why, whylen, "reply version 0x%02x, expected "
			    "0x05", buf[0]);
		return PROXY_REPLY_BAD;
	}
	if (len < 2)
		return PROXY_REPLY_MORE;
	if (buf[1] != 0x00) {
		if (buf[1] < sizeof(reasons) / sizeof(reasons[0]))
			why_text(why, whylen, reasons[buf[1]]);
		else if (whylen > 0)
			snprintf(why, whylen, "unassigned reply code 0x%02x",
			    buf[1]);
		return PROXY_REPLY_REFUSED;
	}
	if (len < 4)
		return PROXY_REPLY_MORE;
	switch (buf[3]) {
	case SOCKS5_ATYP_IPV4:
		*need = 4 + 4 + 2;
		break;
	case SOCKS5_ATYP_IPV6:
		*need = 4 + 16 + 2;
		break;
	case SOCKS5_ATYP_NAME:
		*need = 5;
		if (len < 5)
			return PROXY_REPLY_MORE;
		*need = 5 + (size_t)buf[4] + 2;
		break;
	default:
		if (whylen > 0)
			snprintf(why, whylen, "unknown address type 0x%02x in "
			    "the reply", buf[3]);
		return PROXY_REPLY_BAD;
	}
	return len < *need ? PROXY_REPLY_MORE : PROXY_REPLY_OK;
}

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

enum proxy_reply
proxy_parse_http_status(const unsigned char *buf, size_t len, int *code,
    char *reason, size_t reasonlen, char *why, size_t whylen)
{
	const unsigned char *eol, *p;
	size_t linelen;

	*code = 0;
	reason[0] = '\0';
	if ((eol = memchr(buf, '\n', len)) == NULL) {
		why_text(why, whylen, "no complete status line");
		return PROXY_REPLY_BAD;
	}
	linelen = (size_t)(eol - buf);
	if (linelen > 0 && buf[linelen - 1] == '\r')
		linelen--;
	/* HTTP-version SP 3DIGIT [SP reason-phrase] (RFC 9112 section 4). */
	if (linelen < 12 || memcmp(buf, "HTTP/1.", 7) != 0 ||
	    !is_digit(buf[7]) || buf[8] != ' ' || !is_digit(buf[9]) ||
	    !is_digit(buf[10]) || !is_digit(buf[11]) ||
	    (linelen > 12 && buf[12] != ' ') || buf[9] < '1' || buf[9] > '5') {
		char shown[REASON_MAX + 4];

		printable(shown, sizeof(shown), buf, linelen, REASON_MAX);
		if (whylen > 0)
			snprintf(why, whylen, "status line \"%s\" is not "
			    "\"HTTP/1.x NNN reason\"", shown);
		return PROXY_REPLY_BAD;
	}
	*code = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	p = buf + 12;
	if (linelen > 12)
		p++;
	printable(reason, reasonlen, p, linelen - (size_t)(p - buf),
	    REASON_MAX);
	return *code >= 200 && *code <= 299 ? PROXY_REPLY_OK :
	    PROXY_REPLY_REFUSED;
}

size_t
proxy_http_head_end(const unsigned char *buf, size_t len)
{
	size_t i, line = 0;	/* start of the current line */

	for (i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		/* An empty line, with or without its CR, ends the head. */
		if (i == line || (i == line + 1 && buf[line] == '\r'))
			return i + 1;
		line = i + 1;
	}
	return 0;
}

/*
 * Waits for events on the proxy socket until the handshake's deadline.
 * Returns 0, or -1 with the message and errno set.
 */
static int
wait_proxy(struct shake *s, short events, const char *phase)
{
	int n;

	for (;;) {
		if (sig_pending() != 0) {
			fail(s, "interrupted during %s", phase);
			errno = EINTR;
			return -1;
		}
		n = loop_wait_fd(s->fd, events, clock_until(s->deadline));
		if (n > 0)
			return 0;
		if (n == 0 && s->cfg->wait_arg != NULL) {
			fail(s, "no answer to %s within -w %s", phase,
			    s->cfg->wait_arg);
			errno = ETIMEDOUT;
			return -1;
		}
		if (n == 0) {
			fail(s, "no answer to %s within %ld s", phase,
			    s->limit_ms / 1000);
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR && errno != EAGAIN) {
			fail(s, "poll: %s", strerror(errno));
			return -1;
		}
	}
}

/* Sends all of buf, however the socket splits it.  0, or -1 (message). */
static int
send_all(struct shake *s, const void *buf, size_t len, const char *phase)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = send(s->fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR)) {
			if (wait_proxy(s, POLLOUT, phase) == -1)
				return -1;
			continue;
		}
		if (n == -1 && (errno == EPIPE || errno == ECONNRESET)) {
			int saved = errno;

			fail(s, "proxy closed the connection during the "
			    "handshake (sending %s: %s)", phase,
			    strerror(saved));
			errno = saved;
			return -1;
		}
		if (n == 0)
			errno = EIO;
		fail(s, "sending %s: %s", phase, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Reads at most len bytes (at least one) of the reply to phase; have is
 * how many came before, for the message if the proxy hangs up.  Returns
 * the count, or -1 with the message and errno set.
 */
static ssize_t
recv_some(struct shake *s, void *buf, size_t len, size_t have,
    const char *phase)
{
	ssize_t n;

	for (;;) {
		n = read(s->fd, buf, len);
		if (n > 0)
			return n;
		if (n == 0) {
			if (have == 0)
				fail(s, "proxy closed the connection during "
				    "the handshake (no reply to %s)", phase);
			else
				fail(s, "proxy closed the connection during "
				    "the handshake (reply to %s cut short "
				    "after %zu bytes)", phase, have);
			errno = ECONNRESET;
			return -1;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
			if (wait_proxy(s, POLLIN, phase) == -1)
				return -1;
			continue;
		}
		fail(s, "reading the reply to %s: %s", phase,
		    strerror(errno));
		return -1;
	}
}

/*
 * Reads one SOCKS reply into buf (cap bytes), never a byte past its end,
 * since what follows belongs to the tunnel.  The parsers share one shape,
 * so this one loop serves them all.  Returns what parse said, with the
 * reason in why; -1 after a read failure (message set).
 */
static int
read_reply(struct shake *s, unsigned char *buf, size_t cap, size_t *len,
    enum proxy_reply (*parse)(const unsigned char *, size_t, size_t *,
    char *, size_t), char *why, size_t whylen, const char *phase)
{
	enum proxy_reply r;
	size_t need;
	ssize_t n;

	*len = 0;
	for (;;) {
		r = parse(buf, *len, &need, why, whylen);
		if (r != PROXY_REPLY_MORE)
			return (int)r;
		if (need > cap || need <= *len) {
			/* Cannot happen with our parsers; refuse to loop. */
			snprintf(why, whylen, "reply longer than expected");
			return PROXY_REPLY_BAD;
		}
		n = recv_some(s, buf + *len, need - *len, *len, phase);
		if (n == -1)
			return -1;
		*len += (size_t)n;
	}
}

/* The target as messages name it: "example.com port 80". */
static const char *
target(const struct shake *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s port %d", s->cfg->host, s->cfg->port);
	return buf;
}

static void
base64(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned long v;
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8 |
		    in[i + 2];
		*out++ = digits[v >> 18 & 63];
		*out++ = digits[v >> 12 & 63];
		*out++ = digits[v >> 6 & 63];
		*out++ = digits[v & 63];
	}
	if (len - i == 1) {
		v = (unsigned long)in[i] << 16;
		*out++ = digits[v >> 18 & 63];
		*out++ = digits[v >> 12 & 63];
		*out++ = '=';
		*out++ = '=';
	} else if (len - i == 2) {
		v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8;
		*out++ = digits[v >> 18 & 63];
		*out++ = digits[v >> 12 & 63];
		*out++ = digits[v >> 6 & 63];
		*out++ = '=';
	}
	*out = '\0';
}

/* A password is usable only if it is there and not empty (RFC 1929). */
static bool
have_pass(const struct config *cfg)
{
	return cfg->proxy_pass != NULL && cfg->proxy_pass[0] != '\0';
}

/*
 * Checks what the request will carry before any connection is made, so a
 * bad target or credential costs no network traffic.
 */
static int
check_request(struct shake *s)
{
	const struct config *cfg = s->cfg;
	size_t hostlen = strlen(cfg->host);
	const char *p;

	if (hostlen == 0 || hostlen > FIELD_MAX) {
		fail(s, "target host name must be 1-%d bytes for a proxy",
		    FIELD_MAX);
		goto inval;
	}
	if (cfg->proxy_user != NULL && strlen(cfg->proxy_user) > FIELD_MAX) {
		fail(s, "proxy user name too long: at most %d bytes",
		    FIELD_MAX);
		goto inval;
	}
	if (cfg->proxy_pass != NULL && strlen(cfg->proxy_pass) > FIELD_MAX) {
		fail(s, "proxy password too long: at most %d bytes",
		    FIELD_MAX);
		goto inval;
	}
	switch (cfg->proxy_type) {
	case PROXY_SOCKS5:
		if (cfg->proxy_user != NULL && cfg->proxy_user[0] == '\0' &&
		    have_pass(cfg)) {
			fail(s, "empty proxy user name: SOCKS5 needs 1-%d "
			    "bytes", FIELD_MAX);
			goto inval;
		}
		break;
	case PROXY_HTTP:
		/* The name goes into the request line and a header. */
		for (p = cfg->host; *p != '\0'; p++)
			if ((unsigned char)*p <= 0x20 ||
			    (unsigned char)*p == 0x7f) {
				fail(s, "target host name \"%s\" has spaces "
				    "or control characters", cfg->host);
				goto inval;
			}
		if (cfg->proxy_user != NULL &&
		    strchr(cfg->proxy_user, ':') != NULL) {
			fail(s, "proxy user name has a ':', which HTTP Basic "
			    "authentication cannot carry");
			goto inval;
		}
		break;
	default:
		break;
	}
	return 0;
inval:
	errno = EINVAL;
	return -1;
}

/* Connects to the proxy itself: every address, in order. */
static int
connect_proxy(struct shake *s)
{
	const struct config *cfg = s->cfg;
	struct addrinfo *res, *ai;
	char why[512];
	int fd = -1, status, last = ECONNREFUSED;

	if (addr_resolve(cfg, cfg->proxy_host, cfg->proxy_port, AF_UNSPEC,
	    false, &res, why, sizeof(why), &status) == -1) {
		fail(s, "%s", why);
		errno = EHOSTUNREACH;
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = sock_connect(cfg, ai, why, sizeof(why));
		if (fd != -1)
			break;
		last = errno;
		if (sig_pending() != 0) {
			fail(s, "interrupted while connecting");
			freeaddrinfo(res);
			errno = EINTR;
			return -1;
		}
		if (why[0] != '\0') {
			fail(s, "%s", why);
			freeaddrinfo(res);
			errno = last;
			return -1;
		}
	}
	freeaddrinfo(res);
	if (fd == -1) {
		if (last == ETIMEDOUT && cfg->wait_ms != NO_LIMIT)
			fail(s, "cannot connect within -w %s", cfg->wait_arg);
		else
			fail(s, "cannot connect: %s", strerror(last));
		errno = last;
	}
	return fd;
}

/* Failure after a parse: the message for a refusal or a bad reply. */
static int
reply_failed(struct shake *s, int r, const char *proto, const char *why)
{
	char to[PROXY_HOSTLEN + 32];

	if (r == -1)
		return -1;	/* a read failure, already worded */
	if (r == PROXY_REPLY_REFUSED) {
		fail(s, "%s connect to %s refused: %s", proto,
		    target(s, to, sizeof(to)), why);
		errno = ECONNREFUSED;
	} else {
		fail(s, "malformed %s reply: %s", proto, why);
		errno = EPROTO;
	}
	return -1;
}

/* SOCKS4 and 4a: VN CD DSTPORT DSTIP USERID NUL [HOST NUL]. */
static int
socks4(struct shake *s, const struct in_addr *ip, bool remote_name)
{
	const struct config *cfg = s->cfg;
	const char *user = cfg->proxy_user != NULL ? cfg->proxy_user : "";
	const char *proto = remote_name ? "SOCKS4a" : "SOCKS4";
	unsigned char req[8 + 2 * (FIELD_MAX + 1)], reply[8];
	char why[PROXY_WHYLEN];
	size_t len, ulen = strlen(user), hlen = strlen(cfg->host);
	int r;

	req[0] = SOCKS4_VERSION;
	req[1] = SOCKS4_CMD_CONNECT;
	req[2] = (unsigned char)(cfg->port >> 8);
	req[3] = (unsigned char)cfg->port;
	if (remote_name) {
		/* 0.0.0.x with x != 0 asks the proxy to resolve the name. */
		req[4] = req[5] = req[6] = 0;
		req[7] = 1;
	} else
		memcpy(req + 4, &ip->s_addr, 4);
	memcpy(req + 8, user, ulen + 1);
	len = 8 + ulen + 1;
	if (remote_name) {
		memcpy(req + len, cfg->host, hlen + 1);
		len += hlen + 1;
	}
	if (send_all(s, req, len, remote_name ? "the SOCKS4a request" :
	    "the SOCKS4 request") == -1)
		return -1;
	r = read_reply(s, reply, sizeof(reply), &len,
	    proxy_parse_socks4_reply, why, sizeof(why), remote_name ?
	    "the SOCKS4a request" : "the SOCKS4 request");
	if (r != PROXY_REPLY_OK)
		return reply_failed(s, r, proto, why);
	return 0;
}

/* -X 4 and -X 4a: SOCKS4 carries IPv4 addresses only. */
static int
socks4_target(struct shake *s, struct in_addr *ip, bool *remote_name)
{
	const struct config *cfg = s->cfg;
	struct addrinfo *res;
	struct in6_addr ip6;
	char why[512];
	int status;

	*remote_name = false;
	if (inet_pton(AF_INET, cfg->host, ip) == 1)
		return 0;
	if (cfg->proxy_type == PROXY_SOCKS4A) {
		*remote_name = true;
		return 0;
	}
	if (inet_pton(AF_INET6, cfg->host, &ip6) == 1) {
		fail(s, "SOCKS4 cannot carry the IPv6 target %s: use -X 5 or "
		    "-X connect", cfg->host);
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (addr_resolve(cfg, cfg->host, cfg->port, AF_INET, false, &res,
	    why, sizeof(why), &status) == -1) {
		fail(s, "SOCKS4 needs the target's IPv4 address: %s (-X 4a "
		    "lets the proxy resolve it)", why);
		errno = EHOSTUNREACH;
		return -1;
	}
	memcpy(ip, &((const struct sockaddr_in *)(const void *)res->ai_addr)->
	    sin_addr, sizeof(*ip));
	freeaddrinfo(res);
	return 0;
}

/* RFC 1928 method negotiation, then RFC 1929 if the proxy asks for it. */
static int
socks5_auth(struct shake *s)
{
	const struct config *cfg = s->cfg;
	unsigned char req[3 + 2 * FIELD_MAX], reply[2];
	char why[PROXY_WHYLEN];
	size_t len, ulen, plen;
	bool userpass = cfg->proxy_user != NULL && have_pass(cfg);
	int r;

	/* Without a password there is nothing to offer but "none". */
	req[0] = SOCKS5_VERSION;
	req[1] = userpass ? 2 : 1;
	req[2] = SOCKS5_AUTH_NONE;
	req[3] = SOCKS5_AUTH_USERPASS;
	if (send_all(s, req, userpass ? 4 : 3, "the SOCKS5 greeting") == -1)
		return -1;
	r = read_reply(s, reply, sizeof(reply), &len,
	    proxy_parse_socks5_method, why, sizeof(why),
	    "the SOCKS5 greeting");
	if (r == PROXY_REPLY_REFUSED) {
		if (cfg->proxy_user != NULL && !userpass)
			fail(s, "SOCKS5 proxy requires a password: use "
			    "--proxy-auth USER:PASS or SOCKCAT_PROXY_PASS");
		else if (cfg->proxy_user == NULL)
			fail(s, "SOCKS5 proxy requires authentication: use "
			    "-P or --proxy-auth");
		else
			fail(s, "SOCKS5 proxy accepts neither no "
			    "authentication nor a user name and password");
		errno = EACCES;
		return -1;
	}
	if (r != PROXY_REPLY_OK)
		return reply_failed(s, r, "SOCKS5", why);
	if (reply[1] == SOCKS5_AUTH_NONE)
		return 0;
	if (reply[1] != SOCKS5_AUTH_USERPASS || !userpass) {
		fail(s, "malformed SOCKS5 reply: the proxy chose "
		    "authentication method 0x%02x, which was not offered",
		    reply[1]);
		errno = EPROTO;
		return -1;
	}

	ulen = strlen(cfg->proxy_user);
	plen = strlen(cfg->proxy_pass);
	req[0] = 0x01;
	req[1] = (unsigned char)ulen;
	memcpy(req + 2, cfg->proxy_user, ulen);
	req[2 + ulen] = (unsigned char)plen;
	memcpy(req + 3 + ulen, cfg->proxy_pass, plen);
	if (send_all(s, req, 3 + ulen + plen,
	    "the SOCKS5 authentication") == -1)
		return -1;
	r = read_reply(s, reply, sizeof(reply), &len, proxy_parse_socks5_auth,
	    why, sizeof(why), "the SOCKS5 authentication");
	if (r == PROXY_REPLY_REFUSED) {
		fail(s, "SOCKS5 proxy rejected the credentials of user "
		    "\"%s\" (%s)", cfg->proxy_user, why);
		errno = EACCES;
		return -1;
	}
	if (r != PROXY_REPLY_OK)
		return reply_failed(s, r, "SOCKS5", why);
	return 0;
}

/* SOCKS5 CONNECT: a numeric address as itself, a name for the proxy. */
static int
socks5(struct shake *s)
{
	const struct config *cfg = s->cfg;
	unsigned char req[4 + 1 + FIELD_MAX + 2], reply[4 + 1 + 255 + 2];
	char why[PROXY_WHYLEN];
	size_t len, hlen;
	int r;

	if (socks5_auth(s) == -1)
		return -1;
	req[0] = SOCKS5_VERSION;
	req[1] = SOCKS5_CMD_CONNECT;
	req[2] = 0x00;
	if (inet_pton(AF_INET, cfg->host, req + 4) == 1) {
		req[3] = SOCKS5_ATYP_IPV4;
		len = 4 + 4;
	} else if (inet_pton(AF_INET6, cfg->host, req + 4) == 1) {
		req[3] = SOCKS5_ATYP_IPV6;
		len = 4 + 16;
	} else {
		hlen = strlen(cfg->host);	/* 1-255: check_request() */
		req[3] = SOCKS5_ATYP_NAME;
		req[4] = (unsigned char)hlen;
		memcpy(req + 5, cfg->host, hlen);
		len = 5 + hlen;
	}
	req[len++] = (unsigned char)(cfg->port >> 8);
	req[len++] = (unsigned char)cfg->port;
	if (send_all(s, req, len, "the SOCKS5 connect request") == -1)
		return -1;
	r = read_reply(s, reply, sizeof(reply), &len,
	    proxy_parse_socks5_reply, why, sizeof(why),
	    "the SOCKS5 connect request");
	if (r != PROXY_REPLY_OK)
		return reply_failed(s, r, "SOCKS5", why);
	return 0;
}

/* HTTP CONNECT, with Basic credentials up front when we have a user. */
static int
http_connect(struct shake *s)
{
	const struct config *cfg = s->cfg;
	unsigned char creds[2 * FIELD_MAX + 2], head[PROXY_HTTP_HEAD_MAX];
	char req[REQUEST_MAX], auth[4 * (sizeof(creds) / 3 + 1) + 1];
	char hostport[FIELD_MAX + 16], reason[REASON_MAX + 4];
	char why[PROXY_WHYLEN], to[PROXY_HOSTLEN + 32];
	const char *pass;
	size_t len, line, ulen, plen;
	ssize_t n;
	int r, code;

	/* An IPv6 literal goes in brackets, or its colons hide the port. */
	snprintf(hostport, sizeof(hostport), strchr(cfg->host, ':') != NULL ?
	    "[%s]:%d" : "%s:%d", cfg->host, cfg->port);
	auth[0] = '\0';
	if (cfg->proxy_user != NULL) {
		pass = cfg->proxy_pass != NULL ? cfg->proxy_pass : "";
		ulen = strlen(cfg->proxy_user);
		plen = strlen(pass);
		memcpy(creds, cfg->proxy_user, ulen);
		creds[ulen] = ':';
		memcpy(creds + ulen + 1, pass, plen);
		base64(creds, ulen + 1 + plen, auth);
		s->sent_creds = true;
	}
	r = snprintf(req, sizeof(req), "CONNECT %s HTTP/1.1\r\n"
	    "Host: %s\r\n%s%s%s\r\n", hostport, hostport,
	    auth[0] != '\0' ? "Proxy-Authorization: Basic " : "", auth,
	    auth[0] != '\0' ? "\r\n" : "");
	if (r < 0 || (size_t)r >= sizeof(req)) {
		fail(s, "HTTP CONNECT request too long");
		errno = EINVAL;
		return -1;
	}
	if (send_all(s, req, (size_t)r, "the HTTP CONNECT request") == -1)
		return -1;

	/*
	 * Byte by byte, once per connection: whatever follows the head
	 * belongs to the tunnel and must stay in the socket for the pump.
	 * Each line is checked once, when its LF arrives.
	 */
	len = line = 0;
	for (;;) {
		if (len > line && head[len - 1] == '\n') {
			if (proxy_http_head_end(head + line, len - line) != 0)
				break;
			line = len;
		}
		if (len == sizeof(head)) {
			fail(s, "HTTP reply head longer than %d bytes",
			    PROXY_HTTP_HEAD_MAX);
			errno = EMSGSIZE;
			return -1;
		}
		n = recv_some(s, head + len, 1, len,
		    "the HTTP CONNECT request");
		if (n == -1)
			return -1;
		len += (size_t)n;
	}
	r = proxy_parse_http_status(head, len, &code, reason, sizeof(reason),
	    why, sizeof(why));
	if (r == PROXY_REPLY_OK)
		return 0;
	if (r == PROXY_REPLY_BAD) {
		fail(s, "malformed HTTP reply: %s", why);
		errno = EPROTO;
		return -1;
	}
	errno = code == 407 ? EACCES : ECONNREFUSED;
	if (code == 407 && !s->sent_creds)
		fail(s, "HTTP CONNECT to %s: proxy requires authentication "
		    "(407 %s): use -P or --proxy-auth",
		    target(s, to, sizeof(to)), reason);
	else if (code == 407)
		fail(s, "HTTP CONNECT to %s: proxy rejected the credentials "
		    "of user \"%s\" (407 %s)", target(s, to, sizeof(to)),
		    cfg->proxy_user, reason);
	else
		fail(s, "HTTP CONNECT to %s refused: %d %s",
		    target(s, to, sizeof(to)), code, reason);
	return -1;
}

int
proxy_connect(const struct config *cfg, char *err, size_t errlen)
{
	struct shake s;
	struct in_addr ip;
	bool remote_name = false;
	int rc, saved;

	memset(&s, 0, sizeof(s));
	memset(&ip, 0, sizeof(ip));
	s.cfg = cfg;
	s.fd = -1;
	s.err = err;
	s.errlen = errlen;
	err[0] = '\0';
	if (check_request(&s) == -1)
		return -1;
	if ((cfg->proxy_type == PROXY_SOCKS4 ||
	    cfg->proxy_type == PROXY_SOCKS4A) &&
	    socks4_target(&s, &ip, &remote_name) == -1)
		return -1;

	if ((s.fd = connect_proxy(&s)) == -1)
		return -1;
	/* One limit for the whole exchange, however the proxy paces it. */
	s.limit_ms = cfg->wait_ms != NO_LIMIT ? cfg->wait_ms : HANDSHAKE_MS;
	s.deadline = clock_ms() + s.limit_ms;
	switch (cfg->proxy_type) {
	case PROXY_SOCKS4:
	case PROXY_SOCKS4A:
		rc = socks4(&s, &ip, remote_name);
		break;
	case PROXY_SOCKS5:
		rc = socks5(&s);
		break;
	case PROXY_HTTP:
		rc = http_connect(&s);
		break;
	default:
		fail(&s, "no proxy type");
		errno = EINVAL;
		rc = -1;
		break;
	}
	if (rc == -1) {
		saved = errno;
		close(s.fd);
		errno = saved;
		return -1;
	}
	return s.fd;
}
