/*
 * store.c - the registry's content-addressed object store (see store.h).
 *
 * put writes DIR/tmp/put-RANDOM.tmp exclusively, fsyncs it, links it to
 * its object name and fsyncs the object's directory, so an object name
 * exists only for complete, durable bytes; link() rather than rename()
 * because link fails with EEXIST, which tells a concurrent put of the same
 * bytes apart from ours without replacing what another process stored.
 *
 * Modes: objects are 0444, less the umask in a private registry (never
 * modified; removing one needs only the directory's write permission).  In a shared registry directories are
 * 02775, set with fchmod after mkdir so that the umask does not matter;
 * otherwise the umask decides, as for any file the user creates.  (Another
 * group member can see a directory we just made before its mode is fixed:
 * a put racing it into that directory fails with EACCES and can be
 * retried; nothing is damaged.)
 *
 * A put holds an exclusive flock() on its temporary file from creating it
 * to removing it, and remove leaves alone a temporary file so locked: a
 * gc with a short grace period (--grace 0s) took the temporary files of
 * puts still writing them, whose link() then failed with ENOENT.  A lock
 * dies with its process, so a killed put's file is removed as before; a gc
 * that slips in between a put's open() and its flock() makes that put
 * start over with a new file.
 *
 * Reading never trusts a name: hex must be 64 lowercase hex digits before
 * it becomes a path, objects are opened with O_NOFOLLOW, and scan uses
 * fstatat/openat without following symbolic links, reporting one as a
 * bad name instead.
 */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"

#define HEX_LEN 64
#define READ_CHUNK ((size_t)64 << 10)
#define OBJECT_MODE 0444
#define SHARED_DIR_MODE 02775
#define SHARED_FILE_MODE 0664
#define PUT_TRIES 5           /* temporary files taken by a gc, at most */

/* Is c a lowercase hex digit? */
static int
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Are the n bytes at s lowercase hex digits followed by the end of s? */
static int
all_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_hex(s[i]))
			return 0;
	return s[n] == '\0';
}

int
nlp_store_valid_hex(const char *hex)
{
	return hex != NULL && all_hex(hex, HEX_LEN);
}

/* printf into buf; -1 (and errno ENAMETOOLONG) when it does not fit, so
 * that a long path is an error and never a truncated, different path. */
static int __attribute__((format(printf, 3, 4)))
fmt_path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		if (size > 0)
			buf[0] = '\0';
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
nlp_store_path(const char *dir, const char *hex, char *buf, size_t size)
{
	if (!nlp_store_valid_hex(hex)) {
		if (size > 0)
			buf[0] = '\0';
		return -1;
	}
	return fmt_path(buf, size, "%s/objects/sha256/%.2s/%s", dir, hex,
	    hex + 2);
}

/* The object path of hex, or the error the caller returns (hostile or
 * damaged names are data errors, long paths I/O errors).  A bad name is
 * quoted cut short and with control characters as '?', so that the
 * report stays one printable line. */
static int
object_path(const char *dir, const char *hex, char path[PATH_MAX],
    struct nlp_err *e)
{
	char shown[81];
	size_t i;

	if (!nlp_store_valid_hex(hex)) {
		for (i = 0; hex != NULL && hex[i] != '\0' && i + 1 < sizeof shown; i++)
			shown[i] = (unsigned char)hex[i] < 0x20 || hex[i] == 0x7f ?
			    '?' : hex[i];
		shown[i] = '\0';
		return nlp_errf(e, NLP_DATA, "'%s' is not an object name "
		    "(64 lowercase hex digits)", shown);
	}
	if (nlp_store_path(dir, hex, path, PATH_MAX) != 0)
		return nlp_errnof(e, NLP_IO, ENAMETOOLONG,
		    "cannot use the registry '%s'", dir);
	return NLP_OK;
}

int
nlp_store_shared(const char *dir)
{
	struct stat st;

	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	    (st.st_mode & S_ISGID) && (st.st_mode & S_IWGRP);
}

/* Shared: fixed modes whatever the umask; private: what the umask gave.
 * (A failure is not reported: the header promises no status, and the
 * file is usable, only less shared.) */
