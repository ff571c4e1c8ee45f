/*
 * Campaigns (/campaigns): a sequence of steps (an e-mail, an SMS, a call,
 * a wait of some sending days) that each enrolled prospect goes through,
 * sent through the user's own sending accounts within a weekly window of
 * the campaign's time zone. This file changes what the user asks for:
 * the campaign and its steps (a step some prospect has reached is history
 * and stays as it is), its state (draft, running, paused, archived), who
 * is enrolled (never the suppressed, the do-not-contact or twice), and
 * reads back what happened (stats, messages, enrollments). The sender
 * (workers/) runs the steps; docs/sequencing.md is the contract between
 * the two, and says who writes which column when.
 */
#include "config.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "analytics.h"
#include "arena.h"
#include "campaigns.h"
#include "window.h"
#include "log.h"
#include "pnorm.h"
#include "prospect.h"
#include "rest.h"
#include "req.h"
#include "resp.h"
#include "sms.h"
#include "supp.h"

#define ISO(c)	"DATE_FORMAT(" c ", '%Y-%m-%dT%H:%i:%sZ')"
/*
 * A message that failed for now (a 4xx, the server or provider down, the
 * account's login refused) while its enrollment still waits on its step
 * to try again (docs/sequencing.md "Retries"): "retrying", not "failed",
 * and when (the enrollment's due_at). Needs my_message m and
 * my_enrollment e joined on m.enrollment_id.
 */
#define MSG_RETRYING_SQL \
	"(m.status = 'failed' AND e.status = 'active' AND e.position = m.position)"
#define MSG_STATUS_SQL \
	"IF(" MSG_RETRYING_SQL ", 'retrying', m.status)"
#define CAMP_COLS_SQL \
	"id, name, status, email_account_id, sms_account_id, timezone, " \
	"window_days, TIME_FORMAT(window_start, '%H:%i'), " \
	"TIME_FORMAT(window_end, '%H:%i'), daily_limit, gap_seconds, " \
	"stop_on_reply, stop_company_on_reply, " ISO("started_at") ", " \
	ISO("created_at") ", " ISO("updated_at")
#define IDS_SQL \
	"JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$')) j"
/* What enrollment needs to know of a prospect, after its id. */
#define CANDIDATE_SQL \
	"p.id, p.status, p.email_key, p.phone, p.phone_e164, p.website_host," \
	" EXISTS (SELECT 1 FROM my_enrollment e WHERE e.campaign_id = ?" \
	" AND e.prospect_id = p.id)"

static const char *const camp_sql[CC__MAX] = {
#define T(x)	[x]
	T(CC_LIST) = "SELECT " CAMP_COLS_SQL " FROM my_campaign"
	    " WHERE (? IS NULL OR status = ?) AND id < ? ORDER BY id DESC LIMIT ?",
	T(CC_GET) = "SELECT " CAMP_COLS_SQL " FROM my_campaign WHERE id = ?",
	T(CC_LOCK) = "SELECT " CAMP_COLS_SQL " FROM my_campaign WHERE id = ?"
	    " FOR UPDATE",
	T(CC_INSERT) = "INSERT INTO my_campaign (user_id, name,"
	    " email_account_id, sms_account_id, timezone, window_days,"
	    " window_start, window_end, daily_limit, gap_seconds, stop_on_reply,"
	    " stop_company_on_reply, created_at, updated_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NOW(3), NOW(3))",
	T(CC_UPDATE) = "UPDATE my_campaign SET name = ?, email_account_id = ?,"
	    " sms_account_id = ?, timezone = ?, window_days = ?,"
	    " window_start = ?, window_end = ?, daily_limit = ?,"
	    " gap_seconds = ?, stop_on_reply = ?, stop_company_on_reply = ?,"
	    " updated_at = NOW(3) WHERE id = ?",
	T(CC_STATUS) = "UPDATE my_campaign SET status = ?, started_at ="
	    " COALESCE(started_at, IF(? = 'running', NOW(3), NULL)),"
	    " updated_at = NOW(3) WHERE id = ?",
	T(CC_DELETE) = "DELETE FROM my_campaign WHERE id = ? AND status = 'draft'",
	T(CC_STEPS_OF) = "SELECT s.campaign_id, s.id, s.position, s.kind,"
	    " s.template_id, s.call_script_id, s.wait_days FROM " IDS_SQL
	    " JOIN my_campaign_step s ON s.campaign_id = j.id"
	    " ORDER BY s.campaign_id, s.position",
	T(CC_COUNTS_OF) = "SELECT e.campaign_id, e.status, COUNT(*) FROM "
	    IDS_SQL " JOIN my_enrollment e ON e.campaign_id = j.id"
	    " GROUP BY e.campaign_id, e.status",
	T(CC_STEP_INSERT) = "INSERT INTO my_campaign_step (user_id, campaign_id,"
	    " position, kind, template_id, call_script_id, wait_days)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?)",
	T(CC_STEP_UPDATE) = "UPDATE my_campaign_step SET kind = ?,"
	    " template_id = ?, call_script_id = ?, wait_days = ?"
	    " WHERE campaign_id = ? AND position = ?",
	T(CC_STEP_TRIM) = "DELETE FROM my_campaign_step WHERE campaign_id = ?"
	    " AND position >= ?",
	/*
	 * The first position that no enrollment has reached: an enrollment
	 * at p has run the steps before p (and is running p while the
	 * sender holds its lease); a message or a task at p means p ran.
	 */
	T(CC_REACHED) = "SELECT GREATEST("
	    "COALESCE((SELECT MAX(position + (lease_until IS NOT NULL AND"
	    " lease_until > NOW(3))) FROM my_enrollment WHERE campaign_id = ?), 0),"
	    " COALESCE((SELECT MAX(position) + 1 FROM my_message"
	    " WHERE campaign_id = ?), 0),"
	    " COALESCE((SELECT MAX(position) + 1 FROM my_task"
	    " WHERE campaign_id = ?), 0))",
	T(CC_COMPLETE_PAST) = "UPDATE my_enrollment SET status = 'completed',"
	    " due_at = NULL, finished_at = NOW(3), updated_at = NOW(3)"
	    " WHERE campaign_id = ? AND status = 'active' AND position >= ?",
	/*
	 * After a change of the window, the zone or the daily limit: the
	 * message steps the sender put off to a later window opening or
	 * day (due later, no attempt spent: docs/sequencing.md) become due
	 * now, for the sender to time again by the new rules. Waits keep
	 * their day; retries their backoff; claimed rows their lease.
	 */
	T(CC_RESCHEDULE) = "UPDATE my_enrollment SET due_at = NOW(3),"
	    " updated_at = NOW(3) WHERE campaign_id = ? AND status = 'active'"
	    " AND due_at > NOW(3) AND attempts = 0"
	    " AND (lease_until IS NULL OR lease_until < NOW(3))"
	    " AND position IN (SELECT position FROM my_campaign_step"
	    " WHERE campaign_id = ? AND kind IN ('email', 'sms'))",
	/*
	 * The waits a new window, zone or wait length times otherwise: an
	 * enrollment at a wait step started waiting when it got there
	 * (updated_at, which nothing else moves while it waits), so its due
	 * time is computed again from that instant, in 15-minute slices
	 * (every zone's offset is a multiple of 15 minutes: one slice lies
	 * in one local day).
	 */
	T(CC_WAITING) = "SELECT DISTINCT FLOOR(UNIX_TIMESTAMP(updated_at) / 900)"
	    " FROM my_enrollment WHERE campaign_id = ? AND position = ?"
	    " AND status = 'active' AND due_at > NOW(3)"
	    " AND (lease_until IS NULL OR lease_until < NOW(3)) LIMIT 2001",
	T(CC_REWAIT) = "UPDATE my_enrollment SET due_at = FROM_UNIXTIME(?)"
	    " WHERE campaign_id = ? AND position = ? AND status = 'active'"
	    " AND due_at > NOW(3) AND (lease_until IS NULL OR lease_until < NOW(3))"
	    " AND updated_at >= FROM_UNIXTIME(?) AND updated_at < FROM_UNIXTIME(?)",
	/* Archived: final, so nobody is left waiting in it. */
	T(CC_ARCHIVE_STOP) = "UPDATE my_enrollment SET status = 'stopped',"
	    " stop_reason = 'removed', due_at = NULL, finished_at = NOW(3),"
	    " updated_at = NOW(3) WHERE campaign_id = ? AND status = 'active'",
	T(CC_ARCHIVE_TASKS) = "UPDATE my_task SET status = 'canceled'"
	    " WHERE campaign_id = ? AND status = 'open'",
	T(CC_TEMPLATE_CHANNEL) = "SELECT channel, subject IS NOT NULL"
	    " FROM my_template WHERE id = ?",
	T(CC_SCRIPT_ID) = "SELECT id FROM my_call_script WHERE id = ?",
	T(CC_ACCOUNT_CHANNEL) = "SELECT channel FROM my_sending_account"
	    " WHERE id = ?",
	T(CC_ENROLL_IDS) = "SELECT j.id, " CANDIDATE_SQL " FROM " IDS_SQL
	    " LEFT JOIN my_prospect p ON p.id = j.id",
	T(CC_ENROLL_FILTER) = "SELECT p.id, " CANDIDATE_SQL
	    " FROM my_prospect p" PROSPECT_FILTER_SQL " ORDER BY p.id LIMIT ?",
	T(CC_SUPPRESSED_OF) = "SELECT LOWER(HEX(s.value_hash)) FROM"
	    " JSON_TABLE(?, '$[*]' COLUMNS (h CHAR(64) PATH '$')) j"
	    " JOIN my_suppression s ON s.value_hash = UNHEX(j.h)",
	/* A concurrent enrollment of the same prospect is skipped, not an error. */
	T(CC_ENROLL_INSERT) = "INSERT IGNORE INTO my_enrollment (user_id,"
	    " campaign_id, prospect_id, status, position, due_at, enrolled_at,"
	    " updated_at) SELECT ?, ?, j.id, 'active', 0, NOW(3), NOW(3), NOW(3)"
	    " FROM " IDS_SQL,
	T(CC_STATS_ENROLLMENTS) = "SELECT status, stop_reason, COUNT(*)"
	    " FROM my_enrollment WHERE campaign_id = ?"
	    " GROUP BY status, stop_reason",
	T(CC_STATS_MESSAGES) = "SELECT m.position, m.channel, " MSG_STATUS_SQL
	    " AS st, COUNT(*), SUM(m.sent_at IS NOT NULL),"
	    " SUM(m.replied_at IS NOT NULL) FROM my_message m"
	    " LEFT JOIN my_enrollment e ON e.id = m.enrollment_id"
	    " WHERE m.campaign_id = ? GROUP BY m.position, m.channel, st",
	T(CC_STATS_TASKS) = "SELECT status, outcome, COUNT(*) FROM my_task"
	    " WHERE campaign_id = ? GROUP BY status, outcome",
	T(CC_MESSAGES) = "SELECT m.id, m.prospect_id, p.name, m.position,"
	    " m.channel, " MSG_STATUS_SQL ", m.to_addr, m.subject, "
	    ISO("m.sent_at") ", " ISO("m.replied_at") ", " ISO("m.bounced_at")
	    ", m.error, m.attempts, " ISO("m.created_at") ", "
	    ISO("IF(" MSG_RETRYING_SQL ", e.due_at, NULL)") " FROM my_message m"
	    " LEFT JOIN my_prospect p ON p.id = m.prospect_id"
	    " LEFT JOIN my_enrollment e ON e.id = m.enrollment_id"
	    " WHERE m.campaign_id = ? AND (? IS NULL OR " MSG_STATUS_SQL " = ?)"
	    " AND m.id < ? ORDER BY m.id DESC LIMIT ?",
	T(CC_ENROLLMENTS) = "SELECT e.id, e.prospect_id, p.name, e.status,"
	    " e.stop_reason, e.position, " ISO("e.due_at") ", e.attempts,"
	    " e.last_error, " ISO("e.enrolled_at") ", " ISO("e.updated_at") ", "
	    ISO("e.finished_at") " FROM my_enrollment e"
	    " LEFT JOIN my_prospect p ON p.id = e.prospect_id"
	    " WHERE e.campaign_id = ? AND (? IS NULL OR e.status = ?)"
	    " AND (? IS NULL OR e.stop_reason = ?)"
	    " AND e.id < ? ORDER BY e.id DESC LIMIT ?",
	T(CC_ENROLLMENT_LOCK) = "SELECT id, status FROM my_enrollment"
	    " WHERE campaign_id = ? AND prospect_id = ? FOR UPDATE",
	T(CC_ENROLLMENT_STOP) = "UPDATE my_enrollment SET status = 'stopped',"
	    " stop_reason = 'removed', due_at = NULL, finished_at = NOW(3),"
	    " updated_at = NOW(3) WHERE id = ? AND status = 'active'",
	T(CC_TASKS_CANCEL) = "UPDATE my_task SET status = 'canceled'"
	    " WHERE enrollment_id = ? AND status = 'open'",
#undef T
};
const struct db_table camp_table = { camp_sql, CA__MAX, CC__MAX };

