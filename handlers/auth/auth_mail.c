/*
 * The e-mails of the auth group, in French (Prospea's users are French
 * teams). Links carry their token after '#', so it never reaches a server
 * log or a Referer header: the JS app reads it from location.hash and
 * posts it to the API.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "arena.h"
#include "auth.h"
#include "conf.h"
#include "email.h"
#include "req.h"
#include "secret.h"
#include "throttle.h"
#include "tmail.h"

struct auth_mail_text {
	const char	*kind;		/* transactional_email.kind */
	const char	*subject;
	const char	*path;		/* page the link opens, or NULL */
	const char	*token_kind;	/* auth_token.kind created for the link, or NULL */
	long		 ttl;		/* the token's lifetime, seconds */
	int		 named;		/* "Bonjour <first name>": verified addresses only */
	int		 budgeted;	/* counts against the address's hourly budget */
	const char	*body;		/* printf: greeting, then link (if path) */
};

static const struct auth_mail_text auth_mails[AM__MAX] = {
	[AM_VERIFY] = { "verify_email",
	    "Confirmez votre adresse e-mail – Prospea", "/verify-email",
	    "verify_email", AUTH_VERIFY_TTL, 0, 1,
	    "%s\n\n"
	    "Bienvenue sur Prospea ! Pour activer votre compte, confirmez votre "
	    "adresse e-mail en ouvrant ce lien (valable 48 heures) :\n\n%s\n\n"
	    "Si vous n'avez pas créé de compte Prospea, ignorez ce message : "
	    "aucun compte ne sera activé.\n\n"
	    "L'équipe Prospea\n" },
	[AM_SIGNUP_EXISTS] = { "signup_exists",
	    "Tentative d'inscription avec votre adresse – Prospea", "/login",
	    NULL, 0, 1, 1,
	    "%s\n\n"
	    "Quelqu'un, peut-être vous, a voulu créer un compte Prospea avec "
	    "cette adresse. Vous avez déjà un compte : connectez-vous ici, ou "
	    "choisissez « Mot de passe oublié » si besoin :\n\n%s\n\n"
	    "Si ce n'était pas vous, vous n'avez rien à faire : votre compte n'a "
	    "pas changé.\n\n"
	    "L'équipe Prospea\n" },
	[AM_SIGNUP_UNVERIFIED] = { "signup_unverified",
	    "Terminez votre inscription – Prospea", "/reset-password",
	    "password_reset", AUTH_VERIFY_TTL, 0, 1,
	    "%s\n\n"
	    "Un compte Prospea attend la confirmation de cette adresse. Pour le "
	    "terminer, choisissez votre mot de passe avec ce lien (valable 48 "
	    "heures) ; cela confirme aussi votre adresse :\n\n%s\n\n"
	    "Les liens de confirmation envoyés avant ce message ne fonctionnent "
	    "plus. Si vous n'êtes pas à l'origine de cette demande, ignorez ce "
	    "message.\n\n"
	    "L'équipe Prospea\n" },
	[AM_RESET] = { "password_reset",
	    "Réinitialisation de votre mot de passe – Prospea", "/reset-password",
	    "password_reset", AUTH_RESET_TTL, 1, 1,
	    "%s\n\n"
	    "Pour choisir un nouveau mot de passe, ouvrez ce lien (valable une "
	    "heure, utilisable une fois) :\n\n%s\n\n"
	    "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe "
	    "reste inchangé.\n\n"
	    "L'équipe Prospea\n" },
	[AM_PASSWORD_CHANGED] = { "password_changed",
	    "Votre mot de passe a été modifié – Prospea", NULL,
	    NULL, 0, 1, 0,
	    "%s\n\n"
	    "Le mot de passe de votre compte Prospea vient d'être modifié, et vos "
	    "autres sessions ont été fermées.%s\n\n"
	    "Si ce n'était pas vous, utilisez « Mot de passe oublié » tout de "
	    "suite et écrivez-nous à securite@prospea.fr.\n\n"
	    "L'équipe Prospea\n" },
};

/* Counts one message against the address's budget: 1 if it may be sent. */
static int
auth_mail_budget(struct req *r, const char *addr, int *ok)
{
	unsigned char	 key[32];
	char		 ekey[EMAIL_MAX + 1];
	long		 wait;
	int		 rc, blocked;

	*ok = 0;
	email_key(ekey, addr);
	throttle_key(key, "mail", ekey);
	if ((rc = throttle_wait(r->db, key, &wait)) != DB_OK || wait > 0)
		return rc;
	if ((rc = throttle_hit(r->db, r->conf, key, AUTH_MAILS_PER_HOUR + 1, 3600,
	    &blocked)) != DB_OK)
		return rc;
	*ok = !blocked;
	return DB_OK;
}

int
auth_mail(struct req *r, enum auth_mail kind, uint64_t user_id,
    const char *addr, const char *first_name)
{
	const struct auth_mail_text *m = &auth_mails[kind];
	unsigned char	 hash[32];
	char		 token[SECRET_TOKEN_LEN + 1];
	const char	*link = "", *hello = "Bonjour,";
	char		*text;
	int		 rc, ok;

	if (m->budgeted) {
		if ((rc = auth_mail_budget(r, addr, &ok)) != DB_OK)
			return rc;
		if (!ok)
			return DB_OK;	/* over budget: nothing created, nothing said */
	}
	if (m->named && first_name != NULL && *first_name != '\0')
		hello = arena_printf(r->arena, "Bonjour %s,", first_name);
	if (m->token_kind != NULL) {
		secret_token(token);
		secret_token_hash(hash, token, SECRET_TOKEN_LEN);
		rc = db_exec(r->db, AS_TOKEN_INSERT, DB_ARGS(DB_INT(user_id),
		    DB_TEXT(m->token_kind), DB_BLOB(hash, sizeof(hash)),
		    DB_INT(m->ttl)));
		if (rc != DB_OK) {
			sodium_memzero(token, sizeof(token));
			return rc;
		}
		link = arena_printf(r->arena, "%s%s#token=%s", r->conf->public_url,
		    m->path, token);
		sodium_memzero(token, sizeof(token));
	} else if (m->path != NULL)
		link = arena_printf(r->arena, "%s%s", r->conf->public_url, m->path);
	/* The format is one of the constant bodies of auth_mails[] above. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	text = arena_printf(r->arena, m->body, hello, link);
#pragma GCC diagnostic pop
	rc = tmail_queue(r->db, user_id, m->kind, addr, m->subject, text);
	if (m->token_kind != NULL)
		sodium_memzero(text, strlen(text));
	return rc;
}
