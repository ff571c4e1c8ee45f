/*
 * The transactional e-mail queue: messages the platform sends to its own
 * users (address verification, password reset, security notices). A
 * request only writes a row (DESIGN.md: no SMTP inside a request); the
 * mailer worker sends it. Every message is recorded in
 * transactional_email (kind, recipient, subject, status, times) as the
 * 3-year evidence the privacy policy describes; its body, which may hold
 * a one-time link, is sealed at rest (secret.h) and wiped once sent.
 */
#ifndef PROSPEA_TMAIL_H
#define PROSPEA_TMAIL_H

#include <stdint.h>

#include "db.h"
#include "sess.h"

enum tmail_stmt {
	TMAIL_INSERT = SESS__MAX,
	TMAIL__MAX
};

extern const struct db_table tmail_table;

#define TMAIL_KEY_LEN	32	/* hex characters of the message key */

/*
 * Queues one message to to_addr for user_id (0: not an account holder).
 * kind names the message for the record ("verify_email"); subject and
 * text are UTF-8. Returns a db.h code (DB_OK when queued). Runs inside the
 * caller's transaction if there is one, so the message exists exactly
 * when the change it announces does.
 */
int	 tmail_queue(struct db *db, uint64_t user_id, const char *kind,
	    const char *to_addr, const char *subject, const char *text);

/* One message of tmail_queue_many(); every string borrowed, UTF-8. */
struct tmail_msg {
	uint64_t	 user_id;	/* 0: not an account holder */
	const char	*to_addr;
	const char	*subject;
	const char	*text;
};

/* Messages tmail_queue_many() sends to the server in one round trip. */
#define TMAIL_BULK	500

/*
 * Queues msgs[0..n) of one kind, like n calls of tmail_queue() but
 * TMAIL_BULK rows a round trip (array binding, db_exec_bulk()): a notice
 * to every user (a policy change) is thousands of rows. Call it inside
 * the caller's db_tx(), which makes the whole set appear at once or not
 * at all. A db.h code (DB_OK when all are queued).
 */
int	 tmail_queue_many(struct db *db, const char *kind,
	    const struct tmail_msg *msgs, size_t n);

#endif
