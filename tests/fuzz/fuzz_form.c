/*
 * Fuzz target for form bodies (form.h): the input's first line is the
 * Content-Type, the rest the body, as tests/unit/form's cases. On
 * success there are at most QUERY_PAIRS_MAX pairs, every name non-empty
 * for multipart and every name and value valid UTF-8 without control
 * characters; a multipart parse re-encoded with another boundary parses
 * back to the same pairs. form_type() and form_parse() agree: a body
 * parses only under a form type.
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "form.h"
#include "fuzz.h"

/* The pairs as a multipart/form-data body with boundary "b0undary". */
static char *
fuzz_multipart(struct arena *a, const struct kv *kv, size_t n)
{
	char	*out = arena_strdup(a, "");
	size_t	 i;

	for (i = 0; i < n; i++)
		out = arena_printf(a, "%s--b0undary\r\nContent-Disposition:"
		    " form-data; name=\"%s\"\r\n\r\n%s\r\n", out, kv[i].key,
		    kv[i].val);
	return arena_printf(a, "%s--b0undary--\r\n", out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena		*a;
	struct kv		*kv = NULL, *kv2;
	const uint8_t		*nl;
	char			*ctype, *body, *enc;
	size_t			 n = 0, n2, i, blen;
	enum form_type		 type;

	if ((nl = memchr(data, '\n', size)) == NULL)
		return 0;
	a = arena_new();
	ctype = arena_strndup(a, (const char *)data, (size_t)(nl - data));
	blen = size - (size_t)(nl + 1 - data);
	body = arena_alloc(a, blen + 1);
	memcpy(body, nl + 1, blen);
	body[blen] = '\0';
	type = form_type(ctype);
	if (form_parse(a, ctype, body, blen, &kv, &n) == 0) {
		FUZZ_CHECK(type != FORM_NONE);
		FUZZ_CHECK(n <= QUERY_PAIRS_MAX);
		for (i = 0; i < n; i++) {
			FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)kv[i].key,
			    strlen(kv[i].key)) && fuzz_no_ctl(kv[i].key));
			FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)kv[i].val,
			    strlen(kv[i].val)) && fuzz_no_ctl(kv[i].val));
			FUZZ_CHECK(type != FORM_MULTIPART ||
			    (kv[i].key[0] != '\0' && strchr(kv[i].key, '"') ==
			    NULL));
		}
		if (type == FORM_MULTIPART) {
			enc = fuzz_multipart(a, kv, n);
			FUZZ_CHECK(form_parse(a,
			    "multipart/form-data; boundary=b0undary", enc,
			    strlen(enc), &kv2, &n2) == 0);
			FUZZ_CHECK(n2 == n);
			for (i = 0; i < n; i++)
				FUZZ_CHECK(strcmp(kv[i].key, kv2[i].key) == 0 &&
				    strcmp(kv[i].val, kv2[i].val) == 0);
		}
	} else
		FUZZ_CHECK(n == 0 && kv == NULL);
	arena_free(a);
	return 0;
}
