/*
 * chan_probe: runs one call of the channel clients (sms.c, smtp.c,
 * imapc.c, and mail.c's sending) from the command line and prints its
 * result as one JSON object, so that tests/e2e/test_channels.py can check
 * them against the real servers ./dev test starts. The password, token or
 * key comes from the environment (CHAN_SECRET), never from the command
 * line; CHAN_PUBLIC_ONLY=1 in the environment makes the mail and IMAP
 * calls refuse non-public addresses, as for a user's server in
 * production (chan_public_only()). Exit 0 when the call ran (whatever it
 * returned), 2 on bad usage.
 *
 *   chan_probe sms twilio|brevo BASE_URL ACCOUNT SENDER TO BODY [marketing]
 *   chan_probe smtp-login URL starttls|tls|none USER CAFILE TIMEOUT
 *   chan_probe smtp-send URL starttls|tls|none USER CAFILE FROM TO SUBJECT
 *   chan_probe imap-login URL starttls|tls|none USER CAFILE TIMEOUT
 *   chan_probe imap-poll URL starttls|tls|none USER CAFILE UIDVALIDITY
 *       LAST_UID MAX_MSGS MAX_BYTES
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "chan.h"
#include "imapc.h"
#include "mail.h"
#include "sms.h"
#include "smtp.h"

static const char *const probe_security[SMTP__MAX] = {
	[SMTP_STARTTLS] = "starttls",
	[SMTP_TLS] = "tls",
	[SMTP_NONE] = "none",
};

static const char *
probe_secret(void)
{
	const char	*s = getenv("CHAN_SECRET");

	return s != NULL ? s : "";
}

static int
probe_sec(const char *name, enum smtp_security *out)
{
	int	 i;

	for (i = 0; i < SMTP__MAX; i++)
		if (strcmp(name, probe_security[i]) == 0) {
			*out = (enum smtp_security)i;
			return 0;
		}
	return -1;
}

static int
probe_print(json_t *j)
{
	if (j == NULL || json_dumpf(j, stdout, JSON_COMPACT) == -1)
		abort();
	putchar('\n');
	json_decref(j);
	return 0;
}

static int
probe_sms(int argc, char **argv)
{
	struct sms_account	 a;
	struct sms_msg		 m;
	struct sms_result	 res;
	struct sms_conn		*c;

	memset(&a, 0, sizeof(a));
	memset(&m, 0, sizeof(m));
	if (argc < 7)
		return -1;
	if (strcmp(argv[1], "twilio") == 0)
		a.provider = SMS_TWILIO;
	else if (strcmp(argv[1], "brevo") == 0)
		a.provider = SMS_BREVO;
	else
		return -1;
	a.base_url = argv[2];
	a.account_sid = argv[3];
	a.sender = argv[4];
	a.secret = probe_secret();
	a.timeout = 3;
	m.to = argv[5];
	m.body = argv[6];
	m.marketing = argc > 7 && strcmp(argv[7], "marketing") == 0;
	c = sms_conn_new(&a);
	sms_send(c, &m, &res);
	sms_conn_free(c);
	return probe_print(json_pack("{s:s, s:i, s:i, s:s, s:s, s:s}",
	    "rc", sms_rc_names[res.rc], "status", (int)res.status,
	    "retry_after", (int)res.retry_after, "id", res.id, "code", res.code,
	    "message", res.message));
}

/* The server arguments shared by the mail commands: URL SECURITY USER CAFILE. */
static int
probe_server(int argc, char **argv, int need, struct mail_server *s)
{
	memset(s, 0, sizeof(*s));
	if (argc < need || probe_sec(argv[2], &s->security) == -1)
		return -1;
	s->url = argv[1];
	s->user = argv[3];
	s->password = probe_secret();
	s->cafile = argv[4];
	s->timeout = 10;
	s->public_only = getenv("CHAN_PUBLIC_ONLY") != NULL &&
	    strcmp(getenv("CHAN_PUBLIC_ONLY"), "1") == 0;
	return 0;
}

static int
probe_smtp_send(int argc, char **argv)
{
	struct mail_server	 s;
	struct mail_msg		 m;
	struct mail_conn	*c;
	char			 err[1024] = "", id[33], *msg;
	unsigned char		 rnd[16];
	enum mail_rc		 rc;
	static const char *const names[] = { "sent", "tempfail", "permfail" };

	if (probe_server(argc, argv, 8, &s) == -1)
		return -1;
	memset(&m, 0, sizeof(m));
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(id, sizeof(id), rnd, sizeof(rnd));
	m.from = argv[5];
	m.to = argv[6];
	m.subject = argv[7];
	m.text = "Bonjour,\n\nUn essai d'envoi par le serveur de l'utilisateur.\n";
	m.msgid = id;
	if ((msg = mail_build(&m)) == NULL)
		return -1;
	c = mail_conn_new(&s);
	rc = mail_send(c, argv[5], argv[6], msg, err, sizeof(err));
	mail_conn_free(c);
	free(msg);
	return probe_print(json_pack("{s:s, s:s, s:s}", "rc", names[rc],
	    "error", err, "msgid", id));
}

