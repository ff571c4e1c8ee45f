/*
 * GET /prospects/{id}/export: everything the account holds about one
 * prospect, for the prospect's own access request (GDPR art. 15; the user
 * is the controller, Prospea the processor that helps it answer, art.
 * 28(3)(e)): the record, where it came from, its notes, the campaigns it
 * is enrolled in, every message sent to it (addresses, subjects, bodies,
 * times, outcomes) and the call tasks with their outcomes. One document;
 * a prospect's data is small, so it is built whole.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "prospects.h"
#include "req.h"
#include "resp.h"

#define ISO(c)	"DATE_FORMAT(" c ", '%Y-%m-%dT%H:%i:%sZ')"

static const char *const prosp_subject_sql[PX__MAX] = {
	[PX_SOURCE] = "SELECT p.source, i.id, i.filename, " ISO("i.created_at")
	    ", " ISO("p.created_at") ", " ISO("p.last_contact_at") ", "
	    ISO("p.last_prospect_contact_at")
	    " FROM my_prospect p LEFT JOIN my_import_job i ON i.id = p.import_id"
	    " WHERE p.id = ?",
	[PX_NOTES] = "SELECT id, body, " ISO("created_at") ", "
	    ISO("updated_at") " FROM my_prospect_note WHERE prospect_id = ?"
	    " ORDER BY id",
	[PX_ENROLLMENTS] = "SELECT e.id, e.campaign_id, c.name, e.status,"
	    " e.stop_reason, e.position, " ISO("e.enrolled_at") ", "
	    ISO("e.finished_at") " FROM my_enrollment e"
	    " JOIN my_campaign c ON c.id = e.campaign_id"
	    " WHERE e.prospect_id = ? ORDER BY e.id",
	[PX_MESSAGES] = "SELECT id, campaign_id, position, channel, to_addr,"
	    " subject, body, status, " ISO("created_at") ", " ISO("sent_at")
	    ", " ISO("replied_at") ", " ISO("bounced_at")
	    " FROM my_message WHERE prospect_id = ? ORDER BY id",
	[PX_TASKS] = "SELECT id, campaign_id, position, status, outcome, note, "
	    ISO("due_at") ", " ISO("done_at") ", " ISO("created_at")
	    " FROM my_task WHERE prospect_id = ? ORDER BY id",
};

const struct db_table prosp_subject_table = { prosp_subject_sql, PX_SOURCE,
    PX__MAX };

/*
 * The rows of stmt (the prospect id its one argument) as objects whose
 * keys are names[] (NULL columns as null, "position" as a number, the
 * rest as strings: ids too, like every id of the API). DB_OK with *out
 * (owned).
 */
static int
prosp_subject_rows(struct db *db, size_t stmt, uint64_t id,
    const char *const *names, size_t n, json_t **out)
{
	json_t	*a = json_array(), *o, *v;
	size_t	 i;
	int	 rc;

	if ((rc = db_query(db, stmt, DB_ARGS(DB_INT(id)))) != DB_OK) {
		json_decref(a);
		return rc;
	}
	while ((rc = db_next(db)) == DB_OK) {
		o = json_object();
		for (i = 0; i < n; i++) {
			if (db_null(db, i))
				v = json_null();
			else if (strcmp(names[i], "position") == 0)
				v = json_integer(db_int(db, i));
			else
				v = json_stringn(db_str(db, i), db_len(db, i));
			json_object_set_new(o, names[i], v != NULL ? v :
			    json_null());
		}
		json_array_append_new(a, o);
	}
	db_done(db);
	if (rc != DB_NONE) {
		json_decref(a);
		return rc;
	}
	*out = a;
	return DB_OK;
}

#define NAMES(...)	((const char *const[]){ __VA_ARGS__ }), \
	(sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

int
prosp_subject_export(struct req *r)
{
	json_t		*doc, *rec, *src = NULL, *part;
	uint64_t	 id;
	int		 rc;

	if ((id = req_param_id(r, 0)) == 0)
		return resp_db(r, DB_NONE);
	if ((rc = prosp_get(r->db, id, &rec)) != DB_OK)
		return resp_db(r, rc);
	doc = json_pack("{s:s, s:o}", "generated_for",
	    "a data subject access request (GDPR art. 15)", "prospect", rec);
	rc = prosp_subject_rows(r->db, PX_SOURCE, id, NAMES("kind",
	    "import_id", "import_filename", "imported_at", "collected_at",
	    "last_contact_at", "last_prospect_contact_at"), &part);
	if (rc == DB_OK) {
		src = json_incref(json_array_get(part, 0));
		json_decref(part);
		json_object_set_new(doc, "source", src != NULL ? src :
		    json_null());
		rc = prosp_subject_rows(r->db, PX_NOTES, id, NAMES("id",
		    "body", "created_at", "updated_at"), &part);
	}
	if (rc == DB_OK) {
		json_object_set_new(doc, "notes", part);
		rc = prosp_subject_rows(r->db, PX_ENROLLMENTS, id,
		    NAMES("id", "campaign_id", "campaign_name", "status",
		    "stop_reason", "position", "enrolled_at", "finished_at"),
		    &part);
	}
	if (rc == DB_OK) {
		json_object_set_new(doc, "enrollments", part);
		rc = prosp_subject_rows(r->db, PX_MESSAGES, id, NAMES("id",
		    "campaign_id", "position", "channel", "to", "subject",
		    "body", "status", "created_at", "sent_at", "replied_at",
		    "bounced_at"), &part);
	}
	if (rc == DB_OK) {
		json_object_set_new(doc, "messages", part);
		rc = prosp_subject_rows(r->db, PX_TASKS, id, NAMES("id",
		    "campaign_id", "position", "status", "outcome", "note",
		    "due_at", "done_at", "created_at"), &part);
	}
	if (rc != DB_OK) {
		json_decref(doc);
		return resp_db(r, rc);
	}
	json_object_set_new(doc, "tasks", part);
	resp_header(r, "Content-Disposition", arena_printf(r->arena,
	    "attachment; filename=\"prospect-%" PRIu64 ".json\"", id));
	return resp_json(r, 200, doc);
}
