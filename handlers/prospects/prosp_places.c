/*
 * Google Places search and import: POST /places/search asks the Places
 * API (New) Text Search for businesses on the platform's key, maps each
 * place to the canonical prospect fields (prospect.h), keeps the mapped
 * result for 24 hours in the tenant's places_result rows and answers with
 * it, flagged when it is already a prospect or on the suppression list;
 * POST /places/import turns chosen results into prospects through the
 * record rules every entry point shares (prosp_rec.h), without another
 * paid call. Also holds the SQL of the enrich routes (prosp_enrich.c):
 * the group's statement tables are one per header.
 *
 * Sources: Places API (New) Text Search, "Text Search (New)" and
 * "Choose fields to return" (FieldMask, SKUs) on
 * developers.google.com/maps/documentation/places/web-service; Google
 * API errors: cloud.google.com/apis/design/errors.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <sodium.h>

#include "arena.h"
#include "conf.h"
#include "hc.h"
#include "log.h"
#include "prospects.h"
#include "req.h"
#include "resp.h"

static const char *const prosp_web_sql[PW__MAX] = {
	[PW_PLACES_PURGE] =
	    "DELETE FROM my_places_result "
	    "WHERE fetched_at < NOW(3) - INTERVAL 1 DAY",
	[PW_PLACES_PUT] =
	    "INSERT INTO my_places_result (user_id, place_id, data, fetched_at) "
	    "VALUES (?, ?, ?, NOW(3)) ON DUPLICATE KEY UPDATE "
	    "data = VALUES(data), fetched_at = VALUES(fetched_at)",
	[PW_PLACES_GET] =
	    "SELECT data FROM my_places_result "
	    "WHERE place_id = ? AND fetched_at >= NOW(3) - INTERVAL 1 DAY",
	[PW_ENRICH_PROSPECT] =
	    "SELECT website FROM my_prospect WHERE id = ? FOR UPDATE",
	[PW_ENRICH_ACTIVE] =
	    "SELECT id, status, DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ') "
	    "FROM my_enrich_job WHERE prospect_id = ? "
	    "AND status IN ('queued', 'running') ORDER BY id DESC LIMIT 1",
	[PW_ENRICH_INSERT] =
	    "INSERT INTO my_enrich_job (user_id, prospect_id, status, created_at) "
	    "VALUES (?, ?, 'queued', NOW(3))",
	[PW_ENRICH_LATEST] =
	    "SELECT j.id, j.status, DATE_FORMAT(j.created_at, '%Y-%m-%dT%H:%i:%sZ'), "
	    "DATE_FORMAT(j.finished_at, '%Y-%m-%dT%H:%i:%sZ'), j.result, "
	    "j.error_code FROM my_prospect p LEFT JOIN my_enrich_job j "
	    "ON j.prospect_id = p.id WHERE p.id = ? ORDER BY j.id DESC LIMIT 1",
};

const struct db_table prosp_web_table = { prosp_web_sql, PW_PLACES_PURGE,
    PW__MAX };

#define PLACES_PAGE_SIZE	20
#define PLACES_IDS_MAX		20
#define PLACES_ID_MAX		255	/* place_id column */
#define PLACES_ANSWER_MAX	(4L << 20)	/* bytes of Google's answer */

/*
 * A place id as Google writes them ("ChIJN1t_tDeuEmsRUsoyG83frY4"):
 * base64url characters, as long as the column allows.
 */
static int
places_id_ok(const char *s)
{
	size_t	 n;

	for (n = 0; s[n] != '\0'; n++)
		if (!isalnum((unsigned char)s[n]) && s[n] != '-' && s[n] != '_')
			return 0;
	return n >= 1 && n <= PLACES_ID_MAX;
}

/*
 * field.h validator: an array of f->min..f->max place ids (places_id_ok).
 * Codes: "type" (not an array), "required" (empty), "too_long" (too
 * many), "place_id" (an element that is not a place id).
 */
static int
places_ids_check(const struct field *f, json_t *v, const char **code,
    const char **msg)
{
	json_t	*e;
	size_t	 i;

	if (!json_is_array(v)) {
		*code = "type";
		*msg = "must be an array of place ids";
		return -1;
	}
	if (json_array_size(v) < (size_t)f->min) {
		*code = "required";
		*msg = "must hold at least one place id";
		return -1;
	}
	if (json_array_size(v) > (size_t)f->max) {
		*code = "too_long";
		*msg = "holds too many place ids: import at most 20 at a time";
		return -1;
	}
	json_array_foreach(v, i, e)
		if (!json_is_string(e) || !places_id_ok(json_string_value(e))) {
			*code = "place_id";
			*msg = "must hold only place ids from a search";
			return -1;
		}
	return 0;
}

