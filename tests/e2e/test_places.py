"""Google Places search and import end to end: POST /places/search goes
through the prospects handler to the Places API (New) stand-in
(tests/standin/places.py, which speaks Google's wire format and errors),
maps each place to prospect fields and caches it for the user; POST
/places/import turns cached results into prospects, once: a second import
finds them as duplicates. Google's failures become the API's answers: 429
with Retry-After for the quota, 503 with Retry-After when Google is down
or slow, 502 when it refuses the platform's key, 503 when no key is
configured; the key never shows in an answer or a log."""

import json
import os
import unittest

import prospea_test as t

KEY_FILE = os.path.join(t.VAR, "places.key")
EPI_DOR = {
    "name": "Boulangerie L'Épi d'Or", "category": "Boulangerie",
    "address": "12 Rue Fictive", "postal_code": "69002", "city": "Lyon",
    "country": "FR", "phone": "+33 4 65 71 12 34",
    "website": "http://epi-dor.example/", "rating": 4.6, "review_count": 87,
    "latitude": 45.7601, "longitude": 4.8357,
}


def search(client, query, location=None, page_token=None):
    body = {"query": query}
    if location is not None:
        body["location"] = location
    if page_token is not None:
        body["page_token"] = page_token
    return client.call("POST", "/api/v1/places/search", body)


def by_name(items, name):
    for it in items:
        if it["name"] == name:
            return it
    raise AssertionError("%s not in %s" % (name, [i["name"] for i in items]))


class Checks:
    def assertProblem(self, r, status, code):
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.header("Content-Type"), "application/problem+json", r)
        self.assertEqual(r.json["code"], code, r)

    def assertNoSecret(self, r):
        with open(KEY_FILE) as fh:
            key = fh.read().strip()
        self.assertNotIn(key.encode(), r.body)
        for h, v in r.headers:
            self.assertNotIn(key, v, h)


class Search(Checks, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c, _ = t.logged_in(prefix="places")

    def test_results_are_mapped(self):
        r = search(self.c, "boulangerie Lyon")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json["items"]), 6)
        self.assertIsNone(r.json["next_page_token"])
        it = by_name(r.json["items"], EPI_DOR["name"])
        for k, v in EPI_DOR.items():
            self.assertEqual(it[k], v, k)
        self.assertRegex(it["place_id"], r"^ChIJ[A-Za-z0-9_-]{23}$")
        self.assertIs(it["already_imported"], False)
        self.assertIs(it["suppressed"], False)
        self.assertIsNone(it["prospect_id"])
        # A place without a website or a rating has nulls there.
        fournee = by_name(r.json["items"], "La Fournée des Pentes")
        self.assertIsNone(fournee["website"])
        r = search(self.c, "fleuriste Paris")
        orchidee = by_name(r.json["items"], "L'Orchidée Imaginaire")
        self.assertIsNone(orchidee["rating"])
        self.assertIsNone(orchidee["phone"])

    def test_results_are_cached_for_import(self):
        r = search(self.c, "plombier Bourg-en-Bresse")
        self.assertEqual(r.status, 200, r)
        uid = int(self.c.call("GET", "/api/v1/auth/session").json["user"]["id"])
        ids = [it["place_id"] for it in r.json["items"]]
        rows = t.sql("SELECT place_id, JSON_VALUE(data, '$.name') FROM places_result "
                     "WHERE user_id = %s AND place_id IN %s", (uid, ids))
        self.assertEqual({p for p, _ in rows}, set(ids))
        self.assertIn("Plomberie Revermont", {n for _, n in rows})

    def test_location_is_part_of_the_query(self):
        r = search(self.c, "boulangerie", location="Bourg-en-Bresse")
        self.assertEqual(r.status, 200, r)
        self.assertEqual({it["city"] for it in r.json["items"]}, {"Bourg-en-Bresse"})
        self.assertEqual(len(r.json["items"]), 2)

    def test_paging(self):
        seen, token, pages = [], None, 0
        while True:
            r = search(self.c, "France", page_token=token)
            self.assertEqual(r.status, 200, r)
            seen += [it["place_id"] for it in r.json["items"]]
            pages += 1
            token = r.json["next_page_token"]
            if token is None:
                break
            self.assertEqual(len(r.json["items"]), 20)
        self.assertEqual(pages, 3)
        self.assertEqual(len(seen), 45)
        self.assertEqual(len(set(seen)), 45)

    def test_page_token_of_another_search(self):
        r = search(self.c, "France")
        token = r.json["next_page_token"]
        r = search(self.c, "Lyon", page_token=token)
        self.assertProblem(r, 422, "page_token")
        self.assertEqual(r.json["errors"][0]["field"], "page_token")

    def test_no_result(self):
        r = search(self.c, "xylophoniste Lyon")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"items": [], "next_page_token": None})

    def test_quota(self):
        r = search(self.c, "quota-exceeded boulangerie")
        self.assertProblem(r, 429, "places_quota")
        self.assertGreater(int(r.header("Retry-After")), 0)
        self.assertIn("quota", r.json["detail"])
        # Google's own message is not passed on.
        self.assertNotIn(b"SearchTextRequestPerMinutePerProject", r.body)
        self.assertNoSecret(r)

    def test_server_error(self):
        r = search(self.c, "server-error boulangerie")
        self.assertProblem(r, 503, "places_unavailable")
        self.assertGreater(int(r.header("Retry-After")), 0)

    def test_timeout(self):
        # places_timeout is 2 s in the test stack; the stand-in takes 3 s.
        r = search(self.c, "slow-query boulangerie")
        self.assertProblem(r, 503, "places_unavailable")
        self.assertGreater(int(r.header("Retry-After")), 0)

    def test_validation(self):
        r = self.c.call("POST", "/api/v1/places/search", {})
        self.assertProblem(r, 400, "validation")
        r = self.c.call("POST", "/api/v1/places/search", {"query": "x" * 201})
        self.assertProblem(r, 400, "validation")
        r = self.c.call("POST", "/api/v1/places/search", {"query": "pain", "radius": 3})
        self.assertProblem(r, 400, "validation")

    def test_session_and_csrf(self):
        r = t.request("POST", "/api/v1/places/search", {"query": "pain"})
        self.assertProblem(r, 401, "unauthenticated")
        r = self.c.call("POST", "/api/v1/places/search", {"query": "pain"}, csrf=False)
        self.assertProblem(r, 403, "csrf")


