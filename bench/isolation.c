/*
 * bench/isolation: what per-user isolation through views costs.
 *
 * The same question, "this user's live sessions", asked through the core
 * db module (the handlers' code path), as the administrator:
 *   view: SELECT … FROM my_session WHERE revoked_at IS NULL   (@app_user set)
 *   base: SELECT … FROM session WHERE user_id = ? AND revoked_at IS NULL
 * and, to see where a difference comes from, with app_user() and with
 * @app_user in place of the bound id. USERS users with SESSIONS sessions
 * each, in rotating order so that drift hits all alike. Prints the mean,
 * median and p99 microseconds per query of each, and EXPLAIN of view and
 * base (the view must use the (user_id, …) index).
 *
 * usage: bench/isolation CONFIG-FILE [users] [sessions-per-user] [queries]
 * The rows it creates belong to accounts named bench-iso-*@exemple.fr and
 * are removed at the end.
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

enum {
	B_USER_ADD,
	B_SESSION_ADD,
	B_VIEW,
	B_BASE,
	B_FUNC,
	B_VAR,
	B_EXPLAIN_VIEW,
	B_EXPLAIN_BASE,
	B_CLEAN,
	B__MAX
};

static const char *const bench_sql[B__MAX] = {
	[B_USER_ADD] =
	    "INSERT INTO user_account (email, email_key, first_name, last_name, "
	    "password_hash, professional_16plus_at, created_at, updated_at) "
	    "VALUES (?, ?, 'Banc', 'Essai', 'x', NOW(3), NOW(3), NOW(3))",
	[B_SESSION_ADD] =
	    "INSERT INTO session (user_id, token_hash, ip, user_agent, created_at, "
	    "last_seen_at, expires_at) VALUES (?, UNHEX(SHA2(UUID(), 256)), "
	    "'127.0.0.1', 'bench', NOW(3), NOW(3), NOW(3) + INTERVAL 1 DAY)",
	[B_VIEW] =
	    "SELECT id, ip, user_agent, created_at, last_seen_at FROM my_session "
	    "WHERE revoked_at IS NULL",
	[B_BASE] =
	    "SELECT id, ip, user_agent, created_at, last_seen_at FROM session "
	    "WHERE user_id = ? AND revoked_at IS NULL",
	/* Where the view's cost goes: the function without the view, and
	   the variable itself (which a view may not hold, error 1351). */
	[B_FUNC] =
	    "SELECT id, ip, user_agent, created_at, last_seen_at FROM session "
	    "WHERE user_id = app_user() AND revoked_at IS NULL",
	[B_VAR] =
	    "SELECT id, ip, user_agent, created_at, last_seen_at FROM session "
	    "WHERE user_id = @app_user AND revoked_at IS NULL",
	[B_EXPLAIN_VIEW] =
	    "EXPLAIN SELECT id FROM my_session WHERE revoked_at IS NULL",
	[B_EXPLAIN_BASE] =
	    "EXPLAIN SELECT id FROM session WHERE user_id = ? AND revoked_at IS NULL",
	[B_CLEAN] =
	    "DELETE FROM user_account WHERE email LIKE 'bench-iso-%@exemple.fr'",
};

static double
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
explain(struct db *db, size_t stmt, const struct db_arg *a, size_t n,
    const char *what)
{
	if (db_query(db, stmt, a, n) != DB_OK)
		return;
	while (db_next(db) == DB_OK)
		printf("EXPLAIN %s: table=%s type=%s key=%s rows=%s\n", what,
		    db_str(db, 2) ? db_str(db, 2) : "-",
		    db_str(db, 3) ? db_str(db, 3) : "-",
		    db_str(db, 5) ? db_str(db, 5) : "-",
		    db_str(db, 8) ? db_str(db, 8) : "-");
	db_done(db);
}

