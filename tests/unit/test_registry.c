/*
 * test_registry.c - the SQLite model registry (lib/registry.h): model
 * references and names, opening (missing, new, foreign, newer schema),
 * push and resolve, deduplication, aliases and their compare-and-swap,
 * rollback over the event log, rm, reads, pull, verify and gc.  Each test
 * runs in its own temporary directory; the registry is DIR/reg.
 *
 * Artifacts are small: nlp_artifact_write_mem() with a meta.json member
 * (what the registry needs) and a few bytes of "weights".
 *
 * Tests whose comment says BUG show a product bug; they fail until it is
 * fixed.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "artifact.h"
#include "digest.h"
#include "files.h"
#include "leak_test.h"
#include "model.h"
#include "modelref.h"
#include "registry.h"
#include "store.h"

#define TEST(name) LEAK_TEST(registry, name)

static char reg[96];            /* the registry: dir/reg */

static void
setup(void)
{
	make_test_dir("registry");
	snprintf(reg, sizeof reg, "%s/reg", dir);
	umask(022);
}

static void
teardown(void)
{
	remove_test_dir();
}

TestSuite(registry, .init = setup, .fini = teardown);

#define assert_has(msg, part) \
	cr_assert_not_null(strstr((msg), (part)), "'%s' lacks '%s'", (msg), (part))

/* ---- helpers ---- */

/* A tiny valid weights member (malloc'd): two labels, one feature; the
 * registry loads the weights of what it is pushed, as predict would. */
static void *
tiny_weights(size_t *len)
{
	static const char *const labels[] = { "a", "b" };
	struct nlp_feat_opts f = { .ngrams = 1, .bits = NLP_BITS_MIN, .seed = 1 };
	const uint32_t keys[] = { 7 };
	const float idf[] = { 1 }, bias[] = { 0, 0 }, w[] = { 1, -1 };
	struct nlp_err e = { 0 };
	void *out = NULL;

	cr_assert_eq(nlp_model_serialize(&out, len, &f, labels, 2, keys, idf, 1,
	    bias, w, &e), NLP_OK, "%s", e.msg);
	return out;
}

/* A small artifact (malloc'd) whose meta.json says seed n. */
static void *
artifact(int n, size_t *len)
{
	static const char meta_fmt[] =
	    "{\"seed\": %d, \"hyperparameters\": {\"epochs\": 1, \"seed\": %d},"
	    " \"held_out\": {\"accuracy\": 0.5}, \"examples\": 10,"
	    " \"labels\": [{\"label\": \"a\", \"count\": 5},"
	    " {\"label\": \"b\", \"count\": 5}],"
	    " \"inputs\": [{\"name\": \"d.tsv\", \"sha256\":"
	    " \"%064d\", \"bytes\": 42}]}";
	char meta[1024];
	struct nlp_member m[2];
	struct nlp_err e = { 0 };
	void *out = NULL, *w;
	size_t wlen;

	snprintf(meta, sizeof meta, meta_fmt, n, n, n);
	w = tiny_weights(&wlen);
	m[0] = (struct nlp_member){ "weights", w, wlen };
	m[1] = (struct nlp_member){ "meta.json", meta, strlen(meta) };
	cr_assert_eq(nlp_artifact_write_mem(&out, len, m, 2, 0, &e), NLP_OK,
	    "%s", e.msg);
	free(w);
	return out;
}

/* An artifact from arbitrary members (malloc'd). */
static void *
artifact_of(const struct nlp_member *m, size_t n, size_t *len)
{
	struct nlp_err e = { 0 };
	void *out = NULL;

	cr_assert_eq(nlp_artifact_write_mem(&out, len, m, n, 0, &e), NLP_OK,
	    "%s", e.msg);
	return out;
}

static struct nlp_registry *
open_rw(void)
{
	struct nlp_registry *r = NULL;
	struct nlp_err e = { 0 };

	cr_assert_eq(nlp_registry_open(&r, reg, 1, &e), NLP_OK, "%s", e.msg);
	cr_assert_not_null(r);
	return r;
}

/* Push artifact n as name (alias: or NULL); the result in *res. */
static void
push_n(struct nlp_registry *r, const char *name, int n, const char *alias,
    struct nlp_push_result *res)
{
	struct nlp_push_opts o = { 0 };
	struct nlp_push_result tmp;
	struct nlp_err e = { 0 };
	size_t len;
	void *a = artifact(n, &len);

	o.name = name;
	o.alias = alias;
	o.who = "tester";
	cr_assert_eq(nlp_registry_push(r, a, len, &o, res ? res : &tmp, &e),
	    NLP_OK, "%s", e.msg);
	free(a);
}

/* The version ref (e.g. "spam@production") resolves to; 0 when it does
 * not resolve (then NLP_REGISTRY is required). */
static long
resolve(struct nlp_registry *r, const char *s)
{
	struct nlp_ref ref;
	struct nlp_resolved res;
	struct nlp_err e = { 0 };
	int rc;

	cr_assert_eq(nlp_modelref_parse(s, &ref, &e), NLP_OK, "%s", e.msg);
	rc = nlp_registry_resolve(r, &ref, &res, &e);
	if (rc == NLP_REGISTRY)
		return 0;
	cr_assert_eq(rc, NLP_OK, "%s", e.msg);
	return res.version;
}

static void
set_alias(struct nlp_registry *r, const char *name, long v, const char *alias)
{
	struct nlp_err e = { 0 };
	long old;

	cr_assert_eq(nlp_registry_alias_set(r, name, v, alias, 0, "tester", NULL,
	    &old, &e), NLP_OK, "%s", e.msg);
}

/* Roll alias back: the status; *from and *to as the call sets them. */
static int
roll(struct nlp_registry *r, const char *name, const char *alias, long *from,
    long *to)
{
	struct nlp_err e = { 0 };
	int rc = nlp_registry_rollback(r, name, alias, 0, "tester", "test", from,
	    to, &e);

	if (rc != NLP_OK)
		cr_assert_gt(strlen(e.msg), 0, "an error without a message");
	return rc;
}

/* The number of events the registry logged for name. */
static size_t
nevents(struct nlp_registry *r, const char *name)
{
	struct nlp_err e = { 0 };
	json_t *h;
	size_t n;

	cr_assert_eq(nlp_registry_history(r, name, NULL, &h, &e), NLP_OK, "%s",
	    e.msg);
	n = json_array_size(h);
	json_decref(h);
	return n;
}

/* The object file of hex in reg, in a static buffer. */
static const char *
object(const char *hex)
{
	static char path[PATH_MAX];

	cr_assert_eq(nlp_store_path(reg, hex, path, sizeof path), 0);
	return path;
}

/* Flip one byte of an object in place (objects are read-only). */
static void
flip_byte(const char *path, off_t at)
{
	unsigned char c;
	int fd;

	cr_assert_eq(chmod(path, 0644), 0);
	fd = open(path, O_RDWR);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pread(fd, &c, 1, at), 1);
	c ^= 0x20;
	cr_assert_eq(pwrite(fd, &c, 1, at), 1);
	close(fd);
}

