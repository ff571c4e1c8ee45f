-- The user's company, as prospects should read it: {{sender_company}} in
-- templates and the first-contact notice (who prospects them, GDPR art.
-- 14(1)(a)). Set with PATCH /api/v1/account; NULL until then.
ALTER TABLE user_account ADD COLUMN company_name VARCHAR(200) NULL;

CREATE OR REPLACE VIEW my_account AS
	SELECT id, email, email_key, first_name, last_name, role, status,
	    email_verified_at, totp_secret_ct, totp_enabled_at, totp_last_step,
	    professional_16plus_at, default_region, created_at, updated_at,
	    password_hash, closed_at, restricted_at, objects_analytics_at,
	    objects_product_emails_at, pending_email, erasure_requested_at,
	    erasure_due_at, company_name
	FROM user_account WHERE id = app_user() WITH CHECK OPTION;
