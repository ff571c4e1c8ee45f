/*
 * Query-string parsing. Decoding is strict: a stray '%' is an error rather
 * than a literal, because a handler must never act on a value the client
 * did not mean.
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "query.h"

int
query_utf8_ok(const unsigned char *s, size_t len)
{
	size_t		 i = 0, n, k;
	unsigned int	 cp;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			n = 1;
			cp = s[i] & 0x1f;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			n = 2;
			cp = s[i] & 0x0f;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			n = 3;
			cp = s[i] & 0x07;
		} else
			return 0;
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

static int
query_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes len bytes at s into a new arena string; NULL if malformed. */
static char *
query_decode(struct arena *a, const char *s, size_t len)
{
	char	*out = arena_alloc(a, len + 1);
	size_t	 i, o = 0;
	int	 hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == '+')
			out[o++] = ' ';
		else if (s[i] == '%') {
			if (len - i < 3)
				return NULL;
			hi = query_hex((unsigned char)s[i + 1]);
			lo = query_hex((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return NULL;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			out[o++] = s[i];
		if ((unsigned char)out[o - 1] < 0x20 || out[o - 1] == 0x7f)
			return NULL;
	}
	out[o] = '\0';
	if (!query_utf8_ok((const unsigned char *)out, o))
		return NULL;
	return out;
}

int
query_parse(struct arena *a, const char *qs, struct kv **out, size_t *n)
{
	const char	*p, *amp, *eq;
	size_t		 cnt = 0, seglen;
	struct kv	*kv;

	*out = NULL;
	*n = 0;
	if (qs == NULL || *qs == '\0')
		return 0;
	kv = arena_alloc(a, sizeof(*kv) * QUERY_PAIRS_MAX);
	for (p = qs; *p != '\0'; p = *amp == '\0' ? amp : amp + 1) {
		if ((amp = strchr(p, '&')) == NULL)
			amp = p + strlen(p);
		seglen = (size_t)(amp - p);
		if (seglen == 0)
			continue;
		if (cnt == QUERY_PAIRS_MAX)
			return -1;
		eq = memchr(p, '=', seglen);
		if (eq == NULL) {
			kv[cnt].key = query_decode(a, p, seglen);
			kv[cnt].val = "";
		} else {
			kv[cnt].key = query_decode(a, p, (size_t)(eq - p));
			kv[cnt].val = query_decode(a, eq + 1,
			    seglen - (size_t)(eq - p) - 1);
		}
		if (kv[cnt].key == NULL || kv[cnt].val == NULL)
			return -1;
		cnt++;
	}
	*out = kv;
	*n = cnt;
	return 0;
}

const char *
query_get(const struct kv *kv, size_t n, const char *key, int *dup)
{
	const char	*found = NULL;
	size_t		 i;

	if (dup != NULL)
		*dup = 0;
	for (i = 0; i < n; i++)
		if (strcmp(kv[i].key, key) == 0) {
			if (found == NULL)
				found = kv[i].val;
			else if (dup != NULL)
				*dup = 1;
		}
	return found;
}
