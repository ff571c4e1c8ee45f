/*
 * The admin route group (/api/v1/admin/...): for users with role admin
 * whose session passed TOTP (ROUTE_ADMIN, fcgi/app.c). Find and view an
 * account, the audit trail, the privacy request queue, policy versions.
 * Every call writes a row of admin_audit in the same transaction as what
 * it reads or changes, so nothing is shown or done that the trail does not
 * record (DESIGN.md section 3; the user sees the rows in GET
 * /gdpr/admin-access). Shared declarations of the group's files.
 */
#ifndef PROSPEA_ADMIN_H
#define PROSPEA_ADMIN_H

#include <stdint.h>

#include <jansson.h>

#include "db.h"
#include "tmail.h"

struct req;

/* Statement ids: they continue after the core tables this program uses. */
enum admin_stmt {
	AD_AUDIT_INSERT = TMAIL__MAX,
	AD_AUDIT_LIST,
	AD_AUDIT_LIST_ADMIN,
	AD_AUDIT_LIST_TARGET,
	AD_AUDIT_LIST_BOTH,
	AD_USER_FIND,
	AD_USER_VIEW,
	AD_PRQ_LIST,
	AD_PRQ_LOCK,
	AD_PRQ_CLOSE,
	AD_PRQ_GET,
	AD_POLICY_INSERT,
	AD_POLICY_GET,
	AD_POLICY_RECIPIENTS,
	AD__MAX
};

extern const struct db_table admin_table;

/* Body field indexes of each route's field table (admin_routes.c). */
enum { PC_RESOLUTION, PC_REASON, PC__MAX };
enum { PV_VERSION, PV_EFFECTIVE, PV_SUMMARY, PV_TEXT_URL, PV_REASON, PV__MAX };

/* Lengths of admin_audit's columns (sql/migrations/0008_gdpr.sql). */
#define ADMIN_REASON_MAX	500
#define ADMIN_DETAIL_MAX	255

/* Days of notice before a policy version takes effect (issue 6). */
#define ADMIN_POLICY_NOTICE_DAYS	30

/* Route handlers. */
int	admin_users_find(struct req *);
int	admin_user_view(struct req *);
int	admin_audit_log(struct req *);
int	admin_privacy_queue(struct req *);
int	admin_privacy_close(struct req *);
int	admin_policy_publish(struct req *);

/*
 * Writes the audit row of this call: the signed-in admin, target (0: no
 * account), action (a short snake_case name), reason (may be NULL: ""),
 * detail (may be NULL; cut to ADMIN_DETAIL_MAX characters), the request's
 * IP and user agent, the database's time. Call it inside the transaction
 * of the call's reads or effects. A db.h code.
 */
int	admin_audit(struct req *r, uint64_t target, const char *action,
	    const char *reason, const char *detail);

/*
 * struct app's unaudited hook: an admin call answered without its audit
 * row (its input refused by the core or by the handler) is recorded as
 * action "refused", detail "<method> <route> -> <status> <problem code>",
 * the reason sent if any. Every admin call leaves a row (issue 6).
 */
void	admin_unaudited(struct req *r);

/*
 * The ?reason= of the request into *reason (NULL when absent). 0 when it
 * is acceptable (1 to ADMIN_REASON_MAX characters, not only spaces) or
 * absent and not required; otherwise the status of the 422 it wrote.
 */
int	admin_reason_or_reply(struct req *r, int required, const char **reason);

/*
 * Runs fn(db, arg) in a transaction (db_tx()) that holds the call's audit
 * row and its reads or effects, then answers: status with *out (owned,
 * set by fn; NULL after a commit is 404), or the error, where DB_CONFLICT
 * answers 409 with conflict_code and conflict_detail. Nothing is shown
 * unless the transaction, audit row included, committed.
 */
int	admin_tx_reply(struct req *r, int (*fn)(struct db *, void *), void *arg,
	    json_t **out, int status, const char *conflict_code,
	    const char *conflict_detail);

/* Column col as a JSON string, or null when SQL NULL. New reference. */
json_t	*admin_str(struct db *db, size_t col);

#endif
