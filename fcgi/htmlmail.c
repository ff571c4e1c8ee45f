/*
 * E-mail discovery in web pages (htmlmail.h). Four steps: a pre-scan
 * keeps gumbo out of its quadratic cases (deep nesting, formatting
 * elements cloned over and over); gumbo builds the tree, its memory tracked
 * here so that running out of it returns -1 and so that the tree is
 * freed without gumbo's recursive destructor; one walk of the tree
 * collects mailto: and Cloudflare addresses, scored links and the
 * visible text; the text, with its obfuscation tokens replaced, is then
 * scanned for addresses, and both lists merge in document order.
 */
#include "config.h"

#include <ctype.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <gumbo.h>

#include "email.h"
#include "htmlmail.h"
#include "pnorm.h"

#define HTMLMAIL_NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Clones of formatting elements the pre-scan lets gumbo make in all
 * (htmlmail_guard); real pages need a few hundred.
 */
#define HTMLMAIL_CLONES_MAX	65536

/* Bytes of a link's text and title kept for scoring. */
#define HTMLMAIL_LINK_TEXT	512

static const char *const htmlmail_how_names[HTMLMAIL__MAX] = {
	[HTMLMAIL_MAILTO] = "mailto",
	[HTMLMAIL_TEXT] = "text",
	[HTMLMAIL_OBFUSCATED] = "obfuscated",
	[HTMLMAIL_CFEMAIL] = "cfemail",
};

/*
 * What a byte of the scanned text stands for (low bits), and whether it
 * belongs to a non-ASCII letter (HM_LETTER).
 */
enum htmlmail_mark {
	HM_PLAIN,	/* as written */
	HM_AT,		/* "@" for "[at]", "arobase", " @ ", or &#64; */
	HM_AT_WEAK,	/* "@" for a bare " at " */
	HM_DOT,		/* "." for "[dot]", "(point)", "[.]" */
	HM_DOT_WEAK,	/* "." for a bare " dot ", " point ", " . " */
	HM_KIND = 0x07,
	HM_LETTER = 0x08,
};

/*
 * Obfuscation tokens: word, the character it stands for, and its mark
 * when written bare between blanks (in brackets it is always HM_AT or
 * HM_DOT).
 */
static const struct htmlmail_token {
	const char	*word;
	char		 c;
	unsigned char	 bare;
} htmlmail_tokens[] = {
	{ "at", '@', HM_AT_WEAK },
	{ "arobase", '@', HM_AT },
	{ "@", '@', HM_AT },
	{ "dot", '.', HM_DOT_WEAK },
	{ "point", '.', HM_DOT_WEAK },
	{ ".", '.', HM_DOT_WEAK },
};

/*
 * What makes a link worth fetching: words of its folded path, query,
 * text or title (pnorm_fold), and how likely such a page lists addresses.
 */
static const struct htmlmail_keyword {
	const char	*words;
	int		 weight;
} htmlmail_keywords[] = {
	{ "contact", 8 }, { "contacts", 8 }, { "contactez", 8 },
	{ "nous contacter", 8 }, { "nouscontacter", 8 }, { "contactus", 8 },
	{ "coordonnees", 7 },
	{ "mentions legales", 6 }, { "mentionslegales", 6 },
	{ "informations legales", 6 }, { "legal", 5 }, { "impressum", 5 },
	{ "a propos", 3 }, { "apropos", 3 }, { "qui sommes nous", 3 },
	{ "quisommesnous", 3 }, { "about", 3 },
};

/* Elements whose text is never shown as text. */
static const GumboTag htmlmail_hidden[] = {
	GUMBO_TAG_SCRIPT, GUMBO_TAG_STYLE, GUMBO_TAG_IFRAME,
};

/* Inline elements: their boundaries do not separate words. */
static const GumboTag htmlmail_inline[] = {
	GUMBO_TAG_ABBR, GUMBO_TAG_B, GUMBO_TAG_BDI, GUMBO_TAG_BDO,
	GUMBO_TAG_BIG, GUMBO_TAG_CITE, GUMBO_TAG_CODE, GUMBO_TAG_DATA,
	GUMBO_TAG_DFN, GUMBO_TAG_EM, GUMBO_TAG_FONT, GUMBO_TAG_I,
	GUMBO_TAG_KBD, GUMBO_TAG_MARK, GUMBO_TAG_NOBR, GUMBO_TAG_Q,
	GUMBO_TAG_S, GUMBO_TAG_SAMP, GUMBO_TAG_SMALL, GUMBO_TAG_SPAN,
	GUMBO_TAG_STRIKE, GUMBO_TAG_STRONG, GUMBO_TAG_SUB, GUMBO_TAG_SUP,
	GUMBO_TAG_TIME, GUMBO_TAG_TT, GUMBO_TAG_U, GUMBO_TAG_VAR,
	GUMBO_TAG_WBR,
};

/* Pre-scan: elements that never have content (WHATWG HTML 13.1.2). */
static const GumboTag htmlmail_void[] = {
	GUMBO_TAG_AREA, GUMBO_TAG_BASE, GUMBO_TAG_BASEFONT, GUMBO_TAG_BGSOUND,
	GUMBO_TAG_BR, GUMBO_TAG_COL, GUMBO_TAG_EMBED, GUMBO_TAG_FRAME,
	GUMBO_TAG_HR, GUMBO_TAG_IMAGE, GUMBO_TAG_IMG, GUMBO_TAG_INPUT,
	GUMBO_TAG_KEYGEN, GUMBO_TAG_LINK, GUMBO_TAG_META, GUMBO_TAG_PARAM,
	GUMBO_TAG_SOURCE, GUMBO_TAG_TRACK, GUMBO_TAG_WBR,
	/* merged into the existing element, never pushed again */
	GUMBO_TAG_HTML, GUMBO_TAG_HEAD, GUMBO_TAG_BODY, GUMBO_TAG_FRAMESET,
};

/* Pre-scan: elements whose content is text up to their end tag. */
static const GumboTag htmlmail_rawtext[] = {
	GUMBO_TAG_SCRIPT, GUMBO_TAG_STYLE, GUMBO_TAG_TEXTAREA, GUMBO_TAG_TITLE,
	GUMBO_TAG_XMP, GUMBO_TAG_IFRAME, GUMBO_TAG_NOEMBED, GUMBO_TAG_NOFRAMES,
};

/* Pre-scan: the "has an element in scope" boundaries (WHATWG 13.2.4.2). */
static const GumboTag htmlmail_scope[] = {
	GUMBO_TAG_APPLET, GUMBO_TAG_CAPTION, GUMBO_TAG_HTML, GUMBO_TAG_TABLE,
	GUMBO_TAG_TD, GUMBO_TAG_TH, GUMBO_TAG_MARQUEE, GUMBO_TAG_OBJECT,
	GUMBO_TAG_TEMPLATE, GUMBO_TAG_BUTTON,
};
/* The first entries of htmlmail_scope: the default scope, without button. */
#define HTMLMAIL_SCOPE_DEFAULT	9

/* Pre-scan: start tags that close an open <p> (WHATWG 13.2.6.4.7). */
static const GumboTag htmlmail_p_closers[] = {
	GUMBO_TAG_ADDRESS, GUMBO_TAG_ARTICLE, GUMBO_TAG_ASIDE,
	GUMBO_TAG_BLOCKQUOTE, GUMBO_TAG_CENTER, GUMBO_TAG_DETAILS,
	GUMBO_TAG_DIR, GUMBO_TAG_DIV, GUMBO_TAG_DL,
	GUMBO_TAG_FIELDSET, GUMBO_TAG_FIGCAPTION, GUMBO_TAG_FIGURE,
	GUMBO_TAG_FOOTER, GUMBO_TAG_HEADER, GUMBO_TAG_HGROUP, GUMBO_TAG_MAIN,
	GUMBO_TAG_MENU, GUMBO_TAG_NAV, GUMBO_TAG_OL, GUMBO_TAG_P,
	GUMBO_TAG_SECTION, GUMBO_TAG_SUMMARY, GUMBO_TAG_UL, GUMBO_TAG_H1,
	GUMBO_TAG_H2, GUMBO_TAG_H3, GUMBO_TAG_H4, GUMBO_TAG_H5, GUMBO_TAG_H6,
	GUMBO_TAG_PRE, GUMBO_TAG_LISTING, GUMBO_TAG_FORM, GUMBO_TAG_TABLE,
	GUMBO_TAG_LI, GUMBO_TAG_DD, GUMBO_TAG_DT,
};

