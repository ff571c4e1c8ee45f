"""Website e-mail discovery end to end: POST /prospects/{id}/enrich queues
a job, prospea-enricher (the stack's, or one-shot ones started here)
crawls the prospect's website on the websites stand-in
(tests/standin/sites.py, reached through enrich_connect_to) and the job
and the prospect get what it found. Prospects come from the Places
stand-in through /places/search and /places/import, as users make them.

What is checked against the stand-in's request log (var/test/log/
sites.log, one "<host> <method> <path> ua=<User-Agent>" line per request):
robots.txt is read and obeyed, off-site and private-address links are
never requested, redirect loops stop, the configured User-Agent is sent.
The stack's enricher is paused (SIGSTOP) where a test must control who
takes a job; this module is the only one that uses the enricher."""

import json
import os
import re
import signal
import subprocess
import time
import unittest

import prospea_test as t

SITES_LOG = os.path.join(t.VAR, "log", "sites.log")
ENRICHER = os.path.join(t.ROOT, "workers", "prospea-enricher")
EPI = ["contact@epi-dor.example", "commandes@epi-dor.example",
       "jeanne.martin@epi-dor.example"]


def conf_value(key, default):
    with open(t.CONF) as fh:
        for line in fh:
            m = re.match(r"\s*%s\s*=\s*(.*?)\s*$" % key, line)
            if m:
                return m.group(1)
    return default


def log_lines():
    with open(SITES_LOG, errors="replace") as fh:
        return [l.rstrip("\n") for l in fh if not l.startswith("#")]


def requests_since(mark, host=None):
    """(host, method, path, ua) of the requests logged after mark lines."""
    out = []
    for line in log_lines()[mark:]:
        m = re.match(r"^(\S+) (\S+) (\S+) ua=(.*)$", line)
        if m and (host is None or m.group(1) == host):
            out.append(m.groups())
    return out


class enricher_paused:
    """Pauses the stack's enricher (its multiwatch child) inside a with
    block, never in the middle of a claim: a transaction left open would
    hold its locks on the queue while it sleeps."""

    def __enter__(self):
        with open(os.path.join(t.VAR, "run", "enricher.pid")) as fh:
            watcher = fh.read().strip()
        self.pids = [int(p) for p in subprocess.run(
            ["pgrep", "-P", watcher], capture_output=True, text=True).stdout.split()]
        assert len(self.pids) == 1, self.pids
        for _ in range(100):
            os.kill(self.pids[0], signal.SIGSTOP)
            if not t.sql("SELECT 1 FROM information_schema.innodb_trx x "
                         "JOIN information_schema.processlist p "
                         "ON p.id = x.trx_mysql_thread_id "
                         "WHERE p.user = 'prospea_enricher'"):
                return self
            os.kill(self.pids[0], signal.SIGCONT)
            time.sleep(0.01)
        raise AssertionError("the enricher is always inside a transaction")

    def __exit__(self, *exc):
        os.kill(self.pids[0], signal.SIGCONT)


