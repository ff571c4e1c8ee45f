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

/*
 * A fresh message key (hex) and the text sealed to it and to user_id:
 * *ct is owned (free()), *ctlen its length. 0, or -1 if sealing failed.
 */
static int
tmail_seal(uint64_t user_id, const char *text, char key[TMAIL_KEY_LEN + 1],
    unsigned char **ct, size_t *ctlen)
{
	unsigned char	 raw[TMAIL_KEY_LEN / 2];
	size_t		 len = strlen(text);

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(key, TMAIL_KEY_LEN + 1, raw, sizeof(raw));
	*ctlen = len + SECRET_OVERHEAD;
	if ((*ct = malloc(*ctlen)) == NULL)
		abort();
	if (secret_seal(*ct, "tmail_body", user_id, key, text, len) == -1) {
		free(*ct);
		*ct = NULL;
		return -1;
	}
	return 0;
}

int
tmail_queue(struct db *db, uint64_t user_id, const char *kind,
    const char *to_addr, const char *subject, const char *text)
{
	unsigned char	*ct;
	char		 key[TMAIL_KEY_LEN + 1];
	size_t		 ctlen;
	int		 rc;

	if (tmail_seal(user_id, text, key, &ct, &ctlen) == -1)
		return DB_ERR;
	rc = db_exec(db, TMAIL_INSERT, DB_ARGS(
	    user_id != 0 ? DB_INT(user_id) : DB_NULL, DB_TEXT(key),
	    DB_TEXT(kind), DB_TEXT(to_addr), DB_TEXT(subject),
	    DB_BLOB(ct, ctlen)));
	free(ct);
	return rc;
}

/* The placeholders of TMAIL_INSERT. */
#define TMAIL_COLS	6

int
tmail_queue_many(struct db *db, const char *kind, const struct tmail_msg *msgs,
    size_t n)
{
	struct db_arg	*rows;
	unsigned char	*ct[TMAIL_BULK];
	char		(*keys)[TMAIL_KEY_LEN + 1];
	size_t		 done, i, k, ctlen;
	int		 rc = DB_OK;

	if ((rows = calloc(TMAIL_BULK * TMAIL_COLS, sizeof(*rows))) == NULL ||
	    (keys = calloc(TMAIL_BULK, sizeof(*keys))) == NULL)
		abort();
	for (done = 0; done < n && rc == DB_OK; done += k) {
		k = n - done < TMAIL_BULK ? n - done : TMAIL_BULK;
		for (i = 0; i < k; i++) {
			const struct tmail_msg *m = &msgs[done + i];
			struct db_arg *row = rows + i * TMAIL_COLS;

			if (tmail_seal(m->user_id, m->text, keys[i], &ct[i],
			    &ctlen) == -1) {
				while (i-- > 0)
					free(ct[i]);
				rc = DB_ERR;
				goto out;
			}
			row[0] = m->user_id != 0 ? DB_INT(m->user_id) : DB_NULL;
			row[1] = DB_TEXT(keys[i]);
			row[2] = DB_TEXT(kind);
			row[3] = DB_TEXT(m->to_addr);
			row[4] = DB_TEXT(m->subject);
			row[5] = DB_BLOB(ct[i], ctlen);
		}
		rc = db_exec_bulk(db, TMAIL_INSERT, rows, k);
		for (i = 0; i < k; i++)
			free(ct[i]);
	}
out:
	free(keys);
	free(rows);
	return rc;
}
