"""End-to-end tests of prospect imports on the byte-exact files of
tests/e2e/data/ (written by make_csv.py; data/README.md says what each one
tests and what a correct import gives). Each test imports one file alone,
as a text/csv body, into a new account, then checks the answer (counts,
rejected lines, what was detected) and reads back through the API what
was stored: names, addresses, phones, e-mails, websites, place identities,
custom fields and quality flags.
"""

import csv
import io
import os
import sys
import unittest
import urllib.parse

from prospea_test import main, logged_in, sql, upload, user_id

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")

COUNTS = ("rows", "created", "duplicates", "suppressed", "rejected")


def data_file(name):
    with open(os.path.join(DATA, name), "rb") as fh:
        return fh.read()


def standin_place_id(slug):
    """The place id the Places stand-in gives a business (tests/standin)."""
    sys.path.insert(0, os.path.join(HERE, "..", "standin"))
    try:
        from places import place_id
    finally:
        sys.path.pop(0)
    return place_id(slug)


class DataFiles(unittest.TestCase):
    """One test per file of tests/e2e/data/, each in an account of its own."""

    def setUp(self):
        self.c, self.addr = logged_in(prefix="imp-file")

    def imp(self, name, counts, rejects=(), encoding="utf-8", delimiter=";",
            layout="spreadsheet"):
        """Imports the file; checks the answer against counts (rows, created,
        duplicates, suppressed, rejected), the rejected (line, reason) pairs
        and what the reader detected. Returns the answer; the prospects it
        created are in self.stored (file order) and self.by_name."""
        r = upload(self.c, data_file(name), "?filename=" + name)
        self.assertEqual(r.status, 201, r)
        j = r.json
        self.assertEqual(dict((k, j[k]) for k in COUNTS + ("updated",)),
                         dict(zip(COUNTS, counts), updated=0), j)
        self.assertEqual(j["rows"], j["created"] + j["duplicates"] + j["suppressed"]
                         + j["rejected"])
        self.assertEqual([(x["line"], x["reason"]) for x in j["rejects"]], list(rejects), j)
        self.assertFalse(j["rejects_truncated"])
        self.assertEqual((j["encoding"], j["delimiter"], j["layout"]),
                         (encoding, delimiter, layout), j)
        lst = self.c.call("GET", "/api/v1/prospects?limit=100")
        self.assertEqual(lst.status, 200, lst)
        self.assertIsNone(lst.json["next_cursor"])
        self.stored = sorted(lst.json["items"], key=lambda p: int(p["id"]))
        self.by_name = dict((p["name"], p) for p in self.stored)
        self.assertEqual(len(self.stored), j["created"])
        self.assertEqual(len(self.by_name), j["created"])
        for p in self.stored:
            self.assertEqual((p["source"], p["import_id"]), ("import:" + name, j["id"]))
        return j

    def names(self, expected):
        """The created prospects are these, in file order."""
        self.assertEqual([p["name"] for p in self.stored], expected)

    def want(self, name, **fields):
        """The prospect called name holds these values ("emails": the list
        of its addresses)."""
        p = dict(self.by_name[name])
        p["emails"] = [e["email"] for e in p["emails"]]
        self.assertEqual(dict((k, p[k]) for k in fields), fields, name)

    def flags(self, expected):
        """Every prospect's quality flags: those of expected[name], else none."""
        for p in self.stored:
            self.assertEqual(sorted(p["quality_flags"]), sorted(expected.get(p["name"], [])),
                             p["name"])

    def custom(self, expected):
        """Every prospect's custom fields: expected[name], else none."""
        for p in self.stored:
            self.assertEqual(p["custom_fields"], expected.get(p["name"], {}), p["name"])

    # -- encodings, delimiters, line ends --------------------------------------

    def test_fr_utf8_bom(self):
        j = self.imp("fr_utf8_bom.csv", (4, 4, 0, 0, 0))
        # The byte order mark is not part of the first header.
        self.assertEqual(j["columns"][0], {"header": "Nom", "field": "name"})
        self.assertEqual([c["field"] for c in j["columns"]],
                         ["name", "category", "address", "postal_code", "city", "phone",
                          "emails", "website", "latitude", "longitude"])
        self.names(["Boulangerie L'Épi d'Or", "Fleurs de Saône",
                    "Électricité Générale Lumière", "Coiffure Bellecour"])
        self.want("Boulangerie L'Épi d'Or", category="Boulangerie", address="12 Rue Fictive",
                  postal_code="69002", city="Lyon", phone_e164="+33465711234",
                  email="contact@epi-dor.example", website="https://epi-dor.example/",
                  website_host="epi-dor.example", latitude=45.7601, longitude=4.8357)
        self.want("Fleurs de Saône", latitude=45.765, longitude=4.826)
        self.want("Électricité Générale Lumière", category="Électricien", emails=[],
                  phone_e164="+33465712013")
        self.want("Coiffure Bellecour", phone="+33 4 65 71 20 07", phone_e164="+33465712007",
                  website=None, latitude=45.7578, longitude=4.832)
        self.flags({})
        self.custom({})

    def test_fr_cp1252_crlf(self):
        self.imp("fr_cp1252_crlf.csv", (4, 4, 0, 0, 0), encoding="windows-1252")
        # 0x80 €, 0x92 ’, 0x96 – and 0x9C œ are Windows-1252's, not control characters.
        self.names(["Pâtisserie Bœuf & Cœur", "Crêperie « Chez Gaëlle »",
                    "Le Comptoir à 12 €", "Façades Lœvenbruck – Ravalement"])
        self.want("Pâtisserie Bœuf & Cœur", category="Pâtisserie",
                  address="3 Rue de l’Église-Fictive", postal_code="69005",
                  phone_e164="+33465712101", email="commandes@boeuf-coeur.example")
        self.want("Crêperie « Chez Gaëlle »", category="Crêperie", postal_code="01000",
                  city="Bourg-en-Bresse")
        self.want("Le Comptoir à 12 €", category="Bar à vins",
                  website_host="comptoir-12-euros.example")
        self.want("Façades Lœvenbruck – Ravalement", category="Façadier",
                  email="devis@facades-loevenbruck.example")
        self.flags({})
        # Searchable as written.
        for q, name in (("Bœuf", "Pâtisserie Bœuf & Cœur"), ("12 €", "Le Comptoir à 12 €"),
                        ("Lœvenbruck –", "Façades Lœvenbruck – Ravalement")):
            r = self.c.call("GET", "/api/v1/prospects?q=" + urllib.parse.quote(q))
            self.assertEqual(r.status, 200, r)
            self.assertEqual([p["name"] for p in r.json["items"]], [name], q)

    def test_excel_unicode(self):
        self.imp("excel_unicode.txt", (3, 3, 0, 0, 0), encoding="utf-16le", delimiter="\t")
        self.names(["Croissanterie du Pont 🥐", "L'Œillet Fleuri", "Garage Müller & Søn"])
        self.want("Croissanterie du Pont 🥐", address="2 Pont Imaginaire", postal_code="69005",
                  phone_e164="+33465712201", email="bonjour@croissanterie-pont.example",
                  website=None)
        self.want("L'Œillet Fleuri", address="7 Rue des Œillets-Fictifs", city="Paris",
                  phone_e164="+33199004101", emails=[], website_host="oeillet-fleuri.example")
        self.want("Garage Müller & Søn", phone_e164="+33199004102",
                  email="atelier@garage-muller.example")
        self.flags({})

    def test_utf8_tsv(self):
        j = self.imp("utf8.tsv", (3, 3, 0, 0, 0), delimiter="\t")
        # Lower case headers without accents are recognised: nothing is custom.
        self.assertEqual([c["field"] for c in j["columns"]],
                         ["name", "category", "address", "postal_code", "city", "phone",
                          "emails", "website"])
        self.names(["Plomberie Revermont", "Barbier de la Croix-Rousse",
                    "Bistrot; des Inventeurs"])
        self.want("Plomberie Revermont", postal_code="01000", phone_e164="+33465713007",
                  email="contact@plomberie-revermont.example",
                  website_host="plomberie-revermont.example")
        self.want("Barbier de la Croix-Rousse", city="Lyon", phone=None, phone_e164=None,
                  email=None, emails=[], website=None, website_host=None)
        # In a tab-separated file ';' and ',' are data.
        self.want("Bistrot; des Inventeurs", address="9 Rue Inventée, bâtiment B",
                  phone_e164="+33199004006", website_host="bistrot-inventeurs.example")
        self.flags({})
        self.custom({})

    def test_sep_line(self):
        j = self.imp("sep_line.csv", (3, 3, 0, 0, 0))
        # "sep=;" is neither the header nor a row.
        self.assertEqual(j["columns"][0], {"header": "Nom", "field": "name"})
        self.assertEqual(len(j["columns"]), 8)
        self.names(["Dupont, Fils et Associés", "Au Jardin de Gerland", "Garage Bressan Auto"])
        self.want("Dupont, Fils et Associés", address="3 Pl. de l'Église",
                  phone_e164="+33465711235", email="contact@plomberie-dupont.example",
                  website_host="plomberie-dupont.example")
        self.want("Au Jardin de Gerland", address="54 Avenue Inventée, Gerland",
                  postal_code="69007", website=None)
        self.flags({})

    def test_cr_only(self):
        self.imp("cr_only.csv", (3, 3, 0, 0, 0))
        self.names(["Fleuriste Les Dombes", "Salon Bress'Coiff", "Ain Électricité"])
        self.want("Fleuriste Les Dombes", address="13 Rue des Étangs-Fictifs",
                  phone_e164="+33465713005", website=None)
        self.want("Salon Bress'Coiff", email="rdv@bresscoiff.example",
                  website_host="bresscoiff.example")
        # The last line, after a lone CR, is a record of its own.
        self.want("Ain Électricité", category="Électricien", phone=None,
                  website_host="ain-electricite.example")
        self.flags({})

    # -- records: quotes, blank rows, unreadable lines -------------------------

    def test_quoting(self):
        self.imp("quoting.csv", (6, 4, 0, 0, 2),
                 rejects=[(7, "name_missing"), (9, "name_missing")])
        self.names(["Boulangerie de Brou", "Le Fournil Bressan", 'Chez "Léon"; traiteur',
                    "Auberge Bressane Fictive"])
        self.want("Boulangerie de Brou", address="11 Boulevard Fictif",
                  email="contact@boulangerie-brou.example")
        # A quoted cell over lines 3 to 5: fields are one line of text.
        self.want("Le Fournil Bressan", address="4 Rue du Poulet-Fictif Bâtiment B 2e étage",
                  postal_code="01000", phone_e164="+33465713002")
        self.want('Chez "Léon"; traiteur', category="Traiteur",
                  address="1 Place Inventée; côté marché", email="leon@chez-leon.example",
                  phone_e164="+33465713009")
        # Every cell quoted, the e-mail one "".
        self.want("Auberge Bressane Fictive", category="Restaurant", postal_code="01000",
                  phone_e164="+33465713004", email=None, emails=[],
                  website_host="auberge-bressane.example")
        self.flags({})

    def test_blank_rows(self):
        self.imp("blank_rows.csv", (3, 3, 0, 0, 0))
        self.names(["Garage de la Villette", "Fleurs du Faubourg", "Atelier Mécanique Nation"])
        self.want("Fleurs du Faubourg", postal_code="75010", phone_e164="+33199004009")
        self.flags({})

    def test_unterminated_quote(self):
        # The quote opened on line 5 costs that line only.
        self.imp("unterminated_quote.csv", (7, 6, 0, 0, 1),
                 rejects=[(5, "unterminated_quote")])
        self.names(["Plombier Paris Centre", "Les Robinets de Bastille",
                    "Salon Marais Coiffure", "Crêperie Saint-Éloi",
                    "Paris Lumière Électricité", "Fleurs du Faubourg"])
        self.want("Crêperie Saint-Éloi", address="2 Rue du Blé-Noir-Fictif",
                  postal_code="75011", phone_e164="+33199004007")
        self.want("Fleurs du Faubourg", phone_e164="+33199004009")
        self.flags({})

    # -- values: repairs, duplicates, e-mails ----------------------------------

    def test_excel_damage(self):
        self.imp("excel_damage.csv", (5, 5, 0, 0, 0))
        self.names(["Boulangerie L'Épi d'Or", "Dupont & Fils", "Le Fournil Bressan",
                    "Pâtisserie Guignol & Cie", "Au Pain de Fourvière"])
        self.want("Boulangerie L'Épi d'Or", postal_code="69002", phone_e164="+33465711234")
        self.want("Dupont & Fils", postal_code="01000", phone_e164="+33465711235")
        # Scientific notation: the digits are lost, no phone is kept.
        self.want("Le Fournil Bressan", postal_code="01000", phone=None, phone_e164=None)
        # Not a postal code: kept as text, flagged.
        self.want("Pâtisserie Guignol & Cie", postal_code="69OO2", phone_e164="+33465712003")
        self.want("Au Pain de Fourvière", postal_code="69005", phone=None, phone_e164=None)
        self.flags({
            "Boulangerie L'Épi d'Or": ["phone_repaired"],
            "Dupont & Fils": ["phone_repaired", "postal_code_repaired"],
            "Le Fournil Bressan": ["phone_scientific_notation", "postal_code_repaired"],
            "Pâtisserie Guignol & Cie": ["postal_code_invalid"],
            "Au Pain de Fourvière": ["phone_scientific_notation"],
        })

    def test_duplicates(self):
        self.imp("duplicates.csv", (9, 5, 4, 0, 0))
        # Lines 2, 4, 6, 8 and 10; line 10 has line 8's name in another postal code.
        self.names(["Boulangerie L'Épi d'Or", "Dupont & Fils", "Garage Rivet",
                    "Crêperie Saint-Éloi SARL", "Crêperie Saint-Éloi"])
        # Skipped duplicates change nothing in the first ones.
        self.want("Boulangerie L'Épi d'Or", address="12 Rue Fictive", phone="04 65 71 12 34",
                  phone_e164="+33465711234", emails=["contact@epi-dor.example"])
        self.want("Dupont & Fils", emails=["Contact@plomberie-dupont.example"],
                  phone_e164="+33465711235")
        self.want("Garage Rivet", website="https://www.garage-rivet.example/",
                  website_host="garage-rivet.example")
        self.want("Crêperie Saint-Éloi SARL", postal_code="75011", city="Paris")
        self.want("Crêperie Saint-Éloi", postal_code="69002", city="Lyon")
        self.flags({})

    def test_emails(self):
        self.imp("emails.csv", (8, 7, 1, 0, 0))
        # Line 8 (the punycode form of line 7's domain) is the duplicate.
        self.names(["Atelier Logo", "Contact Incomplet", "Domaine Court", "Jean Dupont Conseil",
                    "Prénom Devis", "Boulangerie Épi (IDN)", "Deux Adresses"])
        for name in ("Atelier Logo", "Contact Incomplet", "Domaine Court"):
            self.want(name, email=None, emails=[])
        self.want("Jean Dupont Conseil", email='"jean dupont"@x.example',
                  emails=['"jean dupont"@x.example'])
        self.want("Prénom Devis", email="prenom+devis@x.example")
        self.want("Boulangerie Épi (IDN)", email="contact@boulangerie-épi.example",
                  emails=["contact@boulangerie-épi.example"])
        self.assertEqual(sql("SELECT email_key FROM prospect WHERE user_id = %s AND name = %s",
                             (user_id(self.addr), "Boulangerie Épi (IDN)")),
                         (("contact@xn--boulangerie-pi-mkb.example",),))
        self.want("Deux Adresses", email="bonjour@deux.example", emails=["bonjour@deux.example"])
        self.flags({"Atelier Logo": ["email_invalid"], "Contact Incomplet": ["email_invalid"],
                    "Domaine Court": ["email_invalid"], "Deux Adresses": ["email_invalid"]})

    def test_english_with_a_suppressed_domain(self):
        r = self.c.call("POST", "/api/v1/suppressions",
                        {"kind": "domain", "value": "suppr-me.example"})
        self.assertEqual(r.status, 201, r)
        self.imp("english.csv", (4, 3, 0, 1, 0), delimiter=",")
        self.names(["Boulangerie du Canal", "Coupe & Couleur, Batignolles",
                    "Garage de la Villette"])
        self.want("Boulangerie du Canal", category="Bakery", address="18 Quai Imaginaire",
                  postal_code="75010", city="Paris", phone_e164="+33199004001",
                  email="hello@boulangerie-canal.example",
                  website_host="boulangerie-canal.example")
        self.want("Coupe & Couleur, Batignolles", category="Hair salon", postal_code="75017",
                  phone=None, email="info@coupe-couleur.example")
        self.want("Garage de la Villette", phone="+33 1 99 00 40 10",
                  phone_e164="+33199004010", email=None)
        self.flags({})
        self.custom({})

    # -- scraper exports ---------------------------------------------------------

    def test_gosom(self):
        self.imp("gosom.csv", (6, 5, 1, 0, 0), delimiter=",", layout="gosom")
        # Line 8 is line 2's place again (another query found it).
        self.names(["Fleurs du Faubourg", "L'Orchidée Imaginaire", "Garage de la Villette",
                    "Atelier Mécanique Nation", "Salon Marais Coiffure"])
        self.want("Fleurs du Faubourg", category="Fleuriste",
                  address="101 Rue du Faubourg-Fictif", postal_code="75010", city="Paris",
                  country="FR", phone_e164="+33199004009",
                  emails=["bonjour@fleurs-faubourg.example"],
                  website_host="fleurs-faubourg.example",
                  place_id="0x47e66e36f654a63b:0xd88eb36f654a63b",
                  google_cid="975287940619216443", rating=4.8, review_count=112,
                  latitude=48.876, longitude=2.359)
        # Lines 3-4: one record; its description keeps its line break.
        self.want("L'Orchidée Imaginaire", postal_code="75020", phone=None, phone_e164=None,
                  website=None, email=None, emails=[], rating=4.1, review_count=9)
        self.assertEqual(self.by_name["L'Orchidée Imaginaire"]["custom_fields"]["description"],
                         "Compositions florales.\nLivraison dans tout Paris.")
        self.want("Atelier Mécanique Nation", phone_e164="+33199004011",
                  emails=["contact@meca-nation.example"])
        self.want("Salon Marais Coiffure", postal_code="75004", emails=[],
                  website_host="marais-coiffure.example")
        self.flags({"Atelier Mécanique Nation": ["email_invalid"]})
        # Only the place's link (and a description) of gosom's other columns.
        for p in self.stored:
            self.assertEqual(set(p["custom_fields"]) - {"description"}, {"google_maps_url"})
            self.assertTrue(p["custom_fields"]["google_maps_url"].startswith(
                "https://www.google.com/maps/place/"), p)

    def test_outscraper(self):
        self.imp("outscraper.csv", (3, 3, 0, 0, 0), delimiter=",", layout="outscraper")
        self.names(["Fleurs de Saône", "Le Bouchon des Canuts", "SOS Fuites Lyon 7"])
        pid = standin_place_id("fleurs-saone")
        self.assertEqual(pid, "ChIJCFukyds4o2ylC6CEAiE-NbV")
        self.want("Fleurs de Saône", category="Fleuriste", address="9 Quai Fleuri-Fictif",
                  postal_code="69005", city="Lyon", country="FR", phone_e164="+33465712015",
                  email="bonjour@fleurs-saone.example",
                  emails=["bonjour@fleurs-saone.example", "commandes@fleurs-saone.example"],
                  website="https://fleurs-saone.example/", website_host="fleurs-saone.example",
                  place_id=pid, rating=4.8, review_count=77, latitude=45.765, longitude=4.826)
        self.want("Le Bouchon des Canuts", category="Restaurant", emails=[],
                  place_id=standin_place_id("bouchon-canuts"))
        self.want("SOS Fuites Lyon 7", website=None, website_host=None,
                  emails=["sos@sos-fuites.example"], rating=3.9, review_count=22)
        self.flags({})
        # The same place found again (as the Places stand-in names it) is a duplicate.
        r = upload(self.c, ("Nom;Place ID\nFleurs de Saône (Google);%s\n" % pid).encode())
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json["created"], r.json["duplicates"]), (0, 1), r.json)

    def test_apify(self):
        self.imp("apify.csv", (3, 3, 0, 0, 0), delimiter=",", layout="apify")
        self.names(["Boulangerie du Canal", "Salon Marais Coiffure", "L'Orchidée Imaginaire"])
        self.want("Boulangerie du Canal", category="Boulangerie", address="18 Quai Imaginaire",
                  postal_code="75010", city="Paris", country="FR", phone_e164="+33199004001",
                  emails=["bonjour@boulangerie-canal.example"],
                  website_host="boulangerie-canal.example",
                  place_id=standin_place_id("canal"), rating=4.5, review_count=320,
                  latitude=48.872, longitude=2.365)
        self.want("Salon Marais Coiffure",
                  emails=["rdv@marais-coiffure.example", "equipe@marais-coiffure.example"])
        self.want("L'Orchidée Imaginaire", postal_code="75020", phone=None, phone_e164=None,
                  website=None, email=None, emails=[], rating=None,
                  place_id=standin_place_id("orchidee"))
        self.flags({})

    # -- custom fields, formulas ---------------------------------------------------

    def test_custom_fields(self):
        j = self.imp("custom_fields.csv", (3, 3, 0, 0, 0))
        self.assertEqual([c["field"] for c in j["columns"]],
                         ["name", "phone", "city", "custom", "custom", "custom"])
        self.names(["Boulangerie de Brou", "Le Fournil Bressan", "Fleuriste Les Dombes"])
        self.custom({
            "Boulangerie de Brou": {"SIRET": "900 000 001 00017", "Effectif": "12",
                                    "Code NAF": "1071C"},
            "Le Fournil Bressan": {"SIRET": "90000000200015", "Effectif": "3"},
            "Fleuriste Les Dombes": {"Effectif": "1", "Code NAF": "4776Z"},
        })
        self.want("Boulangerie de Brou", city="Bourg-en-Bresse", phone_e164="+33465713001")
        self.flags({})

    def test_formula_injection(self):
        self.imp("formula_injection.csv", (3, 3, 0, 0, 0), delimiter=",")
        hyper = '=HYPERLINK("http://evil.example","x")'
        # Stored as written.
        self.names([hyper, "Boulangerie Honnête", "@Fleurs"])
        self.want(hyper, category="@SUM(1)", phone_e164="+33465712401")
        self.want("@Fleurs", category="=1+1", phone_e164="+33465712403")
        self.flags({})
        notes = {}
        for p in self.stored:
            r = self.c.call("GET", "/api/v1/prospects/%s/notes" % p["id"])
            self.assertEqual(r.status, 200, r)
            notes[p["name"]] = [n["body"] for n in r.json["items"]]
        self.assertEqual(notes, {hyper: ["-2+3"], "Boulangerie Honnête": ["+ livraison le mardi"],
                                 "@Fleurs": []})
        # The export neutralises formulas; E.164 phones stay as they are.
        r = self.c.call("GET", "/api/v1/prospects/export.csv")
        self.assertEqual(r.status, 200, r)
        text = r.body.decode("utf-8")
        self.assertTrue(text.startswith("\ufeff"))
        rows = list(csv.DictReader(io.StringIO(text[1:], newline=""), delimiter=";"))
        got = dict((x["id"], (x["name"], x["category"], x["phone_e164"], x["phone"]))
                   for x in rows)
        ids = dict((p["name"], p["id"]) for p in self.stored)
        self.assertEqual(got, {
            ids[hyper]: ("'" + hyper, "'@SUM(1)", "+33465712401", "04 65 71 24 01"),
            ids["Boulangerie Honnête"]: ("Boulangerie Honnête", "Boulangerie", "+33465712402",
                                         "04 65 71 24 02"),
            ids["@Fleurs"]: ("'@Fleurs", "'=1+1", "+33465712403", "04 65 71 24 03"),
        })


if __name__ == "__main__":
    main()
