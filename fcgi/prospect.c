/*
 * The names of the canonical prospect fields (prospect.h).
 */
#include "config.h"

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
