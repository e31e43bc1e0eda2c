/*
 * registry_internal.h - INTERNAL to the registry: what its modules
 * (lib/registry_*.c) share.  Not part of the library's interface, and
 * included nowhere else; registry.h is the registry's manual.
 *
 * The registry is these modules:
 *
 *   registry_db.c     the database, whichever it is: the nlp_regdb_* calls
 *                     below, each handed to the backend's struct
 *                     nlp_regdb_ops; opening and closing a registry
 *   registry_sqlite.c the embedded backend, a directory: opening it
 *                     (layout checks, schema and migrations), transactions
 *                     and their busy retries, statements, SQLite's errors
 *                     mapped to statuses, its own consistency checks.
 *                     Only here is <sqlite3.h> included.  Its objects are
 *                     files (store.c).
 *   registry_pg.c     the shared backend, PostgreSQL through libpq: the same
 *                     calls, the same schema, and the objects in the
 *                     database as chunked rows, read through a verified
 *                     local cache.  Only here is <libpq-fe.h> included.
 *   registry_write.c  push, alias and promote, rollback, rm, record_eval
 *   registry_read.c   resolve, list, show, history, pull: the typed
 *                     results of registry.h and the lookups writes share
 *   registry_check.c  verify and gc
 *   registry_json.c   the typed results as JSON
 *   registry_bundle.c bundles (a tar of records and objects) and export
 *   registry_import.c import: a bundle checked, then restored in one
 *                     transaction
 *   registry_diff.c   what differs between two versions, over show
 *
 * The SQL the other modules hand to nlp_regdb_prepare() is plain, what
 * both SQLite and PostgreSQL run alike: `?` parameters (PostgreSQL's $N
 * made from them), no JSON functions, no PRAGMA, no comparison whose
 * result is read as a number.
 */
#ifndef NLP_REGISTRY_INTERNAL_H
#define NLP_REGISTRY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "registry.h"

struct sqlite3;
struct pg_conn;
struct nlp_regdb_ops;

struct nlp_registry {
	const struct nlp_regdb_ops *ops; /* the backend */
	char *dir;                    /* the directory, or the URI without its
	                                 password: for messages */
	char *dbpath;                 /* registry_sqlite.c's */
	struct sqlite3 *db;           /* registry_sqlite.c's */
	struct pg_conn *pg;           /* registry_pg.c's */
	char *uri;                    /* registry_pg.c's: the URI as given */
	char pg_state[6];             /* registry_pg.c's: the last error */
	char pg_timeout[24];          /* registry_pg.c's: lock_timeout */
	char pg_role[64];             /* registry_pg.c's: session_user, the
	                                 role the server authenticated */
	char *pg_msg;
	int64_t pg_grace_ms;          /* registry_pg.c's: connect_timeout */
	int pg_own_timeout;           /* registry_pg.c's: none given, 10 s */
	int64_t pg_quiet_ms;          /* registry_pg.c's: see pg_ready() */
	int pg_silent;                /* registry_pg.c's: it was too long */
	int in_txn;                   /* registry_pg.c's */
	int writable;
	int schema;                   /* the database's schema version */
	int corrupt;                  /* SQLite said malformed, not a db */
	char whole[65];               /* registry_write.c's: the SHA-256 of
	                                 an object just written or found
	                                 whole, or "" */
	int (*before_commit)(void *); /* see nlp_registry_before_commit() */
	void *before_arg;
	void (*on_wait)(void *, const char *); /* see
	                                 nlp_registry_open_waiting() */
	void *wait_arg;
	int waited;                   /* on_wait was called */
	int64_t busy_since, busy_last; /* registry_sqlite.c's: this wait's
	                                 start, its last pause (ms) */
	int busy_retried;             /* registry_sqlite.c's: the wait is a
	                                 change's, retried (else a read's) */
};

/* ---- The database (registry_db.c) ---- */

/*
 * A statement, whichever backend made it: each backend's own statement
 * begins with this.
 */
struct nlp_regdb_stmt {
	const struct nlp_regdb_ops *ops;
};


/* nlp_registry_open(); *corrupt set when it failed because the database
 * is malformed (or no database at all): verify reports that. */
int nlp_regdb_open(struct nlp_registry **out, const char *dir, int writable,
    int *corrupt, struct nlp_err *e);

