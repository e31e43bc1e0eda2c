/*
 * learn.c - deterministic parallel SGD for softmax regression (learn.h).
 */
#include "learn.h"
#include "rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "features.h"
#include "model.h"

/*
 * The weight rows fall in NLP_SHARDS ranges, fixed whatever the thread
 * count; thread t owns shards t, t + T, ...: it alone reads and writes
 * their rows, so they stay in its core's caches.  An example's logits are
 * the bias plus one partial sum a shard, added in shard order: the same
 * arithmetic for any T.
 *
 * A shard is a range of rows, and an example's rows come in increasing
 * order (a text's buckets are sorted, and rows follow the buckets), so its
 * features fall in one run a shard: where each run starts is worked out
 * once (run), and a thread goes through its own shards' runs alone, each
 * sum kept in registers, instead of asking each feature whose it is.  The
 * same sums in the same order: data whose rows are not in order (none
 * that nlpops makes) takes the feature-by-feature way.
 */
#define NLP_SHARDS 4
#define AHEAD 6                  /* features ahead whose rows are asked
                                    for */

struct job {
	const struct nlp_dataset *d;
	const struct nlp_learn_opts *o;
	float *w, *bias;
	const uint32_t *run;     /* or NULL: where example i's runs of shards
	                            1 to 3 start, from its first feature, at
	                            run[3i] to run[3i + 2] (runs_of) */
	const uint8_t *shard;    /* where run is NULL: the shard of each
	                            feature's row */
	const uint32_t *batch;   /* example indices of this batch */
	size_t nb;
	float *partial;          /* nb x NLP_SHARDS x S: partial logits */
	uint32_t S;              /* floats a partial: C rounded up to 16 */
	float *grad;             /* nb x C: dLoss/dscore per example */
	double *loss;            /* nb */
	float lr;
	unsigned nparts;         /* threads taking part */
	int ahead;               /* ask for rows AHEAD features ahead: not
	                            when the weights fit in the caches (4 MB),
	                            where asking costs a quarter of a drift
	                            classifier's instructions and saves no
	                            wait */
};

/* The shards thread part owns, as a bit mask. */
static unsigned
owned(const struct job *j, size_t part)
{
	unsigned s, mask = 0;

	for (s = (unsigned)part; s < NLP_SHARDS; s += j->nparts)
		mask |= 1u << s;
	return mask;
}

/* Example i's run of shard s: features r[s] to r[s + 1]. */
static void
runs_of(const struct job *j, uint32_t i, size_t r[NLP_SHARDS + 1])
{
	const uint32_t *o = j->run + (size_t)i * (NLP_SHARDS - 1);
	unsigned s;

	r[0] = j->d->start[i];
	for (s = 1; s < NLP_SHARDS; s++)
		r[s] = r[0] + o[s - 1];
	r[NLP_SHARDS] = j->d->start[i + 1];
}

/* logits() by runs: the shards in mask, each example's run of each a sum
 * of its own (two classes: in two registers). */
static void
logits_runs(const struct job *j, unsigned mask)
{
	const struct nlp_dataset *d = j->d;
	const uint32_t *row = d->row;
	const float *val = d->val, *w = j->w;
	uint32_t C = d->nclasses, c;
	int ahead = j->ahead;
	unsigned s;
	size_t k, f, r[NLP_SHARDS + 1];

	for (k = 0; k < j->nb; k++) {
		float *pk = j->partial + k * NLP_SHARDS * j->S;

		runs_of(j, j->batch[k], r);
		for (s = 0; s < NLP_SHARDS; s++) {
			float *acc = pk + s * j->S, a0 = 0, a1 = 0;
			size_t end = r[s + 1];

			if (!(mask >> s & 1))
				continue;
			if (C != 2)
				memset(acc, 0, C * sizeof *acc);
			else if (!ahead) {   /* two classes, in the caches */
				for (f = r[s]; f < end; f++) {
					const float *wr = w + (size_t)row[f] * 2;
					float v = val[f];

					a0 += v * wr[0];
					a1 += v * wr[1];
				}
				acc[0] = a0;
				acc[1] = a1;
				continue;
			}
			for (f = r[s]; f < end; f++) {
				const float *wr = w + (size_t)row[f] * C;
				float v = val[f];

				if (ahead && f + AHEAD < end)
					nlp_prefetch_row(w + (size_t)row[f + AHEAD] *
					    C, C);
				if (C == 2) {
					a0 += v * wr[0];
					a1 += v * wr[1];
				} else {
					for (c = 0; c < C; c++)
						acc[c] += v * wr[c];
				}
			}
			if (C == 2) {
				acc[0] = a0;
				acc[1] = a1;
			}
		}
	}
}

