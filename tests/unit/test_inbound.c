/*
 * Unit tests of the inbound mail classifier (inbound.c). Data-driven:
 * each directory tests/unit/inbound/<case>/ holds input.eml, a message as
 * a mail client or server would leave it in an inbox (written for these
 * tests after real ones: Gmail, Outlook, Thunderbird, Postfix, Exim,
 * Exchange ...), and expected, the classification rendered one field a
 * line ("name: value", every field, empty when not found), compared whole.
 * Then what directories do not show well: the same message with LF line
 * ends, References beyond INBOUND_REFS_MAX, input past INBOUND_INPUT_MAX,
 * an input without any header field, nesting past the depth limit,
 * 2 MiB inputs of one pattern, a message built by mail_build_id() read
 * back, and every output string NUL-terminated and valid UTF-8.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "unit.h"

#include "inbound.h"
#include "mail.h"

#include "../utf8_oracle.h"

/* The classification as the expected files write it. Owned. */
static char *
render(const struct inbound *in)
{
	char	*out = NULL, line[1024];
	size_t	 len = 0, i;

	unit_append(&out, &len, "");
#define LINE(...) do {							\
	snprintf(line, sizeof(line), __VA_ARGS__);			\
	unit_append(&out, &len, line);					\
} while (0)
	LINE("kind: %s\n", inbound_kind_name(in->kind));
	LINE("reason: %s\n", in->reason);
	LINE("from: %s\n", in->from);
	LINE("message_id: %s\n", in->message_id);
	LINE("subject: %s\n", in->subject);
	unit_append(&out, &len, "refs:");
	for (i = 0; i < in->nrefs; i++) {
		unit_append(&out, &len, " ");
		unit_append(&out, &len, in->refs[i]);
	}
	unit_append(&out, &len, "\n");
	LINE("status: %s\n", in->status);
	LINE("class: %d\n", in->status_class);
	LINE("recipient_error: %d\n", in->recipient_error);
	LINE("recipient: %s\n", in->recipient);
	LINE("orig_message_id: %s\n", in->orig_message_id);
	LINE("diagnostic: %s", in->diagnostic);
#undef LINE
	return out;
}

/* The properties every result has, whatever the input. */
static void
check_invariants(const struct inbound *in)
{
	size_t	 i;

	assert_true((unsigned)in->kind < INBOUND__MAX);
	assert_non_null(in->reason);
	assert_true(in->nrefs <= INBOUND_REFS_MAX);
	assert_true(oracle_utf8_ok((const unsigned char *)in->subject,
	    strlen(in->subject)));
	assert_true(oracle_utf8_ok((const unsigned char *)in->diagnostic,
	    strlen(in->diagnostic)));
	for (i = 0; i < in->nrefs; i++) {
		assert_int_equal(in->refs[i][0], '<');
		assert_non_null(strchr(in->refs[i], '@'));
	}
	if (in->kind != INBOUND_DSN)
		assert_string_equal(in->status, "");
	if (in->recipient_error)
		assert_int_equal(in->status_class, 5);
}

/* One case directory: its path is the test's state. */
static void
run_case(void **state)
{
	const char	*dir = *state;
	char		 path[4096 + 32], *input, *expected, *got;
	size_t		 len, elen;
	struct inbound	 in;

	snprintf(path, sizeof(path), "%s/input.eml", dir);
	input = unit_read(path, &len);
	snprintf(path, sizeof(path), "%s/expected", dir);
	expected = unit_read(path, &elen);
	if (elen > 0 && expected[elen - 1] == '\n')
		expected[elen - 1] = '\0';
	inbound_classify(&in, input, len);
	check_invariants(&in);
	got = render(&in);
	if (strcmp(got, expected) != 0) {
		fprintf(stderr, "---- got\n%s\n---- expected\n%s\n", got, expected);
		fail_msg("%s: classification differs", dir);
	}
	free(got);
	free(expected);
	free(input);
}

/*
 * Runs run_case once per directory of $srcdir/tests/unit/inbound, each a
 * cmocka test named after it. The input file is input.eml, which
 * unit_run_cases() (input, expected) does not read. Returns the number of
 * failures; 1 when no case is found.
 */
