/*
 * registry_check.c - the registry's checks: verify (the database and
 * every object) and gc (what no version refers to), see registry.h.
 */
#include "registry_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "artifact.h"
#include "sign.h"
#include "store.h"

/* A version's object. */
struct object_ref {
	char hex[NLP_SHA256_HEX];
	int64_t size;
	char *name;                     /* "name@version" */
};

/* Every version's object, sorted by SHA-256, for verify and gc. */
struct referenced {
	struct object_ref *v;
	size_t n, cap;
	struct nlp_err *e;
};

static int
add_referenced(void *arg, const char *sha256, int64_t size, const char *ref)
{
	struct referenced *x = arg;
	struct object_ref *v;

	if ((v = nlp_registry_grow(x->v, &x->cap, x->n, sizeof *v)) == NULL)
		return nlp_errf(x->e, NLP_IO, "out of memory");
	x->v = v;
	if ((v[x->n].name = strdup(ref != NULL ? ref : "")) == NULL)
		return nlp_errf(x->e, NLP_IO, "out of memory");
	snprintf(v[x->n].hex, sizeof v->hex, "%s", sha256 != NULL ? sha256 :
	    "");
	v[x->n++].size = size;
	return NLP_OK;
}

static int
read_referenced(struct nlp_registry *r, struct referenced *x,
    struct nlp_err *e)
{
	x->e = e;
	return nlp_regdb_each_object(r, add_referenced, x, e);
}

static void
free_referenced(struct referenced *x)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		free(x->v[i].name);
	free(x->v);
	memset(x, 0, sizeof *x);
}

