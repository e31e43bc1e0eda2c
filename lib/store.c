/*
 * store.c - the registry's content-addressed object store (see store.h).
 *
 * Every name below the registry directory is reached through directory
 * descriptors opened with O_NOFOLLOW: DIR itself is opened by the path the
 * user gave (it may be a symbolic link), then "objects", "sha256", "ab",
 * "tmp" and the files in them with openat/linkat/unlinkat relative to
 * those descriptors.  In a shared registry every group member may rename
 * and create names in DIR; a member who swapped DIR/tmp or objects/ for a
 * symbolic link between our look and our unlink made root's gc delete
 * files elsewhere.  Now a symbolic link (or anything but a directory) in
 * the place of one of ours is refused, and what is removed is removed
 * from the directory that was looked at, checked again by device and
 * inode.  A directory is also checked to belong to the registry: on its
 * file system, owned by us, by the registry's owner, by root, or in a
 * shared registry by its group.
 *
 * put writes DIR/tmp/put-RANDOM.tmp exclusively, fsyncs it, links it to
 * its object name and fsyncs the object's directory, so an object name
 * exists only for complete, durable bytes; link() rather than rename()
 * because link fails with EEXIST, which tells a concurrent put of the same
 * bytes apart from ours without replacing what another process stored.
 * gc removes from DIR/tmp only names of that form, regular files: the
 * registry may live in a directory whose tmp/ holds other programs' files
 * (a registry made in $HOME met ~/tmp), and those are never ours to take.
 *
 * Modes: objects are 0444, less the umask in a private registry (never
 * modified; removing one needs only the directory's write permission).
 * In a shared registry directories are 02775, set with fchmod after mkdir
 * so that the umask does not matter; otherwise the umask decides, as for
 * any file the user creates.  (Another group member can see a directory
 * we just made before its mode is fixed: a put racing it into that
 * directory fails with EACCES and can be retried; nothing is damaged.)
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
 * it becomes a path.
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
#define TEMP_PREFIX "put-"
#define TEMP_SUFFIX ".tmp"
#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

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

/* Is name one of put's temporary files: "put-" 1 to 32 of [a-z0-9] ".tmp"? */
static int
temp_name(const char *name)
{
	size_t n = strlen(name), i, mid;

	if (n <= strlen(TEMP_PREFIX) + strlen(TEMP_SUFFIX) ||
	    strncmp(name, TEMP_PREFIX, strlen(TEMP_PREFIX)) != 0 ||
	    strcmp(name + n - strlen(TEMP_SUFFIX), TEMP_SUFFIX) != 0)
		return 0;
	mid = n - strlen(TEMP_PREFIX) - strlen(TEMP_SUFFIX);
	if (mid > 32)
		return 0;
	for (i = strlen(TEMP_PREFIX); i < strlen(TEMP_PREFIX) + mid; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= '0' && name[i] <= '9')))
			return 0;
	return 1;
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

/* Entry name of the directory open at dirfd (path: its path, for
 * messages) made the group's with mode: 1 done (or already so), 0 there
 * is none (or it is not of the kind: a link, another type), -1 e set.
 * *fd (when not NULL) is left open on it for a directory. */
static int
share_one(int dirfd, const char *name, const char *path, int want_dir,
    gid_t gid, mode_t mode, const char *group, int dry, int *out,
    struct nlp_err *e)
{
	struct stat st;
	int fd, err = 0;

	if (out != NULL)
		*out = -1;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
	    (want_dir ? O_DIRECTORY : 0));
	if (fd < 0)
		return errno == ENOENT || errno == ELOOP || errno == ENOTDIR ? 0 :
		    -nlp_errnof(e, NLP_IO, errno, "cannot share '%s' with group "
		    "'%s'", path, group);
	if (fstat(fd, &st) != 0)
		err = errno;
	else if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	} else if (!want_dir && st.st_nlink != 1 && (st.st_gid != gid ||
	    (st.st_mode & 07777) != mode)) {
		/* another name of a file elsewhere (a group member's hard
		   link, to have root give it away): never changed */
		close(fd);
		return -nlp_errf(e, NLP_IO, "cannot share '%s' with group '%s': "
		    "it has %lu names (a hard link to a file elsewhere, or a "
		    "killed push's leftover in tmp/, which 'registry gc' "
		    "removes), not changed", path, group,
		    (unsigned long)st.st_nlink);
	} else if (dry) {
		/* only whether it could be changed: by its owner or root */
		if ((st.st_gid != gid || (st.st_mode & 07777) != mode) &&
		    geteuid() != 0 && st.st_uid != geteuid())
			err = EPERM;
	} else if (st.st_gid != gid && fchown(fd, (uid_t)-1, gid) != 0)
		err = errno;
	else if ((st.st_mode & 07777) != mode && fchmod(fd, mode) != 0)
		err = errno;
	if (err != 0) {
		close(fd);
		if (err == EPERM)
			return -nlp_errnof(e, NLP_IO, err, "cannot share '%s' "
			    "with group '%s' (uid %lu owns it: its owner, or root, "
			    "must run 'registry init --shared')", path, group,
			    (unsigned long)st.st_uid);
		return -nlp_errnof(e, NLP_IO, err, "cannot share '%s' with "
		    "group '%s'", path, group);
	}
	if (out != NULL)
		*out = fd;
	else
		close(fd);
	return 1;
}

