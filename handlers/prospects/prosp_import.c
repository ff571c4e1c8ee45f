/*
 * POST /imports, GET /imports, GET /imports/{id}: prospect files in.
 * A file of at most import_sync_max bytes is imported inside the request
 * (201 with the counts, or 200 for a dry run); a bigger one is received
 * in PIMP_CHUNK pieces into import_chunk rows, its encoding learnt on the
 * way, and left to workers/importer.c (202 and GET /imports/{id}). The
 * body is never held whole in memory on the way to a job: nginx buffers
 * it to disk, the handler streams it (ROUTE_CSV).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "conf.h"
#include "log.h"
#include "prospects.h"
#include "req.h"
#include "resp.h"

static const char *const pimp_on_duplicate[] = { "skip", "update", NULL };

/* Any JSON string of at most f->max bytes: a file's text, as sent. */
static int
pimp_field_csv(const struct field *f, json_t *v, const char **code,
    const char **msg)
{
	if (!json_is_string(v)) {
		*code = "type";
		*msg = "Must be a string holding the file's text.";
		return -1;
	}
	if ((long long)json_string_length(v) > f->max) {
		*code = "too_long";
		*msg = "The file is larger than this server accepts.";
		return -1;
	}
	return 0;
}

static int
pimp_field_mapping(const struct field *f, json_t *v, const char **code,
    const char **msg)
{
	if (pimp_mapping_ok(v, msg) != 0) {
		*code = "mapping";
		return -1;
	}
	return 0;
}

const struct field prosp_import_fields[IM__MAX] = {
	[IM_CSV] = { "csv", pimp_field_csv, FIELD_REQ, 1, 64L << 20, NULL },
	[IM_FILENAME] = { "filename", field_text, 0, 1, 200, NULL },
	[IM_MAPPING] = { "mapping", pimp_field_mapping, FIELD_NULL, 0, 0, NULL },
	[IM_DRY_RUN] = { "dry_run", field_bool, 0, 0, 0, NULL },
	[IM_ON_DUPLICATE] = { "on_duplicate", field_enum, 0, 0, 0,
	    pimp_on_duplicate },
};

/* What a request asks for, from its JSON body or its query string. */
struct pimp_req {
	const char	*filename;
	json_t		*mapping;	/* owned */
	int		 dry_run, update;
};

/* Reads the options of a text/csv upload from the query (400 written on error). */
static int
pimp_query_or_reply(struct req *r, struct pimp_req *pr)
{
	static const char *const known[] = { "filename", "dry_run",
	    "on_duplicate", "mapping", NULL };
	const char	*s, *msg = NULL;
	json_error_t	 je;
	size_t		 i, k;

	/* A misspelt option must not turn a dry run into an import. */
	for (i = 0; i < r->nquery; i++) {
		for (k = 0; known[k] != NULL; k++)
			if (strcmp(r->query[i].key, known[k]) == 0)
				break;
		if (known[k] == NULL)
			return resp_problem(r, 400, "invalid_query", arena_printf(
			    r->arena, "Unknown query parameter \"%.40s\": the "
			    "options are filename, dry_run, on_duplicate and "
			    "mapping.", r->query[i].key));
	}
	pr->filename = req_query(r, "filename");
	if (pr->filename != NULL && (*pr->filename == '\0' ||
	    field_utf8_len(pr->filename) > 200))
		return resp_problem(r, 400, "invalid_query",
		    "filename must hold 1 to 200 characters.");
	if ((s = req_query(r, "dry_run")) != NULL) {
		if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)
			return resp_problem(r, 400, "invalid_query",
			    "dry_run must be true or false.");
		pr->dry_run = strcmp(s, "true") == 0;
	}
	if ((s = req_query(r, "on_duplicate")) != NULL) {
		if (strcmp(s, "skip") != 0 && strcmp(s, "update") != 0)
			return resp_problem(r, 400, "invalid_query",
			    "on_duplicate must be skip or update.");
		pr->update = strcmp(s, "update") == 0;
	}
	if ((s = req_query(r, "mapping")) != NULL) {
		pr->mapping = json_loads(s, JSON_REJECT_DUPLICATES, &je);
		if (pr->mapping == NULL || pimp_mapping_ok(pr->mapping, &msg) != 0)
			return resp_problem(r, 400, "invalid_query", msg != NULL ?
			    msg : "mapping must be a JSON object.");
	}
	return 0;
}

/* A memory buffer as an import source (rewound by a NULL read). */
struct pimp_mem {
	const char	*p;
	size_t		 len, off;
};

static long
pimp_mem_read(void *arg, void *buf, size_t len, int *rc)
{
	struct pimp_mem	*m = arg;

	*rc = DB_OK;
	if (buf == NULL) {
		m->off = 0;
		return 0;
	}
	if (len > m->len - m->off)
		len = m->len - m->off;
	memcpy(buf, m->p + m->off, len);
	m->off += len;
	return (long)len;
}

