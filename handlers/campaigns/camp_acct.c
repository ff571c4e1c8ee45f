/*
 * Sending accounts (/sending-accounts): the user's own mailbox (SMTP to
 * send; IMAP, optional, where replies and bounces arrive) or SMS provider
 * (Twilio or Brevo). Passwords and API keys are write-only: sealed with
 * the core AEAD (secret.h, kind "smtp_password", "imap_password" or
 * "sms_api_key", bound to the user and the account id), answered as
 * "********" when set, never logged. POST /sending-accounts/{id}/test
 * logs in for real (smtp.h, imapc.h) and reports the server's answer.
 * Plaintext SMTP or IMAP is refused: STARTTLS (RFC 3207, RFC 9051
 * section 6.2.1) or implicit TLS (RFC 8314).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "arena.h"
#include "campaigns.h"
#include "imapc.h"
#include "rest.h"
#include "sms.h"
#include "req.h"
#include "resp.h"
#include "secret.h"
#include "smtp.h"

#define ISO(c)	"DATE_FORMAT(" c ", '%Y-%m-%dT%H:%i:%sZ')"
#define ACCT_COLS_SQL \
	"id, channel, name, from_name, from_email, reply_to, smtp_host, " \
	"smtp_port, smtp_security, smtp_username, " \
	"smtp_password_ct IS NOT NULL, imap_host, imap_port, imap_security, " \
	"imap_username, imap_password_ct IS NOT NULL, imap_mailbox, " \
	"sms_provider, sms_account_sid, sms_api_key_ct IS NOT NULL, " \
	"sms_sender, daily_limit, ramp_start, ramp_step, " ISO("tested_at") \
	", test_ok, test_result, " ISO("created_at") ", " ISO("updated_at")

static const char *const camp_acct_sql[CA__MAX] = {
#define T(x)	[x]
	T(CA_LIST) = "SELECT " ACCT_COLS_SQL " FROM my_sending_account"
	    " WHERE id < ? ORDER BY id DESC LIMIT ?",
	T(CA_GET) = "SELECT " ACCT_COLS_SQL " FROM my_sending_account"
	    " WHERE id = ?",
	T(CA_SECRETS) = "SELECT smtp_password_ct, imap_password_ct,"
	    " sms_api_key_ct FROM my_sending_account WHERE id = ? FOR UPDATE",
	T(CA_INSERT) = "INSERT INTO my_sending_account (user_id, channel, name,"
	    " created_at, updated_at) VALUES (?, ?, ?, NOW(3), NOW(3))",
	T(CA_UPDATE) = "UPDATE my_sending_account SET name = ?, from_name = ?,"
	    " from_email = ?, reply_to = ?, smtp_host = ?, smtp_port = ?,"
	    " smtp_security = ?, smtp_username = ?, imap_host = ?, imap_port = ?,"
	    " imap_security = ?, imap_username = ?, imap_mailbox = ?,"
	    " sms_provider = ?, sms_account_sid = ?, sms_sender = ?,"
	    " daily_limit = ?, ramp_start = ?, ramp_step = ?,"
	    " updated_at = NOW(3) WHERE id = ?",
	T(CA_SEAL) = "UPDATE my_sending_account SET smtp_password_ct = ?,"
	    " imap_password_ct = ?, sms_api_key_ct = ? WHERE id = ?",
	T(CA_TESTED) = "UPDATE my_sending_account SET tested_at = NOW(3),"
	    " test_ok = ?, test_result = ? WHERE id = ?",
	/*
	 * New servers or credentials: the steps that failed for now through
	 * this account (backing off: an attempt spent, docs/sequencing.md
	 * "Retries") are tried again at once rather than after their backoff.
	 */
	T(CA_RETRY_NOW) = "UPDATE my_enrollment e SET e.due_at = NOW(3)"
	    " WHERE e.status = 'active' AND e.due_at > NOW(3) AND e.attempts > 0"
	    " AND (e.lease_until IS NULL OR e.lease_until < NOW(3))"
	    " AND e.campaign_id IN (SELECT c.id FROM my_campaign c"
	    " WHERE c.email_account_id = ? OR c.sms_account_id = ?)"
	    " AND EXISTS (SELECT 1 FROM my_campaign_step s"
	    " WHERE s.campaign_id = e.campaign_id AND s.position = e.position"
	    " AND s.kind IN ('email', 'sms'))",
	/* A test of other servers or credentials says nothing of these. */
	T(CA_UNTEST) = "UPDATE my_sending_account SET tested_at = NULL,"
	    " test_ok = NULL, test_result = NULL WHERE id = ?",
	T(CA_DELETE) = "DELETE FROM my_sending_account WHERE id = ?",
	T(CA_IN_USE) = "SELECT id FROM my_campaign WHERE status IN"
	    " ('running', 'paused') AND (email_account_id = ? OR"
	    " sms_account_id = ?) LIMIT 1",
	T(CA_TENANT_LOCK) = "SELECT id FROM my_account FOR UPDATE",
