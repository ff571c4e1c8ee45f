/*
 * prospea-retention: the retention policy, applied once a day (a systemd
 * timer: conf/systemd/prospea-retention.timer). DESIGN.md section 3 and
 * the privacy policy fix the periods; each class below is purged in
 * batches (--batch rows, 1000 by default, per transaction) and counted:
 *
 *   security_events   security_event rows older than 12 months
 *   admin_audit       admin_audit rows older than 12 months (technical
 *                     logs; this program's account is the only one that
 *                     may delete them: sql/grants.sql)
 *   accounts          accounts closed for erasure whose erasure_due_at has
 *                     passed (POST /gdpr/erasure + 30 days): their
 *                     transactional e-mails first lose the address (a
 *                     keyed hash, as the suppression list's) and any body
 *                     or error text, then the prospects (in batches), the
 *                     campaigns and the rest go, then the account row,
 *                     whose foreign keys delete or detach everything else
 *                     (invoices and Stripe events keep their 10 years
 *                     detached, suppression hashes stay detached)
 *   transactional_emails  older than 3 years (the evidence period)
 *   invoices          billing records past retain_until (10 years,
 *                     Code de commerce L123-22)
 *   sessions          expired, idle past session_idle, or revoked
 *   auth_tokens       one-time links past their expiry
 *   throttle          sign-in counters whose window and block are over
 *   prospects_warned  prospects whose last contact that came from them
 *                     (last_prospect_contact_at, else their collection,
 *                     created_at) is 3 years old in 30 days or less: the
 *                     user gets one e-mail with their number
 *                     (retention_warned_at stamped in the same transaction)
 *   prospects_kept    warned prospects that were in contact since: the
 *                     warning is cleared
 *   prospects         warned 30 days ago or more and 3 years old: deleted
 *                     (notes, tags, enrollments, messages and tasks go by
 *                     the foreign keys)
 *
 * Accounts closed or restricted (GDPR art. 18: data only stored) are
 * left out of the prospect classes; an erasure is not held by a
 * restriction (the user asked for both; erasure wins).
 *
 * --dry-run counts what a run would do and changes nothing. --now
 * 'YYYY-MM-DD HH:MM:SS' runs as if it were then (test_mode only). A named
 * lock keeps two runs from working at once (the second waits for the
 * first, up to --lock-wait seconds, then finds nothing left to do); each
 * batch is its own transaction that checks its conditions again under
 * its row locks, so a run that stops halfway, or two runs on two
 * connections, never do a thing twice or half: a warning and its
 * e-mail are one transaction.
 *
 * Exit status: 0 when every class ran (or another run held the lock
 * past --lock-wait), 1 on a database error, 2 on bad usage or
 * configuration.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "conf.h"
#include "db.h"
#include "email.h"
#include "log.h"
#include "secret.h"
#include "supp.h"
#include "tmail.h"
#include "worker.h"

/* Periods (DESIGN.md section 3). */
#define RT_LOGS		"INTERVAL 12 MONTH"
#define RT_TMAIL	"INTERVAL 3 YEAR"
#define RT_PROSPECT	"INTERVAL 3 YEAR"
#define RT_NOTICE	"INTERVAL 30 DAY"
/* Google Places results: a 24-hour cache (Places API policies, README). */
#define RT_PLACES	"INTERVAL 24 HOUR"
/* Stripe events: billing records, kept as long as invoices. */
#define RT_BILLING	"INTERVAL 10 YEAR"
/* A prospect is old at T when its last contact is at or before T. */
#define RT_OLD_SQL(t) \
	"(last_prospect_contact_at <= " t " OR " \
	"(last_prospect_contact_at IS NULL AND created_at <= " t "))"
/* Prospects of accounts that are open and not restricted. */
#define RT_USER_OK_SQL(col) \
	"(SELECT u.status = 'active' AND u.restricted_at IS NULL " \
	"FROM user_account u WHERE u.id = " col ")"
/* Prefix of a to_addr replaced by its keyed hash. */
#define RT_HASHED	"hmac-sha256:"

enum rt_class {
	RC_SECURITY,
	RC_AUDIT,
	RC_ACCOUNTS,
	RC_TMAIL,
	RC_INVOICES,
	RC_SESSIONS,
	RC_TOKENS,
	RC_THROTTLE,
	RC_PLACES,
	RC_STRIPE_EVENTS,
	RC_PROSPECTS_KEPT,
	RC_PROSPECTS_WARNED,
	RC_PROSPECTS,
	RC__MAX
};

