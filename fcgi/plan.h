/*
 * Plan limits: what the signed-in account's plan allows, checked where
 * the work happens (prospect create and import, Places import, sending
 * accounts, campaign start, the sender). The plan and the subscription's
 * standing come from the my_plan view (sql/migrations/0006_billing.sql:
 * the subscription row Stripe's webhooks keep, or the trial that starts
 * at sign-up), usage from the tenant's own my_* views, so every call is
 * scoped to the connection's tenant (@app_user, db.h).
 *
 * Two kinds of "no", both RFC 9457 problems naming the limit:
 *   402 payment_required, trial_ended, subscription_canceled: the
 *       subscription is not in good standing (incomplete,
 *       incomplete_expired, unpaid, paused, canceled, or the trial is
 *       over). Reading, exporting and deleting stay allowed and no data is
 *       ever deleted for it; creating and sending stop.
 *   403 plan_limit: in good standing, but the plan's limit would be
 *       passed: {"limit": "prospects", "max": 500, "used": 500}.
 * Standing: active, past_due (Stripe is still retrying the payment:
 * https://docs.stripe.com/billing/subscriptions/overview#subscription-statuses)
 * and trialing (a trial Stripe runs, or our own trial until
 * trial_ends_at) are good.
 *
 * Statements: plan_table (the plan) plus one usage table per limit a
 * program checks (plan_usage_table[limit]), so each program is granted
 * only the views it counts. Their ids start at PLAN_STMT_BASE, above every
 * program's own statements, so any program can add them to its tables
 * without renumbering its enums (db_open() refuses an overlap at start).
 */
#ifndef PROSPEA_PLAN_H
#define PROSPEA_PLAN_H

#include <stdint.h>

#include "db.h"

struct req;

enum plan_limit {
	PLAN_PROSPECTS,		/* prospects stored */
	PLAN_EMAILS_MONTH,	/* e-mails sent this calendar month (UTC): sent or bounced */
	PLAN_SENDING_ACCOUNTS,	/* sending accounts */
	PLAN_ACTIVE_CAMPAIGNS,	/* campaigns running or paused */
	PLAN_LIMIT__MAX
};

/* The API's name of each limit ("prospects", "emails_per_month"…). */
extern const char *const plan_limit_names[PLAN_LIMIT__MAX];

#define PLAN_STMT_BASE	1000
enum plan_stmt {
	PLAN_GET = PLAN_STMT_BASE,
	PLAN_USED_FIRST,
	PLAN__MAX = PLAN_USED_FIRST + PLAN_LIMIT__MAX
};

/* The plan and standing (my_plan). Every program that checks limits. */
extern const struct db_table plan_table;
/* Usage of one limit (count through the tenant's views), by limit. */
extern const struct db_table plan_usage_table[PLAN_LIMIT__MAX];

#define PLAN_UNLIMITED	(-1LL)

/* The account's plan, standing and, once counted, one limit's usage. */
struct plan_verdict {
	int		 status;	/* 0 allowed, 402 or 403 */
	const char	*code;		/* NULL, or the problem code (static) */
	const char	*detail;	/* the problem's sentence (static) */
	enum plan_limit	 limit;		/* the limit counted */
	long long	 max;		/* its maximum, PLAN_UNLIMITED for none */
	long long	 used;		/* its usage now */
	char		 plan[17];	/* "trial", "starter", "pro" */
	char		 sub_status[24];	/* Stripe's subscription status */
	long long	 trial_ends_at;	/* our trial's end, Unix seconds */
};

/*
 * May the connection's tenant add `adding` (>= 0) more of `limit`? Reads
 * the plan and standing, then counts the usage (the program must have
 * prepared plan_table and plan_usage_table[limit]). Fills v: status 0
 * when the standing is good and used + adding <= max (or no max); 402
 * when the standing is not good (usage not counted, used = 0); 403 when
 * the limit would be passed. Returns a db.h code (DB_OK whatever the
 * verdict; DB_NONE when no tenant is set). For a guaranteed answer under
 * concurrency, call it inside the transaction that adds, after the lock
 * that serialises the tenant's writers (prosp_rec_lock() for prospects).
 */
int	 plan_check(struct db *db, enum plan_limit limit, long long adding,
	    struct plan_verdict *v);

/*
 * For the sender, before each e-mail: sets the tenant to user_id (unless
 * it is already), then plan_check(PLAN_EMAILS_MONTH, 1). Sending is
 * allowed when v->status is 0; 402 and 403 mean "hold the message, do not
 * fail it" (no data is dropped: sending resumes when the subscription is
 * paid or the month turns). A db.h code.
 */
int	 plan_may_send(struct db *db, uint64_t user_id, struct plan_verdict *v);

/* How many more of the limit fit: max - used, 0 at or past it, or PLAN_UNLIMITED. */
long long plan_room(const struct plan_verdict *v);

/*
 * Writes v's refusal (v->status 402 or 403) as problem+json with
 * members "limit", "max", "used" (403) or "plan", "subscription_status"
 * (402). Returns the status written.
 */
int	 plan_reply(struct req *r, const struct plan_verdict *v);

/*
 * 1 if a subscription in status (Stripe's name) on plan code, with our
 * trial ending at trial_ends_at (Unix seconds), may create and send at
 * time now; *code and *detail then NULL, else the 402 problem's.
 */
int	 plan_standing_ok(const char *plan, const char *status,
	    long long trial_ends_at, long long now, const char **code,
	    const char **detail);

#endif