static const char *const places_on_duplicate[] = { "skip", "update", NULL };

const struct field prosp_places_search_fields[PQ__MAX] = {
	[PQ_QUERY] = { "query", field_text, FIELD_REQ, 1, 200, NULL },
	[PQ_LOCATION] = { "location", field_text, FIELD_NULL, 1, 200, NULL },
	[PQ_PAGE_TOKEN] = { "page_token", field_text, FIELD_NULL, 1, 2048, NULL },
};

const struct field prosp_places_import_fields[PL__MAX] = {
	[PL_PLACE_IDS] = { "place_ids", places_ids_check, FIELD_REQ, 1, PLACES_IDS_MAX, NULL },
	[PL_ON_DUPLICATE] = { "on_duplicate", field_enum, 0, 0, 0, places_on_duplicate },
};

/*
 * The fields we map, and nextPageToken. Google bills a Text Search at the
 * highest SKU of any field asked for: phone, website and rating make it
 * "Text Search Enterprise", which prospecting needs; nothing of the
 * costlier Atmosphere fields (reviews, opening hours…) is asked for.
 * nationalPhoneNumber and internationalPhoneNumber are one SKU.
 */
static const char places_mask_header[] = "X-Goog-FieldMask: "
    "places.id,places.displayName,places.primaryTypeDisplayName,"
    "places.formattedAddress,places.addressComponents,"
    "places.internationalPhoneNumber,places.nationalPhoneNumber,"
    "places.websiteUri,places.rating,places.userRatingCount,"
    "places.location,nextPageToken";

/* What a call to Google came to, and how the API answers each outcome. */
enum places_rc {
	PLACES_OK,
	PLACES_NO_KEY,		/* no key configured, or unreadable */
	PLACES_QUOTA,		/* 429 / RESOURCE_EXHAUSTED */
	PLACES_REFUSED,		/* 400/401/403/404: our key or our request */
	PLACES_BAD_TOKEN,	/* 400 to a request with a page token */
	PLACES_DOWN,		/* 5xx, timeout, no connection */
	PLACES_BAD_ANSWER,	/* unreadable, too big, unexpected status */
	PLACES__MAX
};

static const struct places_answer {
	int		 status;
	long		 retry;		/* Retry-After seconds, 0: none */
	const char	*code;
	const char	*detail;
} places_answers[PLACES__MAX] = {
	[PLACES_NO_KEY] = { 503, 300, "places_unavailable",
	    "Places search is not configured on this server (no API key)." },
	[PLACES_QUOTA] = { 429, 60, "places_quota",
	    "The Google Places quota is exhausted for now: try the search "
	    "again later." },
	[PLACES_REFUSED] = { 502, 0, "places_error",
	    "Google Places refused the search (the platform's key or "
	    "settings): it has been logged." },
	[PLACES_BAD_TOKEN] = { 422, 0, "page_token",
	    "This page token is not valid any more: search again from the "
	    "first page." },
	[PLACES_DOWN] = { 503, 30, "places_unavailable",
	    "Google Places did not answer: try again shortly." },
	[PLACES_BAD_ANSWER] = { 502, 0, "places_error",
	    "Google Places sent an answer we could not read: it has been "
	    "logged." },
};

/* Writes the answer of rc; Google's Retry-After wins over the table's. */
static int
places_reply(struct req *r, enum places_rc rc, long retry_after)
{
	const struct places_answer *a = &places_answers[rc];

	if (rc == PLACES_BAD_TOKEN)
		return resp_unprocessable(r, "page_token", a->code, a->detail);
	if (a->retry > 0)
		return resp_retry(r, a->status, retry_after > 0 ? retry_after :
		    a->retry, a->code, a->detail);
	return resp_problem(r, a->status, a->code, a->detail);
}

/* The easy handle, kept across requests so the TLS session to Google is too. */
static CURL	*places_curl;