static const char *const rt_class_names[RC__MAX] = {
	[RC_SECURITY] = "security_events",
	[RC_AUDIT] = "admin_audit",
	[RC_ACCOUNTS] = "accounts",
	[RC_TMAIL] = "transactional_emails",
	[RC_INVOICES] = "invoices",
	[RC_SESSIONS] = "sessions",
	[RC_TOKENS] = "auth_tokens",
	[RC_THROTTLE] = "throttle",
	[RC_PLACES] = "places_results",
	[RC_STRIPE_EVENTS] = "stripe_events",
	[RC_PROSPECTS_KEPT] = "prospects_kept",
	[RC_PROSPECTS_WARNED] = "prospects_warned",
	[RC_PROSPECTS] = "prospects",
};

enum rt_stmt {
	RT_NOW = TMAIL__MAX,
	RT_LOCK,
	RT_UNLOCK,
	/* count (dry run) and delete (a batch) of the simple classes */
	RT_SECURITY_COUNT, RT_SECURITY_DELETE,
	RT_AUDIT_COUNT, RT_AUDIT_DELETE,
	RT_TMAIL_COUNT, RT_TMAIL_DELETE,
	RT_INVOICES_COUNT, RT_INVOICES_DELETE,
	RT_SESSIONS_COUNT, RT_SESSIONS_DELETE,
	RT_TOKENS_COUNT, RT_TOKENS_DELETE,
	RT_THROTTLE_COUNT, RT_THROTTLE_DELETE,
	RT_PLACES_COUNT, RT_PLACES_DELETE,
	RT_STRIPE_COUNT, RT_STRIPE_DELETE,
	/* accounts */
	RT_ACCOUNTS_DUE,
	RT_ACCOUNT_LOCK,
	RT_ACCOUNT_TMAILS,
	RT_ACCOUNT_TMAIL_HASH,
	RT_ACCOUNT_PROSPECTS,
	RT_ACCOUNT_CAMPAIGNS,
	RT_ACCOUNT_TEMPLATES,
	RT_ACCOUNT_SCRIPTS,
	RT_ACCOUNT_SENDERS,
	RT_ACCOUNT_DELETE,
	/* prospects */
	RT_KEPT_COUNT, RT_KEPT_CLEAR,
	RT_WARN_USERS,
	RT_WARN_USER_LOCK,
	RT_WARN_MARK,
	RT_WARNED_NAMES,
	RT_PROSPECTS_COUNT, RT_PROSPECTS_DELETE,
	RT__MAX
};

/* The simple classes: a count and a batch delete, both bound to now. */
static const struct rt_simple {
	enum rt_class	 cls;
	enum rt_stmt	 count, del;
} rt_simple[] = {
	{ RC_SECURITY, RT_SECURITY_COUNT, RT_SECURITY_DELETE },
	{ RC_AUDIT, RT_AUDIT_COUNT, RT_AUDIT_DELETE },
	{ RC_TMAIL, RT_TMAIL_COUNT, RT_TMAIL_DELETE },
	{ RC_INVOICES, RT_INVOICES_COUNT, RT_INVOICES_DELETE },
	{ RC_SESSIONS, RT_SESSIONS_COUNT, RT_SESSIONS_DELETE },
	{ RC_TOKENS, RT_TOKENS_COUNT, RT_TOKENS_DELETE },
	{ RC_THROTTLE, RT_THROTTLE_COUNT, RT_THROTTLE_DELETE },
	{ RC_PLACES, RT_PLACES_COUNT, RT_PLACES_DELETE },
	{ RC_STRIPE_EVENTS, RT_STRIPE_COUNT, RT_STRIPE_DELETE },
};

#define RT_SESSIONS_SQL \
	"WHERE expires_at <= ? OR revoked_at <= ? " \
	"OR last_seen_at <= ? - INTERVAL ? SECOND"
#define RT_THROTTLE_SQL \
	"WHERE window_start <= ? - INTERVAL ? SECOND " \
	"AND (blocked_until IS NULL OR blocked_until <= ?)"
/* A warned prospect that is young again at now + 30 days: kept. */
#define RT_KEPT_SQL \
	"WHERE last_prospect_contact_at > ? - " RT_PROSPECT " + " RT_NOTICE \
	" AND retention_warned_at IS NOT NULL"
/* Old at now + 30 days, not yet warned, of an account that may be. */
#define RT_WARN_SQL \
	"WHERE retention_warned_at IS NULL " \
	"AND " RT_OLD_SQL("? - " RT_PROSPECT " + " RT_NOTICE)
/* Warned 30 days ago or more and old now. */
#define RT_DUE_SQL \
	"WHERE retention_warned_at <= ? - " RT_NOTICE " " \
	"AND " RT_OLD_SQL("? - " RT_PROSPECT) " AND " RT_USER_OK_SQL("prospect.user_id")

