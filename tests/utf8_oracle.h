/*
 * An independent UTF-8 oracle for the tests and fuzz targets, written from
 * RFC 3629 section 4 rather than shared with fcgi/query.c, so that a test
 * can compare the core's check with it.
 */
#ifndef PROSPEA_TESTS_UTF8_ORACLE_H
#define PROSPEA_TESTS_UTF8_ORACLE_H

#include <stddef.h>

/*
 * 1 if the len bytes at s are valid UTF-8 (RFC 3629 section 4: shortest
 * form, no surrogates, nothing above U+10FFFF).
 */
static inline int
oracle_utf8_ok(const unsigned char *s, size_t len)
{
	size_t	 i = 0;

	while (i < len) {
		unsigned char c = s[i];
		unsigned char lo = 0x80, hi = 0xbf;
		size_t need, k;

		if (c <= 0x7f) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c == 0xe0) {
			need = 2;
			lo = 0xa0;
		} else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef)
			need = 2;
		else if (c == 0xed) {
			need = 2;
			hi = 0x9f;
		} else if (c == 0xf0) {
			need = 3;
			lo = 0x90;
		} else if (c >= 0xf1 && c <= 0xf3)
			need = 3;
		else if (c == 0xf4) {
			need = 3;
			hi = 0x8f;
		} else
			return 0;
		if (len - i - 1 < need)
			return 0;
		/* Only the second byte has a narrowed range (RFC 3629 table). */
		if (s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (k = 2; k <= need; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return 0;
		i += need + 1;
	}
	return 1;
}

#endif
