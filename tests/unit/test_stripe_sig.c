/*
 * Unit tests of stripe_sig.c, the Stripe-Signature parser and verifier:
 * the two reference values of shared/fixtures/README.md (secret
 * whsec_test_secret, t=1700000000, the body with and without a trailing
 * LF); the header grammar (one t of digits, v1 of 64 hex digits kept,
 * v0 and unknown schemes ignored, spaces, empty elements, duplicates,
 * limits); the tolerance at its edges in both directions; several v1 and
 * two secrets (a rotation); a body changed by one byte, or holding NUL
 * and non-ASCII bytes; and the standing rules of plan.h, which decide the
 * 402 answers.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "unit.h"

#include "plan.h"
#include "stripe_sig.h"

#define SECRET	"whsec_test_secret"
#define BODY	"{\"id\":\"evt_test_webhook\",\"object\":\"event\"}"
#define REF	"d95c6b7477fbd7e9f90b1b0ef5f9c7ac25abca5382460e0d988c2b2a5b71b990"
#define REF_LF	"9923dc73ef0f23463036fb372b5147b2f5e67af0825716e08d96bde06e95f1a8"
#define T0	1700000000LL

static enum stripe_sig_rc
verify(const char *h, const char *body, size_t len, long long now)
{
	const char *const secrets[] = { SECRET };

	return stripe_sig_verify(h, h != NULL ? strlen(h) : 0, body, len,
	    secrets, 1, now, STRIPE_SIG_TOLERANCE);
}

static void
test_reference_values(void **state)
{
	unsigned char	 mac[STRIPE_SIG_MAC_LEN];
	char		 hex[2 * STRIPE_SIG_MAC_LEN + 1];

	(void)state;
	stripe_sig_mac(mac, SECRET, "1700000000", BODY, strlen(BODY));
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	assert_string_equal(hex, REF);
	stripe_sig_mac(mac, SECRET, "1700000000", BODY "\n", strlen(BODY) + 1);
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	assert_string_equal(hex, REF_LF);

	assert_int_equal(verify("t=1700000000,v1=" REF, BODY, strlen(BODY), T0),
	    STRIPE_SIG_OK);
	assert_int_equal(verify("t=1700000000,v1=" REF_LF, BODY "\n",
	    strlen(BODY) + 1, T0), STRIPE_SIG_OK);
	/* Each value belongs to its own body: the LF is signed. */
	assert_int_equal(verify("t=1700000000,v1=" REF, BODY "\n",
	    strlen(BODY) + 1, T0), STRIPE_SIG_MISMATCH);
	assert_int_equal(verify("t=1700000000,v1=" REF_LF, BODY, strlen(BODY),
	    T0), STRIPE_SIG_MISMATCH);
	/* Upper-case hex is the same signature. */
	{
		char	 up[] = "t=1700000000,v1=" REF;
		size_t	 i;

		for (i = 16; up[i] != '\0'; i++)
			if (up[i] >= 'a' && up[i] <= 'f')
				up[i] = (char)(up[i] - 'a' + 'A');
		assert_int_equal(verify(up, BODY, strlen(BODY), T0),
		    STRIPE_SIG_OK);
	}
}

static void
test_header_builder(void **state)
{
	char	 h[128];

	(void)state;
	assert_string_equal(stripe_sig_header(h, sizeof(h), SECRET, T0, BODY,
	    strlen(BODY)), "t=1700000000,v1=" REF);
}

