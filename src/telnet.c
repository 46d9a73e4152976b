/* telnet.c -- -t: strip telnet negotiation from the input, refuse options. */

#include "telnet.h"

/* RFC 854 command bytes. */
#define T_SE	240
#define T_SB	250
#define T_WILL	251
#define T_WONT	252
#define T_DO	253
#define T_DONT	254
#define T_IAC	255

enum { ST_DATA, ST_IAC, ST_OPTION, ST_SUB, ST_SUB_IAC };

size_t
telnet_filter(struct telnet *t, unsigned char *data, size_t n,
    unsigned char *reply, size_t *replylen)
{
	size_t in, out = 0, r = 0;

	for (in = 0; in < n; in++) {
		unsigned char c = data[in];

		switch (t->state) {
		case ST_DATA:
			if (c == T_IAC)
				t->state = ST_IAC;
			else
				data[out++] = c;
			break;
		case ST_IAC:
			t->state = ST_DATA;
			if (c == T_IAC)
				data[out++] = c;
			else if (c >= T_WILL && c <= T_DONT) {
				t->verb = c;
				t->state = ST_OPTION;
			} else if (c == T_SB)
				t->state = ST_SUB;
			/* Any other two-byte command is dropped. */
			break;
		case ST_OPTION:
			t->state = ST_DATA;
			if (t->verb == T_WILL || t->verb == T_DO) {
				reply[r++] = T_IAC;
				reply[r++] = t->verb == T_WILL ? T_DONT : T_WONT;
				reply[r++] = c;
			}
			break;
		case ST_SUB:
			if (c == T_IAC)
				t->state = ST_SUB_IAC;
			break;
		default:	/* ST_SUB_IAC */
			t->state = c == T_SE ? ST_DATA : ST_SUB;
			break;
		}
	}
	*replylen = r;
	return out;
}
