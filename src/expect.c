/* expect.c -- --expect: a regular expression matched against received data. */

#include <errno.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"

/* Room for the window and one new piece of at most a window, and a NUL. */
#define WIN_CAP		(2 * EXPECT_WINDOW + 1)

/*
 * The most pattern elements a compiled --expect may grow to.  The C
 * library compiles a+ as aa* and a{n,m} as m copies of a, nesting
 * included, so ((a+)+)+... or (a{999}){999} would take gigabytes, and
 * nested stars minutes (4,096 elements of ((a*)+)+...: 6 s), before the
 * first byte is matched; a health check's pattern needs a few dozen.
 */
#define EXPECT_MAX_SIZE	1024ULL

/* Where a bracket expression that starts at p ends (its ']'), or NULL. */
static const char *
bracket_end(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')		/* a leading ']' is a member */
		p++;
	for (; *p != '\0'; p++) {
		if (*p == '[' && (p[1] == ':' || p[1] == '=' || p[1] == '.')) {
			const char *close = strchr(p + 2, p[1]);

			while (close != NULL && close[1] != ']')
				close = strchr(close + 1, p[1]);
			if (close == NULL)
				return NULL;
			p = close + 1;
		} else if (*p == ']')
			return p;
	}
	return NULL;
}

/*
 * How many elements the pattern expands to once every repetition is
 * copied out as the C library does (saturating above EXPECT_MAX_SIZE).
 * Malformed input is counted as literal characters: regcomp judges it.
 */
static unsigned long long
pattern_size(const char *p)
{
	/* Per open group: its size so far, and the last element's. */
	unsigned long long sum[32] = { 0 }, last[32] = { 0 }, mult;
	unsigned long n, m;
	const char *q;
	char *end;
	int depth = 0;
	bool repeated = false;	/* the last thing read was a repetition */

	for (; *p != '\0'; p++) {
		if (sum[depth] > EXPECT_MAX_SIZE)
			return EXPECT_MAX_SIZE + 1;
		/* a+*, a{2}+: undefined in POSIX, nested copies in glibc. */
		if (repeated && (*p == '+' || *p == '*' || *p == '?' ||
		    (*p == '{' && ((p[1] >= '0' && p[1] <= '9') ||
		    p[1] == ','))))
			return EXPECT_MAX_SIZE + 1;
		repeated = *p == '+' || *p == '*' || *p == '?';
		mult = 0;
		switch (*p) {
		case '(':
			if (depth + 1 == (int)(sizeof(sum) / sizeof(sum[0])))
				return EXPECT_MAX_SIZE + 1;
			depth++;
			sum[depth] = last[depth] = 0;
			continue;
		case ')':
			if (depth == 0)
				break;
			depth--;
			last[depth] = sum[depth + 1] + 1;
			sum[depth] += last[depth];
			continue;
		case '|':
			last[depth] = 0;
			continue;
		case '+':
			mult = 2;
			break;
		case '*':
		case '?':
			continue;
		case '{':
			/* {n}, {n,}, {n,m}, and glibc's {,m} */
			if ((p[1] < '0' || p[1] > '9') && p[1] != ',')
				break;
			n = strtoul(p + 1, &end, 10);
			m = n;
			if (*end == ',')
				m = end[1] >= '0' && end[1] <= '9' ?
				    strtoul(end + 1, &end, 10) : n + 1;
			else
				end--;
			/* "{,0" at the end: no '}', and nothing to read past. */
			if (*end == '\0' ||
			    (*end != ',' && end[1] != '}' && *end != '}'))
				break;
			mult = (m > n ? m : n) + 1;
			if ((q = strchr(p, '}')) != NULL)
				p = q;
			repeated = true;
			break;
		case '[':
			if ((q = bracket_end(p)) != NULL)
				p = q;
			break;
		case '\\':
			if (p[1] != '\0')
				p++;
			break;
		default:
			break;
		}
		if (mult > 0) {
			/* The last element, copied out mult times in all. */
			if (last[depth] > EXPECT_MAX_SIZE || mult > EXPECT_MAX_SIZE)
				return EXPECT_MAX_SIZE + 1;
			sum[depth] += last[depth] * (mult - 1);
			last[depth] *= mult;
			continue;
		}
		last[depth] = 1;
		sum[depth]++;
	}
	while (depth > 0) {	/* unclosed: regcomp will say so */
		depth--;
		sum[depth] += sum[depth + 1];
	}
	return sum[0];
}

