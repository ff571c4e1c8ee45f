"""End-to-end tests of every auth route through nginx -> prospea-auth ->
MariaDB, with the tokens read from the mail the SMTP server stored:
sign-up and verification, login and sessions, password reset and change,
TOTP, enumeration-safe answers, throttling with recovery, expiry."""

import re
import time
import unittest

import prospea_test as t

PW = "Des fraises en hiver 2026"


class SignupVerifyLogin(unittest.TestCase):
    def test_full_flow(self):
        addr = t.unique_email("flow")
        r = t.signup(addr, PW)
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json, {})
        mail = t.wait_mail(addr)[-1]
        self.assertIn("verify-email#token=", t.mail_text(mail))
        r = t.request("POST", "/api/v1/auth/verify-email", {"token": t.token_from(mail)})
        self.assertEqual(r.status, 204, r)

        c = t.Client()
        r = c.login(addr, PW)
        self.assertEqual(r.status, 200, r)
        user = r.json["user"]
        self.assertEqual(user["email"], addr)
        self.assertEqual(user["first_name"], "Zoé")
        self.assertTrue(user["email_verified"])
        self.assertFalse(user["totp_enabled"])
        self.assertIsInstance(user["id"], str)
        self.assertRegex(r.json["csrf_token"], r"^[A-Za-z0-9_-]{43}$")

        r = c.call("GET", "/api/v1/auth/session")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["user"], user)
        self.assertEqual(r.header("Cache-Control"), "no-store")

        r = c.call("GET", "/api/v1/auth/sessions")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json["items"]), 1)
        self.assertTrue(r.json["items"][0]["current"])
        self.assertIsNone(r.json["next_cursor"])

        token = c.token
        r = c.call("POST", "/api/v1/auth/logout")
        self.assertEqual(r.status, 204, r)
        self.assertIsNone(c.token, "logout must clear the cookie")
        # Replaying the old cookie after logout: the session is dead server-side.
        replay = t.Client()
        replay.token = token
        replay.csrf = c.csrf
        self.assertEqual(replay.call("GET", "/api/v1/auth/session").status, 401)
        self.assertEqual(replay.call("POST", "/api/v1/auth/logout").status, 401)

    def test_cookie_attributes(self):
        c, _ = t.logged_in()
        cookie = c.cookies[-1]
        parts = [p.strip() for p in cookie.split(";")]
        self.assertTrue(parts[0].startswith(t.COOKIE + "="))
        self.assertRegex(parts[0].split("=", 1)[1], r"^[A-Za-z0-9_-]{43}$")
        attrs = {p.split("=")[0].lower(): (p.split("=", 1) + [None])[1] for p in parts[1:]}
        self.assertEqual(attrs.get("path"), "/")
        self.assertIn("secure", attrs)
        self.assertIn("httponly", attrs)
        self.assertEqual(attrs.get("samesite"), "Lax")
        self.assertNotIn("domain", attrs, "__Host- cookies must not have Domain")
        self.assertEqual(attrs.get("max-age"), "2592000")

    def test_token_is_stored_hashed(self):
        c, addr = t.logged_in()
        rows = t.sql("SELECT HEX(s.token_hash) FROM session s JOIN user_account u "
                     "ON u.id = s.user_id WHERE u.email = %s", (addr,))
        self.assertEqual(len(rows), 1)
        self.assertNotIn(c.token.encode().hex().upper(), rows[0][0])
        import hashlib
        self.assertEqual(rows[0][0], hashlib.sha256(c.token.encode()).hexdigest().upper())

    def test_login_rotates_session(self):
        c, addr = t.logged_in()
        old = c.token
        r = c.login(addr, PW)
        self.assertEqual(r.status, 200, r)
        self.assertNotEqual(c.token, old)
        stale = t.Client()
        stale.token = old
        self.assertEqual(stale.call("GET", "/api/v1/auth/session").status, 401)
        self.assertEqual(c.call("GET", "/api/v1/auth/session").status, 200)

    def test_verify_token_is_single_use(self):
        addr = t.unique_email("once")
        t.signup(addr, PW)
        tok = t.token_from(t.wait_mail(addr)[-1])
        self.assertEqual(t.request("POST", "/api/v1/auth/verify-email", {"token": tok}).status, 204)
        r = t.request("POST", "/api/v1/auth/verify-email", {"token": tok})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json["code"], "invalid_token")
        r = t.request("POST", "/api/v1/auth/verify-email", {"token": "A" * 43})
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json["code"], "invalid_token")
        r = t.request("POST", "/api/v1/auth/verify-email", {"token": "short"})
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json["errors"][0]["field"], "token")

    def test_verify_token_expires(self):
        addr = t.unique_email("late")
        t.signup(addr, PW)
        tok = t.token_from(t.wait_mail(addr)[-1])
        t.sql("UPDATE auth_token t JOIN user_account u ON u.id = t.user_id "
              "SET t.expires_at = NOW(3) - INTERVAL 1 SECOND WHERE u.email = %s", (addr,))
        r = t.request("POST", "/api/v1/auth/verify-email", {"token": tok})
        self.assertEqual(r.status, 400)

    def test_unverified_account_cannot_login(self):
        addr = t.unique_email("unverified")
        t.signup(addr, PW)
        r = t.Client().login(addr, PW)
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.json["code"], "email_not_verified")
        self.assertIsNone(r.header("Set-Cookie"))

    def test_signup_records_policy_and_confirmation(self):
        addr = verified = t.verified_user()
        rows = t.sql("SELECT p.version, u.professional_16plus_at IS NOT NULL "
                     "FROM policy_acceptance a JOIN policy_version p ON p.id = a.policy_version_id "
                     "JOIN user_account u ON u.id = a.user_id WHERE u.email = %s", (addr,))
        self.assertEqual(rows, (("2026-01", 1),))
        self.assertTrue(verified)

    def test_signup_needs_current_policy(self):
        r = t.signup(t.unique_email(), PW, policy="2019-01")
        self.assertEqual(r.status, 422, r)
        self.assertEqual(r.json["code"], "policy_version")
        self.assertEqual(r.json["errors"][0]["field"], "accept_policy_version")
        current = t.request("GET", "/api/v1/legal/privacy-policy").json["version"]
        self.assertIn(current, r.json["detail"])

    def test_signup_needs_confirmation(self):
        addr = t.unique_email()
        r = t.request("POST", "/api/v1/auth/signup", {
            "first_name": "A", "last_name": "B", "email": addr, "password": PW,
            "accept_policy_version": t.POLICY, "confirm_professional_16plus": False})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json["errors"], [{"field": "confirm_professional_16plus",
                                             "code": "must_be_true", "message": "must be true"}])
        self.assertEqual(t.sql("SELECT COUNT(*) FROM user_account WHERE email = %s", (addr,)), ((0,),))

    def test_password_rules(self):
        for pw, status, code in (
                ("azerty123", 422, "common_password"),
                ("PASSWORD1", 422, "common_password"),      # lists compare without case
                ("motdepasse", 422, "common_password"),     # the French list
                ("1234567", 400, "too_short"),
                ("x" * 1025, 400, "too_long")):
            r = t.signup(t.unique_email("pw"), pw)
            self.assertEqual(r.status, status, (pw, r))
            self.assertEqual(r.json["errors"][0]["code"], code, pw)
        addr = t.unique_email("same")
        r = t.signup(addr, addr)
        self.assertEqual(r.status, 422)
        self.assertEqual(r.json["code"], "password_like_email")
        # Any Unicode: eight characters of two bytes each is eight characters.
        self.assertEqual(t.signup(t.unique_email("uni"), "éèêëàâäô").status, 202)
        self.assertEqual(t.signup(t.unique_email("emoji"), "🦊🦊🦊🦊🐻🐻🐻🐻").status, 202)


