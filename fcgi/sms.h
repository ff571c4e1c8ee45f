/*
 * Sending one SMS through the user's own provider account, Twilio or
 * Brevo, over their REST APIs with libcurl. The answer is reduced to what
 * the sender worker decides on (sent, bad number, credentials refused,
 * slow down, provider down, refused) plus the provider's own code and
 * message for the user.
 *
 * Wire formats:
 * - Twilio Messages API, "Create a Message resource":
 *   https://www.twilio.com/docs/messaging/api/message-resource
 *   POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP Basic
 *   AccountSid:AuthToken, form-encoded To, From or MessagingServiceSid,
 *   Body; 201 with the Message resource (its "sid", SM...). Errors:
 *   {"code","message","more_info","status"}, codes listed at
 *   https://www.twilio.com/docs/api/errors (21211 invalid To, 20003
 *   authentication, 20429 too many requests).
 * - Brevo transactional SMS, "Send SMS message to a mobile number":
 *   https://developers.brevo.com/docs/transactional-sms-endpoints
 *   POST {base}/v3/transactionalSMS/send (the /sms path is deprecated since
 *   2025-05, developers.brevo.com/changelog), header api-key, JSON
 *   {"sender","recipient","content","type","unicodeEnabled"}; 201
 *   {"messageId": N}. Errors: {"code","message"}; rate limits answer 429
 *   with x-sib-ratelimit-reset (https://developers.brevo.com/docs/limit-headers).
 */
#ifndef PROSPEA_SMS_H
#define PROSPEA_SMS_H

#include <stddef.h>

enum sms_provider {
	SMS_TWILIO,
	SMS_BREVO,
	SMS_PROVIDER__MAX
};

/* "twilio", "brevo": the names the API and the database use. */
extern const char *const sms_provider_names[SMS_PROVIDER__MAX];

/* A sending account's SMS side. All strings borrowed. */
struct sms_account {
	enum sms_provider provider;
	const char	*base_url;	/* NULL: https://api.twilio.com or https://api.brevo.com;
					   tests: the stand-in, http://127.0.0.1:port */
	const char	*account_sid;	/* Twilio Account SID (AC...); unused by Brevo */
	const char	*secret;	/* Twilio Auth Token or Brevo API key; never logged */
	const char	*sender;	/* Twilio: From (E.164 or an alphanumeric sender ID) or a
					   Messaging Service SID (MG...); Brevo: sender (at most
					   11 letters and digits, or 15 digits) */
	const char	*cafile;	/* NULL or "": the system's CAs */
	long		 timeout;	/* seconds for one request, connection included */
};

/* One message. All strings borrowed. */
struct sms_msg {
	const char	*to;		/* E.164: "+33612345678" */
	const char	*body;		/* UTF-8 */
	int		 marketing;	/* Brevo type "marketing" (STOP code, quiet hours); else
					   "transactional". Twilio has no such field. */
	int		 unicode;	/* Brevo unicodeEnabled: the body needs UCS-2 */
};

enum sms_rc {
	SMS_SENT,		/* accepted: id holds the provider's message id */
	SMS_BAD_NUMBER,		/* the recipient is refused: never retry to that number */
	SMS_AUTH,		/* credentials refused: the account needs the user's fix */
	SMS_RATE_LIMITED,	/* 429: retry after retry_after seconds */
	SMS_DOWN,		/* network, timeout, 5xx: retry later */
	SMS_REJECTED,		/* any other refusal: this message will not go as it is */
	SMS__MAX
};

/* "sent", "bad_number", "auth", "rate_limited", "down", "rejected". */
extern const char *const sms_rc_names[SMS__MAX];

struct sms_result {
	enum sms_rc	 rc;
	long		 status;	/* HTTP status; 0 without an answer */
	long		 retry_after;	/* seconds from Retry-After or x-sib-ratelimit-reset;
					   0 when the provider says nothing */
	char		 id[64];	/* Twilio's sid "SM...", Brevo's messageId in decimal */
	char		 code[32];	/* the provider's error code ("21211", "unauthorized") */
	char		 message[256];	/* the provider's message, or libcurl's error */
};

/*
 * 1 if e164 ("+33612345678") can receive Prospea's SMS: a French mobile
 * number, +336 or +337 and 8 more digits (ARCEP numbering plan; the
 * prospecting rules of the CNIL are French). 0 for NULL, landlines,
 * other countries.
 */
int		 sms_reachable(const char *e164);

/* A client for one account (nothing is opened yet). Owned; a borrows. */
struct sms_conn	*sms_conn_new(const struct sms_account *a);

/* Closes and frees. NULL is a no-op. */
void		 sms_conn_free(struct sms_conn *);

/*
 * Sends m through the account, reusing the connection of the previous
 * send. Fills res and returns res->rc. Mapping, for both providers: 2xx
 * SMS_SENT; 401 and 403 SMS_AUTH; 429 SMS_RATE_LIMITED; 5xx, no answer or
 * a timeout SMS_DOWN; other 4xx SMS_REJECTED, except a refused recipient:
 * Twilio codes 21211, 21214, 21217, 21610 (the recipient replied STOP),
 * 21612 and 21614, and a Brevo invalid_parameter whose message names the
 * recipient or number, which are SMS_BAD_NUMBER. The secret goes only into
 * the Authorization or api-key header and is wiped from the request's
 * memory after it. Logs nothing: the caller logs with its context.
 */
enum sms_rc	 sms_send(struct sms_conn *, const struct sms_msg *m,
		    struct sms_result *res);

/*
 * Tries the account's credentials without sending anything: Twilio
 * "Fetch an Account resource" (GET {base}/2010-04-01/Accounts/{AccountSid}.json,
 * https://www.twilio.com/docs/iam/api/account), Brevo "Get your account
 * information, plan and credits details" (GET {base}/v3/account,
 * https://developers.brevo.com/reference/getaccount). SMS_SENT when the
 * provider knows the credentials (and, for Twilio, the account's status
 * is "active"; a suspended or closed one is SMS_AUTH); otherwise as
 * sms_send() maps answers. res->message says what the provider answered
 * ("Twilio account Boulangerie: active"). Logs nothing.
 */
enum sms_rc	 sms_check(struct sms_conn *, struct sms_result *res);

#endif
