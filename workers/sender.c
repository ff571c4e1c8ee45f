/*
 * prospea-sender: runs campaigns as docs/sequencing.md says, the contract
 * it shares with the campaigns handler. It claims due enrollment steps,
 * sends e-mail through each user's own SMTP server and SMS through their
 * provider, creates call tasks, runs waits, and reads each sending
 * account's IMAP inbox for replies and bounces.
 *
 * Queue. A batch of due enrollments is claimed across users with SELECT
 * ... FOR UPDATE SKIP LOCKED and leased (lease_until, sender_lease
 * seconds), so several senders on several hosts share the queue and never
 * hold the same step. MariaDB has no FOR UPDATE OF: the claim reads the
 * campaign's and the user's status in scalar subqueries, which lock
 * nothing, so a claim locks only the enrollments it takes. The lease's
 * own value is the claim's token: every later write checks it, so a
 * sender whose lease ran out (and whose step another took) changes
 * nothing. Everything after the claim runs as the enrollment's user
 * (@app_user) through the my_* views.
 *
 * Crash safety. A message step is three moves: (1) one transaction
 * re-checks the enrollment (still active, still ours, campaign running),
 * the prospect (not suppressed, not do_not_contact), the sending window,
 * the frequency cap and the daily limits, renders the templates and
 * INSERTs the message row as 'sending' with the Message-ID it will carry
 * (UNIQUE (enrollment_id, position): there is only ever one row per
 * step); (2) the SMTP or SMS call; (3) one transaction marks the row
 * 'sent' and advances the enrollment. A 'sending' row whose enrollment's
 * lease has run out was interrupted between (1) and (3): whether it left
 * is unknown, so it becomes 'uncertain' and its enrollment stops
 * 'uncertain' (at start, every minute, and when such a step is claimed
 * again), never sent a second time unless the user enrols it again.
 *
 * Connections. One SMTP connection (or SMS client) per sending account
 * per batch, opened at its first message and reused by libcurl for the
 * next ones, closed at the end of the batch; the account's secrets are
 * opened then and wiped with it.
 *
 * Time. Every rule runs on the sender's clock, bound into the statements
 * (never NOW() of the server): on a test stack (test_mode = 1) the clock
 * is moved by the offset in sender_clock_file, so the end-to-end tests
 * run waits of several sending days in seconds. Campaign time zones are
 * window.h's.
 *
 * Logs: ids and outcomes, one line per message; never a password, a
 * message body or an address.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "analytics.h"
#include "arena.h"
#include "conf.h"
#include "db.h"
#include "email.h"
#include "imapc.h"
#include "inbound.h"
#include "log.h"
#include "mail.h"
#include "notice.h"
#include "plan.h"
#include "pnorm.h"
#include "prosp_rec.h"
#include "secret.h"
#include "sms.h"
#include "supp.h"
#include "tmpl.h"
#include "unsub.h"
#include "window.h"
#include "worker.h"

#define SENDER_TRIES		5	/* temporary failures before 'failed' */
#define SENDER_BACKOFF_MAX	(6 * 3600)	/* seconds */
#define SENDER_SESSION_RETRY	300	/* seconds: an account that fails */
#define SENDER_HOLD		3600	/* seconds: a user who may not send */
#define SENDER_SWEEP		60	/* seconds between sweeps */
#define SENDER_POLLS		8	/* mailboxes polled per loop, at most */
#define SENDER_POLL_MSGS	50	/* messages read per poll */
#define SENDER_POLL_BYTES	(512 * 1024)	/* bytes read per message */
#define SENDER_CONNS_MAX	1000	/* = the largest sender_batch */
#define SENDER_TS		48	/* "YYYY-MM-DD HH:MM:SS.mmm" + NUL, and room */
#define SENDER_SUPP_KEYS	8	/* address + 3 domains, phone, host + 2 */

enum sender_stmt {
	SN_READ_COMMITTED,
	/* Across users, on the base tables: the queue and its housekeeping. */
	SN_CLAIM,
	SN_LEASE,
	SN_SWEEP,
	SN_IMAP_DUE,
	SN_IMAP_MARK,
	/* As the enrollment's or account's user, through the views. */
	SN_USER,
	SN_ENR_LOCK,
	SN_ENR_EXPIRED,
	SN_CAMP_LOCK,
	SN_STEP,
	SN_TEMPLATE,
	SN_PROSPECT,
	SN_LAYOUT,
	SN_SUPPRESSED,
	SN_MSG_AT,
	SN_OWN_LAST,
	SN_CAMP_DAY,
	SN_CAMP_SENDING,
	SN_ACCT_LOCK,
	SN_ACCT_DAY,
	SN_ACCT_SENDING,
	SN_ACCT_LAST,
	SN_THREAD,
	SN_FIRST,
	SN_MSG_INSERT,
	SN_MSG_RETRY,
	SN_MSG_CONTENT,
	SN_MSG_SENT,
	SN_MSG_FAILED,
	SN_MSG_UNCERTAIN,
	SN_ENR_RENEW,
	SN_ENR_ADVANCE,
	SN_ENR_COMPLETE,
	SN_ENR_STOP,
	SN_ENR_POSTPONE,
	SN_ENR_RETRY,
	SN_ENR_PARK,
	SN_TASK_INSERT,
	SN_PROSPECT_CONTACTED,
	SN_ACCT_FIRST_SENT,
	SN_SUPPRESS,
	SN_STOP_PROSPECT,
	SN_PROSPECT_OPTED_OUT,
	SN_TASKS_CANCEL,
	SN_IMAP_ACCT,
	SN_IMAP_SAVE,
	SN_MSG_BY_ID,
	SN_MSG_BY_RCPT,
	SN_MSG_REPLIED,
	SN_CAMP_FLAGS,
	SN_COMPANY,
	SN_PROSPECT_REPLIED,
	SN__MAX
};

/* The columns of SN_MSG_BY_ID and SN_MSG_BY_RCPT. */
#define SENDER_MSG_COLS_SQL \
	"id, enrollment_id, campaign_id, prospect_id, position, status, " \
	"to_addr, channel"

static const char *const sender_sql[SN__MAX] = {
	/*
	 * Each statement reads what is committed when it runs, not when its
	 * transaction first read (REPEATABLE READ): a daily count must see the
	 * message another sender committed just before this one took the
	 * campaign's lock. Set again at every loop: a reconnect forgets it.
	 */
	[SN_READ_COMMITTED] =
	    "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
	/*
	 * The claim: due, unleased, of a running campaign and an active
	 * user, in due order along enrollment_queue (status, due_at), so it
	 * stops after n rows and locks no others. The subqueries lock
	 * nothing (MariaDB locks only the FROM tables of a locking read).
	 */
	[SN_CLAIM] =
	    "SELECT e.id, e.user_id FROM enrollment e "
	    "WHERE e.status = 'active' AND e.due_at <= ? "
	    "AND (e.lease_until IS NULL OR e.lease_until < ?) "
	    "AND (SELECT c.status FROM campaign c WHERE c.id = e.campaign_id) "
	    "= 'running' "
	    "AND (SELECT u.status = 'active' AND u.restricted_at IS NULL "
	    "FROM user_account u WHERE u.id = e.user_id) "
	    "ORDER BY e.due_at LIMIT ? FOR UPDATE SKIP LOCKED",
	[SN_LEASE] =
	    "UPDATE enrollment SET lease_until = ?, attempts = attempts + 1 "
	    "WHERE id = ?",
	/*
	 * Interrupted sends: 'sending' rows (sent_at NULL) of every account,
	 * through message_account_day (sending_account_id, sent_at), whose
	 * enrollment holds no live lease. Not locking: each is checked again
	 * under its locks, as its user.
	 */
	[SN_SWEEP] =
	    "SELECT STRAIGHT_JOIN m.id, m.user_id, m.enrollment_id "
	    "FROM sending_account a JOIN message m "
	    "ON m.sending_account_id = a.id AND m.sent_at IS NULL "
	    "AND m.status = 'sending' "
	    "JOIN enrollment e ON e.id = m.enrollment_id "
	    "WHERE e.lease_until IS NULL OR e.lease_until < ? LIMIT 500",
	/* A mailbox whose last poll failed: ten times less often. */
	[SN_IMAP_DUE] =
	    "SELECT a.id, a.user_id FROM sending_account a "
	    "WHERE a.channel = 'email' AND a.imap_host IS NOT NULL "
	    "AND (a.imap_polled_at IS NULL "
	    "OR a.imap_polled_at < IF(a.imap_error IS NULL, ?, ?)) "
	    "AND (SELECT u.status = 'active' AND u.restricted_at IS NULL "
	    "FROM user_account u WHERE u.id = a.user_id) "
	    "ORDER BY a.imap_polled_at LIMIT 1 FOR UPDATE SKIP LOCKED",
	[SN_IMAP_MARK] =
	    "UPDATE sending_account SET imap_polled_at = ? WHERE id = ?",

	[SN_USER] =
	    "SELECT a.status, a.first_name, a.last_name, "
	    "(SELECT u.restricted_at IS NULL FROM user_account u "
	    "WHERE u.id = @app_user), a.company_name FROM my_account a",
	[SN_ENR_LOCK] =
	    "SELECT status, position, campaign_id, prospect_id, attempts "
	    "FROM my_enrollment WHERE id = ? AND lease_until = ? FOR UPDATE",
	[SN_ENR_EXPIRED] =
	    "SELECT status, position FROM my_enrollment WHERE id = ? "
	    "AND (lease_until IS NULL OR lease_until < ?) FOR UPDATE",
	[SN_CAMP_LOCK] =
	    "SELECT status, email_account_id, sms_account_id, timezone, "
	    "window_days, window_start, window_end, daily_limit, gap_seconds "
	    "FROM my_campaign WHERE id = ? FOR UPDATE",
	[SN_STEP] =
	    "SELECT kind, template_id, call_script_id, wait_days "
	    "FROM my_campaign_step WHERE campaign_id = ? AND position = ?",
	[SN_TEMPLATE] =
	    "SELECT channel, subject, body, body_html FROM my_template "
	    "WHERE id = ?",
	[SN_PROSPECT] =
	    "SELECT name, category, address, postal_code, city, phone, email, "
	    "website, custom_fields, email_key, phone_e164, website_host, "
	    "status, source, import_id, emails, last_contact_at "
	    "FROM my_prospect WHERE id = ? FOR UPDATE",
	[SN_LAYOUT] =
	    "SELECT JSON_VALUE(result, '$.layout') FROM my_import_job "
	    "WHERE id = ?",
	[SN_SUPPRESSED] =
	    "SELECT COUNT(*) FROM my_suppression "
	    "WHERE value_hash IN (?, ?, ?, ?, ?, ?, ?, ?)",
	[SN_MSG_AT] =
	    "SELECT id, status FROM my_message WHERE enrollment_id = ? "
	    "AND position = ? FOR UPDATE",
	[SN_OWN_LAST] =
	    "SELECT MAX(sent_at) FROM my_message WHERE enrollment_id = ?",
	/*
	 * Sent in the local day (up to the limit: counting further changes
	 * nothing), read from message_campaign_day alone (0007), and on its
	 * way now (another sender's). Read committed (see SN_READ_COMMITTED),
	 * under the campaign's or the account's row lock, which keeps other
	 * senders from adding to them meanwhile.
	 */
	[SN_CAMP_DAY] =
	    "SELECT COUNT(*) FROM (SELECT 1 FROM my_message WHERE campaign_id = ? "
	    "AND sent_at >= ? AND sent_at < ? LIMIT ?) AS n",
	[SN_CAMP_SENDING] =
	    "SELECT COUNT(*) FROM my_message WHERE campaign_id = ? "
	    "AND sent_at IS NULL AND status = 'sending'",
	[SN_ACCT_LOCK] =
	    "SELECT channel, from_name, from_email, reply_to, smtp_host, "
	    "smtp_port, smtp_security, smtp_username, smtp_password_ct, "
	    "sms_provider, sms_account_sid, sms_api_key_ct, sms_sender, "
	    "daily_limit, ramp_start, ramp_step, first_sent_at "
	    "FROM my_sending_account WHERE id = ? FOR UPDATE",
	[SN_ACCT_DAY] =
	    "SELECT COUNT(*) FROM (SELECT 1 FROM my_message "
	    "WHERE sending_account_id = ? AND sent_at >= ? AND sent_at < ? "
	    "LIMIT ?) AS n",
	[SN_ACCT_SENDING] =
	    "SELECT COUNT(*) FROM my_message WHERE sending_account_id = ? "
	    "AND sent_at IS NULL AND status = 'sending'",
	[SN_ACCT_LAST] =
	    "SELECT MAX(COALESCE(sent_at, created_at)) FROM my_message "
	    "WHERE sending_account_id = ? "
	    "AND (sent_at >= ? OR (sent_at IS NULL AND status = 'sending'))",
	[SN_THREAD] =
	    "SELECT message_id, subject FROM my_message WHERE enrollment_id = ? "
	    "AND position < ? AND channel = 'email' AND status = 'sent' "
	    "AND message_id IS NOT NULL ORDER BY position",
	[SN_FIRST] =
	    "SELECT id FROM my_message WHERE prospect_id = ? AND id <> ? "
	    "AND status IN ('sent', 'uncertain') LIMIT 1",
	[SN_MSG_INSERT] =
	    "INSERT INTO my_message (user_id, campaign_id, enrollment_id, "
	    "prospect_id, position, channel, sending_account_id, status, "
	    "to_addr, first_contact, attempts, created_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, 'sending', ?, ?, 1, ?)",
	[SN_MSG_RETRY] =
	    "UPDATE my_message SET status = 'sending', sending_account_id = ?, "
	    "to_addr = ?, first_contact = ?, attempts = attempts + 1, "
	    "error = NULL, message_id = NULL, provider_id = NULL WHERE id = ?",
	[SN_MSG_CONTENT] =
	    "UPDATE my_message SET message_id = ?, subject = ?, body = ? "
	    "WHERE id = ?",
	/* Also over 'uncertain': a slow send that ended after the sweep. */
	[SN_MSG_SENT] =
	    "UPDATE my_message SET status = 'sent', sent_at = ?, "
	    "provider_id = ?, error = NULL WHERE id = ? "
	    "AND status IN ('sending', 'uncertain')",
	[SN_MSG_FAILED] =
	    "UPDATE my_message SET status = ?, error = ?, bounced_at = ? "
	    "WHERE id = ?",
	[SN_MSG_UNCERTAIN] =
	    "UPDATE my_message SET status = 'uncertain', error = ? "
	    "WHERE id = ? AND status = 'sending'",
	[SN_ENR_RENEW] =
	    "UPDATE my_enrollment SET lease_until = ? WHERE id = ?",
	[SN_ENR_ADVANCE] =
	    "UPDATE my_enrollment SET position = ?, due_at = ?, "
	    "lease_until = NULL, attempts = 0, last_error = NULL, "
	    "updated_at = ? WHERE id = ?",
	[SN_ENR_COMPLETE] =
	    "UPDATE my_enrollment SET status = 'completed', position = ?, "
	    "due_at = NULL, lease_until = NULL, attempts = 0, last_error = NULL, "
	    "finished_at = ?, updated_at = ? WHERE id = ?",
	[SN_ENR_STOP] =
	    "UPDATE my_enrollment SET status = 'stopped', stop_reason = ?, "
	    "last_error = ?, due_at = NULL, lease_until = NULL, "
	    "finished_at = ?, updated_at = ? WHERE id = ? AND status = 'active'",
	/* Nothing was tried: the claim's attempt is given back. */
	[SN_ENR_POSTPONE] =
	    "UPDATE my_enrollment SET due_at = ?, lease_until = NULL, "
	    "attempts = GREATEST(attempts, 1) - 1, "
	    "last_error = COALESCE(?, last_error), updated_at = ? WHERE id = ?",
	[SN_ENR_RETRY] =
	    "UPDATE my_enrollment SET due_at = ?, lease_until = NULL, "
	    "last_error = ?, updated_at = ? WHERE id = ?",
	[SN_ENR_PARK] =
	    "UPDATE my_enrollment SET due_at = NULL, lease_until = NULL, "
	    "attempts = 0, last_error = NULL, updated_at = ? WHERE id = ?",
	[SN_TASK_INSERT] =
	    "INSERT INTO my_task (user_id, campaign_id, enrollment_id, "
	    "prospect_id, position, call_script_id, status, due_at, created_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?)",
	[SN_PROSPECT_CONTACTED] =
	    "UPDATE my_prospect SET last_contact_at = ?, "
	    "status = IF(status = 'new', 'contacted', status), updated_at = ? "
	    "WHERE id = ?",
	[SN_ACCT_FIRST_SENT] =
	    "UPDATE my_sending_account SET first_sent_at = "
	    "COALESCE(first_sent_at, ?) WHERE id = ?",
	[SN_SUPPRESS] =
	    "INSERT INTO my_suppression (user_id, kind, value_hash, hint, "
	    "reason, created_at) VALUES (?, ?, ?, ?, ?, ?)",
	[SN_STOP_PROSPECT] =
	    "UPDATE my_enrollment SET status = 'stopped', stop_reason = ?, "
	    "due_at = NULL, lease_until = NULL, finished_at = ?, "
	    "updated_at = ? WHERE prospect_id = ? AND status = 'active'",
	[SN_IMAP_ACCT] =
	    "SELECT imap_host, imap_port, imap_security, imap_username, "
	    "imap_password_ct, imap_uidvalidity, imap_last_uid "
	    "FROM my_sending_account WHERE id = ?",
	[SN_IMAP_SAVE] =
	    "UPDATE my_sending_account SET imap_uidvalidity = ?, "
	    "imap_last_uid = ?, imap_error = ? WHERE id = ?",
	[SN_MSG_BY_ID] =
	    "SELECT " SENDER_MSG_COLS_SQL " FROM my_message "
	    "WHERE message_id = ? ORDER BY id LIMIT 1",
	[SN_MSG_BY_RCPT] =
	    "SELECT " SENDER_MSG_COLS_SQL " FROM my_message "
	    "WHERE sending_account_id = ? AND to_addr = ? "
	    "AND status IN ('sent', 'uncertain') ORDER BY id DESC LIMIT 1",
	[SN_MSG_REPLIED] =
	    "UPDATE my_message SET replied_at = ? WHERE id = ? "
	    "AND replied_at IS NULL",
	[SN_CAMP_FLAGS] =
	    "SELECT stop_on_reply, stop_company_on_reply FROM my_campaign "
	    "WHERE id = ?",
	/* Same campaign, same company: website host or address domain. */
	[SN_COMPANY] =
	    "SELECT e.id FROM my_enrollment e JOIN my_prospect p "
	    "ON p.id = e.prospect_id WHERE e.campaign_id = ? "
	    "AND e.status = 'active' AND e.prospect_id <> ? "
	    "AND ((? IS NOT NULL AND p.website_host = ?) "
	    "OR (? IS NOT NULL AND SUBSTRING_INDEX(p.email_key, '@', -1) = ?))",
	/*
	 * An opt-out: the prospect is not to be contacted again (a customer
	 * stays a customer), and its open calls are canceled.
	 */
	[SN_PROSPECT_OPTED_OUT] =
	    "UPDATE my_prospect SET status = IF(status = 'customer', status, "
	    "'do_not_contact'), updated_at = ? WHERE id = ?",
	[SN_TASKS_CANCEL] =
	    "UPDATE my_task SET status = 'canceled' "
	    "WHERE prospect_id = ? AND status = 'open'",
	[SN_PROSPECT_REPLIED] =
	    "UPDATE my_prospect SET last_prospect_contact_at = ?, "
	    "status = IF(status IN ('new', 'contacted'), 'replied', status), "
	    "updated_at = ? WHERE id = ?",
};