#undef T
};
const struct db_table camp_acct_table = { camp_acct_sql, CT__MAX, CA__MAX };

/* The columns of ACCT_COLS_SQL. */
enum {
	AC_ID, AC_CHANNEL, AC_NAME, AC_FROM_NAME, AC_FROM_EMAIL, AC_REPLY_TO,
	AC_SMTP_HOST, AC_SMTP_PORT, AC_SMTP_SECURITY, AC_SMTP_USERNAME,
	AC_SMTP_PASSWORD, AC_IMAP_HOST, AC_IMAP_PORT, AC_IMAP_SECURITY,
	AC_IMAP_USERNAME, AC_IMAP_PASSWORD, AC_IMAP_MAILBOX, AC_SMS_PROVIDER,
	AC_SMS_ACCOUNT_SID, AC_SMS_API_KEY, AC_SMS_SENDER, AC_DAILY_LIMIT,
	AC_RAMP_START, AC_RAMP_STEP, AC_TESTED_AT, AC_TEST_OK, AC_TEST_RESULT,
	AC_CREATED_AT, AC_UPDATED_AT, AC__MAX
};

/* Field i of the body maps to column: the editable, non-secret ones. */
static const struct {
	int	 field, col, number;
} camp_acct_map[] = {
	{ SA_NAME, AC_NAME, 0 }, { SA_FROM_NAME, AC_FROM_NAME, 0 },
	{ SA_FROM_EMAIL, AC_FROM_EMAIL, 0 }, { SA_REPLY_TO, AC_REPLY_TO, 0 },
	{ SA_SMTP_HOST, AC_SMTP_HOST, 0 }, { SA_SMTP_PORT, AC_SMTP_PORT, 1 },
	{ SA_SMTP_SECURITY, AC_SMTP_SECURITY, 0 },
	{ SA_SMTP_USERNAME, AC_SMTP_USERNAME, 0 },
	{ SA_IMAP_HOST, AC_IMAP_HOST, 0 }, { SA_IMAP_PORT, AC_IMAP_PORT, 1 },
	{ SA_IMAP_SECURITY, AC_IMAP_SECURITY, 0 },
	{ SA_IMAP_USERNAME, AC_IMAP_USERNAME, 0 },
	{ SA_IMAP_MAILBOX, AC_IMAP_MAILBOX, 0 },
	{ SA_SMS_PROVIDER, AC_SMS_PROVIDER, 0 },
	{ SA_SMS_ACCOUNT_SID, AC_SMS_ACCOUNT_SID, 0 },
	{ SA_SMS_SENDER, AC_SMS_SENDER, 0 },
	{ SA_DAILY_LIMIT, AC_DAILY_LIMIT, 1 },
	{ SA_RAMP_START, AC_RAMP_START, 1 }, { SA_RAMP_STEP, AC_RAMP_STEP, 1 },
};
#define ACCT_MAP_N	(sizeof(camp_acct_map) / sizeof(camp_acct_map[0]))

/* The write-only secrets: body field, column, sealing kind. */
static const struct {
	int		 field, col;
	const char	*kind;
} camp_acct_secrets[3] = {
	{ SA_SMTP_PASSWORD, AC_SMTP_PASSWORD, "smtp_password" },
	{ SA_IMAP_PASSWORD, AC_IMAP_PASSWORD, "imap_password" },
	{ SA_SMS_API_KEY, AC_SMS_API_KEY, "sms_api_key" },
};

/* A host name or an IP literal: letters, digits, "-", ".", ":" (IPv6). */
static int
camp_field_host(const struct field *f, json_t *v, const char **code,
    const char **msg)
{
	const char	*s = json_string_value(v), *p;

	if (s != NULL && *s != '\0' && strlen(s) <= 253) {
		for (p = s; *p != '\0'; p++)
			if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
				break;
		if (*p == '\0')
			return 0;
	}
	*code = "host";
	*msg = "A server's host name, such as smtp.example.fr, or an IPv4 "
	    "address (no scheme, no port; an IPv6 server by its name).";
	return -1;
}

static const char *const camp_channels[] = { "email", "sms", NULL };
static const char *const camp_smtp_modes[] = { "starttls", "tls", NULL };
static const char *const camp_imap_modes[] = { "tls", "starttls", NULL };
static const char *const camp_sms_providers[] = { "twilio", "brevo", NULL };

