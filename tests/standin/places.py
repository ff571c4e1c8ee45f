#!/usr/bin/python3
"""A stand-in for Google Places API (New) on 127.0.0.1, for Prospea's tests:
Text Search and Place Details over the real wire format, on 45 fictional
French businesses (Lyon, Bourg-en-Bresse, Paris).

Run:  tests/standin/places.py --port 8091 --key TESTKEY [--pidfile F]
      curl -s -X POST http://127.0.0.1:8091/v1/places:searchText \
        -H 'Content-Type: application/json' -H 'X-Goog-Api-Key: TESTKEY' \
        -H 'X-Goog-FieldMask: places.id,places.displayName,nextPageToken' \
        -d '{"textQuery": "boulangerie Lyon"}'
One line per request on stderr ("places: POST /v1/places:searchText -> 200
(1234 bytes)"); the key is never written, not even from a ?key= URL. Lines
starting with '#' are not requests. Ends on SIGTERM.

What it implements, and where the real format comes from:
- POST /v1/places:searchText (Method: places.searchText, developers.google.com
  /maps/documentation/places/web-service/reference/rest/v1/places/searchText;
  guide: .../web-service/text-search). Body fields: textQuery (required),
  languageCode, regionCode, rankPreference, includedType,
  strictTypeFiltering, openNow, minRating, pageSize, maxResultCount
  (deprecated), pageToken, priceLevels, locationBias {circle {center
  {latitude, longitude}, radius} | rectangle {low, high}},
  locationRestriction {rectangle} (a circle there is refused: the reference
  allows only a rectangle). pageSize 0 or absent: 20; above 20: 20;
  negative: 400 (as the reference says). When paginating, every field but
  pageToken, pageSize and maxResultCount must match the call that gave the
  token, else 400 INVALID_ARGUMENT. Answer {"places": [...],
  "nextPageToken": "..."}, each filtered by the field mask; no result: {}.
- GET /v1/places/{id} (Method: places.get, same reference): query
  languageCode, regionCode, sessionToken; the mask's paths name Place
  fields directly ("id,displayName"), as the reference's Place Details page
  says; "places.id" there is an unknown path, as Google answers.
- Authentication and system parameters (cloud.google.com/apis/docs/
  system-parameters): X-Goog-Api-Key header or ?key=; X-Goog-FieldMask
  header or ?fields= (comma-separated paths, sub-paths such as
  places.displayName.text, snake_case or camelCase, "*" for all; the
  stand-in also takes "places.*"). A mask is required: none gives 400
  "FieldMask is a required parameter." (googleapis places_service.proto:
  "all/'*' is not assumed").
- Errors in the google.rpc.Status JSON of Google APIs (AIP-193):
  {"error": {"code", "message", "status", "details": [...]}}. No key: 403
  PERMISSION_DENIED "Method doesn't allow unregistered callers ..."; a
  wrong key: 400 INVALID_ARGUMENT "API key not valid. Please pass a valid
  API key." with ErrorInfo reason API_KEY_INVALID (what googleapis.com
  answers to a made-up key, as client code quoting real answers shows);
  unknown body field: 400 'Invalid JSON payload received. Unknown name
  "x": Cannot find field.'; unknown mask path: 400 "Error expanding
  'fields' parameter. Cannot find matching fields for path 'x'." in a
  BadRequest detail; a malformed place id: 400 "Not a valid Place ID: x";
  an unknown well-formed one: 404 NOT_FOUND; quota: 429 RESOURCE_EXHAUSTED
  with ErrorInfo RATE_LIMIT_EXCEEDED; 500 INTERNAL "Internal error
  encountered.". The message for an empty textQuery ("Empty text_query.")
  and for a mismatched pageToken are the stand-in's own wording.

Test hooks: a textQuery containing "quota-exceeded" answers 429,
"server-error" answers 500, "slow-query" answers after 3 s (the magic word
is then ignored in matching). Matching: every word of textQuery but small
French/English words ("à", "de", "in"...) must start a word of the place's
name, category (French and English), address, city or postal code, accents
and case ignored, a plural s/x dropped. "France" matches all 45 (3 pages of
20); "Lyon" 22 (2 pages); "boulangerie Lyon" 6. includedType keeps places of
that type (strictTypeFiltering) or puts them first; locationRestriction
keeps places inside its rectangle; minRating filters; locationBias, openNow,
priceLevels and rankPreference are checked for form and otherwise ignored.

Places whose site the sites.py stand-in serves (so search -> import ->
e-mail discovery can run end to end): http://epi-dor.example/ (Boulangerie
L'Épi d'Or, Lyon), http://plomberie-dupont.example/ (Dupont & Fils,
Bourg-en-Bresse), and nomail, private, big, slow, redirect, text and
robots-down .example. Others have https://*.example/ sites nobody serves,
and 10 have no website, 5 no phone, 2 no rating. Phones are in the ranges
04 65 71 xx xx and 01 99 00 xx xx (valid for libphonenumber).
"""

import base64
import hashlib
import hmac
import json
import math
import re
import sys
import time
import unicodedata
import urllib.parse

