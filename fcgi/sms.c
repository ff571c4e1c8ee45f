/*
 * SMS through Twilio or Brevo: one request per message, its answer read as
 * JSON with Jansson (the providers' bodies are untrusted: anything that is
 * not the expected shape leaves id or code empty, never a crash), its
 * status and error code mapped to an sms_rc by the tables below.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "chan.h"
#include "sms.h"

const char *const sms_provider_names[SMS_PROVIDER__MAX] = {
	[SMS_TWILIO] = "twilio",
	[SMS_BREVO] = "brevo",
};

const char *const sms_rc_names[SMS__MAX] = {
	[SMS_SENT] = "sent",
	[SMS_BAD_NUMBER] = "bad_number",
	[SMS_AUTH] = "auth",
	[SMS_RATE_LIMITED] = "rate_limited",
	[SMS_DOWN] = "down",
	[SMS_REJECTED] = "rejected",
};

static const char *const sms_base[SMS_PROVIDER__MAX] = {
	[SMS_TWILIO] = "https://api.twilio.com",
	[SMS_BREVO] = "https://api.brevo.com",
};

/*
 * Twilio error codes that refuse the recipient itself
 * (https://www.twilio.com/docs/api/errors/<code>): invalid To, To not
 * reachable, not a valid number, unsubscribed recipient (STOP), cannot
 * route, not a mobile number.
 */
static const long sms_twilio_bad_number[] = { 21211, 21214, 21217, 21610,
    21612, 21614 };

/* Words of a Brevo invalid_parameter message that point at the recipient. */
static const char *const sms_brevo_bad_number[] = { "recipient", "number",
    "phone", "mobile" };

struct sms_conn {
	const struct sms_account *acct;
	CURL			*h;
};

int
sms_reachable(const char *e164)
{
	return e164 != NULL && strlen(e164) == 12 &&
	    (strncmp(e164, "+336", 4) == 0 || strncmp(e164, "+337", 4) == 0) &&
	    strspn(e164 + 1, "0123456789") == 11;
}

struct sms_conn *
sms_conn_new(const struct sms_account *a)
{
	struct sms_conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		abort();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((c->h = curl_easy_init()) == NULL)
		abort();
	c->acct = a;
	return c;
}

void
sms_conn_free(struct sms_conn *c)
{
	if (c == NULL)
		return;
	curl_easy_cleanup(c->h);
	free(c);
}

/* Seconds named by Retry-After (RFC 9110 section 10.2.3) or x-sib-ratelimit-reset. */
static size_t
sms_header(char *line, size_t size, size_t n, void *arg)
{
	struct sms_result	*res = arg;
	size_t			 len = size * n, k;
	char			 v[128];
	time_t			 when;
	const char		*names[] = { "retry-after:", "x-sib-ratelimit-reset:" };

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (len <= strlen(names[k]) ||
		    strncasecmp(line, names[k], strlen(names[k])) != 0)
			continue;
		snprintf(v, sizeof(v), "%.*s", (int)(len - strlen(names[k])),
		    line + strlen(names[k]));
		v[strcspn(v, "\r\n")] = '\0';
		if (isdigit((unsigned char)v[strspn(v, " ")]))
			res->retry_after = strtol(v, NULL, 10);
		else if ((when = curl_getdate(v + strspn(v, " "), NULL)) > time(NULL))
			res->retry_after = (long)(when - time(NULL));
	}
	return len;
}

static struct curl_slist *
sms_header_add(struct curl_slist *l, const char *h)
{
	if ((l = curl_slist_append(l, h)) == NULL)
		abort();
	return l;
}

/* key=value&, the value percent-encoded. */
static void
sms_form_add(CURL *h, struct chan_buf *b, const char *key, const char *value)
{
	char	*e;

	if ((e = curl_easy_escape(h, value, 0)) == NULL)
		abort();
	if (b->len > 0)
		chan_buf_add(b, "&", 1);
	chan_buf_add(b, key, strlen(key));
	chan_buf_add(b, "=", 1);
	chan_buf_add(b, e, strlen(e));
	curl_free(e);
}

/* Twilio: the URL and the form (credentials: sms_perform()). */
static void
sms_twilio(struct sms_conn *c, const struct sms_msg *m, char *url, size_t urllen,
    struct chan_buf *body)
{
	const struct sms_account *a = c->acct;
	char			*sid;
	int			 service = strncmp(a->sender, "MG", 2) == 0 &&
	    strlen(a->sender) == 34;

