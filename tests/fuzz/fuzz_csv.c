/*
 * Fuzz target for the CSV reader (csvin.h). The input is an uploaded
 * file's bytes; a hash of them picks a split position, a chunk size, a
 * delimiter (or sniffing), sometimes an encoding other than the detected
 * one, and a row at which the row function stops. The reader runs on the
 * whole input, on the input split in two at the position, and in small
 * chunks, then with a mapping built from the header it found, then with a
 * row function that stops. Properties:
 * - csvin_utf8 agrees with the independent oracle however it is fed;
 * - every mapped value, custom key and custom value is valid UTF-8, non
 *   empty, trimmed, at most CSVIN_CELL_MAX bytes, and no value is gosom's
 *   "null"; rows come with strictly increasing lines; csvin_rows() counts
 *   them;
 * - the chunkings give the same rows, counts and error (a digest);
 * - an error has a known code and a non-empty UTF-8 message, and sticks;
 * - the column plan is consistent; a mapping naming header cells only is
 *   never a mapping error;
 * - a row function that stops at row k stops the reader at row k.
 */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "csvin.h"
#include "fuzz.h"

/* What one run of the reader gave. */
struct fuzz_run {
	uint64_t	 digest;	/* FNV-1a of every row */
	size_t		 rows;
	size_t		 last_line;
	size_t		 stop_at;	/* row number that returns -1; 0: none */
	size_t		 stop_line;	/* that row's line */
	enum csvin_err	 code;
	size_t		 err_line;
	size_t		 skipped;
	size_t		 columns;
	char		 delim;
	enum csvin_layout layout;
};

static uint64_t
fuzz_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char	*s = p;

	while (n-- > 0) {
		h ^= *s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The properties of every custom key the reader hands out. */
static void
fuzz_check_key(const char *v)
{
	size_t		 n;

	FUZZ_CHECK(v != NULL);
	n = strlen(v);
	FUZZ_CHECK(n > 0 && n <= CSVIN_CELL_MAX);
	FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)v, n));
	FUZZ_CHECK(strchr(" \t\r\n", v[0]) == NULL);
	FUZZ_CHECK(strchr(" \t\r\n", v[n - 1]) == NULL);
}

/* The same, and values are never gosom's "null". */
static void
fuzz_check_value(const char *v)
{
	fuzz_check_key(v);
	FUZZ_CHECK(strcmp(v, "null") != 0);
}

static int
fuzz_row(void *arg, const struct csvin_row *row)
{
	struct fuzz_run	*r = arg;
	size_t		 i;

	FUZZ_CHECK(row->line > r->last_line);
	FUZZ_CHECK(row->ncells > 0);
	FUZZ_CHECK(row->ncustom <= row->ncells && row->ncustom <= CSVIN_COLS_MAX);
	FUZZ_CHECK((row->flags & ~(unsigned)(CSVIN_ROW_EXTRA_CELLS |
	    CSVIN_ROW_CELL_CUT)) == 0);
	r->last_line = row->line;
	r->digest = fuzz_hash(r->digest, &row->line, sizeof(row->line));
	r->digest = fuzz_hash(r->digest, &row->ncells, sizeof(row->ncells));
	r->digest = fuzz_hash(r->digest, &row->flags, sizeof(row->flags));
	for (i = 0; i < PF__MAX; i++) {
		r->digest = fuzz_hash(r->digest, &i, sizeof(i));
		if (row->f[i] == NULL)
			continue;
		fuzz_check_value(row->f[i]);
		r->digest = fuzz_hash(r->digest, row->f[i],
		    strlen(row->f[i]) + 1);
	}
	for (i = 0; i < row->ncustom; i++) {
		fuzz_check_key(row->custom_keys[i]);
		fuzz_check_value(row->custom_vals[i]);
		r->digest = fuzz_hash(r->digest, row->custom_keys[i],
		    strlen(row->custom_keys[i]) + 1);
		r->digest = fuzz_hash(r->digest, row->custom_vals[i],
		    strlen(row->custom_vals[i]) + 1);
	}
	if (++r->rows == r->stop_at) {
		r->stop_line = row->line;
		return -1;
	}
	return 0;
}

/* The column plan the reader reports is consistent. */
static void
fuzz_check_columns(const struct csvin *c)
{
	const char	*h;
	size_t		 col, n = csvin_columns(c);
	int		 f;

	FUZZ_CHECK(n <= CSVIN_COLS_MAX);
	for (col = 0; col < n; col++) {
		FUZZ_CHECK((h = csvin_header(c, col)) != NULL);
		FUZZ_CHECK(strlen(h) <= CSVIN_CELL_MAX);
		FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)h, strlen(h)));
		f = csvin_column_field(c, col);
		FUZZ_CHECK(f >= -2 && f < PF__MAX);
		FUZZ_CHECK((f == -1) == (csvin_column_key(c, col) != NULL));
		if (f == -1)
			fuzz_check_key(csvin_column_key(c, col));
	}
	FUZZ_CHECK(csvin_header(c, n) == NULL);
}

/*
 * Runs the reader over the size bytes at data: the first first bytes
 * (maybe none), then chunks of chunk bytes (0: the rest at once).
 * Returns the reader, for the caller to inspect and free.
 */
