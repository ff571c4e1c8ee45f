-- Campaigns: templates, call scripts, sending accounts (the user's own
-- SMTP/IMAP server or SMS provider), campaigns with ordered steps, the
-- prospects enrolled in them, every message sent or tried, and call tasks.
-- Tenant tables carry user_id; handlers and the sender reach them through
-- the my_* views only, except the sender's cross-tenant queue claim
-- (DESIGN.md section 3).

CREATE TABLE template (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	user_id		BIGINT UNSIGNED NOT NULL,
	name		VARCHAR(120) NOT NULL,
	channel		ENUM('email', 'sms') NOT NULL,
	subject		VARCHAR(300) NULL,	-- e-mail only
	body		MEDIUMTEXT NOT NULL,	-- text/plain, or the SMS
	body_html	MEDIUMTEXT NULL,	-- optional text/html part
	created_at	DATETIME(3) NOT NULL,
	updated_at	DATETIME(3) NOT NULL,
	KEY template_user (user_id, id),
	CONSTRAINT template_user_fk FOREIGN KEY (user_id)
	    REFERENCES user_account (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE call_script (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	user_id		BIGINT UNSIGNED NOT NULL,
	name		VARCHAR(120) NOT NULL,
	sections	JSON NOT NULL,		-- [{"title","body"}], merge tags in both
	created_at	DATETIME(3) NOT NULL,
	updated_at	DATETIME(3) NOT NULL,
	KEY call_script_user (user_id, id),
	CONSTRAINT call_script_user_fk FOREIGN KEY (user_id)
	    REFERENCES user_account (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Secrets are sealed with the core AEAD (secret.h; kind "smtp", "imap" or
-- "sms", row = the account id) and never leave in an answer.
CREATE TABLE sending_account (
	id			BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	user_id			BIGINT UNSIGNED NOT NULL,
	channel			ENUM('email', 'sms') NOT NULL,
	name			VARCHAR(120) NOT NULL,
	-- e-mail: the sender and the user's SMTP server
	from_name		VARCHAR(120) NULL,
	from_email		VARCHAR(254) NULL,
	reply_to		VARCHAR(254) NULL,
	smtp_host		VARCHAR(253) NULL,
	smtp_port		SMALLINT UNSIGNED NULL,
	smtp_security		ENUM('starttls', 'tls') NULL,
	smtp_username		VARCHAR(254) NULL,
	smtp_password_ct	VARBINARY(1024) NULL,
	-- e-mail: where replies and bounces arrive
	imap_host		VARCHAR(253) NULL,
	imap_port		SMALLINT UNSIGNED NULL,
	imap_security		ENUM('tls', 'starttls') NULL,
	imap_username		VARCHAR(254) NULL,
	imap_password_ct	VARBINARY(1024) NULL,
	imap_mailbox		VARCHAR(200) NOT NULL DEFAULT 'INBOX',
	imap_uidvalidity	BIGINT UNSIGNED NULL,	-- where polling stopped
	imap_last_uid		BIGINT UNSIGNED NULL,
	imap_polled_at		DATETIME(3) NULL,
	imap_error		VARCHAR(500) NULL,
	-- SMS: Twilio (account SID + auth token) or Brevo (API key)
	sms_provider		ENUM('twilio', 'brevo') NULL,
	sms_account_sid		VARCHAR(64) CHARACTER SET ascii NULL,
	sms_api_key_ct		VARBINARY(1024) NULL,
	sms_sender		VARCHAR(20) NULL,
	-- how much a day: the limit, reached by a ramp from ramp_start,
	-- ramp_step more each day since the first message (NULL: no ramp)
	daily_limit		INT UNSIGNED NOT NULL DEFAULT 50,
	ramp_start		INT UNSIGNED NULL,
	ramp_step		INT UNSIGNED NULL,
	first_sent_at		DATETIME(3) NULL,
	-- the last POST /sending-accounts/{id}/test
	tested_at		DATETIME(3) NULL,
	test_ok			TINYINT(1) NULL,
	test_result		VARCHAR(1000) NULL,
	created_at		DATETIME(3) NOT NULL,
	updated_at		DATETIME(3) NOT NULL,
	KEY sending_account_user (user_id, id),
	KEY sending_account_imap (channel, imap_polled_at),
	CONSTRAINT sending_account_user_fk FOREIGN KEY (user_id)
	    REFERENCES user_account (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE campaign (
	id			BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	user_id			BIGINT UNSIGNED NOT NULL,
	name			VARCHAR(120) NOT NULL,
	status			ENUM('draft', 'running', 'paused', 'archived')
				    NOT NULL DEFAULT 'draft',
	email_account_id	BIGINT UNSIGNED NULL,
	sms_account_id		BIGINT UNSIGNED NULL,
	timezone		VARCHAR(64) CHARACTER SET ascii NOT NULL
				    DEFAULT 'Europe/Paris',
	-- sending window, in the campaign's time zone
	window_days		SET('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')
				    NOT NULL DEFAULT 'mon,tue,wed,thu,fri',
	window_start		TIME NOT NULL DEFAULT '09:00:00',
	window_end		TIME NOT NULL DEFAULT '18:00:00',
	daily_limit		INT UNSIGNED NOT NULL DEFAULT 100,
	gap_seconds		INT UNSIGNED NOT NULL DEFAULT 60,
	stop_on_reply		TINYINT(1) NOT NULL DEFAULT 1,
	stop_company_on_reply	TINYINT(1) NOT NULL DEFAULT 0,
	started_at		DATETIME(3) NULL,
	created_at		DATETIME(3) NOT NULL,
	updated_at		DATETIME(3) NOT NULL,
	KEY campaign_user (user_id, id),
	CONSTRAINT campaign_user_fk FOREIGN KEY (user_id)
	    REFERENCES user_account (id) ON DELETE CASCADE,
	CONSTRAINT campaign_email_fk FOREIGN KEY (email_account_id)
	    REFERENCES sending_account (id),
	CONSTRAINT campaign_sms_fk FOREIGN KEY (sms_account_id)
	    REFERENCES sending_account (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A campaign's sequence; position 0 first. wait_days counts sending days.
CREATE TABLE campaign_step (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	user_id		BIGINT UNSIGNED NOT NULL,
	campaign_id	BIGINT UNSIGNED NOT NULL,
	position	SMALLINT UNSIGNED NOT NULL,
	kind		ENUM('email', 'sms', 'call', 'wait') NOT NULL,
	template_id	BIGINT UNSIGNED NULL,
	call_script_id	BIGINT UNSIGNED NULL,
	wait_days	SMALLINT UNSIGNED NULL,
	UNIQUE KEY campaign_step_position (campaign_id, position),
	KEY campaign_step_user (user_id, campaign_id),
	CONSTRAINT campaign_step_campaign_fk FOREIGN KEY (campaign_id)
	    REFERENCES campaign (id) ON DELETE CASCADE,
	CONSTRAINT campaign_step_template_fk FOREIGN KEY (template_id)
	    REFERENCES template (id),
	CONSTRAINT campaign_step_script_fk FOREIGN KEY (call_script_id)
	    REFERENCES call_script (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A prospect in a campaign: the next step to run (position) and when.
-- The sender's queue is (status, due_at); a claim holds lease_until.
CREATE TABLE enrollment (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	user_id		BIGINT UNSIGNED NOT NULL,
	campaign_id	BIGINT UNSIGNED NOT NULL,
	prospect_id	BIGINT UNSIGNED NOT NULL,
	status		ENUM('active', 'completed', 'stopped') NOT NULL
			    DEFAULT 'active',
	stop_reason	ENUM('replied', 'company_replied', 'bounced',
			    'unsubscribed', 'suppressed', 'do_not_contact',
			    'not_interested', 'missing_data', 'failed', 'uncertain',
			    'removed') NULL,
	position	SMALLINT UNSIGNED NOT NULL DEFAULT 0,
	due_at		DATETIME(3) NULL,
	lease_until	DATETIME(3) NULL,
	attempts	SMALLINT UNSIGNED NOT NULL DEFAULT 0,
	last_error	VARCHAR(500) NULL,
	enrolled_at	DATETIME(3) NOT NULL,
	updated_at	DATETIME(3) NOT NULL,
	finished_at	DATETIME(3) NULL,
	UNIQUE KEY enrollment_once (campaign_id, prospect_id),
	KEY enrollment_queue (status, due_at),
	KEY enrollment_user (user_id, campaign_id, id),
	KEY enrollment_prospect (user_id, prospect_id),
	CONSTRAINT enrollment_campaign_fk FOREIGN KEY (campaign_id)
	    REFERENCES campaign (id) ON DELETE CASCADE,
	CONSTRAINT enrollment_prospect_fk FOREIGN KEY (prospect_id)
	    REFERENCES prospect (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every message sent or tried, one row per enrollment step. Written with
-- status 'sending' before the SMTP or SMS call, so a crash in between is
-- found afterwards ('uncertain') and never sent again blindly.
CREATE TABLE message (
	id			BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	user_id			BIGINT UNSIGNED NOT NULL,
	campaign_id		BIGINT UNSIGNED NOT NULL,
	enrollment_id		BIGINT UNSIGNED NOT NULL,
	prospect_id		BIGINT UNSIGNED NOT NULL,
	position		SMALLINT UNSIGNED NOT NULL,
	channel			ENUM('email', 'sms') NOT NULL,
	sending_account_id	BIGINT UNSIGNED NOT NULL,
	status			ENUM('sending', 'sent', 'failed', 'bounced',
				    'uncertain') NOT NULL,
	to_addr			VARCHAR(254) NOT NULL,
	subject			VARCHAR(998) NULL,
	body			MEDIUMTEXT NULL,
	message_id		VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NULL,
	provider_id		VARCHAR(128) CHARACTER SET ascii NULL,
	first_contact		TINYINT(1) NOT NULL DEFAULT 0,
	error			VARCHAR(1000) NULL,
	attempts		SMALLINT UNSIGNED NOT NULL DEFAULT 0,
	created_at		DATETIME(3) NOT NULL,
	sent_at			DATETIME(3) NULL,
	replied_at		DATETIME(3) NULL,
	bounced_at		DATETIME(3) NULL,
	UNIQUE KEY message_step (enrollment_id, position),
	KEY message_user (user_id, campaign_id, id),
	KEY message_account_day (sending_account_id, sent_at),
	KEY message_campaign_day (campaign_id, sent_at),
	KEY message_msgid (message_id),
	KEY message_prospect (user_id, prospect_id),
	CONSTRAINT message_enrollment_fk FOREIGN KEY (enrollment_id)
	    REFERENCES enrollment (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A call to make: created when an enrollment reaches a call step.
CREATE TABLE task (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	user_id		BIGINT UNSIGNED NOT NULL,
	campaign_id	BIGINT UNSIGNED NOT NULL,
	enrollment_id	BIGINT UNSIGNED NOT NULL,
	prospect_id	BIGINT UNSIGNED NOT NULL,
	position	SMALLINT UNSIGNED NOT NULL,
	call_script_id	BIGINT UNSIGNED NULL,
	status		ENUM('open', 'done', 'canceled') NOT NULL DEFAULT 'open',
	outcome		ENUM('answered', 'no_answer', 'voicemail_left', 'busy',
			    'wrong_number', 'callback_requested', 'interested',
			    'not_interested') NULL,
	note		TEXT NULL,
	due_at		DATETIME(3) NOT NULL,
	done_at		DATETIME(3) NULL,
	created_at	DATETIME(3) NOT NULL,
	UNIQUE KEY task_step (enrollment_id, position),
	KEY task_due (user_id, status, due_at),
	CONSTRAINT task_enrollment_fk FOREIGN KEY (enrollment_id)
	    REFERENCES enrollment (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE VIEW my_template AS
	SELECT * FROM template WHERE user_id = app_user() WITH CHECK OPTION;
CREATE VIEW my_call_script AS
	SELECT * FROM call_script WHERE user_id = app_user() WITH CHECK OPTION;
CREATE VIEW my_sending_account AS
	SELECT * FROM sending_account WHERE user_id = app_user() WITH CHECK OPTION;
CREATE VIEW my_campaign AS
	SELECT * FROM campaign WHERE user_id = app_user() WITH CHECK OPTION;
CREATE VIEW my_campaign_step AS
	SELECT * FROM campaign_step WHERE user_id = app_user() WITH CHECK OPTION;
CREATE VIEW my_enrollment AS
	SELECT * FROM enrollment WHERE user_id = app_user() WITH CHECK OPTION;
CREATE VIEW my_message AS
	SELECT * FROM message WHERE user_id = app_user() WITH CHECK OPTION;
CREATE VIEW my_task AS
	SELECT * FROM task WHERE user_id = app_user() WITH CHECK OPTION;
