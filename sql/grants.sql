-- One MariaDB account per program, each granted only the tables, views and
-- columns its statements use (DESIGN.md section 3). Applied by
-- prospea-migrate after the migrations, every time: each account is first
-- stripped of everything, so a grant removed here is removed there too.
-- Accounts authenticate through unix_socket: the system user of the same
-- name (prospea_auth…) connects without a password, nobody else can.
-- prospea-migrate --passwords adds a password as a second way in (the dev
-- stack runs every program as one system user).
--
-- What every handler needs for sessions (fcgi/sess.c): read the session by
-- its token hash and the user's public columns, refresh last_seen_at.

-- prospea_auth: sign-up, login, links, sessions, passwords, TOTP.
CREATE USER IF NOT EXISTS 'prospea_auth'@'localhost' IDENTIFIED VIA unix_socket;
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'prospea_auth'@'localhost';
GRANT SELECT (id, user_id, token_hash, totp_verified, last_seen_at, expires_at, revoked_at),
      INSERT (user_id, token_hash, totp_verified, ip, user_agent, created_at, last_seen_at, expires_at),
      UPDATE (last_seen_at, revoked_at)
      ON session TO 'prospea_auth'@'localhost';
GRANT SELECT (id, email, email_key, first_name, last_name, role, status, password_hash,
              email_verified_at, totp_secret_ct, totp_enabled_at, totp_last_step),
      INSERT (email, email_key, first_name, last_name, password_hash,
              professional_16plus_at, created_at, updated_at),
      UPDATE (password_hash, email_verified_at, totp_last_step, updated_at)
      ON user_account TO 'prospea_auth'@'localhost';
GRANT SELECT (id, user_id, kind, token_hash, expires_at, used_at),
      INSERT (user_id, kind, token_hash, created_at, expires_at),
      UPDATE (used_at)
      ON auth_token TO 'prospea_auth'@'localhost';
GRANT SELECT (id, version, effective_at) ON policy_version TO 'prospea_auth'@'localhost';
GRANT INSERT (user_id, policy_version_id, accepted_at, ip) ON policy_acceptance TO 'prospea_auth'@'localhost';
GRANT INSERT (user_id, msg_key, kind, to_addr, subject, body_ct, status, next_attempt_at, created_at)
      ON transactional_email TO 'prospea_auth'@'localhost';
GRANT INSERT (user_id, kind, ip, user_agent, created_at) ON security_event TO 'prospea_auth'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE ON auth_throttle TO 'prospea_auth'@'localhost';
GRANT SELECT (id, ip, user_agent, created_at, last_seen_at, expires_at, revoked_at),
      UPDATE (revoked_at)
      ON my_session TO 'prospea_auth'@'localhost';
GRANT SELECT (email, password_hash, totp_secret_ct, totp_enabled_at, totp_last_step),
      UPDATE (password_hash, totp_secret_ct, totp_enabled_at, totp_last_step, updated_at)
      ON my_account TO 'prospea_auth'@'localhost';
-- issue 6 (admin): the policy in force at login (its text_url for the
-- prompt) and whether the account accepted it, before a session exists;
-- a signed-in user's acceptance through the view (POST /auth/policy/accept).
GRANT SELECT (text_url, summary, notice_done_at) ON policy_version TO 'prospea_auth'@'localhost';
GRANT SELECT (user_id, policy_version_id) ON policy_acceptance TO 'prospea_auth'@'localhost';
GRANT SELECT (policy_version_id),
      INSERT (user_id, policy_version_id, accepted_at, ip)
      ON my_policy_acceptance TO 'prospea_auth'@'localhost';

-- issue 6 (retention): the session lookup reads the account's restriction
-- (fcgi/sess.c: writes of frozen groups answer 423); CSRF rejects and rate
-- limits are security events (fcgi/app.c).
GRANT SELECT (restricted_at) ON user_account TO 'prospea_auth'@'localhost';
GRANT EXECUTE ON PROCEDURE analytics_emit TO 'prospea_auth'@'localhost';
-- issue 6 (gdpr): login tells a closed account's owner when it is erased.
GRANT SELECT (erasure_due_at) ON user_account TO 'prospea_auth'@'localhost';

