/*
 * registry.c - the model registry over SQLite (see registry.h).
 *
 * Every write is one BEGIN IMMEDIATE transaction: SQLite's busy timeout
 * waits for another writer, and a bounded retry loop around it turns a
 * registry held busy for too long into NLP_BUSY (exit 75), never into a
 * "database is locked" for the user.  Objects are stored (store.h) before
 * the transaction that names them, and checked again inside it, so that a
 * concurrent gc cannot leave a row without its object.
 */
#include "registry.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "artifact.h"
#include "jsonwatch.h"
#include "model.h"
#include "modelref.h"
#include "store.h"
#include "text.h"

/*
 * Text is bound SQLITE_STATIC everywhere: every string bound outlives the
 * statement's step (a local or a parameter of the function that steps it),
 * and a static bind copies nothing, so it cannot fail for want of memory
 * -- a TRANSIENT bind that did left a NULL that read as "NOT NULL
 * constraint failed" (exit 5) instead of out of memory.
 */
#define APPLICATION_ID 0x4e4c504f     /* "NLPO" */
#define BUSY_TIMEOUT_MS 5000
#define BUSY_RETRIES 6                /* 6 x 5 s, then NLP_BUSY */

struct nlp_registry {
	char *dir;
	char *dbpath;
	sqlite3 *db;
	int writable;
	int schema;                   /* the database's schema version */
	int corrupt;                  /* SQLite said malformed, not a db */
	int (*before_commit)(void *); /* see nlp_registry_before_commit() */
	void *before_arg;
};

static const char schema_v1[] =
    "CREATE TABLE models ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  next_version INTEGER NOT NULL DEFAULT 1,"
    "  created_at TEXT NOT NULL);"
    "CREATE TABLE versions ("
    "  id INTEGER PRIMARY KEY,"
    "  model_id INTEGER NOT NULL REFERENCES models(id),"
    "  version INTEGER NOT NULL,"
    "  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),"
    "  size INTEGER NOT NULL,"
    "  created_at TEXT NOT NULL,"
    "  created_by TEXT NOT NULL,"
    "  source TEXT,"
    "  description TEXT,"
    "  hyperparameters TEXT NOT NULL,"   /* JSON, from meta.json */
    "  metrics TEXT NOT NULL,"           /* JSON: held-out figures */
    "  meta TEXT NOT NULL,"              /* the artifact's meta.json */
    "  UNIQUE (model_id, version),"
    "  UNIQUE (model_id, sha256));"
    "CREATE TABLE inputs ("
    "  version_id INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  sha256 TEXT NOT NULL,"
    "  bytes INTEGER NOT NULL,"
    "  PRIMARY KEY (version_id, position));"
    "CREATE TABLE tags ("
    "  version_id INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,"
    "  key TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  PRIMARY KEY (version_id, key));"
    "CREATE TABLE aliases ("
    "  model_id INTEGER NOT NULL REFERENCES models(id),"
    "  alias TEXT NOT NULL,"
    "  version_id INTEGER NOT NULL REFERENCES versions(id),"
    "  updated_at TEXT NOT NULL,"
    "  PRIMARY KEY (model_id, alias));"
    "CREATE TABLE events ("
    "  id INTEGER PRIMARY KEY,"
    "  at TEXT NOT NULL,"
    "  who TEXT NOT NULL,"
    "  model TEXT NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('push', 'alias-set', 'alias-move',"
    "    'alias-delete', 'rollback', 'rm')),"
    "  alias TEXT,"
    "  old_version INTEGER,"
    "  new_version INTEGER,"
    "  reason TEXT);"
    "CREATE INDEX events_model ON events (model, alias, id);"
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
    "  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;"
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
    "  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;";

/* Schema 2: recorded evaluations (eval --record), append-only. */
static const char schema_v2[] =
    "CREATE TABLE evaluations ("
    "  id INTEGER PRIMARY KEY,"
    "  version_id INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,"
    "  at TEXT NOT NULL,"
    "  who TEXT NOT NULL,"
    "  data TEXT NOT NULL,"          /* JSON: [{name, sha256, bytes}] */
    "  metrics TEXT NOT NULL);"      /* JSON: accuracy, macro_f1, ... */
    "CREATE INDEX evaluations_version ON evaluations (version_id, id);"
    "CREATE TRIGGER evaluations_no_update BEFORE UPDATE ON evaluations"
    "  BEGIN SELECT RAISE(ABORT, 'evaluations are append-only'); END;";

