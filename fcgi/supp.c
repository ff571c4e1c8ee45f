/*
 * Keyed hashes and masked hints of suppressed values (supp.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "secret.h"
#include "supp.h"

const char *const supp_kind_names[SUPP__MAX] = {
	[SUPP_EMAIL] = "email",
	[SUPP_PHONE] = "phone",
	[SUPP_DOMAIN] = "domain",
};

void
supp_hash(unsigned char out[SUPP_HASH_LEN], enum supp_kind kind,
    const char *value)
{
	char	 buf[16 + 2048];
	int	 n;

	n = snprintf(buf, sizeof(buf), "%s:%s", supp_kind_names[kind], value);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = (int)sizeof(buf) - 1;	/* callers bound values well below */
	secret_lookup_hash(out, buf, (size_t)n);
}

size_t
supp_hash_domain(unsigned char hashes[][SUPP_HASH_LEN], size_t n,
    const char *d)
{
	int	 level;

	for (level = 0; level < SUPP_LEVELS && d != NULL &&
	    strchr(d, '.') != NULL; level++) {
		supp_hash(hashes[n++], SUPP_DOMAIN, d);
		d = strchr(d, '.') + 1;
	}
	return n;
}

const char *
supp_email_domain(const char *key)
{
	const char	*d = strrchr(key, '@');

	if (d == NULL)
		return NULL;
	d++;
	if (strncmp(d, "www.", 4) == 0)
		d += 4;
	return d;
}

/* Length in bytes of the UTF-8 sequence that starts with byte c. */
static size_t
supp_u8len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	return 4;
}

void
supp_hint(char *out, enum supp_kind kind, const char *value)
{
	const char	*at;
	size_t		 n, len = strlen(value);

	switch (kind) {
	case SUPP_EMAIL:
		if ((at = strrchr(value, '@')) == NULL || at == value) {
			snprintf(out, SUPP_HINT_MAX + 1, "…");
			break;
		}
		n = supp_u8len((unsigned char)value[0]);
		snprintf(out, SUPP_HINT_MAX + 1, "%.*s…%s", (int)n, value, at);
		break;
	case SUPP_PHONE:
		if (len < 6) {
			snprintf(out, SUPP_HINT_MAX + 1, "…");
			break;
		}
		snprintf(out, SUPP_HINT_MAX + 1, "%.3s…%s", value,
		    value + len - 2);
		break;
	default:
		/*
		 * A domain can be a person's own site (a sole trader's, kept
		 * after an erasure): its first character and its last label.
		 */
		if ((at = strrchr(value, '.')) == NULL || at == value) {
			snprintf(out, SUPP_HINT_MAX + 1, "…");
			break;
		}
		n = supp_u8len((unsigned char)value[0]);
		snprintf(out, SUPP_HINT_MAX + 1, "%.*s…%s", (int)n, value, at);
		break;
	}
}
