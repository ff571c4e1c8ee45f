/*
 * The names of the canonical prospect fields and the search filters that
 * the prospects and campaigns groups share (prospect.h).
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "pnorm.h"
#include "prospect.h"

const char *const prospect_field_names[PF__MAX] = {
	[PF_NAME] = "name",
	[PF_CATEGORY] = "category",
	[PF_ADDRESS] = "address",
	[PF_POSTAL_CODE] = "postal_code",
	[PF_CITY] = "city",
	[PF_COUNTRY] = "country",
	[PF_PHONE] = "phone",
	[PF_EMAILS] = "emails",
	[PF_WEBSITE] = "website",
	[PF_RATING] = "rating",
	[PF_REVIEW_COUNT] = "review_count",
	[PF_PLACE_ID] = "place_id",
	[PF_CID] = "google_cid",
	[PF_LATITUDE] = "latitude",
	[PF_LONGITUDE] = "longitude",
	[PF_STATUS] = "status",
	[PF_TAGS] = "tags",
	[PF_NOTE] = "note",
};

void
prospect_filter_args(struct db_arg *a, uint64_t user_id,
    const struct prospect_filter *f)
{
	struct db_arg	 he = f->has_email >= 0 ? DB_INT(f->has_email) : DB_NULL;
	struct db_arg	 hp = f->has_phone >= 0 ? DB_INT(f->has_phone) : DB_NULL;
	size_t		 n = 0;

	/* In the order of the placeholders of PROSPECT_FILTER_SQL. */
	a[n++] = DB_INT(user_id);
	a[n++] = DB_TEXT(f->tag);
	a[n++] = DB_TEXT(f->tag);
	a[n++] = DB_TEXT(f->like);
	a[n++] = DB_TEXT(f->like);
	a[n++] = DB_TEXT(f->status);
	a[n++] = DB_TEXT(f->status);
	a[n++] = DB_TEXT(f->city);
	a[n++] = DB_TEXT(f->city);
	a[n++] = DB_TEXT(f->postal_code);
	a[n++] = DB_TEXT(f->postal_code);
	a[n++] = DB_TEXT(f->category);
	a[n++] = DB_TEXT(f->category);
	a[n++] = he;
	a[n++] = he;
	a[n++] = hp;
	a[n++] = hp;
	a[n++] = DB_TEXT(f->source);
	a[n++] = DB_TEXT(f->source);
	a[n++] = DB_TEXT(f->source);
}

const char *
prospect_like(struct arena *a, const char *q)
{
	size_t	 len = strlen(q) * 2 + 3;	/* ß → ss, & → et */
	char	*out = arena_alloc(a, len);

	out[0] = '%';
	len = 1 + pnorm_fold(out + 1, len - 2, q);
	if (len == 1)
		return " ";
	out[len++] = '%';
	out[len] = '\0';
	return out;
}
