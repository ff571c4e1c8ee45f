/*
 * The lines the law puts in every campaign message, in French, added by
 * the sender after the user's own text (never inside it, so a template
 * cannot drop them):
 *
 * - the opt-out: every e-mail, text and HTML alike, ends with "Pour ne
 *   plus recevoir de messages de notre part : <link>" (the link of
 *   unsub.h, also in List-Unsubscribe); every SMS with a STOP mention.
 *   Code des postes et des communications électroniques, art. L34-5 (a
 *   valid means to object in each message), CNIL "La prospection
 *   commerciale par courrier électronique" and "... par SMS".
 * - the first-contact notice (GDPR art. 14: data not obtained from the
 *   person are explained "at the latest at the time of the first
 *   communication", art. 14(3)(b)): where the data came from (art.
 *   14(2)(f)), who uses them and why, and the right to object (art.
 *   14(2)(c), art. 21(2)-(4): prospecting may be objected to at any time).
 *
 * Pure text work: no database, no network. Every function returns an
 * owned, NUL-terminated string (free()); out of memory aborts.
 */
#ifndef PROSPEA_NOTICE_H
#define PROSPEA_NOTICE_H

/* Where a prospect's data came from, as the notice names it. */
enum notice_source {
	NOTICE_GOOGLE_MAPS,	/* Places search, or a Google Maps scraper export */
	NOTICE_FILE,		/* any other imported file */
	NOTICE_WEBSITE,		/* the business's own website */
	NOTICE_MANUAL,		/* typed in by the user, or unknown */
	NOTICE_SOURCE__MAX
};

/*
 * The source of a prospect from prospect.source ("places", "manual",
 * "website", "import:<file name>") and, for an import, the layout its
 * import job recognised (csvin_layout_name(): "gosom", "outscraper" and
 * "apify" are Google Maps exports; NULL when unknown).
 */
enum notice_source notice_source_of(const char *source, const char *layout);

/* What a message's footer says. Strings borrowed. */
struct notice {
	const char		*unsub_url;	/* the opt-out link, http(s) */
	int			 first;		/* first message to this prospect:
						   add the art. 14 notice */
	enum notice_source	 source;
	int			 email_from_website; /* the address was found on the
						   business's website (enricher) */
	const char		*controller;	/* who prospects: the sender's name
						   or company, UTF-8; NULL: "nous" */
};

/*
 * The plain-text body of an e-mail: body (the rendered template, LF or
 * CRLF), a blank line, then the first-contact notice when n->first, then
 * the opt-out line. Lines stay short enough for quoted-printable.
 */
char	*notice_email_text(const char *body, const struct notice *n);

/*
 * The HTML part: html with the same lines as paragraphs (their text
 * HTML-escaped, the link an <a href>) put before the last "</body>" when
 * there is one (any case), else at the end.
 */
char	*notice_email_html(const char *html, const struct notice *n);

/* How an SMS provider carries the STOP mention (sms.h's providers). */
enum notice_sms {
	NOTICE_SMS_REPLY,	/* "Répondez STOP": the sender's number takes replies
				   (Twilio's Advanced Opt-Out records them) */
	NOTICE_SMS_STOP_CODE,	/* "STOP au [STOP_CODE]": Brevo puts its short
				   number in place of [STOP_CODE] and sends the SMS
				   as marketing */
	NOTICE_SMS__MAX
};

/*
 * An SMS: body, then, on the first message, a one-line notice of the
 * source, then the STOP mention of kind. Separated by newlines.
 */
char	*notice_sms(const char *body, const struct notice *n, enum notice_sms kind);

#endif