	if ((sid = curl_easy_escape(c->h, a->account_sid, 0)) == NULL)
		abort();
	snprintf(url, urllen, "%s/2010-04-01/Accounts/%s/Messages.json",
	    a->base_url != NULL ? a->base_url : sms_base[SMS_TWILIO], sid);
	curl_free(sid);
	sms_form_add(c->h, body, "To", m->to);
	sms_form_add(c->h, body, service ? "MessagingServiceSid" : "From",
	    a->sender);
	sms_form_add(c->h, body, "Body", m->body);
}

/* Brevo: the URL and the JSON body (the key: sms_perform()). */
static void
sms_brevo(struct sms_conn *c, const struct sms_msg *m, char *url, size_t urllen,
    struct chan_buf *body)
{
	const struct sms_account *a = c->acct;
	json_t			*j;
	char			*s;

	snprintf(url, urllen, "%s/v3/transactionalSMS/send",
	    a->base_url != NULL ? a->base_url : sms_base[SMS_BREVO]);
	/* Brevo's recipient is the number with its country code, no "+". */
	j = json_pack("{s:s, s:s, s:s, s:s, s:b}", "sender", a->sender,
	    "recipient", m->to + (m->to[0] == '+'), "content", m->body,
	    "type", m->marketing ? "marketing" : "transactional",
	    "unicodeEnabled", m->unicode != 0);
	if (j == NULL || (s = json_dumps(j, JSON_COMPACT)) == NULL)
		abort();
	chan_buf_add(body, s, strlen(s));
	free(s);
	json_decref(j);
}

/* The provider's id, error code and message from its JSON answer. */
static void
sms_answer(const struct sms_account *a, const struct chan_buf *b,
    struct sms_result *res)
{
	json_t		*j, *v;

	if (b->p == NULL || (j = json_loadb(b->p, b->len, 0, NULL)) == NULL)
		return;
	if (!json_is_object(j)) {
		json_decref(j);
		return;
	}
	v = json_object_get(j, a->provider == SMS_TWILIO ? "sid" : "messageId");
	if (res->status / 100 == 2 && json_is_string(v))
		snprintf(res->id, sizeof(res->id), "%s", json_string_value(v));
	else if (res->status / 100 == 2 && json_is_integer(v))
		snprintf(res->id, sizeof(res->id), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
	v = json_object_get(j, "code");
	if (json_is_integer(v))
		snprintf(res->code, sizeof(res->code), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
	else if (json_is_string(v))
		snprintf(res->code, sizeof(res->code), "%s", json_string_value(v));
	v = json_object_get(j, "message");
	if (res->status / 100 != 2 && json_is_string(v))
		snprintf(res->message, sizeof(res->message), "%s",
		    json_string_value(v));
	json_decref(j);
}

/* Whether a 4xx refuses the recipient rather than the message. */
static int
sms_bad_number(const struct sms_account *a, const struct sms_result *res)
{
	size_t	 i;
	long	 code;

	if (a->provider == SMS_TWILIO) {
		code = strtol(res->code, NULL, 10);
		for (i = 0; i < sizeof(sms_twilio_bad_number) /
		    sizeof(sms_twilio_bad_number[0]); i++)
			if (code == sms_twilio_bad_number[i])
				return 1;
		return 0;
	}
	if (strcmp(res->code, "invalid_parameter") != 0)
		return 0;
	for (i = 0; i < sizeof(sms_brevo_bad_number) /
	    sizeof(sms_brevo_bad_number[0]); i++)
		if (strcasestr(res->message, sms_brevo_bad_number[i]) != NULL)
			return 1;
	return 0;
}

static enum sms_rc
sms_map(const struct sms_account *a, const struct sms_result *res)
{
	if (res->status / 100 == 2)
		return SMS_SENT;
	if (res->status == 401 || res->status == 403)
		return SMS_AUTH;
	if (res->status == 429)
		return SMS_RATE_LIMITED;
	if (res->status == 0 || res->status >= 500)
		return SMS_DOWN;
	return sms_bad_number(a, res) ? SMS_BAD_NUMBER : SMS_REJECTED;
}

/*
 * One request to the provider with the account's credentials: a POST of
 * body, or a GET when body is NULL. Fills res (status, code, message; id
 * of a 2xx) and returns its mapping; ans keeps the answer's bytes.
 */
static enum sms_rc
sms_perform(struct sms_conn *c, const char *url, const struct chan_buf *body,
    struct chan_buf *ans, struct sms_result *res)
{
	const struct sms_account *a = c->acct;
	struct curl_slist	*hdrs = NULL, *l;
	char			 key[512], ebuf[CURL_ERROR_SIZE];
	CURLcode		 rc;

	ebuf[0] = '\0';
	if (a->provider == SMS_TWILIO) {
		curl_easy_setopt(c->h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c->h, CURLOPT_USERNAME, a->account_sid);
		curl_easy_setopt(c->h, CURLOPT_PASSWORD, a->secret);
	} else {
		snprintf(key, sizeof(key), "api-key: %s", a->secret);
		hdrs = sms_header_add(hdrs, key);
		sodium_memzero(key, sizeof(key));
		if (body != NULL)
			hdrs = sms_header_add(hdrs, "Content-Type: application/json");
	}
	hdrs = sms_header_add(hdrs, "Accept: application/json");
	curl_easy_setopt(c->h, CURLOPT_URL, url);
	curl_easy_setopt(c->h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c->h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c->h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (a->cafile != NULL && *a->cafile != '\0')
		curl_easy_setopt(c->h, CURLOPT_CAINFO, a->cafile);
	curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, hdrs);
	if (body != NULL) {
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, body->p);
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE, (long)body->len);
	} else
		curl_easy_setopt(c->h, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c->h, CURLOPT_CONNECTTIMEOUT, a->timeout);
	curl_easy_setopt(c->h, CURLOPT_TIMEOUT, a->timeout);
	curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, chan_buf_write);
	curl_easy_setopt(c->h, CURLOPT_WRITEDATA, ans);
	curl_easy_setopt(c->h, CURLOPT_HEADERFUNCTION, sms_header);
	curl_easy_setopt(c->h, CURLOPT_HEADERDATA, res);
	curl_easy_setopt(c->h, CURLOPT_ERRORBUFFER, ebuf);
	rc = curl_easy_perform(c->h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &res->status);
	else
		snprintf(res->message, sizeof(res->message), "%s",
		    ebuf[0] != '\0' ? ebuf : curl_easy_strerror(rc));
	/* Neither the token nor the key stays in memory after the request. */
	curl_easy_setopt(c->h, CURLOPT_PASSWORD, NULL);
	curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, NULL);
	for (l = hdrs; l != NULL; l = l->next)
		sodium_memzero(l->data, strlen(l->data));
	curl_slist_free_all(hdrs);
	sms_answer(a, ans, res);
	if (res->message[0] == '\0' && res->status / 100 != 2 && ans->p != NULL)
		snprintf(res->message, sizeof(res->message), "HTTP %ld: %.200s",
		    res->status, ans->p);
	return res->rc = sms_map(a, res);
}

