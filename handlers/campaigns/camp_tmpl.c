/*
 * Templates (/templates) and call scripts (/call-scripts): texts with
 * merge tags (tmpl.h), checked when saved (an unknown or broken tag is a
 * 422 naming the field, line and column), rendered for one of the user's
 * prospects by POST /templates/{id}/preview and, for call tasks, by the
 * tasks routes. A template a campaign step uses cannot be deleted (409).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "campaigns.h"
#include "notice.h"
#include "rest.h"
#include "req.h"
#include "resp.h"

#define ISO(c)	"DATE_FORMAT(" c ", '%Y-%m-%dT%H:%i:%sZ')"
#define TEMPLATE_COLS_SQL \
	"id, name, channel, subject, body, body_html, " ISO("created_at") \
	", " ISO("updated_at")
#define SCRIPT_COLS_SQL \
	"id, name, sections, " ISO("created_at") ", " ISO("updated_at")

static const char *const camp_tmpl_sql[CT__MAX] = {
#define T(x)	[x]
	T(CT_TEMPLATE_LIST) = "SELECT " TEMPLATE_COLS_SQL " FROM my_template"
	    " WHERE id < ? ORDER BY id DESC LIMIT ?",
	T(CT_TEMPLATE_GET) = "SELECT " TEMPLATE_COLS_SQL " FROM my_template"
	    " WHERE id = ?",
	T(CT_TEMPLATE_INSERT) = "INSERT INTO my_template (user_id, name,"
	    " channel, subject, body, body_html, created_at, updated_at)"
	    " VALUES (?, ?, ?, ?, ?, ?, NOW(3), NOW(3))",
	T(CT_TEMPLATE_UPDATE) = "UPDATE my_template SET name = ?, subject = ?,"
	    " body = ?, body_html = ?, updated_at = NOW(3) WHERE id = ?",
	T(CT_TEMPLATE_DELETE) = "DELETE FROM my_template WHERE id = ?",
	T(CT_SCRIPT_LIST) = "SELECT " SCRIPT_COLS_SQL " FROM my_call_script"
	    " WHERE id < ? ORDER BY id DESC LIMIT ?",
	T(CT_SCRIPT_GET) = "SELECT " SCRIPT_COLS_SQL " FROM my_call_script"
	    " WHERE id = ?",
	T(CT_SCRIPT_INSERT) = "INSERT INTO my_call_script (user_id, name,"
	    " sections, created_at, updated_at) VALUES (?, ?, ?, NOW(3), NOW(3))",
	T(CT_SCRIPT_UPDATE) = "UPDATE my_call_script SET name = ?,"
	    " sections = ?, updated_at = NOW(3) WHERE id = ?",
	T(CT_SCRIPT_DELETE) = "DELETE FROM my_call_script WHERE id = ?",
	T(CT_PROSPECT_VALUES) = "SELECT name, category, address, postal_code,"
	    " city, phone, email, website, custom_fields FROM my_prospect"
	    " WHERE id = ?",
	T(CT_SENDER_VALUES) = "SELECT first_name, last_name, company_name"
	    " FROM my_account",
#undef T
};
const struct db_table camp_tmpl_table = { camp_tmpl_sql, SESS__MAX, CT__MAX };

static const char *const camp_channels[] = { "email", "sms", NULL };

const struct field camp_template_fields[TF__MAX] = {
	[TF_NAME] = { "name", field_text, 0, 1, CAMP_NAME_MAX, NULL },
	[TF_CHANNEL] = { "channel", field_enum, 0, 0, 0, camp_channels },
	[TF_SUBJECT] = { "subject", field_text, FIELD_NULL, 1,
	    CAMP_SUBJECT_MAX, NULL },
	[TF_BODY] = { "body", field_multiline, 0, 1, TMPL_OUT_MAX, NULL },
	[TF_BODY_HTML] = { "body_html", field_multiline, FIELD_NULL, 1,
	    TMPL_OUT_MAX, NULL },
};

const struct field camp_preview_fields[TP__MAX] = {
	[TP_PROSPECT_ID] = { "prospect_id", field_id, FIELD_REQ, 0, 0, NULL },
};

/* "sections": an array of {"title", "body"} objects, checked in C. */
static int
camp_field_sections(const struct field *f, json_t *v, const char **code,
    const char **msg)
{
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > CAMP_SECTIONS_MAX) {
		*code = "type";
		*msg = "sections must be a list of 1 to 20 {title, body} objects.";
		return -1;
	}
	return 0;
}

