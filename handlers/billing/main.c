/*
 * prospea-billing: the billing route group as a FastCGI program.
 */
#include "config.h"

#include "app.h"
#include "billing.h"
#include "plan.h"
#include "route.h"

extern const struct route bill_routes[];

int
main(int argc, char *argv[])
{
	const struct db_table tables[] = { sess_table, tmail_table,
	    bill_table, bill_hook_table, plan_table,
	    plan_usage_table[PLAN_PROSPECTS],
	    plan_usage_table[PLAN_EMAILS_MONTH],
	    plan_usage_table[PLAN_SENDING_ACCOUNTS],
	    plan_usage_table[PLAN_ACTIVE_CAMPAIGNS] };
	const struct app app = {
		.name = "billing",
		.db_user = "prospea_billing",
		.routes = bill_routes,
		.tables = tables,
		.ntables = sizeof(tables) / sizeof(tables[0]),
		.init = bill_init,
	};

	return app_main(argc, argv, &app);
}
