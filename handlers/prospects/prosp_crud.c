/*
 * Prospects over the API: search (GET /prospects), create, read, edit,
 * delete and GDPR erasure of one prospect. Every entry point that writes a
 * record goes through prosp_rec.h (normalisation, suppression list,
 * duplicates), so a prospect typed in by hand obeys the rules an import
 * does. The statement table here also holds the SQL of prosp_notes.c and
 * prosp_supp.c: the group's files share one id range (prosp_crud.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "analytics.h"
#include "arena.h"
#include "log.h"
#include "phone.h"
#include "pnorm.h"
#include "prospects.h"
#include "req.h"
#include "resp.h"
#include "supp.h"

/*
 * SQL fragments the statements below share, spelled once. A prospect row
 * is PROSP_COLS (enum prosp_col); a search is PROSP_SEARCH_SQL (the
 * filters of prospect.h, shared with the campaigns group) then
 * one keyset clause per sort:
 * rows after the cursor (sort value, id), NULL sort values last, then
 * LIMIT. Timestamps leave as ISO 8601 UTC (the session's time zone is
 * UTC, db.c).
 */
#define ISO(c)	"DATE_FORMAT(" c ", '%Y-%m-%dT%H:%i:%sZ')"
#define PROSP_COLS \
	"p.id, p.name, p.category, p.address, p.postal_code, p.city, " \
	"p.country, p.phone, p.phone_e164, p.email, p.email_kind, p.emails, " \
	"p.website, p.website_host, p.rating, p.review_count, p.place_id, " \
	"p.google_cid, p.latitude, p.longitude, p.status, p.custom_fields, " \
	"p.quality_flags, p.source, p.import_id, " ISO("p.collected_at") ", " \
	ISO("p.last_contact_at") ", " ISO("p.last_prospect_contact_at") ", " \
	ISO("p.created_at") ", " ISO("p.updated_at")
#define PROSP_SEARCH_SQL " FROM my_prospect p" PROSPECT_FILTER_SQL
#define KEYSET_WHERE(K, CMP) \
	" AND (? IS NULL" \
	" OR (? = 0 AND (" K " IS NULL OR " K " " CMP " ?" \
	" OR (" K " = ? AND p.id " CMP " ?)))" \
	" OR (? = 1 AND " K " IS NULL AND p.id " CMP " ?))"
#define KEYSET(K, CMP, DIR) KEYSET_WHERE(K, CMP) \
	" ORDER BY " K " IS NULL, " K " " DIR ", p.id " DIR " LIMIT ?"
/*
 * The same for a column that is never NULL: an ORDER BY without the
 * "IS NULL" key, so the (user_id, column, id) index gives the order and
 * the LIMIT stops the scan (with it, every row of the user is sorted).
 */
#define KEYSET_NN(K, CMP, DIR) KEYSET_WHERE(K, CMP) \
	" ORDER BY " K " " DIR ", p.id " DIR " LIMIT ?"
#define IDS_TABLE \
	"JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$')) j"

static const char *const prosp_sql[PS__MAX] = {
	[PS_LIST_CREATED] = "SELECT " PROSP_COLS ", p.id" PROSP_SEARCH_SQL
	    KEYSET_NN("p.id", "<", "DESC"),
	[PS_LIST_NAME] = "SELECT " PROSP_COLS ", p.name" PROSP_SEARCH_SQL
	    KEYSET_NN("p.name", ">", "ASC"),
	[PS_LIST_CITY] = "SELECT " PROSP_COLS ", p.city" PROSP_SEARCH_SQL
	    KEYSET("p.city", ">", "ASC"),
	[PS_LIST_RATING] = "SELECT " PROSP_COLS ", p.rating" PROSP_SEARCH_SQL
	    /* DESC puts NULL last by itself: the index gives the order. */
	    KEYSET_NN("p.rating", "<", "DESC"),
	[PS_LIST_UPDATED] = "SELECT " PROSP_COLS
	    ", DATE_FORMAT(p.updated_at, '%Y-%m-%d %H:%i:%s.%f')" PROSP_SEARCH_SQL
	    KEYSET_NN("p.updated_at", "<", "DESC"),
	[PS_GET] = "SELECT " PROSP_COLS " FROM my_prospect p WHERE p.id = ?",
	[PS_TAGS_OF] = "SELECT t.prospect_id, t.tag FROM " IDS_TABLE
	    " JOIN my_prospect_tag t ON t.prospect_id = j.id"
	    " ORDER BY t.prospect_id, t.tag",
	[PS_NOTES_COUNT_OF] = "SELECT n.prospect_id, COUNT(*) FROM " IDS_TABLE
	    " JOIN my_prospect_note n ON n.prospect_id = j.id"
	    " GROUP BY n.prospect_id",
	[PS_LOCK] = "SELECT name, category, address, postal_code, city, country,"
	    " phone, emails, website, rating, review_count, place_id,"
	    " google_cid, latitude, longitude, status, custom_fields,"
	    " phone_e164, email_key, website_host, name_key, email, email_kind,"
	    " quality_flags FROM my_prospect WHERE id = ? FOR UPDATE",
	[PS_UPDATE] = "UPDATE my_prospect SET name = ?, category = ?,"
	    " address = ?, postal_code = ?, city = ?, country = ?, phone = ?,"
	    " phone_e164 = ?, email = ?, email_key = ?, email_kind = ?,"
	    " emails = ?, website = ?, website_host = ?, rating = ?,"
	    " review_count = ?, place_id = ?, google_cid = ?, latitude = ?,"
	    " longitude = ?, status = ?, custom_fields = ?, quality_flags = ?,"
	    " name_key = ?, search_text = ?, updated_at = NOW(3) WHERE id = ?",
	[PS_TAGS_CLEAR] = "DELETE FROM my_prospect_tag WHERE prospect_id = ?",
	[PS_DELETE] = "DELETE FROM my_prospect WHERE id = ?",
	[PS_NOTE_LIST] = "SELECT id, prospect_id, body, " ISO("created_at") ", "
	    ISO("updated_at") " FROM my_prospect_note"
	    " WHERE prospect_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
	[PS_NOTE_INSERT] = "INSERT INTO my_prospect_note (user_id, prospect_id,"
	    " body, created_at, updated_at)"
	    " SELECT ?, p.id, ?, NOW(3), NOW(3) FROM my_prospect p WHERE p.id = ?",
	[PS_NOTE_GET] = "SELECT id, prospect_id, body, " ISO("created_at") ", "
	    ISO("updated_at") " FROM my_prospect_note WHERE id = ?",
	[PS_NOTE_UPDATE] = "UPDATE my_prospect_note SET body = ?,"
	    " updated_at = NOW(3) WHERE id = ?",
	[PS_NOTE_DELETE] = "DELETE FROM my_prospect_note WHERE id = ?",
	[PS_SUPP_LIST] = "SELECT id, kind, hint, reason, " ISO("created_at")
	    " FROM my_suppression WHERE id < ? ORDER BY id DESC LIMIT ?",
	[PS_SUPP_INSERT] = "INSERT INTO my_suppression (user_id, kind,"
	    " value_hash, hint, reason, created_at)"
	    " VALUES (?, ?, ?, ?, ?, NOW(3))",
	[PS_SUPP_GET] = "SELECT id, kind, hint, reason, " ISO("created_at")
	    " FROM my_suppression WHERE id = ?",
	[PS_SUPP_BY_HASH] = "SELECT id, kind, hint, reason, " ISO("created_at")
	    " FROM my_suppression WHERE value_hash = ?",
	[PS_SUPP_DELETE] = "DELETE FROM my_suppression WHERE id = ?",
};
const struct db_table prosp_table = { prosp_sql, PS_LIST_CREATED, PS__MAX };

