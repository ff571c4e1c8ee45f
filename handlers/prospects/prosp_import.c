/* Placeholder until the import routes land (scaffolding, not a feature). */
#include "config.h"

#include "prospects.h"
#include "req.h"
#include "resp.h"

static const char *const prosp_import_sql[PI__MAX] = {
	[PI_FIRST] = "SELECT 1",
};
const struct db_table prosp_import_table = { prosp_import_sql, PI_FIRST, PI__MAX };
const struct field prosp_import_fields[IM__MAX] = {
	[IM_CSV] = { "csv", field_multiline, 0, 1, 64L << 20, NULL },
};
int prosp_import_create(struct req *r) { return resp_problem(r, 501, "todo", "Not yet."); }
int prosp_import_list(struct req *r) { return resp_problem(r, 501, "todo", "Not yet."); }
int prosp_import_read(struct req *r) { return resp_problem(r, 501, "todo", "Not yet."); }
