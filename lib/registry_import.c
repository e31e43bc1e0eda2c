/*
 * registry_import.c - `registry import`: a bundle (registry_bundle.c)
 * read back into a registry of either backend (see registry.h).
 *
 * The bundle is read twice.  The first pass, with no lock held, checks
 * everything that can be checked without the registry: bundle.json,
 * strictly; every object's SHA-256 and size, and SHA256SUMS; every
 * artifact loadable as push requires, its meta.json the bundle's.  The
 * second pass runs inside one write transaction: the versions are compared
 * with the registry's (a conflict rolls everything back), then the objects
 * the new versions need are stored (re-hashed: the file may have changed),
 * then the rows, events and aliases written, and one event of kind
 * 'import' logged per model that changed.  Memory is bounded by one
 * object and bundle.json.
 */
#include "registry_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jansson.h>

#include "artifact.h"
#include "digest.h"
#include "jsonwatch.h"
#include "larchive.h"
#include "sign.h"
#include "store.h"
#include "text.h"

#define NPARAM(p) (sizeof (p) / sizeof *(p))
#define CHUNK (1 << 16)

/* ---- import: reading and checking the bundle ---- */

struct b_version {
	json_t *j;
	long version;
	const char *sha256;
	int64_t size;
	char *metatext;                 /* the artifact's meta.json */
	int is_new;                     /* not in the registry yet */
	int restore;                    /* there, its object missing */
};

struct b_model {
	json_t *j;
	const char *name;
	struct b_version *v;
	size_t nv;
	int64_t mid;
	int changed;
	json_t *plans;           /* alias -> its plan (alias_plan), once */
};

struct bundle {
	const char *path;               /* for messages */
	json_t *root;
	struct b_model *m;
	size_t nm;
	struct nlp_bundle_object *obj;           /* each object once, by SHA-256 */
	size_t nobj, objcap;
	unsigned char *seen;            /* obj[i] was found in the tar */
	char json_sha256[NLP_SHA256_HEX];   /* bundle.json's */
};

static void
bundle_release(struct bundle *b)
{
	size_t i, j;

	for (i = 0; i < b->nm; i++) {
		for (j = 0; j < b->m[i].nv; j++)
			free(b->m[i].v[j].metatext);
		free(b->m[i].v);
	}
	free(b->m);
	free(b->obj);
	free(b->seen);
	json_decref(b->root);
}

/* Bad bundle content: NLP_DATA, naming the bundle. */
static int
bad(const struct bundle *b, struct nlp_err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
bad(const struct bundle *b, struct nlp_err *e, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return nlp_errf(e, NLP_DATA, "bundle '%s': %s; nothing changed", b->path,
	    msg);
}

/* Is j a string that is one printable line of at most max bytes? */
static int
is_line(json_t *j, size_t max)
{
	return json_is_string(j) && json_string_length(j) <= max &&
	    strlen(json_string_value(j)) == json_string_length(j) &&
	    nlp_text_clean(json_string_value(j), json_string_length(j));
}

/* ... or null. */
static int
is_line_or_null(json_t *j, size_t max)
{
	return json_is_null(j) || is_line(j, max);
}

/* A time as the registry writes one: "2026-11-22T03:04:05Z" (UTC). */
static int
is_time(json_t *j)
{
	static const char form[] = "dddd-dd-ddTdd:dd:ddZ";
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	const char *s = json_string_value(j);
	int y, mo, d, h, mi, se;
	size_t i;

	if (s == NULL || json_string_length(j) != sizeof form - 1)
		return 0;
	for (i = 0; form[i] != '\0'; i++)
		if (form[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != form[i])
			return 0;
	/* a time the registry could have written: a day of the calendar,
	   since 1970 (2026-13-07 would sort and read as nonsense) */
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi,
	    &se) != 6 || y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] || h > 23 || mi > 59 || se > 60)
		return 0;
	return mo != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0));
}

/* A figure of a recorded evaluation: a number, or null (not a number
 * when it was measured). */
static int
is_figure(json_t *j)
{
	return json_is_number(j) || json_is_null(j);
}

/* An evaluation's metrics as eval --record writes them: figures, n a
 * count, per_class_f1 an object of figures. */
static int
is_metrics(json_t *m)
{
	const char *k;
	json_t *x, *y;
	const char *l;

	if (!json_is_object(m))
		return 0;
	json_object_foreach(m, k, x) {
		if (strcmp(k, "per_class_f1") == 0) {
			if (!json_is_object(x))
				return 0;
			json_object_foreach(x, l, y)
				if (!is_figure(y))
					return 0;
		} else if (strcmp(k, "n") == 0 ? !json_is_integer(x) ||
		    json_integer_value(x) < 0 : !is_figure(x)) {
			return 0;
		}
	}
	return 1;
}

/* A version number (1 .. 2^31-1), or with null_ok null (0). */
static int
is_version(json_t *j, int null_ok)
{
	if (null_ok && json_is_null(j))
		return 1;
	return json_is_integer(j) && json_integer_value(j) >= 1 &&
	    json_integer_value(j) <= 0x7fffffff;
}

/* Does object o have exactly the n keys listed (no more, none missing)? */
static int
has_keys(json_t *o, const char *const *keys, size_t n)
{
	size_t i;

	if (!json_is_object(o) || json_object_size(o) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (json_object_get(o, keys[i]) == NULL)
			return 0;
	return 1;
}
#define HAS_KEYS(o, ...) has_keys((o), (const char *const []){ __VA_ARGS__ }, \
	sizeof (const char *const []){ __VA_ARGS__ } / sizeof (const char *))

/* An array of {name, sha256, bytes}: the files a model was trained or
 * evaluated on.  With lax (an evaluation's data), a name may be any
 * string, or missing: eval --record kept a name that was not clean
 * UTF-8 as it was, or left it out, before dd25386, and such a registry
 * must still move whole. */
static int
is_files(json_t *a, int lax)
{
	json_t *x, *name;
	size_t i;

	if (!json_is_array(a))
		return 0;
	json_array_foreach(a, i, x)
		if (!(HAS_KEYS(x, "name", "sha256", "bytes") || (lax &&
		    HAS_KEYS(x, "sha256", "bytes"))) ||
		    ((name = json_object_get(x, "name")) != NULL && !(lax ?
		    json_is_string(name) : is_line(name, NLP_TEXT_MAX))) ||
		    !json_is_string(json_object_get(x, "sha256")) ||
		    !nlp_store_valid_hex(json_string_value(json_object_get(x,
		    "sha256"))) ||
		    !json_is_integer(json_object_get(x, "bytes")) ||
		    json_integer_value(json_object_get(x, "bytes")) < 0)
			return 0;
	return 1;
}

static int
check_event(const struct bundle *b, const char *name, json_t *ev,
    struct nlp_err *e)
{
	static const char *const kinds[] = {
		"push", "alias-set", "alias-move", "alias-delete", "rollback",
		"rm", "import",
	};
	const char *k = json_string_value(json_object_get(ev, "kind"));
	size_t i;

	if (!HAS_KEYS(ev, "at", "who", "kind", "alias", "old_version",
	    "new_version", "reason") ||
	    !is_time(json_object_get(ev, "at")) ||
	    !is_line(json_object_get(ev, "who"), NLP_TEXT_MAX) ||
	    !is_line_or_null(json_object_get(ev, "reason"), NLP_TEXT_MAX) ||
	    !is_version(json_object_get(ev, "old_version"), 1) ||
	    !is_version(json_object_get(ev, "new_version"), 1) ||
	    !(json_is_null(json_object_get(ev, "alias")) ||
	    (json_is_string(json_object_get(ev, "alias")) &&
	    nlp_registry_valid_alias(json_string_value(json_object_get(ev,
	    "alias"))))) || k == NULL)
		return bad(b, e, "an event of '%s' is not {at, who, kind, alias, "
		    "old_version, new_version, reason}", name);
	for (i = 0; i < sizeof kinds / sizeof *kinds; i++)
		if (strcmp(k, kinds[i]) == 0)
			return NLP_OK;
	return bad(b, e, "an event of '%s' has the unknown kind '%.64s'", name, k);
}

