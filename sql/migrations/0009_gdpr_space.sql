-- The GDPR & data space (issue 6, handlers/gdpr): the account's own view
-- shows its privacy state too (restriction, objections, a pending e-mail
-- change, the erasure dates), so the gdpr handler reads and sets them for
-- the signed-in user only, like every other column of the account.
CREATE OR REPLACE VIEW my_account AS
	SELECT id, email, email_key, first_name, last_name, role, status,
	    email_verified_at, totp_secret_ct, totp_enabled_at, totp_last_step,
	    professional_16plus_at, default_region, created_at, updated_at,
	    password_hash, closed_at, restricted_at, objects_analytics_at,
	    objects_product_emails_at, pending_email, erasure_requested_at,
	    erasure_due_at
	FROM user_account WHERE id = app_user() WITH CHECK OPTION;

-- A view's "*" is expanded when it is created: my_prospect (0003) lacks
-- the retention_warned_at of 0008, which the export shows. Made again.
CREATE OR REPLACE VIEW my_prospect AS
	SELECT * FROM prospect WHERE user_id = app_user() WITH CHECK OPTION;
