/* chat.c -- libFuzzer harness for --chat framing, chat_frame() of broker.h. */

/*
 * Input: one control byte, then what a client sent.  The control byte's
 * low bits pick the nick (the broker's own "userN" names, shortest and
 * longest) and whether the first byte starts a line; the rest of it picks
 * where to cut the data into two reads.
 *
 * Checks: each call writes at most chat_room(nick, n) bytes (into an
 * exact-size heap buffer, so ASan sees one more); no output byte is a
 * control character other than tab and newline, nor DEL, nor an 8-bit
 * CSI after ASCII, so a client cannot drive another's terminal; cutting
 * the data into two reads changes nothing; every line starts with
 * "<nick> "; and taking the prefixes out gives back the input made safe
 * by text_safe().
 *
 * Build and run with `make fuzz` (seeds in tests/fuzz/corpus/chat/).
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

static const char *const nicks[] = {
	"user1", "user4294967295", "user42", "u",
};

/* Frames data[0..n); appends to out at *outlen. */
static void
frame(const char *nick, struct chat_state *st, const unsigned char *data,
    size_t n, unsigned char *out, size_t *outlen)
{
	size_t room = chat_room(nick, n), len, i;
	unsigned char *buf, *in;

	CHECK((buf = malloc(room > 0 ? room : 1)) != NULL);
	CHECK((in = malloc(n > 0 ? n : 1)) != NULL);
	memcpy(in, data, n);
	len = chat_frame(nick, st, in, n, buf);
	CHECK(len <= room);
	CHECK(len >= n);
	for (i = 0; i < len; i++)
		CHECK((buf[i] >= 0x20 && buf[i] != 0x7f) || buf[i] == '\t' ||
		    buf[i] == '\n');
	/* A line is pending exactly when the last byte was a newline. */
	if (n > 0)
		CHECK(st->line_start == (data[n - 1] == '\n'));
	memcpy(out + *outlen, buf, len);
	*outlen += len;
	free(in);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nick;
	unsigned char *one, *two, *plain;
	size_t n, cut, onelen = 0, twolen = 0, room, i, j, nicklen;
	struct chat_state st1, st2, ref;
	bool start;

	if (size < 1)
		return 0;
	nick = nicks[data[0] & 3];
	nicklen = strlen(nick);
	start = (data[0] & 4) != 0;
	n = size - 1;
	cut = (data[0] >> 3) % (n + 1);
	data++;
	room = chat_room(nick, n);
	CHECK((one = malloc(room + 1)) != NULL);
	CHECK((two = malloc(room + 1)) != NULL);
	CHECK((plain = malloc(n + 1)) != NULL);

	memset(&st1, 0, sizeof(st1));
	st1.line_start = start;
	st2 = ref = st1;
	frame(nick, &st1, data, n, one, &onelen);
	frame(nick, &st2, data, cut, two, &twolen);
	frame(nick, &st2, data + cut, n - cut, two, &twolen);
	CHECK(st1.line_start == st2.line_start);
	/* A cut between C2 and its continuation may keep the C2; else same. */
	if (!(cut > 0 && cut < n && data[cut - 1] == 0xc2))
		CHECK(onelen == twolen && memcmp(one, two, onelen) == 0);

	/* Take each line's "<nick> " out again. */
	for (i = j = 0; i < onelen; ) {
		if ((i == 0 && start) || (i > 0 && one[i - 1] == '\n')) {
			CHECK(onelen - i >= nicklen + 3);
			CHECK(one[i] == '<' &&
			    memcmp(one + i + 1, nick, nicklen) == 0 &&
			    one[i + 1 + nicklen] == '>' &&
			    one[i + 2 + nicklen] == ' ');
			i += nicklen + 3;
			continue;
		}
		plain[j++] = one[i++];
	}
	CHECK(j == n);
	/* The text is the input made safe, as one whole: text_safe(). */
	if (n > 0) {
		unsigned char *want;

		CHECK((want = malloc(n)) != NULL);
		memcpy(want, data, n);
		text_safe(want, n, true, &ref.text);
		CHECK(memcmp(plain, want, n) == 0);
		/*
		 * No 8-bit CSI outside a multi-byte UTF-8 sequence: one
		 * right after ASCII is a control a terminal would act on.
		 */
		for (i = 0; i < n; i++)
			CHECK(plain[i] != 0x9b ||
			    (i > 0 && plain[i - 1] >= 0x80));
		free(want);
	}
	free(one);
	free(two);
	free(plain);
	return 0;
}
