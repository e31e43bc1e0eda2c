/*
 * test_artifact.c - the model artifact: round trips, reproducible bytes,
 * tar compatibility, zero-copy alignment, refusal of every kind of damage,
 * and atomic writes.  Each test runs in its own temporary directory.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "artifact.h"
#include "digest.h"
#define XXH_INLINE_ALL
#include <xxhash.h>
#include "files.h"
#include "leak_test.h"

#define WEIGHTS_SIZE ((size_t)3 << 20)

/* TEST(name): Test(artifact, name) with a leak check (see leak_test.h). */
#define TEST(name) LEAK_TEST(artifact, name)

static unsigned char *weights;   /* WEIGHTS_SIZE pseudo-random bytes */

static void
setup(void)
{
	make_test_dir("artifact");
	weights = malloc(WEIGHTS_SIZE);
	cr_assert_not_null(weights);
	fill_random(weights, WEIGHTS_SIZE, 42);
}

static void
teardown(void)
{
	remove_test_dir();
	free(weights);
}

TestSuite(artifact, .init = setup, .fini = teardown);

/* The members used throughout: a few MB, text, empty, one byte. */
static size_t
sample(struct nlp_member m[5])
{
	static const char meta[] = "{\"labels\": [\"ham\", \"spam\"], "
	    "\"dim\": 4096}\n";
	static const char profile[] = "tokens 1234\nlabels 2\n";

	m[0] = (struct nlp_member){ "weights", weights, WEIGHTS_SIZE };
	m[1] = (struct nlp_member){ "meta.json", meta, sizeof meta - 1 };
	m[2] = (struct nlp_member){ "empty", "", 0 };
	m[3] = (struct nlp_member){ "one", "x", 1 };
	m[4] = (struct nlp_member){ "profile", profile, sizeof profile - 1 };
	return 5;
}

/* A small artifact, for tests that try every byte. */
static size_t
small(struct nlp_member m[3])
{
	m[0] = (struct nlp_member){ "weights", weights, 1500 };
	m[1] = (struct nlp_member){ "meta.json", "{}", 2 };
	m[2] = (struct nlp_member){ "empty", "", 0 };
	return 3;
}

static unsigned char *
write_mem(const struct nlp_member *m, size_t n, int gzip, size_t *len)
{
	struct nlp_err e = { 0 };
	void *p = NULL;

	cr_assert_eq(nlp_artifact_write_mem(&p, len, m, n, gzip, &e), NLP_OK,
	    "%s", e.msg);
	return p;
}

static struct nlp_artifact *
open_mem(const void *p, size_t len)
{
	struct nlp_artifact *a = NULL;
	struct nlp_err e = { 0 };

	cr_assert_eq(nlp_artifact_open_mem(&a, p, len, &e), NLP_OK, "%s", e.msg);
	return a;
}

/* Where the data of member name starts in the artifact p[0..len), and
 * its size in *size (when size is not NULL). */
static size_t
offset_of(const unsigned char *p, size_t len, const char *name, size_t *size)
{
	struct nlp_artifact *a = open_mem(p, len);
	const unsigned char *base, *data;
	size_t blen, dsize, off;

	base = nlp_artifact_bytes(a, &blen);
	cr_assert_eq(nlp_artifact_member(a, name, (const void **)&data, &dsize,
	    NULL), NLP_OK, "%s", name);
	off = (size_t)(data - base);
	if (size != NULL)
		*size = dsize;
	nlp_artifact_close(a);
	return off;
}

/* Writing m to path fails with NLP_IO, one line that mentions needle. */
static void
write_fails(const char *path, const struct nlp_member *m, size_t n, int gzip,
    const char *needle)
{
	struct nlp_err e = { 0 };

	cr_assert_eq(nlp_artifact_write(path, m, n, gzip, &e), NLP_IO, "%s", path);
	cr_assert_eq(e.status, NLP_IO);
	cr_assert_null(strchr(e.msg, '\n'), "not one line: %s", e.msg);
	cr_assert_not_null(strstr(e.msg, needle), "'%s' does not say '%s'", e.msg,
	    needle);
}

/* Loading p[0..len) fails with NLP_DATA and a one-line message, which
 * is returned (static). */
static const char *
rejected(const void *p, size_t len)
{
	static struct nlp_err e;
	struct nlp_artifact *a = (struct nlp_artifact *)&a;
	int rc = nlp_artifact_open_mem(&a, p, len, &e);

	cr_assert_eq(rc, NLP_DATA, "len %zu: status %d (%s)", len, rc, e.msg);
	cr_assert_null(a);
	cr_assert_eq(e.status, NLP_DATA);
	cr_assert_null(strchr(e.msg, '\n'), "not one line: %s", e.msg);
	return e.msg;
}

/* Loading p[0..len) fails with NLP_DATA, one line that mentions needle. */
static void
refused(const void *p, size_t len, const char *needle)
{
	const char *msg = rejected(p, len);

	cr_assert_not_null(strstr(msg, needle), "len %zu: '%s' does not say '%s'",
	    len, msg, needle);
}

/* The artifact has exactly the manifest and m[0..n-1], byte for byte. */
static void
holds(const struct nlp_artifact *a, const struct nlp_member *m, size_t n)
{
	const char *const *names;
	const void *data;
	size_t count, size, i;
	struct nlp_err e = { 0 };

	names = nlp_artifact_members(a, &count);
	cr_assert_eq(count, n + 1);
	cr_assert_str_eq(names[0], "manifest");
	for (i = 0; i < n; i++) {
		cr_assert_str_eq(names[i + 1], m[i].name);
		cr_assert_eq(nlp_artifact_member(a, m[i].name, &data, &size, &e),
		    NLP_OK, "%s", e.msg);
		cr_assert_eq(size, m[i].size, "%s", m[i].name);
		cr_assert(size == 0 || memcmp(data, m[i].data, size) == 0, "%s",
		    m[i].name);
	}
}

