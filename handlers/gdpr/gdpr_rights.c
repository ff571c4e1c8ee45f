/*
 * The data subject's rights other than access and rectification: erasure
 * with 30 days to cancel (GDPR art. 17; the retention worker purges after
 * them), restriction (art. 18), objection to optional processing (art.
 * 21), French post-mortem directives (loi Informatique et Libertés, art.
 * 85), privacy requests answered within a month (art. 12(3)), and the
 * list of admin accesses to the account (the audit trail the privacy
 * policy promises). These routes keep working while processing is
 * restricted: they are how the user exercises and lifts it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "arena.h"
#include "conf.h"
#include "gdpr.h"
#include "passwd.h"
#include "req.h"
#include "resp.h"
#include "rest.h"
#include "sess.h"

int
gdpr_init(const struct conf *c, struct db *db)
{
	(void)db;
	return passwd_init(c);
}

/* Reads the signed-in account (GS_ACCOUNT_GET) or answers the error: 0 or -1. */
static int
gdpr_account_or_reply(struct req *r)
{
	int	 rc;

	if ((rc = db_one(r->db, GS_ACCOUNT_GET, DB_NOARGS)) == DB_OK)
		return 0;
	resp_db(r, rc == DB_NONE ? DB_ERR : rc);
	return -1;
}

/*
 * Checks the signed-in user's password again before closing the account.
 * 1 when it matches; otherwise the answer (401 generic, 429 after too
 * many failures, 503 when every hashing slot is busy) is written and 0
 * returned. Failures count per account, like failed sign-ins.
 */
static int
gdpr_recheck_or_reply(struct req *r, const char *pw)
{
	unsigned char	 key[32];
	char		 hash[PASSWD_HASH_MAX];
	long		 wait;
	int		 rc, ok;

	throttle_key(key, "gdpr-recheck", arena_printf(r->arena, "%llu",
	    (unsigned long long)r->sess->user_id));
	if ((rc = throttle_wait(r->db, key, &wait)) != DB_OK) {
		resp_db(r, rc);
		return 0;
	}
	if (wait > 0) {
		resp_retry(r, 429, wait, "rate_limited",
		    "Too many wrong passwords: wait before trying again.");
		return 0;
	}
	if ((rc = db_one(r->db, GS_MY_PASSWORD, DB_NOARGS)) != DB_OK) {
		resp_db(r, rc == DB_NONE ? DB_ERR : rc);
		return 0;
	}
	snprintf(hash, sizeof(hash), "%s", db_str(r->db, 0));
	db_done(r->db);
	ok = passwd_verify(hash, pw);
	sodium_memzero(hash, sizeof(hash));
	if (ok == PASSWD_BUSY) {
		resp_retry(r, 503, 1, "busy",
		    "Too many sign-ins at this moment: try again in a second.");
		return 0;
	}
	if (ok)
		return 1;
	if ((rc = throttle_hit(r->db, r->conf, key, r->conf->throttle_account_max,
	    r->conf->throttle_window, NULL)) != DB_OK ||
	    (rc = sess_event(r, r->sess->user_id, "erasure_password_failed")) !=
	    DB_OK) {
		resp_db(r, rc);
		return 0;
	}
	resp_problem(r, 401, "invalid_password", "The password is wrong.");
	return 0;
}

struct erasure {
	struct req	*r;
	char		 due[32];	/* erasure_due_at, ISO 8601 */
};

