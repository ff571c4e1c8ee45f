/*
 * The db module against a real MariaDB: the test stack's server that
 * ./dev test starts (PROSPEA_TEST_CONF names its configuration; without it
 * the test skips). It works in a scratch database of its own, as the
 * administrator, and checks what the handlers rely on: result codes
 * (DB_CONFLICT for duplicates and missing parents, DB_NONE for no match),
 * text columns of any length, a transaction that rolls back, deadlock
 * retry of a whole transaction, reconnect-and-retry of a read after the
 * connection was killed (and no blind retry of a write), the tenant
 * variable, and a statement that does not prepare refusing to start.
 */
#include "config.h"

#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "db.h"
#include "log.h"

enum {
	T_RESET,
	T_INSERT,
	T_CHILD,
	T_GET,
	T_SET,
	T_CONN,
	T_KILL,
	T_ME,
	T_TOUCH_ALL,
	T__MAX
};

/* The scratch schema is made by the administrator's first statements. */
static const char *const setup_sql[] = {
	"DROP DATABASE IF EXISTS prospea_dbtest",
	"CREATE DATABASE prospea_dbtest",
	"CREATE TABLE prospea_dbtest.item (id INT NOT NULL PRIMARY KEY, "
	"label MEDIUMTEXT NOT NULL, n INT NOT NULL DEFAULT 0) ENGINE=InnoDB",
	"CREATE TABLE prospea_dbtest.child (id INT NOT NULL PRIMARY KEY, "
	"item_id INT NOT NULL, FOREIGN KEY (item_id) REFERENCES "
	"prospea_dbtest.item (id)) ENGINE=InnoDB",
};

static const char *const test_sql[T__MAX] = {
	[T_RESET] = "DELETE FROM prospea_dbtest.item",
	[T_INSERT] = "INSERT INTO prospea_dbtest.item (id, label) VALUES (?, ?)",
	[T_CHILD] = "INSERT INTO prospea_dbtest.child (id, item_id) VALUES (?, ?)",
	[T_GET] = "SELECT id, label, n FROM prospea_dbtest.item WHERE id = ?",
	[T_SET] = "UPDATE prospea_dbtest.item SET n = n + 1 WHERE id = ?",
	[T_CONN] = "SELECT CONNECTION_ID()",
	[T_KILL] = "KILL CONNECTION ?",
	[T_ME] = "SELECT @app_user",
	[T_TOUCH_ALL] = "UPDATE prospea_dbtest.item SET n = n + 1 WHERE id >= 100",
};

static const struct db_table test_table = { test_sql, 0, T__MAX };
static struct conf conf;

/* A connection as the administrator (the unix user, through unix_socket). */
static struct db *
open_admin(const struct db_table *t)
{
	return db_open(&conf, t, 1);
}

static int
setup(void **state)
{
	struct db		*db;
	size_t			 i;

	(void)state;
	/* The setup statements run through their own one-statement tables. */
	for (i = 0; i < sizeof(setup_sql) / sizeof(setup_sql[0]); i++) {
		const char *one[1] = { setup_sql[i] };
		const struct db_table t = { one, 0, 1 };
		if ((db = open_admin(&t)) == NULL)
			return -1;
		if (db_exec(db, 0, DB_NOARGS) == DB_ERR)
			return -1;
		db_free(db);
	}
	return 0;
}

static void
test_codes(void **state)
{
	struct db	*db = open_admin(&test_table);

	(void)state;
	assert_non_null(db);
	db_exec(db, T_RESET, DB_NOARGS);
	assert_int_equal(db_exec(db, T_INSERT, DB_ARGS(DB_INT(1), DB_TEXT("un"))), DB_OK);
	assert_int_equal(db_exec(db, T_INSERT, DB_ARGS(DB_INT(1), DB_TEXT("again"))),
	    DB_CONFLICT);
	assert_int_equal(db_exec(db, T_CHILD, DB_ARGS(DB_INT(1), DB_INT(999))),
	    DB_CONFLICT);
	assert_int_equal(db_exec(db, T_SET, DB_ARGS(DB_INT(42))), DB_NONE);
	assert_int_equal(db_one(db, T_GET, DB_ARGS(DB_INT(42))), DB_NONE);
	assert_int_equal(db_one(db, T_GET, DB_ARGS(DB_INT(1))), DB_OK);
	assert_string_equal(db_str(db, 1), "un");
	assert_int_equal(db_int(db, 0), 1);
	assert_int_equal(db_int(db, 2), 0);
	assert_int_equal(db_next(db), DB_NONE);
	db_free(db);
}

