/*
 * prospea-admin: the admin route group as a FastCGI program.
 */
#include "config.h"

#include "admin.h"
#include "app.h"
#include "route.h"

extern const struct route admin_routes[];

int
main(int argc, char *argv[])
{
	const struct db_table tables[] = { sess_table, tmail_table, admin_table };
	const struct app app = {
		.name = "admin",
		.db_user = "prospea_admin",
		.routes = admin_routes,
		.tables = tables,
		.ntables = sizeof(tables) / sizeof(tables[0]),
		.unaudited = admin_unaudited,
		.init = NULL,
	};

	return app_main(argc, argv, &app);
}
