/*
 * The record rules every way into the prospect table shares (prosp_rec.h):
 * normalisation of the canonical texts, the suppression check, the
 * duplicate search, insert and merge. Imports, the API, Places and the
 * enricher all go through here, so a phone written "04 65 71 12 34" in a
 * spreadsheet and "+33 4 65 71 12 34" on Google is one business wherever
 * it comes from.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "field.h"
#include "phone.h"
#include "pnorm.h"
#include "prospects.h"
#include "supp.h"

#define IN10	"?, ?, ?, ?, ?, ?, ?, ?, ?, ?"

static const char *const prosp_rec_sql[PR__MAX] = {
	[PR_REGION] = "SELECT default_region FROM my_account",
	[PR_TENANT_LOCK] = "SELECT id FROM my_account FOR UPDATE",
	/* PROSP_SUPP_KEYS (44) placeholders. */
	[PR_SUPPRESSED] =
	    "SELECT COUNT(*) FROM my_suppression WHERE value_hash IN ("
	    IN10 ", " IN10 ", " IN10 ", " IN10 ", ?, ?, ?, ?)",
	[PR_DUP_PLACE] =
	    "SELECT id FROM my_prospect WHERE place_id = ? ORDER BY id LIMIT 1",
	[PR_DUP_PHONE] =
	    "SELECT id FROM my_prospect WHERE phone_e164 = ? ORDER BY id LIMIT 1",
	[PR_DUP_EMAIL] =
	    "SELECT id FROM my_prospect WHERE email_key IN (" IN10 ") "
	    "ORDER BY id LIMIT 1",
	[PR_DUP_HOST] =
	    "SELECT id FROM my_prospect WHERE website_host = ? "
	    "ORDER BY id LIMIT 1",
	[PR_DUP_NAME] =
	    "SELECT id FROM my_prospect WHERE name_key = ? ORDER BY id LIMIT 1",
	[PR_EMAILS_GET] =
	    "SELECT emails, custom_fields, quality_flags, category, city, "
	    "postal_code, email FROM my_prospect WHERE id = ? FOR UPDATE",
	[PR_INSERT] =
	    "INSERT INTO my_prospect (user_id, name, category, address, "
	    "postal_code, city, country, phone, phone_e164, email, email_key, "
	    "email_kind, emails, website, website_host, rating, review_count, "
	    "place_id, google_cid, latitude, longitude, status, custom_fields, "
	    "quality_flags, source, import_id, name_key, search_text, "
	    "collected_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "NOW(3), NOW(3), NOW(3))",
	/*
	 * What the record has replaces what is stored; what it lacks is
	 * kept. The best e-mail and the place identity stay as they were
	 * once set; the e-mail list and custom fields come merged from C.
	 */
	[PR_MERGE] =
	    "UPDATE my_prospect SET name = ?, category = COALESCE(?, category), "
	    "address = COALESCE(?, address), "
	    "postal_code = COALESCE(?, postal_code), city = COALESCE(?, city), "
	    "country = COALESCE(?, country), phone = COALESCE(?, phone), "
	    "phone_e164 = COALESCE(?, phone_e164), email = COALESCE(email, ?), "
	    "email_key = COALESCE(email_key, ?), "
	    "email_kind = COALESCE(email_kind, ?), emails = ?, "
	    "website = COALESCE(?, website), "
	    "website_host = COALESCE(?, website_host), "
	    "rating = COALESCE(?, rating), "
	    "review_count = COALESCE(?, review_count), "
	    "place_id = COALESCE(place_id, ?), "
	    "google_cid = COALESCE(google_cid, ?), "
	    "latitude = COALESCE(?, latitude), "
	    "longitude = COALESCE(?, longitude), custom_fields = ?, "
	    "quality_flags = ?, name_key = COALESCE(?, name_key), "
	    "search_text = ?, updated_at = NOW(3) WHERE id = ?",
	[PR_TAG_INSERT] =
	    "INSERT INTO my_prospect_tag (prospect_id, tag, user_id) "
	    "VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE tag = tag",
	[PR_NOTE_EXISTS] =
	    "SELECT COUNT(*) FROM my_prospect_note WHERE prospect_id = ? "
	    "AND body = ?",
	[PR_NOTE_INSERT] =
	    "INSERT INTO my_prospect_note (user_id, prospect_id, body, "
	    "created_at, updated_at) VALUES (?, ?, ?, NOW(3), NOW(3))",
};

const struct db_table prosp_rec_table = { prosp_rec_sql, PR_REGION, PR__MAX };

