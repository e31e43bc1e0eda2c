/*
 * pool.c - worker threads for nlp_pool_run().  Indices are handed out by an
 * atomic counter, so a slow index does not hold up the others; the caller
 * works too, so a pool of T threads starts T - 1 of them, at its first job
 * that can use them (pool.h): a command on a few lines, whose jobs all
 * have one index, starts none.
 */
#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct worker {
	struct nlp_pool *p;
	unsigned id;                 /* 1 .. nthreads - 1 */
};

struct nlp_pool {
	unsigned nthreads;
	unsigned live;               /* workers started: 1 .. live */
	int spawned;                 /* whether they have been */
	pthread_t *tid;
	struct worker *w;
	pthread_mutex_t mu;
	pthread_cond_t wake, done;
	atomic_ulong generation;     /* bumped for each job */
	atomic_int quit;
	/* the current job */
	void (*fn)(void *, size_t);
	void *arg;
	size_t n;
	atomic_size_t next;
	int each;                    /* nlp_pool_run_each(): index = thread */
	atomic_uint busy;            /* workers still in the job */
	unsigned spin;               /* SPIN, or 0 with more threads than CPUs */
	int started;                 /* a job nlp_pool_wait() has not seen end */
};

/*
 * Before sleeping on a condition variable, a thread polls for a while:
 * SGD hands the workers a job every few tens of microseconds, and on a
 * virtual machine a futex sleep and wake-up costs about as much.  Not with
 * more threads than CPUs: a polling thread would hold the CPU the thread
 * it waits for needs.
 */
#define SPIN 4000

static inline void
relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static _Thread_local unsigned self;    /* nlp_pool_thread() */

unsigned
nlp_pool_thread(void)
{
	return self;
}

/* Take indices until none are left. */
static void
drain(struct nlp_pool *p)
{
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->n)
		p->fn(p->arg, i);
}

static void *
worker(void *v)
{
	struct nlp_pool *p = ((struct worker *)v)->p;
	unsigned id = ((struct worker *)v)->id;
	unsigned long seen = 0;
	unsigned k;

	self = id;
	for (;;) {
		for (k = 0; k < p->spin && !atomic_load(&p->quit) &&
		    atomic_load(&p->generation) == seen; k++)
			relax();
		pthread_mutex_lock(&p->mu);
		while (!p->quit && p->generation == seen)
			pthread_cond_wait(&p->wake, &p->mu);
		pthread_mutex_unlock(&p->mu);
		if (p->quit)
			break;
		seen = p->generation;
		if (p->each)
			p->fn(p->arg, id);
		else
			drain(p);
		if (atomic_fetch_sub(&p->busy, 1) == 1) {
			pthread_mutex_lock(&p->mu);
			pthread_cond_signal(&p->done);
			pthread_mutex_unlock(&p->mu);
		}
	}
	return NULL;
}

struct nlp_pool *
nlp_pool_new(unsigned threads)
{
	struct nlp_pool *p = calloc(1, sizeof *p);
	unsigned i;

	if (p == NULL)
		return NULL;
	p->nthreads = threads < 1 ? 1 : threads;
	p->spin = p->nthreads <= nlp_cpu_count() ? SPIN : 0;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->wake, NULL);
	pthread_cond_init(&p->done, NULL);
	if (p->nthreads > 1) {
		p->tid = calloc(p->nthreads - 1, sizeof *p->tid);
		p->w = calloc(p->nthreads - 1, sizeof *p->w);
		if (p->tid == NULL || p->w == NULL) {
			nlp_pool_close(p);
			return NULL;
		}
		for (i = 0; i + 1 < p->nthreads; i++) {
			p->w[i].p = p;
			p->w[i].id = i + 1;
		}
	}
	return p;
}

/*
 * Start the workers, once.  One the system will not start (a limit on
 * threads, no memory for a stack) leaves its share to the threads there
 * are, the caller at least: the same job done, in the same bytes, later.
 */
static void
spawn(struct nlp_pool *p)
{
	if (p->spawned)
		return;
	p->spawned = 1;
	while (p->live + 1 < p->nthreads && pthread_create(&p->tid[p->live],
	    NULL, worker, &p->w[p->live]) == 0)
		p->live++;
}

unsigned
nlp_pool_size(const struct nlp_pool *p)
{
	return p->nthreads;
}

int
nlp_pool_oversubscribed(const struct nlp_pool *p)
{
	return p->spin == 0;
}

/* Hand the workers a job. */
static void
launch(struct nlp_pool *p, size_t n, void (*fn)(void *, size_t), void *arg,
    int each)
{
	pthread_mutex_lock(&p->mu);
	p->fn = fn;
	p->arg = arg;
	p->n = n;
	p->each = each;
	atomic_store(&p->next, 0);
	atomic_store(&p->busy, p->live);
	atomic_fetch_add(&p->generation, 1);
	p->started = 1;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->mu);
}

