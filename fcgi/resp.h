/*
 * Responses: JSON bodies and RFC 9457 problem details, with the headers
 * that belong to the application (nginx adds HSTS and the transport ones).
 * Every writer returns the status it wrote, so handlers end with
 * "return resp_…(r, …);". The _or_reply convention of the handlers means
 * one of these has already run.
 */
#ifndef PROSPEA_RESP_H
#define PROSPEA_RESP_H

#include <stddef.h>

#include <jansson.h>

struct req;

/* Adds a response header (name and value copied). At most REQ_HDRS_MAX. */
void	 resp_header(struct req *r, const char *name, const char *value);

/* Writes status with body as JSON. Steals the reference to body. */
int	 resp_json(struct req *r, int status, json_t *body);

/*
 * A body that is not JSON, sent as it is produced (a CSV export of any
 * size, never whole in memory): resp_stream_begin() writes the status
 * line and the headers with Content-Type ctype and returns status; then
 * resp_stream_write() sends len bytes at buf, as often as needed (nothing
 * for HEAD). 0, or -1 when the bytes could not be written (the client or
 * nginx went away: stop producing). Once begun the status is sent: a
 * failure later can only cut the body short, so callers check what can
 * fail (the first page of a query) before they begin.
 */
int	 resp_stream_begin(struct req *r, int status, const char *ctype);
int	 resp_stream_write(struct req *r, const void *buf, size_t len);

/* Writes a status without a body (204, or 202 with {}). */
int	 resp_empty(struct req *r, int status);

/*
 * Writes application/problem+json (RFC 9457 section 3): type is
 * "about:blank" when code is NULL, else PROBLEM_BASE + code, with "code"
 * repeated as an extension member for programs. title is the status'
 * reason phrase; detail is a sentence for people (static or the caller's;
 * never SQL, stack traces or secrets).
 */
int	 resp_problem(struct req *r, int status, const char *code,
	    const char *detail);

/*
 * resp_problem() with extension members (RFC 9457 section 3.2): the
 * members of the object ext (stolen) that the problem does not already
 * have, e.g. {"duplicate_of": "42"} on a 409.
 */
int	 resp_problem_ext(struct req *r, int status, const char *code,
	    const char *detail, json_t *ext);

/* A 400 validation problem with "errors": [{field, code, message}]. Steals errors. */
int	 resp_invalid(struct req *r, const char *detail, json_t *errors);

/*
 * A 422 problem with "errors": [{field, code, message, ...}] (more members
 * allowed, e.g. line and column): well-formed input that breaks a rule
 * of the data (an unknown merge tag, a port that contradicts its TLS
 * mode). Steals errors.
 */
int	 resp_invalid_semantic(struct req *r, const char *detail, json_t *errors);

/*
 * A 422 problem about one field: errors = [{field, code, message}]. For
 * semantic checks the field table cannot do (a password on the
 * common-passwords list, an outdated policy version).
 */
int	 resp_unprocessable(struct req *r, const char *field, const char *code,
	    const char *message);

/* A problem with Retry-After: seconds (429, 503). */
int	 resp_retry(struct req *r, int status, long seconds, const char *code,
	    const char *detail);

/*
 * Maps a db.h result that is not a success to its answer: DB_NONE 404,
 * DB_CONFLICT 409, DB_DOWN 503 with Retry-After, DB_ERR 500.
 */
int	 resp_db(struct req *r, int rc);

/* The reason phrase of an HTTP status (RFC 9110 section 15). */
const char *resp_reason(int status);

#define PROBLEM_BASE	"https://prospea.fr/problems/"

#endif
