/*
 * Unit tests of conf.c with configuration files written to a private
 * temporary directory and PROSPEA_* variables cleared first: the defaults
 * documented in README.md "Configuration" apply; comments, blanks and
 * CRLF are tolerated; an unknown key, a line without '=', a bad or
 * out-of-range integer (boundaries included), an empty required text, a
 * bad URL (trailing slash, no host, other scheme), a bad log level, an
 * smtp_security that does not match smtp_url or "none" away from
 * loopback, the sender's test clock without test_mode, and cross-key
 * contradictions are refused; PROSPEA_<KEY> wins
 * over the file; allowed_origins defaults to the origin of public_url and
 * conf_origin_allowed() compares exactly; conf_read_secret().
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

#include "conf.h"

extern char **environ;

#define URL	"public_url = https://app.prospea.example\n"

/* Removes every PROSPEA_* variable so the host cannot change results. */
static int
env_clear(void **state)
{
	char	 name[256];
	size_t	 n;
	int	 again = 1;

	while (again) {
		char **e;
		again = 0;
		for (e = environ; e != NULL && *e != NULL; e++)
			if (strncmp(*e, "PROSPEA_", 8) == 0) {
				n = strcspn(*e, "=");
				if (n >= sizeof(name))
					n = sizeof(name) - 1;
				memcpy(name, *e, n);
				name[n] = '\0';
				unsetenv(name);
				again = 1;
				break;
			}
	}
	return 0;
}

static int
group_teardown(void **state)
{
	unit_tmp_clean();
	return 0;
}

/* conf_load() of text as a file; the caller conf_free()s. */
static int
load(struct conf *c, const char *text)
{
	return conf_load(c, unit_tmp_write("t.conf", text, -1, 0644),
	    "prospea_auth");
}

/* 0 if text loads, -1 if refused (c is released either way). */
static int
load_rc(const char *text)
{
	struct conf	 c;
	int		 rc = load(&c, text);

	conf_free(&c);
	return rc;
}

static void
test_conf_defaults(void **state)
{
	struct conf	 c;

	assert_int_equal(load(&c, URL), 0);
	assert_string_equal(c.path, unit_tmp_write("t.conf", URL, -1, 0644));
	assert_string_equal(c.db_socket, "/run/mysqld/mysqld.sock");
	assert_string_equal(c.db_name, "prospea");
	assert_string_equal(c.db_user, "prospea_auth");
	assert_string_equal(c.db_password_dir, "");
	assert_int_equal(c.db_timeout, 5);
	assert_string_equal(c.public_url, "https://app.prospea.example");
	assert_int_equal(c.body_max, 1048576);
	assert_int_equal(c.session_idle, 604800);
	assert_int_equal(c.session_max, 2592000);
	assert_int_equal(c.pwhash_ops, 2);
	assert_int_equal(c.pwhash_mem, 67108864);
	assert_int_equal(c.common_passwords_n, 2);
	assert_int_equal(c.throttle_account_max, 5);
	assert_int_equal(c.throttle_ip_max, 30);
	assert_int_equal(c.throttle_window, 900);
	assert_int_equal(c.throttle_block, 60);
	assert_int_equal(c.throttle_block_max, 900);
	assert_string_equal(c.totp_issuer, "Prospea");
	assert_string_equal(c.smtp_url, "smtp://127.0.0.1:25");
	assert_int_equal(c.smtp_security, SMTP_STARTTLS);
	assert_string_equal(c.smtp_user, "");
	assert_string_equal(c.smtp_password_file, "");
	assert_string_equal(c.smtp_cafile, "");
	assert_int_equal(c.smtp_timeout, 30);
	assert_string_equal(c.mail_from, "Prospea <no-reply@localhost>");
	assert_int_equal(c.mailer_poll_ms, 1000);
	assert_string_equal(c.log_level, "info");
	assert_non_null(strstr(c.master_key_file, "prospea/master.key"));
	assert_int_equal(c.allowed_origins_n, 1);
	assert_string_equal(c.allowed_origins[0], "https://app.prospea.example");
	assert_int_equal(c.contact_gap_hours, 48);
	assert_int_equal(c.imap_poll_seconds, 120);
	assert_int_equal(c.sender_lease, 120);
	assert_int_equal(c.sender_batch, 20);
	assert_int_equal(c.test_mode, 0);
	assert_string_equal(c.sender_clock_file, "");
	conf_free(&c);
	/* Released and reusable. */
	assert_null(c.db_name);
	assert_int_equal(c.allowed_origins_n, 0);
	conf_free(&c);
}

