"""Process lifecycle and migrations against the real stack: a handler child
told to stop (SIGUSR1 from multiwatch, or SIGTERM) finishes the request in
flight before exiting, and multiwatch replaces it; prospea-migrate records
what ran and refuses a migration that changed after it ran."""

import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

import prospea_test as t


def children(group):
    """Pids of the handler children of a route group (multiwatch's children)."""
    with open(os.path.join(t.VAR, "run", group + ".pid")) as fh:
        parent = fh.read().strip()
    out = subprocess.run(["pgrep", "-P", parent], capture_output=True, text=True).stdout
    return sorted(int(p) for p in out.split())


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


class GracefulStop(unittest.TestCase):
    def test_request_in_flight_finishes(self):
        addr = t.verified_user(prefix="inflight")
        key = hashlib.sha256(b"login-account\0" + addr.lower().encode()).digest()
        lock = t.db()
        lock.autocommit(False)
        with lock.cursor() as cur:
            cur.execute("INSERT INTO auth_throttle (k, events, window_start, blocks) "
                        "VALUES (%s, 0, NOW(3), 0) ON DUPLICATE KEY UPDATE events = events", (key,))
            cur.execute("SELECT events FROM auth_throttle WHERE k = %s FOR UPDATE", (key,))
        # A failed login now waits on that row lock inside the handler.
        result = {}
        th = threading.Thread(target=lambda: result.setdefault(
            "r", t.Client().login(addr, "a wrong password")))
        before = children("auth")
        self.assertGreaterEqual(len(before), 1)
        th.start()
        time.sleep(0.5)
        self.assertTrue(th.is_alive(), "the login should be waiting on the lock")
        for pid in before:
            os.kill(pid, signal.SIGUSR1)
        time.sleep(0.5)
        busy = [p for p in before if alive(p)]
        self.assertEqual(len(busy), 1, "the idle child stops at once, the busy one waits")
        lock.rollback()
        lock.close()
        th.join(10)
        r = result.get("r")
        self.assertIsNotNone(r, "no answer")
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.json["code"], "invalid_credentials")
        deadline = time.time() + 5
        while time.time() < deadline and any(alive(p) for p in before):
            time.sleep(0.05)
        self.assertFalse(any(alive(p) for p in before), "the children must exit")
        # multiwatch starts new children; the group keeps answering.
        deadline = time.time() + 10
        while time.time() < deadline and len(children("auth")) < len(before):
            time.sleep(0.1)
        self.assertEqual(len(children("auth")), len(before))
        self.assertEqual(t.Client().login(addr, "Des fraises en hiver 2026").status, 200)


class Migrations(unittest.TestCase):
    DB = "prospea_migtest"

    def migrate(self, sqldir):
        env = dict(os.environ, PROSPEA_DB_NAME=self.DB)
        return subprocess.run([os.path.join(t.ROOT, "workers", "prospea-migrate"),
                               "-c", t.CONF, "--sql", sqldir],
                              capture_output=True, text=True, env=env)

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.sqldir = os.path.join(self.tmp, "sql")
        shutil.copytree(os.path.join(t.ROOT, "sql"), self.sqldir)
        # Accounts are server-wide: re-granting them on a scratch database
        # would revoke their grants on the test stack's. Grants are tested
        # by test_isolation against the real database.
        with open(os.path.join(self.sqldir, "grants.sql"), "w") as fh:
            fh.write("-- no grants in this test\n")
        t.sql("DROP DATABASE IF EXISTS " + self.DB)

    def tearDown(self):
        t.sql("DROP DATABASE IF EXISTS " + self.DB)
        shutil.rmtree(self.tmp)

    def recorded(self):
        return t.sql("SELECT name, sha256 FROM %s.schema_migration ORDER BY name" % self.DB)

    def shipped(self):
        """The migrations in sql/, in the order they apply, with their SHA-256."""
        d = os.path.join(self.sqldir, "migrations")
        out = []
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name), "rb") as fh:
                out.append((name, hashlib.sha256(fh.read()).hexdigest()))
        return tuple(out)

    def test_records_and_refuses_changes(self):
        p = self.migrate(self.sqldir)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("applying 0001_core.sql", p.stdout)
        shipped = self.shipped()
        self.assertEqual(self.recorded(), shipped)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM %s.policy_version" % self.DB), ((1,),))

        p = self.migrate(self.sqldir)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("schema up to date", p.stdout)

        with open(os.path.join(self.sqldir, "migrations", "9998_probe.sql"), "w") as fh:
            fh.write("CREATE TABLE probe (id INT NOT NULL PRIMARY KEY);\n")
        p = self.migrate(self.sqldir)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("applying 9998_probe.sql", p.stdout)
        self.assertNotIn("0001", p.stdout)
        self.assertEqual(len(self.recorded()), len(shipped) + 1)

        with open(os.path.join(self.sqldir, "migrations", "0001_core.sql"), "ab") as fh:
            fh.write(b"-- an edit after the fact\n")
        p = self.migrate(self.sqldir)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("0001_core.sql changed after it ran", p.stderr)
        self.assertEqual(len(self.recorded()), len(shipped) + 1)

    def test_failed_migration_is_not_recorded(self):
        self.assertEqual(self.migrate(self.sqldir).returncode, 0)
        shipped = [name for name, _ in self.shipped()]
        with open(os.path.join(self.sqldir, "migrations", "9999_broken.sql"), "w") as fh:
            fh.write("CREATE TABLE ok_then (id INT PRIMARY KEY);\nTHIS IS NOT SQL;\n")
        p = self.migrate(self.sqldir)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("9999_broken.sql", p.stderr)
        self.assertEqual([r[0] for r in self.recorded()], shipped)


if __name__ == "__main__":
    t.main()
