/*
 * The optional second factor: TOTP (RFC 6238, HMAC-SHA-1, 6 digits,
 * 30-second steps, one step of clock drift either way) through liboath.
 * The shared secret is sealed at rest (secret.h, kind "totp", bound to
 * the user); a code is accepted once: its step must be newer than the
 * last one used (RFC 6238 section 5.2).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <liboath/oath.h>
#include <sodium.h>

#include "arena.h"
#include "auth.h"
#include "conf.h"
#include "log.h"
#include "req.h"
#include "resp.h"
#include "secret.h"
#include "sess.h"

#define TOTP_SECRET_BYTES	20	/* 160 bits, RFC 4226 section 4 R6 */
#define TOTP_STEP		30
#define TOTP_WINDOW		1

int
auth_totp_check(const unsigned char *secret, size_t len, const char *code,
    long long last_step, long long *step)
{
	time_t	 now = time(NULL);
	int	 pos = 0, rc;

	rc = oath_totp_validate2((const char *)secret, len, now, TOTP_STEP, 0,
	    TOTP_WINDOW, &pos, code);
	if (rc < 0)
		return -1;
	*step = (long long)(now / TOTP_STEP) + pos;
	return *step > last_step ? 0 : -1;
}

int
auth_totp_open(uint64_t user_id, const char *ct, size_t ctlen,
    unsigned char *secret, size_t *len)
{
	char	 row[24];

	snprintf(row, sizeof(row), "%llu", (unsigned long long)user_id);
	if (ctlen < SECRET_OVERHEAD || ctlen - SECRET_OVERHEAD > 64)
		return -1;
	return secret_open(secret, len, "totp", user_id, row, ct, ctlen);
}

/* Reads the TOTP columns of the signed-in user. A db.h code. */
static int
auth_totp_state(struct req *r, unsigned char *ct, size_t *ctlen, int *enabled,
    long long *last)
{
	int	 rc;

	if ((rc = db_one(r->db, AS_MY_TOTP, DB_NOARGS)) != DB_OK)
		return rc == DB_NONE ? DB_ERR : rc;
	*ctlen = 0;
	if (!db_null(r->db, 0) && db_len(r->db, 0) <= 128) {
		*ctlen = db_len(r->db, 0);
		memcpy(ct, db_str(r->db, 0), *ctlen);
	}
	*enabled = db_int(r->db, 1) != 0;
	*last = db_int(r->db, 2);
	db_done(r->db);
	return DB_OK;
}

/* Percent-encodes s for an otpauth:// label or parameter. */
static char *
auth_totp_esc(struct req *r, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char		 *out = arena_alloc(r->arena, strlen(s) * 3 + 1), *o = out;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("-._~@", c) != NULL)
			*o++ = (char)c;
		else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return out;
}

int
auth_totp_setup(struct req *r)
{
	unsigned char	 secret[TOTP_SECRET_BYTES], ct[TOTP_SECRET_BYTES + SECRET_OVERHEAD];
	unsigned char	 old[128];
	char		 row[24], *b32 = NULL, *uri;
	size_t		 b32len = 0, oldlen;
	long long	 last;
	int		 rc, enabled;
	json_t		*body;

	if ((rc = auth_totp_state(r, old, &oldlen, &enabled, &last)) != DB_OK)
		return resp_db(r, rc);
	if (enabled)
		return resp_problem(r, 409, "totp_enabled",
		    "The second factor is already on: turn it off first.");
	randombytes_buf(secret, sizeof(secret));
	snprintf(row, sizeof(row), "%llu", (unsigned long long)r->sess->user_id);
	if (secret_seal(ct, "totp", r->sess->user_id, row, secret,
	    sizeof(secret)) == -1 ||
	    oath_base32_encode((const char *)secret, sizeof(secret), &b32,
	    &b32len) != OATH_OK) {
		sodium_memzero(secret, sizeof(secret));
		return resp_db(r, DB_ERR);
	}
	sodium_memzero(secret, sizeof(secret));
	rc = db_exec(r->db, AS_MY_TOTP_SET, DB_ARGS(DB_BLOB(ct, sizeof(ct))));
	if (rc != DB_OK) {
		sodium_memzero(b32, b32len);
		free(b32);
		return resp_db(r, rc == DB_NONE ? DB_CONFLICT : rc);
	}
	/* Key URI format of Google Authenticator, which every app reads. */
	uri = arena_printf(r->arena, "otpauth://totp/%s:%s?secret=%s&issuer=%s"
	    "&algorithm=SHA1&digits=6&period=%d", auth_totp_esc(r,
	    r->conf->totp_issuer), auth_totp_esc(r, r->sess->email), b32,
	    auth_totp_esc(r, r->conf->totp_issuer), TOTP_STEP);
	body = json_pack("{s:s, s:s}", "secret", b32, "otpauth_uri", uri);
	sodium_memzero(b32, b32len);
	free(b32);
	sodium_memzero(uri, strlen(uri));
	return resp_json(r, 200, body);
}

