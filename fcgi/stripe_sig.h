/*
 * Stripe webhook signatures (https://docs.stripe.com/webhooks#verify-manually):
 * the Stripe-Signature header "t=<unix seconds>,v1=<hex>[,v1=<hex>…]"
 * (other schemes, v0 included, are ignored), and the HMAC-SHA256 of
 * "<t>.<raw body>" keyed with the whole endpoint secret string
 * ("whsec_…", prefix included), written as lowercase hex. During a secret
 * rotation Stripe signs with both the old and the new secret (two v1) and
 * an endpoint may hold two secrets: any match of any secret accepts.
 * Parsing takes untrusted bytes and never reads past them (fuzzed:
 * tests/fuzz/fuzz_stripe_sig.c); comparisons are constant-time.
 */
#ifndef PROSPEA_STRIPE_SIG_H
#define PROSPEA_STRIPE_SIG_H

#include <stddef.h>

#define STRIPE_SIG_V1_MAX	8	/* v1 signatures read; more is malformed */
#define STRIPE_SIG_T_MAX	18	/* digits of t */
#define STRIPE_SIG_HEADER_MAX	2048	/* bytes of a header read */
#define STRIPE_SIG_TOLERANCE	300	/* seconds between t and now, either way */
#define STRIPE_SIG_MAC_LEN	32

struct stripe_sig {
	char		 t[STRIPE_SIG_T_MAX + 1];	/* the digits as sent */
	long long	 when;				/* t as a number */
	unsigned char	 v1[STRIPE_SIG_V1_MAX][STRIPE_SIG_MAC_LEN];
	size_t		 nv1;
};

enum stripe_sig_rc {
	STRIPE_SIG_OK,
	STRIPE_SIG_MALFORMED,	/* no header, no/two/bad t, no usable v1, too long */
	STRIPE_SIG_STALE,	/* |now - t| > tolerance */
	STRIPE_SIG_MISMATCH,	/* no v1 matches any secret */
	STRIPE_SIG__MAX
};

/* A word for logs ("malformed"…): never the header's content. Static. */
extern const char *const stripe_sig_rc_names[STRIPE_SIG__MAX];

/*
 * Parses the len bytes at h (not NUL-terminated; NUL bytes are just
 * bytes) into s: comma-separated "key=value" elements, spaces and tabs
 * around them ignored, empty elements skipped. Exactly one "t" of 1 to
 * STRIPE_SIG_T_MAX digits; "v1" values of exactly 64 hex digits are kept
 * (another v1 value cannot match and is skipped); every other key, v0
 * included, is ignored. STRIPE_SIG_OK with at least one v1, else
 * STRIPE_SIG_MALFORMED (also an element without '=', more than
 * STRIPE_SIG_V1_MAX usable v1, or more than STRIPE_SIG_HEADER_MAX bytes).
 */
enum stripe_sig_rc stripe_sig_parse(struct stripe_sig *s, const char *h,
		    size_t len);

/*
 * The signature of body (len bytes, exactly as received) at timestamp
 * text t, under secret (a NUL-terminated string used whole as the HMAC
 * key), into mac: HMAC-SHA256(secret, t "." body).
 */
void		 stripe_sig_mac(unsigned char mac[STRIPE_SIG_MAC_LEN],
		    const char *secret, const char *t, const void *body,
		    size_t len);

/*
 * Verifies a Stripe-Signature header (h, hlen bytes; h NULL = absent)
 * over body (len bytes) against nsecrets secrets at time now (Unix
 * seconds) with tolerance seconds either way: parse, then the time, then
 * every v1 against every secret's MAC with sodium_memcmp (no early exit
 * on the first mismatching byte). STRIPE_SIG_OK when one matches.
 */
enum stripe_sig_rc stripe_sig_verify(const char *h, size_t hlen,
		    const void *body, size_t len, const char *const *secrets,
		    size_t nsecrets, long long now, long tolerance);

/*
 * The header Stripe would send for body at t under secret (tests, the
 * fuzz target): "t=<t>,v1=<64 hex>" into out (outlen >= 90). Returns out.
 */
char		*stripe_sig_header(char *out, size_t outlen, const char *secret,
		    long long t, const void *body, size_t len);

#endif
