"""The sender (workers/sender.c) against the real stack: campaigns run as
docs/sequencing.md says, through the user's own SMTP server (aiosmtpd with
AUTH and STARTTLS, storing into var/mail/outbox), IMAP mailbox (Dovecot)
and SMS provider (the Brevo stand-in), on the sender's test clock
(sender_clock_file, honoured on test stacks only) so that waits of several
sending days take seconds.

The stack's own sender is held (SIGSTOP) for the length of the module and
the test runs senders of its own, with an https public_url (as in
production: List-Unsubscribe-Post is only for https links, RFC 8058), so
that it decides when senders run, die and race.

Campaigns, steps and enrollments are written with SQL as the
administrator: the campaigns routes are written in parallel, on the same
contract; templates, sending accounts and prospects go through the API.
"""

import csv
import datetime
import email
import email.policy
import email.utils
import glob
import io
import os
import re
import signal
import subprocess
import time
import unittest
import zoneinfo

import prospea_test as t

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
PUBLIC = "https://app.prospea.test"
FIXTURE = os.path.join(t.ROOT, "tests", "e2e", "data", "gmaps_export_gosom.csv")
OPTOUT = "Pour ne plus recevoir de messages de notre part : "
NOTICE = "Vos coordonnées professionnelles proviennent de votre fiche publique Google Maps"
SUBJECT = "Découverte pour {{business_name}} à {{city|votre ville}}"


def outbox_files():
    return glob.glob(os.path.join(t.VAR, "mail", "outbox", "new", "*"))


_rcpt = {}      # stored file -> its X-RcptTo (files never change)


def outbox(addr):
    """The raw messages the user's server stored for addr, oldest first:
    [(bytes, email.message)]. Each file's recipient is read once."""
    out = []
    for f in outbox_files():
        if f not in _rcpt:
            with open(f, "rb") as fh:
                head = fh.read(4096)
            m = re.search(rb"^X-RcptTo: ([^\r\n]*)", head, re.M)
            _rcpt[f] = m.group(1).decode() if m else ""
        if _rcpt[f] == addr:
            with open(f, "rb") as fh:
                raw = fh.read()
            out.append((os.path.getmtime(f), f, raw,
                        email.message_from_bytes(raw, policy=email.policy.default)))
    out.sort(key=lambda x: (x[0], x[1]))
    return [(raw, m) for _, _, raw, m in out]


