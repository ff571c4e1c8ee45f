/*
 * Unit tests of pnorm.c, one table per function: generic mailboxes (the
 * CNIL's distinction), website host keys, shared platforms (every entry
 * of the module's sorted tables is looked up here, so an unsorted table
 * fails), folding and business keys, French postal codes a spreadsheet
 * damaged, French decimals, and CSV cells, formula injection included.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "unit.h"

#include "pnorm.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct generic_case {
	const char	*addr;
	int		 generic;
};

static const struct generic_case generic_cases[] = {
	{ "contact@epi-dor.example", 1 },
	{ "Contact@Epi-Dor.example", 1 },
	{ "CONTACT@EPI-DOR.EXAMPLE", 1 },
	{ "info@epi-dor.example", 1 },
	{ "infos@epi-dor.example", 1 },
	{ "hello@epi-dor.example", 1 },
	{ "bonjour@epi-dor.example", 1 },
	{ "accueil@epi-dor.example", 1 },
	{ "commande@epi-dor.example", 1 },
	{ "commandes@epi-dor.example", 1 },
	{ "reservation@epi-dor.example", 1 },
	{ "reservations@epi-dor.example", 1 },
	{ "devis@epi-dor.example", 1 },
	{ "secretariat@epi-dor.example", 1 },
	{ "secr\xc3\xa9tariat@epi-dor.example", 1 },
	{ "direction@epi-dor.example", 1 },
	{ "admin@epi-dor.example", 1 },
	{ "office@epi-dor.example", 1 },
	{ "sales@epi-dor.example", 1 },
	{ "vente@epi-dor.example", 1 },
	{ "ventes@epi-dor.example", 1 },
	{ "support@epi-dor.example", 1 },
	{ "service-client@epi-dor.example", 1 },
	{ "service.client@epi-dor.example", 1 },
	{ "serviceclient@epi-dor.example", 1 },
	{ "noreply@epi-dor.example", 1 },
	{ "no-reply@epi-dor.example", 1 },
	{ "ne-pas-repondre@epi-dor.example", 1 },
	{ "mairie@saint-genis.example", 1 },
	{ "contact.lyon@epi-dor.example", 1 },
	{ "contact-paris@epi-dor.example", 1 },
	{ "contact2@epi-dor.example", 1 },
	{ "contact+site@epi-dor.example", 1 },
	{ "jean.dupont@epi-dor.example", 0 },
	{ "j.dupont@epi-dor.example", 0 },
	{ "marie@epi-dor.example", 0 },
	{ "jean.contact@epi-dor.example", 0 },
	{ "contacteur@epi-dor.example", 0 },
	{ "adminjean@epi-dor.example", 0 },
	{ "info", 0 },
	{ "@epi-dor.example", 0 },
	{ "", 0 },
	{ NULL, 0 },
};

static void
test_pnorm_email_generic(void **state)
{
	size_t	 i, bad = 0;

	for (i = 0; i < NELEM(generic_cases); i++)
		if (pnorm_email_generic(generic_cases[i].addr) !=
		    generic_cases[i].generic) {
			fprintf(stderr, "pnorm_email_generic(\"%s\"): expected %d\n",
			    generic_cases[i].addr != NULL ? generic_cases[i].addr :
			    "NULL", generic_cases[i].generic);
			bad++;
		}
	assert_int_equal(bad, 0);
}

struct host_case {
	const char	*url;
	const char	*host;		/* NULL: -1 */
};

