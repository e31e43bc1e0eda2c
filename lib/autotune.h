/*
 * autotune.h - `train --autotune`: a search over the training options
 * that keeps the model that scores best on validation data.
 *
 * With cv (K folds), each trial trains K times, each fold of a seeded
 * order of the examples held out once, and is scored by the mean of the
 * K folds' figures; the model kept is then trained once more with the
 * best trial's options, as `train` would.
 *
 * Trial 1 trains with the options given; each later trial changes the
 * options not pinned (NLP_TUNE_* in fixed) to values drawn from a small
 * grid by the seeded generator (rng.h): the first half of the trials at
 * random, the rest one or two steps from the best so far.  Each trial is
 * scored by its held-out macro-F1 (--valid, or the held-out slice), ties
 * by accuracy, then by the earlier trial.  Everything the search decides
 * follows from the data, the options and the seed, never from the time a
 * trial takes or the thread count: the same trials, in the same order,
 * and the same model everywhere.  The model kept is byte for byte what
 * `train` writes with the best trial's options.
 */
/*
 * The solver's own options are searched, the other solver's left alone:
 * the SVM's cost, or SGD's learning rate, epochs and L2.
 */
#ifndef NLP_AUTOTUNE_H
#define NLP_AUTOTUNE_H

#include "error.h"
#include "train.h"

/* The options a trial may change; a bit set in fixed pins it. */
enum {
	NLP_TUNE_LR = 1 << 0,
	NLP_TUNE_EPOCHS = 1 << 1,
	NLP_TUNE_NGRAMS = 1 << 2,
	NLP_TUNE_CHAR = 1 << 3,
	NLP_TUNE_BITS = 1 << 4,
	NLP_TUNE_MIN_DF = 1 << 5,
	NLP_TUNE_L2 = 1 << 6,
	NLP_TUNE_COST = 1 << 7,
};

#define NLP_TUNE_MAX_TRIALS 1000

#define NLP_TUNE_MAX_FOLDS 20

struct nlp_autotune_opts {
	unsigned trials;         /* 1..NLP_TUNE_MAX_TRIALS */
	unsigned fixed;          /* NLP_TUNE_* bits */
	unsigned cv;             /* K-fold: score a trial by the mean over K
	                            folds (2..NLP_TUNE_MAX_FOLDS), then train
	                            the kept model on the best options; 0:
	                            the held-out slice or --valid */
};

/* One trial, as reported. */
struct nlp_autotune_trial {
	unsigned number, trials; /* 1-based */
	struct nlp_train_opts o; /* its options (o.bits, o.min_df 0: sized
	                            to the data) */
	int failed;              /* no model (e.g. --min-df left no feature):
	                            why in msg */
	char msg[sizeof ((struct nlp_err *)0)->msg];
	double macro_f1, accuracy;  /* held out (the mean over the folds) */
	unsigned best;           /* the best trial so far, this one included */
};

typedef void (*nlp_autotune_report)(void *arg,
    const struct nlp_autotune_trial *t);

/*
 * Search as ao says, training on paths[0..n) (files: each trial reads
 * them again) from base; report (may be NULL) is called after each trial.
 * Returns NLP_OK with the best model in *best and its trial in *best_trial,
 * or what trial 1 failed with, NLP_DATA when there is no validation data
 * (no --valid, too few examples for a held-out slice), NLP_IO.
 */
int nlp_autotune(const char *const *paths, size_t n,
    const struct nlp_train_opts *base, const struct nlp_autotune_opts *ao,
    nlp_autotune_report report, void *arg, struct nlp_trained *best,
    struct nlp_autotune_trial *best_trial, struct nlp_err *e);

#endif
