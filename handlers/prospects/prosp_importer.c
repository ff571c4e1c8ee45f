/*
 * The import of a prospect file (prosp_import.h), shared by the handler
 * (small files, inside the request) and workers/importer.c (big files,
 * from their import_chunk rows). Rows come from the CSV reader (csvin.h),
 * become records by the rules of prosp_rec.h, and reach the database in
 * batches: one lookup per duplicate key kind and one bulk insert (MariaDB
 * array binding) per PIMP_BATCH rows, all inside one transaction.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analytics.h"
#include "log.h"
#include "prospects.h"
#include "supp.h"

#define IN10	"?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
#define IN100	IN10 ", " IN10 ", " IN10 ", " IN10 ", " IN10 ", " \
		IN10 ", " IN10 ", " IN10 ", " IN10 ", " IN10
#define IN500	IN100 ", " IN100 ", " IN100 ", " IN100 ", " IN100

#define JOB_COLS \
	"id, status, filename, options, encoding, bytes, bytes_done, " \
	"result, error_code, error_detail, " \
	"DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ'), " \
	"DATE_FORMAT(started_at, '%Y-%m-%dT%H:%i:%sZ'), " \
	"DATE_FORMAT(finished_at, '%Y-%m-%dT%H:%i:%sZ')"

static const char *const prosp_import_sql[PI__MAX] = {
	[PI_SUPP_ALL] = "SELECT value_hash FROM my_suppression",
	/*
	 * Duplicate keys of a batch, 500 at a time (unused ones NULL). The
	 * user as a constant too: with the view's app_user() alone, MariaDB
	 * cannot seek the (user_id, key) index and each lookup read a third
	 * of a 100 000-prospect tenant's index (64 ms instead of 18).
	 */
	[PI_IN_PLACE] =
	    "SELECT place_id, MIN(id) FROM my_prospect WHERE user_id = ? "
	    "AND place_id IN ("
	    IN500 ") GROUP BY place_id",
	[PI_IN_PHONE] =
	    "SELECT phone_e164, MIN(id) FROM my_prospect WHERE user_id = ? "
	    "AND phone_e164 IN ("
	    IN500 ") GROUP BY phone_e164",
	[PI_IN_EMAIL] =
	    "SELECT email_key, MIN(id) FROM my_prospect WHERE user_id = ? "
	    "AND email_key IN ("
	    IN500 ") GROUP BY email_key",
	[PI_IN_HOST] =
	    "SELECT website_host, MIN(id) FROM my_prospect WHERE user_id = ? "
	    "AND website_host IN ("
	    IN500 ") GROUP BY website_host",
	[PI_IN_NAME] =
	    "SELECT name_key, MIN(id) FROM my_prospect WHERE user_id = ? "
	    "AND name_key IN ("
	    IN500 ") GROUP BY name_key",
	[PI_KEYS_PAGE] =
	    "SELECT id, place_id, phone_e164, email_key, website_host, name_key "
	    "FROM my_prospect WHERE id > ? ORDER BY id LIMIT ?",
	[PI_CHUNK_GET] =
	    "SELECT data FROM my_import_chunk WHERE job_id = ? AND seq = ?",
	[PI_CHUNKS_DELETE] = "DELETE FROM my_import_chunk WHERE job_id = ?",
	[PI_JOB_PROGRESS] =
	    "UPDATE my_import_job SET bytes_done = ?, "
	    "lease_until = NOW(3) + INTERVAL ? SECOND WHERE id = ?",
	[PI_JOB_DONE] =
	    "UPDATE my_import_job SET status = 'done', result = ?, "
	    "bytes_done = bytes, lease_until = NULL, finished_at = NOW(3) "
	    "WHERE id = ?",
	[PI_JOB_FAIL] =
	    "UPDATE my_import_job SET status = 'failed', error_code = ?, "
	    "error_detail = ?, result = ?, lease_until = NULL, "
	    "finished_at = NOW(3) WHERE id = ?",
	[PI_JOB_INSERT] =
	    "INSERT INTO my_import_job (user_id, status, filename, options, "
	    "encoding, bytes, created_at, started_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, NOW(3), NOW(3))",
	[PI_JOB_QUEUE] =
	    "UPDATE my_import_job SET status = 'queued', encoding = ?, "
	    "bytes = ?, started_at = NULL WHERE id = ? AND status = 'receiving'",
	[PI_JOB_DELETE] = "DELETE FROM my_import_job WHERE id = ?",
	[PI_CHUNK_INSERT] =
	    "INSERT INTO my_import_chunk (job_id, seq, user_id, data) "
	    "VALUES (?, ?, ?, ?)",
	[PI_JOB_GET] = "SELECT " JOB_COLS " FROM my_import_job WHERE id = ?",
	[PI_JOB_LIST] =
	    "SELECT " JOB_COLS " FROM my_import_job WHERE id < ? "
	    "ORDER BY id DESC LIMIT ?",
};

const struct db_table prosp_import_table = { prosp_import_sql, PI_SUPP_ALL,
	PI_HANDLER_FIRST };
const struct db_table prosp_import_handler_table = { prosp_import_sql,
	PI_HANDLER_FIRST, PI__MAX };