import serve

# Kinds of business: primary type, types, French and English display names,
# and more French words that find them.
KINDS = {
    "bakery": (["bakery", "food", "store", "point_of_interest", "establishment"],
               "Boulangerie", "Bakery", "pâtisserie pain viennoiserie"),
    "plumber": (["plumber", "point_of_interest", "establishment"],
                "Plombier", "Plumber", "plomberie chauffagiste dépannage"),
    "hair_salon": (["hair_salon", "hair_care", "beauty_salon", "point_of_interest",
                    "establishment"],
                   "Salon de coiffure", "Hair salon", "coiffeur coiffeuse barbier"),
    "restaurant": (["restaurant", "food", "point_of_interest", "establishment"],
                   "Restaurant", "Restaurant", "bistrot brasserie bouchon"),
    "electrician": (["electrician", "point_of_interest", "establishment"],
                    "Électricien", "Electrician", "électricité"),
    "florist": (["florist", "store", "point_of_interest", "establishment"],
                "Fleuriste", "Florist", "fleurs"),
    "car_repair": (["car_repair", "point_of_interest", "establishment"],
                   "Garage automobile", "Car repair", "mécanique carrosserie"),
}

# City: (administrative_area_level_2, administrative_area_level_1).
CITIES = {
    "Lyon": ("Rhône", "Auvergne-Rhône-Alpes"),
    "Bourg-en-Bresse": ("Ain", "Auvergne-Rhône-Alpes"),
    "Paris": ("Paris", "Île-de-France"),
}