/* The columns of CAMP_COLS_SQL. */
enum {
	KC_ID, KC_NAME, KC_STATUS, KC_EMAIL_ACCOUNT, KC_SMS_ACCOUNT, KC_TZ,
	KC_DAYS, KC_START, KC_END, KC_DAILY_LIMIT, KC_GAP, KC_STOP_REPLY,
	KC_STOP_COMPANY, KC_STARTED_AT, KC_CREATED_AT, KC_UPDATED_AT, KC__MAX
};

/* A step's kind, as campaign_step.kind. */
enum camp_kind { STEP_EMAIL, STEP_SMS, STEP_CALL, STEP_WAIT, STEP__MAX };
static const char *const camp_kinds[STEP__MAX + 1] = {
	"email", "sms", "call", "wait", NULL
};

/* Days of a window, in the order the API and window_days list them. */
static const char *const camp_days[] = {
	"mon", "tue", "wed", "thu", "fri", "sat", "sun", NULL
};

static const char *const camp_statuses[] = {
	"draft", "running", "paused", "archived", NULL
};

/* -- body fields -------------------------------------------------------------- */

/* "window" and "filter": objects, read key by key in C. */
static int
camp_field_object(const struct field *f, json_t *v, const char **code,
    const char **msg)
{
	if (json_is_object(v))
		return 0;
	*code = "type";
	*msg = "must be an object";
	return -1;
}

/* "steps": an array of step objects, read one by one in C. */
static int
camp_field_steps(const struct field *f, json_t *v, const char **code,
    const char **msg)
{
	if (json_is_array(v))
		return 0;
	*code = "type";
	*msg = "must be a list of steps";
	return -1;
}

/* "prospect_ids": an array of ids (strings of digits), counted in C. */
static int
camp_field_ids(const struct field *f, json_t *v, const char **code,
    const char **msg)
{
	struct field	 fid = { "id", field_id, 0, 0, 0, NULL };
	json_t		*e;
	size_t		 i;

	if (!json_is_array(v) || json_array_size(v) == 0) {
		*code = "type";
		*msg = "must be a non-empty list of prospect ids";
		return -1;
	}
	json_array_foreach(v, i, e)
		if (field_id(&fid, e, code, msg) == -1)
			return -1;
	return 0;
}

const struct field camp_fields[CF__MAX] = {
	[CF_NAME] = { "name", field_text, 0, 1, CAMP_NAME_MAX, NULL },
	[CF_SENDING_ACCOUNT_ID] = { "sending_account_id", field_id, FIELD_NULL,
	    0, 0, NULL },
	[CF_SMS_ACCOUNT_ID] = { "sms_account_id", field_id, FIELD_NULL, 0, 0,
	    NULL },
	[CF_TIMEZONE] = { "timezone", field_text, 0, 1, CAMP_TZ_MAX, NULL },
	[CF_WINDOW] = { "window", camp_field_object, 0, 0, 0, NULL },
	[CF_DAILY_LIMIT] = { "daily_limit", field_int, 0, 1, 10000, NULL },
	[CF_GAP_SECONDS] = { "gap_seconds", field_int, 0, 0, 86400, NULL },
	[CF_STOP_ON_REPLY] = { "stop_on_reply", field_bool, 0, 0, 0, NULL },
	[CF_STOP_COMPANY_ON_REPLY] = { "stop_company_on_reply", field_bool, 0,
	    0, 0, NULL },
	[CF_STEPS] = { "steps", camp_field_steps, 0, 0, 0, NULL },
};

const struct field camp_enroll_fields[CE__MAX] = {
	[CE_PROSPECT_IDS] = { "prospect_ids", camp_field_ids, 0, 0, 0, NULL },
	[CE_FILTER] = { "filter", camp_field_object, 0, 0, 0, NULL },
};

void
camp_error(json_t *errors, const char *field, const char *code,
    const char *msg)
{
	json_array_append_new(errors, json_pack("{s:s, s:s, s:s}", "field",
	    field, "code", code, "message", msg));
}

/* -- a campaign as the API shows it ------------------------------------------- */

/* The current row of CAMP_COLS_SQL, without steps and counts. */
void
camp_page(struct req *r, long *limit, uint64_t *cursor, json_t *errors)
{
	if (req_page(r, limit, cursor) == -1)
		camp_error(errors, req_page_bad(r), "bad_page", "limit must be 1 "
		    "to 200 and cursor a value from next_cursor");
}

/* The days of a SET value or of one day name as struct window's bits. */
static unsigned int
camp_mask(const char *set)
{
	int	 m = window_days_mask(set);

	return m == -1 ? 0 : (unsigned int)m;
}

static json_t *
camp_json(struct db *db)
{
	json_t		*o, *days;
	const char	*set = db_str(db, KC_DAYS);
	size_t		 i;

	days = json_array();
	for (i = 0; camp_days[i] != NULL; i++)
		if (camp_mask(set) & camp_mask(camp_days[i]))
			json_array_append_new(days, json_string(camp_days[i]));
	o = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s,"
	    " s:{s:o, s:s, s:s}, s:I, s:I, s:b, s:b, s:s?, s:s, s:s}",
	    "id", db_str(db, KC_ID), "name", db_str(db, KC_NAME),
	    "status", db_str(db, KC_STATUS),
	    "sending_account_id", db_str(db, KC_EMAIL_ACCOUNT),
	    "sms_account_id", db_str(db, KC_SMS_ACCOUNT),
	    "timezone", db_str(db, KC_TZ),
	    "window", "days", days, "start", db_str(db, KC_START),
	    "end", db_str(db, KC_END),
	    "daily_limit", (json_int_t)db_int(db, KC_DAILY_LIMIT),
	    "gap_seconds", (json_int_t)db_int(db, KC_GAP),
	    "stop_on_reply", (int)db_int(db, KC_STOP_REPLY),
	    "stop_company_on_reply", (int)db_int(db, KC_STOP_COMPANY),
	    "started_at", db_str(db, KC_STARTED_AT),
	    "created_at", db_str(db, KC_CREATED_AT),
	    "updated_at", db_str(db, KC_UPDATED_AT));
	if (o == NULL)
		abort();
	json_object_set_new(o, "steps", json_array());
	json_object_set_new(o, "counts", json_pack("{s:i, s:i, s:i, s:i}",
	    "enrolled", 0, "active", 0, "completed", 0, "stopped", 0));
	return o;
}

/* The current row of CC_STEPS_OF as the API's step. */
static json_t *
camp_step_json(struct db *db)
{
	json_t		*o;
	const char	*kind = db_str(db, 3);

	o = json_pack("{s:s, s:I, s:s}", "id", db_str(db, 1),
	    "position", (json_int_t)db_int(db, 2), "kind", kind);
	if (strcmp(kind, "email") == 0 || strcmp(kind, "sms") == 0)
		json_object_set_new(o, "template_id", json_string(db_str(db, 4)));
	else if (strcmp(kind, "call") == 0)
		json_object_set_new(o, "call_script_id",
		    json_string(db_str(db, 5)));
	else
		json_object_set_new(o, "days", json_integer(db_int(db, 6)));
	return o;
}

/*
 * Adds to each campaign of items its steps and its enrollment counts, in
 * two statements for the whole page. DB_OK or an error code.
 */
static int
camp_complete(struct db *db, json_t *items)
{
	json_t	*o, *counts;
	char	*ids;
	int	 rc;

	if (json_array_size(items) == 0)
		return DB_OK;
	ids = rest_ids_text(items);
	if ((rc = db_query(db, CC_STEPS_OF, DB_ARGS(DB_TEXT(ids)))) != DB_OK)
		goto fail;
	while ((rc = db_next(db)) == DB_OK)
		if ((o = rest_item(items, db_str(db, 0))) != NULL)
			json_array_append_new(json_object_get(o, "steps"),
			    camp_step_json(db));
	if (rc != DB_NONE)
		goto fail;
	if ((rc = db_query(db, CC_COUNTS_OF, DB_ARGS(DB_TEXT(ids)))) != DB_OK)
		goto fail;
	while ((rc = db_next(db)) == DB_OK) {
		if ((o = rest_item(items, db_str(db, 0))) == NULL)
			continue;
		counts = json_object_get(o, "counts");
		json_object_set_new(counts, db_str(db, 1),
		    json_integer(db_int(db, 2)));
		json_object_set_new(counts, "enrolled", json_integer(
		    json_integer_value(json_object_get(counts, "enrolled")) +
		    db_int(db, 2)));
	}
	if (rc != DB_NONE)
		goto fail;
	rc = DB_OK;
fail:
	free(ids);
	return rc;
}

/* Answers status with campaign id, steps and counts included. */
static int
camp_reply(struct req *r, int status, uint64_t id)
{
	json_t	*items, *o;
	int	 rc;

	if ((rc = db_one(r->db, CC_GET, DB_ARGS(DB_INT(id)))) != DB_OK)
		return resp_db(r, rc);
	items = json_pack("[o]", camp_json(r->db));
	db_done(r->db);
	if ((rc = camp_complete(r->db, items)) != DB_OK) {
		json_decref(items);
		return resp_db(r, rc);
	}
	o = json_incref(json_array_get(items, 0));
	json_decref(items);
	return resp_json(r, status, o);
}