/* Is h among the referenced hashes? */
static int
is_referenced(const struct referenced *x, const char *h)
{
	size_t lo = 0, hi = x->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(x->v[mid].hex, h);
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* ---- verify ---- */

struct verify {
	struct nlp_registry *r;
	struct nlp_registry_verify_report *rep;
	struct referenced ref;
	int skip;                       /* the objects' table is unreadable */
	struct nlp_err *e;
};

/* A problem the database's own checks found. */
static int
database_problem(void *arg, const char *problem)
{
	struct verify *x = arg;

	return nlp_registry_strings_addf(&x->rep->problems, x->e,
	    "database: %s", problem);
}

/* A step of verify failed: when the database is damaged (malformed, or
 * a directory of the store refused) that is a problem to report, and
 * verify goes on (skip says the step's results are missing); anything
 * else is an error that stops it. */
static int
verify_failed(struct verify *x, int rc)
{
	if (!(x->r->corrupt || rc == NLP_REGISTRY))
		return rc;
	x->r->corrupt = 0;
	x->skip = 1;
	return nlp_registry_strings_addf(&x->rep->problems, x->e,
	    "database: %s", x->e->msg);
}

/* Check each version's object: its size (quick) or its whole SHA-256.
 * Damage goes to the problems; any other failure stops the check (its
 * status, e filled). */
int
nlp_registry_check_object(struct nlp_registry *r, const char *hex,
    int64_t size, int quick, struct nlp_err *e)
{
	if (NLP_REGDB_IS_PG(r))
		return nlp_regpg_check_object(r, hex, size, quick, e);
	return quick ? nlp_store_check_size(r->dir, hex, size, e) :
	    nlp_store_check(r->dir, hex, size, e);
}

static int
verify_objects(struct verify *x, int quick)
{
	struct nlp_err ce;
	size_t i;
	int c;

	for (i = 0; i < x->ref.n; i++) {
		const struct object_ref *o = &x->ref.v[i];
		c = nlp_registry_check_object(x->r, o->hex, o->size, quick, &ce);
		if (c == NLP_NO || c == NLP_DATA || c == NLP_REGISTRY)
			c = nlp_registry_strings_addf(&x->rep->problems, x->e,
			    "%s: %s", o->name, ce.msg);
		else if (c != NLP_OK && x->e != NULL)
			/* out of memory, permission denied: not damage, and
			 * verify cannot say the object is sound either */
			*x->e = ce;
		if (c != NLP_OK)
			return c;
	}
	return NLP_OK;
}

/* verify: orphans and temporary files are notes for gc. */
static int
verify_scan(void *arg, const struct nlp_store_entry *en)
{
	struct verify *x = arg;
	struct nlp_registry_strings *notes = &x->rep->notes;

	if (x->skip)
		return NLP_OK;
	if (en->is_temp)
		return nlp_registry_strings_addf(notes, x->e, "temporary file %s "
		    "(gc removes it once older than its --grace)", en->path);
	if (en->bad_name) {
		/* a version's object that is not a regular file is a problem
		   of that version's already (verify_objects) */
		char hex[NLP_SHA256_HEX];

		if (strlen(en->sub) == 2 && strlen(en->name) == sizeof hex - 3) {
			memcpy(hex, en->sub, 2);
			memcpy(hex + 2, en->name, sizeof hex - 2);
			if (nlp_store_valid_hex(hex) && is_referenced(&x->ref, hex))
				return NLP_OK;
		}
		return nlp_registry_strings_addf(notes, x->e, "stray file %s in "
		    "the object store", en->path);
	}
	if (!is_referenced(&x->ref, en->hex))
		return nlp_registry_strings_addf(notes, x->e, "object %s belongs "
		    "to no version (gc removes it once older than its "
		    "--grace)", en->hex);
	return NLP_OK;
}

/* verify on PostgreSQL: an object no version refers to. */
static int
verify_orphan(void *arg, const char *sha256, int64_t size)
{
	struct verify *x = arg;

	(void)size;
	/* PostgreSQL's gc has no grace (gc_pg()) */
	return nlp_registry_strings_addf(&x->rep->notes, x->e, "object %s "
	    "belongs to no version (gc removes it)", sha256);
}

/*
 * A row of: name, version, then JSON columns, each of the kind its name
 * in json_kinds says ('{' an object, '[' an array; "hyperparameters{"):
 * one that is not, a problem (the commands that read it refuse it as
 * damage, where it was read as empty).
 */
struct json_rows {
	struct verify *x;
	const char *const *cols;     /* "metrics{", ... */
	size_t ncols;
	const char *what;            /* "", or " evaluation #" */
};

static int
json_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct json_rows *jr = arg;
	size_t i, n;
	int rc;

	for (i = 0; i < jr->ncols; i++) {
		const char *c = jr->cols[i];
		json_t *j;

		/* what the commands that read the column would say */
		n = strlen(c) - 1;
		rc = nlp_registry_stored_json(nlp_regdb_text(st, 3 + (int)i),
		    c[n], c, &j, e);
		json_decref(j);
		if (rc != NLP_OK && rc != NLP_REGISTRY)
			return rc;
		/* "spam@6: its ...", "spam@6 evaluation #3: its ..." (an id
		   of 0 is printed as nothing) */
		if (rc == NLP_REGISTRY &&
		    (rc = nlp_registry_strings_addf(&jr->x->rep->problems,
		    jr->x->e, "%s@%lld%s%.0lld: its %.*s column is not a JSON "
		    "%s", nlp_regdb_text(st, 0), (long long)nlp_regdb_int(st, 1),
		    jr->what, (long long)nlp_regdb_int(st, 2), (int)n, c,
		    c[n] == '{' ? "object" : "array")) != NLP_OK)
			return rc;
	}
	return NLP_OK;
}

/* The JSON the registry stores: versions' and evaluations'. */
static int
verify_json(struct verify *x)
{
	static const char *const vcols[] = { "hyperparameters{", "metrics{",
		"meta{" };
	static const char *const ecols[] = { "data[", "metrics{" };
	struct json_rows v = { x, vcols, 3, "" }, ev = { x, ecols, 2,
	    " evaluation #" };
	int rc;

	if ((rc = nlp_regdb_each(x->r, "SELECT m.name, v.version, 0, "
	    "v.hyperparameters, v.metrics, v.meta FROM versions v JOIN models m "
	    "ON m.id = v.model_id ORDER BY m.name, v.version", NULL, 0, json_row,
	    &v, x->e)) != NLP_OK || x->r->schema < 2)
		return rc;
	return nlp_regdb_each(x->r, "SELECT m.name, v.version, e.id, e.data, "
	    "e.metrics FROM evaluations e JOIN versions v ON v.id = e.version_id "
	    "JOIN models m ON m.id = v.model_id ORDER BY m.name, v.version, e.id",
	    NULL, 0, json_row, &ev, x->e);
}

