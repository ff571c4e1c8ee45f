-- The GDPR & data space, admin audit, retention and anonymized analytics
-- (issue 6; DESIGN.md section 3, API.md "gdpr" and "admin").

-- The account's privacy state. status 'closed' with erasure_due_at set is
-- an erasure in its 30 days of grace (POST /gdpr/erasure): login refused,
-- sending stopped, cancellable until erasure_due_at, then purged by the
-- retention worker. restricted_at: processing frozen (GDPR art. 18) until
-- lifted. objects_*_at: objections to optional processing (art. 21).
-- pending_email: an e-mail change waiting for its link on the new address.
ALTER TABLE user_account
	ADD COLUMN restricted_at		DATETIME(3) NULL,
	ADD COLUMN objects_analytics_at		DATETIME(3) NULL,
	ADD COLUMN objects_product_emails_at	DATETIME(3) NULL,
	ADD COLUMN pending_email		VARCHAR(254) NULL,
	ADD COLUMN erasure_requested_at		DATETIME(3) NULL,
	ADD COLUMN erasure_due_at		DATETIME(3) NULL,
	ADD KEY user_account_erasure (status, erasure_due_at);

-- One-time links for the new kinds: confirming a new address, cancelling
-- an erasure (sent when the account is closed, valid for the 30 days).
ALTER TABLE auth_token
	MODIFY kind ENUM('verify_email', 'password_reset', 'email_change',
	    'erasure_cancel') NOT NULL;

-- Security events without an account (a rate limit on an unknown address).
ALTER TABLE security_event MODIFY user_id BIGINT UNSIGNED NULL;

-- Opt-outs outlive the account that recorded them (DESIGN.md section 3):
-- the hashes are detached, not deleted, when the account is purged.
ALTER TABLE suppression
	DROP FOREIGN KEY suppression_user_fk,
	MODIFY user_id BIGINT UNSIGNED NULL;
ALTER TABLE suppression
	ADD CONSTRAINT suppression_user_fk FOREIGN KEY (user_id)
	    REFERENCES user_account (id) ON DELETE SET NULL;

-- Prospect retention (3 years after the last contact that came from the
-- prospect, or after collection): the user is warned 30 days ahead.
ALTER TABLE prospect
	ADD COLUMN retention_warned_at DATETIME(3) NULL,
	ADD KEY prospect_retention_contact (last_prospect_contact_at),
	ADD KEY prospect_retention_created (created_at);

