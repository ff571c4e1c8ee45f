/*
 * Brute-force throttling kept in the database, so every child and every
 * host shares one count (DESIGN.md section 5: handlers are stateless).
 * A key is the SHA-256 of a scope and a value ("login-account" + the
 * e-mail's comparison key, "ip" + the client address). Failures are counted
 * in a window; reaching the limit blocks the key for conf throttle_block
 * seconds, doubling with each consecutive block up to throttle_block_max,
 * so a real user who mistypes is never locked out for long (OWASP
 * Authentication Cheat Sheet, "Account Lockout").
 */
#ifndef PROSPEA_THROTTLE_H
#define PROSPEA_THROTTLE_H

#include <stddef.h>

#include "tmail.h"

enum throttle_stmt {
	THROTTLE_GET = TMAIL__MAX,
	THROTTLE_LOCK,
	THROTTLE_PUT,
	THROTTLE_DEL,
	THROTTLE__MAX
};

extern const struct db_table throttle_table;

struct conf;

/* Writes the key of scope + value into out. */
void	 throttle_key(unsigned char out[32], const char *scope, const char *value);

/*
 * Seconds the key stays blocked (0: not blocked) in *wait. A db.h code.
 */
int	 throttle_wait(struct db *db, const unsigned char key[32], long *wait);

/*
 * Counts one event against key, allowing max events per window seconds;
 * blocks the key when max is reached (see above for how long). A db.h
 * code; *blocked (may be NULL) set to 1 when this event started a block.
 */
int	 throttle_hit(struct db *db, const struct conf *c,
	    const unsigned char key[32], long max, long window, int *blocked);

/* Forgets the key (after a successful login). A db.h code. */
int	 throttle_clear(struct db *db, const unsigned char key[32]);

#endif
