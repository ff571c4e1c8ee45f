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
	AS_POLICY_UPCOMING,
	AS_TOKEN_INSERT,
	AS_TOKEN_PEEK,
	AS_TOKEN_LOCK,
	AS_TOKEN_USE,
	AS_TOKENS_EXPIRE,
	AS_SESSION_INSERT,
	AS_SESSION_REVOKE_TOKEN,
	AS_SESSIONS_REVOKE_ALL,
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
	AS_POLICY_PENDING,
	AS_MY_ACCEPT_INSERT,
	AS__MAX
};

extern const struct db_table auth_table;

/* Body field indexes of each route's field table (auth_routes.c). */
enum { SU_FIRST, SU_LAST, SU_EMAIL, SU_PASSWORD, SU_POLICY, SU_PRO, SU__MAX };
enum { TK_TOKEN, TK__MAX };
enum { LI_EMAIL, LI_PASSWORD, LI_TOTP, LI_ACCEPT, LI__MAX };
enum { FG_EMAIL, FG__MAX };
enum { RS_TOKEN, RS_PASSWORD, RS__MAX };
enum { CH_CURRENT, CH_NEW, CH__MAX };
enum { EN_CODE, EN_PASSWORD, EN__MAX };
enum { DI_PASSWORD, DI_CODE, DI__MAX };
enum { PA_VERSION, PA__MAX };

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
int	auth_policy_accept(struct req *);

/* Start-up: password lists, hashing slots, dummy hash, liboath. */
int	auth_init(const struct conf *, struct db *);

/*
 * Consumes a one-time token (in the caller's transaction): DB_OK with
 * *user_id set when it is valid, unused and unexpired; DB_NONE otherwise.
 */
int	auth_token_take(struct db *db, const char *token, const char *kind,
	    uint64_t *user_id);

/* Answers 503 + Retry-After: every password-hashing slot is busy (passwd.h). */
int	auth_busy(struct req *r);

/*
 * Failed-sign-in counters of one attempt (throttle.h): the account from
 * this client address (throttle_account_max, strict), the account from
 * anywhere (throttle_account_global_max, loose, so that nobody can lock
 * an account from a few addresses), and the client address
 * (throttle_ip_max).
 */
struct auth_keys {
	unsigned char	 pair[32];
	unsigned char	 account[32];
	unsigned char	 ip[32];
};

/* The keys for an e-mail address (any form) and the request's client. */
void	auth_keys(struct req *r, const char *email, struct auth_keys *k);

/* 1 if any key is blocked: the 429 (or a db error) is written, *status holds it. */
int	auth_blocked_or_reply(struct req *r, const struct auth_keys *k, int *status);

/* Counts one failure against every key. A db.h code. */
int	auth_failed(struct req *r, const struct auth_keys *k);

/* Forgets the account's counters after a success. A db.h code. */
int	auth_succeeded(struct req *r, const struct auth_keys *k);

/*
 * Checks the signed-in user's password again before a sensitive change.
 * 1 when it matches; otherwise the answer (401, 429, 503, 5xx) is written,
 * *status holds it and 0 is returned. Failures count like failed logins.
 */
int	auth_recheck_or_reply(struct req *r, const char *pw, int *status);

/*
 * The privacy policy in force and whether a user accepted it (issue 6:
 * users accept a new version at their next sign-in after it takes
 * effect). Strings point into the request's arena.
 */
struct auth_policy {
	uint64_t	 id;		/* 0: no version in force, nothing to accept */
	const char	*version;
	const char	*text_url;
	const char	*effective_at;	/* ISO 8601 UTC */
	int		 accepted;
};

/* Fills *p for user_id. A db.h code (DB_OK also when no version is in force). */
int	auth_policy_state(struct req *r, uint64_t user_id, struct auth_policy *p);

/* Answers 403 policy_acceptance_required naming the version to accept. */
int	auth_policy_required(struct req *r, const struct auth_policy *p);

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
 * Queues mail kind to addr for user_id, creating first the one-time
 * token its link needs (auth_mail.c says which). Mail that anyone can
 * trigger counts against the address's hourly budget
 * (AUTH_MAILS_PER_HOUR): past it nothing is created or sent and the
 * caller answers as usual, so the answer says nothing about the address.
 * Security notices are always sent. first_name appears only in mail to
 * verified addresses, so a stranger cannot put words in Prospea's mail to
 * someone else. A db.h code.
 */
int	auth_mail(struct req *r, enum auth_mail kind, uint64_t user_id,
	    const char *addr, const char *first_name);

/* TOTP (auth_totp.c). */
int	auth_totp_check(const unsigned char *secret, size_t len, const char *code,
	    long long last_step, long long *step);
/* Opens the sealed TOTP secret of user_id: 0, or -1 if it does not open. */
int	auth_totp_open(uint64_t user_id, const char *ct, size_t ctlen,
	    unsigned char *secret, size_t *len);

#endif