/*
 * The query parameter key, which must be one of allowed (NULL-terminated)
 * when given, into *out (NULL when absent). 0, or -1 when it is not
 * (errors gets an entry).
 */
static int
camp_query_enum(struct req *r, const char *key, const char *const *allowed,
    const char **out, json_t *errors)
{
	size_t	 i;

	*out = req_query(r, key);
	if (*out == NULL)
		return 0;
	for (i = 0; allowed[i] != NULL; i++)
		if (strcmp(*out, allowed[i]) == 0)
			return 0;
	camp_error(errors, key, "enum", "is not one of the allowed values");
	return -1;
}

/*
 * Checks that the query holds only the keys of known (NULL-terminated)
 * and paging; reads the enums of keys[0..n) against their lists into
 * vals. 0, or -1 after answering 400.
 */
static int
camp_query_or_reply(struct req *r, const char *const *known,
    const char *const *const *lists, const char **vals, long *limit,
    uint64_t *cursor)
{
	json_t	*errors = json_array();
	size_t	 i, k;

	for (i = 0; i < r->nquery; i++) {
		for (k = 0; known[k] != NULL; k++)
			if (strcmp(r->query[i].key, known[k]) == 0)
				break;
		if (known[k] == NULL && strcmp(r->query[i].key, "limit") != 0 &&
		    strcmp(r->query[i].key, "cursor") != 0)
			camp_error(errors, r->query[i].key, "unknown_parameter",
			    "is not a parameter of this request");
	}
	for (k = 0; known[k] != NULL; k++)
		camp_query_enum(r, known[k], lists[k], &vals[k], errors);
	camp_page(r, limit, cursor, errors);
	if (json_array_size(errors) > 0) {
		resp_invalid(r, "Some query parameters are unknown or invalid.",
		    errors);
		return -1;
	}
	json_decref(errors);
	if (*cursor > INT64_MAX)
		*cursor = INT64_MAX;
	return 0;
}

int
camp_list(struct req *r)
{
	static const char *const known[] = { "status", NULL };
	static const char *const *const lists[] = { camp_statuses };
	const char	*vals[1];
	json_t		*items;
	long		 limit, n = 0;
	uint64_t	 cursor;
	char		 last[24] = "";
	int		 rc, more;

	if (camp_query_or_reply(r, known, lists, vals, &limit, &cursor) == -1)
		return r->status;
	if ((rc = db_query(r->db, CC_LIST, DB_ARGS(DB_TEXT(vals[0]),
	    DB_TEXT(vals[0]), DB_INT(cursor), DB_INT(limit + 1)))) != DB_OK)
		return resp_db(r, rc);
	items = json_array();
	while ((rc = db_next(r->db)) == DB_OK && n < limit) {
		json_array_append_new(items, camp_json(r->db));
		snprintf(last, sizeof(last), "%s", db_str(r->db, KC_ID));
		n++;
	}
	more = rc == DB_OK;	/* a row past the page */
	if ((rc != DB_OK && rc != DB_NONE) ||
	    (rc = camp_complete(r->db, items)) != DB_OK) {
		json_decref(items);
		return resp_db(r, rc);
	}
	return resp_json(r, 200, json_pack("{s:o, s:s?}", "items", items,
	    "next_cursor", more ? last : NULL));
}

int
camp_read(struct req *r)
{
	uint64_t	 id = req_param_id(r, 0);

	if (id == 0)
		return resp_db(r, DB_NONE);
	return camp_reply(r, 200, id);
}

/* -- a campaign being written ------------------------------------------------- */

struct camp_step {
	enum camp_kind	 kind;
	uint64_t	 ref;		/* the template or call script */
	long long	 days;		/* a wait's sending days */
};

struct camp_def {
	uint64_t	 id;		/* 0: a new campaign */
	const char	*status;
	const char	*name;
	uint64_t	 email_account, sms_account;
	const char	*tz;
	unsigned int	 days;		/* window_days_mask() bits */
	char		 start[6], end[6];	/* "HH:MM" */
	long long	 daily_limit, gap;
	int		 stop_reply, stop_company;
	size_t		 nsteps;
	struct camp_step steps[CAMP_STEPS_MAX];
};

/* The defaults of a new campaign (sql/migrations/0004). */
static void
camp_def_init(struct camp_def *d)
{
	memset(d, 0, sizeof(*d));
	d->status = "draft";
	d->tz = "Europe/Paris";
	d->days = camp_mask("mon,tue,wed,thu,fri");
	snprintf(d->start, sizeof(d->start), "09:00");
	snprintf(d->end, sizeof(d->end), "18:00");
	d->daily_limit = 100;
	d->gap = 60;
	d->stop_reply = 1;
}

/* The stored campaign: the current row of CAMP_COLS_SQL. */
static void
camp_def_row(struct req *r, struct camp_def *d)
{
	d->id = (uint64_t)db_int(r->db, KC_ID);
	d->status = arena_strdup(r->arena, db_str(r->db, KC_STATUS));
	d->name = arena_strdup(r->arena, db_str(r->db, KC_NAME));
	d->email_account = (uint64_t)db_int(r->db, KC_EMAIL_ACCOUNT);
	d->sms_account = (uint64_t)db_int(r->db, KC_SMS_ACCOUNT);
	d->tz = arena_strdup(r->arena, db_str(r->db, KC_TZ));
	d->days = camp_mask(db_str(r->db, KC_DAYS));
	snprintf(d->start, sizeof(d->start), "%s", db_str(r->db, KC_START));
	snprintf(d->end, sizeof(d->end), "%s", db_str(r->db, KC_END));
	d->daily_limit = db_int(r->db, KC_DAILY_LIMIT);
	d->gap = db_int(r->db, KC_GAP);
	d->stop_reply = (int)db_int(r->db, KC_STOP_REPLY);
	d->stop_company = (int)db_int(r->db, KC_STOP_COMPANY);
}

/* The stored steps of d (CC_STEPS_OF). DB_OK or an error code. */
static int
camp_def_steps(struct req *r, struct camp_def *d)
{
	char		 ids[32];
	const char	*kind;
	size_t		 k;
	int		 rc;

	snprintf(ids, sizeof(ids), "[%" PRIu64 "]", d->id);
	if ((rc = db_query(r->db, CC_STEPS_OF, DB_ARGS(DB_TEXT(ids)))) != DB_OK)
		return rc;
	d->nsteps = 0;
	while ((rc = db_next(r->db)) == DB_OK && d->nsteps < CAMP_STEPS_MAX) {
		struct camp_step *s = &d->steps[d->nsteps++];

		kind = db_str(r->db, 3);
		for (k = 0; k < STEP__MAX && strcmp(kind, camp_kinds[k]) != 0; k++)
			continue;
		s->kind = (enum camp_kind)k;
		s->ref = (uint64_t)db_int(r->db, s->kind == STEP_CALL ? 5 : 4);
		s->days = db_int(r->db, 6);
	}
	return rc == DB_OK || rc == DB_NONE ? DB_OK : rc;
}

/* 1 if s is "HH:MM", 00:00 to 23:59, or 24:00 when end is set. */
static int
camp_hhmm(const char *s, int end)
{
	if (strlen(s) != 5 || s[2] != ':' || strspn(s, "0123456789:") != 5)
		return 0;
	if (end && strcmp(s, "24:00") == 0)
		return 1;
	return ((s[0] - '0') * 10 + (s[1] - '0')) < 24 && s[3] < '6';
}

/* Reads the body's "window" over d's; problems into errors. */
static void
camp_def_window(json_t *w, struct camp_def *d, json_t *errors)
{
	const char	*k, *v;
	json_t		*e, *day;
	size_t		 i, j;
	unsigned int	 mask;
	char		 field[40];

	json_object_foreach(w, k, e) {
		snprintf(field, sizeof(field), "window.%s", k);
		if (strcmp(k, "days") == 0) {
			mask = 0;
			if (!json_is_array(e) || json_array_size(e) == 0) {
				camp_error(errors, field, "type",
				    "A list of 1 to 7 days: \"mon\" ... \"sun\".");
				continue;
			}
			json_array_foreach(e, i, day) {
				v = json_string_value(day);
				for (j = 0; v != NULL && camp_days[j] != NULL; j++)
					if (strcmp(v, camp_days[j]) == 0)
						break;
				snprintf(field, sizeof(field), "window.days[%zu]", i);
				if (v == NULL || camp_days[j] == NULL)
					camp_error(errors, field, "enum",
					    "A day is one of mon, tue, wed, thu, fri, sat, sun.");
				else if (mask & camp_mask(v))
					camp_error(errors, field, "repeated",
					    "Each day is listed once.");
				else
					mask |= camp_mask(v);
			}
			d->days = mask;
		} else if (strcmp(k, "start") == 0 || strcmp(k, "end") == 0) {
			v = json_string_value(e);
			if (v == NULL || !camp_hhmm(v, k[0] == 'e')) {
				camp_error(errors, field, "time",
				    "A local time as HH:MM, 00:00 to 23:59 (the end may be 24:00).");
				continue;
			}
			snprintf(k[0] == 's' ? d->start : d->end, sizeof(d->start),
			    "%s", v);
		} else
			camp_error(errors, field, "unknown_field",
			    "A window has days, start and end.");
	}
}

/* The id in a step object's key k: 0 with an error when it is not one. */
static uint64_t
camp_step_ref(json_t *step, const char *k, size_t i, json_t *errors)
{
	struct field	 fid = { "id", field_id, 0, 0, 0, NULL };
	const char	*code, *msg;
	json_t		*v = json_object_get(step, k);
	char		 field[48];

	snprintf(field, sizeof(field), "steps[%zu].%s", i, k);
	if (v == NULL) {
		camp_error(errors, field, "required", "This step needs it.");
		return 0;
	}
	if (field_id(&fid, v, &code, &msg) == -1) {
		camp_error(errors, field, code, msg);
		return 0;
	}
	return strtoull(json_string_value(v), NULL, 10);
}

/*
 * Reads the body's "steps" into d; their shape (kind, the key each kind
 * needs and no other, wait lengths, where waits stand) into errors.
 */