const struct field camp_script_fields[CS__MAX] = {
	[CS_NAME] = { "name", field_text, 0, 1, CAMP_NAME_MAX, NULL },
	[CS_BODY] = { "body", field_multiline, 0, 1, TMPL_OUT_MAX, NULL },
	[CS_SECTIONS] = { "sections", camp_field_sections, 0, 0, 0, NULL },
};

/*
 * Checks text as a template into errors ({field, code, message, line,
 * column} per problem). 0 when it parses.
 */
static int
camp_check_text(json_t *errors, const char *field, const char *text)
{
	struct tmpl_problems	 pr;
	size_t			 i;

	if (text == NULL ||
	    tmpl_parse(NULL, text, strlen(text), &pr) == 0)
		return 0;
	for (i = 0; i < pr.n; i++)
		json_array_append_new(errors, json_pack("{s:s, s:s, s:s, s:I, s:I}",
		    "field", field, "code", tmpl_code_names[pr.list[i].code],
		    "message", pr.list[i].message,
		    "line", (json_int_t)pr.list[i].line,
		    "column", (json_int_t)pr.list[i].column));
	return -1;
}

/* -- templates ---------------------------------------------------------------- */

/* {encoding, units, segments} of an SMS text, or NULL (not UTF-8). */
static json_t *
camp_sms_json(const char *text)
{
	struct tmpl_sms	 sms;

	if (tmpl_sms_segments(text, &sms) == -1)
		return NULL;
	return json_pack("{s:s, s:I, s:I}",
	    "encoding", sms.encoding == TMPL_GSM7 ? "gsm7" : "ucs2",
	    "units", (json_int_t)sms.units, "segments", (json_int_t)sms.segments);
}

/*
 * o.sms: what an SMS body costs as written, then as the sender sends it
 * (notice.h): "sent" with the STOP mention every SMS carries, and
 * "first_sent" with the source line a first message to a prospect adds
 * too. Both count the longest wording (the mention of providers whose
 * numbers take replies, a source line naming a file), so the answer is
 * never below the cost.
 */
static void
camp_sms_cost(json_t *o, const char *body)
{
	struct notice	 n;
	json_t		*sms;
	char		*full;

	if ((sms = camp_sms_json(body)) == NULL)
		return;
	memset(&n, 0, sizeof(n));
	n.source = NOTICE_FILE;
	full = notice_sms(body, &n, NOTICE_SMS_REPLY);
	json_object_set_new(sms, "sent", camp_sms_json(full));
	free(full);
	n.first = 1;
	full = notice_sms(body, &n, NOTICE_SMS_REPLY);
	json_object_set_new(sms, "first_sent", camp_sms_json(full));
	free(full);
	json_object_set_new(o, "sms", sms);
}

static json_t *
camp_template_json(struct db *db)
{
	json_t		*o;

	o = json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s?, s:s, s:s}",
	    "id", db_str(db, 0), "name", db_str(db, 1), "channel", db_str(db, 2),
	    "subject", db_str(db, 3), "body", db_str(db, 4),
	    "body_html", db_str(db, 5), "created_at", db_str(db, 6),
	    "updated_at", db_str(db, 7));
	if (o == NULL)
		abort();
	/* What the SMS costs as written (tags as they stand). */
	if (strcmp(db_str(db, 2), "sms") == 0)
		camp_sms_cost(o, db_str(db, 4));
	return o;
}

/*
 * The rules of a template beyond each field's own check: an SMS has
 * neither subject nor HTML; every text parses. An e-mail without a
 * subject is a follow-up: it keeps its thread's subject (the sender), so
 * it cannot open a sequence (camp.c).
 */
static int
camp_template_check(struct req *r, const char *channel, const char *subject,
    const char *body, const char *html)
{
	json_t	*errors = json_array();
	int	 sms = strcmp(channel, "sms") == 0;

	if (sms && (subject != NULL || html != NULL))
		json_array_append_new(errors, json_pack("{s:s, s:s, s:s}",
		    "field", subject != NULL ? "subject" : "body_html",
		    "code", "not_allowed",
		    "message", "An SMS template has only a body."));
	camp_check_text(errors, "subject", subject);
	camp_check_text(errors, "body", body);
	camp_check_text(errors, "body_html", html);
	if (json_array_size(errors) > 0)
		return resp_invalid_semantic(r, "The template has errors.", errors);
	json_decref(errors);
	return 0;
}

