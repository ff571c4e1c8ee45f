/*
 * The campaigns route group (/api/v1/templates, /call-scripts,
 * /sending-accounts, /campaigns, /tasks, /u/{token}): shared declarations
 * of its files.
 *
 * Statement ids continue from table to table, in the order main.c lists
 * the tables: sess (core) -> camp_tmpl (templates, call scripts, preview)
 * -> camp_acct (sending accounts) -> camp (campaigns, steps, enrollment,
 * stats, tasks, unsubscribe). Each file owns its enum and its SQL table.
 */
#ifndef PROSPEA_CAMPAIGNS_H
#define PROSPEA_CAMPAIGNS_H

#include <stdint.h>

#include <jansson.h>

#include "db.h"
#include "field.h"
#include "sess.h"
#include "tmpl.h"

struct req;

#define CAMP_NAME_MAX		120	/* code points of a name */
#define CAMP_SUBJECT_MAX	300
#define CAMP_SECTIONS_MAX	20	/* sections of a call script */
#define CAMP_STEPS_MAX		20	/* steps of a campaign */
#define CAMP_WAIT_MAX		60	/* sending days of one wait step */

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

/* -- camp_acct.c: sending accounts ---------------------------------------- */

enum camp_acct_stmt {
	CA_LIST = CT__MAX,
	CA_GET,
	CA_SECRETS,
	CA_INSERT,
	CA_UPDATE,
	CA_SEAL,
	CA_TESTED,
	CA_DELETE,
	CA_IN_USE,
	CA__MAX
};
extern const struct db_table camp_acct_table;

enum {
	SA_CHANNEL, SA_NAME, SA_FROM_NAME, SA_FROM_EMAIL, SA_REPLY_TO,
	SA_SMTP_HOST, SA_SMTP_PORT, SA_SMTP_SECURITY, SA_SMTP_USERNAME,
	SA_SMTP_PASSWORD, SA_IMAP_HOST, SA_IMAP_PORT, SA_IMAP_SECURITY,
	SA_IMAP_USERNAME, SA_IMAP_PASSWORD, SA_IMAP_MAILBOX, SA_SMS_PROVIDER,
	SA_SMS_ACCOUNT_SID, SA_SMS_API_KEY, SA_SMS_SENDER, SA_DAILY_LIMIT,
	SA_RAMP_START, SA_RAMP_STEP, SA__MAX
};
extern const struct field camp_acct_fields[SA__MAX];

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

#endif
