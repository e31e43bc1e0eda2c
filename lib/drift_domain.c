/*
 * drift_domain.c - drift's domain classifier (see drift_domain.h).
 */
#include "drift_domain.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "digest.h"
#include "drift_signal.h"
#include "features.h"
#include "learn.h"
#include "metrics.h"
#include "model.h"
#include "pool.h"
#include "rng.h"
#include "stats.h"

#define MIN_TEXTS 20             /* a side, for the classifier to run */
#define EPOCHS 5

/* The classifier's state, from texts to weights. */
struct dom {
	const struct nlp_drift_opts *o;
	struct nlp_feat_opts fo;
	struct nlp_featurizer f;
	uint64_t *seen;              /* 2^bits bits: the buckets named */
	uint64_t *named;             /* bucket << 32 | its name's offset + 1,
	                                each bucket once, as first seen */
	size_t nnamed, named_cap;
	uint32_t *rname;             /* v.n: each row's name offset + 1, or 0 */
	struct nlp_arena name;       /* the n-gram of each bucket named */
	char *buf;                   /* one name being made */
	size_t buf_cap;
	struct nlp_docs tr, te;      /* the two folds (fold_of()) */
	struct nlp_vocab v;
	float *w;                    /* v.n x 2 weights */
};

static void
dom_release(struct dom *d)
{
	free(d->seen);
	free(d->named);
	free(d->rname);
	nlp_arena_release(&d->name);
	free(d->buf);
	nlp_featurizer_release(&d->f);
	nlp_docs_release(&d->tr);
	nlp_docs_release(&d->te);
	nlp_vocab_release(&d->v);
	free(d->w);
}

/* Name the bucket of the n-gram of k tokens at j of the text just
   featurized ("tok" or "tok1 tok2"), the first time it is seen: one
   arena for the names (a text has a few hundred n-grams, a day's text
   hundreds of thousands distinct, a malloc each was most of the time).
   A bit a bucket says which are named (512 KB, where a map of the
   buckets to their names grew to tens of MB and was looked up for each
   n-gram: 14% of drift's time); the rows find their names once, after
   the vocabulary (rows_named()). */
static int
name_ngram(struct dom *d, size_t j, size_t k)
{
	const struct nlp_tokens *t = &d->f.tok;
	uint32_t b = (uint32_t)(nlp_ngram_hash(d->fo.seed, d->f.hash + j, k) >>
	    (64 - d->fo.bits));
	size_t len = t->len[j] + (k == 2 ? t->len[j + 1] + 1 : 0), off;

	if (d->seen[b >> 6] >> (b & 63) & 1)
		return 0;
	if (d->nnamed == d->named_cap) {
		size_t cap = d->named_cap ? 2 * d->named_cap : 4096;
		uint64_t *p = cap > SIZE_MAX / sizeof *p ? NULL :
		    realloc(d->named, cap * sizeof *p);

		if (p == NULL)
			return -1;
		d->named = p;
		d->named_cap = cap;
	}
	if (len + 1 > d->buf_cap) {
		char *p = realloc(d->buf, 2 * (len + 1));
		if (p == NULL)
			return -1;
		d->buf = p;
		d->buf_cap = 2 * (len + 1);
	}
	memcpy(d->buf, t->text + t->off[j], t->len[j]);
	if (k == 2) {
		d->buf[t->len[j]] = ' ';
		memcpy(d->buf + t->len[j] + 1, t->text + t->off[j + 1],
		    t->len[j + 1]);
	}
	if ((off = nlp_arena_put(&d->name, d->buf, len)) == (size_t)-1 ||
	    off >= UINT32_MAX)
		return -1;
	d->named[d->nnamed++] = (uint64_t)b << 32 | (uint64_t)(off + 1);
	d->seen[b >> 6] |= (uint64_t)1 << (b & 63);
	return 0;
}

/* Each row's name (the vocabulary built), from the buckets named; the
   list and the bits are no longer needed.  Returns 0, or -1 when out of
   memory. */