class Key(Checks, unittest.TestCase):
    """The platform's key file is read at each search: these tests change
    it and put it back."""

    @classmethod
    def setUpClass(cls):
        cls.c, _ = t.logged_in(prefix="places-key")
        with open(KEY_FILE) as fh:
            cls.key = fh.read()

    def tearDown(self):
        with open(KEY_FILE, "w") as fh:
            fh.write(self.key)
        os.chmod(KEY_FILE, 0o600)

    def test_wrong_key(self):
        with open(KEY_FILE, "w") as fh:
            fh.write("AIzaWrongKeyForTheStandIn0000000000000\n")
        r = search(self.c, "boulangerie Lyon")
        self.assertProblem(r, 502, "places_error")
        self.assertNotIn(b"AIzaWrongKey", r.body)
        self.assertNotIn(b"API key not valid", r.body)

    def test_missing_key(self):
        os.unlink(KEY_FILE)
        r = search(self.c, "boulangerie Lyon")
        self.assertProblem(r, 503, "places_unavailable")
        self.assertGreater(int(r.header("Retry-After")), 0)

    def test_empty_key(self):
        with open(KEY_FILE, "w") as fh:
            fh.write("\n")
        r = search(self.c, "boulangerie Lyon")
        self.assertProblem(r, 503, "places_unavailable")

    def test_key_never_logged(self):
        self.assertEqual(search(self.c, "boulangerie Lyon").status, 200)
        key = self.key.strip()
        for name in ("prospects.log", "places.log"):
            with open(os.path.join(t.VAR, "log", name), errors="replace") as fh:
                self.assertNotIn(key, fh.read(), name)