const struct field camp_acct_fields[SA__MAX] = {
	[SA_CHANNEL] = { "channel", field_enum, 0, 0, 0, camp_channels },
	[SA_NAME] = { "name", field_text, 0, 1, CAMP_NAME_MAX, NULL },
	[SA_FROM_NAME] = { "from_name", field_text, FIELD_NULL, 1, 120, NULL },
	[SA_FROM_EMAIL] = { "from_email", field_email, 0, 0, 254, NULL },
	[SA_REPLY_TO] = { "reply_to", field_email, FIELD_NULL, 0, 254, NULL },
	[SA_SMTP_HOST] = { "smtp_host", camp_field_host, 0, 0, 0, NULL },
	[SA_SMTP_PORT] = { "smtp_port", field_int, 0, 1, 65535, NULL },
	[SA_SMTP_SECURITY] = { "smtp_security", field_enum, 0, 0, 0,
	    camp_smtp_modes },
	[SA_SMTP_USERNAME] = { "smtp_username", field_text, 0, 1, 254, NULL },
	[SA_SMTP_PASSWORD] = { "smtp_password", field_password, 0, 1, 512, NULL },
	[SA_IMAP_HOST] = { "imap_host", camp_field_host, FIELD_NULL, 0, 0, NULL },
	[SA_IMAP_PORT] = { "imap_port", field_int, FIELD_NULL, 1, 65535, NULL },
	[SA_IMAP_SECURITY] = { "imap_security", field_enum, FIELD_NULL, 0, 0,
	    camp_imap_modes },
	[SA_IMAP_USERNAME] = { "imap_username", field_text, FIELD_NULL, 1, 254,
	    NULL },
	[SA_IMAP_PASSWORD] = { "imap_password", field_password, FIELD_NULL, 1,
	    512, NULL },
	[SA_IMAP_MAILBOX] = { "imap_mailbox", field_text, 0, 1, 200, NULL },
	[SA_SMS_PROVIDER] = { "sms_provider", field_enum, 0, 0, 0,
	    camp_sms_providers },
	[SA_SMS_ACCOUNT_SID] = { "sms_account_sid", field_text, FIELD_NULL, 1,
	    64, NULL },
	[SA_SMS_API_KEY] = { "sms_api_key", field_password, 0, 1, 512, NULL },
	[SA_SMS_SENDER] = { "sms_sender", field_text, 0, 1, 20, NULL },
	[SA_DAILY_LIMIT] = { "daily_limit", field_int, 0, 1, 10000, NULL },
	[SA_RAMP_START] = { "ramp_start", field_int, FIELD_NULL, 1, 10000, NULL },
	[SA_RAMP_STEP] = { "ramp_step", field_int, FIELD_NULL, 1, 10000, NULL },
};

/* The current row of ACCT_COLS_SQL as the API's sending account. */
static json_t *
camp_acct_json(struct db *db)
{
	static const char *const names[AC__MAX] = {
		"id", "channel", "name", "from_name", "from_email", "reply_to",
		"smtp_host", "smtp_port", "smtp_security", "smtp_username",
		"smtp_password", "imap_host", "imap_port", "imap_security",
		"imap_username", "imap_password", "imap_mailbox", "sms_provider",
		"sms_account_sid", "sms_api_key", "sms_sender", "daily_limit",
		"ramp_start", "ramp_step", NULL, NULL, NULL, "created_at",
		"updated_at",
	};
	static const int numbers[] = { AC_SMTP_PORT, AC_IMAP_PORT,
	    AC_DAILY_LIMIT, AC_RAMP_START, AC_RAMP_STEP };
	json_t	*o = json_object(), *res;
	size_t	 i, k;
	int	 email = strcmp(db_str(db, AC_CHANNEL), "email") == 0;

	for (i = 0; i < AC__MAX; i++) {
		if (names[i] == NULL)
			continue;
		/* Each channel shows its own fields only. */
		if (!email && (i >= AC_FROM_NAME && i <= AC_IMAP_MAILBOX))
			continue;
		if (email && (i >= AC_SMS_PROVIDER && i <= AC_SMS_SENDER))
			continue;
		if (i == AC_SMTP_PASSWORD || i == AC_IMAP_PASSWORD ||
		    i == AC_SMS_API_KEY) {
			/* Write-only: whether one is set, never what it is. */
			json_object_set_new(o, names[i], db_int(db, i) ?
			    json_string("********") : json_null());
			continue;
		}
		for (k = 0; k < sizeof(numbers) / sizeof(numbers[0]); k++)
			if (numbers[k] == (int)i)
				break;
		if (db_null(db, i))
			json_object_set_new(o, names[i], json_null());
		else if (k < sizeof(numbers) / sizeof(numbers[0]))
			json_object_set_new(o, names[i], json_integer(db_int(db, i)));
		else
			json_object_set_new(o, names[i], json_string(db_str(db, i)));
	}
	/* The stored result is the test's answer as JSON (camp_acct_test). */
	res = db_null(db, AC_TEST_RESULT) ? NULL :
	    json_loadb(db_str(db, AC_TEST_RESULT), db_len(db, AC_TEST_RESULT),
	    0, NULL);
	json_object_set_new(o, "last_test", db_null(db, AC_TESTED_AT) ?
	    json_null() : json_pack("{s:s, s:b, s:o}", "at",
	    db_str(db, AC_TESTED_AT), "ok", (int)db_int(db, AC_TEST_OK),
	    "result", res != NULL ? res : json_null()));
	return o;
}

