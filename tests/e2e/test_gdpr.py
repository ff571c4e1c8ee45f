"""The GDPR & data space (issue 6, handlers/gdpr): the account and its
e-mail change, the streamed export (every kind of record of the user, none
of another's), erasure with its cancel link and the login it refuses,
restriction, objections, post-mortem directives, privacy requests, admin
accesses and the public subprocessor list; with bad input, no session
(401) and no CSRF token (403) on every route."""

import json
import os
import re
import unittest
import uuid

import prospea_test as t

PW = "Des fraises en hiver 2026"
A = "/api/v1/account"
G = "/api/v1/gdpr"


def uniq():
    return uuid.uuid4().hex[:10]


def insert(query, args):
    """Runs an INSERT as the administrator; returns the new row's id."""
    c = t.db()
    try:
        with c.cursor() as cur:
            cur.execute(query, args)
            return cur.lastrowid
    finally:
        c.close()


def seed(c, addr, mark):
    """Gives the account signed in as c one record of every kind, each
    carrying mark, through the API where it is easy and as the database's
    administrator where it is not (campaign runs, invoices, admin audit
    rows). Returns the marked values the export must hold."""
    uid = t.user_id(addr)
    t.without_limits(addr)
    r = c.call("POST", "/api/v1/prospects", {
        "name": "Boulangerie " + mark, "city": "Lyon", "email": "contact@%s.example" % mark,
        "tags": ["tag" + mark], "note": "Note " + mark})
    assert r.status == 201, r
    pid = int(r.json["id"])
    r = c.call("POST", "/api/v1/templates", {"name": "Modèle " + mark, "channel": "email",
                                             "subject": "Objet " + mark, "body": "Corps " + mark})
    assert r.status == 201, r
    tpl = int(r.json["id"])
    r = c.call("POST", "/api/v1/call-scripts", {"name": "Script " + mark,
                                                "body": "Bonjour " + mark})
    assert r.status == 201, r
    ports = t.stack_ports()
    r = c.call("POST", "/api/v1/sending-accounts", {
        "channel": "email", "name": "Boîte " + mark, "from_email": "moi@%s.example" % mark,
        "smtp_host": "127.0.0.1", "smtp_port": ports["SUBMIT_PORT"],
        "smtp_security": "starttls", "smtp_username": "moi@%s.example" % mark,
        "smtp_password": "secret-smtp-" + mark})
    assert r.status == 201, r
    acct = int(r.json["id"])
    r = c.call("POST", G + "/requests", {"kind": "access", "message": "Demande " + mark})
    assert r.status == 201, r
    r = c.call("PUT", G + "/post-mortem", {"directives": "Directives " + mark,
                                           "trusted_contact": {"name": "Tiers " + mark}})
    assert r.status == 200, r
    camp = insert("INSERT INTO campaign (user_id, name, status, email_account_id, "
                  "created_at, updated_at) VALUES (%s, %s, 'paused', %s, NOW(), NOW())",
                  (uid, "Campagne " + mark, acct))
    insert("INSERT INTO campaign_step (user_id, campaign_id, position, kind, template_id) "
           "VALUES (%s, %s, 0, 'email', %s)", (uid, camp, tpl))
    enr = insert("INSERT INTO enrollment (user_id, campaign_id, prospect_id, enrolled_at, "
                 "updated_at) VALUES (%s, %s, %s, NOW(), NOW())", (uid, camp, pid))
    insert("INSERT INTO message (user_id, campaign_id, enrollment_id, prospect_id, position, "
           "channel, sending_account_id, status, to_addr, subject, body, created_at, sent_at) "
           "VALUES (%s, %s, %s, %s, 0, 'email', %s, 'sent', %s, %s, %s, NOW(), NOW())",
           (uid, camp, enr, pid, acct, "contact@%s.example" % mark, "Sujet " + mark,
            "Message " + mark))
    insert("INSERT INTO task (user_id, campaign_id, enrollment_id, prospect_id, position, "
           "status, outcome, note, due_at, done_at, created_at) VALUES (%s, %s, %s, %s, 1, "
           "'done', 'interested', %s, NOW(), NOW(), NOW())",
           (uid, camp, enr, pid, "Appel " + mark))
    insert("INSERT INTO invoice (user_id, stripe_invoice_id, stripe_customer_id, number, "
           "status, currency, subtotal, total, amount_due, amount_paid, amount_remaining, "
           "stripe_created, event_at, retain_until, created_at, updated_at) VALUES (%s, %s, "
           "'cus_x', %s, 'paid', 'eur', 2900, 2900, 2900, 2900, 0, NOW(), 1, "
           "CURDATE() + INTERVAL 10 YEAR, NOW(), NOW())",
           (uid, "in_" + mark, "F-" + mark))
    insert("INSERT INTO admin_audit (admin_id, target_user_id, action, reason, ip, "
           "created_at) VALUES (1, %s, 'user_view', %s, '192.0.2.7', NOW(3))",
           (uid, "Support " + mark))
    insert("INSERT INTO import_job (user_id, status, filename, options, created_at) "
           "VALUES (%s, 'done', %s, '{}', NOW())", (uid, "import-%s.csv" % mark))
    insert("INSERT INTO enrich_job (user_id, prospect_id, status, created_at) "
           "VALUES (%s, %s, 'done', NOW())", (uid, pid))
    insert("INSERT INTO suppression (user_id, kind, value_hash, hint, reason, created_at) "
           "VALUES (%s, 'email', %s, %s, 'manual', NOW())",
           (uid, os.urandom(32), "s***@%s.example" % mark))
    return {"prospect": "Boulangerie " + mark, "note": "Note " + mark, "tag": "tag" + mark,
            "template": "Corps " + mark, "script": "Bonjour " + mark,
            "account": "Boîte " + mark, "request": "Demande " + mark,
            "directive": "Directives " + mark, "campaign": "Campagne " + mark,
            "message": "Message " + mark, "task": "Appel " + mark, "invoice": "F-" + mark,
            "admin": "Support " + mark, "import": "import-%s.csv" % mark,
            "suppression": "s***@%s.example" % mark, "email": addr}


