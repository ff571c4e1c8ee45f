/*
 * The router: a program's routes are one table of {method, path pattern,
 * handler, flags, field table}. Patterns are literal segments and
 * "{name}" segments matching one non-empty segment. A known path with
 * another method answers 405 with Allow (RFC 9110 section 15.5.6); an
 * unknown path 404. GET routes also answer HEAD.
 */
#ifndef PROSPEA_ROUTE_H
#define PROSPEA_ROUTE_H

#include <stddef.h>

#include "req.h"

struct field;

/* A handler: writes one response and returns its status. */
typedef int (*route_fn)(struct req *);

enum route_flag {
	ROUTE_SESSION = 1 << 0,	/* a live session is required (401) */
	ROUTE_CSRF = 1 << 1,	/* X-CSRF-Token must match the session (403) */
	ROUTE_ADMIN = 1 << 2,	/* the session's user must be an admin (403) */
	ROUTE_SESSION_OPT = 1 << 3,	/* the session is loaded when there is one */
	/*
	 * A text/csv body is also accepted: the core then leaves it unread
	 * (r->body_stream set, no fields) for the handler to stream with
	 * req_read_chunk(), so a big upload never sits in memory whole.
	 */
	ROUTE_CSV = 1 << 4,
	/*
	 * An HTML form body (application/x-www-form-urlencoded or
	 * multipart/form-data, form.h) is also accepted: the core reads it
	 * whole into r->body (r->body_form set, no fields) for the handler
	 * to give to form_parse(). For public routes only (no session, no
	 * CSRF: route_table_ok() refuses the mix), whose authority is a
	 * token in the path, such as the one-click unsubscribe of RFC 8058,
	 * which mail clients POST from anywhere: the Origin check, a
	 * defence of sessions, does not apply to them.
	 */
	ROUTE_FORM = 1 << 5,
	/*
	 * The body is read whole and handed over as bytes, exactly as sent
	 * (r->body, r->bodylen): no Content-Type check, no JSON parsing, no
	 * fields. For a webhook whose signature covers the raw bytes.
	 */
	ROUTE_RAW = 1 << 6,
	/*
	 * Honours someone else's rights: a prospect's erasure or objection
	 * (deleting or erasing a prospect, adding to the suppression list).
	 * Allowed while the account is restricted (struct app's
	 * frozen_when_restricted): GDPR art. 18(2) lets restricted data be
	 * processed for the protection of another person's rights, and a
	 * user's restriction must not keep a prospect's objection waiting.
	 */
	ROUTE_RIGHTS = 1 << 7,
};

struct route {
	enum method		 method;
	const char		*pattern;
	route_fn		 fn;
	unsigned int		 flags;
	const struct field	*fields;	/* body fields, or NULL */
	size_t			 nfields;
	size_t			 body_max;	/* bytes; 0: the configured body_max */
};

enum route_rc {
	ROUTE_FOUND,
	ROUTE_NOT_FOUND,
	ROUTE_BAD_METHOD,
};

/*
 * Looks up method + path in tbl (ended by an entry whose pattern is NULL).
 * On ROUTE_FOUND, *out is the route and params[0..*nparams) the {…}
 * segments (copied into a). On ROUTE_BAD_METHOD, allow receives the
 * allowed methods ("GET, HEAD, POST"), truncated to allowlen.
 */
enum route_rc	route_match(const struct route *tbl, enum method method,
		    const char *path, struct arena *a, const struct route **out,
		    const char **params, size_t *nparams, char *allow,
		    size_t allowlen);

/* 1 if the table is well formed (patterns start with '/', {…} closed, no duplicates). */
int		route_table_ok(const struct route *tbl);

#endif
