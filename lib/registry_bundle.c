/*
 * registry_bundle.c - bundles, and `registry export` (see registry.h;
 * registry_import.c reads them back).
 *
 * A bundle is an uncompressed POSIX tar (ustar) written deterministically
 * (mtime 0, uid and gid 0, members in a fixed order, the last block
 * unpadded): first bundle.json, the models' records (versions with their
 * lineage, metrics, evaluations, tags and signatures; the aliases that
 * point at exported versions; the models' whole event logs), then
 * objects/<sha256>, each artifact once, sorted by SHA-256, and last
 * SHA256SUMS: the SHA-256 of bundle.json and of each object, as
 * sha256sum(1) prints and checks them (an edited bundle.json is refused).
 * The same registry content gives the same bytes.  Objects are streamed
 * from the registry, their hashes checked on the way.
 */
#include "registry_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "artifact.h"
#include "atomic.h"
#include "digest.h"
#include "jsonwatch.h"
#include "larchive.h"
#include "modelref.h"
#include "sign.h"
#include "store.h"
#include "text.h"

#define NPARAM(p) (sizeof (p) / sizeof *(p))

#define CHUNK (1 << 16)

/* ---- the report ---- */

void
nlp_registry_bundle_report_release(struct nlp_registry_bundle_report *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++)
		free(b->v[i].name);
	free(b->v);
	nlp_registry_strings_release(&b->notes);
	memset(b, 0, sizeof *b);
}

int
nlp_bundle_report_add(struct nlp_registry_bundle_report *b, const char *name,
    long version, const char *sha256, int64_t size, int imported,
    struct nlp_err *e)
{
	struct nlp_registry_bundle_entry *grown;
	size_t cap = b->cap;

