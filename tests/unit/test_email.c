/*
 * Unit tests of email.c: a table of addresses email_valid() must accept
 * or reject, following email.h: RFC 5321 section 4.1.2 mailboxes
 * (dot-atom or quoted-string local part), RFC 6531 UTF-8 local parts and
 * U-label domains, A-labels, the lengths of RFC 5321 section 4.5.3.1
 * (64-octet local part, 254 octets in all), and the product's narrower
 * rules (no domain literal, no comment, no single-label domain, no
 * file-extension top-level domain); then email_key() folding.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "unit.h"

#include "email.h"

struct email_case {
	const char	*addr;
	int		 ok;
	const char	*why;
};

static const struct email_case email_cases[] = {
	{ "user@example.com", 1, "plain" },
	{ "USER@EXAMPLE.COM", 1, "upper case" },
	{ "first.last@example.co.uk", 1, "dots in both parts" },
	{ "user+tag@example.com", 1, "plus addressing" },
	{ "user-name_x@example.com", 1, "hyphen and underscore" },
	{ "o'brien@example.ie", 1, "apostrophe" },
	{ "!#$%&'*+-/=?^_`{|}~@example.com", 1, "every atext special" },
	{ "a@b.co", 1, "short" },
	{ "1234@example.com", 1, "digits" },
	{ "user@sub.sub.example.com", 1, "deep domain" },
	{ "user@123.example.com", 1, "numeric non-top label" },
	{ "user@ex-ample.com", 1, "inner hyphen" },
	{ "user@ex--ample.com", 1, "double inner hyphen" },
	{ "\"john doe\"@example.fr", 1, "quoted local part with space" },
	{ "\"john@doe\"@example.fr", 1, "quoted local part with @" },
	{ "\"john\\\"doe\"@example.fr", 1, "quoted-pair" },
	{ "\"a..b\"@example.fr", 1, "quoted double dot" },
	{ "\".a\"@example.fr", 1, "quoted leading dot" },
	{ "j\xc3\xb6rg@example.de", 1, "UTF-8 local part" },
	{ "\xe7\x94\xa8\xe6\x88\xb7@example.cn", 1, "CJK local part" },
	{ "user@exempl\xc3\xa9.fr", 1, "U-label domain" },
	{ "user@exemple.caf\xc3\xa9", 1, "U-label top-level domain" },
	{ "user@xn--exmple-cua.fr", 1, "A-label domain" },
	{ "user@example.xn--p1ai", 1, "A-label top-level domain" },
	{ "user@EXAMPLE.XN--P1AI", 1, "A-label upper case" },
	{ "user@example.museum", 1, "long top-level domain" },
	{ "user@example.pngx", 1, "not an extension" },

	{ "\xef\xbf\xbd\xef\xbf\xbd@weird.example", 0, "replacement characters" },
	{ "", 0, "empty" },
	{ "a", 0, "one character" },
	{ "@", 0, "at only" },
	{ "a@", 0, "no domain" },
	{ "@example.com", 0, "no local part" },
	{ "userexample.com", 0, "no @" },
	{ "user@@example.com", 0, "two @" },
	{ "a@b@example.com", 0, "unquoted @ in local part" },
	{ ".user@example.com", 0, "leading dot" },
	{ "user.@example.com", 0, "trailing dot" },
	{ "us..er@example.com", 0, "double dot" },
	{ ".@example.com", 0, "dot only" },
	{ "us er@example.com", 0, "unquoted space" },
	{ "us\"er@example.com", 0, "stray quote" },
	{ "user(comment)@example.com", 0, "comment" },
	{ "(comment)user@example.com", 0, "leading comment" },
	{ "user@example.com(comment)", 0, "trailing comment" },
	{ "us,er@example.com", 0, "comma" },
	{ "us[er@example.com", 0, "bracket" },
	{ "us\\er@example.com", 0, "unquoted backslash" },
	{ "\"unterminated@example.com", 0, "unterminated quote" },
	{ "\"a\"b\"@example.com", 0, "quote inside quoted string" },
	{ "\"a\\\"@example.com", 0, "escaped closing quote" },
	{ "\"a\tb\"@example.com", 0, "control in quoted string" },
	{ "\"a\x7f\"@example.com", 0, "DEL in quoted string" },
	{ "us\ter@example.com", 0, "tab" },
	{ "user@example.com\n", 0, "trailing newline" },
	{ "user\r\n@example.com", 0, "CRLF" },
	{ " user@example.com", 0, "leading space" },
	{ "user@example.com ", 0, "trailing space" },
	{ "us\xc3\x28r@example.com", 0, "invalid UTF-8 local part" },
	{ "user@exa\xffmple.com", 0, "invalid UTF-8 domain" },
	{ "user@\xc0\xaf.com", 0, "overlong UTF-8" },
	{ "user@localhost", 0, "single-label domain" },
	{ "user@com", 0, "top-level domain alone" },
	{ "user@[192.168.0.1]", 0, "IPv4 domain literal" },
	{ "user@[IPv6:2001:db8::1]", 0, "IPv6 domain literal" },
	{ "user@192.168.0.1", 0, "IPv4 as domain" },
	{ "user@example.123", 0, "numeric top-level domain" },
	{ "user@example.c0m", 0, "digit in top-level domain" },
	{ "user@example.c", 0, "one-letter top-level domain" },
	{ "user@example.co-uk", 0, "hyphen in top-level domain" },
	{ "user@example.xn--", 0, "bare A-label prefix" },
	{ "user@-example.com", 0, "label starts with hyphen" },
	{ "user@example-.com", 0, "label ends with hyphen" },
	{ "user@example.-com", 0, "top-level starts with hyphen" },
	{ "user@exa_mple.com", 0, "underscore in domain" },
	{ "user@exa mple.com", 0, "space in domain" },
	{ "user@.example.com", 0, "domain leading dot" },
	{ "user@example.com.", 0, "domain trailing dot" },
	{ "user@example..com", 0, "domain double dot" },
	{ "user@exam!ple.com", 0, "special in domain" },
	{ "name@2x.png", 0, "image name" },
	{ "logo@2x.PNG", 0, "image name, upper case" },
	{ "icon@sprite.svg", 0, "svg" },
	{ "photo@banner.jpg", 0, "jpg" },
	{ "photo@banner.jpeg", 0, "jpeg" },
	{ "photo@banner.webp", 0, "webp" },
	{ "bundle@app.min.js", 0, "js" },
	{ "style@site.css", 0, "css" },
	{ "doc@file.pdf", 0, "pdf" },
	{ "page@index.html", 0, "html" },
	{ "font@x.woff2", 0, "woff2" },
	{ "clip@x.mp4", 0, "mp4" },
	{ "script@x.php", 0, "php" },
};

/* Builds local@domain with a local part of llen and a total of total octets. */
static void
email_make(char *out, size_t llen, size_t total)
{
	size_t	 dlen = total - llen - 1, o = 0, left;

	memset(out, 'l', llen);
	o = llen;
	out[o++] = '@';
	/* labels of at most 63 octets, then ".fr" */
	left = dlen - 3;
	while (left > 0) {
		size_t n = left > 63 ? 63 : left;
		if (left - n == 1)	/* never leave a lone dot */
			n--;
		memset(out + o, 'd', n);
		o += n;
		left -= n;
		if (left > 0) {
			out[o++] = '.';
			left--;
		}
	}
	memcpy(out + o, ".fr", 4);
	o += 3;
	assert_int_equal(strlen(out), total);
}

