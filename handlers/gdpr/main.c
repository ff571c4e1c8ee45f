/*
 * prospea-gdpr: the gdpr route group as a FastCGI program.
 */
#include "config.h"

#include "app.h"
#include "gdpr.h"
#include "route.h"
#include "throttle.h"
#include "tmail.h"

extern const struct route gdpr_routes[];

int
main(int argc, char *argv[])
{
	const struct db_table tables[] = { sess_table, tmail_table,
	    throttle_table, gdpr_table };
	const struct app app = {
		.name = "gdpr",
		.db_user = "prospea_gdpr",
		.routes = gdpr_routes,
		.tables = tables,
		.ntables = sizeof(tables) / sizeof(tables[0]),
		.init = gdpr_init,
	};

	return app_main(argc, argv, &app);
}