	if ((grown = nlp_registry_grow(b->v, &cap, b->n, sizeof *b->v)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	b->v = grown;
	b->cap = cap;
	memset(&b->v[b->n], 0, sizeof b->v[b->n]);
	if ((b->v[b->n].name = strdup(name)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	b->v[b->n].version = version;
	snprintf(b->v[b->n].sha256, sizeof b->v[b->n].sha256, "%s", sha256);
	b->v[b->n].size = size;
	b->v[b->n].imported = imported;
	b->n++;
	return NLP_OK;
}

/* ---- export: the records as JSON ---- */

/* A column as JSON: text parsed as JSON (json), text, an integer, or null. */
static json_t *
col_text(struct nlp_regdb_stmt *st, int i)
{
	const char *s = nlp_regdb_text(st, i);

	return s != NULL ? json_string(s) : json_null();
}

static json_t *
col_int(struct nlp_regdb_stmt *st, int i)
{
	if (nlp_regdb_type(st, i) == NLP_RV_NULL)
		return json_null();
	return json_integer(nlp_regdb_int(st, i));
}

/* Stored JSON text, an object (kind '{') or an array ('['), as a value
 * (*out); NLP_REGISTRY when it is not, or is none (a bundle import would
 * refuse it). */
static int
col_json(struct nlp_regdb_stmt *st, int i, int kind, const char *what,
    json_t **out, struct nlp_err *e)
{
	const char *s = nlp_regdb_text(st, i);

	return nlp_registry_stored_json(s != NULL ? s : "", kind, what, out, e);
}

/* The versions a model's export takes: all, or those listed. */
struct selection {
	char name[NLP_NAME_MAX + 1];
	int64_t mid;
	int all;
	long *v;
	size_t n, cap;
};

struct export_ctx {
	struct nlp_registry *r;
	const struct selection *sel;
	json_t *versions;               /* the model's, being built */
	json_t *list;                   /* a version's inputs, tags, ... */
	struct nlp_bundle_object *x;
	size_t nx, cap;
};

static int
selected(const struct selection *s, long version)
{
	size_t i;

	if (s->all)
		return 1;
	for (i = 0; i < s->n; i++)
		if (s->v[i] == version)
			return 1;
	return 0;
}

/* A row of: id, version, sha256, size, created_at, created_by, source,
 * description, hyperparameters, metrics, meta. */
static int
export_version_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct export_ctx *c = arg;
	long version = (long)nlp_regdb_int(st, 1);
	char what[NLP_NAME_MAX + 64];
	struct nlp_bundle_object *grown;
	json_t *o, *h = NULL, *m = NULL, *meta = NULL;
	int rc;

	if (!selected(c->sel, version))
		return NLP_OK;
	snprintf(what, sizeof what, "%s@%ld: its hyperparameters, metrics or "
	    "meta.json", c->sel->name, version);
	if ((rc = col_json(st, 8, '{', what, &h, e)) != NLP_OK ||
	    (rc = col_json(st, 9, '{', what, &m, e)) != NLP_OK ||
	    (rc = col_json(st, 10, '{', what, &meta, e)) != NLP_OK) {
		json_decref(h);
		json_decref(m);
		return rc;
	}
	o = json_object();
	json_object_set_new(o, "version", json_integer(version));
	json_object_set_new(o, "sha256", col_text(st, 2));
	json_object_set_new(o, "size", col_int(st, 3));
	json_object_set_new(o, "created_at", col_text(st, 4));
	json_object_set_new(o, "created_by", col_text(st, 5));
	json_object_set_new(o, "source", col_text(st, 6));
	json_object_set_new(o, "description", col_text(st, 7));
	json_object_set_new(o, "hyperparameters", h);
	json_object_set_new(o, "metrics", m);
	json_object_set_new(o, "meta", meta);
	json_array_append_new(c->versions, o);
	if ((grown = nlp_registry_grow(c->x, &c->cap, c->nx, sizeof *c->x)) ==
	    NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	c->x = grown;
	c->x[c->nx].vid = nlp_regdb_int(st, 0);
	c->x[c->nx].version = version;
	snprintf(c->x[c->nx].sha256, sizeof c->x[c->nx].sha256, "%s",
	    nlp_regdb_text(st, 2) ? nlp_regdb_text(st, 2) : "");
	c->x[c->nx].size = nlp_regdb_int(st, 3);
	if (!nlp_store_valid_hex(c->x[c->nx].sha256))
		return nlp_errf(e, NLP_DATA, "registry '%s': bad object name for "
		    "%s@%ld", c->r->dir, c->sel->name, version);
	c->nx++;
	return NLP_OK;
}

/* A row of: name, sha256, bytes. */
static int
export_input_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct export_ctx *c = arg;
	json_t *o = json_object();

	(void)e;
	json_object_set_new(o, "name", col_text(st, 0));
	json_object_set_new(o, "sha256", col_text(st, 1));
	json_object_set_new(o, "bytes", col_int(st, 2));
	json_array_append_new(c->list, o);
	return NLP_OK;
}

/* A row of: key, value. */
static int
export_tag_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct export_ctx *c = arg;
	json_t *o = json_object();

	(void)e;
	json_object_set_new(o, "key", col_text(st, 0));
	json_object_set_new(o, "value", col_text(st, 1));
	json_array_append_new(c->list, o);
	return NLP_OK;
}

/* A row of: at, who, data, metrics. */
static int
export_eval_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct export_ctx *c = arg;
	json_t *o, *d = NULL, *m = NULL;
	int rc;

	if ((rc = col_json(st, 2, '[', "an evaluation's data", &d, e)) !=
	    NLP_OK || (rc = col_json(st, 3, '{', "an evaluation's metrics", &m,
	    e)) != NLP_OK) {
		json_decref(d);
		return rc;
	}
	o = json_object();
	json_object_set_new(o, "at", col_text(st, 0));
	json_object_set_new(o, "who", col_text(st, 1));
	json_object_set_new(o, "data", d);
	json_object_set_new(o, "metrics", m);
	json_array_append_new(c->list, o);
	return NLP_OK;
}

/* A row of: key_id, signature. */
static int
export_sig_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	json_t **sig = arg;

	(void)e;
	json_decref(*sig);
	*sig = json_object();
	json_object_set_new(*sig, "key_id", col_text(st, 0));
	json_object_set_new(*sig, "signature", col_text(st, 1));
	return NLP_OK;
}

/* A row of: alias, version, updated_at. */
static int
export_alias_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct export_ctx *c = arg;
	long version = (long)nlp_regdb_int(st, 1);
	json_t *o;
	size_t i;

	(void)e;
	for (i = 0; i < c->nx; i++)
		if (c->x[i].version == version)
			break;
	if (i == c->nx)
		return NLP_OK;
	o = json_object();
	json_object_set_new(o, "alias", col_text(st, 0));
	json_object_set_new(o, "version", json_integer(version));
	json_object_set_new(o, "updated_at", col_text(st, 2));
	json_array_append_new(c->list, o);
	return NLP_OK;
}

