/*
 * Message building and SMTP delivery. libcurl speaks SMTP (EHLO,
 * STARTTLS, AUTH, MAIL/RCPT/DATA) and escapes lines that start with a dot
 * (RFC 5321 section 4.5.2); this file makes the message itself correct.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "chan.h"
#include "email.h"
#include "log.h"
#include "mail.h"

/* RFC 5322 section 2.1.1: a line MUST be at most 998 bytes before CRLF. */
#define MAIL_LINE_MAX	998
/* Where a header is folded when its parts allow (section 2.1.1 SHOULD). */
#define MAIL_FOLD_AT	78

/* A growing string; out of memory aborts. */
struct mbuf {
	char	*p;
	size_t	 len, cap;
};

static void
mbuf_add(struct mbuf *b, const char *s, size_t n)
{
	char	*np;
	size_t	 cap;

	if (b->len + n + 1 > b->cap) {
		cap = b->cap == 0 ? 256 : b->cap;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL)
			abort();
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
mbuf_puts(struct mbuf *b, const char *s)
{
	mbuf_add(b, s, strlen(s));
}

static char *
mbuf_take(struct mbuf *b)
{
	if (b->p == NULL)
		mbuf_add(b, "", 0);
	return b->p;
}

static int
mail_has_crlf(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n") != NULL;
}

int
mail_addr(const char *from, char *addr, size_t addrlen)
{
	const char	*lt, *gt, *s = from, *e;
	size_t		 n;

	if ((lt = strrchr(from, '<')) != NULL) {
		if ((gt = strchr(lt, '>')) == NULL || gt[1] != '\0')
			return -1;
		s = lt + 1;
		e = gt;
	} else {
		while (*s == ' ')
			s++;
		e = s + strlen(s);
		while (e > s && e[-1] == ' ')
			e--;
	}
	n = (size_t)(e - s);
	if (n == 0 || n >= addrlen)
		return -1;
	memcpy(addr, s, n);
	addr[n] = '\0';
	return email_valid(addr) ? 0 : -1;
}

static int
mail_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* The longest run of text without a space, in bytes. */
static size_t
mail_longest_word(const char *text)
{
	size_t	 n, max = 0;

	while (*text != '\0') {
		n = strcspn(text, " ");
		if (n > max)
			max = n;
		text += n;
		text += strspn(text, " ");
	}
	return max;
}

/* Folds printable ASCII at spaces so that lines stay within 78 characters. */
static void
mail_header_fold(struct mbuf *b, const char *text, size_t used)
{
	const char	*p = text, *sp, *cut;
	size_t		 room = used < 78 ? 78 - used : 1, len;

	while ((len = strlen(p)) > room) {
		/* The last space within reach, else the first after (no choice). */
		cut = NULL;
		for (sp = p + 1; sp <= p + room && *sp != '\0'; sp++)
			if (*sp == ' ')
				cut = sp;
		if (cut == NULL && (cut = strchr(p + 1, ' ')) == NULL)
			break;
		mbuf_add(b, p, (size_t)(cut - p));
		mbuf_puts(b, "\r\n");
		p = cut;	/* the space starts the continuation line */
		room = 78;
	}
	mbuf_puts(b, p);
}

/*
 * text as RFC 2047 "B" encoded-words appended to b, whose last line
 * already holds used characters (see mail_header_encode()).
 */
static void
mail_words(struct mbuf *b, const char *text, size_t used)
{
	char		 enc[128];
	size_t		 len = strlen(text), off = 0, n, max;

	while (off < len) {
		/*
		 * An encoded-word is 12 characters of wrapping plus 4 base64
		 * characters per 3 bytes; the first line also holds "used",
		 * the others one folding space. 45 bytes make 72 characters.
		 */
		max = 45;
		if (off == 0 && used + 1 + 72 > 76)
			max = used + 12 + 4 < 76 ? (76 - used - 12) / 4 * 3 : 3;
		n = len - off > max ? max : len - off;
		while (off + n < len && n > 0 &&
		    ((unsigned char)text[off + n] & 0xc0) == 0x80)
			n--;
		if (n == 0)
			n = len - off > max ? max : len - off;
		sodium_bin2base64(enc, sizeof(enc), (const unsigned char *)text + off,
		    n, sodium_base64_VARIANT_ORIGINAL);
		if (off > 0)
			mbuf_puts(b, "\r\n ");
		mbuf_puts(b, "=?UTF-8?B?");
		mbuf_puts(b, enc);
		mbuf_puts(b, "?=");
		off += n;
	}
}

char *
mail_header_encode(const char *text, size_t used)
{
	struct mbuf	 b = { NULL, 0, 0 };

	if (mail_ascii(text) && strstr(text, "=?") == NULL &&
	    mail_longest_word(text) + (used > 0 ? used : 1) <= MAIL_LINE_MAX)
		mail_header_fold(&b, text, used);
	else
		mail_words(&b, text, used);
	return mbuf_take(&b);
}

char *
mail_qp(const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	struct mbuf	  b = { NULL, 0, 0 };
	const char	 *line = text, *nl;
	size_t		  n, i, col;
	char		  esc[4];

	for (;;) {
		nl = strchr(line, '\n');
		n = nl != NULL ? (size_t)(nl - line) : strlen(line);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		col = 0;
		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)line[i];
			int last = i + 1 == n;
			int lit = (c >= 33 && c <= 126 && c != '=') ||
			    ((c == ' ' || c == '\t') && !last);
			size_t w = lit ? 1 : 3;
			if (col + w > 75) {
				mbuf_puts(&b, "=\r\n");
				col = 0;
			}
			/*
			 * "From " starting any physical line, also after a soft
			 * break, is mangled by mbox tools: write its F as =46.
			 */
			if (col == 0 && c == 'F' && n - i >= 5 &&
			    strncmp(line + i, "From ", 5) == 0 && lit) {
				lit = 0;
				w = 3;
			}
			if (lit)
				mbuf_add(&b, (const char *)&line[i], 1);
			else {
				esc[0] = '=';
				esc[1] = hex[c >> 4];
				esc[2] = hex[c & 15];
				mbuf_add(&b, esc, 3);
			}
			col += w;
		}
		if (nl == NULL)
			break;
		mbuf_puts(&b, "\r\n");
		line = nl + 1;
	}
	if (b.len < 2 || strcmp(b.p + b.len - 2, "\r\n") != 0)
		mbuf_puts(&b, "\r\n");
	return mbuf_take(&b);
}

