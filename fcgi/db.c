/*
 * MariaDB Connector/C behind a small table-driven API. Every column is
 * fetched as text into per-statement buffers that grow on truncation, so
 * callers never declare result types. See db.h for the contract.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mysql.h>
#include <mysqld_error.h>
#include <errmsg.h>
#include <sodium.h>

#include "conf.h"
#include "db.h"
#include "log.h"

/* The db layer's own statements (the tenant variable, session settings). */
enum db_internal {
	DBI_USER_SET,
	DBI_USER_CLEAR,
	DBI__MAX
};

static const char *const db_sql[DBI__MAX] = {
	[DBI_USER_SET] = "SET @app_user = ?",
	[DBI_USER_CLEAR] = "SET @app_user = NULL",
};

/* Run at every (re)connect: UTC times and strict SQL whatever the server's defaults. */
static const char db_init_sql[] =
    "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,"
    "NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'";

#define DB_COL_INIT	256
#define DB_RETRIES	3

struct db_col {
	char		*buf;
	unsigned long	 cap;
	unsigned long	 len;
	my_bool		 null;
	my_bool		 err;
};

struct db_stmt {
	const char	*sql;
	MYSQL_STMT	*st;
	unsigned int	 nparams;
	unsigned int	 ncols;
	MYSQL_BIND	*rbind;
	struct db_col	*cols;
	int		 is_read;	/* a SELECT: safe to retry */
};

struct db {
	const struct conf *conf;
	MYSQL		*my;
	int		 up;
	time_t		 last_try;
	struct db_stmt	*stmts;		/* [nstmts] = internal ones, then tables */
	size_t		 nstmts;
	struct db_stmt	*cur;		/* statement holding a result */
	int		 in_tx;
	uint64_t	 last_id;
	uint64_t	 affected;
	uint64_t	 user;		/* tenant set on this connection */
	uint64_t	 want_user;	/* tenant of the request, kept across reconnects */
	unsigned int	 errnum;
	char		*password;
};

static int	db_run(struct db *, struct db_stmt *, const struct db_arg *, size_t);

/* Index of internal statement i in db->stmts. */
#define DBI(db, i)	(&(db)->stmts[(db)->nstmts - DBI__MAX + (i)])

static int
db_lost(unsigned int e)
{
	switch (e) {
	case CR_SERVER_GONE_ERROR:	/* 2006 */
	case CR_SERVER_LOST:		/* 2013 */
	case CR_CONNECTION_ERROR:	/* 2002 */
	case CR_CONN_HOST_ERROR:	/* 2003 */
	case CR_COMMANDS_OUT_OF_SYNC:	/* 2014: state unknown, start over */
	case ER_CONNECTION_KILLED:	/* 1927 */
	case ER_SERVER_SHUTDOWN:	/* 1053 */
	case 4031:			/* ER_CLIENT_INTERACTION_TIMEOUT */
		return 1;
	default:
		return 0;
	}
}

static int
db_retryable(unsigned int e)
{
	return e == ER_LOCK_DEADLOCK || e == ER_LOCK_WAIT_TIMEOUT;
}

static void
db_stmt_close(struct db_stmt *s)
{
	unsigned int	 i;

	if (s->st != NULL)
		mysql_stmt_close(s->st);
	s->st = NULL;
	for (i = 0; i < s->ncols; i++)
		free(s->cols[i].buf);
	free(s->cols);
	free(s->rbind);
	s->cols = NULL;
	s->rbind = NULL;
	s->ncols = 0;
}

static void
db_disconnect(struct db *db)
{
	size_t	 i;

	for (i = 0; i < db->nstmts; i++)
		db_stmt_close(&db->stmts[i]);
	if (db->my != NULL)
		mysql_close(db->my);
	db->my = NULL;
	db->up = 0;
	db->cur = NULL;
	db->in_tx = 0;
	db->user = 0;
}

