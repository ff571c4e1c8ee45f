/*
 * Normalisation rules of the product (pnorm.h). The word lists are data
 * tables, sorted where they are searched with bsearch(3); the unit test
 * looks up every entry it knows of, so an unsorted table fails it.
 */
#include "config.h"

#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <idn2.h>

#include "pnorm.h"

/* Local parts of generic mailboxes, folded (pnorm_fold), sorted. */
static const char *const pnorm_generic_locals[] = {
	"abuse", "accueil", "admin", "administratif", "administration",
	"agence", "atelier", "bienvenue", "bonjour", "boutique", "bureau",
	"cabinet", "commande", "commandes", "commercial", "communication",
	"compta", "comptabilite", "contact", "contacts", "devis", "direction",
	"equipe", "facturation", "factures", "gestion", "hello", "hostmaster",
	"hotel", "info", "information", "informations", "infos",
	"inscription", "inscriptions", "jobs", "magasin", "mail", "mairie",
	"marketing", "ne pas repondre", "nepasrepondre", "newsletter",
	"no reply", "noreply", "office", "postmaster", "press", "presse",
	"reception", "recrutement", "resa", "reservation", "reservations",
	"restaurant", "rh", "sales", "sav", "secretariat", "service",
	"service client", "serviceclient", "services", "shop", "support",
	"team", "vente", "ventes", "webmaster", "welcome",
};

/*
 * Shared platforms matched as a domain and everything under it, sorted:
 * social networks, directories, site builders and hosts, booking and
 * delivery, short links, mailbox providers.
 */
static const char *const pnorm_shared_domains[] = {
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
};

/* Platforms present under many country domains, sorted. */
static const char *const pnorm_shared_brands[] = {
	"airbnb", "blogspot", "deliveroo", "doctolib", "expedia", "google",
	"groupon", "hotmail", "houzz", "thefork", "treatwell", "tripadvisor",
	"trivago", "yahoo", "yelp",
};

/* Second-level labels of country domains (tripadvisor.co.uk), sorted. */
static const char *const pnorm_second_levels[] = {
	"ac", "co", "com", "gov", "net", "org",
};

/*
 * French legal forms removed from names, folded, sorted. "EI": since 2022
 * a sole trader must add it to the name (Code de commerce, art. R. 526-26).
 */
static const char *const pnorm_legal_forms[] = {
	"ei", "eirl", "etablissement", "etablissements", "ets", "eurl", "sa",
	"sarl", "sas", "sasu", "sci", "scop", "scp", "selarl", "selas", "snc",
};

/*
 * U+00C0..U+017F (Latin-1 Supplement letters, Latin Extended-A) without
 * accents, lower case. NULL: not a letter (× and ÷), a word separator.
 */
static const char *const pnorm_latin[0x180 - 0xc0] = {
	/* U+00C0 */
	"a", "a", "a", "a", "a", "a", "ae", "c",
	"e", "e", "e", "e", "i", "i", "i", "i",
	"d", "n", "o", "o", "o", "o", "o", NULL,
	"o", "u", "u", "u", "u", "y", "th", "ss",
	/* U+00E0 */
	"a", "a", "a", "a", "a", "a", "ae", "c",
	"e", "e", "e", "e", "i", "i", "i", "i",
	"d", "n", "o", "o", "o", "o", "o", NULL,
	"o", "u", "u", "u", "u", "y", "th", "y",
	/* U+0100 */
	"a", "a", "a", "a", "a", "a", "c", "c",
	"c", "c", "c", "c", "c", "c", "d", "d",
	"d", "d", "e", "e", "e", "e", "e", "e",
	"e", "e", "e", "e", "g", "g", "g", "g",
	/* U+0120 */
	"g", "g", "g", "g", "h", "h", "h", "h",
	"i", "i", "i", "i", "i", "i", "i", "i",
	"i", "i", "ij", "ij", "j", "j", "k", "k",
	"k", "l", "l", "l", "l", "l", "l", "l",
	/* U+0140 */
	"l", "l", "l", "n", "n", "n", "n", "n",
	"n", "n", "n", "n", "o", "o", "o", "o",
	"o", "o", "oe", "oe", "r", "r", "r", "r",
	"r", "r", "s", "s", "s", "s", "s", "s",
	/* U+0160 */
	"s", "s", "t", "t", "t", "t", "t", "t",
	"u", "u", "u", "u", "u", "u", "u", "u",
	"u", "u", "u", "u", "w", "w", "y", "y",
	"y", "z", "z", "z", "z", "z", "z", "s",
};

