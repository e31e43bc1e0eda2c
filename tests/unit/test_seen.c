/*
 * test_seen.c - the training-text fingerprint set (seen.h): built sorted
 * and without repeats, read back, looked up; a set that is damaged in any
 * of its fields is refused, never read as a smaller one; and the artifact
 * member, present, missing or damaged, each with the reason eval shows.
 * Every test checks for leaks.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "seen.h"
#include "leak_test.h"

/* A set of fp[0..n) (sorted and made distinct in place), serialized. */
static void *
built(uint64_t *fp, size_t n, size_t *len)
{
	struct nlp_err e = { 0, "" };
	void *p = NULL;

	cr_assert_eq(nlp_seen_build(fp, n, &p, len, &e), NLP_OK, "%s", e.msg);
	return p;
}

LEAK_TEST(seen, builds_a_sorted_distinct_set_and_finds_its_members)
{
	uint64_t fp[] = { 9, 3, UINT64_MAX, 3, 0, 9, 42 };
	struct nlp_err e = { 0, "" };
	struct nlp_seen s;
	size_t len, i;
	void *p = built(fp, 7, &len);

	/* 24 header bytes, then 8 per distinct fingerprint but 0 (a text
	   without a token, never seen) */
	cr_assert_eq(len, 24 + 4 * 8);
	cr_assert_eq(memcmp(p, "NLPOPSS", 8), 0);
	cr_assert_eq(nlp_seen_load(&s, p, len, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(s.n, 4);
	for (i = 1; i < s.n; i++)
		cr_assert_lt(s.fp[i - 1], s.fp[i]);
	cr_assert(!nlp_seen_has(&s, 0));
	cr_assert(nlp_seen_has(&s, 3));
	cr_assert(nlp_seen_has(&s, 42));
	cr_assert(nlp_seen_has(&s, UINT64_MAX));
	cr_assert(!nlp_seen_has(&s, 1));
	cr_assert(!nlp_seen_has(&s, 10));
	cr_assert(!nlp_seen_has(&s, UINT64_MAX - 1));
	free(p);
}

LEAK_TEST(seen, an_empty_set_holds_nothing)
{
	struct nlp_err e = { 0, "" };
	struct nlp_seen s;
	size_t len;
	uint64_t none[1] = { 0 };
	void *p = built(none, 0, &len);

	cr_assert_eq(len, 24);
	cr_assert_eq(nlp_seen_load(&s, p, len, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(s.n, 0);
	cr_assert(!nlp_seen_has(&s, 0));
	free(p);
}

/* Loading p[0..len) fails with NLP_DATA and this message. */
static void
refused(const void *p, size_t len, const char *msg)
{
	struct nlp_err e = { 0, "" };
	struct nlp_seen s;

	cr_assert_eq(nlp_seen_load(&s, p, len, &e), NLP_DATA, "len %zu", len);
	cr_assert_str_eq(e.msg, msg);
	cr_assert_eq(s.n, 0);
}

LEAK_TEST(seen, a_damaged_set_is_refused)
{
	uint64_t fp[] = { 5, 6, 7 }, count = 4;
	uint32_t version = 2;
	size_t len;
	unsigned char *p = built(fp, 3, &len), *q = malloc(len + 8);

	refused(p, 0, "seen: bad header");
	refused(p, 23, "seen: bad header");
	memcpy(q, p, len);
	q[0] = 'X';
	refused(q, len, "seen: bad header");
	memcpy(q, p, len);
	memcpy(q + 8, &version, 4);
	refused(q, len, "seen: format 2 is not supported");
	/* a count that does not fit the bytes, either way */
	refused(p, len - 8, "seen: 3 entries do not fit 40 bytes");
	memcpy(q, p, len);
	memset(q + len, 0, 8);
	refused(q, len + 8, "seen: 3 entries do not fit 56 bytes");
	memcpy(q + 16, &count, 8);
	refused(q, len, "seen: 4 entries do not fit 48 bytes");
	free(p);
	free(q);
}

/* An artifact of these members, opened from memory. */
static struct nlp_artifact *
artifact(const struct nlp_member *m, size_t n)
{
	struct nlp_err e = { 0, "" };
	struct nlp_artifact *a = NULL;
	size_t len;
	void *p = NULL;

	cr_assert_eq(nlp_artifact_write_mem(&p, &len, m, n, 0, &e), NLP_OK,
	    "%s", e.msg);
	cr_assert_eq(nlp_artifact_open_mem(&a, p, len, &e), NLP_OK, "%s", e.msg);
	free(p);
	return a;
}

LEAK_TEST(seen, the_artifact_member_present_missing_or_damaged)
{
	uint64_t fp[] = { 11, 12 };
	struct nlp_err e = { 0, "" };
	struct nlp_seen s;
	struct nlp_artifact *a;
	size_t len;
	void *p = built(fp, 2, &len);
	struct nlp_member good[] = {
		{ "weights", "w", 1 }, { "seen", p, len },
	};
	struct nlp_member none[] = { { "weights", "w", 1 } };
	struct nlp_member bad[] = {
		{ "weights", "w", 1 }, { "seen", "garbage", 7 },
	};

	a = artifact(good, 2);
	cr_assert_eq(nlp_seen_from_artifact(&s, a, "m.nlp", &e), NLP_OK, "%s",
	    e.msg);
	cr_assert_eq(s.n, 2);
	cr_assert(nlp_seen_has(&s, 12));
	nlp_artifact_close(a);
	a = artifact(none, 1);
	cr_assert_eq(nlp_seen_from_artifact(&s, a, "m.nlp", &e), NLP_DATA);
	cr_assert_str_eq(e.msg, "'m.nlp' has no member 'seen'");
	cr_assert_eq(s.n, 0);
	nlp_artifact_close(a);
	a = artifact(bad, 2);
	cr_assert_eq(nlp_seen_from_artifact(&s, a, "spam@3", &e), NLP_DATA);
	cr_assert_str_eq(e.msg, "member 'seen' of 'spam@3' is damaged (seen: "
	    "bad header)");
	nlp_artifact_close(a);
	free(p);
}
