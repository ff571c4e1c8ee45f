/*
 * Unit tests of route.c on a small table of /api/v1/things routes: a
 * match gives the route and its {…} segments; an unknown path, a
 * trailing slash, an empty or extra segment give 404; a known path with
 * another method gives 405 and the exact Allow list in table order (RFC
 * 9110 section 15.5.6), where GET brings HEAD; HEAD is served by the GET
 * route; Allow is cut to the buffer given. route_table_ok() accepts the
 * table and refuses malformed ones: no leading slash, braces unclosed,
 * stray or mid-segment, a method+pattern twice, CSRF or admin without a
 * session, a form body on a route with a session, no handler, HEAD or an
 * unknown method.
 */
#include "config.h"

#include <string.h>

#include "unit.h"

#include "arena.h"
#include "route.h"

static int h_list(struct req *r) { return 200; }
static int h_create(struct req *r) { return 201; }
static int h_read(struct req *r) { return 200; }
static int h_delete(struct req *r) { return 204; }
static int h_notes(struct req *r) { return 201; }
static int h_note(struct req *r) { return 200; }

#define SC	(ROUTE_SESSION | ROUTE_CSRF)

static const struct route things[] = {
	{ M_GET, "/api/v1/things", h_list, ROUTE_SESSION, NULL, 0, 0 },
	{ M_POST, "/api/v1/things", h_create, SC, NULL, 0, 0 },
	{ M_GET, "/api/v1/things/{id}", h_read, ROUTE_SESSION, NULL, 0, 0 },
	{ M_DELETE, "/api/v1/things/{id}", h_delete, SC, NULL, 0, 0 },
	{ M_POST, "/api/v1/things/{id}/notes", h_notes, SC, NULL, 0, 0 },
	{ M_PATCH, "/api/v1/things/{id}/notes/{note}", h_note, SC, NULL, 0, 0 },
	{ M_PUT, "/api/v1/things/{id}/notes/{note}", h_note, SC, NULL, 0, 0 },
	{ M_GET, "/api/v1/things/{id}/notes/{note}", h_note, 0, NULL, 0, 0 },
	{ 0, NULL, NULL, 0, NULL, 0, 0 }
};

struct match {
	struct arena		*a;
	const struct route	*r;
	const char		*params[REQ_PARAMS_MAX];
	size_t			 n;
	char			 allow[128];
};

static enum route_rc
match(struct match *m, enum method meth, const char *path)
{
	if (m->a == NULL)
		m->a = arena_new();
	m->r = NULL;
	m->n = 99;
	memset(m->allow, 'x', sizeof(m->allow));
	return route_match(things, meth, path, m->a, &m->r, m->params, &m->n,
	    m->allow, sizeof(m->allow));
}

static void
test_route_found(void **state)
{
	struct match	 m = { 0 };

	assert_int_equal(match(&m, M_GET, "/api/v1/things"), ROUTE_FOUND);
	assert_ptr_equal(m.r, &things[0]);
	assert_int_equal(m.n, 0);
	assert_int_equal(match(&m, M_POST, "/api/v1/things"), ROUTE_FOUND);
	assert_ptr_equal(m.r, &things[1]);
	assert_int_equal(match(&m, M_GET, "/api/v1/things/42"), ROUTE_FOUND);
	assert_ptr_equal(m.r, &things[2]);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.params[0], "42");
	assert_int_equal(match(&m, M_DELETE, "/api/v1/things/42"), ROUTE_FOUND);
	assert_ptr_equal(m.r, &things[3]);
	assert_int_equal(match(&m, M_POST, "/api/v1/things/7/notes"),
	    ROUTE_FOUND);
	assert_ptr_equal(m.r, &things[4]);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.params[0], "7");
	assert_int_equal(match(&m, M_PUT, "/api/v1/things/7/notes/x-9"),
	    ROUTE_FOUND);
	assert_ptr_equal(m.r, &things[6]);
	assert_int_equal(m.n, 2);
	assert_string_equal(m.params[0], "7");
	assert_string_equal(m.params[1], "x-9");
	/* A parameter is any non-empty segment; checking it is the handler's job. */
	assert_int_equal(match(&m, M_GET, "/api/v1/things/not%20a%20number"),
	    ROUTE_FOUND);
	assert_string_equal(m.params[0], "not%20a%20number");
	assert_int_equal(match(&m, M_GET, "/api/v1/things/{id}"), ROUTE_FOUND);
	assert_string_equal(m.params[0], "{id}");
	arena_free(m.a);
}

/* Parameters are copies in the arena, not pointers into the path. */
static void
test_route_params_copied(void **state)
{
	struct match	 m = { 0 };
	char		 path[] = "/api/v1/things/123/notes/456";

	assert_int_equal(match(&m, M_GET, path), ROUTE_FOUND);
	memset(path, '#', sizeof(path) - 1);
	assert_string_equal(m.params[0], "123");
	assert_string_equal(m.params[1], "456");
	arena_free(m.a);
}

