/*
 * What the fuzz targets and their replay share: the libFuzzer entry point
 * each fuzz_<name>.c defines (declared here so the normal build's
 * -Wmissing-prototypes stays quiet), and FUZZ_CHECK, which aborts on a
 * broken invariant whatever NDEBUG says, naming the line so a crash log
 * says which property failed.
 */
#ifndef PROSPEA_FUZZ_H
#define PROSPEA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * Runs one input: the size bytes at data (not NUL-terminated; data is
 * never NULL). Returns 0; aborts when the code under test breaks one of
 * its documented properties.
 */
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

#include "../utf8_oracle.h"

#define fuzz_utf8_ok oracle_utf8_ok

/* 1 if the NUL-terminated s holds no C0 control character or DEL. */
static inline int
fuzz_no_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

#endif
