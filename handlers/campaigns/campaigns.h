/*
 * The campaigns route group (/api/v1/templates, /call-scripts,
 * /sending-accounts, /campaigns, /tasks, /u/{token}): shared declarations
 * of its files.
 *
 * Statement ids continue from table to table, in the order main.c lists
 * the tables: sess (core) -> camp_tmpl (templates, call scripts, preview)
 * -> camp_acct (sending accounts) -> camp (campaigns, steps, enrollment,
 * stats, messages) -> camp_tasks (call tasks) -> camp_unsub (the
 * recipients' unsubscribe links). Each file owns its enum and its SQL
 * table. How a campaign runs, and what the handler and the sender each
 * change, is docs/sequencing.md.
 */
#ifndef PROSPEA_CAMPAIGNS_H
#define PROSPEA_CAMPAIGNS_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "db.h"
#include "field.h"
#include "plan.h"
#include "sess.h"
#include "tmpl.h"
#include "window.h"

struct req;

#define CAMP_NAME_MAX		120	/* code points of a name */
#define CAMP_SUBJECT_MAX	300
#define CAMP_SECTIONS_MAX	20	/* sections of a call script */
#define CAMP_STEPS_MAX		20	/* steps of a campaign */
#define CAMP_WAIT_MAX		60	/* sending days of one wait step */
#define CAMP_TZ_MAX		64	/* bytes of an IANA zone name */
#define CAMP_ENROLL_MAX		10000	/* prospects one enroll call takes */
#define CAMP_NOTE_MAX		5000	/* code points of a call's note */

/* -- camp_tmpl.c: templates, call scripts, rendering ---------------------- */

enum camp_tmpl_stmt {
	CT_TEMPLATE_LIST = SESS__MAX,
	CT_TEMPLATE_GET,
	CT_TEMPLATE_INSERT,
	CT_TEMPLATE_UPDATE,
	CT_TEMPLATE_DELETE,
	CT_SCRIPT_LIST,
	CT_SCRIPT_GET,
	CT_SCRIPT_INSERT,
	CT_SCRIPT_UPDATE,
	CT_SCRIPT_DELETE,
	CT_PROSPECT_VALUES,	/* what merge tags read of a prospect */
	CT_SENDER_VALUES,	/* and of the sending user */
	CT__MAX
};
extern const struct db_table camp_tmpl_table;

enum { TF_NAME, TF_CHANNEL, TF_SUBJECT, TF_BODY, TF_BODY_HTML, TF__MAX };
extern const struct field camp_template_fields[TF__MAX];
enum { TP_PROSPECT_ID, TP__MAX };
extern const struct field camp_preview_fields[TP__MAX];
enum { CS_NAME, CS_BODY, CS_SECTIONS, CS__MAX };
extern const struct field camp_script_fields[CS__MAX];

/*
 * The merge-tag values of prospect_id for the session's user into *v
 * (strings in the arena; custom fields an owned JSON object the caller
 * releases with json_decref(v->custom)). DB_OK, DB_NONE when the
 * prospect is not the user's, or an error code.
 */
int	camp_values(struct req *r, uint64_t prospect_id, struct tmpl_values *v);

/*
 * A call script's sections rendered for v: [{"title","body"}] (owned),
 * and in *missing (owned, or NULL) the tags without a value, the render
 * of such a section keeping the tags as written. sections is the stored
 * JSON text.
 */
json_t	*camp_script_render(const char *sections, const struct tmpl_values *v,
	    json_t **missing);

/*
 * The prospect's merge-tag values from the current row of db, columns
 * col to col + 8: name, category, address, postal_code, city, phone,
 * email, website, custom_fields (as CT_PROSPECT_VALUES selects them),
 * into v, whose other fields are left as they are. Strings go to the
 * arena; v->custom is owned (json_decref() it), or NULL.
 */
void	camp_values_row(struct req *r, struct db *db, size_t col,
	    struct tmpl_values *v);

