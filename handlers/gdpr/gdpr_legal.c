/*
 * Public legal information: the privacy policy in force, which the JS app
 * shows at sign-up and whose version the sign-up must echo back.
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