static void
test_parse(void **state)
{
	static const struct {
		const char		*h;
		enum stripe_sig_rc	 want;
		size_t			 nv1;
	} cases[] = {
		{ "t=1700000000,v1=" REF, STRIPE_SIG_OK, 1 },
		{ "v1=" REF ",t=1700000000", STRIPE_SIG_OK, 1 },
		{ " t=1700000000 , v1=" REF " ", STRIPE_SIG_OK, 1 },
		{ "t=1700000000,,v1=" REF ",", STRIPE_SIG_OK, 1 },
		{ "t=1700000000,v1=" REF ",v0=" REF ",v9=x", STRIPE_SIG_OK, 1 },
		{ "t=1700000000,v1=" REF ",v1=" REF_LF, STRIPE_SIG_OK, 2 },
		{ "t=1700000000,v1=abc,v1=" REF, STRIPE_SIG_OK, 1 },
		{ "", STRIPE_SIG_MALFORMED, 0 },
		{ "t=1700000000", STRIPE_SIG_MALFORMED, 0 },
		{ "v1=" REF, STRIPE_SIG_MALFORMED, 0 },
		{ "t=1700000000,v0=" REF, STRIPE_SIG_MALFORMED, 0 },
		{ "t=,v1=" REF, STRIPE_SIG_MALFORMED, 0 },
		{ "t=17000000x0,v1=" REF, STRIPE_SIG_MALFORMED, 0 },
		{ "t=-1700000000,v1=" REF, STRIPE_SIG_MALFORMED, 0 },
		{ "t=1700000000,t=1700000000,v1=" REF, STRIPE_SIG_MALFORMED, 0 },
		{ "t=1234567890123456789,v1=" REF, STRIPE_SIG_MALFORMED, 0 },
		{ "t=1700000000,v1", STRIPE_SIG_MALFORMED, 0 },
		{ "t=1700000000,=x,v1=" REF, STRIPE_SIG_MALFORMED, 0 },
		{ "t=1700000000,v1=zz"
		    "5c6b7477fbd7e9f90b1b0ef5f9c7ac25abca5382460e0d988c2b2a5b71b990",
		    STRIPE_SIG_MALFORMED, 0 },
		{ "T=1700000000,v1=" REF, STRIPE_SIG_MALFORMED, 0 },
		{ "t=1700000000;v1=" REF, STRIPE_SIG_MALFORMED, 0 },
	};
	struct stripe_sig	 s;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(stripe_sig_parse(&s, cases[i].h,
		    strlen(cases[i].h)), cases[i].want);
		if (cases[i].want == STRIPE_SIG_OK) {
			assert_int_equal(s.nv1, cases[i].nv1);
			assert_string_equal(s.t, "1700000000");
			assert_int_equal(s.when, T0);
		}
	}
	assert_int_equal(stripe_sig_parse(&s, NULL, 0), STRIPE_SIG_MALFORMED);
}

static void
test_parse_limits(void **state)
{
	struct stripe_sig	 s;
	char			 h[STRIPE_SIG_HEADER_MAX + 128];
	size_t			 i, n;

	(void)state;
	/* STRIPE_SIG_V1_MAX signatures are read; one more is malformed. */
	n = (size_t)snprintf(h, sizeof(h), "t=1");
	for (i = 0; i < STRIPE_SIG_V1_MAX; i++)
		n += (size_t)snprintf(h + n, sizeof(h) - n, ",v1=" REF);
	assert_int_equal(stripe_sig_parse(&s, h, n), STRIPE_SIG_OK);
	assert_int_equal(s.nv1, STRIPE_SIG_V1_MAX);
	n += (size_t)snprintf(h + n, sizeof(h) - n, ",v1=" REF);
	assert_int_equal(stripe_sig_parse(&s, h, n), STRIPE_SIG_MALFORMED);
	/* Too long, whatever it holds. */
	memset(h, ' ', sizeof(h));
	memcpy(h, "t=1,v1=" REF, strlen("t=1,v1=" REF));
	assert_int_equal(stripe_sig_parse(&s, h, STRIPE_SIG_HEADER_MAX),
	    STRIPE_SIG_OK);
	assert_int_equal(stripe_sig_parse(&s, h, STRIPE_SIG_HEADER_MAX + 1),
	    STRIPE_SIG_MALFORMED);
	/* A NUL inside the header is a byte like another: what follows counts. */
	n = sizeof("x=\0,t=1700000000,v1=" REF) - 1;
	memcpy(h, "x=\0,t=1700000000,v1=" REF, n);
	assert_int_equal(stripe_sig_parse(&s, h, n), STRIPE_SIG_OK);
	assert_int_equal(s.when, T0);
}

static void
test_tolerance(void **state)
{
	const char	*h = "t=1700000000,v1=" REF;

	(void)state;
	assert_int_equal(verify(h, BODY, strlen(BODY), T0 + 300), STRIPE_SIG_OK);
	assert_int_equal(verify(h, BODY, strlen(BODY), T0 - 300), STRIPE_SIG_OK);
	assert_int_equal(verify(h, BODY, strlen(BODY), T0 + 301),
	    STRIPE_SIG_STALE);
	assert_int_equal(verify(h, BODY, strlen(BODY), T0 - 301),
	    STRIPE_SIG_STALE);
	assert_int_equal(verify(NULL, BODY, strlen(BODY), T0),
	    STRIPE_SIG_MALFORMED);
}

