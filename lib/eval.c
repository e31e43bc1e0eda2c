/*
 * eval.c - metrics, calibration, bootstrap and gates (see eval.h).
 */
#include "eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "learn.h"
#include "pool.h"
#include "seen.h"
#include "strmap.h"

#define EPS 2.220446049250313e-16   /* float64 epsilon, scikit-learn's */

void
nlp_labeled_release(struct nlp_labeled *d)
{
	size_t i;

	free(d->text);
	free(d->off);
	free(d->gold);
	for (i = 0; d->names != NULL && i < d->nnames; i++)
		free(d->names[i]);
	free(d->names);
	free(d->inputs);
	memset(d, 0, sizeof *d);
}

int
nlp_labeled_read(struct nlp_labeled *d, const char *const *paths, size_t n,
    const struct nlp_reader_opts *ro, struct nlp_err *e)
{
	struct nlp_reader_opts o = *ro;
	struct nlp_reader *r = NULL;
	struct nlp_record rec;
	struct nlp_strmap names;
	const struct nlp_reader_stats *st;
	size_t len = 0, cap = 0, ncap = 0, i;
	uint32_t *gi = NULL;
	int rc;

	memset(d, 0, sizeof *d);
	memset(&names, 0, sizeof names);
	/* as in training: a label that cannot be a class is an error */
	o.bad_label_error = 1;
	if ((rc = nlp_reader_open(&r, paths, n, &o, e)) != NLP_OK)
		return rc;
	while ((rc = nlp_reader_next(r, &rec, e)) > 0) {
		struct nlp_strmap_entry *en;
		const char *lab = rec.labels[0];

		if (len + rec.text_len + 1 > cap) {
			char *p;
			cap = cap ? cap : 1 << 20;
			while (len + rec.text_len + 1 > cap)
				cap *= 2;
			if ((p = realloc(d->text, cap)) == NULL)
				goto oom;
			d->text = p;
		}
		if (d->n + 2 > ncap) {
			void *p;
			ncap = ncap ? ncap * 2 : 4096;
			if ((p = realloc(d->off, ncap * sizeof *d->off)) == NULL)
				goto oom;
			d->off = p;
			if ((p = realloc(gi, ncap * sizeof *gi)) == NULL)
				goto oom;
			gi = p;
		}
		if ((en = nlp_strmap_add(&names, lab, strlen(lab))) == NULL)
			goto oom;
		d->off[d->n] = len;
		memcpy(d->text + len, rec.text, rec.text_len);
		len += rec.text_len;
		d->text[len++] = '\0';
		gi[d->n++] = (uint32_t)(en - names.ent);
	}
	if (rc < 0) {
		rc = -rc;
		goto fail;
	}
	if (d->off != NULL)
		d->off[d->n] = len;
	st = nlp_reader_stats(r);
	nlp_reader_describe(st, d->oddities, sizeof d->oddities);
	d->multilabel = st->skipped_multilabel;
	d->skipped = st->skipped_nolabel + st->skipped_multilabel +
	    st->skipped_malformed;
	{
		const struct nlp_input *in = nlp_reader_inputs(r, &d->ninputs);
		if ((d->inputs = calloc(d->ninputs + 1, sizeof *d->inputs)) == NULL)
			goto oom;
		memcpy(d->inputs, in, d->ninputs * sizeof *in);
	}
	/* the names move out of the map; gold points at them */
	if ((d->names = calloc(names.n + 1, sizeof *d->names)) == NULL ||
	    (d->gold = calloc(d->n + 1, sizeof *d->gold)) == NULL)
		goto oom;
	d->nnames = names.n;
	for (i = 0; i < names.n; i++) {
		d->names[i] = names.ent[i].key;
		names.ent[i].key = NULL;
		names.ent[i].len = 0;
	}
	for (i = 0; i < d->n; i++)
		d->gold[i] = d->names[gi[i]];
	free(gi);
	nlp_strmap_release(&names);
	nlp_reader_free(r);
	return NLP_OK;
oom:
	rc = nlp_errf(e, NLP_IO, "out of memory reading the data");
fail:
	free(gi);
	nlp_strmap_release(&names);
	nlp_reader_free(r);
	nlp_labeled_release(d);
	return rc;
}