class Unauthenticated(unittest.TestCase):
    ROUTES = [("GET", A), ("PATCH", A), ("GET", G + "/export"), ("POST", G + "/erasure"),
              ("GET", G + "/restriction"), ("PUT", G + "/restriction"),
              ("GET", G + "/objections"), ("PUT", G + "/objections"),
              ("GET", G + "/post-mortem"), ("PUT", G + "/post-mortem"),
              ("DELETE", G + "/post-mortem"), ("GET", G + "/requests"),
              ("POST", G + "/requests"), ("GET", G + "/admin-access")]

    def test_no_session_401(self):
        for method, path in self.ROUTES:
            r = t.request(method, path, {} if method not in ("GET", "DELETE") else None)
            self.assertEqual(r.status, 401, (method, path, r))

    def test_no_csrf_403(self):
        c, _ = t.logged_in(prefix="gdprcsrf")
        bodies = {A: {"first_name": "X"}, G + "/erasure": {"password": PW},
                  G + "/restriction": {"restricted": True},
                  G + "/objections": {"analytics": True, "product_emails": True},
                  G + "/post-mortem": {"directives": "x"},
                  G + "/requests": {"kind": "other", "message": "x"}}
        for method, path in self.ROUTES:
            if method == "GET":
                continue
            r = c.call(method, path, bodies.get(path) if method != "DELETE" else None,
                       csrf=False)
            self.assertEqual(r.status, 403, (method, path, r))
        # Nothing changed: the account is open and its name the same.
        r = c.call("GET", A)
        self.assertEqual((r.status, r.json["status"], r.json["first_name"]),
                         (200, "active", "Zoé"))

    def test_subprocessors_public(self):
        r = t.request("GET", "/api/v1/legal/subprocessors")
        self.assertEqual(r.status, 200, r)
        items = r.json["items"]
        n = t.sql("SELECT COUNT(*) FROM subprocessor")[0][0]
        self.assertEqual(len(items), n)
        self.assertGreaterEqual(n, 4)
        for s in items:
            self.assertEqual(set(s), {"name", "purpose", "location", "transfer_safeguard",
                                      "added_at"})
        self.assertEqual(items[0]["name"], "Scaleway SAS")
        self.assertEqual(t.request("POST", "/api/v1/legal/subprocessors", {}).status, 405)