int
nlp_store_share(const char *dir, gid_t gid, const char *group, int dry,
    struct nlp_err *e)
{
	static const char *const db[] = { "registry.db", "registry.db-wal",
		"registry.db-shm", "registry.db-journal" };
	char path[PATH_MAX + 64];
	int top, objs = -1, sha = -1, sub = -1, rc = NLP_OK;
	DIR *d = NULL, *s = NULL;
	struct dirent *de, *se;
	size_t i;

	if ((top = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return nlp_errnof(e, NLP_IO, errno, "cannot share registry '%s'",
		    dir);
	for (i = 0; rc == NLP_OK && i < sizeof db / sizeof *db; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, db[i]);
		if (share_one(top, db[i], path, 0, gid, SHARED_FILE_MODE, group,
		    dry, NULL, e) < 0)
			rc = NLP_IO;
	}
	snprintf(path, sizeof path, "%s/tmp", dir);
	if (rc == NLP_OK && share_one(top, "tmp", path, 1, gid,
	    SHARED_DIR_MODE, group, dry, NULL, e) < 0)
		rc = NLP_IO;
	snprintf(path, sizeof path, "%s/objects", dir);
	if (rc == NLP_OK && share_one(top, "objects", path, 1, gid,
	    SHARED_DIR_MODE, group, dry, &objs, e) < 0)
		rc = NLP_IO;
	snprintf(path, sizeof path, "%s/objects/sha256", dir);
	if (rc == NLP_OK && objs >= 0 && share_one(objs, "sha256", path, 1, gid,
	    SHARED_DIR_MODE, group, dry, &sha, e) < 0)
		rc = NLP_IO;
	if (rc == NLP_OK && sha >= 0 && (d = fdopendir(sha)) == NULL)
		rc = nlp_errnof(e, NLP_IO, errno, "cannot share '%s'", path);
	else if (d != NULL)
		sha = -1;           /* d's now */
	/* the two-digit directories, and the objects in them */
	while (rc == NLP_OK && d != NULL && (errno = 0, de = readdir(d)) != NULL) {
		if (strlen(de->d_name) != 2 ||
		    strspn(de->d_name, "0123456789abcdef") != 2)
			continue;
		snprintf(path, sizeof path, "%s/objects/sha256/%s", dir,
		    de->d_name);
		if (share_one(dirfd(d), de->d_name, path, 1, gid,
		    SHARED_DIR_MODE, group, dry, &sub, e) < 0) {
			rc = NLP_IO;
			break;
		}
		if (sub < 0)
			continue;
		if ((s = fdopendir(sub)) == NULL) {
			close(sub);
			rc = nlp_errnof(e, NLP_IO, errno, "cannot share '%s'", path);
			break;
		}
		while (rc == NLP_OK && (errno = 0, se = readdir(s)) != NULL) {
			if (strlen(se->d_name) != 62 ||
			    strspn(se->d_name, "0123456789abcdef") != 62)
				continue;
			snprintf(path, sizeof path, "%s/objects/sha256/%s/%s", dir,
			    de->d_name, se->d_name);
			if (share_one(dirfd(s), se->d_name, path, 0, gid,
			    OBJECT_MODE, group, dry, NULL, e) < 0)
				rc = NLP_IO;
		}
		if (rc == NLP_OK && errno != 0)   /* readdir() failed */
			rc = nlp_errnof(e, NLP_IO, errno, "cannot read "
			    "'%s/objects/sha256/%s'", dir, de->d_name);
		closedir(s);
	}
	if (rc == NLP_OK && d != NULL && errno != 0)
		rc = nlp_errnof(e, NLP_IO, errno, "cannot read '%s/objects/"
		    "sha256'", dir);
	if (d != NULL)
		closedir(d);
	if (sha >= 0)
		close(sha);
	if (objs >= 0)
		close(objs);
	close(top);
	return rc;
}

/* The registry directory, open, with what its children are checked
 * against. */
struct regdir {
	const char *dir;             /* the path, for messages */
	int fd;
	struct stat st;
	int shared;
};

/* Open the registry directory dir (following a link: the user named it).
 * ENOENT is NLP_IO with *missing set, for callers to whom it matters. */
static int
regdir_open(struct regdir *d, const char *dir, struct nlp_err *e)
{
	d->dir = dir;
	d->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->fd < 0)
		return nlp_errnof(e, NLP_IO, errno, "cannot use the registry '%s'",
		    dir);
	if (fstat(d->fd, &d->st) != 0) {
		int err = errno;
		close(d->fd);
		d->fd = -1;
		return nlp_errnof(e, NLP_IO, err, "cannot use the registry '%s'",
		    dir);
	}
	d->shared = S_ISDIR(d->st.st_mode) && (d->st.st_mode & S_ISGID) &&
	    (d->st.st_mode & S_IWGRP);
	return NLP_OK;
}

