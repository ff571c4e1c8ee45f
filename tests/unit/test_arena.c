/*
 * Unit tests of arena.c: thousands of small blocks and a few big ones
 * (around the chunk and big-block thresholds included) come back zeroed,
 * aligned for any type and disjoint, which is checked by filling each with
 * its own pattern and reading every one back at the end; arena_reset()
 * keeps the arena usable and hands out zeroed memory again over the old
 * contents; the string helpers copy; arena_printf() formats short and long
 * output; NULL is a no-op for arena_free() and arena_reset().
 */
#include "config.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "arena.h"

struct block {
	unsigned char	*p;
	size_t		 n;
};

static void
check_zero(const unsigned char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			fail_msg("byte %zu of a %zu-byte block is 0x%02x", i, n, p[i]);
}

/* Allocates the sizes, fills each block with its index, verifies all. */
static void
fill_and_check(struct arena *a, const size_t *sizes, size_t count)
{
	struct block	*b = calloc(count, sizeof(*b));
	size_t		 i, j;

	assert_non_null(b);
	for (i = 0; i < count; i++) {
		b[i].n = sizes[i];
		b[i].p = arena_alloc(a, sizes[i]);
		assert_non_null(b[i].p);
		assert_int_equal((uintptr_t)b[i].p % alignof(max_align_t), 0);
		check_zero(b[i].p, sizes[i]);
		memset(b[i].p, (int)(i % 251) + 1, sizes[i]);
	}
	for (i = 0; i < count; i++)
		for (j = 0; j < b[i].n; j++)
			if (b[i].p[j] != (unsigned char)(i % 251 + 1))
				fail_msg("block %zu (%zu bytes) overwritten at %zu", i,
				    b[i].n, j);
	free(b);
}

static void
test_arena_small(void **state)
{
	struct arena	*a = arena_new();
	size_t		 sizes[20000], i;
	uint32_t	 seed = 1;

	assert_non_null(a);
	for (i = 0; i < 20000; i++) {
		seed = seed * 1103515245u + 12345u;
		sizes[i] = (seed >> 16) % 200;	/* 0 included */
	}
	fill_and_check(a, sizes, 20000);
	arena_free(a);
}

static void
test_arena_big(void **state)
{
	static const size_t sizes[] = {
		1, 2047, 2048, 2049, 4095, 4096, 8000, 8176, 8192, 8193, 16, 3,
		100000, 5, 1 << 20, 7, 2048, 30000, 1, 8192, 65536, 12,
	};
	struct arena	*a = arena_new();

	fill_and_check(a, sizes, sizeof(sizes) / sizeof(sizes[0]));
	arena_free(a);
}

/* Big and small interleaved, many times over. */
static void
test_arena_mixed(void **state)
{
	struct arena	*a = arena_new();
	size_t		 sizes[3000], i;
	uint32_t	 seed = 7;

	for (i = 0; i < 3000; i++) {
		seed = seed * 1103515245u + 12345u;
		sizes[i] = (seed >> 16) % 10 == 0 ? 2000 + (seed >> 8) % 20000 :
		    (seed >> 16) % 64;
	}
	fill_and_check(a, sizes, 3000);
	arena_free(a);
}

static void
test_arena_zero_size(void **state)
{
	struct arena	*a = arena_new();
	void		*p, *q;

	p = arena_alloc(a, 0);
	q = arena_alloc(a, 0);
	assert_non_null(p);
	assert_non_null(q);
	assert_ptr_not_equal(p, q);
	arena_free(a);
}

static void
test_arena_reset(void **state)
{
	struct arena	*a = arena_new();
	size_t		 sizes[500], i;
	int		 round;
	unsigned char	*p;

	for (i = 0; i < 500; i++)
		sizes[i] = i % 3 == 0 ? 3000 : 1 + i % 97;
	for (round = 0; round < 50; round++) {
		fill_and_check(a, sizes, 500);
		arena_reset(a);
		/* The reused first chunk is zeroed again on the way out. */
		p = arena_alloc(a, 4000);
		check_zero(p, 4000);
		memset(p, 0xff, 4000);
		arena_reset(a);
	}
	/* A reset of a fresh or just-reset arena is harmless. */
	arena_reset(a);
	arena_reset(a);
	fill_and_check(a, sizes, 500);
	arena_free(a);
	arena_reset(NULL);
	arena_free(NULL);
}

static void
test_arena_strings(void **state)
{
	struct arena	*a = arena_new();
	char		 src[] = "prospect";
	char		*s;

	s = arena_strdup(a, src);
	assert_string_equal(s, "prospect");
	assert_ptr_not_equal(s, src);
	src[0] = 'P';
	assert_string_equal(s, "prospect");
	assert_null(arena_strdup(a, NULL));
	assert_null(arena_strndup(a, NULL, 3));
	s = arena_strndup(a, "campaign step", 8);
	assert_string_equal(s, "campaign");
	s = arena_strndup(a, "a\0b", 3);
	assert_memory_equal(s, "a\0b\0", 4);
	s = arena_strndup(a, "", 0);
	assert_string_equal(s, "");
	s = arena_strdup(a, "");
	assert_string_equal(s, "");
	arena_free(a);
}

static void
test_arena_printf(void **state)
{
	struct arena	*a = arena_new();
	char		*s, *big;
	size_t		 i;

	assert_string_equal(arena_printf(a, "%s-%d-%05.1f", "abc", 42, 3.14159),
	    "abc-42-003.1");
	assert_string_equal(arena_printf(a, "%s", ""), "");
	assert_string_equal(arena_printf(a, "%%"), "%");
	/* Longer than a chunk. */
	s = arena_printf(a, "[%*s]", 50000, "x");
	assert_int_equal(strlen(s), 50002);
	assert_int_equal(s[0], '[');
	assert_int_equal(s[50000], 'x');
	assert_int_equal(s[50001], ']');
	for (i = 1; i < 50000; i++)
		if (s[i] != ' ')
			fail_msg("padding byte %zu is 0x%02x", i, (unsigned char)s[i]);
	/* A long argument survives whole. */
	big = malloc(20001);
	assert_non_null(big);
	memset(big, 'q', 20000);
	big[20000] = '\0';
	s = arena_printf(a, "<%s>", big);
	assert_int_equal(strlen(s), 20002);
	assert_memory_equal(s + 1, big, 20000);
	free(big);
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_small),
		cmocka_unit_test(test_arena_big),
		cmocka_unit_test(test_arena_mixed),
		cmocka_unit_test(test_arena_zero_size),
		cmocka_unit_test(test_arena_reset),
		cmocka_unit_test(test_arena_strings),
		cmocka_unit_test(test_arena_printf),
	};

	return cmocka_run_group_tests_name("arena", tests, NULL, NULL);
}