/* Characters on the last line of b. */
static size_t
mail_line_len(const struct mbuf *b)
{
	const char	*p;

	if (b->p == NULL)
		return 0;
	for (p = b->p + b->len; p > b->p && p[-1] != '\n'; p--)
		;
	return (size_t)(b->p + b->len - p);
}

/*
 * The From header's value: "addr" alone, or the display name (encoded or
 * quoted as needed) and "<addr>", folded before the address when the line
 * would pass 78 characters.
 */
static void
mail_from_header(struct mbuf *b, const char *from, const char *addr)
{
	const char	*lt = strrchr(from, '<');
	char		*name, *enc;
	size_t		 n;

	if (lt == NULL) {
		mbuf_puts(b, addr);
		return;
	}
	n = (size_t)(lt - from);
	while (n > 0 && from[n - 1] == ' ')
		n--;
	if (n == 0) {
		mbuf_puts(b, addr);
		return;
	}
	if ((name = strndup(from, n)) == NULL)
		abort();
	/* A name too long for one line is encoded too: words fold anywhere. */
	if (!mail_ascii(name) || strstr(name, "=?") != NULL || n > 200)
		mail_words(b, name, mail_line_len(b));
	else if (strpbrk(name, "()<>[]:;@\\,.\"") != NULL) {
		mbuf_puts(b, "\"");
		for (enc = name; *enc != '\0'; enc++) {
			if (*enc == '"' || *enc == '\\')
				mbuf_puts(b, "\\");
			mbuf_add(b, enc, 1);
		}
		mbuf_puts(b, "\"");
	} else
		mbuf_puts(b, name);
	free(name);
	mbuf_puts(b, mail_line_len(b) + strlen(addr) + 3 > 78 ? "\r\n <" : " <");
	mbuf_puts(b, addr);
	mbuf_puts(b, ">");
}