-- prospea_gdpr: the account and its GDPR & data space (handlers/gdpr):
-- the profile and its privacy state through my_account; the e-mail change
-- and the erasure's cancel, whose links come without a session, on a few
-- columns of user_account for the user the token names; one-time links,
-- security events, transactional mail and the re-check's throttle like
-- auth; and, for the export, read-only columns of every per-user view
-- (sealed secrets read only to say whether one is stored). The public
-- policy and subprocessor list.
CREATE USER IF NOT EXISTS 'prospea_gdpr'@'localhost' IDENTIFIED VIA unix_socket;
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'prospea_gdpr'@'localhost';
GRANT SELECT (id, user_id, token_hash, totp_verified, last_seen_at, expires_at, revoked_at),
      UPDATE (last_seen_at)
      ON session TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, email, email_key, pending_email, first_name, last_name, role, status,
              email_verified_at, totp_enabled_at, erasure_due_at),
      UPDATE (email, email_key, pending_email, status, closed_at, erasure_requested_at,
              erasure_due_at, updated_at)
      ON user_account TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, version, effective_at, text_url, summary) ON policy_version TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, name, purpose, location, transfer_safeguard, position, added_at)
      ON subprocessor TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, user_id, kind, token_hash, expires_at, used_at),
      INSERT (user_id, kind, token_hash, created_at, expires_at),
      UPDATE (used_at)
      ON auth_token TO 'prospea_gdpr'@'localhost';
GRANT INSERT (user_id, kind, ip, user_agent, created_at) ON security_event TO 'prospea_gdpr'@'localhost';
GRANT INSERT (user_id, msg_key, kind, to_addr, subject, body_ct, status, next_attempt_at, created_at)
      ON transactional_email TO 'prospea_gdpr'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE ON auth_throttle TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, email, pending_email, first_name, last_name, default_region, role, status,
              email_verified_at, totp_enabled_at, professional_16plus_at, created_at,
              updated_at, closed_at, restricted_at, objects_analytics_at,
              objects_product_emails_at, erasure_requested_at, erasure_due_at, password_hash,
              company_name),
      UPDATE (first_name, last_name, default_region, pending_email, status, closed_at,
              restricted_at, objects_analytics_at, objects_product_emails_at,
              erasure_requested_at, erasure_due_at, updated_at, company_name)
      ON my_account TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, totp_verified, ip, user_agent, created_at, last_seen_at, expires_at, revoked_at),
      UPDATE (revoked_at)
      ON my_session TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, policy_version_id, accepted_at, ip) ON my_policy_acceptance TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, kind, ip, user_agent, created_at) ON my_security_event TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, kind, to_addr, subject, status, created_at, sent_at)
      ON my_transactional_email TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, channel, name, from_name, from_email, reply_to, smtp_host, smtp_port,
              smtp_security, smtp_username, smtp_password_ct, imap_host, imap_port,
              imap_security, imap_username, imap_password_ct, imap_mailbox, sms_provider,
              sms_account_sid, sms_api_key_ct, sms_sender, daily_limit, ramp_start, ramp_step,
              first_sent_at, tested_at, test_result, created_at, updated_at)
      ON my_sending_account TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, name, channel, subject, body, body_html, created_at, updated_at)
      ON my_template TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, name, sections, created_at, updated_at) ON my_call_script TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, name, status, email_account_id, sms_account_id, timezone, window_days,
              window_start, window_end, daily_limit, gap_seconds, stop_on_reply,
              stop_company_on_reply, started_at, created_at, updated_at)
      ON my_campaign TO 'prospea_gdpr'@'localhost';
GRANT SELECT (campaign_id, position, kind, template_id, call_script_id, wait_days)
      ON my_campaign_step TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, campaign_id, prospect_id, status, stop_reason, position, due_at,
              enrolled_at, updated_at, finished_at)
      ON my_enrollment TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, campaign_id, enrollment_id, prospect_id, position, channel,
              sending_account_id, status, to_addr, subject, body, message_id, provider_id,
              first_contact, error, created_at, sent_at, replied_at, bounced_at)
      ON my_message TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, campaign_id, prospect_id, position, attempt, call_script_id, status,
              outcome, note, due_at, done_at, created_at)
      ON my_task TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, name, category, address, postal_code, city, country, phone, phone_e164,
              email, email_kind, emails, website, rating, review_count, place_id,
              google_cid, latitude, longitude, status, custom_fields, quality_flags, source,
              import_id, collected_at, last_contact_at, last_prospect_contact_at,
              retention_warned_at, created_at, updated_at)
      ON my_prospect TO 'prospea_gdpr'@'localhost';
