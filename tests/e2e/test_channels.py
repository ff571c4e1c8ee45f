"""The clients of a user's own channels (fcgi/sms.c, fcgi/imapc.c,
fcgi/smtp.c, and mail.c's sending) against the real servers ./dev test
starts: Debian's aiosmtpd as the user's submission server (AUTH required,
STARTTLS on one port, implicit TLS on another, messages stored in
var/mail/outbox/), a private Dovecot serving the user's INBOX from
var/mail/imap/, and the Twilio and Brevo stand-in (tests/standin/sms.py).
The clients run through tests/chan/chan_probe, which prints each call's
result as JSON."""

import base64
import imaplib
import json
import os
import smtplib
import socket
import ssl
import subprocess
import time
import unittest

import prospea_test as t

TWILIO_SID = "ACa11ce000000000000000000000000001"  # the stand-in's test account
TWILIO_TOKEN = "twilio-test-token"
BREVO_KEY = "xkeysib-test"
CA = os.path.join(t.VAR, "tls", "smtp.crt")


def probe(*args, secret=t.MAILBOX_PASSWORD, public_only=False):
    """Runs chan_probe (built by make check next to this tree) with the
    secret in its environment (and CHAN_PUBLIC_ONLY=1 when public_only);
    returns (parsed JSON, seconds taken)."""
    exe = os.path.join(os.getcwd(), "tests", "chan", "chan_probe")
    if not os.path.exists(exe):
        exe = os.path.join(t.ROOT, "tests", "chan", "chan_probe")
    start = time.monotonic()
    p = subprocess.run([exe] + [str(a) for a in args], capture_output=True,
                       env=dict(os.environ, CHAN_SECRET=secret,
                                CHAN_PUBLIC_ONLY="1" if public_only else "0"), timeout=60)
    took = time.monotonic() - start
    if p.returncode != 0:
        raise AssertionError("chan_probe %s: exit %d: %s" % (args, p.returncode, p.stderr))
    return json.loads(p.stdout), took


def tls_context():
    return ssl.create_default_context(cafile=CA)


