/*
 * Cookie parsing. Strict about what it returns, lenient about what it
 * skips: a malformed pair elsewhere in the header must not cost the user
 * their session, but the session cookie itself must be unambiguous.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "cookie.h"

/* cookie-octet, RFC 6265 section 4.1.1 */
static int
cookie_octet(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x2b) ||
	    (c >= 0x2d && c <= 0x3a) || (c >= 0x3c && c <= 0x5b) ||
	    (c >= 0x5d && c <= 0x7e);
}

enum cookie_rc
cookie_find(struct arena *a, const char *header, const char *name,
    const char **val)
{
	const char	*p, *end, *eq, *ks, *ke, *vs, *ve, *q;
	size_t		 nlen = strlen(name);
	int		 found = 0;

	*val = NULL;
	if (header == NULL)
		return COOKIE_ABSENT;
	for (p = header; *p != '\0'; p = *end == '\0' ? end : end + 1) {
		if ((end = strchr(p, ';')) == NULL)
			end = p + strlen(p);
		ks = p;
		while (ks < end && (*ks == ' ' || *ks == '\t'))
			ks++;
		if ((eq = memchr(ks, '=', (size_t)(end - ks))) == NULL)
			continue;
		ke = eq;
		while (ke > ks && (ke[-1] == ' ' || ke[-1] == '\t'))
			ke--;
		if ((size_t)(ke - ks) != nlen || memcmp(ks, name, nlen) != 0)
			continue;
		vs = eq + 1;
		ve = end;
		while (vs < ve && (*vs == ' ' || *vs == '\t'))
			vs++;
		while (ve > vs && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if (ve - vs >= 2 && *vs == '"' && ve[-1] == '"') {
			vs++;
			ve--;
		}
		for (q = vs; q < ve; q++)
			if (!cookie_octet((unsigned char)*q)) {
				*val = NULL;
				return COOKIE_MALFORMED;
			}
		if (found) {
			*val = NULL;
			return COOKIE_AMBIGUOUS;
		}
		found = 1;
		*val = arena_strndup(a, vs, (size_t)(ve - vs));
	}
	return found ? COOKIE_FOUND : COOKIE_ABSENT;
}

const char *
cookie_set_header(struct arena *a, const char *name, const char *value,
    long max_age)
{
	const char	*q;

	for (q = name; *q != '\0'; q++)
		if (!cookie_octet((unsigned char)*q) || *q == '=')
			abort();
	for (q = value; *q != '\0'; q++)
		if (!cookie_octet((unsigned char)*q))
			abort();
	return arena_printf(a, "%s=%s; Path=/; Max-Age=%ld; Secure; HttpOnly; "
	    "SameSite=Lax", name, value, max_age < 0 ? 0 : max_age);
}
