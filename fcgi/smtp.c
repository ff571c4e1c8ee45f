/*
 * SMTP test login through libcurl: a NOOP sent as a custom command makes
 * libcurl run its whole connection phase (greeting, EHLO, STARTTLS, EHLO
 * again, AUTH) and one harmless command, without a message. libcurl skips
 * AUTH silently when the server offers none, so success is read from the
 * server's own "235" line, not from libcurl's return.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "chan.h"
#include "smtp.h"

enum chan_rc
smtp_test_login(const struct mail_server *s, char *answer, size_t answerlen)
{
	struct chan_trace	 t;
	struct chan_buf		 out = { NULL, 0, 0, 4096, 0 };
	char			 ebuf[CURL_ERROR_SIZE];
	int			 user = s->user != NULL && *s->user != '\0';
	enum chan_rc		 r = CHAN_OK;
	CURLcode		 rc;
	CURL			*h;

	if (chan_url_check(s->url, s->security, "smtp", "smtps", answer,
	    answerlen) == -1)
		return CHAN_POLICY;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((h = curl_easy_init()) == NULL)
		abort();
	memset(&t, 0, sizeof(t));
	t.mark_prefix = user ? "235" : NULL;
	ebuf[0] = '\0';
	chan_curl_setup(h, "smtp,smtps", s->security, s->cafile, s->timeout,
	    s->user, s->password, &t);
	curl_easy_setopt(h, CURLOPT_URL, s->url);
	if (s->public_only)
		chan_public_only(h, &t);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "NOOP");
	curl_easy_setopt(h, CURLOPT_TIMEOUT, s->timeout * 2);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, chan_buf_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &out);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	rc = curl_easy_perform(h);
	if (rc != CURLE_OK)
		r = chan_curl_fail(h, rc, ebuf, &t, s->security == SMTP_TLS,
		    answer, answerlen);
	else if (user && t.mark[0] == '\0') {
		r = CHAN_AUTH;
		snprintf(answer, answerlen, "the server did not offer AUTH on "
		    "this connection%s; it said: \"%s\"", s->security ==
		    SMTP_NONE ? " (servers offer it only after STARTTLS)" : "",
		    t.last);
	} else
		snprintf(answer, answerlen, "%s", t.mark[0] != '\0' ? t.mark :
		    t.last);
	curl_easy_cleanup(h);
	chan_buf_reset(&out);
	return r;
}