static void
regdir_close(struct regdir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

/* May a file or directory with these owners be part of the registry d:
 * on its file system, and ours, the registry's owner's, root's, or in a
 * shared registry its group's? */
static int
belongs(const struct regdir *d, const struct stat *st)
{
	return nlp_store_owned(&d->st, st);
}

int
nlp_store_owned(const struct stat *dirst, const struct stat *st)
{
	int shared = (dirst->st_mode & S_ISGID) && (dirst->st_mode & S_IWGRP);

	return st->st_dev == dirst->st_dev && (st->st_uid == geteuid() ||
	    st->st_uid == dirst->st_uid || st->st_uid == 0 ||
	    (shared && st->st_gid == dirst->st_gid));
}

/* Refuse what is in the place of one of the registry's own names. */
static int
refuse(const struct regdir *d, const char *rel, const char *what,
    struct nlp_err *e)
{
	return nlp_errf(e, NLP_REGISTRY, "'%s/%s' is %s: refusing it (the "
	    "registry is damaged, or someone tampered with it)", d->dir, rel,
	    what);
}

/*
 * Open directory name in the directory at, whose path below the registry
 * is rel (for messages), never following a symbolic link; create it when
 * create is set (the new one gets the registry's mode and its parent is
 * fsynced, so the object linked into it later is reachable after a
 * crash).  *out is -1 and NLP_OK returned when it is missing and create
 * is not set.
 */
static int
subdir(const struct regdir *d, int at, const char *name, const char *rel,
    int create, int *out, struct nlp_err *e)
{
	struct stat st;
	int fd, made = 0;

	*out = -1;
	for (;;) {
		if ((fd = openat(at, name, DIR_FLAGS)) >= 0)
			break;
		if (errno == ELOOP || errno == ENOTDIR)
			return refuse(d, rel, "a symbolic link or not a directory",
			    e);
		if (errno != ENOENT)
			return nlp_errnof(e, NLP_IO, errno, "cannot use '%s/%s'",
			    d->dir, rel);
		if (!create)
			return NLP_OK;
		if (mkdirat(at, name, 0777) == 0)
			made = 1;
		else if (errno != EEXIST)
			return nlp_errnof(e, NLP_IO, errno, "cannot create "
			    "directory '%s/%s'", d->dir, rel);
	}
	if (fstat(fd, &st) != 0) {
		int err = errno;
		close(fd);
		return nlp_errnof(e, NLP_IO, err, "cannot use '%s/%s'", d->dir,
		    rel);
	}
	if (!belongs(d, &st)) {
		close(fd);
		return refuse(d, rel, "not the registry's (another file system "
		    "or owner)", e);
	}
	/* root at work in another user's registry (a cron job, an admin)
	   gives what it makes to the registry's owner, as SQLite gives it
	   the -wal and -shm: a directory of root's, 0755, would refuse the
	   owner's objects with that prefix, and gc's removals, for good */
	if (made && geteuid() == 0 && d->st.st_uid != 0 &&
	    fchown(fd, d->st.st_uid, (gid_t)-1) != 0) {
		int err = errno;
		close(fd);
		return nlp_errnof(e, NLP_IO, err, "cannot give '%s/%s' to the "
		    "registry's owner", d->dir, rel);
	}
	if (made && d->shared && fchmod(fd, SHARED_DIR_MODE) != 0) {
		int err = errno;
		close(fd);
		return nlp_errnof(e, NLP_IO, err, "cannot set the mode of "
		    "'%s/%s'", d->dir, rel);
	}
	if (made && fsync(at) != 0 && errno != EINVAL) {
		int err = errno;
		close(fd);
		return nlp_errnof(e, NLP_IO, err, "cannot sync the directory of "
		    "'%s/%s'", d->dir, rel);
	}
	*out = fd;
	return NLP_OK;
}

/* The directory objects/sha256/ab of hex (ab its first two digits), open;
 * -1 when it is missing and create is not set. */
static int
object_dir(const struct regdir *d, const char *hex, int create, int *out,
    struct nlp_err *e)
{
	char rel[32];
	int objects, sha, rc;

	*out = -1;
	if ((rc = subdir(d, d->fd, "objects", "objects", create, &objects, e))
	    != NLP_OK || objects < 0)
		return rc;
	rc = subdir(d, objects, "sha256", "objects/sha256", create, &sha, e);
	close(objects);
	if (rc != NLP_OK || sha < 0)
		return rc;
	snprintf(rel, sizeof rel, "objects/sha256/%.2s", hex);
	rc = subdir(d, sha, rel + strlen("objects/sha256/"), rel, create, out,
	    e);
	close(sha);
	return rc;
}

/* Does the object (its name in abfd) exist (*found) with len bytes?  One
 * of another size, or not a regular file, means the store is damaged. */
static int
existing(int abfd, const char *hex, const char *path, size_t len, int *found,
    struct nlp_err *e)
{
	struct stat st;

	*found = 0;
	if (abfd < 0)
		return NLP_OK;
	if (fstatat(abfd, hex + 2, &st, AT_SYMLINK_NOFOLLOW) != 0) {
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

/* Create tmp/put-RANDOM.tmp exclusively in tmpfd (mode 0444 less the
 * umask: the fd is writable all the same); its name in name, fd in *fd. */
static int
create_temp(const struct regdir *d, int tmpfd, char name[32], int *fd,
    struct nlp_err *e)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[12];
	int tries;

	*fd = -1;
	errno = EEXIST;
	for (tries = 0; *fd < 0 && errno == EEXIST && tries < 100; tries++) {
		if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
			return nlp_errnof(e, NLP_IO, errno,
			    "cannot name a temporary file in '%s/tmp'", d->dir);
		memcpy(name, TEMP_PREFIX, strlen(TEMP_PREFIX));
		for (size_t i = 0; i < sizeof r; i++)
			name[strlen(TEMP_PREFIX) + i] = set[r[i] % (sizeof set - 1)];
		strcpy(name + strlen(TEMP_PREFIX) + sizeof r, TEMP_SUFFIX);
		*fd = openat(tmpfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, OBJECT_MODE);
	}
	if (*fd < 0) {
		int err = errno;
		name[0] = '\0';   /* not ours: the caller must not unlink it */
		return nlp_errnof(e, NLP_IO, err, "cannot create a temporary "
		    "file in '%s/tmp'", d->dir);
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

/* fsync a directory; file systems that cannot (EINVAL) are let be. */
static int
sync_dirfd(int fd, const char *path, struct nlp_err *e)
{
	if (fsync(fd) != 0 && errno != EINVAL)
		return nlp_errnof(e, NLP_IO, errno,
		    "cannot sync the directory of '%s'", path);
	return NLP_OK;
}

/* What one put holds open. */
struct put {
	struct regdir d;
	int tmpfd, abfd, fd;
	char name[32];               /* the temporary file in tmpfd, or "" */
};

/* Write one temporary file with data and link (or, repairing, rename)
 * it to its object name: NLP_OK, NLP_BUSY when a gc took the temporary
 * file first (start over), or the error. */
static int
put_once(struct put *p, const char *hex, const char *obj, const void *data,
    size_t len, int repair, int *found, struct nlp_err *e)
{
	int rc, err;

	if ((rc = create_temp(&p->d, p->tmpfd, p->name, &p->fd, e)) != NLP_OK)
		return rc;
	/* ours while we write it: gc leaves a locked temporary file alone
	 * (best effort: a file system without flock() only loses that
	 * protection) */
	(void)flock(p->fd, LOCK_EX);
	err = write_all(p->fd, data, len) != 0 || fsync(p->fd) != 0 ||
	    (p->d.shared && fchmod(p->fd, OBJECT_MODE) != 0) ? errno : 0;
	if (err != 0)
		return nlp_errnof(e, NLP_IO, err, "cannot write '%s/tmp/%s'",
		    p->d.dir, p->name);
	if (repair ? renameat(p->tmpfd, p->name, p->abfd, hex + 2) == 0 :
	    linkat(p->tmpfd, p->name, p->abfd, hex + 2, 0) == 0) {
		if (repair)
			p->name[0] = '\0';   /* it is the object now */
		*found = 0;
		return NLP_OK;
	}
	if (errno == EEXIST)     /* another process stored them first */
		return existing(p->abfd, hex, obj, len, found, e);
	if (errno == ENOENT)     /* a gc took our file before we locked it */
		return NLP_BUSY;
	return nlp_errnof(e, NLP_IO, errno, "cannot link '%s/tmp/%s' to '%s'",
	    p->d.dir, p->name, obj);
}

/* Close the temporary file, unlinking it first: the lock covers it until
 * its name is gone (a close error cannot matter now: the bytes were
 * fsynced). */
static void
put_drop_temp(struct put *p)
{
	if (p->name[0] != '\0')
		unlinkat(p->tmpfd, p->name, 0);
	p->name[0] = '\0';
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

int
nlp_store_put(const char *dir, const char *hex, const void *data,
    size_t len, int *created, struct nlp_err *e)
{
	struct put p = { .d = { .fd = -1 }, .tmpfd = -1, .abfd = -1, .fd = -1 };
	char obj[PATH_MAX];
	int found = 0, repair = 0, rc, tries;

	*created = 0;
	if ((rc = object_path(dir, hex, obj, e)) != NLP_OK ||
	    (rc = regdir_open(&p.d, dir, e)) != NLP_OK)
		return rc;
	if ((rc = object_dir(&p.d, hex, 0, &p.abfd, e)) != NLP_OK)
		goto out;
	rc = existing(p.abfd, hex, obj, len, &found, e);
	if (rc == NLP_OK && found) {
		/* the bytes there must be these: a damaged object is replaced by
		   the right bytes (a repair), never trusted */
		struct nlp_err ce;
		int c = nlp_store_check(dir, hex, (int64_t)len, &ce);
		if (c == NLP_OK) {
			rc = sync_dirfd(p.abfd, obj, e);
			goto out;
		}
		if (c != NLP_NO) {
			if (e != NULL)
				*e = ce;
			rc = c;
			goto out;
		}
		repair = 1;
	} else if (rc == NLP_DATA) {
		repair = 1;         /* of the wrong size: replace it too */
	} else if (rc != NLP_OK) {
		goto out;
	}
	if ((rc = subdir(&p.d, p.d.fd, "tmp", "tmp", 1, &p.tmpfd, e)) != NLP_OK)
		goto out;
	if (p.abfd < 0 && (rc = object_dir(&p.d, hex, 1, &p.abfd, e)) != NLP_OK)
		goto out;
	for (tries = 1; ; tries++) {
		rc = put_once(&p, hex, obj, data, len, repair, &found, e);
		if (rc != NLP_BUSY)
			break;
		put_drop_temp(&p);
		if (tries == PUT_TRIES) {
			rc = nlp_errnof(e, NLP_IO, ENOENT, "cannot link a temporary "
			    "file to '%s' (a gc keeps taking them)", obj);
			break;
		}
	}
	if (rc == NLP_OK)
		rc = sync_dirfd(p.abfd, obj, e);
	if (rc == NLP_OK)
		*created = !found;
out:
	put_drop_temp(&p);
	if (p.tmpfd >= 0)
		close(p.tmpfd);
	if (p.abfd >= 0)
		close(p.abfd);
	regdir_close(&p.d);
	return rc;
}

/* Open object hex read-only through the registry's own directories,
 * refusing anything but a regular file: NLP_NO when it is missing or not
 * a file, as check reports it. */
static int
open_object(const char *dir, const char *hex, char path[PATH_MAX], int *fd,
    struct stat *st, struct nlp_err *e)
{
	struct regdir d = { .fd = -1 };
	int abfd = -1, rc;

	*fd = -1;
	if ((rc = object_path(dir, hex, path, e)) != NLP_OK ||
	    (rc = regdir_open(&d, dir, e)) != NLP_OK)
		return rc;
	if ((rc = object_dir(&d, hex, 0, &abfd, e)) != NLP_OK)
		goto out;
	if (abfd < 0) {
		rc = nlp_errf(e, NLP_NO, "object '%s' is missing", path);
		goto out;
	}
	if ((*fd = openat(abfd, hex + 2, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			rc = nlp_errf(e, NLP_NO, "object '%s' is missing", path);
		else if (errno == ELOOP)
			rc = nlp_errf(e, NLP_NO, "object '%s' is damaged: it is a "
			    "symbolic link", path);
		else
			rc = nlp_errnof(e, NLP_IO, errno, "cannot read '%s'", path);
		goto out;
	}
	if (fstat(*fd, st) != 0)
		rc = nlp_errnof(e, NLP_IO, errno, "cannot read '%s'", path);
	else if (!S_ISREG(st->st_mode))
		rc = nlp_errf(e, NLP_NO, "object '%s' is damaged: it is not a "
		    "regular file", path);
	/* a regular file: reads block as usual */
	else if (fcntl(*fd, F_SETFL, 0) != 0)
		rc = nlp_errnof(e, NLP_IO, errno, "cannot read '%s'", path);
	if (rc != NLP_OK) {
		close(*fd);
		*fd = -1;
	}
out:
	if (abfd >= 0)
		close(abfd);
	regdir_close(&d);
	return rc;
}

int
nlp_store_open(const char *dir, const char *hex, int *fd, struct nlp_err *e)
{
	char path[PATH_MAX];
	struct stat st;
	int rc = open_object(dir, hex, path, fd, &st, e);

	/* missing, or not a regular file: the store is damaged (eval and
	   drift exited 1, a verdict, for it) */
	return rc == NLP_NO ? nlp_err_recast(e, NLP_DATA) : rc;
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
	if (s == NULL) {
		rc = nlp_sha256_why(e);
		goto out;
	}
	if (buf == NULL) {
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
	nlp_sha256_close(s);
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

/* An object of n bytes where size were recorded: NLP_NO. */
static int
wrong_size(const char *path, uint64_t n, int64_t size, struct nlp_err *e)
{
	return nlp_errf(e, NLP_NO, "object '%s' has %ju bytes, not %jd", path,
	    (uintmax_t)n, (intmax_t)size);
}

int
nlp_store_check_size(const char *dir, const char *hex, int64_t size,
    struct nlp_err *e)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, rc;

	if ((rc = open_object(dir, hex, path, &fd, &st, e)) != NLP_OK)
		return rc;
	if ((uint64_t)st.st_size != (uint64_t)size)
		rc = wrong_size(path, (uint64_t)st.st_size, size, e);
	close(fd);
	return rc;
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
		rc = wrong_size(path, n, size, e);
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
nlp_store_export_fd(int fd, const char *name, const char *hex,
    const char *path, struct nlp_err *e)
{
	char got[NLP_SHA256_HEX];
	struct nlp_atomic a = { .fd = -1 };
	int to_stdout = strcmp(path, "-") == 0, rc;
	FILE *out = stdout;
	uint64_t n;

	if (!to_stdout) {
		if ((rc = nlp_atomic_open(&a, path, e)) != NLP_OK)
			return rc;
		out = a.fp;
	}
	rc = hash_copy(fd, name, out, to_stdout ? "standard output" : path, got,
	    &n, e);
	if (rc == NLP_OK && strcmp(got, hex) != 0)
		rc = damaged(name, got, NLP_DATA, e);
	if (to_stdout) {
		if (fflush(stdout) != 0 && rc == NLP_OK)
			rc = nlp_errnof(e, NLP_IO, errno,
			    "cannot write 'standard output'");
	} else if (rc == NLP_OK)
		rc = nlp_atomic_commit(&a, e);
	else
		nlp_atomic_abort(&a);
	return rc;
}

int
nlp_store_export(const char *dir, const char *hex, const char *path,
    struct nlp_err *e)
{
	char obj[PATH_MAX];
	struct stat st;
	int fd, rc;

	if ((rc = open_object(dir, hex, obj, &fd, &st, e)) != NLP_OK)
		return rc == NLP_NO ? nlp_err_recast(e, NLP_DATA) : rc;
	rc = nlp_store_export_fd(fd, obj, hex, path, e);
	close(fd);
	return rc;
}

/* What scan found, before sorting: the entry without its fixed buffers. */
struct found {
	char *path;
	char sub[3];                 /* the two-digit directory; "" for tmp */
	char *name;                  /* within it */
	int64_t size, mtime;
	int is_temp, bad_name;
	dev_t dirdev;                /* the directory it was found in */
	ino_t dirino;
};

struct found_list {
	struct found *v;
	size_t n, cap;
};

/* Append an entry; -1 (errno set) on failure. */
static int
add_found(struct found_list *l, const char *path, const char *sub,
    const char *name, const struct stat *st, const struct stat *dirst,
    int is_temp, int bad_name)
{
	struct found *f;

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
	f = &l->v[l->n];
	memset(f, 0, sizeof *f);
	if ((f->path = strdup(path)) == NULL)
		return -1;
	if ((f->name = strdup(name)) == NULL) {
		free(f->path);
		return -1;
	}
	snprintf(f->sub, sizeof f->sub, "%s", sub);
	f->size = (int64_t)st->st_size;
	f->mtime = (int64_t)st->st_mtime;
	f->is_temp = is_temp;
	f->bad_name = bad_name;
	f->dirdev = dirst->st_dev;
	f->dirino = dirst->st_ino;
	l->n++;
	return 0;
}

/* Is name an object file name under the two-digit directory sub? */
static int
object_name(const char *sub, const char *name)
{
	return all_hex(sub, 2) && all_hex(name, HEX_LEN - 2);
}

/*
 * Add the entries of the directory open at fd (path for messages) to l:
 * kind 0 is DIR/tmp (only put's own temporary files, regular files, are
 * listed: anything else there is not ours), 1 objects/sha256 (descending
 * into its real directories), 2 one of those, named sub.  Takes fd.
 */
static int
walk(const struct regdir *d, struct found_list *l, int fd, const char *path,
    int kind, const char *sub, struct nlp_err *e)
{
	char child[PATH_MAX];
	struct stat st, dirst;
	struct dirent *de;
	int rc = NLP_OK;
	DIR *dp;

	if (fstat(fd, &dirst) != 0 || (dp = fdopendir(fd)) == NULL) {
		rc = nlp_errnof(e, NLP_IO, errno, "cannot read '%s'", path);
		close(fd);
		return rc;
	}
	for (errno = 0; rc == NLP_OK && (de = readdir(dp)) != NULL; errno = 0) {
		const char *name = de->d_name;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (fmt_path(child, sizeof child, "%s/%s", path, name) != 0 ||
		    fstatat(dirfd(dp), name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno == ENOENT)
				continue;   /* removed while we looked */
			rc = nlp_errnof(e, NLP_IO, errno, "cannot read '%s/%s'",
			    path, name);
			break;
		}
		if (kind == 0) {
			if (!temp_name(name) || !S_ISREG(st.st_mode))
				continue;   /* not ours */
			if (add_found(l, child, "", name, &st, &dirst, 1, 0) != 0)
				rc = nlp_errnof(e, NLP_IO, errno, "cannot read '%s'",
				    path);
		} else if (kind == 1 && S_ISDIR(st.st_mode)) {
			int sfd = openat(dirfd(dp), name, DIR_FLAGS);
			if (sfd < 0 && errno == ENOENT)
				continue;
			if (sfd < 0)
				rc = nlp_errnof(e, NLP_IO, errno, "cannot read '%s'",
				    child);
			else
				rc = walk(d, l, sfd, child, 2, name, e);
		} else if (add_found(l, child, kind == 2 ? sub : "", name, &st,
		    &dirst, 0, kind == 1 || !S_ISREG(st.st_mode) ||
		    !object_name(sub, name)) != 0) {
			rc = nlp_errnof(e, NLP_IO, errno, "cannot read '%s'", path);
		}
	}
	if (rc == NLP_OK && errno != 0)
		rc = nlp_errnof(e, NLP_IO, errno, "cannot read '%s'", path);
	closedir(dp);
	return rc;
}

/* qsort order: by path, bytewise. */
static int
by_path(const void *a, const void *b)
{
	return strcmp(((const struct found *)a)->path,
	    ((const struct found *)b)->path);
}

/* Walk objects/sha256 and tmp of d into l. */
static int
walk_store(const struct regdir *d, struct found_list *l, struct nlp_err *e)
{
	char path[PATH_MAX];
	int objects = -1, fd = -1, rc;

	if ((rc = subdir(d, d->fd, "objects", "objects", 0, &objects, e))
	    != NLP_OK)
		return rc;
	if (objects >= 0) {
		rc = subdir(d, objects, "sha256", "objects/sha256", 0, &fd, e);
		close(objects);
		if (rc == NLP_OK && fd >= 0) {
			if (fmt_path(path, sizeof path, "%s/objects/sha256", d->dir)) {
				rc = nlp_errnof(e, NLP_IO, errno, "cannot read '%s'",
				    d->dir);
				close(fd);
			} else {
				rc = walk(d, l, fd, path, 1, NULL, e);   /* takes fd */
			}
			fd = -1;
		}
		if (fd >= 0)
			close(fd);
		if (rc != NLP_OK)
			return rc;
	}
	if ((rc = subdir(d, d->fd, "tmp", "tmp", 0, &fd, e)) != NLP_OK ||
	    fd < 0)
		return rc;
	if (fmt_path(path, sizeof path, "%s/tmp", d->dir) != 0) {
		close(fd);
		return nlp_errnof(e, NLP_IO, errno, "cannot read '%s'", d->dir);
	}
	return walk(d, l, fd, path, 0, NULL, e);
}

int
nlp_store_scan(const char *dir,
    int (*fn)(void *arg, const struct nlp_store_entry *en), void *arg,
    struct nlp_err *e)
{
	struct regdir d = { .fd = -1 };
	struct found_list l = { 0 };
	struct nlp_store_entry *en = calloc(1, sizeof *en);
	int rc = NLP_OK;
	size_t i;

	if (en == NULL) {
		rc = nlp_errf(e, NLP_IO, "cannot read '%s': out of memory", dir);
		goto out;
	}
	if ((rc = regdir_open(&d, dir, e)) != NLP_OK ||
	    (rc = walk_store(&d, &l, e)) != NLP_OK)
		goto out;
	if (l.n > 1)
		qsort(l.v, l.n, sizeof *l.v, by_path);
	for (i = 0; rc == NLP_OK && i < l.n; i++) {
		const struct found *f = &l.v[i];
		size_t plen = strlen(f->path);

		memset(en, 0, sizeof *en);
		if (plen >= sizeof en->path || strlen(f->name) >= sizeof en->name) {
			rc = nlp_errnof(e, NLP_IO, ENAMETOOLONG, "cannot read '%s'",
			    f->path);
			break;
		}
		memcpy(en->path, f->path, plen + 1);
		strcpy(en->name, f->name);
		memcpy(en->sub, f->sub, sizeof en->sub);
		if (!f->is_temp && !f->bad_name) {
			memcpy(en->hex, f->sub, 2);
			memcpy(en->hex + 2, f->name, HEX_LEN - 1);   /* and the NUL */
		}
		en->size = f->size;
		en->mtime = f->mtime;
		en->is_temp = f->is_temp;
		en->bad_name = f->bad_name;
		en->dirdev = (uint64_t)f->dirdev;
		en->dirino = (uint64_t)f->dirino;
		rc = fn(arg, en);
	}
out:
	for (i = 0; i < l.n; i++) {
		free(l.v[i].path);
		free(l.v[i].name);
	}
	free(l.v);
	free(en);
	regdir_close(&d);
	return rc;
}

/* The directory that en was found in, open again through the registry's
 * own directories (no link followed) and checked to be that one: -1 when
 * it is gone or was replaced (then nothing is removed from it). */
static int
entry_dir(const struct regdir *d, const struct nlp_store_entry *en, int *out,
    struct nlp_err *e)
{
	char hex[3];
	struct stat st;
	int rc;

	*out = -1;
	if (en->is_temp)
		rc = subdir(d, d->fd, "tmp", "tmp", 0, out, e);
	else {
		memcpy(hex, en->sub, 3);
		rc = object_dir(d, hex, 0, out, e);
	}
	if (rc != NLP_OK || *out < 0)
		return rc;
	if (fstat(*out, &st) != 0 || (uint64_t)st.st_dev != en->dirdev ||
	    (uint64_t)st.st_ino != en->dirino) {
		close(*out);
		*out = -1;
	}
	return NLP_OK;
}

/*
 * Remove an object or one of put's temporary files found by scan (never a
 * bad name: those are listed, not ours to remove); a name already gone is
 * not an error (another gc was first).  A temporary file that a running
 * put holds locked is left alone: NLP_BUSY, which gc takes as "not
 * garbage".  (The lock taken here is held until the file is unlinked, so
 * that a put cannot lock it in between; a put that opened it just before
 * is left with an unlinked file and starts over.)
 */
int
nlp_store_remove(const char *dir, const struct nlp_store_entry *en,
    int *removed, struct nlp_err *e)
{
	struct regdir d = { .fd = -1 };
	struct stat st;
	int at = -1, fd = -1, rc;

	*removed = 0;
	if (en->bad_name || (en->is_temp && !temp_name(en->name)) ||
	    (!en->is_temp && !object_name(en->sub, en->name)))
		return nlp_errf(e, NLP_BUG, "'%s' is not the store's to remove",
		    en->path);
	if ((rc = regdir_open(&d, dir, e)) != NLP_OK ||
	    (rc = entry_dir(&d, en, &at, e)) != NLP_OK || at < 0)
		goto out;
	if (fstatat(at, en->name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(st.st_mode))
		goto out;                /* gone, or not a file any more */
	if (en->is_temp) {
		fd = openat(at, en->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_NOCTTY | O_CLOEXEC);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0 &&
		    errno == EWOULDBLOCK) {
			rc = nlp_errf(e, NLP_BUSY, "'%s' is being written",
			    en->path);
			goto out;
		}
	}
	if (unlinkat(at, en->name, 0) != 0) {
		if (errno != ENOENT)
			rc = nlp_errnof(e, NLP_IO, errno, "cannot remove '%s'",
			    en->path);
	} else {
		*removed = 1;
		rc = sync_dirfd(at, en->path, e);
	}
out:
	if (fd >= 0)
		close(fd);
	if (at >= 0)
		close(at);
	regdir_close(&d);
	return rc;
}

int
nlp_store_count(const char *dir, size_t *n, struct nlp_err *e)
{
	struct regdir d = { .fd = -1 };
	struct found_list l = { 0 };
	size_t i;
	int rc;

	*n = 0;
	if ((rc = regdir_open(&d, dir, e)) == NLP_OK &&
	    (rc = walk_store(&d, &l, e)) == NLP_OK)
		for (i = 0; i < l.n; i++)
			*n += !l.v[i].is_temp && !l.v[i].bad_name;
	for (i = 0; i < l.n; i++) {
		free(l.v[i].path);
		free(l.v[i].name);
	}
	free(l.v);
	regdir_close(&d);
	return rc;
}
