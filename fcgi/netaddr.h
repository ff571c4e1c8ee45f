/*
 * Which IP addresses the platform's own outgoing requests may reach: the
 * SSRF defence of the website crawler (workers/enricher.c). A prospect's
 * website is text a user typed or a list supplied, and DNS answers are the
 * site owner's to choose, so the crawler classifies the address it is
 * about to connect to (after resolution, after any redirect) and refuses
 * every one that is not plain public unicast: loopback, private (RFC 1918,
 * IPv6 unique local), link-local (cloud metadata lives at 169.254.169.254),
 * shared CGNAT space (RFC 6598), multicast, unspecified, and the other
 * special-purpose blocks of the IANA registries (RFC 6890 and its
 * updates: documentation, benchmarking, reserved). IPv6 forms that carry
 * an IPv4 address (IPv4-mapped ::ffff:0:0/96, NAT64 64:ff9b::/96, 6to4
 * 2002::/16) are judged by the address they carry.
 */
#ifndef PROSPEA_NETADDR_H
#define PROSPEA_NETADDR_H

#include <sys/socket.h>

enum netaddr_class {
	NETADDR_PUBLIC,		/* global unicast: may be reached */
	NETADDR_LOOPBACK,	/* 127/8, ::1 */
	NETADDR_PRIVATE,	/* 10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10 */
	NETADDR_LINK_LOCAL,	/* 169.254/16, fe80::/10 */
	NETADDR_CGNAT,		/* 100.64/10 (RFC 6598) */
	NETADDR_MULTICAST,	/* 224/4, ff00::/8 */
	NETADDR_UNSPECIFIED,	/* 0/8, :: */
	NETADDR_RESERVED,	/* every other special-purpose or unassigned block */
	NETADDR__MAX
};

/* "public", "loopback", "private"…: for logs and the crawl report. */
extern const char *const netaddr_class_names[NETADDR__MAX];

/*
 * The class of the address in sa (AF_INET or AF_INET6, len bytes long).
 * Any other family, or a len too short for the family, is
 * NETADDR_RESERVED: what cannot be judged is refused.
 */
enum netaddr_class	netaddr_classify(const struct sockaddr *sa,
			    socklen_t len);

/*
 * The class of a numeric address in text ("10.1.2.3", "::ffff:7f00:1"),
 * for tests and configuration checks. -1 when text is not an IPv4 or
 * IPv6 literal (inet_pton()).
 */
int			netaddr_classify_text(const char *text);

#endif
