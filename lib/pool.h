/*
 * pool.h - a fixed set of worker threads that run index ranges.
 *
 * nlp_pool_run(p, n, fn, arg) calls fn(arg, i) once for every i in [0, n)
 * and returns when all calls have returned.  Which thread runs which index
 * is unspecified: callers keep results deterministic by writing each
 * index's result to its own slot and combining slots in index order.
 */
#ifndef NLP_POOL_H
#define NLP_POOL_H

#include <stddef.h>

struct nlp_pool;

/* A pool of threads workers in all (the caller counts as one); NULL when
   out of memory.  threads <= 1 makes a pool that runs everything in the
   caller.  The threads start at the first job that can use them: one of
   more than one index in nlp_pool_run(), any nlp_pool_start() (its caller
   works meanwhile), nlp_pool_run_each(); those the system will not start
   leave their share to the others and the caller: the same calls, the
   same results, later. */
struct nlp_pool *nlp_pool_new(unsigned threads);

/* The number of threads, the caller included. */
unsigned nlp_pool_size(const struct nlp_pool *p);

/* Whether p has more threads than nlp_cpu_count() (when it was made): its
 * threads then take turns on the CPUs, and fine-grained jobs do better on
 * the caller alone. */
int nlp_pool_oversubscribed(const struct nlp_pool *p);

void nlp_pool_run(struct nlp_pool *p, size_t n,
    void (*fn)(void *arg, size_t i), void *arg);

/*
 * fn(arg, k) once for each k in [0, nlp_pool_size(p)), thread k always
 * running index k (the caller index 0): for work split by ownership that
 * should stay in one core's caches from one call to the next.
 */
void nlp_pool_run_each(struct nlp_pool *p,
    void (*fn)(void *arg, size_t k), void *arg);

/*
 * The same job in two halves, so that the caller can do other work while
 * the workers run it: nlp_pool_start() hands [0, n) to the workers and
 * returns at once (with threads <= 1, or none of them started, it runs the
 * job itself first);
 * nlp_pool_wait() then takes the indices still left, alongside the workers,
 * and returns when all calls have returned.  One job at a time: every start
 * is followed by a wait before the next start or run.  A wait with no job
 * started returns at once; nlp_pool_close() waits for a job still running.
 */
void nlp_pool_start(struct nlp_pool *p, size_t n,
    void (*fn)(void *arg, size_t i), void *arg);
void nlp_pool_wait(struct nlp_pool *p);

/*
 * Which of its pool's threads calls: 1 .. size - 1 in a worker, 0 in the
 * pool's caller (also when that is a worker of another pool) and in any
 * other thread, so that a job can keep scratch memory a thread.
 */
unsigned nlp_pool_thread(void);

/* Stop the threads and free the pool (p may be NULL). */
void nlp_pool_close(struct nlp_pool *p);

/*
 * The CPUs this process may use, at least 1: those online, fewer when it
 * is bound to some (sched_getaffinity: taskset, cpusets) or when its
 * cgroup's CPU quota allows less (a container's cpu.max, or cgroup v1's
 * cpu.cfs_quota_us over cpu.cfs_period_us), rounded up.
 */
unsigned nlp_cpu_count(void);

/* The CPUs a quota "QUOTA PERIOD" (microseconds, as in cgroup v2's
 * cpu.max) allows, rounded up; 0 when it sets no limit ("max", a negative
 * quota) or is not understood. */
unsigned nlp_cpu_quota(const char *text);

#endif