static const char *const rt_sql[RT__MAX] = {
	[RT_NOW] = "SELECT DATE_FORMAT(NOW(3), '%Y-%m-%d %H:%i:%s.%f')",
	[RT_LOCK] = "SELECT GET_LOCK('prospea_retention', ?)",
	[RT_UNLOCK] = "SELECT RELEASE_LOCK('prospea_retention')",

	[RT_SECURITY_COUNT] =
	    "SELECT COUNT(*) FROM security_event "
	    "WHERE created_at < ? - " RT_LOGS,
	[RT_SECURITY_DELETE] =
	    "DELETE FROM security_event WHERE created_at < ? - " RT_LOGS
	    " ORDER BY created_at LIMIT ?",
	[RT_AUDIT_COUNT] =
	    "SELECT COUNT(*) FROM admin_audit WHERE created_at < ? - " RT_LOGS,
	[RT_AUDIT_DELETE] =
	    "DELETE FROM admin_audit WHERE created_at < ? - " RT_LOGS
	    " ORDER BY created_at LIMIT ?",
	[RT_TMAIL_COUNT] =
	    "SELECT COUNT(*) FROM transactional_email "
	    "WHERE created_at < ? - " RT_TMAIL,
	[RT_TMAIL_DELETE] =
	    "DELETE FROM transactional_email WHERE created_at < ? - " RT_TMAIL
	    " LIMIT ?",
	[RT_INVOICES_COUNT] =
	    "SELECT COUNT(*) FROM invoice WHERE retain_until < DATE(?)",
	[RT_INVOICES_DELETE] =
	    "DELETE FROM invoice WHERE retain_until < DATE(?) "
	    "ORDER BY retain_until LIMIT ?",
	[RT_SESSIONS_COUNT] =
	    "SELECT COUNT(*) FROM session " RT_SESSIONS_SQL,
	[RT_SESSIONS_DELETE] =
	    "DELETE FROM session " RT_SESSIONS_SQL " LIMIT ?",
	[RT_TOKENS_COUNT] =
	    "SELECT COUNT(*) FROM auth_token WHERE expires_at <= ?",
	[RT_TOKENS_DELETE] =
	    "DELETE FROM auth_token WHERE expires_at <= ? LIMIT ?",
	[RT_THROTTLE_COUNT] =
	    "SELECT COUNT(*) FROM auth_throttle " RT_THROTTLE_SQL,
	[RT_THROTTLE_DELETE] =
	    "DELETE FROM auth_throttle " RT_THROTTLE_SQL " LIMIT ?",
	[RT_PLACES_COUNT] =
	    "SELECT COUNT(*) FROM places_result WHERE fetched_at < ? - " RT_PLACES,
	[RT_PLACES_DELETE] =
	    "DELETE FROM places_result WHERE fetched_at < ? - " RT_PLACES
	    " LIMIT ?",
	[RT_STRIPE_COUNT] =
	    "SELECT COUNT(*) FROM stripe_event WHERE received_at < ? - " RT_BILLING,
	[RT_STRIPE_DELETE] =
	    "DELETE FROM stripe_event WHERE received_at < ? - " RT_BILLING
	    " LIMIT ?",

	[RT_ACCOUNTS_DUE] =
	    "SELECT id FROM user_account WHERE status = 'closed' "
	    "AND erasure_due_at <= ? ORDER BY id LIMIT ?",
	/* Still due, under its lock: a cancelled erasure stops here. */
	[RT_ACCOUNT_LOCK] =
	    "SELECT id FROM user_account WHERE id = ? AND status = 'closed' "
	    "AND erasure_due_at <= ? FOR UPDATE",
	/*
	 * The person's mail, also where another account's row names the
	 * address (the notice that an address asked for is taken is filed
	 * under the asker).
	 */
	[RT_ACCOUNT_TMAILS] =
	    "SELECT id, to_addr FROM transactional_email WHERE (user_id = ? "
	    "OR LOWER(to_addr) = (SELECT LOWER(email) FROM user_account "
	    "WHERE id = ?)) AND to_addr NOT LIKE '" RT_HASHED "%' FOR UPDATE",

	/* Evidence without the person: the keyed hash, no body, no error. */
	[RT_ACCOUNT_TMAIL_HASH] =
	    "UPDATE transactional_email SET to_addr = ?, body_ct = NULL, "
	    "last_error = NULL, status = IF(status = 'queued', 'failed', status) "
	    "WHERE id = ?",
	[RT_ACCOUNT_PROSPECTS] =
	    "DELETE FROM prospect WHERE user_id = ? LIMIT ?",
	/* Campaigns before the accounts and templates their steps name. */
	[RT_ACCOUNT_CAMPAIGNS] = "DELETE FROM campaign WHERE user_id = ?",
	[RT_ACCOUNT_TEMPLATES] = "DELETE FROM template WHERE user_id = ?",
	[RT_ACCOUNT_SCRIPTS] = "DELETE FROM call_script WHERE user_id = ?",
	[RT_ACCOUNT_SENDERS] = "DELETE FROM sending_account WHERE user_id = ?",
	[RT_ACCOUNT_DELETE] = "DELETE FROM user_account WHERE id = ?",

	[RT_KEPT_COUNT] = "SELECT COUNT(*) FROM prospect " RT_KEPT_SQL,
	[RT_KEPT_CLEAR] =
	    "UPDATE prospect SET retention_warned_at = NULL " RT_KEPT_SQL
	    " LIMIT ?",
	[RT_WARN_USERS] =
	    "SELECT user_id, COUNT(*) FROM prospect " RT_WARN_SQL
	    " AND " RT_USER_OK_SQL("prospect.user_id") " GROUP BY user_id "
	    "ORDER BY user_id",
	[RT_WARN_USER_LOCK] =
	    "SELECT email, first_name FROM user_account WHERE id = ? "
	    "AND status = 'active' AND restricted_at IS NULL FOR UPDATE",
	[RT_WARN_MARK] =
	    "UPDATE prospect SET retention_warned_at = ? " RT_WARN_SQL
	    " AND user_id = ?",
	/* The ones just warned, for the user to recognise (a few of them). */
	[RT_WARNED_NAMES] =
	    "SELECT name FROM prospect WHERE user_id = ? AND "
	    "retention_warned_at = ? ORDER BY name LIMIT 21",
	[RT_PROSPECTS_COUNT] = "SELECT COUNT(*) FROM prospect " RT_DUE_SQL,
	[RT_PROSPECTS_DELETE] =
	    "DELETE FROM prospect " RT_DUE_SQL " LIMIT ?",
};

