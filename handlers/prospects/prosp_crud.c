/* Placeholder until the CRUD routes land (scaffolding, not a feature). */
#include "config.h"

#include "prospects.h"
#include "req.h"
#include "resp.h"

static const char *const prosp_sql[PS__MAX] = {
	[PS_FIRST] = "SELECT 1",
};
const struct db_table prosp_table = { prosp_sql, PS_FIRST, PS__MAX };
const struct field prosp_create_fields[PC__MAX] = {
	[PC_NAME] = { "name", field_text, FIELD_REQ, 1, 255, NULL },
};
const struct field prosp_update_fields[PU__MAX] = {
	[PU_NAME] = { "name", field_text, 0, 1, 255, NULL },
};
int prosp_list(struct req *r) { return resp_problem(r, 501, "todo", "Not yet."); }
int prosp_create(struct req *r) { return resp_problem(r, 501, "todo", "Not yet."); }
int prosp_read(struct req *r) { return resp_problem(r, 501, "todo", "Not yet."); }
int prosp_update(struct req *r) { return resp_problem(r, 501, "todo", "Not yet."); }
int prosp_delete(struct req *r) { return resp_problem(r, 501, "todo", "Not yet."); }
int prosp_erase(struct req *r) { return resp_problem(r, 501, "todo", "Not yet."); }
