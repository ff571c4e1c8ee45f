/*
 * Accounts: sign-up, address verification, forgotten password, reset and
 * change. Answers that could tell whether an address has an account
 * (sign-up, forgot) are the same for every address, and do comparable
 * work either way (an Argon2id hash for sign-up, a padded duration for
 * forgot). Password hashing waits for nothing: a guessed token or a
 * refused password is answered before any hash is computed.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <liboath/oath.h>
#include <sodium.h>

#include "analytics.h"
#include "arena.h"
#include "auth.h"
#include "conf.h"
#include "email.h"
#include "log.h"
#include "passwd.h"
#include "policy.h"
#include "tmail.h"
#include "req.h"
#include "resp.h"
#include "secret.h"
#include "sess.h"
#include "throttle.h"

/* Shortest answer to a forgotten-password request, milliseconds (see auth_password_forgot). */
#define AUTH_FORGOT_MS	40

int
auth_init(const struct conf *c, struct db *db)
{
	(void)db;
	if (oath_init() != OATH_OK) {
		log_err("liboath failed to initialise");
		return -1;
	}
	return passwd_init(c);
}

int
auth_busy(struct req *r)
{
	return resp_retry(r, 503, 1, "busy",
	    "Too many sign-ins at this moment: try again in a second.");
}

/* The one answer to a link that is unknown, spent or expired. */
static int
auth_invalid_token(struct req *r)
{
	return resp_problem(r, 400, "invalid_token",
	    "This link is invalid, already used or expired.");
}

int
auth_token_take(struct db *db, const char *token, const char *kind,
    uint64_t *user_id)
{
	unsigned char	 hash[32];
	uint64_t	 id;
	int		 rc;

	secret_token_hash(hash, token, strlen(token));
	rc = db_one(db, AS_TOKEN_LOCK, DB_ARGS(DB_BLOB(hash, sizeof(hash)),
	    DB_TEXT(kind)));
	if (rc != DB_OK)
		return rc;
	id = (uint64_t)db_int(db, 0);
	*user_id = (uint64_t)db_int(db, 1);
	db_done(db);
	return db_exec(db, AS_TOKEN_USE, DB_ARGS(DB_INT(id)));
}

/* Expires the user's unused tokens of kind. A db.h code. */
static int
auth_tokens_expire(struct db *db, uint64_t user_id, const char *kind)
{
	int	 rc;

	rc = db_exec(db, AS_TOKENS_EXPIRE, DB_ARGS(DB_INT(user_id), DB_TEXT(kind)));
	return rc == DB_NONE ? DB_OK : rc;
}

/*
 * The notice of every policy version published but not yet in force
 * (policy.h): an account opened during a notice period gets it too, so
 * that nobody is asked to accept a version without its notice; from here
 * once the mailer's fan-out of that version is over, from the fan-out
 * before. In the sign-up's transaction. A db.h code.
 */
static int
auth_policy_upcoming(struct db *db, uint64_t uid, const char *email,
    const char *first)
{
	struct {
		char	*version, *summary, *url;
		time_t	 at;
	}		 v[4];
	size_t		 n = 0, i;
	char		*text;
	int		 rc;

	if ((rc = db_query(db, AS_POLICY_UPCOMING, DB_NOARGS)) != DB_OK)
		return rc == DB_NONE ? DB_OK : rc;
	while ((rc = db_next(db)) == DB_OK)
		if (n < sizeof(v) / sizeof(v[0]) && db_int(db, 4) != 0) {
			v[n].version = strdup(db_str(db, 0));
			v[n].at = (time_t)db_int(db, 1);
			v[n].summary = strdup(db_str(db, 2));
			v[n].url = strdup(db_str(db, 3));
			if (v[n].version == NULL || v[n].summary == NULL ||
			    v[n].url == NULL)
				abort();
			n++;
		}
	if (rc == DB_NONE)
		rc = DB_OK;
	for (i = 0; i < n; i++) {
		if (rc == DB_OK) {
			text = policy_notice_text(first, v[i].version, v[i].at,
			    v[i].summary, v[i].url);
			rc = tmail_queue(db, uid, "policy_change", email,
			    policy_notice_subject, text);
			free(text);
		}
		free(v[i].version);
		free(v[i].summary);
		free(v[i].url);
	}
	return rc;
}

/* Answers a weak new password (422) and returns 1; 0 when it is fine. */
static int
auth_weak_or_reply(struct req *r, const char *field, const char *pw,
    const char *email, int *status)
{
	const char	*code = passwd_weak(pw, email);

	if (code == NULL)
		return 0;
	*status = resp_unprocessable(r, field, code, strcmp(code,
	    "common_password") == 0 ?
	    "This password is too common: choose one that is harder to guess." :
	    "The password must not be your e-mail address.");
	return 1;
}

