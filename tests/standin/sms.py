#!/usr/bin/python3
"""A stand-in for two SMS providers on 127.0.0.1, for Prospea's tests and dev
stack: Twilio's Messages API and Brevo's transactional SMS API, on their
real paths, authentication and request and answer formats. Nothing is sent:
each accepted message is recorded as one JSON file in --outbox.

Run:  tests/standin/sms.py --port 8093 --outbox var/sms [--pidfile F]
      curl -s -u ACa11ce000000000000000000000000001:twilio-test-token \
        http://127.0.0.1:8093/2010-04-01/Accounts/ACa11ce000000000000000000000000001/Messages.json \
        --data-urlencode To=+33612345678 --data-urlencode From=+33757000001 \
        --data-urlencode 'Body=Bonjour !'
      curl -s http://127.0.0.1:8093/v3/transactionalSMS/send -H 'api-key: xkeysib-test' \
        -H 'Content-Type: application/json' \
        -d '{"sender":"Prospea","recipient":"33612345678","content":"Bonjour !"}'
One line per request on stderr ("sms: twilio POST /2010-04-01/... -> 201");
no credential is ever written. Lines starting with '#' are not requests.

The test accounts (--twilio-sid, --twilio-token, --brevo-key to change
them): Twilio Account SID ACa11ce000000000000000000000000001, Auth Token
twilio-test-token; Brevo API key xkeysib-test.

Twilio (www.twilio.com/docs/messaging/api/message-resource, "Create a
Message resource"; errors: www.twilio.com/docs/api/errors):
- POST /2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP Basic
  authentication AccountSid:AuthToken (the path's AccountSid must be the
  one authenticated), body application/x-www-form-urlencoded: To (E.164),
  From (E.164, or an alphanumeric sender ID of 1-11 characters with a
  letter) or MessagingServiceSid (MG + 32 hex), Body (at most 1600
  characters); other parameters (StatusCallback, ...) are accepted and
  recorded. A .json suffix is required, as on the real API.
- GET /2010-04-01/Accounts/{AccountSid}.json ("Fetch an Account
  resource", www.twilio.com/docs/iam/api/account), same authentication:
  200 with the Account resource (sid, friendly_name, status "active",
  type "Full", dates, uri, subresource_uris); Prospea's account test.
- 201 with the Message resource: sid "SM" + 32 hex, status "queued"
  ("accepted" through a Messaging Service, whose "from" is then null),
  direction "outbound-api", num_segments, api_version "2010-04-01", uri...
  Dates are RFC 2822 in GMT.
- Errors are {"code", "message", "more_info", "status"}: no or wrong
  credentials 401 code 20003 "Authenticate"; no To 400/21604; no From nor
  MessagingServiceSid 400/21603; malformed MessagingServiceSid 400/21701;
  no Body 400/21602; Body over 1600 characters 400/21617; a To that is not
  E.164 400/21211 "The 'To' number X is not a valid phone number."; a bad
  From 400/21212; too many requests 429/20429; server error 500/20500.

Brevo (developers.brevo.com: "Send SMS message to a mobile number";
changelog 2025-05-01 "Deprecated Endpoint: POST /v3/transactionalSMS/sms";
"Rate limit headers"):
- POST /v3/transactionalSMS/send (current) and /v3/transactionalSMS/sms
  (deprecated, still served), header api-key, JSON body: sender (at most
  11 alphanumeric characters or 15 digits), recipient (the number with its
  country code, "33612345678"; a leading + is accepted), content, and
  optionally type ("transactional", the default, or "marketing"),
  unicodeEnabled (boolean), tag, webUrl, organisationPrefix.
- GET /v3/account ("Get your account information, plan and credits
  details"), header api-key: 200 {"email", "firstName", "lastName",
  "companyName", "address", "plan": [{"type", "credits", "creditsType"}],
  "relay"}; Prospea's account test.
- 201 {"messageId": N} from /send; /sms answers the older
  {"reference", "messageId", "smsCount", "usedCredits",
  "remainingCredits"}.
- Errors are {"code", "message"}: no api-key 401 "unauthorized"
  "authentication not found in headers"; a wrong one 401 "unauthorized"
  "Key not found"; a missing field 400 "missing_parameter"; a bad field
  400 "invalid_parameter" (for a bad recipient the message is the
  stand-in's own wording, "Invalid recipient number: X"); unknown fields
  are refused the same way (the stand-in is stricter than Brevo, to catch
  typos); too many requests 429 with x-sib-ratelimit-limit, -remaining
  and -reset (seconds); server error 500.

Test hooks (both providers): a recipient number ending in 9990429
(+33699990429) answers 429 with Retry-After: 2 (Twilio) or
x-sib-ratelimit-reset: 2 (Brevo); one ending in 9990500 answers 500; one
ending in 9990408 answers 201 after 5 s (a client timeout).

Each accepted message is written (in a hidden temporary file, then renamed)
as OUTBOX/<epoch ms>-<provider>-<id>.json: provider, id, to, from (sender or
Messaging Service), body, type, unicode, segments, encoding (GSM-7 or
UCS-2), received_at, path and every request field but credentials.
"""

