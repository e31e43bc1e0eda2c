/*
 * replay.c - replay NAME INPUT...: run harness NAME (tests/fuzz/fuzz_NAME.c)
 * over inputs without libFuzzer: each INPUT is a file, or a directory whose
 * files are run in name order.  `make check` replays every corpus this
 * way, so that each input ever saved (the seeds, and every finding once
 * fixed) stays a regression test.  Prints how many inputs ran; exits 0,
 * 1 when an input cannot be read, 2 for a harness it does not have (a
 * finding aborts the process).
 *
 * Every harness is linked in, each LLVMFuzzerTestOneInput() compiled as
 * fuzz_one_NAME(); the Makefile lists them in FUZZ_HARNESSES, H(NAME) each.
 */
#include "fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define H(name) int fuzz_one_##name(const uint8_t *, size_t);
FUZZ_HARNESSES
#undef H

static const struct harness {
	const char *name;
	int (*one)(const uint8_t *, size_t);
} harnesses[] = {
#define H(name) { #name, fuzz_one_##name },
	FUZZ_HARNESSES
#undef H
};

static int (*one)(const uint8_t *, size_t);

/* The whole file at path (malloc'd, *size bytes, at least 1 allocated),
 * or NULL when it cannot be read. */
static uint8_t *
slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 65536, n;
	uint8_t *buf, *p;

	*size = 0;
	if (f == NULL)
		return NULL;
	if ((buf = malloc(cap)) == NULL)
		abort();
	while ((n = fread(buf + *size, 1, cap - *size, f)) > 0) {
		*size += n;
		if (*size == cap) {
			if ((p = realloc(buf, 2 * cap)) == NULL)
				abort();
			buf = p;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static int
run(const char *path)
{
	size_t size;
	uint8_t *data = slurp(path, &size);

	if (data == NULL) {
		fprintf(stderr, "replay: cannot read '%s'\n", path);
		return -1;
	}
	one(data, size);
	free(data);
	return 0;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	size_t ran = 0, i, n, cap;
	int k, bad = 0;

	for (i = 0; argc > 1 && i < sizeof harnesses / sizeof *harnesses; i++)
		if (strcmp(harnesses[i].name, argv[1]) == 0)
			one = harnesses[i].one;
	if (one == NULL) {
		fprintf(stderr, "usage: replay NAME INPUT..., NAME one of:");
		for (i = 0; i < sizeof harnesses / sizeof *harnesses; i++)
			fprintf(stderr, " %s", harnesses[i].name);
		fprintf(stderr, "\n");
		return 2;
	}
	for (k = 2; k < argc; k++) {
		DIR *d = opendir(argv[k]);
		struct dirent *de;
		char **names = NULL, path[4096];

		if (d == NULL) {
			bad |= run(argv[k]) < 0;
			ran++;
			continue;
		}
		n = cap = 0;
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				names = realloc(names, cap * sizeof *names);
				if (names == NULL)
					abort();
			}
			if ((names[n++] = strdup(de->d_name)) == NULL)
				abort();
		}
		closedir(d);
		qsort(names, n, sizeof *names, cmp_name);
		for (i = 0; i < n; i++) {
			snprintf(path, sizeof path, "%s/%s", argv[k], names[i]);
			bad |= run(path) < 0;
			ran++;
			free(names[i]);
		}
		free(names);
	}
	printf("%zu inputs\n", ran);
	return bad;
}
