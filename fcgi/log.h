/*
 * Logging: one JSON object per line on standard error, which spawn-fcgi and
 * systemd hand to the journal (or, under ./dev, to a file in var/log/).
 * Callers never pass secrets, passwords, tokens or cookies here: the request
 * line names the route pattern, never the raw path or query.
 */
#ifndef PROSPEA_LOG_H
#define PROSPEA_LOG_H

#include <stdint.h>

enum log_level {
	LOGL_DEBUG,
	LOGL_INFO,
	LOGL_WARN,
	LOGL_ERR,
	LOGL__MAX
};

/*
 * Sets the program name written in every line and the lowest level
 * written. prog is borrowed and must outlive the program.
 */
void	log_init(const char *prog, enum log_level min);

/* Parses "debug", "info", "warn", "err". 0 on success, -1 otherwise. */
int	log_level_parse(const char *s, enum log_level *out);

/* A free-text line at a level. The text is JSON-escaped. */
void	log_msg(enum log_level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#define log_debug(...)	log_msg(LOGL_DEBUG, __VA_ARGS__)
#define log_info(...)	log_msg(LOGL_INFO, __VA_ARGS__)
#define log_warn(...)	log_msg(LOGL_WARN, __VA_ARGS__)
#define log_err(...)	log_msg(LOGL_ERR, __VA_ARGS__)

/*
 * The access line of one request: request id, method, route pattern (not
 * the path: ids and tokens stay out of logs), status, duration in
 * milliseconds, user id (0 when anonymous). All strings borrowed.
 */
void	log_request(const char *req_id, const char *method, const char *route,
	    int status, double ms, uint64_t user_id);

#endif
