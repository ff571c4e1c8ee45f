/*
 * Inbound mail classification (inbound.h has the rules and their RFC
 * sections). The message is read in place: header sections are unfolded
 * into an arena, multipart bodies are split at their boundary lines
 * without copying, and only the parts that matter (delivery-status
 * fields, returned headers, text) are transfer-decoded. Every read is
 * bounded by an end pointer; the input is never NUL-terminated.
 */
#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "email.h"
#include "inbound.h"

#define IB_FIELDS_MAX	256		/* header fields kept per section */
#define IB_DEPTH_MAX	8		/* multipart nesting */
#define IB_PARTS_MAX	64		/* entities visited */
#define IB_TEXTS_MAX	8		/* text parts searched in a bounce */
#define IB_TEXT_MAX	(256 * 1024)	/* bytes of each searched */
#define IB_HEADER_DECODE_MAX	4096	/* bytes of a Subject decoded */

struct ib_field {
	const char	*name;		/* in the input, nlen bytes */
	size_t		 nlen;
	char		*value;		/* unfolded, NUL-terminated, arena */
};

struct ib_head {
	struct ib_field	 f[IB_FIELDS_MAX];
	size_t		 n;
};

struct ib_ctype {
	char	 type[32];	/* lower case; "text" when absent */
	char	 sub[64];	/* lower case; "plain" when absent */
	char	 boundary[128];
	char	 report_type[64];	/* lower case */
	char	 charset[48];
};

/* A byte range, decoded or in the input. */
struct ib_span {
	const char	*p;
	size_t		 n;
};

/* What a walk of the MIME tree collects. */
struct ib_walk {
	struct arena	*a;
	size_t		 parts;
	struct ib_span	 dsn;		/* the delivery-status part, decoded */
	int		 has_dsn;
	char		 orig_id[INBOUND_MSGID_MAX]; /* from a returned message */
	int		 returned;	/* a message/rfc822 or headers part */
	struct ib_span	 texts[IB_TEXTS_MAX];	/* decoded text parts */
	size_t		 ntexts;
};

/* ---- small helpers ------------------------------------------------- */

static int
ib_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int
ib_wsp(int c)
{
	return c == ' ' || c == '\t';
}

static int
ib_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* Copies at most size-1 bytes of the n at s to out, lower case if asked. */
static void
ib_copy(char *out, size_t size, const char *s, size_t n, int lower)
{
	size_t	 i;

	if (n >= size)
		n = size - 1;
	for (i = 0; i < n; i++)
		out[i] = lower ? (char)ib_lower((unsigned char)s[i]) : s[i];
	out[n] = '\0';
}

/* Case-insensitive: does [s, s+n) contain the ASCII needle? */
static int
ib_contains_nocase(const char *s, size_t n, const char *needle)
{
	size_t	 k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (strncasecmp(s + i, needle, k) == 0)
			return 1;
	return 0;
}

/* ---- header sections ----------------------------------------------- */

/*
 * Reads the header section at [p, end) into h: each field's value
 * unfolded (CR and LF removed, the folding blanks kept, RFC 5322 section
 * 2.2.3), NUL bytes made spaces. A line that is neither a field nor a
 * continuation (an mbox "From " line, garbage) is skipped. Returns where
 * the body starts: after the empty line, or end.
 */
static const char *
ib_head_parse(struct arena *a, const char *p, const char *end,
    struct ib_head *h)
{
	const char	*eol, *colon, *q, *fend, *vs;
	char		*v;
	size_t		 n, i;

	h->n = 0;
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		eol = eol != NULL ? eol + 1 : end;
		/* The empty line: "\n" or "\r\n". */
		if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n'))
			return eol;
		if (ib_wsp(*p)) {	/* continuation without a field */
			p = eol;
			continue;
		}
		/* A name of printable ASCII (RFC 5322 section 2.2), maybe
		 * blanks (obs-optional, section 4.5), then the colon. */
		colon = memchr(p, ':', (size_t)(eol - p));
		if (colon == NULL) {
			p = eol;
			continue;
		}
		for (q = p; q < colon && (unsigned char)*q > ' ' &&
		    (unsigned char)*q <= '~'; q++)
			continue;
		n = (size_t)(q - p);
		while (q < colon && ib_wsp(*q))
			q++;
		if (q != colon || n == 0) {
			p = eol;
			continue;
		}
		/* The field runs on over the lines that start with a blank. */
		fend = eol;
		while (fend < end && ib_wsp(*fend)) {
			q = memchr(fend, '\n', (size_t)(end - fend));
			fend = q != NULL ? q + 1 : end;
		}
		vs = colon + 1;
		while (vs < fend && ib_wsp(*vs))
			vs++;
		v = arena_alloc(a, (size_t)(fend - vs) + 1);
		for (i = 0, q = vs; q < fend; q++)
			if (*q != '\r' && *q != '\n')
				v[i++] = *q == '\0' ? ' ' : *q;
		while (i > 0 && ib_wsp(v[i - 1]))
			i--;
		v[i] = '\0';
		if (h->n < IB_FIELDS_MAX) {
			h->f[h->n].name = p;
			h->f[h->n].nlen = n;
			h->f[h->n].value = v;
			h->n++;
		}
		p = fend;
	}
	return end;
}

/* The first field called name (any case), or NULL. Borrowed. */
static const char *
ib_get(const struct ib_head *h, const char *name)
{
	size_t	 i, k = strlen(name);

	for (i = 0; i < h->n; i++)
		if (h->f[i].nlen == k && strncasecmp(h->f[i].name, name, k) == 0)
			return h->f[i].value;
	return NULL;
}

/* ---- Content-Type (RFC 2045 section 5.1) ----------------------------- */

/* Skips blanks and (nested) comments, RFC 5322 section 3.2.2 CFWS. */
static const char *
ib_cfws(const char *s)
{
	int	 depth;

	for (;;) {
		while (ib_wsp(*s))
			s++;
		if (*s != '(')
			return s;
		for (depth = 0; *s != '\0'; s++) {
			if (*s == '\\' && s[1] != '\0')
				s++;
			else if (*s == '(')
				depth++;
			else if (*s == ')' && --depth == 0) {
				s++;
				break;
			}
		}
	}
}

