/*
 * The recipients' unsubscribe links, /api/v1/u/{token}: the token of a
 * message (unsub.h) is all the authority there is, so no session, no
 * cookie, no CSRF token. GET answers a small page, in French then
 * English, with a button that posts the one-click form back, and changes
 * nothing (mail scanners follow links: RFC 8058 section 4). POST with
 * "List-Unsubscribe=One-Click" (RFC 8058 section 3.2, URL-encoded or
 * multipart, as mail clients send it) puts the message's address on its
 * sender's suppression list (reason "unsubscribe") and stops every active
 * enrollment of the prospect in every campaign of that user
 * (docs/sequencing.md, "Stops from outside"). Doing it again changes
 * nothing more. A token this platform did not write is a 404 page.
 *
 * With no session there is no tenant until the message says whose it
 * is: its user is read from the base table (a column grant on message),
 * made the connection's tenant (db_user_set()), and everything else goes
 * through the per-user views as in any request.
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "campaigns.h"
#include "email.h"
#include "form.h"
#include "req.h"
#include "resp.h"
#include "supp.h"
#include "unsub.h"

static const char *const camp_unsub_sql[CU__MAX] = {
#define T(x)	[x]
	T(CU_MESSAGE) = "SELECT user_id, prospect_id, channel, to_addr"
	    " FROM message WHERE id = ?",
	T(CU_SUPPRESS) = "INSERT INTO my_suppression (user_id, kind,"
	    " value_hash, hint, reason, created_at)"
	    " VALUES (?, ?, ?, ?, 'unsubscribe', NOW(3))",
	T(CU_STOP) = "UPDATE my_enrollment SET status = 'stopped',"
	    " stop_reason = 'unsubscribed', due_at = NULL, finished_at = NOW(3),"
	    " updated_at = NOW(3)"
	    " WHERE user_id = ? AND prospect_id = ? AND status = 'active'",
	T(CU_CANCEL) = "UPDATE my_task SET status = 'canceled'"
	    " WHERE user_id = ? AND prospect_id = ? AND status = 'open'",
	/* Not to be contacted again (a customer stays a customer). */
	T(CU_DNC) = "UPDATE my_prospect SET status = IF(status = 'customer',"
	    " status, 'do_not_contact'), updated_at = NOW(3) WHERE id = ?",
#undef T
};
const struct db_table camp_unsub_table = { camp_unsub_sql, CK__MAX, CU__MAX };

/* The page's frame; its title and body are ours, never a request's. */
static const char camp_unsub_head[] =
    "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<meta name=\"robots\" content=\"noindex\">\n<title>";
static const char camp_unsub_form[] =
    "<form method=\"post\">"
    "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
    "<button type=\"submit\">Me désinscrire · Unsubscribe</button></form>\n";

/* The pages, French first: title, then body; "%s" stands for the address. */
static const struct {
	int		 status;
	const char	*title, *body;
	int		 form;
} camp_unsub_pages[] = {
#define PAGE_ASK	0
	{ 200, "Se désinscrire · Unsubscribe",
	    "<h1>Ne plus recevoir ces messages</h1>\n"
	    "<p>Confirmez, et l’adresse %s ne recevra plus aucun message de "
	    "cet expéditeur.</p>\n"
	    "<h1 lang=\"en\">Stop receiving these messages</h1>\n"
	    "<p lang=\"en\">Confirm, and %s will receive no more messages "
	    "from this sender.</p>\n", 1 },
#define PAGE_DONE	1
	{ 200, "Désinscription enregistrée · Unsubscribed",
	    "<h1>C’est fait</h1>\n"
	    "<p>L’adresse %s ne recevra plus de messages de cet expéditeur.</p>\n"
	    "<h1 lang=\"en\">Done</h1>\n"
	    "<p lang=\"en\">%s will receive no more messages from this sender.</p>\n",
	    0 },
#define PAGE_BAD	2
	{ 400, "Demande incomplète · Incomplete request",
	    "<h1>Demande incomplète</h1>\n"
	    "<p>Utilisez le bouton ci-dessous pour vous désinscrire.</p>\n"
	    "<h1 lang=\"en\">Incomplete request</h1>\n"
	    "<p lang=\"en\">Use the button below to unsubscribe.</p>\n", 1 },
#define PAGE_UNKNOWN	3
	{ 404, "Lien inconnu · Unknown link",
	    "<h1>Ce lien de désinscription n’est pas valide</h1>\n"
	    "<p>Pour ne plus être contacté, répondez au message reçu en le "
	    "demandant.</p>\n"
	    "<h1 lang=\"en\">This unsubscribe link is not valid</h1>\n"
	    "<p lang=\"en\">To be contacted no more, reply to the message you "
	    "received and say so.</p>\n", 0 },
#define PAGE_DOWN	4
	{ 503, "Indisponible · Unavailable",
	    "<h1>Service momentanément indisponible</h1>\n"
	    "<p>Réessayez dans quelques minutes.</p>\n"
	    "<h1 lang=\"en\">Briefly unavailable</h1>\n"
	    "<p lang=\"en\">Try again in a few minutes.</p>\n", 0 },
};

