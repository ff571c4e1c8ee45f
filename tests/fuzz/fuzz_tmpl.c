/*
 * Fuzz target for the template engine (tmpl.h). The input is pieces
 * separated by 0xFF bytes (never valid UTF-8, so no real text is lost):
 * the template, then the values of the twelve fields in tmpl_field_names
 * order, then those of custom fields "siret", "rdv", "x" and "a_b"
 * (stored in the JSON object without a UTF-8 check: hostile data). A
 * missing piece is a missing value.
 *
 * Checked: a parse succeeds exactly when it lists no problem, agrees
 * with a parse that only validates, and refuses text that is not valid
 * UTF-8 or holds NUL; problems are in offset order, within the text, with
 * a short, valid UTF-8, one-line message. A render in each mode gives
 * valid UTF-8 without NUL within TMPL_OUT_MAX, or names its missing tags
 * as tags; header mode is text mode with every control byte a space,
 * and HTML mode is text mode when no value holds a character it escapes.
 * SMS counts agree with their own limits, with an ASCII oracle, and
 * refuse exactly the invalid UTF-8.
 */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "tmpl.h"
#include "fuzz.h"

#define FUZZ_SEP	0xff

static const char *const fuzz_custom_keys[] = { "siret", "rdv", "x", "a_b" };

#define FUZZ_NCUSTOM	(sizeof(fuzz_custom_keys) / sizeof(fuzz_custom_keys[0]))

/* Checks what tmpl_sms_segments says of s (NUL-terminated). */
static void
fuzz_sms(const char *s)
{
	struct tmpl_sms	 m;
	size_t		 len = strlen(s), i, ext = 0, single, multi;
	int		 ascii = 1;

	if (tmpl_sms_segments(s, &m) == -1) {
		FUZZ_CHECK(!fuzz_utf8_ok((const unsigned char *)s, len));
		return;
	}
	FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)s, len));
	FUZZ_CHECK(m.encoding < TMPL_SMS_ENCODING__MAX);
	single = m.encoding == TMPL_GSM7 ? 160 : 70;
	multi = m.encoding == TMPL_GSM7 ? 153 : 67;
	FUZZ_CHECK((m.units == 0) == (m.segments == 0));
	FUZZ_CHECK(m.units <= (m.encoding == TMPL_GSM7 ? 2 * len : len));
	if (m.units <= single)
		FUZZ_CHECK(m.segments <= 1 && m.per_segment == single);
	else {
		FUZZ_CHECK(m.per_segment == multi);
		FUZZ_CHECK(m.segments >= (m.units + multi - 1) / multi);
		FUZZ_CHECK(m.segments <= (m.units + multi - 2) / (multi - 1));
	}
	/* Printable ASCII but "`", LF and CR are GSM-7; ^{}\[~]| take two. */
	for (i = 0; i < len; i++) {
		if (strchr("^{}\\[~]|", s[i]) != NULL)
			ext++;
		else if (s[i] == '`' || ((unsigned char)s[i] < 0x20 &&
		    s[i] != '\n' && s[i] != '\r') || (unsigned char)s[i] >= 0x7f)
			ascii = 0;
	}
	if (ascii)
		FUZZ_CHECK(m.encoding == TMPL_GSM7 && m.units == len + ext);
}

/* 1 if name is what a render may report missing: a tag's name. */
static int
fuzz_tag_name(const char *name)
{
	size_t	 i;

	for (i = 0; i < TMPL_FIELD__MAX; i++)
		if (strcmp(name, tmpl_field_names[i]) == 0)
			return 1;
	if (strncmp(name, "custom.", 7) != 0)
		return 0;
	name += 7;
	return *name != '\0' && strlen(name) <= TMPL_CUSTOM_MAX &&
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") ==
	    strlen(name);
}

static void
fuzz_problems(const struct tmpl_problems *pr, size_t len)
{
	const struct tmpl_problem	*p;
	size_t				 i, n;

	FUZZ_CHECK(pr->n >= 1 && pr->n <= TMPL_PROBLEMS_MAX);
	FUZZ_CHECK(pr->total >= pr->n);
	FUZZ_CHECK(pr->n == TMPL_PROBLEMS_MAX || pr->n == pr->total);
	for (i = 0; i < pr->n; i++) {
		p = &pr->list[i];
		FUZZ_CHECK(p->code < TMPL_CODE__MAX);
		FUZZ_CHECK(p->offset <= len);
		FUZZ_CHECK(i == 0 || p->offset >= pr->list[i - 1].offset);
		FUZZ_CHECK(p->line >= 1 && p->column >= 1);
		FUZZ_CHECK(p->line <= len + 1 && p->column <= len + 1);
		n = strnlen(p->message, sizeof(p->message));
		FUZZ_CHECK(n > 0 && n < sizeof(p->message));
		FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)p->message, n));
		FUZZ_CHECK(strpbrk(p->message, "\r\n\t") == NULL);
	}
}

/*
 * Renders t in every mode and checks the results against each other.
 * special: a value holds HTML's special characters; junk: a value holds
 * control characters other than tab and line ends, which text and HTML
 * drop and a header turns into spaces.
 */
