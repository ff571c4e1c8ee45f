/*
 * What the account is on and has used (GET /billing), its invoices (GET
 * /billing/invoices), and the statements the group shares about the
 * account's subscription row. Plans, standing and usage are the plan
 * module's (plan.h), so GET /billing says exactly what the checks in the
 * other groups enforce.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "billing.h"
#include "plan.h"
#include "req.h"
#include "resp.h"
#include "rest.h"

#define ISO(c)	"DATE_FORMAT(" c ", '%Y-%m-%dT%H:%i:%sZ')"

static const char *const bill_sql[BS__MAX] = {
#define T(x)	[x]
	T(BS_PLAN) = "SELECT plan_code, plan_name, status, " ISO("trial_ends_at")
	    ", " ISO("current_period_end") ", cancel_at_period_end, "
	    ISO("stripe_trial_end") ", max_prospects, max_emails_month, "
	    "max_sending_accounts, max_active_campaigns, "
	    "UNIX_TIMESTAMP(trial_ends_at), subscribed FROM my_plan",
	T(BS_PLANS) = "SELECT code, name, max_prospects, max_emails_month, "
	    "max_sending_accounts, max_active_campaigns FROM plan "
	    "ORDER BY position",
	T(BS_SUB_ENSURE) = "INSERT INTO my_subscription (user_id, trial_ends_at,"
	    " created_at, updated_at) VALUES (?, FROM_UNIXTIME(?), NOW(3), NOW(3))"
	    " ON DUPLICATE KEY UPDATE user_id = user_id",
	T(BS_CUSTOMER) = "SELECT stripe_customer_id FROM my_subscription",
	T(BS_CUSTOMER_SET) = "UPDATE my_subscription SET stripe_customer_id = ?,"
	    " updated_at = NOW(3) WHERE stripe_customer_id IS NULL",
	T(BS_INVOICES) = "SELECT id, number, status, currency, subtotal, tax,"
	    " total, amount_due, amount_paid, amount_remaining,"
	    " hosted_invoice_url, invoice_pdf, " ISO("period_start") ", "
	    ISO("period_end") ", customer_name, customer_email,"
	    " customer_address, customer_tax_ids, " ISO("stripe_created") ", "
	    ISO("paid_at") " FROM my_invoice WHERE id < ? ORDER BY id DESC"
	    " LIMIT ?",
#undef T
};
const struct db_table bill_table = { bill_sql, TMAIL__MAX, BS__MAX };

int
bill_sub_ensure(struct db *db)
{
	long long	 trial_end;
	int		 rc;

	if ((rc = db_one(db, BS_PLAN, DB_NOARGS)) != DB_OK)
		return rc;
	trial_end = db_int(db, BP_TRIAL_ENDS_TS);
	db_done(db);
	rc = db_exec(db, BS_SUB_ENSURE, DB_ARGS(DB_INT(db_user(db)),
	    DB_INT(trial_end)));
	return rc == DB_NONE ? DB_OK : rc;
}

/* A limit column: its number, or null for "no limit". New reference. */
static json_t *
bill_limit(struct db *db, size_t col)
{
	return db_null(db, col) ? json_null() : json_integer(db_int(db, col));
}

/* A nullable text column. New reference. */
static json_t *
bill_str_or_null(struct db *db, size_t col)
{
	return db_null(db, col) ? json_null() :
	    json_stringn(db_str(db, col), db_len(db, col));
}

/* The plans, for the page that offers an upgrade. */
static int
bill_plans(struct req *r, json_t **out)
{
	const struct conf *c = r->conf;
	json_t		*a = json_array();
	const char	*code;
	int		 rc;

	if ((rc = db_query(r->db, BS_PLANS, DB_NOARGS)) != DB_OK) {
		json_decref(a);
		return rc;
	}
	while ((rc = db_next(r->db)) == DB_OK) {
		code = db_str(r->db, 0);
		json_array_append_new(a, json_pack("{s:s, s:s, s:{s:o, s:o, s:o, s:o},"
		    " s:b}", "code", code, "name", db_str(r->db, 1), "limits",
		    "prospects", bill_limit(r->db, 2), "emails_per_month",
		    bill_limit(r->db, 3), "sending_accounts", bill_limit(r->db, 4),
		    "active_campaigns", bill_limit(r->db, 5),
		    "available", bill_price_of_plan(c, code) != NULL));
	}
	if (rc != DB_NONE) {
		json_decref(a);
		return rc;
	}
	*out = a;
	return DB_OK;
}

