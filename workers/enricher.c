/*
 * prospea-enricher: website e-mail discovery. Takes the jobs that
 * POST /prospects/{id}/enrich queues (enrich_job), reads the prospect's
 * website — robots.txt, the home page, then a few likely contact pages —
 * and keeps the addresses published there: the job gets the result
 * (addresses with the page and the way each was found, the pages with
 * their outcome), the prospect gets the new addresses in its emails list
 * and a best address if it had none.
 *
 * Queue: a job is claimed with SELECT … FOR UPDATE SKIP LOCKED and leased
 * for worker_lease seconds, renewed before each request, so several
 * enrichers on several hosts share the queue and a crashed one's job is
 * taken again when its lease ends (ENRICH_TRIES times at most). A job is
 * finished only by the worker whose lease it still holds (attempts
 * compared), and re-running one merges rather than duplicates, so the
 * work is idempotent. Each job runs as its user (@app_user) through the
 * per-user views; only the claim reads the queue across users.
 *
 * What the crawler honours, each checked again at every redirect:
 * - http and https only, on their default ports; host names only (no IP
 *   literal, no single-label name such as "localhost");
 * - robots.txt (RFC 9309, robots.h) for the User-Agent's product token:
 *   a 4xx robots.txt allows all, a 5xx or unreachable one disallows all
 *   (section 2.3.1.4); fetched once per origin;
 * - the same site: after the home page, which may redirect anywhere (a
 *   business that moved), only pages on the website's host or the home
 *   page's final host are read, www. or not (pnorm_website_host());
 * - at most enrich_pages_max pages, 3 redirects each, enrich_timeout
 *   seconds per request, enrich_page_max bytes per page (the transfer is
 *   cut there and the part read is used), text/html and
 *   application/xhtml+xml only, the configured User-Agent;
 * - SSRF defence: CURLOPT_OPENSOCKETFUNCTION sees every address libcurl
 *   is about to connect to, after DNS resolution (so DNS rebinding and
 *   redirects are covered) and refuses any that netaddr.h does not class
 *   public, unless enrich_allow_private (the tests' stand-ins live on
 *   loopback). No proxy is ever used, so the address checked is the one
 *   connected.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <jansson.h>

#include "conf.h"
#include "db.h"
#include "email.h"
#include "htmlmail.h"
#include "log.h"
#include "netaddr.h"
#include "pnorm.h"
#include "prosp_rec.h"
#include "robots.h"
#include "secret.h"
#include "supp.h"
#include "worker.h"

#define ENRICH_TRIES		3	/* claims of one job before it fails */
#define ENRICH_REDIRECTS	3	/* per page */
#define ENRICH_FOUND_MAX	20	/* addresses kept per job */
#define ENRICH_LINKS_MAX	16	/* candidate pages considered */
#define ENRICH_ORIGINS		8	/* robots.txt kept per job */
#define ENRICH_URL_MAX		2048	/* prospect.website */

enum enricher_stmt {
	EN_CLAIM,
	EN_LEASE,
	EN_RENEW,
	EN_RELEASE,
	EN_PROSPECT,
	EN_OWNED,
	EN_PROSPECT_LOCK,
	EN_SUPPRESSED,
	EN_EMAILS_SET,
	EN_BEST_SET,
	EN_FINISH,
	EN__MAX
};

static const char *const enricher_sql[EN__MAX] = {
	/* The only statements on the base table: the queue, across users. */
	[EN_CLAIM] =
	    "SELECT j.id, j.user_id, j.prospect_id, j.attempts FROM enrich_job j "
	    "WHERE j.status IN ('queued', 'running') "
	    "AND (j.status = 'queued' OR j.lease_until < NOW(3)) "
	    /* Closed (erasure pending) or restricted accounts: held. */
	    "AND (SELECT u.status = 'active' AND u.restricted_at IS NULL "
	    "FROM user_account u WHERE u.id = j.user_id) "
	    "ORDER BY j.id LIMIT 1 FOR UPDATE SKIP LOCKED",
	[EN_LEASE] =
	    "UPDATE enrich_job SET status = 'running', attempts = attempts + 1, "
	    "lease_until = NOW(3) + INTERVAL ? SECOND WHERE id = ?",
	/* The rest as the job's user, through the views. */
	[EN_RENEW] =
	    "UPDATE my_enrich_job SET lease_until = NOW(3) + INTERVAL ? SECOND "
	    "WHERE id = ? AND status = 'running' AND attempts = ?",
	[EN_RELEASE] =
	    "UPDATE my_enrich_job SET status = 'queued', lease_until = NULL "
	    "WHERE id = ? AND status = 'running' AND attempts = ?",
	[EN_PROSPECT] =
	    "SELECT website FROM my_prospect WHERE id = ?",
	[EN_OWNED] =
	    "SELECT id FROM my_enrich_job "
	    "WHERE id = ? AND status = 'running' AND attempts = ? FOR UPDATE",
	[EN_PROSPECT_LOCK] =
	    "SELECT emails, email, name, city, category, postal_code "
	    "FROM my_prospect WHERE id = ? FOR UPDATE",
	[EN_SUPPRESSED] =
	    "SELECT id FROM my_suppression WHERE value_hash IN (?, ?) LIMIT 1",
	[EN_EMAILS_SET] =
	    "UPDATE my_prospect SET emails = ?, updated_at = NOW(3) WHERE id = ?",
	[EN_BEST_SET] =
	    "UPDATE my_prospect SET emails = ?, email = ?, email_key = ?, "
	    "email_kind = ?, search_text = ?, updated_at = NOW(3) WHERE id = ?",
	[EN_FINISH] =
	    "UPDATE my_enrich_job SET status = ?, result = ?, error_code = ?, "
	    "lease_until = NULL, finished_at = NOW(3) WHERE id = ?",
};

