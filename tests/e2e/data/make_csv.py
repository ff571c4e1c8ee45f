#!/usr/bin/python3
"""Writes the CSV files of tests/e2e/data/ byte for byte: encodings, byte
order marks, separators and line ends are part of what each file tests, so
they are made here rather than saved from an editor. README.md beside this
file says what each one tests and what a correct import gives.

Run:  python3 tests/e2e/data/make_csv.py     (rewrites the files beside it)
The output is the same on every run; commit the files with this script.
The businesses are made up; phones are in 04 65 71 xx xx and
01 99 00 xx xx, sites and mailboxes on .example domains. The place ids of
the Outscraper, Apify and gosom files are those the Places stand-in
(tests/standin/places.py) gives the same businesses.
"""

import json
import os
import sys
import urllib.parse

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "standin"))
from places import place_cid, place_id  # noqa: E402

FR_HEADER = "Nom;Catégorie;Adresse;Code postal;Ville;Téléphone;E-mail;Site web"


def text(lines, end):
    """The lines joined and each ended by end ("\\n", "\\r\\n" or "\\r"); a
    line may hold "\\n" inside a quoted cell, which stays as it is."""
    return "".join(line + end for line in lines)


def quote(cell):
    """RFC 4180 quoting, only where a cell needs it."""
    if any(c in cell for c in ',"\n\r') or cell != cell.strip():
        return '"' + cell.replace('"', '""') + '"'
    return cell


FILES = {}

FILES["fr_utf8_bom.csv"] = b"\xef\xbb\xbf" + text([
    FR_HEADER + ";Latitude;Longitude",
    "Boulangerie L'Épi d'Or;Boulangerie;12 Rue Fictive;69002;Lyon;04 65 71 12 34;"
    "contact@epi-dor.example;https://epi-dor.example/;45,7601;4,8357",
    "Fleurs de Saône;Fleuriste;9 Quai Fleuri-Fictif;69005;Lyon;04 65 71 20 15;"
    "bonjour@fleurs-saone.example;https://fleurs-saone.example/;45,765;4,826",
    "Électricité Générale Lumière;Électricien;12 Rue Ampère-Fictive;69007;Lyon;"
    "04 65 71 20 13;;https://egl-lyon.example/;45,748;4,84",
    "Coiffure Bellecour;Salon de coiffure;10 Rue Inventée;69002;Lyon;+33 4 65 71 20 07;"
    "rdv@coiffure-bellecour.example;;45,7578;4,832",
], "\r\n").encode("utf-8")

FILES["fr_cp1252_crlf.csv"] = text([
    FR_HEADER,
    "Pâtisserie Bœuf & Cœur;Pâtisserie;3 Rue de l’Église-Fictive;69005;Lyon;"
    "04 65 71 21 01;commandes@boeuf-coeur.example;https://boeuf-coeur.example/",
    "Crêperie « Chez Gaëlle »;Crêperie;8 Impasse Inventée;01000;Bourg-en-Bresse;"
    "04 65 71 21 02;;",
    "Le Comptoir à 12 €;Bar à vins;15 Quai Imaginaire;69002;Lyon;04 65 71 21 03;;"
    "https://comptoir-12-euros.example/",
    "Façades Lœvenbruck – Ravalement;Façadier;40 Route Fictive;01000;Bourg-en-Bresse;"
    "04 65 71 21 04;devis@facades-loevenbruck.example;",
], "\r\n").encode("cp1252")

FILES["excel_unicode.txt"] = b"\xff\xfe" + text([
    FR_HEADER.replace(";", "\t"),
    "Croissanterie du Pont 🥐\tBoulangerie\t2 Pont Imaginaire\t69005\tLyon\t04 65 71 22 01\t"
    "bonjour@croissanterie-pont.example\t",
    "L'Œillet Fleuri\tFleuriste\t7 Rue des Œillets-Fictifs\t75010\tParis\t01 99 00 41 01\t\t"
    "https://oeillet-fleuri.example/",
    "Garage Müller & Søn\tGarage automobile\t5 Avenue Fictive\t75019\tParis\t01 99 00 41 02\t"
    "atelier@garage-muller.example\t",
], "\r\n").encode("utf-16-le")

