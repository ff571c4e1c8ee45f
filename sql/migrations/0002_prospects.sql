-- Prospects: the businesses a user prospects, their notes and tags, the
-- suppression list, import jobs (with the uploaded file in chunks, so any
-- worker host can run a big import), website e-mail discovery jobs and
-- cached Places search results. Tenant tables carry user_id; handlers and
-- workers reach them only through the my_* views (DESIGN.md section 3).

-- Clustered by tenant: PRIMARY KEY (user_id, id) keeps each user's
-- prospects together, so a search reads only that user's rows and lists
-- come in id order from the primary key itself (with id first, MariaDB
-- may walk every tenant's rows backwards to fill a LIMIT).
CREATE TABLE prospect (
	id			BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	user_id			BIGINT UNSIGNED NOT NULL,
	name			VARCHAR(255) NOT NULL,
	category		VARCHAR(160) NULL,
	address			VARCHAR(255) NULL,
	postal_code		VARCHAR(16) NULL,
	city			VARCHAR(120) NULL,
	country			CHAR(2) CHARACTER SET ascii NULL,
	phone			VARCHAR(64) NULL,	-- as written by the source
	phone_e164		VARCHAR(16) CHARACTER SET ascii NULL,
	email			VARCHAR(254) NULL,	-- the best address
	-- email.h's comparison key of email, binary-compared
	email_key		VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
	email_kind		ENUM('generic', 'named') NULL,
	-- every address known: [{"email","kind","source","url"?}]
	emails			JSON NULL,
	website			VARCHAR(2048) NULL,
	website_host		VARCHAR(253) CHARACTER SET ascii NULL,
	rating			DECIMAL(2,1) NULL,
	review_count		INT UNSIGNED NULL,
	place_id		VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NULL,
	google_cid		VARCHAR(24) CHARACTER SET ascii NULL,
	latitude		DECIMAL(9,6) NULL,
	longitude		DECIMAL(9,6) NULL,
	status			ENUM('new', 'contacted', 'replied', 'interested',
				    'not_interested', 'customer', 'do_not_contact')
				    NOT NULL DEFAULT 'new',
	custom_fields		JSON NULL,		-- {"key": "text"}
	-- what imports repaired or could not use: ["postal_code_repaired", …]
	quality_flags		JSON NULL,
	source			VARCHAR(300) NOT NULL,	-- import:<file>, places, manual, website
	import_id		BIGINT UNSIGNED NULL,
	-- pnorm.h's folded name + "|" + postal code: a duplicate key
	name_key		VARCHAR(300) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
	-- what free-text search scans (accent- and case-insensitive collation);
	-- not indexed: a substring match reads the tenant's rows either way.
	-- LIKE compares one character at a time, so ligatures are spelt out
	-- and hyphens and apostrophes are spaces, as prosp_like() folds the
	-- searched text.
	-- (œ Œ æ Æ ’ as CHAR(… USING utf8mb4): MariaDB 10.11 stores a
	-- non-ASCII literal of a generated column damaged, "xC5x93")
	search_text		VARCHAR(800) AS (LEFT(REPLACE(REPLACE(REPLACE(REPLACE(
				    REPLACE(REPLACE(REPLACE(CONCAT_WS(' ', name, city,
				    category, email, postal_code), CHAR(0xC593 USING utf8mb4), 'oe'),
				    CHAR(0xC592 USING utf8mb4), 'OE'), CHAR(0xC3A6 USING utf8mb4), 'ae'),
				    CHAR(0xC386 USING utf8mb4), 'AE'), CHAR(0xE28099 USING utf8mb4), ' '), '-', ' '),
				    '''', ' '), 800)) STORED,
	collected_at		DATETIME(3) NOT NULL,
	last_contact_at		DATETIME(3) NULL,	-- we contacted them
	last_prospect_contact_at DATETIME(3) NULL,	-- they contacted us (retention clock)
	created_at		DATETIME(3) NOT NULL,
	updated_at		DATETIME(3) NOT NULL,
	PRIMARY KEY (user_id, id),
	UNIQUE KEY prospect_id (id),
	KEY prospect_status (user_id, status, id),
	KEY prospect_city (user_id, city, id),
	KEY prospect_postal (user_id, postal_code, id),
	KEY prospect_category (user_id, category, id),
	KEY prospect_name (user_id, name, id),
	KEY prospect_updated (user_id, updated_at, id),
	KEY prospect_rating (user_id, rating, id),
	KEY prospect_place (user_id, place_id),
	KEY prospect_phone (user_id, phone_e164),
	KEY prospect_email (user_id, email_key),
	KEY prospect_host (user_id, website_host),
	KEY prospect_name_key (user_id, name_key),
	CONSTRAINT prospect_user_fk FOREIGN KEY (user_id)
	    REFERENCES user_account (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE prospect_tag (
	prospect_id	BIGINT UNSIGNED NOT NULL,
	tag		VARCHAR(64) NOT NULL,
	user_id		BIGINT UNSIGNED NOT NULL,
	PRIMARY KEY (prospect_id, tag),
	KEY prospect_tag_user (user_id, tag, prospect_id),
	CONSTRAINT prospect_tag_prospect_fk FOREIGN KEY (prospect_id)
	    REFERENCES prospect (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE prospect_note (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	user_id		BIGINT UNSIGNED NOT NULL,
	prospect_id	BIGINT UNSIGNED NOT NULL,
	body		TEXT NOT NULL,
	created_at	DATETIME(3) NOT NULL,
	updated_at	DATETIME(3) NOT NULL,
	KEY prospect_note_prospect (user_id, prospect_id, id),
	CONSTRAINT prospect_note_prospect_fk FOREIGN KEY (prospect_id)
	    REFERENCES prospect (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Never-contact list. value_hash is a keyed hash (HMAC-SHA-256 with a
-- subkey of the master key) of the normalised value, so an objection
-- outlives the erased prospect without keeping the address in clear;
-- hint is a masked form for people ("c…@epi-dor.example").
CREATE TABLE suppression (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	user_id		BIGINT UNSIGNED NOT NULL,
	kind		ENUM('email', 'phone', 'domain') NOT NULL,
	value_hash	BINARY(32) NOT NULL,
	hint		VARCHAR(300) NOT NULL,
	reason		ENUM('manual', 'erasure', 'unsubscribe', 'bounce', 'complaint')
			    NOT NULL,
	created_at	DATETIME(3) NOT NULL,
	UNIQUE KEY suppression_value (user_id, value_hash),
	KEY suppression_user (user_id, id),
	CONSTRAINT suppression_user_fk FOREIGN KEY (user_id)
	    REFERENCES user_account (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE import_job (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	user_id		BIGINT UNSIGNED NOT NULL,
	status		ENUM('receiving', 'queued', 'running', 'done', 'failed')
			    NOT NULL,
	filename	VARCHAR(255) NOT NULL,
	options		JSON NOT NULL,		-- {mapping, dry_run, on_duplicate}
	encoding	VARCHAR(16) CHARACTER SET ascii NULL,
	bytes		BIGINT UNSIGNED NOT NULL DEFAULT 0,
	bytes_done	BIGINT UNSIGNED NOT NULL DEFAULT 0,
	result		JSON NULL,		-- counts, rejects, detected layout
	error_code	VARCHAR(64) CHARACTER SET ascii NULL,
	error_detail	VARCHAR(300) NULL,
	attempts	INT UNSIGNED NOT NULL DEFAULT 0,
	lease_until	DATETIME(3) NULL,
	created_at	DATETIME(3) NOT NULL,
	started_at	DATETIME(3) NULL,
	finished_at	DATETIME(3) NULL,
	KEY import_job_user (user_id, id),
	KEY import_job_queue (status, lease_until),
	CONSTRAINT import_job_user_fk FOREIGN KEY (user_id)
	    REFERENCES user_account (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The uploaded bytes of a big import, as received, deleted once imported.
CREATE TABLE import_chunk (
	job_id		BIGINT UNSIGNED NOT NULL,
	seq		INT UNSIGNED NOT NULL,
	user_id		BIGINT UNSIGNED NOT NULL,
	data		MEDIUMBLOB NOT NULL,
	PRIMARY KEY (job_id, seq),
	CONSTRAINT import_chunk_job_fk FOREIGN KEY (job_id)
	    REFERENCES import_job (id) ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE enrich_job (
	id		BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	user_id		BIGINT UNSIGNED NOT NULL,
	prospect_id	BIGINT UNSIGNED NOT NULL,
	status		ENUM('queued', 'running', 'done', 'failed') NOT NULL,
	result		JSON NULL,		-- [{email, kind, url, how}], pages
	error_code	VARCHAR(64) CHARACTER SET ascii NULL,
	attempts	INT UNSIGNED NOT NULL DEFAULT 0,
	lease_until	DATETIME(3) NULL,
	created_at	DATETIME(3) NOT NULL,
	finished_at	DATETIME(3) NULL,
	KEY enrich_job_user (user_id, prospect_id, id),
	KEY enrich_job_queue (status, lease_until),
	CONSTRAINT enrich_job_prospect_fk FOREIGN KEY (prospect_id)
	    REFERENCES prospect (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Places search results a user saw, so /places/import takes the chosen
-- ids without another paid call; purged after 24 hours.
CREATE TABLE places_result (
	user_id		BIGINT UNSIGNED NOT NULL,
	place_id	VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	data		JSON NOT NULL,		-- the prospect fields, mapped
	fetched_at	DATETIME(3) NOT NULL,
	PRIMARY KEY (user_id, place_id),
	KEY places_result_fetched (fetched_at),
	CONSTRAINT places_result_user_fk FOREIGN KEY (user_id)
	    REFERENCES user_account (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE VIEW my_prospect AS
	SELECT id, user_id, name, category, address, postal_code, city, country,
	    phone, phone_e164, email, email_key, email_kind, emails, website,
	    website_host, rating, review_count, place_id, google_cid, latitude,
	    longitude, status, custom_fields, quality_flags, source, import_id,
	    name_key, search_text, collected_at, last_contact_at,
	    last_prospect_contact_at, created_at, updated_at
	FROM prospect WHERE user_id = app_user() WITH CHECK OPTION;

CREATE VIEW my_prospect_tag AS
	SELECT prospect_id, tag, user_id
	FROM prospect_tag WHERE user_id = app_user() WITH CHECK OPTION;

CREATE VIEW my_prospect_note AS
	SELECT id, user_id, prospect_id, body, created_at, updated_at
	FROM prospect_note WHERE user_id = app_user() WITH CHECK OPTION;

CREATE VIEW my_suppression AS
	SELECT id, user_id, kind, value_hash, hint, reason, created_at
	FROM suppression WHERE user_id = app_user() WITH CHECK OPTION;

CREATE VIEW my_import_job AS
	SELECT id, user_id, status, filename, options, encoding, bytes,
	    bytes_done, result, error_code, error_detail, attempts, lease_until,
	    created_at, started_at, finished_at
	FROM import_job WHERE user_id = app_user() WITH CHECK OPTION;

CREATE VIEW my_import_chunk AS
	SELECT job_id, seq, user_id, data
	FROM import_chunk WHERE user_id = app_user() WITH CHECK OPTION;

CREATE VIEW my_enrich_job AS
	SELECT id, user_id, prospect_id, status, result, error_code, attempts,
	    lease_until, created_at, finished_at
	FROM enrich_job WHERE user_id = app_user() WITH CHECK OPTION;

CREATE VIEW my_places_result AS
	SELECT user_id, place_id, data, fetched_at
	FROM places_result WHERE user_id = app_user() WITH CHECK OPTION;