/* An account being written: each editable value, and new secrets. */
struct camp_acct {
	uint64_t	 id;
	char		 channel[8];
	const char	*val[AC__MAX];		/* by column, arena strings */
	const char	*secret[3];		/* new values, or NULL: keep */
	int		 clear[3];		/* JSON null given: remove */
};

/*
 * The rules of a whole account, after the body is merged over what is
 * stored (has[i]: secret i is set, stored or new): each channel's
 * required fields, an IMAP side complete or absent, and a port that fits
 * its TLS mode where the mismatch is certain (465 is implicit TLS, 587
 * and 25 are STARTTLS: RFC 8314 section 3.3, RFC 6409; 993 and 143 for
 * IMAP), so the test and the sender never wait on a wrong handshake.
 */
static json_t *
camp_acct_check(const struct camp_acct *a, const int has[3])
{
	json_t		*errors = json_array();
	const char	*const *v = a->val;
	long		 port;

	if (strcmp(a->channel, "email") == 0) {
		static const int req[] = { AC_FROM_EMAIL, AC_SMTP_HOST,
		    AC_SMTP_PORT, AC_SMTP_SECURITY, AC_SMTP_USERNAME };
		size_t	 i;
		int	 imap = 0;

		for (i = 0; i < sizeof(req) / sizeof(req[0]); i++)
			if (v[req[i]] == NULL)
				camp_error(errors, camp_acct_fields[req[i] ==
				    AC_FROM_EMAIL ? SA_FROM_EMAIL : req[i] ==
				    AC_SMTP_HOST ? SA_SMTP_HOST : req[i] ==
				    AC_SMTP_PORT ? SA_SMTP_PORT : req[i] ==
				    AC_SMTP_SECURITY ? SA_SMTP_SECURITY :
				    SA_SMTP_USERNAME].name, "required",
				    "An e-mail account needs its sender address and SMTP server, user and password.");
		if (!has[0])
			camp_error(errors, "smtp_password", "required",
			    "An e-mail account needs its SMTP password.");
		if (v[AC_SMTP_PORT] != NULL && v[AC_SMTP_SECURITY] != NULL) {
			port = strtol(v[AC_SMTP_PORT], NULL, 10);
			if ((port == 465 && strcmp(v[AC_SMTP_SECURITY], "starttls") == 0) ||
			    ((port == 587 || port == 25) &&
			    strcmp(v[AC_SMTP_SECURITY], "tls") == 0))
				camp_error(errors, "smtp_security", "port_mismatch",
				    port == 465 ? "Port 465 speaks TLS from the first byte: choose \"tls\"." :
				    "Ports 587 and 25 start in clear and upgrade: choose \"starttls\".");
		}
		imap = v[AC_IMAP_HOST] != NULL || v[AC_IMAP_PORT] != NULL ||
		    v[AC_IMAP_SECURITY] != NULL || v[AC_IMAP_USERNAME] != NULL ||
		    has[1];
		if (imap && (v[AC_IMAP_HOST] == NULL || v[AC_IMAP_PORT] == NULL ||
		    v[AC_IMAP_SECURITY] == NULL || v[AC_IMAP_USERNAME] == NULL ||
		    !has[1]))
			camp_error(errors, "imap_host", "incomplete",
			    "To read replies, give the IMAP host, port, security, user and password (or none of them).");
		if (imap && v[AC_IMAP_PORT] != NULL && v[AC_IMAP_SECURITY] != NULL) {
			port = strtol(v[AC_IMAP_PORT], NULL, 10);
			if ((port == 993 && strcmp(v[AC_IMAP_SECURITY], "starttls") == 0) ||
			    (port == 143 && strcmp(v[AC_IMAP_SECURITY], "tls") == 0))
				camp_error(errors, "imap_security", "port_mismatch",
				    port == 993 ? "Port 993 speaks TLS from the first byte: choose \"tls\"." :
				    "Port 143 starts in clear and upgrades: choose \"starttls\".");
		}
	} else {
		if (v[AC_SMS_PROVIDER] == NULL)
			camp_error(errors, "sms_provider", "required",
			    "An SMS account needs its provider: twilio or brevo.");
		if (v[AC_SMS_SENDER] == NULL)
			camp_error(errors, "sms_sender", "required",
			    "An SMS account needs its sender (a number or a name).");
		if (!has[2])
			camp_error(errors, "sms_api_key", "required",
			    "An SMS account needs its API key (Twilio: the auth token).");
		if (v[AC_SMS_PROVIDER] != NULL &&
		    strcmp(v[AC_SMS_PROVIDER], "twilio") == 0 &&
		    v[AC_SMS_ACCOUNT_SID] == NULL)
			camp_error(errors, "sms_account_sid", "required",
			    "Twilio needs the account SID (AC...).");
	}
	if ((v[AC_RAMP_START] == NULL) != (v[AC_RAMP_STEP] == NULL))
		camp_error(errors, "ramp_start", "incomplete",
		    "A ramp-up needs both ramp_start and ramp_step.");
	if (json_array_size(errors) == 0) {
		json_decref(errors);
		return NULL;
	}
	return errors;
}

