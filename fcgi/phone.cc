/*
 * Phone numbers through libphonenumber (phone.h). C++ only because the
 * library is: every entry point catches what the library may throw, so
 * callers in C never see an exception. Out of memory aborts, as
 * everywhere in the core (STYLE.md); anything else thrown reads as an
 * invalid number.
 */
#include "config.h"

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include <phonenumbers/phonenumberutil.h>

#include "phone.h"

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

namespace {

/*
 * The region code libphonenumber expects in buf (3 bytes): region upper
 * cased, or "ZZ" (unknown region: only numbers with a country code parse)
 * when region is NULL or not two ASCII letters.
 */
void
phone_region(char buf[3], const char *region)
{
	if (region == NULL || !isalpha((unsigned char)region[0]) ||
	    !isalpha((unsigned char)region[1]) || region[2] != '\0') {
		std::strcpy(buf, "ZZ");
		return;
	}
	buf[0] = (char)toupper((unsigned char)region[0]);
	buf[1] = (char)toupper((unsigned char)region[1]);
	buf[2] = '\0';
}

/* Skips ASCII blanks. */
const char *
phone_skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return s;
}

/*
 * 1 if text is a number in scientific notation as spreadsheets write it:
 * digits, an optional "." or "," and digits, "E" or "e", an optional sign
 * and digits, nothing else but blanks around.
 */
int
phone_scientific(const char *text)
{
	const char	*s = phone_skip_blanks(text);

	if (!isdigit((unsigned char)*s))
		return 0;
	while (isdigit((unsigned char)*s))
		s++;
	if (*s == '.' || *s == ',') {
		s++;
		while (isdigit((unsigned char)*s))
			s++;
	}
	if (*s != 'E' && *s != 'e')
		return 0;
	s++;
	if (*s == '+' || *s == '-')
		s++;
	if (!isdigit((unsigned char)*s))
		return 0;
	while (isdigit((unsigned char)*s))
		s++;
	return *phone_skip_blanks(s) == '\0';
}

/*
 * The digits of text into *digits when text is only digits (blanks
 * around allowed), as a spreadsheet's numeric cell gives them. 1 if so.
 */
int
phone_bare_digits(const char *text, std::string *digits)
{
	const char	*s = phone_skip_blanks(text);

	digits->clear();
	while (isdigit((unsigned char)*s))
		digits->push_back(*s++);
	return !digits->empty() && *phone_skip_blanks(s) == '\0';
}

/* Parses text for region; 1 if it is a valid number, then in *n. */
int
phone_parse(const PhoneNumberUtil &util, const std::string &text,
    const char *region, PhoneNumber *n)
{
	return util.Parse(text, region, n) == PhoneNumberUtil::NO_PARSING_ERROR &&
	    util.IsValidNumber(*n);
}

/* Parses an E.164 string ("+" and 1 to 15 digits); 1 if valid. */
int
phone_parse_e164(const PhoneNumberUtil &util, const char *e164,
    PhoneNumber *n)
{
	size_t	 len;

	if (e164 == NULL || e164[0] != '+')
		return 0;
	len = std::strlen(e164);
	if (len < 2 || len > PHONE_E164_MAX ||
	    std::strspn(e164 + 1, "0123456789") != len - 1)
		return 0;
	return phone_parse(util, e164, "ZZ", n);
}

int
phone_e164_do(char *out, const char *text, const char *region,
    unsigned *flags)
{
	const PhoneNumberUtil	&util = *PhoneNumberUtil::GetInstance();
	PhoneNumber		 n, r;
	std::string		 digits, prefix, e164, repaired;
	char			 reg[3];
	int			 ok;

	if (phone_scientific(text)) {
		*flags |= PHONE_SCIENTIFIC;
		return -1;
	}
	phone_region(reg, region);
	ok = phone_parse(util, text, reg, &n);

	/*
	 * A lost trunk prefix: only bare digits (what a numeric cell keeps)
	 * in a region whose national format starts with "0", read again with
	 * the 0 back. Kept when that is valid and the text alone is not, or
	 * when both are the same number (libphonenumber reads a national
	 * significant number without its prefix): a number that reads
	 * differently with and without the 0 (Italy keeps its 0) stays as
	 * written.
	 */
	if (phone_bare_digits(text, &digits) && digits[0] != '0') {
		util.GetNddPrefixForRegion(reg, true, &prefix);
		if (prefix == "0" && phone_parse(util, "0" + digits, reg, &r)) {
			util.Format(r, PhoneNumberUtil::E164, &repaired);
			if (ok)
				util.Format(n, PhoneNumberUtil::E164, &e164);
			if (!ok || e164 == repaired) {
				n = r;
				ok = 1;
				*flags |= PHONE_REPAIRED;
			}
		}
	}
	if (!ok)
		return -1;
	util.Format(n, PhoneNumberUtil::E164, &e164);
	if (e164.size() > PHONE_E164_MAX)
		return -1;
	std::memcpy(out, e164.c_str(), e164.size() + 1);
	return 0;
}

} // namespace

extern "C" int
phone_e164(char *out, const char *text, const char *region, unsigned *flags)
{
	unsigned	 f = 0;
	int		 rc = -1;

	out[0] = '\0';
	if (text != NULL) {
		try {
			rc = phone_e164_do(out, text, region, &f);
		} catch (const std::bad_alloc &) {
			std::abort();
		} catch (...) {
			rc = -1;
		}
	}
	if (rc == -1)
		out[0] = '\0';
	if (flags != NULL)
		*flags = rc == 0 ? f : f & PHONE_SCIENTIFIC;
	return rc;
}

extern "C" int
phone_region_ok(const char *region)
{
	char	 reg[3];

	phone_region(reg, region);
	try {
		return std::strcmp(reg, "ZZ") != 0 &&
		    PhoneNumberUtil::GetInstance()->GetCountryCodeForRegion(reg)
		    != 0;
	} catch (const std::bad_alloc &) {
		std::abort();
	} catch (...) {
		return 0;
	}
}

extern "C" int
phone_national(char *out, size_t outlen, const char *e164)
{
	PhoneNumber	 n;
	std::string	 s;

	if (outlen > 0)
		out[0] = '\0';
	try {
		const PhoneNumberUtil &util = *PhoneNumberUtil::GetInstance();

		if (!phone_parse_e164(util, e164, &n))
			return -1;
		util.Format(n, PhoneNumberUtil::NATIONAL, &s);
	} catch (const std::bad_alloc &) {
		std::abort();
	} catch (...) {
		return -1;
	}
	if (s.empty() || s.size() >= outlen)
		return -1;
	std::memcpy(out, s.c_str(), s.size() + 1);
	return 0;
}

extern "C" const char *
phone_type(const char *e164)
{
	PhoneNumber	 n;

	try {
		const PhoneNumberUtil &util = *PhoneNumberUtil::GetInstance();

		if (!phone_parse_e164(util, e164, &n))
			return "other";
		switch (util.GetNumberType(n)) {
		case PhoneNumberUtil::MOBILE:
			return "mobile";
		case PhoneNumberUtil::FIXED_LINE:
			return "fixed_line";
		default:
			return "other";
		}
	} catch (const std::bad_alloc &) {
		std::abort();
	} catch (...) {
		return "other";
	}
}
