/*
 * registry_diff.c - what differs between two versions (registry.h,
 * nlp_registry_diff()): their training data, hyperparameters, labels,
 * held-out metrics and latest recorded evaluations, read through
 * nlp_registry_show() and compared key by key.
 */
#include "registry.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelref.h"

#define NSECTIONS 6

/* The sections, in the order they are compared and listed. */
static const char *const sections[NSECTIONS] = {
	"training_data", "hyperparameters", "labels", "metrics",
	"latest_evaluation", "description_and_tags",
};

/* One side of a section: its keys and values (borrowed from a shown
 * version, or from the caller's scratch values). */
struct side {
	const char **keys;
	const struct nlp_registry_value *vals;
	size_t n;
};

static void
value_free(struct nlp_registry_value *v)
{
	free(v->s);
	memset(v, 0, sizeof *v);
}

/* A copy of v into *out: NLP_OK or NLP_IO. */
static int
value_copy(const struct nlp_registry_value *v, struct nlp_registry_value *out,
    struct nlp_err *e)
{
	*out = *v;
	out->s = NULL;
	if (v->s != NULL && (out->s = strdup(v->s)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	return NLP_OK;
}

/* Are two values the same (an integer and a real of the same value are)? */
static int
same(const struct nlp_registry_value *a, const struct nlp_registry_value *b)
{
	double x, y;

	if ((a->type == NLP_RV_INT || a->type == NLP_RV_REAL) &&
	    (b->type == NLP_RV_INT || b->type == NLP_RV_REAL)) {
		x = a->type == NLP_RV_INT ? (double)a->i : a->d;
		y = b->type == NLP_RV_INT ? (double)b->i : b->d;
		return x == y;
	}
	if (a->type != b->type)
		return 0;
	if (a->type == NLP_RV_NULL)
		return 1;
	return strcmp(a->s ? a->s : "", b->s ? b->s : "") == 0;
}

void
nlp_registry_diff_release(struct nlp_registry_diff *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].key);
		value_free(&d->v[i].a);
		value_free(&d->v[i].b);
	}
	free(d->v);
	memset(d, 0, sizeof *d);
}

/* Append a difference: NLP_OK or NLP_IO. */
static int
add(struct nlp_registry_diff *d, size_t *cap, const char *section,
    const char *key, const struct nlp_registry_value *a,
    const struct nlp_registry_value *b, struct nlp_err *e)
{
	static const struct nlp_registry_value none = { NLP_RV_NULL, 0, 0, NULL };
	struct nlp_registry_difference *x;
	int rc;

	if (d->n == *cap) {
		size_t c = *cap ? 2 * *cap : 16;
		if ((x = realloc(d->v, c * sizeof *x)) == NULL)
			return nlp_errf(e, NLP_IO, "out of memory");
		d->v = x;
		*cap = c;
	}
	x = &d->v[d->n];
	memset(x, 0, sizeof *x);
	x->section = section;
	d->n++;
	if ((x->key = strdup(key)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	if ((rc = value_copy(a ? a : &none, &x->a, e)) != NLP_OK)
		return rc;
	return value_copy(b ? b : &none, &x->b, e);
}

/* The value of key on side s, or NULL. */
static const struct nlp_registry_value *
lookup(const struct side *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->keys[i], key) == 0)
			return &s->vals[i];
	return NULL;
}

/* The differences of one section: a's keys in a's order, then b's own. */
static int
compare(struct nlp_registry_diff *d, size_t *cap, const char *section,
    const struct side *a, const struct side *b, struct nlp_err *e)
{
	const struct nlp_registry_value *x, *y;
	size_t i;
	int rc;

	for (i = 0; i < a->n; i++) {
		y = lookup(b, a->keys[i]);
		if (lookup(a, a->keys[i]) != &a->vals[i])
			continue;           /* a repeated key: the first counts */
		/* a null and no value at all are the same: none ("seen":
		   null, an evaluation's share unknown) */
		if ((y == NULL ? a->vals[i].type != NLP_RV_NULL :
		    !same(&a->vals[i], y)) &&
		    (rc = add(d, cap, section, a->keys[i], &a->vals[i], y, e)) !=
		    NLP_OK)
			return rc;
	}
	for (i = 0; i < b->n; i++) {
		x = lookup(a, b->keys[i]);
		if (x == NULL && lookup(b, b->keys[i]) == &b->vals[i] &&
		    b->vals[i].type != NLP_RV_NULL &&
		    (rc = add(d, cap, section, b->keys[i], NULL, &b->vals[i], e)) !=
		    NLP_OK)
			return rc;
	}
	return NLP_OK;
}