/* s with & < > " ' escaped (arena). */
static const char *
camp_html_escape(struct req *r, const char *s)
{
	char	*out = arena_alloc(r->arena, strlen(s) * 6 + 1), *o = out;

	for (; *s != '\0'; s++)
		switch (*s) {
		case '&': o = stpcpy(o, "&amp;"); break;
		case '<': o = stpcpy(o, "&lt;"); break;
		case '>': o = stpcpy(o, "&gt;"); break;
		case '"': o = stpcpy(o, "&quot;"); break;
		case '\'': o = stpcpy(o, "&#39;"); break;
		default: *o++ = *s; break;
		}
	*o = '\0';
	return out;
}

/* text with each "%s" replaced by a (arena). */
static const char *
camp_fill(struct req *r, const char *text, const char *a)
{
	const char	*p;
	char		*out, *o;
	size_t		 n = 0;

	for (p = text; (p = strstr(p, "%s")) != NULL; p += 2)
		n++;
	o = out = arena_alloc(r->arena, strlen(text) + n * strlen(a) + 1);
	for (p = text; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 's') {
			o = stpcpy(o, a);
			p++;
		} else
			*o++ = *p;
	}
	*o = '\0';
	return out;
}

/*
 * Answers page i as text/html; addr (a masked hint, or NULL) fills its
 * %s. No external resource: the core's Content-Security-Policy
 * (default-src 'none') holds, and a form may still post to its own page.
 */
static int
camp_unsub_reply(struct req *r, size_t i, const char *addr)
{
	const char	*a, *page;
	int		 status = camp_unsub_pages[i].status;

	if (i == PAGE_ASK || i == PAGE_DONE)
		a = addr != NULL ? arena_printf(r->arena, "<strong>%s</strong>",
		    camp_html_escape(r, addr)) : "";
	else
		a = "";
	if (i == PAGE_DOWN)
		resp_header(r, "Retry-After", "60");
	page = arena_printf(r->arena, "%s%s</title>\n</head>\n<body>\n<main>\n",
	    camp_unsub_head, camp_unsub_pages[i].title);
	page = arena_printf(r->arena, "%s%s", page, camp_fill(r,
	    camp_unsub_pages[i].body, a));
	page = arena_printf(r->arena, "%s%s</main>\n</body>\n</html>\n", page,
	    camp_unsub_pages[i].form ? camp_unsub_form : "");
	resp_stream_begin(r, status, "text/html; charset=utf-8");
	resp_stream_write(r, page, strlen(page));
	return status;
}

/* The message the link names, from the base table. */
struct camp_unsub_msg {
	uint64_t	 user, prospect;
	enum supp_kind	 kind;
	char		 value[EMAIL_MAX + 1];	/* normalised, or "" */
	char		 hint[SUPP_HINT_MAX + 1];
};

/*
 * Reads the message of the path's token into m. DB_OK, DB_NONE for a
 * token this platform did not write (*forged set) or a message that is
 * gone, or an error code.
 */
