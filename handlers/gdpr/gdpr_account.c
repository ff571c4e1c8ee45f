/*
 * The account (GDPR art. 16, rectification): GET and PATCH /account, and
 * the e-mail change, which takes effect only when the link sent to the
 * new address is opened (POST /account/email/confirm), while the current
 * address is told of the request. Whether the new address already has an
 * account is never said to the requester: the same answer, the same mail
 * to the current address, and the new address's owner gets a notice
 * instead of a link.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "conf.h"
#include "email.h"
#include "gdpr.h"
#include "phone.h"
#include "req.h"
#include "resp.h"
#include "secret.h"
#include "sess.h"

int
gdpr_token_take(struct db *db, const char *token, const char *kind,
    uint64_t *user_id)
{
	unsigned char	 hash[32];
	uint64_t	 id;
	int		 rc;

	secret_token_hash(hash, token, strlen(token));
	rc = db_one(db, GS_TOKEN_LOCK, DB_ARGS(DB_BLOB(hash, sizeof(hash)),
	    DB_TEXT(kind)));
	if (rc != DB_OK)
		return rc;
	id = (uint64_t)db_int(db, 0);
	*user_id = (uint64_t)db_int(db, 1);
	db_done(db);
	return db_exec(db, GS_TOKEN_USE, DB_ARGS(DB_INT(id)));
}

json_t *
gdpr_account_json(struct db *db)
{
	return json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s, s:s, s:s, s:b, s:b, "
	    "s:s, s:s, s:b, s:b, s:b, s:s?, s:s?}",
	    "id", db_str(db, 0), "email", db_str(db, 1),
	    "pending_email", db_str(db, 2), "first_name", db_str(db, 3),
	    "last_name", db_str(db, 4), "default_region", db_str(db, 5),
	    "role", db_str(db, 6), "status", db_str(db, 7),
	    "email_verified", db_int(db, 8) != 0,
	    "totp_enabled", db_int(db, 9) != 0,
	    "created_at", db_str(db, 10), "updated_at", db_str(db, 11),
	    "restricted", !db_null(db, 12),
	    "objects_analytics", !db_null(db, 13),
	    "objects_product_emails", !db_null(db, 14),
	    "erasure_due_at", db_str(db, 15), "company_name", db_str(db, 16));
}

/* Answers status with the signed-in account. */
static int
gdpr_account_reply(struct req *r, int status)
{
	json_t	*o;
	int	 rc;

	if ((rc = db_one(r->db, GS_ACCOUNT_GET, DB_NOARGS)) != DB_OK)
		return resp_db(r, rc == DB_NONE ? DB_ERR : rc);
	o = gdpr_account_json(r->db);
	db_done(r->db);
	return resp_json(r, status, o);
}

int
gdpr_account_get(struct req *r)
{
	return gdpr_account_reply(r, 200);
}

struct patch {
	struct req	*r;
	const char	*region;	/* upper-cased, or NULL */
	const char	*email;		/* a new address, or NULL */
	const char	*email_key;
	int		 same;		/* email is the current address */
};

/* The e-mail change part of a PATCH: pending address, links, notices. */
static int
gdpr_email_change_tx(struct db *db, struct patch *p)
{
	struct req	*r = p->r;
	uint64_t	 uid = r->sess->user_id;
	int		 rc, taken;

	/* A link sent for an earlier request must not apply this one. */
	rc = db_exec(db, GS_TOKENS_EXPIRE, DB_ARGS(DB_INT(uid),
	    DB_TEXT("email_change")));
	if (rc != DB_OK && rc != DB_NONE)
		return rc;
	/* The current address again: the pending change is withdrawn. */
	if (p->same)
		return db_exec(db, GS_ACCOUNT_PENDING, DB_ARGS(DB_NULL));
	if ((rc = db_exec(db, GS_ACCOUNT_PENDING,
	    DB_ARGS(DB_TEXT(p->email)))) != DB_OK)
		return rc;
	rc = db_one(db, GS_EMAIL_TAKEN, DB_ARGS(DB_TEXT(p->email_key)));
	if (rc != DB_OK && rc != DB_NONE)
		return rc;
	taken = rc == DB_OK;
	db_done(db);
	/* Not greeted by name: nobody has shown this mailbox is the user's. */
	if ((rc = gdpr_mail(r, taken ? GM_EMAIL_TAKEN : GM_EMAIL_CHANGE, uid,
	    p->email, NULL, NULL)) != DB_OK)
		return rc;
	if ((rc = gdpr_mail(r, GM_EMAIL_CHANGE_OLD, uid, r->sess->email,
	    r->sess->first_name, NULL)) != DB_OK)
		return rc;
	return sess_event(r, uid, "email_change_requested");
}