class Enumeration(unittest.TestCase):
    """Sign-up, login and forgot answer the same for known and unknown addresses."""

    def shape(self, r):
        names = sorted(k.lower() for k, _ in r.headers if k.lower() not in ("date", "x-request-id"))
        return (r.status, r.body, names)

    def test_signup_same_answer(self):
        known = t.verified_user(prefix="known")
        a = t.signup(known, "Un autre mot de passe 42")
        b = t.signup(t.unique_email("unknown"), "Un autre mot de passe 42")
        self.assertEqual(self.shape(a), self.shape(b))
        # The owner, and only the owner, is told.
        mails = t.wait_mail(known, count=2)
        self.assertIn("Tentative", str(mails[-1]["Subject"]))
        self.assertEqual(t.sql("SELECT COUNT(*) FROM user_account WHERE email = %s", (known,)), ((1,),))
        # The password did not change.
        self.assertEqual(t.Client().login(known, PW).status, 200)

    def test_login_same_answer(self):
        known = t.verified_user(prefix="known")
        a = t.Client().login(known, "not the password at all")
        b = t.Client().login(t.unique_email("nobody"), "not the password at all")
        self.assertEqual(a.status, 401)
        self.assertEqual(self.shape(a), self.shape(b))
        self.assertEqual(a.json["code"], "invalid_credentials")

    def test_forgot_same_answer(self):
        known = t.verified_user(prefix="known")
        unknown = t.unique_email("nobody")
        a = t.request("POST", "/api/v1/auth/password/forgot", {"email": known})
        b = t.request("POST", "/api/v1/auth/password/forgot", {"email": unknown})
        self.assertEqual(a.status, 202)
        self.assertEqual(self.shape(a), self.shape(b))
        t.wait_mail(known, count=2)
        time.sleep(0.5)
        self.assertEqual(t.mails_to(unknown), [])

    def test_signup_again_before_verifying(self):
        """A second sign-up of an unverified address sends a link to choose
        the password: whoever holds the mailbox ends up holding the account."""
        addr = t.unique_email("squat")
        self.assertEqual(t.signup(addr, "Le mot de passe du squatteur").status, 202)
        self.assertEqual(t.signup(addr, PW).status, 202)
        mail = t.wait_mail(addr, count=2)[-1]
        self.assertIn("reset-password#token=", t.mail_text(mail))
        r = t.request("POST", "/api/v1/auth/password/reset",
                      {"token": t.token_from(mail), "password": PW})
        self.assertEqual(r.status, 204, r)
        self.assertEqual(t.Client().login(addr, PW).status, 200)
        self.assertEqual(t.Client().login(addr, "Le mot de passe du squatteur").status, 401)

    def test_signup_again_voids_earlier_confirmation_links(self):
        """The squatter's confirmation link, sitting in the owner's mailbox,
        must not confirm the squatter's password once the owner signs up."""
        addr = t.unique_email("prehijack")
        self.assertEqual(t.signup(addr, "Le mot de passe du squatteur").status, 202)
        squatter_link = t.token_from(t.wait_mail(addr)[-1])
        self.assertEqual(t.signup(addr, PW).status, 202)
        t.wait_mail(addr, count=2)
        r = t.request("POST", "/api/v1/auth/verify-email", {"token": squatter_link})
        self.assertEqual((r.status, r.json["code"]), (400, "invalid_token"))
        self.assertEqual(t.Client().login(addr, "Le mot de passe du squatteur").status, 403,
                         "still unverified")

    def test_no_stranger_text_in_mail_to_unverified_addresses(self):
        addr = t.unique_email("spam")
        bait = "GAGNEZ 1000 EUR sur https://evil.example"
        self.assertEqual(t.request("POST", "/api/v1/auth/signup", {
            "first_name": bait, "last_name": "X", "email": addr, "password": PW,
            "accept_policy_version": t.POLICY, "confirm_professional_16plus": True}).status, 202)
        text = t.mail_text(t.wait_mail(addr)[-1])
        self.assertTrue(text.startswith("Bonjour,"), text[:80])
        self.assertNotIn("evil.example", text)
        self.assertNotIn("GAGNEZ", text)

    def test_signup_attempts_per_address_are_capped(self):
        """throttle_signup_ip_max (150 in the test stack) per hour, valid or not."""
        src = t.fresh_source()
        body = {"first_name": "A", "last_name": "B", "email": "x@exemple.fr", "password": PW,
                "accept_policy_version": "1999-01", "confirm_professional_16plus": True}
        statuses = []
        for _ in range(151):    # paced under nginx's own per-address limit
            statuses.append(t.request("POST", "/api/v1/auth/signup", body, source=src).status)
            time.sleep(1 / 50)
        self.assertEqual(set(statuses[:149]), {422}, statuses)
        self.assertEqual(statuses[-1], 429)
        self.assertEqual(t.signup(t.unique_email()).status, 202, "other addresses go on")

    def test_non_ascii_local_part_refused_idn_domain_one_account(self):
        r = t.signup("zoé-%s@exemple.fr" % time.time_ns(), PW)
        self.assertEqual((r.status, r.json["code"]), (422, "email_not_ascii"))
        stem = "idn-%d" % time.time_ns()
        self.assertEqual("exémple".encode("idna"), b"xn--exmple-cva")
        self.assertEqual(t.signup(stem + "@exémple.fr", PW).status, 202)
        self.assertEqual(t.signup(stem + "@xn--exmple-cva.fr", PW).status, 202)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM user_account WHERE email_key = %s",
                               (stem + "@xn--exmple-cva.fr",)), ((1,),),
                         "one mailbox, one account, whatever the form")
        # The mail goes out with the A-label domain.
        m = t.wait_mail(stem + "@xn--exmple-cva.fr", count=2)
        self.assertTrue(all(x["To"] == stem + "@xn--exmple-cva.fr" for x in m))


