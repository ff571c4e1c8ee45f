/*
 * The accept loop every handler program runs: start-up (configuration,
 * keys, database, statement preparation), then FCGX_Accept_r on fd 0 (the
 * socket spawn-fcgi passes), each request through
 *   route -> session -> Origin/CSRF -> restriction -> content type -> body
 *   -> fields -> handler,
 * one access-log line, tenant cleared, request memory released. A CSRF
 * reject and a rate limit (429 "rate_limited") also write a security
 * event (sess_event()).
 * SIGTERM, SIGINT and SIGUSR1 (what multiwatch sends for a graceful stop)
 * end the loop after the request in flight.
 */
#ifndef PROSPEA_APP_H
#define PROSPEA_APP_H

#include <stddef.h>

struct conf;
struct db;
struct db_table;
struct route;

struct req;

struct app {
	const char		*name;		/* "auth": program prospea-auth */
	const char		*db_user;	/* its MariaDB account */
	const struct route	*routes;	/* ended by { .pattern = NULL } */
	const struct db_table	*tables;	/* statement tables to prepare */
	size_t			 ntables;
	/*
	 * 1: a restricted account (GDPR art. 18, sess.h) may only read here:
	 * every other method of a session route answers 423 "restricted"
	 * (the prospects and campaigns groups; the account's own groups —
	 * auth, gdpr, billing — keep working so the user can lift it).
	 */
	int			 frozen_when_restricted;
	/*
	 * Optional, for the admin group: called after an admin call (one
	 * that passed the ROUTE_ADMIN check) whose handler did not record
	 * it (r->audited still 0): a call refused for its input by the core
	 * or the handler, so that every admin call leaves an audit row.
	 */
	void			(*unaudited)(struct req *);
	/* Optional: after the database is open; -1 stops the program. */
	int			(*init)(const struct conf *, struct db *);
};

/*
 * Runs the program. Options: -c FILE (configuration file), --routes
 * (print "METHOD PATTERN" per route and exit: used by the OpenAPI test),
 * --check (start up, prepare every statement, exit 0 if all is well).
 * Returns the process exit status: 0 after a clean stop, 1 when start-up
 * fails (the message says why), 2 on bad usage or configuration.
 */
int	 app_main(int argc, char *argv[], const struct app *app);

/*
 * 1 if a Content-Type value is JSON the handlers read: application/json,
 * with no parameter but an optional charset=utf-8 (RFC 8259 section 8.1:
 * JSON exchanged between systems is UTF-8).
 */
int	 app_is_json(const char *ctype);
/* 1 if a Content-Type value is text/csv, with any parameters. */
int	 app_is_csv(const char *ctype);

#endif