/* Prepares one statement. 0, or -1 (after logging) on failure. */
static int
db_prepare(struct db *db, struct db_stmt *s, size_t id)
{
	MYSQL_RES	*meta;
	unsigned int	 i;

	if ((s->st = mysql_stmt_init(db->my)) == NULL)
		abort();
	if (mysql_stmt_prepare(s->st, s->sql, strlen(s->sql)) != 0) {
		db->errnum = mysql_stmt_errno(s->st);
		if (!db_lost(db->errnum))
			log_err("cannot prepare statement %zu (%s): %s", id, s->sql,
			    mysql_stmt_error(s->st));
		return -1;
	}
	s->nparams = mysql_stmt_param_count(s->st);
	if ((meta = mysql_stmt_result_metadata(s->st)) == NULL)
		return 0;
	s->ncols = mysql_num_fields(meta);
	mysql_free_result(meta);
	if ((s->rbind = calloc(s->ncols, sizeof(*s->rbind))) == NULL ||
	    (s->cols = calloc(s->ncols, sizeof(*s->cols))) == NULL)
		abort();
	for (i = 0; i < s->ncols; i++) {
		if ((s->cols[i].buf = malloc(DB_COL_INIT)) == NULL)
			abort();
		s->cols[i].cap = DB_COL_INIT;
		s->rbind[i].buffer_type = MYSQL_TYPE_STRING;
		s->rbind[i].buffer = s->cols[i].buf;
		s->rbind[i].buffer_length = DB_COL_INIT - 1;
		s->rbind[i].length = &s->cols[i].len;
		s->rbind[i].is_null = &s->cols[i].null;
		s->rbind[i].error = &s->cols[i].err;
	}
	if (mysql_stmt_bind_result(s->st, s->rbind) != 0) {
		log_err("cannot bind the result of statement %zu: %s", id,
		    mysql_stmt_error(s->st));
		return -1;
	}
	return 0;
}

/*
 * Connects and prepares everything. DB_OK; DB_DOWN if the server cannot be
 * reached; DB_ERR if it answered but a statement does not prepare.
 */
static int
db_connect(struct db *db)
{
	const struct conf	*c = db->conf;
	unsigned int		 t = (unsigned int)c->db_timeout;
	my_bool			 off = 0;
	size_t			 i;

	db_disconnect(db);
	db->last_try = time(NULL);
	if ((db->my = mysql_init(NULL)) == NULL)
		abort();
	mysql_options(db->my, MYSQL_OPT_CONNECT_TIMEOUT, &t);
	mysql_options(db->my, MYSQL_OPT_READ_TIMEOUT, &t);
	mysql_options(db->my, MYSQL_OPT_WRITE_TIMEOUT, &t);
	mysql_options(db->my, MYSQL_OPT_RECONNECT, &off);
	mysql_options(db->my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(db->my, MYSQL_INIT_COMMAND, db_init_sql);
	if (mysql_real_connect(db->my, NULL, c->db_user, db->password,
	    c->db_name, 0, c->db_socket, CLIENT_FOUND_ROWS) == NULL) {
		db->errnum = mysql_errno(db->my);
		if (db_lost(db->errnum) || db->errnum == CR_SERVER_HANDSHAKE_ERR) {
			log_warn("database unreachable at %s: %s", c->db_socket,
			    mysql_error(db->my));
			db_disconnect(db);
			return DB_DOWN;
		}
		log_err("cannot connect to the database as %s: %s", c->db_user,
		    mysql_error(db->my));
		db_disconnect(db);
		return DB_ERR;
	}
	for (i = 0; i < db->nstmts; i++) {
		if (db->stmts[i].sql == NULL)
			continue;
		if (db_prepare(db, &db->stmts[i], i) == -1) {
			int lost = db_lost(db->errnum);
			db_disconnect(db);
			return lost ? DB_DOWN : DB_ERR;
		}
	}
	db->up = 1;
	db->errnum = 0;
	/*
	 * A reconnect in the middle of a request: the new connection gets the
	 * request's tenant again, or a retried read through a my_* view would
	 * quietly see nothing.
	 */
	if (db->want_user != 0 && db_user_set(db, db->want_user) != DB_OK) {
		db_disconnect(db);
		return DB_DOWN;
	}
	return DB_OK;
}

struct db *
db_open(const struct conf *c, const struct db_table *tables, size_t ntables)
{
	struct db	*db;
	size_t		 i, j, n = 0;
	char		 path[4096];
	int		 rc;

	for (i = 0; i < ntables; i++)
		if (tables[i].end > n)
			n = tables[i].end;
	if ((db = calloc(1, sizeof(*db))) == NULL)
		abort();
	db->conf = c;
	db->nstmts = n + DBI__MAX;
	if ((db->stmts = calloc(db->nstmts, sizeof(*db->stmts))) == NULL)
		abort();
	for (i = 0; i < ntables; i++)
		for (j = tables[i].first; j < tables[i].end; j++) {
			if (db->stmts[j].sql != NULL || tables[i].sql[j] == NULL) {
				log_err("statement tables: id %zu is %s", j,
				    db->stmts[j].sql != NULL ? "defined twice" :
				    "missing");
				db_free(db);
				return NULL;
			}
			db->stmts[j].sql = tables[i].sql[j];
			db->stmts[j].is_read =
			    strncmp(tables[i].sql[j], "SELECT", 6) == 0;
		}
	for (i = 0; i < DBI__MAX; i++)
		DBI(db, i)->sql = db_sql[i];
	if (c->db_password_dir != NULL && *c->db_password_dir != '\0') {
		snprintf(path, sizeof(path), "%s/%s", c->db_password_dir, c->db_user);
		if ((db->password = conf_read_secret(path)) == NULL) {
			log_err("cannot read the database password file %s: %s",
			    path, strerror(errno));
			db_free(db);
			return NULL;
		}
	}
	if (mysql_library_init(0, NULL, NULL) != 0)
		abort();
	rc = db_connect(db);
	if (rc == DB_ERR) {
		db_free(db);
		return NULL;
	}
	return db;
}

void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	db_disconnect(db);
	if (db->password != NULL) {
		sodium_memzero(db->password, strlen(db->password));
		free(db->password);
	}
	free(db->stmts);
	free(db);
}