int
camp_template_list(struct req *r)
{
	return rest_list(r, CT_TEMPLATE_LIST, camp_template_json);
}

int
camp_template_read(struct req *r)
{
	return rest_row_reply(r, 200, CT_TEMPLATE_GET, req_param_id(r, 0),
	    camp_template_json);
}

int
camp_template_create(struct req *r)
{
	const char	*channel = req_str(r, TF_CHANNEL);
	int		 rc;

	if (req_str(r, TF_NAME) == NULL || channel == NULL ||
	    req_str(r, TF_BODY) == NULL)
		return resp_unprocessable(r, req_str(r, TF_NAME) == NULL ? "name" :
		    channel == NULL ? "channel" : "body", "required",
		    "name, channel and body are required.");
	if ((rc = camp_template_check(r, channel, req_str(r, TF_SUBJECT),
	    req_str(r, TF_BODY), req_str(r, TF_BODY_HTML))) != 0)
		return rc;
	rc = db_exec(r->db, CT_TEMPLATE_INSERT, DB_ARGS(DB_INT(r->sess->user_id),
	    DB_TEXT(req_str(r, TF_NAME)), DB_TEXT(channel),
	    DB_TEXT(req_str(r, TF_SUBJECT)), DB_TEXT(req_str(r, TF_BODY)),
	    DB_TEXT(req_str(r, TF_BODY_HTML))));
	if (rc != DB_OK)
		return resp_db(r, rc);
	return rest_row_reply(r, 201, CT_TEMPLATE_GET, db_last_id(r->db),
	    camp_template_json);
}

/* A PATCH value: the body's when given (JSON null clears), else stored. */
static const char *
camp_patched(struct req *r, size_t field, struct db *db, size_t col)
{
	if (r->vals[field] != NULL)
		return req_str(r, field);
	return db_null(db, col) ? NULL : arena_strdup(r->arena, db_str(db, col));
}

int
camp_template_update(struct req *r)
{
	uint64_t	 id = req_param_id(r, 0);
	const char	*name, *channel, *subject, *body, *html;
	int		 rc;

	if (id == 0)
		return resp_db(r, DB_NONE);
	if ((rc = db_one(r->db, CT_TEMPLATE_GET, DB_ARGS(DB_INT(id)))) != DB_OK)
		return resp_db(r, rc);
	channel = arena_strdup(r->arena, db_str(r->db, 2));
	name = camp_patched(r, TF_NAME, r->db, 1);
	subject = camp_patched(r, TF_SUBJECT, r->db, 3);
	body = camp_patched(r, TF_BODY, r->db, 4);
	html = camp_patched(r, TF_BODY_HTML, r->db, 5);
	db_done(r->db);
	if (req_has(r, TF_CHANNEL) && strcmp(req_str(r, TF_CHANNEL), channel) != 0)
		return resp_unprocessable(r, "channel", "immutable",
		    "A template keeps its channel: create another one.");
	if ((rc = camp_template_check(r, channel, subject, body, html)) != 0)
		return rc;
	rc = db_exec(r->db, CT_TEMPLATE_UPDATE, DB_ARGS(DB_TEXT(name),
	    DB_TEXT(subject), DB_TEXT(body), DB_TEXT(html), DB_INT(id)));
	if (rc != DB_OK && rc != DB_NONE)	/* NONE: nothing changed */
		return resp_db(r, rc);
	return rest_row_reply(r, 200, CT_TEMPLATE_GET, id, camp_template_json);
}

int
camp_template_delete(struct req *r)
{
	return rest_delete_or_404(r, CT_TEMPLATE_DELETE);
}

