/*
 * Login, logout and sessions. Login answers the same 401 for an unknown
 * address and a wrong password, after the same Argon2id work, and counts
 * failures per account and per client address (throttle.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "arena.h"
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

struct login_user {
	uint64_t	 id;
	char		 hash[PASSWD_HASH_MAX];
	int		 verified;
	unsigned char	 totp_ct[128];
	size_t		 totp_ctlen;
	int		 totp_enabled;
	long long	 totp_last;
	int		 active;	/* status 'active' (else closed) */
	char		 erasure_due[32];	/* closed: when it is erased, or "" */
};

void
auth_keys(struct req *r, const char *email, struct auth_keys *k)
{
	char	 key[EMAIL_MAX + 1], *pair;

	email_key(key, email);
	pair = arena_printf(r->arena, "%s %s", key, r->remote_addr);
	throttle_key(k->pair, "login", pair);
	throttle_key(k->account, "login-account", key);
	throttle_key(k->ip, "ip", r->remote_addr);
}

int
auth_blocked_or_reply(struct req *r, const struct auth_keys *k, int *status)
{
	const unsigned char *keys[3] = { k->pair, k->account, k->ip };
	long		 wait, most = 0;
	size_t		 i;
	int		 rc;

	for (i = 0; i < 3; i++) {
		if ((rc = throttle_wait(r->db, keys[i], &wait)) != DB_OK) {
			*status = resp_db(r, rc);
			return 1;
		}
		if (wait > most)
			most = wait;
	}
	if (most == 0)
		return 0;
	*status = resp_retry(r, 429, most, "rate_limited",
	    "Too many failed sign-in attempts: wait before trying again.");
	return 1;
}

int
auth_failed(struct req *r, const struct auth_keys *k)
{
	const struct conf *c = r->conf;
	int		 rc;

	if ((rc = throttle_hit(r->db, c, k->pair, c->throttle_account_max,
	    c->throttle_window, NULL)) != DB_OK ||
	    (rc = throttle_hit(r->db, c, k->account, c->throttle_account_global_max,
	    c->throttle_window, NULL)) != DB_OK)
		return rc;
	return throttle_hit(r->db, c, k->ip, c->throttle_ip_max,
	    c->throttle_window, NULL);
}

int
auth_succeeded(struct req *r, const struct auth_keys *k)
{
	int	 rc;

	if ((rc = throttle_clear(r->db, k->pair)) != DB_OK)
		return rc;
	return throttle_clear(r->db, k->account);
}

/*
 * {user, csrf_token, policy_acceptance_required[, policy]} for r->sess and
 * its token: policy names the version in force when the user has not
 * accepted it yet (auth_policy.c), for the app to ask.
 */
static int
auth_session_reply(struct req *r, int status)
{
	struct auth_policy p;
	char	 csrf[SECRET_TOKEN_LEN + 1];
	json_t	*body;
	int	 rc;

	if ((rc = auth_policy_state(r, r->sess->user_id, &p)) != DB_OK)
		return resp_db(r, rc);
	sess_csrf(csrf, r->session_token);
	body = json_pack("{s:o, s:s, s:b}", "user", sess_user_json(r->sess),
	    "csrf_token", csrf, "policy_acceptance_required", !p.accepted);
	sodium_memzero(csrf, sizeof(csrf));
	if (!p.accepted)
		json_object_set_new(body, "policy", json_pack("{s:s, s:s, s:s}",
		    "version", p.version, "text_url", p.text_url,
		    "effective_at", p.effective_at));
	return resp_json(r, status, body);
}

/* Reads the account for a login; DB_OK, DB_NONE (no such active account) or an error. */
static int
auth_login_user(struct req *r, const char *key, struct login_user *u)
{
	int	 rc;

	memset(u, 0, sizeof(*u));
	if ((rc = db_one(r->db, AS_USER_BY_EMAIL, DB_ARGS(DB_TEXT(key)))) != DB_OK)
		return rc;
	u->id = (uint64_t)db_int(r->db, 0);
	snprintf(u->hash, sizeof(u->hash), "%s", db_str(r->db, 1));
	u->verified = db_int(r->db, 2) != 0;
	if (!db_null(r->db, 3) && db_len(r->db, 3) <= sizeof(u->totp_ct)) {
		u->totp_ctlen = db_len(r->db, 3);
		memcpy(u->totp_ct, db_str(r->db, 3), u->totp_ctlen);
	}
	u->totp_enabled = db_int(r->db, 4) != 0;
	u->totp_last = db_int(r->db, 5);
	u->active = db_int(r->db, 8) != 0;
	if (!db_null(r->db, 9))
		snprintf(u->erasure_due, sizeof(u->erasure_due), "%s",
		    db_str(r->db, 9));
	db_done(r->db);
	return DB_OK;
}

