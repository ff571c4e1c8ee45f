#!/usr/bin/env python3
"""Restriction of processing (GDPR art. 18; user_account.restricted_at,
which PUT /gdpr/restriction sets — set here through SQL): every write
route of the prospects and campaigns groups answers 423 "restricted",
reads still work, the account's own groups keep working; the importer
and the enricher hold the account's jobs until it is lifted (the sender:
test_sender.py, Race). A prospect's own export (GET
/prospects/{id}/export) and its erasure everywhere."""
import os
import subprocess
import time
import unittest
import uuid

import prospea_test as t


def routes(group):
    out = subprocess.run([os.path.join(t.ROOT, "handlers", group, "prospea-" + group),
                          "--routes"], capture_output=True, text=True, check=True).stdout
    return [tuple(line.split(" ", 1)) for line in out.splitlines() if line]


def restrict(uid, on=True):
    t.sql("UPDATE user_account SET restricted_at = %s WHERE id = %%s"
          % ("NOW(3)" if on else "NULL"), (uid,))


def wait_for(what, cond, timeout=15):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


class Restriction(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c, cls.addr = t.logged_in(prefix="restrict")
        cls.uid = t.user_id(cls.addr)
        t.without_limits(cls.addr)
        r = cls.c.call("POST", "/api/v1/prospects", {"name": "Boulangerie Gelée",
                                                     "website": "https://gelee.example"})
        assert r.status == 201, r
        cls.pid = int(r.json["id"])

    def tearDown(self):
        restrict(self.uid, False)

    def test_every_write_route_is_423(self):
        # A prospect's own rights (erasure, objection) stay open: below.
        rights = {("DELETE", "/api/v1/prospects/{id}"), ("POST", "/api/v1/prospects/{id}/erase"),
                  ("POST", "/api/v1/suppressions")}
        writes = [(m, p) for g in ("prospects", "campaigns") for m, p in routes(g)
                  if m not in ("GET", "HEAD") and not p.startswith("/api/v1/u/")
                  and (m, p) not in rights]
        self.assertGreater(len(writes), 30)
        victim = int(self.c.call("POST", "/api/v1/prospects",
                                 {"name": "Serrurerie Effacée"}).json["id"])
        before = t.sql("SELECT COUNT(*) FROM prospect WHERE user_id = %s", (self.uid,))
        restrict(self.uid)
        for method, pattern in writes:
            path = pattern.replace("{id}", str(self.pid)).replace("{token}", "x")
            r = self.c.call(method, path, {})
            self.assertEqual(r.status, 423, (method, path, r))
            self.assertEqual(r.json["code"], "restricted", (method, path))
            self.assertIn("art. 18", r.json["detail"])
            # CSRF still comes first: no answer to a forged request.
            r = self.c.call(method, path, {}, csrf=False)
            self.assertEqual(r.status, 403, (method, path, r))
        self.assertEqual(t.sql("SELECT COUNT(*) FROM prospect WHERE user_id = %s",
                               (self.uid,)), before)
        # Reads work; the account's own groups too.
        for path in ("/api/v1/prospects", "/api/v1/prospects/%d" % self.pid,
                     "/api/v1/prospects/%d/export" % self.pid, "/api/v1/campaigns",
                     "/api/v1/templates", "/api/v1/billing", "/api/v1/auth/session"):
            self.assertEqual(self.c.call("GET", path).status, 200, path)
        r = self.c.call("POST", "/api/v1/billing/portal", {})
        self.assertNotEqual(r.status, 423, r)
        # A prospect's objection and erasure are honoured all the same
        # (GDPR art. 18(2): another person's rights).
        r = self.c.call("POST", "/api/v1/suppressions", {"kind": "email",
                                                         "value": "objection@exemple.fr"})
        self.assertEqual(r.status, 201, r)
        r = self.c.call("POST", "/api/v1/prospects/%d/erase" % victim)
        self.assertIn(r.status, (200, 204), r)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM prospect WHERE id = %s", (victim,))[0][0],
                         0)
        # Lifted: writes work again.
        restrict(self.uid, False)
        r = self.c.call("POST", "/api/v1/prospects", {"name": "Fleuriste Dégelé"})
        self.assertEqual(r.status, 201, r)
        r = self.c.call("POST", "/api/v1/templates", {"name": "Relance", "channel": "email",
                                                      "subject": "Bonjour", "body": "Bonjour"})
        self.assertEqual(r.status, 201, r)

    def test_another_user_is_not_restricted(self):
        other, _ = t.logged_in(prefix="restrict-other")
        restrict(self.uid)
        r = other.call("POST", "/api/v1/prospects", {"name": "Libre"})
        self.assertEqual(r.status, 201, r)

    def test_enricher_holds_jobs(self):
        r = self.c.call("POST", "/api/v1/prospects/%d/enrich" % self.pid)
        self.assertIn(r.status, (201, 202), r)
        jid = t.sql("SELECT id FROM enrich_job WHERE prospect_id = %s ORDER BY id DESC LIMIT 1",
                    (self.pid,))[0][0]
        state = lambda: t.sql("SELECT status, attempts FROM enrich_job WHERE id = %s",
                              (jid,))[0]
        wait_for("the first run", lambda: state()[0] in ("done", "failed"))
        restrict(self.uid)
        t.sql("UPDATE enrich_job SET status = 'queued' WHERE id = %s", (jid,))
        attempts = state()[1]
        time.sleep(1.5)
        self.assertEqual(state(), ("queued", attempts))
        restrict(self.uid, False)
        wait_for("the job after lifting", lambda: state()[1] == attempts + 1)

    def test_importer_holds_jobs_of_restricted_and_closed_accounts(self):
        rows = "".join("Commerce numéro %d;Villeurbanne\n" % i for i in range(4000))
        r = t.upload(self.c, ("nom;ville\n" + rows).encode(), "?filename=gros.csv")
        self.assertEqual(r.status, 202, r)
        jid = int(r.json["id"])
        state = lambda: t.sql("SELECT status, attempts FROM import_job WHERE id = %s",
                              (jid,))[0]
        wait_for("the import", lambda: state()[0] in ("done", "failed"), timeout=60)
        for col, on, off in (("restricted_at", "NOW(3)", "NULL"),
                             ("status", "'closed'", "'active'")):
            t.sql("UPDATE user_account SET %s = %s WHERE id = %%s" % (col, on), (self.uid,))
            t.sql("UPDATE import_job SET status = 'queued' WHERE id = %s", (jid,))
            attempts = state()[1]
            time.sleep(1.5)
            self.assertEqual(state(), ("queued", attempts), col)
            t.sql("UPDATE user_account SET %s = %s WHERE id = %%s" % (col, off), (self.uid,))
            wait_for("the job after lifting", lambda: state()[1] == attempts + 1)


