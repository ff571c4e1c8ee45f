/*
 * phone.h over libphonenumber (Debian's libphonenumber 8.12). No C++
 * exception crosses the C interface: every entry point catches them all.
 */
#include "config.h"

#include <cctype>
#include <cstring>
#include <string>

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include "phone.h"

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

/*
 * 1 if s is a number in scientific notation as spreadsheets print big
 * numbers: digits, one '.' or ',', digits, 'E' or 'e', an optional sign,
 * digits ("3.34657E+10", "4,65711E+08").
 */
static int
phone_scientific(const char *s)
{
	int	 digits = 0;

	while (*s == ' ')
		s++;
	while (isdigit((unsigned char)*s))
		s++, digits++;
	if (*s == '.' || *s == ',') {
		s++;
		while (isdigit((unsigned char)*s))
			s++, digits++;
	}
	if (digits == 0 || (*s != 'E' && *s != 'e'))
		return 0;
	s++;
	if (*s == '+' || *s == '-')
		s++;
	if (!isdigit((unsigned char)*s))
		return 0;
	while (isdigit((unsigned char)*s))
		s++;
	while (*s == ' ')
		s++;
	return *s == '\0';
}

/*
 * The E.164 form of text for region, if it is a valid number. *trunk
 * (may be NULL) tells whether the national form of the number starts
 * with a trunk prefix ("0" in France) that the text did not write.
 */
static bool
phone_parse(const std::string &text, const std::string &region, std::string *out,
    bool *trunk)
{
	PhoneNumberUtil	*u = PhoneNumberUtil::GetInstance();
	PhoneNumber	 n;
	std::string	 ndd;
	size_t		 i;

	if (u->Parse(text, region, &n) != PhoneNumberUtil::NO_PARSING_ERROR ||
	    !u->IsValidNumber(n))
		return false;
	u->Format(n, PhoneNumberUtil::E164, out);
	if (trunk != NULL) {
		/*
		 * Written from its first significant digit in a country
		 * whose national numbers start with a trunk prefix ("0"):
		 * the number lost that prefix.
		 */
		u->GetNddPrefixForRegion(region, true, &ndd);
		i = text.find_first_not_of(" \t");
		*trunk = i != std::string::npos && text[i] >= '1' &&
		    text[i] <= '9' && !ndd.empty() &&
		    n.country_code() == u->GetCountryCodeForRegion(region) &&
		    text.compare(i, std::to_string(n.country_code()).size(),
		    std::to_string(n.country_code())) != 0;
	}
	return out->size() <= PHONE_E164_MAX;
}

extern "C" int
phone_e164(char *out, const char *text, const char *region, unsigned *flags)
{
	unsigned	 fl = 0;
	int		 rc = -1;

	out[0] = '\0';
	try {
		std::string	 t(text != NULL ? text : ""), r, e, digits;
		size_t		 i;

		for (i = 0; region != NULL && region[i] != '\0' && i < 2; i++)
			r += (char)toupper((unsigned char)region[i]);
		if (phone_scientific(t.c_str()))
			fl |= PHONE_SCIENTIFIC;
		else {
			/* "+33 (0)4 …": the trunk 0 in brackets is not dialled. */
			if ((i = t.find("(0)")) != std::string::npos)
				t.erase(i, 3);
			bool trunk = false;

			if (phone_parse(t, r, &e, &trunk)) {
				/* Read as national without its 0: Excel ate it. */
				if (trunk)
					fl |= PHONE_REPAIRED;
				rc = 0;
			} else {
				for (char c : t)
					if (isdigit((unsigned char)c))
						digits += c;
					else if (c != ' ' && c != '.' && c != '-')
						digits = "x";
				if (!digits.empty() && digits[0] != '0' &&
				    digits.find('x') == std::string::npos &&
				    phone_parse("0" + digits, r, &e, NULL)) {
					fl |= PHONE_REPAIRED;
					rc = 0;
				}
			}
			if (rc == 0)
				memcpy(out, e.c_str(), e.size() + 1);
		}
	} catch (...) {
		rc = -1;
		out[0] = '\0';
	}
	if (flags != NULL)
		*flags = fl;
	return rc;
}

extern "C" int
phone_region_ok(const char *region)
{
	try {
		std::string	 r;

		if (region == NULL || strlen(region) != 2)
			return 0;
		r += (char)toupper((unsigned char)region[0]);
		r += (char)toupper((unsigned char)region[1]);
		return PhoneNumberUtil::GetInstance()->GetCountryCodeForRegion(r) != 0;
	} catch (...) {
		return 0;
	}
}

extern "C" int
phone_national(char *out, size_t outlen, const char *e164)
{
	try {
		PhoneNumberUtil	*u = PhoneNumberUtil::GetInstance();
		PhoneNumber	 n;
		std::string	 s;

		if (e164 == NULL || u->Parse(e164, "ZZ", &n) !=
		    PhoneNumberUtil::NO_PARSING_ERROR)
			return -1;
		u->Format(n, PhoneNumberUtil::NATIONAL, &s);
		if (s.size() + 1 > outlen)
			return -1;
		memcpy(out, s.c_str(), s.size() + 1);
		return 0;
	} catch (...) {
		return -1;
	}
}

extern "C" const char *
phone_type(const char *e164)
{
	try {
		PhoneNumberUtil	*u = PhoneNumberUtil::GetInstance();
		PhoneNumber	 n;

		if (e164 == NULL || u->Parse(e164, "ZZ", &n) !=
		    PhoneNumberUtil::NO_PARSING_ERROR)
			return "other";
		switch (u->GetNumberType(n)) {
		case PhoneNumberUtil::MOBILE:
			return "mobile";
		case PhoneNumberUtil::FIXED_LINE:
			return "fixed_line";
		case PhoneNumberUtil::FIXED_LINE_OR_MOBILE:
			return "fixed_line";
		default:
			return "other";
		}
	} catch (...) {
		return "other";
	}
}