void
nlp_store_fix_mode(const char *dir, int fd, int is_dir)
{
	if (nlp_store_shared(dir))
		(void)fchmod(fd, is_dir ? SHARED_DIR_MODE : SHARED_FILE_MODE);
}

/* fsync the directory holding path, so that a name made or removed there
 * survives a crash; file systems that cannot sync directories (EINVAL)
 * are let be. */
static int
sync_dir_of(const char *path, struct nlp_err *e)
{
	if (nlp_fsync_dir_of(path) != 0 && errno != EINVAL)
		return nlp_errnof(e, NLP_IO, errno,
		    "cannot sync the directory of '%s'", path);
	return NLP_OK;
}

/* Make directory path unless it exists; a new one gets the registry's
 * mode and its parent is fsynced, so the object linked into it later is
 * reachable after a crash. */
static int
make_dir(const char *path, int shared, struct nlp_err *e)
{
	struct stat st;
	int fd, err = 0;

	if (mkdir(path, 0777) != 0) {
		if (errno != EEXIST)
			return nlp_errnof(e, NLP_IO, errno,
			    "cannot create directory '%s'", path);
		if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
			return nlp_errnof(e, NLP_IO, ENOTDIR,
			    "cannot create directory '%s'", path);
		return NLP_OK;
	}
	if (shared) {
		fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fchmod(fd, SHARED_DIR_MODE) != 0)
			err = errno;
		if (fd >= 0)
			close(fd);
		if (err != 0)
			return nlp_errnof(e, NLP_IO, err,
			    "cannot set the mode of '%s'", path);
	}
	return sync_dir_of(path, e);
}

/* Create DIR/tmp and the directories above object hex, outermost first. */
static int
make_dirs(const char *dir, const char *hex, int shared, struct nlp_err *e)
{
	static const char *const sub[] = {
		"tmp", "objects", "objects/sha256", "objects/sha256/",
	};
	char path[PATH_MAX];
	int rc = NLP_OK;
	size_t i;

	for (i = 0; rc == NLP_OK && i < sizeof sub / sizeof *sub; i++) {
		/* the last one ends in the two-digit directory's name */
		int digits = i + 1 == sizeof sub / sizeof *sub ? 2 : 0;

		if (fmt_path(path, sizeof path, "%s/%s%.*s", dir, sub[i], digits,
		    hex) != 0)
			return nlp_errnof(e, NLP_IO, errno, "cannot store in '%s'",
			    dir);
		rc = make_dir(path, shared, e);
	}
	return rc;
}

/* Does the object at path exist (*found) with len bytes?  One of another
 * size, or not a regular file, means the store is damaged. */
static int
existing(const char *path, size_t len, int *found, struct nlp_err *e)
{
	struct stat st;

	*found = 0;
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return NLP_OK;
		return nlp_errnof(e, NLP_IO, errno, "cannot read '%s'", path);
	}
	if (!S_ISREG(st.st_mode))
		return nlp_errf(e, NLP_DATA, "object '%s' is not a regular file: "
		    "the store is damaged", path);
	if (st.st_size < 0 || (uintmax_t)st.st_size != (uintmax_t)len)
		return nlp_errf(e, NLP_DATA, "object '%s' has %jd bytes, "
		    "expected %zu: the store is damaged", path,
		    (intmax_t)st.st_size, len);
	*found = 1;
	return NLP_OK;
}

/* Create DIR/tmp/put-RANDOM.tmp exclusively (mode 0444 less the umask:
 * the fd is writable all the same); its name in tmp, its fd in *fd. */