/* An address found, before the lists merge. */
struct htmlmail_cand {
	char			 email[EMAIL_MAX + 1];
	char			 key[EMAIL_MAX + 1];	/* email_key() */
	enum htmlmail_how	 how;
	size_t			 pos;	/* offset in the scanned text */
};

/* The first HTMLMAIL_FOUND_MAX distinct addresses of one source. */
struct htmlmail_list {
	struct htmlmail_cand	 c[HTMLMAIL_FOUND_MAX];
	size_t			 n;
};

/* The visible text: bytes and, per byte, an enum htmlmail_mark. */
struct htmlmail_text {
	char		*t;
	unsigned char	*m;
	size_t		 len, cap;
};

/* Gumbo's allocations, tracked: each block starts with this header. */
union htmlmail_block {
	struct {
		union htmlmail_block	*prev, *next;
	} l;
	max_align_t	 align;
};

struct htmlmail_heap {
	union htmlmail_block	*head;
	jmp_buf			 oom;
};

struct htmlmail_ctx {
	struct htmlmail_res	*res;
	CURLU			*base;		/* what links resolve against */
	char			*self;		/* the page's URL, no fragment */
	char			*host;		/* the page's host, no "www." */
	struct htmlmail_text	 text;
	struct htmlmail_list	 el;		/* mailto: and Cloudflare */
	struct htmlmail_list	 tx;		/* from the text */
	int			 oom;
};

static int
htmlmail_tag_in(GumboTag tag, const GumboTag *set, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (set[i] == tag)
			return 1;
	return 0;
}

/* ---- Gumbo's memory ---- */

static void *
htmlmail_alloc(void *ud, size_t size)
{
	struct htmlmail_heap	*hp = ud;
	union htmlmail_block	*b;

	if (size > SIZE_MAX - sizeof(*b) ||
	    (b = malloc(sizeof(*b) + size)) == NULL)
		longjmp(hp->oom, 1);	/* gumbo cannot report it */
	b->l.prev = NULL;
	b->l.next = hp->head;
	if (hp->head != NULL)
		hp->head->l.prev = b;
	hp->head = b;
	return b + 1;
}

static void
htmlmail_dealloc(void *ud, void *p)
{
	struct htmlmail_heap	*hp = ud;
	union htmlmail_block	*b;

	if (p == NULL)
		return;
	b = (union htmlmail_block *)p - 1;
	if (b->l.prev != NULL)
		b->l.prev->l.next = b->l.next;
	else
		hp->head = b->l.next;
	if (b->l.next != NULL)
		b->l.next->l.prev = b->l.prev;
	free(b);
}

/* Frees every block still held: the whole tree, without recursion. */
static void
htmlmail_heap_free(struct htmlmail_heap *hp)
{
	union htmlmail_block	*b, *next;

	for (b = hp->head; b != NULL; b = next) {
		next = b->l.next;
		free(b);
	}
	hp->head = NULL;
}

/* ---- Nesting pre-scan ---- */

/*
 * An element the pre-scan takes as open: on gumbo's stack of open
 * elements or, when virt, only in its list of active formatting elements,
 * from where the next text or start tag puts a clone back on the stack
 * (WHATWG 13.2.4.3, "reconstruct the active formatting elements").
 */
struct htmlmail_open {
	GumboTag	 tag;
	const char	*attrs;		/* the start tag's attributes, raw */
	size_t		 alen;
	unsigned char	 afe;		/* in the active formatting elements */
	unsigned char	 virt;		/* only there, not on the stack */
	unsigned char	 marker;	/* puts a marker in that list */
};

struct htmlmail_stack {
	struct htmlmail_open	 e[HTMLMAIL_DEPTH_MAX];
	size_t			 depth;
	size_t			 nvirt;	/* entries with virt set */
};

/* The formatting elements and the list's markers (WHATWG 13.2.4.3). */
static const GumboTag htmlmail_formatting[] = {
	GUMBO_TAG_A, GUMBO_TAG_B, GUMBO_TAG_BIG, GUMBO_TAG_CODE, GUMBO_TAG_EM,
	GUMBO_TAG_FONT, GUMBO_TAG_I, GUMBO_TAG_NOBR, GUMBO_TAG_S,
	GUMBO_TAG_SMALL, GUMBO_TAG_STRIKE, GUMBO_TAG_STRONG, GUMBO_TAG_TT,
	GUMBO_TAG_U,
};
static const GumboTag htmlmail_markers[] = {
	GUMBO_TAG_APPLET, GUMBO_TAG_CAPTION, GUMBO_TAG_MARQUEE,
	GUMBO_TAG_OBJECT, GUMBO_TAG_TD, GUMBO_TAG_TH, GUMBO_TAG_TEMPLATE,
};

/* Start tags that do not reconstruct the active formatting elements,
 * besides those that close a <p> (WHATWG 13.2.6.4.7). */
static const GumboTag htmlmail_no_reconstruct[] = {
	GUMBO_TAG_HTML, GUMBO_TAG_HEAD, GUMBO_TAG_BODY, GUMBO_TAG_FRAMESET,
	GUMBO_TAG_BASE, GUMBO_TAG_BASEFONT, GUMBO_TAG_BGSOUND, GUMBO_TAG_LINK,
	GUMBO_TAG_META, GUMBO_TAG_TEMPLATE, GUMBO_TAG_HR, GUMBO_TAG_PARAM,
	GUMBO_TAG_SOURCE, GUMBO_TAG_TRACK, GUMBO_TAG_CAPTION, GUMBO_TAG_COL,
	GUMBO_TAG_COLGROUP, GUMBO_TAG_TBODY, GUMBO_TAG_TD, GUMBO_TAG_TFOOT,
	GUMBO_TAG_TH, GUMBO_TAG_THEAD, GUMBO_TAG_TR, GUMBO_TAG_FRAME,
};

#define HTMLMAIL_IS(tag, set)	htmlmail_tag_in((tag), (set), HTMLMAIL_NELEM(set))

/* The tag named by the n bytes at s (any case); unknown when too long. */
static GumboTag
htmlmail_tag_of(const char *s, size_t n)
{
	char	 name[16];
	size_t	 i;

	if (n == 0 || n >= sizeof(name))
		return GUMBO_TAG_UNKNOWN;
	for (i = 0; i < n; i++)
		name[i] = (char)tolower((unsigned char)s[i]);
	name[n] = '\0';
	return gumbo_tagn_enum(name, (unsigned int)n);
}

/* Length of the tag name at s[i..len): letters, digits, "-", ":". */
static size_t
htmlmail_name_len(const char *s, size_t i, size_t len)
{
	size_t	 j = i;

	while (j < len && (isalnum((unsigned char)s[j]) || s[j] == '-' ||
	    s[j] == ':'))
		j++;
	return j - i;
}

/*
 * The index of the topmost open element that is one of the nt tags in
 * targets, searching down and stopping at any of the ns tags in stops;
 * st->depth when there is none.
 */
static size_t
htmlmail_find(const struct htmlmail_stack *st, const GumboTag *targets,
    size_t nt, const GumboTag *stops, size_t ns)
{
	size_t	 i;

	for (i = st->depth; i > 0; i--) {
		if (htmlmail_tag_in(st->e[i - 1].tag, targets, nt))
			return i - 1;
		if (htmlmail_tag_in(st->e[i - 1].tag, stops, ns))
			break;
	}
	return st->depth;
}

/*
 * Pops element k and all above it. Formatting elements above it stay in
 * the active formatting elements, to come back later, unless a marker
 * (a table cell...) closes with them.
 */
static void
htmlmail_close(struct htmlmail_stack *st, size_t k)
{
	size_t	 i, o = k;
	int	 marker;

	if (k >= st->depth)
		return;
	if (st->e[k].virt)
		st->nvirt--;
	marker = st->e[k].marker;
	for (i = k + 1; i < st->depth; i++) {
		if (st->e[i].marker)
			marker = 1;
		else if (st->e[i].afe && !marker) {
			if (!st->e[i].virt)
				st->nvirt++;
			st->e[o] = st->e[i];
			st->e[o++].virt = 1;
		} else if (st->e[i].virt)
			st->nvirt--;
	}
	st->depth = o;
}

