/*
 * HTML form bodies, for the few routes that take one (route.h,
 * ROUTE_FORM): the one-click unsubscribe POST of RFC 8058 section 3.2,
 * which a mail client may send as application/x-www-form-urlencoded or as
 * multipart/form-data, and the unsubscribe page's own form. Read
 * minimally and strictly: text fields only, UTF-8 without control
 * characters, at most QUERY_PAIRS_MAX of them; anything else is refused
 * rather than guessed at.
 *
 *   application/x-www-form-urlencoded (WHATWG URL standard, section 5.1):
 *     as a query string (query.h); an optional "charset=utf-8" parameter.
 *   multipart/form-data (RFC 7578; RFC 2046 section 5.1.1): a "boundary"
 *     parameter (1 to 70 characters of RFC 2046's bchars, quoted or not)
 *     and nothing else; no preamble; each part a CRLF-ended header block
 *     with "Content-Disposition: form-data; name=..." (no filename: no
 *     files) and at most a "Content-Type: text/plain" (any parameters),
 *     then the value up to CRLF "--" boundary; the close delimiter may be
 *     followed by one CRLF and nothing else.
 */
#ifndef PROSPEA_FORM_H
#define PROSPEA_FORM_H

#include <stddef.h>

#include "query.h"

struct arena;

enum form_type {
	FORM_NONE,		/* not a form body */
	FORM_URLENCODED,
	FORM_MULTIPART,
};

/* What kind of form a Content-Type value (may be NULL) announces. */
enum form_type	 form_type(const char *ctype);

/*
 * Parses the len bytes at body (NUL-terminated at body[len]) sent with
 * Content-Type ctype into *out, an array of *n decoded pairs allocated
 * in a, in the body's order. 0 on success; -1 when ctype is not a form
 * type of this module, or the body breaks a rule above.
 */
int		 form_parse(struct arena *a, const char *ctype, const char *body,
		    size_t len, struct kv **out, size_t *n);

#endif
