/*
 * slowfs.c - an LD_PRELOAD shim for the race tests: it sleeps at chosen
 * opens, so that a window another process must fall into, seldom hit
 * under load, is hit every time.
 *
 *   SLOWFS_CREATE=NAME:MS  after an open with O_CREAT of a file named NAME
 *                          (its last path component), sleep MS milliseconds
 *   SLOWFS_DIR=N:MS        after the Nth open of a directory (O_DIRECTORY),
 *                          counted over the process, sleep MS milliseconds
 *   SLOWFS_NO_TMPFILE=1    an open with O_TMPFILE fails with EOPNOTSUPP, as
 *                          on a file system that makes no unnamed files
 *                          (NFS, FUSE)
 *   SLOWFS_SKEW=S          time() S seconds behind the clock: a
 *                          workstation whose clock is slow
 *
 * Every call is glibc's own; only the timing changes.  open, open64,
 * openat and openat64 are all caught (SQLite and the library call
 * different ones).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);

static atomic_int dirs;

static void
nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (ms > 0 && nanosleep(&ts, &ts) != 0)
		;
}

/* "A:MS" in the environment variable var: A in *a (at most n bytes),
 * the milliseconds returned; 0 when unset or malformed. */
static long
setting(const char *var, char *a, size_t n)
{
	const char *v = getenv(var), *colon;
	size_t len;

	if (v == NULL || (colon = strrchr(v, ':')) == NULL ||
	    (len = (size_t)(colon - v)) >= n)
		return 0;
	memcpy(a, v, len);
	a[len] = '\0';
	return strtol(colon + 1, NULL, 10);
}

static void
after_open(const char *path, int flags)
{
	char a[256];
	const char *base;
	int saved = errno;       /* the open's, for its caller */
	long ms;

	if ((flags & O_CREAT) && (ms = setting("SLOWFS_CREATE", a, sizeof a)) >
	    0) {
		base = strrchr(path, '/');
		if (strcmp(base != NULL ? base + 1 : path, a) == 0)
			nap(ms);
	}
	if ((flags & O_DIRECTORY) && (ms = setting("SLOWFS_DIR", a, sizeof a)) >
	    0 && atomic_fetch_add(&dirs, 1) + 1 == atoi(a))
		nap(ms);
	errno = saved;
}

static mode_t
mode_of(int flags, va_list ap)
{
	/* O_TMPFILE holds O_DIRECTORY's bit: the whole of it, as glibc
	   tests it */
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ?
	    (mode_t)va_arg(ap, int) : 0;
}

/* The real open (at -1) or openat called name, looked up once; then
 * after_open(). */
static int
call(void **real, const char *name, int at, const char *path, int flags,
    mode_t mode)
{
	int fd;

	if ((flags & O_TMPFILE) == O_TMPFILE && getenv("SLOWFS_NO_TMPFILE")) {
		errno = EOPNOTSUPP;
		return -1;
	}
	if (*real == NULL)
		*real = dlsym(RTLD_NEXT, name);
	fd = at == -1 ? ((open_fn)*real)(path, flags, mode) :
	    ((openat_fn)*real)(at, path, flags, mode);
	after_open(path, flags);
	return fd;
}

#define OPEN(name)							\
int name(const char *path, int flags, ...)				\
{									\
	static void *real;						\
	va_list ap;							\
	mode_t m;							\
	va_start(ap, flags);						\
	m = mode_of(flags, ap);						\
	va_end(ap);							\
	return call(&real, #name, -1, path, flags, m);			\
}
#define OPENAT(name)							\
int name(int at, const char *path, int flags, ...)			\
{									\
	static void *real;						\
	va_list ap;							\
	mode_t m;							\
	va_start(ap, flags);						\
	m = mode_of(flags, ap);						\
	va_end(ap);							\
	return call(&real, #name, at, path, flags, m);			\
}

int open(const char *, int, ...);
int open64(const char *, int, ...);
int openat(int, const char *, int, ...);
int openat64(int, const char *, int, ...);

OPEN(open)
OPEN(open64)
OPENAT(openat)
OPENAT(openat64)

/* time(), SLOWFS_SKEW seconds behind */
time_t
time(time_t *t)
{
	static time_t (*real)(time_t *);
	const char *skew = getenv("SLOWFS_SKEW");
	time_t now;

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "time");
	now = real(NULL) - (skew != NULL ? (time_t)atol(skew) : 0);
	if (t != NULL)
		*t = now;
	return now;
}