void
camp_values_row(struct req *r, struct db *db, size_t col,
    struct tmpl_values *v)
{
	static const int	 cols[] = { TMPL_BUSINESS_NAME, TMPL_CATEGORY,
	    TMPL_ADDRESS, TMPL_POSTAL_CODE, TMPL_CITY, TMPL_PHONE, TMPL_EMAIL,
	    TMPL_WEBSITE };
	const char		*s;
	size_t			 i;

	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		v->field[cols[i]] = db_null(db, col + i) ? NULL :
		    arena_strdup(r->arena, db_str(db, col + i));
	v->custom = db_null(db, col + 8) ? NULL : json_loads(db_str(db,
	    col + 8), 0, NULL);
	/* The contact person, when an import brought one as custom fields. */
	if ((s = json_string_value(json_object_get(v->custom, "first_name"))) != NULL)
		v->field[TMPL_FIRST_NAME] = arena_strdup(r->arena, s);
	if ((s = json_string_value(json_object_get(v->custom, "last_name"))) != NULL)
		v->field[TMPL_LAST_NAME] = arena_strdup(r->arena, s);
}

int
camp_values_sender(struct req *r, struct tmpl_values *v)
{
	int	 rc;

	if ((rc = db_one(r->db, CT_SENDER_VALUES, DB_NOARGS)) == DB_OK) {
		v->field[TMPL_SENDER_NAME] = arena_printf(r->arena, "%s %s",
		    db_str(r->db, 0), db_str(r->db, 1));
		if (!db_null(r->db, 2))
			v->field[TMPL_SENDER_COMPANY] = arena_strdup(r->arena,
			    db_str(r->db, 2));
		db_done(r->db);
	}
	return rc == DB_NONE ? DB_OK : rc;
}

int
camp_values(struct req *r, uint64_t prospect_id, struct tmpl_values *v)
{
	int	 rc;

	memset(v, 0, sizeof(*v));
	if ((rc = db_one(r->db, CT_PROSPECT_VALUES,
	    DB_ARGS(DB_INT(prospect_id)))) != DB_OK)
		return rc;
	camp_values_row(r, r->db, 0, v);
	db_done(r->db);
	if ((rc = camp_values_sender(r, v)) != DB_OK) {
		json_decref((json_t *)v->custom);
		v->custom = NULL;
	}
	return rc;
}

/*
 * Renders text (may be NULL) in mode into o[key]; a missing tag adds its
 * name to missing and sets o[key] to null. 0, or -1 when the render is
 * too long.
 */
static int
camp_render_into(json_t *o, const char *key, const char *text,
    const struct tmpl_values *v, enum tmpl_mode mode, json_t *missing)
{
	struct tmpl		*t;
	struct tmpl_problems	 pr;
	struct tmpl_out		 out;
	size_t			 i, j;
	enum tmpl_rc		 rc;

	if (text == NULL)
		return 0;
	if (tmpl_parse(&t, text, strlen(text), &pr) == -1) {
		json_object_set_new(o, key, json_null());	/* saved before a rule change */
		return 0;
	}
	rc = tmpl_render(&out, t, v, mode);
	if (rc == TMPL_RENDERED) {
		json_object_set_new(o, key, json_stringn(out.text, out.len));
		free(out.text);
	} else {
		json_object_set_new(o, key, json_null());
		for (i = 0; rc == TMPL_MISSING && i < out.nmissing; i++) {
			for (j = 0; j < json_array_size(missing); j++)
				if (strcmp(json_string_value(json_array_get(missing,
				    j)), out.missing[i]) == 0)
					break;
			if (j == json_array_size(missing))
				json_array_append_new(missing,
				    json_string(out.missing[i]));
		}
	}
	tmpl_free(t);
	return rc == TMPL_OVERFLOW ? -1 : 0;
}

