/*
 * atomic.h - writing an output file so that it appears whole or not at all.
 *
 * Every output nlpops writes to a named file (-o, --prom, --html, pull,
 * train's artifact) goes through here, with one policy for what the name
 * may be:
 *
 *   - a new name, or an existing regular file: the data goes to a
 *     temporary file beside it; commit flushes and fsyncs it, names it
 *     ".NAME.XXXXXX", renames it over the target and fsyncs the
 *     directory.  Where the file system allows, the temporary file has
 *     no name until then (O_TMPFILE), so that a process killed outright
 *     leaves none behind (but in the instant between the naming and the
 *     rename); elsewhere it is named from the start.
 *     Abort (or a crash) leaves the target as it was, and abort removes
 *     the temporary file.  A file replaced keeps its permission bits,
 *     and its owner and group where the user may give them (root, or a
 *     group of the user's); a new one gets 0666 less the umask.  A file
 *     the user may not write (its mode, a read-only file system) is
 *     refused, as the shell's '>' refuses it, though the directory would
 *     let it be replaced.
 *   - a symbolic link to a regular file: followed, as the shell's '>'
 *     follows it, and the file it points to is replaced atomically as
 *     above (the link stays a link).  A link to nothing is refused.
 *   - a character device or a FIFO (/dev/null, a named pipe): written
 *     directly, not atomically (it cannot be), and never replaced:
 *     renaming a file over /dev/null would turn the system's /dev/null
 *     into a regular file.
 *   - the file a standard descriptor is open on (/dev/stdout when the
 *     shell's > or >> made it a file): written through that descriptor,
 *     as the shell would, never replaced.
 *   - a directory, a block device or a socket: refused (NLP_IO).
 *
 * "-" is not a file name here: callers write standard output themselves.
 */
#ifndef NLP_ATOMIC_H
#define NLP_ATOMIC_H

#include <stdio.h>

#include "error.h"

struct nlp_atomic {
	char *path;              /* the name given, for messages */
	char *target;            /* the file replaced (a symlink resolved) */
	char *tmp;               /* the temporary file; NULL when direct */
	int fd;                  /* open for writing: tmp, or the device */
	FILE *fp;                /* write here (over fd) */
	int direct;              /* a character device or FIFO */
	int unnamed;             /* tmp not made yet: fd is O_TMPFILE's */
	int slot;                /* see nlp_atomic_unlink_all() */
	int ready;               /* nlp_atomic_ready() saw it whole */
};

/* Prepare to write path; a->fp (and a->fd) are then open for writing.
 * NLP_OK, or NLP_IO naming path. */
int nlp_atomic_open(struct nlp_atomic *a, const char *path, struct nlp_err *e);

/* Flush and sync the file, short of publishing it: NLP_OK, or NLP_IO
 * (and the temporary file is gone, the target as it was).  A command
 * that publishes several files readies them all before committing any,
 * so that a full disk under the last leaves the first as they were. */
int nlp_atomic_ready(struct nlp_atomic *a, struct nlp_err *e);

/* Publish the file: NLP_OK, or NLP_IO (and the temporary file is gone,
 * the target as it was).  A failed fsync of the directory after the
 * rename is reported too: the new file is in place but may not survive
 * a crash. */
int nlp_atomic_commit(struct nlp_atomic *a, struct nlp_err *e);

/* A name to read back what was written before commit (flushed), in a
 * file written through a temporary one: that file's name, or for an
 * unnamed one "/proc/self/fd/N", made in buf.  NULL when a is direct. */
#define NLP_ATOMIC_NAME_MAX 32
const char *nlp_atomic_name(const struct nlp_atomic *a,
    char buf[NLP_ATOMIC_NAME_MAX]);

/* Throw the temporary file away (safe on a zeroed or finished struct). */
void nlp_atomic_abort(struct nlp_atomic *a);

/*
 * Remove every temporary file being written, from a signal handler (it is
 * async-signal-safe): the command calls it on SIGINT, SIGTERM and SIGHUP
 * before it dies of the signal, so that Ctrl-C leaves no .NAME.XXXXXX.
 */
void nlp_atomic_unlink_all(void);

/* fsync the directory that holds path (so a rename in it is durable):
 * 0, or -1 with errno; file systems that cannot sync a directory
 * (EINVAL) count as success. */
int nlp_fsync_dir_of(const char *path);

#endif