class Account(unittest.TestCase):
    def setUp(self):
        self.c, self.addr = t.logged_in(prefix="gdpracct")

    def test_read_and_rectify(self):
        r = self.c.call("GET", A)
        self.assertEqual(r.status, 200, r)
        j = r.json
        self.assertEqual((j["email"], j["first_name"], j["last_name"], j["default_region"]),
                         (self.addr, "Zoé", "Martin", "FR"))
        self.assertIsNone(j["pending_email"])
        r = self.c.call("PATCH", A, {"first_name": "Anne", "last_name": "Durand",
                                     "default_region": "be"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["first_name"], r.json["last_name"],
                          r.json["default_region"]), ("Anne", "Durand", "BE"))
        self.assertEqual(self.c.call("GET", A).json["first_name"], "Anne")
        # A partial change keeps the rest.
        r = self.c.call("PATCH", A, {"last_name": "Roux"})
        self.assertEqual((r.json["first_name"], r.json["last_name"]), ("Anne", "Roux"))
        # The company prospects read ({{sender_company}}): set, kept, cleared.
        self.assertIsNone(j["company_name"])
        r = self.c.call("PATCH", A, {"company_name": "Boulangerie Durand SARL"})
        self.assertEqual(r.json["company_name"], "Boulangerie Durand SARL")
        self.assertEqual(self.c.call("PATCH", A, {"last_name": "Roux"}).json["company_name"],
                         "Boulangerie Durand SARL")
        self.assertIsNone(self.c.call("PATCH", A, {"company_name": None}).json["company_name"])
        self.assertEqual(self.c.call("PATCH", A, {"company_name": ""}).status, 400)

    def test_bad_input(self):
        for body, status in (({"first_name": ""}, 400), ({"first_name": "x" * 101}, 400),
                             ({"first_name": None}, 400), ({"nickname": "x"}, 400),
                             ({"email": "not-an-address"}, 400),
                             ({"default_region": "FRA"}, 400),
                             ({"default_region": "ZZ"}, 422),
                             ({"email": "zoé@exemple.fr"}, 422), ({"first_name": 5}, 400)):
            r = self.c.call("PATCH", A, body)
            self.assertEqual(r.status, status, (body, r))
        self.assertEqual(self.c.call("GET", A).json["first_name"], "Zoé")

    def test_email_change(self):
        new = t.unique_email("gdprnew")
        r = self.c.call("PATCH", A, {"email": new})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["email"], r.json["pending_email"]), (self.addr, new))
        link = t.wait_mail(new)[-1]
        self.assertIn("/confirm-email#token=", t.mail_text(link))
        old = t.wait_mail(self.addr, 2)[-1]
        self.assertIn("Changement", old["Subject"])
        self.assertNotIn("#token=", t.mail_text(old))
        # Until confirmed, nothing changed: the old address still signs in.
        self.assertEqual(t.Client().login(self.addr, PW).status, 200)
        tok = t.token_from(link)
        r = t.request("POST", A + "/email/confirm", {"token": tok})
        self.assertEqual(r.status, 204, r)
        self.assertEqual(t.request("POST", A + "/email/confirm", {"token": tok}).status, 400)
        r = self.c.call("GET", A)
        self.assertEqual((r.json["email"], r.json["pending_email"]), (new, None))
        self.assertEqual(t.Client().login(new, PW).status, 200)
        self.assertEqual(t.Client().login(self.addr, PW).status, 401)
        uid = t.user_id(new)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM security_event WHERE user_id = %s "
                               "AND kind = 'email_changed'", (uid,))[0][0], 1)
        for body in ({"token": "short"}, {"token": "A" * 43}, {}, {"token": tok, "x": 1}):
            self.assertEqual(t.request("POST", A + "/email/confirm", body).status, 400, body)

    def test_email_change_superseded_and_withdrawn(self):
        first, second = t.unique_email("gdprfirst"), t.unique_email("gdprsecond")
        self.assertEqual(self.c.call("PATCH", A, {"email": first}).status, 200)
        tok1 = t.token_from(t.wait_mail(first)[-1])
        self.assertEqual(self.c.call("PATCH", A, {"email": second}).status, 200)
        tok2 = t.token_from(t.wait_mail(second)[-1])
        # The earlier link no longer applies; the current address withdraws.
        self.assertEqual(t.request("POST", A + "/email/confirm", {"token": tok1}).status, 400)
        r = self.c.call("PATCH", A, {"email": self.addr.upper()})
        self.assertEqual((r.status, r.json["pending_email"]), (200, None))
        self.assertEqual(t.request("POST", A + "/email/confirm", {"token": tok2}).status, 400)
        self.assertEqual(self.c.call("GET", A).json["email"], self.addr)

    def test_email_taken_not_leaked(self):
        other = t.verified_user(prefix="gdprother")
        free = t.unique_email("gdprfree")
        r1 = self.c.call("PATCH", A, {"email": other})
        r2 = self.c.call("PATCH", A, {"email": free})
        self.assertEqual((r1.status, r2.status), (200, 200))
        self.assertEqual(r1.json["pending_email"], other)
        self.assertEqual(set(r1.json), set(r2.json))
        # The other account's owner is told, without a link.
        notice = t.wait_mail(other, 2)[-1]
        self.assertNotIn("#token=", t.mail_text(notice))
        self.assertIn("déjà", t.mail_text(notice))
        # The requester's record of mail sent looks the same either way.
        uid = t.user_id(self.addr)
        rows = t.sql("SELECT to_addr, kind, subject FROM transactional_email "
                     "WHERE user_id = %s AND to_addr IN (%s, %s)", (uid, other, free))
        self.assertEqual(len(rows), 2)
        self.assertEqual(len({(k, s) for _, k, s in rows}), 1)
        self.assertEqual(self.c.call("GET", A).json["email"], self.addr)

    def test_email_change_throttled(self):
        for i in range(6):
            r = self.c.call("PATCH", A, {"email": t.unique_email("gdprthr")})
            self.assertEqual(r.status, 200, (i, r))
        r = self.c.call("PATCH", A, {"email": t.unique_email("gdprthr")})
        self.assertEqual(r.status, 429, r)
        self.assertTrue(r.header("Retry-After"))
        # Names can still be rectified.
        self.assertEqual(self.c.call("PATCH", A, {"first_name": "Léa"}).status, 200)


