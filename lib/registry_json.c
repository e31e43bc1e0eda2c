/*
 * registry_json.c - the registry's typed results as the JSON documents
 * `registry ... --json` prints (see registry.h): the one place that
 * writes them.
 *
 * jansson builds each document; a constructor that fails returns NULL
 * and the key it was for is quietly left out, so nothing is checked call
 * by call: jsonwatch.h notes every allocation jansson loses, and a
 * document built while one was lost is out of memory, never printed.
 */
#include "registry.h"

#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "jsonwatch.h"

/* The documents' format: what the commands always printed. */
#define FLAGS (JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(10))

/* A string, or null. */
static json_t *
text(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* A version number, or null for none. */
static json_t *
version_or_null(long v)
{
	return v > 0 ? json_integer(v) : json_null();
}

/* JSON the registry stored as text: parsed, or null when it is not JSON
 * (any value: a metric's true, a hyperparameter's number, not only the
 * objects and arrays jansson takes without JSON_DECODE_ANY). */
static json_t *
stored(const char *s)
{
	json_t *j = s != NULL ? json_loads(s, JSON_DECODE_ANY, NULL) : NULL;

	return j != NULL ? j : json_null();
}

static json_t *
value(const struct nlp_registry_value *v)
{
	switch (v->type) {
	case NLP_RV_INT:
		return json_integer(v->i);
	case NLP_RV_REAL:
		return json_real(v->d);
	case NLP_RV_TEXT:
		return text(v->s);
	case NLP_RV_JSON:
		return stored(v->s);
	default:
		return json_null();
	}
}

static json_t *
strings(const struct nlp_registry_strings *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		json_array_append_new(a, text(l->v[i]));
	return a;
}

/* doc as text into *out; doc is released.  mark: the watch it was built
 * under. */
static int
dump(json_t *doc, unsigned long mark, char **out, struct nlp_err *e)
{
	*out = doc != NULL ? json_dumps(doc, FLAGS) : NULL;
	json_decref(doc);
	if (*out == NULL || nlp_json_failed_since(mark)) {
		free(*out);
		*out = NULL;
		return nlp_errf(e, NLP_IO, "out of memory");
	}
	return NLP_OK;
}

int
nlp_registry_models_json(const struct nlp_registry_models *m, char **out,
    struct nlp_err *e)
{
	unsigned long mark = nlp_json_watch();
	json_t *doc = json_array();
	size_t i, j;

	for (i = 0; i < m->n; i++) {
		const struct nlp_registry_model *x = &m->v[i];
		json_t *o = json_object(), *aliases = json_object();
		for (j = 0; j < x->naliases; j++)
			json_object_set_new(aliases, x->aliases[j].alias,
			    json_integer(x->aliases[j].version));
		json_object_set_new(o, "name", text(x->name));
		json_object_set_new(o, "latest", version_or_null(x->latest));
		json_object_set_new(o, "versions", json_integer(x->versions));
		json_object_set_new(o, "aliases", aliases);
		json_object_set_new(o, "updated_at", text(x->updated_at));
		json_array_append_new(doc, o);
	}
	return dump(doc, mark, out, e);
}

/* The members a version has in list and show alike, into o. */
static void
version_members(json_t *o, const struct nlp_registry_version *v)
{
	json_t *tags = json_object();
	size_t i;

	for (i = 0; i < v->ntags; i++)
		json_object_set_new(tags, v->tags[i].key, text(v->tags[i].value));
	json_object_set_new(o, "version", json_integer(v->version));
	json_object_set_new(o, "sha256", text(v->sha256));
	json_object_set_new(o, "size", json_integer(v->size));
	json_object_set_new(o, "created_at", text(v->created_at));
	json_object_set_new(o, "created_by", text(v->created_by));
	json_object_set_new(o, "description", text(v->description));
	json_object_set_new(o, "aliases", strings(&v->aliases));
	json_object_set_new(o, "tags", tags);
	json_object_set_new(o, "metrics", stored(v->metrics.json));
}

/* An evaluation, as list and show give it. */
static json_t *
evaluation(const struct nlp_registry_evaluation *ev)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(ev->id));
	json_object_set_new(o, "at", text(ev->at));
	json_object_set_new(o, "who", text(ev->who));
	json_object_set_new(o, "data", stored(ev->data_json));
	json_object_set_new(o, "metrics", stored(ev->metrics.json));
	return o;
}

int
nlp_registry_versions_json(const struct nlp_registry_versions *v, char **out,
    struct nlp_err *e)
{
	unsigned long mark = nlp_json_watch();
	json_t *doc = json_array();
	size_t i;

	for (i = 0; i < v->n; i++) {
		json_t *o = json_object();
		version_members(o, &v->v[i]);
		json_object_set_new(o, "latest_evaluation", v->v[i].latest ?
		    evaluation(v->v[i].latest) : json_null());
		json_array_append_new(doc, o);
	}
	return dump(doc, mark, out, e);
}

static json_t *
events(const struct nlp_registry_events *ev)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < ev->n; i++) {
		const struct nlp_registry_event *x = &ev->v[i];
		json_t *o = json_object();
		json_object_set_new(o, "at", text(x->at));
		json_object_set_new(o, "who", text(x->who));
		json_object_set_new(o, "kind", text(x->kind));
		json_object_set_new(o, "alias", text(x->alias));
		json_object_set_new(o, "old_version", version_or_null(
		    x->old_version));
		json_object_set_new(o, "new_version", version_or_null(
		    x->new_version));
		json_object_set_new(o, "reason", text(x->reason));
		json_array_append_new(a, o);
	}
	return a;
}

