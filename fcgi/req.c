/*
 * Request parsing from FastCGI parameters (the CGI variables nginx sends,
 * RFC 3875 section 4.1). See req.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "arena.h"
#include "conf.h"
#include "cookie.h"
#include "req.h"
#include "sess.h"

const char *const method_names[M__MAX] = {
	[M_GET] = "GET",
	[M_HEAD] = "HEAD",
	[M_POST] = "POST",
	[M_PUT] = "PUT",
	[M_PATCH] = "PATCH",
	[M_DELETE] = "DELETE",
};

static const char *
req_env(const struct req *r, const char *name)
{
	return FCGX_GetParam(name, r->fcgi->envp);
}

/* How many times name=... appears in the parameter list. */
static size_t
req_env_count(const struct req *r, const char *name)
{
	char	**e;
	size_t	  n = 0, len = strlen(name);

	for (e = r->fcgi->envp; e != NULL && *e != NULL; e++)
		if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
			n++;
	return n;
}

/* Strict decimal CONTENT_LENGTH: digits only, no sign, no overflow. */
static int
req_length(const char *s, size_t *out)
{
	size_t	 v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (SIZE_MAX - 9) / 10)
			return -1;
		v = v * 10 + (size_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static void
req_make_id(struct req *r)
{
	const char	*v = req_env(r, "REQUEST_ID");
	unsigned char	 raw[REQ_ID_LEN / 2];

	/* nginx's $request_id: 32 hex digits. Anything else is replaced. */
	if (v != NULL && strlen(v) == REQ_ID_LEN &&
	    strspn(v, "0123456789abcdef") == REQ_ID_LEN) {
		memcpy(r->id, v, REQ_ID_LEN + 1);
		return;
	}
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(r->id, sizeof(r->id), raw, sizeof(raw));
}

/*
 * A header value fit for a text column: at most max bytes cut on a
 * character boundary, bytes that are not UTF-8 or are control characters
 * replaced by '?'. Headers are bytes; columns are utf8mb4.
 */
static const char *
req_clean(struct arena *a, const char *v, size_t max)
{
	char	*out;
	size_t	 i = 0, o = 0, n, len;

	if (v == NULL)
		return "";
	len = strlen(v);
	out = arena_alloc(a, (len < max ? len : max) + 1);
	while (i < len) {
		unsigned char c = (unsigned char)v[i];
		n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		if (o + n > max)
			break;
		if (c < 0x20 || c == 0x7f || i + n > len ||
		    (n > 1 && !query_utf8_ok((const unsigned char *)v + i, n))) {
			out[o++] = '?';
			i++;
			continue;
		}
		memcpy(out + o, v + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	return out;
}

int
req_init(struct req *r, FCGX_Request *f, struct arena *a, const struct conf *c,
    struct db *db)
{
	const char	*v, *tok;
	size_t		 i;

	memset(r, 0, sizeof(*r));
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	r->fcgi = f;
	r->arena = a;
	r->conf = c;
	r->db = db;
	req_make_id(r);

	r->method_str = (v = req_env(r, "REQUEST_METHOD")) != NULL ? v : "";
	r->method = M__MAX;
	for (i = 0; i < M__MAX; i++)
		if (strcmp(r->method_str, method_names[i]) == 0)
			r->method = (enum method)i;

	/* DOCUMENT_URI: the normalised, decoded path without the query. */
	r->path = req_env(r, "DOCUMENT_URI");
	if (r->path == NULL || r->path[0] != '/' ||
	    !query_utf8_ok((const unsigned char *)r->path, strlen(r->path)))
		return 400;
	for (v = r->path; *v != '\0'; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return 400;
	if (query_parse(a, req_env(r, "QUERY_STRING"), &r->query,
	    &r->nquery) == -1)
		return 400;
	/* No route takes a parameter twice: which one counts is a guess. */
	for (i = 0; i < r->nquery; i++)
		if (query_get(r->query, i, r->query[i].key, NULL) != NULL)
			return 400;

	/*
	 * Headers that decide on security must be unambiguous: a browser never
	 * sends two, so two is a forged or broken request.
	 */
	if (req_env_count(r, "HTTP_ORIGIN") > 1 ||
	    req_env_count(r, "HTTP_X_CSRF_TOKEN") > 1 ||
	    req_env_count(r, "CONTENT_TYPE") > 1 ||
	    req_env_count(r, "HTTP_CONTENT_TYPE") > 1)
		return 400;
	r->remote_addr = (v = req_env(r, "REMOTE_ADDR")) != NULL ? v : "";
	r->user_agent = req_clean(a, req_env(r, "HTTP_USER_AGENT"),
	    REQ_UA_MAX);
	r->origin = req_env(r, "HTTP_ORIGIN");
	r->content_type = req_env(r, "CONTENT_TYPE");
	if ((v = req_env(r, "CONTENT_LENGTH")) != NULL && *v != '\0') {
		if (req_length(v, &r->content_length) == -1)
			return 400;
		r->has_length = 1;
	}

	/*
	 * The session cookie counts only if it is unambiguous: one Cookie
	 * parameter holding the name once. Anything else is no session.
	 */
	v = req_env(r, "HTTP_COOKIE");
	if (v != NULL) {
		switch (cookie_find(a, v, SESS_COOKIE, &tok)) {
		case COOKIE_FOUND:
			r->session_sent = 1;
			if (req_env_count(r, "HTTP_COOKIE") == 1)
				r->session_token = tok;
			break;
		case COOKIE_AMBIGUOUS:
		case COOKIE_MALFORMED:
			r->session_sent = strstr(v, SESS_COOKIE) != NULL;
			break;
		case COOKIE_ABSENT:
			break;
		}
	}
	return 0;
}

int
req_read_body(struct req *r, size_t max)
{
	int	 n;

	if (!r->has_length || r->content_length == 0)
		return 0;
	if (r->content_length > max)
		return 413;
	r->body = arena_alloc(r->arena, r->content_length + 1);
	n = FCGX_GetStr(r->body, (int)r->content_length, r->fcgi->in);
	if (n < 0 || (size_t)n != r->content_length)
		return 400;
	r->body[n] = '\0';
	r->bodylen = (size_t)n;
	return 0;
}

long
req_read_chunk(struct req *r, void *buf, size_t len)
{
	size_t	 left = r->content_length - r->body_read;
	int	 n;

	if (!r->has_length || left == 0)
		return 0;
	if (len > left)
		len = left;
	if (len > INT_MAX)
		len = INT_MAX;
	n = FCGX_GetStr(buf, (int)len, r->fcgi->in);
	if (n <= 0)
		return -1;
	r->body_read += (size_t)n;
	return n;
}

const char *
req_header(const struct req *r, const char *cgi_name)
{
	return req_env(r, cgi_name);
}

size_t
req_header_count(const struct req *r, const char *cgi_name)
{
	return req_env_count(r, cgi_name);
}

const char *
req_query(const struct req *r, const char *key)
{
	return query_get(r->query, r->nquery, key, NULL);
}

const char *
req_param(const struct req *r, size_t i)
{
	return i < r->nparams ? r->params[i] : NULL;
}


/* Parses a positive decimal without leading zeros, at most 19 digits. */
static uint64_t
req_id(const char *s)
{
	uint64_t	 v = 0;
	size_t		 n;

	if (s == NULL || (n = strlen(s)) == 0 || n > 19 || s[0] == '0' ||
	    strspn(s, "0123456789") != n)
		return 0;
	for (; *s != '\0'; s++)
		v = v * 10 + (uint64_t)(*s - '0');
	return v;
}

#define REQ_PAGE_MAX	200	/* items a page at most */

/* 1 if ?limit= is absent or 1..REQ_PAGE_MAX. */
static int
req_limit_ok(const char *l)
{
	uint64_t	 v;

	return l == NULL || ((v = req_id(l)) != 0 && v <= REQ_PAGE_MAX);
}

int
req_page(const struct req *r, long *limit, uint64_t *cursor)
{
	const char	*l = req_query(r, "limit"), *c = req_query(r, "cursor");
	uint64_t	 v;

	*limit = 50;
	*cursor = UINT64_MAX;
	if (l != NULL) {
		if (!req_limit_ok(l))
			return -1;
		*limit = (long)req_id(l);
	}
	if (c != NULL) {
		if ((v = req_id(c)) == 0)
			return -1;
		*cursor = v;
	}
	return 0;
}

const char *
req_page_bad(const struct req *r)
{
	return req_limit_ok(req_query(r, "limit")) ? "cursor" : "limit";
}

uint64_t
req_param_id(const struct req *r, size_t i)
{
	return req_id(req_param(r, i));
}

static json_t *
req_val(const struct req *r, size_t i)
{
	return r->vals != NULL ? r->vals[i] : NULL;
}

const char *
req_str(const struct req *r, size_t i)
{
	json_t	*v = req_val(r, i);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

int
req_true(const struct req *r, size_t i)
{
	return json_is_true(req_val(r, i));
}

int
req_has(const struct req *r, size_t i)
{
	return req_val(r, i) != NULL;
}

long long
req_int(const struct req *r, size_t i)
{
	json_t	*v = req_val(r, i);

	return json_is_integer(v) ? json_integer_value(v) : 0;
}

double
req_elapsed_ms(const struct req *r)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - r->start.tv_sec) * 1e3 +
	    (double)(now.tv_nsec - r->start.tv_nsec) / 1e6;
}

void
req_free(struct req *r)
{
	/* The body may hold a password: wipe before the arena is reused. */
	if (r->body != NULL)
		sodium_memzero(r->body, r->bodylen);
	json_decref(r->json);
	r->json = NULL;
	arena_reset(r->arena);
}