int
db_is_down(const struct db *db)
{
	return !db->up;
}

unsigned int
db_errno(const struct db *db)
{
	return db->errnum;
}

int
db_ensure(struct db *db)
{
	if (db->up)
		return DB_OK;
	if (time(NULL) - db->last_try < 1)
		return DB_DOWN;
	return db_connect(db);
}

static struct db_stmt *
db_stmt(struct db *db, size_t id)
{
	if (id >= db->nstmts || db->stmts[id].sql == NULL)
		abort();
	return &db->stmts[id];
}

/* Classifies a statement failure and drops a lost connection. */
static int
db_fail(struct db *db, struct db_stmt *s)
{
	db->errnum = mysql_stmt_errno(s->st);
	/* A row still referenced (1451: a template a step uses) too. */
	if (db->errnum == ER_DUP_ENTRY || db->errnum == ER_NO_REFERENCED_ROW_2 ||
	    db->errnum == ER_DUP_ENTRY_WITH_KEY_NAME ||
	    db->errnum == ER_ROW_IS_REFERENCED_2)
		return DB_CONFLICT;
	if (db_lost(db->errnum)) {
		log_warn("database connection lost (%u): %s", db->errnum,
		    mysql_stmt_error(s->st));
		db_disconnect(db);
		return DB_DOWN;
	}
	if (!db_retryable(db->errnum))
		log_err("statement failed (%u): %s", db->errnum,
		    mysql_stmt_error(s->st));
	return DB_ERR;
}

/* Binds args and executes once. DB_OK or a failure code. */
static int
db_run(struct db *db, struct db_stmt *s, const struct db_arg *args,
    size_t nargs)
{
	MYSQL_BIND	 b[DB_PARAMS_MAX];
	my_bool		 isnull = 1;
	size_t		 i;

	if (nargs != s->nparams || nargs > DB_PARAMS_MAX)
		abort();
	db->errnum = 0;
	if (db->cur != NULL) {
		mysql_stmt_free_result(db->cur->st);
		db->cur = NULL;
	}
	memset(b, 0, sizeof(b));
	for (i = 0; i < nargs; i++) {
		switch (args[i].type) {
		case DB_ARG_NULL:
			b[i].buffer_type = MYSQL_TYPE_NULL;
			b[i].is_null = &isnull;
			break;
		case DB_ARG_INT:
			b[i].buffer_type = MYSQL_TYPE_LONGLONG;
			b[i].buffer = (void *)&args[i].i;
			break;
		case DB_ARG_TEXT:
			b[i].buffer_type = MYSQL_TYPE_STRING;
			b[i].buffer = (void *)args[i].p;
			b[i].buffer_length = args[i].len;
			break;
		case DB_ARG_BLOB:
			b[i].buffer_type = MYSQL_TYPE_BLOB;
			b[i].buffer = (void *)args[i].p;
			b[i].buffer_length = args[i].len;
			break;
		}
	}
	if (nargs > 0 && mysql_stmt_bind_param(s->st, b) != 0)
		return db_fail(db, s);
	if (mysql_stmt_execute(s->st) != 0)
		return db_fail(db, s);
	return DB_OK;
}

