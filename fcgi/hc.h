/*
 * What the libcurl clients of outside HTTP APIs share (Google Places,
 * Stripe): the answer collected into a bounded buffer, and the answer
 * headers that decide a retry. Each client keeps its own easy handle,
 * options and error mapping.
 */
#ifndef PROSPEA_HC_H
#define PROSPEA_HC_H

#include <stddef.h>

struct hc_answer {
	char	*body;		/* malloc'ed, NUL-terminated, or NULL */
	size_t	 len, cap;
	size_t	 max;		/* bytes kept at most: more sets over */
	int	 over;		/* the answer passed max: the transfer stopped */
	long	 retry_after;	/* Retry-After delay-seconds (0..86400), 0 if none */
	int	 should_retry;	/* Stripe-Should-Retry: true */
};

/*
 * CURLOPT_WRITEFUNCTION with CURLOPT_WRITEDATA an hc_answer (max set):
 * appends, or stops the transfer (returns 0) past max bytes.
 */
size_t	hc_write(char *p, size_t size, size_t n, void *answer);

/*
 * CURLOPT_HEADERFUNCTION with CURLOPT_HEADERDATA an hc_answer: keeps
 * Retry-After when given in seconds (RFC 9110 section 10.2.3) and
 * Stripe-Should-Retry (https://docs.stripe.com/error-low-level#idempotency).
 */
size_t	hc_header(char *p, size_t size, size_t n, void *answer);

/* Frees the body; the answer can then be reused (max kept). */
void	hc_answer_reset(struct hc_answer *a);

#endif
