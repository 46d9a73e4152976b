/* text.h -- make peer-controlled text safe to show on a terminal. */
#ifndef SOCKCAT_TEXT_H
#define SOCKCAT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Where a byte stream stands in UTF-8, carried across calls. */
struct text_state {
	int	follow;		/* continuation bytes still expected */
	bool	after_c2;	/* the sequence began with 0xC2 (U+0080..) */
};

/*
 * Replaces, in place, every byte of s[0..n) that a terminal could act on
 * with '?': C0 controls (but tab and newline when keep_tab_nl), DEL, and
 * C1 controls, whether as lone bytes 0x80-0x9F (an 8-bit CSI is 0x9B) or
 * UTF-8 encoded (C2 80 .. C2 9F: both bytes, or only the second when a
 * read split them).  Valid UTF-8 text passes unchanged.  st carries a
 * sequence split across calls; a zeroed one starts afresh.
 */
void	text_safe(unsigned char *s, size_t n, bool keep_tab_nl,
	    struct text_state *st);

/* text_safe() on a NUL-terminated string, with no tab or newline kept. */
void	text_safe_str(char *s);

#endif
