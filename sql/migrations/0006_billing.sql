-- Billing: the plans and their limits, each account's subscription state
-- as Stripe reports it through signed webhooks, the webhook events already
-- handled (idempotency), and invoices kept for the 10-year billing
-- retention period, even after the account is erased (README.md "Billing
-- and Stripe"). No card data is ever stored: Stripe Checkout collects it
-- and the Customer Portal manages it.

-- The plans. A limit of NULL means "no limit". The trial stores as many
-- prospects as Starter, so a whole scraper export can be tried; it sends
-- little. Stripe price ids are
-- configuration (stripe_price_starter, stripe_price_pro), not data: test
-- and live mode have different ones.
CREATE TABLE plan (
	code			VARCHAR(16) CHARACTER SET ascii NOT NULL PRIMARY KEY,
	name			VARCHAR(60) NOT NULL,
	position		SMALLINT UNSIGNED NOT NULL,
	trial_days		SMALLINT UNSIGNED NULL,	-- trial only: days after sign-up
	max_prospects		INT UNSIGNED NULL,	-- prospects stored
	max_emails_month	INT UNSIGNED NULL,	-- e-mails sent per calendar month (UTC)
	max_sending_accounts	INT UNSIGNED NULL,	-- sending accounts
	max_active_campaigns	INT UNSIGNED NULL	-- campaigns running or paused
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO plan (code, name, position, trial_days, max_prospects,
    max_emails_month, max_sending_accounts, max_active_campaigns) VALUES
	('trial', 'Essai', 0, 14, 5000, 300, 1, 1),
	('starter', 'Starter', 1, NULL, 5000, 3000, 2, 5),
	('pro', 'Pro', 2, NULL, 25000, 15000, 5, 25);

-- One row per account once billing starts (a checkout, or a webhook that
-- names the account); before that the account is on the trial, which
-- my_plan derives from user_account.created_at. Account data: deleted
-- with the account (its invoices are not: see invoice).
--
-- Order-proof state (bill_webhook.c): status, plan and period move only
-- forward. state_at is the Stripe event time (seconds) of the last state
-- applied and state_rank the rank of its status (incomplete 1, trialing 2,
-- active 3, past_due 4, unpaid 5, paused 5, canceled 6,
-- incomplete_expired 6); an event applies when it is newer, or of the
-- same second with a rank at least as high. sub_created is the Stripe
-- subscription's own `created`: another subscription replaces the stored
-- one only when it is newer, or the stored one has ended.
CREATE TABLE subscription (
	user_id			BIGINT UNSIGNED NOT NULL PRIMARY KEY,
	plan_code		VARCHAR(16) CHARACTER SET ascii NOT NULL DEFAULT 'trial',
	status			ENUM('trialing', 'active', 'past_due', 'unpaid',
				    'canceled', 'incomplete', 'incomplete_expired',
				    'paused') NOT NULL DEFAULT 'trialing',
	trial_ends_at		DATETIME(3) NOT NULL,	-- our own trial
	stripe_customer_id	VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NULL,
	stripe_subscription_id	VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NULL,
	sub_created		BIGINT NULL,
	current_period_start	DATETIME(3) NULL,
	current_period_end	DATETIME(3) NULL,
	stripe_trial_end	DATETIME(3) NULL,	-- a trial Stripe runs
	cancel_at_period_end	TINYINT(1) NOT NULL DEFAULT 0,
	canceled_at		DATETIME(3) NULL,
	state_at		BIGINT NOT NULL DEFAULT 0,
	state_rank		TINYINT UNSIGNED NOT NULL DEFAULT 0,
	created_at		DATETIME(3) NOT NULL,
	updated_at		DATETIME(3) NOT NULL,
	UNIQUE KEY subscription_customer (stripe_customer_id),
	KEY subscription_stripe (stripe_subscription_id),
	CONSTRAINT subscription_user_fk FOREIGN KEY (user_id)
	    REFERENCES user_account (id) ON DELETE CASCADE,
	CONSTRAINT subscription_plan_fk FOREIGN KEY (plan_code)
	    REFERENCES plan (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every Stripe event handled, once: the UNIQUE event id is inserted in
-- the same transaction as the event's effect, so a second delivery (or
-- two at once) changes nothing. No payload is kept, only what happened.
CREATE TABLE stripe_event (
	id			BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	event_id		VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	type			VARCHAR(100) CHARACTER SET ascii NOT NULL,
	event_created		BIGINT NOT NULL,	-- Stripe's `created`, seconds
	livemode		TINYINT(1) NOT NULL,
	user_id			BIGINT UNSIGNED NULL,
	-- applied: changed something; stale: older than the stored state;
	-- ignored: a type not handled; unmatched: no account found
	outcome			ENUM('applied', 'stale', 'ignored', 'unmatched') NOT NULL,
	received_at		DATETIME(3) NOT NULL,
	UNIQUE KEY stripe_event_id (event_id),
	KEY stripe_event_user (user_id, received_at),
	CONSTRAINT stripe_event_user_fk FOREIGN KEY (user_id)
	    REFERENCES user_account (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Invoices, as Stripe's invoice object says (amounts in the currency's
-- minor unit), with the billing identity printed on them (name, e-mail,
-- address, tax ids: the invoice's customer_* snapshot). Billing records
-- are kept 10 years (Code de commerce L123-22; retain_until), also after
-- the account is erased: the account row's deletion sets user_id to NULL
-- (ON DELETE SET NULL) and the trigger below stamps owner_detached_at,
-- so the invoice stays legally complete but no longer points at a person's
-- account. The retention worker deletes rows past retain_until whatever
-- their owner.
CREATE TABLE invoice (
	id			BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	user_id			BIGINT UNSIGNED NULL,
	owner_detached_at	DATETIME(3) NULL,
	stripe_invoice_id	VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	stripe_customer_id	VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	stripe_subscription_id	VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NULL,
	number			VARCHAR(64) NULL,
	status			ENUM('draft', 'open', 'paid', 'uncollectible', 'void')
				    NOT NULL,
	currency		CHAR(3) CHARACTER SET ascii NOT NULL,
	subtotal		BIGINT NOT NULL,
	tax			BIGINT NULL,
	total			BIGINT NOT NULL,
	amount_due		BIGINT NOT NULL,
	amount_paid		BIGINT NOT NULL,
	amount_remaining	BIGINT NOT NULL,
	hosted_invoice_url	VARCHAR(2048) NULL,
	invoice_pdf		VARCHAR(2048) NULL,
	period_start		DATETIME(3) NULL,
	period_end		DATETIME(3) NULL,
	customer_name		VARCHAR(256) NULL,
	customer_email		VARCHAR(512) NULL,
	customer_address	JSON NULL,	-- {line1, line2, postal_code, city, state, country}
	customer_tax_ids	JSON NULL,	-- [{type, value}]
	stripe_created		DATETIME(3) NOT NULL,
	paid_at			DATETIME(3) NULL,
	event_at		BIGINT NOT NULL,	-- event time of the stored state
	retain_until		DATE NOT NULL,
	created_at		DATETIME(3) NOT NULL,
	updated_at		DATETIME(3) NOT NULL,
	UNIQUE KEY invoice_stripe (stripe_invoice_id),
	KEY invoice_user (user_id, id),
	KEY invoice_retention (retain_until),
	CONSTRAINT invoice_user_fk FOREIGN KEY (user_id)
	    REFERENCES user_account (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The detached-owner marker: foreign key actions fire no trigger, so the
-- stamp comes from the account's own deletion, before the key clears
-- user_id.
CREATE TRIGGER user_account_detach_invoices BEFORE DELETE ON user_account
	FOR EACH ROW UPDATE invoice SET owner_detached_at = UTC_TIMESTAMP(3)
	    WHERE user_id = OLD.id;

-- What the signed-in account is on: its subscription row, or the trial
-- that starts at sign-up. Read by every program that enforces limits
-- (fcgi/plan.c); nothing of Stripe's ids or invoices shows here.
CREATE VIEW my_plan AS
	SELECT u.id AS user_id,
	    COALESCE(s.plan_code, 'trial') AS plan_code,
	    COALESCE(s.status, 'trialing') AS status,
	    COALESCE(s.trial_ends_at, u.created_at + INTERVAL t.trial_days DAY)
		AS trial_ends_at,
	    s.current_period_end, s.stripe_trial_end,
	    COALESCE(s.cancel_at_period_end, 0) AS cancel_at_period_end,
	    p.name AS plan_name, p.max_prospects, p.max_emails_month,
	    p.max_sending_accounts, p.max_active_campaigns,
	    s.stripe_subscription_id IS NOT NULL AS subscribed
	FROM user_account u
	JOIN plan t ON t.code = 'trial'
	LEFT JOIN subscription s ON s.user_id = u.id
	JOIN plan p ON p.code = COALESCE(s.plan_code, 'trial')
	WHERE u.id = app_user();

CREATE VIEW my_subscription AS
	SELECT * FROM subscription WHERE user_id = app_user() WITH CHECK OPTION;
CREATE VIEW my_invoice AS
	SELECT * FROM invoice WHERE user_id = app_user() WITH CHECK OPTION;
