/*
 * Unit tests of window.c against instants worked out independently
 * (Python's zoneinfo, March 2026: Wednesday the 25th, summer time from
 * Sunday the 29th at 02:00 in Paris): zone names, parsing a campaign row,
 * open or not, the next opening (later today, tomorrow, after a weekend,
 * across the change to summer time), the n-th sending day, local days of
 * 23 and 25 hours, another zone, and TZ given back as it was.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "window.h"

/* Instants (UTC seconds) of local times in Europe/Paris. */
#define WED_0800	1774422000	/* 2026-03-25 08:00 CET */
#define WED_085959	1774425599
#define WED_0900	1774425600
#define WED_1800	1774458000
#define WED_1900	1774461600
#define THU_0900	1774512000
#define FRI_0900	1774598400
#define FRI_1900	1774634400
#define SAT_1000	1774688400
#define SAT_1900	1774720800
#define SUN_0000	1774738800	/* 2026-03-29: 23 hours long */
#define SUN_0900	1774767600	/* CEST already */
#define MON_0000	1774821600
#define MON_0900	1774854000
#define TUE_0900	1774940400
#define MON23_0900	1774252800	/* 2026-03-23 */
#define MON23_1000	1774256400
#define OCT25_0000	1792879200	/* 2026-10-25: 25 hours long */
#define OCT26_0000	1792969200
#define NY_WED_0900	1774443600	/* 2026-03-25 09:00 in New York */

static struct window	 office;	/* mon-fri 09:00-18:00, Paris */

static int
setup(void **state)
{
	(void)state;
	return window_parse(&office, "Europe/Paris", "mon,tue,wed,thu,fri",
	    "09:00:00", "18:00:00");
}

static void
test_zone_names(void **state)
{
	(void)state;
	assert_true(window_tz_valid("Europe/Paris"));
	assert_true(window_tz_valid("America/New_York"));
	assert_true(window_tz_valid("UTC"));
	assert_false(window_tz_valid(""));
	assert_false(window_tz_valid("Europe"));		/* a folder */
	assert_false(window_tz_valid("Nowhere/Town"));
	assert_false(window_tz_valid("/etc/passwd"));
	assert_false(window_tz_valid("Europe/../../../etc/passwd"));
	assert_false(window_tz_valid("Europe/Paris\n"));
	assert_false(window_tz_valid("Europe/Paris xx"));
	/* Files that are no IANA zone name, or no zone at all. */
	assert_false(window_tz_valid("localtime"));
	assert_false(window_tz_valid("posixrules"));
	assert_false(window_tz_valid("Factory"));
	assert_false(window_tz_valid("posix/Europe/Paris"));
	assert_false(window_tz_valid("right/Europe/Paris"));
	assert_false(window_tz_valid("zone.tab"));
	assert_false(window_tz_valid("Europe//Paris"));
}

static void
test_parse(void **state)
{
	struct window	 w;

	(void)state;
	assert_int_equal(office.days, 0x3e);
	assert_int_equal(office.start, 9 * 3600);
	assert_int_equal(office.end, 18 * 3600);
	assert_string_equal(office.tz, "Europe/Paris");
	assert_int_equal(window_parse(&w, "UTC", "", "00:00:00", "24:00:00"), 0);
	assert_int_equal(w.days, 0);
	assert_int_equal(w.end, 86400);
	assert_int_equal(window_parse(&w, "UTC", "sun,sat", "08:30:00.000000",
	    "12:00:00"), 0);
	assert_int_equal(w.days, 0x41);
	assert_int_equal(w.start, 8 * 3600 + 1800);
	assert_int_equal(window_parse(&w, "UTC", "funday", "09:00:00",
	    "18:00:00"), -1);
	assert_int_equal(window_parse(&w, "UTC", "mon", "25:00:00", "26:00:00"), -1);
	assert_int_equal(window_parse(&w, "UTC", "mon", "09:60:00", "18:00:00"), -1);
	assert_int_equal(window_parse(&w, "UTC", "mon", "9h", "18:00:00"), -1);
	assert_int_equal(window_parse(&w, "Mars/Olympus", "mon", "09:00:00",
	    "18:00:00"), -1);
}

