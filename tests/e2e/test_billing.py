"""Billing end to end: the Stripe webhook's verification table (valid,
expired, future, no header, empty, malformed t, only v0, wrong signature,
several v1 with one valid, the previous secret during a rotation, a body
changed by one byte, re-serialised JSON; a refusal stores nothing), its
idempotency (the same event twice, and eight deliveries at once: one row,
one e-mail), its order rules (a late customer.subscription.created never
overwrites a newer active; another subscription's deletion ends nothing),
unknown types, both API shapes of the billing period, SEPA's delayed
payment, chunked and non-ASCII bodies and a \\u0000 inside a string;
the shared fixture signed with the dev secret changes GET /billing;
Checkout and the Customer Portal against the Stripe stand-in (the customer
reused, Stripe's request format, errors mapped, a retry with the same
Idempotency-Key); usage numbers; the plan's limits in the prospects paths
(create, import, Places import) and after the trial (402); invoices listed
and kept, detached, when the account row is deleted.

The database-down case is test_billing_db_down.py (it stops MariaDB)."""

import http.client
import json
import os
import threading
import time
import unittest
import urllib.parse

import prospea_test as t

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                       "stripe_checkout_session_completed.json")
PRICE_PRO = "price_standin_pro_monthly"
PRICE_STARTER = "price_standin_starter_monthly"


def fixture_for(uid, event_id=None):
    """The shared fixture's bytes for account uid: only the account
    reference, the customer and subscription (and, if given, the event id)
    replaced,
    nothing re-serialised."""
    with open(FIXTURE, "rb") as fh:
        body = fh.read()
    body = body.replace(b'"acct_1042"', b'"acct_%d"' % uid)
    body = body.replace(b'"prospea_account_id": "1042"', b'"prospea_account_id": "%d"' % uid)
    # A Stripe customer of its own: the customer's known owner wins over
    # the reference (bill_find_user), and tests link several accounts.
    body = body.replace(b'"cus_FictProspea0001"', b'"cus_FictProspea%d"' % uid)
    body = body.replace(b'"sub_FictProspea0001"', b'"sub_FictProspea%d"' % uid)
    if event_id:
        body = body.replace(b'"evt_1FictProspeaCheckout0001"', b'"%s"' % event_id.encode())
    return body


def event_row(event_id):
    rows = t.sql("SELECT type, outcome, user_id FROM stripe_event WHERE event_id = %s",
                 (event_id,))
    return rows[0] if rows else None


def subscription(uid, sub_id, status, created, price=PRICE_PRO, basil=True, period_end=None,
                 customer=None, cancel_at_period_end=False):
    """A subscription object as Stripe's API shows it: the billing period
    on the item (basil, 2025-03-31 and later) or on the subscription."""
    start = created
    end = period_end or created + 30 * 86400
    item = {"id": "si_" + sub_id[4:], "object": "subscription_item",
            "price": {"id": price, "object": "price", "currency": "eur",
                      "recurring": {"interval": "month"}}, "quantity": 1}
    sub = {"id": sub_id, "object": "subscription", "status": status, "created": created,
           "customer": customer or "cus_test_%d" % uid,
           "cancel_at_period_end": cancel_at_period_end, "canceled_at": None,
           "trial_end": None, "metadata": {"prospea_account_id": str(uid)},
           "items": {"object": "list", "data": [item]}}
    if basil:
        item["current_period_start"], item["current_period_end"] = start, end
    else:
        sub["current_period_start"], sub["current_period_end"] = start, end
    return sub


def invoice(uid, inv_id, status, customer, created, name="Élodie Martin", total=5880):
    return {"id": inv_id, "object": "invoice", "number": "PROSP-%s" % inv_id[-4:],
            "status": status, "currency": "eur", "customer": customer,
            "customer_name": name, "customer_email": "facturation@atelier-martin.example",
            "customer_address": {"city": "Saint-Étienne", "country": "FR",
                                 "line1": "12 Rue Fictive", "line2": None,
                                 "postal_code": "42000", "state": None},
            "customer_tax_ids": [{"type": "eu_vat", "value": "FR00999999999"}],
            "subtotal": 4900, "total": total, "amount_due": total,
            "amount_paid": total if status == "paid" else 0,
            "amount_remaining": 0 if status == "paid" else total,
            "total_taxes": [{"amount": 980, "tax_behavior": "exclusive"}],
            "hosted_invoice_url": "https://invoice.stripe.com/i/acct_x/test_%s" % inv_id,
            "invoice_pdf": "https://pay.stripe.com/invoice/acct_x/test_%s/pdf" % inv_id,
            "created": created, "period_start": created, "period_end": created,
            "lines": {"object": "list", "data": [
                {"period": {"start": created, "end": created + 30 * 86400}}]},
            "status_transitions": {"paid_at": created if status == "paid" else None},
            "parent": {"type": "subscription_details", "subscription_details": {
                "subscription": "sub_inv_%d" % uid,
                "metadata": {"prospea_account_id": str(uid)}}}}


