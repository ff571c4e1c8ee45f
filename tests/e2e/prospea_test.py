"""Shared helpers of the end-to-end tests: they speak HTTP to the real stack
that `./dev test` starts (nginx -> FastCGI handlers -> MariaDB), read the
mail the real SMTP servers stored (the platform's, and the user's own in
var/mail/outbox/), drop replies into the user's IMAP mailbox, read the SMS
the providers' stand-in recorded, and look into the database as its
administrator where a test must see or change what the API does not show.

Environment (set by ./dev test): PROSPEA_TEST_URL, PROSPEA_TEST_VAR,
PROSPEA_TEST_ROOT, PROSPEA_TEST_CONF. Without PROSPEA_TEST_URL every test
module exits 77, which automake reports as SKIP.
"""

import email
import email.policy
import glob
import http.client
import json
import os
import re
import subprocess
import sys
import time
import unittest
import urllib.parse
import uuid

URL = os.environ.get("PROSPEA_TEST_URL")
VAR = os.environ.get("PROSPEA_TEST_VAR", "")
ROOT = os.environ.get("PROSPEA_TEST_ROOT", "")
CONF = os.environ.get("PROSPEA_TEST_CONF", "")
COOKIE = "__Host-prospea_session"
POLICY = "2026-01"
# Each test process speaks from an address of its own in 127.0.0.0/8, so
# that the per-address throttles (failed sign-ins, sign-ups) count one
# module's requests, not those of every module running beside it. Tests
# of those throttles pick further addresses of their own.
SOURCE = "127.%d.%d.%d" % (100 + os.getpid() % 100, 1 + (os.getpid() >> 7) % 250,
                           1 + os.getpid() % 250)


def main():
    """unittest.main(), or exit 77 (skip) when there is no test stack: all of
    PROSPEA_TEST_URL, _VAR, _ROOT and _CONF are needed (./dev test sets them);
    half a description of a stack would point the tests at the wrong one."""
    missing = [n for n in ("URL", "VAR", "ROOT", "CONF")
               if not os.environ.get("PROSPEA_TEST_" + n)]
    if missing:
        print("PROSPEA_TEST_%s not set: run through ./dev test" % ", _".join(missing),
              file=sys.stderr)
        sys.exit(77)
    unittest.main(verbosity=2)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # list of (name, value), as received
        self.body = body                # bytes

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "<%d %s>" % (self.status, self.body[:300])


def request(method, path, body=None, headers=None, raw_headers=None, source=None,
            busy_retry=True):
    """One HTTP/1.1 request. body: dict (sent as JSON), bytes or str (sent
    as is). raw_headers: list of (name, value), sent in order, duplicates
    allowed. source: the local address to connect from (another 127.x
    address is another client for the per-IP throttles). A 503 "busy"
    (every password-hashing slot taken) is retried like the JS app does,
    unless busy_retry is False."""
    for _ in range(50):
        r = request_once(method, path, body, headers, raw_headers, source)
        if not (busy_retry and r.status == 503 and b'"code":"busy"' in r.body):
            return r
        time.sleep(0.05)
    return r


def request_once(method, path, body=None, headers=None, raw_headers=None, source=None):
    """One HTTP/1.1 request on a new connection, no retry."""
    u = urllib.parse.urlsplit(URL)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30,
                                      source_address=(source or SOURCE, 0))
    hdrs = {}
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    elif isinstance(body, str):
        body = body.encode()
    hdrs.update(headers or {})
    conn.putrequest(method, path, skip_accept_encoding=True)
    for k, v in hdrs.items():
        conn.putheader(k, v)
    for k, v in raw_headers or []:
        conn.putheader(k, v)
    if body is not None and "Content-Length" not in hdrs:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    r = conn.getresponse()
    resp = Response(r.status, r.getheaders(), r.read())
    conn.close()
    return resp


def upload(c, data, query="", ctype="text/csv"):
    """POSTs a file to /api/v1/imports as the request body (data: bytes),
    with the options in query ("?filename=a.csv&dry_run=true")."""
    return c.call("POST", "/api/v1/imports" + query, data,
                  headers={"Content-Type": ctype})


def unique_email(prefix="user"):
    return "%s-%s@exemple.fr" % (prefix, uuid.uuid4().hex[:12])