/* RFC 2045 section 5.1 token characters. */
static int
ib_tchar(int c)
{
	return c > ' ' && c < 127 && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/*
 * A token or quoted-string at *sp into out (size bytes, cut), *sp
 * advanced past it. 0, or -1 if there is neither.
 */
static int
ib_word(const char **sp, char *out, size_t size, int lower)
{
	const char	*s = *sp;
	size_t		 n = 0;

	if (*s == '"') {
		for (s++; *s != '\0' && *s != '"'; s++) {
			if (*s == '\\' && s[1] != '\0')
				s++;
			if (n + 1 < size)
				out[n++] = lower ? (char)ib_lower((unsigned char)*s) : *s;
		}
		if (*s == '"')
			s++;
	} else {
		if (!ib_tchar((unsigned char)*s))
			return -1;
		for (; ib_tchar((unsigned char)*s); s++)
			if (n + 1 < size)
				out[n++] = lower ? (char)ib_lower((unsigned char)*s) : *s;
	}
	out[n] = '\0';
	*sp = s;
	return 0;
}

static void
ib_ctype_parse(const char *v, struct ib_ctype *ct)
{
	char		 name[32], val[256];
	const char	*s;

	memset(ct, 0, sizeof(*ct));
	strcpy(ct->type, "text");
	strcpy(ct->sub, "plain");
	if (v == NULL)
		return;
	s = ib_cfws(v);
	if (ib_word(&s, name, sizeof(name), 1) == -1)
		return;
	s = ib_cfws(s);
	if (*s != '/' )
		return;
	s = ib_cfws(s + 1);
	if (ib_word(&s, val, sizeof(val), 1) == -1)
		return;
	ib_copy(ct->type, sizeof(ct->type), name, strlen(name), 0);
	ib_copy(ct->sub, sizeof(ct->sub), val, strlen(val), 0);
	for (;;) {
		s = ib_cfws(s);
		if (*s == '\0')
			return;
		if (*s != ';') {	/* junk: skip to the next parameter */
			if ((s = strchr(s, ';')) == NULL)
				return;
		}
		s = ib_cfws(s + 1);
		if (ib_word(&s, name, sizeof(name), 1) == -1)
			continue;
		s = ib_cfws(s);
		if (*s != '=')
			continue;
		s = ib_cfws(s + 1);
		if (ib_word(&s, val, sizeof(val), 0) == -1)
			continue;
		if (strcmp(name, "boundary") == 0 && ct->boundary[0] == '\0')
			ib_copy(ct->boundary, sizeof(ct->boundary), val,
			    strlen(val), 0);
		else if (strcmp(name, "report-type") == 0)
			ib_copy(ct->report_type, sizeof(ct->report_type), val,
			    strlen(val), 1);
		else if (strcmp(name, "charset") == 0)
			ib_copy(ct->charset, sizeof(ct->charset), val, strlen(val), 1);
	}
}

/* ---- transfer decoding (RFC 2045 section 6) ---------------------------- */

static int
ib_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = ib_lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int
ib_b64(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* base64, leniently: other characters skipped, '=' ends. Writes <= n. */
static size_t
ib_unbase64(char *out, const char *s, size_t n)
{
	size_t		 i, o = 0;
	unsigned	 acc = 0;
	int		 bits = 0, v;

	for (i = 0; i < n && s[i] != '='; i++) {
		if ((v = ib_b64((unsigned char)s[i])) < 0)
			continue;
		acc = (acc << 6 | (unsigned)v) & 0xffffff;
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[o++] = (char)(acc >> bits);
		}
	}
	return o;
}

/*
 * quoted-printable, leniently: "=XX" a byte, "=" at a line end a soft
 * break, any other "=" kept. With q (RFC 2047 "Q"), '_' is a space.
 * Writes <= n.
 */
static size_t
ib_unqp(char *out, const char *s, size_t n, int q)
{
	size_t	 i, o = 0, k;
	int	 h, l;

	for (i = 0; i < n; i++) {
		if (s[i] == '=') {
			for (k = i + 1; k < n && ib_wsp(s[k]); k++)
				continue;
			if (k < n && (s[k] == '\n' || s[k] == '\r')) {
				i = k + (s[k] == '\r' && k + 1 < n && s[k + 1] == '\n');
				continue;
			}
			if (k == n && !q) {
				i = n;
				continue;
			}
			if (i + 2 < n && (h = ib_hex((unsigned char)s[i + 1])) >= 0 &&
			    (l = ib_hex((unsigned char)s[i + 2])) >= 0) {
				out[o++] = (char)(h << 4 | l);
				i += 2;
				continue;
			}
		}
		out[o++] = q && s[i] == '_' ? ' ' : s[i];
	}
	return o;
}

/* The body of an entity decoded per its Content-Transfer-Encoding. */
static struct ib_span
ib_decode(struct arena *a, const char *cte, const char *p, size_t n)
{
	struct ib_span	 r = { p, n };
	char		 enc[32];
	const char	*s;
	char		*out;

	if (cte == NULL)
		return r;
	s = ib_cfws(cte);
	if (ib_word(&s, enc, sizeof(enc), 1) == -1)
		return r;
	if (strcmp(enc, "base64") == 0) {
		out = arena_alloc(a, n + 1);
		r.n = ib_unbase64(out, p, n);
		r.p = out;
	} else if (strcmp(enc, "quoted-printable") == 0) {
		out = arena_alloc(a, n + 1);
		r.n = ib_unqp(out, p, n, 0);
		r.p = out;
	}
	return r;
}

/* ---- charsets and UTF-8 ------------------------------------------------ */

/* The length of the valid UTF-8 sequence at s (RFC 3629), or 0. */
static size_t
ib_utf8_len(const unsigned char *s, size_t n)
{
	size_t	 k, i;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		k = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		k = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		k = 4;
	else
		return 0;
	if (n < k)
		return 0;
	for (i = 1; i < k; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return k;
}

static int
ib_utf8_valid(const char *s, size_t n)
{
	size_t	 k;

	while (n > 0) {
		if ((k = ib_utf8_len((const unsigned char *)s, n)) == 0)
			return 0;
		s += k;
		n -= k;
	}
	return 1;
}

/* A growing UTF-8 string in the arena's care of the caller (malloc). */
struct ib_buf {
	char	*p;
	size_t	 len, cap;
};

static void
ib_buf_add(struct ib_buf *b, const char *s, size_t n)
{
	size_t	 cap;

	if (b->len + n + 1 > b->cap) {
		cap = b->cap == 0 ? 128 : b->cap;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((b->p = realloc(b->p, cap)) == NULL)
			abort();
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/*
 * Appends the n bytes at s, in charset cs, to b as UTF-8. UTF-8 and
 * US-ASCII are checked, not converted; ISO-8859-1 and unknown or absent
 * charsets of 8-bit text are read as Windows-1252 (its superset in
 * practice). Bytes that do not convert become U+FFFD.
 */
static void
ib_to_utf8(struct ib_buf *b, const char *cs, const char *s, size_t n)
{
	static const char rep[] = "\xef\xbf\xbd";
	char		 name[48], obuf[1024], *in, *op;
	size_t		 k, il, ol;
	iconv_t		 cd = (iconv_t)-1;
	int		 utf8;

	if (cs == NULL)
		cs = "";
	ib_copy(name, sizeof(name), cs, strlen(cs), 1);
	utf8 = strcmp(name, "utf-8") == 0 || strcmp(name, "utf8") == 0;
	if (utf8 || name[0] == '\0' || strcmp(name, "us-ascii") == 0 ||
	    strcmp(name, "ascii") == 0) {
		if (ib_utf8_valid(s, n)) {
			ib_buf_add(b, s, n);
			return;
		}
		for (; utf8 && n > 0; s += k, n -= k) {
			if ((k = ib_utf8_len((const unsigned char *)s, n)) == 0) {
				ib_buf_add(b, rep, 3);
				k = 1;
			} else
				ib_buf_add(b, s, k);
		}
		if (utf8)
			return;
		strcpy(name, "windows-1252");	/* unlabelled 8-bit text */
	}
	if (strcmp(name, "iso-8859-1") == 0 || strcmp(name, "latin1") == 0)
		strcpy(name, "windows-1252");
	/* Only names of charset characters reach iconv_open(). */
	if (strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-_.:") == strlen(name))
		cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1 && (cd = iconv_open("UTF-8", "WINDOWS-1252")) ==
	    (iconv_t)-1)
		abort();	/* glibc always has it */
	in = (char *)s;
	il = n;
	while (il > 0) {
		op = obuf;
		ol = sizeof(obuf);
		if (iconv(cd, &in, &il, &op, &ol) == (size_t)-1 && errno != E2BIG) {
			ib_buf_add(b, obuf, (size_t)(op - obuf));
			/* EILSEQ or EINVAL: U+FFFD for one byte, then go on. */
			ib_buf_add(b, rep, 3);
			in++;
			il--;
			iconv(cd, NULL, NULL, NULL, NULL);
			continue;
		}
		ib_buf_add(b, obuf, (size_t)(op - obuf));
	}
	iconv_close(cd);
}

/*
 * Copies UTF-8 text to out (size bytes): control characters become
 * spaces, runs of blanks one space, no blank at either end, and the text
 * is cut on a character boundary.
 */
static void
ib_clean(char *out, size_t size, const char *s, size_t n)
{
	size_t	 o = 0, k;
	int	 blank = 1;

	while (n > 0) {
		k = ib_utf8_len((const unsigned char *)s, n);
		if (k == 0)
			k = 1;	/* the caller passes UTF-8; defensive */
		if ((k == 1 && ((unsigned char)*s < 0x20 || *s == 0x7f ||
		    *s == ' ' || (unsigned char)*s >= 0x80)) ||
		    (k == 2 && (unsigned char)s[0] == 0xc2 &&
		    (unsigned char)s[1] < 0xa0)) {	/* C1 controls */
			if (!blank && o + 1 < size)
				out[o++] = ' ';
			blank = 1;
		} else {
			if (o + k >= size)
				break;
			memcpy(out + o, s, k);
			o += k;
			blank = 0;
		}
		s += k;
		n -= k;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

/*
 * An unstructured header value with its RFC 2047 encoded-words decoded
 * (section 4: B and Q; section 6.2: blanks between two adjacent words
 * dropped), as UTF-8 in out. An encoded-word that does not parse stays as
 * it is.
 */
static void
ib_decode_header(char *out, size_t size, const char *value)
{
	struct ib_buf	 b = { NULL, 0, 0 };
	const char	*p, *q, *cs, *enc, *txt, *end, *lit;
	char		 charset[48], *dec, *v;
	size_t		 n, csn;
	int		 prev_word = 0;

	/*
	 * Enough for out: each searched "=?" costs a scan to its "?=", so a
	 * megabyte of "=?" must not be searched whole.
	 */
	if ((v = strndup(value, IB_HEADER_DECODE_MAX)) == NULL)
		abort();
	p = lit = v;

	while ((p = strstr(p, "=?")) != NULL) {
		cs = p + 2;
		enc = strchr(cs, '?');
		if (enc == NULL || enc[1] == '\0' || enc[2] != '?' ||
		    (ib_lower((unsigned char)enc[1]) != 'b' &&
		    ib_lower((unsigned char)enc[1]) != 'q')) {
			p += 2;
			continue;
		}
		txt = enc + 3;
		end = strstr(txt, "?=");
		/* No blank may appear inside a word (section 5). */
		if (end == NULL || memchr(cs, ' ', (size_t)(end - cs)) != NULL ||
		    memchr(cs, '\t', (size_t)(end - cs)) != NULL) {
			p += 2;
			continue;
		}
		/* The literal text before it, unless only blanks between words. */
		for (q = lit; q < p && ib_wsp(*q); q++)
			continue;
		if (!(prev_word && q == p))
			ib_to_utf8(&b, NULL, lit, (size_t)(p - lit));
		/* charset, without an RFC 2231 "*language" suffix. */
		csn = (size_t)(enc - cs);
		if ((q = memchr(cs, '*', csn)) != NULL)
			csn = (size_t)(q - cs);
		ib_copy(charset, sizeof(charset), cs, csn, 1);
		n = (size_t)(end - txt);
		if ((dec = malloc(n + 1)) == NULL)
			abort();
		n = ib_lower((unsigned char)enc[1]) == 'b' ? ib_unbase64(dec, txt, n) :
		    ib_unqp(dec, txt, n, 1);
		ib_to_utf8(&b, charset[0] != '\0' ? charset : "windows-1252", dec, n);
		free(dec);
		p = lit = end + 2;
		prev_word = 1;
	}
	ib_to_utf8(&b, NULL, lit, strlen(lit));
	ib_clean(out, size, b.p != NULL ? b.p : "", b.len);
	free(b.p);
	free(v);
}

/* ---- addresses and msg-ids --------------------------------------------- */

/*
 * The address of a From-like value: inside the last "<...>", else the
 * first word holding '@'. Empty when it does not pass email_valid().
 */
static void
ib_addr(char *out, const char *v)
{
	const char	*lt, *gt, *s;
	size_t		 n;

	out[0] = '\0';
	if (v == NULL)
		return;
	if ((lt = strrchr(v, '<')) != NULL && (gt = strchr(lt, '>')) != NULL) {
		s = lt + 1;
		n = (size_t)(gt - s);
	} else {
		for (s = v; *s != '\0'; s += n) {
			s += strspn(s, " \t,;:\"'()");
			n = strcspn(s, " \t,;:\"'()");
			if (memchr(s, '@', n) != NULL)
				break;
		}
		if (*s == '\0')
			return;
	}
	while (n > 0 && ib_wsp(*s)) {
		s++;
		n--;
	}
	while (n > 0 && ib_wsp(s[n - 1]))
		n--;
	if (n == 0 || n > EMAIL_MAX)
		return;
	memcpy(out, s, n);
	out[n] = '\0';
	if (!email_valid(out))
		out[0] = '\0';
}

/*
 * The next msg-id of v from *sp (RFC 5322 section 3.6.4, with
 * obs-in-reply-to's phrases, comments and quoted strings skipped), as
 * "<left@right>" in out without the CFWS inside. bare: a word holding
 * '@' counts without brackets. 1 found, 0 no more.
 */
static int
ib_next_msgid(const char **sp, char *out, int bare)
{
	const char	*s = *sp, *w;
	size_t		 o, n;
	int		 at, ok;

	for (;;) {
		s = ib_cfws(s);
		if (*s == '\0') {
			*sp = s;
			return 0;
		}
		if (*s == '"') {
			for (s++; *s != '\0' && *s != '"'; s++)
				if (*s == '\\' && s[1] != '\0')
					s++;
			if (*s == '"')
				s++;
			continue;
		}
		if (*s == '<') {
			o = 0;
			out[o++] = '<';
			at = 0;
			ok = 1;
			for (s++; *s != '\0' && *s != '>' && *s != '<'; s++) {
				if (*s == '(') {
					s = ib_cfws(s) - 1;
					continue;
				}
				if (ib_wsp(*s))
					continue;
				if ((unsigned char)*s <= ' ' || (unsigned char)*s > '~')
					ok = 0;
				if (*s == '@')
					at++;
				if (o + 2 < INBOUND_MSGID_MAX)
					out[o++] = *s;
				else
					ok = 0;
			}
			if (*s != '>') {
				if (*s == '\0')
					break;
				continue;	/* "<" again: start over there */
			}
			s++;
			out[o++] = '>';
			out[o] = '\0';
			if (ok && at == 1 && out[1] != '@' && out[o - 2] != '@') {
				*sp = s;
				return 1;
			}
			continue;
		}
		/* A word: a bare id when allowed, else a phrase word. */
		w = s;
		n = strcspn(s, " \t(\"<");
		s += n > 0 ? n : 1;
		if (bare && n > 0 && n + 3 <= INBOUND_MSGID_MAX &&
		    memchr(w, '@', n) != NULL && w[0] != '@' && w[n - 1] != '@' &&
		    memchr(w, '@', n) == memrchr(w, '@', n)) {
			for (o = 0; o < n; o++)
				if ((unsigned char)w[o] <= ' ' || (unsigned char)w[o] > '~' ||
				    w[o] == '>')
					break;
			if (o < n)
				continue;
			out[0] = '<';
			memcpy(out + 1, w, n);
			out[n + 1] = '>';
			out[n + 2] = '\0';
			*sp = s;
			return 1;
		}
	}
	*sp = s;
	return 0;
}

/* Adds id to in->refs unless there or full. */
static void
ib_ref_add(struct inbound *in, const char *id)
{
	size_t	 i;

	for (i = 0; i < in->nrefs; i++)
		if (strcmp(in->refs[i], id) == 0)
			return;
	if (in->nrefs < INBOUND_REFS_MAX)
		snprintf(in->refs[in->nrefs++], INBOUND_MSGID_MAX, "%s", id);
}

/*
 * refs: In-Reply-To's ids, then References' newest first; when full, the
 * oldest Reference (the thread's root) takes the last place. Only the
 * first and the last INBOUND_REFS_MAX References are held while reading,
 * however many there are.
 */
static void
ib_refs(struct inbound *in, const struct ib_head *h)
{
	char		 ring[INBOUND_REFS_MAX][INBOUND_MSGID_MAX];
	char		 id[INBOUND_MSGID_MAX], first[INBOUND_MSGID_MAX];
	const char	*v, *s;
	size_t		 n = 0, i, k;
	int		 bare;

	if ((v = ib_get(h, "In-Reply-To")) != NULL)
		for (s = v, bare = strchr(v, '<') == NULL;
		    ib_next_msgid(&s, id, bare);)
			ib_ref_add(in, id);
	if ((v = ib_get(h, "References")) == NULL)
		return;
	for (s = v, bare = strchr(v, '<') == NULL; ib_next_msgid(&s, id, bare);
	    n++) {
		if (n == 0)
			memcpy(first, id, sizeof(id));
		else
			memcpy(ring[n % INBOUND_REFS_MAX], id, sizeof(id));
	}
	/* The newest first, down to the second; then the root. */
	k = n > INBOUND_REFS_MAX ? INBOUND_REFS_MAX : n;
	for (i = n; i > 1 && n - i < k - 1 && in->nrefs < INBOUND_REFS_MAX - 1; i--)
		ib_ref_add(in, ring[(i - 1) % INBOUND_REFS_MAX]);
	if (n > 0)
		ib_ref_add(in, first);
}

/* The first msg-id of v into out (INBOUND_MSGID_MAX bytes), or "". */
static void
ib_first_msgid(char *out, const char *v)
{
	const char	*s = v;

	out[0] = '\0';
	if (v != NULL && !ib_next_msgid(&s, out, strchr(v, '<') == NULL))
		out[0] = '\0';
}

/* ---- the MIME tree ------------------------------------------------------ */

/* Start of the line after the one at p (or end). */
static const char *
ib_next_line(const char *p, const char *end)
{
	const char	*nl = memchr(p, '\n', (size_t)(end - p));

	return nl != NULL ? nl + 1 : end;
}

/*
 * 1 if the line at p is the delimiter "--" boundary (k bytes), maybe
 * closing ("--" after it), then blanks only (RFC 2046 section 5.1.1).
 */
static int
ib_delim(const char *p, const char *end, const char *b, size_t k, int *close)
{
	const char	*q;

	if ((size_t)(end - p) < k + 2 || p[0] != '-' || p[1] != '-' ||
	    memcmp(p + 2, b, k) != 0)
		return 0;
	q = p + 2 + k;
	*close = end - q >= 2 && q[0] == '-' && q[1] == '-';
	if (*close)
		q += 2;
	while (q < end && (ib_wsp(*q) || *q == '\r'))
		q++;
	return q == end || *q == '\n';
}

static void	ib_entity(struct ib_walk *, const char *, const char *, int);

/* The parts of a multipart body, each walked as an entity. */
static void
ib_multipart(struct ib_walk *w, const char *p, const char *end,
    const char *b, int depth)
{
	const char	*start = NULL, *cut;
	size_t		 k = strlen(b);
	int		 close;

	if (k == 0)
		return;
	while (p < end) {
		if (ib_delim(p, end, b, k, &close)) {
			if (start != NULL) {
				/* The line end before a delimiter is part of it. */
				cut = p;
				if (cut > start && cut[-1] == '\n')
					cut--;
				if (cut > start && cut[-1] == '\r')
					cut--;
				ib_entity(w, start, cut, depth + 1);
			}
			if (close)
				return;
			start = ib_next_line(p, end);
			p = start;
			continue;
		}
		p = ib_next_line(p, end);
	}
	if (start != NULL && start < end)
		ib_entity(w, start, end, depth + 1);
}

/* Keeps a decoded text part for the bounce search. */
static void
ib_keep_text(struct ib_walk *w, struct ib_span t)
{
	if (w->ntexts == IB_TEXTS_MAX)
		return;
	if (t.n > IB_TEXT_MAX)
		t.n = IB_TEXT_MAX;
	w->texts[w->ntexts++] = t;
}

/* One entity (a message or a part) at [p, end). */
static void
ib_entity(struct ib_walk *w, const char *p, const char *end, int depth)
{
	struct ib_head	*h;
	struct ib_ctype	 ct;
	struct ib_span	 body;
	const char	*bp;
	char		 id[INBOUND_MSGID_MAX];

	if (depth > IB_DEPTH_MAX || w->parts >= IB_PARTS_MAX)
		return;
	w->parts++;
	h = arena_alloc(w->a, sizeof(*h));
	bp = ib_head_parse(w->a, p, end, h);
	ib_ctype_parse(ib_get(h, "Content-Type"), &ct);
	if (strcmp(ct.type, "multipart") == 0) {
		ib_multipart(w, bp, end, ct.boundary, depth);
		return;
	}
	body = ib_decode(w->a, ib_get(h, "Content-Transfer-Encoding"), bp,
	    (size_t)(end - bp));
	if (strcmp(ct.type, "message") == 0 &&
	    (strcmp(ct.sub, "delivery-status") == 0 ||
	    strcmp(ct.sub, "global-delivery-status") == 0)) {
		if (!w->has_dsn) {
			w->dsn = body;
			w->has_dsn = 1;
		}
	} else if ((strcmp(ct.type, "message") == 0 &&
	    (strcmp(ct.sub, "rfc822") == 0 || strcmp(ct.sub, "global") == 0 ||
	    strcmp(ct.sub, "global-headers") == 0)) ||
	    (strcmp(ct.type, "text") == 0 &&
	    strcmp(ct.sub, "rfc822-headers") == 0)) {
		/* The returned message: its headers only, not its parts. */
		w->returned = 1;
		h = arena_alloc(w->a, sizeof(*h));
		ib_head_parse(w->a, body.p, body.p + body.n, h);
		ib_first_msgid(id, ib_get(h, "Message-ID"));
		if (w->orig_id[0] == '\0' && id[0] != '\0')
			memcpy(w->orig_id, id, sizeof(id));
	} else if (strcmp(ct.type, "text") == 0)
		ib_keep_text(w, body);
}

/* ---- delivery status (RFC 3464) ------------------------------------------ */

/*
 * An enhanced status code (RFC 3463 section 2) at the start of s:
 * class "." subject "." detail, class 2, 4 or 5, 1 to 3 digits each, not
 * followed by another digit or ".digit". Its length, or 0.
 */
static size_t
ib_status_at(const char *s, const char *end)
{
	const char	*q = s;
	int		 part, k;

	if (q >= end || (*q != '2' && *q != '4' && *q != '5'))
		return 0;
	q++;
	for (part = 0; part < 2; part++) {
		if (q >= end || *q != '.')
			return 0;
		q++;
		for (k = 0; k < 3 && q < end && ib_digit(*q); k++)
			q++;
		if (k == 0)
			return 0;
	}
	if (q < end && (ib_digit(*q) || (*q == '.' && q + 1 < end &&
	    ib_digit(q[1]))))
		return 0;
	return (size_t)(q - s);
}

static void
ib_set_status(struct inbound *in, const char *s, size_t n)
{
	ib_copy(in->status, sizeof(in->status), s, n, 0);
	in->status_class = s[0] - '0';
	in->recipient_error = strncmp(in->status, "5.1.", 4) == 0;
}

/* The address after "type;" in a Final-Recipient field (section 2.3.2). */
static void
ib_recipient(char *out, const char *v)
{
	const char	*semi;

	out[0] = '\0';
	if (v == NULL)
		return;
	semi = strchr(v, ';');
	ib_addr(out, semi != NULL ? semi + 1 : v);
}

static int	ib_text_status(struct inbound *, struct ib_span);

/* Reads the message/delivery-status part: per-recipient groups. */
static void
ib_dsn_fields(struct ib_walk *w, struct inbound *in)
{
	const char	*p = w->dsn.p, *end = w->dsn.p + w->dsn.n, *v, *s;
	struct ib_head	*h = arena_alloc(w->a, sizeof(*h));
	const char	*bs = NULL, *ba = NULL, *bf = NULL, *bo = NULL, *bd = NULL;
	int		 rank, best = 0, group = 0;
	size_t		 n;

	while (p < end && group < 1000) {
		/* Blank lines between groups. */
		while (p < end && (*p == '\n' || *p == '\r' || ib_wsp(*p)))
			p++;
		if (p >= end)
			break;
		p = ib_head_parse(w->a, p, end, h);
		group++;
		if ((v = ib_get(h, "Action")) == NULL &&
		    ib_get(h, "Final-Recipient") == NULL)
			continue;	/* the per-message group */
		rank = v == NULL ? 1 : strncasecmp(v, "failed", 6) == 0 ? 4 :
		    strncasecmp(v, "delayed", 7) == 0 ? 3 : 2;
		if (rank > best) {
			best = rank;
			ba = v;
			bs = ib_get(h, "Status");
			bf = ib_get(h, "Final-Recipient");
			bo = ib_get(h, "Original-Recipient");
			bd = ib_get(h, "Diagnostic-Code");
			h = arena_alloc(w->a, sizeof(*h));	/* keep these */
		}
	}
	if (best == 0)
		return;
	if (bs != NULL) {
		s = ib_cfws(bs);
		if ((n = ib_status_at(s, s + strlen(s))) > 0)
			ib_set_status(in, s, n);
	}
	/*
	 * A generic X.0.0 (Exim writes 5.0.0 for every failure) gives way to
	 * the reply's own code of the same class in Diagnostic-Code, as in
	 * "smtp; 550 5.1.1 <addr>: User unknown".
	 */
	if (bd != NULL && (in->status[0] == '\0' ||
	    strcmp(in->status + 1, ".0.0") == 0)) {
		struct inbound	 d;
		struct ib_span	 t = { bd, strlen(bd) };

		memset(&d, 0, sizeof(d));
		if (ib_text_status(&d, t) &&
		    (in->status[0] == '\0' || d.status[0] == in->status[0]))
			ib_set_status(in, d.status, strlen(d.status));
	}
	if (in->status_class == 0 && ba != NULL)
		in->status_class = best == 4 ? 5 : best == 3 ? 4 : 2;
	ib_recipient(in->recipient, bf);
	if (in->recipient[0] == '\0')
		ib_recipient(in->recipient, bo);
	if (bd != NULL) {
		struct ib_buf b = { NULL, 0, 0 };
		ib_to_utf8(&b, NULL, bd, strlen(bd));
		ib_clean(in->diagnostic, sizeof(in->diagnostic), b.p, b.len);
		free(b.p);
	}
}

/* ---- non-standard bounces -------------------------------------------------- */

/*
 * Searches a text for a "Message-ID:" line (any case, maybe indented or
 * quoted with '>') and sets the original msg-id from it.
 */
static void
ib_text_msgid(struct ib_walk *w, struct inbound *in, struct ib_span t)
{
	const char	*p = t.p, *end = t.p + t.n, *q, *eol;
	char		*line;

	for (; p < end && in->orig_message_id[0] == '\0'; p = eol) {
		eol = ib_next_line(p, end);
		for (q = p; q < eol && (ib_wsp(*q) || *q == '>'); q++)
			continue;
		if ((size_t)(eol - q) < 11 || strncasecmp(q, "message-id", 10) != 0)
			continue;
		q += 10;
		while (q < eol && ib_wsp(*q))
			q++;
		if (q >= eol || *q != ':')
			continue;
		line = arena_strndup(w->a, q + 1, (size_t)(eol - q - 1));
		line[strcspn(line, "\r\n")] = '\0';
		ib_first_msgid(in->orig_message_id, line);
	}
}

/* 1 if p starts a line (after blanks) or follows ": ". */
static int
ib_code_start(const char *start, const char *p)
{
	const char	*q = p;

	if (q - start >= 2 && q[-1] == ' ' && q[-2] == ':')
		return 1;
	while (q > start && ib_wsp(q[-1]))
		q--;
	return q == start || q[-1] == '\n';
}

/*
 * The status of a bounce's text, best evidence first: "NNN X.Y.Z" whose
 * reply code agrees with the class; "Status: X.Y.Z"; a bare 4.x.x or
 * 5.x.x; a reply code 4xx or 5xx starting a line or after ": ". 1 if set.
 */
static int
ib_text_status(struct inbound *in, struct ib_span t)
{
	const char	*p, *end = t.p + t.n;
	size_t		 n;
	int		 pass;

	for (pass = 0; pass < 4; pass++)
		for (p = t.p; p < end; p++) {
			/* Not in the middle of a number or a dotted run. */
			if (p > t.p && (ib_digit(p[-1]) || p[-1] == '.'))
				continue;
			switch (pass) {
			case 0:
				if (end - p < 9 || (*p != '4' && *p != '5') ||
				    !ib_digit(p[1]) || !ib_digit(p[2]) ||
				    (p[3] != ' ' && p[3] != '-') || p[4] != *p)
					continue;
				if ((n = ib_status_at(p + 4, end)) == 0)
					continue;
				ib_set_status(in, p + 4, n);
				return 1;
			case 1:
				if (end - p < 12 || strncasecmp(p, "status:", 7) != 0)
					continue;
				p += 7;
				while (p < end && ib_wsp(*p))
					p++;
				if ((n = ib_status_at(p, end)) == 0)
					continue;
				ib_set_status(in, p, n);
				return 1;
			case 2:
				if (*p == '2' || (n = ib_status_at(p, end)) == 0)
					continue;
				ib_set_status(in, p, n);
				return 1;
			default:
				if (end - p < 4 || (*p != '4' && *p != '5') ||
				    !ib_digit(p[1]) || !ib_digit(p[2]) ||
				    (p[3] != ' ' && p[3] != '-') || !ib_code_start(t.p, p))
					continue;
				in->status_class = *p - '0';
				snprintf(in->status, sizeof(in->status), "%c.0.0", *p);
				return 1;
			}
		}
	return 0;
}

/* 1 if addr's local part is name (any case). */
static int
ib_local_is(const char *addr, const char *name)
{
	size_t	 k = strlen(name);

	return strncasecmp(addr, name, k) == 0 && addr[k] == '@';
}

/*
 * The first address in a text that is not skip (the inbox's own, the
 * To) nor a postmaster or mailer-daemon: Postfix writes
 * "<jean@example.fr>: host ... said: 550 ...", Exim the address alone,
 * indented, after "failed:".
 */
static void
ib_text_recipient(struct inbound *in, struct ib_span t, const char *skip)
{
	const char	*p = t.p, *end = t.p + t.n, *s, *e, *at;
	char		 addr[EMAIL_MAX + 1];
	size_t		 n;

	while (p < end && (at = memchr(p, '@', (size_t)(end - p))) != NULL) {
		/* Bounded both ways: a run of '@' must not cost n squared. */
		for (s = at; s > t.p && at - s <= EMAIL_MAX &&
		    !strchr(" \t\r\n<>:;,\"'()[]", s[-1]); s--)
			continue;
		for (e = at + 1; e < end && e - at <= EMAIL_MAX &&
		    !strchr(" \t\r\n<>:;,\"'()[]", *e); e++)
			continue;
		while (e > at + 1 && e[-1] == '.')
			e--;
		n = (size_t)(e - s);
		/* Past a run too long to be an address: its '@'s are no better. */
		p = n > EMAIL_MAX ? e : at + 1;
		if (n < 3 || n > EMAIL_MAX)
			continue;
		memcpy(addr, s, n);
		addr[n] = '\0';
		if (!email_valid(addr) || strcasecmp(addr, skip) == 0 ||
		    ib_local_is(addr, "postmaster") ||
		    ib_local_is(addr, "mailer-daemon"))
			continue;
		memcpy(in->recipient, addr, n + 1);
		return;
	}
}

/* Subjects that only bounces start with (any case). */
static const char *const ib_bounce_subjects[] = {
	"Undelivered Mail Returned to Sender",
	"Delivery Status Notification",
	"Undeliverable:", "Undeliverable mail", "Undelivered mail",
	"Non remis", "Message non remis", "Non distribu",
	"Mail delivery failed", "Mail System Error", "Returned mail:",
	"Delivery failure", "Delivery has failed", "Failure notice",
	"Warning: could not send message", "Delivery delayed",
	"\xc3\x89" "chec de la remise", "Unzustellbar", "Delayed Mail",
	NULL,
};

/* Out-of-office subject starts (any case; see ib_prefix). */
static const char *const ib_auto_subjects[] = {
	"R\xc3\xa9ponse automatique", "Reponse automatique", "Absence",
	"Out of Office", "Out of the Office", "Automatic reply", "Auto:",
	"Autoreply", "Auto-reply", "Auto reply", "Absent", "Abwesenheit",
	"Respuesta autom\xc3\xa1tica", "Risposta automatica", NULL,
};

/* Reply markers: the word, then maybe blanks, then ':'. */
static const char *const ib_reply_subjects[] = {
	"Re", "R\xc3\xa9" "f", "Ref", "AW", "SV", "Antw", NULL,
};

/*
 * 1 if s starts with prefix, ASCII letters and the Latin-1 letters
 * U+00C0-U+00DE / U+00E0-U+00FE compared without case.
 */
static int
ib_prefix(const char *s, const char *prefix)
{
	unsigned char	 a, b;
	size_t		 i;

	for (i = 0; prefix[i] != '\0'; i++) {
		a = (unsigned char)s[i];
		b = (unsigned char)prefix[i];
		if (a == 0)
			return 0;
		/* Both strings agree up to i, so one test covers the two. */
		if (i > 0 && (unsigned char)prefix[i - 1] == 0xc3) {
			if (a >= 0x80 && a <= 0x9e && a != 0x97)
				a += 0x20;
			if (b >= 0x80 && b <= 0x9e && b != 0x97)
				b += 0x20;
		}
		if (ib_lower(a) != ib_lower(b))
			return 0;
	}
	return 1;
}

static int
ib_prefix_any(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (ib_prefix(s, *list))
			return 1;
	return 0;
}

/* "Re:" and its kin (RFC 5322 section 3.6.5), French spacing allowed. */
static int
ib_reply_subject(const char *s)
{
	const char *const *r;
	const char	  *q;

	for (r = ib_reply_subjects; *r != NULL; r++) {
		if (!ib_prefix(s, *r))
			continue;
		/* Blanks, the no-break space of French typography too. */
		for (q = s + strlen(*r); *q == ' ' || (q[0] == '\xc2' &&
		    q[1] == '\xa0'); q += *q == ' ' ? 1 : 2)
			continue;
		if (*q == ':')
			return 1;
	}
	return 0;
}

static int
ib_delay_subject(const char *s)
{
	return ib_contains_nocase(s, strlen(s), "delay") ||
	    ib_contains_nocase(s, strlen(s), "retard");
}

/* The non-standard bounce: texts searched, class from the subject. */
static void
ib_bounce(struct ib_walk *w, struct inbound *in, const struct ib_head *h,
    const char *to)
{
	size_t	 i;

	if (in->recipient[0] == '\0')
		ib_addr(in->recipient, ib_get(h, "X-Failed-Recipients"));
	if (in->orig_message_id[0] == '\0')
		memcpy(in->orig_message_id, w->orig_id, sizeof(w->orig_id));
	for (i = 0; i < w->ntexts; i++) {
		if (in->orig_message_id[0] == '\0')
			ib_text_msgid(w, in, w->texts[i]);
		if (in->status[0] == '\0')
			(void)ib_text_status(in, w->texts[i]);
		if (in->recipient[0] == '\0')
			ib_text_recipient(in, w->texts[i], to);
	}
	if (in->status_class == 0)
		in->status_class = ib_delay_subject(in->subject) ? 4 : 5;
}

/* ---- classification ------------------------------------------------------- */

/* 1 if the value of name is present and, when vals is given, one of them. */
static int
ib_has(const struct ib_head *h, const char *name, const char *const *vals)
{
	const char	*v = ib_get(h, name), *s;
	char		 word[32];

	if (v == NULL)
		return 0;
	if (vals == NULL)
		return 1;
	s = ib_cfws(v);
	if (ib_word(&s, word, sizeof(word), 1) == -1)
		return 0;
	for (; *vals != NULL; vals++)
		if (strcmp(word, *vals) == 0)
			return 1;
	return 0;
}

static const char *const ib_auto_precedence[] = { "auto_reply", NULL };
static const char *const ib_bulk_precedence[] = { "bulk", "junk", "list", NULL };

/* The AUTO_REPLY rule that applies, or NULL (rule 5 in inbound.h). */
static const char *
ib_auto_rule(const struct ib_head *h, const struct inbound *in)
{
	const char	*v;
	char		 word[32];

	if ((v = ib_get(h, "Auto-Submitted")) != NULL) {
		v = ib_cfws(v);
		if (ib_word(&v, word, sizeof(word), 1) == 0 && strcmp(word, "no") != 0)
			return "Auto-Submitted (RFC 3834 section 5)";
	}
	if (ib_has(h, "X-Autoreply", NULL))
		return "X-Autoreply";
	if (ib_has(h, "X-Autorespond", NULL))
		return "X-Autorespond";
	if (ib_has(h, "X-Auto-Response-Suppress", NULL))
		return "X-Auto-Response-Suppress";
	if (ib_has(h, "Precedence", ib_auto_precedence))
		return "Precedence: auto_reply";
	if (ib_has(h, "Precedence", ib_bulk_precedence) && in->nrefs > 0)
		return "Precedence: bulk on a reply";
	if ((v = ib_get(h, "Return-Path")) != NULL &&
	    strcmp(ib_cfws(v), "<>") == 0)
		return "null Return-Path (RFC 3834 section 3.3)";
	if (ib_prefix_any(in->subject, ib_auto_subjects))
		return "automatic reply subject";
	return NULL;
}

const char *
inbound_kind_name(enum inbound_kind k)
{
	static const char *const names[INBOUND__MAX] = {
		[INBOUND_OTHER] = "OTHER",
		[INBOUND_REPLY] = "REPLY",
		[INBOUND_AUTO_REPLY] = "AUTO_REPLY",
		[INBOUND_DSN] = "DSN",
	};

	return (unsigned)k < INBOUND__MAX ? names[k] : "?";
}

int
inbound_classify(struct inbound *in, const char *raw, size_t len)
{
	struct ib_walk	 w;
	struct ib_head	*h;
	struct ib_ctype	 ct;
	const char	*end, *v, *rule;
	char		 to[EMAIL_MAX + 1];
	int		 mailer_daemon, postmaster, bounce_subject;

	memset(in, 0, sizeof(*in));
	in->kind = INBOUND_OTHER;
	in->reason = "nothing matched";
	if (len > INBOUND_INPUT_MAX)
		len = INBOUND_INPUT_MAX;
	end = raw + len;
	memset(&w, 0, sizeof(w));
	w.a = arena_new();
	h = arena_alloc(w.a, sizeof(*h));
	ib_head_parse(w.a, raw, end, h);
	if (h->n == 0) {
		in->reason = "no header field";
		arena_free(w.a);
		return -1;
	}
	ib_addr(in->from, ib_get(h, "From"));
	ib_addr(to, ib_get(h, "To"));
	ib_first_msgid(in->message_id, ib_get(h, "Message-ID"));
	if ((v = ib_get(h, "Subject")) != NULL)
		ib_decode_header(in->subject, sizeof(in->subject), v);
	ib_ctype_parse(ib_get(h, "Content-Type"), &ct);
	ib_entity(&w, raw, end, 0);

	mailer_daemon = ib_local_is(in->from, "mailer-daemon");
	postmaster = ib_local_is(in->from, "postmaster");
	bounce_subject = ib_prefix_any(in->subject, ib_bounce_subjects);
	if (strcmp(ct.type, "multipart") == 0 && strcmp(ct.sub, "report") == 0 &&
	    (strcmp(ct.report_type, "delivery-status") == 0 ||
	    strcmp(ct.report_type, "global-delivery-status") == 0)) {
		in->kind = INBOUND_DSN;
		in->reason = "multipart/report delivery-status (RFC 3464)";
		if (w.has_dsn)
			ib_dsn_fields(&w, in);
		memcpy(in->orig_message_id, w.orig_id, sizeof(w.orig_id));
		/* What the fields lack, the texts may say. */
		ib_bounce(&w, in, h, to);
	} else if (strcmp(ct.type, "multipart") == 0 &&
	    strcmp(ct.sub, "report") == 0 &&
	    strcmp(ct.report_type, "disposition-notification") == 0) {
		in->kind = INBOUND_AUTO_REPLY;
		in->reason = "read receipt (RFC 8098)";
	} else if (mailer_daemon || ib_has(h, "X-Failed-Recipients", NULL) ||
	    bounce_subject || (postmaster && w.returned)) {
		in->kind = INBOUND_DSN;
		in->reason = mailer_daemon ? "From MAILER-DAEMON" :
		    bounce_subject ? "bounce subject" : ib_has(h,
		    "X-Failed-Recipients", NULL) ? "X-Failed-Recipients" :
		    "From postmaster with the returned message";
		ib_bounce(&w, in, h, to);
	}
	if (in->kind == INBOUND_DSN) {
		arena_free(w.a);
		return 0;
	}
	ib_refs(in, h);
	/*
	 * List mail that refers to nothing is neither (RFC 2369, RFC 2919):
	 * newsletters carry Precedence: bulk, X-Auto-Response-Suppress and
	 * "Re:" subjects too.
	 */
	if (in->nrefs == 0 && (ib_get(h, "List-Id") != NULL ||
	    ib_get(h, "List-Unsubscribe") != NULL)) {
		in->reason = "list mail (List-Id, List-Unsubscribe)";
		arena_free(w.a);
		return 0;
	}
	if (in->kind == INBOUND_OTHER && (rule = ib_auto_rule(h, in)) != NULL) {
		in->kind = INBOUND_AUTO_REPLY;
		in->reason = rule;
	}
	if (in->kind == INBOUND_OTHER) {
		if (in->nrefs > 0) {
			in->kind = INBOUND_REPLY;
			in->reason = "In-Reply-To or References";
		} else if (ib_reply_subject(in->subject)) {
			in->kind = INBOUND_REPLY;
			in->reason = "reply subject";
		}
	}
	if (in->kind == INBOUND_OTHER)
		in->nrefs = 0, memset(in->refs, 0, sizeof(in->refs));
	arena_free(w.a);
	return 0;
}
