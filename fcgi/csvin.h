/*
 * The CSV reader of prospect imports: turns the bytes of an uploaded file
 * (Google Maps scraper exports, French or English spreadsheets) into rows
 * of canonical prospect fields (prospect.h). The caller streams the file
 * in chunks of any size; memory stays bounded by one record and a sniff
 * buffer whatever the file's size. Parsing is libcsv's, conversion to
 * UTF-8 glibc's iconv, JSON cells Jansson's.
 *
 * A typical import reads the file twice: once through csvin_utf8_feed()
 * to learn whether it is valid UTF-8, then csvin_detect() on its first
 * bytes, then csvin_new() / csvin_feed() ... / csvin_finish().
 */
#ifndef PROSPEA_CSVIN_H
#define PROSPEA_CSVIN_H

#include <stddef.h>

#include <jansson.h>

#include "prospect.h"

/* Bytes of one cell; larger cells are cut and the row flagged. */
#define CSVIN_CELL_MAX	(64 * 1024)
/* Columns of the header; more is CSVIN_ERR_COLUMNS. */
#define CSVIN_COLS_MAX	512

enum csvin_enc {
	CSVIN_ENC_UTF8,
	CSVIN_ENC_CP1252,
	CSVIN_ENC_UTF16LE,
	CSVIN_ENC_UTF16BE,
	CSVIN_ENC__MAX
};

/*
 * Incremental UTF-8 validity across chunk boundaries, strict as RFC 3629
 * section 4: no overlong forms, no surrogates, nothing above U+10FFFF.
 * The fields are private.
 */
struct csvin_utf8 {
	int		bad;	/* an invalid sequence was seen */
	unsigned	need;	/* continuation bytes still expected */
	unsigned char	lo;	/* range of the next continuation byte */
	unsigned char	hi;
};

/* Starts a validation: nothing fed is valid. */
void	csvin_utf8_init(struct csvin_utf8 *);

/* Feeds the next len bytes at buf (any split of the input). */
void	csvin_utf8_feed(struct csvin_utf8 *, const void *buf, size_t len);

/*
 * 1 if everything fed so far is valid UTF-8 and no sequence is cut at
 * the end, else 0.
 */
int	csvin_utf8_ok(const struct csvin_utf8 *);

/*
 * The file's encoding from its first headlen bytes (4 are enough) and
 * the whole file's UTF-8 validity (csvin_utf8_ok()): a UTF-16 byte order
 * mark (FF FE or FE FF, Excel's "Unicode text") gives UTF-16; a UTF-8
 * byte order mark (EF BB BF) gives UTF-8 even when a later byte is
 * invalid (the writer said UTF-8; bad bytes become U+FFFD); otherwise
 * UTF-8 when valid, else Windows-1252, the encoding of French Excel's
 * "CSV (separator: semicolon)".
 */
enum csvin_enc csvin_detect(const void *head, size_t headlen,
	    int utf8_valid);

/* "utf-8", "windows-1252", "utf-16le", "utf-16be". Static. */
const char *csvin_enc_name(enum csvin_enc);

enum csvin_layout {
	CSVIN_LAYOUT_SPREADSHEET,	/* header synonyms, French and English */
	CSVIN_LAYOUT_GOSOM,		/* gosom/google-maps-scraper */
	CSVIN_LAYOUT_OUTSCRAPER,	/* Outscraper's Google Maps export */
	CSVIN_LAYOUT_APIFY,		/* Apify's Google Maps scraper */
	CSVIN_LAYOUT_MAPPING,		/* explicit mapping (csvin_opts) */
	CSVIN_LAYOUT__MAX
};

/* "spreadsheet", "gosom", "outscraper", "apify", "mapping". Static. */
const char *csvin_layout_name(enum csvin_layout);

enum csvin_row_flag {
	CSVIN_ROW_EXTRA_CELLS = 1,	/* non-empty cells beyond the header's width */
	CSVIN_ROW_CELL_CUT = 2		/* a cell was over CSVIN_CELL_MAX */
};

struct csvin_row {
	size_t		 line;		/* 1-based physical line where the record starts */
	size_t		 ncells;	/* cells in the record as read */
	/*
	 * Mapped values, NUL-terminated valid UTF-8 of at most
	 * CSVIN_CELL_MAX bytes, trimmed; NULL when absent, empty, or the
	 * literal "null".
	 */
	const char	*f[PF__MAX];
	size_t		 ncustom;	/* unmapped, non-empty columns */
	/*
	 * Their keys (the header name, "column N" for an unnamed column, a
	 * layout's key such as "google_maps_url", or the mapping's
	 * "custom:<key>") and values, in column order; a key may repeat
	 * when the header does.
	 */
	const char *const *custom_keys;
	const char *const *custom_vals;
	unsigned	 flags;		/* enum csvin_row_flag */
};