import base64
import binascii
import email.utils
import hmac
import itertools
import json
import math
import os
import re
import time
import urllib.parse
import uuid

import serve

JSON_TYPE = "application/json; charset=utf-8"
TWILIO_PATH = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages(\.json)?$")
TWILIO_ACCOUNT = re.compile(r"^/2010-04-01/Accounts/([^/]+?)(\.json)?$")
BREVO_PATHS = ("/v3/transactionalSMS/send", "/v3/transactionalSMS/sms")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
BREVO_NUMBER = re.compile(r"^\+?[1-9][0-9]{6,14}$")
ALNUM_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
# Brevo's message ids are large integers, increasing.
BREVO_IDS = itertools.count(int(time.time() * 1000000))
SERVICE_SID = re.compile(r"^MG[0-9a-f]{32}$")
BREVO_FIELDS = {"sender": str, "recipient": str, "content": str, "type": str,
                "unicodeEnabled": bool, "tag": (str, list), "webUrl": str,
                "organisationPrefix": str}

# GSM 03.38: the basic alphabet (one septet each) and its extension table
# (two septets each); anything else makes a message UCS-2.
GSM_BASIC = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
             "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXT = "^{}\\[~]|€\f"


def segments(text):
    """(count, encoding) of the SMS parts the text takes: GSM-7 160 septets
    alone or 153 per part; UCS-2 70 UTF-16 units alone or 67 per part."""
    if all(c in GSM_BASIC or c in GSM_EXT for c in text):
        n = sum(2 if c in GSM_EXT else 1 for c in text)
        return (1 if n <= 160 else math.ceil(n / 153)), "GSM-7"
    n = len(text.encode("utf-16-le")) // 2
    return (1 if n <= 70 else math.ceil(n / 67)), "UCS-2"


class ProviderError(Exception):
    def __init__(self, status, body, headers=()):
        super().__init__(body.get("message"))
        self.status = status
        self.body = body
        self.headers = list(headers)


def twilio_error(status, code, message):
    return ProviderError(status, {"code": code, "message": message,
                                  "more_info": "https://www.twilio.com/docs/errors/%d" % code,
                                  "status": status})


def hook(number, provider):
    """The test hooks of a recipient number: an error to raise, or a delay."""
    digits = re.sub(r"\D", "", number or "")
    if digits.endswith("9990429"):
        if provider == "twilio":
            e = twilio_error(429, 20429, "Too Many Requests")
            e.headers.append(("Retry-After", "2"))
        else:
            e = ProviderError(429, {"code": "too_many_requests",
                                    "message": "Too many requests, retry later"},
                              [("x-sib-ratelimit-limit", "150"),
                               ("x-sib-ratelimit-remaining", "0"),
                               ("x-sib-ratelimit-reset", "2")])
        raise e
    if digits.endswith("9990500"):
        if provider == "twilio":
            raise twilio_error(500, 20500, "An internal server error has occurred")
        raise ProviderError(500, {"code": "internal_error",
                                  "message": "Internal server error"})
    if digits.endswith("9990408"):
        time.sleep(5)


