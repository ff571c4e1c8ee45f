/*
 * Merge-tag templates (tmpl.h): a parse that turns a text into a list of
 * literal runs and tags, or into problems an editor can point at; a
 * render in one pass over that list, so a value is never read as
 * template text; and the SMS alphabet and segment count of 3GPP TS
 * 23.038. Renders measure first and then write, so the output cap is
 * checked before anything is allocated.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "query.h"
#include "tmpl.h"

#define TMPL_NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define TMPL_CUSTOM	"custom."
#define TMPL_CUSTOM_LEN	(sizeof(TMPL_CUSTOM) - 1)
#define TMPL_BAD_CP	UINT32_MAX
#define TMPL_QUOTE_MAX	48	/* bytes of a tag quoted in a message */

const char *const tmpl_field_names[TMPL_FIELD__MAX] = {
	[TMPL_BUSINESS_NAME] = "business_name",
	[TMPL_FIRST_NAME] = "first_name",
	[TMPL_LAST_NAME] = "last_name",
	[TMPL_CATEGORY] = "category",
	[TMPL_ADDRESS] = "address",
	[TMPL_POSTAL_CODE] = "postal_code",
	[TMPL_CITY] = "city",
	[TMPL_PHONE] = "phone",
	[TMPL_EMAIL] = "email",
	[TMPL_WEBSITE] = "website",
	[TMPL_SENDER_NAME] = "sender_name",
	[TMPL_SENDER_COMPANY] = "sender_company",
};

const char *const tmpl_code_names[TMPL_CODE__MAX] = {
	[TMPL_UNKNOWN_TAG] = "unknown_tag",
	[TMPL_UNCLOSED_TAG] = "unclosed_tag",
	[TMPL_EMPTY_TAG] = "empty_tag",
	[TMPL_BAD_CUSTOM_NAME] = "bad_custom_name",
	[TMPL_NESTED_TAG] = "nested_tag",
	[TMPL_BAD_FALLBACK] = "bad_fallback",
	[TMPL_BAD_CHAR] = "bad_char",
	[TMPL_TOO_LONG] = "too_long",
};

/*
 * Names French users (and English habits) reach for, and the tag they
 * mean: an unknown tag's message suggests it. Lower-case ASCII, as the
 * unknown name is compared once its ASCII letters are lowered.
 */
static const struct tmpl_hint {
	const char	*word;
	enum tmpl_field	 field;
} tmpl_hints[] = {
	{ "adresse", TMPL_ADDRESS },
	{ "categorie", TMPL_CATEGORY },
	{ "cat\xc3\xa9gorie", TMPL_CATEGORY },
	{ "code_postal", TMPL_POSTAL_CODE },
	{ "company", TMPL_BUSINESS_NAME },
	{ "courriel", TMPL_EMAIL },
	{ "cp", TMPL_POSTAL_CODE },
	{ "entreprise", TMPL_BUSINESS_NAME },
	{ "mail", TMPL_EMAIL },
	{ "metier", TMPL_CATEGORY },
	{ "m\xc3\xa9tier", TMPL_CATEGORY },
	{ "name", TMPL_BUSINESS_NAME },
	{ "nom", TMPL_LAST_NAME },
	{ "prenom", TMPL_FIRST_NAME },
	{ "pr\xc3\xa9nom", TMPL_FIRST_NAME },
	{ "site", TMPL_WEBSITE },
	{ "site_web", TMPL_WEBSITE },
	{ "societe", TMPL_BUSINESS_NAME },
	{ "soci\xc3\xa9t\xc3\xa9", TMPL_BUSINESS_NAME },
	{ "tel", TMPL_PHONE },
	{ "telephone", TMPL_PHONE },
	{ "t\xc3\xa9l\xc3\xa9phone", TMPL_PHONE },
	{ "url", TMPL_WEBSITE },
	{ "ville", TMPL_CITY },
	{ "zip", TMPL_POSTAL_CODE },
};

