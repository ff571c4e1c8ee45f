/*
 * Anonymized product analytics (DESIGN.md section 3; the privacy policy's
 * "statistiques anonymisées"): an event is a fixed name, the hour it
 * happened (UTC) and the account's plan, nothing else — no user id, no
 * content, no address. Written only by the procedure analytics_emit()
 * (sql/migrations/0008_gdpr.sql), which reads the plan itself and drops
 * the event of a user who objected (user_account.objects_analytics_at,
 * PUT /gdpr/objections: GDPR art. 21), so no program reads either.
 * Programs that emit are granted EXECUTE on it (sql/grants.sql).
 */
#ifndef PROSPEA_ANALYTICS_H
#define PROSPEA_ANALYTICS_H

#include <stdint.h>

#include "db.h"

/* The only events there are: the names are the stored ones. */
enum analytics_event {
	AN_SIGNUP_COMPLETED,	/* an address verified: the account is usable */
	AN_PROSPECT_CREATED,	/* one prospect created by hand (POST /prospects) */
	AN_IMPORT_COMPLETED,	/* an import committed (request or importer) */
	AN_CAMPAIGN_CREATED,
	AN_CAMPAIGN_STARTED,
	AN_EMAIL_SENT,		/* a campaign e-mail accepted by the user's server */
	AN_SMS_SENT,		/* a campaign SMS accepted by the provider */
	AN__MAX
};

/* "signup_completed", "prospect_created"…, by event. */
extern const char *const analytics_names[AN__MAX];

/*
 * Statement ids above every program's own and plan.h's (PLAN_STMT_BASE),
 * so any program adds analytics_table to its tables as it is.
 */
#define ANALYTICS_STMT_BASE	1100
enum analytics_stmt {
	ANALYTICS_EMIT = ANALYTICS_STMT_BASE,
	ANALYTICS__MAX
};

extern const struct db_table analytics_table;

/*
 * Records event ev of user_id's account (the id only selects the plan and
 * the objection; it is not stored). Runs in the caller's transaction if
 * there is one, so a rolled-back action leaves no event. Never fails the
 * caller: a database error is logged and forgotten (analytics are not
 * worth an error to the user).
 */
void	 analytics_emit(struct db *db, uint64_t user_id,
	    enum analytics_event ev);

#endif
