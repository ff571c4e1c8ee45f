/*
 * Unit tests of htmlmail.c. Each case under tests/unit/htmlmail/ holds a
 * page (input) as fetched from HTMLMAIL_TEST_URL and what
 * htmlmail_extract() must find in it (expected): one line per address in
 * order, "<how> <address>" (how as htmlmail_how_name() names it), then
 * one line per link in order, "link <url>"; an empty file means nothing.
 * Every result is also checked against the header's promises: valid,
 * distinct addresses with lower-case domains, absolute http(s) links
 * without fragments, sorted by score, within the limits.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "email.h"
#include "htmlmail.h"

#define HTMLMAIL_TEST_URL	"https://www.epi-dor.example/fr/accueil.html"

/* Checks what htmlmail.h promises of any result. */
static void
htmlmail_check(const struct htmlmail_res *r)
{
	char		 ki[EMAIL_MAX + 1], kj[EMAIL_MAX + 1];
	const char	*at, *p;
	size_t		 i, j;

	assert_true(r->nfound <= HTMLMAIL_FOUND_MAX);
	assert_true(r->nlinks <= HTMLMAIL_LINKS_MAX);
	for (i = 0; i < r->nfound; i++) {
		assert_true(email_valid(r->found[i].email));
		assert_true(r->found[i].how < HTMLMAIL__MAX);
		at = strrchr(r->found[i].email, '@');
		assert_non_null(at);
		for (p = at; *p != '\0'; p++)
			assert_false(isupper((unsigned char)*p));
		email_key(ki, r->found[i].email);
		for (j = 0; j < i; j++) {
			email_key(kj, r->found[j].email);
			assert_string_not_equal(ki, kj);
		}
	}
	for (i = 0; i < r->nlinks; i++) {
		assert_non_null(r->links[i].url);
		assert_true(strncmp(r->links[i].url, "http://", 7) == 0 ||
		    strncmp(r->links[i].url, "https://", 8) == 0);
		assert_null(strchr(r->links[i].url, '#'));
		assert_true(r->links[i].score > 0);
		if (i > 0)
			assert_true(r->links[i - 1].score >= r->links[i].score);
		for (j = 0; j < i; j++)
			assert_string_not_equal(r->links[i].url, r->links[j].url);
	}
}

static void
test_htmlmail_case(void **state)
{
	struct unit_case	*c = *state;
	struct htmlmail_res	 r;
	char			*got = NULL;
	size_t			 len = 0, i;

	assert_int_equal(htmlmail_extract(&r, c->input, c->inputlen,
	    HTMLMAIL_TEST_URL), 0);
	htmlmail_check(&r);
	unit_append(&got, &len, "");
	for (i = 0; i < r.nfound; i++) {
		if (len > 0)
			unit_append(&got, &len, "\n");
		unit_append(&got, &len, htmlmail_how_name(r.found[i].how));
		unit_append(&got, &len, " ");
		unit_append(&got, &len, r.found[i].email);
	}
	for (i = 0; i < r.nlinks; i++) {
		if (len > 0)
			unit_append(&got, &len, "\n");
		unit_append(&got, &len, "link ");
		unit_append(&got, &len, r.links[i].url);
	}
	assert_string_equal(got, c->expected);
	free(got);
	htmlmail_res_free(&r);
	assert_int_equal(r.nlinks, 0);
}

