/*
 * The prospect record as imports see it: the canonical fields a CSV
 * column, a Places result or an API body maps to. Shared by the CSV
 * reader (csvin.h), the normalisers (pnorm.h, phone.h) and the import
 * code of the prospects group, so a column mapped to "postal_code" means
 * the same thing everywhere. Names are the API's field names.
 */
#ifndef PROSPEA_PROSPECT_H
#define PROSPEA_PROSPECT_H

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

#endif
