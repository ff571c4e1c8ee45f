/*
 * Unit tests of robots.c: robots.txt texts, paths and the verdict RFC 9309
 * gives for the crawler's product token "ProspeaBot" (group choice,
 * longest match, allow on a tie, "*" and "$", comments and line ends),
 * then product tokens taken from User-Agent values.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "unit.h"

#include "robots.h"

struct robots_case {
	const char	*why;
	const char	*text;
	const char	*path;
	int		 allowed;
};

static const struct robots_case robots_cases[] = {
	{ "empty file", "", "/contact", 1 },
	{ "not robots.txt", "<html><body>Bienvenue</body></html>", "/", 1 },
	{ "all disallowed", "User-agent: *\nDisallow: /\n", "/", 0 },
	{ "all disallowed, deep", "User-agent: *\nDisallow: /\n", "/a/b?c=d", 0 },
	{ "robots.txt always allowed", "User-agent: *\nDisallow: /\n", "/robots.txt", 1 },
	{ "prefix", "User-agent: *\nDisallow: /contact\n", "/contact", 0 },
	{ "prefix, longer path", "User-agent: *\nDisallow: /contact\n", "/contact-us", 0 },
	{ "prefix, other path", "User-agent: *\nDisallow: /contact\n", "/mentions-legales", 1 },
	{ "case of paths matters", "User-agent: *\nDisallow: /Contact\n", "/contact", 1 },
	{ "empty disallow allows", "User-agent: *\nDisallow:\n", "/contact", 1 },
	{ "our group wins over *",
	    "User-agent: *\nDisallow: /\n\nUser-agent: ProspeaBot\nAllow: /\n", "/x", 1 },
	{ "our group with no rule allows",
	    "User-agent: *\nDisallow: /\n\nUser-agent: ProspeaBot\n", "/x", 1 },
	{ "our group disallows, * allows",
	    "User-agent: *\nAllow: /\n\nUser-agent: ProspeaBot\nDisallow: /contact\n",
	    "/contact", 0 },
	{ "token ignores case", "User-agent: prospeabot\nDisallow: /contact\n", "/contact", 0 },
	{ "token with a version", "User-agent: ProspeaBot/2.1\nDisallow: /contact\n",
	    "/contact", 0 },
	{ "a longer token is another bot", "User-agent: ProspeaBotX\nDisallow: /\n", "/", 1 },
	{ "another bot's group", "User-agent: Googlebot\nDisallow: /\n", "/", 1 },
	{ "consecutive agents share rules",
	    "User-agent: Googlebot\nUser-agent: ProspeaBot\nDisallow: /x\n", "/x/y", 0 },
	{ "agent after rules starts a group",
	    "User-agent: ProspeaBot\nDisallow: /a\nUser-agent: Googlebot\nDisallow: /b\n",
	    "/b", 1 },
	{ "our groups merge",
	    "User-agent: ProspeaBot\nDisallow: /a\n\nUser-agent: ProspeaBot\nDisallow: /b\n",
	    "/b", 0 },
	{ "rules before any agent are ignored", "Disallow: /\n", "/", 1 },
	{ "longest match: allow",
	    "User-agent: *\nDisallow: /\nAllow: /contact\n", "/contact", 1 },
	{ "longest match: disallow",
	    "User-agent: *\nAllow: /\nDisallow: /contact\n", "/contact", 0 },
	{ "longest match, order does not matter",
	    "User-agent: *\nDisallow: /contact\nAllow: /\n", "/contact", 0 },
	{ "tie: allow wins",
	    "User-agent: *\nDisallow: /page\nAllow: /page\n", "/page", 1 },
	{ "wildcard", "User-agent: *\nDisallow: /*.pdf$\n", "/docs/tarifs.pdf", 0 },
	{ "wildcard with a query after", "User-agent: *\nDisallow: /*.pdf$\n",
	    "/docs/tarifs.pdf?v=2", 1 },
	{ "wildcard in the middle", "User-agent: *\nDisallow: /*/contact\n",
	    "/fr/contact", 0 },
	{ "wildcard needs its literal", "User-agent: *\nDisallow: /*/contact\n",
	    "/contact", 1 },
	{ "wildcard backtracks", "User-agent: *\nDisallow: /a*b*c\n", "/aXbYbZc", 0 },
	{ "end anchor, root only", "User-agent: *\nDisallow: /$\n", "/", 0 },
	{ "end anchor, not a prefix", "User-agent: *\nDisallow: /$\n", "/index.html", 1 },
	{ "trailing star", "User-agent: *\nDisallow: /private*\n", "/private", 0 },
	{ "query in rule", "User-agent: *\nDisallow: /*?session=\n", "/p?session=1", 0 },
	{ "comments", "# no bots here\nUser-agent: * # everyone\nDisallow: /contact # form\n",
	    "/contact", 0 },
	{ "comment cuts the value", "User-agent: *\nDisallow: #/contact\n", "/contact", 1 },
	{ "CRLF", "User-agent: *\r\nDisallow: /contact\r\n", "/contact", 0 },
	{ "CR only", "User-agent: *\rDisallow: /contact\r", "/contact", 0 },
	{ "spaces and case of keys", "  USER-AGENT :  *  \n\tdisALLOW\t:\t/contact  \n",
	    "/contact", 0 },
	{ "sitemap between agent and rules",
	    "User-agent: *\nSitemap: https://x.example/s.xml\nDisallow: /contact\n",
	    "/contact", 0 },
	{ "unknown lines", "User-agent: *\nCrawl-delay: 10\nfoo\nDisallow: /contact\n",
	    "/contact", 0 },
	{ "no final newline", "User-agent: *\nDisallow: /contact", "/contact", 0 },
};

