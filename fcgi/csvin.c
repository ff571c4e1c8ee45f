/*
 * The CSV reader of prospect imports (csvin.h). Bytes go through four
 * stages, each able to stop anywhere in its input and resume with the
 * next chunk: the byte order mark is dropped; the text is converted to
 * UTF-8 (iconv, except for UTF-8 itself); the first 64 KiB are held to
 * sniff the delimiter and find Excel's "sep=" line; then the text is
 * handed to libcsv one physical line at a time, so that the reader knows
 * the line each record starts on and can cut a runaway cell between two
 * calls. Records come back through libcsv's callbacks: the first
 * non-blank one is the header, which picks the layout and the column
 * plan; each later one becomes a struct csvin_row.
 */
#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>
#include <jansson.h>

#include "arena.h"
#include "csvin.h"
#include "prospect.h"
#include "query.h"

#define CSVIN_SNIFF_MAX		(64 * 1024)	/* decoded bytes the delimiter is sniffed from */
#define CSVIN_SNIFF_LINES	32		/* records of them that count */
/*
 * The most bytes libcsv reads between two calls of csvin_cut(): a cell can
 * grow that far past CSVIN_CELL_MAX before it is cut.
 */
#define CSVIN_SEG_MAX		(16 * 1024)
#define CSVIN_CONV_MAX		(16 * 1024)	/* iconv's output buffer */
#define CSVIN_KEY_MAX		64		/* a normalised header name */
#define CSVIN_NONE		((size_t)-1)	/* no value */
#define CSVIN_FFFD		"\xef\xbf\xbd"	/* U+FFFD REPLACEMENT CHARACTER */

/* The delimiters a file may use, in the order that breaks sniffing ties. */
static const char csvin_delims[4] = { ',', ';', '\t', '|' };

static const struct {
	const char	*name;	/* csvin_enc_name() */
	const char	*iconv;	/* glibc's name; NULL: UTF-8 passes through */
	const char	*bom;	/* byte order mark dropped at the start */
	size_t		 unit;	/* bytes skipped past an invalid sequence */
} csvin_encs[CSVIN_ENC__MAX] = {
	[CSVIN_ENC_UTF8] = { "utf-8", NULL, "\xef\xbb\xbf", 1 },
	[CSVIN_ENC_CP1252] = { "windows-1252", "WINDOWS-1252", "", 1 },
	[CSVIN_ENC_UTF16LE] = { "utf-16le", "UTF-16LE", "\xff\xfe", 2 },
	[CSVIN_ENC_UTF16BE] = { "utf-16be", "UTF-16BE", "\xfe\xff", 2 },
};

/* What a column's cells become. */
enum csvin_kind {
	CSVIN_COL_FIELD,	/* the field's value (first column wins; e-mails join) */
	CSVIN_COL_ADDRESS,	/* gosom's complete_address JSON: street, postal code, city, country */
	CSVIN_COL_FALLBACK,	/* the field's value when no other column gave one */
	CSVIN_COL_CUSTOM,	/* a custom field */
	CSVIN_COL_IGNORED,
	CSVIN_COL__MAX
};

/* How a layout names a column: header as the exports write it. */
struct csvin_rule {
	const char	*header;	/* matched through csvin_norm(); '#' stands for digits */
	enum csvin_kind	 kind;
	int		 field;		/* FIELD, FALLBACK, ADDRESS: enum prospect_field */
	const char	*key;		/* CUSTOM: the custom key */
};

#define F(h, f)		{ h, CSVIN_COL_FIELD, f, NULL }
#define FB(h, f)	{ h, CSVIN_COL_FALLBACK, f, NULL }
#define CUSTOM(h, k)	{ h, CSVIN_COL_CUSTOM, -1, k }

/*
 * gosom/google-maps-scraper's 32 columns. Only the business's own
 * contact and identity data is kept: reviews, reviewers' names, the
 * owner's profile, images, popular times and the like are third parties'
 * personal data or noise for prospecting, and GDPR article 5(1)(c) (data
 * minimisation) says not to collect them. Columns not listed are ignored.
 */
static const struct csvin_rule csvin_gosom_rules[] = {
	F("title", PF_NAME),
	F("category", PF_CATEGORY),
	{ "complete_address", CSVIN_COL_ADDRESS, PF_ADDRESS, NULL },
	FB("address", PF_ADDRESS),
	F("website", PF_WEBSITE),
	F("phone", PF_PHONE),
	F("review_rating", PF_RATING),
	F("review_count", PF_REVIEW_COUNT),
	F("latitude", PF_LATITUDE),
	F("longitude", PF_LONGITUDE),
	F("cid", PF_CID),
	F("data_id", PF_PLACE_ID),
	F("emails", PF_EMAILS),
	CUSTOM("link", "google_maps_url"),
	CUSTOM("descriptions", "description"),
	{ NULL }
};
static const char *const csvin_gosom_sig[] = {
	"input_id", "complete_address", "data_id", "review_rating", NULL
};

/*
 * Outscraper's Google Maps export: the same minimisation as gosom's (no
 * reviews, owner or photo columns; e-mail contacts' names and titles are
 * people's data and stay out too).
 */
static const struct csvin_rule csvin_outscraper_rules[] = {
	F("name", PF_NAME),
	F("type", PF_CATEGORY),
	FB("category", PF_CATEGORY),
	F("street", PF_ADDRESS),
	FB("full_address", PF_ADDRESS),
	F("postal_code", PF_POSTAL_CODE),
	F("city", PF_CITY),
	F("country_code", PF_COUNTRY),
	FB("country", PF_COUNTRY),
	F("phone", PF_PHONE),
	F("site", PF_WEBSITE),
	F("rating", PF_RATING),
	F("reviews", PF_REVIEW_COUNT),
	F("place_id", PF_PLACE_ID),
	FB("google_id", PF_PLACE_ID),
	F("cid", PF_CID),
	F("latitude", PF_LATITUDE),
	F("longitude", PF_LONGITUDE),
	F("email", PF_EMAILS),
	F("email_#", PF_EMAILS),
	CUSTOM("location_link", "google_maps_url"),
	CUSTOM("description", "description"),
	{ NULL }
};
static const char *const csvin_outscraper_sig[] = {
	"full_address", "google_id", NULL
};

/* Apify's Google Maps scraper, flattened to CSV ("location/lat"). */
static const struct csvin_rule csvin_apify_rules[] = {
	F("title", PF_NAME),
	F("categoryName", PF_CATEGORY),
	F("street", PF_ADDRESS),
	FB("address", PF_ADDRESS),
	F("postalCode", PF_POSTAL_CODE),
	F("city", PF_CITY),
	F("countryCode", PF_COUNTRY),
	F("phone", PF_PHONE),
	FB("phoneUnformatted", PF_PHONE),
	F("website", PF_WEBSITE),
	F("totalScore", PF_RATING),
	F("reviewsCount", PF_REVIEW_COUNT),
	F("placeId", PF_PLACE_ID),
	F("cid", PF_CID),
	F("location/lat", PF_LATITUDE),
	F("location/lng", PF_LONGITUDE),
	F("emails/#", PF_EMAILS),
	CUSTOM("url", "google_maps_url"),
	CUSTOM("description", "description"),
	{ NULL }
};
static const char *const csvin_apify_sig[] = {
	"totalScore", "placeId", NULL
};

