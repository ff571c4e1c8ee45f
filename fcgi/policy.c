/*
 * The notice of a privacy policy change. See policy.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "policy.h"

const char policy_notice_subject[] =
    "Évolution de notre politique de confidentialité – Prospea";

static const char *const policy_months[12] = {
	"janvier", "février", "mars", "avril", "mai", "juin", "juillet",
	"août", "septembre", "octobre", "novembre", "décembre"
};

char *
policy_notice_text(const char *first_name, const char *version,
    time_t effective, const char *summary, const char *text_url)
{
	struct tm	 tm;
	char		*out;

	gmtime_r(&effective, &tm);
	if (asprintf(&out, "Bonjour%s%s,\n\n"
	    "Nous faisons évoluer la politique de confidentialité de Prospea. La "
	    "nouvelle version (%s) entrera en vigueur le %d %s %d à %02d:%02d "
	    "(UTC).\n\n"
	    "Ce qui change, en résumé :\n\n%s\n\n"
	    "Le texte complet : %s\n\n"
	    "À votre première connexion après cette date, nous vous demanderons "
	    "d'accepter cette nouvelle version. D'ici là, rien ne change pour "
	    "vous. Pour toute question, ou pour exercer vos droits, écrivez-nous "
	    "à dpo@prospea.fr ou utilisez l'espace « RGPD et données ».\n\n"
	    "L'équipe Prospea\n", first_name != NULL ? " " : "",
	    first_name != NULL ? first_name : "", version, tm.tm_mday,
	    policy_months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	    summary, text_url) == -1)
		abort();
	return out;
}
