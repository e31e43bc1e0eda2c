/*
 * train.c - the training pipeline (see train.h).
 *
 * Data flow: records -> corpus (texts in one arena, class ids) -> sparse
 * bucket counts per document, featurized in parallel chunks at the widest
 * hash (NLP_BITS_MAX) -> the hash width chosen for the data, keys coarsened
 * to it -> document frequencies -> rows (the buckets seen in training, in
 * bucket order) and idf -> TF-IDF vectors -> SGD -> weights member.
 */
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "artifact.h"
#include "bigmem.h"
#include "features.h"
#include "input.h"
#include "jsonwatch.h"
#include "learn.h"
#include "svm.h"
#include "metrics.h"
#include "model.h"
#include "pool.h"
#include "rng.h"
#include "profile.h"
#include "seen.h"
#include "strmap.h"
#include "text.h"
#include "token.h"

#define CHUNK 512            /* documents per featurization task */
#define HOLDOUT_MIN_DOCS 1000
#define HOLDOUT_MAX 2000
/*
 * The text sample drift compares with comes from the held-out texts when
 * there are this many: texts the model never saw are the fair reference
 * for vocabulary the model lacks (training texts would make any new text
 * look out of vocabulary).
 */
#define SAMPLE_MIN_HELD_OUT NLP_PROFILE_SAMPLE_MIN_HELD_OUT

int
nlp_train_solver(const struct nlp_train_opts *o)
{
	if (o->solver != NLP_SOLVER_AUTO)
		return o->solver;
	return o->multilabel ? NLP_SOLVER_SGD : NLP_SOLVER_SVM;
}

void
nlp_train_opts_init(struct nlp_train_opts *o)
{
	memset(o, 0, sizeof *o);
	o->reader.labeled = 1;
	o->ngrams = 2;
	o->cost = NLP_SVM_COST;
	o->epochs = 10;
	o->lr = 2.0;
	o->l2 = 0;
	o->seed = 1;
	o->threads = 1;
	o->holdout = 0.05;
	o->refit = 1;
}

/* Texts and class ids, in input order. */
struct corpus {
	char *text;
	size_t len, text_cap;
	size_t *off;             /* n + 1 */
	uint32_t *y;
	unsigned *flags;
	size_t n, cap;
	/* multi-label: document i's classes are ys[ystart[i]..ystart[i + 1])
	   (y[i] is the first of them) */
	int multi;
	size_t *ystart;          /* n + 1 */
	uint32_t *ys;
	size_t nys, yscap;
};

/* Sparse documents: keys (buckets, then rows) with counts, then values. */
struct csr {
	size_t n;
	size_t *start;           /* n + 1 */
	uint32_t *key;           /* bucket, later row */
	uint32_t *tf;
	float *val;
	uint32_t *y;
	size_t nnz;
	size_t *ystart;          /* multi-label: as in struct corpus */
	uint32_t *ys;
};

static void
corpus_release(struct corpus *c)
{
	free(c->text);
	free(c->off);
	free(c->y);
	free(c->flags);
	free(c->ystart);
	free(c->ys);
	memset(c, 0, sizeof *c);
}

static void
csr_release(struct csr *c)
{
	free(c->start);
	free(c->key);
	free(c->tf);
	free(c->val);
	free(c->y);
	free(c->ystart);
	free(c->ys);
	memset(c, 0, sizeof *c);
}

/* Append a record to the corpus. */
static int
corpus_add(struct corpus *c, const char *text, size_t len, uint32_t y,
    unsigned flags)
{
	if (c->len + len + 1 > c->text_cap) {
		size_t cap = c->text_cap ? c->text_cap : 1 << 20;
		char *p;
		while (cap < c->len + len + 1)
			cap *= 2;
		if ((p = nlp_big_realloc(c->text, c->len, cap)) == NULL)
			return -1;
		c->text = p;
		c->text_cap = cap;
	}
	if (c->n + 2 > c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 4096;
		void *p;
		if ((p = realloc(c->off, cap * sizeof *c->off)) == NULL)
			return -1;
		c->off = p;
		if ((p = realloc(c->y, cap * sizeof *c->y)) == NULL)
			return -1;
		c->y = p;
		if ((p = realloc(c->flags, cap * sizeof *c->flags)) == NULL)
			return -1;
		c->flags = p;
		if (c->multi && (p = realloc(c->ystart, cap *
		    sizeof *c->ystart)) == NULL)
			return -1;
		if (c->multi)
			c->ystart = p;
		c->cap = cap;
	}
	if (c->multi) {          /* its labels were pushed just before */
		if (c->n == 0)
			c->ystart[0] = 0;
		c->ystart[c->n + 1] = c->nys;
	}
	if (c->n == 0)
		c->off[0] = 0;
	memcpy(c->text + c->len, text, len);
	c->len += len;
	c->y[c->n] = y;
	c->flags[c->n] = flags;
	c->off[++c->n] = c->len;
	return 0;
}

/* Push class y onto the label sets of a multi-label corpus. */
static int
corpus_push_label(struct corpus *c, uint32_t y)
{
	if (c->nys == c->yscap) {
		size_t cap = c->yscap ? 2 * c->yscap : 4096;
		uint32_t *p = realloc(c->ys, cap * sizeof *p);
		if (p == NULL)
			return -1;
		c->ys = p;
		c->yscap = cap;
	}
	c->ys[c->nys++] = y;
	return 0;
}

/*
 * The class of each of rec's labels, entries of the map (added to it
 * unless labels_fixed), pushed onto c's label sets when multi-label; the
 * first one's in *y.  Returns 1, 0 when labels_fixed and a label is not in
 * the map (nothing pushed), or -1 when out of memory.
 */
static int
record_classes(const struct nlp_record *rec, struct nlp_strmap *labels,
    int labels_fixed, struct corpus *c, uint32_t *y)
{
	size_t k, n = c->multi ? rec->nlabels : 1, mark = c->nys;

	for (k = 0; k < n; k++) {
		const char *lab = rec->labels[k];
		struct nlp_strmap_entry *en = labels_fixed ?
		    nlp_strmap_get(labels, lab, strlen(lab)) :
		    nlp_strmap_add(labels, lab, strlen(lab));
		if (en == NULL) {
			c->nys = mark;
			return labels_fixed ? 0 : -1;
		}
		if (k == 0)
			*y = (uint32_t)(en - labels->ent);
		if (c->multi && corpus_push_label(c,
		    (uint32_t)(en - labels->ent)) < 0)
			return -1;
	}
	return 1;
}

/* The reader's summary of odd input, in three forms (each size bytes): as
 * shown to the user, as meta.json has it (files by their names alone),
 * and of the records lost or changed alone (nlp_reader_describe_*()). */
struct oddities {
	char *shown, *names, *losses;
	size_t size;
};

/*
 * Read labeled records into c; labels are entries of the map, in order of
 * first appearance.  With odd, its summaries of odd input.  When labels_fixed, a label not yet in the map is
 * counted in *unknown and the record dropped (validation data).  With
 * c->multi, records keep all their labels.
 */
static int
read_corpus(const char *const *paths, size_t npaths,
    const struct nlp_reader_opts *ro, struct nlp_strmap *labels,
    int labels_fixed, uint64_t *unknown, struct corpus *c,
    struct nlp_input **inputs, size_t *ninputs, const struct oddities *odd,
    struct nlp_err *e)
{
	struct nlp_reader_opts o = *ro;
	struct nlp_reader *r = NULL;
	struct nlp_record rec;
	uint32_t y = 0;
	int rc, k;

	/* a label that cannot be a class is an error, not a skipped record */
	o.bad_label_error = 1;
	o.multilabel = c->multi;
	if ((rc = nlp_reader_open(&r, paths, npaths, &o, e)) != NLP_OK)
		return rc;
	while ((rc = nlp_reader_next(r, &rec, e)) == NLP_OK && rec.text) {
		if ((k = record_classes(&rec, labels, labels_fixed, c, &y)) < 0)
			goto oom;
		if (k == 0) {
			(*unknown)++;
			continue;
		}
		if (corpus_add(c, rec.text, rec.text_len, y, rec.flags) < 0)
			goto oom;
	}
	if (rc != NLP_OK) {
		nlp_reader_close(r);
		return rc;
	}
	if (odd != NULL) {
		const struct nlp_reader_stats *st = nlp_reader_stats(r);
		nlp_reader_describe(st, odd->shown, odd->size);
		nlp_reader_describe_names(st, odd->names, odd->size);
		nlp_reader_describe_losses(st, odd->losses, odd->size);
	}
	if (inputs != NULL) {
		const struct nlp_input *in = nlp_reader_inputs(r, ninputs);
		size_t i;
		if ((*inputs = calloc(*ninputs + 1, sizeof **inputs)) == NULL)
			goto oom;
		for (i = 0; i < *ninputs; i++)
			(*inputs)[i] = in[i];
	}
	nlp_reader_close(r);
	return NLP_OK;
oom:
	nlp_reader_close(r);
	return nlp_errf(e, NLP_IO, "out of memory reading the data");
}

/* One featurization task: documents idx[a..b) of the corpus. */
struct feat_chunk {
	uint32_t *key, *tf;
	size_t nnz, cap;
	size_t *count;           /* features per document */
	uint64_t *fp;            /* text fingerprints (training data only) */
	struct nlp_profile prof;
	int failed;
};

struct feat_job {
	const struct corpus *c;
	const uint32_t *idx;
	size_t n;
	const struct nlp_feat_opts *fo;
	struct feat_chunk *chunks;
	int profile, fp;         /* profile the texts; fingerprint them */
	uint64_t seed;
};

/* Featurize one chunk of documents (a pool task). */
static void
feat_task(void *arg, size_t k)
{
	struct feat_job *j = arg;
	struct feat_chunk *ch = &j->chunks[k];
	struct nlp_featurizer f;
	size_t a = k * CHUNK, b = a + CHUNK < j->n ? a + CHUNK : j->n, i;

	memset(&f, 0, sizeof f);
	if ((ch->count = calloc(b - a, sizeof *ch->count)) == NULL ||
	    (j->fp && (ch->fp = calloc(b - a, sizeof *ch->fp)) == NULL))
		goto fail;
	for (i = a; i < b; i++) {
		uint32_t d = j->idx[i];
		const char *t = j->c->text + j->c->off[d];
		size_t len = j->c->off[d + 1] - j->c->off[d];

		if (nlp_featurize(&f, j->fo, t, len) < 0)
			goto fail;
		if (ch->nnz + f.nkey > ch->cap) {
			size_t cap = ch->cap ? ch->cap : 1 << 16;
			void *p;
			while (cap < ch->nnz + f.nkey)
				cap *= 2;
			if ((p = nlp_big_realloc(ch->key, ch->nnz *
			    sizeof *ch->key, cap * sizeof *ch->key)) == NULL)
				goto fail;
			ch->key = p;
			if ((p = nlp_big_realloc(ch->tf, ch->nnz *
			    sizeof *ch->tf, cap * sizeof *ch->tf)) == NULL)
				goto fail;
			ch->tf = p;
			ch->cap = cap;
		}
		/* a text without features leaves ch->key NULL: no memcpy */
		if (f.nkey > 0) {
			memcpy(ch->key + ch->nnz, f.key, f.nkey * sizeof *f.key);
			memcpy(ch->tf + ch->nnz, f.tf, f.nkey * sizeof *f.tf);
		}
		ch->nnz += f.nkey;
		ch->count[i - a] = f.nkey;
		if (j->fp)
			ch->fp[i - a] = nlp_tokens_fingerprint(&f.tok);
		if (j->profile && nlp_profile_add(&ch->prof, t, len, &f.tok,
		    j->c->flags[d], nlp_xxh64(&d, sizeof d, j->seed)) < 0)
			goto fail;
	}
	nlp_featurizer_release(&f);
	return;
fail:
	ch->failed = 1;
	nlp_featurizer_release(&f);
}

