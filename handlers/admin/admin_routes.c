/*
 * The admin group's routes, body fields and SQL: all of its interface with
 * the outside world, as tables (STYLE.md). Every route needs an admin
 * session that passed TOTP (ROUTE_ADMIN); state changes need the CSRF
 * header. The statements read the base tables across users: this
 * program's account is granted only the columns below (sql/grants.sql).
 */
#include "config.h"

#include <stddef.h>

#include "admin.h"
#include "field.h"
#include "route.h"

#define A	(ROUTE_SESSION | ROUTE_ADMIN)
#define AC	(ROUTE_SESSION | ROUTE_ADMIN | ROUTE_CSRF)
#define NF(t)	(t), (sizeof(t) / sizeof((t)[0]))
#define ISO(c)	"DATE_FORMAT(" c ", '%Y-%m-%dT%H:%i:%sZ')"

static const struct field close_fields[PC__MAX] = {
	[PC_RESOLUTION] = { "resolution", field_multiline, FIELD_REQ, 1, 5000, NULL },
	[PC_REASON] = { "reason", field_text, 0, 1, ADMIN_REASON_MAX, NULL },
};

static const struct field policy_fields[PV__MAX] = {
	[PV_VERSION] = { "version", field_text, FIELD_REQ, 1, 32, NULL },
	[PV_EFFECTIVE] = { "effective_at", field_text, FIELD_REQ, 1, 40, NULL },
	[PV_SUMMARY] = { "summary", field_multiline, FIELD_REQ, 1, 2000, NULL },
	[PV_TEXT_URL] = { "text_url", field_text, 0, 9, 512, NULL },
	[PV_REASON] = { "reason", field_text, 0, 1, ADMIN_REASON_MAX, NULL },
};

#define B	16384	/* a resolution or a summary with room to spare */

const struct route admin_routes[] = {
	{ M_GET, "/api/v1/admin/users", admin_users_find, A, NULL, 0, 0 },
	{ M_GET, "/api/v1/admin/users/{id}", admin_user_view, A, NULL, 0, 0 },
	{ M_GET, "/api/v1/admin/audit-log", admin_audit_log, A, NULL, 0, 0 },
	{ M_GET, "/api/v1/admin/privacy-requests", admin_privacy_queue, A, NULL, 0, 0 },
	{ M_POST, "/api/v1/admin/privacy-requests/{id}/close", admin_privacy_close,
	    AC, NF(close_fields), B },
	{ M_POST, "/api/v1/admin/policy-versions", admin_policy_publish, AC,
	    NF(policy_fields), B },
	{ 0, NULL, NULL, 0, NULL, 0, 0 }
};

/* The audit trail's columns, as admin_audit_row() reads them. */
#define AUDIT_SQL \
	"SELECT id, admin_id, target_user_id, action, reason, detail, ip, " \
	"user_agent, " ISO("created_at") " FROM admin_audit WHERE id < ? "

