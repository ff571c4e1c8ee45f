/*
 * One prospect record on its way into the database, whatever brought it
 * (a CSV row, an API body, a Places result, a website): the canonical
 * texts of prospect.h normalised by the product's rules (E.164 phones,
 * e-mail keys and kinds, website hosts, name keys, repaired postal
 * codes), with flags for what was repaired or dropped; then the checks
 * every entry point shares: the suppression list, duplicates (place id,
 * E.164 phone, e-mail, website host, folded name + postal code, in that
 * order), insert and merge. SQL of these lives in prosp_rec.c's table.
 */
#ifndef PROSPEA_PROSP_REC_H
#define PROSPEA_PROSP_REC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "db.h"
#include "email.h"
#include "pnorm.h"
#include "prospect.h"
#include "sess.h"
#include "supp.h"

#define PROSP_EMAILS_MAX	10
#define PROSP_TAGS_MAX		20
#define PROSP_TAG_MAX		64	/* code points */
#define PROSP_CUSTOM_MAX	50	/* keys */
#define PROSP_CUSTOM_KEY_MAX	64	/* code points */
#define PROSP_CUSTOM_VAL_MAX	1000	/* code points */
#define PROSP_NOTE_MAX		10000	/* code points */

enum prosp_rec_stmt {
	PR_REGION = SESS__MAX,
	PR_TENANT_LOCK,
	PR_SUPPRESSED,
	PR_DUP_PLACE,
	PR_DUP_PHONE,
	PR_DUP_EMAIL,
	PR_DUP_HOST,
	PR_DUP_NAME,
	PR_EMAILS_GET,
	PR_INSERT,
	PR_MERGE,
	PR_TAG_INSERT,
	PR_NOTE_EXISTS,
	PR_NOTE_INSERT,
	PR__MAX
};

extern const struct db_table prosp_rec_table;

/* What normalisation repaired or had to drop: quality_flags in the API. */
enum prosp_flag {
	PRF_PHONE_REPAIRED,	/* a leading 0 restored (Excel) */
	PRF_PHONE_INVALID,	/* not a valid number: kept as text only */
	PRF_PHONE_SCIENTIFIC,	/* "3.3E+10": digits lost, not kept */
	PRF_POSTAL_REPAIRED,	/* "1000" -> "01000" (Excel) */
	PRF_POSTAL_INVALID,	/* kept as text */
	PRF_EMAIL_INVALID,	/* an address was dropped */
	PRF_WEBSITE_INVALID,	/* not an http(s) URL: dropped */
	PRF_RATING_INVALID,	/* dropped */
	PRF_GEO_INVALID,	/* latitude/longitude dropped */
	PRF_STATUS_INVALID,	/* unknown status: "new" used */
	PRF_TRUNCATED,		/* a text was cut to its column's size */
	PRF__MAX
};
extern const char *const prosp_flag_names[PRF__MAX];

/* The pipeline statuses (NULL-terminated; field_enum tables use it). */
extern const char *const prosp_statuses[];

struct prosp_email {
	char		 addr[EMAIL_MAX + 1];	/* as written, domain lower-cased */
	char		 key[EMAIL_MAX + 1];	/* email_key() */
	int		 generic;		/* pnorm_email_generic() */
};

struct prosp_rec {
	/* Cleaned texts (trimmed, cut to their column), NULL when absent. */
	const char		*f[PF__MAX];
	char			 phone_e164[17];	/* E.164, "" none */
	struct prosp_email	 emails[PROSP_EMAILS_MAX];	/* [0] is the best */
	size_t			 nemails;
	char			 host[254];	/* pnorm_website_host(), "" none */
	int			 host_shared;	/* a platform host: no identity */
	char			 name_key[301];	/* pnorm_name_key(), "" none */
	char			 postal[17];
	int			 has_rating, has_geo;
	double			 rating, lat, lng;
	long long		 review_count;	/* -1 none */
	const char		*status;	/* one of prosp_statuses */
	json_t			*tags;		/* owned array of strings, or NULL */
	json_t			*custom;	/* owned object of strings, or NULL */
	unsigned		 flags;		/* 1 << enum prosp_flag */
	char			*owned[PF__MAX];	/* texts rec had to copy */
};

/*
 * Builds rec from the canonical texts f[0..PF__MAX) (borrowed: they must
 * outlive rec; NULL or empty = absent) with region the default phone
 * region ("FR"). Lenient, as imports need: a bad phone, e-mail, website,
 * rating or status is dropped or kept as text with a flag, never fatal.
 * custom (borrowed, may be NULL) is an object of extra text fields; bad
 * keys or values are dropped with PRF_TRUNCATED. Tags come from
 * f[PF_TAGS] (", " or ";" separated); a caller with a JSON array may
 * replace rec->tags after the build. 0, or -1 with *reject
 * set to a reason code ("name_missing") when no prospect can be made.
 * Release with prosp_rec_free() in both cases.
 */