GRANT SELECT (prospect_id, tag) ON my_prospect_tag TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, prospect_id, body, created_at, updated_at) ON my_prospect_note TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, kind, hint, reason, created_at) ON my_suppression TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, status, filename, options, encoding, bytes, result, error_code,
              error_detail, created_at, started_at, finished_at)
      ON my_import_job TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, prospect_id, status, result, error_code, created_at, finished_at)
      ON my_enrich_job TO 'prospea_gdpr'@'localhost';
GRANT SELECT (user_id, plan_code, status, trial_ends_at, stripe_customer_id,
              stripe_subscription_id, current_period_start, current_period_end,
              cancel_at_period_end, canceled_at, created_at, updated_at)
      ON my_subscription TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, stripe_invoice_id, number, status, currency, subtotal, tax, total,
              amount_due, amount_paid, amount_remaining, hosted_invoice_url, invoice_pdf,
              period_start, period_end, customer_name, customer_email, customer_address,
              customer_tax_ids, stripe_created, paid_at, retain_until)
      ON my_invoice TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, kind, message, status, created_at, due_at, closed_at, resolution),
      INSERT (user_id, kind, message, status, created_at, due_at)
      ON my_privacy_request TO 'prospea_gdpr'@'localhost';
-- (an upsert needs UPDATE on every column it inserts; the view's check
-- option keeps user_id the session's)
GRANT SELECT (user_id, directives, trusted_contact_name, trusted_contact_email,
              trusted_contact_phone, created_at, updated_at),
      INSERT (user_id, directives, trusted_contact_name, trusted_contact_email,
              trusted_contact_phone, created_at, updated_at),
      UPDATE (user_id, directives, trusted_contact_name, trusted_contact_email,
              trusted_contact_phone, created_at, updated_at),
      DELETE
      ON my_post_mortem_directive TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, admin_id, action, reason, detail, ip, created_at)
      ON my_admin_access TO 'prospea_gdpr'@'localhost';

-- issue 6 (retention): the session lookup reads the account's restriction
-- (fcgi/sess.c: writes of frozen groups answer 423); CSRF rejects and rate
-- limits are security events (fcgi/app.c).
GRANT SELECT (restricted_at) ON user_account TO 'prospea_gdpr'@'localhost';
GRANT INSERT (user_id, kind, ip, user_agent, created_at) ON security_event TO 'prospea_gdpr'@'localhost';

-- prospea_mailer: the transactional e-mail queue; and the notice of a new
-- policy version, queued for every open account in batches (the accounts'
-- address and first name, the version's text and progress).
CREATE USER IF NOT EXISTS 'prospea_mailer'@'localhost' IDENTIFIED VIA unix_socket;
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'prospea_mailer'@'localhost';
GRANT SELECT (id, user_id, msg_key, to_addr, subject, body_ct, status, attempts, next_attempt_at),
      UPDATE (status, attempts, next_attempt_at, last_error, sent_at, body_ct)
      ON transactional_email TO 'prospea_mailer'@'localhost';
GRANT INSERT (user_id, msg_key, kind, to_addr, subject, body_ct, status, next_attempt_at, created_at)
      ON transactional_email TO 'prospea_mailer'@'localhost';
GRANT SELECT (id, email, first_name, status, email_verified_at)
      ON user_account TO 'prospea_mailer'@'localhost';
GRANT SELECT (id, version, effective_at, summary, text_url, notified_upto, notice_done_at),
      UPDATE (notified_upto, notice_done_at)
      ON policy_version TO 'prospea_mailer'@'localhost';

-- prospea_prospects: prospects, notes, tags, suppressions, imports, Places
-- results and e-mail discovery requests, all through the per-user views;
-- the account's default phone region.
CREATE USER IF NOT EXISTS 'prospea_prospects'@'localhost' IDENTIFIED VIA unix_socket;
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'prospea_prospects'@'localhost';
GRANT SELECT (id, user_id, token_hash, totp_verified, last_seen_at, expires_at, revoked_at),
      UPDATE (last_seen_at)
      ON session TO 'prospea_prospects'@'localhost';
GRANT SELECT (id, email, first_name, last_name, role, status, email_verified_at, totp_enabled_at)
      ON user_account TO 'prospea_prospects'@'localhost';
GRANT SELECT (id, default_region) ON my_account TO 'prospea_prospects'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE ON my_prospect TO 'prospea_prospects'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE ON my_prospect_tag TO 'prospea_prospects'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE ON my_prospect_note TO 'prospea_prospects'@'localhost';
GRANT SELECT, INSERT, DELETE ON my_suppression TO 'prospea_prospects'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE ON my_import_job TO 'prospea_prospects'@'localhost';
GRANT SELECT, INSERT, DELETE ON my_import_chunk TO 'prospea_prospects'@'localhost';
GRANT SELECT, INSERT ON my_enrich_job TO 'prospea_prospects'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE ON my_places_result TO 'prospea_prospects'@'localhost';

-- issue 6 (retention): the session lookup reads the account's restriction
-- (fcgi/sess.c: writes of frozen groups answer 423); CSRF rejects and rate
-- limits are security events (fcgi/app.c).
GRANT SELECT (restricted_at) ON user_account TO 'prospea_prospects'@'localhost';
GRANT INSERT (user_id, kind, ip, user_agent, created_at) ON security_event TO 'prospea_prospects'@'localhost';
-- issue 6 (retention): anonymized analytics (fcgi/analytics.h).
GRANT EXECUTE ON PROCEDURE analytics_emit TO 'prospea_prospects'@'localhost';
-- issue 6 (retention): a prospect's access request (GET /prospects/{id}/export,
-- prosp_subject.c): its enrollments, the messages sent to it, its call tasks.
GRANT SELECT (id, campaign_id, prospect_id, status, stop_reason, position, enrolled_at,
              finished_at) ON my_enrollment TO 'prospea_prospects'@'localhost';
