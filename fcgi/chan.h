/*
 * What the clients of a user's own channels share (smtp.c: test login,
 * imapc.c: the reply and bounce mailbox, sms.c: the SMS providers): one
 * result enum for "can Prospea reach and log in to that server", the rule
 * that plaintext is only for loopback hosts, a capped growing buffer for
 * libcurl's write callback, and a recorder of the server's own answer
 * lines, so that the user reads what the server said ("535 5.7.8
 * Authentication credentials invalid"), never a credential.
 */
#ifndef PROSPEA_CHAN_H
#define PROSPEA_CHAN_H

#include <stddef.h>

#include <curl/curl.h>

#include "conf.h"

/* How a login or a mailbox poll ended. */
enum chan_rc {
	CHAN_OK,
	CHAN_AUTH,	/* the server refused the login or password, or offers no login */
	CHAN_TLS,	/* TLS failed: handshake, certificate, or no STARTTLS offered */
	CHAN_CONNECT,	/* no connection: unknown host, refused, unreachable, timed out */
	CHAN_PROTOCOL,	/* the server's answers do not fit: another protocol or TLS mode on that port */
	CHAN_POLICY,	/* refused before connecting: plaintext to a non-loopback host, bad URL */
	CHAN_SERVER,	/* the server answered an error to a command after login */
	CHAN__MAX
};

/* "ok", "auth", "tls", "connect", "protocol", "policy", "server": for logs and the API. */
const char	*chan_rc_name(enum chan_rc);

/*
 * 1 if host (a name or address, without port or brackets) is the
 * loopback: "localhost", an IPv4 address in 127.0.0.0/8, or ::1. Only the
 * textual form counts: no name is resolved.
 */
int		 chan_loopback(const char *host);

/*
 * Checks a server URL against its security mode before anything is sent:
 * the scheme must be plain (smtp, imap) for SMTP_STARTTLS and SMTP_NONE,
 * the TLS one (smtps, imaps) for SMTP_TLS (RFC 8314 section 3.3), and
 * SMTP_NONE is only for a loopback host. plain and tls name the two
 * schemes. 0, or -1 with the reason in err.
 */
int		 chan_url_check(const char *url, enum smtp_security sec,
		    const char *plain, const char *tls, char *err, size_t errlen);

/*
 * A growing byte buffer filled by libcurl, holding at most max bytes (0:
 * no limit); p is NUL-terminated. Past max, further bytes are dropped and
 * over is set, the transfer goes on (the caller decides what a cut means).
 * Out of memory aborts.
 */
struct chan_buf {
	char	*p;
	size_t	 len, cap, max;
	int	 over;
};

/* Appends n bytes at data, within max. */
void		 chan_buf_add(struct chan_buf *, const char *data, size_t n);

/* CURLOPT_WRITEFUNCTION for a struct chan_buf (CURLOPT_WRITEDATA). */
size_t		 chan_buf_write(char *data, size_t size, size_t n, void *buf);

/* Frees the bytes and empties the buffer (max is kept). */
void		 chan_buf_reset(struct chan_buf *);

/*
 * The server's answer lines as libcurl receives them (CURLINFO_HEADER_IN
 * of the debug callback): the last line, and the first line that starts
 * with a given prefix (the AUTH answer of SMTP, say). Lines the client
 * sends are never looked at: they hold the credentials.
 */
struct chan_trace {
	char		 last[512];
	char		 mark[512];
	const char	*mark_prefix;	/* NULL: none */
	int		 lines;		/* lines received */
	const char	*refused;	/* chan_public_only() refused an address of
					   this class (netaddr_class_names), or NULL */
};

/*
 * Makes h refuse to connect to any address that is not public unicast
 * (netaddr.h: loopback, private, link-local, CGNAT, reserved...), checked
 * on the address libcurl is about to connect to, after DNS: the SSRF
 * defence for servers a user names (their SMTP and IMAP hosts), which
 * would otherwise let anyone probe the platform's internal network. A
 * refused connection fails as CURLE_COULDNT_CONNECT, and t (may be NULL)
 * records why (t->refused), so chan_curl_fail() says so (CHAN_POLICY).
 */
void		 chan_public_only(CURL *h, struct chan_trace *t);

/*
 * Sets what every channel client asks of libcurl on h: the protocols
 * allowed (CURLOPT_PROTOCOLS_STR, e.g. "imap,imaps"), TLS required or not
 * by sec (STARTTLS must succeed, RFC 3207 section 4 / RFC 9051 section
 * 6.2.1), certificate and host name verified against cafile (NULL or "":
 * the system's CAs), connect and handshake within timeout seconds (a
 * server that never greets, as a TLS port greeted in plaintext, fails in
 * that time), each answer within timeout seconds, credentials (user NULL
 * or "": none), and the answer recorder t. Borrowed strings must outlive
 * the transfers. No proxy (CURLOPT_PROXY "", which also ignores the
 * *_proxy environment variables): a user's server is reached directly, so
 * that chan_public_only() judges its address and not a proxy's, and no
 * proxy ever reaches what a user names.
 */
void		 chan_curl_setup(CURL *h, const char *protocols,
		    enum smtp_security sec, const char *cafile, long timeout,
		    const char *user, const char *password, struct chan_trace *t);

/*
 * What a failed transfer means for the user, and a sentence that says it
 * in err: the libcurl error, the server's last answer if any, and a hint
 * when the TLS mode looks wrong for the port (a TLS handshake answered in
 * plaintext, a greeting that never comes). implicit: the URL was the
 * implicit-TLS one.
 */
enum chan_rc	 chan_curl_fail(CURL *h, CURLcode rc, const char *ebuf,
		    const struct chan_trace *t, int implicit, char *err,
		    size_t errlen);

#endif