const char *const prosp_flag_names[PRF__MAX] = {
	[PRF_PHONE_REPAIRED] = "phone_repaired",
	[PRF_PHONE_INVALID] = "phone_invalid",
	[PRF_PHONE_SCIENTIFIC] = "phone_scientific_notation",
	[PRF_POSTAL_REPAIRED] = "postal_code_repaired",
	[PRF_POSTAL_INVALID] = "postal_code_invalid",
	[PRF_EMAIL_INVALID] = "email_invalid",
	[PRF_WEBSITE_INVALID] = "website_invalid",
	[PRF_RATING_INVALID] = "rating_invalid",
	[PRF_GEO_INVALID] = "coordinates_invalid",
	[PRF_STATUS_INVALID] = "status_invalid",
	[PRF_TRUNCATED] = "truncated",
};

const char *const prosp_statuses[] = {
	"new", "contacted", "replied", "interested", "not_interested",
	"customer", "do_not_contact", NULL
};

/* Spreadsheet statuses people write in French, and what they mean. */
static const struct {
	const char	*word;
	const char	*status;
} prosp_status_words[] = {
	{ "nouveau", "new" }, { "a contacter", "new" },
	{ "à contacter", "new" }, { "contacté", "contacted" },
	{ "contacte", "contacted" }, { "relancé", "contacted" },
	{ "répondu", "replied" }, { "repondu", "replied" },
	{ "intéressé", "interested" }, { "interesse", "interested" },
	{ "pas intéressé", "not_interested" },
	{ "pas interesse", "not_interested" },
	{ "non intéressé", "not_interested" }, { "client", "customer" },
	{ "ne pas contacter", "do_not_contact" },
};

/* Country names spreadsheets hold instead of ISO codes. */
static const struct {
	const char	*name;
	const char	*code;
} prosp_countries[] = {
	{ "france", "FR" }, { "belgique", "BE" }, { "belgium", "BE" },
	{ "suisse", "CH" }, { "switzerland", "CH" }, { "luxembourg", "LU" },
	{ "monaco", "MC" }, { "canada", "CA" }, { "allemagne", "DE" },
	{ "germany", "DE" }, { "espagne", "ES" }, { "spain", "ES" },
	{ "italie", "IT" }, { "italy", "IT" },
};

/* Column sizes of the prospect table, in code points (0: not a column). */
static const size_t prosp_field_max[PF__MAX] = {
	[PF_NAME] = 255, [PF_CATEGORY] = 160, [PF_ADDRESS] = 255,
	[PF_POSTAL_CODE] = 16, [PF_CITY] = 120, [PF_COUNTRY] = 64,
	[PF_PHONE] = 64, [PF_EMAILS] = 4000, [PF_WEBSITE] = 2048,
	[PF_RATING] = 32, [PF_REVIEW_COUNT] = 32, [PF_PLACE_ID] = 255,
	[PF_CID] = 24, [PF_LATITUDE] = 32, [PF_LONGITUDE] = 32,
	[PF_STATUS] = 64, [PF_TAGS] = 2000, [PF_NOTE] = PROSP_NOTE_MAX,
};

static void
prosp_flag(struct prosp_rec *rec, enum prosp_flag f)
{
	rec->flags |= 1u << f;
}

/* Sets rec->f[i] from s: trimmed, control-free, cut to its column. */
static void
prosp_set(struct prosp_rec *rec, enum prospect_field i, const char *s)
{
	size_t	 len, cut;
	char	*p;

	rec->f[i] = NULL;
	if (s == NULL)
		return;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	    s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	if (len == 0)
		return;
	cut = field_utf8_cut(s, prosp_field_max[i]);
	if (cut < len) {
		len = cut;
		prosp_flag(rec, PRF_TRUNCATED);
	}
	if ((p = strndup(s, len)) == NULL)
		abort();
	/* One line of text, except notes: line breaks become spaces. */
	if (i != PF_NOTE)
		for (char *q = p; *q != '\0'; q++)
			if ((unsigned char)*q < 0x20 || *q == 0x7f)
				*q = ' ';
	free(rec->owned[i]);
	rec->owned[i] = p;
	rec->f[i] = p;
}

/* The ISO code of a country cell ("FR", "fr", "France"), or NULL. */
static const char *
prosp_country(const char *s)
{
	static char	 code[3];
	size_t		 i;

	if (s == NULL)
		return NULL;
	if (strlen(s) == 2 && isalpha((unsigned char)s[0]) &&
	    isalpha((unsigned char)s[1])) {
		code[0] = (char)toupper((unsigned char)s[0]);
		code[1] = (char)toupper((unsigned char)s[1]);
		code[2] = '\0';
		return code;
	}
	for (i = 0; i < sizeof(prosp_countries) / sizeof(prosp_countries[0]); i++)
		if (strcasecmp(s, prosp_countries[i].name) == 0)
			return prosp_countries[i].code;
	return NULL;
}