enum pimp_state {
	PIMP_NEW,		/* to insert */
	PIMP_DUP,		/* an existing prospect: skip or merge */
	PIMP_SKIP,		/* a duplicate of an earlier row of the batch */
	PIMP_OVER,		/* new, but past the plan's limit: rejected */
};

struct pimp_row {
	struct prosp_rec	 rec;
	size_t			 line;
	enum pimp_state		 state;
	uint64_t		 dup_id;
};

/*
 * A batch's keys: (kind, text) -> a value (a prospect id, or a row of the
 * batch), open addressing with linear probing, emptied per batch. Sized
 * for every key of a full batch at under half load.
 */
#define PIMP_MAP	(1 << 16)
struct pimp_map {
	uint64_t	 hash[PIMP_MAP];	/* 0: empty slot */
	uint64_t	 val[PIMP_MAP];
	char		*key[PIMP_MAP];		/* owned text */
	unsigned char	 kind[PIMP_MAP];	/* enum pimp_key */
	size_t		 used[PIMP_MAP];	/* slots to clear */
	size_t		 n;
};

/*
 * An import runs on two threads: the reader (pimp_read: the file,
 * csvin, prosp_rec_build, the suppression list) fills batches that the
 * database side (pimp_tx: duplicates, merges, inserts) writes, so the
 * parsing and normalisation of a batch overlap the writing of the one
 * before. Two buffers go back and forth; full[] says who holds them. The
 * reader owns rows/rejected/suppressed/rejects/bytes of the result, the
 * writer created/updated/duplicates: no field has two writers.
 */
struct pimp {
	struct db		*db;
	const struct pimp_opts	*o;
	struct pimp_source	*src;
	struct pimp_result	*res;
	unsigned char		(*supp)[SUPP_HASH_LEN];	/* sorted */
	size_t			 nsupp;
	struct pimp_row		*rows;		/* the rows being written */
	size_t			 n;
	struct pimp_row		*buf[2];	/* PIMP_BATCH rows each */
	size_t			 nbuf[2];
	int			 full[2];	/* 1 handed over, 2 and the last */
	int			 fill;		/* the reader's buffer */
	int			 stop;		/* the writer failed: stop reading */
	int			 src_rc;	/* the source's failure */
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct pimp_map		*hits;		/* keys found in the database */
	struct pimp_map		*seen;		/* keys of the batch's rows */
	uint64_t		*bloom;		/* PIMP_BLOOM_BITS: keys stored */
	struct csvin		*csv;
	size_t			 skip[PIMP_SKIP_MAX];	/* lines passed over */
	size_t			 nskip;
	int			 checked;	/* the header was checked */
	/*
	 * The plan (plan.h): how many more prospects fit (PLAN_UNLIMITED:
	 * no limit), and the lines of new rows past it, which the writer
	 * collects and which become "plan_limit" rejects once the reader,
	 * owner of the rejects, has finished.
	 */
	long long		 room;
	size_t			*over;
	size_t			 nover, capover;
};

void
pimp_result_free(struct pimp_result *res)
{
	json_decref(res->rejects);
	json_decref(res->suppressed_lines);
	json_decref(res->columns);
	memset(res, 0, sizeof(*res));
}

static void
pimp_reject(struct pimp *p, size_t line, const char *reason,
    const char *message)
{
	p->res->rejected++;
	if (json_array_size(p->res->rejects) < PIMP_REJECTS_MAX)
		json_array_append_new(p->res->rejects, json_pack("{s:I, s:s, s:s}",
		    "line", (json_int_t)line, "reason", reason,
		    "message", message));
}

static int
pimp_hash_cmp(const void *a, const void *b)
{
	return memcmp(a, b, SUPP_HASH_LEN);
}

/* Loads the tenant's suppression hashes, sorted for bsearch. */
static int
pimp_supp_load(struct pimp *p)
{
	size_t	 cap = 0;
	int	 rc;

	p->nsupp = 0;
	if ((rc = db_query(p->db, PI_SUPP_ALL, DB_NOARGS)) != DB_OK)
		return rc;
	while ((rc = db_next(p->db)) == DB_OK) {
		if (db_len(p->db, 0) != SUPP_HASH_LEN)
			continue;
		if (p->nsupp == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			if ((p->supp = reallocarray(p->supp, cap,
			    sizeof(*p->supp))) == NULL)
				abort();
		}
		memcpy(p->supp[p->nsupp++], db_str(p->db, 0), SUPP_HASH_LEN);
	}
	if (rc != DB_NONE)
		return rc;
	if (p->nsupp > 0)
		qsort(p->supp, p->nsupp, sizeof(*p->supp), pimp_hash_cmp);
	return DB_OK;
}

static int
pimp_suppressed(const struct pimp *p, const struct prosp_rec *rec)
{
	unsigned char	 h[PROSP_SUPP_KEYS][32];
	size_t		 i, n;

	if (p->nsupp == 0)
		return 0;
	n = prosp_rec_supp_hashes(rec, h);
	for (i = 0; i < n; i++)
		if (bsearch(h[i], p->supp, p->nsupp, sizeof(*p->supp),
		    pimp_hash_cmp) != NULL)
			return 1;
	return 0;
}

