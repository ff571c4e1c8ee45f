/*
 * GET /prospects/export.csv: the user's prospects as a CSV file, with the
 * search filters of GET /prospects (all of them optional), streamed page
 * by page (PROSP_EXPORT_PAGE rows in memory at a time, never the table).
 *
 * The file opens in a French Excel as it is: UTF-8 with a byte order mark,
 * ';' between cells (?delimiter=, or ?delimiter=tab for other tools), CRLF line
 * ends (RFC 4180), and with ';' decimal commas, so ratings and
 * coordinates are numbers there. The header row uses the API's field
 * names, not translated ones: a file exported, edited and imported again
 * maps itself (POST /imports knows these names) and scripts need no
 * dictionary. Every cell goes through pnorm_csv_cell(), which quotes it
 * and neutralises what a spreadsheet would run as a formula
 * (OWASP "CSV Injection"), while E.164 phone numbers stay dialable.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "log.h"
#include "pnorm.h"
#include "prospects.h"
#include "req.h"
#include "resp.h"

#define PROSP_EXPORT_PAGE	200	/* rows per query */

enum export_kind {
	EX_TEXT,	/* the member as it is ("" for null) */
	EX_DECIMAL,	/* a number: decimal comma when the delimiter is ';' */
	EX_INT,
	EX_LIST,	/* an array of strings, ", " between them */
	EX_OTHER_EMAILS,	/* emails[].email but the first, ", " between */
	EX_JSON,	/* an object as compact JSON ("" when empty) */
	EX__MAX
};

struct export_col {
	const char		*name;	/* header and JSON member */
	enum export_kind	 kind;
	int			 places;	/* EX_DECIMAL: decimals */
};

static const struct export_col export_cols[] = {
	{ "id", EX_TEXT, 0 },
	{ "name", EX_TEXT, 0 },
	{ "category", EX_TEXT, 0 },
	{ "address", EX_TEXT, 0 },
	{ "postal_code", EX_TEXT, 0 },
	{ "city", EX_TEXT, 0 },
	{ "country", EX_TEXT, 0 },
	{ "phone_e164", EX_TEXT, 0 },
	{ "phone_national", EX_TEXT, 0 },
	{ "phone", EX_TEXT, 0 },
	{ "email", EX_TEXT, 0 },
	{ "emails", EX_OTHER_EMAILS, 0 },
	{ "website", EX_TEXT, 0 },
	{ "rating", EX_DECIMAL, 1 },
	{ "review_count", EX_INT, 0 },
	{ "status", EX_TEXT, 0 },
	{ "tags", EX_LIST, 0 },
	{ "notes_count", EX_INT, 0 },
	{ "place_id", EX_TEXT, 0 },
	{ "google_cid", EX_TEXT, 0 },
	{ "latitude", EX_DECIMAL, 6 },
	{ "longitude", EX_DECIMAL, 6 },
	{ "source", EX_TEXT, 0 },
	{ "quality_flags", EX_LIST, 0 },
	{ "created_at", EX_TEXT, 0 },
	{ "updated_at", EX_TEXT, 0 },
	{ "custom_fields", EX_JSON, 0 },
};
#define EXPORT_NCOLS	(sizeof(export_cols) / sizeof(export_cols[0]))

/* "a, b, c" from the strings of array v (or of member key of its objects). */
static char *
export_join(struct arena *a, json_t *v, const char *key, size_t skip)
{
	json_t	*e;
	char	*out = "";
	size_t	 i;

	json_array_foreach(v, i, e) {
		if (i < skip)
			continue;
		if (key != NULL)
			e = json_object_get(e, key);
		if (!json_is_string(e))
			continue;
		out = arena_printf(a, "%s%s%s", out, *out != '\0' ? ", " : "",
		    json_string_value(e));
	}
	return out;
}

/* The text of column c of prospect o (arena). */
static const char *
export_value(struct req *r, const struct export_col *c, json_t *o, char delim)
{
	json_t	*v = json_object_get(o, c->name);
	char	*s, *p;

	switch (c->kind) {
	case EX_DECIMAL:
		if (!json_is_number(v))
			return "";
		s = arena_printf(r->arena, "%.*f", c->places,
		    json_number_value(v));
		if (delim == ';' && (p = strchr(s, '.')) != NULL)
			*p = ',';
		return s;
	case EX_INT:
		return json_is_integer(v) ? arena_printf(r->arena, "%"
		    JSON_INTEGER_FORMAT, json_integer_value(v)) : "";
	case EX_LIST:
		return export_join(r->arena, v, NULL, 0);
	case EX_OTHER_EMAILS:
		return export_join(r->arena, v, "email", 1);
	case EX_JSON:
		if (json_object_size(v) == 0)
			return "";
		if ((p = json_dumps(v, JSON_COMPACT)) == NULL)
			abort();
		s = arena_strdup(r->arena, p);
		free(p);
		return s;
	default:
		return json_is_string(v) ? json_string_value(v) : "";
	}
}

