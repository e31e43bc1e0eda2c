/*
 * error.c - filling struct nlp_err.  Messages are truncated, never
 * overflowed: a long path must not turn an error report into a crash.
 */
#include "error.h"

#include <stdio.h>
#include <string.h>

int
nlp_errf(struct nlp_err *e, int status, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return status;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	e->status = status;
	return status;
}

int
nlp_errnof(struct nlp_err *e, int status, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (e == NULL)
		return status;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	snprintf(e->msg + n, sizeof e->msg - n, ": %s", strerror(errnum));
	e->status = status;
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
