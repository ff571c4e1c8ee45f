"""Per-user isolation at the database level (DESIGN.md section 3): the my_*
views show only the rows of @app_user and refuse writes of other users'
rows (error 1369), an unauthenticated connection sees no tenant row at
all, and each program's MariaDB account reads only the tables and columns
sql/grants.sql gives it. Then the same promise through the API: a foreign
id answers 404 and changes nothing."""

import unittest

import prospea_test as t

try:
    import pymysql
except ImportError:        # reported by the tests that need it, not at import
    pymysql = None

PW = "Des fraises en hiver 2026"

ER_TABLEACCESS_DENIED = 1142
ER_COLUMNACCESS_DENIED = 1143
ER_VIEW_CHECK_FAILED = 1369

ACCOUNTS = ("prospea_auth", "prospea_gdpr", "prospea_mailer", "prospea_enricher",
            "prospea_campaigns", "prospea_sender", "prospea_admin", "prospea_retention")

# What each account may SELECT, per table or view: the columns of
# sql/grants.sql, written out again on purpose. A grant added there without
# being added here fails this test, and so does one that goes missing.
SESSION_READ = {"id", "user_id", "token_hash", "totp_verified", "last_seen_at",
                "expires_at", "revoked_at"}
READABLE = {
    "prospea_auth": {
        "session": SESSION_READ,
        "user_account": {"id", "email", "email_key", "first_name", "last_name",
                         "role", "status", "password_hash", "email_verified_at",
                         "totp_secret_ct", "totp_enabled_at", "totp_last_step",
                         "restricted_at", "erasure_due_at"},
        "auth_token": {"id", "user_id", "kind", "token_hash", "expires_at", "used_at"},
        "policy_version": {"id", "version", "effective_at", "text_url", "summary",
                           "notice_done_at"},
        # whether the account accepted the policy in force (login, session)
        "policy_acceptance": {"user_id", "policy_version_id"},
        "my_policy_acceptance": {"policy_version_id"},
        "auth_throttle": "*",
        "my_session": {"id", "ip", "user_agent", "created_at", "last_seen_at",
                       "expires_at", "revoked_at"},
        "my_account": {"email", "password_hash", "totp_secret_ct", "totp_enabled_at",
                       "totp_last_step"},
    },
    "prospea_gdpr": {
        "session": SESSION_READ,
        "user_account": {"id", "email", "email_key", "pending_email", "first_name",
                         "last_name", "role", "status", "email_verified_at",
                         "totp_enabled_at", "erasure_due_at", "restricted_at"},
        "policy_version": {"id", "version", "effective_at", "text_url", "summary"},
        "subprocessor": {"id", "name", "purpose", "location", "transfer_safeguard",
                         "position", "added_at"},
        "auth_token": {"id", "user_id", "kind", "token_hash", "expires_at", "used_at"},
        "auth_throttle": "*",
        "my_account": {"id", "email", "pending_email", "first_name", "last_name",
                       "default_region", "role", "status", "email_verified_at",
                       "totp_enabled_at", "professional_16plus_at", "created_at",
                       "updated_at", "closed_at", "restricted_at", "objects_analytics_at",
                       "objects_product_emails_at", "erasure_requested_at",
                       "erasure_due_at", "password_hash", "company_name"},
        "my_session": {"id", "totp_verified", "ip", "user_agent", "created_at",
                       "last_seen_at", "expires_at", "revoked_at"},
        "my_policy_acceptance": {"id", "policy_version_id", "accepted_at", "ip"},
        "my_security_event": {"id", "kind", "ip", "user_agent", "created_at"},
        "my_transactional_email": {"id", "kind", "to_addr", "subject", "status",
                                   "created_at", "sent_at"},
        "my_sending_account": {"id", "channel", "name", "from_name", "from_email",
                               "reply_to", "smtp_host", "smtp_port", "smtp_security",
                               "smtp_username", "smtp_password_ct", "imap_host",
                               "imap_port", "imap_security", "imap_username",
                               "imap_password_ct", "imap_mailbox", "sms_provider",
                               "sms_account_sid", "sms_api_key_ct", "sms_sender",
                               "daily_limit", "ramp_start", "ramp_step", "first_sent_at",
                               "tested_at", "test_result", "created_at", "updated_at"},
        "my_template": {"id", "name", "channel", "subject", "body", "body_html",
                        "created_at", "updated_at"},
        "my_call_script": {"id", "name", "sections", "created_at", "updated_at"},
        "my_campaign": {"id", "name", "status", "email_account_id", "sms_account_id",
                        "timezone", "window_days", "window_start", "window_end",
                        "daily_limit", "gap_seconds", "stop_on_reply",
                        "stop_company_on_reply", "started_at", "created_at", "updated_at"},
        "my_campaign_step": {"campaign_id", "position", "kind", "template_id",
                             "call_script_id", "wait_days"},
        "my_enrollment": {"id", "campaign_id", "prospect_id", "status", "stop_reason",
                          "position", "due_at", "enrolled_at", "updated_at", "finished_at"},
        "my_message": {"id", "campaign_id", "enrollment_id", "prospect_id", "position",
                       "channel", "sending_account_id", "status", "to_addr", "subject",
                       "body", "message_id", "provider_id", "first_contact", "error",
                       "created_at", "sent_at", "replied_at", "bounced_at"},
        "my_task": {"id", "campaign_id", "prospect_id", "position", "attempt",
                    "call_script_id", "status", "outcome", "note", "due_at", "done_at",
                    "created_at"},
        "my_prospect": {"id", "name", "category", "address", "postal_code", "city",
                        "country", "phone", "phone_e164", "email", "email_kind", "emails",
                        "website", "rating", "review_count", "place_id", "google_cid",
                        "latitude", "longitude", "status", "custom_fields",
                        "quality_flags", "source", "import_id", "collected_at",
                        "last_contact_at", "last_prospect_contact_at",
                        "retention_warned_at", "created_at", "updated_at"},
        "my_prospect_tag": {"prospect_id", "tag"},
        "my_prospect_note": {"id", "prospect_id", "body", "created_at", "updated_at"},
        "my_suppression": {"id", "kind", "hint", "reason", "created_at"},
        "my_import_job": {"id", "status", "filename", "options", "encoding", "bytes",
                          "result", "error_code", "error_detail", "created_at",
                          "started_at", "finished_at"},
        "my_enrich_job": {"id", "prospect_id", "status", "result", "error_code",
                          "created_at", "finished_at"},
        "my_subscription": {"user_id", "plan_code", "status", "trial_ends_at",
                            "stripe_customer_id", "stripe_subscription_id",
                            "current_period_start", "current_period_end",
                            "cancel_at_period_end", "canceled_at", "created_at",
                            "updated_at"},
        "my_invoice": {"id", "stripe_invoice_id", "number", "status", "currency",
                       "subtotal", "tax", "total", "amount_due", "amount_paid",
                       "amount_remaining", "hosted_invoice_url", "invoice_pdf",
                       "period_start", "period_end", "customer_name", "customer_email",
                       "customer_address", "customer_tax_ids", "stripe_created",
                       "paid_at", "retain_until"},
        "my_privacy_request": {"id", "kind", "message", "status", "created_at", "due_at",
                               "closed_at", "resolution"},
        "my_post_mortem_directive": {"user_id", "directives", "trusted_contact_name",
                                     "trusted_contact_email", "trusted_contact_phone",
                                     "created_at", "updated_at"},
        "my_admin_access": {"id", "admin_id", "action", "reason", "detail", "ip",
                            "created_at"},
    },
    "prospea_mailer": {
        "transactional_email": {"id", "user_id", "msg_key", "to_addr", "subject",
                                "body_ct", "status", "attempts", "next_attempt_at"},
        # the notice of a new policy version, to every open account
        "user_account": {"id", "email", "first_name", "status", "email_verified_at"},
        "policy_version": {"id", "version", "effective_at", "summary", "text_url",
                           "notified_upto", "notice_done_at"},
    },
    "prospea_enricher": {
        "enrich_job": {"id", "user_id", "prospect_id", "status", "attempts",
                       "lease_until"},
        "my_enrich_job": {"id", "status", "attempts"},
        "my_prospect": {"id", "website", "emails", "email", "name", "city", "category",
                        "postal_code"},
        "my_suppression": {"id", "value_hash"},
        # jobs of closed or restricted accounts wait
        "user_account": {"id", "status", "restricted_at"},
    },
    # Through the views, but for five columns of message: an unsubscribe
    # link names a message and comes without a session (camp_unsub.c).
    "prospea_campaigns": {
        "session": SESSION_READ,
        "user_account": {"id", "email", "first_name", "last_name", "role", "status",
                         "email_verified_at", "totp_enabled_at", "restricted_at"},
        "my_account": {"id", "first_name", "last_name", "default_region", "company_name"},
        "my_prospect": "*",
        "my_prospect_tag": {"prospect_id", "tag"},
        "my_suppression": {"value_hash"},
        "my_template": "*",
        "my_call_script": "*",
        "my_sending_account": "*",
        "my_campaign": "*",
        "my_campaign_step": "*",
        "my_enrollment": "*",
        "my_message": "*",
        "my_task": "*",
        "message": {"id", "user_id", "prospect_id", "channel", "to_addr"},
        "my_plan": "*",         # the plan limits of sending accounts, campaigns
    },
    "prospea_sender": {
        "my_plan": "*",         # the standing and the month's e-mails (plan.h)
        # across users: the queues only
        "enrollment": {"id", "user_id", "campaign_id", "status", "due_at", "lease_until",
                       "attempts"},
        "campaign": {"id", "status"},
        "user_account": {"id", "status", "restricted_at"},
        "message": {"id", "user_id", "enrollment_id", "sending_account_id", "status",
                    "sent_at"},
        "sending_account": {"id", "user_id", "channel", "imap_host", "imap_polled_at",
                            "imap_error"},
        # as the step's user
        "my_account": {"status", "first_name", "last_name", "company_name"},
        "my_enrollment": {"id", "status", "position", "campaign_id", "prospect_id",
                          "attempts", "lease_until"},
        "my_campaign": {"id", "status", "email_account_id", "sms_account_id", "timezone",
                        "window_days", "window_start", "window_end", "daily_limit",
                        "gap_seconds", "stop_on_reply", "stop_company_on_reply"},
        "my_campaign_step": {"campaign_id", "position", "kind", "template_id",
                             "call_script_id", "wait_days"},
        "my_template": {"id", "channel", "subject", "body", "body_html"},
        "my_prospect": {"id", "name", "category", "address", "postal_code", "city", "phone",
                        "email", "website", "custom_fields", "email_key", "phone_e164",
                        "website_host", "status", "source", "import_id", "emails",
                        "last_contact_at"},
        "my_import_job": {"id", "result"},
        "my_suppression": {"value_hash"},
        "my_sending_account": {"id", "channel", "from_name", "from_email", "reply_to",
                               "smtp_host", "smtp_port", "smtp_security", "smtp_username",
                               "smtp_password_ct", "sms_provider", "sms_account_sid",
                               "sms_api_key_ct", "sms_sender", "daily_limit", "ramp_start",
                               "ramp_step", "first_sent_at", "imap_host", "imap_port",
                               "imap_security", "imap_username", "imap_password_ct",
                               "imap_uidvalidity", "imap_last_uid"},
        "my_message": {"id", "campaign_id", "enrollment_id", "prospect_id", "position",
                       "channel", "sending_account_id", "status", "to_addr", "message_id",
                       "subject", "sent_at", "created_at"},
        # an opt-out cancels the prospect's open calls
        "my_task": {"prospect_id", "status"},
    },
    # Across users, what an admin sees of an account: no password hash, no
    # TOTP secret, no content; the audit trail it writes and reads.
    "prospea_admin": {
        "session": SESSION_READ,
        "user_account": {"id", "email", "email_key", "first_name", "last_name", "role",
                         "status", "email_verified_at", "totp_enabled_at", "default_region",
                         "created_at", "updated_at", "closed_at", "restricted_at",
                         "objects_analytics_at", "objects_product_emails_at",
                         "pending_email", "erasure_requested_at", "erasure_due_at"},
        "subscription": {"user_id", "plan_code", "status", "current_period_end",
                         "cancel_at_period_end"},
        "prospect": {"user_id"},
        "campaign": {"user_id"},
        "security_event": {"user_id", "kind", "created_at"},
        "privacy_request": "*",
        "policy_version": {"id", "version", "effective_at", "summary", "text_url",
                           "published_at"},
        "admin_audit": "*",
    },
    # The retention policy (workers/retention.c): across users, the
    # columns its rules compare, and the erased account's e-mail (hashed).
    "prospea_retention": {
        "security_event": {"id", "created_at"},
        "admin_audit": {"id", "created_at"},
        "user_account": {"id", "email", "first_name", "status", "erasure_due_at",
                         "restricted_at"},
        "transactional_email": {"id", "user_id", "to_addr", "status", "created_at"},
        "invoice": {"id", "retain_until"},
        "session": {"id", "expires_at", "revoked_at", "last_seen_at"},
        "auth_token": {"id", "expires_at", "used_at"},
        "auth_throttle": {"k", "window_start", "blocked_until"},
        "places_result": {"user_id", "place_id", "fetched_at"},
        "stripe_event": {"id", "received_at"},
        "prospect": {"id", "user_id", "name", "created_at", "last_prospect_contact_at",
                     "retention_warned_at"},
        "campaign": {"id", "user_id"},
        "template": {"id", "user_id"},
        "call_script": {"id", "user_id"},
        "sending_account": {"id", "user_id"},
    },
}
# The tenant tables behind the views, and the views themselves.
VIEW_BASES = ("session", "security_event", "user_account", "policy_acceptance",
              "transactional_email")