-- French post-mortem directives (loi Informatique et Libertés, art. 85).
CREATE TABLE post_mortem_directive (
	user_id			BIGINT UNSIGNED NOT NULL PRIMARY KEY,
	directives		TEXT NOT NULL,
	trusted_contact_name	VARCHAR(200) NULL,
	trusted_contact_email	VARCHAR(254) NULL,
	trusted_contact_phone	VARCHAR(32) NULL,
	created_at		DATETIME(3) NOT NULL,
	updated_at		DATETIME(3) NOT NULL,
	CONSTRAINT post_mortem_user_fk FOREIGN KEY (user_id)
	    REFERENCES user_account (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Privacy requests filed by users, answered within a month (GDPR art. 12(3)).
CREATE TABLE privacy_request (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	user_id		BIGINT UNSIGNED NOT NULL,
	kind		ENUM('access', 'rectification', 'erasure', 'restriction',
			    'portability', 'objection', 'post_mortem', 'other') NOT NULL,
	message		TEXT NOT NULL,
	status		ENUM('open', 'closed') NOT NULL DEFAULT 'open',
	created_at	DATETIME(3) NOT NULL,
	due_at		DATETIME(3) NOT NULL,
	closed_at	DATETIME(3) NULL,
	closed_by	BIGINT UNSIGNED NULL,	-- the admin; no key: admins go too
	resolution	TEXT NULL,
	KEY privacy_request_user (user_id, created_at),
	KEY privacy_request_queue (status, due_at),
	CONSTRAINT privacy_request_user_fk FOREIGN KEY (user_id)
	    REFERENCES user_account (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every admin call: INSERT-only for every handler (sql/grants.sql), deleted
-- only by the retention worker after 12 months. Ids without foreign keys:
-- the trail outlives the accounts it names, for its 12 months.
CREATE TABLE admin_audit (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	admin_id	BIGINT UNSIGNED NOT NULL,
	target_user_id	BIGINT UNSIGNED NULL,
	action		VARCHAR(64) CHARACTER SET ascii NOT NULL,
	reason		VARCHAR(500) NOT NULL DEFAULT '',
	detail		VARCHAR(255) NOT NULL DEFAULT '',
	ip		VARCHAR(45) CHARACTER SET ascii NOT NULL,
	user_agent	VARCHAR(512) NOT NULL DEFAULT '',
	created_at	DATETIME(3) NOT NULL,
	KEY admin_audit_target (target_user_id, created_at),
	KEY admin_audit_admin (admin_id, created_at),
	KEY admin_audit_time (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Subprocessors shown by GET /legal/subprocessors (GDPR art. 28(2)).
CREATE TABLE subprocessor (
	id			BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	name			VARCHAR(200) NOT NULL,
	purpose			VARCHAR(500) NOT NULL,
	location		VARCHAR(200) NOT NULL,
	transfer_safeguard	VARCHAR(500) NOT NULL,
	position		INT NOT NULL DEFAULT 0,
	added_at		DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO subprocessor (name, purpose, location, transfer_safeguard, position, added_at) VALUES
('Scaleway SAS', 'Hébergement des serveurs et de la base de données', 'France (Paris)',
 'Aucun transfert hors de l''Union européenne', 1, '2026-01-01 00:00:00.000'),
('Stripe Payments Europe, Ltd.', 'Paiement des abonnements et facturation', 'Irlande ; États-Unis',
 'Clauses contractuelles types (décision 2021/914) et EU-US Data Privacy Framework', 2, '2026-01-01 00:00:00.000'),
('Google Ireland Limited', 'Recherche d''établissements (Google Places API)', 'Irlande ; États-Unis',
 'Clauses contractuelles types (décision 2021/914) et EU-US Data Privacy Framework', 3, '2026-01-01 00:00:00.000'),
('Brevo (Sendinblue SAS)', 'Envoi des e-mails transactionnels de la plateforme', 'France',
 'Aucun transfert hors de l''Union européenne', 4, '2026-01-01 00:00:00.000');

-- Anonymized analytics: an event name, the hour it happened and the plan;
-- no user id, no content. Written only through analytics_emit(), which
-- drops the event of a user who objected (objects_analytics_at) and reads
-- the plan itself, so no program needs to read either for it.
CREATE TABLE analytics_event (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	name		VARCHAR(64) CHARACTER SET ascii NOT NULL,
	occurred_hour	DATETIME NOT NULL,
	plan_code	VARCHAR(16) CHARACTER SET ascii NOT NULL,
	KEY analytics_event_name (name, occurred_hour)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE PROCEDURE analytics_emit(p_user BIGINT UNSIGNED, p_name VARCHAR(64))
	SQL SECURITY DEFINER MODIFIES SQL DATA
	INSERT INTO analytics_event (name, occurred_hour, plan_code)
	SELECT p_name, DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%d %H:00:00'),
	    COALESCE(s.plan_code, 'trial')
	FROM user_account u LEFT JOIN subscription s ON s.user_id = u.id
	WHERE u.id = p_user AND u.objects_analytics_at IS NULL;

CREATE VIEW my_post_mortem_directive AS
	SELECT * FROM post_mortem_directive WHERE user_id = app_user() WITH CHECK OPTION;
CREATE VIEW my_privacy_request AS
	SELECT * FROM privacy_request WHERE user_id = app_user() WITH CHECK OPTION;
CREATE VIEW my_admin_access AS
	SELECT id, admin_id, target_user_id, action, reason, detail, ip, created_at
	FROM admin_audit WHERE target_user_id = app_user();
