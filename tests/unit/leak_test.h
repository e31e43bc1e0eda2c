/*
 * leak_test.h - LEAK_TEST(suite, name): a Criterion test that, under
 * AddressSanitizer, checks for leaks once its body has returned.
 *
 * Criterion's workers end without LeakSanitizer's exit-time check, so a
 * leak would otherwise go unseen.  (In teardown a failure would only be a
 * warning.)  Include after <criterion/criterion.h>.
 */
#ifndef NLP_LEAK_TEST_H
#define NLP_LEAK_TEST_H

#if defined(__SANITIZE_ADDRESS__)
#define LEAK_CHECK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LEAK_CHECK 1
#endif
#endif
#ifdef LEAK_CHECK
int __lsan_do_recoverable_leak_check(void);
#define NO_LEAKS() cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, \
	"memory leaked (see above)")
#else
#define NO_LEAKS() ((void)0)
#endif

/* A sweep over every byte or bit of an input takes every SWEEP_STEP-th
 * under the sanitizers (which run each case ten times slower): the plain
 * build covers every one. */
#ifdef LEAK_CHECK
#define SWEEP_STEP 3
#else
#define SWEEP_STEP 1
#endif

#define LEAK_TEST(suite, name) \
	static void name(void); \
	Test(suite, name) { name(); NO_LEAKS(); } \
	static void name(void)

/* The same in a suite whose .fini frees what its tests leave: fini runs
 * before the check (and again as .fini: it must be idempotent). */
#define LEAK_TEST_FINI(suite, name, fini) \
	static void name(void); \
	Test(suite, name) { name(); fini(); NO_LEAKS(); } \
	static void name(void)

#endif
