/*
 * Google Places search and import (prosp_places.c) and website e-mail
 * discovery requests (prosp_enrich.c; the crawling is workers/enricher.c):
 * statement ids and body field indexes.
 */
#ifndef PROSPEA_PROSP_WEB_H
#define PROSPEA_PROSP_WEB_H

#include "field.h"
#include "prosp_import.h"

enum prosp_web_stmt {
	PW_FIRST = PI__MAX,
	PW__MAX
};

extern const struct db_table prosp_web_table;

/* POST /places/search */
enum { PQ_QUERY, PQ_LOCATION, PQ_PAGE_TOKEN, PQ__MAX };
extern const struct field prosp_places_search_fields[PQ__MAX];
/* POST /places/import */
enum { PL_PLACE_IDS, PL_ON_DUPLICATE, PL__MAX };
extern const struct field prosp_places_import_fields[PL__MAX];

#endif