static struct csvin *
fuzz_read(const struct csvin_opts *opts, const uint8_t *data, size_t size,
    size_t first, size_t chunk, struct fuzz_run *r)
{
	const struct csvin_error	*err;
	struct csvin			*c;
	size_t				 off, n;
	int				 rc = 0;

	c = csvin_new(opts, fuzz_row, r);
	rc = csvin_feed(c, data, first);	/* first may be 0 */
	for (off = first; off < size && rc == 0; off += n) {
		n = chunk == 0 || chunk > size - off ? size - off : chunk;
		rc = csvin_feed(c, data + off, n);
	}
	if (rc == 0)
		rc = csvin_finish(c);
	err = csvin_error(c);
	FUZZ_CHECK((unsigned)err->code < CSVIN_ERR__MAX);
	FUZZ_CHECK((rc == -1) == (err->code != CSVIN_ERR_NONE));
	if (rc == -1) {
		FUZZ_CHECK(memchr(err->message, '\0', sizeof(err->message))
		    != NULL);
		FUZZ_CHECK(err->message[0] != '\0');
		FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)err->message,
		    strlen(err->message)));
		FUZZ_CHECK(csvin_feed(c, "a,b\n", 4) == -1);
		FUZZ_CHECK(csvin_finish(c) == -1);
	}
	FUZZ_CHECK(csvin_rows(c) == r->rows);
	fuzz_check_columns(c);
	r->code = err->code;
	r->err_line = err->line;
	r->skipped = csvin_skipped(c);
	r->columns = csvin_columns(c);
	r->delim = csvin_delimiter(c);
	r->layout = csvin_layout(c);
	return c;
}

static void
fuzz_same(const struct fuzz_run *a, const struct fuzz_run *b)
{
	FUZZ_CHECK(a->digest == b->digest);
	FUZZ_CHECK(a->rows == b->rows);
	FUZZ_CHECK(a->code == b->code);
	FUZZ_CHECK(a->err_line == b->err_line);
	FUZZ_CHECK(a->skipped == b->skipped);
	FUZZ_CHECK(a->columns == b->columns);
	FUZZ_CHECK(a->delim == b->delim);
	FUZZ_CHECK(a->layout == b->layout);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char	 delims[] = { 0, ',', ';', '\t', '|' };
	struct fuzz_run		 whole, split, small, mapped, stopped;
	struct csvin_utf8	 u;
	struct csvin_opts	 opts;
	struct csvin		*c;
	json_t			*mapping;
	uint64_t		 h = fuzz_hash(0xcbf29ce484222325ULL, data, size);
	size_t			 pos = size > 0 ? h % (size + 1) : 0;
	size_t			 chunk = 1 + (h >> 8) % 13, col;

	csvin_utf8_init(&u);
	csvin_utf8_feed(&u, data, pos);
	csvin_utf8_feed(&u, data + pos, size - pos);
	FUZZ_CHECK(csvin_utf8_ok(&u) == fuzz_utf8_ok(data, size));

	memset(&opts, 0, sizeof(opts));
	opts.enc = csvin_detect(data, size, csvin_utf8_ok(&u));
	FUZZ_CHECK((unsigned)opts.enc < CSVIN_ENC__MAX);
	if ((h >> 16) % 3 == 0)
		opts.enc = (enum csvin_enc)((h >> 20) % CSVIN_ENC__MAX);
	opts.delimiter = delims[(h >> 24) % sizeof(delims)];

	memset(&whole, 0, sizeof(whole));
	c = fuzz_read(&opts, data, size, size, 0, &whole);
	/* A mapping from the header just read: never a mapping error. */
	mapping = json_object();
	for (col = 0; col < csvin_columns(c) && col < 3; col++)
		json_object_set_new(mapping, csvin_header(c, col),
		    col == 0 ? json_string("custom: first ") : col == 1 ?
		    json_string("phone") : json_null());
	csvin_free(c);

	memset(&split, 0, sizeof(split));
	memset(&small, 0, sizeof(small));
	memset(&mapped, 0, sizeof(mapped));
	memset(&stopped, 0, sizeof(stopped));

	csvin_free(fuzz_read(&opts, data, size, pos, 0, &split));
	fuzz_same(&whole, &split);
	csvin_free(fuzz_read(&opts, data, size, pos, chunk, &small));
	fuzz_same(&whole, &small);

	if (whole.code != CSVIN_ERR_NO_HEADER &&
	    whole.code != CSVIN_ERR_COLUMNS && whole.columns > 0) {
		opts.mapping = mapping;
		csvin_free(fuzz_read(&opts, data, size, pos, 0, &mapped));
		FUZZ_CHECK(mapped.code != CSVIN_ERR_MAPPING);
		FUZZ_CHECK(mapped.layout == CSVIN_LAYOUT_MAPPING);
		FUZZ_CHECK(mapped.rows == whole.rows);
		opts.mapping = NULL;
	}
	json_decref(mapping);

	stopped.stop_at = 1 + h % 4;
	csvin_free(fuzz_read(&opts, data, size, pos, 0, &stopped));
	if (whole.rows >= stopped.stop_at) {
		FUZZ_CHECK(stopped.code == CSVIN_ERR_ABORTED);
		FUZZ_CHECK(stopped.rows == stopped.stop_at);
		FUZZ_CHECK(stopped.err_line == stopped.stop_line);
	} else
		fuzz_same(&whole, &stopped);
	return 0;
}
