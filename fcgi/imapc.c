/*
 * IMAP through libcurl. One easy handle per poll keeps one connection and
 * one login for all its commands. Commands whose answers libcurl does not
 * parse (STATUS, UID SEARCH, UID STORE) go as custom requests: libcurl
 * passes their untagged answers to the write callback, where the parsers
 * below read them; a FETCH goes through libcurl's own URL form
 * (";UID=n;PARTIAL=0.m", RFC 5092), which also SELECTs the mailbox and
 * checks its UIDVALIDITY.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "chan.h"
#include "imapc.h"

struct imapc {
	const struct imapc_server *srv;
	CURL			*h;
	struct chan_trace	 trace;
	struct chan_buf		 buf;
	char			 ebuf[CURL_ERROR_SIZE];
	char			 url[1024];
};

/* A list of UIDs as UID SEARCH answers them. */
struct imapc_uids {
	uint32_t	*v;
	size_t		 n, cap;
};

static void
imapc_uids_add(struct imapc_uids *u, uint32_t uid)
{
	uint32_t	*nv;

	if (u->n == u->cap) {
		u->cap = u->cap == 0 ? 64 : u->cap * 2;
		if ((nv = reallocarray(u->v, u->cap, sizeof(*nv))) == NULL)
			abort();
		u->v = nv;
	}
	u->v[u->n++] = uid;
}

static int
imapc_uid_cmp(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
imapc_uids_has(const struct imapc_uids *u, uint32_t uid)
{
	return u->n > 0 && bsearch(&uid, u->v, u->n, sizeof(uid),
	    imapc_uid_cmp) != NULL;
}

/* A decimal nz-number (RFC 9051 section 9) at *p, which moves past it. */
static int
imapc_number(const char **p, uint32_t *out)
{
	char		*e;
	unsigned long	 v;

	if (!isdigit((unsigned char)**p))
		return -1;
	errno = 0;
	v = strtoul(*p, &e, 10);
	if (errno != 0 || v > UINT32_MAX)
		return -1;
	*p = e;
	*out = (uint32_t)v;
	return 0;
}

/*
 * The UIDs of every "* SEARCH n n n" line in text, at least min, sorted
 * (other untagged answers may come between: EXISTS, FETCH of flags).
 */
static int
imapc_parse_search(const char *text, uint32_t min, struct imapc_uids *u)
{
	const char	*l = text, *p;
	uint32_t	 uid;

	for (; l != NULL && *l != '\0'; l = strchr(l, '\n'), l = l ? l + 1 : l) {
		if (strncasecmp(l, "* SEARCH", 8) != 0)
			continue;
		for (p = l + 8; *p == ' '; ) {
			while (*p == ' ')
				p++;
			if (*p == '\r' || *p == '\n' || *p == '\0')
				break;
			if (imapc_number(&p, &uid) == -1)
				return -1;
			if (uid >= min)
				imapc_uids_add(u, uid);
		}
	}
	if (u->n > 0)
		qsort(u->v, u->n, sizeof(*u->v), imapc_uid_cmp);
	return 0;
}

/* UIDVALIDITY, UIDNEXT and MESSAGES of a "* STATUS mbox (...)" answer. */
static int
imapc_parse_status(const char *text, struct imapc_poll *out)
{
	const char	*p = strstr(text, "* STATUS "), *name;
	uint32_t	 v;
	size_t		 n;
	int		 seen = 0;

	if (p == NULL || (p = strchr(p, '(')) == NULL)
		return -1;
	for (p++; *p != ')' && *p != '\0'; ) {
		while (*p == ' ')
			p++;
		name = p;
		n = strcspn(p, " )");
		p += n;
		if (*p != ' ')
			break;
		p++;
		if (imapc_number(&p, &v) == -1)
			return -1;
		if (n == 11 && strncasecmp(name, "UIDVALIDITY", n) == 0) {
			out->uidvalidity = v;
			seen |= 1;
		} else if (n == 7 && strncasecmp(name, "UIDNEXT", n) == 0) {
			out->uidnext = v;
			seen |= 2;
		} else if (n == 8 && strncasecmp(name, "MESSAGES", n) == 0)
			out->exists = v;
	}
	return seen == 3 && out->uidvalidity != 0 ? 0 : -1;
}

/* The server's line without libcurl's command tag ("A004 NO ..." -> "NO ..."). */
static const char *
imapc_untag(const char *line)
{
	const char	*p = line;

	if (*p == 'A' || *p == 'B') {
		for (p++; isdigit((unsigned char)*p); p++)
			;
		if (*p == ' ' && p > line + 1)
			return p + 1;
	}
	return line;
}

static void
imapc_open(struct imapc *c, const struct imapc_server *s)
{
	memset(c, 0, sizeof(*c));
	c->srv = s;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((c->h = curl_easy_init()) == NULL)
		abort();
	chan_curl_setup(c->h, "imap,imaps", s->security, s->cafile, s->timeout,
	    s->user, s->password, &c->trace);
	if (s->public_only)
		chan_public_only(c->h, &c->trace);
	curl_easy_setopt(c->h, CURLOPT_ERRORBUFFER, c->ebuf);
	curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, chan_buf_write);
	curl_easy_setopt(c->h, CURLOPT_WRITEDATA, &c->buf);
}