struct signup {
	struct req	*r;
	const char	*email;
	const char	*email_key;
	const char	*hash;
	uint64_t	 policy_id;
};

static int
auth_signup_tx(struct db *db, void *arg)
{
	struct signup	*su = arg;
	struct req	*r = su->r;
	const char	*first, *stored;
	uint64_t	 uid;
	int		 rc, verified;

	rc = db_one(db, AS_USER_BY_EMAIL, DB_ARGS(DB_TEXT(su->email_key)));
	if (rc == DB_OK && db_int(db, 8) == 0) {
		/* Closed, to be erased: the address is free after the purge. */
		db_done(db);
		return DB_OK;
	}
	if (rc == DB_OK) {
		/* The address has an account: tell its owner, not the caller. */
		uid = (uint64_t)db_int(db, 0);
		verified = db_int(db, 2) != 0;
		stored = arena_strdup(r->arena, db_str(db, 6));
		first = arena_strdup(r->arena, db_str(db, 7));
		db_done(db);
		if (verified)
			return auth_mail(r, AM_SIGNUP_EXISTS, uid, stored, first);
		/*
		 * Not verified yet: whoever signed up first may not own the
		 * mailbox. Earlier confirmation links stop working; the owner
		 * gets a link to choose the password, which also confirms.
		 */
		if ((rc = auth_tokens_expire(db, uid, "verify_email")) != DB_OK)
			return rc;
		return auth_mail(r, AM_SIGNUP_UNVERIFIED, uid, stored, NULL);
	}
	if (rc != DB_NONE)
		return rc;
	rc = db_exec(db, AS_USER_INSERT, DB_ARGS(DB_TEXT(su->email),
	    DB_TEXT(su->email_key), DB_TEXT(req_str(r, SU_FIRST)),
	    DB_TEXT(req_str(r, SU_LAST)), DB_TEXT(su->hash)));
	if (rc != DB_OK)
		return rc;
	uid = db_last_id(db);
	if ((rc = db_exec(db, AS_ACCEPT_INSERT, DB_ARGS(DB_INT(uid),
	    DB_INT(su->policy_id), DB_TEXT(r->remote_addr)))) != DB_OK)
		return rc;
	if ((rc = sess_event(r, uid, "signup")) != DB_OK)
		return rc;
	if ((rc = auth_mail(r, AM_VERIFY, uid, su->email, NULL)) != DB_OK)
		return rc;
	return auth_policy_upcoming(db, uid, su->email,
	    req_str(r, SU_FIRST));
}

int
auth_signup(struct req *r)
{
	struct signup	 su;
	unsigned char	 ipkey[32];
	char		 key[EMAIL_MAX + 1], ascii[EMAIL_MAX + 1];
	char		 hash[PASSWD_HASH_MAX], detail[160];
	const char	*pw = req_str(r, SU_PASSWORD);
	long		 wait;
	int		 rc, status;

	su.r = r;
	su.email = req_str(r, SU_EMAIL);
	/* Platform mail goes out without SMTPUTF8: the local part must be ASCII. */
	if (email_ascii(ascii, sizeof(ascii), su.email) == -1)
		return resp_unprocessable(r, "email", "email_not_ascii",
		    "Use an address whose part before the @ is in ASCII letters, "
		    "digits and signs: others cannot receive our mail yet.");
	/*
	 * Sign-up attempts per client address and hour, valid or not: each
	 * valid one costs a hash and sends a mail.
	 */
	throttle_key(ipkey, "signup-ip", r->remote_addr);
	if ((rc = throttle_wait(r->db, ipkey, &wait)) != DB_OK)
		return resp_db(r, rc);
	if (wait > 0)
		return resp_retry(r, 429, wait, "rate_limited",
		    "Too many sign-ups from this address: wait before trying again.");
	if ((rc = throttle_hit(r->db, r->conf, ipkey,
	    r->conf->throttle_signup_ip_max, 3600, NULL)) != DB_OK)
		return resp_db(r, rc);
	email_key(key, su.email);
	su.email_key = key;
	rc = db_one(r->db, AS_POLICY_CURRENT, DB_NOARGS);
	if (rc != DB_OK)
		return resp_db(r, rc == DB_NONE ? DB_ERR : rc);
	su.policy_id = (uint64_t)db_int(r->db, 0);
	if (strcmp(db_str(r->db, 1), req_str(r, SU_POLICY)) != 0) {
		snprintf(detail, sizeof(detail), "The privacy policy in force is "
		    "version %s: show it and ask again.", db_str(r->db, 1));
		db_done(r->db);
		return resp_unprocessable(r, "accept_policy_version",
		    "policy_version", detail);
	}
	db_done(r->db);
	if (auth_weak_or_reply(r, "password", pw, su.email, &status))
		return status;
	/* Hashed whether or not the address is known: same work, same time. */
	if ((rc = passwd_hash(hash, pw)) != 0)
		return rc == PASSWD_BUSY ? auth_busy(r) : resp_db(r, DB_ERR);
	su.hash = hash;
	rc = db_tx(r->db, auth_signup_tx, &su);
	sodium_memzero(hash, sizeof(hash));
	/* A concurrent sign-up won the race for this address: same answer. */
	if (rc != DB_OK && rc != DB_CONFLICT)
		return resp_db(r, rc);
	return resp_empty(r, 202);
}