/* The label sets of documents idx[0..n) of a multi-label corpus, into
 * out: 0, or -1 when out of memory. */
static int
csr_labels(struct csr *out, const struct corpus *c, const uint32_t *idx,
    size_t n)
{
	size_t i, len = 0, a, b;

	for (i = 0; i < n; i++)
		len += c->ystart[idx[i] + 1] - c->ystart[idx[i]];
	if ((out->ystart = malloc((n + 1) * sizeof *out->ystart)) == NULL ||
	    (out->ys = malloc((len + 1) * sizeof *out->ys)) == NULL)
		return -1;
	for (i = len = 0; i < n; i++) {
		out->ystart[i] = len;
		a = c->ystart[idx[i]];
		b = c->ystart[idx[i] + 1];
		memcpy(out->ys + len, c->ys + a, (b - a) * sizeof *out->ys);
		len += b - a;
	}
	out->ystart[n] = len;
	return 0;
}

/*
 * Featurize documents idx[0..n) of c into out (keys at fo->bits, counts),
 * merging the text profile into prof when it is not NULL.
 */
static int
featurize(const struct corpus *c, const uint32_t *idx, size_t n,
    const struct nlp_feat_opts *fo, struct nlp_pool *pool,
    struct nlp_profile *prof, uint64_t seed, struct csr *out, uint64_t **fp,
    struct nlp_err *e)
{
	struct feat_job j;
	size_t nchunks = (n + CHUNK - 1) / CHUNK, k, i, d = 0, nnz = 0;
	int rc = NLP_OK;