static void
camp_def_steps_body(json_t *in, struct camp_def *d, json_t *errors)
{
	static const char *const keys[STEP__MAX] = {
		"template_id", "template_id", "call_script_id", "days"
	};
	json_t		*e, *kv;
	const char	*k, *kind;
	size_t		 i, n;
	char		 field[64];

	if ((n = json_array_size(in)) > CAMP_STEPS_MAX) {
		camp_error(errors, "steps", "too_many",
		    "A campaign has at most 20 steps.");
		return;
	}
	d->nsteps = n;
	json_array_foreach(in, i, e) {
		struct camp_step *s = &d->steps[i];

		snprintf(field, sizeof(field), "steps[%zu]", i);
		if (!json_is_object(e)) {
			camp_error(errors, field, "type", "A step is an object.");
			continue;
		}
		kind = json_string_value(json_object_get(e, "kind"));
		for (s->kind = 0; kind != NULL && s->kind < STEP__MAX; s->kind++)
			if (strcmp(kind, camp_kinds[s->kind]) == 0)
				break;
		snprintf(field, sizeof(field), "steps[%zu].kind", i);
		if (kind == NULL || s->kind == STEP__MAX) {
			camp_error(errors, field, kind == NULL ? "required" : "enum",
			    "A step's kind is email, sms, call or wait.");
			s->kind = STEP_EMAIL;
			continue;
		}
		/*
		 * Its own key, and "id" and "position" as the answers carry
		 * them: a step is where it stands in the list, so a position
		 * must say the same.
		 */
		json_object_foreach(e, k, kv) {
			if (strcmp(k, "kind") == 0 || strcmp(k, "id") == 0 ||
			    strcmp(k, keys[s->kind]) == 0)
				continue;
			if (strcmp(k, "position") == 0) {
				if (!json_is_integer(kv) ||
				    json_integer_value(kv) != (json_int_t)i) {
					snprintf(field, sizeof(field),
					    "steps[%zu].position", i);
					camp_error(errors, field, "position",
					    "A step's position is its index in the list.");
				}
				continue;
			}
			snprintf(field, sizeof(field), "steps[%zu].%.24s", i, k);
			camp_error(errors, field, "not_allowed", s->kind == STEP_WAIT ?
			    "A wait step has only days." : s->kind == STEP_CALL ?
			    "A call step has only call_script_id." :
			    "A message step has only template_id.");
		}
		if (s->kind != STEP_WAIT) {
			s->ref = camp_step_ref(e, keys[s->kind], i, errors);
			continue;
		}
		kv = json_object_get(e, "days");
		snprintf(field, sizeof(field), "steps[%zu].days", i);
		if (!json_is_integer(kv) || json_integer_value(kv) < 1 ||
		    json_integer_value(kv) > CAMP_WAIT_MAX)
			camp_error(errors, field, kv == NULL ? "required" : "range",
			    "A wait lasts 1 to 60 sending days.");
		else
			s->days = json_integer_value(kv);
		/*
		 * Enrollment makes the first step due at once and the sender
		 * times a wait from the step before it, so a wait first does
		 * nothing, a wait last delays nothing, and two in a row are
		 * one wait the sender would half skip.
		 */
		snprintf(field, sizeof(field), "steps[%zu].kind", i);
		if (i == 0)
			camp_error(errors, field, "wait_first",
			    "A campaign cannot open with a wait: its first step runs at enrollment.");
		else if (i == n - 1)
			camp_error(errors, field, "wait_last",
			    "A wait as the last step delays nothing: remove it.");
		else if (d->steps[i - 1].kind == STEP_WAIT)
			camp_error(errors, field, "consecutive_waits",
			    "Two waits in a row: make them one wait of their total days.");
	}
}

/* Reads the body over d (stored or defaults); problems into errors. */
static void
camp_def_body(struct req *r, struct camp_def *d, json_t *errors)
{
	json_t	*v;

	if (req_str(r, CF_NAME) != NULL)
		d->name = req_str(r, CF_NAME);
	if ((v = r->vals[CF_SENDING_ACCOUNT_ID]) != NULL)
		d->email_account = json_is_null(v) ? 0 :
		    strtoull(json_string_value(v), NULL, 10);
	if ((v = r->vals[CF_SMS_ACCOUNT_ID]) != NULL)
		d->sms_account = json_is_null(v) ? 0 :
		    strtoull(json_string_value(v), NULL, 10);
	if (req_str(r, CF_TIMEZONE) != NULL) {
		d->tz = req_str(r, CF_TIMEZONE);
		if (!window_tz_valid(d->tz))
			camp_error(errors, "timezone", "timezone",
			    "An IANA time zone such as Europe/Paris.");
	}
	if ((v = r->vals[CF_WINDOW]) != NULL)
		camp_def_window(v, d, errors);
	if (strcmp(d->start, d->end) >= 0)
		camp_error(errors, "window.end", "before_start",
		    "The window must end after it starts, on the same day.");
	if (req_has(r, CF_DAILY_LIMIT))
		d->daily_limit = req_int(r, CF_DAILY_LIMIT);
	if (req_has(r, CF_GAP_SECONDS))
		d->gap = req_int(r, CF_GAP_SECONDS);
	if (req_has(r, CF_STOP_ON_REPLY))
		d->stop_reply = req_true(r, CF_STOP_ON_REPLY);
	if (req_has(r, CF_STOP_COMPANY_ON_REPLY))
		d->stop_company = req_true(r, CF_STOP_COMPANY_ON_REPLY);
	if ((v = r->vals[CF_STEPS]) != NULL)
		camp_def_steps_body(v, d, errors);
}

/*
 * The rules that read the database: each step's template or call script
 * is the user's and of the step's channel; each account is the user's
 * and of its channel; unless draft (a draft is built step by step, its
 * accounts may come last; starting checks again), the steps have the
 * accounts they send through. Problems into errors. DB_OK, or an error
 * code.
 */
static int
camp_def_check(struct req *r, const struct camp_def *d, json_t *errors,
    int draft)
{
	static const char *const want[STEP__MAX] = { "email", "sms", NULL, NULL };
	char		 field[48];
	size_t		 i;
	int		 rc, need[STEP__MAX] = { 0 }, first_email = 1;

	for (i = 0; i < d->nsteps; i++) {
		const struct camp_step *s = &d->steps[i];

		need[s->kind] = 1;
		if (s->kind == STEP_WAIT || s->ref == 0)
			continue;
		snprintf(field, sizeof(field), "steps[%zu].%s", i,
		    s->kind == STEP_CALL ? "call_script_id" : "template_id");
		rc = db_one(r->db, s->kind == STEP_CALL ? CC_SCRIPT_ID :
		    CC_TEMPLATE_CHANNEL, DB_ARGS(DB_INT(s->ref)));
		if (rc == DB_NONE) {
			camp_error(errors, field, "not_found", s->kind == STEP_CALL ?
			    "No such call script, or it is not yours." :
			    "No such template, or it is not yours.");
			continue;
		}
		if (rc != DB_OK)
			return rc;
		if (s->kind != STEP_CALL &&
		    strcmp(db_str(r->db, 0), want[s->kind]) != 0)
			camp_error(errors, field, "wrong_channel",
			    s->kind == STEP_SMS ?
			    "An SMS step sends an SMS template." :
			    "An e-mail step sends an e-mail template.");
		else if (s->kind == STEP_EMAIL && first_email && !db_int(r->db, 1))
			camp_error(errors, field, "no_subject",
			    "The first e-mail of a sequence needs a subject: a "
			    "template without one is a follow-up, which keeps "
			    "the subject of the e-mail before it.");
		if (s->kind == STEP_EMAIL)
			first_email = 0;
		db_done(r->db);
	}
	for (i = 0; i < 2; i++) {
		uint64_t	 acct = i == 0 ? d->email_account : d->sms_account;
		const char	*name = i == 0 ? "sending_account_id" :
				    "sms_account_id";

		if (acct == 0) {
			if (need[i] && !draft)
				camp_error(errors, name, "required", i == 0 ?
				    "An e-mail step needs an e-mail sending account." :
				    "An SMS step needs an SMS sending account.");
			continue;
		}
		rc = db_one(r->db, CC_ACCOUNT_CHANNEL, DB_ARGS(DB_INT(acct)));
		if (rc == DB_NONE) {
			camp_error(errors, name, "not_found",
			    "No such sending account, or it is not yours.");
			continue;
		}
		if (rc != DB_OK)
			return rc;
		if (strcmp(db_str(r->db, 0), want[i]) != 0)
			camp_error(errors, name, "wrong_channel", i == 0 ?
			    "sending_account_id is an e-mail account." :
			    "sms_account_id is an SMS account.");
		db_done(r->db);
	}
	return DB_OK;
}

/* d's window days as a SET value, "mon,tue,wed" (arena). */
static const char *
camp_days_set(struct req *r, unsigned int mask)
{
	char	*out = arena_alloc(r->arena, 7 * 4);
	size_t	 i;

	for (i = 0; camp_days[i] != NULL; i++)
		if (mask & camp_mask(camp_days[i])) {
			if (out[0] != '\0')
				strcat(out, ",");
			strcat(out, camp_days[i]);
		}
	return out;
}

/* What the transaction of a write does, with its inputs and findings. */
struct camp_tx {
	struct req	*r;
	struct camp_def	*d;
	int		 steps;		/* the body gave steps */
	json_t		*errors;	/* out: 422 */
	const char	*conflict;	/* out: 409, why */
};

/* Writes step i of d as it should be (insert when have <= i). */
static int
camp_step_write(struct req *r, const struct camp_def *d, size_t i,
    size_t have)
{
	const struct camp_step	*s = &d->steps[i];
	struct db_arg		 tpl = DB_NULL, script = DB_NULL, days = DB_NULL;

	if (s->kind == STEP_EMAIL || s->kind == STEP_SMS)
		tpl = DB_INT(s->ref);
	else if (s->kind == STEP_CALL)
		script = DB_INT(s->ref);
	else
		days = DB_INT(s->days);
	if (i >= have)
		return db_exec(r->db, CC_STEP_INSERT, DB_ARGS(DB_INT(db_user(r->db)),
		    DB_INT(d->id), DB_INT(i), DB_TEXT(camp_kinds[s->kind]), tpl,
		    script, days));
	return db_exec(r->db, CC_STEP_UPDATE, DB_ARGS(DB_TEXT(camp_kinds[s->kind]),
	    tpl, script, days, DB_INT(d->id), DB_INT(i)));
}

/* 1 if two steps are the same step. */
static int
camp_step_same(const struct camp_step *a, const struct camp_step *b)
{
	return a->kind == b->kind && (a->kind == STEP_WAIT ?
	    a->days == b->days : a->ref == b->ref);
}

/*
 * Replaces the stored steps (old, nold of them) by d's in place: a step
 * that stays keeps its id; then, in a campaign that has started,
 * enrollments that the shorter sequence leaves past its end are completed
 * (docs/sequencing.md: past the last step, completed).
 */
static int
camp_steps_replace(struct req *r, const struct camp_def *d,
    const struct camp_step *old, size_t nold)
{
	size_t	 i;
	int	 rc;

	for (i = 0; i < d->nsteps; i++) {
		if (i < nold && camp_step_same(&old[i], &d->steps[i]))
			continue;
		if ((rc = camp_step_write(r, d, i, nold)) != DB_OK &&
		    rc != DB_NONE)
			return rc;
	}
	if (d->nsteps < nold) {
		if ((rc = db_exec(r->db, CC_STEP_TRIM, DB_ARGS(DB_INT(d->id),
		    DB_INT(d->nsteps)))) != DB_OK)
			return rc;
		/* A draft's enrollments wait at the start: nothing is past. */
		if (strcmp(d->status, "draft") != 0 && (rc = db_exec(r->db, CC_COMPLETE_PAST, DB_ARGS(DB_INT(d->id),
		    DB_INT(d->nsteps)))) != DB_OK && rc != DB_NONE)
			return rc;
	}
	return DB_OK;
}