/* The encoding of a whole file in memory (csvin_detect). */
static enum csvin_enc
pimp_detect(const char *p, size_t len)
{
	struct csvin_utf8	 u;

	csvin_utf8_init(&u);
	csvin_utf8_feed(&u, p, len);
	return csvin_detect(p, len, csvin_utf8_ok(&u));
}

/* The options column of a job: what the worker needs to run it. */
static char *
pimp_options(const struct pimp_req *pr)
{
	json_t	*o;
	char	*s;

	o = json_pack("{s:b, s:s, s:O?}", "dry_run", pr->dry_run,
	    "on_duplicate", pr->update ? "update" : "skip",
	    "mapping", pr->mapping);
	if (o == NULL || (s = json_dumps(o, JSON_COMPACT)) == NULL)
		abort();
	json_decref(o);
	return s;
}

static const char *
pimp_source_name(struct req *r, const struct pimp_req *pr)
{
	return arena_printf(r->arena, "import:%s",
	    pr->filename != NULL ? pr->filename : "import.csv");
}

/* A 422 naming the file-level problem; the message names the line. */
static int
pimp_file_problem(struct req *r, const struct csvin_error *e)
{
	return resp_unprocessable(r, "csv", pimp_error_code(e->code),
	    e->message);
}

/* Imports a file held in memory, inside the request. */
static int
pimp_sync(struct req *r, const struct pimp_req *pr, const char *p, size_t len)
{
	struct pimp_mem		 mem = { p, len, 0 };
	struct pimp_source	 src = { pimp_mem_read, &mem };
	struct pimp_opts	 o;
	struct pimp_result	 res;
	char			 region[3], *opts = NULL, *doc;
	json_t			*body;
	int			 rc;
	uint64_t		 job = 0;

	memset(&o, 0, sizeof(o));
	o.enc = pimp_detect(p, len);
	o.mapping = pr->mapping;
	o.dry_run = pr->dry_run;
	o.update = pr->update;
	o.source = pimp_source_name(r, pr);
	o.user_id = r->sess->user_id;
	if ((rc = prosp_rec_region(r->db, region)) != DB_OK)
		return resp_db(r, rc);
	o.region = region;
	if (!pr->dry_run) {
		opts = pimp_options(pr);
		rc = db_exec(r->db, PI_JOB_INSERT, DB_ARGS(DB_INT(o.user_id),
		    DB_TEXT("running"), DB_TEXT(o.source + 7), DB_TEXT(opts),
		    DB_TEXT(csvin_enc_name(o.enc)), DB_INT(len)));
		free(opts);
		if (rc != DB_OK)
			return resp_db(r, rc == DB_NONE ? DB_ERR : rc);
		o.job_id = job = db_last_id(r->db);
	}
	if ((rc = pimp_run(r->db, &o, &src, &res)) != DB_OK) {
		if (job != 0)
			db_exec(r->db, PI_JOB_DELETE, DB_ARGS(DB_INT(job)));
		pimp_result_free(&res);
		return resp_db(r, rc);
	}
	if (res.error.code != CSVIN_ERR_NONE) {
		if (job != 0) {
			doc = pimp_result_text(&res, 0);
			pimp_job_fail(r->db, job, pimp_error_code(res.error.code),
			    res.error.message, doc);
			free(doc);
		}
		rc = pimp_file_problem(r, &res.error);
		pimp_result_free(&res);
		return rc;
	}
	body = pimp_result_json(&res, pr->dry_run);
	pimp_result_free(&res);
	json_object_set_new(body, "id", job != 0 ?
	    json_string(arena_printf(r->arena, "%llu", (unsigned long long)job)) :
	    json_null());
	json_object_set_new(body, "status", json_string(pr->dry_run ?
	    "dry_run" : "done"));
	return resp_json(r, pr->dry_run ? 200 : 201, body);
}

/* Writing a big file into import_chunk rows as it arrives. */
struct pimp_upload {
	struct req		*r;
	uint64_t		 job;
	unsigned		 seq;
	uint64_t		 bytes;
	struct csvin_utf8	 utf8;
	unsigned char		 head[4];
	size_t			 nhead;
};

static int
pimp_chunk_store(struct pimp_upload *u, const char *p, size_t len)
{
	int	 rc;

	csvin_utf8_feed(&u->utf8, p, len);
	while (u->nhead < sizeof(u->head) && len > 0 && u->nhead < len)
		u->head[u->nhead] = (unsigned char)p[u->nhead], u->nhead++;
	rc = db_exec(u->r->db, PI_CHUNK_INSERT, DB_ARGS(DB_INT(u->job),
	    DB_INT(u->seq), DB_INT(u->r->sess->user_id), DB_BLOB(p, len)));
	u->seq++;
	u->bytes += len;
	return rc == DB_NONE ? DB_ERR : rc;
}

