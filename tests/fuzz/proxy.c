/* proxy.c -- libFuzzer harness for the proxy reply parsers of proxy.h. */

/*
 * Input: one letter choosing the parser, then the bytes the proxy sent.
 *   '4' proxy_parse_socks4_reply     'm' proxy_parse_socks5_method
 *   'a' proxy_parse_socks5_auth      '5' proxy_parse_socks5_reply
 *   'h' proxy_http_head_end, then proxy_parse_http_status on the head
 * Any other first byte picks one of these by its value.
 *
 * The SOCKS parsers are driven as proxy_connect() drives them: start
 * with nothing, read up to *need bytes, call again.  Checks: MORE always
 * asks for more than it has and no more than the caller's buffer holds;
 * OK consumes exactly *need bytes, so nothing of the tunnel is eaten; a
 * verdict never changes as more bytes arrive; why and reason are
 * NUL-terminated, printable and fit their buffers (tried at full size and
 * at a small one).  For HTTP, the head found line by line (as
 * http_connect() reads it) equals the head found at once and ends at the
 * first empty line; the status code agrees with the verdict.
 *
 * Every buffer is a heap copy of the exact size, so ASan sees a read or
 * write one byte past it.
 *
 * Build and run with `make fuzz` (seeds in tests/fuzz/corpus/proxy/).
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

typedef enum proxy_reply (*parser)(const unsigned char *, size_t, size_t *,
    char *, size_t);

/* The parsers with the size of the buffer proxy_connect() reads into. */
static const struct {
	char	 letter;
	parser	 parse;
	size_t	 cap;
} socks[] = {
	{ '4', proxy_parse_socks4_reply, 8 },
	{ 'm', proxy_parse_socks5_method, 2 },
	{ 'a', proxy_parse_socks5_auth, 2 },
	{ '5', proxy_parse_socks5_reply, 4 + 1 + 255 + 2 },
};
#define NSOCKS	(sizeof(socks) / sizeof(socks[0]))

/* text is NUL-terminated within len bytes and printable ASCII. */
static void
check_text(const char *text, size_t len)
{
	size_t i;

	CHECK(len > 0);
	for (i = 0; i < len && text[i] != '\0'; i++)
		CHECK(text[i] >= 0x20 && text[i] < 0x7f);
	CHECK(i < len);
}

/* Calls parse on an exact-size heap copy of buf[0..len). */
static enum proxy_reply
call(parser parse, const unsigned char *buf, size_t len, size_t *need,
    char *why, size_t whylen)
{
	unsigned char *copy = malloc(len > 0 ? len : 1);
	enum proxy_reply r;

	CHECK(copy != NULL);
	memcpy(copy, buf, len);
	r = parse(copy, len, need, why, whylen);
	free(copy);
	CHECK(r == PROXY_REPLY_OK || r == PROXY_REPLY_MORE ||
	    r == PROXY_REPLY_REFUSED || r == PROXY_REPLY_BAD);
	return r;
}

static void
fuzz_socks(parser parse, size_t cap, const unsigned char *data, size_t size)
{
	char why[PROXY_WHYLEN], *small;
	size_t len = 0, need = 0, smallneed, smalllen = size % 9 + 1;
	enum proxy_reply r, again;

	/* The read loop of proxy_connect()'s read_reply(). */
	for (;;) {
		why[0] = '\0';
		r = call(parse, data, len, &need, why, sizeof(why));
		if (r != PROXY_REPLY_MORE)
			break;
		CHECK(need > len && need <= cap);
		if (need > size)
			return;		/* the proxy sent no more */
		len = need;
	}
	if (r == PROXY_REPLY_OK)
		CHECK(len == need);
	else
		check_text(why, sizeof(why));

	/* The same verdict at any why size, and with every byte there. */
	CHECK((small = malloc(smalllen)) != NULL);
	small[0] = '\0';
	again = call(parse, data, len, &smallneed, small, smalllen);
	CHECK(again == r && smallneed == need);
	if (r != PROXY_REPLY_OK)
		check_text(small, smalllen);
	free(small);
	CHECK(call(parse, data, size, &smallneed, why, sizeof(why)) == r);
	/* whylen 0: why is not touched. */
	why[0] = 'x';
	CHECK(call(parse, data, size, &smallneed, why, 0) == r);
	CHECK(why[0] == 'x');
}

/* Where the head ends: after the first line that is empty or a lone CR. */
static size_t
head_end_ref(const unsigned char *buf, size_t len)
{
	size_t i, line = 0;

	for (i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i - line == 0 || (i - line == 1 && buf[line] == '\r'))
			return i + 1;
		line = i + 1;
	}
	return 0;
}

static void
fuzz_http(const unsigned char *data, size_t size)
{
	unsigned char *copy;
	char why[PROXY_WHYLEN], *reason;
	size_t end, len, line, found, i;
	const size_t reasonlens[] = { PROXY_WHYLEN, 1 + size % 7 };
	enum proxy_reply r;
	int code;

	copy = malloc(size > 0 ? size : 1);
	CHECK(copy != NULL);
	memcpy(copy, data, size);
	end = proxy_http_head_end(copy, size);
	CHECK(end == head_end_ref(data, size));
	CHECK(end <= size);

	/* As http_connect() reads: byte by byte, each line at its LF. */
	for (len = line = found = 0;; len++) {
		if (len > line && data[len - 1] == '\n') {
			if (proxy_http_head_end(copy + line, len - line) != 0) {
				found = len;
				break;
			}
			line = len;
		}
		if (len == size)
			break;
	}
	CHECK(found == end);
	free(copy);
	if (end == 0)
		return;

	/* The status line of the head, reason buffers big and small. */
	copy = malloc(end);
	CHECK(copy != NULL);
	memcpy(copy, data, end);
	for (i = 0; i < 2; i++) {
		reason = malloc(reasonlens[i]);
		CHECK(reason != NULL);
		why[0] = '\0';
		r = proxy_parse_http_status(copy, end, &code, reason,
		    reasonlens[i], why, sizeof(why));
		check_text(reason, reasonlens[i]);
		switch (r) {
		case PROXY_REPLY_OK:
			CHECK(code >= 200 && code <= 299);
			break;
		case PROXY_REPLY_REFUSED:
			CHECK(code >= 100 && code <= 599 &&
			    (code < 200 || code > 299));
			break;
		case PROXY_REPLY_BAD:
			CHECK(code == 0 && reason[0] == '\0');
			check_text(why, sizeof(why));
			break;
		default:
			CHECK(false);
		}
		free(reason);
	}
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i;
	int which;

	if (size < 1 || size > 2 * PROXY_HTTP_HEAD_MAX)
		return 0;
	for (i = 0; i < NSOCKS; i++)
		if (data[0] == socks[i].letter)
			break;
	which = data[0] == 'h' ? (int)NSOCKS : i < NSOCKS ? (int)i :
	    data[0] % (int)(NSOCKS + 1);
	if (which == (int)NSOCKS)
		fuzz_http(data + 1, size - 1);
	else
		fuzz_socks(socks[which].parse, socks[which].cap, data + 1,
		    size - 1);
	return 0;
}
