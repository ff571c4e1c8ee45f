"""End-to-end tests of prospect imports (POST /imports, GET /imports[/{id}])
over HTTP on the real stack: the gosom Google Maps export fixture, French
spreadsheets in every encoding, delimiter and line-end Excel writes, the
damage Excel does, duplicates within a file and against stored prospects,
dry runs, big files as jobs run by prospea-importer, and per-user
isolation. Each test writes its own small file; what the import stored is
read back from the database as its administrator.
"""

import json
import os
import signal
import subprocess
import time
import unittest

from prospea_test import main, logged_in, sql, request, upload, user_id, without_limits

HERE = os.path.dirname(os.path.abspath(__file__))
GOSOM = os.path.join(HERE, "data", "gmaps_export_gosom.csv")

FR_HEADER = "Nom;Catégorie;Adresse;Code postal;Ville;Téléphone;E-mail;Site web"


def prospects(addr, cols="name, postal_code, city, phone, phone_e164, email"):
    return sql("SELECT %s FROM prospect WHERE user_id = %%s ORDER BY id" % cols,
               (user_id(addr),))


def wait_job(c, job_id, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = c.call("GET", "/api/v1/imports/%s" % job_id)
        assert r.status == 200, r
        if r.json["status"] in ("done", "failed"):
            return r.json
        time.sleep(0.1)
    raise AssertionError("import %s not finished within %ds" % (job_id, timeout))


class GosomExport(unittest.TestCase):
    """The gosom/google-maps-scraper export: 5 rows, one place found twice."""

    def setUp(self):
        self.c, self.addr = logged_in(prefix="imp-gosom")
        with open(GOSOM, "rb") as fh:
            self.data = fh.read()

    def test_import_then_reimport(self):
        r = upload(self.c, self.data, "?filename=gmaps.csv")
        self.assertEqual(r.status, 201, r)
        j = r.json
        self.assertEqual(j["layout"], "gosom")
        self.assertEqual(j["encoding"], "utf-8")
        self.assertEqual(j["delimiter"], ",")
        self.assertEqual((j["rows"], j["created"], j["duplicates"], j["rejected"]),
                         (5, 4, 1, 0), j)
        rows = sql("SELECT name, postal_code, city, phone_e164, email, email_kind, "
                   "website_host, place_id, google_cid, rating, source, "
                   "quality_flags, emails FROM prospect WHERE user_id = %s "
                   "ORDER BY id", (user_id(self.addr),))
        self.assertEqual(len(rows), 4)
        epi = rows[0]
        self.assertEqual(epi[0], "Boulangerie L'Épi d'Or")
        self.assertEqual((epi[1], epi[2]), ("69002", "Lyon"))   # complete_address
        self.assertEqual(epi[3], "+33465711234")
        self.assertEqual((epi[4], epi[5]), ("contact@epi-dor.example", "generic"))
        self.assertEqual(epi[6], "epi-dor.example")
        self.assertEqual(epi[7], "0x47f4ea0000000001:0x1a2b3c4d5e6f7081")
        self.assertEqual(epi[8], "1885123456789012301")
        self.assertEqual(float(epi[9]), 4.6)
        self.assertEqual(epi[10], "import:gmaps.csv")
        self.assertEqual([e["email"] for e in json.loads(epi[12])],
                         ["contact@epi-dor.example", "commandes@epi-dor.example"])
        dupont = rows[1]
        self.assertEqual(dupont[6], "plomberie-dupont.example")  # /url?q= unwrapped
        self.assertEqual(dupont[4], "Contact@plomberie-dupont.example")
        garage = rows[2]
        self.assertIn("email_invalid", json.loads(garage[11]))   # icon@2x.png
        self.assertEqual(garage[4], "contact@garage-rivet.example")
        self.assertEqual(garage[6], "facebook.com")

        # The same file again: nothing new.
        r = upload(self.c, self.data)
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json["created"], r.json["duplicates"]), (0, 5), r.json)
        self.assertEqual(len(prospects(self.addr)), 4)

    def test_dry_run_keeps_nothing(self):
        r = upload(self.c, self.data, "?dry_run=true")
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["created"], r.json["dry_run"], r.json["id"]),
                         (4, True, None))
        self.assertEqual(prospects(self.addr), ())
        self.assertEqual(sql("SELECT COUNT(*) FROM import_job WHERE user_id = %s",
                             (user_id(self.addr),))[0][0], 0)

    def test_json_body_and_job_record(self):
        r = self.c.call("POST", "/api/v1/imports", {
            "csv": self.data.decode("utf-8"), "filename": "export.csv",
            "on_duplicate": "skip"})
        self.assertEqual(r.status, 201, r)
        job = r.json["id"]
        g = self.c.call("GET", "/api/v1/imports/%s" % job)
        self.assertEqual(g.status, 200, g)
        self.assertEqual((g.json["status"], g.json["filename"]), ("done", "export.csv"))
        self.assertEqual(g.json["result"]["created"], 4)
        lst = self.c.call("GET", "/api/v1/imports")
        self.assertEqual(lst.status, 200, lst)
        self.assertIn(job, [i["id"] for i in lst.json["items"]])
        ids = sql("SELECT DISTINCT import_id FROM prospect WHERE user_id = %s",
                  (user_id(self.addr),))
        self.assertEqual(ids, ((int(job),),))


