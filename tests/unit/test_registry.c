/*
 * test_registry.c - the SQLite model registry (lib/registry.h): model
 * references (lib/modelref.h) and names, opening (missing, new, foreign,
 * newer schema), push and resolve, deduplication, aliases and their
 * compare-and-swap, rollback over the event log, rm, reads, pull, verify
 * and gc; the typed results of the reads against the database's rows, and
 * their JSON against what the reads printed before they were typed.  Each
 * test runs in its own temporary directory; the registry is DIR/reg.
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
#include "text.h"
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
tiny_weights_of(size_t *len, const char *l0, const char *l1)
{
	const char *const labels[] = { l0, l1 };
	struct nlp_feat_opts f = { .ngrams = 1, .bits = NLP_BITS_MIN, .seed = 1 };
	const uint32_t keys[] = { 7 };
	const float idf[] = { 1 }, bias[] = { 0, 0 }, w[] = { 1, -1 };
	struct nlp_err e = { 0 };
	void *out = NULL;

	cr_assert_eq(nlp_model_serialize(&out, len, &f, labels, 2, keys, idf, 1,
	    bias, w, NULL, 0, &e), NLP_OK, "%s", e.msg);
	return out;
}

/* Weights of labels a and b, as the meta.json of most tests says. */
static void *
tiny_weights(size_t *len)
{
	return tiny_weights_of(len, "a", "b");
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
	int rc = nlp_registry_rollback(r, name, alias, 0, 0, "tester", "test", from,
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
	struct nlp_registry_events h;
	size_t n;

	cr_assert_eq(nlp_registry_history(r, name, NULL, &h, &e), NLP_OK, "%s",
	    e.msg);
	n = h.n;
	nlp_registry_events_release(&h);
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
		struct nlp_registry_versions l;
		cr_assert_eq(nlp_registry_list_versions(r, "spam", &l, &e), NLP_OK);
		cr_assert_eq(l.n, 2);
		nlp_registry_versions_release(&l);
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
	struct nlp_registry_models l;

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

	cr_assert_eq(nlp_registry_list(r, &l, &e), NLP_OK);
	cr_assert_eq(l.n, 0, "a model was made");
	nlp_registry_models_release(&l);
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
		struct nlp_registry_shown v;
		cr_assert_eq(nlp_modelref_parse("spam@1", &ref, &e), NLP_OK);
		cr_assert_eq(nlp_registry_show(r, &ref, &v, &e), NLP_OK, "%s",
		    e.msg);
		cr_assert_eq(v.v.ntags, 1);
		cr_assert_str_eq(v.v.tags[0].key, "team");
		cr_assert_str_eq(v.v.tags[0].value, "nlp");
		cr_assert_str_eq(v.v.description, "tagged");
		nlp_registry_shown_release(&v);
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

/* A malformed name or alias is NLP_USAGE in every function that looks
 * one up, a well-formed one that is not there NLP_REGISTRY; nothing
 * changes either way. */
TEST(malformed_names_and_aliases_are_usage_errors_in_every_lookup)
{
	struct nlp_registry *r = open_rw();
	struct nlp_registry_strings deleted;
	struct nlp_registry_versions vs;
	struct nlp_registry_events ev;
	struct nlp_resolved res;
	struct nlp_err e = { 0 };
	struct nlp_ref ref = { .version = 1 };
	long old, from, to, v;
	size_t n;

	push_n(r, "spam", 1, "production", NULL);
	n = nevents(r, "spam");
	cr_assert_eq(nlp_registry_history(r, "a b", NULL, &ev, &e), NLP_USAGE);
	assert_has(e.msg, "'a b' is not a valid model name");
	cr_assert_eq(nlp_registry_history(r, "spam", "123", &ev, &e),
	    NLP_USAGE);
	assert_has(e.msg, "'123' is not a valid alias: it is all digits");
	cr_assert_eq(nlp_registry_history(r, "spam", "a@b", &ev, &e),
	    NLP_USAGE);
	cr_assert_eq(nlp_registry_list_versions(r, "a b", &vs, &e), NLP_USAGE);
	cr_assert_eq(nlp_registry_alias_delete(r, "spam", "123", "tester", NULL,
	    &old, &e), NLP_USAGE);
	cr_assert_eq(nlp_registry_alias_delete(r, "a b", "production",
	    "tester", NULL, &old, &e), NLP_USAGE);
	cr_assert_eq(nlp_registry_rollback(r, "spam", "123", 0, 0, "tester",
	    NULL, &from, &to, &e), NLP_USAGE);
	cr_assert_eq(nlp_registry_rollback(r, ".spam", "production", 0, 0,
	    "tester", NULL, &from, &to, &e), NLP_USAGE);
	cr_assert_eq(nlp_registry_rollback_plan(r, "spam", "a b", 0, &from, &to,
	    &e), NLP_USAGE);
	cr_assert_eq(nlp_registry_alias_set(r, "a b", 1, "staging", 0,
	    "tester", NULL, &old, &e), NLP_USAGE);
	cr_assert_eq(nlp_registry_promote_alias(r, "a b", "production", 0,
	    "staging", 0, NULL, 0, "tester", NULL, &v, &old, &e), NLP_USAGE);
	cr_assert_eq(nlp_registry_rm_deleting(r, "a b", 1, 1, "tester", NULL,
	    &deleted, &e), NLP_USAGE);
	snprintf(ref.name, sizeof ref.name, "a b");
	cr_assert_eq(nlp_registry_resolve(r, &ref, &res, &e), NLP_USAGE);
	snprintf(ref.name, sizeof ref.name, "spam");
	snprintf(ref.alias, sizeof ref.alias, "42");
	cr_assert_eq(nlp_registry_resolve(r, &ref, &res, &e), NLP_USAGE);
	cr_assert_eq(nevents(r, "spam"), n);
	/* well-formed, not there */
	cr_assert_eq(nlp_registry_history(r, "nosuch", NULL, &ev, &e),
	    NLP_REGISTRY);
	cr_assert_eq(nlp_registry_list_versions(r, "nosuch", &vs, &e),
	    NLP_REGISTRY);
	cr_assert_eq(nlp_registry_alias_delete(r, "spam", "nosuch", "tester",
	    NULL, &old, &e), NLP_REGISTRY);
	cr_assert_eq(nlp_registry_rollback(r, "spam", "nosuch", 0, 0, "tester",
	    NULL, &from, &to, &e), NLP_REGISTRY);
	cr_assert_eq(resolve(r, "spam@nosuch"), 0);
	cr_assert_eq(resolve(r, "nosuch@1"), 0);
	cr_assert_eq(resolve(r, "spam"), 1);
	nlp_registry_close(r);
}

TEST(promote_alias_moves_to_what_another_alias_points_at)
{
	struct nlp_registry *r = open_rw();
	struct nlp_err e = { 0 };
	long old = -7, v = -7;
	size_t n;

	push_n(r, "spam", 1, NULL, NULL);
	push_n(r, "spam", 2, NULL, NULL);
	set_alias(r, "spam", 1, "production");
	set_alias(r, "spam", 2, "candidate");
	n = nevents(r, "spam");

	/* a stale --if-current: refused, nothing changed or logged */
	cr_assert_eq(nlp_registry_promote_alias(r, "spam", "candidate", 0,
	    "production", 2, NULL, 0, "tester", NULL, &v, &old, &e),
	    NLP_REGISTRY);
	cr_assert_eq(v, 0);
	cr_assert_eq(resolve(r, "spam"), 1);
	cr_assert_eq(nevents(r, "spam"), n);

	/* candidate expected at a version it has left (its signature
	   checked there): refused, nothing changed or logged */
	cr_assert_eq(nlp_registry_promote_alias(r, "spam", "candidate", 1,
	    "production", 1, NULL, 0, "tester", NULL, &v, &old, &e),
	    NLP_REGISTRY);
	assert_has(e.msg, "alias 'candidate' of 'spam' points at spam@2, not "
	    "spam@1 as expected");
	cr_assert_eq(v, 0);
	cr_assert_eq(resolve(r, "spam"), 1);
	cr_assert_eq(nevents(r, "spam"), n);

	cr_assert_eq(nlp_registry_promote_alias(r, "spam", "candidate", 2,
	    "production", 1, NULL, 0, "tester", "ship", &v, &old, &e), NLP_OK,
	    "%s", e.msg);
	cr_assert_eq(v, 2);
	cr_assert_eq(old, 1);
	cr_assert_eq(resolve(r, "spam"), 2);
	cr_assert_eq(nevents(r, "spam"), n + 1);

	/* an alias the model lacks; not an alias at all */
	cr_assert_eq(nlp_registry_promote_alias(r, "spam", "nosuch", 0,
	    "production", 0, NULL, 0, "tester", NULL, &v, &old, &e),
	    NLP_REGISTRY);
	assert_has(e.msg, "nosuch");
	cr_assert_eq(nlp_registry_promote_alias(r, "spam", "a b", 0, "production",
	    0, NULL, 0, "tester", NULL, &v, &old, &e), NLP_USAGE);
	cr_assert_eq(resolve(r, "spam"), 2);
	nlp_registry_close(r);
}

TEST(names_and_aliases_differing_only_in_case_are_refused)
{
	struct nlp_registry *r = open_rw();
	struct nlp_push_opts o = { 0 };
	struct nlp_push_result res;
	struct nlp_err e = { 0 };
	long old;
	size_t len, n;
	void *a = artifact(2, &len);

	push_n(r, "spam", 1, "production", &res);
	cr_assert_eq(res.alias_created, 1);
	n = nevents(r, "spam");
	cr_assert_eq(nlp_registry_alias_set(r, "spam", 1, "Production", 0,
	    "tester", NULL, &old, &e), NLP_USAGE);
	assert_has(e.msg, "did you mean 'production'");
	cr_assert_eq(nlp_registry_check_alias("42", &e), NLP_USAGE);
	assert_has(e.msg, "all digits");
	cr_assert_eq(nlp_registry_check_alias("q42", &e), NLP_OK);

	o.name = "SPAM";
	o.who = "tester";
	cr_assert_eq(nlp_registry_push(r, a, len, &o, &res, &e), NLP_USAGE);
	assert_has(e.msg, "did you mean 'spam'");
	cr_assert_eq(resolve(r, "SPAM@1"), 0);
	o.name = "spam";
	o.alias = "PRODUCTION";
	cr_assert_eq(nlp_registry_push(r, a, len, &o, &res, &e), NLP_USAGE);
	cr_assert_eq(nevents(r, "spam"), n);
	o.alias = "production";
	cr_assert_eq(nlp_registry_push(r, a, len, &o, &res, &e), NLP_OK, "%s",
	    e.msg);
	cr_assert_eq(res.alias_created, 0);
	free(a);
	nlp_registry_close(r);
}

TEST(file_names_and_misspelt_references_are_said_as_such)
{
	struct nlp_registry *r = open_rw();
	struct nlp_err e = { 0 };
	struct nlp_ref ref;
	struct nlp_resolved res;

	cr_assert_eq(nlp_text_distance("spma", "spam"), 1);
	cr_assert_eq(nlp_text_distance("rollbak", "rollback"), 1);
	cr_assert_eq(nlp_text_distance("", "ham"), 3);
	cr_assert_eq(nlp_registry_check_new_name("spam.nlp", &e), NLP_USAGE);
	assert_has(e.msg, "did you mean 'spam'");
	cr_assert_eq(nlp_registry_check_new_name("spam.TAR.GZ", &e), NLP_USAGE);
	assert_has(e.msg, "did you mean 'spam'");
	cr_assert_eq(nlp_registry_check_new_name("spam.v2", &e), NLP_OK);

	push_n(r, "spam", 1, "production", NULL);
	push_n(r, "ham", 2, NULL, NULL);
	cr_assert_eq(nlp_modelref_parse("spma", &ref, &e), NLP_OK);
	cr_assert_eq(nlp_registry_resolve(r, &ref, &res, &e), NLP_REGISTRY);
	assert_has(e.msg, "did you mean 'spam'? (models: spam, ham)");
	cr_assert_eq(nlp_modelref_parse("spam@prodution", &ref, &e), NLP_OK);
	cr_assert_eq(nlp_registry_resolve(r, &ref, &res, &e), NLP_REGISTRY);
	assert_has(e.msg, "did you mean 'production'? (aliases: production)");
	nlp_registry_close(r);
}

TEST(diff_lists_what_differs_between_two_versions)
{
	struct nlp_registry *r = open_rw();
	struct nlp_registry_diff d;
	struct nlp_err e = { 0 };
	struct nlp_ref a, b;
	char *doc = NULL;
	size_t i;
	int seed = 0;

	push_n(r, "spam", 1, NULL, NULL);
	push_n(r, "spam", 2, NULL, NULL);
	cr_assert_eq(nlp_modelref_parse("spam@1", &a, &e), NLP_OK);
	cr_assert_eq(nlp_modelref_parse("spam@2", &b, &e), NLP_OK);
	cr_assert_eq(nlp_registry_diff(r, &a, &b, &d, &e), NLP_OK, "%s", e.msg);
	cr_assert_str_eq(d.a, "spam@1");
	cr_assert_str_eq(d.b, "spam@2");
	for (i = 0; i < d.n; i++)
		if (strcmp(d.v[i].section, "hyperparameters") == 0 &&
		    strcmp(d.v[i].key, "seed") == 0) {
			cr_assert_eq(d.v[i].a.i, 1);
			cr_assert_eq(d.v[i].b.i, 2);
			seed = 1;
		}
	cr_assert(seed, "the seeds differ");
	cr_assert_neq(d.differs & 1u, 0, "each one's input is its own");
	cr_assert_str_eq(nlp_registry_diff_section(0), "training_data");
	cr_assert_str_eq(nlp_registry_diff_section(5), "description_and_tags");
	cr_assert_null(nlp_registry_diff_section(6));
	cr_assert_eq(nlp_registry_diff_json(&d, &doc, &e), NLP_OK, "%s", e.msg);
	assert_has(doc, "\"key\": \"seed\"");
	free(doc);
	nlp_registry_diff_release(&d);
	nlp_registry_diff_release(&d);

	cr_assert_eq(nlp_registry_diff(r, &a, &a, &d, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(d.n, 0);
	cr_assert_eq(d.differs, 0);
	nlp_registry_diff_release(&d);
	cr_assert_eq(nlp_modelref_parse("spam@9", &b, &e), NLP_OK);
	cr_assert_eq(nlp_registry_diff(r, &a, &b, &d, &e), NLP_REGISTRY);
	cr_assert_eq(d.n, 0);
	nlp_registry_close(r);
}

TEST(alias_delete_removes_the_alias_and_logs_it)
{
	struct nlp_registry *r = open_rw();
	struct nlp_err e = { 0 };
	long old = 0;
	struct nlp_registry_events h;

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
	cr_assert_eq(h.n, 2);
	cr_assert_str_eq(h.v[0].kind, "alias-delete");
	cr_assert_str_eq(h.v[0].reason, "done");
	cr_assert_eq(h.v[0].old_version, 1);
	cr_assert_eq(h.v[0].new_version, 0);
	nlp_registry_events_release(&h);
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
		struct nlp_registry_events h;
		cr_assert_eq(nlp_registry_history(r, "spam", "production", &h, &e),
		    NLP_OK);
		cr_assert_str_eq(h.v[0].kind, "rollback");
		cr_assert_eq(h.v[0].old_version, 3);
		cr_assert_eq(h.v[0].new_version, 1);
		cr_assert_str_eq(h.v[0].reason, "test");
		nlp_registry_events_release(&h);
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

	cr_assert_eq(nlp_registry_rollback(r, "spam", "production", 2, 0, "tester",
	    NULL, &from, &to, &e), NLP_REGISTRY, "a rollback to where it is");
	cr_assert_eq(nlp_registry_rollback(r, "spam", "production", 9, 0, "tester",
	    NULL, &from, &to, &e), NLP_REGISTRY, "a rollback to no version");
	cr_assert_eq(nevents(r, "spam"), n);
	cr_assert_eq(resolve(r, "spam"), 2);

	cr_assert_eq(nlp_registry_rollback(r, "spam", "production", 1, 0, "tester",
	    "bad", &from, &to, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(from, 2);
	cr_assert_eq(to, 1);
	cr_assert_eq(resolve(r, "spam"), 1);
	/* and a plain rollback after it does not return to the version it
	   moved away from (2 was rolled back from): nothing left */
	n = nevents(r, "spam");
	cr_assert_eq(roll(r, "spam", "production", &from, &to), NLP_REGISTRY);
	cr_assert_eq(nevents(r, "spam"), n);
	cr_assert_eq(resolve(r, "spam"), 1);
	/* set anew, 2 is a version to roll back to again */
	set_alias(r, "spam", 2, "production");
	set_alias(r, "spam", 3, "production");
	cr_assert_eq(roll(r, "spam", "production", &from, &to), NLP_OK);
	cr_assert_eq(from, 3);
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

TEST(rollback_compare_and_swap_names_who_moved_the_alias)
{
	struct nlp_registry *r = open_rw();
	struct nlp_err e = { 0 };
	long from = -7, to = -7, old;
	size_t n;

	push_n(r, "spam", 1, NULL, NULL);
	push_n(r, "spam", 2, NULL, NULL);
	set_alias(r, "spam", 1, "production");
	cr_assert_eq(nlp_registry_alias_set(r, "spam", 2, "production", 0,
	    "alice", "v2 is better", &old, &e), NLP_OK, "%s", e.msg);
	n = nevents(r, "spam");

	cr_assert_eq(nlp_registry_rollback(r, "spam", "production", 0, 1,
	    "tester", NULL, &from, &to, &e), NLP_REGISTRY);
	assert_has(e.msg, "points at spam@2, not spam@1");
	assert_has(e.msg, "by alice at ");
	assert_has(e.msg, "v2 is better");
	cr_assert_eq(from, 0);
	cr_assert_eq(resolve(r, "spam"), 2);
	cr_assert_eq(nevents(r, "spam"), n);

	cr_assert_eq(nlp_registry_rollback(r, "spam", "production", 0, 2,
	    "tester", NULL, &from, &to, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(from, 2);
	cr_assert_eq(to, 1);
	cr_assert_eq(resolve(r, "spam"), 1);

	/* the start of the alias's history: said as it is */
	cr_assert_eq(roll(r, "spam", "production", &from, &to),
	    NLP_REGISTRY);
	nlp_registry_close(r);
}

TEST(rm_refuses_an_aliased_version_unless_forced)
{
	struct nlp_registry *r = open_rw();
	struct nlp_err e = { 0 };
	struct nlp_registry_events h;
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
	cr_assert_eq(h.n, n + 3);
	cr_assert_str_eq(h.v[0].kind, "rm");
	cr_assert_eq(h.v[0].old_version, 1);
	cr_assert_null(h.v[0].alias);
	cr_assert_str_eq(h.v[0].reason, "broken");
	cr_assert_str_eq(h.v[1].kind, "alias-delete");
	cr_assert_str_eq(h.v[1].reason, "rm --force");
	nlp_registry_events_release(&h);

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
	struct nlp_registry_models l;
	struct nlp_registry_versions vl;
	struct nlp_registry_shown v;
	struct nlp_registry_events h;
	size_t i;

	push_n(r, "spam", 1, NULL, NULL);
	push_n(r, "spam", 2, "production", &res);
	push_n(r, "ham", 3, NULL, NULL);

	cr_assert_eq(nlp_registry_list(r, &l, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(l.n, 2);
	cr_assert_str_eq(l.v[1].name, "spam");  /* sorted by name: ham, spam */
	cr_assert_eq(l.v[1].latest, 2);
	cr_assert_eq(l.v[1].versions, 2);
	cr_assert_eq(l.v[1].naliases, 1);
	cr_assert_str_eq(l.v[1].aliases[0].alias, "production");
	cr_assert_eq(l.v[1].aliases[0].version, 2);
	cr_assert_eq(l.v[0].naliases, 0);
	nlp_registry_models_release(&l);

	cr_assert_eq(nlp_registry_list_versions(r, "spam", &vl, &e), NLP_OK,
	    "%s", e.msg);
	cr_assert_eq(vl.n, 2);
	for (i = 0; i < 2; i++) {
		cr_assert_eq(vl.v[i].version, (long)i + 1);
		cr_assert_eq(strlen(vl.v[i].sha256), 64);
		cr_assert_str_eq(vl.v[i].created_by, "tester");
	}
	cr_assert_eq(vl.v[1].aliases.n, 1);
	cr_assert_str_eq(vl.v[1].aliases.v[0], "production");
	nlp_registry_versions_release(&vl);
	cr_assert_eq(nlp_registry_list_versions(r, "nosuch", &vl, &e),
	    NLP_REGISTRY);
	cr_assert_eq(vl.n, 0);

	cr_assert_eq(nlp_modelref_parse("spam", &ref, &e), NLP_OK);
	cr_assert_eq(nlp_registry_show(r, &ref, &v, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(v.v.version, 2);
	cr_assert_str_eq(v.v.sha256, res.sha256);
	cr_assert_eq(v.hyperparameters.nfields, 2);
	cr_assert_str_eq(v.hyperparameters.fields[1].key, "seed");
	cr_assert_eq(v.hyperparameters.fields[1].value.type, NLP_RV_INT);
	cr_assert_eq(v.hyperparameters.fields[1].value.i, 2);
	cr_assert_eq(v.v.metrics.nfields, 1);
	cr_assert_eq(v.v.metrics.fields[0].value.type, NLP_RV_REAL);
	cr_assert(v.v.metrics.fields[0].value.d == 0.5);
	cr_assert_eq(v.examples.type, NLP_RV_INT);
	cr_assert_eq(v.examples.i, 10);
	cr_assert_eq(v.ntraining_data, 1);
	cr_assert_str_eq(v.training_data[0].name, "d.tsv");
	cr_assert_eq(v.training_data[0].bytes, 42);
	cr_assert_eq(v.nlabel_counts, 2);
	cr_assert_str_eq(v.label_counts[1].label, "b");
	cr_assert_eq(v.label_counts[1].count, 5);
	cr_assert_geq(v.recent_events.n, 1);
	nlp_registry_shown_release(&v);

	/* history: newest first */
	cr_assert_eq(nlp_registry_history(r, "spam", NULL, &h, &e), NLP_OK);
	cr_assert_eq(h.n, 3);
	cr_assert_str_eq(h.v[0].kind, "alias-set");
	cr_assert_str_eq(h.v[1].kind, "push");
	cr_assert_eq(h.v[1].new_version, 2);
	cr_assert_eq(h.v[2].new_version, 1);
	cr_assert_str_eq(h.v[2].who, "tester");
	cr_assert_not_null(h.v[2].at);
	nlp_registry_events_release(&h);
	cr_assert_eq(nlp_registry_history(r, "nosuch", NULL, &h, &e),
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
	struct nlp_registry_verify_report rep;
	size_t len;
	void *a = artifact(1, &len);

	push_n(r, "spam", 1, NULL, &r1);
	push_n(r, "spam", 2, NULL, &r2);
	cr_assert_eq(nlp_registry_verify(r, 0, &rep, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(rep.problems.n, 0);
	cr_assert_eq(rep.versions, 2);
	nlp_registry_verify_report_release(&rep);

	flip_byte(object(r1.sha256), (off_t)len / 2);
	cr_assert_eq(nlp_registry_verify(r, 0, &rep, &e), NLP_NO);
	cr_assert_eq(rep.problems.n, 1);
	assert_has(rep.problems.v[0], "spam@1");
	nlp_registry_verify_report_release(&rep);
	/* quick checks sizes only: a flipped byte passes it */
	cr_assert_eq(nlp_registry_verify(r, 1, &rep, &e), NLP_OK);
	nlp_registry_verify_report_release(&rep);

	cr_assert_eq(unlink(object(r2.sha256)), 0);
	cr_assert_eq(nlp_registry_verify(r, 0, &rep, &e), NLP_NO);
	cr_assert_eq(rep.problems.n, 2);
	nlp_registry_verify_report_release(&rep);
	cr_assert_eq(nlp_registry_verify(r, 1, &rep, &e), NLP_NO);
	cr_assert_eq(rep.problems.n, 1);
	assert_has(rep.problems.v[0], "spam@2");
	assert_has(rep.problems.v[0], "missing");
	nlp_registry_verify_report_release(&rep);
	free(a);
	nlp_registry_close(r);
}

TEST(verify_notes_orphans_and_temporary_files_without_failing)
{
	struct nlp_registry *r = open_rw();
	struct nlp_err e = { 0 };
	struct nlp_registry_verify_report rep;

	push_n(r, "spam", 1, "production", NULL);
	push_n(r, "spam", 2, NULL, NULL);
	cr_assert_eq(nlp_registry_rm(r, "spam", 2, 0, "tester", NULL, &e),
	    NLP_OK);
	spit_file(in_dir("reg/tmp/put-stale.tmp"), "half", 4);
	cr_assert_eq(nlp_registry_verify(r, 0, &rep, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(rep.problems.n, 0);
	cr_assert_eq(rep.notes.n, 2);
	cr_assert_eq(rep.versions, 1);
	nlp_registry_verify_report_release(&rep);
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
	struct nlp_registry_gc_report rep;
	struct nlp_registry_verify_report vrep;
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
	cr_assert_eq(rep.removed.n, 2);
	cr_assert(rep.dry_run);
	nlp_registry_gc_report_release(&rep);
	cr_assert_eq(stat(orphan, &st), 0, "a dry run removed the orphan");
	cr_assert_eq(stat(in_dir("reg/tmp/put-old.tmp"), &st), 0);

	cr_assert_eq(nlp_registry_gc(r, 0, 3600, &rep, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(rep.removed.n, 2);
	cr_assert_str_eq(rep.removed.v[0], orphan);    /* sorted by path */
	cr_assert_not_null(strstr(rep.removed.v[1], "put-old.tmp"));
	cr_assert_eq(rep.bytes, (int64_t)osize + 1);
	cr_assert_not(rep.dry_run);
	nlp_registry_gc_report_release(&rep);
	cr_assert_neq(stat(orphan, &st), 0, "the orphan is still there");
	cr_assert_neq(stat(in_dir("reg/tmp/put-old.tmp"), &st), 0);
	cr_assert_eq(stat(in_dir("reg/tmp/put-new.tmp"), &st), 0,
	    "a fresh temporary file was removed");
	cr_assert_eq(stat(kept, &st), 0, "a referenced object was removed");
	cr_assert_eq(stat(shared, &st), 0, "ham@1's object was removed");

	/* grace 0: the fresh temporary file goes too, the rest stays */
	cr_assert_eq(nlp_registry_gc(r, 0, 0, &rep, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(rep.removed.n, 1);
	nlp_registry_gc_report_release(&rep);
	cr_assert_eq(stat(kept, &st), 0);
	cr_assert_eq(stat(shared, &st), 0);
	cr_assert_eq(nlp_registry_verify(r, 0, &vrep, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(vrep.notes.n, 0);
	nlp_registry_verify_report_release(&vrep);
	cr_assert_eq(resolve(r, "spam"), 1);
	cr_assert_eq(resolve(r, "ham@1"), 1);
	nlp_registry_close(r);
}

TEST(a_version_pushed_after_gc_took_its_object_gets_the_object_back)
{
	struct nlp_registry *r = open_rw();
	struct nlp_err e = { 0 };
	struct nlp_push_result res;
	struct nlp_registry_gc_report rep;
	struct nlp_registry_verify_report vrep;

	push_n(r, "spam", 1, NULL, &res);
	cr_assert_eq(nlp_registry_rm(r, "spam", 1, 0, "tester", NULL, &e),
	    NLP_OK);
	cr_assert_eq(nlp_registry_gc(r, 0, 0, &rep, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(rep.removed.n, 1);
	nlp_registry_gc_report_release(&rep);
	push_n(r, "spam", 1, NULL, &res);
	cr_assert_eq(res.existed, 0);
	cr_assert_eq(res.version, 2);
	cr_assert_eq(nlp_registry_verify(r, 0, &vrep, &e), NLP_OK, "%s", e.msg);
	nlp_registry_verify_report_release(&vrep);
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

/* ---- typed results and their JSON ---- */

/* A registry with what every read shows: two models, tags, a
 * description, aliases, an evaluation, a rollback, a removed version,
 * and a model whose every version was removed. */
static struct nlp_registry *
rich_registry(void)
{
	static const char meta[] =
	    "{\"hyperparameters\": {\"char_ngrams\": [0, 0], \"lr\": 2.0,"
	    " \"l2\": 0.0, \"class_weight\": \"none\", \"fast\": true,"
	    " \"seed\": 1}, \"held_out\": {\"accuracy\": 0.97777778,"
	    " \"n\": 90, \"source\": \"holdout\"}, \"examples\": 1710,"
	    " \"nlpops_version\": \"0.1.0\", \"labels\": [{\"label\": \"ham\","
	    " \"count\": 1195}, {\"label\": \"spam\", \"count\": 515}],"
	    " \"inputs\": [{\"name\": \"t.tsv\", \"sha256\": \"%064d\","
	    " \"bytes\": 2475189}, {\"name\": \"u.tsv\", \"sha256\":"
	    " \"%064d\", \"bytes\": 7}]}";
	static const char *const tags[] = { "team=mail", "stage=beta" };
	struct nlp_registry *r = open_rw();
	struct nlp_push_opts o = { .name = "spam", .who = "tester" };
	struct nlp_push_result res;
	struct nlp_err e = { 0 };
	struct nlp_member m[2];
	struct nlp_ref ref = { "spam", "", 1 };
	char text[1024];
	size_t len, wlen;
	void *a, *w = tiny_weights(&wlen);
	long v, from, to;

	/* the labels meta.json says (push checks they are the weights') */
	free(w);
	w = tiny_weights_of(&wlen, "ham", "spam");
	snprintf(text, sizeof text, meta, 1, 2);
	m[0] = (struct nlp_member){ "weights", w, wlen };
	m[1] = (struct nlp_member){ "meta.json", text, strlen(text) };
	a = artifact_of(m, 2, &len);
	o.tags = tags;
	o.ntags = 2;
	o.description = "first spam model";
	o.source = "spam.nlp";
	cr_assert_eq(nlp_registry_push(r, a, len, &o, &res, &e), NLP_OK, "%s",
	    e.msg);
	free(a);
	free(w);
	push_n(r, "spam", 2, "candidate", NULL);
	push_n(r, "spam", 3, NULL, NULL);
	set_alias(r, "spam", 1, "production");
	set_alias(r, "spam", 2, "production");
	cr_assert_eq(roll(r, "spam", "production", &from, &to), NLP_OK);
	set_alias(r, "spam", 1, "staging");
	set_alias(r, "spam", 2, "canary");
	cr_assert_eq(nlp_registry_alias_delete(r, "spam", "canary", "tester",
	    "done", &from, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(nlp_registry_record_eval(r, &ref, "tester", "[{\"bytes\": "
	    "661745, \"name\": \"spam.test.tsv\", \"sha256\": \"1104aaa98b645c5a"
	    "015c0f0c41760607aca271d89fc69f398c91ad688c68ba2d\"}]",
	    "{\"accuracy\": 0.982, \"ece\": 0.01330350173, \"macro_f1\": "
	    "0.9794871795, \"n\": 500, \"per_class_f1\": {\"ham\": 0.9866666667, "
	    "\"spam\": 0.9723076923}}", &v, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(nlp_registry_rm(r, "spam", 3, 0, "tester", "unused", &e),
	    NLP_OK, "%s", e.msg);
	push_n(r, "deb", 4, "production", NULL);
	push_n(r, "gone", 5, NULL, NULL);
	cr_assert_eq(nlp_registry_rm(r, "gone", 1, 0, "tester", NULL, &e),
	    NLP_OK, "%s", e.msg);
	return r;
}

/* A statement on the database file (a separate connection, read-only):
 * the caller steps it, then calls done(). */
static sqlite3 *rows_db;

static sqlite3_stmt *
rows(const char *sql)
{
	sqlite3_stmt *st;

	if (rows_db == NULL)
		cr_assert_eq(sqlite3_open_v2(dbpath(), &rows_db,
		    SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(rows_db, sql, -1, &st, NULL), SQLITE_OK,
	    "%s", sqlite3_errmsg(rows_db));
	return st;
}

static void
done(sqlite3_stmt *st)
{
	sqlite3_finalize(st);
	sqlite3_close(rows_db);
	rows_db = NULL;
}

/* Column i as text; NULL stays NULL. */
static const char *
col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Strings equal, NULL equal to NULL only. */
#define assert_same(a, b) do { \
	const char *a_ = (a), *b_ = (b); \
	if (a_ == NULL || b_ == NULL) \
		cr_assert(a_ == b_, "%s is %s, %s is %s", #a, a_ ? a_ : "NULL", \
		    #b, b_ ? b_ : "NULL"); \
	else \
		cr_assert_str_eq(a_, b_); \
} while (0)

/* An event against its row (at, who, kind, alias, old, new, reason). */
static void
assert_event(const struct nlp_registry_event *ev, sqlite3_stmt *st)
{
	assert_same(ev->at, col(st, 0));
	assert_same(ev->who, col(st, 1));
	assert_same(ev->kind, col(st, 2));
	assert_same(ev->alias, col(st, 3));
	cr_assert_eq(ev->old_version, sqlite3_column_int64(st, 4));
	cr_assert_eq(ev->new_version, sqlite3_column_int64(st, 5));
	assert_same(ev->reason, col(st, 6));
}

TEST(list_returns_the_models_rows)
{
	struct nlp_registry *r = rich_registry();
	struct nlp_registry_models l;
	struct nlp_err e = { 0 };
	sqlite3_stmt *st;
	size_t i = 0, j;

	cr_assert_eq(nlp_registry_list(r, &l, &e), NLP_OK, "%s", e.msg);
	st = rows("SELECT m.name, (SELECT max(version) FROM versions WHERE "
	    "model_id = m.id), (SELECT count(*) FROM versions WHERE model_id = "
	    "m.id), (SELECT max(at) FROM events WHERE model = m.name) FROM "
	    "models m ORDER BY m.name");
	for (; sqlite3_step(st) == SQLITE_ROW; i++) {
		cr_assert_lt(i, l.n);
		assert_same(l.v[i].name, col(st, 0));
		cr_assert_eq(l.v[i].latest, sqlite3_column_int64(st, 1));
		cr_assert_eq(l.v[i].versions, sqlite3_column_int64(st, 2));
		assert_same(l.v[i].updated_at, col(st, 3));
	}
	done(st);
	cr_assert_eq(i, l.n);
	cr_assert_eq(l.n, 3);
	cr_assert_str_eq(l.v[1].name, "gone");
	cr_assert_eq(l.v[1].latest, 0, "no version left is latest 0");
	/* spam's aliases, by name */
	st = rows("SELECT a.alias, v.version FROM aliases a JOIN versions v ON "
	    "v.id = a.version_id JOIN models m ON m.id = a.model_id WHERE "
	    "m.name = 'spam' ORDER BY a.alias");
	for (j = 0; sqlite3_step(st) == SQLITE_ROW; j++) {
		cr_assert_lt(j, l.v[2].naliases);
		assert_same(l.v[2].aliases[j].alias, col(st, 0));
		cr_assert_eq(l.v[2].aliases[j].version, sqlite3_column_int64(st,
		    1));
	}
	done(st);
	cr_assert_eq(j, 3);
	cr_assert_eq(l.v[2].naliases, 3);
	nlp_registry_models_release(&l);
	nlp_registry_models_release(&l);        /* twice: harmless */
	nlp_registry_close(r);
}

TEST(list_versions_returns_the_versions_rows)
{
	struct nlp_registry *r = rich_registry();
	struct nlp_registry_versions l;
	struct nlp_err e = { 0 };
	sqlite3_stmt *st;
	size_t i = 0;

	cr_assert_eq(nlp_registry_list_versions(r, "spam", &l, &e), NLP_OK,
	    "%s", e.msg);
	st = rows("SELECT v.version, v.sha256, v.size, v.created_at, "
	    "v.created_by, v.description, v.metrics FROM versions v JOIN models "
	    "m ON m.id = v.model_id WHERE m.name = 'spam' ORDER BY v.version");
	for (; sqlite3_step(st) == SQLITE_ROW; i++) {
		cr_assert_lt(i, l.n);
		cr_assert_eq(l.v[i].version, sqlite3_column_int64(st, 0));
		assert_same(l.v[i].sha256, col(st, 1));
		cr_assert_eq(l.v[i].size, sqlite3_column_int64(st, 2));
		assert_same(l.v[i].created_at, col(st, 3));
		assert_same(l.v[i].created_by, col(st, 4));
		assert_same(l.v[i].description, col(st, 5));
		assert_same(l.v[i].metrics.json, col(st, 6));
	}
	done(st);
	cr_assert_eq(i, 2, "spam@3 was removed");
	/* spam@1: its aliases and tags, sorted; its metrics' fields in the
	 * stored order, typed */
	cr_assert_eq(l.v[0].aliases.n, 2);
	cr_assert_str_eq(l.v[0].aliases.v[0], "production");
	cr_assert_str_eq(l.v[0].aliases.v[1], "staging");
	cr_assert_eq(l.v[0].ntags, 2);
	cr_assert_str_eq(l.v[0].tags[0].key, "stage");
	cr_assert_str_eq(l.v[0].tags[0].value, "beta");
	cr_assert_str_eq(l.v[0].tags[1].key, "team");
	cr_assert_eq(l.v[0].metrics.nfields, 3);
	cr_assert_str_eq(l.v[0].metrics.fields[0].key, "accuracy");
	cr_assert_eq(l.v[0].metrics.fields[0].value.type, NLP_RV_REAL);
	cr_assert(l.v[0].metrics.fields[0].value.d == 0.97777778);
	cr_assert_eq(l.v[0].metrics.fields[1].value.type, NLP_RV_INT);
	cr_assert_eq(l.v[0].metrics.fields[1].value.i, 90);
	cr_assert_eq(l.v[0].metrics.fields[2].value.type, NLP_RV_TEXT);
	cr_assert_str_eq(l.v[0].metrics.fields[2].value.s, "holdout");
	cr_assert_str_eq(l.v[1].aliases.v[0], "candidate");
	cr_assert_eq(l.v[1].ntags, 0);
	cr_assert_null(l.v[1].description);
	nlp_registry_versions_release(&l);
	nlp_registry_close(r);
}

/* show's lists against their rows: training data, events, evaluations. */
static void
assert_shown_lists(const struct nlp_registry_shown *s)
{
	sqlite3_stmt *st;
	size_t i;

	st = rows("SELECT name, sha256, bytes FROM inputs WHERE version_id = "
	    "(SELECT v.id FROM versions v JOIN models m ON m.id = v.model_id "
	    "WHERE m.name = 'spam' AND v.version = 1) ORDER BY position");
	for (i = 0; sqlite3_step(st) == SQLITE_ROW; i++) {
		cr_assert_lt(i, s->ntraining_data);
		assert_same(s->training_data[i].name, col(st, 0));
		assert_same(s->training_data[i].sha256, col(st, 1));
		cr_assert_eq(s->training_data[i].bytes, sqlite3_column_int64(st,
		    2));
	}
	done(st);
	cr_assert_eq(i, 2);
	st = rows("SELECT at, who, kind, alias, old_version, new_version, "
	    "reason FROM events WHERE model = 'spam' ORDER BY id DESC LIMIT 10");
	for (i = 0; sqlite3_step(st) == SQLITE_ROW; i++) {
		cr_assert_lt(i, s->recent_events.n);
		assert_event(&s->recent_events.v[i], st);
	}
	done(st);
	cr_assert_eq(i, s->recent_events.n);
	cr_assert_eq(i, 10, "the last 10 of more");
	st = rows("SELECT id, at, who, data, metrics FROM evaluations");
	for (i = 0; sqlite3_step(st) == SQLITE_ROW; i++) {
		cr_assert_lt(i, s->nevaluations);
		cr_assert_eq(s->evaluations[i].id, sqlite3_column_int64(st, 0));
		assert_same(s->evaluations[i].at, col(st, 1));
		assert_same(s->evaluations[i].who, col(st, 2));
		assert_same(s->evaluations[i].data_json, col(st, 3));
		assert_same(s->evaluations[i].metrics.json, col(st, 4));
	}
	done(st);
	cr_assert_eq(i, 1);
	cr_assert(s->evaluations[0].accuracy == 0.982);
	cr_assert(s->evaluations[0].macro_f1 == 0.9794871795);
	cr_assert_eq(s->evaluations[0].n, 500);
	cr_assert_str_eq(s->evaluations[0].data_sha256, "1104aaa98b645c5a015c0f0"
	    "c41760607aca271d89fc69f398c91ad688c68ba2d");
}

TEST(show_returns_the_versions_rows_and_meta_json)
{
	struct nlp_registry *r = rich_registry();
	struct nlp_registry_shown s;
	struct nlp_ref ref = { "spam", "staging", 0 };
	struct nlp_err e = { 0 };
	sqlite3_stmt *st;

	cr_assert_eq(nlp_registry_show(r, &ref, &s, &e), NLP_OK, "%s", e.msg);
	st = rows("SELECT m.name, v.version, v.sha256, v.source, "
	    "v.hyperparameters, v.metrics FROM versions v JOIN models m ON "
	    "m.id = v.model_id WHERE m.name = 'spam' AND v.version = 1");
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	assert_same(s.name, col(st, 0));
	cr_assert_eq(s.v.version, sqlite3_column_int64(st, 1));
	assert_same(s.v.sha256, col(st, 2));
	assert_same(s.source, col(st, 3));
	assert_same(s.hyperparameters.json, col(st, 4));
	assert_same(s.v.metrics.json, col(st, 5));
	done(st);
	/* meta.json, parsed */
	cr_assert_eq(s.examples.type, NLP_RV_INT);
	cr_assert_eq(s.examples.i, 1710);
	cr_assert_eq(s.nlpops_version.type, NLP_RV_TEXT);
	cr_assert_str_eq(s.nlpops_version.s, "0.1.0");
	cr_assert_eq(s.labels.type, NLP_RV_JSON);
	cr_assert_str_eq(s.labels.s, "[{\"count\":1195,\"label\":\"ham\"},"
	    "{\"count\":515,\"label\":\"spam\"}]");
	cr_assert_eq(s.nlabel_counts, 2);
	cr_assert_str_eq(s.label_counts[0].label, "ham");
	cr_assert_eq(s.label_counts[0].count, 1195);
	/* hyperparameters: arrays and booleans as compact JSON, in order */
	cr_assert_eq(s.hyperparameters.nfields, 6);
	cr_assert_str_eq(s.hyperparameters.fields[0].key, "char_ngrams");
	cr_assert_eq(s.hyperparameters.fields[0].value.type, NLP_RV_JSON);
	cr_assert_str_eq(s.hyperparameters.fields[0].value.s, "[0,0]");
	cr_assert_str_eq(s.hyperparameters.fields[2].key, "fast");
	cr_assert_str_eq(s.hyperparameters.fields[2].value.s, "true");
	cr_assert_eq(s.hyperparameters.fields[4].value.type, NLP_RV_REAL);
	assert_shown_lists(&s);
	nlp_registry_shown_release(&s);
	nlp_registry_shown_release(&s);
	/* a version that does not resolve: NLP_REGISTRY, nothing to release */
	ref.alias[0] = '\0';
	ref.version = 3;
	cr_assert_eq(nlp_registry_show(r, &ref, &s, &e), NLP_REGISTRY);
	cr_assert_null(s.name);
	nlp_registry_close(r);
}

TEST(history_returns_the_events_rows)
{
	struct nlp_registry *r = rich_registry();
	struct nlp_registry_events h;
	struct nlp_err e = { 0 };
	sqlite3_stmt *st;
	size_t i;

	cr_assert_eq(nlp_registry_history(r, "spam", NULL, &h, &e), NLP_OK);
	st = rows("SELECT at, who, kind, alias, old_version, new_version, "
	    "reason FROM events WHERE model = 'spam' ORDER BY id DESC");
	for (i = 0; sqlite3_step(st) == SQLITE_ROW; i++) {
		cr_assert_lt(i, h.n);
		assert_event(&h.v[i], st);
	}
	done(st);
	cr_assert_eq(i, h.n);
	cr_assert_eq(i, 11);
	nlp_registry_events_release(&h);
	cr_assert_eq(nlp_registry_history(r, "spam", "production", &h, &e),
	    NLP_OK);
	cr_assert_eq(h.n, 3);
	cr_assert_str_eq(h.v[0].kind, "rollback");
	cr_assert_eq(h.v[0].old_version, 2);
	cr_assert_eq(h.v[0].new_version, 1);
	nlp_registry_events_release(&h);
	nlp_registry_close(r);
}

/*
 * The reference for the serializers: what the reads returned before they
 * were typed -- a query's rows as objects keyed by column name, "*_json"
 * columns parsed -- printed the way the commands printed it.
 */
#define DUMP_FLAGS (JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(10))

static json_t *
old_rows(const char *sql, long long a, long long b, const char *t)
{
	sqlite3_stmt *st = rows(sql);
	json_t *arr = json_array();
	int i;

	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, a);
	if (sqlite3_bind_parameter_count(st) >= 2) {
		if (t != NULL)
			sqlite3_bind_text(st, 2, t, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(st, 2, b);
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *o = json_object();
		for (i = 0; i < sqlite3_column_count(st); i++) {
			const char *name = sqlite3_column_name(st, i);
			size_t n = strlen(name);
			json_t *v;
			if (n > 5 && strcmp(name + n - 5, "_json") == 0) {
				char key[64];
				v = col(st, i) ? json_loads(col(st, i), 0, NULL) : NULL;
				snprintf(key, sizeof key, "%.*s", (int)(n - 5), name);
				json_object_set_new(o, key, v ? v : json_null());
				continue;
			}
			switch (sqlite3_column_type(st, i)) {
			case SQLITE_INTEGER:
				v = json_integer(sqlite3_column_int64(st, i));
				break;
			case SQLITE_FLOAT:
				v = json_real(sqlite3_column_double(st, i));
				break;
			case SQLITE_NULL:
				v = json_null();
				break;
			default:
				v = json_string(col(st, i));
			}
			json_object_set_new(o, name, v);
		}
		json_array_append_new(arr, o);
	}
	done(st);
	return arr;
}

/* The reference, printed, against what a serializer wrote (rc, doc). */
static void
assert_json(json_t *ref, int rc, char *doc, const struct nlp_err *e)
{
	char *want = json_dumps(ref, DUMP_FLAGS);

	cr_assert_eq(rc, NLP_OK, "%s", e->msg);
	cr_assert_str_eq(doc, want);
	free(want);
	free(doc);
	json_decref(ref);
}

static const char old_events_sql[] = "SELECT at, who, kind, alias, "
    "old_version, new_version, reason FROM events WHERE model = (SELECT "
    "name FROM models WHERE id = ?)";

TEST(list_json_is_what_list_printed)
{
	struct nlp_registry *r = rich_registry();
	struct nlp_registry_models m;
	struct nlp_registry_versions v;
	struct nlp_err e = { 0 };
	long long mid;
	char *doc = NULL;
	int rc;

	cr_assert_eq(nlp_registry_list(r, &m, &e), NLP_OK, "%s", e.msg);
	rc = nlp_registry_models_json(&m, &doc, &e);
	assert_json(old_rows("SELECT m.name AS name, (SELECT max(version) FROM "
	    "versions WHERE model_id = m.id) AS latest, (SELECT count(*) FROM "
	    "versions WHERE model_id = m.id) AS versions, (SELECT "
	    "json_group_object(a.alias, v.version) FROM aliases a JOIN versions "
	    "v ON v.id = a.version_id WHERE a.model_id = m.id) AS aliases_json, "
	    "(SELECT max(at) FROM events WHERE model = m.name) AS updated_at "
	    "FROM models m ORDER BY m.name", 0, 0, NULL), rc, doc, &e);
	nlp_registry_models_release(&m);

	mid = sql_int(dbpath(), "SELECT id FROM models WHERE name = 'spam'");
	cr_assert_eq(nlp_registry_list_versions(r, "spam", &v, &e), NLP_OK);
	rc = nlp_registry_versions_json(&v, &doc, &e);
	assert_json(old_rows("SELECT v.version AS version, v.sha256 AS sha256, "
	    "v.size AS size, v.created_at AS created_at, v.created_by AS "
	    "created_by, (SELECT json_group_array(alias) FROM (SELECT alias FROM "
	    "aliases WHERE version_id = v.id ORDER BY alias)) AS aliases_json, "
	    "(SELECT json_group_object(key, value) FROM tags WHERE version_id = "
	    "v.id) AS tags_json, v.metrics AS metrics_json, v.description AS "
	    "description, (SELECT json_object('id', e.id, 'at', e.at, 'who', "
	    "e.who, 'data', json(e.data), 'metrics', json(e.metrics)) FROM "
	    "evaluations e WHERE e.version_id = v.id ORDER BY e.id DESC LIMIT 1) "
	    "AS latest_evaluation_json FROM versions v WHERE v.model_id = ? "
	    "ORDER BY v.version",
	    mid, 0, NULL), rc, doc, &e);
	nlp_registry_versions_release(&v);
	nlp_registry_close(r);
}

/* show's document as show built it, for spam@version (model mid). */
static json_t *
old_show(long long mid, long version)
{
	json_t *rows0 = old_rows("SELECT m.name AS name, v.version AS version, "
	    "v.sha256 AS sha256, v.size AS size, v.created_at AS created_at, "
	    "v.created_by AS created_by, v.source AS source, v.description AS "
	    "description, (SELECT json_group_array(alias) FROM (SELECT alias FROM "
	    "aliases WHERE version_id = v.id ORDER BY alias)) AS aliases_json, "
	    "(SELECT json_group_object(key, value) FROM tags WHERE version_id = "
	    "v.id) AS tags_json, v.hyperparameters AS hyperparameters_json, "
	    "v.metrics AS metrics_json, json_extract(v.meta, '$.labels') AS "
	    "labels_json, json_extract(v.meta, '$.examples') AS examples, "
	    "json_extract(v.meta, '$.nlpops_version') AS nlpops_version, "
	    "json_extract(v.meta, '$.warning') AS warning "
	    "FROM versions v JOIN models m ON m.id = v.model_id "
	    "WHERE v.model_id = ? AND v.version = ?", mid, version, NULL);
	json_t *obj = json_incref(json_array_get(rows0, 0));
	char events[512];

	json_decref(rows0);
	json_object_set_new(obj, "training_data", old_rows("SELECT i.name AS "
	    "name, i.sha256 AS sha256, i.bytes AS bytes FROM inputs i JOIN "
	    "versions v ON v.id = i.version_id WHERE v.model_id = ? AND "
	    "v.version = ? ORDER BY i.position", mid, version, NULL));
	snprintf(events, sizeof events, "%s ORDER BY id DESC LIMIT 10",
	    old_events_sql);
	json_object_set_new(obj, "recent_events", old_rows(events, mid, 0,
	    NULL));
	json_object_set_new(obj, "evaluations", old_rows("SELECT e.id AS id, "
	    "e.at AS at, e.who AS who, e.data AS data_json, e.metrics AS "
	    "metrics_json FROM evaluations e JOIN versions v ON v.id = "
	    "e.version_id WHERE v.model_id = ? AND v.version = ? ORDER BY e.id "
	    "DESC LIMIT 10", mid, version, NULL));
	return obj;
}

TEST(show_and_history_json_are_what_they_printed)
{
	struct nlp_registry *r = rich_registry();
	struct nlp_registry_shown s;
	struct nlp_registry_events h;
	struct nlp_ref ref = { "spam", "", 1 };
	struct nlp_err e = { 0 };
	long long mid = sql_int(dbpath(), "SELECT id FROM models WHERE name = "
	    "'spam'");
	char *doc = NULL, sql[512];
	int rc;

	for (ref.version = 1; ref.version <= 2; ref.version++) {
		cr_assert_eq(nlp_registry_show(r, &ref, &s, &e), NLP_OK, "%s",
		    e.msg);
		rc = nlp_registry_shown_json(&s, &doc, &e);
		assert_json(old_show(mid, ref.version), rc, doc, &e);
		nlp_registry_shown_release(&s);
	}
	cr_assert_eq(nlp_registry_history(r, "spam", NULL, &h, &e), NLP_OK);
	rc = nlp_registry_events_json(&h, &doc, &e);
	snprintf(sql, sizeof sql, "%s ORDER BY id DESC", old_events_sql);
	assert_json(old_rows(sql, mid, 0, NULL), rc, doc, &e);
	nlp_registry_events_release(&h);
	cr_assert_eq(nlp_registry_history(r, "spam", "production", &h, &e),
	    NLP_OK);
	rc = nlp_registry_events_json(&h, &doc, &e);
	snprintf(sql, sizeof sql, "%s AND alias = ? ORDER BY id DESC",
	    old_events_sql);
	assert_json(old_rows(sql, mid, 0, "production"), rc, doc, &e);
	nlp_registry_events_release(&h);
	nlp_registry_close(r);
}

TEST(verify_and_gc_json_are_what_they_printed)
{
	char *p[] = { "database: row 3 of tags refers to a missing row of "
	    "versions", "spam@1: object 00ab is missing" };
	char *n[] = { "temporary file /r/tmp/put-x.tmp (gc removes it)" };
	struct nlp_registry_verify_report v = { { p, 2, 0 }, { n, 1, 0 }, 7 };
	struct nlp_registry_gc_report g = { { p, 1, 0 }, 123, 1, 2 };
	struct nlp_err e = { 0 };
	char *doc = NULL;

	cr_assert_eq(nlp_registry_verify_report_json(&v, &doc, &e), NLP_OK);
	cr_assert_str_eq(doc, "{\n  \"notes\": [\n    \"temporary file "
	    "/r/tmp/put-x.tmp (gc removes it)\"\n  ],\n  \"problems\": [\n    "
	    "\"database: row 3 of tags refers to a missing row of versions\",\n"
	    "    \"spam@1: object 00ab is missing\"\n  ],\n  \"versions\": 7\n}");
	free(doc);
	v.problems.n = v.notes.n = 0;
	cr_assert_eq(nlp_registry_verify_report_json(&v, &doc, &e), NLP_OK);
	cr_assert_str_eq(doc, "{\n  \"notes\": [],\n  \"problems\": [],\n  "
	    "\"versions\": 7\n}");
	free(doc);
	cr_assert_eq(nlp_registry_gc_report_json(&g, &doc, &e), NLP_OK);
	cr_assert_str_eq(doc, "{\n  \"bytes\": 123,\n  \"dry_run\": true,\n  "
	    "\"kept_young\": 2,\n  \"removed\": [\n    \"database: row 3 of "
	    "tags refers to a missing row of versions\"\n  ]\n}");
	free(doc);
	g.removed.n = 0;
	g.dry_run = 0;
	g.young = 0;
	cr_assert_eq(nlp_registry_gc_report_json(&g, &doc, &e), NLP_OK);
	cr_assert_str_eq(doc, "{\n  \"bytes\": 123,\n  \"dry_run\": false,\n  "
	    "\"kept_young\": 0,\n  \"removed\": []\n}");
	free(doc);
}

/* ---- bundles ---- */

/* Export ref (name alone: all) of r to path; the versions written. */
static size_t
export_to(struct nlp_registry *r, const char *name, const char *path)
{
	struct nlp_ref ref = { .version = 0 };
	struct nlp_registry_bundle_report rep;
	struct nlp_err e = { 0 };
	size_t n;

	snprintf(ref.name, sizeof ref.name, "%s", name);
	cr_assert_eq(nlp_registry_export(r, &ref, 1, path, -1, &rep, &e),
	    NLP_OK, "%s", e.msg);
	n = rep.n;
	nlp_registry_bundle_report_release(&rep);
	return n;
}

/* Import path into r: its status; *imported counts the versions added,
 * *models the models changed. */
static int
import_from(struct nlp_registry *r, const char *path, size_t *imported,
    size_t *models, struct nlp_err *e)
{
	struct nlp_registry_bundle_report rep;
	size_t i;
	int rc = nlp_registry_import(r, path, "tester", &rep, e);

	*imported = *models = 0;
	for (i = 0; rc == NLP_OK && i < rep.n; i++)
		*imported += rep.v[i].imported != 0;
	*models = rep.nmodels;
	nlp_registry_bundle_report_release(&rep);
	return rc;
}

TEST(export_then_import_keeps_numbers_and_history_and_refuses_conflicts)
{
	struct nlp_registry *r = open_rw(), *r2, *r3;
	struct nlp_push_result res;
	struct nlp_err e = { 0 };
	char bundle[PATH_MAX], other[PATH_MAX], reg2[PATH_MAX], reg3[PATH_MAX];
	size_t imported, models, n;

	snprintf(bundle, sizeof bundle, "%s/b.tar", dir);
	snprintf(other, sizeof other, "%s/c.tar", dir);
	snprintf(reg2, sizeof reg2, "%s/reg2", dir);
	snprintf(reg3, sizeof reg3, "%s/reg3", dir);
	push_n(r, "spam", 1, "production", NULL);
	push_n(r, "spam", 2, NULL, NULL);
	push_n(r, "spam", 3, NULL, NULL);
	cr_assert_eq(nlp_registry_rm(r, "spam", 2, 0, "tester", "gone", &e),
	    NLP_OK, "%s", e.msg);
	cr_assert_eq(export_to(r, "spam", bundle), 2);
	cr_assert_eq(nlp_registry_open(&r2, reg2, 1, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(import_from(r2, bundle, &imported, &models, &e), NLP_OK,
	    "%s", e.msg);
	cr_assert_eq(imported, 2);
	cr_assert_eq(models, 1);
	cr_assert_eq(resolve(r2, "spam@3"), 3);
	cr_assert_eq(resolve(r2, "spam@production"), 1);
	/* the source's events, and the import's */
	n = nevents(r2, "spam");
	cr_assert_eq(n, nevents(r, "spam") + 1);
	/* again, and into the source itself: nothing changes */
	cr_assert_eq(import_from(r2, bundle, &imported, &models, &e), NLP_OK,
	    "%s", e.msg);
	cr_assert_eq(imported + models, 0);
	cr_assert_eq(nevents(r2, "spam"), n);
	cr_assert_eq(import_from(r, bundle, &imported, &models, &e), NLP_OK,
	    "%s", e.msg);
	cr_assert_eq(imported + models, 0);
	/* a number the history names is never given again */
	push_n(r2, "spam", 4, NULL, &res);
	cr_assert_eq(res.version, 4);
	/* spam@1 with other bytes: refused whole */
	cr_assert_eq(nlp_registry_open(&r3, reg3, 1, &e), NLP_OK, "%s", e.msg);
	push_n(r3, "spam", 5, NULL, NULL);
	push_n(r3, "ham", 6, NULL, NULL);
	n = nevents(r2, "spam");
	cr_assert_eq(export_to(r3, "spam", other), 1);
	cr_assert_eq(import_from(r2, other, &imported, &models, &e),
	    NLP_REGISTRY);
	assert_has(e.msg, "spam@1 is other bytes here");
	cr_assert_eq(nevents(r2, "spam"), n);
	nlp_registry_close(r3);
	nlp_registry_close(r2);
	nlp_registry_close(r);
}

/* A bundle that is not a regular file (it is read twice) is NLP_USAGE,
 * before it is opened: a FIFO's reading would block. */
TEST(import_refuses_what_cannot_be_read_twice)
{
	struct nlp_registry *r = open_rw();
	struct nlp_err e = { 0 };
	char fifo[PATH_MAX], bundle[PATH_MAX], link[PATH_MAX];
	size_t imported, models;

	snprintf(fifo, sizeof fifo, "%s/b.fifo", dir);
	snprintf(bundle, sizeof bundle, "%s/b.tar", dir);
	snprintf(link, sizeof link, "%s/link.tar", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	push_n(r, "spam", 1, NULL, NULL);
	cr_assert_eq(export_to(r, "spam", bundle), 1);
	cr_assert_eq(nlp_registry_bundle_file(fifo, &e), NLP_USAGE);
	assert_has(e.msg, "import reads a regular file (it is read twice)");
	assert_has(e.msg, "(a pipe or FIFO)");
	cr_assert_eq(nlp_registry_bundle_check(fifo, &e), NLP_USAGE);
	cr_assert_eq(import_from(r, fifo, &imported, &models, &e), NLP_USAGE);
	cr_assert_eq(nlp_registry_bundle_file(dir, &e), NLP_USAGE);
	assert_has(e.msg, "(a directory)");
	cr_assert_eq(import_from(r, dir, &imported, &models, &e), NLP_USAGE);
	/* a regular file, also through a symbolic link; a missing one is
	 * the reading's to say */
	cr_assert_eq(symlink("b.tar", link), 0);
	cr_assert_eq(nlp_registry_bundle_file(link, &e), NLP_OK);
	cr_assert_eq(import_from(r, link, &imported, &models, &e), NLP_OK,
	    "%s", e.msg);
	cr_assert_eq(nlp_registry_bundle_file("/nonexistent/b.tar", &e),
	    NLP_OK);
	nlp_registry_close(r);
}

TEST(import_refuses_a_damaged_bundle_and_changes_nothing)
{
	struct nlp_registry *r = open_rw(), *r2;
	struct nlp_err e = { 0 };
	char bundle[PATH_MAX], reg2[PATH_MAX];
	size_t imported, models;
	struct stat sb;

	snprintf(bundle, sizeof bundle, "%s/b.tar", dir);
	snprintf(reg2, sizeof reg2, "%s/reg2", dir);
	push_n(r, "spam", 1, NULL, NULL);
	cr_assert_eq(export_to(r, "spam", bundle), 1);
	/* a byte of the object: 600 bytes past its header's start */
	{
		FILE *f = fopen(bundle, "rb");
		char *buf, *hit;
		cr_assert_not_null(f);
		cr_assert_eq(stat(bundle, &sb), 0);
		buf = malloc((size_t)sb.st_size);
		cr_assert_eq(fread(buf, 1, (size_t)sb.st_size, f),
		    (size_t)sb.st_size);
		fclose(f);
		hit = memmem(buf, (size_t)sb.st_size, "objects/", 8);
		cr_assert_not_null(hit);
		flip_byte(bundle, (off_t)(hit - buf) + 600);
		free(buf);
	}
	cr_assert_eq(nlp_registry_open(&r2, reg2, 1, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(import_from(r2, bundle, &imported, &models, &e), NLP_DATA);
	assert_has(e.msg, "it was changed");
	{
		struct nlp_registry_models m;
		cr_assert_eq(nlp_registry_list(r2, &m, &e), NLP_OK, "%s", e.msg);
		cr_assert_eq(m.n, 0);
		nlp_registry_models_release(&m);
	}
	nlp_registry_close(r2);
	nlp_registry_close(r);
}

/*
 * A PostgreSQL URI as every message shows it: without its password, in
 * the user information or as a password= parameter; a directory and a URI
 * without one as they are.
 */
TEST(a_uri_is_shown_without_its_password)
{
	static const char *const cases[][2] = {
		{ "postgresql://ci:s3cret@db.example.com:5432/reg",
		  "postgresql://ci@db.example.com:5432/reg" },
		{ "postgres://ci:p@ss@db/reg", "postgres://ci@db/reg" },
		{ "postgresql://db/reg?user=ci&password=s3cret&sslmode=require",
		  "postgresql://db/reg?user=ci&sslmode=require" },
		{ "postgresql://db/reg?password=s3cret", "postgresql://db/reg" },
		{ "postgresql://ci:x@[::1]:5432/reg?password=y&application_name=z",
		  "postgresql://ci@[::1]:5432/reg?application_name=z" },
		{ "postgresql://", "postgresql://" },
		{ "postgresql:///reg", "postgresql:///reg" },
		{ "/var/lib/nlpops", "/var/lib/nlpops" },
		{ "reg:with:colons@x", "reg:with:colons@x" },
	};
	char buf[256];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		nlp_registry_shown(cases[i][0], buf, sizeof buf);
		cr_assert_str_eq(buf, cases[i][1], "%s", cases[i][0]);
		cr_assert_null(strstr(buf, "s3cret"));
	}
	cr_assert(nlp_registry_is_uri("postgres://x"));
	cr_assert(nlp_registry_is_uri("postgresql://"));
	cr_assert(!nlp_registry_is_uri("postgresql:/x"));
	cr_assert(!nlp_registry_is_uri("./postgresql://x"));
}
