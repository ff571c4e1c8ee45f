/*
 * JSON bodies checked against field tables. Jansson does the parsing
 * (JSON_REJECT_DUPLICATES; NUL inside strings refused by default); this
 * file adds the depth limit, the object-only rule and the per-field
 * checks, and collects every problem so the client can fix all at once.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "email.h"
#include "field.h"

size_t
field_utf8_len(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

size_t
field_utf8_cut(const char *s, size_t max)
{
	size_t	 i = 0, n = 0;

	while (s[i] != '\0' && n < max) {
		i++;
		while (((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		n++;
	}
	return i;
}

int
field_depth_ok(const char *buf, size_t len, int max)
{
	size_t	 i;
	int	 depth = 0, instr = 0;

	for (i = 0; i < len; i++) {
		char c = buf[i];
		if (instr) {
			if (c == '\\')
				i++;
			else if (c == '"')
				instr = 0;
		} else if (c == '"')
			instr = 1;
		else if (c == '[' || c == '{') {
			if (++depth > max)
				return 0;
		} else if (c == ']' || c == '}')
			depth--;
	}
	return 1;
}

static int
field_len_check(const struct field *f, const char *s, const char **code,
    const char **msg)
{
	size_t	 n = field_utf8_len(s);

	if (f->min > 0 && n < (size_t)f->min) {
		*code = n == 0 ? "required" : "too_short";
		*msg = n == 0 ? "must not be empty" : "is too short";
		return -1;
	}
	if (f->max > 0 && n > (size_t)f->max) {
		*code = "too_long";
		*msg = "is too long";
		return -1;
	}
	return 0;
}

static int
field_string(json_t *v, const char **code, const char **msg)
{
	if (!json_is_string(v)) {
		*code = "type";
		*msg = "must be a string";
		return -1;
	}
	return 0;
}

/* 1 if s starts with a C1 control character (U+0080..U+009F) in UTF-8. */
static int
field_c1(const unsigned char *s)
{
	return s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f;
}

int
field_text(const struct field *f, json_t *v, const char **code, const char **msg)
{
	const unsigned char	*s;

	if (field_string(v, code, msg) == -1)
		return -1;
	for (s = (const unsigned char *)json_string_value(v); *s != '\0'; s++)
		if (*s < 0x20 || *s == 0x7f || field_c1(s)) {
			*code = "control_character";
			*msg = "must not contain control characters or line breaks";
			return -1;
		}
	return field_len_check(f, json_string_value(v), code, msg);
}

int
field_multiline(const struct field *f, json_t *v, const char **code,
    const char **msg)
{
	const unsigned char	*s;

	if (field_string(v, code, msg) == -1)
		return -1;
	for (s = (const unsigned char *)json_string_value(v); *s != '\0'; s++)
		if ((*s < 0x20 && *s != '\n' && *s != '\r' && *s != '\t') ||
		    *s == 0x7f || field_c1(s)) {
			*code = "control_character";
			*msg = "must not contain control characters";
			return -1;
		}
	return field_len_check(f, json_string_value(v), code, msg);
}

int
field_password(const struct field *f, json_t *v, const char **code,
    const char **msg)
{
	if (field_string(v, code, msg) == -1)
		return -1;
	return field_len_check(f, json_string_value(v), code, msg);
}

int
field_email(const struct field *f, json_t *v, const char **code,
    const char **msg)
{
	if (field_string(v, code, msg) == -1)
		return -1;
	if (!email_valid(json_string_value(v)) ||
	    (f->max > 0 && json_string_length(v) > (size_t)f->max)) {
		*code = "email";
		*msg = "must be an e-mail address";
		return -1;
	}
	return 0;
}

/* field_enum()'s message: the next call writes it again. */
static char	field_enum_msg[512];

int
field_enum(const struct field *f, json_t *v, const char **code, const char **msg)
{
	const char *const	*e;

	if (field_string(v, code, msg) == -1)
		return -1;
	for (e = f->enums; e != NULL && *e != NULL; e++)
		if (strcmp(*e, json_string_value(v)) == 0)
			return 0;
	*code = "enum";
	/* The allowed values, so that the message says what to send. */
	snprintf(field_enum_msg, sizeof(field_enum_msg), "must be one of:");
	for (e = f->enums; e != NULL && *e != NULL; e++)
		if (strlen(field_enum_msg) + strlen(*e) + 3 <
		    sizeof(field_enum_msg))
			snprintf(field_enum_msg + strlen(field_enum_msg),
			    sizeof(field_enum_msg) - strlen(field_enum_msg),
			    "%s %s", e == f->enums ? "" : ",", *e);
	*msg = field_enum_msg;
	return -1;
}

int
field_bool(const struct field *f, json_t *v, const char **code, const char **msg)
{
	if (!json_is_boolean(v)) {
		*code = "type";
		*msg = "must be true or false";
		return -1;
	}
	return 0;
}

int
field_true(const struct field *f, json_t *v, const char **code, const char **msg)
{
	if (field_bool(f, v, code, msg) == -1)
		return -1;
	if (!json_is_true(v)) {
		*code = "must_be_true";
		*msg = "must be true";
		return -1;
	}
	return 0;
}

int
field_int(const struct field *f, json_t *v, const char **code, const char **msg)
{
	if (!json_is_integer(v)) {
		*code = "type";
		*msg = "must be an integer";
		return -1;
	}
	if (json_integer_value(v) < f->min || json_integer_value(v) > f->max) {
		*code = "range";
		*msg = "is out of range";
		return -1;
	}
	return 0;
}