	memset(out, 0, sizeof *out);
	memset(&j, 0, sizeof j);
	j.c = c, j.idx = idx, j.n = n, j.fo = fo;
	j.profile = prof != NULL;
	j.fp = fp != NULL;
	j.seed = seed;
	if ((j.chunks = calloc(nchunks + 1, sizeof *j.chunks)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	nlp_pool_run(pool, nchunks, feat_task, &j);
	for (k = 0; k < nchunks; k++) {
		if (j.chunks[k].failed)
			rc = NLP_IO;
		nnz += j.chunks[k].nnz;
	}
	out->n = n;
	if (rc == NLP_OK && fp != NULL &&
	    (*fp = malloc((n + 1) * sizeof **fp)) == NULL)
		rc = NLP_IO;
	if (rc == NLP_OK &&
	    ((out->start = malloc((n + 1) * sizeof *out->start)) == NULL ||
	    (out->key = nlp_big_alloc((nnz + 1) * sizeof *out->key)) == NULL ||
	    (out->tf = nlp_big_alloc((nnz + 1) * sizeof *out->tf)) == NULL ||
	    (out->y = malloc((n + 1) * sizeof *out->y)) == NULL))
		rc = NLP_IO;
	for (k = 0; k < nchunks; k++) {
		struct feat_chunk *ch = &j.chunks[k];
		if (rc == NLP_OK) {
			size_t a = k * CHUNK, b = a + CHUNK < n ? a + CHUNK : n;
			if (ch->nnz > 0) {
				memcpy(out->key + out->nnz, ch->key,
				    ch->nnz * sizeof *ch->key);
				memcpy(out->tf + out->nnz, ch->tf,
				    ch->nnz * sizeof *ch->tf);
			}
			for (i = a; i < b; i++) {
				if (fp != NULL)
					(*fp)[d] = ch->fp[i - a];
				out->start[d] = out->nnz;
				out->y[d] = c->y[idx[i]];
				out->nnz += ch->count[i - a];
				d++;
			}
			if (prof && nlp_profile_merge(prof, &ch->prof) < 0)
				rc = NLP_IO;
		}
		free(ch->key);
		free(ch->tf);
		free(ch->count);
		free(ch->fp);
		nlp_profile_release(&ch->prof);
	}
	free(j.chunks);
	if (rc != NLP_OK) {
		csr_release(out);
		return nlp_errf(e, NLP_IO, "out of memory featurizing the data");
	}
	out->start[n] = out->nnz;
	if (c->multi && csr_labels(out, c, idx, n) < 0) {
		csr_release(out);
		return nlp_errf(e, NLP_IO, "out of memory featurizing the data");
	}
	return NLP_OK;
}

/* Coarsen keys from NLP_BITS_MAX to bits, merging keys that now coincide. */
static void
coarsen(struct csr *c, unsigned bits)
{
	unsigned shift = NLP_BITS_MAX - bits;
	size_t i, f, w = 0;

	if (c->n == 0)
		return;
	for (i = 0; i < c->n; i++) {
		size_t a = c->start[i], b = c->start[i + 1], first = w;
		c->start[i] = w;
		for (f = a; f < b; f++) {
			uint32_t k = c->key[f] >> shift;
			if (w > first && c->key[w - 1] == k) {
				c->tf[w - 1] += c->tf[f];
			} else {
				c->key[w] = k;
				c->tf[w] = c->tf[f];
				w++;
			}
		}
	}
	c->start[c->n] = c->nnz = w;
}

/* vectorize()'s texts in VEC_CHUNKS ranges, each a task of the pool;
   the result does not depend on their number. */
#define VEC_CHUNKS 8

struct vec_job {
	struct csr *c;
	const struct nlp_vocab *v;
	const size_t *bound;     /* chunk k: texts bound[k] to bound[k + 1] */
	const size_t *from;      /* its features' first, before (VEC_CHUNKS + 1) */
	size_t *to;              /* and past its last kept, after; SIZE_MAX
	                            when out of memory */
};

/* Chunk k of vectorize(): each text's features from its first on, those
   kept moved down, start[] rewritten; the chunk's bounds were read
   before any task began, so no task reads what another writes. */
static void
vec_task(void *arg, size_t k)
{
	struct vec_job *j = arg;
	struct csr *c = j->c;
	const struct nlp_vocab *v = j->v;
	float *tmp_idf = NULL;
	size_t i, f, w = j->from[k], cap = 0;

	for (i = j->bound[k]; i < j->bound[k + 1]; i++) {
		size_t a = c->start[i], first = w;
		size_t b = i + 1 < j->bound[k + 1] ? c->start[i + 1] :
		    j->from[k + 1];

		c->start[i] = w;
		for (f = a; f < b; f++) {
			uint32_t r = nlp_vocab_row(v, c->key[f]);
			if (r == 0)
				continue;
			c->key[w] = r - 1;
			c->tf[w] = c->tf[f];
			w++;
		}
		if (w - first > cap) {
			void *p;
			cap = (w - first) * 2;
			if ((p = realloc(tmp_idf, cap * sizeof *tmp_idf)) == NULL) {
				free(tmp_idf);
				j->to[k] = SIZE_MAX;
				return;
			}
			tmp_idf = p;
		}
		for (f = first; f < w; f++)
			tmp_idf[f - first] = v->idf[c->key[f]];
		nlp_tfidf_normalize(c->val + first, c->tf + first, tmp_idf,
		    w - first);
	}
	j->to[k] = w;
	free(tmp_idf);
}

/*
 * Turn bucket keys into rows of v (buckets not in it are dropped) and
 * counts into normalized TF-IDF values: the texts in chunks on the pool's
 * threads (the map's lookups: 0.2 s of debian's 5 s training on two
 * threads when they were done on one), each compacted in place, then the
 * chunks moved down together.
 */
static int
vectorize(struct csr *c, const struct nlp_vocab *v, struct nlp_pool *pool)
{
	size_t bound[VEC_CHUNKS + 1], from[VEC_CHUNKS + 1], to[VEC_CHUNKS];
	struct vec_job j = { c, v, bound, from, to };
	size_t k, i, w = 0;

	if (c->n == 0)
		return 0;
	if ((c->val = malloc((c->nnz + 1) * sizeof *c->val)) == NULL)
		return -1;
	for (k = 0; k <= VEC_CHUNKS; k++) {
		bound[k] = c->n * k / VEC_CHUNKS;
		from[k] = c->start[bound[k]];
	}
	nlp_pool_run(pool, VEC_CHUNKS, vec_task, &j);
	for (k = 0; k < VEC_CHUNKS; k++)
		if (to[k] == SIZE_MAX)
			return -1;
	for (k = 0; k < VEC_CHUNKS; k++) {
		size_t len = to[k] - from[k], by = from[k] - w;

		if (by > 0) {
			memmove(c->key + w, c->key + from[k], len * sizeof *c->key);
			memmove(c->tf + w, c->tf + from[k], len * sizeof *c->tf);
			memmove(c->val + w, c->val + from[k], len * sizeof *c->val);
			for (i = bound[k]; i < bound[k + 1]; i++)
				c->start[i] -= by;
		}
		w += len;
	}
	c->start[c->n] = c->nnz = w;
	return 0;
}

/* State shared with the per-epoch callback. */
struct epoch_ctx {
	const struct nlp_train_opts *o;
	const struct csr *eval;      /* valid or held-out vectors, or NULL */
	uint32_t nclasses;
	size_t nweights;
	int early_stop;              /* only with --valid */
	double best_loss;
	unsigned best_epoch, epochs_run, worse;
	float *best_w, *best_b;
	float *probs;
	int failed;
};

/* Multi-label: the classes of probs[0..C) at or above NLP_MIN_P into set;
 * returns how many. */
static size_t
predicted_set(const float *probs, uint32_t C, uint32_t *set)
{
	size_t n = 0;
	uint32_t k;

	for (k = 0; k < C; k++)
		if (probs[k] >= NLP_MIN_P)
			set[n++] = k;
	return n;
}

/* Multi-label: subset accuracy and mean log loss (summed over the
 * classes) of (w, bias) on c; probs has C floats. */
static double
measure_multi(const struct csr *c, const float *w, const float *bias,
    uint32_t C, float *probs, double *loss)
{
	uint64_t ok = 0;
	double l = 0;
	size_t i, a, b;
	uint32_t k;

	for (i = 0; i < c->n; i++) {
		int same = 1;
		a = c->start[i];
		nlp_model_logits(w, bias, C, c->key + a, c->val + a,
		    c->start[i + 1] - a, probs);
		a = c->ystart[i];
		b = c->ystart[i + 1];
		for (k = 0; k < C; k++) {
			int y = a < b && c->ys[a] == k;
			double z = probs[k];
			a += (size_t)y;
			l += log1p(exp(-fabs(z))) + (z > 0 ? z : 0) - y * z;
			same &= (z >= 0) == y;   /* sigmoid(z) >= 0.5 */
		}
		ok += (uint64_t)same;
	}
	*loss = c->n ? l / (double)c->n : 0;
	return c->n ? (double)ok / (double)c->n : 0;
}

/* Accuracy and mean log loss of (w, bias) on c; probs has C floats. */
static double
measure(const struct csr *c, const float *w, const float *bias, uint32_t C,
    float *probs, double *loss)
{
	uint64_t ok = 0;
	double l = 0;
	size_t i;

	if (c->ystart != NULL)
		return measure_multi(c, w, bias, C, probs, loss);
	for (i = 0; i < c->n; i++) {
		uint32_t best;
		size_t a = c->start[i];

		nlp_model_scores(w, bias, C, c->key + a, c->val + a,
		    c->start[i + 1] - a, probs);
		nlp_top_k(probs, C, 1, &best);
		ok += best == c->y[i];
		l -= log(probs[c->y[i]] > 1e-30f ? (double)probs[c->y[i]] : 1e-30);
	}
	*loss = c->n ? l / (double)c->n : 0;
	return c->n ? (double)ok / (double)c->n : 0;
}

static int
epoch_done(void *arg, const struct nlp_epoch_report *r, const float *w,
    const float *bias)
{
	struct epoch_ctx *x = arg;
	struct nlp_train_progress p;
	double loss = 0;

	memset(&p, 0, sizeof p);
	x->epochs_run = r->epoch;
	p.epoch = r->epoch;
	p.epochs = x->o->epochs;
	p.loss = r->loss;
	p.examples_per_s = r->examples_per_s;
	p.valid_accuracy = -1;
	if (x->eval != NULL && (x->o->progress != NULL || x->early_stop))
		p.valid_accuracy = measure(x->eval, w, bias, x->nclasses,
		    x->probs, &loss);
	if (x->o->progress)
		x->o->progress(x->o->progress_arg, &p);
	if (!x->early_stop)
		return 0;
	if (loss < x->best_loss) {
		x->best_loss = loss;
		x->best_epoch = r->epoch;
		x->worse = 0;
		memcpy(x->best_w, w, x->nweights * sizeof *w);
		memcpy(x->best_b, bias, x->nclasses * sizeof *bias);
		return 0;
	}
	return ++x->worse >= 2;
}

/* The SVM's progress: classes solved. */
static void
class_done(void *arg, unsigned done, unsigned total)
{
	const struct nlp_train_opts *o = arg;
	struct nlp_train_progress p;

	memset(&p, 0, sizeof p);
	p.classes = done;
	p.nclasses = total;
	p.valid_accuracy = -1;
	o->progress(o->progress_arg, &p);
}

/*
 * The hash width for the data: 4x the feature occurrences (up to 2^24
 * buckets), and for data of few distinct features (short texts, a small
 * vocabulary) 1024x those (up to 2^22), so that two features rarely share
 * a bucket: 3,000 one-word texts, 4 copies each, had 2^16 buckets, about
 * 70 pairs of words in one, and 3 points of macro-F1 lost.  Buckets cost
 * a bit of the rank index each, rows only where features are.  0 when out
 * of memory.
 *
 * Past AUTO_DISTINCT distinct features the second width is 2^22 however
 * many more there are, so they are counted only that far, in a map of at
 * most 8,192 slots (a bitmap of every bucket was 8 MB, each page of it
 * faulted twice, read then written: 4,000 of a small training's 5,700
 * page faults).
 */
#define AUTO_DISTINCT ((size_t)1 << (22 - 10))

static unsigned
auto_bits(const struct csr *c)
{
	struct nlp_bmap set = { NULL, 0, 0 };
	unsigned b = NLP_BITS_MIN, d = NLP_BITS_MIN;
	size_t distinct, i;
	int added;

	for (i = 0; i < c->nnz && set.n <= AUTO_DISTINCT; i++)
		if (nlp_bmap_ref(&set, c->key[i], &added) == NULL) {
			nlp_bmap_release(&set);
			return 0;
		}
	distinct = set.n;
	nlp_bmap_release(&set);
	while (b < 24 && ((size_t)1 << b) < 4 * c->nnz)
		b++;
	while (d < 22 && ((size_t)1 << d) < 1024 * distinct)
		d++;
	return b > d ? b : d;
}

struct pick {
	uint64_t hash;
	uint32_t doc;
};

static int
cmp_pick(const void *a, const void *b)
{
	const struct pick *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return (x->doc > y->doc) - (x->doc < y->doc);
}

/*
 * The "sample" member: up to NLP_SAMPLE_TEXTS of the texts idx[0..n) (the
 * held-out ones, or the training ones), those whose seeded hash is
 * smallest, each cut to NLP_SAMPLE_BYTES at a character boundary,
 * separated by NUL bytes.  drift measures the reference's OOV rate and
 * trains its domain classifier on them.
 */
static int
make_sample(const struct corpus *c, const uint32_t *idx, size_t n,
    uint64_t seed, struct nlp_trained *t, struct nlp_err *e)
{
	struct pick *p = malloc((n + 1) * sizeof *p);
	size_t i, k, len = 0;
	char *buf;

	if (p == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	for (i = 0; i < n; i++) {
		p[i].doc = idx[i];
		p[i].hash = nlp_xxh64(&p[i].doc, sizeof p[i].doc, seed);
	}
	qsort(p, n, sizeof *p, cmp_pick);
	k = n < NLP_SAMPLE_TEXTS ? n : NLP_SAMPLE_TEXTS;
	if ((buf = malloc(k * (NLP_SAMPLE_BYTES + 1) + 1)) == NULL) {
		free(p);
		return nlp_errf(e, NLP_IO, "out of memory");
	}
	for (i = 0; i < k; i++) {
		const char *s = c->text + c->off[p[i].doc];
		size_t l = c->off[p[i].doc + 1] - c->off[p[i].doc];

		if (l > NLP_SAMPLE_BYTES) {
			l = NLP_SAMPLE_BYTES;
			while (l > 0 && ((unsigned char)s[l] & 0xc0) == 0x80)
				l--;
		}
		memcpy(buf + len, s, l);
		len += l;
		buf[len++] = '\0';
	}
	free(p);
	t->sample = buf;
	t->sample_len = len;
	return NLP_OK;
}

/* meta.json's "hyperparameters": what changes the model (not --threads,
 * -q or the output's name). */
static json_t *
meta_hyper(const struct nlp_train_opts *o, const struct nlp_feat_opts *fo,
    unsigned min_df)
{
	json_t *h = json_object(), *x = json_array();

	json_object_set_new(h, "ngrams", json_integer(fo->ngrams));
	json_array_append_new(x, json_integer(fo->char_min));
	json_array_append_new(x, json_integer(fo->char_max));
	json_object_set_new(h, "char_ngrams", x);
	json_object_set_new(h, "bits", json_integer(fo->bits));
	json_object_set_new(h, "min_df", json_integer(min_df));
	if (nlp_train_solver(o) == NLP_SOLVER_SVM) {
		json_object_set_new(h, "solver", json_string("svm"));
		json_object_set_new(h, "cost", json_real(o->cost));
		json_object_set_new(h, "tolerance", json_real(NLP_SVM_EPS));
	} else {
		json_object_set_new(h, "solver", json_string("sgd"));
		json_object_set_new(h, "epochs", json_integer(o->epochs));
		json_object_set_new(h, "lr", json_real(o->lr));
		json_object_set_new(h, "l2", json_real(o->l2));
		json_object_set_new(h, "batch", json_integer(NLP_BATCH));
	}
	json_object_set_new(h, "class_weight",
	    json_string(o->balanced ? "balanced" : "none"));
	json_object_set_new(h, "seed", json_integer((json_int_t)o->seed));
	if (o->valid == NULL)
		json_object_set_new(h, "holdout", json_real(o->holdout));
	if (o->quantize)         /* only then: older artifacts stay the same */
		json_object_set_new(h, "quantize", json_true());
	return h;
}

/* meta.json's "tokenizer": how text becomes features, in words. */
static json_t *
meta_tokenizer(void)
{
	json_t *x = json_object();

	json_object_set_new(x, "lowercase", json_true());
	json_object_set_new(x, "unicode", json_string("glibc C.UTF-8"));
	json_object_set_new(x, "tokens", json_string("runs of letters, digits "
	    "and marks; each CJK character; each other visible character"));
	json_object_set_new(x, "hash", json_string("xxh3-64, top bits"));
	json_object_set_new(x, "weighting", json_string("(1 + ln tf) * "
	    "(ln((1 + n) / (1 + df)) + 1), l2-normalized"));
	return x;
}

/* meta.json's "held_out": the figures, and where they came from. */
static json_t *
meta_held_out(const struct nlp_train_opts *o, const struct nlp_trained *t,
    uint64_t skipped_valid)
{
	json_t *x = json_object();

	json_object_set_new(x, "n", json_integer((json_int_t)t->held_out));
	json_object_set_new(x, "source", json_string(o->valid ? "valid" :
	    "holdout"));
	if (t->held_out > 0) {
		json_object_set_new(x, "accuracy", json_real(t->held_out_accuracy));
		json_object_set_new(x, "macro_f1", json_real(t->held_out_macro_f1));
		if (o->multilabel) {
			json_object_set_new(x, "micro_f1",
			    json_real(t->held_out_micro_f1));
			json_object_set_new(x, "hamming_loss",
			    json_real(t->held_out_hamming));
		}
		if (t->quantized) {
			json_object_set_new(x, "float_accuracy",
			    json_real(t->float_accuracy));
			json_object_set_new(x, "float_macro_f1",
			    json_real(t->float_macro_f1));
		}
		/* the model was trained again with them (refit()) */
		json_object_set_new(x, "refit", json_boolean(t->refit));
	}
	if (o->valid)
		json_object_set_new(x, "unknown_labels",
		    json_integer((json_int_t)skipped_valid));
	return x;
}

/* meta.json's "inputs" (each file's base name, SHA-256 and size, as
 * sha256sum and wc -c say) and "valid". */
static void
meta_inputs(json_t *root, const struct nlp_input *in, size_t nin,
    const struct nlp_input *valid)
{
	json_t *a = json_array(), *x;
	size_t i;

	for (i = 0; i < nin; i++) {
		const char *base = strrchr(in[i].path, '/');
		char name[4097];         /* a registry keeps 4096 bytes */
		x = json_object();
		/* escaped: a name that is not UTF-8 was left out, and the
		   artifact refused by push and the registry */
		json_object_set_new(x, "name", json_string(nlp_text_escape_into(
		    base ? base + 1 : in[i].path, name, sizeof name)));
		json_object_set_new(x, "sha256", json_string(in[i].sha256));
		json_object_set_new(x, "bytes", json_integer((json_int_t)in[i].bytes));
		json_array_append_new(a, x);
	}
	json_object_set_new(root, "inputs", a);
	if (valid != NULL) {
		x = json_object();
		json_object_set_new(x, "sha256", json_string(valid->sha256));
		json_object_set_new(x, "bytes", json_integer((json_int_t)valid->bytes));
		json_object_set_new(root, "valid", x);
	}
}

/* json_dumps() of root, with the newline a text file ends with. */
static char *
dump_text(json_t *root)
{
	char *s = json_dumps(root, JSON_SORT_KEYS | JSON_INDENT(2) |
	    JSON_REAL_PRECISION(8)), *t;
	size_t n;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	if ((t = realloc(s, n + 2)) == NULL) {
		free(s);
		return NULL;
	}
	t[n] = '\n';
	t[n + 1] = '\0';
	return t;
}

/* meta.json: what the model is and what it was made from. */
static char *
make_meta(const struct nlp_train_opts *o, const struct nlp_feat_opts *fo,
    unsigned min_df,
    const struct nlp_strmap *labels, const uint32_t *order,
    const uint64_t *counts, const struct nlp_trained *t,
    const struct nlp_input *in, size_t nin, const struct nlp_input *valid,
    uint64_t skipped_valid, const char *skipped)
{
	unsigned long mark;
	json_t *root, *a, *x;
	char *s;
	size_t i;

	/* a constructor or json_dumps() that ran out of memory drops a key
	 * without a word: an artifact's meta.json with a key missing would be
	 * written and pushed as if whole */
	mark = nlp_json_watch();
	if ((root = json_object()) == NULL)
		return NULL;
	json_object_set_new(root, "format", json_integer(NLP_ARTIFACT_FORMAT));
	json_object_set_new(root, "nlpops_version", json_string(NLP_VERSION));
	json_object_set_new(root, "model", json_string(o->multilabel ?
	    "one-vs-all logistic regressions on hashed tf-idf n-grams" :
	    t->solver == NLP_SOLVER_SVM ? "one-vs-rest linear SVMs (squared "
	    "hinge) on hashed tf-idf n-grams, softmax of the margins times a "
	    "fitted temperature" :
	    "softmax regression on hashed tf-idf n-grams"));
	if (o->multilabel)       /* only then: older artifacts stay the same */
		json_object_set_new(root, "multilabel", json_true());
	a = json_array();
	for (i = 0; i < labels->n; i++) {
		x = json_object();
		json_object_set_new(x, "label", json_string(labels->ent[order[i]].key));
		json_object_set_new(x, "count", json_integer((json_int_t)counts[i]));
		json_array_append_new(a, x);
	}
	json_object_set_new(root, "labels", a);
	json_object_set_new(root, "hyperparameters", meta_hyper(o, fo, min_df));
	json_object_set_new(root, "tokenizer", meta_tokenizer());
	json_object_set_new(root, "rows", json_integer(t->nrows));
	json_object_set_new(root, "examples", json_integer((json_int_t)t->examples));
	if (t->solver == NLP_SOLVER_SVM) {
		json_object_set_new(root, "passes", json_integer(t->passes));
		json_object_set_new(root, "unconverged",
		    json_integer(t->unconverged));
		json_object_set_new(root, "temperature",
		    json_real(t->temperature));
	} else {
		json_object_set_new(root, "epochs_run",
		    json_integer(t->epochs_run));
		json_object_set_new(root, "best_epoch",
		    json_integer(t->best_epoch));
	}
	json_object_set_new(root, "held_out", meta_held_out(o, t, skipped_valid));
	json_object_set_new(root, "skipped", json_string(skipped));
	if (t->warning[0] != '\0')
		json_object_set_new(root, "warning", json_string(t->warning));
	meta_inputs(root, in, nin, valid);
	s = dump_text(root);
	json_decref(root);
	if (s != NULL && nlp_json_failed_since(mark)) {
		free(s);
		return NULL;
	}
	return s;
}

static int
cmp_u32_asc(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Order label entry numbers by the labels' bytes (qsort_r, map in arg). */
static int
cmp_label(const void *a, const void *b, void *arg)
{
	const struct nlp_strmap *m = arg;

	return strcmp(m->ent[*(const uint32_t *)a].key,
	    m->ent[*(const uint32_t *)b].key);
}

/* One training run: everything nlp_train() makes on the way. */
struct run {
	const struct nlp_train_opts *o;
	struct corpus all, val;      /* the data; --valid's */
	struct csr tr, ev;           /* training and held-out vectors */
	struct nlp_strmap labels;
	struct nlp_profile prof;
	struct nlp_feat_opts fo;
	struct nlp_input *inputs, *vinputs;
	size_t ninputs, nvinputs;
	/* the reader's summary as meta.json has it: a file by its name, as
	   in "inputs" (the artifact's bytes the same wherever it was read) */
	char odd_names[sizeof ((struct nlp_trained *)0)->oddities];
	struct nlp_pool *pool;
	struct epoch_ctx ctx;
	struct nlp_svm_report svm;
	struct nlp_class_counts cm;
	uint32_t *order, *rank;      /* classes in label order, and back */
	const char **labnames;
	uint64_t *counts;            /* training examples per class */
	uint32_t *idx;               /* held out first (nhold), then training */
	uint32_t *tidx;              /* the training examples: idx + nhold; all
	                                of idx after a refit */
	double temperature;          /* refit: the first model's */
	int refitting;               /* refit(): the second learn() */
	float *alpha;                /* the SVMs' dual variables, for the
	                                refit to start from (nlp_svm_opts) */
	size_t alpha_n;              /* the examples they are of */
	uint64_t *hfps;              /* the held-out texts' fingerprints */
	size_t vdocs;                /* the documents the idf counts */
	uint32_t *keys, *df;
	float *idf, *w, *bias, *cw, *conf;
	uint64_t *ref_pred;          /* drift's reference of the labels
	                                predicted, when not cm.pred (refit()) */
	uint32_t *pset;              /* multi-label: a predicted set, C */
	struct nlp_quantized qw;     /* --quantize */
	uint64_t *fps, unknown;
	size_t ntrain, nhold;
	uint32_t C, V;
	unsigned min_df;
};

/* What learn() makes: the weights and their bookkeeping (refit() learns
 * them again). */
static void
learnt_release(struct run *u)
{
	free(u->w);
	free(u->bias);
	free(u->cw);
	free(u->pset);
	free(u->ctx.best_w);
	free(u->ctx.best_b);
	free(u->ctx.probs);
	nlp_quantized_release(&u->qw);
	u->w = u->bias = u->cw = NULL;
	u->pset = NULL;
	memset(&u->ctx, 0, sizeof u->ctx);
	memset(&u->svm, 0, sizeof u->svm);
}

static void
run_release(struct run *u)
{
	nlp_class_counts_release(&u->cm);
	nlp_pool_close(u->pool);
	corpus_release(&u->all);
	corpus_release(&u->val);
	csr_release(&u->tr);
	csr_release(&u->ev);
	nlp_strmap_release(&u->labels);
	nlp_profile_release(&u->prof);
	free(u->inputs);
	free(u->vinputs);
	free(u->fps);
	free(u->order);
	free(u->rank);
	free(u->labnames);
	free(u->counts);
	free(u->idx);
	free(u->hfps);
	free(u->keys);
	free(u->df);
	free(u->idf);
	free(u->conf);
	free(u->ref_pred);
	free(u->alpha);
	learnt_release(u);
}

static int
oom(struct nlp_err *e)
{
	return nlp_errf(e, NLP_IO, "out of memory");
}

/* Turn c's classes (label entries) into ranks in label order; each
 * multi-label set then sorted. */
static int
rank_classes(const struct run *u, struct corpus *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		c->y[i] = u->rank[c->y[i]];
	if (!c->multi)
		return NLP_OK;
	for (i = 0; i < c->nys; i++)
		c->ys[i] = u->rank[c->ys[i]];
	for (i = 0; i < c->n; i++)
		qsort(c->ys + c->ystart[i], c->ystart[i + 1] - c->ystart[i],
		    sizeof *c->ys, cmp_u32_asc);
	return NLP_OK;
}

/* Examples from which a label for each is no accident. */
#define UNIQUE_MIN 20

/* Read the data; classes in bytewise label order, so that the model does
 * not depend on which label came first. */
static int
load_data(struct run *u, const char *const *paths, size_t npaths,
    struct nlp_trained *t, struct nlp_err *e)
{
	struct oddities odd = { t->oddities, u->odd_names, t->losses,
		sizeof t->oddities };
	struct nlp_reader_opts ro;
	char shown[1024];
	size_t i;
	int rc;

	u->all.multi = u->o->multilabel;
	ro = u->o->reader;
	if (u->o->valid != NULL)   /* its options may be --valid's */
		ro.also_format = ro.format != NLP_FMT_AUTO ? ro.format :
		    nlp_format_guess(u->o->valid, 1);
	rc = read_corpus(paths, npaths, &ro, &u->labels, 0, NULL,
	    &u->all, &u->inputs, &u->ninputs, &odd, e);
	if (rc != NLP_OK)
		return rc;
	if (u->all.n == 0)
		return nlp_errf(e, NLP_DATA, "no examples in %s%s%s",
		    nlp_inputs_shown(paths, npaths, shown, sizeof shown),
		    t->oddities[0] ? ": " : "", t->oddities);
	if ((u->C = (uint32_t)u->labels.n) < 2)
		return nlp_errf(e, NLP_DATA, "only one label ('%s') in %zu "
		    "example%s: a classifier needs at least two%s%s",
		    u->labels.ent[0].key, u->all.n, u->all.n == 1 ? "" : "s",
		    t->oddities[0] ? "; " : "", t->oddities);
	/* a label of its own for every example: a row number or an id read
	   as the label, a model of nothing -- or a few-shot task of one
	   example a class: said, loud, and kept in the artifact */
	if (!u->o->multilabel && u->C == u->all.n && u->all.n >= UNIQUE_MIN)
		snprintf(t->warning, sizeof t->warning, "each of the %zu "
		    "examples has a label of its own: no class has two examples "
		    "to learn from (is the label a row number or an id? see "
		    "--label-column, --label-field, --format)", u->all.n);
	u->order = malloc(u->C * sizeof *u->order);
	u->rank = malloc(u->C * sizeof *u->rank);
	u->labnames = malloc(u->C * sizeof *u->labnames);
	u->counts = calloc(u->C, sizeof *u->counts);
	u->idx = malloc(u->all.n * sizeof *u->idx);
	if (!u->order || !u->rank || !u->labnames || !u->counts || !u->idx ||
	    (u->pool = nlp_pool_new(u->o->threads)) == NULL)
		return oom(e);
	for (i = 0; i < u->C; i++)
		u->order[i] = (uint32_t)i;
	qsort_r(u->order, u->C, sizeof *u->order, cmp_label, &u->labels);
	for (i = 0; i < u->C; i++) {
		u->rank[u->order[i]] = (uint32_t)i;
		u->labnames[i] = u->labels.ent[u->order[i]].key;
	}
	return rank_classes(u, &u->all);
}

/*
 * Fold `fold` of `folds`, stratified as scikit-learn's cross-validation of
 * a classifier is: the examples in idx (shuffled) grouped by class (a
 * multi-label example by its first), each group in its shuffled order,
 * and dealt to the folds in turn, so that each fold holds its share of
 * every class (one more or less), not whatever a random slice gives a
 * small class.  The fold's examples to the front of idx, the rest after.
 */
static int
deal_fold(struct run *u, unsigned fold, unsigned folds)
{
	const struct corpus *c = &u->all;
	size_t n = c->n, i, at = 0, held = 0, rest;
	uint32_t *by = malloc(n * sizeof *by);
	size_t *start = calloc((size_t)u->C + 1, sizeof *start);

	if (by == NULL || start == NULL) {
		free(by);
		free(start);
		return -1;
	}
	for (i = 0; i < n; i++)
		start[c->y[u->idx[i]] + 1]++;
	for (i = 0; i < u->C; i++)
		start[i + 1] += start[i];
	for (i = 0; i < n; i++)
		by[start[c->y[u->idx[i]]]++] = u->idx[i];
	rest = u->nhold;
	for (i = 0; i < n; i++, at = at + 1 == folds ? 0 : at + 1)
		if (at == fold)
			u->idx[held++] = by[i];
		else
			u->idx[rest++] = by[i];
	free(by);
	free(start);
	return held == u->nhold ? 0 : -1;
}

/* Count example d of the data among the training examples of its class
 * (multi-label: of each of its classes). */
static void
count_labels(struct run *u, size_t d)
{
	const struct corpus *c = &u->all;
	size_t k;

	if (!c->multi)
		u->counts[c->y[d]]++;
	else
		for (k = c->ystart[d]; k < c->ystart[d + 1]; k++)
			u->counts[c->ys[k]]++;
}

/* Validation data: --valid, a fold, or a seeded held-out slice of the data
 * (the first nhold of idx, each part in input order). */
static int
split(struct run *u, struct nlp_trained *t, struct nlp_err *e)
{
	const struct nlp_train_opts *o = u->o;
	uint64_t rng;
	size_t i;
	int rc;

	if (o->valid != NULL) {
		const char *vp[1] = { o->valid };
		struct nlp_reader_opts vro = o->reader;
		char names[sizeof t->valid_oddities];
		/* its records skipped or changed, said as the training
		   data's are: the held-out figures stand on the rest */
		struct oddities odd = { t->valid_oddities, names,
			t->valid_losses, sizeof t->valid_oddities };
		vro.options_shared = 1;  /* the training data's options too */
		u->val.multi = o->multilabel;
		rc = read_corpus(vp, 1, &vro, &u->labels, 1, &u->unknown,
		    &u->val, &u->vinputs, &u->nvinputs, &odd, e);
		if (rc != NLP_OK) {
			nlp_err_prefix(e, "--valid");
			return rc;
		}
		/* validation asked for and none possible: not a silent
		   model without held-out figures */
		if (u->val.n == 0)
			return nlp_errf(e, NLP_DATA, "--valid '%s': no example to "
			    "validate on%s%s%s", o->valid, u->unknown == 0 ? "" :
			    u->unknown == 1 ? ": its one record has a label the "
			    "training data has not" : ": all its records have "
			    "labels the training data has not",
			    u->unknown == 0 && t->valid_oddities[0] ? ": " : "",
			    u->unknown == 0 ? t->valid_oddities : "");
		rank_classes(u, &u->val);
	} else if (o->folds >= 2) {
		if (u->all.n < 2 * (size_t)o->folds)
			return nlp_errf(e, NLP_DATA, "%zu examples are too few for "
			    "%u folds (2 a fold at least)", u->all.n, o->folds);
		/* the examples dealt to this fold (deal_fold()) */
		u->nhold = (u->all.n - o->fold + o->folds - 1) / o->folds;
	} else if (o->holdout > 0 && u->all.n >= HOLDOUT_MIN_DOCS) {
		u->nhold = (size_t)(u->all.n * o->holdout);
		if (u->nhold == 0)      /* a share asked for: one at least */
			u->nhold = 1;
		if (u->nhold > HOLDOUT_MAX)
			u->nhold = HOLDOUT_MAX;
	}
	for (i = 0; i < u->all.n; i++)
		u->idx[i] = (uint32_t)i;
	rng = o->seed ^ 0x401d0c7ULL;
	if (u->nhold > 0) {
		nlp_shuffle(u->idx, u->all.n, &rng);
		if (o->folds >= 2 && deal_fold(u, o->fold, o->folds) < 0)
			return nlp_errf(e, NLP_IO, "out of memory");
		qsort(u->idx, u->nhold, sizeof *u->idx, cmp_u32_asc);
		qsort(u->idx + u->nhold, u->all.n - u->nhold, sizeof *u->idx,
		    cmp_u32_asc);
	}
	u->ntrain = u->all.n - u->nhold;
	u->tidx = u->idx + u->nhold;
	for (i = u->nhold; i < u->all.n; i++)
		count_labels(u, u->idx[i]);
	return NLP_OK;
}

/* The indices 0 .. n - 1 (a whole corpus, --valid's), or NULL when out of
 * memory. */
static uint32_t *
all_of(size_t n)
{
	uint32_t *idx = malloc((n + 1) * sizeof *idx);
	size_t i;

	for (i = 0; idx != NULL && i < n; i++)
		idx[i] = (uint32_t)i;
	return idx;
}

/* The model is trained again on the held-out slice once measured (refit()):
 * a slice of --holdout's, not --valid, not a fold of --cv. */
static int
refits(const struct run *u)
{
	return u->o->refit && u->nhold > 0 && u->o->valid == NULL &&
	    u->o->folds < 2;
}

/* Hash the training texts (and profile them), then the held-out ones. */
static int
featurize_all(struct run *u, struct nlp_err *e)
{
	const struct nlp_train_opts *o = u->o;
	uint32_t *vidx;
	int rc;

	u->fo.ngrams = o->ngrams;
	u->fo.char_min = o->char_min;
	u->fo.char_max = o->char_max;
	u->fo.bits = NLP_BITS_MAX;
	u->fo.seed = 0x6e6c706f7073ULL;   /* "nlpops": fixed, not --seed */
	if ((rc = featurize(&u->all, u->tidx, u->ntrain, &u->fo,
	    u->pool, &u->prof, o->seed, &u->tr, &u->fps, e)) != NLP_OK)
		return rc;
	/* a model of no features would be the class priors, passed off as a
	   classifier: refuse it */
	if (u->tr.nnz == 0)
		return nlp_errf(e, NLP_DATA, "no usable examples: the texts of all "
		    "%zu training examples are empty or white space", u->ntrain);
	if (u->nhold > 0)
		return featurize(&u->all, u->idx, u->nhold, &u->fo, u->pool, NULL,
		    0, &u->ev, refits(u) ? &u->hfps : NULL, e);
	if (u->val.n == 0)
		return NLP_OK;
	if ((vidx = all_of(u->val.n)) == NULL)
		return oom(e);
	rc = featurize(&u->val, vidx, u->val.n, &u->fo, u->pool, NULL, 0, &u->ev,
	    NULL, e);
	free(vidx);
	return rc;
}

/* Training examples a class, on average, below which the default
 * --min-df is 1 (vocabulary()). */
#define MIN_DF_PER_CLASS 500

/* Hash width, vocabulary (buckets in min_df documents or more) and idf;
 * then the TF-IDF vectors over the vocabulary's rows. */
static int
vocabulary(struct run *u, struct nlp_err *e)
{
	struct nlp_vocab v;
	int rc = NLP_OK;

	if ((u->fo.bits = u->o->bits ? u->o->bits : auto_bits(&u->tr)) == 0)
		return oom(e);
	coarsen(&u->tr, u->fo.bits);
	coarsen(&u->ev, u->fo.bits);
	u->vdocs = u->ntrain;
	/* by default 3 from 2000 examples, where it keeps the model small
	   at little cost -- unless the classes have fewer than 500 each:
	   then the rare features are much of a class's evidence (153
	   languages in short messages: 0.588 macro-F1 at 3, 0.673 at 1; a
	   package's maintainer among 121: 0.828 and 0.854).  Below 2000, 2
	   from 200 whatever the classes: on so little data neither value
	   wins clearly (400 debian descriptions of 45 sections: 0.338 at
	   2, 0.317 at 1, on 200), and 2 keeps the model a quarter the size */
	u->min_df = u->o->min_df ? u->o->min_df : u->ntrain >= 2000 ?
	    (u->ntrain >= MIN_DF_PER_CLASS * (size_t)u->C ? 3 : 1) :
	    u->ntrain >= 200 ? 2 : 1;
	if (nlp_vocab_build_keys(&v, u->tr.key, u->tr.nnz, u->ntrain,
	    u->fo.bits, u->min_df) < 0)
		return oom(e);
	if ((u->V = v.n) == 0)
		rc = nlp_errf(e, NLP_DATA, "no usable examples: no feature "
		    "occurs in %u or more of the %zu training texts (--min-df)",
		    u->min_df, u->ntrain);
	else if (vectorize(&u->tr, &v, u->pool) < 0 ||
	    vectorize(&u->ev, &v, u->pool) < 0)
		rc = oom(e);
	/* the rows' buckets, documents and idf stay; the map goes */
	u->keys = v.key, u->df = v.df, u->idf = v.idf;
	v.key = v.df = NULL, v.idf = NULL;
	nlp_vocab_release(&v);
	return rc;
}

/* The epochs' bookkeeping, and balanced class weights when asked. */
static int
learn_setup(struct run *u, struct nlp_err *e)
{
	uint32_t C = u->C;
	size_t i;

	/* in huge pages where the kernel has them (bigmem.h): debian's 39 MB
	   of weights took 9,500 page faults, 0.1 s before the solver's
	   threads start, in small ones */
	u->w = (size_t)u->V * C + 1 > SIZE_MAX / sizeof *u->w ? NULL :
	    nlp_big_calloc(((size_t)u->V * C + 1) * sizeof *u->w);
	if (u->w == NULL)     /* said with its size: what to make smaller */
		return nlp_errf(e, NLP_IO, "out of memory for the weights: %u "
		    "classes x %u features, %.0f MB (--bits, --min-df or fewer "
		    "labels make them fewer)", C, u->V, ceil((double)u->V * C *
		    sizeof *u->w / 1e6));
	u->bias = calloc(C, sizeof *u->bias);
	u->ctx.probs = malloc(C * sizeof *u->ctx.probs);
	u->pset = malloc(C * sizeof *u->pset);
	if (!u->bias || !u->ctx.probs || !u->pset)
		return oom(e);
	if (u->o->balanced) {
		if ((u->cw = malloc(C * sizeof *u->cw)) == NULL)
			return oom(e);
		for (i = 0; i < C; i++)
			u->cw[i] = u->counts[i] ? (float)((double)u->ntrain /
			    ((double)C * (double)u->counts[i])) : 0;
	}
	u->ctx.o = u->o;
	u->ctx.eval = u->ev.n > 0 ? &u->ev : NULL;
	u->ctx.nclasses = C;
	u->ctx.nweights = (size_t)u->V * C;
	u->ctx.early_stop = u->o->valid != NULL && u->ev.n > 0 &&
	    nlp_train_solver(u->o) == NLP_SOLVER_SGD;
	u->ctx.best_loss = INFINITY;
	if (u->ctx.early_stop &&
	    ((u->ctx.best_w = malloc(u->ctx.nweights * sizeof *u->w + 1)) ==
	    NULL || (u->ctx.best_b = malloc(C * sizeof *u->bias)) == NULL))
		return oom(e);
	return NLP_OK;
}

/* Learn the weights (keeping the best epoch's under early stopping). */
static int
learn(struct run *u, struct nlp_err *e)
{
	struct nlp_learn_opts lo;
	struct nlp_dataset ds;
	int rc;

	if ((rc = learn_setup(u, e)) != NLP_OK)
		return rc;
	memset(&lo, 0, sizeof lo);
	lo.epochs = u->o->epochs;
	lo.lr = (float)u->o->lr;
	lo.l2 = (float)u->o->l2;
	lo.seed = u->o->seed;
	lo.class_weight = u->cw;
	lo.pool = u->pool;
	lo.epoch_done = epoch_done;
	lo.arg = &u->ctx;
	ds.n = u->tr.n;
	ds.start = u->tr.start;
	ds.row = u->tr.key;
	ds.val = u->tr.val;
	ds.y = u->tr.y;
	ds.ystart = u->tr.ystart;
	ds.ys = u->tr.ys;
	ds.nrows = u->V;
	ds.nclasses = u->C;
	if (nlp_train_solver(u->o) == NLP_SOLVER_SVM && u->o->multilabel)
		return nlp_errf(e, NLP_USAGE, "the SVM solver is for single-label "
		    "training: multi-label data learns by SGD");
	if (nlp_train_solver(u->o) == NLP_SOLVER_SVM) {
		struct nlp_svm_opts so;
		struct nlp_dataset cal = ds;
		/* a model measured, then solved again from its solution with
		   the held-out examples: the second solve is the one kept */
		int first = refits(u) && !u->refitting;

		memset(&so, 0, sizeof so);
		so.cost = u->o->cost;
		so.eps = first ? NLP_SVM_EPS_FIRST : 0;
		so.class_weight = u->cw;
		so.seed = u->o->seed;
		so.pool = u->pool;
		cal.n = u->ev.n;
		cal.start = u->ev.start;
		cal.row = u->ev.key;
		cal.val = u->ev.val;
		cal.y = u->ev.y;
		so.calib = &cal;
		so.temperature = u->temperature;
		if (u->o->progress != NULL) {
			so.class_done = class_done;
			so.arg = (void *)u->o;
		}
		/* the refit starts from the first solution (its examples come
		   first, the held-out ones start at 0): a quarter fewer passes
		   on debian's data.  Kept when it is no larger than the weights
		   (or 64 MiB): with more examples than features it would be the
		   larger part of the memory a training takes. */
		if (u->alpha != NULL) {
			so.alpha_in = u->alpha;
			so.alpha_n = u->alpha_n;
		} else if (first && (uint64_t)u->C * ds.n <=
		    ((uint64_t)u->V * u->C > (1u << 24) ?
		    (uint64_t)u->V * u->C : 1u << 24)) {
			if ((u->alpha = malloc((size_t)u->C * ds.n *
			    sizeof *u->alpha)) == NULL)
				return oom(e);
			u->alpha_n = ds.n;
			so.alpha_out = u->alpha;
		}
		rc = nlp_svm_train(&ds, &so, u->w, u->bias, &u->svm, e);
		if (so.alpha_in != NULL) {
			free(u->alpha);
			u->alpha = NULL;
		}
		return rc;
	}
	if ((rc = nlp_learn(&ds, &lo, u->w, u->bias, e)) != NLP_OK)
		return rc;
	if (u->ctx.early_stop && u->ctx.best_epoch > 0 &&
	    u->ctx.best_epoch != u->ctx.epochs_run) {
		memcpy(u->w, u->ctx.best_w, u->ctx.nweights * sizeof *u->w);
		memcpy(u->bias, u->ctx.best_b, u->C * sizeof *u->bias);
	}
	return NLP_OK;
}

/* The answer of the weights learnt for a vector of n rows (none: the
 * bias alone, a text with no feature in the vocabulary), probabilities
 * into probs (C floats). */
static void
answer(const struct run *u, const uint32_t *rows, const float *vals,
    size_t n, float *probs)
{
	nlp_model_logits(u->w, u->bias, u->C, rows, vals, n, probs);
	if (u->o->multilabel)
		nlp_sigmoid(probs, u->C);
	else
		nlp_softmax(probs, u->C);
}

/* Score the held-out examples with the weights as they are: their
 * per-class counts into cm (initialized here), and with conf != NULL each
 * one's top probability.  Returns 0, or -1 when out of memory. */
static int
score_held_out(struct run *u, struct nlp_class_counts *cm, float *conf)
{
	const struct csr *ev = &u->ev;
	uint32_t best;
	size_t i, a;

	if (nlp_class_counts_init(cm, u->C) < 0)
		return -1;
	for (i = 0; i < ev->n; i++) {
		a = ev->start[i];
		answer(u, ev->key + a, ev->val + a, ev->start[i + 1] - a,
		    u->ctx.probs);
		nlp_top_k(u->ctx.probs, u->C, 1, &best);
		if (u->o->multilabel)
			nlp_class_counts_add_sets(cm, ev->ys + ev->ystart[i],
			    ev->ystart[i + 1] - ev->ystart[i], u->pset,
			    predicted_set(u->ctx.probs, u->C, u->pset));
		else
			nlp_class_counts_add(cm, ev->y[i], best);
		if (conf != NULL)
			conf[i] = u->ctx.probs[best];
	}
	return 0;
}

/* Micro-averaged F1 of the counts (2 tp / (predicted + support)). */
static double
micro_f1(const struct nlp_class_counts *k)
{
	uint64_t tp = 0, n = 0;
	uint32_t c;

	for (c = 0; c < k->nclasses; c++) {
		tp += k->tp[c];
		n += k->pred[c] + k->gold[c];
	}
	return n ? 2.0 * (double)tp / (double)n : 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/*
 * How many held-out texts (the held-out slice, or --valid's) are also
 * training texts, by the fingerprint eval's "also occur in the training
 * data" uses: with duplicated data the held-out figures are of texts the
 * model learnt.  -1 when out of memory.
 */
static int64_t
held_out_seen(struct run *u)
{
	const struct corpus *c = u->nhold > 0 ? &u->all : &u->val;
	size_t n = u->nhold > 0 ? u->nhold : u->val.n, i;
	uint64_t *fp = malloc((u->ntrain + 1) * sizeof *fp), h;
	struct nlp_tokens tok;
	int64_t seen = 0;

	if (fp == NULL)
		return -1;
	memcpy(fp, u->fps, u->ntrain * sizeof *fp);
	qsort(fp, u->ntrain, sizeof *fp, cmp_u64);
	memset(&tok, 0, sizeof tok);
	for (i = 0; i < n && seen >= 0; i++) {
		size_t d = u->nhold > 0 ? u->idx[i] : i;
		if (nlp_tokenize(c->text + c->off[d], c->off[d + 1] - c->off[d],
		    &tok) < 0) {
			seen = -1;
			break;
		}
		h = nlp_tokens_fingerprint(&tok);
		seen += h != 0 && bsearch(&h, fp, u->ntrain, sizeof *fp,
		    cmp_u64) != NULL;
	}
	nlp_tokens_release(&tok);
	free(fp);
	return seen;
}

/* The weights learnt, as 8-bit rows (--quantize): 0, or -1 when out of
 * memory. */
static int
quantize(struct run *u)
{
	if (nlp_quantize(&u->qw, u->w, u->V, u->C) < 0)
		return -1;
	/* value type 3: the idf as its inputs */
	u->qw.df = u->df;
	u->qw.ndocs = u->vdocs;
	return 0;
}

/* Held-out examples from which a model that answers one label for all
 * of them is said to (held_out()): fewer say little. */
#define ONE_LABEL_MIN 30

/* Held-out figures for the profile and meta.json: per-class counts,
 * linear in C (a C x C matrix took 3.2 GB at 20000 classes); with
 * --quantize, of the quantized model (and of the float one it came from). */
static int
held_out(struct run *u, struct nlp_trained *t, struct nlp_err *e)
{
	const struct csr *ev = &u->ev;
	uint32_t best, only;
	size_t i, npred, ngold;

	t->examples = u->ntrain;
	t->held_out = ev->n;
	t->valid_unknown = u->unknown;
	if (ev->n > 0 && (t->held_out_seen = held_out_seen(u)) < 0)
		return oom(e);
	t->nclasses = u->C;
	t->nrows = u->V;
	t->bits = u->fo.bits;
	t->solver = nlp_train_solver(u->o);
	t->cost = u->o->cost;
	t->passes = u->svm.passes_max;
	t->unconverged = u->svm.unconverged;
	t->temperature = u->svm.temperature;
	t->epochs_run = u->ctx.epochs_run;
	t->best_epoch = u->ctx.early_stop && u->ctx.best_epoch ?
	    u->ctx.best_epoch : u->ctx.epochs_run;
	if (u->o->quantize) {
		/* the float model's figures, then the quantized model's */
		t->quantized = 1;
		if (ev->n > 0) {
			struct nlp_class_counts cm;
			if (score_held_out(u, &cm, NULL) < 0)
				return oom(e);
			t->float_accuracy = nlp_class_counts_accuracy(&cm);
			t->float_macro_f1 = nlp_class_counts_macro_f1(&cm);
			nlp_class_counts_release(&cm);
		}
		if (quantize(u) < 0)
			return oom(e);
	}
	if (ev->n == 0)
		return NLP_OK;
	if ((u->conf = malloc(ev->n * sizeof *u->conf)) == NULL ||
	    score_held_out(u, &u->cm, u->conf) < 0)
		return oom(e);
	t->held_out_accuracy = nlp_class_counts_accuracy(&u->cm);
	t->held_out_macro_f1 = nlp_class_counts_macro_f1(&u->cm);
	if (u->o->multilabel) {
		/* no majority class to compare with: labels are not exclusive */
		t->held_out_micro_f1 = micro_f1(&u->cm);
		t->held_out_hamming = nlp_class_counts_hamming(&u->cm);
		return NLP_OK;
	}
	for (i = best = 0; i < u->C; i++)
		if (u->cm.gold[i] > u->cm.gold[best])
			best = (uint32_t)i;
	t->held_out_majority = (double)u->cm.gold[best] / (double)ev->n;
	/* a model that says one label whatever the text is no model,
	 * however its accuracy compares, balanced class weights or not
	 * (single words as sentiment: 19 features kept, every answer
	 * 'neg', at the majority rate) */
	for (i = 0, npred = 0, ngold = 0, only = 0; i < u->C; i++) {
		npred += u->cm.pred[i] > 0;
		ngold += u->cm.gold[i] > 0;
		if (u->cm.pred[i] > 0)
			only = (uint32_t)i;
	}
	if (npred == 1 && ngold >= 2 && ev->n >= ONE_LABEL_MIN &&
	    t->warning[0] == '\0')
		snprintf(t->warning, sizeof t->warning, "the model answers '%.*s' "
		    "for every one of the %zu held-out examples, of %zu labels: "
		    "it tells their texts apart no better than its commonest "
		    "label", (int)nlp_utf8_cut(u->labnames[only],
		    strlen(u->labnames[only]), 100), u->labnames[only], ev->n,
		    ngold);
	/* balanced class weights trade the commonest label's examples for
	 * the others': an accuracy below the majority-class rate is what
	 * they were asked for, and a sign of a model of nothing only when
	 * the classes' mean recall is near chance too (1/k, within 0.05) */
	if (u->o->balanced) {
		double recall = 0;
		size_t k = 0;
		for (i = 0; i < u->C; i++)
			if (u->cm.gold[i] > 0) {
				recall += (double)u->cm.tp[i] /
				    (double)u->cm.gold[i];
				k++;
			}
		if (t->held_out_accuracy < t->held_out_majority && k >= 2 &&
		    recall / (double)k < 1.0 / (double)k + 0.05 &&
		    t->warning[0] == '\0')
			snprintf(t->warning, sizeof t->warning, "held-out "
			    "balanced accuracy %.4f is near chance (%.4f for %zu "
			    "classes), and accuracy %.4f below the majority-class "
			    "rate %.4f: the model predicts no better than chance",
			    recall / (double)k, 1.0 / (double)k, k,
			    t->held_out_accuracy, t->held_out_majority);
		return NLP_OK;
	}
	/* a model worse than always saying the commonest label learned
	 * nothing worth keeping (shuffled labels, texts not matching) */
	if (t->held_out_accuracy < t->held_out_majority &&
	    t->warning[0] == '\0')
		snprintf(t->warning, sizeof t->warning, "held-out accuracy %.4f "
		    "is below the majority-class rate %.4f (always '%.*s'): the "
		    "model predicts worse than its commonest label",
		    t->held_out_accuracy, t->held_out_majority,
		    (int)nlp_utf8_cut(u->labnames[best], strlen(u->labnames[best]),
		    100), u->labnames[best]);
	return NLP_OK;
}

/* Append b's rows to a's (their keys rows of the same vocabulary); 0, or
 * -1 when out of memory (a's rows then as they were). */
static int
csr_append(struct csr *a, const struct csr *b)
{
	size_t n = a->n + b->n, nnz = a->nnz + b->nnz, i, nys = 0;
	void *p;

	if ((p = realloc(a->start, (n + 1) * sizeof *a->start)) == NULL)
		return -1;
	a->start = p;
	if ((p = nlp_big_realloc(a->key, (a->nnz + 1) * sizeof *a->key,
	    (nnz + 1) * sizeof *a->key)) == NULL)
		return -1;
	a->key = p;
	if ((p = nlp_big_realloc(a->tf, (a->nnz + 1) * sizeof *a->tf,
	    (nnz + 1) * sizeof *a->tf)) == NULL)
		return -1;
	a->tf = p;
	if ((p = realloc(a->val, (nnz + 1) * sizeof *a->val)) == NULL)
		return -1;
	a->val = p;
	if ((p = realloc(a->y, (n + 1) * sizeof *a->y)) == NULL)
		return -1;
	a->y = p;
	if (a->ystart != NULL) {
		nys = a->ystart[a->n] + b->ystart[b->n];
		if ((p = realloc(a->ystart, (n + 1) * sizeof *a->ystart)) ==
		    NULL)
			return -1;
		a->ystart = p;
		if ((p = realloc(a->ys, (nys + 1) * sizeof *a->ys)) == NULL)
			return -1;
		a->ys = p;
		memcpy(a->ys + a->ystart[a->n], b->ys, b->ystart[b->n] *
		    sizeof *b->ys);
		for (i = 1; i <= b->n; i++)
			a->ystart[a->n + i] = a->ystart[a->n] + b->ystart[i];
	}
	memcpy(a->key + a->nnz, b->key, b->nnz * sizeof *b->key);
	memcpy(a->tf + a->nnz, b->tf, b->nnz * sizeof *b->tf);
	memcpy(a->val + a->nnz, b->val, b->nnz * sizeof *b->val);
	memcpy(a->y + a->n, b->y, b->n * sizeof *b->y);
	for (i = 1; i <= b->n; i++)
		a->start[a->n + i] = a->nnz + b->start[i];
	a->n = n;
	a->nnz = nnz;
	return 0;
}

/* counts[c] += n for (sub: -= n) each class the answer probs gives: its
 * top one, or a multi-label model's set. */
static void
count_answer(struct run *u, const float *probs, uint64_t *counts, size_t n,
    int sub)
{
	uint32_t best;
	size_t i, np;

	if (u->o->multilabel) {
		np = predicted_set(probs, u->C, u->pset);
		for (i = 0; i < np; i++)
			counts[u->pset[i]] = sub ? counts[u->pset[i]] - n :
			    counts[u->pset[i]] + n;
		return;
	}
	nlp_top_k(probs, u->C, 1, &best);
	counts[best] = sub ? counts[best] - n : counts[best] + n;
}

/*
 * The held-out texts with no feature in the vocabulary (bare[0..nbare),
 * their rows) get the bias alone, which the refit moved: drift's
 * reference takes the answer of the model kept for them, counts and
 * confidences (before: the first model's answer, probs of C floats).
 * Its answer for today's such texts is the same, exactly; the first
 * model's could be another label, the fallback of a fifth of a 153
 * languages' texts, and drift said the labels had moved on the model's
 * own test text.
 */
static int
bare_answers(struct run *u, const uint32_t *bare, size_t nbare,
    const float *before)
{
	float *after;
	uint32_t best;
	size_t i;

	if ((u->ref_pred = malloc(u->C * sizeof *u->ref_pred)) == NULL ||
	    (after = malloc(u->C * sizeof *after)) == NULL)
		return -1;
	memcpy(u->ref_pred, u->cm.pred, u->C * sizeof *u->ref_pred);
	answer(u, NULL, NULL, 0, after);
	count_answer(u, before, u->ref_pred, nbare, 1);
	count_answer(u, after, u->ref_pred, nbare, 0);
	nlp_top_k(after, u->C, 1, &best);
	for (i = 0; i < nbare; i++)
		u->conf[bare[i]] = after[best];
	free(after);
	return 0;
}

/* refit()'s learning, every example's vectors together. */
static int
refit_learn(struct run *u, struct nlp_trained *t, struct nlp_err *e)
{
	size_t i;
	void *p;
	int rc;

	if (csr_append(&u->tr, &u->ev) < 0 ||
	    (p = realloc(u->fps, (u->ntrain + u->nhold + 1) *
	    sizeof *u->fps)) == NULL)
		return oom(e);
	u->fps = p;
	for (i = 0; i < u->nhold; i++) {
		u->fps[u->ntrain + i] = u->hfps[i];
		count_labels(u, u->idx[i]);
	}
	csr_release(&u->ev);
	learnt_release(u);
	u->temperature = t->temperature;
	u->refitting = 1;
	/* every example: the sample, if drawn from the training texts, too */
	u->tidx = u->idx;
	u->ntrain += u->nhold;
	if ((rc = learn(u, e)) != NLP_OK)
		return rc;
	t->refit = 1;
	t->examples = u->ntrain;
	t->passes = u->svm.passes_max;
	t->unconverged = u->svm.unconverged;
	t->epochs_run = t->best_epoch = u->ctx.epochs_run;
	if (u->o->quantize && quantize(u) < 0)
		return oom(e);
	return NLP_OK;
}

/*
 * Refit (nlp_train_opts.refit): once the held-out figures are taken, the
 * weights are learnt again from every example's vector, the held-out
 * ones after the others.  What was learnt from the training texts alone
 * stays: the vocabulary and idf (so the held-out texts, drift's sample,
 * are as new to the model's vocabulary as today's text is), the
 * profile's text statistics; so do the held-out figures, their
 * confidences and predictions (drift's reference; but for texts with no
 * feature, bare_answers()) and the SVM's temperature fitted on them, all
 * of the model that had not seen them.  The held-out texts join the training texts' fingerprints (seen: eval's
 * leakage guard) and the label counts.
 */
static int
refit(struct run *u, struct nlp_trained *t, struct nlp_err *e)
{
	uint32_t *bare = NULL;
	float *before = NULL;
	size_t i, nbare = 0;
	int rc;

	if (!refits(u))
		return NLP_OK;
	for (i = 0; i < u->ev.n; i++)
		nbare += u->ev.start[i + 1] == u->ev.start[i];
	if (nbare > 0) {
		if ((bare = malloc(nbare * sizeof *bare)) == NULL ||
		    (before = malloc(u->C * sizeof *before)) == NULL) {
			free(bare);
			return oom(e);
		}
		for (i = 0, nbare = 0; i < u->ev.n; i++)
			if (u->ev.start[i + 1] == u->ev.start[i])
				bare[nbare++] = (uint32_t)i;
		answer(u, NULL, NULL, 0, before);
	}
	rc = refit_learn(u, t, e);
	if (rc == NLP_OK && nbare > 0 && bare_answers(u, bare, nbare, before) <
	    0)
		rc = oom(e);
	free(bare);
	free(before);
	return rc;
}

/* The artifact's members: profile, meta.json, seen, sample, weights. */
static int
members_of(struct run *u, struct nlp_trained *t, struct nlp_err *e)
{
	struct nlp_profile_model pm;
	int rc;

	pm.labels = u->labnames;
	pm.label_counts = u->counts;
	pm.nclasses = u->C;
	pm.held_out = t->held_out;
	pm.accuracy = t->held_out_accuracy;
	pm.macro_f1 = t->held_out_macro_f1;
	pm.confidence = u->conf;
	/* what the model predicts of text like its own: drift's reference
	   for the labels it predicts (the training labels' mix is not: an
	   imperfect model predicts another, even on such text) */
	pm.predicted = t->held_out == 0 ? NULL : u->ref_pred != NULL ?
	    u->ref_pred : u->cm.pred;
	if ((t->profile = nlp_profile_json(&u->prof, &pm)) == NULL ||
	    (t->meta = make_meta(u->o, &u->fo, u->min_df, &u->labels, u->order,
	    u->counts, t, u->inputs, u->ninputs, u->vinputs, u->unknown,
	    u->odd_names)) == NULL)
		return oom(e);
	if ((rc = nlp_seen_build(u->fps, u->ntrain, &t->seen, &t->seen_len, e))
	    != NLP_OK)
		return rc;
	/* the sample drift reads: texts the model was not trained on when
	   there are enough, the held-out slice's or --valid's (whose count
	   the profile's held_out.n is, either way) */
	if (u->nhold >= SAMPLE_MIN_HELD_OUT) {
		rc = make_sample(&u->all, u->idx, u->nhold, u->o->seed, t, e);
	} else if (u->val.n >= SAMPLE_MIN_HELD_OUT) {
		uint32_t *vidx = all_of(u->val.n);

		if (vidx == NULL)
			return oom(e);
		rc = make_sample(&u->val, vidx, u->val.n, u->o->seed, t, e);
		free(vidx);
	} else {
		rc = make_sample(&u->all, u->tidx, u->ntrain, u->o->seed, t, e);
	}
	if (rc != NLP_OK)
		return rc;
	return nlp_model_serialize(&t->weights, &t->weights_len, &u->fo,
	    u->labnames, u->C, u->keys, u->idf, u->V, u->bias, u->w,
	    u->o->quantize ? &u->qw : NULL, u->o->multilabel, e);
}

/*
 * Examples without text (not a word or mark: predict leaves such a text
 * unlabeled) teach nothing but the class priors: said in t->textless, and
 * loudest when a class has no example with text, which the model then
 * says of any text that shares no feature with the training texts (a
 * table exported with the text cells of one class missing).  0, or -1
 * when out of memory.
 */
static int
textless_note(const struct run *u, struct nlp_trained *t)
{
	const struct corpus *c = &u->all;
	unsigned char *with = calloc(u->C + 1, 1);
	size_t d, k, n = 0, lo, hi, len = 0;
	uint32_t cls, best = 0, nbare = 0;
	int takes = 0;
	char names[300];

	if (with == NULL)
		return -1;
	for (d = 0; d < c->n; d++) {
		int none = nlp_text_tokenless(c->text + c->off[d],
		    c->off[d + 1] - c->off[d]);
		n += none != 0;
		lo = c->multi ? c->ystart[d] : 0;
		hi = c->multi ? c->ystart[d + 1] : 1;
		for (k = lo; k < hi && !none; k++)
			with[c->multi ? c->ys[k] : c->y[d]] = 1;
	}
	/* the classes with no example with text, in the model's (bytewise)
	   order -- classes are ranks in it by now (rank_classes()) -- and
	   whether the model gives one to a text of no known feature: its
	   biases alone decide those */
	names[0] = '\0';
	for (cls = 0; cls < u->C && n > 0; cls++) {
		if (u->bias[cls] > u->bias[best])
			best = cls;
		if (with[cls])
			continue;
		nbare++;
		takes |= c->multi && u->bias[cls] >= 0;
		if (nbare <= 3 && len < sizeof names)
			len += (size_t)snprintf(names + len, sizeof names - len,
			    "%s'%.*s'", nbare > 1 ? ", " : "",
			    (int)nlp_utf8_cut(u->labnames[cls],
			    strlen(u->labnames[cls]), 60), u->labnames[cls]);
	}
	takes |= !c->multi && nbare > 0 && !with[best];
	free(with);
	if (n == 0)
		return 0;
	t->textless_class = nbare > 0;
	if (nbare == 0)
		snprintf(t->textless, sizeof t->textless, "%zu of %zu examples "
		    "ha%s no text (not a word or mark): %s the class "
		    "priors alone", n, c->n, n == 1 ? "s" : "ve", n == 1 ?
		    "it teaches" : "they teach");
	else
		snprintf(t->textless, sizeof t->textless, "%zu of %zu examples "
		    "ha%s no text (not a word or mark), and class%s %s%s ha%s no "
		    "other: %s", n, c->n, n == 1 ? "s" : "ve", nbare > 1 ? "es" :
		    "", names, nbare > 3 ? ", ..." : "", nbare > 1 ? "ve" : "s",
		    takes ? (nbare > 1 ? "the model gives one to a text that "
		    "shares no feature with the training texts" : "the model "
		    "gives it to a text that shares no feature with the training "
		    "texts") : nbare > 1 ? "the model learned them from no text" :
		    "the model learned it from no text");
	return 0;
}

/*
 * Single-label classes whose names are lists of other classes at the
 * label separator ("libc,python" beside "libc" and "python"): multi-label
 * data trained without --multilabel, each combination a class of its
 * own.  Said in t->lists.  A name that merely holds the separator ("Smith,
 * John") is no list: its parts are not classes.
 */
static void
lists_note(const struct run *u, struct nlp_trained *t)
{
	char sep = u->o->reader.label_sep ? u->o->reader.label_sep : ',';
	char first[80] = "";
	uint64_t examples = 0, held = 0;
	size_t nlists = 0, nheld = 0;
	uint32_t c;

	if (u->o->multilabel)
		return;
	for (c = 0; c < u->C; c++) {
		const char *p = u->labnames[c], *q;
		int parts = 0, all = 1;

		if (strchr(p, sep) == NULL)
			continue;
		nheld++;
		held += u->counts[c];
		for (; all; p = q + 1) {
			size_t a = 0, n;
			q = strchr(p, sep);
			n = q != NULL ? (size_t)(q - p) : strlen(p);
			while (a < n && p[a] == ' ')
				a++;
			while (n > a && p[n - 1] == ' ')
				n--;
			all = n > a && nlp_strmap_get(&u->labels, p + a, n - a) !=
			    NULL;
			parts++;
			if (q == NULL)
				break;
		}
		if (!all || parts < 2)
			continue;
		if (nlists++ == 0)
			snprintf(first, sizeof first, "%.*s", (int)nlp_utf8_cut(
			    u->labnames[c], strlen(u->labnames[c]), 60),
			    u->labnames[c]);
		examples += u->counts[c];
	}
	/* the lists shown to be such, and all the names that hold the
	   separator (lists of labels that are no class alone among them) */
	if (nlists > 0)
		snprintf(t->lists, sizeof t->lists, "%zu class%s %s of "
		    "others ('%s'%s, %llu examples; %zu class%s, %llu examples, "
		    "hold%s a '%c'): each combination learned as a class of its "
		    "own; --multilabel reads each label of a list", nlists,
		    nlists > 1 ? "es" : "", nlists > 1 ? "are lists" :
		    "is a list", first, nlists > 1 ? ", ..." : "",
		    (unsigned long long)examples, nheld, nheld > 1 ? "es" : "",
		    (unsigned long long)held, nheld > 1 ? "" : "s", sep);
}

static int
by_name_nocase(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Labels that differ only in ASCII case ("NEG" and "neg", "Pos" and
 * "pos"): each a class of its own, which a registry's names are not
 * allowed to be; said in t->cases (a typo, or two sources' spellings of
 * one label, as a rule).  Out of memory, nothing is said.
 */
static void
cases_note(const struct run *u, struct nlp_trained *t)
{
	const char **v = malloc(u->C * sizeof *v);
	const char *a = NULL, *b = NULL;
	size_t groups = 0, labels = 0, i, run = 1;

	if (v == NULL || u->C < 2) {
		free(v);
		return;
	}
	for (i = 0; i < u->C; i++)
		v[i] = u->labnames[i];
	qsort(v, u->C, sizeof *v, by_name_nocase);
	for (i = 1; i <= u->C; i++) {
		if (i < u->C && strcasecmp(v[i - 1], v[i]) == 0) {
			if (run++ == 1 && groups == 0) {
				a = v[i - 1];
				b = v[i];
			}
			continue;
		}
		if (run > 1) {
			groups++;
			labels += run;
		}
		run = 1;
	}
	if (groups > 0)
		snprintf(t->cases, sizeof t->cases, "%zu labels differ from "
		    "another only in case ('%.*s' and '%.*s'%s): each is learned "
		    "as a class of its own", labels,
		    (int)nlp_utf8_cut(a, strlen(a), 60), a,
		    (int)nlp_utf8_cut(b, strlen(b), 60), b,
		    groups > 1 ? ", ..." : "");
	free(v);
}

int
nlp_train(const char *const *paths, size_t npaths,
    const struct nlp_train_opts *o, struct nlp_trained *t, struct nlp_err *e)
{
	struct run *u = calloc(1, sizeof *u);
	int rc;

	memset(t, 0, sizeof *t);
	if (u == NULL)
		return oom(e);
	if (o->multilabel && o->balanced) {
		free(u);
		return nlp_errf(e, NLP_USAGE, "balanced class weights are for "
		    "single-label training: a multi-label model's classes are "
		    "learned each on its own");
	}
	u->o = o;
	if ((rc = load_data(u, paths, npaths, t, e)) == NLP_OK &&
	    (rc = split(u, t, e)) == NLP_OK &&
	    (rc = featurize_all(u, e)) == NLP_OK &&
	    (rc = vocabulary(u, e)) == NLP_OK &&
	    (rc = learn(u, e)) == NLP_OK &&
	    (rc = held_out(u, t, e)) == NLP_OK &&
	    (rc = refit(u, t, e)) == NLP_OK &&
	    (rc = members_of(u, t, e)) == NLP_OK && textless_note(u, t) < 0)
		rc = oom(e);
	if (rc == NLP_OK) {
		lists_note(u, t);
		cases_note(u, t);
	}
	if (rc != NLP_OK)
		nlp_trained_release(t);
	run_release(u);
	free(u);
	return rc;
}

/* The artifact's members, in order, for writing. */
static void
members(const struct nlp_trained *t, struct nlp_member m[5])
{
	m[0].name = "weights";
	m[0].data = t->weights;
	m[0].size = t->weights_len;
	m[1].name = "meta.json";
	m[1].data = t->meta;
	m[1].size = strlen(t->meta);
	m[2].name = "profile";
	m[2].data = t->profile;
	m[2].size = strlen(t->profile);
	m[3].name = "seen";
	m[3].data = t->seen;
	m[3].size = t->seen_len;
	m[4].name = "sample";
	m[4].data = t->sample;
	m[4].size = t->sample_len;
}

int
nlp_trained_write_fd(const struct nlp_trained *t, int fd, const char *label,
    int gzip, struct nlp_err *e)
{
	struct nlp_member m[5];

	members(t, m);
	return nlp_artifact_write_fd(fd, label, m, 5, gzip, e);
}

int
nlp_trained_bytes(const struct nlp_trained *t, void **out, size_t *len,
    struct nlp_err *e)
{
	struct nlp_member m[5];

	members(t, m);
	return nlp_artifact_write_mem(out, len, m, 5, 0, e);
}

void
nlp_trained_release(struct nlp_trained *t)
{
	free(t->weights);
	free(t->meta);
	free(t->profile);
	free(t->seen);
	free(t->sample);
	t->weights = t->seen = t->sample = NULL;
	t->meta = t->profile = NULL;
}
