/*
 * atomic.c - output files: what the name is decides how it is written
 * (see atomic.h).
 *
 * The name is opened with O_PATH first: that follows a symbolic link the
 * way open() does, with the kernel's own protections (protected_symlinks
 * in sticky world-writable directories), opens nothing for reading or
 * writing (no FIFO blocks, no device's open routine runs) and tells
 * through fstat() what is there.  A regular file's real name then comes
 * from /proc/self/fd, so that the file replaced is the one that was
 * looked at; a device or FIFO is reopened for writing through the same
 * descriptor.  The temporary file is created with mode 0666, so that
 * open() applies the umask (umask() itself would race with other
 * threads): unnamed (O_TMPFILE) where the file system allows, and linked
 * under its hidden name only once written and synced, just before the
 * rename, so that a process killed outright (SIGKILL, the OOM killer)
 * leaves nothing behind; elsewhere named from the start, with O_EXCL.
 */
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The temporary files being written, for nlp_atomic_unlink_all(): a fixed
 * table, so that a signal handler can walk it without locks or malloc
 * (a slot's path is complete before its flag is set, and the flag is
 * cleared before the path is freed).  A process writes a few outputs at
 * a time at most; one beyond the table is simply not cleaned on a signal.
 */
#define NSLOTS 16
static struct {
	volatile sig_atomic_t used;
	char path[PATH_MAX];
} slots[NSLOTS];

/* Remember tmp (its slot in *slot, -1 when none is free). */
static void
slot_take(const char *tmp, int *slot)
{
	int i;

	*slot = -1;
	if (strlen(tmp) >= PATH_MAX)
		return;
	for (i = 0; i < NSLOTS; i++)
		if (!slots[i].used) {
			strcpy(slots[i].path, tmp);
			slots[i].used = 1;
			*slot = i;
			return;
		}
}

static void
slot_drop(int *slot)
{
	if (*slot >= 0)
		slots[*slot].used = 0;
	*slot = -1;
}

void
nlp_atomic_unlink_all(void)
{
	int i;

	for (i = 0; i < NSLOTS; i++)
		if (slots[i].used)
			unlink(slots[i].path);   /* async-signal-safe */
}

/* The directory part of path ("." when there is none), malloc'd. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

int
nlp_fsync_dir_of(const char *path)
{
	char *dir = dir_of(path);
	int fd, rc = -1, err;

	if (dir == NULL)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		rc = fsync(fd) != 0 && errno != EINVAL ? -1 : 0;
		err = errno;
		close(fd);
		errno = err;
	}
	free(dir);
	return rc;
}

/* "/proc/self/fd/FD": the file descriptor fd stands for, by a name any
 * call takes (into buf). */
static const char *
fd_path(int fd, char buf[NLP_ATOMIC_NAME_MAX])
{
	snprintf(buf, NLP_ATOMIC_NAME_MAX, "/proc/self/fd/%d", fd);
	return buf;
}

/* The file that the O_PATH descriptor fd names, malloc'd: from
 * /proc/self/fd, or path itself when /proc is not mounted and path is no
 * symbolic link.  NULL with errno set. */
static char *
real_name(int fd, const char *path)
{
	char link[NLP_ATOMIC_NAME_MAX], buf[PATH_MAX];
	struct stat st;
	ssize_t n;

	n = readlink(fd_path(fd, link), buf, sizeof buf - 1);
	if (n > 0 && buf[0] == '/') {
		buf[n] = '\0';
		return strdup(buf);
	}
	if (lstat(path, &st) == 0 && !S_ISLNK(st.st_mode))
		return strdup(path);
	errno = ENOENT;
	return NULL;
}

/* make(a) for name_temp(): create a->tmp exclusively, into a->fd. */
static int
make_file(struct nlp_atomic *a)
{
	a->fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0666);
	return a->fd < 0 ? -1 : 0;
}

/* make(a) for name_temp(): link the unnamed file a->fd as a->tmp (through
 * /proc, which needs no privilege where AT_EMPTY_PATH does). */
static int
link_file(struct nlp_atomic *a)
{
	char link[NLP_ATOMIC_NAME_MAX];

	return linkat(AT_FDCWD, fd_path(a->fd, link), AT_FDCWD, a->tmp,
	    AT_SYMLINK_FOLLOW);
}

/* Name the temporary file ".BASE.XXXXXX" beside the target (into a->tmp):
 * make(a) makes that name, failing with EEXIST when it is taken, and is
 * tried with new letters until one is free.  NLP_OK, or NLP_IO. */