/* Key kinds, in the order duplicates are decided (prosp_rec.h). */
enum pimp_key { PK_PLACE, PK_PHONE, PK_EMAIL, PK_HOST, PK_NAME, PK__MAX };

static const size_t pimp_key_stmt[PK__MAX] = {
	[PK_PLACE] = PI_IN_PLACE, [PK_PHONE] = PI_IN_PHONE,
	[PK_EMAIL] = PI_IN_EMAIL, [PK_HOST] = PI_IN_HOST, [PK_NAME] = PI_IN_NAME,
};

/*
 * The keys of kind k of rec into keys[] (borrowed from rec); returns the
 * count (several only for e-mails).
 */
static size_t
pimp_keys(const struct prosp_rec *rec, enum pimp_key k, const char **keys)
{
	size_t	 i;

	switch (k) {
	case PK_PLACE:
		keys[0] = rec->f[PF_PLACE_ID];
		return keys[0] != NULL;
	case PK_PHONE:
		keys[0] = rec->phone_e164;
		return rec->phone_e164[0] != '\0';
	case PK_EMAIL:
		for (i = 0; i < rec->nemails; i++)
			keys[i] = rec->emails[i].key;
		return rec->nemails;
	case PK_HOST:
		keys[0] = rec->host;
		return rec->host[0] != '\0' && !rec->host_shared;
	case PK_NAME:
		keys[0] = rec->name_key;
		return rec->name_key[0] != '\0';
	default:
		return 0;
	}
}

/* FNV-1a of the kind and the text: never 0 (0 marks an empty slot). */
static uint64_t
pimp_map_hash(size_t kind, const char *key)
{
	uint64_t	 h = 1469598103934665603ULL ^ kind;

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211ULL;
	return h == 0 ? 1 : h;
}

/* The slot of (kind, key): where it is, or the empty slot it would take. */
static size_t
pimp_map_slot(const struct pimp_map *m, size_t kind, const char *key,
    uint64_t h)
{
	size_t	 i = (size_t)h & (PIMP_MAP - 1);

	while (m->hash[i] != 0 && (m->hash[i] != h || m->kind[i] != kind ||
	    strcmp(m->key[i], key) != 0))
		i = (i + 1) & (PIMP_MAP - 1);
	return i;
}

/* Records (kind, key) -> val unless the key is already there. */
static void
pimp_map_put(struct pimp_map *m, size_t kind, const char *key, uint64_t val)
{
	uint64_t	 h = pimp_map_hash(kind, key);
	size_t		 i = pimp_map_slot(m, kind, key, h);

	if (m->hash[i] != 0 || m->n >= PIMP_MAP / 2)
		return;
	if ((m->key[i] = strdup(key)) == NULL)
		abort();
	m->kind[i] = (unsigned char)kind;
	m->hash[i] = h;
	m->val[i] = val;
	m->used[m->n++] = i;
}

/* The value of (kind, key), or 0. */
static uint64_t
pimp_map_get(const struct pimp_map *m, size_t kind, const char *key)
{
	uint64_t	 h = pimp_map_hash(kind, key);
	size_t		 i = pimp_map_slot(m, kind, key, h);

	return m->hash[i] != 0 ? m->val[i] : 0;
}

static void
pimp_map_clear(struct pimp_map *m)
{
	size_t	 i;

	for (i = 0; i < m->n; i++) {
		free(m->key[m->used[i]]);
		m->key[m->used[i]] = NULL;
		m->hash[m->used[i]] = 0;
	}
	m->n = 0;
}

/* A second, independent hash for the Bloom filter (splitmix64's mix). */
static uint64_t
pimp_mix(uint64_t h)
{
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
	return (h ^ (h >> 31)) | 1;
}

static void
pimp_bloom_add(struct pimp *p, size_t kind, const char *key)
{
	uint64_t	 h = pimp_map_hash(kind, key), h2 = pimp_mix(h);
	int		 i;

	for (i = 0; i < 4; i++, h += h2)
		p->bloom[(h % PIMP_BLOOM_BITS) / 64] |= 1ULL << (h % 64);
}

/* 0 if (kind, key) was never added; 1 if it may have been. */
static int
pimp_bloom_maybe(const struct pimp *p, size_t kind, const char *key)
{
	uint64_t	 h = pimp_map_hash(kind, key), h2 = pimp_mix(h);
	int		 i;

	for (i = 0; i < 4; i++, h += h2)
		if (!(p->bloom[(h % PIMP_BLOOM_BITS) / 64] & (1ULL << (h % 64))))
			return 0;
	return 1;
}

/*
 * Fills the Bloom filter with the keys of the tenant's prospects, a page
 * at a time (memory stays bounded whatever their number).
 */
