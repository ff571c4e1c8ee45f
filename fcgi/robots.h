/*
 * robots.txt, the Robots Exclusion Protocol (RFC 9309), as the website
 * crawler (workers/enricher.c) honours it: the groups that name the
 * crawler's product token, or else the "*" groups; the longest matching
 * allow or disallow rule decides, allow winning a tie; "*" and a final
 * "$" in rules; /robots.txt itself always allowed. The fetching side
 * (what a 4xx or an unreachable file means) is the crawler's.
 */
#ifndef PROSPEA_ROBOTS_H
#define PROSPEA_ROBOTS_H

#include <stddef.h>

/*
 * The product token of a User-Agent value into out (outlen bytes): its
 * leading run of letters, digits, '-' and '_' ("ProspeaBot/0.1 (+https:…)"
 * gives "ProspeaBot"; RFC 9309 section 2.2.1). "" when there is none.
 */
void	robots_token(char *out, size_t outlen, const char *user_agent);

/*
 * 1 if the robots.txt text (len bytes, need not be NUL-terminated, any
 * bytes) lets the crawler whose product token is token fetch path (the
 * URL's path and query, starting with '/'); 0 if a rule disallows it.
 * Lines are split at CR, LF or CRLF; "#" starts a comment; records other
 * than user-agent, allow and disallow are ignored, as is anything
 * malformed. Token matching ignores case (section 2.2.1). Rules compare
 * octets as written (no percent-decoding). Never fails: text that is not
 * robots.txt at all allows everything.
 */
int	robots_allowed(const char *text, size_t len, const char *token,
	    const char *path);

#endif