enum sms_rc
sms_send(struct sms_conn *c, const struct sms_msg *m, struct sms_result *res)
{
	struct chan_buf		 body = { NULL, 0, 0, 0, 0 };
	struct chan_buf		 answer = { NULL, 0, 0, 65536, 0 };
	char			 url[1024];

	memset(res, 0, sizeof(*res));
	curl_easy_reset(c->h);
	if (c->acct->provider == SMS_TWILIO)
		sms_twilio(c, m, url, sizeof(url), &body);
	else
		sms_brevo(c, m, url, sizeof(url), &body);
	sms_perform(c, url, &body, &answer, res);
	chan_buf_reset(&body);
	chan_buf_reset(&answer);
	return res->rc;
}

enum sms_rc
sms_check(struct sms_conn *c, struct sms_result *res)
{
	const struct sms_account *a = c->acct;
	struct chan_buf		 answer = { NULL, 0, 0, 65536, 0 };
	char			 url[1024], *sid;
	const char		*base = a->base_url != NULL ? a->base_url :
	    sms_base[a->provider];
	json_t			*j = NULL;
	const char		*name, *state;

	memset(res, 0, sizeof(*res));
	curl_easy_reset(c->h);
	if (a->provider == SMS_TWILIO) {
		if ((sid = curl_easy_escape(c->h, a->account_sid, 0)) == NULL)
			abort();
		snprintf(url, sizeof(url), "%s/2010-04-01/Accounts/%s.json",
		    base, sid);
		curl_free(sid);
	} else
		snprintf(url, sizeof(url), "%s/v3/account", base);
	if (sms_perform(c, url, NULL, &answer, res) == SMS_SENT) {
		res->id[0] = '\0';
		if (answer.p != NULL)
			j = json_loadb(answer.p, answer.len, 0, NULL);
		if (a->provider == SMS_TWILIO) {
			name = json_string_value(json_object_get(j, "friendly_name"));
			state = json_string_value(json_object_get(j, "status"));
			snprintf(res->message, sizeof(res->message),
			    "Twilio account %s: %s", name != NULL ? name : "?",
			    state != NULL ? state : "status unknown");
			/* Suspended and closed accounts send nothing. */
			if (state == NULL || strcmp(state, "active") != 0)
				res->rc = SMS_AUTH;
		} else {
			name = json_string_value(json_object_get(j, "companyName"));
			snprintf(res->message, sizeof(res->message),
			    "Brevo account %s", name != NULL ? name : "?");
		}
		json_decref(j);
	}
	chan_buf_reset(&answer);
	return res->rc;
}
