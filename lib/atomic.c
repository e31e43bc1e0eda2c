/*
 * atomic.c - temporary file, fsync, rename, fsync directory.
 */
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	int fd, rc = -1;

	if (dir == NULL)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		rc = fsync(fd);
		close(fd);
	}
	free(dir);
	return rc;
}

int
nlp_atomic_open(struct nlp_atomic *a, const char *path, struct nlp_err *e)
{
	const char *base = strrchr(path, '/');
	char *dir;
	mode_t um;
	size_t n;

	memset(a, 0, sizeof *a);
	a->fd = -1;
	base = base ? base + 1 : path;
	if ((dir = dir_of(path)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	n = strlen(dir) + strlen(base) + 16;
	a->tmp = malloc(n);
	a->path = strdup(path);
	if (a->tmp == NULL || a->path == NULL) {
		free(dir);
		nlp_atomic_abort(a);
		return nlp_errf(e, NLP_IO, "out of memory");
	}
	snprintf(a->tmp, n, "%s/.%s.XXXXXX", dir, base);
	free(dir);
	if ((a->fd = mkostemp(a->tmp, O_CLOEXEC)) < 0) {
		int err = errno;
		free(a->tmp);
		a->tmp = NULL;
		nlp_atomic_abort(a);
		return nlp_errnof(e, NLP_IO, err, "cannot create '%s'", path);
	}
	um = umask(0);
	umask(um);
	fchmod(a->fd, 0666 & ~um);
	if ((a->fp = fdopen(a->fd, "w")) == NULL) {
		int err = errno;
		nlp_atomic_abort(a);
		return nlp_errnof(e, NLP_IO, err, "cannot write '%s'", path);
	}
	return NLP_OK;
}

int
nlp_atomic_commit(struct nlp_atomic *a, struct nlp_err *e)
{
	int err = 0;

	if (fflush(a->fp) != 0 || ferror(a->fp))
		err = errno ? errno : EIO;
	else if (fsync(a->fd) != 0)
		err = errno;
	if (fclose(a->fp) != 0 && err == 0)
		err = errno;
	a->fp = NULL;
	a->fd = -1;
	if (err == 0 && rename(a->tmp, a->path) != 0)
		err = errno;
	if (err != 0) {
		nlp_errnof(e, NLP_IO, err, "cannot write '%s'", a->path);
		nlp_atomic_abort(a);
		return NLP_IO;
	}
	nlp_fsync_dir_of(a->path);
	free(a->tmp);
	free(a->path);
	a->tmp = a->path = NULL;
	return NLP_OK;
}

void
nlp_atomic_abort(struct nlp_atomic *a)
{
	if (a->fp != NULL)
		fclose(a->fp);
	else if (a->fd >= 0)
		close(a->fd);
	if (a->tmp != NULL)
		unlink(a->tmp);
	free(a->tmp);
	free(a->path);
	memset(a, 0, sizeof *a);
	a->fd = -1;
}
