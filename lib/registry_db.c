/*
 * registry_db.c - the registry's database, whichever backend holds it
 * (see registry_internal.h): a directory is SQLite's (registry_sqlite.c),
 * a postgresql:// URI PostgreSQL's (registry_pg.c).  Each nlp_regdb_*
 * call goes to the backend; what is the same on both (running a
 * statement, the before-commit hook, opening and closing) is here.
 */
#include "registry_internal.h"

#include <ctype.h>
#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "text.h"

int
nlp_registry_is_uri(const char *s)
{
	return s != NULL && (strncmp(s, "postgresql://", 13) == 0 ||
	    strncmp(s, "postgres://", 11) == 0);
}

int
nlp_registry_missing_dir(const char *dir, struct nlp_err *e)
{
	char path[4096], *cut;
	struct stat st;

	if (nlp_registry_is_uri(dir) || dir[0] == '\0' ||
	    strlen(dir) >= sizeof path || lstat(dir, &st) == 0 ||
	    errno != ENOENT)
		return 0;
	snprintf(path, sizeof path, "%s", dir);
	while (lstat(path, &st) != 0 && (cut = strrchr(path, '/')) != NULL)
		cut[cut == path] = '\0';
	if (lstat(path, &st) != 0 && strchr(path, '/') == NULL)
		snprintf(path, sizeof path, ".");
	if (access(path, W_OK | X_OK) != 0)
		return -nlp_errnof(e, NLP_IO, errno, "cannot create registry "
		    "'%s'", dir);
	return 1;
}

int
nlp_regdb_err(struct nlp_registry *r, struct nlp_err *e, const char *what)
{
	return r->ops->err(r, e, what);
}

int
nlp_regdb_exec(struct nlp_registry *r, const char *sql, struct nlp_err *e)
{
	return r->ops->exec(r, sql, e);
}

int
nlp_regdb_prepare(struct nlp_registry *r, struct nlp_regdb_stmt **st,
    const char *sql, struct nlp_err *e)
{
	return r->ops->prepare(r, st, sql, e);
}

void
nlp_regdb_bind(struct nlp_regdb_stmt *st, const struct nlp_regdb_param *p,
    size_t np)
{
	st->ops->bind(st, p, np);
}

int
nlp_regdb_step(struct nlp_regdb_stmt *st)
{
	return st->ops->step(st);
}

void
nlp_regdb_finalize(struct nlp_regdb_stmt *st)
{
	if (st != NULL)
		st->ops->finalize(st);
}

enum nlp_registry_vtype
nlp_regdb_type(struct nlp_regdb_stmt *st, int i)
{
	return st->ops->type(st, i);
}

int64_t
nlp_regdb_int(struct nlp_regdb_stmt *st, int i)
{
	return st->ops->int64(st, i);
}

double
nlp_regdb_double(struct nlp_regdb_stmt *st, int i)
{
	return st->ops->dbl(st, i);
}

const char *
nlp_regdb_text(struct nlp_regdb_stmt *st, int i)
{
	return st->ops->text(st, i);
}

int64_t
nlp_regdb_last_id(struct nlp_registry *r)
{
	return r->ops->last_id(r);
}

/* The tables of a registry of schema r->schema: since which schema,
 * whether only on PostgreSQL, and the columns the commands read (the
 * same on both backends, since schema 1 unless the table is newer). */
static const struct {
	const char *name;
	int since, pg_only;
	const char *columns;
} tables[] = {
	{ "models", 1, 0, "id name next_version created_at" },
	{ "versions", 1, 0, "id model_id version sha256 size created_at "
	    "created_by source description hyperparameters metrics meta" },
	{ "inputs", 1, 0, "version_id position name sha256 bytes" },
	{ "tags", 1, 0, "version_id key value" },
	{ "aliases", 1, 0, "model_id alias version_id updated_at" },
	{ "events", 1, 0, "id at who model kind alias old_version new_version "
	    "reason" },
	{ "evaluations", 2, 0, "id version_id at who data metrics" },
	{ "signatures", 3, 0, "version_id key_id signature" },
	{ "nlpops_meta", 1, 1, "key value" },
	{ "objects", 1, 1, "sha256 size chunks" },
	{ "chunks", 1, 1, "sha256 seq data" },
};
#define NTABLES (sizeof tables / sizeof tables[0])

/* The registry's tables there, and for each, which of the columns the
 * commands read it has: bit k for the k-th of its columns list. */
struct schema_seen {
	unsigned char there[NTABLES];
	uint32_t cols[NTABLES];
};