/*
 * Executes with the retry policy of db.h: reconnect first if needed;
 * deadlocks retried outside transactions; reads retried once after a
 * lost connection outside transactions.
 */
static int
db_do(struct db *db, size_t id, const struct db_arg *args, size_t nargs)
{
	struct db_stmt	*s = db_stmt(db, id);
	int		 rc, attempt, reconnected = 0;

	for (attempt = 0; attempt < DB_RETRIES; attempt++) {
		if (!db->up) {
			if (db->in_tx)
				return DB_DOWN;
			if ((rc = db_ensure(db)) != DB_OK)
				return rc;
			s = db_stmt(db, id);
		}
		rc = db_run(db, s, args, nargs);
		if (rc == DB_OK || rc == DB_CONFLICT)
			return rc;
		if (db->in_tx)
			return rc;
		/*
		 * A read again on a new connection; a write only when the
		 * connection was found gone before the command left (2006:
		 * the server never saw it), as on the first request after
		 * the database restarted. 2013 (lost during the command)
		 * leaves a write's fate unknown: not retried.
		 */
		if (rc == DB_DOWN && !reconnected &&
		    (s->is_read || db->errnum == CR_SERVER_GONE_ERROR)) {
			reconnected = 1;
			db->last_try = 0;
			continue;
		}
		if (rc == DB_ERR && db_retryable(db->errnum))
			continue;
		return rc;
	}
	return DB_ERR;
}

int
db_exec(struct db *db, size_t id, const struct db_arg *args, size_t nargs)
{
	struct db_stmt	*s;
	int		 rc;

	if ((rc = db_do(db, id, args, nargs)) != DB_OK)
		return rc;
	s = db_stmt(db, id);
	db->affected = mysql_stmt_affected_rows(s->st);
	db->last_id = mysql_stmt_insert_id(s->st);
	if (s->ncols > 0)
		mysql_stmt_free_result(s->st);
	return db->affected == 0 || db->affected == (my_ulonglong)-1 ?
	    DB_NONE : DB_OK;
}

/*
 * Binds rows[0..nrows) column-wise (MariaDB Connector/C array binding: per
 * parameter an array of values, strings as an array of pointers, NULLs
 * through indicators) and executes once: the server receives every row in
 * one COM_STMT_BULK_EXECUTE. A column's type is that of its first
 * non-NULL value; a later row with another type is a caller bug (abort).
 */