/* What the transaction of a write does, with its inputs. */
struct camp_acct_tx {
	struct req		*r;
	struct camp_acct	*a;
	json_t			*errors;	/* out: rule violations */
	struct plan_verdict	 plan;		/* out: a new account's plan check */
};

int
camp_plan_check(struct db *db, enum plan_limit limit, long long adding,
    struct plan_verdict *v)
{
	int	 rc;

	if ((rc = db_one(db, CA_TENANT_LOCK, DB_NOARGS)) != DB_OK)
		return rc == DB_NONE ? DB_ERR : rc;
	db_done(db);
	return plan_check(db, limit, adding, v);
}

/* The value of column col as an argument: numbers as integers. */
static struct db_arg
camp_acct_arg(const struct camp_acct *a, int col)
{
	size_t	 i;

	for (i = 0; i < ACCT_MAP_N; i++)
		if (camp_acct_map[i].col == col && camp_acct_map[i].number)
			return a->val[col] != NULL ?
			    DB_INT(strtoll(a->val[col], NULL, 10)) : DB_NULL;
	return DB_TEXT(a->val[col]);
}

/*
 * 1 if the body names where or as whom the account connects (servers,
 * usernames, secrets, SMS provider and sender, From address): the last
 * test then no longer speaks for the account.
 */
static int
camp_acct_reconnects(const struct req *r)
{
	static const int conn[] = { SA_FROM_EMAIL, SA_SMTP_HOST, SA_SMTP_PORT,
	    SA_SMTP_SECURITY, SA_SMTP_USERNAME, SA_SMTP_PASSWORD, SA_IMAP_HOST,
	    SA_IMAP_PORT, SA_IMAP_SECURITY, SA_IMAP_USERNAME, SA_IMAP_PASSWORD,
	    SA_IMAP_MAILBOX, SA_SMS_PROVIDER, SA_SMS_ACCOUNT_SID,
	    SA_SMS_API_KEY, SA_SMS_SENDER };
	size_t	 i;

	for (i = 0; i < sizeof(conn) / sizeof(conn[0]); i++)
		if (r->vals[conn[i]] != NULL)
			return 1;
	return 0;
}

/* Seals the secrets into the account's row: kept, replaced or removed. */
static int
camp_acct_write(struct db *db, void *arg)
{
	struct camp_acct_tx	*tx = arg;
	struct camp_acct	*a = tx->a;
	struct req		*r = tx->r;
	unsigned char		*ct[3] = { NULL, NULL, NULL };
	size_t			 ctlen[3] = { 0, 0, 0 }, i;
	int			 has[3], rc;
	char			 row[24];

	if (a->id == 0) {
		/* A body that could never be an account is told so first. */
		for (i = 0; i < 3; i++)
			has[i] = a->secret[i] != NULL;
		if ((tx->errors = camp_acct_check(a, has)) != NULL)
			return DB_NONE;
		if ((rc = camp_plan_check(db, PLAN_SENDING_ACCOUNTS, 1,
		    &tx->plan)) != DB_OK)
			return rc;
		if (tx->plan.status != 0)
			return DB_NONE;		/* rolled back; answered 402/403 */
		if ((rc = db_exec(db, CA_INSERT, DB_ARGS(DB_INT(r->sess->user_id),
		    DB_TEXT(a->channel), DB_TEXT(a->val[AC_NAME])))) != DB_OK)
			return rc;
		a->id = db_last_id(db);
	}
	if ((rc = db_one(db, CA_SECRETS, DB_ARGS(DB_INT(a->id)))) != DB_OK)
		return rc;
	snprintf(row, sizeof(row), "%llu", (unsigned long long)a->id);
	for (i = 0; i < 3; i++) {
		if (a->secret[i] != NULL) {
			ctlen[i] = strlen(a->secret[i]) + SECRET_OVERHEAD;
			ct[i] = arena_alloc(r->arena, ctlen[i]);
			if (secret_seal(ct[i], camp_acct_secrets[i].kind,
			    r->sess->user_id, row, a->secret[i],
			    strlen(a->secret[i])) == -1) {
				db_done(db);
				return DB_ERR;
			}
		} else if (!a->clear[i] && !db_null(db, i)) {
			ctlen[i] = db_len(db, i);
			ct[i] = arena_alloc(r->arena, ctlen[i]);
			memcpy(ct[i], db_str(db, i), ctlen[i]);
		}
		has[i] = ct[i] != NULL;
	}
	db_done(db);
	if ((tx->errors = camp_acct_check(a, has)) != NULL)
		return DB_NONE;		/* rolled back; answered 422 */
	rc = db_exec(db, CA_UPDATE, DB_ARGS(camp_acct_arg(a, AC_NAME),
	    camp_acct_arg(a, AC_FROM_NAME), camp_acct_arg(a, AC_FROM_EMAIL),
	    camp_acct_arg(a, AC_REPLY_TO), camp_acct_arg(a, AC_SMTP_HOST),
	    camp_acct_arg(a, AC_SMTP_PORT), camp_acct_arg(a, AC_SMTP_SECURITY),
	    camp_acct_arg(a, AC_SMTP_USERNAME), camp_acct_arg(a, AC_IMAP_HOST),
	    camp_acct_arg(a, AC_IMAP_PORT), camp_acct_arg(a, AC_IMAP_SECURITY),
	    camp_acct_arg(a, AC_IMAP_USERNAME),
	    a->val[AC_IMAP_MAILBOX] != NULL ? camp_acct_arg(a, AC_IMAP_MAILBOX) :
	    DB_TEXT("INBOX"), camp_acct_arg(a, AC_SMS_PROVIDER),
	    camp_acct_arg(a, AC_SMS_ACCOUNT_SID), camp_acct_arg(a, AC_SMS_SENDER),
	    a->val[AC_DAILY_LIMIT] != NULL ? camp_acct_arg(a, AC_DAILY_LIMIT) :
	    DB_INT(50), camp_acct_arg(a, AC_RAMP_START),
	    camp_acct_arg(a, AC_RAMP_STEP), DB_INT(a->id)));
	if (rc != DB_OK && rc != DB_NONE)
		return rc;
	if (camp_acct_reconnects(r) &&
	    ((rc = db_exec(db, CA_UNTEST, DB_ARGS(DB_INT(a->id)))) == DB_ERR ||
	    rc == DB_DOWN || (rc = db_exec(db, CA_RETRY_NOW,
	    DB_ARGS(DB_INT(a->id), DB_INT(a->id)))) == DB_ERR || rc == DB_DOWN))
		return rc;
	return db_exec(db, CA_SEAL, DB_ARGS(
	    ct[0] != NULL ? DB_BLOB(ct[0], ctlen[0]) : DB_NULL,
	    ct[1] != NULL ? DB_BLOB(ct[1], ctlen[1]) : DB_NULL,
	    ct[2] != NULL ? DB_BLOB(ct[2], ctlen[2]) : DB_NULL,
	    DB_INT(a->id))) == DB_ERR ? DB_ERR : DB_OK;
}