GRANT SELECT (id, name) ON my_campaign TO 'prospea_prospects'@'localhost';
GRANT SELECT (id, campaign_id, prospect_id, position, channel, to_addr, subject, body,
              status, created_at, sent_at, replied_at, bounced_at)
      ON my_message TO 'prospea_prospects'@'localhost';
GRANT SELECT (id, campaign_id, prospect_id, position, status, outcome, note, due_at,
              done_at, created_at) ON my_task TO 'prospea_prospects'@'localhost';

-- prospea_importer: claims big imports across users (the queue columns of
-- import_job), then works as the job's user through the views.
CREATE USER IF NOT EXISTS 'prospea_importer'@'localhost' IDENTIFIED VIA unix_socket;
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'prospea_importer'@'localhost';
GRANT SELECT (id, user_id, status, attempts, lease_until, started_at, created_at),
      UPDATE (status, attempts, lease_until, started_at, error_code, finished_at),
      DELETE
      ON import_job TO 'prospea_importer'@'localhost';
GRANT SELECT (id, default_region) ON my_account TO 'prospea_importer'@'localhost';
GRANT SELECT, UPDATE ON my_import_job TO 'prospea_importer'@'localhost';
GRANT SELECT, DELETE ON my_import_chunk TO 'prospea_importer'@'localhost';
GRANT SELECT, INSERT, UPDATE ON my_prospect TO 'prospea_importer'@'localhost';
GRANT SELECT, INSERT, UPDATE ON my_prospect_tag TO 'prospea_importer'@'localhost';
GRANT SELECT, INSERT ON my_prospect_note TO 'prospea_importer'@'localhost';
GRANT SELECT ON my_suppression TO 'prospea_importer'@'localhost';

-- issue 6 (retention): jobs of restricted or closed accounts wait (claim).
GRANT SELECT (id, status, restricted_at) ON user_account TO 'prospea_importer'@'localhost';
-- issue 6 (retention): anonymized analytics (fcgi/analytics.h).
GRANT EXECUTE ON PROCEDURE analytics_emit TO 'prospea_importer'@'localhost';

-- prospea_enricher: claims e-mail discovery jobs across users (the queue
-- columns of enrich_job), then, as the job's user through the views,
-- renews its lease, reads the prospect's website, checks found addresses
-- against the suppression list, adds them to the prospect and writes the
-- result (workers/enricher.c).
CREATE USER IF NOT EXISTS 'prospea_enricher'@'localhost' IDENTIFIED VIA unix_socket;
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'prospea_enricher'@'localhost';
GRANT SELECT (id, user_id, prospect_id, status, attempts, lease_until),
      UPDATE (status, attempts, lease_until)
      ON enrich_job TO 'prospea_enricher'@'localhost';