/* The scratch of one version's sides: keys and values for each section. */
struct sides {
	struct side s[NSECTIONS];
	const char **keys;          /* one array for all */
	struct nlp_registry_value *vals;
	char **names;               /* keys made here: training files',
	                               metrics' members' */
	size_t nnames;
	json_t **parsed;            /* each metric that is an object of
	                               numbers, parsed once; else NULL */
	size_t nparsed;
};

static void
sides_free(struct sides *x)
{
	size_t i;

	for (i = 0; i < x->nnames; i++)
		free(x->names[i]);
	for (i = 0; i < x->nparsed; i++)
		json_decref(x->parsed[i]);
	free(x->parsed);
	free(x->names);
	free(x->keys);
	free(x->vals);
}

/* A metric that is an object of numbers (per_class_f1: {"ham": 0.98,
 * ...}), parsed; NULL for any other. */
static json_t *
number_object(const struct nlp_registry_field *f)
{
	json_t *o, *v;
	const char *k;

	if (f->value.type != NLP_RV_JSON || f->value.s == NULL ||
	    (o = json_loads(f->value.s, 0, NULL)) == NULL)
		return NULL;
	if (!json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	json_object_foreach(o, k, v)
		if (!json_is_number(v)) {
			json_decref(o);
			return NULL;
		}
	return o;
}

/* Each metric of m parsed when it is an object of numbers, into p[i]
 * (else NULL); returns the rows they make: one a member of such an
 * object, one for each other metric. */
static size_t
metric_parse(const struct nlp_registry_object *m, json_t **p)
{
	size_t i, n = 0;

	for (i = 0; i < m->nfields; i++)
		n += (p[i] = number_object(&m->fields[i])) != NULL ?
		    json_object_size(p[i]) : 1;
	return n;
}

/*
 * The metrics m (p: as metric_parse() made them) as rows from x->keys[*k]
 * on (*k moved past them): an object of numbers is a row a member,
 * "f1:ham" for per_class_f1's ham
 * (as --require names it), KEY:MEMBER for another -- one row that
 * changed, at 4 decimals, rather than the object's JSON, cut short.
 * Returns the number of rows, or -1 (out of memory).
 */
static long
metric_sides(const struct nlp_registry_object *m, json_t *const *p,
    struct sides *x, size_t *k)
{
	size_t i, start = *k;
	const char *mk;
	json_t *v;

	for (i = 0; i < m->nfields; i++) {
		if (p[i] == NULL) {
			x->keys[*k] = m->fields[i].key;
			x->vals[(*k)++] = m->fields[i].value;
			continue;
		}
		json_object_foreach(p[i], mk, v) {
			const char *key = m->fields[i].key;
			int per_class = strcmp(key, "per_class_f1") == 0;
			size_t len = strlen(key) + strlen(mk) + 2;
			char *name = malloc(len);

			if (name == NULL)
				return -1;
			snprintf(name, len, "%s:%s", per_class ? "f1" : key, mk);
			x->names[x->nnames++] = name;
			x->keys[*k] = name;
			x->vals[*k].type = NLP_RV_REAL;
			x->vals[(*k)++].d = json_number_value(v);
		}
	}
	return (long)(*k - start);
}

/*
 * The key of training file i: its name, or "name (2)" for the second file
 * of that name (train records base names: 2024/train.tsv and
 * 2025/train.tsv are both train.tsv), so that every file is compared.
 */
static const char *
input_key(const struct nlp_registry_shown *v, size_t i, struct sides *x)
{
	const char *name = v->training_data[i].name;
	size_t j, nth = 1;
	int n;

	for (j = 0; j < i; j++)
		nth += strcmp(v->training_data[j].name, name) == 0;
	if (nth == 1)
		return name;
	n = snprintf(NULL, 0, "%s (%zu)", name, nth);
	if ((x->names[x->nnames] = malloc((size_t)n + 1)) == NULL)
		return NULL;
	snprintf(x->names[x->nnames], (size_t)n + 1, "%s (%zu)", name, nth);
	return x->names[x->nnames++];
}

/* The sections of shown version v as sides (values borrowed from v,
 * except label counts and the evaluation's data, which are made here
 * and hold no strings of their own but borrowed ones). */
static int
sides_of(const struct nlp_registry_shown *v, struct sides *x,
    struct nlp_err *e)
{
	const struct nlp_registry_evaluation *ev = v->nevaluations > 0 ?
	    &v->evaluations[0] : NULL;
	size_t vn = v->v.metrics.nfields, en = ev ? ev->metrics.nfields : 0;
	size_t vrows, erows = 0, total, k = 0, i;
	long n;

	memset(x, 0, sizeof *x);
	if ((x->parsed = calloc(vn + en + 1, sizeof *x->parsed)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	x->nparsed = vn + en;
	vrows = metric_parse(&v->v.metrics, x->parsed);
	if (ev != NULL)
		erows = metric_parse(&ev->metrics, x->parsed + vn);
	total = v->ntraining_data + v->hyperparameters.nfields +
	    v->nlabel_counts + vrows + (ev ? erows + 1 : 0) + 1 + v->v.ntags;
	/* total + 1: never a NULL base, even with no fields at all */
	if ((x->keys = calloc(total + 1, sizeof *x->keys)) == NULL ||
	    (x->vals = calloc(total + 1, sizeof *x->vals)) == NULL ||
	    (x->names = calloc(v->ntraining_data + vrows + erows + 1,
	    sizeof *x->names)) == NULL) {
		sides_free(x);
		return nlp_errf(e, NLP_IO, "out of memory");
	}
#define SIDE(j) (x->s[j].keys = x->keys + k, x->s[j].vals = x->vals + k)
	SIDE(0);
	for (i = 0; i < v->ntraining_data; i++, k++) {
		if ((x->keys[k] = input_key(v, i, x)) == NULL) {
			sides_free(x);
			return nlp_errf(e, NLP_IO, "out of memory");
		}
		x->vals[k].type = NLP_RV_TEXT;
		x->vals[k].s = v->training_data[i].sha256;
	}
	x->s[0].n = v->ntraining_data;
	SIDE(1);
	for (i = 0; i < v->hyperparameters.nfields; i++, k++) {
		x->keys[k] = v->hyperparameters.fields[i].key;
		x->vals[k] = v->hyperparameters.fields[i].value;
	}
	x->s[1].n = v->hyperparameters.nfields;
	SIDE(2);
	for (i = 0; i < v->nlabel_counts; i++) {
		if (v->label_counts[i].label == NULL)
			continue;
		x->keys[k] = v->label_counts[i].label;
		x->vals[k].type = NLP_RV_INT;
		x->vals[k++].i = v->label_counts[i].count;
		x->s[2].n++;
	}
	SIDE(3);
	if ((n = metric_sides(&v->v.metrics, x->parsed, x, &k)) < 0) {
		sides_free(x);
		return nlp_errf(e, NLP_IO, "out of memory");
	}
	x->s[3].n = (size_t)n;
	SIDE(4);
	if (ev != NULL) {
		x->keys[k] = "data";
		x->vals[k].type = ev->data_sha256 ? NLP_RV_TEXT : NLP_RV_NULL;
		x->vals[k++].s = ev->data_sha256;
		if ((n = metric_sides(&ev->metrics, x->parsed + vn, x, &k)) <
		    0) {
			sides_free(x);
			return nlp_errf(e, NLP_IO, "out of memory");
		}
		x->s[4].n = (size_t)n + 1;
	}
	/* what the pusher said of it: its description (a key no tag can
	   have), then its tags by key */
	SIDE(5);
	x->keys[k] = "(description)";
	x->vals[k].type = v->v.description ? NLP_RV_TEXT : NLP_RV_NULL;
	x->vals[k++].s = v->v.description;
	for (i = 0; i < v->v.ntags; i++, k++) {
		x->keys[k] = v->v.tags[i].key;
		x->vals[k].type = NLP_RV_TEXT;
		x->vals[k].s = v->v.tags[i].value;
	}
	x->s[5].n = 1 + v->v.ntags;
#undef SIDE
	return NLP_OK;
}

int
nlp_registry_diff(struct nlp_registry *r, const struct nlp_ref *a,
    const struct nlp_ref *b, struct nlp_registry_diff *out, struct nlp_err *e)
{
	struct nlp_registry_shown va, vb;
	struct sides sa, sb;
	size_t cap = 0, j, before;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = nlp_registry_show(r, a, &va, e)) != NLP_OK)
		return rc;
	if ((rc = nlp_registry_show(r, b, &vb, e)) != NLP_OK) {
		nlp_registry_shown_release(&va);
		return rc;
	}
	snprintf(out->a, sizeof out->a, "%s@%ld", va.name, va.v.version);
	snprintf(out->b, sizeof out->b, "%s@%ld", vb.name, vb.v.version);
	if ((rc = sides_of(&va, &sa, e)) == NLP_OK) {
		if ((rc = sides_of(&vb, &sb, e)) == NLP_OK) {
			for (j = 0; rc == NLP_OK && j < NSECTIONS; j++) {
				before = out->n;
				rc = compare(out, &cap, sections[j], &sa.s[j], &sb.s[j], e);
				if (out->n > before)
					out->differs |= 1u << j;
			}
			sides_free(&sb);
		}
		sides_free(&sa);
	}
	nlp_registry_shown_release(&va);
	nlp_registry_shown_release(&vb);
	if (rc != NLP_OK)
		nlp_registry_diff_release(out);
	return rc;
}

const char *
nlp_registry_diff_section(unsigned i)
{
	return i < NSECTIONS ? sections[i] : NULL;
}
