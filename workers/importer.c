/*
 * prospea-importer: runs the big imports that POST /imports queued
 * (prosp_import.h). A job is claimed with SELECT ... FOR UPDATE SKIP
 * LOCKED and leased for IMPORTER_LEASE seconds, renewed as batches go
 * by; the import runs as the job's user (@app_user, so only the per-user
 * views are reachable) in one transaction, from the file's import_chunk
 * rows. A worker that dies mid-file leaves nothing behind (the server
 * rolls its transaction back) and its lease runs out, so another one
 * takes the job again: imports are idempotent (duplicates are found). A
 * second connection writes the progress that GET /imports/{id} shows,
 * outside the import's transaction.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analytics.h"
#include "conf.h"
#include "db.h"
#include "log.h"
#include "prospects.h"
#include "secret.h"
#include "worker.h"

#define IMPORTER_TRIES	3	/* then the job is marked failed */

enum importer_stmt {
	IW_CLAIM = PI__MAX,
	IW_LEASE,
	IW_JOB,
	IW_SWEEP_RECEIVING,
	IW_SWEEP_SYNC,
	IW__MAX
};

/* Seconds between two sweeps of abandoned jobs. */
#define IMPORTER_SWEEP	60

static const char *const importer_sql[IW__MAX] = {
	[IW_CLAIM] =
	    "SELECT j.id, j.user_id, j.attempts FROM import_job j "
	    "WHERE (j.status = 'queued' OR (j.status = 'running' "
	    "AND j.lease_until < NOW(3))) "
	    /*
	     * Jobs of an account closed (erasure pending) or restricted
	     * (GDPR art. 18) wait, untouched, until it is lifted.
	     */
	    "AND (SELECT u.status = 'active' AND u.restricted_at IS NULL "
	    "FROM user_account u WHERE u.id = j.user_id) "
	    "ORDER BY j.id LIMIT 1 "
	    "FOR UPDATE SKIP LOCKED",
	[IW_LEASE] =
	    "UPDATE import_job SET status = 'running', attempts = attempts + 1, "
	    "lease_until = NOW(3) + INTERVAL ? SECOND, "
	    "started_at = COALESCE(started_at, NOW(3)) WHERE id = ?",
	[IW_JOB] =
	    "SELECT options, encoding, filename FROM my_import_job WHERE id = ?",
	/*
	 * Abandoned jobs, for every user: an upload whose handler died
	 * (its chunks, personal data, go with it by cascade); an import
	 * run inside a request whose handler died (it has no lease and no
	 * file to run again). nginx hands a body over whole, so an hour is
	 * far more than any upload takes.
	 */
	[IW_SWEEP_RECEIVING] =
	    "DELETE FROM import_job WHERE status = 'receiving' "
	    "AND created_at < NOW(3) - INTERVAL 1 HOUR",
	[IW_SWEEP_SYNC] =
	    "UPDATE import_job SET status = 'failed', error_code = 'interrupted', "
	    "finished_at = NOW(3) WHERE status = 'running' "
	    "AND lease_until IS NULL AND started_at < NOW(3) - INTERVAL 1 HOUR",
};

static const struct db_table importer_table = { importer_sql, IW_CLAIM,
	IW__MAX };

struct job {
	uint64_t	 id, user_id;
	long long	 attempts;
	long		 lease;		/* seconds (worker_lease) */
};

static int
importer_claim_tx(struct db *db, void *arg)
{
	struct job	*j = arg;
	int		 rc;

	j->id = 0;
	if ((rc = db_one(db, IW_CLAIM, DB_NOARGS)) != DB_OK)
		return rc;
	j->id = (uint64_t)db_int(db, 0);
	j->user_id = (uint64_t)db_int(db, 1);
	j->attempts = db_int(db, 2);
	db_done(db);
	return db_exec(db, IW_LEASE, DB_ARGS(DB_INT(j->lease), DB_INT(j->id)));
}

/* The job's file, chunk after chunk (rewound by a NULL read). */
struct chunks {
	struct db	*db;
	uint64_t	 job;
	unsigned	 seq;
	char		*buf;
	size_t		 len, off;
};

