/*
 * Prospect records over the API: create, read, edit, delete, search,
 * notes, tags, export, suppressions and erasure. Statement ids and body
 * field indexes of prosp_crud.c, prosp_notes.c, prosp_export.c and
 * prosp_supp.c.
 */
#ifndef PROSPEA_PROSP_CRUD_H
#define PROSPEA_PROSP_CRUD_H

#include "field.h"
#include "prosp_rec.h"

enum prosp_stmt {
	PS_FIRST = PR__MAX,
	PS__MAX
};

extern const struct db_table prosp_table;

/* POST /prospects */
enum {
	PC_NAME, PC_CATEGORY, PC_ADDRESS, PC_POSTAL_CODE, PC_CITY, PC_COUNTRY,
	PC_PHONE, PC_EMAIL, PC_WEBSITE, PC_RATING, PC_REVIEW_COUNT,
	PC_PLACE_ID, PC_GOOGLE_CID, PC_LATITUDE, PC_LONGITUDE, PC_STATUS,
	PC_TAGS, PC_CUSTOM_FIELDS, PC_NOTE, PC__MAX
};
extern const struct field prosp_create_fields[PC__MAX];
/* PATCH /prospects/{id}: the same fields, null clears (not name) */
enum {
	PU_NAME, PU_CATEGORY, PU_ADDRESS, PU_POSTAL_CODE, PU_CITY, PU_COUNTRY,
	PU_PHONE, PU_EMAIL, PU_WEBSITE, PU_RATING, PU_REVIEW_COUNT,
	PU_PLACE_ID, PU_GOOGLE_CID, PU_LATITUDE, PU_LONGITUDE, PU_STATUS,
	PU_TAGS, PU_CUSTOM_FIELDS, PU__MAX
};
extern const struct field prosp_update_fields[PU__MAX];
/* POST /prospects/{id}/notes, PATCH /notes/{id} */
enum { NT_BODY, NT__MAX };
extern const struct field prosp_note_fields[NT__MAX];
/* POST /suppressions */
enum { SP_KIND, SP_VALUE, SP__MAX };
extern const struct field supp_fields[SP__MAX];

#endif