static const struct db_table rt_table = { rt_sql, RT_NOW, RT__MAX };

struct rt {
	struct db		*db;
	const struct conf	*c;
	char			 now[32];	/* 'YYYY-MM-DD HH:MM:SS.ffffff' */
	int			 dry;
	long			 batch;
	unsigned long long	 count[RC__MAX];
	/* one account or user at hand */
	uint64_t		 user;
	long long		 n;
};

static void
rt_usage(void)
{
	fprintf(stderr, "usage: prospea-retention [-c config-file] [--dry-run] "
	    "[--batch rows] [--lock-wait seconds] [--now 'YYYY-MM-DD HH:MM:SS']\n");
}

/*
 * The arguments of a simple class's statements into a (room for 5): now
 * where the statement compares with it, the session_idle or
 * throttle_window it adds, and the batch size when batch is not 0.
 * Returns their number.
 */
static size_t
rt_args(const struct rt *t, const struct rt_simple *s, struct db_arg *a,
    long batch)
{
	size_t	 k;

	if (s->cls == RC_THROTTLE) {		/* now, window, now */
		a[0] = DB_TEXT(t->now);
		a[1] = DB_INT(t->c->throttle_window);
		a[2] = DB_TEXT(t->now);
		k = 3;
	} else if (s->cls == RC_SESSIONS) {	/* now, now, now, idle */
		a[0] = a[1] = a[2] = DB_TEXT(t->now);
		a[3] = DB_INT(t->c->session_idle);
		k = 4;
	} else {
		a[0] = DB_TEXT(t->now);
		k = 1;
	}
	if (batch != 0)
		a[k++] = DB_INT(batch);
	return k;
}

/* One batch of a simple class: DB_OK if rows went, DB_NONE if none. */
static int
rt_delete(struct rt *t, const struct rt_simple *s)
{
	struct db_arg	 a[5];
	int		 rc;

	rc = db_exec(t->db, s->del, a, rt_args(t, s, a, t->batch));
	if (rc != DB_OK)
		return rc;
	t->count[s->cls] += db_affected(t->db);
	return db_affected(t->db) > 0 ? DB_OK : DB_NONE;
}

/* Runs a batch statement until it changes nothing. */
static int
rt_drain(struct rt *t, const struct rt_simple *s)
{
	struct db_arg	 a[5];
	int		 rc;

	if (t->dry) {
		if ((rc = db_one(t->db, s->count, a, rt_args(t, s, a, 0))) !=
		    DB_OK)
			return rc;
		t->count[s->cls] = (unsigned long long)db_int(t->db, 0);
		db_done(t->db);
		return DB_OK;
	}
	while ((rc = rt_delete(t, s)) == DB_OK && !worker_stopping())
		;
	return rc == DB_NONE || rc == DB_OK ? DB_OK : rc;
}