static const char *
prosp_status(const char *s)
{
	size_t	 i;

	for (i = 0; prosp_statuses[i] != NULL; i++)
		if (strcasecmp(s, prosp_statuses[i]) == 0)
			return prosp_statuses[i];
	for (i = 0; i < sizeof(prosp_status_words) / sizeof(prosp_status_words[0]); i++)
		if (strcasecmp(s, prosp_status_words[i].word) == 0)
			return prosp_status_words[i].status;
	return NULL;
}

/* Adds one address from a list cell, if valid and new. */
static void
prosp_email_add(struct prosp_rec *rec, char *addr)
{
	struct prosp_email	*e;
	char			 key[EMAIL_MAX + 1];
	char			*at;
	size_t			 i;

	if (strncasecmp(addr, "mailto:", 7) == 0)
		addr += 7;
	if (*addr == '<' && addr[strlen(addr) - 1] == '>') {
		addr[strlen(addr) - 1] = '\0';
		addr++;
	}
	if (*addr == '\0')
		return;
	if (strlen(addr) > EMAIL_MAX || !email_valid(addr)) {
		prosp_flag(rec, PRF_EMAIL_INVALID);
		return;
	}
	email_key(key, addr);
	for (i = 0; i < rec->nemails; i++)
		if (strcmp(rec->emails[i].key, key) == 0)
			return;
	if (rec->nemails == PROSP_EMAILS_MAX)
		return;
	e = &rec->emails[rec->nemails++];
	snprintf(e->addr, sizeof(e->addr), "%s", addr);
	/* Domains are case-insensitive: show them in lower case. */
	if ((at = strrchr(e->addr, '@')) != NULL)
		for (; *at != '\0'; at++)
			*at = (char)tolower((unsigned char)*at);
	snprintf(e->key, sizeof(e->key), "%s", key);
	e->generic = pnorm_email_generic(e->addr);
}

/*
 * Splits a list cell on ',', ';' and blanks outside double quotes (a
 * quoted local part may hold them) and calls fn on each item.
 */
static void
prosp_split(struct prosp_rec *rec, const char *list, int blanks,
    void (*fn)(struct prosp_rec *, char *))
{
	char	*copy, *p, *start;
	int	 quoted = 0;

	if (list == NULL || (copy = strdup(list)) == NULL)
		return;
	for (p = start = copy;; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '\0' || (!quoted && (*p == ',' || *p == ';' ||
		    (blanks && (*p == ' ' || *p == '\t'))))) {
			int end = *p == '\0';

			*p = '\0';
			while (*start == ' ' || *start == '\t')
				start++;
			for (char *q = start + strlen(start);
			    q > start && (q[-1] == ' ' || q[-1] == '\t'); q--)
				q[-1] = '\0';
			if (*start != '\0')
				fn(rec, start);
			if (end)
				break;
			start = p + 1;
		}
	}
	free(copy);
}

static void
prosp_tag_add(struct prosp_rec *rec, char *tag)
{
	size_t	 i;

	if (rec->tags == NULL && (rec->tags = json_array()) == NULL)
		abort();
	if (json_array_size(rec->tags) >= PROSP_TAGS_MAX ||
	    field_utf8_len(tag) > PROSP_TAG_MAX) {
		prosp_flag(rec, PRF_TRUNCATED);
		return;
	}
	for (i = 0; i < json_array_size(rec->tags); i++)
		if (strcmp(json_string_value(json_array_get(rec->tags, i)), tag) == 0)
			return;
	json_array_append_new(rec->tags, json_string(tag));
}

static void
prosp_custom(struct prosp_rec *rec, json_t *custom)
{
	const char	*k;
	json_t		*v;
	size_t		 cut;

	if (custom == NULL || !json_is_object(custom))
		return;
	json_object_foreach(custom, k, v) {
		const char *s = json_string_value(v);

		if (s == NULL || *s == '\0' || *k == '\0')
			continue;
		if (field_utf8_len(k) > PROSP_CUSTOM_KEY_MAX ||
		    json_object_size(rec->custom) >= PROSP_CUSTOM_MAX) {
			prosp_flag(rec, PRF_TRUNCATED);
			continue;
		}
		if (rec->custom == NULL && (rec->custom = json_object()) == NULL)
			abort();
		cut = field_utf8_cut(s, PROSP_CUSTOM_VAL_MAX);
		if (s[cut] != '\0')
			prosp_flag(rec, PRF_TRUNCATED);
		json_object_set_new(rec->custom, k, json_stringn(s, cut));
	}
}

