#!/usr/bin/env python3
"""Technical logs and anonymized analytics (DESIGN.md section 3).

Security events: a CSRF reject and a rate limit (429) write a
security_event with the user when known, the client's address and user
agent — in every route group (the core, fcgi/app.c); sign-ins, password
changes already did (handlers/auth). Nothing secret is stored.

Analytics (fcgi/analytics.h): events appear with their name, the hour
(truncated) and the plan, and no user id or content; a user who objected
(objects_analytics_at) produces none. Runs after the other tests: it
counts events, which nothing else may add meanwhile."""
import datetime
import time
import unittest

import prospea_test as t

PW = "Des fraises en hiver 2026"
UA = "prospea-privacy-test/1"


def events(uid, kind):
    return t.sql("SELECT ip, user_agent FROM security_event WHERE user_id = %s AND kind = %s",
                 (uid, kind))


def analytics():
    return dict(t.sql("SELECT name, COUNT(*) FROM analytics_event GROUP BY name"))


class SecurityEvents(unittest.TestCase):
    def test_csrf_reject_in_every_group(self):
        c, addr = t.logged_in(prefix="sec-csrf")
        uid = t.user_id(addr)
        paths = (("POST", "/api/v1/prospects"), ("POST", "/api/v1/templates"),
                 ("POST", "/api/v1/billing/portal"), ("POST", "/api/v1/auth/logout"))
        for method, path in paths:
            r = c.call(method, path, {}, csrf=False, headers={"User-Agent": UA})
            self.assertEqual(r.status, 403, (path, r))
            self.assertEqual(r.json["code"], "csrf")
        rows = events(uid, "csrf_rejected")
        self.assertEqual(len(rows), len(paths), rows)
        for ip, ua in rows:
            self.assertTrue(ip)
            self.assertEqual(ua, UA)
        # Neither the session nor the CSRF token is ever stored.
        for secret in (c.token, c.csrf):
            self.assertEqual(t.sql("SELECT COUNT(*) FROM security_event WHERE "
                                   "user_agent LIKE %s OR kind LIKE %s",
                                   ("%" + secret + "%", "%" + secret + "%"))[0][0], 0)

    def test_rate_limit(self):
        c, addr = t.logged_in(prefix="sec-rate")
        uid = t.user_id(addr)
        src = t.fresh_source()
        before = t.sql("SELECT COUNT(*) FROM security_event WHERE kind = 'rate_limited' "
                       "AND user_id IS NULL")[0][0]
        got = []
        for _ in range(12):
            r = t.request("POST", "/api/v1/auth/login", {"email": addr, "password": "faux"},
                          source=src, headers={"User-Agent": UA})
            got.append(r.status)
            if r.status == 429:
                break
        self.assertEqual(got[-1], 429, got)
        self.assertGreater(len(events(uid, "login_failed")), 0)
        rows = t.sql("SELECT ip, user_agent FROM security_event WHERE kind = 'rate_limited' "
                     "AND user_id IS NULL ORDER BY id DESC LIMIT 1")
        self.assertEqual(t.sql("SELECT COUNT(*) FROM security_event WHERE kind = "
                               "'rate_limited' AND user_id IS NULL")[0][0], before + 1)
        self.assertEqual(rows[0], (src, UA))
        # The password tried is nowhere.
        self.assertEqual(t.sql("SELECT COUNT(*) FROM security_event WHERE "
                               "user_agent LIKE '%faux%' OR kind LIKE '%faux%'")[0][0], 0)

    def test_sign_ins(self):
        c, addr = t.logged_in(prefix="sec-login")
        uid = t.user_id(addr)
        self.assertEqual(len(events(uid, "login_succeeded")), 1)
        self.assertEqual(t.Client(source=t.fresh_source()).login(addr, "pas le bon").status, 401)
        self.assertEqual(len(events(uid, "login_failed")), 1)


class Analytics(unittest.TestCase):
    def test_events_are_anonymous(self):
        cols = {r[0] for r in t.sql(
            "SELECT column_name FROM information_schema.columns WHERE "
            "table_schema = DATABASE() AND table_name = 'analytics_event'")}
        self.assertEqual(cols, {"id", "name", "occurred_hour", "plan_code"})
        before = analytics()
        c, addr = t.logged_in(prefix="analytics")                 # signup_completed
        r = c.call("POST", "/api/v1/prospects", {"name": "Café du Port"})
        self.assertEqual(r.status, 201, r)
        r = t.upload(c, "nom;ville\nBar des Amis;Brest\n".encode(), "?filename=a.csv")
        self.assertEqual(r.status, 201, r)
        r = c.call("POST", "/api/v1/campaigns", {"name": "Printemps"})
        self.assertEqual(r.status, 201, r)
        after = analytics()
        for name in ("signup_completed", "prospect_created", "import_completed",
                     "campaign_created"):
            self.assertEqual(after.get(name, 0), before.get(name, 0) + 1, name)
        hour = t.sql("SELECT DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%d %H:00:00')")[0][0]
        row = t.sql("SELECT occurred_hour, plan_code FROM analytics_event "
                    "WHERE name = 'prospect_created' ORDER BY id DESC LIMIT 1")[0]
        self.assertEqual(str(row[0]), hour)
        self.assertEqual(row[1], "trial")
        # Only the fixed names and the plans' codes: no user, no content.
        names = {"signup_completed", "prospect_created", "import_completed",
                 "campaign_created", "campaign_started", "email_sent", "sms_sent"}
        plans = {r[0] for r in t.sql("SELECT code FROM plan")}
        for name, plan in t.sql("SELECT DISTINCT name, plan_code FROM analytics_event"):
            self.assertIn(name, names)
            self.assertIn(plan, plans)

    def test_objection_means_no_events(self):
        c, addr = t.logged_in(prefix="analytics-obj")
        uid = t.user_id(addr)
        t.sql("UPDATE user_account SET objects_analytics_at = NOW(3) WHERE id = %s", (uid,))
        before = analytics()
        r = c.call("POST", "/api/v1/prospects", {"name": "Épicerie Fine"})
        self.assertEqual(r.status, 201, r)
        r = t.upload(c, "nom;ville\nBoucherie;Rennes\n".encode(), "?filename=b.csv")
        self.assertEqual(r.status, 201, r)
        r = c.call("POST", "/api/v1/campaigns", {"name": "Été"})
        self.assertEqual(r.status, 201, r)
        time.sleep(0.3)
        self.assertEqual(analytics(), before)
        # Withdrawn: events again.
        t.sql("UPDATE user_account SET objects_analytics_at = NULL WHERE id = %s", (uid,))
        r = c.call("POST", "/api/v1/prospects", {"name": "Épicerie Fine 2"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(analytics().get("prospect_created", 0),
                         before.get("prospect_created", 0) + 1)


if __name__ == "__main__":
    t.main()