static void
test_rotation(void **state)
{
	const char *const both[] = { "whsec_new_secret_0001", SECRET };
	const char *const one[] = { "whsec_new_secret_0001" };
	char		 h[256], other[128];

	(void)state;
	/* Stripe signs with the old and the new secret: any v1 may match. */
	stripe_sig_header(other, sizeof(other), "whsec_unrelated_9999", T0,
	    BODY, strlen(BODY));
	snprintf(h, sizeof(h), "t=1700000000,v1=%s,v1=" REF, other + 16);
	assert_int_equal(stripe_sig_verify(h, strlen(h), BODY, strlen(BODY),
	    both, 2, T0, 300), STRIPE_SIG_OK);
	/* The old secret alone signed it: the endpoint's second secret. */
	assert_int_equal(stripe_sig_verify("t=1700000000,v1=" REF,
	    strlen("t=1700000000,v1=" REF), BODY, strlen(BODY), both, 2, T0,
	    300), STRIPE_SIG_OK);
	assert_int_equal(stripe_sig_verify("t=1700000000,v1=" REF,
	    strlen("t=1700000000,v1=" REF), BODY, strlen(BODY), one, 1, T0,
	    300), STRIPE_SIG_MISMATCH);
	/* A prefix of the secret is another key. */
	{
		const char *const cut[] = { "test_secret" };

		assert_int_equal(stripe_sig_verify("t=1700000000,v1=" REF,
		    strlen("t=1700000000,v1=" REF), BODY, strlen(BODY), cut, 1,
		    T0, 300), STRIPE_SIG_MISMATCH);
	}
}

static void
test_body_bytes(void **state)
{
	static const char body[] = "{\"name\":\"\xc3\x89lodie\",\"x\":\"a\\u0000b\"}";
	char		 h[128], copy[sizeof(body)], nul[] = "ab\0cd";
	size_t		 i;

	(void)state;
	stripe_sig_header(h, sizeof(h), SECRET, T0, body, sizeof(body) - 1);
	assert_int_equal(verify(h, body, sizeof(body) - 1, T0), STRIPE_SIG_OK);
	/* Any single byte changed, or one byte less, fails. */
	for (i = 0; i < sizeof(body) - 1; i++) {
		memcpy(copy, body, sizeof(body));
		copy[i] ^= 1;
		assert_int_equal(verify(h, copy, sizeof(body) - 1, T0),
		    STRIPE_SIG_MISMATCH);
	}
	assert_int_equal(verify(h, body, sizeof(body) - 2, T0),
	    STRIPE_SIG_MISMATCH);
	/* A raw NUL byte is signed like any other: nothing after it is lost. */
	stripe_sig_header(h, sizeof(h), SECRET, T0, nul, 5);
	assert_int_equal(verify(h, nul, 5, T0), STRIPE_SIG_OK);
	assert_int_equal(verify(h, nul, 2, T0), STRIPE_SIG_MISMATCH);
}

static void
test_standing(void **state)
{
	const char	*code, *detail;
	long long	 now = T0;

	(void)state;
	assert_true(plan_standing_ok("pro", "active", 0, now, &code, &detail));
	assert_null(code);
	assert_true(plan_standing_ok("pro", "past_due", 0, now, &code, &detail));
	assert_true(plan_standing_ok("pro", "trialing", 0, now, &code, &detail));
	assert_true(plan_standing_ok("trial", "trialing", now + 1, now, &code,
	    &detail));
	assert_false(plan_standing_ok("trial", "trialing", now, now, &code,
	    &detail));
	assert_string_equal(code, "trial_ended");
	assert_false(plan_standing_ok("pro", "canceled", 0, now, &code, &detail));
	assert_string_equal(code, "subscription_canceled");
	assert_false(plan_standing_ok("pro", "unpaid", 0, now, &code, &detail));
	assert_string_equal(code, "payment_required");
	assert_false(plan_standing_ok("pro", "incomplete", 0, now, &code,
	    &detail));
	assert_false(plan_standing_ok("pro", "incomplete_expired", 0, now,
	    &code, &detail));
	assert_false(plan_standing_ok("pro", "paused", 0, now, &code, &detail));
	assert_non_null(detail);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_values),
		cmocka_unit_test(test_header_builder),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_tolerance),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_body_bytes),
		cmocka_unit_test(test_standing),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("stripe_sig", tests, NULL, NULL);
}
