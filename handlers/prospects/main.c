/*
 * prospea-prospects: the prospects route group as a FastCGI program.
 */
#include "config.h"

#include "analytics.h"
#include "app.h"
#include "prospects.h"
#include "route.h"

extern const struct route prosp_routes[];

int
main(int argc, char *argv[])
{
	const struct db_table tables[] = { sess_table, prosp_rec_table,
	    prosp_table, prosp_import_table, prosp_import_handler_table,
	    prosp_web_table, prosp_subject_table, plan_table,
	    plan_usage_table[PLAN_PROSPECTS], analytics_table };
	const struct app app = {
		.name = "prospects",
		.db_user = "prospea_prospects",
		.routes = prosp_routes,
		.tables = tables,
		.ntables = sizeof(tables) / sizeof(tables[0]),
		.frozen_when_restricted = 1,
		.init = NULL,
	};

	return app_main(argc, argv, &app);
}
