/*
 * test_rng.c - the seeded generator: the published splitmix64 sequence
 * (so every machine draws the same numbers) and a shuffle that is a
 * permutation, the same for the same seed.
 */
#include <criterion/criterion.h>

#include <string.h>

#include "leak_test.h"
#include "rng.h"

LEAK_TEST(rng, splitmix64_reference_values)
{
	/* splitmix64 seeded with 0: the reference implementation's first
	 * outputs (Vigna's splitmix64.c). */
	uint64_t s = 0;

	cr_assert_eq(nlp_rand_next(&s), 0xe220a8397b1dcdafULL);
	cr_assert_eq(nlp_rand_next(&s), 0x6e789e6aa1b965f4ULL);
	cr_assert_eq(nlp_rand_next(&s), 0x06c45d188009454fULL);
}

LEAK_TEST(rng, shuffle_is_a_seeded_permutation)
{
	uint32_t a[1000], b[1000];
	unsigned char seen[1000];
	uint64_t s1 = 42, s2 = 42, s3 = 43;
	size_t i, moved = 0;

	for (i = 0; i < 1000; i++)
		a[i] = b[i] = (uint32_t)i;
	nlp_shuffle(a, 1000, &s1);
	nlp_shuffle(b, 1000, &s2);
	cr_assert_eq(memcmp(a, b, sizeof a), 0, "same seed, same order");
	memset(seen, 0, sizeof seen);
	for (i = 0; i < 1000; i++) {
		cr_assert_lt(a[i], 1000);
		cr_assert_eq(seen[a[i]], 0, "%u twice", a[i]);
		seen[a[i]] = 1;
		moved += a[i] != i;
	}
	cr_assert_gt(moved, 900, "only %zu of 1000 moved", moved);
	for (i = 0; i < 1000; i++)
		b[i] = (uint32_t)i;
	nlp_shuffle(b, 1000, &s3);
	cr_assert_neq(memcmp(a, b, sizeof a), 0, "another seed, another order");
	nlp_shuffle(NULL, 0, &s3);
	nlp_shuffle(a, 1, &s3);
}