static int
run_cases(void)
{
	struct dirent		**ents;
	struct CMUnitTest	 *tests;
	char			**paths;
	const char		 *srcdir = getenv("srcdir");
	char			  dir[4096], path[4096 + 256];
	struct stat		  st;
	int			  n, i, k = 0, rc;

	snprintf(dir, sizeof(dir), "%s/tests/unit/inbound",
	    srcdir != NULL ? srcdir : ".");
	if ((n = scandir(dir, &ents, NULL, alphasort)) == -1) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return 1;
	}
	if ((tests = calloc((size_t)n + 1, sizeof(*tests))) == NULL ||
	    (paths = calloc((size_t)n + 1, sizeof(*paths))) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (ents[i]->d_name[0] != '.' && stat(path, &st) == 0 &&
		    S_ISDIR(st.st_mode)) {
			if ((paths[k] = strdup(path)) == NULL ||
			    (tests[k].name = strdup(ents[i]->d_name)) == NULL)
				abort();
			tests[k].test_func = run_case;
			tests[k].initial_state = paths[k];
			k++;
		}
		free(ents[i]);
	}
	free(ents);
	rc = k == 0 ? 1 : _cmocka_run_group_tests("inbound cases", tests,
	    (size_t)k, NULL, NULL);
	for (i = 0; i < k; i++) {
		free(paths[i]);
		free((char *)tests[i].name);
	}
	free(paths);
	free(tests);
	return rc;
}

static const char reply_crlf[] =
    "Return-Path: <jean@boulangerie.example>\r\n"
    "From: Jean <jean@boulangerie.example>\r\n"
    "To: marie@plomberie.example\r\n"
    "Subject: Re: Votre vitrine\r\n"
    "Message-ID: <r1@boulangerie.example>\r\n"
    "In-Reply-To: <m1@plomberie.example>\r\n"
    "References: <m0@plomberie.example>\r\n"
    " <m1@plomberie.example>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Oui, appelez-moi.\r\n";

/* LF line ends (a message saved by some tools) read the same as CRLF. */
static void
test_lf_line_ends(void **state)
{
	struct inbound	 a, b;
	char		*lf, *got_a, *got_b;
	size_t		 i, o = 0;

	if ((lf = malloc(sizeof(reply_crlf))) == NULL)
		abort();
	for (i = 0; reply_crlf[i] != '\0'; i++)
		if (reply_crlf[i] != '\r')
			lf[o++] = reply_crlf[i];
	assert_int_equal(inbound_classify(&a, reply_crlf, strlen(reply_crlf)), 0);
	assert_int_equal(inbound_classify(&b, lf, o), 0);
	assert_int_equal(a.kind, INBOUND_REPLY);
	assert_int_equal(a.nrefs, 2);
	assert_string_equal(a.refs[0], "<m1@plomberie.example>");
	assert_string_equal(a.refs[1], "<m0@plomberie.example>");
	got_a = render(&a);
	got_b = render(&b);
	assert_string_equal(got_a, got_b);
	free(got_a);
	free(got_b);
	free(lf);
}

/* More References than fit: newest first, the root kept last. */
static void
test_refs_overflow(void **state)
{
	char		*msg = NULL, id[64];
	size_t		 len = 0, i;
	struct inbound	 in;

	unit_append(&msg, &len, "From: jean@boulangerie.example\r\n"
	    "In-Reply-To: <r39@x.example>\r\nReferences:");
	for (i = 0; i < 40; i++) {
		snprintf(id, sizeof(id), "\r\n <r%zu@x.example>", i);
		unit_append(&msg, &len, id);
	}
	unit_append(&msg, &len, "\r\n\r\nbody\r\n");
	inbound_classify(&in, msg, len);
	check_invariants(&in);
	assert_int_equal(in.kind, INBOUND_REPLY);
	assert_int_equal(in.nrefs, INBOUND_REFS_MAX);
	assert_string_equal(in.refs[0], "<r39@x.example>");
	for (i = 1; i + 1 < INBOUND_REFS_MAX; i++) {
		snprintf(id, sizeof(id), "<r%zu@x.example>", 39 - i);
		assert_string_equal(in.refs[i], id);
	}
	assert_string_equal(in.refs[INBOUND_REFS_MAX - 1], "<r0@x.example>");
	free(msg);
}

