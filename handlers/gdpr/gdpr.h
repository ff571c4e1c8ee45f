/*
 * The gdpr route group (/api/v1/account, /api/v1/gdpr/..., /api/v1/legal/...).
 * For now its public route: the privacy policy in force.
 */
#ifndef PROSPEA_GDPR_H
#define PROSPEA_GDPR_H

#include "db.h"
#include "sess.h"

enum gdpr_stmt {
	GS_POLICY_CURRENT = SESS__MAX,
	GS__MAX
};

extern const struct db_table gdpr_table;

struct req;

int	gdpr_privacy_policy(struct req *);

#endif
