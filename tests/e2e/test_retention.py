#!/usr/bin/env python3
"""The retention worker (workers/retention.c) on seeded old data in every
class: the dry run changes nothing and reports what the run then does;
the run deletes exactly what is due and keeps the rest, table by table;
two runs at once do everything once; an erased account leaves nothing of
its person outside its invoices and the detached suppression hashes (a
search of every text column of every table and of the stack's logs);
prospects are warned 30 days ahead and deleted after, unless heard from.

Disruptive: its runs with --now a month ahead end every session and link
of the stack, so it runs after every other test."""
import datetime
import glob
import os
import subprocess
import unittest
import uuid

import prospea_test as t

PW = "Des fraises en hiver 2026"


def retention(*args):
    """One run: (exit status, {class: count}, output)."""
    p = subprocess.run([os.path.join(t.ROOT, "workers", "prospea-retention"), "-c", t.CONF]
                       + list(args), capture_output=True, text=True, timeout=120)
    return p.returncode, parse(p.stdout), p.stdout + p.stderr


def parse(out):
    counts = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
    return counts


def now():
    return t.sql("SELECT NOW()")[0][0]


def one(q, args=None):
    return t.sql(q, args)[0][0]


def exists(table, rid):
    return one("SELECT COUNT(*) FROM `%s` WHERE id = %%s" % table, (rid,)) == 1


def insert(q, args):
    c = t.db()
    try:
        with c.cursor() as cur:
            cur.execute(q, args)
            rid = cur.lastrowid
        c.commit()
        return rid
    finally:
        c.close()


def prospect(uid, name, created, contact=None, warned=None):
    return insert("INSERT INTO prospect (user_id, name, source, collected_at, created_at, "
                  "updated_at, last_prospect_contact_at, retention_warned_at) "
                  "VALUES (%s, %s, 'manual', %s, %s, %s, %s, %s)",
                  (uid, name, created, created, created, contact, warned))


def tmail(uid, addr, created):
    return insert("INSERT INTO transactional_email (user_id, msg_key, kind, to_addr, subject, "
                  "status, next_attempt_at, created_at) VALUES (%s, %s, 'test', %s, 'Sujet', "
                  "'sent', %s, %s)", (uid, uuid.uuid4().hex, addr, created, created))


def invoice(uid, retain_until, name=None, email=None):
    return insert("INSERT INTO invoice (user_id, stripe_invoice_id, stripe_customer_id, status, "
                  "currency, subtotal, total, amount_due, amount_paid, amount_remaining, "
                  "stripe_created, event_at, retain_until, created_at, updated_at, "
                  "customer_name, customer_email) VALUES (%s, %s, 'cus_x', 'paid', 'eur', "
                  "100, 120, 120, 120, 0, NOW(), 0, %s, NOW(), NOW(), %s, %s)",
                  (uid, "in_" + uuid.uuid4().hex, retain_until, name, email))


def security_event(uid, created):
    return insert("INSERT INTO security_event (user_id, kind, ip, user_agent, created_at) "
                  "VALUES (%s, 'test', '127.0.0.1', 'test', %s)", (uid, created))


def audit(target, created):
    return insert("INSERT INTO admin_audit (admin_id, target_user_id, action, reason, ip, "
                  "created_at) VALUES (1, %s, 'view_account', 'support', '127.0.0.1', %s)",
                  (target, created))


def session(uid, expires):
    return insert("INSERT INTO session (user_id, token_hash, ip, user_agent, created_at, "
                  "last_seen_at, expires_at) VALUES (%s, %s, '127.0.0.1', 'test', NOW(), NOW(), "
                  "%s)", (uid, os.urandom(32), expires))


def token(uid, expires):
    return insert("INSERT INTO auth_token (user_id, kind, token_hash, created_at, expires_at) "
                  "VALUES (%s, 'password_reset', %s, NOW(), %s)", (uid, os.urandom(32), expires))


def throttle(start):
    k = os.urandom(32)
    insert("INSERT INTO auth_throttle (k, events, window_start) VALUES (%s, 1, %s)", (k, start))
    return k


