/* Placeholder until the record rules land (scaffolding, not a feature). */
#include "config.h"

#include "prospects.h"

static const char *const prosp_rec_sql[PR__MAX] = {
	[PR_REGION] = "SELECT default_region FROM my_account",
	[PR_SUPPRESSED] = "SELECT 1", [PR_DUP_PLACE] = "SELECT 1",
	[PR_DUP_PHONE] = "SELECT 1", [PR_DUP_EMAIL] = "SELECT 1",
	[PR_DUP_HOST] = "SELECT 1", [PR_DUP_NAME] = "SELECT 1",
	[PR_EMAILS_GET] = "SELECT 1", [PR_INSERT] = "SELECT 1",
	[PR_MERGE] = "SELECT 1", [PR_TAG_INSERT] = "SELECT 1",
	[PR_NOTE_INSERT] = "SELECT 1",
};
const struct db_table prosp_rec_table = { prosp_rec_sql, PR_REGION, PR__MAX };
