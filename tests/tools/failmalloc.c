/*
 * failmalloc.c - an LD_PRELOAD shim for the allocation-failure tests: the
 * Nth call of malloc, calloc, realloc, aligned_alloc or posix_memalign
 * (counted over the whole process, every thread) returns NULL with errno
 * ENOMEM; every other call is glibc's.
 *
 *   FAILMALLOC_N=N        fail the Nth allocation (1-based); unset or 0:
 *                         fail none, only count
 *   FAILMALLOC_ALL=1      fail the Nth and every later one
 *   FAILMALLOC_COUNT=FILE at exit, write the number of allocations made
 *
 * glibc supports replacing malloc: its own internal allocations (fopen,
 * strdup, ...) come here too.  The real ones are glibc's exported
 * __libc_* entry points, so no dlsym (which itself allocates) is needed.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static atomic_ulong calls;
static unsigned long fail_at;          /* 0: never */
static int fail_all, ready;
static const char *count_file;

static void __attribute__((constructor))
setup(void)
{
	const char *n = getenv("FAILMALLOC_N"), *all = getenv("FAILMALLOC_ALL");

	fail_at = n ? strtoul(n, NULL, 10) : 0;
	fail_all = all != NULL && all[0] == '1';
	count_file = getenv("FAILMALLOC_COUNT");
	atomic_store(&calls, 0);
	ready = 1;
}

static void __attribute__((destructor))
report(void)
{
	char buf[32];
	int fd, len;

	if (count_file == NULL)
		return;
	len = snprintf(buf, sizeof buf, "%lu\n", atomic_load(&calls));
	if ((fd = open(count_file, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0) {
		if (write(fd, buf, (size_t)len) != len)
			len = 0;
		close(fd);
	}
}

/* Should this call fail? */
static int
fail(void)
{
	unsigned long k;

	if (!ready)
		return 0;
	k = atomic_fetch_add(&calls, 1) + 1;
	return fail_at != 0 && (k == fail_at || (fail_all && k > fail_at));
}

void *
malloc(size_t n)
{
	if (fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(n);
}

void *
calloc(size_t n, size_t size)
{
	if (fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(n, size);
}

void *
realloc(void *p, size_t n)
{
	if (fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, n);
}

void *
aligned_alloc(size_t align, size_t n)
{
	if (fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_memalign(align, n);
}

int
posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	if (fail())
		return ENOMEM;
	if ((p = __libc_memalign(align, n)) == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}
