/*
 * The gdpr route group (/api/v1/account, /api/v1/gdpr/..., /api/v1/legal/...):
 * the user's "GDPR & data" space. Access and portability (the streamed
 * export), rectification (the profile, an e-mail change verified on the
 * new address), erasure with 30 days to cancel, restriction, objection,
 * French post-mortem directives, privacy requests, the admin accesses to
 * the account, and the public legal pages. Shared declarations of its files.
 */
#ifndef PROSPEA_GDPR_H
#define PROSPEA_GDPR_H

#include <stdint.h>

#include <jansson.h>

#include "db.h"
#include "throttle.h"

struct conf;
struct req;

/* Statement ids: they continue after the core tables this program uses. */
enum gdpr_stmt {
	GS_POLICY_CURRENT = THROTTLE__MAX,
	GS_SUBPROCESSORS,
	GS_ACCOUNT_GET,
	GS_ACCOUNT_SET,
	GS_ACCOUNT_PENDING,
	GS_ACCOUNT_COMPANY,
	GS_EMAIL_TAKEN,
	GS_MY_PASSWORD,
	GS_TOKEN_INSERT,
	GS_TOKEN_LOCK,
	GS_TOKEN_USE,
	GS_TOKENS_EXPIRE,
	GS_USER_PENDING,
	GS_USER_EMAIL_SET,
	GS_ERASE,
	GS_PENDING_RELEASE,
	GS_SESSIONS_REVOKE,
	GS_ERASE_CANCEL,
	GS_RESTRICT_SET,
	GS_OBJECT_SET,
	GS_PM_GET,
	GS_PM_PUT,
	GS_PM_DELETE,
	GS_REQ_INSERT,
	GS_REQ_GET,
	GS_REQ_LIST,
	GS_REQ_OPEN_COUNT,
	GS_ADMIN_ACCESS,
	/* The export (gdpr_export.c): one statement per section, in order. */
	GS_EX_PROFILE,
	GS_EX_CONSENTS,
	GS_EX_SESSIONS,
	GS_EX_EVENTS,
	GS_EX_SENDING,
	GS_EX_TEMPLATES,
	GS_EX_SCRIPTS,
	GS_EX_CAMPAIGNS,
	GS_EX_ENROLLMENTS,
	GS_EX_MESSAGES,
	GS_EX_TASKS,
	GS_EX_PROSPECTS,
	GS_EX_SUPPRESSIONS,
	GS_EX_IMPORTS,
	GS_EX_ENRICH,
	GS_EX_SUBSCRIPTION,
	GS_EX_INVOICES,
	GS_EX_TMAIL,
	GS_EX_REQUESTS,
	GS_EX_POST_MORTEM,
	GS_EX_ADMIN,
	GS__MAX
};

extern const struct db_table gdpr_table;

/* Body field indexes of each route's field table (gdpr_routes.c). */
enum { AC_FIRST, AC_LAST, AC_EMAIL, AC_REGION, AC_COMPANY, AC__MAX };
enum { TK_TOKEN, TK__MAX };
enum { ER_PASSWORD, ER__MAX };
enum { RE_RESTRICTED, RE_REASON, RE__MAX };
enum { OB_ANALYTICS, OB_PRODUCT, OB__MAX };
enum { PM_DIRECTIVES, PM_CONTACT, PM__MAX };
enum { RQ_KIND, RQ_MESSAGE, RQ__MAX };

/* Link lifetimes: an e-mail change 48 h, like sign-up's verification. */
#define GDPR_EMAIL_CHANGE_TTL	(48 * 3600)
/* Days between an erasure request and the purge (the cancel window). */
#define GDPR_ERASURE_DAYS	30
/* Days to answer a privacy request: one month (GDPR art. 12(3)). */
#define GDPR_REQUEST_DAYS	30
/* Changes of address asked per account and hour: each sends two mails. */
#define GDPR_EMAIL_CHANGES_PER_HOUR	5
/* Open privacy requests one account may have at once. */
#define GDPR_OPEN_REQUESTS_MAX	20

/* Route handlers. */
int	gdpr_privacy_policy(struct req *);
int	gdpr_subprocessors(struct req *);
int	gdpr_account_get(struct req *);
int	gdpr_account_patch(struct req *);
int	gdpr_email_confirm(struct req *);
int	gdpr_export(struct req *);
int	gdpr_erasure(struct req *);
int	gdpr_erasure_cancel(struct req *);
int	gdpr_restriction_get(struct req *);
int	gdpr_restriction_put(struct req *);
int	gdpr_objections_get(struct req *);
int	gdpr_objections_put(struct req *);
int	gdpr_post_mortem_get(struct req *);
int	gdpr_post_mortem_put(struct req *);
int	gdpr_post_mortem_delete(struct req *);
int	gdpr_requests_list(struct req *);
int	gdpr_requests_create(struct req *);
int	gdpr_admin_access(struct req *);

/* Start-up: password lists and hashing slots (erasure re-checks the password). */
int	gdpr_init(const struct conf *, struct db *);

/* The account as GET /account shows it, from the current GS_ACCOUNT_GET row. New reference. */
json_t	*gdpr_account_json(struct db *db);

/* The mails this group sends, in gdpr_mail.c. */
enum gdpr_mail {
	GM_EMAIL_CHANGE,	/* to the new address: confirm it */
	GM_EMAIL_TAKEN,		/* to the new address, which has an account */
	GM_EMAIL_CHANGE_OLD,	/* to the current address: a change was asked */
	GM_ERASURE,		/* account closed, deletion date, cancel link */
	GM_ERASURE_CANCELED,	/* account reopened */
	GM__MAX
};

/*
 * Queues mail kind to addr for user_id, creating first the one-time token
 * its link needs (GM_EMAIL_CHANGE: email_change, 48 h; GM_ERASURE:
 * erasure_cancel, until the purge). date (may be NULL) is the purge date
 * the erasure mails state, "YYYY-MM-DD". first_name greets the account's
 * own address only, never a new one nobody has confirmed. Runs in the
 * caller's transaction. A db.h code.
 */
int	gdpr_mail(struct req *r, enum gdpr_mail kind, uint64_t user_id,
	    const char *addr, const char *first_name, const char *date);

/*
 * Consumes a one-time token of kind (in the caller's transaction): DB_OK
 * with *user_id set when it is valid, unused and unexpired; DB_NONE
 * otherwise.
 */
int	gdpr_token_take(struct db *db, const char *token, const char *kind,
	    uint64_t *user_id);

#endif