def wait_for(what, pred, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def paris(y, mo, d, h, mi=0):
    return datetime.datetime(y, mo, d, h, mi, tzinfo=PARIS)


def set_clock(when):
    """Moves the senders' "now" to the aware datetime when."""
    offset = int(when.timestamp() - time.time())
    path = os.path.join(t.VAR, "run", "sender-clock")
    with open(path + ".tmp", "w") as fh:
        fh.write("%d\n" % offset)
    os.rename(path + ".tmp", path)
    # A sender reads the clock before each claim: let one that was between
    # its read and its claim finish that round on the old clock.
    time.sleep(0.5)


def utc(s):
    """A DATETIME column (UTC) as an aware datetime."""
    return s.replace(tzinfo=datetime.timezone.utc)


class Senders:
    """Sender processes of the test's own, logging to var/log/."""

    def __init__(self):
        self.procs = []

    def start(self, name, batch=10, once=False):
        log = open(os.path.join(t.VAR, "log", "sender-%s.log" % name), "ab")
        env = dict(os.environ, PROSPEA_PUBLIC_URL=PUBLIC, PROSPEA_SENDER_BATCH=str(batch),
                   PROSPEA_IMAP_POLL_SECONDS="1")
        args = [os.path.join(t.ROOT, "workers", "prospea-sender"), "-c", t.CONF]
        if once:
            args.append("--once")
        p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log, env=env)
        log.close()
        self.procs.append(p)
        return p

    def stop_all(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = []


def stack_sender():
    """The pid of the stack's sender (the child of its multiwatch)."""
    with open(os.path.join(t.VAR, "run", "sender.pid")) as fh:
        watcher = fh.read().strip()
    kids = subprocess.run(["pgrep", "-P", watcher], capture_output=True,
                          text=True).stdout.split()
    return int(kids[0]) if kids else None


def gosom_rows(n, prefix, uid):
    """n prospects in the gosom layout, made from the fixture's places:
    each its own name, place, address and mobile phone (made of the
    user's id: never another test's number), on the fixture's cities and
    categories (the first two keep a landline)."""
    with open(FIXTURE, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    seen, places = set(), []
    for r in rows:
        if r["cid"] not in seen:
            seen.add(r["cid"])
            places.append(r)
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0].keys()), lineterminator="\n")
    w.writeheader()
    addrs = []
    for i in range(n):
        r = dict(places[i % len(places)])
        dom = "%s-%02d.example" % (prefix, i)
        r["title"] = "%s %d" % (r["title"], i + 1)
        r["input_id"] = "q-%s-%d" % (prefix, i)
        r["cid"] = str(1885123456789019000 + i)
        r["data_id"] = "0x47f4ea00000%05x:0x1a2b3c4d5e6f%04x" % (i, i)
        r["link"] = "https://www.google.com/maps/place/%s-%d" % (prefix, i)
        r["website"] = "https://%s/" % dom
        r["emails"] = "contact@" + dom
        r["phone"] = "04 65 71 13 %02d" % i if i < 2 else "07 %02d %02d %02d %02d" % (
            uid // 10000 % 100, uid // 100 % 100, uid % 100, i)
        out_r = {k: r[k] for k in rows[0].keys()}
        w.writerow(out_r)
        addrs.append("contact@" + dom)
    return out.getvalue().encode(), addrs


class Fixture:
    """A user with an e-mail account (SMTP + IMAP), an SMS account, and
    prospects imported through POST /api/v1/imports."""

    def __init__(self, prefix, n):
        self.c, self.addr = t.logged_in(prefix=prefix)
        t.without_limits(self.addr)     # plan limits: PlanHold below
        self.uid = t.user_id(self.addr)
        ports = t.stack_ports()
        r = self.c.call("POST", "/api/v1/sending-accounts", {
            "channel": "email", "name": "Boîte de Zoé", "from_name": "Zoé Martin",
            "from_email": t.MAILBOX_USER, "smtp_host": "127.0.0.1",
            "smtp_port": ports["SUBMIT_PORT"], "smtp_security": "starttls",
            "smtp_username": t.MAILBOX_USER, "smtp_password": t.MAILBOX_PASSWORD,
            "imap_host": "127.0.0.1", "imap_port": ports["IMAPS_PORT"],
            "imap_security": "tls", "imap_username": t.MAILBOX_USER,
            "imap_password": t.MAILBOX_PASSWORD, "daily_limit": 1000})
        assert r.status == 201, r
        self.email_acct = int(r.json["id"])
        r = self.c.call("POST", "/api/v1/sending-accounts", {
            "channel": "sms", "name": "SMS", "sms_provider": "brevo",
            "sms_api_key": "xkeysib-test", "sms_sender": "Prospea"})
        assert r.status == 201, r
        self.sms_acct = int(r.json["id"])
        data, self.addrs = gosom_rows(n, prefix + str(self.uid), self.uid)
        r = t.upload(self.c, data, "?filename=gosom-%s.csv" % prefix)
        assert r.status == 201 and r.json["created"] == n, r
        self.pid = {}
        for pid, email_addr, phone in t.sql(
                "SELECT id, email, phone_e164 FROM prospect WHERE user_id = %s", (self.uid,)):
            self.pid[email_addr] = pid
        assert len(self.pid) == n

    def readdress(self, old, new):
        """Gives the prospect of address old the address new (PATCH)."""
        r = self.c.call("PATCH", "/api/v1/prospects/%d" % self.pid[old], {"email": new})
        assert r.status == 200, r
        self.pid[new] = self.pid.pop(old)
        self.addrs[self.addrs.index(old)] = new

    def template(self, channel, body, subject=None, html=None):
        b = {"name": "t", "channel": channel, "body": body}
        if subject is not None:
            b["subject"] = subject
        if html is not None:
            b["body_html"] = html
        r = self.c.call("POST", "/api/v1/templates", b)
        assert r.status == 201, r
        return int(r.json["id"])

    def campaign(self, steps, daily_limit=100, gap=0, status="running", **kw):
        """A campaign with its steps [(kind, template_id, call_script_id or
        wait days)]."""
        t.sql("INSERT INTO campaign (user_id, name, status, email_account_id, "
              "sms_account_id, timezone, window_days, window_start, window_end, "
              "daily_limit, gap_seconds, stop_on_reply, stop_company_on_reply, "
              "created_at, updated_at) VALUES (%s, 'c', %s, %s, %s, 'Europe/Paris', "
              "'mon,tue,wed,thu,fri', '09:00:00', '18:00:00', %s, %s, %s, %s, "
              "NOW(3), NOW(3))",
              (self.uid, status, self.email_acct, self.sms_acct, daily_limit, gap,
               kw.get("stop_on_reply", 1), kw.get("stop_company_on_reply", 0)))
        cid = t.sql("SELECT MAX(id) FROM campaign WHERE user_id = %s", (self.uid,))[0][0]
        for pos, (kind, arg) in enumerate(steps):
            t.sql("INSERT INTO campaign_step (user_id, campaign_id, position, kind, "
                  "template_id, call_script_id, wait_days) "
                  "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                  (self.uid, cid, pos, kind, arg if kind in ("email", "sms") else None,
                   arg if kind == "call" else None, arg if kind == "wait" else None))
        return cid

    def enroll(self, cid, addrs, spread=False):
        """Enrolls the prospects of addrs, due now by the server's clock as
        POST /campaigns/{id}/enroll does (spread: a millisecond apart, in
        the order given, so that the queue takes them in that order)."""
        for i, a in enumerate(addrs):
            t.sql("INSERT INTO enrollment (user_id, campaign_id, prospect_id, due_at, "
                  "enrolled_at, updated_at) VALUES (%s, %s, %s, "
                  "NOW(3) - INTERVAL 1 HOUR + INTERVAL %s MICROSECOND, NOW(3), NOW(3))",
                  (self.uid, cid, self.pid[a], 1000 * i if spread else 0))

    def enrollments(self, cid):
        """{address: (status, stop_reason, position, due_at, last_error)}."""
        rows = t.sql("SELECT p.email, e.status, e.stop_reason, e.position, e.due_at, "
                     "e.last_error FROM enrollment e JOIN prospect p ON p.id = e.prospect_id "
                     "WHERE e.campaign_id = %s", (cid,))
        return {r[0]: r[1:] for r in rows}

    def messages(self, cid):
        return t.sql("SELECT p.email, m.position, m.status, m.message_id, m.provider_id, "
                     "m.first_contact FROM message m JOIN prospect p ON p.id = m.prospect_id "
                     "WHERE m.campaign_id = %s ORDER BY m.id", (cid,))


