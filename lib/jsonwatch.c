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

/*
 * A reserve a failed allocation is served from, noted as failed all the
 * same: jansson 2.14's lexer does not stop at one it cannot make (it
 * drops the character, then decodes the string's escapes past what it
 * kept: an assertion, or a heap overrun), so it is not refused one while
 * the reserve lasts, and the caller, told by nlp_json_failed(), reports
 * out of memory.  The reserve is blocks malloc() made at the start (their
 * pages untouched until used): free() takes them back as any other, so
 * the text json_dumps() returns is freed the same way whatever it came
 * from.  Each is used once.
 */
static const size_t reserve_size[] = {
	4096, 4096, 4096, 4096, 4096, 4096, 4096, 4096,
	65536, 65536, 65536, 65536, 1 << 20, 1 << 20,
};
#define NRESERVE (sizeof reserve_size / sizeof *reserve_size)
static void *reserve[NRESERVE];
static pthread_mutex_t reserve_mu = PTHREAD_MUTEX_INITIALIZER;

/* The smallest block left of n bytes or more, taken; NULL when none. */
static void *
from_reserve(size_t n)
{
	void *p = NULL;
	size_t i;

	pthread_mutex_lock(&reserve_mu);
	for (i = 0; i < NRESERVE && p == NULL; i++)
		if (reserve[i] != NULL && reserve_size[i] >= n) {
			p = reserve[i];
			reserve[i] = NULL;
		}
	pthread_mutex_unlock(&reserve_mu);
	return p;
}

static void *
watched_malloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL) {
		failures++;
		p = from_reserve(n);
	}
	return p;
}

static void
install(void)
{
	size_t i;

	for (i = 0; i < NRESERVE; i++)
		reserve[i] = malloc(reserve_size[i]);
	json_set_alloc_funcs(watched_malloc, free);
}

/* Before main(): every parse is watched, the first too (one that runs
 * before any nlp_json_watch() had jansson's unwatched malloc()). */
__attribute__((constructor)) static void
install_early(void)
{
	pthread_once(&once, install);
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