static const struct db_table enricher_table = { enricher_sql, 0, EN__MAX };

/*
 * What became of a page (the result's pages[].status), and of a job that
 * read no page (its error): code and sentence for people.
 */
enum crawl_status {
	CS_OK,
	CS_TRUNCATED,
	CS_ROBOTS,
	CS_ROBOTS_DOWN,
	CS_NOT_HTML,
	CS_HTTP,
	CS_TIMEOUT,
	CS_FAILED,
	CS_BLOCKED,
	CS_REDIRECTS,
	CS_OFFSITE,
	CS_BAD_URL,
	CS_NO_WEBSITE,
	CS_GAVE_UP,
	CS__MAX
};

static const struct crawl_status_text {
	const char	*code;
	const char	*message;
} crawl_statuses[CS__MAX] = {
	[CS_OK] = { "ok", "Read." },
	[CS_TRUNCATED] = { "truncated",
	    "Read up to the size limit; the rest of the page was not." },
	[CS_ROBOTS] = { "robots_disallow",
	    "The site's robots.txt asks robots not to read this page." },
	[CS_ROBOTS_DOWN] = { "robots_unreachable",
	    "The site's robots.txt could not be read, which means no page may be." },
	[CS_NOT_HTML] = { "not_html", "Not a web page (HTML)." },
	[CS_HTTP] = { "http_error", "The site answered with an error." },
	[CS_TIMEOUT] = { "timeout", "The site did not answer in time." },
	[CS_FAILED] = { "fetch_failed", "The site could not be reached." },
	[CS_BLOCKED] = { "blocked_address",
	    "The site's address is a private or reserved one." },
	[CS_REDIRECTS] = { "too_many_redirects", "Too many redirections." },
	[CS_OFFSITE] = { "offsite_redirect",
	    "The page redirects to another site." },
	[CS_BAD_URL] = { "bad_url",
	    "Not a web address the discovery reads (http or https, on a host "
	    "name and the standard port)." },
	[CS_NO_WEBSITE] = { "no_website", "The prospect has no website any more." },
	[CS_GAVE_UP] = { "gave_up",
	    "The discovery was interrupted too many times." },
};

/* Paths of likely contact pages, tried after the ones the home page links to. */
static const char *const crawl_paths[] = {
	"/contact", "/nous-contacter", "/mentions-legales", NULL,
};

/* robots.txt of one origin (scheme://host:port), fetched once per job. */
struct crawl_robots {
	char		 origin[300];
	enum {
		ROBOTS_TEXT,		/* rules in text */
		ROBOTS_ALL,		/* no robots.txt: all allowed */
		ROBOTS_NONE,		/* unreachable: nothing allowed */
	}		 state;
	enum crawl_status why;		/* ROBOTS_NONE: the fetch's outcome */
	char		*text;
	size_t		 len;
};

struct crawl_found {
	char		 email[EMAIL_MAX + 1];
	char		 key[EMAIL_MAX + 1];
	char		 url[ENRICH_URL_MAX + 1];
	const char	*how;
	int		 own;		/* on the business's own domain */
	int		 generic;	/* contact@, info@… (pnorm_email_generic) */
};

/* One response, as read. */
struct crawl_body {
	CURL		*h;
	int		 html;		/* only text/html is wanted */
	int		 checked;	/* status and type looked at */
	int		 not_html;
	int		 capped;	/* cut at max */
	int		 skip;		/* a redirect's body: counted, not kept */
	char		*p;		/* malloc'ed, NUL-terminated */
	size_t		 len, max;
};

/* A claimed job. */
struct job {
	uint64_t	 id;		/* 0: none was waiting */
	uint64_t	 user_id;
	uint64_t	 prospect_id;
	long long	 attempts;	/* with this claim */
};

/* The crawler: one libcurl handle for every job, and one job's state. */
struct crawl {
	const struct conf	*c;
	struct db		*db;
	CURL			*h;
	struct curl_slist	*connect_to;
	struct curl_slist	*headers;
	char			 token[64];	/* robots.txt product token */
	int			 blocked;	/* a connection was refused */

	/* the job */
	struct job		 job;
	int			 lost;		/* the lease went to another worker */
	char			 sites[2][254];	/* own hosts (pnorm_website_host) */
	struct crawl_robots	 robots[ENRICH_ORIGINS];
	size_t			 nrobots;
	json_t			*pages;		/* [{url, status, http_status?}] */
	size_t			 fetched;	/* pages requested */
	struct crawl_found	 found[ENRICH_FOUND_MAX];
	size_t			 nfound;
};

/*
 * CURLOPT_OPENSOCKETFUNCTION: the SSRF check. addr is the address libcurl
 * is about to connect to (after DNS and CONNECT_TO); anything but a
 * public one is refused, and libcurl then fails with COULDNT_CONNECT.
 */
static curl_socket_t
crawl_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct crawl		*cr = arg;
	enum netaddr_class	 cls;

	(void)purpose;
	if (!cr->c->enrich_allow_private &&
	    (cls = netaddr_classify(&addr->addr, addr->addrlen)) != NETADDR_PUBLIC) {
		log_info("job %llu: refused to connect to a %s address",
		    (unsigned long long)cr->job.id, netaddr_class_names[cls]);
		cr->blocked = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype, addr->protocol);
}

