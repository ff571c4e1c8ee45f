/*
 * Unit tests of field.c. The cases under tests/unit/field/ each hold a
 * request body (input, bytes as sent) checked by field_parse() against the
 * table test_fields below, and the outcome (expected): MALFORMED; INVALID
 * followed by one "field:code" line per reported problem, sorted; or OK
 * followed by the names of the table fields that received a value,
 * sorted. The body is handed over in a buffer of exactly its length, with
 * no NUL after it, as req.c does. The tests below cover the order of the
 * reported problems, fields that accept null, the depth pre-check and
 * field_utf8_len() directly, and hostile sizes (a megabyte of '[').
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "field.h"

enum tf {
	TF_TEXT, TF_EMAIL, TF_ENUM, TF_BOOL, TF_TRUE, TF_INT, TF_TOKEN,
	TF_DIGITS, TF_ID, TF_PASSWORD, TF_MULTILINE, TF__MAX
};

static const char *const test_frequencies[] = { "daily", "weekly", NULL };

static const struct field test_fields[TF__MAX] = {
	[TF_TEXT]	= { "text", field_text, FIELD_REQ, 1, 10, NULL },
	[TF_EMAIL]	= { "email", field_email, 0, 0, 254, NULL },
	[TF_ENUM]	= { "enum", field_enum, 0, 0, 0, test_frequencies },
	[TF_BOOL]	= { "bool", field_bool, 0, 0, 0, NULL },
	[TF_TRUE]	= { "true", field_true, 0, 0, 0, NULL },
	[TF_INT]	= { "int", field_int, 0, 1, 5, NULL },
	[TF_TOKEN]	= { "token", field_token, 0, 43, 43, NULL },
	[TF_DIGITS]	= { "digits", field_digits, 0, 6, 6, NULL },
	[TF_ID]		= { "id", field_id, 0, 0, 0, NULL },
	[TF_PASSWORD]	= { "password", field_password, 0, 8, 1024, NULL },
	[TF_MULTILINE]	= { "multiline", field_multiline, FIELD_NULL, 0, 200, NULL },
};

/* field_parse() on a copy of exactly len bytes, so over-reads show. */
static enum field_rc
field_parse_exact(struct field_res *res, json_t **vals, const char *buf,
    size_t len, const struct field *tbl, size_t n)
{
	char		*copy = malloc(len == 0 ? 1 : len);
	enum field_rc	 rc;

	assert_non_null(copy);
	memcpy(copy, buf, len);
	rc = field_parse(res, vals, copy, len, tbl, n);
	free(copy);
	return rc;
}

static void
test_field_case(void **state)
{
	struct unit_case	*c = *state;
	struct field_res	 res;
	json_t			*vals[TF__MAX], *e;
	char			*got = NULL, *lines = NULL;
	size_t			 len = 0, llen = 0, i;
	enum field_rc		 rc;

	memset(vals, 0xa5, sizeof(vals));
	rc = field_parse_exact(&res, vals, c->input, c->inputlen, test_fields,
	    TF__MAX);
	unit_append(&lines, &llen, "");
	switch (rc) {
	case FIELD_OK:
		unit_append(&got, &len, "OK");
		assert_true(json_is_object(res.root));
		assert_true(res.errors == NULL || json_array_size(res.errors) == 0);
		assert_ptr_equal(res.vals, vals);
		for (i = 0; i < TF__MAX; i++) {
			if (vals[i] == NULL) {
				assert_null(json_object_get(res.root,
				    test_fields[i].name));
				continue;
			}
			assert_ptr_equal(vals[i], json_object_get(res.root,
			    test_fields[i].name));
			unit_append(&lines, &llen, "\n");
			unit_append(&lines, &llen, test_fields[i].name);
		}
		break;
	case FIELD_MALFORMED:
		unit_append(&got, &len, "MALFORMED");
		assert_true(res.detail[0] != '\0');
		break;
	case FIELD_INVALID:
		unit_append(&got, &len, "INVALID");
		assert_true(json_array_size(res.errors) > 0);
		json_array_foreach(res.errors, i, e) {
			const char *f = json_string_value(json_object_get(e, "field"));
			const char *code = json_string_value(json_object_get(e, "code"));
			const char *msg = json_string_value(json_object_get(e, "message"));
			assert_non_null(f);
			assert_non_null(code);
			assert_non_null(msg);
			assert_true(*msg != '\0');
			unit_append(&lines, &llen, "\n");
			unit_append(&lines, &llen, f);
			unit_append(&lines, &llen, ":");
			unit_append(&lines, &llen, code);
		}
		break;
	default:
		fail_msg("field_parse returned %d", (int)rc);
	}
	if (rc == FIELD_MALFORMED)
		for (i = 0; i < TF__MAX; i++)
			if (vals[i] != NULL)
				fail_msg("vals[%zu] set on MALFORMED", i);
	unit_sort_lines(lines);
	if (*lines != '\0') {
		unit_append(&got, &len, "\n");
		unit_append(&got, &len, lines);
	}
	assert_string_equal(got, c->expected);
	field_res_free(&res);
	field_res_free(&res);
	free(got);
	free(lines);
}

