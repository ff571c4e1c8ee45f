/*
 * Unit tests of netaddr.c: a table of addresses and the class the
 * crawler's SSRF defence must give them (netaddr.h), with the edges of
 * every block (first and last address inside, first outside), the IPv6
 * forms that carry an IPv4 address, and sockaddrs it cannot judge.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "unit.h"

#include "netaddr.h"

struct netaddr_case {
	const char		*text;
	enum netaddr_class	 cls;
};

#define PUB	NETADDR_PUBLIC
#define LOOP	NETADDR_LOOPBACK
#define PRIV	NETADDR_PRIVATE
#define LINK	NETADDR_LINK_LOCAL
#define CGN	NETADDR_CGNAT
#define MCAST	NETADDR_MULTICAST
#define UNSPEC	NETADDR_UNSPECIFIED
#define RES	NETADDR_RESERVED

static const struct netaddr_case netaddr_cases[] = {
	/* IPv4 */
	{ "0.0.0.0", UNSPEC },
	{ "0.255.255.255", UNSPEC },
	{ "1.0.0.0", PUB },
	{ "9.255.255.255", PUB },
	{ "10.0.0.0", PRIV },
	{ "10.255.255.255", PRIV },
	{ "11.0.0.0", PUB },
	{ "100.63.255.255", PUB },
	{ "100.64.0.0", CGN },
	{ "100.127.255.255", CGN },
	{ "100.128.0.0", PUB },
	{ "126.255.255.255", PUB },
	{ "127.0.0.1", LOOP },
	{ "127.255.255.254", LOOP },
	{ "128.0.0.0", PUB },
	{ "169.253.255.255", PUB },
	{ "169.254.0.1", LINK },
	{ "169.254.169.254", LINK },	/* cloud metadata */
	{ "169.255.0.0", PUB },
	{ "172.15.255.255", PUB },
	{ "172.16.0.0", PRIV },
	{ "172.31.255.255", PRIV },
	{ "172.32.0.0", PUB },
	{ "192.0.0.8", RES },
	{ "192.0.2.1", RES },
	{ "192.0.3.0", PUB },
	{ "192.88.99.1", RES },
	{ "192.167.255.255", PUB },
	{ "192.168.0.0", PRIV },
	{ "192.168.255.255", PRIV },
	{ "192.169.0.0", PUB },
	{ "198.17.255.255", PUB },
	{ "198.18.0.0", RES },
	{ "198.19.255.255", RES },
	{ "198.20.0.0", PUB },
	{ "198.51.100.7", RES },
	{ "203.0.113.9", RES },
	{ "203.0.114.0", PUB },
	{ "8.8.8.8", PUB },
	{ "93.184.215.14", PUB },
	{ "223.255.255.255", PUB },
	{ "224.0.0.1", MCAST },
	{ "239.255.255.255", MCAST },
	{ "240.0.0.1", RES },
	{ "255.255.255.255", RES },

	/* IPv6 */
	{ "::", UNSPEC },
	{ "::1", LOOP },
	{ "::2", RES },
	{ "::ffff:127.0.0.1", LOOP },
	{ "::ffff:7f00:1", LOOP },
	{ "::ffff:10.0.0.1", PRIV },
	{ "::ffff:169.254.169.254", LINK },
	{ "::ffff:100.64.0.1", CGN },
	{ "::ffff:0.0.0.0", UNSPEC },
	{ "::ffff:8.8.8.8", PUB },
	{ "::127.0.0.1", RES },		/* IPv4-compatible, deprecated */
	{ "64:ff9b::10.1.2.3", PRIV },
	{ "64:ff9b::8.8.8.8", PUB },
	{ "64:ff9b:1::1", PRIV },
	{ "2002:7f00:1::1", LOOP },	/* 6to4 of 127.0.0.1 */
	{ "2002:c0a8:101::1", PRIV },	/* 6to4 of 192.168.1.1 */
	{ "2002:0808:0808::1", PUB },
	{ "fc00::1", PRIV },
	{ "fd12:3456:789a::1", PRIV },
	{ "fbff:ffff::1", RES },
	{ "fe80::1", LINK },
	{ "febf:ffff::1", LINK },
	{ "fec0::1", PRIV },
	{ "ff02::1", MCAST },
	{ "ff0e::1", MCAST },
	{ "100::1", RES },		/* discard-only */
	{ "2001::1", RES },		/* Teredo */
	{ "2001:10::1", RES },		/* ORCHID */
	{ "2001:200::1", PUB },		/* just past 2001::/23 */
	{ "2001:db8::1", RES },
	{ "2001:db9::1", PUB },
	{ "3fff::1", RES },
	{ "2a00:1450:4007:80e::200e", PUB },
	{ "2606:4700::1111", PUB },
	{ "3ffe:ffff::1", PUB },
	{ "4000::1", RES },		/* outside 2000::/3 */
	{ "1fff::1", RES },
};

static void
test_classes(void **state)
{
	size_t	 i;
	int	 got, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(netaddr_cases) / sizeof(netaddr_cases[0]); i++) {
		got = netaddr_classify_text(netaddr_cases[i].text);
		if (got != (int)netaddr_cases[i].cls) {
			fprintf(stderr, "%s: got %s, want %s\n", netaddr_cases[i].text,
			    got < 0 ? "(not an address)" : netaddr_class_names[got],
			    netaddr_class_names[netaddr_cases[i].cls]);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
test_not_addresses(void **state)
{
	(void)state;
	assert_int_equal(netaddr_classify_text(""), -1);
	assert_int_equal(netaddr_classify_text("localhost"), -1);
	assert_int_equal(netaddr_classify_text("127.1"), -1);
	assert_int_equal(netaddr_classify_text("0x7f000001"), -1);
	assert_int_equal(netaddr_classify_text("[::1]"), -1);
}

/* What cannot be judged is refused: other families, short lengths, NULL. */
static void
test_unjudgeable(void **state)
{
	struct sockaddr_in	 in4;
	struct sockaddr_in6	 in6;
	struct sockaddr_un	 un;

	(void)state;
	memset(&in4, 0, sizeof(in4));
	in4.sin_family = AF_INET;
	inet_pton(AF_INET, "8.8.8.8", &in4.sin_addr);
	assert_int_equal(netaddr_classify((struct sockaddr *)&in4, sizeof(in4)),
	    NETADDR_PUBLIC);
	assert_int_equal(netaddr_classify((struct sockaddr *)&in4, sizeof(in4) - 1),
	    NETADDR_RESERVED);

	memset(&in6, 0, sizeof(in6));
	in6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2606:4700::1111", &in6.sin6_addr);
	assert_int_equal(netaddr_classify((struct sockaddr *)&in6, sizeof(in6)),
	    NETADDR_PUBLIC);
	assert_int_equal(netaddr_classify((struct sockaddr *)&in6, sizeof(in4)),
	    NETADDR_RESERVED);

	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	assert_int_equal(netaddr_classify((struct sockaddr *)&un, sizeof(un)),
	    NETADDR_RESERVED);
	assert_int_equal(netaddr_classify(NULL, 0), NETADDR_RESERVED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_not_addresses),
		cmocka_unit_test(test_unjudgeable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