static void
prosp_phone(struct prosp_rec *rec, const char *region)
{
	unsigned	 fl = 0;
	const char	*country = rec->f[PF_COUNTRY];

	if (rec->f[PF_PHONE] == NULL)
		return;
	/* A number without country code belongs to the prospect's country. */
	if (country == NULL || !phone_region_ok(country))
		country = region;
	if (phone_e164(rec->phone_e164, rec->f[PF_PHONE], country, &fl) == 0) {
		if (fl & PHONE_REPAIRED)
			prosp_flag(rec, PRF_PHONE_REPAIRED);
		return;
	}
	rec->phone_e164[0] = '\0';
	if (fl & PHONE_SCIENTIFIC) {
		/* The digits are gone: the text is not a phone number. */
		prosp_flag(rec, PRF_PHONE_SCIENTIFIC);
		free(rec->owned[PF_PHONE]);
		rec->owned[PF_PHONE] = NULL;
		rec->f[PF_PHONE] = NULL;
	} else
		prosp_flag(rec, PRF_PHONE_INVALID);
}

static void
prosp_numbers(struct prosp_rec *rec)
{
	double		 v, lat, lng;
	const char	*s;

	if ((s = rec->f[PF_RATING]) != NULL) {
		if (pnorm_decimal(&v, s) == 0 && v >= 0 && v <= 5) {
			rec->has_rating = 1;
			rec->rating = v;
		} else
			prosp_flag(rec, PRF_RATING_INVALID);
	}
	if ((s = rec->f[PF_REVIEW_COUNT]) != NULL) {
		if (strspn(s, "0123456789") == strlen(s) && strlen(s) <= 9)
			rec->review_count = atoll(s);
		else if (pnorm_decimal(&v, s) == 0 && v >= 0 && v < 1e9 &&
		    v == (double)(long long)v)
			rec->review_count = (long long)v;
	}
	if (rec->f[PF_LATITUDE] != NULL || rec->f[PF_LONGITUDE] != NULL) {
		if (rec->f[PF_LATITUDE] != NULL && rec->f[PF_LONGITUDE] != NULL &&
		    pnorm_decimal(&lat, rec->f[PF_LATITUDE]) == 0 &&
		    pnorm_decimal(&lng, rec->f[PF_LONGITUDE]) == 0 &&
		    lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180) {
			rec->has_geo = 1;
			rec->lat = lat;
			rec->lng = lng;
		} else
			prosp_flag(rec, PRF_GEO_INVALID);
	}
}

/* Place ids and customer ids are ASCII tokens; anything else is noise. */
static void
prosp_ids(struct prosp_rec *rec)
{
	const char	*s;

	if ((s = rec->f[PF_PLACE_ID]) != NULL)
		for (; *s != '\0'; s++)
			if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f) {
				rec->f[PF_PLACE_ID] = NULL;
				break;
			}
	if ((s = rec->f[PF_CID]) != NULL && strspn(s, "0123456789") != strlen(s))
		rec->f[PF_CID] = NULL;
}

int
prosp_rec_build(struct prosp_rec *rec, const char *const f[PF__MAX],
    json_t *custom, const char *region, const char **reject)
{
	unsigned	 fl = 0;
	size_t		 i;
	const char	*c;

	memset(rec, 0, sizeof(*rec));
	rec->review_count = -1;
	rec->status = "new";
	for (i = 0; i < PF__MAX; i++)
		prosp_set(rec, (enum prospect_field)i, f[i]);
	if (rec->f[PF_NAME] == NULL) {
		*reject = "name_missing";
		return -1;
	}
	c = prosp_country(rec->f[PF_COUNTRY]);
	prosp_set(rec, PF_COUNTRY, c);
	prosp_phone(rec, region);
	prosp_split(rec, rec->f[PF_EMAILS], 1, prosp_email_add);
	if (rec->f[PF_WEBSITE] != NULL) {
		if (pnorm_website_host(rec->host, rec->f[PF_WEBSITE]) == 0)
			rec->host_shared = pnorm_shared_host(rec->host);
		else {
			rec->host[0] = '\0';
			prosp_flag(rec, PRF_WEBSITE_INVALID);
			rec->f[PF_WEBSITE] = NULL;
		}
	}
	if (rec->f[PF_POSTAL_CODE] != NULL) {
		if (pnorm_postal_code(rec->postal, sizeof(rec->postal),
		    rec->f[PF_POSTAL_CODE], rec->f[PF_COUNTRY], &fl) == 0) {
			if (fl & PNORM_POSTAL_REPAIRED)
				prosp_flag(rec, PRF_POSTAL_REPAIRED);
			if (fl & PNORM_POSTAL_INVALID)
				prosp_flag(rec, PRF_POSTAL_INVALID);
			rec->f[PF_POSTAL_CODE] = rec->postal;
		}
	}
	if (pnorm_name_key(rec->name_key, rec->f[PF_NAME],
	    rec->f[PF_POSTAL_CODE]) != 0)
		rec->name_key[0] = '\0';
	prosp_numbers(rec);
	prosp_ids(rec);
	if (rec->f[PF_STATUS] != NULL) {
		if ((c = prosp_status(rec->f[PF_STATUS])) != NULL)
			rec->status = c;
		else
			prosp_flag(rec, PRF_STATUS_INVALID);
	}
	prosp_split(rec, rec->f[PF_TAGS], 0, prosp_tag_add);
	prosp_custom(rec, custom);
	return 0;
}

