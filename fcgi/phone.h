/*
 * Phone numbers as imports and sequences need them: text as people and
 * spreadsheets write it turned into ITU-T E.164 ("+33465711234"), the one
 * form stored, and E.164 turned back into the national format for display
 * and into a line type (SMS steps need mobiles). The numbering plans are
 * Google's libphonenumber metadata (C++), wrapped here behind a C
 * interface: no C++ exception crosses it.
 */
#ifndef PROSPEA_PHONE_H
#define PROSPEA_PHONE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "+" and at most 15 digits: ITU-T E.164 section 6.2.1. */
#define PHONE_E164_MAX	16

enum phone_flag {
	PHONE_REPAIRED = 1,	/* a lost leading 0 was read back */
	PHONE_SCIENTIFIC = 2,	/* the text is a spreadsheet's 3.34657E+10 */
};

/*
 * Reads text ("04 65 71 12 34", "+33 4 65 71 12 35", "0033 4 65 71 12 34",
 * "+33 (0)4 65 71 12 34", "04.65.71.12.34", "tel: 0465711234") and writes
 * its E.164 form to out (room for PHONE_E164_MAX + 1 bytes). region is
 * the ISO 3166-1 alpha-2 code ("FR", any case) of numbers written without
 * a country code; NULL, or a code libphonenumber does not know, means
 * only numbers with one ("+32 ...", "0032 ...") can be read.
 *
 * Returns 0 when the number is valid (libphonenumber's IsValidNumber: a
 * number range its numbering plan allocates), -1 with out set to "" when
 * it is not, or text is NULL.
 *
 * *flags (flags may be NULL) is set to the phone_flag bits that apply:
 * - PHONE_REPAIRED: text is a bare run of digits without the national
 *   (trunk) prefix "0" that the region's national format writes, as a
 *   spreadsheet leaves a number typed in a numeric cell ("465711234" for
 *   04 65 71 12 34), and with that 0 put back it is a valid number: the
 *   E.164 written is that number. libphonenumber already reads most such
 *   digits as a national significant number, so the flag does not change
 *   the result there; it tells the import the cell was damaged.
 * - PHONE_SCIENTIFIC: text is a number in scientific notation
 *   ("3.34657E+10", "4,65711E+08"): the spreadsheet kept 6 significant
 *   digits, so the number is lost and -1 is returned, never a guess.
 */
int	 phone_e164(char *out, const char *text, const char *region,
	    unsigned *flags);

/* 1 if region (ISO 3166-1 alpha-2, any case) has a numbering plan in the
 * metadata, 0 otherwise (NULL, "ZZ", "UK" -- the code is "GB"). */
int	 phone_region_ok(const char *region);

/*
 * Writes the valid E.164 number e164 in the national format of its
 * country, as people there read it ("04 65 71 12 34" for +33465711234,
 * "044 668 18 00" for +41446681800), to out (outlen bytes, 32 is always
 * enough). 0, or -1 when e164 is not a valid E.164 number or out is too
 * small (out then holds "").
 */
int	 phone_national(char *out, size_t outlen, const char *e164);

/*
 * The line type of an E.164 number: "mobile", "fixed_line", or "other"
 * (toll-free, shared cost, VoIP, pagers, plans that cannot tell mobiles
 * from fixed lines such as the NANP, invalid input). Static string.
 */
const char *phone_type(const char *e164);

#ifdef __cplusplus
}
#endif

#endif