VIEWS = ("my_session", "my_security_event", "my_account", "my_policy_acceptance",
         "my_transactional_email")


def dev_accounts():
    """The database accounts ./dev creates, one per program (DB_ACCOUNTS)."""
    import os
    import re
    with open(os.path.join(t.ROOT, "dev")) as fh:
        m = re.search(r"^DB_ACCOUNTS=\(([^)]*)\)", fh.read(), re.M)
    return m.group(1).split()


def errno_of(conn, query, args=None):
    """Runs query; 0 if it worked, else the MariaDB error number."""
    try:
        with conn.cursor() as cur:
            cur.execute(query, args)
            cur.fetchall()
        return 0
    except pymysql.MySQLError as e:
        return e.args[0]


class Fixture:
    @classmethod
    def setUpClass(cls):
        cls.a, cls.a_addr = t.logged_in(prefix="iso-a")
        cls.b, cls.b_addr = t.logged_in(prefix="iso-b")
        # A second session for B, so that B has several rows too.
        cls.b2 = t.Client()
        assert cls.b2.login(cls.b_addr, PW).status == 200
        cls.a_id = int(cls.a.call("GET", "/api/v1/auth/session").json["user"]["id"])
        cls.b_id = int(cls.b.call("GET", "/api/v1/auth/session").json["user"]["id"])

    def session_ids(self, user_id):
        return sorted(r[0] for r in t.sql(
            "SELECT id FROM session WHERE user_id = %s", (user_id,)))


