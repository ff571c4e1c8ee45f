/*
 * Route matching by segments. Tables are small (tens of routes), so a
 * linear scan is both the simplest and the fastest thing here.
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "log.h"
#include "route.h"

/*
 * Matches path against pattern. 1 on match, with {…} segments stored in
 * params (up to REQ_PARAMS_MAX); 0 otherwise.
 */
static int
route_path(const char *pat, const char *path, struct arena *a,
    const char **params, size_t *np)
{
	const char	*pe, *se;
	size_t		 n = 0;

	while (*pat != '\0' && *path != '\0') {
		if (*pat != '/' || *path != '/')
			return 0;
		pat++;
		path++;
		pe = strchr(pat, '/');
		if (pe == NULL)
			pe = pat + strlen(pat);
		se = strchr(path, '/');
		if (se == NULL)
			se = path + strlen(path);
		if (pe - pat >= 2 && pat[0] == '{' && pe[-1] == '}') {
			if (se == path || n == REQ_PARAMS_MAX)
				return 0;
			if (a != NULL)
				params[n] = arena_strndup(a, path, (size_t)(se - path));
			n++;
		} else if (pe - pat != se - path ||
		    memcmp(pat, path, (size_t)(pe - pat)) != 0)
			return 0;
		pat = pe;
		path = se;
	}
	if (*pat != '\0' || *path != '\0')
		return 0;
	*np = n;
	return 1;
}

static void
route_allow_add(char *allow, size_t len, const char *m)
{
	if (len == 0 || strstr(allow, m) != NULL)
		return;
	if (allow[0] != '\0')
		strncat(allow, ", ", len - strlen(allow) - 1);
	strncat(allow, m, len - strlen(allow) - 1);
}

enum route_rc
route_match(const struct route *tbl, enum method method, const char *path,
    struct arena *a, const struct route **out, const char **params,
    size_t *nparams, char *allow, size_t allowlen)
{
	const struct route	*r;
	const char		*tmp[REQ_PARAMS_MAX];
	size_t			 n;
	int			 known = 0;

	if (allowlen > 0)
		allow[0] = '\0';
	for (r = tbl; r->pattern != NULL; r++) {
		if (!route_path(r->pattern, path, NULL, tmp, &n))
			continue;
		known = 1;
		if (r->method == method ||
		    (method == M_HEAD && r->method == M_GET)) {
			route_path(r->pattern, path, a, params, nparams);
			*out = r;
			return ROUTE_FOUND;
		}
	}
	if (!known)
		return ROUTE_NOT_FOUND;
	/* Known path, other method: list what is allowed, in table order. */
	for (r = tbl; r->pattern != NULL; r++) {
		if (!route_path(r->pattern, path, NULL, tmp, &n))
			continue;
		route_allow_add(allow, allowlen, method_names[r->method]);
		if (r->method == M_GET)
			route_allow_add(allow, allowlen, "HEAD");
	}
	return ROUTE_BAD_METHOD;
}

/*
 * 1 if two patterns match the same paths: equal segment by segment, any
 * {…} equal to any other {…}.
 */
static int
route_same_shape(const char *a, const char *b)
{
	for (;;) {
		size_t la = strcspn(a, "/"), lb = strcspn(b, "/");
		int pa = la >= 2 && a[0] == '{', pb = lb >= 2 && b[0] == '{';

		if (pa != pb || (!pa && (la != lb || memcmp(a, b, la) != 0)))
			return 0;
		a += la;
		b += lb;
		if (*a == '\0' || *b == '\0')
			return *a == *b;
		a++;
		b++;
	}
}

int
route_table_ok(const struct route *tbl)
{
	const struct route	*r, *q;
	const char		*p;
	int			 open, nparams;

	for (r = tbl; r->pattern != NULL; r++) {
		if (r->pattern[0] != '/' || r->fn == NULL || r->method >= M__MAX ||
		    r->method == M_HEAD || ((r->flags & (ROUTE_ADMIN | ROUTE_CSRF)) &&
		    !(r->flags & ROUTE_SESSION)) || ((r->flags & ROUTE_FORM) &&
		    (r->flags & (ROUTE_SESSION | ROUTE_SESSION_OPT)))) {
			log_err("route %s: malformed entry", r->pattern);
			return 0;
		}
		open = 0;
		nparams = 0;
		for (p = r->pattern; *p != '\0'; p++) {
			if (*p == '{') {
				if (open || p[-1] != '/' || ++nparams > REQ_PARAMS_MAX)
					return 0;
				open = 1;
			} else if (*p == '}') {
				if (!open || (p[1] != '\0' && p[1] != '/'))
					return 0;
				open = 0;
			}
		}
		if (open)
			return 0;
		for (q = tbl; q != r; q++)
			if (q->method == r->method &&
			    route_same_shape(q->pattern, r->pattern)) {
				log_err("route %s %s: listed twice",
				    method_names[r->method], r->pattern);
				return 0;
			}
	}
	return 1;
}
