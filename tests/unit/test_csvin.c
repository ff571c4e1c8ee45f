/*
 * Unit tests of csvin.c. Each case under tests/unit/csvin/ holds the raw
 * bytes of an uploaded file (input), optionally a column mapping (mapping,
 * a JSON object), and what the reader must make of it (expected):
 *
 *   encoding=<csvin_enc_name> delimiter=<JSON string> layout=<name>
 *       columns=<n> rows=<n> skipped=<n>            (one line)
 *   column=<1-based> header=<JSON> field=<api name | custom:<JSON key> | ignored>
 *   line=<n> cells=<n> <field>=<JSON>... custom:<JSON key>=<JSON>... [flags=...]
 *   error=<code> line=<n> message=<JSON>            (when it fails)
 *
 * The encoding is what csvin_detect() says from the input and its UTF-8
 * validity, the delimiter is sniffed. Each case is read whole, a byte at a
 * time and in 7-byte chunks, and all three must give the expected text.
 * The tests below check the incremental UTF-8 validator at every split
 * against an independent oracle, encoding detection, and what cases in
 * files cannot hold: cells past CSVIN_CELL_MAX (the same for any
 * chunking), headers past CSVIN_COLS_MAX, a row function that stops,
 * misuse after the end, and memory that stays bounded over 64 MiB.
 */
#include "config.h"

#include <sys/wait.h>

#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

#include "../utf8_oracle.h"
#include "csvin.h"

static const char *const test_err_names[CSVIN_ERR__MAX] = {
	[CSVIN_ERR_NONE] = "none",
	[CSVIN_ERR_UNTERMINATED] = "unterminated",
	[CSVIN_ERR_NO_HEADER] = "no_header",
	[CSVIN_ERR_MAPPING] = "mapping",
	[CSVIN_ERR_COLUMNS] = "columns",
	[CSVIN_ERR_ENCODING] = "encoding",
	[CSVIN_ERR_ABORTED] = "aborted",
};

/* What the row function collects. */
struct test_out {
	char	*rows;		/* the row lines of the dump */
	size_t	 len;
	size_t	 nrows;
	size_t	 last_line;
	size_t	 stop_at;	/* row number that returns -1; 0: none */
};

static int
test_row(void *arg, const struct csvin_row *row)
{
	struct test_out	*o = arg;
	char		 buf[64];
	size_t		 i;

	/* Rows come in file order, each after the last one's start. */
	assert_true(row->line > o->last_line);
	o->last_line = row->line;
	snprintf(buf, sizeof(buf), "line=%zu cells=%zu", row->line,
	    row->ncells);
	unit_append(&o->rows, &o->len, buf);
	for (i = 0; i < PF__MAX; i++) {
		if (row->f[i] == NULL)
			continue;
		assert_true(oracle_utf8_ok((const unsigned char *)row->f[i],
		    strlen(row->f[i])));
		assert_true(strlen(row->f[i]) <= CSVIN_CELL_MAX);
		unit_append(&o->rows, &o->len, " ");
		unit_append(&o->rows, &o->len, prospect_field_names[i]);
		unit_append(&o->rows, &o->len, "=");
		unit_json_quote(&o->rows, &o->len, row->f[i]);
	}
	for (i = 0; i < row->ncustom; i++) {
		unit_append(&o->rows, &o->len, " custom:");
		unit_json_quote(&o->rows, &o->len, row->custom_keys[i]);
		unit_append(&o->rows, &o->len, "=");
		unit_json_quote(&o->rows, &o->len, row->custom_vals[i]);
	}
	if (row->flags != 0) {
		unit_append(&o->rows, &o->len, " flags=");
		if (row->flags & CSVIN_ROW_EXTRA_CELLS)
			unit_append(&o->rows, &o->len, "extra_cells");
		if ((row->flags & CSVIN_ROW_EXTRA_CELLS) &&
		    (row->flags & CSVIN_ROW_CELL_CUT))
			unit_append(&o->rows, &o->len, ",");
		if (row->flags & CSVIN_ROW_CELL_CUT)
			unit_append(&o->rows, &o->len, "cell_cut");
	}
	unit_append(&o->rows, &o->len, "\n");
	return ++o->nrows == o->stop_at ? -1 : 0;
}

