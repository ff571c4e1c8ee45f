/*
 * Unit tests of secret.c with key files written to a private temporary
 * directory: loading (two keys, the highest id current whatever the line
 * order; comments, blank lines and CRLF tolerated; files that others can
 * access or the group can write, malformed lines, bad hex, duplicate ids,
 * id 0 or beyond 32 bits, and no key refused); sealing and opening (round trip, the
 * documented header, every single-byte tamper, truncation, another kind,
 * user or row, a key that is gone); rotation (a value sealed under key 1
 * still opens once key 2 is added, and is reported stale); and the sealed
 * format and the MAC checked against libsodium used directly as secret.h
 * describes them, so a change of the at-rest format cannot pass unseen.
 * Tokens: 43 base64url characters, 32 bytes decoded, no repeats.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "unit.h"

#include "secret.h"
#include "unsub.h"

#define HEX1	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX2	"f0e1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff"

static const char *
keyfile(const char *name, const char *text)
{
	return unit_tmp_write(name, text, -1, 0600);
}

static void
hexkey(unsigned char out[32], const char *hex)
{
	assert_int_equal(sodium_hex2bin(out, 32, hex, 64, NULL, NULL, NULL), 0);
}

static int
setup(void **state)
{
	if (sodium_init() < 0)
		return -1;
	return secret_init(keyfile("two.key", "1:" HEX1 "\n2:" HEX2 "\n"));
}

static int
teardown(void **state)
{
	secret_fini();
	return 0;
}

static int
group_teardown(void **state)
{
	unit_tmp_clean();
	return 0;
}

static void
test_secret_load(void **state)
{
	assert_int_equal(secret_key_id(), 2);
	/* The highest id is current, not the last line. */
	assert_int_equal(secret_init(keyfile("rev.key",
	    "2:" HEX2 "\n1:" HEX1 "\n")), 0);
	assert_int_equal(secret_key_id(), 2);
	assert_int_equal(secret_init(keyfile("big.key",
	    "# rotated 2024-01-01\n\n7:" HEX1 "\r\n4294967295:" HEX2 "\r\n"
	    "3:" HEX1 "\n")), 0);
	assert_int_equal(secret_key_id(), 4294967295u);
	assert_int_equal(secret_init(keyfile("ro.key", "5:" HEX1 "\n")), 0);
	assert_int_equal(secret_key_id(), 5);
	secret_fini();
	assert_int_equal(secret_key_id(), 0);
}

struct bad_file {
	const char	*text;
	const char	*why;
};

static void
test_secret_refused(void **state)
{
	static const struct bad_file bad[] = {
		{ "", "empty" },
		{ "# only a comment\n\n", "no key" },
		{ "1:" HEX1 "\n1:" HEX2 "\n", "duplicate id" },
		{ "0:" HEX1 "\n", "id 0" },
		{ "4294967296:" HEX1 "\n", "id beyond 32 bits" },
		{ "-1:" HEX1 "\n", "negative id" },
		{ ":" HEX1 "\n", "no id" },
		{ "x1:" HEX1 "\n", "id not a number" },
		{ "1x:" HEX1 "\n", "id with junk" },
		{ HEX1 "\n", "no colon" },
		{ "1:" HEX1 "0\n", "65 hex digits" },
		{ "1:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1\n",
		    "63 hex digits" },
		{ "1:zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
		    "not hex" },
		{ "1:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g\n",
		    "last digit not hex" },
		{ "1:" HEX1 " \n", "trailing space" },
		{ "1:\n", "no key material" },
		{ "1:" HEX1 "\n2:zz\n", "second line bad" },
	};
	char		 name[32];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "bad%zu.key", i);
		if (secret_init(keyfile(name, bad[i].text)) != -1)
			fail_msg("key file accepted: %s", bad[i].why);
		/* A refused file leaves no key behind. */
		assert_int_equal(secret_key_id(), 0);
	}
	assert_int_equal(secret_init("/nonexistent/prospea/master.key"), -1);
	assert_int_equal(secret_key_id(), 0);
}

/*
 * The id is "1..4294967295" in decimal: a sign or blanks make the line
 * malformed, and "-18446744073709551615" must not wrap around to id 1.
 */
