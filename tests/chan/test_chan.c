/*
 * Unit tests of chan.c, the rules every channel client applies before it
 * connects: which hosts count as this machine (plaintext is only for them),
 * which URL schemes fit which security mode (RFC 8314 section 3.3: implicit
 * TLS has its own scheme and port), and the capped buffer libcurl fills.
 * What the clients do on the wire is tests/e2e/test_channels.py's.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "chan.h"

static const struct {
	const char	*host;
	int		 loopback;
} loopback_cases[] = {
	{ "localhost", 1 },
	{ "LOCALHOST", 1 },
	{ "127.0.0.1", 1 },
	{ "127.255.3.9", 1 },
	{ "::1", 1 },
	{ "0:0:0:0:0:0:0:1", 1 },
	{ "128.0.0.1", 0 },
	{ "10.0.0.1", 0 },
	{ "::2", 0 },
	{ "127.0.0.1.example.com", 0 },
	{ "localhost.example.com", 0 },
	{ "127.1", 0 },		/* inet_pton's strict dotted quad only */
	{ "", 0 },
};

static void
test_loopback(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(loopback_cases) / sizeof(loopback_cases[0]); i++) {
		if (chan_loopback(loopback_cases[i].host) != loopback_cases[i].loopback)
			fail_msg("chan_loopback(\"%s\") should be %d",
			    loopback_cases[i].host, loopback_cases[i].loopback);
	}
}

static const struct {
	const char		*url;
	enum smtp_security	 sec;
	int			 ok;
	const char		*why;
} url_cases[] = {
	{ "smtp://mail.exemple.fr:587", SMTP_STARTTLS, 0, "STARTTLS on smtp://" },
	{ "smtps://mail.exemple.fr:465", SMTP_TLS, 0, "implicit TLS on smtps://" },
	{ "smtps://mail.exemple.fr:587", SMTP_STARTTLS, -1, "STARTTLS wants smtp://" },
	{ "smtp://mail.exemple.fr:465", SMTP_TLS, -1, "implicit TLS wants smtps://" },
	{ "smtp://mail.exemple.fr:25", SMTP_NONE, -1, "plaintext to another host" },
	{ "smtp://127.0.0.1:2525", SMTP_NONE, 0, "plaintext to loopback" },
	{ "smtp://localhost:2525", SMTP_NONE, 0, "plaintext to localhost" },
	{ "smtp://[::1]:2525", SMTP_NONE, 0, "plaintext to [::1]" },
	{ "smtp://127.0.0.1.evil.fr:25", SMTP_NONE, -1, "a name that starts like loopback" },
	{ "smtp://user:pw@127.0.0.1:25", SMTP_NONE, -1, "credentials in the URL" },
	{ "smtp://:25", SMTP_STARTTLS, -1, "no host" },
	{ "smtp:/mail.exemple.fr", SMTP_STARTTLS, -1, "not a URL" },
	{ "http://mail.exemple.fr", SMTP_STARTTLS, -1, "another protocol" },
	{ "smtpx://mail.exemple.fr", SMTP_STARTTLS, -1, "a longer scheme" },
	{ "smtp://[::1", SMTP_NONE, -1, "unclosed bracket" },
};

static void
test_url_check(void **state)
{
	char	 err[256];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++) {
		err[0] = '\0';
		if (chan_url_check(url_cases[i].url, url_cases[i].sec, "smtp",
		    "smtps", err, sizeof(err)) != url_cases[i].ok)
			fail_msg("%s: %s should give %d", url_cases[i].why,
			    url_cases[i].url, url_cases[i].ok);
		if (url_cases[i].ok == -1 && err[0] == '\0')
			fail_msg("%s: no reason given", url_cases[i].why);
	}
}

static void
test_buf_cap(void **state)
{
	struct chan_buf	 b = { NULL, 0, 0, 10, 0 };
	char		 data[6000];

	(void)state;
	assert_int_equal(chan_buf_write("hello", 1, 5, &b), 5);
	assert_false(b.over);
	/* libcurl is told every byte was taken, so the transfer goes on. */
	assert_int_equal(chan_buf_write("world!!", 1, 7, &b), 7);
	assert_true(b.over);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.p, "helloworld");
	chan_buf_reset(&b);
	assert_null(b.p);
	assert_int_equal(b.max, 10);
	b.max = 0;
	memset(data, 'x', sizeof(data));
	chan_buf_add(&b, data, sizeof(data));
	chan_buf_add(&b, data, sizeof(data));
	assert_int_equal(b.len, 2 * sizeof(data));
	assert_false(b.over);
	assert_int_equal(b.p[b.len], '\0');
	chan_buf_reset(&b);
}

static void
test_rc_names(void **state)
{
	int	 i;

	(void)state;
	for (i = 0; i < CHAN__MAX; i++)
		assert_non_null(chan_rc_name((enum chan_rc)i));
	assert_string_equal(chan_rc_name(CHAN_AUTH), "auth");
	assert_string_equal(chan_rc_name(CHAN__MAX), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_url_check),
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_rc_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
