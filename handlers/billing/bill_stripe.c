/*
 * Calls to the Stripe API (libcurl): POST /billing/checkout creates a
 * Checkout Session for a plan (creating the account's Stripe customer
 * first, once, and reusing it), POST /billing/portal a Customer Portal
 * session; both answer the URL to send the browser to. Card details never
 * reach us: Checkout collects them, the Portal manages them.
 *
 * Wire format (https://docs.stripe.com/api): form-encoded bodies
 * (application/x-www-form-urlencoded, nested keys in brackets:
 * line_items[0][price]), "Authorization: Bearer sk_…" with the key read
 * from stripe_secret_key_file at each call (a rotated key takes effect
 * at once; never logged), Stripe-Version pinned to BILL_STRIPE_VERSION,
 * and an Idempotency-Key on every POST: random per logical attempt and
 * sent again unchanged when the call is retried after a connection
 * failure, so a retry can never create a second customer or session
 * (https://docs.stripe.com/api/idempotent_requests). Errors are Stripe's
 * error object {"error": {"type", "code", "message", "param"}}
 * (https://docs.stripe.com/api/errors); its type and code are logged,
 * never its message, and the client gets a problem of ours.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "arena.h"
#include "billing.h"
#include "conf.h"
#include "hc.h"
#include "log.h"
#include "req.h"
#include "resp.h"

#define BILL_ANSWER_MAX	(1L << 20)	/* bytes of a Stripe answer */
#define BILL_ATTEMPTS	2		/* a call, and one retry */

static const char *const bill_plans_paid[] = { "starter", "pro", NULL };

const struct field bill_checkout_fields[BC__MAX] = {
	[BC_PLAN] = { "plan", field_enum, FIELD_REQ, 0, 0, bill_plans_paid },
};

const char *
bill_price_of_plan(const struct conf *c, const char *plan)
{
	const char	*p = NULL;

	if (strcmp(plan, "starter") == 0)
		p = c->stripe_price_starter;
	else if (strcmp(plan, "pro") == 0)
		p = c->stripe_price_pro;
	return p != NULL && *p != '\0' ? p : NULL;
}

const char *
bill_plan_of_price(const struct conf *c, const char *price)
{
	size_t	 i;

	if (price == NULL || *price == '\0')
		return NULL;
	for (i = 0; bill_plans_paid[i] != NULL; i++)
		if (bill_price_of_plan(c, bill_plans_paid[i]) != NULL &&
		    strcmp(bill_price_of_plan(c, bill_plans_paid[i]), price) == 0)
			return bill_plans_paid[i];
	return NULL;
}

/* What a call to Stripe came to, and how the API answers each outcome. */
enum bill_rc {
	BILL_OK,
	BILL_NO_KEY,		/* no secret key configured, or unreadable */
	BILL_REFUSED,		/* authentication or invalid request: ours to fix */
	BILL_RATE,		/* rate_limit_error / 429 */
	BILL_DOWN,		/* api_error, 5xx, timeout, no connection */
	BILL_BAD_ANSWER,	/* unreadable or too big */
	BILL__MAX
};

static const struct bill_answer {
	int		 status;
	long		 retry;		/* Retry-After seconds, 0: none */
	const char	*code;
	const char	*detail;
} bill_answers[BILL__MAX] = {
	[BILL_NO_KEY] = { 503, 300, "billing_unavailable",
	    "Payments are not configured on this server yet." },
	[BILL_REFUSED] = { 502, 0, "billing_error",
	    "Our payment provider refused the request: it has been logged and "
	    "we will look into it." },
	[BILL_RATE] = { 503, 5, "billing_busy",
	    "Our payment provider is busy: try again in a few seconds." },
	[BILL_DOWN] = { 503, 30, "billing_unavailable",
	    "Our payment provider did not answer: try again shortly." },
	[BILL_BAD_ANSWER] = { 502, 0, "billing_error",
	    "Our payment provider sent an answer we could not read: it has "
	    "been logged." },
};

