/*
 * SMTP transparency (RFC 5321 section 4.5.2) for the messages mail.c
 * builds. mail.c leaves dot-stuffing to libcurl, which escapes every line
 * that starts with a dot ("SMTP end-of-data escaping"), so the builder must
 * not stuff as well. Proved, not assumed, twice, with a campaign message
 * whose text and HTML parts hold a lone ".", "..", ".fin" and lines that
 * quoted-printable soft breaks make start with a dot:
 * - on a capturing server run by this test on loopback: the DATA bytes on
 *   the wire are the built message with exactly one dot added to each line
 *   that starts with one, then ".\r\n" (stuffed once, never twice);
 * - on the stack's real SMTP server (aiosmtpd over STARTTLS, as ./dev test
 *   runs it; skipped without PROSPEA_TEST_URL, PROSPEA_TEST_VAR and
 *   PROSPEA_SMTP_PORT): the message it stored has the built body line for
 *   line, so the server's un-stuffing gives back what was built, no dot
 *   lost, none added, and the lone "." did not end DATA early.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "unit.h"

#include "mail.h"

/* Lines that start with a dot, in the text and after QP soft breaks. */
/*
 * Lines that start with a dot, as written and after a QP soft break (a
 * line of 75 characters is cut there, so the 76th starts the next).
 */
static const char dots_text[] =
    "Bonjour,\n"
    ".\n"
    "..\n"
    ".fin\n"
    "...trois\n"
    "Cette ligne fait soixante-quinze caracteres avant le point qui la suit, ok!"
    ".suite\n"
    "fin\n";
static const char dots_html[] =
    "<p>Bonjour,</p>\n.\n<p>.</p>\n.<br>\n"
    "<p>Et celle-ci aussi, balise comprise, pour que le point soit au debut!!!!!"
    ".suite</p>\n";

static struct mail_msg
dots_msg(const char *to)
{
	struct mail_msg	 m;

	memset(&m, 0, sizeof(m));
	m.from = "Prospea test <no-reply@prospea.localhost>";
	m.to = to;
	m.subject = "Points en d\xc3\xa9" "but de ligne";
	m.text = dots_text;
	m.html = dots_html;
	m.unsubscribe_url = "https://app.prospea.localhost/u/tok";
	m.unsubscribe_mailto = "unsubscribe@prospea.localhost";
	return m;
}

/* msg with one dot added to each line that starts with one (RFC 5321 4.5.2). */
static char *
stuffed(const char *msg)
{
	char		*out = NULL;
	size_t		 len = 0;
	const char	*p = msg, *eol;
	char		*line;

	unit_append(&out, &len, "");
	for (; *p != '\0'; p = eol + 2) {
		eol = strstr(p, "\r\n");
		assert_non_null(eol);
		if (*p == '.')
			unit_append(&out, &len, ".");
		line = strndup(p, (size_t)(eol - p) + 2);
		unit_append(&out, &len, line);
		free(line);
	}
	return out;
}

/* How many lines of msg start with a dot. */
static size_t
dot_lines(const char *msg)
{
	size_t		 n = *msg == '.';
	const char	*p;

	for (p = msg; (p = strstr(p, "\r\n.")) != NULL; p += 3)
		n++;
	return n;
}

/* A one-message SMTP server on loopback that keeps the DATA bytes as sent. */
struct capture {
	int	 fd;
	int	 port;
	char	*data;		/* owned; up to and including ".\r\n" */
	size_t	 len;
	int	 hang_up;	/* 1: close after the data, without an answer */
};

static void
capture_say(int fd, const char *s)
{
	if (send(fd, s, strlen(s), MSG_NOSIGNAL) == -1)
		return;	/* the client went away: the test sees no data */
}