static int
rows_named(struct dom *d)
{
	size_t i;

	if ((d->rname = calloc((size_t)d->v.n + 1, sizeof *d->rname)) == NULL)
		return -1;
	for (i = 0; i < d->nnamed; i++) {
		uint32_t r = nlp_bmap_get(&d->v.rows, (uint32_t)(d->named[i] >>
		    32));

		if (r != 0)
			d->rname[r - 1] = (uint32_t)d->named[i];
	}
	free(d->named);
	free(d->seen);
	d->named = NULL;
	d->seen = NULL;
	d->nnamed = d->named_cap = 0;
	return 0;
}

/*
 * A text's fold, 0 (tr) or 1 (te): a bit of its bytes' hash, so that a
 * text both sides have is in one fold on both.  Split apart, the copy
 * trained on would teach the classifier its side, and the copy measured
 * (of the other side) would then score as the wrong one: the AUC pulled
 * below 0.5 by as much as the sides share, hiding the drift of the rest
 * (a file against itself scored 0.17).  In one fold, the two copies
 * cancel out in training and tie when measured.  (Each side's copies of
 * one text are made one before, drift.c's distinct().)  Seeded by --seed
 * made other than it (0x666f6c64 for the default, 1): the texts kept are
 * those of the smallest hash under --seed itself (drift_pass.c), which
 * would all be in one fold.
 */
static unsigned
fold_of(const char *t, size_t len, uint64_t seed)
{
	return (unsigned)(nlp_xxh64(t, len, seed ^ 0x666f6c65ULL) >> 63);
}

/*
 * Featurize m texts of each side into the folds tr and te (class 0 the
 * reference, 1 the current text), naming their unigrams and bigrams; then
 * the vocabulary and idf of both folds (no labels: no leak) and the
 * TF-IDF vectors.  Returns 0, 1 when a fold lacks a side's texts (few
 * texts, the hash's bits alike: nothing to measure), or -1 when out of
 * memory.
 */
static int
featurize(struct dom *d, const char *const *rtexts, const char *const *ctexts,
    size_t m)
{
	const struct nlp_docs *both[2] = { &d->tr, &d->te };
	size_t i, j, k, has[2][2] = { { 0, 0 }, { 0, 0 } };

	if ((d->seen = calloc(((size_t)1 << d->fo.bits) / 64,
	    sizeof *d->seen)) == NULL)
		return -1;
	for (i = 0; i < 2 * m; i++) {
		const char *t = i % 2 ? ctexts[i / 2] : rtexts[i / 2];
		size_t len = strlen(t);
		unsigned fold = fold_of(t, len, d->o->seed);

		has[fold][i % 2]++;
		if (nlp_featurize(&d->f, &d->fo, t, len) < 0 ||
		    nlp_docs_add(fold ? &d->te : &d->tr, &d->f,
		    (uint32_t)(i % 2)) < 0)
			return -1;
		for (j = 0; j < d->f.tok.n; j++)
			for (k = 1; k <= 2 && j + k <= d->f.tok.n; k++)
				if (name_ngram(d, j, k) < 0)
					return -1;
	}
	if (nlp_vocab_build(&d->v, both, 2, d->fo.bits, 1) < 0 ||
	    rows_named(d) < 0 ||
	    nlp_docs_vectorize(&d->tr, &d->v) < 0 ||
	    nlp_docs_vectorize(&d->te, &d->v) < 0 ||
	    (d->w = malloc(((size_t)d->v.n * 2 + 1) * sizeof *d->w)) == NULL)
		return -1;
	return !has[0][0] || !has[0][1] || !has[1][0] || !has[1][1];
}

/*
 * Train on tr (classes y) with seed and put the ROC AUC on te (classes
 * ty) in *auc; the weights stay in w (v.n x 2).  Returns NLP_OK, or NLP_IO
 * when out of memory.
 */