/* The reader's settings and column plan, as the first lines of a dump. */
static void
test_dump_header(char **d, size_t *dl, const struct csvin *c,
    enum csvin_enc enc)
{
	char	 buf[256], delim[2] = { csvin_delimiter(c), '\0' };
	size_t	 col;
	int	 f;

	snprintf(buf, sizeof(buf), "encoding=%s delimiter=",
	    csvin_enc_name(enc));
	unit_append(d, dl, buf);
	unit_json_quote(d, dl, delim);
	snprintf(buf, sizeof(buf), " layout=%s columns=%zu rows=%zu "
	    "skipped=%zu\n", csvin_layout_name(csvin_layout(c)),
	    csvin_columns(c), csvin_rows(c), csvin_skipped(c));
	unit_append(d, dl, buf);
	for (col = 0; col < csvin_columns(c); col++) {
		snprintf(buf, sizeof(buf), "column=%zu header=", col + 1);
		unit_append(d, dl, buf);
		unit_json_quote(d, dl, csvin_header(c, col));
		f = csvin_column_field(c, col);
		if (f >= 0) {
			assert_null(csvin_column_key(c, col));
			unit_append(d, dl, " field=");
			unit_append(d, dl, prospect_field_names[f]);
		} else if (f == -1) {
			unit_append(d, dl, " field=custom:");
			unit_json_quote(d, dl, csvin_column_key(c, col));
		} else {
			assert_int_equal(f, -2);
			unit_append(d, dl, " field=ignored");
		}
		unit_append(d, dl, "\n");
	}
	assert_null(csvin_header(c, csvin_columns(c)));
}

/*
 * Reads len bytes at input in chunks of chunk bytes (0: at once) with
 * mapping (may be NULL). Returns the dump, owned, without a final newline.
 */
static char *
test_run(const char *input, size_t len, size_t chunk, json_t *mapping,
    const size_t *skip, size_t nskip)
{
	struct csvin_utf8		 u;
	struct csvin_opts		 opts;
	struct test_out			 o = { NULL, 0, 0, 0, 0 };
	const struct csvin_error	*err;
	struct csvin			*c;
	char				*d = NULL, buf[64];
	size_t				 dl = 0, off, n;
	int				 rc = 0;

	if (chunk == 0)
		chunk = len > 0 ? len : 1;
	csvin_utf8_init(&u);
	for (off = 0; off < len; off += n) {
		n = len - off < chunk ? len - off : chunk;
		csvin_utf8_feed(&u, input + off, n);
	}
	assert_int_equal(csvin_utf8_ok(&u),
	    oracle_utf8_ok((const unsigned char *)input, len));
	memset(&opts, 0, sizeof(opts));
	opts.enc = csvin_detect(input, len, csvin_utf8_ok(&u));
	opts.mapping = mapping;
	opts.skip_lines = skip;
	opts.nskip = nskip;
	c = csvin_new(&opts, test_row, &o);
	for (off = 0; off < len && rc == 0; off += n) {
		n = len - off < chunk ? len - off : chunk;
		rc = csvin_feed(c, input + off, n);
	}
	if (rc == 0)
		rc = csvin_finish(c);
	err = csvin_error(c);
	assert_int_equal(rc == -1, err->code != CSVIN_ERR_NONE);
	/* An error sticks. */
	if (rc == -1) {
		assert_int_equal(csvin_feed(c, "x\n", 2), -1);
		assert_int_equal(csvin_finish(c), -1);
	}
	assert_int_equal(csvin_rows(c), o.nrows);

	test_dump_header(&d, &dl, c, opts.enc);
	if (o.rows != NULL)
		unit_append(&d, &dl, o.rows);
	if (err->code != CSVIN_ERR_NONE) {
		snprintf(buf, sizeof(buf), "error=%s line=%zu message=",
		    test_err_names[err->code], err->line);
		unit_append(&d, &dl, buf);
		unit_json_quote(&d, &dl, err->message);
	}
	if (dl > 0 && d[dl - 1] == '\n')
		d[--dl] = '\0';
	free(o.rows);
	csvin_free(c);
	return d;
}