/* The partial logits of the shards of thread part for every example of
 * the batch, from the weights as they stand. */
static void
logits(void *arg, size_t part)
{
	struct job *j = arg;
	const struct nlp_dataset *d = j->d;
	uint32_t C = d->nclasses, c;
	unsigned mask, s;
	size_t k, f;

	if (part >= j->nparts)
		return;
	mask = owned(j, part);
	if (j->run != NULL) {
		logits_runs(j, mask);
		return;
	}
	for (k = 0; k < j->nb; k++) {
		uint32_t i = j->batch[k];
		size_t end = d->start[i + 1];
		float *pk = j->partial + k * NLP_SHARDS * j->S;

		for (s = 0; s < NLP_SHARDS; s++)
			if (mask >> s & 1)
				memset(pk + s * j->S, 0, C * sizeof *pk);
		for (f = d->start[i]; f < end; f++) {
			const float *wr = j->w + (size_t)d->row[f] * C;
			float v = d->val[f], *acc;

			if (f + AHEAD < end && (mask >> j->shard[f + AHEAD] & 1))
				nlp_prefetch_row(j->w + (size_t)d->row[f + AHEAD] *
				    C, C);
			if (!(mask >> j->shard[f] & 1))
				continue;
			acc = pk + j->shard[f] * j->S;
			for (c = 0; c < C; c++)
				acc[c] += v * wr[c];
		}
	}
}

/*
 * Multi-label forward pass for example i: one binary logistic loss per
 * class on the scores in g (label set ys[ystart[i]..ystart[i+1]), sorted),
 * the scores turned into gradients sigmoid(z) - y.
 */
static double
forward_multi(const struct nlp_dataset *d, uint32_t i, float *g)
{
	size_t a = d->ystart[i], b = d->ystart[i + 1];
	double loss = 0;
	uint32_t c;

	for (c = 0; c < d->nclasses; c++) {
		float z = g[c], y = 0;

		if (a < b && d->ys[a] == c) {
			y = 1;
			a++;
		}
		/* -log sigmoid(z) for y = 1, -log(1 - sigmoid(z)) for y = 0,
		   without overflow */
		loss += log1p(exp(-fabs((double)z))) + (z > 0 ? z : 0) - y * z;
		g[c] = 1.0f / (1.0f + expf(-z)) - y;
	}
	return loss;
}

/* Example k of the batch: its logits (the bias and the shards' partial
 * sums, in shard order), then the loss and its gradient. */
static void
forward(void *arg, size_t k)
{
	struct job *j = arg;
	const struct nlp_dataset *d = j->d;
	uint32_t C = d->nclasses, i = j->batch[k], y;
	const float *pk = j->partial + k * NLP_SHARDS * j->S;
	float *g = j->grad + k * C;
	float cw;
	uint32_t c;
	unsigned s;

	memcpy(g, j->bias, C * sizeof *g);
	for (s = 0; s < NLP_SHARDS; s++)
		for (c = 0; c < C; c++)
			g[c] += pk[s * j->S + c];
	if (d->ystart != NULL) {
		j->loss[k] = forward_multi(d, i, g);
		return;
	}
	y = d->y[i];
	cw = j->o->class_weight ? j->o->class_weight[y] : 1.0f;
	nlp_softmax(g, C);
	j->loss[k] = -log(g[y] > 1e-30f ? (double)g[y] : 1e-30) * cw;
	for (c = 0; c < C; c++)
		g[c] = (g[c] - (c == y ? 1.0f : 0.0f)) * cw;
}

/* One feature's step on its row wr (C weights): v is the rate times the
 * feature's value, g the example's gradient, decay the L2 shrink (l2). */
static inline void
step_row(float *wr, const float *g, float v, uint32_t C, int l2,
    float decay)
{
	uint32_t c;

	if (l2)
		for (c = 0; c < C; c++)
			wr[c] = wr[c] * decay - v * g[c];
	else if (C == 2) {
		wr[0] -= v * g[0];
		wr[1] -= v * g[1];
	} else
		for (c = 0; c < C; c++)
			wr[c] -= v * g[c];
}

/* update()'s step for example i by runs, the shards in mask: the rows in
 * the same order, as runs follow the features. */