static int
fold_auc(const struct dom *d, float *w, const struct nlp_docs *tr,
    const uint32_t *y, const struct nlp_docs *te, const uint32_t *ty,
    uint64_t seed, double *auc, struct nlp_err *e)
{
	struct nlp_learn_opts lo;
	float bias[2] = { 0, 0 }, p[2];
	double *score = malloc((te->n + 1) * sizeof *score);
	int *lab = malloc((te->n + 1) * sizeof *lab), rc;
	size_t i;

	if (score == NULL || lab == NULL) {
		rc = nlp_errf(e, NLP_IO, "out of memory");
		goto out;
	}
	memset(w, 0, (size_t)d->v.n * 2 * sizeof *w);
	memset(&lo, 0, sizeof lo);
	lo.epochs = EPOCHS;
	lo.lr = 1.0f;
	lo.seed = seed;
	if ((rc = nlp_learn_docs(tr, y, d->v.n, 2, &lo, w, bias, e)) !=
	    NLP_OK)
		goto out;
	for (i = 0; i < te->n; i++) {
		nlp_model_scores(w, bias, 2, te->key + te->start[i],
		    te->val + te->start[i], te->start[i + 1] - te->start[i], p);
		score[i] = p[1];
		lab[i] = (int)ty[i];
	}
	if (nlp_roc_auc(score, lab, te->n, auc) < 0)
		rc = nlp_errf(e, NLP_IO, "out of memory");
out:
	free(score);
	free(lab);
	return rc;
}

/* Both folds, averaged (half the variance of one); the fold trained on
   tr runs last, so that its weights stay in w. */
static int
two_folds(const struct dom *d, float *w, const uint32_t *ytr,
    const uint32_t *yte, uint64_t seed, double *auc, struct nlp_err *e)
{
	double a1, a2;
	int rc;

	if ((rc = fold_auc(d, w, &d->te, yte, &d->tr, ytr, seed, &a1,
	    e)) != NLP_OK ||
	    (rc = fold_auc(d, w, &d->tr, ytr, &d->te, yte, seed, &a2,
	    e)) != NLP_OK)
		return rc;
	*auc = (a1 + a2) / 2;
	return NLP_OK;
}

/*
 * Labels for a permutation run: within each side, a random half labeled 1.
 * A plain shuffle would leave one side with more 1s by chance, and on text
 * that truly differs the classifier would learn the sides from that and
 * score far from 0.5 either way, inflating the null distribution.  Returns
 * 0, or -1 when out of memory (the true labels instead would make the
 * permutation threshold the real AUC).
 */
static int
balanced_labels(const struct nlp_docs *docs, uint32_t *y, uint64_t *state)
{
	uint32_t side, *idx = malloc((docs->n + 1) * sizeof *idx);
	size_t i, n;

	if (idx == NULL)
		return -1;
	for (side = 0; side < 2; side++) {
		for (i = 0, n = 0; i < docs->n; i++)
			if (docs->y[i] == side)
				idx[n++] = (uint32_t)i;
		nlp_shuffle(idx, n, state);
		for (i = 0; i < n; i++)
			y[idx[i]] = i < n / 2 ? 1 : 0;
	}
	free(idx);
	return 0;
}

/* The permutation runs, each on a thread of the pool: run k's labels drawn
 * from the stream's state st[k] into the thread's ys + thread * (tr.n +
 * te.n) (tr's, then te's), its AUC in perm[k], its status in err[k]; the
 * weights of thread t > 0 at w + (t - 1) * v.n * 2, the pool's caller's
 * (thread 0) in d->w, the real run's, which comes after. */
struct perm_job {
	const struct dom *d;
	const uint64_t *st;
	uint32_t *ys;
	double *perm;
	float *w;
	struct nlp_err *err;
};

static void
perm_task(void *arg, size_t k)
{
	const struct perm_job *j = arg;
	const struct dom *d = j->d;
	unsigned t = nlp_pool_thread();
	uint32_t *y = j->ys + (size_t)t * (d->tr.n + d->te.n);
	float *w = t > 0 ? j->w + (size_t)(t - 1) * d->v.n * 2 : d->w;
	uint64_t state = j->st[k];

	if (balanced_labels(&d->tr, y, &state) < 0 ||
	    balanced_labels(&d->te, y + d->tr.n, &state) < 0)
		j->err[k].status = nlp_errf(&j->err[k], NLP_IO, "out of memory");
	else
		j->err[k].status = two_folds(d, w, y, y + d->tr.n,
		    d->o->seed + k + 1, &j->perm[k], &j->err[k]);
}

