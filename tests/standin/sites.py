#!/usr/bin/python3
"""Small business websites for the e-mail discovery tests: one HTTP server on
127.0.0.1 that serves several fictional sites, chosen by the Host header
(the crawler under test keeps the real host name and connects here through
libcurl's CURLOPT_CONNECT_TO, e.g. "::127.0.0.1:PORT" for every host).

Run:  tests/standin/sites.py --port 8092 [--pidfile F]
      curl -s --connect-to ::127.0.0.1:8092 http://epi-dor.example/
Plain HTTP only. Each request is logged on stderr when it arrives, as one
line "<host> <method> <path> ua=<User-Agent>" (host in lower case without
its port, path as sent with its query, the User-Agent to the end of the
line, empty when none was sent); lines starting with '#' are not requests.
Tests read this log to prove what was fetched and what was not. Ends on
SIGTERM.

Unless a site says otherwise, /robots.txt answers 404 (RFC 9309 2.3.1.3:
everything allowed) and an unknown path 404. An unknown host answers 404.

The sites, and what a correct crawler finds on each (the tests assert
these; "not found" means the address must not be in the result):

epi-dor.example - Boulangerie L'Épi d'Or. robots.txt allows everything.
  /                   footer <a href="mailto:contact@epi-dor.example?subject=
                      Commande"> (the ?subject= is not part of the address);
                      links to /contact, /mentions-legales, and off-site to
                      http://agence-web.example/ (never requested: the log
                      has no line for host agence-web.example).
  /contact            "commandes [at] epi-dor [dot] example", and
                      contact@epi-dor.example again in the text.
  /mentions-legales   the publisher, a named person:
                      jeanne.martin@epi-dor.example; and the accountant's
                      comptable@cabinet-compta.example, on another business's
                      domain.
  Finds: contact@epi-dor.example, commandes@epi-dor.example,
  jeanne.martin@epi-dor.example (a named person's address: a crawler that
  classifies says personal, not generic). Not found (not the business's):
  comptable@cabinet-compta.example.

plomberie-dupont.example - Dupont & Fils. robots.txt: "User-agent: *",
  "Disallow: /contact".
  /                   devis@plomberie-dupont.example protected by Cloudflare
                      (data-cfemail="<hex key><hex bytes XOR key>", shown as
                      "[email protected]"); links to /contact and /devis.
  /devis              no address.
  /contact            robots-interdit@plomberie-dupont.example.
  Finds: devis@plomberie-dupont.example. Not found:
  robots-interdit@plomberie-dupont.example; the log shows
  "plomberie-dupont.example GET /robots.txt" and no request for /contact.

redirect.example - a site that moved.
  /                   301 to http://epi-dor.example/
  /loop               302 to /loop-b, which answers 302 to /loop, forever.
  From /: finds what epi-dor.example gives (the three addresses above),
  after fetching epi-dor.example's own robots.txt. From /loop: finds
  nothing, stops after its redirect limit (the log shows a bounded number of
  /loop and /loop-b requests), and does not hang.

big.example - a 10 MiB page (10485760 bytes of HTML).
  /                   with Content-Length; accueil@big.example in a mailto in
                      its first kilobyte, fin-de-page@big.example in its last.
  /chunked            the same bytes, chunked, with no Content-Length.
  Finds: accueil@big.example. Not found: fin-de-page@big.example (a crawler
  reads at most a few MiB of a page).

slow.example - a server that takes its time.
  /                   answers after 10 s; its page holds lent@slow.example.
  /drip               headers at once, then its 30-byte body one byte a
                      second.
  Finds nothing (a crawler's timeout is well under 10 s), and does not wait
  the whole time.

nomail.example - no address at all. / shows image names that look like
  addresses (logo@2x.png, vitrine@2x.jpg and vitrine@3x.webp in srcset,
  favicon@2x.ico), an address only in a <script> (js-only@nomail.example,
  and one assembled by script) and one only in an HTML comment
  (commentaire@nomail.example).
  Finds nothing.

private.example - links that lead to private addresses.
  /                   mailto:contact@private.example; links to /a-propos,
                      to http://127.0.0.1:PORT/contact (PORT: this server's
                      port), http://10.0.0.1/contact, http://localhost:PORT/
                      equipe, http://[::1]:PORT/, http://169.254.169.254/
                      latest/meta-data/, and to /vers-interne, which answers
                      302 to http://127.0.0.1:PORT/interne.
  /a-propos           equipe@private.example.
  Finds: contact@private.example, equipe@private.example. Not found:
  piege@private.example, which every page of the hosts 127.0.0.1,
  localhost, 10.0.0.1, ::1 and 169.254.169.254 holds here; the log has no
  line for those hosts. (Run the crawler with a CONNECT_TO that sends every
  host here, so that even a faulty crawler sends nothing past loopback.)

text.example - / is served as Content-Type: application/pdf (a tiny PDF
  whose text holds pdf-only@text.example).
  Finds nothing: a crawler reads only text/html.

robots-down.example - /robots.txt answers 503; / holds
  interdit@robots-down.example.
  Finds nothing: RFC 9309 2.3.1.4, an unreachable robots.txt (5xx) means
  everything is disallowed; the log shows only the robots.txt request.
"""

