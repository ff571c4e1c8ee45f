/*
 * prospea-campaigns: the campaigns route group as a FastCGI program.
 */
#include "config.h"

#include "analytics.h"
#include "app.h"
#include "campaigns.h"
#include "route.h"

extern const struct route camp_routes[];

int
main(int argc, char *argv[])
{
	const struct db_table tables[] = { sess_table, camp_tmpl_table,
	    camp_acct_table, camp_table, camp_tasks_table, camp_unsub_table,
	    plan_table, plan_usage_table[PLAN_SENDING_ACCOUNTS],
	    plan_usage_table[PLAN_ACTIVE_CAMPAIGNS], analytics_table };
	const struct app app = {
		.name = "campaigns",
		.db_user = "prospea_campaigns",
		.routes = camp_routes,
		.tables = tables,
		.ntables = sizeof(tables) / sizeof(tables[0]),
		.frozen_when_restricted = 1,
		.init = NULL,
	};

	return app_main(argc, argv, &app);
}
