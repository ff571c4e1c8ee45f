/*
 * Unit tests of tmpl.c: a table of renders (every tag, custom fields,
 * fallbacks, whitespace, the escape, each mode), a table of problems with
 * their positions, hostile values (tags inside values, header injection,
 * HTML, invalid UTF-8, the output cap), missing values, and SMS counts at
 * the GSM-7 and UCS-2 boundaries of 3GPP TS 23.038.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "unit.h"

#include "tmpl.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* A prospect and a sender with every field, and custom fields. */
static void
values_full(struct tmpl_values *v, json_t **custom)
{
	memset(v, 0, sizeof(*v));
	v->field[TMPL_BUSINESS_NAME] = "Boulangerie L\xe2\x80\x99\xc3\x89pi d'Or";
	v->field[TMPL_FIRST_NAME] = "Marie";
	v->field[TMPL_LAST_NAME] = "Dupont";
	v->field[TMPL_CATEGORY] = "Boulangerie";
	v->field[TMPL_ADDRESS] = "12 rue de la R\xc3\xa9publique";
	v->field[TMPL_POSTAL_CODE] = "69001";
	v->field[TMPL_CITY] = "Lyon";
	v->field[TMPL_PHONE] = "+33 4 72 00 00 00";
	v->field[TMPL_EMAIL] = "contact@epi-dor.example";
	v->field[TMPL_WEBSITE] = "https://epi-dor.example";
	v->field[TMPL_SENDER_NAME] = "Paul Martin";
	v->field[TMPL_SENDER_COMPANY] = "Prospea Conseil";
	*custom = json_pack("{s:s, s:s, s:s, s:s, s:i, s:n}",
	    "siret", "12345678900011", "rdv", "mardi 10 h", "vide", "",
	    "blanc", " \t", "effectif", 12, "nul");
	assert_non_null(*custom);
	v->custom = *custom;
}

/*
 * Parses tpl (which must be valid) and renders it; returns the owned
 * text, or NULL with *rc saying why. out, if not NULL, gets the result.
 */
static char *
render(const char *tpl, size_t len, const struct tmpl_values *v,
    enum tmpl_mode mode, enum tmpl_rc *rc, struct tmpl_out *out)
{
	struct tmpl_problems	 pr;
	struct tmpl		*t;
	struct tmpl_out		 o;

	if (tmpl_parse(&t, tpl, len, &pr) != 0) {
		fprintf(stderr, "parse \"%s\": %s at %zu: %s\n", tpl,
		    tmpl_code_names[pr.list[0].code], pr.list[0].offset,
		    pr.list[0].message);
		fail();
	}
	assert_int_equal(pr.n, 0);
	*rc = tmpl_render(&o, t, v, mode);
	if (out != NULL)
		*out = o;
	tmpl_free(t);
	return o.text;
}

struct render_case {
	const char	*tpl;
	enum tmpl_mode	 mode;
	int		 full;		/* 1: values_full(), 0: no value */
	const char	*expected;	/* NULL: TMPL_MISSING */
};

