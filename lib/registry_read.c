/*
 * registry_read.c - the registry's reads: resolve, list, show, history,
 * pull, each into the typed results of registry.h; and the lookups and
 * small parts the other registry modules share (registry_internal.h).
 *
 * What the registry stored as JSON (metrics, hyperparameters, meta.json,
 * an evaluation's data) is parsed here, so that a command reads fields,
 * never JSON; its text is kept too, for --json to print as it is.
 */
#include "registry_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "jsonwatch.h"
#include "modelref.h"
#include "sign.h"
#include "store.h"
#include "text.h"

#define NPARAM(p) (sizeof (p) / sizeof *(p))

/* The events and evaluations `registry show` lists. */
#define SHOW_RECENT 10

/* ---- shared parts ---- */

/* A row of the server's time: its text into arg (a char[32]). */
static int
now_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	const char *v = nlp_regdb_text(st, 0);

	(void)e;
	if (v != NULL && strlen(v) == 20)
		memcpy(arg, v, 21);
	return NLP_OK;
}

int
nlp_registry_now(struct nlp_registry *r, char buf[32], struct nlp_err *e)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!NLP_REGDB_IS_PG(r))
		return NLP_OK;
	/* the time of the change, not of its transaction's start (now()),
	   which may have waited 30 s for the lock, or an upload */
	return nlp_regdb_each(r, "SELECT to_char(clock_timestamp() AT TIME "
	    "ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')", NULL, 0, now_row,
	    buf, e);
}

void *
nlp_registry_grow(void *v, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap : 8;
	void *p;

	if (n < *cap)
		return v;
	while (c <= n && c <= SIZE_MAX / 2 / size)
		c *= 2;
	if (c <= n || (p = realloc(v, c * size)) == NULL)
		return NULL;
	*cap = c;
	return p;
}

/* *dst = a copy of s (NULL stays NULL): NLP_OK or NLP_IO. */
static int
copy_text(char **dst, const char *s, struct nlp_err *e)
{
	*dst = NULL;
	if (s != NULL && (*dst = strdup(s)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	return NLP_OK;
}

/* Append s, which the list now owns (freed when it cannot). */
static int
strings_take(struct nlp_registry_strings *l, char *s, struct nlp_err *e)
{
	char **v = s != NULL ? nlp_registry_grow(l->v, &l->cap, l->n,
	    sizeof *v) : NULL;

	if (v == NULL) {
		free(s);
		return nlp_errf(e, NLP_IO, "out of memory");
	}
	l->v = v;
	l->v[l->n++] = s;
	return NLP_OK;
}

int
nlp_registry_strings_add(struct nlp_registry_strings *l, const char *s,
    struct nlp_err *e)
{
	return strings_take(l, strdup(s), e);
}

int
nlp_registry_strings_addf(struct nlp_registry_strings *l, struct nlp_err *e,
    const char *fmt, ...)
{
	va_list ap;
	char *s;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	return strings_take(l, rc < 0 ? NULL : s, e);
}

int
nlp_registry_string_row(void *arg, struct nlp_regdb_stmt *st,
    struct nlp_err *e)
{
	return nlp_registry_strings_add(arg, nlp_regdb_text(st, 0), e);
}

void
nlp_registry_strings_release(struct nlp_registry_strings *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* ---- lookups ---- */

int
nlp_registry_model_id(struct nlp_registry *r, const char *name, int64_t *id,
    struct nlp_err *e)
{
	struct nlp_regdb_param p[] = { NLP_REGDB_TEXT(name) };

	return nlp_regdb_int_query(r, "SELECT id FROM models WHERE name = ?", p,
	    1, 0, id, e);
}

/* For sorting candidates by their distance from the name wanted. */
struct candidate {
	const char *s;
	size_t d;
};

static int
by_distance(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;

	if (x->d != y->d)
		return x->d < y->d ? -1 : 1;
	return strcmp(x->s, y->s);
}

#define SUGGEST_LIST 8          /* the names listed, at most */

/*
 * "; did you mean 'spam'? (models: spam, ham)" into buf: the names of l
 * nearest first (edit distance), at most SUGGEST_LIST of them, and the
 * nearest as a guess when it is near (what: "models", "aliases").  ""
 * when out of memory; "(no WHAT)" when l is empty.
 */
static void
suggest(const struct nlp_registry_strings *l, const char *want,
    const char *what, char *buf, size_t size)
{
	struct candidate *c;
	size_t i, o = 0, lim = strlen(want) / 3 > 2 ? strlen(want) / 3 : 2;

/* append to buf, never past its end */
#define PUT(...) (o += o < size ? (size_t)snprintf(buf + o, size - o, \
	__VA_ARGS__) : 0)
	buf[0] = '\0';
	if (l->n == 0) {
		PUT(" (no %s)", what);
		return;
	}
	if ((c = malloc(l->n * sizeof *c)) == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		c[i].s = l->v[i];
		c[i].d = strcasecmp(want, l->v[i]) == 0 ? 0 :
		    nlp_text_distance(want, l->v[i]);
	}
	qsort(c, l->n, sizeof *c, by_distance);
	if (c[0].d <= lim)
		PUT("; did you mean '%s'?", c[0].s);
	PUT(" (%s: ", what);
	for (i = 0; i < l->n && i < SUGGEST_LIST; i++)
		PUT("%s%s", i ? ", " : "", c[i].s);
	PUT("%s)", l->n > SUGGEST_LIST ? ", ..." : "");
#undef PUT
	free(c);
}

int
nlp_registry_need_model(struct nlp_registry *r, const char *name,
    int64_t *id, struct nlp_err *e)
{
	struct nlp_registry_strings l = { NULL, 0, 0 };
	char hint[768];
	int rc;

	/* a malformed name is no model's: a usage error, not "no model" */
	*id = 0;
	size_t k;

	if ((rc = nlp_registry_check_name(name, e)) != NLP_OK ||
	    (rc = nlp_registry_model_id(r, name, id, e)) != NLP_OK || *id != 0)
		return rc;
	if ((rc = nlp_regdb_each(r, "SELECT name FROM models ORDER BY name",
	    NULL, 0, nlp_registry_string_row, &l, e)) != NLP_OK) {
		nlp_registry_strings_release(&l);
		return rc;
	}
	/* a file's name ("spam.nlp"), which no model may have: the verb
	   takes a reference, a usage error saying so, with the models
	   nearest the name without its suffix */
	if ((k = nlp_registry_file_suffix(name)) > 0 && k < strlen(name)) {
		char stem[NLP_NAME_MAX + 1];
		snprintf(stem, sizeof stem, "%.*s", (int)(strlen(name) - k),
		    name);
		suggest(&l, stem, "models", hint, sizeof hint);
		nlp_registry_strings_release(&l);
		return nlp_errf(e, NLP_USAGE, "'%s' looks like a file name, not "
		    "a model in registry '%s' (registry verbs take NAME, "
		    "NAME@VERSION or NAME@ALIAS)%s", name, r->dir, hint);
	}
	suggest(&l, name, "models", hint, sizeof hint);
	nlp_registry_strings_release(&l);
	return nlp_errf(e, NLP_REGISTRY, "no model '%s' in registry '%s'%s",
	    name, r->dir, hint);
}

static int
last_event_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct nlp_registry_last_event *l = arg;
	const char *reason = nlp_regdb_text(st, 3);

	(void)e;
	l->deleted = strcmp(nlp_regdb_text(st, 2), "alias-delete") == 0;
	l->old_version = (long)nlp_regdb_int(st, 4);
	snprintf(l->text, sizeof l->text, "by %s at %s%s%s%s",
	    nlp_regdb_text(st, 1), nlp_regdb_text(st, 0), reason ? " (\"" : "",
	    reason ? reason : "", reason ? "\")" : "");
	return NLP_OK;
}

