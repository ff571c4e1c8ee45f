/*
 * Accounts: sign-up, address verification, forgotten password, reset and
 * change. Answers that could tell whether an address has an account
 * (sign-up, forgot) are the same for every address, and do the same
 * expensive work (an Argon2id hash) either way.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <liboath/oath.h>
#include <sodium.h>

#include "auth.h"
#include "conf.h"
#include "email.h"
#include "log.h"
#include "passwd.h"
#include "req.h"
#include "resp.h"
#include "secret.h"
#include "sess.h"
#include "throttle.h"

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
auth_event(struct req *r, uint64_t user_id, const char *kind)
{
	return db_exec(r->db, AS_EVENT_INSERT, DB_ARGS(DB_INT(user_id),
	    DB_TEXT(kind), DB_TEXT(r->remote_addr), DB_TEXT(r->user_agent)));
}

int
auth_token_new(struct req *r, uint64_t user_id, const char *kind, long ttl,
    char out[SECRET_TOKEN_LEN + 1])
{
	unsigned char	 hash[32];

	secret_token(out);
	secret_token_hash(hash, out, SECRET_TOKEN_LEN);
	return db_exec(r->db, AS_TOKEN_INSERT, DB_ARGS(DB_INT(user_id),
	    DB_TEXT(kind), DB_BLOB(hash, sizeof(hash)), DB_INT(ttl)));
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
	char		 token[SECRET_TOKEN_LEN + 1], first[101];
	uint64_t	 uid;
	int		 rc, verified;

	rc = db_one(db, AS_USER_BY_EMAIL, DB_ARGS(DB_TEXT(su->email_key)));
	if (rc == DB_OK) {
		/* The address has an account: tell its owner, not the caller. */
		uid = (uint64_t)db_int(db, 0);
		verified = db_int(db, 2) != 0;
		snprintf(first, sizeof(first), "%s", db_str(db, 7));
		db_done(db);
		if (verified)
			return auth_mail(r, AM_SIGNUP_EXISTS, uid, su->email, first,
			    NULL);
		if ((rc = auth_token_new(r, uid, "password_reset", AUTH_VERIFY_TTL,
		    token)) != DB_OK)
			return rc;
		rc = auth_mail(r, AM_SIGNUP_UNVERIFIED, uid, su->email, first, token);
		sodium_memzero(token, sizeof(token));
		return rc;
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
	if ((rc = auth_event(r, uid, "signup")) != DB_OK)
		return rc;
	if ((rc = auth_token_new(r, uid, "verify_email", AUTH_VERIFY_TTL,
	    token)) != DB_OK)
		return rc;
	rc = auth_mail(r, AM_VERIFY, uid, su->email, req_str(r, SU_FIRST), token);
	sodium_memzero(token, sizeof(token));
	return rc;
}

int
auth_signup(struct req *r)
{
	struct signup	 su;
	char		 key[EMAIL_MAX + 1], hash[PASSWD_HASH_MAX], detail[160];
	const char	*pw = req_str(r, SU_PASSWORD);
	int		 rc, status;

	su.r = r;
	su.email = req_str(r, SU_EMAIL);
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
	if (passwd_hash(hash, pw) == -1)
		return resp_db(r, DB_ERR);
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
	return auth_event(r, uid, "email_verified");
}

