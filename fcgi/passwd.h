/*
 * Passwords: Argon2id hashes in libsodium's string format
 * (crypto_pwhash_str), parameters from configuration, rehash when they
 * change, a dummy verification for unknown accounts so that timing does
 * not tell which e-mails have one, and the common-passwords check of
 * NIST SP 800-63B section 5.1.1.2 ("passwords obtained from previous
 * breach corpuses", "dictionary words").
 *
 * Hashing costs a core for a tenth of a second, so a flood of sign-ins
 * could occupy every child of a handler and starve cheap requests. At
 * most hash_slots hashes run at once on a host (flock(2) on lock files in
 * run_dir, released by the kernel if a child dies); past that the call
 * returns PASSWD_BUSY at once and the handler answers 503 with
 * Retry-After, keeping its other children free.
 */
#ifndef PROSPEA_PASSWD_H
#define PROSPEA_PASSWD_H

#include <stddef.h>

#include <sodium.h>

struct conf;

#define PASSWD_HASH_MAX	crypto_pwhash_STRBYTES
#define PASSWD_BUSY	(-2)	/* every hashing slot of this host is taken */

/*
 * Loads the common-password lists named by c (one password per line,
 * '#!comment' lines skipped, compared without case), opens the hashing
 * slots' lock files in c->run_dir and computes the dummy hash. 0, or -1
 * after logging (a list that cannot be read is an error: a silent empty
 * list would accept "123456").
 */
int	 passwd_init(const struct conf *c);

/* Hashes pw into out with the configured cost. 0, -1 (out of memory) or PASSWD_BUSY. */
int	 passwd_hash(char out[PASSWD_HASH_MAX], const char *pw);

/*
 * Verifies pw against hash. hash NULL runs the same work against the
 * dummy hash and fails, for accounts that do not exist. 1 if it matches,
 * 0 if not, PASSWD_BUSY.
 */
int	 passwd_verify(const char *hash, const char *pw);

/* 1 if hash was made with other parameters than the configured ones. */
int	 passwd_stale(const char *hash);

/*
 * Policy check for a new password (length is the field table's job):
 * NULL when acceptable, else a code: "common_password" (on a list),
 * "password_like_email" (the address or its local part).
 */
const char *passwd_weak(const char *pw, const char *email);

#endif
