/*
 * The notice of a privacy policy change, in French, as every account gets
 * it: by e-mail when an admin publishes a version (at least 30 days ahead,
 * handlers/admin), and at sign-up for a version published but not yet in
 * force, so that no account misses its notice period (handlers/auth).
 * Pure text work; strings returned are owned (free()); out of memory
 * aborts.
 */
#ifndef PROSPEA_POLICY_H
#define PROSPEA_POLICY_H

#include <time.h>

/* The notice's subject line. */
extern const char policy_notice_subject[];

/*
 * The notice's text: a greeting (first_name may be NULL: none), the new
 * version, the instant it takes effect (effective, seconds since the
 * epoch, written as a French date in UTC), the summary, the link to the
 * full text, and what happens then (acceptance at the first sign-in after
 * that date).
 */
char	*policy_notice_text(const char *first_name, const char *version,
	    time_t effective, const char *summary, const char *text_url);

#endif
