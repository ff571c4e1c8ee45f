/*
 * The product's normalisation rules for prospect data: which addresses
 * are a company's generic mailbox, the host that identifies a business
 * website and the platforms that identify none, the key that finds the
 * same business twice in an import, French postal codes a spreadsheet
 * damaged, decimals written the French way, and CSV cells that stay data
 * when a spreadsheet opens the export. Pure C, no allocation except in
 * the CSV buffer (out of memory aborts there, STYLE.md).
 */
#ifndef PROSPEA_PNORM_H
#define PROSPEA_PNORM_H

#include <stddef.h>

#define PNORM_HOST_MAX		253	/* RFC 1035 section 2.3.4, no final dot */
#define PNORM_KEY_MAX		300
#define PNORM_SEARCH_MAX	800	/* prospect.search_text, sql/migrations/0003 */
#define PNORM_POSTAL_MAX	16	/* longest postal code a key takes */

enum pnorm_flag {
	PNORM_POSTAL_REPAIRED = 1,	/* a lost leading 0 was put back */
	PNORM_POSTAL_INVALID = 2,	/* not a code of the country */
};

/*
 * 1 if addr (an address, local@domain) is a role or generic mailbox of a
 * company (contact@, info@, accueil@, commandes@, service-client@,
 * noreply@, mairie@, ... and those words followed by a separator or a
 * number: contact.lyon@, contact2@), 0 if it looks like a person's
 * (jean.dupont@) or has no "@". The local part is compared folded
 * (pnorm_fold: case and accents do not matter, secretariat@ and
 * secrétariat@ are one word).
 *
 * Why it matters: the CNIL's guidance on B2B prospecting by e-mail
 * ("La prospection commerciale par courrier électronique", cnil.fr,
 * following its deliberation of 17 February 2005) treats generic company
 * addresses (info@, contact@, commande@nomsociete.fr) as the coordinates
 * of a legal person, outside consent and opposition rules, while a
 * person's professional address (prenom.nom@) is personal data: it may
 * be prospected without prior consent only about that person's job, with
 * information and a working opt-out.
 */
int	 pnorm_email_generic(const char *addr);

/*
 * The host key of a website, written to out (room for PNORM_HOST_MAX + 1):
 * lower case, IDN labels as A-labels (IDNA2008 with UTS #46 mapping,
 * libidn2), no "www." prefix (kept when the rest would be a bare
 * top-level domain), no trailing dot, no scheme, userinfo, port, path,
 * query or fragment. url is an http or https URL
 * ("https://www.Epi-Dor.example/contact") or a bare host with an optional
 * port and path ("epi-dor.example", "exémple.fr/carte"), parsed with
 * libcurl's URL API. -1 when url is NULL, has another scheme (mailto:,
 * javascript:, ftp:), is an address (x@y.fr), or its host is not a domain
 * name with a top-level domain (a bare word, an IP address, "_" in a
 * label).
 */
int	 pnorm_website_host(char *out, const char *url);

/*
 * 1 if host (lower-case host key, as pnorm_website_host writes) is, or is
 * under, a platform many businesses share, so it identifies none and must
 * never drive deduplication or a domain suppression: social networks,
 * directories and review sites (pagesjaunes.fr, tripadvisor.*, yelp.*),
 * site builders (wixsite.com, business.site, jimdo, wordpress.com),
 * booking and delivery platforms (doctolib.fr, planity.com, thefork,
 * ubereats.com, booking.com, airbnb.*), link-in-bio and short-link hosts,
 * and the mailbox providers people use for business mail (gmail.com,
 * orange.fr, wanadoo.fr). Two sorted tables: domains matched on label
 * boundaries (sites.google.com is under google.com, notfacebook.com is
 * not under facebook.com), and brands matched under any top-level domain
 * (tripadvisor.fr, tripadvisor.co.uk). 0 otherwise, and for NULL.
 */
int	 pnorm_shared_host(const char *host);

/*
 * Folds s for comparison and writes it to out (outlen bytes, at least 1):
 * ASCII letters lower-cased; Latin letters without their accents (é→e,
 * Œ→oe, æ→ae, ç→c, ß→ss; combining accents dropped); "&" → "et"; other
 * punctuation, symbols, controls, invalid UTF-8 and blanks become one
 * space between words, none at either end; other scripts (Greek, Arabic,
 * CJK...) are kept as they are. The result is cut at a character
 * boundary when it does not fit. Returns the length written.
 */