static int
db_run_bulk(struct db *db, struct db_stmt *s, const struct db_arg *rows,
    size_t nrows)
{
	MYSQL_BIND		 b[DB_PARAMS_MAX];
	size_t			 np = s->nparams, i, j;
	const void		**ptrs;
	long long		*ints;
	unsigned long		*lens;
	char			*ind;
	unsigned int		 n = (unsigned int)nrows;
	enum db_argtype		 t;
	int			 rc = DB_OK;

	if (np == 0 || np > DB_PARAMS_MAX || nrows == 0 || nrows > UINT_MAX)
		abort();
	db->errnum = 0;
	if (db->cur != NULL) {
		mysql_stmt_free_result(db->cur->st);
		db->cur = NULL;
	}
	ptrs = calloc(np * nrows, sizeof(*ptrs));
	ints = calloc(np * nrows, sizeof(*ints));
	lens = calloc(np * nrows, sizeof(*lens));
	ind = calloc(np * nrows, 1);
	if (ptrs == NULL || ints == NULL || lens == NULL || ind == NULL)
		abort();
	memset(b, 0, sizeof(b));
	for (j = 0; j < np; j++) {
		t = DB_ARG_NULL;
		for (i = 0; i < nrows; i++) {
			const struct db_arg *a = &rows[i * np + j];
			size_t k = j * nrows + i;

			if (a->type == DB_ARG_NULL) {
				ind[k] = STMT_INDICATOR_NULL;
				continue;
			}
			if (t == DB_ARG_NULL)
				t = a->type;
			else if (a->type != t)
				abort();
			ind[k] = STMT_INDICATOR_NONE;
			ints[k] = a->i;
			ptrs[k] = a->p != NULL ? a->p : "";
			lens[k] = a->len;
		}
		b[j].u.indicator = &ind[j * nrows];
		switch (t) {
		case DB_ARG_INT:
			b[j].buffer_type = MYSQL_TYPE_LONGLONG;
			b[j].buffer = &ints[j * nrows];
			break;
		case DB_ARG_BLOB:
			b[j].buffer_type = MYSQL_TYPE_BLOB;
			b[j].buffer = &ptrs[j * nrows];
			b[j].length = &lens[j * nrows];
			break;
		default:
			b[j].buffer_type = MYSQL_TYPE_STRING;
			b[j].buffer = &ptrs[j * nrows];
			b[j].length = &lens[j * nrows];
			break;
		}
	}
	if (mysql_stmt_attr_set(s->st, STMT_ATTR_ARRAY_SIZE, &n) != 0 ||
	    mysql_stmt_bind_param(s->st, b) != 0 ||
	    mysql_stmt_execute(s->st) != 0)
		rc = db_fail(db, s);
	else {
		db->affected = mysql_stmt_affected_rows(s->st);
		db->last_id = mysql_stmt_insert_id(s->st);
	}
	/* Back to single-row execution for the statement's other callers. */
	n = 0;
	if (db->up)
		mysql_stmt_attr_set(s->st, STMT_ATTR_ARRAY_SIZE, &n);
	free(ptrs);
	free(ints);
	free(lens);
	free(ind);
	return rc;
}

int
db_exec_bulk(struct db *db, size_t id, const struct db_arg *rows,
    size_t nrows)
{
	struct db_stmt	*s;
	int		 rc;

	if (nrows == 0)
		return DB_NONE;
	if (!db->up) {
		if (db->in_tx)
			return DB_DOWN;
		if ((rc = db_ensure(db)) != DB_OK)
			return rc;
	}
	s = db_stmt(db, id);
	if ((rc = db_run_bulk(db, s, rows, nrows)) != DB_OK)
		return rc;
	return db->affected == 0 || db->affected == (my_ulonglong)-1 ?
	    DB_NONE : DB_OK;
}

uint64_t
db_last_id(const struct db *db)
{
	return db->last_id;
}

uint64_t
db_affected(const struct db *db)
{
	return db->affected;
}

int
db_query(struct db *db, size_t id, const struct db_arg *args, size_t nargs)
{
	struct db_stmt	*s;
	int		 rc;

	if ((rc = db_do(db, id, args, nargs)) != DB_OK)
		return rc;
	s = db_stmt(db, id);
	if (s->ncols == 0)
		abort();	/* a statement without rows: use db_exec() */
	if (mysql_stmt_store_result(s->st) != 0)
		return db_fail(db, s);
	db->cur = s;
	return DB_OK;
}

int
db_next(struct db *db)
{
	struct db_stmt	*s = db->cur;
	unsigned int	 i;
	int		 rc;
	char		*p;

	if (s == NULL)
		return DB_NONE;
	rc = mysql_stmt_fetch(s->st);
	if (rc == MYSQL_NO_DATA)
		return DB_NONE;
	if (rc == 1)
		return db_fail(db, s);
	if (rc == MYSQL_DATA_TRUNCATED) {
		for (i = 0; i < s->ncols; i++) {
			if (!s->cols[i].err)
				continue;
			if ((p = realloc(s->cols[i].buf, s->cols[i].len + 1)) == NULL)
				abort();
			s->cols[i].buf = p;
			s->cols[i].cap = s->cols[i].len + 1;
			s->rbind[i].buffer = p;
			s->rbind[i].buffer_length = s->cols[i].len;
			if (mysql_stmt_fetch_column(s->st, &s->rbind[i], i, 0) != 0)
				return db_fail(db, s);
			s->rbind[i].buffer_length = s->cols[i].cap - 1;
		}
		if (mysql_stmt_bind_result(s->st, s->rbind) != 0)
			return db_fail(db, s);
	}
	for (i = 0; i < s->ncols; i++)
		if (!s->cols[i].null)
			s->cols[i].buf[s->cols[i].len] = '\0';
	return DB_OK;
}

