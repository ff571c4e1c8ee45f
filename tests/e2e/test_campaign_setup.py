"""Templates, call scripts and sending accounts over HTTP (the campaigns
group): merge tags checked at save time with their line and column, the
preview rendered for a real prospect, SMS segments, call script sections,
write-only secrets sealed at rest, and the sending-account test logging in
for real to the stack's own SMTP and IMAP servers (README.md "Mail and SMS
for campaigns")."""

import os
import socket
import threading
import time
import unittest

import prospea_test as t

T = "/api/v1/templates"
CS = "/api/v1/call-scripts"
SA = "/api/v1/sending-accounts"


def email_account(**over):
    ports = t.stack_ports()
    body = {"channel": "email", "name": "Boîte de Zoé", "from_name": "Zoé Martin",
            "from_email": t.MAILBOX_USER, "smtp_host": "127.0.0.1",
            "smtp_port": ports["SUBMIT_PORT"], "smtp_security": "starttls",
            "smtp_username": t.MAILBOX_USER, "smtp_password": t.MAILBOX_PASSWORD,
            "imap_host": "127.0.0.1", "imap_port": ports["IMAPS_PORT"], "imap_security": "tls",
            "imap_username": t.MAILBOX_USER, "imap_password": t.MAILBOX_PASSWORD,
            "daily_limit": 40}
    body.update(over)
    return body


