/*
 * test_store.c - the content-addressed object store: put and its
 * deduplication (also across processes), check and export against every
 * kind of damage, scan and remove, modes in private and shared registries,
 * hostile object names, and a full or read-only disk (a tmpfs in a private
 * mount namespace, where the system lets us make one).  Each test runs in
 * its own temporary directory.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "digest.h"
#include "files.h"
#include "leak_test.h"
#include "store.h"

#define TEST(name) LEAK_TEST(store, name)

static void
setup(void)
{
	make_test_dir("store");
	umask(022);
}

static void
teardown(void)
{
	remove_test_dir();
}

TestSuite(store, .init = setup, .fini = teardown);

/* n pseudo-random bytes, malloc'd. */
static unsigned char *
random_bytes(size_t n, uint64_t seed)
{
	unsigned char *p = malloc(n ? n : 1);

	cr_assert_not_null(p);
	fill_random(p, n, seed);
	return p;
}

/* Store n bytes at data under dir; their hex in hex, *created as put says. */
static void
put(const void *data, size_t n, char hex[NLP_SHA256_HEX], int *created)
{
	struct nlp_err e = { 0 };
	int c = -1;

	nlp_sha256_hex(data, n, hex);
	cr_assert_eq(nlp_store_put(dir, hex, data, n, &c, &e), NLP_OK, "%s",
	    e.msg);
	if (created != NULL)
		*created = c;
}

/* The object path of hex under dir, in a static buffer. */
static const char *
object(const char *hex)
{
	static char path[PATH_MAX];

	cr_assert_eq(nlp_store_path(dir, hex, path, sizeof path), 0);
	return path;
}

/* Flip one byte of the object hex in place (objects are read-only). */
static void
flip_byte(const char *hex, off_t at)
{
	unsigned char c;
	int fd;

	cr_assert_eq(chmod(object(hex), 0644), 0);
	fd = open(object(hex), O_RDWR);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pread(fd, &c, 1, at), 1);
	c ^= 0x20;
	cr_assert_eq(pwrite(fd, &c, 1, at), 1);
	close(fd);
}

/* Cut the object hex to n bytes (objects are read-only). */
static void
truncate_object(const char *hex, off_t n)
{
	cr_assert_eq(chmod(object(hex), 0644), 0);
	cr_assert_eq(truncate(object(hex), n), 0);
}

#define assert_has(msg, part) \
	cr_assert_not_null(strstr((msg), (part)), "'%s' lacks '%s'", (msg), (part))

/* ---- put and check ---- */

