/*
 * test_pool.c - every index runs exactly once, whether the caller waits in
 * nlp_pool_run() or starts a job, works meanwhile, and then waits; the
 * threads start when a job can use them, and a pool whose threads cannot
 * start does its jobs in the caller.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
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

/* Once joined, a thread can still be listed for a moment: the count
 * until it is want, for at most a second. */
static int
threads_become(int want)
{
	int n, tries;

	for (tries = 0; (n = threads_now()) != want && tries < 1000; tries++)
		usleep(1000);
	return n;
}

/*
 * Thread creation that fails once `allow` more threads have started (the
 * unit tests are linked with -Wl,--wrap=pthread_create; Criterion's own
 * threads, made in its library, are not affected): -1, the default, lets
 * every one start.  Criterion runs each test in a process of its own.
 */
static atomic_int allow = -1;

int __real_pthread_create(pthread_t *, const pthread_attr_t *,
    void *(*)(void *), void *);
int __wrap_pthread_create(pthread_t *, const pthread_attr_t *,
    void *(*)(void *), void *);

int
__wrap_pthread_create(pthread_t *t, const pthread_attr_t *a,
    void *(*fn)(void *), void *arg)
{
	int left = atomic_load(&allow);

	if (left == 0)
		return EAGAIN;
	if (left > 0)
		atomic_fetch_sub(&allow, 1);
	return __real_pthread_create(t, a, fn, arg);
}

LEAK_TEST(pool, threads_start_at_the_first_job_that_can_use_them)
{
	int before = threads_now();
	struct nlp_pool *p = nlp_pool_new(4);

	cr_assert_not_null(p);
	cr_assert_eq(nlp_pool_size(p), 4);
	cr_assert_eq(threads_now(), before, "made, no thread started");
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
	cr_assert_eq(threads_become(before), before, "closed: none");
	/* a started job hands its indices to the workers, however few (its
	   caller works meanwhile) */
	p = nlp_pool_new(2);
	cr_assert_not_null(p);
	memset(jobs, 0, sizeof jobs);
	nlp_pool_start(p, 1, hit, &jobs[0]);
	nlp_pool_wait(p);
	check_once(&jobs[0], 1);
	cr_assert_eq(threads_now(), before + 1);
	nlp_pool_close(p);
}

static atomic_int each_ran[8], each_as[8];

static void
each(void *arg, size_t k)
{
	(void)arg;
	atomic_fetch_add(&each_ran[k], 1);
	atomic_store(&each_as[k], (int)nlp_pool_thread());
}

/* Threads the system will not start, none or some of them: each job still
 * runs every index once, and nlp_pool_run_each() index k as thread k, the
 * caller standing in for the workers that did not start. */
LEAK_TEST(pool, workers_that_cannot_start_leave_their_share_to_the_caller)
{
	int started, k, before = threads_now();

	for (started = 0; started <= 2; started++) {
		struct nlp_pool *p = nlp_pool_new(4);

		cr_assert_not_null(p);
		atomic_store(&allow, started);
		memset(jobs, 0, sizeof jobs);
		nlp_pool_run(p, N, hit, &jobs[0]);
		check_once(&jobs[0], N);
		cr_assert_eq(threads_now(), before + started,
		    "%d of 3 workers started", started);
		nlp_pool_start(p, 77, hit, &jobs[1]);
		nlp_pool_wait(p);
		check_once(&jobs[1], 77);
		for (k = 0; k < 8; k++)
			atomic_store(&each_ran[k], 0), atomic_store(&each_as[k], -1);
		nlp_pool_run_each(p, each, NULL);
		for (k = 0; k < 4; k++) {
			cr_assert_eq(atomic_load(&each_ran[k]), 1, "index %d", k);
			cr_assert_eq(atomic_load(&each_as[k]), k,
			    "index %d's thread (%d workers)", k, started);
		}
		cr_assert_eq(atomic_load(&each_ran[4]), 0);
		cr_assert_eq(nlp_pool_thread(), 0, "the caller is itself again");
		nlp_pool_close(p);
		cr_assert_eq(threads_become(before), before);
		atomic_store(&allow, -1);
	}
}

/* What each thread of an outer pool saw of the inner pool it started a
 * job on: index i's nlp_pool_thread() and whether the outer thread itself
 * ran it; its own number between start and wait, and after. */
static atomic_int inner_as[3][8], inner_by_caller[3][8];
static atomic_int outer_between[3], outer_after[3];
static pthread_t outer_tid[3];

struct inner_arg {
	size_t k;
};

static void
inner_job(void *arg, size_t i)
{
	size_t k = ((struct inner_arg *)arg)->k;
	volatile unsigned spin;

	for (spin = 0; spin < 20000; spin++)
		;
	atomic_store(&inner_as[k][i], (int)nlp_pool_thread());
	atomic_store(&inner_by_caller[k][i],
	    pthread_equal(pthread_self(), outer_tid[k]) != 0);
}

static void
outer_job(void *arg, size_t k)
{
	struct nlp_pool *p = nlp_pool_new(2);
	struct inner_arg a = { k };

	(void)arg;
	outer_tid[k] = pthread_self();
	if (p == NULL)
		return;              /* the main thread finds nothing recorded */
	nlp_pool_start(p, 8, inner_job, &a);
	atomic_store(&outer_between[k], (int)nlp_pool_thread());
	nlp_pool_wait(p);
	atomic_store(&outer_after[k], (int)nlp_pool_thread());
	nlp_pool_close(p);
}

/* A worker of one pool that runs a job of another is that pool's caller:
 * thread 0 there (its scratch memory thread 0's), the inner pool's worker
 * thread 1, and itself again between start and wait and after. */
LEAK_TEST(pool, a_pools_caller_is_its_thread_0_even_when_a_worker_of_another)
{
	struct nlp_pool *outer = nlp_pool_new(3);
	int k, i, by_caller;

	cr_assert_not_null(outer);
	for (k = 0; k < 3; k++) {
		atomic_store(&outer_between[k], -1);
		atomic_store(&outer_after[k], -1);
		for (i = 0; i < 8; i++)
			atomic_store(&inner_as[k][i], -1);
	}
	nlp_pool_run_each(outer, outer_job, NULL);
	nlp_pool_close(outer);
	for (k = 0; k < 3; k++) {
		cr_assert_eq(atomic_load(&outer_between[k]), k);
		cr_assert_eq(atomic_load(&outer_after[k]), k);
		for (i = 0; i < 8; i++) {
			by_caller = atomic_load(&inner_by_caller[k][i]);
			cr_assert_eq(atomic_load(&inner_as[k][i]), by_caller ? 0 : 1,
			    "outer thread %d, index %d (%s)", k, i,
			    by_caller ? "its caller" : "its worker");
		}
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