/* One integer from SQL on the database file (a separate connection). */
static long long
sql_int(const char *dbpath, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long long v = -1;

	cr_assert_eq(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READWRITE, NULL),
	    SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK,
	    "%s", sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* Run SQL on a database file; SQLite's status. */
static int
sql_exec(const char *dbpath, const char *sql)
{
	sqlite3 *db;
	int rc;

	cr_assert_eq(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static const char *
dbpath(void)
{
	static char p[PATH_MAX];

	snprintf(p, sizeof p, "%s/registry.db", reg);
	return p;
}

/* ---- references and names ---- */

TEST(ref_parse_reads_name_version_alias_and_bare_name)
{
	struct nlp_ref ref;
	struct nlp_err e = { 0 };

	cr_assert_eq(nlp_modelref_parse("spam", &ref, &e), NLP_OK, "%s", e.msg);
	cr_assert_str_eq(ref.name, "spam");
	cr_assert_str_eq(ref.alias, "production");
	cr_assert_eq(ref.version, 0);

	cr_assert_eq(nlp_modelref_parse("spam@7", &ref, &e), NLP_OK, "%s", e.msg);
	cr_assert_str_eq(ref.name, "spam");
	cr_assert_str_eq(ref.alias, "");
	cr_assert_eq(ref.version, 7);

	cr_assert_eq(nlp_modelref_parse("spam@123456", &ref, &e), NLP_OK);
	cr_assert_eq(ref.version, 123456);

	cr_assert_eq(nlp_modelref_parse("spam@staging", &ref, &e), NLP_OK);
	cr_assert_str_eq(ref.name, "spam");
	cr_assert_str_eq(ref.alias, "staging");
	cr_assert_eq(ref.version, 0);

	cr_assert_eq(nlp_modelref_parse("my.model_2-x@canary-1.b", &ref, &e), NLP_OK);
	cr_assert_str_eq(ref.name, "my.model_2-x");
	cr_assert_str_eq(ref.alias, "canary-1.b");

	/* a name of exactly NLP_NAME_MAX characters */
	{
		char s[NLP_NAME_MAX + 16];
		memset(s, 'n', NLP_NAME_MAX);
		strcpy(s + NLP_NAME_MAX, "@3");
		cr_assert_eq(nlp_modelref_parse(s, &ref, &e), NLP_OK, "%s", e.msg);
		cr_assert_eq(strlen(ref.name), NLP_NAME_MAX);
		cr_assert_eq(ref.version, 3);
	}
}

TEST(ref_parse_refuses_malformed_references_as_usage_errors)
{
	static const char *const bad[] = {
		"", "spam@", "@x", "@", "@7", "a@b@c", "spam@7@8", "a b", "a b@1",
		"spam@a b", "spam@x/y", "spam/x", "-spam", ".spam", "spam@-1",
		"spam@0", "spam@+7", "spam@ 7", "spam@-x",
		"spam@99999999999999999999999", "spam\t", "sp\001am", "spam@x\n",
		"\xc3\xa9t\xc3\xa9",
	};
	char longname[NLP_NAME_MAX + 8], longalias[NLP_NAME_MAX + 16];
	struct nlp_ref ref;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct nlp_err e = { 0 };
		cr_assert_eq(nlp_modelref_parse(bad[i], &ref, &e), NLP_USAGE,
		    "'%s' was accepted", bad[i]);
		cr_assert_eq(e.status, NLP_USAGE);
		cr_assert_gt(strlen(e.msg), 0);
	}
	/* too long: a name of NLP_NAME_MAX + 1, bare and with a version */
	memset(longname, 'n', NLP_NAME_MAX + 1);
	longname[NLP_NAME_MAX + 1] = '\0';
	{
		struct nlp_err e = { 0 };
		cr_assert_eq(nlp_modelref_parse(longname, &ref, &e), NLP_USAGE);
		strcat(longname, "@1");
		cr_assert_eq(nlp_modelref_parse(longname, &ref, &e), NLP_USAGE);
	}
	/* an alias of NLP_NAME_MAX + 1 */
	strcpy(longalias, "m@");
	memset(longalias + 2, 'a', NLP_NAME_MAX + 1);
	longalias[NLP_NAME_MAX + 3] = '\0';
	{
		struct nlp_err e = { 0 };
		cr_assert_eq(nlp_modelref_parse(longalias, &ref, &e), NLP_USAGE);
		longalias[NLP_NAME_MAX + 2] = '\0';   /* exactly the maximum */
		cr_assert_eq(nlp_modelref_parse(longalias, &ref, &e), NLP_OK, "%s",
		    e.msg);
		cr_assert_eq(strlen(ref.alias), NLP_NAME_MAX);
	}
}

/*
 * Regression (fixed): an alias that starts with a digit ("1a", "2024-q1") is valid for
 * nlp_registry_valid_alias() and can be set (`registry alias spam 1 1a`,
 * `push --alias 1a`), but nlp_modelref_parse("spam@1a") refuses it as
 * malformed (it tries a version number and gives up), so the alias can
 * never be used: `predict -m spam@1a` exits 2.
 */
TEST(ref_parse_accepts_every_valid_alias_even_one_starting_with_a_digit)
{
	struct nlp_ref ref;
	struct nlp_err e = { 0 };

	cr_assert(nlp_registry_valid_alias("1a"));
	cr_assert(nlp_registry_valid_alias("2024-q1"));
	cr_expect_eq(nlp_modelref_parse("spam@1a", &ref, &e), NLP_OK,
	    "valid alias '1a' is unusable in a reference: %s", e.msg);
	cr_expect_str_eq(ref.alias, "1a");
	cr_expect_eq(nlp_modelref_parse("spam@2024-q1", &ref, &e), NLP_OK,
	    "valid alias '2024-q1' is unusable in a reference: %s", e.msg);
}

TEST(valid_name_and_alias_follow_the_rules)
{
	static const char *const good[] = {
		"a", "Z", "0", "spam", "Spam-2.v_1", "a.", "a-", "a_", "9lives",
	};
	static const char *const bad[] = {
		"", ".a", "-a", "_a", "a b", " a", "a ", "a@b", "a/b", "a\tb",
		"a\nb", "a\001", "a\177", "a:b", "a=b", "\xc3\xa9", "a\\b",
	};
	char s[NLP_NAME_MAX + 2];
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		cr_assert(nlp_registry_valid_name(good[i]), "'%s' refused", good[i]);
		cr_assert(nlp_registry_valid_alias(good[i]) ||
		    strcmp(good[i], "0") == 0, "alias '%s' refused", good[i]);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_not(nlp_registry_valid_name(bad[i]), "'%s' accepted",
		    bad[i]);
		cr_assert_not(nlp_registry_valid_alias(bad[i]), "alias '%s' "
		    "accepted", bad[i]);
	}
	memset(s, 'x', NLP_NAME_MAX);
	s[NLP_NAME_MAX] = '\0';
	cr_assert(nlp_registry_valid_name(s));
	cr_assert(nlp_registry_valid_alias(s));
	s[NLP_NAME_MAX] = 'x';
	s[NLP_NAME_MAX + 1] = '\0';
	cr_assert_not(nlp_registry_valid_name(s));
	cr_assert_not(nlp_registry_valid_alias(s));
	/* all digits: a name, but never an alias (it would read as a version) */
	cr_assert(nlp_registry_valid_name("123"));
	cr_assert_not(nlp_registry_valid_alias("123"));
	cr_assert_not(nlp_registry_valid_alias("0"));
	cr_assert(nlp_registry_valid_alias("v123"));
}

/* ---- opening ---- */

TEST(opening_a_missing_registry_read_only_fails_and_creates_nothing)
{
	struct nlp_registry *r = (struct nlp_registry *)1;
	struct nlp_err e = { 0 };
	struct stat st;

	cr_assert_eq(nlp_registry_open(&r, reg, 0, &e), NLP_REGISTRY);
	cr_assert_null(r);
	assert_has(e.msg, "no registry");
	assert_has(e.msg, reg);
	cr_assert_null(strchr(e.msg, '\n'));
	cr_assert_neq(stat(reg, &st), 0, "the registry directory was created");

	/* an existing, empty directory: still no registry, and no database */
	cr_assert_eq(mkdir(reg, 0755), 0);
	cr_assert_eq(nlp_registry_open(&r, reg, 0, &e), NLP_REGISTRY);
	cr_assert_eq(entries(reg), 0, "something was created in the directory");
}

TEST(opening_writable_creates_the_schema_with_application_id_and_version)
{
	struct nlp_registry *r = open_rw();

	cr_assert_str_eq(nlp_registry_dir(r), reg);
	nlp_registry_close(r);
	cr_assert_eq(sql_int(dbpath(), "PRAGMA application_id"), 0x4e4c504f);
	cr_assert_eq(sql_int(dbpath(), "PRAGMA user_version"), NLP_REGISTRY_SCHEMA);
	cr_assert_eq(sql_int(dbpath(), "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name IN ('models', 'versions', 'aliases', "
	    "'events', 'inputs', 'tags')"), 6);
	{
		sqlite3 *db;
		sqlite3_stmt *st;
		cr_assert_eq(sqlite3_open(dbpath(), &db), SQLITE_OK);
		cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st,
		    NULL), SQLITE_OK);
		cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
		cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	/* and it opens again, read-only too */
	{
		struct nlp_err e = { 0 };
		cr_assert_eq(nlp_registry_open(&r, reg, 0, &e), NLP_OK, "%s", e.msg);
		nlp_registry_close(r);
	}
	/* init on an existing registry adopts it */
	{
		struct nlp_err e = { 0 };
		cr_assert_eq(nlp_registry_init(reg, NULL, &e), NLP_OK, "%s", e.msg);
		cr_assert_eq(sql_int(dbpath(), "PRAGMA user_version"), NLP_REGISTRY_SCHEMA);
	}
}

