/*
 * The database: one MariaDB connection per process over the unix socket,
 * as the program's own least-privilege account, with every statement of
 * the program prepared at start-up from its statement tables (sqlbox's
 * model: SQL is data, called by index). A schema mismatch therefore stops
 * the program at launch instead of failing at the first request.
 *
 * Results: DB_OK (done / a row), DB_NONE (no row, or no row changed),
 * DB_CONFLICT (duplicate key 1062, missing parent 1452 or a row still
 * referenced 1451: an expected
 * outcome, answered 409), DB_ERR (a bug or a server error, answered 500),
 * DB_DOWN (the server is unreachable, answered 503 with Retry-After).
 *
 * Connection loss (2006/2013 and friends) marks the connection broken; the
 * next call reconnects and prepares again, so the process recovers on its
 * own when the server comes back. Only idempotent work is retried after a
 * reconnect: a read outside a transaction. Deadlocks (1213) and lock wait
 * timeouts (1205) are retried: a single autocommit statement by itself,
 * a transaction as a whole through db_tx().
 */
#ifndef PROSPEA_DB_H
#define PROSPEA_DB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct conf;
struct db;

enum db_rc {
	DB_OK,
	DB_NONE,
	DB_CONFLICT,
	DB_ERR,
	DB_DOWN,
	DB__MAX
};

/*
 * A statement table: sql[first..end) are this module's statements, the
 * rest of the array is unused. Statement ids are global indexes, so a
 * program's enum continues where the core's tables stop, e.g.
 *   enum auth_stmt { AS_USER_GET = SESS__MAX, ..., AS__MAX };
 */
struct db_table {
	const char *const	*sql;
	size_t			 first, end;
};

/* Placeholders of one statement, at most (more aborts). */
#define DB_PARAMS_MAX	512

enum db_argtype {
	DB_ARG_NULL,
	DB_ARG_INT,
	DB_ARG_TEXT,
	DB_ARG_BLOB,
};

/* One bound parameter. The bytes are borrowed for the call only. */
struct db_arg {
	enum db_argtype	 type;
	long long	 i;
	const void	*p;
	unsigned long	 len;
};

static inline struct db_arg
db_arg_text(const char *s)
{
	struct db_arg	 a = { DB_ARG_NULL, 0, NULL, 0 };

	if (s != NULL) {
		a.type = DB_ARG_TEXT;
		a.p = s;
		a.len = (unsigned long)strlen(s);
	}
	return a;
}

#define DB_INT(x)	((struct db_arg){ DB_ARG_INT, (long long)(x), NULL, 0 })
#define DB_TEXT(s)	db_arg_text(s)		/* NULL binds SQL NULL */
#define DB_BLOB(b, n)	((struct db_arg){ DB_ARG_BLOB, 0, (b), (unsigned long)(n) })
#define DB_NULL		((struct db_arg){ DB_ARG_NULL, 0, NULL, 0 })
/* Expands to "array, count" for the calls below. */
#define DB_ARGS(...)	((const struct db_arg[]){ __VA_ARGS__ }), \
	(sizeof((const struct db_arg[]){ __VA_ARGS__ }) / sizeof(struct db_arg))
#define DB_NOARGS	NULL, 0

/*
 * Connects with c (socket, account, password file, timeouts) and prepares
 * every statement of tables[0..ntables). Returns an owned handle, also when
 * the server is down (the program then answers 503 until it is back); NULL
 * only when a statement fails to prepare (a schema or grant mismatch: the
 * error names the statement) or the tables overlap.
 */
struct db	*db_open(const struct conf *c, const struct db_table *tables,
		    size_t ntables);

/* Closes the connection and frees the handle. NULL is a no-op. */
void		 db_free(struct db *);

/* 1 if the last call found the server unreachable. */
int		 db_is_down(const struct db *);

/*
 * Makes sure the connection is up (reconnecting and preparing again if it
 * was lost, at most once a second). DB_OK, DB_DOWN or DB_ERR.
 */
int		 db_ensure(struct db *);