static void
test_conf_syntax(void **state)
{
	struct conf	 c;

	assert_int_equal(load(&c,
	    "# Prospea\n"
	    "\n"
	    "   # indented comment\n"
	    "public_url=https://app.prospea.example/app\r\n"
	    "\tdb_name\t=\tprospea_test  \r\n"
	    "db_user = prospea_other\n"
	    "totp_issuer = Prospea = Staging\n"
	    "allowed_origins = https://a.example, https://b.example:8443\n"
	    "body_max = 2048\n"
	    "body_max = 4096\n"
	    "log_level = debug\n"), 0);
	assert_string_equal(c.public_url, "https://app.prospea.example/app");
	assert_string_equal(c.db_name, "prospea_test");
	/* The file wins over the program's own default account. */
	assert_string_equal(c.db_user, "prospea_other");
	/* Only the first '=' separates. */
	assert_string_equal(c.totp_issuer, "Prospea = Staging");
	assert_int_equal(c.body_max, 4096);
	assert_string_equal(c.log_level, "debug");
	assert_int_equal(c.allowed_origins_n, 2);
	assert_string_equal(c.allowed_origins[0], "https://a.example");
	assert_string_equal(c.allowed_origins[1], "https://b.example:8443");
	conf_free(&c);
}

struct conf_bad {
	const char	*text;
	const char	*why;
};

static void
test_conf_refused(void **state)
{
	static const struct conf_bad bad[] = {
		{ "", "no public_url" },
		{ "db_name = prospea\n", "no public_url" },
		{ URL "public_ur = https://x.example\n", "unknown key" },
		{ URL "BODY_MAX = 2048\n", "key in upper case" },
		{ URL "body_max 2048\n", "no '='" },
		{ URL "= 2048\n", "no key" },
		{ URL "body_max = 12abc\n", "integer with junk" },
		{ URL "body_max = 0x800\n", "hexadecimal" },
		{ URL "body_max = 2048.0\n", "decimal point" },
		{ URL "body_max =\n", "empty integer" },
		{ URL "body_max = 1023\n", "integer below range" },
		{ URL "body_max = 268435457\n", "integer above range" },
		{ URL "body_max = -1\n", "negative integer" },
		{ URL "body_max = 99999999999999999999999\n", "integer overflow" },
		{ URL "db_timeout = 0\n", "timeout 0" },
		{ URL "pwhash_mem = 8191\n", "pwhash_mem below libsodium's minimum" },
		{ URL "pwhash_ops = 0\n", "pwhash_ops 0" },
		{ URL "db_name =\n", "empty required text" },
		{ URL "mail_from =   \n", "blank required text" },
		{ "public_url = https://app.prospea.example/\n", "trailing slash" },
		{ "public_url = https://app.prospea.example/app/\n",
		    "trailing slash after a path" },
		{ "public_url = ftp://app.prospea.example\n", "other scheme" },
		{ "public_url = app.prospea.example\n", "no scheme" },
		{ "public_url = https://\n", "no host" },
		{ "public_url = https:///app\n", "empty host" },
		{ "public_url = https://:8443\n", "port without host" },
		{ "public_url = https://app.prospea .example\n", "space in URL" },
		{ "public_url = HTTPS://app.prospea.example\n",
		    "scheme not in lower case" },
		{ URL "log_level = verbose\n", "bad log level" },
		{ URL "log_level = INFO\n", "log level case" },
		{ URL "smtp_security = ssl\n", "bad smtp_security" },
		{ URL "smtp_url = http://127.0.0.1:25\n", "smtp_url not smtp" },
		{ URL "smtp_security = tls\nsmtp_url = smtp://mail.example.com:465\n",
		    "tls with smtp://" },
		{ URL "smtp_security = starttls\n"
		    "smtp_url = smtps://mail.example.com:465\n", "starttls with smtps://" },
		{ URL "smtp_security = none\nsmtp_url = smtps://127.0.0.1:465\n",
		    "none with smtps://" },
		{ URL "smtp_security = none\nsmtp_url = smtp://mail.example.com:25\n",
		    "none away from loopback" },
		{ URL "session_idle = 2592001\nsession_max = 2592000\n",
		    "session_idle above session_max" },
		{ URL "throttle_block = 901\n", "throttle_block above its maximum" },
		{ URL "allowed_origins = a b c d e f g h i j k l m n o p q\n",
		    "17 origins" },
		{ URL "sender_clock_file = /tmp/clock\n",
		    "the sender's test clock outside a test stack" },
		{ URL "test_mode = 0\nsender_clock_file = /tmp/clock\n",
		    "the sender's test clock with test_mode 0" },
		{ URL "test_mode = 2\n", "test_mode neither 0 nor 1" },
		{ URL "sender_lease = 1\n", "sender_lease below 2 s" },
		{ URL "sender_batch = 0\n", "sender_batch 0" },
		{ URL "imap_poll_seconds = 0\n", "imap_poll_seconds 0" },
	};
	size_t	 i, accepted = 0;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (load_rc(bad[i].text) != -1) {
			fprintf(stderr, "configuration accepted: %s\n", bad[i].why);
			accepted++;
		}
	assert_int_equal(accepted, 0);
}