static int
gdpr_erasure_tx(struct db *db, void *arg)
{
	struct erasure	*e = arg;
	struct req	*r = e->r;
	uint64_t	 uid = r->sess->user_id;
	int		 rc;

	if ((rc = db_exec(db, GS_ERASE, DB_ARGS(DB_INT(GDPR_ERASURE_DAYS)))) !=
	    DB_OK)
		return rc;
	if ((rc = db_exec(db, GS_SESSIONS_REVOKE, DB_NOARGS)) != DB_OK)
		return rc == DB_NONE ? DB_ERR : rc;	/* this one was live */
	rc = db_exec(db, GS_PENDING_RELEASE, DB_ARGS(DB_INT(uid),
	    DB_TEXT(r->sess->email)));
	if (rc != DB_OK && rc != DB_NONE)
		return rc;
	rc = db_exec(db, GS_TOKENS_EXPIRE, DB_ARGS(DB_INT(uid),
	    DB_TEXT("email_change")));
	if (rc != DB_OK && rc != DB_NONE)
		return rc;
	if ((rc = sess_event(r, uid, "erasure_requested")) != DB_OK)
		return rc;
	if ((rc = db_one(db, GS_ACCOUNT_GET, DB_NOARGS)) != DB_OK)
		return rc == DB_NONE ? DB_ERR : rc;
	snprintf(e->due, sizeof(e->due), "%s", db_str(db, 15));
	db_done(db);
	/* The cancel link lives as long as the account (GDPR_ERASURE_DAYS). */
	return gdpr_mail(r, GM_ERASURE, uid, r->sess->email,
	    r->sess->first_name, arena_printf(r->arena, "%.10s", e->due));
}

int
gdpr_erasure(struct req *r)
{
	struct erasure	 e;
	int		 rc;

	memset(&e, 0, sizeof(e));
	e.r = r;
	if (!gdpr_recheck_or_reply(r, req_str(r, ER_PASSWORD)))
		return r->status;
	if ((rc = db_tx(r->db, gdpr_erasure_tx, &e)) != DB_OK)
		return resp_db(r, rc == DB_NONE ? DB_ERR : rc);
	sess_cookie_clear(r);
	return resp_json(r, 202, json_pack("{s:s, s:s}", "status", "closed",
	    "erasure_due_at", e.due));
}

static int
gdpr_cancel_tx(struct db *db, void *arg)
{
	struct req	*r = arg;
	const char	*email, *first;
	uint64_t	 uid;
	int		 rc;

	if ((rc = gdpr_token_take(db, req_str(r, TK_TOKEN), "erasure_cancel",
	    &uid)) != DB_OK)
		return rc;
	/* DB_NONE past the due date: the purge may already be under way. */
	if ((rc = db_exec(db, GS_ERASE_CANCEL, DB_ARGS(DB_INT(uid)))) != DB_OK)
		return rc;
	if ((rc = sess_event(r, uid, "erasure_canceled")) != DB_OK)
		return rc;
	if ((rc = db_one(db, GS_USER_PENDING, DB_ARGS(DB_INT(uid)))) != DB_OK)
		return rc == DB_NONE ? DB_ERR : rc;
	email = arena_strdup(r->arena, db_str(db, 1));
	first = arena_strdup(r->arena, db_str(db, 2));
	db_done(db);
	return gdpr_mail(r, GM_ERASURE_CANCELED, uid, email, first, NULL);
}

int
gdpr_erasure_cancel(struct req *r)
{
	int	 rc;

	rc = db_tx(r->db, gdpr_cancel_tx, r);
	if (rc == DB_NONE)
		return resp_problem(r, 400, "invalid_token",
		    "This link is invalid, already used or expired.");
	if (rc != DB_OK)
		return resp_db(r, rc);
	return resp_empty(r, 204);
}

/* {restricted, restricted_at} from the current GS_ACCOUNT_GET row. */
static json_t *
gdpr_restriction_json(struct db *db)
{
	return json_pack("{s:b, s:s?}", "restricted", !db_null(db, 12),
	    "restricted_at", db_str(db, 12));
}

int
gdpr_restriction_get(struct req *r)
{
	json_t	*o;

	if (gdpr_account_or_reply(r) == -1)
		return r->status;
	o = gdpr_restriction_json(r->db);
	db_done(r->db);
	return resp_json(r, 200, o);
}

struct restriction {
	struct req	*r;
	uint64_t	 request_id;	/* the request filed with the reason */
};