/*
 * Called once per data record (not the header, not blank or
 * separator-only rows). The row and all it points to are borrowed, valid
 * during the call. Returns 0 to go on, -1 to stop: csvin_feed() or
 * csvin_finish() then return -1 with CSVIN_ERR_ABORTED.
 */
typedef int (*csvin_row_fn)(void *arg, const struct csvin_row *row);

struct csvin_opts {
	enum csvin_enc	 enc;		/* from csvin_detect() */
	char		 delimiter;	/* ',' ';' '\t' '|' or 0 to sniff */
	/*
	 * Borrowed, must outlive the reader; NULL = automatic. Else an
	 * object {"<header as in file>": "<field api name>" |
	 * "custom:<key>" | null (ignore)}; columns it does not name follow
	 * the automatic rules.
	 */
	json_t		*mapping;
	/*
	 * Borrowed: physical lines where a record must not start (sorted or
	 * not, at most a few). Such a line is passed over unparsed, up to
	 * its end: after CSVIN_ERR_UNTERMINATED on line N, a caller reads
	 * the file again with N here and gets every other record.
	 */
	const size_t	*skip_lines;
	size_t		 nskip;
};

enum csvin_err {
	CSVIN_ERR_NONE,
	CSVIN_ERR_UNTERMINATED,	/* a quoted cell of the record on line N never closes */
	CSVIN_ERR_NO_HEADER,	/* nothing but blank lines */
	CSVIN_ERR_MAPPING,	/* the mapping names a column not in the header, or an unknown field */
	CSVIN_ERR_COLUMNS,	/* more than CSVIN_COLS_MAX columns */
	CSVIN_ERR_ENCODING,	/* UTF-16 cut in a code unit, no converter */
	CSVIN_ERR_ABORTED,	/* the row function returned -1 */
	CSVIN_ERR__MAX
};

struct csvin_error {
	enum csvin_err	 code;
	size_t		 line;		/* physical line it concerns, 0 if none */
	char		 message[200];	/* English sentence naming the line / column */
};

struct csvin;

/*
 * A reader that calls fn(arg, row) for each data record. opts is copied
 * (its mapping stays borrowed). Owned: release with csvin_free(). Never
 * NULL: out of memory aborts (STYLE.md), and so does misuse (an encoding
 * or delimiter outside the enums above). A mapping that does not fit the
 * file is reported when the header is read, as CSVIN_ERR_MAPPING.
 */
struct csvin	*csvin_new(const struct csvin_opts *, csvin_row_fn fn,
		    void *arg);

/*
 * The next len raw bytes of the file, in order, split anywhere: every
 * split gives the same rows. Rows are delivered as their records complete
 * (the first ones once the sniff buffer of 64 KiB is full, or at
 * csvin_finish()). 0, or -1 with the reason in csvin_error(); after an
 * error every call returns -1. Feeding after a csvin_finish() that
 * returned 0 is misuse and aborts.
 */
int	 csvin_feed(struct csvin *, const void *buf, size_t len);

/*
 * End of file: delivers the last record. 0, or -1 with the reason in
 * csvin_error(): CSVIN_ERR_UNTERMINATED when the file ends inside a
 * quoted cell, CSVIN_ERR_NO_HEADER when it holds no record at all,
 * CSVIN_ERR_ENCODING when UTF-16 ends in the middle of a code unit. Once
 * only (after an error it may be called again and returns -1).
 */
int	 csvin_finish(struct csvin *);

/* The reader's error; code CSVIN_ERR_NONE if none. Borrowed. */
const struct csvin_error *csvin_error(const struct csvin *);

/* Releases the reader. NULL is a no-op. */
void	 csvin_free(struct csvin *);

/*
 * What the reader made of the file. The delimiter is known once the
 * sniff buffer is decided (0 before); the rest once the header is read
 * (0, CSVIN_LAYOUT_SPREADSHEET, NULL, -2 before).
 */
char	 csvin_delimiter(const struct csvin *);
enum csvin_layout csvin_layout(const struct csvin *);
size_t	 csvin_columns(const struct csvin *);

/*
 * The header cell of column col (0-based), trimmed, as in the file ("" for
 * an unnamed column); NULL past the last column. Borrowed.
 */
const char *csvin_header(const struct csvin *, size_t col);

/*
 * Where column col goes: an enum prospect_field, -1 for a custom field,
 * -2 when ignored. A column that feeds several fields (gosom's
 * complete_address) answers its first, PF_ADDRESS.
 */
int	 csvin_column_field(const struct csvin *, size_t col);

/*
 * The custom key of column col when csvin_column_field() is -1 (its
 * header name, a layout's fixed key such as "google_maps_url", or the
 * mapping's "custom:<key>"), else NULL. Borrowed.
 */
const char *csvin_column_key(const struct csvin *, size_t col);

size_t	 csvin_rows(const struct csvin *);	/* data records delivered so far */
size_t	 csvin_skipped(const struct csvin *);	/* blank / separator-only rows skipped */

#endif