static int
pimp_bloom_load(struct pimp *p)
{
	static const int	 kinds[] = { PK_PLACE, PK_PHONE, PK_EMAIL,
	    PK_HOST, PK_NAME };
	uint64_t		 last = 0;
	size_t			 n, i;
	int			 rc;

	memset(p->bloom, 0, PIMP_BLOOM_BITS / 8);
	do {
		if ((rc = db_query(p->db, PI_KEYS_PAGE, DB_ARGS(DB_INT(last),
		    DB_INT(PIMP_KEYS_PAGE)))) != DB_OK)
			return rc;
		for (n = 0; (rc = db_next(p->db)) == DB_OK; n++) {
			last = (uint64_t)db_int(p->db, 0);
			for (i = 0; i < 5; i++)
				if (!db_null(p->db, i + 1))
					pimp_bloom_add(p, (size_t)kinds[i],
					    db_str(p->db, i + 1));
		}
		if (rc != DB_NONE)
			return rc;
	} while (n == PIMP_KEYS_PAGE);
	return DB_OK;
}

/*
 * Calls fn(p, kind, key, arg) for each duplicate key of rec, until one
 * returns nonzero; returns that value, or 0.
 */
static int
pimp_each_key(struct pimp *p, const struct prosp_rec *rec,
    int (*fn)(struct pimp *, size_t, const char *, uint64_t), uint64_t arg)
{
	const char	*keys[PROSP_EMAILS_MAX];
	size_t		 j, nk;
	int		 k, rc;

	for (k = 0; k < PK__MAX; k++) {
		nk = pimp_keys(rec, (enum pimp_key)k, keys);
		for (j = 0; j < nk; j++)
			if ((rc = fn(p, (size_t)k, keys[j], arg)) != 0)
				return rc;
	}
	return 0;
}

static int
pimp_bloom_key(struct pimp *p, size_t kind, const char *key, uint64_t unused)
{
	pimp_bloom_add(p, kind, key);
	return 0;
}

static int
pimp_seen_key(struct pimp *p, size_t kind, const char *key, uint64_t unused)
{
	return pimp_map_get(p->seen, kind, key) != 0;
}

static int
pimp_seen_put(struct pimp *p, size_t kind, const char *key, uint64_t row)
{
	pimp_map_put(p->seen, kind, key, row);
	return 0;
}

/*
 * Runs one IN lookup of kind k over the keys args[1..n] (args[0] is the
 * user), recording the hits.
 */
static int
pimp_lookup(struct pimp *p, enum pimp_key k, struct db_arg *args, size_t n)
{
	int	 rc;

	args[0] = DB_INT(p->o->user_id);
	for (n++; n <= PIMP_IN; n++)
		args[n] = DB_NULL;
	if ((rc = db_query(p->db, pimp_key_stmt[k], args, PIMP_IN + 1)) != DB_OK)
		return rc;
	while ((rc = db_next(p->db)) == DB_OK)
		pimp_map_put(p->hits, (size_t)k, db_str(p->db, 0),
		    (uint64_t)db_int(p->db, 1));
	return rc == DB_NONE ? DB_OK : rc;
}

/* Milliseconds on the monotonic clock. */
static double
pimp_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Finds the batch's rows that duplicate prospects already stored. */
static int
pimp_find_dups(struct pimp *p)
{
	struct db_arg	 args[PIMP_IN + 1];
	const char	*keys[PROSP_EMAILS_MAX];
	size_t		 i, j, nk, n;
	uint64_t	 id;
	int		 k, rc;

	pimp_map_clear(p->hits);
	for (k = 0; k < PK__MAX; k++) {
		n = 0;
		for (i = 0; i < p->n; i++) {
			if (p->rows[i].state != PIMP_NEW)
				continue;
			nk = pimp_keys(&p->rows[i].rec, (enum pimp_key)k, keys);
			for (j = 0; j < nk; j++) {
				if (!pimp_bloom_maybe(p, (size_t)k, keys[j]))
					continue;
				args[++n] = DB_TEXT(keys[j]);
				if (n == PIMP_IN) {
					if ((rc = pimp_lookup(p, (enum pimp_key)k,
					    args, n)) != DB_OK)
						return rc;
					n = 0;
				}
			}
		}
		if (n > 0 && (rc = pimp_lookup(p, (enum pimp_key)k, args, n)) != DB_OK)
			return rc;
	}
	for (i = 0; i < p->n; i++)
		for (k = 0; k < PK__MAX && p->rows[i].state == PIMP_NEW; k++) {
			nk = pimp_keys(&p->rows[i].rec, (enum pimp_key)k, keys);
			for (j = 0; j < nk; j++)
				if ((id = pimp_map_get(p->hits, (size_t)k,
				    keys[j])) != 0) {
					p->rows[i].state = PIMP_DUP;
					p->rows[i].dup_id = id;
					break;
				}
		}
	return DB_OK;
}

