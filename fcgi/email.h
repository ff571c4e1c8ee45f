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
 * The comparison key of a valid address, written to out (room for
 * EMAIL_MAX + 1): the domain in A-labels (so exémple.fr and
 * xn--exmple-cua.fr are one mailbox) and ASCII letters folded to lower
 * case everywhere. Two addresses with the same key are one mailbox.
 */
void	email_key(char *out, const char *s);

/*
 * The address as SMTP carries it without the SMTPUTF8 extension: the
 * domain converted to A-labels (IDNA2008 with UTS #46 non-transitional
 * mapping, by libidn2), the local part as is. out has room for
 * EMAIL_MAX + 1. 0, or -1 when the local part is not ASCII or the domain
 * does not convert (RFC 6531 section 3.2: such mail needs SMTPUTF8).
 */
int	email_ascii(char *out, size_t outlen, const char *s);

#endif