def next_monday():
    d = datetime.datetime.now(PARIS).date() + datetime.timedelta(days=7)
    return d - datetime.timedelta(days=d.weekday())


class Base(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.held = stack_sender()
        if cls.held:
            os.kill(cls.held, signal.SIGSTOP)
        cls.senders = Senders()

    @classmethod
    def tearDownClass(cls):
        cls.senders.stop_all()
        try:
            os.unlink(os.path.join(t.VAR, "run", "sender-clock"))
        except FileNotFoundError:
            pass
        if cls.held:
            os.kill(cls.held, signal.SIGCONT)


class Campaign(Base):
    """One user's 3-step e-mail campaign (e-mail, wait 2 sending days,
    follow-up) over 20 prospects, then an SMS campaign to some of them,
    from a Monday 08:00 in Paris to the next Monday."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mon = next_monday()
        set_clock(paris(cls.mon.year, cls.mon.month, cls.mon.day, 8, 0))
        cls.f = Fixture("sender", 20)
        f = cls.f
        first = f.template("email", "Bonjour {{first_name|Madame, Monsieur}},\n\n"
                                    "Votre établissement {{business_name}} ({{city}}) "
                                    "nous intéresse.\n\nZoé", subject=SUBJECT,
                           html="<html><body><p>Bonjour,</p><p>{{business_name}}</p>"
                                "</body></html>")
        follow = f.template("email", "Je me permets de revenir vers vous, "
                                     "{{business_name}}.", subject="x")
        # A follow-up without a subject of its own keeps the thread's.
        t.sql("UPDATE template SET subject = NULL WHERE id = %s", (follow,))
        cls.sms_tpl = f.template("sms", "Bonjour {{business_name}}, Zoé de Prospea. "
                                        "Un appel cette semaine ?")
        # Who does what: the first 12 go out on Monday (the daily limit),
        # in this order; one answers, one bounces, one unsubscribes by
        # mail; a colleague of the one who answers (an address on the same
        # domain, enrolled in the same campaign) is stopped with him.
        cls.replier, cls.bounced, cls.unsub = f.addrs[2], f.addrs[3], f.addrs[4]
        cls.colleague = "ventes@" + cls.replier.split("@")[1]
        f.readdress(f.addrs[15], cls.colleague)
        cls.cid = f.campaign([("email", first), ("wait", 2), ("email", follow)],
                             daily_limit=12, stop_company_on_reply=1)
        f.enroll(cls.cid, f.addrs, spread=True)
        cls.s0 = cls.senders.start("main")

    def test_1_flow(self):
        f, cid, mon = self.f, self.cid, self.mon
        replier, bounced, unsub = self.replier, self.bounced, self.unsub
        wins = paris(mon.year, mon.month, mon.day, 9, 0)

        # Monday 08:00: outside the window, nothing leaves; each step waits
        # for 09:00 (and the mailbox is connected, its old mail not read).
        wait_for("the window's postponements", lambda: all(
            v[3] is not None and utc(v[3]) == wins for v in f.enrollments(cid).values()))
        wait_for("the mailbox baseline", lambda: t.sql(
            "SELECT imap_uidvalidity FROM sending_account WHERE id = %s",
            (f.email_acct,))[0][0])
        time.sleep(0.5)
        self.assertEqual(f.messages(cid), ())
        for a in f.addrs:
            self.assertEqual(outbox(a), [], a)

        # Monday 09:05: the daily limit (12) caps the day; the rest waits
        # for Tuesday's window.
        set_clock(paris(mon.year, mon.month, mon.day, 9, 5))
        wait_for("12 first messages", lambda: len(f.messages(cid)) >= 12)
        time.sleep(1)
        msgs = f.messages(cid)
        self.assertEqual(len(msgs), 12, msgs)
        self.assertEqual({m[2] for m in msgs}, {"sent"})
        monday = [m[0] for m in msgs]
        self.assertEqual(sorted(monday), sorted(f.addrs[:12]))
        tue = paris(mon.year, mon.month, mon.day, 9, 0) + datetime.timedelta(days=1)
        wed = tue + datetime.timedelta(days=1)
        for a, v in f.enrollments(cid).items():
            if a in monday:
                # Sent: the next step is a wait of 2 sending days: Wednesday.
                self.assertEqual((v[0], v[2], utc(v[3])), ("active", 1, wed), a)
            else:
                self.assertEqual((v[0], v[2], utc(v[3])), ("active", 0, tue), a)

        # Every message as stored by the user's server.
        for a in monday:
            files = outbox(a)
            self.assertEqual(len(files), 1, a)
            self.check_first(files[0], a, msgs)

        # A reply stops that prospect's sequence, and his colleague's; a
        # DSN bounces another; a mail to the List-Unsubscribe mailto: ends
        # a third one's.
        mid = {m[0]: m[3] for m in msgs}
        t.imap_drop(self.reply(replier, mid[replier]))
        t.imap_drop(self.dsn(bounced, mid[bounced]))
        t.imap_drop(self.unsubscribe(unsub))
        wait_for("the reply, the bounce and the unsubscribe", lambda: (
            f.enrollments(cid)[replier][:2] == ("stopped", "replied")
            and f.enrollments(cid)[bounced][:2] == ("stopped", "bounced")
            and f.enrollments(cid)[unsub][:2] == ("stopped", "unsubscribed")))
        self.assertEqual(f.enrollments(cid)[self.colleague][:2],
                         ("stopped", "company_replied"))
        self.assertEqual(t.sql("SELECT status, last_prospect_contact_at IS NOT NULL "
                               "FROM prospect WHERE id = %s", (f.pid[replier],))[0],
                         ("replied", 1))
        self.assertEqual(t.sql("SELECT replied_at IS NOT NULL FROM message WHERE "
                               "message_id = %s", (mid[replier],))[0][0], 1)
        # Who unsubscribed is not to be contacted again, as the user sees it.
        self.assertEqual(t.sql("SELECT status FROM prospect WHERE id = %s",
                               (f.pid[unsub],))[0][0], "do_not_contact")
        self.assertEqual(t.sql("SELECT status, bounced_at IS NOT NULL FROM message WHERE "
                               "message_id = %s", (mid[bounced],))[0], ("bounced", 1))
        hint = lambda a: a[0] + "…@" + a.split("@")[1]
        self.assertEqual(sorted(t.sql("SELECT kind, reason, hint FROM suppression WHERE "
                                      "user_id = %s", (f.uid,))),
                         sorted([("email", "bounce", hint(bounced)),
                                 ("email", "unsubscribe", hint(unsub))]))

        # Tuesday: the 7 others still active; Wednesday: the Monday ones'
        # follow-ups (wait done); Thursday: Tuesday's. Then all is over.
        set_clock(tue + datetime.timedelta(minutes=5))
        wait_for("Tuesday's 7", lambda: len(f.messages(cid)) >= 19)
        set_clock(wed + datetime.timedelta(minutes=5))
        wait_for("Wednesday's follow-ups", lambda: len(f.messages(cid)) >= 28)
        set_clock(wed + datetime.timedelta(days=1, minutes=5))
        wait_for("the end of the campaign", lambda: all(
            v[0] != "active" for v in f.enrollments(cid).values()))
        time.sleep(1)
        enr = f.enrollments(cid)
        self.assertEqual(sorted(v[:2] for v in enr.values()),
                         [("completed", None)] * 16 + [
                             ("stopped", "bounced"), ("stopped", "company_replied"),
                             ("stopped", "replied"), ("stopped", "unsubscribed")])
        self.assertEqual(len(f.messages(cid)), 35)
        for a in f.addrs:
            files = outbox(a)
            want = {replier: 1, bounced: 1, unsub: 1, self.colleague: 0}.get(a, 2)
            self.assertEqual(len(files), want, a)
            if want == 2:
                self.check_follow_up(files[0][1], files[1], a)

        # An SMS campaign to five of them on Thursday: the landline one has
        # no mobile, the bounced one is suppressed, the others wait for the
        # frequency cap (48 h after Wednesday's e-mail: Friday).
        thu = wed + datetime.timedelta(days=1, minutes=5)
        sms_cid = f.campaign([("sms", self.sms_tpl)])
        landline, mobiles = f.addrs[0], f.addrs[6:9]
        f.enroll(sms_cid, [landline, bounced] + mobiles)
        wait_for("the SMS campaign's checks", lambda: all(
            v[0] == "stopped" or (v[3] is not None and utc(v[3]) > thu)
            for v in f.enrollments(sms_cid).values()))
        enr = f.enrollments(sms_cid)
        self.assertEqual(enr[landline][:2], ("stopped", "missing_data"))
        self.assertIn("mobile", enr[landline][4])
        self.assertEqual(enr[bounced][:2], ("stopped", "suppressed"))
        for a in mobiles:
            last = t.sql("SELECT last_contact_at FROM prospect WHERE id = %s",
                         (f.pid[a],))[0][0]
            self.assertEqual(utc(enr[a][3]), utc(last) + datetime.timedelta(hours=48), a)
        phones = {a: t.sql("SELECT phone_e164 FROM prospect WHERE id = %s",
                           (f.pid[a],))[0][0] for a in mobiles}
        self.assertEqual([t.sms_sent(p) for p in phones.values()], [[]] * 3)
        set_clock(thu + datetime.timedelta(days=1, hours=1))
        wait_for("the SMS", lambda: all(t.sms_sent(p) for p in phones.values()))
        for a, p in phones.items():
            sms = t.sms_sent(p)
            self.assertEqual(len(sms), 1, a)
            self.assertEqual(sms[0]["to"], p[1:])
            self.assertEqual(sms[0]["type"], "marketing")
            self.assertRegex(sms[0]["body"], r"^Bonjour .+, Zoé de Prospea\. Un appel "
                                             r"cette semaine \?\nSTOP au \[STOP_CODE\]$")
        wait_for("the SMS enrollments' end", lambda: all(
            f.enrollments(sms_cid)[a][0] == "completed" for a in mobiles))

        # Logs: ids, never a password or a body.
        with open(os.path.join(t.VAR, "log", "sender-main.log"), encoding="utf-8") as fh:
            log = fh.read()
        self.assertIn('"msg":"message ', log)
        self.assertNotIn(t.MAILBOX_PASSWORD, log)
        self.assertNotIn("xkeysib-test", log)
        self.assertNotIn("nous intéresse", log)
        self.assertNotIn(f.addrs[5], log)

    # -- what a message must look like ----------------------------------------

    def check_lines(self, raw, a):
        self.assertNotIn(b"\n", raw.replace(b"\r\n", b""), a)       # CRLF only
        for line in raw.split(b"\r\n"):
            self.assertLessEqual(len(line), 998, a)

    def check_first(self, stored, a, msgs):
        raw, m = stored
        self.check_lines(raw, a)
        row = [x for x in msgs if x[0] == a][0]
        self.assertEqual(m["Message-ID"], row[3])
        self.assertTrue(row[3].endswith("@prospea.test>"), row[3])   # the From's domain
        # The provider id is the server's queue id: the stored file's name.
        self.assertIn("/new/" + row[4], "\n".join(outbox_files()))
        self.assertEqual(row[5], 1)                                  # first_contact
        self.assertEqual(m["From"], "Zoé Martin <%s>" % t.MAILBOX_USER)
        self.assertEqual(m["To"], a)
        head = raw.split(b"\r\n\r\n", 1)[0]
        self.assertIn(b"Subject: =?UTF-8?B?", head)                  # RFC 2047
        self.assertTrue(m["Subject"].startswith("Découverte pour "), m["Subject"])
        date = email.utils.parsedate_to_datetime(m["Date"])
        mon = self.mon
        self.assertEqual(date.astimezone(PARIS).date(), mon)         # the sender's clock
        self.assertEqual(date.astimezone(PARIS).hour, 9)
        token = re.fullmatch(r"<%s/api/v1/u/([A-Za-z0-9_-]{32})>, "
                             r"<mailto:demo@prospea\.test\?subject=unsubscribe>"
                             % re.escape(PUBLIC), m["List-Unsubscribe"].strip())
        self.assertIsNotNone(token, m["List-Unsubscribe"])
        self.assertEqual(m["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        url = "%s/api/v1/u/%s" % (PUBLIC, token.group(1))
        text = m.get_body(("plain",)).get_content()
        html = m.get_body(("html",)).get_content()
        self.assertIn(OPTOUT + url, text)
        self.assertIn(NOTICE, text)
        self.assertIn("vous opposer à tout moment à ce traitement : " + url, text)
        self.assertIn("Zoé Martin les utilise", text)
        self.assertIn(OPTOUT + '<a href="%s">' % url, html)
        self.assertIn(NOTICE, html)
        self.assertTrue(html.rstrip().endswith("</body></html>"), html)
        self.assertIsNone(m["In-Reply-To"])

    def check_follow_up(self, first, stored, a):
        raw, m = stored
        self.check_lines(raw, a)
        self.assertEqual(m["In-Reply-To"], first["Message-ID"])
        self.assertEqual(m["References"], first["Message-ID"])
        self.assertEqual(m["Subject"], first["Subject"])
        self.assertNotEqual(m["Message-ID"], first["Message-ID"])
        text = m.get_body(("plain",)).get_content()
        self.assertIn(OPTOUT, text)
        self.assertNotIn("Vos coordonnées", text)                   # first message only
        self.assertTrue(m["List-Unsubscribe"].strip().startswith("<%s/api/v1/u/" % PUBLIC))

    # -- what arrives in the mailbox ------------------------------------------

    @staticmethod
    def reply(addr, msgid):
        return ("From: Un prospect <%s>\r\nTo: %s\r\nSubject: Re: Découverte\r\n"
                "Date: %s\r\nMessage-ID: <r%d@%s>\r\nIn-Reply-To: %s\r\n"
                "References: %s\r\nMIME-Version: 1.0\r\n"
                "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                "Bonjour, appelez-moi demain.\r\n" % (
                    addr, t.MAILBOX_USER, email.utils.formatdate(), time.time_ns(),
                    addr.split("@")[1], msgid, msgid)).encode()

    @staticmethod
    def unsubscribe(addr):
        """What a mail client sends for List-Unsubscribe's mailto: (RFC 2369)."""
        return ("From: %s\r\nTo: %s\r\nSubject: unsubscribe\r\nDate: %s\r\n"
                "Message-ID: <u%d@%s>\r\n\r\n\r\n" % (
                    addr, t.MAILBOX_USER, email.utils.formatdate(), time.time_ns(),
                    addr.split("@")[1])).encode()

    @staticmethod
    def dsn(addr, msgid):
        return ("From: Mail Delivery System <MAILER-DAEMON@mx.prospea.test>\r\n"
                "To: %s\r\nSubject: Undelivered Mail Returned to Sender\r\n"
                "Date: %s\r\nMessage-ID: <d%d@mx.prospea.test>\r\nMIME-Version: 1.0\r\n"
                "Content-Type: multipart/report; report-type=delivery-status;\r\n"
                " boundary=\"B0\"\r\n\r\n--B0\r\nContent-Type: text/plain\r\n\r\n"
                "Your message could not be delivered.\r\n--B0\r\n"
                "Content-Type: message/delivery-status\r\n\r\n"
                "Reporting-MTA: dns; mx.prospea.test\r\n\r\n"
                "Final-Recipient: rfc822; %s\r\nAction: failed\r\nStatus: 5.1.1\r\n"
                "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n--B0\r\n"
                "Content-Type: text/rfc822-headers\r\n\r\nMessage-ID: %s\r\n"
                "Subject: x\r\n\r\n--B0--\r\n" % (
                    t.MAILBOX_USER, email.utils.formatdate(), time.time_ns(), addr,
                    msgid)).encode()


class Crash(Base):
    """A sender killed (kill -9) in the middle of a batch, while its server
    holds the answer to a message it has stored: the next sender's sweep
    makes that message 'uncertain' and it is never sent again; the rest
    of the batch, leased to the dead sender, goes out once, through two
    other senders."""

    def test_kill_mid_batch(self):
        day = next_monday() + datetime.timedelta(days=15)     # a Tuesday
        at = paris(day.year, day.month, day.day, 10, 0)
        set_clock(at)
        f = Fixture("sender-crash", 24)
        slow = "slowdata-%d@sender-crash.example" % f.uid
        f.readdress(f.addrs[4], slow)
        cid = f.campaign([("email", f.template("email", "Bonjour {{business_name}}",
                                               subject="Bonjour"))], daily_limit=1000)
        f.enroll(cid, f.addrs, spread=True)
        s1 = self.senders.start("crash-1", batch=10)
        wait_for("the slow message on its way", lambda: t.sql(
            "SELECT status FROM message WHERE campaign_id = %s AND to_addr = %s",
            (cid, slow)) == (("sending",),))
        os.kill(s1.pid, signal.SIGKILL)
        s1.wait()
        # The stored message is there; five of the batch were never run.
        wait_for("the slow message stored", lambda: outbox(slow))
        self.assertEqual(len(f.messages(cid)), 5)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM enrollment WHERE campaign_id = %s "
                               "AND lease_until IS NOT NULL AND status = 'active'",
                               (cid,))[0][0], 6)
        # The leases run out (on the senders' clock). With the campaign
        # paused nothing can be claimed: the sweep of a starting sender
        # alone finds the interrupted send.
        t.sql("UPDATE campaign SET status = 'paused' WHERE id = %s", (cid,))
        set_clock(at + datetime.timedelta(seconds=30))
        self.senders.start("crash-2", batch=4)
        wait_for("the sweep", lambda: f.enrollments(cid)[slow][:2] == ("stopped", "uncertain"))
        self.assertEqual(len(f.messages(cid)), 5)
        t.sql("UPDATE campaign SET status = 'running' WHERE id = %s", (cid,))
        self.senders.start("crash-3", batch=4)
        wait_for("the end of the campaign", lambda: all(
            v[0] != "active" for v in f.enrollments(cid).values()))
        time.sleep(1.5)
        enr = f.enrollments(cid)
        self.assertEqual(enr[slow][:2], ("stopped", "uncertain"))
        self.assertIn("may or may not have left", enr[slow][4])
        msgs = {m[0]: m for m in f.messages(cid)}
        self.assertEqual(len(msgs), 24)
        self.assertEqual(msgs[slow][2], "uncertain")
        for a in f.addrs:
            self.assertEqual(len(outbox(a)), 1, a)
            if a != slow:
                self.assertEqual(enr[a][:2], ("completed", None), a)
                self.assertEqual(msgs[a][2], "sent", a)