static const struct host_case host_cases[] = {
	{ "epi-dor.example", "epi-dor.example" },
	{ "https://www.Epi-Dor.example/contact", "epi-dor.example" },
	{ "http://ex\xc3\xa9mple.fr", "xn--exmple-cva.fr" },
	{ "http://EX\xc3\x89MPLE.fr/carte", "xn--exmple-cva.fr" },
	{ "ex\xc3\xa9mple.fr/carte", "xn--exmple-cva.fr" },
	{ "http://xn--exmple-cva.fr", "xn--exmple-cva.fr" },
	{ "HTTP://WWW.EXAMPLE.FR:8080/a?b#c", "example.fr" },
	{ "http://user:secret@shop.example.fr/", "shop.example.fr" },
	{ "  www.example.fr/menu  ", "example.fr" },
	{ "//cdn.example.fr/x", "cdn.example.fr" },
	{ "example.fr:8443", "example.fr" },
	{ "example.fr:8443/x", "example.fr" },
	{ "example.fr?q=1", "example.fr" },
	{ "https://example.fr.", "example.fr" },
	{ "www.fr", "www.fr" },
	{ "https://www2.example.fr", "www2.example.fr" },
	{ "https://www.www.example.fr", "www.example.fr" },
	{ "https://a.b.c.example.co.uk/x", "a.b.c.example.co.uk" },
	{ "mailto:contact@example.fr", NULL },
	{ "javascript:alert(1)", NULL },
	{ "tel:0465711234", NULL },
	{ "tel:0465", NULL },
	{ "ftp://example.fr", NULL },
	{ "file:///etc/passwd", NULL },
	{ "data:text/html,x", NULL },
	{ "contact@example.fr", NULL },
	{ "boulangerie", NULL },
	{ "http://localhost", NULL },
	{ "http://192.168.1.1/", NULL },
	{ "http://[::1]/", NULL },
	{ "http://exa_mple.fr", NULL },
	{ "http://-bad.fr", NULL },
	{ "http://bad-.fr", NULL },
	{ "https://.fr", NULL },
	{ "http://", NULL },
	{ "http://example.123", NULL },
	{ "example.fr:port", NULL },
	{ "", NULL },
	{ "   ", NULL },
	{ NULL, NULL },
};

