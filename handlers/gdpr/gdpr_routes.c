/*
 * The gdpr group's routes, body fields and SQL: all of its interface with
 * the outside world, as tables (STYLE.md). With a session, statements go
 * through the my_* views, which only show the session's user; the two
 * links that come without one (an e-mail change, an erasure's cancel)
 * reach a few columns of the base tables for the user their token names.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "field.h"
#include "gdpr.h"
#include "route.h"

#define S	ROUTE_SESSION
#define C	(ROUTE_SESSION | ROUTE_CSRF)
#define NF(t)	(t), (sizeof(t) / sizeof((t)[0]))

static const struct field account_fields[AC__MAX] = {
	[AC_FIRST] = { "first_name", field_text, 0, 1, 100, NULL },
	[AC_LAST] = { "last_name", field_text, 0, 1, 100, NULL },
	[AC_EMAIL] = { "email", field_email, 0, 0, 254, NULL },
	[AC_REGION] = { "default_region", field_text, 0, 2, 2, NULL },
	[AC_COMPANY] = { "company_name", field_text, FIELD_NULL, 1, 200, NULL },
};

static const struct field token_fields[TK__MAX] = {
	[TK_TOKEN] = { "token", field_token, FIELD_REQ, 43, 43, NULL },
};

static const struct field erasure_fields[ER__MAX] = {
	[ER_PASSWORD] = { "password", field_password, FIELD_REQ, 1, 1024, NULL },
};

static const struct field restriction_fields[RE__MAX] = {
	[RE_RESTRICTED] = { "restricted", field_bool, FIELD_REQ, 0, 0, NULL },
	[RE_REASON] = { "reason", field_multiline, FIELD_NULL, 1, 2000, NULL },
};

static const struct field objection_fields[OB__MAX] = {
	[OB_ANALYTICS] = { "analytics", field_bool, FIELD_REQ, 0, 0, NULL },
	[OB_PRODUCT] = { "product_emails", field_bool, FIELD_REQ, 0, 0, NULL },
};

/* One member of trusted_contact: its check, as a field of its own. */
static const struct field contact_members[] = {
	{ "name", field_text, 0, 1, 200, NULL },
	{ "email", field_email, 0, 0, 254, NULL },
	{ "phone", field_text, 0, 3, 32, NULL },
};

/*
 * trusted_contact: an object of name, email and phone, each optional or
 * null, at least one given (a contact nobody can reach is no contact);
 * a phone of digits, spaces and + ( ) . - only.
 */
static int
gdpr_contact_check(const struct field *f, json_t *v, const char **code,
    const char **msg)
{
	const char	*key, *p;
	json_t		*m;
	size_t		 i, given = 0;

	(void)f;
	if (!json_is_object(v)) {
		*code = "type";
		*msg = "must be an object with name, email and phone";
		return -1;
	}
	json_object_foreach(v, key, m) {
		for (i = 0; i < sizeof(contact_members) /
		    sizeof(contact_members[0]); i++)
			if (strcmp(key, contact_members[i].name) == 0)
				break;
		if (i == sizeof(contact_members) / sizeof(contact_members[0])) {
			*code = "unknown_field";
			*msg = "may only hold name, email and phone";
			return -1;
		}
		if (json_is_null(m))
			continue;
		if (contact_members[i].check(&contact_members[i], m, code,
		    msg) == -1)
			return -1;
		if (strcmp(key, "phone") == 0)
			for (p = json_string_value(m); *p != '\0'; p++)
				if (strchr("0123456789 +().-", *p) == NULL) {
					*code = "phone";
					*msg = "phone: digits, spaces and + ( ) . - only";
					return -1;
				}
		given++;
	}
	if (given == 0) {
		*code = "empty";
		*msg = "needs a name, an e-mail address or a phone number";
		return -1;
	}
	return 0;
}

static const struct field post_mortem_fields[PM__MAX] = {
	[PM_DIRECTIVES] = { "directives", field_multiline, FIELD_REQ, 1, 10000, NULL },
	[PM_CONTACT] = { "trusted_contact", gdpr_contact_check, FIELD_NULL, 0, 0, NULL },
};

/* privacy_request.kind, as in sql/migrations/0008_gdpr.sql. */
static const char *const request_kinds[] = { "access", "rectification",
    "erasure", "restriction", "portability", "objection", "post_mortem",
    "other", NULL };

