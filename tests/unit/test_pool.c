/*
 * test_pool.c - every index runs exactly once, whether the caller waits in
 * nlp_pool_run() or starts a job, works meanwhile, and then waits; the
 * threads start when a job can use them, and a pool whose threads cannot
 * start does its jobs in the caller.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
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

/* The threads this process has now (/proc/self/task's entries). */
static int
threads_now(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

LEAK_TEST(pool, threads_start_at_the_first_job_that_can_use_them)
{
	struct nlp_pool *p = nlp_pool_new(4);
	int before = threads_now();

	cr_assert_not_null(p);
	cr_assert_eq(nlp_pool_size(p), 4);
	cr_assert_eq(before, threads_now(), "made, no thread started");
	memset(jobs, 0, sizeof jobs);
	nlp_pool_run(p, 1, hit, &jobs[0]);
	nlp_pool_run(p, 0, hit, &jobs[0]);
	check_once(&jobs[0], 1);
	cr_assert_eq(threads_now(), before, "jobs of one index: still none");
	memset(jobs, 0, sizeof jobs);
	nlp_pool_run(p, N, hit, &jobs[0]);
	check_once(&jobs[0], N);
	cr_assert_eq(threads_now(), before + 3, "a job of many: three workers");
	nlp_pool_run(p, N, hit, &jobs[1]);
	cr_assert_eq(threads_now(), before + 3, "the same three after");
	nlp_pool_close(p);
	cr_assert_eq(threads_now(), before);
}

#ifndef LEAK_CHECK
static atomic_int each_ran[8], each_as[8];

static void
each(void *arg, size_t k)
{
	(void)arg;
	atomic_fetch_add(&each_ran[k], 1);
	atomic_store(&each_as[k], (int)nlp_pool_thread());
}
#endif

/* Threads the system will not start (no address space left for their
 * stacks): each job still runs every index once, and nlp_pool_run_each()
 * index k as thread k, in the caller.  The plain build only: the
 * sanitizers' shadow memory needs an address space without limit.
 * (Criterion runs each test in a process of its own.) */
LEAK_TEST(pool, workers_that_cannot_start_leave_their_share_to_the_caller)
{
#ifdef LEAK_CHECK
	cr_skip_test("a limit on the address space: plain build only");
#else
	struct nlp_pool *p = nlp_pool_new(4);
	struct rlimit lim;
	long pages = 0;
	FILE *fp = fopen("/proc/self/statm", "r");
	int before = threads_now(), k;

	cr_assert_not_null(p);
	cr_assert_not_null(fp);
	cr_assert_eq(fscanf(fp, "%ld", &pages), 1);
	fclose(fp);
	/* room for what this test maps, none for an 8 MB stack */
	lim.rlim_cur = lim.rlim_max = (rlim_t)pages * 4096 + (2 << 20);
	cr_assert_eq(setrlimit(RLIMIT_AS, &lim), 0);
	memset(jobs, 0, sizeof jobs);
	nlp_pool_run(p, N, hit, &jobs[0]);
	check_once(&jobs[0], N);
	cr_assert_eq(threads_now(), before, "no thread could start");
	nlp_pool_start(p, 77, hit, &jobs[1]);
	nlp_pool_wait(p);
	check_once(&jobs[1], 77);
	nlp_pool_run_each(p, each, NULL);
	for (k = 0; k < 4; k++) {
		cr_assert_eq(atomic_load(&each_ran[k]), 1, "index %d", k);
		cr_assert_eq(atomic_load(&each_as[k]), k, "index %d's thread", k);
	}
	cr_assert_eq(nlp_pool_thread(), 0, "the caller is itself again");
	nlp_pool_close(p);
#endif
}

static atomic_int inner_as[4], outer_after[4];
static struct nlp_pool *inner;

static void
inner_job(void *arg, size_t i)
{
	(void)i;
	atomic_store(&inner_as[*(size_t *)arg], (int)nlp_pool_thread());
}

static void
outer_job(void *arg, size_t k)
{
	(void)arg;
	/* each outer thread its own one-thread pool: jobs run in the caller */
	struct nlp_pool *p = k == 0 ? inner : nlp_pool_new(1);

	cr_assert_not_null(p);
	nlp_pool_run(p, 3, inner_job, &k);
	atomic_store(&outer_after[k], (int)nlp_pool_thread());
	if (p != inner)
		nlp_pool_close(p);
}

/* A worker of one pool that runs a job of another is that pool's caller,
 * thread 0 there (its scratch memory thread 0's), and itself again after. */
LEAK_TEST(pool, a_pools_caller_is_its_thread_0_even_when_a_worker_of_another)
{
	struct nlp_pool *outer = nlp_pool_new(3);
	int k;

	inner = nlp_pool_new(1);
	cr_assert(outer != NULL && inner != NULL);
	for (k = 0; k < 4; k++)
		atomic_store(&inner_as[k], -1);
	nlp_pool_run_each(outer, outer_job, NULL);
	for (k = 0; k < 3; k++) {
		cr_assert_eq(atomic_load(&inner_as[k]), 0, "outer thread %d", k);
		cr_assert_eq(atomic_load(&outer_after[k]), k);
	}
	nlp_pool_close(outer);
	nlp_pool_close(inner);
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