/*
 * Reconstructs the active formatting elements (WHATWG 13.2.4.3): those
 * only in the list come back on top of the stack, in their order. Text
 * and most start tags do it.
 */
static void
htmlmail_reconstruct(struct htmlmail_stack *st)
{
	struct htmlmail_open	 v[HTMLMAIL_DEPTH_MAX];
	size_t			 i, o = 0, nv = 0;

	if (st->nvirt == 0)
		return;
	for (i = 0; i < st->depth; i++) {
		if (st->e[i].virt) {
			v[nv] = st->e[i];
			v[nv++].virt = 0;
		} else
			st->e[o++] = st->e[i];
	}
	memcpy(&st->e[o], v, nv * sizeof(v[0]));
	st->nvirt = 0;
}

/* Removes element k alone. */
static void
htmlmail_remove(struct htmlmail_stack *st, size_t k)
{
	if (st->e[k].virt)
		st->nvirt--;
	memmove(&st->e[k], &st->e[k + 1], (st->depth - k - 1) * sizeof(st->e[0]));
	st->depth--;
}

/*
 * The Noah's Ark clause (WHATWG 13.2.4.3): a fourth formatting element
 * with the same tag and attributes as three in the list since its last
 * marker pushes the earliest of them out of the list. Raw attribute
 * text stands for the attributes: spelled differently, they count as
 * different, which only overestimates.
 */
static void
htmlmail_noahs_ark(struct htmlmail_stack *st, GumboTag tag, const char *attrs,
    size_t alen)
{
	size_t	 i, n = 0, first = 0;

	for (i = st->depth; i > 0; i--) {
		const struct htmlmail_open *e = &st->e[i - 1];

		if (e->marker)
			break;
		if (e->afe && e->tag == tag && e->alen == alen &&
		    memcmp(e->attrs, attrs, alen) == 0) {
			n++;
			first = i - 1;
		}
	}
	if (n < 3)
		return;
	st->e[first].afe = 0;
	if (st->e[first].virt)
		htmlmail_remove(st, first);
}

/*
 * How many formatting elements closing element k and all above it would
 * send to the list only, each to be cloned back later.
 */
static size_t
htmlmail_close_cost(const struct htmlmail_stack *st, size_t k)
{
	size_t	 i, n = 0;

	if (k >= st->depth || st->e[k].marker)
		return 0;
	for (i = k + 1; i < st->depth; i++) {
		if (st->e[i].marker)
			break;
		if (st->e[i].afe && !st->e[i].virt)
			n++;
	}
	return n;
}

/*
 * The lowest element a start tag closes, with all above it, before it
 * opens (WHATWG 13.2.6.4.7, the usual cases only: a new <li> closes the
 * open one, a <div> the open <p>, ...); st->depth when none.
 */
static size_t
htmlmail_implied_close(const struct htmlmail_stack *st, GumboTag tag)
{
	static const GumboTag li[] = { GUMBO_TAG_LI };
	static const GumboTag li_stop[] = { GUMBO_TAG_UL, GUMBO_TAG_OL,
	    GUMBO_TAG_TABLE, GUMBO_TAG_HTML, GUMBO_TAG_TEMPLATE };
	static const GumboTag dl[] = { GUMBO_TAG_DD, GUMBO_TAG_DT };
	static const GumboTag dl_stop[] = { GUMBO_TAG_DL, GUMBO_TAG_TABLE,
	    GUMBO_TAG_HTML, GUMBO_TAG_TEMPLATE };
	static const GumboTag tr[] = { GUMBO_TAG_TR };
	static const GumboTag cell[] = { GUMBO_TAG_TD, GUMBO_TAG_TH };
	static const GumboTag sect[] = { GUMBO_TAG_TBODY, GUMBO_TAG_THEAD,
	    GUMBO_TAG_TFOOT };
	static const GumboTag table_stop[] = { GUMBO_TAG_TABLE,
	    GUMBO_TAG_HTML, GUMBO_TAG_TEMPLATE };
	static const GumboTag cell_stop[] = { GUMBO_TAG_TR, GUMBO_TAG_TABLE,
	    GUMBO_TAG_HTML, GUMBO_TAG_TEMPLATE };
	static const GumboTag p[] = { GUMBO_TAG_P };
	static const GumboTag h[] = { GUMBO_TAG_H1, GUMBO_TAG_H2,
	    GUMBO_TAG_H3, GUMBO_TAG_H4, GUMBO_TAG_H5, GUMBO_TAG_H6 };
	size_t		 k = st->depth, top = st->depth - 1, pk;

	if (st->depth == 0)
		return 0;
	switch (tag) {
	case GUMBO_TAG_LI:
		k = htmlmail_find(st, li, 1, li_stop, HTMLMAIL_NELEM(li_stop));
		break;
	case GUMBO_TAG_DD:
	case GUMBO_TAG_DT:
		k = htmlmail_find(st, dl, 2, dl_stop, HTMLMAIL_NELEM(dl_stop));
		break;
	case GUMBO_TAG_TR:
		k = htmlmail_find(st, tr, 1, table_stop,
		    HTMLMAIL_NELEM(table_stop));
		break;
	case GUMBO_TAG_TD:
	case GUMBO_TAG_TH:
		k = htmlmail_find(st, cell, 2, cell_stop,
		    HTMLMAIL_NELEM(cell_stop));
		break;
	case GUMBO_TAG_TBODY:
	case GUMBO_TAG_THEAD:
	case GUMBO_TAG_TFOOT:
		k = htmlmail_find(st, sect, 3, table_stop,
		    HTMLMAIL_NELEM(table_stop));
		break;
	case GUMBO_TAG_OPTION:
	case GUMBO_TAG_OPTGROUP:
		if (st->e[top].tag == GUMBO_TAG_OPTION)
			k = top;
		break;
	case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3:
	case GUMBO_TAG_H4: case GUMBO_TAG_H5: case GUMBO_TAG_H6:
		if (htmlmail_tag_in(st->e[top].tag, h, 6))
			k = top;
		break;
	default:
		break;
	}
	if (HTMLMAIL_IS(tag, htmlmail_p_closers) &&
	    (pk = htmlmail_find(st, p, 1, htmlmail_scope,
	    HTMLMAIL_SCOPE_DEFAULT + 1)) < k)
		k = pk;
	return k;
}

/*
 * An end tag. A formatting element leaves alone (what the adoption
 * agency leaves open above it is not modelled: an overestimate); any
 * other element in scope closes with what is above it. 0, or -1 when
 * that would send more formatting elements to be cloned than *budget
 * has left: the tag is then left out.
 */
static int
htmlmail_end_tag(struct htmlmail_stack *st, GumboTag tag, size_t *budget)
{
	size_t	 k = htmlmail_find(st, &tag, 1, htmlmail_scope,
	    HTMLMAIL_SCOPE_DEFAULT), cost;

	if (k == st->depth)
		return 0;
	if (HTMLMAIL_IS(tag, htmlmail_formatting)) {
		htmlmail_remove(st, k);
		return 0;
	}
	if ((cost = htmlmail_close_cost(st, k)) > *budget)
		return -1;
	*budget -= cost;
	htmlmail_close(st, k);
	return 0;
}

/* The offset just past the first occurrence of the n bytes of pat in
 * s[i..len), compared case-insensitively; len when there is none. */
static size_t
htmlmail_past(const char *s, size_t i, size_t len, const char *pat, size_t n)
{
	const char	*p;

	while (i + n <= len) {
		if ((p = memchr(s + i, pat[0], len - i - n + 1)) == NULL)
			break;
		i = (size_t)(p - s);
		if (strncasecmp(p, pat, n) == 0)
			return i + n;
		i++;
	}
	return len;
}

/*
 * The offset of the end tag "</name" closing raw text that starts at
 * s[i]; len when there is none (the rest is that text).
 */
static size_t
htmlmail_raw_end(const char *s, size_t i, size_t len, const char *name,
    size_t n)
{
	for (;;) {
		i = htmlmail_past(s, i, len, "</", 2);
		if (i >= len)
			return len;
		if (len - i >= n && strncasecmp(s + i, name, n) == 0 &&
		    (i + n == len || !isalnum((unsigned char)s[i + n])))
			return i - 2;
	}
}