static long
importer_read(void *arg, void *out, size_t len, int *rc)
{
	struct chunks	*c = arg;

	*rc = DB_OK;
	if (out == NULL) {
		c->seq = 0;
		c->len = c->off = 0;
		return 0;
	}
	if (c->off == c->len) {
		*rc = db_one(c->db, PI_CHUNK_GET, DB_ARGS(DB_INT(c->job),
		    DB_INT(c->seq)));
		if (*rc == DB_NONE) {
			*rc = DB_OK;
			return 0;
		}
		if (*rc != DB_OK)
			return -1;
		c->len = db_len(c->db, 0);
		if ((c->buf = realloc(c->buf, c->len + 1)) == NULL)
			abort();
		memcpy(c->buf, db_str(c->db, 0), c->len);
		db_done(c->db);
		c->off = 0;
		c->seq++;
		if (c->len == 0)
			return 0;
	}
	if (len > c->len - c->off)
		len = c->len - c->off;
	memcpy(out, c->buf + c->off, len);
	c->off += len;
	return (long)len;
}

struct progress {
	struct db	*db;
	uint64_t	 job;
	long		 lease;		/* seconds */
};

/* Progress and lease renewal, on the second connection. */
static void
importer_progress(void *arg, uint64_t bytes)
{
	struct progress	*p = arg;

	if (db_exec(p->db, PI_JOB_PROGRESS, DB_ARGS(DB_INT(bytes),
	    DB_INT(p->lease), DB_INT(p->job))) == DB_DOWN)
		log_warn("import %llu: progress not recorded (database down)",
		    (unsigned long long)p->job);
}

static enum csvin_enc
importer_enc(const char *name)
{
	int	 i;

	for (i = 0; i < CSVIN_ENC__MAX && name != NULL; i++)
		if (strcmp(name, csvin_enc_name((enum csvin_enc)i)) == 0)
			return (enum csvin_enc)i;
	return CSVIN_ENC_UTF8;
}

/* Records a failure of the job and drops its file. */
static void
importer_fail(struct db *db, uint64_t id, const char *code, const char *detail,
    const char *result)
{
	if (pimp_job_fail(db, id, code, detail, result) != DB_OK)
		log_warn("import %llu: failure not recorded",
		    (unsigned long long)id);
}