/*
 * A write transaction: begin takes the write lock now, waiting for
 * another writer and retrying a bounded number of times (then NLP_BUSY);
 * commit calls the before-commit hook first (its failure rolls back);
 * rollback ends a transaction that is open, if any.
 */
int nlp_regdb_begin(struct nlp_registry *r, struct nlp_err *e);

/* Milliseconds on the monotonic clock. */
int64_t nlp_regdb_now_ms(void);

/* r has waited NLP_REGISTRY_WAIT_MS for another process's lock, which it
 * waits for up to `limit` ("30 s"): tell the caller, once. */
void nlp_regdb_waiting(struct nlp_registry *r, const char *limit);
int nlp_regdb_commit(struct nlp_registry *r, struct nlp_err *e);
void nlp_regdb_rollback(struct nlp_registry *r);

/* Fill e from the database's last error (what: what failed) and return
 * its status: NLP_BUSY, NLP_REGISTRY (damage, a constraint), NLP_IO. */
int nlp_regdb_err(struct nlp_registry *r, struct nlp_err *e,
    const char *what);

/* Run SQL without results. */
int nlp_regdb_exec(struct nlp_registry *r, const char *sql,
    struct nlp_err *e);

/*
 * A statement's parameters, numbered from 1 in array order: an integer,
 * or text (NULL: SQL NULL).  Text is not copied -- a copy could fail for
 * want of memory, and did, as "NOT NULL constraint failed" -- so it must
 * outlive the statement's step.
 */
struct nlp_regdb_param {
	int is_text;
	const char *s;
	int64_t i;
};
#define NLP_REGDB_INT(v) ((struct nlp_regdb_param){ 0, NULL, (v) })
#define NLP_REGDB_TEXT(v) ((struct nlp_regdb_param){ 1, (v), 0 })

/* Run a statement without results; what: for the message if it fails. */
int nlp_regdb_run(struct nlp_registry *r, const char *sql,
    const struct nlp_regdb_param *p, size_t np, const char *what,
    struct nlp_err *e);

/* One integer from a query: the first column of the row it returns (at
 * most one); def when there is none. */
int nlp_regdb_int_query(struct nlp_registry *r, const char *sql,
    const struct nlp_regdb_param *p, size_t np, int64_t def, int64_t *out,
    struct nlp_err *e);

/* Run a statement, calling fn (when not NULL) for each row; fn's status
 * other than NLP_OK stops it and is returned.  what: for the message when
 * the statement fails. */
int nlp_regdb_query(struct nlp_registry *r, const char *sql,
    const struct nlp_regdb_param *p, size_t np,
    int (*fn)(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e),
    void *arg, const char *what, struct nlp_err *e);

/* A prepared statement, and the row a query is on. */
struct nlp_regdb_stmt;

/* Run a query, calling fn for each row; fn's status other than NLP_OK
 * stops it and is returned. */
int nlp_regdb_each(struct nlp_registry *r, const char *sql,
    const struct nlp_regdb_param *p, size_t np,
    int (*fn)(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e),
    void *arg, struct nlp_err *e);

/* Column i of the current row: its type (NULL, INT, REAL or TEXT), and
 * its value as each (a NULL column's text is NULL). */
enum nlp_registry_vtype nlp_regdb_type(struct nlp_regdb_stmt *st, int i);
int64_t nlp_regdb_int(struct nlp_regdb_stmt *st, int i);
double nlp_regdb_double(struct nlp_regdb_stmt *st, int i);
const char *nlp_regdb_text(struct nlp_regdb_stmt *st, int i);

/*
 * A statement run many times with other parameters (inserting rows):
 * prepare it, then for each row bind (replacing the last row's
 * parameters) and step -- NLP_REGDB_DONE, or NLP_REGDB_ERROR and
 * nlp_regdb_err() says what -- and finalize it.
 */
enum { NLP_REGDB_ERROR = -1, NLP_REGDB_DONE = 0, NLP_REGDB_ROW = 1 };
int nlp_regdb_prepare(struct nlp_registry *r, struct nlp_regdb_stmt **st,
    const char *sql, struct nlp_err *e);
void nlp_regdb_bind(struct nlp_regdb_stmt *st,
    const struct nlp_regdb_param *p, size_t np);
int nlp_regdb_step(struct nlp_regdb_stmt *st);
void nlp_regdb_finalize(struct nlp_regdb_stmt *st);

/* The row id of the last row inserted. */
int64_t nlp_regdb_last_id(struct nlp_registry *r);

