/*
 * Unit tests of notice.c: the source named from prospect.source and the
 * import's layout; the opt-out line in every text and HTML body and the
 * first-contact notice only when asked, after the user's text (its
 * trailing blank lines dropped), HTML-escaped in HTML and put before
 * </body> in any case; the SMS STOP mention of each provider.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "notice.h"

#define URL	"https://app.prospea.example/api/v1/u/AAAAAAAAAAEIi2TjhicYLwgmIB61Sth8"
#define OPTOUT	"Pour ne plus recevoir de messages de notre part : "

static void
test_source(void **state)
{
	(void)state;
	assert_int_equal(notice_source_of("places", NULL), NOTICE_GOOGLE_MAPS);
	assert_int_equal(notice_source_of("import:x.csv", "gosom"), NOTICE_GOOGLE_MAPS);
	assert_int_equal(notice_source_of("import:x.csv", "outscraper"),
	    NOTICE_GOOGLE_MAPS);
	assert_int_equal(notice_source_of("import:x.csv", "apify"), NOTICE_GOOGLE_MAPS);
	assert_int_equal(notice_source_of("import:x.csv", "spreadsheet"), NOTICE_FILE);
	assert_int_equal(notice_source_of("import:x.csv", NULL), NOTICE_FILE);
	assert_int_equal(notice_source_of("website", NULL), NOTICE_WEBSITE);
	assert_int_equal(notice_source_of("manual", NULL), NOTICE_MANUAL);
	assert_int_equal(notice_source_of(NULL, NULL), NOTICE_MANUAL);
	assert_int_equal(notice_source_of("imported", "gosom"), NOTICE_MANUAL);
}

static void
test_text(void **state)
{
	struct notice	 n = { URL, 0, NOTICE_GOOGLE_MAPS, 0, "Zoé Martin" };
	char		*s;

	(void)state;
	s = notice_email_text("Bonjour,\n\nZoé\n\n\n", &n);
	assert_string_equal(s, "Bonjour,\n\nZoé\n\n" OPTOUT URL "\n");
	free(s);
	n.first = 1;
	s = notice_email_text("Bonjour\r\n", &n);
	assert_string_equal(s, "Bonjour\n\n"
	    "Vos coordonnées professionnelles proviennent de votre fiche publique "
	    "Google Maps. Zoé Martin les utilise pour vous présenter ses services "
	    "(prospection entre professionnels, fondée sur l'intérêt légitime). "
	    "Vous pouvez vous opposer à tout moment à ce traitement : " URL "\n"
	    OPTOUT URL "\n");
	free(s);
	n.source = NOTICE_FILE;
	n.email_from_website = 1;
	n.controller = NULL;
	s = notice_email_text("", &n);
	assert_non_null(strstr(s, "proviennent d'un fichier de prospection importé "
	    "par nos soins ; votre adresse e-mail figure sur votre site internet. "
	    "Nous les utilisons pour vous présenter nos services"));
	free(s);
	n.source = NOTICE_WEBSITE;
	s = notice_email_text("x", &n);
	assert_null(strstr(s, "votre adresse e-mail figure"));	/* said once */
	free(s);
}

static void
test_html(void **state)
{
	struct notice	 n = { "https://a.example/u?x=1&y=\"2\"", 1, NOTICE_MANUAL, 0,
			    "<b>Dupont & fils</b>" };
	char		*s, *foot;

	(void)state;
	s = notice_email_html("<html><BODY><p>Bonjour</p></BODY></html>", &n);
	foot = strstr(s, "<p style");
	assert_non_null(foot);
	assert_true(foot > strstr(s, "<p>Bonjour</p>"));
	assert_non_null(strstr(s, "</p>\n</BODY></html>"));
	assert_non_null(strstr(s, "ont été recueillies par nos soins. "
	    "&lt;b&gt;Dupont &amp; fils&lt;/b&gt; les utilise"));
	assert_non_null(strstr(s, OPTOUT "<a href=\"https://a.example/u?x=1&amp;"
	    "y=&quot;2&quot;\">https://a.example/u?x=1&amp;y=&quot;2&quot;</a></p>"));
	assert_null(strstr(s, "<b>Dupont"));
	free(s);
	/* No </body>: at the end. The last </body> is the one used. */
	n.first = 0;
	s = notice_email_html("<p>Bonjour</p>", &n);
	assert_int_equal(strncmp(s, "<p>Bonjour</p>\n<p style", 22), 0);
	assert_null(strstr(s, "Vos coordonnées"));
	free(s);
	s = notice_email_html("<p>&lt;/body&gt; </body>x</body>", &n);
	assert_non_null(strstr(s, "</body>x\n<p style"));
	free(s);
}

static void
test_sms(void **state)
{
	struct notice	 n = { URL, 0, NOTICE_GOOGLE_MAPS, 0, NULL };
	char		*s;

	(void)state;
	s = notice_sms("Bonjour, un appel ?\n", &n, NOTICE_SMS_STOP_CODE);
	assert_string_equal(s, "Bonjour, un appel ?\nSTOP au [STOP_CODE]");
	free(s);
	n.first = 1;
	s = notice_sms("Bonjour", &n, NOTICE_SMS_REPLY);
	assert_string_equal(s, "Bonjour\nCoordonnées issues de Google Maps.\n"
	    "Répondez STOP pour ne plus recevoir nos SMS.");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_sms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
