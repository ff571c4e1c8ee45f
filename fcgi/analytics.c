/*
 * Anonymized analytics events. See analytics.h.
 */
#include "config.h"

#include "analytics.h"
#include "log.h"

const char *const analytics_names[AN__MAX] = {
	[AN_SIGNUP_COMPLETED] = "signup_completed",
	[AN_PROSPECT_CREATED] = "prospect_created",
	[AN_IMPORT_COMPLETED] = "import_completed",
	[AN_CAMPAIGN_CREATED] = "campaign_created",
	[AN_CAMPAIGN_STARTED] = "campaign_started",
	[AN_EMAIL_SENT] = "email_sent",
	[AN_SMS_SENT] = "sms_sent",
};

static const char *const analytics_sql[ANALYTICS__MAX] = {
	[ANALYTICS_EMIT] = "CALL analytics_emit(?, ?)",
};

const struct db_table analytics_table = { analytics_sql, ANALYTICS_EMIT,
    ANALYTICS__MAX };

void
analytics_emit(struct db *db, uint64_t user_id, enum analytics_event ev)
{
	int	 rc;

	if (ev < 0 || ev >= AN__MAX)
		return;
	rc = db_exec(db, ANALYTICS_EMIT, DB_ARGS(DB_INT(user_id),
	    DB_TEXT(analytics_names[ev])));
	/* DB_NONE: the user objected, or is gone; nothing to record. */
	if (rc != DB_OK && rc != DB_NONE)
		log_warn("analytics event %s not recorded (%d)",
		    analytics_names[ev], rc);
}