/* Runs one claimed job to its end (or leaves it to its lease). */
static void
importer_run(struct db *db, struct db *pdb, const struct job *j)
{
	/* Read on the second connection, by the import's reader thread. */
	struct chunks		 ch = { pdb, j->id, 0, NULL, 0, 0 };
	struct pimp_source	 src = { importer_read, &ch };
	struct progress		 pg = { pdb, j->id, j->lease };
	struct pimp_opts	 o;
	struct pimp_result	 res;
	json_t			*opts = NULL;
	char			 region[3], *source = NULL, *doc;
	const char		*s;
	int			 rc;

	if (db_user_set(db, j->user_id) != DB_OK ||
	    db_user_set(pdb, j->user_id) != DB_OK)
		goto out;
	if (j->attempts >= IMPORTER_TRIES) {
		log_warn("import %llu: giving up after %lld attempts",
		    (unsigned long long)j->id, j->attempts);
		importer_fail(db, j->id, "attempts", "The import failed "
		    "several times; try again later or with a smaller file.",
		    NULL);
		goto out;
	}
	if ((rc = db_one(db, IW_JOB, DB_ARGS(DB_INT(j->id)))) != DB_OK)
		goto out;
	memset(&o, 0, sizeof(o));
	opts = json_loads(db_str(db, 0), 0, NULL);
	o.enc = importer_enc(db_str(db, 1));
	if (asprintf(&source, "import:%s", db_str(db, 2)) < 0)
		abort();
	db_done(db);
	o.mapping = json_object_get(opts, "mapping");
	if (json_is_null(o.mapping))
		o.mapping = NULL;
	o.dry_run = json_is_true(json_object_get(opts, "dry_run"));
	o.update = (s = json_string_value(json_object_get(opts,
	    "on_duplicate"))) != NULL && strcmp(s, "update") == 0;
	o.source = source;
	o.job_id = j->id;
	o.user_id = j->user_id;
	if (prosp_rec_region(db, region) != DB_OK)
		goto out;
	o.region = region;
	o.progress = importer_progress;
	o.progress_arg = &pg;
	log_info("import %llu: starting", (unsigned long long)j->id);
	if ((rc = pimp_run(db, &o, &src, &res)) != DB_OK) {
		pimp_result_free(&res);
		if (rc == DB_DOWN) {
			log_warn("import %llu: database lost, will retry",
			    (unsigned long long)j->id);
			goto out;
		}
		importer_fail(db, j->id, "internal_error", "The import could "
		    "not be completed.", NULL);
		goto out;
	}
	if (res.error.code != CSVIN_ERR_NONE) {
		doc = pimp_result_text(&res, o.dry_run);
		importer_fail(db, j->id, pimp_error_code(res.error.code),
		    res.error.message, doc);
		free(doc);
		log_info("import %llu: file refused: %s",
		    (unsigned long long)j->id, res.error.message);
	} else if (o.dry_run) {
		/* Counted and rolled back: the result is all that stays. */
		doc = pimp_result_text(&res, 1);
		db_exec(db, PI_JOB_DONE, DB_ARGS(DB_TEXT(doc), DB_INT(j->id)));
		db_exec(db, PI_CHUNKS_DELETE, DB_ARGS(DB_INT(j->id)));
		free(doc);
	}
	log_info("import %llu: %zu rows, %zu created, %zu updated, "
	    "%zu duplicates, %zu suppressed, %zu rejected in %.0f ms "
	    "(duplicate lookups %.0f, merges %.0f, inserts %.0f)",
	    (unsigned long long)j->id, res.rows, res.created, res.updated,
	    res.duplicates, res.suppressed, res.rejected, res.ms_total,
	    res.ms_lookup, res.ms_merge, res.ms_insert);
	pimp_result_free(&res);
out:
	json_decref(opts);
	free(source);
	free(ch.buf);
	db_user_clear(db);
	db_user_clear(pdb);
}

int
main(int argc, char *argv[])
{
	const struct db_table	 tables[] = { prosp_rec_table,
	    prosp_import_table, importer_table, plan_table,
	    plan_usage_table[PLAN_PROSPECTS], analytics_table };
	struct conf		 conf;
	struct db		*db, *pdb;
	struct job		 j;
	time_t			 swept = 0;
	int			 rc, once, down = 0;

	if ((rc = worker_start(argc, argv, "prospea-importer",
	    "prospea_importer", &conf, &once)) != 0)
		return rc;
	if ((db = db_open(&conf, tables, sizeof(tables) / sizeof(tables[0]))) ==
	    NULL || (pdb = db_open(&conf, &prosp_import_table, 1)) == NULL)
		return 1;

	worker_signals();
	log_info("ready");

	j.lease = conf.worker_lease;
	while (!worker_stopping()) {
		if (time(NULL) - swept >= IMPORTER_SWEEP) {
			swept = time(NULL);
			if ((rc = db_exec(db, IW_SWEEP_RECEIVING, DB_NOARGS)) == DB_OK)
				log_info("abandoned uploads removed: %llu",
				    (unsigned long long)db_affected(db));
			if ((rc = db_exec(db, IW_SWEEP_SYNC, DB_NOARGS)) == DB_OK)
				log_info("interrupted imports marked failed: %llu",
				    (unsigned long long)db_affected(db));
		}
		rc = db_tx(db, importer_claim_tx, &j);
		if (rc == DB_NONE) {
			down = 0;
			if (once)
				break;
			worker_sleep(conf.worker_poll_ms);
			continue;
		}
		if (rc != DB_OK) {
			if (!down)
				log_warn("cannot claim imports (database %s)",
				    rc == DB_DOWN ? "unreachable" : "error");
			down = 1;
			worker_sleep(1000);
			continue;
		}
		down = 0;
		importer_run(db, pdb, &j);
	}
	log_info("stopping");
	db_free(pdb);
	db_free(db);
	secret_fini();
	conf_free(&conf);
	return 0;
}