/* The offset past the ">" ending the tag whose name ends at s[i]: quoted
 * attribute values may hold ">". len when the tag does not end. */
static size_t
htmlmail_tag_end(const char *s, size_t i, size_t len)
{
	size_t	 j;
	int	 eq = 0;

	for (j = i; j < len; j++) {
		if (s[j] == '>')
			return j + 1;
		if (eq && (s[j] == '"' || s[j] == '\'')) {
			const char *q = memchr(s + j + 1, s[j], len - j - 1);
			if (q == NULL)
				return len;
			j = (size_t)(q - s);
			eq = 0;
		} else if (s[j] == '=')
			eq = 1;
		else if (!isspace((unsigned char)s[j]))
			eq = 0;
	}
	return len;
}

/*
 * A start tag of tag, its raw attributes at attrs (alen bytes). 0 when
 * done, -1 when it would nest deeper than HTMLMAIL_DEPTH_MAX or send more
 * formatting elements to be cloned than *budget has left: the tag is
 * then left out.
 */
static int
htmlmail_start_tag(struct htmlmail_stack *st, GumboTag tag, const char *attrs,
    size_t alen, int self_closing, size_t *budget)
{
	static const GumboTag	 a[] = { GUMBO_TAG_A };
	struct htmlmail_open	*e;
	size_t			 k, cost;
	int			 fmt;

	k = htmlmail_implied_close(st, tag);
	if ((cost = htmlmail_close_cost(st, k)) > *budget)
		return -1;
	*budget -= cost;
	htmlmail_close(st, k);
	/* A new <a>: the adoption agency takes the open one out. */
	if (tag == GUMBO_TAG_A && (k = htmlmail_find(st, a, 1, htmlmail_scope,
	    HTMLMAIL_SCOPE_DEFAULT)) < st->depth)
		htmlmail_remove(st, k);
	if (!HTMLMAIL_IS(tag, htmlmail_p_closers) &&
	    !HTMLMAIL_IS(tag, htmlmail_no_reconstruct))
		htmlmail_reconstruct(st);
	if (HTMLMAIL_IS(tag, htmlmail_void) ||
	    (tag == GUMBO_TAG_UNKNOWN && self_closing))
		return 0;
	if ((fmt = HTMLMAIL_IS(tag, htmlmail_formatting)))
		htmlmail_noahs_ark(st, tag, attrs, alen);
	if (st->depth >= HTMLMAIL_DEPTH_MAX)
		return -1;
	e = &st->e[st->depth++];
	e->tag = tag;
	e->attrs = attrs;
	e->alen = alen;
	e->afe = (unsigned char)fmt;
	e->virt = 0;
	e->marker = (unsigned char)HTMLMAIL_IS(tag, htmlmail_markers);
	return 0;
}

/* Blanks the "<" at s[i] in the copy of the len bytes at s, made first
 * when there is none. 0, or -1 when memory ran out. */
static int
htmlmail_blank_tag(const char *s, size_t len, size_t i, char **copy)
{
	if (*copy == NULL) {
		if ((*copy = malloc(len)) == NULL)
			return -1;
		memcpy(*copy, s, len);
	}
	(*copy)[i] = ' ';
	return 0;
}

/*
 * Estimates, tag by tag, the stack of open elements and the active
 * formatting elements gumbo will build (WHATWG 13.2.4.3 and 13.2.6,
 * approximately: end tags close in scope, the usual implied closes,
 * formatting elements coming back, raw text and comments skipped) and
 * turns into text, by blanking their "<", the tags that would nest
 * deeper than HTMLMAIL_DEPTH_MAX or make gumbo clone formatting elements
 * back more than HTMLMAIL_CLONES_MAX times in all: each clone is a node,
 * and "<p><b id=1>x</p><p><b id=2>x</p>..." clones all the earlier ones
 * in every paragraph. A heuristic, erring towards deeper. *copy gets the
 * edited copy (owned), or NULL when no tag needed it. 0, or -1 when
 * memory ran out.
 */
static int
htmlmail_guard(const char *s, size_t len, char **copy)
{
	struct htmlmail_stack	*st;
	GumboTag		 tag;
	const char		*p, *attrs;
	size_t			 i = 0, n, end, alen, budget = HTMLMAIL_CLONES_MAX;
	int			 rc;

	*copy = NULL;
	if ((st = malloc(sizeof(*st))) == NULL)
		return -1;
	st->depth = st->nvirt = 0;
	while (i < len) {
		if ((p = memchr(s + i, '<', len - i)) == NULL)
			break;
		if ((size_t)(p - s) > i)
			htmlmail_reconstruct(st);	/* text */
		i = (size_t)(p - s);
		if (i + 1 >= len)
			break;
		if (s[i + 1] == '!' && len - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
			/* "<!-->" and "<!--->" end at once (WHATWG 13.2.5.43) */
			if (i + 4 < len && s[i + 4] == '>')
				i += 5;
			else if (i + 5 < len && s[i + 4] == '-' && s[i + 5] == '>')
				i += 6;
			else
				i = htmlmail_past(s, i + 4, len, "-->", 3);
			continue;
		}
		if (s[i + 1] == '!' || s[i + 1] == '?') {
			p = memchr(s + i, '>', len - i);
			i = p != NULL ? (size_t)(p - s) + 1 : len;
			continue;
		}
		if (s[i + 1] == '/' && i + 2 < len &&
		    isalpha((unsigned char)s[i + 2])) {
			n = htmlmail_name_len(s, i + 2, len);
			rc = htmlmail_end_tag(st, htmlmail_tag_of(s + i + 2, n),
			    &budget);
			if (rc == -1 && htmlmail_blank_tag(s, len, i, copy) == -1)
				goto oom;
			i = htmlmail_tag_end(s, i + 2 + n, len);
			continue;
		}
		if (!isalpha((unsigned char)s[i + 1])) {
			i++;
			continue;
		}
		n = htmlmail_name_len(s, i + 1, len);
		tag = htmlmail_tag_of(s + i + 1, n);
		end = htmlmail_tag_end(s, i + 1 + n, len);
		if (tag == GUMBO_TAG_PLAINTEXT)
			break;		/* the rest is text */
		if (HTMLMAIL_IS(tag, htmlmail_rawtext)) {
			/* Up to its end tag, which pops nothing: never pushed. */
			i = htmlmail_raw_end(s, end, len, s + i + 1, n);
			continue;
		}
		attrs = s + i + 1 + n;
		alen = end - (i + 1 + n);
		if (alen > 0 && attrs[alen - 1] == '>')
			alen--;
		rc = htmlmail_start_tag(st, tag, attrs, alen,
		    alen > 0 && attrs[alen - 1] == '/', &budget);
		if (rc == -1 && htmlmail_blank_tag(s, len, i, copy) == -1)
			goto oom;
		i = end;
	}
	free(st);
	return 0;
oom:
	free(st);
	free(*copy);
	*copy = NULL;
	return -1;
}

/* ---- Addresses ---- */

/* Adds the len bytes at addr to l when they are a valid address not yet
 * in l and l has room. The domain's ASCII letters are lower-cased. */
static void
htmlmail_add(struct htmlmail_list *l, const char *addr, size_t len,
    enum htmlmail_how how, size_t pos)
{
	struct htmlmail_cand	*c;
	char			*at;
	size_t			 i;

	if (len == 0 || len > EMAIL_MAX || l->n == HTMLMAIL_FOUND_MAX)
		return;
	c = &l->c[l->n];
	memcpy(c->email, addr, len);
	c->email[len] = '\0';
	if (memchr(c->email, '\0', len) != NULL ||
	    (at = strrchr(c->email, '@')) == NULL)
		return;
	for (at++; *at != '\0'; at++)
		*at = (char)tolower((unsigned char)*at);
	if (!email_valid(c->email))
		return;
	email_key(c->key, c->email);
	for (i = 0; i < l->n; i++)
		if (strcmp(l->c[i].key, c->key) == 0)
			return;
	c->how = how;
	c->pos = pos;
	l->n++;
}

