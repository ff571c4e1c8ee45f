/*
 * The product's normalisation rules for prospect data that are not
 * phone numbers (phone.h) or e-mail syntax (email.h): generic versus
 * named e-mail addresses, website hosts as business identities, platform
 * hosts that identify nobody, folded business names, French postal codes
 * damaged by Excel, decimals with either separator, and CSV cells that a
 * spreadsheet must not run as formulas.
 */
#ifndef PROSPEA_PNORM_H
#define PROSPEA_PNORM_H

#include <stddef.h>

#define PNORM_HOST_MAX	253
#define PNORM_KEY_MAX	300

enum pnorm_flag {
	PNORM_POSTAL_REPAIRED = 1,	/* "1000" -> "01000" */
	PNORM_POSTAL_INVALID = 2,	/* kept as written */
};

/*
 * 1 if the address is a role mailbox of a business (contact@, info@,
 * accueil@, commandes@, devis@…: a table), 0 if it looks like a person's
 * (jean.dupont@). The CNIL's guidance on B2B e-mail prospecting treats a
 * company's generic address (contact@, info@) as the company's, and an
 * address naming a person as that person's personal data: the product
 * shows which kind each address is.
 */
int	 pnorm_email_generic(const char *addr);

/*
 * The host of a website given as a URL or a bare host, as a business
 * identity: lower case, without a "www." prefix, port, path or user, IDN
 * labels as A-labels (IDNA2008 via libidn2), into out (PNORM_HOST_MAX + 1
 * bytes). Parsed with libcurl's URL API. -1 when s is not an http(s) URL
 * or a host with at least one dot.
 */
int	 pnorm_website_host(char *out, const char *s);

/*
 * 1 if host is, or is under, a platform that hosts many businesses'
 * pages (facebook.com, pagesjaunes.fr, wixsite.com…): it identifies no
 * business, so it is no duplicate key and no suppressed domain.
 */
int	 pnorm_shared_host(const char *host);

/*
 * The duplicate key of a business name at a postal code: the name folded
 * (lower case, accents and ligatures removed, "&" read "et", punctuation
 * and blanks as single spaces, legal forms such as SARL, SAS, EURL
 * dropped) then "|" and the postal code, into out (PNORM_KEY_MAX + 1
 * bytes). -1 when the folded name is empty or there is no postal code.
 */
int	 pnorm_name_key(char *out, const char *name, const char *postal_code);

/*
 * A postal code for country (ISO code; NULL means FR). French codes are
 * five digits: four digits get the leading 0 Excel removed
 * (PNORM_POSTAL_REPAIRED), anything else is kept trimmed with
 * PNORM_POSTAL_INVALID. Other countries' codes are kept trimmed. 0, or -1
 * when the result does not fit outlen.
 */
int	 pnorm_postal_code(char *out, size_t outlen, const char *text,
	    const char *country, unsigned *flags);

/*
 * A plain decimal with '.' or ',' ("4.600000", "4,6", "-3"): 0 and *out,
 * or -1 (exponents, hex, inf and nan are not plain decimals).
 */
int	 pnorm_decimal(double *out, const char *text);

/* A growing text buffer. Start zeroed; pnorm_buf_free() releases it. */
struct pnorm_buf {
	char	*p;		/* NUL-terminated once anything is added */
	size_t	 len, cap;
};
void	 pnorm_buf_add(struct pnorm_buf *b, const char *s, size_t len);
void	 pnorm_buf_free(struct pnorm_buf *b);

/*
 * Appends s (NULL: an empty cell) as one CSV cell (RFC 4180 section 2:
 * quoted when it holds the delimiter, a quote, CR or LF; quotes doubled).
 * A cell that starts with = + - @ TAB or CR gets a leading ' so a
 * spreadsheet shows it as text instead of running it (OWASP, "CSV
 * Injection"), except an E.164 number ("+" then digits), which stays a
 * usable phone number.
 */
void	 pnorm_csv_cell(struct pnorm_buf *b, const char *s, char delimiter);

#endif
