/*
 * Response writing over the FastCGI stdout stream. Headers are gathered in
 * the request and written once with the body.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <fcgiapp.h>

#include "arena.h"
#include "db.h"
#include "log.h"
#include "query.h"
#include "req.h"
#include "resp.h"
#include "route.h"

struct reason {
	int		 status;
	const char	*text;
};

static const struct reason reasons[] = {
	{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
	{ 204, "No Content" }, { 400, "Bad Request" },
	{ 401, "Unauthorized" }, { 402, "Payment Required" },
	{ 403, "Forbidden" }, { 404, "Not Found" },
	{ 405, "Method Not Allowed" }, { 409, "Conflict" },
	{ 413, "Content Too Large" }, { 415, "Unsupported Media Type" },
	{ 422, "Unprocessable Content" }, { 423, "Locked" },
	{ 429, "Too Many Requests" }, { 500, "Internal Server Error" },
	{ 502, "Bad Gateway" }, { 503, "Service Unavailable" }, { 0, NULL }
};

const char *
resp_reason(int status)
{
	const struct reason	*p;

	for (p = reasons; p->text != NULL; p++)
		if (p->status == status)
			return p->text;
	return "Unknown";
}

void
resp_header(struct req *r, const char *name, const char *value)
{
	if (r->nhdrs == REQ_HDRS_MAX)
		abort();
	r->hdrs[r->nhdrs].name = arena_strdup(r->arena, name);
	r->hdrs[r->nhdrs].value = arena_strdup(r->arena, value);
	r->nhdrs++;
}

static int
resp_has(const struct req *r, const char *name)
{
	size_t	 i;

	for (i = 0; i < r->nhdrs; i++)
		if (strcasecmp(r->hdrs[i].name, name) == 0)
			return 1;
	return 0;
}

/* Writes status line, headers and body; len 0 with body NULL for none. */
static int
resp_write(struct req *r, int status, const char *ctype, const char *body,
    size_t len)
{
	FCGX_Stream	*out = r->fcgi->out;
	size_t		 i;

	if (r->status != 0) {
		log_err("a second response for one request (%d after %d)",
		    status, r->status);
		return r->status;
	}
	r->status = status;
	FCGX_FPrintF(out, "Status: %d %s\r\n", status, resp_reason(status));
	if (ctype != NULL)
		FCGX_FPrintF(out, "Content-Type: %s\r\n", ctype);
	if (!resp_has(r, "Cache-Control"))
		FCGX_PutS("Cache-Control: no-store\r\n", out);
	FCGX_PutS("X-Content-Type-Options: nosniff\r\n"
	    "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n"
	    "Referrer-Policy: no-referrer\r\n"
	    "Cross-Origin-Resource-Policy: same-origin\r\n", out);
	FCGX_FPrintF(out, "X-Request-Id: %s\r\n", r->id);
	for (i = 0; i < r->nhdrs; i++)
		FCGX_FPrintF(out, "%s: %s\r\n", r->hdrs[i].name, r->hdrs[i].value);
	FCGX_PutS("\r\n", out);
	if (body != NULL && len > 0 && r->method != M_HEAD)
		FCGX_PutStr(body, (int)len, out);
	return status;
}

int
resp_json(struct req *r, int status, json_t *body)
{
	char	*s;
	int	 rc;

	/* Ten digits: a rating of 4.6 reads 4.6, not 4.5999999999999996. */
	if ((s = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(10))) ==
	    NULL)
		abort();
	json_decref(body);
	rc = resp_write(r, status, "application/json; charset=utf-8", s,
	    strlen(s));
	free(s);
	return rc;
}

int
resp_stream_begin(struct req *r, int status, const char *ctype)
{
	return resp_write(r, status, ctype, NULL, 0);
}