/*
 * The sending user's values ({{sender_name}}) into v. DB_OK (DB_NONE
 * counts as done: no value), or an error code.
 */
int	camp_values_sender(struct req *r, struct tmpl_values *v);

/* -- camp_acct.c: sending accounts ---------------------------------------- */

enum camp_acct_stmt {
	CA_LIST = CT__MAX,
	CA_GET,
	CA_SECRETS,
	CA_INSERT,
	CA_UPDATE,
	CA_SEAL,
	CA_TESTED,
	CA_UNTEST,
	CA_RETRY_NOW,
	CA_DELETE,
	CA_IN_USE,
	CA_TENANT_LOCK,		/* the account row: one writer of a tenant at a time */
	CA__MAX
};
extern const struct db_table camp_acct_table;

/*
 * Locks the tenant's account row for the transaction and checks that
 * adding `adding` of limit fits the plan (plan.h), into *v. DB_OK (then
 * v->status says: 0 allowed, 402, 403) or an error code. Called inside
 * the transaction that adds, so two requests at once cannot both take
 * the last place.
 */
int	camp_plan_check(struct db *db, enum plan_limit limit, long long adding,
	    struct plan_verdict *v);

enum {
	SA_CHANNEL, SA_NAME, SA_FROM_NAME, SA_FROM_EMAIL, SA_REPLY_TO,
	SA_SMTP_HOST, SA_SMTP_PORT, SA_SMTP_SECURITY, SA_SMTP_USERNAME,
	SA_SMTP_PASSWORD, SA_IMAP_HOST, SA_IMAP_PORT, SA_IMAP_SECURITY,
	SA_IMAP_USERNAME, SA_IMAP_PASSWORD, SA_IMAP_MAILBOX, SA_SMS_PROVIDER,
	SA_SMS_ACCOUNT_SID, SA_SMS_API_KEY, SA_SMS_SENDER, SA_DAILY_LIMIT,
	SA_RAMP_START, SA_RAMP_STEP, SA__MAX
};
extern const struct field camp_acct_fields[SA__MAX];

/* -- camp.c: campaigns, steps, enrollment, stats, messages --------------- */

enum camp_stmt {
	CC_LIST = CA__MAX,
	CC_GET,
	CC_LOCK,		/* status and accounts, FOR UPDATE */
	CC_INSERT,
	CC_UPDATE,
	CC_STATUS,		/* a state change (and started_at) */
	CC_DELETE,
	CC_STEPS_OF,		/* steps of a JSON array of campaign ids */
	CC_COUNTS_OF,		/* enrollments by status, same */
	CC_STEP_INSERT,
	CC_STEP_UPDATE,
	CC_STEP_TRIM,		/* steps from a position on */
	CC_REACHED,		/* how far any enrollment went: history */
	CC_COMPLETE_PAST,	/* active enrollments past the last step */
	CC_RESCHEDULE,		/* put-off message steps due now, to time again */
	CC_WAITING,		/* when the enrollments at a wait began waiting */
	CC_ARCHIVE_STOP,	/* an archived campaign's enrollments stopped */
	CC_ARCHIVE_TASKS,	/* and its open calls canceled */
	CC_REWAIT,		/* their due time, timed again */
	CC_TEMPLATE_CHANNEL,
	CC_SCRIPT_ID,
	CC_ACCOUNT_CHANNEL,
	CC_ENROLL_IDS,		/* candidates: a JSON array of prospect ids */
	CC_ENROLL_FILTER,	/* candidates: the search filters */
	CC_SUPPRESSED_OF,	/* listed hashes of a JSON array of hex hashes */
	CC_ENROLL_INSERT,
	CC_STATS_ENROLLMENTS,
	CC_STATS_MESSAGES,
	CC_STATS_TASKS,
	CC_MESSAGES,
	CC_ENROLLMENTS,
	CC_ENROLLMENT_LOCK,
	CC_ENROLLMENT_STOP,
	CC_TASKS_CANCEL,	/* open tasks of an enrollment */
	CC__MAX
};
extern const struct db_table camp_table;

