/*
 * Normalisation rules for prospect data (pnorm.h): tables of generic
 * mailboxes, platform hosts and legal forms, and the folds that use them.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <idn2.h>

#include "pnorm.h"

/* Local parts (or their first word) of role mailboxes. Sorted. */
static const char *const pnorm_generic[] = {
	"abuse", "accueil", "admin", "administration", "agence", "bienvenue",
	"billing", "bonjour", "booking", "boutique", "bureau", "cabinet",
	"commande", "commandes", "commercial", "communication", "compta",
	"comptabilite", "contact", "contacts", "courrier", "devis",
	"direction", "email", "equipe", "facturation", "hello", "hotel",
	"info", "infos", "information", "informations", "jobs", "mail",
	"mairie", "magasin", "marketing", "newsletter", "no-reply",
	"noreply", "office", "order", "orders", "postmaster", "presse",
	"press", "recrutement", "resa", "reservation", "reservations",
	"restaurant", "rh", "sales", "sav", "secretariat", "service",
	"serviceclient", "shop", "support", "team", "vente", "ventes",
	"webmaster",
};

/* Hosts of platforms many businesses share. Sorted. */
static const char *const pnorm_shared[] = {
	"airbnb.com", "airbnb.fr", "blogspot.com", "booking.com",
	"business.site", "deliveroo.fr", "doctolib.fr", "facebook.com",
	"fb.com", "google.com", "goo.gl", "instagram.com", "jimdo.com",
	"jimdofree.com", "jimdosite.com", "lafourchette.com", "linkedin.com",
	"linktr.ee", "mappy.com", "over-blog.com", "pagesjaunes.fr",
	"planity.com", "site-solocal.com", "sites.google.com",
	"societe.com", "solocal.com", "thefork.com", "thefork.fr",
	"tiktok.com", "tripadvisor.com", "tripadvisor.fr", "twitter.com",
	"ubereats.com", "uber.com", "webnode.fr", "weebly.com", "wix.com",
	"wixsite.com", "wordpress.com", "x.com", "yelp.com", "yelp.fr",
	"youtube.com",
};

/* Words of legal forms, dropped from name keys. Sorted. */
static const char *const pnorm_legal[] = {
	"eirl", "ets", "etablissements", "eurl", "sa", "sarl", "sas",
	"sasu", "sci", "scop", "selarl", "snc",
};

static int
pnorm_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

static int
pnorm_in(const char *word, const char *const *tbl, size_t n)
{
	return bsearch(word, tbl, n, sizeof(*tbl), pnorm_cmp) != NULL;
}

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

int
pnorm_email_generic(const char *addr)
{
	char		 local[65];
	const char	*at = strrchr(addr, '@');
	size_t		 n, i;

	if (at == NULL || (n = (size_t)(at - addr)) == 0 || n >= sizeof(local))
		return 0;
	for (i = 0; i < n; i++)
		local[i] = (char)tolower((unsigned char)addr[i]);
	local[n] = '\0';
	if (pnorm_in(local, pnorm_generic, NELEM(pnorm_generic)))
		return 1;
	/* "contact.lyon@", "info-devis@": the first word decides. */
	local[strcspn(local, ".-_+")] = '\0';
	return pnorm_in(local, pnorm_generic, NELEM(pnorm_generic));
}

int
pnorm_website_host(char *out, const char *s)
{
	CURLU		*u;
	char		*scheme = NULL, *host = NULL, *ascii = NULL;
	const char	*h;
	int		 rc = -1;
	size_t		 i;

	out[0] = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || strchr(s, ' ') != NULL || (u = curl_url()) == NULL)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, s, CURLU_GUESS_SCHEME |
	    CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto out;
	/* A guessed scheme must not turn "mailto:x" or "tel:1" into a host. */
	if (strncasecmp(s, "http://", 7) != 0 && strncasecmp(s, "https://", 8) != 0 &&
	    strchr(s, ':') != NULL && strchr(s, ':') < strchr(s, '.'))
		goto out;
	for (i = 0; host[i] != '\0' && (unsigned char)host[i] < 0x80; i++)
		;
	if (host[i] == '\0') {
		/* ASCII already: IDNA would only fold case. */
		if ((ascii = strdup(host)) == NULL)
			abort();
	} else if (idn2_to_ascii_8z(host, &ascii, IDN2_NONTRANSITIONAL) !=
	    IDN2_OK)
		goto out;
	for (i = 0; ascii[i] != '\0'; i++)
		ascii[i] = (char)tolower((unsigned char)ascii[i]);
	h = strncmp(ascii, "www.", 4) == 0 ? ascii + 4 : ascii;
	if (strchr(h, '.') == NULL || strlen(h) > PNORM_HOST_MAX ||
	    h[strlen(h) - 1] == '.')
		goto out;
	snprintf(out, PNORM_HOST_MAX + 1, "%s", h);
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	free(ascii);
	curl_url_cleanup(u);
	return rc;
}

