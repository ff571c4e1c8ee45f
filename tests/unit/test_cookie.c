/*
 * Unit tests of cookie.c. The cases under tests/unit/cookie/ each hold a
 * Cookie header value (input, no trailing newline) and what cookie_find()
 * must say about the session cookie __Host-prospea_session in it
 * (expected): "FOUND <value>" ("FOUND" alone for an empty value),
 * ABSENT, AMBIGUOUS or MALFORMED. The tests below check a NULL header
 * and the exact Set-Cookie value cookie_set_header() builds (the
 * attributes RFC 6265bis section 4.1.3.2 requires of a "__Host-" cookie),
 * and that it aborts, in a child process, on a name or value that is not
 * made of cookie-octets.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

#include "arena.h"
#include "cookie.h"

#define SESSION	"__Host-prospea_session"

static void
test_cookie_case(void **state)
{
	static const char *const names[] = {
		[COOKIE_FOUND] = "FOUND",
		[COOKIE_ABSENT] = "ABSENT",
		[COOKIE_AMBIGUOUS] = "AMBIGUOUS",
		[COOKIE_MALFORMED] = "MALFORMED",
	};
	struct unit_case	*c = *state;
	struct arena		*a = arena_new();
	const char		*val = "unset";
	char			*got = NULL;
	size_t			 len = 0;
	enum cookie_rc		 rc;

	assert_int_equal(strlen(c->input), c->inputlen);
	rc = cookie_find(a, c->input, SESSION, &val);
	assert_in_range(rc, COOKIE_FOUND, COOKIE_MALFORMED);
	unit_append(&got, &len, names[rc]);
	if (rc == COOKIE_FOUND) {
		assert_non_null(val);
		if (*val != '\0') {
			unit_append(&got, &len, " ");
			unit_append(&got, &len, val);
		}
	}
	assert_string_equal(got, c->expected);
	free(got);
	arena_free(a);
}

static void
test_cookie_null_header(void **state)
{
	struct arena	*a = arena_new();
	const char	*val = "unset";

	assert_int_equal(cookie_find(a, NULL, SESSION, &val), COOKIE_ABSENT);
	assert_null(val);
	arena_free(a);
}

/* The value returned is a copy: it outlives the header it came from. */
static void
test_cookie_value_copied(void **state)
{
	struct arena	*a = arena_new();
	const char	*val;
	char		 hdr[] = SESSION "=abc; b=c";

	assert_int_equal(cookie_find(a, hdr, SESSION, &val), COOKIE_FOUND);
	memset(hdr, 'x', sizeof(hdr) - 1);
	assert_string_equal(val, "abc");
	arena_free(a);
}

static void
test_cookie_set_header(void **state)
{
	struct arena	*a = arena_new();

	assert_string_equal(cookie_set_header(a, SESSION,
	    "pZ3_x-Q9yk0aBcDeFgHiJkLmNoPqRsTuVwXyZ012345", 2592000),
	    SESSION "=pZ3_x-Q9yk0aBcDeFgHiJkLmNoPqRsTuVwXyZ012345; Path=/; "
	    "Max-Age=2592000; Secure; HttpOnly; SameSite=Lax");
	assert_string_equal(cookie_set_header(a, SESSION, "", 0),
	    SESSION "=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax");
	/* A negative age must not reach the browser: it expires at once. */
	assert_string_equal(cookie_set_header(a, SESSION, "x", -5),
	    SESSION "=x; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax");
	/* A __Host- cookie must not carry Domain. */
	assert_null(strstr(cookie_set_header(a, SESSION, "x", 60), "Domain"));
	arena_free(a);
}

/* 1 if cookie_set_header(name, value) aborts in a child process. */
static int
cookie_aborts(const char *name, const char *value)
{
	pid_t	 pid;
	int	 status;

	if ((pid = fork()) == -1)
		fail_msg("fork failed");
	if (pid == 0) {
		struct arena *a = arena_new();
		/* cmocka's handler would resume the test runner in the child. */
		signal(SIGABRT, SIG_DFL);
		cookie_set_header(a, name, value, 60);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		fail_msg("waitpid failed");
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void
test_cookie_set_header_aborts(void **state)
{
	assert_false(cookie_aborts(SESSION, "abc"));
	assert_true(cookie_aborts(SESSION, "a;b"));
	assert_true(cookie_aborts(SESSION, "a b"));
	assert_true(cookie_aborts(SESSION, "a,b"));
	assert_true(cookie_aborts(SESSION, "a\"b"));
	assert_true(cookie_aborts(SESSION, "a\\b"));
	assert_true(cookie_aborts(SESSION, "a\r\nSet-Cookie: x=y"));
	assert_true(cookie_aborts(SESSION, "\xc3\xa9"));
	assert_true(cookie_aborts("a=b", "c"));
	assert_true(cookie_aborts("a b", "c"));
	assert_true(cookie_aborts("a;b", "c"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cookie_null_header),
		cmocka_unit_test(test_cookie_value_copied),
		cmocka_unit_test(test_cookie_set_header),
		cmocka_unit_test(test_cookie_set_header_aborts),
	};
	int	 rc;

	rc = cmocka_run_group_tests_name("cookie", tests, NULL, NULL);
	return rc + unit_run_cases("cookie", test_cookie_case);
}
