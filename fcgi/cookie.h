/*
 * Cookie request header parsing and Set-Cookie building (RFC 6265).
 */
#ifndef PROSPEA_COOKIE_H
#define PROSPEA_COOKIE_H

#include <stddef.h>

struct arena;

enum cookie_rc {
	COOKIE_FOUND,
	COOKIE_ABSENT,
	COOKIE_AMBIGUOUS,	/* the name is there more than once */
	COOKIE_MALFORMED,	/* the header is not a cookie-string */
};

/*
 * Looks for name in a Cookie header value (RFC 6265 section 4.2.1:
 * "n1=v1; n2=v2"; whitespace around pairs tolerated; a value in double
 * quotes has them removed). On COOKIE_FOUND, *val is the value copied into
 * a. A name sent twice (cookie tossing from a sibling domain, or a
 * confused client) is COOKIE_AMBIGUOUS: callers treat it as no cookie.
 * Pairs without '=' are skipped as browsers do, not errors.
 */
enum cookie_rc	 cookie_find(struct arena *a, const char *header,
		    const char *name, const char **val);

/*
 * A Set-Cookie header value, in a: name=value; Path=/; Max-Age=max_age;
 * Secure; HttpOnly; SameSite=Lax. max_age 0 expires the cookie at once.
 * These are the attributes a "__Host-" cookie needs (RFC 6265bis
 * section 4.1.3.2). name and value must be cookie-octets; aborts otherwise.
 */
const char	*cookie_set_header(struct arena *a, const char *name,
		    const char *value, long max_age);

#endif