/*
 * The database's own consistency checks, each problem found passed to
 * fn as a line of text (an fn status other than NLP_OK stops it): the
 * structure (quick: without comparing indexes with their tables; at most
 * max problems, 0: the database's default; what: for the message when
 * the check cannot run), and the references between tables.
 */
/*
 * The tables a registry of r's schema has and r lacks, and the columns
 * the commands read that its tables lack (dropped by hand): the first an
 * NLP_REGISTRY error ("registry '...' is damaged: its table 'events' is
 * missing"), as every verb but verify meets it at open; nlp_regdb_check()
 * reports them all as its first problems.
 */
int nlp_regdb_need_schema(struct nlp_registry *r, struct nlp_err *e);
int nlp_regdb_check(struct nlp_registry *r, int quick, int max,
    const char *what, int (*fn)(void *arg, const char *problem), void *arg,
    struct nlp_err *e);
int nlp_regdb_check_references(struct nlp_registry *r,
    int (*fn)(void *arg, const char *problem), void *arg, struct nlp_err *e);

/*
 * Every version's object: fn(arg, sha256, size, "name@version") for each,
 * sorted by sha256, read from the table itself, not an index (a damaged
 * index that lost an entry made gc delete a live version's object).
 */
int nlp_regdb_each_object(struct nlp_registry *r,
    int (*fn)(void *arg, const char *sha256, int64_t size, const char *ref),
    void *arg, struct nlp_err *e);

/*
 * A backend: what each nlp_regdb_* call below does on it.  open fills
 * the registry r (its dir and writable set) or fails, leaving what it
 * made for close; init is `registry init`.
 */
struct nlp_regdb_ops {
	int (*open)(struct nlp_registry *r, struct nlp_err *e);
	void (*close)(struct nlp_registry *r);
	int (*init)(const char *dir, const char *group, struct nlp_err *e);
	int (*err)(struct nlp_registry *r, struct nlp_err *e, const char *what);
	int (*exec)(struct nlp_registry *r, const char *sql, struct nlp_err *e);
	int (*begin)(struct nlp_registry *r, struct nlp_err *e);
	int (*commit)(struct nlp_registry *r, struct nlp_err *e);
	void (*rollback)(struct nlp_registry *r);
	int (*prepare)(struct nlp_registry *r, struct nlp_regdb_stmt **st,
	    const char *sql, struct nlp_err *e);
	void (*bind)(struct nlp_regdb_stmt *st,
	    const struct nlp_regdb_param *p, size_t np);
	int (*step)(struct nlp_regdb_stmt *st);
	void (*finalize)(struct nlp_regdb_stmt *st);
	enum nlp_registry_vtype (*type)(struct nlp_regdb_stmt *st, int i);
	int64_t (*int64)(struct nlp_regdb_stmt *st, int i);
	double (*dbl)(struct nlp_regdb_stmt *st, int i);
	const char *(*text)(struct nlp_regdb_stmt *st, int i);
	int64_t (*last_id)(struct nlp_registry *r);
	int (*check)(struct nlp_registry *r, int quick, int max,
	    const char *what, int (*fn)(void *arg, const char *problem),
	    void *arg, struct nlp_err *e);
	int (*check_references)(struct nlp_registry *r,
	    int (*fn)(void *arg, const char *problem), void *arg,
	    struct nlp_err *e);
	const char *objects_sql;      /* nlp_regdb_each_object()'s query:
	                                 sha256, size, "name@version" */
};

extern const struct nlp_regdb_ops nlp_regdb_sqlite, nlp_regdb_pg;

/* Is this registry PostgreSQL's (its objects in the database, read
 * through the cache)? */
#define NLP_REGDB_IS_PG(r) ((r)->ops == &nlp_regdb_pg)

/* ---- PostgreSQL's objects and names (registry_pg.c) ---- */

/* r->uri (as given) and r->dir (without its password) from uri. */
int nlp_regpg_names(struct nlp_registry *r, const char *uri,
    struct nlp_err *e);

/* Store data (len bytes, SHA-256 hex) as an object, in the caller's
 * transaction, unless it is there; read back and checked. */
int nlp_regpg_put_object(struct nlp_registry *r, const char *hex,
    const void *data, size_t len, struct nlp_err *e);

/*
 * Open object hex for reading (*fd, the caller closes it): from the cache,
 * else fetched (SHA-256 and size checked) into it, or without a usable
 * cache into an unlinked temporary file.  path: the cached file, or a name
 * for messages.  NLP_DATA when the object is missing or damaged.
 */
