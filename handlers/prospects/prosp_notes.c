/*
 * Notes about a prospect (GET/POST /prospects/{id}/notes, PATCH/DELETE
 * /notes/{id}): free text a user keeps, newest first. A note belongs to
 * its prospect and goes with it (ON DELETE CASCADE); the insert takes the
 * prospect through my_prospect, so a foreign prospect id adds nothing.
 */
#include "config.h"

#include <stdlib.h>

#include "prospects.h"
#include "req.h"
#include "resp.h"

const struct field prosp_note_fields[NT__MAX] = {
	[NT_BODY] = { "body", field_multiline, FIELD_REQ, 1, PROSP_NOTE_MAX,
	    NULL },
};

/* The current row of PS_NOTE_LIST or PS_NOTE_GET as the API's note (new). */
static json_t *
prosp_note_json(struct db *db)
{
	json_t	*o;

	o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", db_str(db, 0),
	    "prospect_id", db_str(db, 1), "body", db_str(db, 2),
	    "created_at", db_str(db, 3), "updated_at", db_str(db, 4));
	if (o == NULL)
		abort();
	return o;
}

int
prosp_notes(struct req *r)
{
	uint64_t	 pid = req_param_id(r, 0), cursor;
	long		 limit;
	int		 rc;

	if (pid == 0)
		return resp_db(r, DB_NONE);
	if (req_page(r, &limit, &cursor) == -1)
		return rest_bad_page(r);
	/* No notes and no such prospect differ: 200 [] against 404. */
	if ((rc = db_one(r->db, PS_GET, DB_ARGS(DB_INT(pid)))) != DB_OK)
		return resp_db(r, rc);
	return rest_paged(r, PS_NOTE_LIST, DB_ARGS(DB_INT(pid),
	    DB_INT(cursor > INT64_MAX ? INT64_MAX : cursor), DB_INT(limit + 1)),
	    limit, prosp_note_json);
}

int
prosp_note_create(struct req *r)
{
	uint64_t	 pid = req_param_id(r, 0);
	int		 rc;

	if (pid == 0)
		return resp_db(r, DB_NONE);
	/* No row inserted: the prospect is not the user's (or is gone). */
	rc = db_exec(r->db, PS_NOTE_INSERT, DB_ARGS(DB_INT(r->sess->user_id),
	    DB_TEXT(req_str(r, NT_BODY)), DB_INT(pid)));
	if (rc == DB_CONFLICT)
		rc = DB_NONE;		/* deleted in between (1452) */
	if (rc != DB_OK)
		return resp_db(r, rc);
	return rest_row_reply(r, 201, PS_NOTE_GET, db_last_id(r->db),
	    prosp_note_json);
}

int
prosp_note_update(struct req *r)
{
	uint64_t	 id = req_param_id(r, 0);
	int		 rc;

	if (id == 0)
		return resp_db(r, DB_NONE);
	rc = db_exec(r->db, PS_NOTE_UPDATE, DB_ARGS(DB_TEXT(req_str(r, NT_BODY)),
	    DB_INT(id)));
	if (rc != DB_OK)
		return resp_db(r, rc);
	return rest_row_reply(r, 200, PS_NOTE_GET, id, prosp_note_json);
}

int
prosp_note_delete(struct req *r)
{
	return rest_delete_or_404(r, PS_NOTE_DELETE);
}