static int
create_temp(const char *dir, char tmp[PATH_MAX], int *fd, struct nlp_err *e)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[12];
	char name[sizeof r + 1];
	int tries;

	*fd = -1;
	errno = EEXIST;
	for (tries = 0; *fd < 0 && errno == EEXIST && tries < 100; tries++) {
		if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
			return nlp_errnof(e, NLP_IO, errno,
			    "cannot name a temporary file in '%s/tmp'", dir);
		for (size_t i = 0; i < sizeof r; i++)
			name[i] = set[r[i] % (sizeof set - 1)];
		name[sizeof r] = '\0';
		if (fmt_path(tmp, PATH_MAX, "%s/tmp/put-%s.tmp", dir, name) != 0)
			return nlp_errnof(e, NLP_IO, errno, "cannot store in '%s'",
			    dir);
		*fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    OBJECT_MODE);
	}
	if (*fd < 0) {
		int err = errno;
		tmp[0] = '\0';   /* not ours: the caller must not unlink it */
		return nlp_errnof(e, NLP_IO, err, "cannot create a temporary "
		    "file in '%s/tmp'", dir);
	}
	return NLP_OK;
}

/* write() all of data, through short writes and signals, at most 1 GiB
 * a call (a larger count is implementation-defined). */
static int
write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len < ((size_t)1 << 30) ? len :
		    (size_t)1 << 30);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
nlp_store_put(const char *dir, const char *hex, const void *data,
    size_t len, int *created, struct nlp_err *e)
{
	char obj[PATH_MAX], tmp[PATH_MAX] = "";
	int fd = -1, found = 0, repair = 0, shared, err, rc, tries;

	*created = 0;
	if ((rc = object_path(dir, hex, obj, e)) != NLP_OK)
		return rc;
	rc = existing(obj, len, &found, e);
	if (rc == NLP_OK && found) {
		/* the bytes there must be these: a damaged object is replaced by
		   the right bytes (a repair), never trusted */
		struct nlp_err ce;
		int c = nlp_store_check(dir, hex, (int64_t)len, &ce);
		if (c == NLP_OK)
			return sync_dir_of(obj, e);
		if (c != NLP_NO) {
			if (e != NULL)
				*e = ce;
			return c;
		}
		repair = 1;
	} else if (rc == NLP_DATA) {
		repair = 1;         /* of the wrong size: replace it too */
	} else if (rc != NLP_OK) {
		return rc;
	}
	shared = nlp_store_shared(dir);
	for (tries = 1; ; tries++) {
		if ((rc = make_dirs(dir, hex, shared, e)) != NLP_OK ||
		    (rc = create_temp(dir, tmp, &fd, e)) != NLP_OK)
			goto out;
		/* ours while we write it: gc leaves a locked temporary file
		 * alone (best effort: a file system without flock() only
		 * loses that protection) */
		(void)flock(fd, LOCK_EX);
		err = write_all(fd, data, len) != 0 || fsync(fd) != 0 ||
		    (shared && fchmod(fd, OBJECT_MODE) != 0) ? errno : 0;
		if (err != 0) {
			rc = nlp_errnof(e, NLP_IO, err, "cannot write '%s'", tmp);
			goto out;
		}
		if (repair ? rename(tmp, obj) == 0 : link(tmp, obj) == 0) {
			*created = 1;
			if (repair)
				tmp[0] = '\0';   /* it is the object now */
			rc = NLP_OK;
			break;
		}
		if (errno == EEXIST) {   /* another process stored them first */
			rc = existing(obj, len, &found, e);
			break;
		}
		/* ENOENT: a gc took our file before we locked it; start over */
		if (errno != ENOENT || tries == PUT_TRIES) {
			rc = nlp_errnof(e, NLP_IO, errno, "cannot link '%s' to "
			    "'%s'", tmp, obj);
			goto out;
		}
		unlink(tmp);
		close(fd);
		fd = -1;
	}
	if (rc == NLP_OK)
		rc = sync_dir_of(obj, e);
out:
	/* unlink before close: the lock covers the file until its name is
	 * gone (a close error cannot matter now: the bytes were fsynced) */
	if (tmp[0] != '\0')
		unlink(tmp);
	if (fd >= 0)
		close(fd);
	if (rc != NLP_OK)
		*created = 0;
	return rc;
}

/* Open object hex read-only, refusing anything but a regular file: NLP_NO
 * when it is missing or not a file, as check reports it. */
static int
open_object(const char *dir, const char *hex, char path[PATH_MAX], int *fd,
    struct stat *st, struct nlp_err *e)
{
	int rc;

