"""The admin route group (issue 6, API.md "admin"): only an admin whose
session passed TOTP gets in; every call writes an audit row in the same
transaction as what it reads or changes (a call whose audit row cannot be
written shows nothing and changes nothing), which the user sees through
my_admin_access; finding and viewing accounts (a reason is required to
view one); the audit log; the privacy request queue, overdue first;
publishing a policy version with 30 days' notice, mailed to every open
account, then accepted at the next sign-in once in force.

Publishing mails every account of the stack and a version in force
changes every sign-in: this module runs alone, after the others
(E2E_DISRUPTIVE), and removes its versions when done."""

import email
import email.policy
import os
import subprocess
import time
import unittest
import uuid

import prospea_test as t

PW = "Des fraises en hiver 2026"
UA = "test-admin/1.0 (audit check)"
ROUTES = (
    ("GET", "/api/v1/admin/users?email=a@exemple.fr"),
    ("GET", "/api/v1/admin/users/1?reason=check"),
    ("GET", "/api/v1/admin/audit-log"),
    ("GET", "/api/v1/admin/privacy-requests"),
    ("POST", "/api/v1/admin/privacy-requests/1/close"),
    ("POST", "/api/v1/admin/policy-versions"),
)
AUDIT_FAIL = "audit-must-fail"


def migrate(*args):
    """prospea-migrate on the test stack's database (as its administrator)."""
    return subprocess.run([os.path.join(t.ROOT, "workers", "prospea-migrate"),
                           "-c", t.CONF] + list(args), capture_output=True, text=True)


def new_admin(totp=True):
    """A verified account made admin by the CLI; with totp, TOTP turned on
    and a Client signed in with a code. (client, address, id, secret)."""
    c, addr = t.logged_in(prefix="admin")
    r = migrate("--grant-admin", addr)
    assert r.returncode == 0, r.stderr
    uid = t.user_id(addr)
    if not totp:
        return c, addr, uid, None
    secret = c.call("POST", "/api/v1/auth/totp/setup").json["secret"]
    r = c.call("POST", "/api/v1/auth/totp/enable", {"code": t.totp_code(secret), "password": PW})
    assert r.status == 204, r
    # The step used to enable is spent; the next one signs in.
    d = t.Client()
    r = d.login(addr, PW, totp=t.totp_code(secret, time.time() + 30))
    assert r.status == 200, r
    return d, addr, uid, secret


def audit_rows(**where):
    cond = " AND ".join("%s = %%s" % k for k in where) or "1"
    return t.sql("SELECT id, admin_id, target_user_id, action, reason, detail, ip, user_agent "
                 "FROM admin_audit WHERE %s ORDER BY id" % cond, tuple(where.values()))


def max_audit_id():
    return t.sql("SELECT COALESCE(MAX(id), 0) FROM admin_audit")[0][0]


def admin_access(user_id):
    """What the user sees: the view my_admin_access as that user."""
    c = t.db()
    try:
        with c.cursor() as cur:
            cur.execute("SET @app_user = %s", (user_id,))
            cur.execute("SELECT admin_id, action, reason, ip FROM my_admin_access ORDER BY id")
            return cur.fetchall()
    finally:
        c.close()


class AuditFailure:
    """A trigger that refuses the audit rows whose reason is AUDIT_FAIL:
    the calls that carry it must show nothing and change nothing."""

    def __enter__(self):
        t.sql("DROP TRIGGER IF EXISTS test_admin_audit_fail")
        t.sql("CREATE TRIGGER test_admin_audit_fail BEFORE INSERT ON admin_audit "
              "FOR EACH ROW BEGIN IF NEW.reason = '%s' THEN SIGNAL SQLSTATE '45000' "
              "SET MESSAGE_TEXT = 'audit refused by test_admin'; END IF; END" % AUDIT_FAIL)
        return self

    def __exit__(self, *exc):
        t.sql("DROP TRIGGER IF EXISTS test_admin_audit_fail")