class Import(Checks, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c, _ = t.logged_in(prefix="places-import")
        cls.uid = int(cls.c.call("GET", "/api/v1/auth/session").json["user"]["id"])

    def imp(self, ids, client=None, **kw):
        body = dict(place_ids=ids, **kw)
        return (client or self.c).call("POST", "/api/v1/places/import", body)

    def test_import_once(self):
        items = search(self.c, "coiffure Paris").json["items"]
        ids = [it["place_id"] for it in items]
        self.assertEqual(len(ids), 2)
        r = self.imp(ids)
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json["created"], r.json["updated"], r.json["duplicates"],
                          r.json["suppressed"], r.json["rejected"]), (2, 0, 0, 0, []))
        self.assertEqual(len(r.json["ids"]), 2)
        created = r.json["ids"]
        rows = t.sql("SELECT id, name, source, place_id, phone_e164, website_host, "
                     "postal_code, city, country FROM prospect WHERE user_id = %s "
                     "AND place_id IN %s ORDER BY id", (self.uid, ids))
        self.assertEqual([str(row[0]) for row in rows], created)
        marais = [row for row in rows if row[1] == "Salon Marais Coiffure"][0]
        self.assertEqual(marais[2:], ("places", marais[3], "+33199004005",
                                      "marais-coiffure.example", "75004", "Paris", "FR"))

        # Again: nothing new.
        r = self.imp(ids)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["created"], r.json["duplicates"], r.json["ids"]), (0, 2, []))
        self.assertEqual(t.sql("SELECT COUNT(*) FROM prospect WHERE user_id = %s AND "
                               "place_id IN %s", (self.uid, ids))[0][0], 2)
        # The search now says so.
        items = search(self.c, "coiffure Paris").json["items"]
        self.assertTrue(all(it["already_imported"] for it in items))
        self.assertEqual(sorted(it["prospect_id"] for it in items), sorted(created))
        # on_duplicate update merges into the same prospects.
        r = self.imp(ids, on_duplicate="update")
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["created"], r.json["updated"], r.json["duplicates"]),
                         (0, 2, 2))
        self.assertEqual(sorted(r.json["ids"]), sorted(created))

    def test_unknown_and_stale_places(self):
        items = search(self.c, "garage Lyon").json["items"]
        fresh, stale = items[0]["place_id"], items[1]["place_id"]
        t.sql("UPDATE places_result SET fetched_at = NOW(3) - INTERVAL 25 HOUR "
              "WHERE user_id = %s AND place_id = %s", (self.uid, stale))
        never = "ChIJ" + "A" * 23
        r = self.imp([never, stale, fresh])
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["created"], 1)
        self.assertEqual([(x["place_id"], x["reason"]) for x in r.json["rejected"]],
                         [(never, "unknown_place"), (stale, "unknown_place")])
        self.assertIn("search again", r.json["rejected"][0]["message"])

    def test_another_users_results(self):
        items = search(self.c, "fleuriste Lyon").json["items"]
        other, _ = t.logged_in(prefix="places-other")
        r = self.imp([items[0]["place_id"]], client=other)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["created"], 0)
        self.assertEqual(r.json["rejected"][0]["reason"], "unknown_place")

    def test_duplicate_id_in_one_request(self):
        pid = by_name(search(self.c, "électricien Lyon").json["items"],
                      "Watt & Fils")["place_id"]
        r = self.imp([pid, pid])
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json["created"], r.json["duplicates"]), (1, 1))

    def test_suppressed(self):
        """A result whose phone or website domain is on the user's
        suppression list says so, and is counted, not imported."""
        for kind, value in (("phone", "01 99 00 40 04"),
                            ("domain", "plombier-paris-centre.example")):
            r = self.c.call("POST", "/api/v1/suppressions", {"kind": kind, "value": value})
            self.assertIn(r.status, (200, 201), r)
        items = search(self.c, "plombier Paris").json["items"]
        flags = {it["name"]: it["suppressed"] for it in items}
        self.assertEqual(flags, {"Les Robinets de Bastille": True,
                                 "Plombier Paris Centre": True})
        r = self.imp([it["place_id"] for it in items])
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["created"], r.json["suppressed"]), (0, 2))
        self.assertEqual(t.sql("SELECT COUNT(*) FROM prospect WHERE user_id = %s AND "
                               "place_id IN %s", (self.uid, [it["place_id"] for it in items])
                               )[0][0], 0)

    def test_validation(self):
        for ids in ([], ["ChIJ" + "B" * 23] * 21, [12], ["not a place id"], "ChIJx",
                    ["ChIJ" + "C" * 300]):
            r = self.imp(ids)
            self.assertProblem(r, 400, "validation")
            self.assertEqual(r.json["errors"][0]["field"], "place_ids", ids)
        r = self.imp(["ChIJ" + "D" * 23], on_duplicate="merge")
        self.assertProblem(r, 400, "validation")

    def test_nothing_written_when_one_fails(self):
        """One transaction: a place that breaks the import mid-way leaves
        none of the others behind."""
        items = search(self.c, "restaurant Paris").json["items"]
        ids = [it["place_id"] for it in items]
        t.sql("UPDATE places_result SET data = JSON_ARRAY() WHERE user_id = %s "
              "AND place_id = %s", (self.uid, ids[-1]))
        r = self.imp(ids)
        self.assertProblem(r, 500, "internal")
        self.assertEqual(t.sql("SELECT COUNT(*) FROM prospect WHERE user_id = %s AND "
                               "place_id IN %s", (self.uid, ids))[0][0], 0)


if __name__ == "__main__":
    t.main()