static int
bill_reply(struct req *r, enum bill_rc rc, long retry_after)
{
	const struct bill_answer *a = &bill_answers[rc];

	if (a->retry > 0)
		return resp_retry(r, a->status, retry_after > 0 ? retry_after :
		    a->retry, a->code, a->detail);
	return resp_problem(r, a->status, a->code, a->detail);
}

/* A form-encoded body being built (owned text, NUL-terminated). */
struct bill_form {
	char	*buf;
	size_t	 len, cap;
};

static void
bill_form_put(struct bill_form *f, const char *s, size_t n)
{
	if (f->len + n + 1 > f->cap) {
		f->cap = (f->len + n + 1) * 2;
		if ((f->buf = realloc(f->buf, f->cap)) == NULL)
			abort();
	}
	memcpy(f->buf + f->len, s, n);
	f->len += n;
	f->buf[f->len] = '\0';
}

/*
 * Appends key=value, the value percent-encoded (RFC 3986 unreserved
 * characters kept: what form decoders all read back); keys are ours and
 * keep their brackets, as Stripe's own libraries send them.
 */
static void
bill_form_add(struct bill_form *f, const char *key, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char		 esc[3];

	if (f->len > 0)
		bill_form_put(f, "&", 1);
	bill_form_put(f, key, strlen(key));
	bill_form_put(f, "=", 1);
	for (p = (const unsigned char *)value; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~') {
			bill_form_put(f, (const char *)p, 1);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[*p >> 4];
		esc[2] = hex[*p & 15];
		bill_form_put(f, esc, 3);
	}
}

/* The easy handle, kept across requests so the TLS session to Stripe is too. */
static CURL	*bill_curl;

/*
 * The secret key, read at each call. Owned: the caller wipes and frees
 * it. NULL when none is configured or the file cannot be read (logged,
 * without its content).
 */
static char *
bill_key(const struct conf *c)
{
	char	*key;

	if (*c->stripe_secret_key_file == '\0')
		return NULL;
	if ((key = conf_read_secret(c->stripe_secret_key_file)) == NULL) {
		log_err("stripe: cannot read stripe_secret_key_file %s: %s",
		    c->stripe_secret_key_file, strerror(errno));
		return NULL;
	}
	if (*key == '\0' || strpbrk(key, " \t\r\n") != NULL) {
		log_err("stripe: stripe_secret_key_file %s is empty or holds "
		    "whitespace", c->stripe_secret_key_file);
		sodium_memzero(key, strlen(key));
		free(key);
		return NULL;
	}
	return key;
}

