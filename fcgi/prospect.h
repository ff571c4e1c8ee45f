/*
 * The prospect record as imports see it: the canonical fields a CSV
 * column, a Places result or an API body maps to. Shared by the CSV
 * reader (csvin.h), the normalisers (pnorm.h, phone.h) and the import
 * code of the prospects group, so a column mapped to "postal_code" means
 * the same thing everywhere. Names are the API's field names.
 */
#ifndef PROSPEA_PROSPECT_H
#define PROSPEA_PROSPECT_H

#include <stdint.h>

#include "db.h"

struct arena;

enum prospect_field {
	PF_NAME,		/* business name */
	PF_CATEGORY,		/* "Boulangerie", "Plombier" */
	PF_ADDRESS,		/* street address, or the whole address line */
	PF_POSTAL_CODE,
	PF_CITY,
	PF_COUNTRY,		/* ISO 3166-1 alpha-2 when known */
	PF_PHONE,		/* as written: normalised to E.164 later */
	PF_EMAILS,		/* one or several addresses, ", " or ";" separated */
	PF_WEBSITE,
	PF_RATING,		/* 0..5, "4.600000" or "4,6" */
	PF_REVIEW_COUNT,
	PF_PLACE_ID,		/* Google place identity: data_id, place_id */
	PF_CID,			/* Google Maps customer id (decimal) */
	PF_LATITUDE,
	PF_LONGITUDE,
	PF_STATUS,		/* pipeline status, when a spreadsheet has one */
	PF_TAGS,		/* ", " or ";" separated */
	PF_NOTE,		/* a free-text note, becomes a prospect note */
	PF__MAX
};

/* The API names of the fields, indexed by enum prospect_field. */
extern const char *const prospect_field_names[PF__MAX];

/*
 * The filters of a prospect search, as GET /prospects reads them from its
 * query and a campaign's enrollment by filter from its body, so that both
 * select the same prospects. Texts are borrowed; NULL (or -1 for the two
 * booleans) does not filter.
 */
struct prospect_filter {
	const char	*like;		/* prospect_like() of ?q=, or NULL */
	const char	*status, *tag, *city, *postal_code, *category, *source;
	int		 has_email, has_phone;	/* -1 any, 0 or 1 */
};

/*
 * The WHERE clause of such a search over "my_prospect p": the session's
 * user said as a constant (the view alone would call app_user() on every
 * row a search reads: a third of a search that scans 100 000 rows), then
 * each filter. A "source" of "import" matches every import:<file>.
 * PROSPECT_FILTER_NARGS placeholders, bound by prospect_filter_args().
 */
#define PROSPECT_FILTER_SQL \
	" WHERE p.user_id = ?" \
	" AND (? IS NULL OR EXISTS (SELECT 1 FROM my_prospect_tag t" \
	" WHERE t.prospect_id = p.id AND t.tag = ?))" \
	" AND (? IS NULL OR p.search_text LIKE ?)" \
	" AND (? IS NULL OR p.status = ?)" \
	" AND (? IS NULL OR p.city = ?)" \
	" AND (? IS NULL OR p.postal_code = ?)" \
	" AND (? IS NULL OR p.category = ?)" \
	" AND (? IS NULL OR (p.email IS NOT NULL) = ?)" \
	" AND (? IS NULL OR (p.phone_e164 IS NOT NULL) = ?)" \
	" AND (? IS NULL OR p.source = ?" \
	" OR (? = 'import' AND p.source LIKE 'import:%'))"
#define PROSPECT_FILTER_NARGS	20

/*
 * The PROSPECT_FILTER_NARGS arguments of PROSPECT_FILTER_SQL for the
 * tenant user_id and filter f into a[0..PROSPECT_FILTER_NARGS).
 */
void		 prospect_filter_args(struct db_arg *a, uint64_t user_id,
		    const struct prospect_filter *f);

/*
 * The LIKE pattern of a free-text search for q, in the arena: "%q%" with
 * the words folded as the search_text column is (pnorm_search_text(),
 * sql/migrations/0003), so a byte-wise match ignores case, accents,
 * ligatures and punctuation ("coeur" finds "Cœur", "saint etienne" finds
 * "Saint-Étienne"). The fold leaves no "%" or "_", so nothing needs
 * escaping. Words with no letter or digit ("%", "--") find nothing: the
 * pattern is then a lone space, which no folded text equals.
 */
const char	*prospect_like(struct arena *a, const char *q);

#endif