int
pnorm_shared_host(const char *host)
{
	const char	*p = host;

	/* The host itself, then each parent domain in turn. */
	for (;;) {
		if (pnorm_in(p, pnorm_shared, NELEM(pnorm_shared)))
			return 1;
		if ((p = strchr(p, '.')) == NULL)
			return 0;
		p++;
	}
}

/*
 * The ASCII fold of the Latin-1 Supplement and Latin Extended-A letter cp
 * (lower case, without accent, ligatures spelt out), or NULL.
 */
static const char *
pnorm_fold_cp(unsigned cp)
{
	static const char *const latin1[0x40] = {
		"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e",
		"i", "i", "i", "i", "d", "n", "o", "o", "o", "o", "o", NULL,
		"o", "u", "u", "u", "u", "y", "th", "ss",
		"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e",
		"i", "i", "i", "i", "d", "n", "o", "o", "o", "o", "o", NULL,
		"o", "u", "u", "u", "u", "y", "th", "y",
	};
	/* U+0100..U+017F: pairs of upper and lower case mostly. */
	static const char ext_a[] =
	    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiijjjjkkklllll"
	    "lllllnnnnnnnnnoooooooorrrrrrsssssssstttttuuuuuuuuuuuuwwyyyzzzzzs";

	if (cp >= 0xc0 && cp <= 0xff)
		return latin1[cp - 0xc0];
	if (cp == 0x152 || cp == 0x153)
		return "oe";
	if (cp == 0x132 || cp == 0x133)
		return "ij";
	if (cp >= 0x100 && cp <= 0x17f) {
		static char one[2];

		one[0] = ext_a[cp - 0x100];
		return one;
	}
	return NULL;
}

/* Decodes the UTF-8 sequence at *s (valid input assumed); advances *s. */
static unsigned
pnorm_utf8(const char **s)
{
	const unsigned char	*p = (const unsigned char *)*s;
	unsigned		 cp;
	int			 n, i;

	if (p[0] < 0x80) {
		*s += 1;
		return p[0];
	}
	n = p[0] >= 0xf0 ? 3 : p[0] >= 0xe0 ? 2 : 1;
	cp = p[0] & (0x3f >> n);
	for (i = 1; i <= n && p[i] != '\0'; i++)
		cp = (cp << 6) | (p[i] & 0x3f);
	*s += i;
	return cp;
}

int
pnorm_name_key(char *out, const char *name, const char *postal_code)
{
	char		 word[PNORM_KEY_MAX + 1];
	size_t		 wl = 0, ol = 0, pl;
	const char	*s = name, *f, *prev = name;
	unsigned	 cp;
	int		 end;

	out[0] = '\0';
	if (name == NULL || postal_code == NULL)
		return -1;
	while (*postal_code == ' ')
		postal_code++;
	if ((pl = strlen(postal_code)) == 0)
		return -1;
	for (end = 0; !end;) {
		char	 piece[8];

		if (*s == '\0') {
			end = 1;
			f = " ";
		} else {
			prev = s;
			cp = pnorm_utf8(&s);
			if (cp < 0x80 && isalnum((int)cp)) {
				piece[0] = (char)tolower((int)cp);
				piece[1] = '\0';
				f = piece;
			} else if (cp == '&')
				f = " et ";
			else if (cp == '\'' || cp == 0x2019)
				f = " ";
			else if ((f = pnorm_fold_cp(cp)) == NULL)
				f = cp < 0x80 ? " " : NULL;
		}
		if (f == NULL) {
			/* Another script: kept as it is written. */
			if (wl + (size_t)(s - prev) < sizeof(word) - 1) {
				memcpy(word + wl, prev, (size_t)(s - prev));
				wl += (size_t)(s - prev);
			}
			continue;
		}
		for (; *f != '\0'; f++) {
			if (*f != ' ') {
				if (wl < sizeof(word) - 1)
					word[wl++] = *f;
				continue;
			}
			/* A word ends: keep it unless it is a legal form. */
			word[wl] = '\0';
			if (wl > 0 && !pnorm_in(word, pnorm_legal, NELEM(pnorm_legal)) &&
			    ol + wl + 1 + pl + 1 < PNORM_KEY_MAX) {
				if (ol > 0)
					out[ol++] = ' ';
				memcpy(out + ol, word, wl);
				ol += wl;
			}
			wl = 0;
		}
	}
	if (ol == 0) {
		out[0] = '\0';
		return -1;
	}
	out[ol++] = '|';
	snprintf(out + ol, PNORM_KEY_MAX + 1 - ol, "%s", postal_code);
	return 0;
}