GRANT SELECT (id, status, attempts),
      UPDATE (status, result, error_code, lease_until, finished_at)
      ON my_enrich_job TO 'prospea_enricher'@'localhost';
GRANT SELECT (id, website, emails, email, name, city, category, postal_code),
      UPDATE (emails, email, email_key, email_kind, search_text, updated_at)
      ON my_prospect TO 'prospea_enricher'@'localhost';
GRANT SELECT (id, value_hash) ON my_suppression TO 'prospea_enricher'@'localhost';

-- issue 6 (retention): jobs of restricted or closed accounts wait (claim).
GRANT SELECT (id, status, restricted_at) ON user_account TO 'prospea_enricher'@'localhost';

-- prospea_campaigns: templates, call scripts, sending accounts (sealed
-- secrets), campaigns, their steps, enrollments, messages and call tasks,
-- all through the per-user views; reads the prospects it renders and
-- enrolls (by the search filters, tags included) and the suppression list
-- it honours; sets a prospect's status from a call's outcome; adds to the
-- suppression list when a recipient unsubscribes. An unsubscribe link
-- comes without a session: the handler learns whose message it names from
-- five columns of the base table, then works as that user (camp_unsub.c).
CREATE USER IF NOT EXISTS 'prospea_campaigns'@'localhost' IDENTIFIED VIA unix_socket;
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'prospea_campaigns'@'localhost';
GRANT SELECT (id, user_id, token_hash, totp_verified, last_seen_at, expires_at, revoked_at),
      UPDATE (last_seen_at)
      ON session TO 'prospea_campaigns'@'localhost';
GRANT SELECT (id, email, first_name, last_name, role, status, email_verified_at, totp_enabled_at)
      ON user_account TO 'prospea_campaigns'@'localhost';
GRANT SELECT (id, first_name, last_name, default_region, company_name)
      ON my_account TO 'prospea_campaigns'@'localhost';
GRANT SELECT, UPDATE (status, updated_at) ON my_prospect TO 'prospea_campaigns'@'localhost';
GRANT SELECT (prospect_id, tag) ON my_prospect_tag TO 'prospea_campaigns'@'localhost';
GRANT SELECT (value_hash),
      INSERT (user_id, kind, value_hash, hint, reason, created_at)
      ON my_suppression TO 'prospea_campaigns'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE ON my_template TO 'prospea_campaigns'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE ON my_call_script TO 'prospea_campaigns'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE ON my_sending_account TO 'prospea_campaigns'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE ON my_campaign TO 'prospea_campaigns'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE ON my_campaign_step TO 'prospea_campaigns'@'localhost';
GRANT SELECT, INSERT, UPDATE ON my_enrollment TO 'prospea_campaigns'@'localhost';
GRANT SELECT ON my_message TO 'prospea_campaigns'@'localhost';
GRANT SELECT, INSERT, UPDATE ON my_task TO 'prospea_campaigns'@'localhost';
GRANT SELECT (id, user_id, prospect_id, channel, to_addr) ON message TO 'prospea_campaigns'@'localhost';

-- issue 6 (retention): the session lookup reads the account's restriction
-- (fcgi/sess.c: writes of frozen groups answer 423); CSRF rejects and rate
-- limits are security events (fcgi/app.c).
GRANT SELECT (restricted_at) ON user_account TO 'prospea_campaigns'@'localhost';
GRANT INSERT (user_id, kind, ip, user_agent, created_at) ON security_event TO 'prospea_campaigns'@'localhost';
-- issue 6 (retention): anonymized analytics (fcgi/analytics.h).
GRANT EXECUTE ON PROCEDURE analytics_emit TO 'prospea_campaigns'@'localhost';

-- prospea_billing: the plan, usage and invoices of the signed-in account
-- through the per-user views; Checkout and Portal sessions (the account's
-- Stripe customer id); and Stripe's webhook, which acts for whichever
-- account an event names: it records the event (stripe_event), finds the
-- account by the ids Stripe sends (a few columns of subscription), then
-- works as that account through the views like a request. It reads no
-- password hash and no card data (none is stored).
CREATE USER IF NOT EXISTS 'prospea_billing'@'localhost' IDENTIFIED VIA unix_socket;
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'prospea_billing'@'localhost';
GRANT SELECT (id, user_id, token_hash, totp_verified, last_seen_at, expires_at, revoked_at),
      UPDATE (last_seen_at)
      ON session TO 'prospea_billing'@'localhost';
