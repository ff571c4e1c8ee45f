"""The database goes away and comes back: handlers answer 503 problem+json
with Retry-After while it is down (never 500, never nginx's 502), keep
answering what needs no database, and serve normally again within
seconds once it is back, with the same processes: no handler child, and
no mailer, is restarted for it.

This module stops the test stack's MariaDB: it must not run while other
end-to-end modules do (tests/e2e/local.am orders it after them). It always
starts the database again, whatever happens."""

import os
import subprocess
import time
import unittest

import prospea_test as t

PW = "Des fraises en hiver 2026"
RECOVERY = 5            # seconds the stack gets to serve again, once MariaDB runs


def dev_db(action):
    """./dev db stop|start for the test stack. PROSPEA_VAR is set here,
    not inherited: an unset one would make ./dev stop the dev stack's
    database instead."""
    env = dict(os.environ, PROSPEA_VAR=t.VAR, PROSPEA_KIND="test")
    subprocess.run([os.path.join(t.ROOT, "dev"), "db", action], check=True,
                   env=env, stdout=subprocess.DEVNULL, timeout=60)


def db_running():
    try:
        with open(os.path.join(t.VAR, "run", "mysqld.pid")) as fh:
            os.kill(int(fh.read().strip()), 0)
        return True
    except (OSError, ValueError):
        return False


def children(name):
    """Pids of the processes multiwatch runs for name (handler or mailer)."""
    with open(os.path.join(t.VAR, "run", "%s.pid" % name)) as fh:
        parent = fh.read().strip()
    out = subprocess.run(["pgrep", "-P", parent], capture_output=True, text=True)
    return sorted(out.stdout.split())


class DatabaseDown(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not t.VAR or not t.ROOT:
            raise unittest.SkipTest("PROSPEA_TEST_VAR and PROSPEA_TEST_ROOT are needed")
        dev_db("start")         # a no-op, unless an earlier run left it stopped
        cls.c, cls.addr = t.logged_in(prefix="dbdown")

    @classmethod
    def tearDownClass(cls):
        if not db_running():
            dev_db("start")

    def assertUnavailable(self, r, what):
        self.assertEqual(r.status, 503, (what, r))
        self.assertEqual(r.header("Content-Type"), "application/problem+json", what)
        body = r.json
        self.assertEqual(body["status"], 503)
        self.assertEqual(body["code"], "unavailable")
        self.assertTrue(body["detail"])
        ra = r.header("Retry-After")
        self.assertIsNotNone(ra, what)
        self.assertRegex(ra, r"^[1-9][0-9]*$")
        self.assertLessEqual(int(ra), 60)
        self.assertEqual(r.header("Cache-Control"), "no-store", what)
        # The handler's own answer, not nginx's page for a dead upstream.
        self.assertRegex(r.header("X-Request-Id") or "", r"^[0-9a-f]{32}$", what)

    def session(self):
        return self.c.call("GET", "/api/v1/auth/session")

    def policy(self):
        return t.request("GET", "/api/v1/legal/privacy-policy")

    def wait_serving(self, fn, what):
        """Polls fn until 200, then demands 6 answers in a row (each child
        of the handler must have reconnected); returns seconds waited."""
        start = time.time()
        last = None
        while time.time() - start < RECOVERY:
            last = fn()
            if last.status == 200:
                break
            self.assertEqual(last.status, 503, (what, last))
            time.sleep(0.1)
        self.assertEqual(last.status, 200, "%s: not back after %ds: %r" % (what, RECOVERY, last))
        for _ in range(6):
            r = fn()
            if r.status == 503:          # the other child's reconnect try is rate-limited
                time.sleep(0.5)
                r = fn()
            self.assertEqual(r.status, 200, (what, r))
        return time.time() - start

    def test_down_then_back(self):
        self.assertEqual(self.session().status, 200)
        self.assertEqual(self.policy().status, 200)
        before = {n: children(n) for n in ("auth", "gdpr", "mailer")}
        for n, pids in before.items():
            self.assertTrue(pids, n)
        try:
            dev_db("stop")
            self.assertFalse(db_running())
            # Several times each: both prefork children must notice, at
            # once (no waiting out a connect timeout in every request).
            for _ in range(4):
                start = time.time()
                self.assertUnavailable(self.session(), "GET /auth/session")
                self.assertUnavailable(self.policy(), "GET /legal/privacy-policy")
                self.assertLess(time.time() - start, 2, "503 answers are slow")
            r = t.Client().login(self.addr, PW)
            self.assertUnavailable(r, "POST /auth/login")
            # What needs no database still answers as usual.
            r = t.request("GET", "/api/v1/auth/session")
            self.assertEqual(r.status, 401, r)
            r = t.request("POST", "/api/v1/auth/login", "{", {"Content-Type": "application/json"})
            self.assertEqual(r.status, 400, r)
            r = t.request("GET", "/api/v1/auth/nope")
            self.assertEqual(r.status, 404, r)
        finally:
            dev_db("start")

        self.assertTrue(db_running())
        self.wait_serving(self.session, "GET /auth/session")
        self.assertEqual(self.session().json["user"]["email"], self.addr)
        self.wait_serving(self.policy, "GET /legal/privacy-policy")
        for n, pids in before.items():
            self.assertEqual(children(n), pids, "%s was restarted" % n)

        # Writes work again: a new login, and a sign-up whose mail goes out.
        c2 = t.Client()
        r = c2.login(self.addr, PW)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(c2.call("GET", "/api/v1/auth/session").status, 200)
        addr = t.unique_email("dbdown-after")
        self.assertEqual(t.signup(addr, PW).status, 202)
        t.wait_mail(addr)
        self.assertEqual(children("mailer"), before["mailer"], "the mailer was restarted")


if __name__ == "__main__":
    t.main()