/*
 * Spreadsheet headers, French and English. Matched after csvin_norm()
 * and without trailing digits, so "E-mail 2" joins the e-mails and
 * "Téléphone 2" finds the phone taken and becomes a custom field.
 */
static const struct csvin_rule csvin_sheet_rules[] = {
	F("nom", PF_NAME), F("name", PF_NAME), F("raison sociale", PF_NAME),
	F("entreprise", PF_NAME), F("société", PF_NAME),
	F("nom de l'entreprise", PF_NAME), F("company", PF_NAME),
	F("company name", PF_NAME), F("business name", PF_NAME),
	F("établissement", PF_NAME),
	F("catégorie", PF_CATEGORY), F("category", PF_CATEGORY),
	F("activité", PF_CATEGORY), F("secteur", PF_CATEGORY),
	F("type", PF_CATEGORY),
	F("adresse", PF_ADDRESS), F("address", PF_ADDRESS), F("rue", PF_ADDRESS),
	F("street", PF_ADDRESS), F("adresse postale", PF_ADDRESS),
	F("code postal", PF_POSTAL_CODE), F("cp", PF_POSTAL_CODE),
	F("zip", PF_POSTAL_CODE), F("zip code", PF_POSTAL_CODE),
	F("postal code", PF_POSTAL_CODE), F("postcode", PF_POSTAL_CODE),
	F("ville", PF_CITY), F("city", PF_CITY), F("commune", PF_CITY),
	F("localité", PF_CITY),
	F("pays", PF_COUNTRY), F("country", PF_COUNTRY),
	F("téléphone", PF_PHONE), F("tél", PF_PHONE), F("phone", PF_PHONE),
	F("phone number", PF_PHONE), F("numéro", PF_PHONE),
	F("numéro de téléphone", PF_PHONE), F("mobile", PF_PHONE),
	F("portable", PF_PHONE),
	F("e-mail", PF_EMAILS), F("mail", PF_EMAILS), F("courriel", PF_EMAILS),
	F("adresse e-mail", PF_EMAILS), F("emails", PF_EMAILS),
	F("site", PF_WEBSITE), F("site web", PF_WEBSITE),
	F("site internet", PF_WEBSITE), F("website", PF_WEBSITE),
	F("url", PF_WEBSITE), F("web", PF_WEBSITE),
	F("note", PF_RATING), F("note google", PF_RATING), F("rating", PF_RATING),
	F("avis", PF_REVIEW_COUNT), F("nombre d'avis", PF_REVIEW_COUNT),
	F("reviews", PF_REVIEW_COUNT), F("review count", PF_REVIEW_COUNT),
	F("place id", PF_PLACE_ID),
	F("latitude", PF_LATITUDE), F("lat", PF_LATITUDE),
	F("longitude", PF_LONGITUDE), F("lng", PF_LONGITUDE),
	F("lon", PF_LONGITUDE),
	F("statut", PF_STATUS), F("status", PF_STATUS),
	F("tags", PF_TAGS), F("étiquettes", PF_TAGS), F("labels", PF_TAGS),
	F("notes", PF_NOTE), F("commentaire", PF_NOTE),
	F("commentaires", PF_NOTE), F("remarque", PF_NOTE),
	F("remarques", PF_NOTE),
	{ NULL }
};

#undef F
#undef FB
#undef CUSTOM

static const struct {
	const char		*name;		/* csvin_layout_name() */
	const char *const	*signature;	/* headers all its exports have */
	const struct csvin_rule	*rules;
	enum csvin_kind		 other;		/* what a column no rule names becomes */
	int			 digits;	/* trailing digits of a header do not count */
} csvin_layouts[CSVIN_LAYOUT__MAX] = {
	[CSVIN_LAYOUT_SPREADSHEET] = { "spreadsheet", NULL, csvin_sheet_rules,
	    CSVIN_COL_CUSTOM, 1 },
	[CSVIN_LAYOUT_GOSOM] = { "gosom", csvin_gosom_sig, csvin_gosom_rules,
	    CSVIN_COL_IGNORED, 0 },
	[CSVIN_LAYOUT_OUTSCRAPER] = { "outscraper", csvin_outscraper_sig,
	    csvin_outscraper_rules, CSVIN_COL_IGNORED, 0 },
	[CSVIN_LAYOUT_APIFY] = { "apify", csvin_apify_sig, csvin_apify_rules,
	    CSVIN_COL_IGNORED, 0 },
	[CSVIN_LAYOUT_MAPPING] = { "mapping", NULL, NULL, CSVIN_COL_CUSTOM, 0 },
};

/* One column of the header and where its cells go. */
struct csvin_col {
	const char	*name;	/* the header cell */
	char		 norm[CSVIN_KEY_MAX];	/* csvin_norm() of it */
	enum csvin_kind	 kind;
	int		 field;	/* enum prospect_field; -1 custom, -2 ignored */
	const char	*key;	/* CUSTOM: the custom key */
};

struct csvin {
	struct csvin_opts	 opts;
	csvin_row_fn		 fn;
	void			*arg;
	struct csvin_error	 err;

	/* Decoding. */
	iconv_t			 cd;		/* (iconv_t)-1 for UTF-8 */
	size_t			 nbom;		/* bytes of the byte order mark seen */
	int			 bom_done;
	unsigned char		 pend[8];	/* a code unit cut between two chunks */
	size_t			 npend;
	char			 conv[CSVIN_CONV_MAX];

	/* Sniffing: the first CSVIN_SNIFF_MAX decoded bytes, NULL once used. */
	char			*sniff;
	size_t			 nsniff;
	char			 delim;

	/* Physical lines, as the bytes go to libcsv. */
	size_t			 line;		/* of the next byte */
	int			 prev_cr;	/* the last byte was CR */
	int			 in_record;	/* libcsv is inside a record */
	int			 blank_line;	/* blanks seen outside a record */
	int			 skipping;	/* inside a line opts.skip_lines names */
	size_t			 rec_line;	/* where the record began */

	struct csv_parser	 csv;
	size_t			 segfill;	/* bytes given to libcsv since csvin_cut() */
	int			 cell_cut;	/* csvin_cut() cut the open cell */

	/* The record being read: its values, NUL-terminated, in rec. */
	char			*rec;
	size_t			 reclen, reccap;
	size_t			 cell[CSVIN_COLS_MAX];	/* offsets in rec, or CSVIN_NONE */
	size_t			 ncells;
	size_t			 nonempty;
	unsigned		 flags;

	/* The header; its plan and names live in hdr. */
	struct arena		*hdr;
	int			 header_done;
	enum csvin_layout	 layout;
	struct csvin_col	*cols;
	size_t			 ncols;
	size_t			*coffs;		/* custom values' offsets */
	const char		**ckeys, **cvals;
	struct arena		*arena;		/* for query_parse() */