static const struct field request_fields[RQ__MAX] = {
	[RQ_KIND] = { "kind", field_enum, FIELD_REQ, 0, 0, request_kinds },
	[RQ_MESSAGE] = { "message", field_multiline, FIELD_REQ, 1, 5000, NULL },
};

#define B	16384	/* no gdpr body needs more (nginx allows 16k) */

const struct route gdpr_routes[] = {
	{ M_GET, "/api/v1/legal/privacy-policy", gdpr_privacy_policy, 0, NULL, 0, 0 },
	{ M_GET, "/api/v1/legal/subprocessors", gdpr_subprocessors, 0, NULL, 0, 0 },
	{ M_GET, "/api/v1/account", gdpr_account_get, S, NULL, 0, 0 },
	{ M_PATCH, "/api/v1/account", gdpr_account_patch, C, NF(account_fields), B },
	{ M_POST, "/api/v1/account/email/confirm", gdpr_email_confirm, 0, NF(token_fields), B },
	{ M_GET, "/api/v1/gdpr/export", gdpr_export, S, NULL, 0, 0 },
	{ M_POST, "/api/v1/gdpr/erasure", gdpr_erasure, C, NF(erasure_fields), B },
	{ M_POST, "/api/v1/gdpr/erasure/cancel", gdpr_erasure_cancel, 0, NF(token_fields), B },
	{ M_GET, "/api/v1/gdpr/restriction", gdpr_restriction_get, S, NULL, 0, 0 },
	{ M_PUT, "/api/v1/gdpr/restriction", gdpr_restriction_put, C, NF(restriction_fields), B },
	{ M_GET, "/api/v1/gdpr/objections", gdpr_objections_get, S, NULL, 0, 0 },
	{ M_PUT, "/api/v1/gdpr/objections", gdpr_objections_put, C, NF(objection_fields), B },
	{ M_GET, "/api/v1/gdpr/post-mortem", gdpr_post_mortem_get, S, NULL, 0, 0 },
	{ M_PUT, "/api/v1/gdpr/post-mortem", gdpr_post_mortem_put, C, NF(post_mortem_fields), B },
	{ M_DELETE, "/api/v1/gdpr/post-mortem", gdpr_post_mortem_delete, C, NULL, 0, B },
	{ M_GET, "/api/v1/gdpr/requests", gdpr_requests_list, S, NULL, 0, 0 },
	{ M_POST, "/api/v1/gdpr/requests", gdpr_requests_create, C, NF(request_fields), B },
	{ M_GET, "/api/v1/gdpr/admin-access", gdpr_admin_access, S, NULL, 0, 0 },
	{ 0, NULL, NULL, 0, NULL, 0, 0 }
};

/* A DATETIME(3) column as ISO 8601 UTC (the connection's zone is +00:00). */
#define ISO(c)	"DATE_FORMAT(" c ", '%Y-%m-%dT%H:%i:%sZ')"
/* An id as the API spells it: an opaque string. */
#define SID(c)	"CAST(" c " AS CHAR)"
/* A condition as a JSON boolean inside JSON_OBJECT. */
#define JBOOL(c)	"JSON_EXTRACT(IF(" c ", 'true', 'false'), '$')"
/* A JSON column (or subquery) embedded as JSON, not as a string. */
#define JSON(c)		"JSON_EXTRACT(" c ", '$')"
/* A sealed secret: whether one is stored, never its bytes. */
#define MASK(c)		"IF(" c " IS NULL, NULL, '********')"
/* The paging tail of an export section: after the cursor id, in id order. */
#define PAGE(c)		" WHERE " c " > ? ORDER BY " c " LIMIT ?"