/* Wait until the workers are out of the job. */
static void
finish(struct nlp_pool *p)
{
	unsigned k;

	for (k = 0; k < p->spin && atomic_load(&p->busy) > 0; k++)
		relax();
	pthread_mutex_lock(&p->mu);
	while (atomic_load(&p->busy) > 0)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
	p->started = 0;
}

/* fn(arg, i) for each i in [0, n) in the caller, thread 0 of the pool
   (nlp_pool_thread()) whatever it is in another. */
static void
in_caller(void (*fn)(void *, size_t), void *arg, size_t n)
{
	unsigned was = self;
	size_t i;

	self = 0;
	for (i = 0; i < n; i++)
		fn(arg, i);
	self = was;
}

void
nlp_pool_start(struct nlp_pool *p, size_t n, void (*fn)(void *, size_t),
    void *arg)
{
	spawn(p);
	if (p->live == 0)
		in_caller(fn, arg, n);
	else
		launch(p, n, fn, arg, 0);
}

void
nlp_pool_wait(struct nlp_pool *p)
{
	unsigned was = self;

	if (!p->started)
		return;
	self = 0;
	drain(p);
	self = was;
	finish(p);
}

void
nlp_pool_run_each(struct nlp_pool *p, void (*fn)(void *, size_t), void *arg)
{
	unsigned k, was = self;

	spawn(p);
	if (p->live > 0)
		launch(p, p->nthreads, fn, arg, 1);
	self = 0;
	fn(arg, 0);
	/* the indices of workers that could not be started, in the caller
	   as their thread (nlp_pool_thread()) */
	for (k = p->live + 1; k < p->nthreads; k++) {
		self = k;
		fn(arg, k);
	}
	self = was;
	if (p->live > 0)
		finish(p);
}

void
nlp_pool_run(struct nlp_pool *p, size_t n, void (*fn)(void *, size_t),
    void *arg)
{
	if (n <= 1) {            /* no thread started for it */
		in_caller(fn, arg, n);
		return;
	}
	nlp_pool_start(p, n, fn, arg);
	nlp_pool_wait(p);
}

void
nlp_pool_close(struct nlp_pool *p)
{
	unsigned i;

	if (p == NULL)
		return;
	nlp_pool_wait(p);
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->live; i++)
		pthread_join(p->tid[i], NULL);
	free(p->tid);
	free(p->w);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->wake);
	pthread_cond_destroy(&p->done);
	free(p);
}

unsigned
nlp_cpu_quota(const char *text)
{
	long long quota, period;
	char *end;

	errno = 0;
	quota = strtoll(text, &end, 10);
	if (end == text || errno != 0 || quota <= 0 || *end != ' ')
		return 0;
	period = strtoll(end + 1, &end, 10);
	if (errno != 0 || period <= 0 || (*end != '\0' && *end != '\n'))
		return 0;
	quota = (quota + period - 1) / period;
	return quota > 4096 ? 4096 : (unsigned)quota;
}

/* The first line of file path into buf, or "" when unreadable. */
static void
first_line(const char *path, char *buf, size_t size)
{
	FILE *fp = fopen(path, "re");

	buf[0] = '\0';
	if (fp == NULL)
		return;
	if (fgets(buf, (int)size, fp) == NULL)
		buf[0] = '\0';
	fclose(fp);
}

/* The CPUs the cgroup's quota allows (the container's cgroup is the one
 * mounted at /sys/fs/cgroup), 0 for no limit. */
static unsigned
cgroup_cpus(void)
{
	char q[64], per[32];
	unsigned n;

	first_line("/sys/fs/cgroup/cpu.max", q, sizeof q);   /* v2 */
	if ((n = nlp_cpu_quota(q)) > 0)
		return n;
	first_line("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", q, sizeof q / 2);
	first_line("/sys/fs/cgroup/cpu/cpu.cfs_period_us", per, sizeof per);
	q[strcspn(q, "\n")] = '\0';
	if (q[0] == '\0' || per[0] == '\0')
		return 0;
	strcat(q, " ");
	strncat(q, per, sizeof q - strlen(q) - 1);
	return nlp_cpu_quota(q);
}

unsigned
nlp_cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned c = n < 1 ? 1 : (unsigned)n, q;
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0 &&
	    (unsigned)CPU_COUNT(&set) < c)
		c = (unsigned)CPU_COUNT(&set);
	if ((q = cgroup_cpus()) > 0 && q < c)
		c = q;
	return c;
}
