/*
 * registry_sqlite.c - the registry's database on SQLite, the embedded
 * backend (see registry_internal.h).  Opening it (the directory's layout checked
 * before SQLite looks, the schema created or migrated), transactions,
 * statements, SQLite's errors as statuses, SQLite's own consistency
 * checks.  The only file of the registry that knows it is SQLite.
 *
 * Every write is one BEGIN IMMEDIATE transaction: SQLite's busy timeout
 * waits for another writer, and a bounded retry loop around it turns a
 * registry held busy for too long into NLP_BUSY (exit 75), never into a
 * "database is locked" for the user.
 */
#include "registry_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"

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

/* A statement: SQLite's, behind the registry's opaque one. */
struct sq_stmt {
	struct nlp_regdb_stmt base;
	sqlite3_stmt *s;
};
#define STMT(st) (((struct sq_stmt *)(void *)(st))->s)

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

/*
 * Schema 3: signatures (one per version: the text of its .sig, see
 * sign.h), and the event kind 'import' (bundles).  A CHECK constraint
 * changes only with its table: the event log is copied into a new one,
 * its triggers dropped first and made again.
 */
static const char schema_v3[] =
    "CREATE TABLE signatures ("
    "  version_id INTEGER PRIMARY KEY REFERENCES versions(id)"
    "    ON DELETE CASCADE,"
    "  key_id TEXT NOT NULL CHECK (length(key_id) = 64),"
    "  signature TEXT NOT NULL);"
    "DROP TRIGGER events_no_update;"
    "DROP TRIGGER events_no_delete;"
    "CREATE TABLE events_v3 ("
    "  id INTEGER PRIMARY KEY,"
    "  at TEXT NOT NULL,"
    "  who TEXT NOT NULL,"
    "  model TEXT NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('push', 'alias-set', 'alias-move',"
    "    'alias-delete', 'rollback', 'rm', 'import')),"
    "  alias TEXT,"
    "  old_version INTEGER,"
    "  new_version INTEGER,"
    "  reason TEXT);"
    "INSERT INTO events_v3 SELECT id, at, who, model, kind, alias, "
    "  old_version, new_version, reason FROM events;"
    "DROP TABLE events;"
    "ALTER TABLE events_v3 RENAME TO events;"
    "CREATE INDEX events_model ON events (model, alias, id);"
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
    "  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;"
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
    "  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;";

/* ---- errors, statements, transactions ---- */

/* The registry stayed busy past the retries (exit 75), or past one busy
 * timeout (a read, which is not retried: ms, the time it waited). */
static int
busy_for(struct nlp_registry *r, int ms, struct nlp_err *e)
{
	return nlp_errf(e, NLP_BUSY, "registry '%s' is busy: another process "
	    "held it for over %d s; try again later", r->dir, ms / 1000);
}

static int
busy_err(struct nlp_registry *r, struct nlp_err *e)
{
	return busy_for(r, BUSY_RETRIES * BUSY_TIMEOUT_MS, e);
}

/*
 * Fill e from the database's last error.  Busy is the message above, never
 * SQLite's "database is locked".  SQLite says "database or disk is full"
 * for a full disk and "disk I/O error" without the cause: name the cause
 * (for SQLITE_FULL SQLite keeps no errno, and it means ENOSPC here: no
 * max_page_count is set).
 */
static int
schema_damage(struct nlp_registry *r)
{
	const char *m = sqlite3_errmsg(r->db);

	return strncmp(m, "no such table", 13) == 0 ||
	    strncmp(m, "no such column", 14) == 0 ||
	    strstr(m, " has no column named ") != NULL;
}