/*
 * Checks code against the stored secret of the signed-in user. 1 when
 * good (step in *step); otherwise answers and returns 0 with *status.
 * Wrong codes count as failed sign-ins, so six digits cannot be guessed
 * through a stolen session either.
 */
static int
auth_totp_code_or_reply(struct req *r, const char *code, int want_enabled,
    long long *step, int *status)
{
	struct auth_keys k;
	unsigned char	 ct[128], secret[64];
	size_t		 ctlen, slen;
	long long	 last;
	int		 rc, enabled, ok;

	auth_keys(r, r->sess->email, &k);
	if (auth_blocked_or_reply(r, &k, status))
		return 0;
	if ((rc = auth_totp_state(r, ct, &ctlen, &enabled, &last)) != DB_OK) {
		*status = resp_db(r, rc);
		return 0;
	}
	if (enabled != want_enabled) {
		*status = resp_problem(r, 409, enabled ? "totp_enabled" :
		    "totp_disabled", enabled ? "The second factor is already on." :
		    "The second factor is not on.");
		return 0;
	}
	if (ctlen == 0) {
		*status = resp_problem(r, 409, "totp_not_set_up",
		    "Start with POST /api/v1/auth/totp/setup.");
		return 0;
	}
	if (auth_totp_open(r->sess->user_id, (const char *)ct, ctlen, secret,
	    &slen) == -1) {
		log_err("user %llu: the TOTP secret does not open",
		    (unsigned long long)r->sess->user_id);
		*status = resp_db(r, DB_ERR);
		return 0;
	}
	ok = auth_totp_check(secret, slen, code, last, step) == 0;
	sodium_memzero(secret, sizeof(secret));
	if (!ok) {
		if ((rc = auth_failed(r, &k)) != DB_OK) {
			*status = resp_db(r, rc);
			return 0;
		}
		*status = resp_unprocessable(r, "code", "totp_invalid",
		    "This code is wrong or was already used.");
		return 0;
	}
	return 1;
}

/*
 * Turning the factor on asks for the password again (a stolen session
 * must not be able to lock the owner out with a factor of its own) and
 * ends the other sessions, which did not pass it.
 */
int
auth_totp_enable(struct req *r)
{
	long long	 step;
	int		 rc, status;

	if (!auth_recheck_or_reply(r, req_str(r, EN_PASSWORD), &status))
		return status;
	if (!auth_totp_code_or_reply(r, req_str(r, EN_CODE), 0, &step, &status))
		return status;
	rc = db_exec(r->db, AS_MY_TOTP_ENABLE, DB_ARGS(DB_INT(step)));
	if (rc != DB_OK)
		return resp_db(r, rc == DB_NONE ? DB_CONFLICT : rc);
	rc = db_exec(r->db, AS_MY_SESSIONS_REVOKE_OTHERS, DB_ARGS(DB_INT(r->sess->id)));
	if (rc == DB_ERR || rc == DB_DOWN)
		return resp_db(r, rc);
	if ((rc = sess_event(r, r->sess->user_id, "totp_enabled")) != DB_OK)
		return resp_db(r, rc);
	return resp_empty(r, 204);
}

int
auth_totp_disable(struct req *r)
{
	long long	 step;
	int		 rc, status;

	if (!auth_recheck_or_reply(r, req_str(r, DI_PASSWORD), &status))
		return status;
	if (!auth_totp_code_or_reply(r, req_str(r, DI_CODE), 1, &step, &status))
		return status;
	rc = db_exec(r->db, AS_MY_TOTP_DISABLE, DB_NOARGS);
	if (rc != DB_OK)
		return resp_db(r, rc == DB_NONE ? DB_ERR : rc);
	if ((rc = sess_event(r, r->sess->user_id, "totp_disabled")) != DB_OK)
		return resp_db(r, rc);
	return resp_empty(r, 204);
}