/* The value of the hex digit c, or -1. */
static int
htmlmail_hex(int c)
{
	static const char	 digits[] = "0123456789abcdef";
	const char		*p;

	if (c == '\0' || (p = strchr(digits, tolower(c))) == NULL)
		return -1;
	return (int)(p - digits);
}

/*
 * Decodes the %xx escapes of the first n bytes of s (fewer if it ends)
 * into out, at most outlen - 1 bytes and a NUL. %00 decodes too: callers
 * that cannot take a NUL check. Returns the length written.
 */
static size_t
htmlmail_unescape(char *out, size_t outlen, const char *s, size_t n)
{
	size_t	 i, o = 0;
	int	 hi, lo;

	for (i = 0; i < n && s[i] != '\0' && o + 1 < outlen; i++) {
		if (s[i] == '%' && i + 2 < n &&
		    (hi = htmlmail_hex(s[i + 1])) >= 0 &&
		    (lo = htmlmail_hex(s[i + 2])) >= 0) {
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			out[o++] = s[i];
	}
	if (outlen > 0)
		out[o] = '\0';
	return o;
}

/*
 * Cloudflare's email address obfuscation: hex bytes, the first the key
 * the others are XORed with. A "?subject" the address may carry goes.
 */
static void
htmlmail_cfemail(struct htmlmail_ctx *ctx, const char *hex, size_t n)
{
	char	 out[EMAIL_MAX + 1];
	size_t	 i, o;
	int	 key, hi, lo;

	if (n < 4 || n % 2 != 0 || n / 2 - 1 > EMAIL_MAX ||
	    (hi = htmlmail_hex(hex[0])) < 0 || (lo = htmlmail_hex(hex[1])) < 0)
		return;
	key = hi << 4 | lo;
	for (i = 2, o = 0; i < n; i += 2) {
		if ((hi = htmlmail_hex(hex[i])) < 0 ||
		    (lo = htmlmail_hex(hex[i + 1])) < 0 ||
		    ((hi << 4 | lo) ^ key) == 0)
			return;
		out[o++] = (char)((hi << 4 | lo) ^ key);
	}
	out[o] = '\0';
	htmlmail_add(&ctx->el, out, strcspn(out, "?"), HTMLMAIL_CFEMAIL,
	    ctx->text.len);
}

static int
htmlmail_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/*
 * The addresses of a mailto: URL (RFC 6068 section 2): v is what follows
 * "mailto:". 0, or -1 when memory ran out.
 */
static int
htmlmail_mailto(struct htmlmail_ctx *ctx, const char *v)
{
	char	*buf, *p, *e, *end, *lt, *gt;
	size_t	 n = strcspn(v, "?");

	if ((buf = malloc(n + 1)) == NULL)
		return -1;
	end = buf + htmlmail_unescape(buf, n + 1, v, n);
	for (p = buf; p < end; p = e + 1) {
		for (e = p; e < end && *e != ',' && *e != ';'; e++)
			continue;
		/* "Name <addr>", which RFC 6068 does not allow but people write */
		if ((lt = memchr(p, '<', (size_t)(e - p))) != NULL &&
		    (gt = memchr(lt, '>', (size_t)(e - lt))) != NULL) {
			p = lt + 1;
			n = (size_t)(gt - p);
		} else {
			while (p < e && htmlmail_blank((unsigned char)*p))
				p++;
			n = (size_t)(e - p);
			while (n > 0 && htmlmail_blank((unsigned char)p[n - 1]))
				n--;
		}
		htmlmail_add(&ctx->el, p, n, HTMLMAIL_MAILTO, ctx->text.len);
	}
	free(buf);
	return 0;
}

/* ---- Visible text ---- */

static int
htmlmail_text_add(struct htmlmail_text *t, const char *s, size_t n,
    int entity_at)
{
	size_t	 cap, i;
	char	*nt;
	unsigned char *nm;

	if (t->len + n > t->cap) {
		cap = t->cap > 0 ? t->cap : 4096;
		while (cap < t->len + n) {
			if (cap > SIZE_MAX / 2)
				return -1;
			cap *= 2;
		}
		if ((nt = realloc(t->t, cap)) == NULL)
			return -1;
		t->t = nt;
		if ((nm = realloc(t->m, cap)) == NULL)
			return -1;
		t->m = nm;
		t->cap = cap;
	}
	memcpy(t->t + t->len, s, n);
	for (i = 0; i < n; i++)
		t->m[t->len + i] = entity_at && s[i] == '@' ? HM_AT : HM_PLAIN;
	t->len += n;
	return 0;
}

/* Separates words: a blank unless the text already ends with one. */
static int
htmlmail_text_break(struct htmlmail_text *t)
{
	if (t->len == 0 || t->t[t->len - 1] == ' ')
		return 0;
	return htmlmail_text_add(t, " ", 1, 0);
}

/*
 * Appends a text node. An "@" the decoded text has but its source does
 * not was written as a character reference (&#64;, &commat;): marked as
 * obfuscated.
 */
static int
htmlmail_text_node(struct htmlmail_text *t, const GumboText *x)
{
	size_t	 n = strlen(x->text);
	int	 entity = 0;

	if (memchr(x->text, '@', n) != NULL &&
	    (x->original_text.data == NULL ||
	    memchr(x->original_text.data, '@', x->original_text.length) == NULL))
		entity = 1;
	return htmlmail_text_add(t, x->text, n, entity);
}

/* ---- Walking the tree ---- */

static const GumboVector *
htmlmail_children(const GumboNode *n)
{
	if (n->type == GUMBO_NODE_DOCUMENT)
		return &n->v.document.children;
	if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE)
		return &n->v.element.children;
	return NULL;
}

/*
 * The node after n in document order, not entering n's children unless
 * descend, and staying under root; NULL at the end. *up counts the
 * elements left on the way (leave is called for each when not NULL).
 */
static GumboNode *
htmlmail_next(GumboNode *n, const GumboNode *root, int descend,
    int (*leave)(void *, GumboNode *), void *arg, int *rc)
{
	const GumboVector	*kids = descend ? htmlmail_children(n) : NULL;
	GumboNode		*parent;
	size_t			 i;

	if (kids != NULL && kids->length > 0)
		return kids->data[0];
	for (;;) {
		if (leave != NULL && (*rc = leave(arg, n)) == -1)
			return NULL;
		if (n == root || (parent = n->parent) == NULL ||
		    (kids = htmlmail_children(parent)) == NULL)
			return NULL;
		i = n->index_within_parent;
		if (i >= kids->length || kids->data[i] != n)
			for (i = 0; i < kids->length && kids->data[i] != n; i++)
				continue;
		if (i >= kids->length)
			return NULL;	/* not its parent's child: stop */
		if (i + 1 < kids->length)
			return kids->data[i + 1];
		n = parent;
	}
}

/* The first <base href> of the document (WHATWG 4.2.3), or NULL. */
static const char *
htmlmail_base_href(GumboNode *root)
{
	GumboNode	*n = root;
	GumboAttribute	*a;
	int		 rc = 0;

	while (n != NULL) {
		if (n->type == GUMBO_NODE_ELEMENT &&
		    n->v.element.tag == GUMBO_TAG_BASE &&
		    (a = gumbo_get_attribute(&n->v.element.attributes,
		    "href")) != NULL)
			return a->value;
		n = htmlmail_next(n, root, n->type != GUMBO_NODE_TEMPLATE, NULL,
		    NULL, &rc);
	}
	return NULL;
}

/* Appends the k bytes at s and a blank to out, which holds *o bytes of
 * HTMLMAIL_LINK_TEXT; cut to fit. -1 when out is full. */
static int
htmlmail_link_append(char *out, size_t *o, const char *s, size_t k)
{
	size_t	 room = HTMLMAIL_LINK_TEXT - 1 - *o;

	if (room < 2)
		return -1;
	if (k > room - 1)
		k = room - 1;
	memcpy(out + *o, s, k);
	*o += k;
	out[(*o)++] = ' ';
	out[*o] = '\0';
	return 0;
}

/* The text under a, and its title, aria-label and alt, into out
 * (HTMLMAIL_LINK_TEXT bytes), cut to fit. */
