/*
 * Small REST building blocks the route groups share (API.md
 * "Conventions"): lists paged by id, newest first, as
 * {"items": [...], "next_cursor": id | null}; one row as an answer; a
 * delete by the path's id. Rows become JSON through a function of the
 * group, called on the current row of the statement.
 */
#ifndef PROSPEA_REST_H
#define PROSPEA_REST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "db.h"
#include "req.h"

/* The 400 of a bad ?limit= or ?cursor= on an id-paged list. */
int	rest_bad_page(struct req *r);

/*
 * One page of a list ordered by id, newest first: runs stmt with args
 * (whose last two are the cursor id and limit + 1), turns at most limit
 * rows into items with row() (column 0 must be the id) and answers
 * {items, next_cursor}, the id of the last item when more follow.
 * Returns the status written.
 */
int	rest_paged(struct req *r, size_t stmt, const struct db_arg *args,
	    size_t nargs, long limit, json_t *(*row)(struct db *));

/*
 * rest_paged() without the answer, for a page read inside a transaction
 * that must commit before anything is sent (an audited read): DB_OK with
 * *out the {items, next_cursor} object (owned), or the db.h error.
 */
int	rest_page_collect(struct db *db, size_t stmt, const struct db_arg *args,
	    size_t nargs, long limit, json_t *(*row)(struct db *), json_t **out);

/*
 * GET of a whole collection paged by id: ?limit= and ?cursor= read (400
 * when bad), then rest_paged() with stmt's two arguments, the cursor id
 * and limit + 1 ("... WHERE id < ? ORDER BY id DESC LIMIT ?").
 */
int	rest_list(struct req *r, size_t stmt, json_t *(*row)(struct db *));

/* Answers status with the row of stmt (one id argument) through row(). */
int	rest_row_reply(struct req *r, int status, size_t stmt, uint64_t id,
	    json_t *(*row)(struct db *));

/*
 * For completing a page of items (objects with an "id" string) from
 * statements over all their ids at once: the ids as a JSON array text,
 * [12,7,...] (owned: free()), for a JSON_TABLE; and the item of items
 * whose id is id, or NULL (borrowed; pages are small).
 */
char	*rest_ids_text(json_t *items);
json_t	*rest_item(json_t *items, const char *id);

/* Runs stmt (one id argument) with path id 0: 204, or 404 when no row. */
int	rest_delete_or_404(struct req *r, size_t stmt);

#endif