/* Inserts the batch's new rows: one array-bound statement for most. */
static int
pimp_insert(struct pimp *p)
{
	struct db_arg		*args;
	struct prosp_argbuf	*bufs;
	size_t			 i, n = 0;
	uint64_t		 id;
	int			 rc = DB_OK;

	if ((args = calloc(p->n * PROSP_INSERT_NARGS, sizeof(*args))) == NULL ||
	    (bufs = calloc(p->n, sizeof(*bufs))) == NULL)
		abort();
	for (i = 0; i < p->n && rc == DB_OK; i++) {
		const struct prosp_rec *rec = &p->rows[i].rec;

		if (p->rows[i].state != PIMP_NEW)
			continue;
		if (p->room == 0) {
			p->rows[i].state = PIMP_OVER;
			if (p->nover == p->capover) {
				p->capover = p->capover == 0 ? 64 : p->capover * 2;
				if ((p->over = reallocarray(p->over, p->capover,
				    sizeof(*p->over))) == NULL)
					abort();
			}
			p->over[p->nover++] = p->rows[i].line;
			continue;
		}
		if (p->room > 0)
			p->room--;
		p->res->created++;
		/* Tags and notes need the new id: those rows go one by one. */
		if (rec->tags != NULL || rec->f[PF_NOTE] != NULL) {
			rc = prosp_rec_insert(p->db, rec, p->o->user_id,
			    p->o->source, p->o->job_id, &id);
			continue;
		}
		prosp_rec_insert_args(&args[n * PROSP_INSERT_NARGS], &bufs[n],
		    rec, p->o->user_id, p->o->source, p->o->job_id);
		n++;
	}
	if (rc == DB_OK && n > 0) {
		rc = db_exec_bulk(p->db, PR_INSERT, args, n);
		if (rc == DB_NONE)
			rc = DB_ERR;
	}
	for (i = 0; i < n; i++)
		prosp_argbuf_free(&bufs[i]);
	free(bufs);
	free(args);
	return rc;
}

/* Writes rows[0..n): duplicates, merges, inserts. */
static int
pimp_flush(struct pimp *p)
{
	size_t	 i;
	int	 rc;
	double	 t0 = pimp_ms(), t1;

	if (p->n == 0)
		return DB_OK;
	rc = pimp_find_dups(p);
	t1 = pimp_ms();
	p->res->ms_lookup += t1 - t0;
	if (rc != DB_OK)
		goto out;
	for (i = 0; i < p->n; i++) {
		if (p->rows[i].state != PIMP_DUP)
			continue;
		p->res->duplicates++;
		if (!p->o->update)
			continue;
		if ((rc = prosp_rec_merge(p->db, p->rows[i].dup_id,
		    &p->rows[i].rec, p->o->source)) != DB_OK)
			goto out;
		p->res->updated++;
	}
	t0 = pimp_ms();
	p->res->ms_merge += t0 - t1;
	rc = pimp_insert(p);
	p->res->ms_insert += pimp_ms() - t0;
	/* Stored now (new, or merged with maybe new keys): later batches ask. */
	for (i = 0; i < p->n; i++)
		if (p->rows[i].state == PIMP_NEW ||
		    (p->rows[i].state == PIMP_DUP && p->o->update))
			pimp_each_key(p, &p->rows[i].rec, pimp_bloom_key, 0);
out:
	return rc;
}

/*
 * Writes a batch handed over by the reader (rows[0..n)), then frees it.
 * A row that repeats an earlier one of the batch is counted as a
 * duplicate, or, to be merged, waits until what comes before it is
 * stored (so the lookup finds it).
 */
static int
pimp_write(struct pimp *p)
{
	struct pimp_row	*all = p->rows;
	size_t		 n = p->n, start = 0, i;
	int		 rc = DB_OK;

	pimp_map_clear(p->seen);
	for (i = 0; i < n && rc == DB_OK; i++) {
		if (!pimp_each_key(p, &all[i].rec, pimp_seen_key, 0)) {
			pimp_each_key(p, &all[i].rec, pimp_seen_put, i + 1);
			continue;
		}
		if (!p->o->update) {
			all[i].state = PIMP_SKIP;
			p->res->duplicates++;
			continue;
		}
		p->rows = all + start;
		p->n = i - start;
		rc = pimp_flush(p);
		start = i;
		pimp_map_clear(p->seen);
		pimp_each_key(p, &all[i].rec, pimp_seen_put, 1);
	}
	if (rc == DB_OK) {
		p->rows = all + start;
		p->n = n - start;
		rc = pimp_flush(p);
	}
	p->rows = all;
	p->n = 0;
	return rc;
}

static void
pimp_batch_free(struct pimp_row *rows, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		prosp_rec_free(&rows[i].rec);
}

/*
 * The reader hands its buffer over (last: the file is done) and, unless
 * it was the last, waits for the other one. -1 when the writer stopped.
 */
static int
pimp_hand(struct pimp *p, int last)
{
	int	 stop;

	pthread_mutex_lock(&p->mu);
	p->full[p->fill] = last ? 2 : 1;
	pthread_cond_broadcast(&p->cv);
	if (!last) {
		p->fill ^= 1;
		while (p->full[p->fill] != 0)
			pthread_cond_wait(&p->cv, &p->mu);
		p->nbuf[p->fill] = 0;
	}
	stop = p->stop;
	pthread_mutex_unlock(&p->mu);
	if (p->o->progress != NULL && !stop)
		p->o->progress(p->o->progress_arg, p->res->bytes);
	return stop ? -1 : 0;
}