# slug, name, kind, street number, street, postal code, city, latitude,
# longitude, national phone, website, rating, review count, business status.
OP, TMP, PERM = "OPERATIONAL", "CLOSED_TEMPORARILY", "CLOSED_PERMANENTLY"
PLACES_TABLE = [
    ("epi-dor", "Boulangerie L'Épi d'Or", "bakery", "12", "Rue Fictive", "69002", "Lyon",
     45.7601, 4.8357, "04 65 71 12 34", "http://epi-dor.example/", 4.6, 87, OP),
    ("pain-fourviere", "Au Pain de Fourvière", "bakery", "4", "Montée Imaginaire", "69005",
     "Lyon", 45.7622, 4.8226, "04 65 71 20 01", "https://pain-fourviere.example/", 4.4, 212, OP),
    ("fournee-pentes", "La Fournée des Pentes", "bakery", "27", "Rue des Pentes-Fictives",
     "69001", "Lyon", 45.7698, 4.8312, "04 65 71 20 02", None, 4.1, 35, OP),
    ("st-rambert", "Boulangerie Saint-Rambert", "bakery", "3", "Place du Marché-Inventé",
     "69009", "Lyon", 45.8003, 4.8131, None, "https://boulangerie-st-rambert.example/",
     4.8, 19, OP),
    ("guignol", "Pâtisserie Guignol & Cie", "bakery", "15", "Quai Imaginaire", "69002", "Lyon",
     45.7580, 4.8301, "04 65 71 20 03", "https://guignol-patisserie.example/", 4.5, 143, OP),
    ("rhone-plomberie", "Plomberie Rhône Services", "plumber", "8", "Rue du Robinet-Fictif",
     "69003", "Lyon", 45.7590, 4.8590, "04 65 71 20 04", "https://rhone-plomberie.example/",
     4.7, 64, OP),
    ("sos-fuites", "SOS Fuites Lyon 7", "plumber", "41", "Avenue Sans-Nom", "69007", "Lyon",
     45.7449, 4.8430, "04 65 71 20 05", None, 3.9, 22, OP),
    ("martin-chauffage", "Martin Chauffage Sanitaire", "plumber", "2", "Impasse du Siphon",
     "69008", "Lyon", 45.7370, 4.8690, "04 65 71 20 06", "https://martin-chauffage.example/",
     4.3, 11, OP),
    ("coiffure-bellecour", "Coiffure Bellecour", "hair_salon", "10", "Rue Inventée", "69002",
     "Lyon", 45.7578, 4.8320, "04 65 71 20 07", "https://coiffure-bellecour.example/",
     4.2, 301, OP),
    ("atelier-ciseaux", "L'Atelier des Ciseaux", "hair_salon", "19", "Rue de la Frange-Fictive",
     "69006", "Lyon", 45.7700, 4.8520, "04 65 71 20 08", "http://nomail.example/", 4.9, 58, OP),
    ("barbier-croix-rousse", "Barbier de la Croix-Rousse", "hair_salon", "5",
     "Boulevard Imaginaire", "69004", "Lyon", 45.7760, 4.8270, None, None, 4.6, 90, OP),
    ("coiff-tendance", "Coiff'Tendance", "hair_salon", "77", "Cours Fictif", "69003", "Lyon",
     45.7610, 4.8560, "04 65 71 20 09", "http://private.example/", 3.8, 14, OP),
    ("bouchon-canuts", "Le Bouchon des Canuts", "restaurant", "6", "Rue des Canuts-Fictifs",
     "69004", "Lyon", 45.7790, 4.8290, "04 65 71 20 10", "https://bouchon-canuts.example/",
     4.4, 512, OP),
    ("brasserie-confluent", "Brasserie du Confluent", "restaurant", "1",
     "Cours des Deux-Rivières-Fictives", "69002", "Lyon", 45.7430, 4.8180, "04 65 71 20 11",
     "http://big.example/", 4.0, 233, OP),
    ("chez-meme", "Chez Mémé Lyonnaise", "restaurant", "23", "Rue Gourmande", "69005", "Lyon",
     45.7620, 4.8270, "04 65 71 20 12", None, 4.7, 96, OP),
    ("egl", "Électricité Générale Lumière", "electrician", "12", "Rue Ampère-Fictive", "69007",
     "Lyon", 45.7480, 4.8400, "04 65 71 20 13", "https://egl-lyon.example/", 4.5, 27, OP),
    ("watt-fils", "Watt & Fils", "electrician", "30", "Rue du Disjoncteur", "69008", "Lyon",
     45.7350, 4.8720, "04 65 71 20 14", "http://slow.example/", 4.1, 9, OP),
    ("fleurs-saone", "Fleurs de Saône", "florist", "9", "Quai Fleuri-Fictif", "69005", "Lyon",
     45.7650, 4.8260, "04 65 71 20 15", "https://fleurs-saone.example/", 4.8, 77, OP),
    ("jardin-gerland", "Au Jardin de Gerland", "florist", "54", "Avenue Inventée", "69007",
     "Lyon", 45.7300, 4.8330, "04 65 71 20 16", None, 4.3, 18, OP),
    ("garage-tonkin", "Garage du Tonkin", "car_repair", "88", "Rue Mécanique-Fictive", "69006",
     "Lyon", 45.7730, 4.8600, "04 65 71 20 17", "https://garage-tonkin.example/", 4.0, 140, TMP),
    ("vaise-auto", "Carrosserie Vaise Auto", "car_repair", "2", "Chemin du Pneu", "69009",
     "Lyon", 45.7750, 4.8050, "04 65 71 20 18", "http://redirect.example/", 3.7, 61, OP),
    ("brotteaux", "Boulangerie des Brotteaux", "bakery", "16", "Rue Gourmande-Est", "69006",
     "Lyon", 45.7680, 4.8560, "04 65 71 20 19", "http://text.example/", 4.2, 44, PERM),
    ("dupont", "Dupont & Fils, Plomberie – Chauffage", "plumber", "3", "Pl. de l'Église",
     "01000", "Bourg-en-Bresse", 46.2052, 5.2255, "04 65 71 12 35",
     "http://plomberie-dupont.example/", 4.2, 12, OP),
    ("brou", "Boulangerie de Brou", "bakery", "11", "Boulevard Fictif", "01000",
     "Bourg-en-Bresse", 46.1990, 5.2360, "04 65 71 30 01", "https://boulangerie-brou.example/",
     4.6, 105, OP),
    ("fournil-bressan", "Le Fournil Bressan", "bakery", "4", "Rue du Poulet-Fictif", "01000",
     "Bourg-en-Bresse", 46.2080, 5.2270, "04 65 71 30 02", None, 4.4, 38, OP),
    ("bresscoiff", "Salon Bress'Coiff", "hair_salon", "20", "Avenue Imaginaire", "01000",
     "Bourg-en-Bresse", 46.2030, 5.2200, "04 65 71 30 03", "https://bresscoiff.example/",
     4.5, 29, OP),
    ("auberge-bressane", "Auberge Bressane Fictive", "restaurant", "1", "Place Inventée",
     "01000", "Bourg-en-Bresse", 46.2000, 5.2290, "04 65 71 30 04",
     "https://auberge-bressane.example/", 4.3, 402, OP),
    ("ain-electricite", "Ain Électricité", "electrician", "7", "Rue Volta-Fictive", "01000",
     "Bourg-en-Bresse", 46.2100, 5.2150, None, "https://ain-electricite.example/",
     None, 0, OP),
    ("dombes", "Fleuriste Les Dombes", "florist", "13", "Rue des Étangs-Fictifs", "01000",
     "Bourg-en-Bresse", 46.2040, 5.2240, "04 65 71 30 05", None, 4.9, 15, OP),
    ("garage-bressan", "Garage Bressan Auto", "car_repair", "45", "Route Fictive", "01000",
     "Bourg-en-Bresse", 46.2150, 5.2400, "04 65 71 30 06", "https://garage-bressan.example/",
     4.1, 88, OP),
    ("revermont", "Plomberie Revermont", "plumber", "9", "Chemin du Revermont-Fictif", "01000",
     "Bourg-en-Bresse", 46.1950, 5.2310, "04 65 71 30 07",
     "https://plomberie-revermont.example/", 4.0, 7, OP),
    ("depannage-ain", "Dépannage Ain Plomberie", "plumber", "60", "Rue de la Vanne-Fictive",
     "01000", "Bourg-en-Bresse", 46.2070, 5.2330, "04 65 71 30 08",
     "http://robots-down.example/", 3.5, 4, OP),
    ("canal", "Boulangerie du Canal", "bakery", "18", "Quai Imaginaire", "75010", "Paris",
     48.8720, 2.3650, "01 99 00 40 01", "https://boulangerie-canal.example/", 4.5, 320, OP),
    ("fournil-montmartre", "Le Fournil de Montmartre", "bakery", "5",
     "Rue Fictive-des-Abbesses", "75018", "Paris", 48.8840, 2.3380, "01 99 00 40 02", None,
     4.3, 150, OP),
    ("plombier-centre", "Plombier Paris Centre", "plumber", "22", "Rue Sans-Nom", "75003",
     "Paris", 48.8630, 2.3600, "01 99 00 40 03", "https://plombier-paris-centre.example/",
     3.6, 45, OP),
    ("robinets-bastille", "Les Robinets de Bastille", "plumber", "3", "Passage Inventé",
     "75011", "Paris", 48.8530, 2.3700, "01 99 00 40 04", "https://robinets-bastille.example/",
     4.4, 21, OP),
    ("marais-coiffure", "Salon Marais Coiffure", "hair_salon", "40", "Rue Imaginaire", "75004",
     "Paris", 48.8570, 2.3580, "01 99 00 40 05", "https://marais-coiffure.example/",
     4.7, 260, OP),
    ("coupe-couleur", "Coupe & Couleur Batignolles", "hair_salon", "12", "Rue Fictive",
     "75017", "Paris", 48.8870, 2.3190, None, "https://coupe-couleur.example/", 4.2, 33, OP),
    ("bistrot-inventeurs", "Bistrot des Inventeurs", "restaurant", "9", "Rue Inventée", "75005",
     "Paris", 48.8460, 2.3480, "01 99 00 40 06", "https://bistrot-inventeurs.example/",
     4.1, 780, OP),
    ("creperie-eloi", "Crêperie Saint-Éloi", "restaurant", "2", "Rue du Blé-Noir-Fictif",
     "75011", "Paris", 48.8580, 2.3800, "01 99 00 40 07", None, 4.6, 190, OP),
    ("paris-lumiere", "Paris Lumière Électricité", "electrician", "70", "Boulevard Fictif",
     "75015", "Paris", 48.8420, 2.2950, "01 99 00 40 08", "https://paris-lumiere-elec.example/",
     4.0, 16, OP),
    ("fleurs-faubourg", "Fleurs du Faubourg", "florist", "101", "Rue du Faubourg-Fictif",
     "75010", "Paris", 48.8760, 2.3590, "01 99 00 40 09", "https://fleurs-faubourg.example/",
     4.8, 112, OP),
    ("orchidee", "L'Orchidée Imaginaire", "florist", "6", "Place Inventée", "75020", "Paris",
     48.8650, 2.3980, None, None, None, 0, OP),
    ("garage-villette", "Garage de la Villette", "car_repair", "150", "Avenue Fictive", "75019",
     "Paris", 48.8890, 2.3890, "01 99 00 40 10", "https://garage-villette.example/",
     3.9, 230, OP),
    ("meca-nation", "Atelier Mécanique Nation", "car_repair", "8", "Cours Imaginaire", "75012",
     "Paris", 48.8480, 2.3960, "01 99 00 40 11", "https://meca-nation.example/", 4.3, 57, OP),
]

