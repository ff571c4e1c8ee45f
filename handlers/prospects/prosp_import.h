/*
 * Imports of prospect files (POST /imports, GET /imports[/{id}]): the
 * handler side in prosp_import.c (small files inside the request, big
 * ones received into import_chunk rows as a job for workers/importer.c),
 * the import itself in prosp_importer.c, shared by both.
 */
#ifndef PROSPEA_PROSP_IMPORT_H
#define PROSPEA_PROSP_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "csvin.h"
#include "field.h"
#include "prosp_crud.h"

/*
 * Statement ids. The import itself (prosp_import_table) comes first: the
 * importer worker prepares those; the handler's own (job creation,
 * upload, listing: prosp_import_handler_table) follow.
 */
enum prosp_import_stmt {
	PI_SUPP_ALL = PS__MAX,
	PI_IN_PLACE,
	PI_IN_PHONE,
	PI_IN_EMAIL,
	PI_IN_HOST,
	PI_IN_NAME,
	PI_KEYS_PAGE,
	PI_CHUNK_GET,
	PI_CHUNKS_DELETE,
	PI_JOB_PROGRESS,
	PI_JOB_DONE,
	PI_JOB_FAIL,
	PI_HANDLER_FIRST,
	PI_JOB_INSERT = PI_HANDLER_FIRST,
	PI_JOB_QUEUE,
	PI_JOB_DELETE,
	PI_CHUNK_INSERT,
	PI_JOB_GET,
	PI_JOB_LIST,
	PI__MAX
};

extern const struct db_table prosp_import_table;
extern const struct db_table prosp_import_handler_table;

/* POST /imports with a JSON body; a text/csv body takes them from the query. */
enum { IM_CSV, IM_FILENAME, IM_MAPPING, IM_DRY_RUN, IM_ON_DUPLICATE, IM__MAX };
extern const struct field prosp_import_fields[IM__MAX];

/* Rows per batch: one bulk insert and a few key lookups each. */
#define PIMP_BATCH		1000
/* Keys per lookup statement (fixed IN lists: prepared once). */
#define PIMP_IN			500
/* Prospects' keys read per statement when an import starts. */
#define PIMP_KEYS_PAGE		5000
/*
 * Bits of the Bloom filter of every duplicate key the tenant holds (4
 * MiB): a key it has never seen skips the database lookup. Under 1 %
 * false positives up to about 3 million keys with 4 hashes; more keys
 * only mean more lookups, never a missed duplicate.
 */
#define PIMP_BLOOM_BITS		(1u << 25)
/* Rejected lines listed in a result; the count is always exact. */
#define PIMP_REJECTS_MAX	1000
/*
 * Lines with a quote that never closes that an import passes over before
 * it gives up on the file. Each one reads the file again from the start,
 * so the number stays small: a file built of such lines must not cost
 * the importer (and other users) many times its size.
 */
#define PIMP_SKIP_MAX		3
/* Bytes of an uploaded file per import_chunk row. */
#define PIMP_CHUNK		(1024 * 1024)

/* Where the bytes of a file come from, in order. */
struct pimp_source {
	/* Next bytes into buf: count, 0 at the end, -1 on error (db.h code in *rc). */
	long	(*read)(void *arg, void *buf, size_t len, int *rc);
	void	*arg;
};

struct pimp_opts {
	enum csvin_enc	 enc;		/* csvin_detect() of the file */
	json_t		*mapping;	/* borrowed, or NULL */
	int		 dry_run;	/* count everything, keep nothing */
	int		 update;	/* on_duplicate=update (else skip) */
	const char	*source;	/* "import:<file name>" */
	uint64_t	 job_id;	/* import_job row, 0 for none */
	uint64_t	 user_id;	/* the tenant (db_user()) */
	const char	*region;	/* default phone region */
	/* Called about every PIMP_BATCH rows with the bytes read so far. */
	void		(*progress)(void *arg, uint64_t bytes);
	void		*progress_arg;
};

struct pimp_result {
	size_t		 rows, created, updated, duplicates, suppressed, rejected;
	uint64_t	 bytes;
	json_t		*rejects;	/* owned [{line, reason, message}] */
	json_t		*suppressed_lines; /* owned [line, …], PIMP_REJECTS_MAX */
	struct csvin_error error;	/* a file-level problem (CSVIN_ERR_*) */
	enum csvin_enc	 enc;
	char		 delimiter;
	enum csvin_layout layout;
	json_t		*columns;	/* owned [{header, field}] */
	/* Where the time went, milliseconds (for logs and benchmarks). */
	double		 ms_total, ms_lookup, ms_merge, ms_insert;
};

/*
 * Imports a whole file for the connection's tenant inside one
 * transaction (db_tx: all rows or none), in batches of PIMP_BATCH rows:
 * suppressed rows are skipped, duplicates (within the file and against
 * the tenant's prospects, prosp_rec.h's keys) skipped or merged, new ones
 * inserted with MariaDB array binding. A dry run rolls everything back
 * and reports the same counts. Memory stays bounded by a batch, the
 * suppression list and PIMP_REJECTS_MAX, whatever the file's size.
 * DB_OK with res filled (a file-level problem such as an unterminated
 * quote gives DB_OK, nothing imported and res->error set), or a db.h
 * failure code. Release res with pimp_result_free().
 */
int	pimp_run(struct db *db, const struct pimp_opts *opts,
	    struct pimp_source *src, struct pimp_result *res);
void	pimp_result_free(struct pimp_result *res);

/* The result as the API shows it (owned): counts, rejects, detection. */
json_t	*pimp_result_json(const struct pimp_result *res, int dry_run);
/* The same as compact JSON text, for the job's result column (owned). */
char	*pimp_result_text(const struct pimp_result *res, int dry_run);

/* The API's code of a file-level problem ("unterminated_quote"…). Static. */
const char *pimp_error_code(enum csvin_err);

/*
 * Marks import job failed with code and detail (result: the JSON text of
 * what was counted, or NULL) and deletes what is left of its file. A db.h
 * code; the caller may only log a failure, the job then ends by its lease.
 */
int	pimp_job_fail(struct db *db, uint64_t job, const char *code,
	    const char *detail, const char *result);

/*
 * Validates the import options of a request: mapping (an object of
 * "header": "field" | "custom:<key>" | null) and on_duplicate. 0, or -1
 * with *field and *msg naming the problem.
 */
int	pimp_mapping_ok(json_t *mapping, const char **msg);

#endif