/*
 * The history rule of a campaign that has run: the steps before the
 * first position no enrollment has reached must come back unchanged.
 * DB_OK (tx->conflict set when they do not), or an error code.
 */
static int
camp_history(struct camp_tx *tx, const struct camp_step *old, size_t nold)
{
	struct req	*r = tx->r;
	long long	 reached;
	size_t		 i;
	int		 rc;

	if ((rc = db_one(r->db, CC_REACHED, DB_ARGS(DB_INT(tx->d->id),
	    DB_INT(tx->d->id), DB_INT(tx->d->id)))) != DB_OK)
		return rc;
	reached = db_int(r->db, 0);
	db_done(r->db);
	for (i = 0; i < (size_t)reached && i < nold; i++)
		if (i >= tx->d->nsteps ||
		    !camp_step_same(&old[i], &tx->d->steps[i])) {
			tx->conflict = arena_printf(r->arena, "Prospects have "
			    "already gone through steps[0] to steps[%lld]: they "
			    "must stay as they are (steps[%zu] differs). Edit, "
			    "add or remove the steps after them, or start a new "
			    "campaign.", reached - 1, i);
			return DB_OK;
		}
	return DB_OK;
}

/* 1 if b times messages otherwise than a: window, zone or daily limit. */
static int
camp_timing_changed(const struct camp_def *a, const struct camp_def *b)
{
	return strcmp(a->tz, b->tz) != 0 || a->days != b->days ||
	    strcmp(a->start, b->start) != 0 || strcmp(a->end, b->end) != 0 ||
	    a->daily_limit != b->daily_limit;
}

#define CAMP_WAIT_SLICES	2000	/* 15-minute slices timed again, at most */

/*
 * Times again the waits of enrollments waiting at wait step p of d (its
 * new window and length), from when each started waiting (CC_WAITING).
 * DB_OK or an error code.
 */
static int
camp_rewait(struct req *r, const struct camp_def *d, size_t p)
{
	struct window	 w;
	long long	*slices;
	size_t		 n = 0, i;
	time_t		 from, due;
	int		 rc;

	if (window_parse(&w, d->tz, camp_days_set(r, d->days),
	    arena_printf(r->arena, "%s:00", d->start),
	    arena_printf(r->arena, "%s:00", d->end)) == -1)
		return DB_ERR;
	slices = arena_alloc(r->arena, (CAMP_WAIT_SLICES + 1) * sizeof(*slices));
	if ((rc = db_query(r->db, CC_WAITING, DB_ARGS(DB_INT(d->id),
	    DB_INT(p)))) != DB_OK)
		return rc == DB_NONE ? DB_OK : rc;
	while ((rc = db_next(r->db)) == DB_OK)
		if (n <= CAMP_WAIT_SLICES)
			slices[n++] = db_int(r->db, 0);
	if (rc != DB_NONE)
		return rc;
	if (n > CAMP_WAIT_SLICES)
		log_info("campaign %llu: waits started over more than %d slices "
		    "are timed as they were", (unsigned long long)d->id,
		    CAMP_WAIT_SLICES);
	for (i = 0; i < n && i < CAMP_WAIT_SLICES; i++) {
		from = (time_t)slices[i] * 900;
		if ((due = window_after_days(&w, from, (int)d->steps[p].days)) ==
		    (time_t)-1)
			continue;	/* a window that never opens: nothing is due */
		rc = db_exec(r->db, CC_REWAIT, DB_ARGS(DB_INT(due), DB_INT(d->id),
		    DB_INT(p), DB_INT(from), DB_INT(from + 900)));
		if (rc != DB_OK && rc != DB_NONE)
			return rc;
	}
	return DB_OK;
}

/* The write of a campaign, in one transaction. */
static int
camp_write(struct db *db, void *arg)
{
	struct camp_tx		*tx = arg;
	struct req		*r = tx->r;
	struct camp_def		*d = tx->d;
	struct camp_step	 old[CAMP_STEPS_MAX];
	struct camp_def		 was;
	size_t			 nold = 0, i;
	int			 rc;

	json_decref(tx->errors);
	tx->errors = json_array();
	tx->conflict = NULL;
	if (d->id != 0) {
		if ((rc = db_one(db, CC_LOCK, DB_ARGS(DB_INT(d->id)))) != DB_OK)
			return rc;
		camp_def_row(r, d);
		db_done(db);
		if ((rc = camp_def_steps(r, d)) != DB_OK)
			return rc;
		nold = d->nsteps;
		memcpy(old, d->steps, sizeof(old));
		was = *d;
		if (strcmp(d->status, "archived") == 0) {
			tx->conflict = "An archived campaign is final: create another one.";
			return DB_NONE;
		}
	}
	camp_def_body(r, d, tx->errors);
	if (d->name == NULL)
		camp_error(tx->errors, "name", "required", "A campaign needs a name.");
	if (json_array_size(tx->errors) == 0 &&
	    (rc = camp_def_check(r, d, tx->errors,
	    strcmp(d->status, "draft") == 0)) != DB_OK)
		return rc;
	if (json_array_size(tx->errors) > 0)
		return DB_NONE;
	if (tx->steps && strcmp(d->status, "draft") != 0) {
		if (d->nsteps == 0) {
			camp_error(tx->errors, "steps", "required",
			    "A campaign that has started keeps at least one step.");
			return DB_NONE;
		}
		if ((rc = camp_history(tx, old, nold)) != DB_OK)
			return rc;
		if (tx->conflict != NULL)
			return DB_NONE;
	}
	if (d->id == 0) {
		rc = db_exec(db, CC_INSERT, DB_ARGS(DB_INT(db_user(db)),
		    DB_TEXT(d->name), d->email_account ? DB_INT(d->email_account) :
		    DB_NULL, d->sms_account ? DB_INT(d->sms_account) : DB_NULL,
		    DB_TEXT(d->tz), DB_TEXT(camp_days_set(r, d->days)),
		    DB_TEXT(d->start), DB_TEXT(d->end), DB_INT(d->daily_limit),
		    DB_INT(d->gap), DB_INT(d->stop_reply), DB_INT(d->stop_company)));
		if (rc != DB_OK)
			return rc;
		d->id = db_last_id(db);
	} else {
		rc = db_exec(db, CC_UPDATE, DB_ARGS(DB_TEXT(d->name),
		    d->email_account ? DB_INT(d->email_account) : DB_NULL,
		    d->sms_account ? DB_INT(d->sms_account) : DB_NULL,
		    DB_TEXT(d->tz), DB_TEXT(camp_days_set(r, d->days)),
		    DB_TEXT(d->start), DB_TEXT(d->end), DB_INT(d->daily_limit),
		    DB_INT(d->gap), DB_INT(d->stop_reply), DB_INT(d->stop_company),
		    DB_INT(d->id)));
		if (rc != DB_OK)
			return rc;
		if (camp_timing_changed(&was, d) &&
		    (rc = db_exec(db, CC_RESCHEDULE, DB_ARGS(DB_INT(d->id),
		    DB_INT(d->id)))) != DB_OK && rc != DB_NONE)
			return rc;
	}
	if (tx->steps && (rc = camp_steps_replace(r, d, old, nold)) != DB_OK)
		return rc;
	/* Waits a new window, zone or length times otherwise, for those waiting. */
	for (i = 0; nold > 0 && i < d->nsteps; i++)
		if (d->steps[i].kind == STEP_WAIT && (camp_timing_changed(&was,
		    d) || i >= nold || !camp_step_same(&old[i], &d->steps[i])) &&
		    (rc = camp_rewait(r, d, i)) != DB_OK)
			return rc;
	return DB_OK;
}

/* Runs the write of d and answers: 201/200, 404, 409 or 422. */
static int
camp_save(struct req *r, struct camp_def *d)
{
	struct camp_tx	 tx = { r, d, r->vals[CF_STEPS] != NULL, NULL, NULL };
	int		 rc, created = d->id == 0;

	rc = db_tx(r->db, camp_write, &tx);
	if (tx.conflict != NULL) {
		json_decref(tx.errors);
		return resp_problem(r, 409, "conflict", tx.conflict);
	}
	if (tx.errors != NULL && json_array_size(tx.errors) > 0)
		return resp_invalid_semantic(r, "The campaign has errors.",
		    tx.errors);
	json_decref(tx.errors);
	if (rc != DB_OK)
		return resp_db(r, rc);
	if (created)
		analytics_emit(r->db, r->sess->user_id, AN_CAMPAIGN_CREATED);
	return camp_reply(r, created ? 201 : 200, d->id);
}

int
camp_create(struct req *r)
{
	struct camp_def	*d = arena_alloc(r->arena, sizeof(*d));

	camp_def_init(d);
	return camp_save(r, d);
}

int
camp_update(struct req *r)
{
	struct camp_def	*d = arena_alloc(r->arena, sizeof(*d));

	camp_def_init(d);
	if ((d->id = req_param_id(r, 0)) == 0)
		return resp_db(r, DB_NONE);
	return camp_save(r, d);
}

int
camp_delete(struct req *r)
{
	uint64_t	 id = req_param_id(r, 0);
	int		 rc;

	if (id == 0)
		return resp_db(r, DB_NONE);
	if ((rc = db_exec(r->db, CC_DELETE, DB_ARGS(DB_INT(id)))) == DB_OK)
		return resp_empty(r, 204);
	if (rc != DB_NONE)
		return resp_db(r, rc);
	/* Not a draft, or not there at all: which one decides the answer. */
	if ((rc = db_one(r->db, CC_GET, DB_ARGS(DB_INT(id)))) != DB_OK)
		return resp_db(r, rc);
	db_done(r->db);
	return resp_problem(r, 409, "not_draft",
	    "Only a draft can be deleted: a campaign that has run keeps its history. Archive it instead.");
}

/* -- states ------------------------------------------------------------------- */

/* What POST /campaigns/{id}/start, pause, resume and archive ask. */
enum camp_move { MOVE_START, MOVE_PAUSE, MOVE_RESUME, MOVE_ARCHIVE };

struct camp_move_tx {
	struct req	*r;
	struct camp_def	*d;
	enum camp_move	 move;
	const char	*conflict;	/* out: 409, why */
	json_t		*errors;	/* out: what stops it from running */
	struct plan_verdict plan;	/* out: the plan's word on running */
};

/*
 * The state machine of docs/sequencing.md: draft -> running (start) <->
 * paused (pause, resume) -> archived (from any state; final). Asking for
 * the state a campaign is in changes nothing and answers it. Running
 * needs a step and the accounts the steps send through.
 */