int
db_one(struct db *db, size_t id, const struct db_arg *args, size_t nargs)
{
	int	 rc;

	if ((rc = db_query(db, id, args, nargs)) != DB_OK)
		return rc;
	return db_next(db);
}

static struct db_col *
db_col(struct db *db, size_t col)
{
	if (db->cur == NULL || col >= db->cur->ncols)
		abort();
	return &db->cur->cols[col];
}

const char *
db_str(struct db *db, size_t col)
{
	struct db_col	*c = db_col(db, col);

	return c->null ? NULL : c->buf;
}

size_t
db_len(struct db *db, size_t col)
{
	struct db_col	*c = db_col(db, col);

	return c->null ? 0 : c->len;
}

long long
db_int(struct db *db, size_t col)
{
	struct db_col	*c = db_col(db, col);

	return c->null ? 0 : strtoll(c->buf, NULL, 10);
}

int
db_null(struct db *db, size_t col)
{
	return db_col(db, col)->null;
}

void
db_done(struct db *db)
{
	if (db->cur != NULL)
		mysql_stmt_free_result(db->cur->st);
	db->cur = NULL;
}

int
db_tx(struct db *db, int (*fn)(struct db *, void *), void *arg)
{
	int	 rc, attempt, relost = 0;

	if (db->in_tx)
		return fn(db, arg);	/* nested: part of the outer transaction */
	for (attempt = 0; attempt < DB_RETRIES; attempt++) {
		if ((rc = db_ensure(db)) != DB_OK)
			return rc;
		if (mysql_autocommit(db->my, 0) != 0) {
			db->errnum = mysql_errno(db->my);
			db_disconnect(db);
			/* Nothing began: once more on a new connection. */
			if (!relost++) {
				db->last_try = 0;
				continue;
			}
			return DB_DOWN;
		}
		db->in_tx = 1;
		rc = fn(db, arg);
		if (!db->up) {
			/*
			 * Lost before COMMIT: the server rolled it all back,
			 * so nothing happened; fn starts from scratch (db.h),
			 * once more on a new connection.
			 */
			db->in_tx = 0;
			if (!relost++) {
				log_info("transaction run again after a lost connection");
				db->last_try = 0;
				continue;
			}
			return DB_DOWN;
		}
		if (rc == DB_OK && mysql_commit(db->my) != 0) {
			db->errnum = mysql_errno(db->my);
			if (db_lost(db->errnum)) {
				log_warn("database connection lost at commit");
				db_disconnect(db);
				return DB_DOWN;
			}
			rc = DB_ERR;
		} else if (rc != DB_OK)
			mysql_rollback(db->my);
		db->in_tx = 0;
		db_done(db);
		if (mysql_autocommit(db->my, 1) != 0) {
			db_disconnect(db);
			return rc == DB_OK ? DB_OK : DB_DOWN;
		}
		if (rc == DB_ERR && db_retryable(db->errnum)) {
			log_info("transaction retried after error %u", db->errnum);
			continue;
		}
		return rc;
	}
	return DB_ERR;
}

int
db_user_set(struct db *db, uint64_t user_id)
{
	int	 rc;

	db->want_user = user_id;
	if (!db->up)
		return db_ensure(db);	/* connecting sets want_user */
	rc = db_run(db, DBI(db, DBI_USER_SET), DB_ARGS(DB_INT(user_id)));
	if (rc == DB_OK) {
		db->user = user_id;
		return DB_OK;
	}
	return rc;
}

void
db_user_mark(struct db *db, uint64_t user_id)
{
	db->user = user_id;
	db->want_user = user_id;
}

uint64_t
db_user(const struct db *db)
{
	return db->user;
}

int
db_user_clear(struct db *db)
{
	int	 rc;

	db->want_user = 0;
	if (db->user == 0 || !db->up) {
		db->user = 0;
		return DB_OK;
	}
	rc = db_run(db, DBI(db, DBI_USER_CLEAR), DB_NOARGS);
	if (rc != DB_OK && rc != DB_NONE) {
		log_err("cannot clear the tenant variable: dropping the connection");
		db_disconnect(db);
	}
	db->user = 0;
	return DB_OK;
}
