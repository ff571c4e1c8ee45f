/*
 * The billing route group (/api/v1/billing…, /api/v1/webhooks/stripe):
 * shared declarations of its files.
 *
 * Statement ids continue from table to table, in the order main.c lists
 * the tables: sess (core) -> tmail (core) -> bill (bill_account.c: the
 * plan, usage, customer, invoices) -> bill_hook (bill_webhook.c: events,
 * subscription state, invoices from Stripe); the plan module's tables
 * (plan.h) sit at their own fixed ids.
 */
#ifndef PROSPEA_BILLING_H
#define PROSPEA_BILLING_H

#include <stdint.h>

#include <jansson.h>

#include "db.h"
#include "field.h"
#include "sess.h"
#include "tmail.h"

struct conf;
struct req;

/* Stripe API version every call pins (Stripe-Version header). */
#define BILL_STRIPE_VERSION	"2025-08-27.basil"

/* -- bill_account.c: GET /billing, invoices, the account's customer ------ */

enum bill_stmt {
	BS_PLAN = TMAIL__MAX,	/* my_plan as GET /billing shows it */
	BS_PLANS,		/* every plan with its limits */
	BS_SUB_ENSURE,		/* the subscription row, created on the trial */
	BS_CUSTOMER,		/* the stored Stripe customer id */
	BS_CUSTOMER_SET,	/* store one where there is none */
	BS_INVOICES,		/* one page of invoices */
	BS__MAX
};
extern const struct db_table bill_table;

/* Columns of BS_PLAN. */
enum {
	BP_CODE, BP_NAME, BP_STATUS, BP_TRIAL_ENDS, BP_PERIOD_END,
	BP_CANCEL_AT_END, BP_STRIPE_TRIAL_END, BP_MAX_PROSPECTS,
	BP_MAX_EMAILS, BP_MAX_ACCOUNTS, BP_MAX_CAMPAIGNS, BP_TRIAL_ENDS_TS,
	BP_SUBSCRIBED, BP__MAX
};

/*
 * Makes sure the tenant has a subscription row (the trial's, with its
 * end as my_plan computes it) so later statements have one to update.
 * A db.h code.
 */
int	bill_sub_ensure(struct db *db);

/* -- bill_stripe.c: calls to the Stripe API ------------------------------- */

enum { BC_PLAN, BC__MAX };
extern const struct field bill_checkout_fields[BC__MAX];

/* -- bill_webhook.c: event intake ----------------------------------------- */

enum bill_hook_stmt {
	BW_EVENT_INSERT = BS__MAX,
	BW_EVENT_DONE,
	BW_USER_EXISTS,
	BW_USER_BY_CUSTOMER,
	BW_USER_BY_SUBSCRIPTION,
	BW_SUB_LOCK,
	BW_SUB_LINK,
	BW_SUB_STATE,
	BW_MAIL_TO,
	BW_INVOICE_LOCK,
	BW_INVOICE_INSERT,
	BW_INVOICE_UPDATE,
	BW__MAX
};
extern const struct db_table bill_hook_table;

/*
 * Start-up check (app.h's init hook): reads the webhook signing secrets
 * (stripe_webhook_secret_file, and stripe_webhook_secret_old_file during
 * a rotation) into locked memory. -1, after a message naming the key and
 * the fault, when one is missing, unreadable, empty, holds whitespace or
 * is not a whsec_ secret: the program then refuses to start.
 */
int	bill_init(const struct conf *c, struct db *db);

/*
 * The plan code of a Stripe price id (the stripe_price_* keys), or NULL.
 * Static string.
 */
const char *bill_plan_of_price(const struct conf *c, const char *price);

/* The configured Stripe price id of a plan code, or NULL (none, or trial). Borrowed. */
const char *bill_price_of_plan(const struct conf *c, const char *plan);

/* Route handlers, by file. */
/* bill_account.c */
int	bill_read(struct req *);
int	bill_invoices(struct req *);
/* bill_stripe.c */
int	bill_checkout(struct req *);
int	bill_portal(struct req *);
/* bill_webhook.c */
int	bill_webhook(struct req *);

#endif