static void *
capture_run(void *arg)
{
	struct capture	*c = arg;
	FILE		*in;
	char		*line = NULL;
	size_t		 cap = 0;
	ssize_t		 n;
	int		 fd, in_data = 0;

	if ((fd = accept(c->fd, NULL, NULL)) == -1)
		return NULL;
	if ((in = fdopen(dup(fd), "r")) == NULL)
		abort();
	capture_say(fd, "220 capture ESMTP\r\n");
	while ((n = getline(&line, &cap, in)) > 0) {
		if (in_data) {
			c->data = realloc(c->data, c->len + (size_t)n + 1);
			if (c->data == NULL)
				abort();
			memcpy(c->data + c->len, line, (size_t)n);
			c->len += (size_t)n;
			c->data[c->len] = '\0';
			if (strcmp(line, ".\r\n") == 0) {
				in_data = 0;
				if (c->hang_up)
					break;	/* the message is in, no answer */
				capture_say(fd, "250 kept\r\n");
			}
		} else if (strncasecmp(line, "EHLO", 4) == 0)
			capture_say(fd, "250-capture\r\n250 8BITMIME\r\n");
		else if (strncasecmp(line, "DATA", 4) == 0) {
			in_data = 1;
			capture_say(fd, "354 go ahead\r\n");
		} else if (strncasecmp(line, "QUIT", 4) == 0) {
			capture_say(fd, "221 bye\r\n");
			break;
		} else
			capture_say(fd, "250 ok\r\n");
	}
	free(line);
	fclose(in);
	close(fd);
	return NULL;
}

/* Listens on a free loopback port (c->port) and serves one session on *th. */
static void
capture_start(struct capture *c, pthread_t *th)
{
	struct sockaddr_in	 sa;
	socklen_t		 salen = sizeof(sa);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((c->fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(c->fd, 1), 0);
	assert_int_equal(getsockname(c->fd, (struct sockaddr *)&sa, &salen), 0);
	c->port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(th, NULL, capture_run, c), 0);
}

static void
test_smtp_wire_stuffing(void **state)
{
	struct capture		 c = { -1, 0, NULL, 0, 0 };
	pthread_t		 th;
	struct mail_msg		 m = dots_msg("jean@example.fr");
	struct mail_server	 srv;
	struct mail_conn	*mc;
	char			 url[64], err[256], *msg, *want;
	size_t			 wlen;

	capture_start(&c, &th);

	msg = mail_build(&m);
	assert_non_null(msg);
	/* The message must give the stuffing something to do. */
	assert_int_equal(dot_lines(msg), 8);
	snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", c.port);
	memset(&srv, 0, sizeof(srv));
	srv.url = url;
	srv.security = SMTP_NONE;
	srv.timeout = 10;
	mc = mail_conn_new(&srv);
	if (mail_send(mc, "no-reply@prospea.localhost", m.to, msg, err,
	    sizeof(err)) != MAIL_SENT)
		fail_msg("not sent: %s", err);
	mail_conn_free(mc);	/* QUIT: the server thread ends */
	pthread_join(th, NULL);
	close(c.fd);

	assert_non_null(c.data);
	want = stuffed(msg);
	wlen = strlen(want);
	unit_append(&want, &wlen, ".\r\n");
	assert_string_equal(c.data, want);
	free(want);
	free(c.data);
	free(msg);
}

/*
 * A server that takes the whole message and closes without answering the
 * final dot: the message may have been delivered. mail_deliver() says
 * so (unsure), so that the sender never sends it again blindly.
 */
static void
test_smtp_hang_up_after_data_is_unsure(void **state)
{
	struct capture		 c = { -1, 0, NULL, 0, 1 };
	pthread_t		 th;
	struct mail_msg		 m = dots_msg("jean@example.fr");
	struct mail_server	 srv;
	struct mail_conn	*mc;
	struct mail_reply	 r;
	char			 url[64], *msg;

	capture_start(&c, &th);
	msg = mail_build(&m);
	assert_non_null(msg);
	snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", c.port);
	memset(&srv, 0, sizeof(srv));
	srv.url = url;
	srv.security = SMTP_NONE;
	srv.timeout = 5;
	mc = mail_conn_new(&srv);
	assert_int_equal(mail_deliver(mc, "no-reply@prospea.localhost", m.to,
	    msg, &r), MAIL_TEMPFAIL);
	assert_int_equal(r.code, 354);
	assert_int_equal(r.unsure, 1);
	mail_conn_free(mc);
	pthread_join(th, NULL);
	close(c.fd);
	assert_non_null(c.data);	/* it did get the message */
	free(c.data);
	free(msg);
}

