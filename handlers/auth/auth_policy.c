/*
 * Accepting the privacy policy in force. Sign-up records the version the
 * user accepted; when an admin publishes a new one (handlers/admin, with
 * 30 days' notice by e-mail), every user must accept it once it is in
 * force: at their next sign-in (POST /auth/login answers 403
 * policy_acceptance_required until the body carries
 * accept_policy_version), or, in a session that began before, through
 * POST /auth/policy/accept, which the app offers when GET /auth/session
 * says policy_acceptance_required. Sessions are not cut off mid-work: the
 * change was announced 30 days ahead and the next sign-in enforces it.
 * Each acceptance is kept with its time and IP (policy_acceptance), as
 * the proof GDPR art. 7(1) asks the controller to be able to give.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "auth.h"
#include "req.h"
#include "resp.h"
#include "sess.h"

int
auth_policy_state(struct req *r, uint64_t user_id, struct auth_policy *p)
{
	int	 rc;

	memset(p, 0, sizeof(*p));
	rc = db_one(r->db, AS_POLICY_PENDING, DB_ARGS(DB_INT(user_id)));
	if (rc == DB_NONE) {
		p->accepted = 1;
		return DB_OK;
	}
	if (rc != DB_OK)
		return rc;
	p->id = (uint64_t)db_int(r->db, 0);
	p->version = arena_strdup(r->arena, db_str(r->db, 1));
	p->text_url = arena_strdup(r->arena, db_str(r->db, 2));
	p->effective_at = arena_strdup(r->arena, db_str(r->db, 3));
	p->accepted = db_int(r->db, 4) != 0;
	db_done(r->db);
	return DB_OK;
}

int
auth_policy_required(struct req *r, const struct auth_policy *p)
{
	return resp_problem_ext(r, 403, "policy_acceptance_required",
	    arena_printf(r->arena, "Our privacy policy changed: read version "
	    "%s and send accept_policy_version to sign in.", p->version),
	    json_pack("{s:s, s:s, s:s}", "version", p->version, "text_url",
	    p->text_url, "effective_at", p->effective_at));
}

int
auth_policy_accept(struct req *r)
{
	struct auth_policy p;
	int		 rc;

	if ((rc = auth_policy_state(r, r->sess->user_id, &p)) != DB_OK)
		return resp_db(r, rc);
	if (p.id == 0 || strcmp(req_str(r, PA_VERSION), p.version) != 0)
		return resp_unprocessable(r, "version", "policy_version",
		    p.id == 0 ? "No privacy policy is in force." :
		    arena_printf(r->arena, "The privacy policy in force is "
		    "version %s.", p.version));
	if (p.accepted)
		return resp_empty(r, 204);
	rc = db_exec(r->db, AS_MY_ACCEPT_INSERT, DB_ARGS(DB_INT(r->sess->user_id),
	    DB_INT(p.id), DB_TEXT(r->remote_addr)));
	/* Accepted twice at once: the first one counts. */
	if (rc != DB_OK && rc != DB_CONFLICT)
		return resp_db(r, rc == DB_NONE ? DB_ERR : rc);
	return resp_empty(r, 204);
}
