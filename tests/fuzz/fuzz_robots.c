/*
 * Fuzz target for robots.txt (robots.h): the input is the file's bytes
 * (NUL included, as a server may send them), copied to a buffer of exactly
 * that size so a read past its end is caught. Its first line, when it
 * starts with '/', is also used as a path. Every verdict must be 0 or 1,
 * /robots.txt must always be allowed (RFC 9309 section 2.2.2), and the
 * same input must give the same verdict twice. robots_token() must keep
 * to its output size and to token characters.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "robots.h"
#include "fuzz.h"

static void
fuzz_path(const char *text, size_t size, const char *path)
{
	int	 v;

	v = robots_allowed(text, size, "ProspeaBot", path);
	FUZZ_CHECK(v == 0 || v == 1);
	FUZZ_CHECK(robots_allowed(text, size, "ProspeaBot", path) == v);
	v = robots_allowed(text, size, "", path);
	FUZZ_CHECK(v == 0 || v == 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "/", "/contact",
	    "/nous-contacter", "/fr/mentions-legales?x=1", "/a*b$", NULL };
	char		*text, path[256], tok[16];
	const char	*p;
	size_t		 i, n;

	if ((text = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	memcpy(text, data, size);
	for (i = 0; paths[i] != NULL; i++)
		fuzz_path(text, size, paths[i]);
	FUZZ_CHECK(robots_allowed(text, size, "ProspeaBot", "/robots.txt") == 1);

	for (n = 0; n < size && n + 1 < sizeof(path) && text[n] != '\n' &&
	    text[n] != '\0'; n++)
		path[n] = text[n];
	path[n] = '\0';
	if (path[0] == '/')
		fuzz_path(text, size, path);

	robots_token(tok, sizeof(tok), path);
	FUZZ_CHECK(strlen(tok) < sizeof(tok));
	for (p = tok; *p != '\0'; p++)
		FUZZ_CHECK(isalnum((unsigned char)*p) || *p == '-' || *p == '_');
	free(text);
	return 0;
}