/* Bytes of the first code points of s that fit in 200 bytes. */
static size_t
pimp_cut200(const char *s)
{
	size_t	 n = 200;

	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* The detection results and column use, once the header is known. */
static int
pimp_header(struct pimp *p)
{
	struct pimp_result	*res = p->res;
	size_t			 i;
	int			 f, named = 0;

	res->delimiter = csvin_delimiter(p->csv);
	res->layout = csvin_layout(p->csv);
	json_decref(res->columns);
	if ((res->columns = json_array()) == NULL)
		abort();
	for (i = 0; i < csvin_columns(p->csv); i++) {
		f = csvin_column_field(p->csv, i);
		named |= f == PF_NAME;
		/* A header cell may be 64 KiB: the result shows 200 bytes. */
		json_array_append_new(res->columns, json_pack("{s:s%, s:s}",
		    "header", csvin_header(p->csv, i),
		    strlen(csvin_header(p->csv, i)) > 200 ? (size_t)pimp_cut200(
		    csvin_header(p->csv, i)) : strlen(csvin_header(p->csv, i)),
		    "field", f >= 0 ? prospect_field_names[f] :
		    f == -1 ? "custom" : "ignored"));
	}
	p->checked = 1;
	if (!named) {
		res->error.code = CSVIN_ERR_MAPPING;
		res->error.line = 1;
		snprintf(res->error.message, sizeof(res->error.message),
		    "No column holds the business name: map one to \"name\".");
		return -1;
	}
	return 0;
}

/* The reader's row callback: one record into the batch. */
static int
pimp_row(void *arg, const struct csvin_row *row)
{
	struct pimp		*p = arg;
	struct pimp_row		*r;
	json_t			*custom = NULL;
	const char		*reject = NULL;
	size_t			 i;

	if (!p->checked && pimp_header(p) != 0)
		return -1;
	p->res->rows++;
	if (row->flags & CSVIN_ROW_EXTRA_CELLS) {
		pimp_reject(p, row->line, "extra_cells", "The line has more "
		    "cells than the header: a delimiter or quote is probably "
		    "misplaced.");
		return 0;
	}
	if (row->flags & CSVIN_ROW_CELL_CUT) {
		pimp_reject(p, row->line, "cell_too_large", "A cell is larger "
		    "than 64 KiB: a quote is probably not closed.");
		return 0;
	}
	if (row->ncustom > 0) {
		if ((custom = json_object()) == NULL)
			abort();
		for (i = 0; i < row->ncustom; i++)
			json_object_set_new(custom, row->custom_keys[i],
			    json_string(row->custom_vals[i]));
	}
	r = &p->buf[p->fill][p->nbuf[p->fill]];
	memset(r, 0, sizeof(*r));
	if (prosp_rec_build(&r->rec, row->f, custom, p->o->region,
	    &reject) != 0) {
		json_decref(custom);
		prosp_rec_free(&r->rec);
		pimp_reject(p, row->line, reject,
		    "The line has no business name.");
		return 0;
	}
	json_decref(custom);
	r->line = row->line;
	if (pimp_suppressed(p, &r->rec)) {
		p->res->suppressed++;
		/* Which rows, so the user sees what was left out and why. */
		if (json_array_size(p->res->suppressed_lines) < PIMP_REJECTS_MAX)
			json_array_append_new(p->res->suppressed_lines,
			    json_integer((json_int_t)row->line));
		prosp_rec_free(&r->rec);
		return 0;
	}
	if (++p->nbuf[p->fill] == PIMP_BATCH)
		return pimp_hand(p, 0);
	return 0;
}

/* The reader thread: the whole file into batches, then the last one. */
static void *
pimp_read(void *arg)
{
	struct pimp		*p = arg;
	struct pimp_result	*res = p->res;
	struct csvin_opts	 co;
	char			 buf[64 * 1024];
	long			 n;
	int			 ok = 1, rc = DB_OK;

	memset(&co, 0, sizeof(co));
	co.enc = p->o->enc;
	co.mapping = p->o->mapping;
	co.skip_lines = p->skip;
	co.nskip = p->nskip;
	p->csv = csvin_new(&co, pimp_row, p);
	while ((n = p->src->read(p->src->arg, buf, sizeof(buf), &rc)) > 0) {
		res->bytes += (uint64_t)n;
		if (csvin_feed(p->csv, buf, (size_t)n) != 0) {
			ok = 0;
			break;
		}
	}
	if (n < 0) {
		p->src_rc = rc != DB_OK ? rc : DB_ERR;
		ok = 0;
	}
	if (ok)
		ok = csvin_finish(p->csv) == 0;
	if (ok && !p->checked && csvin_columns(p->csv) > 0 && pimp_header(p) != 0)
		ok = 0;
	if (ok) {
		res->delimiter = csvin_delimiter(p->csv);
		res->layout = csvin_layout(p->csv);
	} else if (p->src_rc == DB_OK && res->error.code == CSVIN_ERR_NONE &&
	    csvin_error(p->csv)->code != CSVIN_ERR_ABORTED)
		res->error = *csvin_error(p->csv);
	csvin_free(p->csv);
	p->csv = NULL;
	pimp_hand(p, 1);
	return NULL;
}

/*
 * How many new prospects the plan lets this import add, counted after
 * the tenant's lock so that imports and creates cannot both take the last
 * places. An account not in good standing gets none: the handler refused
 * it already, unless it lapsed while a big import waited for a worker.
 */
static int
pimp_plan_room(struct pimp *p)
{
	struct plan_verdict	 v;
	int			 rc;

	p->nover = 0;
	if ((rc = plan_check(p->db, PLAN_PROSPECTS, 0, &v)) != DB_OK)
		return rc;
	p->room = plan_room(&v);
	return DB_OK;
}

/* One attempt at the whole file, inside db_tx() (it may run again). */
static int
pimp_tx(struct db *db, void *arg)
{
	struct pimp		*p = arg;
	struct pimp_result	*res = p->res;
	pthread_t		 reader;
	int			 rc = DB_OK, take = 0, last, failed = 0;
	double			 started = res->ms_total;
	char			*doc;

	pimp_result_free(res);
	res->ms_total = started;
	if ((res->rejects = json_array()) == NULL ||
	    (res->suppressed_lines = json_array()) == NULL)
		abort();
	res->enc = p->o->enc;
	p->checked = 0;
	p->stop = 0;
	p->src_rc = DB_OK;
	p->fill = 0;
	p->full[0] = p->full[1] = 0;
	p->nbuf[0] = p->nbuf[1] = 0;
	if (p->src->read(p->src->arg, NULL, 0, &rc) < 0)	/* rewind */
		return rc;
	if ((rc = prosp_rec_lock(db)) != DB_OK ||
	    (rc = pimp_plan_room(p)) != DB_OK ||
	    (rc = pimp_supp_load(p)) != DB_OK ||
	    (rc = pimp_bloom_load(p)) != DB_OK)
		return rc;
	for (size_t i = 0; i < p->nskip; i++) {
		res->rows++;
		pimp_reject(p, p->skip[i], "unterminated_quote", "A quote opens "
		    "on this line and never closes: the line was passed over.");
	}
	if (pthread_create(&reader, NULL, pimp_read, p) != 0)
		abort();
	do {
		pthread_mutex_lock(&p->mu);
		while (p->full[take] == 0)
			pthread_cond_wait(&p->cv, &p->mu);
		last = p->full[take] == 2;
		pthread_mutex_unlock(&p->mu);
		p->rows = p->buf[take];
		p->n = p->nbuf[take];
		if (!failed && (rc = pimp_write(p)) != DB_OK)
			failed = 1;
		pimp_batch_free(p->buf[take], p->nbuf[take]);
		pthread_mutex_lock(&p->mu);
		p->stop |= failed;
		p->full[take] = 0;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		take ^= 1;
	} while (!last);
	pthread_join(reader, NULL);
	for (size_t i = 0; i < p->nover; i++)
		pimp_reject(p, p->over[i], "plan_limit", "Your plan's limit on "
		    "prospects is reached: this line was not imported.");
	if (failed)
		return rc;
	if (p->src_rc != DB_OK)
		return p->src_rc;
	if (res->error.code != CSVIN_ERR_NONE)
		return DB_NONE;	/* the file as a whole is refused: keep nothing */
	if (p->o->dry_run)
		return DB_NONE;		/* counted; rolled back */
	analytics_emit(db, db_user(db), AN_IMPORT_COMPLETED);
	if (p->o->job_id != 0) {
		doc = pimp_result_text(res, 0);
		rc = db_exec(db, PI_JOB_DONE, DB_ARGS(DB_TEXT(doc),
		    DB_INT(p->o->job_id)));
		free(doc);
		if (rc != DB_OK)
			return rc == DB_NONE ? DB_ERR : rc;
		if ((rc = db_exec(db, PI_CHUNKS_DELETE,
		    DB_ARGS(DB_INT(p->o->job_id)))) == DB_NONE)
			rc = DB_OK;
	}
	return rc;
}

static int
pimp_reject_cmp(const void *a, const void *b)
{
	json_int_t	 la = json_integer_value(json_object_get(*(json_t *const *)a, "line"));
	json_int_t	 lb = json_integer_value(json_object_get(*(json_t *const *)b, "line"));

	return la < lb ? -1 : la > lb;
}

/* The rejected lines in file order (passed-over lines come first). */
static void
pimp_rejects_sort(struct pimp_result *res)
{
	size_t	 n = json_array_size(res->rejects), i;
	json_t	**v;

	if (n < 2)
		return;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		abort();
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(res->rejects, i));
	qsort(v, n, sizeof(*v), pimp_reject_cmp);
	json_array_clear(res->rejects);
	for (i = 0; i < n; i++)
		json_array_append_new(res->rejects, v[i]);
	free(v);
}

