/*
 * The prospects route group (/api/v1/prospects, /notes, /imports,
 * /places, /suppressions): shared declarations of its files.
 *
 * Statement ids continue from table to table, in the order main.c lists
 * the tables: sess (core) -> prosp_rec (records, duplicates, suppression
 * checks) -> prosp (CRUD, notes, tags, export, suppressions) -> import ->
 * places -> enrich. Each file owns its enum and its SQL table.
 */
#ifndef PROSPEA_PROSPECTS_H
#define PROSPEA_PROSPECTS_H

#include <stdint.h>

#include "db.h"
#include "field.h"
#include "plan.h"
#include "sess.h"

#include "prosp_rec.h"
#include "prosp_crud.h"
#include "prosp_import.h"
#include "prosp_web.h"

struct req;

/* Route handlers, by file. */
/* prosp_crud.c, prosp_notes.c, prosp_export.c, prosp_supp.c */
int	prosp_list(struct req *);
int	prosp_create(struct req *);
int	prosp_read(struct req *);
int	prosp_update(struct req *);
int	prosp_delete(struct req *);
int	prosp_erase(struct req *);
int	prosp_export(struct req *);
/* prosp_subject.c */
int	prosp_subject_export(struct req *);
int	prosp_notes(struct req *);
int	prosp_note_create(struct req *);
int	prosp_note_update(struct req *);
int	prosp_note_delete(struct req *);
int	supp_list(struct req *);
int	supp_create(struct req *);
int	supp_delete(struct req *);
/* prosp_import.c */
int	prosp_import_create(struct req *);
int	prosp_import_list(struct req *);
int	prosp_import_read(struct req *);
/* prosp_places.c */
int	prosp_places_search(struct req *);
int	prosp_places_import(struct req *);
/* prosp_enrich.c */
int	prosp_enrich(struct req *);
int	prosp_enrich_status(struct req *);

/*
 * The plan's word before a bulk addition (an import, a Places import):
 * 0 when the account is in good standing with room for at least one more
 * prospect; otherwise -1 with 402 or 403 written (plan.h). What fits of
 * the addition is then decided row by row inside its transaction: the
 * rest is rejected with reason "plan_limit".
 */
int	prosp_plan_or_reply(struct req *r);

/* Body field tables: declared in the headers above, next to their enums. */

#endif