enum tmpl_kind {
	TK_TEXT,	/* literal bytes */
	TK_FIELD,	/* {{first_name}} */
	TK_CUSTOM,	/* {{custom.x}} */
};

struct tmpl_node {
	enum tmpl_kind	 kind;
	size_t		 off, len;	/* TK_TEXT: the bytes in t->text */
	enum tmpl_field	 field;		/* TK_FIELD */
	const char	*name;		/* tags: "city", "custom.x" */
	int		 fallback;	/* tags: 1 if "|" was given */
	size_t		 fboff, fblen;	/* the fallback, trimmed, in t->text */
};

struct tmpl {
	char		*text;		/* the template, NUL-terminated */
	/* Custom tags' names, back to back: as long as the text, as a
	 * name and its NUL are shorter than the tag around them. */
	char		*names;
	size_t		 nameslen;
	struct tmpl_node *nodes;
	size_t		 nnodes, cap;
};

/* What a parse carries along. */
struct tmpl_parser {
	const char		*s;
	size_t			 len;
	struct tmpl		*t;
	struct tmpl_problems	*pr;
	int			 badchar;	/* a bad_char was reported */
};

/*
 * Decodes the UTF-8 character at s (at most len bytes): its length, with
 * *cp its code point, or 1 with *cp TMPL_BAD_CP when it is not valid
 * (query_utf8_ok's rules: RFC 3629, no overlong form or surrogate).
 */
static size_t
tmpl_utf8(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t	 n, i;

	n = s[0] < 0x80 ? 1 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (n > len || !query_utf8_ok(s, n)) {
		*cp = TMPL_BAD_CP;
		return 1;
	}
	if (n == 1) {
		*cp = s[0];
		return 1;
	}
	*cp = s[0] & (0x7f >> n);
	for (i = 1; i < n; i++)
		*cp = (*cp << 6) | (s[i] & 0x3f);
	return n;
}

/*
 * Writes the n bytes at s into buf for a message: at most TMPL_QUOTE_MAX
 * bytes, cut at a character boundary and then marked with "...", invalid
 * UTF-8 and control characters as "?", so a message stays short, one
 * line, and valid UTF-8 for JSON.
 */
static void
tmpl_quote(char buf[TMPL_QUOTE_MAX + 4], const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, o = 0, k;
	uint32_t		 cp;

	while (i < n) {
		k = tmpl_utf8(u + i, n - i, &cp);
		if (o + k > TMPL_QUOTE_MAX) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (cp == TMPL_BAD_CP || cp < 0x20 || cp == 0x7f)
			buf[o++] = '?';
		else {
			memcpy(buf + o, s + i, k);
			o += k;
		}
		i += k;
	}
	buf[o] = '\0';
}

/* Line and column (both 1-based, columns in code points) of offset off. */
static void
tmpl_where(const char *s, size_t off, size_t *line, size_t *column)
{
	size_t	 i;

	*line = *column = 1;
	for (i = 0; i < off; i++) {
		if (s[i] == '\n') {
			(*line)++;
			*column = 1;
		} else if (((unsigned char)s[i] & 0xc0) != 0x80)
			(*column)++;
	}
}

static void tmpl_problem(struct tmpl_parser *, enum tmpl_code, size_t,
    const char *, ...) __attribute__((format(printf, 4, 5)));

