/*
 * Outgoing e-mail: building RFC 5322 messages and sending them over SMTP
 * with libcurl. The platform's transactional mail (verification, reset)
 * is queued by tmail.c and sent by the mailer worker through this module;
 * campaign mail will use it with the user's own server.
 */
#ifndef PROSPEA_MAIL_H
#define PROSPEA_MAIL_H

#include <stddef.h>
#include <time.h>

#include "conf.h"

/* Room for a whole Message-ID, "<left@domain>", and its NUL. */
#define MAIL_MSGID_MAX	(1 + 64 + 1 + 253 + 1 + 1)

/*
 * One message. Strings are borrowed; NULL (or 0) leaves an optional part
 * out. Every header value is one line: CR or LF anywhere is refused.
 * Callers zero the struct first (memset or designated initialisers) so
 * that fields added later stay off.
 */
struct mail_msg {
	const char	*from;		/* "Display Name <addr>" or "addr" */
	const char	*to;		/* addr */
	const char	*reply_to;	/* addr, or NULL */
	const char	*subject;	/* UTF-8, one line */
	const char	*text;		/* UTF-8 plain text, LF or CRLF */
	const char	*msgid;		/* unique left part of Message-ID
					   (RFC 5322 dot-atom-text, at most
					   64 characters), or NULL: random */
	int		 auto_submitted; /* adds Auto-Submitted: auto-generated (RFC 3834) */
	/* Campaign mail. */
	const char	*html;		/* UTF-8 HTML alternative of text, or
					   NULL: text/plain alone */
	const char	*unsubscribe_url; /* "https://host/u/TOKEN" (or http://
					   for a local stack), or NULL */
	const char	*unsubscribe_mailto; /* addr taking "unsubscribe"
					   mail, or NULL */
	const char	*in_reply_to;	/* "<id@host>" of the message answered
					   (a follow-up step), or NULL */
	const char	*references;	/* "<a@host> <b@host>": the thread,
					   oldest first, or NULL */
	const char	*tag;		/* X-Prospea-Message value: 1 to 128 of
					   [A-Za-z0-9._-], or NULL */
	time_t		 date;		/* Date header; 0: now */
};

/*
 * The whole message: From, To, Reply-To, Subject (RFC 2047 encoded-words
 * when not ASCII), Date (RFC 5322 section 3.3), Message-ID on the sender's
 * domain, MIME-Version, text/plain UTF-8 in quoted-printable (RFC 2045
 * section 6.7), so every line is CRLF-terminated and under 78 bytes.
 * The To header carries the address with an A-label domain (email_ascii()).
 * Returns an owned string (free()), or NULL if a header value holds CR or
 * LF or an address is malformed or needs SMTPUTF8 (header injection is
 * refused, not cleaned). Same as mail_build_id(m, NULL, 0).
 */
char	*mail_build(const struct mail_msg *m);

/*
 * mail_build() with the campaign parts, writing the Message-ID it used,
 * "<left@domain>" in A-labels, to msgid (msgidlen bytes, MAIL_MSGID_MAX is
 * enough; NULL: not wanted) so the caller can match replies and bounces
 * to it. What each optional field adds:
 * - html: the body becomes multipart/alternative (RFC 2046 section
 *   5.1.4), text/plain then text/html, both UTF-8 quoted-printable. The
 *   boundary is "=_" and 32 random hex digits (libsodium): "=_" never
 *   occurs in quoted-printable text (RFC 2045 section 6.7 rule 1), so the
 *   boundary cannot appear in a part (RFC 2046 section 5.1.1).
 * - unsubscribe_url, unsubscribe_mailto: List-Unsubscribe with
 *   <URL> and/or <mailto:addr?subject=unsubscribe> (RFC 2369 section
 *   3.2), and List-Unsubscribe-Post: List-Unsubscribe=One-Click when the
 *   URL is https (RFC 8058 section 3.1 requires one HTTPS URI). The URL
 *   must be http(s), at most 900 bytes of RFC 3986 characters without
 *   ',', '<', '>' (RFC 2369 section 2).
 * - in_reply_to, references: In-Reply-To and References (RFC 5322
 *   section 3.6.4), each msg-id "<left@right>" of printable ASCII without
 *   blanks or angle brackets inside, at most 250 bytes; References is
 *   folded between msg-ids.
 * - tag: X-Prospea-Message, an id of the caller's.
 * - date: a fixed Date instead of now.
 * Every line ends in CRLF and holds at most 78 bytes, except a List-
 * Unsubscribe or References line whose one URL or msg-id is longer (never
 * over 998, RFC 5322 section 2.1.1). Returns an owned string, or NULL
 * (msgid untouched) for any malformed field, as mail_build().
 */
char	*mail_build_id(const struct mail_msg *m, char *msgid, size_t msgidlen);

/*
 * Splits "Name <addr>" (or a bare "addr") into its address, written to
 * addr (addrlen bytes). 0, or -1 if there is no valid address.
 */
int	 mail_addr(const char *from, char *addr, size_t addrlen);

/*
 * A header value ready to follow "Name: ", whose used characters are
 * already on the first line. Printable ASCII is kept as is, folded at
 * spaces so lines stay within 78 characters (RFC 5322 section 2.1.1)
 * where the words allow it. Anything else, ASCII that would read as an
 * encoded-word ("=?"), or a word too long for the 998-byte limit, is
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
	int			 public_only;	/* a user's server: public addresses
						   only (chan_public_only) */
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

/* What the server said about one message (mail_deliver()). */
struct mail_reply {
	long	 code;		/* the last reply code (RFC 5321 section 4.2),
				   0 when none came (no connection) */
	char	 status[16];	/* its enhanced status code, "5.1.1" (RFC 3463
				   section 2; RFC 2034), or "" */
	int	 session;	/* 1: the failure is the session's, not this
				   message's: no connection, TLS, login refused */
	int	 unsure;	/* 1: the server had taken DATA (354) and no
				   final answer came (connection lost, timeout):
				   the message may have been delivered, so it
				   must not be sent again blindly */
	char	 queue_id[129];	/* after a success, the id the server gave
				   the message ("250 2.0.0 Ok: queued as X",
				   Postfix and most servers), or "" */
	char	 text[512];	/* the server's last reply line, as received */
	char	 err[768];	/* a sentence for people, as mail_send() */
};

/*
 * mail_send() that also reports the server's answer into *out: the reply
 * code and enhanced status code of the command that ended the
 * transaction (RCPT refused: "550" "5.1.1", a bad mailbox; DATA
 * answered: "250" and the queue id), and whether the failure is the
 * session's (connection, TLS, authentication: every message through
 * this server would fail the same way) or this recipient's or message's.
 * Only the server's lines are read, never the client's (they carry AUTH).
 * The connection stays open for the next message on c when the server
 * allows (libcurl reuses it). MAIL_TEMPFAIL for network and 4xx, and for
 * a refused login (the account's to fix, not the recipient's);
 * MAIL_PERMFAIL for other 5xx.
 */
enum mail_rc mail_deliver(struct mail_conn *c, const char *from_addr,
	    const char *to_addr, const char *msg, struct mail_reply *out);

#endif
