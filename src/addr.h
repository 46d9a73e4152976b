/* addr.h -- getaddrinfo wrapper and address formatting for messages. */
#ifndef SOCKCAT_ADDR_H
#define SOCKCAT_ADDR_H

#include <sys/socket.h>

#include <netdb.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

/* Big enough for any numeric address with a scope id, or a host name. */
#define ADDR_TEXTLEN	1025

/*
 * Resolves host (NULL: the wildcard address) and port for cfg's transport
 * and for family (AF_UNSPEC: the family cfg allows).  passive asks for addresses to bind to.  With -n no DNS
 * is used.  Returns 0 and a list the caller frees with freeaddrinfo(), or
 * -1 with a one-line reason in err and the exit status to use in *status
 * (EXIT_USAGE when -n was given a name, else EXIT_NET).
 */
int	addr_resolve(const struct config *cfg, const char *host, int port,
	    int family, bool passive, struct addrinfo **res, char *err, size_t errlen,
	    int *status);

/*
 * The numeric text of sa's address into text (ADDR_TEXTLEN bytes) and
 * its port, if port is not NULL.  IPv4-mapped IPv6 addresses come out as
 * plain IPv4, so a dual-stack listener shows 127.0.0.1.
 */
void	addr_numeric(const struct sockaddr *sa, socklen_t len, char *text,
	    int *port);

/*
 * The name of sa's address by reverse lookup, or "(UNKNOWN)" when it has
 * none or cfg says -n.  Characters a terminal could act on are replaced,
 * since the name comes from whoever runs the peer's DNS.
 */
void	addr_name(const struct config *cfg, const struct sockaddr *sa,
	    socklen_t len, char *text);

/* The service name of port for tcp or udp, or "?". */
const char *addr_service(int port, bool udp);

/* True if sa is an unspecified (wildcard) address. */
bool	addr_is_any(const struct sockaddr *sa);

/*
 * True if a and b are the same datagram source: family, address, port
 * and IPv6 scope.  False for any family but AF_INET and AF_INET6.
 */
bool	addr_same(const struct sockaddr_storage *a,
	    const struct sockaddr_storage *b);

/* UDP payload limits: 65535 less the IP and UDP headers. */
#define ADDR_UDP4_MAX	65507
#define ADDR_UDP6_MAX	65527	/* without jumbograms */

/*
 * The largest UDP payload a datagram to ss can carry: ADDR_UDP4_MAX for
 * IPv4, also IPv4-mapped on a dual-stack socket, ADDR_UDP6_MAX for IPv6;
 * 0 for a family without such a limit (Unix datagrams).
 */
size_t	addr_udp_max(const struct sockaddr_storage *ss);

#endif