class Base(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c, cls.email = t.logged_in(prefix="camp")
        t.without_limits(cls.email)     # the plan's limits: PlanLimits below


class Templates(Base):
    def test_crud_and_tag_errors(self):
        r = self.c.call("POST", T, {"name": "Premier contact", "channel": "email",
                                    "subject": "{{business_name}} à {{city}}",
                                    "body": "Bonjour {{first_name|Madame, Monsieur}},\n"
                                            "Votre {{category}} ({{custom.siret}})..."})
        self.assertEqual(r.status, 201, r)
        tpl = r.json
        self.assertEqual(tpl["channel"], "email")
        self.assertIsNone(tpl["body_html"])
        self.assertEqual(self.c.call("GET", T + "/" + tpl["id"]).json, tpl)
        self.assertIn(tpl["id"], [i["id"] for i in self.c.call("GET", T).json["items"]])
        # Unknown and broken tags: 422 with field, code, line and column.
        r = self.c.call("POST", T, {"name": "x", "channel": "email", "subject": "ok",
                                    "body": "Bonjour\n  {{prenom}} et {{city"})
        self.assertEqual(r.status, 422, r)
        errs = {(e["field"], e["code"]): e for e in r.json["errors"]}
        self.assertEqual(errs[("body", "unknown_tag")]["line"], 2)
        self.assertEqual(errs[("body", "unknown_tag")]["column"], 3)
        self.assertIn(("body", "unclosed_tag"), errs)
        # An e-mail without a subject is a follow-up (it keeps its thread's);
        # it cannot open a sequence. An SMS has no subject.
        r = self.c.call("POST", T, {"name": "relance", "channel": "email", "body": "b"})
        self.assertEqual(r.status, 201, r)
        self.assertIsNone(r.json["subject"])
        follow = r.json["id"]
        r = self.c.call("POST", "/api/v1/campaigns", {"name": "x", "steps": [
            {"kind": "email", "template_id": follow}]})
        self.assertEqual(r.status, 422, r)
        self.assertEqual([(e["field"], e["code"]) for e in r.json["errors"]],
                         [("steps[0].template_id", "no_subject")])
        r = self.c.call("POST", "/api/v1/campaigns", {"name": "x", "steps": [
            {"kind": "email", "template_id": tpl["id"]}, {"kind": "wait", "days": 2},
            {"kind": "email", "template_id": follow}]})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.c.call("DELETE", "/api/v1/campaigns/" + r.json["id"]).status,
                         204)
        self.assertEqual(self.c.call("POST", T, {"name": "x", "channel": "sms", "subject": "s",
                                                 "body": "b"}).status, 422)
        # PATCH keeps what it does not name, re-checks what it does.
        r = self.c.call("PATCH", T + "/" + tpl["id"], {"body_html": "<p>{{city}}</p>"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["subject"], tpl["subject"])
        self.assertEqual(r.json["body_html"], "<p>{{city}}</p>")
        self.assertEqual(self.c.call("PATCH", T + "/" + tpl["id"],
                                     {"subject": "{{nope}}"}).status, 422)
        self.assertEqual(self.c.call("PATCH", T + "/" + tpl["id"],
                                     {"channel": "sms"}).status, 422)
        self.assertEqual(self.c.call("DELETE", T + "/" + tpl["id"]).status, 204)
        self.assertEqual(self.c.call("GET", T + "/" + tpl["id"]).status, 404)

    def test_sms_segments(self):
        # As written, then as sent: every SMS ends with the STOP mention, a
        # first one to a prospect also says where the number came from
        # (fcgi/notice.c; the longest wordings).
        stop = "\nRépondez STOP pour ne plus recevoir nos SMS."
        whence = "\nCoordonnées issues d'un fichier de prospection."
        r = self.c.call("POST", T, {"name": "sms", "channel": "sms", "body": "a" * 100})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["sms"], {
            "encoding": "gsm7", "units": 100, "segments": 1,
            "sent": {"encoding": "gsm7", "units": 100 + len(stop), "segments": 1},
            "first_sent": {"encoding": "gsm7", "units": 100 + len(stop) + len(whence),
                           "segments": 2}})
        r = self.c.call("POST", T, {"name": "sms", "channel": "sms", "body": "ç" * 71})
        self.assertEqual(r.json["sms"], {
            "encoding": "ucs2", "units": 71, "segments": 2,
            "sent": {"encoding": "ucs2", "units": 71 + len(stop), "segments": 2},
            "first_sent": {"encoding": "ucs2", "units": 71 + len(stop) + len(whence),
                           "segments": 3}})
        self.assertEqual(self.c.call("GET", T + "/" + r.json["id"]).json["sms"], r.json["sms"])

    def test_preview_renders_for_a_prospect(self):
        p = self.c.call("POST", "/api/v1/prospects", {
            "name": "Boulangerie <L'Épi>", "city": "Lyon", "category": "Boulangerie",
            "custom_fields": {"siret": "12345678900011", "first_name": "Luc"}}).json
        tpl = self.c.call("POST", T, {
            "name": "p", "channel": "email", "subject": "Pour {{business_name}}",
            "body": "Bonjour {{first_name}}, {{custom.siret}} {{city}}",
            "body_html": "<b>{{business_name}}</b>"}).json
        r = self.c.call("POST", T + "/" + tpl["id"] + "/preview", {"prospect_id": p["id"]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["body"], "Bonjour Luc, 12345678900011 Lyon")
        self.assertEqual(r.json["body_html"], "<b>Boulangerie &lt;L&#39;Épi&gt;</b>")
        self.assertEqual(r.json["subject"], "Pour Boulangerie <L'Épi>")
        self.assertFalse(r.json["blocked"])
        # Data that came with a line break can never start a header.
        t.sql("UPDATE prospect SET name = 'Evil\r\nBcc: x@y.example' WHERE id = %s",
              (int(p["id"]),))
        r = self.c.call("POST", T + "/" + tpl["id"] + "/preview", {"prospect_id": p["id"]})
        self.assertEqual(r.json["subject"], "Pour Evil  Bcc: x@y.example")
        # A value missing without fallback blocks the step, naming the tag.
        q = self.c.call("POST", "/api/v1/prospects", {"name": "Garage"}).json
        r = self.c.call("POST", T + "/" + tpl["id"] + "/preview", {"prospect_id": q["id"]})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["blocked"])
        self.assertEqual(sorted(r.json["missing"]), ["city", "custom.siret", "first_name"])
        self.assertIsNone(r.json["body"])
        # {{sender_company}} comes from the account (PATCH /account).
        sig = self.c.call("POST", T, {"name": "sig", "channel": "email", "subject": "s",
                                      "body": "{{sender_name}}, {{sender_company}}"}).json
        r = self.c.call("POST", T + "/" + sig["id"] + "/preview", {"prospect_id": p["id"]})
        self.assertEqual((r.json["blocked"], r.json["missing"]), (True, ["sender_company"]))
        self.assertEqual(self.c.call("PATCH", "/api/v1/account",
                                     {"company_name": "Épi d'Or SAS"}).status, 200)
        r = self.c.call("POST", T + "/" + sig["id"] + "/preview", {"prospect_id": p["id"]})
        self.assertEqual(r.json["body"], "Zoé Martin, Épi d'Or SAS")
        # Data holding tags is never expanded again.
        z = self.c.call("POST", "/api/v1/prospects", {"name": "{{city}}", "city": "Nice",
                                                      "custom_fields": {"siret": "1",
                                                                        "first_name": "A"}}).json
        r = self.c.call("POST", T + "/" + tpl["id"] + "/preview", {"prospect_id": z["id"]})
        self.assertEqual(r.json["subject"], "Pour {{city}}")
        # Another user's prospect or template: not found.
        other, _ = t.logged_in(prefix="camp-other")
        self.assertEqual(other.call("POST", T + "/" + tpl["id"] + "/preview",
                                    {"prospect_id": p["id"]}).status, 404)
        self.assertEqual(self.c.call("POST", T + "/" + tpl["id"] + "/preview",
                                     {"prospect_id": other.call("POST", "/api/v1/prospects",
                                                                {"name": "X"}).json["id"]}).status,
                         422)


