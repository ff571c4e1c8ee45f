/*
 * The FastCGI accept loop and the request pipeline shared by all handler
 * programs. See app.h.
 */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <jansson.h>
#include <sodium.h>

#include "app.h"
#include "arena.h"
#include "conf.h"
#include "db.h"
#include "field.h"
#include "form.h"
#include "log.h"
#include "req.h"
#include "resp.h"
#include "route.h"
#include "secret.h"
#include "sess.h"

static volatile sig_atomic_t app_stop;

static void
app_on_signal(int sig)
{
	(void)sig;
	app_stop = 1;
}

/* Jansson's strings may hold passwords: wipe every block it frees. */
static void
app_json_free(void *p)
{
	if (p != NULL) {
		sodium_memzero(p, malloc_usable_size(p));
		free(p);
	}
}

/*
 * 1 if ctype is text/csv (RFC 4180 section 3), whatever its parameters
 * (charset, header): the import code detects the encoding from the bytes,
 * since spreadsheets label their files unreliably.
 */
int
app_is_csv(const char *ctype)
{
	static const char type[] = "text/csv";
	size_t		 n = sizeof(type) - 1;

	return ctype != NULL && strncasecmp(ctype, type, n) == 0 &&
	    (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ' ||
	    ctype[n] == '\t');
}

/*
 * 1 if ctype is application/json (RFC 8259 section 11), with at most a
 * charset parameter, which must then be UTF-8: "application/json",
 * "application/json; charset=utf-8". Anything else is answered 415.
 */
int
app_is_json(const char *ctype)
{
	static const char type[] = "application/json";
	const char	*p;
	size_t		 n = sizeof(type) - 1;

	if (ctype == NULL || strncasecmp(ctype, type, n) != 0)
		return 0;
	p = ctype + n;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return 1;
	if (*p++ != ';')
		return 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, "charset=", 8) != 0)
		return 0;
	p += 8;
	if (*p == '"')
		return strcasecmp(p, "\"utf-8\"") == 0;
	return strcasecmp(p, "utf-8") == 0;
}

/*
 * Reads the body (at most max bytes): 0, or the status of the problem
 * written (413, or 400 for a body shorter than its Content-Length).
 */
static int
app_read_body_or_reply(struct req *r, size_t max)
{
	int	 rc;

	if ((rc = req_read_body(r, max)) == 0)
		return 0;
	return resp_problem(r, rc, rc == 413 ? "too_large" : "incomplete_body",
	    rc == 413 ? "The body is larger than this resource accepts." :
	    "The body is shorter than its Content-Length.");
}

/*
 * A security event for this request (sess_event()); a failure is logged,
 * never answered: the request's own answer does not depend on it.
 */
static void
app_event(struct req *r, const char *kind)
{
	int	 rc;

	if ((rc = sess_event(r, 0, kind)) != DB_OK)
		log_warn("security event %s not recorded (%d)", kind, rc);
}