/* RFC 5322 section 3.2.3 atext, for dot-atom-text message-id left parts. */
static int
mail_atext(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* 1 if s is dot-atom-text (section 3.2.3) of 1 to max characters. */
static int
mail_dot_atom(const char *s, size_t max)
{
	size_t	 n = strlen(s), i;

	if (n == 0 || n > max || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == '.' ? s[i + 1] == '.' : !mail_atext((unsigned char)s[i]))
			return 0;
	return 1;
}

/* The longest msg-id accepted in In-Reply-To and References. */
#define MAIL_MSGID_REF_MAX	250

/*
 * 1 if the n bytes at s are one msg-id as the worker stores them:
 * "<left@right>" (RFC 5322 section 3.6.4) of printable ASCII, no blank,
 * no other angle bracket, one '@' with text on both sides.
 */
static int
mail_msgid_ok(const char *s, size_t n)
{
	const char	*at = NULL;
	size_t		 i;

	if (n < 5 || n > MAIL_MSGID_REF_MAX || s[0] != '<' || s[n - 1] != '>')
		return 0;
	for (i = 1; i + 1 < n; i++) {
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '<' || s[i] == '>')
			return 0;
		if (s[i] == '@') {
			if (at != NULL)
				return 0;
			at = s + i;
		}
	}
	return at != NULL && at > s + 1 && at < s + n - 2;
}

/*
 * Writes name and the blank-separated msg-ids of list, folded between
 * ids (RFC 5322 section 3.2.2). 0, or -1 if one is malformed or there is
 * none.
 */
static int
mail_msgid_header(struct mbuf *b, const char *name, const char *list)
{
	const char	*p = list;
	size_t		 n, count = 0;

	mbuf_puts(b, name);
	mbuf_puts(b, ":");
	for (;;) {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		n = strcspn(p, " \t");
		if (!mail_msgid_ok(p, n))
			return -1;
		mbuf_puts(b, mail_line_len(b) + 1 + n > MAIL_FOLD_AT ? "\r\n " : " ");
		mbuf_add(b, p, n);
		p += n;
		count++;
	}
	mbuf_puts(b, "\r\n");
	return count > 0 ? 0 : -1;
}

/* 1 if url is an http(s) URL fit for List-Unsubscribe (see mail.h). */
static int
mail_unsub_url_ok(const char *url)
{
	const char	*p;

	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
		return 0;
	if (strlen(url) > 900 || url[strcspn(url, ":") + 3] == '\0')
		return 0;
	/* RFC 3986 section 2: unreserved, reserved and '%', less , < >. */
	for (p = url; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~:/?#[]@!$&'()*+;=%",
		    *p) != NULL))
			return 0;
	return 1;
}

/*
 * List-Unsubscribe (RFC 2369 section 3.2) and, for an https URL,
 * List-Unsubscribe-Post (RFC 8058 section 3.1). addr is already in
 * A-labels; characters of it that RFC 6068 section 2 does not allow raw
 * in a mailto URI are percent-encoded. Nothing when both are NULL.
 */
static void
mail_unsub_headers(struct mbuf *b, const char *url, const char *addr)
{
	static const char hex[] = "0123456789ABCDEF";
	struct mbuf	  u = { NULL, 0, 0 };
	char		  esc[4];
	const char	 *p;

	if (url == NULL && addr == NULL)
		return;
	mbuf_puts(b, "List-Unsubscribe:");
	if (url != NULL) {
		mbuf_puts(b, mail_line_len(b) + 3 + strlen(url) > MAIL_FOLD_AT ?
		    "\r\n <" : " <");
		mbuf_puts(b, url);
		mbuf_puts(b, ">");
	}
	if (addr != NULL) {
		mbuf_puts(&u, "<mailto:");
		for (p = addr; *p != '\0'; p++) {
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || strchr("-._~!$'*+=@", *p) != NULL)
				mbuf_add(&u, p, 1);
			else {
				esc[0] = '%';
				esc[1] = hex[(unsigned char)*p >> 4];
				esc[2] = hex[*p & 15];
				mbuf_add(&u, esc, 3);
			}
		}
		mbuf_puts(&u, "?subject=unsubscribe>");
		if (url != NULL)
			mbuf_puts(b, ",");
		mbuf_puts(b, mail_line_len(b) + 1 + u.len > MAIL_FOLD_AT ?
		    "\r\n " : " ");
		mbuf_puts(b, u.p);
		free(u.p);
	}
	mbuf_puts(b, "\r\n");
	if (url != NULL && strncmp(url, "https://", 8) == 0)
		mbuf_puts(b, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
}