class SmsHandler(serve.Handler):
    outbox = None
    twilio_sid = None
    twilio_token = None
    brevo_key = None

    def version_string(self):
        return "sms-standin"

    def log_reply(self, status, size):
        self.log_line("sms: %s %s %s -> %d" % (self.provider, self.command,
                                                urllib.parse.urlsplit(self.path).path, status))

    def answer(self, status, obj, headers=()):
        self.reply(status, JSON_TYPE, json.dumps(obj).encode() + b"\n", headers)

    def record(self, provider, msg_id, fields, entry):
        """Writes one accepted message as a JSON file, atomically."""
        entry.update({"provider": provider, "id": msg_id,
                      "received_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                      "path": urllib.parse.urlsplit(self.path).path, "fields": fields})
        name = "%d-%s-%s.json" % (int(time.time() * 1000), provider, msg_id)
        tmp = os.path.join(self.outbox, "." + name)
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(entry, f, ensure_ascii=False, indent=2)
            f.write("\n")
        os.rename(tmp, os.path.join(self.outbox, name))

    def handle_any(self):
        path = urllib.parse.urlsplit(self.path).path
        self.provider = "twilio" if path.startswith("/2010-04-01/") else "brevo"
        raw = self.read_body()
        if raw is None:
            self.close_connection = True
            self.answer(413, {"code": "payload_too_large", "message": "Request too large"})
            return
        try:
            if self.command == "GET" and TWILIO_ACCOUNT.match(path):
                status, obj = self.twilio_account(path)
            elif self.command == "GET" and path == "/v3/account":
                status, obj = self.brevo_account()
            elif path.startswith("/2010-04-01/"):
                status, obj = self.twilio(path, raw)
            elif path in BREVO_PATHS and self.command == "POST":
                status, obj = self.brevo(path, raw)
            else:
                raise ProviderError(404, {"code": "not_found",
                                          "message": "The requested resource %s was not found"
                                          % path})
        except ProviderError as e:
            self.answer(e.status, e.body, e.headers)
            return
        self.answer(status, obj)

    # -- Twilio ---------------------------------------------------------------

    def twilio_auth(self, sid):
        h = self.headers.get("Authorization", "")
        ok = False
        if h.startswith("Basic "):
            try:
                user, _, token = base64.b64decode(h[6:], validate=True).decode().partition(":")
                ok = (hmac.compare_digest(user.encode(), self.twilio_sid.encode())
                      and hmac.compare_digest(token.encode(), self.twilio_token.encode())
                      and sid == user)
            except (binascii.Error, UnicodeDecodeError):
                ok = False
        if not ok:
            e = twilio_error(401, 20003, "Authenticate")
            e.headers.append(("WWW-Authenticate", 'Basic realm="Twilio API"'))
            raise e

    def twilio_account(self, path):
        m = TWILIO_ACCOUNT.match(path)
        if m.group(2) is None:
            raise twilio_error(404, 20404, "The requested resource %s was not found" % path)
        sid = m.group(1)
        self.twilio_auth(sid)
        now = email.utils.formatdate(usegmt=False).replace("-0000", "+0000")
        uri = "/2010-04-01/Accounts/%s" % sid
        return 200, {
            "auth_token": self.twilio_token, "date_created": now, "date_updated": now,
            "friendly_name": "Prospea test account", "owner_account_sid": sid,
            "sid": sid, "status": "active", "type": "Full", "uri": uri + ".json",
            "subresource_uris": {"messages": uri + "/Messages.json",
                                 "balance": uri + "/Balance.json"}}

    def twilio(self, path, raw):
        m = TWILIO_PATH.match(path)
        if m is None or m.group(2) is None or self.command != "POST":
            raise twilio_error(404, 20404, "The requested resource %s was not found" % path)
        sid = m.group(1)
        self.twilio_auth(sid)
        # Anything but a form reads as no parameter at all.
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        try:
            form = urllib.parse.parse_qs(raw.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            form = {}
        if ctype != "application/x-www-form-urlencoded":
            form = {}
        f = {k: v[-1] for k, v in form.items()}
        to, src, svc, body = f.get("To"), f.get("From"), f.get("MessagingServiceSid"), f.get("Body")
        if not to:
            raise twilio_error(400, 21604, "A 'To' phone number is required.")
        if not src and not svc:
            raise twilio_error(400, 21603, "A 'From' phone number is required.")
        if svc and not SERVICE_SID.match(svc):
            raise twilio_error(400, 21701, "The Messaging Service Sid %s is invalid." % svc)
        if not body:
            raise twilio_error(400, 21602, "Message body is required.")
        if len(body) > 1600:
            raise twilio_error(400, 21617, "The concatenated message body exceeds the "
                                           "1600 character limit.")
        if not E164.match(to):
            raise twilio_error(400, 21211, "The 'To' number %s is not a valid phone number."
                               % to)
        if src and not (E164.match(src) or ALNUM_SENDER.match(src)):
            raise twilio_error(400, 21212, "The 'From' number %s is not a valid phone number, "
                                           "shortcode, or alphanumeric sender ID." % src)
        hook(to, "twilio")
        msg_sid = "SM" + uuid.uuid4().hex
        now = email.utils.formatdate(usegmt=False).replace("-0000", "+0000")
        count, encoding = segments(body)
        uri = "/2010-04-01/Accounts/%s/Messages/%s" % (sid, msg_sid)
        resource = {
            "account_sid": sid, "api_version": "2010-04-01", "body": body,
            "date_created": now, "date_sent": None, "date_updated": now,
            "direction": "outbound-api", "error_code": None, "error_message": None,
            "from": None if svc else src, "messaging_service_sid": svc,
            "num_media": "0", "num_segments": str(count), "price": None,
            "price_unit": "USD", "sid": msg_sid,
            "status": "accepted" if svc else "queued",
            "subresource_uris": {"media": uri + "/Media.json",
                                 "feedback": uri + "/Feedback.json"},
            "to": to, "uri": uri + ".json"}
        self.record("twilio", msg_sid, f, {
            "to": to, "from": src or svc, "body": body, "type": None, "unicode": None,
            "segments": count, "encoding": encoding})
        return 201, resource

    # -- Brevo ----------------------------------------------------------------

    def brevo_auth(self):
        key = self.headers.get("api-key")
        if key is None:
            raise ProviderError(401, {"message": "authentication not found in headers",
                                      "code": "unauthorized"})
        if not hmac.compare_digest(key.encode(), self.brevo_key.encode()):
            raise ProviderError(401, {"message": "Key not found", "code": "unauthorized"})

    def brevo_account(self):
        self.brevo_auth()
        return 200, {
            "email": "contact@prospea.test", "firstName": "Zoé", "lastName": "Martin",
            "companyName": "Prospea test", "address": {
                "street": "1 rue de la Paix", "city": "Paris", "zipCode": "75002",
                "country": "France"},
            "plan": [{"type": "payAsYouGo", "credits": 100.0, "creditsType": "sendLimit"}],
            "relay": {"enabled": False, "data": {}}}

    def brevo(self, path, raw):
        self.brevo_auth()
        try:
            req = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            req = None
        if not isinstance(req, dict):
            raise ProviderError(400, {"code": "bad_request",
                                      "message": "Input must be a JSON object"})
        for name, value in req.items():
            if name not in BREVO_FIELDS:
                raise ProviderError(400, {"code": "invalid_parameter",
                                          "message": "Unknown parameter: %s" % name})
            if not isinstance(value, BREVO_FIELDS[name]):
                raise ProviderError(400, {"code": "invalid_parameter",
                                          "message": "%s is not valid" % name})
        for name in ("sender", "recipient", "content"):
            if not req.get(name):
                raise ProviderError(400, {"code": "missing_parameter",
                                          "message": "%s is missing" % name})
        sender, to = req["sender"], req["recipient"]
        if not (re.match(r"^[A-Za-z0-9]{1,11}$", sender) or re.match(r"^[0-9]{1,15}$", sender)):
            raise ProviderError(400, {"code": "invalid_parameter",
                                      "message": "Invalid sender: %s" % sender})
        if not BREVO_NUMBER.match(to):
            raise ProviderError(400, {"code": "invalid_parameter",
                                      "message": "Invalid recipient number: %s" % to})
        kind = req.get("type", "transactional")
        if kind not in ("transactional", "marketing"):
            raise ProviderError(400, {"code": "invalid_parameter",
                                      "message": "type is not valid"})
        hook(to, "brevo")
        msg_id = next(BREVO_IDS)
        count, encoding = segments(req["content"])
        self.record("brevo", str(msg_id), req, {
            "to": to, "from": sender, "body": req["content"], "type": kind,
            "unicode": bool(req.get("unicodeEnabled", False)), "segments": count,
            "encoding": encoding})
        if path.endswith("/send"):
            return 201, {"messageId": msg_id}
        return 201, {"reference": uuid.uuid4().hex[:19], "messageId": msg_id,
                     "smsCount": count, "usedCredits": round(0.35 * count, 2),
                     "remainingCredits": 100.0}

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_PATCH = handle_any


def add_args(parser):
    parser.add_argument("--outbox", required=True, help="folder of the recorded messages")
    parser.add_argument("--twilio-sid", default="ACa11ce000000000000000000000000001")
    parser.add_argument("--twilio-token", default="twilio-test-token")
    parser.add_argument("--brevo-key", default="xkeysib-test")


def configure(args):
    os.makedirs(args.outbox, exist_ok=True)
    SmsHandler.outbox = args.outbox
    SmsHandler.twilio_sid = args.twilio_sid
    SmsHandler.twilio_token = args.twilio_token
    SmsHandler.brevo_key = args.brevo_key


if __name__ == "__main__":
    serve.main(__doc__.splitlines()[0], SmsHandler, add_args, configure)