static int
gdpr_restriction_tx(struct db *db, void *arg)
{
	struct restriction *rs = arg;
	struct req	*r = rs->r;
	int		 on = req_true(r, RE_RESTRICTED), rc;

	if ((rc = db_exec(db, GS_RESTRICT_SET, DB_ARGS(DB_INT(on)))) != DB_OK)
		return rc == DB_NONE ? DB_ERR : rc;
	if ((rc = sess_event(r, r->sess->user_id, on ? "restriction_set" :
	    "restriction_lifted")) != DB_OK)
		return rc;
	/*
	 * The grounds of art. 18(1) are the controller's to weigh: a reason
	 * becomes a privacy request in the admins' 30-day queue.
	 */
	if (on && req_str(r, RE_REASON) != NULL) {
		if ((rc = db_exec(db, GS_REQ_INSERT, DB_ARGS(
		    DB_INT(r->sess->user_id), DB_TEXT("restriction"),
		    DB_TEXT(req_str(r, RE_REASON)),
		    DB_INT(GDPR_REQUEST_DAYS)))) != DB_OK)
			return rc;
		rs->request_id = db_last_id(db);
	}
	return DB_OK;
}

int
gdpr_restriction_put(struct req *r)
{
	struct restriction rs = { r, 0 };
	json_t		*o;
	char		 id[24];
	int		 rc;

	if ((rc = db_tx(r->db, gdpr_restriction_tx, &rs)) != DB_OK)
		return resp_db(r, rc);
	if (gdpr_account_or_reply(r) == -1)
		return r->status;
	o = gdpr_restriction_json(r->db);
	db_done(r->db);
	if (rs.request_id != 0) {
		snprintf(id, sizeof(id), "%llu", (unsigned long long)rs.request_id);
		json_object_set_new(o, "request_id", json_string(id));
	}
	return resp_json(r, 200, o);
}

static int
gdpr_objections_reply(struct req *r)
{
	json_t	*o;

	if (gdpr_account_or_reply(r) == -1)
		return r->status;
	o = json_pack("{s:b, s:s?, s:b, s:s?}",
	    "analytics", !db_null(r->db, 13), "analytics_at", db_str(r->db, 13),
	    "product_emails", !db_null(r->db, 14),
	    "product_emails_at", db_str(r->db, 14));
	db_done(r->db);
	return resp_json(r, 200, o);
}

int
gdpr_objections_get(struct req *r)
{
	return gdpr_objections_reply(r);
}

static int
gdpr_objections_tx(struct db *db, void *arg)
{
	struct req	*r = arg;
	int		 rc;

	if ((rc = db_exec(db, GS_OBJECT_SET, DB_ARGS(
	    DB_INT(req_true(r, OB_ANALYTICS)),
	    DB_INT(req_true(r, OB_PRODUCT))))) != DB_OK)
		return rc == DB_NONE ? DB_ERR : rc;
	return sess_event(r, r->sess->user_id, "objections_changed");
}

int
gdpr_objections_put(struct req *r)
{
	int	 rc;

	if ((rc = db_tx(r->db, gdpr_objections_tx, r)) != DB_OK)
		return resp_db(r, rc);
	return gdpr_objections_reply(r);
}

static int
gdpr_post_mortem_reply(struct req *r, int status)
{
	json_t	*o;
	int	 rc;

	if ((rc = db_one(r->db, GS_PM_GET, DB_NOARGS)) == DB_NONE)
		return resp_problem(r, 404, "not_found",
		    "No post-mortem directives are recorded.");
	if (rc != DB_OK)
		return resp_db(r, rc);
	o = json_pack("{s:s, s:{s:s?, s:s?, s:s?}, s:s, s:s}",
	    "directives", db_str(r->db, 0), "trusted_contact",
	    "name", db_str(r->db, 1), "email", db_str(r->db, 2),
	    "phone", db_str(r->db, 3), "created_at", db_str(r->db, 4),
	    "updated_at", db_str(r->db, 5));
	db_done(r->db);
	return resp_json(r, status, o);
}

int
gdpr_post_mortem_get(struct req *r)
{
	return gdpr_post_mortem_reply(r, 200);
}