/* Records a problem at offset off; past TMPL_PROBLEMS_MAX only counts it. */
static void
tmpl_problem(struct tmpl_parser *p, enum tmpl_code code, size_t off,
    const char *fmt, ...)
{
	struct tmpl_problem	*e;
	va_list			 ap;

	p->pr->total++;
	if (p->pr->n == TMPL_PROBLEMS_MAX)
		return;
	e = &p->pr->list[p->pr->n++];
	e->code = code;
	e->offset = off;
	tmpl_where(p->s, off, &e->line, &e->column);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

/*
 * Reads the character at offset i (ending before to) and reports it when
 * it is invalid UTF-8 or NUL, the first time only. Returns its length.
 */
static size_t
tmpl_char(struct tmpl_parser *p, size_t i, size_t to)
{
	size_t		 k;
	uint32_t	 cp;

	k = tmpl_utf8((const unsigned char *)p->s + i, to - i, &cp);
	if ((cp == TMPL_BAD_CP || cp == 0) && !p->badchar) {
		p->badchar = 1;
		tmpl_problem(p, TMPL_BAD_CHAR, i, cp == 0 ?
		    "NUL byte in the text" : "invalid UTF-8 byte in the text");
	}
	return k;
}

/* Reports the first bad character of [from, to), as tmpl_char(). */
static void
tmpl_check_chars(struct tmpl_parser *p, size_t from, size_t to)
{
	while (from < to && !p->badchar)
		from += tmpl_char(p, from, to);
}

static struct tmpl_node *
tmpl_node_add(struct tmpl *t, enum tmpl_kind kind)
{
	struct tmpl_node	*n;

	if (t->nnodes == t->cap) {
		t->cap = t->cap == 0 ? 16 : t->cap * 2;
		if ((n = reallocarray(t->nodes, t->cap, sizeof(*n))) == NULL)
			abort();
		t->nodes = n;
	}
	n = &t->nodes[t->nnodes++];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	return n;
}

/* Adds the literal bytes [from, to), if any. */
static void
tmpl_text_add(struct tmpl_parser *p, size_t from, size_t to)
{
	struct tmpl_node	*n;

	if (to <= from)
		return;
	n = tmpl_node_add(p->t, TK_TEXT);
	n->off = from;
	n->len = to - from;
}

static int
tmpl_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* Trims spaces and tabs from both ends of [*from, *to). */
static void
tmpl_trim(const char *s, size_t *from, size_t *to)
{
	while (*from < *to && tmpl_blank(s[*from]))
		(*from)++;
	while (*to > *from && tmpl_blank(s[*to - 1]))
		(*to)--;
}

static int
tmpl_custom_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* 1 if the n bytes at s are a valid custom field name (without "custom."). */
static int
tmpl_custom_ok(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || n > TMPL_CUSTOM_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!tmpl_custom_char((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Levenshtein distance of the NUL-terminated a (at most 64 bytes) and b. */
static size_t
tmpl_distance(const char *a, const char *b)
{
	size_t	 row[TMPL_CUSTOM_MAX + 1], i, j, diag, up, best;
	size_t	 na = strlen(a), nb = strlen(b);

	for (j = 0; j <= nb; j++)
		row[j] = j;
	for (i = 1; i <= na; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= nb; j++) {
			up = row[j];
			best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[nb];
}

/*
 * The field an unknown name (n bytes at s) most likely meant: a known
 * word (tmpl_hints), or a tag name at most 2 edits away; -1 if none.
 */
static int
tmpl_suggest(const char *s, size_t n)
{
	char	 low[TMPL_CUSTOM_MAX + 1];
	size_t	 i, d, best = 3;
	int	 f = -1;

	if (n > TMPL_CUSTOM_MAX)
		return -1;
	for (i = 0; i < n; i++)
		low[i] = s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i];
	low[n] = '\0';
	for (i = 0; i < TMPL_NELEM(tmpl_hints); i++)
		if (strcmp(low, tmpl_hints[i].word) == 0)
			return (int)tmpl_hints[i].field;
	for (i = 0; i < TMPL_FIELD__MAX; i++)
		if ((d = tmpl_distance(low, tmpl_field_names[i])) < best) {
			best = d;
			f = (int)i;
		}
	return f;
}

/* Reports the unknown name [a, b) of the tag at s, with a hint. */
static void
tmpl_unknown(struct tmpl_parser *p, size_t s, size_t a, size_t b)
{
	char	 q[TMPL_QUOTE_MAX + 4];
	int	 f;

	tmpl_quote(q, p->s + a, b - a);
	if ((f = tmpl_suggest(p->s + a, b - a)) != -1)
		tmpl_problem(p, TMPL_UNKNOWN_TAG, s,
		    "unknown tag {{%s}}: did you mean {{%s}}?", q,
		    tmpl_field_names[f]);
	else if (tmpl_custom_ok(p->s + a, b - a))
		tmpl_problem(p, TMPL_UNKNOWN_TAG, s, "unknown tag {{%s}}: "
		    "a custom field is written {{custom.%s}}", q, q);
	else
		tmpl_problem(p, TMPL_UNKNOWN_TAG, s, "unknown tag {{%s}}", q);
}

/*
 * Reads the tag whose "{{" is at offset s: adds its node, or reports its
 * problem. Returns the offset where the scan goes on.
 */
static size_t
tmpl_tag(struct tmpl_parser *p, size_t s)
{
	const char		*t = p->s;
	struct tmpl_node	*n = NULL;
	size_t			 j, e, a, b, fa = 0, fb = 0, f;
	const char		*bar;
	char			 q[TMPL_QUOTE_MAX + 4];

	for (j = s + 2; j < p->len; j++) {
		if (t[j] == '\n')
			break;
		if (j + 1 < p->len && t[j] == '{' && t[j + 1] == '{') {
			tmpl_check_chars(p, s + 2, j);
			tmpl_problem(p, TMPL_NESTED_TAG, j, "\"{{\" inside a "
			    "tag: a tag cannot hold another (write \\{{ for "
			    "literal braces)");
			return j;
		}
		if (j + 1 < p->len && t[j] == '}' && t[j + 1] == '}')
			break;
	}
	if (j >= p->len || t[j] == '\n') {
		tmpl_problem(p, TMPL_UNCLOSED_TAG, s,
		    "\"{{\" is not closed by \"}}\" on the same line");
		return s + 2;
	}
	e = j;
	a = s + 2;
	b = e;
	if ((bar = memchr(t + a, '|', e - a)) != NULL) {
		b = (size_t)(bar - t);
		fa = b + 1;
		fb = e;
		tmpl_trim(t, &fa, &fb);
	}
	tmpl_trim(t, &a, &b);
	if (a == b)
		tmpl_problem(p, TMPL_EMPTY_TAG, s, "empty tag: write a field "
		    "name between \"{{\" and \"}}\"");
	else if (b - a >= TMPL_CUSTOM_LEN &&
	    memcmp(t + a, TMPL_CUSTOM, TMPL_CUSTOM_LEN) == 0) {
		if (!tmpl_custom_ok(t + a + TMPL_CUSTOM_LEN,
		    b - a - TMPL_CUSTOM_LEN)) {
			tmpl_quote(q, t + a, b - a);
			tmpl_problem(p, TMPL_BAD_CUSTOM_NAME, s, "bad custom "
			    "field {{%s}}: a name has 1 to %d characters "
			    "among a-z, 0-9 and _", q, TMPL_CUSTOM_MAX);
		} else {
			n = tmpl_node_add(p->t, TK_CUSTOM);
			n->name = p->t->names + p->t->nameslen;
			memcpy(p->t->names + p->t->nameslen, t + a, b - a);
			p->t->nameslen += b - a;
			p->t->names[p->t->nameslen++] = '\0';
		}
	} else {
		for (f = 0; f < TMPL_FIELD__MAX; f++)
			if (strlen(tmpl_field_names[f]) == b - a &&
			    memcmp(tmpl_field_names[f], t + a, b - a) == 0)
				break;
		if (f == TMPL_FIELD__MAX)
			tmpl_unknown(p, s, a, b);
		else {
			n = tmpl_node_add(p->t, TK_FIELD);
			n->field = (enum tmpl_field)f;
			n->name = tmpl_field_names[f];
		}
	}
	/* One problem a tag: a fallback's only when the name is right. */
	if (n != NULL && bar != NULL && memchr(t + fa, '|', fb - fa) != NULL)
		tmpl_problem(p, TMPL_BAD_FALLBACK, s,
		    "a fallback cannot contain \"|\"");
	else if (n != NULL && bar != NULL) {
		n->fallback = 1;
		n->fboff = fa;
		n->fblen = fb - fa;
	}
	tmpl_check_chars(p, s + 2, e);
	return e + 2;
}

void
tmpl_free(struct tmpl *t)
{
	if (t == NULL)
		return;
	free(t->text);
	free(t->names);
	free(t->nodes);
	free(t);
}

int
tmpl_parse(struct tmpl **out, const char *text, size_t len,
    struct tmpl_problems *pr)
{
	struct tmpl_parser	 p;
	size_t			 i = 0, lit = 0;

	if (out != NULL)
		*out = NULL;
	memset(pr, 0, sizeof(*pr));
	if (text == NULL)
		len = 0;
	memset(&p, 0, sizeof(p));
	p.s = text;
	p.len = len;
	p.pr = pr;
	if (len > TMPL_OUT_MAX) {
		tmpl_problem(&p, TMPL_TOO_LONG, 0, "a template holds at most "
		    "%d bytes", TMPL_OUT_MAX);
		return -1;
	}
	if ((p.t = calloc(1, sizeof(*p.t))) == NULL ||
	    (p.t->text = malloc(len + 1)) == NULL ||
	    (p.t->names = malloc(len + 1)) == NULL)
		abort();
	if (len > 0)
		memcpy(p.t->text, text, len);
	p.t->text[len] = '\0';
	while (i < len) {
		if (text[i] == '\\' && i + 2 < len && text[i + 1] == '{' &&
		    text[i + 2] == '{') {
			/* The backslash goes; the braces start literal text. */
			tmpl_text_add(&p, lit, i);
			lit = i + 1;
			i += 3;
		} else if (text[i] == '{' && i + 1 < len && text[i + 1] == '{') {
			tmpl_text_add(&p, lit, i);
			lit = i = tmpl_tag(&p, i);
		} else
			i += tmpl_char(&p, i, len);
	}
	tmpl_text_add(&p, lit, len);
	if (pr->total > 0) {
		tmpl_free(p.t);
		return -1;
	}
	if (out != NULL)
		*out = p.t;
	else
		tmpl_free(p.t);
	return 0;
}

/* A render's output: measured when p is NULL, written otherwise. */
struct tmpl_w {
	char	*p;
	size_t	 len;
	int	 over;		/* would pass TMPL_OUT_MAX */
};

static void
tmpl_put(struct tmpl_w *w, const char *s, size_t n)
{
	if (w->over || n == 0)
		return;
	if (n > TMPL_OUT_MAX - w->len) {
		w->over = 1;
		return;
	}
	if (w->p != NULL)
		memcpy(w->p + w->len, s, n);
	w->len += n;
}

static int
tmpl_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* Literal text of the template (valid UTF-8 by now): only header mode changes it. */
static void
tmpl_put_text(struct tmpl_w *w, const char *s, size_t n, enum tmpl_mode mode)
{
	size_t	 i, run;

	if (mode != TMPL_HEADER) {
		tmpl_put(w, s, n);
		return;
	}
	for (i = 0; i < n; i += run) {
		for (run = 0; i + run < n &&
		    !tmpl_control((unsigned char)s[i + run]); run++)
			continue;
		tmpl_put(w, s + i, run);
		if (i + run < n) {
			tmpl_put(w, " ", 1);
			run++;
		}
	}
}

/*
 * A value: invalid UTF-8 as U+FFFD, control characters other than tab and
 * line ends dropped (a header's become spaces, line ends included), then
 * escaped as mode says.
 */
static void
tmpl_put_value(struct tmpl_w *w, const char *s, enum tmpl_mode mode)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, k, n = strlen(s);
	uint32_t		 cp;

	while (i < n) {
		k = tmpl_utf8(u + i, n - i, &cp);
		if (cp == TMPL_BAD_CP)
			tmpl_put(w, "\xef\xbf\xbd", 3);
		else if (mode == TMPL_HEADER && tmpl_control(u[i]))
			tmpl_put(w, " ", 1);
		else if (tmpl_control(u[i]) && u[i] != '\t' && u[i] != '\n' &&
		    u[i] != '\r')
			;	/* other controls (imported junk) mean nothing in a body */
		else if (mode == TMPL_HTML && cp == '&')
			tmpl_put(w, "&amp;", 5);
		else if (mode == TMPL_HTML && cp == '<')
			tmpl_put(w, "&lt;", 4);
		else if (mode == TMPL_HTML && cp == '>')
			tmpl_put(w, "&gt;", 4);
		else if (mode == TMPL_HTML && cp == '"')
			tmpl_put(w, "&quot;", 6);
		else if (mode == TMPL_HTML && cp == '\'')
			tmpl_put(w, "&#39;", 5);
		else
			tmpl_put(w, s + i, k);
		i += k;
	}
}

/* The value of tag n in v, or NULL when it is missing (absent or blank). */
static const char *
tmpl_value(const struct tmpl_node *n, const struct tmpl_values *v)
{
	const char	*s;
	json_t		*j;

	if (v == NULL)
		return NULL;
	if (n->kind == TK_FIELD)
		s = v->field[n->field];
	else {
		j = json_object_get(v->custom, n->name + TMPL_CUSTOM_LEN);
		s = json_is_string(j) ? json_string_value(j) : NULL;
	}
	if (s == NULL || s[strspn(s, " \t\r\n")] == '\0')
		return NULL;
	return s;
}

/* Every node of t, measured or written into w. */
static void
tmpl_emit(struct tmpl_w *w, const struct tmpl *t, const struct tmpl_values *v,
    enum tmpl_mode mode)
{
	const struct tmpl_node	*n;
	const char		*val;
	size_t			 i;

	for (i = 0; i < t->nnodes && !w->over; i++) {
		n = &t->nodes[i];
		if (n->kind == TK_TEXT)
			tmpl_put_text(w, t->text + n->off, n->len, mode);
		else if ((val = tmpl_value(n, v)) != NULL)
			tmpl_put_value(w, val, mode);
		else
			tmpl_put_text(w, t->text + n->fboff, n->fblen, mode);
	}
}

enum tmpl_rc
tmpl_render(struct tmpl_out *out, const struct tmpl *t,
    const struct tmpl_values *v, enum tmpl_mode mode)
{
	const struct tmpl_node	*n;
	struct tmpl_w		 w;
	size_t			 i, k;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < t->nnodes; i++) {
		n = &t->nodes[i];
		if (n->kind == TK_TEXT || n->fallback || tmpl_value(n, v) != NULL)
			continue;
		for (k = 0; k < out->nmissing; k++)
			if (strcmp(out->missing[k], n->name) == 0)
				break;
		if (k == out->nmissing && k < TMPL_MISSING_MAX)
			out->missing[out->nmissing++] = n->name;
	}
	if (out->nmissing > 0)
		return TMPL_MISSING;
	memset(&w, 0, sizeof(w));
	tmpl_emit(&w, t, v, mode);
	if (w.over)
		return TMPL_OVERFLOW;
	if ((w.p = malloc(w.len + 1)) == NULL)
		abort();
	k = w.len;
	w.len = 0;
	tmpl_emit(&w, t, v, mode);
	if (w.len != k)
		abort();	/* the values changed under us */
	w.p[w.len] = '\0';
	out->text = w.p;
	out->len = w.len;
	return TMPL_RENDERED;
}

/*
 * The GSM 7-bit default alphabet's basic character set, 3GPP TS 23.038
 * section 6.2.1, as Unicode code points indexed by septet. 0x1B is the
 * escape to the extension table, not a character (0 here: a C string
 * never holds U+0000).
 */
static const uint16_t tmpl_gsm7_basic[128] = {
	0x0040, 0x00a3, 0x0024, 0x00a5, 0x00e8, 0x00e9, 0x00f9, 0x00ec,
	0x00f2, 0x00c7, 0x000a, 0x00d8, 0x00f8, 0x000d, 0x00c5, 0x00e5,
	0x0394, 0x005f, 0x03a6, 0x0393, 0x039b, 0x03a9, 0x03a0, 0x03a8,
	0x03a3, 0x0398, 0x039e, 0x0000, 0x00c6, 0x00e6, 0x00df, 0x00c9,
	0x0020, 0x0021, 0x0022, 0x0023, 0x00a4, 0x0025, 0x0026, 0x0027,
	0x0028, 0x0029, 0x002a, 0x002b, 0x002c, 0x002d, 0x002e, 0x002f,
	0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,
	0x0038, 0x0039, 0x003a, 0x003b, 0x003c, 0x003d, 0x003e, 0x003f,
	0x00a1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,
	0x0048, 0x0049, 0x004a, 0x004b, 0x004c, 0x004d, 0x004e, 0x004f,
	0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,
	0x0058, 0x0059, 0x005a, 0x00c4, 0x00d6, 0x00d1, 0x00dc, 0x00a7,
	0x00bf, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067,
	0x0068, 0x0069, 0x006a, 0x006b, 0x006c, 0x006d, 0x006e, 0x006f,
	0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
	0x0078, 0x0079, 0x007a, 0x00e4, 0x00f6, 0x00f1, 0x00fc, 0x00e0,
};

/*
 * The extension table's characters (same section, after the escape):
 * form feed ^ { } \ [ ~ ] | and the euro sign.
 */
static const uint16_t tmpl_gsm7_ext[] = {
	0x000c, 0x005e, 0x007b, 0x007d, 0x005c, 0x005b, 0x007e, 0x005d,
	0x007c, 0x20ac,
};

/* Septets cp takes in GSM-7 (1 or 2), or 0 when it has none. */
static size_t
tmpl_gsm7_septets(uint32_t cp)
{
	size_t	 i;

	for (i = 0; i < TMPL_NELEM(tmpl_gsm7_basic); i++)
		if (tmpl_gsm7_basic[i] == cp && cp != 0)
			return 1;
	for (i = 0; i < TMPL_NELEM(tmpl_gsm7_ext); i++)
		if (tmpl_gsm7_ext[i] == cp)
			return 2;
	return 0;
}

/* Units cp takes in the encoding: septets, or UTF-16 code units. */
static size_t
tmpl_sms_width(uint32_t cp, enum tmpl_sms_encoding enc)
{
	if (enc == TMPL_GSM7)
		return tmpl_gsm7_septets(cp);
	return cp > 0xffff ? 2 : 1;
}

int
tmpl_sms_segments(const char *utf8, struct tmpl_sms *out)
{
	const unsigned char	*u = (const unsigned char *)utf8;
	enum tmpl_sms_encoding	 enc = TMPL_GSM7;
	size_t			 len, i, k, w, units = 0, used = 0, segs = 1;
	size_t			 single, multi;
	uint32_t		 cp;

	if (utf8 == NULL || !query_utf8_ok(u, len = strlen(utf8)))
		return -1;
	for (i = 0; i < len && enc == TMPL_GSM7; i += k) {
		k = tmpl_utf8(u + i, len - i, &cp);
		if (tmpl_gsm7_septets(cp) == 0)
			enc = TMPL_UCS2;
	}
	single = enc == TMPL_GSM7 ? 160 : 70;
	multi = enc == TMPL_GSM7 ? 153 : 67;
	/* Segments fill up to multi units; a character is never split. */
	for (i = 0; i < len; i += k) {
		k = tmpl_utf8(u + i, len - i, &cp);
		w = tmpl_sms_width(cp, enc);
		units += w;
		if (used + w > multi) {
			segs++;
			used = 0;
		}
		used += w;
	}
	out->encoding = enc;
	out->units = units;
	out->segments = units == 0 ? 0 : units <= single ? 1 : segs;
	out->per_segment = out->segments > 1 ? multi : single;
	return 0;
}