/* Letters beyond U+017F that French data meets, sorted by code point. */
static const struct pnorm_extra {
	uint32_t	 cp;
	const char	*ascii;
} pnorm_extras[] = {
	{ 0x0218, "s" }, { 0x0219, "s" }, { 0x021a, "t" }, { 0x021b, "t" },
	{ 0xfb00, "ff" }, { 0xfb01, "fi" }, { 0xfb02, "fl" },
	{ 0xfb03, "ffi" }, { 0xfb04, "ffl" }, { 0xfb05, "st" },
	{ 0xfb06, "st" },
};

#define PNORM_NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static int
pnorm_strcmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

/* 1 if the NUL-terminated word is in the sorted table of n strings. */
static int
pnorm_in(const char *word, const char *const *table, size_t n)
{
	return bsearch(word, table, n, sizeof(*table), pnorm_strcmp) != NULL;
}

static int
pnorm_extra_cmp(const void *key, const void *elem)
{
	uint32_t	 cp = *(const uint32_t *)key;
	uint32_t	 ecp = ((const struct pnorm_extra *)elem)->cp;

	return cp < ecp ? -1 : cp > ecp;
}

static int
pnorm_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	    c == '\v';
}

/*
 * Decodes one UTF-8 character at s (RFC 3629: no overlong form, no
 * surrogate, nothing past U+10FFFF). Returns its length in bytes and sets
 * *cp, or returns 1 with *cp = UINT32_MAX for an invalid byte.
 */
static size_t
pnorm_utf8(const unsigned char *s, uint32_t *cp)
{
	uint32_t	 c, min;
	size_t		 n, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else {
		*cp = UINT32_MAX;
		return 1;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = UINT32_MAX;
			return 1;
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
		*cp = UINT32_MAX;
		return 1;
	}
	*cp = c;
	return n;
}

/* 1 if cp is a combining mark, dropped by folding (NFD accents). */
static int
pnorm_combining(uint32_t cp)
{
	return (cp >= 0x300 && cp <= 0x36f) || (cp >= 0x1ab0 && cp <= 0x1aff) ||
	    (cp >= 0x1dc0 && cp <= 0x1dff) || (cp >= 0x20d0 && cp <= 0x20ff) ||
	    (cp >= 0xfe20 && cp <= 0xfe2f);
}

/* 1 if cp is punctuation, a symbol or a space that folding makes a blank. */
static int
pnorm_separator(uint32_t cp)
{
	return cp == UINT32_MAX || cp < 0xc0 || (cp >= 0x2000 && cp <= 0x2bff) ||
	    (cp >= 0x3000 && cp <= 0x303f) || (cp >= 0xfe10 && cp <= 0xfe1f) ||
	    (cp >= 0xfe30 && cp <= 0xfe6f) || (cp >= 0xff00 && cp <= 0xff0f) ||
	    cp == 0xfeff || cp == 0xfffd;
}

size_t
pnorm_fold(char *out, size_t outlen, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	const char		*w;
	const struct pnorm_extra *x;
	char			 one[2];
	uint32_t		 cp;
	size_t			 n, wlen, o = 0;
	int			 space = 0;

	if (outlen == 0)
		return 0;
	while (*p != '\0') {
		n = pnorm_utf8(p, &cp);
		w = NULL;
		wlen = 0;
		if (cp < 0x80 && isalnum(cp)) {
			one[0] = (char)tolower((int)cp);
			w = one;
			wlen = 1;
		} else if (cp == '&') {
			space = 1;
			w = "et";
			wlen = 2;
		} else if (pnorm_combining(cp)) {
			p += n;
			continue;
		} else if (cp >= 0xc0 && cp < 0x180)
			w = pnorm_latin[cp - 0xc0];
		else if ((x = bsearch(&cp, pnorm_extras, PNORM_NELEM(pnorm_extras),
		    sizeof(pnorm_extras[0]), pnorm_extra_cmp)) != NULL)
			w = x->ascii;
		else if (!pnorm_separator(cp)) {
			w = (const char *)p;	/* another script: kept */
			wlen = n;
		}
		if (w != NULL && wlen == 0)
			wlen = strlen(w);
		p += n;
		if (w == NULL) {
			space = 1;
			continue;
		}
		if (space && o > 0) {
			if (o + 1 + wlen >= outlen)
				break;
			out[o++] = ' ';
		} else if (o + wlen >= outlen)
			break;
		memcpy(out + o, w, wlen);
		o += wlen;
		/* "&" is a word of its own: "Dupont&Fils" → "dupont et fils" */
		space = cp == '&';
	}
	out[o] = '\0';
	return o;
}

