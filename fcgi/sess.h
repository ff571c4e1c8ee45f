/*
 * Sessions and CSRF. A session is a 256-bit random token in the cookie
 * __Host-prospea_session; the database keeps only its SHA-256, with idle
 * and absolute expiry (conf session_idle / session_max). The CSRF token is
 * an HMAC of the session token under the CSRF subkey: nothing to store,
 * and it dies with the session.
 *
 * sess_load() also makes the request's user the connection's tenant: the
 * lookup statement assigns @app_user in the same round trip, and the
 * accept loop clears it after the request (db_user_clear()).
 */
#ifndef PROSPEA_SESS_H
#define PROSPEA_SESS_H

#include <stdint.h>

#include <jansson.h>

#include "db.h"
#include "secret.h"

struct req;

#define SESS_COOKIE	"__Host-prospea_session"

/* The statements every program with sessions prepares (ids 0..SESS__MAX). */
enum sess_stmt {
	SESS_LOOKUP,
	SESS_TOUCH,
	SESS_EVENT,
	SESS_LOCK,
	SESS_UNLOCK,
	SESS__MAX
};

extern const struct db_table sess_table;

struct sess {
	uint64_t	 id;
	uint64_t	 user_id;
	const char	*email;
	const char	*first_name;
	const char	*last_name;
	const char	*role;		/* "user" or "admin" */
	int		 email_verified;
	int		 totp_enabled;
	int		 totp_verified;	/* this session passed the second factor */
	/*
	 * The account's processing is restricted (GDPR art. 18:
	 * user_account.restricted_at set by PUT /gdpr/restriction): the
	 * route groups that opt in answer its writes 423 (app.h).
	 */
	int		 restricted;
};

/*
 * Looks up r->session_token. DB_OK with r->sess set (arena) and the
 * tenant set on the connection; DB_NONE when the token is unknown,
 * revoked or expired, or the account closed; DB_DOWN or DB_ERR.
 * Refreshes last_seen_at at most once a minute.
 */
int	 sess_load(struct req *r);

/*
 * Records a security event (security_event: kind such as "csrf_rejected"
 * or "rate_limited", the client's address and user agent, the time) for
 * user_id, or when 0 for the signed-in user, or with no user when the
 * request has no session.
 * Nothing else is stored: never a token, a password or a body. Kept 12
 * months, then purged by prospea-retention (DESIGN.md section 3:
 * technical logs). A db.h code; a failure is the caller's to ignore or
 * report.
 */
int	 sess_event(struct req *r, uint64_t user_id, const char *kind);

/*
 * One at a time per user, for work that holds a handler child for
 * seconds (an account's test logins, a data export): takes the lock named
 * what ("export") of the signed-in user on the request's connection,
 * without waiting (MariaDB GET_LOCK; it goes with the connection too).
 * DB_OK when taken, DB_CONFLICT when another request of the user holds
 * it (answer 429), or DB_DOWN / DB_ERR. sess_unlock() releases it.
 */
int	 sess_lock(struct req *r, const char *what);
void	 sess_unlock(struct req *r, const char *what);

/* The CSRF token of a session token (43 base64url characters + NUL). */
void	 sess_csrf(char out[SECRET_TOKEN_LEN + 1], const char *token);

/*
 * 1 if the request carries X-CSRF-Token equal (constant time) to the
 * session's CSRF token; 0 otherwise.
 */
int	 sess_csrf_ok(const struct req *r);

/* Adds Set-Cookie for a new session token (Max-Age = session_max). */
void	 sess_cookie_set(struct req *r, const char *token);

/* Adds Set-Cookie that removes the session cookie. */
void	 sess_cookie_clear(struct req *r);

/* The user as the API shows it: {id, email, first_name, last_name, role, email_verified, totp_enabled}. New reference. */
json_t	*sess_user_json(const struct sess *s);

#endif