int
expect_init(struct expect *e, const char *pattern, char *err, size_t errlen)
{
	int rc;

	memset(e, 0, sizeof(*e));
	if (pattern_size(pattern) > EXPECT_MAX_SIZE) {
		snprintf(err, errlen, "too many repetitions: it would grow past "
		    "%llu elements, or one repeats another", EXPECT_MAX_SIZE);
		errno = EINVAL;
		return -1;
	}
	/* grep -E's reading: ^ and $ at every line, . never a newline. */
	rc = regcomp(&e->re, pattern, REG_EXTENDED | REG_NEWLINE | REG_NOSUB);
	if (rc != 0) {
		regerror(rc, &e->re, err, errlen);
		errno = rc == REG_ESPACE ? ENOMEM : EINVAL;
		return -1;
	}
	if ((e->win = malloc(WIN_CAP)) == NULL) {
		regfree(&e->re);
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	e->compiled = true;
	e->win[0] = '\0';
	e->bol = true;
	return 0;
}

void
expect_free(struct expect *e)
{
	if (e->compiled)
		regfree(&e->re);
	e->compiled = false;
	free(e->win);
	e->win = NULL;
}

bool
expect_matched(const struct expect *e)
{
	return e->matched;
}

/* Does a line start at win[pos]: the stream's start, or after \n or NUL? */
static bool
line_starts(const struct expect *e, size_t pos)
{
	if (pos == 0)
		return e->bol;
	return e->win[pos - 1] == '\n' || e->win[pos - 1] == '\0';
}

/*
 * Where scanning win[from, end) may start: after its last NUL, if any.
 * The pieces before that NUL were whole when it came, and were scanned
 * then; they cannot match now.
 */
static size_t
after_last_nul(const struct expect *e, size_t from, size_t end)
{
	size_t i;

	for (i = end; i > from; i--)
		if (e->win[i - 1] == '\0')
			return i;
	return from;
}

/*
 * Runs the pattern over win[from, len), one NUL-free piece at a time:
 * regexec(3) takes C strings, and a NUL is a separator no match crosses.
 * The last piece is open (more of its line may come) unless at_eof.
 */
static bool
scan(struct expect *e, size_t from, bool at_eof)
{
	const unsigned char *nul;
	size_t pos = from;
	int flags;

	for (;;) {
		nul = memchr(e->win + pos, '\0', e->len - pos);
		flags = 0;
		if (!line_starts(e, pos))
			flags |= REG_NOTBOL;
		if (nul == NULL && !at_eof)
			flags |= REG_NOTEOL;
		/* win[len] is NUL: every piece ends as a C string. */
		if (regexec(&e->re, (const char *)e->win + pos, 0, NULL,
		    flags) == 0) {
			e->matched = true;
			return true;
		}
		if (nul == NULL)
			return false;
		pos = (size_t)(nul - e->win) + 1;
	}
}

/*
 * Keeps the newest EXPECT_WINDOW bytes, remembering whether they begin a
 * line.  Called only when more than that is held.
 */
static void
slide(struct expect *e)
{
	size_t drop = e->len - EXPECT_WINDOW;

	e->bol = line_starts(e, drop);
	memmove(e->win, e->win + drop, EXPECT_WINDOW);
	e->len = EXPECT_WINDOW;
}

bool
expect_feed(struct expect *e, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t n, before, from;

	/*
	 * A piece at a time, at most a window each: every match of at most
	 * a window that ends in the piece starts within the window before
	 * its end, so it lies in what is scanned.
	 */
	while (!e->matched && len > 0) {
		n = len < EXPECT_WINDOW ? len : EXPECT_WINDOW;
		if (e->len + n > 2 * EXPECT_WINDOW)
			slide(e);
		before = e->len;
		memcpy(e->win + e->len, p, n);
		e->len += n;
		e->win[e->len] = '\0';
		from = before > EXPECT_WINDOW ? before - EXPECT_WINDOW : 0;
		(void)scan(e, after_last_nul(e, from, before), false);
		p += n;
		len -= n;
	}
	return e->matched;
}

bool
expect_eof(struct expect *e)
{
	size_t from;

	if (e->matched)
		return true;
	/*
	 * As grep reads a file: data that ends with a newline (or a NUL, or
	 * nothing at all) has no last line still open, and every whole line
	 * was matched as it came; only an unterminated last line can match
	 * now, its end being the end of the data.
	 */
	if (e->len == 0 || e->win[e->len - 1] == '\n' ||
	    e->win[e->len - 1] == '\0')
		return false;
	from = e->len > EXPECT_WINDOW ? e->len - EXPECT_WINDOW : 0;
	return scan(e, after_last_nul(e, from, e->len), true);
}
