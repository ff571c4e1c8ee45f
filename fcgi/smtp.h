/*
 * Checking a user's own SMTP server before campaigns use it: the "test"
 * of a sending account (POST /sending-accounts/{id}/test) connects, greets,
 * secures and logs in exactly as mail_send() will, then says goodbye, and
 * reports what the server answered. Sending itself is mail.c's.
 */
#ifndef PROSPEA_SMTP_H
#define PROSPEA_SMTP_H

#include <stddef.h>

#include "chan.h"
#include "mail.h"

/*
 * Logs in to s and quits: EHLO, STARTTLS (RFC 3207) when s->security is
 * SMTP_STARTTLS, or TLS from the first byte on smtps:// when SMTP_TLS (RFC
 * 8314 section 3.3), the certificate verified against s->cafile; AUTH
 * (RFC 4954, the mechanism libcurl picks among those offered) with
 * s->user and s->password; NOOP; QUIT. s->timeout (seconds) bounds the
 * connection, the TLS handshake and each answer, so a wrong port or TLS
 * mode fails within it, never hangs.
 *
 * Refused before connecting (CHAN_POLICY): a URL whose scheme does not fit
 * the security mode, or SMTP_NONE to a host that is not the loopback.
 * With a user set, a server that does not take AUTH on that connection
 * (as a submission server before STARTTLS) is CHAN_AUTH, not a success.
 *
 * Returns CHAN_OK and the server's answer to AUTH ("235 2.7.0
 * Authentication successful"; without a user, its answer to NOOP) in
 * answer, or another chan_rc and a sentence for the user: libcurl's error,
 * the server's last line ("535 5.7.8 Authentication credentials invalid"),
 * a hint when the TLS mode looks wrong for the port. Never holds the
 * password. Logs nothing: the caller knows the account.
 */
enum chan_rc	 smtp_test_login(const struct mail_server *s, char *answer,
		    size_t answerlen);

#endif