enum {
	CF_NAME, CF_SENDING_ACCOUNT_ID, CF_SMS_ACCOUNT_ID, CF_TIMEZONE,
	CF_WINDOW, CF_DAILY_LIMIT, CF_GAP_SECONDS, CF_STOP_ON_REPLY,
	CF_STOP_COMPANY_ON_REPLY, CF_STEPS, CF__MAX
};
extern const struct field camp_fields[CF__MAX];
enum { CE_PROSPECT_IDS, CE_FILTER, CE__MAX };
extern const struct field camp_enroll_fields[CE__MAX];

/*
 * Appends {field, code, message} (all copied) to errors, the "errors" of
 * a 400 or 422 problem.
 */
void	camp_error(json_t *errors, const char *field, const char *code,
	    const char *msg);

/*
 * The page parameters (req_page(): limit 1..200, default 50; cursor from
 * next_cursor) into *limit and *cursor; a bad one is named in errors
 * ("limit" or "cursor", code bad_page).
 */
void	camp_page(struct req *r, long *limit, uint64_t *cursor, json_t *errors);

/* -- camp_tasks.c: call tasks ----------------------------------------------- */

enum camp_tasks_stmt {
	CK_ZONES = CC__MAX,	/* the time zones of the user's campaigns */
	CK_LIST_OPEN,
	CK_LIST_DONE,
	CK_LOCK,		/* a task, FOR UPDATE */
	CK_CLOSE,
	CK_ENROLLMENT_LOCK,
	CK_CAMPAIGN,		/* its clock and its number of steps */
	CK_STEP_AT,
	CK_ADVANCE,
	CK_FINISH,		/* completed or stopped */
	CK_PROSPECT_STATUS,
	CK_CALLBACK,
	CK_GET,			/* the answer of an outcome */
	CK__MAX
};
extern const struct db_table camp_tasks_table;

enum { CO_OUTCOME, CO_NOTE, CO_STOP, CO_CALLBACK_AT, CO__MAX };
extern const struct field camp_outcome_fields[CO__MAX];

/* -- camp_unsub.c: unsubscribe links ---------------------------------------- */

enum camp_unsub_stmt {
	CU_MESSAGE = CK__MAX,	/* the base table: there is no session */
	CU_SUPPRESS,
	CU_STOP,
	CU_CANCEL,
	CU_DNC,		/* the prospect: do_not_contact */
	CU__MAX
};
extern const struct db_table camp_unsub_table;

/* Route handlers, by file. */
/* camp_tmpl.c */
int	camp_template_list(struct req *);
int	camp_template_create(struct req *);
int	camp_template_read(struct req *);
int	camp_template_update(struct req *);
int	camp_template_delete(struct req *);
int	camp_template_preview(struct req *);
int	camp_script_list(struct req *);
int	camp_script_create(struct req *);
int	camp_script_read(struct req *);
int	camp_script_update(struct req *);
int	camp_script_delete(struct req *);
/* camp_acct.c */
int	camp_acct_list(struct req *);
int	camp_acct_create(struct req *);
int	camp_acct_read(struct req *);
int	camp_acct_update(struct req *);
int	camp_acct_delete(struct req *);
int	camp_acct_test(struct req *);
/* camp.c */
int	camp_list(struct req *);
int	camp_create(struct req *);
int	camp_read(struct req *);
int	camp_update(struct req *);
int	camp_delete(struct req *);
int	camp_start(struct req *);
int	camp_pause(struct req *);
int	camp_resume(struct req *);
int	camp_archive(struct req *);
int	camp_enroll(struct req *);
int	camp_stats(struct req *);
int	camp_messages(struct req *);
int	camp_enrollments(struct req *);
int	camp_enrollment_remove(struct req *);
/* camp_tasks.c */
int	camp_task_list(struct req *);
int	camp_task_outcome(struct req *);
/* camp_unsub.c */
int	camp_unsub_page(struct req *);
int	camp_unsub_post(struct req *);

#endif
