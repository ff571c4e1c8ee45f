/*
 * The privacy request queue across users (GDPR art. 12(3): an answer
 * within one month of receipt; each request carries its due date). Open
 * requests by due date, which puts the overdue ones first; closing one
 * records the resolution and tells the user by e-mail.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "arena.h"
#include "req.h"
#include "resp.h"
#include "rest.h"
#include "sess.h"
#include "tmail.h"

static json_t *
admin_prq_row(struct db *db)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}",
	    "id", db_str(db, 0), "user_id", db_str(db, 1),
	    "user_email", db_str(db, 2), "kind", db_str(db, 3),
	    "message", db_str(db, 4), "status", "open",
	    "created_at", db_str(db, 5), "due_at", db_str(db, 6),
	    "overdue", db_int(db, 7) != 0);
}

struct prq_list {
	struct req	*r;
	long		 limit;
	uint64_t	 cursor;
	int		 overdue;	/* -1 both, 0 not yet due, 1 overdue */
	const char	*reason;
	json_t		*out;
};

static int
admin_privacy_queue_tx(struct db *db, void *arg)
{
	struct prq_list	*q = arg;
	struct db_arg	 ov, cur;
	json_t		*item;
	size_t		 i;
	int		 rc;

	json_decref(q->out);
	q->out = NULL;
	if ((rc = admin_audit(q->r, 0, "privacy_queue_read", q->reason,
	    q->overdue == -1 ? NULL : q->overdue ? "overdue=true" :
	    "overdue=false")) != DB_OK)
		return rc;
	ov = q->overdue == -1 ? DB_NULL : DB_INT(q->overdue);
	cur = q->cursor == UINT64_MAX ? DB_NULL : DB_INT(q->cursor);
	if ((rc = rest_page_collect(db, AD_PRQ_LIST, DB_ARGS(ov, ov, cur, cur,
	    cur, cur, DB_INT(q->limit + 1)), q->limit, admin_prq_row,
	    &q->out)) != DB_OK)
		return rc;
	/*
	 * The page shows these users' requests (their e-mail, their words):
	 * each of them sees that access in GET /gdpr/admin-access.
	 */
	json_array_foreach(json_object_get(q->out, "items"), i, item) {
		if ((rc = admin_audit(q->r, strtoull(json_string_value(
		    json_object_get(item, "user_id")), NULL, 10),
		    "privacy_request_read", q->reason, arena_printf(q->r->arena,
		    "request %s", json_string_value(json_object_get(item,
		    "id"))))) != DB_OK)
			return rc;
	}
	return DB_OK;
}

int
admin_privacy_queue(struct req *r)
{
	struct prq_list	 q;
	const char	*ov = req_query(r, "overdue");
	int		 rc;

	memset(&q, 0, sizeof(q));
	q.r = r;
	if (req_page(r, &q.limit, &q.cursor) == -1 ||
	    (q.cursor != UINT64_MAX && q.cursor > INT64_MAX))
		return rest_bad_page(r);
	if (ov == NULL)
		q.overdue = -1;
	else if (strcmp(ov, "true") == 0)
		q.overdue = 1;
	else if (strcmp(ov, "false") == 0)
		q.overdue = 0;
	else
		return resp_problem(r, 400, "bad_query",
		    "overdue is true or false.");
	if ((rc = admin_reason_or_reply(r, 0, &q.reason)) != 0)
		return rc;
	return admin_tx_reply(r, admin_privacy_queue_tx, &q, &q.out, 200, NULL,
	    NULL);
}

static const char close_subject[] =
    "Votre demande relative à vos données a été traitée – Prospea";

struct prq_close {
	struct req	*r;
	uint64_t	 id;
	json_t		*out;
};

static int
admin_privacy_close_tx(struct db *db, void *arg)
{
	struct prq_close *c = arg;
	struct req	*r = c->r;
	const char	*res = req_str(r, PC_RESOLUTION), *hello, *text, *to;
	uint64_t	 uid;
	int		 rc, open, active;

	json_decref(c->out);
	c->out = NULL;
	if ((rc = db_one(db, AD_PRQ_LOCK, DB_ARGS(DB_INT(c->id)))) != DB_OK)
		return rc;
	uid = (uint64_t)db_int(db, 0);
	open = strcmp(db_str(db, 1), "open") == 0;
	db_done(db);
	if (!open)
		return DB_CONFLICT;	/* answered already: 409 */
	if ((rc = db_exec(db, AD_PRQ_CLOSE, DB_ARGS(DB_INT(r->sess->user_id),
	    DB_TEXT(res), DB_INT(c->id)))) != DB_OK)
		return rc == DB_NONE ? DB_ERR : rc;
	if ((rc = admin_audit(r, uid, "privacy_request_close",
	    req_str(r, PC_REASON), arena_printf(r->arena, "request %llu",
	    (unsigned long long)c->id))) != DB_OK)
		return rc;
	if ((rc = db_one(db, AD_PRQ_GET, DB_ARGS(DB_INT(c->id)))) != DB_OK)
		return rc == DB_NONE ? DB_ERR : rc;
	c->out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, "
	    "s:o, s:o}", "id", db_str(db, 0), "user_id", db_str(db, 1),
	    "user_email", db_str(db, 2), "kind", db_str(db, 3),
	    "message", db_str(db, 4), "status", db_str(db, 5),
	    "created_at", db_str(db, 6), "due_at", db_str(db, 7),
	    "closed_at", admin_str(db, 8), "closed_by", admin_str(db, 9),
	    "resolution", admin_str(db, 10));
	/* The user is told, in the same transaction as the answer itself. */
	active = strcmp(db_str(db, 13), "active") == 0;
	hello = db_int(db, 12) != 0 ? arena_printf(r->arena, "Bonjour %s,",
	    db_str(db, 11)) : "Bonjour,";
	to = arena_strdup(r->arena, db_str(db, 2));
	text = arena_printf(r->arena, "%s\n\n"
	    "Votre demande relative à vos données personnelles (%s), reçue le "
	    "%.10s, a été traitée. Notre réponse :\n\n%s\n\n"
	    "Vous pouvez suivre vos demandes dans l'espace « RGPD et données » "
	    "de Prospea. Si cette réponse ne vous satisfait pas, vous pouvez "
	    "introduire une réclamation auprès de la CNIL (www.cnil.fr).\n\n"
	    "L'équipe Prospea\n", hello, db_str(db, 3), db_str(db, 6), res);
	db_done(db);
	/* A closed account (erasure pending) is not written to. */
	return active ? tmail_queue(db, uid, "privacy_request_closed", to,
	    close_subject, text) : DB_OK;
}

int
admin_privacy_close(struct req *r)
{
	struct prq_close c;

	memset(&c, 0, sizeof(c));
	c.r = r;
	if ((c.id = req_param_id(r, 0)) == 0)
		return resp_db(r, DB_NONE);
	return admin_tx_reply(r, admin_privacy_close_tx, &c, &c.out, 200,
	    "already_closed", "This request is already closed.");
}
