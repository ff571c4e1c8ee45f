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

-- prospea_gdpr: for now the public privacy policy, and sessions.
CREATE USER IF NOT EXISTS 'prospea_gdpr'@'localhost' IDENTIFIED VIA unix_socket;
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'prospea_gdpr'@'localhost';
GRANT SELECT (id, user_id, token_hash, totp_verified, last_seen_at, expires_at, revoked_at),
      UPDATE (last_seen_at)
      ON session TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, email, first_name, last_name, role, status, email_verified_at, totp_enabled_at)
      ON user_account TO 'prospea_gdpr'@'localhost';
GRANT SELECT (id, version, effective_at, text_url, summary) ON policy_version TO 'prospea_gdpr'@'localhost';

-- prospea_mailer: the transactional e-mail queue, nothing else.
CREATE USER IF NOT EXISTS 'prospea_mailer'@'localhost' IDENTIFIED VIA unix_socket;
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'prospea_mailer'@'localhost';
GRANT SELECT (id, user_id, msg_key, to_addr, subject, body_ct, status, attempts, next_attempt_at),
      UPDATE (status, attempts, next_attempt_at, last_error, sent_at, body_ct)
      ON transactional_email TO 'prospea_mailer'@'localhost';
