/*
 * forge.c - a test helper that builds hostile artifacts member by member:
 * the bytes of any member replaced, added or removed, with a valid
 * manifest written around them, so that a test reaches the code that reads
 * a member instead of stopping at the checksum.
 *
 *   forge --cat IN NAME             print member NAME of IN on stdout
 *   forge --list IN                 print the member names, one a line
 *   forge IN OUT [NAME=FILE]... [-NAME]...
 *                                   copy IN to OUT, member NAME replaced by
 *                                   (or added from) FILE, -NAME removed;
 *                                   OUT ending in .gz is gzip-compressed
 *
 * Exit status: 0, or 1 with a message on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact.h"

#define MAXM NLP_ARTIFACT_MAX_MEMBERS

static void
die(const char *msg)
{
	fprintf(stderr, "forge: %s\n", msg);
	exit(1);
}

static void *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	char *p = NULL;

	if (f == NULL)
		die(path);
	for (;;) {
		if ((p = realloc(p, cap)) == NULL)
			die("out of memory");
		n += fread(p + n, 1, cap - n, f);
		if (n < cap)
			break;
		cap *= 2;
	}
	if (ferror(f))
		die(path);
	fclose(f);
	*len = n;
	return p;
}

int
main(int argc, char **argv)
{
	struct nlp_member m[MAXM];
	struct nlp_artifact *a;
	struct nlp_err e = { 0, "" };
	const char *const *names;
	size_t n, nm = 0, i, len;
	const void *data;
	int k, gz;

	if (argc == 4 && strcmp(argv[1], "--cat") == 0) {
		if (nlp_artifact_open(&a, argv[2], &e) != NLP_OK ||
		    nlp_artifact_member(a, argv[3], &data, &len, &e) != NLP_OK)
			die(e.msg);
		fwrite(data, 1, len, stdout);
		nlp_artifact_close(a);
		return fflush(stdout) != 0;
	}
	if (argc == 3 && strcmp(argv[1], "--list") == 0) {
		if (nlp_artifact_open(&a, argv[2], &e) != NLP_OK)
			die(e.msg);
		names = nlp_artifact_members(a, &n);
		for (i = 0; i < n; i++)
			printf("%s\n", names[i]);
		nlp_artifact_close(a);
		return fflush(stdout) != 0;
	}
	if (argc < 3)
		die("usage: forge --cat IN NAME | --list IN | IN OUT [NAME=FILE]... [-NAME]...");
	if (nlp_artifact_open(&a, argv[1], &e) != NLP_OK)
		die(e.msg);
	names = nlp_artifact_members(a, &n);
	for (i = 1; i < n; i++) {          /* the manifest is made anew */
		m[nm].name = names[i];
		if (nlp_artifact_member(a, names[i], &m[nm].data, &m[nm].size,
		    &e) != NLP_OK)
			die(e.msg);
		nm++;
	}
	for (k = 3; k < argc; k++) {
		char *eq = strchr(argv[k], '=');
		if (argv[k][0] == '-') {
			for (i = 0; i < nm && strcmp(m[i].name, argv[k] + 1); i++)
				;
			if (i == nm)
				die("no such member to remove");
			memmove(m + i, m + i + 1, (nm - i - 1) * sizeof *m);
			nm--;
			continue;
		}
		if (eq == NULL)
			die("an edit is NAME=FILE or -NAME");
		*eq = '\0';
		for (i = 0; i < nm && strcmp(m[i].name, argv[k]); i++)
			;
		if (i == nm) {
			if (nm == MAXM)
				die("too many members");
			m[nm++].name = argv[k];
		}
		m[i].data = read_file(eq + 1, &m[i].size);
	}
	len = strlen(argv[2]);
	gz = len > 3 && strcmp(argv[2] + len - 3, ".gz") == 0;
	if (nlp_artifact_write(argv[2], m, nm, gz, &e) != NLP_OK)
		die(e.msg);
	nlp_artifact_close(a);
	return 0;
}