/* Runs one request through the pipeline; returns the status written. */
static int
app_dispatch(struct req *r, const struct app *app)
{
	const struct route	*rt;
	struct field_res	 fr;
	char			 allow[64];
	size_t			 max;
	int			 rc;

	switch (route_match(app->routes, r->method, r->path, r->arena, &rt,
	    r->params, &r->nparams, allow, sizeof(allow))) {
	case ROUTE_NOT_FOUND:
		return resp_problem(r, 404, "not_found", "No such resource.");
	case ROUTE_BAD_METHOD:
		resp_header(r, "Allow", allow);
		return resp_problem(r, 405, "method_not_allowed",
		    "This resource does not accept this method.");
	case ROUTE_FOUND:
		break;
	}
	r->route = rt;

	if ((rt->flags & (ROUTE_SESSION | ROUTE_SESSION_OPT)) &&
	    r->session_token != NULL) {
		rc = sess_load(r);
		if (rc == DB_DOWN || rc == DB_ERR)
			return resp_db(r, rc);
	}
	if ((rt->flags & ROUTE_SESSION) && r->sess == NULL) {
		if (r->session_sent)
			sess_cookie_clear(r);
		return resp_problem(r, 401, "unauthenticated",
		    "Sign in to continue: there is no session, or it has ended.");
	}
	/*
	 * An administrator's session must have passed the second factor, and
	 * the factor must still be on: a session verified before the factor
	 * was turned off does not count (issue 6: TOTP for every admin).
	 */
	if ((rt->flags & ROUTE_ADMIN) &&
	    (strcmp(r->sess->role, "admin") != 0 || !r->sess->totp_enabled ||
	    !r->sess->totp_verified)) {
		/* A try at the admin routes is a security event of its own. */
		app_event(r, "admin_refused");
		return resp_problem(r, 403, "forbidden",
		    "This needs an administrator signed in with a second factor.");
	}
	if (rt->flags & ROUTE_ADMIN)
		r->admin_call = 1;

	if (r->method != M_GET && r->method != M_HEAD) {
		if (r->origin != NULL && !(rt->flags & ROUTE_FORM) &&
		    !conf_origin_allowed(r->conf, r->origin))
			return resp_problem(r, 403, "origin",
			    "Requests from this origin are not allowed.");
		if ((rt->flags & ROUTE_CSRF) && !sess_csrf_ok(r)) {
			app_event(r, "csrf_rejected");
			return resp_problem(r, 403, "csrf",
			    "Missing or wrong X-CSRF-Token header.");
		}
		if (app->frozen_when_restricted && r->sess != NULL &&
		    r->sess->restricted && !(rt->flags & ROUTE_RIGHTS))
			return resp_problem(r, 423, "restricted",
			    "Processing of this account's data is restricted at "
			    "your request (GDPR art. 18): it can be read, not "
			    "changed, and nothing is sent, imported or enriched. "
			    "Lift the restriction in your privacy settings to "
			    "continue.");
		if ((rt->flags & ROUTE_CSV) && r->has_length &&
		    r->content_length > 0 && app_is_csv(r->content_type)) {
			/* The handler streams it: no fields, all absent. */
			r->body_stream = 1;
			r->vals = arena_alloc(r->arena,
			    sizeof(json_t *) * (rt->nfields + 1));
			return rt->fn(r);
		}
		max = rt->body_max != 0 ? rt->body_max : (size_t)r->conf->body_max;
		if (rt->flags & ROUTE_RAW) {
			/* The handler judges the bytes itself (a signature). */
			if ((rc = app_read_body_or_reply(r, max)) != 0)
				return rc;
			r->vals = arena_alloc(r->arena, sizeof(json_t *));
			return rt->fn(r);
		}
		if ((rt->flags & ROUTE_FORM) && r->has_length &&
		    r->content_length > 0 && form_type(r->content_type) !=
		    FORM_NONE) {
			/* The handler parses it: no fields, all absent. */
			if ((rc = app_read_body_or_reply(r, max)) != 0)
				return rc;
			r->body_form = 1;
			r->vals = arena_alloc(r->arena,
			    sizeof(json_t *) * (rt->nfields + 1));
			return rt->fn(r);
		}
		if (r->has_length && r->content_length > 0 &&
		    !app_is_json(r->content_type))
			return resp_problem(r, 415, "unsupported_media_type",
			    (rt->flags & ROUTE_CSV) ?
			    "Send the body as text/csv or application/json." :
			    (rt->flags & ROUTE_FORM) ?
			    "Send the body as application/x-www-form-urlencoded or multipart/form-data." :
			    "Send the body as application/json.");
		if ((rc = app_read_body_or_reply(r, max)) != 0)
			return rc;
		r->vals = arena_alloc(r->arena, sizeof(json_t *) *
		    (rt->nfields > 0 ? rt->nfields : 1));
		switch (field_parse(&fr, r->vals, r->body, r->bodylen,
		    rt->fields, rt->nfields)) {
		case FIELD_OK:
			r->json = fr.root;
			fr.root = NULL;
			field_res_free(&fr);
			break;
		case FIELD_MALFORMED:
			rc = resp_problem(r, 400, "malformed", fr.detail);
			field_res_free(&fr);
			return rc;
		case FIELD_INVALID:
			rc = resp_invalid(r, "Some fields are missing or invalid.",
			    fr.errors);
			fr.errors = NULL;
			field_res_free(&fr);
			return rc;
		}
	}

	return rt->fn(r);
}

