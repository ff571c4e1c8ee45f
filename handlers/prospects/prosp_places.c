/* Placeholder until the Places routes land (scaffolding, not a feature). */
#include "config.h"

#include "prospects.h"
#include "req.h"
#include "resp.h"

static const char *const prosp_web_sql[PW__MAX] = {
	[PW_FIRST] = "SELECT 1",
};
const struct db_table prosp_web_table = { prosp_web_sql, PW_FIRST, PW__MAX };
const struct field prosp_places_search_fields[PQ__MAX] = {
	[PQ_QUERY] = { "query", field_text, FIELD_REQ, 1, 200, NULL },
};
const struct field prosp_places_import_fields[PL__MAX] = {
	[PL_PLACE_IDS] = { "place_ids", field_text, FIELD_REQ, 1, 200, NULL },
};
int prosp_places_search(struct req *r) { return resp_problem(r, 501, "todo", "Not yet."); }
int prosp_places_import(struct req *r) { return resp_problem(r, 501, "todo", "Not yet."); }
