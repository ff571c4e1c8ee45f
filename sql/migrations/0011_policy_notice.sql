-- The notice of a policy version goes out from the mailer, not from the
-- admin's request (DESIGN.md section 1: e-mails to all users run in a
-- worker): notified_upto is the last account id mailed, notice_done_at
-- when every open account had its notice. Versions published before this
-- migration were mailed by their request already.
ALTER TABLE policy_version
	ADD COLUMN notified_upto BIGINT UNSIGNED NOT NULL DEFAULT 0,
	ADD COLUMN notice_done_at DATETIME(3) NULL;
UPDATE policy_version SET notice_done_at = published_at;
