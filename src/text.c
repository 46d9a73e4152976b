/* text.c -- make peer-controlled text safe to show on a terminal. */

#include <string.h>

#include "text.h"

void
text_safe(unsigned char *s, size_t n, bool keep_tab_nl,
    struct text_state *st)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (st->follow > 0 && c >= 0x80 && c <= 0xbf) {
			/* A continuation; after C2, 80-9F spells C1. */
			if (st->after_c2 && c <= 0x9f)
				s[i] = '?';
			st->follow--;
			st->after_c2 = false;
			continue;
		}
		st->follow = 0;
		st->after_c2 = false;
		/* U+0080..U+009F whole in this buffer: both bytes go. */
		if (c == 0xc2 && i + 1 < n && s[i + 1] >= 0x80 &&
		    s[i + 1] <= 0x9f) {
			s[i] = s[i + 1] = '?';
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			st->follow = 1;
		else if (c >= 0xe0 && c <= 0xef)
			st->follow = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			st->follow = 3;
		st->after_c2 = c == 0xc2;
		if ((c < 0x20 && !(keep_tab_nl && (c == '\t' || c == '\n'))) ||
		    c == 0x7f || (c >= 0x80 && c <= 0x9f))
			s[i] = '?';
	}
}

void
text_safe_str(char *s)
{
	struct text_state st = { 0, false };

	text_safe((unsigned char *)s, strlen(s), false, &st);
}
