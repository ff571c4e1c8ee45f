/* Placeholder until the notes routes land (scaffolding, not a feature). */
#include "config.h"

#include "prospects.h"
#include "req.h"
#include "resp.h"

const struct field prosp_note_fields[NT__MAX] = {
	[NT_BODY] = { "body", field_multiline, FIELD_REQ, 1, 10000, NULL },
};
int prosp_notes(struct req *r) { return resp_problem(r, 501, "todo", "Not yet."); }
int prosp_note_create(struct req *r) { return resp_problem(r, 501, "todo", "Not yet."); }
int prosp_note_update(struct req *r) { return resp_problem(r, 501, "todo", "Not yet."); }
int prosp_note_delete(struct req *r) { return resp_problem(r, 501, "todo", "Not yet."); }
