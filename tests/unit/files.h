/*
 * files.h - file helpers shared by the unit tests: a temporary directory
 * for each test (dir), paths in it, whole-file reads and writes, and
 * deterministic pseudo-random bytes.  Include after criterion.h; the
 * functions are static inline so that a test file uses what it needs.
 */
#ifndef NLP_TEST_FILES_H
#define NLP_TEST_FILES_H

#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char dir[64];            /* the test's own temporary directory */

/* Make dir, named after the suite (for a .init). */
static inline void
make_test_dir(const char *suite)
{
	snprintf(dir, sizeof dir, "/tmp/nlpops-test-%.20s-XXXXXX", suite);
	cr_assert_not_null(mkdtemp(dir));
}

static inline int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* Remove dir and all in it, links not followed (for a .fini). */
static inline void
remove_test_dir(void)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* dir/name, in one of two static buffers (so two can be used at once). */
static inline const char *
in_dir(const char *name)
{
	static char path[2][PATH_MAX];
	static int which;

	which = !which;
	cr_assert_lt(snprintf(path[which], sizeof path[which], "%s/%s", dir,
	    name), (int)sizeof path[which]);
	return path[which];
}

/* The entries of directory d, "." and ".." aside. */
static inline int
entries(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *de;
	int n = 0;

	cr_assert_not_null(dp, "opendir %s", d);
	while ((de = readdir(dp)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(dp);
	return n;
}

/* The whole file at path (malloc'd), its length in *len. */
static inline unsigned char *
slurp_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p;
	long n;

	cr_assert_not_null(f, "open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	cr_assert_geq(n, 0, "ftell %s", path);
	p = malloc((size_t)n + 1);
	cr_assert_not_null(p);
	cr_assert_eq(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

/* The file at path holds exactly p[0..len). */
static inline void
file_is(const char *path, const void *p, size_t len)
{
	size_t flen;
	unsigned char *f = slurp_file(path, &flen);

	cr_assert(flen == len && memcmp(f, p, len) == 0, "%s: %zu bytes, want %zu",
	    path, flen, len);
	free(f);
}

/* Write p[0..len) to a new file at path. */
static inline void
spit_file(const char *path, const void *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "create %s", path);
	cr_assert_eq(fwrite(p, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

/* Deterministic pseudo-random bytes (xorshift64). */
static inline void
fill_random(unsigned char *p, size_t n, uint64_t seed)
{
	uint64_t x = seed | 1;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (unsigned char)(x >> 24);
	}
}

/* The permission bits of path (lstat). */
static inline mode_t
mode_of(const char *path)
{
	struct stat st;

	cr_assert_eq(lstat(path, &st), 0, "%s", path);
	return st.st_mode & 07777;
}

#endif