static const char *const gdpr_sql[GS__MAX] = {
	[GS_POLICY_CURRENT] =
	    "SELECT version, " ISO("effective_at") ", "
	    "text_url, summary FROM policy_version WHERE effective_at <= NOW(3) "
	    "ORDER BY effective_at DESC, id DESC LIMIT 1",
	[GS_SUBPROCESSORS] =
	    "SELECT name, purpose, location, transfer_safeguard, " ISO("added_at")
	    " FROM subprocessor ORDER BY position, id",
	[GS_ACCOUNT_GET] =
	    "SELECT id, email, pending_email, first_name, last_name, "
	    "default_region, role, status, email_verified_at IS NOT NULL, "
	    "totp_enabled_at IS NOT NULL, " ISO("created_at") ", "
	    ISO("updated_at") ", " ISO("restricted_at") ", "
	    ISO("objects_analytics_at") ", " ISO("objects_product_emails_at")
	    ", " ISO("erasure_due_at") ", company_name FROM my_account",
	[GS_ACCOUNT_SET] =
	    "UPDATE my_account SET first_name = COALESCE(?, first_name), "
	    "last_name = COALESCE(?, last_name), "
	    "default_region = COALESCE(?, default_region), updated_at = NOW(3)",
	[GS_ACCOUNT_COMPANY] =
	    "UPDATE my_account SET company_name = ?, updated_at = NOW(3)",
	[GS_ACCOUNT_PENDING] =
	    "UPDATE my_account SET pending_email = ?, updated_at = NOW(3)",
	[GS_EMAIL_TAKEN] =
	    "SELECT id FROM user_account WHERE email_key = ?",
	[GS_MY_PASSWORD] =
	    "SELECT password_hash FROM my_account WHERE status = 'active'",
	[GS_TOKEN_INSERT] =
	    "INSERT INTO auth_token (user_id, kind, token_hash, created_at, "
	    "expires_at) VALUES (?, ?, ?, NOW(3), NOW(3) + INTERVAL ? SECOND)",
	[GS_TOKEN_LOCK] =
	    "SELECT id, user_id FROM auth_token WHERE token_hash = ? AND kind = ? "
	    "AND used_at IS NULL AND expires_at > NOW(3) FOR UPDATE",
	[GS_TOKEN_USE] =
	    "UPDATE auth_token SET used_at = NOW(3) WHERE id = ? AND used_at IS NULL",
	[GS_TOKENS_EXPIRE] =
	    "UPDATE auth_token SET used_at = NOW(3) "
	    "WHERE user_id = ? AND kind = ? AND used_at IS NULL",
	[GS_USER_PENDING] =
	    "SELECT pending_email, email, first_name FROM user_account "
	    "WHERE id = ? AND status = 'active' FOR UPDATE",
	[GS_USER_EMAIL_SET] =
	    "UPDATE user_account SET email = ?, email_key = ?, pending_email = NULL, "
	    "updated_at = NOW(3) WHERE id = ? AND status = 'active'",
	[GS_ERASE] =
	    "UPDATE my_account SET status = 'closed', closed_at = NOW(3), "
	    "erasure_requested_at = NOW(3), "
	    "erasure_due_at = NOW(3) + INTERVAL ? DAY, pending_email = NULL, "
	    "updated_at = NOW(3) WHERE status = 'active'",
	/*
	 * Other accounts' e-mail changes to this address, not confirmed:
	 * withdrawn, so no row of another account keeps the erased address.
	 */
	[GS_PENDING_RELEASE] =
	    "UPDATE user_account SET pending_email = NULL, updated_at = NOW(3) "
	    "WHERE id <> ? AND pending_email = ?",
	[GS_SESSIONS_REVOKE] =
	    "UPDATE my_session SET revoked_at = NOW(3) WHERE revoked_at IS NULL",
	/* Cancellable while the purge has not come (the worker's rule). */
	[GS_ERASE_CANCEL] =
	    "UPDATE user_account SET status = 'active', closed_at = NULL, "
	    "erasure_requested_at = NULL, erasure_due_at = NULL, "
	    "updated_at = NOW(3) WHERE id = ? AND status = 'closed' "
	    "AND erasure_due_at > NOW(3)",
	[GS_RESTRICT_SET] =
	    "UPDATE my_account SET restricted_at = "
	    "IF(?, COALESCE(restricted_at, NOW(3)), NULL), updated_at = NOW(3)",
	[GS_OBJECT_SET] =
	    "UPDATE my_account SET objects_analytics_at = "
	    "IF(?, COALESCE(objects_analytics_at, NOW(3)), NULL), "
	    "objects_product_emails_at = "
	    "IF(?, COALESCE(objects_product_emails_at, NOW(3)), NULL), "
	    "updated_at = NOW(3)",
	[GS_PM_GET] =
	    "SELECT directives, trusted_contact_name, trusted_contact_email, "
	    "trusted_contact_phone, " ISO("created_at") ", " ISO("updated_at")
	    " FROM my_post_mortem_directive",
	[GS_PM_PUT] =
	    "INSERT INTO my_post_mortem_directive (user_id, directives, "
	    "trusted_contact_name, trusted_contact_email, trusted_contact_phone, "
	    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, NOW(3), NOW(3)) "
	    "ON DUPLICATE KEY UPDATE directives = VALUES(directives), "
	    "trusted_contact_name = VALUES(trusted_contact_name), "
	    "trusted_contact_email = VALUES(trusted_contact_email), "
	    "trusted_contact_phone = VALUES(trusted_contact_phone), "
	    "updated_at = NOW(3)",
	[GS_PM_DELETE] =
	    "DELETE FROM my_post_mortem_directive",
	[GS_REQ_INSERT] =
	    "INSERT INTO my_privacy_request (user_id, kind, message, status, "
	    "created_at, due_at) VALUES (?, ?, ?, 'open', NOW(3), "
	    "NOW(3) + INTERVAL ? DAY)",
	[GS_REQ_GET] =
	    "SELECT id, kind, message, status, " ISO("created_at") ", "
	    ISO("due_at") ", " ISO("closed_at") ", resolution, "
	    "status = 'open' AND due_at < NOW(3) "
	    "FROM my_privacy_request WHERE id = ?",
	[GS_REQ_LIST] =
	    "SELECT id, kind, message, status, " ISO("created_at") ", "
	    ISO("due_at") ", " ISO("closed_at") ", resolution, "
	    "status = 'open' AND due_at < NOW(3) "
	    "FROM my_privacy_request WHERE id < ? ORDER BY id DESC LIMIT ?",
	[GS_REQ_OPEN_COUNT] =
	    "SELECT COUNT(*) FROM my_privacy_request WHERE status = 'open'",
	[GS_ADMIN_ACCESS] =
	    "SELECT id, admin_id, action, reason, detail, ip, " ISO("created_at")
	    " FROM my_admin_access WHERE id < ? ORDER BY id DESC LIMIT ?",

	/*
	 * The export: each statement answers (id, one JSON object) rows,
	 * built by the server, which the handler writes out as they come.
	 * Single-row sections take no arguments; the others a cursor id and
	 * a page size (PAGE). docs/gdpr-export.md documents every member.
	 */
	[GS_EX_PROFILE] =
	    "SELECT id, JSON_OBJECT('id', " SID("id") ", 'email', email, "
	    "'pending_email', pending_email, 'first_name', first_name, "
	    "'last_name', last_name, 'role', role, 'status', status, "
	    "'default_region', default_region, "
	    "'email_verified_at', " ISO("email_verified_at") ", "
	    "'totp_enabled_at', " ISO("totp_enabled_at") ", "
	    "'professional_16plus_confirmed_at', " ISO("professional_16plus_at") ", "
	    "'created_at', " ISO("created_at") ", 'updated_at', " ISO("updated_at") ", "
	    "'closed_at', " ISO("closed_at") ", "
	    "'restricted_at', " ISO("restricted_at") ", "
	    "'objects_analytics_at', " ISO("objects_analytics_at") ", "
	    "'objects_product_emails_at', " ISO("objects_product_emails_at") ", "
	    "'erasure_requested_at', " ISO("erasure_requested_at") ", "
	    "'erasure_due_at', " ISO("erasure_due_at") ") FROM my_account",
	[GS_EX_CONSENTS] =
	    "SELECT a.id, JSON_OBJECT('id', " SID("a.id") ", "
	    "'policy_version', v.version, "
	    "'policy_effective_at', " ISO("v.effective_at") ", "
	    "'accepted_at', " ISO("a.accepted_at") ", 'ip', a.ip) "
	    "FROM my_policy_acceptance a JOIN policy_version v "
	    "ON v.id = a.policy_version_id" PAGE("a.id"),
	[GS_EX_SESSIONS] =
	    "SELECT id, JSON_OBJECT('id', " SID("id") ", 'ip', ip, "
	    "'user_agent', user_agent, "
	    "'second_factor_verified', " JBOOL("totp_verified") ", "
	    "'created_at', " ISO("created_at") ", "
	    "'last_seen_at', " ISO("last_seen_at") ", "
	    "'expires_at', " ISO("expires_at") ", "
	    "'revoked_at', " ISO("revoked_at") ") FROM my_session" PAGE("id"),
	[GS_EX_EVENTS] =
	    "SELECT id, JSON_OBJECT('id', " SID("id") ", 'kind', kind, 'ip', ip, "
	    "'user_agent', user_agent, 'created_at', " ISO("created_at") ") "
	    "FROM my_security_event" PAGE("id"),
	[GS_EX_SENDING] =
	    "SELECT id, JSON_OBJECT('id', " SID("id") ", 'channel', channel, "
	    "'name', name, 'from_name', from_name, 'from_email', from_email, "
	    "'reply_to', reply_to, 'smtp_host', smtp_host, 'smtp_port', smtp_port, "
	    "'smtp_security', smtp_security, 'smtp_username', smtp_username, "
	    "'smtp_password', " MASK("smtp_password_ct") ", "
	    "'imap_host', imap_host, 'imap_port', imap_port, "
	    "'imap_security', imap_security, 'imap_username', imap_username, "
	    "'imap_password', " MASK("imap_password_ct") ", "
	    "'imap_mailbox', imap_mailbox, 'sms_provider', sms_provider, "
	    "'sms_account_sid', sms_account_sid, "
	    "'sms_api_key', " MASK("sms_api_key_ct") ", 'sms_sender', sms_sender, "
	    "'daily_limit', daily_limit, 'ramp_start', ramp_start, "
	    "'ramp_step', ramp_step, 'first_sent_at', " ISO("first_sent_at") ", "
	    "'tested_at', " ISO("tested_at") ", 'test_result', test_result, "
	    "'created_at', " ISO("created_at") ", 'updated_at', " ISO("updated_at")
	    ") FROM my_sending_account" PAGE("id"),
	[GS_EX_TEMPLATES] =
	    "SELECT id, JSON_OBJECT('id', " SID("id") ", 'name', name, "
	    "'channel', channel, 'subject', subject, 'body', body, "
	    "'body_html', body_html, 'created_at', " ISO("created_at") ", "
	    "'updated_at', " ISO("updated_at") ") FROM my_template" PAGE("id"),
	[GS_EX_SCRIPTS] =
	    "SELECT id, JSON_OBJECT('id', " SID("id") ", 'name', name, "
	    "'sections', " JSON("sections") ", "
	    "'created_at', " ISO("created_at") ", "
	    "'updated_at', " ISO("updated_at") ") FROM my_call_script" PAGE("id"),
	[GS_EX_CAMPAIGNS] =
	    "SELECT c.id, JSON_OBJECT('id', " SID("c.id") ", 'name', c.name, "
	    "'status', c.status, "
	    "'email_account_id', " SID("c.email_account_id") ", "
	    "'sms_account_id', " SID("c.sms_account_id") ", "
	    "'timezone', c.timezone, 'window_days', c.window_days, "
	    "'window_start', " SID("c.window_start") ", "
	    "'window_end', " SID("c.window_end") ", "
	    "'daily_limit', c.daily_limit, 'gap_seconds', c.gap_seconds, "
	    "'stop_on_reply', " JBOOL("c.stop_on_reply") ", "
	    "'stop_company_on_reply', " JBOOL("c.stop_company_on_reply") ", "
	    "'started_at', " ISO("c.started_at") ", "
	    "'created_at', " ISO("c.created_at") ", "
	    "'updated_at', " ISO("c.updated_at") ", "
	    "'steps', " JSON("COALESCE((SELECT JSON_ARRAYAGG(JSON_OBJECT("
	    "'position', s.position, 'kind', s.kind, "
	    "'template_id', " SID("s.template_id") ", "
	    "'call_script_id', " SID("s.call_script_id") ", "
	    "'wait_days', s.wait_days) ORDER BY s.position) "
	    "FROM my_campaign_step s WHERE s.campaign_id = c.id), '[]')") ") "
	    "FROM my_campaign c" PAGE("c.id"),
	[GS_EX_ENROLLMENTS] =
	    "SELECT id, JSON_OBJECT('id', " SID("id") ", "
	    "'campaign_id', " SID("campaign_id") ", "
	    "'prospect_id', " SID("prospect_id") ", 'status', status, "
	    "'stop_reason', stop_reason, 'position', position, "
	    "'due_at', " ISO("due_at") ", 'enrolled_at', " ISO("enrolled_at") ", "
	    "'updated_at', " ISO("updated_at") ", "
	    "'finished_at', " ISO("finished_at") ") FROM my_enrollment" PAGE("id"),
	[GS_EX_MESSAGES] =
	    "SELECT id, JSON_OBJECT('id', " SID("id") ", "
	    "'campaign_id', " SID("campaign_id") ", "
	    "'enrollment_id', " SID("enrollment_id") ", "
	    "'prospect_id', " SID("prospect_id") ", 'position', position, "
	    "'channel', channel, "
	    "'sending_account_id', " SID("sending_account_id") ", "
	    "'status', status, 'to', to_addr, 'subject', subject, 'body', body, "
	    "'message_id', message_id, 'provider_id', provider_id, "
	    "'first_contact', " JBOOL("first_contact") ", 'error', error, "
	    "'created_at', " ISO("created_at") ", 'sent_at', " ISO("sent_at") ", "
	    "'replied_at', " ISO("replied_at") ", "
	    "'bounced_at', " ISO("bounced_at") ") FROM my_message" PAGE("id"),
	[GS_EX_TASKS] =
	    "SELECT id, JSON_OBJECT('id', " SID("id") ", "
	    "'campaign_id', " SID("campaign_id") ", "
	    "'prospect_id', " SID("prospect_id") ", 'position', position, "
	    "'attempt', attempt, 'call_script_id', " SID("call_script_id") ", "
	    "'status', status, 'outcome', outcome, 'note', note, "
	    "'due_at', " ISO("due_at") ", 'done_at', " ISO("done_at") ", "
	    "'created_at', " ISO("created_at") ") FROM my_task" PAGE("id"),
	[GS_EX_PROSPECTS] =
	    "SELECT p.id, JSON_OBJECT('id', " SID("p.id") ", 'name', p.name, "
	    "'category', p.category, 'address', p.address, "
	    "'postal_code', p.postal_code, 'city', p.city, 'country', p.country, "
	    "'phone', p.phone, 'phone_e164', p.phone_e164, 'email', p.email, "
	    "'email_kind', p.email_kind, 'emails', " JSON("p.emails") ", "
	    "'website', p.website, 'rating', p.rating, "
	    "'review_count', p.review_count, 'place_id', p.place_id, "
	    "'google_cid', p.google_cid, 'latitude', p.latitude, "
	    "'longitude', p.longitude, 'status', p.status, "
	    "'custom_fields', " JSON("p.custom_fields") ", "
	    "'quality_flags', " JSON("p.quality_flags") ", 'source', p.source, "
	    "'import_id', " SID("p.import_id") ", "
	    "'collected_at', " ISO("p.collected_at") ", "
	    "'last_contact_at', " ISO("p.last_contact_at") ", "
	    "'last_prospect_contact_at', " ISO("p.last_prospect_contact_at") ", "
	    "'retention_warned_at', " ISO("p.retention_warned_at") ", "
	    "'created_at', " ISO("p.created_at") ", "
	    "'updated_at', " ISO("p.updated_at") ", "
	    "'tags', " JSON("COALESCE((SELECT JSON_ARRAYAGG(t.tag ORDER BY t.tag) "
	    "FROM my_prospect_tag t WHERE t.prospect_id = p.id), '[]')") ", "
	    "'notes', " JSON("COALESCE((SELECT JSON_ARRAYAGG(JSON_OBJECT("
	    "'id', " SID("n.id") ", 'body', n.body, "
	    "'created_at', " ISO("n.created_at") ", "
	    "'updated_at', " ISO("n.updated_at") ") ORDER BY n.id) "
	    "FROM my_prospect_note n WHERE n.prospect_id = p.id), '[]')") ") "
	    "FROM my_prospect p" PAGE("p.id"),
	[GS_EX_SUPPRESSIONS] =
	    "SELECT id, JSON_OBJECT('id', " SID("id") ", 'kind', kind, "
	    "'hint', hint, 'reason', reason, 'created_at', " ISO("created_at")
	    ") FROM my_suppression" PAGE("id"),
	[GS_EX_IMPORTS] =
	    "SELECT id, JSON_OBJECT('id', " SID("id") ", 'status', status, "
	    "'filename', filename, 'options', " JSON("options") ", "
	    "'encoding', encoding, 'bytes', bytes, 'result', " JSON("result") ", "
	    "'error_code', error_code, 'error_detail', error_detail, "
	    "'created_at', " ISO("created_at") ", "
	    "'started_at', " ISO("started_at") ", "
	    "'finished_at', " ISO("finished_at") ") FROM my_import_job" PAGE("id"),
	[GS_EX_ENRICH] =
	    "SELECT id, JSON_OBJECT('id', " SID("id") ", "
	    "'prospect_id', " SID("prospect_id") ", 'status', status, "
	    "'result', " JSON("result") ", 'error_code', error_code, "
	    "'created_at', " ISO("created_at") ", "
	    "'finished_at', " ISO("finished_at") ") FROM my_enrich_job" PAGE("id"),
	[GS_EX_SUBSCRIPTION] =
	    "SELECT user_id, JSON_OBJECT('plan', plan_code, 'status', status, "
	    "'trial_ends_at', " ISO("trial_ends_at") ", "
	    "'stripe_customer_id', stripe_customer_id, "
	    "'stripe_subscription_id', stripe_subscription_id, "
	    "'current_period_start', " ISO("current_period_start") ", "
	    "'current_period_end', " ISO("current_period_end") ", "
	    "'cancel_at_period_end', " JBOOL("cancel_at_period_end") ", "
	    "'canceled_at', " ISO("canceled_at") ", "
	    "'created_at', " ISO("created_at") ", "
	    "'updated_at', " ISO("updated_at") ") FROM my_subscription",
	[GS_EX_INVOICES] =
	    "SELECT id, JSON_OBJECT('id', " SID("id") ", "
	    "'stripe_invoice_id', stripe_invoice_id, 'number', number, "
	    "'status', status, 'currency', currency, 'subtotal', subtotal, "
	    "'tax', tax, 'total', total, 'amount_due', amount_due, "
	    "'amount_paid', amount_paid, 'amount_remaining', amount_remaining, "
	    "'hosted_invoice_url', hosted_invoice_url, 'invoice_pdf', invoice_pdf, "
	    "'period_start', " ISO("period_start") ", "
	    "'period_end', " ISO("period_end") ", "
	    "'customer_name', customer_name, 'customer_email', customer_email, "
	    "'customer_address', " JSON("customer_address") ", "
	    "'customer_tax_ids', " JSON("customer_tax_ids") ", "
	    "'created_at', " ISO("stripe_created") ", 'paid_at', " ISO("paid_at")
	    ", 'retain_until', " SID("retain_until") ") FROM my_invoice" PAGE("id"),
	[GS_EX_TMAIL] =
	    "SELECT id, JSON_OBJECT('id', " SID("id") ", 'kind', kind, "
	    "'to', to_addr, 'subject', subject, 'status', status, "
	    "'created_at', " ISO("created_at") ", 'sent_at', " ISO("sent_at")
	    ") FROM my_transactional_email" PAGE("id"),
	[GS_EX_REQUESTS] =
	    "SELECT id, JSON_OBJECT('id', " SID("id") ", 'kind', kind, "
	    "'message', message, 'status', status, "
	    "'created_at', " ISO("created_at") ", 'due_at', " ISO("due_at") ", "
	    "'closed_at', " ISO("closed_at") ", 'resolution', resolution) "
	    "FROM my_privacy_request" PAGE("id"),
	[GS_EX_POST_MORTEM] =
	    "SELECT user_id, JSON_OBJECT('directives', directives, "
	    "'trusted_contact', JSON_OBJECT('name', trusted_contact_name, "
	    "'email', trusted_contact_email, 'phone', trusted_contact_phone), "
	    "'created_at', " ISO("created_at") ", "
	    "'updated_at', " ISO("updated_at") ") FROM my_post_mortem_directive",
	[GS_EX_ADMIN] =
	    "SELECT id, JSON_OBJECT('id', " SID("id") ", "
	    "'admin_id', " SID("admin_id") ", 'action', action, 'reason', reason, "
	    "'detail', detail, 'ip', ip, 'created_at', " ISO("created_at") ") "
	    "FROM my_admin_access" PAGE("id"),
};

const struct db_table gdpr_table = { gdpr_sql, GS_POLICY_CURRENT, GS__MAX };