/*
 * Receives a file into a new job: from the streamed body (p NULL) or
 * from memory (a JSON body's csv). 202 with the queued job.
 */
static int
pimp_job(struct req *r, const struct pimp_req *pr, const char *p, size_t len)
{
	struct pimp_upload	 u;
	char			*buf = NULL, *opts;
	size_t			 fill, off = 0;
	long			 n;
	int			 rc;
	json_t			*body;

	memset(&u, 0, sizeof(u));
	u.r = r;
	csvin_utf8_init(&u.utf8);
	opts = pimp_options(pr);
	rc = db_exec(r->db, PI_JOB_INSERT, DB_ARGS(DB_INT(r->sess->user_id),
	    DB_TEXT("receiving"), DB_TEXT(pimp_source_name(r, pr) + 7),
	    DB_TEXT(opts), DB_NULL, DB_INT(p != NULL ? len :
	    r->content_length)));
	free(opts);
	if (rc != DB_OK)
		return resp_db(r, rc == DB_NONE ? DB_ERR : rc);
	u.job = db_last_id(r->db);
	if (p == NULL && (buf = malloc(PIMP_CHUNK)) == NULL)
		abort();
	for (rc = DB_OK; rc == DB_OK;) {
		if (p != NULL) {
			if (off == len)
				break;
			fill = len - off < PIMP_CHUNK ? len - off : PIMP_CHUNK;
			rc = pimp_chunk_store(&u, p + off, fill);
			off += fill;
			continue;
		}
		for (fill = 0; fill < PIMP_CHUNK; fill += (size_t)n)
			if ((n = req_read_chunk(r, buf + fill,
			    PIMP_CHUNK - fill)) <= 0)
				break;
		if (n < 0) {
			rc = -1;
			break;
		}
		if (fill == 0)
			break;
		rc = pimp_chunk_store(&u, buf, fill);
	}
	free(buf);
	if (rc == DB_OK)
		rc = db_exec(r->db, PI_JOB_QUEUE, DB_ARGS(DB_TEXT(csvin_enc_name(
		    csvin_detect(u.head, u.nhead, csvin_utf8_ok(&u.utf8)))),
		    DB_INT(u.bytes), DB_INT(u.job)));
	if (rc != DB_OK) {
		/* Nothing half-received stays behind (chunks go by cascade). */
		db_exec(r->db, PI_JOB_DELETE, DB_ARGS(DB_INT(u.job)));
		if (rc == -1)
			return resp_problem(r, 400, "incomplete_body",
			    "The body is shorter than its Content-Length.");
		return resp_db(r, rc == DB_NONE ? DB_ERR : rc);
	}
	resp_header(r, "Location", arena_printf(r->arena, "/api/v1/imports/%llu",
	    (unsigned long long)u.job));
	body = json_pack("{s:s, s:s, s:I, s:b}", "id",
	    arena_printf(r->arena, "%llu", (unsigned long long)u.job),
	    "status", "queued", "bytes", (json_int_t)u.bytes,
	    "dry_run", pr->dry_run);
	return resp_json(r, 202, body);
}

int
prosp_import_create(struct req *r)
{
	struct pimp_req	 pr;
	const char	*csv, *s;
	size_t		 len;
	int		 rc;
	char		*buf;
	long		 n;

	memset(&pr, 0, sizeof(pr));
	if (r->body_stream) {
		if ((rc = pimp_query_or_reply(r, &pr)) != 0)
			goto out;
		if (!pr.dry_run && prosp_plan_or_reply(r) == -1) {
			rc = r->status;
			goto out;
		}
		if (r->content_length > (size_t)r->conf->import_max) {
			rc = resp_problem(r, 413, "too_large", arena_printf(
			    r->arena, "Files up to %ld MB are accepted.",
			    r->conf->import_max / 1000000));
			goto out;
		}
		if (r->content_length > (size_t)r->conf->import_sync_max) {
			rc = pimp_job(r, &pr, NULL, 0);
			goto out;
		}
		buf = arena_alloc(r->arena, r->content_length + 1);
		for (len = 0; len < r->content_length; len += (size_t)n)
			if ((n = req_read_chunk(r, buf + len,
			    r->content_length - len)) <= 0)
				break;
		if (len != r->content_length) {
			rc = resp_problem(r, 400, "incomplete_body",
			    "The body is shorter than its Content-Length.");
			goto out;
		}
		rc = pimp_sync(r, &pr, buf, len);
		goto out;
	}
	if (r->nquery > 0) {
		rc = resp_problem(r, 400, "invalid_query", "With a JSON body the "
		    "options go in the body, not in the query.");
		goto out;
	}
	if (r->bodylen > (size_t)r->conf->import_json_max) {
		rc = resp_problem(r, 413, "too_large", "JSON imports are "
		    "limited: send bigger files as text/csv.");
		goto out;
	}
	csv = json_string_value(r->vals[IM_CSV]);
	len = json_string_length(r->vals[IM_CSV]);
	pr.filename = req_str(r, IM_FILENAME);
	pr.dry_run = req_true(r, IM_DRY_RUN);
	pr.update = (s = req_str(r, IM_ON_DUPLICATE)) != NULL &&
	    strcmp(s, "update") == 0;
	if (r->vals[IM_MAPPING] != NULL && !json_is_null(r->vals[IM_MAPPING]))
		pr.mapping = json_incref(r->vals[IM_MAPPING]);
	if (!pr.dry_run && prosp_plan_or_reply(r) == -1)
		rc = r->status;
	else if (len > (size_t)r->conf->import_sync_max)
		rc = pimp_job(r, &pr, csv, len);
	else
		rc = pimp_sync(r, &pr, csv, len);
out:
	json_decref(pr.mapping);
	return rc;
}

