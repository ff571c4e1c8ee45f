/*
 * Unit tests of form.c. The cases under tests/unit/form/ each hold a
 * request's Content-Type on the first line of input, then its body as
 * the rest of the file, byte for byte (CRLFs as sent); expected is the
 * word ERROR or one line per pair in order, key and value written as JSON
 * strings ("k"="v"), an empty file for no pairs, as the query cases.
 * The table test checks form_type() on the Content-Types a route must
 * let through or not.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "arena.h"
#include "form.h"

static void
test_form_case(void **state)
{
	struct unit_case	*c = *state;
	struct arena		*a = arena_new();
	struct kv		*kv;
	char			*ctype, *body, *got = NULL;
	size_t			 n, len = 0;

	body = memchr(c->input, '\n', c->inputlen);
	assert_non_null(body);
	ctype = arena_strndup(a, c->input, (size_t)(body - c->input));
	body++;
	if (form_parse(a, ctype, body, c->inputlen - (size_t)(body - c->input),
	    &kv, &n) == -1)
		unit_append(&got, &len, "ERROR");
	else
		unit_append_pairs(&got, &len, kv, n);
	assert_string_equal(got, c->expected);
	free(got);
	arena_free(a);
}

static void
test_form_type(void **state)
{
	static const struct {
		const char	*ctype;
		enum form_type	 want;
	} cases[] = {
		{ "application/x-www-form-urlencoded", FORM_URLENCODED },
		{ "Application/X-WWW-Form-Urlencoded; charset=UTF-8",
		    FORM_URLENCODED },
		{ "multipart/form-data; boundary=x", FORM_MULTIPART },
		{ "multipart/form-data", FORM_MULTIPART },
		{ "application/x-www-form-urlencodedx", FORM_NONE },
		{ "multipart/mixed; boundary=x", FORM_NONE },
		{ "application/json", FORM_NONE },
		{ "", FORM_NONE },
		{ NULL, FORM_NONE },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(form_type(cases[i].ctype), cases[i].want);
}

/* A content type that is no form never parses, whatever the body. */
static void
test_form_not_a_form(void **state)
{
	struct arena	*a = arena_new();
	struct kv	*kv;
	size_t		 n;

	assert_int_equal(form_parse(a, "text/plain", "a=b", 3, &kv, &n), -1);
	assert_int_equal(form_parse(a, NULL, "a=b", 3, &kv, &n), -1);
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_type),
		cmocka_unit_test(test_form_not_a_form),
	};
	int	 rc;

	rc = cmocka_run_group_tests_name("form", tests, NULL, NULL);
	return rc + unit_run_cases("form", test_form_case);
}