/* 1 if a Content-Type is an HTML one (parameters allowed). */
static int
crawl_is_html(const char *ctype)
{
	static const char *const types[] = { "text/html",
	    "application/xhtml+xml", NULL };
	size_t	 i, n;

	if (ctype == NULL)
		return 0;
	for (i = 0; types[i] != NULL; i++) {
		n = strlen(types[i]);
		if (strncasecmp(ctype, types[i], n) == 0 && (ctype[n] == '\0' ||
		    ctype[n] == ';' || ctype[n] == ' '))
			return 1;
	}
	return 0;
}

static size_t
crawl_write(char *p, size_t size, size_t n, void *arg)
{
	struct crawl_body	*b = arg;
	size_t			 len = size * n, room;
	long			 code = 0;
	char			*ctype = NULL;

	if (!b->checked) {
		b->checked = 1;
		curl_easy_getinfo(b->h, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_getinfo(b->h, CURLINFO_CONTENT_TYPE, &ctype);
		/*
		 * A redirect's body is skipped, not cut (libcurl works out the
		 * target at the end of a whole transfer); an error's is not
		 * read, nor a PDF.
		 */
		if (code >= 300 && code < 400)
			b->skip = 1;
		else if (code != 200)
			return 0;
		else if (b->html && !crawl_is_html(ctype)) {
			b->not_html = 1;
			return 0;
		} else if ((b->p = malloc(b->max + 1)) == NULL)
			abort();
	}
	if (b->skip) {
		b->len += len;
		return b->len > b->max ? 0 : len;
	}
	room = b->max - b->len;
	if (len > room) {
		memcpy(b->p + b->len, p, room);
		b->len += room;
		b->p[b->len] = '\0';
		b->capped = 1;
		return 0;	/* ends the transfer */
	}
	memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = '\0';
	return len;
}

/*
 * Renews the job's lease (worker_lease seconds) before a request, which
 * cannot outlast it (enrich_timeout is shorter: checked at start). 0, or
 * -1 when the job is not ours any more.
 */
static int
crawl_renew(struct crawl *cr)
{
	int	 rc;

	rc = db_exec(cr->db, EN_RENEW, DB_ARGS(DB_INT(cr->c->worker_lease),
	    DB_INT(cr->job.id), DB_INT(cr->job.attempts)));
	if (rc == DB_NONE) {
		log_warn("job %llu: the lease went to another worker",
		    (unsigned long long)cr->job.id);
		cr->lost = 1;
		return -1;
	}
	return 0;	/* a database hiccup: the finish checks again */
}

enum hop_rc {
	HOP_OK,			/* 200 and its body */
	HOP_REDIRECT,		/* next holds the target */
	HOP_FAIL,		/* *status says how */
};

/*
 * One request for url, without following redirects. HOP_OK with b filled
 * (status 200, an HTML type when b->html), HOP_REDIRECT with the absolute
 * target in next (nextlen bytes), or HOP_FAIL with *status and *code.
 */
static enum hop_rc
crawl_hop(struct crawl *cr, const char *url, struct crawl_body *b,
    char *next, size_t nextlen, enum crawl_status *status, long *code)
{
	char		*loc = NULL, *ctype = NULL;
	CURLcode	 rc;

	*code = 0;
	if (cr->lost || crawl_renew(cr) == -1) {
		*status = CS_FAILED;
		return HOP_FAIL;
	}
	cr->blocked = 0;
	b->h = cr->h;
	curl_easy_setopt(cr->h, CURLOPT_URL, url);
	curl_easy_setopt(cr->h, CURLOPT_WRITEDATA, b);
	rc = curl_easy_perform(cr->h);
	curl_easy_getinfo(cr->h, CURLINFO_RESPONSE_CODE, code);
	curl_easy_getinfo(cr->h, CURLINFO_CONTENT_TYPE, &ctype);
	if (rc == CURLE_COULDNT_CONNECT && cr->blocked)
		*status = CS_BLOCKED;
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		*status = CS_TIMEOUT;
	else if (rc != CURLE_OK && rc != CURLE_WRITE_ERROR) {
		log_info("job %llu: %s", (unsigned long long)cr->job.id,
		    curl_easy_strerror(rc));
		*status = CS_FAILED;
	} else if (*code >= 300 && *code < 400 && *code != 304 &&
	    curl_easy_getinfo(cr->h, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK &&
	    loc != NULL) {
		if (strlen(loc) >= nextlen) {
			*status = CS_BAD_URL;
			return HOP_FAIL;
		}
		memcpy(next, loc, strlen(loc) + 1);
		return HOP_REDIRECT;
	} else if (*code != 200)
		*status = CS_HTTP;
	else if (b->not_html || (b->html && !crawl_is_html(ctype)))
		*status = CS_NOT_HTML;
	else if (rc == CURLE_WRITE_ERROR && !b->capped)
		*status = CS_FAILED;
	else {
		if (b->p == NULL && (b->p = strdup("")) == NULL)
			abort();	/* an empty body */
		return HOP_OK;
	}
	return HOP_FAIL;
}

/* The parts of an absolute http(s) URL the rules look at. */
struct crawl_url {
	char	 url[ENRICH_URL_MAX + 1];	/* without its fragment */
	char	 origin[300];			/* scheme://host:port */
	char	 path[ENRICH_URL_MAX + 1];	/* path and query */
	char	 site[254];			/* pnorm_website_host() */
};

/*
 * Splits and checks text as a URL the crawler may request: http or https
 * on its default port (an HTTP request sent to another service's port is
 * a classic SSRF), on a domain name: pnorm_website_host() refuses IP
 * literals and single labels, so even where private addresses are
 * allowed the crawler never asks for 127.0.0.1, localhost or
 * 169.254.169.254 by name. 0, or -1 (CS_BAD_URL).
 */
static int
crawl_url_parse(struct crawl_url *u, const char *text)
{
	CURLU		*cu;
	char		*scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	char		*query = NULL, *full = NULL;
	int		 rc = -1;

	if ((cu = curl_url()) == NULL)
		abort();
	if (strlen(text) > ENRICH_URL_MAX ||
	    curl_url_set(cu, CURLUPART_URL, text, 0) != CURLUE_OK ||
	    curl_url_set(cu, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK ||
	    curl_url_get(cu, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(cu, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(cu, CURLUPART_PATH, &path, 0) != CURLUE_OK ||
	    curl_url_get(cu, CURLUPART_URL, &full, 0) != CURLUE_OK)
		goto out;
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
		goto out;
	/* An explicit port other than the scheme's is refused. */
	if (curl_url_get(cu, CURLUPART_PORT, &port, 0) == CURLUE_OK &&
	    strcmp(port, strcmp(scheme, "http") == 0 ? "80" : "443") != 0)
		goto out;
	curl_url_get(cu, CURLUPART_QUERY, &query, 0);
	if (strlen(full) > ENRICH_URL_MAX ||
	    pnorm_website_host(u->site, full) == -1)
		goto out;
	snprintf(u->url, sizeof(u->url), "%s", full);
	snprintf(u->origin, sizeof(u->origin), "%s://%s", scheme, host);
	snprintf(u->path, sizeof(u->path), "%s%s%s", path, query != NULL ? "?" :
	    "", query != NULL ? query : "");
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_free(full);
	curl_url_cleanup(cu);
	return rc;
}

static int
crawl_own_site(const struct crawl *cr, const char *site)
{
	return strcmp(cr->sites[0], site) == 0 ||
	    (cr->sites[1][0] != '\0' && strcmp(cr->sites[1], site) == 0);
}

/*
 * The robots.txt of u's origin, fetched on first use (redirects followed
 * to any URL crawl_url_parse() accepts, at most ENRICH_REDIRECTS).
 */
static struct crawl_robots *
crawl_robots_get(struct crawl *cr, const struct crawl_url *u)
{
	struct crawl_robots	*rb;
	struct crawl_body	 b;
	struct crawl_url	 ru;
	enum crawl_status	 st = CS_OK;
	char			 url[ENRICH_URL_MAX + 1], next[ENRICH_URL_MAX + 1];
	long			 code;
	size_t			 i, hops;

	for (i = 0; i < cr->nrobots; i++)
		if (strcmp(cr->robots[i].origin, u->origin) == 0)
			return &cr->robots[i];
	/* Full: the oldest origin's rules make room (fetched again if needed). */
	if (cr->nrobots == ENRICH_ORIGINS) {
		free(cr->robots[0].text);
		memmove(&cr->robots[0], &cr->robots[1],
		    sizeof(cr->robots[0]) * (ENRICH_ORIGINS - 1));
		cr->nrobots--;
	}
	rb = &cr->robots[cr->nrobots++];
	memset(rb, 0, sizeof(*rb));
	snprintf(rb->origin, sizeof(rb->origin), "%s", u->origin);
	snprintf(url, sizeof(url), "%s/robots.txt", u->origin);
	for (hops = 0; ; hops++) {
		memset(&b, 0, sizeof(b));
		b.max = (size_t)cr->c->enrich_page_max;
		switch (crawl_hop(cr, url, &b, next, sizeof(next), &st, &code)) {
		case HOP_OK:
			rb->state = ROBOTS_TEXT;
			rb->text = b.p;
			rb->len = b.len;
			return rb;
		case HOP_REDIRECT:
			free(b.p);
			/* RFC 9309 2.3.1.2: past the limit, as if there were none. */
			if (hops == ENRICH_REDIRECTS || crawl_url_parse(&ru, next) == -1) {
				rb->state = ROBOTS_ALL;
				return rb;
			}
			snprintf(url, sizeof(url), "%s", ru.url);
			continue;
		case HOP_FAIL:
			free(b.p);
			break;
		}
		break;
	}
	/* 2.3.1.3: 4xx, no robots.txt; 2.3.1.4: 5xx or no answer, none allowed. */
	if (st == CS_HTTP && code < 500)
		rb->state = ROBOTS_ALL;
	else {
		rb->state = ROBOTS_NONE;
		rb->why = st == CS_BLOCKED || st == CS_TIMEOUT ? st : CS_ROBOTS_DOWN;
	}
	return rb;
}

/* CS_OK if u may be requested by robots.txt, else why not. */
static enum crawl_status
crawl_robots_check(struct crawl *cr, const struct crawl_url *u)
{
	struct crawl_robots	*rb = crawl_robots_get(cr, u);

	switch (rb->state) {
	case ROBOTS_ALL:
		return CS_OK;
	case ROBOTS_NONE:
		return rb->why;
	case ROBOTS_TEXT:
		break;
	}
	return robots_allowed(rb->text, rb->len, cr->token, u->path) ? CS_OK :
	    CS_ROBOTS;
}

static void
crawl_page_note(struct crawl *cr, const char *url, enum crawl_status st,
    long code)
{
	json_t	*p;

	p = json_pack("{s:s, s:s}", "url", url, "status", crawl_statuses[st].code);
	if (p == NULL)
		abort();
	if (code > 0)
		json_object_set_new(p, "http_status", json_integer(code));
	json_array_append_new(cr->pages, p);
}

/*
 * Reads one page, following its redirects by the rules above (home: the
 * website's first page, which may lead to another site, whose host then
 * counts as the business's own). The outcome goes to cr->pages; on
 * CS_OK or CS_TRUNCATED, b holds the body and final the URL it came from.
 */
static enum crawl_status
crawl_page(struct crawl *cr, const char *start, int home, struct crawl_body *b,
    struct crawl_url *final)
{
	struct crawl_url	 u;
	enum crawl_status	 st = CS_OK;
	char			 next[ENRICH_URL_MAX + 1];
	const char		*url = start;
	long			 code = 0;
	size_t			 hops;

	for (hops = 0; ; hops++) {
		if (crawl_url_parse(&u, url) == -1) {
			st = CS_BAD_URL;
			break;
		}
		if (!home && !crawl_own_site(cr, u.site)) {
			st = CS_OFFSITE;
			break;
		}
		if ((st = crawl_robots_check(cr, &u)) != CS_OK)
			break;
		if (hops == 0)
			cr->fetched++;	/* the budget counts pages requested */
		memset(b, 0, sizeof(*b));
		b->html = 1;
		b->max = (size_t)cr->c->enrich_page_max;
		switch (crawl_hop(cr, u.url, b, next, sizeof(next), &st, &code)) {
		case HOP_OK:
			st = b->capped ? CS_TRUNCATED : CS_OK;
			*final = u;
			crawl_page_note(cr, start, st, code);
			if (home && !crawl_own_site(cr, u.site))
				snprintf(cr->sites[1], sizeof(cr->sites[1]), "%s",
				    u.site);
			return st;
		case HOP_REDIRECT:
			free(b->p);
			b->p = NULL;
			if (hops == ENRICH_REDIRECTS) {
				st = CS_REDIRECTS;
				break;
			}
			url = next;
			continue;
		case HOP_FAIL:
			free(b->p);
			b->p = NULL;
			break;
		}
		break;
	}
	crawl_page_note(cr, start, st, code);
	return st;
}

/* The rank of a found address: own domain first, generic before named. */
static int
crawl_rank(const struct crawl_found *f)
{
	return (f->own ? 0 : 2) + (f->generic ? 0 : 1);
}

/*
 * Keeps an address found on page url (htmlmail gives valid ones) unless
 * seen already, if it is on the business's own domain or at a shared
 * mailbox provider (pnorm_shared_host(): a business without a domain of
 * its own writes from one); an address on another business's domain (the
 * accountant, the web agency) is not this prospect's. Kept in rank order,
 * first found first within a rank; past ENRICH_FOUND_MAX the worst goes.
 */
static void
crawl_keep(struct crawl *cr, const char *email, const char *how,
    const char *url)
{
	struct crawl_found	 f;
	const char		*dom;
	char			 site[254], url_dom[300];
	size_t			 i;

	memset(&f, 0, sizeof(f));
	snprintf(f.email, sizeof(f.email), "%s", email);
	email_key(f.key, email);
	for (i = 0; i < cr->nfound; i++)
		if (strcmp(cr->found[i].key, f.key) == 0)
			return;
	dom = strrchr(f.key, '@') + 1;
	snprintf(url_dom, sizeof(url_dom), "http://%s/", dom);
	f.own = pnorm_website_host(site, url_dom) == 0 && crawl_own_site(cr, site);
	if (!f.own && !pnorm_shared_host(dom))
		return;
	f.generic = pnorm_email_generic(f.key);
	f.how = how;
	snprintf(f.url, sizeof(f.url), "%s", url);
	if (cr->nfound == ENRICH_FOUND_MAX) {
		if (crawl_rank(&cr->found[cr->nfound - 1]) <= crawl_rank(&f))
			return;
		cr->nfound--;	/* the worst one makes room */
	}
	for (i = cr->nfound; i > 0 && crawl_rank(&cr->found[i - 1]) > crawl_rank(&f);
	    i--)
		cr->found[i] = cr->found[i - 1];
	cr->found[i] = f;
	cr->nfound++;
}

/* A candidate page to read after the home page. */
struct crawl_link {
	char	 url[ENRICH_URL_MAX + 1];
};

/* Adds url to links unless it is there already, or is the home page. */
static void
crawl_link_add(struct crawl_link *links, size_t *n, const char *url,
    const char *home)
{
	struct crawl_url	 u;
	size_t			 i;

	if (*n == ENRICH_LINKS_MAX || crawl_url_parse(&u, url) == -1 ||
	    strcmp(u.url, home) == 0)
		return;
	for (i = 0; i < *n; i++)
		if (strcmp(links[i].url, u.url) == 0)
			return;
	snprintf(links[(*n)++].url, sizeof(links[0].url), "%s", u.url);
}

/*
 * Parses a page read: addresses kept, and, from the home page, the links
 * htmlmail scores as likely contact pages (best first) added to links,
 * those of the site only.
 */
static void
crawl_parse(struct crawl *cr, const struct crawl_body *b,
    const struct crawl_url *at, struct crawl_link *links, size_t *nlinks)
{
	struct htmlmail_res	 res;
	struct crawl_url	 u;
	size_t			 i;

	if (htmlmail_extract(&res, b->p, b->len, at->url) == -1) {
		log_warn("job %llu: out of memory parsing %s",
		    (unsigned long long)cr->job.id, at->url);
		return;
	}
	for (i = 0; i < res.nfound; i++)
		crawl_keep(cr, res.found[i].email,
		    htmlmail_how_name(res.found[i].how), at->url);
	for (i = 0; links != NULL && i < res.nlinks; i++)
		if (crawl_url_parse(&u, res.links[i].url) == 0 &&
		    crawl_own_site(cr, u.site))
			crawl_link_add(links, nlinks, u.url, at->url);
	htmlmail_res_free(&res);
}

/*
 * Crawls website: robots.txt, the home page, then the pages it links to
 * as likely contact pages and the usual paths, within the page budget.
 * Fills cr->pages and cr->found. Stops early on a signal or a lost lease.
 * CS_OK when some page was read, else the home page's outcome.
 */
static enum crawl_status
crawl_site(struct crawl *cr, const char *website)
{
	struct crawl_link	 links[ENRICH_LINKS_MAX];
	struct crawl_url	 start, final;
	struct crawl_body	 b;
	enum crawl_status	 home, st;
	char			 url[ENRICH_URL_MAX + 1];
	size_t			 nlinks = 0, i;
	int			 read = 0;
	char			 given[ENRICH_URL_MAX + 1];

	/*
	 * Spreadsheets and people write "garage-martin.fr": such a site is
	 * asked for over http, which the site may redirect to https.
	 */
	if (strstr(website, "://") == NULL) {
		snprintf(given, sizeof(given), "http://%s", website);
		website = given;
	}
	if (crawl_url_parse(&start, website) == -1) {
		crawl_page_note(cr, website, CS_BAD_URL, 0);
		return CS_BAD_URL;
	}
	snprintf(cr->sites[0], sizeof(cr->sites[0]), "%s", start.site);
	final = start;
	home = crawl_page(cr, start.url, 1, &b, &final);
	if (home == CS_OK || home == CS_TRUNCATED) {
		crawl_parse(cr, &b, &final, links, &nlinks);
		free(b.p);
		read = 1;
	} else if (home != CS_ROBOTS && home != CS_HTTP && home != CS_NOT_HTML &&
	    home != CS_REDIRECTS)
		return home;	/* the site cannot be reached: no more tries */
	for (i = 0; crawl_paths[i] != NULL; i++) {
		snprintf(url, sizeof(url), "%s%s", final.origin, crawl_paths[i]);
		crawl_link_add(links, &nlinks, url, final.url);
	}
	for (i = 0; i < nlinks && !worker_stopping(); i++) {
		if (cr->fetched >= (size_t)cr->c->enrich_pages_max || cr->lost)
			break;
		st = crawl_page(cr, links[i].url, 0, &b, &final);
		if (st == CS_OK || st == CS_TRUNCATED) {
			crawl_parse(cr, &b, &final, NULL, NULL);
			free(b.p);
			read = 1;
		}
	}
	return read ? CS_OK : home;
}

/* In one transaction: the oldest job nobody holds, leased to us (cr->job). */
static int
enricher_claim_tx(struct db *db, void *arg)
{
	struct crawl	*cr = arg;
	struct job	*j = &cr->job;
	int		 rc;

	memset(j, 0, sizeof(*j));
	if ((rc = db_one(db, EN_CLAIM, DB_NOARGS)) != DB_OK)
		return rc == DB_NONE ? DB_OK : rc;
	j->id = (uint64_t)db_int(db, 0);
	j->user_id = (uint64_t)db_int(db, 1);
	j->prospect_id = (uint64_t)db_int(db, 2);
	j->attempts = db_int(db, 3) + 1;
	db_done(db);
	return db_exec(db, EN_LEASE, DB_ARGS(DB_INT(cr->c->worker_lease),
	    DB_INT(j->id)));
}

/* How a job ends, and what the transaction that ends it worked out. */
struct finish {
	struct crawl		*cr;
	enum crawl_status	 error;		/* CS_OK: done */
	int			 suppressed[ENRICH_FOUND_MAX];
	long			 nsuppressed;
	long			 added;
};

/*
 * Marks the found addresses that are on the tenant's suppression list:
 * the address or its whole domain, hashed by prosp_rec_supp_hashes(), the
 * rule every entry point of prospects shares.
 */
static int
enricher_suppressed(struct db *db, struct finish *f)
{
	unsigned char	 h[PROSP_SUPP_KEYS][SUPP_HASH_LEN];
	struct prosp_rec rec;
	size_t		 i, n;
	int		 rc;

	f->nsuppressed = 0;
	for (i = 0; i < f->cr->nfound; i++) {
		memset(&rec, 0, sizeof(rec));
		snprintf(rec.emails[0].key, sizeof(rec.emails[0].key), "%s",
		    f->cr->found[i].key);
		rec.nemails = 1;
		n = prosp_rec_supp_hashes(&rec, h);
		rc = db_one(db, EN_SUPPRESSED, DB_ARGS(DB_BLOB(h[0], SUPP_HASH_LEN),
		    n > 1 ? DB_BLOB(h[1], SUPP_HASH_LEN) : DB_NULL));
		db_done(db);
		if (rc != DB_OK && rc != DB_NONE)
			return rc;
		f->suppressed[i] = rc == DB_OK;
		f->nsuppressed += f->suppressed[i];
	}
	return DB_OK;
}

/*
 * Adds the new addresses to the prospect's emails list ({email, kind,
 * source "website", url}, up to PROSP_EMAILS_MAX in all) and, when it
 * has no address yet, makes the best one its address: found[] is in rank
 * order (crawl_rank(): own domain first, then generic before named,
 * because a generic address is the business's published line and not a
 * person's, CNIL "La prospection commerciale par courrier électronique").
 */
static int
enricher_prospect(struct db *db, struct finish *f)
{
	const struct crawl_found *fd, *best = NULL;
	json_t		*emails, *e;
	char		*text, key[EMAIL_MAX + 1], search[PNORM_SEARCH_MAX + 1];
	char		*kept[4];	/* name, city, category, postal code */
	const char	*addr;
	size_t		 i, k;
	int		 rc, had, known;

	rc = db_one(db, EN_PROSPECT_LOCK, DB_ARGS(DB_INT(f->cr->job.prospect_id)));
	if (rc != DB_OK)
		return rc == DB_NONE ? DB_OK : rc;	/* deleted meanwhile */
	emails = db_null(db, 0) ? NULL : json_loadb(db_str(db, 0), db_len(db, 0),
	    0, NULL);
	if (!json_is_array(emails)) {
		json_decref(emails);
		emails = json_array();
	}
	had = !db_null(db, 1);
	for (k = 0; k < 4; k++)
		kept[k] = db_null(db, 2 + k) ? NULL : strdup(db_str(db, 2 + k));
	db_done(db);
	f->added = 0;
	for (i = 0; i < f->cr->nfound; i++) {
		fd = &f->cr->found[i];
		if (f->suppressed[i])
			continue;
		if (best == NULL)
			best = fd;
		known = 0;
		json_array_foreach(emails, k, e)
			if ((addr = json_string_value(json_object_get(e, "email"))) != NULL &&
			    email_valid(addr)) {
				email_key(key, addr);
				known |= strcmp(key, fd->key) == 0;
			}
		if (known || json_array_size(emails) >= PROSP_EMAILS_MAX)
			continue;
		json_array_append_new(emails, json_pack("{s:s, s:s, s:s, s:s}",
		    "email", fd->email, "kind", fd->generic ? "generic" : "named",
		    "source", "website", "url", fd->url));
		f->added++;
	}
	if ((text = json_dumps(emails, JSON_COMPACT)) == NULL)
		abort();
	json_decref(emails);
	if (!had && best != NULL)
		rc = db_exec(db, EN_BEST_SET, DB_ARGS(DB_TEXT(text),
		    DB_TEXT(best->email), DB_TEXT(best->key),
		    DB_TEXT(best->generic ? "generic" : "named"),
		    DB_TEXT(prosp_search_text(search, kept[0], kept[1],
		    kept[2], best->email, kept[3])),
		    DB_INT(f->cr->job.prospect_id)));
	else if (f->added > 0)
		rc = db_exec(db, EN_EMAILS_SET, DB_ARGS(DB_TEXT(text),
		    DB_INT(f->cr->job.prospect_id)));
	free(text);
	for (k = 0; k < 4; k++)
		free(kept[k]);
	return rc;
}

/* The job's result: {found, pages, suppressed, error}. Owned text. */
static char *
enricher_result(const struct finish *f)
{
	const struct crawl_found *fd;
	json_t		*res, *found;
	char		*text;
	size_t		 i;

	found = json_array();
	for (i = 0; i < f->cr->nfound; i++) {
		fd = &f->cr->found[i];
		if (!f->suppressed[i])
			json_array_append_new(found, json_pack(
			    "{s:s, s:s, s:s, s:s, s:b}", "email", fd->email, "kind",
			    fd->generic ? "generic" : "named", "url", fd->url,
			    "how", fd->how, "own_domain", fd->own));
	}
	res = json_pack("{s:o, s:O, s:I}", "found", found, "pages", f->cr->pages,
	    "suppressed", (json_int_t)f->nsuppressed);
	if (res == NULL)
		abort();
	json_object_set_new(res, "error", f->error == CS_OK ? json_null() :
	    json_pack("{s:s, s:s}", "code", crawl_statuses[f->error].code,
	    "message", crawl_statuses[f->error].message));
	if ((text = json_dumps(res, JSON_COMPACT)) == NULL)
		abort();
	json_decref(res);
	return text;
}

/*
 * Ends the job if its lease is still ours: suppression checks, the
 * prospect's addresses (done jobs only), the result. DB_NONE when the job
 * is not ours any more.
 */
static int
enricher_finish_tx(struct db *db, void *arg)
{
	struct finish	*f = arg;
	char		*text;
	int		 rc;

	rc = db_one(db, EN_OWNED, DB_ARGS(DB_INT(f->cr->job.id),
	    DB_INT(f->cr->job.attempts)));
	db_done(db);
	if (rc != DB_OK)
		return rc;
	if ((rc = enricher_suppressed(db, f)) != DB_OK)
		return rc;
	if (f->error == CS_OK && (rc = enricher_prospect(db, f)) != DB_OK)
		return rc;
	text = enricher_result(f);
	rc = db_exec(db, EN_FINISH, DB_ARGS(DB_TEXT(f->error == CS_OK ? "done" :
	    "failed"), DB_TEXT(text), DB_TEXT(f->error == CS_OK ? NULL :
	    crawl_statuses[f->error].code), DB_INT(f->cr->job.id)));
	free(text);
	return rc;
}

/* Forgets the last job's pages, robots.txt and addresses. */
static void
crawl_reset(struct crawl *cr)
{
	size_t	 i;

	for (i = 0; i < cr->nrobots; i++)
		free(cr->robots[i].text);
	cr->nrobots = 0;
	json_decref(cr->pages);
	cr->pages = json_array();
	cr->lost = 0;
	cr->fetched = cr->nfound = 0;
	memset(cr->sites, 0, sizeof(cr->sites));
}

/* Runs the claimed job (cr->job) as its user. */
static void
enricher_job(struct crawl *cr)
{
	const struct job *j = &cr->job;
	struct finish	 f;
	char		 website[ENRICH_URL_MAX + 1];
	int		 rc;

	crawl_reset(cr);
	memset(&f, 0, sizeof(f));
	f.cr = cr;
	if ((rc = db_user_set(cr->db, j->user_id)) != DB_OK) {
		log_warn("job %llu: cannot act as its user: left to its lease",
		    (unsigned long long)j->id);
		return;
	}
	rc = db_one(cr->db, EN_PROSPECT, DB_ARGS(DB_INT(j->prospect_id)));
	if (rc == DB_OK && !db_null(cr->db, 0) && *db_str(cr->db, 0) != '\0')
		snprintf(website, sizeof(website), "%s", db_str(cr->db, 0));
	else
		website[0] = '\0';
	db_done(cr->db);
	if (rc != DB_OK && rc != DB_NONE) {
		log_warn("job %llu: cannot read its prospect: left to its lease",
		    (unsigned long long)j->id);
		goto out;
	}
	if (j->attempts > ENRICH_TRIES)
		f.error = CS_GAVE_UP;
	else if (website[0] == '\0')
		f.error = CS_NO_WEBSITE;
	else {
		f.error = crawl_site(cr, website);
		if (cr->lost)
			goto out;
		if (worker_stopping()) {
			/* Back to the queue for the next worker, at once. */
			db_exec(cr->db, EN_RELEASE, DB_ARGS(DB_INT(j->id),
			    DB_INT(j->attempts)));
			log_info("job %llu: stopped, queued again",
			    (unsigned long long)j->id);
			goto out;
		}
	}
	rc = db_tx(cr->db, enricher_finish_tx, &f);
	if (rc == DB_OK)
		log_info("job %llu: %s, %zu address(es) found, %ld new, %ld "
		    "suppressed, %zu page(s) requested", (unsigned long long)j->id,
		    f.error == CS_OK ? "done" : crawl_statuses[f.error].code,
		    cr->nfound - (size_t)f.nsuppressed, f.added, f.nsuppressed,
		    cr->fetched);
	else if (rc == DB_NONE)
		log_warn("job %llu: the lease went to another worker: result "
		    "dropped", (unsigned long long)j->id);
	else
		log_warn("job %llu: the result could not be saved: left to its "
		    "lease", (unsigned long long)j->id);
out:
	db_user_clear(cr->db);
}

/* The handle's settings for every request (redirects are ours to follow). */
static int
crawl_init(struct crawl *cr, const struct conf *c, struct db *db)
{
	memset(cr, 0, sizeof(*cr));
	cr->c = c;
	cr->db = db;
	robots_token(cr->token, sizeof(cr->token), c->enrich_user_agent);
	if (cr->token[0] == '\0') {
		log_err("enrich_user_agent \"%s\" does not start with a product "
		    "token (RFC 9309 section 2.2.1)", c->enrich_user_agent);
		return -1;
	}
	/* One request must end before the lease it was renewed for. */
	if (c->worker_lease <= c->enrich_timeout) {
		log_err("worker_lease (%ld s) must be longer than enrich_timeout "
		    "(%ld s)", c->worker_lease, c->enrich_timeout);
		return -1;
	}
	if ((cr->h = curl_easy_init()) == NULL)
		abort();
	if (*c->enrich_connect_to != '\0' &&
	    (cr->connect_to = curl_slist_append(NULL, c->enrich_connect_to)) == NULL)
		abort();
	cr->headers = curl_slist_append(NULL,
	    "Accept: text/html,application/xhtml+xml;q=0.9");
	if (cr->headers == NULL || (cr->headers = curl_slist_append(cr->headers,
	    "Accept-Language: fr,en;q=0.5")) == NULL)
		abort();
	curl_easy_setopt(cr->h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(cr->h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(cr->h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(cr->h, CURLOPT_PROXY, "");
	curl_easy_setopt(cr->h, CURLOPT_USERAGENT, c->enrich_user_agent);
	curl_easy_setopt(cr->h, CURLOPT_HTTPHEADER, cr->headers);
	curl_easy_setopt(cr->h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(cr->h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(cr->h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(cr->h, CURLOPT_CONNECTTIMEOUT, c->enrich_timeout);
	curl_easy_setopt(cr->h, CURLOPT_TIMEOUT, c->enrich_timeout);
	curl_easy_setopt(cr->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cr->h, CURLOPT_WRITEFUNCTION, crawl_write);
	curl_easy_setopt(cr->h, CURLOPT_OPENSOCKETFUNCTION, crawl_socket);
	curl_easy_setopt(cr->h, CURLOPT_OPENSOCKETDATA, cr);
	if (cr->connect_to != NULL)
		curl_easy_setopt(cr->h, CURLOPT_CONNECT_TO, cr->connect_to);
	return 0;
}

static void
crawl_fini(struct crawl *cr)
{
	crawl_reset(cr);
	json_decref(cr->pages);
	curl_easy_cleanup(cr->h);
	curl_slist_free_all(cr->connect_to);
	curl_slist_free_all(cr->headers);
}

int
main(int argc, char *argv[])
{
	struct conf		 conf;
	struct db		*db;
	struct crawl		 cr;
	int			 rc, once, down = 0;

	/* The suppression list's hashes need the lookup key (worker_start). */
	if ((rc = worker_start(argc, argv, "prospea-enricher",
	    "prospea_enricher", &conf, &once)) != 0)
		return rc;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		abort();
	if ((db = db_open(&conf, &enricher_table, 1)) == NULL)
		return 1;
	if (crawl_init(&cr, &conf, db) == -1)
		return 2;

	worker_signals();
	log_info("ready: %s, at most %ld pages of %ld bytes per site%s",
	    conf.enrich_user_agent, conf.enrich_pages_max, conf.enrich_page_max,
	    conf.enrich_allow_private ? ", private addresses allowed" : "");

	while (!worker_stopping()) {
		rc = db_tx(db, enricher_claim_tx, &cr);
		if (rc != DB_OK) {
			if (!down)
				log_warn("cannot claim jobs (database %s)",
				    rc == DB_DOWN ? "unreachable" : "error");
			down = 1;
			worker_sleep(1000);
			continue;
		}
		down = 0;
		if (cr.job.id != 0) {
			enricher_job(&cr);
			continue;
		}
		if (once)
			break;
		worker_sleep(conf.worker_poll_ms);
	}
	log_info("stopping");
	crawl_fini(&cr);
	db_free(db);
	secret_fini();
	curl_global_cleanup();
	conf_free(&conf);
	return 0;
}
