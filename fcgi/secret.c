/*
 * Secrets at rest with libsodium: a small key ring loaded from the master
 * key file, per-purpose subkeys, and XChaCha20-Poly1305 sealing with
 * associated data. Keys never leave sodium_malloc()'d memory except as
 * short-lived stack subkeys that are wiped after use.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "log.h"
#include "secret.h"

#define SECRET_KEYS_MAX	16
#define SECRET_CTX	"prospea_"	/* crypto_kdf_CONTEXTBYTES == 8 */

struct secret_key {
	uint32_t	 id;
	unsigned char	*key;		/* sodium_malloc, 32 bytes */
};

static struct secret_key	secret_ring[SECRET_KEYS_MAX];
static size_t			secret_nkeys;
static size_t			secret_cur;	/* index of the highest id */

void
secret_fini(void)
{
	size_t	 i;

	for (i = 0; i < secret_nkeys; i++)
		sodium_free(secret_ring[i].key);
	memset(secret_ring, 0, sizeof(secret_ring));
	secret_nkeys = secret_cur = 0;
}

int
secret_init(const char *path)
{
	FILE		*f;
	struct stat	 st;
	char		 line[256], *colon, *end;
	unsigned long	 id;
	size_t		 i, lineno = 0, hexlen;
	int		 rc = -1;

	if (sodium_init() < 0) {
		log_err("libsodium failed to initialise");
		return -1;
	}
	secret_fini();
	if ((f = fopen(path, "r")) == NULL) {
		log_err("master key file %s: %s", path, strerror(errno));
		return -1;
	}
	/* Group read is allowed: the programs' users share one group. */
	if (fstat(fileno(f), &st) == -1 || (st.st_mode & 027) != 0) {
		log_err("master key file %s: must not be accessible to others nor "
		    "writable by the group (chmod 640 or 600)", path);
		goto out;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if ((colon = strchr(line, ':')) == NULL) {
			log_err("master key file %s:%zu: expected <id>:<64 hex digits>",
			    path, lineno);
			goto out;
		}
		*colon = '\0';
		errno = 0;
		id = strtoul(line, &end, 10);
		hexlen = strlen(colon + 1);
		/* Digits only: strtoul would take "+1", " 1" or a wrapped "-1". */
		if (line[0] == '\0' || strspn(line, "0123456789") != strlen(line) ||
		    *end != '\0' || errno != 0 || id == 0 ||
		    id > UINT32_MAX || hexlen != 64) {
			log_err("master key file %s:%zu: expected <id>:<64 hex digits>",
			    path, lineno);
			goto out;
		}
		for (i = 0; i < secret_nkeys; i++)
			if (secret_ring[i].id == id) {
				log_err("master key file %s:%zu: duplicate key id %lu",
				    path, lineno, id);
				goto out;
			}
		if (secret_nkeys == SECRET_KEYS_MAX) {
			log_err("master key file %s: more than %d keys", path,
			    SECRET_KEYS_MAX);
			goto out;
		}
		if ((secret_ring[secret_nkeys].key = sodium_malloc(32)) == NULL)
			abort();
		if (sodium_hex2bin(secret_ring[secret_nkeys].key, 32, colon + 1,
		    64, NULL, NULL, NULL) != 0) {
			sodium_free(secret_ring[secret_nkeys].key);
			secret_ring[secret_nkeys].key = NULL;
			log_err("master key file %s:%zu: not hexadecimal", path, lineno);
			goto out;
		}
		secret_ring[secret_nkeys].id = (uint32_t)id;
		if (secret_ring[secret_nkeys].id > secret_ring[secret_cur].id)
			secret_cur = secret_nkeys;
		secret_nkeys++;
	}
	if (secret_nkeys == 0) {
		log_err("master key file %s: no key", path);
		goto out;
	}
	for (i = 0; i < secret_nkeys; i++)
		sodium_mprotect_readonly(secret_ring[i].key);
	rc = 0;
out:
	sodium_memzero(line, sizeof(line));
	fclose(f);
	if (rc == -1)
		secret_fini();
	return rc;
}

uint32_t
secret_key_id(void)
{
	return secret_nkeys == 0 ? 0 : secret_ring[secret_cur].id;
}

static const struct secret_key *
secret_find(uint32_t id)
{
	size_t	 i;

	for (i = 0; i < secret_nkeys; i++)
		if (secret_ring[i].id == id)
			return &secret_ring[i];
	return NULL;
}

static void
secret_derive(unsigned char out[32], const struct secret_key *k,
    enum secret_purpose p)
{
	if (crypto_kdf_derive_from_key(out, 32, (uint64_t)p, SECRET_CTX,
	    k->key) != 0)
		abort();
}

void
secret_subkey(unsigned char out[32], enum secret_purpose p)
{
	if (secret_nkeys == 0)
		abort();
	secret_derive(out, &secret_ring[secret_cur], p);
}

