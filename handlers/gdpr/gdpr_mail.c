/*
 * The e-mails of the gdpr group, in French like auth's (Prospea's users
 * are French teams), through the transactional queue (tmail.h), which
 * keeps them as the 3-year evidence. Links carry their token after '#',
 * so it never reaches a server log or a Referer header: the JS app reads
 * it from location.hash and posts it to the API.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "arena.h"
#include "conf.h"
#include "gdpr.h"
#include "req.h"
#include "secret.h"
#include "tmail.h"

struct gdpr_mail_text {
	const char	*kind;		/* transactional_email.kind */
	const char	*subject;
	const char	*path;		/* page the link opens, or NULL */
	const char	*token_kind;	/* auth_token.kind of the link, or NULL */
	long		 ttl;		/* the token's lifetime, seconds */
	const char	*body;		/* printf: greeting, link, date */
};

static const struct gdpr_mail_text gdpr_mails[GM__MAX] = {
	/*
	 * The two mails to a new address share kind and subject: the
	 * requester's own record of mail sent (the export) must not tell
	 * whether the address has an account.
	 */
	[GM_EMAIL_CHANGE] = { "email_change",
	    "Changement d'adresse e-mail – Prospea",
	    "/confirm-email", "email_change", GDPR_EMAIL_CHANGE_TTL,
	    "%s\n\n"
	    "Vous avez demandé que votre compte Prospea utilise désormais cette "
	    "adresse. Pour confirmer le changement, ouvrez ce lien (valable 48 "
	    "heures, utilisable une fois) :\n\n%s\n\n"
	    "Tant que le lien n'est pas ouvert, rien ne change.%s Si vous n'avez "
	    "rien demandé, ignorez ce message.\n\n"
	    "L'équipe Prospea\n" },
	[GM_EMAIL_TAKEN] = { "email_change",
	    "Changement d'adresse e-mail – Prospea", "/login", NULL, 0,
	    "%s\n\n"
	    "Quelqu'un a demandé que son compte Prospea utilise cette adresse, "
	    "mais elle appartient déjà à un compte : elle n'a pas été changée. "
	    "Votre compte est accessible comme avant :\n\n%s\n\n"
	    "Si c'était vous, utilisez une autre adresse ou fermez d'abord "
	    "l'autre compte.%s\n\n"
	    "L'équipe Prospea\n" },
	[GM_EMAIL_CHANGE_OLD] = { "email_change_requested",
	    "Changement d'adresse demandé – Prospea", "/account", NULL, 0,
	    "%s\n\n"
	    "Un changement de l'adresse e-mail de votre compte Prospea vient "
	    "d'être demandé. Il ne prendra effet que lorsque le lien envoyé à la "
	    "nouvelle adresse sera ouvert ; vous pouvez suivre ou annuler la "
	    "demande dans votre compte :\n\n%s\n\n"
	    "Si ce n'était pas vous, changez votre mot de passe tout de suite et "
	    "écrivez-nous à securite@prospea.fr.%s\n\n"
	    "L'équipe Prospea\n" },
	[GM_ERASURE] = { "erasure_requested",
	    "Votre compte Prospea est fermé – Prospea", "/cancel-erasure",
	    "erasure_cancel", GDPR_ERASURE_DAYS * 86400L,
	    "%s\n\n"
	    "Votre compte Prospea est fermé à votre demande : plus personne ne "
	    "peut s'y connecter et aucun envoi ne part. Toutes ses données seront "
	    "effacées définitivement après 30 jours. Si vous changez d'avis, ou "
	    "pour exporter d'abord vos données (prospects, campagnes, factures), "
	    "ouvrez ce lien pour rouvrir le compte (utilisable une fois) :\n\n"
	    "%s\n\n"
	    "Date de l'effacement : %s (UTC). Les factures restent conservées 10 "
	    "ans, détachées de votre compte, comme la loi l'exige.\n\n"
	    "L'équipe Prospea\n" },
	[GM_ERASURE_CANCELED] = { "erasure_canceled",
	    "Votre compte Prospea est rouvert – Prospea", "/login", NULL, 0,
	    "%s\n\n"
	    "L'effacement de votre compte Prospea est annulé et le compte est "
	    "rouvert : vous pouvez vous connecter à nouveau :\n\n%s\n\n"
	    "%sSi ce n'était pas vous, écrivez-nous à securite@prospea.fr.\n\n"
	    "L'équipe Prospea\n" },
};

int
gdpr_mail(struct req *r, enum gdpr_mail kind, uint64_t user_id,
    const char *addr, const char *first_name, const char *date)
{
	const struct gdpr_mail_text *m = &gdpr_mails[kind];
	unsigned char	 hash[32];
	char		 token[SECRET_TOKEN_LEN + 1];
	const char	*link = "", *hello = "Bonjour,";
	char		*text;
	int		 rc;

	if (first_name != NULL && *first_name != '\0')
		hello = arena_printf(r->arena, "Bonjour %s,", first_name);
	if (m->token_kind != NULL) {
		secret_token(token);
		secret_token_hash(hash, token, SECRET_TOKEN_LEN);
		rc = db_exec(r->db, GS_TOKEN_INSERT, DB_ARGS(DB_INT(user_id),
		    DB_TEXT(m->token_kind), DB_BLOB(hash, sizeof(hash)),
		    DB_INT(m->ttl)));
		if (rc != DB_OK) {
			sodium_memzero(token, sizeof(token));
			return rc;
		}
		link = arena_printf(r->arena, "%s%s#token=%s",
		    r->conf->public_url, m->path, token);
		sodium_memzero(token, sizeof(token));
	} else if (m->path != NULL)
		link = arena_printf(r->arena, "%s%s", r->conf->public_url, m->path);
	/* The format is one of the constant bodies of gdpr_mails[] above. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	text = arena_printf(r->arena, m->body, hello, link,
	    date != NULL ? date : "");
#pragma GCC diagnostic pop
	rc = tmail_queue(r->db, user_id, m->kind, addr, m->subject, text);
	if (m->token_kind != NULL)
		sodium_memzero(text, strlen(text));
	return rc;
}