static void
test_pnorm_website_host(void **state)
{
	char	 out[PNORM_HOST_MAX + 1];
	size_t	 i, bad = 0;
	int	 rc;

	for (i = 0; i < NELEM(host_cases); i++) {
		memset(out, 'x', sizeof(out));
		rc = pnorm_website_host(out, host_cases[i].url);
		if (rc != (host_cases[i].host != NULL ? 0 : -1) ||
		    strcmp(out, host_cases[i].host != NULL ?
		    host_cases[i].host : "") != 0) {
			fprintf(stderr, "pnorm_website_host(\"%s\"): got %d \"%s\"\n",
			    host_cases[i].url != NULL ? host_cases[i].url : "NULL",
			    rc, out);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* The longest host fits; one more label does not. */
static void
test_pnorm_website_host_long(void **state)
{
	char	 url[300], longer[310], out[PNORM_HOST_MAX + 1];
	size_t	 i, o = 0;

	for (i = 0; i < 62; i++) {
		memcpy(url + o, "abc.", 4);
		o += 4;
	}
	memcpy(url + o, "ab.fr", 6);
	assert_int_equal(strlen(url), PNORM_HOST_MAX);
	assert_int_equal(pnorm_website_host(out, url), 0);
	assert_string_equal(out, url);
	snprintf(longer, sizeof(longer), "a.%s", url);
	assert_int_equal(pnorm_website_host(out, longer), -1);
	assert_string_equal(out, "");
}

static const char *const shared_hosts[] = {
	/* every entry of the domain table */
	"118000.fr", "118712.fr", "about.me", "aol.com", "bbox.fr",
	"blogger.com", "booking.com", "business.site", "calendly.com",
	"canva.site", "carrd.co", "e-monsite.com", "etsy.com",
	"facebook.com", "fb.com", "fb.me", "free.fr", "g.page", "github.io",
	"gmail.com", "gmx.com", "gmx.fr", "godaddysites.com", "goo.gl",
	"googlemail.com", "habitatpresto.com", "icloud.com", "infogreffe.fr",
	"instagram.com", "jimdo.com", "jimdofree.com", "jimdosite.com",
	"just-eat.fr", "justacote.com", "kompass.com", "lafourchette.com",
	"laposte.net", "leboncoin.fr", "linkedin.com", "linktr.ee",
	"live.com", "live.fr", "mappy.com", "me.com", "messenger.com",
	"msn.com", "myshopify.com", "netlify.app", "neuf.fr", "orange.fr",
	"outlook.com", "outlook.fr", "over-blog.com", "pages.dev",
	"pagesjaunes.fr", "pagesperso-orange.fr", "pappers.fr",
	"petitfute.com", "pinterest.com", "pinterest.fr", "planity.com",
	"proton.me", "protonmail.com", "sfr.fr", "site123.me", "societe.com",
	"squarespace.com", "starofservice.com", "tiktok.com", "twitter.com",
	"ubereats.com", "vercel.app", "wa.me", "wanadoo.fr", "waze.com",
	"webnode.com", "webnode.fr", "weebly.com", "whatsapp.com", "wix.com",
	"wixsite.com", "wordpress.com", "x.com", "youtu.be", "youtube.com",
	/* every brand, under a few country domains */
	"airbnb.fr", "blogspot.com", "deliveroo.fr", "doctolib.fr",
	"expedia.fr", "google.com", "groupon.fr", "hotmail.fr", "houzz.fr",
	"thefork.fr", "treatwell.fr", "tripadvisor.fr", "trivago.fr",
	"yahoo.fr", "yelp.fr",
	"www.tripadvisor.co.uk", "tripadvisor.com", "airbnb.com.br",
	"yelp.com", "epidor.blogspot.fr", "deliveroo.co.uk",
	/* under them */
	"m.facebook.com", "fr-fr.facebook.com", "fr.linkedin.com",
	"sites.google.com", "maps.google.fr", "epidor.business.site",
	"epidor.wixsite.com", "epidor.wordpress.com", "epidor.jimdofree.com",
	"epidor.myshopify.com", "perso.wanadoo.fr",
	/* case and a final dot */
	"FACEBOOK.COM", "WWW.Facebook.com", "facebook.com.",
};

static const char *const own_hosts[] = {
	"epi-dor.example", "boulangerie-epidor.fr", "notfacebook.com",
	"facebook.com.evil.fr", "facebookcom.fr", "mygoogle.fr",
	"google.evil.example", "tripadvisor.example.com", "yelp", "com",
	"airbnb.c", "airbnb.fr2", "x.com.fr", "wixsite.com.example.fr",
	"", NULL,
};

static void
test_pnorm_shared_host(void **state)
{
	size_t	 i, bad = 0;

	for (i = 0; i < NELEM(shared_hosts); i++)
		if (!pnorm_shared_host(shared_hosts[i])) {
			fprintf(stderr, "pnorm_shared_host(\"%s\"): expected 1\n",
			    shared_hosts[i]);
			bad++;
		}
	for (i = 0; i < NELEM(own_hosts); i++)
		if (pnorm_shared_host(own_hosts[i])) {
			fprintf(stderr, "pnorm_shared_host(\"%s\"): expected 0\n",
			    own_hosts[i]);
			bad++;
		}
	assert_int_equal(bad, 0);
}

struct fold_case {
	const char	*in;
	const char	*out;
};

static const struct fold_case fold_cases[] = {
	{ "Boulangerie L'\xc3\x89pi d'Or", "boulangerie l epi d or" },
	{ "  Pizz\xc3\xa9ria   N\xc3\xa1poli  ", "pizzeria napoli" },
	{ "\xc5\x92uvre & C\xc5\x93ur", "oeuvre et coeur" },
	{ "Dupont&Fils", "dupont et fils" },
	{ "\xc3\x87" "a Boulange!!!", "ca boulange" },
	{ "Cre\xcc\x80me Bru\xcc\x82le\xcc\x81" "e", "creme brulee" },
	{ "L\xe2\x80\x99" "Atelier \xc2\xab Chez Jo \xc2\xbb", "l atelier chez jo" },
	{ "M\xc3\xbcller Stra\xc3\x9f" "e", "muller strasse" },
	{ "\xc3\x86sop \xc3\x98re", "aesop ore" },
	{ "\xce\x95\xce\xbb\xce\xbb\xce\xac\xce\xb4\xce\xb1", "\xce\x95\xce\xbb\xce\xbb\xce\xac\xce\xb4\xce\xb1" },
	{ "Caf\xe9 du Port", "caf du port" },
	{ "Boulangerie\tdu\nPort", "boulangerie du port" },
	{ "2 \xc3\x97 3", "2 3" },
	{ "\xef\xac\x81" "ne", "fine" },
	{ "!!!", "" },
	{ "", "" },
};

static void
test_pnorm_fold(void **state)
{
	char	 out[64];
	size_t	 i, n, bad = 0;

	for (i = 0; i < NELEM(fold_cases); i++) {
		n = pnorm_fold(out, sizeof(out), fold_cases[i].in);
		if (strcmp(out, fold_cases[i].out) != 0 || n != strlen(out)) {
			fprintf(stderr, "pnorm_fold(\"%s\"): got \"%s\"\n",
			    fold_cases[i].in, out);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	/* Cut at a character boundary, never inside "é" or "oe". */
	assert_int_equal(pnorm_fold(out, 4, "abc\xc3\xa9"), 3);
	assert_string_equal(out, "abc");
	assert_int_equal(pnorm_fold(out, 5, "abc \xce\xb1\xce\xb2"), 3);
	assert_string_equal(out, "abc");
	assert_int_equal(pnorm_fold(out, 1, "abc"), 0);
	assert_string_equal(out, "");
}

static void
test_pnorm_search_text(void **state)
{
	char		 out[PNORM_SEARCH_MAX + 1], big[2000];
	const char	*parts[] = { "Boulangerie L\xe2\x80\x99\xc3\x89pi d'Or",
	    "Saint-\xc3\x89tienne", NULL, "C\xc5\x93ur & Co",
	    "Contact@Epi-Dor.fr", "!!!", "42000" };
	const char	*none[] = { NULL, "", "---" };
	size_t		 n;

	n = pnorm_search_text(out, parts, NELEM(parts));
	assert_string_equal(out, "boulangerie l epi d or saint etienne "
	    "coeur et co contact epi dor fr 42000");
	assert_int_equal(n, strlen(out));
	assert_int_equal(pnorm_search_text(out, none, NELEM(none)), 0);
	assert_string_equal(out, "");
	/* Cut to the column, never inside a character, no space last. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big + PNORM_SEARCH_MAX - 2, "\xe6\x97\xa5", 3);	/* CJK, kept */
	parts[0] = big;
	n = pnorm_search_text(out, parts, 1);
	assert_int_equal(n, PNORM_SEARCH_MAX - 2);
	assert_int_equal(out[n - 1], 'a');
	parts[0] = "x";
	parts[1] = big;
	n = pnorm_search_text(out, parts, 2);
	assert_true(n <= PNORM_SEARCH_MAX);
	assert_int_equal(out[n], '\0');
	assert_true(out[n - 1] != ' ');
}

struct key_case {
	const char	*name;
	const char	*postal;
	const char	*key;		/* NULL: -1 */
};

static const struct key_case key_cases[] = {
	{ "Boulangerie L'\xc3\x89pi d'Or SARL", "69001",
	    "boulangerie l epi d or|69001" },
	{ "BOULANGERIE L\xe2\x80\x99\xc3\x89PI D\xe2\x80\x99OR", "69001",
	    "boulangerie l epi d or|69001" },
	{ "Dupont & Fils", "75011", "dupont et fils|75011" },
	{ "Dupont et Fils S.A.R.L.", "75011", "dupont et fils|75011" },
	{ "SAS Garage Martin", " 13001 ", "garage martin|13001" },
	{ "Garage Martin SASU", "13001", "garage martin|13001" },
	{ "Ets Martin", "01000", "martin|01000" },
	{ "\xc3\x89tablissements Martin", "01000", "martin|01000" },
	{ "Etablissement Martin", "01000", "martin|01000" },
	{ "EURL Plomberie Durand", "33000", "plomberie durand|33000" },
	{ "SCI Les Tilleuls", "33000", "les tilleuls|33000" },
	{ "SELARL Cabinet Dentaire", "33000", "cabinet dentaire|33000" },
	{ "Le Caf\xc3\xa9 de la Gare", "84000", "le cafe de la gare|84000" },
	{ "Garage A S.A.R.L.", "13001", "garage a|13001" },
	{ "S.A. Dupont", "13001", "dupont|13001" },
	{ "S.A.S. B Dupont", "13001", "b dupont|13001" },
	{ "A.B.C. Plomberie", "13001", "a b c plomberie|13001" },
	{ "SNC Tabac-Presse du Port", "13002", "tabac presse du port|13002" },
	{ "Plomberie Martin EI", "69002", "plomberie martin|69002" },
	{ "sarl", "13001", NULL },
	{ "S.A.R.L.", "13001", NULL },
	{ "!!!", "13001", NULL },
	{ "", "13001", NULL },
	{ NULL, "13001", NULL },
	{ "Boulangerie", NULL, NULL },
	{ "Boulangerie", "", NULL },
	{ "Boulangerie", "   ", NULL },
	{ "Boulangerie", "12345678901234567", NULL },
	{ "Boulangerie", "1234567890123456", "boulangerie|1234567890123456" },
};

static void
test_pnorm_name_key(void **state)
{
	char	 out[PNORM_KEY_MAX + 1];
	size_t	 i, bad = 0;
	int	 rc;

	for (i = 0; i < NELEM(key_cases); i++) {
		memset(out, 'x', sizeof(out));
		rc = pnorm_name_key(out, key_cases[i].name, key_cases[i].postal);
		if (rc != (key_cases[i].key != NULL ? 0 : -1) ||
		    strcmp(out, key_cases[i].key != NULL ? key_cases[i].key :
		    "") != 0) {
			fprintf(stderr, "pnorm_name_key(\"%s\", \"%s\"): got %d "
			    "\"%s\"\n", key_cases[i].name != NULL ?
			    key_cases[i].name : "NULL", key_cases[i].postal != NULL ?
			    key_cases[i].postal : "NULL", rc, out);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* A long name is cut to fit, at a character boundary, the code kept. */
static void
test_pnorm_name_key_long(void **state)
{
	char	 name[1200], out[PNORM_KEY_MAX + 1];
	size_t	 i, len;

	for (i = 0; i + 3 < sizeof(name); i += 3)
		memcpy(name + i, "\xc3\xa9z", 3);	/* "éz", folds to "ez" */
	name[i] = '\0';
	assert_int_equal(pnorm_name_key(out, name, "75001"), 0);
	len = strlen(out);
	assert_true(len <= PNORM_KEY_MAX);
	assert_int_equal(len, PNORM_KEY_MAX);
	assert_string_equal(out + len - 6, "|75001");
	/* Words of another script are cut between characters. */
	for (i = 0; i + 2 < sizeof(name); i += 2)
		memcpy(name + i, "\xce\xb1", 2);
	name[i] = '\0';
	assert_int_equal(pnorm_name_key(out, name, "75001"), 0);
	len = strlen(out);
	assert_true(len <= PNORM_KEY_MAX);
	assert_string_equal(out + len - 6, "|75001");
	assert_int_equal((len - 6) % 2, 0);
}

struct postal_case {
	const char	*text;
	const char	*country;
	const char	*out;
	unsigned	 flags;
};

static const struct postal_case postal_cases[] = {
	{ "75001", NULL, "75001", 0 },
	{ "75001", "FR", "75001", 0 },
	{ "75001", "fr", "75001", 0 },
	{ "75001", "", "75001", 0 },
	{ " 69001 ", "FR", "69001", 0 },
	{ "1000", "FR", "01000", PNORM_POSTAL_REPAIRED },
	{ " 6900\t", NULL, "06900", PNORM_POSTAL_REPAIRED },
	{ "0100", "FR", "0100", PNORM_POSTAL_INVALID },
	{ "750011", "FR", "750011", PNORM_POSTAL_INVALID },
	{ "75 001", "FR", "75 001", PNORM_POSTAL_INVALID },
	{ "F-75001", "FR", "F-75001", PNORM_POSTAL_INVALID },
	{ "123", "FR", "123", PNORM_POSTAL_INVALID },
	{ "", "FR", "", PNORM_POSTAL_INVALID },
	{ NULL, "FR", "", PNORM_POSTAL_INVALID },
	{ "1000", "BE", "1000", 0 },
	{ "  8001 ", "CH", "8001", 0 },
	{ "SW1A 1AA", "GB", "SW1A 1AA", 0 },
	{ "", "BE", "", 0 },
};

static void
test_pnorm_postal_code(void **state)
{
	char		 out[16];
	unsigned	 flags;
	size_t		 i, bad = 0;

	for (i = 0; i < NELEM(postal_cases); i++) {
		flags = 99;
		if (pnorm_postal_code(out, sizeof(out), postal_cases[i].text,
		    postal_cases[i].country, &flags) != 0 ||
		    strcmp(out, postal_cases[i].out) != 0 ||
		    flags != postal_cases[i].flags) {
			fprintf(stderr, "pnorm_postal_code(\"%s\", %s): got "
			    "\"%s\" flags %u\n", postal_cases[i].text != NULL ?
			    postal_cases[i].text : "NULL",
			    postal_cases[i].country != NULL ?
			    postal_cases[i].country : "NULL", out, flags);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	/* Room: "75001" needs 6 bytes, "1000" too once repaired. */
	assert_int_equal(pnorm_postal_code(out, 6, "75001", "FR", NULL), 0);
	assert_string_equal(out, "75001");
	assert_int_equal(pnorm_postal_code(out, 5, "75001", "FR", &flags), -1);
	assert_string_equal(out, "");
	assert_int_equal(flags, 0);
	assert_int_equal(pnorm_postal_code(out, 5, "1000", "FR", NULL), -1);
	assert_int_equal(pnorm_postal_code(out, 0, "1000", "FR", NULL), -1);
}

struct decimal_case {
	const char	*text;
	int		 ok;
	double		 value;
};

static const struct decimal_case decimal_cases[] = {
	{ "4.6", 1, 4.6 },
	{ "4,6", 1, 4.6 },
	{ "4.600000", 1, 4.6 },
	{ " 4,6 ", 1, 4.6 },
	{ "-0,5", 1, -0.5 },
	{ "+3", 1, 3.0 },
	{ ".5", 1, 0.5 },
	{ "5.", 1, 5.0 },
	{ "0", 1, 0.0 },
	{ "45.7640", 1, 45.764 },
	{ "4.835659", 1, 4.835659 },
	{ "1234567.891", 1, 1234567.891 },
	{ "", 0, 0 },
	{ " ", 0, 0 },
	{ "4,6,7", 0, 0 },
	{ "4.6.7", 0, 0 },
	{ "4,6.7", 0, 0 },
	{ "1e3", 0, 0 },
	{ "1E3", 0, 0 },
	{ "0x1A", 0, 0 },
	{ "inf", 0, 0 },
	{ "nan", 0, 0 },
	{ "4 6", 0, 0 },
	{ "1 234,5", 0, 0 },
	{ "-", 0, 0 },
	{ ".", 0, 0 },
	{ ",", 0, 0 },
	{ "+-1", 0, 0 },
	{ "--1", 0, 0 },
	{ "4,6\xe2\x82\xac", 0, 0 },
	{ "4/5", 0, 0 },
	{ NULL, 0, 0 },
};

static void
test_pnorm_decimal(void **state)
{
	double	 v;
	size_t	 i, bad = 0;
	int	 rc;

	for (i = 0; i < NELEM(decimal_cases); i++) {
		v = -999;
		rc = pnorm_decimal(&v, decimal_cases[i].text);
		if (rc != (decimal_cases[i].ok ? 0 : -1) ||
		    (decimal_cases[i].ok && v != decimal_cases[i].value) ||
		    (!decimal_cases[i].ok && v != -999)) {
			fprintf(stderr, "pnorm_decimal(\"%s\"): got %d %g\n",
			    decimal_cases[i].text != NULL ? decimal_cases[i].text :
			    "NULL", rc, v);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Digits beyond double's range are no decimal; long ones are refused. */
static void
test_pnorm_decimal_long(void **state)
{
	char	 s[400];
	double	 v;

	memset(s, '9', 250);
	s[250] = '\0';
	assert_int_equal(pnorm_decimal(&v, s), 0);
	memset(s, '9', 350);
	s[350] = '\0';
	assert_int_equal(pnorm_decimal(&v, s), -1);
}

struct csv_case {
	char		 delimiter;
	const char	*in;
	const char	*out;
};

static const struct csv_case csv_cases[] = {
	{ ',', "plain", "plain" },
	{ ',', "", "" },
	{ ',', NULL, "" },
	{ ',', "Boulangerie L'\xc3\x89pi d'Or", "Boulangerie L'\xc3\x89pi d'Or" },
	{ ',', "a,b", "\"a,b\"" },
	{ ',', "say \"hi\"", "\"say \"\"hi\"\"\"" },
	{ ',', "\"", "\"\"\"\"" },
	{ ',', "line\nbreak", "\"line\nbreak\"" },
	{ ',', "line\r\nbreak", "\"line\r\nbreak\"" },
	{ ';', "a;b", "\"a;b\"" },
	{ ',', "a;b", "\"a;b\"" },
	{ ';', "a,b", "\"a,b\"" },
	{ '\t', "a\tb", "\"a\tb\"" },
	{ '|', "a|b", "\"a|b\"" },
	{ ',', "a|b", "a|b" },
	/* formula injection (OWASP, CSV Injection) */
	{ ',', "=1+1", "'=1+1" },
	{ ',', "=HYPERLINK(\"http://evil.example\",\"x\")",
	    "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"" },
	{ ',', "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0" },
	{ ';', "=SUM(A1;A2)", "\"'=SUM(A1;A2)\"" },
	{ ',', "+1+1", "'+1+1" },
	{ ',', "-1+1", "'-1+1" },
	{ ',', "-5", "'-5" },
	{ ',', "@SUM(A1)", "'@SUM(A1)" },
	{ ',', "\t=1+1", "\"'\t=1+1\"" },
	{ ',', "\r=1+1", "\"'\r=1+1\"" },
	{ ',', "a;=1+1", "\"a;=1+1\"" },
	{ ',', "+", "'+" },
	{ ',', "+33 4 65 71 12 34", "'+33 4 65 71 12 34" },
	{ ',', "+1234567890123456", "'+1234567890123456" },
	{ ',', "+33465711234a", "'+33465711234a" },
	/* E.164 stays a usable number */
	{ ',', "+33465711234", "+33465711234" },
	{ ',', "+1", "+1" },
	{ ',', "+123456789012345", "+123456789012345" },
	{ ',', "x=1", "x=1" },
};

static void
test_pnorm_csv_cell(void **state)
{
	struct pnorm_buf	 b;
	size_t			 i, bad = 0;

	for (i = 0; i < NELEM(csv_cases); i++) {
		memset(&b, 0, sizeof(b));
		pnorm_csv_cell(&b, csv_cases[i].in, csv_cases[i].delimiter);
		if (strcmp(b.p != NULL ? b.p : "", csv_cases[i].out) != 0 ||
		    b.len != strlen(csv_cases[i].out)) {
			fprintf(stderr, "pnorm_csv_cell(\"%s\", '%c'): got [%s]\n",
			    csv_cases[i].in != NULL ? csv_cases[i].in : "NULL",
			    csv_cases[i].delimiter, b.p != NULL ? b.p : "");
			bad++;
		}
		pnorm_buf_free(&b);
		assert_null(b.p);
	}
	assert_int_equal(bad, 0);
}

/* Cells and delimiters make a row; the buffer grows past its first size. */
static void
test_pnorm_csv_row(void **state)
{
	struct pnorm_buf	 b;
	char			 big[3000];
	size_t			 i;

	memset(&b, 0, sizeof(b));
	pnorm_buf_free(&b);		/* a zeroed buffer: no-op */
	pnorm_csv_cell(&b, "Boulangerie, p\xc3\xa2tisserie", ';');
	pnorm_buf_add(&b, ";", 1);
	pnorm_csv_cell(&b, "+33465711234", ';');
	pnorm_buf_add(&b, ";", 1);
	pnorm_csv_cell(&b, "=2+3", ';');
	pnorm_buf_add(&b, "\r\n", 2);
	assert_string_equal(b.p, "\"Boulangerie, p\xc3\xa2tisserie\";"
	    "+33465711234;'=2+3\r\n");
	pnorm_buf_free(&b);

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 0; i < 10; i++)
		pnorm_csv_cell(&b, big, ',');
	assert_int_equal(b.len, 10 * (sizeof(big) - 1));
	assert_int_equal(strspn(b.p, "a"), b.len);
	pnorm_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pnorm_email_generic),
		cmocka_unit_test(test_pnorm_website_host),
		cmocka_unit_test(test_pnorm_website_host_long),
		cmocka_unit_test(test_pnorm_shared_host),
		cmocka_unit_test(test_pnorm_fold),
		cmocka_unit_test(test_pnorm_name_key),
		cmocka_unit_test(test_pnorm_name_key_long),
		cmocka_unit_test(test_pnorm_postal_code),
		cmocka_unit_test(test_pnorm_decimal),
		cmocka_unit_test(test_pnorm_decimal_long),
		cmocka_unit_test(test_pnorm_csv_cell),
		cmocka_unit_test(test_pnorm_csv_row),
		cmocka_unit_test(test_pnorm_search_text),
	};

	return cmocka_run_group_tests_name("pnorm", tests, NULL, NULL);
}