GRANT SELECT (id, email, first_name, last_name, role, status, email_verified_at, totp_enabled_at)
      ON user_account TO 'prospea_billing'@'localhost';
GRANT INSERT (user_id, msg_key, kind, to_addr, subject, body_ct, status, next_attempt_at, created_at)
      ON transactional_email TO 'prospea_billing'@'localhost';
GRANT SELECT (email, first_name) ON my_account TO 'prospea_billing'@'localhost';
GRANT SELECT ON plan TO 'prospea_billing'@'localhost';
GRANT SELECT ON my_plan TO 'prospea_billing'@'localhost';
GRANT SELECT (user_id, stripe_customer_id, stripe_subscription_id)
      ON subscription TO 'prospea_billing'@'localhost';
GRANT SELECT, INSERT, UPDATE ON my_subscription TO 'prospea_billing'@'localhost';
GRANT SELECT, INSERT, UPDATE ON my_invoice TO 'prospea_billing'@'localhost';
GRANT SELECT (id, event_id),
      INSERT (event_id, type, event_created, livemode, outcome, received_at),
      UPDATE (user_id, outcome)
      ON stripe_event TO 'prospea_billing'@'localhost';
GRANT SELECT (id) ON my_prospect TO 'prospea_billing'@'localhost';
GRANT SELECT (id) ON my_sending_account TO 'prospea_billing'@'localhost';
GRANT SELECT (id, status) ON my_campaign TO 'prospea_billing'@'localhost';
GRANT SELECT (id, channel, status, sent_at) ON my_message TO 'prospea_billing'@'localhost';

-- issue 6 (retention): the session lookup reads the account's restriction
-- (fcgi/sess.c: writes of frozen groups answer 423); CSRF rejects and rate
-- limits are security events (fcgi/app.c).
GRANT SELECT (restricted_at) ON user_account TO 'prospea_billing'@'localhost';
GRANT INSERT (user_id, kind, ip, user_agent, created_at) ON security_event TO 'prospea_billing'@'localhost';

-- Plan limits (fcgi/plan.h) where the work happens: the plan and standing
-- of the signed-in account, and the usage each program counts.
GRANT SELECT ON my_plan TO 'prospea_prospects'@'localhost';
GRANT SELECT ON my_plan TO 'prospea_importer'@'localhost';
GRANT SELECT ON my_plan TO 'prospea_campaigns'@'localhost';

-- prospea_sender: runs campaigns (workers/sender.c, docs/sequencing.md).
-- Across users, on the base tables, only what its queues need: the queue
-- columns of enrollment with the status of their campaign and user (the
-- claim and its lease), the state of messages and the lease of their
-- enrollment (interrupted sends), and the polling columns of sending
-- accounts (which mailbox is due). Everything else as the step's or the
-- mailbox's user, through the views: the campaign and its steps, the
-- templates, the prospect it writes to, the suppression list it honours
-- and adds bounces and opt-outs to, the account with its sealed secrets,
-- the messages, the call tasks it opens.
CREATE USER IF NOT EXISTS 'prospea_sender'@'localhost' IDENTIFIED VIA unix_socket;
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'prospea_sender'@'localhost';
-- the standing and the month's e-mails of the step's user (plan.h)
GRANT SELECT ON my_plan TO 'prospea_sender'@'localhost';
GRANT SELECT (id, user_id, campaign_id, status, due_at, lease_until, attempts),
      UPDATE (lease_until, attempts)
      ON enrollment TO 'prospea_sender'@'localhost';
GRANT SELECT (id, status) ON campaign TO 'prospea_sender'@'localhost';
GRANT SELECT (id, status) ON user_account TO 'prospea_sender'@'localhost';
GRANT SELECT (id, user_id, enrollment_id, sending_account_id, status, sent_at)
      ON message TO 'prospea_sender'@'localhost';
GRANT SELECT (id, user_id, channel, imap_host, imap_polled_at, imap_error),
      UPDATE (imap_polled_at)
      ON sending_account TO 'prospea_sender'@'localhost';
GRANT SELECT (status, first_name, last_name, company_name) ON my_account TO 'prospea_sender'@'localhost';
GRANT SELECT (id, status, position, campaign_id, prospect_id, attempts, lease_until),
      UPDATE (status, stop_reason, last_error, position, due_at, lease_until, attempts,
              finished_at, updated_at)
      ON my_enrollment TO 'prospea_sender'@'localhost';