int
pimp_run(struct db *db, const struct pimp_opts *o, struct pimp_source *src,
    struct pimp_result *res)
{
	struct pimp	 p;
	int		 rc;

	memset(&p, 0, sizeof(p));
	memset(res, 0, sizeof(*res));
	p.db = db;
	p.o = o;
	p.src = src;
	p.res = res;
	res->ms_total = pimp_ms();
	if ((p.buf[0] = calloc(PIMP_BATCH, sizeof(*p.buf[0]))) == NULL ||
	    (p.buf[1] = calloc(PIMP_BATCH, sizeof(*p.buf[1]))) == NULL ||
	    (p.hits = calloc(1, sizeof(*p.hits))) == NULL ||
	    (p.seen = calloc(1, sizeof(*p.seen))) == NULL ||
	    (p.bloom = malloc(PIMP_BLOOM_BITS / 8)) == NULL)
		abort();
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	/*
	 * A quote that never closes swallows the rest of the file: read it
	 * again without that line, so one bad line costs only itself.
	 */
	while ((rc = db_tx(db, pimp_tx, &p)) == DB_NONE &&
	    res->error.code == CSVIN_ERR_UNTERMINATED &&
	    p.nskip < PIMP_SKIP_MAX && res->error.line > 1)
		p.skip[p.nskip++] = res->error.line;
	pimp_rejects_sort(res);
	res->ms_total = pimp_ms() - res->ms_total;
	/* A dry run or a file-level problem rolls back on purpose. */
	if (rc == DB_NONE)
		rc = DB_OK;
	pthread_cond_destroy(&p.cv);
	pthread_mutex_destroy(&p.mu);
	pimp_map_clear(p.hits);
	pimp_map_clear(p.seen);
	free(p.hits);
	free(p.seen);
	free(p.bloom);
	free(p.buf[0]);
	free(p.buf[1]);
	free(p.supp);
	free(p.over);
	return rc;
}