static const struct render_case render_cases[] = {
	/* every tag */
	{ "{{business_name}}", TMPL_TEXT, 1,
	    "Boulangerie L\xe2\x80\x99\xc3\x89pi d'Or" },
	{ "{{first_name}}", TMPL_TEXT, 1, "Marie" },
	{ "{{last_name}}", TMPL_TEXT, 1, "Dupont" },
	{ "{{category}}", TMPL_TEXT, 1, "Boulangerie" },
	{ "{{address}}", TMPL_TEXT, 1, "12 rue de la R\xc3\xa9publique" },
	{ "{{postal_code}}", TMPL_TEXT, 1, "69001" },
	{ "{{city}}", TMPL_TEXT, 1, "Lyon" },
	{ "{{phone}}", TMPL_TEXT, 1, "+33 4 72 00 00 00" },
	{ "{{email}}", TMPL_TEXT, 1, "contact@epi-dor.example" },
	{ "{{website}}", TMPL_TEXT, 1, "https://epi-dor.example" },
	{ "{{sender_name}}", TMPL_TEXT, 1, "Paul Martin" },
	{ "{{sender_company}}", TMPL_TEXT, 1, "Prospea Conseil" },
	{ "{{custom.siret}}", TMPL_TEXT, 1, "12345678900011" },
	{ "{{custom.rdv}}", TMPL_TEXT, 1, "mardi 10 h" },
	/* a real message */
	{ "Bonjour {{first_name}},\n\nJe passe \xc3\xa0 {{city}} ({{postal_code}}) "
	  "mardi. {{business_name}} ferait-elle appel \xc3\xa0 nous ?\n-- \n"
	  "{{sender_name}}, {{sender_company}}", TMPL_TEXT, 1,
	  "Bonjour Marie,\n\nJe passe \xc3\xa0 Lyon (69001) mardi. Boulangerie "
	  "L\xe2\x80\x99\xc3\x89pi d'Or ferait-elle appel \xc3\xa0 nous ?\n-- \n"
	  "Paul Martin, Prospea Conseil" },
	{ "", TMPL_TEXT, 0, "" },
	{ "Pas de balise.", TMPL_TEXT, 0, "Pas de balise." },
	/* whitespace inside the braces */
	{ "{{ city }}", TMPL_TEXT, 1, "Lyon" },
	{ "{{city }}", TMPL_TEXT, 1, "Lyon" },
	{ "{{\tcity\t}}", TMPL_TEXT, 1, "Lyon" },
	{ "{{  custom.siret  }}", TMPL_TEXT, 1, "12345678900011" },
	{ "a{{city}}b{{city}}c", TMPL_TEXT, 1, "aLyonbLyonc" },
	/* fallbacks */
	{ "Bonjour {{first_name|Madame, Monsieur}},", TMPL_TEXT, 1,
	    "Bonjour Marie," },
	{ "Bonjour {{first_name|Madame, Monsieur}},", TMPL_TEXT, 0,
	    "Bonjour Madame, Monsieur," },
	{ "Bonjour {{ first_name | Madame, Monsieur }},", TMPL_TEXT, 0,
	    "Bonjour Madame, Monsieur," },
	{ "Bonjour{{first_name|}} !", TMPL_TEXT, 0, "Bonjour !" },
	{ "{{custom.rdv|bient\xc3\xb4t}}", TMPL_TEXT, 0, "bient\xc3\xb4t" },
	{ "{{custom.vide|rien}}", TMPL_TEXT, 1, "rien" },
	{ "{{custom.blanc|rien}}", TMPL_TEXT, 1, "rien" },
	{ "{{custom.effectif|?}}", TMPL_TEXT, 1, "?" },
	{ "{{custom.nul|?}}", TMPL_TEXT, 1, "?" },
	{ "{{custom.absent|?}}", TMPL_TEXT, 1, "?" },
	{ "{{city|{ } \\ }}", TMPL_TEXT, 0, "{ } \\" },
	/* the escape, and braces that are no tag */
	{ "\\{{city}}", TMPL_TEXT, 1, "{{city}}" },
	{ "\\{{ {{city}}", TMPL_TEXT, 1, "{{ Lyon" },
	{ "\\{{{city}}", TMPL_TEXT, 1, "{{{city}}" },
	{ "a \\ b \\{ c \\}} \\", TMPL_TEXT, 0, "a \\ b \\{ c \\}} \\" },
	{ "{city} }} {", TMPL_TEXT, 1, "{city} }} {" },
	{ "{{city}}}", TMPL_TEXT, 1, "Lyon}" },
	{ "{", TMPL_TEXT, 0, "{" },
	/* HTML mode: values escaped, literal text and fallbacks kept */
	{ "<p>{{business_name}}</p>", TMPL_HTML, 1,
	    "<p>Boulangerie L\xe2\x80\x99\xc3\x89pi d&#39;Or</p>" },
	{ "<p>{{first_name|<b>Madame</b> &amp; Monsieur}}</p>", TMPL_HTML, 0,
	    "<p><b>Madame</b> &amp; Monsieur</p>" },
	{ "{{business_name}}", TMPL_TEXT, 1,
	    "Boulangerie L\xe2\x80\x99\xc3\x89pi d'Or" },
	{ "{{business_name}}", TMPL_HEADER, 1,
	    "Boulangerie L\xe2\x80\x99\xc3\x89pi d'Or" },
	/* header mode: controls in literal text become spaces */
	{ "Votre devis\r\nBcc: x@example.com", TMPL_HEADER, 0,
	    "Votre devis  Bcc: x@example.com" },
	{ "a\tb\x01""c\x7f""d", TMPL_HEADER, 0, "a b c d" },
	{ "{{first_name|a\tb}}", TMPL_HEADER, 0, "a b" },
	{ "Votre devis\r\n", TMPL_TEXT, 0, "Votre devis\r\n" },
	/* missing values */
	{ "{{first_name}}", TMPL_TEXT, 0, NULL },
	{ "{{custom.vide}}", TMPL_TEXT, 1, NULL },
	{ "{{custom.blanc}}", TMPL_TEXT, 1, NULL },
	{ "{{custom.effectif}}", TMPL_TEXT, 1, NULL },
	{ "{{custom.absent}}", TMPL_TEXT, 1, NULL },
	{ "Bonjour {{first_name}} de {{city|votre ville}}", TMPL_HTML, 0, NULL },
};

static void
test_tmpl_render(void **state)
{
	struct tmpl_values	 full, none;
	json_t			*custom;
	enum tmpl_rc		 rc;
	char			*got;
	size_t			 i, bad = 0;

	values_full(&full, &custom);
	memset(&none, 0, sizeof(none));
	for (i = 0; i < NELEM(render_cases); i++) {
		const struct render_case *c = &render_cases[i];
		got = render(c->tpl, strlen(c->tpl), c->full ? &full : &none,
		    c->mode, &rc, NULL);
		if (c->expected == NULL ? rc != TMPL_MISSING || got != NULL :
		    rc != TMPL_RENDERED || strcmp(got, c->expected) != 0) {
			fprintf(stderr, "render \"%s\" (mode %d): got \"%s\" "
			    "(rc %d), expected \"%s\"\n", c->tpl, c->mode,
			    got != NULL ? got : "NULL", rc,
			    c->expected != NULL ? c->expected : "MISSING");
			bad++;
		}
		free(got);
	}
	json_decref(custom);
	assert_int_equal(bad, 0);
}