int
nlp_bundle_event_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	json_t *list = arg;
	json_t *o = json_object();

	(void)e;
	json_object_set_new(o, "at", col_text(st, 0));
	json_object_set_new(o, "who", col_text(st, 1));
	json_object_set_new(o, "kind", col_text(st, 2));
	json_object_set_new(o, "alias", col_text(st, 3));
	json_object_set_new(o, "old_version", col_int(st, 4));
	json_object_set_new(o, "new_version", col_int(st, 5));
	json_object_set_new(o, "reason", col_text(st, 6));
	json_array_append_new(list, o);
	return NLP_OK;
}

/* A version's signature as import will check it: a bundle that import
 * refuses is not written (a damaged row made one, exit 0). */
static int
export_sig_check(const char *name, const struct nlp_bundle_object *x,
    json_t *sig, struct nlp_err *e)
{
	const char *kid = json_string_value(json_object_get(sig, "key_id"));
	json_t *t = json_object_get(sig, "signature");
	struct nlp_signature s;

	/* a key column that is not text names no key: "" */
	return nlp_registry_signature_check(name, x->version, x->sha256,
	    json_string_value(t), json_string_length(t), kid ? kid : "",
	    "exported", &s, e);
}

/* The rows of one exported version x into its object o. */
static int
export_version_rows(struct export_ctx *c, const struct nlp_bundle_object *x, json_t *o,
    struct nlp_err *e)
{
	struct nlp_regdb_param p[] = { NLP_REGDB_INT(x->vid) };
	json_t *sig = json_null();
	int rc;

	c->list = json_array();
	json_object_set_new(o, "inputs", c->list);
	if ((rc = nlp_regdb_each(c->r, "SELECT name, sha256, bytes FROM inputs "
	    "WHERE version_id = ? ORDER BY position", p, 1, export_input_row, c,
	    e)) != NLP_OK)
		return rc;
	c->list = json_array();
	json_object_set_new(o, "tags", c->list);
	if ((rc = nlp_regdb_each(c->r, "SELECT key, value FROM tags WHERE "
	    "version_id = ? ORDER BY key", p, 1, export_tag_row, c, e)) !=
	    NLP_OK)
		return rc;
	c->list = json_array();
	json_object_set_new(o, "evaluations", c->list);
	if ((rc = nlp_regdb_each(c->r, "SELECT at, who, data, metrics FROM "
	    "evaluations WHERE version_id = ? ORDER BY id", p, 1,
	    export_eval_row, c, e)) != NLP_OK)
		return rc;
	if (c->r->schema >= 3)
		rc = nlp_regdb_each(c->r, "SELECT key_id, signature FROM "
		    "signatures WHERE version_id = ?", p, 1, export_sig_row, &sig,
		    e);
	json_object_set_new(o, "signature", sig);
	if (rc == NLP_OK && json_is_object(sig))
		rc = export_sig_check(c->sel->name, x, sig, e);
	return rc;
}

/* One model's record: {name, versions, aliases, events}; its exported
 * versions appended to c->x. */
static int
export_model(struct export_ctx *c, const struct selection *s, json_t *models,
    struct nlp_err *e)
{
	struct nlp_regdb_param p[] = { NLP_REGDB_INT(s->mid) };
	struct nlp_regdb_param q[] = { NLP_REGDB_TEXT(s->name) };
	size_t first = c->nx, i;
	json_t *m = json_object();
	int rc;