/*
 * Fills a from the body over the stored row (current row of CA_GET, or
 * none for a new account), then writes it in one transaction.
 */
static int
camp_acct_save(struct req *r, struct camp_acct *a, int stored)
{
	struct camp_acct_tx	 tx;
	json_t			*v;
	size_t			 i;
	int			 rc;

	for (i = 0; stored && i < AC__MAX; i++)
		a->val[i] = db_null(r->db, i) ? NULL :
		    arena_strdup(r->arena, db_str(r->db, i));
	if (stored)
		db_done(r->db);
	for (i = 0; i < ACCT_MAP_N; i++) {
		if ((v = r->vals[camp_acct_map[i].field]) == NULL)
			continue;
		if (json_is_null(v))
			a->val[camp_acct_map[i].col] = NULL;
		else if (json_is_integer(v))
			a->val[camp_acct_map[i].col] = arena_printf(r->arena,
			    "%lld", (long long)json_integer_value(v));
		else
			a->val[camp_acct_map[i].col] = json_string_value(v);
	}
	for (i = 0; i < 3; i++) {
		v = r->vals[camp_acct_secrets[i].field];
		a->secret[i] = json_string_value(v);
		a->clear[i] = v != NULL && json_is_null(v);
	}
	memset(&tx, 0, sizeof(tx));
	tx.r = r;
	tx.a = a;
	rc = db_tx(r->db, camp_acct_write, &tx);
	if (tx.plan.status != 0)
		return plan_reply(r, &tx.plan);
	if (tx.errors != NULL)
		return resp_invalid_semantic(r, "The sending account is incomplete.",
		    tx.errors);
	if (rc != DB_OK)
		return resp_db(r, rc);
	return rest_row_reply(r, stored ? 200 : 201, CA_GET, a->id,
	    camp_acct_json);
}

int
camp_acct_list(struct req *r)
{
	return rest_list(r, CA_LIST, camp_acct_json);
}

int
camp_acct_read(struct req *r)
{
	return rest_row_reply(r, 200, CA_GET, req_param_id(r, 0), camp_acct_json);
}

int
camp_acct_create(struct req *r)
{
	struct camp_acct	*a = arena_alloc(r->arena, sizeof(*a));

	memset(a, 0, sizeof(*a));
	if (req_str(r, SA_CHANNEL) == NULL || req_str(r, SA_NAME) == NULL)
		return resp_unprocessable(r, req_str(r, SA_CHANNEL) == NULL ?
		    "channel" : "name", "required",
		    "channel (email or sms) and name are required.");
	snprintf(a->channel, sizeof(a->channel), "%s", req_str(r, SA_CHANNEL));
	return camp_acct_save(r, a, 0);
}

