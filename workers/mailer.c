/*
 * prospea-mailer: sends the transactional e-mail queue (tmail.h) over the
 * platform's SMTP server. Several mailers, on several hosts, can share the
 * queue: a batch is claimed with SELECT ... FOR UPDATE SKIP LOCKED and
 * leased for MAILER_LEASE seconds, so a crashed mailer's batch goes out
 * again after the lease (at least once: a duplicate verification mail is
 * harmless, a lost one is not). Sent bodies are wiped; the row stays as
 * the record of what was sent.
 *
 * It also fans out the notice of a new privacy policy version (policy.h)
 * to every open account, MAILER_NOTICE_BATCH accounts a transaction, in
 * account id order: the version row, claimed with SKIP LOCKED, records
 * the last account mailed (notified_upto) in the same transaction as
 * that batch's queued mail, so a crash loses and repeats nothing.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "conf.h"
#include "db.h"
#include "log.h"
#include "mail.h"
#include "policy.h"
#include "secret.h"
#include "tmail.h"
#include "worker.h"

#define MAILER_BATCH	20
#define MAILER_LEASE	600	/* seconds a claimed message is ours */
#define MAILER_TRIES	8	/* then the message is marked failed */
#define MAILER_NOTICE_BATCH 500	/* accounts a policy notice transaction mails */

enum mailer_stmt {
	MS_CLAIM = TMAIL__MAX,
	MS_LEASE,
	MS_SENT,
	MS_RETRY,
	MS_FAILED,
	MS_NOTICE_CLAIM,
	MS_NOTICE_USERS,
	MS_NOTICE_ADVANCE,
	MS_NOTICE_DONE,
	MS__MAX
};

static const char *const mailer_sql[MS__MAX] = {
	[MS_CLAIM] =
	    "SELECT id, user_id, msg_key, to_addr, subject, body_ct, attempts "
	    "FROM transactional_email WHERE status = 'queued' "
	    "AND next_attempt_at <= NOW(3) ORDER BY next_attempt_at, id "
	    "LIMIT ? FOR UPDATE SKIP LOCKED",
	[MS_LEASE] =
	    "UPDATE transactional_email SET attempts = attempts + 1, "
	    "next_attempt_at = NOW(3) + INTERVAL ? SECOND WHERE id = ?",
	[MS_SENT] =
	    "UPDATE transactional_email SET status = 'sent', sent_at = NOW(3), "
	    "body_ct = NULL, last_error = NULL WHERE id = ?",
	[MS_RETRY] =
	    "UPDATE transactional_email SET last_error = ?, "
	    "next_attempt_at = NOW(3) + INTERVAL ? SECOND WHERE id = ?",
	[MS_FAILED] =
	    "UPDATE transactional_email SET status = 'failed', body_ct = NULL, "
	    "last_error = ? WHERE id = ?",
	/* A published version whose notice is still going out. */
	[MS_NOTICE_CLAIM] =
	    "SELECT id, version, TIMESTAMPDIFF(SECOND, '1970-01-01', "
	    "effective_at), summary, text_url, notified_upto FROM policy_version "
	    "WHERE notice_done_at IS NULL ORDER BY id LIMIT 1 "
	    "FOR UPDATE SKIP LOCKED",
	/* The next open accounts; a name only for verified addresses. */
	[MS_NOTICE_USERS] =
	    "SELECT id, email, IF(email_verified_at IS NULL, NULL, first_name) "
	    "FROM user_account WHERE status = 'active' AND id > ? ORDER BY id "
	    "LIMIT ?",
	[MS_NOTICE_ADVANCE] =
	    "UPDATE policy_version SET notified_upto = ? WHERE id = ?",
	[MS_NOTICE_DONE] =
	    "UPDATE policy_version SET notice_done_at = NOW(3) WHERE id = ?",
};

static const struct db_table mailer_table = { mailer_sql, MS_CLAIM, MS__MAX };

/*
 * One batch of a policy notice, in its transaction: *done is the number
 * of accounts mailed (0: nothing to do).
 */
struct notice_batch {
	size_t	 done;
};

