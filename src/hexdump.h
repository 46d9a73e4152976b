/* hexdump.h -- netcat-traditional's -o line format, as a pure function. */
#ifndef SOCKCAT_HEXDUMP_H
#define SOCKCAT_HEXDUMP_H

#include <stddef.h>

/* One line: "> 00000000 " + 16 * "xx " + "# " + 16 characters + "\n". */
#define HEXDUMP_LINE	78

/*
 * Formats up to 16 bytes of data (n <= 16) as one dump line into out
 * (HEXDUMP_LINE + 1 bytes), for direction dir ('>' sent, '<' received)
 * at offset, the count of bytes of that direction dumped before.
 * Returns the line's length, newline included.
 */
size_t	hexdump_line(char dir, unsigned long long offset,
	    const unsigned char *data, size_t n, char *out);

#endif