/* -- accounts ----------------------------------------------------------- */

/* Locks the account if its erasure is still due: DB_OK, or DB_NONE. */
static int
rt_account_lock(struct rt *t)
{
	int	 rc;

	rc = db_one(t->db, RT_ACCOUNT_LOCK, DB_ARGS(DB_INT(t->user),
	    DB_TEXT(t->now)));
	db_done(t->db);
	return rc;
}

/* One batch of the account's prospects; t->n gets the rows deleted. */
static int
rt_account_prospects_tx(struct db *db, void *arg)
{
	struct rt	*t = arg;
	int		 rc;

	t->n = 0;
	if ((rc = rt_account_lock(t)) != DB_OK)
		return rc;
	rc = db_exec(db, RT_ACCOUNT_PROSPECTS, DB_ARGS(DB_INT(t->user),
	    DB_INT(t->batch)));
	if (rc == DB_OK)
		t->n = (long long)db_affected(db);
	return rc == DB_NONE ? DB_OK : rc;
}

/*
 * The transactional e-mails of the account keep their 3 years as
 * evidence of what was sent, but no longer name the person: the address
 * becomes its keyed hash (supp.h: an address someone gives later can be
 * checked against it, none can be read from it), the body (sealed, kept
 * only while queued) and any error text (a server may quote the address)
 * go; a message still queued will never be sent.
 */
static int
rt_account_tmails(struct rt *t)
{
	struct {
		uint64_t	 id;
		char		 addr[EMAIL_MAX + 1];
	}		*rows = NULL;
	unsigned char	 h[SUPP_HASH_LEN];
	char		 key[EMAIL_MAX + 1];
	char		 hashed[sizeof(RT_HASHED) + 2 * SUPP_HASH_LEN];
	size_t		 n = 0, cap = 0, i;
	int		 rc;

	if ((rc = db_query(t->db, RT_ACCOUNT_TMAILS,
	    DB_ARGS(DB_INT(t->user), DB_INT(t->user)))) != DB_OK)
		return rc;
	while ((rc = db_next(t->db)) == DB_OK) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((rows = reallocarray(rows, cap, sizeof(*rows))) ==
			    NULL)
				abort();
		}
		rows[n].id = (uint64_t)db_int(t->db, 0);
		snprintf(rows[n].addr, sizeof(rows[n].addr), "%s",
		    db_str(t->db, 1));
		n++;
	}
	db_done(t->db);
	if (rc != DB_NONE) {
		free(rows);
		return rc;
	}
	for (i = 0, rc = DB_OK; i < n && rc == DB_OK; i++) {
		email_key(key, rows[i].addr);
		supp_hash(h, SUPP_EMAIL, key);
		memcpy(hashed, RT_HASHED, sizeof(RT_HASHED) - 1);
		sodium_bin2hex(hashed + sizeof(RT_HASHED) - 1,
		    2 * SUPP_HASH_LEN + 1, h, sizeof(h));
		rc = db_exec(t->db, RT_ACCOUNT_TMAIL_HASH, DB_ARGS(
		    DB_TEXT(hashed), DB_INT(rows[i].id)));
		if (rc == DB_NONE)
			rc = DB_OK;
	}
	sodium_memzero(rows, n * sizeof(*rows));
	sodium_memzero(key, sizeof(key));
	free(rows);
	return rc;
}

/* The rest of the account, then its row: one transaction. */
static int
rt_account_final_tx(struct db *db, void *arg)
{
	static const enum rt_stmt order[] = { RT_ACCOUNT_CAMPAIGNS,
	    RT_ACCOUNT_TEMPLATES, RT_ACCOUNT_SCRIPTS, RT_ACCOUNT_SENDERS,
	    RT_ACCOUNT_DELETE };
	struct rt	*t = arg;
	size_t		 i;
	int		 rc;

	t->n = 0;
	if ((rc = rt_account_lock(t)) != DB_OK)
		return rc;
	if ((rc = rt_account_tmails(t)) != DB_OK)
		return rc;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		rc = db_exec(db, order[i], DB_ARGS(DB_INT(t->user)));
		if (rc != DB_OK && rc != DB_NONE)
			return rc;
	}
	t->n = rc == DB_OK;
	return DB_OK;
}

/*
 * Erases the accounts whose 30 days of grace are over (GDPR art. 17;
 * the privacy policy: account data = active + 30 days after deletion).
 */