static int
gdpr_post_mortem_tx(struct db *db, void *arg)
{
	struct req	*r = arg;
	json_t		*c = r->vals[PM_CONTACT];
	int		 rc;

	if (!json_is_object(c))
		c = NULL;
	rc = db_exec(db, GS_PM_PUT, DB_ARGS(DB_INT(r->sess->user_id),
	    DB_TEXT(req_str(r, PM_DIRECTIVES)),
	    DB_TEXT(json_string_value(json_object_get(c, "name"))),
	    DB_TEXT(json_string_value(json_object_get(c, "email"))),
	    DB_TEXT(json_string_value(json_object_get(c, "phone")))));
	if (rc != DB_OK)
		return rc == DB_NONE ? DB_ERR : rc;
	return sess_event(r, r->sess->user_id, "post_mortem_set");
}

int
gdpr_post_mortem_put(struct req *r)
{
	int	 rc;

	if ((rc = db_tx(r->db, gdpr_post_mortem_tx, r)) != DB_OK)
		return resp_db(r, rc);
	return gdpr_post_mortem_reply(r, 200);
}

static int
gdpr_post_mortem_delete_tx(struct db *db, void *arg)
{
	struct req	*r = arg;
	int		 rc;

	if ((rc = db_exec(db, GS_PM_DELETE, DB_NOARGS)) != DB_OK)
		return rc;
	return sess_event(r, r->sess->user_id, "post_mortem_deleted");
}

int
gdpr_post_mortem_delete(struct req *r)
{
	int	 rc;

	if ((rc = db_tx(r->db, gdpr_post_mortem_delete_tx, r)) != DB_OK)
		return resp_db(r, rc);
	return resp_empty(r, 204);
}

/* A privacy request as the API shows it (GS_REQ_GET / GS_REQ_LIST row). */
static json_t *
gdpr_request_json(struct db *db)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:b}",
	    "id", db_str(db, 0), "kind", db_str(db, 1), "message", db_str(db, 2),
	    "status", db_str(db, 3), "created_at", db_str(db, 4),
	    "due_at", db_str(db, 5), "closed_at", db_str(db, 6),
	    "resolution", db_str(db, 7), "overdue", db_int(db, 8) != 0);
}

int
gdpr_requests_list(struct req *r)
{
	return rest_list(r, GS_REQ_LIST, gdpr_request_json);
}

int
gdpr_requests_create(struct req *r)
{
	int	 rc;

	/* The queue is people's work: one account cannot flood it. */
	if ((rc = db_one(r->db, GS_REQ_OPEN_COUNT, DB_NOARGS)) != DB_OK)
		return resp_db(r, rc == DB_NONE ? DB_ERR : rc);
	if (db_int(r->db, 0) >= GDPR_OPEN_REQUESTS_MAX) {
		db_done(r->db);
		return resp_problem(r, 409, "too_many_open_requests",
		    "Wait for an answer to your open requests before filing more.");
	}
	db_done(r->db);
	rc = db_exec(r->db, GS_REQ_INSERT, DB_ARGS(DB_INT(r->sess->user_id),
	    DB_TEXT(req_str(r, RQ_KIND)), DB_TEXT(req_str(r, RQ_MESSAGE)),
	    DB_INT(GDPR_REQUEST_DAYS)));
	if (rc != DB_OK)
		return resp_db(r, rc == DB_NONE ? DB_ERR : rc);
	return rest_row_reply(r, 201, GS_REQ_GET, db_last_id(r->db),
	    gdpr_request_json);
}

static json_t *
gdpr_admin_access_json(struct db *db)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "id", db_str(db, 0), "admin_id", db_str(db, 1),
	    "action", db_str(db, 2), "reason", db_str(db, 3),
	    "detail", db_str(db, 4), "ip", db_str(db, 5),
	    "created_at", db_str(db, 6));
}

int
gdpr_admin_access(struct req *r)
{
	return rest_list(r, GS_ADMIN_ACCESS, gdpr_admin_access_json);
}