static void
test_long_text(void **state)
{
	struct db	*db = open_admin(&test_table);
	char		*big;
	size_t		 n = 100000;

	(void)state;
	assert_non_null(db);
	db_exec(db, T_RESET, DB_NOARGS);
	big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'x', n);
	big[0] = 'A';
	big[n - 1] = 'Z';
	big[n] = '\0';
	assert_int_equal(db_exec(db, T_INSERT, DB_ARGS(DB_INT(2), DB_TEXT(big))), DB_OK);
	assert_int_equal(db_exec(db, T_INSERT, DB_ARGS(DB_INT(3), DB_TEXT("short"))), DB_OK);
	/* The first fetch grows the column buffer; the next row must not suffer. */
	assert_int_equal(db_one(db, T_GET, DB_ARGS(DB_INT(2))), DB_OK);
	assert_int_equal(db_len(db, 1), n);
	assert_string_equal(db_str(db, 1), big);
	assert_int_equal(db_one(db, T_GET, DB_ARGS(DB_INT(3))), DB_OK);
	assert_string_equal(db_str(db, 1), "short");
	free(big);
	db_free(db);
}

static int
tx_fail_after_insert(struct db *db, void *arg)
{
	int	 rc;

	(void)arg;
	if ((rc = db_exec(db, T_INSERT, DB_ARGS(DB_INT(5), DB_TEXT("in tx")))) != DB_OK)
		return rc;
	return DB_CONFLICT;	/* a refusal decided after a write */
}

static void
test_tx_rollback(void **state)
{
	struct db	*db = open_admin(&test_table);

	(void)state;
	assert_non_null(db);
	db_exec(db, T_RESET, DB_NOARGS);
	assert_int_equal(db_tx(db, tx_fail_after_insert, NULL), DB_CONFLICT);
	assert_int_equal(db_one(db, T_GET, DB_ARGS(DB_INT(5))), DB_NONE);
	db_free(db);
}

/* Deadlock: B locks many rows then waits for row 1; A holds row 1 then wants row 100. */
struct dl {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 a_has_1, b_has_many;
	int		 attempts;
};

static void
dl_wait(struct dl *d, int *flag)
{
	pthread_mutex_lock(&d->mu);
	while (!*flag)
		pthread_cond_wait(&d->cv, &d->mu);
	pthread_mutex_unlock(&d->mu);
}

static void
dl_set(struct dl *d, int *flag)
{
	pthread_mutex_lock(&d->mu);
	*flag = 1;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

static int
tx_a(struct db *db, void *arg)
{
	struct dl	*d = arg;
	int		 rc;

	d->attempts++;
	if ((rc = db_exec(db, T_SET, DB_ARGS(DB_INT(1)))) != DB_OK)
		return rc;
	if (d->attempts == 1) {
		dl_set(d, &d->a_has_1);
		dl_wait(d, &d->b_has_many);
		usleep(200000);		/* B is now waiting for row 1 */
	}
	return db_exec(db, T_SET, DB_ARGS(DB_INT(100)));
}

static int
tx_b(struct db *db, void *arg)
{
	struct dl	*d = arg;
	int		 rc;

	/* Many rows changed: InnoDB picks the smaller transaction, A, as victim. */
	if ((rc = db_exec(db, T_TOUCH_ALL, DB_NOARGS)) != DB_OK)
		return rc;
	dl_set(d, &d->b_has_many);
	return db_exec(db, T_SET, DB_ARGS(DB_INT(1)));
}

static void *
thread_b(void *arg)
{
	struct dl	*d = arg;
	struct db	*db = open_admin(&test_table);
	static int	 rc;

	dl_wait(d, &d->a_has_1);
	rc = db_tx(db, tx_b, d);
	db_free(db);
	return &rc;
}

static void
test_deadlock_retried(void **state)
{
	struct db	*db = open_admin(&test_table);
	struct dl	 d = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0 };
	pthread_t	 th;
	void		*brc;
	int		 i, rc;
	char		 label[16];

	(void)state;
	assert_non_null(db);
	db_exec(db, T_RESET, DB_NOARGS);
	db_exec(db, T_INSERT, DB_ARGS(DB_INT(1), DB_TEXT("one")));
	for (i = 100; i < 150; i++) {
		snprintf(label, sizeof(label), "r%d", i);
		db_exec(db, T_INSERT, DB_ARGS(DB_INT(i), DB_TEXT(label)));
	}
	assert_int_equal(pthread_create(&th, NULL, thread_b, &d), 0);
	rc = db_tx(db, tx_a, &d);
	pthread_join(th, &brc);
	assert_int_equal(*(int *)brc, DB_OK);
	assert_int_equal(rc, DB_OK);
	assert_int_equal(d.attempts, 2);	/* rolled back once, then done */
	/* Row 1: once by B, once by A's successful attempt. */
	assert_int_equal(db_one(db, T_GET, DB_ARGS(DB_INT(1))), DB_OK);
	assert_int_equal(db_int(db, 2), 2);
	db_free(db);
}

