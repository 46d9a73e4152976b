/* acl.c -- libFuzzer harness for the --allow/--deny lists of acl.h. */

/*
 * Input: an address list as --allow takes it ("10.0.0.0/8, ::1"), cut at
 * the first NUL byte.  acl_add() parses it; acl_match() then tries a few
 * fixed IPv4 and IPv6 peers and every block's own address.
 *
 * Checks: each block has a known family and a prefix within it; a block
 * always contains its own address (a block of IPv4-mapped IPv6 addresses
 * is kept as IPv4, as acl_match() takes such a peer as IPv4); an IPv4
 * peer and its IPv4-mapped IPv6 form match alike; a /0 block matches
 * every peer of its family; a refused list leaves a message;
 * acl_permits() follows the deny-first rule.
 *
 * Found: "::ffff:10.0.0.0/104" used to stay an IPv6 block that no peer
 * could match (seed mapped; regression test in tests/acl.bats).
 *
 * Build and run with `make fuzz` (seeds in tests/fuzz/corpus/acl/).
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "parse.h"

#define TEXT_MAX	4096

#define CHECK(cond)	do { if (!(cond)) abort(); } while (0)

static const char *const v4_peers[] = {
	"127.0.0.1", "10.1.2.3", "192.0.2.7", "0.0.0.0", "255.255.255.255",
};
static const char *const v6_peers[] = {
	"::1", "fe80::1", "2001:db8::7", "::", "ffff:ffff:ffff:ffff::1",
};

static void
set_v4(struct sockaddr_in *sin, const void *addr)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	memcpy(&sin->sin_addr, addr, 4);
}

static void
set_v6(struct sockaddr_in6 *sin6, const void *addr)
{
	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_family = AF_INET6;
	memcpy(&sin6->sin6_addr, addr, 16);
}

/* The IPv4-mapped form ::ffff:a.b.c.d of an IPv4 address. */
static void
set_mapped(struct sockaddr_in6 *sin6, const void *addr)
{
	unsigned char a[16] = { 0 };

	a[10] = a[11] = 0xff;
	memcpy(a + 12, addr, 4);
	set_v6(sin6, a);
}

static bool
has_any(const struct acl *acl, int family)
{
	size_t i;

	for (i = 0; i < acl->count; i++)
		if (acl->entries[i].family == family &&
		    acl->entries[i].prefix == 0)
			return true;
	return false;
}

static void
check_peer4(const struct acl *acl, const unsigned char *addr)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 mapped;
	bool m;

	set_v4(&sin, addr);
	set_mapped(&mapped, addr);
	m = acl_match(acl, (struct sockaddr *)&sin);
	CHECK(m == acl_match(acl, (struct sockaddr *)&mapped));
	if (has_any(acl, AF_INET))
		CHECK(m);
}

static void
check_peer6(const struct acl *acl, const unsigned char *addr)
{
	struct sockaddr_in6 sin6;

	set_v6(&sin6, addr);
	if (IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr))
		return;
	if (has_any(acl, AF_INET6))
		CHECK(acl_match(acl, (struct sockaddr *)&sin6));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acl acl = { NULL, 0, 0 }, none = { NULL, 0, 0 };
	char *s, err[PARSE_ERRLEN];
	unsigned char addr[16];
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	size_t i;

	if (size > TEXT_MAX || (s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	err[0] = '\0';
	if (acl_add(&acl, s, err, sizeof(err)) == -1)
		CHECK(err[0] != '\0' && strlen(err) < sizeof(err));
	CHECK(acl.count <= acl.cap);
	for (i = 0; i < acl.count; i++) {
		const struct acl_entry *e = &acl.entries[i];

		if (e->family == AF_INET) {
			CHECK(e->prefix >= 0 && e->prefix <= 32);
			set_v4(&sin, e->addr);
			CHECK(acl_match(&acl, (struct sockaddr *)&sin));
			check_peer4(&acl, e->addr);
			/* Deny wins; an empty allow list admits all. */
			CHECK(!acl_permits(&none, &acl,
			    (struct sockaddr *)&sin));
			CHECK(acl_permits(&acl, &none,
			    (struct sockaddr *)&sin));
		} else {
			CHECK(e->family == AF_INET6);
			CHECK(e->prefix >= 0 && e->prefix <= 128);
			set_v6(&sin6, e->addr);
			/*
			 * A block of IPv4-mapped addresses is an IPv4 block;
			 * a wider one holding them matches IPv6 peers only.
			 */
			if (IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)) {
				CHECK(e->prefix < 96);
				continue;
			}
			CHECK(acl_match(&acl, (struct sockaddr *)&sin6));
			CHECK(!acl_permits(&acl, &acl,
			    (struct sockaddr *)&sin6));
		}
	}
	for (i = 0; i < sizeof(v4_peers) / sizeof(v4_peers[0]); i++) {
		CHECK(inet_pton(AF_INET, v4_peers[i], addr) == 1);
		check_peer4(&acl, addr);
	}
	for (i = 0; i < sizeof(v6_peers) / sizeof(v6_peers[0]); i++) {
		CHECK(inet_pton(AF_INET6, v6_peers[i], addr) == 1);
		check_peer6(&acl, addr);
	}
	/* Nothing matches an empty list, and it admits everyone. */
	set_v4(&sin, "\x7f\0\0\1");
	CHECK(!acl_match(&none, (struct sockaddr *)&sin));
	CHECK(acl_permits(&none, &none, (struct sockaddr *)&sin));
	acl_free(&acl);
	CHECK(acl.entries == NULL && acl.count == 0);
	free(s);
	return 0;
}