class Sms(unittest.TestCase):
    """Both providers' wire formats, through the stand-in that checks them."""

    @classmethod
    def setUpClass(cls):
        cls.base = "http://127.0.0.1:%d" % t.stack_ports()["SMS_PORT"]

    def twilio(self, to, body="Bonjour, ici Prospea.", sender="+33757000001",
               token=TWILIO_TOKEN):
        return probe("sms", "twilio", self.base, TWILIO_SID, sender, to, body,
                     secret=token)[0]

    def brevo(self, to, body="Bonjour, ici Prospea.", key=BREVO_KEY, kind=""):
        return probe("sms", "brevo", self.base, "-", "Prospea", to, body, kind,
                     secret=key)[0]

    def test_twilio_sent(self):
        r = self.twilio("+33612340001", "Bonjour Zoé, êtes-vous disponible ?")
        self.assertEqual(r["rc"], "sent", r)
        self.assertEqual(r["status"], 201)
        self.assertRegex(r["id"], r"^SM[0-9a-f]{32}$")
        [m] = t.sms_sent("+33612340001")
        self.assertEqual((m["provider"], m["id"], m["to"], m["from"]),
                         ("twilio", r["id"], "+33612340001", "+33757000001"))
        self.assertEqual(m["body"], "Bonjour Zoé, êtes-vous disponible ?")
        self.assertEqual(m["encoding"], "UCS-2")  # ê is not in GSM 03.38

    def test_twilio_messaging_service(self):
        svc = "MG" + "0123456789abcdef" * 2
        r = self.twilio("+33612340002", sender=svc)
        self.assertEqual(r["rc"], "sent", r)
        [m] = t.sms_sent("+33612340002")
        self.assertEqual(m["fields"]["MessagingServiceSid"], svc)
        self.assertNotIn("From", m["fields"])

    def test_twilio_bad_number(self):
        r = self.twilio("0612340003")
        self.assertEqual((r["rc"], r["status"], r["code"]), ("bad_number", 400, "21211"), r)
        self.assertIn("not a valid phone number", r["message"])
        self.assertEqual(t.sms_sent("0612340003"), [])

    def test_twilio_bad_auth(self):
        r = self.twilio("+33612340004", token="not-the-token")
        self.assertEqual((r["rc"], r["status"], r["code"], r["message"]),
                         ("auth", 401, "20003", "Authenticate"), r)
        self.assertEqual(t.sms_sent("+33612340004"), [])

    def test_twilio_rate_limited_and_down(self):
        r = self.twilio("+33699990429")
        self.assertEqual((r["rc"], r["status"], r["retry_after"]), ("rate_limited", 429, 2), r)
        r = self.twilio("+33699990500")
        self.assertEqual((r["rc"], r["status"]), ("down", 500), r)

    def test_twilio_timeout_is_down(self):
        r = self.twilio("+33699990408")
        self.assertEqual((r["rc"], r["status"]), ("down", 0), r)
        self.assertIn("timed out", r["message"])

    def test_brevo_sent(self):
        r = self.brevo("+33612340011", "Bonjour, une offre pour vous. STOP au 36180",
                       kind="marketing")
        self.assertEqual((r["rc"], r["status"]), ("sent", 201), r)
        self.assertRegex(r["id"], r"^[0-9]+$")
        [m] = t.sms_sent("+33612340011")
        self.assertEqual(m["path"], "/v3/transactionalSMS/send")
        self.assertEqual((m["provider"], m["id"], m["to"], m["from"], m["type"]),
                         ("brevo", r["id"], "33612340011", "Prospea", "marketing"))
        self.assertEqual(m["fields"]["unicodeEnabled"], False)

    def test_brevo_bad_number(self):
        r = self.brevo("+3361")
        self.assertEqual((r["rc"], r["status"], r["code"]),
                         ("bad_number", 400, "invalid_parameter"), r)
        self.assertEqual(t.sms_sent("+3361"), [])

    def test_brevo_bad_auth(self):
        r = self.brevo("+33612340013", key="xkeysib-wrong")
        self.assertEqual((r["rc"], r["status"], r["code"], r["message"]),
                         ("auth", 401, "unauthorized", "Key not found"), r)
        self.assertEqual(t.sms_sent("+33612340013"), [])

    def test_brevo_rate_limited(self):
        r = self.brevo("+33699990429")
        self.assertEqual((r["rc"], r["retry_after"]), ("rate_limited", 2), r)

    def test_secret_not_recorded(self):
        self.twilio("+33612340014")
        self.brevo("+33612340015")
        for m in t.sms_sent():
            text = json.dumps(m)
            self.assertNotIn(TWILIO_TOKEN, text)
            self.assertNotIn(BREVO_KEY, text)


