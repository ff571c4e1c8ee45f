/*
 * What the cmocka unit tests share: reading the data-driven case
 * directories (tests/unit/<module>/<case>/{input,expected}) from the source
 * tree that the automake test harness names in $srcdir, turning each case
 * into a cmocka test of its own so a failure names the case, and scratch
 * files in a private temporary directory for the modules that read files
 * (conf, secret, passwd).
 */
#ifndef PROSPEA_UNIT_H
#define PROSPEA_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/types.h>

#include <cmocka.h>

/* One data-driven case: both files read whole, NUL-terminated. */
struct unit_case {
	const char	*name;		/* the directory's name */
	char		*input;		/* owned */
	size_t		 inputlen;	/* bytes, without the added NUL */
	char		*expected;	/* owned, without its trailing newline */
};

/*
 * Runs fn once per case directory under $srcdir/tests/unit/<module>
 * (sorted by name), each as a cmocka test named after the case whose state
 * is a struct unit_case *. Returns the number of failed tests, or 1 when
 * the directory cannot be read or holds no case (a data-driven test that
 * finds no data must not pass).
 */
int	 unit_run_cases(const char *module, void (*fn)(void **));

/*
 * Reads the whole file at path into an owned, NUL-terminated buffer;
 * *len (if not NULL) gets its size. Fails the current test when it
 * cannot, or aborts outside a test.
 */
char	*unit_read(const char *path, size_t *len);

/*
 * A fresh private directory for scratch files (mkdtemp under $TMPDIR or
 * /tmp); unit_tmp_clean() removes it and its files. Returns the path,
 * owned by this module.
 */
const char *unit_tmp_dir(void);
void	 unit_tmp_clean(void);

/*
 * Writes len bytes (len -1: strlen) to name inside the scratch directory
 * with the given mode, replacing any file there. Returns the full path,
 * owned by this module until unit_tmp_clean().
 */
const char *unit_tmp_write(const char *name, const char *data, ssize_t len,
	    mode_t mode);

/* Appends s JSON-escaped, in double quotes, to the growing buffer *buf. */
void	 unit_json_quote(char **buf, size_t *len, const char *s);

/* Appends s to the growing buffer *buf (NUL-terminated, owned). */
void	 unit_append(char **buf, size_t *len, const char *s);

/*
 * Appends the n pairs at kv (query.h), one line each, key and value
 * JSON-quoted: "k"="v", as the query and form cases expect them.
 */
struct kv;
void	 unit_append_pairs(char **buf, size_t *len, const struct kv *kv,
	    size_t n);

/* Sorts the '\n'-separated lines of s in place (bytewise). */
void	 unit_sort_lines(char *s);

#endif