TEST(init_creates_a_registry_that_opens_read_only)
{
	struct nlp_registry *r = NULL;
	struct nlp_err e = { 0 };
	char sub[PATH_MAX];

	snprintf(sub, sizeof sub, "%s/a/b/c", reg);
	cr_assert_eq(nlp_registry_init(sub, NULL, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(nlp_registry_open(&r, sub, 0, &e), NLP_OK, "%s", e.msg);
	nlp_registry_close(r);
}

TEST(events_are_append_only)
{
	struct nlp_registry *r = open_rw();

	push_n(r, "spam", 1, "production", NULL);
	nlp_registry_close(r);
	cr_assert_eq(sql_int(dbpath(), "SELECT count(*) FROM events"), 2);
	cr_assert_neq(sql_exec(dbpath(), "UPDATE events SET who = 'mallory'"),
	    SQLITE_OK);
	cr_assert_neq(sql_exec(dbpath(), "DELETE FROM events"), SQLITE_OK);
	cr_assert_eq(sql_int(dbpath(), "SELECT count(*) FROM events WHERE "
	    "who = 'tester'"), 2);
}

TEST(a_foreign_sqlite_file_is_refused_and_left_alone)
{
	struct nlp_registry *r = NULL;
	struct nlp_err e = { 0 };

	/* another application's file: its own application_id */
	cr_assert_eq(mkdir(reg, 0755), 0);
	cr_assert_eq(sql_exec(dbpath(), "CREATE TABLE t (x); INSERT INTO t "
	    "VALUES (1); PRAGMA application_id = 42;"), SQLITE_OK);
	cr_assert_eq(nlp_registry_open(&r, reg, 1, &e), NLP_REGISTRY);
	cr_assert_null(r);
	assert_has(e.msg, "not an nlpops registry");
	cr_assert_eq(nlp_registry_open(&r, reg, 0, &e), NLP_REGISTRY);
	cr_assert_eq(sql_int(dbpath(), "PRAGMA application_id"), 42);
	cr_assert_eq(sql_int(dbpath(), "SELECT count(*) FROM sqlite_master"), 1);
	cr_assert_eq(nlp_registry_init(reg, NULL, &e), NLP_REGISTRY);

	/* another application's id on a file with no tables yet */
	cr_assert_eq(unlink(dbpath()), 0);
	cr_assert_eq(sql_exec(dbpath(), "PRAGMA application_id = 42;"),
	    SQLITE_OK);
	cr_assert_eq(nlp_registry_open(&r, reg, 1, &e), NLP_REGISTRY);
	cr_assert_null(r);
	cr_assert_eq(sql_int(dbpath(), "PRAGMA application_id"), 42);
	cr_assert_eq(sql_int(dbpath(), "SELECT count(*) FROM sqlite_master"), 0);

	/* no application_id, but tables of its own */
	cr_assert_eq(unlink(dbpath()), 0);
	cr_assert_eq(sql_exec(dbpath(), "CREATE TABLE t (x);"), SQLITE_OK);
	cr_assert_eq(nlp_registry_open(&r, reg, 1, &e), NLP_REGISTRY);
	assert_has(e.msg, "not an nlpops registry");
	cr_assert_eq(sql_int(dbpath(), "SELECT count(*) FROM sqlite_master"), 1);
	cr_assert_eq(sql_int(dbpath(), "PRAGMA application_id"), 0);

	/* not SQLite at all */
	cr_assert_eq(unlink(dbpath()), 0);
	spit_file(dbpath(), "this is not a database, only some text that is "
	    "longer than a SQLite header would be.................", 100);
	cr_assert_eq(nlp_registry_open(&r, reg, 0, &e), NLP_REGISTRY);
	cr_assert_null(r);
}

/*
 * Regression (fixed): a foreign SQLite file with user_version 1 (a common choice) and no
 * application_id is adopted by a writable open: setup_schema() only looks
 * for foreign tables when user_version is 0.  `registry init` then exits
 * 0 and `registry push` fails with "no such table: models" (exit 4)
 * instead of "not an nlpops registry" (exit 5).
 */
TEST(a_foreign_sqlite_file_with_user_version_1_is_refused)
{
	struct nlp_registry *r = NULL;
	struct nlp_err e = { 0 };
	int rc;

	cr_assert_eq(mkdir(reg, 0755), 0);
	cr_assert_eq(sql_exec(dbpath(), "CREATE TABLE t (x); PRAGMA "
	    "user_version = 1;"), SQLITE_OK);
	rc = nlp_registry_open(&r, reg, 1, &e);
	nlp_registry_close(r);
	cr_expect_eq(rc, NLP_REGISTRY, "a foreign SQLite file with "
	    "user_version 1 was opened as a registry");
	cr_expect_eq(sql_int(dbpath(), "SELECT count(*) FROM sqlite_master"), 1);
}

TEST(a_newer_schema_is_refused)
{
	struct nlp_registry *r = open_rw();
	struct nlp_err e = { 0 };

	push_n(r, "spam", 1, NULL, NULL);
	nlp_registry_close(r);
	cr_assert_eq(sql_exec(dbpath(), "PRAGMA user_version = 99"), SQLITE_OK);
	r = NULL;
	cr_assert_eq(nlp_registry_open(&r, reg, 0, &e), NLP_REGISTRY);
	cr_assert_null(r);
	assert_has(e.msg, "newer");
	cr_assert_eq(nlp_registry_open(&r, reg, 1, &e), NLP_REGISTRY);
	cr_assert_null(r);
	cr_assert_eq(sql_int(dbpath(), "PRAGMA user_version"), 99,
	    "the schema version was changed");
	cr_assert_eq(sql_int(dbpath(), "SELECT count(*) FROM versions"), 1);
}

/* ---- push and resolve ---- */

TEST(push_then_resolve_round_trip)
{
	struct nlp_registry *r = open_rw();
	struct nlp_push_opts o = { 0 };
	struct nlp_push_result res;
	struct nlp_resolved rv;
	struct nlp_ref ref;
	struct nlp_err e = { 0 };
	char hex[NLP_SHA256_HEX];
	size_t len;
	void *a = artifact(1, &len);
	struct stat st;

	o.name = "spam";
	o.who = "tester";
	o.source = "unit";
	o.description = "first";
	cr_assert_eq(nlp_registry_push(r, a, len, &o, &res, &e), NLP_OK, "%s",
	    e.msg);
	nlp_sha256_hex(a, len, hex);
	cr_assert_eq(res.version, 1);
	cr_assert_eq(res.existed, 0);
	cr_assert_str_eq(res.sha256, hex);

	cr_assert_eq(nlp_modelref_parse("spam@1", &ref, &e), NLP_OK);
	cr_assert_eq(nlp_registry_resolve(r, &ref, &rv, &e), NLP_OK, "%s", e.msg);
	cr_assert_str_eq(rv.name, "spam");
	cr_assert_eq(rv.version, 1);
	cr_assert_str_eq(rv.sha256, hex);
	cr_assert_eq(rv.size, (int64_t)len);
	cr_assert_str_eq(rv.path, object(hex));
	file_is(rv.path, a, len);
	cr_assert_eq(stat(rv.path, &st), 0);
	cr_assert_eq(st.st_mode & 0222, 0, "an object is writable");
	cr_assert_eq(entries(in_dir("reg/tmp")), 0, "a temporary file was left");

	/* no production alias yet: the bare name does not resolve */
	cr_assert_eq(nlp_modelref_parse("spam", &ref, &e), NLP_OK);
	cr_assert_eq(nlp_registry_resolve(r, &ref, &rv, &e), NLP_REGISTRY);
	assert_has(e.msg, "production");

	/* a second artifact with an alias: version 2, and the bare name */
	push_n(r, "spam", 2, "production", &res);
	cr_assert_eq(res.version, 2);
	cr_assert_eq(resolve(r, "spam"), 2);
	cr_assert_eq(resolve(r, "spam@production"), 2);
	cr_assert_eq(resolve(r, "spam@1"), 1);
	free(a);
	nlp_registry_close(r);
}

TEST(unknown_references_are_registry_errors)
{
	struct nlp_registry *r = open_rw();
	static const char *const unknown[] = {
		"nosuch", "nosuch@1", "spam@99", "spam@nosuchalias", "spam",
	};
	struct nlp_resolved rv;
	struct nlp_ref ref;
	size_t i;

	push_n(r, "spam", 1, NULL, NULL);
	for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
		struct nlp_err e = { 0 };
		cr_assert_eq(nlp_modelref_parse(unknown[i], &ref, &e), NLP_OK);
		cr_assert_eq(nlp_registry_resolve(r, &ref, &rv, &e), NLP_REGISTRY,
		    "'%s' resolved", unknown[i]);
		cr_assert_eq(e.status, NLP_REGISTRY);
		cr_assert_gt(strlen(e.msg), 0);
		cr_assert_null(strchr(e.msg, '\n'));
	}
	nlp_registry_close(r);
}

TEST(pushing_the_same_bytes_again_makes_no_new_version)
{
	struct nlp_registry *r = open_rw();
	struct nlp_push_result res;

	push_n(r, "spam", 1, NULL, &res);
	push_n(r, "spam", 2, NULL, &res);
	cr_assert_eq(res.version, 2);
	push_n(r, "spam", 1, NULL, &res);
	cr_assert_eq(res.existed, 1);
	cr_assert_eq(res.version, 1, "said version %ld", res.version);
	cr_assert_eq(nevents(r, "spam"), 2, "the repeat push was logged");
	{
		struct nlp_err e = { 0 };
		json_t *l;
		cr_assert_eq(nlp_registry_list(r, "spam", &l, &e), NLP_OK);
		cr_assert_eq(json_array_size(l), 2);
		json_decref(l);
	}
	/* the same bytes with an alias: the alias is set on the old version */
	push_n(r, "spam", 1, "production", &res);
	cr_assert_eq(res.existed, 1);
	cr_assert_eq(resolve(r, "spam"), 1);
	/* the same bytes under another name are that name's version 1 */
	push_n(r, "ham", 2, NULL, &res);
	cr_assert_eq(res.existed, 0);
	cr_assert_eq(res.version, 1);
	/* a new version after that continues the numbering */
	push_n(r, "spam", 3, NULL, &res);
	cr_assert_eq(res.version, 3);
	nlp_registry_close(r);
}

TEST(push_refuses_what_is_not_an_artifact_and_changes_nothing)
{
	static const char *const bad_meta[][2] = {
		{ "{\"hyperparameters\": [1]}", "'hyperparameters'" },
		{ "{\"hyperparameters\": \"x\"}", "'hyperparameters'" },
		{ "{\"held_out\": 3}", "'held_out'" },
		{ "{\"inputs\": {}}", "'inputs'" },
		{ "{\"inputs\": [{\"name\": 1}]}", "'inputs'" },
		{ "{\"inputs\": [{\"name\": \"a\\nb\", \"sha256\": \"" \
		    "0000000000000000000000000000000000000000000000000000000000000000"
		    "\", \"bytes\": 1}]}", "'inputs'" },
		{ "{\"inputs\": [{\"name\": \"a\", \"sha256\": \"xyz\", "
		    "\"bytes\": 1}]}", "'inputs'" },
		{ "{\"examples\": -3}", "'examples'" },
		{ "{\"labels\": 7}", "'labels'" },
	};
	struct nlp_registry *r = open_rw();
	struct nlp_push_opts o = { 0 };
	struct nlp_push_result res;
	struct nlp_err e = { 0 };
	struct nlp_member m[2];
	size_t len, wlen;
	void *a, *w;
	json_t *l;

	o.name = "spam";
	o.who = "tester";
	cr_assert_eq(nlp_registry_push(r, "hello world\n", 12, &o, &res, &e),
	    NLP_DATA);
	/* an artifact without meta.json */
	w = tiny_weights(&wlen);
	m[0] = (struct nlp_member){ "weights", w, wlen };
	a = artifact_of(m, 1, &len);
	cr_assert_eq(nlp_registry_push(r, a, len, &o, &res, &e), NLP_DATA);
	free(a);
	/* meta.json that is JSON, but not an object */
	m[1] = (struct nlp_member){ "meta.json", "[1, 2]", 6 };
	a = artifact_of(m, 2, &len);
	cr_assert_eq(nlp_registry_push(r, a, len, &o, &res, &e), NLP_DATA);
	assert_has(e.msg, "meta.json");
	free(a);
	/* meta.json that is not JSON */
	m[1] = (struct nlp_member){ "meta.json", "{nope", 5 };
	a = artifact_of(m, 2, &len);
	cr_assert_eq(nlp_registry_push(r, a, len, &o, &res, &e), NLP_DATA);
	free(a);
	/* fields of the wrong type: bad data, never "out of memory" */
	for (size_t i = 0; i < sizeof bad_meta / sizeof *bad_meta; i++) {
		m[1] = (struct nlp_member){ "meta.json", bad_meta[i][0],
		    strlen(bad_meta[i][0]) };
		a = artifact_of(m, 2, &len);
		cr_assert_eq(nlp_registry_push(r, a, len, &o, &res, &e), NLP_DATA,
		    "%s: %s", bad_meta[i][0], e.msg);
		assert_has(e.msg, bad_meta[i][1]);
		free(a);
	}
	/* weights that predict could not load: not pushed */
	m[0] = (struct nlp_member){ "weights", "xyz", 3 };
	m[1] = (struct nlp_member){ "meta.json", "{}", 2 };
	a = artifact_of(m, 2, &len);
	cr_assert_eq(nlp_registry_push(r, a, len, &o, &res, &e), NLP_DATA);
	assert_has(e.msg, "weights");
	free(a);
	free(w);
	/* a valid artifact cut short */
	a = artifact(1, &len);
	cr_assert_eq(nlp_registry_push(r, a, len / 2, &o, &res, &e), NLP_DATA);
	free(a);

	cr_assert_eq(nlp_registry_list(r, NULL, &l, &e), NLP_OK);
	cr_assert_eq(json_array_size(l), 0, "a model was made");
	json_decref(l);
	cr_assert_eq(sql_int(dbpath(), "SELECT count(*) FROM events"), 0);
	nlp_registry_close(r);
	{
		char objs[PATH_MAX];
		struct stat st;
		snprintf(objs, sizeof objs, "%s/objects/sha256", reg);
		cr_assert(stat(objs, &st) != 0 || entries(objs) == 0,
		    "an object was stored");
	}
}

TEST(push_validates_the_name_alias_and_tags)
{
	static const char *const bad_names[] = {
		"", "a@b", "a/b", "a b", "a\tb", "a\nb", "a\001b", "-a", ".a",
		"\xc3\xa9",
	};
	static const char *const bad_aliases[] = {
		"", "a@b", "a/b", "a b", "123", "a\001", "-x",
	};
	struct nlp_registry *r = open_rw();
	struct nlp_push_opts o = { 0 };
	struct nlp_push_result res;
	struct nlp_err e = { 0 };
	const char *tags[2];
	size_t len, i;
	void *a = artifact(1, &len);

	o.who = "tester";
	for (i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
		o.name = bad_names[i];
		cr_assert_eq(nlp_registry_push(r, a, len, &o, &res, &e), NLP_USAGE,
		    "name '%s' accepted", bad_names[i]);
	}
	o.name = "spam";
	for (i = 0; i < sizeof bad_aliases / sizeof bad_aliases[0]; i++) {
		o.alias = bad_aliases[i];
		cr_assert_eq(nlp_registry_push(r, a, len, &o, &res, &e), NLP_USAGE,
		    "alias '%s' accepted", bad_aliases[i]);
	}
	o.alias = NULL;
	o.tags = tags;
	o.ntags = 1;
	tags[0] = "novalue";
	cr_assert_eq(nlp_registry_push(r, a, len, &o, &res, &e), NLP_USAGE);
	tags[0] = "=v";
	cr_assert_eq(nlp_registry_push(r, a, len, &o, &res, &e), NLP_USAGE);
	tags[0] = "a b=v";
	cr_assert_eq(nlp_registry_push(r, a, len, &o, &res, &e), NLP_USAGE);
	cr_assert_eq(sql_int(dbpath(), "SELECT count(*) FROM versions"), 0);

	/* good tags are kept, the last value of a repeated key wins */
	tags[0] = "team=ml";
	tags[1] = "team=nlp";
	o.ntags = 2;
	o.description = "tagged";
	cr_assert_eq(nlp_registry_push(r, a, len, &o, &res, &e), NLP_OK, "%s",
	    e.msg);
	{
		struct nlp_ref ref;
		json_t *v;
		cr_assert_eq(nlp_modelref_parse("spam@1", &ref, &e), NLP_OK);
		cr_assert_eq(nlp_registry_show(r, &ref, &v, &e), NLP_OK, "%s",
		    e.msg);
		cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
		    v, "tags"), "team")), "nlp");
		cr_assert_str_eq(json_string_value(json_object_get(v,
		    "description")), "tagged");
		json_decref(v);
	}
	free(a);
	nlp_registry_close(r);
}

