/*
 * Prospect records over the API: create, read, edit, delete, search,
 * notes, tags, export, suppressions and erasure. Statement ids and body
 * field indexes of prosp_crud.c, prosp_notes.c, prosp_export.c and
 * prosp_supp.c.
 */
#ifndef PROSPEA_PROSP_CRUD_H
#define PROSPEA_PROSP_CRUD_H

#include <stdint.h>

#include <jansson.h>

#include "db.h"
#include "rest.h"
#include "field.h"
#include "prosp_rec.h"
#include "prospect.h"
#include "supp.h"

struct req;

enum prosp_stmt {
	/* prosp_crud.c: the list, one statement per sort (same filters). */
	PS_LIST_CREATED = PR__MAX,
	PS_LIST_NAME,
	PS_LIST_CITY,
	PS_LIST_RATING,
	PS_LIST_UPDATED,
	PS_GET,			/* one prospect by id */
	PS_TAGS_OF,		/* tags of a JSON array of prospect ids */
	PS_NOTES_COUNT_OF,	/* note counts of a JSON array of prospect ids */
	PS_LOCK,		/* the prospect's editable texts, FOR UPDATE */
	PS_UPDATE,
	PS_TAGS_CLEAR,
	PS_DELETE,
	/* prosp_notes.c */
	PS_NOTE_LIST,
	PS_NOTE_INSERT,
	PS_NOTE_GET,
	PS_NOTE_UPDATE,
	PS_NOTE_DELETE,
	/* prosp_supp.c */
	PS_SUPP_LIST,
	PS_SUPP_INSERT,
	PS_SUPP_GET,
	PS_SUPP_BY_HASH,
	PS_SUPP_DELETE,
	PS__MAX
};

extern const struct db_table prosp_table;

/*
 * The search filters and sort of GET /prospects, shared by the export:
 * the query parameters read by prosp_search_parse(). Texts are borrowed
 * from the request.
 */
enum prosp_sort {
	PSORT_CREATED,		/* newest first */
	PSORT_NAME,
	PSORT_CITY,		/* prospects without a city last */
	PSORT_RATING,		/* best first, unrated last */
	PSORT_UPDATED,		/* most recently changed first */
	PSORT__MAX
};

struct prosp_search {
	struct prospect_filter f;	/* prospect.h */
	enum prosp_sort	 sort;
	long		 limit;		/* 1..200 */
	/* The keyset position after which to go on (from ?cursor=). */
	int		 has_cursor;
	int		 cursor_null;	/* the last row's sort value was NULL */
	const char	*cursor_val;	/* that value as text (sort key) */
	uint64_t	 cursor_id;
};

/*
 * Reads r's query into s: the filters and the sort, then limit and cursor
 * unless paged is 0 (the export reads everything). extra names one more
 * accepted parameter (the export's "delimiter") or is NULL. Unknown,
 * repeated or bad parameters are answered 400 with errors[]: returns 0, or
 * -1 when the answer is written (_or_reply).
 */
int	prosp_search_or_reply(struct req *r, struct prosp_search *s, int paged,
	    const char *extra);

/*
 * Runs one page of search s: DB_OK with the rows in r->db (walk them with
 * db_next(); columns as prosp_row_json() reads them), or an error code.
 * Asks for s->limit + 1 rows, so a caller sees whether more follow.
 */
int	prosp_search_query(struct req *r, const struct prosp_search *s);

/*
 * Moves s past the current row of a search result, as the next page's
 * cursor; and the same position as an opaque base64url string (arena).
 */
void	prosp_search_advance(struct req *r, struct prosp_search *s);
const char *prosp_search_cursor(struct req *r, const struct prosp_search *s);

/*
 * The current row of PS_GET or of a search as the API's prospect object
 * (new reference), without tags and notes_count: prosp_rows_complete()
 * adds those to an array of such objects, in two statements.
 */
json_t	*prosp_row_json(struct db *db);
/*
 * Prospect id of the request's tenant as GET /prospects/{id} shows it
 * (tags and notes_count included): DB_OK with *out (owned), DB_NONE.
 */
int	prosp_get(struct db *db, uint64_t id, json_t **out);
int	prosp_rows_complete(struct db *db, json_t *items);

/*
 * Puts value (normalised: supp.h) of kind on the tenant's suppression
 * list with reason (a suppression.reason). DB_OK with *id the new entry;
 * DB_CONFLICT when it was already listed, with *id the existing entry
 * (id may be NULL: then nothing is read); or an error code.
 */
int	prosp_supp_add(struct db *db, uint64_t user_id, enum supp_kind kind,
	    const char *value, const char *reason, uint64_t *id);

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