static const char *const admin_sql[AD__MAX] = {
#define T(x)	[x]
	T(AD_AUDIT_INSERT) =
	    "INSERT INTO admin_audit (admin_id, target_user_id, action, reason, "
	    "detail, ip, user_agent, created_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, NOW(3))",
	/* One statement per filter, so each uses its own index. */
	T(AD_AUDIT_LIST) = AUDIT_SQL "ORDER BY id DESC LIMIT ?",
	T(AD_AUDIT_LIST_ADMIN) = AUDIT_SQL "AND admin_id = ? "
	    "ORDER BY id DESC LIMIT ?",
	T(AD_AUDIT_LIST_TARGET) = AUDIT_SQL "AND target_user_id = ? "
	    "ORDER BY id DESC LIMIT ?",
	T(AD_AUDIT_LIST_BOTH) = AUDIT_SQL "AND admin_id = ? "
	    "AND target_user_id = ? ORDER BY id DESC LIMIT ?",
	T(AD_USER_FIND) =
	    "SELECT id, email, first_name, last_name, role, status, "
	    ISO("created_at") " FROM user_account WHERE email_key = ?",
	/* What an admin sees of an account: no secret, no content. */
	T(AD_USER_VIEW) =
	    "SELECT u.id, u.email, u.first_name, u.last_name, u.role, u.status, "
	    "u.email_verified_at IS NOT NULL, u.totp_enabled_at IS NOT NULL, "
	    "u.default_region, " ISO("u.created_at") ", " ISO("u.updated_at")
	    ", " ISO("u.closed_at") ", " ISO("u.restricted_at") ", "
	    ISO("u.objects_analytics_at") ", " ISO("u.objects_product_emails_at")
	    ", u.pending_email IS NOT NULL, " ISO("u.erasure_requested_at") ", "
	    ISO("u.erasure_due_at") ", COALESCE(s.plan_code, 'trial'), "
	    "COALESCE(s.status, 'trialing'), " ISO("s.current_period_end") ", "
	    "COALESCE(s.cancel_at_period_end, 0), "
	    "(SELECT COUNT(p.user_id) FROM prospect p WHERE p.user_id = u.id), "
	    "(SELECT COUNT(c.user_id) FROM campaign c WHERE c.user_id = u.id), "
	    "(SELECT COUNT(q.id) FROM privacy_request q WHERE q.user_id = u.id "
	    "AND q.status = 'open'), "
	    "(SELECT " ISO("MAX(e.created_at)") " FROM security_event e "
	    "WHERE e.user_id = u.id AND e.kind = 'login_succeeded'), "
	    "(SELECT " ISO("MAX(x.last_seen_at)") " FROM session x "
	    "WHERE x.user_id = u.id) "
	    "FROM user_account u LEFT JOIN subscription s ON s.user_id = u.id "
	    "WHERE u.id = ?",
	/*
	 * The open requests by due date, which puts the overdue ones first:
	 * ?overdue= keeps one side (NULL: both). Keyset paging on (due_at,
	 * id) after the cursor's row (NULL: from the start).
	 */
	T(AD_PRQ_LIST) =
	    "SELECT q.id, q.user_id, u.email, q.kind, q.message, "
	    ISO("q.created_at") ", " ISO("q.due_at") ", q.due_at <= NOW(3) "
	    "FROM privacy_request q JOIN user_account u ON u.id = q.user_id "
	    "WHERE q.status = 'open' AND (? IS NULL OR (q.due_at <= NOW(3)) = ?) "
	    "AND (? IS NULL OR q.due_at > (SELECT c.due_at FROM privacy_request c "
	    "WHERE c.id = ?) OR (q.due_at = (SELECT c.due_at FROM "
	    "privacy_request c WHERE c.id = ?) AND q.id > ?)) "
	    "ORDER BY q.due_at, q.id LIMIT ?",
	T(AD_PRQ_LOCK) =
	    "SELECT user_id, status FROM privacy_request WHERE id = ? FOR UPDATE",
	T(AD_PRQ_CLOSE) =
	    "UPDATE privacy_request SET status = 'closed', closed_at = NOW(3), "
	    "closed_by = ?, resolution = ? WHERE id = ? AND status = 'open'",
	T(AD_PRQ_GET) =
	    "SELECT q.id, q.user_id, u.email, q.kind, q.message, q.status, "
	    ISO("q.created_at") ", " ISO("q.due_at") ", " ISO("q.closed_at") ", "
	    "q.closed_by, q.resolution, u.first_name, "
	    "u.email_verified_at IS NOT NULL, u.status "
	    "FROM privacy_request q JOIN user_account u ON u.id = q.user_id "
	    "WHERE q.id = ?",
	/* effective_at in seconds since the epoch; the connection is UTC. */
	T(AD_POLICY_INSERT) =
	    "INSERT INTO policy_version (version, effective_at, summary, "
	    "text_url, published_at) VALUES (?, "
	    "'1970-01-01 00:00:00' + INTERVAL ? SECOND, ?, ?, NOW(3))",
	T(AD_POLICY_GET) =
	    "SELECT id, version, " ISO("effective_at") ", summary, text_url, "
	    ISO("published_at") " FROM policy_version WHERE id = ?",
	/* Every open account: closed ones (erasure pending) are not told. */
	T(AD_POLICY_RECIPIENTS) =
	    "SELECT COUNT(*) FROM user_account WHERE status = 'active'",
#undef T
};

const struct db_table admin_table = { admin_sql, AD_AUDIT_INSERT, AD__MAX };