/* No input, no page URL: nothing, or only absolute links. */
static void
test_htmlmail_edges(void **state)
{
	static const char	 page[] = "<a href=\"/contact\">Contact</a>"
	    "<a href=\"https://www.epi-dor.example/mentions-legales\">"
	    "Mentions l\xc3\xa9gales</a><p>devis@epi-dor.example</p>";
	struct htmlmail_res	 r;

	assert_int_equal(htmlmail_extract(&r, NULL, 0, HTMLMAIL_TEST_URL), 0);
	assert_int_equal(r.nfound, 0);
	assert_int_equal(r.nlinks, 0);
	assert_int_equal(htmlmail_extract(&r, "", 0, NULL), 0);
	assert_int_equal(r.nfound + r.nlinks, 0);

	assert_int_equal(htmlmail_extract(&r, page, sizeof(page) - 1, NULL), 0);
	assert_int_equal(r.nfound, 1);
	assert_string_equal(r.found[0].email, "devis@epi-dor.example");
	assert_int_equal(r.nlinks, 1);
	assert_string_equal(r.links[0].url,
	    "https://www.epi-dor.example/mentions-legales");
	htmlmail_res_free(&r);

	/* A page URL that is no URL counts as none. */
	assert_int_equal(htmlmail_extract(&r, page, sizeof(page) - 1,
	    "not a url"), 0);
	assert_int_equal(r.nlinks, 1);
	htmlmail_res_free(&r);

	/* The length is honoured: the address is past it. */
	assert_int_equal(htmlmail_extract(&r, page, sizeof(page) - 25,
	    HTMLMAIL_TEST_URL), 0);
	assert_int_equal(r.nfound, 0);
	htmlmail_res_free(&r);

	/* NUL bytes in the page do not end it. */
	assert_int_equal(htmlmail_extract(&r, "<p>a\0b</p><p>x@epi-dor.example",
	    30, HTMLMAIL_TEST_URL), 0);
	assert_int_equal(r.nfound, 1);
	htmlmail_res_free(&r);
	htmlmail_res_free(&r);		/* zeroed: no-op */
	htmlmail_res_free(NULL);
}

static void
test_htmlmail_how_name(void **state)
{
	assert_string_equal(htmlmail_how_name(HTMLMAIL_MAILTO), "mailto");
	assert_string_equal(htmlmail_how_name(HTMLMAIL_TEXT), "text");
	assert_string_equal(htmlmail_how_name(HTMLMAIL_OBFUSCATED),
	    "obfuscated");
	assert_string_equal(htmlmail_how_name(HTMLMAIL_CFEMAIL), "cfemail");
	assert_string_equal(htmlmail_how_name(HTMLMAIL__MAX), "");
	assert_string_equal(htmlmail_how_name((enum htmlmail_how)-1), "");
}

/*
 * n nested <div>, then a mailto: link: how its address is found.
 */
static enum htmlmail_how
htmlmail_deep_how(size_t n)
{
	static const char	 tail[] = "<a href=\"mailto:deep@epi-dor.example\">"
	    "\xc3\xa9" "crire</a>";
	struct htmlmail_res	 r;
	enum htmlmail_how	 how;
	size_t			 i;
	char			*page = malloc(n * 5 + sizeof(tail));

	assert_non_null(page);
	for (i = 0; i < n; i++)
		memcpy(page + i * 5, "<div>", 5);
	memcpy(page + n * 5, tail, sizeof(tail));
	assert_int_equal(htmlmail_extract(&r, page, strlen(page),
	    HTMLMAIL_TEST_URL), 0);
	htmlmail_check(&r);
	assert_int_equal(r.nfound, 1);
	assert_string_equal(r.found[0].email, "deep@epi-dor.example");
	how = r.found[0].how;
	htmlmail_res_free(&r);
	free(page);
	return how;
}

/*
 * Nesting gumbo takes quadratic time over is cut (htmlmail.h,
 * HTMLMAIL_DEPTH_MAX): start tags deeper than that are read as text, so
 * the link's address is still found, in the text.
 */
static void
test_htmlmail_deep(void **state)
{
	assert_int_equal(htmlmail_deep_how(HTMLMAIL_DEPTH_MAX - 10),
	    HTMLMAIL_MAILTO);
	assert_int_equal(htmlmail_deep_how(HTMLMAIL_DEPTH_MAX + 10),
	    HTMLMAIL_TEXT);
	assert_int_equal(htmlmail_deep_how(50000), HTMLMAIL_TEXT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_htmlmail_edges),
		cmocka_unit_test(test_htmlmail_how_name),
		cmocka_unit_test(test_htmlmail_deep),
	};
	int	 rc;

	rc = cmocka_run_group_tests_name("htmlmail", tests, NULL, NULL);
	return rc + unit_run_cases("htmlmail", test_htmlmail_case);
}