static int
camp_unsub_message(struct req *r, struct camp_unsub_msg *m, int *forged)
{
	uint64_t	 id = unsub_parse(req_param(r, 0));
	const char	*to;
	int		 rc;

	memset(m, 0, sizeof(*m));
	if ((*forged = id == 0))
		return DB_NONE;
	if ((rc = db_one(r->db, CU_MESSAGE, DB_ARGS(DB_INT(id)))) != DB_OK)
		return rc;
	m->user = (uint64_t)db_int(r->db, 0);
	m->prospect = (uint64_t)db_int(r->db, 1);
	to = db_str(r->db, 3);
	if (strcmp(db_str(r->db, 2), "email") == 0) {
		m->kind = SUPP_EMAIL;
		if (strlen(to) <= EMAIL_MAX && email_valid(to))
			email_key(m->value, to);
	} else {
		/* The sender writes the E.164 number it texted. */
		m->kind = SUPP_PHONE;
		if (to[0] == '+' && strlen(to) < 17 &&
		    strspn(to + 1, "0123456789") == strlen(to) - 1)
			snprintf(m->value, sizeof(m->value), "%s", to);
	}
	db_done(r->db);
	if (m->value[0] != '\0')
		supp_hint(m->hint, m->kind, m->value);
	return DB_OK;
}

int
camp_unsub_page(struct req *r)
{
	struct camp_unsub_msg	 m;
	int			 rc, forged;

	rc = camp_unsub_message(r, &m, &forged);
	if (forged)
		return camp_unsub_reply(r, PAGE_UNKNOWN, NULL);
	if (rc != DB_OK && rc != DB_NONE)
		return camp_unsub_reply(r, PAGE_DOWN, NULL);
	return camp_unsub_reply(r, PAGE_ASK, m.hint[0] != '\0' ? m.hint : NULL);
}

/* The opt-out of m, in one transaction. */
static int
camp_unsub_run(struct db *db, void *arg)
{
	struct camp_unsub_msg	*m = arg;
	unsigned char		 hash[SUPP_HASH_LEN];
	int			 rc;

	if (m->value[0] != '\0') {
		supp_hash(hash, m->kind, m->value);
		rc = db_exec(db, CU_SUPPRESS, DB_ARGS(DB_INT(m->user),
		    DB_TEXT(supp_kind_names[m->kind]), DB_BLOB(hash, sizeof(hash)),
		    DB_TEXT(m->hint)));
		if (rc != DB_OK && rc != DB_CONFLICT)	/* listed already */
			return rc;
	}
	rc = db_exec(db, CU_STOP, DB_ARGS(DB_INT(m->user), DB_INT(m->prospect)));
	if (rc != DB_OK && rc != DB_NONE)
		return rc;
	rc = db_exec(db, CU_CANCEL, DB_ARGS(DB_INT(m->user), DB_INT(m->prospect)));
	if (rc != DB_OK && rc != DB_NONE)
		return rc;
	rc = db_exec(db, CU_DNC, DB_ARGS(DB_INT(m->prospect)));
	return rc == DB_NONE ? DB_OK : rc;
}

int
camp_unsub_post(struct req *r)
{
	struct camp_unsub_msg	 m;
	struct kv		*kv;
	const char		*v;
	size_t			 n;
	int			 rc, forged, dup;

	rc = camp_unsub_message(r, &m, &forged);
	if (forged)
		return camp_unsub_reply(r, PAGE_UNKNOWN, NULL);
	if (!r->body_form || form_parse(r->arena, r->content_type, r->body,
	    r->bodylen, &kv, &n) == -1 ||
	    (v = query_get(kv, n, "List-Unsubscribe", &dup)) == NULL || dup ||
	    strcmp(v, "One-Click") != 0)
		return camp_unsub_reply(r, PAGE_BAD, NULL);
	if (rc == DB_NONE)	/* the message is gone: its prospect was erased */
		return camp_unsub_reply(r, PAGE_DONE, NULL);
	if (rc != DB_OK || db_user_set(r->db, m.user) != DB_OK ||
	    db_tx(r->db, camp_unsub_run, &m) != DB_OK)
		return camp_unsub_reply(r, PAGE_DOWN, NULL);
	return camp_unsub_reply(r, PAGE_DONE, m.hint[0] != '\0' ? m.hint : NULL);
}