static void
fuzz_render(const struct tmpl *t, const struct tmpl_values *v, int special,
    int junk)
{
	struct tmpl_out	 o[TMPL_MODE__MAX];
	enum tmpl_rc	 rc[TMPL_MODE__MAX];
	size_t		 m, i;

	for (m = 0; m < TMPL_MODE__MAX; m++) {
		rc[m] = tmpl_render(&o[m], t, v, (enum tmpl_mode)m);
		if (rc[m] == TMPL_RENDERED) {
			FUZZ_CHECK(o[m].text != NULL && o[m].nmissing == 0);
			FUZZ_CHECK(o[m].len <= TMPL_OUT_MAX);
			FUZZ_CHECK(strlen(o[m].text) == o[m].len);
			FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)o[m].text,
			    o[m].len));
		} else if (rc[m] == TMPL_MISSING) {
			FUZZ_CHECK(o[m].text == NULL);
			FUZZ_CHECK(o[m].nmissing >= 1 &&
			    o[m].nmissing <= TMPL_MISSING_MAX);
			for (i = 0; i < o[m].nmissing; i++)
				FUZZ_CHECK(fuzz_tag_name(o[m].missing[i]));
		} else {
			FUZZ_CHECK(rc[m] == TMPL_OVERFLOW);
			FUZZ_CHECK(o[m].text == NULL);
		}
	}
	/* Missing values do not depend on the mode; the length barely does. */
	FUZZ_CHECK(rc[TMPL_TEXT] == rc[TMPL_HEADER]);
	FUZZ_CHECK((rc[TMPL_TEXT] == TMPL_MISSING) ==
	    (rc[TMPL_HTML] == TMPL_MISSING));
	if (rc[TMPL_TEXT] == TMPL_RENDERED && junk) {
		FUZZ_CHECK(o[TMPL_HEADER].len >= o[TMPL_TEXT].len);
		for (i = 0; i < o[TMPL_HEADER].len; i++)
			FUZZ_CHECK((unsigned char)o[TMPL_HEADER].text[i] >= 0x20 &&
			    (unsigned char)o[TMPL_HEADER].text[i] != 0x7f);
	} else if (rc[TMPL_TEXT] == TMPL_RENDERED) {
		FUZZ_CHECK(o[TMPL_HEADER].len == o[TMPL_TEXT].len);
		for (i = 0; i < o[TMPL_TEXT].len; i++) {
			unsigned char c = (unsigned char)o[TMPL_TEXT].text[i];
			FUZZ_CHECK(o[TMPL_HEADER].text[i] ==
			    (c < 0x20 || c == 0x7f ? ' ' : (char)c));
		}
		fuzz_sms(o[TMPL_TEXT].text);
		if (!special) {
			FUZZ_CHECK(rc[TMPL_HTML] == TMPL_RENDERED);
			FUZZ_CHECK(o[TMPL_HTML].len == o[TMPL_TEXT].len);
			FUZZ_CHECK(memcmp(o[TMPL_HTML].text, o[TMPL_TEXT].text,
			    o[TMPL_TEXT].len) == 0);
		} else if (rc[TMPL_HTML] == TMPL_RENDERED)
			FUZZ_CHECK(o[TMPL_HTML].len >= o[TMPL_TEXT].len);
	}
	for (m = 0; m < TMPL_MODE__MAX; m++)
		free(o[m].text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tmpl_problems	 pr, pr2;
	struct tmpl_values	 v, none;
	struct tmpl		*t;
	char			*copy, *piece[1 + TMPL_FIELD__MAX + FUZZ_NCUSTOM];
	const uint8_t		*sep;
	size_t			 np = 0, off = 0, len, i, tlen;
	int			 rc, special = 0, junk = 0;
	const char		*c;

	/* Each piece NUL-terminated in a copy; the template keeps its NULs. */
	if ((copy = malloc(size + 1)) == NULL)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	memset(piece, 0, sizeof(piece));
	tlen = size;
	while (np < sizeof(piece) / sizeof(piece[0])) {
		piece[np] = copy + off;
		sep = memchr(data + off, FUZZ_SEP, size - off);
		len = sep != NULL ? (size_t)(sep - data) - off : size - off;
		if (np++ == 0)
			tlen = len;
		copy[off + len] = '\0';
		if (sep == NULL)
			break;
		off += len + 1;
	}

	rc = tmpl_parse(&t, piece[0], tlen, &pr);
	FUZZ_CHECK(tmpl_parse(NULL, piece[0], tlen, &pr2) == rc);
	FUZZ_CHECK(pr2.n == pr.n && pr2.total == pr.total &&
	    memcmp(pr2.list, pr.list, pr.n * sizeof(pr.list[0])) == 0);
	if (rc == -1) {
		FUZZ_CHECK(t == NULL);
		fuzz_problems(&pr, tlen);
	} else {
		FUZZ_CHECK(rc == 0 && t != NULL && pr.n == 0 && pr.total == 0);
		FUZZ_CHECK(memchr(piece[0], '\0', tlen) == NULL);
		FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)piece[0], tlen));
	}
	fuzz_sms(piece[0]);

	if (t != NULL) {
		memset(&v, 0, sizeof(v));
		for (i = 0; i < TMPL_FIELD__MAX; i++)
			v.field[i] = piece[1 + i];
		if ((v.custom = json_object()) == NULL)
			abort();
		for (i = 0; i < FUZZ_NCUSTOM; i++) {
			const char *s = piece[1 + TMPL_FIELD__MAX + i];
			if (s != NULL && json_object_set_new((json_t *)v.custom,
			    fuzz_custom_keys[i], json_stringn_nocheck(s,
			    strlen(s))) == -1)
				abort();
		}
		for (i = 1; i < np; i++) {
			if (strpbrk(piece[i], "&<>\"'") != NULL)
				special = 1;
			for (c = piece[i]; *c != '\0'; c++)
				if (((unsigned char)*c < 0x20 && *c != '\t' &&
				    *c != '\n' && *c != '\r') || *c == 0x7f)
					junk = 1;
		}
		fuzz_render(t, &v, special, junk);
		json_decref((json_t *)v.custom);
		memset(&none, 0, sizeof(none));
		fuzz_render(t, &none, 0, 0);
		fuzz_render(t, NULL, 0, 0);
		tmpl_free(t);
	}
	free(copy);
	return 0;
}
