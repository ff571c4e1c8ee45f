/*
 * Imports of prospect files (POST /imports, GET /imports[/{id}]): the
 * handler side in prosp_import.c (small files inside the request, big
 * ones received into import_chunk rows as a job), the import itself in
 * prosp_importer.c, shared with workers/importer.c.
 */
#ifndef PROSPEA_PROSP_IMPORT_H
#define PROSPEA_PROSP_IMPORT_H

#include "field.h"
#include "prosp_crud.h"

enum prosp_import_stmt {
	PI_FIRST = PS__MAX,
	PI__MAX
};

extern const struct db_table prosp_import_table;

/* POST /imports with a JSON body; a text/csv body takes them from the query. */
enum { IM_CSV, IM_FILENAME, IM_MAPPING, IM_DRY_RUN, IM_ON_DUPLICATE, IM__MAX };
extern const struct field prosp_import_fields[IM__MAX];

#endif