/* The current time, UTC, ISO 8601 to the second. */
static void
now_iso(char buf[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The registry stayed busy past the retries (exit 75). */
static int
busy_err(struct nlp_registry *r, struct nlp_err *e)
{
	return nlp_errf(e, NLP_BUSY, "registry '%s' is busy: another process "
	    "held it for over %d s; try again later", r->dir,
	    BUSY_RETRIES * BUSY_TIMEOUT_MS / 1000);
}

/*
 * Fill e from the database's last error.  Busy is the message above, never
 * SQLite's "database is locked".  SQLite says "database or disk is full"
 * for a full disk and "disk I/O error" without the cause: name the cause
 * (for SQLITE_FULL SQLite keeps no errno, and it means ENOSPC here: no
 * max_page_count is set).
 */
static int
db_err(struct nlp_registry *r, struct nlp_err *e, const char *what)
{
	int code = sqlite3_extended_errcode(r->db);
	int prim = code & 0xff;
	int sys = sqlite3_system_errno(r->db);
	int status = NLP_IO;

	if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
		return busy_err(r, e);
	if (prim == SQLITE_CORRUPT || prim == SQLITE_NOTADB) {
		status = NLP_REGISTRY;
		r->corrupt = 1;
	}
	else if (prim == SQLITE_CONSTRAINT)
		status = NLP_REGISTRY;
	else if (prim == SQLITE_FULL)
		sys = ENOSPC;
	else if (prim != SQLITE_IOERR && prim != SQLITE_CANTOPEN)
		sys = 0;
	if (sys != 0)
		return nlp_errnof(e, status, sys, "registry '%s': %s: %s", r->dir,
		    what, sqlite3_errmsg(r->db));
	return nlp_errf(e, status, "registry '%s': %s: %s", r->dir, what,
	    sqlite3_errmsg(r->db));
}

/* Run SQL without results. */
static int
exec(struct nlp_registry *r, const char *sql, struct nlp_err *e)
{
	if (sqlite3_exec(r->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_err(r, e, "database");
	return NLP_OK;
}

/* Prepare a statement; NLP_OK or an error. */
static int
prep(struct nlp_registry *r, sqlite3_stmt **st, const char *sql,
    struct nlp_err *e)
{
	if (sqlite3_prepare_v2(r->db, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return db_err(r, e, "database");
	}
	return NLP_OK;
}

/* One integer from a query with up to two text parameters; def if no row. */
static int
query_int(struct nlp_registry *r, const char *sql, const char *a,
    const char *b, int64_t def, int64_t *out, struct nlp_err *e)
{
	sqlite3_stmt *st;
	int rc;

	*out = def;
	if ((rc = prep(r, &st, sql, e)) != NLP_OK)
		return rc;
	if (a)
		sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		*out = def;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(r, e, "query");
	return NLP_OK;
}

/*
 * BEGIN IMMEDIATE: take the write lock now, waiting (busy timeout) and
 * retrying a bounded number of times.
 */
static int
begin(struct nlp_registry *r, struct nlp_err *e)
{
	int i, rc = SQLITE_BUSY;

	for (i = 0; i < BUSY_RETRIES; i++) {
		rc = sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if ((rc & 0xff) != SQLITE_BUSY)
			break;
	}
	if (rc == SQLITE_OK)
		return NLP_OK;
	if ((rc & 0xff) == SQLITE_BUSY)
		return busy_err(r, e);
	if ((rc & 0xff) == SQLITE_READONLY)
		return nlp_errf(e, NLP_IO, "registry '%s' is read-only: %s",
		    r->dir, sqlite3_errmsg(r->db));
	return db_err(r, e, "cannot start a transaction");
}

static int
commit(struct nlp_registry *r, struct nlp_err *e)
{
	int i, rc = SQLITE_BUSY, err;

	if (r->before_commit != NULL && (err = r->before_commit(r->before_arg))
	    != 0) {
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
		return nlp_errnof(e, NLP_IO, err, "cannot write the result, so "
		    "nothing was changed");
	}

	for (i = 0; i < BUSY_RETRIES; i++) {
		rc = sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
		if ((rc & 0xff) != SQLITE_BUSY)
			break;
	}
	if (rc != SQLITE_OK) {
		int status = db_err(r, e, "cannot commit");
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
		return status;
	}
	return NLP_OK;
}

static void
rollback_tx(struct nlp_registry *r)
{
	if (!sqlite3_get_autocommit(r->db))
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
}

/*
 * The header's application_id and user_version, read in one statement:
 * two separate reads could straddle another process's schema creation and
 * see half of it.
 */
static int
read_header(struct nlp_registry *r, int64_t *app, int64_t *ver,
    struct nlp_err *e)
{
	sqlite3_stmt *st;
	int rc;

	*app = *ver = 0;
	if ((rc = prep(r, &st, "SELECT a.application_id, u.user_version FROM "
	    "pragma_application_id AS a, pragma_user_version AS u", e)) != NLP_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*app = sqlite3_column_int64(st, 0);
		*ver = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? NLP_OK : db_err(r, e, "cannot read the header");
}

/* Is this header one nlpops can use (ours, or empty; not newer)? */
static int
check_header(struct nlp_registry *r, int64_t app, int64_t ver,
    struct nlp_err *e)
{
	/* nlpops sets application_id with the first schema: a file without
	   it is ours only while it is still empty */
	if (app != APPLICATION_ID && (app != 0 || ver != 0))
		return nlp_errf(e, NLP_REGISTRY, "'%s' is not an nlpops registry "
		    "(another application's SQLite file)", r->dbpath);
	if (ver > NLP_REGISTRY_SCHEMA)
		return nlp_errf(e, NLP_REGISTRY, "registry '%s' has schema %lld, "
		    "newer than this nlpops knows (%d): upgrade nlpops", r->dir,
		    (long long)ver, NLP_REGISTRY_SCHEMA);
	return NLP_OK;
}

/*
 * A database without our header and without tables: a registry being
 * created (another process may hold the lock and be making it), or one
 * whose registry.db was emptied -- by a crash, a full disk, a mistake.
 * With objects in the store it is the latter, and a new schema there
 * would silently renumber history ("spam@1" would name another model)
 * and let gc delete every artifact: refuse.
 */
static int
empty_database(struct nlp_registry *r, struct nlp_err *e)
{
	size_t n = 0;
	int rc;

	if ((rc = nlp_store_count(r->dir, &n, e)) != NLP_OK)
		return rc;
	if (n > 0)
		return nlp_errf(e, NLP_REGISTRY, "registry '%s' is damaged: its "
		    "database is empty but %zu object%s exist%s (restore "
		    "registry.db from a backup); nothing was changed", r->dir, n,
		    n == 1 ? "" : "s", n == 1 ? "s" : "");
	if (!r->writable)
		return nlp_errf(e, NLP_REGISTRY, "no registry at '%s' (its "
		    "database is empty; push a model or run 'nlpops registry "
		    "init' to make one)", r->dir);
	return NLP_OK;
}

/* Create the schema, or check and migrate an existing one. */
static int
setup_schema(struct nlp_registry *r, struct nlp_err *e)
{
	int64_t app = 0, ver = 0, tables = 0;
	int rc;

	if ((rc = read_header(r, &app, &ver, e)) != NLP_OK)
		return rc;
	r->schema = NLP_REGISTRY_SCHEMA;
	if (app == APPLICATION_ID && ver == NLP_REGISTRY_SCHEMA)
		return NLP_OK;
	if ((rc = check_header(r, app, ver, e)) != NLP_OK)
		return rc;
	if (!r->writable) {
		if (ver == 0) {
			if ((rc = query_int(r, "SELECT count(*) FROM sqlite_master",
			    NULL, NULL, 0, &tables, e)) != NLP_OK)
				return rc;
			if (tables > 0)
				return nlp_errf(e, NLP_REGISTRY, "'%s' is not an "
				    "nlpops registry (a SQLite file with other "
				    "tables)", r->dbpath);
			return empty_database(r, e);
		}
		/* read what is there; what a newer schema adds reads as empty */
		r->schema = (int)ver;
		return NLP_OK;
	}
	if ((rc = begin(r, e)) != NLP_OK)
		return rc;
	/* someone else may have created or migrated it while we waited */
	if ((rc = read_header(r, &app, &ver, e)) != NLP_OK ||
	    (rc = check_header(r, app, ver, e)) != NLP_OK ||
	    (rc = query_int(r, "SELECT count(*) FROM sqlite_master", NULL, NULL,
	    0, &tables, e)))
		goto fail;
	if (ver == 0 && tables > 0) {
		rc = nlp_errf(e, NLP_REGISTRY, "'%s' is not an nlpops registry "
		    "(a SQLite file with other tables)", r->dbpath);
		goto fail;
	}
	if (ver == 0) {
		char sql[64];
		if ((rc = empty_database(r, e)) != NLP_OK ||
		    (rc = exec(r, schema_v1, e)) != NLP_OK)
			goto fail;
		snprintf(sql, sizeof sql, "PRAGMA application_id = %d",
		    APPLICATION_ID);
		if ((rc = exec(r, sql, e)) != NLP_OK ||
		    (rc = exec(r, "PRAGMA user_version = 1", e)) != NLP_OK)
			goto fail;
	}
	/* migrations, one step each */
	if (ver <= 1 && ((rc = exec(r, schema_v2, e)) != NLP_OK ||
	    (rc = exec(r, "PRAGMA user_version = 2", e)) != NLP_OK))
		goto fail;
	return commit(r, e);
fail:
	rollback_tx(r);
	return rc;
}

/* mkdir -p for the registry directory itself. */
static int
make_dirs(const char *dir)
{
	char *p = strdup(dir), *s;
	int rc = 0;

	if (p == NULL)
		return -1;
	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (mkdir(p, 0777) != 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/* A file: URI for path with query q ('%', '?' and '#' escaped); NULL when
 * out of memory; sqlite3_free() it. */
static char *
file_uri(const char *path, const char *q)
{
	size_t n = strlen(path), i, j;
	char *u = sqlite3_malloc64(3 * n + strlen(q) + 16);

	if (u == NULL)
		return NULL;
	/* file:///abs (empty authority), so that "//x" is not a host */
	j = (size_t)sprintf(u, "%s", path[0] == '/' ? "file://" : "file:");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];
		if (c == '%' || c == '?' || c == '#')
			j += (size_t)sprintf(u + j, "%%%02X", c);
		else
			u[j++] = (char)c;
	}
	sprintf(u + j, "?%s", q);
	return u;
}

/* Open the database connection with the given flags and settings. */
static int
connect(struct nlp_registry *r, int flags, const char *uri, struct nlp_err *e)
{
	if (sqlite3_open_v2(uri ? uri : r->dbpath, &r->db, flags, NULL) !=
	    SQLITE_OK) {
		int rc = nlp_errf(e, NLP_IO, "cannot open registry '%s': %s",
		    r->dir, r->db ? sqlite3_errmsg(r->db) : "out of memory");
		sqlite3_close(r->db);
		r->db = NULL;
		return rc;
	}
	sqlite3_busy_timeout(r->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(r->db, 1);
	return NLP_OK;
}

/*
 * A WAL database whose -shm file is missing and cannot be created (read-only
 * media, or a directory we may not write) cannot be opened the usual way.
 * Then no process has it open -- a writer would have made the -shm -- and
 * on read-only media none can: read it without locks or shared memory.
 * When registry.db-wal holds frames (commits a killed process left there,
 * never checkpointed into registry.db), through the "unix-none" VFS in
 * exclusive locking mode, which keeps the WAL index in heap memory and so
 * reads those commits; otherwise as an immutable file.  (immutable=1
 * ignores the WAL: with such a -wal it served the state before those
 * commits, an alias pointing where it pointed before, without a word.)  On
 * writable media a writer could start while we read; the window is one
 * short open, as it was with immutable=1 alone.
 */
static int
open_unshared(struct nlp_registry *r, struct nlp_err *e)
{
	char *wal = sqlite3_mprintf("%s-wal", r->dbpath), *uri = NULL;
	struct stat sb;
	int use_wal, rc;

	if (wal == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	use_wal = stat(wal, &sb) == 0 && sb.st_size > 0;
	sqlite3_free(wal);
	if (use_wal && sqlite3_vfs_find("unix-none") == NULL)
		return nlp_errf(e, NLP_IO, "cannot read registry '%s': its "
		    "registry.db-wal needs registry.db-shm, which is missing and "
		    "cannot be created", r->dir);
	uri = file_uri(r->dbpath, use_wal ? "mode=ro&vfs=unix-none" :
	    "immutable=1");
	if (uri == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	sqlite3_close(r->db);
	r->db = NULL;
	rc = connect(r, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
	    SQLITE_OPEN_NOFOLLOW, uri, e);
	sqlite3_free(uri);
	if (rc == NLP_OK && use_wal)
		rc = exec(r, "PRAGMA locking_mode = EXCLUSIVE", e);
	if (rc == NLP_OK && sqlite3_exec(r->db, "SELECT 1 FROM sqlite_master "
	    "LIMIT 1", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_err(r, e, "cannot read the database");
	return rc;
}

/* What nlp_registry_open() finds at the registry's path. */
enum layout {
	NO_DIR,            /* the directory does not exist */
	NO_DB,             /* it does, without registry.db */
	DB,                /* registry.db is there, a plain file of ours */
};

/* Is this file of the registry (registry.db, its -wal, -shm, -journal)
 * what it should be: a regular file with one name, the registry's?
 * NLP_OK, NLP_REGISTRY refusing it, or NLP_IO.  *exists says whether it
 * is there. */
static int
check_file(struct nlp_registry *r, int dfd, const struct stat *dirst,
    const char *name, int *exists, struct nlp_err *e)
{
	struct stat st;
	const char *why = NULL;

	*exists = 0;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno == ENOENT)
			return NLP_OK;
		return nlp_errnof(e, NLP_IO, errno, "cannot open registry '%s'",
		    r->dir);
	}
	*exists = 1;
	if (S_ISLNK(st.st_mode))
		why = "a symbolic link";
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_nlink != 1)
		why = "a file with other hard links";
	else if (!nlp_store_owned(dirst, &st))
		why = "not the registry's (another file system or owner)";
	if (why != NULL)
		return nlp_errf(e, NLP_REGISTRY, "'%s/%s' is %s: refusing it (the "
		    "registry is damaged, or someone tampered with it)", r->dir,
		    name, why);
	return NLP_OK;
}

/*
 * Look at the registry's directory before SQLite does: a registry.db (or
 * its -wal, -shm, -journal) that is a symbolic link, a device, a hard
 * link or someone else's file is refused -- SQLite would follow it and
 * write a database over whatever it points at -- and so are objects/ and
 * tmp/ when they are not directories.  A directory that is not empty and
 * holds no registry.db is not a registry, and is never made into one.
 */
static int
inspect(struct nlp_registry *r, enum layout *lay, int *empty,
    struct nlp_err *e)
{
	static const char *const files[] = {
		"registry.db-wal", "registry.db-shm", "registry.db-journal",
	};
	static const char *const dirs[] = { "objects", "tmp" };
	struct stat dirst, st;
	int dfd, exists, rc = NLP_OK, again, retried = 0;
	struct dirent *de;
	size_t i;
	DIR *dp;

top:
	*lay = NO_DIR;
	*empty = 1;
	again = 0;
	if ((dfd = open(r->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return NLP_OK;
		if (errno == ENOTDIR)
			return nlp_errf(e, NLP_REGISTRY, "'%s' is not a directory, "
			    "so not a registry", r->dir);
		return nlp_errnof(e, NLP_IO, errno, "cannot open registry '%s'",
		    r->dir);
	}
	if (fstat(dfd, &dirst) != 0) {
		rc = nlp_errnof(e, NLP_IO, errno, "cannot open registry '%s'",
		    r->dir);
		goto out;
	}
	*lay = NO_DB;
	if ((rc = check_file(r, dfd, &dirst, "registry.db", &exists, e))
	    != NLP_OK)
		goto out;
	if (exists)
		*lay = DB;
	/* an emptied registry.db must not be written, not even the header
	 * that setting WAL mode writes before the schema is looked at */
	if (exists && fstatat(dfd, "registry.db", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_size == 0 && (rc = empty_database(r, e)) != NLP_OK)
		goto out;
	for (i = 0; rc == NLP_OK && i < sizeof files / sizeof *files; i++)
		rc = check_file(r, dfd, &dirst, files[i], &exists, e);
	for (i = 0; rc == NLP_OK && i < sizeof dirs / sizeof *dirs; i++)
		if (fstatat(dfd, dirs[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISDIR(st.st_mode))
			rc = nlp_errf(e, NLP_REGISTRY, "'%s/%s' is %s: refusing it "
			    "(the registry is damaged, or someone tampered with "
			    "it)", r->dir, dirs[i], S_ISLNK(st.st_mode) ?
			    "a symbolic link" : "not a directory");
	if (rc != NLP_OK || *lay == DB)
		goto out;
	/* no database: is there anything else? */
	if ((dp = fdopendir(dfd)) == NULL) {
		rc = nlp_errnof(e, NLP_IO, errno, "cannot read registry '%s'",
		    r->dir);
		goto out;
	}
	dfd = -1;
	/* another process may be making the registry right now: a
	 * registry.db that appeared since we looked for it means look again;
	 * its -wal or -journal alone does not make the directory foreign,
	 * and objects/ without a database is caught as damage later */
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, "registry.db") == 0)
			again = 1;
		else if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..")
		    != 0 && strcmp(de->d_name, "objects") != 0 &&
		    strncmp(de->d_name, "registry.db-", 12) != 0)
			*empty = 0;
	}
	closedir(dp);
	if (again && retried++ == 0)
		goto top;
out:
	if (dfd >= 0)
		close(dfd);
	return rc;
}

/* A registry.db that is missing where it must be found. */
static int
no_registry(struct nlp_registry *r, enum layout lay, int empty,
    struct nlp_err *e)
{
	size_t n = 0;

	(void)empty;
	if (lay == NO_DB && nlp_store_count(r->dir, &n, NULL) == NLP_OK && n > 0)
		return nlp_errf(e, NLP_REGISTRY, "registry '%s' is damaged: "
		    "registry.db is missing but %zu object%s exist%s (restore it "
		    "from a backup)", r->dir, n, n == 1 ? "" : "s", n == 1 ?
		    "s" : "");
	return nlp_errf(e, NLP_REGISTRY, "no registry at '%s' (push a model or "
	    "run 'nlpops registry init' to make one)", r->dir);
}

/* Did a read fail because the WAL index (registry.db-shm) could not be
 * made or sized: a full disk, a quota? */
static int
no_shm(int sq)
{
	return sq == SQLITE_IOERR_SHMOPEN || sq == SQLITE_IOERR_SHMSIZE ||
	    sq == SQLITE_IOERR_SHMMAP || (sq & 0xff) == SQLITE_FULL;
}

/* nlp_registry_open(); *corrupt set when it failed because SQLite found
 * the database malformed (or no database at all). */
static int
open_registry(struct nlp_registry **out, const char *dir, int writable,
    int *corrupt, struct nlp_err *e)
{
	struct nlp_registry *r;
	size_t n = strlen(dir) + 16;
	int rc, sq = SQLITE_OK, empty;
	enum layout lay;

	*out = NULL;
	if ((r = calloc(1, sizeof *r)) == NULL || (r->dir = strdup(dir)) == NULL ||
	    (r->dbpath = malloc(n)) == NULL) {
		nlp_registry_close(r);
		return nlp_errf(e, NLP_IO, "out of memory");
	}
	snprintf(r->dbpath, n, "%s/registry.db", dir);
	r->writable = writable != 0;
	if ((rc = inspect(r, &lay, &empty, e)) != NLP_OK)
		goto fail;
	if (lay != DB && (writable != 1 || (lay == NO_DB && !empty))) {
		rc = writable == 1 ? nlp_errf(e, NLP_REGISTRY, "'%s' is not empty "
		    "and holds no registry: nlpops makes a registry only in a new "
		    "or empty directory", dir) : no_registry(r, lay, empty, e);
		goto fail;
	}
	if (writable) {
		if (lay == NO_DIR && make_dirs(dir) != 0) {
			rc = nlp_errnof(e, NLP_IO, errno, "cannot create registry "
			    "'%s'", dir);
			goto fail;
		}
		if ((rc = connect(r, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
		    SQLITE_OPEN_NOFOLLOW, NULL, e)) != NLP_OK)
			goto fail;
		/*
		 * On read-only media, or without write permission, SQLite
		 * quietly opens the file read-only: say so now, in one line
		 * (exit 4), rather than fail later with whatever a first
		 * write happens to hit -- or succeed, for a write that had
		 * nothing to change.
		 */
		if (sqlite3_db_readonly(r->db, "main") == 1) {
			int err = access(r->dbpath, W_OK) == 0 ? EACCES : errno;
			rc = nlp_errnof(e, NLP_IO, err, "registry '%s' is "
			    "read-only", dir);
			goto fail;
		}
		{
			int fd = open(r->dbpath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			struct stat fsb;
			if (fd >= 0 && fstat(fd, &fsb) == 0 && S_ISREG(fsb.st_mode))
				nlp_store_fix_mode(dir, fd, 0);
			if (fd >= 0)
				close(fd);
		}
		/*
		 * journal_mode needs the lock briefly: retry like a write.
		 * Extended result codes are on, so a busy result is any
		 * SQLITE_BUSY_*; still busy after the retries is NLP_BUSY.
		 * Other failures leave the journal mode as it was, as before.
		 */
		for (n = 0; n < BUSY_RETRIES; n++)
			if (((sq = sqlite3_exec(r->db, "PRAGMA journal_mode = WAL",
			    NULL, NULL, NULL)) & 0xff) != SQLITE_BUSY)
				break;
		if ((sq & 0xff) == SQLITE_BUSY) {
			rc = busy_err(r, e);
			goto fail;
		}
		if ((rc = exec(r, "PRAGMA synchronous = FULL;"
		    "PRAGMA foreign_keys = ON", e)) != NLP_OK)
			goto fail;
	} else {
		rc = connect(r, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL,
		    e);
		if (rc == NLP_OK && (sq = sqlite3_exec(r->db, "SELECT 1 FROM "
		    "sqlite_master LIMIT 1", NULL, NULL, NULL)) != SQLITE_OK) {
			/*
			 * Only a -shm that cannot be made calls for reading
			 * without locks: SQLITE_CANTOPEN on read-only media,
			 * SQLITE_READONLY_DIRECTORY in a directory we may not
			 * write, an I/O error making it on a full disk.
			 * Anything else (busy past the timeout, say, while a
			 * writer works) is reported as it is: reading a live
			 * database without locks could see a checkpoint half
			 * done.
			 */
			if (sq == SQLITE_CANTOPEN || sq == SQLITE_READONLY_DIRECTORY ||
			    no_shm(sq))
				rc = open_unshared(r, e);
			else
				rc = db_err(r, e, "cannot read the database");
		}
		if (rc != NLP_OK)
			goto fail;
	}
	if ((rc = setup_schema(r, e)) != NLP_OK)
		goto fail;
	*out = r;
	return NLP_OK;
fail:
	if (r != NULL)
		*corrupt = r->corrupt;
	nlp_registry_close(r);
	return rc;
}

int
nlp_registry_open(struct nlp_registry **out, const char *dir, int writable,
    struct nlp_err *e)
{
	int corrupt = 0;

	return open_registry(out, dir, writable, &corrupt, e);
}

void
nlp_registry_close(struct nlp_registry *r)
{
	if (r == NULL)
		return;
	sqlite3_close(r->db);
	free(r->dir);
	free(r->dbpath);
	free(r);
}

const char *
nlp_registry_dir(const struct nlp_registry *r)
{
	return r->dir;
}

void
nlp_registry_before_commit(struct nlp_registry *r, int (*fn)(void *arg),
    void *arg)
{
	r->before_commit = fn;
	r->before_arg = arg;
}

/* Is s, a free text for the records (a reason, a description, a tag's
 * value), one printable line of reasonable length?  A newline in a
 * reason forged lines in 'registry history'. */
static int
check_text(const char *what, const char *s, struct nlp_err *e)
{
	size_t n;

	if (s == NULL)
		return NLP_OK;
	if ((n = strlen(s)) > NLP_TEXT_MAX)
		return nlp_errf(e, NLP_USAGE, "%s is %zu bytes long; at most %d",
		    what, n, NLP_TEXT_MAX);
	if (!nlp_text_clean(s, n))
		return nlp_errf(e, NLP_USAGE, "%s must be one line of printable "
		    "UTF-8 text, without control characters", what);
	return NLP_OK;
}

int
nlp_registry_init(const char *dir, const char *group, struct nlp_err *e)
{
	struct nlp_registry *r;
	int rc;

	if (make_dirs(dir) != 0)
		return nlp_errnof(e, NLP_IO, errno, "cannot create registry '%s'",
		    dir);
	if (group != NULL) {
		struct group *g = getgrnam(group);
		if (g == NULL)
			return nlp_errf(e, NLP_USAGE, "no group '%s'", group);
		if (chown(dir, (uid_t)-1, g->gr_gid) != 0 ||
		    chmod(dir, 02775) != 0)
			return nlp_errnof(e, NLP_IO, errno, "cannot share registry "
			    "'%s' with group '%s'", dir, group);
	}
	if ((rc = nlp_registry_open(&r, dir, 1, e)) != NLP_OK)
		return rc;
	nlp_registry_close(r);
	return NLP_OK;
}

/* Names. */

int
nlp_registry_valid_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > NLP_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return 0;
	}
	return 1;
}

int
nlp_registry_valid_alias(const char *s)
{
	size_t i;

	if (!nlp_registry_valid_name(s))
		return 0;
	for (i = 0; s[i]; i++)
		if (s[i] < '0' || s[i] > '9')
			return 1;
	return 0;
}

/* The id of model name, or 0 when there is none. */
static int
model_id(struct nlp_registry *r, const char *name, int64_t *id,
    struct nlp_err *e)
{
	return query_int(r, "SELECT id FROM models WHERE name = ?", name, NULL,
	    0, id, e);
}

/* Like model_id(), but a missing model is an error. */
static int
need_model(struct nlp_registry *r, const char *name, int64_t *id,
    struct nlp_err *e)
{
	int rc = model_id(r, name, id, e);

	if (rc == NLP_OK && *id == 0)
		return nlp_errf(e, NLP_REGISTRY, "no model '%s' in registry '%s'",
		    name, r->dir);
	return rc;
}

/* The row id of name@version, or an error naming what is missing. */
static int
need_version(struct nlp_registry *r, int64_t mid, const char *name,
    long version, int64_t *vid, struct nlp_err *e)
{
	char v[32];
	int64_t m = mid;
	char ms[32];
	int rc;

	snprintf(v, sizeof v, "%ld", version);
	snprintf(ms, sizeof ms, "%lld", (long long)m);
	rc = query_int(r, "SELECT id FROM versions WHERE model_id = ? AND "
	    "version = ?", ms, v, 0, vid, e);
	if (rc == NLP_OK && *vid == 0)
		return nlp_errf(e, NLP_REGISTRY, "no version %s@%ld", name, version);
	return rc;
}

/* The version an alias points at (0: no such alias). */
static int
alias_version(struct nlp_registry *r, int64_t mid, const char *alias,
    long *version, struct nlp_err *e)
{
	char ms[32];
	int64_t v;
	int rc;

	snprintf(ms, sizeof ms, "%lld", (long long)mid);
	rc = query_int(r, "SELECT v.version FROM aliases a JOIN versions v ON "
	    "v.id = a.version_id WHERE a.model_id = ? AND a.alias = ?", ms, alias,
	    0, &v, e);
	*version = (long)v;
	return rc;
}

/* What ref names, without looking at its object (show; pull, which checks
 * the object as it copies it). */
static int
resolve_ref(struct nlp_registry *r, const struct nlp_ref *ref,
    struct nlp_resolved *out, struct nlp_err *e)
{
	sqlite3_stmt *st;
	int64_t mid;
	long version = ref->version;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = need_model(r, ref->name, &mid, e)) != NLP_OK)
		return rc;
	if (ref->alias[0]) {
		if ((rc = alias_version(r, mid, ref->alias, &version, e)) != NLP_OK)
			return rc;
		if (version == 0)
			return nlp_errf(e, NLP_REGISTRY, "model '%s' has no alias "
			    "'%s'", ref->name, ref->alias);
	}
	if ((rc = prep(r, &st, "SELECT sha256, size FROM versions WHERE "
	    "model_id = ? AND version = ?", e)) != NLP_OK)
		return rc;
	sqlite3_bind_int64(st, 1, mid);
	sqlite3_bind_int64(st, 2, version);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(out->sha256, sizeof out->sha256, "%s",
		    (const char *)sqlite3_column_text(st, 0));
		out->size = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return nlp_errf(e, NLP_REGISTRY, "no version %s@%ld", ref->name,
		    version);
	if (rc != SQLITE_ROW)
		return db_err(r, e, "query");
	snprintf(out->name, sizeof out->name, "%s", ref->name);
	out->version = version;
	if (nlp_store_path(r->dir, out->sha256, out->path, sizeof out->path) < 0)
		return nlp_errf(e, NLP_REGISTRY, "registry '%s': bad object name "
		    "for %s@%ld", r->dir, ref->name, version);
	return NLP_OK;
}

/*
 * Resolve without reading the object: loading checks it (modelref.c), pull
 * hashes it as it copies, verify re-hashes everything.
 */
int
nlp_registry_resolve(struct nlp_registry *r, const struct nlp_ref *ref,
    struct nlp_resolved *out, struct nlp_err *e)
{
	return resolve_ref(r, ref, out, e);
}

/* Append an event to the log (inside the caller's transaction). */
static int
event(struct nlp_registry *r, const char *kind, const char *model,
    const char *alias, long oldv, long newv, const char *who,
    const char *reason, struct nlp_err *e)
{
	sqlite3_stmt *st;
	char at[32];
	int rc;

	now_iso(at);
	if ((rc = prep(r, &st, "INSERT INTO events (at, who, model, kind, alias, "
	    "old_version, new_version, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	    e)) != NLP_OK)
		return rc;
	sqlite3_bind_text(st, 1, at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, who ? who : "unknown", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, model, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
	if (alias)
		sqlite3_bind_text(st, 5, alias, -1, SQLITE_STATIC);
	if (oldv > 0)
		sqlite3_bind_int64(st, 6, oldv);
	if (newv > 0)
		sqlite3_bind_int64(st, 7, newv);
	if (reason)
		sqlite3_bind_text(st, 8, reason, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? NLP_OK : db_err(r, e, "cannot log the event");
}

/* Point alias of model mid at version (inside a transaction). */
static int
set_alias_locked(struct nlp_registry *r, int64_t mid, const char *name,
    long version, const char *alias, long if_current, const char *who,
    const char *reason, const char *kind, long *old, struct nlp_err *e)
{
	sqlite3_stmt *st;
	int64_t vid;
	long cur;
	char at[32];
	int rc;

	if ((rc = need_version(r, mid, name, version, &vid, e)) != NLP_OK ||
	    (rc = alias_version(r, mid, alias, &cur, e)) != NLP_OK)
		return rc;
	*old = cur;
	if (if_current == -1 && cur != 0)
		return nlp_errf(e, NLP_REGISTRY, "alias '%s' of '%s' already "
		    "exists (it points at %s@%ld); nothing changed", alias, name,
		    name, cur);
	if (if_current > 0 && cur != if_current) {
		if (cur == 0)
			return nlp_errf(e, NLP_REGISTRY, "alias '%s' of '%s' does "
			    "not exist, not %s@%ld as expected; nothing changed",
			    alias, name, name, if_current);
		return nlp_errf(e, NLP_REGISTRY, "alias '%s' of '%s' points at "
		    "%s@%ld, not %s@%ld as expected; nothing changed", alias, name,
		    name, cur, name, if_current);
	}
	if (cur == version)
		return NLP_OK;
	now_iso(at);
	if ((rc = prep(r, &st, "INSERT INTO aliases (model_id, alias, version_id, "
	    "updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (model_id, alias) DO "
	    "UPDATE SET version_id = excluded.version_id, "
	    "updated_at = excluded.updated_at", e)) != NLP_OK)
		return rc;
	sqlite3_bind_int64(st, 1, mid);
	sqlite3_bind_text(st, 2, alias, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, vid);
	sqlite3_bind_text(st, 4, at, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(r, e, "cannot set the alias");
	if (kind == NULL)
		kind = cur ? "alias-move" : "alias-set";
	return event(r, kind, name, alias, cur, version, who, reason, e);
}

/* Insert the version row and its lineage (inside a transaction). */
static int
insert_version(struct nlp_registry *r, int64_t mid, long version,
    const char *hex, size_t len, const struct nlp_push_opts *o,
    json_t *meta, const char *metatext, struct nlp_err *e)
{
	sqlite3_stmt *st = NULL;
	json_t *hyper = json_object_get(meta, "hyperparameters");
	json_t *held = json_object_get(meta, "held_out");
	json_t *inputs = json_object_get(meta, "inputs"), *in;
	/* check_meta() made these objects or absent ("{}") */
	char *hs = hyper ? json_dumps(hyper, JSON_SORT_KEYS | JSON_COMPACT) :
	    strdup("{}");
	char *ms = held ? json_dumps(held, JSON_SORT_KEYS | JSON_COMPACT) :
	    strdup("{}");
	char at[32];
	int64_t vid;
	size_t i;
	int rc = NLP_OK;

	now_iso(at);
	if (hs == NULL || ms == NULL) {
		rc = nlp_errf(e, NLP_IO, "out of memory");
		goto out;
	}
	if ((rc = prep(r, &st, "INSERT INTO versions (model_id, version, sha256, "
	    "size, created_at, created_by, source, description, hyperparameters, "
	    "metrics, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", e)) != NLP_OK)
		goto out;
	sqlite3_bind_int64(st, 1, mid);
	sqlite3_bind_int64(st, 2, version);
	sqlite3_bind_text(st, 3, hex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)len);
	sqlite3_bind_text(st, 5, at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, o->who ? o->who : "unknown", -1, SQLITE_STATIC);
	if (o->source)
		sqlite3_bind_text(st, 7, o->source, -1, SQLITE_STATIC);
	if (o->description)
		sqlite3_bind_text(st, 8, o->description, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, hs, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, ms, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, metatext, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = db_err(r, e, "cannot add the version");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	vid = sqlite3_last_insert_rowid(r->db);

	if ((rc = prep(r, &st, "INSERT INTO inputs (version_id, position, name, "
	    "sha256, bytes) VALUES (?, ?, ?, ?, ?)", e)) != NLP_OK)
		goto out;
	json_array_foreach(inputs, i, in) {
		const char *n = json_string_value(json_object_get(in, "name"));
		const char *h = json_string_value(json_object_get(in, "sha256"));
		json_int_t b = json_integer_value(json_object_get(in, "bytes"));
		if (n == NULL || h == NULL)
			continue;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, vid);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		sqlite3_bind_text(st, 3, n, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, h, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, b);
		if (sqlite3_step(st) != SQLITE_DONE) {
			rc = db_err(r, e, "cannot record the training data");
			goto out;
		}
	}
	sqlite3_finalize(st);
	st = NULL;

	if ((rc = prep(r, &st, "INSERT INTO tags (version_id, key, value) VALUES "
	    "(?, ?, ?) ON CONFLICT (version_id, key) DO UPDATE SET "
	    "value = excluded.value", e)) != NLP_OK)
		goto out;
	for (i = 0; i < o->ntags; i++) {
		const char *eq = strchr(o->tags[i], '=');
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, vid);
		sqlite3_bind_text(st, 2, o->tags[i], (int)(eq - o->tags[i]),
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 3, eq + 1, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			rc = db_err(r, e, "cannot tag the version");
			goto out;
		}
	}
out:
	sqlite3_finalize(st);
	free(hs);
	free(ms);
	return rc;
}

/* Check the push options before touching anything. */
static int
check_push_opts(const struct nlp_push_opts *o, struct nlp_err *e)
{
	size_t i;
	int rc;

	if (!nlp_registry_valid_name(o->name))
		return nlp_errf(e, NLP_USAGE, "'%s' is not a valid model name "
		    "(1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or "
		    "digit)", o->name);
	if (o->alias && !nlp_registry_valid_alias(o->alias))
		return nlp_errf(e, NLP_USAGE, "'%s' is not a valid alias (like a "
		    "name, and not all digits)", o->alias);
	for (i = 0; i < o->ntags; i++) {
		const char *eq = strchr(o->tags[i], '=');
		char key[NLP_NAME_MAX + 1];
		size_t n = eq ? (size_t)(eq - o->tags[i]) : 0;

		if (eq == NULL || n == 0 || n > NLP_NAME_MAX)
			return nlp_errf(e, NLP_USAGE, "tag '%s' is not KEY=VALUE",
			    o->tags[i]);
		memcpy(key, o->tags[i], n);
		key[n] = '\0';
		if (!nlp_registry_valid_name(key))
			return nlp_errf(e, NLP_USAGE, "tag key '%s' is not valid "
			    "(A-Z a-z 0-9 . _ -)", key);
		if ((rc = check_text("a tag's value", eq + 1, e)) != NLP_OK)
			return rc;
	}
	if ((rc = check_text("--description", o->description, e)) != NLP_OK ||
	    (rc = check_text("the user's name", o->who, e)) != NLP_OK ||
	    (rc = check_text("--reason", o->reason, e)) != NLP_OK ||
	    (rc = check_text("the source", o->source, e)) != NLP_OK)
		return rc;
	return NLP_OK;
}

/* A member field that is not what the registry reads it as. */
static int
bad_field(const char *field, const char *want, struct nlp_err *e)
{
	return nlp_errf(e, NLP_DATA, "member 'meta.json': field '%s' is not %s",
	    field, want);
}

/*
 * Check the meta.json fields the registry stores and shows, by type and
 * range: hyperparameters and held_out objects (or absent), inputs an
 * array of {name, sha256, bytes}, labels an array, examples a count.
 */
static int
check_meta(json_t *meta, struct nlp_err *e)
{
	json_t *v, *in;
	size_t i;

	if ((v = json_object_get(meta, "hyperparameters")) != NULL &&
	    !json_is_object(v))
		return bad_field("hyperparameters", "an object", e);
	if ((v = json_object_get(meta, "held_out")) != NULL && !json_is_object(v))
		return bad_field("held_out", "an object", e);
	if ((v = json_object_get(meta, "labels")) != NULL && !json_is_array(v))
		return bad_field("labels", "an array", e);
	if ((v = json_object_get(meta, "examples")) != NULL &&
	    (!json_is_integer(v) || json_integer_value(v) < 0))
		return bad_field("examples", "a count", e);
	if ((v = json_object_get(meta, "inputs")) != NULL && !json_is_array(v))
		return bad_field("inputs", "an array", e);
	json_array_foreach(v, i, in) {
		json_t *n = json_object_get(in, "name");
		json_t *h = json_object_get(in, "sha256");
		json_t *b = json_object_get(in, "bytes");
		if (!json_is_string(n) || !nlp_text_clean(json_string_value(n),
		    json_string_length(n)) || !json_is_string(h) ||
		    !nlp_store_valid_hex(json_string_value(h)) ||
		    !json_is_integer(b) || json_integer_value(b) < 0)
			return bad_field("inputs", "an array of {name, sha256, "
			    "bytes}", e);
	}
	return NLP_OK;
}

/*
 * The artifact's meta.json, parsed and checked, after its weights loaded
 * the way predict loads them: NLP_DATA when it is not an artifact, or not
 * one that every command can use -- a version that cannot be loaded must
 * never be pushed, let alone promoted.
 */
static int
artifact_meta(const void *data, size_t len, json_t **meta, char **text,
    struct nlp_err *e)
{
	struct nlp_artifact *a;
	struct nlp_model m;
	const void *w, *mj;
	size_t wlen, mlen;
	json_error_t je;
	int rc;

	*meta = NULL;
	*text = NULL;
	if ((rc = nlp_artifact_open_mem(&a, data, len, e)) != NLP_OK)
		return rc;
	if ((rc = nlp_artifact_member(a, "weights", &w, &wlen, e)) == NLP_OK &&
	    (rc = nlp_model_load(&m, w, wlen, e)) == NLP_OK)
		nlp_model_release(&m);
	if (rc == NLP_OK)
		rc = nlp_artifact_member(a, "meta.json", &mj, &mlen, e);
	if (rc == NLP_OK) {
		unsigned long mark = nlp_json_watch();
		*meta = json_loadb(mj, mlen, JSON_REJECT_DUPLICATES, &je);
		*text = strndup(mj, mlen);
		/* jansson's lexer drops what it cannot allocate: a value read
		 * short, or valid JSON called invalid, is out of memory */
		if (*text == NULL || nlp_json_failed_since(mark))
			rc = nlp_errf(e, NLP_IO, "out of memory");
		else if (*meta == NULL || !json_is_object(*meta))
			rc = nlp_errf(e, NLP_DATA, "member 'meta.json' is not a "
			    "JSON object");
		else
			rc = check_meta(*meta, e);
	}
	if (rc != NLP_OK) {
		json_decref(*meta);
		free(*text);
		*meta = NULL;
		*text = NULL;
	}
	nlp_artifact_close(a);
	return rc;
}

int
nlp_registry_check_artifact(const void *data, size_t len, struct nlp_err *e)
{
	json_t *meta;
	char *text;
	int rc = artifact_meta(data, len, &meta, &text, e);

	json_decref(meta);
	free(text);
	return rc;
}

int
nlp_registry_push(struct nlp_registry *r, const void *data, size_t len,
    const struct nlp_push_opts *o, struct nlp_push_result *res,
    struct nlp_err *e)
{
	json_t *meta = NULL;
	char *metatext = NULL, objpath[4096];
	int64_t mid, existing, next;
	struct stat sb;
	int created, rc;
	long old;

	memset(res, 0, sizeof *res);
	if ((rc = check_push_opts(o, e)) != NLP_OK)
		return rc;
	if ((rc = artifact_meta(data, len, &meta, &metatext, e)) != NLP_OK)
		return rc;
	if (nlp_sha256_hex(data, len, res->sha256) != 0) {
		rc = nlp_errf(e, NLP_IO, "out of memory");
		goto out;
	}
	nlp_store_path(r->dir, res->sha256, objpath, sizeof objpath);
	/*
	 * Store the object (the slow part) before taking the lock.  gc
	 * removes objects only while it holds the write lock, so once we
	 * hold it an object that is there stays until we commit.  One that a
	 * gc took between our put and our lock (it was no version's yet) is
	 * stored again now, under the lock: this used to be three tries of
	 * put-then-lock, which a gc running in a loop could all defeat.
	 */
	if ((rc = nlp_store_put(r->dir, res->sha256, data, len, &created,
	    e)) != NLP_OK)
		goto out;
	if ((rc = begin(r, e)) != NLP_OK)
		goto out;
	if (stat(objpath, &sb) != 0 && (rc = nlp_store_put(r->dir, res->sha256,
	    data, len, &created, e)) != NLP_OK)
		goto fail;
	if ((rc = model_id(r, o->name, &mid, e)) != NLP_OK)
		goto fail;
	if (mid == 0) {
		sqlite3_stmt *st;
		char at[32];
		now_iso(at);
		if ((rc = prep(r, &st, "INSERT INTO models (name, created_at) "
		    "VALUES (?, ?)", e)) != NLP_OK)
			goto fail;
		sqlite3_bind_text(st, 1, o->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			rc = db_err(r, e, "cannot add the model");
			goto fail;
		}
		mid = sqlite3_last_insert_rowid(r->db);
	}
	{
		char ms[32];
		snprintf(ms, sizeof ms, "%lld", (long long)mid);
		if ((rc = query_int(r, "SELECT version FROM versions WHERE "
		    "model_id = ? AND sha256 = ?", ms, res->sha256, 0, &existing,
		    e)) != NLP_OK ||
		    (rc = query_int(r, "SELECT next_version FROM models WHERE "
		    "id = ?", ms, NULL, 1, &next, e)) != NLP_OK)
			goto fail;
	}
	if (existing) {
		res->existed = 1;
		res->version = (long)existing;
	} else {
		char sql[96];
		res->version = (long)next;
		snprintf(sql, sizeof sql, "UPDATE models SET next_version = %lld "
		    "WHERE id = %lld", (long long)next + 1, (long long)mid);
		if ((rc = exec(r, sql, e)) != NLP_OK ||
		    (rc = insert_version(r, mid, res->version, res->sha256, len, o,
		    meta, metatext, e)) != NLP_OK ||
		    (rc = event(r, "push", o->name, NULL, 0, res->version, o->who,
		    o->description, e)) != NLP_OK)
			goto fail;
	}
	if (o->alias && (rc = set_alias_locked(r, mid, o->name, res->version,
	    o->alias, 0, o->who, o->reason, NULL, &old, e)) != NLP_OK)
		goto fail;
	rc = commit(r, e);
	goto out;
fail:
	rollback_tx(r);
out:
	json_decref(meta);
	free(metatext);
	return rc;
}

int
nlp_registry_alias_set(struct nlp_registry *r, const char *name, long version,
    const char *alias, long if_current, const char *who, const char *reason,
    long *old, struct nlp_err *e)
{
	return nlp_registry_promote(r, name, version, alias, if_current, NULL, 0,
	    who, reason, old, e);
}

/* A requirement "METRIC OP NUMBER", split. */
struct requirement {
	char metric[NLP_NAME_MAX + 8];
	char op[3];
	double bound;
};

static int
parse_requirement(const char *s, struct requirement *q, struct nlp_err *e)
{
	const char *p = s;
	size_t n = 0;
	char *end;

	while (*p && strchr("<>=!", *p) == NULL)
		p++;
	n = (size_t)(p - s);
	if (n == 0 || n >= sizeof q->metric)
		goto bad;
	memcpy(q->metric, s, n);
	q->metric[n] = '\0';
	if (strncmp(p, ">=", 2) == 0 || strncmp(p, "<=", 2) == 0) {
		memcpy(q->op, p, 2);
		q->op[2] = '\0';
		p += 2;
	} else if (*p == '>' || *p == '<') {
		q->op[0] = *p++;
		q->op[1] = '\0';
	} else {
		goto bad;
	}
	errno = 0;
	q->bound = strtod(p, &end);
	if (end == p || *end != '\0' || errno != 0)
		goto bad;
	if (strcmp(q->metric, "accuracy") && strcmp(q->metric, "macro_f1") &&
	    strcmp(q->metric, "weighted_f1") && strcmp(q->metric, "log_loss") &&
	    strcmp(q->metric, "ece") && strcmp(q->metric, "n") &&
	    strncmp(q->metric, "f1:", 3) != 0)
		return nlp_errf(e, NLP_USAGE, "requirement '%s': unknown metric "
		    "'%s' (accuracy, macro_f1, weighted_f1, log_loss, ece, n, "
		    "f1:LABEL)", s, q->metric);
	return NLP_OK;
bad:
	return nlp_errf(e, NLP_USAGE, "requirement '%s' is not METRIC OP NUMBER "
	    "(like macro_f1>=0.85)", s);
}

/*
 * Check requirements against the latest evaluation recorded on the
 * version (inside the caller's transaction).
 */
static int
check_requirements(struct nlp_registry *r, int64_t vid, const char *name,
    long version, const char *const *req, size_t nreq, struct nlp_err *e)
{
	struct requirement q;
	sqlite3_stmt *st;
	json_t *metrics = NULL;
	char at[64] = "", data[128] = "";
	int64_t evid = 0;
	size_t i;
	int rc;

	for (i = 0; i < nreq; i++)
		if ((rc = parse_requirement(req[i], &q, e)) != NLP_OK)
			return rc;
	if (nreq == 0)
		return NLP_OK;
	if (r->schema < 2)
		return nlp_errf(e, NLP_NO, "%s@%ld has no recorded evaluation",
		    name, version);
	if ((rc = prep(r, &st, "SELECT id, at, metrics, json_extract(data, "
	    "'$[0].sha256') FROM evaluations WHERE version_id = ? ORDER BY id "
	    "DESC LIMIT 1", e)) != NLP_OK)
		return rc;
	nlp_json_watch();
	sqlite3_bind_int64(st, 1, vid);
	if (sqlite3_step(st) == SQLITE_ROW) {
		evid = sqlite3_column_int64(st, 0);
		snprintf(at, sizeof at, "%s", sqlite3_column_text(st, 1));
		metrics = json_loads((const char *)sqlite3_column_text(st, 2), 0,
		    NULL);
		if (sqlite3_column_text(st, 3) != NULL)
			snprintf(data, sizeof data, "%.12s", sqlite3_column_text(st, 3));
	}
	sqlite3_finalize(st);
	if (evid != 0 && metrics == NULL && nlp_json_failed())
		return nlp_errf(e, NLP_IO, "out of memory");
	if (evid == 0 || metrics == NULL) {
		json_decref(metrics);
		return nlp_errf(e, NLP_NO, "%s@%ld has no recorded evaluation "
		    "(run 'nlpops eval -m %s@%ld --record DATA' first)", name, version,
		    name, version);
	}
	for (i = 0; i < nreq; i++) {
		json_t *v;
		double x;
		int ok;

		parse_requirement(req[i], &q, e);
		if (strncmp(q.metric, "f1:", 3) == 0)
			v = json_object_get(json_object_get(metrics, "per_class_f1"),
			    q.metric + 3);
		else
			v = json_object_get(metrics, q.metric);
		if (!json_is_number(v)) {
			rc = nlp_errf(e, NLP_NO, "requirement '%s' failed: evaluation "
			    "#%lld of %s@%ld (%s, data %s) has no %s", req[i],
			    (long long)evid, name, version, at, data, q.metric);
			json_decref(metrics);
			return rc;
		}
		x = json_number_value(v);
		ok = strcmp(q.op, ">=") == 0 ? x >= q.bound :
		    strcmp(q.op, "<=") == 0 ? x <= q.bound :
		    strcmp(q.op, ">") == 0 ? x > q.bound : x < q.bound;
		if (!ok) {
			rc = nlp_errf(e, NLP_NO, "requirement '%s' failed: %s is %.4f "
			    "on evaluation #%lld of %s@%ld (%s, data %s); nothing "
			    "changed", req[i], q.metric, x, (long long)evid, name,
			    version, at, data);
			json_decref(metrics);
			return rc;
		}
	}
	json_decref(metrics);
	return NLP_OK;
}

int
nlp_registry_promote(struct nlp_registry *r, const char *name, long version,
    const char *alias, long if_current, const char *const *req, size_t nreq,
    const char *who, const char *reason, long *old, struct nlp_err *e)
{
	int64_t mid, vid;
	int rc;

	*old = 0;
	if (!nlp_registry_valid_alias(alias))
		return nlp_errf(e, NLP_USAGE, "'%s' is not a valid alias", alias);
	if ((rc = check_text("--reason", reason, e)) != NLP_OK ||
	    (rc = check_text("the user's name", who, e)) != NLP_OK ||
	    (rc = begin(r, e)) != NLP_OK)
		return rc;
	if ((rc = need_model(r, name, &mid, e)) != NLP_OK ||
	    (rc = need_version(r, mid, name, version, &vid, e)) != NLP_OK ||
	    (rc = check_requirements(r, vid, name, version, req, nreq, e))
	    != NLP_OK ||
	    (rc = set_alias_locked(r, mid, name, version, alias, if_current, who,
	    reason, NULL, old, e)) != NLP_OK) {
		rollback_tx(r);
		return rc;
	}
	return commit(r, e);
}

int
nlp_registry_record_eval(struct nlp_registry *r, const struct nlp_ref *ref,
    const char *who, const char *data_json, const char *metrics_json,
    long *version, struct nlp_err *e)
{
	struct nlp_resolved res;
	sqlite3_stmt *st;
	int64_t mid, vid;
	char at[32];
	int rc;

	*version = 0;
	if ((rc = begin(r, e)) != NLP_OK)
		return rc;
	if ((rc = nlp_registry_resolve(r, ref, &res, e)) != NLP_OK ||
	    (rc = need_model(r, ref->name, &mid, e)) != NLP_OK ||
	    (rc = need_version(r, mid, ref->name, res.version, &vid, e)) != NLP_OK)
		goto fail;
	now_iso(at);
	if ((rc = prep(r, &st, "INSERT INTO evaluations (version_id, at, who, "
	    "data, metrics) VALUES (?, ?, ?, ?, ?)", e)) != NLP_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, vid);
	sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, who ? who : "unknown", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, data_json, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, metrics_json, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		rc = db_err(r, e, "cannot record the evaluation");
		goto fail;
	}
	*version = res.version;
	return commit(r, e);
fail:
	rollback_tx(r);
	return rc;
}

/* Delete an alias (inside a transaction). */
static int
delete_alias_locked(struct nlp_registry *r, int64_t mid, const char *name,
    const char *alias, const char *who, const char *reason, long *old,
    struct nlp_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = alias_version(r, mid, alias, old, e)) != NLP_OK)
		return rc;
	if (*old == 0)
		return nlp_errf(e, NLP_REGISTRY, "model '%s' has no alias '%s'",
		    name, alias);
	if ((rc = prep(r, &st, "DELETE FROM aliases WHERE model_id = ? AND "
	    "alias = ?", e)) != NLP_OK)
		return rc;
	sqlite3_bind_int64(st, 1, mid);
	sqlite3_bind_text(st, 2, alias, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(r, e, "cannot delete the alias");
	return event(r, "alias-delete", name, alias, *old, 0, who, reason, e);
}

int
nlp_registry_alias_delete(struct nlp_registry *r, const char *name,
    const char *alias, const char *who, const char *reason, long *old,
    struct nlp_err *e)
{
	int64_t mid;
	int rc;

	*old = 0;
	if ((rc = check_text("--reason", reason, e)) != NLP_OK ||
	    (rc = check_text("the user's name", who, e)) != NLP_OK ||
	    (rc = begin(r, e)) != NLP_OK)
		return rc;
	if ((rc = need_model(r, name, &mid, e)) != NLP_OK ||
	    (rc = delete_alias_locked(r, mid, name, alias, who, reason, old,
	    e)) != NLP_OK) {
		rollback_tx(r);
		return rc;
	}
	return commit(r, e);
}

/* Does name@version exist? */
static int
version_exists(struct nlp_registry *r, int64_t mid, long version)
{
	sqlite3_stmt *st;
	int found = 0;

	if (sqlite3_prepare_v2(r->db, "SELECT 1 FROM versions WHERE model_id = ? "
	    "AND version = ?", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, mid);
	sqlite3_bind_int64(st, 2, version);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/*
 * Where a rollback of alias goes: replay the alias's events as a stack --
 * a set or move pushes the new version, a rollback that went to the entry
 * below the top pops, any other rollback (--to) pushes, a delete empties
 * it -- then take the entry below the top, skipping removed versions.
 * *target is 0 when there is nothing to go back to.
 */
static int
rollback_target(struct nlp_registry *r, int64_t mid, const char *name,
    const char *alias, long *target, struct nlp_err *e)
{
	sqlite3_stmt *st;
	long *stack = NULL;
	size_t n = 0, cap = 0;
	int rc;

	*target = 0;
	if ((rc = prep(r, &st, "SELECT kind, new_version FROM events WHERE "
	    "model = ? AND alias = ? ORDER BY id", e)) != NLP_OK)
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, alias, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		long v = (long)sqlite3_column_int64(st, 1);

		if (strcmp(kind, "alias-delete") == 0) {
			n = 0;
			continue;
		}
		if (strcmp(kind, "rollback") == 0) {
			/* a rollback went down the stack to v, passing over removed
			   versions; one with --to elsewhere is a move */
			size_t j = n;
			while (j >= 2 && stack[j - 2] != v)
				j--;
			if (j >= 2) {
				n = j - 1;
				continue;
			}
		}
		if (n == cap) {
			long *p;
			cap = cap ? cap * 2 : 16;
			if ((p = realloc(stack, cap * sizeof *p)) == NULL) {
				free(stack);
				sqlite3_finalize(st);
				return nlp_errf(e, NLP_IO, "out of memory");
			}
			stack = p;
		}
		stack[n++] = v;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(stack);
		return db_err(r, e, "cannot read the event log");
	}
	while (n >= 2) {
		if (stack[n - 2] != stack[n - 1] &&
		    version_exists(r, mid, stack[n - 2])) {
			*target = stack[n - 2];
			break;
		}
		/* the version below was removed: pass over it */
		stack[n - 2] = stack[n - 1];
		n--;
	}
	free(stack);
	return NLP_OK;
}

int
nlp_registry_rollback(struct nlp_registry *r, const char *name,
    const char *alias, long to, const char *who, const char *reason,
    long *from, long *dest, struct nlp_err *e)
{
	int64_t mid;
	long old;
	int rc;

	*from = *dest = 0;
	if ((rc = check_text("--reason", reason, e)) != NLP_OK ||
	    (rc = check_text("the user's name", who, e)) != NLP_OK ||
	    (rc = begin(r, e)) != NLP_OK)
		return rc;
	if ((rc = need_model(r, name, &mid, e)) != NLP_OK ||
	    (rc = alias_version(r, mid, alias, from, e)) != NLP_OK)
		goto fail;
	if (*from == 0) {
		rc = nlp_errf(e, NLP_REGISTRY, "model '%s' has no alias '%s': "
		    "nothing to roll back", name, alias);
		goto fail;
	}
	if (to > 0) {
		*dest = to;
	} else {
		if ((rc = rollback_target(r, mid, name, alias, dest, e)) != NLP_OK)
			goto fail;
		if (*dest == 0) {
			rc = nlp_errf(e, NLP_REGISTRY, "nothing to roll back to: "
			    "'%s' of '%s' has pointed only at %s@%ld", alias, name,
			    name, *from);
			goto fail;
		}
	}
	if (*dest == *from) {
		rc = nlp_errf(e, NLP_REGISTRY, "'%s' of '%s' already points at "
		    "%s@%ld: nothing changed", alias, name, name, *from);
		goto fail;
	}
	if ((rc = set_alias_locked(r, mid, name, *dest, alias, *from, who, reason,
	    "rollback", &old, e)) != NLP_OK)
		goto fail;
	return commit(r, e);
fail:
	rollback_tx(r);
	return rc;
}

int
nlp_registry_rm(struct nlp_registry *r, const char *name, long version,
    int force, const char *who, const char *reason, struct nlp_err *e)
{
	sqlite3_stmt *st = NULL;
	char **aliases = NULL;
	size_t n = 0, i;
	int64_t mid, vid;
	long old;
	int rc;

	if ((rc = check_text("--reason", reason, e)) != NLP_OK ||
	    (rc = check_text("the user's name", who, e)) != NLP_OK ||
	    (rc = begin(r, e)) != NLP_OK)
		return rc;
	if ((rc = need_model(r, name, &mid, e)) != NLP_OK ||
	    (rc = need_version(r, mid, name, version, &vid, e)) != NLP_OK ||
	    (rc = prep(r, &st, "SELECT alias FROM aliases WHERE version_id = ? "
	    "ORDER BY alias", e)) != NLP_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, vid);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char **p = realloc(aliases, (n + 1) * sizeof *p);
		if (p == NULL) {
			rc = nlp_errf(e, NLP_IO, "out of memory");
			goto fail;
		}
		aliases = p;
		if ((aliases[n] = strdup((const char *)sqlite3_column_text(st, 0)))
		    == NULL) {
			rc = nlp_errf(e, NLP_IO, "out of memory");
			goto fail;
		}
		n++;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (n > 0 && !force) {
		rc = nlp_errf(e, NLP_REGISTRY, "%s@%ld is what alias '%s' points "
		    "at; move the alias first, or use --force", name, version,
		    aliases[0]);
		goto fail;
	}
	for (i = 0; i < n; i++)
		if ((rc = delete_alias_locked(r, mid, name, aliases[i], who,
		    "rm --force", &old, e)) != NLP_OK)
			goto fail;
	if ((rc = prep(r, &st, "DELETE FROM versions WHERE id = ?", e)) != NLP_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, vid);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = db_err(r, e, "cannot remove the version");
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = event(r, "rm", name, NULL, version, 0, who, reason, e)) != NLP_OK)
		goto fail;
	rc = commit(r, e);
	goto out;
fail:
	sqlite3_finalize(st);
	rollback_tx(r);
out:
	for (i = 0; i < n; i++)
		free(aliases[i]);
	free(aliases);
	return rc;
}

/* Reads. */

/* A JSON value for column i of a row (NULL -> null). */
static json_t *
col_json(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(st, i));
	case SQLITE_NULL:
		return json_null();
	default:
		return json_string((const char *)sqlite3_column_text(st, i));
	}
}

/*
 * Run a query and return its rows as an array of objects keyed by column
 * name; columns named "*_json" are parsed and stored without the suffix.
 * Parameters: the first is iparam; the second is tparam when it is not
 * NULL, else iparam2.
 */
static int
rows_json2(struct nlp_registry *r, const char *sql, int64_t iparam,
    int64_t iparam2, const char *tparam, json_t **out, struct nlp_err *e)
{
	sqlite3_stmt *st;
	json_t *a;
	int rc, i, ncol;

	*out = NULL;
	nlp_json_watch();       /* a key or row lost to a failed allocation */
	if ((a = json_array()) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	if ((rc = prep(r, &st, sql, e)) != NLP_OK) {
		json_decref(a);
		return rc;
	}
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, iparam);
	if (sqlite3_bind_parameter_count(st) >= 2) {
		if (tparam != NULL)
			sqlite3_bind_text(st, 2, tparam, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(st, 2, iparam2);
	}
	ncol = sqlite3_column_count(st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = json_object();
		for (i = 0; i < ncol; i++) {
			const char *name = sqlite3_column_name(st, i);
			size_t n = strlen(name);
			if (n > 5 && strcmp(name + n - 5, "_json") == 0) {
				char key[64];
				const char *txt = (const char *)sqlite3_column_text(st, i);
				json_t *v = txt ? json_loads(txt, 0, NULL) : NULL;
				snprintf(key, sizeof key, "%.*s", (int)(n - 5), name);
				json_object_set_new(o, key, v ? v : json_null());
			} else {
				json_object_set_new(o, name, col_json(st, i));
			}
		}
		json_array_append_new(a, o);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(a);
		return db_err(r, e, "query");
	}
	if (nlp_json_failed()) {
		json_decref(a);
		return nlp_errf(e, NLP_IO, "out of memory");
	}
	*out = a;
	return NLP_OK;
}

/* rows_json2() with at most one integer and one text parameter. */
static int
rows_json(struct nlp_registry *r, const char *sql, int64_t iparam,
    const char *tparam, json_t **out, struct nlp_err *e)
{
	return rows_json2(r, sql, iparam, 0, tparam, out, e);
}

int
nlp_registry_list(struct nlp_registry *r, const char *name, json_t **out,
    struct nlp_err *e)
{
	int64_t mid;
	int rc;

	if (name == NULL)
		return rows_json(r, "SELECT m.name AS name, "
		    "(SELECT max(version) FROM versions WHERE model_id = m.id) AS latest, "
		    "(SELECT count(*) FROM versions WHERE model_id = m.id) AS versions, "
		    "(SELECT json_group_object(a.alias, v.version) FROM aliases a "
		    "JOIN versions v ON v.id = a.version_id WHERE a.model_id = m.id) "
		    "AS aliases_json, "
		    "(SELECT max(at) FROM events WHERE model = m.name) AS updated_at "
		    "FROM models m ORDER BY m.name", 0, NULL, out, e);
	if ((rc = need_model(r, name, &mid, e)) != NLP_OK)
		return rc;
	return rows_json(r, "SELECT v.version AS version, v.sha256 AS sha256, "
	    "v.size AS size, v.created_at AS created_at, v.created_by AS "
	    "created_by, (SELECT json_group_array(alias) FROM (SELECT alias FROM "
	    "aliases WHERE version_id = v.id ORDER BY alias)) AS aliases_json, "
	    "(SELECT json_group_object(key, value) FROM tags WHERE version_id = "
	    "v.id) AS tags_json, v.metrics AS metrics_json, v.description AS "
	    "description FROM versions v WHERE v.model_id = ? ORDER BY v.version",
	    mid, NULL, out, e);
}

int
nlp_registry_show(struct nlp_registry *r, const struct nlp_ref *ref,
    json_t **out, struct nlp_err *e)
{
	unsigned long mark = nlp_json_watch();
	struct nlp_resolved res;
	json_t *rows = NULL, *obj, *x = NULL;
	int64_t mid;
	int rc;

	*out = NULL;
	if ((rc = resolve_ref(r, ref, &res, e)) != NLP_OK ||
	    (rc = need_model(r, ref->name, &mid, e)) != NLP_OK)
		return rc;
	if ((rc = rows_json2(r, "SELECT m.name AS name, v.version AS version, "
	    "v.sha256 AS sha256, v.size AS size, v.created_at AS created_at, "
	    "v.created_by AS created_by, v.source AS source, v.description AS "
	    "description, (SELECT json_group_array(alias) FROM (SELECT alias FROM "
	    "aliases WHERE version_id = v.id ORDER BY alias)) AS aliases_json, "
	    "(SELECT json_group_object(key, value) FROM tags WHERE version_id = "
	    "v.id) AS tags_json, v.hyperparameters AS hyperparameters_json, "
	    "v.metrics AS metrics_json, json_extract(v.meta, '$.labels') AS "
	    "labels_json, json_extract(v.meta, '$.examples') AS examples, "
	    "json_extract(v.meta, '$.nlpops_version') AS nlpops_version "
	    "FROM versions v JOIN models m ON m.id = v.model_id "
	    "WHERE v.model_id = ? AND v.version = ?", mid, res.version, NULL,
	    &rows, e)) != NLP_OK)
		return rc;
	obj = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	if (obj == NULL)
		return nlp_errf(e, NLP_REGISTRY, "no version %s@%ld", ref->name,
		    res.version);
	if ((rc = rows_json2(r, "SELECT i.name AS name, i.sha256 AS sha256, "
	    "i.bytes AS bytes FROM inputs i JOIN versions v ON v.id = "
	    "i.version_id WHERE v.model_id = ? AND v.version = ? ORDER BY "
	    "i.position", mid, res.version, NULL, &x, e)) != NLP_OK) {
		json_decref(obj);
		return rc;
	}
	json_object_set_new(obj, "training_data", x);
	if ((rc = rows_json(r, "SELECT at, who, kind, alias, old_version, "
	    "new_version, reason FROM events WHERE model = (SELECT name FROM "
	    "models WHERE id = ?) ORDER BY id DESC LIMIT 10", mid, NULL, &x, e))
	    != NLP_OK) {
		json_decref(obj);
		return rc;
	}
	json_object_set_new(obj, "recent_events", x);
	if (r->schema >= 2) {
		if ((rc = rows_json2(r, "SELECT e.id AS id, e.at AS at, e.who AS who, "
		    "e.data AS data_json, e.metrics AS metrics_json FROM evaluations e "
		    "JOIN versions v ON v.id = e.version_id WHERE v.model_id = ? AND "
		    "v.version = ? ORDER BY e.id DESC LIMIT 10", mid, res.version,
		    NULL, &x, e)) != NLP_OK) {
			json_decref(obj);
			return rc;
		}
	} else {
		x = json_array();
	}
	json_object_set_new(obj, "evaluations", x);
	if (nlp_json_failed_since(mark)) {
		json_decref(obj);
		return nlp_errf(e, NLP_IO, "out of memory");
	}
	*out = obj;
	return NLP_OK;
}

int
nlp_registry_history(struct nlp_registry *r, const char *name,
    const char *alias, json_t **out, struct nlp_err *e)
{
	int64_t mid;
	int rc;

	if ((rc = need_model(r, name, &mid, e)) != NLP_OK)
		return rc;
	if (alias != NULL)
		return rows_json(r, "SELECT at, who, kind, alias, old_version, "
		    "new_version, reason FROM events WHERE model = (SELECT name "
		    "FROM models WHERE id = ?) AND alias = ? ORDER BY id DESC",
		    mid, alias, out, e);
	return rows_json(r, "SELECT at, who, kind, alias, old_version, "
	    "new_version, reason FROM events WHERE model = (SELECT name FROM "
	    "models WHERE id = ?) ORDER BY id DESC", mid, NULL, out, e);
}

int
nlp_registry_pull(struct nlp_registry *r, const struct nlp_ref *ref,
    const char *path, struct nlp_resolved *out, struct nlp_err *e)
{
	int rc;

	if ((rc = resolve_ref(r, ref, out, e)) != NLP_OK)
		return rc;
	if ((rc = nlp_store_export(r->dir, out->sha256, path, e)) != NLP_OK &&
	    e != NULL)
		e->status = rc;
	return rc;
}

/* The SHA-256 of every version, sorted, for verify and gc. */
static int
referenced(struct nlp_registry *r, char (**hex)[NLP_SHA256_HEX],
    int64_t **sizes, char ***names, size_t *n, struct nlp_err *e)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	*hex = NULL;
	*sizes = NULL;
	*names = NULL;
	*n = 0;
	/* from the table itself, not an index: a damaged index that lost an
	 * entry made gc delete a live version's object */
	if ((rc = prep(r, &st, "SELECT v.sha256, v.size, m.name || '@' || "
	    "v.version FROM versions AS v NOT INDEXED JOIN models AS m "
	    "NOT INDEXED ON m.id = v.model_id ORDER BY v.sha256", e)) != NLP_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			void *p;
			cap = cap ? cap * 2 : 64;
			if ((p = realloc(*hex, cap * sizeof **hex)) == NULL)
				break;
			*hex = p;
			if ((p = realloc(*sizes, cap * sizeof **sizes)) == NULL)
				break;
			*sizes = p;
			if ((p = realloc(*names, cap * sizeof **names)) == NULL)
				break;
			*names = p;
		}
		snprintf((*hex)[*n], NLP_SHA256_HEX, "%s",
		    (const char *)sqlite3_column_text(st, 0));
		(*sizes)[*n] = sqlite3_column_int64(st, 1);
		(*names)[*n] = strdup((const char *)sqlite3_column_text(st, 2));
		(*n)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rc == SQLITE_ROW ? nlp_errf(e, NLP_IO, "out of memory") :
		    db_err(r, e, "query");
	return NLP_OK;
}

static void
free_referenced(char (*hex)[NLP_SHA256_HEX], int64_t *sizes, char **names,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(hex);
	free(sizes);
}

/* Is hex among the sorted referenced hashes? */
static int
is_referenced(char (*hex)[NLP_SHA256_HEX], size_t n, const char *h)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(hex[mid], h);
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

struct scan_ctx {
	const char *dir;
	char (*hex)[NLP_SHA256_HEX];
	size_t n;
	json_t *notes;               /* verify */
	json_t *removed;             /* gc */
	int64_t cutoff, bytes;
	int dry_run;
	struct nlp_err *e;
};

/* verify: orphans and temporary files are notes for gc. */
static int
verify_scan(void *arg, const struct nlp_store_entry *en)
{
	struct scan_ctx *x = arg;
	char msg[4200];

	if (en->is_temp)
		snprintf(msg, sizeof msg, "temporary file %s (gc removes it)",
		    en->path);
	else if (en->bad_name)
		snprintf(msg, sizeof msg, "stray file %s in the object store",
		    en->path);
	else if (!is_referenced(x->hex, x->n, en->hex))
		snprintf(msg, sizeof msg, "object %s belongs to no version (gc "
		    "removes it)", en->hex);
	else
		return 0;
	if (x->notes != NULL)
		json_array_append_new(x->notes, json_string(msg));
	return 0;
}

/* gc: remove what no version needs, once older than the grace period. */
static int
gc_scan(void *arg, const struct nlp_store_entry *en)
{
	struct scan_ctx *x = arg;

	if (en->bad_name || en->mtime > x->cutoff)
		return 0;
	if (!en->is_temp && is_referenced(x->hex, x->n, en->hex))
		return 0;
	if (!x->dry_run) {
		int removed = 0, rc = nlp_store_remove(x->dir, en, &removed, x->e);
		if (rc == NLP_BUSY)     /* a put is writing it: not garbage */
			return 0;
		if (rc != NLP_OK)
			return rc;
		if (!removed)           /* gone already, or not what was seen */
			return 0;
	}
	json_array_append_new(x->removed, json_string(en->path));
	x->bytes += en->size;
	return 0;
}

/* A step of verify failed: when the database is damaged (malformed, or
 * a directory of the store refused) that is a problem to report, and
 * verify goes on (*skip says the step's results are missing); anything
 * else is an error that stops it. */
static int
verify_failed(struct nlp_registry *r, json_t *problems, int rc, int *skip,
    struct nlp_err *e)
{
	if (!(r->corrupt || rc == NLP_REGISTRY))
		return rc;
	json_array_append_new(problems, json_sprintf("database: %s", e->msg));
	r->corrupt = 0;
	*skip = 1;
	return NLP_OK;
}

/* Check each version's object: its size (quick) or its whole SHA-256.
 * Damage goes to problems; any other failure stops the check (its
 * status, e filled). */
static int
verify_objects(struct nlp_registry *r, int quick, struct scan_ctx *x,
    const int64_t *sizes, char *const *names, json_t *problems,
    struct nlp_err *e)
{
	struct nlp_err ce;
	struct stat sb;
	size_t i;
	int c, fd;

	for (i = 0; i < x->n; i++) {
		if (!quick) {
			c = nlp_store_check(r->dir, x->hex[i], sizes[i], &ce);
		} else if ((c = nlp_store_open(r->dir, x->hex[i], &fd, &ce)) ==
		    NLP_OK) {
			if (fstat(fd, &sb) == 0 && sb.st_size != sizes[i])
				c = nlp_errf(&ce, NLP_NO, "object %s has %lld bytes, "
				    "not %lld", x->hex[i], (long long)sb.st_size,
				    (long long)sizes[i]);
			close(fd);
		}
		if (c == NLP_NO || c == NLP_DATA || c == NLP_REGISTRY)
			json_array_append_new(problems, json_sprintf("%s: %s",
			    names[i], ce.msg));
		else if (c != NLP_OK) {
			/* out of memory, permission denied: not damage, and
			 * verify cannot say the object is sound either */
			if (e != NULL)
				*e = ce;
			return c;
		}
	}
	return NLP_OK;
}

int
nlp_registry_verify(struct nlp_registry *r, int quick, json_t **out,
    struct nlp_err *e)
{
	unsigned long mark = nlp_json_watch();
	struct scan_ctx x;
	json_t *problems = json_array(), *notes = json_array(), *rows = NULL;
	int64_t *sizes = NULL;
	char **names = NULL;
	int rc, skip = 0;
	size_t i;

	*out = NULL;
	memset(&x, 0, sizeof x);
	if (problems == NULL || notes == NULL) {
		rc = nlp_errf(e, NLP_IO, "out of memory");
		goto out;
	}
	if ((rc = rows_json(r, quick ? "PRAGMA quick_check" :
	    "PRAGMA integrity_check", 0, NULL, &rows, e)) != NLP_OK &&
	    (rc = verify_failed(r, problems, rc, &skip, e)) != NLP_OK)
		goto out;
	for (i = 0; i < json_array_size(rows); i++) {
		json_t *row = json_array_get(rows, i);
		const char *key;
		json_t *v;
		json_object_foreach(row, key, v) {
			if (json_is_string(v) && strcmp(json_string_value(v), "ok"))
				json_array_append_new(problems, json_sprintf(
				    "database: %s", json_string_value(v)));
		}
	}
	json_decref(rows);
	rows = NULL;
	if ((rc = rows_json(r, "PRAGMA foreign_key_check", 0, NULL, &rows, e))
	    != NLP_OK && (rc = verify_failed(r, problems, rc, &skip, e)) !=
	    NLP_OK)
		goto out;
	for (i = 0; i < json_array_size(rows); i++)
		json_array_append_new(problems, json_sprintf("database: row %lld "
		    "of %s refers to a missing row of %s", (long long)json_integer_value(
		    json_object_get(json_array_get(rows, i), "rowid")),
		    json_string_value(json_object_get(json_array_get(rows, i),
		    "table")), json_string_value(json_object_get(
		    json_array_get(rows, i), "parent"))));
	json_decref(rows);
	rows = NULL;

	skip = 0;
	if ((rc = referenced(r, &x.hex, &sizes, &names, &x.n, e)) != NLP_OK &&
	    (rc = verify_failed(r, problems, rc, &skip, e)) != NLP_OK)
		goto out;
	if ((rc = verify_objects(r, quick, &x, sizes, names, problems, e)) !=
	    NLP_OK)
		goto out;
	/* which objects belong to no version is known only from a readable
	 * table: without it, say nothing about them */
	x.notes = skip ? NULL : notes;
	x.e = e;
	if ((rc = nlp_store_scan(r->dir, verify_scan, &x, e)) != NLP_OK &&
	    (rc = verify_failed(r, problems, rc, &skip, e)) != NLP_OK)
		goto out;
	*out = json_object();
	json_object_set(*out, "problems", problems);
	json_object_set(*out, "notes", notes);
	json_object_set_new(*out, "versions", json_integer((json_int_t)x.n));
	rc = json_array_size(problems) ? NLP_NO : NLP_OK;
	/* a problem dropped by a failed allocation would read as a clean
	 * registry (rows_json() watched only its own rows) */
	if (*out == NULL || json_object_size(*out) != 3 ||
	    nlp_json_failed_since(mark)) {
		json_decref(*out);
		*out = NULL;
		rc = nlp_errf(e, NLP_IO, "out of memory");
	}
out:
	json_decref(problems);
	json_decref(notes);
	free_referenced(x.hex, sizes, names, x.n);
	return rc;
}

int
nlp_registry_verify_dir(const char *dir, int quick, json_t **out,
    struct nlp_err *e)
{
	struct nlp_registry *r;
	int corrupt = 0, rc;

	*out = NULL;
	if ((rc = open_registry(&r, dir, 0, &corrupt, e)) != NLP_OK) {
		json_t *problems;
		if (!corrupt)
			return rc;
		/* too damaged to open: that is what verify reports */
		problems = json_array();
		json_array_append_new(problems, json_sprintf("database: %s",
		    e->msg));
		*out = json_object();
		json_object_set_new(*out, "problems", problems);
		json_object_set_new(*out, "notes", json_array());
		json_object_set_new(*out, "versions", json_integer(0));
		return NLP_NO;
	}
	rc = nlp_registry_verify(r, quick, out, e);
	nlp_registry_close(r);
	return rc;
}

/* gc deletes only from a database that SQLite finds sound: NLP_OK, or
 * NLP_REGISTRY with the first problem integrity_check reports. */
static int
integrity(struct nlp_registry *r, struct nlp_err *e)
{
	sqlite3_stmt *st;
	char first[512] = "";
	int rc, n = 0;

	if ((rc = prep(r, &st, "PRAGMA integrity_check(10)", e)) != NLP_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		if (v != NULL && strcmp(v, "ok") != 0 && n++ == 0)
			snprintf(first, sizeof first, "%s", v);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(r, e, "cannot check the database");
	if (n > 0)
		return nlp_errf(e, NLP_REGISTRY, "registry '%s': the database is "
		    "damaged (%s%s): gc removes nothing until 'nlpops registry "
		    "verify' is clean", r->dir, first, n > 1 ? "; and more" : "");
	return NLP_OK;
}

int
nlp_registry_gc(struct nlp_registry *r, int dry_run, int64_t grace,
    json_t **out, struct nlp_err *e)
{
	unsigned long mark = nlp_json_watch();
	struct scan_ctx x;
	int64_t *sizes = NULL;
	char **names = NULL;
	int rc;

	*out = NULL;
	memset(&x, 0, sizeof x);
	/*
	 * Hold the write lock while removing: a push checks its object again
	 * inside its own transaction, so it either sees the object gone and
	 * stores it again, or commits its row before we look.
	 */
	if ((rc = begin(r, e)) != NLP_OK)
		return rc;
	if ((rc = integrity(r, e)) != NLP_OK ||
	    (rc = referenced(r, &x.hex, &sizes, &names, &x.n, e)) != NLP_OK)
		goto out;
	x.removed = json_array();
	x.dir = r->dir;
	x.cutoff = (int64_t)time(NULL) - grace;
	x.dry_run = dry_run;
	x.e = e;
	rc = nlp_store_scan(r->dir, gc_scan, &x, e);
	if (rc == NLP_OK) {
		*out = json_object();
		json_object_set(*out, "removed", x.removed);
		json_object_set_new(*out, "bytes", json_integer(x.bytes));
		json_object_set_new(*out, "dry_run", json_boolean(dry_run));
		/* the files were removed; a name missing from the list would
		 * misreport what was */
		if (*out == NULL || nlp_json_failed_since(mark)) {
			json_decref(*out);
			*out = NULL;
			rc = nlp_errf(e, NLP_IO, "out of memory (the files are "
			    "removed, but cannot be listed)");
		}
	}
out:
	rollback_tx(r);
	json_decref(x.removed);
	free_referenced(x.hex, sizes, names, x.n);
	return rc;
}