/* Writes one CSV line: cells through pnorm_csv_cell(), CRLF. 0 or -1. */
static int
export_line(struct req *r, struct pnorm_buf *b, const char *const *cells,
    char delim)
{
	size_t	 i;

	b->len = 0;
	for (i = 0; i < EXPORT_NCOLS; i++) {
		if (i > 0)
			pnorm_buf_add(b, &delim, 1);
		pnorm_csv_cell(b, cells[i], delim);
	}
	pnorm_buf_add(b, "\r\n", 2);
	return resp_stream_write(r, b->p, b->len);
}

/* Writes the page of prospects items. 0, or -1 when the client is gone. */
static int
export_page(struct req *r, struct pnorm_buf *b, json_t *items, char delim)
{
	const char	*cells[EXPORT_NCOLS];
	json_t		*o;
	size_t		 i, c;

	json_array_foreach(items, i, o) {
		for (c = 0; c < EXPORT_NCOLS; c++)
			cells[c] = export_value(r, &export_cols[c], o, delim);
		if (export_line(r, b, cells, delim) == -1)
			return -1;
	}
	return 0;
}

/*
 * Reads the current result into items (at most s->limit rows, s moved past
 * each), then completes them. DB_OK with *more, or an error code.
 */
static int
export_fetch(struct req *r, struct prosp_search *s, json_t *items, int *more)
{
	long	 n = 0;
	int	 rc;

	*more = 0;
	while ((rc = db_next(r->db)) == DB_OK) {
		if (n == s->limit) {
			*more = 1;
			break;
		}
		json_array_append_new(items, prosp_row_json(r->db));
		prosp_search_advance(r, s);
		n++;
	}
	if (rc != DB_OK && rc != DB_NONE)
		return rc;
	return prosp_rows_complete(r->db, items);
}

int
prosp_export(struct req *r)
{
	struct prosp_search s;
	struct pnorm_buf b = { NULL, 0, 0 };
	const char	*d, *header[EXPORT_NCOLS];
	json_t		*items;
	char		 delim = ';', date[16];
	time_t		 now = time(NULL);
	struct tm	 tm;
	size_t		 c;
	int		 rc, more, gone = 0;

	if (prosp_search_or_reply(r, &s, 0, "delimiter") == -1)
		return r->status;
	if ((d = req_query(r, "delimiter")) != NULL) {
		/* A tab is spelt "tab": queries hold no control characters. */
		if (strcmp(d, ";") != 0 && strcmp(d, ",") != 0 &&
		    strcmp(d, "tab") != 0)
			return resp_invalid(r, "Some query parameters are invalid.",
			    json_pack("[{s:s, s:s, s:s}]", "field", "delimiter",
			    "code", "enum", "message",
			    "must be ';', ',' or tab"));
		delim = strcmp(d, "tab") == 0 ? '\t' : d[0];
	}
	s.limit = PROSP_EXPORT_PAGE;
	/* What can fail before a status is sent fails with its own answer. */
	items = json_array();
	if ((rc = prosp_search_query(r, &s)) != DB_OK ||
	    (rc = export_fetch(r, &s, items, &more)) != DB_OK) {
		json_decref(items);
		return resp_db(r, rc);
	}

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y%m%d", &tm);
	resp_header(r, "Content-Disposition", arena_printf(r->arena,
	    "attachment; filename=\"prospects-%s.csv\"", date));
	resp_stream_begin(r, 200, "text/csv; charset=utf-8");
	for (c = 0; c < EXPORT_NCOLS; c++)
		header[c] = export_cols[c].name;
	if (resp_stream_write(r, "\xef\xbb\xbf", 3) == -1 ||
	    export_line(r, &b, header, delim) == -1)
		gone = 1;
	while (!gone && r->method != M_HEAD) {
		if (export_page(r, &b, items, delim) == -1) {
			gone = 1;
			break;
		}
		json_decref(items);
		items = json_array();
		if (!more)
			break;
		if ((rc = prosp_search_query(r, &s)) != DB_OK ||
		    (rc = export_fetch(r, &s, items, &more)) != DB_OK) {
			/* The status is sent: the file ends short, logged. */
			log_err("export for user %llu cut short (db %d, errno %u)",
			    (unsigned long long)r->sess->user_id, rc,
			    db_errno(r->db));
			break;
		}
	}
	json_decref(items);
	pnorm_buf_free(&b);
	return 200;
}
