/* acl.h -- --allow/--deny lists: addresses and CIDR blocks, IPv4 and IPv6. */
#ifndef SOCKCAT_ACL_H
#define SOCKCAT_ACL_H

#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>

/* One address block: family, the address bytes, the prefix length. */
struct acl_entry {
	int		family;		/* AF_INET or AF_INET6 */
	unsigned char	addr[16];
	int		prefix;
};

/* A growable list of blocks. */
struct acl {
	struct acl_entry	*entries;
	size_t			 count, cap;
};

/*
 * Adds the blocks of spec, a comma- or blank-separated list of addresses
 * ("192.0.2.7", "::1") and CIDR blocks ("10.0.0.0/8", "fe80::/10"), to
 * acl.  Host bits below the prefix are ignored.  Returns 0, or -1 with a
 * reason naming the bad entry in err (or errno ENOMEM).
 */
int	acl_add(struct acl *acl, const char *spec, char *err, size_t errlen);

/*
 * Adds every block listed in the file at path: one or more per line, '#'
 * starts a comment.  Returns 0, or -1 with a reason in err.
 */
int	acl_add_file(struct acl *acl, const char *path, char *err,
	    size_t errlen);

/* True if sa (IPv4-mapped IPv6 counts as IPv4) is inside a block of acl. */
bool	acl_match(const struct acl *acl, const struct sockaddr *sa);

/*
 * The --allow/--deny rule: sa is refused if it matches deny, or if allow
 * has entries and sa matches none of them.
 */
bool	acl_permits(const struct acl *allow, const struct acl *deny,
	    const struct sockaddr *sa);

/* Frees the entries. */
void	acl_free(struct acl *acl);

#endif