int
camp_acct_update(struct req *r)
{
	struct camp_acct	*a = arena_alloc(r->arena, sizeof(*a));
	int			 rc;

	memset(a, 0, sizeof(*a));
	if ((a->id = req_param_id(r, 0)) == 0)
		return resp_db(r, DB_NONE);
	if ((rc = db_one(r->db, CA_GET, DB_ARGS(DB_INT(a->id)))) != DB_OK)
		return resp_db(r, rc);
	snprintf(a->channel, sizeof(a->channel), "%s", db_str(r->db, AC_CHANNEL));
	if (req_has(r, SA_CHANNEL) && strcmp(req_str(r, SA_CHANNEL),
	    a->channel) != 0) {
		db_done(r->db);
		return resp_unprocessable(r, "channel", "immutable",
		    "An account keeps its channel: create another one.");
	}
	return camp_acct_save(r, a, 1);
}

int
camp_acct_delete(struct req *r)
{
	uint64_t	 id = req_param_id(r, 0);
	int		 rc;

	if (id == 0)
		return resp_db(r, DB_NONE);
	rc = db_one(r->db, CA_IN_USE, DB_ARGS(DB_INT(id), DB_INT(id)));
	if (rc == DB_OK) {
		db_done(r->db);
		return resp_problem(r, 409, "in_use",
		    "A running or paused campaign sends through this account: archive it first.");
	}
	if (rc != DB_NONE)
		return resp_db(r, rc);
	return rest_delete_or_404(r, CA_DELETE);
}

/*
 * Opens secret i of the account (current row of CA_SECRETS) into an
 * owned, locked buffer (sodium_malloc; release with sodium_free, which
 * wipes), or NULL when unset or unreadable.
 */
static char *
camp_acct_open(struct req *r, uint64_t id, size_t i)
{
	char	 row[24], *pt;
	size_t	 len, ptlen;

	if (db_null(r->db, i) || (len = db_len(r->db, i)) <= SECRET_OVERHEAD)
		return NULL;
	snprintf(row, sizeof(row), "%llu", (unsigned long long)id);
	if ((pt = sodium_malloc(len - SECRET_OVERHEAD + 1)) == NULL)
		abort();
	if (secret_open((unsigned char *)pt, &ptlen, camp_acct_secrets[i].kind,
	    r->sess->user_id, row, db_str(r->db, i), len) == -1) {
		sodium_free(pt);
		return NULL;
	}
	pt[ptlen] = '\0';
	return pt;
}

/*
 * The test's answer o as JSON for test_result (1000 characters): whole
 * when it fits, else with each server's answer cut to 200 characters, so
 * that it stays JSON (camp_acct_json() gives it back as an object).
 * Owned by the caller.
 */
static char *
camp_acct_summary(json_t *o)
{
	static const char *const parts[] = { "smtp", "imap", "sms" };
	json_t		*c, *part;
	char		*out;
	const char	*ans;
	size_t		 i, n;

	if ((out = json_dumps(o, JSON_COMPACT)) == NULL ||
	    field_utf8_len(out) <= 1000)
		return out;
	free(out);
	c = json_deep_copy(o);
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		part = json_object_get(c, parts[i]);
		if ((ans = json_string_value(json_object_get(part, "answer"))) ==
		    NULL || ans[n = field_utf8_cut(ans, 200)] == '\0')
			continue;
		json_object_set_new(part, "answer", json_stringn(ans, n));
	}
	out = json_dumps(c, JSON_COMPACT);
	json_decref(c);
	return out;
}

#define CAMP_TEST_MIN	2	/* seconds the IMAP login gets at least */

/* One login's result as {ok, code, answer}. */
static json_t *
camp_acct_login_json(enum chan_rc rc, const char *answer)
{
	return json_pack("{s:b, s:s, s:s}", "ok", rc == CHAN_OK,
	    "code", chan_rc_name(rc), "answer", answer);
}

static int	camp_acct_test_run(struct req *, uint64_t);

int
camp_acct_test(struct req *r)
{
	uint64_t		 id = req_param_id(r, 0);
	int			 st;

	if (id == 0)
		return resp_db(r, DB_NONE);
	/* A test holds its handler child while the servers take to answer. */
	if ((st = sess_lock(r, "account-test")) == DB_CONFLICT)
		return resp_retry(r, 429, CAMP_TEST_MIN, "test_running",
		    "A test of one of your sending accounts is still running: "
		    "wait for its answer, then try again.");
	if (st != DB_OK)
		return resp_db(r, st);
	st = camp_acct_test_run(r, id);
	sess_unlock(r, "account-test");
	return st;
}

/*
 * POST /sending-accounts/{id}/test under the user's test lock: real
 * logins with the stored credentials, answered and kept as last_test.
 */
