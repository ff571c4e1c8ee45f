"""Campaigns over HTTP (docs/sequencing.md is the contract): the campaign
and its steps validated with field paths, the state machine, the steps
that prospects have gone through kept as history once it runs, enrollment
by ids and by the prospect search filters with every reason to skip
counted, the stats, messages and enrollments read back, the call tasks
with their rendered script and the effect of each outcome, the recipients'
unsubscribe links (GET changes nothing; a one-click POST, URL-encoded or
multipart, suppresses and stops), and isolation between users. What the
sender will do (messages sent, tasks opened, enrollments moved on) is
simulated with SQL as the database's administrator."""

import base64
import datetime
import hashlib
import hmac
import os
import struct
import unittest
import uuid
import zoneinfo

import prospea_test as t
from test_campaign_setup import email_account

C = "/api/v1/campaigns"
T = "/api/v1/templates"
CS = "/api/v1/call-scripts"
SA = "/api/v1/sending-accounts"
P = "/api/v1/prospects"
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def unsub_token(message_id):
    """unsub.h's token, computed independently: the first key of the ring,
    its SECRET_UNSUB (4) subkey by crypto_kdf (BLAKE2b, context
    "prospea_"), HMAC-SHA-256 over "prospea-unsub" | id, cut to 16 bytes."""
    import nacl.bindings
    keys = []
    with open(os.path.join(t.VAR, "master.key")) as fh:
        for line in fh:
            kid, _, hexkey = line.strip().partition(":")
            keys.append((int(kid), bytes.fromhex(hexkey)))
    key = min(keys)[1]
    sub = nacl.bindings.crypto_generichash_blake2b_salt_personal(
        b"", 32, key=key, salt=struct.pack("<Q", 4) + bytes(8),
        person=b"prospea_" + bytes(8))
    raw = struct.pack(">Q", message_id)
    mac = hmac.new(sub, b"prospea-unsub" + raw, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(raw + mac).rstrip(b"=").decode()


def phone():
    """A French mobile number no other prospect has (phones identify businesses)."""
    n = uuid.uuid4().int % 10 ** 6
    return "06 %02d %02d %02d %02d" % (40 + uuid.uuid4().int % 50, n // 10 ** 4, n // 100 % 100,
                                       n % 100)


def insert(query, args):
    """Runs an INSERT as the administrator; returns the new row's id."""
    c = t.db()
    try:
        with c.cursor() as cur:
            cur.execute(query, args)
            return cur.lastrowid
    finally:
        c.close()


def utc(dt):
    """A timezone-aware datetime as MariaDB DATETIME text in UTC."""
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def parse_iso(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)


def nth_opening(n, now=None, days=(0, 1, 2, 3, 4), hour=9, minute=0):
    """The window opening on the n-th sending day after today in Paris
    (days: Python weekdays, Monday 0)."""
    local = (now or datetime.datetime.now(datetime.timezone.utc)).astimezone(PARIS)
    d, found = local.date(), 0
    while found < n:
        d += datetime.timedelta(days=1)
        if d.weekday() in days:
            found += 1
    return datetime.datetime(d.year, d.month, d.day, hour, minute, tzinfo=PARIS)


HELD = None


def setUpModule():
    """These tests play the sender's part with SQL (docs/sequencing.md): the
    stack's own sender, which would run the same due steps meanwhile, waits."""
    global HELD
    HELD = t.hold_stack_sender()


def tearDownModule():
    t.release_stack_sender(HELD)


class Tenant:
    """A signed-in user with what campaigns need: an e-mail and an SMS
    account, an e-mail and an SMS template, a call script."""

    def __init__(self, prefix):
        self.c, self.email = t.logged_in(prefix=prefix)
        t.without_limits(self.email)    # the plan's limits: test_campaign_setup.PlanLimits
        self.id = t.user_id(self.email)
        self.domain = "%s.example" % uuid.uuid4().hex[:10]
        r = self.c.call("POST", SA, email_account())
        assert r.status == 201, r
        self.email_acct = r.json["id"]
        r = self.c.call("POST", SA, {"channel": "sms", "name": "SMS", "sms_provider": "brevo",
                                     "sms_api_key": "xkeysib-test", "sms_sender": "Prospea"})
        assert r.status == 201, r
        self.sms_acct = r.json["id"]
        self.tpl = self.post(T, {"name": "Premier", "channel": "email",
                                 "subject": "Pour {{business_name}}",
                                 "body": "Bonjour {{business_name}}"})["id"]
        self.tpl2 = self.post(T, {"name": "Relance", "channel": "email",
                                  "subject": "Relance", "body": "Et alors ?"})["id"]
        self.sms_tpl = self.post(T, {"name": "SMS", "channel": "sms",
                                     "body": "Bonjour {{business_name}}"})["id"]
        self.script = self.post(CS, {"name": "Appel", "sections": [
            {"title": "Accroche", "body": "Bonjour, c'est bien {{business_name}} à {{city}} ?"},
            {"title": "Objection", "body": "Deux minutes, {{first_name|Madame, Monsieur}}."}]})["id"]

    def post(self, path, body, status=201):
        r = self.c.call("POST", path, body)
        assert r.status == status, r
        return r.json

    def prospect(self, **fields):
        body = {"name": "Commerce %s" % uuid.uuid4().hex[:6]}
        body.update(fields)
        return self.post(P, body)["id"]

    def campaign(self, steps=None, **over):
        body = {"name": "Campagne %s" % uuid.uuid4().hex[:6],
                "sending_account_id": self.email_acct,
                "steps": steps if steps is not None else [
                    {"kind": "email", "template_id": self.tpl}]}
        body.update(over)
        return self.post(C, body)

    def enrollment(self, campaign_id, prospect_id):
        rows = t.sql("SELECT id, status, stop_reason, position, due_at, finished_at "
                     "FROM enrollment WHERE campaign_id = %s AND prospect_id = %s",
                     (int(campaign_id), int(prospect_id)))
        return rows[0] if rows else None

    def message(self, campaign_id, prospect_id, position, status="sent", channel="email",
                to_addr=None, replied=False, sent=True):
        """Inserts the message row the sender would write; returns its id."""
        e = self.enrollment(campaign_id, prospect_id)
        now = utc(datetime.datetime.now(datetime.timezone.utc))
        return insert("INSERT INTO message (user_id, campaign_id, enrollment_id, prospect_id,"
                      " position, channel, sending_account_id, status, to_addr, subject,"
                      " message_id, created_at, sent_at, replied_at, bounced_at, error)"
                      " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, NOW(3), %s, %s, %s,"
                      " %s)",
                      (self.id, int(campaign_id), e[0], int(prospect_id), position, channel,
                       int(self.email_acct if channel == "email" else self.sms_acct), status,
                       to_addr or "contact@%s" % self.domain, "Sujet %d" % position,
                       "<%s@prospea.test>" % uuid.uuid4().hex, now if sent else None,
                       now if replied else None, now if status == "bounced" else None,
                       "550 5.1.1 unknown" if status in ("failed", "bounced") else None))

    def task(self, campaign_id, prospect_id, position, due=None, script=True):
        """Opens the call task the sender would open at a call step, the
        enrollment waiting on it (due_at NULL); returns the task id."""
        e = self.enrollment(campaign_id, prospect_id)
        due = due or datetime.datetime.now(datetime.timezone.utc)
        t.sql("UPDATE enrollment SET position = %s, due_at = NULL WHERE id = %s",
              (position, e[0]))
        return insert("INSERT INTO task (user_id, campaign_id, enrollment_id, prospect_id,"
                      " position, call_script_id, status, due_at, created_at)"
                      " VALUES (%s, %s, %s, %s, %s, %s, 'open', %s, NOW(3))",
                      (self.id, int(campaign_id), e[0], int(prospect_id), position,
                       int(self.script) if script else None, utc(due)))


class Base(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.u = Tenant("camp-run")
        cls.c = cls.u.c

    def errors(self, r):
        self.assertEqual(r.status, 422, r)
        self.assertEqual(r.header("Content-Type"), "application/problem+json")
        return {(e["field"], e["code"]) for e in r.json["errors"]}


class Crud(Base):
    def test_defaults_and_answer(self):
        r = self.c.call("POST", C, {"name": "Boulangeries de Lyon"})
        self.assertEqual(r.status, 201, r)
        camp = r.json
        self.assertEqual(camp["status"], "draft")
        self.assertEqual(camp["timezone"], "Europe/Paris")
        self.assertEqual(camp["window"], {"days": ["mon", "tue", "wed", "thu", "fri"],
                                          "start": "09:00", "end": "18:00"})
        self.assertTrue(camp["stop_on_reply"])
        self.assertFalse(camp["stop_company_on_reply"])
        self.assertEqual((camp["daily_limit"], camp["gap_seconds"]), (100, 60))
        self.assertEqual(camp["steps"], [])
        self.assertEqual(camp["counts"], {"enrolled": 0, "active": 0, "completed": 0,
                                          "stopped": 0})
        self.assertIsNone(camp["sending_account_id"])
        self.assertIsNone(camp["started_at"])
        self.assertEqual(self.c.call("GET", C + "/" + camp["id"]).json, camp)

    def test_full_campaign_and_steps(self):
        u = self.u
        camp = u.campaign(steps=[
            {"kind": "email", "template_id": u.tpl},
            {"kind": "wait", "days": 3},
            {"kind": "sms", "template_id": u.sms_tpl},
            {"kind": "call", "call_script_id": u.script},
            {"kind": "wait", "days": 2},
            {"kind": "email", "template_id": u.tpl2}],
            sms_account_id=u.sms_acct, timezone="America/Martinique",
            window={"days": ["sat", "mon"], "start": "08:30", "end": "24:00"},
            daily_limit=40, gap_seconds=0, stop_on_reply=False, stop_company_on_reply=True)
        self.assertEqual([(s["position"], s["kind"]) for s in camp["steps"]],
                         [(0, "email"), (1, "wait"), (2, "sms"), (3, "call"), (4, "wait"),
                          (5, "email")])
        self.assertEqual(camp["steps"][0]["template_id"], u.tpl)
        self.assertEqual(camp["steps"][1]["days"], 3)
        self.assertEqual(camp["steps"][3]["call_script_id"], u.script)
        self.assertNotIn("days", camp["steps"][0])
        self.assertTrue(all(s["id"] for s in camp["steps"]))
        self.assertEqual(camp["window"], {"days": ["mon", "sat"], "start": "08:30",
                                          "end": "24:00"})
        self.assertEqual(camp["timezone"], "America/Martinique")
        self.assertEqual((camp["daily_limit"], camp["gap_seconds"]), (40, 0))
        self.assertFalse(camp["stop_on_reply"])
        self.assertTrue(camp["stop_company_on_reply"])
        self.assertEqual(camp["sms_account_id"], u.sms_acct)
        # Listed, newest first, filterable by status.
        items = self.c.call("GET", C + "?status=draft&limit=200").json["items"]
        self.assertIn(camp["id"], [i["id"] for i in items])
        self.assertEqual(len(next(i for i in items if i["id"] == camp["id"])["steps"]), 6)
        self.assertEqual(self.c.call("GET", C + "?status=running").json["items"], [])
        self.assertEqual(self.c.call("GET", C + "?status=nope").status, 400)
        self.assertEqual(self.c.call("GET", C + "?sort=name").status, 400)

    def test_paging(self):
        other = Tenant("camp-page")
        ids = [other.campaign()["id"] for _ in range(3)]
        r = other.c.call("GET", C + "?limit=2")
        self.assertEqual([i["id"] for i in r.json["items"]], ids[::-1][:2])
        r = other.c.call("GET", C + "?limit=2&cursor=" + r.json["next_cursor"])
        self.assertEqual([i["id"] for i in r.json["items"]], [ids[0]])
        self.assertIsNone(r.json["next_cursor"])

    def test_validation_names_each_field(self):
        u = self.u
        r = self.c.call("POST", C, {"timezone": "Europe/Paris"})
        self.assertIn(("name", "required"), self.errors(r))
        for tz in ("Mars/Olympus", "../../etc/passwd", "Europe/../Europe/Paris", "zone.tab",
                   "/usr/share/zoneinfo/UTC", "Europe", "Europe/Paris ", "localtime",
                   "posixrules", "Factory", "posix/Europe/Paris", "right/Europe/Paris"):
            r = self.c.call("POST", C, {"name": "x", "timezone": tz})
            self.assertIn(("timezone", "timezone"), self.errors(r), tz)
        r = self.c.call("POST", C, {"name": "x", "window": {"start": "18:00", "end": "09:00"}})
        self.assertIn(("window.end", "before_start"), self.errors(r))
        r = self.c.call("POST", C, {"name": "x", "window": {"days": ["mon", "xyz", "mon"],
                                                           "start": "9h", "foo": 1}})
        self.assertLessEqual({("window.days[1]", "enum"), ("window.days[2]", "repeated"),
                              ("window.start", "time"), ("window.foo", "unknown_field")},
                             self.errors(r))
        self.assertIn(("window.days", "type"),
                      self.errors(self.c.call("POST", C, {"name": "x", "window": {"days": []}})))
        r = self.c.call("POST", C, {"name": "x", "steps": [
            {"kind": "email", "template_id": u.sms_tpl},
            {"kind": "wait", "days": 0},
            {"kind": "sms", "template_id": u.tpl},
            {"kind": "call", "call_script_id": "999999999"},
            {"kind": "wait", "days": 61},
            {"kind": "wait", "days": 2},
            {"kind": "email", "template_id": "999999999"},
            {"kind": "fax"},
            {"kind": "email", "template_id": u.tpl, "days": 2},
            {"kind": "call"},
            {"kind": "wait", "days": 1}]})
        errs = self.errors(r)
        self.assertLessEqual({("steps[1].days", "range"), ("steps[4].days", "range"),
                              ("steps[5].kind", "consecutive_waits"),
                              ("steps[7].kind", "enum"), ("steps[8].days", "not_allowed"),
                              ("steps[9].call_script_id", "required"),
                              ("steps[10].kind", "wait_last")}, errs)
        # Shape first; the database checks then name templates and accounts.
        r = self.c.call("POST", C, {"name": "x", "steps": [
            {"kind": "email", "template_id": u.sms_tpl},
            {"kind": "sms", "template_id": u.tpl},
            {"kind": "call", "call_script_id": "999999999"},
            {"kind": "email", "template_id": "999999999"}]})
        self.assertEqual(self.errors(r), {
            ("steps[0].template_id", "wrong_channel"), ("steps[1].template_id", "wrong_channel"),
            ("steps[2].call_script_id", "not_found"), ("steps[3].template_id", "not_found")})
        r = self.c.call("POST", C, {"name": "x", "steps": [{"kind": "wait", "days": 2},
                                                          {"kind": "email",
                                                           "template_id": u.tpl}]})
        self.assertIn(("steps[0].kind", "wait_first"), self.errors(r))
        r = self.c.call("POST", C, {"name": "x", "steps": [
            {"kind": "email", "template_id": u.tpl}] * 21})
        self.assertIn(("steps", "too_many"), self.errors(r))
        r = self.c.call("POST", C, {"name": "x", "sending_account_id": u.sms_acct,
                                    "sms_account_id": u.email_acct})
        self.assertEqual(self.errors(r), {("sending_account_id", "wrong_channel"),
                                          ("sms_account_id", "wrong_channel")})
        # The field table: unknown keys and wrong types are 400.
        for body in ({"name": "x", "nope": 1}, {"name": "x", "steps": {}},
                     {"name": "x", "daily_limit": 0}, {"name": "x", "window": []},
                     {"name": "x", "sending_account_id": 12}):
            self.assertEqual(self.c.call("POST", C, body).status, 400, body)
        # A step as the answers show it (with its id) is accepted back.
        camp = u.campaign()
        r = self.c.call("PATCH", C + "/" + camp["id"], {"steps": camp["steps"]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["steps"], camp["steps"])

    def test_patch_and_delete_a_draft(self):
        u = self.u
        camp = u.campaign()
        r = self.c.call("PATCH", C + "/" + camp["id"], {
            "name": "Renommée", "window": {"end": "17:00"},
            "steps": [{"kind": "call", "call_script_id": u.script},
                      {"kind": "wait", "days": 1},
                      {"kind": "email", "template_id": u.tpl2}]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["name"], "Renommée")
        self.assertEqual(r.json["window"]["start"], "09:00")
        self.assertEqual(r.json["window"]["end"], "17:00")
        self.assertEqual([s["kind"] for s in r.json["steps"]], ["call", "wait", "email"])
        # Only what the body names changes.
        r = self.c.call("PATCH", C + "/" + camp["id"], {"daily_limit": 7})
        self.assertEqual([s["kind"] for s in r.json["steps"]], ["call", "wait", "email"])
        self.assertEqual(r.json["daily_limit"], 7)
        # A draft's steps may all go; a draft is built in any order, its
        # accounts last if need be, and only starting asks for them.
        r = self.c.call("PATCH", C + "/" + camp["id"], {"steps": []})
        self.assertEqual(r.json["steps"], [])
        r = self.c.call("PATCH", C + "/" + camp["id"], {"sending_account_id": None,
                                                        "steps": [{"kind": "email",
                                                                   "template_id": u.tpl},
                                                                  {"kind": "sms",
                                                                   "template_id": u.sms_tpl}]})
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.json["sending_account_id"])
        r = self.c.call("POST", C + "/" + camp["id"] + "/start")
        self.assertEqual(r.status, 409, r)
        self.assertEqual({(e["field"], e["code"]) for e in r.json["errors"]},
                         {("sending_account_id", "required"), ("sms_account_id", "required")})
        self.assertEqual(self.c.call("GET", C + "/" + camp["id"]).json["status"], "draft")
        # A template a step uses cannot be deleted.
        r = self.c.call("PATCH", C + "/" + camp["id"], {"steps": [{"kind": "email",
                                                                   "template_id": u.tpl2}]})
        self.assertEqual(self.c.call("DELETE", T + "/" + u.tpl2).status, 409)
        self.assertEqual(self.c.call("DELETE", C + "/" + camp["id"]).status, 204)
        self.assertEqual(self.c.call("GET", C + "/" + camp["id"]).status, 404)
        self.assertEqual(self.c.call("DELETE", C + "/" + camp["id"]).status, 404)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM campaign_step WHERE campaign_id = %s",
                               (int(camp["id"]),))[0][0], 0)


class States(Base):
    def test_state_machine(self):
        u = self.u
        camp = self.c.call("POST", C, {"name": "vide"}).json
        path = C + "/" + camp["id"]
        r = self.c.call("POST", path + "/start")
        self.assertEqual(r.status, 409, r)
        self.assertEqual(r.json["errors"][0]["field"], "steps")
        for move in ("pause", "resume"):
            self.assertEqual(self.c.call("POST", path + "/" + move).status, 409, move)
        self.c.call("PATCH", path, {"sending_account_id": u.email_acct,
                                    "steps": [{"kind": "email", "template_id": u.tpl}]})
        p = u.prospect(email="a@" + u.domain)
        self.assertEqual(self.c.call("POST", path + "/enroll",
                                     {"prospect_ids": [p]}).json["enrolled"], 1)
        r = self.c.call("POST", path + "/start")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "running")
        started = r.json["started_at"]
        self.assertIsNotNone(started)
        # Start and resume change nothing in enrollments (docs/sequencing.md).
        before = u.enrollment(camp["id"], p)
        self.assertEqual(before[1:4], ("active", None, 0))
        self.assertEqual(self.c.call("POST", path + "/start").json["status"], "running")
        self.assertEqual(self.c.call("POST", path + "/resume").json["status"], "running")
        self.assertEqual(self.c.call("POST", path + "/pause").json["status"], "paused")
        self.assertEqual(self.c.call("POST", path + "/pause").json["status"], "paused")
        r = self.c.call("POST", path + "/resume")
        self.assertEqual(r.json["status"], "running")
        self.assertEqual(r.json["started_at"], started)
        self.assertEqual(u.enrollment(camp["id"], p), before)
        r = self.c.call("DELETE", path)
        self.assertEqual(r.status, 409, r)
        self.assertEqual(r.json["code"], "not_draft")
        self.assertEqual(self.c.call("POST", path + "/archive").json["status"], "archived")
        self.assertEqual(self.c.call("POST", path + "/archive").json["status"], "archived")
        for move in ("start", "pause", "resume"):
            self.assertEqual(self.c.call("POST", path + "/" + move).status, 409, move)
        self.assertEqual(self.c.call("PATCH", path, {"name": "x"}).status, 409)
        self.assertEqual(self.c.call("POST", path + "/enroll",
                                     {"prospect_ids": [p]}).status, 409)
        self.assertEqual(self.c.call("DELETE", path).status, 409)
        # Archived is final: nobody is left waiting in it.
        counts = self.c.call("GET", path).json["counts"]
        self.assertEqual((counts["active"], counts["stopped"]), (0, 1))
        self.assertEqual(u.enrollment(camp["id"], p)[1:3], ("stopped", "removed"))
        self.assertEqual(self.c.call("POST", C + "/999999999/start").status, 404)

    def test_new_timing_brings_put_off_steps_forward(self):
        """A step the sender put off to a later window opening (due later,
        no attempt spent) is due again as soon as the window, the zone or
        the daily limit changes; a wait keeps its day, a retry its backoff."""
        u = self.u
        camp = u.campaign(steps=[{"kind": "email", "template_id": u.tpl},
                                 {"kind": "wait", "days": 2},
                                 {"kind": "email", "template_id": u.tpl2}])
        path = C + "/" + camp["id"]
        ps = [u.prospect(email="%s@%s" % (n, u.domain)) for n in ("tot", "att", "wai")]
        self.assertEqual(self.c.call("POST", path + "/enroll",
                                     {"prospect_ids": ps}).json["enrolled"], 3)
        self.assertEqual(self.c.call("POST", path + "/start").status, 200)
        later = "DATE_ADD(NOW(3), INTERVAL 3 DAY)"
        t.sql("UPDATE enrollment SET due_at = " + later + " WHERE campaign_id = %s",
              (int(camp["id"]),))
        t.sql("UPDATE enrollment SET attempts = 2 WHERE prospect_id = %s", (int(ps[1]),))
        t.sql("UPDATE enrollment SET position = 1 WHERE prospect_id = %s", (int(ps[2]),))

        def due_now():
            return {str(r[0]): bool(r[1]) for r in t.sql(
                "SELECT prospect_id, due_at <= NOW(3) FROM enrollment "
                "WHERE campaign_id = %s", (int(camp["id"]),))}

        # A change that does not time messages moves nothing.
        self.assertEqual(self.c.call("PATCH", path, {"name": "Autre nom"}).status, 200)
        self.assertEqual(due_now(), {ps[0]: False, ps[1]: False, ps[2]: False})
        self.assertEqual(self.c.call("POST", path + "/pause").status, 200)
        r = self.c.call("PATCH", path, {"window": {"days": ["mon", "tue", "wed", "thu",
                                                            "fri", "sat", "sun"],
                                                   "start": "00:00", "end": "24:00"}})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(due_now(), {ps[0]: True, ps[1]: False, ps[2]: False})
        # Another user's campaign is untouched by this one's change.
        other = Tenant("camp-timing")
        oc = other.campaign()
        op = other.prospect(email="x@" + other.domain)
        other.c.call("POST", C + "/" + oc["id"] + "/enroll", {"prospect_ids": [op]})
        t.sql("UPDATE enrollment SET due_at = " + later + " WHERE campaign_id = %s",
              (int(oc["id"]),))
        t.sql("UPDATE enrollment SET due_at = " + later + " WHERE campaign_id = %s",
              (int(camp["id"]),))
        r = self.c.call("PATCH", path, {"daily_limit": 250})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(due_now(), {ps[0]: True, ps[1]: False, ps[2]: False})
        self.assertEqual(t.sql("SELECT due_at > NOW(3) FROM enrollment WHERE campaign_id = %s",
                               (int(oc["id"]),))[0][0], 1)

    def test_waits_timed_again(self):
        """A prospect waiting at a wait step waits by the new rules when the
        wait's length or the window changes: from when it started waiting."""
        u = self.u
        camp = u.campaign(steps=[{"kind": "email", "template_id": u.tpl},
                                 {"kind": "wait", "days": 2},
                                 {"kind": "email", "template_id": u.tpl2}])
        path = C + "/" + camp["id"]
        p = u.prospect(email="attente@" + u.domain)
        self.c.call("POST", path + "/enroll", {"prospect_ids": [p]})
        self.assertEqual(self.c.call("POST", path + "/start").status, 200)
        paris = zoneinfo.ZoneInfo("Europe/Paris")
        d = datetime.date.today() + datetime.timedelta(days=14)
        monday = d - datetime.timedelta(days=d.weekday())

        def at(days, h, m=0):
            local = datetime.datetime.combine(monday + datetime.timedelta(days=days),
                                              datetime.time(h, m), paris)
            return local.astimezone(datetime.timezone.utc).replace(tzinfo=None)

        # It got to the wait on Monday 10:00: due Wednesday 09:00 (2 sending days).
        t.sql("UPDATE enrollment SET position = 1, updated_at = %s, due_at = %s "
              "WHERE campaign_id = %s", (at(0, 10), at(2, 9), int(camp["id"])))

        def due():
            return t.sql("SELECT due_at FROM enrollment WHERE campaign_id = %s",
                         (int(camp["id"]),))[0][0].replace(microsecond=0)
        steps = [{"kind": "email", "template_id": u.tpl}, {"kind": "wait", "days": 3},
                 {"kind": "email", "template_id": u.tpl2}]
        self.assertEqual(self.c.call("PATCH", path, {"steps": steps}).status, 200)
        self.assertEqual(due(), at(3, 9))                   # Thursday 09:00
        r = self.c.call("PATCH", path, {"window": {"start": "10:30", "end": "18:00"}})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(due(), at(3, 10, 30))              # Thursday 10:30
        # Saturday and Sunday become sending days: Tuesday, Wednesday, Thursday.
        r = self.c.call("PATCH", path, {"window": {"days": ["sat", "sun", "mon", "tue"]}})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(due(), at(6, 10, 30))              # Tue, Sat, Sun
        self.assertEqual(t.sql("SELECT position, status FROM enrollment WHERE campaign_id = %s",
                               (int(camp["id"]),))[0], (1, "active"))

    def test_sending_account_in_use(self):
        u = Tenant("camp-acct")
        camp = u.campaign()
        self.assertEqual(u.c.call("POST", C + "/" + camp["id"] + "/start").status, 200)
        self.assertEqual(u.c.call("DELETE", SA + "/" + u.email_acct).status, 409)