/*
 * Runs a statement that returns no rows. DB_OK if it matched at least one
 * row (found rows, not only changed ones: CLIENT_FOUND_ROWS), DB_NONE if
 * none, DB_CONFLICT, DB_ERR or DB_DOWN. The number of
 * args must match the statement's placeholders (a mismatch aborts).
 * Outside a transaction, a connection found gone before the statement
 * left (2006: the first write after the database restarted) is made
 * again and the statement sent once more; lost during it (2013), DB_DOWN.
 */
int		 db_exec(struct db *, size_t stmt, const struct db_arg *args,
		    size_t nargs);

/*
 * Runs a statement once for each of nrows parameter rows, sent together
 * (MariaDB array binding, COM_STMT_BULK_EXECUTE: one round trip for the
 * batch; used by imports). rows holds nrows * (the statement's
 * placeholders) args, row after row; within a column every non-NULL arg
 * has one type. DB_OK if any row matched, DB_NONE, DB_CONFLICT (one row
 * hit a duplicate key: the whole batch is then in doubt, so callers run
 * it inside db_tx() and roll back), DB_ERR or DB_DOWN. Never retried by
 * itself: a batch is not a read.
 */
int		 db_exec_bulk(struct db *, size_t stmt, const struct db_arg *rows,
		    size_t nrows);
/* The AUTO_INCREMENT id of the last insert by db_exec(). */
uint64_t	 db_last_id(const struct db *);

/* Rows changed by the last db_exec(). */
uint64_t	 db_affected(const struct db *);

/*
 * Runs a statement that returns rows and buffers its result. DB_OK, DB_ERR
 * or DB_DOWN; then db_next() walks the rows. A previous result is
 * released first.
 */
int		 db_query(struct db *, size_t stmt, const struct db_arg *args,
		    size_t nargs);

/* Moves to the next row: DB_OK (a row), DB_NONE (no more), DB_ERR. */
int		 db_next(struct db *);

/* db_query() then db_next(): DB_OK with the first row, DB_NONE, or an error. */
int		 db_one(struct db *, size_t stmt, const struct db_arg *args,
		    size_t nargs);

/*
 * Column col of the current row as NUL-terminated bytes (numbers come as
 * decimal text), or NULL for SQL NULL. Borrowed until the next
 * db_next()/db_query()/db_one() on this handle.
 */
const char	*db_str(struct db *, size_t col);

/* Length in bytes of column col (binary columns may hold NUL). */
size_t		 db_len(struct db *, size_t col);

/* Column col as an integer; 0 for NULL or non-numeric text. */
long long	 db_int(struct db *, size_t col);

/* 1 if column col is SQL NULL. */
int		 db_null(struct db *, size_t col);

/* Releases the current result (optional: the next query does it too). */
void		 db_done(struct db *);

/*
 * Runs fn(db, arg) inside a transaction: commits if it returns DB_OK,
 * rolls back otherwise and returns its code. A deadlock or lock wait
 * timeout rolls back and runs fn again (at most 3 times), so fn must
 * start from scratch each time and keep its effects inside the database
 * until it returns. A connection lost before COMMIT (the server rolled
 * the transaction back) runs fn once more on a new connection; lost again,
 * or lost at COMMIT (its fate unknown), DB_DOWN.
 * Called inside another db_tx(), fn simply runs as part of the outer
 * transaction (no savepoint): the outer one commits or rolls back all.
 */
int		 db_tx(struct db *, int (*fn)(struct db *, void *), void *arg);

/*
 * The tenant of this connection: sets @app_user, which the per-user views
 * (sql/) compare with user_id. db_user_set() runs a statement;
 * db_user_mark() records that a statement of the caller's own (the
 * session lookup) already set it. db_user_clear() sets it back to NULL if
 * it was set, and drops the connection if that fails, so a tenant can
 * never leak into the next request.
 */
int		 db_user_set(struct db *, uint64_t user_id);
void		 db_user_mark(struct db *, uint64_t user_id);
int		 db_user_clear(struct db *);
uint64_t	 db_user(const struct db *);

/* The server's error number of the last failure (0 if none): for tests and logs. */
unsigned int	 db_errno(const struct db *);

#endif