GRANT SELECT (id, status, email_account_id, sms_account_id, timezone, window_days,
              window_start, window_end, daily_limit, gap_seconds, stop_on_reply,
              stop_company_on_reply)
      ON my_campaign TO 'prospea_sender'@'localhost';
GRANT SELECT (campaign_id, position, kind, template_id, call_script_id, wait_days)
      ON my_campaign_step TO 'prospea_sender'@'localhost';
GRANT SELECT (id, channel, subject, body, body_html) ON my_template TO 'prospea_sender'@'localhost';
GRANT SELECT (id, name, category, address, postal_code, city, phone, email, website,
              custom_fields, email_key, phone_e164, website_host, status, source,
              import_id, emails, last_contact_at),
      UPDATE (status, last_contact_at, last_prospect_contact_at, updated_at)
      ON my_prospect TO 'prospea_sender'@'localhost';
GRANT SELECT (id, result) ON my_import_job TO 'prospea_sender'@'localhost';
GRANT SELECT (value_hash),
      INSERT (user_id, kind, value_hash, hint, reason, created_at)
      ON my_suppression TO 'prospea_sender'@'localhost';
GRANT SELECT (id, channel, from_name, from_email, reply_to, smtp_host, smtp_port,
              smtp_security, smtp_username, smtp_password_ct, sms_provider,
              sms_account_sid, sms_api_key_ct, sms_sender, daily_limit, ramp_start,
              ramp_step, first_sent_at, imap_host, imap_port, imap_security,
              imap_username, imap_password_ct, imap_uidvalidity, imap_last_uid),
      UPDATE (first_sent_at, imap_uidvalidity, imap_last_uid, imap_error)
      ON my_sending_account TO 'prospea_sender'@'localhost';
GRANT SELECT (id, campaign_id, enrollment_id, prospect_id, position, channel,
              sending_account_id, status, to_addr, message_id, subject, sent_at,
              created_at),
      INSERT (user_id, campaign_id, enrollment_id, prospect_id, position, channel,
              sending_account_id, status, to_addr, first_contact, attempts, created_at),
      UPDATE (status, sending_account_id, to_addr, first_contact, attempts, error,
              message_id, provider_id, subject, body, sent_at, bounced_at, replied_at)
      ON my_message TO 'prospea_sender'@'localhost';
GRANT SELECT (prospect_id, status),
      INSERT (user_id, campaign_id, enrollment_id, prospect_id, position, call_script_id,
              status, due_at, created_at),
      UPDATE (status)
      ON my_task TO 'prospea_sender'@'localhost';
