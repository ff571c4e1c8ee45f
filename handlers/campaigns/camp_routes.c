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
	{ M_GET, "/api/v1/campaigns", camp_list, S, NULL, 0, 0 },
	{ M_POST, "/api/v1/campaigns", camp_create, C, camp_fields, CF__MAX, 0 },
	{ M_GET, "/api/v1/campaigns/{id}", camp_read, S, NULL, 0, 0 },
	{ M_PATCH, "/api/v1/campaigns/{id}", camp_update, C, camp_fields,
	    CF__MAX, 0 },
	{ M_DELETE, "/api/v1/campaigns/{id}", camp_delete, C, NULL, 0, 0 },
	{ M_POST, "/api/v1/campaigns/{id}/start", camp_start, C, NULL, 0, 0 },
	{ M_POST, "/api/v1/campaigns/{id}/pause", camp_pause, C, NULL, 0, 0 },
	{ M_POST, "/api/v1/campaigns/{id}/resume", camp_resume, C, NULL, 0, 0 },
	{ M_POST, "/api/v1/campaigns/{id}/archive", camp_archive, C,
	    NULL, 0, 0 },
	{ M_POST, "/api/v1/campaigns/{id}/enroll", camp_enroll, C,
	    camp_enroll_fields, CE__MAX, 0 },
	{ M_GET, "/api/v1/campaigns/{id}/stats", camp_stats, S, NULL, 0, 0 },
	{ M_GET, "/api/v1/campaigns/{id}/messages", camp_messages, S,
	    NULL, 0, 0 },
	{ M_GET, "/api/v1/campaigns/{id}/enrollments", camp_enrollments, S,
	    NULL, 0, 0 },
	{ M_DELETE, "/api/v1/campaigns/{id}/enrollments/{prospect_id}",
	    camp_enrollment_remove, C, NULL, 0, 0 },
	{ M_GET, "/api/v1/tasks", camp_task_list, S, NULL, 0, 0 },
	{ M_POST, "/api/v1/tasks/{id}/outcome", camp_task_outcome, C,
	    camp_outcome_fields, CO__MAX, 0 },
	/* Recipients: the token is the authority (camp_unsub.c). */
	{ M_GET, "/api/v1/u/{token}", camp_unsub_page, 0, NULL, 0, 0 },
	{ M_POST, "/api/v1/u/{token}", camp_unsub_post, ROUTE_FORM, NULL, 0,
	    4096 },
	{ 0, NULL, NULL, 0, NULL, 0, 0 }
};