class Webhook(unittest.TestCase):
    """The verification table, idempotency and order."""

    @classmethod
    def setUpClass(cls):
        cls.c, cls.addr = t.logged_in(prefix="billing")
        cls.uid = t.user_id(cls.addr)

    def billing(self, c=None):
        r = (c or self.c).call("GET", "/api/v1/billing")
        self.assertEqual(r.status, 200, r)
        return r.json

    def unknown_event(self):
        eid = "evt_test_" + os.urandom(8).hex()
        return eid, t.stripe_event("prospea.test.nothing", {"id": "x_1", "object": "thing"},
                                   event_id=eid)

    def assertRefused(self, r, eid, what):
        self.assertEqual(r.status, 400, (what, r))
        self.assertEqual(r.header("Content-Type"), "application/problem+json", what)
        self.assertEqual(r.json["code"], "bad_event", what)
        # The same answer for every failure, and nothing stored.
        self.assertEqual(r.json["detail"], "This event could not be verified.", what)
        self.assertIsNone(event_row(eid), what)

    def test_valid(self):
        eid, body = self.unknown_event()
        r = t.stripe_post(body)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"received": True, "outcome": "ignored"})
        self.assertEqual(event_row(eid), ("prospea.test.nothing", "ignored", None))

    def test_signature_table(self):
        now = int(time.time())
        sec = t.stripe_secret()

        def sig(body, **kw):
            return t.stripe_sign(body, **kw).split(",")[1][3:]

        cases = [
            ("expired", lambda b: t.stripe_sign(b, t=now - 301)),
            ("future", lambda b: t.stripe_sign(b, t=now + 301)),
            ("no header", lambda b: None),
            ("empty header", lambda b: ""),
            ("malformed t", lambda b: "t=%dx,v1=%s" % (now, sig(b))),
            ("t missing", lambda b: "v1=%s" % sig(b)),
            ("two t", lambda b: "t=%d,t=%d,v1=%s" % (now, now, sig(b))),
            ("only v0", lambda b: "t=%d,v0=%s" % (now, sig(b))),
            ("wrong signature", lambda b: t.stripe_sign(b, secret="whsec_someone_else_000")),
            ("secret without its whsec_ prefix",
             lambda b: t.stripe_sign(b, secret=sec[len("whsec_"):])),
            ("v1 of another time", lambda b: "t=%d,v1=%s" % (now, sig(b, t=now - 1))),
        ]
        for what, make in cases:
            eid, body = self.unknown_event()
            self.assertRefused(t.stripe_post(body, make(body)), eid, what)
        # Within the tolerance either way: accepted.
        for delta in (-290, 290):
            eid, body = self.unknown_event()
            r = t.stripe_post(body, t.stripe_sign(body, t=now + delta))
            self.assertEqual(r.status, 200, (delta, r))

    def test_several_v1_one_valid(self):
        eid, body = self.unknown_event()
        good = t.stripe_sign(body).split(",")
        bad = t.stripe_sign(body, secret="whsec_rolled_away_000").split(",")[1]
        r = t.stripe_post(body, ",".join([good[0], bad, "v0=" + "0" * 64, good[1],
                                          "v2=whatever"]))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(event_row(eid)[1], "ignored")

    def test_rolled_secret(self):
        """During a rotation the endpoint keeps the previous secret too."""
        eid, body = self.unknown_event()
        r = t.stripe_post(body, t.stripe_sign(body, secret=t.stripe_secret("whsec-old")))
        self.assertEqual(r.status, 200, r)
        self.assertIsNotNone(event_row(eid))

    def test_body_changed(self):
        eid, body = self.unknown_event()
        h = t.stripe_sign(body)
        changed = body.replace(b'"livemode":false', b'"livemode":falsE')
        self.assertEqual(len(changed), len(body))
        self.assertRefused(t.stripe_post(changed, h), eid, "one byte changed")
        self.assertRefused(t.stripe_post(body + b"\n", h), eid, "one byte added")
        self.assertRefused(t.stripe_post(body[:-1], h), eid, "one byte less")
        # The same JSON, re-serialised: other bytes, so not what Stripe signed.
        again = json.dumps(json.loads(body), indent=2).encode()
        self.assertRefused(t.stripe_post(again, h), eid, "re-serialised")
        self.assertEqual(t.stripe_post(body, h).status, 200)

    def test_two_signature_headers(self):
        eid, body = self.unknown_event()
        h = t.stripe_sign(body)
        r = t.request("POST", t.WEBHOOK, body, {"Content-Type": "application/json"},
                      raw_headers=[("Stripe-Signature", h), ("Stripe-Signature", h)])
        self.assertRefused(r, eid, "two headers")

    def test_not_an_event(self):
        """Verified bytes that are not an event: 400 too, nothing stored."""
        for body in (b"[]", b"{}", b"not json", b'{"id":"evt_x","type":"a b","created":1,'
                     b'"data":{"object":{}}}'):
            r = t.stripe_post(body)
            self.assertEqual(r.status, 400, (body, r))
        self.assertIsNone(event_row("evt_x"))

    def test_no_session_no_csrf_any_content_type(self):
        """Stripe sends no cookie, no CSRF token: the route needs neither,
        and a session sent anyway changes nothing."""
        eid, body = self.unknown_event()
        r = t.request("POST", t.WEBHOOK, body, {"Content-Type": "text/plain",
                                                "Stripe-Signature": t.stripe_sign(body),
                                                "Cookie": "%s=%s" % (t.COOKIE, self.c.token)})
        self.assertEqual(r.status, 200, r)
        r = t.request("GET", t.WEBHOOK)
        self.assertEqual(r.status, 405, r)

    def test_chunked_and_non_ascii(self):
        """A chunked body (nginx buffers it and passes CONTENT_LENGTH) with
        non-ASCII text verifies: the shared fixture, sent in small chunks."""
        body = fixture_for(self.uid, "evt_chunked_" + os.urandom(6).hex())
        self.assertIn("Saint-Étienne".encode(), body)
        h = t.stripe_sign(body)
        u = urllib.parse.urlsplit(t.URL)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30,
                                          source_address=(t.SOURCE, 0))
        conn.putrequest("POST", t.WEBHOOK)
        conn.putheader("Content-Type", "application/json; charset=utf-8")
        conn.putheader("Stripe-Signature", h)
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        for i in range(0, len(body), 97):
            part = body[i:i + 97]
            conn.send(b"%x\r\n%s\r\n" % (len(part), part))
        conn.send(b"0\r\n\r\n")
        r = conn.getresponse()
        out = r.read()
        conn.close()
        self.assertEqual(r.status, 200, out)
        self.assertEqual(json.loads(out)["outcome"], "applied")

    def test_nul_inside_a_string(self):
        """A \\u0000 inside a string verifies, and is kept whole: the
        invoice's customer name reads back with the NUL and what follows."""
        c, addr = t.logged_in(prefix="billing-nul")
        uid = t.user_id(addr)
        name = "Zoé\u0000Martin – SARL Éclair"
        inv = invoice(uid, "in_nul_%d" % uid, "paid", "cus_nul_%d" % uid, int(time.time()),
                      name=name)
        body = t.stripe_event("invoice.paid", inv)
        self.assertIn(b"\\u0000", body)
        r = t.stripe_post(body)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["outcome"], "applied")
        items = c.call("GET", "/api/v1/billing/invoices").json["items"]
        self.assertEqual(len(items), 1)
        self.assertEqual(items[0]["customer_name"], name)

    def test_duplicate_sequential(self):
        c, addr = t.logged_in(prefix="billing-dup")
        uid = t.user_id(addr)
        body = t.stripe_event("customer.subscription.updated",
                              subscription(uid, "sub_dup_%d" % uid, "active",
                                           int(time.time())))
        eid = json.loads(body)["id"]
        r1 = t.stripe_post(body)
        self.assertEqual(r1.json, {"received": True, "outcome": "applied"})
        before = t.sql("SELECT updated_at, state_at FROM subscription WHERE user_id = %s",
                       (uid,))
        r2 = t.stripe_post(body)
        self.assertEqual(r2.status, 200, r2)
        self.assertEqual(r2.json, {"received": True, "duplicate": True})
        self.assertEqual(t.sql("SELECT COUNT(*) FROM stripe_event WHERE event_id = %s",
                               (eid,))[0][0], 1)
        self.assertEqual(t.sql("SELECT updated_at, state_at FROM subscription "
                               "WHERE user_id = %s", (uid,)), before)

    def test_duplicate_concurrent(self):
        """Eight deliveries of one event at once: all 200, one effect (one
        row, one e-mail)."""
        c, addr = t.logged_in(prefix="billing-race")
        uid = t.user_id(addr)
        inv = invoice(uid, "in_race_%d" % uid, "open", "cus_race_%d" % uid,
                      int(time.time()))
        body = t.stripe_event("invoice.payment_failed", inv)
        eid = json.loads(body)["id"]
        h = t.stripe_sign(body)
        results = []
        barrier = threading.Barrier(8)

        def deliver():
            barrier.wait()
            results.append(t.stripe_post(body, h))

        threads = [threading.Thread(target=deliver) for _ in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        self.assertEqual([r.status for r in results], [200] * 8, results)
        self.assertEqual(sum(1 for r in results if "outcome" in r.json), 1, results)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM stripe_event WHERE event_id = %s",
                               (eid,))[0][0], 1)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM transactional_email WHERE user_id = %s "
                               "AND kind = 'billing_payment_failed'", (uid,))[0][0], 1)
        m = t.wait_mail(addr, 2)[-1]     # the verification mail, then this one
        self.assertIn("Échec du paiement", m["Subject"])
        self.assertIn(inv["hosted_invoice_url"], t.mail_text(m))
        time.sleep(1)
        self.assertEqual(len(t.mails_to(addr)), 2)

    def test_out_of_order(self):
        c, addr = t.logged_in(prefix="billing-order")
        uid = t.user_id(addr)
        sub = "sub_order_%d" % uid
        now = int(time.time())
        # Stripe's real order: created (incomplete), then updated (active).
        # Delivered the other way round, the late "created" must not win.
        r = t.stripe_post(t.stripe_event("customer.subscription.updated",
                                         subscription(uid, sub, "active", now - 60,
                                                      period_end=now + 86400 * 30),
                                         created=now - 50))
        self.assertEqual(r.json["outcome"], "applied", r)
        r = t.stripe_post(t.stripe_event("customer.subscription.created",
                                         subscription(uid, sub, "incomplete", now - 60),
                                         created=now - 60))
        self.assertEqual(r.json["outcome"], "stale", r)
        b = self.billing(c)
        self.assertEqual((b["plan"], b["status"]), ("pro", "active"))
        # The same second: the rank decides (incomplete < active).
        r = t.stripe_post(t.stripe_event("customer.subscription.created",
                                         subscription(uid, sub, "incomplete", now - 60),
                                         created=now - 50))
        self.assertEqual(r.json["outcome"], "stale", r)
        self.assertEqual(self.billing(c)["status"], "active")
        # Another, older subscription of the account ends: this one goes on.
        r = t.stripe_post(t.stripe_event("customer.subscription.deleted",
                                         subscription(uid, "sub_older_%d" % uid, "canceled",
                                                      now - 900),
                                         created=now - 10))
        self.assertEqual(r.json["outcome"], "stale", r)
        self.assertEqual(self.billing(c)["status"], "active")
        # A plan change and cancel_at_period_end arrive later: applied.
        r = t.stripe_post(t.stripe_event("customer.subscription.updated",
                                         subscription(uid, sub, "active", now - 60,
                                                      price=PRICE_STARTER,
                                                      cancel_at_period_end=True),
                                         created=now - 5))
        self.assertEqual(r.json["outcome"], "applied", r)
        b = self.billing(c)
        self.assertEqual((b["plan"], b["cancel_at_period_end"]), ("starter", True))
        # Deleted: canceled; creating is refused (402), nothing is deleted.
        self.assertEqual(c.call("POST", "/api/v1/prospects",
                                {"name": "Boulangerie Gardée"}).status, 201)
        r = t.stripe_post(t.stripe_event("customer.subscription.deleted",
                                         subscription(uid, sub, "canceled", now - 60),
                                         created=now))
        self.assertEqual(r.json["outcome"], "applied", r)
        b = self.billing(c)
        self.assertEqual((b["status"], b["in_good_standing"], b["sending_allowed"],
                          b["standing_problem"]),
                         ("canceled", False, False, "subscription_canceled"))
        r = c.call("POST", "/api/v1/prospects", {"name": "Fleurs Refusées"})
        self.assertEqual(r.status, 402, r)
        self.assertEqual(r.json["code"], "subscription_canceled")
        self.assertEqual(r.header("Content-Type"), "application/problem+json")
        self.assertEqual(len(c.call("GET", "/api/v1/prospects").json["items"]), 1)
        # A late event of an older subscription does not revive anything.
        r = t.stripe_post(t.stripe_event("customer.subscription.updated",
                                         subscription(uid, "sub_older_%d" % uid, "active",
                                                      now - 900),
                                         created=now - 30))
        self.assertEqual(r.json["outcome"], "stale", r)
        self.assertEqual(self.billing(c)["status"], "canceled")
        # Subscribing again: the new subscription takes over.
        r = t.stripe_post(t.stripe_event("customer.subscription.created",
                                         subscription(uid, "sub_again_%d" % uid, "active",
                                                      now + 1),
                                         created=now + 1))
        self.assertEqual(r.json["outcome"], "applied", r)
        self.assertEqual(self.billing(c)["status"], "active")
        self.assertEqual(c.call("POST", "/api/v1/prospects", {"name": "De Retour"}).status,
                         201)

    def test_period_in_both_api_shapes(self):
        for basil in (True, False):
            c, addr = t.logged_in(prefix="billing-shape")
            uid = t.user_id(addr)
            end = 1798761600            # 2027-01-01T00:00:00Z
            api = "2025-08-27.basil" if basil else "2024-06-20"
            r = t.stripe_post(t.stripe_event("customer.subscription.created",
                                             subscription(uid, "sub_shape_%d" % uid, "active",
                                                          int(time.time()), basil=basil,
                                                          period_end=end),
                                             api_version=api))
            self.assertEqual(r.json["outcome"], "applied", (basil, r))
            self.assertEqual(self.billing(c)["current_period_end"], "2027-01-01T00:00:00Z",
                             basil)

    def test_unknown_type(self):
        body = t.stripe_event("customer.tax_id.created", {"id": "txi_1", "object": "tax_id"})
        r = t.stripe_post(body)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(event_row(json.loads(body)["id"]), ("customer.tax_id.created",
                                                             "ignored", None))

    def test_unmatched_account(self):
        """An event about no account we know: 200 (so Stripe stops), recorded."""
        body = t.stripe_event("customer.subscription.updated",
                              subscription(987654321, "sub_nobody", "active", int(time.time()),
                                           customer="cus_nobody_at_all"))
        r = t.stripe_post(body)
        self.assertEqual(r.json["outcome"], "unmatched", r)

    def test_customer_owner_wins_over_a_reference(self):
        """An event whose metadata names account D about a customer that
        account C owns is never filed under D (D would see C's billing
        identity, or get C's subscription): logged and left unmatched."""
        now = int(time.time())
        _, c_addr = t.logged_in(prefix="billing-owner-c")
        _, d_addr = t.logged_in(prefix="billing-owner-d")
        c_id, d_id = t.user_id(c_addr), t.user_id(d_addr)
        cus = "cus_owned_by_%d" % c_id
        t.sql("INSERT INTO subscription (user_id, trial_ends_at, stripe_customer_id, "
              "created_at, updated_at) VALUES (%s, NOW(), %s, NOW(), NOW())", (c_id, cus))
        inv = invoice(d_id, "in_cross_%d" % d_id, "paid", cus, now)
        r = t.stripe_post(t.stripe_event("invoice.paid", inv, created=now))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["outcome"], "unmatched", r)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM invoice WHERE user_id = %s", (d_id,))[0][0],
                         0)
        # The same invoice for its own account is filed.
        inv = invoice(c_id, "in_own_%d" % c_id, "paid", cus, now)
        r = t.stripe_post(t.stripe_event("invoice.paid", inv, created=now))
        self.assertEqual(r.json["outcome"], "applied", r)

    def test_sepa_delayed_payment(self):
        """checkout.session.completed with payment_status unpaid (a SEPA
        debit): no access until async_payment_succeeded."""
        c, addr = t.logged_in(prefix="billing-sepa")
        uid = t.user_id(addr)
        with open(FIXTURE, "rb") as fh:
            ev = json.loads(fh.read())
        s = ev["data"]["object"]
        s["client_reference_id"] = "acct_%d" % uid
        s["payment_status"] = "unpaid"
        s["customer"], s["subscription"] = "cus_sepa_%d" % uid, "sub_sepa_%d" % uid
        now = int(time.time())
        r = t.stripe_post(t.stripe_event("checkout.session.completed", s, created=now - 30))
        self.assertEqual(r.json["outcome"], "applied", r)
        b = self.billing(c)
        self.assertEqual((b["plan"], b["status"], b["in_good_standing"]),
                         ("pro", "incomplete", False))
        self.assertEqual(c.call("POST", "/api/v1/prospects", {"name": "Trop Tôt"}).status, 402)
        s["payment_status"] = "paid"
        r = t.stripe_post(t.stripe_event("checkout.session.async_payment_succeeded", s,
                                         created=now - 20))
        self.assertEqual(r.json["outcome"], "applied", r)
        b = self.billing(c)
        self.assertEqual((b["status"], b["in_good_standing"]), ("active", True))
        self.assertEqual(c.call("POST", "/api/v1/prospects", {"name": "Enfin"}).status, 201)

    def test_trial_will_end_mail(self):
        c, addr = t.logged_in(prefix="billing-trial-mail")
        uid = t.user_id(addr)
        sub = subscription(uid, "sub_tw_%d" % uid, "trialing", int(time.time()))
        sub["trial_end"] = 1798761600
        r = t.stripe_post(t.stripe_event("customer.subscription.trial_will_end", sub))
        self.assertEqual(r.json["outcome"], "applied", r)
        m = t.wait_mail(addr, 2)[-1]
        self.assertIn("essai", m["Subject"])
        self.assertIn("01/01/2027", t.mail_text(m))
        self.assertIn("trial", t.mail_text(m))

    def test_fixture_changes_billing(self):
        """README's recipe: sign the fixture with the dev secret, post it,
        and the plan changes in GET /billing."""
        c, addr = t.logged_in(prefix="billing-fixture")
        uid = t.user_id(addr)
        before = self.billing(c)
        self.assertEqual((before["plan"], before["status"], before["subscribed"]),
                         ("trial", "trialing", False))
        body = fixture_for(uid, "evt_fixture_" + os.urandom(6).hex())
        r = t.stripe_post(body)
        self.assertEqual(r.json, {"received": True, "outcome": "applied"})
        after = self.billing(c)
        self.assertEqual((after["plan"], after["status"], after["subscribed"]),
                         ("pro", "active", True))
        self.assertEqual(after["limits"]["prospects"], 25000)


