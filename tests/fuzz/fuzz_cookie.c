/*
 * Fuzz target for Cookie headers (cookie.h): the input, cut at its first
 * NUL, is searched for the session cookie. A value found must be made of
 * RFC 6265 cookie-octets only, must be accepted by cookie_set_header(),
 * and the Set-Cookie value built from it must read back as the same
 * cookie. A few other names (empty, short, a prefix of the session name)
 * are looked up too for the matching code's edge cases.
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "cookie.h"
#include "fuzz.h"

#define FUZZ_SESSION	"__Host-prospea_session"

/* cookie-octet, RFC 6265 section 4.1.1, written from the grammar. */
static int
fuzz_cookie_octet(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' &&
	    c != '\\';
}

static void
fuzz_check_found(struct arena *a, const char *header, const char *name,
    const char *val)
{
	const char	*q, *set, *back;

	FUZZ_CHECK(val != NULL);
	for (q = val; *q != '\0'; q++)
		FUZZ_CHECK(fuzz_cookie_octet((unsigned char)*q));
	FUZZ_CHECK(strlen(val) <= strlen(header));
	FUZZ_CHECK(strstr(header, name) != NULL);
	FUZZ_CHECK(strstr(header, val) != NULL);

	/* A name must not hold '=' for the round trip to mean anything. */
	if (*name == '\0' || strchr(name, '=') != NULL)
		return;
	set = cookie_set_header(a, name, val, 3600);
	FUZZ_CHECK(cookie_find(a, set, name, &back) == COOKIE_FOUND);
	FUZZ_CHECK(strcmp(back, val) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { FUZZ_SESSION, "__Host-prospea",
	    "a", "", NULL };
	struct arena	*a;
	enum cookie_rc	 rc;
	const char	*val;
	char		*header;
	size_t		 i;

	if ((header = malloc(size + 1)) == NULL)
		abort();
	memcpy(header, data, size);
	header[size] = '\0';

	a = arena_new();
	for (i = 0; names[i] != NULL; i++) {
		rc = cookie_find(a, header, names[i], &val);
		FUZZ_CHECK(rc == COOKIE_FOUND || rc == COOKIE_ABSENT ||
		    rc == COOKIE_AMBIGUOUS || rc == COOKIE_MALFORMED);
		if (rc == COOKIE_FOUND)
			fuzz_check_found(a, header, names[i], val);
	}
	FUZZ_CHECK(cookie_find(a, NULL, FUZZ_SESSION, &val) == COOKIE_ABSENT);
	arena_free(a);
	free(header);
	return 0;
}