/*
 * Google's error status ("PERMISSION_DENIED") and ErrorInfo reason
 * ("API_KEY_INVALID") of an error answer, for the log and the mapping.
 * Only upper-case words are kept: the message, which may quote the
 * request, is never looked at.
 */
static void
places_error_info(const char *body, char *status, char *reason, size_t n)
{
	json_t		*j, *err, *d;
	const char	*s;
	size_t		 i, k;

	*status = *reason = '\0';
	if ((j = json_loads(body, 0, NULL)) == NULL)
		return;
	err = json_object_get(j, "error");
	if ((s = json_string_value(json_object_get(err, "status"))) != NULL)
		snprintf(status, n, "%s", s);
	json_array_foreach(json_object_get(err, "details"), i, d)
		if ((s = json_string_value(json_object_get(d, "reason"))) != NULL) {
			snprintf(reason, n, "%s", s);
			break;
		}
	json_decref(j);
	for (k = 0; status[k] != '\0'; k++)
		if (!isupper((unsigned char)status[k]) && status[k] != '_')
			*status = '\0';
	for (k = 0; reason[k] != '\0'; k++)
		if (!isupper((unsigned char)reason[k]) && reason[k] != '_')
			*reason = '\0';
}

/*
 * POSTs body (JSON text) to Text Search with key, into h. PLACES_OK with
 * Google's 200 answer in h->body, or the outcome to answer. Logs what
 * failed, never the key nor Google's message.
 */
static enum places_rc
places_call(struct req *r, const char *key, const char *body, int with_token,
    struct hc_answer *h)
{
	const struct conf	*c = r->conf;
	struct curl_slist	*hdrs = NULL, *s;
	char			 kh[4096 + 32], status[64], reason[64];
	long			 code = 0;
	CURLcode		 rc;

