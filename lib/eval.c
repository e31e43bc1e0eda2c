/*
 * eval.c - scoring labeled data, the figures, calibration, bootstrap and
 * gates, and the whole evaluation a command asks for (see eval.h).
 */
#include "eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics.h"
#include "modelref.h"
#include "pool.h"
#include "rng.h"
#include "seen.h"
#include "strmap.h"
#include "text.h"
#include "token.h"

#define EPS 2.220446049250313e-16   /* float64 epsilon, scikit-learn's */

void
nlp_labeled_release(struct nlp_labeled *d)
{
	size_t i;

	free(d->text);
	free(d->off);
	free(d->gold);
	free(d->gstart);
	free(d->golds);
	for (i = 0; d->names != NULL && i < d->nnames; i++)
		free(d->names[i]);
	free(d->names);
	free(d->inputs);
	memset(d, 0, sizeof *d);
}

/* What nlp_labeled_read() builds up before the labels move into d. */
struct labeled_build {
	struct nlp_strmap names;
	uint32_t *gi;            /* per example: its label's entry in names;
	                            multi-label: per label, d->gstart says
	                            whose */
	size_t ngi, gicap;
	size_t len, cap, ncap;   /* text bytes used and held; examples held */
};

/* Append label entry x to b->gi: 0, or -1 when out of memory. */
static int
labeled_push(struct labeled_build *b, uint32_t x)
{
	if (b->ngi == b->gicap) {
		size_t cap = b->gicap ? 2 * b->gicap : 4096;
		uint32_t *p = realloc(b->gi, cap * sizeof *p);
		if (p == NULL)
			return -1;
		b->gi = p;
		b->gicap = cap;
	}
	b->gi[b->ngi++] = x;
	return 0;
}

/* Append one record's text and label: 0, or -1 when out of memory. */
static int
labeled_add(struct nlp_labeled *d, struct labeled_build *b,
    const struct nlp_record *rec)
{
	struct nlp_strmap_entry *en;
	size_t k, nl = d->gstart != NULL ? rec->nlabels : 1;

	if (b->len + rec->text_len + 1 > b->cap) {
		char *p;
		b->cap = b->cap ? b->cap : 1 << 20;
		while (b->len + rec->text_len + 1 > b->cap)
			b->cap *= 2;
		if ((p = realloc(d->text, b->cap)) == NULL)
			return -1;
		d->text = p;
	}
	if (d->n + 2 > b->ncap) {
		void *p;
		b->ncap = b->ncap ? b->ncap * 2 : 4096;
		if ((p = realloc(d->off, b->ncap * sizeof *d->off)) == NULL)
			return -1;
		d->off = p;
		if (d->gstart != NULL && (p = realloc(d->gstart, b->ncap *
		    sizeof *d->gstart)) == NULL)
			return -1;
		if (d->gstart != NULL)
			d->gstart = p;
	}
	if (d->gstart != NULL)
		d->gstart[d->n] = b->ngi;
	for (k = 0; k < nl; k++) {
		const char *lab = rec->labels[k];
		if ((en = nlp_strmap_add(&b->names, lab, strlen(lab))) == NULL ||
		    labeled_push(b, (uint32_t)(en - b->names.ent)) < 0)
			return -1;
	}
	/* malformed ones are the reader's to say */
	if (!(rec->flags & NLP_REC_MALFORMED) &&
	    nlp_text_tokenless(rec->text, rec->text_len))
		d->textless++;
	d->off[d->n] = b->len;
	memcpy(d->text + b->len, rec->text, rec->text_len);
	b->len += rec->text_len;
	d->text[b->len++] = '\0';
	d->n++;
	return 0;
}

/* The reader's summary and inputs, and the labels moved out of the map
 * (gold points at them): 0, or -1 when out of memory. */
static int
labeled_finish(struct nlp_labeled *d, struct labeled_build *b,
    const struct nlp_reader *r)
{
	const struct nlp_reader_stats *st = nlp_reader_stats(r);
	const struct nlp_input *in = nlp_reader_inputs(r, &d->ninputs);
	size_t i;

	if (d->off != NULL)
		d->off[d->n] = b->len;
	if (d->gstart != NULL && d->n == 0)
		d->gstart[0] = 0;   /* the one from the start, still there */
	if (d->gstart != NULL)
		d->gstart[d->n] = b->ngi;
	nlp_reader_describe(st, d->oddities, sizeof d->oddities);
	nlp_reader_describe_losses(st, d->losses, sizeof d->losses);
	d->multilabel = st->skipped_multilabel;
	d->skipped = st->skipped_nolabel + st->skipped_multilabel +
	    st->skipped_malformed;
	d->bare_crs = st->bare_crs;
	if ((d->inputs = calloc(d->ninputs + 1, sizeof *d->inputs)) == NULL)
		return -1;
	memcpy(d->inputs, in, d->ninputs * sizeof *in);
	if ((d->names = calloc(b->names.n + 1, sizeof *d->names)) == NULL ||
	    (d->gold = calloc(d->n + 1, sizeof *d->gold)) == NULL ||
	    (d->gstart != NULL &&
	    (d->golds = calloc(b->ngi + 1, sizeof *d->golds)) == NULL))
		return -1;
	d->nnames = b->names.n;
	for (i = 0; i < b->names.n; i++) {
		d->names[i] = b->names.ent[i].key;
		b->names.ent[i].key = NULL;
		b->names.ent[i].len = 0;
	}
	for (i = 0; d->gstart != NULL && i < b->ngi; i++)
		d->golds[i] = d->names[b->gi[i]];
	for (i = 0; i < d->n; i++)
		d->gold[i] = d->names[b->gi[d->gstart != NULL ?
		    d->gstart[i] : i]];
	return 0;
}

