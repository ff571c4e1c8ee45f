/*
 * HTML form bodies: application/x-www-form-urlencoded through the query
 * string parser, multipart/form-data read here, both strictly (form.h).
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "arena.h"
#include "form.h"
#include "query.h"

#define FORM_BOUNDARY_MAX	70	/* RFC 2046 section 5.1.1 */

static const char form_urlencoded[] = "application/x-www-form-urlencoded";
static const char form_multipart[] = "multipart/form-data";

/* 1 if c may be part of an RFC 9110 token (section 5.6.2). */
static int
form_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* 1 if c is one of RFC 2046's bchars (space allowed but not last). */
static int
form_bchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("'()+_,-./:=? ", c) != NULL);
}

/*
 * 1 if the n bytes at s are UTF-8 without C0 controls or DEL, tabs
 * allowed when tab is set (header values).
 */
static int
form_chars_ok(const char *s, size_t n, int tab)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && !(tab && s[i] == '\t')) ||
		    s[i] == 0x7f)
			return 0;
	return query_utf8_ok((const unsigned char *)s, n);
}

/* A field's name or value: UTF-8 without any control character. */
static int
form_text_ok(const char *s, size_t n)
{
	return form_chars_ok(s, n, 0);
}

/* Skips spaces and tabs. */
static const char *
form_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * If the media type at s is type (case-insensitive), the rest: "" or
 * what follows it from ';' or blanks on. NULL otherwise.
 */
static const char *
form_media(const char *s, const char *type)
{
	size_t	 n = strlen(type);

	if (s == NULL || strncasecmp(s, type, n) != 0 ||
	    (s[n] != '\0' && s[n] != ';' && s[n] != ' ' && s[n] != '\t'))
		return NULL;
	return s + n;
}

enum form_type
form_type(const char *ctype)
{
	if (form_media(ctype, form_urlencoded) != NULL)
		return FORM_URLENCODED;
	if (form_media(ctype, form_multipart) != NULL)
		return FORM_MULTIPART;
	return FORM_NONE;
}

/*
 * The next parameter of a header value at *p (just after its type, or
 * after the previous parameter): "; name=value" with optional blanks,
 * value a token or a quoted string without escapes. 1 with name and
 * value copied into a, 0 at the end of the value, -1 when malformed.
 */
static int
form_param(struct arena *a, const char **p, char **name, char **value)
{
	const char	*s = form_ows(*p), *n, *v;

	if (*s == '\0')
		return 0;
	if (*s != ';')
		return -1;
	s = form_ows(s + 1);
	for (n = s; form_tchar((unsigned char)*s); s++)
		continue;
	if (s == n || *s != '=')
		return -1;
	*name = arena_strndup(a, n, (size_t)(s - n));
	s++;
	if (*s == '"') {
		for (v = ++s; *s != '"' && *s != '\0' && *s != '\\'; s++)
			continue;
		if (*s != '"')
			return -1;
		*value = arena_strndup(a, v, (size_t)(s - v));
		s++;
	} else {
		for (v = s; form_tchar((unsigned char)*s); s++)
			continue;
		if (s == v)
			return -1;
		*value = arena_strndup(a, v, (size_t)(s - v));
	}
	if (!form_text_ok(*value, strlen(*value)))
		return -1;
	*p = s;
	return 1;
}

/* The boundary of a multipart/form-data Content-Type, or NULL. */
static const char *
form_boundary(struct arena *a, const char *ctype)
{
	const char	*p = form_media(ctype, form_multipart), *b = NULL;
	char		*name, *value;
	size_t		 i, n;
	int		 rc;

	while ((rc = form_param(a, &p, &name, &value)) == 1) {
		if (strcasecmp(name, "boundary") != 0 || b != NULL)
			return NULL;
		b = value;
	}
	if (rc == -1 || b == NULL || (n = strlen(b)) == 0 ||
	    n > FORM_BOUNDARY_MAX || b[n - 1] == ' ')
		return NULL;
	for (i = 0; i < n; i++)
		if (!form_bchar((unsigned char)b[i]))
			return NULL;
	return b;
}

/*
 * The value of a part's Content-Disposition header: "form-data" and a
 * name parameter, nothing else. The name in the arena, or NULL.
 */
