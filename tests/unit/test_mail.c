/*
 * Unit tests of the message building in mail.c (SMTP delivery is the
 * end-to-end tests' job). mail_header_encode(): ASCII unchanged; other
 * text as RFC 2047 "B" encoded-words of at most 75 characters, never
 * splitting a UTF-8 sequence, decoded back here with sodium_base642bin()
 * and compared. mail_qp(): decoded back by the small RFC 2045 section 6.7
 * decoder below, it gives the text with CRLF line ends; every line ends
 * in CRLF, holds at most 76 characters and no trailing blank; '=' is
 * encoded, and no line starts with "From " (mbox tools mangle it); also on
 * generated texts. mail_build(): CR or LF in any header value and
 * malformed addresses give NULL; the headers are there (Date in RFC 5322
 * section 3.3 form and current, Message-ID on the sender's domain, MIME,
 * Auto-Submitted when asked); display names are encoded or quoted as
 * needed; no line is longer than 78 characters (RFC 5322 section 2.1.1),
 * nor 76 where it holds encoded-words (RFC 2047 section 2). mail_addr().
 * Campaign messages (mail_build_id()): read back strictly (see
 * parse_strict() and split_parts()): multipart/alternative structure,
 * List-Unsubscribe and One-Click, threading headers, the Message-ID
 * returned, generated bodies, over-long header values, IDN senders, and
 * every malformed optional field refused.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "unit.h"

#include "email.h"
#include "mail.h"

#include "../utf8_oracle.h"

#define utf8_ok oracle_utf8_ok

/*
 * Decodes the RFC 2047 UTF-8 "B" words in a header value into out (owned),
 * dropping the folding between adjacent words (section 6.2); other text is
 * copied. Each word must decode to valid UTF-8 on its own and be at most
 * 75 characters; *nwords counts them.
 */
static char *
decode_words(const char *v, size_t *nwords)
{
	char		*out = NULL, *chunk;
	size_t		 olen = 0, blen, wlen;
	const char	*p = v, *end, *q;
	int		 prev_word = 0;

	*nwords = 0;
	unit_append(&out, &olen, "");
	while (*p != '\0') {
		if (strncmp(p, "=?UTF-8?B?", 10) == 0 &&
		    (end = strstr(p + 10, "?=")) != NULL) {
			wlen = (size_t)(end + 2 - p);
			if (wlen > 75)
				fail_msg("encoded-word of %zu characters", wlen);
			if ((chunk = malloc(wlen + 1)) == NULL)
				abort();
			if (sodium_base642bin((unsigned char *)chunk, wlen, p + 10,
			    (size_t)(end - p - 10), NULL, &blen, NULL,
			    sodium_base64_VARIANT_ORIGINAL) != 0)
				fail_msg("bad base64 in %.*s", (int)wlen, p);
			chunk[blen] = '\0';
			if (!utf8_ok((unsigned char *)chunk, blen))
				fail_msg("encoded-word %.*s splits a UTF-8 sequence",
				    (int)wlen, p);
			unit_append(&out, &olen, chunk);
			free(chunk);
			(*nwords)++;
			p = end + 2;
			prev_word = 1;
			continue;
		}
		if (prev_word) {
			/* Whitespace between two words is not text. */
			for (q = p; *q == ' ' || *q == '\t' || *q == '\r' ||
			    *q == '\n'; q++)
				continue;
			if (q != p && strncmp(q, "=?UTF-8?B?", 10) == 0) {
				p = q;
				continue;
			}
		}
		prev_word = 0;
		char one[2] = { *p++, '\0' };
		unit_append(&out, &olen, one);
	}
	return out;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Checks the quoted-printable rules on qp (lines, characters, escapes,
 * "From ") and returns its decoding (owned).
 */
static char *
qp_check_decode(const char *qp)
{
	char		*out;
	size_t		 o = 0, n;
	const char	*p = qp, *eol, *q, *last;
	int		 soft;

	if ((out = malloc(strlen(qp) + 1)) == NULL)
		abort();
	assert_true(strlen(qp) >= 2);
	assert_string_equal(qp + strlen(qp) - 2, "\r\n");
	for (; *p != '\0'; p = eol + 2) {
		eol = strstr(p, "\r\n");
		assert_non_null(eol);
		n = (size_t)(eol - p);
		if (n > 76)
			fail_msg("QP line of %zu characters: %.*s", n, (int)n, p);
		if (n > 0 && (eol[-1] == ' ' || eol[-1] == '\t'))
			fail_msg("QP line ends with a blank: %.*s", (int)n, p);
		if (strncmp(p, "From ", 5) == 0)
			fail_msg("QP line starts with \"From \": %.*s", (int)n, p);
		soft = n > 0 && eol[-1] == '=';	/* an escape never ends in '=' */
		last = soft ? eol - 1 : eol;
		for (q = p; q < last; q++) {
			unsigned char c = (unsigned char)*q;
			if (c == '=') {
				if (last - q < 3 || hexval(q[1]) < 0 ||
				    hexval(q[2]) < 0)
					fail_msg("bad QP escape in %.*s", (int)n, p);
				out[o++] = (char)(hexval(q[1]) << 4 | hexval(q[2]));
				q += 2;
			} else if ((c >= 33 && c <= 126) || c == ' ' || c == '\t')
				out[o++] = (char)c;
			else
				fail_msg("raw byte 0x%02x in QP line %.*s", c, (int)n, p);
		}
		if (!soft) {
			out[o++] = '\r';
			out[o++] = '\n';
		}
	}
	out[o] = '\0';
	return out;
}

/* text with every LF (or CRLF) as CRLF and a final CRLF. */
static char *
crlf(const char *text)
{
	char	*out = NULL;
	size_t	 len = 0;

	unit_append(&out, &len, "");
	for (; *text != '\0'; text++) {
		if (*text == '\r' && text[1] == '\n')
			continue;
		if (*text == '\n')
			unit_append(&out, &len, "\r\n");
		else {
			char one[2] = { *text, '\0' };
			unit_append(&out, &len, one);
		}
	}
	if (len < 2 || strcmp(out + len - 2, "\r\n") != 0)
		unit_append(&out, &len, "\r\n");
	return out;
}

static void
qp_round_trip(const char *text)
{
	char	*qp = mail_qp(text), *dec, *want;

	assert_non_null(qp);
	dec = qp_check_decode(qp);
	want = crlf(text);
	assert_string_equal(dec, want);
	free(qp);
	free(dec);
	free(want);
}

static void
test_mail_header_ascii(void **state)
{
	static const char *const same[] = {
		"", "Hello, world", "Verify your address",
		"a?b=c ~!@#$%^&*()_+{}|:\"<>?[];',./`",
	};
	char	*s;
	size_t	 i;

	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		s = mail_header_encode(same[i], 0);
		assert_non_null(s);
		assert_string_equal(s, same[i]);
		free(s);
	}
}

