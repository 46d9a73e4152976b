/* proxy.h -- SOCKS4, SOCKS4a, SOCKS5 and HTTP CONNECT client handshakes. */
#ifndef SOCKCAT_PROXY_H
#define SOCKCAT_PROXY_H

#include <stddef.h>

#include "cli.h"

/*
 * Connects to the proxy cfg->proxy_host port cfg->proxy_port (every
 * address it resolves to, in order, with cfg's socket options and -s/-p
 * source), then asks it, with cfg->proxy_type and the credentials
 * cfg->proxy_user / cfg->proxy_pass, for a connection to cfg->host port
 * cfg->port.  The handshake is bounded by cfg->wait_ms when -w is given.
 * Never prompts.  Returns the connected, non-blocking socket, ready for
 * the pump, or -1 with a one-line reason in err that names the proxy and
 * what went wrong (errno ETIMEDOUT or EINTR when those ended it).
 */
int	proxy_connect(const struct config *cfg, char *err, size_t errlen);

/*
 * The reply parsers below are pure functions over the bytes received so
 * far, for proxy_connect() and for fuzzing.  None reads past buf + len.
 * Text they put in why or reason is printable ASCII, whatever the proxy
 * sent, so it is safe on a terminal.
 */
enum proxy_reply {
	PROXY_REPLY_OK,		/* complete, and the proxy agrees */
	PROXY_REPLY_MORE,	/* incomplete: read up to *need bytes in all */
	PROXY_REPLY_REFUSED,	/* well-formed refusal; why says the reason */
	PROXY_REPLY_BAD,	/* not the protocol; why says what is wrong */
};

/* Room enough for any why or reason text the parsers write. */
#define PROXY_WHYLEN	160

/* Most bytes of HTTP response head proxy_connect() accepts. */
#define PROXY_HTTP_HEAD_MAX	16384

/*
 * SOCKS4 and SOCKS4a reply: VN CD DSTPORT DSTIP, 8 bytes.  *need is the
 * total length to read before calling again (it never exceeds 8).
 */
enum proxy_reply proxy_parse_socks4_reply(const unsigned char *buf,
	    size_t len, size_t *need, char *why, size_t whylen);

/*
 * SOCKS5 method selection: VER METHOD.  OK means the proxy chose a method
 * (buf[1]); the caller checks that it offered it.  REFUSED: none of the
 * offered methods is acceptable (0xff).
 */
enum proxy_reply proxy_parse_socks5_method(const unsigned char *buf,
	    size_t len, size_t *need, char *why, size_t whylen);

/* RFC 1929 username/password status: VER STATUS; STATUS 0 is success. */
enum proxy_reply proxy_parse_socks5_auth(const unsigned char *buf,
	    size_t len, size_t *need, char *why, size_t whylen);

/*
 * SOCKS5 reply to CONNECT: VER REP RSV ATYP BND.ADDR BND.PORT.  *need
 * grows as the address type and length become known (at most 262).  A
 * refusal is reported as soon as REP is known.
 */
enum proxy_reply proxy_parse_socks5_reply(const unsigned char *buf,
	    size_t len, size_t *need, char *why, size_t whylen);

/*
 * The status line at the start of an HTTP response head of len bytes:
 * "HTTP/1.x NNN reason".  Sets *code and copies the reason phrase, made
 * printable and cut to fit, into reason (reasonlen > 0).  OK for 2xx;
 * REFUSED for any other status; BAD, with why, if the line is malformed.
 */
enum proxy_reply proxy_parse_http_status(const unsigned char *buf,
	    size_t len, int *code, char *reason, size_t reasonlen, char *why,
	    size_t whylen);

/*
 * The length of the HTTP head at the start of buf, through the first
 * empty line (CRLF or a bare LF), which ends it; 0 if buf holds none yet.
 * An empty first line ends the head at once: it has no status line.
 */
size_t	proxy_http_head_end(const unsigned char *buf, size_t len);

#endif
