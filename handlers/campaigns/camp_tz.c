/*
 * A campaign's clock: its IANA time zone (checked against the system's
 * tz database, /usr/share/zoneinfo), its sending window (days of the week
 * and opening time) and the instants the campaigns handler derives from
 * them: the bounds of "today" for the call list, a wait step's or a
 * callback's due time at a window opening (docs/sequencing.md). MariaDB
 * has no time zone tables here, so the C library does the arithmetic:
 * localtime_r() and mktime() under TZ set for the call, then TZ as it was.
 * Handler children are single-threaded, which is what makes that safe.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "campaigns.h"


static const char *const camp_tz_days[7] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat"	/* tm_wday order */
};

unsigned int
camp_tz_days_mask(const char *set)
{
	unsigned int	 mask = 0;
	size_t		 i;
	const char	*p = set;

	while (p != NULL && *p != '\0') {
		for (i = 0; i < 7; i++)
			if (strncmp(p, camp_tz_days[i], 3) == 0 &&
			    (p[3] == ',' || p[3] == '\0'))
				mask |= 1u << i;
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	return mask;
}

/* The TZ of the process before camp_tz_enter(), restored by _leave(). */
static char	*camp_tz_saved;
static int	 camp_tz_had;

static void
camp_tz_enter(const char *tz)
{
	char		 buf[CAMP_TZ_MAX + 2];
	const char	*cur = getenv("TZ");

	free(camp_tz_saved);
	camp_tz_saved = NULL;
	if ((camp_tz_had = cur != NULL) && (camp_tz_saved = strdup(cur)) == NULL)
		abort();
	snprintf(buf, sizeof(buf), ":%s", tz);
	if (setenv("TZ", buf, 1) == -1)
		abort();
	tzset();
}

static void
camp_tz_leave(void)
{
	if (camp_tz_had)
		setenv("TZ", camp_tz_saved, 1);
	else
		unsetenv("TZ");
	tzset();
}

void
camp_tz_day(const char *tz, time_t now, time_t *start, time_t *end)
{
	struct tm	 tm;

	camp_tz_enter(tz);
	localtime_r(&now, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	*start = mktime(&tm);
	localtime_r(&now, &tm);
	tm.tm_mday++;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	*end = mktime(&tm);
	camp_tz_leave();
}

time_t
camp_tz_opening(const char *tz, time_t now, unsigned int days, int minute,
    int nth)
{
	struct tm	 base, tm;
	time_t		 t = now;
	int		 d, found = 0;

	if ((days & 0x7f) == 0 || nth < 1)
		return now;
	camp_tz_enter(tz);
	localtime_r(&now, &base);
	/* Seven days hold every sending day of a week at least once. */
	for (d = 1; d <= 7 * (nth + 1); d++) {
		tm = base;
		tm.tm_mday += d;
		tm.tm_hour = minute / 60;
		tm.tm_min = minute % 60;
		tm.tm_sec = 0;
		tm.tm_isdst = -1;
		t = mktime(&tm);	/* normalises, and sets tm_wday */
		if ((days & (1u << tm.tm_wday)) && ++found == nth)
			break;
	}
	camp_tz_leave();
	return t;
}

int
camp_tz_local(const char *tz, const struct tm *local, time_t *out)
{
	struct tm	 tm = *local;

	camp_tz_enter(tz);
	tm.tm_isdst = -1;
	*out = mktime(&tm);
	camp_tz_leave();
	return *out == (time_t)-1 ? -1 : 0;
}