import sys
import threading
import time

import serve

BIG_SIZE = 10 * 1024 * 1024
CHUNK = 64 * 1024
TRAP_HOSTS = ("127.0.0.1", "localhost", "10.0.0.1", "::1", "169.254.169.254")
HTML_TYPE = "text/html; charset=utf-8"


def page(title, body):
    """A whole HTML page (bytes) around body (HTML text)."""
    return ("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<title>%s</title>\n</head>\n<body>\n%s\n</body>\n</html>\n"
            % (title, body)).encode()


def cf_email(address, key=0x5a):
    """Cloudflare's e-mail obfuscation: the key byte, then each byte of the
    address XOR the key, all in hex."""
    return "%02x" % key + "".join("%02x" % (b ^ key) for b in address.encode())


EPI_NAV = ('<header><nav><a href="/">Accueil</a> | <a href="/contact">Contact</a> | '
           '<a href="/mentions-legales">Mentions légales</a></nav></header>')
DUPONT_CF = cf_email("devis@plomberie-dupont.example")

SITES = {
    "epi-dor.example": {
        "/robots.txt": ("text/plain", b"User-agent: *\nDisallow:\n"),
        "/": page("Boulangerie L'Épi d'Or - Lyon 2e", EPI_NAV + """
<main>
<h1>Boulangerie L'Épi d'Or</h1>
<p>Pain au levain, viennoiseries maison et pâtisseries depuis 1998.</p>
<p>12 Rue Fictive, 69002 Lyon - <a href="tel:+33465711234">04 65 71 12 34</a></p>
<p>Du mardi au samedi, 7 h - 13 h et 15 h - 19 h 30.</p>
</main>
<footer>
<p><a href="mailto:contact@epi-dor.example?subject=Commande">Écrivez-nous</a></p>
<p>Site réalisé par <a href="http://agence-web.example/">Agence Web Fictive</a></p>
</footer>"""),
        "/contact": page("Contact - L'Épi d'Or", EPI_NAV + """
<main>
<h1>Nous contacter</h1>
<p>Pour vos commandes de gâteaux : commandes [at] epi-dor [dot] example</p>
<p>Pour toute autre question : contact@epi-dor.example ou au 04 65 71 12 34.</p>
</main>"""),
        "/mentions-legales": page("Mentions légales - L'Épi d'Or", EPI_NAV + """
<main>
<h1>Mentions légales</h1>
<p>Éditeur : Boulangerie L'Épi d'Or SARL, 12 Rue Fictive, 69002 Lyon.</p>
<p>Directrice de la publication : Jeanne Martin, jeanne.martin@epi-dor.example</p>
<p>Comptabilité : Cabinet Compta Fictif, comptable@cabinet-compta.example</p>
<p>Hébergement : Hébergeur Fictif, https://hebergeur.example/</p>
</main>"""),
    },
    "plomberie-dupont.example": {
        "/robots.txt": ("text/plain", b"User-agent: *\nDisallow: /contact\n"),
        "/": page("Dupont & Fils - Plomberie, chauffage à Bourg-en-Bresse", """
<header><nav><a href="/">Accueil</a> | <a href="/devis">Devis</a> |
<a href="/contact">Contact</a></nav></header>
<main>
<h1>Dupont &amp; Fils, plomberie - chauffage</h1>
<p>Dépannage 7j/7. Devis gratuit : <a href="/cdn-cgi/l/email-protection#%s"><span
class="__cf_email__" data-cfemail="%s">[email&#160;protected]</span></a></p>
</main>
<script data-cfasync="false"
src="/cdn-cgi/scripts/5c5dd728/cloudflare-static/email-decode.min.js"></script>"""
                  % (DUPONT_CF, DUPONT_CF)),
        "/devis": page("Devis - Dupont & Fils", """
<h1>Demande de devis</h1>
<p>Appelez le 04 65 71 12 35 ou passez à l'atelier, 3 place de l'Église.</p>"""),
        "/contact": page("Contact - Dupont & Fils", """
<h1>Contact</h1>
<p>Écrivez à robots-interdit@plomberie-dupont.example</p>"""),
    },
    "redirect.example": {
        "/": (301, "http://epi-dor.example/"),
        "/loop": (302, "/loop-b"),
        "/loop-b": (302, "/loop"),
    },
    "big.example": {
        "/": "big",
        "/chunked": "big-chunked",
    },
    "slow.example": {
        "/": "slow",
        "/drip": "drip",
    },
    "nomail.example": {
        "/": page("L'Atelier des Ciseaux", """
<header><img src="/img/logo@2x.png" alt="L'Atelier des Ciseaux">
<link rel="icon" href="/favicon@2x.ico"></header>
<main>
<h1>L'Atelier des Ciseaux</h1>
<img src="/img/vitrine.jpg" srcset="/img/vitrine@2x.jpg 2x, /img/vitrine@3x.webp 3x"
alt="La vitrine">
<p>Prenez rendez-vous au 04 65 71 20 08.</p>
<!-- ancienne adresse : commentaire@nomail.example -->
</main>
<script>
var boite = "js-only@nomail.example";
var autre = ["rendez-vous", "nomail.example"].join("@");
</script>"""),
    },
    "private.example": {
        "/": "private-home",
        "/a-propos": page("À propos - Coiff'Tendance", """
<h1>L'équipe</h1>
<p>Pour nous rejoindre : equipe@private.example</p>"""),
        "/vers-interne": "private-redirect",
    },
    "text.example": {
        "/": ("application/pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"
                                 b"BT (Contact : pdf-only@text.example) Tj ET\n%%EOF\n"),
    },
    "robots-down.example": {
        "/robots.txt": (503, None),
        "/": page("Dépannage Ain Plomberie",
                  '<p><a href="mailto:interdit@robots-down.example">Écrivez-nous</a></p>'),
    },
}