static void
test_csvin_case(void **state)
{
	static const size_t	 chunks[] = { 0, 1, 7 };
	struct unit_case	*uc = *state;
	json_t			*mapping = NULL;
	json_error_t		 jerr;
	char			 path[4096 + 16], *got;
	size_t			 i, skip[16], nskip = 0;
	unsigned long		 line;
	FILE			*f;

	snprintf(path, sizeof(path), "%s/mapping", uc->name);
	if (access(path, F_OK) == 0 &&
	    (mapping = json_load_file(path, JSON_DECODE_ANY, &jerr)) == NULL)
		fail_msg("%s: %s", path, jerr.text);
	/* skip: line numbers the reader must pass over (opts.skip_lines). */
	snprintf(path, sizeof(path), "%s/skip", uc->name);
	if ((f = fopen(path, "r")) != NULL) {
		while (nskip < 16 && fscanf(f, "%lu", &line) == 1)
			skip[nskip++] = line;
		fclose(f);
	}
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		got = test_run(uc->input, uc->inputlen, chunks[i], mapping,
		    skip, nskip);
		if (strcmp(got, uc->expected) != 0) {
			fprintf(stderr, "chunks of %zu bytes (0: whole):\n%s\n",
			    chunks[i], got);
			fail_msg("%s: not the expected rows", uc->name);
		}
		free(got);
	}
	json_decref(mapping);
}

/*
 * Every sequence of up to four bytes drawn from the bytes where RFC 3629
 * section 4 draws its lines, fed whole, split at each offset and byte by
 * byte, against the independent oracle.
 */
static void
test_csvin_utf8(void **state)
{
	static const unsigned char edges[] = {
		0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0,
		0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0,
		0xf1, 0xf3, 0xf4, 0xf5, 0xff,
	};
	const size_t		 ne = sizeof(edges);
	struct csvin_utf8	 u;
	unsigned char		 b[4];
	size_t			 len, idx, total, i, cut, x;
	int			 want, valid = 0;

	for (len = 0; len <= 4; len++) {
		for (total = 1, i = 0; i < len; i++)
			total *= ne;
		for (idx = 0; idx < total; idx++) {
			for (x = idx, i = 0; i < len; i++, x /= ne)
				b[i] = edges[x % ne];
			want = oracle_utf8_ok(b, len);
			valid += want;
			for (cut = 0; cut <= len; cut++) {
				csvin_utf8_init(&u);
				csvin_utf8_feed(&u, b, cut);
				csvin_utf8_feed(&u, b + cut, len - cut);
				if (csvin_utf8_ok(&u) != want)
					fail_msg("%zu bytes %02x %02x %02x %02x "
					    "split at %zu: expected %d", len,
					    b[0], b[1], b[2], b[3], cut, want);
			}
			csvin_utf8_init(&u);
			for (i = 0; i < len; i++)
				csvin_utf8_feed(&u, b + i, 1);
			assert_int_equal(csvin_utf8_ok(&u), want);
		}
	}
	/* The alphabet reaches both answers, four-byte forms included. */
	assert_true(valid > 1000);
	csvin_utf8_init(&u);
	csvin_utf8_feed(&u, "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", 8);
	assert_true(csvin_utf8_ok(&u));
	/* Once bad, always bad. */
	csvin_utf8_feed(&u, "\xff", 1);
	csvin_utf8_feed(&u, "abc", 3);
	assert_false(csvin_utf8_ok(&u));
}