static int
mailer_notice_tx(struct db *db, void *arg)
{
	struct notice_batch	*nb = arg;
	struct tmail_msg	 m[MAILER_NOTICE_BATCH];
	char			*version, *summary, *url;
	uint64_t		 vid, upto;
	time_t			 at;
	size_t			 n = 0, i;
	int			 rc;

	nb->done = 0;
	if ((rc = db_one(db, MS_NOTICE_CLAIM, DB_NOARGS)) != DB_OK)
		return rc;
	vid = (uint64_t)db_int(db, 0);
	version = strdup(db_str(db, 1));
	at = (time_t)db_int(db, 2);
	summary = strdup(db_str(db, 3));
	url = strdup(db_str(db, 4));
	upto = (uint64_t)db_int(db, 5);
	db_done(db);
	if (version == NULL || summary == NULL || url == NULL)
		abort();
	memset(m, 0, sizeof(m));
	if ((rc = db_query(db, MS_NOTICE_USERS, DB_ARGS(DB_INT(upto),
	    DB_INT(MAILER_NOTICE_BATCH)))) == DB_OK) {
		while ((rc = db_next(db)) == DB_OK && n < MAILER_NOTICE_BATCH) {
			m[n].user_id = (uint64_t)db_int(db, 0);
			m[n].to_addr = strdup(db_str(db, 1));
			m[n].text = policy_notice_text(db_null(db, 2) ? NULL :
			    db_str(db, 2), version, at, summary, url);
			m[n].subject = policy_notice_subject;
			if (m[n].to_addr == NULL)
				abort();
			upto = m[n].user_id;
			n++;
		}
		if (rc == DB_NONE)
			rc = DB_OK;
	} else if (rc == DB_NONE)
		rc = DB_OK;
	if (rc == DB_OK && n > 0)
		rc = tmail_queue_many(db, "policy_change", m, n);
	if (rc == DB_OK && n > 0)
		rc = db_exec(db, MS_NOTICE_ADVANCE, DB_ARGS(DB_INT(upto),
		    DB_INT(vid)));
	/* Fewer than a batch: every open account has it. */
	if (rc == DB_OK && n < MAILER_NOTICE_BATCH)
		rc = db_exec(db, MS_NOTICE_DONE, DB_ARGS(DB_INT(vid)));
	for (i = 0; i < n; i++) {
		free((char *)m[i].to_addr);
		free((char *)m[i].text);
	}
	free(version);
	free(summary);
	free(url);
	if (rc == DB_OK) {
		nb->done = n;
		if (n < MAILER_NOTICE_BATCH)
			log_info("policy version %llu: notice sent to every open "
			    "account", (unsigned long long)vid);
	}
	return rc;
}

struct outgoing {
	uint64_t	 id;
	uint64_t	 user_id;
	char		 key[33];
	char		*to;
	char		*subject;
	unsigned char	*ct;
	size_t		 ctlen;
	long long	 attempts;
};

struct batch {
	struct outgoing	 m[MAILER_BATCH];
	size_t		 n;
};