static int
schema_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct schema_seen *h = arg;
	const char *table = nlp_regdb_text(st, 0), *col = nlp_regdb_text(st, 1);
	const char *c;
	size_t i, n, k;

	(void)e;
	for (i = 0; table != NULL && col != NULL && i < NTABLES; i++) {
		if (strcmp(table, tables[i].name) != 0)
			continue;
		h->there[i] = 1;
		for (c = tables[i].columns, k = 0; *c != '\0';
		    c += n + (c[n] == ' '), k++)
			if ((n = strcspn(c, " ")) == strlen(col) &&
			    strncmp(c, col, n) == 0)
				h->cols[i] |= (uint32_t)1 << k;
	}
	return NLP_OK;
}

/*
 * Each table of ours missing, then each column the commands read that a
 * table there lacks (a table or column dropped by hand: every read of it
 * fails), as fn(arg, problem) until it returns other than NLP_OK.  One
 * query: every column of every table in the registry's schema.
 */
static int
schema_problems(struct nlp_registry *r, int (*fn)(void *arg,
    const char *problem), void *arg, struct nlp_err *e)
{
	struct schema_seen h;
	int pg = NLP_REGDB_IS_PG(r), rc;
	size_t i, n, k, len;
	const char *c;
	char problem[192], names[256], sql[640];

	/* our tables alone: a table of someone else's that cannot be read
	   (a virtual one whose module is not here) is none of ours */
	for (i = 0, len = 0; i < NTABLES; i++)
		len += (size_t)snprintf(names + len, sizeof names - len, "%s'%s'",
		    i > 0 ? ", " : "", tables[i].name);
	snprintf(sql, sizeof sql, pg ? "SELECT c.relname, a.attname FROM "
	    "pg_catalog.pg_class c JOIN pg_catalog.pg_attribute a ON "
	    "a.attrelid = c.oid WHERE c.relnamespace = "
	    "current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND "
	    "c.relname IN (%s) AND a.attnum > 0 AND NOT a.attisdropped" :
	    "SELECT m.name, p.name FROM sqlite_master AS m, "
	    "pragma_table_info(m.name) AS p WHERE m.type = 'table' AND "
	    "m.name IN (%s)", names);
	memset(&h, 0, sizeof h);
	if ((rc = nlp_regdb_each(r, sql, NULL, 0, schema_row, &h, e)) != NLP_OK)
		return rc;
	for (i = 0; i < NTABLES; i++) {
		if (r->schema < tables[i].since || (!pg && tables[i].pg_only) ||
		    h.there[i])
			continue;
		snprintf(problem, sizeof problem, "table '%s' is missing",
		    tables[i].name);
		if ((rc = fn(arg, problem)) != NLP_OK)
			return rc;
	}
	for (i = 0; i < NTABLES; i++) {
		if (!h.there[i] || r->schema < tables[i].since ||
		    (!pg && tables[i].pg_only))
			continue;        /* said above, or not ours here */
		for (c = tables[i].columns, k = 0; *c != '\0';
		    c += n + (c[n] == ' '), k++) {
			n = strcspn(c, " ");
			if (h.cols[i] & (uint32_t)1 << k)
				continue;
			snprintf(problem, sizeof problem, "table '%s' has no column "
			    "'%.*s'", tables[i].name, (int)n, c);
			if ((rc = fn(arg, problem)) != NLP_OK)
				return rc;
		}
	}
	return NLP_OK;
}

int
nlp_regdb_check(struct nlp_registry *r, int quick, int max,
    const char *what, int (*fn)(void *arg, const char *problem), void *arg,
    struct nlp_err *e)
{
	int rc;

	if ((rc = schema_problems(r, fn, arg, e)) != NLP_OK)
		return rc;
	return r->ops->check(r, quick, max, what, fn, arg, e);
}

/* The first problem of schema_problems() as a damaged registry's error. */
struct damaged {
	const struct nlp_registry *r;
	struct nlp_err *e;
};

static int
damaged(void *arg, const char *problem)
{
	struct damaged *d = arg;

	return nlp_errf(d->e, NLP_REGISTRY, "registry '%s' is damaged: its %s "
	    "(see 'nlpops registry verify'; restore the database from a "
	    "backup)", d->r->dir, problem);
}

int
nlp_regdb_need_schema(struct nlp_registry *r, struct nlp_err *e)
{
	struct damaged d = { r, e };

	return schema_problems(r, damaged, &d, e);
}

int
nlp_regdb_check_references(struct nlp_registry *r,
    int (*fn)(void *arg, const char *problem), void *arg, struct nlp_err *e)
{
	return r->ops->check_references(r, fn, arg, e);
}

struct object_ctx {
	int (*fn)(void *arg, const char *sha256, int64_t size, const char *ref);
	void *arg;
};

static int
object_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct object_ctx *c = arg;

	(void)e;
	return c->fn(c->arg, nlp_regdb_text(st, 0), nlp_regdb_int(st, 1),
	    nlp_regdb_text(st, 2));
}

