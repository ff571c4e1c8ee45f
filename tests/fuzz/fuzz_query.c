/*
 * Fuzz target for query strings (query.h): the input, cut at its first
 * NUL as a C string would be, goes through query_parse() with a fresh
 * arena. On success every pair must be UTF-8 without control characters,
 * there must be at most QUERY_PAIRS_MAX pairs, query_get() must find each
 * key with its first value, and re-encoding the pairs must parse back to
 * the same pairs. query_utf8_ok() is also compared with an independent
 * validator on the raw bytes.
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "query.h"
#include "fuzz.h"

/* Appends s to out at *o, percent-encoding all but unreserved characters. */
static void
fuzz_encode(char *out, size_t *o, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	unsigned char		 c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL)
			out[(*o)++] = (char)c;
		else if (c == ' ')
			out[(*o)++] = '+';
		else {
			out[(*o)++] = '%';
			out[(*o)++] = hex[c >> 4];
			out[(*o)++] = hex[c & 0xf];
		}
	}
}

/* Checks the properties of a successful parse of qs into kv[0..n). */
static void
fuzz_check_pairs(struct arena *a, const char *qs, const struct kv *kv,
    size_t n)
{
	struct kv	*kv2;
	const char	*val;
	char		*enc;
	size_t		 i, j, o, n2, len = 0, amps = 0;
	int		 dup, more;

	FUZZ_CHECK(n <= QUERY_PAIRS_MAX);
	FUZZ_CHECK(n == 0 || kv != NULL);
	for (i = 0; qs[i] != '\0'; i++)
		amps += qs[i] == '&';
	FUZZ_CHECK(n <= amps + 1);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(kv[i].key != NULL && kv[i].val != NULL);
		FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)kv[i].key,
		    strlen(kv[i].key)));
		FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)kv[i].val,
		    strlen(kv[i].val)));
		FUZZ_CHECK(fuzz_no_ctl(kv[i].key) && fuzz_no_ctl(kv[i].val));
		len += strlen(kv[i].key) + strlen(kv[i].val);

		val = query_get(kv, n, kv[i].key, &dup);
		more = 0;
		for (j = 0; j < n; j++)
			if (j != i && strcmp(kv[j].key, kv[i].key) == 0) {
				more = 1;
				break;
			}
		FUZZ_CHECK(val != NULL && dup == more);
		for (j = 0; strcmp(kv[j].key, kv[i].key) != 0; j++)
			continue;
		FUZZ_CHECK(val == kv[j].val);
		FUZZ_CHECK(query_get(kv, n, kv[i].key, NULL) == val);
	}

	/* Decoding never lengthens: "+" -> " ", "%xx" -> one byte. */
	FUZZ_CHECK(len <= strlen(qs));

	/* Round trip: encode every byte that could be ambiguous, parse again. */
	enc = arena_alloc(a, 3 * len + 2 * n + 1);
	o = 0;
	for (i = 0; i < n; i++) {
		if (i > 0)
			enc[o++] = '&';
		fuzz_encode(enc, &o, kv[i].key);
		enc[o++] = '=';
		fuzz_encode(enc, &o, kv[i].val);
	}
	enc[o] = '\0';
	FUZZ_CHECK(query_parse(a, enc, &kv2, &n2) == 0);
	FUZZ_CHECK(n2 == n);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(strcmp(kv[i].key, kv2[i].key) == 0 &&
		    strcmp(kv[i].val, kv2[i].val) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "limit", "cursor", "q", "status",
	    "", "a", NULL };
	struct arena	*a;
	struct kv	*kv = NULL;
	char		*qs;
	size_t		 n = 0, i;
	int		 dup;

	FUZZ_CHECK(query_utf8_ok(data, size) == fuzz_utf8_ok(data, size));

	if ((qs = malloc(size + 1)) == NULL)
		abort();
	memcpy(qs, data, size);
	qs[size] = '\0';

	a = arena_new();
	if (query_parse(a, qs, &kv, &n) == 0) {
		fuzz_check_pairs(a, qs, kv, n);
		for (i = 0; keys[i] != NULL; i++)
			(void)query_get(kv, n, keys[i], &dup);
	}
	arena_free(a);
	free(qs);
	return 0;
}