	*fd = -1;
	if ((rc = object_path(dir, hex, path, e)) != NLP_OK)
		return rc;
	if ((*fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return nlp_errf(e, NLP_NO, "object '%s' is missing", path);
		if (errno == ELOOP)
			return nlp_errf(e, NLP_NO, "object '%s' is damaged: it is "
			    "a symbolic link", path);
		return nlp_errnof(e, NLP_IO, errno, "cannot read '%s'", path);
	}
	if (fstat(*fd, st) != 0)
		rc = nlp_errnof(e, NLP_IO, errno, "cannot read '%s'", path);
	else if (!S_ISREG(st->st_mode))
		rc = nlp_errf(e, NLP_NO, "object '%s' is damaged: it is not a "
		    "regular file", path);
	if (rc != NLP_OK) {
		close(*fd);
		*fd = -1;
	}
	return rc;
}

/*
 * Read fd to its end through SHA-256, copying to out when it is not NULL;
 * the digest in hex, the byte count in *n.  NLP_IO names path when reading
 * fails, out_name when writing does.
 */
static int
hash_copy(int fd, const char *path, FILE *out, const char *out_name,
    char hex[NLP_SHA256_HEX], uint64_t *n, struct nlp_err *e)
{
	struct nlp_sha256 *s = nlp_sha256_new();
	unsigned char *buf = malloc(READ_CHUNK);
	int rc = NLP_OK;
	ssize_t got;

	*n = 0;
	if (s == NULL || buf == NULL) {
		rc = nlp_errf(e, NLP_IO, "cannot read '%s': out of memory", path);
		goto out;
	}
	for (;;) {
		got = read(fd, buf, READ_CHUNK);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = nlp_errnof(e, NLP_IO, errno, "cannot read '%s'", path);
			goto out;
		}
		if (got == 0)
			break;
		nlp_sha256_update(s, buf, (size_t)got);
		*n += (uint64_t)got;
		errno = 0;
		if (out != NULL && fwrite(buf, 1, (size_t)got, out) != (size_t)got) {
			rc = nlp_errnof(e, NLP_IO, errno ? errno : EIO,
			    "cannot write '%s'", out_name);
			goto out;
		}
	}
	nlp_sha256_final(s, hex);
	s = NULL;
out:
	nlp_sha256_free(s);
	free(buf);
	return rc;
}

/* Report an object whose bytes hash to got, not to its name (check says
 * NLP_NO, export NLP_DATA). */
static int
damaged(const char *path, const char *got, int status, struct nlp_err *e)
{
	return nlp_errf(e, status, "object '%s' is damaged: its SHA-256 is %s",
	    path, got);
}

int
nlp_store_check(const char *dir, const char *hex, int64_t size,
    struct nlp_err *e)
{
	char path[PATH_MAX], got[NLP_SHA256_HEX];
	struct stat st;
	uint64_t n;
	int fd, rc;

	if ((rc = open_object(dir, hex, path, &fd, &st, e)) != NLP_OK)
		return rc;
	/* the size from fstat first (no reading a huge wrong file), then
	 * the bytes actually read, in case the file changed meanwhile */
	n = (uint64_t)st.st_size;
	if (size < 0 || n == (uint64_t)size)
		rc = hash_copy(fd, path, NULL, NULL, got, &n, e);
	if (rc == NLP_OK && size >= 0 && n != (uint64_t)size)
		rc = nlp_errf(e, NLP_NO, "object '%s' has %ju bytes, expected %jd",
		    path, (uintmax_t)n, (intmax_t)size);
	else if (rc == NLP_OK && strcmp(got, hex) != 0)
		rc = damaged(path, got, NLP_NO, e);
	close(fd);
	return rc;
}

/*
 * To a file: written through nlp_atomic, so a damaged object leaves
 * nothing at path.  To "-" (standard output) the bytes are streamed as
 * they are read: a damaged object is still reported (NLP_DATA), but only
 * after its bytes were written.
 */
