/*
 * GET /gdpr/export: everything held about the signed-in user as one JSON
 * document (GDPR art. 15 access and art. 20 portability), whose members
 * docs/gdpr-export.md documents. It is streamed: the server builds each
 * record as a JSON object (JSON_OBJECT in the section's statement), and
 * the handler writes them out page by page (GDPR_EXPORT_PAGE rows at a
 * time, keyset paging by id), so an account with 100 000 prospects
 * exports in the memory of one page. Every statement reads a my_* view:
 * nothing of another user can be in the file.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "gdpr.h"
#include "log.h"
#include "req.h"
#include "resp.h"
#include "sess.h"

#define GDPR_EXPORT_PAGE	500	/* rows per query */
#define GDPR_EXPORT_VERSION	1	/* docs/gdpr-export.md */

struct export_section {
	const char	*name;		/* member of the document */
	size_t		 stmt;
	int		 single;	/* one object (or null), not a list */
};

/* In document order; the profile comes first, checked before any byte. */
static const struct export_section export_sections[] = {
	{ "profile", GS_EX_PROFILE, 1 },
	{ "policy_acceptances", GS_EX_CONSENTS, 0 },
	{ "sessions", GS_EX_SESSIONS, 0 },
	{ "security_events", GS_EX_EVENTS, 0 },
	{ "subscription", GS_EX_SUBSCRIPTION, 1 },
	{ "invoices", GS_EX_INVOICES, 0 },
	{ "transactional_emails", GS_EX_TMAIL, 0 },
	{ "privacy_requests", GS_EX_REQUESTS, 0 },
	{ "post_mortem_directive", GS_EX_POST_MORTEM, 1 },
	{ "admin_accesses", GS_EX_ADMIN, 0 },
	{ "sending_accounts", GS_EX_SENDING, 0 },
	{ "templates", GS_EX_TEMPLATES, 0 },
	{ "call_scripts", GS_EX_SCRIPTS, 0 },
	{ "campaigns", GS_EX_CAMPAIGNS, 0 },
	{ "enrollments", GS_EX_ENROLLMENTS, 0 },
	{ "messages", GS_EX_MESSAGES, 0 },
	{ "tasks", GS_EX_TASKS, 0 },
	{ "prospects", GS_EX_PROSPECTS, 0 },
	{ "suppressions", GS_EX_SUPPRESSIONS, 0 },
	{ "imports", GS_EX_IMPORTS, 0 },
	{ "enrichments", GS_EX_ENRICH, 0 },
};
#define EXPORT_NSECTIONS \
	(sizeof(export_sections) / sizeof(export_sections[0]))

/* Writes s. 0, or -1 when the client is gone. */
static int
export_put(struct req *r, const char *s)
{
	return resp_stream_write(r, s, strlen(s));
}

/* Writes the current row's object (column 1). 0 or -1. */
static int
export_row(struct req *r)
{
	return resp_stream_write(r, db_str(r->db, 1), db_len(r->db, 1));
}

/*
 * Writes one section as ,"name":… . DB_OK, DB_NONE when the client went
 * away (stop quietly), or a db.h error (the document is then cut short).
 */
static int
export_section(struct req *r, const struct export_section *s, int first)
{
	uint64_t	 cursor = 0;
	long		 n;
	int		 rc, any = 0;

	if (export_put(r, arena_printf(r->arena, "%s\n\"%s\":", first ? "" :
	    ",", s->name)) == -1)
		return DB_NONE;
	if (s->single) {
		rc = db_one(r->db, s->stmt, DB_NOARGS);
		if (rc != DB_OK && rc != DB_NONE)
			return rc;
		if ((rc == DB_OK ? export_row(r) : export_put(r, "null")) == -1)
			return DB_NONE;
		db_done(r->db);
		return DB_OK;
	}
	if (export_put(r, "[") == -1)
		return DB_NONE;
	for (;;) {
		rc = db_query(r->db, s->stmt, DB_ARGS(DB_INT(cursor),
		    DB_INT(GDPR_EXPORT_PAGE)));
		if (rc != DB_OK)
			return rc;
		n = 0;
		while ((rc = db_next(r->db)) == DB_OK) {
			if ((any++ > 0 && export_put(r, ",\n") == -1) ||
			    export_row(r) == -1)
				return DB_NONE;
			cursor = (uint64_t)db_int(r->db, 0);
			n++;
		}
		if (rc != DB_NONE)
			return rc;
		if (n < GDPR_EXPORT_PAGE)
			break;
	}
	return export_put(r, "]") == -1 ? DB_NONE : DB_OK;
}

static int
gdpr_export_run(struct req *r)
{
	char		 date[16], now[32];
	time_t		 t = time(NULL);
	struct tm	 tm;
	size_t		 i;
	int		 rc;

	/* What can fail before a status is sent fails with its own answer. */
	if ((rc = db_one(r->db, GS_EX_PROFILE, DB_NOARGS)) != DB_OK)
		return resp_db(r, rc == DB_NONE ? DB_ERR : rc);
	db_done(r->db);

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y%m%d", &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	resp_header(r, "Content-Disposition", arena_printf(r->arena,
	    "attachment; filename=\"prospea-export-%s.json\"", date));
	resp_header(r, "Cache-Control", "no-store");
	resp_stream_begin(r, 200, "application/json; charset=utf-8");
	if (r->method == M_HEAD)
		return 200;
	if (export_put(r, arena_printf(r->arena, "{\"format\":\"prospea-export\","
	    "\"version\":%d,\"generated_at\":\"%s\",\"controller\":\"Prospea\",",
	    GDPR_EXPORT_VERSION, now)) == -1)
		return 200;
	for (i = 0; i < EXPORT_NSECTIONS; i++) {
		rc = export_section(r, &export_sections[i], i == 0);
		if (rc == DB_NONE)
			return 200;	/* the client went away */
		if (rc != DB_OK) {
			/*
			 * The status is sent: the document ends short, without
			 * its closing "complete": true (docs/gdpr-export.md).
			 */
			log_err("export for user %llu cut short in %s (db %d, "
			    "errno %u)", (unsigned long long)r->sess->user_id,
			    export_sections[i].name, rc, db_errno(r->db));
			return 200;
		}
	}
	/* Last, so that a document cut short can never look whole. */
	export_put(r, ",\n\"complete\":true\n}\n");
	return 200;
}

int
gdpr_export(struct req *r)
{
	int	 rc;

	/*
	 * One export at a time per user: each holds a handler child for
	 * seconds (100 000 prospects: about 3 s), which the public routes of
	 * the group share.
	 */
	if ((rc = sess_lock(r, "export")) == DB_CONFLICT)
		return resp_retry(r, 429, 5, "export_running",
		    "An export of your data is being written: wait for it, then "
		    "ask again.");
	if (rc != DB_OK)
		return resp_db(r, rc);
	rc = gdpr_export_run(r);
	sess_unlock(r, "export");
	return rc;
}