class Imap(unittest.TestCase):
    """Polling the user's INBOX that Dovecot serves, and its test login."""

    @classmethod
    def setUpClass(cls):
        p = t.stack_ports()
        cls.imap = "imap://127.0.0.1:%d" % p["IMAP_PORT"]
        cls.imaps = "imaps://127.0.0.1:%d" % p["IMAPS_PORT"]

    def poll(self, validity, last, max_msgs=50, max_bytes=1 << 20, url=None,
             password=t.MAILBOX_PASSWORD):
        r, _ = probe("imap-poll", url or self.imaps, "starttls" if url == self.imap else "tls",
                     t.MAILBOX_USER, CA, validity, last, max_msgs, max_bytes,
                     secret=password)
        return r

    def caught_up(self):
        """(uidvalidity, last uid) after reading whatever is there."""
        r = self.poll(0, 0, max_msgs=1000)
        self.assertEqual(r["rc"], "ok", r)
        last = r["messages"][-1]["uid"] if r["messages"] else 0
        return r["uidvalidity"], last

    def flags(self):
        """UID -> FLAGS of every message, as Python's imaplib sees them."""
        m = imaplib.IMAP4_SSL("127.0.0.1", int(self.imaps.rsplit(":", 1)[1]),
                              ssl_context=tls_context())
        try:
            m.login(t.MAILBOX_USER, t.MAILBOX_PASSWORD)
            m.select("INBOX", readonly=True)
            _, data = m.uid("FETCH", "1:*", "(FLAGS)")
        finally:
            m.logout()
        out = {}
        for line in data:
            if line is None:
                continue
            s = line.decode()
            uid = int(s.split("UID ")[1].split()[0].rstrip(")"))
            out[uid] = s.split("FLAGS (")[1].split(")")[0]
        return out

    def test_poll_new_messages_then_none(self):
        validity, last = self.caught_up()
        raws = []
        for i in range(3):
            raw = ("From: Client %d <client%d@exemple.fr>\r\nTo: %s\r\n"
                   "Subject: Re: Votre proposition %d\r\nMessage-ID: <r%d.%f@exemple.fr>\r\n\r\n"
                   "Oui, rappelez-moi.\r\n" % (i, i, t.MAILBOX_USER, i, i, time.time())).encode()
            raws.append(raw)
            t.imap_drop(raw)
        r = self.poll(validity, last)
        self.assertEqual(r["rc"], "ok", r)
        self.assertEqual(r["uidvalidity"], validity)
        self.assertFalse(r["reset"])
        uids = [m["uid"] for m in r["messages"]]
        self.assertEqual(len(uids), 3, r)
        self.assertEqual(uids, sorted(uids))
        self.assertGreater(uids[0], last)
        self.assertEqual([base64.b64decode(m["raw"]) for m in r["messages"]], raws)
        # Polling from the last UID finds nothing more.
        again = self.poll(r["uidvalidity"], uids[-1])
        self.assertEqual((again["rc"], again["messages"], again["reset"]), ("ok", [], False))
        # Nothing was left marked as read.
        flags = self.flags()
        for uid in uids:
            self.assertNotIn("\\Seen", flags[uid])

    def test_uidvalidity_is_the_servers(self):
        r = self.poll(0, 0, max_msgs=1)
        self.assertEqual(r["rc"], "ok", r)
        self.assertTrue(r["reset"])
        m = imaplib.IMAP4_SSL("127.0.0.1", int(self.imaps.rsplit(":", 1)[1]),
                              ssl_context=tls_context())
        m.login(t.MAILBOX_USER, t.MAILBOX_PASSWORD)
        _, data = m.status("INBOX", "(UIDVALIDITY)")
        m.logout()
        self.assertIn(b"UIDVALIDITY %d" % r["uidvalidity"], data[0])
        # Another UIDVALIDITY than the caller's: everything counts as new.
        other = self.poll(r["uidvalidity"] + 1, 10 ** 6, max_msgs=1)
        self.assertTrue(other["reset"])
        self.assertEqual(other["messages"][0]["uid"], r["messages"][0]["uid"])

    def test_seen_message_stays_seen(self):
        validity, last = self.caught_up()
        t.imap_drop(b"From: a@exemple.fr\r\nSubject: lu\r\n\r\nDeja lu.\r\n")
        t.imap_drop(b"From: b@exemple.fr\r\nSubject: pas lu\r\n\r\nPas lu.\r\n")
        r = self.poll(validity, last)
        first, second = [m["uid"] for m in r["messages"]]
        m = imaplib.IMAP4_SSL("127.0.0.1", int(self.imaps.rsplit(":", 1)[1]),
                              ssl_context=tls_context())
        m.login(t.MAILBOX_USER, t.MAILBOX_PASSWORD)
        m.select("INBOX")
        m.uid("STORE", str(first), "+FLAGS", "(\\Seen)")
        m.logout()
        self.poll(validity, last)
        flags = self.flags()
        self.assertIn("\\Seen", flags[first])
        self.assertNotIn("\\Seen", flags[second])

    def test_many_messages_left_unread(self):
        # Enough UIDs that restoring their flags takes several commands.
        validity, last = self.caught_up()
        for i in range(300):
            t.imap_drop(b"From: n%d@exemple.fr\r\nSubject: %d\r\n\r\nok\r\n" % (i, i))
        r = self.poll(validity, last, max_msgs=1000)
        self.assertEqual((r["rc"], len(r["messages"])), ("ok", 300), r["error"])
        flags = self.flags()
        self.assertEqual([u for u in (m["uid"] for m in r["messages"])
                          if "\\Seen" in flags[u]], [])

    def test_big_message_truncated_and_batches(self):
        validity, last = self.caught_up()
        big = b"From: dsn@exemple.fr\r\nSubject: gros\r\n\r\n" + b"x" * 5000 + b"\r\n"
        t.imap_drop(big)
        t.imap_drop(b"From: c@exemple.fr\r\nSubject: petit\r\n\r\nok\r\n")
        r = self.poll(validity, last, max_msgs=1, max_bytes=1000)
        self.assertEqual(r["rc"], "ok", r)
        self.assertTrue(r["more"])
        [m] = r["messages"]
        self.assertTrue(m["truncated"])
        self.assertEqual(base64.b64decode(m["raw"]), big[:1000])
        r2 = self.poll(validity, m["uid"], max_bytes=1000)
        self.assertEqual([x["truncated"] for x in r2["messages"]], [False])
        self.assertFalse(r2["more"])

    def test_starttls_port_works_too(self):
        validity, last = self.caught_up()
        t.imap_drop(b"From: d@exemple.fr\r\nSubject: starttls\r\n\r\nok\r\n")
        r = self.poll(validity, last, url=self.imap)
        self.assertEqual((r["rc"], len(r["messages"])), ("ok", 1), r)

    def test_login_ok(self):
        for url, sec in ((self.imap, "starttls"), (self.imaps, "tls")):
            r, _ = probe("imap-login", url, sec, t.MAILBOX_USER, CA, 5)
            self.assertEqual(r["rc"], "ok", r)
            self.assertRegex(r["answer"], r"^logged in; INBOX: \d+ messages, UIDVALIDITY \d+$")

    def test_bad_password(self):
        r, _ = probe("imap-login", self.imaps, "tls", t.MAILBOX_USER, CA, 5, secret="wrong")
        self.assertEqual(r["rc"], "auth", r)
        self.assertIn("[AUTHENTICATIONFAILED] Authentication failed.", r["answer"])
        self.assertNotIn("wrong", r["answer"])
        r = self.poll(0, 0, password="wrong")
        self.assertEqual((r["rc"], r["messages"]), ("auth", []), r)

    def test_tls_mode_mismatch_fails_fast(self):
        port_plain = self.imap.rsplit(":", 1)[1]
        port_tls = self.imaps.rsplit(":", 1)[1]
        r, took = probe("imap-login", "imaps://127.0.0.1:" + port_plain, "tls",
                        t.MAILBOX_USER, CA, 3)
        self.assertEqual(r["rc"], "protocol", r)
        self.assertIn("expects STARTTLS", r["answer"])
        self.assertLess(took, 3)
        r, took = probe("imap-login", "imap://127.0.0.1:" + port_tls, "starttls",
                        t.MAILBOX_USER, CA, 2)
        self.assertEqual(r["rc"], "protocol", r)
        self.assertIn("implicit TLS", r["answer"])
        self.assertLess(took, 5)

    def test_plaintext_policy(self):
        # The client refuses plaintext to any host but this machine.
        r, _ = probe("imap-login", "imap://mail.exemple.fr:143", "none", t.MAILBOX_USER, CA, 3)
        self.assertEqual(r["rc"], "policy", r)
        r, _ = probe("imap-login", self.imaps, "starttls", t.MAILBOX_USER, CA, 3)
        self.assertEqual(r["rc"], "policy", r)
        # Dovecot itself refuses LOGIN before STARTTLS from another address
        # than its own (it trusts 127.0.0.1 to 127.0.0.1, see ./dev).
        sock = socket.create_connection(("127.0.0.1", int(self.imap.rsplit(":", 1)[1])), 5,
                                        source_address=("127.0.0.2", 0))
        f = sock.makefile("rwb")
        greeting = f.readline()
        self.assertIn(b"LOGINDISABLED", greeting)
        f.write(b'a1 LOGIN "%s" "%s"\r\n' % (t.MAILBOX_USER.encode(),
                                             t.MAILBOX_PASSWORD.encode()))
        f.flush()
        lines = [f.readline() for _ in range(2)]
        f.close()
        sock.close()
        # An untagged "* BAD [ALERT] ... the password was exposed", then:
        self.assertTrue(lines[-1].startswith(b"a1 NO [PRIVACYREQUIRED]"), lines)


