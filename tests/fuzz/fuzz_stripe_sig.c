/*
 * Fuzz target for Stripe-Signature headers (stripe_sig.h): the input is a
 * header value, bytes as they come (NUL included). A parse that succeeds
 * must give one t of digits whose text and number agree and 1 to
 * STRIPE_SIG_V1_MAX signatures; the header rebuilt from them must parse
 * back to the same; the verifier must agree with the parser (malformed
 * exactly when the parse fails) and accept a header whose v1 list gains
 * the real signature of a body, and only at a time within tolerance.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "fuzz.h"
#include "stripe_sig.h"

#define FUZZ_SECRET	"whsec_fuzz_secret"
#define FUZZ_BODY	"{\"id\":\"evt_fuzz\",\"object\":\"event\"}"

static void
fuzz_check_parsed(const struct stripe_sig *s)
{
	struct stripe_sig	 back;
	char			 h[STRIPE_SIG_HEADER_MAX + 1];
	char			 hex[2 * STRIPE_SIG_MAC_LEN + 1];
	long long		 v = 0;
	size_t			 i, n;

	FUZZ_CHECK(s->nv1 >= 1 && s->nv1 <= STRIPE_SIG_V1_MAX);
	n = strlen(s->t);
	FUZZ_CHECK(n >= 1 && n <= STRIPE_SIG_T_MAX);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(s->t[i] >= '0' && s->t[i] <= '9');
		v = v * 10 + (s->t[i] - '0');
	}
	FUZZ_CHECK(v == s->when);

	n = (size_t)snprintf(h, sizeof(h), "t=%s", s->t);
	for (i = 0; i < s->nv1; i++) {
		sodium_bin2hex(hex, sizeof(hex), s->v1[i], STRIPE_SIG_MAC_LEN);
		n += (size_t)snprintf(h + n, sizeof(h) - n, ",v1=%s", hex);
	}
	FUZZ_CHECK(stripe_sig_parse(&back, h, n) == STRIPE_SIG_OK);
	FUZZ_CHECK(strcmp(back.t, s->t) == 0 && back.nv1 == s->nv1);
	FUZZ_CHECK(memcmp(back.v1, s->v1, s->nv1 * STRIPE_SIG_MAC_LEN) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *const	 secrets[] = { FUZZ_SECRET };
	struct stripe_sig	 s;
	enum stripe_sig_rc	 prc, vrc;
	unsigned char		 mac[STRIPE_SIG_MAC_LEN];
	char			 hex[2 * STRIPE_SIG_MAC_LEN + 1], *h;
	size_t			 n;

	prc = stripe_sig_parse(&s, (const char *)data, size);
	FUZZ_CHECK(prc == STRIPE_SIG_OK || prc == STRIPE_SIG_MALFORMED);
	vrc = stripe_sig_verify((const char *)data, size, FUZZ_BODY,
	    strlen(FUZZ_BODY), secrets, 1, 1700000000LL, STRIPE_SIG_TOLERANCE);
	FUZZ_CHECK((vrc == STRIPE_SIG_MALFORMED) == (prc != STRIPE_SIG_OK));
	if (prc != STRIPE_SIG_OK)
		return 0;
	fuzz_check_parsed(&s);

	/* The same header with the body's real signature added first. */
	stripe_sig_mac(mac, FUZZ_SECRET, s.t, FUZZ_BODY, strlen(FUZZ_BODY));
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	if ((h = malloc(size + 80)) == NULL)
		abort();
	n = (size_t)snprintf(h, 80, "v1=%s,", hex);
	memcpy(h + n, data, size);
	n += size;
	prc = stripe_sig_parse(&s, h, n);
	if (prc == STRIPE_SIG_OK) {
		FUZZ_CHECK(stripe_sig_verify(h, n, FUZZ_BODY, strlen(FUZZ_BODY),
		    secrets, 1, s.when, STRIPE_SIG_TOLERANCE) == STRIPE_SIG_OK);
		FUZZ_CHECK(stripe_sig_verify(h, n, FUZZ_BODY, strlen(FUZZ_BODY),
		    secrets, 1, s.when + STRIPE_SIG_TOLERANCE + 1,
		    STRIPE_SIG_TOLERANCE) == STRIPE_SIG_STALE);
	} else	/* only one more v1 than allowed, or too long */
		FUZZ_CHECK(prc == STRIPE_SIG_MALFORMED);
	free(h);
	return 0;
}