/* Every name of the table renders its own value, and is a known tag. */
static void
test_tmpl_field_names(void **state)
{
	struct tmpl_values	 v;
	struct tmpl_problems	 pr;
	enum tmpl_rc		 rc;
	char			 tpl[64], val[64], *got;
	size_t			 i, j;

	memset(&v, 0, sizeof(v));
	for (i = 0; i < TMPL_FIELD__MAX; i++) {
		assert_non_null(tmpl_field_names[i]);
		for (j = 0; j < i; j++)
			assert_string_not_equal(tmpl_field_names[i],
			    tmpl_field_names[j]);
		snprintf(val, sizeof(val), "value %zu", i);
		v.field[i] = strdup(val);
	}
	for (i = 0; i < TMPL_FIELD__MAX; i++) {
		snprintf(tpl, sizeof(tpl), "<{{%s}}>", tmpl_field_names[i]);
		assert_int_equal(tmpl_parse(NULL, tpl, strlen(tpl), &pr), 0);
		got = render(tpl, strlen(tpl), &v, TMPL_TEXT, &rc, NULL);
		snprintf(val, sizeof(val), "<value %zu>", i);
		assert_int_equal(rc, TMPL_RENDERED);
		assert_string_equal(got, val);
		free(got);
	}
	for (i = 0; i < TMPL_FIELD__MAX; i++)
		free((char *)v.field[i]);
	for (i = 0; i < TMPL_CODE__MAX; i++)
		assert_non_null(tmpl_code_names[i]);
}

struct problem_case {
	const char	*tpl;
	size_t		 len;		/* 0: strlen */
	enum tmpl_code	 code;
	size_t		 offset, line, column;
	const char	*in_message;	/* NULL: not checked */
};

#define CUSTOM64 "abcdefghijklmnopqrstuvwxyz_0123456789abcdefghijklmnopqrstuvwxyz_"

static const struct problem_case problem_cases[] = {
	{ "{{frist_name}}", 0, TMPL_UNKNOWN_TAG, 0, 1, 1,
	    "unknown tag {{frist_name}}: did you mean {{first_name}}?" },
	{ "{{City}}", 0, TMPL_UNKNOWN_TAG, 0, 1, 1, "did you mean {{city}}?" },
	{ "{{prenom}}", 0, TMPL_UNKNOWN_TAG, 0, 1, 1,
	    "did you mean {{first_name}}?" },
	{ "{{ Pr\xc3\xa9nom }}", 0, TMPL_UNKNOWN_TAG, 0, 1, 1,
	    "did you mean {{first_name}}?" },
	{ "{{ville}}", 0, TMPL_UNKNOWN_TAG, 0, 1, 1, "did you mean {{city}}?" },
	{ "{{siret}}", 0, TMPL_UNKNOWN_TAG, 0, 1, 1,
	    "a custom field is written {{custom.siret}}" },
	{ "{{first name}}", 0, TMPL_UNKNOWN_TAG, 0, 1, 1, NULL },
	{ "{{custom}}", 0, TMPL_UNKNOWN_TAG, 0, 1, 1, NULL },
	{ "{{city\r}}", 0, TMPL_UNKNOWN_TAG, 0, 1, 1, "{{city?}}" },
	{ "{{{city}}}", 0, TMPL_UNKNOWN_TAG, 0, 1, 1, "unknown tag {{{city}}" },
	{ "Bonjour\n  {{ville}}", 0, TMPL_UNKNOWN_TAG, 10, 2, 3, NULL },
	{ "Ligne 1\r\nLigne 2\r\n\xc3\xa9t\xc3\xa9 {{xyz}}", 0,
	    TMPL_UNKNOWN_TAG, 24, 3, 5, "unknown tag {{xyz}}" },
	{ "{{xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx}}",
	    0, TMPL_UNKNOWN_TAG, 0, 1, 1,
	    "{{xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...}}" },
	{ "{{city", 0, TMPL_UNCLOSED_TAG, 0, 1, 1, NULL },
	{ "{{city}", 0, TMPL_UNCLOSED_TAG, 0, 1, 1, NULL },
	{ "ab {{city\n}}", 0, TMPL_UNCLOSED_TAG, 3, 1, 4, "same line" },
	{ "{{", 0, TMPL_UNCLOSED_TAG, 0, 1, 1, NULL },
	{ "x\n{{first_name|Madame,\nMonsieur}}", 0, TMPL_UNCLOSED_TAG, 2, 2, 1,
	    NULL },
	{ "{{}}", 0, TMPL_EMPTY_TAG, 0, 1, 1, "empty tag" },
	{ "{{ \t }}", 0, TMPL_EMPTY_TAG, 0, 1, 1, NULL },
	{ "{{|Madame}}", 0, TMPL_EMPTY_TAG, 0, 1, 1, NULL },
	{ "{{custom.}}", 0, TMPL_BAD_CUSTOM_NAME, 0, 1, 1, "{{custom.}}" },
	{ "{{custom.Siret}}", 0, TMPL_BAD_CUSTOM_NAME, 0, 1, 1, NULL },
	{ "{{custom.num-siret}}", 0, TMPL_BAD_CUSTOM_NAME, 0, 1, 1, NULL },
	{ "{{custom.n\xc2\xb0}}", 0, TMPL_BAD_CUSTOM_NAME, 0, 1, 1, NULL },
	{ "{{custom.a b}}", 0, TMPL_BAD_CUSTOM_NAME, 0, 1, 1, NULL },
	{ "{{custom." CUSTOM64 "a}}", 0, TMPL_BAD_CUSTOM_NAME, 0, 1, 1,
	    "1 to 64 characters" },
	{ "{{first_name {{city}}", 0, TMPL_NESTED_TAG, 13, 1, 14, NULL },
	{ "{{first_name|{{city}}}}", 0, TMPL_NESTED_TAG, 13, 1, 14, "\\{{" },
	{ "{{{{city}}", 0, TMPL_NESTED_TAG, 2, 1, 3, NULL },
	{ "{{first_name|Madame|Monsieur}}", 0, TMPL_BAD_FALLBACK, 0, 1, 1,
	    NULL },
	{ "{{first_name||}}", 0, TMPL_BAD_FALLBACK, 0, 1, 1, NULL },
	{ "a\xff" "b", 0, TMPL_BAD_CHAR, 1, 1, 2, "invalid UTF-8" },
	{ "\xc3\xa9\xc3", 0, TMPL_BAD_CHAR, 2, 1, 2, NULL },
	{ "ab\xc0\xaf", 0, TMPL_BAD_CHAR, 2, 1, 3, NULL },
	{ "\xed\xa0\x80", 0, TMPL_BAD_CHAR, 0, 1, 1, NULL },
	{ "a\0b", 3, TMPL_BAD_CHAR, 1, 1, 2, "NUL" },
	{ "{{city|a\xff}}", 0, TMPL_BAD_CHAR, 8, 1, 9, NULL },
	{ "{{city|a\0}}", 11, TMPL_BAD_CHAR, 8, 1, 9, NULL },
};