static void
test_secret_id_strict(void **state)
{
	static const struct bad_file bad[] = {
		{ "+1:" HEX1 "\n", "plus sign" },
		{ " 1:" HEX1 "\n", "leading space" },
		{ "-18446744073709551615:" HEX1 "\n", "negative, wraps to 1" },
	};
	char		 name[32];
	size_t		 i, accepted = 0;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "strict%zu.key", i);
		if (secret_init(keyfile(name, bad[i].text)) != -1) {
			fprintf(stderr, "key file accepted: %s (key id %u)\n",
			    bad[i].why, (unsigned)secret_key_id());
			accepted++;
		}
	}
	assert_int_equal(accepted, 0);
}

/*
 * Others must have no access and the group no write; the group may read
 * (the programs' users share one group).
 */
static void
test_secret_mode(void **state)
{
	static const mode_t refused[] = { 0644, 0604, 0602, 0601, 0660, 0620,
	    0666, 0606 };
	static const mode_t accepted[] = { 0600, 0400, 0640, 0440 };
	char	 name[32];
	size_t	 i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(name, sizeof(name), "mode%o.key", (unsigned)refused[i]);
		if (secret_init(unit_tmp_write(name, "1:" HEX1 "\n", -1,
		    refused[i])) != -1)
			fail_msg("key file with mode %o accepted",
			    (unsigned)refused[i]);
		assert_int_equal(secret_key_id(), 0);
	}
	for (i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		snprintf(name, sizeof(name), "mode%o.key", (unsigned)accepted[i]);
		if (secret_init(unit_tmp_write(name, "1:" HEX1 "\n", -1,
		    accepted[i])) != 0)
			fail_msg("key file with mode %o refused",
			    (unsigned)accepted[i]);
		assert_int_equal(secret_key_id(), 1);
	}
}

static void
test_secret_round_trip(void **state)
{
	static const char pt[] = "smtp p\xc3\xa4ssword \0 with a NUL";
	unsigned char	 ct[sizeof(pt) + SECRET_OVERHEAD], ct2[sizeof(ct)];
	unsigned char	 out[sizeof(pt)];
	size_t		 n = 0;

	assert_int_equal(secret_seal(ct, "smtp_password", 42, "7", pt,
	    sizeof(pt)), 0);
	/* 'P' | version 1 | key id 2, big-endian | nonce | ciphertext+tag */
	assert_int_equal(ct[0], 'P');
	assert_int_equal(ct[1], 1);
	assert_int_equal(ct[2], 0);
	assert_int_equal(ct[3], 0);
	assert_int_equal(ct[4], 0);
	assert_int_equal(ct[5], 2);
	for (n = 0; n + 10 <= sizeof(ct); n++)
		assert_memory_not_equal(ct + n, "with a NUL", 10);
	assert_int_equal(secret_open(out, &n, "smtp_password", 42, "7", ct,
	    sizeof(ct)), 0);
	assert_int_equal(n, sizeof(pt));
	assert_memory_equal(out, pt, sizeof(pt));
	assert_int_equal(secret_is_stale(ct, sizeof(ct)), 0);
	/* A random nonce: the same value seals differently each time. */
	assert_int_equal(secret_seal(ct2, "smtp_password", 42, "7", pt,
	    sizeof(pt)), 0);
	assert_memory_not_equal(ct, ct2, sizeof(ct));
	assert_memory_not_equal(ct + 6, ct2 + 6, 24);
}

static void
test_secret_empty_value(void **state)
{
	unsigned char	 ct[SECRET_OVERHEAD], out[1];
	size_t		 n = 99;

	assert_int_equal(secret_seal(ct, "totp", 1, "1", "", 0), 0);
	assert_int_equal(secret_open(out, &n, "totp", 1, "1", ct, sizeof(ct)), 0);
	assert_int_equal(n, 0);
}

