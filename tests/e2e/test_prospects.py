"""Prospects over the API, end to end (nginx -> prospea-prospects ->
MariaDB): create with the record rules, read, partial edit, delete,
search with filters, sorts and cursors, notes, the suppression list,
GDPR erasure, the CSV export, bad input, and one user's ids seen by
another (404 on every route, nothing changed)."""

import base64
import csv
import io
import unittest
import urllib.parse
import uuid

import prospea_test as t

P = "/api/v1/prospects"
FIELDS = {"id", "name", "category", "address", "postal_code", "city", "country",
          "phone", "phone_e164", "phone_national", "phone_type", "email",
          "email_kind", "emails", "website", "website_host", "rating",
          "review_count", "place_id", "google_cid", "latitude", "longitude",
          "status", "tags", "custom_fields", "quality_flags", "source",
          "import_id", "collected_at", "last_contact_at",
          "last_prospect_contact_at", "created_at", "updated_at", "notes_count"}


def uniq():
    return uuid.uuid4().hex[:10]


def phone(n):
    """A valid French fixed-line number of its own for each n < 10**6."""
    return "01 4%d %02d %02d %02d" % (n // 1000000 % 10, n // 10000 % 100,
                                      n // 100 % 100, n % 100)


class Base(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c, cls.addr = t.logged_in(prefix="prosp")

    def create(self, body, status=201):
        r = self.c.call("POST", P, body)
        self.assertEqual(r.status, status, r)
        return r.json

    def assertProblem(self, r, status, code=None, field=None):
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.header("Content-Type"), "application/problem+json")
        j = r.json
        self.assertEqual(j["status"], status)
        if code is not None:
            self.assertEqual(j["code"], code, j)
        if field is not None:
            self.assertIn(field, [e["field"] for e in j["errors"]], j)
        return j


class Create(Base):
    def test_create_full_and_read(self):
        u = uniq()
        j = self.create({
            "name": "Boulangerie Épi d'Or " + u, "category": "Boulangerie",
            "address": "3 rue des Lilas", "postal_code": "69003", "city": "Lyon",
            "country": "FR", "phone": "04 72 00 12 34", "email": "Contact@Epi-%s.example" % u,
            "website": "https://www.epi-%s.example/boutique" % u, "rating": 4.6,
            "review_count": 112, "place_id": "ChIJ" + u, "google_cid": "1234567890",
            "latitude": 45.76, "longitude": 4.84, "status": "contacted",
            "tags": ["vip", "lyon", "vip"], "custom_fields": {"siret": "123 456 789 00012"},
            "note": "Rappeler après 14 h."})
        self.assertEqual(set(j), FIELDS)
        self.assertIsInstance(j["id"], str)
        self.assertEqual(j["phone_e164"], "+33472001234")
        self.assertEqual(j["phone"], "04 72 00 12 34")
        self.assertTrue(j["phone_national"])
        self.assertEqual(j["email"].lower(), ("contact@epi-%s.example" % u))
        self.assertEqual(j["email_kind"], "generic")
        self.assertEqual(j["emails"][0]["email"], j["email"])
        self.assertEqual(j["website_host"], "epi-%s.example" % u)
        self.assertEqual(j["rating"], 4.6)
        self.assertEqual(j["review_count"], 112)
        self.assertEqual(j["latitude"], 45.76)
        self.assertEqual(j["status"], "contacted")
        self.assertEqual(sorted(j["tags"]), ["lyon", "vip"])
        self.assertEqual(j["custom_fields"], {"siret": "123 456 789 00012"})
        self.assertEqual(j["source"], "manual")
        self.assertEqual(j["notes_count"], 1)
        self.assertRegex(j["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        r = self.c.call("GET", P + "/" + j["id"])
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json, j)
        notes = self.c.call("GET", P + "/" + j["id"] + "/notes").json["items"]
        self.assertEqual([n["body"] for n in notes], ["Rappeler après 14 h."])

    def test_name_only(self):
        j = self.create({"name": "Plomberie " + uniq()})
        self.assertEqual(j["status"], "new")
        self.assertEqual(j["tags"], [])
        self.assertEqual(j["custom_fields"], {})
        self.assertIsNone(j["phone_e164"])
        self.assertEqual(j["notes_count"], 0)

    def test_bad_bodies(self):
        cases = [
            ({}, "name"),
            ({"name": ""}, "name"),
            ({"name": "x", "email": "pas une adresse"}, "email"),
            ({"name": "x", "status": "won"}, "status"),
            ({"name": "x", "tags": ["a"] * 21}, "tags"),
            ({"name": "x", "tags": ["a" * 65]}, "tags"),
            ({"name": "x", "tags": "a,b"}, "tags"),
            ({"name": "x", "tags": [1]}, "tags"),
            ({"name": "x", "custom_fields": {"k": 1}}, "custom_fields"),
            ({"name": "x", "custom_fields": {"k%d" % i: "v" for i in range(51)}},
             "custom_fields"),
            ({"name": "x", "custom_fields": ["a"]}, "custom_fields"),
            ({"name": "x", "rating": 6}, "rating"),
            ({"name": "x", "rating": "4,5"}, "rating"),
            ({"name": "x", "latitude": 91, "longitude": 2}, "latitude"),
            ({"name": "x", "country": "France"}, "country"),
            ({"name": "x", "review_count": -1}, "review_count"),
            ({"name": "x", "google_cid": "12a"}, "google_cid"),
            ({"name": "x", "place_id": "a b"}, "place_id"),
            ({"name": "x", "owner": 1}, "owner"),
        ]
        for body, field in cases:
            with self.subTest(body=body):
                self.assertProblem(self.c.call("POST", P, body), 400, "validation", field)

    def test_semantic_refusals(self):
        self.assertProblem(self.c.call("POST", P, {"name": "x " + uniq(), "phone": "12"}),
                           422, field="phone")
        self.assertProblem(self.c.call("POST", P, {"name": "x " + uniq(),
                                                   "website": "ftp://x"}),
                           422, field="website")
        self.assertProblem(self.c.call("POST", P, {"name": "x " + uniq(), "latitude": 45.1}),
                           422, field="longitude")
        self.assertProblem(self.c.call("POST", P, {"name": "   "}), 422, field="name")

    def test_duplicates(self):
        u = uniq()
        a = self.create({"name": "Garage A " + u, "phone": phone(900001)})
        j = self.assertProblem(self.c.call("POST", P, {"name": "Autre nom " + u,
                                                       "phone": "+33 1 40 90 00 01"}),
                               409, "duplicate")
        self.assertEqual(j["duplicate_of"], a["id"])
        b = self.create({"name": "Garage B " + u, "email": "jean@garage-%s.example" % u})
        j = self.assertProblem(self.c.call("POST", P, {"name": "Garage C " + u,
                                                       "email": "JEAN@garage-%s.example" % u}),
                               409, "duplicate")
        self.assertEqual(j["duplicate_of"], b["id"])
        # A PATCH that turns b into a's twin is refused; b is unchanged.
        j = self.assertProblem(self.c.call("PATCH", P + "/" + b["id"],
                                           {"phone": phone(900001)}), 409, "duplicate")
        self.assertEqual(j["duplicate_of"], a["id"])
        self.assertIsNone(self.c.call("GET", P + "/" + b["id"]).json["phone"])
        # Its own values again are no duplicate of itself.
        r = self.c.call("PATCH", P + "/" + a["id"], {"phone": phone(900001),
                                                     "name": "Garage A " + u})
        self.assertEqual(r.status, 200, r)

    def test_needs_session_and_csrf(self):
        self.assertProblem(t.request("GET", P), 401)
        self.assertProblem(self.c.call("POST", P, {"name": "x"}, csrf=False), 403, "csrf")


class Edit(Base):
    def test_patch_partial_and_null_clears(self):
        u = uniq()
        j = self.create({"name": "Fleuriste " + u, "city": "Nantes", "postal_code": "44000",
                         "phone": phone(910000 + int(u[:4], 16) % 9000),
                         "email": "marie@fleurs-%s.example" % u,
                         "website": "fleurs-%s.example" % u, "tags": ["a", "b"],
                         "custom_fields": {"x": "1", "y": "2"}, "rating": 3.5})
        r = self.c.call("PATCH", P + "/" + j["id"], {"city": "Rezé", "tags": ["c"],
                                                      "custom_fields": {"z": "3"},
                                                      "status": "interested"})
        self.assertEqual(r.status, 200, r)
        k = r.json
        self.assertEqual(k["city"], "Rezé")
        self.assertEqual(k["postal_code"], "44000")
        self.assertEqual(k["phone_e164"], j["phone_e164"])
        self.assertEqual(k["email"], j["email"])
        self.assertEqual(k["tags"], ["c"])
        self.assertEqual(k["custom_fields"], {"z": "3"})
        self.assertEqual(k["status"], "interested")
        r = self.c.call("PATCH", P + "/" + j["id"], {
            "city": None, "phone": None, "email": None, "website": None, "tags": None,
            "custom_fields": None, "rating": None, "postal_code": None})
        self.assertEqual(r.status, 200, r)
        k = r.json
        for f in ("city", "phone", "phone_e164", "phone_national", "email", "website",
                  "website_host", "rating", "postal_code"):
            self.assertIsNone(k[f], f)
        self.assertEqual(k["emails"], [])
        self.assertEqual(k["tags"], [])
        self.assertEqual(k["custom_fields"], {})
        self.assertEqual(k["name"], "Fleuriste " + u)
        self.assertEqual(self.c.call("GET", P + "/" + j["id"]).json, k)

    def test_patch_renormalises(self):
        j = self.create({"name": "Serrurier " + uniq()})
        r = self.c.call("PATCH", P + "/" + j["id"], {"phone": phone(920000 + int(j["id"]) % 9999)})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["phone_e164"].startswith("+331"))
        self.assertProblem(self.c.call("PATCH", P + "/" + j["id"], {"phone": "0000"}),
                           422, field="phone")

    def test_patch_bad(self):
        j = self.create({"name": "Menuisier " + uniq()})
        self.assertProblem(self.c.call("PATCH", P + "/" + j["id"], {"name": None}),
                           400, "validation", "name")
        self.assertProblem(self.c.call("PATCH", P + "/" + j["id"], {"status": None}),
                           400, "validation", "status")
        self.assertProblem(self.c.call("PATCH", P + "/" + j["id"], {"note": "x"}),
                           400, "validation", "note")
        self.assertProblem(self.c.call("PATCH", P + "/0", {"city": "x"}), 404)
        self.assertProblem(self.c.call("PATCH", P + "/abc", {"city": "x"}), 404)
        self.assertProblem(self.c.call("PATCH", P + "/999999999999", {"city": "x"}), 404)

    def test_delete_cascades(self):
        j = self.create({"name": "Coiffeur " + uniq(), "tags": ["t"], "note": "n"})
        pid = int(j["id"])
        self.assertEqual(self.c.call("DELETE", P + "/" + j["id"]).status, 204)
        self.assertProblem(self.c.call("GET", P + "/" + j["id"]), 404)
        self.assertProblem(self.c.call("DELETE", P + "/" + j["id"]), 404)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM prospect_note WHERE prospect_id = %s",
                               (pid,))[0][0], 0)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM prospect_tag WHERE prospect_id = %s",
                               (pid,))[0][0], 0)


