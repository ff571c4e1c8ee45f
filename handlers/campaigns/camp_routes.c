/*
 * The campaigns group's routes: its whole HTTP interface as one table
 * (STYLE.md). Body fields live next to their handlers (campaigns.h).
 */
#include "config.h"

#include <stddef.h>

#include "campaigns.h"
#include "route.h"

#define S	ROUTE_SESSION
#define C	(ROUTE_SESSION | ROUTE_CSRF)

const struct route camp_routes[] = {
	{ M_GET, "/api/v1/templates", camp_template_list, S, NULL, 0, 0 },
	{ M_POST, "/api/v1/templates", camp_template_create, C,
	    camp_template_fields, TF__MAX, 0 },
	{ M_GET, "/api/v1/templates/{id}", camp_template_read, S, NULL, 0, 0 },
	{ M_PATCH, "/api/v1/templates/{id}", camp_template_update, C,
	    camp_template_fields, TF__MAX, 0 },
	{ M_DELETE, "/api/v1/templates/{id}", camp_template_delete, C,
	    NULL, 0, 0 },
	{ M_POST, "/api/v1/templates/{id}/preview", camp_template_preview, C,
	    camp_preview_fields, TP__MAX, 0 },
	{ M_GET, "/api/v1/call-scripts", camp_script_list, S, NULL, 0, 0 },
	{ M_POST, "/api/v1/call-scripts", camp_script_create, C,
	    camp_script_fields, CS__MAX, 0 },
	{ M_GET, "/api/v1/call-scripts/{id}", camp_script_read, S, NULL, 0, 0 },
	{ M_PATCH, "/api/v1/call-scripts/{id}", camp_script_update, C,
	    camp_script_fields, CS__MAX, 0 },
	{ M_DELETE, "/api/v1/call-scripts/{id}", camp_script_delete, C,
	    NULL, 0, 0 },
	{ M_GET, "/api/v1/sending-accounts", camp_acct_list, S, NULL, 0, 0 },
	{ M_POST, "/api/v1/sending-accounts", camp_acct_create, C,
	    camp_acct_fields, SA__MAX, 0 },
	{ M_GET, "/api/v1/sending-accounts/{id}", camp_acct_read, S,
	    NULL, 0, 0 },
	{ M_PATCH, "/api/v1/sending-accounts/{id}", camp_acct_update, C,
	    camp_acct_fields, SA__MAX, 0 },
	{ M_DELETE, "/api/v1/sending-accounts/{id}", camp_acct_delete, C,
	    NULL, 0, 0 },
	{ M_POST, "/api/v1/sending-accounts/{id}/test", camp_acct_test, C,
	    NULL, 0, 0 },
	{ 0, NULL, NULL, 0, NULL, 0, 0 }
};