static void
test_secret_tamper(void **state)
{
	static const char pt[] = "JBSWY3DPEHPK3PXP";
	unsigned char	 ct[sizeof(pt) - 1 + SECRET_OVERHEAD], bad[sizeof(ct)];
	unsigned char	 longer[sizeof(ct) + 1], out[sizeof(pt) + 1];
	size_t		 i, n;
	int		 bit;

	assert_int_equal(secret_seal(ct, "totp", 9, "9", pt, sizeof(pt) - 1), 0);
	for (i = 0; i < sizeof(ct); i++)
		for (bit = 0; bit < 8; bit += 7) {
			memcpy(bad, ct, sizeof(ct));
			bad[i] ^= (unsigned char)(1 << bit);
			if (secret_open(out, &n, "totp", 9, "9", bad, sizeof(bad)) != -1)
				fail_msg("opened with byte %zu bit %d flipped", i, bit);
		}
	/* Truncated, or with a byte more. */
	for (i = 0; i < sizeof(ct); i++)
		assert_int_equal(secret_open(out, &n, "totp", 9, "9", ct, i), -1);
	memcpy(longer, ct, sizeof(ct));
	longer[sizeof(ct)] = 0;
	assert_int_equal(secret_open(out, &n, "totp", 9, "9", longer,
	    sizeof(longer)), -1);
	/* The original still opens. */
	assert_int_equal(secret_open(out, &n, "totp", 9, "9", ct, sizeof(ct)), 0);
	assert_int_equal(n, sizeof(pt) - 1);
}

static void
test_secret_binding(void **state)
{
	static const char pt[] = "value";
	unsigned char	 ct[sizeof(pt) + SECRET_OVERHEAD], out[sizeof(pt)];
	size_t		 n;

	assert_int_equal(secret_seal(ct, "smtp_password", 42, "7", pt,
	    sizeof(pt)), 0);
	assert_int_equal(secret_open(out, &n, "totp", 42, "7", ct, sizeof(ct)), -1);
	assert_int_equal(secret_open(out, &n, "smtp_passwor", 42, "7", ct,
	    sizeof(ct)), -1);
	assert_int_equal(secret_open(out, &n, "", 42, "7", ct, sizeof(ct)), -1);
	assert_int_equal(secret_open(out, &n, "smtp_password", 43, "7", ct,
	    sizeof(ct)), -1);
	assert_int_equal(secret_open(out, &n, "smtp_password", 0, "7", ct,
	    sizeof(ct)), -1);
	assert_int_equal(secret_open(out, &n, "smtp_password",
	    42 | (UINT64_C(1) << 56), "7", ct, sizeof(ct)), -1);
	assert_int_equal(secret_open(out, &n, "smtp_password", 42, "8", ct,
	    sizeof(ct)), -1);
	assert_int_equal(secret_open(out, &n, "smtp_password", 42, "70", ct,
	    sizeof(ct)), -1);
	assert_int_equal(secret_open(out, &n, "smtp_password", 42, "", ct,
	    sizeof(ct)), -1);
	/* Kind and row stay apart: ("ab", "c") is not ("a", "bc"). */
	assert_int_equal(secret_seal(ct, "ab", 1, "c", pt, sizeof(pt)), 0);
	assert_int_equal(secret_open(out, &n, "a", 1, "bc", ct, sizeof(ct)), -1);
	assert_int_equal(secret_open(out, &n, "ab", 1, "c", ct, sizeof(ct)), 0);
}

static void
test_secret_rotation(void **state)
{
	static const char pt[] = "sealed under key 1";
	unsigned char	 ct[sizeof(pt) + SECRET_OVERHEAD], out[sizeof(pt)];
	unsigned char	 ct2[sizeof(ct)];
	size_t		 n;

	assert_int_equal(secret_init(keyfile("one.key", "1:" HEX1 "\n")), 0);
	assert_int_equal(secret_key_id(), 1);
	assert_int_equal(secret_seal(ct, "tmail_body", 0, "abc", pt,
	    sizeof(pt)), 0);
	assert_int_equal(ct[5], 1);
	assert_int_equal(secret_is_stale(ct, sizeof(ct)), 0);

	assert_int_equal(secret_init(keyfile("two.key",
	    "1:" HEX1 "\n2:" HEX2 "\n")), 0);
	assert_int_equal(secret_is_stale(ct, sizeof(ct)), 1);
	assert_int_equal(secret_open(out, &n, "tmail_body", 0, "abc", ct,
	    sizeof(ct)), 0);
	assert_int_equal(n, sizeof(pt));
	assert_memory_equal(out, pt, sizeof(pt));
	/* Re-sealing uses key 2 and is no longer stale. */
	assert_int_equal(secret_seal(ct2, "tmail_body", 0, "abc", out, n), 0);
	assert_int_equal(ct2[5], 2);
	assert_int_equal(secret_is_stale(ct2, sizeof(ct2)), 0);

	/* Once key 1 is dropped, what it sealed no longer opens. */
	assert_int_equal(secret_init(keyfile("only2.key", "2:" HEX2 "\n")), 0);
	assert_int_equal(secret_open(out, &n, "tmail_body", 0, "abc", ct,
	    sizeof(ct)), -1);
	assert_int_equal(secret_open(out, &n, "tmail_body", 0, "abc", ct2,
	    sizeof(ct2)), 0);
	/* Same id, other key material: the value does not open. */
	assert_int_equal(secret_init(keyfile("swap.key", "2:" HEX1 "\n")), 0);
	assert_int_equal(secret_open(out, &n, "tmail_body", 0, "abc", ct2,
	    sizeof(ct2)), -1);
	/* Not a sealed value at all. */
	assert_int_equal(secret_is_stale("short", 5), 0);
}

