/*
 * The billing group's routes: its whole HTTP interface as one table
 * (STYLE.md). The webhook has no session and no CSRF token: Stripe signs
 * it, and ROUTE_RAW hands its body over as the bytes Stripe signed.
 */
#include "config.h"

#include <stddef.h>

#include "billing.h"
#include "route.h"

#define S	ROUTE_SESSION
#define C	(ROUTE_SESSION | ROUTE_CSRF)

const struct route bill_routes[] = {
	{ M_GET, "/api/v1/billing", bill_read, S, NULL, 0, 0 },
	{ M_POST, "/api/v1/billing/checkout", bill_checkout, C,
	    bill_checkout_fields, BC__MAX, 0 },
	{ M_POST, "/api/v1/billing/portal", bill_portal, C, NULL, 0, 0 },
	{ M_GET, "/api/v1/billing/invoices", bill_invoices, S, NULL, 0, 0 },
	{ M_POST, "/api/v1/webhooks/stripe", bill_webhook, ROUTE_RAW,
	    NULL, 0, 0 },
	{ 0, NULL, NULL, 0, NULL, 0, 0 }
};
