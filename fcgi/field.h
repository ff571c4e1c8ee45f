/*
 * Request bodies: strict JSON parsing and validation against a route's
 * field table (kcgi's validators-as-a-table). A body is accepted only if
 * it is one JSON object, without duplicate keys, no deeper than
 * FIELD_DEPTH_MAX, whose every key is in the table and whose every value
 * passes its field's check. Failures name each offending field.
 */
#ifndef PROSPEA_FIELD_H
#define PROSPEA_FIELD_H

#include <stddef.h>

#include <jansson.h>

#define FIELD_DEPTH_MAX	32

struct field;

/*
 * A value check: 0 if v is acceptable for f; otherwise -1 with *code set
 * to a stable machine-readable code ("type", "too_long", "email"...) and
 * *msg to an English sentence for people. Both are static strings
 * (field_enum()'s sentence names the allowed values in a static buffer
 * that its next call rewrites: copy it before).
 */
typedef int (*field_fn)(const struct field *f, json_t *v, const char **code,
    const char **msg);

enum field_flag {
	FIELD_REQ = 1 << 0,	/* absent is an error */
	FIELD_NULL = 1 << 1,	/* JSON null is accepted (means "clear") */
};

struct field {
	const char		*name;
	field_fn		 check;
	unsigned int		 flags;
	long long		 min, max;	/* lengths in code points, or range */
	const char *const	*enums;		/* field_enum: NULL-terminated */
};

/* Strings: a line of text (no control characters), min..max code points. */
int	field_text(const struct field *, json_t *, const char **, const char **);
/* Strings: text that may hold tabs and line breaks, min..max code points. */
int	field_multiline(const struct field *, json_t *, const char **, const char **);
/* Strings: any characters but NUL, min..max code points (passwords). */
int	field_password(const struct field *, json_t *, const char **, const char **);
/* Strings: an e-mail address (see email.h), at most max bytes. */
int	field_email(const struct field *, json_t *, const char **, const char **);
/* Strings: one of f->enums. */
int	field_enum(const struct field *, json_t *, const char **, const char **);
/* Booleans. */
int	field_bool(const struct field *, json_t *, const char **, const char **);
/* Booleans that must be true (a confirmation the user has to give). */
int	field_true(const struct field *, json_t *, const char **, const char **);
/* Integers within min..max. */
int	field_int(const struct field *, json_t *, const char **, const char **);
/* Strings of base64url characters, min..max long (tokens from links). */
int	field_token(const struct field *, json_t *, const char **, const char **);
/* Strings of ASCII digits, min..max long (one-time codes). */
int	field_digits(const struct field *, json_t *, const char **, const char **);
/* Strings holding a positive decimal id without leading zeros. */
int	field_id(const struct field *, json_t *, const char **, const char **);

enum field_rc {
	FIELD_OK,
	FIELD_MALFORMED,	/* not JSON, duplicate key, too deep, not an object */
	FIELD_INVALID,		/* an object whose fields fail the table */
};

struct field_res {
	json_t		*root;		/* owned: json_decref() it */
	json_t		**vals;		/* borrowed from root, one per table row */
	json_t		*errors;	/* owned, FIELD_INVALID: [{field,code,message}] */
	char		 detail[160];	/* FIELD_MALFORMED: what is wrong */
};

/*
 * Parses len bytes at buf (an empty body counts as {}) and checks them
 * against tbl[0..n). vals must have room for n pointers; vals[i] is the
 * value of tbl[i] or NULL when absent. On FIELD_OK res->root holds the
 * document; on FIELD_INVALID res->errors lists every problem (unknown keys
 * first, then table order). Whatever the result, release with
 * field_res_free(). Never aborts on any input.
 */
enum field_rc	field_parse(struct field_res *res, json_t **vals,
		    const char *buf, size_t len, const struct field *tbl, size_t n);

/* Releases what field_parse() left in res. */
void		field_res_free(struct field_res *res);

/*
 * 1 if no array or object in the len bytes at buf nests deeper than max,
 * scanning outside strings only. Cheap pre-check so a hostile body cannot
 * make the parser recurse far.
 */
int		field_depth_ok(const char *buf, size_t len, int max);

/* Number of code points in a valid UTF-8 string. */
size_t		field_utf8_len(const char *s);

/*
 * Byte length of the first max code points of the valid UTF-8 string s
 * (all of it when shorter): where to cut it to fit a column of max
 * characters without splitting one.
 */
size_t		field_utf8_cut(const char *s, size_t max);

#endif
