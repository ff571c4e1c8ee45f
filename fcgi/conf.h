/*
 * Configuration: one key = value file plus environment overrides, read and
 * validated once at start. A bad value stops the program with a message
 * naming the file, line and key, so a mistake is caught at deploy time and
 * not at the first request. The keys, their types, ranges and defaults are
 * the table in conf.c; README.md "Configuration" documents each one.
 */
#ifndef PROSPEA_CONF_H
#define PROSPEA_CONF_H

#include <stddef.h>

enum smtp_security {
	SMTP_STARTTLS,	/* smtp://, STARTTLS required (RFC 3207) */
	SMTP_TLS,	/* smtps://, implicit TLS (RFC 8314 section 3.3) */
	SMTP_NONE,	/* plaintext: accepted for loopback hosts only */
	SMTP__MAX
};

#define CONF_LIST_MAX	16

struct conf {
	char		*path;			/* file read, or "" */

	char		*db_socket;
	char		*db_name;
	char		*db_user;
	char		*db_password_dir;
	long		 db_timeout;		/* seconds */

	char		*master_key_file;
	char		*public_url;		/* no trailing slash */
	char		*allowed_origins[CONF_LIST_MAX];
	size_t		 allowed_origins_n;
	long		 body_max;		/* bytes */

	long		 session_idle;		/* seconds */
	long		 session_max;		/* seconds */
	long		 pwhash_ops;
	long		 pwhash_mem;		/* bytes */
	char		*common_passwords[CONF_LIST_MAX];
	size_t		 common_passwords_n;
	long		 throttle_account_max;	/* failures per window, account + address */
	long		 throttle_account_global_max; /* failures per window, account */
	long		 throttle_ip_max;	/* failures per window */
	long		 throttle_signup_ip_max; /* sign-ups per hour per address */
	long		 throttle_window;	/* seconds */
	long		 throttle_block;	/* seconds, first block */
	long		 throttle_block_max;	/* seconds */
	char		*totp_issuer;
	long		 hash_slots;		/* concurrent password hashes per host */
	char		*run_dir;		/* this host's lock files */

	char		*smtp_url;
	enum smtp_security smtp_security;
	char		*smtp_user;
	char		*smtp_password_file;
	char		*smtp_cafile;
	long		 smtp_timeout;		/* seconds */
	char		*mail_from;		/* "Name <addr>" or "addr" */
	long		 mailer_poll_ms;

	char		*log_level;

	/* prospects: imports, Places search, website e-mail discovery */
	long		 import_max;		/* bytes of one uploaded file */
	long		 import_sync_max;	/* bytes imported inside the request */
	long		 import_json_max;	/* bytes of a JSON import body */
	long		 worker_poll_ms;	/* importer and enricher queues */
	long		 worker_lease;		/* seconds a claimed job is the worker's */
	char		*places_base_url;	/* Places API (New) */
	char		*places_key_file;	/* the platform's API key; "" = off */
	long		 places_timeout;	/* seconds */
	char		*enrich_user_agent;
	long		 enrich_timeout;	/* seconds per page */
	long		 enrich_page_max;	/* bytes per page */
	long		 enrich_pages_max;	/* pages per site */
	long		 enrich_allow_private;	/* 1: loopback and private addresses too */
	char		*enrich_connect_to;	/* tests: libcurl CONNECT_TO entry */

	/* campaigns: the users' own mail servers and SMS providers */
	char		*outreach_cafile;	/* "" = the system's CAs; tests: the stack's */
	long		 outreach_timeout;	/* seconds: connect, TLS, each answer */
	long		 outreach_allow_private; /* 1: users' servers may be loopback/private */
	char		*sms_twilio_url;	/* Twilio REST base URL */
	char		*sms_brevo_url;		/* Brevo API base URL */

	/* billing: Stripe (README.md "Billing and Stripe") */
	char		*stripe_api_base;	/* Stripe API base URL */
	char		*stripe_secret_key_file;	/* sk_…; "" = checkout off */
	char		*stripe_webhook_secret_file;	/* whsec_… of the endpoint */
	char		*stripe_webhook_secret_old_file; /* during a rotation; "" none */
	char		*stripe_price_starter;	/* price_… of each paid plan */
	char		*stripe_price_pro;
	char		*stripe_success_url;	/* "" = public_url + /billing?checkout=success */
	char		*stripe_cancel_url;	/* "" = public_url + /billing?checkout=canceled */
	char		*stripe_return_url;	/* portal; "" = public_url + /billing */
	long		 stripe_timeout;	/* seconds per Stripe call */
	/* prospea-sender: campaign steps, replies and bounces */
	long		 contact_gap_hours;	/* frequency cap across campaigns */
	long		 imap_poll_seconds;	/* between two polls of one mailbox */
	long		 sender_lease;		/* seconds a claimed enrollment is its sender's */
	long		 sender_batch;		/* enrollments claimed at a time */
	long		 test_mode;		/* 1: a test stack (./dev test) */
	char		*sender_clock_file;	/* test_mode only: offset of "now", s */
};

/*
 * Fills c from the file at path (NULL: $PROSPEA_CONF, else
 * SYSCONFDIR/prospea/prospea.conf; a missing default file is not an error)
 * and then from PROSPEA_<KEY> environment variables, which win.
 * db_user_default is the MariaDB account of this program (borrowed).
 * Returns 0, or -1 after printing every problem to standard error.
 * The strings in c are owned by c: release with conf_free().
 */
int	conf_load(struct conf *c, const char *path, const char *db_user_default);

/* Releases the strings held by c. */
void	conf_free(struct conf *c);

/*
 * Reads a whole small file (a password, a key) into an owned,
 * NUL-terminated string without its trailing newline. NULL on error,
 * with errno set. The caller wipes and frees it.
 */
char	*conf_read_secret(const char *path);

/* 1 if origin (scheme://host[:port]) is one of allowed_origins. */
int	conf_origin_allowed(const struct conf *c, const char *origin);

#endif