# Every field of the Place resource (reference: REST Resource places,
# "Place"): a mask may name any of them; the stand-in fills the ones below.
PLACE_FIELDS = frozenset("""
name id displayName types primaryType primaryTypeDisplayName nationalPhoneNumber
internationalPhoneNumber formattedAddress shortFormattedAddress postalAddress
addressComponents plusCode location viewport rating googleMapsUri websiteUri reviews
regularOpeningHours timeZone photos adrFormatAddress businessStatus priceLevel
attributions iconMaskBaseUri iconBackgroundColor currentOpeningHours
currentSecondaryOpeningHours regularSecondaryOpeningHours editorialSummary
paymentOptions parkingOptions subDestinations fuelOptions evChargeOptions
generativeSummary containingPlaces addressDescriptor googleMapsLinks priceRange
reviewSummary evChargeAmenitySummary neighborhoodSummary consumerAlert
utcOffsetMinutes userRatingCount takeout delivery dineIn curbsidePickup reservable
servesBreakfast servesLunch servesDinner servesBeer servesWine servesBrunch
servesVegetarianFood outdoorSeating liveMusic menuForChildren servesCocktails
servesDessert servesCoffee goodForChildren allowsDogs restroom goodForGroups
goodForWatchingSports accessibilityOptions pureServiceAreaBusiness
""".split())
SEARCH_FIELDS = frozenset(["places", "nextPageToken", "searchUri", "routingSummaries",
                           "contextualContents"])