/*
 * The permutation test's threshold: drift when the p-value (1 + #{perm >=
 * auc}) / (B + 1) is at most alpha, so at most j permuted AUCs may reach
 * the real one, which must beat the (j+1)-th largest (with B = 20, alpha
 * 0.05: all of them); and it must pass --auc too.  The runs' labels are
 * drawn one run after the other from one seeded stream (each run's
 * starting state kept, its labels drawn again where it runs), and the
 * runs trained on --threads threads at once, each AUC in its own slot:
 * the same threshold at any thread count.
 */
static int
permutation_threshold(struct dom *d, double *threshold, int *at_auc,
    struct nlp_err *e)
{
	const struct nlp_drift_opts *o = d->o;
	uint64_t state = o->seed ^ 0x9e3779b9ULL, *st = NULL;
	size_t B = o->permutations, n = d->tr.n + d->te.n, k, j;
	unsigned threads = o->threads < 1 ? 1 : o->threads;
	struct perm_job job = { d, NULL, NULL, NULL, NULL, NULL };
	struct nlp_pool *pool = NULL;
	int rc = NLP_OK;

	if (threads > B)
		threads = (unsigned)B;
	if (n + 1 > SIZE_MAX / 4 / threads ||
	    d->v.n > (SIZE_MAX - 1) / 8 / threads ||
	    (st = malloc(B * sizeof *st)) == NULL ||
	    (job.ys = malloc(threads * n * sizeof *job.ys + 1)) == NULL ||
	    (job.perm = malloc(B * sizeof *job.perm)) == NULL ||
	    (job.err = calloc(B, sizeof *job.err)) == NULL ||
	    (job.w = malloc((size_t)(threads - 1) * d->v.n * 2 *
	    sizeof *job.w + 1)) == NULL ||
	    (pool = nlp_pool_new(threads)) == NULL) {
		rc = nlp_errf(e, NLP_IO, "out of memory");
		goto out;
	}
	for (k = 0; k < B; k++) {
		st[k] = state;
		if (balanced_labels(&d->tr, job.ys, &state) < 0 ||
		    balanced_labels(&d->te, job.ys + d->tr.n, &state) < 0) {
			rc = nlp_errf(e, NLP_IO, "out of memory");
			goto out;
		}
	}
	job.st = st;
	nlp_pool_run(pool, B, perm_task, &job);
	for (k = 0; k < B && rc == NLP_OK; k++)   /* the first run's error */
		if ((rc = job.err[k].status) != NLP_OK && e != NULL)
			*e = job.err[k];
	if (rc == NLP_OK) {
		double *perm = job.perm;

		qsort(perm, o->permutations, sizeof *perm, nlp_cmp_double);
		j = (size_t)floor(o->alpha * (o->permutations + 1) + 1e-9);
		if (o->alpha <= 0) {
			/* no p-value is at most 0: no AUC is drift, as none
			   is above 1 (it took the largest permuted one) */
			*threshold = 1;
			*at_auc = 0;
			goto out;
		}
		/* fewer runs than alpha needs (drift's default grows to
		   it): their largest AUC, a p-value of 1/(B + 1) */
		j = j > 1 ? j - 1 : 0;
		if (j >= o->permutations)
			j = o->permutations - 1;
		*threshold = perm[o->permutations - 1 - j];
		if ((*at_auc = *threshold < o->auc))
			*threshold = o->auc;
	}
out:
	nlp_pool_close(pool);
	free(st);
	free(job.ys);
	free(job.perm);
	free(job.err);
	free(job.w);
	return rc;
}

/* A named row of the vocabulary: its log-odds z towards the current side
   and its weight there in the classifier. */
struct ranked {
	uint32_t row;
	const char *name;
	double z, weight;
};

