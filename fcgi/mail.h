/*
 * Outgoing e-mail: building RFC 5322 messages and sending them over SMTP
 * with libcurl. The platform's transactional mail (verification, reset)
 * is queued by tmail.c and sent by the mailer worker through this module;
 * campaign mail will use it with the user's own server.
 */
#ifndef PROSPEA_MAIL_H
#define PROSPEA_MAIL_H

#include <stddef.h>

#include "conf.h"

struct mail_msg {
	const char	*from;		/* "Display Name <addr>" or "addr" */
	const char	*to;		/* addr */
	const char	*reply_to;	/* addr, or NULL */
	const char	*subject;	/* UTF-8, one line */
	const char	*text;		/* UTF-8 plain text, LF or CRLF */
	const char	*msgid;		/* unique left part of Message-ID */
	int		 auto_submitted; /* adds Auto-Submitted: auto-generated (RFC 3834) */
};

/*
 * The whole message: From, To, Reply-To, Subject (RFC 2047 encoded-words
 * when not ASCII), Date (RFC 5322 section 3.3), Message-ID on the sender's
 * domain, MIME-Version, text/plain UTF-8 in quoted-printable (RFC 2045
 * section 6.7), so every line is CRLF-terminated and under 78 bytes.
 * The To header carries the address with an A-label domain (email_ascii()).
 * Returns an owned string (free()), or NULL if a header value holds CR or
 * LF or an address is malformed or needs SMTPUTF8 (header injection is
 * refused, not cleaned).
 */
char	*mail_build(const struct mail_msg *m);

/*
 * Splits "Name <addr>" (or a bare "addr") into its address, written to
 * addr (addrlen bytes). 0, or -1 if there is no valid address.
 */
int	 mail_addr(const char *from, char *addr, size_t addrlen);

/*
 * A header value ready to follow "Name: ", whose used characters are
 * already on the first line. Printable ASCII is kept as is, folded at
 * spaces so lines stay within 78 characters (RFC 5322 section 2.1.1).
 * Anything else, or ASCII that would read as an encoded-word ("=?"), is
 * RFC 2047 section 4.1 "B"-encoded: words of at most 75 characters that
 * never split a UTF-8 sequence, each line at most 76 (RFC 2047 section 2),
 * joined by folding whitespace. Owned string.
 */
char	*mail_header_encode(const char *text, size_t used);

/*
 * Quoted-printable body (RFC 2045 section 6.7) with CRLF line ends; lines
 * are soft-broken under 76 characters. Owned string.
 */
char	*mail_qp(const char *text);

/* An SMTP connection, reused across messages (libcurl keeps it open). */
struct mail_conn;

struct mail_server {
	const char		*url;		/* smtp://host:port or smtps://host:port */
	enum smtp_security	 security;
	const char		*user;		/* NULL or "": no AUTH */
	const char		*password;
	const char		*cafile;	/* NULL or "": system CAs */
	long			 timeout;	/* seconds */
};

enum mail_rc {
	MAIL_SENT,
	MAIL_TEMPFAIL,	/* try later: network, TLS, 4xx */
	MAIL_PERMFAIL,	/* do not retry: 5xx */
};

/* A new connection handle (nothing is opened yet). Owned. The server strings are borrowed. */
struct mail_conn *mail_conn_new(const struct mail_server *s);

/* Closes and frees. NULL is a no-op. */
void	 mail_conn_free(struct mail_conn *);

/*
 * Sends msg (as built by mail_build) from envelope sender from_addr to
 * to_addr. STARTTLS and implicit TLS require a verified certificate; AUTH
 * happens only inside TLS unless security is SMTP_NONE (loopback). On
 * failure err receives the server's or libcurl's explanation.
 */
enum mail_rc mail_send(struct mail_conn *c, const char *from_addr,
	    const char *to_addr, const char *msg, char *err, size_t errlen);

#endif