static int
camp_acct_test_run(struct req *r, uint64_t id)
{
	const struct conf	*c = r->conf;
	char			*pw[3] = { NULL, NULL, NULL }, answer[600], url[300];
	char			*summary;
	json_t			*acct, *o;
	enum chan_rc		 rc, irc = CHAN_OK;
	size_t			 i;
	time_t			 start;
	long			 left = 0;
	int			 ok, st;

	if ((st = db_one(r->db, CA_GET, DB_ARGS(DB_INT(id)))) != DB_OK)
		return resp_db(r, st);
	acct = camp_acct_json(r->db);
	db_done(r->db);
	if ((st = db_one(r->db, CA_SECRETS, DB_ARGS(DB_INT(id)))) != DB_OK) {
		json_decref(acct);
		return resp_db(r, st);
	}
	for (i = 0; i < 3; i++)
		pw[i] = camp_acct_open(r, id, i);
	db_done(r->db);
	o = json_object();
	if (strcmp(json_string_value(json_object_get(acct, "channel")), "email") == 0) {
		struct mail_server	 s;
		const char		*sec = json_string_value(json_object_get(acct,
					    "smtp_security"));

		snprintf(url, sizeof(url), "%s://%s:%lld", strcmp(sec, "tls") == 0 ?
		    "smtps" : "smtp", json_string_value(json_object_get(acct,
		    "smtp_host")), (long long)json_integer_value(json_object_get(acct,
		    "smtp_port")));
		memset(&s, 0, sizeof(s));
		s.url = url;
		s.security = strcmp(sec, "tls") == 0 ? SMTP_TLS : SMTP_STARTTLS;
		s.user = json_string_value(json_object_get(acct, "smtp_username"));
		s.password = pw[0];
		s.cafile = c->outreach_cafile;
		s.timeout = c->outreach_timeout;
		s.public_only = !c->outreach_allow_private;
		start = time(NULL);
		rc = smtp_test_login(&s, answer, sizeof(answer));
		json_object_set_new(o, "smtp", camp_acct_login_json(rc, answer));
		/* Both logins share one budget: a silent server costs it once. */
		left = c->outreach_timeout - (long)(time(NULL) - start);
		if (json_is_string(json_object_get(acct, "imap_host"))) {
			struct imapc_server	 is;

			sec = json_string_value(json_object_get(acct, "imap_security"));
			snprintf(url, sizeof(url), "%s://%s:%lld",
			    strcmp(sec, "tls") == 0 ? "imaps" : "imap",
			    json_string_value(json_object_get(acct, "imap_host")),
			    (long long)json_integer_value(json_object_get(acct,
			    "imap_port")));
			memset(&is, 0, sizeof(is));
			is.url = url;
			is.security = strcmp(sec, "tls") == 0 ? SMTP_TLS :
			    SMTP_STARTTLS;
			is.user = json_string_value(json_object_get(acct,
			    "imap_username"));
			is.password = pw[1];
			is.cafile = c->outreach_cafile;
			is.timeout = left < CAMP_TEST_MIN ? CAMP_TEST_MIN : left;
			is.public_only = !c->outreach_allow_private;
			irc = imapc_test_login(&is, answer, sizeof(answer));
			json_object_set_new(o, "imap", camp_acct_login_json(irc,
			    answer));
		}
		ok = rc == CHAN_OK && irc == CHAN_OK;
	} else if (pw[2] == NULL) {
		ok = 0;
		json_object_set_new(o, "sms", json_pack("{s:b, s:s, s:s}", "ok", 0,
		    "code", "no_secret", "answer",
		    "The API key cannot be read: enter it again."));
	} else {
		struct sms_account	 sa;
		struct sms_conn		*sc;
		struct sms_result	 res;

		memset(&sa, 0, sizeof(sa));
		sa.provider = strcmp(json_string_value(json_object_get(acct,
		    "sms_provider")), "brevo") == 0 ? SMS_BREVO : SMS_TWILIO;
		sa.base_url = sa.provider == SMS_BREVO ? c->sms_brevo_url :
		    c->sms_twilio_url;
		sa.account_sid = json_string_value(json_object_get(acct,
		    "sms_account_sid"));
		sa.secret = pw[2];
		sa.sender = json_string_value(json_object_get(acct, "sms_sender"));
		sa.cafile = c->outreach_cafile;
		sa.timeout = c->outreach_timeout;
		if ((sc = sms_conn_new(&sa)) == NULL)
			abort();
		ok = sms_check(sc, &res) == SMS_SENT;
		sms_conn_free(sc);
		json_object_set_new(o, "sms", json_pack("{s:b, s:s, s:s}", "ok", ok,
		    "code", ok ? "ok" : sms_rc_names[res.rc], "answer", res.message));
	}
	for (i = 0; i < 3; i++)
		if (pw[i] != NULL)
			sodium_free(pw[i]);
	json_decref(acct);
	json_object_set_new(o, "ok", json_boolean(ok));
	summary = camp_acct_summary(o);
	st = db_exec(r->db, CA_TESTED, DB_ARGS(DB_INT(ok), DB_TEXT(summary),
	    DB_INT(id)));
	free(summary);
	if (st != DB_OK && st != DB_NONE) {
		json_decref(o);
		return resp_db(r, st);
	}
	return resp_json(r, 200, o);
}