/* The columns of PROSP_COLS, then the sort value of a search. */
enum prosp_col {
	PCOL_ID, PCOL_NAME, PCOL_CATEGORY, PCOL_ADDRESS, PCOL_POSTAL_CODE,
	PCOL_CITY, PCOL_COUNTRY, PCOL_PHONE, PCOL_PHONE_E164, PCOL_EMAIL,
	PCOL_EMAIL_KIND, PCOL_EMAILS, PCOL_WEBSITE, PCOL_WEBSITE_HOST,
	PCOL_RATING, PCOL_REVIEW_COUNT, PCOL_PLACE_ID, PCOL_GOOGLE_CID,
	PCOL_LATITUDE, PCOL_LONGITUDE, PCOL_STATUS, PCOL_CUSTOM_FIELDS,
	PCOL_QUALITY_FLAGS, PCOL_SOURCE, PCOL_IMPORT_ID, PCOL_COLLECTED_AT,
	PCOL_LAST_CONTACT_AT, PCOL_LAST_PROSPECT_CONTACT_AT, PCOL_CREATED_AT,
	PCOL_UPDATED_AT, PCOL_SORT, PCOL__MAX
};

/* The columns of PS_LOCK: the texts a record is rebuilt from, then keys. */
enum prosp_lock_col {
	LCOL_NAME, LCOL_CATEGORY, LCOL_ADDRESS, LCOL_POSTAL_CODE, LCOL_CITY,
	LCOL_COUNTRY, LCOL_PHONE, LCOL_EMAILS, LCOL_WEBSITE, LCOL_RATING,
	LCOL_REVIEW_COUNT, LCOL_PLACE_ID, LCOL_GOOGLE_CID, LCOL_LATITUDE,
	LCOL_LONGITUDE, LCOL_STATUS, LCOL_CUSTOM_FIELDS, LCOL_PHONE_E164,
	LCOL_EMAIL_KEY, LCOL_WEBSITE_HOST, LCOL_NAME_KEY, LCOL_EMAIL,
	LCOL_EMAIL_KIND, LCOL_QUALITY_FLAGS, LCOL__MAX
};

/*
 * Body fields. The body names of prospect.h's canonical fields, with the
 * column limits of sql/migrations/0002_prospects.sql; the record rules
 * (prosp_rec_build) then normalise what passed.
 */

/* Numbers (JSON integers or reals) within min..max. */
static int
prosp_field_number(const struct field *f, json_t *v, const char **code,
    const char **msg)
{
	if (!json_is_number(v)) {
		*code = "type";
		*msg = "must be a number";
		return -1;
	}
	if (json_number_value(v) < (double)f->min ||
	    json_number_value(v) > (double)f->max) {
		*code = "range";
		*msg = "is out of range";
		return -1;
	}
	return 0;
}

/* Strings of printable ASCII without spaces, min..max long (ids of others). */
static int
prosp_field_ascii(const struct field *f, json_t *v, const char **code,
    const char **msg)
{
	const char	*s;
	size_t		 n;

	if (!json_is_string(v)) {
		*code = "type";
		*msg = "must be a string";
		return -1;
	}
	s = json_string_value(v);
	n = json_string_length(v);
	if (n < (size_t)f->min || n > (size_t)f->max) {
		*code = n == 0 ? "required" : "length";
		*msg = "has the wrong length";
		return -1;
	}
	for (; *s != '\0'; s++)
		if (*s < 0x21 || *s > 0x7e) {
			*code = "charset";
			*msg = "must be printable ASCII without spaces";
			return -1;
		}
	return 0;
}

static const struct field prosp_tag_field = {
	"tags", field_text, FIELD_REQ, 1, PROSP_TAG_MAX, NULL
};
static const struct field prosp_custom_key_field = {
	"custom_fields", field_text, FIELD_REQ, 1, PROSP_CUSTOM_KEY_MAX, NULL
};
static const struct field prosp_custom_val_field = {
	"custom_fields", field_multiline, FIELD_REQ, 0, PROSP_CUSTOM_VAL_MAX, NULL
};

/* Arrays of at most f->max tags, each a line of 1..PROSP_TAG_MAX code points. */
static int
prosp_field_tags(const struct field *f, json_t *v, const char **code,
    const char **msg)
{
	json_t	*e;
	size_t	 i;

	if (!json_is_array(v)) {
		*code = "type";
		*msg = "must be an array of strings";
		return -1;
	}
	if (json_array_size(v) > (size_t)f->max) {
		*code = "too_many";
		*msg = "has too many tags";
		return -1;
	}
	json_array_foreach(v, i, e)
		if (field_text(&prosp_tag_field, e, code, msg) == -1)
			return -1;
	return 0;
}

/*
 * Objects of at most f->max members whose keys are lines of 1..64 code
 * points and whose values are texts of at most 1000 (custom fields).
 */
static int
prosp_field_custom(const struct field *f, json_t *v, const char **code,
    const char **msg)
{
	const char	*k;
	json_t		*e, *key;

	if (!json_is_object(v)) {
		*code = "type";
		*msg = "must be an object of strings";
		return -1;
	}
	if (json_object_size(v) > (size_t)f->max) {
		*code = "too_many";
		*msg = "has too many keys";
		return -1;
	}
	json_object_foreach(v, k, e) {
		if ((key = json_string(k)) == NULL) {
			*code = "type";
			*msg = "has a key that is not text";
			return -1;
		}
		if (field_text(&prosp_custom_key_field, key, code, msg) == -1) {
			json_decref(key);
			return -1;
		}
		json_decref(key);
		if (field_multiline(&prosp_custom_val_field, e, code, msg) == -1)
			return -1;
	}
	return 0;
}

#define N	FIELD_NULL
const struct field prosp_create_fields[PC__MAX] = {
	[PC_NAME] = { "name", field_text, FIELD_REQ, 1, 255, NULL },
	[PC_CATEGORY] = { "category", field_text, N, 0, 160, NULL },
	[PC_ADDRESS] = { "address", field_text, N, 0, 255, NULL },
	[PC_POSTAL_CODE] = { "postal_code", field_text, N, 0, 16, NULL },
	[PC_CITY] = { "city", field_text, N, 0, 120, NULL },
	[PC_COUNTRY] = { "country", prosp_field_ascii, N, 2, 2, NULL },
	[PC_PHONE] = { "phone", field_text, N, 0, 64, NULL },
	[PC_EMAIL] = { "email", field_email, N, 0, 254, NULL },
	[PC_WEBSITE] = { "website", field_text, N, 0, 2048, NULL },
	[PC_RATING] = { "rating", prosp_field_number, N, 0, 5, NULL },
	[PC_REVIEW_COUNT] = { "review_count", field_int, N, 0, 4294967295LL,
	    NULL },
	[PC_PLACE_ID] = { "place_id", prosp_field_ascii, N, 1, 255, NULL },
	[PC_GOOGLE_CID] = { "google_cid", field_digits, N, 1, 24, NULL },
	[PC_LATITUDE] = { "latitude", prosp_field_number, N, -90, 90, NULL },
	[PC_LONGITUDE] = { "longitude", prosp_field_number, N, -180, 180, NULL },
	[PC_STATUS] = { "status", field_enum, N, 0, 0, prosp_statuses },
	[PC_TAGS] = { "tags", prosp_field_tags, N, 0, PROSP_TAGS_MAX, NULL },
	[PC_CUSTOM_FIELDS] = { "custom_fields", prosp_field_custom, N, 0,
	    PROSP_CUSTOM_MAX, NULL },
	[PC_NOTE] = { "note", field_multiline, N, 1, PROSP_NOTE_MAX, NULL },
};
const struct field prosp_update_fields[PU__MAX] = {
	[PU_NAME] = { "name", field_text, 0, 1, 255, NULL },
	[PU_CATEGORY] = { "category", field_text, N, 0, 160, NULL },
	[PU_ADDRESS] = { "address", field_text, N, 0, 255, NULL },
	[PU_POSTAL_CODE] = { "postal_code", field_text, N, 0, 16, NULL },
	[PU_CITY] = { "city", field_text, N, 0, 120, NULL },
	[PU_COUNTRY] = { "country", prosp_field_ascii, N, 2, 2, NULL },
	[PU_PHONE] = { "phone", field_text, N, 0, 64, NULL },
	[PU_EMAIL] = { "email", field_email, N, 0, 254, NULL },
	[PU_WEBSITE] = { "website", field_text, N, 0, 2048, NULL },
	[PU_RATING] = { "rating", prosp_field_number, N, 0, 5, NULL },
	[PU_REVIEW_COUNT] = { "review_count", field_int, N, 0, 4294967295LL,
	    NULL },
	[PU_PLACE_ID] = { "place_id", prosp_field_ascii, N, 1, 255, NULL },
	[PU_GOOGLE_CID] = { "google_cid", field_digits, N, 1, 24, NULL },
	[PU_LATITUDE] = { "latitude", prosp_field_number, N, -90, 90, NULL },
	[PU_LONGITUDE] = { "longitude", prosp_field_number, N, -180, 180, NULL },
	[PU_STATUS] = { "status", field_enum, 0, 0, 0, prosp_statuses },
	[PU_TAGS] = { "tags", prosp_field_tags, N, 0, PROSP_TAGS_MAX, NULL },
	[PU_CUSTOM_FIELDS] = { "custom_fields", prosp_field_custom, N, 0,
	    PROSP_CUSTOM_MAX, NULL },
};
#undef N