void
prosp_rec_free(struct prosp_rec *rec)
{
	size_t	 i;

	for (i = 0; i < PF__MAX; i++)
		free(rec->owned[i]);
	json_decref(rec->tags);
	json_decref(rec->custom);
	memset(rec, 0, sizeof(*rec));
}

json_t *
prosp_rec_flags_json(const struct prosp_rec *rec)
{
	json_t	*a;
	size_t	 i;

	if (rec->flags == 0)
		return NULL;
	if ((a = json_array()) == NULL)
		abort();
	for (i = 0; i < PRF__MAX; i++)
		if (rec->flags & (1u << i))
			json_array_append_new(a, json_string(prosp_flag_names[i]));
	return a;
}

json_t *
prosp_rec_emails_json(const struct prosp_rec *rec, const char *source)
{
	json_t	*a;
	size_t	 i;

	if ((a = json_array()) == NULL)
		abort();
	for (i = 0; i < rec->nemails; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}",
		    "email", rec->emails[i].addr,
		    "kind", rec->emails[i].generic ? "generic" : "named",
		    "source", source));
	return a;
}

int
prosp_rec_lock(struct db *db)
{
	int	 rc;

	if ((rc = db_one(db, PR_TENANT_LOCK, DB_NOARGS)) == DB_OK)
		db_done(db);
	return rc == DB_NONE ? DB_ERR : rc;
}

int
prosp_rec_region(struct db *db, char region[3])
{
	int		 rc;
	const char	*s;

	snprintf(region, 3, "FR");
	if ((rc = db_one(db, PR_REGION, DB_NOARGS)) == DB_OK) {
		if ((s = db_str(db, 0)) != NULL && strlen(s) == 2)
			snprintf(region, 3, "%s", s);
		db_done(db);
	}
	return rc == DB_NONE ? DB_OK : rc;
}

size_t
prosp_rec_supp_hashes(const struct prosp_rec *rec, unsigned char hashes[][32])
{
	size_t		 i, n = 0;

	for (i = 0; i < rec->nemails; i++) {
		supp_hash(hashes[n++], SUPP_EMAIL, rec->emails[i].key);
		n = supp_hash_domain(hashes, n,
		    supp_email_domain(rec->emails[i].key));
	}
	if (rec->phone_e164[0] != '\0')
		supp_hash(hashes[n++], SUPP_PHONE, rec->phone_e164);
	if (rec->host[0] != '\0' && !rec->host_shared)
		n = supp_hash_domain(hashes, n, rec->host);
	return n;
}

int
prosp_rec_suppressed(struct db *db, const struct prosp_rec *rec,
    int *suppressed)
{
	unsigned char	 h[PROSP_SUPP_KEYS][32];
	struct db_arg	 args[PROSP_SUPP_KEYS];
	size_t		 i, n;
	int		 rc;

	*suppressed = 0;
	if ((n = prosp_rec_supp_hashes(rec, h)) == 0)
		return DB_OK;
	for (i = 0; i < PROSP_SUPP_KEYS; i++)
		args[i] = i < n ? DB_BLOB(h[i], 32) : DB_NULL;
	if ((rc = db_one(db, PR_SUPPRESSED, args, PROSP_SUPP_KEYS)) != DB_OK)
		return rc;
	*suppressed = db_int(db, 0) > 0;
	db_done(db);
	return DB_OK;
}

/* One lookup by a key: DB_OK with *id, DB_NONE, or an error. */
static int
prosp_dup_by(struct db *db, size_t stmt, const struct db_arg *args,
    size_t nargs, uint64_t *id)
{
	int	 rc;

	if ((rc = db_one(db, stmt, args, nargs)) != DB_OK)
		return rc;
	*id = (uint64_t)db_int(db, 0);
	db_done(db);
	return DB_OK;
}