int
nlp_regdb_each_object(struct nlp_registry *r,
    int (*fn)(void *arg, const char *sha256, int64_t size, const char *ref),
    void *arg, struct nlp_err *e)
{
	struct object_ctx c = { fn, arg };

	return nlp_regdb_each(r, r->ops->objects_sql, NULL, 0, object_row, &c,
	    e);
}

int
nlp_regdb_begin(struct nlp_registry *r, struct nlp_err *e)
{
	return r->ops->begin(r, e);
}

int64_t
nlp_regdb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
nlp_regdb_waiting(struct nlp_registry *r, const char *limit)
{
	char msg[1024];

	if (r->on_wait == NULL || r->waited)
		return;
	r->waited = 1;
	snprintf(msg, sizeof msg, "registry '%s' is busy: waiting up to %s for "
	    "another process's change to end", r->dir, limit);
	r->on_wait(r->wait_arg, msg);
}

int
nlp_regdb_commit(struct nlp_registry *r, struct nlp_err *e)
{
	int err;

	if (r->before_commit != NULL && (err = r->before_commit(r->before_arg))
	    != 0) {
		r->ops->rollback(r);
		return nlp_errnof(e, NLP_IO, err, "cannot write the result, so "
		    "nothing was changed");
	}
	return r->ops->commit(r, e);
}

void
nlp_regdb_rollback(struct nlp_registry *r)
{
	r->ops->rollback(r);
}

int
nlp_regdb_query(struct nlp_registry *r, const char *sql, const struct nlp_regdb_param *p,
    size_t np, int (*fn)(void *arg, struct nlp_regdb_stmt *st,
    struct nlp_err *e), void *arg, const char *what, struct nlp_err *e)
{
	struct nlp_regdb_stmt *st;
	int rc, status = NLP_OK;

	if ((rc = nlp_regdb_prepare(r, &st, sql, e)) != NLP_OK)
		return rc;
	nlp_regdb_bind(st, p, np);
	while ((rc = nlp_regdb_step(st)) == NLP_REGDB_ROW && fn != NULL)
		if ((status = fn(arg, st, e)) != NLP_OK)
			break;
	nlp_regdb_finalize(st);
	if (status != NLP_OK)
		return status;
	return rc == NLP_REGDB_ERROR ? nlp_regdb_err(r, e, what) : NLP_OK;
}

int
nlp_regdb_run(struct nlp_registry *r, const char *sql,
    const struct nlp_regdb_param *p, size_t np, const char *what,
    struct nlp_err *e)
{
	return nlp_regdb_query(r, sql, p, np, NULL, NULL, what, e);
}

int
nlp_regdb_each(struct nlp_registry *r, const char *sql,
    const struct nlp_regdb_param *p, size_t np,
    int (*fn)(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e),
    void *arg, struct nlp_err *e)
{
	return nlp_regdb_query(r, sql, p, np, fn, arg, "query", e);
}

/* The first column of a row, into the int64_t at arg. */
static int
int_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	(void)e;
	*(int64_t *)arg = nlp_regdb_int(st, 0);
	return NLP_OK;
}

int
nlp_regdb_int_query(struct nlp_registry *r, const char *sql,
    const struct nlp_regdb_param *p, size_t np, int64_t def, int64_t *out,
    struct nlp_err *e)
{
	*out = def;
	return nlp_regdb_each(r, sql, p, np, int_row, out, e);
}

/* ---- opening ---- */

/* No registry was named, and there is no home to find the default in. */
static int
no_registry(struct nlp_err *e)
{
	return nlp_errf(e, NLP_USAGE, "which registry? none was given and there "
	    "is no home directory for the default (~/.local/share/nlpops): use "
	    "--registry DIR or set NLPOPS_REGISTRY");
}

/*
 * A registry named like a URI that is not a postgresql:// one -- a typo
 * in the scheme ("postgresq://", "POSTGRESQL://", "postgresql:/db",
 * "postgresql//db"), a space, a quote or a bracket before it -- must not
 * become a directory of that name: the push would land on this machine
 * while CI believes it shared, with the password in the path.  It looks
 * like one when "://" comes before any '/', or when it starts with a
 * near miss of "postgres" or "postgresql" followed by ':' or "//"; a
 * directory that exists is what it says.  Only what comes before "://"
 * is shown, and only when it cannot be a user or a password.
 */