static int
rt_accounts(struct rt *t)
{
	uint64_t	*ids = NULL;
	size_t		 n, i;
	int		 rc;

	do {
		n = 0;
		if ((rc = db_query(t->db, RT_ACCOUNTS_DUE, DB_ARGS(
		    DB_TEXT(t->now), DB_INT(t->batch)))) != DB_OK)
			return rc;
		if ((ids = reallocarray(ids, (size_t)t->batch,
		    sizeof(*ids))) == NULL)
			abort();
		while ((rc = db_next(t->db)) == DB_OK)
			ids[n++] = (uint64_t)db_int(t->db, 0);
		db_done(t->db);
		if (rc != DB_NONE)
			break;
		rc = DB_OK;
		if (t->dry) {
			t->count[RC_ACCOUNTS] = n;
			break;
		}
		for (i = 0; i < n && rc == DB_OK && !worker_stopping(); i++) {
			t->user = ids[i];
			do {
				rc = db_tx(t->db, rt_account_prospects_tx, t);
			} while (rc == DB_OK && t->n > 0 && !worker_stopping());
			if (rc == DB_OK)
				rc = db_tx(t->db, rt_account_final_tx, t);
			if (rc == DB_NONE) {	/* cancelled, or another run's */
				rc = DB_OK;
				continue;
			}
			if (rc == DB_OK && t->n > 0) {
				t->count[RC_ACCOUNTS]++;
				log_info("account %" PRIu64 " erased", t->user);
			}
		}
	} while (rc == DB_OK && n == (size_t)t->batch && !worker_stopping());
	free(ids);
	return rc;
}

/* -- prospects ---------------------------------------------------------- */

/* Warns one user: stamps the prospects and queues the e-mail, together. */
static int
rt_warn_tx(struct db *db, void *arg)
{
	struct rt	*t = arg;
	char		*email, *first, *text, *names, subject[128], day[11];
	size_t		 nlen;
	FILE		*f;
	int		 rc, k = 0;

	rc = db_one(db, RT_WARN_USER_LOCK, DB_ARGS(DB_INT(t->user)));
	if (rc != DB_OK)
		return rc;
	email = strdup(db_str(db, 0));
	first = strdup(db_str(db, 1));
	db_done(db);
	if (email == NULL || first == NULL)
		abort();
	rc = db_exec(db, RT_WARN_MARK, DB_ARGS(DB_TEXT(t->now),
	    DB_TEXT(t->now), DB_TEXT(t->now), DB_INT(t->user)));
	t->n = rc == DB_OK ? (long long)db_affected(db) : 0;
	if (rc == DB_OK && t->n > 0) {
		/* The day they go: 30 days from now, as the worker counts. */
		struct tm	 tm;

		memset(&tm, 0, sizeof(tm));
		strptime(t->now, "%Y-%m-%d %H:%M:%S", &tm);
		tm.tm_mday += 31;
		tm.tm_isdst = -1;
		timegm(&tm);
		strftime(day, sizeof(day), "%d/%m/%Y", &tm);
		/* Up to 20 of them by name, so the user knows which. */
		if ((f = open_memstream(&names, &nlen)) == NULL)
			abort();
		if ((rc = db_query(db, RT_WARNED_NAMES, DB_ARGS(DB_INT(t->user),
		    DB_TEXT(t->now)))) == DB_OK) {
			while ((rc = db_next(db)) == DB_OK)
				if (++k <= 20)
					fprintf(f, "- %s\n", db_str(db, 0));
			if (rc == DB_NONE)
				rc = DB_OK;
		}
		if (k > 20)
			fprintf(f, "- … et %lld autres\n", t->n - 20);
		fclose(f);
		if (rc != DB_OK) {
			free(names);
			goto out;
		}
		snprintf(subject, sizeof(subject), "%lld prospect%s bientôt "
		    "supprimé%s – Prospea", t->n, t->n > 1 ? "s" : "",
		    t->n > 1 ? "s" : "");
		if (asprintf(&text, "Bonjour %s,\n\n"
		    "%lld prospect%s de votre compte Prospea n'%s donné aucune "
		    "nouvelle depuis trois ans (ni réponse, ni autre contact venu "
		    "%s). Conformément à notre politique de conservation "
		    "(données de prospection : trois ans après le dernier contact "
		    "venant du prospect, recommandation de la CNIL), %s "
		    "supprimé%s à partir du %s :\n\n%s\n"
		    "Un prospect qui vous répond d'ici là est conservé. Vous "
		    "pouvez exporter votre liste depuis l'application avant "
		    "cette date.\n\n"
		    "L'équipe Prospea\n", first, t->n, t->n > 1 ? "s" : "",
		    t->n > 1 ? "ont" : "a", t->n > 1 ? "d'eux" : "de lui",
		    t->n > 1 ? "ils seront" : "il sera", t->n > 1 ? "s" : "",
		    day, names) == -1)
			abort();
		free(names);
		rc = tmail_queue(db, t->user, "prospect_retention", email,
		    subject, text);
		free(text);
	} else if (rc == DB_NONE)
		rc = DB_OK;
out:
	sodium_memzero(email, strlen(email));
	free(email);
	free(first);
	return rc;
}