/* Checks s's URL, then opens c: CHAN_OK, or CHAN_POLICY with err. */
static enum chan_rc
imapc_start(struct imapc *c, const struct imapc_server *s, char *err,
    size_t errlen)
{
	if (chan_url_check(s->url, s->security, "imap", "imaps", err,
	    errlen) == -1)
		return CHAN_POLICY;
	imapc_open(c, s);
	return CHAN_OK;
}

static void
imapc_close(struct imapc *c)
{
	curl_easy_cleanup(c->h);
	chan_buf_reset(&c->buf);
}

/*
 * One command: path after the server's URL ("" or "INBOX;UIDVALIDITY=7"),
 * custom the command (NULL: libcurl's own FETCH of the path), max the
 * bytes kept of the answer (0: all). Each command gets timeout seconds
 * plus one per 64 KiB it may carry.
 */
static enum chan_rc
imapc_do(struct imapc *c, const char *path, const char *custom, size_t max,
    char *err, size_t errlen)
{
	const struct imapc_server *s = c->srv;
	CURLcode	 rc;
	int		 n;

	n = snprintf(c->url, sizeof(c->url), "%s%s%s", s->url,
	    s->url[strlen(s->url) - 1] == '/' ? "" : "/", path);
	if (n < 0 || (size_t)n >= sizeof(c->url)) {
		snprintf(err, errlen, "the server address is too long");
		return CHAN_POLICY;
	}
	chan_buf_reset(&c->buf);
	c->buf.max = max;
	c->ebuf[0] = '\0';
	curl_easy_setopt(c->h, CURLOPT_URL, c->url);
	curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, custom);
	curl_easy_setopt(c->h, CURLOPT_TIMEOUT, s->timeout * 2 +
	    (long)(max / 65536));
	if ((rc = curl_easy_perform(c->h)) != CURLE_OK)
		return chan_curl_fail(c->h, rc, c->ebuf, &c->trace,
		    s->security == SMTP_TLS, err, errlen);
	return CHAN_OK;
}

static enum chan_rc
imapc_status(struct imapc *c, struct imapc_poll *out, char *err, size_t errlen)
{
	enum chan_rc	 r;

	if ((r = imapc_do(c, "", "STATUS INBOX (UIDVALIDITY UIDNEXT MESSAGES)",
	    0, err, errlen)) != CHAN_OK)
		return r;
	if (c->buf.p == NULL || imapc_parse_status(c->buf.p, out) == -1) {
		snprintf(err, errlen, "the server's STATUS answer has no "
		    "UIDVALIDITY and UIDNEXT: \"%s\"", imapc_untag(c->trace.last));
		return CHAN_SERVER;
	}
	return CHAN_OK;
}

/* UID SEARCH UID from:* [extra] in the selected INBOX. */
static enum chan_rc
imapc_search(struct imapc *c, const char *box, uint32_t from,
    const char *extra, struct imapc_uids *u, char *err, size_t errlen)
{
	char		 cmd[96];
	enum chan_rc	 r;

	snprintf(cmd, sizeof(cmd), "UID SEARCH UID %u:*%s", (unsigned)from,
	    extra);
	if ((r = imapc_do(c, box, cmd, 0, err, errlen)) != CHAN_OK)
		return r;
	if (imapc_parse_search(c->buf.p != NULL ? c->buf.p : "", from, u) == -1) {
		snprintf(err, errlen, "the server's SEARCH answer is not a list "
		    "of UIDs");
		return CHAN_SERVER;
	}
	return CHAN_OK;
}

/*
 * Takes \Seen off the fetched messages that did not have it before, in
 * commands of at most about 1000 bytes (RFC 9051 section 4 asks clients to
 * keep command lines reasonable; servers refuse very long ones).
 */