int
camp_template_preview(struct req *r)
{
	uint64_t		 id = req_param_id(r, 0);
	struct tmpl_values	 v;
	json_t			*tpl, *o, *missing;
	int			 rc, bad;

	if (id == 0)
		return resp_db(r, DB_NONE);
	if ((rc = db_one(r->db, CT_TEMPLATE_GET, DB_ARGS(DB_INT(id)))) != DB_OK)
		return resp_db(r, rc);
	tpl = camp_template_json(r->db);
	db_done(r->db);
	rc = camp_values(r, strtoull(req_str(r, TP_PROSPECT_ID), NULL, 10), &v);
	if (rc != DB_OK) {
		json_decref(tpl);
		if (rc == DB_NONE)
			return resp_unprocessable(r, "prospect_id", "not_found",
			    "No such prospect, or it is not yours.");
		return resp_db(r, rc);
	}
	o = json_object();
	missing = json_array();
	bad = camp_render_into(o, "subject", json_string_value(json_object_get(tpl,
	    "subject")), &v, TMPL_HEADER, missing);
	bad |= camp_render_into(o, "body", json_string_value(json_object_get(tpl,
	    "body")), &v, TMPL_TEXT, missing);
	bad |= camp_render_into(o, "body_html", json_string_value(json_object_get(tpl,
	    "body_html")), &v, TMPL_HTML, missing);
	if (strcmp(json_string_value(json_object_get(tpl, "channel")), "sms") == 0 &&
	    json_is_string(json_object_get(o, "body")))
		camp_sms_cost(o, json_string_value(json_object_get(o, "body")));
	json_decref((json_t *)v.custom);
	json_decref(tpl);
	if (bad) {
		json_decref(o);
		json_decref(missing);
		return resp_unprocessable(r, "body", "too_long",
		    "The rendered message would be longer than 256 KiB.");
	}
	/* A tag without a value blocks the step for this prospect: say which. */
	json_object_set_new(o, "blocked", json_boolean(json_array_size(missing) > 0));
	json_object_set_new(o, "missing", missing);
	return resp_json(r, 200, o);
}

/* -- call scripts --------------------------------------------------------- */

static json_t *
camp_script_json(struct db *db)
{
	json_t	*o, *sections;

	sections = json_loads(db_str(db, 2), 0, NULL);
	o = json_pack("{s:s, s:s, s:o, s:s, s:s}", "id", db_str(db, 0),
	    "name", db_str(db, 1), "sections", sections != NULL ? sections :
	    json_array(), "created_at", db_str(db, 3),
	    "updated_at", db_str(db, 4));
	if (o == NULL)
		abort();
	return o;
}

/*
 * The sections of a call script from the body: "sections" as given, or
 * "body" as one untitled section. Each title (optional, a line of up to
 * 120 code points) and body (required) is checked, tags included. An
 * owned array, or NULL after answering 422.
 */
static json_t *
camp_script_sections(struct req *r, int *status)
{
	json_t		*in = r->vals[CS_SECTIONS], *out, *errors, *s, *title,
			*body;
	const char	*code, *msg;
	char		 field[48];
	size_t		 i;
	struct field	 ft = { "title", field_text, 0, 0, CAMP_NAME_MAX, NULL };
	struct field	 fb = { "body", field_multiline, 0, 1, TMPL_OUT_MAX, NULL };

	if (in == NULL)
		return json_pack("[{s:s, s:s}]", "title", "",
		    "body", req_str(r, CS_BODY));
	out = json_array();
	errors = json_array();
	json_array_foreach(in, i, s) {
		title = json_object_get(s, "title");
		body = json_object_get(s, "body");
		snprintf(field, sizeof(field), "sections[%zu].body", i);
		if (!json_is_object(s) || json_object_size(s) !=
		    (size_t)(title != NULL) + (body != NULL) || body == NULL) {
			json_array_append_new(errors, json_pack("{s:s, s:s, s:s}",
			    "field", field, "code", "type", "message",
			    "Each section is {\"title\", \"body\"}, body required."));
			continue;
		}
		if (title != NULL && ft.check(&ft, title, &code, &msg) == -1) {
			snprintf(field, sizeof(field), "sections[%zu].title", i);
			json_array_append_new(errors, json_pack("{s:s, s:s, s:s}",
			    "field", field, "code", code, "message", msg));
			continue;
		}
		if (fb.check(&fb, body, &code, &msg) == -1) {
			json_array_append_new(errors, json_pack("{s:s, s:s, s:s}",
			    "field", field, "code", code, "message", msg));
			continue;
		}
		snprintf(field, sizeof(field), "sections[%zu].title", i);
		camp_check_text(errors, field, json_string_value(title));
		snprintf(field, sizeof(field), "sections[%zu].body", i);
		camp_check_text(errors, field, json_string_value(body));
		json_array_append_new(out, json_pack("{s:s, s:O}", "title",
		    title != NULL ? json_string_value(title) : "", "body", body));
	}
	if (json_array_size(errors) > 0) {
		json_decref(out);
		*status = resp_invalid_semantic(r, "The call script has errors.", errors);
		return NULL;
	}
	json_decref(errors);
	return out;
}

int
camp_script_list(struct req *r)
{
	return rest_list(r, CT_SCRIPT_LIST, camp_script_json);
}