/* 1 if tag is 1 to 128 of [A-Za-z0-9._-]. */
static int
mail_tag_ok(const char *tag)
{
	size_t	 n = strlen(tag);

	return n > 0 && n <= 128 && strspn(tag, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* The content headers of one UTF-8 quoted-printable text part. */
static void
mail_part_headers(struct mbuf *b, const char *subtype)
{
	mbuf_puts(b, "Content-Type: text/");
	mbuf_puts(b, subtype);
	mbuf_puts(b, "; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n");
}

static void
mail_qp_add(struct mbuf *b, const char *text)
{
	char	*s = mail_qp(text);

	mbuf_puts(b, s);
	free(s);
}

/*
 * One part of a multipart body: delimiter, content headers, text. The
 * text's last CRLF is its own line end; the CRLF after it belongs to the
 * next delimiter (RFC 2046 section 5.1.1), so it is written here.
 */
static void
mail_part(struct mbuf *b, const char *bound, const char *subtype,
    const char *text)
{
	mbuf_puts(b, "--");
	mbuf_puts(b, bound);
	mbuf_puts(b, "\r\n");
	mail_part_headers(b, subtype);
	mbuf_puts(b, "\r\n");
	mail_qp_add(b, text);
	mbuf_puts(b, "\r\n");
}

/* 1 if every line of s ends in CRLF, without a bare CR or LF, within 998. */
static int
mail_lines_ok(const char *s)
{
	const char	*eol;

	for (; *s != '\0'; s = eol + 2) {
		eol = s + strcspn(s, "\r\n");
		if (eol[0] != '\r' || eol[1] != '\n' || eol - s > MAIL_LINE_MAX)
			return 0;
	}
	return 1;
}

/* The address of an optional field in A-labels, or "" when absent; -1: bad. */
static int
mail_opt_addr(char *out, size_t outlen, const char *addr)
{
	out[0] = '\0';
	if (addr == NULL)
		return 0;
	if (!email_valid(addr) || email_ascii(out, outlen, addr) == -1)
		return -1;
	return 0;
}

char *
mail_build(const struct mail_msg *m)
{
	return mail_build_id(m, NULL, 0);
}

char *
mail_build_id(const struct mail_msg *m, char *msgid, size_t msgidlen)
{
	struct mbuf	 b = { NULL, 0, 0 };
	char		 from[EMAIL_MAX + 1], to[EMAIL_MAX + 1], date[64], *s;
	char		 reply[EMAIL_MAX + 1], unsub[EMAIL_MAX + 1], left[65];
	char		 alabel[EMAIL_MAX + 1];
	char		 bound[2 + 32 + 1], id[MAIL_MSGID_MAX];
	unsigned char	 rnd[16];
	const char	*dom;
	time_t		 now = m->date != 0 ? m->date : time(NULL);
	struct tm	 tm;
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

	if (mail_has_crlf(m->from) || mail_has_crlf(m->to) ||
	    mail_has_crlf(m->subject) || mail_has_crlf(m->reply_to) ||
	    mail_has_crlf(m->msgid) || mail_has_crlf(m->unsubscribe_url) ||
	    mail_has_crlf(m->unsubscribe_mailto) ||
	    mail_has_crlf(m->in_reply_to) || mail_has_crlf(m->references) ||
	    mail_has_crlf(m->tag) || m->text == NULL || m->subject == NULL)
		return NULL;
	if (m->from == NULL || m->to == NULL ||
	    mail_addr(m->from, from, sizeof(from)) ||
	    !email_valid(m->to) || email_ascii(to, sizeof(to), m->to) == -1 ||
	    mail_opt_addr(reply, sizeof(reply), m->reply_to) == -1 ||
	    mail_opt_addr(unsub, sizeof(unsub), m->unsubscribe_mailto) == -1 ||
	    (m->msgid != NULL && !mail_dot_atom(m->msgid, sizeof(left) - 1)) ||
	    (m->unsubscribe_url != NULL && !mail_unsub_url_ok(m->unsubscribe_url)) ||
	    (m->tag != NULL && !mail_tag_ok(m->tag)))
		return NULL;
	/* A From domain in U-labels would put 8-bit bytes in the header. */
	if (!mail_ascii(from)) {
		if (email_ascii(alabel, sizeof(alabel), from) == -1)
			return NULL;
		memcpy(from, alabel, sizeof(from));
	}
	dom = strrchr(from, '@') + 1;
	if (m->msgid != NULL)
		snprintf(left, sizeof(left), "%s", m->msgid);
	else {
		randombytes_buf(rnd, sizeof(rnd));
		sodium_bin2hex(left, sizeof(left), rnd, sizeof(rnd));
	}
	snprintf(id, sizeof(id), "<%s@%s>", left, dom);
	if (gmtime_r(&now, &tm) == NULL || tm.tm_year + 1900 > 9999 ||
	    tm.tm_year + 1900 < 1900)
		return NULL;
	/* Not strftime: the names must be English whatever the locale. */
	snprintf(date, sizeof(date), "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);

	mbuf_puts(&b, "From: ");
	mail_from_header(&b, m->from, from);
	mbuf_puts(&b, "\r\nTo: ");
	mbuf_puts(&b, to);
	if (m->reply_to != NULL) {
		mbuf_puts(&b, "\r\nReply-To: ");
		mbuf_puts(&b, reply);
	}
	mbuf_puts(&b, "\r\nSubject: ");
	s = mail_header_encode(m->subject, strlen("Subject: "));
	mbuf_puts(&b, s);
	free(s);
	mbuf_puts(&b, "\r\nDate: ");
	mbuf_puts(&b, date);
	mbuf_puts(&b, "\r\nMessage-ID: ");
	mbuf_puts(&b, id);
	mbuf_puts(&b, "\r\n");
	if ((m->in_reply_to != NULL &&
	    (!mail_msgid_ok(m->in_reply_to, strlen(m->in_reply_to)) ||
	    mail_msgid_header(&b, "In-Reply-To", m->in_reply_to) == -1)) ||
	    (m->references != NULL &&
	    mail_msgid_header(&b, "References", m->references) == -1)) {
		free(b.p);
		return NULL;
	}
	mail_unsub_headers(&b, m->unsubscribe_url,
	    m->unsubscribe_mailto != NULL ? unsub : NULL);
	if (m->tag != NULL) {
		mbuf_puts(&b, "X-Prospea-Message: ");
		mbuf_puts(&b, m->tag);
		mbuf_puts(&b, "\r\n");
	}
	mbuf_puts(&b, "MIME-Version: 1.0\r\n");
	if (m->html == NULL)
		mail_part_headers(&b, "plain");
	else {
		randombytes_buf(rnd, sizeof(rnd));
		bound[0] = '=';
		bound[1] = '_';
		sodium_bin2hex(bound + 2, sizeof(bound) - 2, rnd, sizeof(rnd));
		mbuf_puts(&b, "Content-Type: multipart/alternative;\r\n"
		    " boundary=\"");
		mbuf_puts(&b, bound);
		mbuf_puts(&b, "\"\r\n");
	}
	if (m->auto_submitted)
		mbuf_puts(&b, "Auto-Submitted: auto-generated\r\n");
	mbuf_puts(&b, "\r\n");
	if (m->html == NULL)
		mail_qp_add(&b, m->text);
	else {
		mail_part(&b, bound, "plain", m->text);
		mail_part(&b, bound, "html", m->html);
		mbuf_puts(&b, "--");
		mbuf_puts(&b, bound);
		mbuf_puts(&b, "--\r\n");
	}
	if (!mail_lines_ok(b.p)) {
		log_err("mail_build: a line over %d bytes was made", MAIL_LINE_MAX);
		free(b.p);
		return NULL;
	}
	if (msgid != NULL && msgidlen > 0)
		snprintf(msgid, msgidlen, "%s", id);
	return mbuf_take(&b);
}

struct mail_conn {
	CURL			*curl;
	const struct mail_server *srv;
};

struct mail_cursor {
	const char	*p;
	size_t		 left;
};

static size_t
mail_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct mail_cursor	*c = arg;
	size_t			 n = size * nitems;

	if (n > c->left)
		n = c->left;
	memcpy(buf, c->p, n);
	c->p += n;
	c->left -= n;
	return n;
}

struct mail_conn *
mail_conn_new(const struct mail_server *s)
{
	struct mail_conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		abort();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((c->curl = curl_easy_init()) == NULL)
		abort();
	c->srv = s;
	return c;
}

void
mail_conn_free(struct mail_conn *c)
{
	if (c == NULL)
		return;
	curl_easy_cleanup(c->curl);
	free(c);
}

/*
 * The server's reply lines of one send, as libcurl's debug callback sees
 * them (CURLINFO_HEADER_IN only: the client's lines carry AUTH and are
 * never looked at): the last error reply (4xx or 5xx) and the last
 * positive completion (2xx), for the enhanced status code of a refusal
 * and the queue id of an acceptance.
 */
struct mail_trace {
	char	 bad[512];
	char	 good[512];
};

static int
mail_trace_cb(CURL *h, curl_infotype type, char *data, size_t n, void *arg)
{
	struct mail_trace	*t = arg;
	char			*dst;

	(void)h;
	if (type != CURLINFO_HEADER_IN || n < 3 ||
	    strspn(data, "0123456789") < 3)
		return 0;
	dst = data[0] == '4' || data[0] == '5' ? t->bad :
	    data[0] == '2' ? t->good : NULL;
	if (dst == NULL)
		return 0;
	while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
		n--;
	if (n >= sizeof(t->bad))
		n = sizeof(t->bad) - 1;
	memcpy(dst, data, n);
	dst[n] = '\0';
	return 0;
}

/*
 * The reply code and enhanced status code (RFC 3463) of a reply line,
 * "550 5.1.1 <a@b>: ..." or "550-5.1.1 ...", into r.
 */
static void
mail_reply_parse(struct mail_reply *r, const char *line)
{
	const char	*p = line;
	size_t		 n;

	snprintf(r->text, sizeof(r->text), "%s", line);
	if (strspn(p, "0123456789") != 3 || (p[3] != ' ' && p[3] != '-' &&
	    p[3] != '\0'))
		return;
	r->code = strtol(p, NULL, 10);
	p += 3;
	p += strspn(p, " -");
	/* class "." subject "." detail: 2, 4 or 5, then 1-3 digits twice */
	n = strspn(p, "0123456789.");
	if (n >= 5 && n < sizeof(r->status) && (p[0] == '2' || p[0] == '4' ||
	    p[0] == '5') && p[1] == '.' && (p[n] == ' ' || p[n] == '\0')) {
		memcpy(r->status, p, n);
		r->status[n] = '\0';
	}
}

/* The id in "... queued as X" (X: printable ASCII up to a blank). */
static void
mail_queue_id(struct mail_reply *r)
{
	const char	*p = strstr(r->text, "queued as ");
	size_t		 n;

	if (p == NULL)
		return;
	p += strlen("queued as ");
	n = strcspn(p, " \t\r\n");
	if (n == 0 || n >= sizeof(r->queue_id))
		return;
	memcpy(r->queue_id, p, n);
	r->queue_id[n] = '\0';
	for (n = 0; r->queue_id[n] != '\0'; n++)
		if (r->queue_id[n] < '!' || r->queue_id[n] > '~')
			r->queue_id[n] = '_';
}

enum mail_rc
mail_send(struct mail_conn *c, const char *from_addr, const char *to_addr,
    const char *msg, char *err, size_t errlen)
{
	struct mail_reply	 r;
	enum mail_rc		 rc;

	rc = mail_deliver(c, from_addr, to_addr, msg, &r);
	if (rc != MAIL_SENT)
		snprintf(err, errlen, "%s", r.err);
	return rc;
}

enum mail_rc
mail_deliver(struct mail_conn *c, const char *from_addr, const char *to_addr,
    const char *msg, struct mail_reply *out)
{
	const struct mail_server *s = c->srv;
	CURL			*h = c->curl;
	struct curl_slist	*rcpt = NULL;
	struct mail_cursor	 cur = { msg, strlen(msg) };
	struct mail_trace	 t;
	char			 ebuf[CURL_ERROR_SIZE], env[EMAIL_MAX + 3];
	long			 code = 0;
	CURLcode		 rc;

	memset(out, 0, sizeof(*out));
	memset(&t, 0, sizeof(t));
	ebuf[0] = '\0';
	if (email_ascii(env + 1, sizeof(env) - 2, to_addr) == -1) {
		snprintf(out->err, sizeof(out->err), "the address needs SMTPUTF8, "
		    "which is not supported: %s", to_addr);
		return MAIL_PERMFAIL;
	}
	env[0] = '<';
	strcat(env, ">");
	if ((rcpt = curl_slist_append(NULL, env)) == NULL)
		abort();
	snprintf(env, sizeof(env), "<%s>", from_addr);
	curl_easy_setopt(h, CURLOPT_URL, s->url);
	if (s->public_only)
		chan_public_only(h, NULL);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(h, CURLOPT_PROXY, "");	/* as chan_curl_setup() */
	curl_easy_setopt(h, CURLOPT_USE_SSL, s->security == SMTP_NONE ?
	    (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (s->cafile != NULL && *s->cafile != '\0')
		curl_easy_setopt(h, CURLOPT_CAINFO, s->cafile);
	if (s->user != NULL && *s->user != '\0') {
		curl_easy_setopt(h, CURLOPT_USERNAME, s->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, s->password);
	}
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, env);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, mail_read);
	curl_easy_setopt(h, CURLOPT_READDATA, &cur);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)cur.left);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, s->timeout);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, s->timeout);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	/* Verbose only feeds the callback: nothing goes to stderr. */
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, mail_trace_cb);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, &t);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, NULL);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, NULL);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 0L);
	curl_slist_free_all(rcpt);
	if (rc == CURLE_OK) {
		mail_reply_parse(out, t.good);
		mail_queue_id(out);
		return MAIL_SENT;
	}
	/* The refusal that ended the transaction; libcurl's code wins. */
	mail_reply_parse(out, t.bad);
	if (code != 0 && code != out->code) {
		out->code = code;
		out->status[0] = '\0';
	}
	/*
	 * The last answer was DATA's go-ahead (RFC 5321 section 4.1.1.4):
	 * the message went, or some of it, and its fate is unknown.
	 */
	out->unsure = out->code == 354;
	snprintf(out->err, sizeof(out->err), "%s (SMTP %ld)%s%s%s",
	    ebuf[0] != '\0' ? ebuf : curl_easy_strerror(rc), out->code,
	    out->text[0] != '\0' ? "; the server said: " : "", out->text,
	    code == 0 && (rc == CURLE_SSL_CONNECT_ERROR ||
	    rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_GOT_NOTHING ||
	    rc == CURLE_WEIRD_SERVER_REPLY) ?
	    "; check the TLS mode: smtps:// (tls) is implicit TLS, usually "
	    "port 465; smtp:// (starttls) is usually port 587 or 25" : "");
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_USE_SSL_FAILED:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_LOGIN_DENIED:
		out->session = 1;
		break;
	default:
		/* Nothing answered at all: the server, not this message. */
		out->session = out->code == 0;
		break;
	}
	return out->code >= 500 && out->code < 600 && rc != CURLE_LOGIN_DENIED ?
	    MAIL_PERMFAIL : MAIL_TEMPFAIL;
}