static int
auth_verify_tx(struct db *db, void *arg)
{
	struct req	*r = arg;
	uint64_t	 uid;
	int		 rc;

	if ((rc = auth_token_take(db, req_str(r, TK_TOKEN), "verify_email",
	    &uid)) != DB_OK)
		return rc;
	if ((rc = db_exec(db, AS_USER_VERIFY, DB_ARGS(DB_INT(uid)))) != DB_OK)
		return rc;
	analytics_emit(db, uid, AN_SIGNUP_COMPLETED);
	return sess_event(r, uid, "email_verified");
}

int
auth_verify_email(struct req *r)
{
	int	 rc;

	rc = db_tx(r->db, auth_verify_tx, r);
	if (rc == DB_NONE)
		return auth_invalid_token(r);
	if (rc != DB_OK)
		return resp_db(r, rc);
	return resp_empty(r, 204);
}

struct forgot {
	struct req	*r;
	const char	*email_key;
};

static int
auth_forgot_tx(struct db *db, void *arg)
{
	struct forgot	*fg = arg;
	struct req	*r = fg->r;
	const char	*email, *first;
	uint64_t	 uid;
	int		 rc;

	rc = db_one(db, AS_USER_BY_EMAIL, DB_ARGS(DB_TEXT(fg->email_key)));
	if (rc == DB_NONE)
		return DB_OK;
	if (rc != DB_OK)
		return rc;
	if (db_int(db, 8) == 0) {
		db_done(db);	/* closed: no reset into an account to be erased */
		return DB_OK;
	}
	uid = (uint64_t)db_int(db, 0);
	email = arena_strdup(r->arena, db_str(db, 6));
	first = arena_strdup(r->arena, db_str(db, 7));
	db_done(db);
	return auth_mail(r, AM_RESET, uid, email, first);
}

/*
 * Sleeps until the request is ms old. A known address costs a token and
 * a queued mail more than an unknown one; the padding keeps that out of
 * the answer's timing (it only holds a child on this rate-limited route).
 */