	size_t			 rows, skipped;
	int			 finished;	/* csvin_finish() returned 0 */
};

/*
 * The sequence a lead byte starts (RFC 3629 section 4): how many
 * continuation bytes follow and the range of the first. -1 if c cannot
 * start a sequence.
 */
static int
csvin_utf8_lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c < 0x80)
		return 0;
	if (c >= 0xc2 && c <= 0xdf)
		return 1;
	if (c == 0xe0)
		*lo = 0xa0;
	else if (c == 0xed)
		*hi = 0x9f;		/* no surrogates */
	if (c >= 0xe0 && c <= 0xef)
		return 2;
	if (c == 0xf0)
		*lo = 0x90;
	else if (c == 0xf4)
		*hi = 0x8f;		/* nothing above U+10FFFF */
	if (c >= 0xf0 && c <= 0xf4)
		return 3;
	return -1;
}

void
csvin_utf8_init(struct csvin_utf8 *u)
{
	memset(u, 0, sizeof(*u));
}

void
csvin_utf8_feed(struct csvin_utf8 *u, const void *buf, size_t len)
{
	const unsigned char	*s = buf;
	size_t			 i;
	int			 n;

	for (i = 0; i < len && !u->bad; i++) {
		if (u->need > 0) {
			if (s[i] < u->lo || s[i] > u->hi)
				u->bad = 1;
			u->lo = 0x80;
			u->hi = 0xbf;
			u->need--;
		} else if (s[i] >= 0x80) {
			if ((n = csvin_utf8_lead(s[i], &u->lo, &u->hi)) < 0)
				u->bad = 1;
			else
				u->need = (unsigned)n;
		}
	}
}

int
csvin_utf8_ok(const struct csvin_utf8 *u)
{
	return !u->bad && u->need == 0;
}

/* The length of the valid, non-NUL character at s (n > 0 bytes), or 0. */
static size_t
csvin_utf8_char(const unsigned char *s, size_t n)
{
	unsigned char	 lo, hi;
	int		 need, k;

	if ((need = csvin_utf8_lead(s[0], &lo, &hi)) < 0 || (size_t)need >= n)
		return 0;
	if (need == 0)
		return s[0] != '\0';
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (k = 2; k <= need; k++)
		if (s[k] < 0x80 || s[k] > 0xbf)
			return 0;
	return (size_t)need + 1;
}

/* The length of the longest prefix of s, at most max bytes, that ends on a character. */
static int
csvin_prefix(const char *s, size_t max)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, k, n = strlen(s);

	while (i < n && (k = csvin_utf8_char(u + i, n - i)) > 0 &&
	    i + k <= max)
		i += k;
	return (int)i;
}

enum csvin_enc
csvin_detect(const void *head, size_t headlen, int utf8_valid)
{
	const unsigned char	*h = head;

	if (headlen >= 2 && h[0] == 0xff && h[1] == 0xfe)
		return CSVIN_ENC_UTF16LE;
	if (headlen >= 2 && h[0] == 0xfe && h[1] == 0xff)
		return CSVIN_ENC_UTF16BE;
	if (headlen >= 3 && memcmp(h, csvin_encs[CSVIN_ENC_UTF8].bom, 3) == 0)
		return CSVIN_ENC_UTF8;
	return utf8_valid ? CSVIN_ENC_UTF8 : CSVIN_ENC_CP1252;
}

const char *
csvin_enc_name(enum csvin_enc e)
{
	if ((unsigned)e >= CSVIN_ENC__MAX)
		abort();
	return csvin_encs[e].name;
}

const char *
csvin_layout_name(enum csvin_layout l)
{
	if ((unsigned)l >= CSVIN_LAYOUT__MAX)
		abort();
	return csvin_layouts[l].name;
}

/*
 * Records the reader's first error; the message is formatted from fmt
 * and kept valid UTF-8 when it had to be cut. Returns -1.
 */
static int __attribute__((format(printf, 4, 5)))
csvin_fail(struct csvin *c, enum csvin_err code, size_t line,
    const char *fmt, ...)
{
	va_list	 ap;

	if (c->err.code != CSVIN_ERR_NONE)
		return -1;
	c->err.code = code;
	c->err.line = line;
	va_start(ap, fmt);
	vsnprintf(c->err.message, sizeof(c->err.message), fmt, ap);
	va_end(ap);
	c->err.message[csvin_prefix(c->err.message,
	    sizeof(c->err.message) - 1)] = '\0';
	return -1;
}

/* Makes room for n more bytes in the record buffer. */
static void
csvin_reserve(struct csvin *c, size_t n)
{
	size_t	 cap = c->reccap;

	if (c->reccap - c->reclen >= n)
		return;
	while (cap - c->reclen < n)
		cap = cap < 4096 ? 4096 : cap * 2;
	if ((c->rec = realloc(c->rec, cap)) == NULL)
		abort();
	c->reccap = cap;
}

