/*
 * Phone numbers as people and spreadsheets write them, normalised to
 * E.164 (ITU-T E.164: "+", country code, national number, at most 15
 * digits) by libphonenumber, behind a C interface. Validity is
 * libphonenumber's IsValidNumber() for the number's region: a number
 * that only has the right length is not enough.
 */
#ifndef PROSPEA_PHONE_H
#define PROSPEA_PHONE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PHONE_E164_MAX	16	/* "+" and at most 15 digits */

enum phone_flag {
	PHONE_REPAIRED = 1,	/* a leading 0 restored (Excel ate it) */
	PHONE_SCIENTIFIC = 2,	/* "3.34657E+10": the digits are lost */
};

/*
 * Normalises text ("04 65 71 12 34", "+33 4 65 71 12 35", "0033 4…",
 * "+33 (0)4 …", "04.65.71.12.34", or "465711234", an Excel cell that lost
 * its leading 0) to E.164 in out (PHONE_E164_MAX + 1 bytes). region is
 * the ISO 3166-1 alpha-2 code for numbers written without a country code.
 * 0 when the result is a valid number; -1 with out "" otherwise. *flags
 * (may be NULL) gets PHONE_REPAIRED when a leading 0 had to be restored
 * (only when the text as written is not valid and the repaired number
 * is), PHONE_SCIENTIFIC when the text is a number in scientific notation.
 */
int		 phone_e164(char *out, const char *text, const char *region,
		    unsigned *flags);

/* 1 if libphonenumber knows the region code ("FR", "BE"…). */
int		 phone_region_ok(const char *region);

/*
 * An E.164 number in its country's national format ("04 65 71 12 34"),
 * into out (outlen bytes). 0, or -1 when e164 does not parse or the
 * result does not fit.
 */
int		 phone_national(char *out, size_t outlen, const char *e164);

/* "mobile", "fixed_line" or "other" (SMS steps need mobiles). Static. */
const char	*phone_type(const char *e164);

#ifdef __cplusplus
}
#endif

#endif
