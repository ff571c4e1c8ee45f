"""The transactional mail path end to end: a sign-up queues a sealed
message (fcgi/tmail.c), prospea-mailer builds it (fcgi/mail.c) and sends
it through the real SMTP server over STARTTLS, which stores it in
var/test/mail/new (Maildir). The stored copy is checked header by header
and line by line; the row left in transactional_email is the record of
it, without the body. Then prospea-mailer --test-to, the operator's SMTP
check: STARTTLS, implicit TLS, mismatched modes and an untrusted
certificate that must fail fast and say why, and, on a capturing SMTP
server of this module, the exact bytes on the wire (CRLF, dot-stuffing)."""

import email
import email.header
import email.policy
import email.utils
import glob
import os
import quopri
import re
import socket
import subprocess
import threading
import time
import unittest

import prospea_test as t

FROM = "Prospea <no-reply@prospea.localhost>"
VERIFY_SUBJECT = "Confirmez votre adresse e-mail – Prospea"
RESET_SUBJECT = "Réinitialisation de votre mot de passe – Prospea"
MSGID = r"^<([0-9a-f]{32})@prospea\.localhost>$"
SMTP_PORT = os.environ.get("PROSPEA_SMTP_PORT", "12525")
SMTPS_PORT = os.environ.get("PROSPEA_SMTPS_PORT", "12465")
# The body of mailer_test() in workers/mailer.c, as its reader must see it.
TEST_LINES = ["Ce message vérifie la configuration SMTP de Prospea.",
              "This message checks Prospea's SMTP settings.", ".", "..", ".fin"]


def stored(addr, maildir="mail", count=1, timeout=15):
    """The raw bytes of the messages to addr in var/test/<maildir>/new,
    oldest first, waiting until there are count of them."""
    deadline = time.time() + timeout
    while True:
        found = []
        for f in glob.glob(os.path.join(t.VAR, maildir, "new", "*")):
            with open(f, "rb") as fh:
                raw = fh.read()
            if addr.encode() not in raw:
                continue
            m = email.message_from_bytes(raw)
            if addr in (m["X-RcptTo"], m["To"]):
                found.append((os.path.getmtime(f), f, raw))
        if len(found) >= count or time.time() > deadline:
            break
        time.sleep(0.1)
    if len(found) < count:
        raise AssertionError("no message #%d to %s in %s" % (count, addr, maildir))
    return [raw for _, _, raw in sorted(found)]