static void
header_round_trip(const char *text, size_t min_words)
{
	char	*s = mail_header_encode(text, 0), *dec, *p;
	size_t	 n;

	assert_non_null(s);
	assert_int_equal(strncmp(s, "=?UTF-8?B?", 10), 0);
	/* Words are joined by CRLF and one blank: folding, nothing else. */
	for (p = s; (p = strstr(p, "?=")) != NULL; p += 2)
		if (p[2] != '\0' && strncmp(p + 2, "\r\n =?UTF-8?B?", 13) != 0)
			fail_msg("unexpected text after a word: %s", p);
	dec = decode_words(s, &n);
	assert_string_equal(dec, text);
	assert_true(n >= min_words);
	free(s);
	free(dec);
}

static void
test_mail_header_encoded(void **state)
{
	static const char *const pieces[] = {
		"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "a", " ",
	};
	char	 text[1024];
	size_t	 off, len, i, k;

	header_round_trip("R\xc3\xa9initialisation du mot de passe", 1);
	header_round_trip("\xc3\xa9", 1);
	header_round_trip("tab\there", 1);	/* not printable ASCII */
	/* Long texts, multi-byte characters on every word boundary. */
	for (off = 0; off < 4; off++)
		for (k = 0; k < 5; k++) {
			memset(text, 'x', off);
			len = off;
			for (i = 0; len + 4 < 600; i++) {
				const char *pc = pieces[(i * 7 + k) % 5];
				if (k == 4 && i % 3 == 0)
					pc = pieces[2];
				memcpy(text + len, pc, strlen(pc));
				len += strlen(pc);
			}
			text[len] = '\0';
			header_round_trip(text, len / 45);
		}
}

static void
test_mail_qp_examples(void **state)
{
	char	*s;

	s = mail_qp("hello\n");
	assert_string_equal(s, "hello\r\n");
	free(s);
	s = mail_qp("a=b");
	assert_string_equal(s, "a=3Db\r\n");
	free(s);
	s = mail_qp("trailing \nnext");
	assert_string_equal(s, "trailing=20\r\nnext\r\n");
	free(s);
	s = mail_qp("tab\t");
	assert_string_equal(s, "tab=09\r\n");
	free(s);
	s = mail_qp("From me\nnot From here\n");
	assert_string_equal(s, "=46rom me\r\nnot From here\r\n");
	free(s);
	s = mail_qp("caf\xc3\xa9");
	assert_string_equal(s, "caf=C3=A9\r\n");
	free(s);
	s = mail_qp("a\r\nb");
	assert_string_equal(s, "a\r\nb\r\n");
	free(s);
	s = mail_qp("");
	assert_string_equal(s, "\r\n");
	free(s);
}

