/*
 * jsonwatch.c - jansson's allocations, watched (see jsonwatch.h).
 *
 * The allocator is set once for the process; it is libc's malloc() and
 * free(), so objects made before the switch are freed the same way.
 */
#include "jsonwatch.h"

#include <pthread.h>
#include <stdlib.h>

#include <jansson.h>

static _Thread_local int failed;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void *
watched_malloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL)
		failed = 1;
	return p;
}

static void
install(void)
{
	json_set_alloc_funcs(watched_malloc, free);
}

void
nlp_json_watch(void)
{
	pthread_once(&once, install);
	failed = 0;
}

int
nlp_json_failed(void)
{
	return failed;
}
