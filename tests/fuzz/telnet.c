/* telnet.c -- libFuzzer harness for telnet_filter() of telnet.h (-t). */

/*
 * Input: one byte choosing where to split, then the bytes from the peer.
 * The data goes through telnet_filter() three ways: in one call, in two
 * calls split at the chosen point (a command cut across reads), and one
 * byte per call.
 *
 * Checks: the output is never longer than the input; every call's reply
 * fits the n + 2 bytes the header promises (an exact-size heap buffer, so
 * ASan sees one byte more) and is a run of IAC DONT x / IAC WONT x
 * triples; how the data was split changes neither the output nor the
 * replies; the answers count the WILL and DO commands of a plain reference
 * parser, and the output equals its data bytes.
 *
 * Build and run with `make fuzz` (seeds in tests/fuzz/corpus/telnet/).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "telnet.h"

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

#define IAC	255
#define DONT	254
#define DO	253
#define WONT	252
#define WILL	251
#define SB	250
#define SE	240

/* All of out and reply, however the input was cut. */
struct result {
	unsigned char	*out, *reply;
	size_t		 outlen, replylen;
};

/* Feeds data[0..n) as one read; appends to res. */
static void
feed(struct telnet *t, const unsigned char *data, size_t n,
    struct result *res)
{
	unsigned char *buf, *reply;
	size_t len, replylen, i;

	CHECK((buf = malloc(n > 0 ? n : 1)) != NULL);
	CHECK((reply = malloc(n + 2)) != NULL);
	memcpy(buf, data, n);
	replylen = (size_t)-1;
	len = telnet_filter(t, buf, n, reply, &replylen);
	CHECK(len <= n);
	CHECK(replylen <= n + 2 && replylen % 3 == 0);
	for (i = 0; i < replylen; i += 3)
		CHECK(reply[i] == IAC &&
		    (reply[i + 1] == DONT || reply[i + 1] == WONT));
	memcpy(res->out + res->outlen, buf, len);
	res->outlen += len;
	memcpy(res->reply + res->replylen, reply, replylen);
	res->replylen += replylen;
	free(reply);
	free(buf);
}

static void
result_init(struct result *res, size_t n)
{
	/* Each reply triple answers a 3-byte command, less one if split. */
	CHECK((res->out = malloc(n + 1)) != NULL);
	CHECK((res->reply = malloc(n + 3)) != NULL);
	res->outlen = res->replylen = 0;
}

static void
result_same(const struct result *a, const struct result *b)
{
	CHECK(a->outlen == b->outlen &&
	    memcmp(a->out, b->out, a->outlen) == 0);
	CHECK(a->replylen == b->replylen &&
	    memcmp(a->reply, b->reply, a->replylen) == 0);
}

static void
result_free(struct result *res)
{
	free(res->out);
	free(res->reply);
}

/* RFC 854 as a plain reference: the data bytes, and the answers. */
static void
reference(const unsigned char *d, size_t n, struct result *res)
{
	size_t i = 0;

	while (i < n) {
		if (d[i] != IAC) {
			res->out[res->outlen++] = d[i++];
			continue;
		}
		if (++i == n)
			break;
		if (d[i] == IAC) {
			res->out[res->outlen++] = d[i++];
		} else if (d[i] >= WILL && d[i] <= DONT) {
			if (i + 1 == n)
				break;
			if (d[i] == WILL || d[i] == DO) {
				res->reply[res->replylen++] = IAC;
				res->reply[res->replylen++] =
				    d[i] == WILL ? DONT : WONT;
				res->reply[res->replylen++] = d[i + 1];
			}
			i += 2;
		} else if (d[i] == SB) {
			/* Skip to IAC SE; IAC IAC inside is data of SB. */
			for (i++; i < n; i++) {
				if (d[i] != IAC)
					continue;
				if (++i == n)
					break;
				if (d[i] == SE)
					break;
			}
			i++;
		} else
			i++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct telnet whole, t1, t2 = { 0, 0 };
	struct result one, two, bytes, ref;
	size_t n, cut, i;

	if (size < 1)
		return 0;
	n = size - 1;
	cut = data[0] % (n + 1);
	data++;
	result_init(&one, n);
	result_init(&two, n);
	result_init(&bytes, n);
	result_init(&ref, n);

	memset(&whole, 0, sizeof(whole));
	feed(&whole, data, n, &one);
	memset(&t1, 0, sizeof(t1));
	feed(&t1, data, cut, &two);
	feed(&t1, data + cut, n - cut, &two);
	CHECK(t1.state == whole.state);
	for (i = 0; i < n; i++)
		feed(&t2, data + i, 1, &bytes);
	result_same(&one, &two);
	result_same(&one, &bytes);
	reference(data, n, &ref);
	result_same(&one, &ref);

	result_free(&one);
	result_free(&two);
	result_free(&bytes);
	result_free(&ref);
	return 0;
}
