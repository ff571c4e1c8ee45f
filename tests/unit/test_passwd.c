/*
 * Unit tests of passwd.c with the lowest Argon2id cost libsodium allows
 * (pwhash_ops 1, pwhash_mem 8192) to stay fast, and common-password lists
 * written to a private temporary directory: passwd_init() refuses a list
 * it cannot read; hash and verify round trip (salted, so two hashes of one
 * password differ), a wrong password or a garbage hash fails, and
 * passwd_verify(NULL, …) fails; passwd_stale() turns true when the
 * configured costs change; passwd_weak() finds listed passwords without
 * regard to case (CRLF lists and '#!comment' lines handled, several lists
 * merged) and passwords equal to the e-mail address or its local part.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

#include "conf.h"
#include "passwd.h"

static const char list_a[] =
	"#!comment: This list is part of the test data\n"
	"123456\n"
	"Password\n"
	"azerty\r\n"
	"\n"
	"soleil\n"
	"motdepasse";		/* no final newline */

static const char list_b[] =
	"Prospea2024\n"
	"doudou\n";

/* A configuration with cheap hashing and the given lists. */
static void
conf_with(struct conf *c, long ops, long mem, const char *l1, const char *l2)
{
	memset(c, 0, sizeof(*c));
	c->pwhash_ops = ops;
	c->pwhash_mem = mem;
	if (l1 != NULL)
		c->common_passwords[c->common_passwords_n++] = (char *)l1;
	if (l2 != NULL)
		c->common_passwords[c->common_passwords_n++] = (char *)l2;
}

static int
group_setup(void **state)
{
	struct conf	 c;

	if (sodium_init() < 0)
		return -1;
	conf_with(&c, 1, 8192, unit_tmp_write("a.txt", list_a, -1, 0644),
	    unit_tmp_write("b.txt", list_b, -1, 0644));
	return passwd_init(&c);
}

static int
group_teardown(void **state)
{
	unit_tmp_clean();
	return 0;
}

static void
test_passwd_missing_list(void **state)
{
	struct conf	 c;

	conf_with(&c, 1, 8192, "/nonexistent/common-passwords.txt", NULL);
	assert_int_equal(passwd_init(&c), -1);
	/* Back to the group's configuration for the tests that follow. */
	conf_with(&c, 1, 8192, unit_tmp_write("a.txt", list_a, -1, 0644),
	    unit_tmp_write("b.txt", list_b, -1, 0644));
	assert_int_equal(passwd_init(&c), 0);
}

static void
test_passwd_round_trip(void **state)
{
	char	 h1[PASSWD_HASH_MAX], h2[PASSWD_HASH_MAX];

	assert_int_equal(passwd_hash(h1, "correct horse battery staple"), 0);
	assert_true(strlen(h1) < PASSWD_HASH_MAX);
	assert_int_equal(strncmp(h1, "$argon2id$", 10), 0);
	assert_non_null(strstr(h1, "m=8,t=1,"));	/* KiB and passes */
	assert_int_equal(passwd_verify(h1, "correct horse battery staple"), 1);
	assert_int_equal(passwd_verify(h1, "correct horse battery stapl"), 0);
	assert_int_equal(passwd_verify(h1, "Correct horse battery staple"), 0);
	assert_int_equal(passwd_verify(h1, ""), 0);
	/* Salted: the same password hashes differently. */
	assert_int_equal(passwd_hash(h2, "correct horse battery staple"), 0);
	assert_string_not_equal(h1, h2);
	assert_int_equal(passwd_verify(h2, "correct horse battery staple"), 1);
	/* UTF-8 passwords. */
	assert_int_equal(passwd_hash(h1, "m\xc3\xb4t de p\xc3\xa2sse \xf0\x9f\x94\x91"),
	    0);
	assert_int_equal(passwd_verify(h1,
	    "m\xc3\xb4t de p\xc3\xa2sse \xf0\x9f\x94\x91"), 1);
	assert_int_equal(passwd_verify(h1, "mot de passe"), 0);
	/* Unknown account, garbage hashes. */
	assert_int_equal(passwd_verify(NULL, "correct horse battery staple"), 0);
	assert_int_equal(passwd_verify(NULL, ""), 0);
	assert_int_equal(passwd_verify("", "x"), 0);
	assert_int_equal(passwd_verify("$argon2id$v=19$m=8,t=1,p=1$garbage", "x"),
	    0);
}