static void
test_secret_no_key(void **state)
{
	unsigned char	 ct[8 + SECRET_OVERHEAD];

	secret_fini();
	assert_int_equal(secret_key_id(), 0);
	assert_int_equal(secret_seal(ct, "totp", 1, "1", "12345678", 8), -1);
}

/*
 * The sealed format, opened with libsodium directly: subkey 1 of context
 * "prospea_" from key 2, additional data "prospea/v1" NUL kind NUL user id
 * (8 bytes, big-endian) row. Values at rest must keep opening across
 * releases.
 */
static void
test_secret_format(void **state)
{
	static const char pt[] = "format check";
	unsigned char	 ct[sizeof(pt) + SECRET_OVERHEAD], out[sizeof(pt)];
	unsigned char	 key[32], sub[32], ad[128];
	unsigned long long plen;
	size_t		 adlen = 0;
	const uint64_t	 user = UINT64_C(0x0102030405060708);

	assert_int_equal(secret_seal(ct, "smtp_password", user, "row-1", pt,
	    sizeof(pt)), 0);
	hexkey(key, HEX2);
	assert_int_equal(crypto_kdf_derive_from_key(sub, 32, SECRET_AEAD,
	    "prospea_", key), 0);
	memcpy(ad, "prospea/v1", 11);
	adlen = 11;
	memcpy(ad + adlen, "smtp_password", 14);
	adlen += 14;
	memcpy(ad + adlen, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	adlen += 8;
	memcpy(ad + adlen, "row-1", 5);
	adlen += 5;
	assert_int_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(out, &plen,
	    NULL, ct + SECRET_HDR, sizeof(ct) - SECRET_HDR, ad, adlen, ct + 6,
	    sub), 0);
	assert_int_equal(plen, sizeof(pt));
	assert_memory_equal(out, pt, sizeof(pt));
}

static void
test_secret_subkey(void **state)
{
	unsigned char	 key[32], want[32], got[32];

	hexkey(key, HEX2);
	assert_int_equal(crypto_kdf_derive_from_key(want, 32, SECRET_CSRF,
	    "prospea_", key), 0);
	secret_subkey(got, SECRET_CSRF);
	assert_memory_equal(got, want, 32);
	secret_subkey(got, SECRET_AEAD);
	assert_memory_not_equal(got, want, 32);
}