size_t
pnorm_search_text(char *out, const char *const *parts, size_t n)
{
	size_t	 i, o = 0;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (parts[i] == NULL)
			continue;
		/* A space, then the folded part; an empty fold takes it back. */
		if (o > 0 && o + 1 < PNORM_SEARCH_MAX)
			out[o++] = ' ';
		if (o + 1 >= PNORM_SEARCH_MAX + 1)
			break;
		o += pnorm_fold(out + o, PNORM_SEARCH_MAX + 1 - o, parts[i]);
		if (o > 0 && out[o - 1] == ' ')
			out[--o] = '\0';
	}
	out[o] = '\0';
	return o;
}

int
pnorm_email_generic(const char *addr)
{
	const char	*at;
	char		 local[256], f[256];
	size_t		 llen, n;

	if (addr == NULL || (at = strrchr(addr, '@')) == NULL || at == addr)
		return 0;
	llen = (size_t)(at - addr);
	if (llen >= sizeof(local))
		return 0;
	memcpy(local, addr, llen);
	local[llen] = '\0';
	pnorm_fold(f, sizeof(f), local);
	if (pnorm_in(f, pnorm_generic_locals, PNORM_NELEM(pnorm_generic_locals)))
		return 1;
	/* The first word without a trailing number: contact.lyon, contact2. */
	n = strcspn(f, " ");
	while (n > 0 && isdigit((unsigned char)f[n - 1]))
		n--;
	if (n == 0)
		return 0;
	f[n] = '\0';
	return pnorm_in(f, pnorm_generic_locals,
	    PNORM_NELEM(pnorm_generic_locals));
}

/*
 * 1 if host (lower case, ASCII) is a domain name as a website has one:
 * LDH labels of 1 to 63 octets not starting or ending with "-", at least
 * two, and a top-level domain of letters or an A-label (RFC 1123 section
 * 2.1, RFC 5890 section 2.3.2.1).
 */
static int
pnorm_host_ok(const char *host)
{
	const char	*l = host, *dot;
	size_t		 n, i, labels = 0;
	int		 alpha = 0;

	if (strlen(host) > PNORM_HOST_MAX)
		return 0;
	for (;;) {
		dot = strchr(l, '.');
		n = dot != NULL ? (size_t)(dot - l) : strlen(l);
		if (n == 0 || n > 63 || l[0] == '-' || l[n - 1] == '-')
			return 0;
		alpha = 1;
		for (i = 0; i < n; i++) {
			if (!islower((unsigned char)l[i]) &&
			    !isdigit((unsigned char)l[i]) && l[i] != '-')
				return 0;
			if (!islower((unsigned char)l[i]))
				alpha = 0;
		}
		labels++;
		if (dot == NULL)
			break;
		l = dot + 1;
	}
	return labels >= 2 && (alpha || (n > 4 && strncmp(l, "xn--", 4) == 0));
}

/* prefix then the len bytes at url, NUL-terminated. Owned; out of
 * memory aborts. */
static char *
pnorm_concat(const char *prefix, const char *url, size_t len)
{
	size_t	 plen = strlen(prefix);
	char	*u;

	if ((u = malloc(plen + len + 1)) == NULL)
		abort();
	memcpy(u, prefix, plen);
	memcpy(u + plen, url, len);
	u[plen + len] = '\0';
	return u;
}

/*
 * The URL pnorm_website_host parses from the len bytes at url: url itself
 * when it has an http or https scheme, "http:" + url for "//host",
 * "http://" + url for a bare host. NULL when url is no such thing. Owned.
 */