static int
csvin_isblank(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Drops the blanks around the n bytes at *s: space, tab, CR, LF, U+00A0. */
static void
csvin_trim(const unsigned char **s, size_t *n)
{
	const unsigned char	*p = *s;
	size_t			 len = *n;

	for (;;) {
		if (len > 0 && csvin_isblank(p[0])) {
			p++;
			len--;
		} else if (len > 1 && p[0] == 0xc2 && p[1] == 0xa0) {
			p += 2;
			len -= 2;
		} else
			break;
	}
	for (;;) {
		if (len > 0 && csvin_isblank(p[len - 1]))
			len--;
		else if (len > 1 && p[len - 2] == 0xc2 && p[len - 1] == 0xa0)
			len -= 2;
		else
			break;
	}
	*s = p;
	*n = len;
}

/* 1 if the n bytes at s, trimmed, are empty or gosom's "null". */
static int
csvin_null(const unsigned char *s, size_t n)
{
	return n == 0 || (n == 4 && memcmp(s, "null", 4) == 0);
}

/* 1 if the n bytes at s are empty once trimmed, or the literal "null". */
static int
csvin_empty(const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;

	csvin_trim(&u, &n);
	return csvin_null(u, n);
}

/*
 * Appends the n bytes at s to the record as a value: trimmed, invalid
 * UTF-8 and NUL bytes replaced by U+FFFD, cut on a character boundary to
 * CSVIN_CELL_MAX bytes (CSVIN_ROW_CELL_CUT in c->flags), NUL-terminated.
 * Returns its offset in c->rec, or CSVIN_NONE when it is empty or the
 * literal "null" (gosom's empty cell).
 */
static size_t
csvin_put(struct csvin *c, const char *str, size_t n)
{
	const unsigned char	*s = (const unsigned char *)str, *v;
	size_t			 off, i = 0, j, k, o = 0;
	char			*out;
	int			 cut = 0;

	csvin_trim(&s, &n);
	if (csvin_null(s, n))
		return CSVIN_NONE;
	csvin_reserve(c, (n < CSVIN_CELL_MAX / 3 ? n * 3 : CSVIN_CELL_MAX) + 1);
	off = c->reclen;
	out = c->rec + off;
	while (i < n) {
		/* A run of ASCII without NUL, copied at once. */
		for (j = i; j < n && (unsigned char)(s[j] - 1) < 0x7f; j++)
			continue;
		if (j - i > CSVIN_CELL_MAX - o) {
			j = i + (CSVIN_CELL_MAX - o);
			cut = 1;
		}
		memcpy(out + o, s + i, j - i);
		o += j - i;
		i = j;
		if (cut || i == n)
			break;
		if ((k = csvin_utf8_char(s + i, n - i)) > 0) {
			v = s + i;
			i += k;
		} else {
			v = (const unsigned char *)CSVIN_FFFD;
			k = 3;
			i++;
		}
		if (k > CSVIN_CELL_MAX - o) {
			cut = 1;
			break;
		}
		memcpy(out + o, v, k);
		o += k;
	}
	if (cut) {
		c->flags |= CSVIN_ROW_CELL_CUT;
		/* The cut may leave blanks at the end. */
		v = (const unsigned char *)out;
		csvin_trim(&v, &o);
	}
	out[o] = '\0';
	c->reclen += o + 1;
	return off;
}

/*
 * What lies beyond CSVIN_CELL_MAX in the cell libcsv is reading is
 * dropped, so that memory stays bounded whatever the file holds. libcsv
 * has no hook for this, but struct csv_parser is public (csv.h):
 * entry_pos is the length of the cell so far, spaces the trailing blanks
 * it will drop (and, after what may be a closing quote, it drops
 * spaces + 1). Setting entry_pos to CSVIN_CELL_MAX and spaces to 0 keeps
 * both subtractions in range; the cell only loses a quote or blanks at its
 * cut end. csvin_parse() calls this at positions fixed by the text, so the
 * loss is the same for every chunking.
 */
static void
csvin_cut(struct csvin *c)
{
	if (c->csv.entry_pos <= CSVIN_CELL_MAX)
		return;
	c->csv.entry_pos = CSVIN_CELL_MAX;
	c->csv.spaces = 0;
	c->cell_cut = 1;
}

/*
 * Writes into out (CSVIN_KEY_MAX bytes) the key a header is matched by:
 * ASCII lower case, Latin-1 accents and œ folded to ASCII, and what
 * people write at will dropped (blanks, '-', '_', '.', apostrophes). ""
 * if it does not fit: no rule is that long.
 */
static void
csvin_norm(const char *in, char out[CSVIN_KEY_MAX])
{
	/* U+00C0 to U+00FF, from the second byte of their UTF-8 form. */
	static const char *const fold[64] = {
		"a", "a", "a", "a", "a", "a", "ae", "c",
		"e", "e", "e", "e", "i", "i", "i", "i",
		"d", "n", "o", "o", "o", "o", "o", "x",
		"o", "u", "u", "u", "u", "y", "th", "ss",
		"a", "a", "a", "a", "a", "a", "ae", "c",
		"e", "e", "e", "e", "i", "i", "i", "i",
		"d", "n", "o", "o", "o", "o", "o", "/",
		"o", "u", "u", "u", "u", "y", "th", "y",
	};
	const unsigned char	*s = (const unsigned char *)in;
	const char		*add;
	char			 one[2] = { 0, 0 };
	size_t			 o = 0, len;

	while (*s != '\0') {
		if (s[0] == 0xc3 && s[1] >= 0x80 && s[1] <= 0xbf) {
			add = fold[s[1] - 0x80];
			s += 2;
		} else if (s[0] == 0xc5 && (s[1] == 0x92 || s[1] == 0x93)) {
			add = "oe";
			s += 2;
		} else if (s[0] == 0xc2 && s[1] == 0xa0) {
			add = "";
			s += 2;
		} else if (s[0] == 0xe2 && s[1] == 0x80 && s[2] == 0x99) {
			add = "";	/* U+2019 RIGHT SINGLE QUOTATION MARK */
			s += 3;
		} else if (strchr(" \t-_.'", *s) != NULL) {
			add = "";
			s++;
		} else {
			one[0] = (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
			add = one;
			s++;
		}
		len = strlen(add);
		if (o + len >= CSVIN_KEY_MAX) {
			out[0] = '\0';
			return;
		}
		memcpy(out + o, add, len);
		o += len;
	}
	out[o] = '\0';
}

/*
 * 1 if the first n bytes of the normalised key match the normalised
 * pattern ('#': one or more digits).
 */
static int
csvin_match(const char *pat, const char *key, size_t n)
{
	const char	*end = key + n;

	while (*pat != '\0') {
		if (*pat == '#') {
			if (key == end || *key < '0' || *key > '9')
				return 0;
			while (key < end && *key >= '0' && *key <= '9')
				key++;
			pat++;
		} else if (key == end || *pat++ != *key++)
			return 0;
	}
	return key == end;
}

/*
 * The rule of layout l for column col, or NULL; pats holds the layout's
 * rule headers normalised. A spreadsheet's trailing digits do not count.
 */
static const struct csvin_rule *
csvin_rule(const struct csvin *c, enum csvin_layout l, size_t col,
    char (*pats)[CSVIN_KEY_MAX])
{
	const char	*key = c->cols[col].norm;
	size_t		 i, n = strlen(key);

	while (csvin_layouts[l].digits && n > 0 && key[n - 1] >= '0' &&
	    key[n - 1] <= '9')
		n--;
	for (i = 0; n > 0 && csvin_layouts[l].rules[i].header != NULL; i++)
		if (csvin_match(pats[i], key, n))
			return &csvin_layouts[l].rules[i];
	return NULL;
}

/* The scraper layout whose signature the header has, else spreadsheet. */
static enum csvin_layout
csvin_layout_detect(const struct csvin *c)
{
	const char *const	*sig;
	char			 want[CSVIN_KEY_MAX];
	size_t			 col;
	int			 l;

	for (l = 0; l < CSVIN_LAYOUT__MAX; l++) {
		if ((sig = csvin_layouts[l].signature) == NULL)
			continue;
		for (; *sig != NULL; sig++) {
			csvin_norm(*sig, want);
			for (col = 0; col < c->ncols; col++)
				if (strcmp(c->cols[col].norm, want) == 0)
					break;
			if (col == c->ncols)
				break;
		}
		if (*sig == NULL)
			return (enum csvin_layout)l;
	}
	return CSVIN_LAYOUT_SPREADSHEET;
}

/* The field an API name stands for, or -1. */
static int
csvin_field(const char *name)
{
	int	 f;

	for (f = 0; f < PF__MAX; f++)
		if (strcmp(prospect_field_names[f], name) == 0)
			return f;
	return -1;
}

/*
 * Gives column col the kind and field of a rule. A field other than the
 * e-mails goes to the first column that claims it (taken[] remembers);
 * a later claim makes the column a custom field under its header name.
 */
static void
csvin_assign(struct csvin *c, size_t col, enum csvin_kind kind, int field,
    const char *key, int taken[PF__MAX])
{
	struct csvin_col	*cl = &c->cols[col];
	char			 unnamed[32];

	if (kind == CSVIN_COL_FIELD && field != PF_EMAILS) {
		if (taken[field])
			kind = CSVIN_COL_CUSTOM;
		taken[field] = 1;
	}
	cl->kind = kind;
	cl->field = kind == CSVIN_COL_CUSTOM ? -1 : kind == CSVIN_COL_IGNORED ?
	    -2 : field;
	if (kind != CSVIN_COL_CUSTOM)
		return;
	if (key == NULL && cl->name[0] == '\0') {
		snprintf(unnamed, sizeof(unnamed), "column %zu", col + 1);
		key = unnamed;
	}
	cl->key = arena_strdup(c->hdr, key != NULL ? key : cl->name);
}

/*
 * The key of a mapping value "custom:<key>", trimmed, in *key (*len
 * bytes); -1 if the value is not of that form or the key is blank.
 */
static int
csvin_custom_key(const char *s, const char **key, size_t *len)
{
	const unsigned char	*k = (const unsigned char *)s + 7;
	size_t			 n;

	if (strncmp(s, "custom:", 7) != 0)
		return -1;
	n = strlen(s + 7);
	csvin_trim(&k, &n);
	*key = (const char *)k;
	*len = n;
	return n > 0 ? 0 : -1;
}

/*
 * The columns the explicit mapping names, assigned left to right (done[]
 * set) once the whole mapping is known to be good: every key must name a
 * header cell and every value be a field's API name, "custom:<key>" or
 * null. 0, or -1 with CSVIN_ERR_MAPPING and no column assigned.
 */
static int
csvin_map_explicit(struct csvin *c, int taken[PF__MAX], char *done)
{
	const char	*name, *s, *key;
	json_t		*v;
	size_t		 col, klen;
	int		 field;

	if (!json_is_object(c->opts.mapping))
		return csvin_fail(c, CSVIN_ERR_MAPPING, c->rec_line,
		    "line %zu: the column mapping is not a JSON object",
		    c->rec_line);
	json_object_foreach(c->opts.mapping, name, v) {
		s = json_string_value(v);
		if (!json_is_null(v) && (s == NULL || (csvin_field(s) == -1 &&
		    csvin_custom_key(s, &key, &klen) == -1)))
			return csvin_fail(c, CSVIN_ERR_MAPPING, c->rec_line,
			    "line %zu: the mapping sends column \"%.*s\" to "
			    "\"%.*s\", which is neither a field, "
			    "\"custom:<key>\" nor null", c->rec_line,
			    csvin_prefix(name, 48), name,
			    csvin_prefix(s != NULL ? s : "?", 32),
			    s != NULL ? s : "?");
		for (col = 0; col < c->ncols; col++)
			if (strcmp(c->cols[col].name, name) == 0)
				break;
		if (col == c->ncols)
			return csvin_fail(c, CSVIN_ERR_MAPPING, c->rec_line,
			    "line %zu: the mapping names the column \"%.*s\", "
			    "which is not in the header", c->rec_line,
			    csvin_prefix(name, 60), name);
	}
	for (col = 0; col < c->ncols; col++) {
		if ((v = json_object_get(c->opts.mapping,
		    c->cols[col].name)) == NULL)
			continue;
		done[col] = 1;
		if ((s = json_string_value(v)) == NULL)
			csvin_assign(c, col, CSVIN_COL_IGNORED, -2, NULL, taken);
		else if ((field = csvin_field(s)) != -1)
			csvin_assign(c, col, CSVIN_COL_FIELD, field, NULL, taken);
		else {
			csvin_custom_key(s, &key, &klen);
			csvin_assign(c, col, CSVIN_COL_CUSTOM, -1,
			    arena_strndup(c->hdr, key, klen), taken);
		}
	}
	return 0;
}

/*
 * Reads the header record: its names, the layout, the column plan. 0, or
 * -1 with CSVIN_ERR_COLUMNS or CSVIN_ERR_MAPPING.
 */
static int
csvin_header_read(struct csvin *c)
{
	const struct csvin_rule	*r;
	enum csvin_layout	 l;
	char			(*pats)[CSVIN_KEY_MAX];
	int			 taken[PF__MAX] = { 0 };
	char			 done[CSVIN_COLS_MAX] = { 0 };
	size_t			 col, i;

	/* Only non-empty cells past the limit count: Excel pads rows with ";". */
	if (c->flags & CSVIN_ROW_EXTRA_CELLS)
		return csvin_fail(c, CSVIN_ERR_COLUMNS, c->rec_line,
		    "line %zu: the header has %zu columns, more than the %d "
		    "allowed", c->rec_line, c->ncells, CSVIN_COLS_MAX);
	c->ncols = c->ncells < CSVIN_COLS_MAX ? c->ncells : CSVIN_COLS_MAX;
	c->cols = arena_alloc(c->hdr, c->ncols * sizeof(*c->cols));
	c->coffs = arena_alloc(c->hdr, c->ncols * sizeof(*c->coffs));
	c->ckeys = arena_alloc(c->hdr, c->ncols * sizeof(*c->ckeys));
	c->cvals = arena_alloc(c->hdr, c->ncols * sizeof(*c->cvals));
	for (col = 0; col < c->ncols; col++) {
		c->cols[col].name = arena_strdup(c->hdr,
		    c->cell[col] == CSVIN_NONE ? "" : c->rec + c->cell[col]);
		csvin_norm(c->cols[col].name, c->cols[col].norm);
		/* What a column says until it is assigned: ignored. */
		c->cols[col].kind = CSVIN_COL_IGNORED;
		c->cols[col].field = -2;
	}
	l = csvin_layout_detect(c);
	c->layout = c->opts.mapping != NULL ? CSVIN_LAYOUT_MAPPING : l;
	if (c->opts.mapping != NULL && csvin_map_explicit(c, taken, done) == -1)
		return -1;
	/* The layout's rule headers, normalised once for all columns. */
	for (i = 0; csvin_layouts[l].rules[i].header != NULL; i++)
		continue;
	pats = arena_alloc(c->hdr, i * sizeof(*pats));
	while (i-- > 0)
		csvin_norm(csvin_layouts[l].rules[i].header, pats[i]);
	for (col = 0; col < c->ncols; col++) {
		if (done[col])
			continue;
		if ((r = csvin_rule(c, l, col, pats)) != NULL)
			csvin_assign(c, col, r->kind, r->field, r->key, taken);
		else
			csvin_assign(c, col, csvin_layouts[l].other, -1, NULL,
			    taken);
	}
	c->header_done = 1;
	return 0;
}

/*
 * The website as it should be stored: Google's redirect links
 * ("/url?q=https://example.fr/&opi=...", gosom writes them for some
 * places) give their target, percent-decoded; anything else is kept.
 * Returns an offset in c->rec.
 */
static size_t
csvin_website(struct csvin *c, size_t v)
{
	const char	*s = c->rec + v, *q, *t;
	struct kv	*kv;
	size_t		 n, r;

	if (strncmp(s, "/url?", 5) == 0)
		q = s + 5;
	else {
		q = s;
		if (strncmp(q, "https://", 8) == 0)
			q += 8;
		else if (strncmp(q, "http://", 7) == 0)
			q += 7;
		else
			return v;
		if (strncmp(q, "www.", 4) == 0)
			q += 4;
		if (strncmp(q, "google.", 7) != 0)
			return v;
		q += 7;
		q += strspn(q, "abcdefghijklmnopqrstuvwxyz.");
		if (strncmp(q, "/url?", 5) != 0)
			return v;
		q += 5;
	}
	/* The target is a URL of its own or nothing. */
	r = v;
	if (query_parse(c->arena, q, &kv, &n) == 0 &&
	    ((t = query_get(kv, n, "q", NULL)) != NULL ||
	    (t = query_get(kv, n, "url", NULL)) != NULL) &&
	    (strncmp(t, "https://", 8) == 0 || strncmp(t, "http://", 7) == 0))
		r = csvin_put(c, t, strlen(t));
	arena_reset(c->arena);
	return r;
}

/* Joins two e-mail values (offsets in c->rec) with ", ". */
static size_t
csvin_join(struct csvin *c, size_t a, size_t b)
{
	size_t	 la = strlen(c->rec + a), lb = strlen(c->rec + b), off;

	if (la + 2 + lb > CSVIN_CELL_MAX) {
		c->flags |= CSVIN_ROW_CELL_CUT;
		return a;
	}
	csvin_reserve(c, la + 2 + lb + 1);
	off = c->reclen;
	memcpy(c->rec + off, c->rec + a, la);
	memcpy(c->rec + off + la, ", ", 2);
	memcpy(c->rec + off + la + 2, c->rec + b, lb + 1);
	c->reclen += la + 2 + lb + 1;
	return off;
}

/*
 * gosom's complete_address cell, a JSON object, fills the address
 * (street), postal code, city and country that no column gave.
 */
static void
csvin_address(struct csvin *c, size_t v, size_t val[PF__MAX])
{
	static const struct {
		const char	*member;
		int		 field;
	} parts[] = {
		{ "street", PF_ADDRESS },
		{ "postal_code", PF_POSTAL_CODE },
		{ "city", PF_CITY },
		{ "country", PF_COUNTRY },
	};
	json_t		*obj, *m;
	size_t		 i;

	if ((obj = json_loads(c->rec + v, 0, NULL)) == NULL)
		return;
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (val[parts[i].field] == CSVIN_NONE &&
		    (m = json_object_get(obj, parts[i].member)) != NULL &&
		    json_is_string(m))
			val[parts[i].field] = csvin_put(c, json_string_value(m),
			    json_string_length(m));
	json_decref(obj);
}

/* Gives field f the value at v (an offset), or joins it to the e-mails. */
static void
csvin_set(struct csvin *c, size_t val[PF__MAX], int f, size_t v)
{
	if (f == PF_WEBSITE)
		v = csvin_website(c, v);
	if (f == PF_EMAILS && val[f] != CSVIN_NONE)
		v = csvin_join(c, val[f], v);
	val[f] = v;
}

/* Turns the record into a row for the caller. 0, or -1 if it stops. */
static int
csvin_deliver(struct csvin *c)
{
	struct csvin_row	 row;
	size_t			 val[PF__MAX], col, n, i;
	enum csvin_kind		 pass;
	const struct csvin_col	*cl;

	memset(&row, 0, sizeof(row));
	for (i = 0; i < PF__MAX; i++)
		val[i] = CSVIN_NONE;
	n = c->ncells < c->ncols ? c->ncells : c->ncols;
	/* Columns first, then the JSON address, then the fallbacks. */
	for (pass = CSVIN_COL_FIELD; pass <= CSVIN_COL_FALLBACK; pass++)
		for (col = 0; col < n; col++) {
			cl = &c->cols[col];
			if (c->cell[col] == CSVIN_NONE)
				continue;
			if (cl->kind == CSVIN_COL_CUSTOM &&
			    pass == CSVIN_COL_FIELD) {
				c->ckeys[row.ncustom] = cl->key;
				c->coffs[row.ncustom++] = c->cell[col];
			} else if (cl->kind != pass)
				continue;
			else if (pass == CSVIN_COL_ADDRESS)
				csvin_address(c, c->cell[col], val);
			else if (pass == CSVIN_COL_FIELD ||
			    val[cl->field] == CSVIN_NONE)
				csvin_set(c, val, cl->field, c->cell[col]);
		}
	/* Pointers only now: the buffer may have moved as values were added. */
	for (i = 0; i < PF__MAX; i++)
		row.f[i] = val[i] == CSVIN_NONE ? NULL : c->rec + val[i];
	for (i = 0; i < row.ncustom; i++)
		c->cvals[i] = c->rec + c->coffs[i];
	row.line = c->rec_line;
	row.ncells = c->ncells;
	row.custom_keys = c->ckeys;
	row.custom_vals = c->cvals;
	row.flags = c->flags;
	c->rows++;
	if (c->fn(c->arg, &row) == -1)
		return csvin_fail(c, CSVIN_ERR_ABORTED, row.line,
		    "line %zu: the import stopped at this row", row.line);
	return 0;
}

/* libcsv's cell callback: keeps the cell's value in the record. */
static void
csvin_cell(void *s, size_t len, void *arg)
{
	struct csvin	*c = arg;
	size_t		 col = c->ncells++;
	size_t		 limit = c->header_done ? c->ncols : CSVIN_COLS_MAX;

	if (c->err.code != CSVIN_ERR_NONE)
		return;
	if (c->cell_cut) {
		c->flags |= CSVIN_ROW_CELL_CUT;
		c->cell_cut = 0;
	}
	if (col < limit) {
		if ((c->cell[col] = csvin_put(c, s, len)) != CSVIN_NONE)
			c->nonempty++;
	} else if (!csvin_empty(s, len)) {
		c->nonempty++;
		c->flags |= CSVIN_ROW_EXTRA_CELLS;
	}
}

/* libcsv's record callback: the header, a row, or a row to skip. */
static void
csvin_end(int term, void *arg)
{
	struct csvin	*c = arg;

	c->in_record = 0;
	if (c->err.code == CSVIN_ERR_NONE) {
		if (c->nonempty == 0)
			c->skipped++;
		else if (!c->header_done)
			csvin_header_read(c);
		else
			csvin_deliver(c);
	}
	c->ncells = c->nonempty = c->reclen = 0;
	c->flags = 0;
}

/* libcsv's blanks: spaces and tabs, or spaces only between tabs. */
static int
csvin_blank(unsigned char ch)
{
	return ch == ' ' || ch == '\t';
}

static int
csvin_blank_tsv(unsigned char ch)
{
	return ch == ' ';
}

/* 1 if line is one of opts.skip_lines. */
static int
csvin_skip_line(const struct csvin *c, size_t line)
{
	size_t	 i;

	for (i = 0; i < c->opts.nskip; i++)
		if (c->opts.skip_lines[i] == line)
			return 1;
	return 0;
}

/*
 * Hands decoded text to libcsv and tracks physical lines. Each call to
 * csv_parse() ends at a line-end byte at the latest, so that the line
 * where a record starts is known when it ends; the scan mirrors libcsv's
 * view of where records start (blanks before a record are skipped,
 * anything else begins one). csvin_cut() runs after each CR or LF byte
 * and after every CSVIN_SEG_MAX bytes without one: positions fixed by the
 * text, never by how the caller split it, so every chunking of a file
 * gives the same rows.
 */
static int
csvin_parse(struct csvin *c, const char *text, size_t n)
{
	const unsigned char	*s = (const unsigned char *)text;
	size_t			 i = 0, start, lim;
	unsigned char		 ch;
	int			 end;

	while (i < n) {
		if (c->skipping) {
			/* A line the caller excluded: to its end, unparsed. */
			while (i < n) {
				ch = s[i++];
				if (ch == '\r' || ch == '\n') {
					c->line++;
					c->prev_cr = ch == '\r';
					c->skipping = 0;
					break;
				}
			}
			continue;
		}
		start = i;
		lim = n - i > CSVIN_SEG_MAX - c->segfill ?
		    i + CSVIN_SEG_MAX - c->segfill : n;
		end = 0;
		while (i < lim && !end) {
			ch = s[i++];
			if ((end = ch == '\r' || ch == '\n')) {
				/* The LF of a CRLF ends no line of its own. */
				if (ch == '\r' || !c->prev_cr) {
					if (!c->in_record)
						c->skipped++;	/* a blank line */
					c->line++;
					c->blank_line = 0;
				}
				c->prev_cr = ch == '\r';
				continue;
			}
			c->prev_cr = 0;
			if (c->in_record)
				continue;
			if (ch == ' ' || (ch == '\t' && c->delim != '\t'))
				c->blank_line = 1;
			else if (csvin_skip_line(c, c->line)) {
				i--;	/* the outer loop passes the line over */
				c->skipping = 1;
				break;
			} else {
				c->in_record = 1;
				c->rec_line = c->line;
			}
		}
		if (csv_parse(&c->csv, s + start, i - start, csvin_cell,
		    csvin_end, c) != i - start)
			abort();	/* only out of memory stops libcsv */
		if (c->err.code != CSVIN_ERR_NONE)
			return -1;
		c->segfill += i - start;
		if (end || c->segfill == CSVIN_SEG_MAX) {
			csvin_cut(c);
			c->segfill = 0;
		}
	}
	return 0;
}

/*
 * The delimiter of the text at s (n bytes; eof: it is the whole file):
 * for each candidate, its count outside quotes on the first line (the
 * header) and how many of the first records repeat that count. The one
 * most records agree on wins, then the one with more columns, then the
 * earlier in csvin_delims; a candidate absent from the header never wins,
 * so French decimal commas ("4,6") do not beat ';'. Records with nothing
 * but blanks and candidates (";;;;") do not count, except when there is
 * nothing else: the most frequent candidate in them then wins, so that
 * they are skipped as separator-only rows. ',' when nothing fits.
 */
static char
csvin_sniff(const unsigned char *s, size_t n, int eof)
{
	size_t		 cnt[4] = { 0 }, first[4] = { 0 }, agree[4] = { 0 };
	size_t		 bare[4] = { 0 }, i, d, lines = 0;
	const char	*p;
	int		 inq = 0, content = 0, best = -1;

	for (i = 0; i <= n && lines < CSVIN_SNIFF_LINES; i++) {
		if (i < n) {
			if (s[i] == '"') {
				inq = !inq;
				content = 1;
				continue;
			}
			if (inq)
				continue;
			if (s[i] != '\r' && s[i] != '\n') {
				if ((p = memchr(csvin_delims, s[i], 4)) != NULL)
					cnt[p - csvin_delims]++;
				else if (s[i] != ' ')
					content = 1;
				continue;
			}
		} else if (!eof && lines > 0)
			break;		/* a line cut by the buffer says little */
		for (d = 0; d < 4; d++) {
			if (!content)
				bare[d] += cnt[d];
			else {
				if (lines == 0)
					first[d] = cnt[d];
				agree[d] += cnt[d] == first[d];
			}
			cnt[d] = 0;
		}
		lines += content;
		content = 0;
	}
	for (d = 0; d < 4; d++)
		if (first[d] > 0 && (best == -1 || agree[d] > agree[best] ||
		    (agree[d] == agree[best] && first[d] > first[best])))
			best = (int)d;
	for (d = 0; d < 4 && lines == 0; d++)
		if (bare[d] > 0 && (best == -1 || bare[d] > bare[best]))
			best = (int)d;
	return best == -1 ? ',' : csvin_delims[best];
}

/*
 * The sniff buffer is full, or the file ended: drops Excel's "sep=X"
 * first line (X then is the delimiter unless the caller chose one; the
 * line still counts as line 1), settles the delimiter, and parses what
 * was held.
 */
static int
csvin_sniff_done(struct csvin *c, int eof)
{
	char		*buf = c->sniff;
	size_t		 n = c->nsniff, skip = 0;
	char		 sep = 0;
	int		 rc;

	c->sniff = NULL;
	if (n >= 5 && strncasecmp(buf, "sep=", 4) == 0 &&
	    memchr(csvin_delims, buf[4], 4) != NULL &&
	    (n == 5 || buf[5] == '\r' || buf[5] == '\n')) {
		sep = buf[4];
		skip = 5;
		if (skip < n && buf[skip] == '\r')
			skip++;
		if (skip < n && buf[skip] == '\n')
			skip++;
		c->line = 2;
	}
	if ((c->delim = c->opts.delimiter) == 0)
		c->delim = sep != 0 ? sep : csvin_sniff((unsigned char *)buf +
		    skip, n - skip, eof);
	csv_set_delim(&c->csv, (unsigned char)c->delim);
	csv_set_space_func(&c->csv, c->delim == '\t' ? csvin_blank_tsv :
	    csvin_blank);
	rc = csvin_parse(c, buf + skip, n - skip);
	free(buf);
	return rc;
}

/* Decoded text: into the sniff buffer while it fills, then to libcsv. */
static int
csvin_text(struct csvin *c, const char *s, size_t n)
{
	size_t	 k;

	if (c->sniff != NULL) {
		k = n < CSVIN_SNIFF_MAX - c->nsniff ? n :
		    CSVIN_SNIFF_MAX - c->nsniff;
		memcpy(c->sniff + c->nsniff, s, k);
		c->nsniff += k;
		s += k;
		n -= k;
		if (c->nsniff < CSVIN_SNIFF_MAX)
			return 0;
		if (csvin_sniff_done(c, 0) == -1)
			return -1;
	}
	return n > 0 ? csvin_parse(c, s, n) : 0;
}

/*
 * Converts what it can of the *len bytes at *in to UTF-8 text. A
 * sequence cut at the end stays in *in; an invalid one (an undefined
 * Windows-1252 byte, a lone surrogate) becomes U+FFFD.
 */
static int
csvin_iconv(struct csvin *c, const unsigned char **in, size_t *len)
{
	char	*inp, *out;
	size_t	 outleft, r, skip;
	int	 e;

	while (*len > 0) {
		inp = (char *)*in;
		out = c->conv;
		outleft = sizeof(c->conv);
		r = iconv(c->cd, &inp, len, &out, &outleft);
		e = errno;
		*in = (const unsigned char *)inp;
		if (csvin_text(c, c->conv, (size_t)(out - c->conv)) == -1)
			return -1;
		if (r != (size_t)-1 || e == EINVAL)
			break;
		if (e == EILSEQ) {
			if (csvin_text(c, CSVIN_FFFD, 3) == -1)
				return -1;
			skip = csvin_encs[c->opts.enc].unit;
			skip = skip < *len ? skip : *len;
			*in += skip;
			*len -= skip;
		} else if (e != E2BIG)
			abort();	/* iconv(3) has no other error */
	}
	return 0;
}

/* Raw bytes (byte order mark dropped) to UTF-8 text. */
static int
csvin_decode(struct csvin *c, const unsigned char *s, size_t len)
{
	const unsigned char	*p;
	size_t			 n;

	if (c->cd == (iconv_t)-1)
		return csvin_text(c, (const char *)s, len);
	/* Complete a code unit cut by the previous chunk, byte by byte. */
	while (c->npend > 0 && len > 0) {
		if (c->npend == sizeof(c->pend))
			abort();	/* no code unit is that long */
		c->pend[c->npend++] = *s++;
		len--;
		p = c->pend;
		n = c->npend;
		if (csvin_iconv(c, &p, &n) == -1)
			return -1;
		memmove(c->pend, p, n);
		c->npend = n;
	}
	if (len > 0) {
		if (csvin_iconv(c, &s, &len) == -1)
			return -1;
		if (len > sizeof(c->pend))
			abort();
		memcpy(c->pend, s, len);
		c->npend = len;
	}
	return 0;
}

struct csvin *
csvin_new(const struct csvin_opts *opts, csvin_row_fn fn, void *arg)
{
	struct csvin	*c;
	const char	*conv;

	if ((unsigned)opts->enc >= CSVIN_ENC__MAX || fn == NULL ||
	    (opts->delimiter != 0 &&
	    memchr(csvin_delims, opts->delimiter, 4) == NULL))
		abort();
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->sniff = malloc(CSVIN_SNIFF_MAX)) == NULL)
		abort();
	c->opts = *opts;
	c->fn = fn;
	c->arg = arg;
	c->line = 1;
	c->arena = arena_new();
	c->hdr = arena_new();
	c->cd = (iconv_t)-1;
	if (csv_init(&c->csv, 0) != 0)
		abort();
	/* libcsv grows a cell by blk_size bytes at a time: fewer, larger steps. */
	csv_set_blk_size(&c->csv, 4096);
	if ((conv = csvin_encs[opts->enc].iconv) != NULL &&
	    (c->cd = iconv_open("UTF-8", conv)) == (iconv_t)-1)
		csvin_fail(c, CSVIN_ERR_ENCODING, 0, "this system cannot "
		    "convert from %s: %s", csvin_encs[opts->enc].name,
		    strerror(errno));
	return c;
}