FILES["utf8.tsv"] = text([
    "nom\tcategorie\tadresse\tcode postal\tville\ttelephone\temail\tsite web",
    "Plomberie Revermont\tPlombier\t9 Chemin du Revermont-Fictif\t01000\tBourg-en-Bresse\t"
    "04 65 71 30 07\tcontact@plomberie-revermont.example\thttps://plomberie-revermont.example/",
    "Barbier de la Croix-Rousse\tSalon de coiffure\t5 Boulevard Imaginaire\t69004\tLyon\t\t\t",
    "Bistrot; des Inventeurs\tRestaurant\t9 Rue Inventée, bâtiment B\t75005\tParis\t"
    "01 99 00 40 06\t\thttps://bistrot-inventeurs.example/",
], "\n").encode("utf-8")

FILES["sep_line.csv"] = text([
    "sep=;",
    FR_HEADER,
    "Dupont, Fils et Associés;Plombier;3 Pl. de l'Église;01000;Bourg-en-Bresse;04 65 71 12 35;"
    "contact@plomberie-dupont.example;http://plomberie-dupont.example/",
    "Au Jardin de Gerland;Fleuriste;54 Avenue Inventée, Gerland;69007;Lyon;04 65 71 20 16;;",
    "Garage Bressan Auto;Garage automobile;45 Route Fictive;01000;Bourg-en-Bresse;"
    "04 65 71 30 06;;https://garage-bressan.example/",
], "\r\n").encode("utf-8")

FILES["cr_only.csv"] = text([
    FR_HEADER,
    "Fleuriste Les Dombes;Fleuriste;13 Rue des Étangs-Fictifs;01000;Bourg-en-Bresse;"
    "04 65 71 30 05;;",
    "Salon Bress'Coiff;Salon de coiffure;20 Avenue Imaginaire;01000;Bourg-en-Bresse;"
    "04 65 71 30 03;rdv@bresscoiff.example;https://bresscoiff.example/",
    "Ain Électricité;Électricien;7 Rue Volta-Fictive;01000;Bourg-en-Bresse;;;"
    "https://ain-electricite.example/",
], "\r").encode("utf-8")

FILES["quoting.csv"] = text([
    FR_HEADER,
    '"Boulangerie de Brou";Boulangerie;"11 Boulevard Fictif";01000;Bourg-en-Bresse;'
    "04 65 71 30 01;contact@boulangerie-brou.example;https://boulangerie-brou.example/",
    'Le Fournil Bressan;Boulangerie;"4 Rue du Poulet-Fictif\nBâtiment B\n2e étage";01000;'
    "Bourg-en-Bresse;04 65 71 30 02;;",
    '"Chez ""Léon""; traiteur";Traiteur;"1 Place Inventée; côté marché";01000;'
    'Bourg-en-Bresse;04 65 71 30 09;"leon@chez-leon.example";',
    ";Restaurant;8 Rue Sans-Nom;01000;Bourg-en-Bresse;04 65 71 30 10;;"
    "https://sans-nom.example/",
    '"Auberge Bressane Fictive";"Restaurant";"1 Place Inventée";"01000";"Bourg-en-Bresse";'
    '"04 65 71 30 04";"";"https://auberge-bressane.example/"',
    '"  ";Restaurant;2 Rue Sans-Nom;01000;Bourg-en-Bresse;04 65 71 30 11;;',
], "\n").encode("utf-8")

FILES["blank_rows.csv"] = text([
    FR_HEADER,
    "",
    "Garage de la Villette;Garage automobile;150 Avenue Fictive;75019;Paris;01 99 00 40 10;;"
    "https://garage-villette.example/",
    ";;;;;;;",
    ";;;;",
    "Fleurs du Faubourg;Fleuriste;101 Rue du Faubourg-Fictif;75010;Paris;01 99 00 40 09;;"
    "https://fleurs-faubourg.example/",
    '" ";  ; ;;;;;  ',
    "Atelier Mécanique Nation;Garage automobile;8 Cours Imaginaire;75012;Paris;"
    "01 99 00 40 11;;https://meca-nation.example/",
    "",
    "",
], "\r\n").encode("utf-8")