class Spreadsheets(unittest.TestCase):
    """French and English spreadsheets as Excel and LibreOffice write them."""

    def setUp(self):
        self.c, self.addr = logged_in(prefix="imp-sheet")

    def imp(self, data, query="", status=201):
        r = upload(self.c, data, query)
        self.assertEqual(r.status, status, r)
        return r.json

    def test_cp1252_semicolon_crlf(self):
        text = (FR_HEADER + "\r\n"
                "Crêperie Œillet;Crêperie;1 rue de l'Église;35000;Rennes;"
                "02 99 11 22 33;contact@creperie-oeillet.example;creperie-oeillet.example\r\n"
                "Café \"Le Sévigné\";Café;2 place Sévigné;35000;Rennes;;;\r\n")
        j = self.imp(text.encode("cp1252"))
        self.assertEqual((j["encoding"], j["delimiter"], j["created"]),
                         ("windows-1252", ";", 2), j)
        rows = prospects(self.addr)
        self.assertEqual(rows[0][0], "Crêperie Œillet")
        self.assertEqual(rows[0][4], "+33299112233")
        self.assertEqual(rows[1][0], 'Café "Le Sévigné"')

    def test_utf8_bom_and_decimal_commas(self):
        text = ("Nom;Ville;Code postal;Note;Avis\n"
                "Fleurs d'Anaïs;Lyon;69003;4,5;12\n"
                "Boucherie Martin;Lyon;69003;3,9;7\n")
        j = self.imp(b"\xef\xbb\xbf" + text.encode())
        self.assertEqual((j["encoding"], j["delimiter"], j["created"]), ("utf-8", ";", 2), j)
        rows = sql("SELECT name, rating, review_count FROM prospect WHERE user_id = %s "
                   "ORDER BY id", (user_id(self.addr),))
        self.assertEqual(rows[0][0], "Fleurs d'Anaïs")         # no BOM in the name
        self.assertEqual((float(rows[0][1]), rows[0][2]), (4.5, 12))

    def test_utf16le_tab_separated(self):
        text = ("Nom\tVille\tTéléphone\r\n"
                "Électricité Dubois\tAnnecy\t04 50 11 22 33\r\n")
        j = self.imp(b"\xff\xfe" + text.encode("utf-16-le"))
        self.assertEqual((j["encoding"], j["delimiter"], j["created"]),
                         ("utf-16le", "\t", 1), j)
        self.assertEqual(prospects(self.addr)[0][:1], ("Électricité Dubois",))

    def test_sep_line_and_cr_only(self):
        text = "sep=,\rName,City,Zip\rAtelier Vélo,Nantes,44000\rBar du Port,Nantes,44000\r"
        j = self.imp(text.encode())
        self.assertEqual((j["delimiter"], j["created"], j["rows"]), (",", 2, 2), j)
        self.assertEqual([r[0] for r in prospects(self.addr)], ["Atelier Vélo", "Bar du Port"])

    def test_quotes_newlines_blank_rows_and_line_numbers(self):
        text = ("Nom;Ville;Catégorie\n"                          # line 1
                "\"Boulangerie; Pâtisserie\";Lyon;\"Pain \"\"maison\"\"\"\n"  # 2
                "\n"                                             # 3 blank
                ";;\n"                                           # 4 separators only
                "\"Garage\nRivet\";Bordeaux;\"Garage\n"           # 5-7: newlines inside
                "auto\"\n"
                ";Paris;Fleuriste\n"                             # 8: no name
                "Chez Nous;Paris;Restaurant\n")                  # 9
        j = self.imp(text.encode())
        self.assertEqual((j["rows"], j["created"], j["rejected"]), (4, 3, 1), j)
        self.assertEqual(j["rejects"], [{"line": 8, "reason": "name_missing",
                                         "message": "The line has no business name."}])
        rows = sql("SELECT name, category FROM prospect WHERE user_id = %s ORDER BY id",
                   (user_id(self.addr),))
        self.assertEqual(rows[0], ("Boulangerie; Pâtisserie", 'Pain "maison"'))
        # A name cell is one line of text: its line break became a space.
        self.assertEqual(rows[1][0], "Garage Rivet")

    def test_unterminated_quote_costs_only_its_line(self):
        text = ("Nom;Ville\n"
                "A;Lyon\n"
                "B;Lyon\n"
                "C;Lyon\n"
                "\"D;Lyon\n"           # a quote that never closes
                "E;Lyon\n"
                "F;Lyon\n")
        j = self.imp(text.encode())
        self.assertEqual((j["rows"], j["created"], j["rejected"]), (6, 5, 1), j)
        self.assertEqual([(x["line"], x["reason"]) for x in j["rejects"]],
                         [(5, "unterminated_quote")])
        self.assertEqual([r[0] for r in prospects(self.addr)], ["A", "B", "C", "E", "F"])

    def test_unreadable_header_imports_nothing(self):
        r = upload(self.c, b'"Nom;Ville\nA;Lyon\nB;Lyon\n')
        self.assertEqual(r.status, 422, r)
        self.assertEqual(r.json["errors"][0]["code"], "unterminated_quote")
        self.assertIn("line 1", r.json["errors"][0]["message"])
        self.assertEqual(prospects(self.addr), ())

    def test_excel_damage(self):
        text = ("Nom;Code postal;Ville;Téléphone\n"
                "Plomberie Ain;1000;Bourg-en-Bresse;465711234\n"
                "Taxi Lune;69002;Lyon;3,34657E+10\n"
                "Studio Nail;69OO2;Lyon;+33 4 65 71 12 99\n")
        j = self.imp(text.encode())
        self.assertEqual(j["created"], 3, j)
        rows = sql("SELECT name, postal_code, phone, phone_e164, quality_flags FROM prospect "
                   "WHERE user_id = %s ORDER BY id", (user_id(self.addr),))
        self.assertEqual(rows[0][1], "01000")
        self.assertEqual(rows[0][3], "+33465711234")
        self.assertEqual(set(json.loads(rows[0][4])), {"postal_code_repaired", "phone_repaired"})
        self.assertIsNone(rows[1][2])                  # never a number in E notation
        self.assertIsNone(rows[1][3])
        self.assertIn("phone_scientific_notation", json.loads(rows[1][4]))
        self.assertEqual(rows[2][1], "69OO2")          # kept as text, flagged
        self.assertIn("postal_code_invalid", json.loads(rows[2][4]))
        # Editing something else keeps what the import repaired on record;
        # giving the field anew drops its flag.
        pid = sql("SELECT id FROM prospect WHERE user_id = %s AND name = 'Plomberie Ain'",
                  (user_id(self.addr),))[0][0]
        r = self.c.call("PATCH", "/api/v1/prospects/%d" % pid, {"status": "contacted"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(set(r.json["quality_flags"]), {"postal_code_repaired", "phone_repaired"})
        r = self.c.call("PATCH", "/api/v1/prospects/%d" % pid, {"phone": "+33 4 65 71 12 34"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["quality_flags"], ["postal_code_repaired"])

    def test_duplicates_within_the_file(self):
        text = ("Nom;Code postal;Ville;Téléphone;E-mail;Site web\n"
                "Fleurs Anaïs;69003;Lyon;04 65 71 12 40;;\n"
                "Fleurs Anais SARL;69003;Lyon;;;\n"                 # name + postal code
                "Autre nom;69001;Lyon;+33465711240;;\n"             # same phone
                "Coiffure Zoé;69001;Lyon;;zoe@coiffure.example;\n"
                "Zoé Coiffure;69004;Lyon;;ZOE@Coiffure.example;\n"  # same e-mail
                "Vins Dupré;69005;Lyon;;;https://www.vins-dupre.example/\n"
                "Cave Dupré;69006;Lyon;;;http://vins-dupre.example\n")  # same host
        j = self.imp(text.encode())
        self.assertEqual((j["rows"], j["created"], j["duplicates"]), (7, 3, 4), j)

    def test_update_merges_and_keeps_notes(self):
        self.imp(("Nom;Ville;Téléphone\nCafé Bleu;Lyon;04 65 71 12 50\n").encode())
        pid = sql("SELECT id FROM prospect WHERE user_id = %s", (user_id(self.addr),))[0][0]
        sql("INSERT INTO prospect_note (user_id, prospect_id, body, created_at, updated_at) "
            "VALUES (%s, %s, 'Rappeler lundi', NOW(3), NOW(3))", (user_id(self.addr), pid))
        j = self.imp(("Nom;Ville;Téléphone;E-mail;Catégorie\n"
                      "Café Bleu;Lyon;04 65 71 12 50;bonjour@cafe-bleu.example;Café\n").encode(),
                     "?on_duplicate=update")
        self.assertEqual((j["created"], j["duplicates"], j["updated"]), (0, 1, 1), j)
        row = sql("SELECT email, category, city FROM prospect WHERE id = %s", (pid,))[0]
        self.assertEqual(row, ("bonjour@cafe-bleu.example", "Café", "Lyon"))
        self.assertEqual(sql("SELECT body FROM prospect_note WHERE prospect_id = %s", (pid,)),
                         (("Rappeler lundi",),))

    def test_custom_fields_and_mapping(self):
        text = "Raison sociale;SIRET;Effectif;Commune\nMenuiserie Roux;12345678900011;12;Dijon\n"
        j = self.imp(text.encode())
        self.assertEqual(j["created"], 1, j)
        row = sql("SELECT name, city, custom_fields FROM prospect WHERE user_id = %s",
                  (user_id(self.addr),))[0]
        self.assertEqual(row[:2], ("Menuiserie Roux", "Dijon"))
        self.assertEqual(json.loads(row[2]), {"SIRET": "12345678900011", "Effectif": "12"})
        # An explicit mapping for headers nobody could guess.
        text = "Enseigne;Localisation;Infos\nPharmacie Centrale;Dijon;ouverte le dimanche\n"
        mapping = json.dumps({"Enseigne": "name", "Localisation": "city",
                              "Infos": "custom:horaires"})
        import urllib.parse
        j = self.imp(text.encode(), "?mapping=" + urllib.parse.quote(mapping))
        self.assertEqual((j["layout"], j["created"]), ("mapping", 1), j)
        row = sql("SELECT city, custom_fields FROM prospect WHERE user_id = %s "
                  "AND name = 'Pharmacie Centrale'", (user_id(self.addr),))[0]
        self.assertEqual((row[0], json.loads(row[1])), ("Dijon", {"horaires": "ouverte le dimanche"}))

    def test_suppressed_rows_are_not_imported(self):
        for kind, value in (("email", "Non@Merci.example"), ("phone", "04 65 71 12 60"),
                            ("domain", "https://www.jamais.example/")):
            r = self.c.call("POST", "/api/v1/suppressions", {"kind": kind, "value": value})
            self.assertEqual(r.status, 201, r)
        text = ("Nom;Téléphone;E-mail;Site web\n"
                "A;;non@merci.example;\n"                   # the address
                "B;+33465711260;;\n"                         # the phone
                "C;;;jamais.example\n"                       # the website's domain
                "D;;equipe@jamais.example;\n"                # an address on that domain
                "F;;contact@lyon.jamais.example;\n"          # ... or on a subdomain
                "G;;;https://boutique.jamais.example/\n"     # a site under it
                "E;04 65 71 12 61;ok@merci.example;\n")
        j = self.imp(text.encode())
        self.assertEqual((j["rows"], j["created"], j["suppressed"]), (7, 1, 6), j)
        self.assertEqual(j["suppressed_lines"], [2, 3, 4, 5, 6, 7])
        self.assertEqual([r[0] for r in prospects(self.addr)], ["E"])

    def test_file_without_a_name_column(self):
        r = upload(self.c, b"Ville;Code postal\nLyon;69002\n")
        self.assertEqual(r.status, 422, r)
        self.assertEqual(r.json["errors"][0]["code"], "mapping")


class Concurrency(unittest.TestCase):
    """Writers of one account's prospects take turns: the same file sent
    twice at once, or a double click on create, gives each business once."""

    def test_same_file_twice_at_once(self):
        import threading
        c, addr = logged_in(prefix="imp-conc")
        data = ("Nom;Téléphone\n" + "".join(
            "Commerce %d;04 65 70 %02d %02d\n" % (i, i // 100, i % 100)
            for i in range(1500))).encode()
        self.assertLess(len(data), 65536)
        out = []
        th = [threading.Thread(target=lambda: out.append(upload(c, data)))
              for _ in range(2)]
        for x in th:
            x.start()
        for x in th:
            x.join()
        self.assertEqual(sorted(r.status for r in out), [201, 201], out)
        self.assertEqual(sorted(r.json["created"] for r in out), [0, 1500])
        self.assertEqual(len(prospects(addr)), 1500)

    def test_double_click_on_create(self):
        import threading
        c, addr = logged_in(prefix="imp-click")
        out = []
        body = {"name": "Double Clic", "phone": "04 65 70 99 99"}
        th = [threading.Thread(target=lambda: out.append(
            c.call("POST", "/api/v1/prospects", body))) for _ in range(4)]
        for x in th:
            x.start()
        for x in th:
            x.join()
        self.assertEqual(sorted(r.status for r in out), [201, 409, 409, 409], out)
        self.assertEqual(len(prospects(addr)), 1)


class BadRequests(unittest.TestCase):
    def setUp(self):
        self.c, self.addr = logged_in(prefix="imp-bad")

    def test_content_types_and_options(self):
        r = upload(self.c, b"Nom\nA\n", ctype="text/plain")
        self.assertEqual(r.status, 415, r)
        for q in ("?dry_run=yes", "?on_duplicate=replace", "?mapping=%5B1%5D",
                  "?mapping=%7B%22Nom%22%3A%22nope%22%7D"):
            r = upload(self.c, b"Nom\nA\n", q)
            self.assertEqual(r.status, 400, (q, r))
            self.assertEqual(r.header("Content-Type"), "application/problem+json")
        # A misspelt option must not turn a dry run into a real import.
        r = upload(self.c, b"Nom\nA\n", "?dryrun=true")
        self.assertEqual(r.status, 400, r)
        r = self.c.call("POST", "/api/v1/imports?dry_run=true", {"csv": "Nom\nA\n"})
        self.assertEqual(r.status, 400, r)
        r = self.c.call("POST", "/api/v1/imports", {"csv": 12})
        self.assertEqual(r.status, 400, r)
        r = self.c.call("POST", "/api/v1/imports", {"csv": "Nom\nA\n", "unknown": 1})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(prospects(self.addr), ())

    def test_no_session_no_csrf(self):
        r = request("POST", "/api/v1/imports", b"Nom\nA\n", {"Content-Type": "text/csv"})
        self.assertEqual(r.status, 401, r)
        r = self.c.call("POST", "/api/v1/imports", b"Nom\nA\n",
                        headers={"Content-Type": "text/csv"}, csrf=False)
        self.assertEqual(r.status, 403, r)

    def test_unknown_and_foreign_imports(self):
        r = upload(self.c, b"Nom\nA\n")
        self.assertEqual(r.status, 201, r)
        other, _ = logged_in(prefix="imp-other")
        for path in ("/api/v1/imports/%s" % r.json["id"], "/api/v1/imports/999999999",
                     "/api/v1/imports/abc", "/api/v1/imports/0"):
            g = other.call("GET", path)
            self.assertEqual(g.status, 404, (path, g))
        self.assertEqual(other.call("GET", "/api/v1/imports").json["items"], [])


class BigFiles(unittest.TestCase):
    """Above import_sync_max (64 KiB in the test stack) a file becomes a job."""

    def setUp(self):
        self.c, self.addr = logged_in(prefix="imp-big")
        without_limits(self.addr)       # files bigger than the trial's limit

    def big(self, rows, extra=""):
        lines = ["Nom;Code postal;Ville;Téléphone;E-mail"]
        for i in range(rows):
            lines.append("Commerce n°%d;69%03d;Lyon;04 65 %02d %02d %02d;"
                         "contact@commerce-%d.example" % (i, i % 1000, i // 10000 % 100,
                                                          i // 100 % 100, i % 100, i))
        return ("\r\n".join(lines) + "\r\n" + extra).encode("cp1252")

    def test_job_runs_in_the_worker(self):
        data = self.big(3000)
        self.assertGreater(len(data), 65536)
        r = upload(self.c, data, "?filename=gros.csv")
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.header("Location"), "/api/v1/imports/%s" % r.json["id"])
        j = wait_job(self.c, r.json["id"])
        self.assertEqual(j["status"], "done", j)
        self.assertEqual(j["encoding"], "windows-1252")
        self.assertEqual(j["bytes_done"], len(data))
        self.assertEqual((j["result"]["rows"], j["result"]["created"]), (3000, 3000), j)
        self.assertEqual(sql("SELECT COUNT(*) FROM prospect WHERE user_id = %s",
                             (user_id(self.addr),))[0][0], 3000)
        self.assertEqual(sql("SELECT COUNT(*) FROM import_chunk WHERE job_id = %s",
                             (int(r.json["id"]),))[0][0], 0)
        # Again, as a dry run: all duplicates, nothing stored.
        r = upload(self.c, data, "?dry_run=true")
        self.assertEqual(r.status, 202, r)
        j = wait_job(self.c, r.json["id"])
        self.assertEqual((j["status"], j["result"]["duplicates"], j["result"]["dry_run"]),
                         ("done", 3000, True), j)

    def test_killed_worker_leaves_nothing_and_the_job_is_redone(self):
        """The importer dies mid-file: its transaction goes with it, and once
        its lease (3 s in the test stack) runs out the respawned one imports
        the file from the start, once."""
        # Abandoned jobs the respawned importer must sweep when it starts:
        # an upload whose handler died an hour ago (its chunk goes too)
        # and an import run inside a request whose handler died.
        uid = user_id(self.addr)
        sql("INSERT INTO import_job (user_id, status, filename, options, bytes, created_at) "
            "VALUES (%s, 'receiving', 'lost-upload.csv', '{}', 1, NOW(3) - INTERVAL 2 HOUR)",
            (uid,))
        lost = sql("SELECT MAX(id) FROM import_job WHERE user_id = %s", (uid,))[0][0]
        sql("INSERT INTO import_chunk (job_id, seq, user_id, data) VALUES (%s, 0, %s, 'x')",
            (lost, uid))
        sql("INSERT INTO import_job (user_id, status, filename, options, bytes, created_at, "
            "started_at) VALUES (%s, 'running', 'lost-request.csv', '{}', 1, "
            "NOW(3) - INTERVAL 2 HOUR, NOW(3) - INTERVAL 2 HOUR)", (uid,))
        data = self.big(20000)
        r = upload(self.c, data)
        self.assertEqual(r.status, 202, r)
        job = r.json["id"]
        deadline = time.time() + 60
        while time.time() < deadline:
            j = self.c.call("GET", "/api/v1/imports/%s" % job).json
            if j["status"] == "running" and j["bytes_done"] > 0:
                break
            self.assertNotEqual(j["status"], "done", "the import ended before it could be killed")
            time.sleep(0.02)
        with open(os.path.join(os.environ["PROSPEA_TEST_VAR"], "run", "importer.pid")) as fh:
            watcher = fh.read().strip()
        kids = subprocess.run(["pgrep", "-P", watcher], capture_output=True, text=True).stdout.split()
        self.assertEqual(len(kids), 1, kids)
        os.kill(int(kids[0]), signal.SIGKILL)
        self.assertEqual(sql("SELECT COUNT(*) FROM prospect WHERE user_id = %s",
                             (user_id(self.addr),))[0][0], 0)
        j = wait_job(self.c, job, timeout=120)
        self.assertEqual((j["status"], j["result"]["created"]), ("done", 20000), j)
        self.assertEqual(sql("SELECT attempts FROM import_job WHERE id = %s", (int(job),))[0][0], 2)
        self.assertEqual(sql("SELECT COUNT(*) FROM import_job WHERE id = %s", (lost,))[0][0], 0)
        self.assertEqual(sql("SELECT COUNT(*) FROM import_chunk WHERE job_id = %s", (lost,))[0][0], 0)
        self.assertEqual(sql("SELECT status, error_code FROM import_job WHERE user_id = %s "
                             "AND filename = 'lost-request.csv'", (uid,)),
                         (("failed", "interrupted"),))
        self.assertEqual(sql("SELECT COUNT(*) FROM prospect WHERE user_id = %s",
                             (user_id(self.addr),))[0][0], 20000)


if __name__ == "__main__":
    main()
