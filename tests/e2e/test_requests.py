"""End-to-end tests of the request pipeline every handler shares
(fcgi/app.c: route -> session -> Origin/CSRF -> content type -> body size
-> JSON fields -> handler), first through nginx as a browser would speak
to it, then below nginx, on the handler's FastCGI socket, with parameters
and bodies nginx would never send (tests/e2e/fcgi_client.py).

Nothing here fails a login: the pipeline refuses these requests before
any handler runs, so they cost nothing against the per-address budget the
other modules share."""

import json
import os
import re
import socket
import subprocess
import unittest
import urllib.parse

import fcgi_client as fc
import prospea_test as t

PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}
LOGIN = "/api/v1/auth/login"
NO_SUCH_SESSION = "/api/v1/auth/sessions/999999999999"
PORT = urllib.parse.urlsplit(t.URL or "http://127.0.0.1:0").port
ORIGIN = "http://127.0.0.1:%d" % PORT
HANDLER_HEADERS = {             # fcgi/resp.c writes these on every answer
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def raw_http(data, timeout=10):
    """Sends raw bytes on a new connection and reads until the server
    closes it: (status, headers as list of pairs, bytes after the head)."""
    u = urllib.parse.urlsplit(t.URL)
    s = socket.create_connection((u.hostname, u.port), timeout=timeout)
    try:
        s.sendall(data)
        buf = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    finally:
        s.close()
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = [tuple(x.strip() for x in l.split(":", 1)) for l in lines[1:]]
    return status, headers, rest


def hdr(headers, name):
    for k, v in headers:
        if k.lower() == name.lower():
            return v
    return None


class Checks:
    """Assertions shared by the test classes."""

    def assertProblem(self, r, status, code=None):
        """r is an RFC 9457 problem with this status (and code)."""
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.header("Content-Type"), "application/problem+json", r.headers)
        body = r.json
        self.assertLessEqual(PROBLEM_KEYS, set(body), body)
        self.assertLessEqual(set(body), PROBLEM_KEYS | {"errors"}, body)
        self.assertEqual(body["status"], status)
        self.assertIsInstance(body["title"], str)
        self.assertIsInstance(body["detail"], str)
        self.assertTrue(body["detail"])
        self.assertRegex(body["type"], r"^https://[^ ]+/%s$" % re.escape(body["code"]))
        if code is not None:
            self.assertEqual(body["code"], code, body)
        # Never a stack trace, SQL text or a file of ours.
        text = r.body.decode("utf-8")
        for leak in ("Traceback", "SELECT ", "INSERT ", "mysql", "MariaDB",
                     ".c:", "/work/", "Segmentation"):
            self.assertNotIn(leak, text)
        return body

    def assertFieldError(self, r, field, code):
        body = self.assertProblem(r, 400, "validation")
        errs = [(e["field"], e["code"]) for e in body["errors"]]
        self.assertIn((field, code), errs, body)
        for e in body["errors"]:
            self.assertEqual(set(e), {"field", "code", "message"}, e)
        return body

    def assertFromHandler(self, r):
        """The answer was written by a handler, not by nginx."""
        for k, v in HANDLER_HEADERS.items():
            self.assertEqual(r.header(k), v, (k, r.headers))
        self.assertRegex(r.header("X-Request-Id") or "", r"^[0-9a-f]{32}$")


# -- through nginx -----------------------------------------------------------

