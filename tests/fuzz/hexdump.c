/* hexdump.c -- libFuzzer harness for the -o line format, hexdump_line(). */

/*
 * Input: a direction byte, 8 bytes of offset (big-endian), then data.
 * The data is dumped 16 bytes a line, as tlog does, the last line short;
 * and once more with n above 16, which the function cuts to 16.
 *
 * Checks: a line of n bytes is HEXDUMP_LINE - 16 + n long (exactly
 * HEXDUMP_LINE for 16), NUL-terminated, ends in '\n' and has no other
 * control character; the fields sit in their columns; the offset reads
 * back as its low 32 bits; the hex reads back as the data; the text
 * column shows printable bytes as themselves and others as '.'.  out is
 * an exact HEXDUMP_LINE + 1 heap buffer, so ASan sees one byte more.
 *
 * Build and run with `make fuzz` (seeds in tests/fuzz/corpus/hexdump/).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hexdump.h"

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

/* "> 00000000 " before the hex, "# " before the text. */
#define HEX_AT		11
#define TEXT_AT		(HEX_AT + 16 * 3 + 2)

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	CHECK(c >= 'a' && c <= 'f');
	return c - 'a' + 10;
}

static void
check_line(char dir, unsigned long long offset, const unsigned char *data,
    size_t n)
{
	char *out;
	size_t len, i;
	unsigned long long off = 0;

	CHECK((out = malloc(HEXDUMP_LINE + 1)) != NULL);
	len = hexdump_line(dir, offset, data, n, out);
	if (n > 16)
		n = 16;
	CHECK(len == HEXDUMP_LINE - 16 + n);
	CHECK(strlen(out) == len);
	CHECK(out[len - 1] == '\n');
	for (i = 1; i < len - 1; i++)
		CHECK(out[i] >= 0x20 && out[i] < 0x7f);
	CHECK(out[0] == dir && out[1] == ' ' && out[10] == ' ');
	for (i = 2; i < 10; i++)
		off = off << 4 | (unsigned long long)hexval(out[i]);
	CHECK(off == (offset & 0xffffffffULL));
	for (i = 0; i < 16; i++) {
		const char *h = out + HEX_AT + 3 * i;

		CHECK(h[2] == ' ');
		if (i < n)
			CHECK(hexval(h[0]) * 16 + hexval(h[1]) == data[i]);
		else
			CHECK(h[0] == ' ' && h[1] == ' ');
	}
	CHECK(out[TEXT_AT - 2] == '#' && out[TEXT_AT - 1] == ' ');
	for (i = 0; i < n; i++)
		CHECK(out[TEXT_AT + i] == (data[i] >= 0x20 && data[i] < 0x7f ?
		    (char)data[i] : '.'));
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long long offset = 0;
	unsigned char *copy;
	size_t i, n;
	char dir;

	if (size < 9)
		return 0;
	dir = (data[0] & 1) ? '<' : '>';
	for (i = 1; i < 9; i++)
		offset = offset << 8 | data[i];
	data += 9;
	size -= 9;
	CHECK((copy = malloc(size > 0 ? size : 1)) != NULL);
	memcpy(copy, data, size);
	for (i = 0; i < size || i == 0; i += 16) {
		n = size - i < 16 ? size - i : 16;
		check_line(dir, offset + i, copy + i, n);
	}
	if (size > 16)
		check_line(dir, offset, copy, size);
	free(copy);
	return 0;
}