class Passwords(unittest.TestCase):
    def test_forgot_and_reset(self):
        c, addr = t.logged_in()
        r = t.request("POST", "/api/v1/auth/password/forgot", {"email": addr.upper()})
        self.assertEqual(r.status, 202)
        mail = t.wait_mail(addr, count=2)[-1]
        self.assertIn("reset-password#token=", t.mail_text(mail))
        tok = t.token_from(mail)
        # A refused password leaves the link usable.
        r = t.request("POST", "/api/v1/auth/password/reset", {"token": tok, "password": "azertyuiop"})
        self.assertEqual(r.status, 422, r)
        new = "Un nouveau mot de passe solide"
        r = t.request("POST", "/api/v1/auth/password/reset", {"token": tok, "password": new})
        self.assertEqual(r.status, 204, r)
        self.assertEqual(c.call("GET", "/api/v1/auth/session").status, 401,
                         "a reset revokes every session")
        self.assertEqual(t.Client().login(addr, PW).status, 401)
        self.assertEqual(t.Client().login(addr, new).status, 200)
        r = t.request("POST", "/api/v1/auth/password/reset", {"token": tok, "password": new + "!"})
        self.assertEqual(r.status, 400, "single use")
        self.assertIn("modifié", str(t.wait_mail(addr, count=3)[-1]["Subject"]))

    def test_reset_link_expires_after_an_hour(self):
        addr = t.verified_user()
        t.request("POST", "/api/v1/auth/password/forgot", {"email": addr})
        tok = t.token_from(t.wait_mail(addr, count=2)[-1])
        rows = t.sql("SELECT TIMESTAMPDIFF(SECOND, t.created_at, t.expires_at) FROM auth_token t "
                     "JOIN user_account u ON u.id = t.user_id WHERE u.email = %s "
                     "AND t.kind = 'password_reset'", (addr,))
        self.assertEqual(rows, ((3600,),))
        t.sql("UPDATE auth_token t JOIN user_account u ON u.id = t.user_id SET t.expires_at = "
              "NOW(3) - INTERVAL 1 SECOND WHERE u.email = %s AND t.kind = 'password_reset'", (addr,))
        r = t.request("POST", "/api/v1/auth/password/reset", {"token": tok, "password": PW + "x"})
        self.assertEqual(r.status, 400)

    def test_change_voids_reset_links(self):
        c, addr = t.logged_in()
        t.request("POST", "/api/v1/auth/password/forgot", {"email": addr})
        tok = t.token_from(t.wait_mail(addr, count=2)[-1])
        r = c.call("POST", "/api/v1/auth/password/change",
                   {"current_password": PW, "new_password": "Tout autre chose 99"})
        self.assertEqual(r.status, 204, r)
        r = t.request("POST", "/api/v1/auth/password/reset", {"token": tok, "password": PW + "!"})
        self.assertEqual(r.status, 400, "a link from before the change must not undo it")
        self.assertEqual(c.call("GET", "/api/v1/auth/session").status, 200)

    def test_security_notice_ignores_the_mail_budget(self):
        c, addr = t.logged_in()
        for _ in range(5):
            t.request("POST", "/api/v1/auth/password/forgot", {"email": addr})
        t.wait_mail(addr, count=5)      # verification + 4 within the budget
        r = c.call("POST", "/api/v1/auth/password/change",
                   {"current_password": PW, "new_password": "Tout autre chose 99"})
        self.assertEqual(r.status, 204)
        ms = t.wait_mail(addr, count=6)
        self.assertIn("modifié", str(ms[-1]["Subject"]))

    def test_change(self):
        c, addr = t.logged_in()
        other = t.Client()
        self.assertEqual(other.login(addr, PW).status, 200)
        r = c.call("POST", "/api/v1/auth/password/change",
                   {"current_password": "wrong one", "new_password": "Tout autre chose 99"})
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json["code"], "invalid_password")
        self.assertEqual(c.call("GET", "/api/v1/auth/session").status, 200,
                         "a wrong current password does not end the session")
        r = c.call("POST", "/api/v1/auth/password/change",
                   {"current_password": PW, "new_password": "qwertyuiop"})
        self.assertEqual(r.status, 422)
        r = c.call("POST", "/api/v1/auth/password/change",
                   {"current_password": PW, "new_password": "Tout autre chose 99"})
        self.assertEqual(r.status, 204, r)
        self.assertEqual(c.call("GET", "/api/v1/auth/session").status, 200)
        self.assertEqual(other.call("GET", "/api/v1/auth/session").status, 401,
                         "a change revokes the other sessions")
        self.assertEqual(t.Client().login(addr, "Tout autre chose 99").status, 200)
        kinds = t.sql("SELECT kind FROM security_event e JOIN user_account u ON u.id = e.user_id "
                      "WHERE u.email = %s ORDER BY e.id", (addr,))
        self.assertIn(("password_changed",), kinds)

    def test_rehash_on_login_when_parameters_change(self):
        import nacl.pwhash
        addr = t.verified_user()
        old = nacl.pwhash.argon2id.str(PW.encode(), opslimit=3, memlimit=8 * 1024 * 1024).decode()
        t.sql("UPDATE user_account SET password_hash = %s WHERE email = %s", (old, addr))
        # The rehash needs a free hashing slot (hash_slots = 1 in the test
        # stack, shared with every sign-up of the modules running beside
        # this one): when all are busy the login succeeds without it, and
        # the next login tries again.
        for _ in range(20):
            self.assertEqual(t.Client().login(addr, PW).status, 200)
            (new,), = t.sql("SELECT password_hash FROM user_account WHERE email = %s", (addr,))
            if new != old:
                break
            time.sleep(0.2)
        self.assertNotEqual(new, old)
        self.assertTrue(new.startswith("$argon2id$"))
        self.assertIn("t=1", new, "rehashed with the configured pwhash_ops")


