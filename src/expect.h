/* expect.h -- --expect: a regular expression matched against received data. */
#ifndef SOCKCAT_EXPECT_H
#define SOCKCAT_EXPECT_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * The longest match that is sure to be found, whatever the reads: the
 * matcher keeps this much of what came before each new piece of data.
 */
#define EXPECT_WINDOW	(64 * 1024)

/*
 * One matcher: a POSIX extended regular expression, line by line as
 * grep -E reads it (REG_NEWLINE), over a sliding window of the bytes fed.
 * A NUL byte ends a line too, and no match contains one.  Fields are
 * private to expect.c; the struct is here so callers can embed it.
 */
struct expect {
	regex_t		 re;
	bool		 compiled;
	unsigned char	*win;		/* 2 * EXPECT_WINDOW + 1, NUL-ended */
	size_t		 len;		/* bytes held in win */
	bool		 bol;		/* win[0] starts a line */
	bool		 matched;
};

/*
 * Compiles pattern.  Returns 0, or -1 with the reason in err (regerror(3)
 * text for a bad pattern, errno EINVAL; or errno ENOMEM).  On -1 nothing
 * is left to free; on 0 the caller owes expect_free().
 */
int	expect_init(struct expect *e, const char *pattern, char *err,
	    size_t errlen);

/*
 * Feeds the next len bytes received.  Returns true once the pattern has
 * matched (then and on every later call); the answer never depends on
 * how the bytes were split among calls, for matches of at most
 * EXPECT_WINDOW bytes.  No $ matches at the end of what was fed so far:
 * more may follow on that line.
 */
bool	expect_feed(struct expect *e, const void *data, size_t len);

/*
 * The stream has ended: its last line is complete, so $ may now match at
 * its end.  Returns true if the pattern has matched.
 */
bool	expect_eof(struct expect *e);

/* Has the pattern matched? */
bool	expect_matched(const struct expect *e);

/* Frees what expect_init() took.  Safe to call twice. */
void	expect_free(struct expect *e);

#endif
