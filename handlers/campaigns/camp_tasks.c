/*
 * Call tasks (/tasks): the calls the sender opens when an enrollment
 * reaches a call step, listed for the user with the prospect to call,
 * the campaign and the call script rendered for that prospect; and the
 * outcome of each call, which closes the task and moves the enrollment
 * and the prospect on exactly as docs/sequencing.md ("A call step") says.
 * "Today" is the local day of each task's campaign.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "campaigns.h"
#include "req.h"
#include "resp.h"

#define ISO(c)	"DATE_FORMAT(" c ", '%Y-%m-%dT%H:%i:%sZ')"
#define CAMP_CALLBACK_PAST	300		/* seconds: clocks differ */
#define CAMP_CALLBACK_AHEAD	(366 * 86400)
/*
 * A task with its campaign, its prospect (the merge-tag columns of
 * camp_values_row() at TASK_VALUES) and its call script; the local days
 * of the campaigns' time zones come as a JSON array of {tz, start, end}
 * in UTC, since MariaDB here has no time zone tables.
 */
#define TASK_COLS_SQL \
	"t.id, t.status, t.outcome, t.note, " ISO("t.due_at") ", " \
	ISO("t.done_at") ", " ISO("t.created_at") ", t.position, t.attempt, " \
	"t.enrollment_id, c.id, c.name, p.id, p.status, p.name, p.category, " \
	"p.address, p.postal_code, p.city, p.phone, p.email, p.website, " \
	"p.custom_fields, s.id, s.name, s.sections, p.phone_e164"
#define TASK_FROM_SQL \
	" FROM my_task t JOIN my_campaign c ON c.id = t.campaign_id" \
	" JOIN my_enrollment e ON e.id = t.enrollment_id" \
	" JOIN my_prospect p ON p.id = t.prospect_id" \
	" LEFT JOIN my_call_script s ON s.id = t.call_script_id" \
	" JOIN JSON_TABLE(?, '$[*]' COLUMNS (tz VARCHAR(64) PATH '$.tz'," \
	" day_start DATETIME(3) PATH '$.start', day_end DATETIME(3)" \
	" PATH '$.end')) z ON z.tz = c.timezone" \
	" WHERE t.user_id = ?"
#define TASK_DUE_SQL \
	" AND (? = 'all'" \
	" OR (? = 'today' AND t.due_at >= z.day_start AND t.due_at < z.day_end)" \
	" OR (? = 'overdue' AND t.due_at < z.day_start))"

static const char *const camp_tasks_sql[CK__MAX] = {
#define T(x)	[x]
	T(CK_ZONES) = "SELECT DISTINCT timezone FROM my_campaign",
	/* The calls to make: of running campaigns, for active enrollments. */
	T(CK_LIST_OPEN) = "SELECT " TASK_COLS_SQL TASK_FROM_SQL
	    " AND t.status = 'open' AND c.status = 'running'"
	    " AND e.status = 'active'" TASK_DUE_SQL
	    " AND (? IS NULL OR (t.due_at, t.id) >"
	    " (SELECT k.due_at, k.id FROM my_task k WHERE k.id = ?))"
	    " ORDER BY t.due_at, t.id LIMIT ?",
	T(CK_LIST_DONE) = "SELECT " TASK_COLS_SQL TASK_FROM_SQL
	    " AND t.status = 'done'" TASK_DUE_SQL
	    " AND (? IS NULL OR (t.done_at, t.id) <"
	    " (SELECT k.done_at, k.id FROM my_task k WHERE k.id = ?))"
	    " ORDER BY t.done_at DESC, t.id DESC LIMIT ?",
	T(CK_LOCK) = "SELECT status, enrollment_id, campaign_id, prospect_id,"
	    " position, attempt, call_script_id FROM my_task WHERE id = ?"
	    " FOR UPDATE",
	T(CK_CLOSE) = "UPDATE my_task SET status = 'done', outcome = ?,"
	    " note = ?, done_at = NOW(3) WHERE id = ?",
	T(CK_ENROLLMENT_LOCK) = "SELECT status, position FROM my_enrollment"
	    " WHERE id = ? FOR UPDATE",
	T(CK_CAMPAIGN) = "SELECT timezone, window_days, window_start,"
	    " window_end, (SELECT COUNT(*)"
	    " FROM my_campaign_step s WHERE s.campaign_id = c.id)"
	    " FROM my_campaign c WHERE c.id = ?",
	T(CK_STEP_AT) = "SELECT kind, wait_days FROM my_campaign_step"
	    " WHERE campaign_id = ? AND position = ?",
	T(CK_ADVANCE) = "UPDATE my_enrollment SET position = ?,"
	    " due_at = COALESCE(?, NOW(3)), updated_at = NOW(3) WHERE id = ?",
	T(CK_FINISH) = "UPDATE my_enrollment SET status = ?, stop_reason = ?,"
	    " position = ?, due_at = NULL, finished_at = NOW(3),"
	    " updated_at = NOW(3) WHERE id = ?",
	/* A customer or a do-not-contact is not undone by a call. */
	T(CK_PROSPECT_STATUS) = "UPDATE my_prospect SET status = ?,"
	    " updated_at = NOW(3) WHERE id = ?"
	    " AND status NOT IN ('customer', 'do_not_contact')",
	T(CK_CALLBACK) = "INSERT INTO my_task (user_id, campaign_id,"
	    " enrollment_id, prospect_id, position, attempt, call_script_id,"
	    " status, due_at, created_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, NOW(3))",
	T(CK_GET) = "SELECT t.id, t.status, t.outcome, t.note, "
	    ISO("t.done_at") ", e.id, e.status, e.stop_reason, e.position, "
	    ISO("e.due_at") ", p.id, p.status FROM my_task t"
	    " JOIN my_enrollment e ON e.id = t.enrollment_id"
	    " JOIN my_prospect p ON p.id = t.prospect_id WHERE t.id = ?",
#undef T
};
const struct db_table camp_tasks_table = { camp_tasks_sql, CC__MAX, CK__MAX };

