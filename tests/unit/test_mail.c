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

/* Generated texts: every rule holds and decoding gives the text back. */
static void
test_mail_qp_generated(void **state)
{
	static const char *const frag[] = {
		"a", "Z", "0", " ", "\t", "=", "\n", "\r\n", "From ", ".",
		"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "=3D", "-",
		"supercalifragilisticexpialidocious", "  ", "?", "_",
	};
	char		 text[4096];
	uint32_t	 seed = 12345;
	size_t		 i, len, nfrag = sizeof(frag) / sizeof(frag[0]);
	int		 round;

	for (round = 0; round < 300; round++) {
		len = 0;
		seed = seed * 1103515245u + 12345u;
		for (i = 0; i < (seed >> 16) % 200; i++) {
			seed = seed * 1103515245u + 12345u;
			const char *f = frag[(seed >> 16) % nfrag];
			memcpy(text + len, f, strlen(f));
			len += strlen(f);
		}
		text[len] = '\0';
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
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("mail", tests, NULL, NULL);
}
