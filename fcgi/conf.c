/*
 * Configuration as a table: every key has a type, a default, a range and a
 * slot in struct conf. The file is "key = value" lines; '#' starts a
 * comment line; unknown keys are errors (a typo must not silently leave a
 * default in place). PROSPEA_<KEY> environment variables override the file.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "conf.h"
#include "log.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#ifndef PKGDATADIR
#define PKGDATADIR "/usr/share/prospea"
#endif

enum conf_type {
	CT_STR,		/* any non-empty text */
	CT_OPT,		/* text, may be empty */
	CT_URL,		/* http(s)://host[:port][/path], no trailing slash */
	CT_LONG,	/* decimal integer within [min, max] */
	CT_LIST,	/* whitespace-separated words */
	CT_SMTPSEC,	/* starttls | tls | none */
	CT_LOGLEVEL,	/* debug | info | warn | err */
};

struct conf_key {
	const char	*name;
	enum conf_type	 type;
	size_t		 off;		/* offset in struct conf */
	size_t		 noff;		/* CT_LIST: offset of the count */
	const char	*def;		/* NULL: required */
	long		 min, max;
};

#define S(f)	offsetof(struct conf, f)

static const struct conf_key conf_keys[] = {
	{ "db_socket", CT_STR, S(db_socket), 0, "/run/mysqld/mysqld.sock", 0, 0 },
	{ "db_name", CT_STR, S(db_name), 0, "prospea", 0, 0 },
	{ "db_user", CT_OPT, S(db_user), 0, "", 0, 0 },
	{ "db_password_dir", CT_OPT, S(db_password_dir), 0, "", 0, 0 },
	{ "db_timeout", CT_LONG, S(db_timeout), 0, "5", 1, 300 },
	{ "master_key_file", CT_STR, S(master_key_file), 0, SYSCONFDIR "/prospea/master.key", 0, 0 },
	{ "public_url", CT_URL, S(public_url), 0, NULL, 0, 0 },
	{ "allowed_origins", CT_LIST, S(allowed_origins), S(allowed_origins_n), "", 0, 0 },
	{ "body_max", CT_LONG, S(body_max), 0, "1048576", 1024, 256L << 20 },
	{ "session_idle", CT_LONG, S(session_idle), 0, "604800", 60, 90L * 86400 },
	{ "session_max", CT_LONG, S(session_max), 0, "2592000", 60, 365L * 86400 },
	{ "pwhash_ops", CT_LONG, S(pwhash_ops), 0, "2", 1, 32 },
	{ "pwhash_mem", CT_LONG, S(pwhash_mem), 0, "67108864", 8192, 4L << 30 },
	{ "common_passwords", CT_LIST, S(common_passwords), S(common_passwords_n),
	    "/usr/share/john/password.lst " PKGDATADIR "/common-passwords-fr.txt", 0, 0 },
	{ "throttle_account_max", CT_LONG, S(throttle_account_max), 0, "5", 1, 1000 },
	{ "throttle_account_global_max", CT_LONG, S(throttle_account_global_max), 0, "50", 1, 100000 },
	{ "throttle_ip_max", CT_LONG, S(throttle_ip_max), 0, "30", 1, 100000 },
	{ "throttle_signup_ip_max", CT_LONG, S(throttle_signup_ip_max), 0, "20", 1, 1000000 },
	{ "throttle_window", CT_LONG, S(throttle_window), 0, "900", 1, 86400 },
	{ "throttle_block", CT_LONG, S(throttle_block), 0, "60", 1, 86400 },
	{ "throttle_block_max", CT_LONG, S(throttle_block_max), 0, "900", 1, 86400 },
	{ "totp_issuer", CT_STR, S(totp_issuer), 0, "Prospea", 0, 0 },
	{ "hash_slots", CT_LONG, S(hash_slots), 0, "2", 0, 64 },
	{ "run_dir", CT_STR, S(run_dir), 0, "/run/prospea", 0, 0 },
	{ "smtp_url", CT_STR, S(smtp_url), 0, "smtp://127.0.0.1:25", 0, 0 },
	{ "smtp_security", CT_SMTPSEC, S(smtp_security), 0, "starttls", 0, 0 },
	{ "smtp_user", CT_OPT, S(smtp_user), 0, "", 0, 0 },
	{ "smtp_password_file", CT_OPT, S(smtp_password_file), 0, "", 0, 0 },
	{ "smtp_cafile", CT_OPT, S(smtp_cafile), 0, "", 0, 0 },
	{ "smtp_timeout", CT_LONG, S(smtp_timeout), 0, "30", 1, 600 },
	{ "mail_from", CT_STR, S(mail_from), 0, "Prospea <no-reply@localhost>", 0, 0 },
	{ "mailer_poll_ms", CT_LONG, S(mailer_poll_ms), 0, "1000", 10, 600000 },
	{ "log_level", CT_LOGLEVEL, S(log_level), 0, "info", 0, 0 },
	{ "import_max", CT_LONG, S(import_max), 0, "134217728", 1024, 1L << 30 },
	{ "import_sync_max", CT_LONG, S(import_sync_max), 0, "262144", 0, 64L << 20 },
	{ "import_json_max", CT_LONG, S(import_json_max), 0, "8388608", 1024, 8L << 20 },
	{ "worker_poll_ms", CT_LONG, S(worker_poll_ms), 0, "1000", 10, 600000 },
	{ "worker_lease", CT_LONG, S(worker_lease), 0, "300", 2, 86400 },
	{ "places_base_url", CT_URL, S(places_base_url), 0, "https://places.googleapis.com", 0, 0 },
	{ "places_key_file", CT_OPT, S(places_key_file), 0, "", 0, 0 },
	{ "places_timeout", CT_LONG, S(places_timeout), 0, "10", 1, 120 },
	{ "enrich_user_agent", CT_STR, S(enrich_user_agent), 0,
	    "ProspeaBot/0.1 (+https://prospea.fr/bot)", 0, 0 },
	{ "enrich_timeout", CT_LONG, S(enrich_timeout), 0, "10", 1, 120 },
	{ "enrich_page_max", CT_LONG, S(enrich_page_max), 0, "2097152", 1024, 64L << 20 },
	{ "enrich_pages_max", CT_LONG, S(enrich_pages_max), 0, "5", 1, 20 },
	{ "enrich_allow_private", CT_LONG, S(enrich_allow_private), 0, "0", 0, 1 },
	{ "enrich_connect_to", CT_OPT, S(enrich_connect_to), 0, "", 0, 0 },
	{ "outreach_cafile", CT_OPT, S(outreach_cafile), 0, "", 0, 0 },
	{ "outreach_timeout", CT_LONG, S(outreach_timeout), 0, "10", 1, 120 },
	{ "outreach_allow_private", CT_LONG, S(outreach_allow_private), 0, "0", 0, 1 },
	{ "sms_twilio_url", CT_URL, S(sms_twilio_url), 0, "https://api.twilio.com", 0, 0 },
	{ "sms_brevo_url", CT_URL, S(sms_brevo_url), 0, "https://api.brevo.com", 0, 0 },
	{ "stripe_api_base", CT_URL, S(stripe_api_base), 0, "https://api.stripe.com", 0, 0 },
	{ "stripe_secret_key_file", CT_OPT, S(stripe_secret_key_file), 0, "", 0, 0 },
	{ "stripe_webhook_secret_file", CT_OPT, S(stripe_webhook_secret_file), 0, "", 0, 0 },
	{ "stripe_webhook_secret_old_file", CT_OPT, S(stripe_webhook_secret_old_file), 0, "", 0, 0 },
	{ "stripe_price_starter", CT_OPT, S(stripe_price_starter), 0, "", 0, 0 },
	{ "stripe_price_pro", CT_OPT, S(stripe_price_pro), 0, "", 0, 0 },
	{ "stripe_success_url", CT_OPT, S(stripe_success_url), 0, "", 0, 0 },
	{ "stripe_cancel_url", CT_OPT, S(stripe_cancel_url), 0, "", 0, 0 },
	{ "stripe_return_url", CT_OPT, S(stripe_return_url), 0, "", 0, 0 },
	{ "stripe_timeout", CT_LONG, S(stripe_timeout), 0, "10", 1, 60 },
	{ "contact_gap_hours", CT_LONG, S(contact_gap_hours), 0, "48", 0, 24L * 365 },
	{ "imap_poll_seconds", CT_LONG, S(imap_poll_seconds), 0, "120", 1, 86400 },
	{ "sender_lease", CT_LONG, S(sender_lease), 0, "120", 2, 86400 },
	{ "sender_batch", CT_LONG, S(sender_batch), 0, "20", 1, 1000 },
	{ "test_mode", CT_LONG, S(test_mode), 0, "0", 0, 1 },
	{ "sender_clock_file", CT_OPT, S(sender_clock_file), 0, "", 0, 0 },
	{ NULL, 0, 0, 0, NULL, 0, 0 }
};