static char *
pnorm_website_url(const char *url, size_t len)
{
	const char	*sep, *colon, *end;
	size_t		 slen;

	if ((sep = strstr(url, "://")) != NULL) {
		slen = (size_t)(sep - url);
		if (!((slen == 4 && strncasecmp(url, "http", 4) == 0) ||
		    (slen == 5 && strncasecmp(url, "https", 5) == 0)))
			return NULL;
		return pnorm_concat("", url, len);
	}
	if (len >= 2 && url[0] == '/' && url[1] == '/')
		return pnorm_concat("http:", url, len);
	/* A bare host: no address, and a colon only before a port. */
	end = url + strcspn(url, "/?#");
	if (memchr(url, '@', len) != NULL)
		return NULL;
	if ((colon = memchr(url, ':', (size_t)(end - url))) != NULL &&
	    (colon + 1 == end ||
	    strspn(colon + 1, "0123456789") != (size_t)(end - colon - 1)))
		return NULL;
	return pnorm_concat("http://", url, len);
}

int
pnorm_website_host(char *out, const char *url)
{
	CURLU		*h = NULL;
	char		*u = NULL, *host = NULL, *scheme = NULL, *ace = NULL;
	const char	*hk;
	size_t		 len, i;
	int		 ascii = 1, rc = -1;

	out[0] = '\0';
	if (url == NULL)
		return -1;
	while (pnorm_blank((unsigned char)*url))
		url++;
	len = strlen(url);
	while (len > 0 && pnorm_blank((unsigned char)url[len - 1]))
		len--;
	if (len == 0 || (u = pnorm_website_url(url, len)) == NULL)
		return -1;
	if ((h = curl_url()) == NULL)
		abort();
	if (curl_url_set(h, CURLUPART_URL, u, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) ||
	    curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto fail;
	len = strlen(host);
	if (len > 0 && host[len - 1] == '.')
		host[--len] = '\0';
	for (i = 0; i < len; i++) {
		if ((unsigned char)host[i] >= 0x80)
			ascii = 0;
		else
			host[i] = (char)tolower((unsigned char)host[i]);
	}
	hk = host;
	if (!ascii) {
		/* IDNA2008 with UTS #46 mapping, as email.c converts domains. */
		if (idn2_to_ascii_8z(host, &ace, IDN2_NFC_INPUT |
		    IDN2_NONTRANSITIONAL) != IDN2_OK)
			goto fail;
		for (i = 0; ace[i] != '\0'; i++)
			ace[i] = (char)tolower((unsigned char)ace[i]);
		hk = ace;
	}
	if (strncmp(hk, "www.", 4) == 0 && strchr(hk + 4, '.') != NULL)
		hk += 4;
	if (!pnorm_host_ok(hk))
		goto fail;
	memcpy(out, hk, strlen(hk) + 1);
	rc = 0;
fail:
	idn2_free(ace);
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(h);
	free(u);
	return rc;
}

/*
 * 1 if tail (what follows a brand's label) is a top-level domain ("fr")
 * or a second-level country domain ("co.uk", "com.au").
 */
static int
pnorm_country_tail(const char *tail)
{
	const char	*dot = strchr(tail, '.');
	char		 sld[8];
	size_t		 n;

	if (dot == NULL) {
		n = strlen(tail);
		return n >= 2 && strspn(tail, "abcdefghijklmnopqrstuvwxyz") == n;
	}
	n = (size_t)(dot - tail);
	if (n >= sizeof(sld) || strlen(dot + 1) != 2 ||
	    strspn(dot + 1, "abcdefghijklmnopqrstuvwxyz") != 2)
		return 0;
	memcpy(sld, tail, n);
	sld[n] = '\0';
	return pnorm_in(sld, pnorm_second_levels,
	    PNORM_NELEM(pnorm_second_levels));
}

int
pnorm_shared_host(const char *host)
{
	char		 h[PNORM_HOST_MAX + 2], label[64];
	const char	*p, *dot;
	size_t		 len, i, n;

	if (host == NULL || (len = strlen(host)) == 0 || len > PNORM_HOST_MAX + 1)
		return 0;
	for (i = 0; i < len; i++)
		h[i] = (char)tolower((unsigned char)host[i]);
	h[len] = '\0';
	if (h[len - 1] == '.')
		h[--len] = '\0';
	/* Each suffix starting on a label boundary, longest first. */
	for (p = h;; p = dot + 1) {
		if (pnorm_in(p, pnorm_shared_domains,
		    PNORM_NELEM(pnorm_shared_domains)))
			return 1;
		if ((dot = strchr(p, '.')) == NULL)
			return 0;
		if ((n = (size_t)(dot - p)) >= sizeof(label))
			continue;
		memcpy(label, p, n);
		label[n] = '\0';
		if (pnorm_in(label, pnorm_shared_brands,
		    PNORM_NELEM(pnorm_shared_brands)) &&
		    pnorm_country_tail(dot + 1))
			return 1;
	}
}

/*
 * 1 if the one-letter words w[from..to) spell a legal form once joined
 * ("s", "a", "r", "l": how folding leaves "S.A.R.L.").
 */
static int
pnorm_dotted_form(char *const *w, size_t from, size_t to)
{
	char	 joined[16];
	size_t	 i;

	if (to - from < 2 || to - from >= sizeof(joined))
		return 0;
	for (i = from; i < to; i++)
		joined[i - from] = w[i][0];
	joined[to - from] = '\0';
	return pnorm_in(joined, pnorm_legal_forms,
	    PNORM_NELEM(pnorm_legal_forms));
}

/*
 * In the run of one-letter words w[i..j), finds the letters that spell a
 * legal form: the whole run, else its longest such tail, else its
 * longest such head ("A S.A.R.L.", "S.A. B"). Sets [*from, *to) to them,
 * or *from = *to = j when there are none.
 */
static void
pnorm_dotted_find(char *const *w, size_t i, size_t j, size_t *from,
    size_t *to)
{
	size_t	 k;

	for (k = i; k + 1 < j; k++)
		if (pnorm_dotted_form(w, k, j)) {
			*from = k;
			*to = j;
			return;
		}
	for (k = j - 1; k > i + 1; k--)
		if (pnorm_dotted_form(w, i, k)) {
			*from = i;
			*to = k;
			return;
		}
	*from = *to = j;
}

/* Appends word to out at *o within room bytes, cut at a character
 * boundary. 0, or -1 when it did not fit whole. */
static int
pnorm_key_word(char *out, size_t *o, size_t room, const char *word)
{
	size_t	 len = strlen(word), n;

	if (*o > 0) {
		if (*o + 1 >= room)
			return -1;
		out[(*o)++] = ' ';
	}
	n = len;
	if (*o + n > room) {
		n = room - *o;
		while (n > 0 && ((unsigned char)word[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out + *o, word, n);
	*o += n;
	if (n < len) {
		while (*o > 0 && out[*o - 1] == ' ')
			(*o)--;
		return -1;
	}
	return 0;
}

int
pnorm_name_key(char *out, const char *name, const char *postal_code)
{
	char		 f[PNORM_KEY_MAX * 2], *w[PNORM_KEY_MAX], *p, *save;
	const char	*pc;
	size_t		 plen, nw = 0, i, j, from, to, o = 0, room;

	out[0] = '\0';
	if (name == NULL || postal_code == NULL)
		return -1;
	pc = postal_code;
	while (pnorm_blank((unsigned char)*pc))
		pc++;
	plen = strlen(pc);
	while (plen > 0 && pnorm_blank((unsigned char)pc[plen - 1]))
		plen--;
	if (plen == 0 || plen > PNORM_POSTAL_MAX)
		return -1;

	pnorm_fold(f, sizeof(f), name);
	for (p = strtok_r(f, " ", &save); p != NULL && nw < PNORM_NELEM(w);
	    p = strtok_r(NULL, " ", &save))
		w[nw++] = p;

	room = PNORM_KEY_MAX - 1 - plen;
	for (i = 0; i < nw; i = j) {
		/* A run of one-letter words may hold a dotted legal form. */
		for (j = i; j < nw && w[j][1] == '\0' &&
		    isalpha((unsigned char)w[j][0]); j++)
			continue;
		if (j > i)
			pnorm_dotted_find(w, i, j, &from, &to);
		else {
			j = i + 1;
			from = to = j;
		}
		for (; i < j; i++) {
			if (i >= from && i < to)
				continue;
			if (!pnorm_in(w[i], pnorm_legal_forms,
			    PNORM_NELEM(pnorm_legal_forms)) &&
			    pnorm_key_word(out, &o, room, w[i]) == -1)
				break;
		}
		if (i < j)
			break;
	}
	if (o == 0) {
		out[0] = '\0';
		return -1;
	}
	out[o++] = '|';
	memcpy(out + o, pc, plen);
	out[o + plen] = '\0';
	return 0;
}

int
pnorm_postal_code(char *out, size_t outlen, const char *text,
    const char *country, unsigned *flags)
{
	size_t		 len, digits, pre = 0;
	unsigned	 f = 0;

	if (outlen > 0)
		out[0] = '\0';
	if (flags != NULL)
		*flags = 0;
	if (text == NULL)
		text = "";
	while (pnorm_blank((unsigned char)*text))
		text++;
	len = strlen(text);
	while (len > 0 && pnorm_blank((unsigned char)text[len - 1]))
		len--;
	if (country == NULL || *country == '\0' || strcasecmp(country, "FR") == 0) {
		digits = strspn(text, "0123456789");
		if (digits == len && len == 4 && text[0] != '0') {
			pre = 1;
			f = PNORM_POSTAL_REPAIRED;
		} else if (digits != len || len != 5)
			f = PNORM_POSTAL_INVALID;
	}
	if (pre + len >= outlen)
		return -1;
	if (pre)
		out[0] = '0';
	memcpy(out + pre, text, len);
	out[pre + len] = '\0';
	if (flags != NULL)
		*flags = f;
	return 0;
}

int
pnorm_decimal(double *out, const char *text)
{
	char		 buf[256], *end;
	const char	*dp;
	size_t		 o = 0, dplen, ndig = 0;
	int		 sep = 0;
	double		 v;

	if (text == NULL)
		return -1;
	/* strtod reads the locale's decimal point: give it that one. */
	dp = localeconv()->decimal_point;
	if (dp == NULL || (dplen = strlen(dp)) == 0 || dplen > 4) {
		dp = ".";
		dplen = 1;
	}
	while (pnorm_blank((unsigned char)*text))
		text++;
	if (*text == '+' || *text == '-')
		buf[o++] = *text++;
	for (; *text != '\0' && !pnorm_blank((unsigned char)*text); text++) {
		if (o + dplen + 1 >= sizeof(buf))
			return -1;
		if (isdigit((unsigned char)*text)) {
			buf[o++] = *text;
			ndig++;
		} else if ((*text == '.' || *text == ',') && !sep) {
			sep = 1;
			memcpy(buf + o, dp, dplen);
			o += dplen;
		} else
			return -1;
	}
	while (pnorm_blank((unsigned char)*text))
		text++;
	if (*text != '\0' || ndig == 0)
		return -1;
	buf[o] = '\0';
	v = strtod(buf, &end);
	if (*end != '\0' || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

void
pnorm_buf_add(struct pnorm_buf *b, const char *s, size_t len)
{
	size_t	 cap;
	char	*p;

	if (b->len + len + 1 > b->cap) {
		cap = b->cap > 0 ? b->cap : 64;
		while (cap < b->len + len + 1) {
			if (cap > SIZE_MAX / 2)
				abort();
			cap *= 2;
		}
		if ((p = realloc(b->p, cap)) == NULL)
			abort();
		b->p = p;
		b->cap = cap;
	}
	if (len > 0)
		memcpy(b->p + b->len, s, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void
pnorm_buf_free(struct pnorm_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* 1 if s is "+" and 1 to 15 digits: an E.164 number (ITU-T E.164). */
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
	const char	*q;
	int		 quote, formula;

	if (s == NULL)
		s = "";
	quote = strpbrk(s, "\",;\t\r\n") != NULL ||
	    (delimiter != '\0' && strchr(s, delimiter) != NULL);
	formula = s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL &&
	    !pnorm_is_e164(s);
	if (quote)
		pnorm_buf_add(b, "\"", 1);
	if (formula)
		pnorm_buf_add(b, "'", 1);
	if (!quote) {
		pnorm_buf_add(b, s, strlen(s));
		return;
	}
	while ((q = strchr(s, '"')) != NULL) {
		pnorm_buf_add(b, s, (size_t)(q - s) + 1);
		pnorm_buf_add(b, "\"", 1);
		s = q + 1;
	}
	pnorm_buf_add(b, s, strlen(s));
	pnorm_buf_add(b, "\"", 1);
}