class Startup(unittest.TestCase):
    """A webhook secret that cannot be right stops prospea-billing at
    start, with a message naming the key and the fault."""

    def check(self, content):
        import subprocess
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".whsec", delete=False) as fh:
            fh.write(content)
        try:
            env = dict(os.environ, PROSPEA_STRIPE_WEBHOOK_SECRET_FILE=fh.name)
            return subprocess.run([os.path.join(t.ROOT, "handlers", "billing",
                                                "prospea-billing"), "-c", t.CONF, "--check"],
                                  capture_output=True, text=True, env=env, timeout=30)
        finally:
            os.unlink(fh.name)

    def test_bad_secrets_refused(self):
        for content, fault in (("", "is empty"), ("\n", "is empty"),
                               ("whsec_abc def0123456789\n", "whitespace"),
                               ("sk_test_0123456789abcdef\n", "not a whsec_ secret")):
            p = self.check(content)
            self.assertEqual(p.returncode, 1, (content, p.stderr))
            self.assertIn("stripe_webhook_secret_file", p.stderr, content)
            self.assertIn(fault, p.stderr, content)
        p = self.check(t.stripe_secret() + "\n")
        self.assertEqual(p.returncode, 0, p.stderr)


class Stripe(unittest.TestCase):
    """Checkout and the Customer Portal against the stand-in."""

    def since(self, n):
        return t.stripe_requests()[n:]

    def test_checkout_and_portal(self):
        c, addr = t.logged_in(prefix="billing-checkout")
        uid = t.user_id(addr)
        r = c.call("POST", "/api/v1/billing/portal")
        self.assertEqual(r.status, 409, r)
        self.assertEqual(r.json["code"], "no_customer")
        n = len(t.stripe_requests())
        r = c.call("POST", "/api/v1/billing/checkout", {"plan": "pro"})
        self.assertEqual(r.status, 200, r)
        self.assertRegex(r.json["url"], r"^https://checkout\.stripe\.com/c/pay/cs_test_")
        self.assertTrue(r.json["id"].startswith("cs_test_"))
        sent = self.since(n)
        self.assertEqual([(x["method"], x["path"], x["status"]) for x in sent],
                         [("POST", "/v1/customers", 200), ("POST", "/v1/checkout/sessions", 200)])
        for x in sent:
            self.assertEqual(x["stripe_version"], "2025-08-27.basil")
            self.assertEqual(x["content_type"], "application/x-www-form-urlencoded")
            self.assertRegex(x["idempotency_key"] or "", r"^[0-9a-f]{32}$")
        self.assertNotEqual(sent[0]["idempotency_key"], sent[1]["idempotency_key"])
        cus = sent[0]["form"]
        self.assertEqual(cus["email"], addr)
        self.assertEqual(cus["metadata"], {"prospea_account_id": str(uid)})
        cs = sent[1]["form"]
        customer = cs["customer"]
        self.assertTrue(customer.startswith("cus_"))
        self.assertEqual(cs["mode"], "subscription")
        self.assertEqual(cs["line_items"], {"0": {"price": PRICE_PRO, "quantity": "1"}})
        self.assertEqual(cs["client_reference_id"], "acct_%d" % uid)
        self.assertEqual(cs["subscription_data"]["metadata"]["prospea_account_id"], str(uid))
        self.assertEqual(cs["metadata"]["plan"], "pro")
        self.assertTrue(cs["success_url"].startswith(t.URL + "/billing?checkout=success"))
        self.assertIn("{CHECKOUT_SESSION_ID}", cs["success_url"])
        # A second checkout reuses the customer.
        n = len(t.stripe_requests())
        r = c.call("POST", "/api/v1/billing/checkout", {"plan": "starter"})
        self.assertEqual(r.status, 200, r)
        sent = self.since(n)
        self.assertEqual([x["path"] for x in sent], ["/v1/checkout/sessions"])
        self.assertEqual(sent[0]["form"]["customer"], customer)
        self.assertEqual(sent[0]["form"]["line_items"]["0"]["price"], PRICE_STARTER)
        # The portal, for that customer.
        n = len(t.stripe_requests())
        r = c.call("POST", "/api/v1/billing/portal")
        self.assertEqual(r.status, 200, r)
        self.assertRegex(r.json["url"], r"^https://billing\.stripe\.com/p/session/")
        sent = self.since(n)
        self.assertEqual(sent[0]["form"], {"customer": customer,
                                           "return_url": t.URL + "/billing"})
        # Subscribed: another checkout is a conflict (the portal changes plans).
        t.stripe_post(t.stripe_event("customer.subscription.created",
                                     subscription(uid, "sub_co_%d" % uid, "active",
                                                  int(time.time()), customer=customer)))
        r = c.call("POST", "/api/v1/billing/checkout", {"plan": "pro"})
        self.assertEqual(r.status, 409, r)
        self.assertEqual(r.json["code"], "already_subscribed")

    def test_checkout_fields(self):
        c, _ = t.logged_in(prefix="billing-fields")
        for body in ({}, {"plan": "trial"}, {"plan": "gold"}, {"plan": "pro", "x": 1}):
            r = c.call("POST", "/api/v1/billing/checkout", body)
            self.assertEqual(r.status, 400, (body, r))
        r = c.call("POST", "/api/v1/billing/checkout", {"plan": "pro"}, csrf=False)
        self.assertEqual(r.status, 403, r)
        r = t.request("POST", "/api/v1/billing/checkout", {"plan": "pro"})
        self.assertEqual(r.status, 401, r)
        self.assertEqual(t.request("GET", "/api/v1/billing").status, 401)

    def test_retry_reuses_the_idempotency_key(self):
        """The stand-in drops the first connection of each key ("flaky"):
        the call is retried once with the same Idempotency-Key."""
        c, addr = t.logged_in(prefix="flaky")
        n = len(t.stripe_requests())
        r = c.call("POST", "/api/v1/billing/checkout", {"plan": "pro"})
        self.assertEqual(r.status, 200, r)
        sent = self.since(n)
        # The dropped attempt may be logged after its retry: compare as sets.
        for path in ("/v1/customers", "/v1/checkout/sessions"):
            tries = [x for x in sent if x["path"] == path]
            self.assertEqual(sorted(x["status"] for x in tries), [0, 200], path)
            self.assertEqual(len({x["idempotency_key"] for x in tries}), 1, path)
        self.assertEqual(len(sent), 4)

    def test_stripe_errors_mapped(self):
        c, _ = t.logged_in(prefix="stripe-down")
        r = c.call("POST", "/api/v1/billing/checkout", {"plan": "pro"})
        self.assertEqual(r.status, 503, r)
        self.assertEqual(r.json["code"], "billing_unavailable")
        self.assertRegex(r.header("Retry-After") or "", r"^[1-9][0-9]*$")
        c, _ = t.logged_in(prefix="rate-limited")
        r = c.call("POST", "/api/v1/billing/checkout", {"plan": "pro"})
        self.assertEqual(r.status, 503, r)
        self.assertEqual(r.json["code"], "billing_busy")
        self.assertEqual(r.header("Retry-After"), "2")
        # A refused key: 502, and neither key nor Stripe's message shows.
        path = os.path.join(t.VAR, "stripe", "secret.key")
        with open(path) as fh:
            key = fh.read()
        c, _ = t.logged_in(prefix="billing-badkey")
        try:
            with open(path, "w") as fh:
                fh.write("sk_test_not_the_right_one\n")
            r = c.call("POST", "/api/v1/billing/checkout", {"plan": "pro"})
        finally:
            with open(path, "w") as fh:
                fh.write(key)
        self.assertEqual(r.status, 502, r)
        self.assertEqual(r.json["code"], "billing_error")
        self.assertNotIn(b"sk_test", r.body)
        self.assertNotIn(b"Invalid API Key", r.body)
        with open(os.path.join(t.VAR, "log", "billing.log"), encoding="utf-8",
                  errors="replace") as fh:
            log = fh.read()
        self.assertNotIn(key.strip(), log)
        self.assertNotIn("sk_test_not_the_right_one", log)