static void
test_csvin_detect(void **state)
{
	assert_int_equal(csvin_detect("\xff\xfe" "a\0", 4, 0),
	    CSVIN_ENC_UTF16LE);
	assert_int_equal(csvin_detect("\xfe\xff\0a", 4, 0), CSVIN_ENC_UTF16BE);
	assert_int_equal(csvin_detect("\xef\xbb\xbfNom", 6, 1), CSVIN_ENC_UTF8);
	/* A UTF-8 byte order mark wins over a bad byte later in the file. */
	assert_int_equal(csvin_detect("\xef\xbb\xbfNom", 6, 0), CSVIN_ENC_UTF8);
	assert_int_equal(csvin_detect("Nom;Ville", 9, 1), CSVIN_ENC_UTF8);
	assert_int_equal(csvin_detect("Nom;Ville", 9, 0), CSVIN_ENC_CP1252);
	assert_int_equal(csvin_detect("", 0, 1), CSVIN_ENC_UTF8);
	assert_int_equal(csvin_detect("\xff", 1, 0), CSVIN_ENC_CP1252);
	assert_int_equal(csvin_detect("\xef\xbb", 2, 0), CSVIN_ENC_CP1252);

	assert_string_equal(csvin_enc_name(CSVIN_ENC_UTF8), "utf-8");
	assert_string_equal(csvin_enc_name(CSVIN_ENC_CP1252), "windows-1252");
	assert_string_equal(csvin_enc_name(CSVIN_ENC_UTF16LE), "utf-16le");
	assert_string_equal(csvin_enc_name(CSVIN_ENC_UTF16BE), "utf-16be");
	assert_string_equal(csvin_layout_name(CSVIN_LAYOUT_SPREADSHEET),
	    "spreadsheet");
	assert_string_equal(csvin_layout_name(CSVIN_LAYOUT_GOSOM), "gosom");
	assert_string_equal(csvin_layout_name(CSVIN_LAYOUT_OUTSCRAPER),
	    "outscraper");
	assert_string_equal(csvin_layout_name(CSVIN_LAYOUT_APIFY), "apify");
	assert_string_equal(csvin_layout_name(CSVIN_LAYOUT_MAPPING), "mapping");
	csvin_free(NULL);
}

/* A growing buffer for generated files. */
struct test_buf {
	char	*p;
	size_t	 len;
};

static void
test_add(struct test_buf *b, const char *s, size_t times)
{
	size_t	 n = strlen(s);

	if ((b->p = realloc(b->p, b->len + n * times + 1)) == NULL)
		abort();
	while (times-- > 0) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	}
	b->p[b->len] = '\0';
}

/* The line of the dump that starts with prefix, or fails. */
static const char *
test_find(const char *dump, const char *prefix)
{
	const char	*p = dump;

	while (p != NULL) {
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			return p;
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	fail_msg("no line starting with %s in:\n%.2000s", prefix, dump);
	return NULL;
}

/*
 * Cells over CSVIN_CELL_MAX, plain, quoted (still open when cut, or ending
 * in a quote and spaces) and made of two-byte characters, are cut on a
 * character boundary and flag their row, the same way for any chunking;
 * the rows after them keep their line numbers.
 */
static void
test_csvin_cut(void **state)
{
	static const size_t	 chunks[] = { 0, 1, 7, 4093 };
	struct test_buf		 b = { NULL, 0 };
	const char		*l;
	char			*got, *whole = NULL, want[64];
	const int		 lines = CSVIN_CELL_MAX * 2 / 3;
	size_t		 i;

	test_add(&b, "name;notes\n", 1);
	test_add(&b, "plain;", 1);
	test_add(&b, "a", CSVIN_CELL_MAX + 100);
	test_add(&b, "\n\"quoted\";\"", 1);
	/* A line end per 3 bytes: a byte lost at the cut shows. */
	test_add(&b, "bc\n", lines);
	test_add(&b, "\"  \nshort;\xc3\xa9\xc3\xa9\n", 1);
	test_add(&b, "accents;x", 1);
	test_add(&b, "\xc3\xa9", CSVIN_CELL_MAX);
	test_add(&b, "\nlast;x\n", 1);

	/* Whatever the chunking, the same cut: libcsv is cut at fixed places. */
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		got = test_run(b.p, b.len, chunks[i], NULL, NULL, 0);
		if (i == 0)
			whole = strdup(got);
		else
			assert_string_equal(got, whole);
		assert_non_null(strstr(got, "layout=spreadsheet columns=2 "
		    "rows=5 skipped=0"));
		l = test_find(got, "line=2 cells=2 name=\"plain\" ");
		assert_non_null(strstr(l, " flags=cell_cut\n"));
		/* "notes" is the note field: a prefix of exactly the limit. */
		assert_int_equal(strcspn(strstr(l, "note=\"") + 6, "\""),
		    CSVIN_CELL_MAX);
		l = test_find(got, "line=3 cells=2 name=\"quoted\" ");
		assert_non_null(strstr(l, " flags=cell_cut\n"));
		/* The quoted cell spans lines + 1 lines. */
		snprintf(want, sizeof(want), "line=%d cells=2 name=\"short\" "
		    "note=\"\xc3\xa9\xc3\xa9\"\n", 4 + lines);
		test_find(got, want);
		snprintf(want, sizeof(want), "line=%d cells=2 name=\"accents\"",
		    5 + lines);
		l = test_find(got, want);
		assert_non_null(strstr(l, " flags=cell_cut\n"));
		/* "x" then two-byte characters: cut one byte short, between two. */
		assert_int_equal(strcspn(strstr(l, "note=\"") + 6, "\""),
		    CSVIN_CELL_MAX - 1);
		snprintf(want, sizeof(want), "line=%d cells=2 name=\"last\" "
		    "note=\"x\"", 6 + lines);
		test_find(got, want);
		free(got);
	}
	free(whole);
	free(b.p);
}