static void
update_runs(const struct job *j, unsigned mask, uint32_t i, const float *g,
    float lr, float decay)
{
	const struct nlp_dataset *d = j->d;
	const uint32_t *row = d->row;
	const float *val = d->val;
	float *w = j->w;
	uint32_t C = d->nclasses;
	int l2 = j->o->l2 > 0, ahead = j->ahead;
	unsigned s;
	size_t f, r[NLP_SHARDS + 1];

	runs_of(j, i, r);
	for (s = 0; s < NLP_SHARDS; s++) {
		size_t end = r[s + 1];

		if (!(mask >> s & 1))
			continue;
		if (C == 2 && !l2 && !ahead) {   /* two classes, in the caches */
			float g0 = g[0], g1 = g[1];

			for (f = r[s]; f < end; f++) {
				float *wr = w + (size_t)row[f] * 2, v = lr * val[f];

				wr[0] -= v * g0;
				wr[1] -= v * g1;
			}
			continue;
		}
		for (f = r[s]; f < end; f++) {
			if (ahead && f + AHEAD < end)
				nlp_prefetch_row(w + (size_t)row[f + AHEAD] * C, C);
			step_row(w + (size_t)row[f] * C, g, lr * val[f], C, l2,
			    decay);
		}
	}
}

/* Apply the batch's updates to the rows of the shards of thread part,
 * example by example in batch order. */
static void
update(void *arg, size_t part)
{
	struct job *j = arg;
	const struct nlp_dataset *d = j->d;
	uint32_t C = d->nclasses;
	float lr = j->lr, decay = 1.0f - j->lr * j->o->l2;
	unsigned mask;
	size_t k, f;
	uint32_t c;

	if (part >= j->nparts)
		return;
	mask = owned(j, part);
	for (k = 0; k < j->nb; k++) {
		uint32_t i = j->batch[k];
		size_t end = d->start[i + 1];
		const float *g = j->grad + k * C;

		if (j->run != NULL)
			update_runs(j, mask, i, g, lr, decay);
		else
			for (f = d->start[i]; f < end; f++) {
				if (f + AHEAD < end &&
				    (mask >> j->shard[f + AHEAD] & 1))
					nlp_prefetch_row(j->w +
					    (size_t)d->row[f + AHEAD] * C, C);
				if (mask >> j->shard[f] & 1)
					step_row(j->w + (size_t)d->row[f] * C, g,
					    lr * d->val[f], C, j->o->l2 > 0, decay);
			}
		if (part == 0)
			for (c = 0; c < C; c++)
				j->bias[c] -= lr * g[c];
	}
}

/* The shard of feature f's row. */
static inline unsigned
shard_of(const struct nlp_dataset *d, size_t f)
{
	return (unsigned)((uint64_t)d->row[f] * NLP_SHARDS / d->nrows);
}

/*
 * Where each example's runs of shards 1 to 3 start (see NLP_SHARDS and
 * struct job), or NULL, for the feature-by-feature way, when an example's
 * rows are out of order or out of range, or it has 2^32 features or more,
 * or when out of memory (the same results, only slower).
 */
