/*
 * Fuzz target for request bodies (field.h, email.h): the input is parsed
 * by field_parse() against a table that uses every validator, shaped
 * like the signup body plus one field per remaining validator. FIELD_OK
 * must leave only known keys, every required field present and every
 * value passing its check again; FIELD_INVALID must list at least one
 * well-formed error; FIELD_MALFORMED must say why. field_depth_ok() and
 * email_valid() (with email_key()) also run on the raw bytes.
 */
#include "config.h"

#include <string.h>

#include "email.h"
#include "field.h"
#include "query.h"
#include "fuzz.h"

enum fuzz_field {
	FF_FIRST_NAME,
	FF_LAST_NAME,
	FF_EMAIL,
	FF_PASSWORD,
	FF_POLICY,
	FF_CONFIRM,
	FF_NEWSLETTER,
	FF_NOTE,
	FF_LIMIT,
	FF_TZ_OFFSET,
	FF_TOKEN,
	FF_CODE,
	FF_CAMPAIGN_ID,
	FF__MAX
};

static const char *const fuzz_policies[] = { "2025-06", "2026-01", NULL };

static const struct field fuzz_fields[FF__MAX] = {
	[FF_FIRST_NAME]	= { "first_name", field_text, FIELD_REQ, 1, 100 },
	[FF_LAST_NAME]	= { "last_name", field_text, 0, 1, 100 },
	[FF_EMAIL]	= { "email", field_email, FIELD_REQ, 0, EMAIL_MAX },
	[FF_PASSWORD]	= { "password", field_password, 0, 12, 1024 },
	[FF_POLICY]	= { "accept_policy_version", field_enum, 0, 0, 0,
			    fuzz_policies },
	[FF_CONFIRM]	= { "confirm_professional_16plus", field_true, 0 },
	[FF_NEWSLETTER]	= { "newsletter", field_bool, FIELD_NULL },
	[FF_NOTE]	= { "note", field_multiline, FIELD_NULL, 0, 2000 },
	[FF_LIMIT]	= { "limit", field_int, 0, 1, 200 },
	[FF_TZ_OFFSET]	= { "tz_offset", field_int, 0, -720, 840 },
	[FF_TOKEN]	= { "token", field_token, 0, 43, 43 },
	[FF_CODE]	= { "code", field_digits, 0, 6, 6 },
	[FF_CAMPAIGN_ID] = { "campaign_id", field_id, FIELD_NULL },
};

/* Checks one entry of res->errors: {field, code, message}, all strings. */
static void
fuzz_check_error(json_t *e)
{
	json_t	*f, *c, *m;

	FUZZ_CHECK(json_is_object(e) && json_object_size(e) == 3);
	f = json_object_get(e, "field");
	c = json_object_get(e, "code");
	m = json_object_get(e, "message");
	FUZZ_CHECK(json_is_string(f) && json_is_string(c) && json_is_string(m));
	FUZZ_CHECK(json_string_length(f) <= 64);
	FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)json_string_value(f),
	    json_string_length(f)));
	FUZZ_CHECK(json_string_length(c) > 0 && json_string_length(m) > 0);
}

static void
fuzz_check_ok(const struct field_res *res, json_t **vals)
{
	const char	*key, *code, *msg;
	json_t		*v;
	size_t		 i;
	int		 known;

	FUZZ_CHECK(json_is_object(res->root));
	FUZZ_CHECK(res->errors == NULL || json_array_size(res->errors) == 0);
	json_object_foreach(res->root, key, v) {
		known = 0;
		for (i = 0; i < FF__MAX; i++)
			known |= strcmp(fuzz_fields[i].name, key) == 0;
		FUZZ_CHECK(known);
	}
	for (i = 0; i < FF__MAX; i++) {
		if (vals[i] == NULL) {
			FUZZ_CHECK(!(fuzz_fields[i].flags & FIELD_REQ));
			FUZZ_CHECK(json_object_get(res->root,
			    fuzz_fields[i].name) == NULL);
			continue;
		}
		FUZZ_CHECK(vals[i] == json_object_get(res->root,
		    fuzz_fields[i].name));
		if (json_is_null(vals[i])) {
			FUZZ_CHECK(fuzz_fields[i].flags & FIELD_NULL);
			continue;
		}
		code = msg = NULL;
		FUZZ_CHECK(fuzz_fields[i].check(&fuzz_fields[i], vals[i], &code,
		    &msg) == 0);
		if (json_is_string(vals[i]))
			FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)
			    json_string_value(vals[i]),
			    json_string_length(vals[i])));
	}
}

static void
fuzz_check_email(const uint8_t *data, size_t size)
{
	char	*s, key[EMAIL_MAX + 1], again[EMAIL_MAX + 1];
	size_t	 len;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	if (email_valid(s)) {
		len = strlen(s);
		FUZZ_CHECK(len >= 3 && len <= EMAIL_MAX);
		FUZZ_CHECK(strchr(s, '@') != NULL);
		FUZZ_CHECK(query_utf8_ok((const unsigned char *)s, len));
		FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)s, len));
		/*
		 * The comparison key (A-label domain, ASCII folded) of a valid
		 * address is itself valid, and its own key.
		 */
		email_key(key, s);
		FUZZ_CHECK(email_valid(key));
		email_key(again, key);
		FUZZ_CHECK(strcmp(again, key) == 0);
	}
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct field_res	 res;
	enum field_rc		 rc;
	json_t			*vals[FF__MAX];
	size_t			 i;
	json_t			*j;
	char			*txt;
	int			 shallow;

	/* A looser limit accepts whatever a stricter one accepts. */
	shallow = field_depth_ok((const char *)data, size, FIELD_DEPTH_MAX);
	if (field_depth_ok((const char *)data, size, 1))
		FUZZ_CHECK(shallow);
	(void)field_depth_ok((const char *)data, size, 0);

	fuzz_check_email(data, size);

	rc = field_parse(&res, vals, (const char *)data, size, fuzz_fields,
	    FF__MAX);
	FUZZ_CHECK(rc == FIELD_OK || rc == FIELD_INVALID ||
	    rc == FIELD_MALFORMED);
	switch (rc) {
	case FIELD_OK:
		fuzz_check_ok(&res, vals);
		break;
	case FIELD_INVALID:
		FUZZ_CHECK(json_is_object(res.root));
		FUZZ_CHECK(json_is_array(res.errors));
		FUZZ_CHECK(json_array_size(res.errors) > 0);
		for (i = 0; i < json_array_size(res.errors); i++)
			fuzz_check_error(json_array_get(res.errors, i));
		/* As resp_invalid() will serialise them. */
		txt = json_dumps(res.errors, JSON_COMPACT | JSON_ENSURE_ASCII);
		FUZZ_CHECK(txt != NULL);
		free(txt);
		break;
	case FIELD_MALFORMED:
		FUZZ_CHECK(res.detail[0] != '\0');
		FUZZ_CHECK(memchr(res.detail, '\0', sizeof(res.detail)) != NULL);
		FUZZ_CHECK(res.errors == NULL);
		/*
		 * app.c sends detail in a problem document: Jansson must take
		 * it as a string (valid UTF-8), or resp_problem() aborts.
		 */
		j = json_pack("{s:s}", "detail", res.detail);
		FUZZ_CHECK(j != NULL);
		json_decref(j);
		break;
	}
	/* Too deep for the pre-check is always MALFORMED, before Jansson. */
	if (!shallow)
		FUZZ_CHECK(rc == FIELD_MALFORMED && res.root == NULL);
	field_res_free(&res);
	FUZZ_CHECK(res.root == NULL && res.errors == NULL);
	return 0;
}