FILES["unterminated_quote.csv"] = text([
    FR_HEADER,
    "Plombier Paris Centre;Plombier;22 Rue Sans-Nom;75003;Paris;01 99 00 40 03;;"
    "https://plombier-paris-centre.example/",
    "Les Robinets de Bastille;Plombier;3 Passage Inventé;75011;Paris;01 99 00 40 04;;"
    "https://robinets-bastille.example/",
    "Salon Marais Coiffure;Salon de coiffure;40 Rue Imaginaire;75004;Paris;01 99 00 40 05;;"
    "https://marais-coiffure.example/",
    '"Bistrot des Inventeurs;Restaurant;9 Rue Inventée;75005;Paris;01 99 00 40 06;;',
    "Crêperie Saint-Éloi;Restaurant;2 Rue du Blé-Noir-Fictif;75011;Paris;01 99 00 40 07;;",
    "Paris Lumière Électricité;Électricien;70 Boulevard Fictif;75015;Paris;01 99 00 40 08;;",
    "Fleurs du Faubourg;Fleuriste;101 Rue du Faubourg-Fictif;75010;Paris;01 99 00 40 09;;",
], "\n").encode("utf-8")

FILES["excel_damage.csv"] = b"\xef\xbb\xbf" + text([
    FR_HEADER,
    "Boulangerie L'Épi d'Or;Boulangerie;12 Rue Fictive;69002;Lyon;465711234;;",
    "Dupont & Fils;Plombier;3 Pl. de l'Église;1000;Bourg-en-Bresse;465711235;;",
    "Le Fournil Bressan;Boulangerie;4 Rue du Poulet-Fictif;1000;Bourg-en-Bresse;"
    "3.34657E+10;;",
    "Pâtisserie Guignol & Cie;Boulangerie;15 Quai Imaginaire;69OO2;Lyon;04 65 71 20 03;;",
    "Au Pain de Fourvière;Boulangerie;4 Montée Imaginaire;69005;Lyon;4,65712E+08;;",
], "\r\n").encode("utf-8")

FILES["duplicates.csv"] = text([
    FR_HEADER,
    "Boulangerie L'Épi d'Or;Boulangerie;12 Rue Fictive;69002;Lyon;04 65 71 12 34;"
    "contact@epi-dor.example;https://epi-dor.example/",
    "L'Épi d'Or (Lyon 2e);Boulangerie;12, rue Fictive;69002;Lyon;+33465711234;;",
    "Dupont & Fils;Plombier;3 Pl. de l'Église;01000;Bourg-en-Bresse;04 65 71 12 35;"
    "Contact@Plomberie-Dupont.example;",
    "Plomberie Dupont;Plombier;3 place de l'Église;01000;Bourg-en-Bresse;;"
    "contact@plomberie-dupont.example;",
    "Garage Rivet;Garage automobile;ZA des Œillets;33000;Bordeaux;;;"
    "https://www.garage-rivet.example/",
    "Rivet Automobiles;Garage automobile;ZA des Œillets;33000;Bordeaux;;;"
    "http://garage-rivet.example",
    "Crêperie Saint-Éloi SARL;Restaurant;2 Rue du Blé-Noir-Fictif;75011;Paris;;;",
    "CREPERIE SAINT ELOI;Restaurant;2 rue du Blé Noir;75011;Paris;;;",
    "Crêperie Saint-Éloi;Restaurant;5 Place Fictive;69002;Lyon;;;",
], "\n").encode("utf-8")

