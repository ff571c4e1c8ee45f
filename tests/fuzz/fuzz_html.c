/*
 * Fuzz target for the HTML e-mail extractor (htmlmail.h): the input is a
 * page fetched from a fixed URL, parsed by htmlmail_extract(). It must
 * succeed; every address found must pass email_valid() again, have no
 * upper-case ASCII in its domain, differ from the others by email_key(),
 * and name a known way of being written; every link must be an absolute
 * http or https URL without a fragment, distinct, with a positive score,
 * best first; both counts within their limits. htmlmail_res_free() must
 * leave the result zeroed.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "email.h"
#include "htmlmail.h"
#include "fuzz.h"

#define FUZZ_PAGE_URL	"https://www.epi-dor.example/fr/accueil.html"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct htmlmail_res	 r;
	char			 ki[EMAIL_MAX + 1], kj[EMAIL_MAX + 1];
	const char		*at, *p;
	size_t			 i, j;

	FUZZ_CHECK(htmlmail_extract(&r, (const char *)data, size,
	    FUZZ_PAGE_URL) == 0);
	FUZZ_CHECK(r.nfound <= HTMLMAIL_FOUND_MAX);
	FUZZ_CHECK(r.nlinks <= HTMLMAIL_LINKS_MAX);
	for (i = 0; i < r.nfound; i++) {
		FUZZ_CHECK(email_valid(r.found[i].email));
		FUZZ_CHECK(r.found[i].how < HTMLMAIL__MAX);
		FUZZ_CHECK(*htmlmail_how_name(r.found[i].how) != '\0');
		FUZZ_CHECK((at = strrchr(r.found[i].email, '@')) != NULL);
		for (p = at; *p != '\0'; p++)
			FUZZ_CHECK(!isupper((unsigned char)*p));
		email_key(ki, r.found[i].email);
		for (j = 0; j < i; j++) {
			email_key(kj, r.found[j].email);
			FUZZ_CHECK(strcmp(ki, kj) != 0);
		}
	}
	for (i = 0; i < r.nlinks; i++) {
		FUZZ_CHECK(r.links[i].url != NULL);
		FUZZ_CHECK(strncmp(r.links[i].url, "http://", 7) == 0 ||
		    strncmp(r.links[i].url, "https://", 8) == 0);
		FUZZ_CHECK(strchr(r.links[i].url, '#') == NULL);
		FUZZ_CHECK(r.links[i].score > 0);
		FUZZ_CHECK(i == 0 || r.links[i - 1].score >= r.links[i].score);
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(r.links[i].url, r.links[j].url) != 0);
	}
	htmlmail_res_free(&r);
	FUZZ_CHECK(r.nfound == 0 && r.nlinks == 0);
	return 0;
}
