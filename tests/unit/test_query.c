/*
 * Unit tests of query.c. The cases under tests/unit/query/ each hold a raw
 * query string (input, no trailing newline) and what query_parse() must
 * make of it (expected): the single word ERROR, or one line per pair in
 * order, key and value decoded and written as JSON strings ("k"="v"), so
 * an '=' or a space in a decoded key or value stays unambiguous; an empty
 * file means no pairs. For every parsed case, query_get() must return the
 * first value of each key and flag the keys that appear more than once.
 * The table tests below check query_utf8_ok() on the boundaries of RFC
 * 3629 section 4 (overlongs, surrogates, beyond U+10FFFF, truncation).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "arena.h"
#include "query.h"

static void
test_query_case(void **state)
{
	struct unit_case	*c = *state;
	struct arena		*a = arena_new();
	struct kv		*kv = (struct kv *)1;
	size_t			 n = 99, i, j, len = 0;
	char			*got = NULL;
	const char		*v;
	int			 dup, want_dup;

	assert_int_equal(strlen(c->input), c->inputlen);
	if (query_parse(a, c->input, &kv, &n) == -1)
		unit_append(&got, &len, "ERROR");
	else
		unit_append_pairs(&got, &len, kv, n);
	assert_string_equal(got, c->expected);

	if (strcmp(c->expected, "ERROR") != 0) {
		/* The pairs matched the expected file: check lookups on them. */
		for (i = 0; i < n; i++) {
			want_dup = 0;
			for (j = 0; j < n; j++)
				if (j != i && strcmp(kv[j].key, kv[i].key) == 0)
					want_dup = 1;
			for (j = 0; strcmp(kv[j].key, kv[i].key) != 0; j++)
				continue;
			dup = -1;
			v = query_get(kv, n, kv[i].key, &dup);
			assert_ptr_equal(v, kv[j].val);
			assert_int_equal(dup, want_dup);
			assert_ptr_equal(query_get(kv, n, kv[i].key, NULL), v);
		}
		dup = -1;
		assert_null(query_get(kv, n, "\x01not a key", &dup));
		assert_int_equal(dup, 0);
	}
	free(got);
	arena_free(a);
}

static void
test_query_null_and_empty(void **state)
{
	struct arena	*a = arena_new();
	struct kv	*kv = (struct kv *)1;
	size_t		 n = 99;

	assert_int_equal(query_parse(a, NULL, &kv, &n), 0);
	assert_int_equal(n, 0);
	kv = (struct kv *)1;
	n = 99;
	assert_int_equal(query_parse(a, "", &kv, &n), 0);
	assert_int_equal(n, 0);
	assert_null(query_get(kv, n, "a", NULL));
	arena_free(a);
}

/* A long value (far beyond an arena chunk) decodes whole. */
static void
test_query_long_value(void **state)
{
	struct arena	*a = arena_new();
	struct kv	*kv;
	size_t		 n, i, len = 30000;
	char		*qs = malloc(2 + len * 3 + 1);

	assert_non_null(qs);
	memcpy(qs, "v=", 2);
	for (i = 0; i < len; i++)
		memcpy(qs + 2 + i * 3, "%41", 3);
	qs[2 + len * 3] = '\0';
	assert_int_equal(query_parse(a, qs, &kv, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(strlen(kv[0].val), len);
	assert_int_equal(strspn(kv[0].val, "A"), len);
	free(qs);
	arena_free(a);
}

struct utf8_case {
	const char	*bytes;
	size_t		 len;
	int		 ok;
};

#define U(s, ok)	{ s, sizeof(s) - 1, ok }

static const struct utf8_case utf8_cases[] = {
	U("", 1),
	U("plain ASCII", 1),
	U("\x7f", 1),
	U("\xc2\x80", 1),			/* U+0080 */
	U("\xdf\xbf", 1),			/* U+07FF */
	U("\xe0\xa0\x80", 1),			/* U+0800 */
	U("\xed\x9f\xbf", 1),			/* U+D7FF */
	U("\xee\x80\x80", 1),			/* U+E000 */
	U("\xef\xbf\xbf", 1),			/* U+FFFF */
	U("\xf0\x90\x80\x80", 1),		/* U+10000 */
	U("\xf4\x8f\xbf\xbf", 1),		/* U+10FFFF */
	U("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 1),
	U("\x80", 0),				/* lone continuation */
	U("\xbf", 0),
	U("\xc0\x80", 0),			/* overlong NUL */
	U("\xc1\xbf", 0),			/* overlong U+007F */
	U("\xe0\x80\x80", 0),			/* overlong */
	U("\xe0\x9f\xbf", 0),			/* overlong U+07FF */
	U("\xf0\x80\x80\x80", 0),		/* overlong */
	U("\xf0\x8f\xbf\xbf", 0),		/* overlong U+FFFF */
	U("\xed\xa0\x80", 0),			/* U+D800 */
	U("\xed\xbf\xbf", 0),			/* U+DFFF */
	U("\xf4\x90\x80\x80", 0),		/* U+110000 */
	U("\xf5\x80\x80\x80", 0),
	U("\xf8\x88\x80\x80\x80", 0),
	U("\xfe", 0),
	U("\xff", 0),
	U("\xc3", 0),				/* truncated */
	U("a\xe2\x82", 0),
	U("\xf0\x9f\x98", 0),
	U("\xc3\x28", 0),			/* bad continuation */
	U("\xe2\x28\xa1", 0),
	U("\xe2\x82\x28", 0),
	U("\xf0\x28\x8c\xbc", 0),
	U("\xc3\xa9\xc3", 0),			/* good, then truncated */
};

static void
test_query_utf8_ok(void **state)
{
	size_t	 i;

	for (i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
		if (query_utf8_ok((const unsigned char *)utf8_cases[i].bytes,
		    utf8_cases[i].len) != utf8_cases[i].ok)
			fail_msg("query_utf8_ok case %zu: expected %d", i,
			    utf8_cases[i].ok);
	}
}

/* The length is honoured: a valid prefix of an invalid buffer is valid. */
static void
test_query_utf8_len(void **state)
{
	const unsigned char	 s[] = "ab\xc3\xa9\xff";

	assert_int_equal(query_utf8_ok(s, 4), 1);
	assert_int_equal(query_utf8_ok(s, 5), 0);
	assert_int_equal(query_utf8_ok(s, 3), 0);
	assert_int_equal(query_utf8_ok(s, 0), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_null_and_empty),
		cmocka_unit_test(test_query_long_value),
		cmocka_unit_test(test_query_utf8_ok),
		cmocka_unit_test(test_query_utf8_len),
	};
	int	 rc;

	rc = cmocka_run_group_tests_name("query", tests, NULL, NULL);
	return rc + unit_run_cases("query", test_query_case);
}