static void
test_open(void **state)
{
	(void)state;
	assert_true(window_is_open(&office, WED_0900));
	assert_true(window_is_open(&office, WED_1800 - 1));
	assert_false(window_is_open(&office, WED_085959));
	assert_false(window_is_open(&office, WED_1800));	/* [start, end) */
	assert_false(window_is_open(&office, SAT_1000));
	assert_true(window_is_open(&office, MON_0900));
}

static void
test_next_open(void **state)
{
	struct window	 w = office;

	(void)state;
	assert_int_equal(window_next_open(&office, WED_0800), WED_0900);
	assert_int_equal(window_next_open(&office, WED_0900 + 60), WED_0900 + 60);
	assert_int_equal(window_next_open(&office, WED_1900), THU_0900);
	assert_int_equal(window_next_open(&office, FRI_1900), MON_0900);
	assert_int_equal(window_next_open(&office, SAT_1000), MON_0900);
	/* Every day: Saturday evening to Sunday, already in summer time. */
	w.days = 0x7f;
	assert_int_equal(window_next_open(&w, SAT_1900), SUN_0900);
	w.days = 0;
	assert_int_equal(window_next_open(&w, WED_0800), -1);
	w.days = 0x3e;
	w.start = w.end;
	assert_int_equal(window_next_open(&w, WED_0800), -1);
}

static void
test_sending_days(void **state)
{
	(void)state;
	/* Today never counts, sent in the window or not. */
	assert_int_equal(window_after_days(&office, MON23_1000, 2), WED_0900);
	assert_int_equal(window_after_days(&office, WED_0800, 1), THU_0900);
	assert_int_equal(window_after_days(&office, WED_0900, 2), FRI_0900);
	/* Weekends are not sending days. */
	assert_int_equal(window_after_days(&office, WED_1900, 3), MON_0900);
	assert_int_equal(window_after_days(&office, FRI_1900, 1), MON_0900);
	assert_int_equal(window_after_days(&office, FRI_0900, 2), TUE_0900);
	assert_int_equal(window_after_days(&office, SAT_1000, 1), MON_0900);
	/* Across the change of time: still 09:00 on the wall. */
	assert_int_equal(window_after_days(&office, MON23_0900, 5), MON_0900);
	assert_int_equal(window_after_days(&office, WED_0900, 0), -1);
}

static void
test_days(void **state)
{
	time_t	 from, to;

	(void)state;
	assert_int_equal(window_day("Europe/Paris", SUN_0900, &from, &to), 0);
	assert_int_equal(from, SUN_0000);
	assert_int_equal(to, MON_0000);
	assert_int_equal(to - from, 23 * 3600);
	assert_int_equal(window_day("Europe/Paris", OCT25_0000 + 3600, &from, &to), 0);
	assert_int_equal(from, OCT25_0000);
	assert_int_equal(to, OCT26_0000);
	assert_int_equal(to - from, 25 * 3600);
	assert_int_equal(window_day("Nowhere/Town", SUN_0900, &from, &to), -1);
}

static void
test_other_zone(void **state)
{
	struct window	 w;
	struct tm	 tm;

	(void)state;
	assert_int_equal(window_parse(&w, "America/New_York", "wed", "09:00:00",
	    "17:00:00"), 0);
	assert_false(window_is_open(&w, WED_0900));	/* 04:00 in New York */
	assert_int_equal(window_next_open(&w, WED_0900), NY_WED_0900);
	assert_int_equal(window_local("America/New_York", NY_WED_0900, &tm), 0);
	assert_int_equal(tm.tm_hour, 9);
	assert_int_equal(tm.tm_wday, 3);
}

static void
test_tz_restored(void **state)
{
	struct tm	 tm;

	(void)state;
	setenv("TZ", "Asia/Tokyo", 1);
	assert_int_equal(window_local("Europe/Paris", WED_0900, &tm), 0);
	assert_int_equal(tm.tm_hour, 9);
	assert_string_equal(getenv("TZ"), "Asia/Tokyo");
	unsetenv("TZ");
	assert_true(window_is_open(&office, WED_0900));
	assert_null(getenv("TZ"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zone_names),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_next_open),
		cmocka_unit_test(test_sending_days),
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_other_zone),
		cmocka_unit_test(test_tz_restored),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
