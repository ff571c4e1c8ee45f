/*
 * robots.txt matching (robots.h), RFC 9309: one pass over the records,
 * keeping the longest rule that matches the path in the groups for our
 * product token and, separately, in the "*" groups.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "robots.h"

/* RFC 9309 section 2.5: parse at least 500 KiB; the rest is ignored. */
#define ROBOTS_PARSE_MAX	(512 * 1024)

static int
robots_token_char(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_';
}

void
robots_token(char *out, size_t outlen, const char *user_agent)
{
	size_t	 n = 0;

	if (outlen == 0)
		return;
	while (n + 1 < outlen && robots_token_char((unsigned char)user_agent[n])) {
		out[n] = user_agent[n];
		n++;
	}
	out[n] = '\0';
}

/* One "key: value" record, trimmed; key NULL on a line that is none. */
struct robots_rec {
	const char	*key, *val;
	size_t		 keylen, vallen;
};

static int
robots_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Reads the line at *p (before end) into rec; 0 when no line is left. */
static int
robots_line(const char **p, const char *end, struct robots_rec *rec)
{
	const char	*s = *p, *e, *colon, *hash;

	if (s >= end)
		return 0;
	for (e = s; e < end && *e != '\n' && *e != '\r'; e++)
		;
	*p = e < end && *e == '\r' && e + 1 < end && e[1] == '\n' ? e + 2 :
	    e < end ? e + 1 : e;
	if ((hash = memchr(s, '#', (size_t)(e - s))) != NULL)
		e = hash;
	rec->key = NULL;
	if ((colon = memchr(s, ':', (size_t)(e - s))) == NULL)
		return 1;
	while (s < colon && robots_space(*s))
		s++;
	rec->key = s;
	for (s = colon; s > rec->key && robots_space(s[-1]); s--)
		;
	rec->keylen = (size_t)(s - rec->key);
	for (s = colon + 1; s < e && robots_space(*s); s++)
		;
	while (e > s && robots_space(e[-1]))
		e--;
	rec->val = s;
	rec->vallen = (size_t)(e - s);
	return 1;
}

static int
robots_is(const struct robots_rec *rec, const char *key)
{
	return rec->key != NULL && rec->keylen == strlen(key) &&
	    strncasecmp(rec->key, key, rec->keylen) == 0;
}

/*
 * 1 if pattern (plen octets: '*' any run, a final '$' the end) matches
 * the start of s (or all of s with '$'). Greedy with one backtrack point,
 * so O(plen * slen) at worst.
 */
static int
robots_match(const char *pat, size_t plen, const char *s, size_t slen)
{
	size_t	 p = 0, i = 0, star_i = 0;
	size_t	 star_p = (size_t)-1;
	int	 anchored = plen > 0 && pat[plen - 1] == '$';

	if (anchored)
		plen--;
	while (i < slen) {
		if (p < plen && pat[p] == '*') {
			star_p = p++;
			star_i = i;
		} else if (p < plen && pat[p] == s[i]) {
			p++;
			i++;
		} else if (p == plen && !anchored)
			return 1;
		else if (star_p != (size_t)-1) {
			p = star_p + 1;
			i = ++star_i;
		} else
			return 0;
	}
	while (p < plen && pat[p] == '*')
		p++;
	return p == plen;
}

/* The best rule so far of one kind of group. */
struct robots_best {
	int	 seen;		/* a group of this kind exists */
	size_t	 len;		/* octets of the longest match */
	int	 matched;	/* some rule matched */
	int	 allow;		/* that rule's verdict */
};

static void
robots_rule(struct robots_best *b, const struct robots_rec *rec, int allow,
    const char *path, size_t pathlen)
{
	/* An empty pattern (e.g. "Disallow:") is no rule (section 2.2.2). */
	if (rec->vallen == 0 || !robots_match(rec->val, rec->vallen, path,
	    pathlen))
		return;
	if (!b->matched || rec->vallen > b->len ||
	    (rec->vallen == b->len && allow)) {
		b->matched = 1;
		b->len = rec->vallen;
		b->allow = allow;
	}
}

int
robots_allowed(const char *text, size_t len, const char *token,
    const char *path)
{
	struct robots_best	 mine = { 0, 0, 0, 0 }, star = { 0, 0, 0, 0 };
	struct robots_rec	 rec;
	const char		*p = text, *end;
	size_t			 pathlen = strlen(path), toklen = strlen(token), n;
	int			 in_agents = 0, for_me = 0, for_star = 0, allow;

	if (strcmp(path, "/robots.txt") == 0)
		return 1;
	end = text + (len > ROBOTS_PARSE_MAX ? ROBOTS_PARSE_MAX : len);
	while (robots_line(&p, end, &rec)) {
		if (robots_is(&rec, "user-agent")) {
			/* A user-agent line after rules starts a new group. */
			if (!in_agents)
				for_me = for_star = 0;
			in_agents = 1;
			for (n = 0; n < rec.vallen &&
			    robots_token_char((unsigned char)rec.val[n]); n++)
				;
			if (n > 0 && n == toklen &&
			    strncasecmp(rec.val, token, n) == 0)
				for_me = mine.seen = 1;
			else if (rec.vallen >= 1 && rec.val[0] == '*')
				for_star = star.seen = 1;
			continue;
		}
		if (robots_is(&rec, "allow"))
			allow = 1;
		else if (robots_is(&rec, "disallow"))
			allow = 0;
		else
			continue;	/* sitemap, crawl-delay, junk: not rules */
		in_agents = 0;
		if (for_me)
			robots_rule(&mine, &rec, allow, path, pathlen);
		if (for_star)
			robots_rule(&star, &rec, allow, path, pathlen);
	}
	if (mine.seen)
		return !mine.matched || mine.allow;
	if (star.seen)
		return !star.matched || star.allow;
	return 1;
}