/*
 * Which canonical field (prospect.h) each body field of the create and
 * update tables fills: the two tables share their first PU__MAX rows'
 * order. PF__MAX marks the body fields that are no canonical text.
 */
static const enum prospect_field prosp_body_pf[PU__MAX] = {
	[PU_NAME] = PF_NAME, [PU_CATEGORY] = PF_CATEGORY,
	[PU_ADDRESS] = PF_ADDRESS, [PU_POSTAL_CODE] = PF_POSTAL_CODE,
	[PU_CITY] = PF_CITY, [PU_COUNTRY] = PF_COUNTRY, [PU_PHONE] = PF_PHONE,
	[PU_EMAIL] = PF_EMAILS, [PU_WEBSITE] = PF_WEBSITE,
	[PU_RATING] = PF_RATING, [PU_REVIEW_COUNT] = PF_REVIEW_COUNT,
	[PU_PLACE_ID] = PF_PLACE_ID, [PU_GOOGLE_CID] = PF_CID,
	[PU_LATITUDE] = PF_LATITUDE, [PU_LONGITUDE] = PF_LONGITUDE,
	[PU_STATUS] = PF_STATUS, [PU_TAGS] = PF__MAX,
	[PU_CUSTOM_FIELDS] = PF__MAX,
};

/* The same order in both tables is what prosp_body_pf relies on. */
_Static_assert((int)PC_CUSTOM_FIELDS == (int)PU_CUSTOM_FIELDS &&
    (int)PC_NOTE == (int)PU__MAX, "create and update fields share an order");