/* 512 columns are read, 513 are refused, empty padding past 512 is dropped. */
static void
test_csvin_columns(void **state)
{
	struct test_buf	 b = { NULL, 0 };
	char		*got;

	test_add(&b, "c,", CSVIN_COLS_MAX - 1);
	test_add(&b, "c\n1,2\n", 1);
	got = test_run(b.p, b.len, 0, NULL, NULL, 0);
	assert_non_null(strstr(got, " columns=512 rows=1 "));
	assert_null(strstr(got, "error="));
	free(got);

	b.len = 0;
	test_add(&b, "c,", CSVIN_COLS_MAX);
	test_add(&b, "c\n1,2\n", 1);
	got = test_run(b.p, b.len, 0, NULL, NULL, 0);
	assert_non_null(strstr(got, "error=columns line=1 message=\"line 1: "
	    "the header has 513 columns, more than the 512 allowed\""));
	free(got);

	b.len = 0;
	test_add(&b, "\n", 2);
	test_add(&b, "c;", CSVIN_COLS_MAX);
	test_add(&b, ";", 3000);
	test_add(&b, "\n1;2\n", 1);
	got = test_run(b.p, b.len, 0, NULL, NULL, 0);
	assert_non_null(strstr(got, " columns=512 rows=1 skipped=2"));
	assert_null(strstr(got, "error="));
	free(got);
	free(b.p);
}

/* A row function that returns -1 stops the reader there. */
static void
test_csvin_abort(void **state)
{
	const char		 csv[] = "name\na\nb\nc\nd\n";
	struct test_out		 o = { NULL, 0, 0, 0, 2 };
	struct csvin_opts	 opts = { CSVIN_ENC_UTF8, ',', NULL };
	struct csvin		*c = csvin_new(&opts, test_row, &o);

	assert_int_equal(csvin_feed(c, csv, 6), 0);	/* in the sniff buffer */
	assert_int_equal(csvin_rows(c), 0);
	assert_int_equal(csvin_feed(c, csv + 6, sizeof(csv) - 7), 0);
	assert_int_equal(csvin_finish(c), -1);
	assert_int_equal(csvin_error(c)->code, CSVIN_ERR_ABORTED);
	assert_int_equal(csvin_error(c)->line, 3);
	assert_string_equal(csvin_error(c)->message,
	    "line 3: the import stopped at this row");
	assert_int_equal(csvin_rows(c), 2);
	assert_int_equal(o.nrows, 2);
	assert_int_equal(csvin_feed(c, "e\n", 2), -1);
	csvin_free(c);
	free(o.rows);
}