class Pipeline(Checks, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c, cls.addr = t.logged_in(prefix="pipe")

    def post(self, path, body, ctype="application/json", headers=None):
        h = {"Content-Type": ctype} if ctype else {}
        h.update(headers or {})
        return t.request("POST", path, body, h)

    # CSRF and Origin ---------------------------------------------------------

    def test_csrf_missing(self):
        r = self.c.call("DELETE", NO_SUCH_SESSION, csrf=False)
        self.assertProblem(r, 403, "csrf")

    def test_csrf_wrong(self):
        wrong = "A" * 43
        r = self.c.call("DELETE", NO_SUCH_SESSION, headers={"X-CSRF-Token": wrong})
        self.assertProblem(r, 403, "csrf")
        r = self.c.call("DELETE", NO_SUCH_SESSION, headers={"X-CSRF-Token": self.c.csrf[:-1]})
        self.assertProblem(r, 403, "csrf")
        r = self.c.call("DELETE", NO_SUCH_SESSION, headers={"X-CSRF-Token": ""})
        self.assertProblem(r, 403, "csrf")
        # The token of another session of the same user does not do either.
        other = t.Client()
        self.assertEqual(other.login(self.addr, "Des fraises en hiver 2026").status, 200)
        self.assertNotEqual(other.csrf, self.c.csrf)
        r = self.c.call("DELETE", NO_SUCH_SESSION, headers={"X-CSRF-Token": other.csrf})
        self.assertProblem(r, 403, "csrf")
        # The right one passes the check (and the handler answers 404).
        self.assertProblem(self.c.call("DELETE", NO_SUCH_SESSION), 404, "not_found")

    def test_foreign_origin(self):
        for origin in ("https://evil.example", "null", "http://127.0.0.1:1",
                       ORIGIN + "/", "http://127.0.0.1:%d.evil.example" % PORT):
            r = self.c.call("DELETE", NO_SUCH_SESSION, headers={"Origin": origin})
            self.assertProblem(r, 403, "origin")
        # Without a session too: no login from a foreign page.
        r = t.request("POST", LOGIN, {"email": "x@exemple.fr", "password": "x"},
                      {"Origin": "https://evil.example"})
        self.assertProblem(r, 403, "origin")

    def test_allowed_origin(self):
        other = t.Client()
        self.assertEqual(other.login(self.addr, "Des fraises en hiver 2026").status, 200)
        r = other.call("GET", "/api/v1/auth/sessions")
        mine = [s["id"] for s in r.json["items"] if s["current"]]
        self.assertEqual(len(mine), 1)
        r = self.c.call("DELETE", "/api/v1/auth/sessions/" + mine[0],
                        headers={"Origin": ORIGIN})
        self.assertEqual(r.status, 204, r)
        self.assertEqual(other.call("GET", "/api/v1/auth/session").status, 401)
        r = self.c.call("DELETE", NO_SUCH_SESSION,
                        headers={"Origin": "http://localhost:%d" % PORT})
        self.assertProblem(r, 404, "not_found")
        # GET is never refused for its Origin.
        r = self.c.call("GET", "/api/v1/auth/session", headers={"Origin": "https://evil.example"})
        self.assertEqual(r.status, 200, r)

    # Content type ------------------------------------------------------------

    def test_unsupported_media_type(self):
        body = json.dumps({"email": "x@exemple.fr", "password": "x"})
        for ctype in ("text/plain", "application/x-www-form-urlencoded",
                      "multipart/form-data; boundary=x", "application/jsonx",
                      "text/json", None):
            r = self.post(LOGIN, body, ctype)
            self.assertProblem(r, 415, "unsupported_media_type")
        r = self.post(LOGIN, "email=x%40exemple.fr&password=x",
                      "application/x-www-form-urlencoded")
        self.assertProblem(r, 415, "unsupported_media_type")

    def test_json_content_type_with_parameters(self):
        r = self.post(LOGIN, json.dumps({"nope": 1}), "application/json; charset=utf-8")
        self.assertFieldError(r, "nope", "unknown_field")
        r = self.post(LOGIN, json.dumps({"nope": 1}), "Application/JSON")
        self.assertFieldError(r, "nope", "unknown_field")

    # JSON fields -------------------------------------------------------------

    def test_unknown_field(self):
        r = self.post(LOGIN, json.dumps({"email": "x@exemple.fr", "password": "x",
                                         "role": "admin"}))
        body = self.assertFieldError(r, "role", "unknown_field")
        self.assertEqual(len(body["errors"]), 1, body)

    def test_missing_required_field(self):
        r = self.post(LOGIN, json.dumps({"email": "x@exemple.fr"}))
        body = self.assertFieldError(r, "password", "required")
        self.assertEqual(len(body["errors"]), 1, body)
        # Every problem at once.
        r = self.post(LOGIN, json.dumps({"extra": True}))
        body = self.assertFieldError(r, "email", "required")
        self.assertFieldError(r, "password", "required")
        self.assertFieldError(r, "extra", "unknown_field")
        self.assertEqual(len(body["errors"]), 3, body)

    def test_malformed_json(self):
        for raw in ('{"email": ', "{email: 1}", "{'email': 'x'}", '{"email": "x",}',
                    "nul", '{"a":1} {"b":2}', b'{"email": "\xff"}', "[]", '"x"', "42"):
            r = self.post(LOGIN, raw)
            self.assertProblem(r, 400, "malformed")

    def test_duplicate_keys(self):
        r = self.post(LOGIN, '{"email":"a@exemple.fr","email":"b@exemple.fr","password":"x"}')
        self.assertProblem(r, 400, "malformed")

    def test_nesting_depth(self):
        deep = '{"email":' + "[" * 32 + "]" * 32 + ',"password":"x"}'    # 33 levels
        body = self.assertProblem(self.post(LOGIN, deep), 400, "malformed")
        self.assertIn("32", body["detail"])
        ok = '{"email":' + "[" * 31 + "]" * 31 + ',"password":"x"}'      # 32 levels
        self.assertFieldError(self.post(LOGIN, ok), "email", "type")
        # Brackets inside strings are text, not nesting.
        s = '{"email":"' + "[" * 40 + '\\"' + "{" * 40 + '","password":"x"}'
        self.assertFieldError(self.post(LOGIN, s), "email", "email")

    def test_nul_in_string(self):
        r = self.post(LOGIN, '{"email":"a\\u0000@exemple.fr","password":"x"}')
        self.assertProblem(r, 400, "malformed")
        r = self.post(LOGIN, '{"email":"a@exemple.fr","password":"x\\u0000y"}')
        self.assertProblem(r, 400, "malformed")

    # Body size ---------------------------------------------------------------

    def sized(self, n):
        head, tail = '{"email":"x@exemple.fr","password":"', '"}'
        raw = head + "a" * (n - len(head) - len(tail)) + tail
        self.assertEqual(len(raw), n)
        return raw

    def test_body_over_the_handler_cap(self):
        r = self.post(LOGIN, self.sized(8192))
        self.assertFieldError(r, "password", "too_long")   # at the cap: read
        for n in (8193, 16384):
            r = self.post(LOGIN, self.sized(n))
            self.assertProblem(r, 413, "too_large")
            self.assertFromHandler(r)

    def test_body_over_the_nginx_cap(self):
        r = self.post(LOGIN, self.sized(16385))
        self.assertProblem(r, 413, "too_large")
        self.assertEqual(r.header("Cache-Control"), "no-store")
        r = self.post(LOGIN, self.sized(200000))
        self.assertProblem(r, 413, "too_large")

    def test_chunked_body(self):
        """A chunked body is read whole by nginx and reaches the handler
        with its CONTENT_LENGTH: parsed, and capped, like any other."""
        def chunked(body, ctype="application/json"):
            body = body.encode()
            req = (b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\n"
                   b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                   % (LOGIN.encode(), ctype.encode()))
            for i in range(0, len(body), 1000):
                part = body[i:i + 1000]
                req += b"%x\r\n%s\r\n" % (len(part), part)
            st, headers, rest = raw_http(req + b"0\r\n\r\n")
            return st, hdr(headers, "Content-Type")
        # The unknown field is reported: the handler saw the body.
        st, ctype = chunked('{"email":"x@exemple.fr","password":"x","nope":1}')
        self.assertEqual((st, ctype), (400, "application/problem+json"))
        st, _ = chunked(self.sized(9000))
        self.assertEqual(st, 413)
        st, _ = chunked(self.sized(17000))
        self.assertEqual(st, 413)
        st, _ = chunked("x", "text/plain")
        self.assertEqual(st, 415)

    def test_nginx_bad_request_is_problem_json(self):
        """Requests nginx refuses itself (a NUL in the path, an oversized
        Cookie header) get the API's error format too, not an HTML page."""
        for what, req, status in (
                ("NUL in the path", b"GET /api/v1/auth/session%00 HTTP/1.1\r\n"
                 b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n", 400),
                ("oversized Cookie", b"GET /api/v1/auth/session HTTP/1.1\r\n"
                 b"Host: 127.0.0.1\r\nCookie: a=" + b"x" * 20000 +
                 b"\r\nConnection: close\r\n\r\n", 400),
                ("TRACE", b"TRACE /api/v1/auth/session HTTP/1.1\r\n"
                 b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n", 405),
                ("unknown transfer coding", b"POST /api/v1/auth/login HTTP/1.1\r\n"
                 b"Host: 127.0.0.1\r\nTransfer-Encoding: gzip\r\n"
                 b"Connection: close\r\n\r\n", 501)):
            st, headers, rest = raw_http(req)
            self.assertEqual(st, status, what)
            self.assertEqual(hdr(headers, "Content-Type"), "application/problem+json",
                             (what, rest[:200]))
            for name in ("X-Content-Type-Options", "X-Request-Id", "Content-Security-Policy",
                         "Cache-Control"):
                self.assertTrue(hdr(headers, name), (what, name))

    # Routes and methods ------------------------------------------------------

    def test_parameter_given_twice(self):
        """Which of two values would count is a guess: 400, on every route,
        also when the two are the same or spelt with escapes."""
        for q in ("limit=1&limit=2", "limit=5&limit=5", "l%69mit=1&limit=1",
                  "due=today&x=1&due=today"):
            r = t.request("GET", "/api/v1/legal/privacy-policy?" + q)
            self.assertProblem(r, 400, "bad_request")
        self.assertEqual(t.request("GET", "/api/v1/legal/privacy-policy?a=1&b=1").status, 200)

    def test_unknown_route(self):
        for path in ("/api/v1/nope", "/api/v2/auth/login", "/api/v1/auth/nope",
                     "/api/v1/auth/login/extra", "/api/v1/auth/sessions/",
                     "/api/v1/legal/nope"):
            r = t.request("GET", path)
            self.assertProblem(r, 404, "not_found")
            self.assertEqual(r.header("Cache-Control"), "no-store", path)

    def test_wrong_method(self):
        for method, path, allow in (
                ("GET", LOGIN, "POST"),
                ("PUT", LOGIN, "POST"),
                ("OPTIONS", LOGIN, "POST"),
                ("DELETE", "/api/v1/auth/session", "GET, HEAD"),
                ("POST", "/api/v1/auth/sessions", "GET, HEAD"),
                ("GET", "/api/v1/auth/sessions/1", "DELETE"),
                ("POST", "/api/v1/legal/privacy-policy", "GET, HEAD")):
            r = t.request(method, path)
            self.assertProblem(r, 405, "method_not_allowed")
            self.assertEqual(r.header_all("Allow"), [allow], (method, path))

    def test_head(self):
        """HEAD answers as GET would, without the body (read to the end of
        the connection, so a body nginx or the handler sent would show)."""
        cookie = "%s=%s" % (t.COOKIE, self.c.token)
        for path, cookie, status in (("/api/v1/legal/privacy-policy", None, 200),
                                     ("/api/v1/auth/session", cookie, 200),
                                     ("/api/v1/auth/session", None, 401),
                                     ("/api/v1/auth/nope", None, 404)):
            g = t.request("GET", path, headers={"Cookie": cookie} if cookie else None)
            self.assertEqual(g.status, status, (path, g))
            self.assertTrue(g.body)
            extra = "Cookie: %s\r\n" % cookie if cookie else ""
            req = ("HEAD %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sConnection: close\r\n\r\n"
                   % (path, extra)).encode()
            st, headers, rest = raw_http(req)
            self.assertEqual(st, status, path)
            self.assertEqual(rest, b"", "HEAD %s sent a body" % path)
            self.assertEqual(hdr(headers, "Content-Type"), g.header("Content-Type"), path)

    # Headers on every answer ---------------------------------------------------

    def answers(self):
        """(what, response, authenticated) for a spread of answers."""
        c = self.c
        return [
            ("session", c.call("GET", "/api/v1/auth/session"), True),
            ("sessions", c.call("GET", "/api/v1/auth/sessions"), True),
            ("404 of a session", c.call("DELETE", NO_SUCH_SESSION), True),
            ("policy", t.request("GET", "/api/v1/legal/privacy-policy"), False),
            ("401", t.request("GET", "/api/v1/auth/session"), False),
            ("400", self.post(LOGIN, "{"), False),
            ("405", t.request("GET", LOGIN), False),
            ("415", self.post(LOGIN, "x", "text/plain"), False),
            ("413 handler", self.post(LOGIN, self.sized(9000)), False),
            ("404 handler", t.request("GET", "/api/v1/auth/nope"), False),
        ]

    def test_security_headers_from_handlers(self):
        for what, r, authed in self.answers():
            self.assertFromHandler(r)
            if authed or r.status >= 400:
                self.assertEqual(r.header("Cache-Control"), "no-store", what)
            if r.status >= 400:
                self.assertProblem(r, r.status)
            else:
                self.assertEqual(r.header("Content-Type"), "application/json; charset=utf-8")

    def test_security_headers_from_nginx(self):
        """nginx's own answers (route-less 404, 413 past 16k) carry the same
        protective headers as the handlers' and a request id to quote."""
        for what, r in (("404 nginx", t.request("GET", "/api/v1/nope")),
                        ("413 nginx", self.post(LOGIN, self.sized(17000)))):
            self.assertProblem(r, r.status)
            self.assertEqual(r.header("Cache-Control"), "no-store", what)
            self.assertEqual(r.header("X-Content-Type-Options"), "nosniff", (what, r.headers))
            self.assertRegex(r.header("X-Request-Id") or "", r"^[0-9a-f]{32}$",
                             (what, r.headers))

    def test_request_ids_differ(self):
        ids = {t.request("GET", "/api/v1/auth/session").header("X-Request-Id")
               for _ in range(3)}
        self.assertEqual(len(ids), 3)

    # Cookies -----------------------------------------------------------------

    def test_two_cookie_headers(self):
        good = "%s=%s" % (t.COOKIE, self.c.token)
        for pair in ((good, "theme=dark"), ("theme=dark", good), (good, good)):
            r = t.request("GET", "/api/v1/auth/session",
                          raw_headers=[("Cookie", pair[0]), ("Cookie", pair[1])])
            self.assertProblem(r, 401, "unauthenticated")

    def test_session_cookie_twice(self):
        good = "%s=%s" % (t.COOKIE, self.c.token)
        for value in ("%s; %s=garbage" % (good, t.COOKIE),
                      "%s=garbage; %s" % (t.COOKIE, good),
                      "%s; %s" % (good, good)):
            r = t.request("GET", "/api/v1/auth/session", headers={"Cookie": value})
            self.assertProblem(r, 401, "unauthenticated")

    def test_session_cookie_among_others(self):
        for value in ("theme=dark; %s=%s; lang=fr" % (t.COOKIE, self.c.token),
                      "a=1;%s=%s" % (t.COOKIE, self.c.token),
                      "broken; %s=%s; x=\"q\"" % (t.COOKIE, self.c.token),
                      "__Host-prospea_sessionx=1; %s=%s" % (t.COOKIE, self.c.token)):
            r = t.request("GET", "/api/v1/auth/session", headers={"Cookie": value})
            self.assertEqual(r.status, 200, (value, r))
            self.assertEqual(r.json["user"]["email"], self.addr)
            self.assertEqual(r.header_all("Set-Cookie"), [])

    def test_garbage_cookie(self):
        for value in ("garbage", "", "A" * 43, self.c.token[:-1] + "!",
                      'x"y', self.c.token + "A"):
            r = t.request("GET", "/api/v1/auth/session",
                          headers={"Cookie": "%s=%s" % (t.COOKIE, value)})
            self.assertProblem(r, 401, "unauthenticated")
            sc = r.header_all("Set-Cookie")
            self.assertEqual(len(sc), 1, (value, r.headers))
            self.assertRegex(sc[0], r"^%s=;" % re.escape(t.COOKIE))
            self.assertIn("Max-Age=0", sc[0])
            self.assertIn("Path=/", sc[0])
            self.assertIn("Secure", sc[0])
            self.assertIn("HttpOnly", sc[0])
        # No session cookie at all: nothing to clear.
        r = t.request("GET", "/api/v1/auth/session", headers={"Cookie": "theme=dark"})
        self.assertProblem(r, 401, "unauthenticated")
        self.assertEqual(r.header_all("Set-Cookie"), [])
        # And the real session still works.
        self.assertEqual(self.c.call("GET", "/api/v1/auth/session").status, 200)


# -- below nginx, on the FastCGI socket -----------------------------------------

def children(group):
    """The pids of the handler's prefork children (multiwatch's children)."""
    with open(os.path.join(t.VAR, "run", "%s.pid" % group)) as fh:
        parent = fh.read().strip()
    out = subprocess.run(["pgrep", "-P", parent], capture_output=True, text=True)
    return sorted(out.stdout.split())


class BelowNginx(Checks, unittest.TestCase):
    """Hostile parameters and bodies in well-formed FastCGI records."""

    @classmethod
    def setUpClass(cls):
        cls.sock = fc.socket_path(t.VAR, "auth")
        if not os.access(cls.sock, os.R_OK | os.W_OK):
            raise unittest.SkipTest("cannot reach %s (run as root)" % cls.sock)
        cls.c, cls.addr = t.logged_in(prefix="fcgi")
        cls.pids = children("auth")

    def send(self, params, stdin=b"", sock=None):
        return fc.request(sock or self.sock, params, stdin)

    def session_params(self, cookie=None):
        p = fc.base_params("GET", "/api/v1/auth/session")
        p.append(("HTTP_COOKIE", cookie or "%s=%s" % (t.COOKIE, self.c.token)))
        return p

    def assertServing(self):
        """The children that served the hostile requests are the ones that
        were there before, and they still answer a normal request."""
        for _ in range(4):
            r = self.send(self.session_params())
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["user"]["email"], self.addr)
        self.assertEqual(children("auth"), self.pids, "a child died and was replaced")

    def with_length(self, params, value):
        return [kv for kv in params if kv[0] != "CONTENT_LENGTH"] + [("CONTENT_LENGTH", value)]

    def test_normal_request(self):
        r = self.send(self.session_params())
        self.assertEqual(r.status, 200, r)
        self.assertFromHandler(r)
        self.assertEqual(r.app_status, 0)
        body = b'{"email":"nobody@exemple.fr"}'
        r = self.send(fc.base_params("POST", "/api/v1/auth/password/forgot", body=body), body)
        self.assertEqual(r.status, 202, r)

    def test_content_length_longer_than_body(self):
        body = b'{"email":"nobody@exemple.fr"}'
        for declared in (len(body) + 1, 100, 8192):
            p = self.with_length(fc.base_params("POST", "/api/v1/auth/password/forgot",
                                                body=body), str(declared))
            r = self.send(p, body)
            self.assertProblem(r, 400, "incomplete_body")
        self.assertServing()

    def test_content_length_not_a_number(self):
        body = b'{"email":"nobody@exemple.fr"}'
        for value in ("12abc", "-1", "+30", " 30", "30 ", "0x1e", "1e3",
                      "99999999999999999999999999", "18446744073709551616"):
            p = self.with_length(fc.base_params("POST", "/api/v1/auth/password/forgot",
                                                body=body), value)
            r = self.send(p, body)
            self.assertProblem(r, 400, "bad_request")
        self.assertServing()

    def test_content_length_shorter_than_body(self):
        # Only the declared bytes are read: the rest is not JSON-parsed.
        body = b'{"email":"nobody@exemple.fr"}' + b"garbage"
        p = self.with_length(fc.base_params("POST", "/api/v1/auth/password/forgot",
                                            body=body), str(len(body) - 7))
        r = self.send(p, body)
        self.assertEqual(r.status, 202, r)
        self.assertServing()

    def test_two_cookie_params(self):
        good = "%s=%s" % (t.COOKIE, self.c.token)
        for pair in ((good, "theme=dark"), ("theme=dark", good), (good, good)):
            p = fc.base_params("GET", "/api/v1/auth/session")
            p += [("HTTP_COOKIE", pair[0]), ("HTTP_COOKIE", pair[1])]
            self.assertProblem(self.send(p), 401, "unauthenticated")
        self.assertServing()

    def test_missing_or_bad_document_uri(self):
        base = fc.base_params("GET", "/api/v1/auth/session")
        p = [kv for kv in base if kv[0] != "DOCUMENT_URI"]
        self.assertProblem(self.send(p), 400, "bad_request")
        for uri in ("", "api/v1/auth/session", "/api/v1/auth/session\n",
                    "/api/v1/auth/\x7fsession", b"/api/v1/\xff\xfe"):
            p = [kv for kv in base if kv[0] != "DOCUMENT_URI"] + [("DOCUMENT_URI", uri)]
            self.assertProblem(self.send(p), 400, "bad_request")
        self.assertServing()

    def test_bad_query_string(self):
        for q in ("a=%zz", "a=%", "a=%4", "%zz=1", "a=%00", "a=%0a", "a=%C3",
                  "a=%ED%A0%80", "a=%C0%AF"):
            p = self.session_params()
            p = [kv for kv in p if kv[0] != "QUERY_STRING"] + [("QUERY_STRING", q)]
            self.assertProblem(self.send(p), 400, "bad_request")
        self.assertServing()

    def test_missing_method_and_odd_params(self):
        base = fc.base_params("GET", "/api/v1/auth/session")
        p = [kv for kv in base if kv[0] != "REQUEST_METHOD"]
        self.assertProblem(self.send(p), 405, "method_not_allowed")
        p = [kv for kv in base if kv[0] != "REQUEST_METHOD"] + [("REQUEST_METHOD", "get")]
        self.assertProblem(self.send(p), 405, "method_not_allowed")
        # Huge and binary header values are no reason to fall over.
        p = self.session_params("x=" + "y" * 60000)
        self.assertProblem(self.send(p), 401, "unauthenticated")
        p = self.session_params() + [("HTTP_USER_AGENT", b"\xff\x00\x01" * 20000),
                                     ("REQUEST_ID", "not-an-id\r\nX-Evil: 1")]
        r = self.send(p)
        self.assertEqual(r.status, 200, r)
        self.assertRegex(r.header("X-Request-Id"), r"^[0-9a-f]{32}$")
        self.assertIsNone(r.header("X-Evil"))
        self.assertServing()

    def test_gdpr_handler_too(self):
        sock = fc.socket_path(t.VAR, "gdpr")
        pids = children("gdpr")
        base = fc.base_params("GET", "/api/v1/legal/privacy-policy")
        p = [kv for kv in base if kv[0] != "DOCUMENT_URI"]
        self.assertProblem(self.send(p, sock=sock), 400, "bad_request")
        p = [kv for kv in base if kv[0] != "QUERY_STRING"] + [("QUERY_STRING", "%zz")]
        self.assertProblem(self.send(p, sock=sock), 400, "bad_request")
        body = b"{}"
        p = self.with_length(fc.base_params("POST", "/api/v1/legal/privacy-policy",
                                            body=body), "12abc")
        self.assertProblem(self.send(p, body, sock=sock), 400, "bad_request")
        r = self.send(base, sock=sock)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(children("gdpr"), pids)


if __name__ == "__main__":
    t.main()