_sources = set()


def fresh_source():
    """Another client address for a test that must not share the per-address
    throttles with the rest of its module (nor disturb it)."""
    import random
    while True:
        a = "127.%d.%d.%d" % (random.randint(4, 99), random.randint(1, 254),
                              random.randint(1, 254))
        if a not in _sources:
            _sources.add(a)
            return a


class Client:
    """A browser-like client: keeps the session cookie and CSRF token."""

    def __init__(self, source=None):
        self.token = None
        self.csrf = None
        self.cookies = []               # every Set-Cookie seen
        self.source = source

    def call(self, method, path, body=None, headers=None, csrf=True, busy_retry=True):
        h = dict(headers or {})
        if self.token:
            h.setdefault("Cookie", "%s=%s" % (COOKIE, self.token))
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            h.setdefault("X-CSRF-Token", self.csrf)
        r = request(method, path, body, h, busy_retry=busy_retry, source=self.source)
        for c in r.header_all("Set-Cookie"):
            self.cookies.append(c)
            m = re.match(r"%s=([^;]*);" % re.escape(COOKIE), c)
            if m:
                self.token = m.group(1) or None
        if r.status == 200 and r.body.startswith(b"{"):
            j = r.json
            if isinstance(j, dict) and "csrf_token" in j:
                self.csrf = j["csrf_token"]
        return r

    def login(self, email_addr, password, totp=None):
        body = {"email": email_addr, "password": password}
        if totp:
            body["totp"] = totp
        return self.call("POST", "/api/v1/auth/login", body, csrf=False)


def signup(email_addr, password="Des fraises en hiver 2026", first="Zoé",
           last="Martin", policy=POLICY):
    return request("POST", "/api/v1/auth/signup", {
        "first_name": first, "last_name": last, "email": email_addr,
        "password": password, "accept_policy_version": policy,
        "confirm_professional_16plus": True})


# -- mail --------------------------------------------------------------------

def mails_to(addr, maildir=None):
    """Every stored message to addr, oldest first, as email.message objects."""
    maildir = maildir or os.path.join(VAR, "mail")
    out = []
    for f in glob.glob(os.path.join(maildir, "new", "*")):
        with open(f, "rb") as fh:
            m = email.message_from_binary_file(fh, policy=email.policy.default)
        if m["X-RcptTo"] == addr or m["To"] == addr:
            out.append((os.path.getmtime(f), f, m))
    out.sort(key=lambda t: (t[0], t[1]))
    return [m for _, _, m in out]


def wait_mail(addr, count=1, timeout=15, maildir=None):
    """Waits until at least count messages to addr are stored; returns them."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        ms = mails_to(addr, maildir)
        if len(ms) >= count:
            return ms
        time.sleep(0.1)
    raise AssertionError("no mail #%d to %s within %ds" % (count, addr, timeout))


def wait_outbox(addr, count=1, timeout=15):
    """Waits until the user's own mail server (usmtp, tests/standin/
    smtp_auth.py) has stored count messages to addr in var/mail/outbox/;
    returns them, oldest first."""
    return wait_mail(addr, count, timeout, maildir=os.path.join(VAR, "mail", "outbox"))


def mail_text(m):
    return m.get_body(preferencelist=("plain",)).get_content()


def token_from(m):
    mt = re.search(r"#token=([A-Za-z0-9_-]{43})", mail_text(m))
    if not mt:
        raise AssertionError("no token link in: " + mail_text(m))
    return mt.group(1)


def verified_user(password="Des fraises en hiver 2026", prefix="user"):
    """Signs up and verifies a new account; returns its address."""
    addr = unique_email(prefix)
    r = signup(addr, password)
    assert r.status == 202, r
    tok = token_from(wait_mail(addr)[-1])
    r = request("POST", "/api/v1/auth/verify-email", {"token": tok})
    assert r.status == 204, r
    return addr


def logged_in(password="Des fraises en hiver 2026", prefix="user"):
    """A verified account and a Client signed in to it: (client, address)."""
    addr = verified_user(password, prefix)
    c = Client()
    r = c.login(addr, password)
    assert r.status == 200, r
    return c, addr


# -- database ----------------------------------------------------------------

def db(user=None):
    """A connection to the test database: as the administrator (the unix
    user, through unix_socket) or as a program's account with its password."""
    import pymysql
    sock = os.path.join(VAR, "run", "mysqld.sock")
    if user is None:
        import pwd
        return pymysql.connect(unix_socket=sock, user=pwd.getpwuid(os.getuid()).pw_name,
                               database="prospea", autocommit=True, charset="utf8mb4")
    with open(os.path.join(VAR, "db-passwords", user)) as fh:
        pw = fh.read().strip()
    return pymysql.connect(unix_socket=sock, user=user, password=pw,
                           database="prospea", autocommit=True, charset="utf8mb4")


