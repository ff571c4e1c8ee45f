/*
 * E-mail discovery in a business's web page: the addresses the page
 * publishes (mailto: links, addresses in the text people read, the usual
 * obfuscations, Cloudflare's e-mail protection) and the links worth
 * fetching next when the page has none (contact, legal notice, about
 * pages). The HTML is parsed by gumbo (the WHATWG HTML5 algorithm, so
 * broken markup reads as a browser reads it); links are resolved with
 * libcurl's URL API.
 */
#ifndef PROSPEA_HTMLMAIL_H
#define PROSPEA_HTMLMAIL_H

#include <stddef.h>

#include "email.h"

#define HTMLMAIL_FOUND_MAX	32
#define HTMLMAIL_LINKS_MAX	8
/*
 * Element nesting the parse keeps; deeper start tags are read as text.
 * Gumbo's tree construction is quadratic in nesting depth (100 000
 * nested <div> take 30 s); browsers stop nesting at 512 as well.
 */
#define HTMLMAIL_DEPTH_MAX	512

enum htmlmail_how {
	HTMLMAIL_MAILTO,	/* <a href="mailto:..."> */
	HTMLMAIL_TEXT,		/* written out in the text */
	HTMLMAIL_OBFUSCATED,	/* "contact [at] epi-dor [dot] fr", &#64; */
	HTMLMAIL_CFEMAIL,	/* Cloudflare e-mail address obfuscation */
	HTMLMAIL__MAX
};

struct htmlmail_found {
	char			 email[EMAIL_MAX + 1];
	enum htmlmail_how	 how;
};

struct htmlmail_link {
	char	*url;		/* owned, absolute http(s), no fragment */
	int	 score;		/* > 0, higher is more likely to list addresses */
};

struct htmlmail_res {
	struct htmlmail_found	 found[HTMLMAIL_FOUND_MAX];
	size_t			 nfound;
	struct htmlmail_link	 links[HTMLMAIL_LINKS_MAX];
	size_t			 nlinks;
};

/*
 * Parses the len bytes at html (UTF-8: convert other charsets first;
 * NUL bytes allowed), fetched from page_url (absolute http(s) URL, or
 * NULL: then only absolute links are kept), into res, zeroed first.
 *
 * found: distinct addresses (email_key() tells them apart) in document
 * order, at most HTMLMAIL_FOUND_MAX, each accepted by email_valid() and
 * written with its domain's ASCII letters lower-cased; the first
 * occurrence gives how. Read from:
 * - mailto: hrefs of <a> and <area>: percent-decoded, "?query" dropped,
 *   several addresses split on "," or ";", "Name <addr>" read as addr;
 * - the text a reader sees: text nodes outside <script>, <style>,
 *   <template> and <iframe> (never rendered as text). <noscript> is read:
 *   it is what readers without scripts see, so its addresses are
 *   published. Comments and attributes (alt, title, srcset) are not.
 *   Inline elements (span, b, em...) join their text, so
 *   "contact<span>@</span>epi-dor.fr" is one address; others separate;
 * - obfuscations in that text: "[at]", "(at)", "{at}", "<at>",
 *   "[arobase]", "arobase", "[@]", " @ " for "@"; "[dot]", "(point)",
 *   "[.]" for "."; a bare " at " only with a spelled-out dot and an
 *   address in lower-case ASCII ("contact at epi-dor dot fr", not
 *   "Rendez-vous at cave dot com"); bare " dot ", " point " and " . "
 *   never next to a plain "@" ("contact@epi-dor.fr point de vente"
 *   stays contact@epi-dor.fr);
 *   an "@" written as a character reference (&#64;) is reported as
 *   obfuscated too;
 * - Cloudflare's email protection: the data-cfemail attribute of any
 *   element and "/cdn-cgi/l/email-protection#<hex>" hrefs (hex bytes,
 *   the first the XOR key of the others).
 * Image names and the like ("logo@2x.png") fail email_valid().
 *
 * links: at most HTMLMAIL_LINKS_MAX distinct <a href> targets worth
 * fetching next, best score first, document order among equals: hrefs
 * whose path or query, or whose text or title, says contact, nous
 * contacter, contactez-nous, coordonnées, mentions légales, informations
 * légales, legal, impressum, à propos, qui sommes-nous or about (folded:
 * case, accents and punctuation do not matter). Resolved against the
 * first <base href> (itself resolved against page_url) or page_url,
 * http and https only, fragments dropped, the page itself left out.
 * Links on the page's own host (ignoring "www.") score higher.
 *
 * Tags that would nest deeper than HTMLMAIL_DEPTH_MAX, or make gumbo
 * clone formatting elements back without end ("<p><b id=1>x</p><p><b
 * id=2>x</p>..."), are read as text: a heuristic pre-scan estimates
 * both. Callers bound len (the fetcher's size limit): parsing then takes
 * memory and time linear in it.
 *
 * Returns 0, or -1 when memory ran out (res is then freed and zeroed).
 * Never aborts on any input.
 */
int	 htmlmail_extract(struct htmlmail_res *res, const char *html,
	    size_t len, const char *page_url);

/* Frees the link URLs of res and zeroes it. */
void	 htmlmail_res_free(struct htmlmail_res *);

/* "mailto", "text", "obfuscated", "cfemail"; "" out of range. Static. */
const char *htmlmail_how_name(enum htmlmail_how);

#endif
