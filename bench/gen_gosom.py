#!/usr/bin/python3
"""Writes a benchmark input for the CSV import: ROWS rows in the exact
32-column layout of the gosom Google Maps scraper (the header of
shared/fixtures/gmaps_export_gosom.csv), UTF-8, ",", LF, to stdout.

Run:  bench/gen_gosom.py 100000 --seed 1 > /tmp/gosom-100k.csv
The same ROWS and seed give the same bytes. About 1,030 bytes a row
(100,000 rows: 103 MB), written as it goes: about 4 s of one core for
100,000 rows.

What the rows hold, fictional but shaped like a real export: French local
businesses in 30 cities, JSON cells (open_hours, reviews_per_rating,
complete_address with street, city, postal_code, country), floats printed
as 4.600000, "null" cells. 85 % have a phone, written in four ways
("04 65 12 34 56", "+33 4 65 12 34 56", "0465123456", "04.65.12.34.56"),
valid for libphonenumber and distinct for each place up to 5 million places
(ranges 04 65, 01 99, 02 61, 03 53, 05 36); 70 % a website on a .example
domain; 60 % one or two e-mails joined by ", ". About 3 % of the rows are a
place already written (same data_id, cid, phone) found again by a second
query, within the last 1,000 places; about 1 % carry junk that an import must
reject or warn about (no title, an image name as e-mail, a phone in
scientific notation, a postal code with a letter O, a Google redirect as
website).
"""

import argparse
import collections
import csv
import functools
import io
import json
import random
import sys
import urllib.parse

HEADER = ["input_id", "link", "title", "category", "address", "open_hours", "popular_times",
          "website", "phone", "plus_code", "review_count", "review_rating",
          "reviews_per_rating", "latitude", "longitude", "cid", "status", "descriptions",
          "reviews_link", "thumbnail", "timezone", "price_range", "data_id", "images",
          "reservations", "order_online", "menu", "owner", "complete_address", "about",
          "user_reviews", "emails"]

# city, postal codes, latitude, longitude
CITIES = [
    ("Paris", ["75003", "75010", "75011", "75015", "75018", "75020"], 48.8566, 2.3522),
    ("Lyon", ["69001", "69002", "69003", "69006", "69007"], 45.7640, 4.8357),
    ("Marseille", ["13001", "13005", "13008"], 43.2965, 5.3698),
    ("Toulouse", ["31000", "31300", "31500"], 43.6047, 1.4442),
    ("Nice", ["06000", "06100"], 43.7102, 7.2620),
    ("Nantes", ["44000", "44300"], 47.2184, -1.5536),
    ("Strasbourg", ["67000", "67100"], 48.5734, 7.7521),
    ("Montpellier", ["34000", "34070"], 43.6108, 3.8767),
    ("Bordeaux", ["33000", "33300"], 44.8378, -0.5792),
    ("Lille", ["59000", "59800"], 50.6292, 3.0573),
    ("Rennes", ["35000", "35200"], 48.1173, -1.6778),
    ("Reims", ["51100"], 49.2583, 4.0317),
    ("Toulon", ["83000", "83100"], 43.1242, 5.9280),
    ("Grenoble", ["38000", "38100"], 45.1885, 5.7245),
    ("Dijon", ["21000"], 47.3220, 5.0415),
    ("Angers", ["49000", "49100"], 47.4784, -0.5632),
    ("Nîmes", ["30000", "30900"], 43.8367, 4.3601),
    ("Clermont-Ferrand", ["63000", "63100"], 45.7772, 3.0870),
    ("Le Mans", ["72000", "72100"], 48.0061, 0.1996),
    ("Aix-en-Provence", ["13090", "13100"], 43.5297, 5.4474),
    ("Brest", ["29200"], 48.3904, -4.4861),
    ("Tours", ["37000", "37100"], 47.3941, 0.6848),
    ("Amiens", ["80000", "80090"], 49.8941, 2.2958),
    ("Limoges", ["87000", "87100"], 45.8336, 1.2611),
    ("Annecy", ["74000"], 45.8992, 6.1294),
    ("Perpignan", ["66000", "66100"], 42.6887, 2.8948),
    ("Besançon", ["25000"], 47.2378, 6.0241),
    ("Metz", ["57000", "57050"], 49.1193, 6.1757),
    ("Rouen", ["76000", "76100"], 49.4432, 1.0999),
    ("Bourg-en-Bresse", ["01000"], 46.2052, 5.2255),
]

