/* Placeholder until the export route lands (scaffolding, not a feature). */
#include "config.h"

#include "prospects.h"
#include "req.h"
#include "resp.h"

int prosp_export(struct req *r) { return resp_problem(r, 501, "todo", "Not yet."); }
