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

#include "arena.h"
#include "auth.h"
#include "conf.h"
#include "email.h"
#include "req.h"
#include "throttle.h"
#include "tmail.h"

struct auth_mail_text {
	const char	*kind;		/* transactional_email.kind */
	const char	*subject;
	const char	*path;		/* page the link opens, or NULL */
	const char	*body;		/* printf: first name, link (if path) */
};

static const struct auth_mail_text auth_mails[AM__MAX] = {
	[AM_VERIFY] = { "verify_email",
	    "Confirmez votre adresse e-mail – Prospea", "/verify-email",
	    "Bonjour %s,\n\n"
	    "Bienvenue sur Prospea ! Pour activer votre compte, confirmez votre "
	    "adresse e-mail en ouvrant ce lien (valable 48 heures) :\n\n%s\n\n"
	    "Si vous n'avez pas créé de compte Prospea, ignorez ce message : "
	    "aucun compte ne sera activé.\n\n"
	    "L'équipe Prospea\n" },
	[AM_SIGNUP_EXISTS] = { "signup_exists",
	    "Tentative d'inscription avec votre adresse – Prospea", "/login",
	    "Bonjour %s,\n\n"
	    "Quelqu'un, peut-être vous, a voulu créer un compte Prospea avec "
	    "cette adresse. Vous avez déjà un compte : connectez-vous ici, ou "
	    "choisissez « Mot de passe oublié » si besoin :\n\n%s\n\n"
	    "Si ce n'était pas vous, vous n'avez rien à faire : votre compte n'a "
	    "pas changé.\n\n"
	    "L'équipe Prospea\n" },
	[AM_SIGNUP_UNVERIFIED] = { "signup_unverified",
	    "Terminez votre inscription – Prospea", "/reset-password",
	    "Bonjour %s,\n\n"
	    "Un compte Prospea attend la confirmation de cette adresse. Pour le "
	    "terminer, choisissez votre mot de passe avec ce lien (valable 48 "
	    "heures) ; cela confirme aussi votre adresse :\n\n%s\n\n"
	    "Si vous n'êtes pas à l'origine de cette demande, ignorez ce "
	    "message.\n\n"
	    "L'équipe Prospea\n" },
	[AM_RESET] = { "password_reset",
	    "Réinitialisation de votre mot de passe – Prospea", "/reset-password",
	    "Bonjour %s,\n\n"
	    "Pour choisir un nouveau mot de passe, ouvrez ce lien (valable une "
	    "heure, utilisable une fois) :\n\n%s\n\n"
	    "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe "
	    "reste inchangé.\n\n"
	    "L'équipe Prospea\n" },
	[AM_PASSWORD_CHANGED] = { "password_changed",
	    "Votre mot de passe a été modifié – Prospea", NULL,
	    "Bonjour %s,\n\n"
	    "Le mot de passe de votre compte Prospea vient d'être modifié, et vos "
	    "autres sessions ont été fermées.\n\n"
	    "Si ce n'était pas vous, utilisez « Mot de passe oublié » tout de "
	    "suite et écrivez-nous à securite@prospea.fr.\n\n"
	    "L'équipe Prospea\n" },
};

int
auth_mail(struct req *r, enum auth_mail kind, uint64_t user_id,
    const char *addr, const char *first_name, const char *token)
{
	const struct auth_mail_text *m = &auth_mails[kind];
	unsigned char	 key[32];
	char		 ekey[EMAIL_MAX + 1];
	const char	*link;
	char		*text;
	long		 wait;
	int		 rc, blocked;

	/* The mailbox's hourly budget: past it, drop quietly. */
	email_key(ekey, addr);
	throttle_key(key, "mail", ekey);
	if ((rc = throttle_wait(r->db, key, &wait)) != DB_OK)
		return rc;
	if (wait > 0)
		return DB_OK;
	if ((rc = throttle_hit(r->db, r->conf, key, AUTH_MAILS_PER_HOUR + 1, 3600,
	    &blocked)) != DB_OK)
		return rc;
	if (blocked)
		return DB_OK;
	if (m->path == NULL)
		link = "";
	else if (token != NULL)
		link = arena_printf(r->arena, "%s%s#token=%s", r->conf->public_url,
		    m->path, token);
	else
		link = arena_printf(r->arena, "%s%s", r->conf->public_url, m->path);
	/* The format is one of the constant bodies of auth_mails[] above. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	text = arena_printf(r->arena, m->body, first_name, link);
#pragma GCC diagnostic pop
	rc = tmail_queue(r->db, user_id, m->kind, addr, m->subject, text);
	return rc;
}