int
nlp_labeled_read(struct nlp_labeled *d, const char *const *paths, size_t n,
    const struct nlp_reader_opts *ro, struct nlp_err *e)
{
	struct nlp_reader_opts o = *ro;
	struct nlp_reader *r = NULL;
	struct nlp_record rec;
	struct labeled_build b;
	int rc;

	memset(d, 0, sizeof *d);
	memset(&b, 0, sizeof b);
	/* as in training: a label that cannot be a class is an error */
	o.bad_label_error = 1;
	if (o.multilabel && (d->gstart = malloc(sizeof *d->gstart)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	if ((rc = nlp_reader_open(&r, paths, n, &o, e)) != NLP_OK) {
		nlp_labeled_release(d);
		return rc;
	}
	while ((rc = nlp_reader_next(r, &rec, e)) == NLP_OK && rec.text)
		if (labeled_add(d, &b, &rec) < 0)
			break;
	if (rc == NLP_OK && (rec.text != NULL || labeled_finish(d, &b, r) < 0))
		rc = nlp_errf(e, NLP_IO, "out of memory reading the data");
	free(b.gi);
	nlp_strmap_release(&b.names);
	nlp_reader_close(r);
	if (rc != NLP_OK)
		nlp_labeled_release(d);
	return rc;
}

/* More records skipped than gates allow? */
static int
skipped_over(const struct nlp_labeled *d)
{
	return d->skipped * 100 > (d->n + d->skipped) * NLP_MAX_SKIPPED_PERCENT;
}

/* More carriage returns inside records (records read as one) than gates
 * allow? */
static int
bare_crs_over(const struct nlp_labeled *d)
{
	return d->bare_crs * 100 > (d->n + d->skipped + d->bare_crs) *
	    NLP_MAX_SKIPPED_PERCENT;
}

/* More examples without text than gates allow? */
static int
textless_over(const struct nlp_labeled *d)
{
	return d->n > 0 && d->textless * 100 > d->n * NLP_MAX_TEXTLESS_PERCENT;
}

int
nlp_labeled_decisive(const struct nlp_labeled *d, char *why, size_t size)
{
	uint64_t total = d->n + d->skipped;

	if (size > 0)
		why[0] = '\0';
	/* lines that end in CR alone are records read as one: 100 of them
	   were one example, and a gate passed on the 101 left of 200 */
	if (bare_crs_over(d)) {
		snprintf(why, size, "%llu carriage returns inside the records: "
		    "some %llu of %llu records (%.1f%%) read as one with the "
		    "line before, more than the %d%% gates allow",
		    (unsigned long long)d->bare_crs,
		    (unsigned long long)d->bare_crs,
		    (unsigned long long)(total + d->bare_crs),
		    100.0 * (double)d->bare_crs / (double)(total + d->bare_crs),
		    NLP_MAX_SKIPPED_PERCENT);
		return 0;
	}
	if (skipped_over(d)) {
		snprintf(why, size, "%llu of %llu records (%.1f%%) were "
		    "skipped, more than the %d%% gates allow",
		    (unsigned long long)d->skipped, (unsigned long long)total,
		    100.0 * (double)d->skipped / (double)total,
		    NLP_MAX_SKIPPED_PERCENT);
		return 0;
	}
	if (textless_over(d)) {
		snprintf(why, size, "%llu of %llu examples (%.1f%%) have no text "
		    "(not a word or mark), scored on the model's bias alone: "
		    "is the text column or field the right one? (see --format)",
		    (unsigned long long)d->textless, (unsigned long long)d->n,
		    100.0 * (double)d->textless / (double)d->n);
		return 0;
	}
	return 1;
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
	nlp_pool_close(pool);
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

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Multi-label: examples a chunk, by the data's size alone (so that the
 * sums, made a chunk at a time, do not depend on the thread count), at
 * most MULTI_CHUNKS chunks of counts. */
#define MULTI_CHUNK_MIN 256
#define MULTI_CHUNKS 256

struct multi_job {
	const struct nlp_model *m;
	const struct nlp_labeled *d;
	struct nlp_eval *ev;
	struct nlp_class_counts *part;   /* a chunk's counts */
	size_t chunk;
	int failed;              /* 1: out of memory; 2: not a number */
};

int
nlp_eval_row_multi(const struct nlp_eval *ev, struct nlp_class_counts *k,
    const size_t *gstart, size_t i, const float *p, uint32_t *scratch)
{
	uint32_t c, *pred = scratch, *gold = scratch + ev->nclasses;
	size_t a, g, np;
	int finite = 1;

	/* labels are in bytewise order, the model's classes too: the set
	   comes out sorted */
	for (c = 0, np = 0; c < ev->nclasses; c++) {
		finite &= isfinite(p[c]) != 0;
		if (p[c] >= ev->min_p)
			pred[np++] = ev->class_label[c];
	}
	for (a = gstart[i], g = 0; a < gstart[i + 1]; a++)
		gold[g++] = ev->gold[a];
	qsort(gold, g, sizeof *gold, cmp_u32);
	nlp_class_counts_add_sets(k, gold, g, pred, np);
	return finite ? 0 : -1;
}

/* Score the examples of chunk k into its counts. */
static void
multi_task(void *arg, size_t k)
{
	struct multi_job *j = arg;
	const struct nlp_labeled *d = j->d;
	struct nlp_eval *ev = j->ev;
	struct nlp_scorer s;
	float *p = malloc(((size_t)ev->nclasses + 1) * sizeof *p);
	uint32_t *scratch = malloc(((size_t)ev->nclasses + ev->nlabels + 1) *
	    sizeof *scratch);
	size_t i, end = (k + 1) * j->chunk;

	memset(&s, 0, sizeof s);
	if (end > d->n)
		end = d->n;
	if (p == NULL || scratch == NULL ||
	    nlp_class_counts_init(&j->part[k], ev->nlabels) < 0)
		j->failed = 1;
	for (i = k * j->chunk; !j->failed && i < end; i++) {
		const char *t = d->text + d->off[i];

		if (nlp_model_predict(j->m, &s, t, d->off[i + 1] - d->off[i] - 1,
		    p) < 0) {
			j->failed = 1;
			break;
		}
		if (nlp_eval_row_multi(ev, &j->part[k], d->gstart, i, p,
		    scratch) < 0)
			j->failed = 2;
		ev->fp[i] = nlp_tokens_fingerprint(&s.f.tok);
	}
	free(p);
	free(scratch);
	nlp_scorer_release(&s);
}

/* Add the counts of chunk part into k. */
static void
counts_merge(struct nlp_class_counts *k, const struct nlp_class_counts *part)
{
	uint32_t l;

	for (l = 0; l < k->nclasses; l++) {
		k->tp[l] += part->tp[l];
		k->pred[l] += part->pred[l];
		k->gold[l] += part->gold[l];
	}
	k->n += part->n;
	k->correct += part->correct;
	k->wrong += part->wrong;
	k->sample_p += part->sample_p;
	k->sample_r += part->sample_r;
	k->sample_f1 += part->sample_f1;
}

int
nlp_eval_init_multi(struct nlp_eval *ev, const char *const *classes,
    uint32_t C, char *const *golds, const size_t *gstart, size_t n,
    double min_p)
{
	size_t i, a;

	/* the labels: the model's and every gold one; then per example
	   (each has a gold label at least: the per-example arrays, sized by
	   the gold labels, hold the examples too) */
	memset(ev, 0, sizeof *ev);
	if (gstart[n] < n || nlp_eval_init(ev, classes, C, golds, gstart[n]) < 0)
		return -1;
	ev->n = n;
	ev->ngold = gstart[n];
	ev->multilabel = 1;
	ev->min_p = min_p;
	ev->unknown = ev->foreign = 0;
	for (i = 0; i < n; i++) {
		size_t lacked = 0;
		for (a = gstart[i]; a < gstart[i + 1]; a++)
			lacked += ev->gold_class[a] < 0;
		ev->unknown += lacked > 0;
		ev->foreign += lacked == gstart[i + 1] - gstart[i];
	}
	if (nlp_class_counts_init(&ev->counts, ev->nlabels) < 0) {
		nlp_eval_release(ev);
		return -1;
	}
	return 0;
}

int
nlp_eval_run_multi(struct nlp_eval *ev, const struct nlp_model *m,
    const struct nlp_labeled *d, double min_p, unsigned threads,
    struct nlp_err *e)
{
	struct multi_job j;
	struct nlp_pool *pool;
	struct timespec t0, t1;
	size_t i, nchunks;

	if (nlp_eval_init_multi(ev, m->labels, m->nclasses, d->golds,
	    d->gstart, d->n, min_p) < 0)
		return nlp_errf(e, NLP_IO, "out of memory");
	memset(&j, 0, sizeof j);
	j.m = m, j.d = d, j.ev = ev;
	j.chunk = (d->n + MULTI_CHUNKS - 1) / MULTI_CHUNKS;
	if (j.chunk < MULTI_CHUNK_MIN)
		j.chunk = MULTI_CHUNK_MIN;
	nchunks = (d->n + j.chunk - 1) / j.chunk;
	j.part = calloc(nchunks + 1, sizeof *j.part);
	if (j.part == NULL || (pool = nlp_pool_new(threads)) == NULL) {
		free(j.part);
		nlp_eval_release(ev);
		return nlp_errf(e, NLP_IO, "out of memory");
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	nlp_pool_run(pool, nchunks, multi_task, &j);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ev->seconds = (double)(t1.tv_sec - t0.tv_sec) +
	    (t1.tv_nsec - t0.tv_nsec) / 1e9;
	nlp_pool_close(pool);
	for (i = 0; i < nchunks; i++) {
		if (!j.failed)
			counts_merge(&ev->counts, &j.part[i]);
		nlp_class_counts_release(&j.part[i]);
	}
	free(j.part);
	if (j.failed) {
		nlp_eval_release(ev);
		return j.failed == 2 ? nlp_errf(e, NLP_DATA, "the model gives an "
		    "example a probability that is not a number: its weights "
		    "are damaged") : nlp_errf(e, NLP_IO, "out of memory scoring "
		    "the data");
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
	nlp_class_counts_release(&ev->counts);
	memset(ev, 0, sizeof *ev);
}
/* Count examples idx[0..n) (all when idx is NULL) into k (zeroed first). */
static void
count(const struct nlp_eval *ev, const uint32_t *idx, size_t n,
    struct nlp_class_counts *k)
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
		nlp_class_counts_add(k, ev->gold[x], ev->pred[x]);
	}
}

/* Precision, recall, F1 of label l (0 on zero division). */
static void
prf(const struct nlp_class_counts *k, uint32_t l, double *p, double *r,
    double *f)
{
	*p = k->pred[l] ? (double)k->tp[l] / (double)k->pred[l] : 0;
	*r = k->gold[l] ? (double)k->tp[l] / (double)k->gold[l] : 0;
	*f = *p + *r > 0 ? 2 * *p * *r / (*p + *r) : 0;
}

int
nlp_eval_summary(const struct nlp_eval *ev, const uint32_t *idx, size_t n,
    double *accuracy, double *mf1)
{
	struct nlp_class_counts k;

	*accuracy = *mf1 = 0;
	if (nlp_class_counts_init(&k, ev->nlabels) < 0)
		return -1;
	count(ev, idx, n, &k);
	*accuracy = nlp_class_counts_accuracy(&k);
	*mf1 = nlp_class_counts_macro_f1(&k);
	nlp_class_counts_release(&k);
	return 0;
}

/*
 * The labels scored (those with gold or predicted examples), their figures
 * and the averages; returns the number of labels scored, or -1 when out of
 * memory.
 */
static int64_t
measure_classes(struct nlp_eval_figures *f, const struct nlp_eval *ev,
    const struct nlp_class_counts *k)
{
	double sp = 0, sr = 0, sf = 0, wp = 0, wr = 0, wf = 0, p, r, fl, acc;
	uint32_t l, used = 0;

	if ((f->classes = calloc((size_t)ev->nlabels + 1, sizeof *f->classes)) ==
	    NULL)
		return -1;
	for (l = 0; l < ev->nlabels; l++) {
		struct nlp_eval_class *c;
		if (k->gold[l] == 0 && k->pred[l] == 0)
			continue;
		prf(k, l, &p, &r, &fl);
		c = &f->classes[used++];
		c->label = ev->labels[l];
		c->prf = (struct nlp_eval_prf){ p, r, fl, k->gold[l] };
		c->predicted = k->pred[l];
		sp += p, sr += r, sf += fl;
		wp += p * (double)k->gold[l];
		wr += r * (double)k->gold[l];
		wf += fl * (double)k->gold[l];
	}
	f->nclasses = used;
	f->accuracy = acc = nlp_class_counts_accuracy(k);
	f->macro = (struct nlp_eval_prf){ used ? sp / used : 0,
	    used ? sr / used : 0, used ? sf / used : 0, k->n };
	f->micro = (struct nlp_eval_prf){ acc, acc, acc, k->n };
	f->weighted = (struct nlp_eval_prf){ k->n ? wp / k->n : 0,
	    k->n ? wr / k->n : 0, k->n ? wf / k->n : 0, k->n };
	return used;
}

/* The calibration bins, ECE and log loss. */
static void
measure_calibration(struct nlp_eval_figures *f, const struct nlp_eval *ev)
{
	double loss = 0, ece = 0;
	size_t i;

	for (i = 0; i < ev->n; i++) {
		double c = ev->conf[i];
		/* a NaN (a row nlp_eval_run refuses) must not index a bin */
		int b = c > 0 ? (int)ceil(fmin(c, 1) * NLP_ECE_BINS) - 1 : 0;
		if (b < 0)
			b = 0;
		if (b >= NLP_ECE_BINS)
			b = NLP_ECE_BINS - 1;
		f->bins[b].n++;
		f->bins[b].confidence += c;
		f->bins[b].correct += ev->gold[i] == ev->pred[i];
		loss += ev->loss[i];
	}
	for (i = 0; i < NLP_ECE_BINS; i++) {
		const struct nlp_eval_bin *b = &f->bins[i];
		if (b->n > 0)
			ece += (double)b->n / (double)ev->n *
			    fabs((double)b->correct / (double)b->n -
			    b->confidence / (double)b->n);
	}
	f->log_loss = ev->n ? loss / ev->n : 0;
	f->ece = ece;
}

/* Order label numbers by examples (gold + predicted), most first. */
static int
cmp_busiest(const void *a, const void *b, void *arg)
{
	const struct nlp_class_counts *k = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	uint64_t nx = k->gold[x] + k->pred[x], ny = k->gold[y] + k->pred[y];

	if (nx != ny)
		return nx > ny ? -1 : 1;
	return (x > y) - (x < y);
}

/* The confusion matrix over the nused labels scored, or the busiest of
 * them (eval.h): 0, or -1 when out of memory. */
static int
measure_confusion(struct nlp_eval_confusion *c, const struct nlp_eval *ev,
    const struct nlp_class_counts *k, uint32_t nused)
{
	uint32_t K = nused < NLP_CONFUSION_MAX_LABELS ? nused :
	    NLP_CONFUSION_MAX_LABELS, l, n = 0;
	uint32_t *pick = malloc(((size_t)nused + 1) * sizeof *pick);
	int32_t *pos = malloc(((size_t)ev->nlabels + 1) * sizeof *pos);
	size_t i;
	int rc = -1;

	c->labels = calloc((size_t)K + 1, sizeof *c->labels);
	c->matrix = calloc((size_t)K * K + 1, sizeof *c->matrix);
	if (pick == NULL || pos == NULL || c->labels == NULL || c->matrix == NULL)
		goto out;
	for (l = 0; l < ev->nlabels; l++)
		if (k->gold[l] != 0 || k->pred[l] != 0)
			pick[n++] = l;
	if (K < nused) {
		qsort_r(pick, nused, sizeof *pick, cmp_busiest, (void *)k);
		qsort(pick, K, sizeof *pick, cmp_u32);
	}
	for (l = 0; l < ev->nlabels; l++)
		pos[l] = -1;
	for (l = 0; l < K; l++) {
		pos[pick[l]] = (int32_t)l;
		c->labels[l] = ev->labels[pick[l]];
	}
	for (i = 0; i < ev->n; i++) {
		int32_t pg = pos[ev->gold[i]], pp = pos[ev->pred[i]];
		if (pg < 0 || pp < 0)
			c->examples_outside++;
		else
			c->matrix[(size_t)pg * K + (size_t)pp]++;
	}
	c->k = K;
	c->labels_total = nused;
	rc = 0;
out:
	free(pick);
	free(pos);
	return rc;
}

/* The figures of a multi-label model (eval.h): 0, or -1 when out of
 * memory. */
static int
measure_multi(struct nlp_eval_figures *f, const struct nlp_eval *ev)
{
	const struct nlp_class_counts *k = &ev->counts;
	uint64_t tp = 0, pred = 0, gold = 0;
	double n = (double)k->n, p, r;
	uint32_t l;

	f->n = ev->n;
	f->unknown = ev->unknown;
	f->multilabel = 1;
	f->min_p = ev->min_p;
	if (measure_classes(f, ev, k) < 0) {
		nlp_eval_figures_release(f);
		return -1;
	}
	for (l = 0; l < k->nclasses; l++) {
		tp += k->tp[l];
		pred += k->pred[l];
		gold += k->gold[l];
	}
	p = pred ? (double)tp / (double)pred : 0;
	r = gold ? (double)tp / (double)gold : 0;
	f->micro = (struct nlp_eval_prf){ p, r, p + r > 0 ? 2 * p * r /
	    (p + r) : 0, gold };
	/* weighted by support: the gold labels, not the examples */
	if (gold > 0 && k->n > 0) {
		f->weighted.precision *= n / (double)gold;
		f->weighted.recall *= n / (double)gold;
		f->weighted.f1 *= n / (double)gold;
	}
	f->weighted.support = gold;
	f->macro.support = gold;
	/* support: the gold labels, as scikit-learn's report has it on
	   every average row (the examples' number is n) */
	f->samples = (struct nlp_eval_prf){ k->n ? k->sample_p / n : 0,
	    k->n ? k->sample_r / n : 0, k->n ? k->sample_f1 / n : 0, gold };
	f->hamming_loss = nlp_class_counts_hamming(k);
	f->log_loss = f->ece = NAN;
	return 0;
}

int
nlp_eval_measure(struct nlp_eval_figures *f, const struct nlp_eval *ev)
{
	struct nlp_class_counts k;
	int64_t used;

	memset(f, 0, sizeof *f);
	if (ev->multilabel)
		return measure_multi(f, ev);
	if (nlp_class_counts_init(&k, ev->nlabels) < 0)
		return -1;
	f->n = ev->n;
	f->unknown = ev->unknown;
	count(ev, NULL, 0, &k);
	if ((used = measure_classes(f, ev, &k)) < 0 ||
	    measure_confusion(&f->confusion, ev, &k, (uint32_t)used) < 0) {
		nlp_class_counts_release(&k);
		nlp_eval_figures_release(f);
		return -1;
	}
	measure_calibration(f, ev);
	nlp_class_counts_release(&k);
	return 0;
}

void
nlp_eval_figures_release(struct nlp_eval_figures *f)
{
	free(f->classes);
	free(f->confusion.labels);
	free(f->confusion.matrix);
	memset(f, 0, sizeof *f);
}

static int
cmp_class(const void *key, const void *c)
{
	return strcmp(key, ((const struct nlp_eval_class *)c)->label);
}

const struct nlp_eval_class *
nlp_eval_class_find(const struct nlp_eval_figures *f, const char *label)
{
	/* the classes are in label order, which is strcmp()'s */
	if (f->nclasses == 0)
		return NULL;
	return bsearch(label, f->classes, f->nclasses, sizeof *f->classes,
	    cmp_class);
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

/* The 95 % percentile interval of v[0..n) (sorted in place) into ci. */
static void
interval(double *v, size_t n, double ci[2])
{
	qsort(v, n, sizeof *v, cmp_double);
	ci[0] = quantile(v, n, 0.025);
	ci[1] = quantile(v, n, 0.975);
}

/* Figures of one resample: the counts are allocated once, not per
 * replicate. */
static void
resample(const struct nlp_eval *ev, const uint32_t *idx, size_t n,
    struct nlp_class_counts *k, double *acc, double *f1)
{
	count(ev, idx, n, k);
	*acc = nlp_class_counts_accuracy(k);
	*f1 = nlp_class_counts_macro_f1(k);
}

int
nlp_eval_bootstrap(struct nlp_eval_bootstrap *b, const struct nlp_eval *ev,
    const struct nlp_eval *base, unsigned R, uint64_t seed)
{
	double *v = calloc(4 * ((size_t)R + 1), sizeof *v);
	double *acc, *f1, *dacc, *df1;
	uint32_t *idx = malloc((ev->n + 1) * sizeof *idx);
	struct nlp_class_counts k, kb;
	uint64_t state = seed ^ 0xb0075ULL;
	unsigned rep;
	size_t i;
	int rc = -1;

	memset(b, 0, sizeof *b);
	memset(&k, 0, sizeof k);
	memset(&kb, 0, sizeof kb);
	if (v == NULL || idx == NULL || nlp_class_counts_init(&k, ev->nlabels) <
	    0 || (base != NULL && nlp_class_counts_init(&kb, base->nlabels) < 0))
		goto out;
	rc = 0;
	if (ev->n == 0 || R == 0)
		goto out;
	acc = v, f1 = v + R, dacc = v + 2 * R, df1 = v + 3 * R;
	for (rep = 0; rep < R; rep++) {
		double ba, bf;
		for (i = 0; i < ev->n; i++)
			idx[i] = (uint32_t)(nlp_rand_next(&state) % ev->n);
		resample(ev, idx, ev->n, &k, &acc[rep], &f1[rep]);
		if (base != NULL) {
			resample(base, idx, base->n, &kb, &ba, &bf);
			dacc[rep] = acc[rep] - ba;
			df1[rep] = f1[rep] - bf;
		}
	}
	b->replicates = R;
	b->seed = seed;
	interval(acc, R, b->accuracy);
	interval(f1, R, b->macro_f1);
	if (base != NULL) {
		b->paired = 1;
		interval(dacc, R, b->diff_accuracy);
		interval(df1, R, b->diff_macro_f1);
	}
out:
	free(v);
	free(idx);
	nlp_class_counts_release(&k);
	nlp_class_counts_release(&kb);
	return rc;
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

int
nlp_eval_errors(struct nlp_eval_error **out, size_t *count,
    const struct nlp_eval *ev, const struct nlp_labeled *d, size_t n)
{
	struct err_ref *e = malloc((ev->n + 1) * sizeof *e);
	size_t i, k = 0;

	*out = NULL;
	*count = 0;
	if (e == NULL)
		return -1;
	for (i = 0; i < ev->n; i++)
		if (ev->gold[i] != ev->pred[i]) {
			e[k].i = i;
			e[k].conf = ev->conf[i];
			k++;
		}
	qsort(e, k, sizeof *e, cmp_err);
	if (k > n)
		k = n;
	if ((*out = calloc(k + 1, sizeof **out)) == NULL) {
		free(e);
		return -1;
	}
	for (i = 0; i < k; i++) {
		struct nlp_eval_error *x = &(*out)[i];
		x->example = e[i].i + 1;
		x->gold = ev->labels[ev->gold[e[i].i]];
		x->predicted = ev->labels[ev->pred[e[i].i]];
		x->text = d->text + d->off[e[i].i];
		x->p = e[i].conf;
	}
	*count = k;
	free(e);
	return 0;
}

const char *
nlp_gate_name(enum nlp_gate_kind kind)
{
	static const char *const names[] = {
		[NLP_GATE_MIN_ACCURACY] = "--min-accuracy",
		[NLP_GATE_MIN_F1] = "--min-f1",
		[NLP_GATE_MIN_CLASS_F1] = "--min-class-f1",
		[NLP_GATE_MAX_LOG_LOSS] = "--max-log-loss",
		[NLP_GATE_MAX_ECE] = "--max-ece",
		[NLP_GATE_MAX_DROP] = "--max-drop",
		[NLP_GATE_MAX_SEEN] = "--max-seen",
	};

	return (size_t)kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

int
nlp_gate_needs_model(enum nlp_gate_kind kind)
{
	return kind == NLP_GATE_MAX_LOG_LOSS || kind == NLP_GATE_MAX_ECE ||
	    kind == NLP_GATE_MAX_DROP || kind == NLP_GATE_MAX_SEEN;
}

/*
 * One verdict of gate g on value (a lower bound, or with max an upper
 * one).  A figure that is not a finite number fails, never compares.
 */
static void
verdict(struct nlp_gate_result *res, const struct nlp_gate *g,
    const char *metric, double value, int max, size_t *failed)
{
	int defined = isfinite(value) != 0;

	res->kind = g->kind;
	snprintf(res->metric, sizeof res->metric, "%s", metric);
	res->value = defined ? value : NAN;
	res->bound = g->bound;
	/* within 1e-9 is equal: a drop of 0.93 - 0.92 is 0.01 however the
	   subtraction rounds it, and a bound equal to the figure passes */
	res->passed = defined && (max ? value <= g->bound + NLP_GATE_EPS :
	    value >= g->bound - NLP_GATE_EPS);
	if (!res->passed)
		(*failed)++;
}

/* --max-drop's two verdicts, on accuracy and macro-F1 (none without a
 * baseline): returns how many. */
static size_t
drop_verdicts(struct nlp_gate_result *res, const struct nlp_gate *g,
    const struct nlp_eval_figures *f, const struct nlp_eval_figures *base,
    const struct nlp_eval_bootstrap *paired, size_t *failed)
{
	double dacc, df1;

	if (base == NULL)
		return 0;
	/* candidate - baseline: the paired interval's lower bound, or the
	   point values */
	dacc = paired ? paired->diff_accuracy[0] : f->accuracy - base->accuracy;
	df1 = paired ? paired->diff_macro_f1[0] : f->macro.f1 - base->macro.f1;
	/* 0.0 - x, not -x: no drop is 0, not -0 */
	verdict(&res[0], g, "accuracy drop from the baseline", 0.0 - dacc, 1,
	    failed);
	verdict(&res[1], g, "macro_f1 drop from the baseline", 0.0 - df1, 1,
	    failed);
	return 2;
}

int
nlp_eval_gates(struct nlp_gate_result **out, size_t *count, size_t *failed,
    const struct nlp_eval_figures *f, const struct nlp_eval_figures *base,
    const struct nlp_eval_bootstrap *bs, const struct nlp_gate *gates,
    size_t ngates, int lower, struct nlp_err *e)
{
	struct nlp_gate_result *res = calloc(2 * ngates + 1, sizeof *res);
	/* the bootstrap's bounds, when asked for and there */
	const struct nlp_eval_bootstrap *b = lower && bs != NULL &&
	    bs->replicates > 0 ? bs : NULL;
	const struct nlp_eval_class *c;
	size_t i, n = 0;
	char name[256];

	*out = NULL;
	*count = *failed = 0;
	if (res == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	for (i = 0; i < ngates; i++) {
		const struct nlp_gate *g = &gates[i];
		switch (g->kind) {
		case NLP_GATE_MIN_ACCURACY:
			verdict(&res[n++], g, "accuracy", b ? b->accuracy[0] :
			    f->accuracy, 0, failed);
			break;
		case NLP_GATE_MIN_F1:
			verdict(&res[n++], g, "macro_f1", b ? b->macro_f1[0] :
			    f->macro.f1, 0, failed);
			break;
		case NLP_GATE_MIN_CLASS_F1:
			snprintf(name, sizeof name, "f1 of '%s'", g->label);
			c = nlp_eval_class_find(f, g->label);
			verdict(&res[n++], g, name, c ? c->prf.f1 : NAN, 0, failed);
			break;
		case NLP_GATE_MAX_LOG_LOSS:
			verdict(&res[n++], g, "log_loss", f->log_loss, 1, failed);
			break;
		case NLP_GATE_MAX_ECE:
			verdict(&res[n++], g, "ece", f->ece, 1, failed);
			break;
		case NLP_GATE_MAX_DROP:
			n += drop_verdicts(&res[n], g, f, base, b != NULL &&
			    b->paired ? b : NULL, failed);
			break;
		case NLP_GATE_MAX_SEEN:
			verdict(&res[n++], g, "seen_in_training share",
			    f->seen_known ? f->seen_share : NAN, 1, failed);
			break;
		}
	}
	*out = res;
	*count = n;
	return NLP_OK;
}

/* Score d with l into f: the figures, which model, what it was trained
 * on. */
static int
score_model(struct nlp_eval_figures *f, struct nlp_eval *ev,
    struct nlp_loaded *l, const struct nlp_labeled *d, double min_p,
    unsigned threads, struct nlp_err *e)
{
	struct nlp_err why = { 0, "" };
	struct nlp_seen s;
	int rc;

	rc = l->m.multilabel ? nlp_eval_run_multi(ev, &l->m, d, min_p, threads,
	    e) : nlp_eval_run(ev, &l->m, d, threads, e);
	if (rc != NLP_OK) {
		nlp_err_prefix(e, "%s", l->display);
		return rc;
	}
	if (nlp_eval_measure(f, ev) != 0)
		return nlp_errf(e, NLP_IO, "out of memory");
	f->ref = l->display;
	/* hashed when first asked: an empty hash is a failed allocation */
	if (*(f->sha256 = nlp_loaded_sha256(l)) == '\0')
		return nlp_errf(e, NLP_IO, "out of memory");
	/* a figure that silently disappears reads as "no leakage": say why */
	if (nlp_seen_from_artifact(&s, l->a, l->display, &why) != NLP_OK) {
		snprintf(f->seen_why, sizeof f->seen_why, "%s", why.msg);
		return NLP_OK;
	}
	f->seen_known = 1;
	f->seen = nlp_eval_seen(ev, &s);
	f->seen_share = ev->n ? (double)f->seen / (double)ev->n : 0;
	return NLP_OK;
}

/* The gates and the errors, once the figures are there. */
int
nlp_eval_conclude(struct nlp_eval_result *r, const struct nlp_eval *ev,
    const struct nlp_labeled *d, const struct nlp_eval_opts *o,
    struct nlp_err *e)
{
	size_t i;
	int rc;

	for (i = 0; i < o->ngates; i++)
		if (o->gates[i].kind == NLP_GATE_MIN_CLASS_F1 &&
		    nlp_eval_class_find(&r->model, o->gates[i].label) == NULL)
			return nlp_errf(e, NLP_USAGE, "--min-class-f1: no class '%s' "
			    "in the model's predictions or the gold labels",
			    o->gates[i].label);
	/* figures on a fraction of the data decide nothing: no verdict */
	r->decisive = nlp_labeled_decisive(d, r->undecided, sizeof r->undecided);
	r->undecided_skipped = !r->decisive && !bare_crs_over(d) &&
	    skipped_over(d);
	if (o->ngates > 0 && (rc = nlp_eval_gates(&r->gates, &r->ngates,
	    &r->failed, &r->model, r->has_baseline ? &r->baseline : NULL,
	    &r->bootstrap, o->gates, o->ngates, o->gate_on_lower, e)) != NLP_OK)
		return rc;
	for (i = 0; !r->decisive && i < r->ngates; i++)
		r->gates[i].passed = -1;
	r->errors_asked = o->errors > 0;
	if (o->errors > 0 && nlp_eval_errors(&r->errors, &r->nerrors, ev, d,
	    o->errors) != 0)
		return nlp_errf(e, NLP_IO, "out of memory");
	return NLP_OK;
}

#define FOREIGN_NAMED 3   /* unknown gold labels a message names */

/*
 * The commonest gold labels the model does not know, with their counts,
 * into names ("'a' 3, 'b' 1, ..."): 0, or -1 when out of memory.
 */
static int
unknown_names(const struct nlp_eval *ev, char *names, size_t size)
{
	uint32_t top[FOREIGN_NAMED], ntop = 0, l, k;
	uint64_t *count;
	size_t i, len = 0, ngold = ev->multilabel ? ev->ngold : ev->n;

	names[0] = '\0';
	if ((count = calloc(ev->nlabels, sizeof *count)) == NULL)
		return -1;
	for (i = 0; i < ngold; i++)
		if (ev->gold_class[i] < 0)
			count[ev->gold[i]]++;
	for (l = 0; l < ev->nlabels; l++) {
		if (count[l] == 0)
			continue;
		/* insert l among the commonest, in label order on ties */
		for (k = ntop; k > 0 && count[top[k - 1]] < count[l]; k--)
			if (k < FOREIGN_NAMED)
				top[k] = top[k - 1];
		if (k < FOREIGN_NAMED) {
			top[k] = l;
			ntop += ntop < FOREIGN_NAMED;
		}
	}
	for (k = 0; k < ntop && len < size - 100; k++) {
		const char *s = ev->labels[top[k]];
		int n = snprintf(names + len, size - len, "%s'%.*s' %llu",
		    k ? ", " : "", (int)nlp_utf8_cut(s, strlen(s), 60), s,
		    (unsigned long long)count[top[k]]);
		len += n > 0 ? (size_t)n : 0;
	}
	if (ev->nlabels - ev->nclasses > ntop && len < size - 8)
		snprintf(names + len, size - len, ", ...");
	free(count);
	return 0;
}

/*
 * More than half the examples carry gold labels the model never learned
 * (multi-label: only such labels -- a tag added since, beside tags the
 * model knows, is its miss to count): data for another model, not a model
 * that fails its gates -- NLP_DATA, naming the commonest of those labels.
 * NLP_OK otherwise.
 */
static int
foreign_labels(const struct nlp_eval *ev, struct nlp_err *e)
{
	uint64_t foreign = ev->multilabel ? ev->foreign : ev->unknown;
	char names[512];

	if (foreign * 2 <= ev->n)
		return NLP_OK;
	if (unknown_names(ev, names, sizeof names) < 0)
		return nlp_errf(e, NLP_IO, "out of memory");
	return nlp_errf(e, NLP_DATA, "%llu of %zu examples (%.0f%%) have %sgold "
	    "labels the model never learned (%s): is this data for another "
	    "model?", (unsigned long long)foreign, ev->n,
	    100.0 * (double)foreign / (double)ev->n, ev->multilabel ?
	    "only " : "", names);
}

/* --strict: any gold label the model does not know is an error (NLP_DATA)
 * naming the data and the labels. */
static int
strict_labels(const struct nlp_eval *ev, const struct nlp_labeled *d,
    struct nlp_err *e)
{
	char names[512];
	const char *src = d->ninputs != 1 ? NULL : d->inputs[0].path;
	int std = src != NULL && strcmp(src, "-") == 0;

	if (ev->unknown == 0)
		return NLP_OK;
	if (unknown_names(ev, names, sizeof names) < 0)
		return nlp_errf(e, NLP_IO, "out of memory");
	/* the one input named, as the reader names it ("stdin line 3") */
	return nlp_errf(e, NLP_DATA, "%s%s%s%llu of %zu example%s ha%s a gold "
	    "label the model does not know (%s); --strict refuses %s",
	    src == NULL || std ? "" : "'", src == NULL ? "" : std ? "stdin" :
	    src, src == NULL ? "" : std ? ": " : "': ",
	    (unsigned long long)ev->unknown, ev->n, ev->n == 1 ? "" : "s",
	    ev->unknown == 1 ? "s" : "ve", names,
	    ev->unknown == 1 ? "it" : "them");
}

int
nlp_eval_evaluate(struct nlp_eval_result *r, struct nlp_loaded *model,
    struct nlp_loaded *baseline, const struct nlp_labeled *d,
    const struct nlp_eval_opts *o, struct nlp_err *e)
{
	struct nlp_eval ev, evb;
	int rc;

	memset(r, 0, sizeof *r);
	memset(&ev, 0, sizeof ev);
	memset(&evb, 0, sizeof evb);
	r->inputs = d->inputs;
	r->ninputs = d->ninputs;
	r->skipped = d->oddities;
	r->losses = d->losses;
	r->textless = d->textless;
	r->records_skipped = d->skipped;
	r->gate_on_lower = o->gate_on_lower;
	if (model->m.multilabel != (d->gstart != NULL) || (baseline != NULL &&
	    baseline->m.multilabel != model->m.multilabel) ||
	    (model->m.multilabel && (o->bootstrap > 0 || o->errors > 0))) {
		rc = nlp_errf(e, NLP_USAGE, "multi-label and single-label models "
		    "and data do not mix, and a multi-label model has no "
		    "bootstrap or errors");
		goto out;
	}
	if ((rc = score_model(&r->model, &ev, model, d, o->min_p, o->threads,
	    e)) != NLP_OK)
		goto out;
	r->seconds = ev.seconds;
	if (o->strict && (rc = strict_labels(&ev, d, e)) != NLP_OK)
		goto out;
	if ((rc = foreign_labels(&ev, e)) != NLP_OK)
		goto out;
	if (baseline != NULL) {
		r->has_baseline = 1;
		if ((rc = score_model(&r->baseline, &evb, baseline, d, o->min_p,
		    o->threads, e)) != NLP_OK)
			goto out;
		/* a baseline for other data scores near 0, and any candidate
		   passes --max-drop against it: refused as -m would be */
		if ((rc = foreign_labels(&evb, e)) != NLP_OK) {
			nlp_err_prefix(e, "--baseline");
			goto out;
		}
	}
	if (o->bootstrap > 0 && nlp_eval_bootstrap(&r->bootstrap, &ev,
	    baseline != NULL ? &evb : NULL, o->bootstrap, o->seed) != 0) {
		rc = nlp_errf(e, NLP_IO, "out of memory");
		goto out;
	}
	rc = nlp_eval_conclude(r, &ev, d, o, e);
out:
	nlp_eval_release(&ev);
	nlp_eval_release(&evb);
	if (rc != NLP_OK)
		nlp_eval_result_release(r);
	return rc;
}

void
nlp_eval_result_release(struct nlp_eval_result *r)
{
	nlp_eval_figures_release(&r->model);
	nlp_eval_figures_release(&r->baseline);
	free(r->errors);
	free(r->gates);
	memset(r, 0, sizeof *r);
}
