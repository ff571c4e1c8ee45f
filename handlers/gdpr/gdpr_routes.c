/*
 * The gdpr group's routes and SQL.
 */
#include "config.h"

#include <stddef.h>

#include "gdpr.h"
#include "route.h"

const struct route gdpr_routes[] = {
	{ M_GET, "/api/v1/legal/privacy-policy", gdpr_privacy_policy, 0, NULL, 0, 0 },
	{ 0, NULL, NULL, 0, NULL, 0, 0 }
};

static const char *const gdpr_sql[GS__MAX] = {
	[GS_POLICY_CURRENT] =
	    "SELECT version, DATE_FORMAT(effective_at, '%Y-%m-%dT%H:%i:%sZ'), "
	    "text_url, summary FROM policy_version WHERE effective_at <= NOW(3) "
	    "ORDER BY effective_at DESC, id DESC LIMIT 1",
};

const struct db_table gdpr_table = { gdpr_sql, GS_POLICY_CURRENT, GS__MAX };
