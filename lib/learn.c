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

struct job {
	const struct nlp_dataset *d;
	const struct nlp_learn_opts *o;
	float *w, *bias;
	const uint32_t *batch;   /* example indices of this batch */
	size_t nb;
	float *grad;             /* nb x C: dLoss/dscore per example */
	double *loss;            /* nb */
	float lr;
	unsigned nparts;
};

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

/* Forward pass for example k of the batch: probabilities to gradients. */
static void
forward(void *arg, size_t k)
{
	struct job *j = arg;
	const struct nlp_dataset *d = j->d;
	uint32_t C = d->nclasses, i = j->batch[k], y;
	float *g = j->grad + k * C;
	float cw;
	uint32_t c;

	if (d->ystart != NULL) {
		nlp_model_logits(j->w, j->bias, C, d->row + d->start[i],
		    d->val + d->start[i], d->start[i + 1] - d->start[i], g);
		j->loss[k] = forward_multi(d, i, g);
		return;
	}
	y = d->y[i];
	cw = j->o->class_weight ? j->o->class_weight[y] : 1.0f;
	nlp_model_scores(j->w, j->bias, C, d->row + d->start[i],
	    d->val + d->start[i], d->start[i + 1] - d->start[i], g);
	j->loss[k] = -log(g[y] > 1e-30f ? (double)g[y] : 1e-30) * cw;
	for (c = 0; c < C; c++)
		g[c] = (g[c] - (c == y ? 1.0f : 0.0f)) * cw;
}

/* Apply the batch's updates to the rows of partition part, in order. */
static void
update(void *arg, size_t part)
{
	struct job *j = arg;
	const struct nlp_dataset *d = j->d;
	uint32_t C = d->nclasses, lo, hi;
	float lr = j->lr, decay = 1.0f - j->lr * j->o->l2;
	size_t k, f;
	uint32_t c;

	lo = (uint32_t)((uint64_t)d->nrows * part / j->nparts);
	hi = (uint32_t)((uint64_t)d->nrows * (part + 1) / j->nparts);
	for (k = 0; k < j->nb; k++) {
		uint32_t i = j->batch[k];
		const float *g = j->grad + k * C;

		for (f = d->start[i]; f < d->start[i + 1]; f++) {
			uint32_t r = d->row[f];
			float v = lr * d->val[f];
			float *wr;

			if (f + 6 < d->start[i + 1])
				nlp_prefetch_row(j->w + (size_t)d->row[f + 6] * C, C);
			if (r < lo || r >= hi)
				continue;
			wr = j->w + (size_t)r * C;
			if (j->o->l2 > 0)
				for (c = 0; c < C; c++)
					wr[c] = wr[c] * decay - v * g[c];
			else
				for (c = 0; c < C; c++)
					wr[c] -= v * g[c];
		}
		if (part == 0)
			for (c = 0; c < C; c++)
				j->bias[c] -= lr * g[c];
	}
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
	uint64_t rng = o->seed ^ 0x5eed5eed5eedULL;
	double total = (double)d->n * o->epochs, seen = 0;
	unsigned epoch;
	size_t i;
	int rc = NLP_OK;

	/* the threads only when a batch's work outweighs waking them (the
	   result is the same either way) */
	if (d->n > 0 && (double)(d->start[d->n] - d->start[0]) / (double)d->n *
	    d->nclasses * NLP_BATCH < (o->parallel_min > 0 ? o->parallel_min :
	    NLP_LEARN_PARALLEL_MIN))
		pool = NULL;
	memset(&j, 0, sizeof j);
	j.d = d, j.o = o, j.w = w, j.bias = bias;
	j.nparts = pool ? nlp_pool_size(pool) : 1;
	order = malloc((d->n + 1) * sizeof *order);
	j.grad = malloc((size_t)NLP_BATCH * d->nclasses * sizeof *j.grad);
	j.loss = malloc(NLP_BATCH * sizeof *j.loss);
	if (order == NULL || j.grad == NULL || j.loss == NULL) {
		rc = nlp_errf(e, NLP_IO, "out of memory");
		goto out;
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
				nlp_pool_run(pool, j.nb, forward, &j);
				nlp_pool_run(pool, j.nparts, update, &j);
			} else {
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
