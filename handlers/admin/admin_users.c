/*
 * Finding and viewing an account. A search is by the exact comparison key
 * of an address (email.h), never by pattern, so an admin cannot browse
 * the user base; the audit row of a search names the account found, not
 * the address typed (which may be nobody's, and stays out of the trail).
 * Viewing an account needs a reason (?reason=), recorded with the access
 * for the user to read (GET /gdpr/admin-access).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "arena.h"
#include "email.h"
#include "req.h"
#include "resp.h"

struct user_find {
	struct req	*r;
	const char	*key;
	const char	*reason;
	json_t		*out;
};

static int
admin_users_find_tx(struct db *db, void *arg)
{
	struct user_find *f = arg;
	json_t		*items = json_array();
	uint64_t	 id = 0;
	int		 rc;

	json_decref(f->out);
	f->out = NULL;
	rc = db_one(db, AD_USER_FIND, DB_ARGS(DB_TEXT(f->key)));
	if (rc == DB_OK) {
		id = (uint64_t)db_int(db, 0);
		json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s, "
		    "s:s, s:s, s:s}", "id", db_str(db, 0), "email",
		    db_str(db, 1), "first_name", db_str(db, 2), "last_name",
		    db_str(db, 3), "role", db_str(db, 4), "status",
		    db_str(db, 5), "created_at", db_str(db, 6)));
		db_done(db);
	} else if (rc != DB_NONE) {
		json_decref(items);
		return rc;
	}
	if ((rc = admin_audit(f->r, id, "user_search", f->reason,
	    id != 0 ? "found" : "no_match")) != DB_OK) {
		json_decref(items);
		return rc;
	}
	f->out = json_pack("{s:o, s:n}", "items", items, "next_cursor");
	return DB_OK;
}

int
admin_users_find(struct req *r)
{
	struct user_find f;
	const char	*email = req_query(r, "email");
	char		 key[EMAIL_MAX + 1];
	int		 rc;

	memset(&f, 0, sizeof(f));
	f.r = r;
	if (email == NULL || !email_valid(email))
		return resp_unprocessable(r, "email", "email",
		    "Give the account's e-mail address: ?email=.");
	if ((rc = admin_reason_or_reply(r, 0, &f.reason)) != 0)
		return rc;
	email_key(key, email);
	f.key = key;
	return admin_tx_reply(r, admin_users_find_tx, &f, &f.out, 200, NULL, NULL);
}

/* The view of the current row of AD_USER_VIEW. New reference. */
static json_t *
admin_user_row(struct db *db)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:s, s:s, "
	    "s:s, s:o, s:{s:o, s:o, s:o, s:b, s:o, s:o}, s:{s:s, s:s, s:o, "
	    "s:b}, s:{s:I, s:I, s:I}, s:o, s:o}",
	    "id", db_str(db, 0), "email", db_str(db, 1),
	    "first_name", db_str(db, 2), "last_name", db_str(db, 3),
	    "role", db_str(db, 4), "status", db_str(db, 5),
	    "email_verified", db_int(db, 6) != 0,
	    "totp_enabled", db_int(db, 7) != 0,
	    "default_region", db_str(db, 8), "created_at", db_str(db, 9),
	    "updated_at", db_str(db, 10), "closed_at", admin_str(db, 11),
	    "privacy",
	    "restricted_at", admin_str(db, 12),
	    "objects_analytics_at", admin_str(db, 13),
	    "objects_product_emails_at", admin_str(db, 14),
	    "email_change_pending", db_int(db, 15) != 0,
	    "erasure_requested_at", admin_str(db, 16),
	    "erasure_due_at", admin_str(db, 17),
	    "plan",
	    "code", db_str(db, 18), "status", db_str(db, 19),
	    "current_period_end", admin_str(db, 20),
	    "cancel_at_period_end", db_int(db, 21) != 0,
	    "counts",
	    "prospects", (json_int_t)db_int(db, 22),
	    "campaigns", (json_int_t)db_int(db, 23),
	    "open_privacy_requests", (json_int_t)db_int(db, 24),
	    "last_login_at", admin_str(db, 25),
	    "last_seen_at", admin_str(db, 26));
}

struct user_view {
	struct req	*r;
	uint64_t	 id;
	const char	*reason;
	json_t		*out;
};

static int
admin_user_view_tx(struct db *db, void *arg)
{
	struct user_view *v = arg;
	int		 rc;

	json_decref(v->out);
	v->out = NULL;
	rc = db_one(db, AD_USER_VIEW, DB_ARGS(DB_INT(v->id)));
	if (rc != DB_OK && rc != DB_NONE)
		return rc;
	if (rc == DB_OK) {
		v->out = admin_user_row(db);
		db_done(db);
	}
	/*
	 * A look at an id that names nobody is recorded too, without a
	 * target: the account that gets that id later was not looked at.
	 */
	rc = v->out != NULL ? admin_audit(v->r, v->id, "user_view", v->reason,
	    NULL) : admin_audit(v->r, 0, "user_view", v->reason,
	    arena_printf(v->r->arena, "not_found: %llu",
	    (unsigned long long)v->id));
	/* Committed, then answered 404: DB_OK with no object. */
	return rc;
}

int
admin_user_view(struct req *r)
{
	struct user_view v;
	int		 rc;

	memset(&v, 0, sizeof(v));
	v.r = r;
	if ((v.id = req_param_id(r, 0)) == 0)
		return resp_db(r, DB_NONE);
	if ((rc = admin_reason_or_reply(r, 1, &v.reason)) != 0)
		return rc;
	return admin_tx_reply(r, admin_user_view_tx, &v, &v.out, 200, NULL, NULL);
}
