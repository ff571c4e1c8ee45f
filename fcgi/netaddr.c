/*
 * Address classes for the crawler's SSRF defence (netaddr.h). The blocks
 * are tables, checked in order; the sources are the IANA IPv4 and IPv6
 * Special-Purpose Address Registries (RFC 6890, RFC 8190) and the RFCs
 * named beside each block.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "netaddr.h"

const char *const netaddr_class_names[NETADDR__MAX] = {
	[NETADDR_PUBLIC] = "public",
	[NETADDR_LOOPBACK] = "loopback",
	[NETADDR_PRIVATE] = "private",
	[NETADDR_LINK_LOCAL] = "link_local",
	[NETADDR_CGNAT] = "cgnat",
	[NETADDR_MULTICAST] = "multicast",
	[NETADDR_UNSPECIFIED] = "unspecified",
	[NETADDR_RESERVED] = "reserved",
};

struct netaddr_v4_block {
	uint32_t		 net;
	unsigned		 bits;
	enum netaddr_class	 cls;
};

#define V4(a, b, c, d)	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
	((uint32_t)(c) << 8) | (uint32_t)(d))

static const struct netaddr_v4_block netaddr_v4[] = {
	{ V4(0, 0, 0, 0), 8, NETADDR_UNSPECIFIED },	/* "this network", RFC 791 */
	{ V4(10, 0, 0, 0), 8, NETADDR_PRIVATE },	/* RFC 1918 */
	{ V4(100, 64, 0, 0), 10, NETADDR_CGNAT },	/* RFC 6598 */
	{ V4(127, 0, 0, 0), 8, NETADDR_LOOPBACK },	/* RFC 1122 */
	{ V4(169, 254, 0, 0), 16, NETADDR_LINK_LOCAL },	/* RFC 3927 */
	{ V4(172, 16, 0, 0), 12, NETADDR_PRIVATE },	/* RFC 1918 */
	{ V4(192, 0, 0, 0), 24, NETADDR_RESERVED },	/* IETF protocol assignments, RFC 6890 */
	{ V4(192, 0, 2, 0), 24, NETADDR_RESERVED },	/* TEST-NET-1, RFC 5737 */
	{ V4(192, 88, 99, 0), 24, NETADDR_RESERVED },	/* 6to4 relay anycast, RFC 7526 */
	{ V4(192, 168, 0, 0), 16, NETADDR_PRIVATE },	/* RFC 1918 */
	{ V4(198, 18, 0, 0), 15, NETADDR_RESERVED },	/* benchmarking, RFC 2544 */
	{ V4(198, 51, 100, 0), 24, NETADDR_RESERVED },	/* TEST-NET-2, RFC 5737 */
	{ V4(203, 0, 113, 0), 24, NETADDR_RESERVED },	/* TEST-NET-3, RFC 5737 */
	{ V4(224, 0, 0, 0), 4, NETADDR_MULTICAST },	/* RFC 5771 */
	{ V4(240, 0, 0, 0), 4, NETADDR_RESERVED },	/* RFC 1112; 255.255.255.255 too */
};

struct netaddr_v6_block {
	uint8_t			 net[16];
	unsigned		 bits;
	enum netaddr_class	 cls;
};

/*
 * Blocks inside 2000::/3 (global unicast, RFC 4291 section 2.4) that are
 * not public, and the special blocks outside it that have a class of
 * their own; everything else outside 2000::/3 is unassigned: reserved.
 * The forms carrying IPv4 are handled before this table.
 */
static const struct netaddr_v6_block netaddr_v6[] = {
	{ { 0 }, 128, NETADDR_UNSPECIFIED },				/* ::, RFC 4291 */
	{ { [15] = 1 }, 128, NETADDR_LOOPBACK },			/* ::1, RFC 4291 */
	{ { 0xfc }, 7, NETADDR_PRIVATE },				/* unique local, RFC 4193 */
	{ { 0xfe, 0xc0 }, 10, NETADDR_PRIVATE },			/* site-local, RFC 3879 */
	{ { 0xfe, 0x80 }, 10, NETADDR_LINK_LOCAL },			/* RFC 4291 */
	{ { 0xff }, 8, NETADDR_MULTICAST },				/* RFC 4291 */
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, NETADDR_RESERVED },		/* documentation, RFC 3849 */
	/* IETF protocol assignments (RFC 2928), Teredo (RFC 4380) included. */
	{ { 0x20, 0x01, 0x00, 0x00 }, 23, NETADDR_RESERVED },
	{ { 0x3f, 0xff }, 20, NETADDR_RESERVED },			/* documentation, RFC 9637 */
};