/* Unknown keys come first, then the table's problems in table order. */
static void
test_field_error_order(void **state)
{
	static const char body[] = "{\"int\": 9, \"zzz\": 1, \"email\": \"x\"}";
	struct field_res	 res;
	json_t			*vals[TF__MAX];
	static const char *const want[][2] = {
		{ "zzz", "unknown_field" },
		{ "text", "required" },
		{ "email", "email" },
		{ "int", "range" },
	};
	size_t			 i;

	assert_int_equal(field_parse_exact(&res, vals, body, sizeof(body) - 1,
	    test_fields, TF__MAX), FIELD_INVALID);
	assert_int_equal(json_array_size(res.errors), 4);
	for (i = 0; i < 4; i++) {
		json_t *e = json_array_get(res.errors, i);
		assert_string_equal(json_string_value(json_object_get(e, "field")),
		    want[i][0]);
		assert_string_equal(json_string_value(json_object_get(e, "code")),
		    want[i][1]);
	}
	field_res_free(&res);
}

/* null: the value for a FIELD_NULL field, "type" for the others. */
static void
test_field_null(void **state)
{
	static const char ok[] = "{\"text\": \"a\", \"multiline\": null}";
	static const char bad[] = "{\"text\": null, \"email\": null}";
	struct field_res	 res;
	json_t			*vals[TF__MAX];

	assert_int_equal(field_parse_exact(&res, vals, ok, sizeof(ok) - 1,
	    test_fields, TF__MAX), FIELD_OK);
	assert_non_null(vals[TF_MULTILINE]);
	assert_true(json_is_null(vals[TF_MULTILINE]));
	assert_string_equal(json_string_value(vals[TF_TEXT]), "a");
	assert_null(vals[TF_EMAIL]);
	field_res_free(&res);

	assert_int_equal(field_parse_exact(&res, vals, bad, sizeof(bad) - 1,
	    test_fields, TF__MAX), FIELD_INVALID);
	assert_int_equal(json_array_size(res.errors), 2);
	field_res_free(&res);
}

/* An enum's message names what is allowed. */
static void
test_field_enum_names_values(void **state)
{
	static const char bad[] = "{\"enum\": \"monthly\"}";
	struct field_res	 res;
	json_t			*vals[TF__MAX], *e = NULL, *x;
	size_t			 i;

	(void)state;
	assert_int_equal(field_parse_exact(&res, vals, bad, sizeof(bad) - 1,
	    test_fields, TF__MAX), FIELD_INVALID);
	json_array_foreach(res.errors, i, x)
		if (strcmp(json_string_value(json_object_get(x, "field")),
		    "enum") == 0)
			e = x;
	assert_non_null(e);
	assert_string_equal(json_string_value(json_object_get(e, "code")), "enum");
	assert_string_equal(json_string_value(json_object_get(e, "message")),
	    "must be one of: daily, weekly");
	field_res_free(&res);
}

/* An empty table accepts only an empty object (or an empty body). */
static void
test_field_empty_table(void **state)
{
	struct field_res	 res;
	json_t			*vals[1];

	assert_int_equal(field_parse(&res, vals, "", 0, NULL, 0), FIELD_OK);
	assert_true(json_is_object(res.root));
	assert_int_equal(json_object_size(res.root), 0);
	field_res_free(&res);
	assert_int_equal(field_parse(&res, vals, "{}", 2, NULL, 0), FIELD_OK);
	field_res_free(&res);
	assert_int_equal(field_parse(&res, vals, "{\"a\":1}", 7, NULL, 0),
	    FIELD_INVALID);
	field_res_free(&res);
}