/* The IMAP server from URL SECURITY USER CAFILE. */
static int
probe_imap(int argc, char **argv, int need, struct imapc_server *s)
{
	struct mail_server	 m;

	if (probe_server(argc, argv, need, &m) == -1)
		return -1;
	memset(s, 0, sizeof(*s));
	s->url = m.url;
	s->security = m.security;
	s->user = m.user;
	s->password = m.password;
	s->public_only = m.public_only;
	s->cafile = m.cafile;
	s->timeout = m.timeout;
	return 0;
}

/* smtp-login and imap-login: URL SECURITY USER CAFILE TIMEOUT. */
static int
probe_login(int argc, char **argv)
{
	struct imapc_server	 imap;
	struct mail_server	 smtp;
	char			 answer[1024];
	enum chan_rc		 rc;

	if (probe_imap(argc, argv, 6, &imap) == -1 ||
	    probe_server(argc, argv, 6, &smtp) == -1)
		return -1;
	smtp.timeout = imap.timeout = strtol(argv[5], NULL, 10);
	if (strcmp(argv[0], "smtp-login") == 0)
		rc = smtp_test_login(&smtp, answer, sizeof(answer));
	else
		rc = imapc_test_login(&imap, answer, sizeof(answer));
	return probe_print(json_pack("{s:s, s:s}", "rc", chan_rc_name(rc),
	    "answer", answer));
}

static int
probe_imap_poll(int argc, char **argv)
{
	struct imapc_server	 s;
	struct imapc_poll	 p;
	char			 err[1024] = "", *b64;
	size_t			 i, n;
	json_t			*msgs, *j;
	enum chan_rc		 rc;

	if (probe_imap(argc, argv, 9, &s) == -1)
		return -1;
	rc = imapc_poll_new(&s, (uint32_t)strtoul(argv[5], NULL, 10),
	    (uint32_t)strtoul(argv[6], NULL, 10), strtoul(argv[7], NULL, 10),
	    strtoul(argv[8], NULL, 10), &p, err, sizeof(err));
	if ((msgs = json_array()) == NULL)
		abort();
	for (i = 0; i < p.n; i++) {
		n = sodium_base64_encoded_len(p.msgs[i].len,
		    sodium_base64_VARIANT_ORIGINAL);
		if ((b64 = malloc(n)) == NULL)
			abort();
		sodium_bin2base64(b64, n, (const unsigned char *)p.msgs[i].raw,
		    p.msgs[i].len, sodium_base64_VARIANT_ORIGINAL);
		json_array_append_new(msgs, json_pack("{s:I, s:I, s:b, s:s}",
		    "uid", (json_int_t)p.msgs[i].uid, "len",
		    (json_int_t)p.msgs[i].len, "truncated", p.msgs[i].truncated,
		    "raw", b64));
		free(b64);
	}
	j = json_pack("{s:s, s:s, s:I, s:I, s:I, s:b, s:b, s:o}", "rc",
	    chan_rc_name(rc), "error", err, "uidvalidity",
	    (json_int_t)p.uidvalidity, "uidnext", (json_int_t)p.uidnext,
	    "exists", (json_int_t)p.exists, "reset", p.reset, "more", p.more,
	    "messages", msgs);
	imapc_poll_free(&p);
	return probe_print(j);
}

static const struct {
	const char	*name;
	int		(*run)(int, char **);
} probes[] = {
	{ "sms", probe_sms },
	{ "smtp-login", probe_login },
	{ "smtp-send", probe_smtp_send },
	{ "imap-login", probe_login },
	{ "imap-poll", probe_imap_poll },
};

int
main(int argc, char *argv[])
{
	size_t	 i;

	if (sodium_init() == -1)
		return 1;
	for (i = 0; argc > 1 && i < sizeof(probes) / sizeof(probes[0]); i++)
		if (strcmp(argv[1], probes[i].name) == 0)
			return probes[i].run(argc - 1, argv + 1) == -1 ? 2 : 0;
	fprintf(stderr, "usage: chan_probe sms|smtp-login|smtp-send|"
	    "imap-login|imap-poll ... (see tests/chan/chan_probe.c)\n");
	return 2;
}