static int
camp_move_run(struct db *db, void *arg)
{
	struct camp_move_tx	*tx = arg;
	struct camp_def		*d = tx->d;
	const char		*to;
	int			 rc;

	json_decref(tx->errors);
	tx->errors = NULL;
	tx->conflict = NULL;
	if ((rc = db_one(db, CC_LOCK, DB_ARGS(DB_INT(d->id)))) != DB_OK)
		return rc;
	camp_def_row(tx->r, d);
	db_done(db);
	switch (tx->move) {
	case MOVE_ARCHIVE:
		to = "archived";
		break;
	case MOVE_PAUSE:
		to = "paused";
		if (strcmp(d->status, "draft") == 0)
			tx->conflict = "A draft has not started: there is nothing to pause.";
		break;
	case MOVE_RESUME:
		to = "running";
		if (strcmp(d->status, "draft") == 0)
			tx->conflict = "A draft has not started: start it.";
		break;
	default:
		to = "running";
		break;
	}
	if (strcmp(d->status, to) == 0)
		return DB_OK;		/* already so */
	if (strcmp(d->status, "archived") == 0)
		tx->conflict = "An archived campaign is final: create another one.";
	if (tx->conflict != NULL)
		return DB_NONE;
	if (strcmp(to, "running") == 0) {
		if ((rc = camp_def_steps(tx->r, d)) != DB_OK)
			return rc;
		tx->errors = json_array();
		if (d->nsteps == 0)
			camp_error(tx->errors, "steps", "required",
			    "A campaign needs at least one step to run.");
		else if ((rc = camp_def_check(tx->r, d, tx->errors, 0)) != DB_OK)
			return rc;
		if (json_array_size(tx->errors) > 0) {
			tx->conflict = "The campaign cannot run as it stands: see errors.";
			return DB_NONE;
		}
		/*
		 * A paid-up plan, and room for one more active campaign when a
		 * draft starts (a paused one already counts).
		 */
		if ((rc = camp_plan_check(db, PLAN_ACTIVE_CAMPAIGNS,
		    strcmp(d->status, "draft") == 0, &tx->plan)) != DB_OK)
			return rc;
		if (tx->plan.status != 0)
			return DB_NONE;
	}
	rc = db_exec(db, CC_STATUS, DB_ARGS(DB_TEXT(to), DB_TEXT(to),
	    DB_INT(d->id)));
	if (rc != DB_OK || tx->move != MOVE_ARCHIVE)
		return rc == DB_NONE ? DB_ERR : rc;
	if ((rc = db_exec(db, CC_ARCHIVE_STOP, DB_ARGS(DB_INT(d->id)))) != DB_OK &&
	    rc != DB_NONE)
		return rc;
	rc = db_exec(db, CC_ARCHIVE_TASKS, DB_ARGS(DB_INT(d->id)));
	return rc == DB_NONE ? DB_OK : rc;
}

static int
camp_move(struct req *r, enum camp_move move)
{
	struct camp_move_tx	 tx;
	int			 rc;

	memset(&tx, 0, sizeof(tx));
	tx.r = r;
	tx.move = move;
	tx.d = arena_alloc(r->arena, sizeof(*tx.d));
	camp_def_init(tx.d);
	if ((tx.d->id = req_param_id(r, 0)) == 0)
		return resp_db(r, DB_NONE);
	rc = db_tx(r->db, camp_move_run, &tx);
	if (tx.plan.status != 0) {
		json_decref(tx.errors);
		return plan_reply(r, &tx.plan);
	}
	if (tx.conflict != NULL)
		return resp_problem_ext(r, 409, "conflict", tx.conflict,
		    tx.errors != NULL ? json_pack("{s:o}", "errors", tx.errors) :
		    json_object());
	json_decref(tx.errors);
	if (rc != DB_OK)
		return resp_db(r, rc);
	if (move == MOVE_START)
		analytics_emit(r->db, r->sess->user_id, AN_CAMPAIGN_STARTED);
	return camp_reply(r, 200, tx.d->id);
}

int
camp_start(struct req *r)
{
	return camp_move(r, MOVE_START);
}

int
camp_pause(struct req *r)
{
	return camp_move(r, MOVE_PAUSE);
}

int
camp_resume(struct req *r)
{
	return camp_move(r, MOVE_RESUME);
}

int
camp_archive(struct req *r)
{
	return camp_move(r, MOVE_ARCHIVE);
}

/* -- enrollment --------------------------------------------------------------- */

/* What became of a prospect given to enroll, as the answer counts it. */
enum camp_skip {
	SKIP_NONE, SKIP_NOT_FOUND, SKIP_ENROLLED, SKIP_DNC, SKIP_SUPPRESSED,
	SKIP_MISSING, SKIP__MAX
};
static const char *const camp_skip_names[SKIP__MAX] = {
	"enrolled", "not_found", "already_enrolled", "do_not_contact",
	"suppressed", "missing_contact"
};

/* Hashes of one prospect: its e-mail, phone and two domains' levels. */
#define CAMP_HASHES	(2 + 2 * SUPP_LEVELS)
#define CAMP_SUPP_BATCH	500	/* prospects per suppression lookup */
#define CAMP_INSERT_BATCH 1000	/* enrollments per insert */
#define CAMP_SKIPPED_LIST 1000	/* skipped prospects named in the answer */

struct camp_cand {
	uint64_t	 id;
	enum camp_skip	 skip;
	int		 missing;	/* no address for the first step */
	size_t		 nhashes;
	unsigned char	 (*hashes)[SUPP_HASH_LEN];
};

struct camp_enroll_tx {
	struct req		*r;
	uint64_t		 id;
	json_t			*ids;		/* the body's, or NULL */
	struct prospect_filter	 filter;
	struct camp_cand	*cands;
	size_t			 ncands;
	long long		 counts[SKIP__MAX];
	const char		*conflict;	/* out: 409 */
	int			 too_many;	/* out: 422 */
};

/* The prospect statuses (sql/migrations/0002), for filter.status. */
static const char *const camp_prospect_statuses[] = {
	"new", "contacted", "replied", "interested", "not_interested",
	"customer", "do_not_contact", NULL
};

/*
 * The body's "filter" into f, with the meaning of GET /prospects' query
 * parameters of the same names (an empty text does not filter). 0, or -1
 * after answering 400 with errors naming "filter.<key>".
 */
static int
camp_filter_or_reply(struct req *r, json_t *in, struct prospect_filter *f)
{
	static const struct {
		const char	*key;
		size_t		 max, off;
	} texts[] = {
		{ "status", 32, offsetof(struct prospect_filter, status) },
		{ "tag", 64, offsetof(struct prospect_filter, tag) },
		{ "city", 120, offsetof(struct prospect_filter, city) },
		{ "postal_code", 16, offsetof(struct prospect_filter, postal_code) },
		{ "category", 160, offsetof(struct prospect_filter, category) },
		{ "source", 300, offsetof(struct prospect_filter, source) },
		{ "q", 200, 0 },
	};
	json_t		*errors = json_array(), *v;
	const char	*k, *s;
	char		 field[48];
	size_t		 i;

	memset(f, 0, sizeof(*f));
	f->has_email = f->has_phone = -1;
	json_object_foreach(in, k, v) {
		snprintf(field, sizeof(field), "filter.%.32s", k);
		if (strcmp(k, "has_email") == 0 || strcmp(k, "has_phone") == 0) {
			if (!json_is_boolean(v))
				camp_error(errors, field, "type", "must be true or false");
			else
				*(k[4] == 'e' ? &f->has_email : &f->has_phone) =
				    json_is_true(v);
			continue;
		}
		for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
			if (strcmp(k, texts[i].key) == 0)
				break;
		if (i == sizeof(texts) / sizeof(texts[0])) {
			camp_error(errors, field, "unknown_field",
			    "is not a filter of GET /prospects");
			continue;
		}
		if ((s = json_string_value(v)) == NULL ||
		    !query_utf8_ok((const unsigned char *)s, strlen(s))) {
			camp_error(errors, field, "type", "must be a text");
			continue;
		}
		if (field_utf8_len(s) > texts[i].max) {
			camp_error(errors, field, "too_long", "is too long");
			continue;
		}
		if (*s == '\0')
			continue;
		if (strcmp(k, "q") == 0)
			f->like = prospect_like(r->arena, s);
		else
			*(const char **)((char *)f + texts[i].off) = s;
	}
	if (f->status != NULL) {
		for (i = 0; camp_prospect_statuses[i] != NULL; i++)
			if (strcmp(f->status, camp_prospect_statuses[i]) == 0)
				break;
		if (camp_prospect_statuses[i] == NULL)
			camp_error(errors, "filter.status", "enum",
			    "is not one of the allowed values");
	}
	if (json_array_size(errors) > 0) {
		resp_invalid(r, "Some filters are unknown or invalid.", errors);
		return -1;
	}
	json_decref(errors);
	return 0;
}

/*
 * The current row of CC_ENROLL_IDS or CC_ENROLL_FILTER as a candidate:
 * whether it can be enrolled as far as its own columns say, and the
 * suppression hashes of its e-mail, phone and domains (supp.h, as the
 * prospects group computes them) for the lookup that follows.
 */
static void
camp_cand_row(struct req *r, struct camp_cand *c, unsigned int needs)
{
	const char	*key = db_str(r->db, 3), *e164 = db_str(r->db, 5),
			*host = db_str(r->db, 6);

	memset(c, 0, sizeof(*c));
	c->id = (uint64_t)db_int(r->db, 0);
	if (db_null(r->db, 1)) {
		c->skip = SKIP_NOT_FOUND;
		return;
	}
	if (db_int(r->db, 7))
		c->skip = SKIP_ENROLLED;
	else if (strcmp(db_str(r->db, 2), "do_not_contact") == 0)
		c->skip = SKIP_DNC;
	if (c->skip != SKIP_NONE)
		return;
	c->missing = ((needs & (1u << STEP_EMAIL)) && key == NULL) ||
	    ((needs & (1u << STEP_SMS)) && !sms_reachable(e164)) ||
	    ((needs & (1u << STEP_CALL)) && e164 == NULL && db_null(r->db, 4));
	c->hashes = arena_alloc(r->arena, CAMP_HASHES * SUPP_HASH_LEN);
	if (key != NULL) {
		supp_hash(c->hashes[c->nhashes++], SUPP_EMAIL, key);
		c->nhashes = supp_hash_domain(c->hashes, c->nhashes,
		    supp_email_domain(key));
	}
	if (e164 != NULL)
		supp_hash(c->hashes[c->nhashes++], SUPP_PHONE, e164);
	if (host != NULL && !pnorm_shared_host(host))
		c->nhashes = supp_hash_domain(c->hashes, c->nhashes, host);
}

static int
camp_hex_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Marks the candidates cands[0..n) whose e-mail, phone or domain is on
 * the suppression list, in one lookup. DB_OK or an error code.
 */