def mailer(*args, env=None, timeout=30):
    """Runs workers/prospea-mailer -c CONF args; (rc, stdout, stderr, seconds).
    env: PROSPEA_* overrides of the configuration."""
    e = dict(os.environ)
    e.update(env or {})
    start = time.time()
    p = subprocess.run([os.path.join(t.ROOT, "workers", "prospea-mailer"), "-c", t.CONF]
                       + list(args), env=e, capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr, time.time() - start


def decoded(value):
    return str(email.header.make_header(email.header.decode_header(value)))


class Checks:
    def assertWellFormed(self, raw, what):
        """Lines, bytes and line endings of a stored message."""
        self.assertTrue(raw.isascii(), "%s: 8-bit bytes in the message" % what)
        if b"\r\n" in raw:
            self.assertEqual(raw.count(b"\n"), raw.count(b"\r\n"), "%s: mixed line ends" % what)
        head, sep, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
        self.assertTrue(sep, what)
        for line in head.split(b"\n"):
            # RFC 5322 section 2.1.1: SHOULD be at most 78 characters.
            self.assertLessEqual(len(line), 78, "%s: header line too long: %r" % (what, line))
        for line in body.split(b"\n"):
            # RFC 2045 section 6.7 (5): quoted-printable lines <= 76.
            self.assertLessEqual(len(line), 76, "%s: body line too long: %r" % (what, line))
            self.assertFalse(line.endswith((b" ", b"\t")), "%s: trailing space: %r" % (what, line))

    def assertEncodedWordLines(self, raw, what):
        """RFC 2047 section 2: a header line holding an encoded-word is at
        most 76 characters, and an encoded-word at most 75."""
        head = raw.replace(b"\r\n", b"\n").partition(b"\n\n")[0]
        for line in head.split(b"\n"):
            if b"=?" not in line:
                continue
            for word in re.findall(rb"=\?[^?]+\?[BbQq]\?[^?]*\?=", line):
                self.assertLessEqual(len(word), 75, "%s: %r" % (what, word))
            self.assertLessEqual(len(line), 76, "%s: line with an encoded-word too long "
                                 "(%d): %r" % (what, len(line), line))

    def assertHeaders(self, m, to, subject):
        self.assertEqual(m["From"], FROM)
        self.assertEqual(m["To"], to)
        self.assertRegex(m["Subject"], r"^=\?(UTF|utf)-8\?[BbQq]\?" if not subject.isascii()
                         else "^" + re.escape(subject) + "$")
        self.assertEqual(decoded(m["Subject"]), subject)
        date = email.utils.parsedate_to_datetime(m["Date"])
        self.assertIsNotNone(date.tzinfo)
        self.assertLess(abs(time.time() - date.timestamp()), 300, m["Date"])
        self.assertRegex(m["Date"], r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|"
                         r"May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000$")
        self.assertRegex(m["Message-ID"], MSGID)
        self.assertEqual(m["MIME-Version"], "1.0")
        self.assertEqual(m["Content-Type"], "text/plain; charset=utf-8")
        self.assertEqual(m["Content-Transfer-Encoding"], "quoted-printable")
        self.assertEqual(m["Auto-Submitted"], "auto-generated")
        for h in ("From", "To", "Subject", "Date", "Message-ID"):
            self.assertEqual(len(m.get_all(h)), 1, h)

    def text_of(self, m):
        return m.get_payload(decode=True).decode("utf-8")


class VerificationMail(Checks, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.addr = t.unique_email("mail")
        r = t.signup(cls.addr)
        assert r.status == 202, r
        cls.raw = stored(cls.addr)[0]
        cls.m = email.message_from_bytes(cls.raw)

    def test_headers(self):
        self.assertHeaders(self.m, self.addr, VERIFY_SUBJECT)
        self.assertEqual(self.m["X-RcptTo"], self.addr)
        self.assertEqual(self.m["X-MailFrom"], "no-reply@prospea.localhost")

    def test_lines(self):
        self.assertWellFormed(self.raw, "verification mail")

    def test_encoded_word_lines(self):
        self.assertEncodedWordLines(self.raw, "verification mail")

    def test_body(self):
        text = self.text_of(self.m)
        self.assertTrue(text.startswith("Bonjour,\n"), text)
        link = re.search(r"(\S+)#token=([A-Za-z0-9_-]+)(\s)", text)
        self.assertIsNotNone(link, text)
        self.assertEqual(link.group(1), t.URL + "/verify-email")
        self.assertEqual(len(link.group(2)), 43)
        self.assertIn("L'équipe Prospea", text)
        # The token works: the link the user gets is the link that counts.
        r = t.request("POST", "/api/v1/auth/verify-email", {"token": link.group(2)})
        self.assertEqual(r.status, 204, r)

    def test_record(self):
        msgid = re.match(MSGID, self.m["Message-ID"]).group(1)
        deadline = time.time() + 5
        while True:
            rows = t.sql("SELECT status, sent_at, body_ct, kind, subject, msg_key, "
                         "attempts, last_error, user_id FROM transactional_email "
                         "WHERE to_addr = %s", (self.addr,))
            if (rows and rows[0][0] != "queued") or time.time() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(len(rows), 1, rows)
        status, sent_at, body_ct, kind, subject, key, attempts, err, uid = rows[0]
        self.assertEqual(status, "sent")
        self.assertIsNotNone(sent_at)
        self.assertIsNone(body_ct, "the body (and its one-time link) must be wiped")
        self.assertEqual(kind, "verify_email")
        self.assertEqual(subject, VERIFY_SUBJECT)
        self.assertEqual(key, msgid)
        self.assertEqual(attempts, 1)
        self.assertIsNone(err)
        self.assertIsNotNone(uid)


class OtherAuthMails(Checks, unittest.TestCase):
    def test_reset_mail(self):
        """A longer non-ASCII subject, which takes two encoded-words."""
        addr = t.verified_user(prefix="mail-reset")
        r = t.request("POST", "/api/v1/auth/password/forgot", {"email": addr})
        self.assertEqual(r.status, 202, r)
        raws = [r for r in stored(addr, count=2)
                if decoded(email.message_from_bytes(r)["Subject"]) == RESET_SUBJECT]
        self.assertEqual(len(raws), 1)
        raw = raws[0]
        m = email.message_from_bytes(raw)
        self.assertHeaders(m, addr, RESET_SUBJECT)
        self.assertIn("/reset-password#token=", self.text_of(m))
        self.assertWellFormed(raw, "reset mail")
        self.assertEncodedWordLines(raw, "reset mail")


# -- prospea-mailer --test-to ---------------------------------------------------

class CaptureSmtp(threading.Thread):
    """A plain SMTP server on loopback that keeps the DATA bytes exactly as
    they came (before un-stuffing), for one message."""

    def __init__(self):
        super().__init__(daemon=True)
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(1)
        self.srv.settimeout(20)
        self.port = self.srv.getsockname()[1]
        self.commands = []
        self.data = None

    def run(self):
        try:
            conn, _ = self.srv.accept()
        except OSError:
            return
        conn.settimeout(20)
        f = conn.makefile("rb")
        conn.sendall(b"220 capture ESMTP\r\n")
        try:
            while True:
                line = f.readline()
                if not line:
                    break
                cmd = line.rstrip(b"\r\n").decode("ascii", "replace")
                self.commands.append(cmd)
                verb = cmd.split(" ")[0].upper()
                if verb in ("EHLO", "HELO"):
                    conn.sendall(b"250-capture\r\n250 8BITMIME\r\n")
                elif verb == "DATA":
                    conn.sendall(b"354 go ahead\r\n")
                    data = b""
                    while not data.endswith(b"\r\n.\r\n"):
                        chunk = f.readline()
                        if not chunk:
                            break
                        data += chunk
                    self.data = data
                    conn.sendall(b"250 kept\r\n")
                elif verb == "QUIT":
                    conn.sendall(b"221 bye\r\n")
                    break
                else:
                    conn.sendall(b"250 ok\r\n")
        finally:
            f.close()
            conn.close()
            self.srv.close()


class TestTo(Checks, unittest.TestCase):
    def sent(self, rc, out, err, addr):
        self.assertEqual(rc, 0, err)
        self.assertIn("sent to %s" % addr, out)
        mid = re.search(r"Message-ID (<[0-9a-f]{32}@prospea\.localhost>)", out)
        self.assertIsNotNone(mid, out)
        return mid.group(1)

    def check_stored(self, raw, addr, mid):
        m = email.message_from_bytes(raw)
        self.assertHeaders(m, addr, "Prospea : message de test")
        self.assertEqual(m["Message-ID"], mid)
        self.assertWellFormed(raw, "test message")
        # The lone dot and the leading dots arrive as written (RFC 5321
        # section 4.5.2 transparency, undone by the receiving server).
        self.assertEqual(self.text_of(m).splitlines(), TEST_LINES)

    def test_starttls(self):
        addr = t.unique_email("starttls")
        rc, out, err, _ = mailer("--test-to", addr)
        mid = self.sent(rc, out, err, addr)
        self.assertIn("smtp://127.0.0.1:%s" % SMTP_PORT, out)
        self.check_stored(stored(addr, "mail")[0], addr, mid)

    def test_implicit_tls(self):
        addr = t.unique_email("smtps")
        rc, out, err, _ = mailer("--test-to", addr, env={
            "PROSPEA_SMTP_URL": "smtps://127.0.0.1:%s" % SMTPS_PORT,
            "PROSPEA_SMTP_SECURITY": "tls"})
        mid = self.sent(rc, out, err, addr)
        self.check_stored(stored(addr, "mail-tls")[0], addr, mid)

    def test_failures_are_fast_and_explained(self):
        """Mismatched TLS modes, no TLS where the server demands it, an
        untrusted certificate: non-zero, a reason on stderr, within the
        configured timeout (3 s)."""
        cases = {
            "smtps to the STARTTLS port": {
                "PROSPEA_SMTP_URL": "smtps://127.0.0.1:%s" % SMTP_PORT,
                "PROSPEA_SMTP_SECURITY": "tls"},
            "STARTTLS to the smtps port": {
                "PROSPEA_SMTP_URL": "smtp://127.0.0.1:%s" % SMTPS_PORT,
                "PROSPEA_SMTP_SECURITY": "starttls"},
            "plain text to a server that requires STARTTLS": {
                "PROSPEA_SMTP_SECURITY": "none"},
            "certificate from an untrusted CA": {
                "PROSPEA_SMTP_CAFILE": "/etc/ssl/certs/ca-certificates.crt"},
        }
        if not os.path.exists("/etc/ssl/certs/ca-certificates.crt"):
            del cases["certificate from an untrusted CA"]
        procs = {}
        for what, env in cases.items():
            e = dict(os.environ, PROSPEA_SMTP_TIMEOUT="3", **env)
            procs[what] = (time.time(), subprocess.Popen(
                [os.path.join(t.ROOT, "workers", "prospea-mailer"), "-c", t.CONF,
                 "--test-to", t.unique_email("mismatch")], env=e, text=True,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE))
        for what, (start, p) in procs.items():
            try:
                out, err = p.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()
                self.fail("%s: prospea-mailer hangs" % what)
            took = time.time() - start
            self.assertNotEqual(p.returncode, 0, what)
            self.assertLess(took, 3 + 3, "%s: took %.1f s" % (what, took))
            self.assertIn("not sent", err, what)
            self.assertGreater(len(err.split("):", 1)[-1].strip()), 10, (what, err))
            self.assertNotIn("sent to", out, what)

    def test_bytes_on_the_wire(self):
        """On a capturing server (security none, allowed on loopback): CRLF
        line ends only, dot-stuffing of the lines that start with a dot,
        lines of at most 78 bytes, and the envelope."""
        cap = CaptureSmtp()
        cap.start()
        addr = t.unique_email("wire")
        rc, out, err, _ = mailer("--test-to", addr, env={
            "PROSPEA_SMTP_URL": "smtp://127.0.0.1:%d" % cap.port,
            "PROSPEA_SMTP_SECURITY": "none"})
        cap.join(10)
        self.assertEqual(rc, 0, err)
        self.assertIn("MAIL FROM:<no-reply@prospea.localhost>",
                      [c.split(" SIZE=")[0] for c in cap.commands])
        self.assertIn("RCPT TO:<%s>" % addr, cap.commands)
        data = cap.data
        self.assertIsNotNone(data)
        self.assertTrue(data.endswith(b"\r\n.\r\n"))
        self.assertEqual(data.count(b"\n"), data.count(b"\r\n"), "bare LF on the wire")
        self.assertNotIn(b"\r\r", data)
        lines = data[:-len(b".\r\n")].split(b"\r\n")[:-1]
        for line in lines:
            self.assertLessEqual(len(line), 78, line)
        body = lines[lines.index(b"") + 1:]
        self.assertEqual(body[-3:], [b"..", b"...", b"..fin"], "dot-stuffing")
        unstuffed = b"\r\n".join(l[1:] if l.startswith(b".") else l for l in lines) + b"\r\n"
        m = email.message_from_bytes(unstuffed)
        self.assertEqual(quopri.decodestring(m.get_payload().encode()).decode().splitlines(),
                         TEST_LINES)


if __name__ == "__main__":
    t.main()