static char *
mailer_dup(const char *s, size_t n)
{
	char	*p;

	if ((p = malloc(n + 1)) == NULL)
		abort();
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static void
mailer_batch_free(struct batch *b)
{
	size_t	 i;

	for (i = 0; i < b->n; i++) {
		free(b->m[i].to);
		free(b->m[i].subject);
		free(b->m[i].ct);
	}
	b->n = 0;
}

/* In one transaction: pick due messages nobody else holds, lease them. */
static int
mailer_claim_tx(struct db *db, void *arg)
{
	struct batch	*b = arg;
	struct outgoing	*o;
	size_t		 i;
	int		 rc;

	mailer_batch_free(b);
	if ((rc = db_query(db, MS_CLAIM, DB_ARGS(DB_INT(MAILER_BATCH)))) != DB_OK)
		return rc;
	while ((rc = db_next(db)) == DB_OK && b->n < MAILER_BATCH) {
		o = &b->m[b->n++];
		o->id = (uint64_t)db_int(db, 0);
		o->user_id = (uint64_t)db_int(db, 1);
		snprintf(o->key, sizeof(o->key), "%s", db_str(db, 2));
		o->to = mailer_dup(db_str(db, 3), db_len(db, 3));
		o->subject = mailer_dup(db_str(db, 4), db_len(db, 4));
		o->ctlen = db_len(db, 5);
		o->ct = (unsigned char *)mailer_dup(db_null(db, 5) ? "" :
		    db_str(db, 5), o->ctlen);
		o->attempts = db_int(db, 6);
	}
	if (rc != DB_NONE && rc != DB_OK)
		return rc;
	db_done(db);
	for (i = 0; i < b->n; i++)
		if ((rc = db_exec(db, MS_LEASE, DB_ARGS(DB_INT(MAILER_LEASE),
		    DB_INT(b->m[i].id)))) != DB_OK)
			return rc;
	return DB_OK;
}

/* Sends one claimed message and records the outcome. */
static void
mailer_send_one(struct db *db, const struct conf *c, struct mail_conn *mc,
    const char *from_addr, struct outgoing *o)
{
	struct mail_msg	 m;
	unsigned char	*text;
	size_t		 len;
	char		*msg, err[256];
	enum mail_rc	 rc;
	long		 backoff;

	if (o->ctlen < SECRET_OVERHEAD ||
	    (text = malloc(o->ctlen - SECRET_OVERHEAD + 1)) == NULL ||
	    secret_open(text, &len, "tmail_body", o->user_id, o->key, o->ct,
	    o->ctlen) == -1) {
		log_err("message %llu: body cannot be opened (key or data damaged)",
		    (unsigned long long)o->id);
		db_exec(db, MS_FAILED, DB_ARGS(DB_TEXT("body cannot be opened"),
		    DB_INT(o->id)));
		return;
	}
	text[len] = '\0';
	memset(&m, 0, sizeof(m));
	m.from = c->mail_from;
	m.to = o->to;
	m.subject = o->subject;
	m.text = (const char *)text;
	m.msgid = o->key;
	m.auto_submitted = 1;
	msg = mail_build(&m);
	sodium_memzero(text, len);
	free(text);
	if (msg == NULL) {
		log_err("message %llu: cannot be built (bad address or header)",
		    (unsigned long long)o->id);
		db_exec(db, MS_FAILED, DB_ARGS(DB_TEXT("malformed address or header"),
		    DB_INT(o->id)));
		return;
	}
	rc = mail_send(mc, from_addr, o->to, msg, err, sizeof(err));
	sodium_memzero(msg, strlen(msg));
	free(msg);
	switch (rc) {
	case MAIL_SENT:
		if (db_exec(db, MS_SENT, DB_ARGS(DB_INT(o->id))) != DB_OK)
			log_warn("message %llu sent but not marked: it may go twice",
			    (unsigned long long)o->id);
		log_info("message %llu sent", (unsigned long long)o->id);
		break;
	case MAIL_TEMPFAIL:
		if (o->attempts + 1 >= MAILER_TRIES) {
			log_warn("message %llu: giving up: %s",
			    (unsigned long long)o->id, err);
			db_exec(db, MS_FAILED, DB_ARGS(DB_TEXT(err), DB_INT(o->id)));
			break;
		}
		/* 1, 2, 4 ... minutes */
		backoff = 60L << (o->attempts < 10 ? o->attempts : 10);
		log_warn("message %llu: will retry in %ld s: %s",
		    (unsigned long long)o->id, backoff, err);
		db_exec(db, MS_RETRY, DB_ARGS(DB_TEXT(err), DB_INT(backoff),
		    DB_INT(o->id)));
		break;
	case MAIL_PERMFAIL:
		log_warn("message %llu refused: %s", (unsigned long long)o->id, err);
		db_exec(db, MS_FAILED, DB_ARGS(DB_TEXT(err), DB_INT(o->id)));
		break;
	}
}

/*
 * --test-to: sends one message straight to addr through the configured
 * server and prints the outcome, so an operator can check the SMTP
 * settings (host, port, TLS mode, certificate, login) without the queue.
 */
static int
mailer_test(const struct conf *c, struct mail_conn *mc, const char *from,
    const char *addr)
{
	struct mail_msg	 m;
	unsigned char	 raw[16];
	char		 key[33], *msg, err[256];
	enum mail_rc	 rc;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(key, sizeof(key), raw, sizeof(raw));
	memset(&m, 0, sizeof(m));
	m.from = c->mail_from;
	m.to = addr;
	m.subject = "Prospea : message de test";
	/* The lone dot and the leading dots check dot-stuffing end to end. */
	m.text = "Ce message vérifie la configuration SMTP de Prospea.\n"
	    "This message checks Prospea's SMTP settings.\n"
	    ".\n"
	    "..\n"
	    ".fin\n";
	m.msgid = key;
	m.auto_submitted = 1;
	if ((msg = mail_build(&m)) == NULL) {
		fprintf(stderr, "prospea-mailer: \"%s\" is not a valid address\n", addr);
		return 2;
	}
	rc = mail_send(mc, from, addr, msg, err, sizeof(err));
	free(msg);
	if (rc == MAIL_SENT) {
		printf("sent to %s through %s (Message-ID <%s@%s>)\n", addr,
		    c->smtp_url, key, strrchr(from, '@') + 1);
		return 0;
	}
	fprintf(stderr, "prospea-mailer: not sent (%s): %s\n",
	    rc == MAIL_PERMFAIL ? "refused" : "failed", err);
	return 1;
}

int
main(int argc, char *argv[])
{
	struct conf		 conf;
	struct db		*db;
	struct mail_conn	*mc;
	struct mail_server	 srv;
	struct batch		 b;
	struct notice_batch	 nb = { 0 };
	const struct db_table	 tables[] = { tmail_table, mailer_table };
	enum log_level		 lvl;
	char			 from[256], *smtp_pw = NULL;
	const char		*cfile = NULL, *test_to = NULL;
	size_t			 i;
	int			 rc, once = 0, down = 0;

	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < (size_t)argc)
			cfile = argv[++i];
		else if (strcmp(argv[i], "--once") == 0)
			once = 1;
		else if (strcmp(argv[i], "--test-to") == 0 && i + 1 < (size_t)argc)
			test_to = argv[++i];
		else {
			fprintf(stderr, "usage: prospea-mailer [-c config-file] "
			    "[--once | --test-to address]\n");
			return 2;
		}
	}
	if (conf_load(&conf, cfile, "prospea_mailer") == -1) {
		fprintf(stderr, "prospea-mailer: configuration rejected, not starting\n");
		return 2;
	}
	log_level_parse(conf.log_level, &lvl);
	log_init("prospea-mailer", lvl);
	if (mail_addr(conf.mail_from, from, sizeof(from)) == -1) {
		log_err("mail_from \"%s\" has no valid address", conf.mail_from);
		return 2;
	}
	if (*conf.smtp_password_file != '\0' &&
	    (smtp_pw = conf_read_secret(conf.smtp_password_file)) == NULL) {
		log_err("cannot read smtp_password_file %s: %s",
		    conf.smtp_password_file, strerror(errno));
		return 1;
	}
	memset(&srv, 0, sizeof(srv));
	srv.url = conf.smtp_url;
	srv.security = conf.smtp_security;
	srv.user = conf.smtp_user;
	srv.password = smtp_pw != NULL ? smtp_pw : "";
	srv.cafile = conf.smtp_cafile;
	srv.timeout = conf.smtp_timeout;
	mc = mail_conn_new(&srv);
	if (test_to != NULL) {
		rc = mailer_test(&conf, mc, from, test_to);
		mail_conn_free(mc);
		conf_free(&conf);
		return rc;
	}
	if (secret_init(conf.master_key_file) == -1)
		return 1;
	if ((db = db_open(&conf, tables, sizeof(tables) / sizeof(tables[0]))) ==
	    NULL)
		return 1;

	worker_signals();
	log_info("ready: sending through %s", conf.smtp_url);

	memset(&b, 0, sizeof(b));
	while (!worker_stopping()) {
		/* A policy notice first: it only queues, the loop sends. */
		if ((rc = db_tx(db, mailer_notice_tx, &nb)) != DB_OK &&
		    rc != DB_NONE)
			log_warn("policy notice: database %s", rc == DB_DOWN ?
			    "unreachable" : "error");
		rc = db_tx(db, mailer_claim_tx, &b);
		if (rc != DB_OK) {
			if (!down)
				log_warn("cannot claim messages (database %s)",
				    rc == DB_DOWN ? "unreachable" : "error");
			down = 1;
			mailer_batch_free(&b);
			worker_sleep(1000);
			continue;
		}
		down = 0;
		for (i = 0; i < b.n && !worker_stopping(); i++)
			mailer_send_one(db, &conf, mc, from, &b.m[i]);
		if (once && b.n == 0)
			break;
		if (b.n == 0 && nb.done == 0)
			worker_sleep(conf.mailer_poll_ms);
		mailer_batch_free(&b);
	}
	mailer_batch_free(&b);
	log_info("stopping");
	mail_conn_free(mc);
	db_free(db);
	secret_fini();
	if (smtp_pw != NULL) {
		sodium_memzero(smtp_pw, strlen(smtp_pw));
		free(smtp_pw);
	}
	conf_free(&conf);
	return 0;
}