static int
netaddr_v6_in(const uint8_t *a, const uint8_t *net, unsigned bits)
{
	unsigned	 full = bits / 8, rest = bits % 8;
	uint8_t		 mask;

	if (memcmp(a, net, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (net[full] & mask);
}

static enum netaddr_class
netaddr_v4_class(uint32_t a)
{
	size_t	 i;

	for (i = 0; i < sizeof(netaddr_v4) / sizeof(netaddr_v4[0]); i++)
		if ((a >> (32 - netaddr_v4[i].bits)) ==
		    (netaddr_v4[i].net >> (32 - netaddr_v4[i].bits)))
			return netaddr_v4[i].cls;
	return NETADDR_PUBLIC;
}

static uint32_t
netaddr_v4_at(const uint8_t *p)
{
	return V4(p[0], p[1], p[2], p[3]);
}

static enum netaddr_class
netaddr_v6_class(const uint8_t *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const uint8_t nat64[12] = { 0x00, 0x64, 0xff, 0x9b };
	static const uint8_t nat64_local[6] = { 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01 };
	static const uint8_t zero[12] = { 0 };
	size_t	 i;

	/* IPv4-mapped (RFC 4291 section 2.5.5.2), NAT64 (RFC 6052). */
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return netaddr_v4_class(netaddr_v4_at(a + 12));
	/* 6to4 (RFC 3056): 2002:AABB:CCDD::/48 routes to AA.BB.CC.DD. */
	if (a[0] == 0x20 && a[1] == 0x02)
		return netaddr_v4_class(netaddr_v4_at(a + 2));
	/* Local-use NAT64 prefix (RFC 8215): a site's own translator. */
	if (memcmp(a, nat64_local, 6) == 0)
		return NETADDR_PRIVATE;
	for (i = 0; i < sizeof(netaddr_v6) / sizeof(netaddr_v6[0]); i++)
		if (netaddr_v6_in(a, netaddr_v6[i].net, netaddr_v6[i].bits))
			return netaddr_v6[i].cls;
	/* IPv4-compatible ::a.b.c.d (deprecated, RFC 4291 section 2.5.5.1). */
	if (memcmp(a, zero, 12) == 0)
		return NETADDR_RESERVED;
	/* Only 2000::/3 is allocated for global unicast. */
	return (a[0] & 0xe0) == 0x20 ? NETADDR_PUBLIC : NETADDR_RESERVED;
}

enum netaddr_class
netaddr_classify(const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_in	*in4;
	const struct sockaddr_in6	*in6;

	if (sa == NULL)
		return NETADDR_RESERVED;
	switch (sa->sa_family) {
	case AF_INET:
		if (len < (socklen_t)sizeof(*in4))
			return NETADDR_RESERVED;
		in4 = (const struct sockaddr_in *)(const void *)sa;
		return netaddr_v4_class(ntohl(in4->sin_addr.s_addr));
	case AF_INET6:
		if (len < (socklen_t)sizeof(*in6))
			return NETADDR_RESERVED;
		in6 = (const struct sockaddr_in6 *)(const void *)sa;
		return netaddr_v6_class(in6->sin6_addr.s6_addr);
	default:
		return NETADDR_RESERVED;
	}
}

int
netaddr_classify_text(const char *text)
{
	struct sockaddr_in	 in4;
	struct sockaddr_in6	 in6;

	memset(&in4, 0, sizeof(in4));
	memset(&in6, 0, sizeof(in6));
	if (inet_pton(AF_INET, text, &in4.sin_addr) == 1) {
		in4.sin_family = AF_INET;
		return (int)netaddr_classify((struct sockaddr *)&in4, sizeof(in4));
	}
	if (inet_pton(AF_INET6, text, &in6.sin6_addr) == 1) {
		in6.sin6_family = AF_INET6;
		return (int)netaddr_classify((struct sockaddr *)&in6, sizeof(in6));
	}
	return -1;
}