static int
field_charset(const struct field *f, json_t *v, const char *set,
    const char **code, const char **msg)
{
	const char	*s;
	size_t		 n;

	if (field_string(v, code, msg) == -1)
		return -1;
	s = json_string_value(v);
	n = json_string_length(v);
	if (strspn(s, set) != n || (f->min > 0 && n < (size_t)f->min) ||
	    (f->max > 0 && n > (size_t)f->max)) {
		*code = "format";
		*msg = "is not in the expected format";
		return -1;
	}
	return 0;
}

int
field_token(const struct field *f, json_t *v, const char **code,
    const char **msg)
{
	return field_charset(f, v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_", code, msg);
}

int
field_digits(const struct field *f, json_t *v, const char **code,
    const char **msg)
{
	return field_charset(f, v, "0123456789", code, msg);
}

int
field_id(const struct field *f, json_t *v, const char **code, const char **msg)
{
	static const struct field idf = { "id", NULL, 0, 1, 19, NULL };

	if (field_string(v, code, msg) == -1)
		return -1;
	if (field_charset(&idf, v, "0123456789", code, msg) == -1 ||
	    json_string_value(v)[0] == '0') {
		*code = "format";
		*msg = "is not an id";
		return -1;
	}
	return 0;
}

static void
field_error(json_t *errors, const char *name, const char *code,
    const char *msg)
{
	char	 shortname[65];
	size_t	 n = strlen(name);

	/* An unknown key is the client's text: bound what is echoed back. */
	if (n > 64) {
		n = 64;
		while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(shortname, name, n);
	shortname[n] = '\0';
	json_array_append_new(errors, json_pack("{s:s, s:s, s:s}",
	    "field", shortname, "code", code, "message", msg));
}

/* A fixed English reason for a Jansson parse error. */
static const char *
field_json_error(const json_error_t *err)
{
	switch (json_error_code(err)) {
	case json_error_invalid_utf8:
		return "invalid UTF-8";
	case json_error_null_character:
	case json_error_null_byte_in_key:
		return "a NUL character (\\u0000) in a string";
	case json_error_duplicate_key:
		return "a key appears twice";
	case json_error_premature_end_of_input:
		return "the body ends too early";
	case json_error_end_of_input_expected:
		return "something follows the JSON value";
	case json_error_numeric_overflow:
		return "a number is out of range";
	case json_error_invalid_syntax:
	default:
		return "invalid syntax";
	}
}

enum field_rc
field_parse(struct field_res *res, json_t **vals, const char *buf, size_t len,
    const struct field *tbl, size_t n)
{
	json_error_t	 err;
	const char	*key, *code, *msg;
	json_t		*v;
	size_t		 i;
	int		 known;

	memset(res, 0, sizeof(*res));
	res->vals = vals;
	for (i = 0; i < n; i++)
		vals[i] = NULL;
	while (len > 0 && (buf[len - 1] == ' ' || buf[len - 1] == '\n' ||
	    buf[len - 1] == '\r' || buf[len - 1] == '\t'))
		len--;
	if (len == 0) {
		res->root = json_object();
	} else {
		if (!field_depth_ok(buf, len, FIELD_DEPTH_MAX)) {
			snprintf(res->detail, sizeof(res->detail),
			    "The JSON body nests deeper than %d levels.",
			    FIELD_DEPTH_MAX);
			return FIELD_MALFORMED;
		}
		res->root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
		if (res->root == NULL) {
			/*
			 * Not Jansson's text: it quotes the offending bytes,
			 * which may be half a UTF-8 character.
			 */
			snprintf(res->detail, sizeof(res->detail),
			    "The body is not valid JSON (line %d, column %d): %s.",
			    err.line, err.column, field_json_error(&err));
			return FIELD_MALFORMED;
		}
	}
	if (!json_is_object(res->root)) {
		snprintf(res->detail, sizeof(res->detail),
		    "The body must be a JSON object.");
		return FIELD_MALFORMED;
	}
	res->errors = json_array();
	json_object_foreach(res->root, key, v) {
		known = 0;
		for (i = 0; i < n && !known; i++)
			if (strcmp(tbl[i].name, key) == 0)
				known = 1;
		if (!known)
			field_error(res->errors, key, "unknown_field",
			    "is not a field of this request");
	}
	for (i = 0; i < n; i++) {
		v = json_object_get(res->root, tbl[i].name);
		if (v == NULL) {
			if (tbl[i].flags & FIELD_REQ)
				field_error(res->errors, tbl[i].name, "required",
				    "is required");
			continue;
		}
		if (json_is_null(v)) {
			if (tbl[i].flags & FIELD_NULL)
				vals[i] = v;
			else
				field_error(res->errors, tbl[i].name, "type",
				    "must not be null");
			continue;
		}
		if (tbl[i].check(&tbl[i], v, &code, &msg) == -1) {
			field_error(res->errors, tbl[i].name, code, msg);
			continue;
		}
		vals[i] = v;
	}
	if (json_array_size(res->errors) > 0)
		return FIELD_INVALID;
	return FIELD_OK;
}

void
field_res_free(struct field_res *res)
{
	json_decref(res->root);
	json_decref(res->errors);
	res->root = res->errors = NULL;
}