FILES["emails.csv"] = text([
    "Nom;Téléphone;E-mail;Site web",
    "Atelier Logo;04 65 71 23 01;logo@2x.png;",
    "Contact Incomplet;04 65 71 23 02;contact@;",
    "Domaine Court;04 65 71 23 03;a@b;",
    'Jean Dupont Conseil;04 65 71 23 04;"""jean dupont""@x.example";',
    "Prénom Devis;04 65 71 23 05;prenom+devis@x.example;",
    "Boulangerie Épi (IDN);04 65 71 23 06;contact@boulangerie-épi.example;",
    "Boulangerie Epi (punycode);04 65 71 23 07;contact@xn--boulangerie-pi-mkb.example;",
    'Deux Adresses;04 65 71 23 08;"bonjour@deux.example, icon@2x.png";',
], "\n").encode("utf-8")

FILES["english.csv"] = text([
    "Name,Category,Address,Zip,City,Phone,Email,Website",
    "Boulangerie du Canal,Bakery,18 Quai Imaginaire,75010,Paris,01 99 00 40 01,"
    "hello@boulangerie-canal.example,https://boulangerie-canal.example/",
    '"Coupe & Couleur, Batignolles",Hair salon,12 Rue Fictive,75017,Paris,,'
    "info@coupe-couleur.example,https://coupe-couleur.example/",
    "Garage de la Villette,Car repair,150 Avenue Fictive,75019,Paris,+33 1 99 00 40 10,,"
    "https://garage-villette.example/",
    "Suppr Me Florist,Florist,6 Place Inventée,75020,Paris,01 99 00 41 09,"
    "orders@suppr-me.example,",
], "\n").encode("utf-8")


def maps_url(slug, name, lat, lng):
    return ("https://www.google.com/maps/place/%s/@%.7f,%.7f,17z/data=!4m6!3m5!1s0x0:0x%x"
            "!8m2!3d%.7f!4d%.7f" % (urllib.parse.quote_plus(name), lat, lng, place_cid(slug),
                                    lat, lng))


OUTSCRAPER_HEADER = ("name,site,type,subtypes,category,phone,full_address,borough,street,city,"
                     "postal_code,state,country,country_code,latitude,longitude,time_zone,"
                     "rating,reviews,location_link,place_id,google_id,cid,business_status,"
                     "email_1,email_2")
OUTSCRAPER_ROWS = [
    ("fleurs-saone", "Fleurs de Saône", "https://fleurs-saone.example/", "Fleuriste",
     "Fleuriste, Livraison de fleurs", "florist", "+33 4 65 71 20 15",
     "9 Quai Fleuri-Fictif", "Vieux Lyon", "Lyon", "69005", 45.765, 4.826, "4.8", "77",
     "OPERATIONAL", "bonjour@fleurs-saone.example", "commandes@fleurs-saone.example"),
    ("bouchon-canuts", "Le Bouchon des Canuts", "https://bouchon-canuts.example/",
     "Restaurant", "Restaurant, Bouchon lyonnais", "restaurant", "+33 4 65 71 20 10",
     "6 Rue des Canuts-Fictifs", "Croix-Rousse", "Lyon", "69004", 45.779, 4.829, "4.4",
     "512", "OPERATIONAL", "", ""),
    ("sos-fuites", "SOS Fuites Lyon 7", "", "Plombier", "Plombier", "plumber",
     "+33 4 65 71 20 05", "41 Avenue Sans-Nom", "", "Lyon", "69007", 45.7449, 4.843, "3.9",
     "22", "OPERATIONAL", "sos@sos-fuites.example", ""),
]


def outscraper_line(row):
    (slug, name, site, kind, subtypes, category, phone, street, borough, city, postal, lat,
     lng, rating, reviews, status, email1, email2) = row
    cells = [name, site, kind, subtypes, category, phone,
             "%s, %s %s" % (street, postal, city), borough, street, city, postal,
             "Auvergne-Rhône-Alpes", "France", "FR", "%.4f" % lat, "%.4f" % lng,
             "Europe/Paris", rating, reviews, maps_url(slug, name, lat, lng), place_id(slug),
             "0x47f4ea%010x:0x%x" % (place_cid(slug) % (1 << 40), place_cid(slug)),
             str(place_cid(slug)), status, email1, email2]
    return ",".join(quote(c) for c in cells)