/* The columns of TASK_COLS_SQL. */
enum {
	TC_ID, TC_STATUS, TC_OUTCOME, TC_NOTE, TC_DUE_AT, TC_DONE_AT,
	TC_CREATED_AT, TC_POSITION, TC_ATTEMPT, TC_ENROLLMENT, TC_CAMPAIGN_ID,
	TC_CAMPAIGN_NAME, TC_PROSPECT_ID, TC_PROSPECT_STATUS, TC_VALUES,
	TC_SCRIPT_ID = TC_VALUES + 9, TC_SCRIPT_NAME, TC_SECTIONS, TC_PHONE_E164,
	TC__MAX
};

static const char *const camp_outcomes[] = {
	"answered", "no_answer", "voicemail_left", "busy", "wrong_number",
	"callback_requested", "interested", "not_interested", NULL
};

const struct field camp_outcome_fields[CO__MAX] = {
	[CO_OUTCOME] = { "outcome", field_enum, FIELD_REQ, 0, 0, camp_outcomes },
	[CO_NOTE] = { "note", field_multiline, FIELD_NULL, 0, CAMP_NOTE_MAX,
	    NULL },
	[CO_STOP] = { "stop", field_bool, 0, 0, 0, NULL },
	[CO_CALLBACK_AT] = { "callback_at", field_text, 0, 1, 40, NULL },
};

/* t as DATETIME text in UTC, "2026-05-04 09:00:00" (arena). */
static const char *
camp_utc(struct req *r, time_t t)
{
	struct tm	 tm;
	char		 buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	return arena_strdup(r->arena, buf);
}

/*
 * The local days of the user's campaigns' time zones, as the JSON array
 * TASK_FROM_SQL joins: [{"tz", "start", "end"}] (owned text: free()).
 * NULL with *rc set on a database error.
 */
static char *
camp_task_zones(struct req *r, time_t now, int *rc)
{
	json_t	*zones = json_array();
	time_t	 start, end;
	char	*s;

	if ((*rc = db_query(r->db, CK_ZONES, DB_NOARGS)) != DB_OK) {
		json_decref(zones);
		return NULL;
	}
	while ((*rc = db_next(r->db)) == DB_OK) {
		if (window_day(db_str(r->db, 0), now, &start, &end) == -1)
			continue;	/* a zone gone from the system's database */
		json_array_append_new(zones, json_pack("{s:s, s:s, s:s}", "tz",
		    db_str(r->db, 0), "start", camp_utc(r, start), "end",
		    camp_utc(r, end)));
	}
	if (*rc != DB_NONE) {
		json_decref(zones);
		return NULL;
	}
	*rc = DB_OK;
	if ((s = json_dumps(zones, JSON_COMPACT)) == NULL)
		abort();
	json_decref(zones);
	return s;
}