static void
test_route_head(void **state)
{
	struct match	 m = { 0 };

	assert_int_equal(match(&m, M_HEAD, "/api/v1/things"), ROUTE_FOUND);
	assert_ptr_equal(m.r, &things[0]);
	assert_int_equal(match(&m, M_HEAD, "/api/v1/things/5"), ROUTE_FOUND);
	assert_ptr_equal(m.r, &things[2]);
	assert_string_equal(m.params[0], "5");
	/* No GET, no HEAD. */
	assert_int_equal(match(&m, M_HEAD, "/api/v1/things/5/notes"),
	    ROUTE_BAD_METHOD);
	assert_string_equal(m.allow, "POST");
	arena_free(m.a);
}

static void
test_route_not_found(void **state)
{
	static const char *const paths[] = {
		"", "/", "/api", "/api/v1", "/api/v1/", "/api/v1/thing",
		"/api/v1/thingsx", "/api/v1/things/", "/api/v1/things//",
		"/api/v1/things/42/", "/api/v1/things//notes",
		"/api/v1/things/42/notes/", "/api/v1/things/42/notes/1/x",
		"/api/v1/things/42/other", "/API/v1/things", "api/v1/things",
		"//api/v1/things", "/api/v1/things?x=1/", "/api/v2/things",
		"/api/v1/things/42/notes//", "/api/v1//things",
	};
	struct match	 m = { 0 };
	size_t		 i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (match(&m, M_GET, paths[i]) != ROUTE_NOT_FOUND)
			fail_msg("GET %s: expected 404", paths[i]);
		if (match(&m, M_POST, paths[i]) != ROUTE_NOT_FOUND)
			fail_msg("POST %s: expected 404", paths[i]);
	}
	arena_free(m.a);
}

static void
test_route_bad_method(void **state)
{
	struct match	 m = { 0 };

	assert_int_equal(match(&m, M_PUT, "/api/v1/things"), ROUTE_BAD_METHOD);
	assert_string_equal(m.allow, "GET, HEAD, POST");
	assert_int_equal(match(&m, M_DELETE, "/api/v1/things"), ROUTE_BAD_METHOD);
	assert_string_equal(m.allow, "GET, HEAD, POST");
	assert_int_equal(match(&m, M_POST, "/api/v1/things/42"), ROUTE_BAD_METHOD);
	assert_string_equal(m.allow, "GET, HEAD, DELETE");
	assert_int_equal(match(&m, M_GET, "/api/v1/things/42/notes"),
	    ROUTE_BAD_METHOD);
	assert_string_equal(m.allow, "POST");
	assert_int_equal(match(&m, M_DELETE, "/api/v1/things/4/notes/2"),
	    ROUTE_BAD_METHOD);
	assert_string_equal(m.allow, "PATCH, PUT, GET, HEAD");
	/* A method the program does not serve at all. */
	assert_int_equal(match(&m, M__MAX, "/api/v1/things"), ROUTE_BAD_METHOD);
	assert_string_equal(m.allow, "GET, HEAD, POST");
	arena_free(m.a);
}

/* Allow is cut to the buffer, NUL included, and stays a prefix. */
static void
test_route_allow_truncated(void **state)
{
	struct arena		*a = arena_new();
	const struct route	*r;
	const char		*params[REQ_PARAMS_MAX];
	const char		*full = "GET, HEAD, POST";
	size_t			 n, len;
	char			 allow[32];

	for (len = 1; len <= strlen(full) + 1; len++) {
		memset(allow, 'x', sizeof(allow));
		assert_int_equal(route_match(things, M_PUT, "/api/v1/things", a,
		    &r, params, &n, allow, len), ROUTE_BAD_METHOD);
		assert_true(strlen(allow) < len);
		assert_memory_equal(allow, full, strlen(allow));
		assert_int_equal(allow[len], 'x');
	}
	assert_string_equal(allow, full);
	/* No room at all: nothing is written. */
	memset(allow, 'x', sizeof(allow));
	assert_int_equal(route_match(things, M_PUT, "/api/v1/things", a, &r,
	    params, &n, allow, 0), ROUTE_BAD_METHOD);
	assert_int_equal(allow[0], 'x');
	arena_free(a);
}