	json_array_append_new(models, m);
	json_object_set_new(m, "name", json_string(s->name));
	c->sel = s;
	c->versions = json_array();
	json_object_set_new(m, "versions", c->versions);
	if ((rc = nlp_regdb_each(c->r, "SELECT id, version, sha256, size, "
	    "created_at, created_by, source, description, hyperparameters, "
	    "metrics, meta FROM versions WHERE model_id = ? ORDER BY version",
	    p, 1, export_version_row, c, e)) != NLP_OK)
		return rc;
	if (!s->all && c->nx - first != s->n)
		return nlp_errf(e, NLP_REGISTRY, "a version of '%s' was removed "
		    "while it was being exported", s->name);
	for (i = first; i < c->nx; i++)
		if ((rc = export_version_rows(c, &c->x[i],
		    json_array_get(c->versions, i - first), e)) != NLP_OK)
			return rc;
	/* the aliases that point at the versions exported */
	{
		struct nlp_bundle_object *all = c->x;
		size_t nall = c->nx;
		c->x += first;
		c->nx -= first;
		c->list = json_array();
		json_object_set_new(m, "aliases", c->list);
		rc = nlp_regdb_each(c->r, "SELECT a.alias, v.version, a.updated_at "
		    "FROM aliases a JOIN versions v ON v.id = a.version_id WHERE "
		    "a.model_id = ? ORDER BY a.alias", p, 1, export_alias_row, c, e);
		c->x = all;
		c->nx = nall;
		if (rc != NLP_OK)
			return rc;
	}
	c->list = json_array();
	json_object_set_new(m, "events", c->list);
	return nlp_regdb_each(c->r, "SELECT at, who, kind, alias, old_version, "
	    "new_version, reason FROM events WHERE model = ? ORDER BY id", q, 1,
	    nlp_bundle_event_row, c->list, e);
}

/* Add version (0: all) of model name to the selections. */
static int
select_version(struct selection **sel, size_t *n, size_t *cap,
    int64_t mid, const char *name, long version, struct nlp_err *e)
{
	struct selection *s = NULL, *grown;
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*sel)[i].name, name) == 0)
			s = &(*sel)[i];
	if (s == NULL) {
		if ((grown = nlp_registry_grow(*sel, cap, *n, sizeof **sel)) ==
		    NULL)
			return nlp_errf(e, NLP_IO, "out of memory");
		*sel = grown;
		s = &(*sel)[(*n)++];
		memset(s, 0, sizeof *s);
		snprintf(s->name, sizeof s->name, "%s", name);
		s->mid = mid;
	}
	if (version == 0) {
		s->all = 1;
		return NLP_OK;
	}
	for (i = 0; i < s->n; i++)
		if (s->v[i] == version)
			return NLP_OK;
	{
		long *v = nlp_registry_grow(s->v, &s->cap, s->n, sizeof *s->v);
		if (v == NULL)
			return nlp_errf(e, NLP_IO, "out of memory");
		s->v = v;
	}
	s->v[s->n++] = version;
	return NLP_OK;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct selection *)a)->name,
	    ((const struct selection *)b)->name);
}

int
nlp_bundle_by_sha256(const void *a, const void *b)
{
	return strcmp(((const struct nlp_bundle_object *)a)->sha256,
	    ((const struct nlp_bundle_object *)b)->sha256);
}

char *
nlp_bundle_sums(const char *hex, const struct nlp_bundle_object *x, size_t nx)
{
	size_t i, n = 0, size = (nx + 1) * 160;
	char *t = malloc(size);

	if (t == NULL)
		return NULL;
	n += (size_t)snprintf(t + n, size - n, "%s  %s\n", hex, NLP_BUNDLE_JSON);
	for (i = 0; i < nx; i++)
		if (i == 0 || strcmp(x[i].sha256, x[i - 1].sha256) != 0)
			n += (size_t)snprintf(t + n, size - n, "%s  objects/%s\n",
			    x[i].sha256, x[i].sha256);
	return t;
}

/* ---- export: the tar ---- */

/* The archive's failure as e (label: the output, for messages). */
static int
archive_failed(struct archive *a, const char *label, struct nlp_err *e)
{
	int err = archive_errno(a);

	if (err > 0)
		return nlp_errnof(e, NLP_IO, err, "cannot write '%s'", label);
	return nlp_errf(e, NLP_IO, "cannot write '%s': %s", label,
	    archive_error_string(a) ? archive_error_string(a) : "archive error");
}

/* Object x, streamed from the registry into the archive, its SHA-256 and
 * size checked on the way. */
static int
write_object(struct nlp_registry *r, struct archive *a,
    struct archive_entry *ent, const struct nlp_bundle_object *x, const char *label,
    struct nlp_err *e)
{
	struct nlp_resolved res;
	struct nlp_sha256 *h = NULL;
	char name[96], hex[NLP_SHA256_HEX], *buf = NULL;
	int64_t done = 0;
	struct stat sb;
	ssize_t got;
	int fd = -1, rc;