/* The steps of verify, each problem found added to x's report. */
static int
verify_steps(struct verify *x, int quick)
{
	struct nlp_registry *r = x->r;
	int rc;

	if ((rc = nlp_regdb_check(r, quick, 0, "query", database_problem, x,
	    x->e)) != NLP_OK && (rc = verify_failed(x, rc)) != NLP_OK)
		return rc;
	if ((rc = nlp_regdb_check_references(r, database_problem, x, x->e)) !=
	    NLP_OK && (rc = verify_failed(x, rc)) != NLP_OK)
		return rc;
	if (!x->skip && (rc = verify_json(x)) != NLP_OK &&
	    (rc = verify_failed(x, rc)) != NLP_OK)
		return rc;
	x->skip = 0;
	if ((rc = read_referenced(r, &x->ref, x->e)) != NLP_OK &&
	    (rc = verify_failed(x, rc)) != NLP_OK)
		return rc;
	if ((rc = verify_objects(x, quick)) != NLP_OK)
		return rc;
	/* which objects belong to no version is known only from a readable
	 * table: without it, say nothing about them */
	if (NLP_REGDB_IS_PG(r)) {
		if (x->skip)    /* the tables it reads are not all there */
			return NLP_OK;
		if ((rc = nlp_regpg_orphans(r, 0, verify_orphan, x, x->e)) !=
		    NLP_OK)
			return verify_failed(x, rc);
		return NLP_OK;
	}
	if ((rc = nlp_store_scan(r->dir, verify_scan, x, x->e)) != NLP_OK &&
	    (rc = verify_failed(x, rc)) != NLP_OK)
		return rc;
	return NLP_OK;
}

int
nlp_registry_verify(struct nlp_registry *r, int quick,
    struct nlp_registry_verify_report *out, struct nlp_err *e)
{
	struct verify x;
	int rc;

	memset(out, 0, sizeof *out);
	memset(&x, 0, sizeof x);
	x.r = r;
	x.rep = out;
	x.e = e;
	rc = verify_steps(&x, quick);
	out->versions = (long)x.ref.n;
	free_referenced(&x.ref);
	if (rc != NLP_OK) {
		nlp_registry_verify_report_release(out);
		return rc;
	}
	return out->problems.n > 0 ? NLP_NO : NLP_OK;
}

int
nlp_registry_verify_dir(const char *dir, int quick,
    struct nlp_registry_verify_report *out, struct nlp_err *e)
{
	struct nlp_registry *r;
	int corrupt = 0, rc;

	memset(out, 0, sizeof *out);
	if ((rc = nlp_regdb_open(&r, dir, 0, &corrupt, e)) != NLP_OK) {
		if (!corrupt)
			return rc;
		/* too damaged to open: that is what verify reports */
		if ((rc = nlp_registry_strings_addf(&out->problems, e,
		    "database: %s", e->msg)) != NLP_OK)
			return rc;
		return NLP_NO;
	}
	rc = nlp_registry_verify(r, quick, out, e);
	nlp_registry_close(r);
	return rc;
}

void
nlp_registry_verify_report_release(struct nlp_registry_verify_report *v)
{
	nlp_registry_strings_release(&v->problems);
	nlp_registry_strings_release(&v->notes);
	v->versions = 0;
}

/* ---- gc ---- */

struct gc {
	const char *dir;
	struct referenced ref;
	struct nlp_registry_gc_report *rep;
	int64_t cutoff;
	int unlisted;                   /* removed, but not in the list */
	struct nlp_err *e;
};