static void
test_mail_qp_round_trip(void **state)
{
	char	 big[2000];
	size_t	 i;

	qp_round_trip("Hello,\n\nclick the link below.\n");
	qp_round_trip("a = b\n== \n=\n");
	qp_round_trip("  leading and trailing  \n\t\n \n");
	qp_round_trip("From the start\nFrom\nFrom: header-like\n");
	qp_round_trip(".\n..\n.leading dot\n");
	qp_round_trip("CRLF\r\nmixed\nends\r\n");
	qp_round_trip("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\n");
	/* A long line of each kind: literal, escaped, blanks. */
	memset(big, 'a', 1000);
	big[1000] = '\0';
	qp_round_trip(big);
	for (i = 0; i + 2 < 999; i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	big[i] = '\0';
	qp_round_trip(big);
	memset(big, '=', 500);
	big[500] = '\0';
	qp_round_trip(big);
	memset(big, ' ', 500);
	big[500] = '\0';
	qp_round_trip(big);
	for (i = 0; i < 500; i++)
		big[i] = (char)(i % 2 ? ' ' : 'x');
	big[500] = '\0';
	qp_round_trip(big);
	/* A link longer than a line, as in verification mail. */
	qp_round_trip("https://app.example.com/verify?token=pZ3_x-Q9yk0aBcDeFgHiJkLmNoPqR"
	    "sTuVwXyZ012345&next=%2Fsettings%2Faccount%3Ftab%3Dsecurity\n");
}

/* A soft line break must not leave "From " at the start of the next line. */
static void
test_mail_qp_from_after_soft_break(void **state)
{
	char	 text[200];
	size_t	 pad;

	for (pad = 60; pad < 90; pad++) {
		memset(text, 'a', pad);
		strcpy(text + pad, "From here on\n");
		qp_round_trip(text);
	}
}

/*
 * Fills text with up to maxfrags fragments picked by the generator at
 * *seed (fragments of at most 80 bytes: text needs 80 * maxfrags + 1).
 */
static void
gen_text(char *text, const char *const *frag, size_t nfrag, uint32_t maxfrags,
    uint32_t *seed)
{
	size_t		 len = 0, i, n;
	const char	*f;

	*seed = *seed * 1103515245u + 12345u;
	n = (*seed >> 16) % maxfrags;
	for (i = 0; i < n; i++) {
		*seed = *seed * 1103515245u + 12345u;
		f = frag[(*seed >> 16) % nfrag];
		memcpy(text + len, f, strlen(f));
		len += strlen(f);
	}
	text[len] = '\0';
}

/* Generated texts: every rule holds and decoding gives the text back. */
static void
test_mail_qp_generated(void **state)
{
	static const char *const frag[] = {
		"a", "Z", "0", " ", "\t", "=", "\n", "\r\n", "From ", ".",
		"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "=3D", "-",
		"supercalifragilisticexpialidocious", "  ", "?", "_",
	};
	char		 text[16384];
	uint32_t	 seed = 12345;
	size_t		 nfrag = sizeof(frag) / sizeof(frag[0]);
	int		 round;

	for (round = 0; round < 300; round++) {
		gen_text(text, frag, nfrag, 200, &seed);
		qp_round_trip(text);
	}
}

/* Header section of msg: lines unfolded; returns the value of name or NULL. */
static char *
header_get(const char *msg, const char *name)
{
	const char	*p = msg, *eol;
	char		*val = NULL;
	size_t		 vlen = 0, nlen = strlen(name);
	int		 in = 0, found = 0;

	while ((eol = strstr(p, "\r\n")) != NULL && eol != p) {
		if (*p == ' ' || *p == '\t') {
			if (in) {
				char *line = strndup(p, (size_t)(eol - p));
				unit_append(&val, &vlen, "\r\n");
				unit_append(&val, &vlen, line);
				free(line);
			}
		} else {
			in = 0;
			if (strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
				if (found)
					fail_msg("header %s twice", name);
				found = in = 1;
				char *line = strndup(p + nlen + 1, (size_t)(eol - p - nlen - 1));
				unit_append(&val, &vlen, line[0] == ' ' ? line + 1 : line);
				free(line);
			}
		}
		p = eol + 2;
	}
	return val;
}

static const struct mail_msg base_msg = {
	"Prospea <no-reply@prospea.example>",
	"jean.dupont@example.fr",
	NULL,
	"Verify your address",
	"Hello,\nclick https://app.prospea.example/verify?t=abc\n",
	"20240101T000000.abcdef",
	1,
};

/* 1 if the n bytes at p hold needle. */
static int
contains(const char *p, size_t n, const char *needle)
{
	size_t	 i, k = strlen(needle);

	for (i = 0; i + k <= n; i++)
		if (memcmp(p + i, needle, k) == 0)
			return 1;
	return 0;
}

static int
contains_nocase(const char *s, const char *needle)
{
	size_t	 k = strlen(needle);

	for (; *s != '\0'; s++)
		if (strncasecmp(s, needle, k) == 0)
			return 1;
	return 0;
}

/* Lines: CRLF only, at most 78 characters; 76 where encoded-words are. */
static void
check_lines(const char *msg)
{
	const char	*p = msg, *eol;
	size_t		 n;

	for (; *p != '\0'; p = eol + 2) {
		eol = strstr(p, "\r\n");
		assert_non_null(eol);
		n = (size_t)(eol - p);
		if (memchr(p, '\n', n) != NULL || memchr(p, '\r', n) != NULL)
			fail_msg("bare CR or LF in %.*s", (int)n, p);
		if (n > 78)
			fail_msg("line of %zu characters: %.*s", n, (int)n, p);
		if (n > 76 && contains(p, n, "=?UTF-8?B?"))
			fail_msg("line of %zu characters with an encoded-word "
			    "(RFC 2047 section 2 allows 76): %.*s", n, (int)n, p);
	}
}

static void
test_mail_build_headers(void **state)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	static const char *const wday[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	struct mail_msg	 m = base_msg;
	char		*msg, *v, *body, *dec, *want, dn[4], mn[4];
	struct tm	 tm;
	time_t		 before = time(NULL), t;
	int		 i, day, year, hh, mm, ss, consumed = 0;

	msg = mail_build(&m);
	assert_non_null(msg);
	check_lines(msg);
	v = header_get(msg, "From");
	assert_string_equal(v, "Prospea <no-reply@prospea.example>");
	free(v);
	v = header_get(msg, "To");
	assert_string_equal(v, "jean.dupont@example.fr");
	free(v);
	assert_null(header_get(msg, "Reply-To"));
	v = header_get(msg, "Subject");
	assert_string_equal(v, "Verify your address");
	free(v);
	v = header_get(msg, "Message-ID");
	assert_string_equal(v, "<20240101T000000.abcdef@prospea.example>");
	free(v);
	v = header_get(msg, "MIME-Version");
	assert_string_equal(v, "1.0");
	free(v);
	v = header_get(msg, "Content-Type");
	assert_non_null(v);
	assert_non_null(strstr(v, "text/plain"));
	assert_true(contains_nocase(v, "charset=utf-8"));
	free(v);
	v = header_get(msg, "Content-Transfer-Encoding");
	assert_string_equal(v, "quoted-printable");
	free(v);
	v = header_get(msg, "Auto-Submitted");
	assert_string_equal(v, "auto-generated");
	free(v);

	/* Date: day-of-week, DD Mon YYYY HH:MM:SS +0000, now. */
	v = header_get(msg, "Date");
	assert_non_null(v);
	assert_int_equal(sscanf(v, "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d "
	    "+0000%n", dn, &day, mn, &year, &hh, &mm, &ss, &consumed), 7);
	assert_int_equal((size_t)consumed, strlen(v));
	memset(&tm, 0, sizeof(tm));
	tm.tm_mday = day;
	tm.tm_year = year - 1900;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	tm.tm_mon = -1;
	for (i = 0; i < 12; i++)
		if (strcmp(mn, mon[i]) == 0)
			tm.tm_mon = i;
	assert_true(tm.tm_mon >= 0);
	t = timegm(&tm);
	assert_true(t >= before && t <= time(NULL) + 1);
	gmtime_r(&t, &tm);
	assert_string_equal(dn, wday[tm.tm_wday]);
	free(v);

	/* The body is the text, quoted-printable, after one empty line. */
	body = strstr(msg, "\r\n\r\n");
	assert_non_null(body);
	dec = qp_check_decode(body + 4);
	want = crlf(m.text);
	assert_string_equal(dec, want);
	free(dec);
	free(want);
	free(msg);

	m.auto_submitted = 0;
	m.reply_to = "support@prospea.example";
	msg = mail_build(&m);
	assert_non_null(msg);
	assert_null(header_get(msg, "Auto-Submitted"));
	v = header_get(msg, "Reply-To");
	assert_string_equal(v, "support@prospea.example");
	free(v);
	free(msg);
}

static void
test_mail_build_encoded_subject(void **state)
{
	struct mail_msg	 m = base_msg;
	char		*msg, *v, *dec;
	size_t		 n;

	m.subject = "R\xc3\xa9initialisation de votre mot de passe";
	msg = mail_build(&m);
	assert_non_null(msg);
	v = header_get(msg, "Subject");
	dec = decode_words(v, &n);
	assert_string_equal(dec, m.subject);
	assert_true(n >= 1);
	free(v);
	free(dec);
	check_lines(msg);
	free(msg);
}

/* A subject long enough to need several words still folds within limits. */
static void
test_mail_build_long_subject(void **state)
{
	struct mail_msg	 m = base_msg;
	char		*msg, *v, *dec;
	size_t		 n;

	m.subject = "V\xc3\xa9rifiez votre adresse \xc3\xa9lectronique pour "
	    "activer votre compte Prospea \xe2\x80\x94 lien valable 24 heures";
	msg = mail_build(&m);
	assert_non_null(msg);
	v = header_get(msg, "Subject");
	dec = decode_words(v, &n);
	assert_string_equal(dec, m.subject);
	assert_true(n >= 2);
	free(v);
	free(dec);
	check_lines(msg);
	free(msg);
}

static void
test_mail_build_display_names(void **state)
{
	struct mail_msg	 m = base_msg;
	char		*msg, *v, *dec;
	size_t		 n;

	/* Non-ASCII: encoded-words, then the address. */
	m.from = "\xc3\x89quipe Prospea <no-reply@prospea.example>";
	msg = mail_build(&m);
	assert_non_null(msg);
	v = header_get(msg, "From");
	dec = decode_words(v, &n);
	assert_string_equal(dec, "\xc3\x89quipe Prospea <no-reply@prospea.example>");
	assert_int_equal(n, 1);
	assert_non_null(strstr(v, "?= <no-reply@prospea.example>"));
	free(v);
	free(dec);
	check_lines(msg);
	free(msg);

	/* Specials: a quoted-string, quotes and backslashes escaped. */
	m.from = "Dupont, Jean <jean@prospea.example>";
	msg = mail_build(&m);
	assert_non_null(msg);
	v = header_get(msg, "From");
	assert_string_equal(v, "\"Dupont, Jean\" <jean@prospea.example>");
	free(v);
	free(msg);
	m.from = "Jean \"JD\" D. \\o/ <jd@prospea.example>";
	msg = mail_build(&m);
	assert_non_null(msg);
	v = header_get(msg, "From");
	assert_string_equal(v, "\"Jean \\\"JD\\\" D. \\\\o/\" <jd@prospea.example>");
	free(v);
	free(msg);

	/* A bare address. */
	m.from = "no-reply@prospea.example";
	msg = mail_build(&m);
	assert_non_null(msg);
	v = header_get(msg, "From");
	assert_string_equal(v, "no-reply@prospea.example");
	free(v);
	v = header_get(msg, "Message-ID");
	assert_string_equal(v, "<20240101T000000.abcdef@prospea.example>");
	free(v);
	free(msg);
}

/*
 * "<addr>" has no display name: the header must be "addr" or "<addr>",
 * not "addr <addr>" (an '@' is not allowed in a display-name phrase,
 * RFC 5322 section 3.4).
 */
static void
test_mail_build_empty_display_name(void **state)
{
	struct mail_msg	 m = base_msg;
	char		*msg, *v;

	m.from = "<no-reply@prospea.example>";
	msg = mail_build(&m);
	assert_non_null(msg);
	v = header_get(msg, "From");
	assert_non_null(v);
	if (strcmp(v, "no-reply@prospea.example") != 0 &&
	    strcmp(v, "<no-reply@prospea.example>") != 0)
		fail_msg("From: %s", v);
	free(v);
	free(msg);
}

static void
test_mail_build_refused(void **state)
{
	struct mail_msg	 m;
	size_t		 i;
	static const struct {
		int		 field;	/* 0 from, 1 to, 2 reply_to, 3 subject, 4 msgid */
		const char	*value;
	} bad[] = {
		{ 3, "Hello\r\nBcc: victim@example.com" },
		{ 3, "Hello\nBcc: victim@example.com" },
		{ 3, "Hello\r" },
		{ 3, "\n" },
		{ 1, "jean@example.fr\r\nBcc: victim@example.com" },
		{ 1, "jean@example.fr\n" },
		{ 1, "not an address" },
		{ 1, "Jean <jean@example.fr>" },
		{ 1, "" },
		{ 0, "Prospea <no-reply@prospea.example>\r\nBcc: x@example.com" },
		{ 0, "Prospea\n <no-reply@prospea.example>" },
		{ 0, "Prospea <not-an-address>" },
		{ 0, "Prospea <no-reply@prospea.example" },
		{ 0, "Prospea" },
		{ 0, "" },
		{ 2, "support@prospea.example\r\nBcc: x@example.com" },
		{ 2, "not an address" },
		{ 4, "abc\r\nBcc: x@example.com" },
	};

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = base_msg;
		switch (bad[i].field) {
		case 0: m.from = bad[i].value; break;
		case 1: m.to = bad[i].value; break;
		case 2: m.reply_to = bad[i].value; break;
		case 3: m.subject = bad[i].value; break;
		default: m.msgid = bad[i].value; break;
		}
		char *msg = mail_build(&m);
		if (msg != NULL)
			fail_msg("built with field %d = \"%s\"", bad[i].field,
			    bad[i].value);
	}
	/* The body may hold anything: it is encoded. */
	m = base_msg;
	m.text = "line\r\nBcc: x@example.com\n\r\n.\r\n";
	char *msg = mail_build(&m);
	assert_non_null(msg);
	assert_null(header_get(msg, "Bcc"));
	free(msg);
}