static void
htmlmail_link_text(char *out, GumboNode *a)
{
	static const char *const attrs[] = { "title", "aria-label", "alt" };
	GumboNode	*n = a;
	GumboAttribute	*at;
	size_t		 o = 0, i;
	int		 rc = 0;

	out[0] = '\0';
	for (i = 0; i < HTMLMAIL_NELEM(attrs); i++)
		if ((at = gumbo_get_attribute(&a->v.element.attributes,
		    attrs[i])) != NULL &&
		    htmlmail_link_append(out, &o, at->value,
		    strlen(at->value)) == -1)
			return;
	while (n != NULL) {
		if (n->type == GUMBO_NODE_TEXT &&
		    htmlmail_link_append(out, &o, n->v.text.text,
		    strlen(n->v.text.text)) == -1)
			return;
		n = htmlmail_next(n, a, n->type == GUMBO_NODE_ELEMENT, NULL, NULL,
		    &rc);
	}
}

/* The best keyword weight in s, folded; 0 when it has none. */
static int
htmlmail_weight(const char *s)
{
	char	 f[HTMLMAIL_LINK_TEXT + 2], kw[64];
	size_t	 i;
	int	 w = 0;

	f[0] = ' ';
	i = pnorm_fold(f + 1, sizeof(f) - 2, s);
	f[i + 1] = ' ';
	f[i + 2] = '\0';
	for (i = 0; i < HTMLMAIL_NELEM(htmlmail_keywords); i++) {
		if (htmlmail_keywords[i].weight <= w)
			continue;
		snprintf(kw, sizeof(kw), " %s ", htmlmail_keywords[i].words);
		if (strstr(f, kw) != NULL)
			w = htmlmail_keywords[i].weight;
	}
	return w;
}

/* The lower-case host of h without "www.", owned; NULL without one. */
static char *
htmlmail_host(CURLU *h, int *oom)
{
	char	*host, *dup;
	size_t	 i;
	CURLUcode rc;

	if ((rc = curl_url_get(h, CURLUPART_HOST, &host, 0)) != CURLUE_OK) {
		*oom = rc == CURLUE_OUT_OF_MEMORY;
		return NULL;
	}
	for (i = 0; host[i] != '\0'; i++)
		host[i] = (char)tolower((unsigned char)host[i]);
	dup = strdup(strncmp(host, "www.", 4) == 0 ? host + 4 : host);
	curl_free(host);
	if (dup == NULL)
		*oom = 1;
	return dup;
}

/*
 * Keeps url (owned, taken) with score among the best links: the same URL
 * keeps its best score; the list stays sorted by score, first found
 * first among equals.
 */
static void
htmlmail_link_keep(struct htmlmail_res *res, char *url, int score)
{
	struct htmlmail_link	 t;
	size_t			 i;

	for (i = 0; i < res->nlinks; i++)
		if (strcmp(res->links[i].url, url) == 0)
			break;
	if (i < res->nlinks) {
		free(url);
		if (res->links[i].score >= score)
			return;
		res->links[i].score = score;
	} else if (res->nlinks < HTMLMAIL_LINKS_MAX) {
		i = res->nlinks++;
		res->links[i].url = url;
		res->links[i].score = score;
	} else if (res->links[HTMLMAIL_LINKS_MAX - 1].score < score) {
		i = HTMLMAIL_LINKS_MAX - 1;
		free(res->links[i].url);
		res->links[i].url = url;
		res->links[i].score = score;
	} else {
		free(url);
		return;
	}
	for (; i > 0 && res->links[i - 1].score < res->links[i].score; i--) {
		t = res->links[i - 1];
		res->links[i - 1] = res->links[i];
		res->links[i] = t;
	}
}

/*
 * Scores the link to href (trimmed) of element a and keeps it when it is
 * worth fetching. 0, or -1 when memory ran out.
 */
static int
htmlmail_link(struct htmlmail_ctx *ctx, GumboNode *a, const char *href)
{
	char		 text[HTMLMAIL_LINK_TEXT], dec[HTMLMAIL_LINK_TEXT];
	char		*scheme = NULL, *path = NULL, *query = NULL, *url = NULL;
	char		*host = NULL, *own;
	CURLU		*h;
	CURLUcode	 rc;
	size_t		 n;
	int		 wt, wh, score, oom = 0;

	htmlmail_link_text(text, a);
	wt = htmlmail_weight(text);
	if ((h = ctx->base != NULL ? curl_url_dup(ctx->base) : curl_url()) ==
	    NULL)
		return -1;
	if ((rc = curl_url_set(h, CURLUPART_URL, href, 0)) != CURLUE_OK ||
	    (rc = curl_url_get(h, CURLUPART_SCHEME, &scheme, 0)) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) ||
	    (rc = curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0)) != CURLUE_OK ||
	    (rc = curl_url_get(h, CURLUPART_PATH, &path, 0)) != CURLUE_OK)
		goto done;
	if ((rc = curl_url_get(h, CURLUPART_QUERY, &query, 0)) != CURLUE_OK &&
	    rc != CURLUE_NO_QUERY)
		goto done;
	n = htmlmail_unescape(dec, sizeof(dec) / 2, path, SIZE_MAX);
	if (query != NULL) {
		dec[n++] = ' ';
		htmlmail_unescape(dec + n, sizeof(dec) - n, query, SIZE_MAX);
	}
	wh = htmlmail_weight(dec);
	if ((score = wt > wh ? wt : wh) == 0)
		goto done;
	if (wt > 0 && wh > 0)
		score += 2;
	if ((rc = curl_url_get(h, CURLUPART_URL, &url, 0)) != CURLUE_OK)
		goto done;
	if (ctx->self != NULL && strcmp(url, ctx->self) == 0)
		goto done;
	if ((host = htmlmail_host(h, &oom)) == NULL)
		goto done;
	if (ctx->host != NULL && strcmp(host, ctx->host) == 0)
		score++;
	if ((own = strdup(url)) == NULL)
		oom = 1;
	else
		htmlmail_link_keep(ctx->res, own, score);
done:
	if (rc == CURLUE_OUT_OF_MEMORY)
		oom = 1;
	free(host);
	curl_free(url);
	curl_free(query);
	curl_free(path);
	curl_free(scheme);
	curl_url_cleanup(h);
	return oom ? -1 : 0;
}

/*
 * A URL attribute as browsers read it (WHATWG URL, basic URL parser):
 * leading and trailing blanks and controls trimmed, tabs and newlines
 * dropped, "\\" read as "/" (a special scheme's path separator). Owned;
 * NULL when memory ran out.
 */
