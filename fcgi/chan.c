/*
 * The pieces the channel clients share: results, the plaintext rule, the
 * write buffer, the answer recorder and the reading of libcurl's failures.
 * The recorder is libcurl's debug callback: it sees the protocol lines in
 * both directions, and keeps only those the server sent, because the
 * client's lines carry AUTH PLAIN, LOGIN and their base64 credentials.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chan.h"
#include "log.h"
#include "netaddr.h"

static const char *const chan_rc_names[CHAN__MAX] = {
	[CHAN_OK] = "ok",
	[CHAN_AUTH] = "auth",
	[CHAN_TLS] = "tls",
	[CHAN_CONNECT] = "connect",
	[CHAN_PROTOCOL] = "protocol",
	[CHAN_POLICY] = "policy",
	[CHAN_SERVER] = "server",
};

const char *
chan_rc_name(enum chan_rc rc)
{
	return rc < CHAN__MAX ? chan_rc_names[rc] : "?";
}

int
chan_loopback(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

int
chan_url_check(const char *url, enum smtp_security sec, const char *plain,
    const char *tls, char *err, size_t errlen)
{
	const char	*want = sec == SMTP_TLS ? tls : plain, *h, *e;
	char		 host[256];
	size_t		 n = strlen(want);

	if (strncmp(url, want, n) != 0 || strncmp(url + n, "://", 3) != 0) {
		snprintf(err, errlen, "the address must start with %s:// for %s",
		    want, sec == SMTP_TLS ? "implicit TLS" : sec == SMTP_NONE ?
		    "plaintext" : "STARTTLS");
		return -1;
	}
	h = url + n + 3;
	if (*h == '[') {
		h++;
		e = strchr(h, ']');
	} else
		e = h + strcspn(h, ":/?#");
	if (e == NULL || e == h || (size_t)(e - h) >= sizeof(host) ||
	    memchr(h, '@', (size_t)(e - h)) != NULL) {
		snprintf(err, errlen, "the address has no valid host name "
		    "(credentials never go in the address)");
		return -1;
	}
	memcpy(host, h, (size_t)(e - h));
	host[e - h] = '\0';
	if (sec == SMTP_NONE && !chan_loopback(host)) {
		snprintf(err, errlen, "plaintext is only allowed to this machine "
		    "(localhost, 127.0.0.0/8, ::1); %s needs STARTTLS or TLS",
		    host);
		return -1;
	}
	return 0;
}

void
chan_buf_add(struct chan_buf *b, const char *data, size_t len)
{
	size_t		 take = len, cap;
	char		*np;

	if (b->max > 0 && b->len + take > b->max) {
		take = b->max - b->len;
		b->over = 1;
	}
	if (b->len + take + 1 > b->cap) {
		cap = b->cap == 0 ? 4096 : b->cap;
		while (cap < b->len + take + 1)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL)
			abort();
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, take);
	b->len += take;
	b->p[b->len] = '\0';
}

size_t
chan_buf_write(char *data, size_t size, size_t n, void *arg)
{
	chan_buf_add(arg, data, size * n);
	return size * n;
}

void
chan_buf_reset(struct chan_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->over = 0;
}

/* Copies one received line, without its CRLF, into dst. */
static void
chan_line(char *dst, size_t dstlen, const char *data, size_t n)
{
	while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
		n--;
	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, data, n);
	dst[n] = '\0';
}

static int
chan_trace_cb(CURL *h, curl_infotype type, char *data, size_t n, void *arg)
{
	struct chan_trace	*t = arg;

	(void)h;
	if (type != CURLINFO_HEADER_IN || n == 0)
		return 0;
	t->lines++;
	chan_line(t->last, sizeof(t->last), data, n);
	if (t->mark_prefix != NULL && t->mark[0] == '\0' &&
	    strncmp(t->last, t->mark_prefix, strlen(t->mark_prefix)) == 0)
		memcpy(t->mark, t->last, sizeof(t->mark));
	return 0;
}

void
chan_curl_setup(CURL *h, const char *protocols, enum smtp_security sec,
    const char *cafile, long timeout, const char *user, const char *password,
    struct chan_trace *t)
{
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols);
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_USE_SSL, sec == SMTP_NONE ?
	    (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cafile != NULL && *cafile != '\0')
		curl_easy_setopt(h, CURLOPT_CAINFO, cafile);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout);
	curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (user != NULL && *user != '\0') {
		curl_easy_setopt(h, CURLOPT_USERNAME, user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, password);
	}
	/* Verbose only feeds the callback: nothing goes to stderr. */
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, chan_trace_cb);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, t);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
}

enum chan_rc
chan_curl_fail(CURL *h, CURLcode rc, const char *ebuf,
    const struct chan_trace *t, int implicit, char *err, size_t errlen)
{
	const char	*why = ebuf != NULL && *ebuf != '\0' ? ebuf :
	    curl_easy_strerror(rc), *hint = "";
	curl_off_t	 connected = 0;
	enum chan_rc	 r;

	curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connected);
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		if (t->refused != NULL) {
			snprintf(err, errlen, "not connected: the server resolves "
			    "to a %s address; internal ranges (loopback, private, "
			    "link-local...) are never reached: a mail server must "
			    "be reachable on the internet", t->refused);
			return CHAN_POLICY;
		}
		r = CHAN_CONNECT;
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		r = CHAN_CONNECT;
		break;
	case CURLE_OPERATION_TIMEDOUT:
		r = CHAN_CONNECT;
		if (connected > 0 && t->lines == 0) {
			/* Connected, never greeted: each side waits for the other. */
			r = CHAN_PROTOCOL;
			hint = implicit ? "" : "; the server never greeted: this "
			    "port may expect implicit TLS (port 465 or 993)";
		}
		break;
	case CURLE_SSL_CONNECT_ERROR:
		r = CHAN_TLS;
		if (implicit && (strstr(why, "wrong version number") != NULL ||
		    strstr(why, "packet length too long") != NULL ||
		    strstr(why, "record layer failure") != NULL)) {
			r = CHAN_PROTOCOL;
			hint = "; the server answered in plaintext: this port "
			    "expects STARTTLS (port 587 or 143)";
		}
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_USE_SSL_FAILED:
	case CURLE_SSL_CACERT_BADFILE:
		r = CHAN_TLS;
		break;
	case CURLE_LOGIN_DENIED:
		r = CHAN_AUTH;
		break;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
		r = t->lines == 0 || connected == 0 ? CHAN_PROTOCOL : CHAN_SERVER;
		if (r == CHAN_PROTOCOL)
			hint = "; is this the right port and TLS mode?";
		break;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		r = CHAN_POLICY;
		break;
	default:
		r = CHAN_SERVER;
		break;
	}
	if (t->last[0] != '\0')
		snprintf(err, errlen, "%s; the server said: \"%s\"%s", why,
		    t->last, hint);
	else
		snprintf(err, errlen, "%s%s", why, hint);
	return r;
}

/* CURLOPT_OPENSOCKETFUNCTION of chan_public_only(). */
static curl_socket_t
chan_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct chan_trace	*t = arg;
	enum netaddr_class	 cls;

	(void)purpose;
	if ((cls = netaddr_classify(&addr->addr, addr->addrlen)) !=
	    NETADDR_PUBLIC) {
		log_info("refused to connect to a %s address",
		    netaddr_class_names[cls]);
		if (t != NULL)
			t->refused = netaddr_class_names[cls];
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype, addr->protocol);
}

void
chan_public_only(CURL *h, struct chan_trace *t)
{
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, chan_socket);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, t);
}
