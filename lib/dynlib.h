/*
 * dynlib.h - a shared library loaded the first time a command needs it
 * (dlopen), its functions into a table of pointers.
 *
 * libpq and libmicrohttpd, with what they pull in (Kerberos, LDAP,
 * GnuTLS), cost every start of nlpops a third of its time, though only a
 * PostgreSQL registry needs the one and only `nlpops serve` the other:
 * they are loaded when first used.  Their headers still come from
 * pkg-config; their sonames are the ABI those headers describe.
 */
#ifndef NLP_DYNLIB_H
#define NLP_DYNLIB_H

#include <stdatomic.h>
#include <stddef.h>

#include "error.h"

/* One function: its name and where its pointer goes in the table. */
struct nlp_dynsym {
	const char *name;
	size_t off;
};

struct nlp_dynlib {
	const char *soname;      /* "libpq.so.5" */
	const char *why;         /* "PostgreSQL registries": what needs it */
	const char *package;     /* the Debian package that has it */
	const struct nlp_dynsym *syms;
	size_t nsyms;
	void *table;             /* receives the pointers */
	atomic_int state;        /* 0 not tried, 1 loaded, -1 failed */
	char err[256];
};

/*
 * NLP_DYNLIB(var, FUNCS, soname, why, package): the table var_fn, one
 * pointer named after each function, and var_lib, which fills it.  FUNCS
 * is an X-macro list: FUNCS(X, a) expands to X(a, f) for each function f.
 * A file then defines each f as (*var_fn.f): its calls read as the
 * library's and go through the table (a macro is not expanded in itself).
 *
 * NLP_DYNLIB_LOADER(var, FUNCS, type, table, soname, why, package): var_lib
 * alone, filling table (a struct type, declared with NLP_DYNLIB_PTR), for
 * a table that several files share (larchive.h).
 */
#define NLP_DYNLIB_PTR(t, f) __typeof__(f) *f;
#define NLP_DYNLIB_SYM(t, f) { #f, offsetof(struct t, f) },
#define NLP_DYNLIB_LOADER(var, FUNCS, type, table, soname, why, package) \
	static const struct nlp_dynsym var##_syms[] = { \
		FUNCS(NLP_DYNLIB_SYM, type) \
	}; \
	static struct nlp_dynlib var##_lib = { soname, why, package, \
	    var##_syms, sizeof var##_syms / sizeof var##_syms[0], &table, \
	    0, "" }
#define NLP_DYNLIB(var, FUNCS, soname, why, package) \
	static struct var##_fns { FUNCS(NLP_DYNLIB_PTR, var##_fns) } var##_fn; \
	NLP_DYNLIB_LOADER(var, FUNCS, var##_fns, var##_fn, soname, why, package)

/*
 * Load l once (thread-safe; a failure is remembered and said again).
 * Returns NLP_OK, the table filled, or NLP_IO with e naming the library,
 * what needs it and the package to install.
 */
int nlp_dynlib_use(struct nlp_dynlib *l, struct nlp_err *e);

#endif
