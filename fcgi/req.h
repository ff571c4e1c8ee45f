/*
 * One FastCGI request, parsed. struct req owns everything parsed from the
 * request (in its arena and its JSON document); req_free() releases it all
 * at the end of each accept iteration. Parameters are read from the
 * request's own parameter list and never copied into environ, so nothing
 * of one request can leak into the next or into a child process.
 */
#ifndef PROSPEA_REQ_H
#define PROSPEA_REQ_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <fcgiapp.h>
#include <jansson.h>

#include "query.h"

struct arena;
struct conf;
struct db;
struct route;
struct sess;

enum method {
	M_GET,
	M_HEAD,
	M_POST,
	M_PUT,
	M_PATCH,
	M_DELETE,
	M__MAX		/* also "a method we do not serve" */
};

extern const char *const method_names[M__MAX];

#define REQ_PARAMS_MAX	4
#define REQ_HDRS_MAX	16
#define REQ_ID_LEN	32
#define REQ_UA_MAX	512	/* bytes of User-Agent kept */

struct req_hdr {
	const char	*name;
	const char	*value;
};

struct req {
	FCGX_Request		*fcgi;
	struct arena		*arena;
	const struct conf	*conf;
	struct db		*db;

	enum method		 method;
	const char		*method_str;	/* as sent, for logs */
	const char		*path;		/* DOCUMENT_URI, decoded by nginx */
	struct kv		*query;
	size_t			 nquery;
	const struct route	*route;		/* matched route */
	const char		*params[REQ_PARAMS_MAX];	/* {id} values */
	size_t			 nparams;

	const char		*remote_addr;
	const char		*user_agent;	/* valid UTF-8, <= REQ_UA_MAX bytes */
	const char		*origin;	/* Origin header or NULL */
	const char		*content_type;
	int			 has_length;	/* CONTENT_LENGTH was given */
	size_t			 content_length;
	const char		*session_token;	/* the session cookie, if unambiguous */
	int			 session_sent;	/* a session cookie came, valid or not */

	char			*body;		/* NUL-terminated, bodylen bytes */
	int			 body_stream;	/* text/csv on a ROUTE_CSV route: unread */
	int			 body_form;	/* a form on a ROUTE_FORM route: in body */
	size_t			 body_read;	/* bytes req_read_chunk() returned */
	size_t			 bodylen;
	json_t			*json;		/* owned parsed body, or NULL */
	json_t			**vals;		/* one per route field, borrowed */

	struct sess		*sess;		/* NULL when anonymous */
	char			 id[REQ_ID_LEN + 1];
	struct timespec		 start;

	/* response state */
	struct req_hdr		 hdrs[REQ_HDRS_MAX];
	size_t			 nhdrs;
	int			 status;	/* 0 until a response is written */
	int			 admin_call;	/* passed the ROUTE_ADMIN check */
	int			 audited;	/* the call wrote its audit row */
	const char		*problem;	/* the problem's code, or NULL */
};

/*
 * Parses the request's parameters into r (zeroed first): method, path,
 * query, remote address, user agent, Origin, Content-Type and -Length,
 * session cookie, request id. Returns 0, or the HTTP status to answer
 * (400) when the request line cannot be served. Two Cookie parameters, or
 * the session cookie twice, leave r->session_token NULL.
 */
int		 req_init(struct req *r, FCGX_Request *f, struct arena *a,
		    const struct conf *c, struct db *db);

/*
 * Reads the body: exactly CONTENT_LENGTH bytes and no more. 0 when read
 * (or there is none), 413 when it is over max bytes, 400 when the stream
 * ends early (a client that lied or hung up).
 */
int		 req_read_body(struct req *r, size_t max);

/*
 * Reads the next at most len bytes of a streamed body (r->body_stream)
 * into buf. Returns the number of bytes read, 0 at the end of the
 * CONTENT_LENGTH bytes, or -1 when the stream ends early (the client lied
 * or hung up: answer 400).
 */
long		 req_read_chunk(struct req *r, void *buf, size_t len);
/* A request header by CGI name ("HTTP_X_CSRF_TOKEN"), or NULL. Borrowed. */
const char	*req_header(const struct req *r, const char *cgi_name);

/* How many times a header came (its CGI name repeated in the parameters). */
size_t		 req_header_count(const struct req *r, const char *cgi_name);

/* The first query value for key, or NULL. Borrowed. */
const char	*req_query(const struct req *r, const char *key);

/* Path parameter i ({id} in the pattern), or NULL. Borrowed. */
const char	*req_param(const struct req *r, size_t i);

/*
 * Path parameter i as a positive id (decimal, no sign, no leading zero,
 * at most 19 digits). 0 when it is not one: callers answer 404.
 */
uint64_t	 req_param_id(const struct req *r, size_t i);

/*
 * List paging from ?limit= (1..200, default 50) and ?cursor= (an id from
 * a previous answer's next_cursor; absent: from the start). 0, or -1
 * when either is malformed (answer 400). *cursor is UINT64_MAX when
 * absent, so "id < cursor" selects from the newest.
 */
int		 req_page(const struct req *r, long *limit, uint64_t *cursor);

/* After req_page() refused: the parameter at fault, "limit" or "cursor". */
const char	*req_page_bad(const struct req *r);

/* Validated body field i of the route's table: string, or NULL if absent/null. */
const char	*req_str(const struct req *r, size_t i);

/* Body field i: 1 if present and true. */
int		 req_true(const struct req *r, size_t i);

/* Body field i: 1 if present (null included). */
int		 req_has(const struct req *r, size_t i);

/* Body field i as an integer (0 if absent). */
long long	 req_int(const struct req *r, size_t i);

/* Milliseconds since the request started. */
double		 req_elapsed_ms(const struct req *r);

/* Releases all the request owns; r can then be reused. */
void		 req_free(struct req *r);

#endif