static char *
htmlmail_url_clean(const char *v)
{
	char	*u;
	size_t	 n, i, o = 0;

	while (*v != '\0' && (unsigned char)*v <= ' ')
		v++;
	n = strlen(v);
	while (n > 0 && (unsigned char)v[n - 1] <= ' ')
		n--;
	if ((u = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (v[i] != '\t' && v[i] != '\n' && v[i] != '\r')
			u[o++] = v[i] == '\\' ? '/' : v[i];
	u[o] = '\0';
	return u;
}

/*
 * An <a> or <area>: its mailto: addresses, its Cloudflare-protected
 * address, or the link it is. 0, or -1 when memory ran out.
 */
static int
htmlmail_anchor(struct htmlmail_ctx *ctx, GumboNode *a)
{
	static const char	 cf[] = "/cdn-cgi/l/email-protection#";
	GumboAttribute		*at;
	const char		*p;
	char			*href;
	int			 rc = 0;

	if ((at = gumbo_get_attribute(&a->v.element.attributes, "href")) ==
	    NULL)
		return 0;
	if ((href = htmlmail_url_clean(at->value)) == NULL)
		return -1;
	if (strncasecmp(href, "mailto:", 7) == 0)
		rc = htmlmail_mailto(ctx, href + 7);
	else if ((p = strstr(href, cf)) != NULL) {
		p += sizeof(cf) - 1;
		htmlmail_cfemail(ctx, p, strspn(p, "0123456789abcdefABCDEF"));
	} else if (href[0] != '\0' && href[0] != '#' &&
	    a->v.element.tag == GUMBO_TAG_A)
		rc = htmlmail_link(ctx, a, href);
	free(href);
	return rc;
}

/* Visits n on the way down. 1 to enter its children, 0 not to, -1 when
 * memory ran out. */
static int
htmlmail_enter(struct htmlmail_ctx *ctx, GumboNode *n)
{
	GumboAttribute	*at;
	GumboTag	 tag;

	switch (n->type) {
	case GUMBO_NODE_DOCUMENT:
		return 1;
	case GUMBO_NODE_TEXT:
	case GUMBO_NODE_CDATA:
	case GUMBO_NODE_WHITESPACE:
		return htmlmail_text_node(&ctx->text, &n->v.text);
	case GUMBO_NODE_ELEMENT:
		break;
	default:		/* comments; template contents are inert */
		return 0;
	}
	tag = n->v.element.tag;
	if (!htmlmail_tag_in(tag, htmlmail_inline,
	    HTMLMAIL_NELEM(htmlmail_inline)) &&
	    htmlmail_text_break(&ctx->text) == -1)
		return -1;
	if (htmlmail_tag_in(tag, htmlmail_hidden,
	    HTMLMAIL_NELEM(htmlmail_hidden)))
		return 0;
	if ((at = gumbo_get_attribute(&n->v.element.attributes,
	    "data-cfemail")) != NULL)
		htmlmail_cfemail(ctx, at->value, strlen(at->value));
	if ((tag == GUMBO_TAG_A || tag == GUMBO_TAG_AREA) &&
	    htmlmail_anchor(ctx, n) == -1)
		return -1;
	return 1;
}

/* Visits n on the way up: block boundaries separate words. */
static int
htmlmail_leave(void *arg, GumboNode *n)
{
	struct htmlmail_ctx	*ctx = arg;

	if (n->type == GUMBO_NODE_ELEMENT &&
	    !htmlmail_tag_in(n->v.element.tag, htmlmail_inline,
	    HTMLMAIL_NELEM(htmlmail_inline)))
		return htmlmail_text_break(&ctx->text);
	return 0;
}

static int
htmlmail_walk(struct htmlmail_ctx *ctx, GumboNode *root)
{
	GumboNode	*n = root;
	int		 rc = 0, descend;

	while (n != NULL) {
		if ((descend = htmlmail_enter(ctx, n)) == -1)
			return -1;
		n = htmlmail_next(n, root, descend, htmlmail_leave, ctx, &rc);
		if (rc == -1)
			return -1;
	}
	return 0;
}

/* ---- Scanning the text ---- */

/* Length of the blank at t[i] (ASCII blank or U+00A0), 0 if none. */
static size_t
htmlmail_blank_at(const char *t, size_t len, size_t i)
{
	if (i < len && htmlmail_blank((unsigned char)t[i]))
		return 1;
	if (i + 1 < len && (unsigned char)t[i] == 0xc2 &&
	    (unsigned char)t[i + 1] == 0xa0)
		return 2;
	return 0;
}

/* Skips at most max blanks from t[i]. */
static size_t
htmlmail_skip_blanks(const char *t, size_t len, size_t i, size_t max)
{
	size_t	 b;

	while (max-- > 0 && (b = htmlmail_blank_at(t, len, i)) > 0)
		i += b;
	return i;
}

/*
 * Matches an obfuscation token at t[i]: "[word]" (brackets [] () {} <>,
 * blanks allowed inside) or, when bare is set (t[i] follows a blank), a
 * bare word followed by a blank. Trailing blanks are part of the token.
 * Returns its end and sets *c and *mark, or returns 0.
 */
static size_t
htmlmail_token_at(const char *t, size_t len, size_t i, int bare, char *c,
    unsigned char *mark)
{
	static const char	 open[] = "[({<", close[] = "])}>";
	const struct htmlmail_token *tk;
	const char		*o;
	size_t			 j, k, wl;

	o = i < len ? strchr(open, t[i]) : NULL;
	if (o != NULL && *o != '\0') {
		j = htmlmail_skip_blanks(t, len, i + 1, 4);
		for (k = 0; k < HTMLMAIL_NELEM(htmlmail_tokens); k++) {
			tk = &htmlmail_tokens[k];
			wl = strlen(tk->word);
			if (len - j < wl || strncasecmp(t + j, tk->word, wl) != 0)
				continue;
			j = htmlmail_skip_blanks(t, len, j + wl, 4);
			if (j >= len || t[j] != close[o - open])
				return 0;
			*c = tk->c;
			*mark = tk->c == '@' ? HM_AT : HM_DOT;
			return htmlmail_skip_blanks(t, len, j + 1, 4);
		}
		return 0;
	}
	if (!bare)
		return 0;
	for (k = 0; k < HTMLMAIL_NELEM(htmlmail_tokens); k++) {
		tk = &htmlmail_tokens[k];
		wl = strlen(tk->word);
		if (len - i < wl || strncasecmp(t + i, tk->word, wl) != 0 ||
		    htmlmail_blank_at(t, len, i + wl) == 0)
			continue;
		*c = tk->c;
		*mark = tk->bare;
		return htmlmail_skip_blanks(t, len, i + wl, 4);
	}
	return 0;
}

/* 1 if the UTF-8 character at t[i] is a Latin letter (U+00C0..U+024F,
 * but × and ÷); *n gets its length. */
static int
htmlmail_latin_at(const unsigned char *t, size_t len, size_t i, size_t *n)
{
	unsigned	 cp;

	*n = 1;
	if (t[i] < 0xc3 || t[i] > 0xc9 || i + 1 >= len ||
	    (t[i + 1] & 0xc0) != 0x80)
		return 0;
	cp = (unsigned)(t[i] & 0x1f) << 6 | (t[i + 1] & 0x3f);
	*n = 2;
	return cp >= 0xc0 && cp <= 0x24f && cp != 0xd7 && cp != 0xf7;
}

/*
 * Rewrites the text with obfuscation tokens replaced by the character
 * they stand for, marked, and non-ASCII letters marked HM_LETTER. The
 * element list's positions move with the text. 0, or -1 when memory ran
 * out.
 */
static int
htmlmail_detoken(struct htmlmail_ctx *ctx, struct htmlmail_text *out)
{
	const struct htmlmail_text *in = &ctx->text;
	size_t		 i = 0, e, b, n, k = 0;
	unsigned char	 mark;
	char		 c;

	memset(out, 0, sizeof(*out));
	if (in->len == 0)
		return 0;
	if ((out->t = malloc(in->len)) == NULL ||
	    (out->m = malloc(in->len)) == NULL)
		return -1;
	out->cap = in->len;
	while (i < in->len) {
		for (; k < ctx->el.n && ctx->el.c[k].pos <= i; k++)
			ctx->el.c[k].pos = out->len;
		b = htmlmail_blank_at(in->t, in->len, i);
		e = 0;
		if (b > 0) {
			/* A run of blanks, then perhaps a token. */
			e = htmlmail_skip_blanks(in->t, in->len, i, SIZE_MAX);
			n = htmlmail_token_at(in->t, in->len, e, 1, &c, &mark);
			if (n == 0) {
				memcpy(out->t + out->len, in->t + i, e - i);
				memset(out->m + out->len, HM_PLAIN, e - i);
				out->len += e - i;
				i = e;
				continue;
			}
			e = n;
		} else
			e = htmlmail_token_at(in->t, in->len, i, 0, &c, &mark);
		if (e > 0) {
			out->t[out->len] = c;
			out->m[out->len++] = mark;
			i = e;
		} else if (htmlmail_latin_at((const unsigned char *)in->t,
		    in->len, i, &n)) {
			memcpy(out->t + out->len, in->t + i, n);
			memset(out->m + out->len, HM_LETTER, n);
			out->len += n;
			i += n;
		} else {
			out->t[out->len] = in->t[i];
			out->m[out->len++] = in->m[i];
			i++;
		}
	}
	for (; k < ctx->el.n; k++)
		ctx->el.c[k].pos = out->len;
	return 0;
}

/* 1 if byte i of the scanned text may be in a local part (not "."). */
static int
htmlmail_local_ok(const struct htmlmail_text *x, size_t i)
{
	unsigned char	 c = (unsigned char)x->t[i];

	return isalnum(c) || c == '_' || c == '%' || c == '+' || c == '-' ||
	    (x->m[i] & HM_LETTER);
}

/* 1 if byte i of the scanned text may be in a domain (not "."). */
static int
htmlmail_domain_ok(const struct htmlmail_text *x, size_t i)
{
	unsigned char	 c = (unsigned char)x->t[i];

	return isalnum(c) || c == '-' || (x->m[i] & HM_LETTER);
}

/* 1 if the "." at byte i joins labels of an address whose "@" is
 * marked at: weak dots only join around a token "@". */
static int
htmlmail_dot_ok(const struct htmlmail_text *x, size_t i, unsigned char at)
{
	return x->t[i] == '.' &&
	    ((x->m[i] & HM_KIND) != HM_DOT_WEAK || at != HM_PLAIN);
}

/* 1 if bytes s..e of the scanned text are lower-case ASCII letters,
 * digits, "@" and ".-_+". */
static int
htmlmail_lower_ascii(const struct htmlmail_text *x, size_t s, size_t e)
{
	for (; s < e; s++)
		if (!islower((unsigned char)x->t[s]) &&
		    !isdigit((unsigned char)x->t[s]) &&
		    strchr("@.-_+", x->t[s]) == NULL)
			return 0;
	return 1;
}

/*
 * Finds the addresses around each "@" of the rewritten text. An address
 * with a token, or an "@" from a character reference, is obfuscated.
 */
static void
htmlmail_scan(struct htmlmail_ctx *ctx, const struct htmlmail_text *x)
{
	size_t		 i, s, e, k;
	unsigned char	 at;
	int		 dots, marked;

	for (i = 0; i < x->len; i++) {
		if (x->t[i] != '@')
			continue;
		at = x->m[i] & HM_KIND;
		for (s = i; s > 0 && (htmlmail_local_ok(x, s - 1) ||
		    htmlmail_dot_ok(x, s - 1, at)); s--)
			continue;
		while (s < i && x->t[s] == '.')
			s++;
		for (e = i + 1; e < x->len && (htmlmail_domain_ok(x, e) ||
		    htmlmail_dot_ok(x, e, at)); e++)
			continue;
		while (e > i + 1 && (x->t[e - 1] == '.' || x->t[e - 1] == '-'))
			e--;
		if (s == i || e == i + 1)
			continue;
		dots = 0;
		marked = 0;
		for (k = s; k < e; k++) {
			if ((x->m[k] & HM_KIND) != HM_PLAIN)
				marked = 1;
			if (k > i && ((x->m[k] & HM_KIND) == HM_DOT ||
			    (x->m[k] & HM_KIND) == HM_DOT_WEAK))
				dots = 1;
		}
		/*
		 * A bare " at " needs a spelled-out dot as well, and an
		 * address in lower-case ASCII, as people obfuscate by hand:
		 * prose ("Dégustation at cave dot com") rarely is.
		 */
		if (at == HM_AT_WEAK && (!dots || !htmlmail_lower_ascii(x, s, e)))
			continue;
		k = ctx->tx.n;
		htmlmail_add(&ctx->tx, x->t + s, e - s,
		    marked ? HTMLMAIL_OBFUSCATED : HTMLMAIL_TEXT, s);
		if (ctx->tx.n > k)
			i = e - 1;
	}
}

/* Merges the element and text lists into res in document order. */
static void
htmlmail_merge(struct htmlmail_ctx *ctx)
{
	struct htmlmail_res		*res = ctx->res;
	const struct htmlmail_cand	*c, *kept[HTMLMAIL_FOUND_MAX];
	size_t				 a = 0, b = 0, i;

	while (res->nfound < HTMLMAIL_FOUND_MAX &&
	    (a < ctx->el.n || b < ctx->tx.n)) {
		if (b >= ctx->tx.n ||
		    (a < ctx->el.n && ctx->el.c[a].pos <= ctx->tx.c[b].pos))
			c = &ctx->el.c[a++];
		else
			c = &ctx->tx.c[b++];
		for (i = 0; i < res->nfound; i++)
			if (strcmp(kept[i]->key, c->key) == 0)
				break;
		if (i < res->nfound)
			continue;
		kept[res->nfound] = c;
		memcpy(res->found[res->nfound].email, c->email,
		    strlen(c->email) + 1);
		res->found[res->nfound++].how = c->how;
	}
}

/* ---- The page ---- */

/*
 * Sets what links resolve against (page_url, then base_href over it),
 * the page's own URL and its host. A base_href that does not resolve is
 * ignored, as browsers do. 0, or -1 when memory ran out.
 */
static int
htmlmail_page(struct htmlmail_ctx *ctx, const char *page_url,
    const char *base_href)
{
	CURLU		*h;
	CURLUcode	 rc = CURLUE_OK;
	char		*url, *base = NULL;
	int		 oom = 0;

	if ((h = curl_url()) == NULL)
		return -1;
	if (page_url != NULL &&
	    (rc = curl_url_set(h, CURLUPART_URL, page_url, 0)) == CURLUE_OK) {
		ctx->base = h;
		if ((rc = curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0)) ==
		    CURLUE_OK &&
		    (rc = curl_url_get(h, CURLUPART_URL, &url, 0)) == CURLUE_OK) {
			if ((ctx->self = strdup(url)) == NULL)
				oom = 1;
			curl_free(url);
		}
		if (!oom && rc != CURLUE_OUT_OF_MEMORY)
			ctx->host = htmlmail_host(h, &oom);
	}
	if (rc == CURLUE_OUT_OF_MEMORY)
		oom = 1;
	if (!oom && base_href != NULL) {
		if ((base = htmlmail_url_clean(base_href)) == NULL)
			oom = 1;
		else if ((rc = curl_url_set(h, CURLUPART_URL, base, 0)) ==
		    CURLUE_OK)
			ctx->base = h;
		else if (rc == CURLUE_OUT_OF_MEMORY)
			oom = 1;
	}
	free(base);
	if (ctx->base != h)
		curl_url_cleanup(h);
	return oom ? -1 : 0;
}

/*
 * Parses the len bytes at buf with gumbo, its memory in heap (freed with
 * htmlmail_heap_free whatever happens). NULL when memory ran out: gumbo
 * has no way to say so, the allocator jumps back here instead.
 */
static GumboOutput *
htmlmail_parse(struct htmlmail_heap *heap, const char *buf, size_t len)
{
	GumboOptions	 opt = kGumboDefaultOptions;

	opt.allocator = htmlmail_alloc;
	opt.deallocator = htmlmail_dealloc;
	opt.userdata = heap;
	opt.max_errors = 0;	/* parse errors are not kept */
	if (setjmp(heap->oom) != 0)
		return NULL;
	return gumbo_parse_with_options(&opt, buf, len);
}

int
htmlmail_extract(struct htmlmail_res *res, const char *html, size_t len,
    const char *page_url)
{
	struct htmlmail_heap	 heap;
	struct htmlmail_ctx	*ctx;
	struct htmlmail_text	 scan;
	GumboOutput		*out;
	char			*copy = NULL;
	int			 rc = -1;

	memset(res, 0, sizeof(*res));
	memset(&scan, 0, sizeof(scan));
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return -1;
	ctx->res = res;
	heap.head = NULL;
	if (html == NULL)
		len = 0;
	if (htmlmail_guard(html, len, &copy) == -1)
		goto done;
	out = htmlmail_parse(&heap, copy != NULL ? copy : len > 0 ? html : "",
	    len);
	if (out == NULL || out->document == NULL)
		goto done;
	if (htmlmail_page(ctx, page_url, htmlmail_base_href(out->document)) ==
	    -1 || htmlmail_walk(ctx, out->document) == -1 ||
	    htmlmail_detoken(ctx, &scan) == -1)
		goto done;
	htmlmail_scan(ctx, &scan);
	htmlmail_merge(ctx);
	rc = 0;
done:
	if (rc == -1)
		htmlmail_res_free(res);
	htmlmail_heap_free(&heap);
	free(copy);
	free(scan.t);
	free(scan.m);
	free(ctx->text.t);
	free(ctx->text.m);
	curl_url_cleanup(ctx->base);
	free(ctx->self);
	free(ctx->host);
	free(ctx);
	return rc;
}

void
htmlmail_res_free(struct htmlmail_res *res)
{
	size_t	 i;

	if (res == NULL)
		return;
	for (i = 0; i < res->nlinks && i < HTMLMAIL_LINKS_MAX; i++)
		free(res->links[i].url);
	memset(res, 0, sizeof(*res));
}

const char *
htmlmail_how_name(enum htmlmail_how how)
{
	if ((unsigned)how >= HTMLMAIL__MAX)
		return "";
	return htmlmail_how_names[how];
}