	memset(&res, 0, sizeof res);
	snprintf(res.sha256, sizeof res.sha256, "%s", x->sha256);
	res.size = x->size;
	res.version = x->version;
	if ((rc = nlp_registry_object_open(r, &res, &fd, e)) != NLP_OK)
		return rc;
	if (fstat(fd, &sb) != 0) {
		rc = nlp_errnof(e, NLP_IO, errno, "cannot read object %s",
		    x->sha256);
		goto out;
	}
	if ((int64_t)sb.st_size != x->size) {
		rc = nlp_errf(e, NLP_DATA, "registry '%s': object %s is %lld bytes, "
		    "not %lld", r->dir, x->sha256, (long long)sb.st_size,
		    (long long)x->size);
		goto out;
	}
	if ((h = nlp_sha256_new()) == NULL) {
		rc = nlp_sha256_why(e);
		goto out;
	}
	if ((buf = malloc(CHUNK)) == NULL) {
		rc = nlp_errf(e, NLP_IO, "out of memory");
		goto out;
	}
	snprintf(name, sizeof name, "objects/%s", x->sha256);
	if (nlp_artifact_tar_header(a, ent, name, x->size) != 0) {
		rc = archive_failed(a, label, e);
		goto out;
	}
	while (done < x->size) {
		size_t want = x->size - done < CHUNK ? (size_t)(x->size - done) :
		    CHUNK;
		got = read(fd, buf, want);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			rc = got < 0 ? nlp_errnof(e, NLP_IO, errno, "cannot read "
			    "object %s", x->sha256) : nlp_errf(e, NLP_DATA, "object %s "
			    "is shorter than %lld bytes", x->sha256,
			    (long long)x->size);
			goto out;
		}
		nlp_sha256_update(h, buf, (size_t)got);
		if (archive_write_data(a, buf, (size_t)got) != got) {
			rc = archive_failed(a, label, e);
			goto out;
		}
		done += got;
	}
	nlp_sha256_final(h, hex);       /* frees h */
	h = NULL;
	if (strcmp(hex, x->sha256) != 0) {
		/* this machine's cached copy (removed: the next run fetches
		 * the object again), or the registry's own object */
		rc = nlp_registry_object_evict(r, &res) ? nlp_errf(e, NLP_DATA,
		    "registry '%s': the cached copy of object %s had the "
		    "SHA-256 %s: it is removed; run the command again", r->dir,
		    x->sha256, hex) : nlp_errf(e, NLP_DATA, "registry '%s': "
		    "object %s has the SHA-256 %s: it is damaged (run 'nlpops "
		    "registry verify')", r->dir, x->sha256, hex);
		goto out;
	}
	if (archive_write_finish_entry(a) != ARCHIVE_OK)
		rc = archive_failed(a, label, e);
out:
	nlp_sha256_close(h);
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* The bundle: bundle.json (text, len bytes), then each object once. */
static int
write_bundle(struct nlp_registry *r, int fd, const char *label,
    const char *text, size_t len, struct nlp_bundle_object *x, size_t nx,
    struct nlp_err *e)
{
	struct archive *a;
	struct archive_entry *ent;
	size_t i;
	int rc;