/* Write m to a file, in memory too, and load both back. */
static void
round_trip(int gzip)
{
	struct nlp_member m[5];
	size_t n = sample(m), len, blen;
	unsigned char *p = write_mem(m, n, gzip, &len);
	struct nlp_artifact *a = open_mem(p, len);
	struct nlp_err e = { 0 };
	const void *bytes;

	holds(a, m, n);
	nlp_artifact_close(a);
	cr_assert_eq(nlp_artifact_write(in_dir("m.nlp"), m, n, gzip, &e), NLP_OK,
	    "%s", e.msg);
	cr_assert_eq(nlp_artifact_open(&a, in_dir("m.nlp"), &e), NLP_OK, "%s",
	    e.msg);
	holds(a, m, n);
	bytes = nlp_artifact_bytes(a, &blen);
	file_is(in_dir("m.nlp"), bytes, blen);     /* bytes() is the file */
	nlp_artifact_close(a);
	free(p);
}

TEST(plain_artifacts_round_trip_every_member)
{
	round_trip(0);
}

TEST(gzip_artifacts_round_trip_every_member)
{
	round_trip(1);
}

/* use_mem: an aligned tar is read where it lies (its members point into
 * the caller's bytes), an unaligned one and a gzip one from a copy; all
 * three hold every member, and a damaged one is refused all the same. */
TEST(an_artifact_used_in_memory_is_read_in_place_only_when_aligned)
{
	struct nlp_member m[5];
	size_t n = sample(m), len, glen, blen;
	unsigned char *p = write_mem(m, n, 0, &len);
	unsigned char *g = write_mem(m, n, 1, &glen);
	unsigned char *odd = malloc(len + 1);
	struct nlp_artifact *a = NULL;
	struct nlp_err e = { 0 };
	const unsigned char *bytes;

	cr_assert_not_null(odd);
	cr_assert_eq(nlp_artifact_use_mem(&a, p, len, &e), NLP_OK, "%s", e.msg);
	holds(a, m, n);
	bytes = nlp_artifact_bytes(a, &blen);
	cr_assert(bytes == p && blen == len, "an aligned tar was copied");
	nlp_artifact_close(a);
	memcpy(odd + 1, p, len);
	cr_assert_eq(nlp_artifact_use_mem(&a, odd + 1, len, &e), NLP_OK, "%s",
	    e.msg);
	holds(a, m, n);
	bytes = nlp_artifact_bytes(a, &blen);
	cr_assert(bytes != odd + 1 && blen == len, "an unaligned tar was used");
	cr_assert_eq(memcmp(bytes, p, len), 0);
	nlp_artifact_close(a);
	cr_assert_eq(nlp_artifact_use_mem(&a, g, glen, &e), NLP_OK, "%s", e.msg);
	holds(a, m, n);
	nlp_artifact_close(a);
	p[len / 2] ^= 1;
	cr_assert_eq(nlp_artifact_use_mem(&a, p, len, &e), NLP_DATA);
	cr_assert_null(a);
	free(odd);
	free(g);
	free(p);
}

TEST(an_artifact_with_no_members_holds_just_the_manifest)
{
	size_t len;
	unsigned char *p = write_mem(NULL, 0, 0, &len);
	struct nlp_artifact *a = open_mem(p, len);

	holds(a, NULL, 0);
	nlp_artifact_close(a);
	free(p);
}

TEST(member_checksums_are_xxh3_128_on_any_cpu)
{
	static const size_t sizes[] = { 0, 1, 16, 17, 128, 129, 240, 241, 1024,
	    4096 + 7, 65536 + 63, WEIGHTS_SIZE - 1, WEIGHTS_SIZE };
	char got[NLP_XXH128_HEX], want[NLP_XXH128_HEX];
	XXH128_canonical_t c;
	size_t i, k;

	/* the build's own (maybe libxxhash's widest, picked for this CPU)
	 * against the portable inline code: the same hash at every length,
	 * short inputs and long ones, stripes and blocks and tails */
	for (i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		XXH128_canonicalFromHash(&c, XXH3_128bits(weights, sizes[i]));
		for (k = 0; k < sizeof c.digest; k++)
			snprintf(want + 2 * k, 3, "%02x", c.digest[k]);
		nlp_xxh128_hex(weights, sizes[i], got);
		cr_assert_str_eq(got, want, "%zu bytes", sizes[i]);
	}
	/* and a known answer: XXH3-128 of no bytes (xxhsum -H2 /dev/null) */
	nlp_xxh128_hex("", 0, got);
	cr_assert_str_eq(got, "99aa06d3014798d86001c324468d497f");
}

TEST(the_manifest_lists_checksum_size_and_name_of_each_member)
{
	struct nlp_member m[5];
	size_t n = sample(m), len, size, i;
	unsigned char *p = write_mem(m, n, 0, &len);
	struct nlp_artifact *a = open_mem(p, len);
	char want[2048], hex[NLP_XXH128_HEX];
	size_t off = (size_t)snprintf(want, sizeof want, "nlpops-artifact 1\n");
	const void *data;

	for (i = 0; i < n; i++) {
		nlp_xxh128_hex(m[i].data, m[i].size, hex);
		off += (size_t)snprintf(want + off, sizeof want - off, "%s %zu %s\n",
		    hex, m[i].size, m[i].name);
	}
	cr_assert_eq(nlp_artifact_member(a, "manifest", &data, &size, NULL), NLP_OK);
	cr_assert_eq(size, strlen(want));
	cr_assert(memcmp(data, want, size) == 0, "manifest:\n%.*s", (int)size,
	    (const char *)data);
	nlp_artifact_close(a);
	free(p);
}

TEST(writing_the_same_members_twice_gives_identical_bytes)
{
	struct nlp_member m[5];
	size_t n = sample(m), len1, len2;
	struct nlp_err e = { 0 };
	unsigned char *p1, *p2;
	int gzip;

	for (gzip = 0; gzip <= 1; gzip++) {
		p1 = write_mem(m, n, gzip, &len1);
		if (gzip)
			sleep(1);   /* the clock ticks: no timestamp may show */
		p2 = write_mem(m, n, gzip, &len2);
		cr_assert(len1 == len2 && memcmp(p1, p2, len1) == 0, "gzip %d", gzip);
		cr_assert_eq(nlp_artifact_write(in_dir("m.nlp"), m, n, gzip, &e),
		    NLP_OK, "%s", e.msg);
		file_is(in_dir("m.nlp"), p1, len1);
		free(p1);
		free(p2);
	}
}