static void
test_conf_accepted(void **state)
{
	static const struct conf_bad good[] = {
		{ URL "body_max = 1024\n", "body_max minimum" },
		{ URL "body_max = 268435456\n", "body_max maximum" },
		{ URL "pwhash_ops = 1\npwhash_mem = 8192\n", "lowest Argon2id cost" },
		{ URL "session_idle = 2592000\n", "session_idle = session_max" },
		{ URL "smtp_security = tls\nsmtp_url = smtps://mail.example.com:465\n",
		    "tls with smtps://" },
		{ URL "smtp_security = starttls\nsmtp_url = smtp://mail.example.com:587\n",
		    "starttls with smtp://" },
		{ URL "smtp_security = none\nsmtp_url = smtp://127.0.0.1:1025\n",
		    "none on 127.0.0.1" },
		{ URL "smtp_security = none\nsmtp_url = smtp://localhost:1025\n",
		    "none on localhost" },
		{ URL "smtp_security = none\nsmtp_url = smtp://[::1]:1025\n",
		    "none on ::1" },
		{ "public_url = http://localhost:8080\n", "http and a port" },
		{ URL "allowed_origins = a b c d e f g h i j k l m n o p\n",
		    "16 origins" },
		{ URL "smtp_user =\n", "optional text left empty" },
		{ URL "test_mode = 1\nsender_clock_file = /tmp/clock\n",
		    "the sender's test clock on a test stack" },
		{ URL "contact_gap_hours = 0\n", "no frequency cap" },
	};
	size_t	 i, refused = 0;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (load_rc(good[i].text) != 0) {
			fprintf(stderr, "configuration refused: %s\n", good[i].why);
			refused++;
		}
	assert_int_equal(refused, 0);
}

/*
 * "none" is for loopback hosts only (conf.h): a host name that merely
 * starts like one is not loopback.
 */
static void
test_conf_smtp_none_lookalikes(void **state)
{
	static const struct conf_bad bad[] = {
		{ URL "smtp_security = none\n"
		    "smtp_url = smtp://localhost.attacker.example:25\n",
		    "localhost.attacker.example" },
		{ URL "smtp_security = none\n"
		    "smtp_url = smtp://127.0.0.1.nip.io:25\n", "127.0.0.1.nip.io" },
		{ URL "smtp_security = none\n"
		    "smtp_url = smtp://localhostmail.example:25\n",
		    "localhostmail.example" },
	};
	size_t	 i, accepted = 0;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (load_rc(bad[i].text) != -1) {
			fprintf(stderr, "smtp_security none accepted for %s\n",
			    bad[i].why);
			accepted++;
		}
	assert_int_equal(accepted, 0);
}

static void
test_conf_env(void **state)
{
	struct conf	 c;

	setenv("PROSPEA_BODY_MAX", "2048", 1);
	assert_int_equal(load(&c, URL "body_max = 4096\n"), 0);
	assert_int_equal(c.body_max, 2048);
	conf_free(&c);

	/* A bad value in the environment is refused like one in the file. */
	setenv("PROSPEA_BODY_MAX", "lots", 1);
	assert_int_equal(load_rc(URL), -1);
	setenv("PROSPEA_BODY_MAX", "", 1);
	assert_int_equal(load_rc(URL), -1);
	unsetenv("PROSPEA_BODY_MAX");

	/* The environment can supply a required key... */
	setenv("PROSPEA_PUBLIC_URL", "https://env.prospea.example", 1);
	assert_int_equal(load(&c, ""), 0);
	assert_string_equal(c.public_url, "https://env.prospea.example");
	assert_string_equal(c.allowed_origins[0], "https://env.prospea.example");
	conf_free(&c);
	/* ...and wins over the file's. */
	assert_int_equal(load(&c, URL), 0);
	assert_string_equal(c.public_url, "https://env.prospea.example");
	conf_free(&c);
	unsetenv("PROSPEA_PUBLIC_URL");

	setenv("PROSPEA_SMTP_SECURITY", "tls", 1);
	setenv("PROSPEA_SMTP_URL", "smtps://mail.example.com:465", 1);
	assert_int_equal(load(&c, URL "smtp_security = starttls\n"), 0);
	assert_int_equal(c.smtp_security, SMTP_TLS);
	conf_free(&c);
	unsetenv("PROSPEA_SMTP_SECURITY");
	unsetenv("PROSPEA_SMTP_URL");

	/* Path NULL: $PROSPEA_CONF names the file. */
	setenv("PROSPEA_CONF", unit_tmp_write("env.conf",
	    URL "db_name = from_env_conf\n", -1, 0644), 1);
	assert_int_equal(conf_load(&c, NULL, "prospea_auth"), 0);
	assert_string_equal(c.db_name, "from_env_conf");
	conf_free(&c);
	unsetenv("PROSPEA_CONF");
}