int
nlp_labeled_decisive(const struct nlp_labeled *d, char *why, size_t size)
{
	uint64_t total = d->n + d->skipped;

	if (size > 0)
		why[0] = '\0';
	if (d->skipped * 100 <= total * NLP_MAX_SKIPPED_PERCENT)
		return 1;
	snprintf(why, size, "%llu of %llu records (%.1f%%) were skipped, more "
	    "than the %d%% gates allow", (unsigned long long)d->skipped,
	    (unsigned long long)total, 100.0 * (double)d->skipped /
	    (double)total, NLP_MAX_SKIPPED_PERCENT);
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The index of label in the sorted labels, or -1. */
static int64_t
find_label(char **labels, uint32_t n, const char *label)
{
	char **p = bsearch(&label, labels, n, sizeof *labels, cmp_str);

	return p ? p - labels : -1;
}

int
nlp_eval_init(struct nlp_eval *ev, const char *const *classes, uint32_t C,
    char *const *gold, size_t n)
{
	int32_t *label_class = NULL;
	size_t i, nl = 0, k;
	uint32_t c;

	memset(ev, 0, sizeof *ev);
	/* labels: the model's classes and the gold labels it lacks, sorted */
	ev->labels = calloc(C + n + 1, sizeof *ev->labels);
	ev->class_label = calloc(C + 1, sizeof *ev->class_label);
	ev->gold_class = calloc(n + 1, sizeof *ev->gold_class);
	ev->gold = calloc(n + 1, sizeof *ev->gold);
	ev->pred = calloc(n + 1, sizeof *ev->pred);
	ev->conf = calloc(n + 1, sizeof *ev->conf);
	ev->loss = calloc(n + 1, sizeof *ev->loss);
	ev->fp = calloc(n + 1, sizeof *ev->fp);
	if (!ev->fp || !ev->labels || !ev->class_label || !ev->gold_class || !ev->gold ||
	    !ev->pred || !ev->conf || !ev->loss)
		goto fail;
	/*
	 * All of them sorted and made distinct: n log n, however many
	 * distinct gold labels there are (inserting each unknown one into a
	 * sorted list was quadratic in their number).
	 */
	for (c = 0; c < C; c++)
		ev->labels[nl++] = (char *)classes[c];
	for (i = 0; i < n; i++)
		ev->labels[nl++] = gold[i];
	qsort(ev->labels, nl, sizeof *ev->labels, cmp_str);
	for (i = k = 0; i < nl; i++)
		if (k == 0 || strcmp(ev->labels[k - 1], ev->labels[i]) != 0)
			ev->labels[k++] = ev->labels[i];
	nl = k;
	if ((label_class = malloc((nl + 1) * sizeof *label_class)) == NULL)
		goto fail;
	for (i = 0; i < nl; i++)
		label_class[i] = -1;
	ev->nlabels = (uint32_t)nl;
	ev->nclasses = C;
	for (c = 0; c < C; c++) {
		ev->class_label[c] = (uint32_t)find_label(ev->labels, ev->nlabels,
		    classes[c]);
		label_class[ev->class_label[c]] = (int32_t)c;
	}
	ev->n = n;
	for (i = 0; i < n; i++) {
		ev->gold[i] = (uint32_t)find_label(ev->labels, ev->nlabels, gold[i]);
		ev->gold_class[i] = label_class[ev->gold[i]];
		if (ev->gold_class[i] < 0)
			ev->unknown++;
	}
	free(label_class);
	return 0;
fail:
	nlp_eval_release(ev);
	return -1;
}

void
nlp_eval_row(struct nlp_eval *ev, size_t i, const float *p)
{
	uint32_t best, c;
	double sum = 0, pg;
	int32_t g = ev->gold_class[i];
	int finite = 1;

	nlp_top_k(p, ev->nclasses, 1, &best);
	ev->pred[i] = ev->class_label[best];
	ev->conf[i] = p[best];
	/* scikit-learn's log_loss: clip, renormalize; an unknown label has
	   probability 0, clipped to eps */
	for (c = 0; c < ev->nclasses; c++) {
		finite &= isfinite(p[c]) != 0;
		sum += fmin(fmax((double)p[c], EPS), 1 - EPS);
	}
	/* fmax() would clip a NaN to eps and hide it: mark the row instead */
	if (!finite)
		ev->conf[i] = NAN;
	if (g >= 0) {
		pg = fmin(fmax((double)p[g], EPS), 1 - EPS);
	} else {
		pg = EPS;
		sum += EPS;
	}
	ev->loss[i] = -log(pg / sum);
}

struct eval_job {
	const struct nlp_model *m;
	const struct nlp_labeled *d;
	struct nlp_eval *ev;
	size_t chunk;
	int failed;
};

/* Score examples [k * chunk, (k + 1) * chunk). */
static void
eval_task(void *arg, size_t k)
{
	struct eval_job *j = arg;
	struct nlp_scorer s;
	float *p = malloc(j->m->nclasses * sizeof *p);
	size_t i, end = (k + 1) * j->chunk;

	memset(&s, 0, sizeof s);
	if (end > j->d->n)
		end = j->d->n;
	for (i = k * j->chunk; p != NULL && i < end; i++) {
		const char *t = j->d->text + j->d->off[i];
		size_t len = j->d->off[i + 1] - j->d->off[i] - 1;

		if (nlp_model_predict(j->m, &s, t, len, p) < 0) {
			j->failed = 1;
			break;
		}
		nlp_eval_row(j->ev, i, p);
		j->ev->fp[i] = nlp_tokens_fingerprint(&s.f.tok);
	}
	if (p == NULL)
		j->failed = 1;
	free(p);
	nlp_scorer_release(&s);
}

int
nlp_eval_run(struct nlp_eval *ev, const struct nlp_model *m,
    const struct nlp_labeled *d, unsigned threads, struct nlp_err *e)
{
	struct eval_job j;
	struct nlp_pool *pool;
	struct timespec t0, t1;
	size_t i;

	if (nlp_eval_init(ev, m->labels, m->nclasses, d->gold, d->n) < 0)
		return nlp_errf(e, NLP_IO, "out of memory");
	memset(&j, 0, sizeof j);
	j.m = m, j.d = d, j.ev = ev;
	j.chunk = 256;
	if ((pool = nlp_pool_new(threads)) == NULL) {
		nlp_eval_release(ev);
		return nlp_errf(e, NLP_IO, "out of memory");
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	nlp_pool_run(pool, (d->n + j.chunk - 1) / j.chunk, eval_task, &j);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ev->seconds = (double)(t1.tv_sec - t0.tv_sec) +
	    (t1.tv_nsec - t0.tv_nsec) / 1e9;
	nlp_pool_free(pool);
	if (j.failed) {
		nlp_eval_release(ev);
		return nlp_errf(e, NLP_IO, "out of memory scoring the data");
	}
	/*
	 * A NaN or infinite probability comes from damaged weights; every
	 * figure would be meaningless (and a NaN compares false with any
	 * bound): no report at all.
	 */
	for (i = 0; i < ev->n; i++)
		if (!isfinite(ev->conf[i])) {
			nlp_eval_release(ev);
			return nlp_errf(e, NLP_DATA, "the model gives example %zu a "
			    "probability that is not a number: its weights are "
			    "damaged", i + 1);
		}
	return NLP_OK;
}

uint64_t
nlp_eval_seen(const struct nlp_eval *ev, const struct nlp_seen *s)
{
	uint64_t k = 0;
	size_t i;

	for (i = 0; i < ev->n; i++)
		k += nlp_seen_has(s, ev->fp[i]);
	return k;
}

void
nlp_eval_release(struct nlp_eval *ev)
{
	free(ev->labels);
	free(ev->class_label);
	free(ev->gold_class);
	free(ev->fp);
	free(ev->gold);
	free(ev->pred);
	free(ev->conf);
	free(ev->loss);
	memset(ev, 0, sizeof *ev);
}

/* Per-label counts over a sample: tp, predicted, support. */
struct counts {
	uint64_t *tp, *pred, *gold;
	uint64_t n, correct;
};

static int
counts_init(struct counts *k, uint32_t L)
{
	memset(k, 0, sizeof *k);
	k->tp = calloc(L + 1, sizeof *k->tp);
	k->pred = calloc(L + 1, sizeof *k->pred);
	k->gold = calloc(L + 1, sizeof *k->gold);
	return k->tp && k->pred && k->gold ? 0 : -1;
}

static void
counts_release(struct counts *k)
{
	free(k->tp);
	free(k->pred);
	free(k->gold);
}

/* Count examples idx[0..n) (all when idx is NULL). */
static void
count(const struct nlp_eval *ev, const uint32_t *idx, size_t n,
    struct counts *k)
{
	size_t i;

	memset(k->tp, 0, ev->nlabels * sizeof *k->tp);
	memset(k->pred, 0, ev->nlabels * sizeof *k->pred);
	memset(k->gold, 0, ev->nlabels * sizeof *k->gold);
	k->n = k->correct = 0;
	if (idx == NULL)
		n = ev->n;
	for (i = 0; i < n; i++) {
		size_t x = idx ? idx[i] : i;
		uint32_t g = ev->gold[x], p = ev->pred[x];
		k->gold[g]++;
		k->pred[p]++;
		if (g == p) {
			k->tp[g]++;
			k->correct++;
		}
		k->n++;
	}
}

/* Precision, recall, F1 of label l (0 on zero division). */
static void
prf(const struct counts *k, uint32_t l, double *p, double *r, double *f)
{
	*p = k->pred[l] ? (double)k->tp[l] / (double)k->pred[l] : 0;
	*r = k->gold[l] ? (double)k->tp[l] / (double)k->gold[l] : 0;
	*f = *p + *r > 0 ? 2 * *p * *r / (*p + *r) : 0;
}

static double
macro_f1(const struct nlp_eval *ev, const struct counts *k)
{
	double sum = 0, p, r, f;
	uint32_t l, used = 0;

	for (l = 0; l < ev->nlabels; l++) {
		if (k->gold[l] == 0 && k->pred[l] == 0)
			continue;
		prf(k, l, &p, &r, &f);
		sum += f;
		used++;
	}
	return used ? sum / used : 0;
}

void
nlp_eval_summary(const struct nlp_eval *ev, const uint32_t *idx, size_t n,
    double *accuracy, double *mf1)
{
	struct counts k;

	*accuracy = *mf1 = 0;
	if (counts_init(&k, ev->nlabels) < 0)
		return;
	count(ev, idx, n, &k);
	*accuracy = k.n ? (double)k.correct / (double)k.n : 0;
	*mf1 = macro_f1(ev, &k);
	counts_release(&k);
}

/* {precision, recall, f1, support} */
static json_t *
prf_json(double p, double r, double f, uint64_t support)
{
	json_t *o = json_object();

	json_object_set_new(o, "precision", json_real(p));
	json_object_set_new(o, "recall", json_real(r));
	json_object_set_new(o, "f1", json_real(f));
	json_object_set_new(o, "support", json_integer((json_int_t)support));
	return o;
}

/* Order label numbers by examples (gold + predicted), most first. */
static int
cmp_busiest(const void *a, const void *b, void *arg)
{
	const struct counts *k = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	uint64_t nx = k->gold[x] + k->pred[x], ny = k->gold[y] + k->pred[y];

	if (nx != ny)
		return nx > ny ? -1 : 1;
	return (x > y) - (x < y);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/*
 * The confusion member: {labels, matrix, labels_total, examples_outside}
 * over the used labels, or when there are more than
 * NLP_CONFUSION_MAX_LABELS of them, over the busiest ones.  Memory is
 * that of what is reported: a dense matrix over every label scored is
 * quadratic in their number (20000 distinct gold labels took 24 GB).
 */
static json_t *
confusion_json(const struct nlp_eval *ev, const struct counts *k,
    const uint32_t *used, uint32_t nused)
{
	uint32_t K = nused < NLP_CONFUSION_MAX_LABELS ? nused :
	    NLP_CONFUSION_MAX_LABELS, g, l;
	uint32_t *pick = malloc((nused + 1) * sizeof *pick);
	int32_t *pos = malloc(((size_t)ev->nlabels + 1) * sizeof *pos);
	uint64_t *cm = calloc((size_t)K * K + 1, sizeof *cm), outside = 0;
	json_t *c = NULL, *labels, *matrix, *row;
	size_t i;

	if (pick == NULL || pos == NULL || cm == NULL)
		goto out;
	memcpy(pick, used, nused * sizeof *pick);
	if (K < nused) {
		qsort_r(pick, nused, sizeof *pick, cmp_busiest, (void *)k);
		qsort(pick, K, sizeof *pick, cmp_u32);
	}
	for (l = 0; l < ev->nlabels; l++)
		pos[l] = -1;
	for (l = 0; l < K; l++)
		pos[pick[l]] = (int32_t)l;
	for (i = 0; i < ev->n; i++) {
		int32_t pg = pos[ev->gold[i]], pp = pos[ev->pred[i]];
		if (pg < 0 || pp < 0)
			outside++;
		else
			cm[(size_t)pg * K + (size_t)pp]++;
	}
	c = json_object();
	labels = json_array();
	matrix = json_array();
	for (g = 0; g < K; g++) {
		json_array_append_new(labels, json_string(ev->labels[pick[g]]));
		row = json_array();
		for (l = 0; l < K; l++)
			json_array_append_new(row, json_integer((json_int_t)
			    cm[(size_t)g * K + l]));
		json_array_append_new(matrix, row);
	}
	json_object_set_new(c, "labels", labels);
	json_object_set_new(c, "matrix", matrix);
	json_object_set_new(c, "labels_total", json_integer(nused));
	json_object_set_new(c, "examples_outside", json_integer((json_int_t)
	    outside));
out:
	free(pick);
	free(pos);
	free(cm);
	return c;
}

/* A JSON number, or null for a NaN or infinity (which JSON lacks). */
static json_t *
json_num(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

json_t *
nlp_eval_report(const struct nlp_eval *ev)
{
	struct counts k;
	json_t *root, *per, *zd, *unk, *conf;
	double sp = 0, sr = 0, sf = 0, wp = 0, wr = 0, wf = 0, p, r, f, loss = 0;
	double acc, ece = 0, bconf[NLP_ECE_BINS] = { 0 };
	uint64_t bn[NLP_ECE_BINS] = { 0 }, bok[NLP_ECE_BINS] = { 0 };
	uint32_t l, used = 0, *usedl;
	size_t i;

	if (counts_init(&k, ev->nlabels) < 0)
		return NULL;
	if ((usedl = malloc(((size_t)ev->nlabels + 1) * sizeof *usedl)) == NULL) {
		counts_release(&k);
		return NULL;
	}
	count(ev, NULL, 0, &k);
	acc = k.n ? (double)k.correct / (double)k.n : 0;
	root = json_object();
	per = json_object();
	zd = json_array();
	for (l = 0; l < ev->nlabels; l++) {
		if (k.gold[l] == 0 && k.pred[l] == 0)
			continue;
		prf(&k, l, &p, &r, &f);
		if (k.pred[l] == 0)
			json_array_append_new(zd, json_sprintf("precision of '%s' "
			    "(never predicted)", ev->labels[l]));
		if (k.gold[l] == 0)
			json_array_append_new(zd, json_sprintf("recall of '%s' (not "
			    "in the gold labels)", ev->labels[l]));
		json_object_set_new(per, ev->labels[l], prf_json(p, r, f, k.gold[l]));
		sp += p, sr += r, sf += f;
		wp += p * (double)k.gold[l];
		wr += r * (double)k.gold[l];
		wf += f * (double)k.gold[l];
		usedl[used++] = l;
	}
	for (i = 0; i < ev->n; i++) {
		double c = ev->conf[i];
		/* a NaN (a row nlp_eval_run refuses) must not index a bin */
		int b = c > 0 ? (int)ceil(fmin(c, 1) * NLP_ECE_BINS) - 1 : 0;
		if (b < 0)
			b = 0;
		if (b >= NLP_ECE_BINS)
			b = NLP_ECE_BINS - 1;
		bn[b]++;
		bconf[b] += c;
		bok[b] += ev->gold[i] == ev->pred[i];
		loss += ev->loss[i];
	}
	for (i = 0; i < NLP_ECE_BINS; i++)
		if (bn[i] > 0)
			ece += (double)bn[i] / (double)ev->n *
			    fabs((double)bok[i] / (double)bn[i] - bconf[i] / (double)bn[i]);
	json_object_set_new(root, "schema", json_integer(NLP_EVAL_SCHEMA));
	json_object_set_new(root, "n", json_integer((json_int_t)ev->n));
	json_object_set_new(root, "accuracy", json_real(acc));
	json_object_set_new(root, "macro_avg", prf_json(used ? sp / used : 0,
	    used ? sr / used : 0, used ? sf / used : 0, k.n));
	json_object_set_new(root, "micro_avg", prf_json(acc, acc, acc, k.n));
	json_object_set_new(root, "weighted_avg", prf_json(k.n ? wp / k.n : 0,
	    k.n ? wr / k.n : 0, k.n ? wf / k.n : 0, k.n));
	json_object_set_new(root, "per_class", per);
	conf = confusion_json(ev, &k, usedl, used);
	json_object_set_new(root, "log_loss", json_num(ev->n ? loss / ev->n : 0));
	json_object_set_new(root, "ece", json_num(ece));
	unk = json_object();
	json_object_set_new(unk, "examples", json_integer((json_int_t)ev->unknown));
	json_object_set_new(root, "unknown_labels", unk);
	json_object_set_new(root, "zero_division", zd);
	free(usedl);
	counts_release(&k);
	if (conf == NULL) {
		json_decref(root);
		return NULL;
	}
	json_object_set_new(root, "confusion", conf);
	return root;
}

/* The q-quantile of sorted v[0..n) (linear interpolation, numpy's). */
static double
quantile(const double *v, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t lo = (size_t)floor(pos);
	double frac = pos - (double)lo;

	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (v[lo + 1] - v[lo]) * frac;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* [lo, hi] of a 95 % percentile interval. */
static json_t *
interval(double *v, size_t n)
{
	json_t *a = json_array();

	qsort(v, n, sizeof *v, cmp_double);
	json_array_append_new(a, json_real(quantile(v, n, 0.025)));
	json_array_append_new(a, json_real(quantile(v, n, 0.975)));
	return a;
}

json_t *
nlp_eval_bootstrap(const struct nlp_eval *ev, const struct nlp_eval *base,
    unsigned R, uint64_t seed)
{
	double *acc = calloc(R + 1, sizeof *acc), *f1 = calloc(R + 1, sizeof *f1);
	double *dacc = calloc(R + 1, sizeof *dacc), *df1 = calloc(R + 1, sizeof *df1);
	uint32_t *idx = malloc((ev->n + 1) * sizeof *idx);
	uint64_t state = seed ^ 0xb0075ULL;
	json_t *o = NULL, *d;
	unsigned rep;
	size_t i;

	if (!acc || !f1 || !dacc || !df1 || !idx || ev->n == 0 || R == 0)
		goto out;
	for (rep = 0; rep < R; rep++) {
		for (i = 0; i < ev->n; i++)
			idx[i] = (uint32_t)(nlp_rand_next(&state) % ev->n);
		nlp_eval_summary(ev, idx, ev->n, &acc[rep], &f1[rep]);
		if (base != NULL) {
			double ba, bf;
			nlp_eval_summary(base, idx, base->n, &ba, &bf);
			dacc[rep] = acc[rep] - ba;
			df1[rep] = f1[rep] - bf;
		}
	}
	o = json_object();
	json_object_set_new(o, "replicates", json_integer(R));
	json_object_set_new(o, "seed", json_integer((json_int_t)seed));
	json_object_set_new(o, "accuracy", interval(acc, R));
	json_object_set_new(o, "macro_f1", interval(f1, R));
	if (base != NULL) {
		d = json_object();
		json_object_set_new(d, "accuracy", interval(dacc, R));
		json_object_set_new(d, "macro_f1", interval(df1, R));
		json_object_set_new(o, "difference", d);
	}
out:
	free(acc);
	free(f1);
	free(dacc);
	free(df1);
	free(idx);
	return o;
}

struct err_ref {
	size_t i;
	float conf;
};

static int
cmp_err(const void *a, const void *b)
{
	const struct err_ref *x = a, *y = b;

	if (x->conf != y->conf)
		return x->conf > y->conf ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

json_t *
nlp_eval_errors(const struct nlp_eval *ev, const struct nlp_labeled *d,
    size_t n)
{
	struct err_ref *e = malloc((ev->n + 1) * sizeof *e);
	json_t *a = json_array();
	size_t i, k = 0;

	if (e == NULL || a == NULL) {
		free(e);
		json_decref(a);
		return NULL;
	}
	for (i = 0; i < ev->n; i++)
		if (ev->gold[i] != ev->pred[i]) {
			e[k].i = i;
			e[k].conf = ev->conf[i];
			k++;
		}
	qsort(e, k, sizeof *e, cmp_err);
	for (i = 0; i < k && i < n; i++) {
		json_t *o = json_object();
		size_t x = e[i].i;
		json_object_set_new(o, "example", json_integer((json_int_t)x + 1));
		json_object_set_new(o, "gold", json_string(ev->labels[ev->gold[x]]));
		json_object_set_new(o, "predicted",
		    json_string(ev->labels[ev->pred[x]]));
		json_object_set_new(o, "p", json_real(e[i].conf));
		json_object_set_new(o, "text", json_string(d->text + d->off[x]));
		json_array_append_new(a, o);
	}
	free(e);
	return a;
}

/* A metric of a report, or of its bootstrap's lower bound. */
static int
metric(const json_t *rep, const char *name, const char *label, int lower,
    double *v)
{
	json_t *x;

	/* a metric that is not there fails every gate, never a stale value */
	*v = NAN;
	if (lower && label == NULL) {
		x = json_object_get(json_object_get(rep, "bootstrap"), name);
		if (json_is_array(x)) {
			*v = json_number_value(json_array_get(x, 0));
			return 0;
		}
	}
	if (label != NULL)
		x = json_object_get(json_object_get(json_object_get(rep,
		    "per_class"), label), "f1");
	else if (strcmp(name, "macro_f1") == 0)
		x = json_object_get(json_object_get(rep, "macro_avg"), "f1");
	else
		x = json_object_get(rep, name);
	if (!json_is_number(x))
		return -1;
	*v = json_number_value(x);
	return 0;
}

/* Append one gate's result. */
static void
gate_result(json_t *a, const char *gate, const char *metric_name, double value,
    double bound, int passed, size_t *failed)
{
	json_t *o = json_object();

	json_object_set_new(o, "gate", json_string(gate));
	json_object_set_new(o, "metric", json_string(metric_name));
	json_object_set_new(o, "value", json_num(value));
	json_object_set_new(o, "bound", json_real(bound));
	json_object_set_new(o, "passed", json_boolean(passed));
	json_array_append_new(a, o);
	if (!passed)
		(*failed)++;
}

json_t *
nlp_eval_gates(const json_t *rep, const json_t *base,
    const struct nlp_gate *gates, size_t ngates, int lower, size_t *failed)
{
	static const char *drop_metrics[] = { "accuracy", "macro_f1" };
	json_t *a = json_array();
	size_t i, j;
	double v, b;

	*failed = 0;
	for (i = 0; i < ngates; i++) {
		const struct nlp_gate *g = &gates[i];
		char name[256];

		switch (g->kind) {
		case NLP_GATE_MIN_ACCURACY:
			metric(rep, "accuracy", NULL, lower, &v);
			gate_result(a, "--min-accuracy", "accuracy", v, g->bound,
			    v >= g->bound, failed);
			break;
		case NLP_GATE_MIN_F1:
			metric(rep, "macro_f1", NULL, lower, &v);
			gate_result(a, "--min-f1", "macro_f1", v, g->bound,
			    v >= g->bound, failed);
			break;
		case NLP_GATE_MIN_CLASS_F1:
			snprintf(name, sizeof name, "f1 of '%s'", g->label);
			metric(rep, "f1", g->label, 0, &v);
			gate_result(a, "--min-class-f1", name, v, g->bound,
			    v >= g->bound, failed);
			break;
		case NLP_GATE_MAX_LOG_LOSS:
			metric(rep, "log_loss", NULL, 0, &v);
			gate_result(a, "--max-log-loss", "log_loss", v, g->bound,
			    v <= g->bound, failed);
			break;
		case NLP_GATE_MAX_ECE:
			metric(rep, "ece", NULL, 0, &v);
			gate_result(a, "--max-ece", "ece", v, g->bound, v <= g->bound,
			    failed);
			break;
		case NLP_GATE_MAX_DROP:
			for (j = 0; base != NULL && j < 2; j++) {
				json_t *d = json_object_get(json_object_get(json_object_get(
				    rep, "bootstrap"), "difference"), drop_metrics[j]);
				double diff;
				if (lower && json_is_array(d)) {
					diff = json_number_value(json_array_get(d, 0));
				} else {
					metric(rep, drop_metrics[j], NULL, 0, &v);
					metric(base, drop_metrics[j], NULL, 0, &b);
					diff = v - b;
				}
				snprintf(name, sizeof name, "%s drop from the baseline",
				    drop_metrics[j]);
				gate_result(a, "--max-drop", name, -diff, g->bound,
				    -diff <= g->bound, failed);
			}
			break;
		}
	}
	return a;
}