static int
rt_prospects_warn(struct rt *t)
{
	struct {
		uint64_t	 user;
		long long	 n;
	}		*u = NULL;
	size_t		 n = 0, cap = 0, i;
	int		 rc;

	if ((rc = db_query(t->db, RT_WARN_USERS, DB_ARGS(DB_TEXT(t->now),
	    DB_TEXT(t->now)))) != DB_OK)
		return rc;
	while ((rc = db_next(t->db)) == DB_OK) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((u = reallocarray(u, cap, sizeof(*u))) == NULL)
				abort();
		}
		u[n].user = (uint64_t)db_int(t->db, 0);
		u[n].n = db_int(t->db, 1);
		n++;
	}
	db_done(t->db);
	if (rc != DB_NONE) {
		free(u);
		return rc;
	}
	rc = DB_OK;
	for (i = 0; i < n && rc == DB_OK && !worker_stopping(); i++) {
		if (t->dry) {
			t->count[RC_PROSPECTS_WARNED] += (unsigned long long)u[i].n;
			continue;
		}
		t->user = u[i].user;
		rc = db_tx(t->db, rt_warn_tx, t);
		if (rc == DB_NONE)	/* closed or restricted since */
			rc = DB_OK;
		else if (rc == DB_OK)
			t->count[RC_PROSPECTS_WARNED] += (unsigned long long)t->n;
	}
	free(u);
	return rc;
}

/*
 * The prospect classes, in the order that keeps them right: warnings of
 * prospects heard from since are cleared first, then new warnings, then
 * the prospects warned 30 days ago or more go.
 */
static int
rt_prospects(struct rt *t)
{
	long long	 n;
	int		 rc;

	if (t->dry) {
		if ((rc = db_one(t->db, RT_KEPT_COUNT,
		    DB_ARGS(DB_TEXT(t->now)))) != DB_OK)
			return rc;
		t->count[RC_PROSPECTS_KEPT] = (unsigned long long)db_int(t->db, 0);
		db_done(t->db);
	} else {
		do {
			rc = db_exec(t->db, RT_KEPT_CLEAR, DB_ARGS(
			    DB_TEXT(t->now), DB_INT(t->batch)));
			n = rc == DB_OK ? (long long)db_affected(t->db) : 0;
			t->count[RC_PROSPECTS_KEPT] += (unsigned long long)n;
		} while (rc == DB_OK && n > 0 && !worker_stopping());
		if (rc != DB_OK && rc != DB_NONE)
			return rc;
	}
	if ((rc = rt_prospects_warn(t)) != DB_OK)
		return rc;
	if (t->dry) {
		if ((rc = db_one(t->db, RT_PROSPECTS_COUNT, DB_ARGS(
		    DB_TEXT(t->now), DB_TEXT(t->now), DB_TEXT(t->now)))) !=
		    DB_OK)
			return rc;
		t->count[RC_PROSPECTS] = (unsigned long long)db_int(t->db, 0);
		db_done(t->db);
		return DB_OK;
	}
	do {
		rc = db_exec(t->db, RT_PROSPECTS_DELETE, DB_ARGS(
		    DB_TEXT(t->now), DB_TEXT(t->now), DB_TEXT(t->now),
		    DB_INT(t->batch)));
		n = rc == DB_OK ? (long long)db_affected(t->db) : 0;
		t->count[RC_PROSPECTS] += (unsigned long long)n;
	} while (rc == DB_OK && n > 0 && !worker_stopping());
	return rc == DB_NONE ? DB_OK : rc;
}

/* -- main ----------------------------------------------------------------- */

/* 0 if s is 'YYYY-MM-DD HH:MM:SS' (a real date and time). */
static int
rt_now_valid(const char *s)
{
	struct tm	 tm;
	const char	*end;
	char		 back[20];

	memset(&tm, 0, sizeof(tm));
	if (strlen(s) != 19 || (end = strptime(s, "%Y-%m-%d %H:%M:%S",
	    &tm)) == NULL || *end != '\0')
		return -1;
	/* Normalised back, a date like 02-30 no longer reads the same. */
	timegm(&tm);
	strftime(back, sizeof(back), "%Y-%m-%d %H:%M:%S", &tm);
	return strcmp(back, s) == 0 ? 0 : -1;
}

