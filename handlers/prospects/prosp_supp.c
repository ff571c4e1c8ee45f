/* Placeholder until the suppression routes land (scaffolding, not a feature). */
#include "config.h"

#include "prospects.h"
#include "req.h"
#include "resp.h"

static const char *const supp_kinds[] = { "email", "phone", "domain", NULL };
const struct field supp_fields[SP__MAX] = {
	[SP_KIND] = { "kind", field_enum, FIELD_REQ, 0, 0, supp_kinds },
	[SP_VALUE] = { "value", field_text, FIELD_REQ, 1, 254, NULL },
};
int supp_list(struct req *r) { return resp_problem(r, 501, "todo", "Not yet."); }
int supp_create(struct req *r) { return resp_problem(r, 501, "todo", "Not yet."); }
int supp_delete(struct req *r) { return resp_problem(r, 501, "todo", "Not yet."); }