/* Only the first len bytes are the body. */
static void
test_field_len_honoured(void **state)
{
	static const char buf[] = "{\"text\": \"a\"}garbage";
	struct field_res	 res;
	json_t			*vals[TF__MAX];

	assert_int_equal(field_parse(&res, vals, buf, 13, test_fields, TF__MAX),
	    FIELD_OK);
	field_res_free(&res);
	assert_int_equal(field_parse(&res, vals, buf, 14, test_fields, TF__MAX),
	    FIELD_MALFORMED);
	field_res_free(&res);
}

/* A megabyte of '[' (or of '{"a":') is refused quickly, without recursion. */
static void
test_field_hostile_depth(void **state)
{
	size_t			 n = 1 << 20, i;
	char			*buf = malloc(n);
	struct field_res	 res;
	json_t			*vals[TF__MAX];

	assert_non_null(buf);
	memset(buf, '[', n);
	assert_int_equal(field_parse_exact(&res, vals, buf, n, test_fields,
	    TF__MAX), FIELD_MALFORMED);
	field_res_free(&res);
	for (i = 0; i + 5 <= n; i += 5)
		memcpy(buf + i, "{\"a\":", 5);
	assert_int_equal(field_parse_exact(&res, vals, buf, i, test_fields,
	    TF__MAX), FIELD_MALFORMED);
	field_res_free(&res);
	free(buf);
}

struct depth_case {
	const char	*buf;
	int		 max;
	int		 ok;
};

static void
test_field_depth_ok(void **state)
{
	static const struct depth_case cases[] = {
		{ "", 0, 1 },
		{ "1", 0, 1 },
		{ "{}", 0, 0 },
		{ "{}", 1, 1 },
		{ "[[]]", 1, 0 },
		{ "[[]]", 2, 1 },
		{ "[][][][]", 1, 1 },		/* siblings do not add up */
		{ "{\"a\":[{}]}", 2, 0 },
		{ "{\"a\":[{}]}", 3, 1 },
		{ "{\"[[[[\":1}", 1, 1 },	/* brackets in strings */
		{ "{\"\\\"[[[\":1}", 1, 1 },	/* after an escaped quote */
		{ "{\"\\\\\":[[1]]}", 2, 0 },	/* escaped backslash ends */
		{ "{\"\\\\\":[[1]]}", 3, 1 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (field_depth_ok(cases[i].buf, strlen(cases[i].buf),
		    cases[i].max) != cases[i].ok)
			fail_msg("field_depth_ok(%s, %d) != %d", cases[i].buf,
			    cases[i].max, cases[i].ok);
	/* The length is honoured. */
	assert_int_equal(field_depth_ok("[[", 1, 1), 1);
	assert_int_equal(field_depth_ok("[[", 2, 1), 0);
}

static void
test_field_utf8_len(void **state)
{
	assert_int_equal(field_utf8_len(""), 0);
	assert_int_equal(field_utf8_len("abc"), 3);
	assert_int_equal(field_utf8_len("\xc3\xa9"), 1);		/* é */
	assert_int_equal(field_utf8_len("\xe2\x82\xac"), 1);		/* € */
	assert_int_equal(field_utf8_len("\xf0\x9f\x98\x80"), 1);	/* 😀 */
	assert_int_equal(field_utf8_len("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z"),
	    5);
	/* e + combining acute: two code points. */
	assert_int_equal(field_utf8_len("e\xcc\x81"), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_error_order),
		cmocka_unit_test(test_field_null),
		cmocka_unit_test(test_field_enum_names_values),
		cmocka_unit_test(test_field_empty_table),
		cmocka_unit_test(test_field_len_honoured),
		cmocka_unit_test(test_field_hostile_depth),
		cmocka_unit_test(test_field_depth_ok),
		cmocka_unit_test(test_field_utf8_len),
	};
	int	 rc;

	rc = cmocka_run_group_tests_name("field", tests, NULL, NULL);
	return rc + unit_run_cases("field", test_field_case);
}