/* A file-level problem of the reader as the API names it. */
static const char *const pimp_error_codes[CSVIN_ERR__MAX] = {
	[CSVIN_ERR_NONE] = "none",
	[CSVIN_ERR_UNTERMINATED] = "unterminated_quote",
	[CSVIN_ERR_NO_HEADER] = "no_header",
	[CSVIN_ERR_MAPPING] = "mapping",
	[CSVIN_ERR_COLUMNS] = "too_many_columns",
	[CSVIN_ERR_ENCODING] = "encoding",
	[CSVIN_ERR_ABORTED] = "aborted",
};

const char *
pimp_error_code(enum csvin_err e)
{
	return (unsigned)e < CSVIN_ERR__MAX ? pimp_error_codes[e] : "file";
}

char *
pimp_result_text(const struct pimp_result *res, int dry_run)
{
	json_t	*j = pimp_result_json(res, dry_run);
	char	*s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	if (s == NULL)
		abort();
	return s;
}

int
pimp_job_fail(struct db *db, uint64_t job, const char *code,
    const char *detail, const char *result)
{
	int	 rc;

	rc = db_exec(db, PI_JOB_FAIL, DB_ARGS(DB_TEXT(code), DB_TEXT(detail),
	    DB_TEXT(result), DB_INT(job)));
	if (rc == DB_OK && (rc = db_exec(db, PI_CHUNKS_DELETE,
	    DB_ARGS(DB_INT(job)))) == DB_NONE)
		rc = DB_OK;
	return rc;
}

json_t *
pimp_result_json(const struct pimp_result *res, int dry_run)
{
	char	 delim[2] = { res->delimiter, '\0' };
	json_t	*j;

	j = json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:O, s:b, s:s, s:I}",
	    "dry_run", dry_run,
	    "rows", (json_int_t)res->rows,
	    "created", (json_int_t)res->created,
	    "updated", (json_int_t)res->updated,
	    "duplicates", (json_int_t)res->duplicates,
	    "suppressed", (json_int_t)res->suppressed,
	    "rejected", (json_int_t)res->rejected,
	    "rejects", res->rejects != NULL ? res->rejects : json_array(),
	    "rejects_truncated", res->rejected > json_array_size(res->rejects),
	    "encoding", csvin_enc_name(res->enc),
	    "bytes", (json_int_t)res->bytes);
	if (j == NULL)
		abort();
	if (res->delimiter != '\0') {
		json_object_set_new(j, "delimiter", json_string(delim));
		json_object_set_new(j, "layout",
		    json_string(csvin_layout_name(res->layout)));
	}
	if (res->columns != NULL)
		json_object_set(j, "columns", res->columns);
	json_object_set_new(j, "suppressed_lines", res->suppressed_lines != NULL ?
	    json_incref(res->suppressed_lines) : json_array());
	return j;
}

int
pimp_mapping_ok(json_t *mapping, const char **msg)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	if (mapping == NULL || json_is_null(mapping))
		return 0;
	if (!json_is_object(mapping) || json_object_size(mapping) > CSVIN_COLS_MAX) {
		*msg = "The mapping must be an object of at most 512 columns.";
		return -1;
	}
	json_object_foreach(mapping, k, v) {
		const char *s = json_string_value(v);

		if (*k == '\0' || field_utf8_len(k) > 255) {
			*msg = "A mapped column name is empty or too long.";
			return -1;
		}
		if (json_is_null(v))
			continue;
		if (s == NULL) {
			*msg = "Map each column to a field name, "
			    "\"custom:<key>\" or null.";
			return -1;
		}
		if (strncmp(s, "custom:", 7) == 0 && s[7] != '\0' &&
		    field_utf8_len(s + 7) <= PROSP_CUSTOM_KEY_MAX)
			continue;
		for (i = 0; i < PF__MAX; i++)
			if (strcmp(s, prospect_field_names[i]) == 0)
				break;
		if (i == PF__MAX) {
			*msg = "The mapping names an unknown field: map to name, "
			    "category, address, postal_code, city, country, phone, "
			    "emails, website, rating, review_count, place_id, "
			    "google_cid, latitude, longitude, status, tags, note, "
			    "custom:<key> or null.";
			return -1;
		}
	}
	return 0;
}
