/*
 * store.h - the registry's content-addressed object store.
 *
 * An object is a file's bytes stored under their SHA-256:
 * DIR/objects/sha256/ab/cdef... (the first two hex digits name a
 * subdirectory).  Objects are written to DIR/tmp/put-RANDOM.tmp first,
 * fsynced, linked into place and the directory fsynced, so an object that
 * exists is complete and durable; they are never modified afterwards.  A
 * crash can leave such a temporary file or an object that no database row
 * refers to: both are harmless, and `registry gc` removes them.  Nothing
 * else is ever removed: not another program's file in DIR/tmp, not a
 * stray file under objects/.
 *
 * No symbolic link below DIR is followed: objects/, objects/sha256, its
 * two-digit directories and tmp/ must be real directories of the
 * registry's (its file system; owned by the user, the registry's owner,
 * root, or in a shared registry its group), else NLP_REGISTRY names the
 * one refused.
 *
 * In a shared registry (DIR group-writable and setgid), every file and
 * directory the store creates is group-writable too, whatever the umask,
 * except objects: they are read-only, 0444 (never modified; removing one
 * needs only its directory's write permission).  In a private registry
 * the umask decides (objects: 0444 less the umask).
 */
#ifndef NLP_STORE_H
#define NLP_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "digest.h"
#include "error.h"

/*
 * The path of object hex under dir, into buf (size bytes).  Returns 0, or
 * -1 when it does not fit or hex is not 64 lowercase hex digits.
 */
int nlp_store_path(const char *dir, const char *hex, char *buf, size_t size);

/* Is hex 64 lowercase hex digits? */
int nlp_store_valid_hex(const char *hex);

/*
 * Store data (len bytes) whose SHA-256 is hex; *created is set to 1 when
 * the object was written, 0 when it was already there (an existing object
 * of the wrong size is an NLP_DATA error: the store is damaged).  Creates
 * DIR/objects and DIR/tmp as needed.  Returns NLP_OK or NLP_IO (disk full,
 * read-only, permission), with nothing left behind on failure but what
 * `gc` cleans.  (A hex that is not an object name, see
 * nlp_store_valid_hex(), is NLP_DATA here and in every call below.)
 */
int nlp_store_put(const char *dir, const char *hex, const void *data,
    size_t len, int *created, struct nlp_err *e);

/*
 * Re-hash object hex: NLP_OK when its bytes have that SHA-256 (and size, if
 * size >= 0), NLP_NO with e saying what is wrong (missing, wrong size,
 * wrong hash), NLP_IO when it cannot be read.
 */
int nlp_store_check(const char *dir, const char *hex, int64_t size,
    struct nlp_err *e);

/* As nlp_store_check(), its size alone (no reading of its bytes). */
int nlp_store_check_size(const char *dir, const char *hex, int64_t size,
    struct nlp_err *e);

/*
 * Open object hex for reading (*fd, the caller closes it), through the
 * registry's own directories and never a link: NLP_OK, NLP_DATA when it is
 * missing or not a regular file (the store is damaged), NLP_IO.
 */
int nlp_store_open(const char *dir, const char *hex, int *fd,
    struct nlp_err *e);

/*
 * Copy object hex to path atomically, checking its SHA-256 on the way:
 * NLP_OK, NLP_DATA when the object is missing or damaged (then nothing is
 * left at path), NLP_IO.  Path "-" is standard output, written as the
 * object is read: a damaged object is still NLP_DATA, but only after its
 * bytes went out.
 */
int nlp_store_export(const char *dir, const char *hex, const char *path,
    struct nlp_err *e);

/* The same from fd, open at its start (name: the object, for messages):
 * the copy of a registry's object on PostgreSQL. */
int nlp_store_export_fd(int fd, const char *name, const char *hex,
    const char *path, struct nlp_err *e);

/* One entry found by nlp_store_scan(). */
struct nlp_store_entry {
	char hex[NLP_SHA256_HEX];    /* for objects; "" otherwise */
	char path[4096];             /* for messages */
	char sub[3];                 /* its two-digit directory; "" in tmp */
	char name[256];              /* its name there */
	int64_t size;
	int64_t mtime;               /* seconds since the epoch */
	int is_temp;                 /* one of put's files in DIR/tmp */
	int bad_name;                /* a file under objects/ whose name is not
	                                an object name, or that is not a
	                                regular file (a symbolic link, which
	                                scan never follows) */
	uint64_t dirdev, dirino;     /* the directory it was found in */
};

/*
 * Call fn for every object, every stray name under objects/ and every
 * temporary file of put's in DIR/tmp (sorted by path; other names in
 * DIR/tmp are not the store's and are not listed); stops and returns fn's
 * value when it is nonzero.  Returns NLP_OK, fn's value, NLP_REGISTRY (a
 * directory refused, see above) or NLP_IO.
 */
int nlp_store_scan(const char *dir,
    int (*fn)(void *arg, const struct nlp_store_entry *en), void *arg,
    struct nlp_err *e);

/*
 * Remove an object or temporary file found by scan in dir, relative to
 * the very directory scan found it in (a directory replaced meanwhile is
 * left alone, as is a name that is gone or no longer a regular file).  A
 * bad name is refused (NLP_BUG): the store never removes what it did not
 * make.  NLP_BUSY: a put is still writing that temporary file.  *removed
 * says whether this call removed it (not when it was gone already, or
 * left alone).
 */
int nlp_store_remove(const char *dir, const struct nlp_store_entry *en,
    int *removed, struct nlp_err *e);

/*
 * May a file with these stat data (st) be part of the registry whose
 * directory has dirst: on its file system, and owned by us, the
 * registry's owner or root, or in a shared registry by its group?
 */
int nlp_store_owned(const struct stat *dirst, const struct stat *st);

/* The number of objects in dir (stray names and temporary files aside). */
int nlp_store_count(const char *dir, size_t *n, struct nlp_err *e);

/*
 * Is DIR a shared registry (group-writable, setgid)?  Then new files get
 * mode 0664 (objects 0444, see above) and directories 02775.
 */
int nlp_store_shared(const char *dir);

/*
 * Make the mode of the file or directory open at fd right for the registry
 * in dir: in a shared one as nlp_store_shared() says, whatever the umask;
 * in a private one it is left as the umask made it.
 */
void nlp_store_fix_mode(const char *dir, int fd, int is_dir);

/*
 * Share an existing registry's store and database with group gid (named
 * group, for messages), as a shared registry makes them: objects/,
 * objects/sha256, its two-digit directories and tmp/ the group's, 02775;
 * each object the group's, 0444; the database files (registry.db and its
 * -wal, -shm, -journal) the group's, 0664.  Nothing else is touched: not
 * another program's file in tmp/, not a symbolic link, not a stray name
 * (a registry made in $HOME holds the user's own directories).  Each is
 * opened without following a link and changed through its descriptor; a
 * file with another name (a hard link) is refused, never changed.
 * NLP_OK, or NLP_IO naming the first that could not be changed (another
 * user's: its owner or root must share it).  With dry, nothing is
 * changed: only whether all of it could be (a first pass, so that a
 * refusal leaves the registry as it was, not half shared).
 */
int nlp_store_share(const char *dir, gid_t gid, const char *group, int dry,
    struct nlp_err *e);

#endif