static void
test_reconnect(void **state)
{
	struct db	*db = open_admin(&test_table), *admin = open_admin(&test_table);
	long long	 id;
	int		 rc;

	(void)state;
	assert_non_null(db);
	assert_non_null(admin);
	db_exec(db, T_RESET, DB_NOARGS);
	db_exec(db, T_INSERT, DB_ARGS(DB_INT(7), DB_TEXT("seven")));

	/* A read after the connection died: reconnect, prepare again, answer. */
	assert_int_equal(db_one(db, T_CONN, DB_NOARGS), DB_OK);
	id = db_int(db, 0);
	db_done(db);
	assert_int_equal(db_exec(admin, T_KILL, DB_ARGS(DB_INT(id))), DB_NONE);
	assert_int_equal(db_one(db, T_GET, DB_ARGS(DB_INT(7))), DB_OK);
	assert_string_equal(db_str(db, 1), "seven");
	assert_int_equal(db_one(db, T_CONN, DB_NOARGS), DB_OK);
	assert_true(db_int(db, 0) != id);

	/*
	 * A write on a connection that died before it was sent (2006: the
	 * server never saw it) goes once, on a new connection: done once,
	 * not twice, and not refused.
	 */
	id = db_int(db, 0);
	db_done(db);
	assert_int_equal(db_exec(admin, T_KILL, DB_ARGS(DB_INT(id))), DB_NONE);
	rc = db_exec(db, T_SET, DB_ARGS(DB_INT(7)));
	assert_int_equal(rc, DB_OK);
	assert_false(db_is_down(db));
	assert_int_equal(db_one(db, T_GET, DB_ARGS(DB_INT(7))), DB_OK);
	assert_int_equal(db_int(db, 2), 1);
	db_done(db);
	assert_int_equal(db_one(db, T_CONN, DB_NOARGS), DB_OK);
	assert_true(db_int(db, 0) != id);
	db_free(db);
	db_free(admin);
}

static void
test_tenant(void **state)
{
	struct db	*db = open_admin(&test_table);

	(void)state;
	assert_non_null(db);
	assert_int_equal(db_one(db, T_ME, DB_NOARGS), DB_OK);
	assert_true(db_null(db, 0));
	assert_int_equal(db_user_set(db, 1234), DB_OK);
	assert_int_equal(db_one(db, T_ME, DB_NOARGS), DB_OK);
	assert_int_equal(db_int(db, 0), 1234);
	assert_int_equal(db_user(db), 1234);
	db_user_clear(db);
	assert_int_equal(db_user(db), 0);
	assert_int_equal(db_one(db, T_ME, DB_NOARGS), DB_OK);
	assert_true(db_null(db, 0));
	db_free(db);
}

static void
test_bad_statement_refused(void **state)
{
	static const char *const bad[1] = { "SELECT no_such_column FROM prospea_dbtest.item" };
	static const char *const gap[3] = { "SELECT 1", NULL, "SELECT 2" };
	const struct db_table t = { bad, 0, 1 }, g = { gap, 0, 3 };
	const struct db_table overlap[2] = { { test_sql, 0, T__MAX }, { test_sql, 0, 1 } };

	(void)state;
	assert_null(open_admin(&t));
	assert_null(open_admin(&g));		/* a hole inside a table */
	assert_null(db_open(&conf, overlap, 2));	/* an id defined twice */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_long_text),
		cmocka_unit_test(test_tx_rollback),
		cmocka_unit_test(test_deadlock_retried),
		cmocka_unit_test(test_reconnect),
		cmocka_unit_test(test_tenant),
		cmocka_unit_test(test_bad_statement_refused),
	};
	const char	*path = getenv("PROSPEA_TEST_CONF");
	struct passwd	*pw;

	if (path == NULL || *path == '\0') {
		fprintf(stderr, "PROSPEA_TEST_CONF is not set: run through ./dev test\n");
		return 77;
	}
	if (conf_load(&conf, path, "db_test") == -1)
		return 99;
	pw = getpwuid(getuid());
	free(conf.db_user);
	conf.db_user = strdup(pw != NULL ? pw->pw_name : "root");
	free(conf.db_password_dir);
	conf.db_password_dir = strdup("");
	log_init("test_db", LOGL_ERR);
	return cmocka_run_group_tests(tests, setup, NULL);
}