class CallScripts(Base):
    def test_sections(self):
        r = self.c.call("POST", CS, {"name": "Appel", "sections": [
            {"title": "Accroche", "body": "Bonjour, {{business_name}} ?"},
            {"title": "Objection : pas le temps", "body": "Deux minutes, {{first_name|}}."}]})
        self.assertEqual(r.status, 201, r)
        self.assertEqual([s["title"] for s in r.json["sections"]],
                         ["Accroche", "Objection : pas le temps"])
        sid = r.json["id"]
        r = self.c.call("POST", CS, {"name": "Court", "body": "Bonjour {{city}}"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["sections"], [{"title": "", "body": "Bonjour {{city}}"}])
        r = self.c.call("POST", CS, {"name": "x", "sections": [{"title": "a", "body": "{{bad}}"}]})
        self.assertEqual(r.status, 422, r)
        self.assertEqual(r.json["errors"][0]["field"], "sections[0].body")
        self.assertEqual(self.c.call("POST", CS, {"name": "x", "sections": [{"nope": 1}]}).status,
                         422)
        r = self.c.call("PATCH", CS + "/" + sid, {"name": "Appel 2"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json["sections"]), 2)
        self.assertEqual(self.c.call("DELETE", CS + "/" + sid).status, 204)


class SendingAccounts(Base):
    def test_secrets_are_write_only_and_sealed(self):
        r = self.c.call("POST", SA, email_account())
        self.assertEqual(r.status, 201, r)
        a = r.json
        self.assertEqual(a["smtp_password"], "********")
        self.assertEqual(a["imap_password"], "********")
        self.assertNotIn("sms_api_key", a)
        row = t.sql("SELECT smtp_password_ct, imap_password_ct FROM sending_account "
                    "WHERE id = %s", (int(a["id"]),))[0]
        for ct in row:
            self.assertNotIn(t.MAILBOX_PASSWORD.encode(), bytes(ct))
        # PATCH without a password keeps it; null on IMAP removes that side.
        r = self.c.call("PATCH", SA + "/" + a["id"], {"name": "Renommée"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["smtp_password"], "********")
        r = self.c.call("PATCH", SA + "/" + a["id"], {
            "imap_host": None, "imap_port": None, "imap_security": None,
            "imap_username": None, "imap_password": None})
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.json["imap_password"])
        self.assertIsNone(r.json["imap_host"])
        for log in ("campaigns.log", "nginx-access.log"):
            with open(t.VAR + "/log/" + log, encoding="utf-8", errors="replace") as fh:
                self.assertNotIn(t.MAILBOX_PASSWORD, fh.read())

    def test_rules(self):
        r = self.c.call("POST", SA, email_account(smtp_port=465, smtp_security="starttls"))
        self.assertEqual(r.status, 422, r)
        self.assertEqual(r.json["errors"][0]["code"], "port_mismatch")
        r = self.c.call("POST", SA, email_account(smtp_security="none"))
        self.assertEqual(r.status, 400, r)     # plaintext AUTH is not offered
        self.assertEqual(r.json["errors"][0]["field"], "smtp_security")
        body = email_account()
        del body["imap_password"]
        self.assertEqual(self.c.call("POST", SA, body).status, 422)
        body = email_account()
        del body["smtp_password"]
        self.assertEqual(self.c.call("POST", SA, body).status, 422)
        self.assertEqual(self.c.call("POST", SA, email_account(smtp_host="smtp://x")).status, 400)
        # An IPv6 literal could never make a URL as given: its name instead.
        for host in ("::1", "2a00:1450:400c:c07::6c", "[::1]", "smtp.exemple.fr:587"):
            r = self.c.call("POST", SA, email_account(smtp_host=host))
            self.assertEqual((r.status, r.json["errors"][0]["field"]), (400, "smtp_host"), host)
        r = self.c.call("POST", SA, {"channel": "sms", "name": "SMS", "sms_provider": "twilio",
                                     "sms_api_key": "twilio-test-token", "sms_sender": "+33600000000"})
        self.assertEqual(r.status, 422, r)     # Twilio needs the account SID
        r = self.c.call("POST", SA, {"channel": "sms", "name": "SMS", "sms_provider": "brevo",
                                     "sms_api_key": "xkeysib-test", "sms_sender": "Prospea"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["sms_api_key"], "********")
        self.assertNotIn("smtp_host", r.json)
        self.assertEqual(self.c.call("PATCH", SA + "/" + r.json["id"],
                                     {"channel": "email"}).status, 422)

    def test_one_test_at_a_time(self):
        """A test holds its handler child while servers answer: one at a time
        per user (429 test_running), and SMTP and IMAP share one budget, so a
        server that never greets costs outreach_timeout once, not twice."""
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(16)
        port = lsock.getsockname()[1]
        held = []
        stop = threading.Event()

        def hold():
            lsock.settimeout(0.2)
            while not stop.is_set():
                try:
                    held.append(lsock.accept()[0])
                except socket.timeout:
                    pass
        th = threading.Thread(target=hold)
        th.start()
        try:
            a = self.c.call("POST", SA, email_account(smtp_port=port, imap_port=port,
                                                      imap_security="starttls"))
            self.assertEqual(a.status, 201, a)
            path = SA + "/" + a.json["id"] + "/test"
            out = {}

            def first():
                start = time.monotonic()
                out["r"] = self.c.call("POST", path)
                out["took"] = time.monotonic() - start
            t1 = threading.Thread(target=first)
            t1.start()
            time.sleep(1)
            r = self.c.call("POST", path)
            self.assertEqual(r.status, 429, r)
            self.assertEqual(r.json["code"], "test_running")
            self.assertIsNotNone(r.header("Retry-After"))
            t1.join()
            self.assertEqual(out["r"].status, 200, out["r"])
            self.assertFalse(out["r"].json["ok"])
            timeout = int(t.conf_value("outreach_timeout"))
            self.assertLess(out["took"], 2 * timeout, out)
            # Once answered, the next test may run.
            self.assertNotEqual(self.c.call("POST", path).status, 429)
        finally:
            stop.set()
            th.join()
            for c in held:
                c.close()
            lsock.close()

    def test_real_login(self):
        a = self.c.call("POST", SA, email_account()).json
        r = self.c.call("POST", SA + "/" + a["id"] + "/test")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["ok"], r)
        self.assertTrue(r.json["smtp"]["answer"].startswith("235"), r)
        self.assertTrue(r.json["imap"]["ok"], r)
        last = self.c.call("GET", SA + "/" + a["id"]).json["last_test"]
        self.assertTrue(last["ok"])
        self.assertEqual(last["result"]["smtp"], r.json["smtp"])
        # A renamed account keeps its test; new credentials make it stale.
        r = self.c.call("PATCH", SA + "/" + a["id"], {"name": "Boîte principale"})
        self.assertIsNotNone(r.json["last_test"])
        # A wrong password: the server's own words, no secret.
        r = self.c.call("PATCH", SA + "/" + a["id"], {"smtp_password": "faux mot de passe"})
        self.assertIsNone(r.json["last_test"])
        r = self.c.call("POST", SA + "/" + a["id"] + "/test")
        self.assertFalse(r.json["ok"], r)
        self.assertEqual(r.json["smtp"]["code"], "auth", r)
        self.assertNotIn("faux mot de passe", str(r.json))
        # Implicit TLS spoken to the STARTTLS port fails fast, clearly.
        ports = t.stack_ports()
        b = self.c.call("POST", SA, email_account(smtp_port=ports["SUBMIT_PORT"],
                                                  smtp_security="tls")).json
        r = self.c.call("POST", SA + "/" + b["id"] + "/test")
        self.assertEqual(r.status, 200, r)
        self.assertFalse(r.json["smtp"]["ok"], r)
        self.assertIn(r.json["smtp"]["code"], ("tls", "protocol", "connect"), r)


    def test_sms_credentials(self):
        """The provider's own account endpoint tries the credentials
        without sending anything (Twilio Fetch Account, Brevo GET /account)."""
        sent = len(os.listdir(os.path.join(t.VAR, "sms")))
        for body, wrong in (
                ({"channel": "sms", "name": "Twilio", "sms_provider": "twilio",
                  "sms_account_sid": "ACa11ce000000000000000000000000001",
                  "sms_api_key": "twilio-test-token", "sms_sender": "+33757000001"},
                 {"sms_api_key": "mauvais-jeton"}),
                ({"channel": "sms", "name": "Brevo", "sms_provider": "brevo",
                  "sms_api_key": "xkeysib-test", "sms_sender": "Prospea"},
                 {"sms_api_key": "xkeysib-faux"})):
            a = self.c.call("POST", SA, body)
            self.assertEqual(a.status, 201, a)
            path = SA + "/" + a.json["id"]
            r = self.c.call("POST", path + "/test")
            self.assertEqual(r.status, 200, r)
            self.assertTrue(r.json["ok"], r)
            self.assertEqual(r.json["sms"]["code"], "ok", r)
            self.assertIn("Prospea test", r.json["sms"]["answer"])
            self.assertNotIn("twilio-test-token", str(r.json))
            self.assertEqual(self.c.call("PATCH", path, wrong).status, 200)
            r = self.c.call("POST", path + "/test")
            self.assertFalse(r.json["ok"], r)
            self.assertEqual(r.json["sms"]["code"], "auth", r)
            self.assertNotIn(wrong["sms_api_key"], str(r.json))
            last = self.c.call("GET", path).json["last_test"]
            self.assertEqual((last["ok"], last["result"]["sms"]["code"]), (False, "auth"))
        self.assertEqual(len(os.listdir(os.path.join(t.VAR, "sms"))), sent)


class PlanLimits(unittest.TestCase):
    """The plan (fcgi/plan.h) where the campaigns work happens: sending
    accounts and active campaigns counted against its limits (403 naming
    the limit), nothing started or enrolled while unpaid (402)."""

    def test_trial_limits_and_unpaid(self):
        c, email = t.logged_in(prefix="camp-plan")      # on the 14-day trial
        r = c.call("POST", SA, email_account())
        self.assertEqual(r.status, 201, r)
        r = c.call("POST", SA, email_account(name="Deuxième"))
        self.assertEqual(r.status, 403, r)
        self.assertEqual((r.json["limit"], r.json["max"], r.json["used"]),
                         ("sending_accounts", 1, 1), r)
        tpl = c.call("POST", T, {"name": "t", "channel": "email", "subject": "s",
                                 "body": "Bonjour"}).json
        acct = c.call("GET", SA).json["items"][0]["id"]
        camps = [c.call("POST", "/api/v1/campaigns", {
            "name": "C%d" % i, "sending_account_id": acct,
            "steps": [{"kind": "email", "template_id": tpl["id"]}]}).json for i in range(2)]
        r = c.call("POST", "/api/v1/campaigns/%s/start" % camps[0]["id"])
        self.assertEqual(r.status, 200, r)
        r = c.call("POST", "/api/v1/campaigns/%s/start" % camps[1]["id"])
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.json["limit"], "active_campaigns", r)
        # Pausing and resuming the one that runs stays within the limit.
        self.assertEqual(c.call("POST", "/api/v1/campaigns/%s/pause" % camps[0]["id"]).status, 200)
        self.assertEqual(c.call("POST", "/api/v1/campaigns/%s/resume" % camps[0]["id"]).status,
                         200)
        # Unpaid: nothing starts, nothing is enrolled, nothing is deleted.
        t.sql("INSERT INTO subscription (user_id, plan_code, status, trial_ends_at, "
              "created_at, updated_at) VALUES (%s, 'starter', 'unpaid', NOW(), NOW(), NOW()) "
              "ON DUPLICATE KEY UPDATE plan_code = 'starter', status = 'unpaid'",
              (t.user_id(email),))
        p = c.call("POST", "/api/v1/prospects", {"name": "Garage", "email": "a@garage.example"})
        self.assertEqual(p.status, 402, p)
        self.assertEqual(c.call("POST", "/api/v1/campaigns/%s/pause" % camps[0]["id"]).status, 200)
        r = c.call("POST", "/api/v1/campaigns/%s/resume" % camps[0]["id"])
        self.assertEqual(r.status, 402, r)
        r = c.call("POST", "/api/v1/campaigns/%s/enroll" % camps[0]["id"], {"prospect_ids": ["1"]})
        self.assertEqual(r.status, 402, r)
        self.assertEqual(c.call("POST", SA, email_account(name="x")).status, 402)
        self.assertEqual(len(c.call("GET", SA).json["items"]), 1)
        self.assertEqual(c.call("GET", "/api/v1/campaigns/" + camps[0]["id"]).status, 200)


class Isolation(Base):
    def test_other_user_sees_nothing(self):
        tpl = self.c.call("POST", T, {"name": "a", "channel": "sms", "body": "b"}).json
        cs = self.c.call("POST", CS, {"name": "a", "body": "b"}).json
        sa = self.c.call("POST", SA, email_account()).json
        other, _ = t.logged_in(prefix="camp-iso")
        for path in (T + "/" + tpl["id"], CS + "/" + cs["id"], SA + "/" + sa["id"]):
            self.assertEqual(other.call("GET", path).status, 404, path)
            self.assertEqual(other.call("PATCH", path, {"name": "x"}).status, 404, path)
            self.assertEqual(other.call("DELETE", path).status, 404, path)
        self.assertEqual(other.call("POST", SA + "/" + sa["id"] + "/test").status, 404)
        self.assertEqual(other.call("GET", T).json["items"], [])


if __name__ == "__main__":
    t.main()