static enum chan_rc
imapc_unsee(struct imapc *c, const char *box, const struct imapc_poll *out,
    const struct imapc_uids *seen, char *err, size_t errlen)
{
	char		 cmd[1100];
	size_t		 i, len = 0;
	enum chan_rc	 r;

	for (i = 0; i < out->n; i++) {
		if (imapc_uids_has(seen, out->msgs[i].uid))
			continue;
		len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, "%s%u",
		    len == 0 ? "UID STORE " : ",", (unsigned)out->msgs[i].uid);
		if (len < 1000 && i + 1 < out->n)
			continue;
		snprintf(cmd + len, sizeof(cmd) - len, " -FLAGS.SILENT (\\Seen)");
		if ((r = imapc_do(c, box, cmd, 0, err, errlen)) != CHAN_OK)
			return r;
		len = 0;
	}
	if (len == 0)
		return CHAN_OK;
	snprintf(cmd + len, sizeof(cmd) - len, " -FLAGS.SILENT (\\Seen)");
	return imapc_do(c, box, cmd, 0, err, errlen);
}

enum chan_rc
imapc_poll_new(const struct imapc_server *s, uint32_t uidvalidity,
    uint32_t last_uid, size_t max_msgs, size_t max_bytes,
    struct imapc_poll *out, char *err, size_t errlen)
{
	struct imapc	 c;
	struct imapc_uids all = { NULL, 0, 0 }, seen = { NULL, 0, 0 };
	struct imapc_msg *m;
	char		 box[64], path[160];
	uint32_t	 from;
	size_t		 i, n;
	enum chan_rc	 r;

	memset(out, 0, sizeof(*out));
	if (imapc_start(&c, s, err, errlen) != CHAN_OK)
		return CHAN_POLICY;
	if ((r = imapc_status(&c, out, err, errlen)) != CHAN_OK)
		goto done;
	out->reset = uidvalidity != out->uidvalidity;
	from = out->reset ? 1 : last_uid + 1;
	if (from == 0 || out->uidnext <= from || out->exists == 0)
		goto done;
	/* The UIDs only mean something under this UIDVALIDITY. */
	snprintf(box, sizeof(box), "INBOX;UIDVALIDITY=%u",
	    (unsigned)out->uidvalidity);
	if ((r = imapc_search(&c, box, from, "", &all, err, errlen)) != CHAN_OK ||
	    all.n == 0 ||
	    (r = imapc_search(&c, box, from, " SEEN", &seen, err, errlen)) != CHAN_OK)
		goto done;
	n = all.n < max_msgs ? all.n : max_msgs;
	out->more = all.n > n;
	if ((out->msgs = calloc(n, sizeof(*out->msgs))) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/;UID=%u;PARTIAL=0.%zu", box,
		    (unsigned)all.v[i], max_bytes + 1);
		if ((r = imapc_do(&c, path, NULL, max_bytes, err, errlen)) != CHAN_OK)
			break;
		m = &out->msgs[out->n++];
		m->uid = all.v[i];
		m->truncated = c.buf.over;
		m->len = c.buf.len;
		m->raw = c.buf.p != NULL ? c.buf.p : strdup("");
		if (m->raw == NULL)
			abort();
		c.buf.p = NULL;
		c.buf.len = c.buf.cap = 0;
	}
	if (out->n > 0 && imapc_unsee(&c, box, out, &seen, err, errlen) != CHAN_OK &&
	    r == CHAN_OK)
		r = CHAN_SERVER;
done:
	free(all.v);
	free(seen.v);
	imapc_close(&c);
	return r;
}

enum chan_rc
imapc_peek(const struct imapc_server *s, struct imapc_poll *out, char *err,
    size_t errlen)
{
	struct imapc	 c;
	enum chan_rc	 r;

	memset(out, 0, sizeof(*out));
	if (imapc_start(&c, s, err, errlen) != CHAN_OK)
		return CHAN_POLICY;
	r = imapc_status(&c, out, err, errlen);
	imapc_close(&c);
	return r;
}

void
imapc_poll_free(struct imapc_poll *p)
{
	size_t	 i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		free(p->msgs[i].raw);
	free(p->msgs);
	memset(p, 0, sizeof(*p));
}

enum chan_rc
imapc_test_login(const struct imapc_server *s, char *answer, size_t answerlen)
{
	struct imapc	 c;
	struct imapc_poll st;
	enum chan_rc	 r;

	memset(&st, 0, sizeof(st));
	if (chan_url_check(s->url, s->security, "imap", "imaps", answer,
	    answerlen) == -1)
		return CHAN_POLICY;
	imapc_open(&c, s);
	if ((r = imapc_status(&c, &st, answer, answerlen)) == CHAN_OK)
		snprintf(answer, answerlen, "logged in; INBOX: %u messages, "
		    "UIDVALIDITY %u", (unsigned)st.exists,
		    (unsigned)st.uidvalidity);
	imapc_close(&c);
	return r;
}