def sql(query, args=None):
    """Runs one statement as the administrator; returns all rows."""
    c = db()
    try:
        with c.cursor() as cur:
            cur.execute(query, args)
            return cur.fetchall()
    finally:
        c.close()


def user_id(addr):
    """The id of the account signed up with addr."""
    return sql("SELECT id FROM user_account WHERE email = %s", (addr,))[0][0]


def dev(*args):
    """Runs ./dev on the test stack (e.g. dev("db", "stop")): PROSPEA_VAR is
    set explicitly, so it can never reach the dev stack's processes."""
    env = dict(os.environ, PROSPEA_VAR=VAR, PROSPEA_KIND="test")
    subprocess.run([os.path.join(ROOT, "dev")] + list(args), check=True,
                   stdout=subprocess.DEVNULL, env=env)


def totp_code(secret_b32, at=None, step=30):
    """RFC 6238 TOTP (SHA-1, 6 digits) for the base32 secret."""
    import base64
    import hashlib
    import hmac
    import struct
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((at if at is not None else time.time()) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 15
    code = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7fffffff) % 1000000
    return "%06d" % code


# -- the user's own mail server and SMS provider ------------------------------

# The mailbox ./dev gives the user's own mail server: one account for SMTP
# submission and Dovecot IMAP (README.md "Mail and SMS for campaigns").
MAILBOX_USER = "demo@prospea.test"
MAILBOX_PASSWORD = "demo-mailbox-2026"


def conf_value(key):
    """The value of key in the stack's conf file (key = value lines), or None."""
    with open(CONF, encoding="utf-8") as f:
        for line in f:
            k, sep, v = line.partition("=")
            if sep and k.strip() == key:
                return v.strip()
    return None


def stack_ports():
    """The ports of the test stack, as ./dev recorded them in var/dev.env:
    {"PORT": 18080, "SUBMIT_PORT": 12587, "IMAP_PORT": 12143, ...}."""
    ports = {}
    with open(os.path.join(VAR, "dev.env")) as fh:
        for line in fh:
            name, _, value = line.strip().partition("=")
            if name.endswith("_SAVED") and value.isdigit():
                ports[name[:-len("_SAVED")]] = int(value)
    return ports


def imap_maildir():
    """The Maildir Dovecot serves as the INBOX of MAILBOX_USER."""
    return os.path.join(VAR, "mail", "imap", MAILBOX_USER)


_drops = 0


def imap_drop(raw_bytes):
    """Delivers a message (bytes: an RFC 5322 message, a reply or a DSN) to
    MAILBOX_USER's INBOX as a mail server would: written in the Maildir's
    tmp/, then renamed into new/, where Dovecot finds it at the next command.
    Run as root, the file is given to the Maildir's owner (Dovecot reads
    mail as Debian's "mail" user, never as root). Returns the file's path."""
    global _drops
    _drops += 1
    box = imap_maildir()
    name = "%d.M%dP%dQ%d.prospea-test" % (int(time.time()), int(time.time() * 1e6) % 1000000,
                                          os.getpid(), _drops)
    tmp = os.path.join(box, "tmp", name)
    with open(tmp, "wb") as fh:
        fh.write(raw_bytes)
    if os.getuid() == 0:
        st = os.stat(box)
        os.chown(tmp, st.st_uid, st.st_gid)
    os.rename(tmp, os.path.join(box, "new", name))
    return os.path.join(box, "new", name)


