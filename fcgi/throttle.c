/*
 * Throttle counters in the auth_throttle table. See throttle.h.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "conf.h"
#include "throttle.h"

static const char *const throttle_sql[THROTTLE__MAX] = {
	[THROTTLE_GET] =
	    "SELECT GREATEST(0, TIMESTAMPDIFF(SECOND, NOW(3), blocked_until)) "
	    "FROM auth_throttle WHERE k = ? AND blocked_until > NOW(3)",
	[THROTTLE_LOCK] =
	    "SELECT events, TIMESTAMPDIFF(SECOND, window_start, NOW(3)), blocks, "
	    "COALESCE(TIMESTAMPDIFF(SECOND, blocked_until, NOW(3)), -1) "
	    "FROM auth_throttle WHERE k = ? FOR UPDATE",
	[THROTTLE_PUT] =
	    "INSERT INTO auth_throttle (k, events, window_start, blocks, blocked_until) "
	    "VALUES (?, ?, NOW(3) - INTERVAL ? SECOND, ?, "
	    "IF(? > 0, NOW(3) + INTERVAL ? SECOND, NULL)) "
	    "ON DUPLICATE KEY UPDATE events = VALUE(events), "
	    "window_start = VALUE(window_start), blocks = VALUE(blocks), "
	    "blocked_until = IF(? > 0, VALUE(blocked_until), blocked_until)",
	[THROTTLE_DEL] =
	    "DELETE FROM auth_throttle WHERE k = ?",
};

const struct db_table throttle_table = { throttle_sql, THROTTLE_GET,
    THROTTLE__MAX };

void
throttle_key(unsigned char out[32], const char *scope, const char *value)
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)scope,
	    strlen(scope) + 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)value,
	    strlen(value));
	crypto_hash_sha256_final(&st, out);
}

int
throttle_wait(struct db *db, const unsigned char key[32], long *wait)
{
	int	 rc;

	*wait = 0;
	rc = db_one(db, THROTTLE_GET, DB_ARGS(DB_BLOB(key, 32)));
	if (rc == DB_OK) {
		*wait = (long)db_int(db, 0) + 1;
		db_done(db);
	}
	return rc == DB_NONE ? DB_OK : rc;
}

struct throttle_op {
	const struct conf	*c;
	const unsigned char	*key;
	long			 max, window;
	int			 blocked;
};

static int
throttle_hit_tx(struct db *db, void *arg)
{
	struct throttle_op	*op = arg;
	long long		 events = 0, age = 0, blocks = 0, since = -1;
	long			 block = 0;
	int			 rc;

	op->blocked = 0;
	rc = db_one(db, THROTTLE_LOCK, DB_ARGS(DB_BLOB(op->key, 32)));
	if (rc == DB_OK) {
		events = db_int(db, 0);
		age = db_int(db, 1);
		blocks = db_int(db, 2);
		since = db_int(db, 3);
		db_done(db);
	} else if (rc != DB_NONE)
		return rc;
	if (rc == DB_NONE || age >= op->window) {
		/* A new window; forget past blocks once they are long over. */
		events = 0;
		age = 0;
		if (since > op->c->throttle_block_max)
			blocks = 0;
	}
	events++;
	if (events >= op->max) {
		block = op->c->throttle_block;
		for (long long i = 0; i < blocks && block < op->c->throttle_block_max; i++)
			block *= 2;
		if (block > op->c->throttle_block_max)
			block = op->c->throttle_block_max;
		blocks++;
		events = 0;
		age = 0;
		op->blocked = 1;
	}
	rc = db_exec(db, THROTTLE_PUT, DB_ARGS(DB_BLOB(op->key, 32),
	    DB_INT(events), DB_INT(age), DB_INT(blocks), DB_INT(block),
	    DB_INT(block), DB_INT(block)));
	return rc == DB_NONE ? DB_OK : rc;
}

int
throttle_hit(struct db *db, const struct conf *c, const unsigned char key[32],
    long max, long window, int *blocked)
{
	struct throttle_op	 op = { c, key, max, window, 0 };
	int			 rc;

	rc = db_tx(db, throttle_hit_tx, &op);
	if (blocked != NULL)
		*blocked = op.blocked;
	return rc;
}

int
throttle_clear(struct db *db, const unsigned char key[32])
{
	int	 rc;

	rc = db_exec(db, THROTTLE_DEL, DB_ARGS(DB_BLOB(key, 32)));
	return rc == DB_NONE ? DB_OK : rc;
}