/* One POST, into h. The curl result; *code the HTTP status. */
static CURLcode
bill_perform(struct req *r, const char *url, const char *key, const char *idem,
    const char *form, struct hc_answer *h, long *code)
{
	const struct conf	*c = r->conf;
	struct curl_slist	*hdrs = NULL, *s;
	char			 auth[4096 + 32];
	CURLcode		 rc;

	if (bill_curl == NULL && (bill_curl = curl_easy_init()) == NULL)
		abort();
	curl_easy_reset(bill_curl);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
	if ((hdrs = curl_slist_append(NULL, auth)) == NULL ||
	    curl_slist_append(hdrs, "Stripe-Version: " BILL_STRIPE_VERSION) == NULL ||
	    curl_slist_append(hdrs, arena_printf(r->arena, "Idempotency-Key: %s",
	    idem)) == NULL ||
	    curl_slist_append(hdrs, "Content-Type: application/x-www-form-urlencoded") == NULL ||
	    curl_slist_append(hdrs, "Expect:") == NULL)
		abort();
	sodium_memzero(auth, sizeof(auth));
	curl_easy_setopt(bill_curl, CURLOPT_URL, url);
	curl_easy_setopt(bill_curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(bill_curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(bill_curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(bill_curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(bill_curl, CURLOPT_POSTFIELDS, form);
	curl_easy_setopt(bill_curl, CURLOPT_CONNECTTIMEOUT, c->stripe_timeout);
	curl_easy_setopt(bill_curl, CURLOPT_TIMEOUT, c->stripe_timeout);
	curl_easy_setopt(bill_curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(bill_curl, CURLOPT_USERAGENT, "Prospea/" PACKAGE_VERSION);
	curl_easy_setopt(bill_curl, CURLOPT_WRITEFUNCTION, hc_write);
	curl_easy_setopt(bill_curl, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(bill_curl, CURLOPT_HEADERFUNCTION, hc_header);
	curl_easy_setopt(bill_curl, CURLOPT_HEADERDATA, h);
	rc = curl_easy_perform(bill_curl);
	*code = 0;
	curl_easy_getinfo(bill_curl, CURLINFO_RESPONSE_CODE, code);
	curl_easy_setopt(bill_curl, CURLOPT_HTTPHEADER, NULL);
	for (s = hdrs; s != NULL; s = s->next)
		sodium_memzero(s->data, strlen(s->data));
	curl_slist_free_all(hdrs);
	return rc;
}

/* 1 if a failed attempt may be sent again with the same Idempotency-Key. */
static int
bill_retryable(CURLcode rc, long code, const struct hc_answer *h)
{
	if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_GOT_NOTHING ||
	    rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
	    rc == CURLE_PARTIAL_FILE)
		return 1;
	/* 409: the same key still running; Stripe's own hint otherwise. */
	return rc == CURLE_OK && (code == 409 || h->should_retry);
}

/*
 * Stripe's error object of an error answer, for the log and the mapping:
 * its type, code and param (words Stripe chose), never its message.
 */
static enum bill_rc
bill_error(const char *path, long code, const struct hc_answer *h)
{
	json_t		*j, *e;
	const char	*type = "", *ecode = "", *param = "";
	enum bill_rc	 rc;

	j = h->body != NULL ? json_loadb(h->body, h->len, 0, NULL) : NULL;
	e = json_object_get(j, "error");
	if (json_is_string(json_object_get(e, "type")))
		type = json_string_value(json_object_get(e, "type"));
	if (json_is_string(json_object_get(e, "code")))
		ecode = json_string_value(json_object_get(e, "code"));
	if (json_is_string(json_object_get(e, "param")))
		param = json_string_value(json_object_get(e, "param"));
	log_warn("stripe %s: HTTP %ld, error type \"%.40s\" code \"%.60s\" "
	    "param \"%.80s\"", path, code, type, ecode, param);
	if (code == 429 || strcmp(type, "rate_limit_error") == 0)
		rc = BILL_RATE;
	else if (code >= 500 || strcmp(type, "api_error") == 0)
		rc = BILL_DOWN;
	else
		rc = BILL_REFUSED;	/* authentication, invalid request, card, idempotency */
	json_decref(j);
	return rc;
}

/*
 * POSTs form to Stripe's path ("/v1/customers") with a new Idempotency-
 * Key, retried once with the same key after a connection failure or when
 * Stripe says so. BILL_OK with *out the answer object (owned), or the
 * outcome to answer (*retry_after set when Stripe gave one).
 */
static enum bill_rc
bill_post(struct req *r, const char *path, const char *form, json_t **out,
    long *retry_after)
{
	struct hc_answer	 h;
	unsigned char		 raw[16];
	char			 idem[2 * sizeof(raw) + 1], *key;
	const char		*url;
	long			 code = 0;
	CURLcode		 rc = CURLE_OK;
	enum bill_rc		 brc;
	int			 attempt;

	*out = NULL;
	*retry_after = 0;
	if ((key = bill_key(r->conf)) == NULL)
		return BILL_NO_KEY;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(idem, sizeof(idem), raw, sizeof(raw));
	url = arena_printf(r->arena, "%s%s", r->conf->stripe_api_base, path);
	memset(&h, 0, sizeof(h));
	h.max = BILL_ANSWER_MAX;
	for (attempt = 0; attempt < BILL_ATTEMPTS; attempt++) {
		if (attempt > 0) {
			struct timespec ts = { 0, 250 * 1000 * 1000 };

			log_warn("stripe %s: retrying with the same Idempotency-Key "
			    "(%s)", path, rc != CURLE_OK ? curl_easy_strerror(rc) :
			    "asked to");
			nanosleep(&ts, NULL);
			hc_answer_reset(&h);
		}
		rc = bill_perform(r, url, key, idem, form, &h, &code);
		if (!bill_retryable(rc, code, &h))
			break;
	}
	sodium_memzero(key, strlen(key));
	free(key);
	*retry_after = h.retry_after;
	if (rc != CURLE_OK) {
		log_warn("stripe %s: %s", path, h.over ? "answer too big" :
		    curl_easy_strerror(rc));
		brc = h.over ? BILL_BAD_ANSWER : BILL_DOWN;
	} else if (code < 200 || code > 299)
		brc = bill_error(path, code, &h);
	else if ((*out = json_loadb(h.body != NULL ? h.body : "", h.len, 0,
	    NULL)) == NULL || !json_is_object(*out) ||
	    !json_is_string(json_object_get(*out, "id"))) {
		log_err("stripe %s: the answer is not an object with an id", path);
		json_decref(*out);
		*out = NULL;
		brc = BILL_BAD_ANSWER;
	} else
		brc = BILL_OK;
	free(h.body);
	return brc;
}

/* A configured URL, else public_url + fallback path. Borrowed or arena. */
static const char *
bill_url(struct req *r, const char *configured, const char *fallback)
{
	if (*configured != '\0')
		return configured;
	return arena_printf(r->arena, "%s%s", r->conf->public_url, fallback);
}

/* The tenant's stored Stripe customer id into the arena, or NULL. */
static int
bill_customer_get(struct req *r, const char **id)
{
	int	 rc;

	*id = NULL;
	if ((rc = db_one(r->db, BS_CUSTOMER, DB_NOARGS)) == DB_NONE)
		return DB_OK;
	if (rc != DB_OK)
		return rc;
	if (!db_null(r->db, 0))
		*id = arena_strdup(r->arena, db_str(r->db, 0));
	db_done(r->db);
	return DB_OK;
}

/* Stores a new customer id unless one is stored already (a race: keep it). */
static int
bill_customer_store_tx(struct db *db, void *arg)
{
	int	 rc;

	if ((rc = bill_sub_ensure(db)) != DB_OK)
		return rc;
	rc = db_exec(db, BS_CUSTOMER_SET, DB_ARGS(DB_TEXT((const char *)arg)));
	return rc == DB_NONE ? DB_OK : rc;
}

/*
 * The account's Stripe customer: the stored one, or a new one (POST
 * /v1/customers with the account's e-mail, name and
 * metadata[prospea_account_id]) stored before use. 0 with *id, or -1
 * with the answer written.
 */
static int
bill_customer_or_reply(struct req *r, const char **id)
{
	struct bill_form f = { NULL, 0, 0 };
	json_t		*cus;
	enum bill_rc	 brc;
	long		 ra;
	int		 rc;
	char		 uid[24];

	if ((rc = bill_customer_get(r, id)) != DB_OK) {
		resp_db(r, rc);
		return -1;
	}
	if (*id != NULL)
		return 0;
	snprintf(uid, sizeof(uid), "%llu", (unsigned long long)r->sess->user_id);
	bill_form_add(&f, "email", r->sess->email);
	bill_form_add(&f, "name", arena_printf(r->arena, "%s %s",
	    r->sess->first_name, r->sess->last_name));
	bill_form_add(&f, "preferred_locales[0]", "fr");
	bill_form_add(&f, "metadata[prospea_account_id]", uid);
	brc = bill_post(r, "/v1/customers", f.buf, &cus, &ra);
	free(f.buf);
	if (brc != BILL_OK) {
		bill_reply(r, brc, ra);
		return -1;
	}
	*id = arena_strdup(r->arena, json_string_value(json_object_get(cus, "id")));
	json_decref(cus);
	if ((rc = db_tx(r->db, bill_customer_store_tx, (void *)*id)) != DB_OK ||
	    (rc = bill_customer_get(r, id)) != DB_OK) {
		resp_db(r, rc);
		return -1;
	}
	return 0;
}

/* Answers {url, id} from a Stripe session object (owned, released). */
static int
bill_session_reply(struct req *r, json_t *session)
{
	const char	*url = json_string_value(json_object_get(session, "url"));
	int		 rc;

	if (url == NULL || strncmp(url, "https://", 8) != 0) {
		log_err("stripe: a session came without an https url");
		json_decref(session);
		return bill_reply(r, BILL_BAD_ANSWER, 0);
	}
	rc = resp_json(r, 200, json_pack("{s:s, s:O}", "url", url, "id",
	    json_object_get(session, "id")));
	json_decref(session);
	return rc;
}

int
bill_checkout(struct req *r)
{
	const char	*plan = req_str(r, BC_PLAN), *price, *customer;
	struct bill_form f = { NULL, 0, 0 };
	json_t		*session;
	enum bill_rc	 brc;
	char		 uid[24];
	long		 ra;
	int		 rc, subscribed;

	if ((price = bill_price_of_plan(r->conf, plan)) == NULL)
		return resp_unprocessable(r, "plan", "plan_unavailable",
		    "This plan cannot be bought on this server yet.");
	if ((rc = db_one(r->db, BS_PLAN, DB_NOARGS)) != DB_OK)
		return resp_db(r, rc);
	subscribed = db_int(r->db, BP_SUBSCRIBED) &&
	    strcmp(db_str(r->db, BP_STATUS), "canceled") != 0 &&
	    strcmp(db_str(r->db, BP_STATUS), "incomplete_expired") != 0;
	db_done(r->db);
	if (subscribed)
		return resp_problem(r, 409, "already_subscribed",
		    "You already have a subscription: change plans or payment "
		    "details from the billing portal.");
	if (bill_customer_or_reply(r, &customer) == -1)
		return r->status;
	snprintf(uid, sizeof(uid), "%llu", (unsigned long long)r->sess->user_id);
	bill_form_add(&f, "mode", "subscription");
	bill_form_add(&f, "customer", customer);
	bill_form_add(&f, "client_reference_id", arena_printf(r->arena,
	    "acct_%s", uid));
	bill_form_add(&f, "line_items[0][price]", price);
	bill_form_add(&f, "line_items[0][quantity]", "1");
	bill_form_add(&f, "success_url", bill_url(r, r->conf->stripe_success_url,
	    "/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}"));
	bill_form_add(&f, "cancel_url", bill_url(r, r->conf->stripe_cancel_url,
	    "/billing?checkout=canceled"));
	bill_form_add(&f, "metadata[prospea_account_id]", uid);
	bill_form_add(&f, "metadata[plan]", plan);
	bill_form_add(&f, "subscription_data[metadata][prospea_account_id]", uid);
	bill_form_add(&f, "subscription_data[metadata][plan]", plan);
	/* French B2B invoices: the company's address and VAT number. */
	bill_form_add(&f, "billing_address_collection", "required");
	bill_form_add(&f, "tax_id_collection[enabled]", "true");
	bill_form_add(&f, "customer_update[address]", "auto");
	bill_form_add(&f, "customer_update[name]", "auto");
	bill_form_add(&f, "locale", "auto");
	brc = bill_post(r, "/v1/checkout/sessions", f.buf, &session, &ra);
	free(f.buf);
	if (brc != BILL_OK)
		return bill_reply(r, brc, ra);
	return bill_session_reply(r, session);
}

int
bill_portal(struct req *r)
{
	struct bill_form f = { NULL, 0, 0 };
	const char	*customer;
	json_t		*session;
	enum bill_rc	 brc;
	long		 ra;
	int		 rc;

	if ((rc = bill_customer_get(r, &customer)) != DB_OK)
		return resp_db(r, rc);
	if (customer == NULL)
		return resp_problem(r, 409, "no_customer",
		    "There is nothing to manage yet: subscribe to a plan first.");
	bill_form_add(&f, "customer", customer);
	bill_form_add(&f, "return_url", bill_url(r, r->conf->stripe_return_url,
	    "/billing"));
	brc = bill_post(r, "/v1/billing_portal/sessions", f.buf, &session, &ra);
	free(f.buf);
	if (brc != BILL_OK)
		return bill_reply(r, brc, ra);
	return bill_session_reply(r, session);
}