/* gc: remove what no version needs, once older than the grace period. */
static int
gc_scan(void *arg, const struct nlp_store_entry *en)
{
	struct gc *x = arg;
	struct nlp_err ce;

	if (en->bad_name)
		return 0;
	if (!en->is_temp && is_referenced(&x->ref, en->hex))
		return 0;
	if (en->mtime > x->cutoff) {
		x->rep->young++;
		return 0;
	}
	if (!x->rep->dry_run) {
		int removed = 0, rc = nlp_store_remove(x->dir, en, &removed, x->e);
		if (rc == NLP_BUSY)     /* a put is writing it: not garbage */
			return 0;
		if (rc != NLP_OK)
			return rc;
		if (!removed)           /* gone already, or not what was seen */
			return 0;
	}
	/* listed when it cannot be: go on (the file is removed), and say at
	 * the end that the list is short -- a name missing from it would
	 * misreport what was removed */
	if (nlp_registry_strings_add(&x->rep->removed, en->path, &ce) !=
	    NLP_OK)
		x->unlisted = 1;
	x->rep->bytes += en->size;
	return 0;
}

/* gc on PostgreSQL: an object no version refers to, listed. */
static int
gc_orphan(void *arg, const char *sha256, int64_t size)
{
	struct gc *x = arg;
	struct nlp_err ce;

	if (nlp_registry_strings_addf(&x->rep->removed, &ce, "object %s",
	    sha256) != NLP_OK)
		x->unlisted = 1;
	x->rep->bytes += size;
	return NLP_OK;
}

/* gc on PostgreSQL: the objects go with the transaction that finds them
 * orphans (a push stores its object in its own transaction, so there is
 * none in flight to spare: no grace period). */
static int
gc_pg(struct nlp_registry *r, struct gc *x, struct nlp_err *e)
{
	int rc = nlp_regpg_orphans(r, !x->rep->dry_run, gc_orphan, x, e);

	if (rc == NLP_OK && x->unlisted)
		rc = nlp_errf(e, NLP_IO, "out of memory (the objects are "
		    "removed, but cannot be listed)");
	if (rc == NLP_OK && !x->rep->dry_run)
		return nlp_regdb_commit(r, e);
	nlp_regdb_rollback(r);
	return rc;
}

/* The problems the database's check found: the first, and how many. */
struct integrity {
	char first[512];
	int n;
};

static int
integrity_problem(void *arg, const char *problem)
{
	struct integrity *x = arg;

	if (x->n++ == 0)
		snprintf(x->first, sizeof x->first, "%s", problem);
	return NLP_OK;
}

/* gc deletes only from a database that its own check finds sound: NLP_OK,
 * or NLP_REGISTRY with the first problem the check reports. */
static int
integrity(struct nlp_registry *r, struct nlp_err *e)
{
	struct integrity x = { "", 0 };
	int rc;

	if ((rc = nlp_regdb_check(r, 0, 10, "cannot check the database",
	    integrity_problem, &x, e)) != NLP_OK)
		return rc;
	if (x.n > 0)
		return nlp_errf(e, NLP_REGISTRY, "registry '%s': the database is "
		    "damaged (%s%s): gc removes nothing until 'nlpops registry "
		    "verify' is clean", r->dir, x.first, x.n > 1 ? "; and more" :
		    "");
	return NLP_OK;
}

int
nlp_registry_gc(struct nlp_registry *r, int dry_run, int64_t grace,
    struct nlp_registry_gc_report *out, struct nlp_err *e)
{
	struct gc x;
	int rc;

