/*
 * test_pool.c - every index runs exactly once, whether the caller waits in
 * nlp_pool_run() or starts a job, works meanwhile, and then waits.
 */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "leak_test.h"
#include "pool.h"

#define N 5000

struct job {
	atomic_int hits[N];
	atomic_int calls;
};

static void
hit(void *arg, size_t i)
{
	struct job *j = arg;
	volatile unsigned spin;

	for (spin = 0; spin < 200; spin++)
		;
	atomic_fetch_add(&j->hits[i], 1);
	atomic_fetch_add(&j->calls, 1);
}

static void
check_once(struct job *j, size_t n)
{
	size_t i;

	cr_assert_eq(atomic_load(&j->calls), (int)n);
	for (i = 0; i < n; i++)
		cr_assert_eq(atomic_load(&j->hits[i]), 1, "index %zu ran %d times",
		    i, atomic_load(&j->hits[i]));
}

static struct job jobs[2];

LEAK_TEST(pool, run_and_start_wait_call_every_index_once_at_any_size)
{
	unsigned threads[] = { 1, 2, 3, 8 };
	size_t t, round;

	for (t = 0; t < sizeof threads / sizeof *threads; t++) {
		struct nlp_pool *p = nlp_pool_new(threads[t]);

		cr_assert_not_null(p);
		cr_assert_eq(nlp_pool_size(p), threads[t]);
		memset(jobs, 0, sizeof jobs);
		nlp_pool_run(p, N, hit, &jobs[0]);
		check_once(&jobs[0], N);
		/* two jobs in turn, as predict runs them: one started, the
		   other filled meanwhile, then the first waited for */
		for (round = 0; round < 20; round++) {
			struct job *j = &jobs[round % 2];
			size_t n = round * 97 % N;

			memset(j, 0, sizeof *j);
			nlp_pool_start(p, n, hit, j);
			memset(&jobs[(round + 1) % 2], 0, sizeof *j);
			nlp_pool_wait(p);
			check_once(j, n);
			nlp_pool_wait(p);            /* nothing started: returns */
		}
		/* closed with a job still running: it finishes first */
		memset(jobs, 0, sizeof jobs);
		nlp_pool_start(p, N, hit, &jobs[0]);
		nlp_pool_close(p);
		check_once(&jobs[0], N);
	}
}

LEAK_TEST(pool, cpu_quota_reads_cgroup_limits_and_the_count_stays_in_range)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);

	cr_assert_eq(nlp_cpu_quota("max 100000\n"), 0);
	cr_assert_eq(nlp_cpu_quota("200000 100000\n"), 2);
	cr_assert_eq(nlp_cpu_quota("150000 100000"), 2);   /* rounded up */
	cr_assert_eq(nlp_cpu_quota("50000 100000"), 1);
	cr_assert_eq(nlp_cpu_quota("-1 100000"), 0);       /* cgroup v1: none */
	cr_assert_eq(nlp_cpu_quota(""), 0);
	cr_assert_eq(nlp_cpu_quota("200000"), 0);
	cr_assert_eq(nlp_cpu_quota("200000 0"), 0);
	cr_assert_eq(nlp_cpu_quota("2e5 100000"), 0);
	cr_assert_geq(nlp_cpu_count(), 1);
	cr_assert_leq(nlp_cpu_count(), online < 1 ? 1 : (unsigned long)online);
}