class Admin(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.admin, cls.admin_addr, cls.admin_id, cls.secret = new_admin()
        cls.user, cls.user_addr = t.logged_in(prefix="target")
        cls.user_id = t.user_id(cls.user_addr)

    def call(self, method, path, body=None, **kw):
        h = dict(kw.pop("headers", {}))
        h.setdefault("User-Agent", UA)
        return self.admin.call(method, path, body, headers=h, **kw)

    # -- who gets in ----------------------------------------------------------

    def test_no_session_is_401(self):
        for method, path in ROUTES:
            r = t.request(method, path, {} if method == "POST" else None)
            self.assertEqual(r.status, 401, (method, path, r))

    def test_non_admin_is_403_and_nothing_is_recorded(self):
        """Refused before any admin work: no audit row (nothing was seen),
        but each try is a security event of the user's (admin_refused)."""
        before = max_audit_id()
        uid = t.user_id(self.user_addr)
        events = t.sql("SELECT COUNT(*) FROM security_event WHERE user_id = %s AND "
                       "kind = 'admin_refused'", (uid,))[0][0]
        for method, path in ROUTES:
            r = self.user.call(method, path, {} if method == "POST" else None)
            self.assertEqual((r.status, r.json["code"]), (403, "forbidden"), (method, path))
        self.assertEqual(max_audit_id(), before)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM security_event WHERE user_id = %s AND "
                               "kind = 'admin_refused'", (uid,))[0][0], events + len(ROUTES))

    def test_admin_without_totp_is_403(self):
        c, addr, _, _ = new_admin(totp=False)
        self.assertEqual(c.call("GET", "/api/v1/auth/session").json["user"]["role"], "admin")
        for method, path in ROUTES:
            r = c.call(method, path, {} if method == "POST" else None)
            self.assertEqual((r.status, r.json["code"]), (403, "forbidden"), (method, path))

    def test_session_from_before_totp_is_403(self):
        """TOTP turned on in a session: that session never passed it."""
        c, addr, _, _ = new_admin(totp=False)
        secret = c.call("POST", "/api/v1/auth/totp/setup").json["secret"]
        r = c.call("POST", "/api/v1/auth/totp/enable", {"code": t.totp_code(secret), "password": PW})
        self.assertEqual(r.status, 204, r)
        self.assertEqual(c.call("GET", "/api/v1/admin/audit-log").status, 403)
        d = t.Client()
        self.assertEqual(d.login(addr, PW, totp=t.totp_code(secret, time.time() + 30)).status, 200)
        self.assertEqual(d.call("GET", "/api/v1/admin/audit-log").status, 200)

    def test_totp_turned_off_closes_the_admin_routes(self):
        c, addr, uid, secret = new_admin()
        self.assertEqual(c.call("GET", "/api/v1/admin/audit-log").status, 200)
        t.sql("UPDATE user_account SET totp_last_step = 0 WHERE id = %s", (uid,))
        r = c.call("POST", "/api/v1/auth/totp/disable", {"password": PW, "code": t.totp_code(secret)})
        self.assertEqual(r.status, 204, r)
        r = c.call("GET", "/api/v1/admin/audit-log")
        self.assertEqual(r.status, 403, "a session verified before TOTP was turned off")

    def test_role_revoked_closes_at_once(self):
        c, addr, uid, _ = new_admin()
        self.assertEqual(c.call("GET", "/api/v1/admin/audit-log").status, 200)
        r = migrate("--revoke-admin", addr)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(c.call("GET", "/api/v1/admin/audit-log").status, 403)
        actions = [row[3] for row in audit_rows(target_user_id=uid)]
        self.assertEqual(actions[:1] + actions[-1:], ["role_granted", "role_revoked"])

    def test_grant_admin_refuses_unknown_addresses(self):
        r = migrate("--grant-admin", t.unique_email("nobody"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no open account", r.stderr)
        r = migrate("--grant-admin", "not an address")
        self.assertNotEqual(r.returncode, 0)

    def test_csrf_on_state_changes(self):
        for path in ("/api/v1/admin/privacy-requests/1/close", "/api/v1/admin/policy-versions"):
            r = self.call("POST", path, {}, csrf=False)
            self.assertEqual((r.status, r.json["code"]), (403, "csrf"), path)

    # -- finding and viewing accounts -----------------------------------------

    def test_find_by_email(self):
        before = max_audit_id()
        local, domain = self.user_addr.split("@")
        r = self.call("GET", "/api/v1/admin/users?email=%s@%s" % (local, domain.upper()))
        self.assertEqual(r.status, 200, r)
        self.assertEqual([u["id"] for u in r.json["items"]], [str(self.user_id)])
        self.assertEqual(r.json["items"][0]["email"], self.user_addr)
        self.assertNotIn("password_hash", r.body.decode())
        # Not a pattern: a part of the address finds nothing.
        nobody = t.unique_email("nobody")
        for q in (nobody, local[:-2] + "@" + domain):
            r = self.call("GET", "/api/v1/admin/users?email=" + q)
            self.assertEqual((r.status, r.json["items"]), (200, []), q)
        rows = [row for row in audit_rows(admin_id=self.admin_id) if row[0] > before]
        self.assertEqual([(row[2], row[3], row[5]) for row in rows],
                         [(self.user_id, "user_search", "found")] +
                         [(None, "user_search", "no_match")] * 2)
        # The address typed is nobody's business: it is not in the trail.
        self.assertFalse(any(nobody in str(row) for row in rows))
        self.assertEqual(rows[0][6], t.SOURCE)
        self.assertEqual(rows[0][7], UA)
        for q in ("", "?email=", "?email=not-an-address"):
            r = self.call("GET", "/api/v1/admin/users" + q)
            self.assertEqual((r.status, r.json["errors"][0]["field"]), (422, "email"), q)

    def test_view_needs_a_reason(self):
        before = max_audit_id()
        for q in ("", "?reason=", "?reason=%20%20", "?reason=" + "x" * 501):
            r = self.call("GET", "/api/v1/admin/users/%d%s" % (self.user_id, q))
            self.assertEqual(r.status, 422, (q, r))
            self.assertEqual(r.json["errors"][0]["field"], "reason")
        # Nothing was shown, and each refused call is on record all the
        # same (no target: nothing of the account was seen).
        rows = [x for x in audit_rows(admin_id=self.admin_id) if x[0] > before]
        self.assertEqual([(x[2], x[3], x[5].startswith("GET /api/v1/admin/users/{id} -> 422"))
                          for x in rows], [(None, "refused", True)] * 4)
        # Input the core refuses before the handler is on record too.
        before = max_audit_id()
        r = self.call("POST", "/api/v1/admin/policy-versions", {"version": 12})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(audit_rows(admin_id=self.admin_id)[-1][3], "refused")
        self.assertGreater(max_audit_id(), before)

    def test_view(self):
        self.assertEqual(self.user.call("POST", "/api/v1/prospects",
                                        {"name": "Boulangerie Martin"}).status, 201)
        r = self.call("GET", "/api/v1/admin/users/%d?reason=%s" % (
            self.user_id, "ticket%20%23123%20:%20facture%20manquante"))
        self.assertEqual(r.status, 200, r)
        u = r.json
        self.assertEqual((u["id"], u["email"], u["role"], u["status"]),
                         (str(self.user_id), self.user_addr, "user", "active"))
        self.assertTrue(u["email_verified"])
        self.assertFalse(u["totp_enabled"])
        self.assertEqual(u["plan"]["code"], "trial")
        self.assertEqual(u["counts"], {"prospects": 1, "campaigns": 0, "open_privacy_requests": 0})
        self.assertIsNotNone(u["last_login_at"])
        self.assertIsNone(u["privacy"]["restricted_at"])
        self.assertIsNone(u["privacy"]["erasure_due_at"])
        body = r.body.decode()
        for secret in ("password", "totp_secret", "hash", "Boulangerie"):
            self.assertNotIn(secret, body)
        # What the user sees of it: who, what, why, from where.
        self.assertIn((self.admin_id, "user_view", "ticket #123 : facture manquante", t.SOURCE),
                      admin_access(self.user_id))
        r = self.user.call("GET", "/api/v1/gdpr/admin-access")
        if r.status != 404 or r.json.get("code") != "not_found":
            self.assertEqual(r.status, 200, r)
            self.assertIn("user_view", [i["action"] for i in r.json["items"]])

    def test_view_unknown_and_malformed_ids(self):
        r = self.call("GET", "/api/v1/admin/users/999999999999?reason=check")
        self.assertEqual((r.status, r.json["code"]), (404, "not_found"))
        # Recorded without a target: whoever gets that id later was not
        # looked at, and must not find this row in their admin accesses.
        self.assertEqual(audit_rows(admin_id=self.admin_id)[-1][2:6],
                         (None, "user_view", "check", "not_found: 999999999999"))
        for bad in ("0", "abc", "01"):
            r = self.call("GET", "/api/v1/admin/users/%s?reason=check" % bad)
            self.assertEqual(r.status, 404, bad)

    def test_view_shows_erasure_and_restriction(self):
        c, addr = t.logged_in(prefix="erasing")
        uid = t.user_id(addr)
        t.sql("UPDATE user_account SET status = 'closed', erasure_requested_at = NOW(3), "
              "erasure_due_at = NOW(3) + INTERVAL 30 DAY, restricted_at = NOW(3) "
              "WHERE id = %s", (uid,))
        r = self.call("GET", "/api/v1/admin/users?email=" + addr)
        self.assertEqual(r.json["items"][0]["status"], "closed", "closed accounts are found")
        r = self.call("GET", "/api/v1/admin/users/%d?reason=erasure%%20check" % uid)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "closed")
        self.assertIsNotNone(r.json["privacy"]["erasure_due_at"])
        self.assertIsNotNone(r.json["privacy"]["restricted_at"])

    def test_no_data_without_its_audit_row(self):
        before = max_audit_id()
        with AuditFailure():
            r = self.call("GET", "/api/v1/admin/users/%d?reason=%s" % (self.user_id, AUDIT_FAIL))
            self.assertEqual(r.status, 500, r)
            self.assertNotIn(self.user_addr, r.body.decode())
            r = self.call("GET", "/api/v1/admin/users?email=%s&reason=%s"
                          % (self.user_addr, AUDIT_FAIL))
            self.assertEqual(r.status, 500, r)
            self.assertNotIn(self.user_addr, r.body.decode())
            r = self.call("GET", "/api/v1/admin/audit-log?reason=" + AUDIT_FAIL)
            self.assertEqual(r.status, 500, r)
            r = self.call("GET", "/api/v1/admin/privacy-requests?reason=" + AUDIT_FAIL)
            self.assertEqual(r.status, 500, r)
            # The same call with another reason works: the trigger is that narrow.
            r = self.call("GET", "/api/v1/admin/users/%d?reason=ok" % self.user_id)
            self.assertEqual(r.status, 200, r)
        self.assertEqual([row[4] for row in audit_rows() if row[0] > before], ["ok"])

    # -- the audit log ---------------------------------------------------------

    def test_audit_log(self):
        other, _, other_id, _ = new_admin()
        self.assertEqual(other.call("GET", "/api/v1/admin/users/%d?reason=other" %
                                    self.user_id).status, 200)
        self.assertEqual(self.call("GET", "/api/v1/admin/users/%d?reason=mine" %
                                   self.user_id).status, 200)
        r = self.call("GET", "/api/v1/admin/audit-log?target_user_id=%d" % self.user_id)
        self.assertEqual(r.status, 200, r)
        items = r.json["items"]
        self.assertTrue(all(i["target_user_id"] == str(self.user_id) for i in items))
        # Reading the trail is in the trail, first (newest first).
        self.assertEqual((items[0]["action"], items[0]["admin_id"]),
                         ("audit_log_read", str(self.admin_id)))
        self.assertEqual([i["reason"] for i in items[1:3]], ["mine", "other"])
        self.assertEqual(items[1]["user_agent"], UA)
        self.assertEqual(items[1]["ip"], t.SOURCE)
        r = self.call("GET", "/api/v1/admin/audit-log?admin_id=%d" % other_id)
        self.assertTrue(r.json["items"])
        self.assertTrue(all(i["admin_id"] == str(other_id) for i in r.json["items"]))
        r = self.call("GET", "/api/v1/admin/audit-log?admin_id=%d&target_user_id=%d"
                      % (other_id, self.user_id))
        self.assertEqual([i["reason"] for i in r.json["items"]], ["other"])
        # Paging, newest first, no row twice.
        seen, cursor = [], None
        for _ in range(4):
            r = self.call("GET", "/api/v1/admin/audit-log?limit=2" +
                          ("&cursor=" + cursor if cursor else ""))
            self.assertEqual(r.status, 200, r)
            seen += [int(i["id"]) for i in r.json["items"]]
            cursor = r.json["next_cursor"]
        self.assertEqual(seen, sorted(set(seen), reverse=True))
        for q in ("admin_id=x", "target_user_id=-1", "limit=0", "cursor=abc", "admin_id=01"):
            r = self.call("GET", "/api/v1/admin/audit-log?" + q)
            self.assertEqual(r.status, 400, q)

    # -- privacy requests --------------------------------------------------------

    def seed_requests(self, uid):
        """Open requests due -10 d, -2 d, +5 d, +20 d and a closed one; their ids."""
        ids = {}
        for name, days, status in (("late10", -10, "open"), ("late2", -2, "open"),
                                   ("due5", 5, "open"), ("due20", 20, "open"),
                                   ("closed", -5, "closed")):
            t.sql("INSERT INTO privacy_request (user_id, kind, message, status, created_at, "
                  "due_at) VALUES (%s, 'access', %s, %s, NOW(3) - INTERVAL 30 DAY + "
                  "INTERVAL %s DAY, NOW(3) + INTERVAL %s DAY)",
                  (uid, "request " + name, status, days, days))
            ids[name] = str(t.sql("SELECT MAX(id) FROM privacy_request WHERE user_id = %s",
                                  (uid,))[0][0])
        return ids

    def queue(self, q=""):
        items, cursor = [], None
        for _ in range(1000):
            r = self.call("GET", "/api/v1/admin/privacy-requests?limit=3" + q +
                          ("&cursor=" + cursor if cursor else ""))
            self.assertEqual(r.status, 200, r)
            items += r.json["items"]
            cursor = r.json["next_cursor"]
            if cursor is None:
                return items
        self.fail("the queue does not end")

    def test_privacy_queue(self):
        c, addr = t.logged_in(prefix="requester")
        ids = self.seed_requests(t.user_id(addr))
        items = self.queue()
        mine = [i["id"] for i in items if i["user_email"] == addr]
        self.assertEqual(mine, [ids["late10"], ids["late2"], ids["due5"], ids["due20"]])
        overdue = [i["overdue"] for i in items]
        self.assertEqual(overdue, sorted(overdue, reverse=True), "overdue ones first")
        self.assertTrue(all(i["status"] == "open" for i in items))
        self.assertEqual(len({i["id"] for i in items}), len(items), "no request twice")
        first = next(i for i in items if i["id"] == ids["late10"])
        self.assertEqual((first["kind"], first["message"], first["overdue"]),
                         ("access", "request late10", True))
        late = self.queue("&overdue=true")
        self.assertTrue(late and all(i["overdue"] for i in late))
        self.assertEqual([i["id"] for i in late if i["user_email"] == addr],
                         [ids["late10"], ids["late2"]])
        due = self.queue("&overdue=false")
        self.assertTrue(all(not i["overdue"] for i in due))
        self.assertEqual([i["id"] for i in due if i["user_email"] == addr],
                         [ids["due5"], ids["due20"]])
        start = max_audit_id()
        due = self.queue("&overdue=false")
        rows = [r for r in audit_rows(admin_id=self.admin_id) if r[0] > start]
        self.assertEqual(rows[0][3:6], ("privacy_queue_read", "", "overdue=false"))
        self.assertEqual({r[3] for r in rows}, {"privacy_queue_read", "privacy_request_read"})
        # Each user whose request the page showed sees that access.
        uid = t.user_id(addr)
        self.assertEqual(sorted(r[5] for r in rows if r[2] == uid),
                         sorted("request %s" % i for i in (ids["due5"], ids["due20"])))
        seen = c.call("GET", "/api/v1/gdpr/admin-access").json["items"]
        self.assertIn("privacy_request_read", [i["action"] for i in seen])
        for q in ("?overdue=yes", "?overdue=", "?limit=500", "?cursor=x"):
            r = self.call("GET", "/api/v1/admin/privacy-requests" + q)
            self.assertEqual(r.status, 400, q)

    def test_close_privacy_request(self):
        c, addr = t.logged_in(prefix="requester")
        uid = t.user_id(addr)
        ids = self.seed_requests(uid)
        path = "/api/v1/admin/privacy-requests/%s/close" % ids["late2"]
        r = self.call("POST", path, {})
        self.assertEqual(r.status, 400, "resolution is required")
        with AuditFailure():
            r = self.call("POST", path, {"resolution": "Export envoyé.", "reason": AUDIT_FAIL})
            self.assertEqual(r.status, 500, r)
        self.assertEqual(t.sql("SELECT status FROM privacy_request WHERE id = %s",
                               (ids["late2"],))[0][0], "open", "no audit row, no effect")
        r = self.call("POST", path, {"resolution": "Export envoyé le jour même.\nCordialement."})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["status"], r.json["closed_by"], r.json["user_id"]),
                         ("closed", str(self.admin_id), str(uid)))
        self.assertEqual(t.sql("SELECT status, closed_by, resolution FROM privacy_request "
                               "WHERE id = %s", (ids["late2"],))[0],
                         ("closed", self.admin_id, "Export envoyé le jour même.\nCordialement."))
        m = t.wait_mail(addr, 2)[-1]
        self.assertIn("Export envoyé le jour même.", t.mail_text(m))
        self.assertEqual(t.sql("SELECT COUNT(*) FROM transactional_email WHERE user_id = %s "
                               "AND kind = 'privacy_request_closed'", (uid,))[0][0], 1)
        self.assertIn((self.admin_id, "privacy_request_close", "", t.SOURCE), admin_access(uid))
        r = self.call("POST", path, {"resolution": "again"})
        self.assertEqual((r.status, r.json["code"]), (409, "already_closed"))
        r = self.call("POST", "/api/v1/admin/privacy-requests/%s/close" % ids["closed"],
                      {"resolution": "x"})
        self.assertEqual(r.status, 409)
        for bad in ("999999999999", "0", "x"):
            r = self.call("POST", "/api/v1/admin/privacy-requests/%s/close" % bad,
                          {"resolution": "x"})
            self.assertEqual(r.status, 404, bad)
        r = self.call("POST", path, {"resolution": "x", "user_id": "1"})
        self.assertEqual(r.status, 400, "unknown fields are refused")
        self.assertNotIn(ids["late2"], [i["id"] for i in self.queue()])