int
nlp_registry_events_json(const struct nlp_registry_events *ev, char **out,
    struct nlp_err *e)
{
	unsigned long mark = nlp_json_watch();

	return dump(events(ev), mark, out, e);
}

static json_t *
training_data(const struct nlp_registry_shown *s)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < s->ntraining_data; i++) {
		const struct nlp_registry_input *in = &s->training_data[i];
		json_t *o = json_object();
		json_object_set_new(o, "name", text(in->name));
		json_object_set_new(o, "sha256", text(in->sha256));
		json_object_set_new(o, "bytes", json_integer(in->bytes));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *
evaluations(const struct nlp_registry_shown *s)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < s->nevaluations; i++)
		json_array_append_new(a, evaluation(&s->evaluations[i]));
	return a;
}

int
nlp_registry_shown_json(const struct nlp_registry_shown *s, char **out,
    struct nlp_err *e)
{
	unsigned long mark = nlp_json_watch();
	json_t *doc = json_object();

	version_members(doc, &s->v);
	json_object_set_new(doc, "name", text(s->name));
	json_object_set_new(doc, "source", text(s->source));
	json_object_set_new(doc, "hyperparameters",
	    stored(s->hyperparameters.json));
	json_object_set_new(doc, "labels", value(&s->labels));
	json_object_set_new(doc, "examples", value(&s->examples));
	json_object_set_new(doc, "nlpops_version", value(&s->nlpops_version));
	json_object_set_new(doc, "warning", value(&s->warning));
	json_object_set_new(doc, "training_data", training_data(s));
	json_object_set_new(doc, "recent_events", events(&s->recent_events));
	json_object_set_new(doc, "evaluations", evaluations(s));
	return dump(doc, mark, out, e);
}

int
nlp_registry_verify_report_json(const struct nlp_registry_verify_report *v,
    char **out, struct nlp_err *e)
{
	unsigned long mark = nlp_json_watch();
	json_t *doc = json_object();

	json_object_set_new(doc, "problems", strings(&v->problems));
	json_object_set_new(doc, "notes", strings(&v->notes));
	json_object_set_new(doc, "versions", json_integer(v->versions));
	return dump(doc, mark, out, e);
}

int
nlp_registry_gc_report_json(const struct nlp_registry_gc_report *g,
    char **out, struct nlp_err *e)
{
	unsigned long mark = nlp_json_watch();
	json_t *doc = json_object();

	json_object_set_new(doc, "removed", strings(&g->removed));
	json_object_set_new(doc, "bytes", json_integer(g->bytes));
	json_object_set_new(doc, "dry_run", json_boolean(g->dry_run));
	json_object_set_new(doc, "kept_young", json_integer(g->young));
	return dump(doc, mark, out, e);
}

int
nlp_registry_bundle_report_json(const struct nlp_registry_bundle_report *b,
    int import, char **out, struct nlp_err *e)
{
	unsigned long mark = nlp_json_watch();
	json_t *doc = json_object(), *a = json_array(), *o;
	size_t i;

	for (i = 0; i < b->n; i++) {
		o = json_object();
		json_object_set_new(o, "name", text(b->v[i].name));
		json_object_set_new(o, "version", json_integer(b->v[i].version));
		json_object_set_new(o, "sha256", text(b->v[i].sha256));
		json_object_set_new(o, "size", json_integer(b->v[i].size));
		if (import)
			json_object_set_new(o, "imported",
			    json_boolean(b->v[i].imported));
		json_array_append_new(a, o);
	}
	json_object_set_new(doc, "versions", a);
	if (import) {
		json_object_set_new(doc, "models_changed",
		    json_integer((json_int_t)b->nmodels));
		json_object_set_new(doc, "events_added",
		    json_integer((json_int_t)b->nevents));
		json_object_set_new(doc, "aliases_added",
		    json_integer((json_int_t)b->naliases));
		json_object_set_new(doc, "objects_restored",
		    json_integer((json_int_t)b->nrestored));
		json_object_set_new(doc, "notes", strings(&b->notes));
	} else {
		json_object_set_new(doc, "models",
		    json_integer((json_int_t)b->nmodels));
	}
	return dump(doc, mark, out, e);
}

int
nlp_registry_resolved_json(const struct nlp_resolved *res, const char *alias,
    char **out, struct nlp_err *e)
{
	unsigned long mark = nlp_json_watch();
	json_t *doc = json_object();
	char ref[NLP_NAME_MAX + 32];

	snprintf(ref, sizeof ref, "%s@%ld", res->name, res->version);
	json_object_set_new(doc, "ref", text(ref));
	json_object_set_new(doc, "name", text(res->name));
	json_object_set_new(doc, "version", json_integer(res->version));
	json_object_set_new(doc, "alias", text(alias != NULL && alias[0] ?
	    alias : NULL));
	json_object_set_new(doc, "sha256", text(res->sha256));
	json_object_set_new(doc, "size", json_integer(res->size));
	return dump(doc, mark, out, e);
}

int
nlp_registry_diff_json(const struct nlp_registry_diff *d, char **out,
    struct nlp_err *e)
{
	unsigned long mark = nlp_json_watch();
	json_t *doc = json_object(), *a = json_array();
	size_t i;

	for (i = 0; i < d->n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "section", text(d->v[i].section));
		json_object_set_new(o, "key", text(d->v[i].key));
		json_object_set_new(o, "a", value(&d->v[i].a));
		json_object_set_new(o, "b", value(&d->v[i].b));
		json_array_append_new(a, o);
	}
	json_object_set_new(doc, "a", text(d->a));
	json_object_set_new(doc, "b", text(d->b));
	json_object_set_new(doc, "differences", a);
	return dump(doc, mark, out, e);
}