static int
cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	int c;

	if (x->z != y->z)
		return x->z > y->z ? -1 : 1;
	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return (x->row > y->row) - (x->row < y->row);
}

/* Offer r to best[0..*nb), the (at most) NLP_DRIFT_TOP first in the
   order cmp_ranked (sign 1) or its reverse (-1), kept in that order. */
static void
keep_first(struct ranked *best, size_t *nb, const struct ranked *r, int sign)
{
	size_t i = *nb;

	if (i == NLP_DRIFT_TOP && sign * cmp_ranked(r, &best[i - 1]) >= 0)
		return;
	if (i < NLP_DRIFT_TOP)
		(*nb)++;
	else
		i--;                     /* the last one drops out */
	for (; i > 0 && sign * cmp_ranked(r, &best[i - 1]) < 0; i--)
		best[i] = best[i - 1];
	best[i] = *r;
}

/* Is every token of the n-gram s ("tok" or "tok1 tok2") a word? */
static int
all_words(const char *s)
{
	const char *sp;

	for (; (sp = strchr(s, ' ')) != NULL; s = sp + 1)
		if (!nlp_drift_is_word(s, (size_t)(sp - s)))
			return 0;
	return nlp_drift_is_word(s, strlen(s));
}

/* The name of row r, or NULL. */
static const char *
row_name(const struct dom *d, uint32_t r)
{
	uint32_t i = d->rname[r];

	return i == 0 ? NULL : d->name.p + (i - 1);
}

/* Up to NLP_DRIFT_TOP n-grams from one end of rank[0..n), while the sign
   of their z is sign, copied to out.  Returns 0, or -1 when out of
   memory. */
static int
list_ngrams(const struct ranked *rank, size_t n, int sign,
    struct nlp_drift_ngram *out, size_t *nout)
{
	size_t i;

	for (i = 0; i < n && *nout < NLP_DRIFT_TOP; i++) {
		const struct ranked *r = &rank[sign > 0 ? i : n - 1 - i];

		if (sign > 0 ? r->z <= 0 : r->z >= 0)
			break;
		if ((out[*nout].ngram = strdup(r->name)) == NULL)
			return -1;
		out[*nout].weight = sign > 0 ? r->weight : -r->weight;
		out[(*nout)++].z = r->z;
	}
	return 0;
}

/* The texts of each side that have each row, into cnt (2 per row) and
   the texts of each side into nside. */
static void
row_texts(const struct dom *d, uint32_t *cnt, double nside[2])
{
	const struct nlp_docs *both[2] = { &d->tr, &d->te };
	size_t k, i, j;

	for (k = 0; k < 2; k++)
		for (i = 0; i < both[k]->n; i++) {
			uint32_t side = both[k]->y[i];
			nside[side] += 1;
			for (j = both[k]->start[i]; j < both[k]->start[i + 1]; j++)
				cnt[2 * (size_t)both[k]->key[j] + side] += 1;
		}
}

/*
 * The named word n-grams that mark each side: ranked by the log-odds z of
 * the texts that have them (drift_signal.h), over all the classifier's
 * texts, the pooled texts as the prior's mass; ties by their bytes.
 */