void
secret_first_mac(unsigned char out[32], enum secret_purpose p,
    const void *text, size_t len)
{
	unsigned char	 sub[32];
	size_t		 i, first = 0;

	if (secret_nkeys == 0)
		abort();
	for (i = 1; i < secret_nkeys; i++)
		if (secret_ring[i].id < secret_ring[first].id)
			first = i;
	secret_derive(sub, &secret_ring[first], p);
	crypto_auth_hmacsha256(out, text, len, sub);
	sodium_memzero(sub, sizeof(sub));
}

void
secret_lookup_hash(unsigned char out[32], const void *text, size_t len)
{
	secret_first_mac(out, SECRET_LOOKUP, text, len);
}

/*
 * Associated data: "prospea/v1" NUL kind NUL user id (8 bytes BE) row.
 * NUL separators keep ("ab","c") and ("a","bc") apart.
 */
static size_t
secret_ad(unsigned char *ad, size_t cap, const char *kind, uint64_t user_id,
    const char *row)
{
	static const char pre[] = "prospea/v1";
	size_t		  n = 0, kl = strlen(kind), rl = strlen(row);
	int		  i;

	if (sizeof(pre) + kl + 1 + 8 + rl > cap)
		abort();
	memcpy(ad, pre, sizeof(pre));
	n = sizeof(pre);
	memcpy(ad + n, kind, kl + 1);
	n += kl + 1;
	for (i = 7; i >= 0; i--)
		ad[n++] = (unsigned char)(user_id >> (i * 8));
	memcpy(ad + n, row, rl);
	return n + rl;
}

int
secret_seal(unsigned char *out, const char *kind, uint64_t user_id,
    const char *row, const void *pt, size_t ptlen)
{
	unsigned char		 sub[32], ad[512];
	const struct secret_key	*k;
	size_t			 adlen;
	unsigned long long	 clen;

	if (secret_nkeys == 0)
		return -1;
	k = &secret_ring[secret_cur];
	out[0] = 'P';
	out[1] = 1;
	out[2] = (unsigned char)(k->id >> 24);
	out[3] = (unsigned char)(k->id >> 16);
	out[4] = (unsigned char)(k->id >> 8);
	out[5] = (unsigned char)k->id;
	randombytes_buf(out + 6, 24);
	adlen = secret_ad(ad, sizeof(ad), kind, user_id, row);
	secret_derive(sub, k, SECRET_AEAD);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + SECRET_HDR, &clen,
	    pt, ptlen, ad, adlen, NULL, out + 6, sub);
	sodium_memzero(sub, sizeof(sub));
	return 0;
}

static int
secret_hdr(const unsigned char *c, size_t ctlen, uint32_t *id)
{
	if (ctlen < SECRET_OVERHEAD || c[0] != 'P' || c[1] != 1)
		return -1;
	*id = (uint32_t)c[2] << 24 | (uint32_t)c[3] << 16 |
	    (uint32_t)c[4] << 8 | (uint32_t)c[5];
	return 0;
}

int
secret_open(unsigned char *out, size_t *ptlen, const char *kind,
    uint64_t user_id, const char *row, const void *ct, size_t ctlen)
{
	const unsigned char	*c = ct;
	unsigned char		 sub[32], ad[512];
	const struct secret_key	*k;
	uint32_t		 id;
	size_t			 adlen;
	unsigned long long	 plen;
	int			 rc;

	if (secret_hdr(c, ctlen, &id) == -1 || (k = secret_find(id)) == NULL)
		return -1;
	adlen = secret_ad(ad, sizeof(ad), kind, user_id, row);
	secret_derive(sub, k, SECRET_AEAD);
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt(out, &plen, NULL,
	    c + SECRET_HDR, ctlen - SECRET_HDR, ad, adlen, c + 6, sub);
	sodium_memzero(sub, sizeof(sub));
	if (rc != 0)
		return -1;
	*ptlen = (size_t)plen;
	return 0;
}

int
secret_is_stale(const void *ct, size_t ctlen)
{
	uint32_t	 id;

	return secret_hdr(ct, ctlen, &id) == 0 && id != secret_key_id();
}

void
secret_token(char out[SECRET_TOKEN_LEN + 1])
{
	unsigned char	 raw[SECRET_TOKEN_BYTES];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, SECRET_TOKEN_LEN + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

void
secret_token_hash(unsigned char out[32], const char *token, size_t len)
{
	crypto_hash_sha256(out, (const unsigned char *)token, len);
}

void
secret_mac_b64(char out[SECRET_TOKEN_LEN + 1], enum secret_purpose p,
    const void *text, size_t len)
{
	unsigned char	 sub[32], mac[crypto_auth_BYTES];

	secret_subkey(sub, p);
	crypto_auth(mac, text, len, sub);
	sodium_bin2base64(out, SECRET_TOKEN_LEN + 1, mac, sizeof(mac),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(sub, sizeof(sub));
	sodium_memzero(mac, sizeof(mac));
}