/*
 * Campaign messages (mail_build_id). The checks read the message back
 * strictly: every line CRLF and at most 998 bytes (RFC 5322 section
 * 2.1.1), headers at most 78 unless one URL or msg-id is longer, only
 * 7-bit bytes, each header once, and the MIME structure by RFC 2046
 * section 5.1.1: the boundary from Content-Type, a first delimiter line,
 * two parts, a close delimiter, the boundary nowhere inside a part, each
 * part's quoted-printable decoding equal to its input.
 */
static const struct mail_msg camp_msg = {
	.from = "Marie Durand <marie@plomberie-durand.example>",
	.to = "contact@boulangerie.example",
	.reply_to = "marie.durand@plomberie-durand.example",
	.subject = "Votre vitrine \xc3\xa0 Lyon",
	.text = "Bonjour,\n\nJe me permets de vous \xc3\xa9" "crire.\n.\n..\n"
	    ".fin\nFrom here\n--=_ not a boundary\n",
	.html = "<p>Bonjour,</p>\n<p>Je me permets de vous \xc3\xa9" "crire.</p>\n"
	    ".\n.<b>point</b>\n<a href=\"https://plomberie-durand.example/?a=1&b=2\">"
	    "site</a>\n",
	.unsubscribe_url = "https://app.prospea.example/u/"
	    "q8J2n5Kx0m_Zt4VbW1cYp9Ls3RaEoDfGhIuJkLmNoP",
	.unsubscribe_mailto = "unsubscribe@plomberie-durand.example",
	.tag = "m-12345.s2",
	.date = 1709629623,	/* Tue, 05 Mar 2024 09:07:03 +0000 */
};