static int
sq_err(struct nlp_registry *r, struct nlp_err *e, const char *what)
{
	int code = sqlite3_extended_errcode(r->db);
	int prim = code & 0xff;
	int sys = sqlite3_system_errno(r->db);
	int status = NLP_IO;

	if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
		return busy_for(r, BUSY_TIMEOUT_MS, e);
	if (prim == SQLITE_CORRUPT || prim == SQLITE_NOTADB) {
		status = NLP_REGISTRY;
		r->corrupt = 1;
	} else if (prim == SQLITE_ERROR && schema_damage(r)) {
		/* a table or column of ours gone: a damaged registry, not
		   an I/O error (what it is, verify says) */
		return nlp_errf(e, NLP_REGISTRY, "registry '%s': %s: %s (its "
		    "schema is damaged: see 'nlpops registry verify')", r->dir,
		    what, sqlite3_errmsg(r->db));
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

static int
sq_exec(struct nlp_registry *r, const char *sql, struct nlp_err *e)
{
	if (sqlite3_exec(r->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return nlp_regdb_err(r, e, "database");
	return NLP_OK;
}

/*
 * Run sql, again while another process holds the lock, for up to
 * BUSY_RETRIES x BUSY_TIMEOUT_MS in all: SQLite's result.  Extended result
 * codes are on, so a busy result is any SQLITE_BUSY_*.  Some come back at
 * once, without the busy handler's wait (another process recovering the
 * WAL, or turning a new database into WAL mode as concurrent first pushes
 * do): those are retried after 20 ms, not counted as a whole timeout.
 */
static int
exec_retried(struct nlp_registry *r, const char *sql)
{
	const struct timespec pause = { 0, 20 * 1000000L };
	int64_t end = nlp_regdb_now_ms() +
	    (int64_t)BUSY_RETRIES * BUSY_TIMEOUT_MS;
	int rc;

	r->busy_retried = 1;
	while (((rc = sqlite3_exec(r->db, sql, NULL, NULL, NULL)) & 0xff) ==
	    SQLITE_BUSY && nlp_regdb_now_ms() < end)
		nanosleep(&pause, NULL);
	r->busy_retried = 0;
	return rc;
}

static int
sq_prepare(struct nlp_registry *r, struct nlp_regdb_stmt **st,
    const char *sql, struct nlp_err *e)
{
	struct sq_stmt *s;

	*st = NULL;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	s->base.ops = &nlp_regdb_sqlite;
	if (sqlite3_prepare_v2(r->db, sql, -1, &s->s, NULL) != SQLITE_OK) {
		free(s);
		return nlp_regdb_err(r, e, "database");
	}
	*st = &s->base;
	return NLP_OK;
}

static void
sq_bind(struct nlp_regdb_stmt *st, const struct nlp_regdb_param *p,
    size_t np)
{
	size_t i;

	sqlite3_reset(STMT(st));
	for (i = 0; i < np; i++)
		if (!p[i].is_text)
			sqlite3_bind_int64(STMT(st), (int)i + 1, p[i].i);
		else if (p[i].s != NULL)
			sqlite3_bind_text(STMT(st), (int)i + 1, p[i].s, -1,
			    SQLITE_STATIC);
		else
			sqlite3_bind_null(STMT(st), (int)i + 1);
}

static int
sq_step(struct nlp_regdb_stmt *st)
{
	int rc = sqlite3_step(STMT(st));

	return rc == SQLITE_ROW ? NLP_REGDB_ROW : rc == SQLITE_DONE ?
	    NLP_REGDB_DONE : NLP_REGDB_ERROR;
}

static void
sq_finalize(struct nlp_regdb_stmt *st)
{
	sqlite3_finalize(STMT(st));
	free(st);
}

static enum nlp_registry_vtype
sq_type(struct nlp_regdb_stmt *st, int i)
{
	switch (sqlite3_column_type(STMT(st), i)) {
	case SQLITE_INTEGER:
		return NLP_RV_INT;
	case SQLITE_FLOAT:
		return NLP_RV_REAL;
	case SQLITE_NULL:
		return NLP_RV_NULL;
	default:
		return NLP_RV_TEXT;
	}
}

static int64_t
sq_int(struct nlp_regdb_stmt *st, int i)
{
	return sqlite3_column_int64(STMT(st), i);
}

static double
sq_double(struct nlp_regdb_stmt *st, int i)
{
	return sqlite3_column_double(STMT(st), i);
}

static const char *
sq_text(struct nlp_regdb_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(STMT(st), i);
}

static int64_t
sq_last_id(struct nlp_registry *r)
{
	return sqlite3_last_insert_rowid(r->db);
}

/* BEGIN IMMEDIATE: take the write lock now. */
static int
sq_begin(struct nlp_registry *r, struct nlp_err *e)
{
	int rc = exec_retried(r, "BEGIN IMMEDIATE");

	if (rc == SQLITE_OK)
		return NLP_OK;
	if ((rc & 0xff) == SQLITE_BUSY)
		return busy_err(r, e);
	if ((rc & 0xff) == SQLITE_READONLY)
		return nlp_errf(e, NLP_IO, "registry '%s' is read-only: %s",
		    r->dir, sqlite3_errmsg(r->db));
	return nlp_regdb_err(r, e, "cannot start a transaction");
}

static int
sq_commit(struct nlp_registry *r, struct nlp_err *e)
{
	int rc;

	if ((rc = exec_retried(r, "COMMIT")) != SQLITE_OK) {
		int status = nlp_regdb_err(r, e, "cannot commit");
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
		return status;
	}
	return NLP_OK;
}

static void
sq_rollback(struct nlp_registry *r)
{
	if (!sqlite3_get_autocommit(r->db))
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- the schema ---- */

/*
 * The header's application_id and user_version, and the number of
 * tables, views, indexes and triggers (tables, when not NULL), read in one
 * statement: separate reads could straddle another process's schema
 * creation and see half of it (no version, but tables).
 */
static int
read_header(struct nlp_registry *r, int64_t *app, int64_t *ver,
    int64_t *tables, struct nlp_err *e)
{
	sqlite3_stmt *st;
	int rc;

	*app = *ver = 0;
	if (tables != NULL)
		*tables = 0;
	if (sqlite3_prepare_v2(r->db, "SELECT a.application_id, u.user_version, "
	    "(SELECT count(*) FROM sqlite_master) FROM pragma_application_id "
	    "AS a, pragma_user_version AS u", -1, &st, NULL) != SQLITE_OK)
		return nlp_regdb_err(r, e, "database");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*app = sqlite3_column_int64(st, 0);
		*ver = sqlite3_column_int64(st, 1);
		if (tables != NULL)
			*tables = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? NLP_OK : nlp_regdb_err(r, e, "cannot read the "
	    "header");
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

/* Is registry.db, in the directory open at dfd, a file of no bytes? */
static int
zero_bytes(int dfd)
{
	struct stat st;

	return fstatat(dfd, "registry.db", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_size == 0;
}

/*
 * A database without our header and without tables: a registry being
 * created (another process may hold the lock and be making it), or one
 * whose registry.db was emptied -- by a crash, a full disk, a mistake.
 * With objects in the store it is the latter, and a new schema there
 * would silently renumber history ("spam@1" would name another model)
 * and let gc delete every artifact: refuse.  dfd, when not -1, is the
 * directory where registry.db was seen with no bytes, outside any lock:
 * another process may have made the registry and stored its first
 * object since (the WAL header it writes first gives the file a page),
 * so the file is looked at again once the objects are counted.
 */
static int
empty_database(struct nlp_registry *r, int dfd, struct nlp_err *e)
{
	size_t n = 0;
	int rc;

	if ((rc = nlp_store_count(r->dir, &n, e)) != NLP_OK)
		return rc;
	if (n > 0 && dfd >= 0 && !zero_bytes(dfd))
		return NLP_OK;
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

/* A database of another application's, without our header. */
static int
foreign_tables(struct nlp_registry *r, struct nlp_err *e)
{
	return nlp_errf(e, NLP_REGISTRY, "'%s' is not an nlpops registry (a "
	    "SQLite file with other tables)", r->dbpath);
}

/* Create the schema in an empty database, or migrate an older one, inside
 * a transaction (the header read again in it: someone else may have
 * created or migrated it while we waited for the lock). */
static int
create_or_migrate(struct nlp_registry *r, struct nlp_err *e)
{
	int64_t app = 0, ver = 0, tables = 0;
	char sql[64];
	int rc;

	if ((rc = read_header(r, &app, &ver, &tables, e)) != NLP_OK ||
	    (rc = check_header(r, app, ver, e)) != NLP_OK)
		return rc;
	if (ver == 0 && tables > 0)
		return foreign_tables(r, e);
	if (ver == 0) {
		if ((rc = empty_database(r, -1, e)) != NLP_OK ||
		    (rc = nlp_regdb_exec(r, schema_v1, e)) != NLP_OK)
			return rc;
		snprintf(sql, sizeof sql, "PRAGMA application_id = %d",
		    APPLICATION_ID);
		if ((rc = nlp_regdb_exec(r, sql, e)) != NLP_OK ||
		    (rc = nlp_regdb_exec(r, "PRAGMA user_version = 1", e)) != NLP_OK)
			return rc;
	}
	/* migrations, one step each */
	if (ver <= 1 && ((rc = nlp_regdb_exec(r, schema_v2, e)) != NLP_OK ||
	    (rc = nlp_regdb_exec(r, "PRAGMA user_version = 2", e)) != NLP_OK))
		return rc;
	if (ver <= 2 && ((rc = nlp_regdb_exec(r, schema_v3, e)) != NLP_OK ||
	    (rc = nlp_regdb_exec(r, "PRAGMA user_version = 3", e)) != NLP_OK))
		return rc;
	return NLP_OK;
}

/* Create the schema, or check and migrate an existing one. */
static int
setup_schema(struct nlp_registry *r, struct nlp_err *e)
{
	int64_t app = 0, ver = 0, tables = 0;
	int rc;

	if ((rc = read_header(r, &app, &ver, &tables, e)) != NLP_OK)
		return rc;
	r->schema = NLP_REGISTRY_SCHEMA;
	if (app == APPLICATION_ID && ver == NLP_REGISTRY_SCHEMA)
		return NLP_OK;
	if ((rc = check_header(r, app, ver, e)) != NLP_OK)
		return rc;
	if (!r->writable) {
		if (ver == 0) {
			struct nlp_err again;

			if (tables > 0)
				return foreign_tables(r, e);
			/* no registry, or a damaged one -- unless a writer
			 * committed the schema (and stored an object) while the
			 * objects were counted: then read what it made */
			if ((rc = empty_database(r, -1, e)) == NLP_OK ||
			    read_header(r, &app, &ver, NULL, &again) != NLP_OK ||
			    ver == 0)
				return rc;
			if ((rc = check_header(r, app, ver, e)) != NLP_OK)
				return rc;
		}
		/* read what is there; what a newer schema adds reads as empty */
		r->schema = (int)ver;
		return NLP_OK;
	}
	if ((rc = nlp_regdb_begin(r, e)) != NLP_OK)
		return rc;
	if ((rc = create_or_migrate(r, e)) != NLP_OK) {
		nlp_regdb_rollback(r);
		return rc;
	}
	return nlp_regdb_commit(r, e);
}

/* ---- opening ---- */

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

/*
 * SQLite's busy timeout (BUSY_TIMEOUT_MS, with its pauses), and the user
 * told once the wait has lasted NLP_REGISTRY_WAIT_MS: count is 0 when a
 * new wait for a lock begins.
 */
static int
sq_busy(void *arg, int count)
{
	static const int pause_ms[] = { 1, 2, 5, 10, 15, 20, 25, 25, 25, 50,
	    50, 100 };
	struct nlp_registry *r = arg;
	int64_t now = nlp_regdb_now_ms(), waited;
	struct timespec ts;
	char limit[32];
	int p;

	/* a new wait: count 0, or (SQLite does not reset count on every
	   path) a call long after the last one */
	if (count == 0 || now - r->busy_last > 250)
		r->busy_since = now;
	r->busy_last = now;
	waited = now - r->busy_since;
	if (waited >= BUSY_TIMEOUT_MS)
		return 0;
	/* a read is not retried: it waits one timeout (while it waits, it
	   may hold up a writer that needs it gone to end its change) */
	if (waited >= NLP_REGISTRY_WAIT_MS) {
		snprintf(limit, sizeof limit, "%d s", (r->busy_retried ?
		    BUSY_RETRIES : 1) * BUSY_TIMEOUT_MS / 1000);
		nlp_regdb_waiting(r, limit);
	}
	p = pause_ms[count < 12 ? count : 11];
	if (p > BUSY_TIMEOUT_MS - waited)
		p = (int)(BUSY_TIMEOUT_MS - waited);
	ts.tv_sec = p / 1000;
	ts.tv_nsec = (long)(p % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	return 1;
}

/* Whether this process is in group gid (its own or a supplementary). */
static int
in_group(gid_t gid)
{
	gid_t *g;
	int i, n, in = 0;

	if (getegid() == gid)
		return 1;
	/* unknown (no memory, a failure): not said to be out */
	if ((n = getgroups(0, NULL)) < 0 ||
	    (g = malloc(((size_t)n + 1) * sizeof *g)) == NULL)
		return 1;
	if ((n = getgroups(n, g)) < 0)
		in = 1;
	for (i = 0; i < n; i++)
		in |= g[i] == gid;
	free(g);
	return in;
}

/* Open the database connection with the given flags and settings. */
static int
connect(struct nlp_registry *r, int flags, const char *uri, struct nlp_err *e)
{
	if (sqlite3_open_v2(uri ? uri : r->dbpath, &r->db, flags, NULL) !=
	    SQLITE_OK) {
		/* the system's reason too ("unable to open database file"
		   alone did not say Permission denied) */
		int err = r->db ? sqlite3_system_errno(r->db) : 0;
		int rc = nlp_errf(e, NLP_IO, "cannot open registry '%s': %s%s%s%s",
		    r->dir, r->db ? sqlite3_errmsg(r->db) : "out of memory",
		    err ? " (registry.db: " : "", err ? strerror(err) : "",
		    err ? ")" : "");
		sqlite3_close(r->db);
		r->db = NULL;
		return rc;
	}
	sqlite3_busy_handler(r->db, sq_busy, r);
	sqlite3_extended_result_codes(r->db, 1);
	return NLP_OK;
}

/* The first read of a connection: SQLite's code (it reads the schema,
 * finding a hot journal, a -shm it cannot make, a lock). */
static int
first_read(struct nlp_registry *r)
{
	return sqlite3_exec(r->db, "SELECT 1 FROM sqlite_master LIMIT 1", NULL,
	    NULL, NULL);
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
		rc = nlp_regdb_exec(r, "PRAGMA locking_mode = EXCLUSIVE", e);
	if (rc == NLP_OK && first_read(r) != SQLITE_OK)
		rc = nlp_regdb_err(r, e, "cannot read the database");
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
	/* removed as it was looked at (SQLite deletes the -wal and -shm
	 * when another process's last connection closes): not there */
	if (st.st_nlink == 0)
		return NLP_OK;
	*exists = 1;
	if (S_ISLNK(st.st_mode))
		why = "a symbolic link";
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_nlink > 1)
		why = "a file with other hard links";
	else if (!nlp_store_owned(dirst, &st))
		why = "not the registry's (another file system or owner)";
	if (why != NULL)
		return nlp_errf(e, NLP_REGISTRY, "'%s/%s' is %s: refusing it (the "
		    "registry is damaged, or someone tampered with it)", r->dir,
		    name, why);
	return NLP_OK;
}

/* The size of the registry.db-wal in the directory open at dfd (0: none,
 * or not a regular file, which check_file() refuses). */
static off_t
wal_bytes(int dfd)
{
	struct stat st;

	return fstatat(dfd, "registry.db-wal", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) ? st.st_size : 0;
}

/* The files and directories of the registry in the directory open at dfd
 * (stat data dirst): *lay DB when registry.db is there, else NO_DB. */
static int
check_layout(struct nlp_registry *r, int dfd, const struct stat *dirst,
    enum layout *lay, struct nlp_err *e)
{
	static const char *const files[] = {
		"registry.db-wal", "registry.db-shm", "registry.db-journal",
	};
	static const char *const dirs[] = { "objects", "tmp" };
	struct stat st;
	int exists, rc;
	size_t i;

	*lay = NO_DB;
	if ((rc = check_file(r, dfd, dirst, "registry.db", &exists, e)) != NLP_OK)
		return rc;
	if (exists)
		*lay = DB;
	/* a lost database's WAL, its last changes: SQLite would apply them
	 * to whatever registry.db is made or restored beside it (a backup's
	 * copy, damaged so beyond what removing the WAL afterwards mends) */
	if ((!exists || zero_bytes(dfd)) && wal_bytes(dfd) > 0)
		return nlp_errf(e, NLP_REGISTRY, "registry '%s' is damaged: "
		    "registry.db is %s but registry.db-wal holds %lld bytes of "
		    "its last changes (restore registry.db from a backup, after "
		    "moving registry.db-wal and registry.db-shm aside: SQLite "
		    "would apply them to the copy and damage it); nothing was "
		    "changed", r->dir, exists ? "empty" : "missing",
		    (long long)wal_bytes(dfd));
	/* an emptied registry.db must not be written, not even the header
	 * that setting WAL mode writes before the schema is looked at */
	if (exists && zero_bytes(dfd) && (rc = empty_database(r, dfd, e)) !=
	    NLP_OK)
		return rc;
	for (i = 0; rc == NLP_OK && i < sizeof files / sizeof *files; i++)
		rc = check_file(r, dfd, dirst, files[i], &exists, e);
	for (i = 0; rc == NLP_OK && i < sizeof dirs / sizeof *dirs; i++)
		if (fstatat(dfd, dirs[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISDIR(st.st_mode))
			rc = nlp_errf(e, NLP_REGISTRY, "'%s/%s' is %s: refusing it "
			    "(the registry is damaged, or someone tampered with "
			    "it)", r->dir, dirs[i], S_ISLNK(st.st_mode) ?
			    "a symbolic link" : "not a directory");
	return rc;
}

/*
 * A directory without registry.db (open at dfd, which this closes): is
 * there anything else in it (*empty 0)?  Another process may be making
 * the registry right now: a registry.db that appeared since we looked
 * for it sets *again; its -wal or -journal alone does not make the
 * directory foreign, and objects/ without a database is caught as damage
 * later.
 */
static int
list_dir(struct nlp_registry *r, int dfd, int *empty, int *again,
    struct nlp_err *e)
{
	struct dirent *de;
	DIR *dp;

	if ((dp = fdopendir(dfd)) == NULL) {
		int err = errno;
		close(dfd);
		return nlp_errnof(e, NLP_IO, err, "cannot read registry '%s'",
		    r->dir);
	}
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, "registry.db") == 0)
			*again = 1;
		else if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..")
		    != 0 && strcmp(de->d_name, "objects") != 0 &&
		    strncmp(de->d_name, "registry.db-", 12) != 0)
			*empty = 0;
	}
	closedir(dp);
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
	struct stat dirst;
	int dfd, rc, again, retried = 0;

	do {
		*lay = NO_DIR;
		*empty = 1;
		again = 0;
		if ((dfd = open(r->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
			if (errno == ENOENT)
				return NLP_OK;
			if (errno == ENOTDIR)
				return nlp_errf(e, NLP_REGISTRY, "'%s' is not a "
				    "directory, so not a registry", r->dir);
			return nlp_errnof(e, NLP_IO, errno, "cannot open registry "
			    "'%s'", r->dir);
		}
		if (fstat(dfd, &dirst) != 0)
			rc = nlp_errnof(e, NLP_IO, errno, "cannot open registry "
			    "'%s'", r->dir);
		else
			rc = check_layout(r, dfd, &dirst, lay, e);
		if (rc != NLP_OK || *lay == DB) {
			close(dfd);
			return rc;
		}
		/* no database: is there anything else? */
		if ((rc = list_dir(r, dfd, empty, &again, e)) != NLP_OK)
			return rc;
	} while (again && retried++ == 0);
	return NLP_OK;
}

/* A registry.db that is missing where it must be found. */
static int
no_registry(struct nlp_registry *r, enum layout lay, struct nlp_err *e)
{
	size_t n = 0;

	if (lay == NO_DB && nlp_store_count(r->dir, &n, NULL) == NLP_OK && n > 0)
		return nlp_errf(e, NLP_REGISTRY, "registry '%s' is damaged: "
		    "registry.db is missing but %zu object%s exist%s (restore it "
		    "from a backup)", r->dir, n, n == 1 ? "" : "s", n == 1 ?
		    "s" : "");
	/* a command that changes a registry but does not make one (alias,
	   rollback, rm, gc): a wrong path is likelier than a registry to
	   start */
	if (r->writable == NLP_REGISTRY_WRITE_EXISTING)
		return nlp_errf(e, NLP_REGISTRY, "no registry at '%s' (is "
		    "--registry or NLPOPS_REGISTRY right? this command makes "
		    "none)", r->dir);
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

/* Open the database for writing (lay: what inspect() found there). */
static int
open_writable(struct nlp_registry *r, enum layout lay, struct nlp_err *e)
{
	struct stat fsb;
	int rc, fd;

	if (lay == NO_DIR && make_dirs(r->dir) != 0)
		return nlp_errnof(e, NLP_IO, errno, "cannot create registry '%s'",
		    r->dir);
	if ((rc = connect(r, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOFOLLOW, NULL, e)) != NLP_OK)
		return rc;
	/*
	 * On read-only media, or without write permission, SQLite quietly
	 * opens the file read-only: say so now, in one line (exit 4), rather
	 * than fail later with whatever a first write happens to hit -- or
	 * succeed, for a write that had nothing to change.
	 */
	if (sqlite3_db_readonly(r->db, "main") == 1) {
		/* writable all the same: the open for writing failed for a
		   reason SQLite does not pass on (an I/O error) */
		int err;

		if (access(r->dbpath, W_OK) == 0)
			return nlp_errf(e, NLP_IO, "registry '%s': cannot open its "
			    "database for writing", r->dir);
		err = errno;
		/* permissions, not media: say whose file it is, and how a
		   team shares one */
		if (err == EACCES && stat(r->dbpath, &fsb) == 0) {
			struct passwd *pw = getpwuid(fsb.st_uid);
			struct group *gr = getgrgid(fsb.st_gid);
			char u[32], g[32];

			snprintf(u, sizeof u, "%u", (unsigned)fsb.st_uid);
			snprintf(g, sizeof g, "%u", (unsigned)fsb.st_gid);
			/* shared, and the file its group may write: this
			   session is not in the group (a user just added to it
			   has not logged in again) */
			if (nlp_store_shared(r->dir) && (fsb.st_mode & S_IWGRP) &&
			    !in_group(fsb.st_gid))
				return nlp_errf(e, NLP_IO, "registry '%s' is read-only "
				    "to this user: it is shared with group %s, which "
				    "this session is not in (a user just added to "
				    "the group must log in again, or run 'newgrp "
				    "%s')", r->dir, gr ? gr->gr_name : g,
				    gr ? gr->gr_name : g);
			return nlp_errf(e, NLP_IO, "registry '%s' is read-only to "
			    "this user: registry.db is owner %s, group %s, mode "
			    "%04o (a registry a team writes is made with 'nlpops "
			    "registry init --shared GROUP'; see SHARED REGISTRIES "
			    "in nlpops-registry(1))", r->dir, pw ? pw->pw_name : u,
			    gr ? gr->gr_name : g, (unsigned)(fsb.st_mode & 07777));
		}
		return nlp_errnof(e, NLP_IO, err, "registry '%s' is read-only",
		    r->dir);
	}
	fd = open(r->dbpath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &fsb) == 0 && S_ISREG(fsb.st_mode))
		nlp_store_fix_mode(r->dir, fd, 0);
	if (fd >= 0)
		close(fd);
	/*
	 * journal_mode needs the lock briefly: retry like a write; still busy
	 * after the retries is NLP_BUSY.  Other failures leave the journal
	 * mode as it was, as before.
	 */
	if ((exec_retried(r, "PRAGMA journal_mode = WAL") & 0xff) == SQLITE_BUSY)
		return busy_err(r, e);
	return nlp_regdb_exec(r, "PRAGMA synchronous = FULL;"
	    "PRAGMA foreign_keys = ON", e);
}

/*
 * A hot journal (a write in the old rollback mode cut short: an init
 * killed before it set WAL) that a read-only connection cannot roll back:
 * a connection that may write rolls it back as it first reads, then
 * reading goes on read-only.  Not allowed to write (a reader's role, a
 * read-only mount): status 5, saying who can mend it; busy, I/O, memory
 * as ever.
 */
static int
rolled_back(struct nlp_registry *r, struct nlp_err *e)
{
	int rc, sq;

	sqlite3_close(r->db);
	r->db = NULL;
	if ((rc = connect(r, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL,
	    e)) != NLP_OK)
		return rc;
	if ((sq = first_read(r)) != SQLITE_OK) {
		/* SQLite opens read-only a file it may not write; in a
		   directory it may not write, it cannot delete the journal */
		if ((sq & 0xff) == SQLITE_READONLY ||
		    (sq & 0xff) == SQLITE_CANTOPEN ||
		    sq == SQLITE_IOERR_DELETE ||
		    sqlite3_db_readonly(r->db, "main") == 1)
			return nlp_errf(e, NLP_REGISTRY, "registry '%s': a write "
			    "was cut short and its journal (registry.db-journal) "
			    "must be rolled back by a process that may write the "
			    "registry (any nlpops registry command run as its owner "
			    "does)", r->dir);
		return nlp_regdb_err(r, e, "cannot read the database");
	}
	sqlite3_close(r->db);
	r->db = NULL;
	if ((rc = connect(r, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL,
	    e)) != NLP_OK)
		return rc;
	if (first_read(r) != SQLITE_OK)
		return nlp_regdb_err(r, e, "cannot read the database");
	return NLP_OK;
}

/* Open the database for reading. */
static int
open_readonly(struct nlp_registry *r, struct nlp_err *e)
{
	int rc, sq;

	if ((rc = connect(r, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL,
	    e)) != NLP_OK)
		return rc;
	if ((sq = first_read(r)) == SQLITE_OK)
		return NLP_OK;
	/*
	 * Only a -shm that cannot be made calls for reading without locks:
	 * SQLITE_CANTOPEN on read-only media, SQLITE_READONLY_DIRECTORY in a
	 * directory we may not write, an I/O error making it on a full disk.
	 * Anything else (busy past the timeout, say, while a writer works) is
	 * reported as it is: reading a live database without locks could see
	 * a checkpoint half done.
	 */
	if (sq == SQLITE_CANTOPEN || sq == SQLITE_READONLY_DIRECTORY ||
	    no_shm(sq))
		return open_unshared(r, e);
	if (sq == SQLITE_READONLY_ROLLBACK)
		return rolled_back(r, e);
	return nlp_regdb_err(r, e, "cannot read the database");
}

/*
 * The database's path: DIR/registry.db, with DIR as realpath(3) has it
 * -- or, when DIR is still to be made, its deepest directory there is,
 * with the names below it as given (a/b/c of which a/ is there).
 * SQLite's SQLITE_OPEN_NOFOLLOW refuses a symbolic link anywhere in the
 * path, and a registry reached through one (/var/lib/nlpops ->
 * /data/nlpops, a home directory that is a link) could not be opened at
 * all; the links it is meant to refuse are registry.db's own (and
 * -wal's, -shm's).  The path is also the one whose length SQLite limits
 * (path_too_long()).  NULL when out of memory.
 */
static char *
db_path(const char *dir)
{
	char *q = strdup(dir), *p = q != NULL ? strdup(q) : NULL;
	char *real = NULL, *out = NULL, *slash;
	const char *tail;
	size_t n, cut;

	if (p == NULL)
		goto done;
	for (n = strlen(q); n > 1 && q[n - 1] == '/'; n--)   /* "reg/" */
		q[n - 1] = p[n - 1] = '\0';
	tail = q + n;
	cut = n;
	while ((real = realpath(cut > 0 ? p : ".", NULL)) == NULL &&
	    errno == ENOENT && cut > 0) {
		if ((slash = strrchr(p, '/')) == NULL) {
			cut = 0;                     /* below "." */
			tail = q;
		} else if (slash == p) {
			cut = 1;                     /* below "/" */
			p[1] = '\0';
			tail = q + 1;
		} else {
			cut = (size_t)(slash - p);
			*slash = '\0';
			tail = q + cut + 1;
		}
	}
	n = (real != NULL ? strlen(real) : strlen(q)) + strlen(tail) + 16;
	if ((out = malloc(n)) == NULL)
		goto done;
	if (real == NULL)                    /* as given */
		snprintf(out, n, "%s/registry.db", q);
	else
		snprintf(out, n, "%s%s%s/registry.db", real, tail[0] == '\0' ||
		    strcmp(real, "/") == 0 ? "" : "/", tail);
done:
	free(real);
	free(p);
	free(q);
	return out;
}

/* Is the database's path, dbpath, too long for SQLite (its VFS's limit,
 * 512 bytes on Unix, less the room it keeps for the name of the -wal and
 * -journal)?  Said in e (status 2): SQLite's own error named neither the
 * cause nor the limit, and came after directories were made. */
static int
path_too_long(const char *dir, const char *dbpath, struct nlp_err *e)
{
	sqlite3_vfs *vfs = sqlite3_vfs_find(NULL);
	size_t n = strlen(dbpath);

	if (vfs == NULL || n + 8 <= (size_t)vfs->mxPathname)
		return 0;
	nlp_errf(e, NLP_USAGE, "registry '%.200s%s': its path is too long for "
	    "SQLite (%zu bytes to '/registry.db', links resolved; at most %d)",
	    dir, strlen(dir) > 200 ? "..." : "", n, vfs->mxPathname - 8);
	return 1;
}

static int
sq_open(struct nlp_registry *r, struct nlp_err *e)
{
	int rc, empty;
	enum layout lay;

	if ((r->dbpath = db_path(r->dir)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	if (path_too_long(r->dir, r->dbpath, e))
		return NLP_USAGE;
	if ((rc = inspect(r, &lay, &empty, e)) != NLP_OK)
		return rc;
	if (lay != DB && (r->writable != 1 || (lay == NO_DB && !empty)))
		return r->writable == 1 ? nlp_errf(e, NLP_REGISTRY, "'%s' is not "
		    "empty and holds no registry: nlpops makes a registry only in "
		    "a new or empty directory", r->dir) : no_registry(r, lay, e);
	if ((rc = r->writable ? open_writable(r, lay, e) : open_readonly(r, e)) !=
	    NLP_OK)
		return rc;
	return setup_schema(r, e);
}

static void
sq_close(struct nlp_registry *r)
{
	sqlite3_close(r->db);
	r->db = NULL;
	free(r->dbpath);
	r->dbpath = NULL;
}

/* Does the directory dir hold nothing (or cannot be read: then the open
 * that follows says why)? */
static int
empty_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int empty = 1;

	if (d == NULL)
		return 0;
	while (empty && (de = readdir(d)) != NULL)
		empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
	closedir(d);
	return empty;
}

/* registry init: the directory (shared with group, if not NULL) and the
 * database in it. */
static int sq_check(struct nlp_registry *r, int quick, int max,
    const char *what, int (*fn)(void *arg, const char *problem), void *arg,
    struct nlp_err *e);

/* quick_check's first problem into arg (a char[256]). */
static int
first_problem(void *arg, const char *problem)
{
	char *buf = arg;

	if (buf[0] == '\0')
		snprintf(buf, 256, "%s", problem);
	return NLP_OK;
}

/* NLP_REGISTRY when SQLite's quick check finds r's database damaged. */
static int
damaged(struct nlp_registry *r, struct nlp_err *e)
{
	char problem[256] = "";
	int rc;

	if ((rc = sq_check(r, 1, 1, "cannot check the database", first_problem,
	    problem, e)) != NLP_OK)
		return rc;
	if (problem[0] != '\0')
		return nlp_errf(e, NLP_REGISTRY, "registry '%s': its database is "
		    "damaged (%s): see 'nlpops registry verify'", r->dir, problem);
	return NLP_OK;
}

static int
sq_init(const char *dir, const char *group, struct nlp_err *e)
{
	struct nlp_registry *r;
	struct group *g;
	struct stat dst;
	gid_t gid = 0;
	int rc, existed = stat(dir, &dst) == 0;

	/* the group first: a usage error makes no directory */
	if (group != NULL) {
		if ((g = getgrnam(group)) == NULL)
			return nlp_errf(e, NLP_USAGE, "no group '%s'", group);
		gid = g->gr_gid;
	}
	/* a path SQLite cannot open: said before any directory is made */
	{
		char *dbpath = db_path(dir);
		int long_path = dbpath != NULL && path_too_long(dir, dbpath, e);
		free(dbpath);
		if (dbpath == NULL)
			return nlp_errf(e, NLP_IO, "out of memory");
		if (long_path)
			return NLP_USAGE;
	}
	if (make_dirs(dir) != 0)
		return nlp_errnof(e, NLP_IO, errno, "cannot create registry '%s'",
		    dir);
	/* the store and database checked first: a refusal changes
	   nothing, rather than leaving the registry half shared */
	if (group != NULL && existed &&
	    (rc = nlp_store_share(dir, gid, group, 1, e)) != NLP_OK)
		return rc;
	/* and an existing directory opened as a registry before its group
	   and modes change: one that is none (a home directory, another
	   program's SQLite file) or a damaged one is refused as it was (an
	   empty one is made a registry after, as a new one: nothing is
	   left in it when the change fails) */
	if (group != NULL && existed && !empty_dir(dir)) {
		if ((rc = nlp_registry_open(&r, dir, 1, e)) != NLP_OK)
			return rc;
		rc = damaged(r, e);
		nlp_registry_close(r);
		if (rc != NLP_OK)
			return rc;
	}
	if (group != NULL) {
		struct stat st;
		/* already so (a member checking a registry shared by
		   another, who alone may chown and chmod it): nothing to do */
		int done = stat(dir, &st) == 0 && st.st_gid == gid &&
		    (st.st_mode & 07777) == 02775;
		if (!done && (chown(dir, (uid_t)-1, gid) != 0 ||
		    chmod(dir, 02775) != 0)) {
			rc = nlp_errnof(e, NLP_IO, errno, "cannot share registry "
			    "'%s' with group '%s'", dir, group);
			if (!existed)   /* not left behind, made for nothing */
				(void)rmdir(dir);
			return rc;
		}
		/* a registry made private: what is in it too (only the
		   directory was, and every other member's write failed) */
		if ((rc = nlp_store_share(dir, gid, group, 0, e)) != NLP_OK)
			return rc;
	}
	/* a damaged registry's schema refused by the open */
	if ((rc = nlp_registry_open(&r, dir, 1, e)) != NLP_OK)
		return rc;
	/* a registry adopted: its pages read back whole (init said a
	   damaged one was fine, where every write then failed) */
	rc = damaged(r, e);
	nlp_registry_close(r);
	return rc;
}

/* ---- SQLite's own checks ---- */

/* fn and its argument, for a row callback. */
struct check_ctx {
	int (*fn)(void *arg, const char *problem);
	void *arg;
};

/* A row of integrity_check or quick_check: "ok", or a problem, on one
 * line (SQLite's may take several: "*** in database main ***\nPage 3:
 * ...", which verify printed as a problem and a line of no kind). */
static int
check_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct check_ctx *c = arg;
	const char *v = nlp_regdb_text(st, 0);
	char *line, *p;
	int rc;

	if (v == NULL || strcmp(v, "ok") == 0)
		return NLP_OK;
	if (strchr(v, '\n') == NULL)
		return c->fn(c->arg, v);
	if ((line = malloc(2 * strlen(v) + 1)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	for (p = line; *v != '\0'; v++)
		if (*v != '\n')
			*p++ = *v;
		else if (v[1] != '\0' && p > line) {
			*p++ = ';';
			*p++ = ' ';
		}
	*p = '\0';
	rc = c->fn(c->arg, line);
	free(line);
	return rc;
}

static int
sq_check(struct nlp_registry *r, int quick, int max, const char *what,
    int (*fn)(void *arg, const char *problem), void *arg, struct nlp_err *e)
{
	struct check_ctx c = { fn, arg };
	char sql[64];

	snprintf(sql, sizeof sql, max > 0 ? "PRAGMA %s(%d)" : "PRAGMA %s",
	    quick ? "quick_check" : "integrity_check", max);
	return nlp_regdb_query(r, sql, NULL, 0, check_row, &c, what, e);
}

/* A row of foreign_key_check: table, rowid, parent, foreign key. */
static int
reference_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct check_ctx *c = arg;
	char msg[512];

	(void)e;
	snprintf(msg, sizeof msg, "row %lld of %s refers to a missing row of %s",
	    (long long)nlp_regdb_int(st, 1), nlp_regdb_text(st, 0),
	    nlp_regdb_text(st, 2));
	return c->fn(c->arg, msg);
}

static int
sq_check_references(struct nlp_registry *r,
    int (*fn)(void *arg, const char *problem), void *arg, struct nlp_err *e)
{
	struct check_ctx c = { fn, arg };

	return nlp_regdb_each(r, "PRAGMA foreign_key_check", NULL, 0,
	    reference_row, &c, e);
}

/* Every version's object, for verify and gc: NOT INDEXED, from the
 * table itself (registry_internal.h). */
static const char objects_sql[] =
    "SELECT v.sha256, v.size, m.name || '@' || v.version FROM versions AS v "
    "NOT INDEXED JOIN models AS m NOT INDEXED ON m.id = v.model_id ORDER BY "
    "v.sha256";

const struct nlp_regdb_ops nlp_regdb_sqlite = {
	.open = sq_open,
	.close = sq_close,
	.init = sq_init,
	.err = sq_err,
	.exec = sq_exec,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.prepare = sq_prepare,
	.bind = sq_bind,
	.step = sq_step,
	.finalize = sq_finalize,
	.type = sq_type,
	.int64 = sq_int,
	.dbl = sq_double,
	.text = sq_text,
	.last_id = sq_last_id,
	.check = sq_check,
	.check_references = sq_check_references,
	.objects_sql = objects_sql,
};