static int
camp_suppressed(struct req *r, struct camp_cand *cands, size_t n)
{
	char		*text, *p, hex[2 * SUPP_HASH_LEN + 1], **found, **grown;
	size_t		 i, j, nfound = 0, cap = 0, total = 0, k = 0;
	int		 rc;

	for (i = 0; i < n; i++)
		if (cands[i].skip == SKIP_NONE)
			total += cands[i].nhashes;
	if (total == 0)
		return DB_OK;
	p = text = arena_alloc(r->arena, total * (sizeof(hex) + 3) + 3);
	*p++ = '[';
	for (i = 0; i < n; i++)
		for (j = 0; cands[i].skip == SKIP_NONE && j < cands[i].nhashes; j++) {
			sodium_bin2hex(hex, sizeof(hex), cands[i].hashes[j],
			    SUPP_HASH_LEN);
			p += sprintf(p, "%s\"%s\"", k++ > 0 ? "," : "", hex);
		}
	*p++ = ']';
	*p = '\0';
	if ((rc = db_query(r->db, CC_SUPPRESSED_OF, DB_ARGS(DB_TEXT(text)))) !=
	    DB_OK)
		return rc;
	found = NULL;
	while ((rc = db_next(r->db)) == DB_OK) {
		if (nfound == cap) {
			cap = cap ? cap * 2 : 16;
			grown = arena_alloc(r->arena, cap * sizeof(*grown));
			if (nfound > 0)
				memcpy(grown, found, nfound * sizeof(*grown));
			found = grown;
		}
		found[nfound++] = arena_strdup(r->arena, db_str(r->db, 0));
	}
	if (rc != DB_NONE)
		return rc;
	if (nfound == 0)
		return DB_OK;
	qsort(found, nfound, sizeof(*found), camp_hex_cmp);
	for (i = 0; i < n; i++)
		for (j = 0; cands[i].skip == SKIP_NONE && j < cands[i].nhashes; j++) {
			const char *key = hex;

			sodium_bin2hex(hex, sizeof(hex), cands[i].hashes[j],
			    SUPP_HASH_LEN);
			if (bsearch(&key, found, nfound, sizeof(*found),
			    camp_hex_cmp) != NULL)
				cands[i].skip = SKIP_SUPPRESSED;
		}
	return DB_OK;
}

/* Enrolls the candidates left in cands[0..n): DB_OK or an error code. */
static int
camp_enroll_insert(struct camp_enroll_tx *tx, struct camp_cand *cands,
    size_t n)
{
	struct req	*r = tx->r;
	char		*text, *p;
	size_t		 i, want = 0;
	int		 rc;

	p = text = arena_alloc(r->arena, n * 22 + 3);
	*p++ = '[';
	for (i = 0; i < n; i++)
		if (cands[i].skip == SKIP_NONE) {
			p += sprintf(p, "%s%" PRIu64, want > 0 ? "," : "",
			    cands[i].id);
			want++;
		}
	*p++ = ']';
	*p = '\0';
	if (want == 0)
		return DB_OK;
	rc = db_exec(r->db, CC_ENROLL_INSERT, DB_ARGS(DB_INT(db_user(r->db)),
	    DB_INT(tx->id), DB_TEXT(text)));
	if (rc != DB_OK && rc != DB_NONE)
		return rc;
	tx->counts[SKIP_NONE] += (long long)db_affected(r->db);
	/* Enrolled meanwhile by another request: UNIQUE said so. */
	tx->counts[SKIP_ENROLLED] += (long long)(want - db_affected(r->db));
	return DB_OK;
}

/* The prospects of the request, as candidates: DB_OK or an error code. */
static int
camp_enroll_candidates(struct camp_enroll_tx *tx, unsigned int needs)
{
	struct req	*r = tx->r;
	struct db_arg	 a[PROSPECT_FILTER_NARGS + 2];
	char		*ids = NULL;
	size_t		 cap;
	int		 rc;

	if (tx->ids != NULL) {
		if ((ids = json_dumps(tx->ids, JSON_COMPACT)) == NULL)
			abort();
		/* The ids as numbers: JSON_TABLE reads "12" and 12 alike. */
		rc = db_query(r->db, CC_ENROLL_IDS, DB_ARGS(DB_INT(tx->id),
		    DB_TEXT(ids)));
		free(ids);
		cap = json_array_size(tx->ids);
	} else {
		a[0] = DB_INT(tx->id);
		prospect_filter_args(a + 1, db_user(r->db), &tx->filter);
		a[PROSPECT_FILTER_NARGS + 1] = DB_INT(CAMP_ENROLL_MAX + 1);
		rc = db_query(r->db, CC_ENROLL_FILTER, a, PROSPECT_FILTER_NARGS + 2);
		cap = CAMP_ENROLL_MAX + 1;
	}
	if (rc != DB_OK)
		return rc;
	tx->cands = arena_alloc(r->arena, cap * sizeof(*tx->cands));
	tx->ncands = 0;
	while ((rc = db_next(r->db)) == DB_OK && tx->ncands < cap)
		camp_cand_row(r, &tx->cands[tx->ncands++], needs);
	if (rc != DB_OK && rc != DB_NONE)
		return rc;
	tx->too_many = tx->ncands > CAMP_ENROLL_MAX;
	return DB_OK;
}

static int
camp_enroll_run(struct db *db, void *arg)
{
	struct camp_enroll_tx	*tx = arg;
	struct camp_def		*d;
	size_t			 i, k;
	unsigned int		 needs = 0;
	int			 rc;

	memset(tx->counts, 0, sizeof(tx->counts));
	tx->conflict = NULL;
	tx->too_many = 0;
	d = arena_alloc(tx->r->arena, sizeof(*d));
	camp_def_init(d);
	d->id = tx->id;
	/* The campaign's row lock orders this against its edits and states. */
	if ((rc = db_one(db, CC_LOCK, DB_ARGS(DB_INT(tx->id)))) != DB_OK)
		return rc;
	camp_def_row(tx->r, d);
	db_done(db);
	if (strcmp(d->status, "archived") == 0) {
		tx->conflict = "An archived campaign takes no one.";
		return DB_NONE;
	}
	if ((rc = camp_def_steps(tx->r, d)) != DB_OK)
		return rc;
	/*
	 * Every step decides what is needed: a prospect who lacks what a
	 * later step needs would stop there, half-way (missing_data).
	 */
	for (i = 0; i < d->nsteps; i++)
		if (d->steps[i].kind != STEP_WAIT)
			needs |= 1u << d->steps[i].kind;
	if ((rc = camp_enroll_candidates(tx, needs)) != DB_OK)
		return rc;
	if (tx->too_many)
		return DB_NONE;
	for (i = 0; i < tx->ncands; i += CAMP_SUPP_BATCH)
		if ((rc = camp_suppressed(tx->r, tx->cands + i,
		    tx->ncands - i < CAMP_SUPP_BATCH ? tx->ncands - i :
		    CAMP_SUPP_BATCH)) != DB_OK)
			return rc;
	for (i = 0; i < tx->ncands; i++) {
		if (tx->cands[i].skip == SKIP_NONE && tx->cands[i].missing)
			tx->cands[i].skip = SKIP_MISSING;
		if (tx->cands[i].skip != SKIP_NONE)
			tx->counts[tx->cands[i].skip]++;
	}
	for (i = 0; i < tx->ncands; i += k) {
		k = tx->ncands - i < CAMP_INSERT_BATCH ? tx->ncands - i :
		    CAMP_INSERT_BATCH;
		if ((rc = camp_enroll_insert(tx, tx->cands + i, k)) != DB_OK)
			return rc;
	}
	return DB_OK;
}

/* The body's prospect ids once each, in their order, as numbers. */
static json_t *
camp_unique_ids(json_t *in)
{
	json_t		*out = json_array(), *seen = json_object(), *v;
	const char	*s;
	size_t		 i;

	json_array_foreach(in, i, v) {
		s = json_string_value(v);
		if (json_object_get(seen, s) != NULL)
			continue;
		json_object_set_new(seen, s, json_true());
		json_array_append_new(out, json_integer(strtoll(s, NULL, 10)));
	}
	json_decref(seen);
	return out;
}

int
camp_enroll(struct req *r)
{
	struct camp_enroll_tx	 tx;
	struct plan_verdict	 plan;
	json_t			*o, *skipped;
	size_t			 i;
	int			 rc;

	memset(&tx, 0, sizeof(tx));
	tx.r = r;
	if ((tx.id = req_param_id(r, 0)) == 0)
		return resp_db(r, DB_NONE);
	if ((r->vals[CE_PROSPECT_IDS] == NULL) == (r->vals[CE_FILTER] == NULL))
		return resp_unprocessable(r, "prospect_ids", "one_of",
		    "Give prospect_ids or filter, one of them.");
	if (r->vals[CE_PROSPECT_IDS] != NULL) {
		if (json_array_size(r->vals[CE_PROSPECT_IDS]) > CAMP_ENROLL_MAX)
			return resp_unprocessable(r, "prospect_ids", "too_many",
			    "At most 10 000 prospects per call: enroll them in several calls.");
		tx.ids = camp_unique_ids(r->vals[CE_PROSPECT_IDS]);
	} else if (camp_filter_or_reply(r, r->vals[CE_FILTER], &tx.filter) == -1)
		return r->status;
	/* An account that is not paid up enrolls nothing (402, plan.h). */
	if ((rc = plan_check(r->db, PLAN_ACTIVE_CAMPAIGNS, 0, &plan)) != DB_OK) {
		json_decref(tx.ids);
		return resp_db(r, rc);
	}
	if (plan.status == 402) {
		json_decref(tx.ids);
		return plan_reply(r, &plan);
	}
	rc = db_tx(r->db, camp_enroll_run, &tx);
	json_decref(tx.ids);
	if (tx.conflict != NULL)
		return resp_problem(r, 409, "archived", tx.conflict);
	if (tx.too_many)
		return resp_unprocessable(r, "filter", "too_many",
		    "The filter finds more than 10 000 prospects: narrow it (a city, a tag...) and enroll in several calls.");
	if (rc != DB_OK)
		return resp_db(r, rc);
	o = json_object();
	for (i = 0; i < SKIP__MAX; i++)
		json_object_set_new(o, camp_skip_names[i],
		    json_integer(tx.counts[i]));
	/* Who was left out and why, so the user can act on each one. */
	skipped = json_array();
	for (i = 0; i < tx.ncands && json_array_size(skipped) <
	    CAMP_SKIPPED_LIST; i++)
		if (tx.cands[i].skip != SKIP_NONE)
			json_array_append_new(skipped, json_pack("{s:s, s:s}",
			    "prospect_id", arena_printf(r->arena, "%llu",
			    (unsigned long long)tx.cands[i].id), "reason",
			    camp_skip_names[tx.cands[i].skip]));
	json_object_set_new(o, "skipped", skipped);
	return resp_json(r, 200, o);
}

/* -- what happened -------------------------------------------------------------- */

static const char *const camp_stop_reasons[] = {
	"replied", "company_replied", "bounced", "unsubscribed", "suppressed",
	"do_not_contact", "not_interested", "missing_data", "failed",
	"uncertain", "removed", NULL
};
static const char *const camp_outcomes[] = {
	"answered", "no_answer", "voicemail_left", "busy", "wrong_number",
	"callback_requested", "interested", "not_interested", NULL
};
static const char *const camp_message_statuses[] = {
	"sending", "sent", "retrying", "failed", "bounced", "uncertain", NULL
};