static uint32_t *
make_runs(const struct nlp_dataset *d)
{
	uint32_t *run = malloc((d->n * (NLP_SHARDS - 1) + 1) * sizeof *run);
	size_t i, f;
	unsigned s, sf;

	if (run == NULL)
		return NULL;
	for (i = 0; i < d->n; i++) {   /* one pass, a division a feature */
		uint32_t *o = run + i * (NLP_SHARDS - 1);

		if (d->start[i + 1] - d->start[i] > UINT32_MAX)
			goto out_of_order;
		for (s = 1, f = d->start[i]; f < d->start[i + 1]; f++) {
			if ((sf = shard_of(d, f)) >= NLP_SHARDS)
				goto out_of_order;
			if (sf + 1 < s)            /* below the run before */
				goto out_of_order;
			for (; s <= sf; s++)       /* runs s to sf start here */
				o[s - 1] = (uint32_t)(f - d->start[i]);
		}
		for (; s < NLP_SHARDS; s++)        /* and the rest are empty */
			o[s - 1] = (uint32_t)(f - d->start[i]);
	}
	return run;
out_of_order:
	free(run);
	return NULL;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
nlp_learn(const struct nlp_dataset *d, const struct nlp_learn_opts *o,
    float *w, float *bias, struct nlp_err *e)
{
	struct job j;
	struct nlp_pool *pool = o->pool;
	uint32_t *order = NULL;
	uint8_t *shard = NULL;
	uint32_t *run = NULL;
	uint64_t rng = o->seed ^ 0x5eed5eed5eedULL;
	double total = (double)d->n * o->epochs, seen = 0;
	unsigned epoch;
	size_t i, f, nnz;
	int rc = NLP_OK;

	/* the threads only when a batch's work outweighs waking them, and
	   only as many as there are CPUs: three hand-overs a batch to threads
	   that wait their turn for a CPU cost more than they save (the
	   result is the same either way) */
	if ((d->n > 0 && (double)(d->start[d->n] - d->start[0]) / (double)d->n *
	    d->nclasses * NLP_BATCH < (o->parallel_min > 0 ? o->parallel_min :
	    NLP_LEARN_PARALLEL_MIN)) ||
	    (pool != NULL && !o->oversubscribe &&
	    nlp_pool_oversubscribed(pool)))
		pool = NULL;
	memset(&j, 0, sizeof j);
	j.d = d, j.o = o, j.w = w, j.bias = bias;
	j.nparts = pool ? nlp_pool_size(pool) : 1;
	if (j.nparts > NLP_SHARDS)
		j.nparts = NLP_SHARDS;
	j.S = (d->nclasses + 15) & ~15u;
	j.ahead = (double)d->nrows * d->nclasses * sizeof *w > 4e6;
	nnz = d->n > 0 ? d->start[d->n] : 0;
	order = malloc((d->n + 1) * sizeof *order);
	j.partial = aligned_alloc(64, (size_t)NLP_BATCH * NLP_SHARDS * j.S *
	    sizeof *j.partial);
	j.grad = malloc((size_t)NLP_BATCH * d->nclasses * sizeof *j.grad);
	j.loss = malloc(NLP_BATCH * sizeof *j.loss);
	if (order == NULL || j.partial == NULL || j.grad == NULL ||
	    j.loss == NULL) {
		rc = nlp_errf(e, NLP_IO, "out of memory");
		goto out;
	}
	/* each feature's shard, only for rows out of order (or a failed
	   malloc of the runs): nnz bytes a training, where the runs are
	   three numbers a text */
	if ((j.run = run = make_runs(d)) == NULL) {
		if ((shard = malloc(nnz + 1)) == NULL) {
			rc = nlp_errf(e, NLP_IO, "out of memory");
			goto out;
		}
		for (f = 0; f < nnz; f++)
			shard[f] = (uint8_t)shard_of(d, f);
		j.shard = shard;
	}
	for (i = 0; i < d->n; i++)
		order[i] = (uint32_t)i;
	for (epoch = 1; epoch <= o->epochs; epoch++) {
		struct nlp_epoch_report rep;
		double t0 = now(), loss = 0;

		nlp_shuffle(order, d->n, &rng);
		for (i = 0; i < d->n; i += NLP_BATCH) {
			size_t k;

			j.batch = order + i;
			j.nb = d->n - i < NLP_BATCH ? d->n - i : NLP_BATCH;
			j.lr = (float)(o->lr * (1.0 - seen / total));
			if (pool) {
				nlp_pool_run_each(pool, logits, &j);
				nlp_pool_run(pool, j.nb, forward, &j);
				nlp_pool_run_each(pool, update, &j);
			} else {
				logits(&j, 0);
				for (k = 0; k < j.nb; k++)
					forward(&j, k);
				update(&j, 0);
			}
			for (k = 0; k < j.nb; k++)
				loss += j.loss[k];
			seen += (double)j.nb;
		}
		rep.epoch = epoch;
		rep.loss = d->n ? loss / (double)d->n : 0;
		rep.examples_per_s = d->n / (now() - t0 + 1e-9);
		if (o->epoch_done && o->epoch_done(o->arg, &rep, w, bias))
			break;
	}
out:
	free(order);
	free(shard);
	free(run);
	free(j.partial);
	free(j.grad);
	free(j.loss);
	return rc;
}

int
nlp_learn_docs(const struct nlp_docs *d, const uint32_t *y, uint32_t nrows,
    uint32_t nclasses, const struct nlp_learn_opts *o, float *w, float *bias,
    struct nlp_err *e)
{
	struct nlp_dataset ds;

	ds.n = d->n;
	ds.start = d->start;
	ds.row = d->key;
	ds.val = d->val;
	ds.y = y != NULL ? y : d->y;
	ds.ystart = NULL;
	ds.ys = NULL;
	ds.nrows = nrows;
	ds.nclasses = nclasses;
	return nlp_learn(&ds, o, w, bias, e);
}