class History(Base):
    def test_steps_reached_are_kept(self):
        u = self.u
        camp = u.campaign(steps=[
            {"kind": "email", "template_id": u.tpl},
            {"kind": "wait", "days": 2},
            {"kind": "email", "template_id": u.tpl2},
            {"kind": "call", "call_script_id": u.script}])
        path = C + "/" + camp["id"]
        # (The call step needs a phone: every step's need counts at enrollment.)
        a = u.prospect(email="a@" + u.domain, phone=phone())
        b = u.prospect(email="b@" + u.domain, phone=phone())
        self.assertEqual(self.c.call("POST", path + "/enroll",
                                     {"prospect_ids": [a, b]}).json["enrolled"], 2)
        self.assertEqual(self.c.call("POST", path + "/start").status, 200)
        steps = [{k: v for k, v in s.items() if k not in ("id", "position")}
                 for s in camp["steps"]]
        # Nothing reached yet: anything may change, while running.
        r = self.c.call("PATCH", path, {"steps": steps[:1] + [{"kind": "wait", "days": 3}]
                                        + steps[2:]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.c.call("PATCH", path, {"steps": steps}).status, 200)
        # The sender ran step 0 for a and moved it past the wait.
        u.message(camp["id"], a, 0)
        t.sql("UPDATE enrollment SET position = 2 WHERE campaign_id = %s AND prospect_id = %s",
              (int(camp["id"]), int(a)))
        for changed in (
                [{"kind": "email", "template_id": u.tpl2}] + steps[1:],
                steps[:1] + [{"kind": "wait", "days": 5}] + steps[2:],
                steps[:1],
                [{"kind": "sms", "template_id": u.sms_tpl}] + steps[1:]):
            r = self.c.call("PATCH", path, {"steps": changed, "sms_account_id": u.sms_acct})
            self.assertEqual(r.status, 409, (changed, r))
            self.assertIn("steps[0] to steps[1]", r.json["detail"])
        self.assertEqual(self.c.call("GET", path).json["steps"], camp["steps"])
        # Later steps: edited, added, removed; kept steps keep their ids.
        new = steps[:2] + [{"kind": "sms", "template_id": u.sms_tpl},
                           {"kind": "wait", "days": 1},
                           {"kind": "email", "template_id": u.tpl}]
        r = self.c.call("PATCH", path, {"steps": new, "sms_account_id": u.sms_acct})
        self.assertEqual(r.status, 200, r)
        self.assertEqual([s["kind"] for s in r.json["steps"]],
                         ["email", "wait", "sms", "wait", "email"])
        self.assertEqual([s["id"] for s in r.json["steps"][:3]],
                         [s["id"] for s in camp["steps"][:3]])
        # A step the sender holds (leased) is being run: history too.
        t.sql("UPDATE enrollment SET lease_until = NOW(3) + INTERVAL 1 MINUTE"
              " WHERE campaign_id = %s AND prospect_id = %s", (int(camp["id"]), int(a)))
        r = self.c.call("PATCH", path, {"steps": steps[:2] + [{"kind": "email",
                                                               "template_id": u.tpl2}]})
        self.assertEqual(r.status, 409, r)
        t.sql("UPDATE enrollment SET lease_until = NULL WHERE campaign_id = %s",
              (int(camp["id"]),))
        # b stands at 4: steps 0 to 3 are history, 4 is its next one.
        t.sql("UPDATE enrollment SET position = 4 WHERE campaign_id = %s AND prospect_id = %s",
              (int(camp["id"]), int(b)))
        r = self.c.call("PATCH", path, {"steps": new[:3] + [{"kind": "wait", "days": 5}]
                                        + new[4:]})
        self.assertEqual(r.status, 409, r)
        r = self.c.call("PATCH", path, {"steps": new[:4] + [{"kind": "email",
                                                             "template_id": u.tpl2}]})
        self.assertEqual(r.status, 200, r)
        r = self.c.call("PATCH", path, {"steps": new[:3] + [{"kind": "call",
                                                             "call_script_id": u.script},
                                                            {"kind": "wait", "days": 1}]})
        self.assertIn(("steps[4].kind", "wait_last"), self.errors(r))
        r = self.c.call("PATCH", path, {"steps": new[:3]})
        self.assertEqual(r.status, 409, r)     # b has gone through step 3
        # Back at 3, b stands past the end of a three-step campaign: completed.
        t.sql("UPDATE enrollment SET position = 3 WHERE campaign_id = %s AND prospect_id = %s",
              (int(camp["id"]), int(b)))
        r = self.c.call("PATCH", path, {"steps": new[:3]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(u.enrollment(camp["id"], b)[1], "completed")
        self.assertIsNotNone(u.enrollment(camp["id"], b)[5])
        self.assertEqual(u.enrollment(camp["id"], a)[1], "active")
        r = self.c.call("PATCH", path, {"steps": []})
        self.assertIn(("steps", "required"), self.errors(r))
        # Paused: the same rule.
        self.c.call("POST", path + "/pause")
        r = self.c.call("PATCH", path, {"steps": new[:1]})
        self.assertEqual(r.status, 409, r)
        self.assertEqual(self.c.call("PATCH", path, {"name": "Pause"}).status, 200)


class Enroll(Base):
    def test_by_ids_with_every_reason(self):
        u = self.u
        camp = u.campaign()
        path = C + "/" + camp["id"] + "/enroll"
        ok = u.prospect(email="ok@" + u.domain, phone=phone())
        gone = "contact@stop-%s" % u.domain
        supp_mail = u.prospect(email=gone)
        supp_domain = u.prospect(email="hello@shop.blocked-%s" % u.domain)
        dnc = u.prospect(email="dnc@" + u.domain, status="do_not_contact")
        no_phone = phone()
        no_mail = u.prospect(phone=no_phone)
        # Suppressed after they were added (a later objection).
        u.post("/api/v1/suppressions", {"kind": "email", "value": gone.upper()})
        u.post("/api/v1/suppressions", {"kind": "domain", "value": "blocked-" + u.domain})
        other = Tenant("camp-enroll-other")
        foreign = other.prospect(email="x@" + other.domain)
        r = self.c.call("POST", path, {"prospect_ids": [ok, supp_mail, supp_domain, dnc,
                                                        no_mail, foreign, "999999999", ok]})
        self.assertEqual(r.status, 200, r)
        j = r.json
        skipped = j.pop("skipped")
        self.assertEqual(j, {"enrolled": 1, "already_enrolled": 0, "suppressed": 2,
                                  "do_not_contact": 1, "missing_contact": 1, "not_found": 2})
        # Each one left out, named with its reason (another user's is "not_found").
        self.assertEqual(sorted((s["prospect_id"], s["reason"]) for s in skipped), sorted([
            (supp_mail, "suppressed"), (supp_domain, "suppressed"), (dnc, "do_not_contact"),
            (no_mail, "missing_contact"), (foreign, "not_found"), ("999999999", "not_found")]))
        r = self.c.call("POST", path, {"prospect_ids": [ok, no_mail]})
        self.assertEqual(r.json, {"enrolled": 0, "already_enrolled": 1, "suppressed": 0,
                                  "do_not_contact": 0, "missing_contact": 1, "not_found": 0,
                                  "skipped": [{"prospect_id": ok, "reason": "already_enrolled"},
                                              {"prospect_id": no_mail,
                                               "reason": "missing_contact"}]})
        e = u.enrollment(camp["id"], ok)
        self.assertEqual(e[1:4], ("active", None, 0))
        self.assertIsNotNone(e[4])              # due at enrollment
        self.assertIsNone(u.enrollment(camp["id"], supp_mail))
        self.assertIsNone(other.enrollment(camp["id"], foreign))
        # An SMS first step needs a phone; a wait before it does not count.
        sms = u.campaign(steps=[{"kind": "sms", "template_id": u.sms_tpl}],
                         sms_account_id=u.sms_acct)
        r = self.c.call("POST", C + "/" + sms["id"] + "/enroll",
                        {"prospect_ids": [ok, no_mail, supp_domain]})
        self.assertEqual((r.json["enrolled"], r.json["missing_contact"], r.json["suppressed"]),
                         (2, 0, 1))
        # SMS go to French mobiles only, as the sender sends them: a Belgian
        # mobile or a French landline is missing what the SMS needs.
        be = u.prospect(phone="+32 470 12 34 56")
        fixe = u.prospect(phone="01 42 %02d %02d %02d" % (uuid.uuid4().int % 100,
                                                          uuid.uuid4().int % 100,
                                                          uuid.uuid4().int % 100))
        r = self.c.call("POST", C + "/" + sms["id"] + "/enroll",
                        {"prospect_ids": [be, fixe]})
        self.assertEqual((r.json["enrolled"], r.json["missing_contact"]), (0, 2), r)
        # Every step counts, not only the first: a call then an e-mail needs
        # both a phone and an e-mail address.
        later = u.campaign(steps=[{"kind": "call", "call_script_id": u.script},
                                  {"kind": "wait", "days": 1},
                                  {"kind": "email", "template_id": u.tpl}])
        r = self.c.call("POST", C + "/" + later["id"] + "/enroll",
                        {"prospect_ids": [ok, no_mail]})
        self.assertEqual((r.json["enrolled"], r.json["missing_contact"]), (1, 1), r)
        # A suppressed phone stops an SMS campaign too.
        u.post("/api/v1/suppressions", {"kind": "phone", "value": no_phone})
        sms2 = u.campaign(steps=[{"kind": "call", "call_script_id": u.script}])
        r = self.c.call("POST", C + "/" + sms2["id"] + "/enroll", {"prospect_ids": [no_mail]})
        self.assertEqual(r.json["suppressed"], 1)

    def test_body_rules(self):
        u = self.u
        camp = u.campaign()
        path = C + "/" + camp["id"] + "/enroll"
        for body in ({}, {"prospect_ids": ["1"], "filter": {}}):
            r = self.c.call("POST", path, body)
            self.assertEqual(r.status, 422, (body, r))
        for body in ({"prospect_ids": []}, {"prospect_ids": [1]}, {"prospect_ids": ["01"]},
                     {"filter": []}, {"filter": {"nope": "x"}}, {"filter": {"status": "vip"}},
                     {"filter": {"has_email": "yes"}}, {"filter": {"city": 3}},
                     {"filter": {"q": "x" * 201}}):
            self.assertEqual(self.c.call("POST", path, body).status, 400, body)
        r = self.c.call("POST", path, {"prospect_ids": [str(i) for i in range(1, 10002)]})
        self.assertIn(("prospect_ids", "too_many"), self.errors(r))
        self.assertEqual(self.c.call("POST", C + "/999999999/enroll",
                                     {"prospect_ids": ["1"]}).status, 404)

    def test_by_filter(self):
        u = Tenant("camp-filter")
        city = "Villefranche-%s" % uuid.uuid4().hex[:6]
        ids = {}
        ids["ok"] = u.prospect(email="a@" + u.domain, city=city, category="Plombier",
                               tags=["chaud"])
        ids["ok2"] = u.prospect(email="b@" + u.domain, city=city, category="Plombier")
        ids["supp"] = u.prospect(email="c@" + u.domain, city=city, category="Plombier",
                                 website="https://www.shop.barred-%s" % u.domain)
        ids["dnc"] = u.prospect(email="d@" + u.domain, city=city, status="do_not_contact")
        ids["nomail"] = u.prospect(city=city, phone=phone())
        ids["elsewhere"] = u.prospect(email="e@" + u.domain, city="Lyon")
        u.post("/api/v1/suppressions", {"kind": "domain", "value": "barred-" + u.domain})
        camp = u.campaign()
        path = C + "/" + camp["id"] + "/enroll"
        # The tag filter alone: one prospect.
        r = u.c.call("POST", path, {"filter": {"tag": "chaud"}})
        self.assertEqual(r.json["enrolled"], 1, r)
        r = u.c.call("POST", path, {"filter": {"city": city}})
        self.assertEqual(r.status, 200, r)
        j = r.json
        self.assertEqual(sorted(s["reason"] for s in j.pop("skipped")), [
            "already_enrolled", "do_not_contact", "missing_contact", "suppressed"])
        self.assertEqual(j, {"enrolled": 1, "already_enrolled": 1, "suppressed": 1,
                             "do_not_contact": 1, "missing_contact": 1, "not_found": 0})
        self.assertIsNone(u.enrollment(camp["id"], ids["elsewhere"]))
        # The same semantics as GET /prospects: free text folded, booleans.
        camp2 = u.campaign()
        r = u.c.call("POST", C + "/" + camp2["id"] + "/enroll",
                     {"filter": {"q": city.upper().replace("-", " "), "has_email": False}})
        self.assertEqual(r.json["missing_contact"], 1, r)
        self.assertEqual(r.json["enrolled"], 0, r)
        listed = u.c.call("GET", P + "?city=%s&category=Plombier" % city).json["items"]
        r = u.c.call("POST", C + "/" + camp2["id"] + "/enroll",
                     {"filter": {"city": city, "category": "Plombier", "q": ""}})
        self.assertEqual(r.json["enrolled"] + r.json["suppressed"], len(listed))
        # What was enrolled, as the enrollments list shows it.
        r = u.c.call("GET", C + "/" + camp["id"] + "/enrollments")
        self.assertEqual(r.status, 200, r)
        got = {i["prospect_id"]: i for i in r.json["items"]}
        self.assertEqual(set(got), {ids["ok"], ids["ok2"]})
        self.assertEqual(got[ids["ok"]]["status"], "active")
        self.assertEqual(got[ids["ok"]]["position"], 0)
        self.assertIsNotNone(got[ids["ok"]]["due_at"])
        self.assertTrue(got[ids["ok"]]["prospect_name"].startswith("Commerce"))
        self.assertEqual(u.c.call("GET", C + "/" + camp["id"]).json["counts"],
                         {"enrolled": 2, "active": 2, "completed": 0, "stopped": 0})


class Reading(Base):
    def test_retrying_then_retried_after_a_fix(self):
        """A message that failed for now (its enrollment still waits on the
        step) shows as retrying, with when; new credentials on its account
        bring the retry forward."""
        u = Tenant("camp-retry")
        camp = u.campaign()
        cid = camp["id"]
        p = u.prospect(email="retry@" + u.domain)
        u.c.call("POST", C + "/" + cid + "/enroll", {"prospect_ids": [p]})
        u.c.call("POST", C + "/" + cid + "/start")
        mid = u.message(cid, p, 0, status="failed", sent=False)
        t.sql("UPDATE message SET error = '535 5.7.8 Authentication failed' WHERE id = %s",
              (mid,))
        t.sql("UPDATE enrollment SET attempts = 2, due_at = NOW(3) + INTERVAL 4 MINUTE "
              "WHERE campaign_id = %s", (int(cid),))
        m = u.c.call("GET", C + "/" + cid + "/messages").json["items"][0]
        self.assertEqual(m["status"], "retrying")
        self.assertIsNotNone(m["next_attempt_at"])
        self.assertIn("535", m["error"])
        self.assertEqual([x["id"] for x in u.c.call(
            "GET", C + "/" + cid + "/messages?status=retrying").json["items"]], [m["id"]])
        self.assertEqual(u.c.call("GET", C + "/" + cid + "/messages?status=failed").json["items"],
                         [])
        s = u.c.call("GET", C + "/" + cid + "/stats").json["messages"]
        self.assertEqual((s["retrying"], s["failed"]), (1, 0))
        # Renaming the account changes nothing; a new password retries now.
        u.c.call("PATCH", SA + "/" + u.email_acct, {"name": "Boîte"})
        self.assertEqual(t.sql("SELECT due_at > NOW(3) FROM enrollment WHERE campaign_id = %s",
                               (int(cid),))[0][0], 1)
        r = u.c.call("PATCH", SA + "/" + u.email_acct, {"smtp_password": "le bon mot de passe"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(t.sql("SELECT due_at <= NOW(3) FROM enrollment WHERE campaign_id = %s",
                               (int(cid),))[0][0], 1)
        # Once the enrollment has gone past the step, the failure is final.
        t.sql("UPDATE enrollment SET status = 'stopped', stop_reason = 'failed' "
              "WHERE campaign_id = %s", (int(cid),))
        self.assertEqual(u.c.call("GET", C + "/" + cid + "/messages").json["items"][0]["status"],
                         "failed")

    def test_stats_messages_and_enrollments(self):
        u = Tenant("camp-stats")
        camp = u.campaign(steps=[{"kind": "email", "template_id": u.tpl},
                                 {"kind": "call", "call_script_id": u.script},
                                 {"kind": "sms", "template_id": u.sms_tpl}],
                          sms_account_id=u.sms_acct)
        cid = camp["id"]
        ps = [u.prospect(email="p%d@%s" % (i, u.domain), phone=phone()) for i in range(7)]
        u.c.call("POST", C + "/" + cid + "/enroll", {"prospect_ids": ps})
        u.c.call("POST", C + "/" + cid + "/start")
        m = [u.message(cid, ps[0], 0, replied=True), u.message(cid, ps[1], 0),
             u.message(cid, ps[2], 0, status="bounced"),
             u.message(cid, ps[3], 0, status="failed", sent=False),
             u.message(cid, ps[4], 0, status="uncertain", sent=False),
             u.message(cid, ps[5], 0, status="sending", sent=False),
             u.message(cid, ps[1], 2, channel="sms", to_addr="+33612345601")]
        for p, status, reason in ((ps[0], "stopped", "replied"), (ps[2], "stopped", "bounced"),
                                  (ps[3], "stopped", "failed"), (ps[4], "stopped", "uncertain"),
                                  (ps[6], "stopped", "unsubscribed"),
                                  (ps[1], "completed", None)):
            t.sql("UPDATE enrollment SET status = %s, stop_reason = %s WHERE campaign_id = %s"
                  " AND prospect_id = %s", (status, reason, int(cid), int(p)))
        k1 = u.task(cid, ps[5], 1)
        t.sql("UPDATE task SET status = 'done', outcome = 'busy', done_at = NOW(3)"
              " WHERE id = %s", (k1,))
        t.sql("INSERT INTO task (user_id, campaign_id, enrollment_id, prospect_id, position,"
              " attempt, status, due_at, created_at) SELECT user_id, campaign_id,"
              " enrollment_id, prospect_id, position, 1, 'open', NOW(3), NOW(3) FROM task"
              " WHERE id = %s", (k1,))
        r = u.c.call("GET", C + "/" + cid + "/stats")
        self.assertEqual(r.status, 200, r)
        s = r.json
        self.assertEqual((s["enrolled"], s["active"], s["completed"], s["stopped"]),
                         (7, 1, 1, 5))
        self.assertEqual({k: v for k, v in s["stopped_by_reason"].items() if v},
                         {"replied": 1, "bounced": 1, "failed": 1, "uncertain": 1,
                          "unsubscribed": 1})
        self.assertEqual(s["stopped_by_reason"]["removed"], 0)
        self.assertEqual(s["unsubscribed"], 1)
        self.assertEqual(s["messages"]["total"], 7)
        self.assertEqual({k: s["messages"][k] for k in ("sent", "failed", "bounced",
                                                         "uncertain", "sending", "replied")},
                         {"sent": 4, "failed": 1, "bounced": 1, "uncertain": 1, "sending": 1,
                          "replied": 1})
        self.assertEqual(s["messages"]["by_channel"]["sms"]["sent"], 1)
        self.assertEqual(s["messages"]["by_channel"]["email"]["total"], 6)
        self.assertEqual([(x["position"], x["kind"]) for x in s["steps"]],
                         [(0, "email"), (1, "call"), (2, "sms")])
        self.assertEqual(s["steps"][0]["messages"]["replied"], 1)
        self.assertEqual(s["steps"][2]["messages"]["total"], 1)
        self.assertNotIn("messages", s["steps"][1])
        self.assertEqual(s["calls"]["done"], 1)
        self.assertEqual(s["calls"]["by_outcome"]["busy"], 1)
        self.assertEqual(s["calls"]["by_outcome"]["answered"], 0)
        self.assertEqual(s["open_tasks"], 1)
        # Messages, newest first, paged, filtered by status.
        r = u.c.call("GET", C + "/" + cid + "/messages?limit=4")
        self.assertEqual([int(i["id"]) for i in r.json["items"]], m[::-1][:4])
        r = u.c.call("GET", C + "/" + cid + "/messages?limit=4&cursor=" + r.json["next_cursor"])
        self.assertEqual([int(i["id"]) for i in r.json["items"]], m[::-1][4:])
        self.assertIsNone(r.json["next_cursor"])
        r = u.c.call("GET", C + "/" + cid + "/messages?status=bounced")
        self.assertEqual(len(r.json["items"]), 1)
        b = r.json["items"][0]
        self.assertEqual((b["prospect_id"], b["position"], b["channel"], b["status"]),
                         (ps[2], 0, "email", "bounced"))
        self.assertEqual(b["error"], "550 5.1.1 unknown")
        self.assertIsNotNone(b["bounced_at"])
        self.assertTrue(b["prospect_name"].startswith("Commerce"))
        self.assertEqual(b["to_addr"], "contact@" + u.domain)
        replied = [i for i in u.c.call("GET", C + "/" + cid + "/messages").json["items"]
                   if i["replied_at"]]
        self.assertEqual([int(i["id"]) for i in replied], [m[0]])
        self.assertEqual(u.c.call("GET", C + "/" + cid + "/messages?status=x").status, 400)
        self.assertEqual(u.c.call("GET", C + "/" + cid + "/messages?nope=1").status, 400)
        r = u.c.call("GET", C + "/" + cid + "/enrollments?status=stopped&stop_reason=bounced")
        self.assertEqual([i["prospect_id"] for i in r.json["items"]], [ps[2]])
        self.assertEqual(len(u.c.call("GET", C + "/" + cid + "/enrollments?limit=3")
                             .json["items"]), 3)

    def test_remove_an_enrollment(self):
        u = self.u
        camp = u.campaign(steps=[{"kind": "call", "call_script_id": u.script}])
        cid = camp["id"]
        p, q = u.prospect(phone=phone()), u.prospect(phone=phone())
        u.c.call("POST", C + "/" + cid + "/enroll", {"prospect_ids": [p, q]})
        k = u.task(cid, p, 0)
        path = C + "/" + cid + "/enrollments/" + p
        self.assertEqual(u.c.call("DELETE", path).status, 204)
        e = u.enrollment(cid, p)
        self.assertEqual(e[1:3], ("stopped", "removed"))
        self.assertIsNone(e[4])
        self.assertEqual(t.sql("SELECT status FROM task WHERE id = %s", (k,))[0][0], "canceled")
        self.assertEqual(u.enrollment(cid, q)[1], "active")
        self.assertEqual(u.c.call("DELETE", path).status, 204)         # done already
        self.assertEqual(u.enrollment(cid, p)[2], "removed")
        self.assertEqual(u.c.call("DELETE", C + "/" + cid + "/enrollments/999999999").status,
                         404)
        # Removed, then enrolled again: once per campaign, as UNIQUE says.
        r = u.c.call("POST", C + "/" + cid + "/enroll", {"prospect_ids": [p]})
        self.assertEqual(r.json["already_enrolled"], 1)


class Tasks(Base):
    def call_campaign(self, u, steps=None):
        camp = u.campaign(steps=steps or [{"kind": "call", "call_script_id": u.script},
                                          {"kind": "email", "template_id": u.tpl}])
        u.c.call("POST", C + "/" + camp["id"] + "/start")
        return camp["id"]

    def enrolled(self, u, cid, **fields):
        body = {"email": "%s@%s" % (uuid.uuid4().hex[:8], u.domain), "phone": phone(),
                "city": "Lyon", "category": "Boulangerie"}
        body.update(fields)
        p = u.prospect(**body)
        r = u.c.call("POST", C + "/" + cid + "/enroll", {"prospect_ids": [p]})
        assert r.json["enrolled"] == 1, r
        return p

    def outcome(self, u, task, body, status=200):
        r = u.c.call("POST", "/api/v1/tasks/%s/outcome" % task, body)
        self.assertEqual(r.status, status, r)
        return r.json

    def test_list_with_rendered_script(self):
        u = Tenant("camp-tasks")
        cid = self.call_campaign(u)
        p = self.enrolled(u, cid, name="Boulangerie Martin", phone="04 72 00 00 00",
                          website="https://" + u.domain, custom_fields={"first_name": "Luc"})
        now = datetime.datetime.now(datetime.timezone.utc)
        k_today = u.task(cid, p, 0, due=now - datetime.timedelta(seconds=30))
        q = self.enrolled(u, cid, name="Garage Durand", city=None)
        k_old = u.task(cid, q, 0, due=now - datetime.timedelta(days=3))
        z = self.enrolled(u, cid, name="Café du Port")
        k_later = u.task(cid, z, 0, due=now + datetime.timedelta(days=3))
        r = u.c.call("GET", "/api/v1/tasks")
        self.assertEqual(r.status, 200, r)
        items = r.json["items"]
        self.assertEqual([int(i["id"]) for i in items], [k_old, k_today, k_later])
        task = items[1]
        self.assertEqual(task["status"], "open")
        self.assertEqual(task["campaign"]["id"], cid)
        self.assertEqual(task["prospect"]["name"], "Boulangerie Martin")
        self.assertEqual(task["prospect"]["city"], "Lyon")
        self.assertEqual(task["prospect"]["category"], "Boulangerie")
        self.assertEqual(task["prospect"]["phone"], "04 72 00 00 00")
        self.assertEqual(task["prospect"]["phone_e164"], "+33472000000")
        self.assertTrue(task["prospect"]["email"].endswith(u.domain))
        self.assertEqual(task["prospect"]["website"], "https://" + u.domain)
        self.assertEqual(task["script"]["id"], u.script)
        self.assertEqual(task["script"]["sections"], [
            {"title": "Accroche", "body": "Bonjour, c'est bien Boulangerie Martin à Lyon ?"},
            {"title": "Objection", "body": "Deux minutes, Luc."}])
        self.assertEqual(task["script"]["missing"], [])
        # A missing value leaves the text as written and names the tag.
        garage = items[0]
        self.assertEqual(garage["script"]["missing"], ["city"])
        self.assertIn("{{city}}", garage["script"]["sections"][0]["body"])
        self.assertEqual(garage["script"]["sections"][1]["body"],
                         "Deux minutes, Madame, Monsieur.")
        # Today and overdue in the campaign's local day.
        today = [int(i["id"]) for i in u.c.call("GET", "/api/v1/tasks?due=today")
                 .json["items"]]
        self.assertIn(k_today, today)
        self.assertNotIn(k_old, today)
        self.assertNotIn(k_later, today)
        self.assertEqual([int(i["id"]) for i in u.c.call("GET", "/api/v1/tasks?due=overdue")
                          .json["items"]], [k_old])
        r = u.c.call("GET", "/api/v1/tasks?limit=2")
        self.assertEqual([int(i["id"]) for i in r.json["items"]], [k_old, k_today])
        r = u.c.call("GET", "/api/v1/tasks?limit=2&cursor=" + r.json["next_cursor"])
        self.assertEqual([int(i["id"]) for i in r.json["items"]], [k_later])
        for bad, field in (("?due=tomorrow", "due"), ("?status=canceled", "status"),
                           ("?nope=1", "nope"), ("?limit=0", "limit"), ("?limit=201", "limit"),
                           ("?cursor=abc", "cursor"), ("?limit=5&cursor=0", "cursor")):
            for path in ("/api/v1/tasks", "/api/v1/campaigns"):
                if path.endswith("campaigns") and field in ("due", "status"):
                    continue
                r = u.c.call("GET", path + bad)
                self.assertEqual(r.status, 400, (path, bad))
                self.assertEqual([e["field"] for e in r.json["errors"]], [field], (path, bad))
        # A paused campaign's calls wait; done calls are listed by status.
        self.outcome(u, k_today, {"outcome": "answered", "note": "Rappeler en mai"})
        done = u.c.call("GET", "/api/v1/tasks?status=done").json["items"]
        self.assertEqual([(int(i["id"]), i["outcome"], i["note"]) for i in done],
                         [(k_today, "answered", "Rappeler en mai")])
        u.c.call("POST", C + "/" + cid + "/pause")
        self.assertEqual(u.c.call("GET", "/api/v1/tasks").json["items"], [])
        # Another user sees none of it.
        other = Tenant("camp-tasks-other")
        self.assertEqual(other.c.call("GET", "/api/v1/tasks?status=done").json["items"], [])
        self.assertEqual(other.c.call("POST", "/api/v1/tasks/%d/outcome" % k_old,
                                      {"outcome": "busy"}).status, 404)

    def test_outcomes(self):
        u = self.u
        cid = self.call_campaign(u)
        # answered (and no_answer, voicemail_left, busy, wrong_number): advance.
        for outcome in ("answered", "no_answer", "voicemail_left", "busy", "wrong_number"):
            p = self.enrolled(u, cid)
            k = u.task(cid, p, 0)
            j = self.outcome(u, k, {"outcome": outcome})
            self.assertEqual((j["task"]["status"], j["task"]["outcome"]), ("done", outcome))
            self.assertEqual((j["enrollment"]["status"], j["enrollment"]["position"]),
                             ("active", 1))
            self.assertIsNone(j["callback_task"])
            e = u.enrollment(cid, p)
            self.assertEqual(e[1:4], ("active", None, 1))
            self.assertLess(abs((e[4] - datetime.datetime.utcnow()).total_seconds()), 60)
            self.assertEqual(t.sql("SELECT status FROM prospect WHERE id = %s",
                                   (int(p),))[0][0], "new")
            # A task already done: 409, nothing changes.
            r = u.c.call("POST", "/api/v1/tasks/%d/outcome" % k, {"outcome": "interested"})
            self.assertEqual(r.status, 409, r)
            self.assertEqual(u.enrollment(cid, p)[1:4], ("active", None, 1))
        # not_interested: stopped, and the prospect says so.
        p = self.enrolled(u, cid)
        j = self.outcome(u, u.task(cid, p, 0), {"outcome": "not_interested",
                                                "note": "Pas de budget"})
        self.assertEqual((j["enrollment"]["status"], j["enrollment"]["stop_reason"]),
                         ("stopped", "not_interested"))
        self.assertEqual(j["prospect"]["status"], "not_interested")
        self.assertIsNotNone(u.enrollment(cid, p)[5])
        # ... unless stop is false: then it advances.
        p = self.enrolled(u, cid)
        j = self.outcome(u, u.task(cid, p, 0), {"outcome": "not_interested", "stop": False})
        self.assertEqual((j["enrollment"]["status"], j["enrollment"]["position"]),
                         ("active", 1))
        self.assertEqual(j["prospect"]["status"], "not_interested")
        # interested: completed, a person takes over.
        p = self.enrolled(u, cid)
        j = self.outcome(u, u.task(cid, p, 0), {"outcome": "interested"})
        self.assertEqual(j["enrollment"]["status"], "completed")
        self.assertEqual(j["prospect"]["status"], "interested")
        self.assertIsNone(u.enrollment(cid, p)[4])
        # A customer stays a customer.
        p = self.enrolled(u, cid, status="customer")
        j = self.outcome(u, u.task(cid, p, 0), {"outcome": "interested"})
        self.assertEqual(j["prospect"]["status"], "customer")
        # callback_requested: a new open task for the same step, due then.
        p = self.enrolled(u, cid)
        k = u.task(cid, p, 0)
        when = (datetime.datetime.now(PARIS) + datetime.timedelta(days=30)).replace(
            hour=14, minute=30, second=0, microsecond=0)
        j = self.outcome(u, k, {"outcome": "callback_requested",
                                "callback_at": when.isoformat()})
        self.assertEqual(parse_iso(j["callback_task"]["due_at"]), when)
        row = t.sql("SELECT status, position, attempt, due_at, call_script_id FROM task"
                    " WHERE id = %s", (int(j["callback_task"]["id"]),))[0]
        self.assertEqual(row[:3], ("open", 0, 1))
        self.assertEqual(row[3].replace(tzinfo=datetime.timezone.utc), when)
        self.assertEqual(str(row[4]), u.script)
        e = u.enrollment(cid, p)
        self.assertEqual((e[1], e[3], e[4]), ("active", 0, None))
        # Again from the callback; without a time: the next window opening.
        j = self.outcome(u, j["callback_task"]["id"], {"outcome": "callback_requested"})
        due = parse_iso(j["callback_task"]["due_at"])
        self.assertEqual(due, nth_opening(1))
        self.assertEqual(t.sql("SELECT attempt FROM task WHERE id = %s",
                               (int(j["callback_task"]["id"]),))[0][0], 2)
        # A local time without offset is the campaign's; Z is UTC.
        j = self.outcome(u, j["callback_task"]["id"], {
            "outcome": "callback_requested",
            "callback_at": when.replace(tzinfo=None).isoformat(timespec="minutes")})
        self.assertEqual(parse_iso(j["callback_task"]["due_at"]), when)
        j = self.outcome(u, j["callback_task"]["id"], {
            "outcome": "callback_requested",
            "callback_at": when.astimezone(datetime.timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%S.123Z")})
        self.assertEqual(parse_iso(j["callback_task"]["due_at"]), when)
        last = j["callback_task"]["id"]
        # Rules of the body.
        self.outcome(u, last, {"outcome": "answered", "stop": True}, 422)
        self.outcome(u, last, {"outcome": "busy", "callback_at": when.isoformat()}, 422)
        later = when + datetime.timedelta(days=400)
        for bad in ("demain", "%d-02-30T10:00:00Z" % when.year, "2020-01-01T10:00:00Z",
                    later.isoformat(), when.strftime("%Y-%m-%dT%H:%M:%S+0100"),
                    when.strftime("%Y-%m-%dT25:%M:%SZ")):
            r = u.c.call("POST", "/api/v1/tasks/%s/outcome" % last,
                         {"outcome": "callback_requested", "callback_at": bad})
            self.assertIn(("callback_at", "time"), self.errors(r), bad)
        self.outcome(u, last, {"outcome": "maybe"}, 400)
        self.outcome(u, last, {}, 400)
        self.outcome(u, "999999999", {"outcome": "busy"}, 404)
        self.assertEqual(t.sql("SELECT status FROM task WHERE id = %s", (int(last),))[0][0],
                         "open")

    def test_advance_past_the_end_and_into_a_wait(self):
        u = self.u
        # A call as the last step: answered completes.
        cid = self.call_campaign(u, [{"kind": "email", "template_id": u.tpl},
                                     {"kind": "call", "call_script_id": u.script}])
        p = self.enrolled(u, cid)
        j = self.outcome(u, u.task(cid, p, 1), {"outcome": "busy"})
        self.assertEqual((j["enrollment"]["status"], j["enrollment"]["position"]),
                         ("completed", 2))
        # A wait after the call waits, timed as the sender times one.
        cid = self.call_campaign(u, [{"kind": "call", "call_script_id": u.script},
                                     {"kind": "wait", "days": 2},
                                     {"kind": "email", "template_id": u.tpl}])
        p = self.enrolled(u, cid)
        j = self.outcome(u, u.task(cid, p, 0), {"outcome": "answered"})
        self.assertEqual(j["enrollment"]["position"], 1)
        self.assertEqual(parse_iso(j["enrollment"]["due_at"]), nth_opening(2))
        # A task whose enrollment stopped meanwhile only records the call.
        p = self.enrolled(u, cid)
        k = u.task(cid, p, 0)
        t.sql("UPDATE enrollment SET status = 'stopped', stop_reason = 'replied'"
              " WHERE campaign_id = %s AND prospect_id = %s", (int(cid), int(p)))
        j = self.outcome(u, k, {"outcome": "callback_requested"})
        self.assertIsNone(j["callback_task"])
        self.assertEqual((j["enrollment"]["status"], j["task"]["status"]), ("stopped", "done"))


class Unsubscribe(Base):
    def setUp(self):
        u = self.u
        self.c1 = u.campaign(steps=[{"kind": "email", "template_id": u.tpl}])["id"]
        self.c2 = u.campaign(steps=[{"kind": "call", "call_script_id": u.script},
                                    {"kind": "email", "template_id": u.tpl}])["id"]
        self.domain = "unsub-%s.example" % uuid.uuid4().hex[:8]
        self.addr = "Desinscrit@" + self.domain.upper()
        self.p = u.prospect(email=self.addr, phone=phone())
        self.q = u.prospect(email="reste.%s@%s" % (uuid.uuid4().hex[:6], u.domain),
                            phone=phone())
        for cid in (self.c1, self.c2):
            u.c.call("POST", C + "/" + cid + "/enroll", {"prospect_ids": [self.p, self.q]})
            u.c.call("POST", C + "/" + cid + "/start")
        self.task = u.task(self.c2, self.p, 0)
        self.mid = u.message(self.c1, self.p, 0, to_addr=self.addr)
        self.url = "/api/v1/u/" + unsub_token(self.mid)

    def suppressions(self):
        return t.sql("SELECT kind, reason, hint FROM suppression WHERE user_id = %s"
                     " AND reason = 'unsubscribe' AND hint LIKE %s",
                     (self.u.id, "%" + self.domain))

    def state(self):
        return [self.u.enrollment(c, p)[1:3] for c in (self.c1, self.c2)
                for p in (self.p, self.q)]

    def test_get_shows_a_page_and_changes_nothing(self):
        before = (self.suppressions(), self.state())
        r = t.request("GET", self.url)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "text/html; charset=utf-8")
        page = r.body.decode()
        self.assertIn('<html lang="fr">', page)
        self.assertIn("Ne plus recevoir", page)
        self.assertIn('lang="en"', page)
        self.assertIn('<form method="post">', page)
        self.assertIn('name="List-Unsubscribe" value="One-Click"', page)
        self.assertIn("d…@" + self.domain, page)
        self.assertNotIn(self.addr, page)
        self.assertNotIn("http", page)          # nothing loaded from elsewhere
        self.assertNotIn("src=", page)
        self.assertEqual(r.header("Set-Cookie"), None)
        self.assertEqual(t.request("HEAD", self.url).status, 200)
        self.assertEqual((self.suppressions(), self.state()), before)
        self.assertEqual(self.state(), [("active", None)] * 4)

    def test_one_click_urlencoded_then_replay(self):
        # From a mail client: no cookie, no CSRF token, any Origin.
        r = t.request("POST", self.url, "List-Unsubscribe=One-Click",
                      {"Content-Type": "application/x-www-form-urlencoded",
                       "Origin": "https://mail.example.net"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "text/html; charset=utf-8")
        self.assertIn("C’est fait", r.body.decode())
        self.assertEqual(self.suppressions(),
                         (("email", "unsubscribe", "d…@" + self.domain),))
        self.assertEqual(self.state(), [("stopped", "unsubscribed"), ("active", None)] * 2)
        self.assertEqual(t.sql("SELECT status FROM task WHERE id = %s", (self.task,))[0][0],
                         "canceled")
        self.assertEqual(self.c.call("GET", "/api/v1/prospects/" + str(self.p)).json["status"],
                         "do_not_contact")
        e = self.u.enrollment(self.c1, self.p)
        self.assertIsNone(e[4])
        self.assertIsNotNone(e[5])
        # The same again: the same page, nothing new.
        finished = e[5]
        r = t.request("POST", self.url, "List-Unsubscribe=One-Click",
                      {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(self.suppressions()), 1)
        self.assertEqual(self.u.enrollment(self.c1, self.p)[5], finished)
        # And the prospect can no longer be enrolled, even with its status
        # set back by hand: the list holds.
        c3 = self.u.campaign()["id"]
        r = self.c.call("POST", C + "/" + c3 + "/enroll", {"prospect_ids": [self.p]})
        self.assertEqual(r.json["do_not_contact"], 1)
        self.assertEqual(self.c.call("PATCH", "/api/v1/prospects/" + str(self.p),
                                     {"status": "new"}).status, 200)
        r = self.c.call("POST", C + "/" + c3 + "/enroll", {"prospect_ids": [self.p]})
        self.assertEqual(r.json["suppressed"], 1)

    def test_one_click_multipart(self):
        body = ("--b0undary\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n"
                "\r\nOne-Click\r\n--b0undary--\r\n")
        r = t.request("POST", self.url, body,
                      {"Content-Type": "multipart/form-data; boundary=b0undary"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(self.suppressions()), 1)
        self.assertEqual(self.state(), [("stopped", "unsubscribed"), ("active", None)] * 2)

    def test_bad_requests_change_nothing(self):
        before = (self.suppressions(), self.state())
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        for body, headers, status in (
                ("List-Unsubscribe=Other", form, 400),
                ("List-Unsubscribe=One-Click&List-Unsubscribe=One-Click", form, 400),
                ("x=1", form, 400),
                ("List-Unsubscribe=%ZZ", form, 400),
                ("", form, 400),
                ({}, {}, 400),
                ("List-Unsubscribe=One-Click", {"Content-Type": "text/plain"}, 415),
                ("--x\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"; "
                 "filename=\"a\"\r\n\r\nOne-Click\r\n--x--\r\n",
                 {"Content-Type": "multipart/form-data; boundary=x"}, 400)):
            r = t.request("POST", self.url, body, headers)
            self.assertEqual(r.status, status, (body, r))
            if status == 400:
                self.assertEqual(r.header("Content-Type"), "text/html; charset=utf-8")
                self.assertIn("One-Click", r.body.decode())
        self.assertEqual((self.suppressions(), self.state()), before)

    def test_forged_tokens(self):
        token = unsub_token(self.mid)
        forged = [token[:-1] + ("A" if token[-1] != "A" else "B"), token[:-2], "x" * 32,
                  unsub_token(self.mid)[:11] + "A" * 21]
        for tok in forged:
            for method in ("GET", "POST"):
                r = t.request(method, "/api/v1/u/" + tok, "List-Unsubscribe=One-Click",
                              {"Content-Type": "application/x-www-form-urlencoded"})
                self.assertEqual(r.status, 404, (tok, r))
                self.assertEqual(r.header("Content-Type"), "text/html; charset=utf-8")
        self.assertEqual(self.state(), [("active", None)] * 4)
        # A real token of a message that is gone (its prospect erased).
        r = t.request("POST", "/api/v1/u/" + unsub_token(999999999), "List-Unsubscribe=One-Click",
                      {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.suppressions(), ())
        self.assertEqual(t.request("PUT", self.url).status, 405)


class Isolation(Base):
    def test_another_user_reaches_nothing(self):
        u = self.u
        camp = u.campaign(steps=[{"kind": "call", "call_script_id": u.script}])
        cid = camp["id"]
        p = u.prospect(phone=phone())
        u.c.call("POST", C + "/" + cid + "/enroll", {"prospect_ids": [p]})
        u.c.call("POST", C + "/" + cid + "/start")
        k = u.task(cid, p, 0)
        other = Tenant("camp-iso")
        o = other.c
        path = C + "/" + cid
        for method, sub, body in (("GET", "", None), ("PATCH", "", {"name": "x"}),
                                  ("DELETE", "", None), ("POST", "/start", None),
                                  ("POST", "/pause", None), ("POST", "/resume", None),
                                  ("POST", "/archive", None), ("GET", "/stats", None),
                                  ("GET", "/messages", None), ("GET", "/enrollments", None),
                                  ("POST", "/enroll", {"prospect_ids": [p]}),
                                  ("DELETE", "/enrollments/" + p, None)):
            r = o.call(method, path + sub, body)
            self.assertEqual(r.status, 404, (method, sub, r))
            self.assertEqual(r.json["code"], "not_found")
        self.assertEqual(o.call("POST", "/api/v1/tasks/%d/outcome" % k,
                                {"outcome": "busy"}).status, 404)
        self.assertEqual(o.call("GET", C).json["items"], [])
        # Nothing of the user's can go into the other's campaign.
        r = o.call("POST", C, {"name": "x", "sending_account_id": u.email_acct,
                               "sms_account_id": u.sms_acct,
                               "steps": [{"kind": "email", "template_id": u.tpl},
                                         {"kind": "call", "call_script_id": u.script}]})
        self.assertEqual(self.errors(r), {("sending_account_id", "not_found"),
                                          ("sms_account_id", "not_found"),
                                          ("steps[0].template_id", "not_found"),
                                          ("steps[1].call_script_id", "not_found")})
        mine = other.campaign(steps=[{"kind": "call", "call_script_id": other.script}])
        r = o.call("POST", C + "/" + mine["id"] + "/enroll", {"prospect_ids": [p]})
        self.assertEqual(r.json["not_found"], 1)
        self.assertEqual(r.json["enrolled"], 0)
        # And the user's campaign is as it was.
        r = u.c.call("GET", path)
        self.assertEqual((r.json["status"], r.json["name"]), ("running", camp["name"]))
        self.assertEqual(u.enrollment(cid, p)[1], "active")
        self.assertEqual(t.sql("SELECT status FROM task WHERE id = %s", (k,))[0][0], "open")


if __name__ == "__main__":
    t.main()