int
nlp_registry_last_event(struct nlp_registry *r, const char *name,
    const char *alias, struct nlp_registry_last_event *l, struct nlp_err *e)
{
	struct nlp_regdb_param p[] = {
		NLP_REGDB_TEXT(name), NLP_REGDB_TEXT(alias),
	};

	memset(l, 0, sizeof *l);
	return nlp_regdb_each(r, "SELECT at, who, kind, reason, old_version "
	    "FROM events WHERE model = ? AND alias = ? ORDER BY id DESC LIMIT 1",
	    p, 2, last_event_row, l, e);
}

int
nlp_registry_no_alias(struct nlp_registry *r, int64_t mid, const char *name,
    const char *alias, const char *then, struct nlp_err *e)
{
	struct nlp_registry_strings l = { NULL, 0, 0 };
	struct nlp_regdb_param p[] = { NLP_REGDB_INT(mid) };
	char hint[768];
	int rc;

	if ((rc = nlp_regdb_each(r, "SELECT alias FROM aliases WHERE model_id = "
	    "? ORDER BY alias", p, 1, nlp_registry_string_row, &l, e)) !=
	    NLP_OK) {
		nlp_registry_strings_release(&l);
		return rc;
	}
	suggest(&l, alias, "aliases", hint, sizeof hint);
	nlp_registry_strings_release(&l);
	return nlp_errf(e, NLP_REGISTRY, "model '%s' has no alias '%s'%s%s",
	    name, alias, then ? then : "", hint);
}

/* "no alias", saying who deleted it, when and why, when the event log
 * has it (an alias gone at 3 a.m. is not a typo). */
static int
alias_gone(struct nlp_registry *r, int64_t mid, const char *name,
    const char *alias, struct nlp_err *e)
{
	struct nlp_registry_last_event d;
	char then[sizeof d.text + NLP_NAME_MAX + 64] = "";
	int rc;

	if ((rc = nlp_registry_last_event(r, name, alias, &d, e)) != NLP_OK)
		return rc;
	if (d.deleted && d.old_version > 0)
		snprintf(then, sizeof then, ": deleted %s (it pointed at "
		    "%s@%ld)", d.text, name, d.old_version);
	return nlp_registry_no_alias(r, mid, name, alias, then[0] ? then :
	    NULL, e);
}

/* "no version NAME@VERSION", with the latest there is (a typo, or a
 * version made on another registry). */
static int
no_version(struct nlp_registry *r, int64_t mid, const char *name,
    long version, struct nlp_err *e)
{
	struct nlp_regdb_param p[] = { NLP_REGDB_INT(mid) };
	struct nlp_regdb_param q[] = {
		NLP_REGDB_TEXT(name), NLP_REGDB_INT(version),
	};
	struct nlp_registry_last_event rm;
	char gone[sizeof rm.text + 16] = "";
	int64_t latest = 0;
	int rc;

	rc = nlp_regdb_int_query(r, "SELECT coalesce(max(version), 0) FROM "
	    "versions WHERE model_id = ?", p, 1, 0, &latest, e);
	if (rc != NLP_OK)
		return rc;
	/* a version removed is not a typo: who removed it, when and why
	   (the event log keeps it) */
	memset(&rm, 0, sizeof rm);
	if ((rc = nlp_regdb_each(r, "SELECT at, who, kind, reason, "
	    "old_version FROM events WHERE model = ? AND kind = 'rm' AND "
	    "old_version = ? ORDER BY id DESC LIMIT 1", q, 2, last_event_row,
	    &rm, e)) != NLP_OK)
		return rc;
	if (rm.text[0] != '\0')
		snprintf(gone, sizeof gone, ": removed %s", rm.text);
	if (latest == 0)
		return nlp_errf(e, NLP_REGISTRY, "no version %s@%ld%s (%s has "
		    "none)", name, version, gone, name);
	return nlp_errf(e, NLP_REGISTRY, "no version %s@%ld%s (the latest is "
	    "%s@%lld)", name, version, gone, name, (long long)latest);
}