/* Past INBOUND_INPUT_MAX nothing is read; what comes before still counts. */
static void
test_huge_input(void **state)
{
	size_t		 big = INBOUND_INPUT_MAX + 1024 * 1024, hlen;
	char		*msg;
	struct inbound	 in;
	static const char head[] =
	    "From: Mail Delivery System <MAILER-DAEMON@mx.example>\r\n"
	    "Subject: Undelivered Mail Returned to Sender\r\n"
	    "\r\n"
	    "<jean@boulangerie.example>: host mx said: 550 5.1.1 no such user\r\n";

	if ((msg = malloc(big)) == NULL)
		abort();
	hlen = strlen(head);
	memcpy(msg, head, hlen);
	memset(msg + hlen, 'a', big - hlen);
	/* A status past the limit must not be seen. */
	memcpy(msg + big - 40, "\r\nStatus: 4.4.7\r\n", 17);
	inbound_classify(&in, msg, big);
	check_invariants(&in);
	assert_int_equal(in.kind, INBOUND_DSN);
	assert_string_equal(in.status, "5.1.1");
	assert_string_equal(in.recipient, "jean@boulangerie.example");
	/* Megabytes of '@' and of delimiter-like lines stay cheap and safe. */
	memset(msg + hlen, '@', big - hlen);
	inbound_classify(&in, msg, big);
	check_invariants(&in);
	free(msg);
}

/* No header field: -1 and OTHER. */
static void
test_not_a_message(void **state)
{
	static const char *const junk[] = {
		"", "\r\n", "\r\n\r\nFrom: late@example.fr\r\n", "just text",
		" folded: nothing before\r\n", ": no name\r\n",
	};
	struct inbound	 in;
	size_t		 i;

	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		assert_int_equal(inbound_classify(&in, junk[i], strlen(junk[i])), -1);
		assert_int_equal(in.kind, INBOUND_OTHER);
		check_invariants(&in);
	}
}

/* Nesting deeper than the walk goes, boundaries never closed. */
static void
test_deep_nesting(void **state)
{
	char		*msg = NULL, line[128];
	size_t		 len = 0, i;
	struct inbound	 in;

	unit_append(&msg, &len, "From: x@example.fr\r\nContent-Type: multipart/"
	    "report; report-type=delivery-status; boundary=b0\r\n\r\n");
	for (i = 0; i < 200; i++) {
		snprintf(line, sizeof(line), "--b%zu\r\nContent-Type: multipart/"
		    "mixed; boundary=b%zu\r\n\r\n", i, i + 1);
		unit_append(&msg, &len, line);
	}
	unit_append(&msg, &len, "--b200\r\nContent-Type: message/delivery-status"
	    "\r\n\r\nFinal-Recipient: rfc822; deep@example.fr\r\nAction: failed\r\n"
	    "Status: 5.1.1\r\n");
	inbound_classify(&in, msg, len);
	check_invariants(&in);
	assert_int_equal(in.kind, INBOUND_DSN);
	/* Too deep to be read: the fields stay unknown, the class is 5. */
	assert_string_equal(in.recipient, "");
	assert_int_equal(in.status_class, 5);
	free(msg);
}

/*
 * Inputs of the largest size read, made of one pattern, that a careless
 * parser turns quadratic (a rescan per "=?", per '@', per msg-id) or
 * makes hold a copy per item. No timing here (bench/ is for figures),
 * but a quadratic walk over 2 MiB would stall the suite for minutes.
 */
