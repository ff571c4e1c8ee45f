/*
 * bench/insert_floor: how fast can MariaDB take an import's rows, whatever
 * the importer does around them?
 *
 * Reads every prospect of the tenant with the most prospects (rows that a
 * bench/import.sh run stored: the gosom layout, ~700 bytes a row) into
 * memory, then inserts them into the table bench_floor, which
 * bench/insert_floor.sh creates beforehand as a copy of prospect with a
 * chosen set of indexes, exactly as the importer does: the core db
 * module's array binding (db_exec_bulk, COM_STMT_BULK_EXECUTE), 1000 rows a
 * statement, all in one transaction. Prints rows and rows per second of
 * the inserts alone: no CSV, no normalisation, no duplicate lookups.
 *
 * usage: bench/insert_floor CONFIG-FILE [label]
 */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "db.h"
#include "log.h"

#define NCOLS	27
#define BATCH	1000

enum { B_TENANT, B_SOURCE, B_INSERT, B__MAX };

#define FLOOR_COLS_SQL \
	"user_id, name, category, address, postal_code, city, country, " \
	"phone, phone_e164, email, email_key, email_kind, emails, website, " \
	"website_host, rating, review_count, place_id, google_cid, latitude, " \
	"longitude, status, custom_fields, quality_flags, source, name_key, " \
	"search_text"

static const char *const bench_sql[B__MAX] = {
	[B_TENANT] = "SELECT user_id FROM prospect GROUP BY user_id "
	    "ORDER BY COUNT(*) DESC LIMIT 1",
	[B_SOURCE] = "SELECT " FLOOR_COLS_SQL " FROM prospect WHERE user_id = ? "
	    "ORDER BY id",
	[B_INSERT] = "INSERT INTO bench_floor (" FLOOR_COLS_SQL ", collected_at, "
	    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NOW(3), NOW(3), NOW(3))",
};

struct rows {
	char	**cell;		/* n * NCOLS, NULL for SQL NULL */
	size_t	 n;
};

static int
floor_insert(struct db *db, void *arg)
{
	struct rows	*rs = arg;
	struct db_arg	*a;
	size_t		 i, j, k, n;
	int		 rc = DB_OK;

	if ((a = calloc(BATCH * NCOLS, sizeof(*a))) == NULL)
		abort();
	for (i = 0; i < rs->n && rc == DB_OK; i += n) {
		n = rs->n - i < BATCH ? rs->n - i : BATCH;
		for (j = 0; j < n; j++)
			for (k = 0; k < NCOLS; k++)
				a[j * NCOLS + k] = DB_TEXT(rs->cell[(i + j) * NCOLS + k]);
		rc = db_exec_bulk(db, B_INSERT, a, n);
	}
	free(a);
	return rc;
}

int
main(int argc, char *argv[])
{
	const struct db_table	 t = { bench_sql, 0, B__MAX };
	struct conf		 c;
	struct passwd		*pw;
	struct db		*db;
	struct rows		 rs = { NULL, 0 };
	struct timespec		 t0, t1;
	size_t			 cap = 0, k;
	long long		 user;
	double			 s;
	int			 rc;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CONFIG-FILE [label]\n", argv[0]);
		return 2;
	}
	if (conf_load(&c, argv[1], "bench") == -1)
		return 2;
	/* The administrator: it reads the tables themselves. */
	pw = getpwuid(getuid());
	free(c.db_user);
	c.db_user = strdup(pw != NULL ? pw->pw_name : "root");
	free(c.db_password_dir);
	c.db_password_dir = strdup("");
	log_init("bench-insert-floor", LOGL_WARN);
	if ((db = db_open(&c, &t, 1)) == NULL || db_is_down(db))
		return 1;
	if (db_one(db, B_TENANT, DB_NOARGS) != DB_OK)
		return 1;
	user = db_int(db, 0);
	db_done(db);
	if (db_query(db, B_SOURCE, DB_ARGS(DB_INT(user))) != DB_OK)
		return 1;
	while ((rc = db_next(db)) == DB_OK) {
		if (rs.n == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((rs.cell = realloc(rs.cell, cap * NCOLS *
			    sizeof(*rs.cell))) == NULL)
				abort();
		}
		for (k = 0; k < NCOLS; k++)
			rs.cell[rs.n * NCOLS + k] = db_null(db, k) ? NULL :
			    strdup(db_str(db, k));
		rs.n++;
	}
	if (rc != DB_NONE || rs.n == 0) {
		fprintf(stderr, "no prospects to copy: run bench/import.sh first\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = db_tx(db, floor_insert, &rs);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc != DB_OK) {
		fprintf(stderr, "insert failed (%d, errno %u)\n", rc, db_errno(db));
		return 1;
	}
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%-40s %zu rows in %.2f s: %.0f rows/s\n",
	    argc > 2 ? argv[2] : "", rs.n, s, (double)rs.n / s);
	db_free(db);
	conf_free(&c);
	return 0;
}
