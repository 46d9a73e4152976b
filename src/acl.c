/* acl.c -- --allow/--deny lists: addresses and CIDR blocks, IPv4 and IPv6. */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "parse.h"

/* Longest entry text: an IPv6 address with a /128 and some slack. */
#define ENTRY_MAX	64

static int
add_entry(struct acl *acl, const struct acl_entry *e)
{
	if (acl->count == acl->cap) {
		size_t cap = acl->cap == 0 ? 8 : acl->cap * 2;
		struct acl_entry *n;

		n = realloc(acl->entries, cap * sizeof(*n));
		if (n == NULL)
			return -1;
		acl->entries = n;
		acl->cap = cap;
	}
	acl->entries[acl->count++] = *e;
	return 0;
}

/* Parses one "ADDR" or "ADDR/PREFIX" of len bytes at s. */
static int
parse_entry(const char *s, size_t len, struct acl_entry *e, char *err,
    size_t errlen)
{
	char text[ENTRY_MAX + 1], *slash;
	long prefix;
	int max;

	if (len > ENTRY_MAX) {
		snprintf(err, errlen, "invalid address \"%.*s...\": too long",
		    ENTRY_MAX, s);
		return -1;
	}
	memcpy(text, s, len);
	text[len] = '\0';
	memset(e, 0, sizeof(*e));
	if ((slash = strchr(text, '/')) != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, text, e->addr) == 1) {
		e->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, text, e->addr) == 1) {
		e->family = AF_INET6;
		max = 128;
	} else {
		if (slash != NULL)
			*slash = '/';
		snprintf(err, errlen, "invalid address \"%s\": expected an "
		    "IPv4 or IPv6 address, optionally /PREFIX", text);
		return -1;
	}
	e->prefix = max;
	if (slash != NULL) {
		char why[PARSE_ERRLEN];

		*slash = '/';
		if (parse_number(slash + 1, "prefix", 0, max, &prefix, why,
		    sizeof(why)) == -1) {
			snprintf(err, errlen, "invalid address block \"%s\": "
			    "prefix must be 0-%d", text, max);
			return -1;
		}
		e->prefix = (int)prefix;
	}
	/*
	 * acl_match() takes an IPv4-mapped peer as IPv4, so a block of
	 * mapped addresses (::ffff:192.0.2.7) must be IPv4 too, or it
	 * never matches anyone.
	 */
	if (e->family == AF_INET6 && e->prefix >= 96 &&
	    IN6_IS_ADDR_V4MAPPED((struct in6_addr *)(void *)e->addr)) {
		e->family = AF_INET;
		memmove(e->addr, e->addr + 12, 4);
		memset(e->addr + 4, 0, 12);
		e->prefix -= 96;
	}
	return 0;
}

static bool
is_separator(char c)
{
	return c == ',' || isspace((unsigned char)c);
}

int
acl_add(struct acl *acl, const char *spec, char *err, size_t errlen)
{
	const char *p = spec, *start;
	struct acl_entry e;

	for (;;) {
		while (*p != '\0' && is_separator(*p))
			p++;
		if (*p == '\0' || *p == '#')
			return 0;
		for (start = p; *p != '\0' && !is_separator(*p) && *p != '#';
		    p++)
			;
		if (parse_entry(start, (size_t)(p - start), &e, err,
		    errlen) == -1)
			return -1;
		if (add_entry(acl, &e) == -1) {
			snprintf(err, errlen, "address list: %s",
			    strerror(errno));
			return -1;
		}
	}
}

int
acl_add_file(struct acl *acl, const char *path, char *err, size_t errlen)
{
	char *line = NULL, why[PARSE_ERRLEN];
	size_t cap = 0;
	unsigned long lineno = 0;
	FILE *fp;
	int rc = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "open address list %s: %s", path,
		    strerror(errno));
		return -1;
	}
	/* Lines of any length: a long comment's tail is no entry. */
	while (rc == 0 && getline(&line, &cap, fp) != -1) {
		lineno++;
		if (acl_add(acl, line, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "%s line %lu: %s", path, lineno,
			    why);
			rc = -1;
		}
	}
	/* getline() also stops on ENOMEM, which sets no error flag. */
	if (rc == 0 && (ferror(fp) || !feof(fp))) {
		snprintf(err, errlen, "read address list %s: %s", path,
		    strerror(errno));
		rc = -1;
	}
	free(line);
	fclose(fp);
	return rc;
}

static bool
prefix_equal(const unsigned char *a, const unsigned char *b, int bits)
{
	int whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)whole) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[whole] ^ b[whole]) & (0xff << (8 - rest))) == 0;
}

bool
acl_match(const struct acl *acl, const struct sockaddr *sa)
{
	const unsigned char *addr;
	int family;
	size_t i;

	if (sa->sa_family == AF_INET) {
		family = AF_INET;
		addr = (const unsigned char *)&((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr;

		family = AF_INET6;
		addr = a6->s6_addr;
		/* A dual-stack socket's IPv4 peer matches IPv4 blocks. */
		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			family = AF_INET;
			addr += 12;
		}
	} else
		return false;
	for (i = 0; i < acl->count; i++)
		if (acl->entries[i].family == family &&
		    prefix_equal(acl->entries[i].addr, addr,
		    acl->entries[i].prefix))
			return true;
	return false;
}

bool
acl_permits(const struct acl *allow, const struct acl *deny,
    const struct sockaddr *sa)
{
	if (acl_match(deny, sa))
		return false;
	return allow->count == 0 || acl_match(allow, sa);
}

void
acl_free(struct acl *acl)
{
	free(acl->entries);
	acl->entries = NULL;
	acl->count = acl->cap = 0;
}