def one_shot(env=None):
    """A prospea-enricher --once, started (not waited for)."""
    return subprocess.Popen([ENRICHER, "-c", t.CONF, "--once"],
                            env=dict(os.environ, **(env or {})),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class Fixture:
    @classmethod
    def setUpClass(cls):
        cls.c, _ = t.logged_in(prefix="enrich")
        cls.uid = int(cls.c.call("GET", "/api/v1/auth/session").json["user"]["id"])
        cls.prospects = {}
        token = None
        while True:         # "France" finds all 45 places, in 3 pages
            body = {"query": "France"}
            if token:
                body["page_token"] = token
            r = cls.c.call("POST", "/api/v1/places/search", body)
            assert r.status == 200, r
            for it in r.json["items"]:
                cls.prospects[it["name"]] = it["place_id"]
            token = r.json["next_page_token"]
            if token is None:
                break

    @classmethod
    def prospect(cls, name, client=None):
        """The id of the prospect made from the place called name."""
        r = (client or cls.c).call("POST", "/api/v1/places/import", {
            "place_ids": [cls.prospects[name]], "on_duplicate": "update"})
        assert r.status in (200, 201) and r.json["ids"], r
        return r.json["ids"][0]

    def website(self, pid, url):
        """Points a prospect at a page the Places stand-in does not list."""
        t.sql("UPDATE prospect SET website = %s WHERE id = %s", (url, pid))

    def enrich(self, pid, client=None):
        r = (client or self.c).call("POST", "/api/v1/prospects/%s/enrich" % pid)
        self.assertEqual(r.status, 202, r)
        self.assertIn(r.json["status"], ("queued", "running"))
        self.assertEqual(r.json["prospect_id"], str(pid))
        return r.json

    def finished(self, pid, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            r = self.c.call("GET", "/api/v1/prospects/%s/enrich" % pid)
            self.assertEqual(r.status, 200, r)
            if r.json["status"] in ("done", "failed"):
                return r.json
            time.sleep(0.1)
        raise AssertionError("job of prospect %s not finished in %d s" % (pid, timeout))

    def discover(self, name=None, pid=None, website=None):
        """Enriches the prospect made from the place called name (or pid);
        returns (job, log mark before it)."""
        pid = pid or self.prospect(name)
        if website:
            self.website(pid, website)
        mark = len(log_lines())
        self.enrich(pid)
        return self.finished(pid), mark, pid

    def emails(self, job):
        return [f["email"] for f in job["found"]]


class Discovery(Fixture, unittest.TestCase):
    def test_epi_dor(self):
        job, mark, pid = self.discover("Boulangerie L'Épi d'Or")
        self.assertEqual(job["status"], "done", job)
        self.assertIsNone(job["error"])
        self.assertEqual(sorted(self.emails(job)), sorted(EPI))
        self.assertNotIn("comptable@cabinet-compta.example", self.emails(job))
        found = {f["email"]: f for f in job["found"]}
        self.assertEqual(found["contact@epi-dor.example"]["url"], "http://epi-dor.example/")
        self.assertEqual(found["contact@epi-dor.example"]["how"], "mailto")
        self.assertEqual(found["commandes@epi-dor.example"]["url"],
                         "http://epi-dor.example/contact")
        self.assertEqual(found["jeanne.martin@epi-dor.example"]["url"],
                         "http://epi-dor.example/mentions-legales")
        self.assertEqual(found["contact@epi-dor.example"]["kind"], "generic")
        self.assertEqual(found["jeanne.martin@epi-dor.example"]["kind"], "named")
        self.assertTrue(all(f["own_domain"] for f in job["found"]))
        # Generic addresses of the business's own domain first.
        order = self.emails(job)
        self.assertLess(order.index("contact@epi-dor.example"),
                        order.index("jeanne.martin@epi-dor.example"))
        self.assertEqual(job["pages"][0], {"url": "http://epi-dor.example/", "status": "ok",
                                           "http_status": 200})
        self.assertRegex(job["finished_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

        # The prospect: the addresses with their source, the best one as its address.
        row = t.sql("SELECT email, email_key, email_kind, emails FROM prospect "
                    "WHERE id = %s", (pid,))[0]
        self.assertEqual(row[:3], ("contact@epi-dor.example", "contact@epi-dor.example",
                                   "generic"))
        emails = json.loads(row[3])
        self.assertEqual(sorted(e["email"] for e in emails), sorted(EPI))
        self.assertTrue(all(e["source"] == "website" and e["url"].startswith(
            "http://epi-dor.example/") for e in emails), emails)

        # What was requested, and how.
        ua = conf_value("enrich_user_agent", "ProspeaBot/0.1 (+https://prospea.fr/bot)")
        reqs = requests_since(mark)
        self.assertIn(("epi-dor.example", "GET", "/robots.txt", ua), reqs)
        self.assertIn(("epi-dor.example", "GET", "/", ua), reqs)
        self.assertTrue(all(r[3] == ua for r in reqs), reqs)
        self.assertEqual(requests_since(mark, "agence-web.example"), [])
        self.assertEqual(requests_since(mark, "cabinet-compta.example"), [])
        self.assertLessEqual(len([r for r in reqs if r[2] != "/robots.txt"]),
                             int(conf_value("enrich_pages_max", "5")))

        # Once more: the same addresses, not twice on the prospect.
        job2, _, _ = self.discover(pid=pid)
        self.assertNotEqual(job2["id"], job["id"])
        self.assertEqual(sorted(self.emails(job2)), sorted(EPI))
        emails = json.loads(t.sql("SELECT emails FROM prospect WHERE id = %s", (pid,))[0][0])
        self.assertEqual(len(emails), 3)

    def test_robots_txt_is_obeyed(self):
        job, mark, _ = self.discover("Dupont & Fils, Plomberie – Chauffage")
        self.assertEqual(job["status"], "done", job)
        self.assertEqual(self.emails(job), ["devis@plomberie-dupont.example"])
        self.assertEqual(job["found"][0]["how"], "cfemail")
        paths = [p for _, m, p, _ in requests_since(mark, "plomberie-dupont.example")]
        self.assertIn("/robots.txt", paths)
        self.assertNotIn("/contact", paths)
        self.assertIn({"url": "http://plomberie-dupont.example/contact",
                       "status": "robots_disallow"}, job["pages"])

    def test_unreachable_robots_txt_disallows_all(self):
        job, mark, _ = self.discover("Dépannage Ain Plomberie")
        self.assertEqual(job["status"], "failed", job)
        self.assertEqual(job["error"]["code"], "robots_unreachable")
        self.assertEqual(job["found"], [])
        self.assertEqual([p for _, _, p, _ in requests_since(mark, "robots-down.example")],
                         ["/robots.txt"])

    def test_moved_site(self):
        job, mark, _ = self.discover("Carrosserie Vaise Auto")
        self.assertEqual(job["status"], "done", job)
        self.assertEqual(sorted(self.emails(job)), sorted(EPI))
        self.assertIn("/robots.txt", [p for _, _, p, _ in requests_since(mark, "epi-dor.example")])

    def test_redirect_loop(self):
        pid = self.prospect("Carrosserie Vaise Auto")
        job, mark, _ = self.discover(pid=pid, website="http://redirect.example/loop")
        self.assertEqual(job["status"], "failed", job)
        self.assertEqual(job["error"]["code"], "too_many_redirects")
        loops = [p for _, _, p, _ in requests_since(mark, "redirect.example")
                 if p in ("/loop", "/loop-b")]
        self.assertLessEqual(len(loops), 4)
        self.assertGreaterEqual(len(loops), 2)

    def test_big_page_is_capped(self):
        job, _, _ = self.discover("Brasserie du Confluent")
        self.assertEqual(job["status"], "done", job)
        self.assertEqual(self.emails(job), ["accueil@big.example"])
        self.assertEqual(job["pages"][0]["status"], "truncated")

    def test_big_chunked_page_is_capped(self):
        pid = self.prospect("Brasserie du Confluent")
        job, _, _ = self.discover(pid=pid, website="http://big.example/chunked")
        self.assertEqual(self.emails(job), ["accueil@big.example"])
        self.assertEqual(job["pages"][0]["status"], "truncated")

    def test_slow_site_times_out(self):
        start = time.time()
        job, _, _ = self.discover("Watt & Fils")
        self.assertEqual(job["status"], "failed", job)
        self.assertEqual(job["error"]["code"], "timeout")
        self.assertEqual(job["found"], [])
        # enrich_timeout is 2 s in the test stack; the site takes 10.
        self.assertLess(time.time() - start, 9)

    def test_slow_drip_times_out(self):
        pid = self.prospect("Watt & Fils")
        job, _, _ = self.discover(pid=pid, website="http://slow.example/drip")
        self.assertEqual(job["error"]["code"], "timeout")

    def test_no_address(self):
        job, _, _ = self.discover("L'Atelier des Ciseaux")
        self.assertEqual(job["status"], "done", job)
        self.assertEqual(job["found"], [])

    def test_pdf_is_not_read(self):
        job, _, _ = self.discover("Boulangerie des Brotteaux")
        self.assertEqual(job["status"], "failed", job)
        self.assertEqual(job["error"]["code"], "not_html")
        self.assertEqual(job["found"], [])

    def test_private_addresses_are_not_followed(self):
        job, mark, _ = self.discover("Coiff'Tendance")
        self.assertEqual(job["status"], "done", job)
        self.assertEqual(sorted(self.emails(job)),
                         ["contact@private.example", "equipe@private.example"])
        for host in ("127.0.0.1", "localhost", "10.0.0.1", "::1", "169.254.169.254"):
            self.assertEqual(requests_since(mark, host), [], host)


class Suppressed(Fixture, unittest.TestCase):
    def test_suppressed_addresses_are_left_out(self):
        """An address on the user's suppression list is neither in the
        result nor added to the prospect; the result counts it."""
        r = self.c.call("POST", "/api/v1/suppressions",
                        {"kind": "email", "value": "Jeanne.Martin@epi-dor.example"})
        self.assertIn(r.status, (200, 201), r)
        job, _, pid = self.discover("Boulangerie L'Épi d'Or")
        self.assertEqual(job["status"], "done", job)
        self.assertEqual(sorted(self.emails(job)),
                         ["commandes@epi-dor.example", "contact@epi-dor.example"])
        self.assertEqual(job["suppressed"], 1)
        row = t.sql("SELECT emails FROM prospect WHERE id = %s", (pid,))[0][0]
        self.assertNotIn("jeanne.martin", row.lower())
        self.assertNotIn(b"jeanne.martin", t.sql(
            "SELECT result FROM enrich_job WHERE id = %s", (job["id"],))[0][0].encode())

    def test_suppressed_domain(self):
        # Imported first: once its domain is suppressed, it would not be.
        pid = self.prospect("Coiff'Tendance")
        r = self.c.call("POST", "/api/v1/suppressions",
                        {"kind": "domain", "value": "private.example"})
        self.assertIn(r.status, (200, 201), r)
        job, _, _ = self.discover(pid=pid)
        self.assertEqual(job["found"], [])
        self.assertEqual(job["suppressed"], 2)
        self.assertIsNone(t.sql("SELECT email FROM prospect WHERE id = %s", (pid,))[0][0])


class Requests(Fixture, unittest.TestCase):
    def test_no_website(self):
        pid = self.prospect("Barbier de la Croix-Rousse")
        r = self.c.call("POST", "/api/v1/prospects/%s/enrich" % pid)
        self.assertEqual(r.status, 422, r)
        self.assertEqual(r.json["code"], "no_website")
        self.assertEqual(r.json["errors"][0]["field"], "website")

    def test_not_found(self):
        pid = self.prospect("Garage du Tonkin")
        r = self.c.call("GET", "/api/v1/prospects/%s/enrich" % pid)
        self.assertEqual(r.status, 404, r)
        self.assertEqual(r.json["code"], "no_enrich_job")
        other, _ = t.logged_in(prefix="enrich-other")
        for method in ("POST", "GET"):
            r = other.call(method, "/api/v1/prospects/%s/enrich" % pid)
            self.assertEqual(r.status, 404, r)
            self.assertEqual(r.json["code"], "not_found")
        for bad in ("0", "01", "abc", "99999999999999999999"):
            r = self.c.call("GET", "/api/v1/prospects/%s/enrich" % bad)
            self.assertEqual(r.status, 404, (bad, r))
        self.assertEqual(t.sql("SELECT COUNT(*) FROM enrich_job WHERE prospect_id = %s",
                               (pid,))[0][0], 0)
        r = t.request("POST", "/api/v1/prospects/%s/enrich" % pid)
        self.assertEqual(r.status, 401, r)
        r = self.c.call("POST", "/api/v1/prospects/%s/enrich" % pid, csrf=False)
        self.assertEqual(r.status, 403, r)

    def test_one_job_at_a_time_and_done_once(self):
        """While a job waits, asking again gives the same job; two one-shot
        enrichers and the stack's share the queue and the job runs once."""
        pid = self.prospect("L'Atelier des Ciseaux")
        mark = len(log_lines())
        with enricher_paused():
            first = self.enrich(pid)
            again = self.enrich(pid)
            self.assertEqual(again["id"], first["id"])
            self.assertEqual(again["status"], "queued")
            procs = [one_shot(), one_shot()]
            for p in procs:
                _, err = p.communicate(timeout=60)
                self.assertEqual(p.returncode, 0, err)
        job = self.finished(pid)
        self.assertEqual(job["id"], first["id"])
        self.assertEqual(job["status"], "done", job)
        self.assertEqual(t.sql("SELECT attempts, status FROM enrich_job WHERE id = %s",
                               (first["id"],))[0], (1, "done"))
        homes = [r for r in requests_since(mark, "nomail.example") if r[2] == "/"]
        self.assertEqual(len(homes), 1, homes)
        # Finished: a new request queues a new job.
        self.assertNotEqual(self.enrich(pid)["id"], first["id"])
        self.finished(pid)

    def test_private_addresses_refused(self):
        """The SSRF defence: without enrich_allow_private, an enricher does
        not connect to the stand-in on loopback at all."""
        pid = self.prospect("Boulangerie L'Épi d'Or")
        mark = len(log_lines())
        with enricher_paused():
            job = self.enrich(pid)
            p = one_shot({"PROSPEA_ENRICH_ALLOW_PRIVATE": "0"})
            _, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 0, err)
            self.assertIn(b"refused to connect to a loopback address", err)
        job = self.finished(pid)
        self.assertEqual(job["status"], "failed", job)
        self.assertEqual(job["error"]["code"], "blocked_address")
        self.assertEqual(requests_since(mark), [])

    def interrupted(self, pid, attempts):
        """Queues a job for pid and makes it look taken attempts times by
        workers that died (lease over); a one-shot enricher then runs it."""
        with enricher_paused():
            job = self.enrich(pid)
            t.sql("UPDATE enrich_job SET status = 'running', attempts = %s, "
                  "lease_until = NOW(3) - INTERVAL 1 SECOND WHERE id = %s",
                  (attempts, job["id"]))
            one_shot().communicate(timeout=60)
        return self.finished(pid)

    def test_interrupted_jobs_are_taken_again(self):
        """A job whose lease ended (its worker died) is claimed again; after
        too many claims it fails instead of looping."""
        pid = self.prospect("Fleurs de Saône")
        self.website(pid, "http://nomail.example/")
        done = self.interrupted(pid, 1)
        self.assertEqual(done["status"], "done", done)
        self.assertEqual(t.sql("SELECT attempts FROM enrich_job WHERE id = %s",
                               (done["id"],))[0][0], 2)
        failed = self.interrupted(pid, 3)
        self.assertEqual(failed["status"], "failed", failed)
        self.assertEqual(failed["error"]["code"], "gave_up")

if __name__ == "__main__":
    t.main()