#undef S

static const char *const smtp_security_names[SMTP__MAX] = {
	[SMTP_STARTTLS] = "starttls",
	[SMTP_TLS] = "tls",
	[SMTP_NONE] = "none",
};

static char *
conf_strdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		abort();
	return p;
}

static char *
conf_trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* http(s)://host[:port][/path] without a trailing slash or spaces. */
static int
conf_url_ok(const char *s)
{
	const char	*h;

	if (strncmp(s, "https://", 8) == 0)
		h = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		h = s + 7;
	else
		return 0;
	if (*h == '\0' || *h == '/' || *h == ':')
		return 0;
	for (; *h != '\0'; h++)
		if (isspace((unsigned char)*h) || (unsigned char)*h < 0x20)
			return 0;
	return s[strlen(s) - 1] != '/';
}

/* Sets one key from text; prints the problem and returns -1 when invalid. */
static int
conf_set(struct conf *c, const struct conf_key *k, const char *val,
    const char *where)
{
	char		*base = (char *)c, *end, *copy, *w, *save = NULL;
	char	       **sp = (char **)(base + k->off);
	long		 l;
	size_t		 i, *np;
	enum log_level	 lvl;

	switch (k->type) {
	case CT_STR:
		if (*val == '\0') {
			fprintf(stderr, "%s: %s: must not be empty\n", where, k->name);
			return -1;
		}
		/* FALLTHROUGH */
	case CT_OPT:
		free(*sp);
		*sp = conf_strdup(val);
		return 0;
	case CT_URL:
		if (!conf_url_ok(val)) {
			fprintf(stderr, "%s: %s: expected http(s)://host[:port][/path] "
			    "without a trailing slash, got \"%s\"\n", where, k->name, val);
			return -1;
		}
		free(*sp);
		*sp = conf_strdup(val);
		return 0;
	case CT_LONG:
		errno = 0;
		l = strtol(val, &end, 10);
		if (*val == '\0' || *end != '\0' || errno != 0 ||
		    l < k->min || l > k->max) {
			fprintf(stderr, "%s: %s: expected an integer from %ld to %ld, "
			    "got \"%s\"\n", where, k->name, k->min, k->max, val);
			return -1;
		}
		*(long *)(base + k->off) = l;
		return 0;
	case CT_LIST:
		np = (size_t *)(base + k->noff);
		for (i = 0; i < *np; i++)
			free(sp[i]);
		*np = 0;
		copy = conf_strdup(val);
		for (w = strtok_r(copy, " \t,", &save); w != NULL;
		    w = strtok_r(NULL, " \t,", &save)) {
			if (*np == CONF_LIST_MAX) {
				fprintf(stderr, "%s: %s: at most %d entries\n",
				    where, k->name, CONF_LIST_MAX);
				free(copy);
				return -1;
			}
			sp[(*np)++] = conf_strdup(w);
		}
		free(copy);
		return 0;
	case CT_SMTPSEC:
		for (i = 0; i < SMTP__MAX; i++)
			if (strcmp(val, smtp_security_names[i]) == 0) {
				*(enum smtp_security *)(base + k->off) = (enum smtp_security)i;
				return 0;
			}
		fprintf(stderr, "%s: %s: expected starttls, tls or none, got \"%s\"\n",
		    where, k->name, val);
		return -1;
	case CT_LOGLEVEL:
		if (log_level_parse(val, &lvl) == -1) {
			fprintf(stderr, "%s: %s: expected debug, info, warn or err, "
			    "got \"%s\"\n", where, k->name, val);
			return -1;
		}
		free(*sp);
		*sp = conf_strdup(val);
		return 0;
	}
	abort();
}

