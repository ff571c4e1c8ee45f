/*
 * E-mail address checks. Written here rather than taken from a library
 * because the rule is product policy (what Prospea accepts from users and
 * from scraped pages), not only RFC grammar.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <idn2.h>

#include "email.h"
#include "query.h"

/* RFC 5322 atext, plus any byte of a UTF-8 sequence (RFC 6531 section 3.3). */
static int
email_atext(unsigned char c)
{
	return isalnum(c) || strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL || c >= 0x80;
}

static int
email_local_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > 64)
		return 0;
	if (s[0] == '"') {
		/* quoted-string: qtextSMTP / quoted-pairSMTP, RFC 5321 4.1.2 */
		if (len < 3 || s[len - 1] != '"')
			return 0;
		for (i = 1; i < len - 1; i++) {
			unsigned char c = (unsigned char)s[i];
			if (c == '\\') {
				if (++i >= len - 1 || (unsigned char)s[i] < 0x20 ||
				    (unsigned char)s[i] > 0x7e)
					return 0;
			} else if (c == '"' || c < 0x20 || c == 0x7f)
				return 0;
		}
		return 1;
	}
	if (s[0] == '.' || s[len - 1] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return 0;
		} else if (!email_atext((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* Lower-case ASCII comparison of a label with a word. */
static int
email_label_is(const char *l, size_t n, const char *w)
{
	size_t	 i;

	if (strlen(w) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (tolower((unsigned char)l[i]) != w[i])
			return 0;
	return 1;
}

static int
email_tld_is_file(const char *l, size_t n)
{
	static const char *const ext[] = { "png", "jpg", "jpeg", "gif", "webp",
	    "svg", "bmp", "ico", "tif", "tiff", "avif", "heic", "css", "js",
	    "pdf", "mp4", "webm", "woff", "woff2", "ttf", "php", "html", "htm",
	    NULL };
	size_t	 i;

	for (i = 0; ext[i] != NULL; i++)
		if (email_label_is(l, n, ext[i]))
			return 1;
	return 0;
}

static int
email_domain_ok(const char *s, size_t len)
{
	const char	*l = s, *dot, *end = s + len;
	size_t		 n, i, labels = 0;
	int		 ascii, alpha;

	if (len == 0 || len > 253)
		return 0;
	for (;;) {
		dot = memchr(l, '.', (size_t)(end - l));
		n = dot != NULL ? (size_t)(dot - l) : (size_t)(end - l);
		if (n == 0 || n > 63)
			return 0;
		ascii = 1;
		alpha = 1;
		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)l[i];
			if (c >= 0x80)
				ascii = 0;
			else if (!isalnum(c) && c != '-')
				return 0;
			if (!isalpha(c) && c < 0x80)
				alpha = 0;
		}
		if (ascii && (l[0] == '-' || l[n - 1] == '-'))
			return 0;
		labels++;
		if (dot == NULL)
			break;
		l = dot + 1;
	}
	if (labels < 2)
		return 0;
	/* Top-level domain: letters, an A-label, or a U-label. */
	if (!alpha && !(n > 4 && email_label_is(l, 4, "xn--")))
		return 0;
	if (n < 2 || email_tld_is_file(l, n))
		return 0;
	return 1;
}

int
email_valid(const char *s)
{
	size_t		 len = strlen(s);
	const char	*at;

	if (len < 3 || len > EMAIL_MAX)
		return 0;
	if (!query_utf8_ok((const unsigned char *)s, len))
		return 0;
	/*
	 * U+FFFD stands for bytes a decoder could not read (a broken page, a
	 * mangled cell): no mailbox is named with it.
	 */
	if (strstr(s, "\xef\xbf\xbd") != NULL)
		return 0;
	if ((at = strrchr(s, '@')) == NULL)
		return 0;
	return email_local_ok(s, (size_t)(at - s)) &&
	    email_domain_ok(at + 1, len - (size_t)(at - s) - 1);
}

int
email_ascii(char *out, size_t outlen, const char *s)
{
	const char	*at = strrchr(s, '@');
	char		*dom = NULL;
	size_t		 llen;
	int		 n;

	if (at == NULL)
		return -1;
	llen = (size_t)(at - s);
	for (n = 0; n < (int)llen; n++)
		if ((unsigned char)s[n] >= 0x80)
			return -1;
	if (idn2_to_ascii_8z(at + 1, &dom, IDN2_NFC_INPUT |
	    IDN2_NONTRANSITIONAL) != IDN2_OK)
		return -1;
	n = snprintf(out, outlen, "%.*s@%s", (int)llen, s, dom);
	idn2_free(dom);
	return n < 0 || (size_t)n >= outlen || (size_t)n > EMAIL_MAX ? -1 : 0;
}

void
email_key(char *out, const char *s)
{
	char	 ascii[EMAIL_MAX + 1];
	size_t	 i;

	/*
	 * An ASCII address is its own A-label form (IDNA maps ASCII labels
	 * to lower case only): skip libidn2, which imports call per row.
	 * Non-ASCII local parts keep their bytes; only ASCII folds.
	 */
	for (i = 0; s[i] != '\0' && (unsigned char)s[i] < 0x80; i++)
		;
	if (s[i] != '\0' && email_ascii(ascii, sizeof(ascii), s) == 0)
		s = ascii;
	for (i = 0; s[i] != '\0' && i < EMAIL_MAX; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[i] = '\0';
}