TEST(put_then_check_succeeds_and_the_object_holds_the_bytes)
{
	unsigned char *data = random_bytes(200000, 1);
	char hex[NLP_SHA256_HEX];
	struct nlp_err e = { 0 };
	int created;

	put(data, 200000, hex, &created);
	cr_assert_eq(created, 1);
	file_is(object(hex), data, 200000);
	cr_assert_eq(nlp_store_check(dir, hex, 200000, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(nlp_store_check(dir, hex, -1, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(entries(in_dir("tmp")), 0, "a temporary file was left");
	free(data);
}

TEST(an_empty_object_can_be_stored_and_checked)
{
	char hex[NLP_SHA256_HEX];
	struct nlp_err e = { 0 };
	int created;

	put("", 0, hex, &created);
	cr_assert_eq(created, 1);
	cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	cr_assert_eq(nlp_store_check(dir, hex, 0, &e), NLP_OK, "%s", e.msg);
}

TEST(a_second_put_of_the_same_bytes_creates_nothing_and_keeps_the_object)
{
	char hex[NLP_SHA256_HEX], hex2[NLP_SHA256_HEX];
	struct stat st1, st2;
	int created;

	put("hello\n", 6, hex, &created);
	cr_assert_eq(created, 1);
	cr_assert_eq(stat(object(hex), &st1), 0);
	put("hello\n", 6, hex2, &created);
	cr_assert_eq(created, 0);
	cr_assert_str_eq(hex, hex2);
	cr_assert_eq(stat(object(hex), &st2), 0);
	cr_assert_eq(st1.st_ino, st2.st_ino, "the object was replaced");
	cr_assert_str_eq(object(hex) + strlen(dir), "/objects/sha256/"
	    "58/91b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
}

TEST(eight_processes_putting_the_same_bytes_at_once_leave_one_object)
{
	unsigned char *data = random_bytes(1 << 20, 8);
	char hex[NLP_SHA256_HEX], path[PATH_MAX];
	struct nlp_err e = { 0 };
	int go[2], status, made = 0;
	pid_t pid[8];

	nlp_sha256_hex(data, 1 << 20, hex);
	cr_assert_eq(pipe(go), 0);
	for (int i = 0; i < 8; i++) {
		cr_assert_neq(pid[i] = fork(), -1);
		if (pid[i] == 0) {
			char c;
			int created = -1, rc;

			close(go[1]);
			(void)!read(go[0], &c, 1);   /* all start together */
			rc = nlp_store_put(dir, hex, data, 1 << 20, &created, NULL);
			_exit(rc == NLP_OK ? created : 10 + rc);
		}
	}
	close(go[0]);
	close(go[1]);
	for (int i = 0; i < 8; i++) {
		cr_assert_eq(waitpid(pid[i], &status, 0), pid[i]);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) <= 1,
		    "put %d failed (exit status %d)", i, WEXITSTATUS(status));
		made += WEXITSTATUS(status);
	}
	cr_assert_eq(made, 1, "%d puts said they created the object", made);
	snprintf(path, sizeof path, "%s/%.2s", in_dir("objects/sha256"), hex);
	cr_assert_eq(entries(path), 1);
	cr_assert_eq(entries(in_dir("tmp")), 0, "a temporary file was left");
	cr_assert_eq(nlp_store_check(dir, hex, 1 << 20, &e), NLP_OK, "%s", e.msg);
	free(data);
}

TEST(put_over_a_damaged_object_repairs_it_with_the_right_bytes)
{
	char hex[NLP_SHA256_HEX];
	struct nlp_err e = { 0 };
	int created = -1;

	/* an object of the wrong size */
	put("abc", 3, hex, NULL);
	truncate_object(hex, 2);
	cr_assert_eq(nlp_store_put(dir, hex, "abc", 3, &created, &e), NLP_OK,
	    "%s", e.msg);
	cr_assert_eq(created, 1);
	cr_assert_eq(nlp_store_check(dir, hex, 3, &e), NLP_OK, "%s", e.msg);
	/* an object of the right size with other bytes */
	chmod(object(hex), 0644);
	{
		FILE *f = fopen(object(hex), "r+");
		cr_assert_not_null(f);
		fputc('x', f);
		fclose(f);
	}
	cr_assert_eq(nlp_store_check(dir, hex, 3, &e), NLP_NO);
	cr_assert_eq(nlp_store_put(dir, hex, "abc", 3, &created, &e), NLP_OK,
	    "%s", e.msg);
	cr_assert_eq(created, 1);
	cr_assert_eq(nlp_store_check(dir, hex, 3, &e), NLP_OK, "%s", e.msg);
	/* and a sound object is left alone */
	cr_assert_eq(nlp_store_put(dir, hex, "abc", 3, &created, &e), NLP_OK);
	cr_assert_eq(created, 0);
}

TEST(put_into_a_missing_registry_fails_and_creates_nothing)
{
	char hex[NLP_SHA256_HEX], missing[PATH_MAX];
	struct nlp_err e = { 0 };
	int created = -1;

	nlp_sha256_hex("x", 1, hex);
	snprintf(missing, sizeof missing, "%s", in_dir("none"));
	cr_assert_eq(nlp_store_put(missing, hex, "x", 1, &created, &e), NLP_IO);
	cr_assert_eq(created, 0);
	assert_has(e.msg, "No such file or directory");
	assert_has(e.msg, missing);
	cr_assert_eq(entries(dir), 0);
}

/* ---- check ---- */

TEST(check_finds_a_flipped_byte)
{
	unsigned char *data = random_bytes(100000, 2);
	char hex[NLP_SHA256_HEX], now[NLP_SHA256_HEX];
	struct nlp_err e = { 0 };
	unsigned char *p;
	size_t n;

	put(data, 100000, hex, NULL);
	flip_byte(hex, 77777);
	p = slurp_file(object(hex), &n);
	nlp_sha256_hex(p, n, now);
	cr_assert_eq(nlp_store_check(dir, hex, 100000, &e), NLP_NO);
	assert_has(e.msg, "is damaged: its SHA-256 is ");
	assert_has(e.msg, now);
	assert_has(e.msg, object(hex));
	free(p);
	free(data);
}

TEST(check_finds_a_truncated_object_by_size_or_by_hash)
{
	char hex[NLP_SHA256_HEX];
	struct nlp_err e = { 0 };

	put("some bytes", 10, hex, NULL);
	truncate_object(hex, 4);
	cr_assert_eq(nlp_store_check(dir, hex, 10, &e), NLP_NO);
	assert_has(e.msg, "has 4 bytes, not 10");
	cr_assert_eq(nlp_store_check(dir, hex, -1, &e), NLP_NO);
	assert_has(e.msg, "is damaged");
}

TEST(check_finds_a_missing_object)
{
	char hex[NLP_SHA256_HEX];
	struct nlp_err e = { 0 };

	nlp_sha256_hex("never stored", 12, hex);
	cr_assert_eq(nlp_store_check(dir, hex, -1, &e), NLP_NO);
	assert_has(e.msg, "is missing");
	assert_has(e.msg, hex + 2);
}

TEST(check_refuses_a_symbolic_link_in_place_of_an_object)
{
	char hex[NLP_SHA256_HEX];
	struct nlp_err e = { 0 };

	put("linked", 6, hex, NULL);
	spit_file(in_dir("elsewhere"), "linked", 6);
	cr_assert_eq(unlink(object(hex)), 0);
	cr_assert_eq(symlink(in_dir("elsewhere"), object(hex)), 0);
	cr_assert_eq(nlp_store_check(dir, hex, 6, &e), NLP_NO);
	assert_has(e.msg, "symbolic link");
}

/* ---- export ---- */

TEST(export_writes_the_same_bytes_over_any_old_file)
{
	unsigned char *data = random_bytes(300000, 3);
	char hex[NLP_SHA256_HEX];
	struct nlp_err e = { 0 };

	put(data, 300000, hex, NULL);
	spit_file(in_dir("out.bin"), "old", 3);
	cr_assert_eq(nlp_store_export(dir, hex, in_dir("out.bin"), &e), NLP_OK,
	    "%s", e.msg);
	file_is(in_dir("out.bin"), data, 300000);
	free(data);
}

TEST(export_refuses_a_damaged_object_and_leaves_no_file)
{
	unsigned char *data = random_bytes(300000, 4);
	char hex[NLP_SHA256_HEX];
	struct nlp_err e = { 0 };

	put(data, 300000, hex, NULL);
	flip_byte(hex, 5);
	cr_assert_eq(mkdir(in_dir("out"), 0755), 0);
	cr_assert_eq(nlp_store_export(dir, hex, in_dir("out/m.bin"), &e),
	    NLP_DATA);
	assert_has(e.msg, "is damaged: its SHA-256 is ");
	cr_assert_eq(entries(in_dir("out")), 0, "export left a file behind");
	free(data);
}

TEST(export_of_a_missing_object_is_a_damaged_store_and_writes_nothing)
{
	char hex[NLP_SHA256_HEX];
	struct nlp_err e = { 0 };

	nlp_sha256_hex("gone", 4, hex);
	cr_assert_eq(mkdir(in_dir("out"), 0755), 0);
	cr_assert_eq(nlp_store_export(dir, hex, in_dir("out/m.bin"), &e),
	    NLP_DATA);
	assert_has(e.msg, "is missing");
	cr_assert_eq(entries(in_dir("out")), 0);
}

/* Export hex to "-" with standard output sent to the file path. */
static int
export_to_stdout(const char *hex, const char *path, struct nlp_err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), saved, rc;

	cr_assert_geq(fd, 0);
	fflush(stdout);
	saved = dup(1);
	cr_assert_geq(saved, 0);
	cr_assert_eq(dup2(fd, 1), 1);
	close(fd);
	rc = nlp_store_export(dir, hex, "-", e);
	fflush(stdout);
	cr_assert_eq(dup2(saved, 1), 1);
	close(saved);
	return rc;
}

TEST(export_to_standard_output_streams_the_bytes_and_still_checks_them)
{
	unsigned char *data = random_bytes(150000, 5);
	char hex[NLP_SHA256_HEX];
	struct nlp_err e = { 0 };

	put(data, 150000, hex, NULL);
	cr_assert_eq(export_to_stdout(hex, in_dir("out.bin"), &e), NLP_OK,
	    "%s", e.msg);
	file_is(in_dir("out.bin"), data, 150000);
	flip_byte(hex, 149999);
	cr_assert_eq(export_to_stdout(hex, in_dir("bad.bin"), &e), NLP_DATA);
	assert_has(e.msg, "is damaged");
	free(data);
}

/* ---- scan and remove ---- */

struct seen {
	struct nlp_store_entry v[16];
	int n;
	int stop_at;            /* return 7 from this call on (0: never) */
};

static int
collect(void *arg, const struct nlp_store_entry *en)
{
	struct seen *s = arg;

	cr_assert_lt(s->n, 16);
	s->v[s->n++] = *en;
	return s->stop_at != 0 && s->n >= s->stop_at ? 7 : 0;
}

/* Scan dir into s, expecting NLP_OK. */
static void
scan(struct seen *s)
{
	struct nlp_err e = { 0 };

	memset(s, 0, sizeof *s);
	cr_assert_eq(nlp_store_scan(dir, collect, s, &e), NLP_OK, "%s", e.msg);
}

/* The store of the scan tests: three objects, two temporary files, and
 * under objects/sha256 a stray file, a symbolic link with an object's
 * name, a symbolic link to a directory (ff: no object here starts so) and
 * a file in a directory whose name is not two hex digits. */
static void
make_mixed_store(char hex[3][NLP_SHA256_HEX])
{
	char path[PATH_MAX];

	put("one", 3, hex[0], NULL);
	put("two", 3, hex[1], NULL);
	put("three", 5, hex[2], NULL);
	spit_file(in_dir("tmp/put-b.tmp"), "partial", 7);
	spit_file(in_dir("tmp/put-a.tmp"), "", 0);
	spit_file(in_dir("objects/sha256/README"), "hi", 2);
	snprintf(path, sizeof path, "%s/%.2s/%062d", in_dir("objects/sha256"),
	    hex[1], 0);
	cr_assert_eq(symlink(object(hex[0]), path), 0);
	cr_assert_eq(mkdir(in_dir("outside"), 0755), 0);
	spit_file(in_dir("outside/file"), "x", 1);
	cr_assert_eq(symlink(in_dir("outside"), in_dir("objects/sha256/ff")), 0);
	cr_assert_eq(mkdir(in_dir("objects/sha256/zz"), 0755), 0);
	spit_file(in_dir("objects/sha256/zz/"
	    "0000000000000000000000000000000000000000000000000000000000000000"),
	    "z", 1);
}

TEST(scan_lists_objects_then_temporary_files_in_path_order)
{
	char hex[3][NLP_SHA256_HEX];
	struct seen s;

	put("one", 3, hex[0], NULL);
	put("two", 3, hex[1], NULL);
	put("three", 5, hex[2], NULL);
	spit_file(in_dir("tmp/put-b.tmp"), "partial", 7);
	spit_file(in_dir("tmp/put-a.tmp"), "", 0);
	scan(&s);
	cr_assert_eq(s.n, 5);
	for (int i = 1; i < s.n; i++)
		cr_assert_lt(strcmp(s.v[i - 1].path, s.v[i].path), 0,
		    "%s before %s", s.v[i - 1].path, s.v[i].path);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(s.v[i].is_temp, 0);
		cr_assert_eq(s.v[i].bad_name, 0);
		cr_assert_str_eq(s.v[i].path, object(s.v[i].hex));
		cr_assert(strcmp(s.v[i].hex, hex[0]) == 0 ||
		    strcmp(s.v[i].hex, hex[1]) == 0 ||
		    strcmp(s.v[i].hex, hex[2]) == 0, "%s", s.v[i].hex);
		cr_assert_eq(s.v[i].size, strcmp(s.v[i].hex, hex[2]) ? 3 : 5);
		cr_assert_gt(s.v[i].mtime, 0);
	}
	cr_assert_str_eq(s.v[3].path, in_dir("tmp/put-a.tmp"));
	cr_assert_str_eq(s.v[4].path, in_dir("tmp/put-b.tmp"));
	cr_assert(s.v[3].is_temp && s.v[4].is_temp);
	cr_assert_str_eq(s.v[4].hex, "");
	cr_assert_eq(s.v[4].size, 7);
}

TEST(scan_flags_stray_files_and_symbolic_links_as_bad_names)
{
	char hex[3][NLP_SHA256_HEX];
	struct seen s;
	int bad = 0, good = 0;

	make_mixed_store(hex);
	scan(&s);
	for (int i = 0; i < s.n; i++) {
		const struct nlp_store_entry *en = &s.v[i];

		cr_assert_null(strstr(en->path, "/outside"),
		    "scan followed a symbolic link to %s", en->path);
		if (en->bad_name) {
			cr_assert_str_eq(en->hex, "");
			cr_assert_eq(en->is_temp, 0);
			bad++;
		} else if (!en->is_temp)
			good++;
	}
	cr_assert_eq(good, 3);
	cr_assert_eq(bad, 4, "README, the two links and zz/'s file");
}

TEST(scan_of_an_empty_registry_finds_nothing)
{
	struct seen s;

	scan(&s);
	cr_assert_eq(s.n, 0);
}

TEST(scan_stops_when_the_callback_says_so)
{
	char hex[NLP_SHA256_HEX];
	struct nlp_err e = { 0 };
	struct seen s = { .stop_at = 1 };

	put("a", 1, hex, NULL);
	put("b", 1, hex, NULL);
	cr_assert_eq(nlp_store_scan(dir, collect, &s, &e), 7);
	cr_assert_eq(s.n, 1);
}

TEST(remove_deletes_what_scan_found_and_nothing_a_link_points_to)
{
	char hex[3][NLP_SHA256_HEX];
	struct nlp_err e = { 0 };
	struct seen s;
	int bad = 0, removed;

	make_mixed_store(hex);
	scan(&s);
	cr_assert_eq(s.n, 9);
	for (int i = 0; i < s.n; i++) {
		int rc = nlp_store_remove(dir, &s.v[i], &removed, &e);
		if (s.v[i].bad_name) {
			/* not the store's: listed, never removed */
			cr_assert_eq(rc, NLP_BUG, "%s", s.v[i].path);
			cr_assert_eq(removed, 0);
			bad++;
		} else {
			cr_assert_eq(rc, NLP_OK, "%s", e.msg);
			cr_assert_eq(removed, 1, "%s", s.v[i].path);
		}
	}
	cr_assert_eq(bad, 4);
	for (int i = 0; i < s.n; i++)
		if (!s.v[i].bad_name)
			cr_assert(nlp_store_remove(dir, &s.v[i], &removed, &e) ==
			    NLP_OK && removed == 0, "removing twice: %s", e.msg);
	scan(&s);
	cr_assert_eq(s.n, 4, "the four bad names stay");
	cr_assert_eq(entries(in_dir("outside")), 1);
	cr_assert_eq(nlp_store_check(dir, hex[0], -1, &e), NLP_NO);
	assert_has(e.msg, "is missing");
}

TEST(scan_lists_only_puts_own_temporary_files_in_tmp)
{
	struct seen s;

	cr_assert_eq(mkdir(in_dir("tmp"), 0755), 0);
	spit_file(in_dir("tmp/put-abc123.tmp"), "ours", 4);
	spit_file(in_dir("tmp/notes.txt"), "a user's", 8);
	spit_file(in_dir("tmp/put-ABC.tmp"), "not our pattern", 15);
	spit_file(in_dir("tmp/put-.tmp"), "not our pattern", 15);
	cr_assert_eq(mkdir(in_dir("tmp/put-dir.tmp"), 0755), 0);
	spit_file(in_dir("tmp/put-dir.tmp/inside"), "x", 1);
	cr_assert_eq(mkfifo(in_dir("tmp/put-fifo.tmp"), 0644), 0);
	cr_assert_eq(symlink(in_dir("tmp/notes.txt"), in_dir("tmp/put-link.tmp")),
	    0);
	scan(&s);
	cr_assert_eq(s.n, 1);
	cr_assert_str_eq(s.v[0].path, in_dir("tmp/put-abc123.tmp"));
	cr_assert(s.v[0].is_temp);
}

TEST(a_symbolic_link_in_place_of_tmp_or_objects_is_refused)
{
	char hex[NLP_SHA256_HEX];
	struct nlp_err e = { 0 };
	struct seen s;
	int created;

	cr_assert_eq(mkdir(in_dir("elsewhere"), 0755), 0);
	spit_file(in_dir("elsewhere/put-aaaa.tmp"), "not the store's", 15);
	cr_assert_eq(symlink(in_dir("elsewhere"), in_dir("tmp")), 0);
	memset(&s, 0, sizeof s);
	cr_assert_eq(nlp_store_scan(dir, collect, &s, &e), NLP_REGISTRY);
	assert_has(e.msg, "tmp' is a symbolic link or not a directory");
	cr_assert_eq(s.n, 0);
	nlp_sha256_hex("x", 1, hex);
	cr_assert_eq(nlp_store_put(dir, hex, "x", 1, &created, &e), NLP_REGISTRY);
	cr_assert_eq(unlink(in_dir("tmp")), 0);
	cr_assert_eq(symlink(in_dir("elsewhere"), in_dir("objects")), 0);
	cr_assert_eq(nlp_store_put(dir, hex, "x", 1, &created, &e), NLP_REGISTRY);
	assert_has(e.msg, "objects' is a symbolic link or not a directory");
	cr_assert_eq(nlp_store_check(dir, hex, -1, &e), NLP_REGISTRY);
	cr_assert_eq(entries(in_dir("elsewhere")), 1);
}

TEST(remove_leaves_a_directory_swapped_after_the_scan_alone)
{
	struct nlp_err e = { 0 };
	struct seen s;
	int removed;

	cr_assert_eq(mkdir(in_dir("tmp"), 0755), 0);
	spit_file(in_dir("tmp/put-abc123.tmp"), "ours", 4);
	scan(&s);
	cr_assert_eq(s.n, 1);
	/* tmp swapped for a link to a directory with a file of that name */
	cr_assert_eq(rename(in_dir("tmp"), in_dir("old")), 0);
	cr_assert_eq(mkdir(in_dir("victim"), 0755), 0);
	spit_file(in_dir("victim/put-abc123.tmp"), "precious", 8);
	cr_assert_eq(symlink(in_dir("victim"), in_dir("tmp")), 0);
	cr_assert_eq(nlp_store_remove(dir, &s.v[0], &removed, &e), NLP_REGISTRY);
	cr_assert_eq(entries(in_dir("victim")), 1);
	/* or for another real directory: not the one scanned, left alone */
	cr_assert_eq(unlink(in_dir("tmp")), 0);
	cr_assert_eq(rename(in_dir("victim"), in_dir("tmp")), 0);
	cr_assert_eq(nlp_store_remove(dir, &s.v[0], &removed, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(removed, 0, "reported as removed");
	cr_assert_eq(entries(in_dir("tmp")), 1);
	cr_assert_eq(entries(in_dir("old")), 1);
}

/* ---- modes ---- */

/* The modes of DIR/tmp, objects, objects/sha256, its ab/ for hex. */
static void
dirs_have_mode(const char *hex, mode_t want)
{
	char path[PATH_MAX];
	const char *const sub[] = { "tmp", "objects", "objects/sha256" };

	for (int i = 0; i < 3; i++)
		cr_assert_eq(mode_of(in_dir(sub[i])), want, "%s: %o, expected %o",
		    sub[i], (unsigned)mode_of(in_dir(sub[i])), (unsigned)want);
	snprintf(path, sizeof path, "%s/%.2s", in_dir("objects/sha256"), hex);
	cr_assert_eq(mode_of(path), want, "%s: %o, expected %o", path,
	    (unsigned)mode_of(path), (unsigned)want);
}

/*
 * Under umask 077, with dir at mode dir_mode: a put of bytes makes
 * directories of mode want_dir and an object of mode want_object, and
 * nlp_store_fix_mode() leaves a new file of mode 0600 at want_file.
 */
static void
modes_are(mode_t dir_mode, const char *bytes, mode_t want_dir,
    mode_t want_object, mode_t want_file)
{
	char hex[NLP_SHA256_HEX];
	int fd;

	cr_assert_eq(chmod(dir, dir_mode), 0);
	cr_assert_eq(nlp_store_shared(dir), (dir_mode & 02020) == 02020);
	umask(077);
	put(bytes, strlen(bytes), hex, NULL);
	dirs_have_mode(hex, want_dir);
	cr_assert_eq(mode_of(object(hex)), want_object, "object: %o",
	    (unsigned)mode_of(object(hex)));
	fd = open(in_dir("registry.db"), O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert_geq(fd, 0);
	nlp_store_fix_mode(dir, fd, 0);
	close(fd);
	cr_assert_eq(mode_of(in_dir("registry.db")), want_file);
}

TEST(a_shared_registry_gets_group_writable_directories_whatever_the_umask)
{
	modes_are(02775, "shared", 02775, 0444, 0664);
}

TEST(a_private_registry_follows_the_umask_and_objects_are_read_only)
{
	char hex[NLP_SHA256_HEX];

	modes_are(0700, "private", 0700, 0400, 0600);
	umask(022);
	put("public", 6, hex, NULL);
	cr_assert_eq(mode_of(object(hex)), 0444);
}

TEST(a_group_writable_directory_without_setgid_is_not_shared)
{
	cr_assert_eq(chmod(dir, 0775), 0);
	cr_assert(!nlp_store_shared(dir));
	cr_assert(!nlp_store_shared(in_dir("none")));
}

/* ---- hostile names ---- */

TEST(store_path_refuses_every_name_but_64_lowercase_hex_digits)
{
	static const char *const bad[] = {
		"..", "../../etc/passwd", "",
		"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555",
		"e3/0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"../0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g",
	};
	const char *good = "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855";
	char buf[PATH_MAX];

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		strcpy(buf, "unchanged");
		cr_assert_eq(nlp_store_path("/r", bad[i], buf, sizeof buf), -1,
		    "accepted '%s'", bad[i]);
		cr_assert_str_eq(buf, "", "left a path for '%s'", bad[i]);
		cr_assert(!nlp_store_valid_hex(bad[i]), "%s", bad[i]);
	}
	cr_assert(!nlp_store_valid_hex(NULL));
	cr_assert_eq(nlp_store_path("/r", NULL, buf, sizeof buf), -1);
	cr_assert_eq(nlp_store_path("/r", good, buf, sizeof buf), 0);
	cr_assert_str_eq(buf, "/r/objects/sha256/e3/b0c44298fc1c149afbf4c8996"
	    "fb92427ae41e4649b934ca495991b7852b855");
	cr_assert_eq(nlp_store_path("/r", good, buf, 20), -1, "did not fit");
	cr_assert_eq(nlp_store_path("/r", good, buf, strlen("/r/objects/sha256/"
	    "e3/") + 62 + 1), 0);
}

TEST(put_check_and_export_refuse_a_hostile_name_and_touch_nothing)
{
	const char *hostile = "../../../../../../../../../../../../../tmp/x\n";
	struct nlp_err e = { 0 };
	int created = -1;

	cr_assert_eq(nlp_store_put(dir, hostile, "x", 1, &created, &e),
	    NLP_DATA);
	cr_assert_eq(created, 0);
	assert_has(e.msg, "is not an object name");
	cr_assert_null(strchr(e.msg, '\n'), "the report is not one line");
	cr_assert_eq(nlp_store_check(dir, hostile, -1, &e), NLP_DATA);
	cr_assert_eq(nlp_store_export(dir, "..", in_dir("out"), &e), NLP_DATA);
	cr_assert_eq(entries(dir), 0);
}

TEST(a_registry_path_too_long_for_an_object_is_an_error_not_a_cut_path)
{
	char *longdir = malloc(PATH_MAX), hex[NLP_SHA256_HEX];
	struct nlp_err e = { 0 };
	struct seen s = { 0 };
	int created = -1;

	cr_assert_not_null(longdir);
	memset(longdir, 'd', PATH_MAX - 40);
	longdir[0] = '/';
	longdir[PATH_MAX - 40] = '\0';
	nlp_sha256_hex("x", 1, hex);
	cr_assert_eq(nlp_store_put(longdir, hex, "x", 1, &created, &e), NLP_IO);
	assert_has(e.msg, "cannot ");
	cr_assert_eq(nlp_store_check(longdir, hex, -1, &e), NLP_IO);
	assert_has(e.msg, "cannot ");
	cr_assert_eq(nlp_store_scan(longdir, collect, &s, &e), NLP_IO);
	assert_has(e.msg, "cannot ");
	cr_assert_eq(s.n, 0);
	free(longdir);
}

/* ---- a full and a read-only disk ---- */

/* What the child of the tmpfs test found, sent back through a pipe. */
struct disk_report {
	int skipped;                 /* no private tmpfs: why in msg_full */
	int full_status, ro_status, small_status, check_status;
	int files_left;              /* regular files anywhere in the store */
	int scanned;                 /* entries scan found after the failure */
	char msg_full[1024], msg_ro[1024];
};

static int files_counted;

static int
count_file(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path, (void)ftw;
	if (flag == FTW_F && S_ISREG(st->st_mode))
		files_counted++;
	return 0;
}

static int
count_entry(void *arg, const struct nlp_store_entry *en)
{
	(void)en;
	++*(int *)arg;
	return 0;
}

/* Write s to the file path; 0 or -1. */
static int
write_proc(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

/*
 * Enter a private mount namespace (a new user namespace too, where we are
 * not privileged) and mount a 64 KiB tmpfs at mnt; 0, or -1 with the
 * reason in why.
 */
static int
private_tmpfs(const char *mnt, char *why, size_t n)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (unshare(CLONE_NEWNS) != 0) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
			snprintf(why, n, "unshare: %s", strerror(errno));
			return -1;
		}
		snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
		if (write_proc("/proc/self/uid_map", map) != 0 ||
		    write_proc("/proc/self/setgroups", "deny") != 0 ||
		    (snprintf(map, sizeof map, "0 %u 1", (unsigned)gid),
		    write_proc("/proc/self/gid_map", map)) != 0) {
			snprintf(why, n, "user namespace maps: %s",
			    strerror(errno));
			return -1;
		}
	}
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("tmpfs", mnt, "tmpfs", 0, "size=64k,mode=0755") != 0) {
		snprintf(why, n, "mount: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The child: fill the tmpfs registry, then make it read-only. */
static void
disk_child(const char *mnt, struct disk_report *r)
{
	unsigned char *big = random_bytes(1 << 20, 9);
	char hex[NLP_SHA256_HEX], small_hex[NLP_SHA256_HEX];
	struct nlp_err e = { 0 };
	int created;

	if (private_tmpfs(mnt, r->msg_full, sizeof r->msg_full) != 0) {
		r->skipped = 1;
		free(big);
		return;
	}
	nlp_sha256_hex(big, 1 << 20, hex);
	r->full_status = nlp_store_put(mnt, hex, big, 1 << 20, &created, &e);
	snprintf(r->msg_full, sizeof r->msg_full, "%s", e.msg);
	nftw(mnt, count_file, 16, FTW_PHYS);
	r->files_left = files_counted;
	nlp_store_scan(mnt, count_entry, &r->scanned, NULL);
	nlp_sha256_hex("small", 5, small_hex);
	r->small_status = nlp_store_put(mnt, small_hex, "small", 5, &created,
	    &e);
	if (mount("none", mnt, "tmpfs", MS_REMOUNT | MS_RDONLY, NULL) != 0) {
		r->ro_status = -1;
		snprintf(r->msg_ro, sizeof r->msg_ro, "remount: %s",
		    strerror(errno));
	} else {
		nlp_sha256_hex("other", 5, hex);
		r->ro_status = nlp_store_put(mnt, hex, "other", 5, &created, &e);
		snprintf(r->msg_ro, sizeof r->msg_ro, "%s", e.msg);
		r->check_status = nlp_store_check(mnt, small_hex, 5, NULL);
	}
	free(big);
}

TEST(a_full_or_read_only_disk_fails_the_put_and_leaves_no_object)
{
	struct disk_report r;
	int fds[2], status;
	pid_t pid;

	cr_assert_eq(mkdir(in_dir("mnt"), 0755), 0);
	cr_assert_eq(pipe(fds), 0);
	cr_assert_neq(pid = fork(), -1);
	if (pid == 0) {
		memset(&r, 0, sizeof r);
		close(fds[0]);
		disk_child(in_dir("mnt"), &r);
		_exit(write(fds[1], &r, sizeof r) == (ssize_t)sizeof r ? 0 : 1);
	}
	close(fds[1]);
	cr_assert_eq(read(fds[0], &r, sizeof r), (ssize_t)sizeof r);
	close(fds[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert_eq(status, 0);
	if (r.skipped) {
		remove_test_dir();   /* Criterion skips .fini after cr_skip */
		cr_skip("no private tmpfs here (%s): cannot fill a disk or make "
		    "it read-only", r.msg_full);
	}
	cr_assert_eq(r.full_status, NLP_IO, "%s", r.msg_full);
	assert_has(r.msg_full, "No space left on device");
	cr_assert_eq(r.files_left, 0, "the failed put left %d files",
	    r.files_left);
	cr_assert_eq(r.scanned, 0);
	cr_assert_eq(r.small_status, NLP_OK, "the store is unusable after a "
	    "full disk");
	cr_assert_eq(r.ro_status, NLP_IO, "%s", r.msg_ro);
	assert_has(r.msg_ro, "Read-only file system");
	cr_assert_eq(r.check_status, NLP_OK, "cannot check on a read-only disk");
	cr_assert_eq(entries(in_dir("mnt")), 0, "the tmpfs leaked out");
}