class Limits(unittest.TestCase):
    """GET /billing's usage, and the limits where prospects are added."""

    @classmethod
    def setUpClass(cls):
        # A plan of our own with small limits: the seeded ones stay as they are.
        t.sql("INSERT IGNORE INTO plan (code, name, position, max_prospects, "
              "max_emails_month, max_sending_accounts, max_active_campaigns) "
              "VALUES ('test_tiny', 'Tiny', 99, 3, 2, 1, 1)")

    def on_tiny(self, uid):
        t.sql("INSERT INTO subscription (user_id, plan_code, status, trial_ends_at, "
              "created_at, updated_at) VALUES (%s, 'test_tiny', 'active', NOW(), NOW(), "
              "NOW()) ON DUPLICATE KEY UPDATE plan_code = 'test_tiny', status = 'active'",
              (uid,))

    def test_usage(self):
        c, addr = t.logged_in(prefix="billing-usage")
        uid = t.user_id(addr)
        r = c.call("POST", "/api/v1/prospects", {"name": "Boulangerie Compte"})
        self.assertEqual(r.status, 201, r)
        pid = int(r.json["id"])
        t.sql("INSERT INTO sending_account (user_id, channel, name, created_at, updated_at) "
              "VALUES (%s, 'email', 'Boîte', NOW(), NOW())", (uid,))
        acct = t.sql("SELECT id FROM sending_account WHERE user_id = %s", (uid,))[0][0]
        for status in ("running", "paused", "draft", "archived"):
            t.sql("INSERT INTO campaign (user_id, name, status, created_at, updated_at) "
                  "VALUES (%s, %s, %s, NOW(), NOW())", (uid, status, status))
        camp = t.sql("SELECT id FROM campaign WHERE user_id = %s AND status = 'running'",
                     (uid,))[0][0]
        t.sql("INSERT INTO enrollment (user_id, campaign_id, prospect_id, enrolled_at, "
              "updated_at) VALUES (%s, %s, %s, NOW(), NOW())", (uid, camp, pid))
        enr = t.sql("SELECT id FROM enrollment WHERE user_id = %s", (uid,))[0][0]
        for pos, (channel, status, when) in enumerate([
                ("email", "sent", "NOW()"), ("email", "bounced", "NOW()"),
                ("email", "failed", "NOW()"), ("email", "sent", "NOW() - INTERVAL 40 DAY"),
                ("sms", "sent", "NOW()")]):
            t.sql("INSERT INTO message (user_id, campaign_id, enrollment_id, prospect_id, "
                  "position, channel, sending_account_id, status, to_addr, created_at, "
                  "sent_at) VALUES (%%s, %%s, %%s, %%s, %%s, %%s, %%s, %%s, 'x@y.fr', NOW(), %s)"
                  % when, (uid, camp, enr, pid, pos, channel, acct, status))
        b = c.call("GET", "/api/v1/billing").json
        self.assertEqual(b["usage"], {"prospects": 1, "emails_per_month": 2,
                                      "sending_accounts": 1, "active_campaigns": 2})
        self.assertEqual(b["limits"], {"prospects": 5000, "emails_per_month": 300,
                                       "sending_accounts": 1, "active_campaigns": 1})
        self.assertTrue(b["sending_allowed"])
        self.assertEqual([p["code"] for p in b["plans"]][:3], ["trial", "starter", "pro"])
        self.assertTrue(all(p["available"] for p in b["plans"][1:3]))
        # At the month's e-mail limit, sending is no longer allowed.
        self.on_tiny(uid)
        b = c.call("GET", "/api/v1/billing").json
        self.assertEqual(b["limits"]["emails_per_month"], 2)
        self.assertEqual((b["in_good_standing"], b["sending_allowed"]), (True, False))

    def test_create_limit(self):
        c, addr = t.logged_in(prefix="billing-create")
        self.on_tiny(t.user_id(addr))
        for i in range(3):
            r = c.call("POST", "/api/v1/prospects", {"name": "Commerce %d" % i})
            self.assertEqual(r.status, 201, r)
        r = c.call("POST", "/api/v1/prospects", {"name": "Commerce 3"})
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.header("Content-Type"), "application/problem+json")
        self.assertEqual((r.json["code"], r.json["limit"], r.json["max"], r.json["used"]),
                         ("plan_limit", "prospects", 3, 3))
        # Making room makes room.
        pid = c.call("GET", "/api/v1/prospects").json["items"][0]["id"]
        self.assertEqual(c.call("DELETE", "/api/v1/prospects/%s" % pid).status, 204)
        self.assertEqual(c.call("POST", "/api/v1/prospects", {"name": "Commerce 4"}).status,
                         201)

    def test_import_limit(self):
        c, addr = t.logged_in(prefix="billing-import")
        self.on_tiny(t.user_id(addr))
        self.assertEqual(c.call("POST", "/api/v1/prospects", {
            "name": "Déjà Là", "email": "contact@deja-la.example"}).status, 201)
        csv = "Nom;Ville;E-mail\nAtelier Un;Lyon;\nAtelier Deux;Lyon;\nAtelier Trois;Lyon;\n" \
              "Déjà Là;Lyon;contact@deja-la.example\nAtelier Quatre;Lyon;\n"
        # A dry run shows what would happen.
        r = c.call("POST", "/api/v1/imports", {"csv": csv, "dry_run": True})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["created"], r.json["rejected"]), (2, 2))
        # What fits is imported; the rest is rejected as plan_limit.
        r = c.call("POST", "/api/v1/imports", {"csv": csv, "filename": "limite.csv"})
        self.assertEqual(r.status, 201, r)
        j = r.json
        self.assertEqual((j["rows"], j["created"], j["duplicates"], j["rejected"]), (5, 2, 1, 2))
        self.assertEqual([(x["line"], x["reason"]) for x in j["rejects"]],
                         [(4, "plan_limit"), (6, "plan_limit")])
        self.assertEqual(c.call("GET", "/api/v1/billing").json["usage"]["prospects"], 3)
        # Nothing fits any more: the import is refused as a whole.
        r = t.upload(c, b"Nom\nAtelier Cinq\n", "?filename=plus.csv")
        self.assertEqual(r.status, 403, r)
        self.assertEqual((r.json["limit"], r.json["max"], r.json["used"]), ("prospects", 3, 3))

    def test_places_limit(self):
        c, addr = t.logged_in(prefix="billing-places")
        self.on_tiny(t.user_id(addr))
        for i in range(2):
            self.assertEqual(c.call("POST", "/api/v1/prospects",
                                    {"name": "Avant %d" % i}).status, 201)
        r = c.call("POST", "/api/v1/places/search", {"query": "boulangerie Lyon"})
        self.assertEqual(r.status, 200, r)
        ids = [p["place_id"] for p in r.json["items"]][:3]
        r = c.call("POST", "/api/v1/places/import", {"place_ids": ids})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["created"], 1)
        self.assertEqual([(x["place_id"], x["reason"]) for x in r.json["rejected"]],
                         [(ids[1], "plan_limit"), (ids[2], "plan_limit")])
        r = c.call("POST", "/api/v1/places/import", {"place_ids": ids[1:]})
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.json["code"], "plan_limit")

    def test_trial_over(self):
        """Fourteen days after sign-up, without a subscription: 402 on what
        adds, sending not allowed; reading and deleting still work."""
        c, addr = t.logged_in(prefix="billing-trial")
        uid = t.user_id(addr)
        r = c.call("POST", "/api/v1/prospects", {"name": "Avant la Fin"})
        self.assertEqual(r.status, 201, r)
        pid = r.json["id"]
        t.sql("UPDATE user_account SET created_at = NOW() - INTERVAL 15 DAY WHERE id = %s",
              (uid,))
        b = c.call("GET", "/api/v1/billing").json
        self.assertEqual((b["plan"], b["in_good_standing"], b["sending_allowed"],
                          b["standing_problem"]), ("trial", False, False, "trial_ended"))
        r = c.call("POST", "/api/v1/prospects", {"name": "Après la Fin"})
        self.assertEqual(r.status, 402, r)
        self.assertEqual((r.json["code"], r.json["plan"], r.json["subscription_status"]),
                         ("trial_ended", "trial", "trialing"))
        r = c.call("POST", "/api/v1/imports", {"csv": "Nom\nRefusé\n"})
        self.assertEqual(r.status, 402, r)
        r = c.call("POST", "/api/v1/places/import", {"place_ids": ["ChIJAAAAAAAAAAAAAAAAAAAAAAA"]})
        self.assertEqual(r.status, 402, r)
        self.assertEqual(c.call("GET", "/api/v1/prospects/%s" % pid).status, 200)
        self.assertEqual(c.call("GET", "/api/v1/prospects/export.csv").status, 200)
        # Checkout stays open: that is how the trial ends well.
        self.assertEqual(c.call("POST", "/api/v1/billing/checkout", {"plan": "starter"}).status,
                         200)
        self.assertEqual(c.call("DELETE", "/api/v1/prospects/%s" % pid).status, 204)