static int
b64url_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static int
cmp_tok(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
test_secret_token(void **state)
{
	enum { NTOK = 2000 };
	static char	 toks[NTOK][SECRET_TOKEN_LEN + 1];
	unsigned char	 raw[64];
	size_t		 i, j, rawlen;

	for (i = 0; i < NTOK; i++) {
		memset(toks[i], '!', sizeof(toks[i]));
		secret_token(toks[i]);
		assert_int_equal(strlen(toks[i]), 43);
		for (j = 0; j < 43; j++)
			assert_true(b64url_char(toks[i][j]));
		assert_int_equal(sodium_base642bin(raw, sizeof(raw), toks[i], 43,
		    NULL, &rawlen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
		assert_int_equal(rawlen, SECRET_TOKEN_BYTES);
	}
	qsort(toks, NTOK, sizeof(toks[0]), cmp_tok);
	for (i = 1; i < NTOK; i++)
		assert_string_not_equal(toks[i - 1], toks[i]);
}

static void
test_secret_token_hash(void **state)
{
	/* FIPS 180-2 appendix B.1: SHA-256("abc") */
	static const unsigned char abc[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
		0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
		0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	unsigned char	 h[32];

	secret_token_hash(h, "abcdef", 3);
	assert_memory_equal(h, abc, 32);
}

static void
test_secret_mac(void **state)
{
	static const char text[] = "session token text";
	char		 a[SECRET_TOKEN_LEN + 1], b[SECRET_TOKEN_LEN + 1];
	char		 want[SECRET_TOKEN_LEN + 1];
	unsigned char	 key[32], sub[32], mac[crypto_auth_BYTES];
	size_t		 j;

	secret_mac_b64(a, SECRET_CSRF, text, sizeof(text) - 1);
	secret_mac_b64(b, SECRET_CSRF, text, sizeof(text) - 1);
	assert_int_equal(strlen(a), 43);
	for (j = 0; j < 43; j++)
		assert_true(b64url_char(a[j]));
	assert_string_equal(a, b);
	/* Per purpose, per text. */
	secret_mac_b64(b, SECRET_AEAD, text, sizeof(text) - 1);
	assert_string_not_equal(a, b);
	secret_mac_b64(b, SECRET_CSRF, text, sizeof(text) - 2);
	assert_string_not_equal(a, b);
	/* HMAC-SHA-512-256 under the purpose's subkey of the current key. */
	hexkey(key, HEX2);
	assert_int_equal(crypto_kdf_derive_from_key(sub, 32, SECRET_CSRF,
	    "prospea_", key), 0);
	crypto_auth_hmacsha512256(mac, (const unsigned char *)text,
	    sizeof(text) - 1, sub);
	sodium_bin2base64(want, sizeof(want), mac, sizeof(mac),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	assert_string_equal(a, want);
	/* Another current key, another MAC. */
	assert_int_equal(secret_init(keyfile("three.key",
	    "1:" HEX1 "\n2:" HEX2 "\n3:" HEX1 "\n")), 0);
	secret_mac_b64(b, SECRET_CSRF, text, sizeof(text) - 1);
	assert_string_not_equal(a, b);
}

/* Unsubscribe tokens: round trip, tampering, and life across rotations. */
static void
test_unsub_token(void **state)
{
	char		 tok[UNSUB_TOKEN_LEN + 1], bad[UNSUB_TOKEN_LEN + 1];
	uint64_t	 ids[] = { 1, 42, 0x0102030405060708ULL, UINT64_MAX };
	size_t		 i;

	assert_int_equal(secret_init(keyfile("u1.key", "1:" HEX1 "\n")), 0);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		unsub_token(tok, ids[i]);
		assert_int_equal(strlen(tok), UNSUB_TOKEN_LEN);
		assert_true(unsub_parse(tok) == ids[i]);
	}
	unsub_token(tok, 42);
	/* Any changed character, a shorter or longer token: not ours. */
	for (i = 0; i < UNSUB_TOKEN_LEN; i++) {
		memcpy(bad, tok, sizeof(bad));
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		assert_true(unsub_parse(bad) == 0);
	}
	bad[UNSUB_TOKEN_LEN - 1] = '\0';
	assert_true(unsub_parse(bad) == 0);
	assert_true(unsub_parse("") == 0);
	assert_true(unsub_parse("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!") == 0);
	/* A new current key: the old link still works (first key kept). */
	assert_int_equal(secret_init(keyfile("u2.key",
	    "1:" HEX1 "\n2:" HEX2 "\n")), 0);
	assert_true(unsub_parse(tok) == 42);
	/* Another platform's key: nothing verifies. */
	assert_int_equal(secret_init(keyfile("u3.key", "1:" HEX2 "\n")), 0);
	assert_true(unsub_parse(tok) == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_secret_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_id_strict, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_secret_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_round_trip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_secret_empty_value, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_secret_tamper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_binding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_rotation, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_secret_no_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_subkey, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secret_token_hash, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_secret_mac, setup, teardown),
		cmocka_unit_test(test_unsub_token),
	};

	return cmocka_run_group_tests_name("secret", tests, NULL, group_teardown);
}
