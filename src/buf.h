/* buf.h -- the ring buffer every data path queues its bytes in. */
#ifndef SOCKCAT_BUF_H
#define SOCKCAT_BUF_H

#include <stddef.h>

/*
 * A ring of cap bytes: len bytes from data + head (wrapping at cap) wait
 * to be written.  Readers fill it at buf_tail(), buf_room() bytes at a
 * time, and add what they got to len; writers send buf_span() bytes from
 * data + head and buf_consume() what went.  cap is never 0 once made.
 */
struct buf {
	unsigned char	*data;
	size_t		 cap, head, len;
};

/* An empty ring of cap bytes: 0, or -1 with errno ENOMEM. */
int		buf_init(struct buf *b, size_t cap);
/* Frees the bytes and empties b; b may be all zero. */
void		buf_free(struct buf *b);

/* Contiguous free space after the data. */
size_t		buf_room(const struct buf *b);
/* Where the next byte goes. */
unsigned char	*buf_tail(const struct buf *b);
/* Contiguous data from head. */
size_t		buf_span(const struct buf *b);
/* Forgets the first n (at most len) bytes: they were written. */
void		buf_consume(struct buf *b, size_t n);

/*
 * Appends n bytes, growing the ring (to at least twice its size) when
 * they do not fit.  0, or -1 with errno ENOMEM and b unchanged.
 */
int		buf_put(struct buf *b, const void *data, size_t n);

#endif