/* The parts of a message read back: header block (unfolded values by name), body. */
struct parsed {
	char	*head;		/* header section, CRLFs kept */
	char	*body;		/* after the empty line */
};

/*
 * Checks every line of msg and splits it. Header lines longer than 78
 * must be a List-Unsubscribe, References or In-Reply-To continuation
 * holding one long item.
 */
static void
parse_strict(const char *msg, struct parsed *out)
{
	const char	*p = msg, *eol, *sep;
	size_t		 n;
	int		 in_head = 1;

	for (; *p != '\0'; p = eol + 2) {
		eol = strstr(p, "\r\n");
		if (eol == NULL)
			fail_msg("last line without CRLF: %s", p);
		n = (size_t)(eol - p);
		if (memchr(p, '\n', n) != NULL || memchr(p, '\r', n) != NULL)
			fail_msg("bare CR or LF in %.*s", (int)n, p);
		if (n > 998)
			fail_msg("line of %zu bytes (RFC 5322 2.1.1)", n);
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)p[i] > 126 || ((unsigned char)p[i] < 32 &&
			    p[i] != '\t'))
				fail_msg("byte 0x%02x in %.*s", (unsigned char)p[i],
				    (int)n, p);
		if (in_head && n == 0)
			in_head = 0;
		else if (in_head && n > 78 && (*p != ' ' ||
		    memchr(p + 1, ' ', n - 1) != NULL))
			fail_msg("header line of %zu: %.*s", n, (int)n, p);
		else if (!in_head && n > 76)
			fail_msg("body line of %zu: %.*s", n, (int)n, p);
	}
	sep = strstr(msg, "\r\n\r\n");
	assert_non_null(sep);
	out->head = strndup(msg, (size_t)(sep - msg) + 2);
	out->body = strdup(sep + 4);
	assert_non_null(out->head);
	assert_non_null(out->body);
}

static void
parsed_free(struct parsed *p)
{
	free(p->head);
	free(p->body);
}

/*
 * A header's value with the folding CRLFs removed (RFC 5322 section
 * 2.2.3) and without leading blanks (a value may start on the next line).
 */
static char *
unfolded(const char *head, const char *name)
{
	char	*v = header_get(head, name), *r, *w;

	if (v == NULL)
		return NULL;
	for (r = v; *r == ' ' || *r == '\t' || *r == '\r' || *r == '\n'; r++)
		continue;
	for (w = v; *r != '\0'; r++)
		if (*r != '\r' && *r != '\n')
			*w++ = *r;
	*w = '\0';
	return v;
}

/* The unfolded value of name in head is want (NULL: no such header). */
static void
expect_header(const char *head, const char *name, const char *want)
{
	char	*v = unfolded(head, name);

	if (want == NULL && v != NULL)
		fail_msg("%s: %s, want none", name, v);
	if (want != NULL && (v == NULL || strcmp(v, want) != 0))
		fail_msg("%s: %s, want %s", name, v != NULL ? v : "(none)", want);
	free(v);
}

/* A part of a multipart body: its header block and its content. */
struct part {
	char	*head;
	char	*content;
};

/*
 * Splits body at the delimiter lines of boundary (RFC 2046 section
 * 5.1.1): the CRLF before a delimiter belongs to it. Checks the first
 * line is a delimiter, that the close delimiter ends the body, and that
 * the boundary appears nowhere else. Returns the number of parts.
 */
static size_t
split_parts(const char *body, const char *boundary, struct part *parts,
    size_t max)
{
	char		 delim[128], close[128];
	const char	*p = body, *next, *sep;
	size_t		 n = 0, dl;

	snprintf(delim, sizeof(delim), "--%s\r\n", boundary);
	snprintf(close, sizeof(close), "\r\n--%s--\r\n", boundary);
	dl = strlen(delim);
	assert_int_equal(strncmp(p, delim, dl), 0);
	p += dl;
	for (;;) {
		char mid[140];
		snprintf(mid, sizeof(mid), "\r\n%s", delim);
		next = strstr(p, mid);
		if (next == NULL) {
			next = strstr(p, close);
			assert_non_null(next);
			assert_string_equal(next, close);
		}
		assert_true(n < max);
		/* The boundary must not occur inside the part. */
		if (contains(p, (size_t)(next - p), boundary))
			fail_msg("boundary inside part %zu", n);
		sep = strstr(p, "\r\n\r\n");
		assert_non_null(sep);
		assert_true(sep < next + 2);
		parts[n].head = strndup(p, (size_t)(sep - p) + 2);
		/* Content ends where the delimiter's CRLF starts. */
		parts[n].content = sep + 4 <= next ?
		    strndup(sep + 4, (size_t)(next - sep - 4)) : strdup("");
		n++;
		if (strncmp(next, close, strlen(close)) == 0)
			break;
		p = next + 2 + dl;
	}
	return n;
}

static void
check_part(const struct part *pt, const char *type, const char *text)
{
	char	*v, *dec, *want, *content;

	v = header_get(pt->head, "Content-Type");
	assert_non_null(v);
	if (strcmp(v, type) != 0)
		fail_msg("Content-Type %s, want %s", v, type);
	free(v);
	v = header_get(pt->head, "Content-Transfer-Encoding");
	assert_string_equal(v, "quoted-printable");
	free(v);
	/* The content keeps mail_qp()'s last CRLF: the text's own line end. */
	content = pt->content;
	dec = qp_check_decode(content);
	want = crlf(text);
	assert_string_equal(dec, want);
	free(dec);
	free(want);
}

