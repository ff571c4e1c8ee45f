/*
 * The opt-out line and the first-contact notice of campaign messages
 * (notice.h): the French texts, and where they go in a text body, an
 * HTML body and an SMS.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "notice.h"

#define NOTICE_OPTOUT	"Pour ne plus recevoir de messages de notre part : "

/* After "Vos coordonnées professionnelles ": where they came from. */
static const char *const notice_whence[NOTICE_SOURCE__MAX] = {
	[NOTICE_GOOGLE_MAPS] = "proviennent de votre fiche publique Google Maps",
	[NOTICE_FILE] = "proviennent d'un fichier de prospection importé par "
	    "nos soins",
	[NOTICE_WEBSITE] = "proviennent de votre site internet",
	[NOTICE_MANUAL] = "ont été recueillies par nos soins",
};

/* The same, as short as an SMS needs. */
static const char *const notice_whence_sms[NOTICE_SOURCE__MAX] = {
	[NOTICE_GOOGLE_MAPS] = "Coordonnées issues de Google Maps.",
	[NOTICE_FILE] = "Coordonnées issues d'un fichier de prospection.",
	[NOTICE_WEBSITE] = "Coordonnées issues de votre site internet.",
	[NOTICE_MANUAL] = "Coordonnées recueillies par nos soins.",
};

static const char *const notice_stop[NOTICE_SMS__MAX] = {
	[NOTICE_SMS_REPLY] = "Répondez STOP pour ne plus recevoir nos SMS.",
	/* Brevo's marker, replaced by its own short number. */
	[NOTICE_SMS_STOP_CODE] = "STOP au [STOP_CODE]",
};

enum notice_source
notice_source_of(const char *source, const char *layout)
{
	static const char *const maps[] = { "gosom", "outscraper", "apify" };
	size_t	 i;

	if (source == NULL)
		return NOTICE_MANUAL;
	if (strcmp(source, "places") == 0)
		return NOTICE_GOOGLE_MAPS;
	if (strcmp(source, "website") == 0)
		return NOTICE_WEBSITE;
	if (strncmp(source, "import:", 7) != 0)
		return NOTICE_MANUAL;
	for (i = 0; layout != NULL && i < sizeof(maps) / sizeof(maps[0]); i++)
		if (strcmp(layout, maps[i]) == 0)
			return NOTICE_GOOGLE_MAPS;
	return NOTICE_FILE;
}

/* A memory stream; out of memory aborts. */
static FILE *
notice_open(char **buf, size_t *len)
{
	FILE	*f;

	if ((f = open_memstream(buf, len)) == NULL)
		abort();
	return f;
}

static char *
notice_close(FILE *f, char **buf)
{
	if (fclose(f) != 0 || *buf == NULL)
		abort();
	return *buf;
}

/* The first-contact notice as one paragraph of text (no link yet). */
static void
notice_first(FILE *f, const struct notice *n)
{
	fprintf(f, "Vos coordonnées professionnelles %s",
	    notice_whence[n->source < NOTICE_SOURCE__MAX ? n->source :
	    NOTICE_MANUAL]);
	if (n->email_from_website && n->source != NOTICE_WEBSITE)
		fputs(" ; votre adresse e-mail figure sur votre site internet", f);
	if (n->controller != NULL && *n->controller != '\0')
		fprintf(f, ". %s les utilise pour vous présenter ses services",
		    n->controller);
	else
		fputs(". Nous les utilisons pour vous présenter nos services", f);
	fputs(" (prospection entre professionnels, fondée sur l'intérêt "
	    "légitime). Vous pouvez vous opposer à tout moment à ce "
	    "traitement : ", f);
}

/* text without its trailing blank lines and spaces. */
static void
notice_body(FILE *f, const char *text)
{
	size_t	 n = text != NULL ? strlen(text) : 0;

	while (n > 0 && strchr(" \t\r\n", text[n - 1]) != NULL)
		n--;
	fwrite(text, 1, n, f);
}

char *
notice_email_text(const char *body, const struct notice *n)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 len;

	f = notice_open(&buf, &len);
	notice_body(f, body);
	fputs("\n\n", f);
	if (n->first) {
		notice_first(f, n);
		fprintf(f, "%s\n", n->unsub_url);
	}
	fprintf(f, NOTICE_OPTOUT "%s\n", n->unsub_url);
	return notice_close(f, &buf);
}

/* s HTML-escaped (the five characters of the HTML spec's escaping). */
static void
notice_html_escape(FILE *f, const char *s)
{
	for (; *s != '\0'; s++)
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
}

static void
notice_html_link(FILE *f, const char *url)
{
	fputs("<a href=\"", f);
	notice_html_escape(f, url);
	fputs("\">", f);
	notice_html_escape(f, url);
	fputs("</a>", f);
}

/* The last "</body>" of html, any case, or NULL. */
static const char *
notice_body_end(const char *html)
{
	const char	*p, *last = NULL;

	for (p = html; (p = strchr(p, '<')) != NULL; p++)
		if (strncasecmp(p, "</body", 6) == 0)
			last = p;
	return last;
}

char *
notice_email_html(const char *html, const struct notice *n)
{
	FILE		*f, *para;
	const char	*end = notice_body_end(html);
	char		*buf = NULL, *pbuf = NULL;
	size_t		 len, plen;

	f = notice_open(&buf, &len);
	if (end != NULL)
		fwrite(html, 1, (size_t)(end - html), f);
	else
		fputs(html, f);
	fputs("\n", f);
	if (n->first) {
		para = notice_open(&pbuf, &plen);
		notice_first(para, n);
		notice_close(para, &pbuf);
		fputs("<p style=\"font-size:12px;color:#666666\">", f);
		notice_html_escape(f, pbuf);
		notice_html_link(f, n->unsub_url);
		fputs("</p>\n", f);
		free(pbuf);
	}
	fputs("<p style=\"font-size:12px;color:#666666\">" NOTICE_OPTOUT, f);
	notice_html_link(f, n->unsub_url);
	fputs("</p>\n", f);
	if (end != NULL)
		fputs(end, f);
	return notice_close(f, &buf);
}

char *
notice_sms(const char *body, const struct notice *n, enum notice_sms kind)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 len;

	f = notice_open(&buf, &len);
	notice_body(f, body);
	if (n->first)
		fprintf(f, "\n%s", notice_whence_sms[n->source < NOTICE_SOURCE__MAX ?
		    n->source : NOTICE_MANUAL]);
	fprintf(f, "\n%s", notice_stop[kind < NOTICE_SMS__MAX ? kind :
	    NOTICE_SMS_REPLY]);
	return notice_close(f, &buf);
}