/* ---- aliases ---- */

TEST(alias_compare_and_swap)
{
	struct nlp_registry *r = open_rw();
	struct nlp_err e = { 0 };
	long old = -7;
	size_t n;

	push_n(r, "spam", 1, NULL, NULL);
	push_n(r, "spam", 2, NULL, NULL);
	push_n(r, "spam", 3, NULL, NULL);

	/* -1: only when the alias does not exist yet */
	cr_assert_eq(nlp_registry_alias_set(r, "spam", 1, "production", -1,
	    "tester", NULL, &old, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(old, 0);
	n = nevents(r, "spam");
	cr_assert_eq(nlp_registry_alias_set(r, "spam", 2, "production", -1,
	    "tester", NULL, &old, &e), NLP_REGISTRY);
	cr_assert_eq(resolve(r, "spam"), 1);

	/* points elsewhere: refused, nothing changed, nothing logged */
	cr_assert_eq(nlp_registry_alias_set(r, "spam", 3, "production", 2,
	    "tester", NULL, &old, &e), NLP_REGISTRY);
	assert_has(e.msg, "spam@1");
	cr_assert_eq(resolve(r, "spam"), 1);
	cr_assert_eq(nevents(r, "spam"), n);
	/* a missing alias is not "pointing at 1" either */
	cr_assert_eq(nlp_registry_alias_set(r, "spam", 3, "staging", 1,
	    "tester", NULL, &old, &e), NLP_REGISTRY);
	cr_assert_eq(resolve(r, "spam@staging"), 0);

	/* points where expected: moved, the old version reported */
	cr_assert_eq(nlp_registry_alias_set(r, "spam", 3, "production", 1,
	    "tester", "ship", &old, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(old, 1);
	cr_assert_eq(resolve(r, "spam"), 3);
	cr_assert_eq(nevents(r, "spam"), n + 1);

	/* no such version, model or alias name */
	cr_assert_eq(nlp_registry_alias_set(r, "spam", 9, "production", 0,
	    "tester", NULL, &old, &e), NLP_REGISTRY);
	cr_assert_eq(nlp_registry_alias_set(r, "nosuch", 1, "production", 0,
	    "tester", NULL, &old, &e), NLP_REGISTRY);
	cr_assert_eq(nlp_registry_alias_set(r, "spam", 1, "12", 0,
	    "tester", NULL, &old, &e), NLP_USAGE);
	cr_assert_eq(nlp_registry_alias_set(r, "spam", 1, "a b", 0,
	    "tester", NULL, &old, &e), NLP_USAGE);
	cr_assert_eq(resolve(r, "spam"), 3);
	cr_assert_eq(nevents(r, "spam"), n + 1);
	nlp_registry_close(r);
}

TEST(alias_delete_removes_the_alias_and_logs_it)
{
	struct nlp_registry *r = open_rw();
	struct nlp_err e = { 0 };
	long old = 0;
	json_t *h;

	push_n(r, "spam", 1, "staging", NULL);
	cr_assert_eq(nlp_registry_alias_delete(r, "spam", "staging", "tester",
	    "done", &old, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(old, 1);
	cr_assert_eq(resolve(r, "spam@staging"), 0);
	cr_assert_eq(nlp_registry_alias_delete(r, "spam", "staging", "tester",
	    NULL, &old, &e), NLP_REGISTRY);
	cr_assert_eq(nlp_registry_alias_delete(r, "nosuch", "staging", "tester",
	    NULL, &old, &e), NLP_REGISTRY);
	cr_assert_eq(nlp_registry_history(r, "spam", "staging", &h, &e), NLP_OK);
	cr_assert_eq(json_array_size(h), 2);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(h, 0),
	    "kind")), "alias-delete");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(h, 0),
	    "reason")), "done");
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(h, 0),
	    "old_version")), 1);
	json_decref(h);
	nlp_registry_close(r);
}

