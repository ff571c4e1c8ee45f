/*
 * Plan limits and the subscription's standing. See plan.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "db.h"
#include "plan.h"
#include "req.h"
#include "resp.h"

const char *const plan_limit_names[PLAN_LIMIT__MAX] = {
	[PLAN_PROSPECTS] = "prospects",
	[PLAN_EMAILS_MONTH] = "emails_per_month",
	[PLAN_SENDING_ACCOUNTS] = "sending_accounts",
	[PLAN_ACTIVE_CAMPAIGNS] = "active_campaigns",
};

#define USED(l)	[PLAN_USED_FIRST + (l)]
static const char *const plan_sql[PLAN__MAX] = {
	[PLAN_GET] =
	    "SELECT plan_code, status, UNIX_TIMESTAMP(trial_ends_at), "
	    "max_prospects, max_emails_month, max_sending_accounts, "
	    "max_active_campaigns FROM my_plan",
	USED(PLAN_PROSPECTS) = "SELECT COUNT(id) FROM my_prospect",
	/* The calendar month in UTC, the connection's time zone. */
	USED(PLAN_EMAILS_MONTH) =
	    "SELECT COUNT(id) FROM my_message WHERE channel = 'email' "
	    "AND status IN ('sent', 'bounced') "
	    "AND sent_at >= DATE_FORMAT(NOW(), '%Y-%m-01')",
	USED(PLAN_SENDING_ACCOUNTS) = "SELECT COUNT(id) FROM my_sending_account",
	USED(PLAN_ACTIVE_CAMPAIGNS) =
	    "SELECT COUNT(id) FROM my_campaign WHERE status IN ('running', 'paused')",
};
#undef USED

const struct db_table plan_table = { plan_sql, PLAN_GET, PLAN_GET + 1 };
const struct db_table plan_usage_table[PLAN_LIMIT__MAX] = {
	{ plan_sql, PLAN_USED_FIRST + 0, PLAN_USED_FIRST + 1 },
	{ plan_sql, PLAN_USED_FIRST + 1, PLAN_USED_FIRST + 2 },
	{ plan_sql, PLAN_USED_FIRST + 2, PLAN_USED_FIRST + 3 },
	{ plan_sql, PLAN_USED_FIRST + 3, PLAN_USED_FIRST + 4 },
};

/* my_plan's limit column of each limit (columns 3.. of PLAN_GET). */
#define PLAN_COL_MAX	3

int
plan_standing_ok(const char *plan, const char *status, long long trial_ends_at,
    long long now, const char **code, const char **detail)
{
	*code = *detail = NULL;
	if (strcmp(status, "active") == 0 || strcmp(status, "past_due") == 0)
		return 1;
	if (strcmp(status, "trialing") == 0) {
		/* A trial Stripe runs ends through a webhook; ours by the clock. */
		if (strcmp(plan, "trial") != 0 || now < trial_ends_at)
			return 1;
		*code = "trial_ended";
		*detail = "Your free trial has ended: choose a plan to go on "
		    "adding prospects and sending. Your data is kept.";
		return 0;
	}
	if (strcmp(status, "canceled") == 0) {
		*code = "subscription_canceled";
		*detail = "Your subscription has ended: subscribe again to go on "
		    "adding prospects and sending. Your data is kept.";
		return 0;
	}
	*code = "payment_required";
	*detail = "Your subscription is not paid: settle it from the billing "
	    "page to go on adding prospects and sending. Your data is kept.";
	return 0;
}

int
plan_check(struct db *db, enum plan_limit limit, long long adding,
    struct plan_verdict *v)
{
	int	 rc;

	if ((unsigned)limit >= PLAN_LIMIT__MAX || adding < 0)
		abort();
	memset(v, 0, sizeof(*v));
	v->limit = limit;
	v->max = PLAN_UNLIMITED;
	if ((rc = db_one(db, PLAN_GET, DB_NOARGS)) != DB_OK)
		return rc;
	snprintf(v->plan, sizeof(v->plan), "%s", db_str(db, 0));
	snprintf(v->sub_status, sizeof(v->sub_status), "%s", db_str(db, 1));
	v->trial_ends_at = db_int(db, 2);
	if (!db_null(db, PLAN_COL_MAX + limit))
		v->max = db_int(db, PLAN_COL_MAX + limit);
	db_done(db);
	if (!plan_standing_ok(v->plan, v->sub_status, v->trial_ends_at,
	    (long long)time(NULL), &v->code, &v->detail)) {
		v->status = 402;
		return DB_OK;
	}
	if ((rc = db_one(db, PLAN_USED_FIRST + limit, DB_NOARGS)) != DB_OK)
		return rc == DB_NONE ? DB_ERR : rc;
	v->used = db_int(db, 0);
	db_done(db);
	if (v->max != PLAN_UNLIMITED && v->used + adding > v->max) {
		v->status = 403;
		v->code = "plan_limit";
		v->detail = "Your plan's limit is reached: upgrade your plan, or "
		    "make room, to go on.";
	}
	return DB_OK;
}

int
plan_may_send(struct db *db, uint64_t user_id, struct plan_verdict *v)
{
	int	 rc;

	if (db_user(db) != user_id && (rc = db_user_set(db, user_id)) != DB_OK)
		return rc;
	return plan_check(db, PLAN_EMAILS_MONTH, 1, v);
}

long long
plan_room(const struct plan_verdict *v)
{
	if (v->status == 402)
		return 0;
	if (v->max == PLAN_UNLIMITED)
		return PLAN_UNLIMITED;
	return v->used >= v->max ? 0 : v->max - v->used;
}

int
plan_reply(struct req *r, const struct plan_verdict *v)
{
	if (v->status == 402)
		return resp_problem_ext(r, 402, v->code, v->detail,
		    json_pack("{s:s, s:s}", "plan", v->plan,
		    "subscription_status", v->sub_status));
	return resp_problem_ext(r, 403, v->code, v->detail,
	    json_pack("{s:s, s:I, s:I, s:s}", "limit",
	    plan_limit_names[v->limit], "max", (json_int_t)v->max,
	    "used", (json_int_t)v->used, "plan", v->plan));
}