def sms_sent(to=None):
    """The messages the SMS stand-in (tests/standin/sms.py) accepted, oldest
    first, as dicts (provider, id, to, from, body, type, segments, ...);
    only those to the number to when given (digits compared, so
    "+33612345678" finds Brevo's "33612345678")."""
    out = []
    for f in sorted(glob.glob(os.path.join(VAR, "sms", "*.json"))):
        with open(f, encoding="utf-8") as fh:
            m = json.load(fh)
        if to is None or re.sub(r"\D", "", m["to"]) == re.sub(r"\D", "", to):
            out.append(m)
    return out


# -- Stripe (README.md "Billing and Stripe") ---------------------------------

WEBHOOK = "/api/v1/webhooks/stripe"


def stripe_secret(name="whsec"):
    """The webhook signing secret ./dev wrote: "whsec" (the endpoint's
    current one) or "whsec-old" (the previous one, still accepted during a
    rotation; test stack only)."""
    with open(os.path.join(VAR, "stripe", name)) as fh:
        return fh.read().strip()


def stripe_sign(body, secret=None, t=None):
    """The Stripe-Signature header value for body (bytes) signed at t
    (default now) with secret (default the current one), by Stripe's
    recipe: v1 = hex HMAC-SHA256(secret, "<t>." + body)."""
    import hashlib
    import hmac
    t = int(time.time()) if t is None else t
    mac = hmac.new((secret or stripe_secret()).encode(), b"%d." % t + body,
                   hashlib.sha256).hexdigest()
    return "t=%d,v1=%s" % (t, mac)


def stripe_event(etype, obj, event_id=None, created=None, api_version="2025-08-27.basil"):
    """An event envelope as Stripe sends it (bytes, compact JSON)."""
    ev = {"id": event_id or "evt_test_" + uuid.uuid4().hex[:24], "object": "event",
          "api_version": api_version, "created": int(created or time.time()),
          "data": {"object": obj}, "livemode": False, "pending_webhooks": 1,
          "request": {"id": None, "idempotency_key": None}, "type": etype}
    return json.dumps(ev, ensure_ascii=False, separators=(",", ":")).encode()


def stripe_post(body, signature="sign", headers=None):
    """POSTs body (bytes) to the webhook. signature: a header value, None
    for no header, or "sign" to sign it now with the current secret."""
    h = {"Content-Type": "application/json; charset=utf-8",
         "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"}
    if signature == "sign":
        signature = stripe_sign(body)
    if signature is not None:
        h["Stripe-Signature"] = signature
    h.update(headers or {})
    return request("POST", WEBHOOK, body, h)


def stripe_requests():
    """What the Stripe stand-in received, oldest first (tests/standin/stripe.py
    --log): dicts with method, path, idempotency_key, stripe_version,
    content_type, form, status, replayed."""
    path = os.path.join(VAR, "stripe", "requests.jsonl")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def without_limits(addr):
    """Puts the account signed up with addr on a plan without limits (a
    plan row of the tests' own, "test_unlimited"), for tests about other
    things than the plan: a 20 000-row import is past the trial's 5 000
    prospects (README.md "Billing and Stripe")."""
    sql("INSERT IGNORE INTO plan (code, name, position) "
        "VALUES ('test_unlimited', 'Unlimited (tests)', 98)")
    sql("INSERT INTO subscription (user_id, plan_code, status, trial_ends_at, created_at, "
        "updated_at) VALUES (%s, 'test_unlimited', 'active', NOW(), NOW(), NOW()) "
        "ON DUPLICATE KEY UPDATE plan_code = 'test_unlimited', status = 'active'",
        (user_id(addr),))


# -- the stack's own campaign sender ------------------------------------------

def stack_sender():
    """The pid of the stack's sender (the child of its multiwatch), or None."""
    with open(os.path.join(VAR, "run", "sender.pid")) as fh:
        watcher = fh.read().strip()
    kids = subprocess.run(["pgrep", "-P", watcher], capture_output=True,
                          text=True).stdout.split()
    return int(kids[0]) if kids else None


def hold_stack_sender():
    """Stops the stack's sender (SIGSTOP) for tests that play the sender's
    part themselves (rows written with SQL) or run senders of their own;
    returns what release_stack_sender() needs."""
    import signal
    pid = stack_sender()
    if pid:
        os.kill(pid, signal.SIGSTOP)
    return pid


def release_stack_sender(pid):
    """Lets the sender stopped by hold_stack_sender() go on."""
    import signal
    if pid:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
