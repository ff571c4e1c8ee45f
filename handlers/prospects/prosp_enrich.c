/*
 * Website e-mail discovery, the request side: POST /prospects/{id}/enrich
 * queues a job for the prospect's website (one at a time per prospect),
 * GET /prospects/{id}/enrich shows the latest job with what it found.
 * The crawling is workers/enricher.c's, which writes the job's result:
 * {found: [{email, kind, url, how, own_domain}], pages: [{url, status,
 * http_status?}], suppressed, error: {code, message} | null}. Statements
 * are in prosp_places.c's prosp_web_table.
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "log.h"
#include "prospects.h"
#include "req.h"
#include "resp.h"

/* One enrich request, redone from scratch if the transaction is retried. */
struct enrich_queue {
	uint64_t	 prospect_id;
	uint64_t	 user_id;
	int		 found;		/* the prospect exists */
	int		 website;	/* and has a website */
	json_t		*job;		/* owned: {id, prospect_id, status, created_at} */
};

/* {id, prospect_id, status, created_at} of PW_ENRICH_ACTIVE's row (owned). */
static json_t *
enrich_job_json(struct db *db, uint64_t prospect_id)
{
	json_t	*j;

	j = json_pack("{s:s, s:o, s:s, s:s}", "id", db_str(db, 0), "prospect_id",
	    json_sprintf("%llu", (unsigned long long)prospect_id), "status",
	    db_str(db, 1), "created_at", db_str(db, 2));
	if (j == NULL)
		abort();
	return j;
}

/*
 * Locks the prospect's row, so two requests for one prospect queue one
 * job: the second waits, then finds the first one's job.
 */
static int
enrich_queue_tx(struct db *db, void *arg)
{
	struct enrich_queue	*q = arg;
	const char		*site;
	int			 rc;

	q->found = q->website = 0;
	json_decref(q->job);
	q->job = NULL;
	if ((rc = db_one(db, PW_ENRICH_PROSPECT, DB_ARGS(DB_INT(q->prospect_id))))
	    != DB_OK)
		return rc;
	q->found = 1;
	site = db_str(db, 0);
	q->website = site != NULL && *site != '\0';
	db_done(db);
	if (!q->website)
		return DB_NONE;
	rc = db_one(db, PW_ENRICH_ACTIVE, DB_ARGS(DB_INT(q->prospect_id)));
	if (rc == DB_NONE) {
		if ((rc = db_exec(db, PW_ENRICH_INSERT, DB_ARGS(DB_INT(q->user_id),
		    DB_INT(q->prospect_id)))) != DB_OK)
			return rc;
		rc = db_one(db, PW_ENRICH_ACTIVE, DB_ARGS(DB_INT(q->prospect_id)));
	}
	if (rc != DB_OK)
		return rc == DB_NONE ? DB_ERR : rc;	/* it was just inserted */
	q->job = enrich_job_json(db, q->prospect_id);
	db_done(db);
	return DB_OK;
}

int
prosp_enrich(struct req *r)
{
	struct enrich_queue	 q;
	int			 rc;

	memset(&q, 0, sizeof(q));
	if ((q.prospect_id = req_param_id(r, 0)) == 0)
		return resp_db(r, DB_NONE);
	q.user_id = r->sess->user_id;
	rc = db_tx(r->db, enrich_queue_tx, &q);
	if (rc == DB_OK)
		return resp_json(r, 202, q.job);
	json_decref(q.job);
	if (rc == DB_NONE && q.found && !q.website)
		return resp_unprocessable(r, "website", "no_website",
		    "This prospect has no website to look for e-mail addresses on.");
	return resp_db(r, rc);
}

int
prosp_enrich_status(struct req *r)
{
	uint64_t	 id;
	json_t		*job, *res = NULL, *v;
	const char	*keys[] = { "found", "pages" };
	size_t		 i;
	int		 rc;

	if ((id = req_param_id(r, 0)) == 0)
		return resp_db(r, DB_NONE);
	if ((rc = db_one(r->db, PW_ENRICH_LATEST, DB_ARGS(DB_INT(id)))) != DB_OK)
		return resp_db(r, rc);
	if (db_null(r->db, 0)) {
		db_done(r->db);
		return resp_problem(r, 404, "no_enrich_job", "No e-mail discovery "
		    "has been asked for this prospect yet.");
	}
	job = json_pack("{s:s, s:s, s:s, s:s}", "id", db_str(r->db, 0),
	    "prospect_id", arena_printf(r->arena, "%llu", (unsigned long long)id),
	    "status", db_str(r->db, 1), "created_at", db_str(r->db, 2));
	if (job == NULL)
		abort();
	json_object_set_new(job, "finished_at", db_null(r->db, 3) ? json_null() :
	    json_string(db_str(r->db, 3)));
	if (!db_null(r->db, 4) && ((res = json_loadb(db_str(r->db, 4),
	    db_len(r->db, 4), 0, NULL)) == NULL || !json_is_object(res))) {
		log_err("enrich job %s: its result is not a JSON object",
		    db_str(r->db, 0));
		json_decref(res);
		res = NULL;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = json_object_get(res, keys[i]);
		json_object_set_new(job, keys[i], json_is_array(v) ?
		    json_incref(v) : json_array());
	}
	v = json_object_get(res, "suppressed");
	json_object_set_new(job, "suppressed", json_integer(json_is_integer(v) ?
	    json_integer_value(v) : 0));
	v = json_object_get(res, "error");
	if (json_is_object(v))
		json_object_set(job, "error", v);
	else if (!db_null(r->db, 5))
		json_object_set_new(job, "error", json_pack("{s:s, s:s}", "code",
		    db_str(r->db, 5), "message", "The discovery failed."));
	else
		json_object_set_new(job, "error", json_null());
	db_done(r->db);
	json_decref(res);
	return resp_json(r, 200, job);
}
