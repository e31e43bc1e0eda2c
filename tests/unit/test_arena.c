/*
 * test_arena.c - strings packed in one buffer keep their offsets as it
 * grows, each NUL-terminated.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "leak_test.h"

LEAK_TEST(arena, offsets_survive_growth_and_strings_are_terminated)
{
	struct nlp_arena a = { 0 };
	size_t off[5000], i;
	char buf[32];

	for (i = 0; i < 5000; i++) {
		snprintf(buf, sizeof buf, "text %zu", i);
		off[i] = nlp_arena_put(&a, buf, strlen(buf));
		cr_assert_neq(off[i], (size_t)-1);
	}
	for (i = 0; i < 5000; i += 499) {
		snprintf(buf, sizeof buf, "text %zu", i);
		cr_assert_str_eq(a.p + off[i], buf);
	}
	cr_assert_eq(nlp_arena_put(&a, "", 0), a.len - 1);
	nlp_arena_clear(&a);
	cr_assert_eq(nlp_arena_put(&a, "ab", 2), 0);
	cr_assert_str_eq(a.p, "ab");
	nlp_arena_release(&a);
	cr_assert_null(a.p);
}

LEAK_TEST(arena, embedded_bytes_are_kept_as_given)
{
	struct nlp_arena a = { 0 };
	size_t o = nlp_arena_put(&a, "a\tb\nc", 5);

	cr_assert_eq(memcmp(a.p + o, "a\tb\nc", 6), 0);
	nlp_arena_release(&a);
}
