/*
 * The auth group's routes, body fields and SQL: all of its interface with
 * the outside world, as tables (STYLE.md).
 */
#include "config.h"

#include <stddef.h>

#include "auth.h"
#include "field.h"
#include "route.h"

#define S	ROUTE_SESSION
#define C	(ROUTE_SESSION | ROUTE_CSRF)
#define NF(t)	(t), (sizeof(t) / sizeof((t)[0]))

static const struct field signup_fields[SU__MAX] = {
	[SU_FIRST] = { "first_name", field_text, FIELD_REQ, 1, 100, NULL },
	[SU_LAST] = { "last_name", field_text, FIELD_REQ, 1, 100, NULL },
	[SU_EMAIL] = { "email", field_email, FIELD_REQ, 0, 254, NULL },
	[SU_PASSWORD] = { "password", field_password, FIELD_REQ, 8, 1024, NULL },
	[SU_POLICY] = { "accept_policy_version", field_text, FIELD_REQ, 1, 32, NULL },
	[SU_PRO] = { "confirm_professional_16plus", field_true, FIELD_REQ, 0, 0, NULL },
};

static const struct field token_fields[TK__MAX] = {
	[TK_TOKEN] = { "token", field_token, FIELD_REQ, 43, 43, NULL },
};

static const struct field login_fields[LI__MAX] = {
	[LI_EMAIL] = { "email", field_email, FIELD_REQ, 0, 254, NULL },
	[LI_PASSWORD] = { "password", field_password, FIELD_REQ, 1, 1024, NULL },
	[LI_TOTP] = { "totp", field_digits, 0, 6, 6, NULL },
	[LI_ACCEPT] = { "accept_policy_version", field_text, 0, 1, 32, NULL },
};

static const struct field email_fields[FG__MAX] = {
	[FG_EMAIL] = { "email", field_email, FIELD_REQ, 0, 254, NULL },
};

static const struct field reset_fields[RS__MAX] = {
	[RS_TOKEN] = { "token", field_token, FIELD_REQ, 43, 43, NULL },
	[RS_PASSWORD] = { "password", field_password, FIELD_REQ, 8, 1024, NULL },
};

static const struct field change_fields[CH__MAX] = {
	[CH_CURRENT] = { "current_password", field_password, FIELD_REQ, 1, 1024, NULL },
	[CH_NEW] = { "new_password", field_password, FIELD_REQ, 8, 1024, NULL },
};

static const struct field enable_fields[EN__MAX] = {
	[EN_CODE] = { "code", field_digits, FIELD_REQ, 6, 6, NULL },
	[EN_PASSWORD] = { "password", field_password, FIELD_REQ, 1, 1024, NULL },
};

static const struct field disable_fields[DI__MAX] = {
	[DI_PASSWORD] = { "password", field_password, FIELD_REQ, 1, 1024, NULL },
	[DI_CODE] = { "code", field_digits, FIELD_REQ, 6, 6, NULL },
};

static const struct field accept_fields[PA__MAX] = {
	[PA_VERSION] = { "version", field_text, FIELD_REQ, 1, 32, NULL },
};

#define B	8192	/* no auth body needs more */

const struct route auth_routes[] = {
	{ M_POST, "/api/v1/auth/signup", auth_signup, 0, NF(signup_fields), B },
	{ M_POST, "/api/v1/auth/verify-email", auth_verify_email, 0, NF(token_fields), B },
	{ M_POST, "/api/v1/auth/login", auth_login, 0, NF(login_fields), B },
	{ M_POST, "/api/v1/auth/logout", auth_logout, C, NULL, 0, B },
	{ M_GET, "/api/v1/auth/session", auth_session, S, NULL, 0, 0 },
	{ M_GET, "/api/v1/auth/sessions", auth_sessions, S, NULL, 0, 0 },
	{ M_DELETE, "/api/v1/auth/sessions/{id}", auth_session_revoke, C, NULL, 0, B },
	{ M_POST, "/api/v1/auth/password/forgot", auth_password_forgot, 0, NF(email_fields), B },
	{ M_POST, "/api/v1/auth/password/reset", auth_password_reset, 0, NF(reset_fields), B },
	{ M_POST, "/api/v1/auth/password/change", auth_password_change, C, NF(change_fields), B },
	{ M_POST, "/api/v1/auth/totp/setup", auth_totp_setup, C, NULL, 0, B },
	{ M_POST, "/api/v1/auth/totp/enable", auth_totp_enable, C, NF(enable_fields), B },
	{ M_POST, "/api/v1/auth/totp/disable", auth_totp_disable, C, NF(disable_fields), B },
	{ M_POST, "/api/v1/auth/policy/accept", auth_policy_accept, C, NF(accept_fields), B },
	{ 0, NULL, NULL, 0, NULL, 0, 0 }
};