static void
test_tmpl_problems(void **state)
{
	struct tmpl_problems	 pr;
	struct tmpl		*t;
	size_t			 i, bad = 0;

	for (i = 0; i < NELEM(problem_cases); i++) {
		const struct problem_case *c = &problem_cases[i];
		const struct tmpl_problem *p = &pr.list[0];
		size_t len = c->len != 0 ? c->len : strlen(c->tpl);

		t = (struct tmpl *)&pr;	/* a failed parse sets it to NULL */
		if (tmpl_parse(&t, c->tpl, len, &pr) != -1 || t != NULL ||
		    pr.n != 1 || pr.total != 1 || p->code != c->code ||
		    p->offset != c->offset || p->line != c->line ||
		    p->column != c->column || (c->in_message != NULL &&
		    strstr(p->message, c->in_message) == NULL)) {
			fprintf(stderr, "parse \"%s\": %zu problem(s), first %s "
			    "at %zu (%zu:%zu) \"%s\"; expected %s at %zu "
			    "(%zu:%zu) with \"%s\"\n", c->tpl, pr.n,
			    pr.n > 0 ? tmpl_code_names[p->code] : "-",
			    p->offset, p->line, p->column, p->message,
			    tmpl_code_names[c->code], c->offset, c->line,
			    c->column, c->in_message != NULL ?
			    c->in_message : "");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Several problems: all listed, in order; past the list only counted. */
static void
test_tmpl_problems_many(void **state)
{
	struct tmpl_problems	 pr;
	struct tmpl		*t;
	char			 tpl[1024] = "";
	size_t			 i;
	const char		*two = "{{nom}} et {{ville";

	assert_int_equal(tmpl_parse(&t, two, strlen(two), &pr), -1);
	assert_null(t);
	assert_int_equal(pr.n, 2);
	assert_int_equal(pr.list[0].code, TMPL_UNKNOWN_TAG);
	assert_int_equal(pr.list[0].offset, 0);
	assert_int_equal(pr.list[1].code, TMPL_UNCLOSED_TAG);
	assert_int_equal(pr.list[1].offset, 11);

	for (i = 0; i < TMPL_PROBLEMS_MAX + 5; i++)
		strcat(tpl, "{{x}}\n");
	assert_int_equal(tmpl_parse(NULL, tpl, strlen(tpl), &pr), -1);
	assert_int_equal(pr.n, TMPL_PROBLEMS_MAX);
	assert_int_equal(pr.total, TMPL_PROBLEMS_MAX + 5);
	for (i = 0; i < pr.n; i++) {
		assert_int_equal(pr.list[i].offset, 6 * i);
		assert_int_equal(pr.list[i].line, i + 1);
		assert_int_equal(pr.list[i].column, 1);
	}

	/* One bad_char for a text full of bad bytes. */
	assert_int_equal(tmpl_parse(NULL, "\xff\xfe\xfd{{x}}", 8, &pr), -1);
	assert_int_equal(pr.n, 2);
	assert_int_equal(pr.list[0].code, TMPL_BAD_CHAR);
	assert_int_equal(pr.list[1].code, TMPL_UNKNOWN_TAG);
	assert_int_equal(pr.list[1].offset, 3);
}

/* Lengths: the custom name limit, the template limit, NULL text. */
static void
test_tmpl_limits(void **state)
{
	struct tmpl_problems	 pr;
	struct tmpl		*t;
	const char		*ok = "{{custom." CUSTOM64 "}}";
	char			*big;

	assert_int_equal(tmpl_parse(NULL, ok, strlen(ok), &pr), 0);
	assert_int_equal(pr.n, 0);
	assert_int_equal(tmpl_parse(&t, NULL, 0, &pr), 0);
	assert_non_null(t);
	tmpl_free(t);
	tmpl_free(NULL);

	if ((big = malloc(TMPL_OUT_MAX + 1)) == NULL)
		abort();
	memset(big, 'a', TMPL_OUT_MAX + 1);
	assert_int_equal(tmpl_parse(NULL, big, TMPL_OUT_MAX, &pr), 0);
	assert_int_equal(tmpl_parse(&t, big, TMPL_OUT_MAX + 1, &pr), -1);
	assert_null(t);
	assert_int_equal(pr.n, 1);
	assert_int_equal(pr.list[0].code, TMPL_TOO_LONG);
	assert_string_equal(tmpl_code_names[pr.list[0].code], "too_long");
	free(big);
}

/*
 * Parses tpl and renders it with v, expecting TMPL_MISSING; returns the
 * template, which owns the names in *o.
 */
static struct tmpl *
render_missing(const char *tpl, const struct tmpl_values *v,
    struct tmpl_out *o)
{
	struct tmpl_problems	 pr;
	struct tmpl		*t;

	assert_int_equal(tmpl_parse(&t, tpl, strlen(tpl), &pr), 0);
	assert_int_equal(tmpl_render(o, t, v, TMPL_TEXT), TMPL_MISSING);
	assert_null(o->text);
	return t;
}

/* The missing tags are named once each, in order, without braces. */
static void
test_tmpl_missing(void **state)
{
	struct tmpl_values	 v;
	struct tmpl_out		 o;
	struct tmpl		*t;
	json_t			*custom;
	const char		*tpl = "{{first_name}} {{city}} {{first_name}} "
	    "{{custom.absent}} {{last_name|x}} {{custom.absent}} {{custom.vide}}";
	char			 many[1024] = "";
	size_t			 i;

	values_full(&v, &custom);
	v.field[TMPL_FIRST_NAME] = NULL;
	v.field[TMPL_LAST_NAME] = NULL;
	v.field[TMPL_CITY] = " \r\n";
	t = render_missing(tpl, &v, &o);
	assert_int_equal(o.nmissing, 4);
	assert_string_equal(o.missing[0], "first_name");
	assert_string_equal(o.missing[1], "city");
	assert_string_equal(o.missing[2], "custom.absent");
	assert_string_equal(o.missing[3], "custom.vide");
	tmpl_free(t);

	/* values NULL: every value is missing */
	t = render_missing("{{city}}", NULL, &o);
	assert_int_equal(o.nmissing, 1);
	tmpl_free(t);

	/* more distinct tags than the list holds */
	for (i = 0; i < TMPL_MISSING_MAX + 4; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many),
		    "{{custom.f%zu}}", i);
	t = render_missing(many, &v, &o);
	assert_int_equal(o.nmissing, TMPL_MISSING_MAX);
	assert_string_equal(o.missing[0], "custom.f0");
	assert_string_equal(o.missing[TMPL_MISSING_MAX - 1], "custom.f15");
	tmpl_free(t);
	json_decref(custom);
}

/* The names a render reports live as long as the template. */
static void
test_tmpl_missing_borrowed(void **state)
{
	struct tmpl_problems	 pr;
	struct tmpl_values	 v;
	struct tmpl_out		 o;
	struct tmpl		*t;
	char			*tpl = strdup("{{custom.siret}} {{email}}");

	memset(&v, 0, sizeof(v));
	assert_int_equal(tmpl_parse(&t, tpl, strlen(tpl), &pr), 0);
	memset(tpl, 'x', strlen(tpl));	/* the template keeps its own copy */
	free(tpl);
	assert_int_equal(tmpl_render(&o, t, &v, TMPL_TEXT), TMPL_MISSING);
	assert_int_equal(o.nmissing, 2);
	assert_string_equal(o.missing[0], "custom.siret");
	assert_string_equal(o.missing[1], "email");
	tmpl_free(t);
}

/* Values are inserted once: tags inside data stay text. */
static void
test_tmpl_hostile_tags(void **state)
{
	struct tmpl_values	 v;
	enum tmpl_rc		 rc;
	json_t			*custom;
	char			*got;
	const char		*tpl = "{{business_name}} / {{custom.siret}} / "
	    "{{city|x}}";

	memset(&v, 0, sizeof(v));
	v.field[TMPL_BUSINESS_NAME] = "{{city}} \\{{sender_name}} {{";
	v.field[TMPL_SENDER_NAME] = "Paul";
	custom = json_pack("{s:s}", "siret", "{{custom.siret}}");
	v.custom = custom;
	got = render(tpl, strlen(tpl), &v, TMPL_TEXT, &rc, NULL);
	assert_int_equal(rc, TMPL_RENDERED);
	assert_string_equal(got, "{{city}} \\{{sender_name}} {{ / "
	    "{{custom.siret}} / x");
	free(got);
	json_decref(custom);
}

/* Header mode: no value can start another header line. */
static void
test_tmpl_hostile_header(void **state)
{
	struct tmpl_values	 v;
	struct tmpl_out		 o;
	enum tmpl_rc		 rc;
	json_t			*custom;
	char			*got;
	const char		*tpl = "Devis pour {{business_name}} "
	    "({{custom.rdv}})";
	size_t			 i;

	memset(&v, 0, sizeof(v));
	v.field[TMPL_BUSINESS_NAME] = "Acme\r\nBcc: victim@example.com\r\n"
	    "\r\nbody";
	custom = json_pack("{s:s}", "rdv", "a\tb\x01""c\x1f""d\x7f""e\n");
	v.custom = custom;
	got = render(tpl, strlen(tpl), &v, TMPL_HEADER, &rc, &o);
	assert_int_equal(rc, TMPL_RENDERED);
	assert_string_equal(got, "Devis pour Acme  Bcc: victim@example.com    "
	    "body (a b c d e )");
	for (i = 0; i < o.len; i++)
		assert_false((unsigned char)got[i] < 0x20 ||
		    (unsigned char)got[i] == 0x7f);
	free(got);

	/* in text and HTML mode: tab and line ends stay, other controls go */
	got = render(tpl, strlen(tpl), &v, TMPL_TEXT, &rc, NULL);
	assert_int_equal(rc, TMPL_RENDERED);
	assert_string_equal(got, "Devis pour Acme\r\nBcc: victim@example.com"
	    "\r\n\r\nbody (a\tbcde\n)");
	free(got);
	got = render(tpl, strlen(tpl), &v, TMPL_HTML, &rc, NULL);
	assert_int_equal(rc, TMPL_RENDERED);
	assert_string_equal(got, "Devis pour Acme\r\nBcc: victim@example.com"
	    "\r\n\r\nbody (a\tbcde\n)");
	free(got);
	json_decref(custom);
}

/* HTML escaping happens in HTML mode only, and to values only. */
static void
test_tmpl_hostile_html(void **state)
{
	struct tmpl_values	 v;
	enum tmpl_rc		 rc;
	char			*got;
	const char		*tpl = "<a href=\"{{website}}\">{{business_name}}</a>";
	const char		*val = "<script>alert('x')</script> & \"co\"";

	memset(&v, 0, sizeof(v));
	v.field[TMPL_BUSINESS_NAME] = val;
	v.field[TMPL_WEBSITE] = "https://x.example/?a=1&b=\"><img src=x>";
	got = render(tpl, strlen(tpl), &v, TMPL_HTML, &rc, NULL);
	assert_int_equal(rc, TMPL_RENDERED);
	assert_string_equal(got, "<a href=\"https://x.example/?a=1&amp;b="
	    "&quot;&gt;&lt;img src=x&gt;\">&lt;script&gt;alert(&#39;x&#39;)"
	    "&lt;/script&gt; &amp; &quot;co&quot;</a>");
	free(got);
	got = render("{{business_name}}", 17, &v, TMPL_TEXT, &rc, NULL);
	assert_string_equal(got, val);
	free(got);
	got = render("{{business_name}}", 17, &v, TMPL_HEADER, &rc, NULL);
	assert_string_equal(got, val);
	free(got);
}

/* Invalid UTF-8 in data: each bad byte becomes U+FFFD, in every mode. */
static void
test_tmpl_hostile_utf8(void **state)
{
	static const struct {
		const char	*value;
		const char	*expected;
	} cases[] = {
		{ "a\xff" "b", "a\xef\xbf\xbd" "b" },
		{ "\xc3", "\xef\xbf\xbd" },
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		    "\xef\xbf\xbd" },
		{ "\xe2\x82\xac \xf0\x9f\x98\x80", "\xe2\x82\xac \xf0\x9f\x98\x80" },
	};
	struct tmpl_values	 v;
	enum tmpl_rc		 rc;
	json_t			*custom;
	char			*got;
	size_t			 i;
	int			 m;

	memset(&v, 0, sizeof(v));
	for (i = 0; i < NELEM(cases); i++) {
		v.field[TMPL_CITY] = cases[i].value;
		custom = json_object();
		json_object_set_new(custom, "x", json_stringn_nocheck(
		    cases[i].value, strlen(cases[i].value)));
		v.custom = custom;
		for (m = 0; m < TMPL_MODE__MAX; m++) {
			got = render("{{city}}", 8, &v, (enum tmpl_mode)m, &rc,
			    NULL);
			assert_int_equal(rc, TMPL_RENDERED);
			assert_string_equal(got, cases[i].expected);
			free(got);
			got = render("{{custom.x}}", 12, &v, (enum tmpl_mode)m,
			    &rc, NULL);
			assert_int_equal(rc, TMPL_RENDERED);
			assert_string_equal(got, cases[i].expected);
			free(got);
		}
		json_decref(custom);
	}
}

/* The output cap: reached exactly, passed by data, passed by escaping. */
static void
test_tmpl_overflow(void **state)
{
	struct tmpl_values	 v;
	struct tmpl_out		 o;
	enum tmpl_rc		 rc;
	char			*big, *got;
	size_t			 half = TMPL_OUT_MAX / 2;

	if ((big = malloc(TMPL_OUT_MAX + 1)) == NULL)
		abort();
	memset(&v, 0, sizeof(v));
	memset(big, 'a', half);
	big[half] = '\0';
	v.field[TMPL_CITY] = big;
	got = render("{{city}}{{city}}", 16, &v, TMPL_TEXT, &rc, &o);
	assert_int_equal(rc, TMPL_RENDERED);
	assert_int_equal(o.len, TMPL_OUT_MAX);
	assert_int_equal(strlen(got), TMPL_OUT_MAX);
	free(got);
	assert_null(render("{{city}}{{city}}!", 17, &v, TMPL_TEXT, &rc, &o));
	assert_int_equal(rc, TMPL_OVERFLOW);
	assert_int_equal(o.nmissing, 0);

	/* 60 000 "&" fit as text, not as 300 000 bytes of "&amp;" */
	memset(big, '&', 60000);
	big[60000] = '\0';
	got = render("{{city}}", 8, &v, TMPL_TEXT, &rc, NULL);
	assert_int_equal(rc, TMPL_RENDERED);
	free(got);
	assert_null(render("{{city}}", 8, &v, TMPL_HTML, &rc, NULL));
	assert_int_equal(rc, TMPL_OVERFLOW);
	free(big);
}

struct sms_case {
	const char		*text;
	enum tmpl_sms_encoding	 encoding;
	size_t			 units, segments, per_segment;
};

/* The GSM 7-bit basic set, in septet order, without the escape 0x1B. */
#define GSM7_BASIC "@\xc2\xa3$\xc2\xa5\xc3\xa8\xc3\xa9\xc3\xb9\xc3\xac\xc3\xb2" \
	"\xc3\x87\n\xc3\x98\xc3\xb8\r\xc3\x85\xc3\xa5\xce\x94_\xce\xa6\xce\x93" \
	"\xce\x9b\xce\xa9\xce\xa0\xce\xa8\xce\xa3\xce\x98\xce\x9e\xc3\x86" \
	"\xc3\xa6\xc3\x9f\xc3\x89 !\"#\xc2\xa4%&'()*+,-./0123456789:;<=>?" \
	"\xc2\xa1" "ABCDEFGHIJKLMNOPQRSTUVWXYZ\xc3\x84\xc3\x96\xc3\x91\xc3\x9c" \
	"\xc2\xa7\xc2\xbf" "abcdefghijklmnopqrstuvwxyz\xc3\xa4\xc3\xb6\xc3\xb1" \
	"\xc3\xbc\xc3\xa0"
#define EURO	"\xe2\x82\xac"
#define EMOJI	"\xf0\x9f\x98\x80"

static const struct sms_case sms_cases[] = {
	{ "", TMPL_GSM7, 0, 0, 160 },
	{ "Bonjour", TMPL_GSM7, 7, 1, 160 },
	{ GSM7_BASIC, TMPL_GSM7, 127, 1, 160 },
	{ "\f^{}\\[~]|" EURO, TMPL_GSM7, 20, 1, 160 },
	{ "\xc3\x87" "a", TMPL_GSM7, 2, 1, 160 },	/* Ç is in the set */
	{ "\xc3\xa7" "a", TMPL_UCS2, 2, 1, 70 },	/* ç is not */
	{ "\xc3\xaa", TMPL_UCS2, 1, 1, 70 },		/* ê */
	{ "\xc3\xa2", TMPL_UCS2, 1, 1, 70 },		/* â */
	{ "\xc5\x93", TMPL_UCS2, 1, 1, 70 },		/* œ */
	{ "`", TMPL_UCS2, 1, 1, 70 },
	{ "a\tb", TMPL_UCS2, 3, 1, 70 },
	{ "\xc2\xa0", TMPL_UCS2, 1, 1, 70 },		/* no-break space */
	{ "\xe2\x80\x99", TMPL_UCS2, 1, 1, 70 },	/* typographic ' */
	{ EMOJI, TMPL_UCS2, 2, 1, 70 },
	{ "{" EMOJI, TMPL_UCS2, 3, 1, 70 },
};

/* n copies of s followed by tail, owned. */
static char *
repeat(const char *s, size_t n, const char *tail)
{
	size_t	 l = strlen(s), i;
	char	*r = malloc(l * n + strlen(tail) + 1);

	if (r == NULL)
		abort();
	for (i = 0; i < n; i++)
		memcpy(r + i * l, s, l);
	strcpy(r + l * n, tail);
	return r;
}

static void
check_sms(const char *what, const char *text, enum tmpl_sms_encoding enc,
    size_t units, size_t segments, size_t per_segment)
{
	struct tmpl_sms	 m;

	assert_int_equal(tmpl_sms_segments(text, &m), 0);
	if (m.encoding != enc || m.units != units || m.segments != segments ||
	    m.per_segment != per_segment) {
		fprintf(stderr, "sms %s: %s %zu units %zu segments of %zu; "
		    "expected %s %zu %zu of %zu\n", what,
		    m.encoding == TMPL_GSM7 ? "gsm7" : "ucs2", m.units,
		    m.segments, m.per_segment, enc == TMPL_GSM7 ? "gsm7" :
		    "ucs2", units, segments, per_segment);
		fail();
	}
}

static void
test_tmpl_sms(void **state)
{
	struct tmpl_sms	 m;
	size_t		 i;

	for (i = 0; i < NELEM(sms_cases); i++)
		check_sms(sms_cases[i].text, sms_cases[i].text,
		    sms_cases[i].encoding, sms_cases[i].units,
		    sms_cases[i].segments, sms_cases[i].per_segment);
	assert_int_equal(tmpl_sms_segments(NULL, &m), -1);
	assert_int_equal(tmpl_sms_segments("a\xff", &m), -1);
	assert_int_equal(tmpl_sms_segments("\xc3", &m), -1);
	assert_int_equal(tmpl_sms_segments("\xed\xa0\x80", &m), -1);
}

/* The boundaries: 160/161 and 70/71, multipart, and characters never split. */
static void
test_tmpl_sms_boundaries(void **state)
{
	static const struct {
		const char		*unit, *tail;
		size_t			 n;
		enum tmpl_sms_encoding	 enc;
		size_t			 units, segments, per_segment;
	} cases[] = {
		{ "a", "", 160, TMPL_GSM7, 160, 1, 160 },
		{ "a", "", 161, TMPL_GSM7, 161, 2, 153 },
		{ "a", "", 306, TMPL_GSM7, 306, 2, 153 },
		{ "a", "", 307, TMPL_GSM7, 307, 3, 153 },
		{ "a", EURO, 158, TMPL_GSM7, 160, 1, 160 },
		{ "a", EURO, 159, TMPL_GSM7, 161, 2, 153 },
		{ EURO, "", 80, TMPL_GSM7, 160, 1, 160 },
		{ EURO, "", 81, TMPL_GSM7, 162, 2, 153 },
		/* 152 septets, then "€" would straddle: a third segment */
		{ "a", EURO "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aa", 152, TMPL_GSM7, 306, 3, 153 },
		{ "\xc3\xaa", "", 70, TMPL_UCS2, 70, 1, 70 },
		{ "\xc3\xaa", "", 71, TMPL_UCS2, 71, 2, 67 },
		{ "\xc3\xaa", "", 134, TMPL_UCS2, 134, 2, 67 },
		{ "\xc3\xaa", "", 135, TMPL_UCS2, 135, 3, 67 },
		{ "a", "\xc3\xaa", 69, TMPL_UCS2, 70, 1, 70 },
		{ "a", "\xc3\xaa", 70, TMPL_UCS2, 71, 2, 67 },
		{ EMOJI, "", 35, TMPL_UCS2, 70, 1, 70 },
		{ EMOJI, "", 36, TMPL_UCS2, 72, 2, 67 },
		/* 33 emoji fill 66 units of a segment: 34 take two */
		{ EMOJI, "", 34, TMPL_UCS2, 68, 1, 70 },
		{ EMOJI, "a", 35, TMPL_UCS2, 71, 2, 67 },
		/* one non-GSM character turns 160 septets into 3 segments */
		{ "a", "\xc3\xa7", 159, TMPL_UCS2, 160, 3, 67 },
	};
	char	*text, *tail, what[64];
	size_t	 i;

	for (i = 0; i < NELEM(cases); i++) {
		text = repeat(cases[i].unit, cases[i].n, cases[i].tail);
		snprintf(what, sizeof(what), "case %zu", i);
		check_sms(what, text, cases[i].enc, cases[i].units,
		    cases[i].segments, cases[i].per_segment);
		free(text);
	}

	/* 66 units, then a surrogate pair would straddle: 66 + 67 + 1 */
	tail = repeat("\xc3\xaa", 66, "");
	text = repeat("\xc3\xaa", 66, EMOJI);
	text = realloc(text, strlen(text) + strlen(tail) + 1);
	assert_non_null(text);
	strcat(text, tail);
	check_sms("surrogate pair at a boundary", text, TMPL_UCS2, 134, 3, 67);
	free(text);
	free(tail);
}

/* A rendered SMS counts as its values make it. */
static void
test_tmpl_sms_render(void **state)
{
	struct tmpl_values	 v;
	enum tmpl_rc		 rc;
	char			*got;
	const char		*tpl = "Bonjour {{first_name|}}, RDV {{city}} ?";

	memset(&v, 0, sizeof(v));
	v.field[TMPL_CITY] = "Lyon";
	got = render(tpl, strlen(tpl), &v, TMPL_TEXT, &rc, NULL);
	assert_int_equal(rc, TMPL_RENDERED);
	check_sms(got, got, TMPL_GSM7, 20, 1, 160);
	free(got);
	v.field[TMPL_CITY] = "Besan\xc3\xa7on";
	got = render(tpl, strlen(tpl), &v, TMPL_TEXT, &rc, NULL);
	check_sms(got, got, TMPL_UCS2, 24, 1, 70);
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tmpl_render),
		cmocka_unit_test(test_tmpl_field_names),
		cmocka_unit_test(test_tmpl_problems),
		cmocka_unit_test(test_tmpl_problems_many),
		cmocka_unit_test(test_tmpl_limits),
		cmocka_unit_test(test_tmpl_missing),
		cmocka_unit_test(test_tmpl_missing_borrowed),
		cmocka_unit_test(test_tmpl_hostile_tags),
		cmocka_unit_test(test_tmpl_hostile_header),
		cmocka_unit_test(test_tmpl_hostile_html),
		cmocka_unit_test(test_tmpl_hostile_utf8),
		cmocka_unit_test(test_tmpl_overflow),
		cmocka_unit_test(test_tmpl_sms),
		cmocka_unit_test(test_tmpl_sms_boundaries),
		cmocka_unit_test(test_tmpl_sms_render),
	};

	return cmocka_run_group_tests_name("tmpl", tests, NULL, NULL);
}