/* ---- rollback ---- */

TEST(rollback_walks_the_alias_history_not_the_version_numbers)
{
	struct nlp_registry *r = open_rw();
	long from = 0, to = 0;
	size_t n;

	push_n(r, "spam", 1, NULL, NULL);
	push_n(r, "spam", 2, NULL, NULL);
	push_n(r, "spam", 3, NULL, NULL);
	set_alias(r, "spam", 1, "production");
	set_alias(r, "spam", 3, "production");
	set_alias(r, "spam", 2, "production");

	cr_assert_eq(roll(r, "spam", "production", &from, &to), NLP_OK);
	cr_assert_eq(from, 2);
	cr_assert_eq(to, 3, "rolled back to %ld, not 3 (where it was before)",
	    to);
	cr_assert_eq(resolve(r, "spam"), 3);

	cr_assert_eq(roll(r, "spam", "production", &from, &to), NLP_OK);
	cr_assert_eq(from, 3);
	cr_assert_eq(to, 1);
	cr_assert_eq(resolve(r, "spam"), 1);

	/* nothing before 1: refused, nothing changed, nothing logged */
	n = nevents(r, "spam");
	cr_assert_eq(roll(r, "spam", "production", &from, &to), NLP_REGISTRY);
	cr_assert_eq(resolve(r, "spam"), 1);
	cr_assert_eq(nevents(r, "spam"), n);

	/* a rollback is an event, and a move after it can be rolled back */
	{
		struct nlp_err e = { 0 };
		json_t *h;
		cr_assert_eq(nlp_registry_history(r, "spam", "production", &h, &e),
		    NLP_OK);
		cr_assert_str_eq(json_string_value(json_object_get(
		    json_array_get(h, 0), "kind")), "rollback");
		cr_assert_eq(json_integer_value(json_object_get(
		    json_array_get(h, 0), "old_version")), 3);
		cr_assert_eq(json_integer_value(json_object_get(
		    json_array_get(h, 0), "new_version")), 1);
		cr_assert_str_eq(json_string_value(json_object_get(
		    json_array_get(h, 0), "reason")), "test");
		json_decref(h);
	}
	set_alias(r, "spam", 2, "production");
	cr_assert_eq(roll(r, "spam", "production", &from, &to), NLP_OK);
	cr_assert_eq(from, 2);
	cr_assert_eq(to, 1);
	nlp_registry_close(r);
}