int
auth_verify_email(struct req *r)
{
	int	 rc;

	rc = db_tx(r->db, auth_verify_tx, r);
	if (rc == DB_NONE)
		return resp_problem(r, 400, "invalid_token",
		    "This link is invalid, already used or expired.");
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
	char		 token[SECRET_TOKEN_LEN + 1], first[101], email[EMAIL_MAX + 1];
	uint64_t	 uid;
	int		 rc;

	rc = db_one(db, AS_USER_BY_EMAIL, DB_ARGS(DB_TEXT(fg->email_key)));
	if (rc == DB_NONE)
		return DB_OK;
	if (rc != DB_OK)
		return rc;
	uid = (uint64_t)db_int(db, 0);
	snprintf(email, sizeof(email), "%s", db_str(db, 6));
	snprintf(first, sizeof(first), "%s", db_str(db, 7));
	db_done(db);
	if ((rc = auth_token_new(fg->r, uid, "password_reset", AUTH_RESET_TTL,
	    token)) != DB_OK)
		return rc;
	rc = auth_mail(fg->r, AM_RESET, uid, email, first, token);
	sodium_memzero(token, sizeof(token));
	return rc;
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
	if ((rc = db_tx(r->db, auth_forgot_tx, &fg)) != DB_OK)
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
	char		 email[EMAIL_MAX + 1], first[101], key[EMAIL_MAX + 1];
	unsigned char	 tk[32];
	uint64_t	 uid;
	int		 rc;

	if ((rc = auth_token_take(db, req_str(r, RS_TOKEN), "password_reset",
	    &uid)) != DB_OK)
		return rc;
	if ((rc = db_one(db, AS_USER_BY_ID, DB_ARGS(DB_INT(uid)))) != DB_OK)
		return rc;
	snprintf(email, sizeof(email), "%s", db_str(db, 0));
	snprintf(first, sizeof(first), "%s", db_str(db, 1));
	db_done(db);
	if (auth_weak_or_reply(r, "password", req_str(r, RS_PASSWORD), email,
	    &rs->status))
		return DB_ERR;	/* rolls back: the link stays usable */
	if ((rc = db_exec(db, AS_USER_RESET_PASSWORD, DB_ARGS(DB_TEXT(rs->hash),
	    DB_INT(uid)))) != DB_OK)
		return rc;
	if ((rc = db_exec(db, AS_TOKENS_EXPIRE, DB_ARGS(DB_INT(uid),
	    DB_TEXT("password_reset")))) == DB_ERR || rc == DB_DOWN)
		return rc;
	if ((rc = db_exec(db, AS_SESSIONS_REVOKE_ALL, DB_ARGS(DB_INT(uid)))) ==
	    DB_ERR || rc == DB_DOWN)
		return rc;
	if ((rc = auth_event(r, uid, "password_reset")) != DB_OK)
		return rc;
	/* Whoever was locked out by failed logins has just proven control. */
	email_key(key, email);
	throttle_key(tk, "login-account", key);
	if ((rc = throttle_clear(db, tk)) != DB_OK)
		return rc;
	return auth_mail(r, AM_PASSWORD_CHANGED, uid, email, first, NULL);
}

int
auth_password_reset(struct req *r)
{
	struct reset	 rs = { r, NULL, 0 };
	char		 hash[PASSWD_HASH_MAX];
	int		 rc;

	if (passwd_hash(hash, req_str(r, RS_PASSWORD)) == -1)
		return resp_db(r, DB_ERR);
	rs.hash = hash;
	rc = db_tx(r->db, auth_reset_tx, &rs);
	sodium_memzero(hash, sizeof(hash));
	if (rs.status != 0)
		return rs.status;
	if (rc == DB_NONE)
		return resp_problem(r, 400, "invalid_token",
		    "This link is invalid, already used or expired.");
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
	if ((rc = auth_event(r, r->sess->user_id, "password_changed")) != DB_OK)
		return rc;
	return auth_mail(r, AM_PASSWORD_CHANGED, r->sess->user_id, r->sess->email,
	    r->sess->first_name, NULL);
}

/*
 * Checks the session user's password (for changes that need it again).
 * 1 when it matches; otherwise answers (401, 429 or a db error), sets
 * *status and returns 0. Failures count against the account like logins,
 * so a stolen session cannot be used to guess the password.
 */
int
auth_recheck_or_reply(struct req *r, const char *pw, int *status)
{
	unsigned char	 key[32];
	char		 hash[PASSWD_HASH_MAX], ekey[EMAIL_MAX + 1];
	long		 wait;
	int		 rc, ok;

	email_key(ekey, r->sess->email);
	throttle_key(key, "login-account", ekey);
	if ((rc = throttle_wait(r->db, key, &wait)) != DB_OK) {
		*status = resp_db(r, rc);
		return 0;
	}
	if (wait > 0) {
		*status = resp_retry(r, 429, wait, "rate_limited",
		    "Too many wrong passwords: wait before trying again.");
		return 0;
	}
	if ((rc = db_one(r->db, AS_MY_PASSWORD, DB_NOARGS)) != DB_OK) {
		*status = resp_db(r, rc == DB_NONE ? DB_ERR : rc);
		return 0;
	}
	snprintf(hash, sizeof(hash), "%s", db_str(r->db, 0));
	db_done(r->db);
	ok = passwd_verify(hash, pw);
	if (ok)
		return 1;
	if ((rc = throttle_hit(r->db, r->conf, key, r->conf->throttle_account_max,
	    r->conf->throttle_window, NULL)) != DB_OK) {
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
	if (passwd_hash(hash, req_str(r, CH_NEW)) == -1)
		return resp_db(r, DB_ERR);
	ch.hash = hash;
	rc = db_tx(r->db, auth_change_tx, &ch);
	sodium_memzero(hash, sizeof(hash));
	if (rc != DB_OK)
		return resp_db(r, rc == DB_NONE ? DB_ERR : rc);
	return resp_empty(r, 204);
}