size_t	 pnorm_fold(char *out, size_t outlen, const char *s);

/*
 * The free-text search key of a prospect, written to out (room for
 * PNORM_SEARCH_MAX + 1): each of parts[0..n) that is not NULL folded
 * (pnorm_fold), joined by one space ("Boulangerie L'Épi d'Or", "Lyon",
 * "contact@epi-dor.fr" → "boulangerie l epi d or lyon contact epi dor
 * fr"), cut at a character boundary when it does not fit. The searched
 * words are folded the same way, so a byte-wise LIKE '%words%' over it
 * ignores case, accents, ligatures (cœur, coeur) and punctuation
 * (Saint-Étienne, saint etienne). Returns the length written.
 */
size_t	 pnorm_search_text(char *out, const char *const *parts, size_t n);

/*
 * The deduplication key of a business, written to out (room for
 * PNORM_KEY_MAX + 1): name folded (pnorm_fold) with the French legal
 * forms removed as whole words (sarl, sas, sasu, eurl, eirl, sa, snc,
 * sci, scp, scop, selarl, selas, ets, etablissement(s); also when written
 * with dots, "S.A.R.L."), leading articles kept, then "|", then the
 * postal code with blanks trimmed ("boulangerie l epi d or|69001"). A
 * name longer than the room left is cut at a character boundary.
 * -1 when name or postal_code is NULL, nothing is left of the name, or
 * the trimmed postal code is empty or longer than PNORM_POSTAL_MAX: a key
 * needs both.
 */
int	 pnorm_name_key(char *out, const char *name, const char *postal_code);

/*
 * A postal code as stored, written to out (outlen bytes). country is an
 * ISO 3166-1 alpha-2 code; NULL or "" means France. For France (La
 * Poste's five-digit codes): five digits are kept; four digits not
 * starting with 0 get their leading 0 back ("1000" → "01000", what a
 * spreadsheet does to 01000), with PNORM_POSTAL_REPAIRED; anything else is
 * copied with blanks trimmed, with PNORM_POSTAL_INVALID. Other countries:
 * copied with blanks trimmed. *flags (flags may be NULL) is set to the
 * bits that apply. 0, or -1 when the result does not fit outlen (out then
 * holds "" if outlen > 0). text NULL reads as "".
 */
int	 pnorm_postal_code(char *out, size_t outlen, const char *text,
	    const char *country, unsigned *flags);

/*
 * Reads a plain decimal: blanks, an optional sign, digits with at most
 * one "." or "," between or around them ("4.600000", "4,6", "-0,5",
 * ".5"), blanks; at most 255 characters. 0 with *out set, -1 otherwise:
 * an exponent, hex, "inf", "nan", a thousands separator, a second
 * separator or anything else. Does not depend on the C locale.
 */
int	 pnorm_decimal(double *out, const char *text);

/*
 * A growing byte buffer: p is NUL-terminated after len bytes (or NULL
 * while empty), owned; zero it to start. Out of memory aborts.
 */
struct pnorm_buf {
	char	*p;
	size_t	 len, cap;
};

/* Appends the len bytes at s. */
void	 pnorm_buf_add(struct pnorm_buf *, const char *s, size_t len);

/* Frees the bytes and zeroes the buffer; a zeroed buffer is a no-op. */
void	 pnorm_buf_free(struct pnorm_buf *);

/*
 * Appends one CSV cell holding s (NULL: an empty cell) to b, without the
 * delimiter around it. Quoted with inner quotes doubled (RFC 4180
 * section 2.6 and 2.7) when s holds delimiter, a quote, CR or LF, or one
 * of the other usual delimiters (",", ";", TAB): a spreadsheet that
 * guesses another delimiter must not split the cell and start a new one
 * with an "=" (OWASP, "CSV Injection"). A cell starting with "=", "+",
 * "-", "@", TAB or CR gets a leading "'", so spreadsheets read it as
 * text, not as a formula (same page); an E.164 number ("+" then 1 to 15
 * digits) is left as it is, to stay usable.
 */
void	 pnorm_csv_cell(struct pnorm_buf *b, const char *s, char delimiter);

#endif