static int
not_a_uri(const char *dir, struct nlp_err *e)
{
	const char *p = dir, *q, *sep = strstr(dir, "://");
	char scheme[32];
	size_t n = 0, i;
	struct stat st;
	int uri;

	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return NLP_OK;
	uri = sep != NULL && memchr(dir, '/', (size_t)(sep - dir)) == NULL;
	while (*p == ' ' || *p == '\t')
		p++;
	for (q = p; isalnum((unsigned char)*q) || *q == '+' || *q == '-' ||
	    *q == '.' || *q == '_'; q++)
		n++;
	if (!uri && n > 0 && n < sizeof scheme) {
		for (i = 0; i < n; i++)
			scheme[i] = (char)tolower((unsigned char)p[i]);
		scheme[n] = '\0';
		uri = (q[0] == ':' || strncmp(q, "//", 2) == 0) &&
		    (nlp_text_distance(scheme, "postgres") <= 2 ||
		    nlp_text_distance(scheme, "postgresql") <= 2);
	}
	if (!uri)
		return NLP_OK;
	/* shown: up to "://" or the scheme's ':' or "//", when short and
	   free of '@' and ':' */
	n = sep != NULL && memchr(dir, '/', (size_t)(sep - dir)) == NULL ?
	    (size_t)(sep - dir) : (size_t)(q - dir);
	for (i = 0; i < n && i < 24; i++)
		if (dir[i] == '@' || dir[i] == ':' || (unsigned char)dir[i] < ' ')
			break;
	return nlp_errf(e, NLP_USAGE, "the registry '%.*s...' looks like a "
	    "URI but is not a postgresql:// or postgres:// one (lower case, "
	    "alone, at the very start): a typo, or quotes kept?  (It is not "
	    "made a directory.)", (int)(i == n ? n : 0), dir);
}

/* nlp_regdb_open(), r's wait callback (nlp_registry_open_waiting()) set
 * before it connects (a new registry's schema, or an upgrade, waits for
 * the lock too). */
static int
regdb_open(struct nlp_registry **out, const char *dir, int writable,
    void (*fn)(void *, const char *), void *arg, int *corrupt,
    struct nlp_err *e)
{
	struct nlp_registry *r;
	int rc;

	*out = NULL;
	if (dir == NULL || dir[0] == '\0')
		return no_registry(e);
	if (!nlp_registry_is_uri(dir) && (rc = not_a_uri(dir, e)) != NLP_OK)
		return rc;
	if ((r = calloc(1, sizeof *r)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	r->ops = nlp_registry_is_uri(dir) ? &nlp_regdb_pg : &nlp_regdb_sqlite;
	r->writable = writable;
	r->on_wait = fn;
	r->wait_arg = arg;
	if (NLP_REGDB_IS_PG(r))
		rc = nlp_regpg_names(r, dir, e);
	else
		rc = (r->dir = strdup(dir)) == NULL ? nlp_errf(e, NLP_IO,
		    "out of memory") : NLP_OK;
	if (rc == NLP_OK && (rc = r->ops->open(r, e)) == NLP_OK) {
		*out = r;
		return NLP_OK;
	}
	*corrupt = r->corrupt;
	nlp_registry_close(r);
	return rc;
}

int
nlp_regdb_open(struct nlp_registry **out, const char *dir, int writable,
    int *corrupt, struct nlp_err *e)
{
	return regdb_open(out, dir, writable, NULL, NULL, corrupt, e);
}

/* An opened registry *out whose schema lacks a table or column of ours
 * closed and refused (status 5): every verb but verify's check. */
static int
schema_whole(struct nlp_registry **out, int rc, struct nlp_err *e)
{
	if (rc == NLP_OK && (rc = nlp_regdb_need_schema(*out, e)) != NLP_OK) {
		nlp_registry_close(*out);
		*out = NULL;
	}
	return rc;
}

int
nlp_registry_open_waiting(struct nlp_registry **out, const char *dir,
    int writable, void (*fn)(void *arg, const char *msg), void *arg,
    struct nlp_err *e)
{
	int corrupt = 0;

	return schema_whole(out, regdb_open(out, dir, writable, fn, arg,
	    &corrupt, e), e);
}

int
nlp_registry_open(struct nlp_registry **out, const char *dir, int writable,
    struct nlp_err *e)
{
	int corrupt = 0;

	return schema_whole(out, nlp_regdb_open(out, dir, writable, &corrupt,
	    e), e);
}

void
nlp_registry_close(struct nlp_registry *r)
{
	if (r == NULL)
		return;
	r->ops->close(r);
	free(r->dir);
	free(r->uri);
	free(r->pg_msg);
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

int
nlp_registry_init(const char *dir, const char *group, struct nlp_err *e)
{
	int rc;

	if (dir == NULL || dir[0] == '\0')
		return no_registry(e);
	if (!nlp_registry_is_uri(dir) && (rc = not_a_uri(dir, e)) != NLP_OK)
		return rc;
	return (nlp_registry_is_uri(dir) ? &nlp_regdb_pg :
	    &nlp_regdb_sqlite)->init(dir, group, e);
}