/* The current row of TASK_COLS_SQL as the API's task, script rendered. */
static json_t *
camp_task_json(struct req *r, const struct tmpl_values *sender)
{
	struct db		*db = r->db;
	struct tmpl_values	 v = *sender;
	json_t			*o, *sections, *missing, *script = json_null();

	camp_values_row(r, db, TC_VALUES, &v);
	if (!db_null(db, TC_SCRIPT_ID)) {
		sections = camp_script_render(db_str(db, TC_SECTIONS), &v,
		    &missing);
		script = json_pack("{s:s, s:s, s:o, s:o}", "id",
		    db_str(db, TC_SCRIPT_ID), "name", db_str(db, TC_SCRIPT_NAME),
		    "sections", sections, "missing",
		    missing != NULL ? missing : json_array());
	}
	o = json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:s?, s:s, s:I, s:I, s:s,"
	    " s:{s:s, s:s}, s:{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?,"
	    " s:s?, s:s?}, s:o}",
	    "id", db_str(db, TC_ID), "status", db_str(db, TC_STATUS),
	    "outcome", db_str(db, TC_OUTCOME), "note", db_str(db, TC_NOTE),
	    "due_at", db_str(db, TC_DUE_AT), "done_at", db_str(db, TC_DONE_AT),
	    "created_at", db_str(db, TC_CREATED_AT),
	    "position", (json_int_t)db_int(db, TC_POSITION),
	    "attempt", (json_int_t)db_int(db, TC_ATTEMPT),
	    "enrollment_id", db_str(db, TC_ENROLLMENT),
	    "campaign", "id", db_str(db, TC_CAMPAIGN_ID), "name",
	    db_str(db, TC_CAMPAIGN_NAME),
	    "prospect", "id", db_str(db, TC_PROSPECT_ID),
	    "status", db_str(db, TC_PROSPECT_STATUS),
	    "name", v.field[TMPL_BUSINESS_NAME],
	    "phone", v.field[TMPL_PHONE],
	    /* The number to dial from anywhere: "tel:" + this (RFC 3966). */
	    "phone_e164", db_str(db, TC_PHONE_E164),
	    "email", v.field[TMPL_EMAIL],
	    "city", v.field[TMPL_CITY], "category", v.field[TMPL_CATEGORY],
	    "website", v.field[TMPL_WEBSITE], "address", v.field[TMPL_ADDRESS],
	    "postal_code", v.field[TMPL_POSTAL_CODE],
	    "script", script);
	json_decref((json_t *)v.custom);
	if (o == NULL)
		abort();
	return o;
}

/*
 * GET /tasks?due=today|overdue|all&status=open|done: open calls of
 * running campaigns, oldest due first, or done calls, latest first.
 * "today" is the task's campaign's local day; "overdue" before it.
 */
int
camp_task_list(struct req *r)
{
	static const char *const dues[] = { "today", "overdue", "all", NULL };
	static const char *const statuses[] = { "open", "done", NULL };
	struct tmpl_values	 sender;
	json_t			*errors = json_array(), *items;
	const char		*due, *status, *k;
	char			*zones, last[24] = "";
	size_t			 i, j;
	uint64_t		 cursor;
	long			 limit, n = 0;
	int			 rc, more;

	for (i = 0; i < r->nquery; i++) {
		k = r->query[i].key;
		if (strcmp(k, "due") != 0 && strcmp(k, "status") != 0 &&
		    strcmp(k, "limit") != 0 && strcmp(k, "cursor") != 0)
			camp_error(errors, k, "unknown_parameter",
			    "is not a parameter of this request");
	}
	due = req_query(r, "due") != NULL ? req_query(r, "due") : "all";
	status = req_query(r, "status") != NULL ? req_query(r, "status") : "open";
	for (i = 0; dues[i] != NULL && strcmp(due, dues[i]) != 0; i++)
		continue;
	for (j = 0; statuses[j] != NULL && strcmp(status, statuses[j]) != 0; j++)
		continue;
	if (dues[i] == NULL)
		camp_error(errors, "due", "enum", "due: today, overdue or all");
	if (statuses[j] == NULL)
		camp_error(errors, "status", "enum", "status: open or done");
	camp_page(r, &limit, &cursor, errors);
	if (json_array_size(errors) > 0)
		return resp_invalid(r, "Some query parameters are unknown or invalid.",
		    errors);
	json_decref(errors);

	memset(&sender, 0, sizeof(sender));
	if ((rc = camp_values_sender(r, &sender)) != DB_OK ||
	    (zones = camp_task_zones(r, time(NULL), &rc)) == NULL)
		return resp_db(r, rc);
	rc = db_query(r->db, j == 0 ? CK_LIST_OPEN : CK_LIST_DONE,
	    DB_ARGS(DB_TEXT(zones), DB_INT(db_user(r->db)), DB_TEXT(due),
	    DB_TEXT(due), DB_TEXT(due), cursor == UINT64_MAX ? DB_NULL :
	    DB_INT(1), DB_INT(cursor > INT64_MAX ? INT64_MAX : cursor),
	    DB_INT(limit + 1)));
	free(zones);
	if (rc != DB_OK)
		return resp_db(r, rc);
	items = json_array();
	while ((rc = db_next(r->db)) == DB_OK && n < limit) {
		json_array_append_new(items, camp_task_json(r, &sender));
		snprintf(last, sizeof(last), "%s", db_str(r->db, TC_ID));
		n++;
	}
	more = rc == DB_OK;
	if (rc != DB_OK && rc != DB_NONE) {
		json_decref(items);
		return resp_db(r, rc);
	}
	db_done(r->db);
	return resp_json(r, 200, json_pack("{s:o, s:s?}", "items", items,
	    "next_cursor", more ? last : NULL));
}