# SearchTextRequest fields (reference above) and the form each must have.
SEARCH_REQUEST = {
    "textQuery": str, "languageCode": str, "regionCode": str, "rankPreference": str,
    "includedType": str, "openNow": bool, "minRating": (int, float),
    "maxResultCount": int, "pageSize": int, "pageToken": str, "priceLevels": list,
    "strictTypeFiltering": bool, "locationBias": dict, "locationRestriction": dict,
    "evOptions": dict, "routingParameters": dict, "searchAlongRouteParameters": dict,
    "includePureServiceAreaBusinesses": bool, "includeFutureOpeningBusinesses": bool,
}
PROTO_TYPES = {str: "TYPE_STRING", int: "TYPE_INT32", bool: "TYPE_BOOL",
               (int, float): "TYPE_DOUBLE", list: "repeated field"}
RANK_PREFERENCES = ("RANK_PREFERENCE_UNSPECIFIED", "DISTANCE", "RELEVANCE")
PAGING_FIELDS = ("pageToken", "pageSize", "maxResultCount")
DETAILS_QUERY = ("languageCode", "regionCode", "sessionToken", "key", "fields")
STOPWORDS = frozenset("a au aux d de des du en et l la le les sur pres near in the of at "
                      "dans pour".split())
MAGIC = ("quota-exceeded", "server-error", "slow-query")
PLACE_ID = re.compile(r"^ChIJ[A-Za-z0-9_-]{23}$")
JSON_TYPE = "application/json; charset=UTF-8"


class GoogleError(Exception):
    """An answer in Google's error format: status (HTTP), rpc (google.rpc
    code name), message, details (list of Any objects)."""

    def __init__(self, status, rpc, message, details=None):
        super().__init__(message)
        self.status, self.rpc, self.message = status, rpc, message
        self.details = details

    def body(self):
        err = {"code": self.status, "message": self.message, "status": self.rpc}
        if self.details:
            err["details"] = self.details
        return err


def invalid(message, field=None):
    """400 INVALID_ARGUMENT with a BadRequest detail naming the violation."""
    violation = {"description": message}
    if field is not None:
        violation = {"field": field, "description": message}
    return GoogleError(400, "INVALID_ARGUMENT", message, [{
        "@type": "type.googleapis.com/google.rpc.BadRequest",
        "fieldViolations": [violation]}])


def fold(text):
    """Lower case, accents and punctuation dropped: 'L'Épi d'Or' -> 'l epi d or'."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def snake_to_camel(name):
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)


def place_id(slug):
    """A stable id shaped like Google's: ChIJ and 23 base64url characters."""
    digest = hashlib.sha256(b"prospea-standin-place:" + slug.encode()).digest()
    return "ChIJ" + base64.urlsafe_b64encode(digest).decode()[:23]


def place_cid(slug):
    digest = hashlib.sha256(b"prospea-standin-cid:" + slug.encode()).hexdigest()
    return int(digest[:15], 16)


def international(national):
    """'04 65 71 12 34' -> '+33 4 65 71 12 34'."""
    return "+33 " + national[1:]


def component(text, types, short=None):
    return {"longText": text, "shortText": short or text, "types": types,
            "languageCode": "fr"}


def place_build(row):
    """The full Place resource (camelCase JSON) of a PLACES_TABLE row, with
    the English category name kept aside for languageCode=en."""
    (slug, name, kind, number, street, postal, city, lat, lng, phone, site,
     rating, count, status) = row
    types, label_fr, label_en, _ = KINDS[kind]
    admin2, admin1 = CITIES[city]
    pid = place_id(slug)
    # Keys in the order of the Place message's field numbers, as Google
    # prints them.
    place = {"name": "places/" + pid, "id": pid, "types": types}
    if phone is not None:
        place["nationalPhoneNumber"] = phone
        place["internationalPhoneNumber"] = international(phone)
    place["formattedAddress"] = "%s %s, %s %s, France" % (number, street, postal, city)
    place["addressComponents"] = [
        component(number, ["street_number"]),
        component(street, ["route"]),
        component(city, ["locality", "political"]),
        component(admin2, ["administrative_area_level_2", "political"]),
        component(admin1, ["administrative_area_level_1", "political"]),
        component("France", ["country", "political"], "FR"),
        component(postal, ["postal_code"]),
    ]
    place["location"] = {"latitude": lat, "longitude": lng}
    if rating is not None:
        place["rating"] = rating
    place["googleMapsUri"] = "https://maps.google.com/?cid=%d" % place_cid(slug)
    if site is not None:
        place["websiteUri"] = site
    place["utcOffsetMinutes"] = 60
    place["businessStatus"] = status
    if rating is not None:
        place["userRatingCount"] = count
    place["displayName"] = {"text": name, "languageCode": "fr"}
    place["primaryTypeDisplayName"] = {"text": label_fr, "languageCode": "fr"}
    place["primaryType"] = types[0]
    place["shortFormattedAddress"] = "%s %s, %s" % (number, street, city)
    return place, label_en


def place_words(row):
    """The folded words a text query can match for a PLACES_TABLE row."""
    (slug, name, kind, number, street, postal, city, *_rest) = row
    _, label_fr, label_en, more = KINDS[kind]
    text = " ".join([name, label_fr, label_en, more, kind, number, street, postal, city,
                     CITIES[city][0], "France"])
    return fold(text).split()


