/* hexdump.c -- netcat-traditional's -o line format, as a pure function. */

#include "hexdump.h"

static const char hexdigits[] = "0123456789abcdef";

size_t
hexdump_line(char dir, unsigned long long offset, const unsigned char *data,
    size_t n, char *out)
{
	char *p = out;
	size_t i;
	int shift;

	if (n > 16)
		n = 16;
	*p++ = dir;
	*p++ = ' ';
	/* "%8.8x": eight digits; netcat-traditional wraps past 4 GiB too. */
	for (shift = 28; shift >= 0; shift -= 4)
		*p++ = hexdigits[(offset >> shift) & 0xf];
	*p++ = ' ';
	for (i = 0; i < 16; i++) {
		if (i < n) {
			*p++ = hexdigits[data[i] >> 4];
			*p++ = hexdigits[data[i] & 0xf];
		} else {
			*p++ = ' ';
			*p++ = ' ';
		}
		*p++ = ' ';
	}
	*p++ = '#';
	*p++ = ' ';
	for (i = 0; i < n; i++)
		*p++ = data[i] >= 0x20 && data[i] < 0x7f ? (char)data[i] : '.';
	*p++ = '\n';
	*p = '\0';
	return (size_t)(p - out);
}