/* -- outcomes ----------------------------------------------------------------- */

struct camp_outcome_tx {
	struct req	*r;
	uint64_t	 id;
	const char	*outcome, *note;
	int		 stop;		/* not_interested stops (default) */
	const char	*callback_at;	/* the body's, or NULL */
	uint64_t	 callback_id;	/* out: the new task */
	time_t		 callback_due;	/* out: when it is due */
	const char	*conflict;	/* out: 409 */
	const char	*bad_callback;	/* out: 422 on callback_at, why */
};

/* What a task's enrollment and campaign say, for the outcome's effects. */
struct camp_task_ctx {
	uint64_t	 enrollment, campaign, prospect, script;
	long long	 position, attempt, nsteps;
	int		 active;	/* the enrollment waits on this call */
	struct window	 w;		/* the campaign's clock */
};

/*
 * The window opening on the n-th sending day after now's local day
 * (window_after_days()); now itself for a window that never opens.
 */
static time_t
camp_opening(const struct window *w, time_t now, int n)
{
	time_t	 t = window_after_days(w, now, n);

	return t == (time_t)-1 ? now : t;
}

/*
 * Moves the enrollment past the call step (docs/sequencing.md): to the
 * next step, due now, or completed after the last step. A wait next is
 * timed as the sender times one after a step it ran: the window opening
 * on the wait's N-th sending day, so a wait after a call waits too.
 */
static int
camp_task_advance(struct db *db, struct camp_outcome_tx *tx,
    const struct camp_task_ctx *c)
{
	long long	 next = c->position + 1, days = 0;
	const char	*due = NULL;
	int		 rc;

	if (next >= c->nsteps)
		return db_exec(db, CK_FINISH, DB_ARGS(DB_TEXT("completed"), DB_NULL,
		    DB_INT(next), DB_INT(c->enrollment)));
	if ((rc = db_one(db, CK_STEP_AT, DB_ARGS(DB_INT(c->campaign),
	    DB_INT(next)))) != DB_OK)
		return rc == DB_NONE ? DB_ERR : rc;
	if (strcmp(db_str(db, 0), "wait") == 0)
		days = db_int(db, 1);
	db_done(db);
	if (days > 0)
		due = camp_utc(tx->r, camp_opening(&c->w, time(NULL),
		    (int)days));
	return db_exec(db, CK_ADVANCE, DB_ARGS(DB_INT(next), DB_TEXT(due),
	    DB_INT(c->enrollment)));
}

/* Reads the task (locked), its enrollment and its campaign into c. */
static int
camp_task_load(struct db *db, struct camp_outcome_tx *tx,
    struct camp_task_ctx *c)
{
	int	 rc;

