/*
 * Inbound mail classification: what the sender worker makes of each new
 * message it fetches from a sending account's IMAP inbox. Given the raw
 * RFC 5322 bytes it tells a human reply from an automatic one (out of
 * office, vacation, read receipt), a delivery status notification (a
 * bounce, standard or not) and anything else, and pulls out what the
 * worker needs to match the message to the campaign mail it sent: the
 * msg-ids it refers to, or the failed recipient, status and original
 * Message-ID of a bounce. Pure parsing, no network, no database; the input
 * is untrusted (anyone can mail the inbox) and fuzzed
 * (tests/fuzz/fuzz_inbound.c).
 */
#ifndef PROSPEA_INBOUND_H
#define PROSPEA_INBOUND_H

#include <stddef.h>

#include "email.h"

/* Only this many bytes of a message are read (headers, first parts). */
#define INBOUND_INPUT_MAX	(2 * 1024 * 1024)
/* msg-ids kept from In-Reply-To and References. */
#define INBOUND_REFS_MAX	16
/* Room for one msg-id, "<left@right>", and its NUL (longer ones are dropped). */
#define INBOUND_MSGID_MAX	(250 + 1)
/* Room for the decoded subject (UTF-8, cut on a character) and its NUL. */
#define INBOUND_SUBJECT_MAX	(400 + 1)
/* Room for a DSN's Diagnostic-Code (UTF-8, cut on a character) and its NUL. */
#define INBOUND_DIAG_MAX	(200 + 1)

enum inbound_kind {
	INBOUND_OTHER,		/* none of the below: newsletters, spam, ... */
	INBOUND_REPLY,		/* a person's answer */
	INBOUND_AUTO_REPLY,	/* out of office, vacation, read receipt */
	INBOUND_DSN,		/* a delivery status notification, a bounce */
	INBOUND__MAX
};

/*
 * What inbound_classify() found. Every string is NUL-terminated inside its
 * array and empty when not found; addresses pass email_valid(); msg-ids
 * are "<left@right>" of printable ASCII without blanks (comments and
 * folding removed), the form mail_build_id() returns.
 */
struct inbound {
	enum inbound_kind kind;
	const char	*reason;	/* the rule that decided, for logs (static) */
	char		 from[EMAIL_MAX + 1];	/* the From address */
	char		 message_id[INBOUND_MSGID_MAX];	/* its own Message-ID */
	char		 subject[INBOUND_SUBJECT_MAX];	/* decoded, UTF-8 */
	/*
	 * REPLY, AUTO_REPLY: In-Reply-To's msg-ids, then References' from
	 * the newest to the oldest, without repeats; when there are more
	 * than fit, the oldest (the thread's first message) takes the last
	 * place.
	 */
	char		 refs[INBOUND_REFS_MAX][INBOUND_MSGID_MAX];
	size_t		 nrefs;
	/* DSN. */
	char		 status[16];	/* "5.1.1" (RFC 3463), or "" */
	int		 status_class;	/* 2, 4 (try later) or 5 (failed) */
	int		 recipient_error; /* status 5.1.x: bad mailbox or domain */
	char		 recipient[EMAIL_MAX + 1];	/* the failed recipient */
	char		 orig_message_id[INBOUND_MSGID_MAX]; /* of the mail bounced */
	char		 diagnostic[INBOUND_DIAG_MAX];	/* Diagnostic-Code, UTF-8 */
};