static int
name_temp(struct nlp_atomic *a, int (*make)(struct nlp_atomic *),
    struct nlp_err *e)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789";
	const char *slash = strrchr(a->target, '/');
	const char *base = slash ? slash + 1 : a->target;
	unsigned char r[6];
	char *x;
	int tries, made = -1;

	if (asprintf(&a->tmp, "%.*s.%.200s.XXXXXX", (int)(base - a->target),
	    a->target, base) < 0) {
		a->tmp = NULL;
		return nlp_errf(e, NLP_IO, "cannot write '%s': out of memory",
		    a->path);
	}
	x = a->tmp + strlen(a->tmp) - sizeof r;
	errno = 0;
	for (tries = 0; made < 0 && tries < 100; tries++) {
		if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
			break;
		for (size_t i = 0; i < sizeof r; i++)
			x[i] = set[r[i] % (sizeof set - 1)];
		if ((made = make(a)) < 0 && errno != EEXIST)
			break;
	}
	if (made < 0) {
		int err = errno ? errno : EEXIST;
		free(a->tmp);
		a->tmp = NULL;
		return nlp_errnof(e, NLP_IO, err, "cannot write '%s'", a->path);
	}
	slot_take(a->tmp, &a->slot);
	return NLP_OK;
}

/*
 * Open the temporary file beside the target, mode 0666 less the umask
 * (then mode when keep is set), into a->fd: unnamed when the directory's
 * file system makes such files (O_TMPFILE: Linux 3.11 on most local file
 * systems; not NFS, FUSE or older overlay file systems) and /proc is
 * there to name it at commit; else ".BASE.XXXXXX" at once.  A name too
 * long for that (over PATH_MAX) fails here, as a named file's open would,
 * not after the whole run.
 */
static int
create_temp(struct nlp_atomic *a, const struct stat *keep, struct nlp_err *e)
{
	char *dir;
	int rc;

	/* ".BASE.XXXXXX" is at most 8 bytes longer than the target */
	if (strlen(a->target) + 8 < PATH_MAX &&
	    access("/proc/self/fd", X_OK) == 0 &&
	    (dir = dir_of(a->target)) != NULL) {
		a->fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
		free(dir);
		a->unnamed = a->fd >= 0;
	}
	if (!a->unnamed && (rc = name_temp(a, make_file, e)) != NLP_OK)
		return rc;
	/* the owner and group kept where the user may (root, or a group
	   of the user's), as sed -i keeps them; then the permission bits,
	   which a change of owner may have cleared */
	if (keep != NULL) {
		struct stat t;
		/* against what the new file got (a setgid directory gives it
		   the directory's group, not ours); the group alone where
		   the owner may not be given (a user, a file of a team's) */
		if (fstat(a->fd, &t) == 0 && (t.st_uid != keep->st_uid ||
		    t.st_gid != keep->st_gid) && fchown(a->fd, keep->st_uid,
		    keep->st_gid) != 0 && t.st_gid != keep->st_gid)
			(void)!fchown(a->fd, (uid_t)-1, keep->st_gid);
	}
	if (keep != NULL && fchmod(a->fd, keep->st_mode & 07777) != 0)
		return nlp_errnof(e, NLP_IO, errno, "cannot write '%s'", a->path);
	return NLP_OK;
}

/* Open the device or FIFO that the O_PATH descriptor pfd names. */
static int
open_direct(struct nlp_atomic *a, int pfd, struct nlp_err *e)
{
	char link[NLP_ATOMIC_NAME_MAX];

	a->fd = open(fd_path(pfd, link), O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (a->fd < 0 && errno == ENOENT)      /* no /proc */
		a->fd = open(a->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (a->fd < 0)
		return nlp_errnof(e, NLP_IO, errno, "cannot write '%s'", a->path);
	a->direct = 1;
	return NLP_OK;
}

/* Decide how path is written (see atomic.h) and open it for that. */
/* The standard descriptor (0 to 2) open on the file st describes, or -1. */
static int
standard_fd(const struct stat *st)
{
	struct stat sd;
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		/* open for writing: standard input from the same file
		 * (</dev/null under cron and systemd) is no way to write it */
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY)
			continue;
		if (fstat(fd, &sd) == 0 && sd.st_dev == st->st_dev &&
		    sd.st_ino == st->st_ino)
			return fd;
	}
	return -1;
}

