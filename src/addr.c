/* addr.c -- getaddrinfo wrapper and address formatting for messages. */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "sig.h"
#include "text.h"

/* glibc's "host has no address of this family", where it exists. */
static bool
is_addrfamily(int rc)
{
#ifdef EAI_ADDRFAMILY
	return rc == EAI_ADDRFAMILY;
#else
	(void)rc;
	return false;
#endif
}

int
addr_resolve(const struct config *cfg, const char *host, int port,
    int family, bool passive, struct addrinfo **res, char *err, size_t errlen,
    int *status)
{
	struct addrinfo hints;
	char service[16];
	int rc;

	memset(&hints, 0, sizeof(hints));
	if (family == AF_UNSPEC)
		family = cfg->family == FAMILY_INET ? AF_INET :
		    cfg->family == FAMILY_INET6 ? AF_INET6 : AF_UNSPEC;
	hints.ai_family = family;
	hints.ai_socktype = cfg->udp ? SOCK_DGRAM : SOCK_STREAM;
	hints.ai_protocol = cfg->udp ? IPPROTO_UDP : IPPROTO_TCP;
	/* The port is already a number: never look it up again. */
	hints.ai_flags = AI_NUMERICSERV;
	if (passive)
		hints.ai_flags |= AI_PASSIVE;
	if (cfg->numeric)
		hints.ai_flags |= AI_NUMERICHOST;
	snprintf(service, sizeof(service), "%d", port < 0 ? 0 : port);

	/*
	 * glibc's resolver retries its poll on EINTR until its timeout (10 s
	 * by default): a signal kills at once instead.  Every caller looks
	 * up before it has made anything that would need undoing.
	 */
	sig_die_at_once(true);
	rc = getaddrinfo(host, service, &hints, res);
	sig_die_at_once(false);
	if (rc == 0)
		return 0;
	*status = EXIT_NET;
	if (cfg->numeric && rc == EAI_NONAME) {
		snprintf(err, errlen, "invalid address \"%s\": not numeric, "
		    "and -n forbids name lookups", host);
		*status = EXIT_USAGE;
	} else if (rc == EAI_SYSTEM)
		snprintf(err, errlen, "cannot resolve \"%s\": %s", host,
		    strerror(errno));
	else if (rc == EAI_FAMILY || is_addrfamily(rc))
		snprintf(err, errlen, "cannot resolve \"%s\": no %s address",
		    host, family == AF_INET ? "IPv4" : "IPv6");
	else
		snprintf(err, errlen, "cannot resolve \"%s\": %s", host,
		    gai_strerror(rc));
	return -1;
}

/*
 * Points *sa at an IPv4 copy of an IPv4-mapped IPv6 address, so that a
 * dual-stack socket's IPv4 peer is shown and looked up as IPv4.
 */
static void
unmap(const struct sockaddr **sa, socklen_t *len, struct sockaddr_in *v4)
{
	const struct sockaddr_in6 *s6;

	if ((*sa)->sa_family != AF_INET6)
		return;
	s6 = (const struct sockaddr_in6 *)(const void *)*sa;
	if (!IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		return;
	memset(v4, 0, sizeof(*v4));
	v4->sin_family = AF_INET;
	v4->sin_port = s6->sin6_port;
	memcpy(&v4->sin_addr, &s6->sin6_addr.s6_addr[12], 4);
	*sa = (const struct sockaddr *)v4;
	*len = sizeof(*v4);
}

void
addr_numeric(const struct sockaddr *sa, socklen_t len, char *text, int *port)
{
	struct sockaddr_in v4;

	unmap(&sa, &len, &v4);
	if (getnameinfo(sa, len, text, ADDR_TEXTLEN, NULL, 0,
	    NI_NUMERICHOST) != 0)
		snprintf(text, ADDR_TEXTLEN, "?");
	if (port != NULL) {
		if (sa->sa_family == AF_INET)
			*port = ntohs(((const struct sockaddr_in *)
			    (const void *)sa)->sin_port);
		else if (sa->sa_family == AF_INET6)
			*port = ntohs(((const struct sockaddr_in6 *)
			    (const void *)sa)->sin6_port);
		else
			*port = 0;
	}
}

void
addr_name(const struct config *cfg, const struct sockaddr *sa, socklen_t len,
    char *text)
{
	struct sockaddr_in v4;
	char *p;
	int rc = -1;

	unmap(&sa, &len, &v4);
	/*
	 * As in addr_resolve, a signal kills at once, but not in a -k
	 * listener: its workers, programs or stdio modes need cleaning up.
	 */
	if (!cfg->numeric) {
		sig_die_at_once(!cfg->keep_open);
		rc = getnameinfo(sa, len, text, ADDR_TEXTLEN, NULL, 0,
		    NI_NAMEREQD);
		sig_die_at_once(false);
	}
	if (rc != 0) {
		snprintf(text, ADDR_TEXTLEN, "(UNKNOWN)");
		return;
	}
	/* DNS names come from whoever runs the peer's DNS. */
	text_safe_str(text);
	for (p = text; *p != '\0'; p++)
		if (isspace((unsigned char)*p))
			*p = '?';
}

const char *
addr_service(int port, bool udp)
{
	struct servent *se;

	se = getservbyport(htons((unsigned short)port), udp ? "udp" : "tcp");
	return se != NULL ? se->s_name : "?";
}

bool
addr_is_any(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr.s_addr == htonl(INADDR_ANY);
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr);
	return false;
}

bool
addr_same(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in *a4, *b4;
	const struct sockaddr_in6 *a6, *b6;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		a4 = (const struct sockaddr_in *)(const void *)a;
		b4 = (const struct sockaddr_in *)(const void *)b;
		return a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		a6 = (const struct sockaddr_in6 *)(const void *)a;
		b6 = (const struct sockaddr_in6 *)(const void *)b;
		return a6->sin6_port == b6->sin6_port &&
		    a6->sin6_scope_id == b6->sin6_scope_id &&
		    memcmp(&a6->sin6_addr, &b6->sin6_addr,
		    sizeof(a6->sin6_addr)) == 0;
	}
	return false;
}

size_t
addr_udp_max(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *sin6;

	if (ss->ss_family == AF_INET)
		return ADDR_UDP4_MAX;
	if (ss->ss_family != AF_INET6)
		return 0;
	/* An IPv4 peer of a dual-stack socket gets IPv4 datagrams. */
	sin6 = (const struct sockaddr_in6 *)(const void *)ss;
	return IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) ? ADDR_UDP4_MAX :
	    ADDR_UDP6_MAX;
}
