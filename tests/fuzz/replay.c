/*
 * Replays fuzz corpora without libFuzzer, so `make check` runs every
 * stored input through a target built with the normal compiler. Linked
 * with one fuzz_<name>.c; FUZZ_NAME is that name. Each argument is a file
 * or a directory whose regular files are replayed (one level, in name
 * order, dot files skipped). Without arguments it replays
 * $srcdir/tests/fuzz/corpus/FUZZ_NAME, srcdir being what the Automake test
 * harness exports (default "."). Exits 0 if every input ran, 1 if a path
 * could not be read or no input was found (an empty corpus tests
 * nothing); a broken invariant aborts inside the target.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

#ifndef FUZZ_NAME
#error "FUZZ_NAME must name the target, as in -DFUZZ_NAME='\"query\"'"
#endif

/* The input being run, named in the log if the target crashes on it. */
static const char	*replay_current;

/* Writes s to stderr from a signal handler: no stdio there. */
static void
replay_say(const char *s)
{
	ssize_t	 w = write(STDERR_FILENO, s, strlen(s));

	(void)w;	/* nothing better to do if the log is gone */
}

static void
replay_crash(int sig)
{
	if (replay_current != NULL) {
		replay_say("replay_" FUZZ_NAME ": crashed on ");
		replay_say(replay_current);
		replay_say("\n");
	}
	raise(sig);	/* SA_RESETHAND: the default action now */
}

/* Runs the file at path through the target. 0, or -1 if unreadable. */
static int
replay_file(const char *path)
{
	FILE		*f;
	struct stat	 st;
	uint8_t		*buf;
	size_t		 size;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == -1 || st.st_size < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		fclose(f);
		return -1;
	}
	size = (size_t)st.st_size;
	/* Exactly size bytes, as libFuzzer gives, so overreads show. */
	if ((buf = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	if (fread(buf, 1, size, f) != size) {
		fprintf(stderr, "%s: short read\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	replay_current = path;
	LLVMFuzzerTestOneInput(buf, size);
	replay_current = NULL;
	free(buf);
	return 0;
}

/*
 * Replays path, a file or a directory of files. Adds the inputs run to
 * *count. 0, or -1 if something could not be read.
 */
static int
replay_path(const char *path, size_t *count)
{
	struct dirent	**ents;
	struct stat	 st;
	char		*sub;
	size_t		 len;
	int		 i, n, rc = 0;

	if (stat(path, &st) == -1) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (replay_file(path) == -1)
			return -1;
		(*count)++;
		return 0;
	}
	if ((n = scandir(path, &ents, NULL, alphasort)) == -1) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] == '.')
			continue;
		len = strlen(path) + strlen(ents[i]->d_name) + 2;
		if ((sub = malloc(len)) == NULL)
			abort();
		snprintf(sub, len, "%s/%s", path, ents[i]->d_name);
		if (stat(sub, &st) == -1) {
			fprintf(stderr, "%s: %s\n", sub, strerror(errno));
			rc = -1;
		} else if (S_ISREG(st.st_mode)) {
			if (replay_file(sub) == -1)
				rc = -1;
			else
				(*count)++;
		}
		free(sub);
	}
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct sigaction sa;
	const char	*srcdir;
	char		*dflt;
	size_t		 len, count = 0;
	int		 i, rc = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = replay_crash;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGABRT, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);

	if (argc > 1) {
		for (i = 1; i < argc; i++)
			if (replay_path(argv[i], &count) == -1)
				rc = 1;
	} else {
		if ((srcdir = getenv("srcdir")) == NULL || *srcdir == '\0')
			srcdir = ".";
		len = strlen(srcdir) + sizeof("/tests/fuzz/corpus/" FUZZ_NAME);
		if ((dflt = malloc(len)) == NULL)
			abort();
		snprintf(dflt, len, "%s/tests/fuzz/corpus/%s", srcdir, FUZZ_NAME);
		if (replay_path(dflt, &count) == -1)
			rc = 1;
		free(dflt);
	}
	if (count == 0) {
		fprintf(stderr, "replay_%s: no input found\n", FUZZ_NAME);
		rc = 1;
	}
	printf("replay_%s: %zu inputs\n", FUZZ_NAME, count);
	return rc;
}