PLACES = []      # (place, English category name, words), in table order
BY_ID = {}
for _row in PLACES_TABLE:
    _place, _label_en = place_build(_row)
    PLACES.append((_place, _label_en, place_words(_row)))
    BY_ID[_place["id"]] = PLACES[-1]


def word_matches(token, words):
    for w in words:
        if w.startswith(token):
            return True
        if len(token) > 3 and token[-1] in "sx" and w.startswith(token[:-1]):
            return True
    return False


def query_tokens(text_query):
    q = text_query.lower()
    for magic in MAGIC:
        q = q.replace(magic, " ")
    return [t for t in fold(q).split() if t not in STOPWORDS]


def localize(place, label_en, language):
    """The place as a client asking for language sees it: only the category
    name has an English form here."""
    if not language.lower().startswith("en"):
        return place
    place = dict(place)
    place["primaryTypeDisplayName"] = {"text": label_en, "languageCode": "en"}
    return place


def mask_add(node, segs):
    """node (a mask tree, None meaning 'all below') with the path segs."""
    if node is None or not segs or segs[0] == "*":
        return None
    node[segs[0]] = mask_add(node.get(segs[0], {}), segs[1:])
    return node


def mask_parse(mask, top_fields, where):
    """The field mask as a tree {segment: subtree}, None meaning 'all
    below'. top_fields: the names a path may start with; in a search,
    "places." is followed by a Place field. Raises GoogleError on an
    unknown path."""
    tree = {}
    for path in (p.strip() for p in mask.split(",")):
        if not path:
            continue
        segs = [snake_to_camel(s) for s in path.split(".")]
        known = segs[0] == "*" or (segs[0] in top_fields and (
            where != "search" or segs[0] != "places" or len(segs) == 1
            or segs[1] == "*" or segs[1] in PLACE_FIELDS))
        if not known:
            raise invalid("Error expanding 'fields' parameter. Cannot find matching "
                          "fields for path '%s'." % path)
        tree = mask_add(tree, segs)
    return tree


def mask_apply(value, tree):
    """value with only the fields tree names (see mask_parse)."""
    if tree is None:
        return value
    if isinstance(value, list):
        return [mask_apply(v, tree) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, sub in tree.items():
        if key in value:
            out[key] = mask_apply(value[key], sub)
    return out


def check_latlng(obj, where):
    if not isinstance(obj, dict):
        raise invalid("Invalid value at '%s' (type.googleapis.com/google.type.LatLng)"
                      % where, where)
    for key in obj:
        if key not in ("latitude", "longitude"):
            raise invalid('Invalid JSON payload received. Unknown name "%s" at \'%s\': '
                          "Cannot find field." % (key, where))
    lat, lng = obj.get("latitude", 0), obj.get("longitude", 0)
    if not isinstance(lat, (int, float)) or not isinstance(lng, (int, float)) \
            or not -90 <= lat <= 90 or not -180 <= lng <= 180:
        raise invalid("Invalid value at '%s': latitude must be in [-90, 90] and longitude "
                      "in [-180, 180]." % where, where)
    return float(lat), float(lng)


def check_area(obj, where, shapes):
    """A locationBias / locationRestriction: exactly one of shapes
    ('circle', 'rectangle'). Returns (shape, value)."""
    for key in obj:
        if key not in shapes:
            raise invalid('Invalid JSON payload received. Unknown name "%s" at \'%s\': '
                          "Cannot find field." % (key, where))
    if len(obj) != 1:
        raise invalid("%s must set exactly one of: %s." % (where, ", ".join(shapes)), where)
    shape, value = next(iter(obj.items()))
    if not isinstance(value, dict):
        raise invalid("Invalid value at '%s.%s'" % (where, shape), where)
    if shape == "circle":
        for key in value:
            if key not in ("center", "radius"):
                raise invalid('Invalid JSON payload received. Unknown name "%s" at '
                              "'%s.circle': Cannot find field." % (key, where))
        check_latlng(value.get("center", {}), where + ".circle.center")
        radius = value.get("radius", 0)
        if not isinstance(radius, (int, float)) or not 0 <= radius <= 50000:
            raise invalid("Invalid %s.circle.radius: must be within [0.0, 50000.0]."
                          % where, where + ".circle.radius")
        return shape, value
    for key in value:
        if key not in ("low", "high"):
            raise invalid('Invalid JSON payload received. Unknown name "%s" at '
                          "'%s.rectangle': Cannot find field." % (key, where))
    low = check_latlng(value.get("low", {}), where + ".rectangle.low")
    high = check_latlng(value.get("high", {}), where + ".rectangle.high")
    if low[0] > high[0]:
        raise invalid("rectangle.low().latitude() cannot be greater than "
                      "rectangle.high().latitude().", where + ".rectangle")
    return shape, (low, high)


def search_request(raw):
    """The validated SearchTextRequest (camelCase keys) from the body bytes."""
    try:
        body = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except (UnicodeDecodeError, ValueError):
        raise invalid("Invalid JSON payload received. Unexpected token.")
    if not isinstance(body, dict):
        raise invalid("Invalid JSON payload received. Expected an object.")
    req = {}
    for key, value in body.items():
        name = snake_to_camel(key)
        if name not in SEARCH_REQUEST:
            raise invalid('Invalid JSON payload received. Unknown name "%s": Cannot find '
                          "field." % key)
        want = SEARCH_REQUEST[name]
        if want is int and isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            value = int(value)      # proto3 JSON takes int32 as a string too
        if value is None or not isinstance(value, want) or \
                (want in (int, (int, float)) and isinstance(value, bool)):
            field = re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)
            raise invalid("Invalid value at '%s' (%s), %s" % (
                field, PROTO_TYPES.get(want, "message"),
                json.dumps(value, ensure_ascii=False)), field)
        req[name] = value
    if not req.get("textQuery", "").strip():
        raise invalid("Empty text_query.", "text_query")
    if req.get("rankPreference", RANK_PREFERENCES[0]) not in RANK_PREFERENCES:
        raise invalid("Invalid value at 'rank_preference' (type.googleapis.com/google.maps."
                      "places.v1.SearchTextRequest.RankPreference), \"%s\""
                      % req["rankPreference"], "rank_preference")
    for name in ("pageSize", "maxResultCount"):
        if req.get(name, 0) < 0:
            raise invalid("%s must not be negative." % name, name)
    if not 0 <= req.get("minRating", 0) <= 5:
        raise invalid("min_rating must be between 0 and 5.", "min_rating")
    if "locationBias" in req and "locationRestriction" in req:
        raise invalid("Only one of location_bias and location_restriction may be set.")
    if "locationBias" in req:
        check_area(req["locationBias"], "location_bias", ("circle", "rectangle"))
    if "locationRestriction" in req:
        req["_restriction"] = check_area(req["locationRestriction"],
                                         "location_restriction", ("rectangle",))[1]
    return req


