/*
 * pool.c - worker threads for nlp_pool_run().  Indices are handed out by an
 * atomic counter, so a slow index does not hold up the others; the caller
 * works too, so a pool of T threads starts T - 1 of them.
 */
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

struct nlp_pool {
	unsigned nthreads;
	pthread_t *tid;
	pthread_mutex_t mu;
	pthread_cond_t wake, done;
	unsigned long generation;    /* bumped for each job */
	int quit;
	/* the current job */
	void (*fn)(void *, size_t);
	void *arg;
	size_t n;
	atomic_size_t next;
	unsigned busy;               /* workers still in the job */
	int started;                 /* a job nlp_pool_wait() has not seen end */
};

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
	struct nlp_pool *p = v;
	unsigned long seen = 0;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->quit && p->generation == seen)
			pthread_cond_wait(&p->wake, &p->mu);
		if (p->quit)
			break;
		seen = p->generation;
		pthread_mutex_unlock(&p->mu);
		drain(p);
		pthread_mutex_lock(&p->mu);
		if (--p->busy == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
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
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->wake, NULL);
	pthread_cond_init(&p->done, NULL);
	if (p->nthreads > 1) {
		p->tid = calloc(p->nthreads - 1, sizeof *p->tid);
		if (p->tid == NULL) {
			nlp_pool_close(p);
			return NULL;
		}
		for (i = 0; i + 1 < p->nthreads; i++) {
			if (pthread_create(&p->tid[i], NULL, worker, p) != 0) {
				p->nthreads = i + 1;
				nlp_pool_close(p);
				return NULL;
			}
		}
	}
	return p;
}

unsigned
nlp_pool_size(const struct nlp_pool *p)
{
	return p->nthreads;
}

void
nlp_pool_start(struct nlp_pool *p, size_t n, void (*fn)(void *, size_t),
    void *arg)
{
	size_t i;

	if (p->nthreads == 1) {
		for (i = 0; i < n; i++)
			fn(arg, i);
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->fn = fn;
	p->arg = arg;
	p->n = n;
	atomic_store(&p->next, 0);
	p->busy = p->nthreads - 1;
	p->generation++;
	p->started = 1;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->mu);
}

void
nlp_pool_wait(struct nlp_pool *p)
{
	if (!p->started)
		return;
	drain(p);
	pthread_mutex_lock(&p->mu);
	while (p->busy > 0)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
	p->started = 0;
}

void
nlp_pool_run(struct nlp_pool *p, size_t n, void (*fn)(void *, size_t),
    void *arg)
{
	size_t i;

	if (p->nthreads == 1 || n <= 1) {
		for (i = 0; i < n; i++)
			fn(arg, i);
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
	if (p->tid != NULL)
		for (i = 0; i + 1 < p->nthreads; i++)
			pthread_join(p->tid[i], NULL);
	free(p->tid);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->wake);
	pthread_cond_destroy(&p->done);
	free(p);
}

unsigned
nlp_cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : (unsigned)n;
}