static void
test_email_table(void **state)
{
	size_t	 i, bad = 0;

	for (i = 0; i < sizeof(email_cases) / sizeof(email_cases[0]); i++)
		if (email_valid(email_cases[i].addr) != email_cases[i].ok) {
			fprintf(stderr, "email_valid(\"%s\") (%s): expected %d\n",
			    email_cases[i].addr, email_cases[i].why,
			    email_cases[i].ok);
			bad++;
		}
	assert_int_equal(bad, 0);
}

static void
test_email_lengths(void **state)
{
	char	 a[512];

	email_make(a, 64, 100);
	assert_true(email_valid(a));		/* 64-octet local part */
	email_make(a, 65, 100);
	assert_false(email_valid(a));		/* 65 */
	email_make(a, 10, 254);
	assert_true(email_valid(a));		/* 254 in all */
	email_make(a, 64, 254);
	assert_true(email_valid(a));
	email_make(a, 10, 255);
	assert_false(email_valid(a));		/* 255 */
	email_make(a, 10, 300);
	assert_false(email_valid(a));
	/* A 64-octet quoted local part counts its quotes. */
	memset(a, 'q', 64);
	a[0] = a[63] = '"';
	strcpy(a + 64, "@example.fr");
	assert_true(email_valid(a));
	memset(a, 'q', 65);
	a[0] = a[64] = '"';
	strcpy(a + 65, "@example.fr");
	assert_false(email_valid(a));
	/* Domain labels: 63 octets accepted, 64 refused. */
	snprintf(a, sizeof(a), "u@%.*s.fr", 63,
	    "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd");
	assert_true(email_valid(a));
	snprintf(a, sizeof(a), "u@%.*s.fr", 64,
	    "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd");
	assert_false(email_valid(a));
}

static void
test_email_key(void **state)
{
	char	 out[EMAIL_MAX + 1], a[EMAIL_MAX + 1];

	email_key(out, "John.Doe+News@Example.COM");
	assert_string_equal(out, "john.doe+news@example.com");
	email_key(out, "already@lower.fr");
	assert_string_equal(out, "already@lower.fr");
	/* Only ASCII letters fold: UTF-8 bytes pass unchanged. */
	email_key(out, "\xc3\x89ric@Exempl\xc3\x89.FR");
	assert_string_equal(out, "\xc3\x89ric@exempl\xc3\x89.fr");
	email_key(out, "\"John DOE\"@Example.fr");
	assert_string_equal(out, "\"john doe\"@example.fr");
	/* Same key, same mailbox. */
	email_key(a, "USER@EXAMPLE.COM");
	email_key(out, "user@example.com");
	assert_string_equal(a, out);
	/* The longest valid address keeps all its octets. */
	email_make(a, 64, 254);
	email_key(out, a);
	assert_int_equal(strlen(out), 254);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_email_table),
		cmocka_unit_test(test_email_lengths),
		cmocka_unit_test(test_email_key),
	};

	return cmocka_run_group_tests_name("email", tests, NULL, NULL);
}