class Erasure(unittest.TestCase):
    def test_erase_refused_login_cancel(self):
        c, addr = t.logged_in(prefix="gdprerase")
        uid = t.user_id(addr)
        other = t.Client()
        self.assertEqual(other.login(addr, PW).status, 200)
        r = c.call("POST", G + "/erasure", {"password": "not the password"})
        self.assertEqual((r.status, r.json["code"]), (401, "invalid_password"))
        for body in ({}, {"password": ""}, {"password": PW, "now": True}):
            self.assertEqual(c.call("POST", G + "/erasure", body).status, 400, body)
        self.assertEqual(c.call("GET", A).json["status"], "active")
        r = c.call("POST", G + "/erasure", {"password": PW})
        self.assertEqual(r.status, 202, r)
        due = r.json["erasure_due_at"]
        st, closed, due_db, days = t.sql(
            "SELECT status, closed_at IS NOT NULL, erasure_due_at, "
            "TIMESTAMPDIFF(HOUR, erasure_requested_at, erasure_due_at) "
            "FROM user_account WHERE id = %s", (uid,))[0]
        self.assertEqual((st, closed, days), ("closed", 1, 30 * 24))
        self.assertEqual(due[:10], str(due_db)[:10])
        # Every session is gone, this one and the other.
        self.assertEqual(c.call("GET", A).status, 401)
        self.assertEqual(other.call("GET", A).status, 401)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM session WHERE user_id = %s "
                               "AND revoked_at IS NULL", (uid,))[0][0], 0)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM security_event WHERE user_id = %s "
                               "AND kind = 'erasure_requested'", (uid,))[0][0], 1)
        # Login: the right password learns the date; a wrong one nothing.
        r = t.Client().login(addr, PW)
        self.assertEqual((r.status, r.json["code"]), (403, "account_closed"), r)
        self.assertEqual(r.json["erasure_due_at"], due)
        self.assertIn(due[:10], r.json["detail"])
        self.assertIn("cancel", r.json["detail"])
        r = t.Client().login(addr, "wrong password here")
        self.assertEqual((r.status, r.json["code"]), (401, "invalid_credentials"))
        mail = t.wait_mail(addr, 2)[-1]        # the verification, then this
        self.assertIn("fermé", mail["Subject"])
        # A forgotten password does not reopen it: no reset link is sent.
        self.assertEqual(t.request("POST", "/api/v1/auth/password/forgot",
                                   {"email": addr}).status, 202)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM auth_token WHERE user_id = %s "
                               "AND kind = 'password_reset'", (uid,))[0][0], 0)
        tok = t.token_from(mail)
        self.assertIn("/cancel-erasure#token=", t.mail_text(mail))
        self.assertIn(due[:10], t.mail_text(mail))
        self.assertEqual(t.request("POST", G + "/erasure/cancel", {"token": "B" * 43}).status,
                         400)
        self.assertEqual(t.request("POST", G + "/erasure/cancel", {}).status, 400)
        r = t.request("POST", G + "/erasure/cancel", {"token": tok})
        self.assertEqual(r.status, 204, r)
        self.assertEqual(t.request("POST", G + "/erasure/cancel", {"token": tok}).status, 400)
        self.assertEqual(t.sql("SELECT status, closed_at, erasure_requested_at, "
                               "erasure_due_at FROM user_account WHERE id = %s", (uid,))[0],
                         ("active", None, None, None))
        c2 = t.Client()
        self.assertEqual(c2.login(addr, PW).status, 200)
        self.assertEqual(c2.call("GET", A).json["erasure_due_at"], None)
        self.assertIn("rouvert", t.wait_mail(addr, 3)[-1]["Subject"])

    def test_cancel_expired(self):
        c, addr = t.logged_in(prefix="gdprexp")
        uid = t.user_id(addr)
        self.assertEqual(c.call("POST", G + "/erasure", {"password": PW}).status, 202)
        tok = t.token_from(t.wait_mail(addr, 2)[-1])
        # The purge date has passed: the link no longer reopens the account.
        t.sql("UPDATE user_account SET erasure_due_at = NOW(3) - INTERVAL 1 SECOND "
              "WHERE id = %s", (uid,))
        self.assertEqual(t.request("POST", G + "/erasure/cancel", {"token": tok}).status, 400)
        self.assertEqual(t.sql("SELECT status FROM user_account WHERE id = %s", (uid,))[0][0],
                         "closed")