TEST(a_plain_artifact_ends_right_after_the_two_zero_blocks)
{
	struct nlp_member m[5];
	size_t n = sample(m), len, i, want = 0;
	unsigned char *p = write_mem(m, n, 0, &len);
	const void *data;
	size_t size;
	struct nlp_artifact *a = open_mem(p, len);

	nlp_artifact_member(a, "manifest", &data, &size, NULL);
	want = 512 + (size + 511) / 512 * 512;
	for (i = 0; i < n; i++)
		want += 512 + (m[i].size + 511) / 512 * 512;
	cr_assert_eq(len, want + 1024);
	nlp_artifact_close(a);
	free(p);
}

TEST(the_gzip_header_has_no_timestamp_and_no_name)
{
	struct nlp_member m[3];
	size_t n = small(m), len;
	unsigned char *p = write_mem(m, n, 1, &len);

	cr_assert(p[0] == 0x1f && p[1] == 0x8b && p[2] == 8, "gzip magic, deflate");
	cr_assert_eq(p[3], 0, "no flags: no name, comment or extra field");
	cr_assert(p[4] == 0 && p[5] == 0 && p[6] == 0 && p[7] == 0, "mtime 0");
	free(p);
}

/* `tar -tv` of the artifact at path, run with TZ=UTC, into out. */
static void
tar_list(const char *flags, const char *path, char *out, size_t cap)
{
	char cmd[512];
	FILE *f;
	size_t n;

	snprintf(cmd, sizeof cmd, "TZ=UTC tar %s '%s' 2>&1", flags, path);
	cr_assert_not_null(f = popen(cmd, "r"));
	n = fread(out, 1, cap - 1, f);
	out[n] = '\0';
	cr_assert_eq(pclose(f), 0, "%s: %s", cmd, out);
}

TEST(tar_lists_the_manifest_first_then_the_members_at_epoch_mtime)
{
	struct nlp_member m[5];
	size_t n = sample(m), i;
	struct nlp_err e = { 0 };
	char out[4096], *line, *save = NULL, want[128];
	int gzip;

	for (gzip = 0; gzip <= 1; gzip++) {
		cr_assert_eq(nlp_artifact_write(in_dir("m.nlp"), m, n, gzip, &e),
		    NLP_OK, "%s", e.msg);
		tar_list(gzip ? "-tvzf" : "-tvf", in_dir("m.nlp"), out, sizeof out);
		line = strtok_r(out, "\n", &save);
		for (i = 0; i <= n; i++, line = strtok_r(NULL, "\n", &save)) {
			cr_assert_not_null(line, "member %zu missing from tar -t", i);
			snprintf(want, sizeof want, " %zu 1970-01-01 00:00 %s",
			    i == 0 ? 0 : m[i - 1].size, i == 0 ? "manifest" : m[i - 1].name);
			cr_assert_not_null(strstr(line, "-rw-r--r-- nlpops/nlpops "), "%s", line);
			cr_assert_not_null(strstr(line, i == 0 ? " 1970-01-01 00:00 manifest" :
			    want), "%s", line);
		}
		cr_assert_null(line, "extra line: %s", line);
	}
}