	memset(out, 0, sizeof *out);
	memset(&x, 0, sizeof x);
	out->dry_run = dry_run;
	/*
	 * Hold the write lock while removing: a push checks its object again
	 * inside its own transaction, so it either sees the object gone and
	 * stores it again, or commits its row before we look.  A dry run
	 * removes nothing and only reads: no lock to wait for, and it works
	 * where the registry is read-only.
	 */
	if (!dry_run && (rc = nlp_regdb_begin(r, e)) != NLP_OK)
		return rc;
	x.dir = r->dir;
	x.rep = out;
	x.cutoff = (int64_t)time(NULL) - grace;
	x.e = e;
	if (NLP_REGDB_IS_PG(r)) {
		if ((rc = integrity(r, e)) != NLP_OK) {
			nlp_regdb_rollback(r);
			return rc;
		}
		if ((rc = gc_pg(r, &x, e)) != NLP_OK)
			nlp_registry_gc_report_release(out);
		return rc;
	}
	if ((rc = integrity(r, e)) == NLP_OK &&
	    (rc = read_referenced(r, &x.ref, e)) == NLP_OK &&
	    (rc = nlp_store_scan(r->dir, gc_scan, &x, e)) == NLP_OK &&
	    x.unlisted)
		rc = nlp_errf(e, NLP_IO, "out of memory (the files are removed, "
		    "but cannot be listed)");
	nlp_regdb_rollback(r);
	free_referenced(&x.ref);
	if (rc != NLP_OK)
		nlp_registry_gc_report_release(out);
	return rc;
}

void
nlp_registry_gc_report_release(struct nlp_registry_gc_report *g)
{
	nlp_registry_strings_release(&g->removed);
	g->bytes = 0;
	g->dry_run = 0;
	g->young = 0;
}

/* ---- verify --signatures ---- */

struct sigcheck {
	struct nlp_registry *r;
	const struct nlp_trust *t;
	struct nlp_registry_verify_report *rep;
	struct nlp_err *e;
};

/* A version's signature checked against the trusted keys: one it lacks
 * is a note, one that is not a trusted key's over these bytes a
 * problem. */
static int
signature_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct sigcheck *x = arg;
	struct nlp_resolved res;
	struct nlp_artifact *a = NULL;
	const char *sig = nlp_regdb_text(st, 3);
	char label[NLP_NAME_MAX + 64];
	struct nlp_err ce;
	int fd, rc;

	memset(&res, 0, sizeof res);
	snprintf(res.name, sizeof res.name, "%s", nlp_regdb_text(st, 0));
	res.version = (long)nlp_regdb_int(st, 1);
	snprintf(res.sha256, sizeof res.sha256, "%s", nlp_regdb_text(st, 2));
	if (sig == NULL)
		return nlp_registry_strings_addf(&x->rep->notes, e, "%s@%ld is "
		    "not signed", res.name, res.version);
	if (!NLP_REGDB_IS_PG(x->r))
		nlp_store_path(x->r->dir, res.sha256, res.path, sizeof res.path);
	snprintf(label, sizeof label, "the signature of %s@%ld", res.name,
	    res.version);
	if ((rc = nlp_registry_object_open(x->r, &res, &fd, &ce)) == NLP_OK) {
		rc = nlp_artifact_open_fd(&a, fd, res.path, &ce);
		close(fd);
	}
	if (rc == NLP_OK)
		rc = nlp_trust_check_artifact(x->t, a, sig, strlen(sig), label, NULL,
		    &ce);
	nlp_artifact_close(a);
	if (rc == NLP_DATA)
		return nlp_registry_strings_addf(&x->rep->problems, e, "%s@%ld: %s",
		    res.name, res.version, ce.msg);
	if (rc != NLP_OK && e != NULL)
		*e = ce;
	return rc;
}

int
nlp_registry_verify_signatures(struct nlp_registry *r,
    const struct nlp_trust *t, struct nlp_registry_verify_report *rep,
    struct nlp_err *e)
{
	struct sigcheck x = { r, t, rep, e };
	int rc;

	if (r->schema < 3)
		rc = nlp_regdb_each(r, "SELECT m.name, v.version, v.sha256, NULL "
		    "FROM versions v JOIN models m ON m.id = v.model_id ORDER BY "
		    "m.name, v.version", NULL, 0, signature_row, &x, e);
	else
		rc = nlp_regdb_each(r, "SELECT m.name, v.version, v.sha256, "
		    "s.signature FROM versions v JOIN models m ON m.id = "
		    "v.model_id LEFT JOIN signatures s ON s.version_id = v.id "
		    "ORDER BY m.name, v.version", NULL, 0, signature_row, &x, e);
	if (rc != NLP_OK)
		return rc;
	return rep->problems.n > 0 ? NLP_NO : NLP_OK;
}