FILES["outscraper.csv"] = text(
    [OUTSCRAPER_HEADER] + [outscraper_line(r) for r in OUTSCRAPER_ROWS], "\n").encode("utf-8")

APIFY_HEADER = ("title,categoryName,address,street,city,postalCode,state,countryCode,phone,"
                "phoneUnformatted,website,totalScore,reviewsCount,location/lat,location/lng,"
                "placeId,cid,url,permanentlyClosed,emails/0,emails/1")
APIFY_ROWS = [
    ("canal", "Boulangerie du Canal", "Boulangerie", "18 Quai Imaginaire", "Paris", "75010",
     "01 99 00 40 01", "https://boulangerie-canal.example/", "4.5", "320", 48.872, 2.365,
     "bonjour@boulangerie-canal.example", ""),
    ("marais-coiffure", "Salon Marais Coiffure", "Salon de coiffure", "40 Rue Imaginaire",
     "Paris", "75004", "01 99 00 40 05", "https://marais-coiffure.example/", "4.7", "260",
     48.857, 2.358, "rdv@marais-coiffure.example", "equipe@marais-coiffure.example"),
    ("orchidee", "L'Orchidée Imaginaire", "Fleuriste", "6 Place Inventée", "Paris", "75020",
     "", "", "", "0", 48.865, 2.398, "", ""),
]


def apify_line(row):
    (slug, name, category, street, city, postal, phone, site, score, count, lat, lng,
     email0, email1) = row
    unformatted = "+33" + phone.replace(" ", "")[1:] if phone else ""
    cells = [name, category, "%s, %s %s, France" % (street, postal, city), street, city,
             postal, "Île-de-France", "FR", phone, unformatted, site, score, count,
             "%.4f" % lat, "%.4f" % lng, place_id(slug), str(place_cid(slug)),
             "https://www.google.com/maps/search/?api=1&query=%s&query_place_id=%s"
             % (urllib.parse.quote_plus(name), place_id(slug)), "false", email0, email1]
    return ",".join(quote(c) for c in cells)


FILES["apify.csv"] = text(
    [APIFY_HEADER] + [apify_line(r) for r in APIFY_ROWS], "\n").encode("utf-8")

FILES["custom_fields.csv"] = text([
    "Nom;Téléphone;Ville;SIRET;Effectif;Code NAF",
    "Boulangerie de Brou;04 65 71 30 01;Bourg-en-Bresse;900 000 001 00017;12;1071C",
    "Le Fournil Bressan;04 65 71 30 02;Bourg-en-Bresse;90000000200015;3;",
    "Fleuriste Les Dombes;04 65 71 30 05;Bourg-en-Bresse;;1;4776Z",
], "\n").encode("utf-8")

FILES["formula_injection.csv"] = text([
    "Name,Category,Phone,Notes",
    '"=HYPERLINK(""http://evil.example"",""x"")",@SUM(1),04 65 71 24 01,-2+3',
    "Boulangerie Honnête,Boulangerie,04 65 71 24 02,+ livraison le mardi",
    "@Fleurs,=1+1,04 65 71 24 03,",
], "\n").encode("utf-8")

GOSOM_HEADER = ("input_id,link,title,category,address,open_hours,popular_times,website,phone,"
                "plus_code,review_count,review_rating,reviews_per_rating,latitude,longitude,"
                "cid,status,descriptions,reviews_link,thumbnail,timezone,price_range,data_id,"
                "images,reservations,order_online,menu,owner,complete_address,about,"
                "user_reviews,emails")