static int
top_ngrams(struct dom *d, struct nlp_drift_domain *out)
{
	uint32_t i, V = d->v.n;
	uint32_t *cnt = calloc(2 * (size_t)V + 2, sizeof *cnt);
	double ns[2] = { 0, 0 };
	/* the first 2 NLP_DRIFT_TOP rows, and the NLP_DRIFT_TOP first and
	 * last in the order cmp_ranked, as the rows go by: all that
	 * list_ngrams reads (sorting every row to list 30 was most of the
	 * domain classifier's time on short inputs, and an array of them
	 * all a quarter of its page faults) */
	struct ranked all[2 * NLP_DRIFT_TOP], lo[NLP_DRIFT_TOP],
	    hi[NLP_DRIFT_TOP], r;
	size_t n = 0, nlo = 0, nhi = 0, k;
	const char *name;

	if (cnt == NULL)
		return -1;
	row_texts(d, cnt, ns);
	for (i = 0; i < V; i++) {
		if ((name = row_name(d, i)) == NULL || !all_words(name))
			continue;
		r.row = i;
		r.name = name;
		r.z = nlp_drift_log_odds_z(cnt[2 * i + 1], ns[1], cnt[2 * i],
		    ns[0], ns[0] + ns[1]);
		r.weight = (double)d->w[2 * i + 1] - (double)d->w[2 * i];
		if (n < 2 * NLP_DRIFT_TOP)
			all[n] = r;
		n++;
		keep_first(lo, &nlo, &r, 1);
		keep_first(hi, &nhi, &r, -1);
	}
	free(cnt);
	if (n <= 2 * NLP_DRIFT_TOP) {
		if (n > 1)
			qsort(all, n, sizeof *all, cmp_ranked);
	} else {
		memcpy(all, lo, nlo * sizeof *all);
		for (k = 0; k < nhi; k++)
			all[nlo + k] = hi[nhi - 1 - k];
		n = nlo + nhi;
	}
	return list_ngrams(all, n, 1, out->top_current, &out->ntop_current) |
	    list_ngrams(all, n, -1, out->top_reference, &out->ntop_reference);
}

/* Train, judge and name: the classifier on texts already featurized. */
static int
classify(struct dom *d, struct nlp_drift_domain *out, int small,
    struct nlp_err *e)
{
	double auc, threshold = d->o->auc;
	int rc;

	out->permutation = small && d->o->permutations > 0;
	out->auc_floor = 1;
	if (out->permutation) {
		out->permutations = d->o->permutations;
		if ((rc = permutation_threshold(d, &threshold, &out->auc_floor,
		    e)) != NLP_OK)
			return rc;
	}
	if ((rc = two_folds(d, d->w, d->tr.y, d->te.y, d->o->seed, &auc,
	    e)) != NLP_OK)
		return rc;
	out->auc = auc;
	out->threshold = threshold;
	out->drifted = isfinite(auc) && auc > threshold;
	if (top_ngrams(d, out) < 0)
		return nlp_errf(e, NLP_IO, "out of memory");
	return NLP_OK;
}

int
nlp_drift_domain_run(struct nlp_drift_domain *out, const char *const *rtexts,
    size_t rn, const char *const *ctexts, size_t cn, int small,
    const struct nlp_drift_opts *o, struct nlp_err *e)
{
	struct dom d;
	size_t m = rn < cn ? rn : cn;
	int rc;

	memset(out, 0, sizeof *out);
	out->auc = out->threshold = NAN;
	if (m > o->max_sample)
		m = o->max_sample;
	out->texts_per_side = m;
	if (m < MIN_TEXTS) {
		out->skipped = "fewer than 20 texts on a side";
		return NLP_OK;
	}
	/* the AUC is as noisy as the texts per side are few, however many
	   current records there are: a model's sample is its held-out texts,
	   which may be 50 */
	small = small || m <= o->small;
	memset(&d, 0, sizeof d);
	d.o = o;
	d.fo.ngrams = 2;
	d.fo.bits = 22;
	d.fo.seed = 0x646f6dULL;
	if ((rc = featurize(&d, rtexts, ctexts, m)) < 0) {
		rc = nlp_errf(e, NLP_IO, "out of memory");
	} else if (rc > 0) {
		out->skipped = "too few texts to fill both folds";
		rc = NLP_OK;
	} else {
		rc = classify(&d, out, small, e);
	}
	dom_release(&d);
	if (rc != NLP_OK)
		nlp_drift_domain_release(out);
	return rc;
}

void
nlp_drift_domain_release(struct nlp_drift_domain *d)
{
	size_t i;

	for (i = 0; i < d->ntop_current; i++)
		free(d->top_current[i].ngram);
	for (i = 0; i < d->ntop_reference; i++)
		free(d->top_reference[i].ngram);
	memset(d, 0, sizeof *d);
	d->auc = d->threshold = NAN;
}
