/*
 * Helpers of the unit tests (see unit.h): case directories as cmocka
 * tests, whole-file reads, scratch files, and the small string building
 * the expected-output renderings need.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

#include "query.h"

#define UNIT_PATHS_MAX	64

static char	 unit_dir[4096];
static char	*unit_paths[UNIT_PATHS_MAX];
static size_t	 unit_npaths;

char *
unit_read(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 cap = 0, n = 0, got;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		fail_msg("cannot read %s", path);
	}
	do {
		if (cap - n < 4096) {
			cap = cap == 0 ? 8192 : cap * 2;
			if ((buf = realloc(buf, cap)) == NULL)
				abort();
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	if (ferror(f))
		fail_msg("error reading %s", path);
	fclose(f);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

static int
unit_dirent_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
unit_case_setup(void **state)
{
	struct unit_case	*c = *state;
	char			 path[4096 + 16];
	size_t			 n;

	snprintf(path, sizeof(path), "%s/input", c->name);
	c->input = unit_read(path, &c->inputlen);
	snprintf(path, sizeof(path), "%s/expected", c->name);
	c->expected = unit_read(path, &n);
	if (n > 0 && c->expected[n - 1] == '\n')
		c->expected[n - 1] = '\0';
	return 0;
}

static int
unit_case_teardown(void **state)
{
	struct unit_case	*c = *state;

	free(c->input);
	free(c->expected);
	c->input = c->expected = NULL;
	return 0;
}

int
unit_run_cases(const char *module, void (*fn)(void **))
{
	struct dirent		**ents;
	struct CMUnitTest	 *tests;
	struct unit_case	 *cases;
	const char		 *srcdir = getenv("srcdir");
	char			  dir[4096], path[4096 + 256];
	struct stat		  st;
	int			  n, i, k = 0, rc;

	if (srcdir == NULL)
		srcdir = ".";
	snprintf(dir, sizeof(dir), "%s/tests/unit/%s", srcdir, module);
	if ((n = scandir(dir, &ents, NULL, unit_dirent_cmp)) == -1) {
		fprintf(stderr, "%s: %s (is $srcdir right?)\n", dir, strerror(errno));
		return 1;
	}
	if ((tests = calloc((size_t)n + 1, sizeof(*tests))) == NULL ||
	    (cases = calloc((size_t)n + 1, sizeof(*cases))) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (ents[i]->d_name[0] != '.' && stat(path, &st) == 0 &&
		    S_ISDIR(st.st_mode)) {
			/* The case keeps its full path; the test shows the name. */
			if ((cases[k].name = strdup(path)) == NULL)
				abort();
			tests[k].name = strdup(ents[i]->d_name);
			tests[k].test_func = fn;
			tests[k].setup_func = unit_case_setup;
			tests[k].teardown_func = unit_case_teardown;
			tests[k].initial_state = &cases[k];
			k++;
		}
		free(ents[i]);
	}
	free(ents);
	if (k == 0) {
		fprintf(stderr, "%s: no case directories\n", dir);
		rc = 1;
	} else
		rc = _cmocka_run_group_tests(module, tests, (size_t)k, NULL, NULL);
	for (i = 0; i < k; i++) {
		free((char *)cases[i].name);
		free((char *)tests[i].name);
	}
	free(tests);
	free(cases);
	return rc;
}

const char *
unit_tmp_dir(void)
{
	const char	*t = getenv("TMPDIR");

	if (unit_dir[0] != '\0')
		return unit_dir;
	snprintf(unit_dir, sizeof(unit_dir), "%s/prospea-unit-XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if (mkdtemp(unit_dir) == NULL) {
		fprintf(stderr, "mkdtemp %s: %s\n", unit_dir, strerror(errno));
		abort();
	}
	return unit_dir;
}

const char *
unit_tmp_write(const char *name, const char *data, ssize_t len, mode_t mode)
{
	char	 path[4096 + 256];
	size_t	 i, n = len < 0 ? strlen(data) : (size_t)len;
	int	 fd;

	snprintf(path, sizeof(path), "%s/%s", unit_tmp_dir(), name);
	(void)unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)) == -1 ||
	    fchmod(fd, mode) == -1 || write(fd, data, n) != (ssize_t)n ||
	    close(fd) == -1) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		abort();
	}
	for (i = 0; i < unit_npaths; i++)
		if (strcmp(unit_paths[i], path) == 0)
			return unit_paths[i];
	if (unit_npaths == UNIT_PATHS_MAX)
		abort();
	if ((unit_paths[unit_npaths] = strdup(path)) == NULL)
		abort();
	return unit_paths[unit_npaths++];
}

void
unit_tmp_clean(void)
{
	size_t	 i;

	for (i = 0; i < unit_npaths; i++) {
		(void)unlink(unit_paths[i]);
		free(unit_paths[i]);
	}
	unit_npaths = 0;
	if (unit_dir[0] != '\0')
		(void)rmdir(unit_dir);
	unit_dir[0] = '\0';
}

void
unit_append(char **buf, size_t *len, const char *s)
{
	size_t	 n = strlen(s);

	if ((*buf = realloc(*buf, *len + n + 1)) == NULL)
		abort();
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

void
unit_json_quote(char **buf, size_t *len, const char *s)
{
	char	 esc[8];

	unit_append(buf, len, "\"");
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			esc[2] = '\0';
		} else if (c < 0x20 || c == 0x7f)
			snprintf(esc, sizeof(esc), "\\u%04x", c);
		else {
			esc[0] = (char)c;
			esc[1] = '\0';
		}
		unit_append(buf, len, esc);
	}
	unit_append(buf, len, "\"");
}

static int
unit_line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
unit_sort_lines(char *s)
{
	char	**lines = NULL, *copy, *p, *save = NULL;
	size_t	  n = 0, i, off = 0;

	if ((copy = strdup(s)) == NULL)
		abort();
	for (p = strtok_r(copy, "\n", &save); p != NULL;
	    p = strtok_r(NULL, "\n", &save)) {
		if ((lines = realloc(lines, (n + 1) * sizeof(*lines))) == NULL)
			abort();
		lines[n++] = p;
	}
	if (n > 1)
		qsort(lines, n, sizeof(*lines), unit_line_cmp);
	for (i = 0; i < n; i++) {
		size_t l = strlen(lines[i]);
		if (i > 0)
			s[off++] = '\n';
		memcpy(s + off, lines[i], l);
		off += l;
	}
	s[off] = '\0';
	free(lines);
	free(copy);
}

void
unit_append_pairs(char **buf, size_t *len, const struct kv *kv, size_t n)
{
	size_t	 i;

	unit_append(buf, len, "");
	for (i = 0; i < n; i++) {
		if (i > 0)
			unit_append(buf, len, "\n");
		unit_json_quote(buf, len, kv[i].key);
		unit_append(buf, len, "=");
		unit_json_quote(buf, len, kv[i].val);
	}
}
