#!/usr/bin/python3
"""A stand-in for the Stripe API on 127.0.0.1, for Prospea's tests and dev
stack: customers, Checkout Sessions and Customer Portal sessions over
Stripe's real wire format.

Run:  tests/standin/stripe.py --port 8094 --key-file var/stripe/secret.key \
        [--log var/stripe/requests.jsonl] [--pidfile F]
      curl -s http://127.0.0.1:8094/v1/customers -u "$(cat var/stripe/secret.key):" \
        -H 'Idempotency-Key: try-1' -d email=zoe@exemple.fr -d 'metadata[prospea_account_id]=1'
One line per request on stderr ("stripe: POST /v1/customers -> 200"); the
key is never written. With --log, one JSON object per request is appended
(method, path, idempotency_key, stripe_version, content_type, the decoded
form as nested objects, status, replayed): what tests read to see what
Prospea sent. Ends on SIGTERM.

What it implements, and where the real format comes from (docs.stripe.com):
- Requests (api/requests, api/expanding_objects): form-encoded bodies,
  application/x-www-form-urlencoded, nested keys in brackets
  (line_items[0][price], metadata[key]); a JSON or other body is refused
  with 400. Authentication (api/authentication): "Authorization: Bearer
  sk_..." or HTTP Basic with the key as user name; none: 401 "You did not
  provide an API key..."; another key: 401 "Invalid API Key provided:
  sk_test_****abcd" (type invalid_request_error).
- Idempotency (api/idempotent_requests): the result of a request is saved
  under its Idempotency-Key once the endpoint ran (not for a request that
  failed validation) and the same key with the same parameters gets the
  same answer again, with "Idempotent-Replayed: true"; the same key with
  other parameters: 400 idempotency_error. The stand-in goes further than
  Stripe and refuses a POST without Idempotency-Key (400), because
  Prospea promises to send one on every POST.
- Errors (api/errors): {"error": {"type", "code", "message", "param",
  "doc_url", "request_log_url"}} with Stripe's types and codes:
  parameter_missing, parameter_unknown, resource_missing ("No such
  customer: 'cus_x'"), idempotency_error, rate_limit_error (429),
  api_error (500). A "Request-Id: req_..." header on every answer.
- POST /v1/customers (api/customers/create): email, name, description,
  phone, preferred_locales[], metadata[]; answers a customer object
  (cus_...). GET /v1/customers/{id}.
- POST /v1/checkout/sessions (api/checkout/sessions/create): mode
  (payment | subscription | setup, required), line_items[n][price|quantity]
  (prices price_standin_starter_monthly and price_standin_pro_monthly
  exist; another is resource_missing), success_url (required unless
  ui_mode embedded), cancel_url, customer (must exist), customer_email,
  client_reference_id (at most 200 characters), metadata[],
  subscription_data[metadata][], billing_address_collection,
  tax_id_collection[enabled], customer_update[address|name|shipping]
  (needs customer), locale, allow_promotion_codes, ui_mode; answers a
  checkout.session (cs_test_..., status open, payment_status unpaid, url
  https://checkout.stripe.com/c/pay/cs_test_...).
- POST /v1/billing_portal/sessions (api/customer_portal/sessions/create):
  customer (required, must exist), return_url, locale; answers a
  billing_portal.session (bps_..., url https://billing.stripe.com/p/session/...).

Test hooks, by the customer's e-mail (of the request, or of the customer
it names): containing "stripe-down" answers 500 api_error; "rate-limited"
429 rate_limit_error with Retry-After: 2; "flaky": the first request of
each Idempotency-Key gets its connection closed without an answer (so a
client must retry, with the same key, to succeed); "slow": answers after
5 s.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
import threading
import time
import urllib.parse

import serve

PRICES = {
    "price_standin_starter_monthly": ("prod_standin_starter", 2900),
    "price_standin_pro_monthly": ("prod_standin_pro", 7900),
}
FORM_TYPE = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"
ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

CUSTOMER_PARAMS = {"email", "name", "description", "phone", "preferred_locales",
                   "metadata", "address", "expand"}
CHECKOUT_PARAMS = {"mode", "line_items", "success_url", "cancel_url", "customer",
                   "customer_email", "client_reference_id", "metadata",
                   "subscription_data", "billing_address_collection",
                   "tax_id_collection", "customer_update", "locale",
                   "allow_promotion_codes", "ui_mode", "payment_method_types",
                   "automatic_tax", "expand", "customer_creation"}
PORTAL_PARAMS = {"customer", "return_url", "locale", "configuration", "expand"}


class StripeError(Exception):
    """An answer in Stripe's error format; saved says whether an
    idempotent replay keeps it (validation failures are not saved)."""

    def __init__(self, status, etype, message, code=None, param=None, saved=False,
                 headers=()):
        super().__init__(message)
        self.status, self.etype, self.message = status, etype, message
        self.code, self.param, self.saved, self.headers = code, param, saved, headers

    def body(self):
        err = {"type": self.etype, "message": self.message}
        if self.code:
            err["code"] = self.code
            err["doc_url"] = "https://stripe.com/docs/error-codes/" + \
                self.code.replace("_", "-")
        if self.param:
            err["param"] = self.param
        err["request_log_url"] = "https://dashboard.stripe.com/test/logs/req_standin"
        return {"error": err}


def new_id(prefix, n=14):
    return prefix + "".join(secrets.choice(ID_CHARS) for _ in range(n))


def parse_form(raw):
    """The nested parameters of a form body: a[b][0]=x -> {"a": {"b": {"0": "x"}}}.
    Raises StripeError on a body that is not a form."""
    try:
        text = raw.decode("utf-8")
        pairs = urllib.parse.parse_qsl(text, keep_blank_values=True, strict_parsing=True) \
            if text else []
    except (UnicodeDecodeError, ValueError):
        raise StripeError(400, "invalid_request_error",
                          "Invalid request: the body is not form-encoded "
                          "(application/x-www-form-urlencoded).")
    out = {}
    for key, value in pairs:
        m = re.fullmatch(r"([A-Za-z0-9_]+)((?:\[[A-Za-z0-9_]*\])*)", key)
        if not m:
            raise StripeError(400, "invalid_request_error",
                              "Invalid request: malformed parameter name %r." % key,
                              "parameter_invalid_string", key)
        path = [m.group(1)] + re.findall(r"\[([A-Za-z0-9_]*)\]", m.group(2))
        node = out
        for i, seg in enumerate(path[:-1]):
            if seg == "":
                seg = str(sum(1 for k in node))
            nxt = node.setdefault(seg, {})
            if not isinstance(nxt, dict):
                raise StripeError(400, "invalid_request_error",
                                  "Invalid request: %s is both a value and a hash." % key,
                                  "parameter_invalid_string", key)
            node = nxt
        last = path[-1] or str(len(node))
        if isinstance(node.get(last), dict):
            raise StripeError(400, "invalid_request_error",
                              "Invalid request: %s is both a value and a hash." % key,
                              "parameter_invalid_string", key)
        node[last] = value
    return out


def unknown_params(params, allowed):
    for k in params:
        if k not in allowed:
            raise StripeError(400, "invalid_request_error",
                              "Received unknown parameter: %s" % k, "parameter_unknown", k)


def missing(param):
    return StripeError(400, "invalid_request_error", "Missing required param: %s." % param,
                       "parameter_missing", param)


def as_list(node):
    """A form array ({"0": …, "1": …}) as a list in index order."""
    if not isinstance(node, dict):
        return None
    try:
        return [node[k] for k in sorted(node, key=int)]
    except ValueError:
        return None


class Store:
    """Every object made since start, and the idempotent results."""

    def __init__(self):
        self.lock = threading.Lock()
        self.customers = {}
        self.sessions = {}
        self.idem = {}              # key -> (fingerprint, status, body)
        self.flaky_seen = set()


STORE = Store()


class StripeHandler(serve.Handler):
    api_key = None
    log_path = None

    def version_string(self):
        return "nginx"

    def log_reply(self, status, size):
        self.log_line("stripe: %s %s -> %d (%d bytes)" % (self.command, self.path.split("?")[0],
                                                          status, size))

    def record(self, entry):
        if not self.log_path:
            return
        with open(self.log_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def answer(self, status, obj, headers=()):
        body = json.dumps(obj, ensure_ascii=False, indent=2).encode() + b"\n"
        hdrs = [("Request-Id", new_id("req_")), ("Stripe-Version", self.version_sent)]
        hdrs += list(headers)
        self.reply(status, JSON_TYPE, body, hdrs)

    def check_key(self):
        auth = self.headers.get("Authorization", "")
        key = None
        if auth.startswith("Bearer "):
            key = auth[7:].strip()
        elif auth.startswith("Basic "):
            try:
                key = base64.b64decode(auth[6:]).decode().split(":", 1)[0]
            except (ValueError, UnicodeDecodeError):
                key = ""
        if not key:
            raise StripeError(401, "invalid_request_error",
                              "You did not provide an API key. You need to provide your "
                              "API key in the Authorization header, using Bearer auth "
                              "(e.g. 'Authorization: Bearer YOUR_SECRET_KEY').")
        if not hmac.compare_digest(key.encode(), self.api_key.encode()):
            raise StripeError(401, "invalid_request_error",
                              "Invalid API Key provided: %s****%s" % (key[:8], key[-4:]),
                              "api_key_invalid")

    def hooks(self, email):
        """The test hooks of a customer's e-mail (see the module's doc)."""
        email = email or ""
        if "slow" in email:
            time.sleep(5)
        if "stripe-down" in email:
            raise StripeError(500, "api_error", "An unknown error occurred", saved=True)
        if "rate-limited" in email:
            raise StripeError(429, "rate_limit_error",
                              "Too many requests hit the API too quickly.",
                              "rate_limit", headers=[("Retry-After", "2")])

    def customer_email(self, params):
        cid = params.get("customer")
        if isinstance(cid, str) and cid in STORE.customers:
            return STORE.customers[cid].get("email")
        return params.get("email") or params.get("customer_email")

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        self.version_sent = self.headers.get("Stripe-Version", "2025-08-27.basil")
        entry = {"time": time.time(), "method": self.command, "path": url.path,
                 "idempotency_key": self.headers.get("Idempotency-Key"),
                 "stripe_version": self.headers.get("Stripe-Version"),
                 "content_type": self.headers.get("Content-Type"), "form": None,
                 "replayed": False}
        raw = self.read_body() if self.command == "POST" else b""
        if raw is None:
            self.close_connection = True
            raw = b""
        try:
            self.check_key()
            if self.command == "POST":
                ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
                if ctype != FORM_TYPE:
                    raise StripeError(400, "invalid_request_error",
                                      "Invalid request (check that your POST content type "
                                      "is application/x-www-form-urlencoded). If you have "
                                      "any questions, we can help at "
                                      "https://support.stripe.com/.")
                params = parse_form(raw)
                entry["form"] = params
                status, obj, headers = self.post(url.path, params, raw, entry)
            elif self.command in ("GET", "HEAD"):
                status, obj, headers = self.get(url.path)
            else:
                raise StripeError(404, "invalid_request_error",
                                  "Unrecognized request URL (%s: %s)." % (self.command, url.path))
        except StripeError as e:
            status, obj, headers = e.status, e.body(), e.headers
        except ConnectionAbortedError:
            entry["status"] = 0
            self.record(entry)
            self.close_connection = True
            return
        entry["status"] = status
        self.record(entry)
        self.answer(status, obj, headers)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_PATCH = handle_any

    def post(self, path, params, raw, entry):
        key = self.headers.get("Idempotency-Key")
        if not key:
            raise StripeError(400, "invalid_request_error",
                              "This stand-in requires an Idempotency-Key header on every "
                              "POST (Prospea sends one).", "parameter_missing",
                              "Idempotency-Key")
        if len(key) > 255:
            raise StripeError(400, "invalid_request_error",
                              "Idempotency-Key must be at most 255 characters.")
        fingerprint = hashlib.sha256(path.encode() + b"\0" + raw).hexdigest()
        with STORE.lock:
            saved = STORE.idem.get(key)
        if saved is not None:
            if saved[0] != fingerprint:
                raise StripeError(400, "idempotency_error",
                                  "Keys for idempotent requests can only be used with the "
                                  "same parameters they were first used with. Try using a "
                                  "key other than '%s' if you meant to execute a different "
                                  "request." % key)
            entry["replayed"] = True
            return saved[1], saved[2], [("Idempotent-Replayed", "true")] + list(saved[3])
        email = self.customer_email(params)
        if email and "flaky" in email:
            with STORE.lock:
                first = key not in STORE.flaky_seen
                STORE.flaky_seen.add(key)
            if first:
                self.connection.shutdown(2)
                raise ConnectionAbortedError()
        if path == "/v1/customers":
            fn = self.customer_create
        elif path == "/v1/checkout/sessions":
            fn = self.checkout_create
        elif path == "/v1/billing_portal/sessions":
            fn = self.portal_create
        else:
            raise StripeError(404, "invalid_request_error",
                              "Unrecognized request URL (POST: %s)." % path)
        try:
            self.hooks(email)
            obj = fn(params)
            result = (fingerprint, 200, obj, ())
        except StripeError as e:
            if not e.saved:
                raise
            result = (fingerprint, e.status, e.body(), tuple(e.headers))
        with STORE.lock:
            STORE.idem.setdefault(key, result)
            result = STORE.idem[key]
        return result[1], result[2], list(result[3])

    def get(self, path):
        m = re.fullmatch(r"/v1/customers/([A-Za-z0-9_]+)", path)
        if m:
            with STORE.lock:
                c = STORE.customers.get(m.group(1))
            if c is None:
                raise StripeError(404, "invalid_request_error",
                                  "No such customer: '%s'" % m.group(1), "resource_missing", "id")
            return 200, c, ()
        raise StripeError(404, "invalid_request_error",
                          "Unrecognized request URL (GET: %s)." % path)

    def customer_create(self, p):
        unknown_params(p, CUSTOMER_PARAMS)
        for k in ("email", "name", "description", "phone"):
            if k in p and not isinstance(p[k], str):
                raise StripeError(400, "invalid_request_error",
                                  "Invalid string: %s" % k, "parameter_invalid_string", k)
        if p.get("email") and "@" not in p["email"]:
            raise StripeError(400, "invalid_request_error",
                              "Invalid email address: %s" % p["email"], "email_invalid",
                              "email")
        locales = as_list(p.get("preferred_locales", {})) if "preferred_locales" in p else []
        if locales is None:
            raise StripeError(400, "invalid_request_error",
                              "Invalid array", "parameter_invalid_array", "preferred_locales")
        cus = {"id": new_id("cus_"), "object": "customer", "address": None,
               "balance": 0, "created": int(time.time()), "currency": None,
               "default_source": None, "delinquent": False,
               "description": p.get("description"), "email": p.get("email"),
               "invoice_prefix": new_id("", 8).upper(),
               "invoice_settings": {"custom_fields": None, "default_payment_method": None,
                                    "footer": None, "rendering_options": None},
               "livemode": False, "metadata": p.get("metadata", {}),
               "name": p.get("name"), "phone": p.get("phone"),
               "preferred_locales": locales, "shipping": None, "tax_exempt": "none",
               "test_clock": None}
        with STORE.lock:
            STORE.customers[cus["id"]] = cus
        return cus

    def known_customer(self, cid, param="customer"):
        if not isinstance(cid, str):
            raise StripeError(400, "invalid_request_error", "Invalid string: %s" % param,
                              "parameter_invalid_string", param)
        with STORE.lock:
            if cid not in STORE.customers:
                raise StripeError(400, "invalid_request_error",
                                  "No such customer: '%s'" % cid, "resource_missing", param)

    def checkout_create(self, p):
        unknown_params(p, CHECKOUT_PARAMS)
        mode = p.get("mode")
        if mode is None:
            raise missing("mode")
        if mode not in ("payment", "subscription", "setup"):
            raise StripeError(400, "invalid_request_error",
                              "Invalid mode: must be one of payment, setup, or subscription",
                              "parameter_invalid_string", "mode")
        if p.get("ui_mode", "hosted") == "hosted" and not p.get("success_url"):
            raise missing("success_url")
        for u in ("success_url", "cancel_url"):
            if u in p and not re.match(r"https?://", p[u]):
                raise StripeError(400, "invalid_request_error", "Not a valid URL", "url_invalid", u)
        if "customer" in p and "customer_email" in p:
            raise StripeError(400, "invalid_request_error",
                              "You may only specify one of these parameters: customer, "
                              "customer_email.")
        if "customer" in p:
            self.known_customer(p["customer"])
        elif "customer_update" in p:
            raise StripeError(400, "invalid_request_error",
                              "customer_update can only be used with customer.",
                              param="customer_update")
        if len(p.get("client_reference_id", "")) > 200:
            raise StripeError(400, "invalid_request_error",
                              "client_reference_id must be at most 200 characters",
                              "parameter_invalid_string", "client_reference_id")
        items = as_list(p.get("line_items")) if "line_items" in p else []
        if items is None:
            raise StripeError(400, "invalid_request_error", "Invalid array",
                              "parameter_invalid_array", "line_items")
        if mode == "subscription" and not items:
            raise missing("line_items")
        for i, it in enumerate(items):
            where = "line_items[%d]" % i
            if not isinstance(it, dict) or "price" not in it:
                raise missing(where + "[price]")
            if it["price"] not in PRICES:
                raise StripeError(400, "invalid_request_error",
                                  "No such price: '%s'" % it["price"], "resource_missing",
                                  where + "[price]")
            if not re.fullmatch(r"[1-9][0-9]{0,5}", it.get("quantity", "")):
                raise StripeError(400, "invalid_request_error",
                                  "Invalid integer: %s" % it.get("quantity"),
                                  "parameter_invalid_integer", where + "[quantity]")
        sid = new_id("cs_test_a1", 56)
        amount = sum(PRICES[it["price"]][1] * int(it["quantity"]) for it in items)
        now = int(time.time())
        cs = {"id": sid, "object": "checkout.session", "amount_subtotal": amount,
              "amount_total": amount, "cancel_url": p.get("cancel_url"),
              "client_reference_id": p.get("client_reference_id"),
              "created": now, "currency": "eur", "customer": p.get("customer"),
              "customer_email": p.get("customer_email"), "expires_at": now + 86400,
              "livemode": False, "locale": p.get("locale"),
              "metadata": p.get("metadata", {}), "mode": mode,
              "payment_status": "unpaid", "status": "open", "subscription": None,
              "success_url": p.get("success_url"), "ui_mode": p.get("ui_mode", "hosted"),
              "url": "https://checkout.stripe.com/c/pay/%s#fidkdWxOYHwnPyd1blpxYHZxWjA0" % sid}
        with STORE.lock:
            STORE.sessions[sid] = cs
        return cs

    def portal_create(self, p):
        unknown_params(p, PORTAL_PARAMS)
        if "customer" not in p:
            raise missing("customer")
        self.known_customer(p["customer"])
        sid = new_id("bps_")
        return {"id": sid, "object": "billing_portal.session",
                "configuration": "bpc_standin", "created": int(time.time()),
                "customer": p["customer"], "flow": None, "livemode": False,
                "locale": p.get("locale"), "on_behalf_of": None,
                "return_url": p.get("return_url"),
                "url": "https://billing.stripe.com/p/session/test_%s" % new_id("", 40)}


def add_args(parser):
    parser.add_argument("--key-file", required=True,
                        help="file holding the secret key (sk_test_...) clients must send")
    parser.add_argument("--log", help="append one JSON line per request to this file")


def configure(args):
    with open(args.key_file, encoding="utf-8") as fh:
        StripeHandler.api_key = fh.read().strip()
    if not StripeHandler.api_key:
        sys.exit("stripe.py: %s is empty" % args.key_file)
    if args.log:
        os.makedirs(os.path.dirname(os.path.abspath(args.log)), exist_ok=True)
        StripeHandler.log_path = args.log


if __name__ == "__main__":
    serve.main(__doc__.split("\n")[0], StripeHandler, add_args, configure)
