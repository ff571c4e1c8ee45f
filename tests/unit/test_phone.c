/*
 * Unit tests of phone.cc: a table of texts as people and spreadsheets
 * write phone numbers (France, Belgium, Switzerland, with and without a
 * country code, with another default region) and the E.164 number and
 * flags phone_e164() must give, including the leading 0 a numeric cell
 * loses, scientific notation and junk; then the region check, the
 * national format and the line type.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "unit.h"

#include "phone.h"

struct phone_case {
	const char	*text;
	const char	*region;
	const char	*e164;		/* NULL: -1 expected */
	unsigned	 flags;
};

static const struct phone_case phone_cases[] = {
	/* France, as written */
	{ "04 65 71 12 34", "FR", "+33465711234", 0 },
	{ "0465711234", "FR", "+33465711234", 0 },
	{ "04.65.71.12.34", "FR", "+33465711234", 0 },
	{ "04-65-71-12-34", "FR", "+33465711234", 0 },
	{ " 04 65 71 12 34 ", "FR", "+33465711234", 0 },
	{ "+33 4 65 71 12 35", "FR", "+33465711235", 0 },
	{ "+33465711235", "FR", "+33465711235", 0 },
	{ "0033 4 65 71 12 34", "FR", "+33465711234", 0 },
	{ "+33 (0)4 65 71 12 34", "FR", "+33465711234", 0 },
	{ "tel: 04 65 71 12 34", "FR", "+33465711234", 0 },
	{ "06 12 34 56 78", "FR", "+33612345678", 0 },
	{ "06 12 34 56 78", "fr", "+33612345678", 0 },
	{ "0800 123 456", "FR", "+33800123456", 0 },
	/* A numeric cell lost the leading 0 */
	{ "465711234", "FR", "+33465711234", PHONE_REPAIRED },
	{ "612345678", "FR", "+33612345678", PHONE_REPAIRED },
	{ " 465711234 ", "FR", "+33465711234", PHONE_REPAIRED },
	/* ... but a country code without its "+" is not a lost 0 */
	{ "33465711234", "FR", "+33465711234", 0 },
	/* Scientific notation: digits are gone */
	{ "3.34657E+10", "FR", NULL, PHONE_SCIENTIFIC },
	{ "4,65711E+08", "FR", NULL, PHONE_SCIENTIFIC },
	{ "4.65711e8", "FR", NULL, PHONE_SCIENTIFIC },
	{ "3E+10", "FR", NULL, PHONE_SCIENTIFIC },
	/* Belgium */
	{ "0470 12 34 56", "BE", "+32470123456", 0 },
	{ "02 555 12 12", "BE", "+3225551212", 0 },
	{ "470123456", "BE", "+32470123456", PHONE_REPAIRED },
	{ "+32 470 12 34 56", "FR", "+32470123456", 0 },
	{ "0032 2 555 12 12", "FR", "+3225551212", 0 },
	{ "02 555 12 12", "FR", NULL, 0 },	/* not a French number */
	/* Switzerland */
	{ "044 668 18 00", "CH", "+41446681800", 0 },
	{ "446681800", "CH", "+41446681800", PHONE_REPAIRED },
	{ "+41 44 668 18 00", "FR", "+41446681800", 0 },
	{ "0041 44 668 18 00", "BE", "+41446681800", 0 },
	/* Elsewhere, with a country code */
	{ "+1 650 253 0000", "FR", "+16502530000", 0 },
	/* No default region: only numbers with a country code */
	{ "+33 4 65 71 12 34", NULL, "+33465711234", 0 },
	{ "04 65 71 12 34", NULL, NULL, 0 },
	{ "465711234", NULL, NULL, 0 },
	{ "+33465711234", "XX", "+33465711234", 0 },
	{ "0465711234", "XX", NULL, 0 },
	{ "0465711234", "FRA", NULL, 0 },
	/* Junk */
	{ "", "FR", NULL, 0 },
	{ "   ", "FR", NULL, 0 },
	{ "N/A", "FR", NULL, 0 },
	{ "abc", "FR", NULL, 0 },
	{ "12", "FR", NULL, 0 },
	{ "04 65 71 12", "FR", NULL, 0 },
	{ "04 65 71 12 34 56 78", "FR", NULL, 0 },
	{ "04 65 71 12 34 / 06 12 34 56 78", "FR", NULL, 0 },
	{ "0000000000", "FR", NULL, 0 },
	{ "+", "FR", NULL, 0 },
	{ "+33", "FR", NULL, 0 },
	{ "E+10", "FR", NULL, 0 },
	{ "contact@epi-dor.example", "FR", NULL, 0 },
};