int
pnorm_postal_code(char *out, size_t outlen, const char *text,
    const char *country, unsigned *flags)
{
	size_t	 n;

	*flags = 0;
	while (*text == ' ' || *text == '\t')
		text++;
	n = strlen(text);
	while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t'))
		n--;
	if (country == NULL || strcasecmp(country, "FR") == 0) {
		if (n == 4 && strspn(text, "0123456789") >= 4) {
			if (outlen < 6)
				return -1;
			snprintf(out, outlen, "0%.4s", text);
			*flags = PNORM_POSTAL_REPAIRED;
			return 0;
		}
		if (n != 5 || strspn(text, "0123456789") < 5)
			*flags = PNORM_POSTAL_INVALID;
	}
	if (n + 1 > outlen)
		return -1;
	memcpy(out, text, n);
	out[n] = '\0';
	return 0;
}

int
pnorm_decimal(double *out, const char *text)
{
	char	 buf[64], *end;
	size_t	 i = 0, n;
	int	 digits = 0, sep = 0;

	while (*text == ' ')
		text++;
	n = strlen(text);
	while (n > 0 && text[n - 1] == ' ')
		n--;
	if (n == 0 || n >= sizeof(buf))
		return -1;
	if (text[0] == '-' || text[0] == '+')
		buf[i] = text[i], i++;
	for (; i < n; i++) {
		if (isdigit((unsigned char)text[i])) {
			buf[i] = text[i];
			digits++;
		} else if ((text[i] == '.' || text[i] == ',') && !sep) {
			buf[i] = '.';
			sep = 1;
		} else
			return -1;
	}
	buf[i] = '\0';
	if (digits == 0)
		return -1;
	*out = strtod(buf, &end);
	return *end == '\0' ? 0 : -1;
}

void
pnorm_buf_add(struct pnorm_buf *b, const char *s, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		b->cap = (b->len + len + 1) * 2;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			abort();
	}
	memcpy(b->p + b->len, s, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void
pnorm_buf_free(struct pnorm_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* 1 if s is "+" followed by 1 to 15 digits and nothing else. */
static int
pnorm_is_e164(const char *s)
{
	size_t	 n;

	if (s[0] != '+')
		return 0;
	n = strspn(s + 1, "0123456789");
	return n >= 1 && n <= 15 && s[1 + n] == '\0';
}

void
pnorm_csv_cell(struct pnorm_buf *b, const char *s, char delimiter)
{
	const char	*p;
	int		 quote;

	if (s == NULL || *s == '\0') {
		pnorm_buf_add(b, "", 0);
		return;
	}
	quote = strchr(s, delimiter) != NULL || strpbrk(s, "\"\r\n") != NULL;
	if (quote)
		pnorm_buf_add(b, "\"", 1);
	if (strchr("=+-@\t\r", s[0]) != NULL && !pnorm_is_e164(s))
		pnorm_buf_add(b, "'", 1);
	for (p = s; *p != '\0'; p++) {
		pnorm_buf_add(b, p, 1);
		if (*p == '"')
			pnorm_buf_add(b, "\"", 1);
	}
	if (quote)
		pnorm_buf_add(b, "\"", 1);
}
