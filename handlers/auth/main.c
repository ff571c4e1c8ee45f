/*
 * prospea-auth: the auth route group as a FastCGI program.
 */
#include "config.h"

#include "analytics.h"
#include "app.h"
#include "auth.h"
#include "route.h"

extern const struct route auth_routes[];

int
main(int argc, char *argv[])
{
	const struct db_table tables[] = {
		sess_table, tmail_table, throttle_table, auth_table,
		analytics_table
	};
	const struct app app = {
		.name = "auth",
		.db_user = "prospea_auth",
		.routes = auth_routes,
		.tables = tables,
		.ntables = sizeof(tables) / sizeof(tables[0]),
		.init = auth_init,
	};

	return app_main(argc, argv, &app);
}