class Notes(Base):
    def test_notes(self):
        j = self.create({"name": "Traiteur " + uniq()})
        url = P + "/" + j["id"] + "/notes"
        ids = []
        for i in range(5):
            r = self.c.call("POST", url, {"body": "note %d\nligne 2" % i})
            self.assertEqual(r.status, 201, r)
            self.assertEqual(r.json["prospect_id"], j["id"])
            ids.append(r.json["id"])
        self.assertEqual(self.c.call("GET", P + "/" + j["id"]).json["notes_count"], 5)
        seen, cursor = [], None
        while True:
            r = self.c.call("GET", url + "?limit=2" + ("&cursor=" + cursor if cursor else ""))
            self.assertEqual(r.status, 200, r)
            seen += [n["id"] for n in r.json["items"]]
            cursor = r.json["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(seen, list(reversed(ids)))
        r = self.c.call("PATCH", "/api/v1/notes/" + ids[0], {"body": "corrigée"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["body"], "corrigée")
        self.assertEqual(self.c.call("DELETE", "/api/v1/notes/" + ids[0]).status, 204)
        self.assertProblem(self.c.call("DELETE", "/api/v1/notes/" + ids[0]), 404)
        self.assertProblem(self.c.call("POST", url, {"body": ""}), 400, field="body")
        self.assertProblem(self.c.call("POST", url, {"body": "x" * 10001}), 400, field="body")
        self.assertProblem(self.c.call("POST", P + "/999999999/notes", {"body": "x"}), 404)
        self.assertProblem(self.c.call("GET", P + "/999999999/notes"), 404)
        self.assertProblem(self.c.call("GET", url + "?limit=0"), 400)


class Search(Base):
    """~60 prospects of one user, searched, sorted and paged."""

    N = 60
    CITIES = ["Lyon", "Nantes", "Évry", None]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.made = []
        for i in range(cls.N):
            body = {"name": "%s %02d" % ("Épicerie" if i % 3 == 0 else "Garage", i),
                    "category": "Épicerie" if i % 3 == 0 else "Garage",
                    "status": "customer" if i % 5 == 0 else "new"}
            city = cls.CITIES[i % 4]
            if city:
                body["city"] = city
                body["postal_code"] = "%05d" % (10000 + i % 4)
            if i % 2 == 0:
                body["email"] = "info%d@shop%d.example" % (i, i)
            if i % 4 == 1:
                body["phone"] = phone(930000 + i)
            if i % 6 != 5:
                body["rating"] = (i % 9) / 2
            if i % 10 == 0:
                body["tags"] = ["chaud"]
            r = cls.c.call("POST", P, body)
            assert r.status == 201, r
            cls.made.append(r.json)
        cls.by_id = {p["id"]: p for p in cls.made}

    def all_pages(self, query, limit=7):
        out, cursor, pages = [], None, 0
        while True:
            q = "%s&limit=%d" % (query, limit) + ("&cursor=" + cursor if cursor else "")
            r = self.c.call("GET", P + "?" + q.lstrip("&"))
            self.assertEqual(r.status, 200, r)
            self.assertLessEqual(len(r.json["items"]), limit)
            out += r.json["items"]
            cursor = r.json["next_cursor"]
            pages += 1
            self.assertLess(pages, 100)
            if cursor is None:
                return out

    def test_default_newest_first_and_all_pages(self):
        items = self.all_pages("")
        ids = [int(p["id"]) for p in items]
        self.assertEqual(ids, sorted(ids, reverse=True))
        self.assertEqual(len(ids), len(set(ids)))
        self.assertLessEqual({int(p["id"]) for p in self.made}, set(ids))
        self.assertEqual(self.c.call("GET", P).json["items"][0]["id"],
                         str(max(ids)))

    def test_sorts(self):
        mine = set(self.by_id)
        for sort in ("created", "name", "city", "rating", "updated"):
            with self.subTest(sort=sort):
                got = [p for p in self.all_pages("sort=" + sort, limit=9) if p["id"] in mine]
                self.assertEqual(len(got), self.N)
                ids = [p["id"] for p in got]
                self.assertEqual(len(set(ids)), self.N)
                if sort == "name":
                    names = [p["name"] for p in got]
                    self.assertEqual(names, sorted(names, key=lambda s: (
                        s.replace("É", "E").lower())))
                if sort == "city":
                    cities = [p["city"] for p in got]
                    first_null = cities.index(None)
                    self.assertTrue(all(c is None for c in cities[first_null:]))
                    keys = [c.replace("É", "E") for c in cities[:first_null]]
                    self.assertEqual(keys, sorted(keys))
                if sort == "rating":
                    ratings = [p["rating"] for p in got]
                    first_null = ratings.index(None)
                    self.assertTrue(all(x is None for x in ratings[first_null:]))
                    self.assertEqual(ratings[:first_null],
                                     sorted(ratings[:first_null], reverse=True))

    def test_filters(self):
        def ids(q):
            return {p["id"] for p in self.all_pages(q, limit=200)} & set(self.by_id)

        def want(pred):
            return {p["id"] for p in self.made if pred(p)}

        self.assertEqual(ids("q=epicerie"), want(lambda p: p["category"] == "Épicerie"))
        self.assertEqual(ids("q=EVRY"), want(lambda p: p["city"] == "Évry"))
        self.assertEqual(ids("q=shop12.example"), want(lambda p: p["email"] == "info12@shop12.example"))
        self.assertEqual(ids("q=10002"), want(lambda p: p["postal_code"] == "10002"))
        self.assertEqual(ids("q=%25"), set())           # a literal %, not a wildcard
        self.assertEqual(ids("q=_"), set())
        self.assertEqual(ids("status=customer"), want(lambda p: p["status"] == "customer"))
        self.assertEqual(ids("tag=chaud"), want(lambda p: "chaud" in p["tags"]))
        self.assertEqual(ids("tag=CHAUD"), want(lambda p: "chaud" in p["tags"]))
        self.assertEqual(ids("city=lyon"), want(lambda p: p["city"] == "Lyon"))
        self.assertEqual(ids("postal_code=10001"), want(lambda p: p["postal_code"] == "10001"))
        self.assertEqual(ids("category=garage"), want(lambda p: p["category"] == "Garage"))
        self.assertEqual(ids("has_email=true"), want(lambda p: p["email"] is not None))
        self.assertEqual(ids("has_email=false"), want(lambda p: p["email"] is None))
        self.assertEqual(ids("has_phone=true"), want(lambda p: p["phone_e164"] is not None))
        self.assertEqual(ids("source=manual"), set(self.by_id))
        self.assertEqual(ids("source=import"), set())
        self.assertEqual(ids("q=garage&city=Nantes&has_email=false&sort=name"),
                         want(lambda p: p["category"] == "Garage" and p["city"] == "Nantes"
                              and p["email"] is None))
        self.assertGreater(len(ids("q=garage&city=Nantes")), 0)

    def test_bad_queries(self):
        cursor = self.c.call("GET", P + "?limit=1").json["next_cursor"]
        self.assertIsNotNone(cursor)
        bad = ["limit=0", "limit=201", "limit=abc", "cursor=@@@", "cursor=" + cursor + "x",
               "cursor=" + base64.urlsafe_b64encode(b"c0:1:2").decode().rstrip("="),
               "sort=price", "status=won", "has_email=yes", "owner=1",
               "sort=name&cursor=" + cursor, "q=" + "x" * 201]
        for q in bad:
            with self.subTest(q=q):
                self.assertProblem(self.c.call("GET", P + "?" + q), 400, "validation")
        # Given twice: refused by the core for every route (test_requests).
        self.assertProblem(self.c.call("GET", P + "?q=a&q=b"), 400, "bad_request")


class SearchFolding(Base):
    """q ignores case and accents; ligatures, hyphens and apostrophes are
    folded on both sides, as a French keyboard user types them."""

    def test_ligatures_hyphens_apostrophes(self):
        c, _ = t.logged_in(prefix="fold")
        for n in ("Œuvres du Cœur", "Café des Sœurs", "Pâtisserie Cœur d’Or", "Ex Æquo"):
            self.assertEqual(c.call("POST", P, {"name": n, "city": "Saint-Étienne"}).status, 201)
        for q, want in (("coeur", ["Pâtisserie Cœur d’Or", "Œuvres du Cœur"]),
                        ("CŒUR", ["Pâtisserie Cœur d’Or", "Œuvres du Cœur"]),
                        ("oeuvres", ["Œuvres du Cœur"]), ("soeurs", ["Café des Sœurs"]),
                        ("aequo", ["Ex Æquo"]), ("coeur d'or", ["Pâtisserie Cœur d’Or"]),
                        ("saint etienne", 4), ("SAINT-ETIENNE", 4), ("100%", [])):
            r = c.call("GET", P + "?q=" + urllib.parse.quote(q))
            self.assertEqual(r.status, 200, r)
            names = sorted(i["name"] for i in r.json["items"])
            if isinstance(want, int):
                self.assertEqual(len(names), want, (q, names))
            else:
                self.assertEqual(names, sorted(want), q)


    def test_search_text_follows_every_write(self):
        """The folded search text is written by the programs: a PATCH, an
        import merge and the migration's backfill of older rows keep it
        in step with the row."""
        import os
        import subprocess
        c, _ = t.logged_in(prefix="fold2")
        names = lambda q: sorted(i["name"] for i in c.call(
            "GET", P + "?q=" + urllib.parse.quote(q)).json["items"])
        r = c.call("POST", P, {"name": "Boulangerie Lefèvre", "city": "Lyon",
                               "postal_code": "69003"})
        self.assertEqual(r.status, 201, r)
        pid = r.json["id"]
        self.assertEqual(names("lefevre lyon"), ["Boulangerie Lefèvre"])
        r = c.call("PATCH", P + "/" + pid, {"city": "Villeurbanne", "category": "Pâtisserie"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(names("lyon"), [])
        self.assertEqual(names("villeurbanne patisserie"), ["Boulangerie Lefèvre"])
        # An import that merges into it adds an e-mail and keeps the rest.
        r = t.upload(c, "nom;code postal;ville;e-mail\nBoulangerie Lefèvre;69003;;"
                     "Commandes@Lefevre-Pains.example\n".encode(), "?on_duplicate=update")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["updated"], 1, r)
        self.assertEqual(names("lefevre pains"), ["Boulangerie Lefèvre"])
        self.assertEqual(names("villeurbanne"), ["Boulangerie Lefèvre"])
        # A row from before the column (NULL) is found again after prospea-migrate
        # (its backfill alone: the full run re-grants, which would refuse the
        # statements of the tests running beside this one for a moment).
        t.sql("UPDATE prospect SET search_text = NULL WHERE id = %s", (int(pid),))
        self.assertEqual(names("villeurbanne"), [])
        subprocess.run([os.path.join(t.ROOT, "workers", "prospea-migrate"), "-c",
                        os.environ["PROSPEA_TEST_CONF"], "--backfill-only"],
                       check=True, stdout=subprocess.DEVNULL)
        self.assertEqual(names("villeurbanne"), ["Boulangerie Lefèvre"])


class Suppressions(Base):
    def test_add_list_delete(self):
        u = uniq()
        r = self.c.call("POST", "/api/v1/suppressions",
                        {"kind": "email", "value": "Claire@Stop-%s.example" % u})
        self.assertEqual(r.status, 201, r)
        e = r.json
        self.assertEqual(set(e), {"id", "kind", "hint", "reason", "created_at"})
        self.assertEqual(e["reason"], "manual")
        self.assertEqual(e["hint"], "c…@stop-%s.example" % u)
        # The same mailbox again: the existing entry, not a second one.
        r = self.c.call("POST", "/api/v1/suppressions",
                        {"kind": "email", "value": "claire@STOP-%s.example" % u})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["id"], e["id"])
        r = self.c.call("POST", "/api/v1/suppressions", {"kind": "phone",
                                                          "value": phone(940000)})
        self.assertEqual(r.status, 201, r)
        self.assertTrue(r.json["hint"].startswith("+33"))
        r = self.c.call("POST", "/api/v1/suppressions",
                        {"kind": "domain", "value": "https://www.Blocked-%s.example/x" % u})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["hint"], "b….example")   # a domain may be a person's site
        items = self.c.call("GET", "/api/v1/suppressions").json["items"]
        self.assertIn(e["id"], [i["id"] for i in items])
        self.assertNotIn(b"claire@", self.c.call("GET", "/api/v1/suppressions").body.lower())
        # A suppressed domain refuses its prospects.
        self.assertProblem(self.c.call("POST", P, {"name": "x " + u,
                                                   "website": "blocked-%s.example" % u}),
                           422, "suppressed")
        self.assertProblem(self.c.call("POST", P, {"name": "y " + u,
                                                   "email": "claire@stop-%s.example" % u}),
                           422, "suppressed")
        self.assertEqual(self.c.call("DELETE", "/api/v1/suppressions/" + e["id"]).status, 204)
        self.assertProblem(self.c.call("DELETE", "/api/v1/suppressions/" + e["id"]), 404)
        self.create({"name": "y " + u, "email": "claire@stop-%s.example" % u})

    def test_bad_values(self):
        for body, status in [({"kind": "email", "value": "nope"}, 422),
                             ({"kind": "phone", "value": "12"}, 422),
                             ({"kind": "domain", "value": "pas un domaine"}, 422),
                             ({"kind": "fax", "value": "x"}, 400),
                             ({"kind": "email"}, 400)]:
            with self.subTest(body=body):
                self.assertProblem(self.c.call("POST", "/api/v1/suppressions", body), status)

    def test_paging(self):
        c, _ = t.logged_in(prefix="supp-page")
        for i in range(5):
            self.assertEqual(c.call("POST", "/api/v1/suppressions", {
                "kind": "email", "value": "p%d@page.example" % i}).status, 201)
        r = c.call("GET", "/api/v1/suppressions?limit=3")
        self.assertEqual(len(r.json["items"]), 3)
        r2 = c.call("GET", "/api/v1/suppressions?limit=3&cursor=" + r.json["next_cursor"])
        self.assertEqual(len(r2.json["items"]), 2)
        self.assertIsNone(r2.json["next_cursor"])


class Erase(Base):
    def test_erase_then_refused(self):
        u = uniq()
        body = {"name": "Cordonnerie " + u, "phone": phone(950000 + int(u[:4], 16) % 9999),
                "email": "paul@cordo-%s.example" % u, "website": "https://cordo-%s.example" % u,
                "tags": ["x"], "note": "à effacer"}
        j = self.create(body)
        pid = int(j["id"])
        self.assertEqual(self.c.call("POST", P + "/" + j["id"] + "/erase").status, 204)
        self.assertProblem(self.c.call("GET", P + "/" + j["id"]), 404)
        self.assertProblem(self.c.call("POST", P + "/" + j["id"] + "/erase"), 404)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM prospect WHERE id = %s", (pid,))[0][0], 0)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM prospect_note WHERE prospect_id = %s",
                               (pid,))[0][0], 0)
        entries = [s for s in self.c.call("GET", "/api/v1/suppressions?limit=200").json["items"]
                   if s["reason"] == "erasure"]
        kinds = sorted(s["kind"] for s in entries if u in s["hint"] or s["kind"] != "email")
        self.assertIn("email", kinds)
        self.assertIn("domain", kinds)
        self.assertIn("phone", kinds)
        # Nothing in clear: the address is in no suppression row.
        self.assertEqual(t.sql("SELECT COUNT(*) FROM suppression WHERE hint LIKE %s",
                               ("paul@%",))[0][0], 0)
        # The same business, by any of its identities, is refused.
        for b in ({"name": "Autre " + u, "email": body["email"]},
                  {"name": "Autre " + u, "phone": body["phone"]},
                  {"name": "Autre " + u, "website": "http://www.cordo-%s.example/" % u},
                  body):
            with self.subTest(b=b):
                self.assertProblem(self.c.call("POST", P, b), 422, "suppressed")