TEST(rollback_to_a_given_version_and_its_refusals)
{
	struct nlp_registry *r = open_rw();
	struct nlp_err e = { 0 };
	long from = 0, to = 0;
	size_t n;

	push_n(r, "spam", 1, NULL, NULL);
	push_n(r, "spam", 2, NULL, NULL);
	push_n(r, "spam", 3, NULL, NULL);

	/* no such alias, no such model */
	cr_assert_eq(roll(r, "spam", "production", &from, &to), NLP_REGISTRY);
	cr_assert_eq(roll(r, "nosuch", "production", &from, &to), NLP_REGISTRY);
	/* an alias that only ever pointed at one version */
	set_alias(r, "spam", 2, "production");
	n = nevents(r, "spam");
	cr_assert_eq(roll(r, "spam", "production", &from, &to), NLP_REGISTRY);
	cr_assert_eq(resolve(r, "spam"), 2);

	cr_assert_eq(nlp_registry_rollback(r, "spam", "production", 2, "tester",
	    NULL, &from, &to, &e), NLP_REGISTRY, "a rollback to where it is");
	cr_assert_eq(nlp_registry_rollback(r, "spam", "production", 9, "tester",
	    NULL, &from, &to, &e), NLP_REGISTRY, "a rollback to no version");
	cr_assert_eq(nevents(r, "spam"), n);
	cr_assert_eq(resolve(r, "spam"), 2);

	cr_assert_eq(nlp_registry_rollback(r, "spam", "production", 1, "tester",
	    "bad", &from, &to, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(from, 2);
	cr_assert_eq(to, 1);
	cr_assert_eq(resolve(r, "spam"), 1);
	/* and the plain rollback after it undoes it */
	cr_assert_eq(roll(r, "spam", "production", &from, &to), NLP_OK);
	cr_assert_eq(from, 1);
	cr_assert_eq(to, 2);
	/* aliases are separate: staging has its own history */
	set_alias(r, "spam", 3, "staging");
	cr_assert_eq(roll(r, "spam", "staging", &from, &to), NLP_REGISTRY);
	cr_assert_eq(resolve(r, "spam"), 2);
	nlp_registry_close(r);
}

TEST(rollback_passes_over_a_removed_version)
{
	struct nlp_registry *r = open_rw();
	struct nlp_err e = { 0 };
	long from = 0, to = 0;

	push_n(r, "spam", 1, NULL, NULL);
	push_n(r, "spam", 2, NULL, NULL);
	push_n(r, "spam", 3, NULL, NULL);
	set_alias(r, "spam", 1, "production");
	set_alias(r, "spam", 3, "production");
	set_alias(r, "spam", 2, "production");
	cr_assert_eq(nlp_registry_rm(r, "spam", 3, 0, "tester", NULL, &e),
	    NLP_OK, "%s", e.msg);
	cr_assert_eq(roll(r, "spam", "production", &from, &to), NLP_OK);
	cr_assert_eq(from, 2);
	cr_assert_eq(to, 1);
	nlp_registry_close(r);
}

/*
 * Regression (fixed): after a rollback that passed over a removed version, the next
 * rollback goes *forward* again, and rollbacks then swing between the
 * two versions forever instead of walking further back.  Versions 1 2 3,
 * production 1 -> 3 -> 2, rm spam@3, rollback: 2 -> 1 (right); rollback
 * again: 1 -> 2 (wrong: 1 was the first, so "nothing to roll back");
 * rollback_target() replays the rollback event against the stack that
 * still holds the removed 3, so it is not taken as a pop.
 */
TEST(repeated_rollbacks_after_passing_a_removed_version_never_go_forward)
{
	struct nlp_registry *r = open_rw();
	struct nlp_err e = { 0 };
	long from = 0, to = 0;
	int rc;

	push_n(r, "spam", 1, NULL, NULL);
	push_n(r, "spam", 2, NULL, NULL);
	push_n(r, "spam", 3, NULL, NULL);
	set_alias(r, "spam", 1, "production");
	set_alias(r, "spam", 3, "production");
	set_alias(r, "spam", 2, "production");
	cr_assert_eq(nlp_registry_rm(r, "spam", 3, 0, "tester", NULL, &e),
	    NLP_OK, "%s", e.msg);
	cr_assert_eq(roll(r, "spam", "production", &from, &to), NLP_OK);
	cr_assert_eq(to, 1);
	rc = roll(r, "spam", "production", &from, &to);
	cr_expect_eq(rc, NLP_REGISTRY, "a second rollback moved "
	    "production from spam@%ld to spam@%ld", from, to);
	cr_expect_eq(resolve(r, "spam"), 1);
	nlp_registry_close(r);
}

/* ---- rm ---- */

TEST(rm_refuses_an_aliased_version_unless_forced)
{
	struct nlp_registry *r = open_rw();
	struct nlp_err e = { 0 };
	json_t *h;
	size_t n;

	push_n(r, "spam", 1, "production", NULL);
	push_n(r, "spam", 2, NULL, NULL);
	n = nevents(r, "spam");
	cr_assert_eq(nlp_registry_rm(r, "spam", 1, 0, "tester", NULL, &e),
	    NLP_REGISTRY);
	assert_has(e.msg, "production");
	cr_assert_eq(resolve(r, "spam@1"), 1);
	cr_assert_eq(resolve(r, "spam"), 1);
	cr_assert_eq(nevents(r, "spam"), n);

	/* an unaliased version goes without force */
	cr_assert_eq(nlp_registry_rm(r, "spam", 2, 0, "tester", "old", &e),
	    NLP_OK, "%s", e.msg);
	cr_assert_eq(resolve(r, "spam@2"), 0);
	cr_assert_eq(nlp_registry_rm(r, "spam", 2, 0, "tester", NULL, &e),
	    NLP_REGISTRY, "removed twice");
	cr_assert_eq(nlp_registry_rm(r, "nosuch", 1, 0, "tester", NULL, &e),
	    NLP_REGISTRY);

	/* forced: the alias goes with it, and both are logged */
	cr_assert_eq(nlp_registry_rm(r, "spam", 1, 1, "tester", "broken", &e),
	    NLP_OK, "%s", e.msg);
	cr_assert_eq(resolve(r, "spam@1"), 0);
	cr_assert_eq(resolve(r, "spam"), 0);
	cr_assert_eq(nlp_registry_history(r, "spam", NULL, &h, &e), NLP_OK);
	cr_assert_eq(json_array_size(h), n + 3);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(h, 0),
	    "kind")), "rm");
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(h, 0),
	    "old_version")), 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(h, 0),
	    "reason")), "broken");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(h, 1),
	    "kind")), "alias-delete");
	json_decref(h);

	/* version numbers are never reused */
	{
		struct nlp_push_result res;
		push_n(r, "spam", 7, NULL, &res);
		cr_assert_eq(res.version, 3);
	}
	nlp_registry_close(r);
}

/* ---- reads ---- */

