/*
 * The auth route group (/api/v1/auth/...): sign-up and address
 * verification, login with optional TOTP, sessions, password reset and
 * change, and the second factor. Shared declarations of its files.
 */
#ifndef PROSPEA_AUTH_H
#define PROSPEA_AUTH_H

#include <stdint.h>

#include "db.h"
#include "throttle.h"

struct req;
struct conf;

/* Statement ids: they continue after the core tables this program uses. */
enum auth_stmt {
	AS_POLICY_CURRENT = THROTTLE__MAX,
	AS_USER_BY_EMAIL,
	AS_USER_BY_ID,
	AS_USER_INSERT,
	AS_USER_VERIFY,
	AS_USER_RESET_PASSWORD,
	AS_USER_REHASH,
	AS_USER_TOTP_STEP,
	AS_ACCEPT_INSERT,
	AS_TOKEN_INSERT,
	AS_TOKEN_LOCK,
	AS_TOKEN_USE,
	AS_TOKENS_EXPIRE,
	AS_SESSION_INSERT,
	AS_SESSION_REVOKE_TOKEN,
	AS_SESSIONS_REVOKE_ALL,
	AS_EVENT_INSERT,
	AS_MY_SESSIONS,
	AS_MY_SESSION_REVOKE,
	AS_MY_SESSIONS_REVOKE_OTHERS,
	AS_MY_PASSWORD,
	AS_MY_PASSWORD_SET,
	AS_MY_TOTP,
	AS_MY_TOTP_SET,
	AS_MY_TOTP_ENABLE,
	AS_MY_TOTP_DISABLE,
	AS_MY_TOTP_STEP,
	AS__MAX
};

extern const struct db_table auth_table;

/* Body field indexes of each route's field table (auth_routes.c). */
enum { SU_FIRST, SU_LAST, SU_EMAIL, SU_PASSWORD, SU_POLICY, SU_PRO, SU__MAX };
enum { TK_TOKEN, TK__MAX };
enum { LI_EMAIL, LI_PASSWORD, LI_TOTP, LI__MAX };
enum { FG_EMAIL, FG__MAX };
enum { RS_TOKEN, RS_PASSWORD, RS__MAX };
enum { CH_CURRENT, CH_NEW, CH__MAX };
enum { CO_CODE, CO__MAX };
enum { DI_PASSWORD, DI_CODE, DI__MAX };

/* One-time link lifetimes (issue #2): verification 48 h, reset 1 h. */
#define AUTH_VERIFY_TTL		(48 * 3600)
#define AUTH_RESET_TTL		3600
/* Mails to one address per hour, so forms cannot be used to flood a mailbox. */
#define AUTH_MAILS_PER_HOUR	5

/* Route handlers. */
int	auth_signup(struct req *);
int	auth_verify_email(struct req *);
int	auth_login(struct req *);
int	auth_logout(struct req *);
int	auth_session(struct req *);
int	auth_sessions(struct req *);
int	auth_session_revoke(struct req *);
int	auth_password_forgot(struct req *);
int	auth_password_reset(struct req *);
int	auth_password_change(struct req *);
int	auth_totp_setup(struct req *);
int	auth_totp_enable(struct req *);
int	auth_totp_disable(struct req *);

/* Start-up: password lists, dummy hash, liboath. */
int	auth_init(const struct conf *, struct db *);

/*
 * Records a security event for user_id (login_succeeded, password_changed…)
 * with the request's address and user agent. A db.h code.
 */
int	auth_event(struct req *r, uint64_t user_id, const char *kind);

/*
 * Creates a one-time token of kind ("verify_email", "password_reset") for
 * user_id, valid ttl seconds; writes the token's text to out. A db.h code.
 */
int	auth_token_new(struct req *r, uint64_t user_id, const char *kind,
	    long ttl, char out[44]);

/*
 * Consumes a one-time token (in the caller's transaction): DB_OK with
 * *user_id set when it is valid, unused and unexpired; DB_NONE otherwise.
 */
int	auth_token_take(struct db *db, const char *token, const char *kind,
	    uint64_t *user_id);

/*
 * Checks the signed-in user's password again before a sensitive change.
 * 1 when it matches; otherwise the answer (401, 429, 5xx) is written,
 * *status holds it and 0 is returned. Failures count like failed logins.
 */
int	auth_recheck_or_reply(struct req *r, const char *pw, int *status);

/* The mails this group sends, in auth_mail.c. */
enum auth_mail {
	AM_VERIFY,		/* new account: confirm the address */
	AM_SIGNUP_EXISTS,	/* sign-up with a verified address */
	AM_SIGNUP_UNVERIFIED,	/* sign-up again before verifying: choose a password */
	AM_RESET,		/* forgotten password */
	AM_PASSWORD_CHANGED,	/* security notice */
	AM__MAX
};

/*
 * Queues mail kind to addr for user_id; link is the token to embed (or
 * NULL). At most AUTH_MAILS_PER_HOUR per address: past that the message is
 * dropped without a trace in the answer, so the answer says nothing about
 * the address. A db.h code.
 */
int	auth_mail(struct req *r, enum auth_mail kind, uint64_t user_id,
	    const char *addr, const char *first_name, const char *token);

/* TOTP (auth_totp.c). */
int	auth_totp_check(const unsigned char *secret, size_t len, const char *code,
	    long long last_step, long long *step);
int	auth_totp_open(struct req *r, uint64_t user_id, const char *ct,
	    size_t ctlen, unsigned char *secret, size_t *len);

#endif