int
nlp_registry_need_version(struct nlp_registry *r, int64_t mid,
    const char *name, long version, int64_t *vid, struct nlp_err *e)
{
	struct nlp_regdb_param p[] = { NLP_REGDB_INT(mid), NLP_REGDB_INT(version) };
	int rc;

	rc = nlp_regdb_int_query(r, "SELECT id FROM versions WHERE model_id = ? "
	    "AND version = ?", p, 2, 0, vid, e);
	if (rc == NLP_OK && *vid == 0)
		return no_version(r, mid, name, version, e);
	return rc;
}

int
nlp_registry_alias_version(struct nlp_registry *r, int64_t mid,
    const char *alias, long *version, struct nlp_err *e)
{
	struct nlp_regdb_param p[] = { NLP_REGDB_INT(mid), NLP_REGDB_TEXT(alias) };
	int64_t v = 0;
	int rc;

	*version = 0;
	if ((rc = nlp_registry_check_alias(alias, e)) != NLP_OK)
		return rc;
	rc = nlp_regdb_int_query(r, "SELECT v.version FROM aliases a JOIN "
	    "versions v ON v.id = a.version_id WHERE a.model_id = ? AND "
	    "a.alias = ?", p, 2, 0, &v, e);
	*version = (long)v;
	return rc;
}

/* A version's object, when its row is found. */
struct found_object {
	struct nlp_resolved *out;
	int found;
};

/* A row of: sha256, size. */
static int
object_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct found_object *f = arg;

	(void)e;
	snprintf(f->out->sha256, sizeof f->out->sha256, "%s",
	    nlp_regdb_text(st, 0));
	f->out->size = nlp_regdb_int(st, 1);
	f->found = 1;
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
	struct found_object f = { out, 0 };
	int64_t mid;
	long version = ref->version;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = nlp_registry_need_model(r, ref->name, &mid, e)) != NLP_OK)
		return rc;
	if (ref->alias[0]) {
		if ((rc = nlp_registry_alias_version(r, mid, ref->alias, &version,
		    e)) != NLP_OK)
			return rc;
		if (version == 0)
			return alias_gone(r, mid, ref->name, ref->alias, e);
	}
	{
		struct nlp_regdb_param p[] = {
			NLP_REGDB_INT(mid), NLP_REGDB_INT(version),
		};
		if ((rc = nlp_regdb_each(r, "SELECT sha256, size FROM versions "
		    "WHERE model_id = ? AND version = ?", p, 2, object_row, &f, e)) !=
		    NLP_OK)
			return rc;
	}
	if (!f.found)
		return no_version(r, mid, ref->name, version, e);
	snprintf(out->name, sizeof out->name, "%s", ref->name);
	out->version = version;
	if (!nlp_store_valid_hex(out->sha256))
		return nlp_errf(e, NLP_REGISTRY, "registry '%s': bad object name "
		    "for %s@%ld", r->dir, ref->name, version);
	/* on PostgreSQL the file is known once the object is opened */
	if (!NLP_REGDB_IS_PG(r))
		nlp_store_path(r->dir, out->sha256, out->path, sizeof out->path);
	return NLP_OK;
}

int
nlp_registry_object_open(struct nlp_registry *r, struct nlp_resolved *res,
    int *fd, struct nlp_err *e)
{
	if (NLP_REGDB_IS_PG(r))
		return nlp_regpg_open_object(r, res->sha256, fd, res->path,
		    sizeof res->path, e);
	/* through the registry's own directories, never a symbolic link */
	return nlp_store_open(r->dir, res->sha256, fd, e);
}

int
nlp_registry_object_evict(struct nlp_registry *r,
    const struct nlp_resolved *res)
{
	return NLP_REGDB_IS_PG(r) && nlp_regpg_evict(res->sha256);
}

int
nlp_registry_signature_check(const char *name, long version,
    const char *sha256, const char *text, size_t len, const char *key_id,
    const char *done, struct nlp_signature *s, struct nlp_err *e)
{
	struct nlp_err se = { 0, "" };

	/* why it is damaged into se.msg; a parse that fails says so there */
	if (text == NULL)
		snprintf(se.msg, sizeof se.msg, "it has no text");
	else if (nlp_signature_parse(s, text, len, "the signature", &se) ==
	    NLP_OK && strcmp(s->sha256, sha256) != 0)
		snprintf(se.msg, sizeof se.msg, "it is for other bytes");
	else if (se.msg[0] == '\0' && key_id != NULL &&
	    strcmp(s->key_id, key_id) != 0)
		snprintf(se.msg, sizeof se.msg, "it names another key than its "
		    "row");
	if (se.msg[0] == '\0')
		return NLP_OK;
	return nlp_errf(e, NLP_REGISTRY, "%s@%ld: its signature in the "
	    "registry is damaged: %s (see 'nlpops registry verify "
	    "--signatures'); nothing %s", name, version, se.msg, done);
}