static const char *
form_disposition(struct arena *a, const char *v)
{
	const char	*p = form_media(v, "form-data");
	char		*name, *value, *field = NULL;
	int		 rc;

	if (p == NULL)
		return NULL;
	while ((rc = form_param(a, &p, &name, &value)) == 1) {
		/* A filename (or filename*) would be a file: not taken. */
		if (strcasecmp(name, "name") != 0 || field != NULL)
			return NULL;
		field = value;
	}
	return rc == -1 || field == NULL || *field == '\0' ? NULL : field;
}

/*
 * Reads a part's header block at *p (before end) up to and past its
 * empty line; the field's name into *name. 0, or -1 when malformed.
 */
static int
form_part_headers(struct arena *a, const char **p, const char *end,
    const char **name)
{
	const char	*s = *p, *eol, *colon, *v;
	char		*hname, *hval;
	int		 ctype = 0;

	*name = NULL;
	for (;;) {
		if (end - s >= 2 && s[0] == '\r' && s[1] == '\n')
			break;
		if ((eol = memmem(s, (size_t)(end - s), "\r\n", 2)) == NULL)
			return -1;
		for (colon = s; colon < eol && form_tchar((unsigned char)*colon);
		    colon++)
			continue;
		if (colon == s || colon == eol || *colon != ':')
			return -1;
		hname = arena_strndup(a, s, (size_t)(colon - s));
		v = colon + 1;
		if (!form_chars_ok(v, (size_t)(eol - v), 1))
			return -1;
		hval = (char *)form_ows(arena_strndup(a, v, (size_t)(eol - v)));
		if (strcasecmp(hname, "Content-Disposition") == 0) {
			if (*name != NULL ||
			    (*name = form_disposition(a, hval)) == NULL)
				return -1;
		} else if (strcasecmp(hname, "Content-Type") == 0) {
			if (ctype++ || form_media(hval, "text/plain") == NULL)
				return -1;
		} else
			return -1;
		s = eol + 2;
	}
	if (*name == NULL)
		return -1;
	*p = s + 2;
	return 0;
}

/* multipart/form-data (RFC 7578) with boundary b: see form.h. */
static int
form_multipart_parse(struct arena *a, const char *b, const char *body,
    size_t len, struct kv **out, size_t *n)
{
	const char	*p = body, *end = body + len, *name, *v;
	char		*delim;
	struct kv	*kv;
	size_t		 dlen, np = 0;

	delim = arena_printf(a, "\r\n--%s", b);
	dlen = strlen(delim);
	kv = arena_alloc(a, sizeof(*kv) * QUERY_PAIRS_MAX);
	/* No preamble: the body opens with the first delimiter. */
	if (len < dlen - 2 || memcmp(p, delim + 2, dlen - 2) != 0)
		return -1;
	p += dlen - 2;
	for (;;) {
		if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
			p += 2;
			if (p == end || (end - p == 2 && p[0] == '\r' &&
			    p[1] == '\n'))
				break;
			return -1;
		}
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			return -1;
		p += 2;
		if (form_part_headers(a, &p, end, &name) == -1)
			return -1;
		if ((v = memmem(p, (size_t)(end - p), delim, dlen)) == NULL ||
		    !form_text_ok(p, (size_t)(v - p)) || np == QUERY_PAIRS_MAX)
			return -1;
		kv[np].key = name;
		kv[np].val = arena_strndup(a, p, (size_t)(v - p));
		np++;
		p = v + dlen;
	}
	*out = kv;
	*n = np;
	return 0;
}

int
form_parse(struct arena *a, const char *ctype, const char *body, size_t len,
    struct kv **out, size_t *n)
{
	const char	*p, *b;
	char		*name, *value;
	int		 rc;

	*out = NULL;
	*n = 0;
	switch (form_type(ctype)) {
	case FORM_URLENCODED:
		/* At most a charset, which must be UTF-8. */
		p = form_media(ctype, form_urlencoded);
		while ((rc = form_param(a, &p, &name, &value)) == 1)
			if (strcasecmp(name, "charset") != 0 ||
			    strcasecmp(value, "utf-8") != 0)
				return -1;
		if (rc == -1 || memchr(body, '\0', len) != NULL)
			return -1;
		return query_parse(a, body, out, n);
	case FORM_MULTIPART:
		if ((b = form_boundary(a, ctype)) == NULL)
			return -1;
		return form_multipart_parse(a, b, body, len, out, n);
	default:
		return -1;
	}
}
