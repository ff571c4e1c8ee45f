/*
 * Sending windows and local days in a campaign's time zone (window.h):
 * TZ is set for the length of one conversion, under a mutex, and put back.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "window.h"

#define WINDOW_DAY	86400

static pthread_mutex_t window_mu = PTHREAD_MUTEX_INITIALIZER;

/* The weekday names of MariaDB's SET column, in tm_wday order. */
static const char *const window_days[7] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat"
};

int
window_tz_valid(const char *tz)
{
	const char	*dir = getenv("TZDIR");
	char		 path[512], magic[4];
	FILE		*f;
	size_t		 n = strlen(tz), got;

	/* A name, never a path of our choosing. */
	if (n == 0 || n >= WINDOW_TZ_MAX || tz[0] == '/' || tz[0] == '.' ||
	    strstr(tz, "..") != NULL || strstr(tz, "//") != NULL ||
	    strspn(tz, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789/_+-") != n)
		return 0;
	/*
	 * Not the files that are no IANA zone name: the host's own zone
	 * (localtime, which would differ between hosts), POSIX rule
	 * defaults (posixrules), Factory, and the posix/ and right/ trees
	 * (right/ counts leap seconds: 27 s off).
	 */
	if (strcmp(tz, "localtime") == 0 || strcmp(tz, "posixrules") == 0 ||
	    strcmp(tz, "Factory") == 0 || strncmp(tz, "posix/", 6) == 0 ||
	    strncmp(tz, "right/", 6) == 0)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir != NULL && *dir != '\0' ?
	    dir : "/usr/share/zoneinfo", tz);
	/* A zone file (RFC 8536), not a folder or one of the tables. */
	if ((f = fopen(path, "rb")) == NULL)
		return 0;
	got = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	return got == sizeof(magic) && memcmp(magic, "TZif", 4) == 0;
}

/*
 * Makes tz the process's zone until window_tz_leave(); *old keeps the
 * previous TZ (owned, or NULL when it was unset).
 */
static void
window_tz_enter(const char *tz, char **old)
{
	const char	*o;

	pthread_mutex_lock(&window_mu);
	o = getenv("TZ");
	*old = NULL;
	if (o != NULL && (*old = strdup(o)) == NULL)
		abort();
	if (setenv("TZ", tz, 1) == -1)
		abort();
	tzset();
}

static void
window_tz_leave(char *old)
{
	if (old != NULL) {
		if (setenv("TZ", old, 1) == -1)
			abort();
		free(old);
	} else
		unsetenv("TZ");
	tzset();
	pthread_mutex_unlock(&window_mu);
}

int
window_local(const char *tz, time_t t, struct tm *out)
{
	char	*old;
	int	 ok;

	if (!window_tz_valid(tz))
		return -1;
	window_tz_enter(tz, &old);
	ok = localtime_r(&t, out) != NULL;
	window_tz_leave(old);
	return ok ? 0 : -1;
}

time_t
window_at(const char *tz, int year, int mon, int mday, long secs)
{
	struct tm	 tm;
	char		*old;
	time_t		 t;

	if (!window_tz_valid(tz) || secs < 0 || secs > 2L * WINDOW_DAY)
		return (time_t)-1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year;
	tm.tm_mon = mon;
	tm.tm_mday = mday;
	tm.tm_hour = (int)(secs / 3600);
	tm.tm_min = (int)(secs / 60 % 60);
	tm.tm_sec = (int)(secs % 60);
	tm.tm_isdst = -1;	/* whatever the zone says on that date */
	window_tz_enter(tz, &old);
	t = mktime(&tm);
	window_tz_leave(old);
	return t;
}

/* "HH:MM:SS" (an optional fraction ignored) as seconds, 0 to 86400; -1: bad. */
static long
window_secs(const char *s)
{
	int	 h, m, sec, n = 0;

	if (s == NULL || sscanf(s, "%2d:%2d:%2d%n", &h, &m, &sec, &n) != 3 ||
	    (s[n] != '\0' && s[n] != '.') || h < 0 || m < 0 || m > 59 ||
	    sec < 0 || sec > 59)
		return -1;
	if (h * 3600L + m * 60L + sec > WINDOW_DAY)
		return -1;
	return h * 3600L + m * 60L + sec;
}

int
window_days_mask(const char *set)
{
	const char	*p = set;
	size_t		 n;
	int		 d, mask = 0;

	if (set == NULL)
		return -1;
	while (*p != '\0') {
		n = strcspn(p, ",");
		for (d = 0; d < 7; d++)
			if (n == 3 && strncmp(p, window_days[d], 3) == 0)
				break;
		if (d == 7)
			return -1;
		mask |= 1 << d;
		p += n;
		if (*p == ',')
			p++;
	}
	return mask;
}

int
window_parse(struct window *w, const char *tz, const char *days,
    const char *start, const char *end)
{
	int	 mask;
	long	 s, e;

	memset(w, 0, sizeof(*w));
	if (tz == NULL || !window_tz_valid(tz) ||
	    (mask = window_days_mask(days)) == -1 ||
	    (s = window_secs(start)) == -1 || (e = window_secs(end)) == -1)
		return -1;
	w->days = (unsigned)mask;
	w->start = (int)s;
	w->end = (int)e;
	snprintf(w->tz, sizeof(w->tz), "%s", tz);
	return 0;
}

/* Seconds after local midnight of a broken-down time. */
static long
window_tod(const struct tm *tm)
{
	return tm->tm_hour * 3600L + tm->tm_min * 60L + tm->tm_sec;
}

int
window_is_open(const struct window *w, time_t t)
{
	struct tm	 tm;
	long		 s;

	if (window_local(w->tz, t, &tm) == -1)
		return 0;
	s = window_tod(&tm);
	return (w->days >> tm.tm_wday & 1) && s >= w->start && s < w->end;
}

/* 1 if w opens at all. */
static int
window_ever(const struct window *w)
{
	return (w->days & 0x7f) != 0 && w->start < w->end;
}

time_t
window_next_open(const struct window *w, time_t t)
{
	struct tm	 tm;
	int		 i;

	if (!window_ever(w) || window_local(w->tz, t, &tm) == -1)
		return (time_t)-1;
	if (window_is_open(w, t))
		return t;
	for (i = 0; i <= 7; i++) {
		if (!(w->days >> ((tm.tm_wday + i) % 7) & 1))
			continue;
		if (i == 0 && window_tod(&tm) >= w->start)
			continue;	/* today's window is over */
		return window_at(w->tz, tm.tm_year, tm.tm_mon, tm.tm_mday + i,
		    w->start);
	}
	return (time_t)-1;
}

time_t
window_after_days(const struct window *w, time_t t, int n)
{
	struct tm	 tm;
	int		 i, count = 0;

	if (!window_ever(w) || n < 1 || window_local(w->tz, t, &tm) == -1)
		return (time_t)-1;
	for (i = 1; i <= 7 * n + 7; i++)
		if ((w->days >> ((tm.tm_wday + i) % 7) & 1) && ++count == n)
			return window_at(w->tz, tm.tm_year, tm.tm_mon,
			    tm.tm_mday + i, w->start);
	return (time_t)-1;
}

int
window_day(const char *tz, time_t t, time_t *from, time_t *to)
{
	struct tm	 tm;

	if (window_local(tz, t, &tm) == -1)
		return -1;
	*from = window_at(tz, tm.tm_year, tm.tm_mon, tm.tm_mday, 0);
	*to = window_at(tz, tm.tm_year, tm.tm_mon, tm.tm_mday + 1, 0);
	return *from == (time_t)-1 || *to == (time_t)-1 ? -1 : 0;
}
