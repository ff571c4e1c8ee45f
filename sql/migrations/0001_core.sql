-- Prospea core schema: accounts, sessions, one-time tokens, transactional
-- e-mail, security events, throttling, policy versions and acceptances.
-- utf8mb4 everywhere, InnoDB, a primary key on every table, times in UTC
-- (DATETIME(3); the connection's time_zone is +00:00).

CREATE TABLE policy_version (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	version		VARCHAR(32) NOT NULL,
	effective_at	DATETIME(3) NOT NULL,
	summary		TEXT NOT NULL,
	text_url	VARCHAR(512) NOT NULL,
	published_at	DATETIME(3) NOT NULL,
	UNIQUE KEY policy_version_version (version),
	KEY policy_version_effective (effective_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE user_account (
	id			BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	email			VARCHAR(254) NOT NULL,
	-- comparison key (email.h): ASCII-lowercased, binary-compared, unique
	email_key		VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	first_name		VARCHAR(100) NOT NULL,
	last_name		VARCHAR(100) NOT NULL,
	password_hash		VARCHAR(255) CHARACTER SET ascii NOT NULL,
	role			ENUM('user', 'admin') NOT NULL DEFAULT 'user',
	status			ENUM('active', 'closed') NOT NULL DEFAULT 'active',
	email_verified_at	DATETIME(3) NULL,
	-- sealed (secret.h, kind "totp", row = user id); enabled once confirmed
	totp_secret_ct		VARBINARY(128) NULL,
	totp_enabled_at		DATETIME(3) NULL,
	totp_last_step		BIGINT NOT NULL DEFAULT 0,
	professional_16plus_at	DATETIME(3) NOT NULL,
	default_region		CHAR(2) CHARACTER SET ascii NOT NULL DEFAULT 'FR',
	created_at		DATETIME(3) NOT NULL,
	updated_at		DATETIME(3) NOT NULL,
	closed_at		DATETIME(3) NULL,
	UNIQUE KEY user_account_email_key (email_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE policy_acceptance (
	id			BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	user_id			BIGINT UNSIGNED NOT NULL,
	policy_version_id	BIGINT UNSIGNED NOT NULL,
	accepted_at		DATETIME(3) NOT NULL,
	ip			VARCHAR(45) CHARACTER SET ascii NOT NULL,
	UNIQUE KEY policy_acceptance_user (user_id, policy_version_id),
	CONSTRAINT policy_acceptance_user_fk FOREIGN KEY (user_id)
	    REFERENCES user_account (id) ON DELETE CASCADE,
	CONSTRAINT policy_acceptance_policy_fk FOREIGN KEY (policy_version_id)
	    REFERENCES policy_version (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE session (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	user_id		BIGINT UNSIGNED NOT NULL,
	token_hash	BINARY(32) NOT NULL,	-- SHA-256 of the cookie's token
	totp_verified	TINYINT(1) NOT NULL DEFAULT 0,
	ip		VARCHAR(45) CHARACTER SET ascii NOT NULL,
	user_agent	VARCHAR(512) NOT NULL,
	created_at	DATETIME(3) NOT NULL,
	last_seen_at	DATETIME(3) NOT NULL,
	expires_at	DATETIME(3) NOT NULL,	-- absolute expiry
	revoked_at	DATETIME(3) NULL,
	UNIQUE KEY session_token (token_hash),
	KEY session_user (user_id, revoked_at, expires_at),
	CONSTRAINT session_user_fk FOREIGN KEY (user_id)
	    REFERENCES user_account (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One-time links: address verification (48 h) and password reset (1 h).
CREATE TABLE auth_token (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	user_id		BIGINT UNSIGNED NOT NULL,
	kind		ENUM('verify_email', 'password_reset') NOT NULL,
	token_hash	BINARY(32) NOT NULL,
	created_at	DATETIME(3) NOT NULL,
	expires_at	DATETIME(3) NOT NULL,
	used_at		DATETIME(3) NULL,
	UNIQUE KEY auth_token_hash (token_hash),
	KEY auth_token_user (user_id, kind),
	CONSTRAINT auth_token_user_fk FOREIGN KEY (user_id)
	    REFERENCES user_account (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every e-mail the platform sends to its users (3-year evidence). The body
-- is sealed until sent, then wiped: it may hold a one-time link.
CREATE TABLE transactional_email (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	user_id		BIGINT UNSIGNED NULL,
	msg_key		CHAR(32) CHARACTER SET ascii NOT NULL,
	kind		VARCHAR(40) CHARACTER SET ascii NOT NULL,
	to_addr		VARCHAR(254) NOT NULL,
	subject		VARCHAR(255) NOT NULL,
	body_ct		MEDIUMBLOB NULL,
	status		ENUM('queued', 'sent', 'failed') NOT NULL,
	attempts	INT UNSIGNED NOT NULL DEFAULT 0,
	next_attempt_at	DATETIME(3) NOT NULL,
	last_error	VARCHAR(255) NULL,
	created_at	DATETIME(3) NOT NULL,
	sent_at		DATETIME(3) NULL,
	UNIQUE KEY transactional_email_key (msg_key),
	KEY transactional_email_due (status, next_attempt_at),
	KEY transactional_email_user (user_id, created_at),
	CONSTRAINT transactional_email_user_fk FOREIGN KEY (user_id)
	    REFERENCES user_account (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Security events shown to the user and kept 12 months (technical logs).
CREATE TABLE security_event (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	user_id		BIGINT UNSIGNED NOT NULL,
	kind		VARCHAR(40) CHARACTER SET ascii NOT NULL,
	ip		VARCHAR(45) CHARACTER SET ascii NOT NULL,
	user_agent	VARCHAR(512) NOT NULL,
	created_at	DATETIME(3) NOT NULL,
	KEY security_event_user (user_id, created_at),
	KEY security_event_time (created_at),
	CONSTRAINT security_event_user_fk FOREIGN KEY (user_id)
	    REFERENCES user_account (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Brute-force counters (throttle.h); keys are SHA-256 of scope + value.
CREATE TABLE auth_throttle (
	k		BINARY(32) NOT NULL PRIMARY KEY,
	events		INT UNSIGNED NOT NULL,
	window_start	DATETIME(3) NOT NULL,
	blocks		INT UNSIGNED NOT NULL DEFAULT 0,
	blocked_until	DATETIME(3) NULL,
	KEY auth_throttle_until (blocked_until)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Per-user isolation (DESIGN.md section 3): the tenant of the connection.
-- The core sets @app_user from the session at the start of each request
-- and clears it at the end; views below show only that user's rows and
-- refuse writes of other users' rows (WITH CHECK OPTION, error 1369).
CREATE FUNCTION app_user() RETURNS BIGINT UNSIGNED DETERMINISTIC NO SQL
	RETURN @app_user;

CREATE VIEW my_session AS
	SELECT id, user_id, totp_verified, ip, user_agent, created_at,
	    last_seen_at, expires_at, revoked_at
	FROM session WHERE user_id = app_user() WITH CHECK OPTION;

CREATE VIEW my_security_event AS
	SELECT id, user_id, kind, ip, user_agent, created_at
	FROM security_event WHERE user_id = app_user() WITH CHECK OPTION;

CREATE VIEW my_account AS
	SELECT id, email, email_key, first_name, last_name, role, status,
	    email_verified_at, totp_secret_ct, totp_enabled_at, totp_last_step,
	    professional_16plus_at, default_region, created_at, updated_at,
	    password_hash
	FROM user_account WHERE id = app_user() WITH CHECK OPTION;

CREATE VIEW my_policy_acceptance AS
	SELECT id, user_id, policy_version_id, accepted_at, ip
	FROM policy_acceptance WHERE user_id = app_user() WITH CHECK OPTION;

CREATE VIEW my_transactional_email AS
	SELECT id, user_id, kind, to_addr, subject, status, created_at, sent_at
	FROM transactional_email WHERE user_id = app_user() WITH CHECK OPTION;

-- The policy in force at first start; later versions come from the admin route.
INSERT INTO policy_version (version, effective_at, summary, text_url, published_at)
VALUES ('2026-01', '2026-01-01 00:00:00.000',
	'Politique de confidentialité initiale de Prospea.',
	'https://prospea.fr/legal/privacy-policy/2026-01',
	'2026-01-01 00:00:00.000');
