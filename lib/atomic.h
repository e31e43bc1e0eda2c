/*
 * atomic.h - writing a file so that it appears whole or not at all.
 *
 * The data goes to a temporary file in the target's directory; commit
 * flushes it, fsyncs it, renames it over the target and fsyncs the
 * directory.  Abort (or a crash) leaves the target as it was, and abort
 * removes the temporary file.
 */
#ifndef NLP_ATOMIC_H
#define NLP_ATOMIC_H

#include <stdio.h>

#include "error.h"

struct nlp_atomic {
	char *path;              /* the target */
	char *tmp;               /* the temporary file */
	int fd;
	FILE *fp;                /* write here */
};

/* Create the temporary file for path; a->fp is then open for writing. */
int nlp_atomic_open(struct nlp_atomic *a, const char *path, struct nlp_err *e);

/* Publish the file: NLP_OK, or NLP_IO (and the temporary file is gone). */
int nlp_atomic_commit(struct nlp_atomic *a, struct nlp_err *e);

/* Throw the temporary file away. */
void nlp_atomic_abort(struct nlp_atomic *a);

/* fsync the directory that holds path (so a rename in it is durable). */
int nlp_fsync_dir_of(const char *path);

#endif