static const struct conf_key *
conf_key_find(const char *name)
{
	const struct conf_key	*k;

	for (k = conf_keys; k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

static int
conf_file(struct conf *c, const char *path, int must_exist)
{
	FILE			*f;
	char			*line = NULL, *p, *eq, *key, *val, where[512];
	size_t			 cap = 0, lineno = 0;
	const struct conf_key	*k;
	int			 rc = 0;

	if ((f = fopen(path, "r")) == NULL) {
		if (!must_exist && errno == ENOENT)
			return 0;
		fprintf(stderr, "%s: cannot read the configuration file: %s\n",
		    path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) != -1) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%zu", path, lineno);
		p = conf_trim(line);
		if (*p == '\0' || *p == '#')
			continue;
		if ((eq = strchr(p, '=')) == NULL) {
			fprintf(stderr, "%s: expected \"key = value\"\n", where);
			rc = -1;
			continue;
		}
		*eq = '\0';
		key = conf_trim(p);
		val = conf_trim(eq + 1);
		if ((k = conf_key_find(key)) == NULL) {
			fprintf(stderr, "%s: unknown key \"%s\"\n", where, key);
			rc = -1;
			continue;
		}
		if (conf_set(c, k, val, where) == -1)
			rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

/*
 * 1 if the host of "host[:port][/…]" is the loopback: exactly localhost,
 * [::1] or a dotted-quad 127.x.y.z (not a name that merely starts so).
 */
static int
conf_loopback(const char *h)
{
	size_t		 n = strcspn(h, ":/"), i, dots = 0;

	if (strncmp(h, "[::1]", 5) == 0)
		return h[5] == '\0' || h[5] == ':' || h[5] == '/';
	if (n == 9 && strncmp(h, "localhost", 9) == 0)
		return 1;
	if (n < 9 || n > 15 || strncmp(h, "127.", 4) != 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (h[i] == '.')
			dots++;
		else if (!isdigit((unsigned char)h[i]))
			return 0;
	}
	return dots == 3 && h[n - 1] != '.' && strstr(h, "..") == NULL;
}

/* The checks that span keys. */
static int
conf_cross(struct conf *c)
{
	int		 rc = 0;
	const char	*h, *e;
	char		 origin[512];
	size_t		 n;

	if (c->session_idle > c->session_max) {
		fprintf(stderr, "configuration: session_idle (%ld) must not exceed "
		    "session_max (%ld)\n", c->session_idle, c->session_max);
		rc = -1;
	}
	if (c->throttle_block > c->throttle_block_max) {
		fprintf(stderr, "configuration: throttle_block must not exceed "
		    "throttle_block_max\n");
		rc = -1;
	}
	if (c->pwhash_mem < (long)crypto_pwhash_MEMLIMIT_MIN ||
	    c->pwhash_ops < (long)crypto_pwhash_OPSLIMIT_MIN) {
		fprintf(stderr, "configuration: pwhash_ops/pwhash_mem below "
		    "libsodium's minimum\n");
		rc = -1;
	}
	if (strncmp(c->smtp_url, "smtp://", 7) != 0 &&
	    strncmp(c->smtp_url, "smtps://", 8) != 0) {
		fprintf(stderr, "configuration: smtp_url: expected smtp://host:port "
		    "or smtps://host:port, got \"%s\"\n", c->smtp_url);
		rc = -1;
	} else if ((c->smtp_security == SMTP_TLS) !=
	    (strncmp(c->smtp_url, "smtps://", 8) == 0)) {
		fprintf(stderr, "configuration: smtp_security \"%s\" does not match "
		    "smtp_url \"%s\" (implicit TLS is smtps://, STARTTLS and none "
		    "are smtp://)\n", smtp_security_names[c->smtp_security],
		    c->smtp_url);
		rc = -1;
	} else if (c->smtp_security == SMTP_NONE &&
	    !conf_loopback(c->smtp_url + 7)) {
		fprintf(stderr, "configuration: smtp_security none is only "
		    "allowed for a loopback smtp_url\n");
		rc = -1;
	}
	/*
	 * The sender's test clock moves "now" for every rule of campaigns
	 * (windows, waits, limits, leases): it is honoured only on a stack
	 * that says it is a test one, and naming it elsewhere is an error
	 * rather than a silently ignored line.
	 */
	if (*c->sender_clock_file != '\0' && !c->test_mode) {
		fprintf(stderr, "configuration: sender_clock_file is only allowed "
		    "with test_mode = 1 (test stacks)\n");
		rc = -1;
	}
	/* Default allowed origin: the origin of public_url. */
	if (rc == 0 && c->allowed_origins_n == 0 && c->public_url != NULL) {
		h = strstr(c->public_url, "://") + 3;
		e = strchr(h, '/');
		n = e != NULL ? (size_t)(e - c->public_url) : strlen(c->public_url);
		if (n >= sizeof(origin))
			n = sizeof(origin) - 1;
		memcpy(origin, c->public_url, n);
		origin[n] = '\0';
		c->allowed_origins[0] = conf_strdup(origin);
		c->allowed_origins_n = 1;
	}
	return rc;
}

int
conf_load(struct conf *c, const char *path, const char *db_user_default)
{
	const struct conf_key	*k;
	char			 env[128], *p;
	const char		*v;
	char			 upper[128];
	int			 rc = 0, must = 1;

	memset(c, 0, sizeof(*c));
	for (k = conf_keys; k->name != NULL; k++)
		if (k->def != NULL && conf_set(c, k, k->def, "default") == -1)
			abort();
	if (db_user_default != NULL && *db_user_default != '\0') {
		free(c->db_user);
		c->db_user = conf_strdup(db_user_default);
	}
	if (path == NULL && (path = getenv("PROSPEA_CONF")) == NULL) {
		path = SYSCONFDIR "/prospea/prospea.conf";
		must = 0;
	}
	c->path = conf_strdup(path);
	if (conf_file(c, path, must) == -1)
		rc = -1;
	if (!must && access(path, F_OK) == -1)
		fprintf(stderr, "%s: no configuration file there (give one with -c "
		    "or PROSPEA_CONF); using defaults and PROSPEA_* variables\n",
		    path);
	for (k = conf_keys; k->name != NULL; k++) {
		snprintf(env, sizeof(env), "PROSPEA_%s", k->name);
		for (p = env; *p != '\0'; p++)
			*p = (char)toupper((unsigned char)*p);
		if ((v = getenv(env)) != NULL && conf_set(c, k, v, env) == -1)
			rc = -1;
	}
	for (k = conf_keys; k->name != NULL; k++)
		if (k->def == NULL && *(char **)((char *)c + k->off) == NULL) {
			snprintf(upper, sizeof(upper), "%s", k->name);
			for (p = upper; *p != '\0'; p++)
				*p = (char)toupper((unsigned char)*p);
			fprintf(stderr, "%s: required key \"%s\" is not set "
			    "(nor PROSPEA_%s)\n", path, k->name, upper);
			rc = -1;
		}
	if (c->db_user == NULL || *c->db_user == '\0') {
		fprintf(stderr, "%s: db_user is not set\n", path);
		rc = -1;
	}
	if (rc == 0 && conf_cross(c) == -1)
		rc = -1;
	return rc;
}

void
conf_free(struct conf *c)
{
	const struct conf_key	*k;
	char			*base = (char *)c, **sp;
	size_t			 i, n;

	for (k = conf_keys; k->name != NULL; k++) {
		sp = (char **)(base + k->off);
		switch (k->type) {
		case CT_STR:
		case CT_OPT:
		case CT_URL:
		case CT_LOGLEVEL:
			free(*sp);
			*sp = NULL;
			break;
		case CT_LIST:
			n = *(size_t *)(base + k->noff);
			for (i = 0; i < n; i++) {
				free(sp[i]);
				sp[i] = NULL;
			}
			*(size_t *)(base + k->noff) = 0;
			break;
		default:
			break;
		}
	}
	free(c->path);
	c->path = NULL;
}

char *
conf_read_secret(const char *path)
{
	FILE	*f;
	char	 buf[4096];
	size_t	 n;
	char	*p;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	if (ferror(f) || !feof(f)) {
		fclose(f);
		sodium_memzero(buf, sizeof(buf));
		errno = EFBIG;
		return NULL;
	}
	fclose(f);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	p = conf_strdup(buf);
	sodium_memzero(buf, sizeof(buf));
	return p;
}

int
conf_origin_allowed(const struct conf *c, const char *origin)
{
	size_t	 i;

	for (i = 0; i < c->allowed_origins_n; i++)
		if (strcmp(c->allowed_origins[i], origin) == 0)
			return 1;
	return 0;
}