static void
auth_pad(struct req *r, double ms)
{
	double		 left = ms - req_elapsed_ms(r);
	struct timespec	 ts;

	if (left <= 0)
		return;
	ts.tv_sec = (time_t)(left / 1000);
	ts.tv_nsec = (long)((left - (double)ts.tv_sec * 1000) * 1e6);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

int
auth_password_forgot(struct req *r)
{
	struct forgot	 fg;
	char		 key[EMAIL_MAX + 1];
	int		 rc;

	email_key(key, req_str(r, FG_EMAIL));
	fg.r = r;
	fg.email_key = key;
	rc = db_tx(r->db, auth_forgot_tx, &fg);
	auth_pad(r, AUTH_FORGOT_MS);
	if (rc != DB_OK)
		return resp_db(r, rc);
	return resp_empty(r, 202);
}

struct reset {
	struct req	*r;
	const char	*hash;
	int		 status;	/* set when the password was refused */
};

static int
auth_reset_tx(struct db *db, void *arg)
{
	struct reset	*rs = arg;
	struct req	*r = rs->r;
	struct auth_keys k;
	const char	*email, *first;
	uint64_t	 uid;
	int		 rc;

	if ((rc = auth_token_take(db, req_str(r, RS_TOKEN), "password_reset",
	    &uid)) != DB_OK)
		return rc;
	if ((rc = db_one(db, AS_USER_BY_ID, DB_ARGS(DB_INT(uid)))) != DB_OK)
		return rc;
	email = arena_strdup(r->arena, db_str(db, 0));
	first = arena_strdup(r->arena, db_str(db, 1));
	db_done(db);
	if (auth_weak_or_reply(r, "password", req_str(r, RS_PASSWORD), email,
	    &rs->status))
		return DB_ERR;	/* rolls back: the link stays usable */
	if ((rc = db_exec(db, AS_USER_RESET_PASSWORD, DB_ARGS(DB_TEXT(rs->hash),
	    DB_INT(uid)))) != DB_OK)
		return rc;
	if ((rc = auth_tokens_expire(db, uid, "password_reset")) != DB_OK ||
	    (rc = auth_tokens_expire(db, uid, "verify_email")) != DB_OK)
		return rc;
	if ((rc = db_exec(db, AS_SESSIONS_REVOKE_ALL, DB_ARGS(DB_INT(uid)))) ==
	    DB_ERR || rc == DB_DOWN)
		return rc;
	if ((rc = sess_event(r, uid, "password_reset")) != DB_OK)
		return rc;
	/* Whoever was locked out by failed logins has just proven control. */
	auth_keys(r, email, &k);
	if ((rc = auth_succeeded(r, &k)) != DB_OK)
		return rc;
	return auth_mail(r, AM_PASSWORD_CHANGED, uid, email, first);
}

int
auth_password_reset(struct req *r)
{
	struct reset	 rs = { r, NULL, 0 };
	unsigned char	 th[32];
	char		 hash[PASSWD_HASH_MAX];
	const char	*tok = req_str(r, RS_TOKEN);
	int		 rc;

	/* A guessed or spent token costs a lookup, never a hash. */
	secret_token_hash(th, tok, strlen(tok));
	rc = db_one(r->db, AS_TOKEN_PEEK, DB_ARGS(DB_BLOB(th, sizeof(th)),
	    DB_TEXT("password_reset")));
	db_done(r->db);
	if (rc == DB_NONE)
		return auth_invalid_token(r);
	if (rc != DB_OK)
		return resp_db(r, rc);
	if ((rc = passwd_hash(hash, req_str(r, RS_PASSWORD))) != 0)
		return rc == PASSWD_BUSY ? auth_busy(r) : resp_db(r, DB_ERR);
	rs.hash = hash;
	rc = db_tx(r->db, auth_reset_tx, &rs);
	sodium_memzero(hash, sizeof(hash));
	if (rs.status != 0)
		return rs.status;
	if (rc == DB_NONE)
		return auth_invalid_token(r);
	if (rc != DB_OK)
		return resp_db(r, rc);
	return resp_empty(r, 204);
}

struct change {
	struct req	*r;
	const char	*hash;
};

static int
auth_change_tx(struct db *db, void *arg)
{
	struct change	*ch = arg;
	struct req	*r = ch->r;
	int		 rc;

	if ((rc = db_exec(db, AS_MY_PASSWORD_SET, DB_ARGS(DB_TEXT(ch->hash)))) !=
	    DB_OK)
		return rc;
	rc = db_exec(db, AS_MY_SESSIONS_REVOKE_OTHERS, DB_ARGS(DB_INT(r->sess->id)));
	if (rc == DB_ERR || rc == DB_DOWN)
		return rc;
	/* A reset link sent before the change must not undo it. */
	if ((rc = auth_tokens_expire(db, r->sess->user_id, "password_reset")) !=
	    DB_OK)
		return rc;
	if ((rc = sess_event(r, r->sess->user_id, "password_changed")) != DB_OK)
		return rc;
	return auth_mail(r, AM_PASSWORD_CHANGED, r->sess->user_id, r->sess->email,
	    r->sess->first_name);
}

int
auth_recheck_or_reply(struct req *r, const char *pw, int *status)
{
	struct auth_keys k;
	char		 hash[PASSWD_HASH_MAX];
	int		 rc, ok;

	auth_keys(r, r->sess->email, &k);
	if (auth_blocked_or_reply(r, &k, status))
		return 0;
	if ((rc = db_one(r->db, AS_MY_PASSWORD, DB_NOARGS)) != DB_OK) {
		*status = resp_db(r, rc == DB_NONE ? DB_ERR : rc);
		return 0;
	}
	snprintf(hash, sizeof(hash), "%s", db_str(r->db, 0));
	db_done(r->db);
	ok = passwd_verify(hash, pw);
	if (ok == PASSWD_BUSY) {
		*status = auth_busy(r);
		return 0;
	}
	if (ok)
		return 1;
	if ((rc = auth_failed(r, &k)) != DB_OK) {
		*status = resp_db(r, rc);
		return 0;
	}
	*status = resp_problem(r, 401, "invalid_password",
	    "The current password is wrong.");
	return 0;
}

int
auth_password_change(struct req *r)
{
	struct change	 ch = { r, NULL };
	char		 hash[PASSWD_HASH_MAX];
	int		 rc, status;

	if (!auth_recheck_or_reply(r, req_str(r, CH_CURRENT), &status))
		return status;
	if (auth_weak_or_reply(r, "new_password", req_str(r, CH_NEW),
	    r->sess->email, &status))
		return status;
	if ((rc = passwd_hash(hash, req_str(r, CH_NEW))) != 0)
		return rc == PASSWD_BUSY ? auth_busy(r) : resp_db(r, DB_ERR);
	ch.hash = hash;
	rc = db_tx(r->db, auth_change_tx, &ch);
	sodium_memzero(hash, sizeof(hash));
	if (rc != DB_OK)
		return resp_db(r, rc == DB_NONE ? DB_ERR : rc);
	return resp_empty(r, 204);
}