	memset(c, 0, sizeof(*c));
	if ((rc = db_one(db, CK_LOCK, DB_ARGS(DB_INT(tx->id)))) != DB_OK)
		return rc;
	if (strcmp(db_str(db, 0), "open") != 0)
		tx->conflict = strcmp(db_str(db, 0), "done") == 0 ?
		    "This call already has its outcome." :
		    "This call was canceled: its prospect left the campaign.";
	c->enrollment = (uint64_t)db_int(db, 1);
	c->campaign = (uint64_t)db_int(db, 2);
	c->prospect = (uint64_t)db_int(db, 3);
	c->position = db_int(db, 4);
	c->attempt = db_int(db, 5);
	c->script = (uint64_t)db_int(db, 6);
	db_done(db);
	if (tx->conflict != NULL)
		return DB_NONE;
	if ((rc = db_one(db, CK_ENROLLMENT_LOCK,
	    DB_ARGS(DB_INT(c->enrollment)))) != DB_OK)
		return rc == DB_NONE ? DB_ERR : rc;
	c->active = strcmp(db_str(db, 0), "active") == 0 &&
	    db_int(db, 1) == c->position;
	db_done(db);
	if ((rc = db_one(db, CK_CAMPAIGN, DB_ARGS(DB_INT(c->campaign)))) != DB_OK)
		return rc == DB_NONE ? DB_ERR : rc;
	/* Saved campaigns passed these checks: a failure is a damaged row. */
	rc = window_parse(&c->w, db_str(db, 0), db_str(db, 1), db_str(db, 2),
	    db_str(db, 3)) == 0 ? DB_OK : DB_ERR;
	c->nsteps = db_int(db, 4);
	db_done(db);
	return rc;
}

/*
 * callback_at: ISO 8601 "YYYY-MM-DDTHH:MM[:SS[.fff]]" with "Z" or an
 * offset "+HH:MM", or without, then read as the campaign's local time
 * (tz NULL: refused). 0 with *out, or -1.
 */
static int
camp_iso_time(const char *s, const char *tz, time_t *out)
{
	struct tm	 tm;
	const char	*p;
	int		 off = 0, sign;

	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(s, "%Y-%m-%dT%H:%M", &tm)) == NULL)
		return -1;
	if (*p == ':') {
		if (p[1] < '0' || p[1] > '5' || p[2] < '0' || p[2] > '9')
			return -1;
		tm.tm_sec = (p[1] - '0') * 10 + (p[2] - '0');
		p += 3;
		if (*p == '.')
			for (p++; *p >= '0' && *p <= '9'; p++)
				continue;
	}
	if (*p == '\0')
		return tz != NULL && (*out = window_at(tz, tm.tm_year, tm.tm_mon,
		    tm.tm_mday, tm.tm_hour * 3600L + tm.tm_min * 60 + tm.tm_sec)) !=
		    (time_t)-1 ? 0 : -1;
	if (*p == 'Z' && p[1] == '\0')
		off = 0;
	else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':' &&
	    strspn(p + 1, "0123456789") == 2 && strspn(p + 4, "0123456789") == 2) {
		sign = *p == '-' ? -1 : 1;
		off = sign * (((p[1] - '0') * 10 + (p[2] - '0')) * 3600 +
		    ((p[4] - '0') * 10 + (p[5] - '0')) * 60);
	} else
		return -1;
	*out = timegm(&tm) - off;
	return 0;
}