class ProspectRights(unittest.TestCase):
    """A prospect's access request and erasure, whatever the account did
    with it (campaign messages and tasks seeded through SQL)."""

    @classmethod
    def setUpClass(cls):
        cls.c, cls.addr = t.logged_in(prefix="subject")
        cls.uid = t.user_id(cls.addr)

    def seeded(self):
        self.dom = "plomberie-dupuis-%s.example" % uuid.uuid4().hex[:8]
        self.to = "jean.dupuis@" + self.dom
        r = self.c.call("POST", "/api/v1/prospects", {
            "name": "Plomberie Dupuis", "email": self.to,
            "website": "https://" + self.dom, "tags": ["chaud"]})
        self.assertEqual(r.status, 201, r)
        pid = int(r.json["id"])
        self.assertEqual(self.c.call("POST", "/api/v1/prospects/%d/notes" % pid,
                                     {"body": "Rappeler mardi"}).status, 201)
        u = self.uid
        t.sql("INSERT INTO template (user_id, name, channel, body, created_at, updated_at) "
              "VALUES (%s, 'T', 'email', 'x', NOW(), NOW())", (u,))
        tpl = t.sql("SELECT MAX(id) FROM template WHERE user_id = %s", (u,))[0][0]
        t.sql("INSERT INTO sending_account (user_id, channel, name, created_at, updated_at) "
              "VALUES (%s, 'email', 'B', NOW(), NOW())", (u,))
        acct = t.sql("SELECT MAX(id) FROM sending_account WHERE user_id = %s", (u,))[0][0]
        t.sql("INSERT INTO campaign (user_id, name, created_at, updated_at) "
              "VALUES (%s, 'Printemps', NOW(), NOW())", (u,))
        camp = t.sql("SELECT MAX(id) FROM campaign WHERE user_id = %s", (u,))[0][0]
        t.sql("INSERT INTO enrollment (user_id, campaign_id, prospect_id, status, enrolled_at, "
              "updated_at) VALUES (%s, %s, %s, 'completed', NOW(), NOW())", (u, camp, pid))
        enr = t.sql("SELECT id FROM enrollment WHERE prospect_id = %s", (pid,))[0][0]
        t.sql("INSERT INTO message (user_id, campaign_id, enrollment_id, prospect_id, position, "
              "channel, sending_account_id, status, to_addr, subject, body, created_at, sent_at) "
              "VALUES (%s, %s, %s, %s, 0, 'email', %s, 'sent', %s, 'Bonjour Jean', "
              "'Bonjour Jean, ...', NOW(), NOW())",
              (u, camp, enr, pid, acct, self.to))
        t.sql("INSERT INTO task (user_id, campaign_id, enrollment_id, prospect_id, position, "
              "status, outcome, note, due_at, created_at, done_at) VALUES (%s, %s, %s, %s, 1, "
              "'done', 'interested', 'Veut un devis', NOW(), NOW(), NOW())",
              (u, camp, enr, pid))
        return pid, camp, enr, tpl

    def test_export(self):
        pid, camp, enr, _ = self.seeded()
        r = self.c.call("GET", "/api/v1/prospects/%d/export" % pid)
        self.assertEqual(r.status, 200, r)
        self.assertIn("attachment", r.header("Content-Disposition"))
        d = r.json
        self.assertEqual(d["prospect"]["name"], "Plomberie Dupuis")
        self.assertEqual(d["prospect"]["tags"], ["chaud"])
        self.assertEqual(d["source"]["kind"], "manual")
        self.assertIsNotNone(d["source"]["collected_at"])
        self.assertEqual([n["body"] for n in d["notes"]], ["Rappeler mardi"])
        self.assertEqual([(e["campaign_name"], e["status"]) for e in d["enrollments"]],
                         [("Printemps", "completed")])
        self.assertEqual(len(d["messages"]), 1)
        m = d["messages"][0]
        self.assertEqual((m["to"], m["subject"], m["body"], m["status"]),
                         (self.to, "Bonjour Jean",
                          "Bonjour Jean, ...", "sent"))
        self.assertIsNotNone(m["sent_at"])
        self.assertEqual([(k["outcome"], k["note"]) for k in d["tasks"]],
                         [("interested", "Veut un devis")])
        # Another user, no session, a bad id: 404, 401, 404.
        other, _ = t.logged_in(prefix="subject-other")
        self.assertEqual(other.call("GET", "/api/v1/prospects/%d/export" % pid).status, 404)
        self.assertEqual(t.request("GET", "/api/v1/prospects/%d/export" % pid).status, 401)
        self.assertEqual(self.c.call("GET", "/api/v1/prospects/abc/export").status, 404)
        self.assertEqual(self.c.call("GET", "/api/v1/prospects/999999999/export").status, 404)
        # A write method on it: 405.
        self.assertEqual(self.c.call("POST", "/api/v1/prospects/%d/export" % pid).status, 405)

    def test_erase_everywhere(self):
        pid, camp, enr, _ = self.seeded()
        r = self.c.call("POST", "/api/v1/prospects/%d/erase" % pid)
        self.assertIn(r.status, (200, 204), r)
        for table, col in (("prospect", "id"), ("prospect_note", "prospect_id"),
                           ("prospect_tag", "prospect_id"), ("enrollment", "prospect_id"),
                           ("message", "prospect_id"), ("task", "prospect_id"),
                           ("enrich_job", "prospect_id")):
            self.assertEqual(t.sql("SELECT COUNT(*) FROM `%s` WHERE `%s` = %%s"
                                   % (table, col), (pid,))[0][0], 0, table)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM message WHERE to_addr = %s "
                               "OR body LIKE '%%Jean%%' AND user_id = %s",
                               (self.to, self.uid))[0][0], 0)
        # Only the suppression hashes stay, masked.
        hints = [h for (h,) in t.sql("SELECT hint FROM suppression WHERE user_id = %s",
                                     (self.uid,))]
        self.assertTrue(hints)
        for h in hints:
            self.assertNotIn("jean.dupuis", h)
        self.assertEqual(self.c.call("GET", "/api/v1/prospects/%d/export" % pid).status, 404)


if __name__ == "__main__":
    t.main()