/* One import_job row (PI_JOB_GET / PI_JOB_LIST columns) as JSON. */
static json_t *
pimp_job_json(struct db *db, int full)
{
	json_t		*j, *v;
	long long	 bytes = db_int(db, 5), done = db_int(db, 6);
	const char	*s;

	j = json_pack("{s:s, s:s, s:s, s:I, s:I, s:f, s:s?, s:s?, s:s?, s:s?}",
	    "id", db_str(db, 0), "status", db_str(db, 1),
	    "filename", db_str(db, 2), "bytes", (json_int_t)bytes,
	    "bytes_done", (json_int_t)done,
	    "progress", bytes > 0 ? (double)done / (double)bytes : 0.0,
	    "encoding", db_str(db, 4), "created_at", db_str(db, 10),
	    "started_at", db_str(db, 11), "finished_at", db_str(db, 12));
	if (j == NULL)
		abort();
	if ((s = db_str(db, 3)) != NULL && (v = json_loads(s, 0, NULL)) != NULL)
		json_object_set_new(j, "options", v);
	v = (s = db_str(db, 7)) != NULL ? json_loads(s, 0, NULL) : NULL;
	if (v != NULL && !full) {
		/* The list shows the counts; the rejected lines are on the job. */
		json_object_del(v, "rejects");
		json_object_del(v, "suppressed_lines");
		json_object_del(v, "columns");
	}
	json_object_set_new(j, "result", v != NULL ? v : json_null());
	json_object_set_new(j, "error", db_null(db, 8) ? json_null() :
	    json_pack("{s:s, s:s?}", "code", db_str(db, 8),
	    "detail", db_str(db, 9)));
	return j;
}

int
prosp_import_read(struct req *r)
{
	uint64_t	 id = req_param_id(r, 0);
	json_t		*j;
	int		 rc;

	if (id == 0)
		return resp_problem(r, 404, "not_found", "No such import.");
	if ((rc = db_one(r->db, PI_JOB_GET, DB_ARGS(DB_INT(id)))) != DB_OK)
		return rc == DB_NONE ? resp_problem(r, 404, "not_found",
		    "No such import.") : resp_db(r, rc);
	j = pimp_job_json(r->db, 1);
	db_done(r->db);
	return resp_json(r, 200, j);
}

int
prosp_import_list(struct req *r)
{
	long		 limit;
	uint64_t	 cursor, last = 0;
	json_t		*items, *body;
	int		 rc;

	if (req_page(r, &limit, &cursor) != 0)
		return resp_problem(r, 400, "invalid_query",
		    "limit must be 1 to 200 and cursor an id from a previous page.");
	if ((rc = db_query(r->db, PI_JOB_LIST, DB_ARGS(DB_INT(cursor == UINT64_MAX ?
	    (uint64_t)INT64_MAX : cursor), DB_INT(limit + 1)))) != DB_OK)
		return resp_db(r, rc);
	if ((items = json_array()) == NULL)
		abort();
	while ((rc = db_next(r->db)) == DB_OK &&
	    json_array_size(items) < (size_t)limit) {
		last = (uint64_t)db_int(r->db, 0);
		json_array_append_new(items, pimp_job_json(r->db, 0));
	}
	if (rc != DB_OK && rc != DB_NONE) {
		json_decref(items);
		return resp_db(r, rc);
	}
	body = json_pack("{s:o, s:o}", "items", items, "next_cursor",
	    rc == DB_OK ? json_string(arena_printf(r->arena, "%llu",
	    (unsigned long long)last)) : json_null());
	db_done(r->db);
	return resp_json(r, 200, body);
}