/*
 * Before a session exists (sign-up, login, links) statements reach the
 * base tables, which grants limit to the columns used; after, they go
 * through the my_* views, which only show the session's user.
 */
static const char *const auth_sql[AS__MAX] = {
	[AS_POLICY_CURRENT] =
	    "SELECT id, version FROM policy_version WHERE effective_at <= NOW(3) "
	    "ORDER BY effective_at DESC, id DESC LIMIT 1",
	/*
	 * Closed accounts too: login tells their owner, once the password is
	 * right, until when an erasure can be cancelled; sign-up and a
	 * forgotten password leave them alone.
	 */
	[AS_USER_BY_EMAIL] =
	    "SELECT id, password_hash, email_verified_at IS NOT NULL, "
	    "totp_secret_ct, totp_enabled_at IS NOT NULL, totp_last_step, email, "
	    "first_name, status = 'active', "
	    "DATE_FORMAT(erasure_due_at, '%Y-%m-%dT%H:%i:%sZ') "
	    "FROM user_account WHERE email_key = ?",
	[AS_USER_BY_ID] =
	    "SELECT email, first_name FROM user_account WHERE id = ?",
	[AS_USER_INSERT] =
	    "INSERT INTO user_account (email, email_key, first_name, last_name, "
	    "password_hash, professional_16plus_at, created_at, updated_at) "
	    "VALUES (?, ?, ?, ?, ?, NOW(3), NOW(3), NOW(3))",
	[AS_USER_VERIFY] =
	    "UPDATE user_account SET email_verified_at = "
	    "COALESCE(email_verified_at, NOW(3)), updated_at = NOW(3) "
	    "WHERE id = ? AND status = 'active'",
	[AS_USER_RESET_PASSWORD] =
	    "UPDATE user_account SET password_hash = ?, email_verified_at = "
	    "COALESCE(email_verified_at, NOW(3)), updated_at = NOW(3) "
	    "WHERE id = ? AND status = 'active'",
	[AS_USER_REHASH] =
	    "UPDATE user_account SET password_hash = ? "
	    "WHERE id = ? AND password_hash = ?",
	[AS_USER_TOTP_STEP] =
	    "UPDATE user_account SET totp_last_step = ? "
	    "WHERE id = ? AND totp_last_step < ?",
	[AS_ACCEPT_INSERT] =
	    "INSERT INTO policy_acceptance (user_id, policy_version_id, "
	    "accepted_at, ip) VALUES (?, ?, NOW(3), ?)",
	/*
	 * Published, not yet in force: its notice is owed to new accounts
	 * too, once the mailer's fan-out is over (before, the fan-out reaches
	 * this account: ids grow). The shared lock orders this read against
	 * the fan-out's last batch, which holds the version row.
	 */
	[AS_POLICY_UPCOMING] =
	    "SELECT version, TIMESTAMPDIFF(SECOND, '1970-01-01', effective_at), "
	    "summary, text_url, notice_done_at IS NOT NULL FROM policy_version "
	    "WHERE effective_at > NOW(3) ORDER BY effective_at LOCK IN SHARE MODE",
	[AS_TOKEN_INSERT] =
	    "INSERT INTO auth_token (user_id, kind, token_hash, created_at, "
	    "expires_at) VALUES (?, ?, ?, NOW(3), NOW(3) + INTERVAL ? SECOND)",
	[AS_TOKEN_PEEK] =
	    "SELECT id FROM auth_token WHERE token_hash = ? AND kind = ? "
	    "AND used_at IS NULL AND expires_at > NOW(3)",
	[AS_TOKEN_LOCK] =
	    "SELECT id, user_id FROM auth_token WHERE token_hash = ? AND kind = ? "
	    "AND used_at IS NULL AND expires_at > NOW(3) FOR UPDATE",
	[AS_TOKEN_USE] =
	    "UPDATE auth_token SET used_at = NOW(3) WHERE id = ? AND used_at IS NULL",
	[AS_TOKENS_EXPIRE] =
	    "UPDATE auth_token SET used_at = NOW(3) "
	    "WHERE user_id = ? AND kind = ? AND used_at IS NULL",
	[AS_SESSION_INSERT] =
	    "INSERT INTO session (user_id, token_hash, totp_verified, ip, "
	    "user_agent, created_at, last_seen_at, expires_at) "
	    "VALUES (?, ?, ?, ?, ?, NOW(3), NOW(3), NOW(3) + INTERVAL ? SECOND)",
	[AS_SESSION_REVOKE_TOKEN] =
	    "UPDATE session SET revoked_at = NOW(3) "
	    "WHERE token_hash = ? AND revoked_at IS NULL",
	[AS_SESSIONS_REVOKE_ALL] =
	    "UPDATE session SET revoked_at = NOW(3) "
	    "WHERE user_id = ? AND revoked_at IS NULL",
	[AS_MY_SESSIONS] =
	    "SELECT id, ip, user_agent, DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ'), "
	    "DATE_FORMAT(last_seen_at, '%Y-%m-%dT%H:%i:%sZ'), "
	    "DATE_FORMAT(expires_at, '%Y-%m-%dT%H:%i:%sZ') FROM my_session "
	    "WHERE revoked_at IS NULL AND expires_at > NOW(3) "
	    "AND last_seen_at > NOW(3) - INTERVAL ? SECOND AND id < ? "
	    "ORDER BY id DESC LIMIT ?",
	/* Only a live session can be revoked: the list shows no other. */
	[AS_MY_SESSION_REVOKE] =
	    "UPDATE my_session SET revoked_at = NOW(3) "
	    "WHERE id = ? AND revoked_at IS NULL AND expires_at > NOW(3) "
	    "AND last_seen_at > NOW(3) - INTERVAL ? SECOND",
	[AS_MY_SESSIONS_REVOKE_OTHERS] =
	    "UPDATE my_session SET revoked_at = NOW(3) "
	    "WHERE id <> ? AND revoked_at IS NULL",
	[AS_MY_PASSWORD] =
	    "SELECT password_hash FROM my_account",
	[AS_MY_PASSWORD_SET] =
	    "UPDATE my_account SET password_hash = ?, updated_at = NOW(3)",
	[AS_MY_TOTP] =
	    "SELECT totp_secret_ct, totp_enabled_at IS NOT NULL, totp_last_step, "
	    "email FROM my_account",
	[AS_MY_TOTP_SET] =
	    "UPDATE my_account SET totp_secret_ct = ?, totp_enabled_at = NULL, "
	    "updated_at = NOW(3) WHERE totp_enabled_at IS NULL",
	[AS_MY_TOTP_ENABLE] =
	    "UPDATE my_account SET totp_enabled_at = NOW(3), totp_last_step = ?, "
	    "updated_at = NOW(3) "
	    "WHERE totp_secret_ct IS NOT NULL AND totp_enabled_at IS NULL",
	[AS_MY_TOTP_DISABLE] =
	    "UPDATE my_account SET totp_secret_ct = NULL, totp_enabled_at = NULL, "
	    "totp_last_step = 0, updated_at = NOW(3)",
	[AS_MY_TOTP_STEP] =
	    "UPDATE my_account SET totp_last_step = ? WHERE totp_last_step < ?",
	/* The user id is the login's account or the session's, never the client's. */
	[AS_POLICY_PENDING] =
	    "SELECT p.id, p.version, p.text_url, "
	    "DATE_FORMAT(p.effective_at, '%Y-%m-%dT%H:%i:%sZ'), "
	    "EXISTS (SELECT 1 FROM policy_acceptance a WHERE a.user_id = ? "
	    "AND a.policy_version_id = p.id) "
	    "FROM policy_version p WHERE p.effective_at <= NOW(3) "
	    "ORDER BY p.effective_at DESC, p.id DESC LIMIT 1",
	[AS_MY_ACCEPT_INSERT] =
	    "INSERT INTO my_policy_acceptance (user_id, policy_version_id, "
	    "accepted_at, ip) VALUES (?, ?, NOW(3), ?)",
};

const struct db_table auth_table = { auth_sql, AS_POLICY_CURRENT, AS__MAX };
