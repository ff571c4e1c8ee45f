/*
 * Fuzz target for the inbound mail classifier (inbound.h): the input is a
 * raw message as an IMAP server returns it, copied to a buffer of exactly
 * its size so a read past the end is caught. inbound_classify() must
 * return 0 or -1 (-1 only with kind OTHER), give the same result twice,
 * and keep its output's promises: a kind in range and a reason; every
 * string NUL-terminated in its array; subject and diagnostic valid UTF-8
 * without control characters; addresses that pass email_valid(); msg-ids
 * "<left@right>" of printable ASCII without blanks and with one '@'; refs
 * only for replies and automatic replies, within INBOUND_REFS_MAX and
 * without repeats; a status only in a DSN, of the form class.subject.detail
 * (RFC 3463) agreeing with the class, and a recipient error only for
 * 5.1.x. Built with clang by hand (see outreach.am) into
 * tests/fuzz/out/fuzz_inbound.
 */
#include "config.h"

#include <string.h>

#include "email.h"
#include "inbound.h"
#include "fuzz.h"

/* A string NUL-terminated inside size bytes. */
static void
fuzz_terminated(const char *s, size_t size)
{
	FUZZ_CHECK(memchr(s, '\0', size) != NULL);
}

static void
fuzz_text(const char *s, size_t size)
{
	size_t	 i, n;

	fuzz_terminated(s, size);
	n = strlen(s);
	FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)s, n));
	for (i = 0; i < n; i++)
		FUZZ_CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
	FUZZ_CHECK(n == 0 || (s[0] != ' ' && s[n - 1] != ' '));
}

static void
fuzz_addr(const char *s, size_t size)
{
	fuzz_terminated(s, size);
	FUZZ_CHECK(s[0] == '\0' || email_valid(s));
}

static void
fuzz_msgid(const char *s, size_t size)
{
	size_t		 n, i;
	const char	*at;

	fuzz_terminated(s, size);
	if ((n = strlen(s)) == 0)
		return;
	FUZZ_CHECK(n >= 5 && s[0] == '<' && s[n - 1] == '>');
	for (i = 1; i + 1 < n; i++)
		FUZZ_CHECK(s[i] > ' ' && s[i] <= '~' && s[i] != '<' && s[i] != '>');
	at = strchr(s, '@');
	FUZZ_CHECK(at != NULL && strchr(at + 1, '@') == NULL);
	FUZZ_CHECK(at > s + 1 && at < s + n - 2);
}

static void
fuzz_status(const struct inbound *in)
{
	const char	*s = in->status;
	size_t		 k;
	int		 part;

	fuzz_terminated(s, sizeof(in->status));
	if (*s == '\0')
		return;
	FUZZ_CHECK(in->kind == INBOUND_DSN);
	FUZZ_CHECK((*s == '2' || *s == '4' || *s == '5') && *s - '0' ==
	    in->status_class);
	s++;
	for (part = 0; part < 2; part++) {
		FUZZ_CHECK(*s++ == '.');
		for (k = 0; *s >= '0' && *s <= '9'; k++)
			s++;
		FUZZ_CHECK(k >= 1 && k <= 3);
	}
	FUZZ_CHECK(*s == '\0');
}

static void
fuzz_result(const struct inbound *in, int rc)
{
	size_t	 i, j;

	FUZZ_CHECK(rc == 0 || rc == -1);
	FUZZ_CHECK((unsigned)in->kind < INBOUND__MAX);
	FUZZ_CHECK(rc == 0 || in->kind == INBOUND_OTHER);
	FUZZ_CHECK(in->reason != NULL && in->reason[0] != '\0');
	fuzz_text(in->subject, sizeof(in->subject));
	fuzz_text(in->diagnostic, sizeof(in->diagnostic));
	fuzz_addr(in->from, sizeof(in->from));
	fuzz_addr(in->recipient, sizeof(in->recipient));
	fuzz_msgid(in->message_id, sizeof(in->message_id));
	fuzz_msgid(in->orig_message_id, sizeof(in->orig_message_id));
	FUZZ_CHECK(in->nrefs <= INBOUND_REFS_MAX);
	FUZZ_CHECK(in->nrefs == 0 || in->kind == INBOUND_REPLY ||
	    in->kind == INBOUND_AUTO_REPLY);
	for (i = 0; i < in->nrefs; i++) {
		fuzz_msgid(in->refs[i], sizeof(in->refs[i]));
		FUZZ_CHECK(in->refs[i][0] != '\0');
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(in->refs[i], in->refs[j]) != 0);
	}
	fuzz_status(in);
	FUZZ_CHECK(in->status_class == 0 || in->kind == INBOUND_DSN);
	FUZZ_CHECK(in->kind != INBOUND_DSN || in->status_class == 2 ||
	    in->status_class == 4 || in->status_class == 5);
	FUZZ_CHECK(!in->recipient_error || strncmp(in->status, "5.1.", 4) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inbound	*a, *b;
	char		*raw;
	int		 rc;
	size_t		 i;

	if ((raw = malloc(size > 0 ? size : 1)) == NULL ||
	    (a = malloc(sizeof(*a))) == NULL || (b = malloc(sizeof(*b))) == NULL)
		abort();
	memcpy(raw, data, size);
	rc = inbound_classify(a, raw, size);
	fuzz_result(a, rc);
	FUZZ_CHECK(inbound_classify(b, raw, size) == rc);
	FUZZ_CHECK(a->kind == b->kind && strcmp(a->reason, b->reason) == 0);
	FUZZ_CHECK(strcmp(a->subject, b->subject) == 0);
	FUZZ_CHECK(strcmp(a->status, b->status) == 0);
	FUZZ_CHECK(strcmp(a->recipient, b->recipient) == 0);
	FUZZ_CHECK(strcmp(a->orig_message_id, b->orig_message_id) == 0);
	FUZZ_CHECK(a->nrefs == b->nrefs);
	for (i = 0; i < a->nrefs; i++)
		FUZZ_CHECK(strcmp(a->refs[i], b->refs[i]) == 0);
	free(a);
	free(b);
	free(raw);
	return 0;
}