TRAP_PAGE = page("Interne", "<p>piege@private.example</p>")

_big = None
_big_lock = threading.Lock()


def big_page():
    """The 10 MiB page of big.example, made once."""
    global _big
    with _big_lock:
        if _big is None:
            head = page("Brasserie du Confluent",
                        '<p><a href="mailto:accueil@big.example">Réservations</a></p>\n'
                        "%%FILL%%")
            tail = b"<p>fin-de-page@big.example</p>\n"
            before, after = head.split(b"%%FILL%%")
            line = "<p>Menu du jour : quenelles, gratin, tarte aux pralines.</p>\n".encode()
            room = BIG_SIZE - len(before) - len(tail) - len(after)
            fill = line * (room // len(line)) + b" " * (room % len(line))
            _big = before + fill + tail + after
        return _big


def host_of(header):
    """'Epi-Dor.example:8092' -> 'epi-dor.example'; '[::1]:80' -> '::1'."""
    host = (header or "").strip().lower()
    if host.startswith("["):
        return host[1:].split("]")[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class SitesHandler(serve.Handler):

    def version_string(self):
        return "nginx"

    def handle_any(self):
        host = host_of(self.headers.get("Host"))
        self.log_line("%s %s %s ua=%s" % (host or "-", self.command, self.path,
                                         self.headers.get("User-Agent", "")))
        if self.command not in ("GET", "HEAD"):
            self.close_connection = True
            self.reply(405, "text/plain", b"method not allowed\n", [("Allow", "GET, HEAD")])
            return
        path = self.path.split("?")[0].split("#")[0]
        if host in TRAP_HOSTS:
            self.reply(200, HTML_TYPE, TRAP_PAGE)
            return
        site = SITES.get(host)
        if site is None:
            self.reply(404, "text/plain", b"no such site\n")
            return
        entry = site.get(path)
        if entry is None:
            self.reply(404, HTML_TYPE, page("Page introuvable", "<h1>404</h1>"))
        elif isinstance(entry, bytes):
            self.reply(200, HTML_TYPE, entry)
        elif isinstance(entry, str):
            getattr(self, "special_" + entry.replace("-", "_"))()
        elif isinstance(entry[0], int) and entry[1] is None:
            self.reply(entry[0], "text/plain", b"service unavailable\n")
        elif isinstance(entry[0], int):
            self.reply(entry[0], HTML_TYPE, page("Redirection", "<p>Déplacé.</p>"),
                       [("Location", entry[1])])
        else:
            self.reply(200, entry[0], entry[1])

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = handle_any

    def special_big(self):
        self.reply(200, HTML_TYPE, big_page())

    def special_big_chunked(self):
        body = big_page()
        self.send_response(200)
        self.send_header("Content-Type", HTML_TYPE)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if self.command == "HEAD":
            return
        for i in range(0, len(body), CHUNK):
            part = body[i:i + CHUNK]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        self.wfile.write(b"0\r\n\r\n")

    def special_slow(self):
        time.sleep(10)
        self.reply(200, HTML_TYPE,
                   page("Watt & Fils", '<p><a href="mailto:lent@slow.example">Écrire</a></p>'))

    def special_drip(self):
        body = b"<p>drip@slow.example</p>\n    "
        self.send_response(200)
        self.send_header("Content-Type", HTML_TYPE)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        for i in range(len(body)):
            self.wfile.write(body[i:i + 1])
            self.wfile.flush()
            time.sleep(1)

    def special_private_home(self):
        port = self.server.server_port
        self.reply(200, HTML_TYPE, page("Coiff'Tendance", """
<h1>Coiff'Tendance</h1>
<p><a href="mailto:contact@private.example">Nous écrire</a> - <a href="/a-propos">À propos</a></p>
<ul>
<li><a href="http://127.0.0.1:%d/contact">Contact</a></li>
<li><a href="http://10.0.0.1/contact">Intranet</a></li>
<li><a href="http://localhost:%d/equipe">Équipe</a></li>
<li><a href="http://[::1]:%d/">Serveur</a></li>
<li><a href="http://169.254.169.254/latest/meta-data/">Métadonnées</a></li>
<li><a href="/vers-interne">Espace interne</a></li>
</ul>""" % (port, port, port)))

    def special_private_redirect(self):
        self.reply(302, HTML_TYPE, page("Redirection", "<p>Déplacé.</p>"),
                   [("Location", "http://127.0.0.1:%d/interne" % self.server.server_port)])


if __name__ == "__main__":
    serve.main(__doc__.splitlines()[0], SitesHandler)
