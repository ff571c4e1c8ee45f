/*
 * The IMAP client of a sending account's mailbox: the sender worker polls
 * the user's INBOX for replies and delivery status notifications (RFC 3464)
 * to its campaign mail, and the sending account test checks the login.
 * libcurl speaks IMAP4rev1 (RFC 3501; what is used here is unchanged in
 * IMAP4rev2, RFC 9051). A poll reads only what arrived after the last UID
 * the worker saw, and leaves the mailbox as the user left it: no message
 * is moved, deleted, or left marked as read.
 */
#ifndef PROSPEA_IMAPC_H
#define PROSPEA_IMAPC_H

#include <stddef.h>
#include <stdint.h>

#include "chan.h"

struct imapc_server {
	const char		*url;		/* imap://host:port or imaps://host:port, no path */
	enum smtp_security	 security;	/* as for SMTP (conf.h): STARTTLS (RFC 9051
						   section 6.2.1), implicit TLS (RFC 8314
						   section 3.3), or none (loopback only) */
	const char		*user;
	const char		*password;
	const char		*cafile;	/* NULL or "": the system's CAs */
	long			 timeout;	/* seconds: connect + TLS + login, each answer */
	int			 public_only;	/* public addresses only (chan_public_only) */
};

/* One message, as the server stores it. */
struct imapc_msg {
	uint32_t	 uid;		/* RFC 9051 section 2.3.1.1 */
	char		*raw;		/* the RFC 5322 message, NUL-terminated; owned by the poll */
	size_t		 len;		/* bytes in raw (a message may hold NUL bytes) */
	int		 truncated;	/* 1: larger than max_bytes, raw holds its first max_bytes */
};

/* What a poll found. */
struct imapc_poll {
	uint32_t	 uidvalidity;	/* the INBOX's, to remember with the last UID */
	uint32_t	 uidnext;	/* the UID the next message will get */
	uint32_t	 exists;	/* messages in the INBOX */
	int		 reset;		/* 1: the UIDVALIDITY was not the caller's, so every
					   message counted as new (RFC 9051 section 2.3.1.1) */
	int		 more;		/* 1: more new messages than max_msgs: poll again */
	size_t		 n;
	struct imapc_msg *msgs;		/* n messages, increasing UIDs; owned */
};

/*
 * Polls the INBOX of s for messages after (uidvalidity, last_uid), the
 * place where the previous poll stopped (0, 0 the first time); at most
 * max_msgs messages (> 0) of at most max_bytes bytes each (> 0) are read:
 * STATUS INBOX (UIDVALIDITY UIDNEXT MESSAGES) (RFC 9051 section 6.3.11),
 * then, if anything can be new, SELECT INBOX checked against that
 * UIDVALIDITY, UID SEARCH UID n:* (section 6.4.4; the answer's UIDs below
 * n, which "n:*" includes when n is past the last UID, are dropped), and
 * for each of the first max_msgs new UIDs, oldest first, UID FETCH of
 * BODY[]<0.max_bytes+1> (sections 6.4.5, 6.4.9). Fetching sets \Seen
 * (section 6.4.5): the flag is taken off again (UID STORE -FLAGS.SILENT)
 * from the messages that did not have it, as found by UID SEARCH ... SEEN
 * before fetching, so the user still sees their replies as unread.
 *
 * A UIDVALIDITY that differs from the caller's (a recreated mailbox) sets
 * reset and starts from UID 1; the caller then forgets its last UID. To
 * resume, the caller stores out->uidvalidity and the UID of the last
 * message it has handled.
 *
 * Returns CHAN_OK with out filled (free with imapc_poll_free(), also after
 * a failure), or another chan_rc with a sentence in err (libcurl's error,
 * the server's last answer). CHAN_POLICY: the URL does not fit the
 * security mode, or plaintext to a non-loopback host. Logs nothing.
 */
enum chan_rc	 imapc_poll_new(const struct imapc_server *s, uint32_t uidvalidity,
		    uint32_t last_uid, size_t max_msgs, size_t max_bytes,
		    struct imapc_poll *out, char *err, size_t errlen);

/*
 * Where the INBOX of s stands, without reading any message: STATUS INBOX
 * (UIDVALIDITY UIDNEXT MESSAGES) only, into out (n 0, no messages). The
 * sender's first poll of a new account starts there, so that the mail
 * that was in the mailbox before Prospea was connected to it is never
 * read (only what arrives after can answer Prospea's messages).
 * CHAN_OK, or another chan_rc with a sentence in err, as imapc_poll_new().
 */
enum chan_rc	 imapc_peek(const struct imapc_server *s, struct imapc_poll *out,
		    char *err, size_t errlen);

/* Frees the messages of a poll and empties it. NULL is a no-op. */
void		 imapc_poll_free(struct imapc_poll *);

/*
 * The sending account test: logs in to s (STARTTLS or implicit TLS as
 * for a poll, then AUTHENTICATE or LOGIN, RFC 9051 sections 6.2.2-6.2.3)
 * and asks the INBOX's STATUS. CHAN_OK and, in answer, "logged in; INBOX:
 * N messages, UIDVALIDITY V"; else another chan_rc and a sentence with the
 * server's own answer ("NO [AUTHENTICATIONFAILED] Authentication
 * failed."). A wrong port or TLS mode fails within s->timeout.
 */
enum chan_rc	 imapc_test_login(const struct imapc_server *s, char *answer,
		    size_t answerlen);

#endif