static void
test_phone_table(void **state)
{
	const struct phone_case	*c;
	char			 out[PHONE_E164_MAX + 1];
	unsigned		 flags;
	size_t			 i, bad = 0;
	int			 rc;

	for (i = 0; i < sizeof(phone_cases) / sizeof(phone_cases[0]); i++) {
		c = &phone_cases[i];
		memset(out, 'x', sizeof(out));
		flags = 99;
		rc = phone_e164(out, c->text, c->region, &flags);
		if (rc != (c->e164 != NULL ? 0 : -1) ||
		    strcmp(out, c->e164 != NULL ? c->e164 : "") != 0 ||
		    flags != c->flags) {
			fprintf(stderr, "phone_e164(\"%s\", %s): got %d \"%s\" "
			    "flags %u, expected \"%s\" flags %u\n", c->text,
			    c->region != NULL ? c->region : "NULL", rc, out, flags,
			    c->e164 != NULL ? c->e164 : "(none)", c->flags);
			bad++;
		}
		/* Without flags, the same number. */
		rc = phone_e164(out, c->text, c->region, NULL);
		if (rc != (c->e164 != NULL ? 0 : -1))
			bad++;
	}
	assert_int_equal(bad, 0);
}

static void
test_phone_null(void **state)
{
	char		 out[PHONE_E164_MAX + 1] = "junk";
	unsigned	 flags = 99;

	assert_int_equal(phone_e164(out, NULL, "FR", &flags), -1);
	assert_string_equal(out, "");
	assert_int_equal(flags, 0);
}

static void
test_phone_region_ok(void **state)
{
	assert_int_equal(phone_region_ok("FR"), 1);
	assert_int_equal(phone_region_ok("fr"), 1);
	assert_int_equal(phone_region_ok("BE"), 1);
	assert_int_equal(phone_region_ok("CH"), 1);
	assert_int_equal(phone_region_ok("GB"), 1);
	assert_int_equal(phone_region_ok("UK"), 0);
	assert_int_equal(phone_region_ok("ZZ"), 0);
	assert_int_equal(phone_region_ok("XX"), 0);
	assert_int_equal(phone_region_ok("FRA"), 0);
	assert_int_equal(phone_region_ok("F"), 0);
	assert_int_equal(phone_region_ok(""), 0);
	assert_int_equal(phone_region_ok("3F"), 0);
	assert_int_equal(phone_region_ok(NULL), 0);
}

static void
test_phone_national(void **state)
{
	char	 out[32];

	assert_int_equal(phone_national(out, sizeof(out), "+33465711234"), 0);
	assert_string_equal(out, "04 65 71 12 34");
	assert_int_equal(phone_national(out, sizeof(out), "+33612345678"), 0);
	assert_string_equal(out, "06 12 34 56 78");
	assert_int_equal(phone_national(out, sizeof(out), "+41446681800"), 0);
	assert_string_equal(out, "044 668 18 00");
	assert_int_equal(phone_national(out, sizeof(out), "+32470123456"), 0);
	assert_string_equal(out, "0470 12 34 56");
	/* Just enough room, then one byte short. */
	assert_int_equal(phone_national(out, 15, "+33465711234"), 0);
	assert_string_equal(out, "04 65 71 12 34");
	assert_int_equal(phone_national(out, 14, "+33465711234"), -1);
	assert_string_equal(out, "");
	/* Not E.164, or not valid. */
	assert_int_equal(phone_national(out, sizeof(out), "0465711234"), -1);
	assert_string_equal(out, "");
	assert_int_equal(phone_national(out, sizeof(out), "+33 4 65 71 12 34"),
	    -1);
	assert_int_equal(phone_national(out, sizeof(out), "+3312"), -1);
	assert_int_equal(phone_national(out, sizeof(out), "+"), -1);
	assert_int_equal(phone_national(out, sizeof(out),
	    "+3346571123412345678"), -1);
	assert_int_equal(phone_national(out, sizeof(out), NULL), -1);
}

static void
test_phone_type(void **state)
{
	assert_string_equal(phone_type("+33612345678"), "mobile");
	assert_string_equal(phone_type("+33756781234"), "mobile");
	assert_string_equal(phone_type("+32470123456"), "mobile");
	assert_string_equal(phone_type("+33465711234"), "fixed_line");
	assert_string_equal(phone_type("+41446681800"), "fixed_line");
	assert_string_equal(phone_type("+33800123456"), "other");
	/* The NANP cannot tell mobiles from fixed lines. */
	assert_string_equal(phone_type("+16502530000"), "other");
	assert_string_equal(phone_type("0612345678"), "other");
	assert_string_equal(phone_type("+3312"), "other");
	assert_string_equal(phone_type(""), "other");
	assert_string_equal(phone_type(NULL), "other");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_table),
		cmocka_unit_test(test_phone_null),
		cmocka_unit_test(test_phone_region_ok),
		cmocka_unit_test(test_phone_national),
		cmocka_unit_test(test_phone_type),
	};

	return cmocka_run_group_tests_name("phone", tests, NULL, NULL);
}
