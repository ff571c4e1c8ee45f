/*
 * Small REST building blocks the route groups share: an id-paged list,
 * one row as the answer, a delete by path id. See rest.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "req.h"
#include "resp.h"
#include "rest.h"

int
rest_bad_page(struct req *r)
{
	return resp_problem(r, 400, "bad_page",
	    "limit must be 1 to 200 and cursor a value from next_cursor.");
}

int
rest_page_collect(struct db *db, size_t stmt, const struct db_arg *args,
    size_t nargs, long limit, json_t *(*row)(struct db *), json_t **out)
{
	json_t	*items;
	char	 last[24] = "";
	long	 n = 0;
	int	 rc;

	*out = NULL;
	if ((rc = db_query(db, stmt, args, nargs)) != DB_OK)
		return rc;
	items = json_array();
	while ((rc = db_next(db)) == DB_OK && n < limit) {
		json_array_append_new(items, row(db));
		snprintf(last, sizeof(last), "%s", db_str(db, 0));
		n++;
	}
	if (rc == DB_ERR || rc == DB_DOWN) {
		json_decref(items);
		return rc;
	}
	db_done(db);
	*out = json_pack("{s:o, s:s?}", "items", items,
	    "next_cursor", rc == DB_OK ? last : NULL);
	return DB_OK;
}

int
rest_paged(struct req *r, size_t stmt, const struct db_arg *args,
    size_t nargs, long limit, json_t *(*row)(struct db *))
{
	json_t	*body;
	int	 rc;

	if ((rc = rest_page_collect(r->db, stmt, args, nargs, limit, row,
	    &body)) != DB_OK)
		return resp_db(r, rc);
	return resp_json(r, 200, body);
}

int
rest_row_reply(struct req *r, int status, size_t stmt, uint64_t id,
    json_t *(*row)(struct db *))
{
	json_t	*o;
	int	 rc;

	if ((rc = db_one(r->db, stmt, DB_ARGS(DB_INT(id)))) != DB_OK)
		return resp_db(r, rc);
	o = row(r->db);
	db_done(r->db);
	return resp_json(r, status, o);
}

int
rest_delete_or_404(struct req *r, size_t stmt)
{
	uint64_t	 id = req_param_id(r, 0);
	int		 rc;

	if (id == 0)
		return resp_db(r, DB_NONE);
	if ((rc = db_exec(r->db, stmt, DB_ARGS(DB_INT(id)))) != DB_OK)
		return resp_db(r, rc);
	return resp_empty(r, 204);
}

int
rest_list(struct req *r, size_t stmt, json_t *(*row)(struct db *))
{
	long		 limit;
	uint64_t	 cursor;

	if (req_page(r, &limit, &cursor) == -1)
		return rest_bad_page(r);
	return rest_paged(r, stmt, DB_ARGS(DB_INT(cursor > INT64_MAX ?
	    INT64_MAX : cursor), DB_INT(limit + 1)), limit, row);
}

char *
rest_ids_text(json_t *items)
{
	json_t	*ids = json_array(), *o;
	char	*s;
	size_t	 i;

	json_array_foreach(items, i, o)
		json_array_append_new(ids, json_integer(strtoll(json_string_value(
		    json_object_get(o, "id")), NULL, 10)));
	if ((s = json_dumps(ids, JSON_COMPACT)) == NULL)
		abort();
	json_decref(ids);
	return s;
}

json_t *
rest_item(json_t *items, const char *id)
{
	json_t	*o;
	size_t	 i;

	json_array_foreach(items, i, o)
		if (strcmp(json_string_value(json_object_get(o, "id")), id) == 0)
			return o;
	return NULL;
}