int
csvin_feed(struct csvin *c, const void *buf, size_t len)
{
	const unsigned char	*s = buf;
	const char		*bom = csvin_encs[c->opts.enc].bom;
	size_t			 bomlen = strlen(bom);

	if (c->err.code != CSVIN_ERR_NONE)
		return -1;
	if (c->finished)
		abort();
	if (!c->bom_done) {
		while (len > 0 && c->nbom < bomlen &&
		    *s == (unsigned char)bom[c->nbom]) {
			c->nbom++;
			s++;
			len--;
		}
		if (c->nbom == bomlen)
			c->bom_done = 1;
		else if (len > 0) {
			/* Not a byte order mark: what matched was text. */
			c->bom_done = 1;
			if (csvin_decode(c, (const unsigned char *)bom,
			    c->nbom) == -1)
				return -1;
		}
	}
	if (len > 0 && csvin_decode(c, s, len) == -1)
		return -1;
	return c->err.code == CSVIN_ERR_NONE ? 0 : -1;
}

int
csvin_finish(struct csvin *c)
{
	const char	*bom = csvin_encs[c->opts.enc].bom;

	if (c->err.code != CSVIN_ERR_NONE)
		return -1;
	if (c->finished)
		abort();
	if (!c->bom_done) {
		c->bom_done = 1;
		if (csvin_decode(c, (const unsigned char *)bom, c->nbom) == -1)
			return -1;
	}
	if (c->npend % 2 == 1)
		return csvin_fail(c, CSVIN_ERR_ENCODING, 0, "the file ends "
		    "in the middle of a UTF-16 character (its size in bytes "
		    "is odd)");
	/* A high surrogate without its low half. */
	if (c->npend > 0 && csvin_text(c, CSVIN_FFFD, 3) == -1)
		return -1;
	c->npend = 0;
	if (c->sniff != NULL && csvin_sniff_done(c, 1) == -1)
		return -1;
	if (c->in_record) {
		/*
		 * The line end the file lacks closes the last record, unless
		 * a quoted cell is still open and swallows it.
		 */
		if (csv_parse(&c->csv, "\n", 1, csvin_cell, csvin_end, c) != 1)
			abort();
		if (c->err.code != CSVIN_ERR_NONE)
			return -1;
		if (c->in_record)
			return csvin_fail(c, CSVIN_ERR_UNTERMINATED,
			    c->rec_line, "line %zu: a quoted cell opens and "
			    "never closes", c->rec_line);
	} else if (c->blank_line)
		c->skipped++;
	c->blank_line = 0;
	if (!c->header_done)
		return csvin_fail(c, CSVIN_ERR_NO_HEADER, 0, "the file has "
		    "no header line: it is empty or holds only blank lines");
	c->finished = 1;
	return 0;
}

const struct csvin_error *
csvin_error(const struct csvin *c)
{
	return &c->err;
}

void
csvin_free(struct csvin *c)
{
	if (c == NULL)
		return;
	if (c->cd != (iconv_t)-1)
		iconv_close(c->cd);
	csv_free(&c->csv);
	arena_free(c->hdr);
	free(c->rec);
	free(c->sniff);
	arena_free(c->arena);
	free(c);
}

char
csvin_delimiter(const struct csvin *c)
{
	return c->delim;
}

enum csvin_layout
csvin_layout(const struct csvin *c)
{
	return c->layout;
}

size_t
csvin_columns(const struct csvin *c)
{
	return c->ncols;
}

const char *
csvin_header(const struct csvin *c, size_t col)
{
	return col < c->ncols ? c->cols[col].name : NULL;
}

int
csvin_column_field(const struct csvin *c, size_t col)
{
	return col < c->ncols ? c->cols[col].field : -2;
}

const char *
csvin_column_key(const struct csvin *c, size_t col)
{
	return col < c->ncols ? c->cols[col].key : NULL;
}

size_t
csvin_rows(const struct csvin *c)
{
	return c->rows;
}

size_t
csvin_skipped(const struct csvin *c)
{
	return c->skipped;
}
