/*
 * The suppression list's values: what must never be contacted again
 * (e-mail addresses, phone numbers, whole domains), kept as keyed hashes
 * so an objection outlives the erased prospect without the address in
 * clear (GDPR art. 17(3) and 21(3): the objection must be honoured, and
 * only what that needs is kept; CNIL, "La prospection commerciale par
 * courrier électronique": a list of opposition kept by the sender).
 * Callers normalise first: e-mails to their email_key(), phones to E.164,
 * domains to pnorm_website_host()'s host form.
 */
#ifndef PROSPEA_SUPP_H
#define PROSPEA_SUPP_H

#include <stddef.h>

enum supp_kind {
	SUPP_EMAIL,
	SUPP_PHONE,
	SUPP_DOMAIN,
	SUPP__MAX
};

/* "email", "phone", "domain": the API's and the database's names. */
extern const char *const supp_kind_names[SUPP__MAX];

#define SUPP_HASH_LEN	32
#define SUPP_HINT_MAX	300

/*
 * The keyed hash of a normalised value of kind into out: HMAC-SHA-256
 * with the lookup key (secret_lookup_hash()), over "<kind>:<value>" so an
 * e-mail and a domain with the same text never collide. Needs the key
 * ring loaded (secret_init()).
 */
void	supp_hash(unsigned char out[SUPP_HASH_LEN], enum supp_kind kind,
	    const char *value);

/*
 * How many levels of a domain a check hashes: the domain and its parents
 * that keep two labels or more, at most this many ("shop.lyon.dupont.fr",
 * "lyon.dupont.fr", "dupont.fr"), so a suppressed "dupont.fr" covers
 * "lyon.dupont.fr".
 */
#define SUPP_LEVELS	3

/*
 * The hashes of domain d (host form; NULL gives none) and its parents,
 * SUPP_LEVELS at most, into hashes[n], hashes[n + 1]...; returns the new
 * n. hashes needs room for SUPP_LEVELS more.
 */
size_t	supp_hash_domain(unsigned char hashes[][SUPP_HASH_LEN], size_t n,
	    const char *d);

/*
 * The domain of an e-mail key (email_key()), without a leading "www.":
 * borrowed from key; NULL when it has no "@".
 */
const char *supp_email_domain(const char *key);

/*
 * A masked form of the value for people (out: SUPP_HINT_MAX + 1 bytes),
 * enough to recognise an entry, not to contact anyone: e-mails keep the
 * first character of the local part and the domain ("c…@epi-dor.example"),
 * phones the country code and last two digits ("+33…34"), domains their
 * first character and last label ("e….example": a domain may be a
 * person's own site).
 */
void	supp_hint(char *out, enum supp_kind kind, const char *value);

#endif
