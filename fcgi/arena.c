/*
 * Request-lifetime memory: a chain of chunks, bump-allocated. Large blocks
 * get a chunk of their own so a big request body does not waste a chunk.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define ARENA_CHUNK	8192
#define ARENA_ALIGN	16

struct chunk {
	struct chunk	*next;
	size_t		 size;	/* usable bytes after the header */
	size_t		 used;
	/* data follows, aligned */
};

struct arena {
	struct chunk	*head;
};

static size_t
arena_hdr(void)
{
	return (sizeof(struct chunk) + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

static struct chunk *
arena_chunk(size_t size)
{
	struct chunk	*c;

	if (size > SIZE_MAX - arena_hdr())
		abort();
	if ((c = malloc(arena_hdr() + size)) == NULL)
		abort();
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

struct arena *
arena_new(void)
{
	struct arena	*a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		abort();
	a->head = arena_chunk(ARENA_CHUNK);
	return a;
}

void
arena_reset(struct arena *a)
{
	struct chunk	*c, *next, *keep = NULL;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		if (keep == NULL && c->size == ARENA_CHUNK)
			keep = c;
		else
			free(c);
	}
	if (keep == NULL)
		keep = arena_chunk(ARENA_CHUNK);
	keep->used = 0;
	keep->next = NULL;
	a->head = keep;
}

void
arena_free(struct arena *a)
{
	struct chunk	*c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct chunk	*c;
	unsigned char	*p;

	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - ARENA_ALIGN)
		abort();
	n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	c = a->head;
	if (c->size - c->used < n) {
		if (n > ARENA_CHUNK / 4) {
			/* A big block: its own chunk, behind the head. */
			c = arena_chunk(n);
			c->next = a->head->next;
			a->head->next = c;
			c->used = n;
			p = (unsigned char *)c + arena_hdr();
			memset(p, 0, n);
			return p;
		}
		c = arena_chunk(ARENA_CHUNK);
		c->next = a->head;
		a->head = c;
	}
	p = (unsigned char *)c + arena_hdr() + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char	*p;

	if (s == NULL)
		return NULL;
	if (n == SIZE_MAX)
		abort();
	p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return s == NULL ? NULL : arena_strndup(a, s, strlen(s));
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	char	*p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	p = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