int
prosp_rec_find_dup(struct db *db, const struct prosp_rec *rec, uint64_t *id)
{
	struct db_arg	 keys[PROSP_EMAILS_MAX];
	size_t		 i;
	int		 rc = DB_NONE;

	if (rec->f[PF_PLACE_ID] != NULL && (rc = prosp_dup_by(db, PR_DUP_PLACE,
	    DB_ARGS(DB_TEXT(rec->f[PF_PLACE_ID])), id)) != DB_NONE)
		return rc;
	if (rec->phone_e164[0] != '\0' && (rc = prosp_dup_by(db, PR_DUP_PHONE,
	    DB_ARGS(DB_TEXT(rec->phone_e164)), id)) != DB_NONE)
		return rc;
	if (rec->nemails > 0) {
		for (i = 0; i < PROSP_EMAILS_MAX; i++)
			keys[i] = i < rec->nemails ?
			    DB_TEXT(rec->emails[i].key) : DB_NULL;
		if ((rc = prosp_dup_by(db, PR_DUP_EMAIL, keys, PROSP_EMAILS_MAX,
		    id)) != DB_NONE)
			return rc;
	}
	if (rec->host[0] != '\0' && !rec->host_shared &&
	    (rc = prosp_dup_by(db, PR_DUP_HOST, DB_ARGS(DB_TEXT(rec->host)),
	    id)) != DB_NONE)
		return rc;
	if (rec->name_key[0] != '\0' && (rc = prosp_dup_by(db, PR_DUP_NAME,
	    DB_ARGS(DB_TEXT(rec->name_key)), id)) != DB_NONE)
		return rc;
	return DB_NONE;
}

/* An owned JSON text of v (NULL gives NULL), or abort on no memory. */
static char *
prosp_dump(json_t *v)
{
	char	*s;

	if (v == NULL)
		return NULL;
	if ((s = json_dumps(v, JSON_COMPACT)) == NULL)
		abort();
	return s;
}

void
prosp_argbuf_free(struct prosp_argbuf *buf)
{
	size_t	 i;

	for (i = 0; i < 3; i++) {
		free(buf->json[i]);
		buf->json[i] = NULL;
	}
}

/*
 * Decimal columns take text (MariaDB converts it exactly): v with the
 * given number of decimals, in out.
 */
static struct db_arg
prosp_decimal(char *out, size_t outlen, int has, int decimals, double v)
{
	if (!has)
		return DB_NULL;
	snprintf(out, outlen, "%.*f", decimals, v);
	return DB_TEXT(out);
}

void
prosp_rec_insert_args(struct db_arg *a, struct prosp_argbuf *buf,
    const struct prosp_rec *rec, uint64_t user_id, const char *source,
    uint64_t import_id)
{
	const struct prosp_email *e = rec->nemails > 0 ? &rec->emails[0] : NULL;
	json_t		*v;
	size_t		 i = 0;

	v = prosp_rec_emails_json(rec,
	    strncmp(source, "import:", 7) == 0 ? "import" : source);
	buf->json[0] = prosp_dump(v);
	json_decref(v);
	buf->json[1] = prosp_dump(rec->custom);
	v = prosp_rec_flags_json(rec);
	buf->json[2] = prosp_dump(v);
	json_decref(v);

	a[i++] = DB_INT(user_id);
	a[i++] = DB_TEXT(rec->f[PF_NAME]);
	a[i++] = DB_TEXT(rec->f[PF_CATEGORY]);
	a[i++] = DB_TEXT(rec->f[PF_ADDRESS]);
	a[i++] = DB_TEXT(rec->f[PF_POSTAL_CODE]);
	a[i++] = DB_TEXT(rec->f[PF_CITY]);
	a[i++] = DB_TEXT(rec->f[PF_COUNTRY]);
	a[i++] = DB_TEXT(rec->f[PF_PHONE]);
	a[i++] = rec->phone_e164[0] != '\0' ? DB_TEXT(rec->phone_e164) : DB_NULL;
	a[i++] = e != NULL ? DB_TEXT(e->addr) : DB_NULL;
	a[i++] = e != NULL ? DB_TEXT(e->key) : DB_NULL;
	a[i++] = e != NULL ? DB_TEXT(e->generic ? "generic" : "named") : DB_NULL;
	a[i++] = DB_TEXT(buf->json[0]);
	a[i++] = DB_TEXT(rec->f[PF_WEBSITE]);
	a[i++] = rec->host[0] != '\0' ? DB_TEXT(rec->host) : DB_NULL;
	a[i++] = prosp_decimal(buf->rating, sizeof(buf->rating),
	    rec->has_rating, 1, rec->rating);
	a[i++] = rec->review_count >= 0 ? DB_INT(rec->review_count) : DB_NULL;
	a[i++] = DB_TEXT(rec->f[PF_PLACE_ID]);
	a[i++] = DB_TEXT(rec->f[PF_CID]);
	a[i++] = prosp_decimal(buf->lat, sizeof(buf->lat), rec->has_geo,
	    6, rec->lat);
	a[i++] = prosp_decimal(buf->lng, sizeof(buf->lng), rec->has_geo,
	    6, rec->lng);
	a[i++] = DB_TEXT(rec->status);
	a[i++] = DB_TEXT(buf->json[1]);
	a[i++] = DB_TEXT(buf->json[2]);
	a[i++] = DB_TEXT(source);
	a[i++] = import_id != 0 ? DB_INT(import_id) : DB_NULL;
	a[i++] = rec->name_key[0] != '\0' ? DB_TEXT(rec->name_key) : DB_NULL;
	a[i++] = DB_TEXT(prosp_search_text(buf->search, rec->f[PF_NAME],
	    rec->f[PF_CITY], rec->f[PF_CATEGORY], e != NULL ? e->addr : NULL,
	    rec->f[PF_POSTAL_CODE]));
	if (i != PROSP_INSERT_NARGS)
		abort();
}

