/*
 * E-mail address syntax for addresses people type or scrapers collect:
 * RFC 5321 section 4.1.2 mailbox syntax (dot-atom or quoted-string local
 * part), RFC 6531 UTF-8 local parts and U-label domains, A-label
 * ("xn--") domains, and the length limits of RFC 5321 section 4.5.3.1.
 * Deliberately narrower than the RFCs where they allow what no prospect
 * or user address looks like: domain literals, comments, single-label
 * domains, and top-level "domains" that are file extensions
 * (name@2x.png is an image name that a scraper took for an address).
 */
#ifndef PROSPEA_EMAIL_H
#define PROSPEA_EMAIL_H

#include <stddef.h>

#define EMAIL_MAX	254

/* 1 if the NUL-terminated s is an acceptable address; 0 otherwise. */
int	email_valid(const char *s);

/*
 * The comparison key of a valid address: ASCII letters folded to lower
 * case everywhere, written to out (room for EMAIL_MAX + 1). Two addresses
 * with the same key are treated as the same mailbox.
 */
void	email_key(char *out, const char *s);

#endif