int nlp_regpg_open_object(struct nlp_registry *r, const char *hex, int *fd,
    char *path, size_t pathsize, struct nlp_err *e);

/* Drop object hex from the cache (its bytes were found wrong): 1 when
 * there was a copy. */
int nlp_regpg_evict(const char *hex);

/* Check object hex: its size (quick) or its bytes' SHA-256: NLP_OK, NLP_NO
 * (damage, e says what), or the database's error. */
int nlp_regpg_check_object(struct nlp_registry *r, const char *hex,
    int64_t size, int quick, struct nlp_err *e);

/* Check object hex on either backend: its size (quick) or its bytes'
 * SHA-256: NLP_OK; NLP_NO, NLP_DATA or NLP_REGISTRY for damage (e says
 * what: missing, its size, its hash, in the same words by either way);
 * else the failure to read it. */
int nlp_registry_check_object(struct nlp_registry *r, const char *hex,
    int64_t size, int quick, struct nlp_err *e);

/* fn for each object no version refers to, by SHA-256; with remove, they
 * are deleted too (inside the caller's transaction). */
int nlp_regpg_orphans(struct nlp_registry *r, int remove,
    int (*fn)(void *arg, const char *sha256, int64_t size), void *arg,
    struct nlp_err *e);

/* ---- Bundles (registry_bundle.c, read by registry_import.c) ---- */

#define NLP_BUNDLE_FORMAT "nlpops-bundle"   /* bundle.json's "format" */
#define NLP_BUNDLE_VERSION 1                /* ... and "version" */
#define NLP_BUNDLE_JSON "bundle.json"       /* the first member */
#define NLP_BUNDLE_SUMS "SHA256SUMS"        /* the last */
#define NLP_BUNDLE_JSON_MAX (64 << 20)      /* bundle.json, at most */
#define NLP_BUNDLE_OBJECT_MAX ((int64_t)1 << 34)   /* an object, at most */

/* An object of a bundle: the version it is (its row id when exported;
 * its model's name when imported, for messages). */
struct nlp_bundle_object {
	int64_t vid;
	char name[NLP_NAME_MAX + 1];
	long version;
	char sha256[NLP_SHA256_HEX];
	int64_t size;
};

/* A requirement of promote, "METRIC OP NUMBER", split. */
struct nlp_requirement {
	char metric[NLP_NAME_MAX + 8];
	char op[3];                     /* >=, <=, > or < */
	double bound;                   /* finite */
};

/* Parse s (registry.h: nlp_registry_promote()): NLP_USAGE, saying why,
 * when it is malformed or names no known metric. */
int nlp_registry_parse_requirement(const char *s, struct nlp_requirement *q,
    struct nlp_err *e);

/* A push's check of the artifact's meta.json (mlen bytes at mj): a JSON
 * object whose fields the registry stores have their types (NLP_DATA). */
int nlp_registry_check_meta(const void *mj, size_t mlen, struct nlp_err *e);

/* Parse JSON text the registry stored (NULL: none, *j NULL), an object
 * (kind '{') or an array ('['): anything else is damage, NLP_REGISTRY
 * naming what column it is; NLP_IO when parsing ran out of memory
 * (jansson's lexer says invalid then).  registry_read.c. */
struct json_t;
int nlp_registry_stored_json(const char *text, int kind, const char *what,
    struct json_t **j, struct nlp_err *e);

/* Who a change is recorded as (registry_write.c): who, and on
 * PostgreSQL the client's host and the role the server authenticated;
 * in buf, or who itself. */
const char *nlp_registry_recorded_who(const struct nlp_registry *r,
    const char *who, char buf[NLP_TEXT_MAX + 1]);

/* What show reads of a stored meta.json (text), into s's labels,
 * examples, nlpops_version, warning and label_counts. */
int nlp_registry_meta_fields(const char *text, struct nlp_registry_shown *s,
    struct nlp_err *e);

/* qsort() order of struct nlp_bundle_object: by SHA-256. */
int nlp_bundle_by_sha256(const void *a, const void *b);

/* The text of SHA256SUMS: bundle.json's SHA-256 (hex), then each object's
 * of x[0..nx) (sorted by SHA-256, a repeated one once), as sha256sum(1)
 * prints them; NULL: out of memory.  The caller frees it. */