class Race(Base):
    """Two senders on one queue: every step goes out once. The SMTP
    server's refusals: 5.1.1 bounces and suppresses, another 5xx fails, a
    4xx is tried again later on the same row. The gap between two
    messages of an account lines them up; a new account ramps up; an
    account not paid up is held until it is; a restricted one until lifted;
    a closed user account sends nothing."""

    def test_two_senders_share_the_queue(self):
        day = next_monday() + datetime.timedelta(days=23)     # a Wednesday
        at = paris(day.year, day.month, day.day, 10, 0)
        set_clock(at)
        f = Fixture("sender-race", 40)
        bad = {"bounce": "rcpt550-%d@sender-race.example" % f.uid,
               "refused": "rcpt554-%d@sender-race.example" % f.uid,
               "later": "rcpt451-%d@sender-race.example" % f.uid}
        for i, a in enumerate(bad.values()):
            f.readdress(f.addrs[10 + i], a)
        cid = f.campaign([("email", f.template("email", "Bonjour {{business_name}}",
                                               subject="Bonjour"))], daily_limit=1000)
        f.enroll(cid, f.addrs)
        for n in ("race-1", "race-2"):
            self.senders.start(n, batch=3)
        wait_for("every step run", lambda: sum(
            1 for v in f.enrollments(cid).values()
            if v[0] != "active" or v[4] is not None) == 40, timeout=30)
        time.sleep(1)
        good = [a for a in f.addrs if a not in bad.values()]
        for a in good:
            self.assertEqual(len(outbox(a)), 1, a)
        msgs = f.messages(cid)
        self.assertEqual(len(msgs), 40)
        self.assertEqual(len({m[3] for m in msgs}), 40)          # one Message-ID each
        per = []
        for n in ("race-1", "race-2"):
            with open(os.path.join(t.VAR, "log", "sender-%s.log" % n), encoding="utf-8") as fh:
                per.append(len(re.findall(r'"msg":"message \d+: sent \(enrollment \d+, '
                                          r'campaign %d,' % cid, fh.read())))
        self.assertEqual(sum(per), 37, per)
        self.assertTrue(all(per), per)                           # both took a share
        for n in ("race-1", "race-2"):
            with open(os.path.join(t.VAR, "log", "sender-%s.log" % n), encoding="utf-8") as fh:
                for a in bad.values():                           # servers quote them
                    self.assertNotIn(a, fh.read(), n)
                    fh.seek(0)

        enr = f.enrollments(cid)
        st = {m[0]: m[2] for m in msgs}
        self.assertEqual(enr[bad["bounce"]][:2], ("stopped", "bounced"))
        self.assertEqual(st[bad["bounce"]], "bounced")
        self.assertIn("5.1.1", enr[bad["bounce"]][4])
        self.assertEqual(t.sql("SELECT reason FROM suppression WHERE user_id = %s",
                               (f.uid,)), (("bounce",),))
        self.assertEqual(enr[bad["refused"]][:2], ("stopped", "failed"))
        self.assertEqual(st[bad["refused"]], "failed")
        # 4xx: the enrollment waits 2^1 minutes; the row stays, 'failed'
        # for now, and is used again by the next attempt.
        later = enr[bad["later"]]
        self.assertEqual(later[:3], ("active", None, 0))
        self.assertIn("451", later[4])
        self.assertEqual(st[bad["later"]], "failed")
        row = t.sql("SELECT m.id, m.attempts, e.attempts, e.due_at, m.created_at FROM message m "
                    "JOIN enrollment e ON e.id = m.enrollment_id WHERE m.to_addr = %s",
                    (bad["later"],))[0]
        self.assertEqual(row[1:3], (1, 1))
        self.assertAlmostEqual((utc(row[3]) - at).total_seconds(), 120, delta=15)
        set_clock(at + datetime.timedelta(minutes=3))
        wait_for("the second attempt", lambda: t.sql(
            "SELECT attempts FROM message WHERE id = %s", (row[0],))[0][0] == 2)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM message WHERE to_addr = %s",
                               (bad["later"],))[0][0], 1)

        # gap_seconds: three messages of one account, 300 s apart at least,
        # whichever sender takes them.
        g = f.campaign([("email", f.template("email", "Re {{business_name}}",
                                             subject="Encore"))], gap=300)
        trio = good[:3]
        mon = at + datetime.timedelta(days=5)                     # past the cap
        set_clock(mon)
        f.enroll(g, trio)
        sent = lambda: sorted(utc(r[0]) for r in t.sql(
            "SELECT sent_at FROM message WHERE campaign_id = %s AND sent_at IS NOT NULL",
            (g,)))
        wait_for("the first of three", lambda: len(sent()) == 1)
        time.sleep(1)
        self.assertEqual(len(sent()), 1)
        dues = sorted(utc(v[3]) for v in f.enrollments(g).values() if v[0] == "active")
        self.assertEqual(len(dues), 2)
        self.assertGreaterEqual((dues[0] - sent()[0]).total_seconds(), 299.9)
        set_clock(mon + datetime.timedelta(seconds=320))
        wait_for("the second", lambda: len(sent()) == 2)
        set_clock(mon + datetime.timedelta(seconds=640))
        wait_for("the third", lambda: len(sent()) == 3)
        times = sent()
        self.assertGreaterEqual((times[1] - times[0]).total_seconds(), 299.9)
        self.assertGreaterEqual((times[2] - times[1]).total_seconds(), 299.9)

        # A new account ramps up: 2 messages the first day, 3 the next.
        r = f.c.call("POST", "/api/v1/sending-accounts", {
            "channel": "email", "name": "Nouvelle boîte", "from_email": t.MAILBOX_USER,
            "smtp_host": "127.0.0.1", "smtp_port": t.stack_ports()["SUBMIT_PORT"],
            "smtp_security": "starttls", "smtp_username": t.MAILBOX_USER,
            "smtp_password": t.MAILBOX_PASSWORD, "daily_limit": 500,
            "ramp_start": 2, "ramp_step": 1})
        self.assertEqual(r.status, 201, r)
        ramp = f.campaign([("email", f.template("email", "Bonjour", subject="Bonjour"))])
        t.sql("UPDATE campaign SET email_account_id = %s WHERE id = %s",
              (int(r.json["id"]), ramp))
        f.enroll(ramp, good[3:8])
        wait_for("the first day's two", lambda: len(f.messages(ramp)) == 2)
        time.sleep(1)
        self.assertEqual(len(f.messages(ramp)), 2)
        set_clock(at + datetime.timedelta(days=6))                # Tuesday
        wait_for("the second day's three", lambda: len(f.messages(ramp)) == 5)

        # A call step opens a task, due at the window's next opening (it is
        # 19:00), and parks the enrollment until the call's outcome.
        r = f.c.call("POST", "/api/v1/call-scripts", {"name": "Appel",
                                                      "body": "Bonjour {{business_name}}"})
        self.assertEqual(r.status, 201, r)
        call = f.campaign([("call", int(r.json["id"])), ("email", f.template(
            "email", "Suite à notre appel", subject="Notre appel"))])
        evening = paris(day.year, day.month, day.day, 19, 0) + datetime.timedelta(days=6)
        set_clock(evening)
        f.enroll(call, good[10:12])
        wait_for("the call tasks", lambda: t.sql(
            "SELECT COUNT(*) FROM task WHERE campaign_id = %s", (call,))[0][0] == 2)
        time.sleep(0.5)
        for row in t.sql("SELECT status, due_at, position, call_script_id FROM task "
                         "WHERE campaign_id = %s", (call,)):
            self.assertEqual((row[0], row[2], row[3]), ("open", 0, int(r.json["id"])))
            self.assertEqual(utc(row[1]), evening + datetime.timedelta(hours=14))
        for v in f.enrollments(call).values():
            self.assertEqual((v[0], v[2], v[3]), ("active", 0, None))
        self.assertEqual(f.messages(call), ())

        # Not paid up (plan.h): the step is held, not failed, and goes once
        # the subscription is paid again and the hold has passed.
        morning = evening + datetime.timedelta(hours=15)       # Wednesday 10:00
        set_clock(morning)
        held = f.campaign([("email", f.template("email", "Bonjour", subject="Bonjour"))])
        t.sql("UPDATE subscription SET status = 'unpaid' WHERE user_id = %s", (f.uid,))
        f.enroll(held, good[8:9])
        wait_for("the step held", lambda: [v[:2] + (v[4] is not None,)
                                           for v in f.enrollments(held).values()]
                 == [("active", None, True)])
        self.assertEqual(f.messages(held), ())
        t.sql("UPDATE subscription SET status = 'active' WHERE user_id = %s", (f.uid,))
        set_clock(morning + datetime.timedelta(hours=2))     # past the hold
        wait_for("the held step sent", lambda: len(f.messages(held)) == 1)

        # Restricted (GDPR art. 18, restricted_at): its steps are not
        # claimed, nothing is sent until it is lifted; then they go, each
        # an anonymous analytics event (email_sent).
        frozen = f.campaign([("email", f.template("email", "Bonjour", subject="Bonjour"))],
                            status="paused")
        f.enroll(frozen, good[12:14])
        t.sql("UPDATE user_account SET restricted_at = NOW(3) WHERE id = %s", (f.uid,))
        t.sql("UPDATE campaign SET status = 'running' WHERE id = %s", (frozen,))
        time.sleep(1.5)
        self.assertEqual(f.messages(frozen), ())
        self.assertEqual(t.sql("SELECT COUNT(*) FROM enrollment WHERE campaign_id = %s "
                               "AND attempts = 0 AND lease_until IS NULL", (frozen,))[0][0], 2)
        sent_events = lambda: t.sql("SELECT COUNT(*) FROM analytics_event "
                                    "WHERE name = 'email_sent'")[0][0]
        events_before = sent_events()
        t.sql("UPDATE user_account SET restricted_at = NULL WHERE id = %s", (f.uid,))
        wait_for("the steps after lifting", lambda: len(f.messages(frozen)) == 2)
        self.assertGreaterEqual(sent_events(), events_before + 2)

        # A closed account sends nothing: its enrollments are not claimed.
        shut = f.campaign([("email", f.template("email", "Bonjour", subject="Bonjour"))],
                          status="paused")
        f.enroll(shut, good[8:10])
        t.sql("UPDATE user_account SET status = 'closed' WHERE id = %s", (f.uid,))
        t.sql("UPDATE campaign SET status = 'running' WHERE id = %s", (shut,))
        time.sleep(1.5)
        self.assertEqual(f.messages(shut), ())
        self.assertEqual(t.sql("SELECT COUNT(*) FROM enrollment WHERE campaign_id = %s "
                               "AND attempts = 0 AND lease_until IS NULL", (shut,))[0][0], 2)


if __name__ == "__main__":
    t.main()
