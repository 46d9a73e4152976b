/* buf.c -- the ring buffer every data path queues its bytes in. */

#include <stdlib.h>
#include <string.h>

#include "buf.h"

int
buf_init(struct buf *b, size_t cap)
{
	b->data = malloc(cap);
	b->cap = cap;
	b->head = b->len = 0;
	return b->data != NULL ? 0 : -1;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->cap = b->head = b->len = 0;
}

size_t
buf_room(const struct buf *b)
{
	size_t tail = (b->head + b->len) % b->cap;

	if (b->len == b->cap)
		return 0;
	return tail >= b->head ? b->cap - tail : b->head - tail;
}

unsigned char *
buf_tail(const struct buf *b)
{
	return b->data + (b->head + b->len) % b->cap;
}

size_t
buf_span(const struct buf *b)
{
	return b->head + b->len > b->cap ? b->cap - b->head : b->len;
}

void
buf_consume(struct buf *b, size_t n)
{
	b->head = (b->head + n) % b->cap;
	b->len -= n;
	/* Empty: start over at 0 so the next read gets the whole buffer. */
	if (b->len == 0)
		b->head = 0;
}

/* Makes b hold at least need bytes, unwrapping it.  0 or -1. */
static int
grow(struct buf *b, size_t need)
{
	size_t cap = b->cap * 2 > need ? b->cap * 2 : need;
	size_t first = buf_span(b);
	unsigned char *q;

	if ((q = malloc(cap)) == NULL)
		return -1;
	memcpy(q, b->data + b->head, first);
	memcpy(q + first, b->data, b->len - first);
	free(b->data);
	b->data = q;
	b->cap = cap;
	b->head = 0;
	return 0;
}

int
buf_put(struct buf *b, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t tail, first;

	if (b->len + n > b->cap && grow(b, b->len + n) == -1)
		return -1;
	tail = (b->head + b->len) % b->cap;
	first = n < b->cap - tail ? n : b->cap - tail;
	memcpy(b->data + tail, p, first);
	memcpy(b->data, p + first, n - first);
	b->len += n;
	return 0;
}
