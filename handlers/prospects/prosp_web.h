/*
 * Google Places search and import (prosp_places.c) and website e-mail
 * discovery requests (prosp_enrich.c; the crawling is workers/enricher.c):
 * statement ids and body field indexes. The SQL is prosp_places.c's
 * prosp_web_table.
 */
#ifndef PROSPEA_PROSP_WEB_H
#define PROSPEA_PROSP_WEB_H

#include "field.h"
#include "prosp_import.h"

enum prosp_web_stmt {
	PW_PLACES_PURGE = PI__MAX,	/* the tenant's results older than 24 h */
	PW_PLACES_PUT,			/* cache one mapped result (upsert) */
	PW_PLACES_GET,			/* a cached result still fresh */
	PW_ENRICH_PROSPECT,		/* the prospect's website, row locked */
	PW_ENRICH_ACTIVE,		/* its queued or running job */
	PW_ENRICH_INSERT,		/* queue a job */
	PW_ENRICH_LATEST,		/* the prospect and its latest job */
	PW__MAX
};

extern const struct db_table prosp_web_table;

/* GET /prospects/{id}/export (prosp_subject.c): one prospect's data. */
enum prosp_subject_stmt {
	PX_SOURCE = PW__MAX,	/* how and when it was collected */
	PX_NOTES,
	PX_ENROLLMENTS,
	PX_MESSAGES,
	PX_TASKS,
	PX__MAX
};

extern const struct db_table prosp_subject_table;

/* POST /places/search */
enum { PQ_QUERY, PQ_LOCATION, PQ_PAGE_TOKEN, PQ__MAX };
extern const struct field prosp_places_search_fields[PQ__MAX];
/* POST /places/import */
enum { PL_PLACE_IDS, PL_ON_DUPLICATE, PL__MAX };
extern const struct field prosp_places_import_fields[PL__MAX];

#endif