/* The newest file of dir holding needle, read whole; NULL if none. */
static char *
maildir_find(const char *dir, const char *needle)
{
	DIR		*d;
	struct dirent	*e;
	char		 path[4096 + 256], *raw, *found = NULL;

	if ((d = opendir(dir)) == NULL)
		return NULL;
	while (found == NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		raw = unit_read(path, NULL);
		if (strstr(raw, needle) != NULL)
			found = raw;
		else
			free(raw);
	}
	closedir(d);
	return found;
}

/* s with every LF not after a CR turned into CRLF (Maildir stores LF). */
static char *
to_crlf(const char *s)
{
	char	*out = NULL;
	size_t	 len = 0;

	unit_append(&out, &len, "");
	for (; *s != '\0'; s++) {
		if (*s == '\n' && (len == 0 || out[len - 1] != '\r'))
			unit_append(&out, &len, "\r\n");
		else {
			char one[2] = { *s, '\0' };
			unit_append(&out, &len, one);
		}
	}
	return out;
}

static void
test_smtp_real_server(void **state)
{
	const char		*url = getenv("PROSPEA_TEST_URL");
	const char		*var = getenv("PROSPEA_TEST_VAR");
	const char		*port = getenv("PROSPEA_SMTP_PORT");
	struct mail_server	 srv;
	struct mail_conn	*mc;
	struct mail_msg		 m;
	unsigned char		 rnd[8];
	char			 to[64], hex[17], surl[64], ca[4096], dir[4096];
	char			 id[MAIL_MSGID_MAX], err[256], *msg, *raw = NULL;
	char			*got, *body_built, *body_got;
	size_t			 blen;
	int			 i;

	if (url == NULL || *url == '\0' || var == NULL || *var == '\0' ||
	    port == NULL || *port == '\0') {
		fprintf(stderr, "no test stack (./dev test): skipped\n");
		skip();
	}
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	snprintf(to, sizeof(to), "dots-%s@example.fr", hex);
	m = dots_msg(to);
	msg = mail_build_id(&m, id, sizeof(id));
	assert_non_null(msg);

	snprintf(surl, sizeof(surl), "smtp://127.0.0.1:%s", port);
	snprintf(ca, sizeof(ca), "%s/tls/smtp.crt", var);
	memset(&srv, 0, sizeof(srv));
	srv.url = surl;
	srv.security = SMTP_STARTTLS;
	srv.cafile = ca;
	srv.timeout = 10;
	mc = mail_conn_new(&srv);
	if (mail_send(mc, "no-reply@prospea.localhost", to, msg, err,
	    sizeof(err)) != MAIL_SENT)
		fail_msg("not sent to the stack's server: %s", err);
	mail_conn_free(mc);

	snprintf(dir, sizeof(dir), "%s/mail/new", var);
	for (i = 0; i < 150 && (raw = maildir_find(dir, id)) == NULL; i++)
		usleep(100000);
	if (raw == NULL)
		fail_msg("%s not stored in %s", id, dir);
	got = to_crlf(raw);
	/* The built headers arrive as built; the server adds its own after. */
	body_built = strstr(msg, "\r\n\r\n");
	body_got = strstr(got, "\r\n\r\n");
	assert_non_null(body_got);
	assert_int_equal(strncmp(got, msg, (size_t)(body_built - msg) + 2), 0);
	/* The generator that stored it may end the body with one more CRLF. */
	blen = strlen(body_built);
	if (strlen(body_got) == blen + 2 && strcmp(body_got + blen, "\r\n") == 0)
		body_got[blen] = '\0';
	assert_string_equal(body_got, body_built);
	assert_int_equal(dot_lines(body_got), dot_lines(body_built));
	free(got);
	free(raw);
	free(msg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smtp_wire_stuffing),
		cmocka_unit_test(test_smtp_hang_up_after_data_is_unsure),
		cmocka_unit_test(test_smtp_real_server),
	};

	if (sodium_init() < 0)
		return 1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests_name("mail_smtp", tests, NULL, NULL);
}