	if ((rc = nlp_archive_use(e)) != NLP_OK)
		return rc;
	a = archive_write_new();
	ent = archive_entry_new();
	if (a == NULL || ent == NULL) {
		rc = nlp_errf(e, NLP_IO, "out of memory");
		goto out;
	}
	/* the last block unpadded, to a file or a pipe alike (libarchive
	 * pads it for a file only): the same bytes either way */
	if (archive_write_set_format_ustar(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK ||
	    nlp_artifact_tar_header(a, ent, NLP_BUNDLE_JSON, (int64_t)len) !=
	    0 ||
	    archive_write_data(a, text, len) != (la_ssize_t)len ||
	    archive_write_finish_entry(a) != ARCHIVE_OK) {
		rc = archive_failed(a, label, e);
		goto close;
	}
	qsort(x, nx, sizeof *x, nlp_bundle_by_sha256);
	for (i = 0; i < nx && rc == NLP_OK; i++)
		if (i == 0 || strcmp(x[i].sha256, x[i - 1].sha256) != 0)
			rc = write_object(r, a, ent, &x[i], label, e);
	if (rc == NLP_OK) {
		char hex[NLP_SHA256_HEX], *sums = NULL;
		if (nlp_sha256_hex(text, len, hex) != 0)
			rc = nlp_sha256_why(e);
		else if ((sums = nlp_bundle_sums(hex, x, nx)) == NULL)
			rc = nlp_errf(e, NLP_IO, "out of memory");
		else if (nlp_artifact_tar_header(a, ent, NLP_BUNDLE_SUMS,
		    (int64_t)strlen(sums)) != 0 ||
		    archive_write_data(a, sums, strlen(sums)) !=
		    (la_ssize_t)strlen(sums) ||
		    archive_write_finish_entry(a) != ARCHIVE_OK)
			rc = archive_failed(a, label, e);
		free(sums);
	}
close:
	if (archive_write_close(a) != ARCHIVE_OK && rc == NLP_OK)
		rc = archive_failed(a, label, e);
out:
	archive_write_free(a);
	archive_entry_free(ent);
	return rc;
}

int
nlp_registry_export(struct nlp_registry *r, const struct nlp_ref *refs,
    size_t nrefs, const char *path, int fd,
    struct nlp_registry_bundle_report *out, struct nlp_err *e)
{
	struct export_ctx c;
	struct selection *sel = NULL;
	struct nlp_atomic at;
	size_t nsel = 0, cap = 0, i, j, first;
	unsigned long mark = nlp_json_watch();
	json_t *root = json_object(), *models = json_array();
	char *text = NULL;
	int rc = NLP_OK;

	memset(out, 0, sizeof *out);
	memset(&c, 0, sizeof c);
	memset(&at, 0, sizeof at);
	c.r = r;
	json_object_set_new(root, "format", json_string(NLP_BUNDLE_FORMAT));
	json_object_set_new(root, "version", json_integer(NLP_BUNDLE_VERSION));
	json_object_set(root, "models", models);
	/* every reference resolved first: a missing one writes nothing */
	for (i = 0; i < nrefs && rc == NLP_OK; i++) {
		struct nlp_resolved res;
		int64_t mid;
		long version = 0;

		if ((rc = nlp_registry_need_model(r, refs[i].name, &mid, e)) !=
		    NLP_OK)
			break;
		if (refs[i].alias[0] || refs[i].version > 0) {
			if ((rc = nlp_registry_resolve(r, &refs[i], &res, e)) != NLP_OK)
				break;
			version = res.version;
		}
		rc = select_version(&sel, &nsel, &cap, mid, refs[i].name, version,
		    e);
	}
	if (rc == NLP_OK)
		qsort(sel, nsel, sizeof *sel, by_name);
	for (i = 0; i < nsel && rc == NLP_OK; i++) {
		first = c.nx;
		if ((rc = export_model(&c, &sel[i], models, e)) != NLP_OK)
			break;
		for (j = first; j < c.nx && rc == NLP_OK; j++)
			rc = nlp_bundle_report_add(out, sel[i].name, c.x[j].version,
			    c.x[j].sha256, c.x[j].size, 0, e);
		out->nmodels++;
	}
	if (rc == NLP_OK) {
		text = json_dumps(root, JSON_SORT_KEYS | JSON_INDENT(2));
		if (text == NULL || nlp_json_failed_since(mark))
			rc = nlp_errf(e, NLP_IO, "out of memory");
	}
	if (rc == NLP_OK && path != NULL) {
		if ((rc = nlp_atomic_open(&at, path, e)) == NLP_OK)
			fd = at.fd;
	}
	if (rc == NLP_OK)
		rc = write_bundle(r, fd, path ? path : "standard output", text,
		    strlen(text), c.x, c.nx, e);
	if (path != NULL) {
		if (rc == NLP_OK)
			rc = nlp_atomic_commit(&at, e);
		else
			nlp_atomic_abort(&at);
	}
	for (i = 0; i < nsel; i++)
		free(sel[i].v);
	free(sel);
	free(c.x);
	free(text);
	json_decref(models);
	json_decref(root);
	if (rc != NLP_OK)
		nlp_registry_bundle_report_release(out);
	return rc;
}