const char *
prosp_search_text(char *out, const char *name, const char *city,
    const char *category, const char *email, const char *postal_code)
{
	const char	*parts[] = { name, city, category, email, postal_code };

	pnorm_search_text(out, parts, sizeof(parts) / sizeof(parts[0]));
	return out;
}

int
prosp_rec_extras(struct db *db, uint64_t id, const struct prosp_rec *rec,
    uint64_t user_id)
{
	size_t		 i;
	int		 rc;
	const char	*note = rec->f[PF_NOTE];

	for (i = 0; i < json_array_size(rec->tags); i++)
		if ((rc = db_exec(db, PR_TAG_INSERT, DB_ARGS(DB_INT(id),
		    DB_TEXT(json_string_value(json_array_get(rec->tags, i))),
		    DB_INT(user_id)))) != DB_OK && rc != DB_NONE)
			return rc;
	if (note == NULL)
		return DB_OK;
	if ((rc = db_one(db, PR_NOTE_EXISTS, DB_ARGS(DB_INT(id),
	    DB_TEXT(note)))) != DB_OK)
		return rc;
	i = (size_t)db_int(db, 0);
	db_done(db);
	if (i > 0)
		return DB_OK;
	rc = db_exec(db, PR_NOTE_INSERT, DB_ARGS(DB_INT(user_id), DB_INT(id),
	    DB_TEXT(note)));
	return rc == DB_NONE ? DB_ERR : rc;
}

int
prosp_rec_insert(struct db *db, const struct prosp_rec *rec, uint64_t user_id,
    const char *source, uint64_t import_id, uint64_t *id)
{
	struct db_arg		 a[PROSP_INSERT_NARGS];
	struct prosp_argbuf	 buf;
	int			 rc;

	memset(&buf, 0, sizeof(buf));
	prosp_rec_insert_args(a, &buf, rec, user_id, source, import_id);
	rc = db_exec(db, PR_INSERT, a, PROSP_INSERT_NARGS);
	prosp_argbuf_free(&buf);
	if (rc != DB_OK)
		return rc == DB_NONE ? DB_ERR : rc;
	*id = db_last_id(db);
	return prosp_rec_extras(db, *id, rec, user_id);
}

/*
 * The e-mail list after a merge: the stored entries, then rec's addresses
 * that are new (by key). Owned.
 */
static json_t *
prosp_emails_merge(const char *stored, const struct prosp_rec *rec,
    const char *source)
{
	json_t		*all, *mine, *e;
	size_t		 i, j;
	char		 key[EMAIL_MAX + 1];
	int		 found;

	all = stored != NULL ? json_loads(stored, 0, NULL) : NULL;
	if (!json_is_array(all)) {
		json_decref(all);
		all = json_array();
	}
	mine = prosp_rec_emails_json(rec, source);
	json_array_foreach(mine, i, e) {
		found = 0;
		for (j = 0; j < json_array_size(all) && !found; j++) {
			const char *a = json_string_value(json_object_get(
			    json_array_get(all, j), "email"));

			if (a != NULL && email_valid(a)) {
				email_key(key, a);
				found = strcmp(key, rec->emails[i].key) == 0;
			}
		}
		if (!found && json_array_size(all) < PROSP_EMAILS_MAX)
			json_array_append(all, e);
	}
	json_decref(mine);
	return all;
}

/* Stored custom fields with rec's on top (rec's values win). Owned. */
static json_t *
prosp_custom_merge(const char *stored, const struct prosp_rec *rec)
{
	json_t	*all = stored != NULL ? json_loads(stored, 0, NULL) : NULL;

	if (!json_is_object(all)) {
		json_decref(all);
		all = json_object();
	}
	if (rec->custom != NULL)
		json_object_update(all, rec->custom);
	while (json_object_size(all) > PROSP_CUSTOM_MAX)
		json_object_del(all, json_object_iter_key(json_object_iter(all)));
	return all;
}