def gosom_line(input_id, slug, name, category, street, postal, city, phone, site, rating,
               count, lat, lng, description, emails):
    """One row in the 32-column layout of the gosom fixture: JSON cells,
    floats printed with six decimals, 'null' for what the scraper lacked."""
    cid = place_cid(slug)
    data_id = "0x47e66e%010x:0x%x" % (cid % (1 << 40), cid)
    ratings = {"1": 0, "2": 0, "3": count // 10, "4": count // 4}
    ratings["5"] = count - sum(ratings.values())
    cells = [
        input_id,
        "https://www.google.com/maps/place/%s/data=!4m7!3m6!1s%s!8m2!3d%.4f!4d%.4f!16s"
        "%%2Fg%%2F11%s!19s%s?authuser=0&hl=fr&rclk=1"
        % (urllib.parse.quote_plus(name), data_id, lat, lng, slug[:8], place_id(slug)),
        name, category, "%s, %s %s" % (street, postal, city),
        json.dumps({"Monday": ["09:00–19:00"], "Sunday": ["Fermé"]}, ensure_ascii=False,
                   separators=(",", ":")),
        "null", site, phone, "", str(count), "%.6f" % rating,
        json.dumps(ratings, separators=(",", ":")), "%.6f" % lat, "%.6f" % lng, str(cid),
        "", description,
        "https://search.google.com/local/reviews?placeid=%s&authuser=0&hl=fr" % place_id(slug),
        "https://lh5.googleusercontent.com/p/AF1QipFict%s=w80-h106-k-no" % slug[:6],
        "Europe/Paris", "", data_id, "[]", "null", "null",
        '{"link":"","source":""}', '{"id":"","name":"","link":""}',
        json.dumps({"borough": "", "street": street, "city": city, "postal_code": postal,
                    "state": "", "country": "FR"}, ensure_ascii=False, separators=(",", ":")),
        "null", "null", emails,
    ]
    return ",".join(quote(c) for c in cells)


FILES["gosom.csv"] = text([
    GOSOM_HEADER,
    gosom_line("q-fleuriste-paris", "fleurs-faubourg", "Fleurs du Faubourg", "Fleuriste",
               "101 Rue du Faubourg-Fictif", "75010", "Paris", "01 99 00 40 09",
               "https://fleurs-faubourg.example/", 4.8, 112, 48.876, 2.359, "",
               "bonjour@fleurs-faubourg.example"),
    gosom_line("q-fleuriste-paris", "orchidee", "L'Orchidée Imaginaire", "Fleuriste",
               "6 Place Inventée", "75020", "Paris", "", "", 4.1, 9, 48.865, 2.398,
               "Compositions florales.\nLivraison dans tout Paris.", ""),
    gosom_line("q-garage-paris", "garage-villette", "Garage de la Villette",
               "Garage automobile", "150 Avenue Fictive", "75019", "Paris", "01 99 00 40 10",
               "https://garage-villette.example/", 3.9, 230, 48.889, 2.389, "",
               "atelier@garage-villette.example"),
    gosom_line("q-garage-paris", "meca-nation", "Atelier Mécanique Nation",
               "Garage automobile", "8 Cours Imaginaire", "75012", "Paris", "+33 1 99 00 40 11",
               "https://meca-nation.example/", 4.3, 57, 48.848, 2.396, "",
               "contact@meca-nation.example, icon@2x.png"),
    gosom_line("q-coiffeur-paris", "marais-coiffure", "Salon Marais Coiffure",
               "Salon de coiffure", "40 Rue Imaginaire", "75004", "Paris", "01 99 00 40 05",
               "https://marais-coiffure.example/", 4.7, 260, 48.857, 2.358, "", ""),
    gosom_line("q-boutique-paris", "fleurs-faubourg", "Fleurs du Faubourg", "Fleuriste",
               "101 Rue du Faubourg-Fictif", "75010", "Paris", "01 99 00 40 09",
               "https://fleurs-faubourg.example/", 4.8, 112, 48.876, 2.359, "",
               "bonjour@fleurs-faubourg.example"),
], "\n").encode("utf-8")


def main():
    for name, data in sorted(FILES.items()):
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
        print("%-24s %5d bytes" % (name, len(data)))


if __name__ == "__main__":
    main()
