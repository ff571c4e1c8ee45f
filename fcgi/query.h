/*
 * application/x-www-form-urlencoded query strings (the part of a URL after
 * '?'), as browsers produce them: '&'-separated name=value pairs,
 * percent-encoding (RFC 3986 section 2.1) and '+' for space
 * (https://url.spec.whatwg.org/#application/x-www-form-urlencoded).
 */
#ifndef PROSPEA_QUERY_H
#define PROSPEA_QUERY_H

#include <stddef.h>

struct arena;

struct kv {
	const char	*key;
	const char	*val;
};

#define QUERY_PAIRS_MAX	64

/*
 * Parses qs (NUL-terminated, may be NULL or empty) into *out, an array of
 * *n decoded pairs allocated in a. A name without '=' has value "". Empty
 * segments ("a=1&&b=2") are skipped. 0 on success; -1 if a percent escape
 * is malformed, a decoded byte is NUL or a control character, the result
 * is not valid UTF-8, or there are more than QUERY_PAIRS_MAX pairs.
 */
int		 query_parse(struct arena *a, const char *qs, struct kv **out,
		    size_t *n);

/*
 * The value of the first pair named key, or NULL. Borrowed from the array.
 * *dup, if not NULL, is set to 1 when the key appears more than once.
 */
const char	*query_get(const struct kv *kv, size_t n, const char *key,
		    int *dup);

/* 1 if the len bytes at s are valid UTF-8 (RFC 3629, no overlongs or surrogates). */
int		 query_utf8_ok(const unsigned char *s, size_t len);

#endif