static void
test_passwd_stale(void **state)
{
	struct conf	 c;
	char		 h[PASSWD_HASH_MAX];

	assert_int_equal(passwd_hash(h, "a fine passphrase"), 0);
	assert_int_equal(passwd_stale(h), 0);

	conf_with(&c, 2, 8192, NULL, NULL);
	assert_int_equal(passwd_init(&c), 0);
	assert_int_equal(passwd_stale(h), 1);
	/* A hash made now is current, and the old one still verifies. */
	{
		char h2[PASSWD_HASH_MAX];
		assert_int_equal(passwd_hash(h2, "a fine passphrase"), 0);
		assert_int_equal(passwd_stale(h2), 0);
	}
	assert_int_equal(passwd_verify(h, "a fine passphrase"), 1);

	conf_with(&c, 1, 16384, NULL, NULL);
	assert_int_equal(passwd_init(&c), 0);
	assert_int_equal(passwd_stale(h), 1);

	conf_with(&c, 1, 8192, NULL, NULL);
	assert_int_equal(passwd_init(&c), 0);
	assert_int_equal(passwd_stale(h), 0);
	/* Not a hash at all: needs replacing. */
	assert_int_equal(passwd_stale("plain text"), 1);
}

static void
test_passwd_weak(void **state)
{
	static const char *const common[] = {
		"123456", "password", "PASSWORD", "Password", "pAsSwOrD",
		"azerty", "AZERTY", "soleil", "motdepasse", "MotDePasse",
		"prospea2024", "DOUDOU",
	};
	static const char *const fine[] = {
		"correct horse battery staple", "1234567", "12345", "azerty1",
		" azerty", "azerty ", "#!comment: This list is part of the test data",
		"", "soleil\r", "passwor",
	};
	size_t		 i;
	const char	*r;

	for (i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
		r = passwd_weak(common[i], "jean.dupont@example.fr");
		if (r == NULL || strcmp(r, "common_password") != 0)
			fail_msg("\"%s\" not found as common", common[i]);
	}
	for (i = 0; i < sizeof(fine) / sizeof(fine[0]); i++)
		if ((r = passwd_weak(fine[i], "jean.dupont@example.fr")) != NULL)
			fail_msg("\"%s\" refused: %s", fine[i], r);
}

static void
test_passwd_like_email(void **state)
{
	static const char *const like[] = {
		"jean.dupont@example.fr", "Jean.Dupont@Example.FR",
		"jean.dupont", "JEAN.DUPONT",
	};
	static const char *const unlike[] = {
		"jean.dupont@", "jean.dupon", "jean.dupont@example", "example.fr",
		"@example.fr", "jean.dupont!", "xjean.dupont",
	};
	size_t		 i;
	const char	*r;

	for (i = 0; i < sizeof(like) / sizeof(like[0]); i++) {
		r = passwd_weak(like[i], "jean.dupont@example.fr");
		if (r == NULL || strcmp(r, "password_like_email") != 0)
			fail_msg("\"%s\" not found like the e-mail", like[i]);
	}
	for (i = 0; i < sizeof(unlike) / sizeof(unlike[0]); i++)
		if ((r = passwd_weak(unlike[i], "jean.dupont@example.fr")) != NULL)
			fail_msg("\"%s\" refused: %s", unlike[i], r);
	/* No e-mail yet: only the lists apply. */
	assert_null(passwd_weak("jean.dupont", NULL));
	assert_string_equal(passwd_weak("azerty", NULL), "common_password");
}

/*
 * The hashing slots: with one slot held by another process, hashing and
 * verifying answer PASSWD_BUSY at once; when that process lets go (or
 * dies), they work again.
 */
static void
test_passwd_slots(void **state)
{
	struct conf	 c;
	char		 hash[PASSWD_HASH_MAX], path[4096];
	int		 fd, go[2], done[2];
	pid_t		 pid;
	char		 b;

	(void)state;
	conf_with(&c, 1, 8192, NULL, NULL);
	c.hash_slots = 1;
	c.run_dir = (char *)unit_tmp_dir();
	assert_int_equal(passwd_init(&c), 0);
	assert_int_equal(passwd_hash(hash, "un mot de passe"), 0);

	snprintf(path, sizeof(path), "%s/pwhash-0.lock", unit_tmp_dir());
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(done), 0);
	if ((pid = fork()) == 0) {
		fd = open(path, O_RDWR);
		if (fd == -1 || flock(fd, LOCK_EX) == -1)
			_exit(1);
		(void)write(go[1], "x", 1);
		(void)read(done[0], &b, 1);
		_exit(0);
	}
	assert_int_equal(read(go[0], &b, 1), 1);
	assert_int_equal(passwd_hash(hash, "un mot de passe"), PASSWD_BUSY);
	assert_int_equal(passwd_verify(hash, "un mot de passe"), PASSWD_BUSY);
	assert_int_equal(passwd_verify(NULL, "un mot de passe"), PASSWD_BUSY);
	assert_int_equal(write(done[1], "x", 1), 1);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(passwd_hash(hash, "un mot de passe"), 0);
	assert_int_equal(passwd_verify(hash, "un mot de passe"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passwd_missing_list),
		cmocka_unit_test(test_passwd_round_trip),
		cmocka_unit_test(test_passwd_weak),
		cmocka_unit_test(test_passwd_like_email),
		cmocka_unit_test(test_passwd_stale),
		cmocka_unit_test(test_passwd_slots),
	};

	return cmocka_run_group_tests_name("passwd", tests, group_setup,
	    group_teardown);
}