class Invoices(unittest.TestCase):

    def test_listed_and_kept_after_erasure(self):
        c, addr = t.logged_in(prefix="billing-invoices")
        uid = t.user_id(addr)
        cus = "cus_inv_%d" % uid
        now = int(time.time())
        # The account's customer, as a checkout would have stored it.
        t.sql("INSERT INTO subscription (user_id, trial_ends_at, stripe_customer_id, "
              "created_at, updated_at) VALUES (%s, NOW(), %s, NOW(), NOW())", (uid, cus))
        ids = []
        for i in range(3):
            inv = invoice(uid, "in_list_%d_%d" % (uid, i), "open", cus, now - 100 + i)
            # Found by its customer, not by metadata.
            inv["parent"] = None
            r = t.stripe_post(t.stripe_event("invoice.payment_action_required", inv,
                                             created=now - 100 + i))
            self.assertEqual(r.json["outcome"], "applied", r)
            ids.append(inv["id"])
        # Paid later: the same invoice row, updated; an older event is stale.
        paid = invoice(uid, ids[0], "paid", cus, now - 100)
        r = t.stripe_post(t.stripe_event("invoice.paid", paid, created=now))
        self.assertEqual(r.json["outcome"], "applied", r)
        old = invoice(uid, ids[0], "open", cus, now - 100)
        r = t.stripe_post(t.stripe_event("invoice.payment_failed", old, created=now - 50))
        self.assertEqual(r.json["outcome"], "stale", r)
        m = t.wait_mail(addr, 2)[-1]
        self.assertIn("confirmation", m["Subject"])
        r = c.call("GET", "/api/v1/billing/invoices?limit=2")
        self.assertEqual(r.status, 200, r)
        page = r.json
        self.assertEqual(len(page["items"]), 2)
        self.assertIsNotNone(page["next_cursor"])
        rest = c.call("GET", "/api/v1/billing/invoices?limit=2&cursor=%s"
                      % page["next_cursor"]).json
        self.assertEqual(len(rest["items"]), 1)
        self.assertIsNone(rest["next_cursor"])
        first = rest["items"][0]
        self.assertEqual((first["status"], first["currency"], first["total"], first["tax"],
                          first["amount_paid"], first["amount_remaining"]),
                         ("paid", "eur", 5880, 980, 5880, 0))
        self.assertEqual(first["customer_name"], "Élodie Martin")
        self.assertEqual(first["customer_address"]["city"], "Saint-Étienne")
        self.assertEqual(first["customer_tax_ids"], [{"type": "eu_vat",
                                                      "value": "FR00999999999"}])
        self.assertTrue(first["hosted_invoice_url"].startswith("https://invoice.stripe.com/"))
        self.assertIsNotNone(first["paid_at"])
        self.assertIsNotNone(first["period_end"])
        # No card data anywhere: the invoice table has no such column.
        cols = [r[0] for r in t.sql("SELECT COLUMN_NAME FROM information_schema.COLUMNS "
                                    "WHERE TABLE_SCHEMA = 'prospea' AND TABLE_NAME = 'invoice'")]
        self.assertFalse([x for x in cols if "card" in x or "last4" in x or "payment_method" in x])
        # Another account sees none of them.
        other, _ = t.logged_in(prefix="billing-other")
        self.assertEqual(other.call("GET", "/api/v1/billing/invoices").json["items"], [])
        # The account row is deleted (erasure): the invoices stay, complete,
        # without their owner and stamped as detached; retained 10 years.
        t.sql("DELETE FROM user_account WHERE id = %s", (uid,))
        rows = t.sql("SELECT user_id, owner_detached_at IS NOT NULL, number, total, "
                     "customer_name, retain_until >= CURDATE() + INTERVAL 9 YEAR "
                     "FROM invoice WHERE stripe_customer_id = %s ORDER BY id", (cus,))
        self.assertEqual(len(rows), 3)
        for user, detached, number, total, name, kept in rows:
            self.assertEqual((user, detached, total, name, kept),
                             (None, 1, 5880, "Élodie Martin", 1))
            self.assertTrue(number)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM subscription WHERE user_id = %s",
                               (uid,))[0][0], 0)


if __name__ == "__main__":
    t.main()
