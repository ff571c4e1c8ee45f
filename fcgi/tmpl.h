/*
 * The template engine of campaigns: merge tags in the texts users write
 * (an e-mail's subject, text body and optional HTML body, an SMS body,
 * each titled section of a call script), checked when a template is
 * saved, then rendered for one prospect at a time by the preview and by
 * the sender; and the SMS segment count users see while writing. Pure C,
 * no database: the caller reads the prospect and hands its values over.
 *
 * Syntax. A tag is "{{", a name, an optional "|" and fallback, "}}", on
 * one line; spaces and tabs around the name and the fallback are ignored
 * ("{{ city }}", "{{first_name | Madame, Monsieur}}"). Names:
 *
 *   tag                  value (struct tmpl_values)
 *   -------------------  --------------------------------------------
 *   {{business_name}}    the business's name (prospect.name)
 *   {{first_name}}       the contact person's first name
 *   {{last_name}}        the contact person's last name
 *   {{category}}         the business's activity ("Boulangerie")
 *   {{address}}          street address
 *   {{postal_code}}      postal code ("69001")
 *   {{city}}             city
 *   {{phone}}            the business's phone number, as stored
 *   {{email}}            the prospect's e-mail address
 *   {{website}}          the business's website
 *   {{sender_name}}      the sending user's name
 *   {{sender_company}}   the sending user's company
 *   {{custom.x}}         custom field x of the prospect (x: 1 to 64 of
 *                        a-z, 0-9 and _), prospect.custom_fields["x"]
 *
 * The fallback after "|" is literal text used when the value is missing
 * (NULL, empty or only blanks); it may hold spaces and commas, not "|",
 * "{{" or "}}", and may be empty ("{{first_name|}}": nothing). A tag
 * without fallback whose value is missing stops the render: nothing is
 * sent with a hole in it. "\{{" writes a literal "{{" (the escape of
 * Handlebars); a backslash anywhere else is itself, and "}}" outside a
 * tag is literal text. Values are inserted once: a value holding "{{city}}"
 * is printed as such, never expanded.
 */
#ifndef PROSPEA_TMPL_H
#define PROSPEA_TMPL_H

#include <stddef.h>

#include <jansson.h>

#define TMPL_OUT_MAX		(256 * 1024)	/* bytes of a template or a render */
#define TMPL_CUSTOM_MAX		64	/* bytes of a custom field's name */
#define TMPL_PROBLEMS_MAX	20	/* problems listed by one parse */
#define TMPL_MESSAGE_MAX	192	/* bytes of a problem's message, NUL included */
#define TMPL_MISSING_MAX	16	/* missing tags listed by one render */

/* The prospect and sender fields a tag can name (the table above). */
enum tmpl_field {
	TMPL_BUSINESS_NAME,
	TMPL_FIRST_NAME,
	TMPL_LAST_NAME,
	TMPL_CATEGORY,
	TMPL_ADDRESS,
	TMPL_POSTAL_CODE,
	TMPL_CITY,
	TMPL_PHONE,
	TMPL_EMAIL,
	TMPL_WEBSITE,
	TMPL_SENDER_NAME,
	TMPL_SENDER_COMPANY,
	TMPL_FIELD__MAX
};

/* The tag names ("business_name"...), indexed by enum tmpl_field. */
extern const char *const tmpl_field_names[TMPL_FIELD__MAX];

/* What can be wrong with a template; codes are stable, for clients. */
enum tmpl_code {
	TMPL_UNKNOWN_TAG,	/* "unknown_tag": no such field */
	TMPL_UNCLOSED_TAG,	/* "unclosed_tag": no "}}" before the line ends */
	TMPL_EMPTY_TAG,		/* "empty_tag": "{{}}", "{{ |x}}" */
	TMPL_BAD_CUSTOM_NAME,	/* "bad_custom_name": "{{custom.}}", "{{custom.Nom}}" */
	TMPL_NESTED_TAG,	/* "nested_tag": "{{" inside a tag */
	TMPL_BAD_FALLBACK,	/* "bad_fallback": a second "|" */
	TMPL_BAD_CHAR,		/* "bad_char": invalid UTF-8 or a NUL byte */
	TMPL_TOO_LONG,		/* "too_long": more than TMPL_OUT_MAX bytes */
	TMPL_CODE__MAX
};

/* The codes as clients see them ("unknown_tag"...), indexed by enum tmpl_code. */
extern const char *const tmpl_code_names[TMPL_CODE__MAX];

/* One problem, where an editor can point at it. */
struct tmpl_problem {
	enum tmpl_code	 code;
	size_t		 offset;	/* bytes from the start of the text */
	size_t		 line;		/* 1-based; a line ends at LF */
	size_t		 column;	/* 1-based, in code points of the line */
	char		 message[TMPL_MESSAGE_MAX]; /* English, valid UTF-8 */
};

/* The problems of one text, in the order of their offsets. */
struct tmpl_problems {
	struct tmpl_problem	 list[TMPL_PROBLEMS_MAX];
	size_t			 n;	/* entries of list used */
	size_t			 total;	/* problems found; > n when list is full */
};

/* A parsed template: opaque, owned by whoever parsed it. */
struct tmpl;

