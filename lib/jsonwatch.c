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

static _Thread_local unsigned long failures, mark;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void *
watched_malloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL)
		failures++;
	return p;
}

static void
install(void)
{
	json_set_alloc_funcs(watched_malloc, free);
}

unsigned long
nlp_json_watch(void)
{
	pthread_once(&once, install);
	return mark = failures;
}

int
nlp_json_failed(void)
{
	return failures != mark;
}

int
nlp_json_failed_since(unsigned long m)
{
	return failures != m;
}