class Views(Fixture, unittest.TestCase):
    def test_view_shows_only_the_tenant_rows(self):
        a_rows, b_rows = self.session_ids(self.a_id), self.session_ids(self.b_id)
        self.assertGreaterEqual(len(a_rows), 1)
        self.assertGreaterEqual(len(b_rows), 2)
        c = t.db("prospea_auth")
        try:
            with c.cursor() as cur:
                cur.execute("SET @app_user = %s", (self.a_id,))
                # No user_id condition at all: the view is the condition.
                cur.execute("SELECT id, ip, revoked_at FROM my_session ORDER BY id")
                self.assertEqual(sorted(r[0] for r in cur.fetchall()), a_rows)
                cur.execute("SELECT COUNT(*) FROM my_session WHERE id IN %s", (b_rows,))
                self.assertEqual(cur.fetchone()[0], 0)
                cur.execute("SELECT email FROM my_account")
                self.assertEqual(cur.fetchall(), ((self.a_addr,),))
                cur.execute("SET @app_user = %s", (self.b_id,))
                cur.execute("SELECT id FROM my_session ORDER BY id")
                self.assertEqual(sorted(r[0] for r in cur.fetchall()), b_rows)
        finally:
            c.close()

    def test_admin_with_tenant_set(self):
        """Even the administrator's statements, through a view, stay inside
        the tenant: another user's rows cannot be written into or moved."""
        a_sess, b_sess = self.session_ids(self.a_id)[0], self.session_ids(self.b_id)[0]
        c = t.db()
        try:
            with c.cursor() as cur:
                cur.execute("SET @app_user = %s", (self.a_id,))
                with self.assertRaises(pymysql.MySQLError) as e:
                    cur.execute("INSERT INTO my_security_event (user_id, kind, ip, "
                                "user_agent, created_at) VALUES (%s, 'test', "
                                "'127.0.0.1', 'isolation test', NOW(3))", (self.b_id,))
                self.assertEqual(e.exception.args[0], ER_VIEW_CHECK_FAILED)
                with self.assertRaises(pymysql.MySQLError) as e:
                    cur.execute("UPDATE my_session SET user_id = %s WHERE id = %s",
                                (self.b_id, a_sess))
                self.assertEqual(e.exception.args[0], ER_VIEW_CHECK_FAILED)
                n = cur.execute("UPDATE my_session SET revoked_at = NOW(3) "
                                "WHERE id = %s", (b_sess,))
                self.assertEqual(n, 0)
                n = cur.execute("UPDATE my_account SET first_name = 'Mallory' "
                                "WHERE id = %s", (self.b_id,))
                self.assertEqual(n, 0)
                n = cur.execute("DELETE FROM my_session WHERE id = %s", (b_sess,))
                self.assertEqual(n, 0)
                # Its own rows it can write: the refusals above are not
                # a view that refuses everything.
                n = cur.execute("INSERT INTO my_security_event (user_id, kind, ip, "
                                "user_agent, created_at) VALUES (%s, 'test', "
                                "'127.0.0.1', 'isolation test', NOW(3))", (self.a_id,))
                self.assertEqual(n, 1)
        finally:
            c.close()
        self.assertEqual(t.sql("SELECT user_id, revoked_at FROM session WHERE id = %s",
                               (a_sess,))[0][0], self.a_id)
        self.assertIsNone(t.sql("SELECT revoked_at FROM session WHERE id = %s",
                                (b_sess,))[0][0])
        self.assertEqual(t.sql("SELECT first_name FROM user_account WHERE id = %s",
                               (self.b_id,))[0][0], "Zoé")
        self.assertEqual(t.sql("SELECT COUNT(*) FROM security_event WHERE user_id = %s "
                               "AND kind = 'test'", (self.b_id,))[0][0], 0)
        self.assertEqual(self.b.call("GET", "/api/v1/auth/session").status, 200)

    def test_program_account_cannot_revoke_foreign_session(self):
        b_sess = self.session_ids(self.b_id)[-1]
        c = t.db("prospea_auth")
        try:
            with c.cursor() as cur:
                cur.execute("SET @app_user = %s", (self.a_id,))
                n = cur.execute("UPDATE my_session SET revoked_at = NOW(3) "
                                "WHERE id = %s", (b_sess,))
                self.assertEqual(n, 0)
        finally:
            c.close()
        self.assertIsNone(t.sql("SELECT revoked_at FROM session WHERE id = %s",
                                (b_sess,))[0][0])

    def test_no_tenant_no_rows(self):
        """A fresh connection, as an unauthenticated request's: @app_user is
        NULL and every my_* view is empty, while the tables are not."""
        views = sorted(r[0] for r in t.sql(
            "SELECT TABLE_NAME FROM information_schema.VIEWS "
            "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'my\\_%%'"))
        self.assertLessEqual(set(VIEWS), set(views))
        self.assertGreater(t.sql("SELECT COUNT(*) FROM session")[0][0], 0)
        self.assertGreater(t.sql("SELECT COUNT(*) FROM user_account")[0][0], 0)
        c = t.db()
        try:
            with c.cursor() as cur:
                cur.execute("SELECT @app_user")
                self.assertIsNone(cur.fetchone()[0])
                for v in views:
                    cur.execute("SELECT COUNT(*) FROM `%s`" % v)
                    self.assertEqual(cur.fetchone()[0], 0, v)
        finally:
            c.close()
        c = t.db("prospea_auth")
        try:
            with c.cursor() as cur:
                for q in ("SELECT COUNT(*) FROM my_session", "SELECT COUNT(email) FROM my_account"):
                    cur.execute(q)
                    self.assertEqual(cur.fetchone()[0], 0, q)
        finally:
            c.close()