def stripe_event(received):
    return insert("INSERT INTO stripe_event (event_id, type, event_created, livemode, outcome, "
                  "received_at) VALUES (%s, 'invoice.paid', 0, 0, 'applied', %s)",
                  ("evt_" + uuid.uuid4().hex, received))


def retention_mails(addr):
    return t.sql("SELECT id FROM transactional_email WHERE kind = 'prospect_retention' "
                 "AND to_addr = %s", (addr,))


class Retention(unittest.TestCase):
    def setUp(self):
        self.t0 = now()
        self.d = lambda **kw: self.t0 - datetime.timedelta(**kw)

    def test_refusals(self):
        rc, _, out = retention("--now", "2030-02-30 00:00:00")
        self.assertEqual(rc, 2, out)
        rc, _, out = retention("--bogus")
        self.assertEqual(rc, 2, out)
        rc, _, out = retention("--batch", "0")
        self.assertEqual(rc, 2, out)
        # --now needs test_mode: a configuration without it refuses.
        conf = os.path.join(t.VAR, "retention-prod.conf")
        with open(t.CONF, encoding="utf-8") as f, open(conf, "w", encoding="utf-8") as g:
            g.write("".join(l for l in f if not l.startswith(("test_mode", "sender_clock_file"))))
        p = subprocess.run([os.path.join(t.ROOT, "workers", "prospea-retention"), "-c", conf,
                            "--now", "2030-01-01 00:00:00", "--dry-run"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("test_mode", p.stderr)

    def test_classes_dry_run_and_run(self):
        d = self.d
        kc, ka = t.logged_in(prefix="ret-keep")
        k = t.user_id(ka)
        rc_, ra = t.logged_in(prefix="ret-restr")
        r = t.user_id(ra)
        t.sql("UPDATE user_account SET restricted_at = NOW() WHERE id = %s", (r,))
        old = {
            "security_event": [security_event(k, d(days=400))],
            "admin_audit": [audit(k, d(days=400))],
            "transactional_email": [tmail(k, ka, d(days=3 * 366 + 5))],
            "invoice": [invoice(None, (self.t0 - datetime.timedelta(days=2)).date())],
            "session": [session(k, d(hours=1))],
            "auth_token": [token(k, d(hours=1))],
            "stripe_event": [stripe_event(d(days=3660))],
        }
        kept = {
            "security_event": [security_event(k, d(days=300))],
            "admin_audit": [audit(k, d(days=300))],
            "transactional_email": [tmail(k, ka, d(days=2 * 365))],
            "invoice": [invoice(k, (self.t0 + datetime.timedelta(days=3650)).date())],
            "stripe_event": [stripe_event(d(days=3000))],
            "session": [session(k, self.t0 + datetime.timedelta(days=5))],
            "auth_token": [token(k, self.t0 + datetime.timedelta(hours=5))],
        }
        th_old, th_new = throttle(d(days=1)), throttle(self.t0)
        years3 = datetime.timedelta(days=3 * 365 + 1)
        p_warn = prospect(k, "Vieille boulangerie", d(days=3 * 365 - 10))
        p_young = prospect(k, "Jeune fleuriste", d(days=365))
        p_heard = prospect(k, "Ancien contact", d(days=5 * 365), contact=d(days=20))
        p_due = prospect(k, "Oublié", d(days=4 * 365), warned=d(days=31))
        p_kept = prospect(k, "Revenu", d(days=4 * 365), contact=d(days=2), warned=d(days=40))
        p_early = prospect(k, "Averti trop tôt", d(days=4 * 365), warned=d(days=10))
        p_restr = prospect(r, "Gelé", d(days=4 * 365), warned=d(days=40))
        p_restr2 = prospect(r, "Gelé aussi", d(days=4 * 365))
        note = insert("INSERT INTO prospect_note (user_id, prospect_id, body, created_at, "
                      "updated_at) VALUES (%s, %s, 'à relancer', NOW(), NOW())", (k, p_due))

        rc, dry, out = retention("--dry-run")
        self.assertEqual(rc, 0, out)
        self.assertIn("dry run", out)
        for cls in ("security_events", "admin_audit", "transactional_emails", "invoices",
                    "sessions", "auth_tokens", "throttle", "prospects", "prospects_warned",
                    "prospects_kept"):
            self.assertGreaterEqual(dry[cls], 1, (cls, out))
        # Nothing changed.
        for table, ids in list(old.items()) + list(kept.items()):
            for i in ids:
                self.assertTrue(exists(table, i), (table, i))
        for p in (p_warn, p_due, p_kept, p_early, p_restr, p_restr2):
            self.assertTrue(exists("prospect", p))
        self.assertIsNone(one("SELECT retention_warned_at FROM prospect WHERE id = %s", (p_warn,)))
        self.assertIsNotNone(one("SELECT retention_warned_at FROM prospect WHERE id = %s",
                                 (p_kept,)))
        self.assertEqual(one("SELECT COUNT(*) FROM auth_throttle WHERE k = %s", (th_old,)), 1)
        self.assertEqual(retention_mails(ka), ())

        place_old, place_new = "ChIJold" + uuid.uuid4().hex, "ChIJnew" + uuid.uuid4().hex
        for pl, at in ((place_old, d(hours=25)), (place_new, d(hours=2))):
            t.sql("INSERT INTO places_result (user_id, place_id, data, fetched_at) "
                  "VALUES (%s, %s, '{}', %s)", (k, pl, at))
        rc, run, out = retention()
        self.assertEqual(rc, 0, out)
        # What the dry run announced is what ran (classes nobody else touches).
        for cls in ("security_events", "admin_audit", "transactional_emails", "invoices",
                    "prospects", "prospects_warned", "prospects_kept", "stripe_events"):
            self.assertEqual(run[cls], dry[cls], (cls, out))
        for table, ids in old.items():
            for i in ids:
                self.assertFalse(exists(table, i), (table, i))
        for table, ids in kept.items():
            for i in ids:
                self.assertTrue(exists(table, i), (table, i))
        # Places results are a 24-hour cache.
        self.assertEqual(one("SELECT COUNT(*) FROM places_result WHERE place_id = %s",
                             (place_old,)), 0)
        self.assertEqual(one("SELECT COUNT(*) FROM places_result WHERE place_id = %s",
                             (place_new,)), 1)
        self.assertEqual(one("SELECT COUNT(*) FROM auth_throttle WHERE k = %s", (th_old,)), 0)
        self.assertEqual(one("SELECT COUNT(*) FROM auth_throttle WHERE k = %s", (th_new,)), 1)
        # Prospects: the due one and its note are gone; the others stay.
        self.assertFalse(exists("prospect", p_due))
        self.assertFalse(exists("prospect_note", note))
        for p in (p_warn, p_young, p_heard, p_kept, p_early, p_restr, p_restr2):
            self.assertTrue(exists("prospect", p), p)
        warned = lambda p: one("SELECT retention_warned_at FROM prospect WHERE id = %s", (p,))
        self.assertIsNotNone(warned(p_warn))
        self.assertIsNone(warned(p_young))
        self.assertIsNone(warned(p_heard))
        self.assertIsNone(warned(p_kept))          # heard from since: cleared
        self.assertIsNone(warned(p_restr2))        # restricted: not even warned
        # One e-mail to the user, with the count, through the transactional queue.
        self.assertEqual(len(retention_mails(ka)), 1)
        m = t.wait_mail(ka, count=2)[-1]
        self.assertIn("1 prospect", m["Subject"])
        text = t.mail_text(m)
        self.assertIn("trois ans", text)
        # It names the prospect, in good French (one: singular throughout).
        self.assertIn("- Vieille boulangerie", text)
        self.assertIn("venu de lui", text)
        self.assertIn("il sera supprimé à partir du", text)
        self.assertNotIn("sera sera", text)

        # Again: nothing more to do, no second e-mail.
        rc, again, out = retention()
        self.assertEqual(rc, 0, out)
        for cls in ("security_events", "admin_audit", "transactional_emails", "invoices",
                    "prospects", "prospects_warned", "prospects_kept", "accounts"):
            self.assertEqual(again[cls], 0, (cls, out))
        self.assertEqual(len(retention_mails(ka)), 1)

        # 31 days later (test clock): the warned prospect goes unless it was
        # heard from in between; the restricted account's stays.
        p_back = prospect(k, "Répondra", d(days=3 * 365 - 10), warned=self.t0)
        t.sql("UPDATE prospect SET last_prospect_contact_at = NOW() WHERE id = %s", (p_back,))
        later = (self.t0 + datetime.timedelta(days=31)).strftime("%Y-%m-%d %H:%M:%S")
        rc, run, out = retention("--now", later)
        self.assertEqual(rc, 0, out)
        self.assertFalse(exists("prospect", p_warn))
        self.assertFalse(exists("prospect", p_early))
        self.assertTrue(exists("prospect", p_back))
        self.assertIsNone(warned(p_back))
        self.assertTrue(exists("prospect", p_young))
        self.assertTrue(exists("prospect", p_heard))
        self.assertTrue(exists("prospect", p_restr))
        self.assertTrue(exists("prospect", p_restr2))
        self.assertGreaterEqual(run["sessions"], 1)      # a month on: every session expired

    def test_two_runs_at_once(self):
        """Both finish cleanly; every row goes once and the user gets one
        warning e-mail, whichever run took the lock first."""
        d = self.d
        c, addr = t.logged_in(prefix="ret-twice")
        u = t.user_id(addr)
        evs = [security_event(u, d(days=400 + i)) for i in range(30)]
        ps = [prospect(u, "Double %d" % i, d(days=3 * 365 - 5)) for i in range(5)]
        exe = [os.path.join(t.ROOT, "workers", "prospea-retention"), "-c", t.CONF,
               "--batch", "7"]
        procs = [subprocess.Popen(exe, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(2)]
        outs = [p.communicate(timeout=120) for p in procs]
        for p, (o, e) in zip(procs, outs):
            self.assertEqual(p.returncode, 0, o + e)
        counts = [parse(o) for o, _ in outs]
        self.assertEqual(sum(c["security_events"] for c in counts), 30, outs)
        self.assertEqual(sum(c["prospects_warned"] for c in counts), 5, outs)
        for e in evs:
            self.assertFalse(exists("security_event", e))
        self.assertEqual(len(retention_mails(addr)), 1)
        for p in ps:
            self.assertIsNotNone(one("SELECT retention_warned_at FROM prospect WHERE id = %s",
                                     (p,)))

    def test_erased_account(self):
        """30 days after erasure: every row of the person is gone, except the
        invoices (detached) and the suppression hashes (detached); the
        transactional e-mails keep their 3 years without the address; no
        text column of any table, and no log, names the person."""
        tag = uuid.uuid4().hex[:10]
        first, last = "Eulalie%s" % tag, "Vermeer%s" % tag
        c, addr = t.logged_in(prefix="ret-erase")
        u = t.user_id(addr)
        t.sql("UPDATE user_account SET first_name = %s, last_name = %s WHERE id = %s",
              (first, last, u))
        # What the account holds: prospects with notes and tags, a
        # suppression, a campaign with a step, an enrollment, a message and
        # a task, a sending account, a template, a call script, an import,
        # privacy requests, directives, an invoice, e-mails, events.
        r = c.call("POST", "/api/v1/prospects", {"name": "Chez %s" % last,
                                                 "email": "contact@%s.example" % tag,
                                                 "tags": ["client-%s" % tag]})
        self.assertEqual(r.status, 201, r)
        pid = int(r.json["id"])
        self.assertEqual(c.call("POST", "/api/v1/prospects/%d/notes" % pid,
                                {"body": "Appeler %s" % first}).status, 201)
        r = c.call("POST", "/api/v1/suppressions", {"kind": "email",
                                                    "value": "stop@%s.example" % tag})
        self.assertEqual(r.status, 201, r)
        supp = int(r.json["id"])
        tpl = insert("INSERT INTO template (user_id, name, channel, body, created_at, updated_at) "
                     "VALUES (%s, 'Modèle', 'email', %s, NOW(), NOW())",
                     (u, "Cordialement, %s %s" % (first, last)))
        script = insert("INSERT INTO call_script (user_id, name, sections, created_at, "
                        "updated_at) VALUES (%s, 'Script', '[]', NOW(), NOW())", (u,))
        acct = insert("INSERT INTO sending_account (user_id, channel, name, from_name, "
                      "from_email, created_at, updated_at) VALUES (%s, 'email', 'Boîte', %s, %s, "
                      "NOW(), NOW())", (u, "%s %s" % (first, last), addr))
        camp = insert("INSERT INTO campaign (user_id, name, email_account_id, created_at, "
                      "updated_at) VALUES (%s, 'Campagne', %s, NOW(), NOW())", (u, acct))
        insert("INSERT INTO campaign_step (user_id, campaign_id, position, kind, template_id) "
               "VALUES (%s, %s, 0, 'email', %s)", (u, camp, tpl))
        enr = insert("INSERT INTO enrollment (user_id, campaign_id, prospect_id, status, "
                     "enrolled_at, updated_at) VALUES (%s, %s, %s, 'completed', NOW(), NOW())",
                     (u, camp, pid))
        msg = insert("INSERT INTO message (user_id, campaign_id, enrollment_id, prospect_id, "
                     "position, channel, sending_account_id, status, to_addr, subject, body, "
                     "created_at) VALUES (%s, %s, %s, %s, 0, 'email', %s, 'sent', %s, 'Bonjour', "
                     "%s, NOW())", (u, camp, enr, pid, acct, "contact@%s.example" % tag,
                                    "Cordialement, %s %s <%s>" % (first, last, addr)))
        insert("INSERT INTO task (user_id, campaign_id, enrollment_id, prospect_id, position, "
               "call_script_id, due_at, created_at) VALUES (%s, %s, %s, %s, 1, %s, NOW(), NOW())",
               (u, camp, enr, pid, script))
        insert("INSERT INTO privacy_request (user_id, kind, message, created_at, due_at) "
               "VALUES (%s, 'access', %s, NOW(), NOW() + INTERVAL 30 DAY)",
               (u, "Je suis %s %s" % (first, last)))
        insert("INSERT INTO post_mortem_directive (user_id, directives, trusted_contact_name, "
               "created_at, updated_at) VALUES (%s, %s, 'Proche', NOW(), NOW())",
               (u, "Tout effacer, %s" % last))
        inv = invoice(u, (self.t0 + datetime.timedelta(days=3650)).date(),
                      "%s %s" % (first, last), addr)
        # Another account asked for this address (taken: its owner got a
        # notice, filed under the asker) and never confirmed it.
        other, oaddr = t.logged_in(prefix="ret-asker")
        self.assertEqual(other.call("PATCH", "/api/v1/account", {"email": addr.upper()}).status,
                         200)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM transactional_email WHERE to_addr = %s "
                               "AND user_id = %s", (addr, t.user_id(oaddr)))[0][0], 1)
        aud = audit(u, self.t0)
        mails = [r[0] for r in t.sql("SELECT id FROM transactional_email WHERE user_id = %s",
                                     (u,))]
        self.assertTrue(mails)
        queued = tmail(u, addr, self.t0)
        t.sql("UPDATE transactional_email SET status = 'queued', next_attempt_at = "
              "NOW() + INTERVAL 1 DAY, body_ct = 'x', last_error = %s WHERE id = %s",
              ("550 <%s> unknown" % addr, queued))
        self.assertGreater(one("SELECT COUNT(*) FROM security_event WHERE user_id = %s", (u,)), 0)
        # Closed for erasure (as the user asks it): not yet due, then due.
        r = c.call("POST", "/api/v1/gdpr/erasure", {"password": PW})
        self.assertEqual(r.status, 202, r)
        self.assertEqual(t.sql("SELECT pending_email FROM user_account WHERE id = %s",
                               (t.user_id(oaddr),))[0][0], None,
                         "another account's change to the erased address is withdrawn")
        rc, dry, out = retention("--dry-run")
        self.assertEqual((rc, dry["accounts"]), (0, 0), out)
        t.sql("UPDATE user_account SET erasure_due_at = NOW() - INTERVAL 1 SECOND "
              "WHERE id = %s", (u,))
        rc, dry, out = retention("--dry-run")
        self.assertEqual((rc, dry["accounts"]), (0, 1), out)
        self.assertEqual(one("SELECT COUNT(*) FROM user_account WHERE id = %s", (u,)), 1)
        rc, run, out = retention("--batch", "2")
        self.assertEqual((rc, run["accounts"]), (0, 1), out)

        # Table by table: every column named user_id (or target) holds no row of u ...
        tables = t.sql("SELECT table_name FROM information_schema.columns WHERE "
                       "table_schema = DATABASE() AND column_name = 'user_id' AND "
                       "table_name IN (SELECT table_name FROM information_schema.tables "
                       "WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE')")
        self.assertGreater(len(tables), 20)
        for (table,) in tables:
            self.assertEqual(one("SELECT COUNT(*) FROM `%s` WHERE user_id = %%s" % table, (u,)),
                             0, table)
        self.assertEqual(one("SELECT COUNT(*) FROM user_account WHERE id = %s", (u,)), 0)
        for table, i in (("prospect", pid), ("template", tpl), ("call_script", script),
                         ("sending_account", acct), ("campaign", camp), ("enrollment", enr),
                         ("message", msg)):
            self.assertFalse(exists(table, i), table)
        self.assertEqual(one("SELECT COUNT(*) FROM prospect_note WHERE prospect_id = %s",
                             (pid,)), 0)
        self.assertEqual(one("SELECT COUNT(*) FROM prospect_tag WHERE prospect_id = %s",
                             (pid,)), 0)
        self.assertEqual(one("SELECT COUNT(*) FROM campaign_step WHERE campaign_id = %s",
                             (camp,)), 0)
        self.assertEqual(one("SELECT COUNT(*) FROM task WHERE enrollment_id = %s", (enr,)), 0)
        # ... except what outlives it, detached.
        self.assertEqual(t.sql("SELECT user_id, owner_detached_at IS NOT NULL, customer_email "
                               "FROM invoice WHERE id = %s", (inv,)), ((None, 1, addr),))
        self.assertEqual(t.sql("SELECT user_id FROM suppression WHERE id = %s", (supp,)),
                         ((None,),))
        self.assertTrue(exists("admin_audit", aud))
        for mid in mails + [queued]:
            row = t.sql("SELECT user_id, to_addr, body_ct, last_error, status "
                        "FROM transactional_email WHERE id = %s", (mid,))[0]
            self.assertEqual(row[0], None)
            self.assertRegex(row[1], r"^hmac-sha256:[0-9a-f]{64}$")
            self.assertEqual((row[2], row[3]), (None, None))
        self.assertEqual(one("SELECT status FROM transactional_email WHERE id = %s", (queued,)),
                         "failed")
        # One address, one hash: the same one for every message to it.
        self.assertEqual(len({r[0] for r in t.sql(
            "SELECT to_addr FROM transactional_email WHERE id IN (%s)"
            % ",".join(str(m) for m in mails + [queued]))}), 1)

        # No text column of any table names the person, but the invoices.
        needles = (addr.lower(), first.lower(), last.lower())
        cols = t.sql("SELECT c.table_name, c.column_name FROM information_schema.columns c "
                     "JOIN information_schema.tables tb ON tb.table_schema = c.table_schema "
                     "AND tb.table_name = c.table_name AND tb.table_type = 'BASE TABLE' "
                     "WHERE c.table_schema = DATABASE() AND c.data_type IN ('char', 'varchar', "
                     "'tinytext', 'text', 'mediumtext', 'longtext', 'json', 'longtext', "
                     "'blob', 'mediumblob', 'longblob', 'varbinary', 'binary')")
        self.assertGreater(len(cols), 50)
        found = []
        for table, col in cols:
            if table == "invoice":
                continue
            for n in needles:
                if one("SELECT COUNT(*) FROM `%s` WHERE LOWER(CONVERT(`%s` USING utf8mb4)) "
                       "LIKE %%s" % (table, col), ("%" + n + "%",)):
                    found.append((table, col, n))
        self.assertEqual(found, [])
        # Nor any log of the stack.
        for f in glob.glob(os.path.join(t.VAR, "log", "*")):
            if os.path.isfile(f):
                with open(f, encoding="utf-8", errors="replace") as fh:
                    text = fh.read().lower()
                for n in needles:
                    self.assertNotIn(n, text, f)
        # The login is refused: the account no longer exists.
        r = t.Client().login(addr, PW)
        self.assertEqual(r.status, 401, r)


if __name__ == "__main__":
    t.main()