static void
test_cases(void **state)
{
	size_t	 i;
	int	 got, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(robots_cases) / sizeof(robots_cases[0]); i++) {
		const struct robots_case *c = &robots_cases[i];
		got = robots_allowed(c->text, strlen(c->text), "ProspeaBot", c->path);
		if (got != c->allowed) {
			fprintf(stderr, "%s: %s is %s, want %s\n", c->why, c->path,
			    got ? "allowed" : "disallowed",
			    c->allowed ? "allowed" : "disallowed");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/*
 * A NUL is an octet like another (the rule "/a<NUL>" matches no path), and
 * the lines after it are read; bytes past len are not.
 */
static void
test_lengths(void **state)
{
	static const char text[] = "User-agent: *\nDisallow: /a\0\nDisallow: /b\n";
	const char	*cut = "User-agent: *\nDisallow: /contact";

	(void)state;
	assert_int_equal(robots_allowed(text, sizeof(text) - 1, "ProspeaBot", "/a"), 1);
	assert_int_equal(robots_allowed(text, sizeof(text) - 1, "ProspeaBot", "/b"), 0);
	/* Cut before the rule: nothing disallowed. */
	assert_int_equal(robots_allowed(cut, 14, "ProspeaBot", "/contact"), 1);
	/* Cut inside the rule's value: "/c" disallows /contact too. */
	assert_int_equal(robots_allowed(cut, 26, "ProspeaBot", "/contact"), 0);
	assert_int_equal(robots_allowed(cut, 26, "ProspeaBot", "/mentions"), 1);
}

static void
test_token(void **state)
{
	char	 out[32];

	(void)state;
	robots_token(out, sizeof(out), "ProspeaBot/0.1 (+https://prospea.fr/bot)");
	assert_string_equal(out, "ProspeaBot");
	robots_token(out, sizeof(out), "Prospea-Test_Bot 1.0");
	assert_string_equal(out, "Prospea-Test_Bot");
	robots_token(out, sizeof(out), "/0.1");
	assert_string_equal(out, "");
	robots_token(out, 5, "ProspeaBot");
	assert_string_equal(out, "Pros");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_token),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
