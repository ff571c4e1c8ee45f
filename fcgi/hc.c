/*
 * Answer buffers of the libcurl clients. See hc.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hc.h"

size_t
hc_write(char *p, size_t size, size_t n, void *answer)
{
	struct hc_answer	*a = answer;
	size_t			 len = size * n;

	if (a->len + len > a->max) {
		a->over = 1;
		return 0;
	}
	if (a->len + len + 1 > a->cap) {
		a->cap = (a->len + len + 1) * 2;
		if ((a->body = realloc(a->body, a->cap)) == NULL)
			abort();
	}
	memcpy(a->body + a->len, p, len);
	a->len += len;
	a->body[a->len] = '\0';
	return len;
}

size_t
hc_header(char *p, size_t size, size_t n, void *answer)
{
	struct hc_answer	*a = answer;
	size_t			 len = size * n;
	char			 line[64];

	/* Both headers are short: a longer line is neither. */
	if (len >= sizeof(line))
		return len;
	memcpy(line, p, len);
	line[len] = '\0';
	if (strncasecmp(line, "retry-after:", 12) == 0) {
		a->retry_after = strtol(line + 12, NULL, 10);
		if (a->retry_after < 0 || a->retry_after > 86400)
			a->retry_after = 0;
	} else if (strncasecmp(line, "stripe-should-retry:", 20) == 0)
		a->should_retry = strstr(line + 20, "true") != NULL;
	return len;
}

void
hc_answer_reset(struct hc_answer *a)
{
	size_t	 max = a->max;

	free(a->body);
	memset(a, 0, sizeof(*a));
	a->max = max;
}