/* Stored flags united with rec's. Owned, or NULL when none. */
static json_t *
prosp_flags_merge(const char *stored, const struct prosp_rec *rec)
{
	json_t	*all = stored != NULL ? json_loads(stored, 0, NULL) : NULL;
	json_t	*mine = prosp_rec_flags_json(rec), *f;
	size_t	 i, j;

	if (!json_is_array(all)) {
		json_decref(all);
		all = NULL;
	}
	if (mine == NULL)
		return all;
	if (all == NULL)
		return mine;
	json_array_foreach(mine, i, f) {
		for (j = 0; j < json_array_size(all); j++)
			if (json_equal(json_array_get(all, j), f))
				break;
		if (j == json_array_size(all))
			json_array_append(all, f);
	}
	json_decref(mine);
	return all;
}

int
prosp_rec_merge(struct db *db, uint64_t id, const struct prosp_rec *rec,
    const char *source)
{
	const struct prosp_email *e = rec->nemails > 0 ? &rec->emails[0] : NULL;
	struct prosp_argbuf	 buf;
	json_t			*emails, *custom, *flags;
	uint64_t		 user_id = db_user(db);
	int			 rc;

	memset(&buf, 0, sizeof(buf));
	if ((rc = db_one(db, PR_EMAILS_GET, DB_ARGS(DB_INT(id)))) != DB_OK)
		return rc;
	emails = prosp_emails_merge(db_str(db, 0), rec,
	    strncmp(source, "import:", 7) == 0 ? "import" : source);
	custom = prosp_custom_merge(db_str(db, 1), rec);
	flags = prosp_flags_merge(db_str(db, 2), rec);
	/* The values PR_MERGE leaves: the record's, or the stored ones. */
	prosp_search_text(buf.search, rec->f[PF_NAME],
	    rec->f[PF_CITY] != NULL ? rec->f[PF_CITY] : db_str(db, 4),
	    rec->f[PF_CATEGORY] != NULL ? rec->f[PF_CATEGORY] : db_str(db, 3),
	    db_str(db, 6) != NULL ? db_str(db, 6) : e != NULL ? e->addr : NULL,
	    rec->f[PF_POSTAL_CODE] != NULL ? rec->f[PF_POSTAL_CODE] :
	    db_str(db, 5));
	db_done(db);
	buf.json[0] = prosp_dump(emails);
	buf.json[1] = json_object_size(custom) > 0 ? prosp_dump(custom) : NULL;
	buf.json[2] = prosp_dump(flags);
	json_decref(emails);
	json_decref(custom);
	json_decref(flags);
	rc = db_exec(db, PR_MERGE, DB_ARGS(
	    DB_TEXT(rec->f[PF_NAME]), DB_TEXT(rec->f[PF_CATEGORY]),
	    DB_TEXT(rec->f[PF_ADDRESS]), DB_TEXT(rec->f[PF_POSTAL_CODE]),
	    DB_TEXT(rec->f[PF_CITY]), DB_TEXT(rec->f[PF_COUNTRY]),
	    /* A phone that does not read as one never replaces one that does. */
	    rec->phone_e164[0] != '\0' ? DB_TEXT(rec->f[PF_PHONE]) : DB_NULL,
	    rec->phone_e164[0] != '\0' ? DB_TEXT(rec->phone_e164) : DB_NULL,
	    e != NULL ? DB_TEXT(e->addr) : DB_NULL,
	    e != NULL ? DB_TEXT(e->key) : DB_NULL,
	    e != NULL ? DB_TEXT(e->generic ? "generic" : "named") : DB_NULL,
	    DB_TEXT(buf.json[0]), DB_TEXT(rec->f[PF_WEBSITE]),
	    rec->host[0] != '\0' ? DB_TEXT(rec->host) : DB_NULL,
	    prosp_decimal(buf.rating, sizeof(buf.rating), rec->has_rating,
	    1, rec->rating),
	    rec->review_count >= 0 ? DB_INT(rec->review_count) : DB_NULL,
	    DB_TEXT(rec->f[PF_PLACE_ID]), DB_TEXT(rec->f[PF_CID]),
	    prosp_decimal(buf.lat, sizeof(buf.lat), rec->has_geo, 6, rec->lat),
	    prosp_decimal(buf.lng, sizeof(buf.lng), rec->has_geo, 6, rec->lng),
	    DB_TEXT(buf.json[1]), DB_TEXT(buf.json[2]),
	    rec->name_key[0] != '\0' ? DB_TEXT(rec->name_key) : DB_NULL,
	    DB_TEXT(buf.search), DB_INT(id)));
	prosp_argbuf_free(&buf);
	if (rc != DB_OK)
		return rc == DB_NONE ? DB_ERR : rc;
	return prosp_rec_extras(db, id, rec, user_id);
}