static int
prepare(struct nlp_atomic *a, struct nlp_err *e)
{
	int pfd = open(a->path, O_PATH | O_CLOEXEC), rc = NLP_OK, std;
	struct stat st;

	if (pfd < 0) {
		if (errno != ENOENT)
			return nlp_errnof(e, NLP_IO, errno, "cannot write '%s'",
			    a->path);
		if (lstat(a->path, &st) == 0 && S_ISLNK(st.st_mode))
			return nlp_errf(e, NLP_IO, "cannot write '%s': it is a "
			    "symbolic link to a file that does not exist",
			    a->path);
		if ((a->target = strdup(a->path)) == NULL)
			return nlp_errf(e, NLP_IO, "cannot write '%s': out of "
			    "memory", a->path);
		return create_temp(a, NULL, e);
	}
	if (fstat(pfd, &st) != 0) {
		rc = nlp_errnof(e, NLP_IO, errno, "cannot write '%s'", a->path);
	} else if ((std = standard_fd(&st)) >= 0) {
		/* /dev/stdout and the like, whatever is behind them (a file
		 * opened by the shell's >>, say): written through that
		 * descriptor, never replaced */
		if ((a->fd = fcntl(std, F_DUPFD_CLOEXEC, 3)) < 0)
			rc = nlp_errnof(e, NLP_IO, errno, "cannot write '%s'",
			    a->path);
		else
			a->direct = 1;
	} else if (S_ISREG(st.st_mode)) {
		if ((a->target = real_name(pfd, a->path)) == NULL)
			rc = nlp_errnof(e, NLP_IO, errno, "cannot write '%s': "
			    "cannot tell where its symbolic link leads", a->path);
		/* a file the user may not write is not replaced, as the
		   shell's > would not write it (renaming over it needs only
		   the directory's permission) */
		else if (faccessat(AT_FDCWD, a->target, W_OK, AT_EACCESS) != 0 &&
		    errno != ENOENT)
			rc = nlp_errnof(e, NLP_IO, errno, "cannot write '%s'",
			    a->path);
		else
			rc = create_temp(a, &st, e);
	} else if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
		rc = open_direct(a, pfd, e);
	} else if (S_ISDIR(st.st_mode)) {
		rc = nlp_errnof(e, NLP_IO, EISDIR, "cannot write '%s'", a->path);
	} else {
		rc = nlp_errf(e, NLP_IO, "cannot write '%s': it is a %s, not a "
		    "file, character device or FIFO", a->path,
		    S_ISBLK(st.st_mode) ? "block device" : "socket");
	}
	close(pfd);
	return rc;
}

int
nlp_atomic_open(struct nlp_atomic *a, const char *path, struct nlp_err *e)
{
	int rc;

	memset(a, 0, sizeof *a);
	a->fd = -1;
	a->slot = -1;
	if ((a->path = strdup(path)) == NULL)
		return nlp_errf(e, NLP_IO, "cannot write '%s': out of memory", path);
	if ((rc = prepare(a, e)) == NLP_OK && (a->fp = fdopen(a->fd, "w")) == NULL)
		rc = nlp_errnof(e, NLP_IO, errno, "cannot write '%s'", path);
	if (rc != NLP_OK)
		nlp_atomic_abort(a);
	return rc;
}

int
nlp_atomic_ready(struct nlp_atomic *a, struct nlp_err *e)
{
	int err = 0;

	/* errno not cleared: a write that failed before (the error flag
	   alone tells nothing) left its reason there, as commit reads it */
	if (fflush(a->fp) != 0 || ferror(a->fp))
		err = errno ? errno : EIO;
	else if (!a->direct && fsync(a->fd) != 0)
		err = errno;
	if (err != 0) {
		nlp_errnof(e, NLP_IO, err, "cannot write '%s'", a->path);
		nlp_atomic_abort(a);
		return NLP_IO;
	}
	a->ready = 1;
	return NLP_OK;
}

int
nlp_atomic_commit(struct nlp_atomic *a, struct nlp_err *e)
{
	int err = 0, rc = NLP_OK;

	if (!a->ready) {             /* else flushed and synced already */
		if (fflush(a->fp) != 0 || ferror(a->fp))
			err = errno ? errno : EIO;
		else if (!a->direct && fsync(a->fd) != 0)
			err = errno;
	}
	/* written and synced: the unnamed file gets its name now */
	if (err == 0 && a->unnamed && name_temp(a, link_file, e) != NLP_OK) {
		nlp_atomic_abort(a);
		return NLP_IO;
	}
	if (fclose(a->fp) != 0 && err == 0)
		err = errno;
	a->fp = NULL;
	a->fd = -1;
	if (err == 0 && !a->direct && rename(a->tmp, a->target) != 0)
		err = errno;
	if (err == 0)
		slot_drop(&a->slot);     /* the name is the target's now */
	if (err != 0) {
		nlp_errnof(e, NLP_IO, err, "cannot write '%s'", a->path);
		nlp_atomic_abort(a);
		return NLP_IO;
	}
	if (!a->direct && nlp_fsync_dir_of(a->target) != 0)
		rc = nlp_errnof(e, NLP_IO, errno, "wrote '%s', but cannot sync "
		    "its directory", a->path);
	free(a->tmp);
	a->tmp = NULL;
	nlp_atomic_abort(a);
	return rc;
}

const char *
nlp_atomic_name(const struct nlp_atomic *a, char buf[NLP_ATOMIC_NAME_MAX])
{
	if (a->direct)
		return NULL;
	return a->unnamed ? fd_path(a->fd, buf) : a->tmp;
}

void
nlp_atomic_abort(struct nlp_atomic *a)
{
	if (a->path == NULL) {             /* zeroed, or already finished */
		memset(a, 0, sizeof *a);
		a->fd = -1;
		a->slot = -1;
		return;
	}
	if (a->fp != NULL)
		fclose(a->fp);
	else if (a->fd >= 0)
		close(a->fd);
	if (a->tmp != NULL)
		unlink(a->tmp);
	slot_drop(&a->slot);
	free(a->tmp);
	free(a->target);
	free(a->path);
	memset(a, 0, sizeof *a);
	a->fd = -1;
	a->slot = -1;
}
