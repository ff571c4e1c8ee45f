/*
 * Stripe-Signature parsing and verification. See stripe_sig.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "stripe_sig.h"

const char *const stripe_sig_rc_names[STRIPE_SIG__MAX] = {
	[STRIPE_SIG_OK] = "ok",
	[STRIPE_SIG_MALFORMED] = "malformed",
	[STRIPE_SIG_STALE] = "stale",
	[STRIPE_SIG_MISMATCH] = "mismatch",
};

/* 1 if the n bytes at p equal the NUL-terminated word w. */
static int
stripe_sig_is(const char *p, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(p, w, n) == 0;
}

enum stripe_sig_rc
stripe_sig_parse(struct stripe_sig *s, const char *h, size_t len)
{
	const char	*end, *e, *eq, *k, *v, *hex_end;
	size_t		 kn, vn, i, bin;
	int		 ts = 0;

	memset(s, 0, sizeof(*s));
	if (h == NULL || len > STRIPE_SIG_HEADER_MAX)
		return STRIPE_SIG_MALFORMED;
	end = h + len;
	while (h < end) {
		e = memchr(h, ',', (size_t)(end - h));
		if (e == NULL)
			e = end;
		/* The element h..e, without the spaces around it. */
		k = h;
		v = e;
		h = e < end ? e + 1 : end;
		while (k < v && (*k == ' ' || *k == '\t'))
			k++;
		while (v > k && (v[-1] == ' ' || v[-1] == '\t'))
			v--;
		if (k == v)
			continue;
		if ((eq = memchr(k, '=', (size_t)(v - k))) == NULL || eq == k)
			return STRIPE_SIG_MALFORMED;
		kn = (size_t)(eq - k);
		vn = (size_t)(v - eq - 1);
		if (stripe_sig_is(k, kn, "t")) {
			if (ts++ || vn == 0 || vn > STRIPE_SIG_T_MAX)
				return STRIPE_SIG_MALFORMED;
			for (i = 0; i < vn; i++) {
				if (eq[1 + i] < '0' || eq[1 + i] > '9')
					return STRIPE_SIG_MALFORMED;
				s->when = s->when * 10 + (eq[1 + i] - '0');
			}
			memcpy(s->t, eq + 1, vn);
			s->t[vn] = '\0';
		} else if (stripe_sig_is(k, kn, "v1")) {
			if (vn != 2 * STRIPE_SIG_MAC_LEN)
				continue;	/* cannot match: not a signature */
			if (s->nv1 == STRIPE_SIG_V1_MAX)
				return STRIPE_SIG_MALFORMED;
			if (sodium_hex2bin(s->v1[s->nv1], STRIPE_SIG_MAC_LEN,
			    eq + 1, vn, NULL, &bin, &hex_end) == 0 &&
			    bin == STRIPE_SIG_MAC_LEN && hex_end == v)
				s->nv1++;
		}
		/* v0 and any other scheme: ignored (Stripe's test-mode v0). */
	}
	return ts == 1 && s->nv1 > 0 ? STRIPE_SIG_OK : STRIPE_SIG_MALFORMED;
}

void
stripe_sig_mac(unsigned char mac[STRIPE_SIG_MAC_LEN], const char *secret,
    const char *t, const void *body, size_t len)
{
	crypto_auth_hmacsha256_state	 st;

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret,
	    strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)t, strlen(t));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	if (len > 0)
		crypto_auth_hmacsha256_update(&st, body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof(st));
}

enum stripe_sig_rc
stripe_sig_verify(const char *h, size_t hlen, const void *body, size_t len,
    const char *const *secrets, size_t nsecrets, long long now, long tolerance)
{
	struct stripe_sig	 s;
	unsigned char		 mac[STRIPE_SIG_MAC_LEN];
	enum stripe_sig_rc	 rc;
	size_t			 i, j;
	int			 ok = 0;

	if ((rc = stripe_sig_parse(&s, h, hlen)) != STRIPE_SIG_OK)
		return rc;
	if (s.when > now + tolerance || s.when < now - tolerance)
		return STRIPE_SIG_STALE;
	for (i = 0; i < nsecrets; i++) {
		stripe_sig_mac(mac, secrets[i], s.t, body, len);
		/* Every comparison runs: the time says nothing about which. */
		for (j = 0; j < s.nv1; j++)
			ok |= sodium_memcmp(mac, s.v1[j], sizeof(mac)) == 0;
	}
	sodium_memzero(mac, sizeof(mac));
	return ok ? STRIPE_SIG_OK : STRIPE_SIG_MISMATCH;
}

char *
stripe_sig_header(char *out, size_t outlen, const char *secret, long long t,
    const void *body, size_t len)
{
	unsigned char	 mac[STRIPE_SIG_MAC_LEN];
	char		 ts[24], hex[2 * STRIPE_SIG_MAC_LEN + 1];

	snprintf(ts, sizeof(ts), "%lld", t);
	stripe_sig_mac(mac, secret, ts, body, len);
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	snprintf(out, outlen, "t=%s,v1=%s", ts, hex);
	return out;
}
