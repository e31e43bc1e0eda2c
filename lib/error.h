/*
 * error.h - status codes and the error report every library call fills.
 *
 * The library never prints and never exits.  A call that fails fills a
 * struct nlp_err with one printable line (lowercase, no final period, the
 * subject quoted) and returns the status that the command should exit with.
 * The command layer prefixes "nlpops CMD: " and prints it.
 */
#ifndef NLP_ERROR_H
#define NLP_ERROR_H

#include <stdarg.h>

/* Exit statuses, shared by every command (see nlpops(1), EXIT STATUS). */
enum nlp_status {
	NLP_OK = 0,        /* success */
	NLP_NO = 1,        /* the check ran and said no */
	NLP_USAGE = 2,     /* unknown command or option, bad option value */
	NLP_DATA = 3,      /* bad data or model */
	NLP_IO = 4,        /* cannot read or write, out of memory */
	NLP_REGISTRY = 5,  /* registry state: no such model, version or alias */
	NLP_BUG = 70,      /* internal error */
	NLP_BUSY = 75,     /* registry busy past the retry budget */
};

struct nlp_err {
	int status;        /* one of enum nlp_status; NLP_OK when unset */
	char msg[1024];    /* the printable line, NUL-terminated */
};

/*
 * Fill e (which may be NULL) with a formatted message and return status, so
 * that callers can write "return nlp_errf(e, NLP_DATA, "...", ...);".
 */
int nlp_errf(struct nlp_err *e, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like nlp_errf(), appending ": strerror(errnum)". */
int nlp_errnof(struct nlp_err *e, int status, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Prepend "prefix: " to an already filled message (context from a caller). */
void nlp_err_prefix(struct nlp_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Reset e to "no error". */
void nlp_err_clear(struct nlp_err *e);

/* Give the error in e another status, the one returned: what a callee
 * called NLP_NO (a check said no) may be damage to its caller, and the
 * command exits with e's status. */
int nlp_err_recast(struct nlp_err *e, int status);

#endif
