/*
 * The never-contact list (GET/POST /suppressions, DELETE
 * /suppressions/{id}): e-mail addresses, phone numbers and whole domains
 * a user must not prospect, kept as keyed hashes with a masked hint
 * (supp.h), so the list itself holds no contact data in clear. Values are
 * normalised before hashing the way prosp_rec.h normalises prospects, so
 * "Contact@Epi-Dor.example" on the list stops "contact@epi-dor.example"
 * in an import. Adding a value already on the list is not an error: the
 * existing entry answers 200 (a user who clicks twice is not wrong).
 * prosp_erase() (prosp_crud.c) adds entries with reason "erasure".
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "email.h"
#include "phone.h"
#include "pnorm.h"
#include "prospects.h"
#include "req.h"
#include "resp.h"
#include "supp.h"

/* supp_kind_names, NULL-terminated for field_enum. */
static const char *const supp_kinds[] = { "email", "phone", "domain", NULL };
const struct field supp_fields[SP__MAX] = {
	[SP_KIND] = { "kind", field_enum, FIELD_REQ, 0, 0, supp_kinds },
	[SP_VALUE] = { "value", field_text, FIELD_REQ, 1, 2048, NULL },
};

/* The current row of a PS_SUPP_* select as the API shows it (new). */
static json_t *
supp_json(struct db *db)
{
	json_t	*o;

	o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", db_str(db, 0),
	    "kind", db_str(db, 1), "hint", db_str(db, 2), "reason",
	    db_str(db, 3), "created_at", db_str(db, 4));
	if (o == NULL)
		abort();
	return o;
}

int
prosp_supp_add(struct db *db, uint64_t user_id, enum supp_kind kind,
    const char *value, const char *reason, uint64_t *id)
{
	unsigned char	 hash[SUPP_HASH_LEN];
	char		 hint[SUPP_HINT_MAX + 1];
	int		 rc;

	supp_hash(hash, kind, value);
	supp_hint(hint, kind, value);
	rc = db_exec(db, PS_SUPP_INSERT, DB_ARGS(DB_INT(user_id),
	    DB_TEXT(supp_kind_names[kind]), DB_BLOB(hash, sizeof(hash)),
	    DB_TEXT(hint), DB_TEXT(reason)));
	if (rc == DB_OK && id != NULL)
		*id = db_last_id(db);
	if (rc == DB_CONFLICT && id != NULL) {
		/* Already listed: the existing entry. */
		if ((rc = db_one(db, PS_SUPP_BY_HASH, DB_ARGS(DB_BLOB(hash,
		    sizeof(hash))))) == DB_OK)
			*id = (uint64_t)db_int(db, 0);
		db_done(db);
		return rc == DB_OK ? DB_CONFLICT : rc;
	}
	return rc;
}

/*
 * The normalised form of value for kind into out (room for outlen), as
 * prospects are normalised: 0, or -1 after answering 422 on "value".
 */
static int
supp_normalise_or_reply(struct req *r, enum supp_kind kind, const char *value,
    char *out, size_t outlen)
{
	char		 region[3];
	unsigned	 flags = 0;
	int		 rc;

	switch (kind) {
	case SUPP_EMAIL:
		if (strlen(value) > EMAIL_MAX || !email_valid(value))
			break;
		email_key(out, value);
		return 0;
	case SUPP_PHONE:
		/* A national number is read in the account's region. */
		if ((rc = prosp_rec_region(r->db, region)) != DB_OK) {
			resp_db(r, rc);
			return -1;
		}
		if (phone_e164(out, value, region, &flags) == 0)
			return 0;
		resp_unprocessable(r, "value", "phone",
		    "This is not a valid phone number.");
		return -1;
	case SUPP_DOMAIN:
		if (outlen > PNORM_HOST_MAX && pnorm_website_host(out, value) == 0)
			return 0;
		resp_unprocessable(r, "value", "domain",
		    "This is not a domain name or a website address.");
		return -1;
	default:
		break;
	}
	resp_unprocessable(r, "value", "email", "This is not an e-mail address.");
	return -1;
}

int
supp_list(struct req *r)
{
	return rest_list(r, PS_SUPP_LIST, supp_json);
}

int
supp_create(struct req *r)
{
	const char	*kind = req_str(r, SP_KIND);
	char		 value[2048 + 1];
	uint64_t	 id = 0;
	size_t		 k;
	int		 rc;

	for (k = 0; k < SUPP__MAX; k++)
		if (strcmp(kind, supp_kind_names[k]) == 0)
			break;
	if (k == SUPP__MAX)		/* the field table allows no other */
		abort();
	if (supp_normalise_or_reply(r, (enum supp_kind)k, req_str(r, SP_VALUE),
	    value, sizeof(value)) == -1)
		return r->status;
	rc = prosp_supp_add(r->db, r->sess->user_id, (enum supp_kind)k, value,
	    "manual", &id);
	sodium_memzero(value, sizeof(value));
	if (rc != DB_OK && rc != DB_CONFLICT)
		return resp_db(r, rc);
	return rest_row_reply(r, rc == DB_OK ? 201 : 200, PS_SUPP_GET, id,
	    supp_json);
}

int
supp_delete(struct req *r)
{
	return rest_delete_or_404(r, PS_SUPP_DELETE);
}