-- issue 6 (retention): steps of restricted accounts wait like those of
-- closed ones (the claim and the step's check); anonymized analytics.
GRANT SELECT (restricted_at) ON user_account TO 'prospea_sender'@'localhost';
GRANT EXECUTE ON PROCEDURE analytics_emit TO 'prospea_sender'@'localhost';

-- prospea_admin: the admin route group (handlers/admin), for users with
-- role admin whose session passed TOTP. It reads across users, on the base
-- tables, only what an admin sees of an account (profile, status, privacy
-- state, plan, counts, last login: no password hash, no TOTP secret, no
-- sending secrets, no prospect or message content), works the privacy
-- request queue, publishes policy versions with their notice to every
-- user, and writes the audit trail, which it can read but never change:
-- INSERT only on admin_audit (the retention worker alone deletes from it).
CREATE USER IF NOT EXISTS 'prospea_admin'@'localhost' IDENTIFIED VIA unix_socket;
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'prospea_admin'@'localhost';
GRANT SELECT (id, user_id, token_hash, totp_verified, last_seen_at, expires_at, revoked_at),
      UPDATE (last_seen_at)
      ON session TO 'prospea_admin'@'localhost';
GRANT SELECT (id, email, email_key, first_name, last_name, role, status, email_verified_at,
              totp_enabled_at, default_region, created_at, updated_at, closed_at,
              restricted_at, objects_analytics_at, objects_product_emails_at,
              pending_email, erasure_requested_at, erasure_due_at)
      ON user_account TO 'prospea_admin'@'localhost';
GRANT SELECT (user_id, plan_code, status, current_period_end, cancel_at_period_end)
      ON subscription TO 'prospea_admin'@'localhost';
GRANT SELECT (user_id) ON prospect TO 'prospea_admin'@'localhost';
GRANT SELECT (user_id) ON campaign TO 'prospea_admin'@'localhost';
GRANT SELECT (user_id, kind, created_at) ON security_event TO 'prospea_admin'@'localhost';
GRANT SELECT (id, user_id, kind, message, status, created_at, due_at, closed_at, closed_by,
              resolution),
      UPDATE (status, closed_at, closed_by, resolution)
      ON privacy_request TO 'prospea_admin'@'localhost';
GRANT SELECT (id, version, effective_at, summary, text_url, published_at),
      INSERT (version, effective_at, summary, text_url, published_at)
      ON policy_version TO 'prospea_admin'@'localhost';
GRANT INSERT (user_id, msg_key, kind, to_addr, subject, body_ct, status, next_attempt_at, created_at)
      ON transactional_email TO 'prospea_admin'@'localhost';
GRANT SELECT (id, admin_id, target_user_id, action, reason, detail, ip, user_agent, created_at),
      INSERT (admin_id, target_user_id, action, reason, detail, ip, user_agent, created_at)
      ON admin_audit TO 'prospea_admin'@'localhost';
-- issue 6 (retention): the session lookup reads the account's restriction
-- (fcgi/sess.c); CSRF rejects and rate limits are security events (fcgi/app.c).
GRANT INSERT (user_id, kind, ip, user_agent, created_at) ON security_event TO 'prospea_admin'@'localhost';

-- prospea_retention: the daily purge (workers/retention.c, DESIGN.md
-- section 3). Across users on the base tables, only the columns its
-- rules read and the rows it deletes: security events and the admin
-- audit trail after 12 months (the only account that may delete either),
-- erased accounts 30 days after closing (their rows go by the foreign
-- keys' cascades; invoices, Stripe events, suppressions and transactional
-- e-mails are detached by theirs), whose transactional e-mails first lose
-- the address (a keyed hash) and body; transactional e-mails after 3
-- years, invoices after retain_until, expired sessions, links and
-- throttle counters, and prospects 3 years after their last contact (the
-- user warned 30 days ahead through the transactional queue).
CREATE USER IF NOT EXISTS 'prospea_retention'@'localhost' IDENTIFIED VIA unix_socket;
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'prospea_retention'@'localhost';
GRANT SELECT (id, created_at), DELETE ON security_event TO 'prospea_retention'@'localhost';
GRANT SELECT (id, created_at), DELETE ON admin_audit TO 'prospea_retention'@'localhost';
GRANT SELECT (id, email, first_name, status, erasure_due_at, restricted_at), DELETE
      ON user_account TO 'prospea_retention'@'localhost';
GRANT SELECT (id, user_id, to_addr, status, created_at),
      UPDATE (to_addr, body_ct, last_error, status),
      INSERT (user_id, msg_key, kind, to_addr, subject, body_ct, status, next_attempt_at, created_at),
      DELETE
      ON transactional_email TO 'prospea_retention'@'localhost';
GRANT SELECT (id, retain_until), DELETE ON invoice TO 'prospea_retention'@'localhost';
GRANT SELECT (id, expires_at, revoked_at, last_seen_at), DELETE ON session TO 'prospea_retention'@'localhost';
GRANT SELECT (id, expires_at, used_at), DELETE ON auth_token TO 'prospea_retention'@'localhost';
GRANT SELECT (k, window_start, blocked_until), DELETE ON auth_throttle TO 'prospea_retention'@'localhost';
GRANT SELECT (user_id, place_id, fetched_at), DELETE ON places_result TO 'prospea_retention'@'localhost';
GRANT SELECT (id, received_at), DELETE ON stripe_event TO 'prospea_retention'@'localhost';
GRANT SELECT (id, user_id, name, created_at, last_prospect_contact_at, retention_warned_at),
      UPDATE (retention_warned_at), DELETE
      ON prospect TO 'prospea_retention'@'localhost';
GRANT SELECT (id, user_id), DELETE ON campaign TO 'prospea_retention'@'localhost';
GRANT SELECT (id, user_id), DELETE ON template TO 'prospea_retention'@'localhost';
GRANT SELECT (id, user_id), DELETE ON call_script TO 'prospea_retention'@'localhost';
GRANT SELECT (id, user_id), DELETE ON sending_account TO 'prospea_retention'@'localhost';
