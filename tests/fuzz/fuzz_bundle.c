/*
 * fuzz_bundle.c - `registry import` of a bundle into a SQLite registry of
 * the harness's own (a temporary directory, removed at exit).  The first
 * byte says what the rest is:
 *   even: the bundle file itself, any bytes;
 *   odd:  a 4-byte little-endian length L, L bytes of an object (an
 *         artifact), then bundle.json's text -- wrapped by the harness
 *         into a bundle whose SHA256SUMS is right, so that bundle.json's
 *         fields reach the import itself (versions, events, aliases
 *         written to the database), not only its checksums.
 * Checks: a failed import reports nothing; after each import the
 * registry verifies clean (nothing half-written, no damage).
 */
#include "fuzz.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "artifact.h"
#include "digest.h"
#include "registry_internal.h"

static char dir[64];
static struct nlp_registry *reg;

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
cleanup(void)
{
	if (reg != NULL)
		nlp_registry_close(reg);
	if (dir[0])
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
setup(void)
{
	struct nlp_err e;

	snprintf(dir, sizeof dir, "/tmp/fuzz-bundle.XXXXXX");
	FUZZ_CHECK(mkdtemp(dir) != NULL);
	atexit(cleanup);
	FUZZ_CHECK(nlp_registry_open(&reg, dir, 1, &e) == NLP_OK);
	/* the bundles made here go through nlp_artifact_tar_header, which
	   calls libarchive as loaded for the library (larchive.h) */
	FUZZ_CHECK(nlp_artifact_tar_load(&e) == NLP_OK);
}

/* The member name of size bytes at p, into a. */
static int
member(struct archive *a, struct archive_entry *ent, const char *name,
    const void *p, size_t size)
{
	return nlp_artifact_tar_header(a, ent, name, (int64_t)size) != 0 ||
	    archive_write_data(a, p, size) != (la_ssize_t)size ||
	    archive_write_finish_entry(a) != ARCHIVE_OK ? -1 : 0;
}

/* bundle.json (json, jlen bytes) and one object (obj, olen bytes, or
 * none) as a bundle with its SHA256SUMS, into *out (*outlen bytes). */
static int
wrap(const uint8_t *json, size_t jlen, const uint8_t *obj, size_t olen,
    uint8_t **out, size_t *outlen)
{
	struct nlp_bundle_object x;
	struct archive *a = archive_write_new();
	struct archive_entry *ent = archive_entry_new();
	char hex[NLP_SHA256_HEX], name[NLP_SHA256_HEX + 16], *sums = NULL;
	size_t cap = jlen + olen + 64 * 1024, used = 0;
	int rc = -1;

	*out = malloc(cap);
	memset(&x, 0, sizeof x);
	if (a == NULL || ent == NULL || *out == NULL ||
	    archive_write_set_format_ustar(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_memory(a, *out, cap, &used) != ARCHIVE_OK)
		goto out;
	if (nlp_sha256_hex(json, jlen, hex) != 0 ||
	    member(a, ent, NLP_BUNDLE_JSON, json, jlen) != 0)
		goto out;
	if (olen > 0) {
		if (nlp_sha256_hex(obj, olen, x.sha256) != 0)
			goto out;
		snprintf(name, sizeof name, "objects/%s", x.sha256);
		if (member(a, ent, name, obj, olen) != 0)
			goto out;
	}
	if ((sums = nlp_bundle_sums(hex, &x, olen > 0)) == NULL ||
	    member(a, ent, NLP_BUNDLE_SUMS, sums, strlen(sums)) != 0 ||
	    archive_write_close(a) != ARCHIVE_OK)
		goto out;
	*outlen = used;
	rc = 0;
out:
	free(sums);
	archive_write_free(a);
	archive_entry_free(ent);
	if (rc != 0) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlp_registry_bundle_report rep;
	struct nlp_registry_verify_report v;
	struct nlp_err e;
	uint8_t *made = NULL;
	char path[64];
	size_t olen;
	int fd, rc;

	if (reg == NULL)
		setup();
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		if (size < 5)
			return 0;
		olen = (size_t)data[1] | (size_t)data[2] << 8 |
		    (size_t)data[3] << 16 | (size_t)data[4] << 24;
		if (olen > size - 5)
			return 0;
		if (wrap(data + 5 + olen, size - 5 - olen, data + 5, olen, &made,
		    &size) != 0)
			return 0;   /* libarchive out of room: not the reader's */
		data = made;
	} else {
		data++;
		size--;
	}
	fd = fuzz_file(data, size, path, sizeof path);
	FUZZ_CHECK(fd >= 0);
	rc = nlp_registry_import(reg, path, "fuzz", &rep, &e);
	if (getenv("FUZZ_VERBOSE") != NULL)     /* what became of the seeds */
		fprintf(stderr, "import: %s\n", rc == NLP_OK ? "done" : e.msg);
	if (rc != NLP_OK)
		FUZZ_CHECK(rep.n == 0 && rep.nmodels == 0);
	else
		nlp_registry_bundle_report_release(&rep);
	close(fd);
	free(made);
	rc = nlp_registry_verify(reg, 1, &v, &e);
	FUZZ_CHECK(rc == NLP_OK);
	nlp_registry_verify_report_release(&v);
	return 0;
}