TEST(tar_extracts_every_member_byte_for_byte)
{
	struct nlp_member m[5];
	size_t n = sample(m), i;
	struct nlp_err e = { 0 };
	char cmd[512];

	cr_assert_eq(nlp_artifact_write(in_dir("m.tar.gz"), m, n, 1, &e), NLP_OK,
	    "%s", e.msg);
	cr_assert_eq(mkdir(in_dir("x"), 0755), 0);
	snprintf(cmd, sizeof cmd, "tar -xzf '%s/m.tar.gz' -C '%s/x'", dir, dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	for (i = 0; i < n; i++) {
		snprintf(cmd, sizeof cmd, "x/%s", m[i].name);
		file_is(in_dir(cmd), m[i].data, m[i].size);
	}
}

/* Every member of a, as an offset from the start of its bytes, is a
 * multiple of 512. */
static void
aligned(const struct nlp_artifact *a)
{
	const char *const *names;
	const unsigned char *base, *data;
	size_t n, i, len, size;

	base = nlp_artifact_bytes(a, &len);
	names = nlp_artifact_members(a, &n);
	for (i = 0; i < n; i++) {
		cr_assert_eq(nlp_artifact_member(a, names[i], (const void **)&data,
		    &size, NULL), NLP_OK);
		cr_assert(data > base && data + size <= base + len, "%s", names[i]);
		cr_assert_eq((size_t)(data - base) % 512, 0, "%s at %td", names[i],
		    data - base);
	}
}

TEST(members_of_a_plain_artifact_are_512_byte_aligned_in_place)
{
	struct nlp_member m[5];
	size_t n = sample(m);
	struct nlp_err e = { 0 };
	struct nlp_artifact *a;
	size_t len;
	unsigned char *p = write_mem(m, n, 0, &len);

	a = open_mem(p, len);
	aligned(a);
	nlp_artifact_close(a);
	cr_assert_eq(nlp_artifact_write(in_dir("m.nlp"), m, n, 0, &e), NLP_OK);
	cr_assert_eq(nlp_artifact_open(&a, in_dir("m.nlp"), &e), NLP_OK, "%s", e.msg);
	aligned(a);
	nlp_artifact_close(a);
	free(p);
}

TEST(asking_for_an_unknown_member_is_a_data_error)
{
	struct nlp_member m[3];
	size_t n = small(m), len, size = 7;
	unsigned char *p = write_mem(m, n, 0, &len);
	struct nlp_artifact *a = open_mem(p, len);
	struct nlp_err e = { 0 };
	const void *data = NULL;

	cr_assert_eq(nlp_artifact_member(a, "vocab", &data, &size, &e), NLP_DATA);
	cr_assert_not_null(strstr(e.msg, "no member 'vocab'"), "%s", e.msg);
	cr_assert_null(data);
	cr_assert_eq(size, 7);
	nlp_artifact_close(a);
	free(p);
}

/* ---- damage ---- */

TEST(a_plain_artifact_cut_short_anywhere_is_refused_as_truncated)
{
	static const size_t odd[] = { 0, 1, 100, 257, 511 };
	struct nlp_member m[5];
	size_t n = sample(m), len, cut, i;
	unsigned char *p;

	/* Every block boundary, and odd offsets, with 40 KiB of weights. */
	m[0].size = 40 << 10;
	p = write_mem(m, n, 0, &len);
	for (cut = 0; cut < len; cut += 512)
		for (i = 0; i < sizeof odd / sizeof *odd; i++)
			if (cut + odd[i] < len)
				refused(p, cut + odd[i], cut + odd[i] == 0 ? "empty" :
				    "truncated");
	free(p);
	/* A stride through the full-size one (each load copies it). */
	m[0].size = WEIGHTS_SIZE;
	p = write_mem(m, n, 0, &len);
	for (cut = 1; cut < len; cut += 65537)
		refused(p, cut, "truncated");
	refused(p, len - 512, "truncated");
	refused(p, len - 1, "truncated");
	free(p);
}

TEST(a_truncated_member_says_how_many_bytes_it_needs)
{
	struct nlp_member m[5];
	size_t n = sample(m), len, size, off;
	unsigned char *p = write_mem(m, n, 0, &len);
	char want[128];

	off = offset_of(p, len, "weights", &size);
	snprintf(want, sizeof want, "truncated: member 'weights' "
	    "needs %zu bytes, 1000 present", size);
	refused(p, off + 1000, want);
	free(p);
}

TEST(a_gzip_artifact_cut_short_anywhere_is_refused)
{
	struct nlp_member m[3];
	size_t n = small(m), len, cut;
	unsigned char *p = write_mem(m, n, 1, &len);
	const char *msg;

	for (cut = 0; cut < len; cut += SWEEP_STEP) {
		msg = rejected(p, cut);
		cr_assert(strstr(msg, "truncated") || strstr(msg, "gzip") ||
		    strstr(msg, "empty"), "cut at %zu: %s", cut, msg);
	}
	free(p);
}

/* Bytes after the gzip stream are refused as such: zeros appended (a
 * padded copy) made the last 4 bytes state 0 bytes inflated, and the
 * artifact was called empty. */
TEST(bytes_after_a_gzip_artifact_are_said_to_be_there)
{
	struct nlp_member m[3];
	size_t n = small(m), len, k;
	unsigned char *p = write_mem(m, n, 1, &len), *q;
	static const size_t extra[] = { 512, 4, 9 };

	for (k = 0; k < sizeof extra / sizeof *extra; k++) {
		q = malloc(len + extra[k]);
		cr_assert_not_null(q);
		memcpy(q, p, len);
		memset(q + len, k == 2 ? 'x' : 0, extra[k]);
		refused(q, len + extra[k], "after the gzip stream");
		free(q);
	}
	free(p);
}

TEST(one_flipped_byte_in_a_member_is_a_checksum_mismatch)
{
	struct nlp_member m[5];
	size_t n = sample(m), len, i, k, off, at[3];
	unsigned char *p = write_mem(m, n, 0, &len);
	char want[128];

	for (i = 0; i < n; i++) {
		if (m[i].size == 0)
			continue;
		off = offset_of(p, len, m[i].name, NULL);
		at[0] = 0, at[1] = m[i].size / 2, at[2] = m[i].size - 1;
		snprintf(want, sizeof want, "member '%s' checksum mismatch "
		    "(damaged or tampered)", m[i].name);
		for (k = 0; k < 3; k++) {
			p[off + at[k]] ^= 0x40;
			refused(p, len, want);
			p[off + at[k]] ^= 0x40;
		}
	}
	free(p);
}

TEST(any_single_flipped_bit_in_a_plain_artifact_is_refused)
{
	struct nlp_member m[3];
	size_t n = small(m), len, bit;
	unsigned char *p = write_mem(m, n, 0, &len);
	struct nlp_artifact *a;
	struct nlp_err e;

	for (bit = 0; bit < 8 * len; bit += SWEEP_STEP) {
		p[bit / 8] ^= (unsigned char)(1 << bit % 8);
		if (nlp_artifact_open_mem(&a, p, len, &e) != NLP_DATA)
			cr_assert_fail("bit %zu of byte %zu went unnoticed",
			    bit % 8, bit / 8);
		p[bit / 8] ^= (unsigned char)(1 << bit % 8);
	}
	nlp_artifact_close(open_mem(p, len));
	free(p);
}

TEST(a_flipped_byte_in_a_header_fails_the_header_checksum)
{
	struct nlp_member m[3];
	size_t n = small(m), len, hdr;
	unsigned char *p = write_mem(m, n, 0, &len);
	char want[128];

	hdr = offset_of(p, len, "meta.json", NULL) - 512;
	snprintf(want, sizeof want, "header at offset %zu: checksum mismatch", hdr);
	p[hdr + 100] ^= 1;     /* the mode field */
	refused(p, len, want);
	p[hdr + 100] ^= 1;
	p[hdr + 3] ^= 1;       /* the name */
	refused(p, len, want);
	free(p);
}

TEST(a_flipped_byte_in_the_compressed_stream_is_refused)
{
	struct nlp_member m[5];
	size_t n = sample(m), len, i;
	unsigned char *p = write_mem(m, n, 1, &len);

	/* The deflate body: after the 10-byte header, before the CRC. */
	for (i = 10; i < len - 8; i += SWEEP_STEP * (1 + i / 7)) {
		p[i] ^= 1;
		rejected(p, len);
		p[i] ^= 1;
	}
	free(p);
}

/* Set the inflated size stated in the gzip trailer at p[len - 4]. */
static void
set_stated(unsigned char *p, size_t len, uint32_t size)
{
	p[len - 4] = (unsigned char)size;
	p[len - 3] = (unsigned char)(size >> 8);
	p[len - 2] = (unsigned char)(size >> 16);
	p[len - 1] = (unsigned char)(size >> 24);
}

TEST(the_size_in_the_gzip_trailer_must_be_plausible_and_exact)
{
	struct nlp_member m[5];
	size_t n = sample(m), len, plain;
	unsigned char *p = write_mem(m, n, 0, &plain);
	char want[128];

	free(p);
	p = write_mem(m, n, 1, &len);
	/* zlib checks the trailer's size: one off either way is refused, as
	 * the stream ends or as it passes that size */
	set_stated(p, len, (uint32_t)plain - 1);
	refused(p, len, "corrupt gzip data");
	set_stated(p, len, (uint32_t)plain + 512);
	refused(p, len, "corrupt gzip data: incorrect length check");
	(void)want;
	set_stated(p, len, UINT32_MAX);
	refused(p, len, "cannot inflate to the 4294967295 its last 4 bytes state");
	free(p);
}

TEST(a_gzip_bomb_is_refused_once_it_passes_its_stated_size)
{
	size_t big = (size_t)16 << 20, len;
	unsigned char *zeros = calloc(1, big), *p;
	struct nlp_member m[] = { { "weights", zeros, big } };

	p = write_mem(m, 1, 1, &len);
	cr_assert_lt(len, big / 500, "%zu bytes: not a bomb", len);
	nlp_artifact_close(open_mem(p, len));     /* a real high ratio is fine */
	set_stated(p, len, 1 << 20);
	refused(p, len, "inflates past the 1048576 bytes its last 4 bytes state");
	free(p);
	free(zeros);
}

TEST(data_after_the_gzip_stream_is_refused)
{
	struct nlp_member m[3];
	size_t n = small(m), len;
	unsigned char *p = write_mem(m, n, 1, &len), *q = malloc(2 * len);

	memcpy(q, p, len);
	memcpy(q + len, "junk", 4);
	refused(q, len + 4, "corrupt gzip data");
	memcpy(q + len + 4, p + len - 4, 4);     /* junk, then the right size */
	refused(q, len + 8, "unexpected data after the gzip stream");
	memcpy(q + len, p, len);        /* two gzip members, two archives */
	refused(q, 2 * len, "unexpected data after the gzip stream");
	free(q);
	free(p);
}

TEST(zero_padding_after_the_end_is_accepted_but_other_bytes_are_not)
{
	struct nlp_member m[3];
	size_t n = small(m), len;
	unsigned char *p = write_mem(m, n, 0, &len), *q = calloc(1, len + 10240);

	memcpy(q, p, len);
	nlp_artifact_close(open_mem(q, len + 10240));   /* tar's blocking */
	nlp_artifact_close(open_mem(q, len + 100));
	q[len + 5000] = 'x';
	refused(q, len + 10240, "unexpected data after the end of the archive");
	q[len + 5000] = 0;
	q[len - 1] = 1;                                 /* in the second zero block */
	refused(q, len + 10240, "unexpected data after the end of the archive");
	free(q);
	free(p);
}

TEST(an_empty_file_is_not_an_artifact)
{
	struct nlp_artifact *a = (struct nlp_artifact *)&a;
	struct nlp_err e = { 0 };

	refused("", 0, "not an nlpops artifact (empty)");
	spit_file(in_dir("empty.nlp"), "", 0);
	cr_assert_eq(nlp_artifact_open(&a, in_dir("empty.nlp"), &e), NLP_DATA);
	cr_assert_null(a);
	cr_assert_not_null(strstr(e.msg, "empty.nlp': not an nlpops artifact"),
	    "%s", e.msg);
}

TEST(random_bytes_are_not_an_artifact)
{
	static const size_t sizes[] = { 1, 2, 100, 511, 512, 1024, 4096, 100000 };
	unsigned char *p = malloc(100000);
	size_t i;

	for (i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		fill_random(p, sizes[i], 1000 + i);
		p[0] = 'r';
		refused(p, sizes[i], "not an nlpops artifact");
		p[0] = 0x1f;
		p[1] = 0x8b;
		if (sizes[i] > 1)
			refused(p, sizes[i], "gzip");
	}
	free(p);
}

/* Recompute the checksum of the 512-byte tar header h. */
static void
fix_checksum(unsigned char *h)
{
	unsigned sum = 0;
	size_t i;

	memset(h + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
}

/* A ustar archive of m[0..n-1] made by hand, not by libarchive nor
 * nlp_artifact_write(), so that tests can break the artifact's rules (and
 * check that the reader is not tied to one writer); malloc'd. */
static unsigned char *
tar_of(const struct nlp_member *m, size_t n, size_t *len)
{
	size_t cap = 1024, off = 0, i;
	unsigned char *buf, *h;

	for (i = 0; i < n; i++)
		cap += 512 + (m[i].size + 511) / 512 * 512;
	buf = calloc(1, cap);
	for (i = 0; i < n; i++) {
		h = buf + off;
		cr_assert_lt(strlen(m[i].name), 100);
		memcpy(h, m[i].name, strlen(m[i].name));
		snprintf((char *)h + 100, 8, "%07o", 0644);            /* mode */
		snprintf((char *)h + 108, 8, "%07o", 0);               /* uid */
		snprintf((char *)h + 116, 8, "%07o", 0);               /* gid */
		snprintf((char *)h + 124, 12, "%011zo", m[i].size);
		snprintf((char *)h + 136, 12, "%011o", 0);             /* mtime */
		h[156] = '0';
		memcpy(h + 257, "ustar\0" "00", 8);
		fix_checksum(h);
		memcpy(h + 512, m[i].data, m[i].size);
		off += 512 + (m[i].size + 511) / 512 * 512;
	}
	*len = off + 1024;
	return buf;
}

/* A manifest "nlpops-artifact VERSION" listing m[0..n-1] (static). */
static const char *
listing(int version, const struct nlp_member *m, size_t n)
{
	static char text[NLP_ARTIFACT_MAX_MEMBERS * 160];
	size_t off = (size_t)snprintf(text, sizeof text, "nlpops-artifact %d\n",
	    version), i;
	char hex[NLP_XXH128_HEX];

	for (i = 0; i < n; i++) {
		nlp_xxh128_hex(m[i].data, m[i].size, hex);
		off += (size_t)snprintf(text + off, sizeof text - off, "%s %zu %s\n",
		    hex, m[i].size, m[i].name);
	}
	return text;
}

/* The archive with manifest text, then m[0..n-1]: accepted when needle is
 * NULL, else refused with a message that says needle. */
static void
crafted(const char *manifest, const struct nlp_member *m, size_t n,
    const char *needle)
{
	struct nlp_member all[NLP_ARTIFACT_MAX_MEMBERS + 8];
	unsigned char *p;
	size_t len;

	all[0] = (struct nlp_member){ "manifest", manifest, strlen(manifest) };
	memcpy(all + 1, m, n * sizeof *m);
	p = tar_of(all, n + 1, &len);
	if (needle == NULL)
		nlp_artifact_close(open_mem(p, len));
	else
		refused(p, len, needle);
	free(p);
}

static const struct nlp_member two[] = {
	{ "weights", "0123456789", 10 },
	{ "meta.json", "{}", 2 },
};

TEST(a_hand_made_archive_with_a_correct_manifest_is_accepted)
{
	crafted(listing(1, two, 2), two, 2, NULL);
}

TEST(a_manifest_listing_a_missing_member_is_refused)
{
	crafted(listing(1, two, 2), two, 1,
	    "the manifest lists member 'meta.json', which is missing");
}

TEST(a_member_missing_from_the_manifest_is_refused)
{
	crafted(listing(1, two, 1), two, 2,
	    "member 'meta.json' is not listed in the manifest");
}

TEST(a_wrong_size_in_the_manifest_is_refused)
{
	struct nlp_member shorter[] = { { "weights", "0123456789", 9 } };

	crafted(listing(1, shorter, 1), two, 1,
	    "member 'weights' has 10 bytes, the manifest says 9");
}

TEST(members_out_of_manifest_order_are_refused)
{
	struct nlp_member swapped[] = { two[1], two[0] };

	crafted(listing(1, swapped, 2), two, 2, "out of manifest order");
}

TEST(a_manifest_listing_a_member_twice_is_refused)
{
	struct nlp_member twice[] = { two[0], two[0] };

	crafted(listing(1, twice, 2), two, 2, "lists member 'weights' twice");
}

TEST(a_newer_format_version_is_refused_with_a_clear_message)
{
	crafted(listing(2, two, 2), two, 2,
	    "the artifact format 2 is newer than this nlpops supports (1)");
	crafted(listing(0, two, 2), two, 2, "bad manifest");
}

TEST(malformed_manifest_lines_are_refused)
{
	static const char *bad[] = {
		"",
		"nlpops-artifact 1",                     /* no newline */
		"nlpops-artifact 01\n",
		"nlpops-artifact 99999999999999999999999\n",
		"nlpops artifact 1\n",
		"nlpops-artifact 1\n0123 10 weights\n",
		"nlpops-artifact 1\nzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz 10 weights\n",
		"nlpops-artifact 1\n%s 010 weights\n",
		"nlpops-artifact 1\n%s 10  weights\n",
		"nlpops-artifact 1\n%s 10 weights",      /* no newline */
		"nlpops-artifact 1\n%s 10 weights\n\n",
		"nlpops-artifact 1\n%s 99999999999999999999999 weights\n",
	};
	char hex[NLP_XXH128_HEX], text[256];
	size_t i;

	nlp_xxh128_hex(two[0].data, two[0].size, hex);
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		snprintf(text, sizeof text, bad[i], hex);
		crafted(text, two, 1, "manifest");
	}
	for (i = 0; hex[i]; i++)
		hex[i] = (char)(hex[i] >= 'a' ? hex[i] - 32 : hex[i]);   /* upper */
	snprintf(text, sizeof text, "nlpops-artifact 1\n%s 10 weights\n", hex);
	crafted(text, two, 1, "bad manifest line 2");
}

TEST(duplicate_member_names_are_refused)
{
	struct nlp_member twice[] = { two[0], two[0] };

	crafted(listing(1, twice, 2), twice, 2, "duplicate member 'weights'");
}

TEST(an_archive_without_a_leading_manifest_is_not_an_artifact)
{
	struct nlp_member m[3] = { two[0], two[1], { "manifest", NULL, 0 } };
	unsigned char *p;
	size_t len;

	m[2].data = listing(1, two, 2);
	m[2].size = strlen(m[2].data);
	p = tar_of(m, 3, &len);
	refused(p, len, "not an nlpops artifact (no manifest)");
	free(p);
	p = tar_of(NULL, 0, &len);      /* just the end-of-archive marker */
	refused(p, len, "not an nlpops artifact (no manifest)");
	free(p);
}

TEST(more_members_than_the_limit_are_refused)
{
	struct nlp_member m[NLP_ARTIFACT_MAX_MEMBERS];
	static char names[NLP_ARTIFACT_MAX_MEMBERS][8];
	size_t i, n = NLP_ARTIFACT_MAX_MEMBERS;

	for (i = 0; i < n; i++) {
		snprintf(names[i], sizeof names[i], "m%zu", i);
		m[i] = (struct nlp_member){ names[i], "", 0 };
	}
	crafted(listing(1, m, n - 1), m, n - 1, NULL);
	crafted(listing(1, m, n), m, n, "too many members (more than 64)");
}

TEST(a_member_name_with_a_slash_is_refused)
{
	struct nlp_member m[] = { { "dir/weights", "0123456789", 10 } };

	crafted(listing(1, m, 1), m, 1, "bad member name");
}

/* A small artifact with a change to the header of "weights" (checksum
 * fixed), refused with a message that says needle. */
static void
edited_header(size_t field, const char *value, size_t vlen, const char *needle)
{
	struct nlp_member m[3];
	size_t n = small(m), len;
	unsigned char *p = write_mem(m, n, 0, &len), *h;

	h = p + offset_of(p, len, "weights", NULL) - 512;
	memcpy(h + field, value, vlen);
	fix_checksum(h);
	refused(p, len, needle);
	free(p);
}

TEST(a_huge_size_field_is_refused_before_anything_is_read)
{
	edited_header(124, "77777777777", 12,
	    "truncated: member 'weights' needs 8589934591 bytes");
	edited_header(124, "\x80\0\0\0\0\0\0\0\0\0\x10\0", 12, "bad size field");
	edited_header(124, "0000000x000", 12, "bad size field");
}

TEST(entries_other_than_regular_files_are_refused)
{
	edited_header(156, "5", 1, "not a regular file");     /* directory */
	edited_header(156, "2", 1, "not a regular file");     /* symlink */
	edited_header(257, "ustar  ", 8, "not a ustar header");   /* GNU */
	edited_header(345, "dir", 4, "bad member name");      /* ustar prefix */
}

/* Make path with tar itself (flags such as "-cf"), of one file. */
static void
tar_made(const char *flags, const char *path)
{
	char cmd[512];

	snprintf(cmd, sizeof cmd, "printf 'hello\\n' > '%s/hello.txt' && "
	    "tar %s '%s' -C '%s' hello.txt", dir, flags, path, dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

TEST(a_tarball_made_by_tar_is_not_an_artifact)
{
	static const char *flags[] = { "-cf", "--format=ustar -cf", "-czf",
	    "--format=ustar -czf" };
	struct nlp_artifact *a = (struct nlp_artifact *)&a;
	struct nlp_err e = { 0 };
	size_t i;

	for (i = 0; i < sizeof flags / sizeof *flags; i++) {
		tar_made(flags[i], in_dir("t.tar"));
		cr_assert_eq(nlp_artifact_open(&a, in_dir("t.tar"), &e), NLP_DATA,
		    "%s", flags[i]);
		cr_assert_null(a);
		cr_assert_not_null(strstr(e.msg, "t.tar': not an nlpops artifact"),
		    "%s: %s", flags[i], e.msg);
	}
}

TEST(a_missing_file_or_a_directory_is_an_io_error)
{
	struct nlp_artifact *a = (struct nlp_artifact *)&a;
	struct nlp_err e = { 0 };

	cr_assert_eq(nlp_artifact_open(&a, in_dir("none.nlp"), &e), NLP_IO);
	cr_assert_null(a);
	cr_assert_not_null(strstr(e.msg, "cannot open '"), "%s", e.msg);
	cr_assert_not_null(strstr(e.msg, "No such file"), "%s", e.msg);
	cr_assert_eq(nlp_artifact_open(&a, dir, &e), NLP_IO);
	cr_assert_null(a);
	cr_assert_not_null(strstr(e.msg, "cannot read '"), "%s", e.msg);
}

TEST(an_artifact_can_be_read_from_a_pipe)
{
	struct nlp_member m[5];
	size_t n = sample(m), len;
	unsigned char *p = write_mem(m, n, 1, &len);
	struct nlp_artifact *a = NULL;
	struct nlp_err e = { 0 };
	char path[64];
	int fds[2], status;
	pid_t pid;

	cr_assert_eq(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		_exit(write(fds[1], p, len) == (ssize_t)len ? 0 : 1);
	}
	close(fds[1]);
	snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
	cr_assert_eq(nlp_artifact_open(&a, path, &e), NLP_OK, "%s", e.msg);
	holds(a, m, n);
	nlp_artifact_close(a);
	close(fds[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert_eq(status, 0);
	free(p);
}

/* ---- reading on two threads ---- */

/* p[0..len) into the file path. */
static void
put_file(const char *path, const void *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f);
	cr_assert_eq(fwrite(p, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

TEST(two_threads_read_the_same_bytes_members_and_sha256)
{
	static const struct nlp_artifact_opts opts[] = {
		{ 2, 1 }, { 2, 0 }, { 8, 1 }, { 1, 1 }, { 0, 0 },
	};
	struct nlp_member m[5];
	size_t n = sample(m), len, blen, i;
	unsigned char *p;
	struct nlp_artifact *a;
	struct nlp_err e = { 0 };
	char want[NLP_SHA256_HEX];
	const void *bytes;
	int gzip;

	for (gzip = 0; gzip < 2; gzip++) {
		p = write_mem(m, n, gzip, &len);
		put_file(in_dir("m.nlp"), p, len);
		cr_assert_eq(nlp_sha256_hex(p, len, want), 0);
		for (i = 0; i < sizeof opts / sizeof *opts; i++) {
			cr_assert_eq(nlp_artifact_open_opts(&a, in_dir("m.nlp"),
			    &opts[i], &e), NLP_OK, "%s", e.msg);
			holds(a, m, n);
			bytes = nlp_artifact_bytes(a, &blen);
			cr_assert_eq(blen, len);
			cr_assert(memcmp(bytes, p, len) == 0, "opts %zu", i);
			cr_assert_str_eq(nlp_artifact_sha256(a), want);
			nlp_artifact_close(a);
		}
		/* hashing meanwhile, closed before anyone asked */
		cr_assert_eq(nlp_artifact_open_opts(&a, in_dir("m.nlp"), &opts[0],
		    &e), NLP_OK, "%s", e.msg);
		nlp_artifact_close(a);
		free(p);
	}
}

/* Loading the file holding p[0..len) fails on two threads just as on
 * one: the same status, the same message. */
static void
refused_alike(const void *p, size_t len)
{
	static const struct nlp_artifact_opts two = { 2, 1 };
	struct nlp_artifact *a = (struct nlp_artifact *)&a;
	struct nlp_err e1 = { 0 }, e2 = { 0 };
	int rc1, rc2;

	put_file(in_dir("d.nlp"), p, len);
	rc1 = nlp_artifact_open(&a, in_dir("d.nlp"), &e1);
	cr_assert_null(a);
	rc2 = nlp_artifact_open_opts(&a, in_dir("d.nlp"), &two, &e2);
	cr_assert_null(a);
	cr_assert_eq(rc1, NLP_DATA, "len %zu: %s", len, e1.msg);
	cr_assert_eq(rc2, rc1, "len %zu", len);
	cr_assert_str_eq(e2.msg, e1.msg);
}

TEST(two_threads_refuse_a_cut_or_damaged_file_as_one_does)
{
	struct nlp_member m[5];
	size_t n = sample(m), len, cut, off, size;
	unsigned char *p = write_mem(m, n, 0, &len);

	for (cut = 1; cut < len; cut += 300007)
		refused_alike(p, cut);
	refused_alike(p, len / 2);
	refused_alike(p, len - 512);
	refused_alike(p, len - 1);
	/* a byte flipped in each half of the weights */
	off = offset_of(p, len, "weights", &size);
	for (cut = off + 17; cut < off + size; cut += size / 2) {
		p[cut] ^= 0x40;
		refused_alike(p, len);
		p[cut] ^= 0x40;
	}
	free(p);
}

/* ---- writing ---- */

TEST(writing_into_a_missing_directory_fails_and_leaves_nothing)
{
	struct nlp_member m[3];
	size_t n = small(m);

	write_fails(in_dir("missing/m.nlp"), m, n, 0, "cannot write '");
	write_fails(in_dir("missing/m.nlp"), m, n, 0, "No such file or directory");
	cr_assert_eq(entries(dir), 0);
}

TEST(writing_over_an_existing_file_replaces_it_and_leaves_no_temporary)
{
	struct nlp_member m[5];
	size_t n = sample(m), len;
	unsigned char *p = write_mem(m, n, 0, &len);
	struct nlp_err e = { 0 };
	struct stat st;

	umask(022);
	spit_file(in_dir("m.nlp"), "old", 3);
	cr_assert_eq(nlp_artifact_write(in_dir("m.nlp"), m, n, 0, &e), NLP_OK,
	    "%s", e.msg);
	file_is(in_dir("m.nlp"), p, len);
	cr_assert_eq(entries(dir), 1);
	cr_assert_eq(stat(in_dir("m.nlp"), &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0644, "mode %o", st.st_mode & 07777);
	umask(077);
	cr_assert_eq(nlp_artifact_write(in_dir("private.nlp"), m, n, 1, &e), NLP_OK);
	cr_assert_eq(stat(in_dir("private.nlp"), &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600, "mode %o", st.st_mode & 07777);
	cr_assert_eq(entries(dir), 2);
	free(p);
}

TEST(a_relative_path_writes_in_the_current_directory)
{
	struct nlp_member m[3];
	size_t n = small(m);
	struct nlp_err e = { 0 };
	struct nlp_artifact *a;

	cr_assert_eq(chdir(dir), 0);
	cr_assert_eq(nlp_artifact_write("m.nlp", m, n, 0, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(nlp_artifact_open(&a, "m.nlp", &e), NLP_OK, "%s", e.msg);
	holds(a, m, n);
	nlp_artifact_close(a);
	cr_assert_eq(entries("."), 1);
}

TEST(a_failed_write_keeps_the_old_file_and_leaves_no_temporary)
{
	struct nlp_member m[5];
	size_t n = sample(m);
	struct rlimit small_files = { 1 << 20, 1 << 20 };

	spit_file(in_dir("m.nlp"), "old", 3);
	signal(SIGXFSZ, SIG_IGN);          /* write() then fails with EFBIG */
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &small_files), 0);
	write_fails(in_dir("m.nlp"), m, n, 0, "cannot write '");
	write_fails(in_dir("m.nlp"), m, n, 0, "File too large");
	write_fails(in_dir("new.nlp"), m, n, 1, "File too large");
	file_is(in_dir("m.nlp"), "old", 3);
	cr_assert_eq(entries(dir), 1);
}

TEST(writing_over_a_directory_fails_and_leaves_no_temporary)
{
	struct nlp_member m[3];
	size_t n = small(m);
	struct stat st;

	cr_assert_eq(mkdir(in_dir("m.nlp"), 0755), 0);
	write_fails(in_dir("m.nlp"), m, n, 0, "Is a directory");
	cr_assert_eq(stat(in_dir("m.nlp"), &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert_eq(entries(dir), 1);
}

TEST(writing_to_a_descriptor_writes_the_same_bytes)
{
	struct nlp_member m[3];
	size_t n = small(m), len;
	unsigned char *p = write_mem(m, n, 1, &len);
	struct nlp_err e = { 0 };
	int saved = dup(STDOUT_FILENO), fd, rc;

	fflush(stdout);
	fd = open(in_dir("out"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert(fd >= 0 && saved >= 0);
	dup2(fd, STDOUT_FILENO);
	rc = nlp_artifact_write_fd(STDOUT_FILENO, "(stdout)", m, n, 1, &e);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(fd);
	cr_assert_eq(rc, NLP_OK, "%s", e.msg);
	file_is(in_dir("out"), p, len);
	free(p);
}

TEST(bad_member_names_are_usage_errors_and_write_nothing)
{
	const char *bad[] = {
		"", ".", "..", "a/b", "manifest", "with space", "new\nline", "tab\t",
		"\xc3\xa9", NULL /* 100 bytes */,
	};
	struct nlp_member m[2] = { { "weights", "w", 1 }, { NULL, "x", 1 } };
	struct nlp_err e = { 0 };
	char longest[101] = { 0 };
	void *p = NULL;
	size_t i, len;

	memset(longest, 'n', 100);
	bad[sizeof bad / sizeof *bad - 1] = longest;
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		m[1].name = bad[i];
		cr_assert_eq(nlp_artifact_write(in_dir("m.nlp"), m, 2, 0, &e),
		    NLP_USAGE, "'%s'", bad[i]);
		cr_assert_eq(nlp_artifact_write_mem(&p, &len, m, 2, 0, &e),
		    NLP_USAGE, "'%s'", bad[i]);
		cr_assert_null(p);
	}
	m[1].name = NULL;
	cr_assert_eq(nlp_artifact_write(in_dir("m.nlp"), m, 2, 0, &e), NLP_USAGE);
	m[1].name = "weights";
	cr_assert_eq(nlp_artifact_write(in_dir("m.nlp"), m, 2, 0, &e), NLP_USAGE);
	cr_assert_not_null(strstr(e.msg, "duplicate artifact member 'weights'"),
	    "%s", e.msg);
	m[1] = (struct nlp_member){ "x", NULL, 1 };
	cr_assert_eq(nlp_artifact_write(in_dir("m.nlp"), m, 2, 0, &e), NLP_USAGE);
	longest[99] = '\0';                 /* 99 bytes: the longest allowed */
	m[1] = (struct nlp_member){ longest, "x", 1 };
	cr_assert_eq(nlp_artifact_write(in_dir("m.nlp"), m, 2, 0, &e), NLP_OK,
	    "%s", e.msg);
	cr_assert_eq(entries(dir), 1);
}

TEST(more_members_than_the_limit_are_a_usage_error)
{
	struct nlp_member m[NLP_ARTIFACT_MAX_MEMBERS];
	static char names[NLP_ARTIFACT_MAX_MEMBERS][8];
	struct nlp_err e = { 0 };
	void *p = NULL;
	size_t i, len;

	for (i = 0; i < NLP_ARTIFACT_MAX_MEMBERS; i++) {
		snprintf(names[i], sizeof names[i], "m%zu", i);
		m[i] = (struct nlp_member){ names[i], "", 0 };
	}
	cr_assert_eq(nlp_artifact_write_mem(&p, &len, m, NLP_ARTIFACT_MAX_MEMBERS,
	    0, &e), NLP_USAGE);
	cr_assert_not_null(strstr(e.msg, "too many artifact members"), "%s", e.msg);
	cr_assert_eq(nlp_artifact_write_mem(&p, &len, m,
	    NLP_ARTIFACT_MAX_MEMBERS - 1, 0, &e), NLP_OK, "%s", e.msg);
	nlp_artifact_close(open_mem(p, len));
	free(p);
}
