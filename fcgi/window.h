/*
 * Campaign sending windows in the campaign's own time zone: whether an
 * instant falls inside the window (the weekdays of campaign.window_days,
 * local time in [window_start, window_end)), when the window opens next,
 * the bounds of a local day (daily limits count messages per local day),
 * and the opening of the N-th sending day after today (wait steps count
 * sending days, docs/sequencing.md).
 *
 * Time zones are IANA names read from the system's TZ database
 * (/usr/share/zoneinfo, Debian's tzdata). The C library converts with the
 * process-wide TZ variable, so each conversion sets TZ, calls tzset(),
 * converts (localtime_r or mktime) and puts the previous TZ back, under a
 * mutex: callers on other threads that convert to local time at the same
 * moment would see the campaign's zone, which is why Prospea's programs
 * log and date mail in UTC only (gmtime_r). The sender is single-threaded.
 * Local times that a transition skips (02:30 on the spring-forward night)
 * are moved forward by mktime(); repeated ones take the first.
 */
#ifndef PROSPEA_WINDOW_H
#define PROSPEA_WINDOW_H

#include <stddef.h>
#include <time.h>

#define WINDOW_TZ_MAX	64	/* bytes of a zone name, NUL included */

/* A campaign's window. */
struct window {
	unsigned	 days;		/* bit d set: weekday d open (0 Sunday .. 6
					   Saturday, as struct tm's tm_wday) */
	int		 start, end;	/* seconds after local midnight, [start, end) */
	char		 tz[WINDOW_TZ_MAX]; /* IANA name, "Europe/Paris" */
};

/*
 * 1 if tz is an IANA zone name of the TZ database: 1 to 63 of
 * [A-Za-z0-9/_+-] (no leading '/' or '.', no "..", no "//": it names a
 * file) whose file is a zone (RFC 8536 "TZif"; a typo would otherwise
 * silently mean UTC), and none of localtime, posixrules, Factory, the posix/
 * and right/ trees. 0 otherwise. The campaigns handler (at save) and the sender
 * judge with this one rule.
 */
int	 window_tz_valid(const char *tz);

/*
 * The days of a window_days SET value ("mon,tue,wed"; "" is no day) as
 * struct window's days bits; -1 when a name is not one of sun..sat.
 */
int	 window_days_mask(const char *set);

/*
 * Fills w from a campaign row as MariaDB prints it: tz ("Europe/Paris"),
 * days (the SET "mon,tue,wed", may be empty: never open), start and end
 * ("09:00:00", TIME columns, 00:00:00 to 24:00:00). 0, or -1 when a value
 * is malformed or the zone unknown (w is then unusable).
 */
int	 window_parse(struct window *w, const char *tz, const char *days,
	    const char *start, const char *end);

/* The local time of t in zone tz into *out. 0, or -1 (bad zone, range). */
int	 window_local(const char *tz, time_t t, struct tm *out);

/*
 * The instant at local date year-mon-mday (as struct tm counts them:
 * years since 1900, months 0-11) plus secs seconds after local midnight,
 * in zone tz; (time_t)-1 when it cannot be represented or tz is bad.
 * Days and seconds may overflow their range (mday 32, secs 86400): they
 * are normalised, as mktime() does.
 */
time_t	 window_at(const char *tz, int year, int mon, int mday, long secs);

/* 1 if t is inside the window w. */
int	 window_is_open(const struct window *w, time_t t);

/*
 * The first instant at or after t when w is open: t itself when open,
 * else the next window start (today's if it is still to come on a
 * sending day, else the next sending day's). (time_t)-1 when w never
 * opens (no day, or start >= end).
 */
time_t	 window_next_open(const struct window *w, time_t t);

/*
 * The window start on the n-th sending day after t's local day (n >= 1;
 * today does not count even when it is a sending day): the due time of
 * a step after a wait of n sending days. (time_t)-1 when w never opens.
 */
time_t	 window_after_days(const struct window *w, time_t t, int n);

/*
 * The bounds of t's local day in zone tz: *from its first instant,
 * *to the first instant of the next day (23 or 25 hours later on a
 * transition day). 0, or -1 when tz is bad.
 */
int	 window_day(const char *tz, time_t t, time_t *from, time_t *to);

#endif