static void
app_print_routes(const struct route *tbl)
{
	const struct route	*r;

	for (r = tbl; r->pattern != NULL; r++)
		printf("%s %s\n", method_names[r->method], r->pattern);
}

static void
app_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-c config-file] [--routes | --check]\n", prog);
}

int
app_main(int argc, char *argv[], const struct app *app)
{
	struct conf		 conf;
	struct db		*db;
	struct arena		*arena;
	struct req		 r;
	FCGX_Request		 fr;
	struct sigaction	 sa;
	enum log_level		 lvl;
	const char		*cfile = NULL;
	char			 prog[64];
	int			 i, check = 0, status, rc = 0;

	snprintf(prog, sizeof(prog), "prospea-%s", app->name);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			cfile = argv[++i];
		else if (strcmp(argv[i], "--routes") == 0) {
			app_print_routes(app->routes);
			return 0;
		} else if (strcmp(argv[i], "--check") == 0)
			check = 1;
		else {
			app_usage(prog);
			return 2;
		}
	}
	if (!route_table_ok(app->routes)) {
		fprintf(stderr, "%s: the route table is malformed\n", prog);
		return 1;
	}
	if (conf_load(&conf, cfile, app->db_user) == -1) {
		fprintf(stderr, "%s: configuration rejected, not starting\n", prog);
		return 2;
	}
	log_level_parse(conf.log_level, &lvl);
	log_init(strdup(prog), lvl);
	json_set_alloc_funcs(malloc, app_json_free);
	if (secret_init(conf.master_key_file) == -1)
		return 1;
	if ((db = db_open(&conf, app->tables, app->ntables)) == NULL) {
		log_err("cannot prepare the statements: not starting");
		return 1;
	}
	if (app->init != NULL && app->init(&conf, db) == -1)
		return 1;
	if (check) {
		if (db_is_down(db)) {
			fprintf(stderr, "%s: the database is unreachable\n", prog);
			return 1;
		}
		printf("%s: configuration, keys and %s statements are fine\n",
		    prog, app->name);
		db_free(db);
		return 0;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = app_on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: accept() must return */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, 0,
	    FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_err("cannot initialise libfcgi");
		return 1;
	}
	arena = arena_new();
	log_info("ready: %s serving on fd 0", prog);
	while (!app_stop) {
		if (FCGX_Accept_r(&fr) < 0) {
			if (app_stop || errno == EINTR)
				continue;
			/* Not ours to fix: the supervisor starts a fresh child. */
			log_err("FCGX_Accept_r failed: %s", strerror(errno));
			rc = 1;
			break;
		}
		status = req_init(&r, &fr, arena, &conf, db);
		if (status != 0)
			resp_problem(&r, status, "bad_request",
			    "The request line or query string is malformed, or "
			    "gives a parameter twice.");
		else
			app_dispatch(&r, app);
		if (r.admin_call && !r.audited && r.status != 0 &&
		    app->unaudited != NULL)
			app->unaudited(&r);
		if (r.status == 429 && r.problem != NULL &&
		    strcmp(r.problem, "rate_limited") == 0)
			app_event(&r, "rate_limited");
		if (r.status == 0) {
			log_err("%s %s: the handler wrote no response",
			    r.method_str, r.route != NULL ? r.route->pattern : "-");
			resp_problem(&r, 500, "internal",
			    "Something went wrong on our side. It has been logged.");
		}
		log_request(r.id, r.method_str, r.route != NULL ?
		    r.route->pattern : "-", r.status, req_elapsed_ms(&r),
		    r.sess != NULL ? r.sess->user_id : 0);
		db_user_clear(db);
		FCGX_Finish_r(&fr);
		req_free(&r);
	}
	log_info("stopping");
	FCGX_Free(&fr, 1);
	arena_free(arena);
	db_free(db);
	secret_fini();
	conf_free(&conf);
	return rc;
}