/* {name: 0} for each of names (NULL-terminated). New reference. */
static json_t *
camp_zeros(const char *const *names)
{
	json_t	*o = json_object();

	for (; *names != NULL; names++)
		json_object_set_new(o, *names, json_integer(0));
	return o;
}

/* o[key] += n. */
static void
camp_add(json_t *o, const char *key, long long n)
{
	json_object_set_new(o, key, json_integer(json_integer_value(
	    json_object_get(o, key)) + n));
}

/* Message counts: total, each status, replied. New reference. */
static json_t *
camp_message_counts(void)
{
	json_t	*o = camp_zeros(camp_message_statuses);

	json_object_set_new(o, "total", json_integer(0));
	json_object_set_new(o, "replied", json_integer(0));
	return o;
}

/*
 * Adds the current row of CC_STATS_MESSAGES to the counts m: "sent"
 * counts what the server accepted (sent_at set, a later bounce
 * included), the other statuses as they stand.
 */
static void
camp_message_row(json_t *m, struct db *db)
{
	const char	*status = db_str(db, 2);

	camp_add(m, "total", db_int(db, 3));
	if (strcmp(status, "sent") != 0)
		camp_add(m, status, db_int(db, 3));
	camp_add(m, "sent", db_int(db, 4));
	camp_add(m, "replied", db_int(db, 5));
}

/*
 * GET /campaigns/{id}/stats, as docs/sequencing.md lists them:
 * enrollments by status and stop reason, messages by status (in all, per
 * channel, per step), calls by outcome and the open tasks.
 */
int
camp_stats(struct req *r)
{
	struct camp_def	*d = arena_alloc(r->arena, sizeof(*d));
	json_t		*o, *reasons, *msgs, *channels, *steps, *step, *outcomes;
	const char	*status;
	size_t		 i;
	long long	 n;
	int		 rc;

	camp_def_init(d);
	if ((d->id = req_param_id(r, 0)) == 0)
		return resp_db(r, DB_NONE);
	if ((rc = db_one(r->db, CC_GET, DB_ARGS(DB_INT(d->id)))) != DB_OK)
		return resp_db(r, rc);
	db_done(r->db);
	if ((rc = camp_def_steps(r, d)) != DB_OK)
		return resp_db(r, rc);
	o = json_pack("{s:i, s:i, s:i, s:i, s:o, s:i}", "enrolled", 0, "active",
	    0, "completed", 0, "stopped", 0, "stopped_by_reason",
	    camp_zeros(camp_stop_reasons), "unsubscribed", 0);
	reasons = json_object_get(o, "stopped_by_reason");
	if ((rc = db_query(r->db, CC_STATS_ENROLLMENTS,
	    DB_ARGS(DB_INT(d->id)))) != DB_OK)
		goto fail;
	while ((rc = db_next(r->db)) == DB_OK) {
		n = db_int(r->db, 2);
		camp_add(o, "enrolled", n);
		camp_add(o, db_str(r->db, 0), n);
		if (!db_null(r->db, 1))
			camp_add(reasons, db_str(r->db, 1), n);
	}
	if (rc != DB_NONE)
		goto fail;
	json_object_set(o, "unsubscribed", json_object_get(reasons,
	    "unsubscribed"));

	msgs = camp_message_counts();
	channels = json_pack("{s:o, s:o}", "email", camp_message_counts(),
	    "sms", camp_message_counts());
	json_object_set_new(msgs, "by_channel", channels);
	json_object_set_new(o, "messages", msgs);
	steps = json_array();
	json_object_set_new(o, "steps", steps);
	for (i = 0; i < d->nsteps; i++) {
		step = json_pack("{s:I, s:s}", "position", (json_int_t)i, "kind",
		    camp_kinds[d->steps[i].kind]);
		if (d->steps[i].kind == STEP_EMAIL || d->steps[i].kind == STEP_SMS)
			json_object_set_new(step, "messages",
			    camp_message_counts());
		json_array_append_new(steps, step);
	}
	if ((rc = db_query(r->db, CC_STATS_MESSAGES,
	    DB_ARGS(DB_INT(d->id)))) != DB_OK)
		goto fail;
	while ((rc = db_next(r->db)) == DB_OK) {
		camp_message_row(msgs, r->db);
		camp_message_row(json_object_get(channels, db_str(r->db, 1)), r->db);
		step = json_array_get(steps, (size_t)db_int(r->db, 0));
		if (json_object_get(step, "messages") != NULL)
			camp_message_row(json_object_get(step, "messages"), r->db);
	}
	if (rc != DB_NONE)
		goto fail;

	outcomes = camp_zeros(camp_outcomes);
	json_object_set_new(o, "calls", json_pack("{s:i, s:o}", "done", 0,
	    "by_outcome", outcomes));
	json_object_set_new(o, "open_tasks", json_integer(0));
	if ((rc = db_query(r->db, CC_STATS_TASKS,
	    DB_ARGS(DB_INT(d->id)))) != DB_OK)
		goto fail;
	while ((rc = db_next(r->db)) == DB_OK) {
		status = db_str(r->db, 0);
		n = db_int(r->db, 2);
		if (strcmp(status, "open") == 0)
			camp_add(o, "open_tasks", n);
		else if (strcmp(status, "done") == 0) {
			camp_add(json_object_get(o, "calls"), "done", n);
			if (!db_null(r->db, 1))
				camp_add(outcomes, db_str(r->db, 1), n);
		}
	}
	if (rc != DB_NONE)
		goto fail;
	return resp_json(r, 200, o);
fail:
	json_decref(o);
	return resp_db(r, rc);
}

/* The current row of CC_MESSAGES as the API's message. */
static json_t *
camp_message_json(struct db *db)
{
	json_t	*o;

	o = json_pack("{s:s, s:s, s:s?, s:I, s:s, s:s, s:s, s:s?, s:s?, s:s?,"
	    " s:s?, s:s?, s:I, s:s, s:s?}",
	    "id", db_str(db, 0), "prospect_id", db_str(db, 1),
	    "prospect_name", db_str(db, 2), "position", (json_int_t)db_int(db, 3),
	    "channel", db_str(db, 4), "status", db_str(db, 5),
	    "to_addr", db_str(db, 6), "subject", db_str(db, 7),
	    "sent_at", db_str(db, 8), "replied_at", db_str(db, 9),
	    "bounced_at", db_str(db, 10), "error", db_str(db, 11),
	    "attempts", (json_int_t)db_int(db, 12), "created_at", db_str(db, 13),
	    "next_attempt_at", db_str(db, 14));
	if (o == NULL)
		abort();
	return o;
}

/* The current row of CC_ENROLLMENTS as the API's enrollment. */
static json_t *
camp_enrollment_json(struct db *db)
{
	json_t	*o;

	o = json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:I, s:s?, s:I, s:s?, s:s,"
	    " s:s, s:s?}",
	    "id", db_str(db, 0), "prospect_id", db_str(db, 1),
	    "prospect_name", db_str(db, 2), "status", db_str(db, 3),
	    "stop_reason", db_str(db, 4), "position", (json_int_t)db_int(db, 5),
	    "due_at", db_str(db, 6), "attempts", (json_int_t)db_int(db, 7),
	    "last_error", db_str(db, 8), "enrolled_at", db_str(db, 9),
	    "updated_at", db_str(db, 10), "finished_at", db_str(db, 11));
	if (o == NULL)
		abort();
	return o;
}

/* 404 unless campaign id is the user's: 0, or -1 after answering. */
static int
camp_exists_or_reply(struct req *r, uint64_t id)
{
	int	 rc;

	if (id == 0) {
		resp_db(r, DB_NONE);
		return -1;
	}
	if ((rc = db_one(r->db, CC_GET, DB_ARGS(DB_INT(id)))) != DB_OK) {
		resp_db(r, rc);
		return -1;
	}
	db_done(r->db);
	return 0;
}

int
camp_messages(struct req *r)
{
	static const char *const known[] = { "status", NULL };
	static const char *const *const lists[] = { camp_message_statuses };
	const char	*vals[1];
	uint64_t	 id = req_param_id(r, 0), cursor;
	long		 limit;

	if (camp_query_or_reply(r, known, lists, vals, &limit, &cursor) == -1 ||
	    camp_exists_or_reply(r, id) == -1)
		return r->status;
	return rest_paged(r, CC_MESSAGES, DB_ARGS(DB_INT(id), DB_TEXT(vals[0]),
	    DB_TEXT(vals[0]), DB_INT(cursor), DB_INT(limit + 1)), limit,
	    camp_message_json);
}

int
camp_enrollments(struct req *r)
{
	static const char *const known[] = { "status", "stop_reason", NULL };
	static const char *const statuses[] = { "active", "completed",
	    "stopped", NULL };
	static const char *const *const lists[] = { statuses,
	    camp_stop_reasons };
	const char	*vals[2];
	uint64_t	 id = req_param_id(r, 0), cursor;
	long		 limit;

	if (camp_query_or_reply(r, known, lists, vals, &limit, &cursor) == -1 ||
	    camp_exists_or_reply(r, id) == -1)
		return r->status;
	return rest_paged(r, CC_ENROLLMENTS, DB_ARGS(DB_INT(id),
	    DB_TEXT(vals[0]), DB_TEXT(vals[0]), DB_TEXT(vals[1]),
	    DB_TEXT(vals[1]), DB_INT(cursor), DB_INT(limit + 1)), limit,
	    camp_enrollment_json);
}

/* What DELETE /campaigns/{id}/enrollments/{prospect_id} does. */
struct camp_remove_tx {
	uint64_t	 campaign_id, prospect_id;
};

/*
 * Stops the prospect's enrollment as "removed" and cancels its open call
 * tasks; an enrollment already completed or stopped stays as it is.
 */
static int
camp_remove_run(struct db *db, void *arg)
{
	struct camp_remove_tx	*tx = arg;
	uint64_t		 eid;
	int			 rc, active;

	if ((rc = db_one(db, CC_ENROLLMENT_LOCK, DB_ARGS(DB_INT(tx->campaign_id),
	    DB_INT(tx->prospect_id)))) != DB_OK)
		return rc;
	eid = (uint64_t)db_int(db, 0);
	active = strcmp(db_str(db, 1), "active") == 0;
	db_done(db);
	if (!active)
		return DB_OK;
	if ((rc = db_exec(db, CC_ENROLLMENT_STOP, DB_ARGS(DB_INT(eid)))) != DB_OK)
		return rc;
	rc = db_exec(db, CC_TASKS_CANCEL, DB_ARGS(DB_INT(eid)));
	return rc == DB_NONE ? DB_OK : rc;
}

int
camp_enrollment_remove(struct req *r)
{
	struct camp_remove_tx	 tx = { req_param_id(r, 0), req_param_id(r, 1) };
	int			 rc;

	if (tx.campaign_id == 0 || tx.prospect_id == 0)
		return resp_db(r, DB_NONE);
	if ((rc = db_tx(r->db, camp_remove_run, &tx)) != DB_OK)
		return resp_db(r, rc);
	return resp_empty(r, 204);
}
