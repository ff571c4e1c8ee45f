"""The Stripe webhook while the database is down: a verified event is
answered 503 (a 5xx, so Stripe delivers it again), nothing half-done is
left, and once the database is back the same delivery is applied exactly
once: the retry succeeds, a further retry is a duplicate.

This module stops the test stack's MariaDB: it runs after the other
end-to-end modules (tests/e2e/local.am) and always starts it again."""

import json
import time
import unittest

import prospea_test as t
from test_db_down import db_running, dev_db

RECOVERY = 10           # seconds the billing children get to reconnect


class WebhookDatabaseDown(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not t.VAR or not t.ROOT:
            raise unittest.SkipTest("PROSPEA_TEST_VAR and PROSPEA_TEST_ROOT are needed")
        dev_db("start")
        # After test_db_down the handlers' children may still be waiting
        # to reconnect: sign up once they all serve.
        deadline = time.time() + RECOVERY
        while True:
            try:
                cls.c, cls.addr = t.logged_in(prefix="billing-dbdown")
                break
            except AssertionError:
                if time.time() > deadline:
                    raise
                time.sleep(0.5)
        cls.uid = t.user_id(cls.addr)

    @classmethod
    def tearDownClass(cls):
        if not db_running():
            dev_db("start")
        # Leave the stack serving: a child whose reconnect failed while the
        # database was down tries again at most once a second (db.c), and
        # the next test (test_sender) signs up at once.
        time.sleep(1.5)
        for _ in range(20):
            r = t.request("GET", "/api/v1/legal/privacy-policy")
            if r.status != 503:
                break
            time.sleep(0.5)

    def test_down_then_retry_applies_once(self):
        sub = {"id": "sub_dbdown_%d" % self.uid, "object": "subscription",
               "status": "active", "created": int(time.time()),
               "customer": "cus_dbdown_%d" % self.uid, "cancel_at_period_end": False,
               "metadata": {"prospea_account_id": str(self.uid)},
               "items": {"object": "list", "data": [
                   {"price": {"id": "price_standin_starter_monthly"},
                    "current_period_start": int(time.time()),
                    "current_period_end": int(time.time()) + 86400 * 30}]}}
        body = t.stripe_event("customer.subscription.created", sub)
        eid = json.loads(body)["id"]
        try:
            dev_db("stop")
            self.assertFalse(db_running())
            for _ in range(3):
                r = t.stripe_post(body)
                self.assertGreaterEqual(r.status, 500, r)
                self.assertEqual(r.status, 503, r)
                self.assertEqual(r.header("Content-Type"), "application/problem+json")
                self.assertRegex(r.header("Retry-After") or "", r"^[1-9][0-9]*$")
        finally:
            dev_db("start")
        # Stripe retries (signing each delivery anew) until it gets a 2xx.
        deadline = time.time() + RECOVERY
        while True:
            r = t.stripe_post(body)
            if r.status == 200 or time.time() > deadline:
                break
            self.assertEqual(r.status, 503, r)
            time.sleep(0.3)
        self.assertEqual(r.json, {"received": True, "outcome": "applied"})
        # Each prefork child reconnects on its own (at most once a second):
        # a 503 from the other one is a delivery Stripe makes again.
        for _ in range(4):
            r = t.stripe_post(body)
            while r.status == 503 and time.time() < deadline:
                time.sleep(0.3)
                r = t.stripe_post(body)
            self.assertEqual(r.json, {"received": True, "duplicate": True})
        self.assertEqual(t.sql("SELECT COUNT(*) FROM stripe_event WHERE event_id = %s",
                               (eid,))[0][0], 1)
        b = self.c.call("GET", "/api/v1/billing").json
        self.assertEqual((b["plan"], b["status"]), ("starter", "active"))


if __name__ == "__main__":
    t.main()