static const struct db_table sender_table = { sender_sql, 0, SN__MAX };

/* -- time -------------------------------------------------------------- */

/* The test clock's offset, milliseconds (sender_clock_file, test_mode). */
static long long sender_offset_ms;

/*
 * Reads the test clock: an integer number of seconds (may be negative)
 * added to the real time. Only with test_mode = 1 (conf.c refuses the
 * file otherwise); a missing file is no offset.
 */
static void
sender_clock_read(const struct conf *c)
{
	FILE		*f;
	long long	 v;

	if (!c->test_mode || *c->sender_clock_file == '\0')
		return;
	if ((f = fopen(c->sender_clock_file, "r")) == NULL) {
		sender_offset_ms = 0;
		return;
	}
	if (fscanf(f, "%lld", &v) == 1 && v > -(1LL << 40) && v < (1LL << 40))
		sender_offset_ms = v * 1000;
	fclose(f);
}

/* The sender's "now", milliseconds since the epoch. */
static long long
sender_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000 + sender_offset_ms;
}

/* ms as a DATETIME(3) literal in UTC, as bound to statements. */
static char *
sender_ts(char out[SENDER_TS], long long ms)
{
	time_t		 t = (time_t)(ms / 1000);
	struct tm	 tm;

	gmtime_r(&t, &tm);
	snprintf(out, SENDER_TS, "%04d-%02d-%02d %02d:%02d:%02d.%03d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	return out;
}

/* A DATETIME as the server prints it (UTC), in ms; -1 for NULL or junk. */
static long long
sender_parse_ts(const char *s)
{
	struct tm	 tm;
	int		 ms = 0, n = 0;
	char		 frac[8];

	if (s == NULL)
		return -1;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return -1;
	if (s[n] == '.' && sscanf(s + n + 1, "%3[0-9]", frac) == 1) {
		ms = atoi(frac);
		if (strlen(frac) == 1)
			ms *= 100;
		else if (strlen(frac) == 2)
			ms *= 10;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm) * 1000LL + ms;
}

/* -- the batch's connections ------------------------------------------- */

/*
 * One sending account's client for the length of a batch: its SMTP
 * connection or SMS client, its opened secret (sodium_malloc, wiped on
 * release), and what the batch learnt of it.
 */
struct sender_conn {
	uint64_t		 id;
	int			 sms;
	int			 broken;	/* the session failed: skip it */
	long			 deferred;	/* messages put after the gap */
	char			*secret;
	char			*user;
	char			 url[300];
	struct mail_server	 ms;
	struct mail_conn	*mc;
	char			*sid, *sender;
	struct sms_account	 sa;
	struct sms_conn		*sc;
	enum notice_sms		 stop;
};

/* The worker and its batch. */
struct sender {
	const struct conf	*c;
	struct db		*db;
	struct arena		*arena;		/* one enrollment's strings */
	struct sender_conn	*conns;
	size_t			 nconns;
	/* the batch's counts, for its log line */
	long			 sent, postponed, failed, stopped, missing;
};

static void
sender_conn_close(struct sender_conn *k)
{
	mail_conn_free(k->mc);
	sms_conn_free(k->sc);
	if (k->secret != NULL)
		sodium_free(k->secret);
	free(k->user);
	free(k->sid);
	free(k->sender);
	memset(k, 0, sizeof(*k));
}

static void
sender_conns_close(struct sender *s)
{
	size_t	 i;

	for (i = 0; i < s->nconns; i++)
		sender_conn_close(&s->conns[i]);
	s->nconns = 0;
}

static struct sender_conn *
sender_conn_find(struct sender *s, uint64_t id)
{
	size_t	 i;

	for (i = 0; i < s->nconns; i++)
		if (s->conns[i].id == id)
			return &s->conns[i];
	return NULL;
}

/*
 * Opens a sealed secret of the account (kind as camp_acct.c seals it:
 * "smtp_password", "imap_password", "sms_api_key"; row = the account id)
 * into locked memory. Owned (sodium_free), or NULL.
 */
static char *
sender_secret(const char *kind, uint64_t user, uint64_t acct, const char *ct,
    size_t ctlen)
{
	char	 row[24], *pt;
	size_t	 ptlen;

	if (ct == NULL || ctlen <= SECRET_OVERHEAD)
		return NULL;
	snprintf(row, sizeof(row), "%" PRIu64, acct);
	if ((pt = sodium_malloc(ctlen - SECRET_OVERHEAD + 1)) == NULL)
		abort();
	if (secret_open((unsigned char *)pt, &ptlen, kind, user, row, ct,
	    ctlen) == -1) {
		sodium_free(pt);
		return NULL;
	}
	pt[ptlen] = '\0';
	return pt;
}

/* -- one enrollment ----------------------------------------------------- */

/* A claimed enrollment. */
struct claim {
	uint64_t	 id, user_id;
	char		 lease[SENDER_TS];	/* lease_until: the claim's token */
};

/* What the first transaction decided. */
enum step_rc {
	STEP_DONE,	/* nothing to send: advanced, postponed or stopped */
	STEP_LOST,	/* not ours any more */
	STEP_SEND,	/* a message is ready in struct step */
};

/* A step being run: inputs, what the checks read, the message. */
struct step {
	struct sender		*s;
	const struct claim	*cl;
	long long		 now;		/* ms */
	char			 nowts[SENDER_TS];
	/* the enrollment and its campaign */
	int			 position, attempts;
	uint64_t		 campaign_id, prospect_id;
	struct window		 win;
	int			 win_ok;
	/* the message */
	int			 sms;
	uint64_t		 acct_id, msg_id;
	char			*to;		/* address or E.164, arena */
	char			*from_addr;	/* envelope sender, arena */
	char			*raw;		/* the e-mail, or the SMS text; malloc */
	/* a copy of the account, to open its connection */
	char			*a_host, *a_sec, *a_user, *a_provider, *a_sid;
	char			*a_sender;
	long			 a_port;
	unsigned char		*a_ct;
	size_t			 a_ctlen;
	int			 unicode;	/* the SMS needs UCS-2 */
	char			*company;	/* the user's company, or NULL (arena) */
	char			 lease[SENDER_TS]; /* the lease after the step's
						   transaction: the new token */
	enum step_rc		 rc;
	/* outcome counters */
	int			 postponed, stopped, missing;
};

static char *
sender_col(struct step *st, size_t col)
{
	return db_null(st->s->db, col) ? NULL :
	    arena_strdup(st->s->arena, db_str(st->s->db, col));
}

/*
 * Whether a user may send at all: the hook every ban on sending goes
 * through: the account is open (user_account.status 'active': a closed
 * one, erasure pending, sends nothing) and its processing not restricted
 * (GDPR art. 18: restricted_at, PUT /gdpr/restriction). Enrollments of
 * either are not even claimed (SN_CLAIM), and their mailboxes are not
 * read; a step claimed just before waits (SENDER_HOLD) until lifted.
 * The plan's standing is checked later (plan.h). Also reads the user's name
 * into *name and company into *company (arena, NULL when not set) for
 * {{sender_name}} and {{sender_company}}. DB_OK with *may set.
 */
static int
sender_user_may_send(struct sender *s, int *may, char **name, char **company)
{
	int	 rc;

	*may = 0;
	*name = *company = NULL;
	if ((rc = db_one(s->db, SN_USER, DB_NOARGS)) != DB_OK)
		return rc;
	*may = strcmp(db_str(s->db, 0), "active") == 0 &&
	    db_int(s->db, 3) != 0;
	*name = arena_printf(s->arena, "%s %s", db_str(s->db, 1),
	    db_str(s->db, 2));
	if (!db_null(s->db, 4))
		*company = arena_strdup(s->arena, db_str(s->db, 4));
	db_done(s->db);
	return DB_OK;
}

/* The first instant (ms, UTC) of the calendar month after now (ms). */
static long long
sender_next_month(long long now)
{
	time_t		 t = (time_t)(now / 1000);
	struct tm	 tm;

	gmtime_r(&t, &tm);
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	if (++tm.tm_mon == 12) {
		tm.tm_mon = 0;
		tm.tm_year++;
	}
	return (long long)timegm(&tm) * 1000LL;
}

/*
 * Postpones the step to due (ms): nothing was tried. error, when not
 * NULL, is kept as the enrollment's last_error (an account that cannot
 * be reached says so to the user).
 */
static int
sender_postpone(struct step *st, long long due, const char *why,
    const char *error)
{
	char	 ts[SENDER_TS];

	st->postponed = 1;
	log_debug("enrollment %" PRIu64 ": postponed to %s: %s", st->cl->id,
	    sender_ts(ts, due), why);
	return db_exec(st->s->db, SN_ENR_POSTPONE, DB_ARGS(DB_TEXT(sender_ts(ts,
	    due)), DB_TEXT(error), DB_TEXT(st->nowts), DB_INT(st->cl->id)));
}

/* Stops the enrollment for reason, with a sentence for the user. */
static int
sender_stop(struct sender *s, uint64_t enrollment, const char *reason,
    const char *error, const char *nowts)
{
	int	 rc;

	rc = db_exec(s->db, SN_ENR_STOP, DB_ARGS(DB_TEXT(reason), DB_TEXT(error),
	    DB_TEXT(nowts), DB_TEXT(nowts), DB_INT(enrollment)));
	if (rc == DB_OK)
		log_info("enrollment %" PRIu64 ": stopped, %s", enrollment, reason);
	return rc == DB_NONE ? DB_OK : rc;
}

/*
 * Moves the enrollment past step p: the next step's position, due now,
 * or, when the next step is a wait of n sending days, at the window's
 * opening on the n-th sending day after today; completed past the last
 * step (docs/sequencing.md "Who sets due_at").
 */
static int
sender_advance(struct step *st, int p)
{
	struct db	*db = st->s->db;
	char		 due[SENDER_TS];
	long long	 when = st->now;
	time_t		 t;
	int		 rc, days;

	rc = db_one(db, SN_STEP, DB_ARGS(DB_INT(st->campaign_id), DB_INT(p + 1)));
	if (rc == DB_NONE)
		return db_exec(db, SN_ENR_COMPLETE, DB_ARGS(DB_INT(p + 1),
		    DB_TEXT(st->nowts), DB_TEXT(st->nowts), DB_INT(st->cl->id)));
	if (rc != DB_OK)
		return rc;
	days = (int)db_int(db, 3);
	if (strcmp(db_str(db, 0), "wait") == 0 && days > 0) {
		t = st->win_ok ? window_after_days(&st->win,
		    (time_t)(st->now / 1000), days) : (time_t)-1;
		/* A window that never opens: the days counted as calendar days. */
		when = t != (time_t)-1 ? t * 1000LL : st->now + days * 86400000LL;
	}
	db_done(db);
	return db_exec(db, SN_ENR_ADVANCE, DB_ARGS(DB_INT(p + 1),
	    DB_TEXT(sender_ts(due, when)), DB_TEXT(st->nowts),
	    DB_INT(st->cl->id)));
}

/*
 * A call step: an open task due now, or at the window's next opening,
 * and the enrollment parked on it (due_at NULL) until the call's outcome
 * (POST /tasks/{id}/outcome) moves it.
 */
static int
sender_call(struct step *st, const char *script)
{
	struct db	*db = st->s->db;
	char		 due[SENDER_TS];
	time_t		 t;
	int		 rc;

	t = st->win_ok ? window_next_open(&st->win, (time_t)(st->now / 1000)) :
	    (time_t)-1;
	rc = db_exec(db, SN_TASK_INSERT, DB_ARGS(DB_INT(st->cl->user_id),
	    DB_INT(st->campaign_id), DB_INT(st->cl->id), DB_INT(st->prospect_id),
	    DB_INT(st->position), script != NULL ? DB_TEXT(script) : DB_NULL,
	    DB_TEXT(t != (time_t)-1 ? sender_ts(due, t * 1000LL) : st->nowts),
	    DB_TEXT(st->nowts)));
	/* A task for this step already (a retry after a crash): keep it. */
	if (rc != DB_OK && rc != DB_CONFLICT)
		return rc;
	return db_exec(db, SN_ENR_PARK, DB_ARGS(DB_TEXT(st->nowts),
	    DB_INT(st->cl->id)));
}

/*
 * The suppression check of docs/sequencing.md: the address sent to and
 * its domain, the phone, the website host (prosp_rec_supp_hashes(), the
 * rule every entry point of prospects applies). DB_OK with *hit.
 */
static int
sender_suppressed(struct db *db, const char *email_key, const char *phone,
    const char *host, int *hit)
{
	unsigned char	 h[PROSP_SUPP_KEYS][SUPP_HASH_LEN];
	struct db_arg	 a[SENDER_SUPP_KEYS];
	struct prosp_rec rec;
	size_t		 i, n;
	int		 rc;

	*hit = 0;
	memset(&rec, 0, sizeof(rec));
	if (email_key != NULL) {
		snprintf(rec.emails[0].key, sizeof(rec.emails[0].key), "%s",
		    email_key);
		rec.nemails = 1;
	}
	if (phone != NULL)
		snprintf(rec.phone_e164, sizeof(rec.phone_e164), "%s", phone);
	if (host != NULL) {
		snprintf(rec.host, sizeof(rec.host), "%s", host);
		rec.host_shared = pnorm_shared_host(host);
	}
	if ((n = prosp_rec_supp_hashes(&rec, h)) == 0)
		return DB_OK;
	for (i = 0; i < SENDER_SUPP_KEYS; i++)
		a[i] = i < n ? DB_BLOB(h[i], SUPP_HASH_LEN) : DB_NULL;
	if ((rc = db_one(db, SN_SUPPRESSED, a, SENDER_SUPP_KEYS)) != DB_OK)
		return rc;
	*hit = db_int(db, 0) > 0;
	db_done(db);
	return DB_OK;
}

/* Renders text (NULL: NULL) for v in mode; TMPL_* result, *out owned. */
static enum tmpl_rc
sender_render(const char *text, const struct tmpl_values *v,
    enum tmpl_mode mode, char **out, char *missing, size_t missinglen)
{
	struct tmpl		*t;
	struct tmpl_problems	 pr;
	struct tmpl_out		 o;
	enum tmpl_rc		 rc;
	size_t			 i, len;

	*out = NULL;
	if (text == NULL)
		return TMPL_RENDERED;
	if (tmpl_parse(&t, text, strlen(text), &pr) == -1) {
		snprintf(missing, missinglen, "the template no longer parses "
		    "(%s): edit it", pr.n > 0 ? pr.list[0].message : "error");
		return TMPL_OVERFLOW;
	}
	rc = tmpl_render(&o, t, v, mode);
	if (rc == TMPL_RENDERED)
		*out = o.text;
	else if (rc == TMPL_MISSING)
		for (i = 0; i < o.nmissing; i++) {
			len = strlen(missing);
			snprintf(missing + len, missinglen - len, "%s%s",
			    len > 0 ? ", " : "", o.missing[i]);
		}
	else
		snprintf(missing, missinglen, "the message would be longer than "
		    "%d bytes", TMPL_OUT_MAX);
	tmpl_free(t);
	return rc;
}

/* Whether the prospect's address was found on its website (emails JSON). */
static int
sender_from_website(const char *emails, const char *key)
{
	json_t		*a, *e;
	const char	*addr, *src;
	char		 k[EMAIL_MAX + 1];
	size_t		 i;
	int		 found = 0;

	if (emails == NULL || key == NULL ||
	    (a = json_loads(emails, 0, NULL)) == NULL)
		return 0;
	json_array_foreach(a, i, e) {
		addr = json_string_value(json_object_get(e, "email"));
		src = json_string_value(json_object_get(e, "source"));
		if (addr == NULL || src == NULL || !email_valid(addr))
			continue;
		email_key(k, addr);
		if (strcmp(k, key) == 0 && strcmp(src, "website") == 0)
			found = 1;
	}
	json_decref(a);
	return found;
}

/*
 * The messages of id (a campaign or an account: day and sending are its
 * SN_*_DAY and SN_*_SENDING) sent in the local day of now, counted up to
 * limit at most, and on their way now; DB_OK.
 */
static int
sender_day_count(struct step *st, size_t day, size_t sending, uint64_t id,
    long long limit, long long *n, long long *day_end)
{
	char	 from[SENDER_TS], to[SENDER_TS];
	time_t	 a, b;
	int	 rc;

	if (!st->win_ok || window_day(st->win.tz, (time_t)(st->now / 1000), &a,
	    &b) == -1) {
		a = (time_t)(st->now / 1000 / 86400 * 86400);
		b = a + 86400;
	}
	*day_end = b * 1000LL;
	if ((rc = db_one(st->s->db, day, DB_ARGS(DB_INT(id),
	    DB_TEXT(sender_ts(from, a * 1000LL)),
	    DB_TEXT(sender_ts(to, b * 1000LL)), DB_INT(limit)))) != DB_OK)
		return rc;
	*n = db_int(st->s->db, 0);
	if ((rc = db_one(st->s->db, sending, DB_ARGS(DB_INT(id)))) != DB_OK)
		return rc;
	*n += db_int(st->s->db, 0);
	db_done(st->s->db);
	return DB_OK;
}

/* When sending may start again after the local day that ends at day_end. */
static long long
sender_next_day(struct step *st, long long day_end)
{
	time_t	 t = st->win_ok ? window_next_open(&st->win,
	    (time_t)(day_end / 1000)) : (time_t)-1;

	return t != (time_t)-1 ? t * 1000LL : day_end;
}

/*
 * The account's limit today: daily_limit, or less while ramping up,
 * ramp_start + ramp_step per local day (the campaign's zone) since the
 * day of first_sent_at (ramp_start until the first message), when both
 * are set.
 */
static long long
sender_account_limit(const struct step *st, long long limit, const char *start,
    const char *step, long long first_ms)
{
	long long	 ramp;
	time_t		 today, first, to;

	if (start == NULL || step == NULL)
		return limit;
	ramp = strtoll(start, NULL, 10);
	if (first_ms >= 0 && st->win_ok &&
	    window_day(st->win.tz, (time_t)(st->now / 1000), &today, &to) == 0 &&
	    window_day(st->win.tz, (time_t)(first_ms / 1000), &first, &to) == 0 &&
	    today > first)
		/* Whole local days, 23 or 25 hours long on a change of time. */
		ramp += strtoll(step, NULL, 10) * ((today - first + 43200) / 86400);
	return ramp < limit ? ramp : limit;
}

/* The merge-tag values of the prospect row just read (SN_PROSPECT). */
static void
sender_values(struct step *st, struct tmpl_values *v, json_t **custom,
    const char *sender_name)
{
	static const int	 cols[] = { TMPL_BUSINESS_NAME, TMPL_CATEGORY,
	    TMPL_ADDRESS, TMPL_POSTAL_CODE, TMPL_CITY, TMPL_PHONE, TMPL_EMAIL,
	    TMPL_WEBSITE };
	const char		*p;
	size_t			 i;

	/* As camp_values() in the campaigns group: the preview shows this. */
	memset(v, 0, sizeof(*v));
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		v->field[cols[i]] = sender_col(st, i);
	*custom = db_null(st->s->db, 8) ? NULL : json_loads(db_str(st->s->db, 8),
	    0, NULL);
	v->custom = *custom;
	if ((p = json_string_value(json_object_get(*custom, "first_name"))) != NULL)
		v->field[TMPL_FIRST_NAME] = arena_strdup(st->s->arena, p);
	if ((p = json_string_value(json_object_get(*custom, "last_name"))) != NULL)
		v->field[TMPL_LAST_NAME] = arena_strdup(st->s->arena, p);
	v->field[TMPL_SENDER_NAME] = sender_name;
	v->field[TMPL_SENDER_COMPANY] = st->company;
}

/* The prospect's columns of SN_PROSPECT the step uses. */
struct prospect {
	char		*email, *email_key, *phone, *host, *status, *source;
	char		*emails;
	uint64_t	 import_id;
	long long	 last_contact;	/* ms, -1 never */
};

/* The first n bytes of s at most, cut on a UTF-8 character (arena). */
static char *
sender_cut(struct arena *a, const char *s, size_t n)
{
	size_t	 len = s != NULL ? strlen(s) : 0;

	if (s == NULL || len <= n)
		return (char *)s;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return arena_strndup(a, s, n);
}

/* Reads the prospect (locked) into p and v; DB_OK, DB_NONE (gone). */
static int
sender_prospect(struct step *st, struct prospect *p, struct tmpl_values *v,
    json_t **custom, const char *sender_name)
{
	struct db	*db = st->s->db;
	int		 rc;

	memset(p, 0, sizeof(*p));
	if ((rc = db_one(db, SN_PROSPECT, DB_ARGS(DB_INT(st->prospect_id)))) !=
	    DB_OK)
		return rc;
	sender_values(st, v, custom, sender_name);
	p->email = sender_col(st, 6);
	p->email_key = sender_col(st, 9);
	p->phone = sender_col(st, 10);
	p->host = sender_col(st, 11);
	p->status = sender_col(st, 12);
	p->source = sender_col(st, 13);
	p->import_id = db_null(db, 14) ? 0 : (uint64_t)db_int(db, 14);
	p->emails = sender_col(st, 15);
	p->last_contact = sender_parse_ts(db_str(db, 16));
	db_done(db);
	return DB_OK;
}

/* The account's columns of SN_ACCT_LOCK the step keeps. */
struct account {
	char		*channel, *from_name, *from_email, *reply_to;
	char		*limit, *ramp_start, *ramp_step;
	long long	 first_sent;	/* ms, -1 never */
};

/* Reads and locks the sending account; keeps what opening it needs. */
static int
sender_account(struct step *st, struct account *a)
{
	struct db	*db = st->s->db;
	int		 rc;

	memset(a, 0, sizeof(*a));
	if ((rc = db_one(db, SN_ACCT_LOCK, DB_ARGS(DB_INT(st->acct_id)))) !=
	    DB_OK)
		return rc;
	a->channel = sender_col(st, 0);
	a->from_name = sender_col(st, 1);
	a->from_email = sender_col(st, 2);
	a->reply_to = sender_col(st, 3);
	st->a_host = sender_col(st, 4);
	st->a_port = db_int(db, 5);
	st->a_sec = sender_col(st, 6);
	st->a_user = sender_col(st, 7);
	st->a_provider = sender_col(st, 9);
	st->a_sid = sender_col(st, 10);
	st->a_sender = sender_col(st, 12);
	/* The secret of the channel, copied: opened once per batch. */
	st->a_ctlen = 0;
	st->a_ct = NULL;
	if (!db_null(db, st->sms ? 11 : 8)) {
		st->a_ctlen = db_len(db, st->sms ? 11 : 8);
		st->a_ct = arena_alloc(st->s->arena, st->a_ctlen);
		memcpy(st->a_ct, db_str(db, st->sms ? 11 : 8), st->a_ctlen);
	}
	a->limit = sender_col(st, 13);
	a->ramp_start = sender_col(st, 14);
	a->ramp_step = sender_col(st, 15);
	a->first_sent = sender_parse_ts(db_str(db, 16));
	db_done(db);
	return DB_OK;
}

/* The connection slot of an account in this batch (opened later). */
static struct sender_conn *
sender_conn_get(struct sender *s, uint64_t id)
{
	struct sender_conn	*k;

	if ((k = sender_conn_find(s, id)) != NULL)
		return k;
	if (s->nconns == (size_t)s->c->sender_batch)
		return NULL;	/* cannot happen: one per claimed enrollment */
	k = &s->conns[s->nconns++];
	memset(k, 0, sizeof(*k));
	k->id = id;
	return k;
}

/*
 * The limits of docs/sequencing.md "Limits", in order: the window, the
 * frequency cap across campaigns, the campaign's and the account's daily
 * limits, the gap between two messages of the account. DB_OK with *wait
 * set to when the step may run (ms), or -1 when it may run now.
 */
static int
sender_limits(struct step *st, const struct prospect *p, long long daily,
    const struct account *a, long gap, long long *wait, const char **why)
{
	struct db		*db = st->s->db;
	struct sender_conn	*k;
	long long		 n, end, own, limit, last, capms;
	char			 since[SENDER_TS];
	time_t			 t;
	int			 rc;

	*wait = -1;
	if (!window_is_open(&st->win, (time_t)(st->now / 1000))) {
		t = window_next_open(&st->win, (time_t)(st->now / 1000));
		*wait = t != (time_t)-1 ? t * 1000LL : st->now + 86400000LL;
		*why = "outside the sending window";
		return DB_OK;
	}
	capms = st->s->c->contact_gap_hours * 3600000LL;
	if (p->last_contact >= 0 && p->last_contact + capms > st->now) {
		/* Unless the last contact was this enrollment's own. */
		if ((rc = db_one(db, SN_OWN_LAST, DB_ARGS(DB_INT(st->cl->id)))) !=
		    DB_OK)
			return rc;
		own = sender_parse_ts(db_str(db, 0));
		db_done(db);
		if (own < p->last_contact) {
			*wait = p->last_contact + capms;
			*why = "contacted by another campaign lately";
			return DB_OK;
		}
	}
	if ((rc = sender_day_count(st, SN_CAMP_DAY, SN_CAMP_SENDING,
	    st->campaign_id, daily, &n, &end)) != DB_OK)
		return rc;
	if (n >= daily) {
		*wait = sender_next_day(st, end);
		*why = "the campaign's daily limit is reached";
		return DB_OK;
	}
	limit = sender_account_limit(st, strtoll(a->limit, NULL, 10),
	    a->ramp_start, a->ramp_step, a->first_sent);
	if ((rc = sender_day_count(st, SN_ACCT_DAY, SN_ACCT_SENDING, st->acct_id,
	    limit, &n, &end)) != DB_OK)
		return rc;
	if (n >= limit) {
		*wait = sender_next_day(st, end);
		*why = "the sending account's daily limit is reached";
		return DB_OK;
	}
	if (gap <= 0)
		return DB_OK;
	if ((rc = db_one(db, SN_ACCT_LAST, DB_ARGS(DB_INT(st->acct_id),
	    DB_TEXT(sender_ts(since, st->now - gap * 1000LL))))) != DB_OK)
		return rc;
	last = sender_parse_ts(db_str(db, 0));
	db_done(db);
	if (last >= 0 && last + gap * 1000LL > st->now) {
		/* Those behind it in this batch line up a gap apart. */
		k = sender_conn_get(st->s, st->acct_id);
		*wait = last + gap * 1000LL * (1 + (k != NULL ? k->deferred++ : 0));
		*why = "the gap between two messages of the account";
	}
	return DB_OK;
}

/* The thread of an e-mail follow-up: References, In-Reply-To, subject. */
static int
sender_thread(struct step *st, char **refs, char **last, char **subject)
{
	struct db	*db = st->s->db;
	char		*r = NULL, *p;
	int		 rc;

	*refs = *last = *subject = NULL;
	if ((rc = db_query(db, SN_THREAD, DB_ARGS(DB_INT(st->cl->id),
	    DB_INT(st->position)))) != DB_OK)
		return rc;
	while ((rc = db_next(db)) == DB_OK) {
		p = r == NULL ? arena_strdup(st->s->arena, db_str(db, 0)) :
		    arena_printf(st->s->arena, "%s %s", r, db_str(db, 0));
		r = p;
		*last = sender_col(st, 0);
		*subject = sender_col(st, 1);
	}
	db_done(db);
	if (rc != DB_NONE)
		return rc;
	*refs = r;
	return DB_OK;
}

/* The unsubscribe link of message id: public_url/api/v1/u/TOKEN (arena). */
static char *
sender_unsub_url(struct step *st, uint64_t id)
{
	char	 tok[UNSUB_TOKEN_LEN + 1];

	unsub_token(tok, id);
	return arena_printf(st->s->arena, "%s/api/v1/u/%s", st->s->c->public_url,
	    tok);
}

/* The source of the prospect's data, for the first-contact notice. */
static int
sender_source(struct step *st, const struct prospect *p,
    enum notice_source *src)
{
	struct db	*db = st->s->db;
	char		*layout = NULL;
	int		 rc;

	if (p->import_id != 0 && p->source != NULL &&
	    strncmp(p->source, "import:", 7) == 0) {
		rc = db_one(db, SN_LAYOUT, DB_ARGS(DB_INT(p->import_id)));
		if (rc == DB_OK) {
			layout = sender_col(st, 0);
			db_done(db);
		} else if (rc != DB_NONE)
			return rc;
	}
	*src = notice_source_of(p->source, layout);
	return DB_OK;
}

/*
 * The message row of the step: inserted as 'sending', or, for a step
 * whose earlier attempt failed for a while ('failed') or that the user
 * enrolled again after an 'uncertain' one, the same row set back to
 * 'sending'. st->msg_id.
 */
static int
sender_message_row(struct step *st, uint64_t retry_id, int first)
{
	struct db	*db = st->s->db;
	int		 rc;

	if (retry_id != 0) {
		st->msg_id = retry_id;
		return db_exec(db, SN_MSG_RETRY, DB_ARGS(DB_INT(st->acct_id),
		    DB_TEXT(st->to), DB_INT(first), DB_INT(retry_id)));
	}
	rc = db_exec(db, SN_MSG_INSERT, DB_ARGS(DB_INT(st->cl->user_id),
	    DB_INT(st->campaign_id), DB_INT(st->cl->id), DB_INT(st->prospect_id),
	    DB_INT(st->position), DB_TEXT(st->sms ? "sms" : "email"),
	    DB_INT(st->acct_id), DB_TEXT(st->to), DB_INT(first),
	    DB_TEXT(st->nowts)));
	if (rc == DB_OK)
		st->msg_id = db_last_id(db);
	/* DB_CONFLICT: another sender's row, made since we looked: stop here. */
	return rc;
}

/* Marks the row failed and stops the enrollment: a message that cannot be. */
static int
sender_unbuildable(struct step *st, const char *why)
{
	int	 rc;

	st->stopped = 1;
	if ((rc = db_exec(st->s->db, SN_MSG_FAILED, DB_ARGS(DB_TEXT("failed"),
	    DB_TEXT(why), DB_NULL, DB_INT(st->msg_id)))) != DB_OK)
		return rc;
	return sender_stop(st->s, st->cl->id, "failed", why, st->nowts);
}

/*
 * Builds the e-mail into st->raw and stores its Message-ID, subject and
 * text body in the row.
 */
static int
sender_build_email(struct step *st, const struct account *a,
    const struct notice *n, const char *subject, const char *text,
    const char *html)
{
	struct mail_msg	 m;
	char		 msgid[MAIL_MSGID_MAX], *body, *hbody = NULL;
	char		*refs, *last, *prev;
	int		 rc;

	if ((rc = sender_thread(st, &refs, &last, &prev)) != DB_OK)
		return rc;
	/* A follow-up keeps the thread's subject unless it has its own. */
	if ((subject == NULL || subject[strspn(subject, " \t")] == '\0') &&
	    prev != NULL)
		subject = prev;
	if (subject == NULL || *subject == '\0')
		return sender_unbuildable(st, "the e-mail has no subject");
	body = notice_email_text(text, n);
	if (html != NULL)
		hbody = notice_email_html(html, n);
	memset(&m, 0, sizeof(m));
	m.from = a->from_name != NULL && *a->from_name != '\0' ?
	    arena_printf(st->s->arena, "%s <%s>", a->from_name, a->from_email) :
	    a->from_email;
	m.to = st->to;
	m.reply_to = a->reply_to;
	m.subject = subject;
	m.text = body;
	m.html = hbody;
	m.unsubscribe_url = n->unsub_url;
	m.unsubscribe_mailto = a->from_email;
	m.in_reply_to = last;
	m.references = refs;
	m.date = (time_t)(st->now / 1000);
	st->raw = mail_build_id(&m, msgid, sizeof(msgid));
	if (st->raw == NULL) {
		free(body);
		free(hbody);
		return sender_unbuildable(st, "the message cannot be built: an "
		    "address is invalid or needs SMTPUTF8, or a header holds a "
		    "line break");
	}
	rc = db_exec(st->s->db, SN_MSG_CONTENT, DB_ARGS(DB_TEXT(msgid),
	    DB_TEXT(sender_cut(st->s->arena, subject, 998)), DB_TEXT(body),
	    DB_INT(st->msg_id)));
	free(body);
	free(hbody);
	return rc;
}

/* The SMS text into st->raw, and the row's body. */
static int
sender_build_sms(struct step *st, const struct notice *n, const char *text)
{
	struct tmpl_sms	 seg;

	st->raw = notice_sms(text, n, st->a_provider != NULL &&
	    strcmp(st->a_provider, "brevo") == 0 ? NOTICE_SMS_STOP_CODE :
	    NOTICE_SMS_REPLY);
	st->unicode = tmpl_sms_segments(st->raw, &seg) == 0 &&
	    seg.encoding == TMPL_UCS2;
	return db_exec(st->s->db, SN_MSG_CONTENT, DB_ARGS(DB_NULL, DB_NULL,
	    DB_TEXT(st->raw), DB_INT(st->msg_id)));
}

/*
 * The rest of a message step, once the enrollment, the user and the
 * campaign are checked and the step is e-mail or SMS (st->sms): the
 * existing row, the prospect, the limits, the account, the render, the
 * row and the message. Sets st->rc.
 */
static int
sender_message(struct step *st, const char *template_id, long long daily,
    long gap, uint64_t acct_email, uint64_t acct_sms, const char *sender_name)
{
	struct sender		*s = st->s;
	struct db		*db = s->db;
	struct sender_conn	*k;
	struct prospect		 p;
	struct account		 a;
	struct tmpl_values	 v;
	struct notice		 n;
	json_t			*custom = NULL;
	const char		*why = NULL;
	char			 missing[600], *subject = NULL, *text = NULL;
	char			*html = NULL, *tsub = NULL, *tbody = NULL;
	char			*thtml = NULL, *err;
	long long		 wait;
	uint64_t		 retry_id = 0;
	enum tmpl_rc		 tr;
	int			 rc, hit, first;

	/* 1. A row for this step already: what became of it. */
	rc = db_one(db, SN_MSG_AT, DB_ARGS(DB_INT(st->cl->id),
	    DB_INT(st->position)));
	if (rc == DB_OK) {
		const char	*ms = db_str(db, 1);

		retry_id = (uint64_t)db_int(db, 0);
		if (strcmp(ms, "sending") == 0) {
			db_done(db);
			err = "the sender stopped while sending this message: it "
			    "may or may not have left; enrol the prospect again "
			    "to send it anyway";
			st->stopped = 1;
			if ((rc = db_exec(db, SN_MSG_UNCERTAIN, DB_ARGS(DB_TEXT(err),
			    DB_INT(retry_id)))) != DB_OK)
				return rc;
			log_warn("message %" PRIu64 ": uncertain (interrupted send)",
			    retry_id);
			return sender_stop(s, st->cl->id, "uncertain", err,
			    st->nowts);
		}
		if (strcmp(ms, "sent") == 0) {
			db_done(db);
			return sender_advance(st, st->position);
		}
		if (strcmp(ms, "bounced") == 0) {
			db_done(db);
			st->stopped = 1;
			return sender_stop(s, st->cl->id, "bounced", NULL, st->nowts);
		}
		db_done(db);	/* failed or uncertain: a retry */
	} else if (rc != DB_NONE)
		return rc;

	/* 2. The prospect: reachable, not refused. */
	if ((rc = sender_prospect(st, &p, &v, &custom, sender_name)) != DB_OK)
		return rc;
	rc = DB_OK;
	st->to = st->sms ? p.phone : p.email;
	if (p.status != NULL && strcmp(p.status, "do_not_contact") == 0) {
		st->stopped = 1;
		rc = sender_stop(s, st->cl->id, "do_not_contact", NULL, st->nowts);
		goto out;
	}
	if ((rc = sender_suppressed(db, p.email_key, p.phone, p.host, &hit)) !=
	    DB_OK)
		goto out;
	if (hit) {
		st->stopped = 1;
		rc = sender_stop(s, st->cl->id, "suppressed", NULL, st->nowts);
		goto out;
	}
	if (st->to == NULL || (st->sms && !sms_reachable(st->to))) {
		st->stopped = st->missing = 1;
		rc = sender_stop(s, st->cl->id, "missing_data", st->sms ?
		    "no mobile phone number (SMS go to French mobiles, +336 or "
		    "+337, only)" : "no e-mail address", st->nowts);
		goto out;
	}

	/* 3. The account, and every limit. */
	st->acct_id = st->sms ? acct_sms : acct_email;
	if (st->acct_id == 0) {
		st->stopped = 1;
		rc = sender_stop(s, st->cl->id, "failed", st->sms ?
		    "the campaign has no SMS account" :
		    "the campaign has no e-mail account", st->nowts);
		goto out;
	}
	if ((k = sender_conn_find(s, st->acct_id)) != NULL && k->broken) {
		rc = sender_postpone(st, st->now + SENDER_SESSION_RETRY * 1000LL,
		    "its account failed in this batch", NULL);
		goto out;
	}
	if ((rc = sender_account(st, &a)) != DB_OK) {
		if (rc == DB_NONE) {
			st->stopped = 1;
			rc = sender_stop(s, st->cl->id, "failed",
			    "the sending account is gone", st->nowts);
		}
		goto out;
	}
	if (strcmp(a.channel, st->sms ? "sms" : "email") != 0) {
		st->stopped = 1;
		rc = sender_stop(s, st->cl->id, "failed", "the campaign's sending "
		    "account is not of this step's channel", st->nowts);
		goto out;
	}
	if ((rc = sender_limits(st, &p, daily, &a, gap, &wait, &why)) != DB_OK)
		goto out;
	if (wait >= 0) {
		rc = sender_postpone(st, wait, why, NULL);
		goto out;
	}

	/* 4. The texts. */
	rc = db_one(db, SN_TEMPLATE, DB_ARGS(DB_TEXT(template_id)));
	if (rc == DB_OK) {
		if (strcmp(db_str(db, 0), st->sms ? "sms" : "email") != 0)
			rc = DB_NONE;
		tsub = sender_col(st, 1);
		tbody = sender_col(st, 2);
		thtml = sender_col(st, 3);
		db_done(db);
	}
	if (rc == DB_NONE) {
		st->stopped = 1;
		rc = sender_stop(s, st->cl->id, "failed", "the step has no "
		    "template of its channel", st->nowts);
		goto out;
	}
	if (rc != DB_OK)
		goto out;
	missing[0] = '\0';
	if ((tr = sender_render(tsub, &v, TMPL_HEADER, &subject, missing,
	    sizeof(missing))) == TMPL_RENDERED &&
	    (tr = sender_render(tbody, &v, TMPL_TEXT, &text, missing,
	    sizeof(missing))) == TMPL_RENDERED)
		tr = sender_render(thtml, &v, TMPL_HTML, &html, missing,
		    sizeof(missing));
	if (tr != TMPL_RENDERED) {
		st->stopped = 1;
		st->missing = tr == TMPL_MISSING;
		rc = sender_stop(s, st->cl->id, tr == TMPL_MISSING ?
		    "missing_data" : "failed", tr == TMPL_MISSING ?
		    arena_printf(s->arena, "no value for the merge tags: %s",
		    missing) : missing, st->nowts);
		goto out;
	}

	/* 5. The row, then the message with its link and notices. */
	rc = db_one(db, SN_FIRST, DB_ARGS(DB_INT(st->prospect_id),
	    DB_INT(retry_id)));
	first = rc == DB_NONE;
	db_done(db);
	if (rc != DB_OK && rc != DB_NONE)
		goto out;
	if ((rc = sender_message_row(st, retry_id, first)) != DB_OK)
		goto out;
	memset(&n, 0, sizeof(n));
	n.unsub_url = sender_unsub_url(st, st->msg_id);
	n.first = first;
	if ((rc = sender_source(st, &p, &n.source)) != DB_OK)
		goto out;
	n.email_from_website = !st->sms && sender_from_website(p.emails,
	    p.email_key);
	/* Who prospects them: the From name, else the user and the company. */
	n.controller = a.from_name != NULL && *a.from_name != '\0' ?
	    a.from_name : st->company != NULL ? arena_printf(st->s->arena,
	    "%s (%s)", sender_name, st->company) : sender_name;
	st->from_addr = a.from_email;
	rc = st->sms ? sender_build_sms(st, &n, text) :
	    sender_build_email(st, &a, &n, subject, text, html);
	if (rc != DB_OK || st->raw == NULL)
		goto out;

	/* 6. The lease covers the send. */
	sender_ts(st->lease, st->now + s->c->sender_lease * 1000LL);
	if ((rc = db_exec(db, SN_ENR_RENEW, DB_ARGS(DB_TEXT(st->lease),
	    DB_INT(st->cl->id)))) == DB_OK)
		st->rc = STEP_SEND;
out:
	free(subject);
	free(text);
	free(html);
	json_decref(custom);
	return rc;
}

/*
 * The first transaction of a step (move 1 of the file's opening): runs a
 * wait, a call step, or prepares a message, or postpones or stops the
 * enrollment. Starts from scratch when db_tx() runs it again.
 */
static int
sender_step_tx(struct db *db, void *arg)
{
	struct step	*st = arg;
	char		*status, *kind, *tpl, *script, *sender_name;
	struct plan_verdict plan;
	char		*tz, *days, *wstart, *wend;
	long long	 daily;
	long		 gap;
	uint64_t	 acct_email, acct_sms;
	int		 rc, may;

	free(st->raw);
	st->raw = NULL;
	st->rc = STEP_DONE;
	st->msg_id = 0;
	st->postponed = st->stopped = st->missing = 0;

	rc = db_one(db, SN_ENR_LOCK, DB_ARGS(DB_INT(st->cl->id),
	    DB_TEXT(st->cl->lease)));
	if (rc == DB_NONE) {
		st->rc = STEP_LOST;
		return DB_OK;
	}
	if (rc != DB_OK)
		return rc;
	status = sender_col(st, 0);
	st->position = (int)db_int(db, 1);
	st->campaign_id = (uint64_t)db_int(db, 2);
	st->prospect_id = (uint64_t)db_int(db, 3);
	st->attempts = (int)db_int(db, 4);
	db_done(db);
	if (strcmp(status, "active") != 0) {
		st->rc = STEP_LOST;	/* stopped by the user since the claim */
		return DB_OK;
	}

	if ((rc = sender_user_may_send(st->s, &may, &sender_name,
	    &st->company)) != DB_OK)
		return rc;
	if (!may)
		return sender_postpone(st, st->now + SENDER_HOLD * 1000LL,
		    "the user may not send", NULL);

	if ((rc = db_one(db, SN_CAMP_LOCK, DB_ARGS(DB_INT(st->campaign_id)))) !=
	    DB_OK)
		return rc == DB_NONE ? DB_OK : rc;
	status = sender_col(st, 0);
	acct_email = db_null(db, 1) ? 0 : (uint64_t)db_int(db, 1);
	acct_sms = db_null(db, 2) ? 0 : (uint64_t)db_int(db, 2);
	tz = sender_col(st, 3);
	days = sender_col(st, 4);
	wstart = sender_col(st, 5);
	wend = sender_col(st, 6);
	daily = db_int(db, 7);
	gap = (long)db_int(db, 8);
	db_done(db);
	st->win_ok = window_parse(&st->win, tz, days, wstart, wend) == 0;
	if (strcmp(status, "running") != 0)	/* paused since the claim */
		return sender_postpone(st, st->now, "the campaign is not running",
		    NULL);

	rc = db_one(db, SN_STEP, DB_ARGS(DB_INT(st->campaign_id),
	    DB_INT(st->position)));
	if (rc == DB_NONE)	/* steps removed past it: done */
		return db_exec(db, SN_ENR_COMPLETE, DB_ARGS(DB_INT(st->position),
		    DB_TEXT(st->nowts), DB_TEXT(st->nowts), DB_INT(st->cl->id)));
	if (rc != DB_OK)
		return rc;
	kind = sender_col(st, 0);
	tpl = sender_col(st, 1);
	script = sender_col(st, 2);
	db_done(db);
	if (strcmp(kind, "wait") == 0)
		return sender_advance(st, st->position);
	if (strcmp(kind, "call") == 0)
		return sender_call(st, script);
	if (!st->win_ok) {
		log_warn("campaign %" PRIu64 ": its time zone or window is "
		    "invalid (\"%s\"): nothing is sent", st->campaign_id, tz);
		return sender_postpone(st, st->now + SENDER_HOLD * 1000LL,
		    "invalid window", "the campaign's time zone or sending "
		    "window is invalid");
	}
	st->sms = strcmp(kind, "sms") == 0;
	/*
	 * The plan (plan.h): an account not paid up sends nothing, and
	 * e-mails stop at the month's allowance; the step is held, never
	 * failed, and goes when the subscription is paid or the month
	 * turns (SMS have no monthly allowance).
	 */
	if ((rc = plan_may_send(db, st->cl->user_id, &plan)) != DB_OK)
		return rc;
	if (plan.status == 402)
		return sender_postpone(st, st->now + SENDER_HOLD * 1000LL,
		    "the plan is not paid up", plan.detail);
	if (plan.status == 403 && !st->sms)
		return sender_postpone(st, sender_next_month(st->now),
		    "the month's e-mails are all sent", "the plan's e-mails of "
		    "this month are all sent: sending resumes next month");
	if (tpl == NULL) {
		st->stopped = 1;
		return sender_stop(st->s, st->cl->id, "failed",
		    "the step has no template", st->nowts);
	}
	return sender_message(st, tpl, daily, gap, acct_email, acct_sms,
	    sender_name);
}

/* -- sending and its outcome ------------------------------------------- */

/*
 * Opens the account's client for this batch from the step's copy of its
 * row: the SMTP connection (mail.h) or the SMS client (sms.h), with its
 * secret. 0, or -1 with the reason in err (the account is then broken for
 * the batch).
 */
static int
sender_conn_open(struct sender *s, struct sender_conn *k,
    const struct step *st, char *err, size_t errlen)
{
	const struct conf	*c = s->c;
	int			 tls;

	if (k->mc != NULL || k->sc != NULL)
		return 0;
	k->sms = st->sms;
	k->secret = sender_secret(st->sms ? "sms_api_key" : "smtp_password",
	    st->cl->user_id, k->id, (const char *)st->a_ct, st->a_ctlen);
	if (k->secret == NULL) {
		snprintf(err, errlen, "the account's %s cannot be read: enter it "
		    "again", st->sms ? "API key" : "SMTP password");
		return -1;
	}
	if (!st->sms) {
		if (st->a_host == NULL || st->a_sec == NULL) {
			snprintf(err, errlen, "the account has no SMTP server");
			return -1;
		}
		tls = strcmp(st->a_sec, "tls") == 0;
		snprintf(k->url, sizeof(k->url), "%s://%s:%ld", tls ? "smtps" :
		    "smtp", st->a_host, st->a_port);
		if ((k->user = strdup(st->a_user != NULL ? st->a_user : "")) == NULL)
			abort();
		k->ms.url = k->url;
		k->ms.security = tls ? SMTP_TLS : SMTP_STARTTLS;
		k->ms.user = k->user;
		k->ms.password = k->secret;
		k->ms.cafile = c->outreach_cafile;
		k->ms.timeout = c->outreach_timeout;
		k->ms.public_only = !c->outreach_allow_private;
		k->mc = mail_conn_new(&k->ms);
		return 0;
	}
	if (st->a_provider == NULL || st->a_sender == NULL) {
		snprintf(err, errlen, "the account has no SMS provider or sender");
		return -1;
	}
	if ((k->sid = strdup(st->a_sid != NULL ? st->a_sid : "")) == NULL ||
	    (k->sender = strdup(st->a_sender)) == NULL)
		abort();
	k->sa.provider = strcmp(st->a_provider, "brevo") == 0 ? SMS_BREVO :
	    SMS_TWILIO;
	k->sa.base_url = k->sa.provider == SMS_BREVO ? c->sms_brevo_url :
	    c->sms_twilio_url;
	k->sa.account_sid = k->sid;
	k->sa.secret = k->secret;
	k->sa.sender = k->sender;
	k->sa.cafile = c->outreach_cafile;
	k->sa.timeout = c->outreach_timeout;
	k->sc = sms_conn_new(&k->sa);
	return 0;
}

/* What became of a send. */
enum outcome {
	OUT_SENT,
	OUT_TEMP,	/* try again later (counted) */
	OUT_SESSION,	/* the account failed: later, not counted */
	OUT_BOUNCE,	/* 5.1.x: the address does not exist */
	OUT_PERM,	/* refused for good */
	OUT_OPTOUT,	/* the number opted out at the provider (STOP) */
	OUT_UNCERTAIN,	/* the data went, no answer came: maybe delivered */
	OUT__MAX
};

static const char *const outcome_names[OUT__MAX] = {
	[OUT_SENT] = "sent",
	[OUT_TEMP] = "deferred",
	[OUT_SESSION] = "account failed",
	[OUT_BOUNCE] = "bounced",
	[OUT_PERM] = "failed",
	[OUT_OPTOUT] = "opted out",
	[OUT_UNCERTAIN] = "uncertain",
};

struct finish {
	struct step	*st;
	enum outcome	 out;
	long long	 now;
	char		 nowts[SENDER_TS];
	long		 retry_after;	/* OUT_SESSION: seconds */
	char		 provider_id[129];
	char		 error[768];	/* for the user: the server's own words */
	char		 brief[64];	/* for the log: codes only, never an
					   address the server may quote */
};

/*
 * After an opt-out of prospect (its address or number is on the list
 * already): every active enrollment stopped "unsubscribed", open calls
 * canceled, the prospect marked do_not_contact (docs/sequencing.md).
 */
static int
sender_opted_out(struct db *db, uint64_t prospect, const char *now)
{
	int	 rc;

	rc = db_exec(db, SN_STOP_PROSPECT, DB_ARGS(DB_TEXT("unsubscribed"),
	    DB_TEXT(now), DB_TEXT(now), DB_INT(prospect)));
	if (rc == DB_OK || rc == DB_NONE)
		rc = db_exec(db, SN_TASKS_CANCEL, DB_ARGS(DB_INT(prospect)));
	if (rc == DB_OK || rc == DB_NONE)
		rc = db_exec(db, SN_PROSPECT_OPTED_OUT, DB_ARGS(DB_TEXT(now),
		    DB_INT(prospect)));
	return rc == DB_NONE ? DB_OK : rc;
}

/*
 * Puts value of kind on the user's suppression list for reason; an entry
 * already there is what was wanted (UNIQUE (user_id, value_hash)).
 */
static int
sender_suppress(struct sender *s, uint64_t user, enum supp_kind kind,
    const char *value, const char *reason, const char *nowts)
{
	unsigned char	 h[SUPP_HASH_LEN];
	char		 hint[SUPP_HINT_MAX + 1], key[EMAIL_MAX + 1];
	int		 rc;

	if (kind == SUPP_EMAIL) {
		if (!email_valid(value))
			return DB_OK;
		email_key(key, value);
		value = key;
	}
	supp_hash(h, kind, value);
	supp_hint(hint, kind, value);
	rc = db_exec(s->db, SN_SUPPRESS, DB_ARGS(DB_INT(user),
	    DB_TEXT(supp_kind_names[kind]), DB_BLOB(h, SUPP_HASH_LEN),
	    DB_TEXT(hint), DB_TEXT(reason), DB_TEXT(nowts)));
	return rc == DB_CONFLICT ? DB_OK : rc;
}

/* 2^attempts minutes, at most SENDER_BACKOFF_MAX seconds; in ms. */
static long long
sender_backoff(int attempts)
{
	long long	 s = 60LL << (attempts < 20 ? attempts : 20);

	return (s < SENDER_BACKOFF_MAX ? s : SENDER_BACKOFF_MAX) * 1000LL;
}

/* Move 3: the outcome into the message, the enrollment, the prospect. */
static int
sender_finish_tx(struct db *db, void *arg)
{
	struct finish	*f = arg;
	struct step	*st = f->st;
	struct sender	*s = st->s;
	char		 due[SENDER_TS];
	int		 rc, own;

	rc = db_one(db, SN_ENR_LOCK, DB_ARGS(DB_INT(st->cl->id),
	    DB_TEXT(st->lease)));
	db_done(db);
	if (rc != DB_OK && rc != DB_NONE)
		return rc;
	own = rc == DB_OK;
	/* The step's rules (advance) count from the moment it ran. */
	st->now = f->now;
	memcpy(st->nowts, f->nowts, sizeof(st->nowts));
	switch (f->out) {
	case OUT_SENT:
		rc = db_exec(db, SN_MSG_SENT, DB_ARGS(DB_TEXT(f->nowts),
		    DB_TEXT(f->provider_id[0] != '\0' ? f->provider_id : NULL),
		    DB_INT(st->msg_id)));
		if (rc != DB_OK && rc != DB_NONE)
			return rc;
		analytics_emit(db, st->cl->user_id, st->sms ? AN_SMS_SENT :
		    AN_EMAIL_SENT);
		if (own && (rc = sender_advance(st, st->position)) != DB_OK)
			return rc;
		if ((rc = db_exec(db, SN_PROSPECT_CONTACTED, DB_ARGS(
		    DB_TEXT(f->nowts), DB_TEXT(f->nowts),
		    DB_INT(st->prospect_id)))) != DB_OK && rc != DB_NONE)
			return rc;
		rc = db_exec(db, SN_ACCT_FIRST_SENT, DB_ARGS(DB_TEXT(f->nowts),
		    DB_INT(st->acct_id)));
		return rc == DB_NONE ? DB_OK : rc;
	case OUT_BOUNCE:
		rc = db_exec(db, SN_MSG_FAILED, DB_ARGS(DB_TEXT("bounced"),
		    DB_TEXT(f->error), DB_TEXT(f->nowts), DB_INT(st->msg_id)));
		if (rc != DB_OK || (rc = sender_suppress(s, st->cl->user_id,
		    SUPP_EMAIL, st->to, "bounce", f->nowts)) != DB_OK)
			return rc;
		return sender_stop(s, st->cl->id, "bounced", f->error, f->nowts);
	case OUT_UNCERTAIN:
		/* Maybe delivered: never sent again blindly (docs/sequencing.md). */
		rc = db_exec(db, SN_MSG_FAILED, DB_ARGS(DB_TEXT("uncertain"),
		    DB_TEXT(f->error), DB_NULL, DB_INT(st->msg_id)));
		if (rc != DB_OK && rc != DB_NONE)
			return rc;
		return sender_stop(s, st->cl->id, "uncertain", f->error, f->nowts);
	case OUT_OPTOUT:
		rc = db_exec(db, SN_MSG_FAILED, DB_ARGS(DB_TEXT("failed"),
		    DB_TEXT(f->error), DB_NULL, DB_INT(st->msg_id)));
		if (rc != DB_OK || (rc = sender_suppress(s, st->cl->user_id,
		    SUPP_PHONE, st->to, "unsubscribe", f->nowts)) != DB_OK)
			return rc;
		return sender_opted_out(db, st->prospect_id, f->nowts);
	default:
		break;
	}
	if ((rc = db_exec(db, SN_MSG_FAILED, DB_ARGS(DB_TEXT("failed"),
	    DB_TEXT(f->error), DB_NULL, DB_INT(st->msg_id)))) != DB_OK)
		return rc;
	if (f->out == OUT_PERM)
		return sender_stop(s, st->cl->id, "failed", f->error, f->nowts);
	if (!own)
		return DB_OK;
	if (f->out == OUT_SESSION)
		return sender_postpone(st, f->now + f->retry_after * 1000LL,
		    "its account failed", f->error);
	/* OUT_TEMP: the claim counted this attempt. */
	if (st->attempts >= SENDER_TRIES)
		return sender_stop(s, st->cl->id, "failed", f->error, f->nowts);
	return db_exec(db, SN_ENR_RETRY, DB_ARGS(DB_TEXT(sender_ts(due,
	    f->now + sender_backoff(st->attempts))), DB_TEXT(f->error),
	    DB_TEXT(f->nowts), DB_INT(st->cl->id)));
}

/* Move 2: one message through its account's connection, into f. */
static void
sender_send(struct step *st, struct sender_conn *k, struct finish *f)
{
	struct mail_reply	 r;
	struct sms_result	 res;
	struct sms_msg		 m;
	enum mail_rc		 mrc;

	f->retry_after = SENDER_SESSION_RETRY;
	if (!st->sms) {
		mrc = mail_deliver(k->mc, st->from_addr, st->to, st->raw, &r);
		snprintf(f->error, sizeof(f->error), "%s", r.err);
		snprintf(f->brief, sizeof(f->brief), "SMTP %ld%s%s%s", r.code,
		    r.status[0] != '\0' ? " " : "", r.status,
		    r.session ? ", the session failed" : "");
		if (mrc == MAIL_SENT) {
			f->out = OUT_SENT;
			snprintf(f->provider_id, sizeof(f->provider_id), "%s",
			    r.queue_id);
		} else if (r.unsure)
			f->out = OUT_UNCERTAIN;
		else if (mrc == MAIL_TEMPFAIL)
			f->out = r.session ? OUT_SESSION : OUT_TEMP;
		else
			f->out = strncmp(r.status, "5.1.", 4) == 0 ? OUT_BOUNCE :
			    OUT_PERM;
		return;
	}
	memset(&m, 0, sizeof(m));
	m.to = st->to;
	m.body = st->raw;
	/* Brevo: marketing (its STOP code and French quiet hours apply). */
	m.marketing = k->sa.provider == SMS_BREVO;
	m.unicode = st->unicode;
	sms_send(k->sc, &m, &res);
	snprintf(f->error, sizeof(f->error), "%s: %s%s%s", sms_rc_names[res.rc],
	    res.code, res.code[0] != '\0' ? " " : "", res.message);
	snprintf(f->brief, sizeof(f->brief), "SMS %s, HTTP %ld%s%.24s",
	    sms_rc_names[res.rc], res.status, res.code[0] != '\0' ? ", code " : "",
	    res.code);
	switch (res.rc) {
	case SMS_SENT:
		f->out = OUT_SENT;
		snprintf(f->provider_id, sizeof(f->provider_id), "%s", res.id);
		break;
	case SMS_BAD_NUMBER:
		/* Twilio 21610: the number answered STOP (Advanced Opt-Out). */
		f->out = strcmp(res.code, "21610") == 0 ? OUT_OPTOUT : OUT_PERM;
		break;
	case SMS_AUTH:
		f->out = OUT_SESSION;
		break;
	case SMS_RATE_LIMITED:
		f->out = OUT_SESSION;
		if (res.retry_after > 0)
			f->retry_after = res.retry_after;
		break;
	case SMS_DOWN:
		f->out = OUT_TEMP;
		break;
	default:
		f->out = OUT_PERM;
		break;
	}
}

/* Runs one claimed enrollment as its user: moves 1, 2 and 3. */
static void
sender_run(struct sender *s, const struct claim *cl)
{
	struct step		 st;
	struct finish		 f;
	struct sender_conn	*k;
	int			 rc;

	arena_reset(s->arena);
	memset(&st, 0, sizeof(st));
	st.s = s;
	st.cl = cl;
	st.now = sender_now();
	sender_ts(st.nowts, st.now);
	if (db_user_set(s->db, cl->user_id) != DB_OK) {
		log_warn("enrollment %" PRIu64 ": cannot act as its user: left "
		    "to its lease", cl->id);
		return;
	}
	if ((rc = db_tx(s->db, sender_step_tx, &st)) != DB_OK) {
		log_warn("enrollment %" PRIu64 ": step not run (database %s): "
		    "left to its lease", cl->id, rc == DB_DOWN ? "unreachable" :
		    rc == DB_CONFLICT ? "conflict" : "error");
		goto out;
	}
	s->postponed += st.postponed;
	s->stopped += st.stopped;
	s->missing += st.missing;
	if (st.rc != STEP_SEND)
		goto out;

	memset(&f, 0, sizeof(f));
	f.st = &st;
	if ((k = sender_conn_get(s, st.acct_id)) == NULL) {
		f.out = OUT_SESSION;
		f.retry_after = 1;
		snprintf(f.error, sizeof(f.error), "too many accounts in a batch");
		snprintf(f.brief, sizeof(f.brief), "no slot for its account");
	} else if (sender_conn_open(s, k, &st, f.error, sizeof(f.error)) == -1) {
		f.out = OUT_SESSION;
		f.retry_after = SENDER_SESSION_RETRY;
		snprintf(f.brief, sizeof(f.brief), "the account cannot be used");
		k->broken = 1;
	} else
		sender_send(&st, k, &f);
	if (k != NULL && f.out == OUT_SESSION)
		k->broken = 1;
	f.now = sender_now();
	sender_ts(f.nowts, f.now);
	log_info("message %" PRIu64 ": %s (enrollment %" PRIu64 ", campaign %"
	    PRIu64 ", user %" PRIu64 ", step %d, %s via account %" PRIu64
	    "%s%s)%s%s", st.msg_id, outcome_names[f.out], cl->id, st.campaign_id,
	    cl->user_id, st.position, st.sms ? "sms" : "email", st.acct_id,
	    f.provider_id[0] != '\0' ? ", id " : "", f.provider_id,
	    f.out != OUT_SENT ? ": " : "", f.out != OUT_SENT ? f.brief : "");
	if (f.out == OUT_SENT)
		s->sent++;
	else
		s->failed++;
	/* The outcome must be recorded: retried while the database answers. */
	while ((rc = db_tx(s->db, sender_finish_tx, &f)) != DB_OK &&
	    !worker_stopping()) {
		log_warn("message %" PRIu64 ": outcome not recorded yet (database "
		    "%s)", st.msg_id, rc == DB_DOWN ? "unreachable" : "error");
		if (rc != DB_DOWN)
			break;
		worker_sleep(1000);
	}
out:
	free(st.raw);
	db_user_clear(s->db);
}

/* -- the queue ----------------------------------------------------------- */

struct claims {
	const struct conf	*c;
	struct claim		*v;
	size_t			 n;
};

/* In one transaction: up to sender_batch due enrollments, leased to us. */
static int
sender_claim_tx(struct db *db, void *arg)
{
	struct claims	*b = arg;
	char		 now[SENDER_TS], lease[SENDER_TS];
	long long	 t = sender_now();
	size_t		 i;
	int		 rc;

	b->n = 0;
	sender_ts(now, t);
	sender_ts(lease, t + b->c->sender_lease * 1000LL);
	if ((rc = db_query(db, SN_CLAIM, DB_ARGS(DB_TEXT(now), DB_TEXT(now),
	    DB_INT(b->c->sender_batch)))) != DB_OK)
		return rc;
	while (b->n < (size_t)b->c->sender_batch && (rc = db_next(db)) == DB_OK) {
		b->v[b->n].id = (uint64_t)db_int(db, 0);
		b->v[b->n].user_id = (uint64_t)db_int(db, 1);
		memcpy(b->v[b->n].lease, lease, sizeof(lease));
		b->n++;
	}
	db_done(db);
	if (rc == DB_ERR || rc == DB_DOWN)
		return rc;
	for (i = 0; i < b->n; i++)
		if ((rc = db_exec(db, SN_LEASE, DB_ARGS(DB_TEXT(lease),
		    DB_INT(b->v[i].id)))) != DB_OK)
			return rc;
	return DB_OK;
}

/* -- interrupted sends ------------------------------------------------- */

struct sweep {
	struct sender	*s;
	uint64_t	 msg, enrollment;
	int		 marked;
};

/*
 * One 'sending' message whose enrollment's lease ran out: 'uncertain',
 * and its enrollment stopped so, under the enrollment's lock (taken
 * first, as in a step) so a step in flight is never judged.
 */
static int
sender_sweep_tx(struct db *db, void *arg)
{
	struct sweep	*w = arg;
	char		 now[SENDER_TS];
	const char	*err = "the sender stopped while sending this message: "
			    "it may or may not have left; enrol the prospect "
			    "again to send it anyway";
	int		 rc, active;

	w->marked = 0;
	sender_ts(now, sender_now());
	rc = db_one(db, SN_ENR_EXPIRED, DB_ARGS(DB_INT(w->enrollment),
	    DB_TEXT(now)));
	if (rc != DB_OK)
		return rc == DB_NONE ? DB_OK : rc;
	active = strcmp(db_str(db, 0), "active") == 0;
	db_done(db);
	rc = db_exec(db, SN_MSG_UNCERTAIN, DB_ARGS(DB_TEXT(err), DB_INT(w->msg)));
	if (rc != DB_OK)
		return rc == DB_NONE ? DB_OK : rc;
	w->marked = 1;
	return active ? sender_stop(w->s, w->enrollment, "uncertain", err, now) :
	    DB_OK;
}

/* Every interrupted send of every user (at start, then each minute). */
static void
sender_sweep(struct sender *s)
{
	struct {
		uint64_t msg, user, enrollment;
	}		*v = NULL;
	struct sweep	 w;
	char		 now[SENDER_TS];
	size_t		 n = 0, i;
	long		 marked = 0;
	int		 rc;

	sender_ts(now, sender_now());
	if ((rc = db_query(s->db, SN_SWEEP, DB_ARGS(DB_TEXT(now)))) != DB_OK)
		return;
	while (db_next(s->db) == DB_OK) {
		if ((v = reallocarray(v, n + 1, sizeof(*v))) == NULL)
			abort();
		v[n].msg = (uint64_t)db_int(s->db, 0);
		v[n].user = (uint64_t)db_int(s->db, 1);
		v[n].enrollment = (uint64_t)db_int(s->db, 2);
		n++;
	}
	db_done(s->db);
	for (i = 0; i < n; i++) {
		if (db_user_set(s->db, v[i].user) != DB_OK)
			break;
		memset(&w, 0, sizeof(w));
		w.s = s;
		w.msg = v[i].msg;
		w.enrollment = v[i].enrollment;
		if (db_tx(s->db, sender_sweep_tx, &w) == DB_OK && w.marked) {
			marked++;
			log_warn("message %" PRIu64 ": uncertain (interrupted "
			    "send), enrollment %" PRIu64 " stopped", w.msg,
			    w.enrollment);
		}
		db_user_clear(s->db);
	}
	free(v);
	if (marked > 0)
		log_info("sweep: %ld interrupted send(s) marked uncertain", marked);
}

/* -- replies and bounces (IMAP) ---------------------------------------- */

/* A message of ours that an incoming one answers or reports on. */
struct found {
	uint64_t	 id, enrollment, campaign, prospect;
	char		 status[16];
	char		 to[EMAIL_MAX + 1];
	int		 email;
};

/* The current row of SENDER_MSG_COLS_SQL into fd. */
static void
sender_found(struct db *db, struct found *fd)
{
	fd->id = (uint64_t)db_int(db, 0);
	fd->enrollment = (uint64_t)db_int(db, 1);
	fd->campaign = (uint64_t)db_int(db, 2);
	fd->prospect = (uint64_t)db_int(db, 3);
	snprintf(fd->status, sizeof(fd->status), "%s", db_str(db, 5));
	snprintf(fd->to, sizeof(fd->to), "%s", db_str(db, 6));
	fd->email = strcmp(db_str(db, 7), "email") == 0;
	db_done(db);
}

/* One incoming message being handled, as the account's user. */
struct incoming {
	struct sender		*s;
	uint64_t		 user, acct;
	const struct inbound	*in;
	int			 unsubscribe;	/* Subject: unsubscribe (RFC 2369) */
	const char		*done;		/* what was done, for the log */
	uint64_t		 msg;
};

/*
 * A reply (docs/sequencing.md "Stops from outside"): the message it
 * answers gets replied_at; its enrollment stops 'replied' when the
 * campaign says stop_on_reply; with stop_company_on_reply the same
 * campaign's enrollments of prospects sharing the website host or the
 * address's domain (neither a shared platform nor a mailbox provider:
 * pnorm_shared_host()) stop 'company_replied'; the prospect is 'replied'
 * and last_prospect_contact_at (the retention clock) moves.
 */
static int
sender_reply(struct db *db, struct incoming *ic, const struct found *fd,
    const char *now)
{
	uint64_t	*ids = NULL;
	char		 host[254], dom[254];
	const char	*at;
	size_t		 n = 0, i;
	int		 rc, stop, company;

	if ((rc = db_exec(db, SN_MSG_REPLIED, DB_ARGS(DB_TEXT(now),
	    DB_INT(fd->id)))) != DB_OK && rc != DB_NONE)
		return rc;
	if ((rc = db_one(db, SN_CAMP_FLAGS, DB_ARGS(DB_INT(fd->campaign)))) !=
	    DB_OK)
		return rc == DB_NONE ? DB_OK : rc;
	stop = db_int(db, 0) != 0;
	company = db_int(db, 1) != 0;
	db_done(db);
	if (stop && (rc = sender_stop(ic->s, fd->enrollment, "replied", NULL,
	    now)) != DB_OK)
		return rc;
	if ((rc = db_one(db, SN_PROSPECT, DB_ARGS(DB_INT(fd->prospect)))) != DB_OK)
		return rc == DB_NONE ? DB_OK : rc;
	host[0] = dom[0] = '\0';
	if (!db_null(db, 11) && !pnorm_shared_host(db_str(db, 11)))
		snprintf(host, sizeof(host), "%s", db_str(db, 11));
	if (!db_null(db, 9) && (at = strrchr(db_str(db, 9), '@')) != NULL &&
	    !pnorm_shared_host(at + 1))
		snprintf(dom, sizeof(dom), "%s", at + 1);
	db_done(db);
	if (company && (host[0] != '\0' || dom[0] != '\0')) {
		rc = db_query(db, SN_COMPANY, DB_ARGS(DB_INT(fd->campaign),
		    DB_INT(fd->prospect), DB_TEXT(host[0] ? host : NULL),
		    DB_TEXT(host[0] ? host : NULL), DB_TEXT(dom[0] ? dom : NULL),
		    DB_TEXT(dom[0] ? dom : NULL)));
		if (rc != DB_OK)
			return rc;
		while (db_next(db) == DB_OK) {
			if ((ids = reallocarray(ids, n + 1, sizeof(*ids))) == NULL)
				abort();
			ids[n++] = (uint64_t)db_int(db, 0);
		}
		db_done(db);
		for (i = 0, rc = DB_OK; i < n && rc == DB_OK; i++)
			rc = sender_stop(ic->s, ids[i], "company_replied", NULL, now);
		free(ids);
		if (rc != DB_OK)
			return rc;
	}
	rc = db_exec(db, SN_PROSPECT_REPLIED, DB_ARGS(DB_TEXT(now), DB_TEXT(now),
	    DB_INT(fd->prospect)));
	ic->done = "reply";
	return rc == DB_NONE ? DB_OK : rc;
}

/*
 * A delivery status notification for one of our messages (by the
 * Message-ID it returns, else its failed recipient among this account's
 * messages): a permanent failure is a bounce as at SMTP time; a 5.1.x
 * status (no such mailbox or domain) also puts the address on the
 * suppression list ('bounce'). A delay (class 4) changes nothing.
 */
static int
sender_dsn(struct db *db, struct incoming *ic, const struct found *fd,
    const char *now)
{
	const struct inbound	*in = ic->in;
	char			 err[300];
	int			 rc;

	if (in->status_class != 5 || !fd->email ||
	    strcmp(fd->status, "bounced") == 0)
		return DB_OK;
	snprintf(err, sizeof(err), "bounce%s%s%s%s", in->status[0] ? " " : "",
	    in->status, in->diagnostic[0] ? ": " : "", in->diagnostic);
	if (!in->recipient_error) {
		if ((rc = db_exec(db, SN_MSG_FAILED, DB_ARGS(DB_TEXT("failed"),
		    DB_TEXT(err), DB_NULL, DB_INT(fd->id)))) != DB_OK)
			return rc;
		ic->done = "delivery failure";
		return sender_stop(ic->s, fd->enrollment, "failed", err, now);
	}
	if ((rc = db_exec(db, SN_MSG_FAILED, DB_ARGS(DB_TEXT("bounced"),
	    DB_TEXT(err), DB_TEXT(now), DB_INT(fd->id)))) != DB_OK ||
	    (rc = sender_suppress(ic->s, ic->user, SUPP_EMAIL, fd->to, "bounce",
	    now)) != DB_OK)
		return rc;
	ic->done = "bounce";
	return sender_stop(ic->s, fd->enrollment, "bounced", err, now);
}

/*
 * What an incoming message means, in one transaction: an unsubscribe
 * request by mail (the List-Unsubscribe mailto: of our messages, RFC
 * 2369 section 3.2: Subject "unsubscribe" from an address we wrote to),
 * a reply, a bounce; auto-replies and the rest change nothing.
 */
static int
sender_incoming_tx(struct db *db, void *arg)
{
	struct incoming		*ic = arg;
	const struct inbound	*in = ic->in;
	struct found		 fd;
	char			 now[SENDER_TS];
	size_t			 i;
	int			 rc;

	ic->done = NULL;
	ic->msg = 0;
	sender_ts(now, sender_now());
	memset(&fd, 0, sizeof(fd));
	if (ic->unsubscribe && in->kind != INBOUND_DSN && in->from[0] != '\0') {
		rc = db_one(db, SN_MSG_BY_RCPT, DB_ARGS(DB_INT(ic->acct),
		    DB_TEXT(in->from)));
		if (rc != DB_OK)
			return rc == DB_NONE ? DB_OK : rc;
		sender_found(db, &fd);
		ic->msg = fd.id;
		if ((rc = sender_suppress(ic->s, ic->user, SUPP_EMAIL, in->from,
		    "unsubscribe", now)) != DB_OK)
			return rc;
		ic->done = "unsubscribe";
		return sender_opted_out(db, fd.prospect, now);
	}
	switch (in->kind) {
	case INBOUND_REPLY:
		for (i = 0; i < in->nrefs; i++) {
			rc = db_one(db, SN_MSG_BY_ID, DB_ARGS(DB_TEXT(in->refs[i])));
			if (rc == DB_OK)
				break;
			if (rc != DB_NONE)
				return rc;
		}
		if (i == in->nrefs)
			return DB_OK;
		sender_found(db, &fd);
		ic->msg = fd.id;
		return sender_reply(db, ic, &fd, now);
	case INBOUND_DSN:
		if (in->orig_message_id[0] != '\0')
			rc = db_one(db, SN_MSG_BY_ID,
			    DB_ARGS(DB_TEXT(in->orig_message_id)));
		else if (in->recipient[0] != '\0')
			rc = db_one(db, SN_MSG_BY_RCPT, DB_ARGS(DB_INT(ic->acct),
			    DB_TEXT(in->recipient)));
		else
			rc = DB_NONE;
		if (rc != DB_OK)
			return rc == DB_NONE ? DB_OK : rc;
		sender_found(db, &fd);
		ic->msg = fd.id;
		return sender_dsn(db, ic, &fd, now);
	default:
		return DB_OK;
	}
}

/* 1 if a subject asks to unsubscribe: "unsubscribe", blanks and case aside. */
static int
sender_unsubscribe_subject(const char *subject)
{
	size_t	 n;

	subject += strspn(subject, " \t");
	n = strlen(subject);
	while (n > 0 && strchr(" \t", subject[n - 1]) != NULL)
		n--;
	return n == 11 && strncasecmp(subject, "unsubscribe", 11) == 0;
}

/* Classifies and handles one fetched message of account acct. */
static void
sender_incoming(struct sender *s, uint64_t user, uint64_t acct,
    const struct imapc_msg *m)
{
	struct inbound	 in;
	struct incoming	 ic;
	int		 rc;

	if (inbound_classify(&in, m->raw, m->len) == -1)
		return;
	memset(&ic, 0, sizeof(ic));
	ic.s = s;
	ic.user = user;
	ic.acct = acct;
	ic.in = &in;
	ic.unsubscribe = sender_unsubscribe_subject(in.subject);
	if (in.kind == INBOUND_AUTO_REPLY) {
		log_debug("account %" PRIu64 ": uid %u: automatic reply (%s): "
		    "nothing to do", acct, (unsigned)m->uid, in.reason);
		return;
	}
	if ((rc = db_tx(s->db, sender_incoming_tx, &ic)) != DB_OK)
		log_warn("account %" PRIu64 ": uid %u: not recorded (database %s)",
		    acct, (unsigned)m->uid, rc == DB_DOWN ? "unreachable" : "error");
	else if (ic.done != NULL)
		log_info("account %" PRIu64 ": uid %u: %s to message %" PRIu64,
		    acct, (unsigned)m->uid, ic.done, ic.msg);
	else
		log_debug("account %" PRIu64 ": uid %u: %s (%s), not ours",
		    acct, (unsigned)m->uid, inbound_kind_name(in.kind), in.reason);
}

/* The claim of one mailbox due for a poll, across users. */
struct pollclaim {
	const struct conf	*c;
	uint64_t		 id, user;
};

static int
sender_poll_claim_tx(struct db *db, void *arg)
{
	struct pollclaim	*pc = arg;
	char			 now[SENDER_TS], before[SENDER_TS];
	char			 failed[SENDER_TS];
	long long		 t = sender_now();
	int			 rc;

	pc->id = 0;
	sender_ts(now, t);
	sender_ts(before, t - pc->c->imap_poll_seconds * 1000LL);
	sender_ts(failed, t - pc->c->imap_poll_seconds * 10000LL);
	if ((rc = db_one(db, SN_IMAP_DUE, DB_ARGS(DB_TEXT(before),
	    DB_TEXT(failed)))) != DB_OK)
		return rc == DB_NONE ? DB_OK : rc;
	pc->id = (uint64_t)db_int(db, 0);
	pc->user = (uint64_t)db_int(db, 1);
	db_done(db);
	return db_exec(db, SN_IMAP_MARK, DB_ARGS(DB_TEXT(now), DB_INT(pc->id)));
}

/*
 * Polls the account's mailbox (claimed: imap_polled_at is ours) and
 * handles what is new, then records how far it read. The first poll of
 * an account only takes the mailbox's place (imapc_peek()): mail that
 * was there before is never read. A poll that fails says why in
 * imap_error, for the user, and is tried again at the next round.
 */
static void
sender_poll(struct sender *s, uint64_t acct, uint64_t user)
{
	const struct conf	*c = s->c;
	struct imapc_server	 srv;
	struct imapc_poll	 poll;
	char			 url[300], err[600], *pw = NULL, *host = NULL;
	char			*username = NULL;
	unsigned char		*ct = NULL;
	size_t			 ctlen = 0, i;
	uint32_t		 validity, last;
	long			 port;
	int			 rc, tls, known, rounds;
	enum chan_rc		 r = CHAN_OK;

	memset(&poll, 0, sizeof(poll));
	if (db_user_set(s->db, user) != DB_OK)
		return;
	if ((rc = db_one(s->db, SN_IMAP_ACCT, DB_ARGS(DB_INT(acct)))) != DB_OK)
		goto out;
	if (db_null(s->db, 0) || db_null(s->db, 2) || db_null(s->db, 4)) {
		db_done(s->db);
		goto out;
	}
	if ((host = strdup(db_str(s->db, 0))) == NULL ||
	    (username = strdup(db_null(s->db, 3) ? "" : db_str(s->db, 3))) == NULL)
		abort();
	port = (long)db_int(s->db, 1);
	tls = strcmp(db_str(s->db, 2), "tls") == 0;
	ctlen = db_len(s->db, 4);
	if ((ct = malloc(ctlen)) == NULL)
		abort();
	memcpy(ct, db_str(s->db, 4), ctlen);
	known = !db_null(s->db, 5);
	validity = (uint32_t)db_int(s->db, 5);
	last = (uint32_t)db_int(s->db, 6);
	db_done(s->db);
	pw = sender_secret("imap_password", user, acct, (const char *)ct, ctlen);
	free(ct);
	if (pw == NULL) {
		db_exec(s->db, SN_IMAP_SAVE, DB_ARGS(known ? DB_INT(validity) :
		    DB_NULL, known ? DB_INT(last) : DB_NULL,
		    DB_TEXT("the IMAP password cannot be read: enter it again"),
		    DB_INT(acct)));
		goto out;
	}
	snprintf(url, sizeof(url), "%s://%s:%ld", tls ? "imaps" : "imap", host,
	    port);
	memset(&srv, 0, sizeof(srv));
	srv.url = url;
	srv.security = tls ? SMTP_TLS : SMTP_STARTTLS;
	srv.user = username;
	srv.password = pw;
	srv.cafile = c->outreach_cafile;
	srv.timeout = c->outreach_timeout;
	srv.public_only = !c->outreach_allow_private;
	if (!known) {
		if ((r = imapc_peek(&srv, &poll, err, sizeof(err))) == CHAN_OK) {
			validity = poll.uidvalidity;
			last = poll.uidnext > 0 ? poll.uidnext - 1 : 0;
			known = 1;
			log_info("account %" PRIu64 ": mailbox connected, reading "
			    "from uid %u on", acct, (unsigned)last + 1);
		}
		goto save;
	}
	for (rounds = 0; rounds < 4 && !worker_stopping(); rounds++) {
		imapc_poll_free(&poll);
		r = imapc_poll_new(&srv, validity, last, SENDER_POLL_MSGS,
		    SENDER_POLL_BYTES, &poll, err, sizeof(err));
		if (poll.uidvalidity != 0 && poll.reset) {
			log_warn("account %" PRIu64 ": UIDVALIDITY changed (%u to "
			    "%u): reading the mailbox again", acct,
			    (unsigned)validity, (unsigned)poll.uidvalidity);
			validity = poll.uidvalidity;
			last = 0;
		}
		/* What was fetched is handled, even when the poll then failed. */
		for (i = 0; i < poll.n; i++) {
			sender_incoming(s, user, acct, &poll.msgs[i]);
			last = poll.msgs[i].uid;
		}
		if (r != CHAN_OK || !poll.more)
			break;
	}
save:
	if (r != CHAN_OK)
		log_warn("account %" PRIu64 ": IMAP poll failed (%s): %s", acct,
		    chan_rc_name(r), err);
	rc = db_exec(s->db, SN_IMAP_SAVE, DB_ARGS(known ? DB_INT(validity) :
	    DB_NULL, known ? DB_INT(last) : DB_NULL,
	    DB_TEXT(r != CHAN_OK ? err : NULL), DB_INT(acct)));
	if (rc != DB_OK && rc != DB_NONE)
		log_warn("account %" PRIu64 ": where the poll stopped is not "
		    "recorded: the messages will be read again", acct);
out:
	imapc_poll_free(&poll);
	if (pw != NULL)
		sodium_free(pw);
	free(host);
	free(username);
	db_user_clear(s->db);
}

/* Polls the mailboxes that are due, SENDER_POLLS at most. Returns how many. */
static int
sender_polls(struct sender *s)
{
	struct pollclaim	 pc;
	int			 n;

	for (n = 0; n < SENDER_POLLS && !worker_stopping(); n++) {
		memset(&pc, 0, sizeof(pc));
		pc.c = s->c;
		if (db_tx(s->db, sender_poll_claim_tx, &pc) != DB_OK || pc.id == 0)
			break;
		sender_poll(s, pc.id, pc.user);
	}
	return n;
}

/* -- main --------------------------------------------------------------- */

/* Claims and runs one batch; the number of enrollments claimed, or -1. */
static int
sender_batch(struct sender *s, struct claims *b)
{
	struct timespec	 t0, t1;
	double		 ms;
	size_t		 i;
	int		 rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((rc = db_tx(s->db, sender_claim_tx, b)) != DB_OK)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	s->sent = s->postponed = s->failed = s->stopped = s->missing = 0;
	for (i = 0; i < b->n && !worker_stopping(); i++)
		sender_run(s, &b->v[i]);
	sender_conns_close(s);
	if (b->n > 0)
		log_info("batch: %zu claimed in %.1f ms, %ld sent, %ld not sent, "
		    "%ld postponed, %ld stopped (%ld missing_data)", b->n, ms,
		    s->sent, s->failed, s->postponed, s->stopped, s->missing);
	return (int)b->n;
}

int
main(int argc, char *argv[])
{
	/* Its statements, and plan.h's: the standing and the month's e-mails. */
	const struct db_table tables[] = { sender_table, plan_table,
	    plan_usage_table[PLAN_EMAILS_MONTH], analytics_table };
	struct conf	 conf;
	struct sender	 s;
	struct claims	 b;
	time_t		 swept = 0;
	int		 rc, once, n, polls, down = 0;

	if ((rc = worker_start(argc, argv, "prospea-sender", "prospea_sender",
	    &conf, &once)) != 0)
		return rc;
	/* A send must end inside the lease that covers it. */
	if (conf.sender_lease <= conf.outreach_timeout + 1) {
		log_err("sender_lease (%ld s) must be longer than outreach_timeout "
		    "(%ld s) + 1", conf.sender_lease, conf.outreach_timeout);
		return 2;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		abort();
	if ((s.db = db_open(&conf, tables, sizeof(tables) / sizeof(tables[0]))) ==
	    NULL)
		return 1;
	s.c = &conf;
	s.arena = arena_new();
	s.nconns = 0;
	if ((s.conns = calloc((size_t)conf.sender_batch, sizeof(*s.conns))) ==
	    NULL || (b.v = calloc((size_t)conf.sender_batch, sizeof(*b.v))) ==
	    NULL)
		abort();
	b.c = &conf;
	worker_signals();
	if (conf.test_mode)
		log_warn("TEST MODE: %s moves this sender's clock; never on a "
		    "production stack", *conf.sender_clock_file != '\0' ?
		    conf.sender_clock_file : "(no clock file)");
	log_info("ready: batches of %ld, lease %ld s, mailboxes every %ld s, "
	    "frequency cap %ld h", conf.sender_batch, conf.sender_lease,
	    conf.imap_poll_seconds, conf.contact_gap_hours);

	while (!worker_stopping()) {
		sender_clock_read(&conf);
		if ((rc = db_exec(s.db, SN_READ_COMMITTED, DB_NOARGS)) != DB_OK &&
		    rc != DB_NONE) {
			worker_sleep(1000);	/* the database is away */
			continue;
		}
		if (time(NULL) - swept >= SENDER_SWEEP) {
			swept = time(NULL);
			sender_sweep(&s);
		}
		polls = sender_polls(&s);
		sender_clock_read(&conf);	/* the polls may have taken a while */
		n = sender_batch(&s, &b);
		if (n < 0) {
			if (!down)
				log_warn("cannot claim enrollments (database %s)",
				    db_is_down(s.db) ? "unreachable" : "error");
			down = 1;
			worker_sleep(1000);
			continue;
		}
		down = 0;
		if (n > 0)
			continue;
		if (once)
			break;
		if (polls == 0)
			worker_sleep(conf.worker_poll_ms);
	}
	log_info("stopping");
	sender_conns_close(&s);
	free(s.conns);
	free(b.v);
	arena_free(s.arena);
	db_free(s.db);
	secret_fini();
	curl_global_cleanup();
	conf_free(&conf);
	return 0;
}
