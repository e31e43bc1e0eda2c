/*
 * dynlib.c - shared libraries loaded when first needed (dynlib.h).
 */
#include "dynlib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER;

/* dlopen and dlsym every function: 1, or -1 with l->err set. */
static int
load(struct nlp_dynlib *l)
{
	void *h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL), *f;
	const char *why;
	size_t i;

	if (h == NULL) {
		why = dlerror();
		/* the loader's own allocations failed: not a missing package
		   ("cannot create shared object descriptor", "cannot allocate
		   memory in static TLS block", ENOMEM's strerror) */
		if (why != NULL && (strcasestr(why, "cannot allocate") != NULL ||
		    strstr(why, "cannot create shared object") != NULL ||
		    strstr(why, "out of memory") != NULL))
			snprintf(l->err, sizeof l->err, "cannot load '%s' (for %s): "
			    "out of memory", l->soname, l->why);
		else     /* named as any file is: the loader's read may fail */
			snprintf(l->err, sizeof l->err, "'%s' is needed for %s "
			    "(Debian: %s) and cannot be loaded: %s", l->soname,
			    l->why, l->package, why ? why : "not found");
		return -1;
	}
	for (i = 0; i < l->nsyms; i++) {
		if ((f = dlsym(h, l->syms[i].name)) == NULL) {
			snprintf(l->err, sizeof l->err, "'%s' is needed for %s "
			    "(Debian: %s), but has no %s", l->soname, l->why,
			    l->package, l->syms[i].name);
			dlclose(h);
			return -1;
		}
		/* a data pointer to a function pointer, as POSIX allows */
		memcpy((char *)l->table + l->syms[i].off, &f, sizeof f);
	}
	return 1;                /* never closed: the process keeps it */
}

int
nlp_dynlib_use(struct nlp_dynlib *l, struct nlp_err *e)
{
	int st = atomic_load_explicit(&l->state, memory_order_acquire);

	if (st == 0) {
		pthread_mutex_lock(&load_mu);
		if ((st = atomic_load_explicit(&l->state, memory_order_relaxed))
		    == 0) {
			st = load(l);
			atomic_store_explicit(&l->state, st, memory_order_release);
		}
		pthread_mutex_unlock(&load_mu);
	}
	return st == 1 ? NLP_OK : nlp_errf(e, NLP_IO, "%s", l->err);
}