int
nlp_store_export(const char *dir, const char *hex, const char *path,
    struct nlp_err *e)
{
	char obj[PATH_MAX], got[NLP_SHA256_HEX];
	struct nlp_atomic a = { .fd = -1 };
	int to_stdout = strcmp(path, "-") == 0, fd, rc;
	FILE *out = stdout;
	struct stat st;
	uint64_t n;

	if ((rc = open_object(dir, hex, obj, &fd, &st, e)) != NLP_OK)
		return rc == NLP_NO ? NLP_DATA : rc;   /* the store is damaged */
	if (!to_stdout) {
		if ((rc = nlp_atomic_open(&a, path, e)) != NLP_OK)
			goto out;
		out = a.fp;
	}
	rc = hash_copy(fd, obj, out, to_stdout ? "standard output" : path, got,
	    &n, e);
	if (rc == NLP_OK && strcmp(got, hex) != 0)
		rc = damaged(obj, got, NLP_DATA, e);
	if (to_stdout) {
		if (fflush(stdout) != 0 && rc == NLP_OK)
			rc = nlp_errnof(e, NLP_IO, errno,
			    "cannot write 'standard output'");
	} else if (rc == NLP_OK)
		rc = nlp_atomic_commit(&a, e);
	else
		nlp_atomic_abort(&a);
out:
	close(fd);
	return rc;
}

/* What scan found, before sorting: the entry without its fixed buffers. */
struct found {
	char *path;
	int64_t size, mtime;
	int is_temp, bad_name;
};

struct found_list {
	struct found *v;
	size_t n, cap;
};