def search_fingerprint(req):
    """What a page token binds: every request field but the paging ones."""
    kept = {k: v for k, v in req.items() if k not in PAGING_FIELDS and k[0] != "_"}
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()[:16]


def token_make(req, offset):
    raw = ("p1:%s:%d" % (search_fingerprint(req), offset)).encode()
    return "AW" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def token_offset(req):
    token = req["pageToken"]
    try:
        raw = base64.urlsafe_b64decode(token[2:] + "=" * (-len(token[2:]) % 4)).decode()
        version, fingerprint, offset = raw.split(":")
        offset = int(offset)
    except (ValueError, UnicodeDecodeError):
        raise invalid("Invalid page_token: not a token this API gave.", "page_token")
    if not token.startswith("AW") or version != "p1" or offset <= 0:
        raise invalid("Invalid page_token: not a token this API gave.", "page_token")
    if fingerprint != search_fingerprint(req):
        raise invalid("The request parameters other than page_token, page_size and "
                      "max_result_count must match those of the call that returned the "
                      "page_token.", "page_token")
    return offset


def search_run(req):
    """The matching places (Place dicts localized) in result order."""
    tokens = query_tokens(req["textQuery"])
    found = [(p, en) for (p, en, words) in PLACES
             if tokens and all(word_matches(t, words) for t in tokens)]
    wanted = req.get("includedType")
    if wanted:
        of_type = [x for x in found if wanted in x[0]["types"]]
        others = [] if req.get("strictTypeFiltering") else \
            [x for x in found if wanted not in x[0]["types"]]
        found = of_type + others
    if "minRating" in req:
        floor = math.ceil(req["minRating"] * 2) / 2
        found = [x for x in found if x[0].get("rating", 0) >= floor]
    if "_restriction" in req:
        (lat0, lng0), (lat1, lng1) = req["_restriction"]
        found = [x for x in found if lat0 <= x[0]["location"]["latitude"] <= lat1
                 and lng0 <= x[0]["location"]["longitude"] <= lng1]
    language = req.get("languageCode", "fr")
    return [localize(p, en, language) for p, en in found]