int
nlp_registry_signature(struct nlp_registry *r, const char *name,
    long version, char *buf, size_t size, size_t *len, struct nlp_err *e)
{
	struct nlp_regdb_param p[] = {
		NLP_REGDB_TEXT(name), NLP_REGDB_INT(version),
	};
	struct nlp_registry_strings l = { 0 };
	int rc;

	*len = 0;
	buf[0] = '\0';
	if (r->schema < 3)
		return NLP_OK;
	if ((rc = nlp_regdb_each(r, "SELECT s.signature FROM signatures s JOIN "
	    "versions v ON v.id = s.version_id JOIN models m ON m.id = "
	    "v.model_id WHERE m.name = ? AND v.version = ?", p, 2,
	    nlp_registry_string_row, &l, e)) == NLP_OK && l.n > 0) {
		*len = strlen(l.v[0]);
		if (*len >= size)
			rc = nlp_errf(e, NLP_DATA, "registry '%s': the signature of "
			    "%s@%ld is too long (%zu bytes)", r->dir, name, version,
			    *len);
		else
			memcpy(buf, l.v[0], *len + 1);
	}
	nlp_registry_strings_release(&l);
	if (rc != NLP_OK)
		*len = 0;
	return rc;
}

int
nlp_registry_pull(struct nlp_registry *r, const struct nlp_ref *ref,
    const char *path, struct nlp_resolved *out, struct nlp_err *e)
{
	int rc, fd;

	if ((rc = nlp_registry_resolve(r, ref, out, e)) != NLP_OK)
		return rc;
	if (!NLP_REGDB_IS_PG(r))
		rc = nlp_store_export(r->dir, out->sha256, path, e);
	else {
		int tries;

		for (tries = 0; tries < 2; tries++) {
			if ((rc = nlp_registry_object_open(r, out, &fd, e)) !=
			    NLP_OK)
				break;
			rc = nlp_store_export_fd(fd, out->path, out->sha256, path,
			    e);
			close(fd);
			/* a cached copy found wrong is fetched again, once, as
			 * a model load does */
			if (rc != NLP_DATA || !nlp_registry_object_evict(r, out))
				break;
		}
	}
	if (rc != NLP_OK && e != NULL)
		e->status = rc;
	return rc;
}

/* ---- values from stored JSON ---- */

static void
value_release(struct nlp_registry_value *v)
{
	free(v->s);
	memset(v, 0, sizeof *v);
}

/* A JSON value as a typed value (a container or boolean as compact
 * JSON; json_dumps() may leave a key out when an allocation fails, so the
 * caller watches jansson's allocations, jsonwatch.h). */
