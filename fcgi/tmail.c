/*
 * Queueing transactional e-mail. See tmail.h; the sending side is
 * workers/mailer.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "secret.h"
#include "tmail.h"

static const char *const tmail_sql[TMAIL__MAX] = {
	[TMAIL_INSERT] =
	    "INSERT INTO transactional_email (user_id, msg_key, kind, to_addr, "
	    "subject, body_ct, status, next_attempt_at, created_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, 'queued', NOW(3), NOW(3))",
};

const struct db_table tmail_table = { tmail_sql, TMAIL_INSERT, TMAIL__MAX };

int
tmail_queue(struct db *db, uint64_t user_id, const char *kind,
    const char *to_addr, const char *subject, const char *text)
{
	unsigned char	 raw[TMAIL_KEY_LEN / 2], *ct;
	char		 key[TMAIL_KEY_LEN + 1];
	size_t		 len = strlen(text), ctlen = len + SECRET_OVERHEAD;
	int		 rc;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(key, sizeof(key), raw, sizeof(raw));
	if ((ct = malloc(ctlen)) == NULL)
		abort();
	if (secret_seal(ct, "tmail_body", user_id, key, text, len) == -1) {
		free(ct);
		return DB_ERR;
	}
	rc = db_exec(db, TMAIL_INSERT, DB_ARGS(
	    user_id != 0 ? DB_INT(user_id) : DB_NULL, DB_TEXT(key),
	    DB_TEXT(kind), DB_TEXT(to_addr), DB_TEXT(subject),
	    DB_BLOB(ct, ctlen)));
	free(ct);
	return rc;
}