TEST(list_show_and_history_return_the_records)
{
	struct nlp_registry *r = open_rw();
	struct nlp_err e = { 0 };
	struct nlp_push_result res;
	struct nlp_ref ref;
	json_t *l, *v, *x;
	size_t i;

	push_n(r, "spam", 1, NULL, NULL);
	push_n(r, "spam", 2, "production", &res);
	push_n(r, "ham", 3, NULL, NULL);

	cr_assert_eq(nlp_registry_list(r, NULL, &l, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(json_array_size(l), 2);
	x = json_array_get(l, 1);    /* sorted by name: ham, spam */
	cr_assert_str_eq(json_string_value(json_object_get(x, "name")), "spam");
	cr_assert_eq(json_integer_value(json_object_get(x, "latest")), 2);
	cr_assert_eq(json_integer_value(json_object_get(x, "versions")), 2);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(x,
	    "aliases"), "production")), 2);
	json_decref(l);

	cr_assert_eq(nlp_registry_list(r, "spam", &l, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(json_array_size(l), 2);
	for (i = 0; i < 2; i++) {
		x = json_array_get(l, i);
		cr_assert_eq(json_integer_value(json_object_get(x, "version")),
		    (json_int_t)i + 1);
		cr_assert_eq(strlen(json_string_value(json_object_get(x,
		    "sha256"))), 64);
		cr_assert_str_eq(json_string_value(json_object_get(x,
		    "created_by")), "tester");
	}
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(
	    json_array_get(l, 1), "aliases"), 0)), "production");
	json_decref(l);
	cr_assert_eq(nlp_registry_list(r, "nosuch", &l, &e), NLP_REGISTRY);

	cr_assert_eq(nlp_modelref_parse("spam", &ref, &e), NLP_OK);
	cr_assert_eq(nlp_registry_show(r, &ref, &v, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(json_integer_value(json_object_get(v, "version")), 2);
	cr_assert_str_eq(json_string_value(json_object_get(v, "sha256")),
	    res.sha256);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(v,
	    "hyperparameters"), "seed")), 2);
	cr_assert(json_real_value(json_object_get(json_object_get(v, "metrics"),
	    "accuracy")) == 0.5);
	cr_assert_eq(json_integer_value(json_object_get(v, "examples")), 10);
	x = json_object_get(v, "training_data");
	cr_assert_eq(json_array_size(x), 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(x, 0),
	    "name")), "d.tsv");
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(x, 0),
	    "bytes")), 42);
	cr_assert_eq(json_array_size(json_object_get(v, "labels")), 2);
	cr_assert_geq(json_array_size(json_object_get(v, "recent_events")), 1);
	json_decref(v);

	/* history: newest first */
	cr_assert_eq(nlp_registry_history(r, "spam", NULL, &l, &e), NLP_OK);
	cr_assert_eq(json_array_size(l), 3);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(l, 0),
	    "kind")), "alias-set");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(l, 1),
	    "kind")), "push");
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(l, 1),
	    "new_version")), 2);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(l, 2),
	    "new_version")), 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(l, 2),
	    "who")), "tester");
	cr_assert_not_null(json_string_value(json_object_get(json_array_get(l,
	    2), "at")));
	json_decref(l);
	cr_assert_eq(nlp_registry_history(r, "nosuch", NULL, &l, &e),
	    NLP_REGISTRY);
	nlp_registry_close(r);
}

/* ---- pull ---- */

TEST(pull_copies_the_exact_bytes_and_refuses_damage)
{
	struct nlp_registry *r = open_rw();
	struct nlp_err e = { 0 };
	struct nlp_resolved rv;
	struct nlp_ref ref;
	size_t len;
	void *a = artifact(1, &len);
	struct stat st;

	push_n(r, "spam", 1, "production", NULL);
	cr_assert_eq(nlp_modelref_parse("spam", &ref, &e), NLP_OK);
	cr_assert_eq(nlp_registry_pull(r, &ref, in_dir("out.nlp"), &rv, &e),
	    NLP_OK, "%s", e.msg);
	file_is(in_dir("out.nlp"), a, len);
	cr_assert_eq(rv.version, 1);

	flip_byte(rv.path, (off_t)len / 2);
	cr_assert_eq(nlp_registry_pull(r, &ref, in_dir("bad.nlp"), &rv, &e),
	    NLP_DATA);
	cr_assert_eq(e.status, NLP_DATA);
	cr_assert_neq(stat(in_dir("bad.nlp"), &st), 0, "a damaged pull left a "
	    "file");
	free(a);
	nlp_registry_close(r);
}

/*
 * Regression (fixed): a pull whose object is missing returns NLP_DATA, but leaves
 * e->status at NLP_NO (nlp_store_export() maps the return value, not the
 * error), and the command exits with e->status: `registry pull` exits 1
 * ("the check said no") instead of 3.
 */
TEST(pull_of_a_missing_object_reports_a_data_error_consistently)
{
	struct nlp_registry *r = open_rw();
	struct nlp_err e = { 0 };
	struct nlp_resolved rv;
	struct nlp_ref ref;
	struct stat st;
	int rc;

	push_n(r, "spam", 1, "production", NULL);
	cr_assert_eq(nlp_modelref_parse("spam", &ref, &e), NLP_OK);
	cr_assert_eq(nlp_registry_resolve(r, &ref, &rv, &e), NLP_OK);
	cr_assert_eq(unlink(rv.path), 0);
	rc = nlp_registry_pull(r, &ref, in_dir("out.nlp"), &rv, &e);
	cr_assert_eq(rc, NLP_DATA);
	cr_assert_neq(stat(in_dir("out.nlp"), &st), 0);
	cr_expect_eq(e.status, rc, "returned %d but e.status is %d (%s)",
	    rc, e.status, e.msg);
	nlp_registry_close(r);
}

/*
 * Regression (fixed): pushing good bytes whose object already exists but is damaged
 * (same size, a flipped byte) succeeds without checking or repairing the
 * object: the new version's object is the damaged one, and pull (exit 3)
 * and predict (exit 3) of the version just pushed fail.  The SHA-256 of
 * an object is to be checked on push (DESIGN.md).
 */
TEST(pushing_over_a_damaged_object_does_not_record_damaged_bytes)
{
	struct nlp_registry *r = open_rw();
	struct nlp_push_opts o = { 0 };
	struct nlp_push_result res;
	struct nlp_err e = { 0 };
	size_t len;
	void *a = artifact(1, &len);
	int rc;

	push_n(r, "spam", 1, NULL, &res);
	flip_byte(object(res.sha256), (off_t)len / 2);
	o.name = "ham";
	o.who = "tester";
	rc = nlp_registry_push(r, a, len, &o, &res, &e);
	if (rc == NLP_OK)
		cr_expect_eq(nlp_store_check(reg, res.sha256, (int64_t)len, &e),
		    NLP_OK, "push said OK but ham@1's object is damaged: %s",
		    e.msg);
	else
		cr_expect_neq(rc, NLP_OK);
	free(a);
	nlp_registry_close(r);
}

/* ---- verify and gc ---- */