char *nlp_bundle_sums(const char *hex, const struct nlp_bundle_object *x,
    size_t nx);

/* A row callback for nlp_regdb_each() over "SELECT at, who, kind, alias,
 * old_version, new_version, reason FROM events": each row appended as a
 * bundle's event object to the JSON array at arg (a json_t *). */
int nlp_bundle_event_row(void *arg, struct nlp_regdb_stmt *st,
    struct nlp_err *e);

/* Append an entry (name@version, sha256, size, imported) to a report. */
int nlp_bundle_report_add(struct nlp_registry_bundle_report *b,
    const char *name, long version, const char *sha256, int64_t size,
    int imported, struct nlp_err *e);

/* ---- Shared by the modules (registry_read.c) ---- */

/* The current time, UTC, ISO 8601 to the second, into buf: on PostgreSQL
 * the server's (its transaction's start: one clock for every client of a
 * shared registry, where a workstation's slow clock put its events before
 * older ones), else this machine's.  NLP_OK, or the query's error. */
int nlp_registry_now(struct nlp_registry *r, char buf[32],
    struct nlp_err *e);

/* Array v (capacity *cap elements of size bytes) with room for n + 1:
 * v itself, or a larger copy (*cap updated, v freed); NULL when out of
 * memory (v unchanged, still the caller's). */
void *nlp_registry_grow(void *v, size_t *cap, size_t n, size_t size);

/* Append a copy of s, or formatted text: NLP_OK or NLP_IO (out of
 * memory, e filled). */
int nlp_registry_strings_add(struct nlp_registry_strings *l, const char *s,
    struct nlp_err *e);
int nlp_registry_strings_addf(struct nlp_registry_strings *l,
    struct nlp_err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The first row of a query for an existing name that differs from a new
 * one only in case (sql, its parameters p): into buf, "" when none.
 */
int nlp_registry_case_twin(struct nlp_registry *r, const char *sql,
    const struct nlp_regdb_param *p, size_t np, char *buf, size_t size,
    struct nlp_err *e);

/* A row callback for nlp_regdb_each(): the row's first column appended
 * to the list at arg. */
int nlp_registry_string_row(void *arg, struct nlp_regdb_stmt *st,
    struct nlp_err *e);

/* The id of model name: 0 when there is none (model_id), an error naming
 * it and the models there are, nearest first (need_model; NLP_USAGE when
 * name is no valid model name). */
int nlp_registry_model_id(struct nlp_registry *r, const char *name,
    int64_t *id, struct nlp_err *e);
int nlp_registry_need_model(struct nlp_registry *r, const char *name,
    int64_t *id, struct nlp_err *e);

/* The last event of alias of model name, from the event log: who, when
 * and why in text ("by alice at 2026-12-01T03:00:00Z (\"why\")"; empty
 * when it has none), whether it deleted the alias, and the version the
 * alias pointed at before it. */
struct nlp_registry_last_event {
	char text[NLP_NAME_MAX + 2 * NLP_TEXT_MAX + 128];
	int deleted;
	long old_version;
};
int nlp_registry_last_event(struct nlp_registry *r, const char *name,
    const char *alias, struct nlp_registry_last_event *l, struct nlp_err *e);

/* NLP_REGISTRY: "model 'spam' has no alias 'x'", then the text then (or
 * NULL), then its aliases, nearest first, and a guess when one is near. */
int nlp_registry_no_alias(struct nlp_registry *r, int64_t mid,
    const char *name, const char *alias, const char *then, struct nlp_err *e);

/* The row id of version of model mid (name, for the message), or an
 * error naming what is missing. */
int nlp_registry_need_version(struct nlp_registry *r, int64_t mid,
    const char *name, long version, int64_t *vid, struct nlp_err *e);

/* The version alias of model mid points at (0: no such alias; NLP_USAGE
 * when alias is no valid alias). */
int nlp_registry_alias_version(struct nlp_registry *r, int64_t mid,
    const char *alias, long *version, struct nlp_err *e);

/* The evaluations recorded on version row vid, newest first, at most max:
 * *ev (the caller releases each and frees the array), *n. */
int nlp_registry_evaluations(struct nlp_registry *r, int64_t vid, int max,
    struct nlp_registry_evaluation **ev, size_t *n, struct nlp_err *e);
void nlp_registry_evaluation_release(struct nlp_registry_evaluation *ev);

#endif