/*
 * The answer to the right password of a closed account (sessions need an
 * active one, fcgi/sess.c): 403 account_closed, with the date of the
 * erasure and how to cancel it (POST /gdpr/erasure/cancel with the link
 * mailed when the account was closed), or without one when no erasure is
 * pending.
 */
static int
auth_closed(struct req *r, const struct login_user *u)
{
	if (u->erasure_due[0] == '\0')
		return resp_problem(r, 403, "account_closed",
		    "This account is closed.");
	return resp_problem_ext(r, 403, "account_closed",
	    arena_printf(r->arena, "This account is closed and scheduled for "
	    "deletion on %.10s. To keep it, open the cancel link in the e-mail "
	    "sent when it was closed, before that date.", u->erasure_due),
	    json_pack("{s:s}", "erasure_due_at", u->erasure_due));
}

int
auth_login(struct req *r)
{
	struct login_user u;
	struct auth_keys k;
	unsigned char	 thash[32], secret[64];
	char		 key[EMAIL_MAX + 1], token[SECRET_TOKEN_LEN + 1];
	char		 newhash[PASSWD_HASH_MAX];
	struct auth_policy pol;
	const char	*pw = req_str(r, LI_PASSWORD), *code = req_str(r, LI_TOTP);
	const char	*accept = req_str(r, LI_ACCEPT);
	size_t		 slen;
	long long	 step;
	int		 rc, known, ok, status;

	email_key(key, req_str(r, LI_EMAIL));
	auth_keys(r, req_str(r, LI_EMAIL), &k);
	if (auth_blocked_or_reply(r, &k, &status))
		return status;

	rc = auth_login_user(r, key, &u);
	if (rc != DB_OK && rc != DB_NONE)
		return resp_db(r, rc);
	known = rc == DB_OK;
	ok = passwd_verify(known ? u.hash : NULL, pw);
	if (ok == PASSWD_BUSY)
		return auth_busy(r);
	if (!ok) {
		if ((rc = auth_failed(r, &k)) != DB_OK ||
		    (known && (rc = sess_event(r, u.id, "login_failed")) != DB_OK))
			return resp_db(r, rc);
		return resp_problem(r, 401, "invalid_credentials",
		    "The e-mail address or the password is wrong.");
	}
	if (!u.active)
		return auth_closed(r, &u);
	if (!u.verified)
		return resp_problem(r, 403, "email_not_verified",
		    "Confirm your e-mail address with the link we sent, then sign in.");
	/*
	 * A policy version in force that the user has not accepted: asked
	 * before the TOTP code, so that the code is not spent on a login
	 * that cannot finish; recorded once the login succeeds.
	 */
	if ((rc = auth_policy_state(r, u.id, &pol)) != DB_OK)
		return resp_db(r, rc);
	if (!pol.accepted && (accept == NULL || strcmp(accept, pol.version) != 0))
		return auth_policy_required(r, &pol);
	if (u.totp_enabled) {
		if (code == NULL)
			return resp_problem(r, 401, "totp_required",
			    "Enter the code from your authenticator app.");
		if (auth_totp_open(u.id, (const char *)u.totp_ct, u.totp_ctlen,
		    secret, &slen) == -1) {
			log_err("user %llu: the TOTP secret does not open",
			    (unsigned long long)u.id);
			return resp_db(r, DB_ERR);
		}
		ok = auth_totp_check(secret, slen, code, u.totp_last, &step) == 0;
		sodium_memzero(secret, sizeof(secret));
		if (!ok) {
			if ((rc = auth_failed(r, &k)) != DB_OK ||
			    (rc = sess_event(r, u.id, "totp_failed")) != DB_OK)
				return resp_db(r, rc);
			return resp_problem(r, 401, "totp_invalid",
			    "This code is wrong or was already used.");
		}
		/* A code is good once (RFC 6238 section 5.2). */
		rc = db_exec(r->db, AS_USER_TOTP_STEP, DB_ARGS(DB_INT(step),
		    DB_INT(u.id), DB_INT(step)));
		if (rc == DB_NONE)
			return resp_problem(r, 401, "totp_invalid",
			    "This code is wrong or was already used.");
		if (rc != DB_OK)
			return resp_db(r, rc);
	}
	if ((rc = auth_succeeded(r, &k)) != DB_OK)
		return resp_db(r, rc);
	if (!pol.accepted) {
		rc = db_exec(r->db, AS_ACCEPT_INSERT, DB_ARGS(DB_INT(u.id),
		    DB_INT(pol.id), DB_TEXT(r->remote_addr)));
		if (rc != DB_OK && rc != DB_CONFLICT)
			return resp_db(r, rc == DB_NONE ? DB_ERR : rc);
	}
	/* Busy or not, a stale hash is refreshed at the next login. */
	if (passwd_stale(u.hash) && passwd_hash(newhash, pw) == 0) {
		rc = db_exec(r->db, AS_USER_REHASH, DB_ARGS(DB_TEXT(newhash),
		    DB_INT(u.id), DB_TEXT(u.hash)));
		sodium_memzero(newhash, sizeof(newhash));
		if (rc == DB_ERR || rc == DB_DOWN)
			return resp_db(r, rc);
	}

	/* A new session every time; the one the browser held is revoked. */
	if (r->session_token != NULL) {
		secret_token_hash(thash, r->session_token, strlen(r->session_token));
		rc = db_exec(r->db, AS_SESSION_REVOKE_TOKEN,
		    DB_ARGS(DB_BLOB(thash, 32)));
		if (rc == DB_ERR || rc == DB_DOWN)
			return resp_db(r, rc);
	}
	secret_token(token);
	secret_token_hash(thash, token, SECRET_TOKEN_LEN);
	rc = db_exec(r->db, AS_SESSION_INSERT, DB_ARGS(DB_INT(u.id),
	    DB_BLOB(thash, 32), DB_INT(u.totp_enabled ? 1 : 0),
	    DB_TEXT(r->remote_addr), DB_TEXT(r->user_agent),
	    DB_INT(r->conf->session_max)));
	if (rc != DB_OK)
		return resp_db(r, rc == DB_NONE ? DB_ERR : rc);
	if ((rc = sess_event(r, u.id, "login_succeeded")) != DB_OK)
		return resp_db(r, rc);

	/* Read the session back exactly as every later request will see it. */
	r->session_token = arena_strdup(r->arena, token);
	sodium_memzero(token, sizeof(token));
	if ((rc = sess_load(r)) != DB_OK)
		return resp_db(r, rc == DB_NONE ? DB_ERR : rc);
	sess_cookie_set(r, r->session_token);
	return auth_session_reply(r, 200);
}