static int
test_count(void *arg, const struct csvin_row *row)
{
	(*(size_t *)arg)++;
	return 0;
}

/*
 * 1 if, in a child process, feeding (how 0) or finishing (how 1) a reader
 * that finished aborts; misuse must not go unnoticed (STYLE.md).
 */
static int
test_aborts_after_finish(int how)
{
	struct csvin_opts	 opts = { CSVIN_ENC_UTF8, 0, NULL };
	pid_t			 pid;
	int			 status;
	size_t			 rows = 0;

	if ((pid = fork()) == -1)
		fail_msg("fork failed");
	if (pid == 0) {
		struct csvin *c = csvin_new(&opts, test_count, &rows);

		/* cmocka's handler would resume the test runner in the child. */
		signal(SIGABRT, SIG_DFL);
		if (csvin_feed(c, "name\na\n", 7) != 0 || csvin_finish(c) != 0)
			_exit(2);
		if (how == 0)
			csvin_feed(c, "b\n", 2);
		else
			csvin_finish(c);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) == -1)
		fail_msg("waitpid failed");
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void
test_csvin_misuse(void **state)
{
	assert_true(test_aborts_after_finish(0));
	assert_true(test_aborts_after_finish(1));
}

/*
 * Memory stays bounded: 64 MiB through the reader in 1 MiB chunks, as
 * ordinary rows and as one quoted cell that never closes, never holds
 * more than a few hundred KiB of heap.
 */
static void
test_csvin_bounded(void **state)
{
	static const char	 row[] = "Dupont & Fils;Plombier;12 rue Fictive;"
	    "69002;Lyon;04 65 71 12 34;contact@dupont.example;4,6\n";
	static const char *const head[2] = {
		"Nom;Cat\xe9gorie;Adresse;CP;Ville;T\xe9l\xe9phone;E-mail;Note\n",
		"Nom;Note\nx;\"",
	};
	struct test_buf		 b = { NULL, 0 };
	struct csvin_opts	 opts = { CSVIN_ENC_CP1252, 0, NULL };
	struct csvin		*c;
	struct mallinfo2	 mi;
	size_t			 i, n = (1024 * 1024) / strlen(row), rows, base;
	int			 pass;

	test_add(&b, row, n);
	for (pass = 0; pass < 2; pass++) {
		/* Large blocks are mmap'd: they count in hblkhd. */
		mi = mallinfo2();
		base = mi.uordblks + mi.hblkhd;
		rows = 0;
		c = csvin_new(&opts, test_count, &rows);
		assert_int_equal(csvin_feed(c, head[pass], strlen(head[pass])),
		    0);
		for (i = 0; i < 64; i++)
			assert_int_equal(csvin_feed(c, b.p, b.len), 0);
		mi = mallinfo2();
		assert_true(mi.uordblks + mi.hblkhd - base < 512 * 1024);
		if (pass == 0) {
			assert_int_equal(csvin_finish(c), 0);
			assert_int_equal(rows, 64 * n);
		} else {
			assert_int_equal(csvin_finish(c), -1);
			assert_int_equal(csvin_error(c)->code,
			    CSVIN_ERR_UNTERMINATED);
			assert_int_equal(csvin_error(c)->line, 2);
		}
		csvin_free(c);
	}
	free(b.p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csvin_utf8),
		cmocka_unit_test(test_csvin_detect),
		cmocka_unit_test(test_csvin_cut),
		cmocka_unit_test(test_csvin_columns),
		cmocka_unit_test(test_csvin_abort),
		cmocka_unit_test(test_csvin_misuse),
		cmocka_unit_test(test_csvin_bounded),
	};
	int	 rc;

	rc = cmocka_run_group_tests_name("csvin", tests, NULL, NULL);
	return rc + unit_run_cases("csvin", test_csvin_case);
}