static void
test_conf_files(void **state)
{
	struct conf	 c;

	/* A file named explicitly must exist. */
	assert_int_equal(conf_load(&c, "/nonexistent/prospea.conf",
	    "prospea_auth"), -1);
	conf_free(&c);
	/* No db_user anywhere. */
	assert_int_equal(conf_load(&c, unit_tmp_write("t.conf", URL, -1, 0644),
	    NULL), -1);
	conf_free(&c);
	assert_int_equal(conf_load(&c, unit_tmp_write("t.conf", URL, -1, 0644),
	    ""), -1);
	conf_free(&c);
	assert_int_equal(conf_load(&c, unit_tmp_write("t.conf",
	    URL "db_user = prospea_gdpr\n", -1, 0644), NULL), 0);
	assert_string_equal(c.db_user, "prospea_gdpr");
	conf_free(&c);
}

static void
test_conf_origins(void **state)
{
	struct conf	 c;

	assert_int_equal(load(&c,
	    "public_url = https://app.prospea.example:8443/base/path\n"), 0);
	assert_int_equal(c.allowed_origins_n, 1);
	assert_string_equal(c.allowed_origins[0],
	    "https://app.prospea.example:8443");
	assert_int_equal(conf_origin_allowed(&c,
	    "https://app.prospea.example:8443"), 1);
	assert_int_equal(conf_origin_allowed(&c, "https://app.prospea.example"),
	    0);
	assert_int_equal(conf_origin_allowed(&c,
	    "http://app.prospea.example:8443"), 0);
	assert_int_equal(conf_origin_allowed(&c,
	    "https://app.prospea.example:8443/"), 0);
	assert_int_equal(conf_origin_allowed(&c,
	    "https://app.prospea.example:8443.evil.example"), 0);
	assert_int_equal(conf_origin_allowed(&c, "https://app.prospea.exampl"), 0);
	assert_int_equal(conf_origin_allowed(&c, ""), 0);
	assert_int_equal(conf_origin_allowed(&c, "null"), 0);
	conf_free(&c);

	/* An explicit list replaces the default. */
	assert_int_equal(load(&c, URL
	    "allowed_origins = https://a.example\thttps://b.example\n"), 0);
	assert_int_equal(c.allowed_origins_n, 2);
	assert_int_equal(conf_origin_allowed(&c, "https://a.example"), 1);
	assert_int_equal(conf_origin_allowed(&c, "https://b.example"), 1);
	assert_int_equal(conf_origin_allowed(&c, "https://app.prospea.example"),
	    0);
	assert_int_equal(conf_origin_allowed(&c, "https://c.example"), 0);
	conf_free(&c);
}

static void
test_conf_read_secret(void **state)
{
	char	*s, big[5000];

	s = conf_read_secret(unit_tmp_write("pw1", "s3cret\n", -1, 0600));
	assert_string_equal(s, "s3cret");
	free(s);
	s = conf_read_secret(unit_tmp_write("pw2", "pass word\r\n\n", -1, 0600));
	assert_string_equal(s, "pass word");
	free(s);
	s = conf_read_secret(unit_tmp_write("pw3", "no newline", -1, 0600));
	assert_string_equal(s, "no newline");
	free(s);
	s = conf_read_secret(unit_tmp_write("pw4", "", -1, 0600));
	assert_string_equal(s, "");
	free(s);
	memset(big, 'k', 4000);
	s = conf_read_secret(unit_tmp_write("pw5", big, 4000, 0600));
	assert_non_null(s);
	assert_int_equal(strlen(s), 4000);
	free(s);
	memset(big, 'k', sizeof(big));
	errno = 0;
	assert_null(conf_read_secret(unit_tmp_write("pw6", big, sizeof(big),
	    0600)));
	assert_int_equal(errno, EFBIG);
	errno = 0;
	assert_null(conf_read_secret("/nonexistent/secret"));
	assert_int_equal(errno, ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_conf_defaults, env_clear),
		cmocka_unit_test_setup(test_conf_syntax, env_clear),
		cmocka_unit_test_setup(test_conf_refused, env_clear),
		cmocka_unit_test_setup(test_conf_accepted, env_clear),
		cmocka_unit_test_setup(test_conf_smtp_none_lookalikes, env_clear),
		cmocka_unit_test_setup(test_conf_env, env_clear),
		cmocka_unit_test_setup(test_conf_files, env_clear),
		cmocka_unit_test_setup(test_conf_origins, env_clear),
		cmocka_unit_test_setup(test_conf_read_secret, env_clear),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, group_teardown);
}