/*
 * Classifies the len bytes at raw (not NUL-terminated; CRLF or LF line
 * ends; only the first INBOUND_INPUT_MAX are read) into *out, which is
 * overwritten whole. The rules, first match wins:
 *
 * 1. DSN, standard: top-level multipart/report with report-type
 *    delivery-status (RFC 6522 section 3, RFC 3464 section 2; also
 *    global-delivery-status, RFC 6533). From the message/delivery-status
 *    part's per-recipient groups (RFC 3464 section 2.3), the first with
 *    Action: failed, else delayed, else the first: Status (section
 *    2.3.4; its first digit is the class, RFC 3463 section 3.1; a
 *    generic X.0.0 gives way to a code of the same class in the
 *    Diagnostic-Code, "smtp; 550 5.1.1 ..."), Final-Recipient (else
 *    Original-Recipient), Diagnostic-Code. The
 *    original Message-ID from the returned message/rfc822 or
 *    text/rfc822-headers part (section 2.1; message/global and
 *    message/global-headers too).
 * 2. AUTO_REPLY for a read receipt: multipart/report with report-type
 *    disposition-notification (RFC 8098 section 3).
 * 3. DSN, non-standard: From's local part MAILER-DAEMON, or postmaster
 *    with a bounce subject or a returned message; a bounce subject
 *    ("Undelivered Mail Returned to Sender", "Delivery Status
 *    Notification (Failure)", "Undeliverable:", "Non remis", "Mail
 *    delivery failed", ...); or X-Failed-Recipients (Exim). The text
 *    parts and any returned message are searched for the original
 *    Message-ID (a "Message-ID:" line), an enhanced status code ("550
 *    5.1.1", "Status: 5.1.1", a bare 4.x.x or 5.x.x, then a bare SMTP
 *    reply code 4xx or 5xx as x.0.0) and the failed recipient
 *    (X-Failed-Recipients, else the first address of the body that is
 *    neither the To nor a postmaster). Without a code the class is 4 if
 *    the subject speaks of a delay, else 5.
 * 4. OTHER for list mail that refers to nothing: List-Id (RFC 2919) or
 *    List-Unsubscribe (RFC 2369) and neither In-Reply-To nor References
 *    (newsletters carry Precedence: bulk, X-Auto-Response-Suppress and
 *    "Re:" subjects too).
 * 5. AUTO_REPLY: Auto-Submitted other than "no" (RFC 3834 section 5),
 *    X-Autoreply, X-Autorespond, X-Auto-Response-Suppress (Exchange),
 *    Precedence: auto_reply, Precedence: bulk, junk or list on a message
 *    that refers to another (the vacation(1) convention; a newsletter
 *    refers to nothing), a null Return-Path "<>" (RFC 3834 section 3.3),
 *    or a subject that starts with "Réponse automatique", "Absence",
 *    "Out of Office", "Automatic reply", "Auto:", "Autoreply",
 *    "Auto-reply", "Absent" (letters in either case).
 * 6. REPLY: In-Reply-To or References hold a msg-id (RFC 5322 section
 *    3.6.4), or the subject starts with "Re:" (RFC 5322 section 3.6.5;
 *    also "RE :" with a space or no-break space, "Réf :", "AW:", "SV:",
 *    "Antw:").
 * 7. OTHER.
 *
 * Header fields are unfolded (RFC 5322 section 2.2.3) and their names
 * compared without case. The subject's RFC 2047 encoded-words (B and Q,
 * section 4) are decoded from UTF-8, ISO-8859-x and Windows-125x (ISO-
 * 8859-1 read as Windows-1252) and other charsets iconv knows; raw 8-bit
 * text is kept if UTF-8, else read as Windows-1252; bytes that do not
 * convert become U+FFFD and control characters spaces. msg-ids are read
 * with comments, quoted strings and folding skipped; a bracketless
 * "left@right" word counts when the field has no "<". Parts are walked
 * to a depth of 8 and at most 64 of them, base64 and quoted-printable
 * bodies decoded (RFC 2045 section 6); parts without their closing
 * boundary end where the input does.
 *
 * Returns 0; -1 (kind OTHER) when the input has no header field at all.
 * Never fails on content otherwise; memory comes from a private arena
 * released before returning (out of memory aborts).
 */
int	 inbound_classify(struct inbound *out, const char *raw, size_t len);

/* "OTHER", "REPLY", "AUTO_REPLY", "DSN"; "?" out of range. Static. */
const char *inbound_kind_name(enum inbound_kind);

#endif
