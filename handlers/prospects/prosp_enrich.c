/* Placeholder until the enrich routes land (scaffolding, not a feature). */
#include "config.h"

#include "prospects.h"
#include "req.h"
#include "resp.h"

int prosp_enrich(struct req *r) { return resp_problem(r, 501, "todo", "Not yet."); }
int prosp_enrich_status(struct req *r) { return resp_problem(r, 501, "todo", "Not yet."); }