/* Check one version's record (model name). */
static int
check_version(const struct bundle *b, const char *name, json_t *v,
    struct b_version *out, struct nlp_err *e)
{
	json_t *x, *sig;
	size_t i;

	if (!HAS_KEYS(v, "version", "sha256", "size", "created_at",
	    "created_by", "source", "description", "hyperparameters",
	    "metrics", "meta", "inputs", "tags", "evaluations", "signature"))
		return bad(b, e, "a version of '%s' does not have exactly the "
		    "fields of format version %d", name, NLP_BUNDLE_VERSION);
	out->j = v;
	if (!is_version(json_object_get(v, "version"), 0))
		return bad(b, e, "a version of '%s' has no valid number", name);
	out->version = (long)json_integer_value(json_object_get(v, "version"));
	out->sha256 = json_string_value(json_object_get(v, "sha256"));
	x = json_object_get(v, "size");
	if (out->sha256 == NULL || !nlp_store_valid_hex(out->sha256) ||
	    !json_is_integer(x) || json_integer_value(x) < 0 ||
	    json_integer_value(x) > NLP_BUNDLE_OBJECT_MAX)
		return bad(b, e, "%s@%ld: bad sha256 or size", name, out->version);
	out->size = json_integer_value(x);
	if (!is_time(json_object_get(v, "created_at")) ||
	    !is_line(json_object_get(v, "created_by"), NLP_TEXT_MAX) ||
	    !is_line_or_null(json_object_get(v, "source"), NLP_TEXT_MAX) ||
	    !is_line_or_null(json_object_get(v, "description"), NLP_TEXT_MAX) ||
	    !json_is_object(json_object_get(v, "hyperparameters")) ||
	    !json_is_object(json_object_get(v, "metrics")) ||
	    !json_is_object(json_object_get(v, "meta")))
		return bad(b, e, "%s@%ld: a field has the wrong type", name,
		    out->version);
	if (!is_files(json_object_get(v, "inputs"), 0))
		return bad(b, e, "%s@%ld: an input is not {name, sha256, bytes}",
		    name, out->version);
	json_array_foreach(json_object_get(v, "tags"), i, x) {
		json_t *k = json_object_get(x, "key");
		if (!HAS_KEYS(x, "key", "value") || !json_is_string(k) ||
		    !nlp_registry_valid_name(json_string_value(k)) ||
		    !is_line(json_object_get(x, "value"), NLP_TEXT_MAX))
			return bad(b, e, "%s@%ld: a tag is not {key, value}", name,
			    out->version);
	}
	json_array_foreach(json_object_get(v, "evaluations"), i, x) {
		if (!HAS_KEYS(x, "at", "who", "data", "metrics") ||
		    !is_time(json_object_get(x, "at")) ||
		    !is_line(json_object_get(x, "who"), NLP_TEXT_MAX) ||
		    !is_files(json_object_get(x, "data"), 1) ||
		    !is_metrics(json_object_get(x, "metrics")))
			return bad(b, e, "%s@%ld: an evaluation is not {at, who, "
			    "data, metrics} (a time, a name, the files it was "
			    "on, its figures)", name, out->version);
	}
	if (!json_is_array(json_object_get(v, "inputs")) ||
	    !json_is_array(json_object_get(v, "tags")) ||
	    !json_is_array(json_object_get(v, "evaluations")))
		return bad(b, e, "%s@%ld: inputs, tags and evaluations must be "
		    "arrays", name, out->version);
	sig = json_object_get(v, "signature");
	if (!json_is_null(sig)) {
		struct nlp_signature s;
		struct nlp_err se = { 0, "" };
		json_t *t = json_object_get(sig, "signature");
		const char *kid = json_string_value(json_object_get(sig,
		    "key_id"));
		if (!HAS_KEYS(sig, "key_id", "signature") || kid == NULL ||
		    !json_is_string(t) ||
		    nlp_signature_parse(&s, json_string_value(t),
		    json_string_length(t), "the signature", &se) != NLP_OK ||
		    strcmp(s.key_id, kid) != 0 ||
		    strcmp(s.sha256, out->sha256) != 0)
			return bad(b, e, "%s@%ld: the signature is not one of its "
			    "artifact%s%s", name, out->version, se.msg[0] ? ": " : "",
			    se.msg);
	}
	return NLP_OK;
}