static int
rt_run(struct rt *t)
{
	size_t	 i;
	int	 rc = DB_OK;

	for (i = 0; i < sizeof(rt_simple) / sizeof(rt_simple[0]) &&
	    rc == DB_OK; i++) {
		if (rt_simple[i].cls == RC_TMAIL &&
		    (rc = rt_accounts(t)) != DB_OK)
			break;
		rc = rt_drain(t, &rt_simple[i]);
	}
	if (rc == DB_OK)
		rc = rt_prospects(t);
	return rc;
}

int
main(int argc, char *argv[])
{
	const struct db_table tables[] = { tmail_table, rt_table };
	struct conf	 conf;
	struct rt	 t;
	char		*wargv[4], *end;
	const char	*now = NULL;
	long		 lock_wait = 300;
	int		 wargc = 1, once, rc, i;

	memset(&t, 0, sizeof(t));
	t.batch = 1000;
	wargv[0] = argv[0];
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0)
			t.dry = 1;
		else if (strcmp(argv[i], "--now") == 0 && i + 1 < argc)
			now = argv[++i];
		else if ((strcmp(argv[i], "--batch") == 0 ||
		    strcmp(argv[i], "--lock-wait") == 0) && i + 1 < argc) {
			long v = strtol(argv[i + 1], &end, 10);

			if (*argv[i + 1] == '\0' || *end != '\0' || v < 0 ||
			    v > 1000000 || (v == 0 && argv[i][2] == 'b')) {
				rt_usage();
				return 2;
			}
			if (argv[i][2] == 'b')
				t.batch = v;
			else
				lock_wait = v;
			i++;
		} else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc &&
		    wargc == 1) {
			wargv[wargc++] = argv[i];
			wargv[wargc++] = argv[++i];
		} else {
			rt_usage();
			return 2;
		}
	}
	wargv[wargc] = NULL;
	if ((rc = worker_start(wargc, wargv, "prospea-retention",
	    "prospea_retention", &conf, &once)) != 0)
		return rc;
	if (now != NULL && !conf.test_mode) {
		fprintf(stderr, "prospea-retention: --now is only allowed with "
		    "test_mode = 1 (test stacks)\n");
		conf_free(&conf);
		return 2;
	}
	if (now != NULL && rt_now_valid(now) == -1) {
		fprintf(stderr, "prospea-retention: --now wants "
		    "'YYYY-MM-DD HH:MM:SS', not '%s'\n", now);
		conf_free(&conf);
		return 2;
	}
	worker_signals();
	if ((t.db = db_open(&conf, tables, sizeof(tables) / sizeof(tables[0])))
	    == NULL) {
		log_err("cannot prepare the statements: not starting");
		return 1;
	}
	t.c = &conf;
	if (now != NULL)
		snprintf(t.now, sizeof(t.now), "%s", now);
	else if ((rc = db_one(t.db, RT_NOW, DB_NOARGS)) == DB_OK) {
		snprintf(t.now, sizeof(t.now), "%s", db_str(t.db, 0));
		db_done(t.db);
	} else {
		log_err("the database is unreachable");
		db_free(t.db);
		return 1;
	}
	if ((rc = db_one(t.db, RT_LOCK, DB_ARGS(DB_INT(lock_wait)))) != DB_OK) {
		log_err("cannot take the retention lock");
		db_free(t.db);
		return 1;
	}
	if (db_int(t.db, 0) != 1) {
		db_done(t.db);
		printf("prospea-retention: another run held the lock for %ld s: "
		    "nothing done\n", lock_wait);
		db_free(t.db);
		return 0;
	}
	db_done(t.db);

	rc = rt_run(&t);
	if (db_one(t.db, RT_UNLOCK, DB_NOARGS) == DB_OK)
		db_done(t.db);

	printf("prospea-retention: %s at %.19s%s\n", t.dry ? "dry run" : "run",
	    t.now, rc == DB_OK ? "" : " (stopped by a database error)");
	for (i = 0; i < RC__MAX; i++)
		printf("%-22s %llu\n", rt_class_names[i], t.count[i]);
	fflush(stdout);
	log_info("%s done: %s", t.dry ? "dry run" : "run",
	    rc == DB_OK ? "every class" : "stopped by a database error");
	db_free(t.db);
	secret_fini();
	conf_free(&conf);
	return rc == DB_OK ? 0 : 1;
}