/* Body field i as the text prosp_rec_build() reads (arena), or NULL. */
static const char *
prosp_body_text(struct req *r, size_t i)
{
	json_t	*v = r->vals[i];

	if (v == NULL || json_is_null(v))
		return NULL;
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		return arena_printf(r->arena, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
	return arena_printf(r->arena, "%.6f", json_real_value(v));
}

/* -- search --------------------------------------------------------------- */

struct prosp_sort_def {
	const char	*name;
	enum prosp_stmt	 stmt;
	char		 tag;		/* the cursor's first byte */
	int		 numeric;	/* the sort value is a number */
};

static const struct prosp_sort_def prosp_sorts[PSORT__MAX] = {
	[PSORT_CREATED] = { "created", PS_LIST_CREATED, 'c', 1 },
	[PSORT_NAME] = { "name", PS_LIST_NAME, 'n', 0 },
	[PSORT_CITY] = { "city", PS_LIST_CITY, 'v', 0 },
	[PSORT_RATING] = { "rating", PS_LIST_RATING, 'r', 1 },
	[PSORT_UPDATED] = { "updated", PS_LIST_UPDATED, 'u', 0 },
};

/* The text filters: query name, longest value, where it goes in s. */
struct prosp_filter_def {
	const char	*name;
	size_t		 max;		/* code points */
	size_t		 off;		/* offsetof(struct prosp_search, …) */
};

static const struct prosp_filter_def prosp_filters[] = {
	{ "status", 32, offsetof(struct prosp_search, f.status) },
	{ "tag", PROSP_TAG_MAX, offsetof(struct prosp_search, f.tag) },
	{ "city", 120, offsetof(struct prosp_search, f.city) },
	{ "postal_code", 16, offsetof(struct prosp_search, f.postal_code) },
	{ "category", 160, offsetof(struct prosp_search, f.category) },
	{ "source", 300, offsetof(struct prosp_search, f.source) },
};
#define PROSP_NFILTERS	(sizeof(prosp_filters) / sizeof(prosp_filters[0]))
#define PROSP_Q_MAX	200	/* code points of ?q= */

static void
prosp_search_error(json_t *errors, const char *field, const char *code,
    const char *msg)
{
	json_array_append_new(errors, json_pack("{s:s, s:s, s:s}", "field",
	    field, "code", code, "message", msg));
}

/* ?has_email= and ?has_phone=: "true", "false". -2 when neither. */
static int
prosp_bool(const char *v)
{
	if (strcmp(v, "true") == 0)
		return 1;
	if (strcmp(v, "false") == 0)
		return 0;
	return -2;
}

/* 1 if s is a decimal such as the database writes for rating: "4.5". */
static int
prosp_is_decimal(const char *s)
{
	size_t	 n = strspn(s, "0123456789");

	if (n == 0 || n > 12)
		return 0;
	if (s[n] == '\0')
		return 1;
	return s[n] == '.' && strspn(s + n + 1, "0123456789") ==
	    strlen(s + n + 1) && s[n + 1] != '\0' && strlen(s + n + 1) <= 6;
}

/* 1 if s is "YYYY-MM-DD HH:MM:SS.ffffff", as PS_LIST_UPDATED writes it. */
static int
prosp_is_stamp(const char *s)
{
	static const char shape[] = "dddd-dd-dd dd:dd:dd.dddddd";
	size_t		 i;

	if (strlen(s) != sizeof(shape) - 1)
		return 0;
	for (i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') :
		    s[i] != shape[i])
			return 0;
	return 1;
}

/*
 * The cursor: base64url (no padding) of "<sort tag><0|1 null>:<id>:<value>",
 * the last row's sort value and id. Opaque to clients; checked here like
 * any input, since a client can send anything.
 */
static int
prosp_cursor_decode(struct req *r, struct prosp_search *s, const char *c)
{
	const struct prosp_sort_def *sd = &prosp_sorts[s->sort];
	unsigned char	*raw;
	const char	*p, *end;
	size_t		 rawlen, clen = strlen(c);
	char		*text, idbuf[24];
	uint64_t	 id = 0;

	if (clen == 0 || clen > 2048)
		return -1;
	raw = arena_alloc(r->arena, clen);
	if (sodium_base642bin(raw, clen, c, clen, NULL, &rawlen, &end,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || *end != '\0')
		return -1;
	text = arena_strndup(r->arena, (const char *)raw, rawlen);
	if (strlen(text) != rawlen || rawlen < 5 || text[0] != sd->tag ||
	    (text[1] != '0' && text[1] != '1') || text[2] != ':')
		return -1;
	if ((p = strchr(text + 3, ':')) == NULL || p - (text + 3) > 19 ||
	    p == text + 3 || text[3] == '0')
		return -1;
	memcpy(idbuf, text + 3, (size_t)(p - (text + 3)));
	idbuf[p - (text + 3)] = '\0';
	if (strspn(idbuf, "0123456789") != strlen(idbuf))
		return -1;
	id = strtoull(idbuf, NULL, 10);
	if (id == 0 || id > INT64_MAX)
		return -1;
	p++;
	s->cursor_null = text[1] == '1';
	if (s->cursor_null ? *p != '\0' :
	    !query_utf8_ok((const unsigned char *)p, strlen(p)) ||
	    (s->sort == PSORT_RATING && !prosp_is_decimal(p)) ||
	    (s->sort == PSORT_CREATED && strcmp(p, idbuf) != 0) ||
	    (s->sort == PSORT_UPDATED && !prosp_is_stamp(p)))
		return -1;
	s->has_cursor = 1;
	s->cursor_id = id;
	s->cursor_val = s->cursor_null ? NULL : p;
	return 0;
}

const char *
prosp_search_cursor(struct req *r, const struct prosp_search *s)
{
	const char	*text;
	char		*out;
	size_t		 len, outlen;

	text = arena_printf(r->arena, "%c%c:%" PRIu64 ":%s",
	    prosp_sorts[s->sort].tag, s->cursor_null ? '1' : '0', s->cursor_id,
	    s->cursor_null ? "" : s->cursor_val);
	len = strlen(text);
	outlen = sodium_base64_ENCODED_LEN(len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	out = arena_alloc(r->arena, outlen);
	sodium_bin2base64(out, outlen, (const unsigned char *)text, len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

void
prosp_search_advance(struct req *r, struct prosp_search *s)
{
	s->has_cursor = 1;
	s->cursor_id = (uint64_t)db_int(r->db, PCOL_ID);
	s->cursor_null = db_null(r->db, PCOL_SORT);
	s->cursor_val = s->cursor_null ? NULL :
	    arena_strdup(r->arena, db_str(r->db, PCOL_SORT));
}

/* 1 if name is one of the keys a search accepts. */
static int
prosp_search_key(const char *name, int paged, const char *extra)
{
	static const char *const others[] = { "q", "has_email", "has_phone",
	    "sort", NULL };
	size_t	 i;

	for (i = 0; others[i] != NULL; i++)
		if (strcmp(name, others[i]) == 0)
			return 1;
	for (i = 0; i < PROSP_NFILTERS; i++)
		if (strcmp(name, prosp_filters[i].name) == 0)
			return 1;
	if (paged && (strcmp(name, "limit") == 0 || strcmp(name, "cursor") == 0))
		return 1;
	return extra != NULL && strcmp(name, extra) == 0;
}

int
prosp_search_or_reply(struct req *r, struct prosp_search *s, int paged,
    const char *extra)
{
	const char	*v, *cursor;
	json_t		*errors = json_array();
	size_t		 i;
	int		 b;

	memset(s, 0, sizeof(*s));
	s->f.has_email = s->f.has_phone = -1;
	s->sort = PSORT_CREATED;
	s->limit = 50;
	for (i = 0; i < r->nquery; i++) {
		/* (A parameter given twice never gets here: req.c.) */
		if (!prosp_search_key(r->query[i].key, paged, extra))
			prosp_search_error(errors, r->query[i].key,
			    "unknown_parameter", "is not a parameter of this request");
	}
	if ((v = req_query(r, "q")) != NULL && *v != '\0') {
		if (field_utf8_len(v) > PROSP_Q_MAX)
			prosp_search_error(errors, "q", "too_long", "is too long");
		s->f.like = prospect_like(r->arena, v);
	}
	for (i = 0; i < PROSP_NFILTERS; i++) {
		v = req_query(r, prosp_filters[i].name);
		if (v == NULL || *v == '\0')
			continue;
		if (field_utf8_len(v) > prosp_filters[i].max)
			prosp_search_error(errors, prosp_filters[i].name,
			    "too_long", "is too long");
		*(const char **)((char *)s + prosp_filters[i].off) = v;
	}
	if (s->f.status != NULL) {
		for (i = 0; prosp_statuses[i] != NULL; i++)
			if (strcmp(s->f.status, prosp_statuses[i]) == 0)
				break;
		if (prosp_statuses[i] == NULL)
			prosp_search_error(errors, "status", "enum",
			    "is not one of the allowed values");
	}
	if ((v = req_query(r, "has_email")) != NULL &&
	    (s->f.has_email = prosp_bool(v)) == -2)
		prosp_search_error(errors, "has_email", "type",
		    "must be true or false");
	if ((v = req_query(r, "has_phone")) != NULL &&
	    (s->f.has_phone = prosp_bool(v)) == -2)
		prosp_search_error(errors, "has_phone", "type",
		    "must be true or false");
	if ((v = req_query(r, "sort")) != NULL) {
		for (b = 0; b < PSORT__MAX; b++)
			if (strcmp(v, prosp_sorts[b].name) == 0)
				break;
		if (b == PSORT__MAX)
			prosp_search_error(errors, "sort", "enum",
			    "must be created, name, city, rating or updated");
		else
			s->sort = (enum prosp_sort)b;
	}
	if (paged) {
		/* As req_page(), whose cursor is an id and ours is not. */
		if ((v = req_query(r, "limit")) != NULL) {
			s->limit = strspn(v, "0123456789") == strlen(v) &&
			    strlen(v) <= 3 && v[0] != '0' ? atol(v) : 0;
			if (s->limit < 1 || s->limit > 200)
				prosp_search_error(errors, "limit", "range",
				    "must be a whole number from 1 to 200");
		}
		cursor = req_query(r, "cursor");
		if (cursor != NULL && prosp_cursor_decode(r, s, cursor) == -1)
			prosp_search_error(errors, "cursor", "cursor",
			    "is not a next_cursor of this search and sort");
	} else
		s->limit = 200;
	if (json_array_size(errors) > 0) {
		resp_invalid(r, "Some query parameters are unknown or invalid.",
		    errors);
		return -1;
	}
	json_decref(errors);
	return 0;
}

int
prosp_search_query(struct req *r, const struct prosp_search *s)
{
	struct db_arg	 a[28];
	struct db_arg	 hasc = s->has_cursor ? DB_INT(1) : DB_NULL;
	struct db_arg	 isnull = s->has_cursor ? DB_INT(s->cursor_null) : DB_NULL;
	struct db_arg	 cval = DB_TEXT(s->cursor_val);
	struct db_arg	 cid = s->has_cursor ? DB_INT(s->cursor_id) : DB_NULL;
	size_t		 n = PROSPECT_FILTER_NARGS;

	/* PROSP_SEARCH_SQL, in the order of its placeholders. */
	prospect_filter_args(a, db_user(r->db), &s->f);
	/* KEYSET: rows after (value, id); a NULL value sorts last. */
	a[n++] = hasc;
	a[n++] = isnull;
	a[n++] = cval;
	a[n++] = cval;
	a[n++] = cid;
	a[n++] = isnull;
	a[n++] = cid;
	a[n++] = DB_INT(s->limit + 1);
	return db_query(r->db, prosp_sorts[s->sort].stmt, a, n);
}

/* -- rows as JSON ----------------------------------------------------------- */

static json_t *
prosp_jstr(struct db *db, size_t col)
{
	return db_null(db, col) ? json_null() : json_string(db_str(db, col));
}

static json_t *
prosp_jnum(struct db *db, size_t col)
{
	return db_null(db, col) ? json_null() :
	    json_real(strtod(db_str(db, col), NULL));
}

/* A JSON column, parsed; fallback (stolen) when NULL or unreadable. */
static json_t *
prosp_jdoc(struct db *db, size_t col, json_t *fallback)
{
	json_t	*v;

	if (db_null(db, col))
		return fallback;
	if ((v = json_loadb(db_str(db, col), db_len(db, col), 0, NULL)) == NULL) {
		log_err("prospect %s: column %zu holds no JSON", db_str(db, 0), col);
		return fallback;
	}
	json_decref(fallback);
	return v;
}

/* phone_national and phone_type of an E.164 number (phone.h), or nulls. */
static void
prosp_phone_json(json_t *o, const char *e164)
{
	char	 national[64];

	if (e164 == NULL || phone_national(national, sizeof(national), e164)
	    == -1) {
		json_object_set_new(o, "phone_national", json_null());
		json_object_set_new(o, "phone_type", json_null());
		return;
	}
	json_object_set_new(o, "phone_national", json_string(national));
	json_object_set_new(o, "phone_type", json_string(phone_type(e164)));
}

json_t *
prosp_row_json(struct db *db)
{
	json_t	*o;

	o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
	    " s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
	    " s:o, s:o, s:o, s:o, s:o, s:o}",
	    "id", db_str(db, PCOL_ID),
	    "name", prosp_jstr(db, PCOL_NAME),
	    "category", prosp_jstr(db, PCOL_CATEGORY),
	    "address", prosp_jstr(db, PCOL_ADDRESS),
	    "postal_code", prosp_jstr(db, PCOL_POSTAL_CODE),
	    "city", prosp_jstr(db, PCOL_CITY),
	    "country", prosp_jstr(db, PCOL_COUNTRY),
	    "phone", prosp_jstr(db, PCOL_PHONE),
	    "phone_e164", prosp_jstr(db, PCOL_PHONE_E164),
	    "email", prosp_jstr(db, PCOL_EMAIL),
	    "email_kind", prosp_jstr(db, PCOL_EMAIL_KIND),
	    "emails", prosp_jdoc(db, PCOL_EMAILS, json_array()),
	    "website", prosp_jstr(db, PCOL_WEBSITE),
	    "website_host", prosp_jstr(db, PCOL_WEBSITE_HOST),
	    "rating", prosp_jnum(db, PCOL_RATING),
	    "review_count", db_null(db, PCOL_REVIEW_COUNT) ? json_null() :
	    json_integer(db_int(db, PCOL_REVIEW_COUNT)),
	    "place_id", prosp_jstr(db, PCOL_PLACE_ID),
	    "google_cid", prosp_jstr(db, PCOL_GOOGLE_CID),
	    "latitude", prosp_jnum(db, PCOL_LATITUDE),
	    "longitude", prosp_jnum(db, PCOL_LONGITUDE),
	    "status", prosp_jstr(db, PCOL_STATUS),
	    "custom_fields", prosp_jdoc(db, PCOL_CUSTOM_FIELDS, json_object()),
	    "quality_flags", prosp_jdoc(db, PCOL_QUALITY_FLAGS, json_array()),
	    "source", prosp_jstr(db, PCOL_SOURCE),
	    "import_id", prosp_jstr(db, PCOL_IMPORT_ID),
	    "collected_at", prosp_jstr(db, PCOL_COLLECTED_AT),
	    "last_contact_at", prosp_jstr(db, PCOL_LAST_CONTACT_AT),
	    "last_prospect_contact_at",
	    prosp_jstr(db, PCOL_LAST_PROSPECT_CONTACT_AT),
	    "created_at", prosp_jstr(db, PCOL_CREATED_AT));
	if (o == NULL)
		abort();
	json_object_set_new(o, "updated_at", prosp_jstr(db, PCOL_UPDATED_AT));
	prosp_phone_json(o, db_str(db, PCOL_PHONE_E164));
	json_object_set_new(o, "tags", json_array());
	json_object_set_new(o, "notes_count", json_integer(0));
	return o;
}

int
prosp_rows_complete(struct db *db, json_t *items)
{
	json_t	*o;
	char	*text;
	int	 rc;

	if (json_array_size(items) == 0)
		return DB_OK;
	text = rest_ids_text(items);
	if ((rc = db_query(db, PS_TAGS_OF, DB_ARGS(DB_TEXT(text)))) != DB_OK)
		goto out;
	while ((rc = db_next(db)) == DB_OK)
		if ((o = rest_item(items, db_str(db, 0))) != NULL)
			json_array_append_new(json_object_get(o, "tags"),
			    json_string(db_str(db, 1)));
	if (rc != DB_NONE)
		goto out;
	if ((rc = db_query(db, PS_NOTES_COUNT_OF, DB_ARGS(DB_TEXT(text)))) !=
	    DB_OK)
		goto out;
	while ((rc = db_next(db)) == DB_OK)
		if ((o = rest_item(items, db_str(db, 0))) != NULL)
			json_object_set_new(o, "notes_count",
			    json_integer(db_int(db, 1)));
	if (rc == DB_NONE)
		rc = DB_OK;
out:
	free(text);
	return rc;
}

/* The prospect id as the API shows it, complete: DB_OK with *out (owned). */
int
prosp_get(struct db *db, uint64_t id, json_t **out)
{
	json_t	*items;
	int	 rc;

	*out = NULL;
	if ((rc = db_one(db, PS_GET, DB_ARGS(DB_INT(id)))) != DB_OK)
		return rc;
	items = json_array();
	json_array_append_new(items, prosp_row_json(db));
	db_done(db);
	if ((rc = prosp_rows_complete(db, items)) == DB_OK)
		*out = json_incref(json_array_get(items, 0));
	json_decref(items);
	return rc;
}

/* -- routes ------------------------------------------------------------------- */

int
prosp_list(struct req *r)
{
	struct prosp_search s;
	json_t		*items, *body;
	long		 n = 0;
	int		 rc, more = 0;

	if (prosp_search_or_reply(r, &s, 1, NULL) == -1)
		return r->status;
	if ((rc = prosp_search_query(r, &s)) != DB_OK)
		return resp_db(r, rc);
	items = json_array();
	while ((rc = db_next(r->db)) == DB_OK) {
		if (n == s.limit) {
			more = 1;
			break;
		}
		json_array_append_new(items, prosp_row_json(r->db));
		prosp_search_advance(r, &s);
		n++;
	}
	if (rc == DB_OK || rc == DB_NONE)
		rc = prosp_rows_complete(r->db, items);
	if (rc != DB_OK) {
		json_decref(items);
		return resp_db(r, rc);
	}
	body = json_pack("{s:o, s:s?}", "items", items, "next_cursor",
	    more ? prosp_search_cursor(r, &s) : NULL);
	return resp_json(r, 200, body);
}

int
prosp_read(struct req *r)
{
	uint64_t	 id = req_param_id(r, 0);
	json_t		*o;
	int		 rc;

	if (id == 0)
		return resp_db(r, DB_NONE);
	if ((rc = prosp_get(r->db, id, &o)) != DB_OK)
		return resp_db(r, rc);
	return resp_json(r, 200, o);
}

int
prosp_delete(struct req *r)
{
	/* Notes, tags and discovery jobs go with it (ON DELETE CASCADE). */
	return rest_delete_or_404(r, PS_DELETE);
}

/* -- writes --------------------------------------------------------------------- */

/* Answers status with prospect id, read back whole. */
static int
prosp_reply(struct req *r, int status, uint64_t id)
{
	json_t	*o;
	int	 rc;

	if ((rc = prosp_get(r->db, id, &o)) != DB_OK)
		return resp_db(r, rc);
	if (status == 201)
		resp_header(r, "Location", arena_printf(r->arena,
		    "/api/v1/prospects/%" PRIu64, id));
	return resp_json(r, status, o);
}

/* The tags of body field i, without repeats (new reference), or NULL. */
static json_t *
prosp_body_tags(struct req *r, size_t i)
{
	json_t	*v = r->vals[i], *out, *e, *o;
	size_t	 k, m;

	if (v == NULL || !json_is_array(v))
		return NULL;
	out = json_array();
	json_array_foreach(v, k, e) {
		json_array_foreach(out, m, o)
			if (json_equal(o, e))
				break;
		if (m == json_array_size(out))
			json_array_append(out, e);
	}
	return out;
}

/*
 * Builds rec from the texts f and custom, then holds the body to the
 * stricter rules of a person typing (imports only flag): a phone, a
 * website or coordinates given in the body must be usable. given[i] says
 * whether body field i (prosp_update_fields' order) came with a value.
 * 0, or -1 after answering 422 (rec released).
 */
static int
prosp_rec_or_reply(struct req *r, struct prosp_rec *rec,
    const char *const f[PF__MAX], json_t *custom, const char *region,
    const int given[PU__MAX])
{
	const char	*reject = NULL;

	if (prosp_rec_build(rec, f, custom, region, &reject) == -1) {
		prosp_rec_free(rec);
		resp_unprocessable(r, "name", reject != NULL ? reject :
		    "name_missing", "A prospect needs a name.");
		return -1;
	}
	if (given[PU_PHONE] && rec->phone_e164[0] == '\0') {
		prosp_rec_free(rec);
		resp_unprocessable(r, "phone", "phone",
		    "This is not a valid phone number for the account's region.");
		return -1;
	}
	if (given[PU_WEBSITE] && rec->host[0] == '\0') {
		prosp_rec_free(rec);
		resp_unprocessable(r, "website", "website",
		    "This is not a website address.");
		return -1;
	}
	if ((given[PU_LATITUDE] || given[PU_LONGITUDE]) && !rec->has_geo) {
		prosp_rec_free(rec);
		resp_unprocessable(r, given[PU_LATITUDE] ? "longitude" :
		    "latitude", "geo", "Give both latitude and longitude.");
		return -1;
	}
	return 0;
}

struct prosp_write {
	struct req		*r;
	struct prosp_rec	*rec;	/* what to write */
	struct prosp_rec	*probe;	/* what to check: suppression, duplicates */
	uint64_t		 id;	/* the prospect written */
	uint64_t		 dup;	/* the prospect it duplicates, or 0 */
	int			 suppressed;
	struct plan_verdict	 plan;	/* create: refused by the plan when status != 0 */
};

/* The checks every write shares: DB_OK to go on, DB_NONE when refused. */
static int
prosp_write_checks(struct db *db, struct prosp_write *w)
{
	uint64_t	 dup = 0;
	int		 rc;

	w->suppressed = 0;
	w->dup = 0;
	if ((rc = prosp_rec_suppressed(db, w->probe, &w->suppressed)) != DB_OK)
		return rc;
	if (w->suppressed)
		return DB_NONE;
	rc = prosp_rec_find_dup(db, w->probe, &dup);
	if (rc == DB_OK && dup != w->id) {
		w->dup = dup;
		return DB_NONE;
	}
	return rc == DB_NONE || rc == DB_OK ? DB_OK : rc;
}

int
prosp_plan_or_reply(struct req *r)
{
	struct plan_verdict	 v;
	int			 rc;

	if ((rc = plan_check(r->db, PLAN_PROSPECTS, 1, &v)) != DB_OK) {
		resp_db(r, rc);
		return -1;
	}
	if (v.status != 0) {
		plan_reply(r, &v);
		return -1;
	}
	return 0;
}

/* The answer of a write the checks refused, or of its db.h code. */
static int
prosp_write_refused(struct req *r, const struct prosp_write *w, int rc)
{
	char	 id[24];

	if (w->plan.status != 0)
		return plan_reply(r, &w->plan);
	if (w->suppressed)
		return resp_problem(r, 422, "suppressed",
		    "This business is on your suppression list: it must not "
		    "be prospected.");
	if (w->dup == 0)
		return resp_db(r, rc);
	snprintf(id, sizeof(id), "%" PRIu64, w->dup);
	return resp_problem_ext(r, 409, "duplicate",
	    "You already have this business as a prospect.",
	    json_pack("{s:s}", "duplicate_of", id));
}

static int
prosp_create_tx(struct db *db, void *arg)
{
	struct prosp_write *w = arg;
	int		 rc;

	w->id = 0;
	/* After the lock: two creates at once cannot both take the last place. */
	if ((rc = prosp_rec_lock(db)) != DB_OK ||
	    (rc = plan_check(db, PLAN_PROSPECTS, 1, &w->plan)) != DB_OK)
		return rc;
	if (w->plan.status != 0)
		return DB_NONE;
	if ((rc = prosp_write_checks(db, w)) != DB_OK)
		return rc;
	return prosp_rec_insert(db, w->rec, w->r->sess->user_id, "manual", 0,
	    &w->id);
}

int
prosp_create(struct req *r)
{
	struct prosp_rec rec;
	struct prosp_write w = { r, &rec, &rec, 0, 0, 0 };
	const char	*f[PF__MAX] = { NULL };
	char		 region[3];
	int		 given[PU__MAX];
	size_t		 i;
	int		 rc;

	for (i = 0; i < PU__MAX; i++) {
		given[i] = r->vals[i] != NULL && !json_is_null(r->vals[i]);
		if (prosp_body_pf[i] != PF__MAX)
			f[prosp_body_pf[i]] = prosp_body_text(r, i);
	}
	f[PF_NOTE] = req_str(r, PC_NOTE);
	if ((rc = prosp_rec_region(r->db, region)) != DB_OK)
		return resp_db(r, rc);
	if (prosp_rec_or_reply(r, &rec, f, given[PC_CUSTOM_FIELDS] ?
	    r->vals[PC_CUSTOM_FIELDS] : NULL, region, given) == -1)
		return r->status;
	json_decref(rec.tags);
	rec.tags = prosp_body_tags(r, PC_TAGS);
	rc = db_tx(r->db, prosp_create_tx, &w);
	prosp_rec_free(&rec);
	if (rc != DB_OK)
		return prosp_write_refused(r, &w, rc);
	analytics_emit(r->db, r->sess->user_id, AN_PROSPECT_CREATED);
	return prosp_reply(r, 201, w.id);
}

/*
 * PATCH: the stored texts with the body's values over them, rebuilt by
 * the record rules, checked (suppression list, duplicates) on the
 * identities the patch changes only, then written whole. The e-mail
 * columns change only when the body has "email": the address becomes the
 * best one, the other known addresses are kept behind it with their
 * sources; null forgets them all.
 */
struct prosp_update {
	struct prosp_write	 w;
	char			 region[3];
	const char		*lock[LCOL__MAX];	/* stored values (arena) */
	const char		*email, *email_key, *email_kind, *emails;
};

/* The stored emails with new address rec->emails[0] first (owned text). */
static char *
prosp_update_emails(const struct prosp_rec *rec, const char *stored)
{
	json_t	*old, *out, *e;
	char	 key[EMAIL_MAX + 1], *text;
	const char *s;
	size_t	 i;

	out = json_array();
	json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "email",
	    rec->emails[0].addr, "kind", rec->emails[0].generic ? "generic" :
	    "named", "source", "manual"));
	old = stored != NULL ? json_loads(stored, 0, NULL) : NULL;
	json_array_foreach(old, i, e) {
		s = json_string_value(json_object_get(e, "email"));
		if (s == NULL || strlen(s) > EMAIL_MAX || !email_valid(s) ||
		    json_array_size(out) == PROSP_EMAILS_MAX)
			continue;
		email_key(key, s);
		if (strcmp(key, rec->emails[0].key) != 0)
			json_array_append(out, e);
	}
	json_decref(old);
	if ((text = json_dumps(out, JSON_COMPACT)) == NULL)
		abort();
	json_decref(out);
	return text;
}

/* 1 if a and b (either may be NULL or "") differ. */
static int
prosp_differs(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") != 0;
}

/*
 * The probe of a patched record: its identities that the patch changed,
 * the others blanked, so the record never finds itself by them.
 */
static void
prosp_update_probe(struct prosp_rec *probe, const struct prosp_rec *rec,
    const struct prosp_update *u)
{
	*probe = *rec;
	if (!prosp_differs(rec->f[PF_PLACE_ID], u->lock[LCOL_PLACE_ID]))
		probe->f[PF_PLACE_ID] = NULL;
	if (!prosp_differs(rec->phone_e164, u->lock[LCOL_PHONE_E164]))
		probe->phone_e164[0] = '\0';
	if (u->w.r->vals[PU_EMAIL] == NULL || rec->nemails == 0 ||
	    !prosp_differs(rec->emails[0].key, u->lock[LCOL_EMAIL_KEY]))
		probe->nemails = 0;
	if (!prosp_differs(rec->host, u->lock[LCOL_WEBSITE_HOST]))
		probe->host[0] = '\0';
	if (!prosp_differs(rec->name_key, u->lock[LCOL_NAME_KEY]))
		probe->name_key[0] = '\0';
}

/*
 * The quality flags after a PATCH: those of the rebuilt record, plus the
 * stored ones of fields the PATCH leaves alone (a postal code repaired
 * at import stays "repaired" when only the status changes: the rebuilt
 * record sees the repaired value, not the damaged one). Owned, or NULL.
 */
static json_t *
prosp_update_flags(struct req *r, const struct prosp_rec *rec,
    const char *stored)
{
	static const struct {
		const char	*prefix;	/* flag names starting so */
		int		 field, field2;	/* the PATCH fields they concern */
	} owner[] = {
		{ "phone_", PU_PHONE, PU_PHONE },
		{ "postal_code_", PU_POSTAL_CODE, PU_POSTAL_CODE },
		{ "email_", PU_EMAIL, PU_EMAIL },
		{ "website_", PU_WEBSITE, PU_WEBSITE },
		{ "rating_", PU_RATING, PU_RATING },
		{ "coordinates_", PU_LATITUDE, PU_LONGITUDE },
		{ "status_", PU_STATUS, PU_STATUS },
	};
	json_t		*fl = prosp_rec_flags_json(rec), *old, *v;
	const char	*name;
	size_t		 i, j, k;

	old = stored != NULL ? json_loads(stored, 0, NULL) : NULL;
	json_array_foreach(old, i, v) {
		if ((name = json_string_value(v)) == NULL)
			continue;
		for (k = 0; k < sizeof(owner) / sizeof(owner[0]); k++)
			if (strncmp(name, owner[k].prefix,
			    strlen(owner[k].prefix)) == 0)
				break;
		if (k < sizeof(owner) / sizeof(owner[0]) &&
		    (r->vals[owner[k].field] != NULL ||
		    r->vals[owner[k].field2] != NULL))
			continue;	/* the PATCH sets this field anew */
		if (fl == NULL && (fl = json_array()) == NULL)
			abort();
		for (j = 0; j < json_array_size(fl); j++)
			if (json_equal(json_array_get(fl, j), v))
				break;
		if (j == json_array_size(fl))
			json_array_append(fl, v);
	}
	json_decref(old);
	return fl;
}

/* Runs PS_UPDATE with rec (and the e-mail columns of u). */
static int
prosp_update_row(struct db *db, const struct prosp_rec *rec,
    const struct prosp_update *u, const char *emails)
{
	struct req	*r = u->w.r;
	char		*custom = NULL, *flags = NULL;
	char		 search[PNORM_SEARCH_MAX + 1];
	json_t		*fl;
	int		 email = r->vals[PU_EMAIL] != NULL, rc;
	const char	*postal = rec->postal[0] != '\0' ? rec->postal :
			    rec->f[PF_POSTAL_CODE];
	const char	*best = !email ? u->email :
			    rec->nemails > 0 ? rec->emails[0].addr : NULL;

	if (rec->custom != NULL && json_object_size(rec->custom) > 0 &&
	    (custom = json_dumps(rec->custom, JSON_COMPACT)) == NULL)
		abort();
	fl = prosp_update_flags(r, rec, u->lock[LCOL_QUALITY_FLAGS]);
	if (fl != NULL && (flags = json_dumps(fl, JSON_COMPACT)) == NULL)
		abort();
	json_decref(fl);
	rc = db_exec(db, PS_UPDATE, DB_ARGS(
	    DB_TEXT(rec->f[PF_NAME]), DB_TEXT(rec->f[PF_CATEGORY]),
	    DB_TEXT(rec->f[PF_ADDRESS]),
	    DB_TEXT(postal), DB_TEXT(rec->f[PF_CITY]), DB_TEXT(rec->f[PF_COUNTRY]),
	    DB_TEXT(rec->f[PF_PHONE]),
	    DB_TEXT(rec->phone_e164[0] != '\0' ? rec->phone_e164 : NULL),
	    DB_TEXT(best),
	    DB_TEXT(!email ? u->email_key : rec->nemails > 0 ? rec->emails[0].key : NULL),
	    DB_TEXT(!email ? u->email_kind : rec->nemails == 0 ? NULL :
	    rec->emails[0].generic ? "generic" : "named"),
	    DB_TEXT(!email ? u->emails : emails),
	    DB_TEXT(rec->host[0] != '\0' ? rec->f[PF_WEBSITE] : NULL),
	    DB_TEXT(rec->host[0] != '\0' ? rec->host : NULL),
	    rec->has_rating ? DB_TEXT(arena_printf(r->arena, "%.1f",
	    rec->rating)) : DB_NULL,
	    rec->review_count >= 0 ? DB_INT(rec->review_count) : DB_NULL,
	    DB_TEXT(rec->f[PF_PLACE_ID]), DB_TEXT(rec->f[PF_CID]),
	    rec->has_geo ? DB_TEXT(arena_printf(r->arena, "%.6f", rec->lat)) :
	    DB_NULL,
	    rec->has_geo ? DB_TEXT(arena_printf(r->arena, "%.6f", rec->lng)) :
	    DB_NULL,
	    DB_TEXT(rec->status), DB_TEXT(custom), DB_TEXT(flags),
	    DB_TEXT(rec->name_key[0] != '\0' ? rec->name_key : NULL),
	    DB_TEXT(prosp_search_text(search, rec->f[PF_NAME], rec->f[PF_CITY],
	    rec->f[PF_CATEGORY], best, postal)), DB_INT(u->w.id)));
	free(custom);
	free(flags);
	return rc;
}

static int
prosp_update_tx(struct db *db, void *arg)
{
	struct prosp_update *u = arg;
	struct req	*r = u->w.r;
	struct prosp_rec rec, probe;
	const char	*f[PF__MAX] = { NULL };
	json_t		*custom = NULL, *tags, *e;
	char		*emails = NULL;
	int		 given[PU__MAX], rc;
	size_t		 i;

	if ((rc = prosp_rec_lock(db)) != DB_OK)
		return rc;
	if ((rc = db_one(db, PS_LOCK, DB_ARGS(DB_INT(u->w.id)))) != DB_OK)
		return rc;
	for (i = 0; i < LCOL__MAX; i++)
		u->lock[i] = db_null(db, i) ? NULL :
		    arena_strdup(r->arena, db_str(db, i));
	db_done(db);
	/* The stored record, then the body over it. */
	f[PF_NAME] = u->lock[LCOL_NAME];
	f[PF_CATEGORY] = u->lock[LCOL_CATEGORY];
	f[PF_ADDRESS] = u->lock[LCOL_ADDRESS];
	f[PF_POSTAL_CODE] = u->lock[LCOL_POSTAL_CODE];
	f[PF_CITY] = u->lock[LCOL_CITY];
	f[PF_COUNTRY] = u->lock[LCOL_COUNTRY];
	f[PF_PHONE] = u->lock[LCOL_PHONE];
	f[PF_WEBSITE] = u->lock[LCOL_WEBSITE];
	f[PF_RATING] = u->lock[LCOL_RATING];
	f[PF_REVIEW_COUNT] = u->lock[LCOL_REVIEW_COUNT];
	f[PF_PLACE_ID] = u->lock[LCOL_PLACE_ID];
	f[PF_CID] = u->lock[LCOL_GOOGLE_CID];
	f[PF_LATITUDE] = u->lock[LCOL_LATITUDE];
	f[PF_LONGITUDE] = u->lock[LCOL_LONGITUDE];
	f[PF_STATUS] = u->lock[LCOL_STATUS];
	for (i = 0; i < PU__MAX; i++) {
		given[i] = r->vals[i] != NULL && !json_is_null(r->vals[i]);
		if (r->vals[i] != NULL && prosp_body_pf[i] != PF__MAX)
			f[prosp_body_pf[i]] = prosp_body_text(r, i);
	}
	if (r->vals[PU_CUSTOM_FIELDS] != NULL)
		custom = json_incref(given[PU_CUSTOM_FIELDS] ?
		    r->vals[PU_CUSTOM_FIELDS] : NULL);
	else if (u->lock[LCOL_CUSTOM_FIELDS] != NULL)
		custom = json_loads(u->lock[LCOL_CUSTOM_FIELDS], 0, NULL);
	u->email = u->lock[LCOL_EMAIL];
	u->email_key = u->lock[LCOL_EMAIL_KEY];
	u->email_kind = u->lock[LCOL_EMAIL_KIND];
	u->emails = u->lock[LCOL_EMAILS];
	rc = prosp_rec_or_reply(r, &rec, f, custom, u->region, given);
	json_decref(custom);
	if (rc == -1)
		return DB_NONE;		/* answered */
	prosp_update_probe(&probe, &rec, u);
	u->w.rec = &rec;
	u->w.probe = &probe;
	if ((rc = prosp_write_checks(db, &u->w)) != DB_OK)
		goto out;
	if (given[PU_EMAIL] && rec.nemails > 0)
		emails = prosp_update_emails(&rec, u->lock[LCOL_EMAILS]);
	if ((rc = prosp_update_row(db, &rec, u, emails)) != DB_OK)
		goto out;
	if (r->vals[PU_TAGS] == NULL)
		goto out;
	if ((rc = db_exec(db, PS_TAGS_CLEAR, DB_ARGS(DB_INT(u->w.id)))) ==
	    DB_NONE)
		rc = DB_OK;
	tags = prosp_body_tags(r, PU_TAGS);
	json_array_foreach(tags, i, e) {
		if (rc != DB_OK)
			break;
		rc = db_exec(db, PR_TAG_INSERT, DB_ARGS(DB_INT(u->w.id),
		    DB_TEXT(json_string_value(e)), DB_INT(r->sess->user_id)));
		if (rc == DB_CONFLICT)
			rc = DB_OK;	/* "VIP" after "vip": one tag */
	}
	json_decref(tags);
out:
	free(emails);
	prosp_rec_free(&rec);
	u->w.rec = u->w.probe = NULL;
	return rc;
}

int
prosp_update(struct req *r)
{
	struct prosp_update u;
	int		 rc;

	memset(&u, 0, sizeof(u));
	u.w.r = r;
	if ((u.w.id = req_param_id(r, 0)) == 0)
		return resp_db(r, DB_NONE);
	if ((rc = prosp_rec_region(r->db, u.region)) != DB_OK)
		return resp_db(r, rc);
	rc = db_tx(r->db, prosp_update_tx, &u);
	if (r->status != 0)
		return r->status;	/* a 422 from the record rules */
	if (rc != DB_OK)
		return prosp_write_refused(r, &u.w, rc);
	return prosp_reply(r, 200, u.w.id);
}

/*
 * GDPR erasure (art. 17): what identifies the business goes on the
 * suppression list as keyed hashes, then the prospect goes with its notes
 * and tags. Listed: each e-mail address, the E.164 phone and the website
 * host, unless the host is a shared platform (pnorm_shared_host(): a
 * page on a directory or a site builder identifies no one). E-mail
 * domains are not listed: "gmail.com" or an accountant's domain would
 * block every other prospect who shares it; the website host stands for
 * the business's own domain.
 */
static int
prosp_erase_tx(struct db *db, void *arg)
{
	struct prosp_write *w = arg;
	struct req	*r = w->r;
	const char	*vals[PROSP_EMAILS_MAX + 3];
	enum supp_kind	 kinds[PROSP_EMAILS_MAX + 3];
	json_t		*emails, *e;
	char		 key[EMAIL_MAX + 1];
	const char	*s;
	size_t		 n = 0, i;
	int		 rc;

	if ((rc = db_one(db, PS_LOCK, DB_ARGS(DB_INT(w->id)))) != DB_OK)
		return rc;
	if ((s = db_str(db, LCOL_EMAIL_KEY)) != NULL) {
		kinds[n] = SUPP_EMAIL;
		vals[n++] = arena_strdup(r->arena, s);
	}
	emails = db_null(db, LCOL_EMAILS) ? NULL : json_loadb(db_str(db,
	    LCOL_EMAILS), db_len(db, LCOL_EMAILS), 0, NULL);
	json_array_foreach(emails, i, e) {
		s = json_string_value(json_object_get(e, "email"));
		if (s == NULL || strlen(s) > EMAIL_MAX || !email_valid(s) ||
		    n == PROSP_EMAILS_MAX + 1)
			continue;
		email_key(key, s);
		kinds[n] = SUPP_EMAIL;
		vals[n++] = arena_strdup(r->arena, key);
	}
	json_decref(emails);
	if ((s = db_str(db, LCOL_PHONE_E164)) != NULL) {
		kinds[n] = SUPP_PHONE;
		vals[n++] = arena_strdup(r->arena, s);
	}
	if ((s = db_str(db, LCOL_WEBSITE_HOST)) != NULL && !pnorm_shared_host(s)) {
		kinds[n] = SUPP_DOMAIN;
		vals[n++] = arena_strdup(r->arena, s);
	}
	db_done(db);
	for (i = 0; i < n; i++) {
		rc = prosp_supp_add(db, r->sess->user_id, kinds[i], vals[i],
		    "erasure", NULL);
		if (rc != DB_OK && rc != DB_CONFLICT)
			return rc;
	}
	return db_exec(db, PS_DELETE, DB_ARGS(DB_INT(w->id)));
}

int
prosp_erase(struct req *r)
{
	struct prosp_write w = { r, NULL, NULL, req_param_id(r, 0), 0, 0 };
	int		 rc;

	if (w.id == 0)
		return resp_db(r, DB_NONE);
	if ((rc = db_tx(r->db, prosp_erase_tx, &w)) != DB_OK)
		return resp_db(r, rc);
	return resp_empty(r, 204);
}