/*
 * Parses the len bytes at text (UTF-8, not necessarily NUL-terminated;
 * NULL with len 0 is the empty text). 0 when the text is a valid
 * template: *out (if out is not NULL) is then an owned template, released
 * with tmpl_free(), that keeps its own copy of the text. -1 otherwise:
 * *out is NULL and pr (which must not be NULL) lists the problems, a tag's
 * at the offset of its "{{" (a nested tag's at the inner "{{"), a bad
 * byte's at that byte; the first TMPL_PROBLEMS_MAX are kept. pr->n is 0
 * after a success. With out NULL it only validates, as the campaigns
 * handler does on save (each problem becomes an entry of a 422 answer's
 * "errors": field, code from tmpl_code_names, message).
 */
int	 tmpl_parse(struct tmpl **out, const char *text, size_t len,
	    struct tmpl_problems *pr);

/* Releases a template. NULL is a no-op. */
void	 tmpl_free(struct tmpl *);

/*
 * What a render inserts, all borrowed for the call. field[f] is the value
 * of tag f: UTF-8 (invalid bytes are printed as U+FFFD), NULL, "" or only
 * blanks (space, tab, CR, LF) meaning missing. custom is a JSON object of
 * custom fields as prospect.custom_fields stores it ({"siret": "123..."}),
 * or NULL; a key that is absent or whose value is not a string is missing.
 */
struct tmpl_values {
	const char	*field[TMPL_FIELD__MAX];
	const json_t	*custom;
};

/*
 * How values and literal text are written out. In text and HTML modes, C0
 * controls of values other than TAB, CR and LF, and DEL, are dropped
 * (imported junk: they mean nothing in a message).
 */
enum tmpl_mode {
	TMPL_TEXT,	/* as they are: plain text bodies, SMS, call scripts */
	TMPL_HTML,	/* values HTML-escaped (& < > " '); literal text, fallbacks
			 * included, is the author's HTML and stays as it is */
	TMPL_HEADER,	/* a header line (Subject): every C0 control (CR, LF,
			 * TAB...) and DEL becomes a space, in values and in
			 * literal text, so nothing can start another header */
	TMPL_MODE__MAX
};

enum tmpl_rc {
	TMPL_RENDERED,	/* out->text holds the result */
	TMPL_MISSING,	/* a tag without fallback has no value: out->missing */
	TMPL_OVERFLOW,	/* the result would exceed TMPL_OUT_MAX bytes */
};

/* The result of a render. */
struct tmpl_out {
	char		*text;	/* TMPL_RENDERED: owned, free(); NUL-terminated */
	size_t		 len;	/* bytes of text, without the NUL */
	/*
	 * TMPL_MISSING: the distinct tags without a value, in order of first
	 * use, without braces ("first_name", "custom.siret"), borrowed from
	 * the template (valid until tmpl_free); the first TMPL_MISSING_MAX.
	 */
	const char	*missing[TMPL_MISSING_MAX];
	size_t		 nmissing;
};

/*
 * Renders t with the values v (NULL: no value at all) in one pass
 * (values are never read as template text) into *out, which the function
 * fills entirely. Returns TMPL_RENDERED (out->text is owned by the
 * caller), TMPL_MISSING (no text; out->missing names the tags, for the
 * sender's report and the preview's answer) or TMPL_OVERFLOW (no text).
 * The result is valid UTF-8 and holds no NUL byte.
 */
enum tmpl_rc tmpl_render(struct tmpl_out *out, const struct tmpl *t,
	    const struct tmpl_values *v, enum tmpl_mode mode);

/* The two alphabets of an SMS (3GPP TS 23.038 sections 6.2.1 and 6.2.3). */
enum tmpl_sms_encoding {
	TMPL_GSM7,	/* GSM 7-bit default alphabet, septets */
	TMPL_UCS2,	/* UCS-2 (UTF-16 in practice), 16-bit code units */
	TMPL_SMS_ENCODING__MAX
};

struct tmpl_sms {
	enum tmpl_sms_encoding	 encoding;
	size_t			 units;		/* septets or UTF-16 code units */
	size_t			 segments;	/* messages billed; 0 for "" */
	size_t			 per_segment;	/* 160, 153, 70 or 67 */
};

/*
 * Counts what sending the NUL-terminated UTF-8 text as one SMS takes,
 * into *out. GSM-7 when every character is in the GSM 7-bit default
 * alphabet of 3GPP TS 23.038 section 6.2.1 (the basic set, where "Ç" is
 * but "ç", "ê", "â", "ô", "œ" are not, one septet each; and the
 * extension table's FF ^ { } \ [ ~ ] | €, reached through the escape
 * 0x1B: two septets each), else UCS-2 (section 6.2.3), where a
 * character outside the Basic Multilingual Plane (an emoji) takes two
 * code units, a surrogate pair. One message carries 160 septets or 70
 * units; a longer text is split into concatenated segments of 153
 * septets or 67 units (3GPP TS 23.040 section 9.2.3.24.1: the 6-octet
 * user data header takes the rest), and, as senders do, an escape
 * sequence or a surrogate pair is never split across two segments, so a
 * count can exceed units / 153. National language shift tables are not
 * used. 0, or -1 (out untouched) when utf8 is NULL or not valid UTF-8.
 */
int	 tmpl_sms_segments(const char *utf8, struct tmpl_sms *out);

#endif