class Sessions(unittest.TestCase):
    def test_list_and_revoke(self):
        c, addr = t.logged_in()
        other = t.Client()
        self.assertEqual(other.login(addr, PW).status, 200)
        items = c.call("GET", "/api/v1/auth/sessions").json["items"]
        self.assertEqual(len(items), 2)
        mine = [i for i in items if i["current"]]
        theirs = [i for i in items if not i["current"]]
        self.assertEqual(len(mine), 1)
        self.assertEqual(theirs[0]["ip"], t.SOURCE)
        self.assertRegex(theirs[0]["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        r = c.call("DELETE", "/api/v1/auth/sessions/" + theirs[0]["id"])
        self.assertEqual(r.status, 204, r)
        self.assertEqual(other.call("GET", "/api/v1/auth/session").status, 401)
        self.assertEqual(c.call("DELETE", "/api/v1/auth/sessions/" + theirs[0]["id"]).status, 404)
        for bad in ("0", "abc", "99999999999", "01"):
            self.assertEqual(c.call("DELETE", "/api/v1/auth/sessions/" + bad).status, 404, bad)
        r = c.call("DELETE", "/api/v1/auth/sessions/" + mine[0]["id"])
        self.assertEqual(r.status, 204)
        self.assertIsNone(c.token, "revoking the current session clears the cookie")

    def test_expired_sessions_cannot_be_revoked(self):
        c, addr = t.logged_in()
        other = t.Client()
        self.assertEqual(other.login(addr, PW).status, 200)
        theirs = [i for i in c.call("GET", "/api/v1/auth/sessions").json["items"]
                  if not i["current"]][0]
        t.sql("UPDATE session SET expires_at = NOW(3) - INTERVAL 1 SECOND WHERE id = %s",
              (theirs["id"],))
        self.assertEqual(c.call("DELETE", "/api/v1/auth/sessions/" + theirs["id"]).status, 404,
                         "what the list does not show does not exist")

    def test_paging(self):
        c, addr = t.logged_in()
        for _ in range(3):
            self.assertEqual(t.Client().login(addr, PW).status, 200)
        first = c.call("GET", "/api/v1/auth/sessions?limit=3").json
        self.assertEqual(len(first["items"]), 3)
        self.assertIsNotNone(first["next_cursor"])
        rest = c.call("GET", "/api/v1/auth/sessions?limit=3&cursor=" + first["next_cursor"]).json
        self.assertEqual(len(rest["items"]), 1)
        self.assertIsNone(rest["next_cursor"])
        ids = [i["id"] for i in first["items"] + rest["items"]]
        self.assertEqual(len(set(ids)), 4)
        for q in ("limit=0", "limit=201", "limit=x", "cursor=-1", "cursor=abc"):
            r = c.call("GET", "/api/v1/auth/sessions?" + q)
            self.assertEqual(r.status, 400, q)

    def test_idle_expiry(self):
        c, addr = t.logged_in()
        t.sql("UPDATE session s JOIN user_account u ON u.id = s.user_id SET s.last_seen_at = "
              "NOW(3) - INTERVAL 8 DAY WHERE u.email = %s", (addr,))
        r = c.call("GET", "/api/v1/auth/session")
        self.assertEqual(r.status, 401)
        self.assertRegex(r.header("Set-Cookie"), r"^__Host-prospea_session=; .*Max-Age=0")

    def test_absolute_expiry(self):
        c, addr = t.logged_in()
        t.sql("UPDATE session s JOIN user_account u ON u.id = s.user_id SET s.expires_at = "
              "NOW(3) - INTERVAL 1 SECOND WHERE u.email = %s", (addr,))
        self.assertEqual(c.call("GET", "/api/v1/auth/session").status, 401)

    def test_activity_keeps_the_session(self):
        c, addr = t.logged_in()
        t.sql("UPDATE session s JOIN user_account u ON u.id = s.user_id SET s.last_seen_at = "
              "NOW(3) - INTERVAL 6 DAY WHERE u.email = %s", (addr,))
        self.assertEqual(c.call("GET", "/api/v1/auth/session").status, 200)
        (age,), = t.sql("SELECT TIMESTAMPDIFF(SECOND, s.last_seen_at, NOW(3)) FROM session s "
                        "JOIN user_account u ON u.id = s.user_id WHERE u.email = %s", (addr,))
        self.assertLess(age, 60, "a request refreshes last_seen_at")


class Throttling(unittest.TestCase):
    def test_hashing_is_capped_not_queued(self):
        """With every hashing slot taken, a sign-in is answered 503 busy at
        once rather than queued, and cheap requests keep being served."""
        import threading
        c, _ = t.logged_in()
        seen, session = [], []

        def login(i):
            src = "127.2.%d.%d" % (i % 200, 2 + i // 200)
            r = t.request("POST", "/api/v1/auth/login",
                          {"email": t.unique_email("burst"), "password": "Printemps 2026"},
                          source=src, busy_retry=False)
            seen.append((r.status, r.header("Retry-After"), r.body))

        def check():
            for _ in range(10):
                session.append(c.call("GET", "/api/v1/auth/session").status)

        for burst in range(5):
            threads = [threading.Thread(target=login, args=(burst * 24 + i,)) for i in range(24)]
            threads.append(threading.Thread(target=check))
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            if any(s == 503 for s, _, _ in seen):
                break
        busy = [x for x in seen if x[0] == 503]
        self.assertTrue(busy, "no sign-in found the slots busy: %r" % seen[:5])
        self.assertTrue(all(ra == "1" and b'"code":"busy"' in body for _, ra, body in busy))
        self.assertEqual({s for s, _, _ in seen} - {401, 503}, set())
        self.assertEqual(set(session), {200}, "cheap requests were never refused")

    def test_others_cannot_lock_an_account(self):
        """Failures from other addresses count against (account, address)
        pairs and a loose account-wide budget: a few strangers cannot lock
        the owner out."""
        addr = t.verified_user(prefix="target")
        for i in range(5):
            src = t.fresh_source()
            for j in range(5):
                t.request("POST", "/api/v1/auth/login", {"email": addr, "password": "x%d" % j},
                          source=src)
        self.assertEqual(t.Client().login(addr, PW).status, 200)


    def test_account_throttle_then_recovery(self):
        addr = t.verified_user(prefix="throttle")
        src = t.fresh_source()
        for i in range(4):
            self.assertEqual(t.Client(src).login(addr, "wrong %d" % i).status, 401)
        r = t.Client(src).login(addr, "wrong again")
        self.assertEqual(r.status, 401)          # the fifth failure starts a block
        r = t.Client(src).login(addr, PW)
        self.assertEqual(r.status, 429, "blocked even with the right password")
        self.assertEqual(r.json["code"], "rate_limited")
        wait = int(r.header("Retry-After"))
        self.assertGreaterEqual(wait, 1)
        self.assertLessEqual(wait, 3)
        # Unknown or known, a blocked address answers the same.
        time.sleep(wait + 0.2)
        r = t.Client(src).login(addr, PW)
        self.assertEqual(r.status, 200, "the real user is never locked out for long")

    def test_blocks_grow_but_stay_bounded(self):
        addr = t.unique_email("nobody")
        src = t.fresh_source()
        waits = []
        for _ in range(2):
            for i in range(5):
                t.Client(src).login(addr, "wrong %d" % i)
            r = t.Client(src).login(addr, "wrong")
            self.assertEqual(r.status, 429)
            waits.append(int(r.header("Retry-After")))
            time.sleep(waits[-1] + 0.2)
        self.assertLessEqual(waits[0], 3)
        self.assertGreater(waits[1], waits[0] - 1)
        self.assertLessEqual(waits[1], 5, "throttle_block_max bounds every block")


    def test_address_throttle(self):
        """Failures from one client address across many accounts are capped
        (throttle_ip_max, 25 in the test stack); other addresses are not hit."""
        src = t.fresh_source()
        body = lambda: {"email": t.unique_email("spray"), "password": "Printemps2026"}
        statuses = [t.request("POST", "/api/v1/auth/login", body(), source=src).status
                    for _ in range(26)]
        self.assertEqual(statuses[:25], [401] * 25, statuses)
        self.assertEqual(statuses[25], 429)
        r = t.request("POST", "/api/v1/auth/login", body(), source=src)
        self.assertEqual(r.status, 429)
        self.assertTrue(r.header("Retry-After"))
        self.assertEqual(t.request("POST", "/api/v1/auth/login", body()).status, 401,
                         "another address is not blocked")


class Totp(unittest.TestCase):
    def test_wrong_codes_are_throttled(self):
        addr = t.verified_user()
        c = t.Client(t.fresh_source())
        self.assertEqual(c.login(addr, PW).status, 200)
        secret = c.call("POST", "/api/v1/auth/totp/setup").json["secret"]
        wrong = "000000" if t.totp_code(secret) != "000000" else "111111"
        statuses = [c.call("POST", "/api/v1/auth/totp/enable",
                           {"code": wrong, "password": PW}).status for _ in range(6)]
        self.assertEqual(statuses[:4], [422] * 4, statuses)
        self.assertIn(429, statuses[4:], "guessing codes through a session is throttled too")

    def test_enable_needs_setup(self):
        c, _ = t.logged_in()
        r = c.call("POST", "/api/v1/auth/totp/enable", {"code": "123456", "password": PW})
        self.assertEqual((r.status, r.json["code"]), (409, "totp_not_set_up"))
        r = c.call("POST", "/api/v1/auth/totp/disable", {"password": PW, "code": "123456"})
        self.assertEqual((r.status, r.json["code"]), (409, "totp_disabled"))

    def test_setup_enable_login_disable(self):
        c, addr = t.logged_in()
        r = c.call("POST", "/api/v1/auth/totp/setup")
        self.assertEqual(r.status, 200, r)
        secret = r.json["secret"]
        self.assertRegex(secret, r"^[A-Z2-7]{32}$")
        self.assertTrue(r.json["otpauth_uri"].startswith("otpauth://totp/Prospea:"))
        self.assertIn("secret=" + secret, r.json["otpauth_uri"])
        (ct,), = t.sql("SELECT totp_secret_ct FROM user_account WHERE email = %s", (addr,))
        self.assertNotIn(secret.encode(), ct, "the secret is sealed at rest")

        wrong = "000000" if t.totp_code(secret) != "000000" else "111111"
        r = c.call("POST", "/api/v1/auth/totp/enable", {"code": wrong, "password": PW})
        self.assertEqual(r.status, 422)
        self.assertEqual(r.json["code"], "totp_invalid")
        r = c.call("POST", "/api/v1/auth/totp/enable",
                   {"code": t.totp_code(secret), "password": "not it"})
        self.assertEqual((r.status, r.json["code"]), (401, "invalid_password"),
                         "turning the factor on asks for the password")
        other = t.Client()
        self.assertEqual(other.login(addr, PW).status, 200)
        r = c.call("POST", "/api/v1/auth/totp/enable", {"code": t.totp_code(secret), "password": PW})
        self.assertEqual(r.status, 204, r)
        self.assertEqual(other.call("GET", "/api/v1/auth/session").status, 401,
                         "other sessions did not pass the factor: they end")
        self.assertEqual(c.call("GET", "/api/v1/auth/session").status, 200)
        r = c.call("POST", "/api/v1/auth/totp/setup")
        self.assertEqual((r.status, r.json["code"]), (409, "totp_enabled"))
        r = c.call("POST", "/api/v1/auth/totp/enable", {"code": t.totp_code(secret), "password": PW})
        self.assertEqual((r.status, r.json["code"]), (409, "totp_enabled"))

        r = t.Client().login(addr, PW)
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json["code"], "totp_required")
        r = t.Client().login(addr, "wrong password", totp="123456")
        self.assertEqual(r.json["code"], "invalid_credentials",
                         "the password is checked first")
        # The step used to enable is spent: the next one logs in.
        code = t.totp_code(secret, time.time() + 30)
        d = t.Client()
        r = d.login(addr, PW, totp=code)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["user"]["totp_enabled"])
        r = t.Client().login(addr, PW, totp=code)
        self.assertEqual(r.status, 401, "a code works once")
        self.assertEqual(r.json["code"], "totp_invalid")

        r = d.call("POST", "/api/v1/auth/totp/disable", {"password": "wrong", "code": code})
        self.assertEqual(r.status, 401)
        # Steps now and +30 s are spent; the window still accepts one more
        # only after time moves on, so check a spent one is refused…
        r = d.call("POST", "/api/v1/auth/totp/disable", {"password": PW, "code": code})
        self.assertEqual(r.status, 422)
        # …and succeed with the secret's state reset by the database clock.
        t.sql("UPDATE user_account SET totp_last_step = 0 WHERE email = %s", (addr,))
        r = d.call("POST", "/api/v1/auth/totp/disable", {"password": PW, "code": t.totp_code(secret)})
        self.assertEqual(r.status, 204, r)
        self.assertEqual(t.Client().login(addr, PW).status, 200)


if __name__ == "__main__":
    t.main()