class Smtp(unittest.TestCase):
    """The user's submission server: test login and sending."""

    @classmethod
    def setUpClass(cls):
        p = t.stack_ports()
        cls.port, cls.tls_port = p["SUBMIT_PORT"], p["SUBMITS_PORT"]
        cls.smtp = "smtp://127.0.0.1:%d" % cls.port
        cls.smtps = "smtps://127.0.0.1:%d" % cls.tls_port

    def login(self, url, sec, password=t.MAILBOX_PASSWORD, timeout=5):
        return probe("smtp-login", url, sec, t.MAILBOX_USER, CA, timeout, secret=password)

    def test_login_ok(self):
        for url, sec in ((self.smtp, "starttls"), (self.smtps, "tls")):
            r, _ = self.login(url, sec)
            self.assertEqual(r, {"rc": "ok", "answer": "235 2.7.0 Authentication successful"})

    def test_private_addresses_refused_in_production(self):
        """A user's server on the loopback (or any private address) is never
        reached when only public addresses are allowed, as in production:
        no probing the platform's own network through a sending account."""
        for cmd, url, sec in (("smtp-login", self.smtps, "tls"),
                              ("imap-login", "imaps://127.0.0.1:%d" % t.stack_ports()["IMAPS_PORT"],
                               "tls")):
            r, _ = probe(cmd, url, sec, t.MAILBOX_USER, CA, 5, public_only=True)
            # Said as a refusal, not as a server that is down.
            self.assertEqual(r["rc"], "policy", r)
            self.assertIn("loopback address", r["answer"])
            r, _ = probe(cmd, url, sec, t.MAILBOX_USER, CA, 5)
            self.assertEqual(r["rc"], "ok", r)
        r, _ = probe("smtp-send", self.smtps, "tls", t.MAILBOX_USER, CA, t.MAILBOX_USER,
                     "x@exemple.fr", "s", public_only=True)
        self.assertNotEqual(r["rc"], "sent", r)

    def test_no_proxy_between_us_and_a_users_server(self):
        """Proxy variables in the environment are ignored for the users'
        servers (chan_curl_setup, mail.c): the login still reaches the
        server itself and the proxy never hears of it."""
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(8)
        lsock.settimeout(0.2)
        proxy = "http://127.0.0.1:%d" % lsock.getsockname()[1]
        old = {k: os.environ.get(k) for k in ("all_proxy", "ALL_PROXY", "https_proxy",
                                             "no_proxy", "NO_PROXY")}
        try:
            os.environ.update(all_proxy=proxy, ALL_PROXY=proxy, https_proxy=proxy)
            for k in ("no_proxy", "NO_PROXY"):
                os.environ.pop(k, None)
            for cmd, url in (("smtp-login", self.smtps),
                             ("imap-login", "imaps://127.0.0.1:%d" %
                              t.stack_ports()["IMAPS_PORT"])):
                r, _ = probe(cmd, url, "tls", t.MAILBOX_USER, CA, 5)
                self.assertEqual(r["rc"], "ok", r)
            r, _ = probe("smtp-send", self.smtps, "tls", t.MAILBOX_USER, CA, t.MAILBOX_USER,
                         t.MAILBOX_USER, "via aucun proxy")
            self.assertEqual(r["rc"], "sent", r)
            with self.assertRaises(socket.timeout):
                lsock.accept()
        finally:
            lsock.close()
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def test_bad_password(self):
        r, _ = self.login(self.smtp, "starttls", password="wrong")
        self.assertEqual(r["rc"], "auth", r)
        self.assertIn("535 5.7.8 Authentication credentials invalid", r["answer"])

    def test_implicit_tls_to_starttls_port_fails_fast(self):
        r, took = self.login("smtps://127.0.0.1:%d" % self.port, "tls", timeout=3)
        self.assertEqual(r["rc"], "protocol", r)
        self.assertIn("expects STARTTLS", r["answer"])
        self.assertLess(took, 3)

    def test_starttls_to_implicit_port_fails_within_timeout(self):
        r, took = self.login("smtp://127.0.0.1:%d" % self.tls_port, "starttls", timeout=2)
        self.assertEqual(r["rc"], "protocol", r)
        self.assertIn("implicit TLS", r["answer"])
        self.assertLess(took, 5)

    def test_auth_refused_before_tls(self):
        # The server: no AUTH offered before STARTTLS, and AUTH refused.
        s = smtplib.SMTP("127.0.0.1", self.port, timeout=5)
        code, caps = s.ehlo()
        self.assertEqual(code, 250)
        self.assertNotIn(b"AUTH", caps)
        self.assertIn(b"STARTTLS", caps)
        code, text = s.docmd("AUTH", "PLAIN " + base64.b64encode(
            b"\0" + t.MAILBOX_USER.encode() + b"\0" + t.MAILBOX_PASSWORD.encode()).decode())
        self.assertEqual(code, 530, text)
        s.starttls(context=tls_context())
        code, caps = s.ehlo()
        self.assertIn(b"AUTH LOGIN PLAIN", caps)
        s.quit()
        # The client: plaintext to loopback is allowed, but is no login.
        r, _ = self.login(self.smtp, "none")
        self.assertEqual(r["rc"], "auth", r)
        self.assertIn("did not offer AUTH", r["answer"])
        r, _ = self.login("smtp://smtp.exemple.fr:587", "none")
        self.assertEqual(r["rc"], "policy", r)

    def test_send_lands_in_outbox(self):
        for url, sec in ((self.smtp, "starttls"), (self.smtps, "tls")):
            to = t.unique_email("prospect")
            r, _ = probe("smtp-send", url, sec, t.MAILBOX_USER, CA, t.MAILBOX_USER, to,
                         "Une question sur votre boulangerie")
            self.assertEqual(r["rc"], "sent", r)
            [m] = t.wait_outbox(to)
            self.assertEqual(m["X-Auth-User"], t.MAILBOX_USER)
            self.assertEqual(m["Return-Path"], "<%s>" % t.MAILBOX_USER)
            self.assertEqual(m["Subject"], "Une question sur votre boulangerie")
            self.assertEqual(m["Message-ID"], "<%s@prospea.test>" % r["msgid"])
            self.assertIn("Un essai d'envoi", t.mail_text(m))

    def test_send_without_auth_refused(self):
        to = t.unique_email("prospect")
        s = smtplib.SMTP_SSL("127.0.0.1", self.tls_port, context=tls_context(), timeout=5)
        with self.assertRaises(smtplib.SMTPSenderRefused) as e:
            s.sendmail(t.MAILBOX_USER, [to], b"Subject: x\r\n\r\nx\r\n")
        self.assertEqual(e.exception.smtp_code, 530)
        s.quit()
        time.sleep(0.2)
        self.assertEqual(t.mails_to(to, os.path.join(t.VAR, "mail", "outbox")), [])


if __name__ == "__main__":
    t.main()