class PolicyVersions(unittest.TestCase):
    """Publishing, mailing, then acceptance at the next sign-in."""

    @classmethod
    def setUpClass(cls):
        cls.admin, cls.admin_addr, cls.admin_id, cls.secret = new_admin()
        cls.versions = []

    @classmethod
    def tearDownClass(cls):
        # Gone again, so that the policy in force is the one others sign up with.
        for v in cls.versions:
            t.sql("DELETE a FROM policy_acceptance a JOIN policy_version p "
                  "ON p.id = a.policy_version_id WHERE p.version = %s", (v,))
            t.sql("DELETE FROM policy_version WHERE version = %s", (v,))

    def publish(self, body, **kw):
        if "version" in body and body["version"] not in self.versions:
            self.versions.append(body["version"])
        return self.admin.call("POST", "/api/v1/admin/policy-versions", body, **kw)

    def iso(self, days):
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + days * 86400))

    def test_refusals(self):
        v = "t-" + uuid.uuid4().hex[:8]
        base = {"version": v, "effective_at": self.iso(31), "summary": "Nouveaux sous-traitants."}
        for change, field in (({"effective_at": self.iso(29)}, "effective_at"),
                              ({"effective_at": self.iso(-1)}, "effective_at"),
                              ({"effective_at": "2027-13-01T00:00:00Z"}, "effective_at"),
                              ({"effective_at": "2027-02-31T00:00:00Z"}, "effective_at"),
                              ({"effective_at": "2100-01-01T00:00:00Z"}, "effective_at"),
                              ({"effective_at": "demain matin 10h"}, "effective_at"),
                              ({"version": "v 2/3"}, "version"),
                              ({"text_url": "http://prospea.fr/x"}, "text_url")):
            r = self.publish(dict(base, **change))
            self.assertEqual(r.status, 422, (change, r))
            self.assertEqual(r.json["errors"][0]["field"], field, change)
        r = self.publish(dict(base, effective_at=self.iso(29)))
        self.assertEqual(r.json["errors"][0]["code"], "notice_too_short")
        for body in ({"version": v}, dict(base, extra=1), dict(base, summary="")):
            self.assertEqual(self.publish(body).status, 400, body)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM policy_version WHERE version = %s",
                               (v,))[0][0], 0)
        last_mail = t.sql("SELECT COALESCE(MAX(id), 0) FROM transactional_email")[0][0]
        with AuditFailure():
            r = self.publish(dict(base, reason=AUDIT_FAIL))
            self.assertEqual(r.status, 500, r)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM policy_version WHERE version = %s",
                               (v,))[0][0], 0, "no audit row: no version")
        self.assertEqual(t.sql("SELECT COUNT(*) FROM transactional_email WHERE id > %s "
                               "AND kind = 'policy_change'", (last_mail,))[0][0], 0,
                         "and not one mail queued")

    def test_publish_mail_and_accept(self):
        u1, u1_addr = t.logged_in(prefix="policy")
        u2_addr = t.verified_user(prefix="policy")
        closed_addr = t.verified_user(prefix="policy-closed")
        t.sql("UPDATE user_account SET status = 'closed', erasure_due_at = NOW(3) + "
              "INTERVAL 30 DAY WHERE email = %s", (closed_addr,))
        v = "t-" + uuid.uuid4().hex[:8]
        summary = "Nous ajoutons un sous-traitant d'hébergement en France.\nRien d'autre."
        effective = self.iso(31)
        active = t.sql("SELECT COUNT(*) FROM user_account WHERE status = 'active'")[0][0]
        last_mail = t.sql("SELECT COALESCE(MAX(id), 0) FROM transactional_email")[0][0]
        started = time.time()
        r = self.publish({"version": v, "effective_at": effective, "summary": summary,
                          "reason": "RGPD : nouveau sous-traitant"})
        took = time.time() - started
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json["version"], r.json["effective_at"], r.json["summary"]),
                         (v, effective, summary))
        self.assertTrue(r.json["text_url"].endswith("/legal/privacy-policy/" + v))
        self.assertEqual(r.json["notified"], active)
        print("published to %d accounts in %.2f s" % (active, took))
        self.assertEqual(self.publish({"version": v, "effective_at": effective,
                                       "summary": "x"}).status, 409)
        # The mailer fans the notice out (DESIGN.md: not in the request).
        deadline = time.time() + 60
        while time.time() < deadline:
            rows = t.sql("SELECT user_id, to_addr FROM transactional_email WHERE id > %s "
                         "AND kind = 'policy_change'", (last_mail,))
            if len(rows) >= active:
                break
            time.sleep(0.2)
        self.assertEqual(len(rows), active)
        self.assertIsNotNone(t.sql("SELECT notice_done_at FROM policy_version WHERE version = %s",
                                   (v,))[0][0])
        self.assertEqual(len({u for u, _ in rows}), active, "one notice to each open account")
        self.assertNotIn(closed_addr, [a for _, a in rows])
        # The publish, then the refused second one (409: nothing was done).
        row, again = audit_rows(admin_id=self.admin_id)[-2:]
        self.assertEqual(row[3:6], ("policy_publish", "RGPD : nouveau sous-traitant",
                                    "version %s, %d users notified" % (v, active)))
        self.assertEqual(again[3:6], ("refused", "", "POST /api/v1/admin/policy-versions -> "
                                      "409 version_exists"))
        # Still in the future: nothing asked at sign-in yet.
        self.assertEqual(t.Client().login(u2_addr, PW).status, 200)
        # Who signs up during the notice period gets the notice too.
        late = t.unique_email("policy-late")
        t.signup(late)
        notices = t.sql("SELECT subject FROM transactional_email WHERE kind = 'policy_change' "
                        "AND to_addr = %s", (late,))
        self.assertEqual(len(notices), 1, notices)     # once, not twice

        # Every notice goes out through the mailer; each states the date and summary.
        m = t.wait_mail(u1_addr, 2)[-1]
        text = t.mail_text(m)
        day = time.gmtime(time.time() + 31 * 86400)
        self.assertIn("%d " % day.tm_mday, text)
        self.assertIn(str(day.tm_year), text)
        self.assertIn(summary, text)
        self.assertIn(v, text)
        self.assertIn("Zoé", text)
        deadline = time.time() + 300
        while time.time() < deadline:
            left = t.sql("SELECT COUNT(*) FROM transactional_email WHERE id > %s "
                         "AND kind = 'policy_change' AND status = 'queued'", (last_mail,))[0][0]
            if left == 0:
                break
            time.sleep(1)
        captured = 0
        maildir = os.path.join(t.VAR, "mail", "new")
        for f in os.listdir(maildir):
            if os.path.getmtime(os.path.join(maildir, f)) < started - 1:
                continue
            with open(os.path.join(maildir, f), "rb") as fh:
                msg = email.message_from_binary_file(fh, policy=email.policy.default)
            if "version (%s)" % v in t.mail_text(msg):
                captured += 1
        self.assertEqual(captured, active + 1,
                         "every open account's notice was delivered, the late one's too")

        # In force: the next sign-in asks for it, before the TOTP code.
        t.sql("UPDATE policy_version SET effective_at = NOW(3) - INTERVAL 1 MINUTE "
              "WHERE version = %s", (v,))
        r = u1.call("GET", "/api/v1/auth/session")
        self.assertEqual(r.status, 200, "a session already open goes on")
        self.assertTrue(r.json["policy_acceptance_required"])
        self.assertEqual(r.json["policy"]["version"], v)
        r = t.Client().login(u2_addr, PW)
        self.assertEqual((r.status, r.json["code"]), (403, "policy_acceptance_required"))
        self.assertEqual(r.json["version"], v)
        self.assertTrue(r.json["text_url"].endswith(v))
        r = t.Client().login(u2_addr, "wrong password")
        self.assertEqual(r.status, 401, "the password is checked first")
        c = t.Client()
        r = c.call("POST", "/api/v1/auth/login", {"email": u2_addr, "password": PW,
                                                  "accept_policy_version": "2026-01"}, csrf=False)
        self.assertEqual(r.status, 403, "only the version in force counts")
        r = c.call("POST", "/api/v1/auth/login", {"email": u2_addr, "password": PW,
                                                  "accept_policy_version": v}, csrf=False)
        self.assertEqual(r.status, 200, r)
        self.assertFalse(r.json["policy_acceptance_required"])
        uid2 = t.user_id(u2_addr)
        self.assertEqual(t.sql("SELECT a.ip FROM policy_acceptance a JOIN policy_version p "
                               "ON p.id = a.policy_version_id WHERE p.version = %s "
                               "AND a.user_id = %s", (v, uid2)), ((t.SOURCE,),))
        self.assertEqual(t.Client().login(u2_addr, PW).status, 200, "asked once")

        # With TOTP: the code is not spent on a sign-in that cannot finish.
        t.sql("UPDATE user_account SET totp_last_step = 0 WHERE id = %s", (self.admin_id,))
        step = 0
        code = t.totp_code(self.secret)
        r = t.Client().login(self.admin_addr, PW, totp=code)
        self.assertEqual((r.status, r.json["code"]), (403, "policy_acceptance_required"))
        self.assertEqual(t.sql("SELECT totp_last_step FROM user_account WHERE id = %s",
                               (self.admin_id,))[0][0], step)
        c = t.Client()
        r = c.call("POST", "/api/v1/auth/login", {"email": self.admin_addr, "password": PW,
                                                  "totp": code, "accept_policy_version": v},
                   csrf=False)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(c.call("GET", "/api/v1/admin/audit-log?limit=1").status, 200)

        # A session from before accepts through POST /auth/policy/accept.
        r = u1.call("POST", "/api/v1/auth/policy/accept", {"version": v}, csrf=False)
        self.assertEqual((r.status, r.json["code"]), (403, "csrf"))
        r = t.request("POST", "/api/v1/auth/policy/accept", {"version": v})
        self.assertEqual(r.status, 401)
        r = u1.call("POST", "/api/v1/auth/policy/accept", {"version": "2026-01"})
        self.assertEqual((r.status, r.json["errors"][0]["field"]), (422, "version"))
        r = u1.call("POST", "/api/v1/auth/policy/accept", {})
        self.assertEqual(r.status, 400)
        r = u1.call("POST", "/api/v1/auth/policy/accept", {"version": v})
        self.assertEqual(r.status, 204, r)
        self.assertEqual(u1.call("POST", "/api/v1/auth/policy/accept", {"version": v}).status,
                         204, "twice is fine")
        self.assertFalse(u1.call("GET", "/api/v1/auth/session").json["policy_acceptance_required"])
        self.assertEqual(t.Client().login(u1_addr, PW).status, 200)


if __name__ == "__main__":
    t.main()