int	prosp_rec_build(struct prosp_rec *rec, const char *const f[PF__MAX],
	    json_t *custom, const char *region, const char **reject);
void	prosp_rec_free(struct prosp_rec *rec);

/* rec->flags as a JSON array of flag names (owned), or NULL when none. */
json_t	*prosp_rec_flags_json(const struct prosp_rec *rec);

/* The emails column value for rec: [{email, kind, source}] (owned). */
json_t	*prosp_rec_emails_json(const struct prosp_rec *rec, const char *source);

/*
 * Serialises the tenant's writers of prospects until the transaction
 * ends (a row lock on the tenant's account), so two imports, or a double
 * click on "create", cannot both find no duplicate and both insert. Call
 * it first inside the db_tx() that searches duplicates and writes. A
 * db.h code.
 */
int	prosp_rec_lock(struct db *db);

/*
 * The account's default phone region into region (3 bytes): the tenant's
 * my_account.default_region, "FR" when unset. A db.h code.
 */
int	prosp_rec_region(struct db *db, char region[3]);

/*
 * Suppression-list hashes of rec: every e-mail key, each e-mail's domain
 * and the website host (unless shared) with their parent domains down to
 * two labels (a suppressed "dupont.fr" covers "lyon.dupont.fr"), at most
 * PROSP_SUPP_LEVELS of each, and the E.164 phone; at most
 * PROSP_SUPP_KEYS, into hashes[n][SUPP_HASH_LEN]. Returns n.
 */
#define PROSP_SUPP_LEVELS	SUPP_LEVELS
#define PROSP_SUPP_KEYS	\
	((1 + PROSP_SUPP_LEVELS) * PROSP_EMAILS_MAX + 1 + PROSP_SUPP_LEVELS)
size_t	prosp_rec_supp_hashes(const struct prosp_rec *rec,
	    unsigned char hashes[][32]);

/*
 * Is any of rec's e-mails, their domains, its phone or its website host
 * on the tenant's suppression list? DB_OK with *suppressed 0/1, or an
 * error code.
 */
int	prosp_rec_suppressed(struct db *db, const struct prosp_rec *rec,
	    int *suppressed);

/*
 * The tenant's existing prospect that rec duplicates, by place id, E.164
 * phone, any e-mail key, website host (not shared) or name key, in that
 * order. DB_OK with *id, DB_NONE, or an error code.
 */
int	prosp_rec_find_dup(struct db *db, const struct prosp_rec *rec,
	    uint64_t *id);

/*
 * Inserts rec as a new prospect of the session's tenant (user_id comes
 * from the session: the view refuses any other), with its tags and note
 * (f[PF_NOTE]). source: "manual", "places", "website" or "import:<file>";
 * import_id 0 for none. DB_OK with *id, or an error code. Run it inside
 * db_tx() when the tags and note must land with the row.
 */
int	prosp_rec_insert(struct db *db, const struct prosp_rec *rec,
	    uint64_t user_id, const char *source, uint64_t import_id,
	    uint64_t *id);

/*
 * Merges rec into existing prospect id: every value rec has replaces the
 * stored one, values rec lacks are kept, e-mails and custom fields are
 * united, tags added, the note added unless the prospect already has the
 * same text; status and notes are never erased. A db.h code.
 */
int	prosp_rec_merge(struct db *db, uint64_t id, const struct prosp_rec *rec,
	    const char *source);

/*
 * Texts the argument row of an insert points into: JSON documents and
 * decimal numbers. Owned; prosp_argbuf_free() releases them after the
 * statement ran.
 */
struct prosp_argbuf {
	char	*json[3];		/* emails, custom fields, flags */
	char	 rating[8], lat[16], lng[16];
	char	 search[PNORM_SEARCH_MAX + 1];	/* pnorm_search_text() */
};

/*
 * The argument row of PR_INSERT for rec into args (PROSP_INSERT_NARGS
 * entries), pointing into rec and buf. Shared by the single insert and
 * the batch insert of imports.
 */
#define PROSP_INSERT_NARGS	28
void	prosp_rec_insert_args(struct db_arg *args, struct prosp_argbuf *buf,
	    const struct prosp_rec *rec, uint64_t user_id, const char *source,
	    uint64_t import_id);
void	prosp_argbuf_free(struct prosp_argbuf *buf);

/*
 * The search text (sql/migrations/0003) of a prospect with these values
 * into out (PNORM_SEARCH_MAX + 1 bytes): what free-text search reads,
 * name, city, category, best e-mail and postal code folded. Every
 * statement that writes one of those columns writes it too.
 */
const char *prosp_search_text(char *out, const char *name, const char *city,
	    const char *category, const char *email, const char *postal_code);

/*
 * Adds rec's tags and note to prospect id (tags already there and a note
 * with the same text are left alone). A db.h code.
 */
int	prosp_rec_extras(struct db *db, uint64_t id, const struct prosp_rec *rec,
	    uint64_t user_id);

#endif