static void
test_mail_campaign_message(void **state)
{
	struct mail_msg	 m = camp_msg;
	struct parsed	 pm;
	struct part	 parts[4];
	char		 id[MAIL_MSGID_MAX], *msg, *v, bound[80];
	size_t		 n, i;

	memset(id, 'x', sizeof(id));
	msg = mail_build_id(&m, id, sizeof(id));
	assert_non_null(msg);
	parse_strict(msg, &pm);

	/* Message-ID: returned, random left part, on the sender's domain. */
	v = header_get(pm.head, "Message-ID");
	assert_string_equal(v, id);
	assert_int_equal(strlen(id), 1 + 32 + 1 + strlen("plomberie-durand.example") + 1);
	assert_int_equal(strspn(id + 1, "0123456789abcdef"), 32);
	assert_string_equal(id + 33, "@plomberie-durand.example>");
	free(v);
	expect_header(pm.head, "Date", "Tue, 05 Mar 2024 09:07:03 +0000");
	expect_header(pm.head, "Reply-To", "marie.durand@plomberie-durand.example");
	expect_header(pm.head, "List-Unsubscribe", "<https://app.prospea.example/u/"
	    "q8J2n5Kx0m_Zt4VbW1cYp9Ls3RaEoDfGhIuJkLmNoP>, "
	    "<mailto:unsubscribe@plomberie-durand.example?subject=unsubscribe>");
	expect_header(pm.head, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
	expect_header(pm.head, "X-Prospea-Message", "m-12345.s2");
	expect_header(pm.head, "In-Reply-To", NULL);
	expect_header(pm.head, "References", NULL);
	expect_header(pm.head, "Auto-Submitted", NULL);
	expect_header(pm.head, "MIME-Version", "1.0");
	expect_header(pm.head, "Content-Transfer-Encoding", NULL);

	/* multipart/alternative; boundary="=_<32 hex>" */
	v = unfolded(pm.head, "Content-Type");
	assert_non_null(v);
	assert_int_equal(sscanf(v, "multipart/alternative; boundary=\"%79[^\"]\"",
	    bound), 1);
	assert_int_equal(strlen(bound), 34);
	assert_int_equal(strncmp(bound, "=_", 2), 0);
	assert_int_equal(strspn(bound + 2, "0123456789abcdef"), 32);
	free(v);
	n = split_parts(pm.body, bound, parts, 4);
	assert_int_equal(n, 2);
	check_part(&parts[0], "text/plain; charset=utf-8", m.text);
	check_part(&parts[1], "text/html; charset=utf-8", m.html);
	for (i = 0; i < n; i++) {
		free(parts[i].head);
		free(parts[i].content);
	}
	parsed_free(&pm);

	/* A second message: another Message-ID and another boundary. */
	char id2[MAIL_MSGID_MAX], *msg2 = mail_build_id(&m, id2, sizeof(id2));
	assert_non_null(msg2);
	assert_string_not_equal(id2, id);
	assert_null(strstr(msg2, bound));
	free(msg2);
	free(msg);
}

/* Without html the message is text/plain as for transactional mail. */
static void
test_mail_campaign_plain(void **state)
{
	struct mail_msg	 m = camp_msg;
	struct parsed	 pm;
	char		*msg, *v, *dec, *want;

	m.html = NULL;
	m.msgid = "c42.s1.7f3a";
	msg = mail_build_id(&m, NULL, 0);
	assert_non_null(msg);
	parse_strict(msg, &pm);
	v = header_get(pm.head, "Content-Type");
	assert_string_equal(v, "text/plain; charset=utf-8");
	free(v);
	expect_header(pm.head, "Message-ID", "<c42.s1.7f3a@plomberie-durand.example>");
	dec = qp_check_decode(pm.body);
	want = crlf(m.text);
	assert_string_equal(dec, want);
	free(dec);
	free(want);
	parsed_free(&pm);
	free(msg);
}

/* List-Unsubscribe: each URI alone; One-Click only with https (RFC 8058 3.1). */
static void
test_mail_campaign_unsubscribe(void **state)
{
	struct mail_msg	 m = camp_msg;
	struct parsed	 pm;
	char		*msg, *v;

	m.unsubscribe_mailto = NULL;
	m.unsubscribe_url = "http://127.0.0.1:8080/u/abc";
	msg = mail_build(&m);
	assert_non_null(msg);
	parse_strict(msg, &pm);
	expect_header(pm.head, "List-Unsubscribe", "<http://127.0.0.1:8080/u/abc>");
	expect_header(pm.head, "List-Unsubscribe-Post", NULL);
	parsed_free(&pm);
	free(msg);

	m.unsubscribe_url = NULL;
	m.unsubscribe_mailto = "\"a b&c\"@soci\xc3\xa9t\xc3\xa9.fr";
	msg = mail_build(&m);
	assert_non_null(msg);
	parse_strict(msg, &pm);
	v = unfolded(pm.head, "List-Unsubscribe");
	/* RFC 6068 section 2: percent-encoded; the domain in A-labels. */
	assert_string_equal(v, "<mailto:%22a%20b%26c%22@xn--socit-esab.fr"
	    "?subject=unsubscribe>");
	free(v);
	expect_header(pm.head, "List-Unsubscribe-Post", NULL);
	parsed_free(&pm);
	free(msg);

	m.unsubscribe_mailto = NULL;
	msg = mail_build(&m);
	assert_non_null(msg);
	expect_header(msg, "List-Unsubscribe", NULL);
	expect_header(msg, "List-Unsubscribe-Post", NULL);
	free(msg);

	/* A URL near the limit stays on a line of its own, within 998. */
	char url[901];
	memcpy(url, "https://a.example/u/", 20);
	memset(url + 20, 'k', sizeof(url) - 21);
	url[900] = '\0';
	m.unsubscribe_url = url;
	m.unsubscribe_mailto = "u@a.example";
	msg = mail_build(&m);
	assert_non_null(msg);
	parse_strict(msg, &pm);
	v = unfolded(pm.head, "List-Unsubscribe");
	assert_non_null(strstr(v, url));
	free(v);
	parsed_free(&pm);
	free(msg);
}

/* A follow-up step: In-Reply-To and a long References folded between ids. */
static void
test_mail_campaign_thread(void **state)
{
	struct mail_msg	 m = camp_msg;
	struct parsed	 pm;
	char		 refs[2048], *msg, *v;
	size_t		 i, len = 0;

	for (i = 0; i < 12; i++)
		len += (size_t)snprintf(refs + len, sizeof(refs) - len, "%s<%032zx"
		    "@plomberie-durand.example>", i > 0 ? " " : "", i * 7919);
	m.in_reply_to = "<00000000000000000000000000000055@plomberie-durand.example>";
	m.references = refs;
	msg = mail_build(&m);
	assert_non_null(msg);
	parse_strict(msg, &pm);
	expect_header(pm.head, "In-Reply-To", m.in_reply_to);
	expect_header(pm.head, "References", refs);
	v = header_get(pm.head, "References");
	assert_non_null(strstr(v, "\r\n "));	/* folded */
	free(v);
	parsed_free(&pm);
	free(msg);

	/* Blanks around and between ids are folding, not content. */
	m.references = "  <a@b.example>\t <c@d.example> ";
	m.in_reply_to = "<c@d.example>";
	msg = mail_build(&m);
	assert_non_null(msg);
	expect_header(msg, "References", "<a@b.example> <c@d.example>");
	free(msg);
}

/* Lines stay within the limits whatever the text: generated bodies. */
static void
test_mail_campaign_generated(void **state)
{
	static const char *const frag[] = {
		"a", " ", "\n", "\r\n", ".", "..", "From ", "--", "=_", "=",
		"\xc3\xa9", "\xf0\x9f\x98\x80", "<p>", "\t",
		"https://example.fr/a/very/long/path/that/never/breaks/at/a/space",
	};
	struct mail_msg	 m = camp_msg;
	struct parsed	 pm;
	struct part	 parts[4];
	char		 text[8192], html[8192], bound[80], *msg, *v;
	uint32_t	 seed = 99;
	size_t		 i, nfrag = sizeof(frag) / sizeof(frag[0]);
	int		 round;

	for (round = 0; round < 200; round++) {
		gen_text(text, frag, nfrag, 100, &seed);
		gen_text(html, frag, nfrag, 100, &seed);
		m.text = text;
		m.html = html;
		msg = mail_build(&m);
		assert_non_null(msg);
		parse_strict(msg, &pm);
		v = unfolded(pm.head, "Content-Type");
		assert_int_equal(sscanf(v, "multipart/alternative; boundary=\"%79[^\"]\"",
		    bound), 1);
		free(v);
		assert_int_equal(split_parts(pm.body, bound, parts, 4), 2);
		check_part(&parts[0], "text/plain; charset=utf-8", text);
		check_part(&parts[1], "text/html; charset=utf-8", html);
		for (i = 0; i < 2; i++) {
			free(parts[i].head);
			free(parts[i].content);
		}
		parsed_free(&pm);
		free(msg);
	}
}

/* Header values that cannot fit 78 still fit 998: encoded or folded. */
static void
test_mail_campaign_long_headers(void **state)
{
	struct mail_msg	 m = camp_msg;
	struct parsed	 pm;
	char		 word[3001], name[600], from[700], *msg, *v, *dec;
	size_t		 n;

	memset(word, 'w', sizeof(word) - 1);
	word[sizeof(word) - 1] = '\0';
	m.subject = word;		/* one 3000-byte word */
	memset(name, 'N', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(from, sizeof(from), "%s <marie@plomberie-durand.example>", name);
	m.from = from;
	msg = mail_build(&m);
	assert_non_null(msg);
	parse_strict(msg, &pm);
	v = header_get(pm.head, "Subject");
	dec = decode_words(v, &n);
	assert_string_equal(dec, word);
	free(v);
	free(dec);
	v = header_get(pm.head, "From");
	dec = decode_words(v, &n);
	assert_string_equal(dec, from);
	free(v);
	free(dec);
	parsed_free(&pm);
	free(msg);
	/* The same subject through the transactional entry point. */
	m = base_msg;
	m.subject = word;
	msg = mail_build(&m);
	assert_non_null(msg);
	parse_strict(msg, &pm);
	parsed_free(&pm);
	free(msg);
}

/* An IDN sender domain: From and Message-ID in A-labels (7-bit headers). */
static void
test_mail_campaign_idn_sender(void **state)
{
	struct mail_msg	 m = camp_msg;
	struct parsed	 pm;
	char		 id[MAIL_MSGID_MAX], *msg, *v;

	m.from = "\xc3\x89quipe <contact@soci\xc3\xa9t\xc3\xa9.fr>";
	msg = mail_build_id(&m, id, sizeof(id));
	assert_non_null(msg);
	parse_strict(msg, &pm);
	assert_non_null(strstr(id, "@xn--socit-esab.fr>"));
	v = header_get(pm.head, "From");
	assert_non_null(strstr(v, "<contact@xn--socit-esab.fr>"));
	free(v);
	parsed_free(&pm);
	free(msg);
}

static void
test_mail_campaign_refused(void **state)
{
	static const struct {
		int		 field;	/* 0 url 1 mailto 2 in-reply-to 3 references
					   4 tag 5 msgid 6 reply-to 7 date */
		const char	*value;
	} bad[] = {
		{ 0, "https://a.example/u/x\r\nBcc: v@example.com" },
		{ 0, "https://a.example/u/x\n" },
		{ 0, "javascript:alert(1)" },
		{ 0, "ftp://a.example/u/x" },
		{ 0, "https://" },
		{ 0, "https://a.example/u/x y" },
		{ 0, "https://a.example/u/x,y" },
		{ 0, "https://a.example/u/x>" },
		{ 0, "https://a.example/u/\xc3\xa9" },
		{ 0, "" },
		{ 1, "u@a.example\r\nBcc: v@example.com" },
		{ 1, "not an address" },
		{ 1, "" },
		{ 2, "<a@b.example>\r\nBcc: v@example.com" },
		{ 2, "a@b.example" },
		{ 2, "<a b@c.example>" },
		{ 2, "<@b.example>" },
		{ 2, "<a@>" },
		{ 2, "<a@b@c>" },
		{ 2, "<a@b.example> <c@d.example>" },
		{ 2, "<a<b@c.example>" },
		{ 2, "<a\xc3\xa9@b.example>" },
		{ 2, "" },
		{ 3, "<a@b.example>\n <c@d.example>" },
		{ 3, "<a@b.example> junk" },
		{ 3, "<a@b.example><c@d.example>" },
		{ 3, "" },
		{ 3, "   " },
		{ 4, "has space" },
		{ 4, "" },
		{ 4, "a\r\nb" },
		{ 4, "caf\xc3\xa9" },
		{ 5, "a b" },
		{ 5, "a..b" },
		{ 5, ".a" },
		{ 5, "a@b" },
		{ 5, "" },
		{ 5, "0123456789012345678901234567890123456789012345678901234567890123X" },
		{ 6, "not an address" },
		{ 7, NULL },
	};
	struct mail_msg	 m;
	char		 id[MAIL_MSGID_MAX], url[902], tag[130], irt[300];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = camp_msg;
		switch (bad[i].field) {
		case 0: m.unsubscribe_url = bad[i].value; break;
		case 1: m.unsubscribe_mailto = bad[i].value; break;
		case 2: m.in_reply_to = bad[i].value; break;
		case 3: m.references = bad[i].value; break;
		case 4: m.tag = bad[i].value; break;
		case 5: m.msgid = bad[i].value; break;
		case 6: m.reply_to = bad[i].value; break;
		default: m.date = (time_t)400000000000LL; break;
		}
		strcpy(id, "untouched");
		char *msg = mail_build_id(&m, id, sizeof(id));
		if (msg != NULL)
			fail_msg("built with field %d = \"%s\"", bad[i].field,
			    bad[i].value != NULL ? bad[i].value : "(date)");
		assert_string_equal(id, "untouched");
	}
	/* Lengths: a URL of 901 bytes, a tag of 129, a msg-id of 251. */
	m = camp_msg;
	memcpy(url, "https://a.example/u/", 20);
	memset(url + 20, 'k', 901 - 20);
	url[901] = '\0';
	m.unsubscribe_url = url;
	assert_null(mail_build(&m));
	m = camp_msg;
	memset(tag, 't', 129);
	tag[129] = '\0';
	m.tag = tag;
	assert_null(mail_build(&m));
	tag[128] = '\0';
	char *ok = mail_build(&m);
	assert_non_null(ok);
	free(ok);
	m = camp_msg;
	irt[0] = '<';
	memset(irt + 1, 'i', 250 - 11);
	memcpy(irt + 250 - 10, "@b.example>", 12);
	m.in_reply_to = irt;			/* 251 bytes */
	assert_int_equal(strlen(irt), 251);
	assert_null(mail_build(&m));
	m.in_reply_to = irt + 1;
	irt[1] = '<';				/* 250 bytes */
	ok = mail_build(&m);
	assert_non_null(ok);
	free(ok);
}

static void
test_mail_addr(void **state)
{
	char	 a[EMAIL_MAX + 1], small[8];

	assert_int_equal(mail_addr("Prospea <no-reply@prospea.example>", a,
	    sizeof(a)), 0);
	assert_string_equal(a, "no-reply@prospea.example");
	assert_int_equal(mail_addr("no-reply@prospea.example", a, sizeof(a)), 0);
	assert_string_equal(a, "no-reply@prospea.example");
	assert_int_equal(mail_addr("  x@prospea.example  ", a, sizeof(a)), 0);
	assert_string_equal(a, "x@prospea.example");
	assert_int_equal(mail_addr("<x@prospea.example>", a, sizeof(a)), 0);
	assert_string_equal(a, "x@prospea.example");
	assert_int_equal(mail_addr("A <b> <x@prospea.example>", a, sizeof(a)), 0);
	assert_string_equal(a, "x@prospea.example");

	assert_int_equal(mail_addr("", a, sizeof(a)), -1);
	assert_int_equal(mail_addr("   ", a, sizeof(a)), -1);
	assert_int_equal(mail_addr("Prospea", a, sizeof(a)), -1);
	assert_int_equal(mail_addr("Prospea <>", a, sizeof(a)), -1);
	assert_int_equal(mail_addr("Prospea <x@prospea.example", a, sizeof(a)),
	    -1);
	assert_int_equal(mail_addr("Prospea <x@prospea.example> junk", a,
	    sizeof(a)), -1);
	assert_int_equal(mail_addr("Prospea <not an address>", a, sizeof(a)), -1);
	assert_int_equal(mail_addr("x@localhost", a, sizeof(a)), -1);
	/* Room: the address and its NUL, or -1. */
	assert_int_equal(mail_addr("a@b.fr", small, 7), 0);
	assert_string_equal(small, "a@b.fr");
	assert_int_equal(mail_addr("ab@b.fr", small, 7), -1);
	assert_int_equal(mail_addr("Name <ab@b.fr>", small, 7), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mail_header_ascii),
		cmocka_unit_test(test_mail_header_encoded),
		cmocka_unit_test(test_mail_qp_examples),
		cmocka_unit_test(test_mail_qp_round_trip),
		cmocka_unit_test(test_mail_qp_from_after_soft_break),
		cmocka_unit_test(test_mail_qp_generated),
		cmocka_unit_test(test_mail_build_headers),
		cmocka_unit_test(test_mail_build_encoded_subject),
		cmocka_unit_test(test_mail_build_long_subject),
		cmocka_unit_test(test_mail_build_display_names),
		cmocka_unit_test(test_mail_build_empty_display_name),
		cmocka_unit_test(test_mail_build_refused),
		cmocka_unit_test(test_mail_addr),
		cmocka_unit_test(test_mail_campaign_message),
		cmocka_unit_test(test_mail_campaign_plain),
		cmocka_unit_test(test_mail_campaign_unsubscribe),
		cmocka_unit_test(test_mail_campaign_thread),
		cmocka_unit_test(test_mail_campaign_generated),
		cmocka_unit_test(test_mail_campaign_long_headers),
		cmocka_unit_test(test_mail_campaign_idn_sender),
		cmocka_unit_test(test_mail_campaign_refused),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("mail", tests, NULL, NULL);
}