int
camp_script_read(struct req *r)
{
	return rest_row_reply(r, 200, CT_SCRIPT_GET, req_param_id(r, 0),
	    camp_script_json);
}

/* Writes a call script: id 0 inserts. */
static int
camp_script_write(struct req *r, uint64_t id, const char *name)
{
	json_t	*sections;
	char	*text;
	int	 rc, status = 0;

	if (req_has(r, CS_BODY) && req_has(r, CS_SECTIONS))
		return resp_unprocessable(r, "sections", "conflict",
		    "Give body or sections, not both.");
	if ((sections = camp_script_sections(r, &status)) == NULL)
		return status;
	if ((text = json_dumps(sections, JSON_COMPACT)) == NULL)
		abort();
	json_decref(sections);
	if (id == 0)
		rc = db_exec(r->db, CT_SCRIPT_INSERT, DB_ARGS(
		    DB_INT(r->sess->user_id), DB_TEXT(name), DB_TEXT(text)));
	else
		rc = db_exec(r->db, CT_SCRIPT_UPDATE, DB_ARGS(DB_TEXT(name),
		    DB_TEXT(text), DB_INT(id)));
	free(text);
	if (rc == DB_NONE && id != 0)
		rc = DB_OK;		/* the same text again */
	if (rc != DB_OK)
		return resp_db(r, rc);
	return rest_row_reply(r, id == 0 ? 201 : 200, CT_SCRIPT_GET,
	    id == 0 ? db_last_id(r->db) : id, camp_script_json);
}

int
camp_script_create(struct req *r)
{
	if (req_str(r, CS_NAME) == NULL ||
	    (!req_has(r, CS_BODY) && !req_has(r, CS_SECTIONS)))
		return resp_unprocessable(r, req_str(r, CS_NAME) == NULL ?
		    "name" : "body", "required",
		    "name, and body or sections, are required.");
	return camp_script_write(r, 0, req_str(r, CS_NAME));
}

int
camp_script_update(struct req *r)
{
	uint64_t	 id = req_param_id(r, 0);
	const char	*name;
	int		 rc;

	if (id == 0)
		return resp_db(r, DB_NONE);
	if ((rc = db_one(r->db, CT_SCRIPT_GET, DB_ARGS(DB_INT(id)))) != DB_OK)
		return resp_db(r, rc);
	name = camp_patched(r, CS_NAME, r->db, 1);
	if (!req_has(r, CS_BODY) && !req_has(r, CS_SECTIONS)) {
		/* Only the name: keep the stored sections. */
		r->vals[CS_SECTIONS] = json_loads(db_str(r->db, 2), 0, NULL);
		db_done(r->db);
		if (r->vals[CS_SECTIONS] == NULL)
			return resp_db(r, DB_ERR);
		rc = camp_script_write(r, id, name);
		json_decref(r->vals[CS_SECTIONS]);
		r->vals[CS_SECTIONS] = NULL;
		return rc;
	}
	db_done(r->db);
	return camp_script_write(r, id, name);
}

int
camp_script_delete(struct req *r)
{
	return rest_delete_or_404(r, CT_SCRIPT_DELETE);
}

json_t *
camp_script_render(const char *sections, const struct tmpl_values *v,
    json_t **missing)
{
	json_t	*in = json_loads(sections, 0, NULL), *out = json_array(), *s, *o;
	size_t	 i;

	*missing = json_array();
	json_array_foreach(in, i, s) {
		o = json_object();
		if (camp_render_into(o, "title", json_string_value(json_object_get(s,
		    "title")), v, TMPL_TEXT, *missing) == -1 ||
		    camp_render_into(o, "body", json_string_value(json_object_get(s,
		    "body")), v, TMPL_TEXT, *missing) == -1) {
			json_decref(o);
			continue;
		}
		/* A tag without a value: the caller sees the text as written. */
		if (json_is_null(json_object_get(o, "title")))
			json_object_set(o, "title", json_object_get(s, "title"));
		if (json_is_null(json_object_get(o, "body")))
			json_object_set(o, "body", json_object_get(s, "body"));
		json_array_append_new(out, o);
	}
	json_decref(in);
	if (json_array_size(*missing) == 0) {
		json_decref(*missing);
		*missing = NULL;
	}
	return out;
}