class Rights(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c, cls.addr = t.logged_in(prefix="gdprrights")
        cls.other, cls.other_addr = t.logged_in(prefix="gdprrights2")

    def test_restriction(self):
        r = self.c.call("GET", G + "/restriction")
        self.assertEqual(r.json, {"restricted": False, "restricted_at": None})
        r = self.c.call("PUT", G + "/restriction", {"restricted": True,
                                                     "reason": "Données inexactes"})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["restricted"])
        self.assertTrue(r.json["restricted_at"])
        req = [q for q in self.c.call("GET", G + "/requests").json["items"]
               if q["id"] == r.json["request_id"]]
        self.assertEqual((req[0]["kind"], req[0]["message"]), ("restriction",
                                                               "Données inexactes"))
        since = r.json["restricted_at"]
        # Again: the restriction keeps its start; GDPR routes keep working.
        r = self.c.call("PUT", G + "/restriction", {"restricted": True})
        self.assertEqual((r.json["restricted_at"], "request_id" in r.json), (since, False))
        self.assertEqual(self.c.call("GET", G + "/objections").status, 200)
        self.assertEqual(self.other.call("GET", G + "/restriction").json["restricted"], False)
        r = self.c.call("PUT", G + "/restriction", {"restricted": False})
        self.assertEqual(r.json, {"restricted": False, "restricted_at": None})
        uid = t.user_id(self.addr)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM security_event WHERE user_id = %s "
                               "AND kind IN ('restriction_set', 'restriction_lifted')",
                               (uid,))[0][0], 3)
        for body in ({}, {"restricted": "yes"}, {"restricted": True, "reason": ""},
                     {"restricted": True, "reason": "x" * 2001}, {"restricted": 1}):
            self.assertEqual(self.c.call("PUT", G + "/restriction", body).status, 400, body)

    def test_objections(self):
        r = self.c.call("GET", G + "/objections")
        self.assertEqual((r.json["analytics"], r.json["product_emails"]), (False, False))
        r = self.c.call("PUT", G + "/objections", {"analytics": True, "product_emails": False})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["analytics"], r.json["product_emails"]), (True, False))
        self.assertTrue(r.json["analytics_at"])
        uid = t.user_id(self.addr)
        self.assertEqual(t.sql("SELECT objects_analytics_at IS NOT NULL, "
                               "objects_product_emails_at IS NULL FROM user_account "
                               "WHERE id = %s", (uid,))[0], (1, 1))
        # analytics_emit() now writes nothing for this user.
        n = t.sql("SELECT COUNT(*) FROM analytics_event WHERE name = 'gdpr_test'")[0][0]
        t.sql("CALL analytics_emit(%s, 'gdpr_test')", (uid,))
        self.assertEqual(t.sql("SELECT COUNT(*) FROM analytics_event "
                               "WHERE name = 'gdpr_test'")[0][0], n)
        r = self.c.call("PUT", G + "/objections", {"analytics": False, "product_emails": True})
        self.assertEqual((r.json["analytics"], r.json["product_emails"]), (False, True))
        for body in ({}, {"analytics": True}, {"analytics": "no", "product_emails": True},
                     {"analytics": True, "product_emails": True, "sms": True}):
            self.assertEqual(self.c.call("PUT", G + "/objections", body).status, 400, body)

    def test_post_mortem(self):
        c, _ = t.logged_in(prefix="gdprpm")
        self.assertEqual(c.call("GET", G + "/post-mortem").status, 404)
        self.assertEqual(c.call("DELETE", G + "/post-mortem").status, 404)
        body = {"directives": "Effacer mon compte.\nPrévenir mon associé.",
                "trusted_contact": {"name": "Paul Martin", "email": "paul@exemple.fr",
                                    "phone": "+33 6 12 34 56 78"}}
        r = c.call("PUT", G + "/post-mortem", body)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["directives"], r.json["trusted_contact"]),
                         (body["directives"], body["trusted_contact"]))
        r = c.call("PUT", G + "/post-mortem", {"directives": "Tout conserver."})
        self.assertEqual((r.json["directives"], r.json["trusted_contact"]),
                         ("Tout conserver.", {"name": None, "email": None, "phone": None}))
        self.assertEqual(c.call("GET", G + "/post-mortem").json["directives"], "Tout conserver.")
        self.assertEqual(self.other.call("GET", G + "/post-mortem").status, 404)
        for bad in ({}, {"directives": ""}, {"directives": "x" * 10001},
                    {"directives": "x", "trusted_contact": "Paul"},
                    {"directives": "x", "trusted_contact": {}},
                    {"directives": "x", "trusted_contact": {"name": "P", "age": 3}},
                    {"directives": "x", "trusted_contact": {"email": "nope"}},
                    {"directives": "x", "trusted_contact": {"phone": "06 12 <b>"}}):
            self.assertEqual(c.call("PUT", G + "/post-mortem", bad).status, 400, bad)
        self.assertEqual(c.call("DELETE", G + "/post-mortem").status, 204)
        self.assertEqual(c.call("GET", G + "/post-mortem").status, 404)

    def test_requests(self):
        c, _ = t.logged_in(prefix="gdprreq")
        ids = []
        for kind in ("access", "portability", "other"):
            r = c.call("POST", G + "/requests", {"kind": kind, "message": "Ma demande " + kind})
            self.assertEqual(r.status, 201, r)
            self.assertEqual((r.json["kind"], r.json["status"], r.json["overdue"]),
                             (kind, "open", False))
            ids.append(r.json["id"])
        row = t.sql("SELECT TIMESTAMPDIFF(DAY, created_at, due_at) FROM privacy_request "
                    "WHERE id = %s", (ids[0],))[0][0]
        self.assertEqual(row, 30)
        r = c.call("GET", G + "/requests?limit=2")
        self.assertEqual([q["id"] for q in r.json["items"]], ids[:0:-1])
        r = c.call("GET", G + "/requests?limit=2&cursor=" + r.json["next_cursor"])
        self.assertEqual(([q["id"] for q in r.json["items"]], r.json["next_cursor"]),
                         ([ids[0]], None))
        self.assertEqual(self.other.call("GET", G + "/requests").json["items"], [])
        # Overdue once the due date has passed (the admin queue's rule).
        t.sql("UPDATE privacy_request SET due_at = NOW() - INTERVAL 1 DAY WHERE id = %s",
              (ids[0],))
        self.assertTrue([q for q in c.call("GET", G + "/requests").json["items"]
                         if q["id"] == ids[0]][0]["overdue"])
        for bad in ({}, {"kind": "complaint", "message": "x"}, {"kind": "access"},
                    {"kind": "access", "message": ""},
                    {"kind": "access", "message": "x" * 5001}):
            self.assertEqual(c.call("POST", G + "/requests", bad).status, 400, bad)
        for q in ("limit=0", "limit=201", "cursor=abc"):
            self.assertEqual(c.call("GET", G + "/requests?" + q).status, 400, q)

    def test_open_requests_capped(self):
        c, addr = t.logged_in(prefix="gdprcap")
        uid = t.user_id(addr)
        for _ in range(20):
            insert("INSERT INTO privacy_request (user_id, kind, message, created_at, due_at) "
                   "VALUES (%s, 'other', 'x', NOW(), NOW() + INTERVAL 30 DAY)", (uid,))
        r = c.call("POST", G + "/requests", {"kind": "access", "message": "encore"})
        self.assertEqual((r.status, r.json["code"]), (409, "too_many_open_requests"))

    def test_admin_access(self):
        c, addr = t.logged_in(prefix="gdpradm")
        uid, other = t.user_id(addr), t.user_id(self.other_addr)
        mine = [insert("INSERT INTO admin_audit (admin_id, target_user_id, action, reason, "
                       "ip, created_at) VALUES (7, %s, %s, %s, '192.0.2.1', NOW(3))",
                       (uid, "user_view", "Ticket %d" % i)) for i in range(3)]
        insert("INSERT INTO admin_audit (admin_id, target_user_id, action, reason, ip, "
               "created_at) VALUES (7, %s, 'user_view', 'Pas pour vous', '192.0.2.1', NOW(3))",
               (other,))
        r = c.call("GET", G + "/admin-access?limit=2")
        self.assertEqual(r.status, 200, r)
        items = r.json["items"]
        self.assertEqual([i["id"] for i in items], [str(mine[2]), str(mine[1])])
        self.assertEqual(set(items[0]), {"id", "admin_id", "action", "reason", "detail", "ip",
                                         "created_at"})
        self.assertEqual((items[0]["admin_id"], items[0]["reason"], items[0]["ip"]),
                         ("7", "Ticket 2", "192.0.2.1"))
        r = c.call("GET", G + "/admin-access?cursor=" + r.json["next_cursor"])
        self.assertEqual([i["reason"] for i in r.json["items"]], ["Ticket 0"])
        self.assertNotIn(b"Pas pour vous", c.call("GET", G + "/admin-access").body)
        self.assertEqual(c.call("GET", G + "/admin-access?limit=x").status, 400)


