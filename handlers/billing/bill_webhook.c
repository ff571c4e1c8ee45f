/*
 * Stripe's webhook (POST /api/v1/webhooks/stripe): verified, idempotent,
 * order-proof event intake.
 *
 * 1. Verify before anything else, over the raw body bytes (ROUTE_RAW):
 *    stripe_sig.h with the endpoint's secret, and the previous one during
 *    a rotation. Every failure is the same generic 400 and stores nothing;
 *    the log says which check failed, never a header or body.
 * 2. One transaction per event: the event id goes into stripe_event
 *    (UNIQUE) first, then the effect. A second delivery, sequential or
 *    racing (the second waits on the first's key, then hits the
 *    duplicate), changes nothing and is answered 200.
 * 3. Order-proof: the account's subscription state moves only forward
 *    (migration 0005, table subscription): an event applies when its
 *    `created` is later than the stored state's, or the same second with
 *    a status rank at least as high; another subscription than the
 *    stored one replaces it only when the stored one has ended (and the
 *    event is newer than that end) or the new one is newer. So a late customer.subscription.created (incomplete)
 *    never overwrites a newer active, and a deleted event of an old
 *    subscription never ends a newer one. Invoices likewise keep the
 *    newest state.
 * 4. Types handled (https://docs.stripe.com/api/events/types):
 *    checkout.session.completed (paid: the plan starts; unpaid, as with
 *    SEPA debits: no access until checkout.session.async_payment_succeeded),
 *    checkout.session.async_payment_succeeded / _failed,
 *    customer.subscription.created / updated / deleted / trial_will_end,
 *    invoice.paid / payment_failed / payment_action_required. Others:
 *    200, logged, recorded as ignored. Both object shapes are read: API
 *    2025-03-31.basil and later put a subscription's billing period on
 *    its items and an invoice's subscription under parent; older versions
 *    on the subscription and the invoice itself.
 * 5. E-mails to the user (payment failed, action required, trial ending)
 *    are queued in the same transaction (tmail.h): sent by the mailer,
 *    once per event.
 *
 * The handler runs as no user until it has found the account an event is
 * about; then it sets that tenant (db_user_set) and works through the
 * my_* views like every request.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "arena.h"
#include "billing.h"
#include "conf.h"
#include "log.h"
#include "req.h"
#include "resp.h"
#include "stripe_sig.h"

static const char *const bill_hook_sql[BW__MAX] = {
#define T(x)	[x]
	T(BW_EVENT_INSERT) = "INSERT INTO stripe_event (event_id, type,"
	    " event_created, livemode, outcome, received_at)"
	    " VALUES (?, ?, ?, ?, 'ignored', NOW(3))",
	T(BW_EVENT_DONE) = "UPDATE stripe_event SET user_id = ?, outcome = ?"
	    " WHERE id = ?",
	T(BW_USER_EXISTS) = "SELECT id FROM user_account WHERE id = ?",
	T(BW_USER_BY_CUSTOMER) = "SELECT user_id FROM subscription"
	    " WHERE stripe_customer_id = ?",
	T(BW_USER_BY_SUBSCRIPTION) = "SELECT user_id FROM subscription"
	    " WHERE stripe_subscription_id = ?",
	T(BW_SUB_LOCK) = "SELECT stripe_subscription_id, sub_created,"
	    " state_at, state_rank, plan_code FROM my_subscription FOR UPDATE",
	T(BW_SUB_LINK) = "UPDATE my_subscription SET stripe_customer_id ="
	    " COALESCE(stripe_customer_id, ?), updated_at = NOW(3)",
	T(BW_SUB_STATE) = "UPDATE my_subscription SET"
	    " plan_code = COALESCE(?, plan_code), status = ?,"
	    " stripe_customer_id = COALESCE(stripe_customer_id, ?),"
	    " stripe_subscription_id = COALESCE(?, stripe_subscription_id),"
	    " sub_created = COALESCE(?, sub_created),"
	    " current_period_start = COALESCE(FROM_UNIXTIME(?), current_period_start),"
	    " current_period_end = COALESCE(FROM_UNIXTIME(?), current_period_end),"
	    " stripe_trial_end = COALESCE(FROM_UNIXTIME(?), stripe_trial_end),"
	    " cancel_at_period_end = COALESCE(?, cancel_at_period_end),"
	    " canceled_at = COALESCE(FROM_UNIXTIME(?), canceled_at),"
	    " state_at = ?, state_rank = ?, updated_at = NOW(3)",
	T(BW_MAIL_TO) = "SELECT email, first_name FROM my_account",
	T(BW_INVOICE_LOCK) = "SELECT status, event_at FROM my_invoice"
	    " WHERE stripe_invoice_id = ? FOR UPDATE",
	T(BW_INVOICE_INSERT) = "INSERT INTO my_invoice (user_id,"
	    " stripe_invoice_id, stripe_customer_id, stripe_subscription_id,"
	    " number, status, currency, subtotal, tax, total, amount_due,"
	    " amount_paid, amount_remaining, hosted_invoice_url, invoice_pdf,"
	    " period_start, period_end, customer_name, customer_email,"
	    " customer_address, customer_tax_ids, stripe_created, paid_at,"
	    " event_at, retain_until, created_at, updated_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
	    " FROM_UNIXTIME(?), FROM_UNIXTIME(?), ?, ?, ?, ?, FROM_UNIXTIME(?),"
	    " FROM_UNIXTIME(?), ?, DATE(FROM_UNIXTIME(?)) + INTERVAL 10 YEAR,"
	    " NOW(3), NOW(3))",
	T(BW_INVOICE_UPDATE) = "UPDATE my_invoice SET user_id = ?,"
	    " stripe_invoice_id = ?, stripe_customer_id = ?,"
	    " stripe_subscription_id = ?, number = ?, status = ?, currency = ?,"
	    " subtotal = ?, tax = ?, total = ?, amount_due = ?, amount_paid = ?,"
	    " amount_remaining = ?, hosted_invoice_url = ?, invoice_pdf = ?,"
	    " period_start = FROM_UNIXTIME(?), period_end = FROM_UNIXTIME(?),"
	    " customer_name = ?, customer_email = ?, customer_address = ?,"
	    " customer_tax_ids = ?, stripe_created = FROM_UNIXTIME(?),"
	    " paid_at = FROM_UNIXTIME(?), event_at = ?,"
	    " retain_until = DATE(FROM_UNIXTIME(?)) + INTERVAL 10 YEAR,"
	    " updated_at = NOW(3) WHERE stripe_invoice_id = ?",
#undef T
};
const struct db_table bill_hook_table = { bill_hook_sql, BS__MAX, BW__MAX };

/* -- the signing secrets ---------------------------------------------------- */