class Export(Base):
    @classmethod
    def setUpClass(cls):
        cls.c, cls.addr = t.logged_in(prefix="export")
        for body in ({"name": "=HYPERLINK(\"http://evil.example\")", "city": "Lyon",
                      "phone": "01 45 00 00 01", "rating": 4.5, "tags": ["a", "b"]},
                     {"name": "Café; \"Le Zinc\" bis", "city": "Paris", "postal_code": "75011",
                      "email": "zinc@cafe.example"},
                     {"name": "@SUM(1+1)", "city": "Lyon", "category": "+cmd"}):
            r = cls.c.call("POST", P, body)
            assert r.status == 201, r

    def rows(self, r, delim=";"):
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "text/csv; charset=utf-8")
        self.assertRegex(r.header("Content-Disposition"),
                         r'^attachment; filename="prospects-\d{8}\.csv"$')
        self.assertTrue(r.body.startswith(b"\xef\xbb\xbf"))
        text = r.body[3:].decode("utf-8")
        self.assertIn("\r\n", text)
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))

    def test_export(self):
        rows = self.rows(self.c.call("GET", P + "/export.csv"))
        head = rows[0]
        self.assertEqual(head[:3], ["id", "name", "category"])
        self.assertEqual(len(rows), 4)
        by_name = {r[head.index("name")]: dict(zip(head, r)) for r in rows[1:]}
        # Formulas arrive as text: no cell starts with = + - @ as written.
        for row in rows[1:]:
            for cell in row:
                self.assertFalse(cell[:1] in ("=", "@") , row)
        evil = [r for n, r in by_name.items() if "HYPERLINK" in n][0]
        self.assertEqual(evil["phone_e164"].lstrip("'"), "+33145000001")
        self.assertIn("+33145000001", evil["phone_e164"])
        self.assertEqual(evil["rating"], "4,5")
        self.assertEqual(evil["tags"], "a, b")
        self.assertEqual(evil["city"], "Lyon")
        zinc = by_name["Café; \"Le Zinc\" bis"]
        self.assertEqual(zinc["postal_code"], "75011")
        self.assertEqual(zinc["email"], "zinc@cafe.example")

    def test_filters_and_delimiter(self):
        rows = self.rows(self.c.call("GET", P + "/export.csv?city=lyon&delimiter=,"), ",")
        self.assertEqual(len(rows), 3)
        self.assertEqual(rows[0][0], "id")
        rows = self.rows(self.c.call("GET", P + "/export.csv?delimiter=tab&q=zinc"), "\t")
        self.assertEqual(len(rows), 2)
        self.assertProblem(self.c.call("GET", P + "/export.csv?delimiter=|"), 400, field="delimiter")
        self.assertProblem(self.c.call("GET", P + "/export.csv?limit=5"), 400, field="limit")

    def test_many_pages(self):
        c, _ = t.logged_in(prefix="export-big")
        for i in range(450):
            self.assertEqual(c.call("POST", P, {"name": "Commerce %03d" % i}).status, 201)
        rows = self.rows(c.call("GET", P + "/export.csv"))
        self.assertEqual(len(rows), 451)
        self.assertEqual(len({r[0] for r in rows[1:]}), 450)