int
main(int argc, char *argv[])
{
	struct conf		 c;
	struct db		*db;
	struct passwd		*pw;
	const struct db_table	 t = { bench_sql, 0, B__MAX };
	static const struct {
		const char	*name;
		size_t		 stmt;
		const char	*what;
	} variant[] = {
		{ "view", B_VIEW, "my_session, @app_user set" },
		{ "base", B_BASE, "session WHERE user_id = ?" },
		{ "func", B_FUNC, "session WHERE user_id = app_user()" },
		{ "var", B_VAR, "session WHERE user_id = @app_user" },
	};
	enum { NV = sizeof(variant) / sizeof(variant[0]) };
	long			 users, per, queries, i, j, k;
	uint64_t		*ids;
	double			*tm[NV], med[NV], sum, t0;
	char			 email[64];
	int			 v;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CONFIG-FILE [users] [sessions] [queries]\n",
		    argv[0]);
		return 2;
	}
	users = argc > 2 ? atol(argv[2]) : 200;
	per = argc > 3 ? atol(argv[3]) : 50;
	queries = argc > 4 ? atol(argv[4]) : 20000;
	if (users < 1 || per < 1 || queries < 2)
		return 2;
	if (conf_load(&c, argv[1], "bench") == -1)
		return 2;
	/* The administrator: it may read both the views and the tables. */
	pw = getpwuid(getuid());
	free(c.db_user);
	c.db_user = strdup(pw != NULL ? pw->pw_name : "root");
	free(c.db_password_dir);
	c.db_password_dir = strdup("");
	log_init("bench-isolation", LOGL_WARN);
	if ((db = db_open(&c, &t, 1)) == NULL || db_is_down(db))
		return 1;
	db_exec(db, B_CLEAN, DB_NOARGS);
	if ((ids = calloc((size_t)users, sizeof(*ids))) == NULL)
		return 1;
	for (v = 0; v < NV; v++)
		if ((tm[v] = calloc((size_t)queries, sizeof(double))) == NULL)
			return 1;
	for (i = 0; i < users; i++) {
		snprintf(email, sizeof(email), "bench-iso-%ld@exemple.fr", i);
		if (db_exec(db, B_USER_ADD, DB_ARGS(DB_TEXT(email), DB_TEXT(email))) !=
		    DB_OK)
			return 1;
		ids[i] = db_last_id(db);
		for (j = 0; j < per; j++)
			db_exec(db, B_SESSION_ADD, DB_ARGS(DB_INT(ids[i])));
	}
	printf("%ld users x %ld sessions, %ld queries each way\n", users, per,
	    queries);
	db_user_set(db, ids[users / 2]);
	explain(db, B_EXPLAIN_VIEW, DB_NOARGS, "view");
	explain(db, B_EXPLAIN_BASE, DB_ARGS(DB_INT(ids[users / 2])), "base");
	for (i = 0; i < queries; i++) {
		k = i % users;
		db_user_set(db, ids[k]);
		/* Rotate which goes first so none always gets warm caches. */
		for (j = 0; j < NV; j++) {
			v = (int)((i + j) % NV);
			t0 = now_us();
			if (variant[v].stmt == B_BASE)
				db_query(db, B_BASE, DB_ARGS(DB_INT(ids[k])));
			else
				db_query(db, variant[v].stmt, DB_NOARGS);
			while (db_next(db) == DB_OK)
				;
			db_done(db);
			tm[v][i] = now_us() - t0;
		}
	}
	for (v = 0; v < NV; v++) {
		sum = 0;
		for (i = 0; i < queries; i++)
			sum += tm[v][i];
		qsort(tm[v], (size_t)queries, sizeof(double), cmp_double);
		med[v] = tm[v][queries / 2];
		printf("%-5s mean %6.1f us, median %6.1f us, p99 %7.1f us  (%s)\n",
		    variant[v].name, sum / queries, med[v],
		    tm[v][queries * 99 / 100], variant[v].what);
	}
	printf("view - base, median: %+.1f us (%+.1f%%)\n", med[0] - med[1],
	    100.0 * (med[0] - med[1]) / med[1]);
	db_user_clear(db);
	db_exec(db, B_CLEAN, DB_NOARGS);
	db_free(db);
	conf_free(&c);
	return 0;
}
