/*
 * Session lookup, cookies and CSRF tokens. See sess.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "arena.h"
#include "conf.h"
#include "cookie.h"
#include "db.h"
#include "req.h"
#include "resp.h"
#include "sess.h"

static const char *const sess_sql[SESS__MAX] = {
	/*
	 * The @app_user assignment makes this row's owner the tenant of the
	 * connection without another round trip; it only runs for the row
	 * that passed every condition.
	 */
	[SESS_LOOKUP] =
	    "SELECT s.id, s.user_id, TIMESTAMPDIFF(SECOND, s.last_seen_at, NOW(3)), "
	    "u.email, u.first_name, u.last_name, u.role, "
	    "u.email_verified_at IS NOT NULL, u.totp_enabled_at IS NOT NULL, "
	    "s.totp_verified, u.restricted_at IS NOT NULL, "
	    "@app_user := s.user_id "
	    "FROM session s JOIN user_account u ON u.id = s.user_id "
	    "WHERE s.token_hash = ? AND s.revoked_at IS NULL "
	    "AND s.expires_at > NOW(3) "
	    "AND s.last_seen_at > NOW(3) - INTERVAL ? SECOND "
	    "AND u.status = 'active'",
	[SESS_TOUCH] =
	    "UPDATE session SET last_seen_at = NOW(3) WHERE id = ?",
	[SESS_EVENT] =
	    "INSERT INTO security_event (user_id, kind, ip, user_agent, created_at) "
	    "VALUES (?, ?, ?, ?, NOW(3))",
	[SESS_LOCK] =
	    "SELECT GET_LOCK(CONCAT('prospea:', ?, ':', ?), 0)",
	[SESS_UNLOCK] =
	    "SELECT RELEASE_LOCK(CONCAT('prospea:', ?, ':', ?))",
};

const struct db_table sess_table = { sess_sql, 0, SESS__MAX };

#define SESS_TOUCH_EVERY	60	/* seconds between last_seen_at writes */

int
sess_load(struct req *r)
{
	unsigned char	 hash[32];
	struct sess	*s;
	int		 rc;
	long long	 idle;

	if (r->session_token == NULL ||
	    strlen(r->session_token) != SECRET_TOKEN_LEN)
		return DB_NONE;
	secret_token_hash(hash, r->session_token, SECRET_TOKEN_LEN);
	rc = db_one(r->db, SESS_LOOKUP, DB_ARGS(DB_BLOB(hash, sizeof(hash)),
	    DB_INT(r->conf->session_idle)));
	if (rc != DB_OK)
		return rc;
	s = arena_alloc(r->arena, sizeof(*s));
	s->id = (uint64_t)db_int(r->db, 0);
	s->user_id = (uint64_t)db_int(r->db, 1);
	idle = db_int(r->db, 2);
	s->email = arena_strdup(r->arena, db_str(r->db, 3));
	s->first_name = arena_strdup(r->arena, db_str(r->db, 4));
	s->last_name = arena_strdup(r->arena, db_str(r->db, 5));
	s->role = arena_strdup(r->arena, db_str(r->db, 6));
	s->email_verified = db_int(r->db, 7) != 0;
	s->totp_enabled = db_int(r->db, 8) != 0;
	s->totp_verified = db_int(r->db, 9) != 0;
	s->restricted = db_int(r->db, 10) != 0;
	db_done(r->db);
	db_user_mark(r->db, s->user_id);
	r->sess = s;
	if (idle >= SESS_TOUCH_EVERY) {
		rc = db_exec(r->db, SESS_TOUCH, DB_ARGS(DB_INT(s->id)));
		if (rc == DB_DOWN || rc == DB_ERR)
			return rc;
	}
	return DB_OK;
}

int
sess_event(struct req *r, uint64_t user_id, const char *kind)
{
	if (user_id == 0 && r->sess != NULL)
		user_id = r->sess->user_id;
	return db_exec(r->db, SESS_EVENT, DB_ARGS(user_id != 0 ?
	    DB_INT(user_id) : DB_NULL, DB_TEXT(kind),
	    DB_TEXT(r->remote_addr), DB_TEXT(r->user_agent != NULL ?
	    r->user_agent : "")));
}

int
sess_lock(struct req *r, const char *what)
{
	int	 rc, got;

	if ((rc = db_one(r->db, SESS_LOCK, DB_ARGS(DB_TEXT(what),
	    DB_INT(r->sess->user_id)))) != DB_OK)
		return rc == DB_NONE ? DB_ERR : rc;
	got = db_int(r->db, 0) == 1;
	db_done(r->db);
	return got ? DB_OK : DB_CONFLICT;
}

void
sess_unlock(struct req *r, const char *what)
{
	if (db_one(r->db, SESS_UNLOCK, DB_ARGS(DB_TEXT(what),
	    DB_INT(r->sess->user_id))) == DB_OK)
		db_done(r->db);
}

void
sess_csrf(char out[SECRET_TOKEN_LEN + 1], const char *token)
{
	secret_mac_b64(out, SECRET_CSRF, token, strlen(token));
}

int
sess_csrf_ok(const struct req *r)
{
	const char	*hdr = req_header(r, "HTTP_X_CSRF_TOKEN");
	char		 want[SECRET_TOKEN_LEN + 1];
	int		 ok;

	if (r->sess == NULL || r->session_token == NULL || hdr == NULL ||
	    strlen(hdr) != SECRET_TOKEN_LEN)
		return 0;
	sess_csrf(want, r->session_token);
	ok = sodium_memcmp(want, hdr, SECRET_TOKEN_LEN) == 0;
	sodium_memzero(want, sizeof(want));
	return ok;
}

void
sess_cookie_set(struct req *r, const char *token)
{
	resp_header(r, "Set-Cookie", cookie_set_header(r->arena, SESS_COOKIE,
	    token, r->conf->session_max));
}

void
sess_cookie_clear(struct req *r)
{
	resp_header(r, "Set-Cookie", cookie_set_header(r->arena, SESS_COOKIE,
	    "", 0));
}

json_t *
sess_user_json(const struct sess *s)
{
	char	 id[24];

	snprintf(id, sizeof(id), "%llu", (unsigned long long)s->user_id);
	return json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:b, s:b}",
	    "id", id, "email", s->email, "first_name", s->first_name,
	    "last_name", s->last_name, "role", s->role,
	    "email_verified", s->email_verified,
	    "totp_enabled", s->totp_enabled);
}