static int
value_of(json_t *j, struct nlp_registry_value *v, struct nlp_err *e)
{
	memset(v, 0, sizeof *v);
	if (j == NULL || json_is_null(j))
		return NLP_OK;
	if (json_is_string(j)) {
		v->type = NLP_RV_TEXT;
		return copy_text(&v->s, json_string_value(j), e);
	}
	if (json_is_integer(j)) {
		v->type = NLP_RV_INT;
		v->i = json_integer_value(j);
		return NLP_OK;
	}
	if (json_is_real(j)) {
		v->type = NLP_RV_REAL;
		v->d = json_real_value(j);
		return NLP_OK;
	}
	v->type = NLP_RV_JSON;
	if ((v->s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_ENCODE_ANY)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	return NLP_OK;
}

static void
object_release(struct nlp_registry_object *o)
{
	size_t i;

	for (i = 0; i < o->nfields; i++) {
		free(o->fields[i].key);
		value_release(&o->fields[i].value);
	}
	free(o->fields);
	free(o->json);
	memset(o, 0, sizeof *o);
}

/* The members of a parsed JSON object into o's fields. */
static int
object_fields(json_t *j, struct nlp_registry_object *o, struct nlp_err *e)
{
	const char *k;
	json_t *v;
	int rc;

	if (!json_is_object(j) || json_object_size(j) == 0)
		return NLP_OK;
	if ((o->fields = calloc(json_object_size(j), sizeof *o->fields)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	json_object_foreach(j, k, v) {
		struct nlp_registry_field *f = &o->fields[o->nfields++];
		if ((rc = copy_text(&f->key, k, e)) != NLP_OK ||
		    (rc = value_of(v, &f->value, e)) != NLP_OK)
			return rc;
	}
	return NLP_OK;
}

/* (registry_internal.h) It was read as none, and show and diff left it
 * out without a word. */
int
nlp_registry_stored_json(const char *text, int kind, const char *what,
    struct json_t **j, struct nlp_err *e)
{
	unsigned long mark = nlp_json_watch();

	*j = text != NULL ? json_loads(text, 0, NULL) : NULL;
	if (nlp_json_failed_since(mark)) {
		json_decref(*j);
		*j = NULL;
		return nlp_errf(e, NLP_IO, "out of memory");
	}
	if (text != NULL && (kind == '{' ? !json_is_object(*j) :
	    !json_is_array(*j))) {
		json_decref(*j);
		*j = NULL;
		return nlp_errf(e, NLP_REGISTRY, "the registry is damaged: %s "
		    "column is not a JSON %s (see 'nlpops registry verify')",
		    what, kind == '{' ? "object" : "array");
	}
	return NLP_OK;
}

/* An object the registry stored as text (NULL: none) into o: what it
 * is, for the message when it is not one. */
static int
object_of(const char *text, struct nlp_registry_object *o, const char *what,
    struct nlp_err *e)
{
	unsigned long mark;
	json_t *j = NULL;
	int rc;

	memset(o, 0, sizeof *o);
	if ((rc = copy_text(&o->json, text, e)) != NLP_OK ||
	    (rc = nlp_registry_stored_json(text, '{', what, &j, e)) != NLP_OK)
		return rc;
	mark = nlp_json_watch();
	rc = object_fields(j, o, e);
	json_decref(j);
	if (rc == NLP_OK && nlp_json_failed_since(mark))
		rc = nlp_errf(e, NLP_IO, "out of memory");
	return rc;
}

/* The value of o's member key, or NULL. */
static const struct nlp_registry_value *
object_get(const struct nlp_registry_object *o, const char *key)
{
	size_t i;

	for (i = 0; i < o->nfields; i++)
		if (strcmp(o->fields[i].key, key) == 0)
			return &o->fields[i].value;
	return NULL;
}

/* ---- events ---- */

static void
event_release(struct nlp_registry_event *ev)
{
	free(ev->at);
	free(ev->who);
	free(ev->kind);
	free(ev->alias);
	free(ev->reason);
}

void
nlp_registry_events_release(struct nlp_registry_events *ev)
{
	size_t i;

	for (i = 0; i < ev->n; i++)
		event_release(&ev->v[i]);
	free(ev->v);
	ev->v = NULL;
	ev->n = 0;
}

/* Rows read into a growing array of elements of size bytes; ids: each
 * row's id in the database, when rows_add_id() added them (for what is
 * read after the rows). */
struct rows {
	void *v;
	size_t n, cap, size;
	int64_t *ids;
	size_t idcap;
};

#define ROWS(size) { NULL, 0, 0, (size), NULL, 0 }

/* Room for one more row, zeroed: its address, or NULL (out of memory). */
static void *
rows_add(struct rows *rs)
{
	void *v = nlp_registry_grow(rs->v, &rs->cap, rs->n, rs->size);
	char *row;

	if (v == NULL)
		return NULL;
	rs->v = v;
	row = (char *)v + rs->n++ * rs->size;
	memset(row, 0, rs->size);
	return row;
}

/* rows_add(), noting the row's id. */
static void *
rows_add_id(struct rows *rs, int64_t id)
{
	int64_t *ids = nlp_registry_grow(rs->ids, &rs->idcap, rs->n,
	    sizeof *ids);

	if (ids == NULL)
		return NULL;
	rs->ids = ids;
	ids[rs->n] = id;
	return rows_add(rs);
}

/* A row of: at, who, kind, alias, old_version, new_version, reason. */
static int
event_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct nlp_registry_event *ev = rows_add(arg);
	int rc;

	if (ev == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	if ((rc = copy_text(&ev->at, nlp_regdb_text(st, 0), e)) != NLP_OK ||
	    (rc = copy_text(&ev->who, nlp_regdb_text(st, 1), e)) != NLP_OK ||
	    (rc = copy_text(&ev->kind, nlp_regdb_text(st, 2), e)) != NLP_OK ||
	    (rc = copy_text(&ev->alias, nlp_regdb_text(st, 3), e)) != NLP_OK ||
	    (rc = copy_text(&ev->reason, nlp_regdb_text(st, 6), e)) != NLP_OK)
		return rc;
	ev->old_version = (long)nlp_regdb_int(st, 4);
	ev->new_version = (long)nlp_regdb_int(st, 5);
	return NLP_OK;
}

/* The events of model mid (alias: only its, or NULL), newest first, at
 * most max (0: all). */
static int
read_events(struct nlp_registry *r, int64_t mid, const char *alias, int max,
    struct nlp_registry_events *out, struct nlp_err *e)
{
	struct rows rs = ROWS(sizeof *out->v);
	struct nlp_regdb_param p[3];
	size_t np = 0;
	char sql[256];
	int rc;

	snprintf(sql, sizeof sql, "SELECT at, who, kind, alias, old_version, "
	    "new_version, reason FROM events WHERE model = (SELECT name FROM "
	    "models WHERE id = ?)%s ORDER BY id DESC%s", alias ? " AND alias = ?" :
	    "", max > 0 ? " LIMIT ?" : "");
	p[np++] = NLP_REGDB_INT(mid);
	if (alias != NULL)
		p[np++] = NLP_REGDB_TEXT(alias);
	if (max > 0)
		p[np++] = NLP_REGDB_INT(max);
	rc = nlp_regdb_each(r, sql, p, np, event_row, &rs, e);
	out->v = rs.v;
	out->n = rs.n;
	if (rc != NLP_OK)
		nlp_registry_events_release(out);
	return rc;
}

int
nlp_registry_history(struct nlp_registry *r, const char *name,
    const char *alias, struct nlp_registry_events *out, struct nlp_err *e)
{
	int64_t mid;
	int rc;

	memset(out, 0, sizeof *out);
	if (alias != NULL && (rc = nlp_registry_check_alias(alias, e)) != NLP_OK)
		return rc;
	if ((rc = nlp_registry_need_model(r, name, &mid, e)) != NLP_OK)
		return rc;
	return read_events(r, mid, alias, 0, out, e);
}

/* ---- models ---- */

static void
model_release(struct nlp_registry_model *m)
{
	size_t i;

	for (i = 0; i < m->naliases; i++)
		free(m->aliases[i].alias);
	free(m->aliases);
	free(m->name);
	free(m->updated_at);
}

void
nlp_registry_models_release(struct nlp_registry_models *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		model_release(&m->v[i]);
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

/* A row of: id, name, latest, versions, updated_at. */
static int
model_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct nlp_registry_model *m = rows_add_id(arg, nlp_regdb_int(st, 0));
	int rc;

	if (m == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	m->latest = (long)nlp_regdb_int(st, 2);
	m->versions = (long)nlp_regdb_int(st, 3);
	if ((rc = copy_text(&m->name, nlp_regdb_text(st, 1), e)) != NLP_OK ||
	    (rc = copy_text(&m->updated_at, nlp_regdb_text(st, 4), e)) != NLP_OK)
		return rc;
	return NLP_OK;
}

/* A row of: alias, version. */
static int
alias_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct nlp_registry_alias *a = rows_add(arg);

	if (a == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	a->version = (long)nlp_regdb_int(st, 1);
	return copy_text(&a->alias, nlp_regdb_text(st, 0), e);
}

/* The aliases of model mid into m. */
static int
model_aliases(struct nlp_registry *r, int64_t mid,
    struct nlp_registry_model *m, struct nlp_err *e)
{
	struct rows rs = ROWS(sizeof *m->aliases);
	struct nlp_regdb_param p[] = { NLP_REGDB_INT(mid) };
	int rc;

	rc = nlp_regdb_each(r, "SELECT a.alias, v.version FROM aliases a JOIN "
	    "versions v ON v.id = a.version_id WHERE a.model_id = ? ORDER BY "
	    "a.alias", p, 1, alias_row, &rs, e);
	m->aliases = rs.v;
	m->naliases = rs.n;
	return rc;
}

int
nlp_registry_list(struct nlp_registry *r, struct nlp_registry_models *out,
    struct nlp_err *e)
{
	struct rows rs = ROWS(sizeof *out->v);
	size_t i;
	int rc;

	rc = nlp_regdb_each(r, "SELECT m.id, m.name, "
	    "(SELECT max(version) FROM versions WHERE model_id = m.id), "
	    "(SELECT count(*) FROM versions WHERE model_id = m.id), "
	    "(SELECT max(at) FROM events WHERE model = m.name) "
	    "FROM models m ORDER BY m.name", NULL, 0, model_row, &rs, e);
	out->v = rs.v;
	out->n = rs.n;
	for (i = 0; rc == NLP_OK && i < out->n; i++)
		rc = model_aliases(r, rs.ids[i], &out->v[i], e);
	free(rs.ids);
	if (rc != NLP_OK)
		nlp_registry_models_release(out);
	return rc;
}

/* ---- versions ---- */

static void
version_release(struct nlp_registry_version *v)
{
	size_t i;

	free(v->sha256);
	free(v->created_at);
	free(v->created_by);
	free(v->description);
	nlp_registry_strings_release(&v->aliases);
	for (i = 0; i < v->ntags; i++) {
		free(v->tags[i].key);
		free(v->tags[i].value);
	}
	free(v->tags);
	object_release(&v->metrics);
	if (v->latest != NULL) {
		nlp_registry_evaluation_release(v->latest);
		free(v->latest);
	}
	memset(v, 0, sizeof *v);
}

void
nlp_registry_versions_release(struct nlp_registry_versions *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		version_release(&v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

/* The columns of a version row that version_columns() reads, in order,
 * and the version row's id after them. */
#define VERSION_COLUMNS "v.version, v.sha256, v.size, v.created_at, " \
	"v.created_by, v.description, v.metrics, v.id"
#define VERSION_NCOLUMNS 8

/* The columns of VERSION_COLUMNS into v. */
static int
version_columns(struct nlp_regdb_stmt *st, struct nlp_registry_version *v,
    struct nlp_err *e)
{
	int rc;

	v->version = (long)nlp_regdb_int(st, 0);
	v->size = nlp_regdb_int(st, 2);
	if ((rc = copy_text(&v->sha256, nlp_regdb_text(st, 1), e)) != NLP_OK ||
	    (rc = copy_text(&v->created_at, nlp_regdb_text(st, 3), e)) !=
	    NLP_OK ||
	    (rc = copy_text(&v->created_by, nlp_regdb_text(st, 4), e)) !=
	    NLP_OK ||
	    (rc = copy_text(&v->description, nlp_regdb_text(st, 5), e)) !=
	    NLP_OK)
		return rc;
	return object_of(nlp_regdb_text(st, 6), &v->metrics, "a version's "
	    "metrics", e);
}

/* A row of: key, value. */
static int
tag_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct nlp_registry_tag *t = rows_add(arg);
	int rc;

	if (t == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	if ((rc = copy_text(&t->key, nlp_regdb_text(st, 0), e)) != NLP_OK)
		return rc;
	return copy_text(&t->value, nlp_regdb_text(st, 1), e);
}

/* The aliases and tags of version row vid into v. */
static int
version_aliases_tags(struct nlp_registry *r, int64_t vid,
    struct nlp_registry_version *v, struct nlp_err *e)
{
	struct rows rs = ROWS(sizeof *v->tags);
	struct nlp_regdb_param p[] = { NLP_REGDB_INT(vid) };
	int rc;

	if ((rc = nlp_regdb_each(r, "SELECT alias FROM aliases WHERE "
	    "version_id = ? ORDER BY alias", p, 1, nlp_registry_string_row, &v->aliases, e)) !=
	    NLP_OK)
		return rc;
	rc = nlp_regdb_each(r, "SELECT key, value FROM tags WHERE version_id = ? "
	    "ORDER BY key", p, 1, tag_row, &rs, e);
	v->tags = rs.v;
	v->ntags = rs.n;
	return rc;
}

/* A row of VERSION_COLUMNS. */
static int
version_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct nlp_registry_version *v = rows_add_id(arg, nlp_regdb_int(st,
	    VERSION_NCOLUMNS - 1));

	if (v == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	return version_columns(st, v, e);
}

int
nlp_registry_list_versions(struct nlp_registry *r, const char *name,
    struct nlp_registry_versions *out, struct nlp_err *e)
{
	struct rows rs = ROWS(sizeof *out->v);
	int64_t mid;
	size_t i;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = nlp_registry_need_model(r, name, &mid, e)) != NLP_OK)
		return rc;
	{
		struct nlp_regdb_param p[] = { NLP_REGDB_INT(mid) };
		rc = nlp_regdb_each(r, "SELECT " VERSION_COLUMNS " FROM versions v "
		    "WHERE v.model_id = ? ORDER BY v.version", p, 1, version_row, &rs,
		    e);
	}
	out->v = rs.v;
	out->n = rs.n;
	for (i = 0; rc == NLP_OK && i < out->n; i++) {
		size_t n = 0;
		if ((rc = version_aliases_tags(r, rs.ids[i], &out->v[i], e)) ==
		    NLP_OK)
			rc = nlp_registry_evaluations(r, rs.ids[i], 1,
			    &out->v[i].latest, &n, e);
		if (n == 0) {
			free(out->v[i].latest);
			out->v[i].latest = NULL;
		}
	}
	free(rs.ids);
	if (rc != NLP_OK)
		nlp_registry_versions_release(out);
	return rc;
}

/* ---- evaluations ---- */

void
nlp_registry_evaluation_release(struct nlp_registry_evaluation *ev)
{
	free(ev->at);
	free(ev->who);
	free(ev->data_json);
	free(ev->data_sha256);
	object_release(&ev->metrics);
	memset(ev, 0, sizeof *ev);
}

/* The SHA-256 of the first file in an evaluation's data (JSON text):
 * NULL when there is none. */
static int
data_sha256(const char *data, char **out, struct nlp_err *e)
{
	json_t *j;
	int rc;

	*out = NULL;
	if ((rc = nlp_registry_stored_json(data, '[', "an evaluation's data",
	    &j, e)) != NLP_OK)
		return rc;
	rc = copy_text(out, json_string_value(json_object_get(json_array_get(j,
	    0), "sha256")), e);
	json_decref(j);
	return rc;
}

/* A number of an evaluation's metrics, as the tables read it: 0 when it
 * is absent or not a number. */
static double
metric(const struct nlp_registry_object *m, const char *key)
{
	const struct nlp_registry_value *v = object_get(m, key);

	return v == NULL ? 0 : v->type == NLP_RV_INT ? (double)v->i :
	    v->type == NLP_RV_REAL ? v->d : 0;
}

/* A row of: id, at, who, data, metrics. */
static int
evaluation_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct nlp_registry_evaluation *ev = rows_add(arg);
	const struct nlp_registry_value *n;
	int rc;

	if (ev == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	ev->id = (long)nlp_regdb_int(st, 0);
	if ((rc = copy_text(&ev->at, nlp_regdb_text(st, 1), e)) != NLP_OK ||
	    (rc = copy_text(&ev->who, nlp_regdb_text(st, 2), e)) != NLP_OK ||
	    (rc = copy_text(&ev->data_json, nlp_regdb_text(st, 3), e)) !=
	    NLP_OK ||
	    (rc = data_sha256(ev->data_json, &ev->data_sha256, e)) != NLP_OK ||
	    (rc = object_of(nlp_regdb_text(st, 4), &ev->metrics, "an "
	    "evaluation's metrics", e)) != NLP_OK)
		return rc;
	ev->accuracy = metric(&ev->metrics, "accuracy");
	ev->macro_f1 = metric(&ev->metrics, "macro_f1");
	n = object_get(&ev->metrics, "n");
	ev->n = n != NULL && n->type == NLP_RV_INT ? n->i : 0;
	n = object_get(&ev->metrics, "seen");    /* null: not known */
	ev->seen = n != NULL && (n->type == NLP_RV_INT || n->type ==
	    NLP_RV_REAL) ? metric(&ev->metrics, "seen") : -1;
	return NLP_OK;
}

int
nlp_registry_evaluations(struct nlp_registry *r, int64_t vid, int max,
    struct nlp_registry_evaluation **ev, size_t *n, struct nlp_err *e)
{
	struct rows rs = ROWS(sizeof **ev);
	struct nlp_regdb_param p[] = { NLP_REGDB_INT(vid), NLP_REGDB_INT(max) };
	size_t i;
	int rc = NLP_OK;

	*ev = NULL;
	*n = 0;
	/* schema 1 (read-only, older) has none */
	if (r->schema >= 2)
		rc = nlp_regdb_each(r, "SELECT id, at, who, data, metrics FROM "
		    "evaluations WHERE version_id = ? ORDER BY id DESC LIMIT ?", p,
		    2, evaluation_row, &rs, e);
	if (rc != NLP_OK) {
		for (i = 0; i < rs.n; i++)
			nlp_registry_evaluation_release((struct
			    nlp_registry_evaluation *)rs.v + i);
		free(rs.v);
		return rc;
	}
	*ev = rs.v;
	*n = rs.n;
	return NLP_OK;
}

/* ---- show ---- */

void
nlp_registry_shown_release(struct nlp_registry_shown *s)
{
	size_t i;

	free(s->name);
	version_release(&s->v);
	free(s->source);
	object_release(&s->hyperparameters);
	value_release(&s->labels);
	value_release(&s->examples);
	value_release(&s->nlpops_version);
	value_release(&s->warning);
	for (i = 0; i < s->nlabel_counts; i++)
		free(s->label_counts[i].label);
	free(s->label_counts);
	for (i = 0; i < s->ntraining_data; i++) {
		free(s->training_data[i].name);
		free(s->training_data[i].sha256);
	}
	free(s->training_data);
	nlp_registry_events_release(&s->recent_events);
	for (i = 0; i < s->nevaluations; i++)
		nlp_registry_evaluation_release(&s->evaluations[i]);
	free(s->evaluations);
	memset(s, 0, sizeof *s);
}

/* The labels of meta.json (an array of {label, count}) into s. */
static int
meta_labels(json_t *labels, struct nlp_registry_shown *s, struct nlp_err *e)
{
	json_t *x;
	size_t i;
	int rc;

	if (json_array_size(labels) == 0)
		return NLP_OK;
	if ((s->label_counts = calloc(json_array_size(labels),
	    sizeof *s->label_counts)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	json_array_foreach(labels, i, x) {
		struct nlp_registry_label *l = &s->label_counts[i];
		s->nlabel_counts++;
		l->count = json_integer_value(json_object_get(x, "count"));
		if ((rc = copy_text(&l->label, json_string_value(json_object_get(x,
		    "label")), e)) != NLP_OK)
			return rc;
	}
	return NLP_OK;
}

/* What show reads of the artifact's meta.json (its text). */
int
nlp_registry_meta_fields(const char *text, struct nlp_registry_shown *s,
    struct nlp_err *e)
{
	unsigned long mark;
	json_t *meta;
	int rc;

	if ((rc = nlp_registry_stored_json(text, '{', "a version's meta",
	    &meta, e)) != NLP_OK)
		return rc;
	mark = nlp_json_watch();
	if ((rc = value_of(json_object_get(meta, "labels"), &s->labels, e)) ==
	    NLP_OK &&
	    (rc = value_of(json_object_get(meta, "examples"), &s->examples, e)) ==
	    NLP_OK &&
	    (rc = value_of(json_object_get(meta, "nlpops_version"),
	    &s->nlpops_version, e)) == NLP_OK &&
	    (rc = value_of(json_object_get(meta, "warning"), &s->warning, e)) ==
	    NLP_OK)
		rc = meta_labels(json_object_get(meta, "labels"), s, e);
	json_decref(meta);
	if (rc == NLP_OK && nlp_json_failed_since(mark))
		rc = nlp_errf(e, NLP_IO, "out of memory");
	return rc;
}

/* The version row show reads: VERSION_COLUMNS, then the model's name,
 * source, hyperparameters, meta.json. */
static int
shown_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct nlp_registry_shown *s = arg;
	const int c = VERSION_NCOLUMNS;
	int rc;

	if ((rc = version_columns(st, &s->v, e)) != NLP_OK ||
	    (rc = copy_text(&s->name, nlp_regdb_text(st, c), e)) != NLP_OK ||
	    (rc = copy_text(&s->source, nlp_regdb_text(st, c + 1), e)) !=
	    NLP_OK ||
	    (rc = object_of(nlp_regdb_text(st, c + 2), &s->hyperparameters,
	    "a version's hyperparameters", e)) != NLP_OK)
		return rc;
	return nlp_registry_meta_fields(nlp_regdb_text(st, c + 3), s, e);
}

/* A row of: name, sha256, bytes. */
static int
input_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct nlp_registry_input *in = rows_add(arg);
	int rc;

	if (in == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	in->bytes = nlp_regdb_int(st, 2);
	if ((rc = copy_text(&in->name, nlp_regdb_text(st, 0), e)) != NLP_OK)
		return rc;
	return copy_text(&in->sha256, nlp_regdb_text(st, 1), e);
}

/* What show lists of version row vid of model mid: its aliases and tags,
 * training data, evaluations, and the model's recent events. */
static int
shown_lists(struct nlp_registry *r, int64_t mid, int64_t vid,
    struct nlp_registry_shown *s, struct nlp_err *e)
{
	struct rows rs = ROWS(sizeof *s->training_data);
	struct nlp_regdb_param p[] = { NLP_REGDB_INT(vid) };
	int rc;

	if ((rc = version_aliases_tags(r, vid, &s->v, e)) != NLP_OK)
		return rc;
	rc = nlp_regdb_each(r, "SELECT name, sha256, bytes FROM inputs WHERE "
	    "version_id = ? ORDER BY position", p, 1, input_row, &rs, e);
	s->training_data = rs.v;
	s->ntraining_data = rs.n;
	if (rc != NLP_OK ||
	    (rc = read_events(r, mid, NULL, SHOW_RECENT, &s->recent_events, e)) !=
	    NLP_OK)
		return rc;
	return nlp_registry_evaluations(r, vid, SHOW_RECENT, &s->evaluations,
	    &s->nevaluations, e);
}

int
nlp_registry_show(struct nlp_registry *r, const struct nlp_ref *ref,
    struct nlp_registry_shown *out, struct nlp_err *e)
{
	struct nlp_resolved res;
	int64_t mid, vid = 0;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = nlp_registry_resolve(r, ref, &res, e)) != NLP_OK ||
	    (rc = nlp_registry_need_model(r, ref->name, &mid, e)) != NLP_OK ||
	    (rc = nlp_registry_need_version(r, mid, ref->name, res.version, &vid,
	    e)) != NLP_OK)
		return rc;
	{
		struct nlp_regdb_param p[] = { NLP_REGDB_INT(vid) };
		rc = nlp_regdb_each(r, "SELECT " VERSION_COLUMNS ", m.name, "
		    "v.source, v.hyperparameters, v.meta FROM versions v JOIN "
		    "models m ON m.id = v.model_id WHERE v.id = ?", p, 1, shown_row,
		    out, e);
	}
	if (rc == NLP_OK)
		rc = shown_lists(r, mid, vid, out, e);
	if (rc != NLP_OK)
		nlp_registry_shown_release(out);
	return rc;
}