class Export(unittest.TestCase):
    SECTIONS = ("profile", "policy_acceptances", "sessions", "security_events",
                "subscription", "invoices", "transactional_emails", "privacy_requests",
                "post_mortem_directive", "admin_accesses", "sending_accounts", "templates",
                "call_scripts", "campaigns", "enrollments", "messages", "tasks", "prospects",
                "suppressions", "imports", "enrichments")

    @classmethod
    def setUpClass(cls):
        cls.c, cls.addr = t.logged_in(prefix="gdprexa")
        cls.b, cls.baddr = t.logged_in(prefix="gdprexb")
        cls.mark_a, cls.mark_b = "mka" + uniq(), "mkb" + uniq()
        cls.va = seed(cls.c, cls.addr, cls.mark_a)
        cls.vb = seed(cls.b, cls.baddr, cls.mark_b)
        r = cls.c.call("GET", G + "/export")
        assert r.status == 200, r
        cls.resp = r
        cls.doc = r.json

    def test_complete_comes_last(self):
        """A document written whole ends with "complete": true (one cut short
        by a failure after the 200 has neither it nor its closing brace)."""
        self.assertEqual(list(self.doc)[-1], "complete")
        self.assertIs(self.doc["complete"], True)
        self.assertTrue(self.resp.body.rstrip().endswith(b'"complete":true\n}'))

    def test_one_export_at_a_time(self):
        """An export holds a handler child for seconds: a second one of the
        same user while it runs is 429 (the lock held here stands for it)."""
        uid = t.user_id(self.addr)
        conn = t.db()
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT GET_LOCK(CONCAT('prospea:export:', %s), 5)", (uid,))
                self.assertEqual(cur.fetchone()[0], 1)
            r = self.c.call("GET", G + "/export")
            self.assertEqual((r.status, r.json["code"]), (429, "export_running"))
            self.assertIsNotNone(r.header("Retry-After"))
            self.assertEqual(self.b.call("GET", G + "/export").status, 200, "another user")
        finally:
            conn.close()
        self.assertEqual(self.c.call("GET", G + "/export").status, 200)

    def test_headers(self):
        self.assertTrue(self.resp.header("Content-Type").startswith("application/json"))
        self.assertRegex(self.resp.header("Content-Disposition"),
                         r'attachment; filename="prospea-export-\d{8}\.json"')
        self.assertEqual(self.resp.header("Cache-Control"), "no-store")

    def test_every_kind_of_record(self):
        d = self.doc
        self.assertEqual((d["format"], d["version"]), ("prospea-export", 1))
        for s in self.SECTIONS:
            self.assertIn(s, d)
            self.assertTrue(d[s], s)            # not empty, not null
        self.assertEqual(d["profile"]["email"], self.addr)
        self.assertEqual(d["policy_acceptances"][0]["policy_version"], t.POLICY)
        self.assertIn("signup", {e["kind"] for e in d["security_events"]})
        self.assertIn("login_succeeded", {e["kind"] for e in d["security_events"]})
        self.assertIn("verify_email", {m["kind"] for m in d["transactional_emails"]})
        p = [p for p in d["prospects"] if p["name"] == self.va["prospect"]][0]
        self.assertEqual(p["tags"], [self.va["tag"]])
        self.assertEqual([n["body"] for n in p["notes"]], [self.va["note"]])
        self.assertIsInstance(p["id"], str)
        camp = d["campaigns"][0]
        self.assertEqual(camp["name"], self.va["campaign"])
        self.assertEqual([s["kind"] for s in camp["steps"]], ["email"])
        self.assertIs(camp["stop_on_reply"], True)
        self.assertEqual(d["messages"][0]["body"], self.va["message"])
        self.assertEqual(d["messages"][0]["campaign_id"], camp["id"])
        self.assertEqual((d["tasks"][0]["outcome"], d["tasks"][0]["note"]),
                         ("interested", self.va["task"]))
        self.assertEqual(d["templates"][0]["body"], self.va["template"])
        self.assertEqual(d["call_scripts"][0]["sections"][0]["body"], self.va["script"])
        self.assertEqual(d["invoices"][0]["number"], self.va["invoice"])
        self.assertEqual(d["admin_accesses"][0]["reason"], self.va["admin"])
        self.assertEqual(d["imports"][0]["filename"], self.va["import"])
        self.assertEqual(d["suppressions"][0]["hint"], self.va["suppression"])
        self.assertEqual(d["privacy_requests"][0]["message"], self.va["request"])
        self.assertEqual(d["post_mortem_directive"]["directives"], self.va["directive"])
        self.assertEqual(d["subscription"]["plan"], "test_unlimited")

    def test_secrets_masked(self):
        a = self.doc["sending_accounts"][0]
        self.assertEqual(a["name"], self.va["account"])
        self.assertEqual(a["smtp_password"], "********")
        self.assertIsNone(a["imap_password"])
        self.assertNotIn(b"secret-smtp-", self.resp.body)

    def test_nothing_of_another_user(self):
        body = self.resp.body.decode("utf-8")
        self.assertIn(self.mark_a, body)
        self.assertNotIn(self.mark_b, body)
        self.assertNotIn(self.baddr, body)
        for v in self.vb.values():
            self.assertNotIn(v, body)
        # And the other way round.
        other = self.b.call("GET", G + "/export").body.decode("utf-8")
        self.assertIn(self.mark_b, other)
        self.assertNotIn(self.mark_a, other)
        self.assertNotIn(self.addr, other)

    def test_paging_keeps_every_row(self):
        # More rows than one page of the export (500): all of them, once each.
        c, addr = t.logged_in(prefix="gdprexp")
        uid = t.user_id(addr)
        rows = ",".join(["(%d, 'P%04d', 'manual', NOW(), NOW(), NOW())" % (uid, i)
                         for i in range(1203)])
        t.sql("INSERT INTO prospect (user_id, name, source, collected_at, created_at, "
              "updated_at) VALUES " + rows)
        d = c.call("GET", G + "/export").json
        names = [p["name"] for p in d["prospects"]]
        self.assertEqual(sorted(names), ["P%04d" % i for i in range(1203)])
        ids = [int(p["id"]) for p in d["prospects"]]
        self.assertEqual(ids, sorted(ids))

    def test_head(self):
        r = self.c.call("HEAD", G + "/export")
        self.assertEqual((r.status, r.body), (200, b""))


if __name__ == "__main__":
    t.main()
