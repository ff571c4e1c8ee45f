/*
 * Request-lifetime memory: many small allocations released in one call.
 * A request (struct req) owns one arena; everything parsed from the request
 * lives there, so the accept loop frees a whole request with arena_free().
 * Out of memory aborts: the supervisor restarts the child (STYLE.md).
 */
#ifndef PROSPEA_ARENA_H
#define PROSPEA_ARENA_H

#include <stddef.h>

struct arena;

/* A new, empty arena. Owned: release with arena_free(). Never NULL. */
struct arena	*arena_new(void);

/* Releases the arena and every block it handed out. NULL is a no-op. */
void		 arena_free(struct arena *);

/*
 * Releases every block but keeps the first chunk for reuse, so a
 * long-running loop does not go back to malloc for each request.
 */
void		 arena_reset(struct arena *);

/* n bytes, aligned for any type, zeroed. Borrowed from the arena. */
void		*arena_alloc(struct arena *, size_t n);

/* A NUL-terminated copy of s (NULL gives NULL). Borrowed from the arena. */
char		*arena_strdup(struct arena *, const char *s);

/* A NUL-terminated copy of the n bytes at p. Borrowed from the arena. */
char		*arena_strndup(struct arena *, const char *p, size_t n);

/* printf into the arena. Borrowed from the arena. */
char		*arena_printf(struct arena *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

#endif