TEST(verify_finds_a_flipped_byte_and_a_missing_object)
{
	struct nlp_registry *r = open_rw();
	struct nlp_err e = { 0 };
	struct nlp_push_result r1, r2;
	json_t *rep;
	size_t len;
	void *a = artifact(1, &len);

	push_n(r, "spam", 1, NULL, &r1);
	push_n(r, "spam", 2, NULL, &r2);
	cr_assert_eq(nlp_registry_verify(r, 0, &rep, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(json_array_size(json_object_get(rep, "problems")), 0);
	cr_assert_eq(json_integer_value(json_object_get(rep, "versions")), 2);
	json_decref(rep);

	flip_byte(object(r1.sha256), (off_t)len / 2);
	cr_assert_eq(nlp_registry_verify(r, 0, &rep, &e), NLP_NO);
	cr_assert_eq(json_array_size(json_object_get(rep, "problems")), 1);
	assert_has(json_string_value(json_array_get(json_object_get(rep,
	    "problems"), 0)), "spam@1");
	json_decref(rep);
	/* quick checks sizes only: a flipped byte passes it */
	cr_assert_eq(nlp_registry_verify(r, 1, &rep, &e), NLP_OK);
	json_decref(rep);

	cr_assert_eq(unlink(object(r2.sha256)), 0);
	cr_assert_eq(nlp_registry_verify(r, 0, &rep, &e), NLP_NO);
	cr_assert_eq(json_array_size(json_object_get(rep, "problems")), 2);
	json_decref(rep);
	cr_assert_eq(nlp_registry_verify(r, 1, &rep, &e), NLP_NO);
	cr_assert_eq(json_array_size(json_object_get(rep, "problems")), 1);
	assert_has(json_string_value(json_array_get(json_object_get(rep,
	    "problems"), 0)), "spam@2");
	assert_has(json_string_value(json_array_get(json_object_get(rep,
	    "problems"), 0)), "missing");
	json_decref(rep);
	free(a);
	nlp_registry_close(r);
}

TEST(verify_notes_orphans_and_temporary_files_without_failing)
{
	struct nlp_registry *r = open_rw();
	struct nlp_err e = { 0 };
	json_t *rep;

	push_n(r, "spam", 1, "production", NULL);
	push_n(r, "spam", 2, NULL, NULL);
	cr_assert_eq(nlp_registry_rm(r, "spam", 2, 0, "tester", NULL, &e),
	    NLP_OK);
	spit_file(in_dir("reg/tmp/put-stale.tmp"), "half", 4);
	cr_assert_eq(nlp_registry_verify(r, 0, &rep, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(json_array_size(json_object_get(rep, "problems")), 0);
	cr_assert_eq(json_array_size(json_object_get(rep, "notes")), 2);
	json_decref(rep);
	nlp_registry_close(r);
}

/* Set the mtime of path to secs seconds ago. */
static void
age(const char *path, long secs)
{
	struct timespec ts[2];

	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - secs;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	cr_assert_eq(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW), 0);
}

TEST(gc_removes_old_orphans_and_keeps_referenced_objects)
{
	struct nlp_registry *r = open_rw();
	struct nlp_err e = { 0 };
	struct nlp_push_result r1, r2, r3;
	struct stat st;
	json_t *rep;
	char orphan[PATH_MAX], kept[PATH_MAX], shared[PATH_MAX];
	off_t osize;

	push_n(r, "spam", 1, "production", &r1);
	push_n(r, "spam", 2, NULL, &r2);
	push_n(r, "spam", 3, NULL, &r3);
	push_n(r, "ham", 3, NULL, NULL);      /* the same bytes as spam@3 */
	snprintf(kept, sizeof kept, "%s", object(r1.sha256));
	snprintf(orphan, sizeof orphan, "%s", object(r2.sha256));
	snprintf(shared, sizeof shared, "%s", object(r3.sha256));
	cr_assert_eq(nlp_registry_rm(r, "spam", 2, 0, "tester", NULL, &e),
	    NLP_OK);
	cr_assert_eq(nlp_registry_rm(r, "spam", 3, 0, "tester", NULL, &e),
	    NLP_OK);
	/* everything old, well past the grace period */
	age(kept, 7200);
	age(orphan, 7200);
	age(shared, 7200);
	cr_assert_eq(stat(orphan, &st), 0);
	osize = st.st_size;

	/* a fresh orphan is kept, an old temporary file is not */
	spit_file(in_dir("reg/tmp/put-old.tmp"), "x", 1);
	age(in_dir("reg/tmp/put-old.tmp"), 7200);
	spit_file(in_dir("reg/tmp/put-new.tmp"), "y", 1);

	/* dry run: lists, removes nothing */
	cr_assert_eq(nlp_registry_gc(r, 1, 3600, &rep, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(json_array_size(json_object_get(rep, "removed")), 2);
	cr_assert(json_is_true(json_object_get(rep, "dry_run")));
	json_decref(rep);
	cr_assert_eq(stat(orphan, &st), 0, "a dry run removed the orphan");
	cr_assert_eq(stat(in_dir("reg/tmp/put-old.tmp"), &st), 0);

	cr_assert_eq(nlp_registry_gc(r, 0, 3600, &rep, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(json_array_size(json_object_get(rep, "removed")), 2);
	cr_assert_eq(json_integer_value(json_object_get(rep, "bytes")),
	    (json_int_t)osize + 1);
	json_decref(rep);
	cr_assert_neq(stat(orphan, &st), 0, "the orphan is still there");
	cr_assert_neq(stat(in_dir("reg/tmp/put-old.tmp"), &st), 0);
	cr_assert_eq(stat(in_dir("reg/tmp/put-new.tmp"), &st), 0,
	    "a fresh temporary file was removed");
	cr_assert_eq(stat(kept, &st), 0, "a referenced object was removed");
	cr_assert_eq(stat(shared, &st), 0, "ham@1's object was removed");

	/* grace 0: the fresh temporary file goes too, the rest stays */
	cr_assert_eq(nlp_registry_gc(r, 0, 0, &rep, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(json_array_size(json_object_get(rep, "removed")), 1);
	json_decref(rep);
	cr_assert_eq(stat(kept, &st), 0);
	cr_assert_eq(stat(shared, &st), 0);
	cr_assert_eq(nlp_registry_verify(r, 0, &rep, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(json_array_size(json_object_get(rep, "notes")), 0);
	json_decref(rep);
	cr_assert_eq(resolve(r, "spam"), 1);
	cr_assert_eq(resolve(r, "ham@1"), 1);
	nlp_registry_close(r);
}

TEST(a_version_pushed_after_gc_took_its_object_gets_the_object_back)
{
	struct nlp_registry *r = open_rw();
	struct nlp_err e = { 0 };
	struct nlp_push_result res;
	json_t *rep;

	push_n(r, "spam", 1, NULL, &res);
	cr_assert_eq(nlp_registry_rm(r, "spam", 1, 0, "tester", NULL, &e),
	    NLP_OK);
	cr_assert_eq(nlp_registry_gc(r, 0, 0, &rep, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(json_array_size(json_object_get(rep, "removed")), 1);
	json_decref(rep);
	push_n(r, "spam", 1, NULL, &res);
	cr_assert_eq(res.existed, 0);
	cr_assert_eq(res.version, 2);
	cr_assert_eq(nlp_registry_verify(r, 0, &rep, &e), NLP_OK, "%s", e.msg);
	json_decref(rep);
	nlp_registry_close(r);
}

TEST(a_push_whose_meta_json_is_empty_is_stored_without_a_leak)
{
	struct nlp_registry *r = open_rw();
	struct nlp_push_opts o = { .name = "m", .who = "tester" };
	struct nlp_push_result res;
	struct nlp_err e = { 0 };
	struct nlp_member m[2];
	size_t len, wlen;
	void *a, *w = tiny_weights(&wlen);

	m[0] = (struct nlp_member){ "weights", w, wlen };
	m[1] = (struct nlp_member){ "meta.json", "{}", 2 };
	a = artifact_of(m, 2, &len);
	cr_assert_eq(nlp_registry_push(r, a, len, &o, &res, &e), NLP_OK, "%s",
	    e.msg);
	cr_assert_eq(res.version, 1);
	free(a);
	free(w);
	nlp_registry_close(r);
}

TEST(reasons_and_descriptions_must_be_one_printable_line)
{
	static const char *const bad[] = {
		"x\n2026-01-01T00:00:00Z  admin  alias-move production",
		"\033[2Jcleared", "tab\there", "bad \xff byte",
	};
	struct nlp_registry *r = open_rw();
	struct nlp_push_opts o = { .name = "m", .who = "tester" };
	struct nlp_push_result res;
	struct nlp_err e = { 0 };
	size_t len, i;
	void *a = artifact(1, &len);
	long old;

	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		o.description = bad[i];
		cr_assert_eq(nlp_registry_push(r, a, len, &o, &res, &e), NLP_USAGE,
		    "%s", bad[i]);
		assert_has(e.msg, "--description");
	}
	o.description = "fine, with UTF-8: caf\xc3\xa9";
	cr_assert_eq(nlp_registry_push(r, a, len, &o, &res, &e), NLP_OK, "%s",
	    e.msg);
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		cr_assert_eq(nlp_registry_alias_set(r, "m", 1, "production", 0,
		    "tester", bad[i], &old, &e), NLP_USAGE);
		assert_has(e.msg, "--reason");
	}
	cr_assert_eq(sql_int(dbpath(), "SELECT count(*) FROM events WHERE "
	    "kind = 'alias-set'"), 0);
	free(a);
	nlp_registry_close(r);
}