int
resp_stream_write(struct req *r, const void *buf, size_t len)
{
	const char	*p = buf;
	int		 n;

	if (r->method == M_HEAD)
		return 0;
	while (len > 0) {
		n = len > INT_MAX ? INT_MAX : (int)len;
		if (FCGX_PutStr(p, n, r->fcgi->out) != n)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
resp_empty(struct req *r, int status)
{
	if (status == 204)
		return resp_write(r, status, NULL, NULL, 0);
	return resp_write(r, status, "application/json; charset=utf-8", "{}", 2);
}

static int
resp_problem_json(struct req *r, int status, const char *code,
    const char *detail, json_t *errors, json_t *ext)
{
	json_t	*p;
	char	*s;
	int	 rc;

	/* A detail that is not UTF-8 would make json_pack() fail: never send one. */
	if (detail != NULL && !query_utf8_ok((const unsigned char *)detail,
	    strlen(detail))) {
		log_err("a problem detail was not valid UTF-8 (status %d)", status);
		detail = NULL;
	}
	p = json_pack("{s:s, s:s, s:i, s:s}",
	    "type", code != NULL ? arena_printf(r->arena, PROBLEM_BASE "%s", code) :
	    "about:blank",
	    "title", resp_reason(status), "status", status,
	    "detail", detail != NULL ? detail : resp_reason(status));
	if (p == NULL)
		abort();
	if (code != NULL)
		json_object_set_new(p, "code", json_string(code));
	r->problem = code;
	if (errors != NULL)
		json_object_set_new(p, "errors", errors);
	if (ext != NULL) {
		json_object_update_missing(p, ext);
		json_decref(ext);
	}
	if ((s = json_dumps(p, JSON_COMPACT)) == NULL)
		abort();
	json_decref(p);
	rc = resp_write(r, status, "application/problem+json", s, strlen(s));
	free(s);
	return rc;
}

int
resp_problem(struct req *r, int status, const char *code, const char *detail)
{
	return resp_problem_json(r, status, code, detail, NULL, NULL);
}

int
resp_problem_ext(struct req *r, int status, const char *code,
    const char *detail, json_t *ext)
{
	return resp_problem_json(r, status, code, detail, NULL, ext);
}

int
resp_invalid(struct req *r, const char *detail, json_t *errors)
{
	return resp_problem_json(r, 400, "validation", detail, errors, NULL);
}

int
resp_invalid_semantic(struct req *r, const char *detail, json_t *errors)
{
	return resp_problem_json(r, 422, "invalid", detail, errors, NULL);
}

int
resp_unprocessable(struct req *r, const char *field, const char *code,
    const char *message)
{
	json_t	*errors;

	errors = json_pack("[{s:s, s:s, s:s}]", "field", field, "code", code,
	    "message", message);
	return resp_problem_json(r, 422, code, message, errors, NULL);
}

int
resp_retry(struct req *r, int status, long seconds, const char *code,
    const char *detail)
{
	char	 buf[32];

	snprintf(buf, sizeof(buf), "%ld", seconds < 1 ? 1 : seconds);
	resp_header(r, "Retry-After", buf);
	return resp_problem(r, status, code, detail);
}

int
resp_db(struct req *r, int rc)
{
	switch (rc) {
	case DB_NONE:
		return resp_problem(r, 404, "not_found",
		    "There is nothing here, or it is not yours.");
	case DB_CONFLICT:
		return resp_problem(r, 409, "conflict",
		    "This conflicts with data that already exists.");
	case DB_DOWN:
		return resp_retry(r, 503, 5, "unavailable",
		    "The service is briefly unavailable. Try again shortly.");
	default:
		/* The answer says it was logged: make it true, once, here. */
		log_err("%s %s: internal error (db errno %u)", r->method_str,
		    r->route != NULL ? r->route->pattern : r->path,
		    r->db != NULL ? db_errno(r->db) : 0);
		return resp_problem(r, 500, "internal",
		    "Something went wrong on our side. It has been logged.");
	}
}