#define BILL_SECRETS_MAX	2
static char	*bill_secrets[BILL_SECRETS_MAX];	/* sodium_malloc'ed */
static size_t	 bill_nsecrets;

/* Reads one secret file into locked memory; -1 after saying what is wrong. */
static int
bill_secret_load(const char *key, const char *path)
{
	char	*s, *p;
	size_t	 n;

	if ((s = conf_read_secret(path)) == NULL) {
		fprintf(stderr, "prospea-billing: %s: cannot read %s: %s\n", key,
		    path, strerror(errno));
		return -1;
	}
	n = strlen(s);
	for (p = s; *p != '\0'; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
			break;
	if (n == 0 || *p != '\0' || strncmp(s, "whsec_", 6) != 0 || n < 16) {
		fprintf(stderr, "prospea-billing: %s: %s %s: a webhook signing "
		    "secret is one word starting with whsec_ (Stripe Dashboard, "
		    "Developers > Webhooks > Signing secret)\n", key, path,
		    n == 0 ? "is empty" : *p != '\0' ? "holds whitespace or a "
		    "control character" : "is not a whsec_ secret");
		sodium_memzero(s, n);
		free(s);
		return -1;
	}
	if ((bill_secrets[bill_nsecrets] = sodium_malloc(n + 1)) == NULL)
		abort();
	memcpy(bill_secrets[bill_nsecrets++], s, n + 1);
	sodium_memzero(s, n);
	free(s);
	return 0;
}

int
bill_init(const struct conf *c, struct db *db)
{
	const char	*price[] = { c->stripe_price_starter, c->stripe_price_pro };
	size_t		 i;

	(void)db;
	if (*c->stripe_webhook_secret_file == '\0') {
		fprintf(stderr, "prospea-billing: stripe_webhook_secret_file is "
		    "not set: the Stripe webhook cannot verify events without "
		    "the endpoint's signing secret (whsec_…)\n");
		return -1;
	}
	if (bill_secret_load("stripe_webhook_secret_file",
	    c->stripe_webhook_secret_file) == -1)
		return -1;
	if (*c->stripe_webhook_secret_old_file != '\0' &&
	    bill_secret_load("stripe_webhook_secret_old_file",
	    c->stripe_webhook_secret_old_file) == -1)
		return -1;
	for (i = 0; i < 2; i++)
		if (strpbrk(price[i], " \t") != NULL) {
			fprintf(stderr, "prospea-billing: stripe_price_%s: a "
			    "price id is one word (price_…)\n",
			    i == 0 ? "starter" : "pro");
			return -1;
		}
	return 0;
}

/* -- reading Stripe objects ------------------------------------------------- */

/* A string member, or NULL (absent, null, empty, or holding a NUL). */
static const char *
bill_str(json_t *o, const char *name)
{
	json_t	*v = json_object_get(o, name);

	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

/*
 * A text member as a statement argument with its exact length, so a
 * \u0000 inside a name is stored as sent, never cut there. NULL: SQL NULL.
 */
static struct db_arg
bill_text(json_t *o, const char *name)
{
	json_t	*v = json_object_get(o, name);

	if (!json_is_string(v))
		return DB_NULL;
	return (struct db_arg){ DB_ARG_TEXT, 0, json_string_value(v),
	    (unsigned long)json_string_length(v) };
}

/* An integer member as an argument, or SQL NULL. */
static struct db_arg
bill_int(json_t *o, const char *name)
{
	json_t	*v = json_object_get(o, name);

	return json_is_integer(v) ? DB_INT(json_integer_value(v)) : DB_NULL;
}

/* A boolean member as an argument (0/1), or SQL NULL. */
static struct db_arg
bill_bool(json_t *o, const char *name)
{
	json_t	*v = json_object_get(o, name);

	return json_is_boolean(v) ? DB_INT(json_is_true(v)) : DB_NULL;
}

/* A member as JSON text (arena), or SQL NULL when absent or null. */
static struct db_arg
bill_json(struct arena *a, json_t *o, const char *name)
{
	json_t	*v = json_object_get(o, name);
	char	*s, *copy;

	if (v == NULL || json_is_null(v))
		return DB_NULL;
	if ((s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		abort();
	copy = arena_strdup(a, s);
	free(s);
	return DB_TEXT(copy);
}

/* The account id of "acct_1042" or "1042", 0 if neither. */
static uint64_t
bill_account_ref(const char *s)
{
	uint64_t	 v = 0;
	size_t		 n;

	if (s == NULL)
		return 0;
	if (strncmp(s, "acct_", 5) == 0)
		s += 5;
	n = strlen(s);
	if (n == 0 || n > 19 || s[0] == '0' || strspn(s, "0123456789") != n)
		return 0;
	for (; *s != '\0'; s++)
		v = v * 10 + (uint64_t)(*s - '0');
	return v;
}

/*
 * A plan code named by our checkout's metadata[plan]: "starter", "pro",
 * or such a code with an interval suffix ("pro_monthly"). Static, or NULL.
 */
static const char *
bill_plan_of_meta(const char *s)
{
	static const char *const codes[] = { "starter", "pro", NULL };
	size_t	 i, n;

	if (s == NULL)
		return NULL;
	n = strcspn(s, "_");
	for (i = 0; codes[i] != NULL; i++)
		if (strlen(codes[i]) == n && strncmp(s, codes[i], n) == 0)
			return codes[i];
	return NULL;
}

/* Subscription status ranks (migration 0005): how far along a state is. */
static int
bill_rank(const char *status)
{
	static const struct {
		const char	*name;
		int		 rank;
	} ranks[] = {
		{ "incomplete", 1 }, { "trialing", 2 }, { "active", 3 },
		{ "past_due", 4 }, { "unpaid", 5 }, { "paused", 5 },
		{ "canceled", 6 }, { "incomplete_expired", 6 },
	};
	size_t	 i;

	for (i = 0; status != NULL && i < sizeof(ranks) / sizeof(ranks[0]); i++)
		if (strcmp(status, ranks[i].name) == 0)
			return ranks[i].rank;
	return 0;
}

/* -- one event -------------------------------------------------------------- */

enum bill_outcome { BO_APPLIED, BO_STALE, BO_IGNORED, BO_UNMATCHED, BO__MAX };
static const char *const bill_outcomes[BO__MAX] = {
	"applied", "stale", "ignored", "unmatched",
};

struct bill_event {
	struct req		*r;
	json_t			*ev;		/* the whole event (borrowed) */
	json_t			*obj;		/* data.object */
	const char		*id, *type;
	long long		 created;
	uint64_t		 row;		/* stripe_event row */
	uint64_t		 user;		/* the account, 0 none */
	enum bill_outcome	 outcome;
};

/* A new subscription state for the tenant's row, as an event says. */
struct bill_state {
	const char	*plan;		/* plan code, or NULL: keep */
	const char	*status;	/* Stripe's status */
	const char	*customer;	/* NULL: keep */
	const char	*subscription;	/* NULL: keep */
	struct db_arg	 sub_created, period_start, period_end, trial_end,
			 cancel_at_end, canceled_at;
};

/*
 * Finds the event's account. Stripe's own ids win: the account that
 * already owns the customer (or the subscription) is the one. A reference
 * we gave Stripe (client_reference_id, metadata) only finds the account
 * of a customer not linked yet; one that names another account than the
 * customer's owner is logged and the event left alone (e->user 0), so an
 * invoice carrying one person's billing identity is never filed under
 * another account (adversarial review).
 */
static int
bill_find_user(struct bill_event *e, uint64_t ref, const char *customer,
    const char *subscription)
{
	struct db	*db = e->r->db;
	const struct {
		size_t		 stmt;
		struct db_arg	 arg;
		int		 given;
	} ways[] = {
		{ BW_USER_BY_CUSTOMER, DB_TEXT(customer), customer != NULL },
		{ BW_USER_BY_SUBSCRIPTION, DB_TEXT(subscription),
		    subscription != NULL },
		{ BW_USER_EXISTS, DB_INT(ref), ref != 0 },
	};
	size_t		 i;
	int		 rc;

	e->user = 0;
	for (i = 0; i < sizeof(ways) / sizeof(ways[0]); i++) {
		if (!ways[i].given)
			continue;
		if ((rc = db_one(db, ways[i].stmt, &ways[i].arg, 1)) == DB_OK) {
			e->user = (uint64_t)db_int(db, 0);
			db_done(db);
			break;
		}
		if (rc != DB_NONE)
			return rc;
	}
	if (e->user != 0 && ref != 0 && ref != e->user) {
		log_warn("stripe webhook: %s names account %llu but its customer "
		    "belongs to account %llu: ignored", e->type,
		    (unsigned long long)ref, (unsigned long long)e->user);
		e->user = 0;
	}
	return DB_OK;
}

/* Becomes the event's account, with a subscription row to work on. */
static int
bill_become(struct bill_event *e)
{
	int	 rc;

	if ((rc = db_user_set(e->r->db, e->user)) != DB_OK)
		return rc;
	return bill_sub_ensure(e->r->db);
}

/*
 * Applies st if it moves the state forward (the rule at the top of this
 * file); sets e->outcome. A db.h code.
 */
static int
bill_state_apply(struct bill_event *e, const struct bill_state *st)
{
	struct db	*db = e->r->db;
	const char	*stored_sub, *customer = st->customer;
	long long	 stored_created, at, new_created;
	int		 rank = bill_rank(st->status), stored_rank, rc, other;

	if ((rc = db_one(db, BW_SUB_LOCK, DB_NOARGS)) != DB_OK)
		return rc == DB_NONE ? DB_ERR : rc;
	stored_sub = db_null(db, 0) ? NULL : arena_strdup(e->r->arena,
	    db_str(db, 0));
	stored_created = db_null(db, 1) ? -1 : db_int(db, 1);
	at = db_int(db, 2);
	stored_rank = (int)db_int(db, 3);
	db_done(db);
	/* A Stripe customer is one account's: never link it to a second one. */
	if (st->customer != NULL && (rc = db_one(db, BW_USER_BY_CUSTOMER,
	    DB_ARGS(DB_TEXT(st->customer)))) != DB_NONE) {
		if (rc != DB_OK)
			return rc;
		if ((uint64_t)db_int(db, 0) != e->user) {
			log_warn("stripe webhook: %s names a customer of another "
			    "account: not linked", e->type);
			customer = NULL;
		}
		db_done(db);
	}
	new_created = st->sub_created.type == DB_ARG_INT ? st->sub_created.i : -1;
	other = stored_sub != NULL && st->subscription != NULL &&
	    strcmp(stored_sub, st->subscription) != 0;
	/*
	 * Another subscription takes over from one that has ended (with an
	 * event newer than the end), or from an older one.
	 */
	if (other && !(stored_rank == 6 && e->created >= at) &&
	    !(new_created > stored_created && stored_created >= 0)) {
		e->outcome = BO_STALE;
		return DB_OK;
	}
	if (!other && (e->created < at || (e->created == at &&
	    rank < stored_rank))) {
		e->outcome = BO_STALE;
		return DB_OK;
	}
	rc = db_exec(db, BW_SUB_STATE, DB_ARGS(DB_TEXT(st->plan),
	    DB_TEXT(st->status), DB_TEXT(customer),
	    DB_TEXT(st->subscription), st->sub_created, st->period_start,
	    st->period_end, st->trial_end, st->cancel_at_end, st->canceled_at,
	    DB_INT(e->created), DB_INT(rank)));
	if (rc != DB_OK && rc != DB_NONE)
		return rc;
	e->outcome = BO_APPLIED;
	return DB_OK;
}

/* -- e-mails ---------------------------------------------------------------- */

enum bill_mail { BM_PAYMENT_FAILED, BM_ACTION_REQUIRED, BM_TRIAL_ENDING, BM__MAX };

static const struct {
	const char	*kind;
	const char	*subject;
	const char	*body;	/* printf: first name, link, billing page */
} bill_mails[BM__MAX] = {
	[BM_PAYMENT_FAILED] = { "billing_payment_failed",
	    "Échec du paiement de votre abonnement – Prospea",
	    "Bonjour %s,\n\n"
	    "Le paiement de votre abonnement Prospea n'a pas abouti. Vous "
	    "pouvez régler la facture ici :\n\n%s\n\n"
	    "ou mettre à jour votre moyen de paiement depuis la page "
	    "Facturation : %s\n\n"
	    "Sans paiement, l'envoi de vos campagnes s'arrêtera ; vos données "
	    "sont conservées.\n\n"
	    "L'équipe Prospea\n\n"
	    "---\n\n"
	    "The payment for your Prospea subscription failed. You can pay "
	    "the invoice at the first link above, or update your payment "
	    "method from the Billing page. Without payment your campaigns "
	    "will stop sending; your data is kept.\n" },
	[BM_ACTION_REQUIRED] = { "billing_action_required",
	    "Votre banque demande une confirmation – Prospea",
	    "Bonjour %s,\n\n"
	    "Votre banque demande de confirmer le paiement de votre abonnement "
	    "Prospea (authentification forte). Confirmez-le ici :\n\n%s\n\n"
	    "Page Facturation : %s\n\n"
	    "L'équipe Prospea\n\n"
	    "---\n\n"
	    "Your bank asks you to confirm the payment of your Prospea "
	    "subscription (strong customer authentication). Confirm it at the "
	    "first link above.\n" },
	[BM_TRIAL_ENDING] = { "billing_trial_ending",
	    "Votre période d'essai se termine bientôt – Prospea",
	    "Bonjour %s,\n\n"
	    "La période d'essai de votre abonnement Prospea se termine le "
	    "%s (UTC). Le premier paiement aura lieu à cette date avec le "
	    "moyen de paiement enregistré ; pour le changer ou résilier, "
	    "ouvrez la page Facturation : %s\n\n"
	    "L'équipe Prospea\n\n"
	    "---\n\n"
	    "The trial of your Prospea subscription ends on the date above "
	    "(UTC). The first payment is then taken with the saved payment "
	    "method; to change it or cancel, open the Billing page.\n" },
};

/* Queues mail m to the tenant's address. link: the invoice page or a date. */
static int
bill_mail_queue(struct bill_event *e, enum bill_mail m, const char *link)
{
	struct req	*r = e->r;
	char		*addr, *text;
	const char	*name;
	int		 rc;

	if ((rc = db_one(r->db, BW_MAIL_TO, DB_NOARGS)) != DB_OK)
		return rc == DB_NONE ? DB_OK : rc;
	addr = arena_strdup(r->arena, db_str(r->db, 0));
	name = arena_strdup(r->arena, db_str(r->db, 1));
	db_done(r->db);
	/* The bodies are this file's constants, each taking three %s. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	text = arena_printf(r->arena, bill_mails[m].body, name,
	    link != NULL ? link : "-", arena_printf(r->arena, "%s/billing",
	    r->conf->public_url));
#pragma GCC diagnostic pop
	return tmail_queue(r->db, e->user, bill_mails[m].kind, addr,
	    bill_mails[m].subject, text);
}

/* -- event types ------------------------------------------------------------ */

/* checkout.session.completed and the async payment outcomes. */
static int
bill_on_checkout(struct bill_event *e)
{
	json_t		*s = e->obj;
	struct bill_state st;
	const char	*pay = bill_str(s, "payment_status");
	uint64_t	 ref;
	int		 rc;

	ref = bill_account_ref(bill_str(s, "client_reference_id"));
	if (ref == 0)
		ref = bill_account_ref(bill_str(json_object_get(s, "metadata"),
		    "prospea_account_id"));
	if ((rc = bill_find_user(e, ref, bill_str(s, "customer"),
	    bill_str(s, "subscription"))) != DB_OK || e->user == 0)
		return rc;
	if ((rc = bill_become(e)) != DB_OK)
		return rc;
	if (strcmp(bill_str(s, "mode") != NULL ? bill_str(s, "mode") : "",
	    "subscription") != 0) {
		e->outcome = BO_IGNORED;
		return DB_OK;
	}
	memset(&st, 0, sizeof(st));
	st.plan = bill_plan_of_meta(bill_str(json_object_get(s, "metadata"),
	    "plan"));
	st.customer = bill_str(s, "customer");
	st.subscription = bill_str(s, "subscription");
	if (strcmp(e->type, "checkout.session.async_payment_failed") == 0)
		st.status = "incomplete_expired";
	else if (strcmp(e->type, "checkout.session.async_payment_succeeded") == 0 ||
	    (pay != NULL && (strcmp(pay, "paid") == 0 ||
	    strcmp(pay, "no_payment_required") == 0)))
		st.status = "active";
	else
		st.status = "incomplete";	/* a delayed method: no access yet */
	st.sub_created = st.period_start = st.period_end = st.trial_end =
	    st.cancel_at_end = st.canceled_at = DB_NULL;
	if ((rc = bill_state_apply(e, &st)) != DB_OK)
		return rc;
	if (e->outcome == BO_APPLIED &&
	    strcmp(st.status, "incomplete_expired") == 0)
		rc = bill_mail_queue(e, BM_PAYMENT_FAILED, NULL);
	return rc;
}

/* customer.subscription.created / updated / deleted / trial_will_end. */
static int
bill_on_subscription(struct bill_event *e)
{
	json_t		*s = e->obj, *item, *price;
	struct bill_state st;
	const char	*status = bill_str(s, "status");
	uint64_t	 ref;
	int		 rc;

	ref = bill_account_ref(bill_str(json_object_get(s, "metadata"),
	    "prospea_account_id"));
	if ((rc = bill_find_user(e, ref, bill_str(s, "customer"),
	    bill_str(s, "id"))) != DB_OK || e->user == 0)
		return rc;
	if ((rc = bill_become(e)) != DB_OK)
		return rc;
	if (strcmp(e->type, "customer.subscription.trial_will_end") == 0) {
		json_t		*te = json_object_get(s, "trial_end");
		time_t		 t = json_is_integer(te) ?
				    (time_t)json_integer_value(te) : 0;
		struct tm	 tm;
		char		 date[32] = "-";

		if (t > 0 && gmtime_r(&t, &tm) != NULL)
			strftime(date, sizeof(date), "%d/%m/%Y", &tm);
		e->outcome = BO_APPLIED;
		return bill_mail_queue(e, BM_TRIAL_ENDING, date);
	}
	if (status == NULL || bill_rank(status) == 0) {
		log_warn("stripe webhook: %s with an unknown status", e->type);
		e->outcome = BO_IGNORED;
		return DB_OK;
	}
	memset(&st, 0, sizeof(st));
	st.status = status;
	st.customer = bill_str(s, "customer");
	st.subscription = bill_str(s, "id");
	st.sub_created = bill_int(s, "created");
	st.trial_end = bill_int(s, "trial_end");
	st.cancel_at_end = bill_bool(s, "cancel_at_period_end");
	st.canceled_at = bill_int(s, "canceled_at");
	item = json_array_get(json_object_get(json_object_get(s, "items"),
	    "data"), 0);
	price = json_object_get(item, "price");
	st.plan = bill_plan_of_price(e->r->conf, bill_str(price, "id"));
	if (st.plan == NULL && bill_str(price, "id") != NULL)
		log_warn("stripe webhook: %s for a price that is not a "
		    "stripe_price_* key: plan kept", e->type);
	/* basil: the period is the item's; before: the subscription's. */
	if (json_is_integer(json_object_get(item, "current_period_end"))) {
		st.period_start = bill_int(item, "current_period_start");
		st.period_end = bill_int(item, "current_period_end");
	} else {
		st.period_start = bill_int(s, "current_period_start");
		st.period_end = bill_int(s, "current_period_end");
	}
	return bill_state_apply(e, &st);
}

/* The status rank of an invoice: draft 0, open 1, paid/void/uncollectible 2. */
static int
bill_invoice_rank(const char *status)
{
	if (status == NULL || strcmp(status, "draft") == 0)
		return 0;
	return strcmp(status, "open") == 0 ? 1 : 2;
}

/* invoice.paid / payment_failed / payment_action_required. */
static int
bill_on_invoice(struct bill_event *e)
{
	struct arena	*a = e->r->arena;
	json_t		*in = e->obj, *parent, *line, *period, *v;
	const char	*sub, *status = bill_str(in, "status"), *url;
	struct db_arg	 args[27];
	json_int_t	 tax = 0;
	int		 rc, has_tax = 0, stored_rank;
	long long	 stored_at;
	size_t		 i, n = 0;

	parent = json_object_get(json_object_get(in, "parent"),
	    "subscription_details");
	if ((sub = bill_str(parent, "subscription")) == NULL)
		sub = bill_str(in, "subscription");
	if ((rc = bill_find_user(e, bill_account_ref(bill_str(
	    json_object_get(parent != NULL ? parent : json_object_get(in,
	    "subscription_details"), "metadata"), "prospea_account_id")),
	    bill_str(in, "customer"), sub)) != DB_OK || e->user == 0)
		return rc;
	if ((rc = bill_become(e)) != DB_OK)
		return rc;
	if (bill_str(in, "id") == NULL || bill_str(in, "customer") == NULL ||
	    bill_str(in, "currency") == NULL || status == NULL) {
		log_warn("stripe webhook: %s without id, customer, currency or "
		    "status", e->type);
		e->outcome = BO_IGNORED;
		return DB_OK;
	}
	rc = db_one(e->r->db, BW_INVOICE_LOCK, DB_ARGS(DB_TEXT(bill_str(in,
	    "id"))));
	if (rc == DB_OK) {
		stored_rank = bill_invoice_rank(db_str(e->r->db, 0));
		stored_at = db_int(e->r->db, 1);
		db_done(e->r->db);
		if (e->created < stored_at || (e->created == stored_at &&
		    bill_invoice_rank(status) < stored_rank)) {
			e->outcome = BO_STALE;
			return DB_OK;
		}
	} else if (rc != DB_NONE)
		return rc;
	/* basil: total_taxes[].amount; before: tax. */
	json_array_foreach(json_object_get(in, "total_taxes"), i, v)
		if (json_is_integer(json_object_get(v, "amount"))) {
			tax += json_integer_value(json_object_get(v, "amount"));
			has_tax = 1;
		}
	/* The service period is the first line's; the invoice's own otherwise. */
	line = json_array_get(json_object_get(json_object_get(in, "lines"),
	    "data"), 0);
	period = json_object_get(line, "period");
	if (!json_is_integer(json_object_get(period, "end")))
		period = NULL;
	args[n++] = DB_INT(e->user);
	args[n++] = DB_TEXT(bill_str(in, "id"));
	args[n++] = DB_TEXT(bill_str(in, "customer"));
	args[n++] = DB_TEXT(sub);
	args[n++] = bill_text(in, "number");
	args[n++] = DB_TEXT(status);
	args[n++] = DB_TEXT(bill_str(in, "currency"));
	args[n++] = json_is_integer(json_object_get(in, "subtotal")) ?
	    bill_int(in, "subtotal") : DB_INT(0);
	args[n++] = has_tax ? DB_INT(tax) : bill_int(in, "tax");
	args[n++] = json_is_integer(json_object_get(in, "total")) ?
	    bill_int(in, "total") : DB_INT(0);
	args[n++] = json_is_integer(json_object_get(in, "amount_due")) ?
	    bill_int(in, "amount_due") : DB_INT(0);
	args[n++] = json_is_integer(json_object_get(in, "amount_paid")) ?
	    bill_int(in, "amount_paid") : DB_INT(0);
	args[n++] = json_is_integer(json_object_get(in, "amount_remaining")) ?
	    bill_int(in, "amount_remaining") : DB_INT(0);
	url = bill_str(in, "hosted_invoice_url");
	args[n++] = DB_TEXT(url);
	args[n++] = DB_TEXT(bill_str(in, "invoice_pdf"));
	args[n++] = bill_int(period != NULL ? period : in, period != NULL ?
	    "start" : "period_start");
	args[n++] = bill_int(period != NULL ? period : in, period != NULL ?
	    "end" : "period_end");
	args[n++] = bill_text(in, "customer_name");
	args[n++] = bill_text(in, "customer_email");
	args[n++] = bill_json(a, in, "customer_address");
	args[n++] = bill_json(a, in, "customer_tax_ids");
	args[n++] = json_is_integer(json_object_get(in, "created")) ?
	    bill_int(in, "created") : DB_INT(e->created);
	args[n++] = bill_int(json_object_get(in, "status_transitions"),
	    "paid_at");
	args[n++] = DB_INT(e->created);
	args[n++] = args[21];	/* retain_until: 10 years after the invoice */
	if (rc == DB_NONE)
		rc = db_exec(e->r->db, BW_INVOICE_INSERT, args, n);
	else {
		args[n++] = DB_TEXT(bill_str(in, "id"));
		rc = db_exec(e->r->db, BW_INVOICE_UPDATE, args, n);
	}
	if (rc != DB_OK)
		return rc == DB_NONE ? DB_ERR : rc;
	e->outcome = BO_APPLIED;
	if (strcmp(e->type, "invoice.payment_failed") == 0)
		return bill_mail_queue(e, BM_PAYMENT_FAILED, url);
	if (strcmp(e->type, "invoice.payment_action_required") == 0)
		return bill_mail_queue(e, BM_ACTION_REQUIRED, url);
	return DB_OK;
}

static const struct {
	const char	*type;
	int		(*fn)(struct bill_event *);
} bill_types[] = {
	{ "checkout.session.completed", bill_on_checkout },
	{ "checkout.session.async_payment_succeeded", bill_on_checkout },
	{ "checkout.session.async_payment_failed", bill_on_checkout },
	{ "customer.subscription.created", bill_on_subscription },
	{ "customer.subscription.updated", bill_on_subscription },
	{ "customer.subscription.deleted", bill_on_subscription },
	{ "customer.subscription.trial_will_end", bill_on_subscription },
	{ "invoice.paid", bill_on_invoice },
	{ "invoice.payment_failed", bill_on_invoice },
	{ "invoice.payment_action_required", bill_on_invoice },
};

/* The event's transaction: its id first (the idempotency key), then its effect. */
static int
bill_event_tx(struct db *db, void *arg)
{
	struct bill_event	*e = arg;
	size_t			 i;
	int			 rc;

	e->user = 0;
	e->row = 0;
	e->outcome = BO_IGNORED;
	if ((rc = db_user_clear(db)) != DB_OK)
		return rc;
	if ((rc = db_exec(db, BW_EVENT_INSERT, DB_ARGS(DB_TEXT(e->id),
	    DB_TEXT(e->type), DB_INT(e->created),
	    DB_INT(json_is_true(json_object_get(e->ev, "livemode")))))) != DB_OK)
		return rc;
	e->row = db_last_id(db);
	for (i = 0; i < sizeof(bill_types) / sizeof(bill_types[0]); i++)
		if (strcmp(bill_types[i].type, e->type) == 0) {
			e->outcome = BO_UNMATCHED;
			if ((rc = bill_types[i].fn(e)) != DB_OK)
				return rc;
			break;
		}
	rc = db_exec(db, BW_EVENT_DONE, DB_ARGS(e->user != 0 ? DB_INT(e->user) :
	    DB_NULL, DB_TEXT(bill_outcomes[e->outcome]), DB_INT(e->row)));
	return rc == DB_NONE ? DB_ERR : rc;
}

/* An event id or type: printable ASCII words Stripe makes, bounded. */
static int
bill_word_ok(const char *s, size_t max)
{
	size_t	 n;

	if (s == NULL || (n = strlen(s)) == 0 || n > max)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' &&
		    *s != '-')
			return 0;
	return 1;
}

int
bill_webhook(struct req *r)
{
	struct bill_event	 e;
	enum stripe_sig_rc	 src;
	json_t			*ev;
	const char		*h = req_header(r, "HTTP_STRIPE_SIGNATURE");
	json_error_t		 err;
	int			 rc;

	/* Two Stripe-Signature headers are not Stripe's: malformed. */
	if (h == NULL || req_header_count(r, "HTTP_STRIPE_SIGNATURE") > 1)
		src = STRIPE_SIG_MALFORMED;
	else
		src = stripe_sig_verify(h, strlen(h), r->body != NULL ? r->body :
		    "", r->bodylen, (const char *const *)bill_secrets,
		    bill_nsecrets, (long long)time(NULL), STRIPE_SIG_TOLERANCE);
	if (src != STRIPE_SIG_OK) {
		log_warn("stripe webhook refused: signature %s (%zu bytes)",
		    stripe_sig_rc_names[src], r->bodylen);
		return resp_problem(r, 400, "bad_event",
		    "This event could not be verified.");
	}
	/* Verified: Stripe sent it. \u0000 is read, never cut at (bill_text). */
	ev = json_loadb(r->body, r->bodylen, JSON_ALLOW_NUL, &err);
	memset(&e, 0, sizeof(e));
	e.r = r;
	e.ev = ev;
	e.obj = json_object_get(json_object_get(ev, "data"), "object");
	e.id = bill_str(ev, "id");
	e.type = bill_str(ev, "type");
	if (!json_is_object(e.obj) || !bill_word_ok(e.id, 255) ||
	    !bill_word_ok(e.type, 100) ||
	    !json_is_integer(json_object_get(ev, "created"))) {
		log_warn("stripe webhook: a verified body that is not an event "
		    "(%zu bytes)", r->bodylen);
		json_decref(ev);
		return resp_problem(r, 400, "bad_event",
		    "This event could not be verified.");
	}
	e.created = json_integer_value(json_object_get(ev, "created"));
	rc = db_tx(r->db, bill_event_tx, &e);
	db_user_clear(r->db);
	if (rc == DB_CONFLICT && e.row == 0) {
		log_info("stripe webhook: %s %s already handled", e.type, e.id);
		json_decref(ev);
		return resp_json(r, 200, json_pack("{s:b, s:b}", "received", 1,
		    "duplicate", 1));
	}
	if (rc != DB_OK) {
		/* Any other conflict is ours: a 5xx, so Stripe tries again. */
		json_decref(ev);
		return resp_db(r, rc == DB_CONFLICT ? DB_ERR : rc);
	}
	log_info("stripe webhook: %s %s %s (account %llu)", e.type, e.id,
	    bill_outcomes[e.outcome], (unsigned long long)e.user);
	json_decref(ev);
	return resp_json(r, 200, json_pack("{s:b, s:s}", "received", 1,
	    "outcome", bill_outcomes[e.outcome]));
}