int
bill_read(struct req *r)
{
	static const size_t max_col[PLAN_LIMIT__MAX] = {
		[PLAN_PROSPECTS] = BP_MAX_PROSPECTS,
		[PLAN_EMAILS_MONTH] = BP_MAX_EMAILS,
		[PLAN_SENDING_ACCOUNTS] = BP_MAX_ACCOUNTS,
		[PLAN_ACTIVE_CAMPAIGNS] = BP_MAX_CAMPAIGNS,
	};
	const char		*code, *detail;
	json_t			*o, *limits, *usage, *plans = NULL;
	long long		 used[PLAN_LIMIT__MAX], max_emails;
	size_t			 i;
	int			 rc, good;

	for (i = 0; i < PLAN_LIMIT__MAX; i++) {
		if ((rc = db_one(r->db, PLAN_USED_FIRST + i, DB_NOARGS)) != DB_OK)
			return resp_db(r, rc == DB_NONE ? DB_ERR : rc);
		used[i] = db_int(r->db, 0);
		db_done(r->db);
	}
	if ((rc = bill_plans(r, &plans)) != DB_OK)
		return resp_db(r, rc);
	if ((rc = db_one(r->db, BS_PLAN, DB_NOARGS)) != DB_OK) {
		json_decref(plans);
		return resp_db(r, rc);
	}
	good = plan_standing_ok(db_str(r->db, BP_CODE), db_str(r->db, BP_STATUS),
	    db_int(r->db, BP_TRIAL_ENDS_TS), (long long)time(NULL), &code,
	    &detail);
	limits = json_object();
	usage = json_object();
	for (i = 0; i < PLAN_LIMIT__MAX; i++) {
		json_object_set_new(limits, plan_limit_names[i],
		    bill_limit(r->db, max_col[i]));
		json_object_set_new(usage, plan_limit_names[i],
		    json_integer(used[i]));
	}
	max_emails = db_null(r->db, BP_MAX_EMAILS) ? PLAN_UNLIMITED :
	    db_int(r->db, BP_MAX_EMAILS);
	o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:b, s:b, s:o, s:o,"
	    " s:b, s:b, s:o, s:o}",
	    "plan", db_str(r->db, BP_CODE),
	    "plan_name", db_str(r->db, BP_NAME),
	    "status", db_str(r->db, BP_STATUS),
	    "trial_ends_at", bill_str_or_null(r->db, BP_TRIAL_ENDS),
	    "current_period_end", bill_str_or_null(r->db, BP_PERIOD_END),
	    "stripe_trial_end", bill_str_or_null(r->db, BP_STRIPE_TRIAL_END),
	    "cancel_at_period_end", (int)db_int(r->db, BP_CANCEL_AT_END),
	    "subscribed", (int)db_int(r->db, BP_SUBSCRIBED),
	    "limits", limits, "usage", usage,
	    "in_good_standing", good,
	    "sending_allowed", good && (max_emails == PLAN_UNLIMITED ||
	    used[PLAN_EMAILS_MONTH] < max_emails),
	    "standing_problem", code != NULL ? json_string(code) : json_null(),
	    "plans", plans);
	db_done(r->db);
	if (o == NULL)
		abort();
	return resp_json(r, 200, o);
}

/* The current row of BS_INVOICES as the API's invoice. */
static json_t *
bill_invoice_json(struct db *db)
{
	static const char *const names[] = {
		"id", "number", "status", "currency", "subtotal", "tax", "total",
		"amount_due", "amount_paid", "amount_remaining",
		"hosted_invoice_url", "invoice_pdf", "period_start",
		"period_end", "customer_name", "customer_email",
		"customer_address", "customer_tax_ids", "created_at", "paid_at",
	};
	json_t	*o = json_object(), *v;
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (db_null(db, i))
			v = json_null();
		else if (i >= 4 && i <= 9)	/* amounts, minor units */
			v = json_integer(db_int(db, i));
		else if (i == 16 || i == 17)	/* stored JSON */
			v = json_loadb(db_str(db, i), db_len(db, i),
			    JSON_ALLOW_NUL, NULL);
		else
			v = json_stringn(db_str(db, i), db_len(db, i));
		json_object_set_new(o, names[i], v != NULL ? v : json_null());
	}
	return o;
}

int
bill_invoices(struct req *r)
{
	return rest_list(r, BS_INVOICES, bill_invoice_json);
}