/* Add object sha256 (size bytes) to the bundle's set. */
static int
add_object(struct bundle *b, const char *sha256, int64_t size, const char *name,
    long version, struct nlp_err *e)
{
	struct nlp_bundle_object *grown;

	/* repeats are merged once all are in (objects_sorted()) */
	if ((grown = nlp_registry_grow(b->obj, &b->objcap, b->nobj,
	    sizeof *b->obj)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	b->obj = grown;
	memset(&b->obj[b->nobj], 0, sizeof b->obj[b->nobj]);
	snprintf(b->obj[b->nobj].sha256, sizeof b->obj[b->nobj].sha256, "%s",
	    sha256);
	b->obj[b->nobj].size = size;
	b->obj[b->nobj].version = version;
	snprintf(b->obj[b->nobj].name, sizeof b->obj[b->nobj].name, "%s",
	    name);
	b->nobj++;
	return NLP_OK;
}

/* The bundle's objects sorted by SHA-256, each once: one named twice
 * with two sizes is refused. */
static int
objects_sorted(struct bundle *b, struct nlp_err *e)
{
	size_t i, n = 0;

	qsort(b->obj, b->nobj, sizeof *b->obj, nlp_bundle_by_sha256);
	for (i = 0; i < b->nobj; i++) {
		if (n > 0 && strcmp(b->obj[n - 1].sha256, b->obj[i].sha256) == 0) {
			if (b->obj[n - 1].size != b->obj[i].size)
				return bad(b, e, "%s@%ld: object %.12s has another size "
				    "than in %s@%ld", b->obj[i].name, b->obj[i].version,
				    b->obj[i].sha256, b->obj[n - 1].name,
				    b->obj[n - 1].version);
			continue;
		}
		b->obj[n++] = b->obj[i];
	}
	b->nobj = n;
	return NLP_OK;
}

/* Check one model's record into *m. */
/* Is event ev (a JSON object of the log) one of alias's? */
static int
of_alias(json_t *ev, const char *alias)
{
	json_t *a = json_object_get(ev, "alias");

	return json_is_string(a) && strcmp(json_string_value(a), alias) == 0;
}

/*
 * Each alias of model mj where its own events leave it: the last event of
 * the alias in the log moves it to the version the alias row names.  A
 * bundle that says otherwise (edited) would have rollback replay moves
 * the alias never made.
 */
static int
aliases_as_logged(const struct bundle *b, json_t *mj, const char *name,
    struct nlp_err *e)
{
	json_t *x, *ev, *last;
	size_t i, k;

	json_array_foreach(json_object_get(mj, "aliases"), i, x) {
		const char *alias = json_string_value(json_object_get(x, "alias"));
		json_int_t v = json_integer_value(json_object_get(x, "version"));
		json_t *to;

		last = NULL;
		json_array_foreach(json_object_get(mj, "events"), k, ev)
			if (of_alias(ev, alias))
				last = ev;
		if (last == NULL)
			continue;       /* no history in the bundle: as it is */
		to = json_object_get(last, "new_version");
		if (!json_is_integer(to))
			return bad(b, e, "alias '%s' of '%s' is version %lld, but "
			    "its last event (%s) deletes it", alias, name,
			    (long long)v, json_string_value(json_object_get(last,
			    "kind")));
		if (json_integer_value(to) != v)
			return bad(b, e, "alias '%s' of '%s' is version %lld, but "
			    "its last event (%s) leaves it at version %lld", alias,
			    name, (long long)v, json_string_value(json_object_get(
			    last, "kind")), (long long)json_integer_value(to));
	}
	return NLP_OK;
}

static int
check_model(struct bundle *b, json_t *mj, struct b_model *m,
    struct nlp_err *e)
{
	json_t *versions, *x;
	size_t i, j;
	int rc;

	m->j = mj;
	if (!HAS_KEYS(mj, "name", "versions", "aliases", "events") ||
	    (m->name = json_string_value(json_object_get(mj, "name"))) == NULL ||
	    !nlp_registry_valid_name(m->name))
		return bad(b, e, "a model is not {name, versions, aliases, "
		    "events} with a valid name");
	/* as push names a model: never one a reference reads as a file */
	if (nlp_registry_file_suffix(m->name) > 0)
		return bad(b, e, "model '%s': a name that looks like a file "
		    "name, which push refuses", m->name);
	versions = json_object_get(mj, "versions");
	if (!json_is_array(versions) ||
	    !json_is_array(json_object_get(mj, "aliases")) ||
	    !json_is_array(json_object_get(mj, "events")))
		return bad(b, e, "model '%s': versions, aliases and events must "
		    "be arrays", m->name);
	if ((m->v = calloc(json_array_size(versions) + 1, sizeof *m->v)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	json_array_foreach(versions, i, x) {
		if ((rc = check_version(b, m->name, x, &m->v[i], e)) != NLP_OK)
			return rc;
		m->nv = i + 1;
		for (j = 0; j < i; j++)
			if (m->v[j].version == m->v[i].version ||
			    strcmp(m->v[j].sha256, m->v[i].sha256) == 0)
				return bad(b, e, "%s@%ld and %s@%ld are the same "
				    "version or the same bytes", m->name, m->v[j].version,
				    m->name, m->v[i].version);
		if ((rc = add_object(b, m->v[i].sha256, m->v[i].size, m->name,
		    m->v[i].version, e)) != NLP_OK)
			return rc;
	}
	json_array_foreach(json_object_get(mj, "aliases"), i, x) {
		json_t *a = json_object_get(x, "alias");
		long v;
		if (!HAS_KEYS(x, "alias", "version", "updated_at") ||
		    !json_is_string(a) ||
		    !nlp_registry_valid_alias(json_string_value(a)) ||
		    !is_version(json_object_get(x, "version"), 0) ||
		    !is_time(json_object_get(x, "updated_at")))
			return bad(b, e, "model '%s': an alias is not {alias, "
			    "version, updated_at}", m->name);
		v = (long)json_integer_value(json_object_get(x, "version"));
		/* one alias once, and none that differs from another only in
		   case (as alias refuses it) */
		for (j = 0; j < i; j++) {
			const char *o = json_string_value(json_object_get(
			    json_array_get(json_object_get(mj, "aliases"), j),
			    "alias"));
			if (strcasecmp(o, json_string_value(a)) == 0)
				return bad(b, e, "model '%s': aliases '%s' and '%s' "
				    "are the same%s", m->name, o,
				    json_string_value(a), strcmp(o,
				    json_string_value(a)) == 0 ? "" : " but for case");
		}
		for (j = 0; j < m->nv && m->v[j].version != v; j++)
			;
		if (j == m->nv)
			return bad(b, e, "alias '%s' of '%s' points at version %ld, "
			    "which the bundle does not hold", json_string_value(a),
			    m->name, v);
	}
	json_array_foreach(json_object_get(mj, "events"), i, x)
		if ((rc = check_event(b, m->name, x, e)) != NLP_OK)
			return rc;
	return aliases_as_logged(b, mj, m->name, e);
}

/* Parse and check bundle.json (text, len bytes). */
static int
check_bundle_json(struct bundle *b, const char *text, size_t len,
    struct nlp_err *e)
{
	unsigned long mark = nlp_json_watch();
	json_error_t je;
	json_t *models, *x, *fmt, *ver;
	size_t i, j;
	int rc;

	b->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (nlp_json_failed_since(mark))
		return nlp_errf(e, NLP_IO, "out of memory");
	if (b->root == NULL)
		return bad(b, e, "bundle.json is not JSON: line %d: %s", je.line,
		    je.text);
	fmt = json_object_get(b->root, "format");
	ver = json_object_get(b->root, "version");
	if (!json_is_object(b->root) || !json_is_string(fmt) ||
	    strcmp(json_string_value(fmt), NLP_BUNDLE_FORMAT) != 0)
		return bad(b, e, "not an nlpops bundle (bundle.json's format is "
		    "not \"%s\")", NLP_BUNDLE_FORMAT);
	if (!json_is_integer(ver) || json_integer_value(ver) < 1)
		return bad(b, e, "bundle.json has no format version");
	if (json_integer_value(ver) > NLP_BUNDLE_VERSION)
		return bad(b, e, "format version %lld is newer than this nlpops "
		    "reads (%d)", (long long)json_integer_value(ver),
		    NLP_BUNDLE_VERSION);
	models = json_object_get(b->root, "models");
	if (!HAS_KEYS(b->root, "format", "version", "models") ||
	    !json_is_array(models))
		return bad(b, e, "bundle.json is not {format, version, models}");
	if ((b->m = calloc(json_array_size(models) + 1, sizeof *b->m)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	json_array_foreach(models, i, x) {
		rc = check_model(b, x, &b->m[i], e);
		b->nm = i + 1;
		if (rc != NLP_OK)
			return rc;
		for (j = 0; j < i; j++)
			if (strcasecmp(b->m[j].name, b->m[i].name) == 0)
				return bad(b, e, strcmp(b->m[j].name,
				    b->m[i].name) == 0 ? "model '%s' is there twice" :
				    "models '%s' and '%s' differ only in case",
				    b->m[j].name, b->m[i].name);
	}
	if ((rc = objects_sorted(b, e)) != NLP_OK)
		return rc;
	if ((b->seen = calloc(b->nobj + 1, 1)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	return NLP_OK;
}

/*
 * libarchive's failure on the bundle as e: out of memory and the system's
 * errors reading the file are NLP_IO; anything else (not a tar, a
 * damaged header, cut short) is bad data.  what: a prefix for the latter.
 */
static int
archive_bad(const struct bundle *b, struct archive *a, const char *what,
    struct nlp_err *e)
{
	int err = archive_errno(a);
	const char *why = archive_error_string(a);

	if (err == ENOMEM)
		return nlp_errf(e, NLP_IO, "out of memory");
	/* libarchive's own complaints about the bytes are
	   ARCHIVE_ERRNO_FILE_FORMAT (EILSEQ), ARCHIVE_ERRNO_MISC (-1),
	   ARCHIVE_ERRNO_PROGRAMMER (EINVAL) or 0;
	   any other errno is the system's, reading the file (ENOENT, EIO,
	   ENOSPC on a network file system, ...) */
	if (err > 0 && err != EILSEQ &&
	    err != EINVAL)
		return nlp_errnof(e, NLP_IO, err, "cannot read '%s'", b->path);
	return bad(b, e, "%s%s", what, why ? why : "cannot read the archive");
}

/* Open the bundle for reading. */
static int
open_bundle(const struct bundle *b, struct archive **out, struct nlp_err *e)
{
	struct archive *a;
	int rc;

	*out = NULL;
	if ((rc = nlp_archive_use(e)) != NLP_OK)
		return rc;
	if ((a = archive_read_new()) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_support_filter_all(a) < ARCHIVE_WARN ||
	    archive_read_open_filename(a, b->path, CHUNK) != ARCHIVE_OK) {
		int rc = archive_bad(b, a, "", e);
		archive_read_free(a);
		return rc;
	}
	*out = a;
	return NLP_OK;
}

/* The next member: ARCHIVE_OK, ARCHIVE_EOF, or an error filled in e. */
static int
next_member(const struct bundle *b, struct archive *a,
    struct archive_entry **ent, int *rc, struct nlp_err *e)
{
	int r = archive_read_next_header(a, ent);

	*rc = NLP_OK;
	if (r == ARCHIVE_OK || r == ARCHIVE_EOF)
		return r;
	*rc = archive_bad(b, a, "", e);
	return ARCHIVE_FATAL;
}

/* Read the member's len bytes into a new buffer (*out, the caller frees). */
static int
read_member(const struct bundle *b, struct archive *a, int64_t len,
    unsigned char **out, struct nlp_err *e)
{
	unsigned char *buf = malloc(len > 0 ? (size_t)len : 1);
	int64_t done = 0;
	la_ssize_t got;

	*out = NULL;
	if (buf == NULL)
		return nlp_errf(e, NLP_IO, "out of memory (%lld bytes for an "
		    "object)", (long long)len);
	while (done < len) {
		size_t want = len - done < CHUNK ? (size_t)(len - done) : CHUNK;
		if ((got = archive_read_data(a, buf + done, want)) <= 0) {
			free(buf);
			return got < 0 ? archive_bad(b, a, "a member: ", e) :
			    bad(b, e, "a member is cut short");
		}
		done += got;
	}
	*out = buf;
	return NLP_OK;
}

/* The object i of the set for member name ("objects/<sha256>"): -1 when
 * the bundle.json names no such object. */
static long
object_index(const struct bundle *b, const char *name)
{
	struct nlp_bundle_object key;
	const struct nlp_bundle_object *x;

	if (strncmp(name, "objects/", 8) != 0 || !nlp_store_valid_hex(name + 8))
		return -1;
	snprintf(key.sha256, sizeof key.sha256, "%s", name + 8);
	x = bsearch(&key, b->obj, b->nobj, sizeof *b->obj, nlp_bundle_by_sha256);
	return x ? (long)(x - b->obj) : -1;
}

/* Is version object v's key (an object) the same as meta.json's mkey
 * (an object, or absent: {}), as push records them? */
static int
same_part(json_t *v, const char *key, json_t *meta, const char *mkey)
{
	json_t *a = json_object_get(v, key), *b = json_object_get(meta, mkey);

	if (b == NULL)
		return json_is_object(a) && json_object_size(a) == 0;
	return json_equal(a, b);
}

/* An object's bytes checked: their SHA-256, a loadable artifact, and
 * meta.json the bundle's; the meta.json text kept for its versions. */
static int
check_object(struct bundle *b, const struct nlp_bundle_object *x,
    const unsigned char *data, int keep_meta, struct nlp_err *e)
{
	struct nlp_artifact *art = NULL;
	char hex[NLP_SHA256_HEX];
	const void *mj;
	size_t mlen, i, j;
	unsigned long mark;
	json_t *meta;
	int rc;

	if (nlp_sha256_hex(data, (size_t)x->size, hex) != 0)
		return nlp_sha256_why(e);
	if (strcmp(hex, x->sha256) != 0)
		return bad(b, e, "member 'objects/%s' has the SHA-256 %s: it was "
		    "changed", x->sha256, hex);
	if (!keep_meta)
		return NLP_OK;
	if ((rc = nlp_registry_check_artifact(data, (size_t)x->size, e)) !=
	    NLP_OK) {
		nlp_err_prefix(e, "bundle '%s': object %.12s", b->path, x->sha256);
		return NLP_DATA;
	}
	if ((rc = nlp_artifact_open_mem(&art, data, (size_t)x->size, e)) !=
	    NLP_OK)
		return rc;
	if ((rc = nlp_artifact_member(art, "meta.json", &mj, &mlen, e)) !=
	    NLP_OK) {
		nlp_artifact_close(art);
		return rc;
	}
	mark = nlp_json_watch();
	meta = json_loadb(mj, mlen, 0, NULL);
	if (nlp_json_failed_since(mark))
		rc = nlp_errf(e, NLP_IO, "out of memory");
	for (i = 0; i < b->nm && rc == NLP_OK; i++)
		for (j = 0; j < b->m[i].nv && rc == NLP_OK; j++) {
			struct b_version *v = &b->m[i].v[j];
			if (strcmp(v->sha256, x->sha256) != 0)
				continue;
			if (meta == NULL || !json_equal(meta,
			    json_object_get(v->j, "meta")))
				rc = bad(b, e, "%s@%ld: its meta does not match its "
				    "artifact's meta.json", b->m[i].name, v->version);
			/* what push takes from meta.json, as push takes it */
			else if (!same_part(v->j, "metrics", meta, "held_out") ||
			    !same_part(v->j, "hyperparameters", meta,
			    "hyperparameters"))
				rc = bad(b, e, "%s@%ld: its metrics or hyperparameters "
				    "do not match its artifact's meta.json",
				    b->m[i].name, v->version);
			else if ((v->metatext = strndup(mj, mlen)) == NULL)
				rc = nlp_errf(e, NLP_IO, "out of memory");
		}
	json_decref(meta);
	nlp_artifact_close(art);
	return rc;
}

/* The member SHA256SUMS (len bytes): what bundle.json and its objects
 * make it, to the byte (so an edited bundle.json is refused). */
static int
check_sums(struct bundle *b, struct archive *a, int64_t len,
    struct nlp_err *e)
{
	unsigned char *buf = NULL;
	char *want;
	int rc;

	if ((want = nlp_bundle_sums(b->json_sha256, b->obj, b->nobj)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	if (len != (int64_t)strlen(want))
		rc = bad(b, e, "%s does not match bundle.json and its objects "
		    "(was bundle.json edited?)", NLP_BUNDLE_SUMS);
	else if ((rc = read_member(b, a, len, &buf, e)) == NLP_OK &&
	    memcmp(buf, want, (size_t)len) != 0)
		rc = bad(b, e, "%s does not match bundle.json and its objects "
		    "(was bundle.json edited?)", NLP_BUNDLE_SUMS);
	free(buf);
	free(want);
	return rc;
}

/* Pass 1: bundle.json read and checked, every object hashed, checked as
 * an artifact, and found. */
static int
read_bundle(struct bundle *b, struct nlp_err *e)
{
	struct archive *a;
	struct archive_entry *ent;
	unsigned char *buf = NULL;
	int64_t len = 0;
	long k;
	size_t i;
	int rc, r, sums = 0;

	if ((rc = open_bundle(b, &a, e)) != NLP_OK)
		return rc;
	r = next_member(b, a, &ent, &rc, e);
	if (r == ARCHIVE_EOF)
		rc = bad(b, e, "the archive is empty");
	else if (r == ARCHIVE_OK && (strcmp(archive_entry_pathname(ent),
	    NLP_BUNDLE_JSON) != 0 || archive_entry_filetype(ent) != AE_IFREG))
		rc = bad(b, e, "the first member is not bundle.json");
	else if (r == ARCHIVE_OK && ((len = archive_entry_size(ent)) < 0 ||
	    len > NLP_BUNDLE_JSON_MAX))
		rc = bad(b, e, "bundle.json is larger than %d bytes",
		    NLP_BUNDLE_JSON_MAX);
	else if (r == ARCHIVE_OK &&
	    (rc = read_member(b, a, len, &buf, e)) == NLP_OK) {
		if (nlp_sha256_hex(buf, (size_t)len, b->json_sha256) != 0)
			rc = nlp_sha256_why(e);
		else
			rc = check_bundle_json(b, (const char *)buf, (size_t)len, e);
	}
	free(buf);
	buf = NULL;
	while (rc == NLP_OK && !sums &&
	    (r = next_member(b, a, &ent, &rc, e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ent);
		if (name != NULL && strcmp(name, NLP_BUNDLE_SUMS) == 0) {
			sums = 1;
			rc = check_sums(b, a, archive_entry_size(ent), e);
			continue;
		}
		if ((k = object_index(b, name ? name : "")) < 0 ||
		    archive_entry_filetype(ent) != AE_IFREG)
			rc = bad(b, e, "member '%.80s' is not an object bundle.json "
			    "names", name ? name : "");
		else if (b->seen[k])
			rc = bad(b, e, "member '%s' is there twice", name);
		else if (archive_entry_size(ent) != b->obj[k].size)
			rc = bad(b, e, "member '%s' is %lld bytes, not %lld", name,
			    (long long)archive_entry_size(ent),
			    (long long)b->obj[k].size);
		else if ((rc = read_member(b, a, b->obj[k].size, &buf, e)) ==
		    NLP_OK)
			rc = check_object(b, &b->obj[k], buf, 1, e);
		if (rc == NLP_OK)
			b->seen[k] = 1;
		free(buf);
		buf = NULL;
	}
	for (i = 0; rc == NLP_OK && i < b->nobj; i++)
		if (!b->seen[i])
			rc = bad(b, e, "object %s is missing", b->obj[i].sha256);
	if (rc == NLP_OK && !sums)
		rc = bad(b, e, "it has no %s (a bundle ends with it)",
		    NLP_BUNDLE_SUMS);
	else if (rc == NLP_OK && next_member(b, a, &ent, &rc, e) != ARCHIVE_EOF)
		rc = rc != NLP_OK ? rc : bad(b, e, "a member follows %s",
		    NLP_BUNDLE_SUMS);
	archive_read_free(a);
	return rc;
}

/* ---- import: the transaction ---- */

/* Are the versions of model m the registry's already, or new, or in
 * conflict with it (NLP_REGISTRY)? */
static int
compare_model(struct nlp_registry *r, struct b_model *m, struct nlp_err *e)
{
	char twin[NLP_NAME_MAX + 1] = "";
	struct nlp_registry_strings l = { 0 };
	int64_t next = 0;
	size_t i;
	int rc;

	if ((rc = nlp_registry_model_id(r, m->name, &m->mid, e)) != NLP_OK)
		return rc;
	if (m->mid == 0) {
		struct nlp_regdb_param p[] = { NLP_REGDB_TEXT(m->name) };
		if ((rc = nlp_registry_case_twin(r, "SELECT name FROM models "
		    "WHERE lower(name) = lower(?) ORDER BY name", p, 1, twin,
		    sizeof twin, e)) != NLP_OK)
			return rc;
		if (twin[0])
			return nlp_errf(e, NLP_REGISTRY, "the bundle's model '%s' "
			    "differs from the registry's '%s' only in case; nothing "
			    "changed", m->name, twin);
		for (i = 0; i < m->nv; i++)
			m->v[i].is_new = 1;
		return NLP_OK;
	}
	{
		struct nlp_regdb_param p[] = { NLP_REGDB_INT(m->mid) };
		if ((rc = nlp_regdb_int_query(r, "SELECT next_version FROM "
		    "models WHERE id = ?", p, 1, 0, &next, e)) != NLP_OK)
			return rc;
	}
	/* an alias that differs from one the model has here only in case */
	for (i = 0; i < json_array_size(json_object_get(m->j, "aliases"));
	    i++) {
		const char *a = json_string_value(json_object_get(json_array_get(
		    json_object_get(m->j, "aliases"), i), "alias"));
		struct nlp_regdb_param p[] = {
			NLP_REGDB_INT(m->mid), NLP_REGDB_TEXT(a), NLP_REGDB_TEXT(a),
		};
		if ((rc = nlp_registry_case_twin(r, "SELECT alias FROM aliases "
		    "WHERE model_id = ? AND lower(alias) = lower(?) AND alias <> "
		    "? ORDER BY alias", p, NPARAM(p), twin, sizeof twin, e)) !=
		    NLP_OK)
			return rc;
		if (twin[0])
			return nlp_errf(e, NLP_REGISTRY, "the bundle's alias '%s' of "
			    "'%s' differs from the registry's '%s' only in case; "
			    "nothing changed", a, m->name, twin);
	}
	for (i = 0; i < m->nv; i++) {
		struct b_version *v = &m->v[i];
		struct nlp_regdb_param p[] = {
			NLP_REGDB_INT(m->mid), NLP_REGDB_INT(v->version),
		};
		struct nlp_regdb_param q[] = {
			NLP_REGDB_INT(m->mid), NLP_REGDB_TEXT(v->sha256),
		};
		int64_t other;
		if ((rc = nlp_regdb_each(r, "SELECT sha256 FROM versions WHERE "
		    "model_id = ? AND version = ?", p, 2, nlp_registry_string_row,
		    &l, e)) != NLP_OK)
			return rc;
		if (l.n > 0 && strcmp(l.v[0], v->sha256) != 0) {
			rc = nlp_errf(e, NLP_REGISTRY, "the bundle conflicts with the "
			    "registry: %s@%ld is other bytes here (%.12s, not %.12s); "
			    "nothing changed", m->name, v->version, l.v[0], v->sha256);
			nlp_registry_strings_release(&l);
			return rc;
		}
		v->is_new = l.n == 0;
		nlp_registry_strings_release(&l);
		if (!v->is_new)
			continue;
		/* a number whose version was removed (its rm in the log):
		 * never given again, to other bytes or the same.  One below
		 * next_version that no version here ever had (a later
		 * version was imported first) is filled in. */
		if (v->version < next) {
			struct nlp_regdb_param w[] = {
				NLP_REGDB_TEXT(m->name), NLP_REGDB_INT(v->version),
			};
			int64_t given;
			if ((rc = nlp_regdb_int_query(r, "SELECT count(*) FROM "
			    "events WHERE model = ? AND kind = 'rm' AND "
			    "old_version = ?", w, NPARAM(w), 0, &given, e)) !=
			    NLP_OK)
				return rc;
			if (given > 0)
				return nlp_errf(e, NLP_REGISTRY, "the bundle "
				    "conflicts with the registry: %s@%ld was a "
				    "version here, removed since, and a version "
				    "number is never given again; nothing changed",
				    m->name, v->version);
		}
		if ((rc = nlp_regdb_int_query(r, "SELECT version FROM versions "
		    "WHERE model_id = ? AND sha256 = ?", q, 2, 0, &other, e)) !=
		    NLP_OK)
			return rc;
		if (other != 0)
			return nlp_errf(e, NLP_REGISTRY, "the bundle conflicts with "
			    "the registry: %s@%ld is the bytes of %s@%lld here; "
			    "nothing changed", m->name, v->version, m->name,
			    (long long)other);
	}
	return NLP_OK;
}

/* Is the object of version v, already in the registry, missing from its
 * store (or of another size: cut short)?  Then the bundle's copy restores
 * it, as a push of the same bytes would. */
static int
object_lost(struct nlp_registry *r, const struct b_version *v,
    struct nlp_err *e)
{
	struct nlp_regdb_param p[] = { NLP_REGDB_TEXT(v->sha256) };
	char path[4096];
	struct stat st;
	int64_t size = -1;

	/* on PostgreSQL the objects row stays (versions refer to it): what
	   is lost is its chunks, all or some */
	if (NLP_REGDB_IS_PG(r))
		return nlp_regdb_int_query(r, "SELECT coalesce(sum(octet_length("
		    "data)), 0) FROM chunks WHERE sha256 = ?", p, 1, -1, &size,
		    e) == NLP_OK ? size != v->size : -1;
	if (nlp_store_path(r->dir, v->sha256, path, sizeof path) != 0)
		return 0;
	return lstat(path, &st) != 0 ? errno == ENOENT :
	    !S_ISREG(st.st_mode) || st.st_size != v->size;
}

/* Pass 2, under the lock: the objects the new versions need, stored
 * (re-hashed: the file may have changed since pass 1), and those of
 * versions already here whose object was lost (object_lost()). */
static int
store_objects(struct nlp_registry *r, struct bundle *b, size_t *restored,
    struct nlp_err *e)
{
	struct archive *a;
	struct archive_entry *ent;
	unsigned char *buf = NULL, *need;
	size_t i, j, k;
	int rc, created, ar;
	long x;

	if ((need = calloc(b->nobj + 1, 1)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	for (i = 0; i < b->nm; i++)
		for (j = 0; j < b->m[i].nv; j++) {
			struct b_version *v = &b->m[i].v[j];
			char name[96];
			int lost = 0;
			snprintf(name, sizeof name, "objects/%s", v->sha256);
			if (!v->is_new && (lost = object_lost(r, v, e)) < 0) {
				free(need);
				return e->status;
			}
			v->restore = lost;
			if ((v->is_new || lost) &&
			    (x = object_index(b, name)) >= 0) {
				/* one object, however many versions have it */
				*restored += lost && !need[x];
				need[x] = 1;
			}
		}
	if ((rc = open_bundle(b, &a, e)) != NLP_OK) {
		free(need);
		return rc;
	}
	while (rc == NLP_OK &&
	    (ar = next_member(b, a, &ent, &rc, e)) == ARCHIVE_OK) {
		x = object_index(b, archive_entry_pathname(ent) ?
		    archive_entry_pathname(ent) : "");
		if (x < 0 || !need[x])
			continue;
		need[x] = 0;
		if ((rc = read_member(b, a, b->obj[x].size, &buf, e)) != NLP_OK ||
		    (rc = check_object(b, &b->obj[x], buf, 0, e)) != NLP_OK) {
			free(buf);
			break;
		}
		if (NLP_REGDB_IS_PG(r))
			rc = nlp_regpg_put_object(r, b->obj[x].sha256, buf,
			    (size_t)b->obj[x].size, e);
		else
			rc = nlp_store_put(r->dir, b->obj[x].sha256, buf,
			    (size_t)b->obj[x].size, &created, e);
		free(buf);
		buf = NULL;
	}
	for (k = 0; rc == NLP_OK && k < b->nobj; k++)
		if (need[k])
			rc = bad(b, e, "object %s is missing (the file changed while "
			    "it was read)", b->obj[k].sha256);
	archive_read_free(a);
	free(need);
	return rc;
}

/* A JSON value as compact text, keys sorted: into *out (the caller frees). */
static int
dump(json_t *j, char **out, struct nlp_err *e)
{
	unsigned long mark = nlp_json_watch();

	*out = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
	if (*out == NULL || nlp_json_failed_since(mark)) {
		free(*out);
		*out = NULL;
		return nlp_errf(e, NLP_IO, "out of memory");
	}
	return NLP_OK;
}

/* A JSON string or null as a text parameter. */
static const char *
str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A JSON integer or null as a parameter. */
static struct nlp_regdb_param
int_or_null(json_t *o, const char *key)
{
	json_t *j = json_object_get(o, key);

	return json_is_integer(j) ? NLP_REGDB_INT(json_integer_value(j)) :
	    NLP_REGDB_TEXT(NULL);
}

/* Insert version v of model mid with its rows. */
static int
insert_version(struct nlp_registry *r, int64_t mid, struct b_version *v,
    struct nlp_err *e)
{
	char *hs = NULL, *ms = NULL;
	json_t *x;
	int64_t vid = 0;
	size_t i;
	int rc;

	if ((rc = dump(json_object_get(v->j, "hyperparameters"), &hs, e)) ==
	    NLP_OK &&
	    (rc = dump(json_object_get(v->j, "metrics"), &ms, e)) == NLP_OK) {
		struct nlp_regdb_param p[] = {
			NLP_REGDB_INT(mid), NLP_REGDB_INT(v->version),
			NLP_REGDB_TEXT(v->sha256), NLP_REGDB_INT(v->size),
			NLP_REGDB_TEXT(str(v->j, "created_at")),
			NLP_REGDB_TEXT(str(v->j, "created_by")),
			NLP_REGDB_TEXT(str(v->j, "source")),
			NLP_REGDB_TEXT(str(v->j, "description")),
			NLP_REGDB_TEXT(hs), NLP_REGDB_TEXT(ms),
			NLP_REGDB_TEXT(v->metatext),
		};
		rc = nlp_regdb_run(r, "INSERT INTO versions (model_id, version, "
		    "sha256, size, created_at, created_by, source, description, "
		    "hyperparameters, metrics, meta) VALUES (?, ?, ?, ?, ?, ?, ?, "
		    "?, ?, ?, ?)", p, NPARAM(p), "cannot add the version", e);
		vid = nlp_regdb_last_id(r);
	}
	free(hs);
	free(ms);
	json_array_foreach(json_object_get(v->j, "inputs"), i, x) {
		struct nlp_regdb_param p[] = {
			NLP_REGDB_INT(vid), NLP_REGDB_INT((int64_t)i),
			NLP_REGDB_TEXT(str(x, "name")), NLP_REGDB_TEXT(str(x, "sha256")),
			int_or_null(x, "bytes"),
		};
		if (rc != NLP_OK)
			break;
		rc = nlp_regdb_run(r, "INSERT INTO inputs (version_id, position, "
		    "name, sha256, bytes) VALUES (?, ?, ?, ?, ?)", p, NPARAM(p),
		    "cannot record the training data", e);
	}
	json_array_foreach(json_object_get(v->j, "tags"), i, x) {
		struct nlp_regdb_param p[] = {
			NLP_REGDB_INT(vid), NLP_REGDB_TEXT(str(x, "key")),
			NLP_REGDB_TEXT(str(x, "value")),
		};
		if (rc != NLP_OK)
			break;
		rc = nlp_regdb_run(r, "INSERT INTO tags (version_id, key, value) "
		    "VALUES (?, ?, ?) ON CONFLICT (version_id, key) DO NOTHING", p,
		    NPARAM(p), "cannot tag the version", e);
	}
	json_array_foreach(json_object_get(v->j, "evaluations"), i, x) {
		char *ds = NULL, *mets = NULL;
		if (rc != NLP_OK)
			break;
		if ((rc = dump(json_object_get(x, "data"), &ds, e)) == NLP_OK &&
		    (rc = dump(json_object_get(x, "metrics"), &mets, e)) ==
		    NLP_OK) {
			struct nlp_regdb_param p[] = {
				NLP_REGDB_INT(vid), NLP_REGDB_TEXT(str(x, "at")),
				NLP_REGDB_TEXT(str(x, "who")), NLP_REGDB_TEXT(ds),
				NLP_REGDB_TEXT(mets),
			};
			rc = nlp_regdb_run(r, "INSERT INTO evaluations (version_id, "
			    "at, who, data, metrics) VALUES (?, ?, ?, ?, ?)", p,
			    NPARAM(p), "cannot record the evaluation", e);
		}
		free(ds);
		free(mets);
	}
	x = json_object_get(v->j, "signature");
	if (rc == NLP_OK && json_is_object(x)) {
		struct nlp_regdb_param p[] = {
			NLP_REGDB_INT(vid), NLP_REGDB_TEXT(str(x, "key_id")),
			NLP_REGDB_TEXT(str(x, "signature")),
		};
		rc = nlp_regdb_run(r, "INSERT INTO signatures (version_id, key_id, "
		    "signature) VALUES (?, ?, ?)", p, NPARAM(p),
		    "cannot store the signature", e);
	}
	return rc;
}

/* The version alias points at in the bundle's model m: 0 when none. */
static long
bundle_alias(const struct b_model *m, const char *alias)
{
	json_t *x;
	size_t i;

	json_array_foreach(json_object_get(m->j, "aliases"), i, x)
		if (strcmp(str(x, "alias"), alias) == 0)
			return (long)json_integer_value(json_object_get(x,
			    "version"));
	return 0;
}

/*
 * What the import does with alias of model m, given the log here before
 * it (have): the bundle's events of the alias are appended (*adopt) only
 * when the log here of the alias begins the bundle's -- the bundle's
 * history continues this registry's own -- and the alias ends where the
 * bundle has it; the alias is set (*set) only when it is absent here with
 * such a log.  An alias the bundle does not have ends there only if its
 * last event there deleted it: a bundle of part of a model can leave out
 * an alias that points at a version it lacks, and its moves must not
 * come without it.  An import never moves an alias that is here.
 * Otherwise the alias keeps its own history here: rollback replays this
 * registry's log, and must never follow moves made in another registry
 * to versions the alias never had here (nor a delete made here be
 * undone).  A history that does go on from ours is taken whole, a delete
 * and set there included: the log here is then theirs.
 */
static int
alias_plan(struct nlp_registry *r, struct b_model *m, json_t *have,
    const char *alias, int *adopt, int *set, struct nlp_err *e)
{
	json_t *theirs = json_object_get(m->j, "events"), *known;
	size_t i = 0, j = 0, nh = json_array_size(have),
	    nb = json_array_size(theirs);
	long cur = 0, b;
	int prefix = 0, rc;

	*adopt = *set = 0;
	/* once an alias: every event of it asks (a log of thousands) */
	if (m->plans != NULL && (known = json_object_get(m->plans, alias)) !=
	    NULL) {
		*adopt = (int)(json_integer_value(known) & 1);
		*set = (int)(json_integer_value(known) >> 1 & 1);
		return NLP_OK;
	}
	b = bundle_alias(m, alias);
	if (m->mid != 0 && (rc = nlp_registry_alias_version(r, m->mid, alias,
	    &cur, e)) != NLP_OK)
		return rc;
	for (;;) {
		while (i < nh && !of_alias(json_array_get(have, i), alias))
			i++;
		while (j < nb && !of_alias(json_array_get(theirs, j), alias))
			j++;
		if (i == nh) {
			prefix = 1;     /* ours all theirs: they go on from it */
			break;
		}
		if (j == nb || !json_equal(json_array_get(have, i),
		    json_array_get(theirs, j)))
			break;
		i++;
		j++;
	}
	*set = cur == 0 && b != 0 && prefix;
	*adopt = prefix && (cur != 0 ? cur : *set ? b : 0) == b;
	if (*adopt && b == 0) {       /* gone there: by a delete, or left out? */
		json_t *last = NULL, *ev;
		size_t k;

		json_array_foreach(theirs, k, ev)
			if (of_alias(ev, alias))
				last = ev;
		*adopt = last != NULL && strcmp(str(last, "kind"),
		    "alias-delete") == 0;
	}
	if ((m->plans != NULL || (m->plans = json_object()) != NULL) &&
	    json_object_set_new(m->plans, alias, json_integer(*adopt | *set <<
	    1)) != 0)
		return nlp_errf(e, NLP_IO, "out of memory");
	return NLP_OK;
}

/* The log of model m here, as the bundle's events are written. */
static int
log_here(struct nlp_registry *r, const struct b_model *m, json_t **have,
    struct nlp_err *e)
{
	struct nlp_regdb_param q[] = { NLP_REGDB_TEXT(m->name) };
	unsigned long mark = nlp_json_watch();
	int rc;

	if ((*have = json_array()) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	rc = nlp_regdb_each(r, "SELECT at, who, kind, alias, old_version, "
	    "new_version, reason FROM events WHERE model = ? ORDER BY id", q, 1,
	    nlp_bundle_event_row, *have, e);
	if (rc == NLP_OK && nlp_json_failed_since(mark))
		rc = nlp_errf(e, NLP_IO, "out of memory");
	return rc;
}

/* Append the bundle's events of model m that the log here (have) lacks,
 * but those of an alias that keeps its own history (counted in *kept). */
static int
import_events(struct nlp_registry *r, struct b_model *m, json_t *have,
    size_t *added, size_t *kept, struct nlp_err *e)
{
	json_t *ev;
	unsigned char *used = NULL;
	size_t i, j, k, n = json_array_size(have), start = 0;
	int rc = NLP_OK;

	if ((used = calloc(n + 1, 1)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	json_array_foreach(json_object_get(m->j, "events"), i, ev) {
		const char *alias = str(ev, "alias");
		int adopt, set;

		/* from just past the last match: logs that agree are matched
		 * in one pass, not in n * n comparisons */
		for (k = 0; k < n; k++) {
			j = (start + k) % n;
			if (!used[j] && json_equal(json_array_get(have, j), ev))
				break;
		}
		if (k < n) {
			used[j] = 1;
			start = j + 1;
			continue;
		}
		if (alias != NULL && (rc = alias_plan(r, m, have, alias, &adopt,
		    &set, e)) != NLP_OK)
			break;
		if (alias != NULL && !adopt) {
			(*kept)++;
			continue;
		}
		{
			struct nlp_regdb_param p[] = {
				NLP_REGDB_TEXT(str(ev, "at")),
				NLP_REGDB_TEXT(str(ev, "who")),
				NLP_REGDB_TEXT(m->name), NLP_REGDB_TEXT(str(ev, "kind")),
				NLP_REGDB_TEXT(alias),
				int_or_null(ev, "old_version"),
				int_or_null(ev, "new_version"),
				NLP_REGDB_TEXT(str(ev, "reason")),
			};
			if ((rc = nlp_regdb_run(r, "INSERT INTO events (at, who, "
			    "model, kind, alias, old_version, new_version, reason) "
			    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", p, NPARAM(p),
			    "cannot log the event", e)) != NLP_OK)
				break;
			(*added)++;
		}
	}
	free(used);
	return rc;
}

/* The bundle's aliases of model m that the registry lacks, set (the plan
 * from the log here before the import, have); one with its own history
 * here is kept as it is, with a note. */
static int
import_aliases(struct nlp_registry *r, struct b_model *m, json_t *have,
    struct nlp_registry_bundle_report *out, size_t *added, struct nlp_err *e)
{
	json_t *x;
	size_t i;
	int rc = NLP_OK;

	json_array_foreach(json_object_get(m->j, "aliases"), i, x) {
		const char *alias = str(x, "alias");
		long v = (long)json_integer_value(json_object_get(x, "version"));
		int64_t vid;
		long cur = 0;
		int adopt, set;

		if ((m->mid != 0 && (rc = nlp_registry_alias_version(r, m->mid,
		    alias, &cur, e)) != NLP_OK) ||
		    (rc = alias_plan(r, m, have, alias, &adopt, &set, e)) != NLP_OK)
			break;
		if (cur == v)
			continue;
		if (!set) {
			if ((rc = nlp_registry_strings_addf(&out->notes, e, "alias "
			    "'%s' of '%s' %s here, at %s@%ld in the bundle: kept as "
			    "it is here (an import never moves an alias)", alias,
			    m->name, cur != 0 ? "points elsewhere" : "was deleted",
			    m->name, v)) != NLP_OK)
				break;
			continue;
		}
		if ((rc = nlp_registry_need_version(r, m->mid, m->name, v, &vid,
		    e)) != NLP_OK)
			break;
		{
			struct nlp_regdb_param p[] = {
				NLP_REGDB_INT(m->mid), NLP_REGDB_TEXT(alias),
				NLP_REGDB_INT(vid), NLP_REGDB_TEXT(str(x, "updated_at")),
			};
			if ((rc = nlp_regdb_run(r, "INSERT INTO aliases (model_id, "
			    "alias, version_id, updated_at) VALUES (?, ?, ?, ?)", p,
			    NPARAM(p), "cannot set the alias", e)) != NLP_OK)
				break;
		}
		(*added)++;
	}
	return rc;
}

/* The reason of the import event: "from BUNDLE: versions 1, 2, 5". */
static void
import_reason(const struct bundle *b, const struct b_model *m, char *buf,
    size_t size)
{
	char shown[512];
	size_t i, n, k = 0, len = strlen(b->path);
	const char *base = b->path;

	/* the bundle's file name, made one printable line */
	for (i = 0; i < len; i++)
		if (b->path[i] == '/' && i + 1 < len)
			base = b->path + i + 1;
	snprintf(shown, sizeof shown, "%s", base);
	if (!nlp_text_clean(shown, strlen(shown)))
		snprintf(shown, sizeof shown, "a bundle");
	n = (size_t)snprintf(buf, size, "from %s", shown);
	for (i = 0; i < m->nv && n < size; i++) {
		if (!m->v[i].is_new)
			continue;
		if (n + 32 > size || k == 100) {
			snprintf(buf + n, size - n, ", ...");
			return;
		}
		n += (size_t)snprintf(buf + n, size - n, "%s%ld",
		    k++ ? ", " : ": versions ", m->v[i].version);
	}
}

/* Import model m (inside the transaction); its versions reported. */
static int
import_model(struct nlp_registry *r, const struct bundle *b, struct b_model *m,
    const char *who, struct nlp_registry_bundle_report *out,
    struct nlp_err *e)
{
	int64_t next = 1;
	size_t i, added = 0, kept = 0;
	json_t *ev, *have = NULL;
	char at[32];
	int rc = NLP_OK;

	if (m->mid == 0) {
		struct nlp_regdb_param p[] = {
			NLP_REGDB_TEXT(m->name), NLP_REGDB_TEXT(at),
		};
		if ((rc = nlp_registry_now(r, at, e)) != NLP_OK ||
		    (rc = nlp_regdb_run(r, "INSERT INTO models (name, created_at) "
		    "VALUES (?, ?)", p, NPARAM(p), "cannot add the model", e)) !=
		    NLP_OK)
			return rc;
		m->mid = nlp_regdb_last_id(r);
		m->changed = 1;
	}
	for (i = 0; i < m->nv && rc == NLP_OK; i++) {
		struct b_version *v = &m->v[i];
		if (v->version >= next)
			next = v->version + 1;
		if (v->is_new) {
			rc = insert_version(r, m->mid, v, e);
			m->changed = 1;
		}
		if (rc == NLP_OK)
			rc = nlp_bundle_report_add(out, m->name, v->version, v->sha256, v->size,
			    v->is_new, e);
		if (rc == NLP_OK && v->restore)
			rc = nlp_registry_strings_addf(&out->notes, e, "%s@%ld: its "
			    "object was missing: restored from the bundle", m->name,
			    v->version);
	}
	/* never a number the history mentions again: a removed version's */
	json_array_foreach(json_object_get(m->j, "events"), i, ev) {
		json_int_t o = json_integer_value(json_object_get(ev, "old_version"));
		json_int_t n = json_integer_value(json_object_get(ev, "new_version"));
		if (o >= next)
			next = o + 1;
		if (n >= next)
			next = n + 1;
	}
	if (rc == NLP_OK) {
		struct nlp_regdb_param p[] = {
			NLP_REGDB_INT(next), NLP_REGDB_INT(m->mid), NLP_REGDB_INT(next),
		};
		rc = nlp_regdb_run(r, "UPDATE models SET next_version = ? WHERE "
		    "id = ? AND next_version < ?", p, NPARAM(p), "database", e);
	}
	/* the aliases' plans from the log as it was before the import */
	if (rc == NLP_OK && (rc = log_here(r, m, &have, e)) == NLP_OK &&
	    (rc = import_events(r, m, have, &added, &kept, e)) == NLP_OK &&
	    kept > 0)
		rc = nlp_registry_strings_addf(&out->notes, e, "%zu event%s of "
		    "'%s' in the bundle not logged here: %s aliases kept as "
		    "they are here", kept, kept == 1 ? "" : "s", m->name,
		    kept == 1 ? "it moves one of the" : "they move");
	if (rc == NLP_OK) {
		out->nevents += added;
		m->changed |= added > 0;
		added = 0;
		rc = import_aliases(r, m, have, out, &added, e);
		out->naliases += added;
		m->changed |= added > 0;
	}
	json_decref(have);
	json_decref(m->plans);      /* made from the log as it was */
	m->plans = NULL;
	if (rc == NLP_OK && m->changed) {
		char reason[NLP_TEXT_MAX], wbuf[NLP_TEXT_MAX + 1];
		struct nlp_regdb_param p[] = {
			NLP_REGDB_TEXT(at),
			NLP_REGDB_TEXT(nlp_registry_recorded_who(r, who, wbuf)),
			NLP_REGDB_TEXT(m->name), NLP_REGDB_TEXT("import"),
			NLP_REGDB_TEXT(NULL), NLP_REGDB_TEXT(NULL),
			NLP_REGDB_TEXT(NULL), NLP_REGDB_TEXT(reason),
		};
		import_reason(b, m, reason, sizeof reason);
		if ((rc = nlp_registry_now(r, at, e)) == NLP_OK)
			rc = nlp_regdb_run(r, "INSERT INTO events (at, who, model, "
			    "kind, alias, old_version, new_version, reason) VALUES "
			    "(?, ?, ?, ?, ?, ?, ?, ?)", p, NPARAM(p), "cannot log the "
			    "event", e);
		out->nmodels++;
	}
	return rc;
}

/* What a file that is not a regular one is, for a message. */
static const char *
file_kind(mode_t m)
{
	if (S_ISFIFO(m))
		return "a pipe or FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

int
nlp_registry_bundle_file(const char *path, struct nlp_err *e)
{
	struct stat st;

	if (stat(path, &st) != 0 || S_ISREG(st.st_mode))
		return NLP_OK;
	return nlp_errf(e, NLP_USAGE, "import reads a regular file (it is read "
	    "twice), not '%s' (%s)", path, file_kind(st.st_mode));
}

int
nlp_registry_bundle_check(const char *path, struct nlp_err *e)
{
	struct bundle b;
	int rc;

	if ((rc = nlp_registry_bundle_file(path, e)) != NLP_OK)
		return rc;
	memset(&b, 0, sizeof b);
	b.path = path;
	rc = read_bundle(&b, e);
	bundle_release(&b);
	return rc;
}

int
nlp_registry_import(struct nlp_registry *r, const char *path, const char *who,
    struct nlp_registry_bundle_report *out, struct nlp_err *e)
{
	struct bundle b;
	size_t i;
	int rc;

	memset(out, 0, sizeof *out);
	memset(&b, 0, sizeof b);
	b.path = path;
	if (who != NULL && (strlen(who) > NLP_TEXT_MAX ||
	    !nlp_text_clean(who, strlen(who))))
		return nlp_errf(e, NLP_USAGE, "the user's name must be one line of "
		    "printable UTF-8 text");
	if ((rc = nlp_registry_bundle_file(path, e)) != NLP_OK)
		return rc;
	if (r->schema < 3) {
		rc = nlp_errf(e, NLP_REGISTRY, "registry '%s' predates bundles "
		    "(schema %d); open it for writing with this nlpops first",
		    r->dir, r->schema);
		goto out;
	}
	if ((rc = read_bundle(&b, e)) != NLP_OK)
		goto out;
	if ((rc = nlp_regdb_begin(r, e)) != NLP_OK)
		goto out;
	/* the bundle's members are read (inflated, hashed) between the
	   statements: however long that takes, the server keeps the
	   session (its idle timeout, registry_pg.c, is for one stopped) */
	if (NLP_REGDB_IS_PG(r))
		rc = nlp_regdb_exec(r, "SET LOCAL "
		    "idle_in_transaction_session_timeout = 0", e);
	for (i = 0; i < b.nm && rc == NLP_OK; i++)
		rc = compare_model(r, &b.m[i], e);
	if (rc == NLP_OK)
		rc = store_objects(r, &b, &out->nrestored, e);
	for (i = 0; i < b.nm && rc == NLP_OK; i++)
		rc = import_model(r, &b, &b.m[i], who, out, e);
	if (rc == NLP_OK)
		rc = nlp_regdb_commit(r, e);
	else
		nlp_regdb_rollback(r);
out:
	bundle_release(&b);
	if (rc != NLP_OK)
		nlp_registry_bundle_report_release(out);
	return rc;
}