	if (places_curl == NULL && (places_curl = curl_easy_init()) == NULL)
		abort();
	curl_easy_reset(places_curl);
	snprintf(kh, sizeof(kh), "X-Goog-Api-Key: %s", key);
	if ((hdrs = curl_slist_append(NULL, kh)) == NULL ||
	    (s = curl_slist_append(hdrs, places_mask_header)) == NULL ||
	    (s = curl_slist_append(hdrs, "Content-Type: application/json")) == NULL)
		abort();
	sodium_memzero(kh, sizeof(kh));
	curl_easy_setopt(places_curl, CURLOPT_URL, arena_printf(r->arena,
	    "%s/v1/places:searchText", c->places_base_url));
	curl_easy_setopt(places_curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(places_curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(places_curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(places_curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(places_curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(places_curl, CURLOPT_CONNECTTIMEOUT, c->places_timeout);
	curl_easy_setopt(places_curl, CURLOPT_TIMEOUT, c->places_timeout);
	curl_easy_setopt(places_curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(places_curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(places_curl, CURLOPT_WRITEFUNCTION, hc_write);
	curl_easy_setopt(places_curl, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(places_curl, CURLOPT_HEADERFUNCTION, hc_header);
	curl_easy_setopt(places_curl, CURLOPT_HEADERDATA, h);
	rc = curl_easy_perform(places_curl);
	curl_easy_getinfo(places_curl, CURLINFO_RESPONSE_CODE, &code);
	/* The handle keeps no pointer to the key once the list is gone. */
	curl_easy_setopt(places_curl, CURLOPT_HTTPHEADER, NULL);
	for (s = hdrs; s != NULL; s = s->next)
		sodium_memzero(s->data, strlen(s->data));
	curl_slist_free_all(hdrs);

	if (rc != CURLE_OK) {
		if (h->over) {
			log_err("places search: the answer passed %ld bytes",
			    PLACES_ANSWER_MAX);
			return PLACES_BAD_ANSWER;
		}
		log_warn("places search: %s", curl_easy_strerror(rc));
		return PLACES_DOWN;
	}
	if (code == 200)
		return PLACES_OK;
	places_error_info(h->body != NULL ? h->body : "", status, reason,
	    sizeof(status));
	log_warn("places search: Google answered %ld %s %s", code, status, reason);
	if (code == 429 || strcmp(status, "RESOURCE_EXHAUSTED") == 0)
		return PLACES_QUOTA;
	if (code >= 500)
		return PLACES_DOWN;
	if (code == 400 && with_token && strncmp(reason, "API_KEY", 7) != 0)
		return PLACES_BAD_TOKEN;
	if (code == 400 || code == 401 || code == 403 || code == 404)
		return PLACES_REFUSED;
	return PLACES_BAD_ANSWER;
}

/*
 * The platform's key, read at each search so a rotated key file takes
 * effect at once. Owned: the caller wipes and frees it. NULL when none is
 * configured or the file cannot be read (logged, without its content).
 */
static char *
places_key(const struct conf *c)
{
	char	*key;

	if (*c->places_key_file == '\0')
		return NULL;
	if ((key = conf_read_secret(c->places_key_file)) == NULL) {
		log_err("places search: cannot read places_key_file %s: %s",
		    c->places_key_file, strerror(errno));
		return NULL;
	}
	if (*key == '\0') {
		log_err("places search: places_key_file %s is empty",
		    c->places_key_file);
		free(key);
		return NULL;
	}
	return key;
}

static void
places_key_free(char *key)
{
	if (key != NULL) {
		sodium_memzero(key, strlen(key));
		free(key);
	}
}

/* A string member of o, or NULL. Borrowed. */
static const char *
places_str(json_t *o, const char *name)
{
	const char	*s = json_string_value(json_object_get(o, name));

	return s != NULL && *s != '\0' ? s : NULL;
}

static int
places_has_type(json_t *component, const char *type)
{
	json_t	*t;
	size_t	 i;

	json_array_foreach(json_object_get(component, "types"), i, t)
		if (json_is_string(t) && strcmp(json_string_value(t), type) == 0)
			return 1;
	return 0;
}

/*
 * The canonical texts of one place (Places API (New) Place resource) into
 * f, borrowed from place or the arena:
 *   id -> place_id, displayName.text -> name,
 *   primaryTypeDisplayName.text -> category,
 *   addressComponents street_number + route -> address (formattedAddress
 *   when there is no route), postal_code, locality (else postal_town)
 *   -> city, country's shortText -> country,
 *   internationalPhoneNumber (else nationalPhoneNumber) -> phone,
 *   websiteUri -> website, rating, userRatingCount -> review_count,
 *   location.latitude/longitude.
 */
static void
places_map(struct arena *a, json_t *place, const char *f[PF__MAX])
{
	json_t		*c, *loc;
	const char	*number = NULL, *route = NULL, *town = NULL;
	size_t		 i;

	for (i = 0; i < PF__MAX; i++)
		f[i] = NULL;
	f[PF_PLACE_ID] = places_str(place, "id");
	f[PF_NAME] = places_str(json_object_get(place, "displayName"), "text");
	f[PF_CATEGORY] = places_str(json_object_get(place,
	    "primaryTypeDisplayName"), "text");
	json_array_foreach(json_object_get(place, "addressComponents"), i, c) {
		if (places_has_type(c, "street_number"))
			number = places_str(c, "longText");
		else if (places_has_type(c, "route"))
			route = places_str(c, "longText");
		else if (places_has_type(c, "postal_code"))
			f[PF_POSTAL_CODE] = places_str(c, "longText");
		else if (places_has_type(c, "locality"))
			f[PF_CITY] = places_str(c, "longText");
		else if (places_has_type(c, "postal_town"))
			town = places_str(c, "longText");
		else if (places_has_type(c, "country"))
			f[PF_COUNTRY] = places_str(c, "shortText");
	}
	if (route != NULL)
		f[PF_ADDRESS] = number != NULL ?
		    arena_printf(a, "%s %s", number, route) : route;
	else
		f[PF_ADDRESS] = places_str(place, "formattedAddress");
	if (f[PF_CITY] == NULL)
		f[PF_CITY] = town;
	if ((f[PF_PHONE] = places_str(place, "internationalPhoneNumber")) == NULL)
		f[PF_PHONE] = places_str(place, "nationalPhoneNumber");
	f[PF_WEBSITE] = places_str(place, "websiteUri");
	if (json_is_number(json_object_get(place, "rating")))
		f[PF_RATING] = arena_printf(a, "%.1f",
		    json_number_value(json_object_get(place, "rating")));
	if (json_is_integer(json_object_get(place, "userRatingCount")))
		f[PF_REVIEW_COUNT] = arena_printf(a, "%lld", (long long)
		    json_integer_value(json_object_get(place, "userRatingCount")));
	loc = json_object_get(place, "location");
	if (json_is_number(json_object_get(loc, "latitude")) &&
	    json_is_number(json_object_get(loc, "longitude"))) {
		f[PF_LATITUDE] = arena_printf(a, "%.6f",
		    json_number_value(json_object_get(loc, "latitude")));
		f[PF_LONGITUDE] = arena_printf(a, "%.6f",
		    json_number_value(json_object_get(loc, "longitude")));
	}
}

/* The fields a search result shows and keeps, in the answer's order. */
static const enum prospect_field places_fields[] = {
	PF_PLACE_ID, PF_NAME, PF_CATEGORY, PF_ADDRESS, PF_POSTAL_CODE, PF_CITY,
	PF_COUNTRY, PF_PHONE, PF_WEBSITE, PF_RATING, PF_REVIEW_COUNT,
	PF_LATITUDE, PF_LONGITUDE,
};
#define PLACES_NFIELDS	(sizeof(places_fields) / sizeof(places_fields[0]))

/* The texts f as the cached row's data: {"name": "…", …} (owned). */
static json_t *
places_data(const char *const f[PF__MAX])
{
	json_t	*o = json_object();
	size_t	 i;

	for (i = 0; i < PLACES_NFIELDS; i++)
		if (f[places_fields[i]] != NULL)
			json_object_set_new(o, prospect_field_names[places_fields[i]],
			    json_string(f[places_fields[i]]));
	return o;
}

/* The texts f as an answer's item, numbers as numbers, absent as null (owned). */
static json_t *
places_item(const char *const f[PF__MAX])
{
	json_t		*o = json_object(), *v;
	const char	*s;
	size_t		 i;

	for (i = 0; i < PLACES_NFIELDS; i++) {
		s = f[places_fields[i]];
		if (s == NULL)
			v = json_null();
		else if (places_fields[i] == PF_REVIEW_COUNT)
			v = json_integer(strtoll(s, NULL, 10));
		else if (places_fields[i] == PF_RATING ||
		    places_fields[i] == PF_LATITUDE ||
		    places_fields[i] == PF_LONGITUDE)
			v = json_real(strtod(s, NULL));
		else
			v = json_string(s);
		json_object_set_new(o, prospect_field_names[places_fields[i]], v);
	}
	return o;
}

/* Caches every mapped result of a search (data: [{place_id, …}]), drops stale ones. */
static int
places_put_tx(struct db *db, void *arg)
{
	json_t	*data = arg, *d;
	char	*text;
	size_t	 i;
	int	 rc;

	rc = db_exec(db, PW_PLACES_PURGE, DB_NOARGS);
	if (rc != DB_OK && rc != DB_NONE)
		return rc;
	json_array_foreach(data, i, d) {
		if ((text = json_dumps(d, JSON_COMPACT)) == NULL)
			abort();
		rc = db_exec(db, PW_PLACES_PUT, DB_ARGS(DB_INT(db_user(db)),
		    DB_TEXT(json_string_value(json_object_get(d, "place_id"))),
		    DB_TEXT(text)));
		free(text);
		if (rc != DB_OK)
			return rc;
	}
	return DB_OK;
}

/*
 * Sets the item's already_imported (a duplicate of one of the tenant's
 * prospects by prosp_rec_find_dup()'s keys, with its prospect_id) and
 * suppressed (prosp_rec_suppressed()). A db.h code.
 */
static int
places_flags(struct req *r, const char *region, const char *const f[PF__MAX],
    json_t *item)
{
	struct prosp_rec rec;
	const char	*reject;
	uint64_t	 dup = 0;
	int		 rc, supp = 0;

	if (prosp_rec_build(&rec, f, NULL, region, &reject) == -1) {
		prosp_rec_free(&rec);
		json_object_set_new(item, "already_imported", json_false());
		json_object_set_new(item, "prospect_id", json_null());
		json_object_set_new(item, "suppressed", json_false());
		return DB_OK;
	}
	rc = prosp_rec_suppressed(r->db, &rec, &supp);
	if (rc == DB_OK)
		rc = prosp_rec_find_dup(r->db, &rec, &dup);
	prosp_rec_free(&rec);
	if (rc != DB_OK && rc != DB_NONE)
		return rc;
	json_object_set_new(item, "already_imported", json_boolean(dup != 0));
	json_object_set_new(item, "prospect_id", dup != 0 ?
	    json_string(arena_printf(r->arena, "%llu", (unsigned long long)dup)) :
	    json_null());
	json_object_set_new(item, "suppressed", json_boolean(supp));
	return DB_OK;
}

int
prosp_places_search(struct req *r)
{
	struct hc_answer	 h = { .max = PLACES_ANSWER_MAX };
	enum places_rc		 prc;
	const char		*query = req_str(r, PQ_QUERY);
	const char		*location = req_str(r, PQ_LOCATION);
	const char		*token = req_str(r, PQ_PAGE_TOKEN), *next;
	const char		*(*f)[PF__MAX];
	char			 region[3], *key, *body;
	json_t			*req_body, *ans = NULL, *places, *data, *items;
	size_t			 i, n;
	int			 rc;

	if ((key = places_key(r->conf)) == NULL)
		return places_reply(r, PLACES_NO_KEY, 0);
	if ((rc = prosp_rec_region(r->db, region)) != DB_OK) {
		places_key_free(key);
		return resp_db(r, rc);
	}
	/*
	 * The location goes into the text ("plombier Lyon 3e"), as Google
	 * advises for a place named in words: locationBias wants
	 * coordinates, which would take a geocoding call of its own.
	 */
	req_body = json_pack("{s:s, s:s, s:s, s:i}", "textQuery", location != NULL ?
	    arena_printf(r->arena, "%s %s", query, location) : query,
	    "languageCode", "fr", "regionCode", region, "pageSize",
	    PLACES_PAGE_SIZE);
	if (req_body == NULL)
		abort();
	if (token != NULL)
		json_object_set_new(req_body, "pageToken", json_string(token));
	if ((body = json_dumps(req_body, JSON_COMPACT)) == NULL)
		abort();
	json_decref(req_body);
	prc = places_call(r, key, body, token != NULL, &h);
	places_key_free(key);
	free(body);
	if (prc == PLACES_OK && ((ans = json_loadb(h.body, h.len, 0, NULL)) == NULL ||
	    !json_is_object(ans))) {
		log_err("places search: the answer is not a JSON object");
		prc = PLACES_BAD_ANSWER;
	}
	free(h.body);
	if (prc != PLACES_OK) {
		json_decref(ans);
		return places_reply(r, prc, h.retry_after);
	}

	/* Map every place that has an id to import it by. */
	places = json_object_get(ans, "places");
	f = arena_alloc(r->arena, (json_array_size(places) + 1) * sizeof(*f));
	data = json_array();
	items = json_array();
	for (i = n = 0; i < json_array_size(places); i++) {
		places_map(r->arena, json_array_get(places, i), f[n]);
		if (f[n][PF_PLACE_ID] == NULL || !places_id_ok(f[n][PF_PLACE_ID]))
			continue;
		json_array_append_new(data, places_data(f[n]));
		json_array_append_new(items, places_item(f[n]));
		n++;
	}
	rc = db_tx(r->db, places_put_tx, data);
	json_decref(data);
	for (i = 0; i < n && rc == DB_OK; i++)
		rc = places_flags(r, region, f[i], json_array_get(items, i));
	next = json_string_value(json_object_get(ans, "nextPageToken"));
	if (rc == DB_OK)
		rc = resp_json(r, 200, json_pack("{s:o, s:o}", "items", items,
		    "next_page_token", next != NULL && *next != '\0' ?
		    json_string(next) : json_null()));
	else {
		json_decref(items);
		rc = resp_db(r, rc);
	}
	json_decref(ans);
	return rc;
}

/* One /places/import, redone from scratch if the transaction is retried. */
struct places_import {
	struct req	*r;
	json_t		*place_ids;	/* borrowed: the request's array */
	int		 update;	/* on_duplicate: update */
	char		 region[3];
	long		 created, updated, duplicates, suppressed;
	long long	 room;		/* prospects the plan still allows */
	json_t		*rejected;	/* owned: [{place_id, reason, message}] */
	json_t		*ids;		/* owned: prospects created or updated */
};

static void
places_reject(struct places_import *im, const char *id, const char *reason,
    const char *message)
{
	json_array_append_new(im->rejected, json_pack("{s:s, s:s, s:s}",
	    "place_id", id, "reason", reason, "message", message));
}

/* Imports one place id of the request into the tenant's prospects. */
static int
places_import_one(struct db *db, struct places_import *im, const char *id)
{
	struct prosp_rec rec;
	const char	*f[PF__MAX], *reject;
	json_t		*data;
	uint64_t	 pid = 0;
	size_t		 i;
	int		 rc, supp = 0;

	rc = db_one(db, PW_PLACES_GET, DB_ARGS(DB_TEXT(id)));
	if (rc == DB_NONE) {
		places_reject(im, id, "unknown_place", "This place is not among "
		    "your search results of the last 24 hours: search again.");
		return DB_OK;
	}
	if (rc != DB_OK)
		return rc;
	data = json_loadb(db_str(db, 0), db_len(db, 0), 0, NULL);
	db_done(db);
	if (!json_is_object(data)) {
		log_err("places import: a cached result is not a JSON object");
		json_decref(data);
		return DB_ERR;
	}
	for (i = 0; i < PF__MAX; i++)
		f[i] = places_str(data, prospect_field_names[i]);
	if (prosp_rec_build(&rec, f, NULL, im->region, &reject) == -1) {
		places_reject(im, id, reject, "This result cannot become a "
		    "prospect.");
		rc = DB_OK;
		goto done;
	}
	if ((rc = prosp_rec_suppressed(db, &rec, &supp)) != DB_OK)
		goto done;
	if (supp) {
		im->suppressed++;
		goto done;
	}
	rc = prosp_rec_find_dup(db, &rec, &pid);
	if (rc == DB_OK) {
		im->duplicates++;
		if (im->update) {
			if ((rc = prosp_rec_merge(db, pid, &rec, "places")) != DB_OK)
				goto done;
			im->updated++;
			json_array_append_new(im->ids, json_sprintf("%llu",
			    (unsigned long long)pid));
		}
	} else if (rc == DB_NONE && im->room == 0) {
		places_reject(im, id, "plan_limit", "Your plan's limit on "
		    "prospects is reached: this place was not imported.");
		rc = DB_OK;
	} else if (rc == DB_NONE) {
		if (im->room > 0)
			im->room--;
		rc = prosp_rec_insert(db, &rec, im->r->sess->user_id, "places",
		    0, &pid);
		if (rc == DB_OK) {
			im->created++;
			json_array_append_new(im->ids, json_sprintf("%llu",
			    (unsigned long long)pid));
		}
	}
done:
	prosp_rec_free(&rec);
	json_decref(data);
	return rc;
}

static int
places_import_tx(struct db *db, void *arg)
{
	struct places_import	*im = arg;
	struct plan_verdict	 v;
	json_t			*id;
	size_t			 i;
	int			 rc;

	im->created = im->updated = im->duplicates = im->suppressed = 0;
	if ((rc = prosp_rec_lock(db)) != DB_OK ||
	    (rc = plan_check(db, PLAN_PROSPECTS, 0, &v)) != DB_OK)
		return rc;
	im->room = plan_room(&v);
	json_array_clear(im->rejected);
	json_array_clear(im->ids);
	json_array_foreach(im->place_ids, i, id)
		if ((rc = places_import_one(db, im, json_string_value(id))) != DB_OK)
			return rc;
	return DB_OK;
}

int
prosp_places_import(struct req *r)
{
	struct places_import	 im;
	const char		*dup = req_str(r, PL_ON_DUPLICATE);
	int			 rc;

	memset(&im, 0, sizeof(im));
	im.r = r;
	im.place_ids = r->vals[PL_PLACE_IDS];
	im.update = dup != NULL && strcmp(dup, "update") == 0;
	if (prosp_plan_or_reply(r) == -1)
		return r->status;
	if ((rc = prosp_rec_region(r->db, im.region)) != DB_OK)
		return resp_db(r, rc);
	im.rejected = json_array();
	im.ids = json_array();
	if ((rc = db_tx(r->db, places_import_tx, &im)) != DB_OK) {
		json_decref(im.rejected);
		json_decref(im.ids);
		return resp_db(r, rc);
	}
	return resp_json(r, im.created > 0 ? 201 : 200, json_pack(
	    "{s:I, s:I, s:I, s:I, s:o, s:o}", "created", (json_int_t)im.created,
	    "updated", (json_int_t)im.updated, "duplicates",
	    (json_int_t)im.duplicates, "suppressed", (json_int_t)im.suppressed,
	    "rejected", im.rejected, "ids", im.ids));
}
