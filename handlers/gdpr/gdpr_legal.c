/*
 * Public legal information: the privacy policy in force, which the JS app
 * shows at sign-up and whose version the sign-up must echo back, and the
 * subprocessors that handle personal data for Prospea (GDPR art. 28(2)
 * and 13(1)(e)), from the subprocessor table.
 */
#include "config.h"

#include <jansson.h>

#include "gdpr.h"
#include "req.h"
#include "resp.h"

int
gdpr_privacy_policy(struct req *r)
{
	json_t	*body;
	int	 rc;

	if ((rc = db_one(r->db, GS_POLICY_CURRENT, DB_NOARGS)) != DB_OK)
		return resp_db(r, rc == DB_NONE ? DB_ERR : rc);
	body = json_pack("{s:s, s:s, s:s, s:s}", "version", db_str(r->db, 0),
	    "effective_at", db_str(r->db, 1), "text_url", db_str(r->db, 2),
	    "summary", db_str(r->db, 3));
	db_done(r->db);
	/*
	 * Public and the same for everyone, but sign-up must echo the version
	 * in force: caches revalidate rather than serve a stale one.
	 */
	resp_header(r, "Cache-Control", "no-cache");
	return resp_json(r, 200, body);
}

int
gdpr_subprocessors(struct req *r)
{
	json_t	*items;
	int	 rc;

	if ((rc = db_query(r->db, GS_SUBPROCESSORS, DB_NOARGS)) != DB_OK)
		return resp_db(r, rc);
	items = json_array();
	while ((rc = db_next(r->db)) == DB_OK)
		json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s, s:s}",
		    "name", db_str(r->db, 0), "purpose", db_str(r->db, 1),
		    "location", db_str(r->db, 2), "transfer_safeguard",
		    db_str(r->db, 3), "added_at", db_str(r->db, 4)));
	if (rc != DB_NONE) {
		json_decref(items);
		return resp_db(r, rc);
	}
	resp_header(r, "Cache-Control", "no-cache");
	return resp_json(r, 200, json_pack("{s:o}", "items", items));
}