int
auth_logout(struct req *r)
{
	int	 rc;

	rc = db_exec(r->db, AS_MY_SESSION_REVOKE, DB_ARGS(DB_INT(r->sess->id),
	    DB_INT(r->conf->session_idle)));
	if (rc == DB_ERR || rc == DB_DOWN)
		return resp_db(r, rc);
	sess_cookie_clear(r);
	return resp_empty(r, 204);
}

int
auth_session(struct req *r)
{
	return auth_session_reply(r, 200);
}

int
auth_sessions(struct req *r)
{
	json_t		*items, *body;
	long		 limit, n = 0;
	uint64_t	 cursor, id, last = 0;
	char		 buf[24];
	int		 rc;

	if (req_page(r, &limit, &cursor) == -1)
		return resp_problem(r, 400, "bad_page",
		    "limit must be 1 to 200 and cursor a value from next_cursor.");
	rc = db_query(r->db, AS_MY_SESSIONS, DB_ARGS(DB_INT(r->conf->session_idle),
	    DB_INT(cursor > INT64_MAX ? INT64_MAX : cursor), DB_INT(limit + 1)));
	if (rc != DB_OK)
		return resp_db(r, rc);
	items = json_array();
	while ((rc = db_next(r->db)) == DB_OK) {
		if (n == limit)
			break;
		id = (uint64_t)db_int(r->db, 0);
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)id);
		json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s, s:s, "
		    "s:s, s:b}", "id", buf, "ip", db_str(r->db, 1),
		    "user_agent", db_str(r->db, 2), "created_at", db_str(r->db, 3),
		    "last_seen_at", db_str(r->db, 4), "expires_at", db_str(r->db, 5),
		    "current", id == r->sess->id));
		last = id;
		n++;
	}
	if (rc == DB_ERR || rc == DB_DOWN) {
		json_decref(items);
		return resp_db(r, rc);
	}
	db_done(r->db);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)last);
	body = json_pack("{s:o, s:s?}", "items", items, "next_cursor",
	    rc == DB_OK ? buf : NULL);
	return resp_json(r, 200, body);
}

int
auth_session_revoke(struct req *r)
{
	uint64_t	 id = req_param_id(r, 0);
	int		 rc;

	if (id == 0)
		return resp_db(r, DB_NONE);
	rc = db_exec(r->db, AS_MY_SESSION_REVOKE, DB_ARGS(DB_INT(id),
	    DB_INT(r->conf->session_idle)));
	if (rc != DB_OK)
		return resp_db(r, rc);
	if ((rc = sess_event(r, r->sess->user_id, "session_revoked")) != DB_OK)
		return resp_db(r, rc);
	if (id == r->sess->id)
		sess_cookie_clear(r);
	return resp_empty(r, 204);
}