/* More {…} segments than REQ_PARAMS_MAX never match, and never overflow. */
static void
test_route_too_many_params(void **state)
{
	static const struct route deep[] = {
		{ M_GET, "/{a}/{b}/{c}/{d}/{e}", h_read, 0, NULL, 0, 0 },
		{ M_GET, "/{a}/{b}/{c}/{d}", h_read, 0, NULL, 0, 0 },
		{ 0, NULL, NULL, 0, NULL, 0, 0 }
	};
	struct arena		*a = arena_new();
	const struct route	*r = NULL;
	const char		*params[REQ_PARAMS_MAX + 1];
	size_t			 n = 0;
	char			 allow[64];

	params[REQ_PARAMS_MAX] = "canary";
	assert_int_equal(route_match(deep, M_GET, "/1/2/3/4", a, &r, params, &n,
	    allow, sizeof(allow)), ROUTE_FOUND);
	assert_ptr_equal(r, &deep[1]);
	assert_int_equal(n, 4);
	assert_string_equal(params[3], "4");
	assert_int_equal(route_match(deep, M_GET, "/1/2/3/4/5", a, &r, params,
	    &n, allow, sizeof(allow)), ROUTE_NOT_FOUND);
	assert_string_equal(params[REQ_PARAMS_MAX], "canary");
	arena_free(a);
}

static void
test_route_table_ok(void **state)
{
	static const struct route empty[] = {
		{ 0, NULL, NULL, 0, NULL, 0, 0 }
	};
	static const struct route public_form[] = {
		{ M_POST, "/u/{token}", h_create, ROUTE_FORM, NULL, 0, 0 },
		{ 0, NULL, NULL, 0, NULL, 0, 0 }
	};
	static const struct route same_pattern_other_method[] = {
		{ M_GET, "/a/{id}", h_read, 0, NULL, 0, 0 },
		{ M_PUT, "/a/{id}", h_read, SC, NULL, 0, 0 },
		{ 0, NULL, NULL, 0, NULL, 0, 0 }
	};

	assert_int_equal(route_table_ok(things), 1);
	assert_int_equal(route_table_ok(empty), 1);
	assert_int_equal(route_table_ok(public_form), 1);
	assert_int_equal(route_table_ok(same_pattern_other_method), 1);
}

struct bad_table {
	struct route	 r[3];
	const char	*why;
};

static void
test_route_table_bad(void **state)
{
	static const struct bad_table bad[] = {
		{ { { M_GET, "api/v1/things", h_list, 0, NULL, 0, 0 } },
		    "no leading slash" },
		{ { { M_GET, "", h_list, 0, NULL, 0, 0 } }, "empty pattern" },
		{ { { M_GET, "/things/{id", h_list, 0, NULL, 0, 0 } },
		    "unclosed brace" },
		{ { { M_GET, "/things/{id/notes", h_list, 0, NULL, 0, 0 } },
		    "unclosed brace mid-pattern" },
		{ { { M_GET, "/things/id}", h_list, 0, NULL, 0, 0 } },
		    "stray closing brace" },
		{ { { M_GET, "/things/{{id}}", h_list, 0, NULL, 0, 0 } },
		    "nested braces" },
		{ { { M_GET, "/things/x{id}", h_list, 0, NULL, 0, 0 } },
		    "brace mid-segment" },
		{ { { M_GET, "/things/{id}x", h_list, 0, NULL, 0, 0 } },
		    "text after brace" },
		{ { { M_GET, "/things/{id}", h_list, 0, NULL, 0, 0 },
		    { M_GET, "/things/{id}", h_read, 0, NULL, 0, 0 } },
		    "same method and pattern twice" },
		{ { { M_POST, "/things", h_create, ROUTE_CSRF, NULL, 0, 0 } },
		    "CSRF without session" },
		{ { { M_GET, "/things", h_list, ROUTE_ADMIN, NULL, 0, 0 } },
		    "admin without session" },
		{ { { M_POST, "/u/{t}", h_create, ROUTE_FORM | ROUTE_SESSION |
		    ROUTE_CSRF, NULL, 0, 0 } }, "form body with a session" },
		{ { { M_POST, "/u/{t}", h_create, ROUTE_FORM | ROUTE_SESSION_OPT,
		    NULL, 0, 0 } }, "form body with an optional session" },
		{ { { M_GET, "/things", NULL, 0, NULL, 0, 0 } }, "no handler" },
		{ { { M_HEAD, "/things", h_list, 0, NULL, 0, 0 } },
		    "HEAD route" },
		{ { { M__MAX, "/things", h_list, 0, NULL, 0, 0 } },
		    "unknown method" },
	};
	size_t	 i, accepted = 0;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (route_table_ok(bad[i].r) != 0) {
			fprintf(stderr, "table accepted: %s\n", bad[i].why);
			accepted++;
		}
	assert_int_equal(accepted, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_found),
		cmocka_unit_test(test_route_params_copied),
		cmocka_unit_test(test_route_head),
		cmocka_unit_test(test_route_not_found),
		cmocka_unit_test(test_route_bad_method),
		cmocka_unit_test(test_route_allow_truncated),
		cmocka_unit_test(test_route_too_many_params),
		cmocka_unit_test(test_route_table_ok),
		cmocka_unit_test(test_route_table_bad),
	};

	return cmocka_run_group_tests_name("route", tests, NULL, NULL);
}