static int
gdpr_patch_tx(struct db *db, void *arg)
{
	struct patch	*p = arg;
	struct req	*r = p->r;
	int		 rc;

	if (req_str(r, AC_FIRST) != NULL || req_str(r, AC_LAST) != NULL ||
	    p->region != NULL) {
		rc = db_exec(db, GS_ACCOUNT_SET, DB_ARGS(
		    DB_TEXT(req_str(r, AC_FIRST)), DB_TEXT(req_str(r, AC_LAST)),
		    DB_TEXT(p->region)));
		if (rc != DB_OK)
			return rc;
	}
	/* Present: set; null: cleared. */
	if (r->vals[AC_COMPANY] != NULL && (rc = db_exec(db, GS_ACCOUNT_COMPANY,
	    DB_ARGS(DB_TEXT(req_str(r, AC_COMPANY))))) != DB_OK)
		return rc;
	if (p->email != NULL)
		return gdpr_email_change_tx(db, p);
	return DB_OK;
}

int
gdpr_account_patch(struct req *r)
{
	struct patch	 p;
	unsigned char	 key[32];
	char		 ekey[EMAIL_MAX + 1], cur[EMAIL_MAX + 1];
	char		 ascii[EMAIL_MAX + 1], region[3];
	const char	*reg = req_str(r, AC_REGION);
	long		 wait;
	int		 rc;

	memset(&p, 0, sizeof(p));
	p.r = r;
	if (reg != NULL) {
		/* ISO 3166-1 alpha-2 with a numbering plan: phone numbers use it. */
		region[0] = (char)(reg[0] & ~0x20);
		region[1] = (char)(reg[1] & ~0x20);
		region[2] = '\0';
		if (!phone_region_ok(region))
			return resp_unprocessable(r, "default_region", "region",
			    "Use a two-letter country code such as FR or BE.");
		p.region = region;
	}
	if ((p.email = req_str(r, AC_EMAIL)) != NULL) {
		/* Platform mail goes out without SMTPUTF8, as at sign-up. */
		if (email_ascii(ascii, sizeof(ascii), p.email) == -1)
			return resp_unprocessable(r, "email", "email_not_ascii",
			    "Use an address whose part before the @ is in ASCII "
			    "letters, digits and signs: others cannot receive "
			    "our mail yet.");
		email_key(ekey, p.email);
		email_key(cur, r->sess->email);
		p.email_key = ekey;
		p.same = strcmp(ekey, cur) == 0;
	}
	if (p.email != NULL && !p.same) {
		/* Each change mails two addresses: a budget per account. */
		throttle_key(key, "email-change", arena_printf(r->arena, "%llu",
		    (unsigned long long)r->sess->user_id));
		if ((rc = throttle_wait(r->db, key, &wait)) != DB_OK)
			return resp_db(r, rc);
		if (wait > 0)
			return resp_retry(r, 429, wait, "rate_limited",
			    "Too many address changes: wait before trying again.");
		if ((rc = throttle_hit(r->db, r->conf, key,
		    GDPR_EMAIL_CHANGES_PER_HOUR + 1, 3600, NULL)) != DB_OK)
			return resp_db(r, rc);
	}
	if ((rc = db_tx(r->db, gdpr_patch_tx, &p)) != DB_OK)
		return resp_db(r, rc == DB_NONE ? DB_ERR : rc);
	return gdpr_account_reply(r, 200);
}

static int
gdpr_confirm_tx(struct db *db, void *arg)
{
	struct req	*r = arg;
	char		 key[EMAIL_MAX + 1];
	const char	*addr;
	uint64_t	 uid;
	int		 rc;

	if ((rc = gdpr_token_take(db, req_str(r, TK_TOKEN), "email_change",
	    &uid)) != DB_OK)
		return rc;
	if ((rc = db_one(db, GS_USER_PENDING, DB_ARGS(DB_INT(uid)))) != DB_OK)
		return rc;
	if (db_null(db, 0)) {
		db_done(db);
		return DB_NONE;		/* withdrawn since the link was sent */
	}
	addr = arena_strdup(r->arena, db_str(db, 0));
	db_done(db);
	email_key(key, addr);
	/* Another account took the address meanwhile: DB_CONFLICT, 409. */
	if ((rc = db_exec(db, GS_USER_EMAIL_SET, DB_ARGS(DB_TEXT(addr),
	    DB_TEXT(key), DB_INT(uid)))) != DB_OK)
		return rc;
	return sess_event(r, uid, "email_changed");
}

int
gdpr_email_confirm(struct req *r)
{
	int	 rc;

	rc = db_tx(r->db, gdpr_confirm_tx, r);
	if (rc == DB_NONE)
		return resp_problem(r, 400, "invalid_token",
		    "This link is invalid, already used or expired.");
	/* Said only to whoever holds the new mailbox, who owns that account. */
	if (rc == DB_CONFLICT)
		return resp_problem(r, 409, "email_taken",
		    "This address already belongs to another Prospea account.");
	if (rc != DB_OK)
		return resp_db(r, rc);
	return resp_empty(r, 204);
}
