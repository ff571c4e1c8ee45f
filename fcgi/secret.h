/*
 * Secrets at rest and random tokens (libsodium).
 *
 * The master key file holds one or more keys, one per line as
 * "<id>:<64 hex digits>" (id 1..4294967295); the highest id is the current
 * key, the others only open what they sealed, so keys can be rotated while
 * old ciphertexts are re-sealed. Per-purpose subkeys come from
 * crypto_kdf_derive_from_key() with context "prospea_", so a leak of one
 * subkey says nothing about the others.
 *
 * A sealed value is XChaCha20-Poly1305-IETF with a random 192-bit nonce and
 * associated data binding it to its kind, its user and its row:
 *   'P' | version 1 | key id (4 bytes, big-endian) | nonce (24) | ciphertext+tag
 * so a ciphertext copied to another user's row or another column fails to
 * open. See https://doc.libsodium.org/secret-key_cryptography/aead/chacha20-poly1305/xchacha20-poly1305_construction
 */
#ifndef PROSPEA_SECRET_H
#define PROSPEA_SECRET_H

#include <stddef.h>
#include <stdint.h>

/* Subkey purposes; the numbers are crypto_kdf subkey ids and never change. */
enum secret_purpose {
	SECRET_AEAD = 1,	/* sealing values at rest */
	SECRET_CSRF = 2,	/* CSRF tokens derived from session tokens */
	SECRET_LOOKUP = 3,	/* keyed hashes looked up later (suppressions) */
	SECRET_UNSUB = 4,	/* unsubscribe links in sent messages (unsub.h) */
	SECRET_PURPOSE__MAX
};

#define SECRET_HDR	(2 + 4 + 24)
#define SECRET_OVERHEAD	(SECRET_HDR + 16)	/* sealed size = plaintext + this */
#define SECRET_TOKEN_BYTES 32
#define SECRET_TOKEN_LEN 43	/* base64url, no padding, of 32 bytes */

/*
 * Loads the key file. Refuses a file that others can access or the
 * group can write (the programs' users may share a group that reads it), a malformed line, a duplicate id, or no key. 0, or -1 after
 * logging why. Keys live in locked, guarded memory (sodium_malloc).
 */
int	secret_init(const char *path);

/* Forgets all keys (wiped). */
void	secret_fini(void);

/* Id of the current (highest) key; 0 before secret_init(). */
uint32_t secret_key_id(void);

/*
 * Writes the 32-byte subkey for purpose from the current key into out.
 * The caller wipes it with sodium_memzero() after use.
 */
void	secret_subkey(unsigned char out[32], enum secret_purpose);

/*
 * Seals ptlen bytes. kind names the column ("smtp_password", "totp",
 * "tmail_body"), user_id the owner (0 for platform data), row a stable
 * identifier of the row (its id or a unique key). out must hold
 * ptlen + SECRET_OVERHEAD bytes. 0, or -1 if no key is loaded.
 */
int	secret_seal(unsigned char *out, const char *kind, uint64_t user_id,
	    const char *row, const void *pt, size_t ptlen);

/*
 * Opens a sealed value with the same kind, user_id and row it was sealed
 * with. out must hold ctlen - SECRET_OVERHEAD bytes; *ptlen gets the size.
 * 0, or -1 if the value is malformed, from an unknown key, tampered with,
 * or bound to something else. The caller wipes out after use.
 */
int	secret_open(unsigned char *out, size_t *ptlen, const char *kind,
	    uint64_t user_id, const char *row, const void *ct, size_t ctlen);

/* 1 if ct was sealed with a key other than the current one. */
int	secret_is_stale(const void *ct, size_t ctlen);

/*
 * A fresh token: 32 random bytes, base64url without padding, 43 characters
 * plus NUL in out. Used for sessions and one-time links.
 */
void	secret_token(char out[SECRET_TOKEN_LEN + 1]);

/*
 * SHA-256 of a token's text, what the database stores in place of the
 * token so a read of the table does not yield usable sessions or links.
 */
void	secret_token_hash(unsigned char out[32], const char *token, size_t len);

/*
 * Keyed hash for lookups (the suppression list): HMAC-SHA-256 of len
 * bytes at text, keyed with the SECRET_LOOKUP subkey of the *first* key
 * of the ring (lowest id), into out. A stored hash cannot be computed
 * again after a rotation (the value is gone), so this key never rotates:
 * keep the first key line in the key file for as long as the database
 * holds such hashes.
 */
void	secret_lookup_hash(unsigned char out[32], const void *text, size_t len);

/*
 * HMAC-SHA-256 of len bytes at text into out, keyed with purpose's subkey
 * of the *first* key of the ring, as secret_lookup_hash() (which is this
 * with SECRET_LOOKUP): for values that must verify for as long as they
 * live outside (a link in an e-mail sent years ago), whatever rotations
 * happened since.
 */
void	secret_first_mac(unsigned char out[32], enum secret_purpose p,
	    const void *text, size_t len);

/*
 * Keyed MAC of text with the purpose's subkey (HMAC-SHA-512-256), written
 * as 43 base64url characters plus NUL. Used to derive CSRF tokens from the
 * session token without storing them.
 */
void	secret_mac_b64(char out[SECRET_TOKEN_LEN + 1], enum secret_purpose,
	    const void *text, size_t len);

#endif
