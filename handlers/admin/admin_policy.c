/*
 * Publishing a privacy policy version: at least 30 days' notice
 * (ADMIN_POLICY_NOTICE_DAYS, issue 6; the CNIL asks that users be told of
 * a change before it applies), the version unique. The version and its
 * audit row are written in one transaction; the notice to every open
 * account goes out from prospea-mailer (workers/mailer.c, policy.h), in
 * batches, so that the request stays short whatever the number of
 * accounts (DESIGN.md section 1: e-mails to all users run in a worker).
 * Once the
 * version is in force, prospea-auth asks each user to accept it at their
 * next sign-in (policy_acceptance).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "arena.h"
#include "conf.h"
#include "req.h"
#include "resp.h"
#include "sess.h"

/*
 * "2027-03-15T00:00:00Z" (optionally with .sss before the Z; RFC 3339 in
 * UTC, as every time of the API) into seconds since the epoch. 0, or -1.
 */
static int
admin_parse_utc(const char *s, time_t *out)
{
	struct tm	 tm;
	const char	*p;
	int		 mday, mon;

	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL ||
	    strlen(s) < 20 || s[4] != '-' || s[10] != 'T')
		return -1;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (strcmp(p, "Z") != 0)
		return -1;
	/* A date that exists (no 31 February), within a lifetime. */
	mday = tm.tm_mday;
	mon = tm.tm_mon;
	*out = timegm(&tm);
	if (tm.tm_mday != mday || tm.tm_mon != mon || tm.tm_year + 1900 > 2099)
		return -1;
	return 0;
}

/* 1 if a version name is 1-32 of [A-Za-z0-9._-]: it goes into URLs. */
static int
admin_version_ok(const char *v)
{
	return strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") == strlen(v);
}

struct publish {
	struct req	*r;
	const char	*version, *summary, *text_url;
	time_t		 effective;
	size_t		 notified;
	json_t		*out;
};

static int
admin_policy_publish_tx(struct db *db, void *arg)
{
	struct publish	*p = arg;
	struct req	*r = p->r;
	uint64_t	 id;
	int		 rc;

	json_decref(p->out);
	p->out = NULL;
	if ((rc = db_exec(db, AD_POLICY_INSERT, DB_ARGS(DB_TEXT(p->version),
	    DB_INT(p->effective), DB_TEXT(p->summary),
	    DB_TEXT(p->text_url)))) != DB_OK)
		return rc == DB_NONE ? DB_ERR : rc;
	id = db_last_id(db);
	/* The mailer sends the notices (policy.h); here, how many go. */
	if ((rc = db_one(db, AD_POLICY_RECIPIENTS, DB_NOARGS)) != DB_OK)
		return rc == DB_NONE ? DB_ERR : rc;
	p->notified = (size_t)db_int(db, 0);
	db_done(db);
	if ((rc = admin_audit(r, 0, "policy_publish", req_str(r, PV_REASON),
	    arena_printf(r->arena, "version %s, %zu users notified",
	    p->version, p->notified))) != DB_OK)
		return rc;
	if ((rc = db_one(db, AD_POLICY_GET, DB_ARGS(DB_INT(id)))) != DB_OK)
		return rc == DB_NONE ? DB_ERR : rc;
	p->out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I}",
	    "id", db_str(db, 0), "version", db_str(db, 1),
	    "effective_at", db_str(db, 2), "summary", db_str(db, 3),
	    "text_url", db_str(db, 4), "published_at", db_str(db, 5),
	    "notified", (json_int_t)p->notified);
	db_done(db);
	return DB_OK;
}

int
admin_policy_publish(struct req *r)
{
	struct publish	 p;
	struct tm	 tm;
	char		 detail[160];
	time_t		 earliest;

	memset(&p, 0, sizeof(p));
	p.r = r;
	p.version = req_str(r, PV_VERSION);
	p.summary = req_str(r, PV_SUMMARY);
	p.text_url = req_str(r, PV_TEXT_URL);
	if (!admin_version_ok(p.version))
		return resp_unprocessable(r, "version", "version_format",
		    "A version is letters, digits, '.', '-' and '_' (e.g. 2027-03).");
	if (admin_parse_utc(req_str(r, PV_EFFECTIVE), &p.effective) == -1)
		return resp_unprocessable(r, "effective_at", "datetime",
		    "effective_at is a UTC time such as 2027-03-15T00:00:00Z.");
	earliest = time(NULL) + (time_t)ADMIN_POLICY_NOTICE_DAYS * 86400;
	if (p.effective < earliest) {
		gmtime_r(&earliest, &tm);
		snprintf(detail, sizeof(detail), "Users get %d days' notice: "
		    "effective_at must be %04d-%02d-%02dT%02d:%02d:%02dZ or later.",
		    ADMIN_POLICY_NOTICE_DAYS, tm.tm_year + 1900, tm.tm_mon + 1,
		    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		return resp_unprocessable(r, "effective_at", "notice_too_short",
		    arena_strdup(r->arena, detail));
	}
	if (p.text_url == NULL)
		p.text_url = arena_printf(r->arena, "%s/legal/privacy-policy/%s",
		    r->conf->public_url, p.version);
	else if (strncmp(p.text_url, "https://", 8) != 0 ||
	    strpbrk(p.text_url, " \"<>\\^`{|}") != NULL)
		return resp_unprocessable(r, "text_url", "url",
		    "text_url is an https:// address.");
	return admin_tx_reply(r, admin_policy_publish_tx, &p, &p.out, 201,
	    "version_exists", "A policy version of this name exists already.");
}