/* Append a copy of path with its lstat data; -1 (errno set) on failure. */
static int
add_found(struct found_list *l, const char *path, const struct stat *st,
    int is_temp, int bad_name)
{
	if (l->n == l->cap) {
		struct found *v;
		size_t cap;

		if (l->cap > SIZE_MAX / 2 / sizeof *v) {
			errno = ENOMEM;
			return -1;
		}
		cap = l->cap ? l->cap * 2 : 64;
		if ((v = realloc(l->v, cap * sizeof *v)) == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	if ((l->v[l->n].path = strdup(path)) == NULL)
		return -1;
	l->v[l->n].size = (int64_t)st->st_size;
	l->v[l->n].mtime = (int64_t)st->st_mtime;
	l->v[l->n].is_temp = is_temp;
	l->v[l->n].bad_name = bad_name;
	l->n++;
	return 0;
}

/* Open directory path without following a symbolic link at its end;
 * NULL with errno ENOENT when it is not there. */
static DIR *
open_dir(int at, const char *path)
{
	int fd = openat(at, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;

	if (fd < 0)
		return NULL;
	if ((d = fdopendir(fd)) == NULL) {
		int err = errno;
		close(fd);
		errno = err;
	}
	return d;
}

/* Is name an object file name under the two-digit directory sub? */
static int
object_name(const char *sub, const char *name)
{
	return all_hex(sub, 2) && all_hex(name, HEX_LEN - 2);
}

/*
 * Add every entry of directory path (kind 0: DIR/tmp, 1: objects/sha256,
 * 2: one of its two-digit directories) to l, descending from kind 1 into
 * real directories; sub is the two-digit directory's name for kind 2.
 */
static int
walk(struct found_list *l, const char *path, int kind, const char *sub,
    struct nlp_err *e)
{
	char child[PATH_MAX];
	struct dirent *de;
	struct stat st;
	int rc = NLP_OK;
	DIR *d;

	if ((d = open_dir(AT_FDCWD, path)) == NULL) {
		if (errno == ENOENT)
			return NLP_OK;
		return nlp_errnof(e, NLP_IO, errno, "cannot read '%s'", path);
	}
	for (errno = 0; rc == NLP_OK && (de = readdir(d)) != NULL; errno = 0) {
		const char *name = de->d_name;
		int is_dir;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (fmt_path(child, sizeof child, "%s/%s", path, name) != 0 ||
		    fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno == ENOENT)
				continue;   /* removed while we looked */
			rc = nlp_errnof(e, NLP_IO, errno, "cannot read '%s/%s'",
			    path, name);
			break;
		}
		is_dir = S_ISDIR(st.st_mode);
		if (kind == 1 && is_dir)
			rc = walk(l, child, 2, name, e);
		else if (add_found(l, child, &st, kind == 0, kind != 0 &&
		    (kind == 1 || !S_ISREG(st.st_mode) || !object_name(sub, name))) != 0)
			rc = nlp_errnof(e, NLP_IO, errno, "cannot read '%s'", path);
	}
	if (rc == NLP_OK && errno != 0)
		rc = nlp_errnof(e, NLP_IO, errno, "cannot read '%s'", path);
	closedir(d);
	return rc;
}

/* qsort order: by path, bytewise. */
static int
by_path(const void *a, const void *b)
{
	return strcmp(((const struct found *)a)->path,
	    ((const struct found *)b)->path);
}

int
nlp_store_scan(const char *dir,
    int (*fn)(void *arg, const struct nlp_store_entry *en), void *arg,
    struct nlp_err *e)
{
	struct found_list l = { 0 };
	struct nlp_store_entry *en = calloc(1, sizeof *en);
	char path[PATH_MAX];
	int rc = NLP_OK;
	size_t i;

	if (en == NULL) {
		rc = nlp_errf(e, NLP_IO, "cannot read '%s': out of memory", dir);
		goto out;
	}
	if (fmt_path(path, sizeof path, "%s/objects/sha256", dir) != 0 ||
	    (rc = walk(&l, path, 1, NULL, e)) != NLP_OK ||
	    fmt_path(path, sizeof path, "%s/tmp", dir) != 0 ||
	    (rc = walk(&l, path, 0, NULL, e)) != NLP_OK) {
		if (rc == NLP_OK)
			rc = nlp_errnof(e, NLP_IO, errno, "cannot read '%s'", dir);
		goto out;
	}
	if (l.n > 1)
		qsort(l.v, l.n, sizeof *l.v, by_path);
	for (i = 0; rc == NLP_OK && i < l.n; i++) {
		const struct found *f = &l.v[i];
		size_t plen = strlen(f->path);

		memset(en, 0, sizeof *en);
		if (plen >= sizeof en->path) {
			rc = nlp_errnof(e, NLP_IO, ENAMETOOLONG, "cannot read '%s'",
			    f->path);
			break;
		}
		memcpy(en->path, f->path, plen + 1);
		/* .../ab/cdef...: the hex is the last 65 bytes less the '/' */
		if (!f->is_temp && !f->bad_name) {
			memcpy(en->hex, f->path + plen - HEX_LEN - 1, 2);
			memcpy(en->hex + 2, f->path + plen - HEX_LEN + 2,
			    HEX_LEN - 1);   /* 62 digits and the NUL */
		}
		en->size = f->size;
		en->mtime = f->mtime;
		en->is_temp = f->is_temp;
		en->bad_name = f->bad_name;
		rc = fn(arg, en);
	}
out:
	for (i = 0; i < l.n; i++)
		free(l.v[i].path);
	free(l.v);
	free(en);
	return rc;
}

/* Directories (left in DIR/tmp, or stray under objects/) are removed when
 * empty; a name already gone is not an error (another gc was first).  A
 * temporary file that a running put holds locked is left alone: NLP_BUSY,
 * which gc takes as "not garbage".  (The lock taken here is held until the
 * file is unlinked, so that a put cannot lock it in between; a put that
 * opened it just before is left with an unlinked file and starts over.) */
int
nlp_store_remove(const struct nlp_store_entry *en, struct nlp_err *e)
{
	int fd = -1, rc = NLP_OK;

	if (en->is_temp) {
		fd = open(en->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0 &&
		    errno == EWOULDBLOCK) {
			close(fd);
			return nlp_errf(e, NLP_BUSY, "'%s' is being written",
			    en->path);
		}
	}
	if (unlink(en->path) != 0 && !(errno == EISDIR && rmdir(en->path) == 0)
	    && errno != ENOENT)
		rc = nlp_errnof(e, NLP_IO, errno, "cannot remove '%s'", en->path);
	if (fd >= 0)
		close(fd);
	return rc == NLP_OK ? sync_dir_of(en->path, e) : rc;
}