class Isolation(unittest.TestCase):
    """User B sees none of user A's prospects, notes or suppressions: every
    route answers 404, and A's rows are unchanged afterwards."""

    def test_foreign_ids(self):
        a, _ = t.logged_in(prefix="iso-pa")
        b, _ = t.logged_in(prefix="iso-pb")
        u = uniq()
        p = a.call("POST", P, {"name": "Secret " + u, "tags": ["t"], "note": "n"}).json
        n = a.call("POST", P + "/" + p["id"] + "/notes", {"body": "privé"}).json
        s = a.call("POST", "/api/v1/suppressions", {"kind": "email",
                                                     "value": "x-%s@a.example" % u}).json
        calls = [
            ("GET", P + "/" + p["id"], None),
            ("PATCH", P + "/" + p["id"], {"name": "pris"}),
            ("DELETE", P + "/" + p["id"], None),
            ("POST", P + "/" + p["id"] + "/erase", None),
            ("GET", P + "/" + p["id"] + "/notes", None),
            ("POST", P + "/" + p["id"] + "/notes", {"body": "intrus"}),
            ("PATCH", "/api/v1/notes/" + n["id"], {"body": "intrus"}),
            ("DELETE", "/api/v1/notes/" + n["id"], None),
            ("DELETE", "/api/v1/suppressions/" + s["id"], None),
        ]
        for method, path, body in calls:
            with self.subTest(method=method, path=path):
                r = b.call(method, path, body)
                self.assertEqual(r.status, 404, r)
        self.assertNotIn(p["id"], [x["id"] for x in b.call("GET", P + "?limit=200").json["items"]])
        self.assertEqual(b.call("GET", "/api/v1/suppressions").json["items"], [])
        self.assertEqual(b.call("GET", P + "/export.csv").body.count(b"\r\n"), 1)
        after = a.call("GET", P + "/" + p["id"]).json
        self.assertEqual(after["name"], "Secret " + u)
        self.assertEqual(after["notes_count"], 2)
        notes = a.call("GET", P + "/" + p["id"] + "/notes").json["items"]
        self.assertEqual(notes[0]["body"], "privé")
        self.assertIn(s["id"], [x["id"] for x in a.call("GET", "/api/v1/suppressions").json["items"]])


if __name__ == "__main__":
    t.main()
