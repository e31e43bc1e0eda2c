/*
 * learn.h - multinomial logistic regression by mini-batch SGD, the same
 * result at any thread count; or one-vs-all logistic regressions for
 * multi-label data.
 *
 * Each epoch visits the examples in a seeded random order, in mini-batches
 * of NLP_BATCH.  For a batch, the class scores of every example are
 * computed from the weights as they stand at the start of the batch; then
 * the updates are applied example by example in batch order.  The weight
 * rows fall in a fixed number of ranges (shards), each owned by one thread
 * for the whole run: a thread computes its shards' partial scores and
 * applies their updates, so a row stays in one core's caches, and an
 * example's score is the bias plus the shards' partial sums added in shard
 * order -- the same arithmetic, and so the same weights to the bit, at any
 * thread count.  Small batches run on the calling thread alone
 * (NLP_LEARN_PARALLEL_MIN).  The learning rate falls linearly to 0 over
 * the run, as in fastText.  L2 regularization is applied to the rows an
 * example touches ("sparse L2").
 */
#ifndef NLP_LEARN_H
#define NLP_LEARN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "pool.h"

#define NLP_BATCH 32
/*
 * A batch runs on the pool's threads only from this many multiply-adds
 * (features x classes x NLP_BATCH) on: below it, handing the threads the
 * batch's three steps costs more than they save.  The weights are the same
 * either way.
 */
#define NLP_LEARN_PARALLEL_MIN 1e4

/* Examples as sparse rows: example i has features start[i]..start[i+1). */
struct nlp_dataset {
	size_t n;
	const size_t *start;     /* n + 1 offsets into row/val */
	const uint32_t *row;
	const float *val;
	const uint32_t *y;       /* class of each example */
	/*
	 * Multi-label (one-vs-all): when ystart is not NULL, example i's
	 * classes are ys[ystart[i]..ystart[i + 1]), increasing, y is unused,
	 * and each class has a binary logistic loss of its own (sigmoid
	 * outputs; class weights do not apply).
	 */
	const size_t *ystart;
	const uint32_t *ys;
	uint32_t nrows, nclasses;
};

struct nlp_epoch_report {
	unsigned epoch;          /* 1-based */
	double loss;             /* mean weighted training log loss this epoch
	                            (multi-label: summed over the classes) */
	double examples_per_s;
};

struct nlp_learn_opts {
	unsigned epochs;
	float lr;
	float l2;
	uint64_t seed;
	const float *class_weight;   /* nclasses weights, or NULL for 1 */
	struct nlp_pool *pool;
	double parallel_min;     /* multiply-adds a batch from which the pool
	                            is used; 0: NLP_LEARN_PARALLEL_MIN */
	int oversubscribe;       /* use a pool of more threads than CPUs too
	                            (tests: the same weights either way) */
	/*
	 * Called after each epoch with the weights as they are; return
	 * nonzero to stop training there.  May be NULL.
	 */
	int (*epoch_done)(void *arg, const struct nlp_epoch_report *r,
	    const float *w, const float *bias);
	void *arg;
};

/*
 * Train: w (nrows x nclasses, row-major) and bias (nclasses) are updated in
 * place (start them at zero).  Returns NLP_OK or NLP_IO (out of memory).
 */
int nlp_learn(const struct nlp_dataset *d, const struct nlp_learn_opts *o,
    float *w, float *bias, struct nlp_err *e);

/*
 * Train on documents vectorized by nlp_docs_vectorize() (features.h): rows
 * 0..nrows, classes y (d->y when NULL).  The same as nlp_learn() on them.
 */
struct nlp_docs;
int nlp_learn_docs(const struct nlp_docs *d, const uint32_t *y,
    uint32_t nrows, uint32_t nclasses, const struct nlp_learn_opts *o,
    float *w, float *bias, struct nlp_err *e);

#endif