class Grants(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.columns = {}
        for table, column in t.sql(
                "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS "
                "WHERE TABLE_SCHEMA = DATABASE()"):
            cls.columns.setdefault(table, set()).add(column)
        cls.conns = {a: t.db(a) for a in ACCOUNTS}

    @classmethod
    def tearDownClass(cls):
        for c in cls.conns.values():
            c.close()

    def denied(self, account, query):
        return errno_of(self.conns[account], query)

    def test_named_refusals(self):
        for account, query, want in (
                ("prospea_gdpr", "SELECT * FROM session", ER_TABLEACCESS_DENIED),
                ("prospea_gdpr", "SELECT ip, user_agent FROM session", ER_COLUMNACCESS_DENIED),
                ("prospea_gdpr", "SELECT password_hash FROM user_account", ER_COLUMNACCESS_DENIED),
                ("prospea_gdpr", "SELECT totp_secret_ct FROM user_account", ER_COLUMNACCESS_DENIED),
                ("prospea_gdpr", "SELECT id FROM security_event", ER_TABLEACCESS_DENIED),
                ("prospea_gdpr", "SELECT id FROM transactional_email", ER_TABLEACCESS_DENIED),
                ("prospea_gdpr", "SELECT created_at FROM auth_token", ER_COLUMNACCESS_DENIED),
                ("prospea_gdpr", "SELECT value_hash FROM my_suppression",
                 ER_COLUMNACCESS_DENIED),
                ("prospea_gdpr", "SELECT data FROM my_import_chunk", ER_TABLEACCESS_DENIED),
                ("prospea_auth", "SELECT id FROM security_event", ER_TABLEACCESS_DENIED),
                ("prospea_auth", "SELECT id FROM transactional_email", ER_TABLEACCESS_DENIED),
                ("prospea_auth", "SELECT id, ip FROM policy_acceptance", ER_COLUMNACCESS_DENIED),
                ("prospea_admin", "SELECT password_hash FROM user_account",
                 ER_COLUMNACCESS_DENIED),
                ("prospea_admin", "SELECT totp_secret_ct FROM user_account",
                 ER_COLUMNACCESS_DENIED),
                ("prospea_admin", "SELECT name FROM prospect", ER_COLUMNACCESS_DENIED),
                ("prospea_admin", "SELECT body_ct FROM transactional_email",
                 ER_TABLEACCESS_DENIED),
                ("prospea_admin", "SELECT ip FROM security_event", ER_COLUMNACCESS_DENIED),
                ("prospea_auth", "SELECT ip FROM session", ER_COLUMNACCESS_DENIED),
                ("prospea_auth", "SELECT user_id FROM my_session", ER_COLUMNACCESS_DENIED),
                ("prospea_mailer", "SELECT password_hash FROM user_account",
                 ER_COLUMNACCESS_DENIED),
                ("prospea_mailer", "SELECT id FROM session", ER_TABLEACCESS_DENIED),
                ("prospea_mailer", "SELECT id FROM auth_token", ER_TABLEACCESS_DENIED),
                ("prospea_mailer", "SELECT last_error FROM transactional_email",
                 ER_COLUMNACCESS_DENIED),
                ("prospea_campaigns", "SELECT body FROM message", ER_COLUMNACCESS_DENIED),
                ("prospea_campaigns", "SELECT id FROM enrollment", ER_TABLEACCESS_DENIED),
                ("prospea_campaigns", "SELECT hint FROM my_suppression",
                 ER_COLUMNACCESS_DENIED),
                ("prospea_campaigns", "UPDATE my_prospect SET name = 'x' WHERE id = 0",
                 ER_COLUMNACCESS_DENIED),
                ("prospea_campaigns", "DELETE FROM my_suppression WHERE id = 0",
                 ER_TABLEACCESS_DENIED),
                ("prospea_campaigns", "DELETE FROM my_enrollment WHERE id = 0",
                 ER_TABLEACCESS_DENIED),
                ("prospea_campaigns", "UPDATE message SET status = 'sent' WHERE id = 0",
                 ER_TABLEACCESS_DENIED),
                ("prospea_sender", "SELECT body FROM message", ER_COLUMNACCESS_DENIED),
                ("prospea_sender", "SELECT smtp_password_ct FROM sending_account",
                 ER_COLUMNACCESS_DENIED),
                ("prospea_sender", "SELECT password_hash FROM user_account",
                 ER_COLUMNACCESS_DENIED),
                ("prospea_sender", "SELECT id FROM prospect", ER_TABLEACCESS_DENIED),
                ("prospea_sender", "SELECT id FROM suppression", ER_TABLEACCESS_DENIED),
                ("prospea_sender", "SELECT id FROM session", ER_TABLEACCESS_DENIED)):
            self.assertEqual(self.denied(account, query), want, (account, query))

    def test_every_column_of_every_table(self):
        """Each account, each table and view of the schema, each column:
        readable exactly when listed in READABLE; otherwise refused with
        1143 where the account reads some columns of it, 1142 where none."""
        self.assertLessEqual(set(VIEW_BASES) | set(VIEWS), set(self.columns))
        wrong = []
        for account in ACCOUNTS:
            for table, cols in sorted(self.columns.items()):
                allowed = READABLE[account].get(table, set())
                if allowed == "*":
                    allowed = cols
                self.assertLessEqual(allowed, cols, (account, table))
                for col in sorted(cols):
                    want = 0 if col in allowed else (
                        ER_COLUMNACCESS_DENIED if allowed else ER_TABLEACCESS_DENIED)
                    got = self.denied(account, "SELECT `%s` FROM `%s` LIMIT 0" % (col, table))
                    if got != want:
                        wrong.append("%s: SELECT %s.%s -> %s, expected %s"
                                     % (account, table, col, got, want))
                # SELECT * names every column: refused unless all are
                # readable (MariaDB says 1142 for a table, 1143 for a view).
                want = {0} if allowed == cols else {ER_TABLEACCESS_DENIED,
                                                    ER_COLUMNACCESS_DENIED}
                got = self.denied(account, "SELECT * FROM `%s` LIMIT 0" % table)
                if got not in want:
                    wrong.append("%s: SELECT * FROM %s -> %s, expected %s"
                                 % (account, table, got, want))
        self.assertEqual(wrong, [], "\n".join(wrong))

    def test_view_bases_closed_to_those_without_columns(self):
        """The tenant tables behind the views: no account reads them except
        through the columns sql/grants.sql names."""
        for account in ACCOUNTS:
            for table in VIEW_BASES:
                allowed = READABLE[account].get(table)
                got = self.denied(account, "SELECT COUNT(*) FROM `%s`" % table)
                self.assertEqual(got, 0 if allowed else ER_TABLEACCESS_DENIED,
                                 (account, table))

    def test_audit_tables_are_insert_only(self):
        """No handler or worker may change or delete a security event or
        the mail evidence; the retention worker only deletes (the purge
        after 12 months and 3 years), never updates an event."""
        for account in ACCOUNTS:
            if account == "prospea_retention":
                for q in ("UPDATE security_event SET kind = 'x' WHERE id = 0",
                          "UPDATE admin_audit SET reason = 'x' WHERE id = 0",
                          "DELETE FROM policy_acceptance WHERE id = 0"):
                    self.assertIn(self.denied(account, q),
                                  (ER_TABLEACCESS_DENIED, ER_COLUMNACCESS_DENIED),
                                  (account, q))
                for q in ("DELETE FROM security_event WHERE id = 0",
                          "DELETE FROM admin_audit WHERE id = 0"):
                    self.assertEqual(self.denied(account, q), 0, (account, q))
                continue
            for q in ("UPDATE security_event SET kind = 'x' WHERE id = 0",
                      "DELETE FROM security_event WHERE id = 0",
                      "DELETE FROM transactional_email WHERE id = 0",
                      "DELETE FROM policy_acceptance WHERE id = 0"):
                self.assertEqual(self.denied(account, q), ER_TABLEACCESS_DENIED, (account, q))

    def test_admin_audit_is_append_only_for_every_program(self):
        """The admin audit trail (issue 6): no program's account, of every
        one ./dev creates (DB_ACCOUNTS), may UPDATE or DELETE it; INSERT only
        where sql/grants.sql gives it. The retention worker's account alone
        deletes (its rows older than 12 months)."""
        accounts = dev_accounts()
        self.assertIn("prospea_admin", accounts)
        self.assertLessEqual(set(ACCOUNTS), set(accounts))
        inserters = {"prospea_admin"}
        deleters = {"prospea_retention"}
        wrong = []
        for account in accounts:
            c = t.db(account)
            try:
                for q, allowed in (
                        ("UPDATE admin_audit SET reason = 'x' WHERE id = 0", False),
                        ("UPDATE admin_audit SET target_user_id = NULL", False),
                        ("DELETE FROM admin_audit WHERE id = 0", account in deleters),
                        ("TRUNCATE TABLE admin_audit", False),
                        ("REPLACE INTO admin_audit (id, admin_id, action, ip, created_at) "
                         "VALUES (1, 1, 'x', '', NOW(3))", False),
                        ("INSERT INTO admin_audit (admin_id, action, ip, created_at) "
                         "VALUES (0, 'grant_test', '127.0.0.1', NOW(3))",
                         account in inserters)):
                    c.begin()
                    got = errno_of(c, q)
                    c.rollback()
                    if (got == 0) != allowed or (not allowed and got not in (
                            ER_TABLEACCESS_DENIED, ER_COLUMNACCESS_DENIED)):
                        wrong.append("%s: %s -> %s" % (account, q, got))
            finally:
                c.close()
        self.assertEqual(wrong, [], "\n".join(wrong))
        self.assertEqual(t.sql("SELECT COUNT(*) FROM admin_audit "
                               "WHERE action = 'grant_test'")[0][0], 0)

    def test_no_account_widens_its_reach(self):
        """No grant option, and no view of its own over a table it cannot read."""
        for account in ACCOUNTS:
            for q in ("GRANT SELECT ON prospea.session TO '%s'@'localhost'" % account,
                      "GRANT SELECT (ip) ON prospea.session TO '%s'@'localhost'" % account,
                      "CREATE VIEW my_everything AS SELECT 1",
                      "DROP VIEW my_session"):
                self.assertEqual(self.denied(account, q), ER_TABLEACCESS_DENIED, (account, q))


class ThroughTheApi(Fixture, unittest.TestCase):
    def test_foreign_session_id_is_not_found(self):
        b_sessions = self.session_ids(self.b_id)
        r = self.a.call("GET", "/api/v1/auth/sessions")
        self.assertEqual(r.status, 200, r)
        seen = {int(s["id"]) for s in r.json["items"]}
        self.assertTrue(seen)
        self.assertFalse(seen & set(b_sessions), "A sees B's sessions")
        for sid in b_sessions:
            r = self.a.call("DELETE", "/api/v1/auth/sessions/%d" % sid)
            self.assertEqual(r.status, 404, r)
            self.assertEqual(r.json["code"], "not_found")
        # Exactly what a session id that does not exist answers: no oracle.
        r2 = self.a.call("DELETE", "/api/v1/auth/sessions/999999999999")
        self.assertEqual((r2.status, r2.json["detail"]), (r.status, r.json["detail"]))
        self.assertEqual(self.b.call("GET", "/api/v1/auth/session").status, 200)
        self.assertEqual(self.b2.call("GET", "/api/v1/auth/session").status, 200)
        self.assertEqual(t.sql("SELECT COUNT(*) FROM session WHERE user_id = %s "
                               "AND revoked_at IS NOT NULL", (self.b_id,))[0][0], 0)


if __name__ == "__main__":
    t.main()