# query word, category as Google shows it, words for names
CATEGORIES = [
    ("boulangerie", "Boulangerie", ["Boulangerie", "Fournil", "Au Pain"]),
    ("plombier", "Plombier", ["Plomberie", "Dépannage Plomberie"]),
    ("coiffeur", "Salon de coiffure", ["Coiffure", "Salon", "L'Atelier Coiffure"]),
    ("restaurant", "Restaurant", ["Restaurant", "Bistrot", "La Table"]),
    ("electricien", "Électricien", ["Électricité", "Élec Services"]),
    ("fleuriste", "Fleuriste", ["Fleurs", "L'Atelier Floral"]),
    ("garage", "Garage automobile", ["Garage", "Auto Services"]),
    ("boucherie", "Boucherie", ["Boucherie", "Maison"]),
    ("pharmacie", "Pharmacie", ["Pharmacie"]),
    ("opticien", "Opticien", ["Optique", "Lunetterie"]),
    ("fromagerie", "Fromagerie", ["Fromagerie", "La Cave à Fromages"]),
    ("menuisier", "Menuisier", ["Menuiserie", "Atelier Bois"]),
    ("peintre", "Peintre en bâtiment", ["Peinture", "Déco Peinture"]),
    ("serrurier", "Serrurier", ["Serrurerie", "Clés Minute"]),
    ("architecte", "Architecte", ["Atelier d'architecture", "Cabinet"]),
    ("veterinaire", "Vétérinaire", ["Clinique vétérinaire", "Cabinet vétérinaire"]),
]
SURNAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
            "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David",
            "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier",
            "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand", "Garnier",
            "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas",
            "Perrin"]
FIRSTNAMES = ["Léa", "Hugo", "Chloé", "Louis", "Emma", "Jules", "Manon", "Arthur", "Inès",
              "Lucas", "Camille", "Gabriel", "Sarah", "Raphaël", "Jade", "Adam", "Louise",
              "Paul", "Alice", "Nathan", "Lina", "Ethan", "Rose", "Tom", "Anna", "Noah",
              "Julia", "Léo", "Zoé", "Sacha", "Mila", "Théo", "Eva", "Maël", "Nina",
              "Victor", "Lou", "Martin", "Iris", "Samuel"]
PLACES = ["du Centre", "de la Gare", "du Marché", "des Halles", "du Port", "de l'Église",
          "du Château", "des Remparts", "du Parc", "de la Place"]
STREETS = ["Rue de la République", "Avenue Jean Jaurès", "Rue Victor Hugo", "Place du Marché",
           "Rue Pasteur", "Boulevard Gambetta", "Rue Nationale", "Rue de la Gare",
           "Avenue de la Libération", "Rue du Général de Gaulle", "Rue des Écoles",
           "Chemin des Vignes", "Impasse des Tilleuls", "Quai des Bateliers",
           "Rue Saint-Michel"]
FORMS = ["", "", "", "", " SARL", " SAS", " & Fils", " EURL"]
HOURS = ['{"Monday":["Fermé"],"Tuesday":["08:00–12:30","14:00–19:00"]}',
         '{"Monday":["09:00–18:00"],"Saturday":["09:00–12:00"],"Sunday":["Fermé"]}',
         '{"Monday":["07:00–13:00","15:00–19:30"],"Sunday":["07:00–12:30"]}', "{}"]
