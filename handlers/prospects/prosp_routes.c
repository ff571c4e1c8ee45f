/*
 * The prospects group's routes: its whole HTTP interface as one table
 * (STYLE.md). Body fields live next to their handlers (see the headers).
 */
#include "config.h"

#include <stddef.h>

#include "prospects.h"
#include "route.h"

#define S	ROUTE_SESSION
#define C	(ROUTE_SESSION | ROUTE_CSRF)

const struct route prosp_routes[] = {
	{ M_GET, "/api/v1/prospects", prosp_list, S, NULL, 0, 0 },
	{ M_POST, "/api/v1/prospects", prosp_create, C,
	    prosp_create_fields, PC__MAX, 0 },
	/* Before {id}: a literal segment wins when listed first. */
	{ M_GET, "/api/v1/prospects/export.csv", prosp_export, S, NULL, 0, 0 },
	{ M_GET, "/api/v1/prospects/{id}", prosp_read, S, NULL, 0, 0 },
	{ M_PATCH, "/api/v1/prospects/{id}", prosp_update, C,
	    prosp_update_fields, PU__MAX, 0 },
	{ M_DELETE, "/api/v1/prospects/{id}", prosp_delete, C | ROUTE_RIGHTS, NULL,
	    0, 0 },
	{ M_POST, "/api/v1/prospects/{id}/erase", prosp_erase, C | ROUTE_RIGHTS,
	    NULL, 0, 0 },
	{ M_GET, "/api/v1/prospects/{id}/export", prosp_subject_export, S, NULL,
	    0, 0 },
	{ M_GET, "/api/v1/prospects/{id}/notes", prosp_notes, S, NULL, 0, 0 },
	{ M_POST, "/api/v1/prospects/{id}/notes", prosp_note_create, C,
	    prosp_note_fields, NT__MAX, 0 },
	{ M_PATCH, "/api/v1/notes/{id}", prosp_note_update, C,
	    prosp_note_fields, NT__MAX, 0 },
	{ M_DELETE, "/api/v1/notes/{id}", prosp_note_delete, C, NULL, 0, 0 },
	{ M_POST, "/api/v1/prospects/{id}/enrich", prosp_enrich, C, NULL, 0, 0 },
	{ M_GET, "/api/v1/prospects/{id}/enrich", prosp_enrich_status, S,
	    NULL, 0, 0 },
	/*
	 * JSON bodies: read whole and parsed, so capped here at the largest
	 * import_json_max allows (8 MiB); text/csv bodies are streamed.
	 */
	{ M_POST, "/api/v1/imports", prosp_import_create, C | ROUTE_CSV,
	    prosp_import_fields, IM__MAX, 8L << 20 },
	{ M_GET, "/api/v1/imports", prosp_import_list, S, NULL, 0, 0 },
	{ M_GET, "/api/v1/imports/{id}", prosp_import_read, S, NULL, 0, 0 },
	{ M_POST, "/api/v1/places/search", prosp_places_search, C,
	    prosp_places_search_fields, PQ__MAX, 0 },
	{ M_POST, "/api/v1/places/import", prosp_places_import, C,
	    prosp_places_import_fields, PL__MAX, 0 },
	{ M_GET, "/api/v1/suppressions", supp_list, S, NULL, 0, 0 },
	{ M_POST, "/api/v1/suppressions", supp_create, C | ROUTE_RIGHTS, supp_fields,
	    SP__MAX, 0 },
	{ M_DELETE, "/api/v1/suppressions/{id}", supp_delete, C, NULL, 0, 0 },
	{ 0, NULL, NULL, 0, NULL, 0, 0 }
};