/* The outcome's effects, in one transaction. */
static int
camp_outcome_run(struct db *db, void *arg)
{
	struct camp_outcome_tx	*tx = arg;
	struct camp_task_ctx	 c;
	const char		*o = tx->outcome;
	time_t			 now = time(NULL);
	int			 rc;

	tx->conflict = tx->bad_callback = NULL;
	tx->callback_id = 0;
	if ((rc = camp_task_load(db, tx, &c)) != DB_OK)
		return rc;
	tx->callback_due = camp_opening(&c.w, now, 1);
	if (tx->callback_at != NULL) {
		if (camp_iso_time(tx->callback_at, c.w.tz, &tx->callback_due) == -1)
			tx->bad_callback = "An ISO 8601 time: 2026-05-04T14:30:00+02:00, or without offset in the campaign's time zone.";
		else if (tx->callback_due < now - CAMP_CALLBACK_PAST ||
		    tx->callback_due > now + CAMP_CALLBACK_AHEAD)
			tx->bad_callback = "A callback is due from now to a year ahead.";
		if (tx->bad_callback != NULL)
			return DB_NONE;
	}
	if ((rc = db_exec(db, CK_CLOSE, DB_ARGS(DB_TEXT(o), DB_TEXT(tx->note),
	    DB_INT(tx->id)))) != DB_OK)
		return rc;
	/* What the prospect said holds whatever became of the enrollment. */
	if (strcmp(o, "interested") == 0 || strcmp(o, "not_interested") == 0) {
		rc = db_exec(db, CK_PROSPECT_STATUS, DB_ARGS(DB_TEXT(o),
		    DB_INT(c.prospect)));
		if (rc != DB_OK && rc != DB_NONE)
			return rc;
	}
	if (!c.active)
		return DB_OK;	/* stopped meanwhile: only the call is recorded */
	if (strcmp(o, "not_interested") == 0 && tx->stop)
		return db_exec(db, CK_FINISH, DB_ARGS(DB_TEXT("stopped"),
		    DB_TEXT("not_interested"), DB_INT(c.position),
		    DB_INT(c.enrollment)));
	if (strcmp(o, "interested") == 0)
		return db_exec(db, CK_FINISH, DB_ARGS(DB_TEXT("completed"),
		    DB_NULL, DB_INT(c.position), DB_INT(c.enrollment)));
	if (strcmp(o, "callback_requested") == 0) {
		rc = db_exec(db, CK_CALLBACK, DB_ARGS(DB_INT(db_user(db)),
		    DB_INT(c.campaign), DB_INT(c.enrollment), DB_INT(c.prospect),
		    DB_INT(c.position), DB_INT(c.attempt + 1),
		    c.script != 0 ? DB_INT(c.script) : DB_NULL,
		    DB_TEXT(camp_utc(tx->r, tx->callback_due))));
		if (rc == DB_OK)
			tx->callback_id = db_last_id(db);
		return rc;
	}
	return camp_task_advance(db, tx, &c);
}

int
camp_task_outcome(struct req *r)
{
	struct camp_outcome_tx	 tx;
	json_t			*o;
	const char		*outcome = req_str(r, CO_OUTCOME);
	struct tm		 tm;
	char			 due[32];
	int			 rc;

	memset(&tx, 0, sizeof(tx));
	tx.r = r;
	tx.outcome = outcome;
	tx.note = req_str(r, CO_NOTE);
	tx.stop = !req_has(r, CO_STOP) || req_true(r, CO_STOP);
	tx.callback_at = req_str(r, CO_CALLBACK_AT);
	if ((tx.id = req_param_id(r, 0)) == 0)
		return resp_db(r, DB_NONE);
	if (req_has(r, CO_STOP) && strcmp(outcome, "not_interested") != 0)
		return resp_unprocessable(r, "stop", "not_allowed",
		    "stop applies to the outcome not_interested only.");
	if (tx.callback_at != NULL && strcmp(outcome, "callback_requested") != 0)
		return resp_unprocessable(r, "callback_at", "not_allowed",
		    "callback_at goes with the outcome callback_requested only.");
	rc = db_tx(r->db, camp_outcome_run, &tx);
	if (tx.conflict != NULL)
		return resp_problem(r, 409, "task_done", tx.conflict);
	if (tx.bad_callback != NULL)
		return resp_unprocessable(r, "callback_at", "time", tx.bad_callback);
	if (rc != DB_OK)
		return resp_db(r, rc);
	if ((rc = db_one(r->db, CK_GET, DB_ARGS(DB_INT(tx.id)))) != DB_OK)
		return resp_db(r, rc);
	o = json_pack("{s:{s:s, s:s, s:s?, s:s?, s:s?}, s:{s:s, s:s, s:s?, s:I,"
	    " s:s?}, s:{s:s, s:s}}",
	    "task", "id", db_str(r->db, 0), "status", db_str(r->db, 1),
	    "outcome", db_str(r->db, 2), "note", db_str(r->db, 3),
	    "done_at", db_str(r->db, 4),
	    "enrollment", "id", db_str(r->db, 5), "status", db_str(r->db, 6),
	    "stop_reason", db_str(r->db, 7),
	    "position", (json_int_t)db_int(r->db, 8), "due_at", db_str(r->db, 9),
	    "prospect", "id", db_str(r->db, 10), "status", db_str(r->db, 11));
	db_done(r->db);
	if (o == NULL)
		abort();
	gmtime_r(&tx.callback_due, &tm);
	strftime(due, sizeof(due), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(o, "callback_task", tx.callback_id == 0 ?
	    json_null() : json_pack("{s:s, s:s}", "id", arena_printf(r->arena,
	    "%" PRIu64, tx.callback_id), "due_at", due));
	return resp_json(r, 200, o);
}