class PlacesHandler(serve.Handler):
    api_key = None

    def version_string(self):
        return "ESF"

    def log_reply(self, status, size):
        path = re.sub(r"(?i)([?&]key=)[^&]*", r"\1REDACTED", self.path)
        self.log_line("places: %s %s -> %d (%d bytes)" % (self.command, path, status, size))

    def answer(self, status, obj):
        body = json.dumps(obj, ensure_ascii=False, indent=2).encode() + b"\n"
        self.reply(status, JSON_TYPE, body)

    def not_found_html(self):
        body = ("<!DOCTYPE html>\n<html lang=en><title>Error 404 (Not Found)!!1</title>"
                "<p><b>404.</b> <ins>That's an error.</ins><p>The requested URL <code>%s"
                "</code> was not found on this server. <ins>That's all we know.</ins>\n"
                % urllib.parse.urlsplit(self.path).path).encode()
        self.reply(404, "text/html; charset=UTF-8", body)

    def check_key(self, query):
        """Google's two answers: no key at all, or a key it does not know."""
        sent = self.headers.get("X-Goog-Api-Key")
        if sent is None and "key" in query:
            sent = query["key"][0]
        if sent is None or sent == "":
            raise GoogleError(403, "PERMISSION_DENIED",
                              "Method doesn't allow unregistered callers (callers without "
                              "established identity). Please use API Key or other form of "
                              "API consumer identity to call this API.", [{
                                  "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                  "reason": "CREDENTIALS_MISSING",
                                  "domain": "googleapis.com",
                                  "metadata": {"service": "places.googleapis.com",
                                               "method": self.rpc_method}}])
        if not hmac.compare_digest(sent.encode(), self.api_key.encode()):
            raise GoogleError(400, "INVALID_ARGUMENT",
                              "API key not valid. Please pass a valid API key.", [{
                                  "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                  "reason": "API_KEY_INVALID",
                                  "domain": "googleapis.com",
                                  "metadata": {"service": "places.googleapis.com"}}, {
                                  "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                                  "locale": "en-US",
                                  "message": "API key not valid. Please pass a valid API "
                                             "key."}])

    def field_mask(self, query):
        mask = self.headers.get("X-Goog-FieldMask")
        if mask is None and "fields" in query:
            mask = query["fields"][0]
        if mask is None or not mask.strip():
            raise GoogleError(400, "INVALID_ARGUMENT", "FieldMask is a required parameter. "
                              "See https://cloud.google.com/apis/docs/system-parameters"
                              "#definitions.")
        return mask

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if url.path == "/v1/places:searchText" and self.command == "POST":
            self.rpc_method = "google.maps.places.v1.Places.SearchText"
            route = self.search_text
        elif url.path.startswith("/v1/places/") and self.command in ("GET", "HEAD") \
                and "/" not in url.path[len("/v1/places/"):]:
            self.rpc_method = "google.maps.places.v1.Places.GetPlace"
            route = self.place_details
        else:
            body = self.read_body()
            if body is None:
                self.close_connection = True
            self.not_found_html()
            return
        try:
            raw = self.read_body() if self.command == "POST" else b""
            if raw is None:
                self.close_connection = True
                raise invalid("Request payload size exceeds the limit.")
            self.check_key(query)
            mask = self.field_mask(query)
            status, obj = route(url, query, mask, raw)
        except GoogleError as e:
            status, obj = e.status, {"error": e.body()}
        self.answer(status, obj)

    def search_text(self, url, query, mask, raw):
        tree = mask_parse(mask, SEARCH_FIELDS, "search")
        req = search_request(raw)
        offset = token_offset(req) if req.get("pageToken") else 0
        text = req["textQuery"].lower()
        if "quota-exceeded" in text:
            raise GoogleError(429, "RESOURCE_EXHAUSTED",
                              "Quota exceeded for quota metric 'SearchTextRequest' and limit "
                              "'SearchTextRequestPerMinutePerProject' of service "
                              "'places.googleapis.com' for consumer "
                              "'project_number:000000000000'.", [{
                                  "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                  "reason": "RATE_LIMIT_EXCEEDED",
                                  "domain": "googleapis.com",
                                  "metadata": {
                                      "service": "places.googleapis.com",
                                      "quota_metric": "places.googleapis.com/"
                                                      "search_text_requests",
                                      "quota_limit": "SearchTextRequestPerMinutePerProject",
                                      "quota_limit_value": "600",
                                      "quota_unit": "1/min/{project}",
                                      "consumer": "projects/000000000000"}}])
        if "server-error" in text:
            raise GoogleError(500, "INTERNAL", "Internal error encountered.")
        if "slow-query" in text:
            time.sleep(3)
        size = req.get("pageSize") or req.get("maxResultCount") or 20
        size = min(size, 20)
        found = search_run(req)
        out = {}
        if found[offset:offset + size]:
            out["places"] = found[offset:offset + size]
        if offset + size < len(found):
            out["nextPageToken"] = token_make(req, offset + size)
        return 200, mask_apply(out, tree)

    def place_details(self, url, query, mask, raw):
        for name in query:
            if name not in DETAILS_QUERY:
                raise invalid('Invalid JSON payload received. Unknown name "%s": Cannot bind '
                              "query parameter. Field '%s' could not be found in request "
                              "message." % (name, name))
        tree = mask_parse(mask, PLACE_FIELDS, "details")
        pid = urllib.parse.unquote(url.path[len("/v1/places/"):])
        if not PLACE_ID.match(pid):
            raise invalid("Not a valid Place ID: %s" % pid)
        if pid not in BY_ID:
            raise GoogleError(404, "NOT_FOUND", "Requested entity was not found.")
        place, label_en, _ = BY_ID[pid]
        language = query.get("languageCode", ["fr"])[0]
        return 200, mask_apply(localize(place, label_en, language), tree)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_PATCH = handle_any


def add_args(parser):
    parser.add_argument("--key", required=True,
                        help="the API key requests must send (X-Goog-Api-Key or ?key=)")


def configure(args):
    PlacesHandler.api_key = args.key


if __name__ == "__main__":
    serve.main(__doc__.splitlines()[0], PlacesHandler, add_args, configure)
