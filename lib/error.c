/*
 * error.c - filling struct nlp_err.  Messages are truncated, never
 * overflowed: a long path must not turn an error report into a crash.
 */
#include "error.h"

#include <stdio.h>
#include <string.h>

/* Fill e: the message from fmt and ap, then ": strerror(errnum)" when
 * errnum is not 0. */
static int
verrf(struct nlp_err *e, int status, int errnum, const char *fmt,
    va_list ap)
{
	size_t n;

	if (e == NULL)
		return status;
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	if (errnum != 0) {
		n = strlen(e->msg);
		snprintf(e->msg + n, sizeof e->msg - n, ": %s",
		    strerror(errnum));
	}
	e->status = status;
	return status;
}

int
nlp_errf(struct nlp_err *e, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	status = verrf(e, status, 0, fmt, ap);
	va_end(ap);
	return status;
}

int
nlp_errnof(struct nlp_err *e, int status, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	status = verrf(e, status, errnum, fmt, ap);
	va_end(ap);
	return status;
}

void
nlp_err_prefix(struct nlp_err *e, const char *fmt, ...)
{
	char head[512], old[sizeof e->msg];
	va_list ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(head, sizeof head, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	/* Truncation is intended (see top); using the result tells gcc so. */
	if (snprintf(e->msg, sizeof e->msg, "%s: %s", head, old) < 0)
		e->msg[0] = '\0';
}

void
nlp_err_clear(struct nlp_err *e)
{
	if (e == NULL)
		return;
	e->status = NLP_OK;
	e->msg[0] = '\0';
}

int
nlp_err_recast(struct nlp_err *e, int status)
{
	if (e != NULL)
		e->status = status;
	return status;
}
