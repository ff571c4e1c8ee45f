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

#include "email.h"
#include "log.h"
#include "mail.h"

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

char *
mail_header_encode(const char *text, size_t used)
{
	struct mbuf	 b = { NULL, 0, 0 };
	char		 enc[128];
	size_t		 len = strlen(text), off = 0, n, max;

	if (mail_ascii(text) && strstr(text, "=?") == NULL) {
		mail_header_fold(&b, text, used);
		return mbuf_take(&b);
	}
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
			mbuf_puts(&b, "\r\n ");
		mbuf_puts(&b, "=?UTF-8?B?");
		mbuf_puts(&b, enc);
		mbuf_puts(&b, "?=");
		off += n;
	}
	if (b.p == NULL)
		mbuf_puts(&b, "");
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

/* The display-name part of "Name <addr>", encoded or quoted as needed. */
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
	if (!mail_ascii(name) || strstr(name, "=?") != NULL) {
		enc = mail_header_encode(name, mail_line_len(b));
		mbuf_puts(b, enc);
		free(enc);
	} else if (strpbrk(name, "()<>[]:;@\\,.\"") != NULL) {
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

char *
mail_build(const struct mail_msg *m)
{
	struct mbuf	 b = { NULL, 0, 0 };
	char		 from[EMAIL_MAX + 1], to[EMAIL_MAX + 1], date[64], *s;
	const char	*dom;
	time_t		 now = time(NULL);
	struct tm	 tm;
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

	if (mail_has_crlf(m->from) || mail_has_crlf(m->to) ||
	    mail_has_crlf(m->subject) || mail_has_crlf(m->reply_to) ||
	    mail_has_crlf(m->msgid) || mail_addr(m->from, from, sizeof(from)) ||
	    !email_valid(m->to) || (m->reply_to != NULL && !email_valid(m->reply_to)) ||
	    email_ascii(to, sizeof(to), m->to) == -1)
		return NULL;
	dom = strrchr(from, '@') + 1;
	gmtime_r(&now, &tm);
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
		mbuf_puts(&b, m->reply_to);
	}
	mbuf_puts(&b, "\r\nSubject: ");
	s = mail_header_encode(m->subject, strlen("Subject: "));
	mbuf_puts(&b, s);
	free(s);
	mbuf_puts(&b, "\r\nDate: ");
	mbuf_puts(&b, date);
	mbuf_puts(&b, "\r\nMessage-ID: <");
	mbuf_puts(&b, m->msgid);
	mbuf_puts(&b, "@");
	mbuf_puts(&b, dom);
	mbuf_puts(&b, ">\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n");
	if (m->auto_submitted)
		mbuf_puts(&b, "Auto-Submitted: auto-generated\r\n");
	mbuf_puts(&b, "\r\n");
	s = mail_qp(m->text);
	mbuf_puts(&b, s);
	free(s);
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

enum mail_rc
mail_send(struct mail_conn *c, const char *from_addr, const char *to_addr,
    const char *msg, char *err, size_t errlen)
{
	const struct mail_server *s = c->srv;
	CURL			*h = c->curl;
	struct curl_slist	*rcpt = NULL;
	struct mail_cursor	 cur = { msg, strlen(msg) };
	char			 ebuf[CURL_ERROR_SIZE], env[EMAIL_MAX + 3];
	long			 code = 0;
	CURLcode		 rc;

	ebuf[0] = '\0';
	if (email_ascii(env + 1, sizeof(env) - 2, to_addr) == -1) {
		snprintf(err, errlen, "the address needs SMTPUTF8, which is not "
		    "supported: %s", to_addr);
		return MAIL_PERMFAIL;
	}
	env[0] = '<';
	strcat(env, ">");
	if ((rcpt = curl_slist_append(NULL, env)) == NULL)
		abort();
	snprintf(env, sizeof(env), "<%s>", from_addr);
	curl_easy_setopt(h, CURLOPT_URL, s->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
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
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, NULL);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(rcpt);
	if (rc == CURLE_OK)
		return MAIL_SENT;
	snprintf(err, errlen, "%s (SMTP %ld)%s", ebuf[0] != '\0' ? ebuf :
	    curl_easy_strerror(rc), code, code == 0 &&
	    (rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_OPERATION_TIMEDOUT ||
	    rc == CURLE_GOT_NOTHING || rc == CURLE_WEIRD_SERVER_REPLY) ?
	    "; check the TLS mode: smtps:// (tls) is implicit TLS, usually "
	    "port 465; smtp:// (starttls) is usually port 587 or 25" : "");
	return code >= 500 && code < 600 && rc != CURLE_LOGIN_DENIED ?
	    MAIL_PERMFAIL : MAIL_TEMPFAIL;
}