static void
test_pathological(void **state)
{
	static const struct {
		const char	*head;
		const char	*unit;
	} cases[] = {
		{ "From: MAILER-DAEMON@x.example\r\n\r\n", "@" },
		{ "From: MAILER-DAEMON@x.example\r\n\r\n", "a@" },
		{ "From: MAILER-DAEMON@x.example\r\n\r\n", "550 5.5." },
		{ "From: MAILER-DAEMON@x.example\r\n\r\n", "Message-ID: <\n" },
		{ "Subject: ", "=?" },
		{ "Subject: ", "=?a?q?" },
		{ "From: a@b.example\r\nReferences: ", "a@b " },
		{ "From: a@b.example\r\nIn-Reply-To: ", "<a@b>" },
		{ "From: a@b.example\r\nReferences: ", "<(" },
		{ "Content-Type: text/plain", ";a=\"x\"" },
		{ "", "X: y\r\n" },
		{ "Subject: a\r\n", " b\r\n" },
		{ "Content-Type: multipart/mixed; boundary=b\r\n\r\n", "--b\r\n" },
		{ "Content-Type: multipart/report; report-type=delivery-status; "
		  "boundary=b\r\n\r\n--b\r\nContent-Type: message/delivery-status"
		  "\r\n\r\n", "Action: failed\r\n\r\n" },
	};
	size_t		 n = INBOUND_INPUT_MAX, i, j, hl, ul;
	char		*m;
	struct inbound	 in;

	if ((m = malloc(n)) == NULL)
		abort();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hl = strlen(cases[i].head);
		ul = strlen(cases[i].unit);
		memcpy(m, cases[i].head, hl);
		for (j = hl; j < n; j++)
			m[j] = cases[i].unit[(j - hl) % ul];
		inbound_classify(&in, m, n);
		check_invariants(&in);
	}
	free(m);
}

/*
 * The classifier reads what mail_build_id() writes: a follow-up step's
 * Message-ID, encoded Subject and threading headers come back as built,
 * so the worker's stored ids match the refs of the answers.
 */
static void
test_reads_own_message(void **state)
{
	struct mail_msg	 m;
	struct inbound	 in;
	char		 id[MAIL_MSGID_MAX], *msg;

	memset(&m, 0, sizeof(m));
	m.from = "Marie Durand <marie@plomberie-durand.fr>";
	m.to = "contact@boulangerie.example";
	m.subject = "Relance : votre vitrine \xc3\xa0 Lyon, un devis gratuit pour "
	    "l'\xc3\xa9t\xc3\xa9 \xe2\x80\x94 r\xc3\xa9ponse appr\xc3\xa9" "ci\xc3\xa9" "e";
	m.text = "Bonjour,\nje reviens vers vous.\n";
	m.html = "<p>Bonjour,</p>";
	m.in_reply_to = "<step1@plomberie-durand.fr>";
	m.references = "<step0@plomberie-durand.fr> <step1@plomberie-durand.fr>";
	m.unsubscribe_url = "https://app.prospea.fr/u/tok";
	msg = mail_build_id(&m, id, sizeof(id));
	assert_non_null(msg);
	assert_int_equal(inbound_classify(&in, msg, strlen(msg)), 0);
	check_invariants(&in);
	assert_int_equal(in.kind, INBOUND_REPLY);
	assert_string_equal(in.message_id, id);
	assert_string_equal(in.subject, m.subject);
	assert_string_equal(in.from, "marie@plomberie-durand.fr");
	assert_int_equal(in.nrefs, 2);
	assert_string_equal(in.refs[0], "<step1@plomberie-durand.fr>");
	assert_string_equal(in.refs[1], "<step0@plomberie-durand.fr>");
	free(msg);
}

static void
test_kind_names(void **state)
{
	assert_string_equal(inbound_kind_name(INBOUND_OTHER), "OTHER");
	assert_string_equal(inbound_kind_name(INBOUND_REPLY), "REPLY");
	assert_string_equal(inbound_kind_name(INBOUND_AUTO_REPLY), "AUTO_REPLY");
	assert_string_equal(inbound_kind_name(INBOUND_DSN), "DSN");
	assert_string_equal(inbound_kind_name(INBOUND__MAX), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lf_line_ends),
		cmocka_unit_test(test_refs_overflow),
		cmocka_unit_test(test_huge_input),
		cmocka_unit_test(test_not_a_message),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_pathological),
		cmocka_unit_test(test_reads_own_message),
		cmocka_unit_test(test_kind_names),
	};
	int	 rc;

	if (sodium_init() < 0)
		return 1;
	rc = cmocka_run_group_tests_name("inbound", tests, NULL, NULL);
	return rc + run_cases();
}
