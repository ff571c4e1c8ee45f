/*
 * The audit trail: the row every admin call writes (admin_audit(), in the
 * call's own transaction) and GET /admin/audit-log, which reads it. The
 * program's database account may INSERT and SELECT admin_audit, never
 * UPDATE or DELETE it (sql/grants.sql; tests/e2e/test_isolation.py); the
 * retention worker's own account deletes rows older than 12 months.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "arena.h"
#include "field.h"
#include "log.h"
#include "req.h"
#include "route.h"
#include "resp.h"
#include "rest.h"
#include "sess.h"

/* The first max code points of s (valid UTF-8), in the request's arena. */
static const char *
admin_cut(struct req *r, const char *s, size_t max)
{
	size_t	 i = field_utf8_cut(s, max);

	return s[i] == '\0' ? s : arena_printf(r->arena, "%.*s", (int)i, s);
}

int
admin_audit(struct req *r, uint64_t target, const char *action,
    const char *reason, const char *detail)
{
	int	 rc;

	rc = db_exec(r->db, AD_AUDIT_INSERT, DB_ARGS(DB_INT(r->sess->user_id),
	    target != 0 ? DB_INT(target) : DB_NULL, DB_TEXT(action),
	    DB_TEXT(reason != NULL ? admin_cut(r, reason, ADMIN_REASON_MAX) : ""),
	    DB_TEXT(detail != NULL ? admin_cut(r, detail, ADMIN_DETAIL_MAX) : ""),
	    DB_TEXT(r->remote_addr), DB_TEXT(r->user_agent)));
	if (rc == DB_OK)
		r->audited = 1;
	return rc;
}

void
admin_unaudited(struct req *r)
{
	const char	*detail;
	int		 rc;

	detail = arena_printf(r->arena, "%s %s -> %d %s", r->method_str,
	    r->route->pattern, r->status, r->problem != NULL ? r->problem : "");
	rc = admin_audit(r, 0, "refused", req_query(r, "reason"), detail);
	if (rc != DB_OK)
		log_err("admin %llu: a refused call could not be audited (db %d)",
		    (unsigned long long)r->sess->user_id, rc);
}

int
admin_reason_or_reply(struct req *r, int required, const char **reason)
{
	const char	*s = req_query(r, "reason"), *p;

	*reason = s;
	if (s == NULL && !required)
		return 0;
	/* The query parser refused control characters and bad UTF-8. */
	for (p = s; p != NULL && *p != '\0' && isspace((unsigned char)*p); p++)
		;
	if (s == NULL || *p == '\0')
		return resp_unprocessable(r, "reason", "required",
		    "Say why you open this account: ?reason= is recorded in "
		    "the audit trail, which the user can read.");
	if (field_utf8_len(s) > ADMIN_REASON_MAX)
		return resp_unprocessable(r, "reason", "too_long",
		    "The reason is at most 500 characters.");
	return 0;
}

int
admin_tx_reply(struct req *r, int (*fn)(struct db *, void *), void *arg,
    json_t **out, int status, const char *conflict_code,
    const char *conflict_detail)
{
	int	 rc;

	if ((rc = db_tx(r->db, fn, arg)) != DB_OK) {
		json_decref(*out);
		*out = NULL;
		if (rc == DB_CONFLICT && conflict_code != NULL)
			return resp_problem(r, 409, conflict_code,
			    conflict_detail);
		return resp_db(r, rc);
	}
	if (*out == NULL)
		return resp_db(r, DB_NONE);
	return resp_json(r, status, *out);
}

json_t *
admin_str(struct db *db, size_t col)
{
	return db_null(db, col) ? json_null() :
	    json_stringn(db_str(db, col), db_len(db, col));
}

static json_t *
admin_audit_row(struct db *db)
{
	return json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "id", db_str(db, 0), "admin_id", db_str(db, 1),
	    "target_user_id", admin_str(db, 2), "action", db_str(db, 3),
	    "reason", db_str(db, 4), "detail", db_str(db, 5),
	    "ip", db_str(db, 6), "user_agent", db_str(db, 7),
	    "created_at", db_str(db, 8));
}

struct audit_list {
	struct req	*r;
	long		 limit;
	uint64_t	 cursor, admin_id, target;
	const char	*reason;
	json_t		*out;
};

static int
admin_audit_log_tx(struct db *db, void *arg)
{
	struct audit_list *a = arg;
	struct req	*r = a->r;
	struct db_arg	 args[4];
	size_t		 n = 0, stmt;
	int		 rc;

	json_decref(a->out);
	a->out = NULL;
	if ((rc = admin_audit(r, a->target, "audit_log_read", a->reason,
	    a->admin_id != 0 ? arena_printf(r->arena, "admin_id=%llu",
	    (unsigned long long)a->admin_id) : NULL)) != DB_OK)
		return rc;
	args[n++] = DB_INT(a->cursor > INT64_MAX ? INT64_MAX : a->cursor);
	if (a->admin_id != 0)
		args[n++] = DB_INT(a->admin_id);
	if (a->target != 0)
		args[n++] = DB_INT(a->target);
	args[n++] = DB_INT(a->limit + 1);
	stmt = a->admin_id != 0 ? (a->target != 0 ? AD_AUDIT_LIST_BOTH :
	    AD_AUDIT_LIST_ADMIN) : (a->target != 0 ? AD_AUDIT_LIST_TARGET :
	    AD_AUDIT_LIST);
	return rest_page_collect(db, stmt, args, n, a->limit, admin_audit_row,
	    &a->out);
}

/* ?name= as an id: 0 when absent, -1 when not an id. */
static int
admin_query_id(struct req *r, const char *name, uint64_t *id)
{
	const char	*s = req_query(r, name);
	char		*end;

	*id = 0;
	if (s == NULL)
		return 0;
	if (*s < '1' || *s > '9' || strlen(s) > 19)
		return -1;
	*id = strtoull(s, &end, 10);
	return *end == '\0' && *id <= INT64_MAX ? 0 : -1;
}

int
admin_audit_log(struct req *r)
{
	struct audit_list a;
	int		 rc;

	memset(&a, 0, sizeof(a));
	a.r = r;
	if (req_page(r, &a.limit, &a.cursor) == -1)
		return rest_bad_page(r);
	if (admin_query_id(r, "admin_id", &a.admin_id) == -1 ||
	    admin_query_id(r, "target_user_id", &a.target) == -1)
		return resp_problem(r, 400, "bad_query",
		    "admin_id and target_user_id are account ids.");
	if ((rc = admin_reason_or_reply(r, 0, &a.reason)) != 0)
		return rc;
	return admin_tx_reply(r, admin_audit_log_tx, &a, &a.out, 200, NULL, NULL);
}