REVIEW_COUNTS = [0, 3, 12, 27, 54, 87, 140, 310, 1204]
WEBSITE_FORMS = ["https://%s/", "https://www.%s/", "http://%s", "https://%s/?utm_source=gmb"]
MAILBOXES = ["devis", "commandes", "rdv", "bonjour"]
STATUSES = ["", "", "Ouvert ⋅ Ferme à 19:00", "Fermé ⋅ Ouvre à 09:00"]
PRICES = ["", "", "1–10 €", "10–20 €"]
PHONE_BLOCKS = ["465", "199", "261", "353", "536"]   # valid FR ranges, see docstring
BLOCK = 1000000
REFOUND_WINDOW = 1000


def phone_of(place, rnd):
    """A phone distinct for each place, in one of four French writings."""
    block = PHONE_BLOCKS[(place // BLOCK) % len(PHONE_BLOCKS)]
    nsn = block + "%06d" % (((place % BLOCK) * 7919 + 123457) % BLOCK)
    pairs = [nsn[1:3], nsn[3:5], nsn[5:7], nsn[7:9]]
    style = int(rnd() * 4)
    if style == 0:
        return "0%s %s" % (nsn[0], " ".join(pairs))
    if style == 1:
        return "+33 %s %s" % (nsn[0], " ".join(pairs))
    if style == 2:
        return "0" + nsn
    return "0%s.%s" % (nsn[0], ".".join(pairs))


@functools.lru_cache(maxsize=None)
def slug_of(text):
    """'Boulangerie Dupont & Fils' -> 'boulangerie-dupont-fils'."""
    out = []
    for c in text.lower():
        if c.isalnum() and c.isascii():
            out.append(c)
        elif out and out[-1] != "-":
            out.append("-")
    return "".join(out).strip("-")


def pick(rnd, seq):
    """A random item of seq; rnd is a Random's random(), cheaper than
    choice() and as deterministic."""
    return seq[int(rnd() * len(seq))]


quote_title = functools.lru_cache(maxsize=None)(urllib.parse.quote_plus)


def place_cells(place, rnd):
    """The 32 cells of a place's first row, its query (an index in
    CATEGORIES) and its city; cells[0] (input_id) is left to the caller."""
    city, postals, clat, clng = pick(rnd, CITIES)
    query = int(rnd() * len(CATEGORIES))
    _, category, words = CATEGORIES[query]
    postal = pick(rnd, postals)
    name_style = int(rnd() * 3)
    # Names as varied as a real city's: two businesses of one postal code
    # rarely share one (which would make them duplicates by name).
    if name_style == 0:
        title = "%s %s %s%s" % (pick(rnd, words), pick(rnd, FIRSTNAMES), pick(rnd, SURNAMES),
                                pick(rnd, FORMS))
    elif name_style == 1:
        title = "%s %s chez %s" % (pick(rnd, words), pick(rnd, PLACES), pick(rnd, FIRSTNAMES))
    else:
        title = "%s %s %s" % (pick(rnd, FIRSTNAMES), pick(rnd, SURNAMES), category)
    street = "%d %s" % (1 + int(rnd() * 180), pick(rnd, STREETS))
    lat = clat + (rnd() - 0.5) * 0.08
    lng = clng + (rnd() - 0.5) * 0.12
    cid = 1885000000000000000 + place * 104729
    data_id = "0x47e6%012x:0x%x" % (place, cid)
    pid = "ChIJb%022d" % place      # 27 characters, like Google's
    count = pick(rnd, REVIEW_COUNTS)
    rating = 0.0 if count == 0 else (30 + int(rnd() * 21)) / 10
    five = count * 6 // 10
    four = count * 2 // 10
    rest = count - five - four
    domain = None
    website = ""
    if rnd() < 0.7:
        domain = "%s-%d.example" % (slug_of(title), place)
        website = pick(rnd, WEBSITE_FORMS) % domain
    emails = ""
    if rnd() < 0.6:
        domain = domain or "%s-%d.example" % (slug_of(title), place)
        emails = "contact@" + domain
        if rnd() < 0.25:
            emails += ", %s@%s" % (pick(rnd, MAILBOXES), domain)
    phone = phone_of(place, rnd) if rnd() < 0.85 else ""
    status = pick(rnd, STATUSES)
    description = "" if rnd() < 0.9 else "%s à %s depuis %d." % (
        category, city, 1950 + int(rnd() * 75))
    image = "%07d" % (place % 10000000)
    return [
        "",
        "https://www.google.com/maps/place/%s/data=!4m7!3m6!1s%s!8m2!3d%.4f!4d%.4f!16s"
        "%%2Fg%%2F11b%s!19s%s?authuser=0&hl=fr&rclk=1"
        % (quote_title(title), data_id, lat, lng, image, pid),
        title, category, "%s, %s %s" % (street, postal, city), pick(rnd, HOURS), "null",
        website, phone, "", str(count), "%.6f" % rating,
        '{"1":%d,"2":0,"3":%d,"4":%d,"5":%d}' % (rest // 2, rest - rest // 2, four, five),
        "%.6f" % lat, "%.6f" % lng, str(cid), status, description,
        "https://search.google.com/local/reviews?placeid=%s&authuser=0&hl=fr" % pid,
        "https://lh5.googleusercontent.com/p/AF1QipBench%s=w80-h106-k-no" % image,
        "Europe/Paris", pick(rnd, PRICES), data_id, "[]", "null", "null",
        '{"link":"","source":""}', '{"id":"","name":"","link":""}',
        '{"borough":"","street":"%s","city":"%s","postal_code":"%s","state":"",'
        '"country":"FR"}' % (street, city, postal),
        "null", "null", emails,
    ], query, city


def junk(cells, rnd):
    """Spoils one cell the way real exports are spoiled."""
    kind = int(rnd() * 5)
    if kind == 0:
        cells[2] = ""
    elif kind == 1:
        cells[31] = "logo@2x.png" if not cells[31] else cells[31] + ", icon@2x.png"
    elif kind == 2:
        cells[8] = "3.34657E+10"
    elif kind == 3:
        postal = json.loads(cells[28])["postal_code"]
        cells[28] = cells[28].replace(postal, postal.replace("0", "O"))
        cells[4] = cells[4].replace(postal, postal.replace("0", "O"))
    else:
        cells[7] = "/url?q=https://redirige-%d.example/&opi=79508299&sa=U" % int(
            rnd() * 100000)


def rows(count, seed):
    """The rows (lists of 32 strings), header first."""
    rnd = random.Random(seed).random
    recent = collections.deque(maxlen=REFOUND_WINDOW)
    yield HEADER
    place = 0
    for _ in range(count):
        if recent and rnd() < 0.03:
            # The same place found again by another query of the same city.
            cells, query, city = pick(rnd, recent)
            query = (query + 1 + int(rnd() * (len(CATEGORIES) - 1))) % len(CATEGORIES)
            cells = list(cells)
        else:
            cells, query, city = place_cells(place, rnd)
            recent.append((cells, query, city))
            place += 1
            if rnd() < 0.01:
                cells = list(cells)
                junk(cells, rnd)
        cells[0] = "q-%s-%s" % (CATEGORIES[query][0], slug_of(city))
        yield cells


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int, help="how many rows after the header")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args()
    if args.rows < 0:
        parser.error("rows must be 0 or more")
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="",
                           write_through=False)
    writer = csv.writer(out, lineterminator="\n")
    batch = []
    for row in rows(args.rows, args.seed):
        batch.append(row)
        if len(batch) == 2000:
            writer.writerows(batch)
            batch.clear()
    writer.writerows(batch)
    out.flush()


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        sys.exit(1)
