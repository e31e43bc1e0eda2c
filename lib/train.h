/*
 * train.h - from labeled text to a model artifact.
 *
 * nlp_train() reads the data (reader.h), featurizes it in parallel
 * (features.h), builds the vocabulary of buckets seen in training and their
 * idf, learns the weights (learn.h), measures the model on held-out data,
 * profiles the text (profile.h), and returns the artifact's members.  The
 * result depends only on the data, the options that shape the model and
 * the seed: never on the thread count.
 */
#ifndef NLP_TRAIN_H
#define NLP_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "reader.h"

#define NLP_SAMPLE_TEXTS 2000   /* training texts kept for drift */
#define NLP_SAMPLE_BYTES 2000   /* at most, each */

struct nlp_train_progress {
	/* SVM: classes solved of all (epochs 0), the rest unset */
	unsigned classes, nclasses;
	unsigned epoch, epochs;
	double loss;             /* mean training log loss of the epoch */
	double examples_per_s;
	double valid_accuracy;   /* on --valid or the held-out slice; < 0: none */
};

enum nlp_solver { NLP_SOLVER_AUTO, NLP_SOLVER_SGD, NLP_SOLVER_SVM };

struct nlp_train_opts {
	struct nlp_reader_opts reader;
	unsigned ngrams;         /* word n-grams, 1..5 */
	unsigned char_min, char_max;  /* char n-grams; 0, 0: none */
	unsigned bits;           /* hash bits; 0: sized to the data */
	/*
	 * Features in fewer training documents are dropped; 0: 3 from 2000
	 * examples on, 2 from 200, else 1.
	 */
	unsigned min_df;
	/*
	 * NLP_SOLVER_SVM: one-vs-rest linear SVMs solved exactly (svm.h),
	 * with cost; NLP_SOLVER_SGD: softmax regression by SGD (learn.h),
	 * with epochs, lr and l2.  NLP_SOLVER_AUTO: SVM, or SGD for
	 * multi-label data.
	 */
	int solver;
	double cost;
	unsigned epochs;
	double lr, l2;
	int balanced;            /* class weights n / (C * n_c) */
	uint64_t seed;
	unsigned threads;
	const char *valid;       /* labeled file for early stopping, or NULL */
	/*
	 * Without valid: this fraction of the examples (at most 2000) is held
	 * out of training to measure the model, when there are at least 1000.
	 */
	double holdout;
	/*
	 * Cross-validation (autotune.h): with folds >= 2 and no valid, the
	 * held-out examples are fold fold (0-based) of folds equal slices of
	 * the seeded order, whatever holdout says.  0: no folds.
	 */
	unsigned folds, fold;
	/*
	 * With the holdout slice (not valid, not a fold): once the held-out
	 * figures are taken, train again on every example, held-out ones
	 * too, as scikit-learn's refit does; the figures, the held-out
	 * confidences drift compares with and the SVM's temperature stay
	 * those of the model that did not see them.  On by default.
	 */
	int refit;
	int quantize;            /* int8 weights, a scale per row (model.h) */
	/*
	 * Multi-label: records keep every label (fastText, JSONL arrays,
	 * TSV/CSV lists split at reader.label_sep) and the model has one
	 * sigmoid output per class (one-vs-all).  Accuracy is then subset
	 * accuracy; held-out classes are those at or above NLP_MIN_P.
	 */
	int multilabel;
	void (*progress)(void *arg, const struct nlp_train_progress *p);
	void *progress_arg;
};

/* Defaults for every field. */
void nlp_train_opts_init(struct nlp_train_opts *o);

/* The solver o trains with: NLP_SOLVER_SGD or NLP_SOLVER_SVM. */
int nlp_train_solver(const struct nlp_train_opts *o);

struct nlp_trained {
	void *weights;
	size_t weights_len;
	char *meta;              /* meta.json */
	char *profile;           /* profile (JSON) */
	void *seen;              /* training-text fingerprints (seen.h) */
	size_t seen_len;
	char *sample;            /* sample of training texts, NUL-separated */
	size_t sample_len;
	uint64_t examples;       /* trained on */
	uint64_t held_out;
	int refit;               /* trained again on the held-out examples
	                            too, after measuring on them */
	uint64_t valid_unknown;  /* --valid records left out: labels the
	                            training data has not */
	int64_t held_out_seen;   /* held-out texts also among the training
	                            texts (duplicated data) */
	uint32_t nclasses, nrows;
	unsigned bits, epochs_run, best_epoch;   /* SGD */
	int solver;              /* NLP_SOLVER_SGD or NLP_SOLVER_SVM */
	/* SVM: its cost, the most passes a class took, the classes that
	   stopped at the limit short of the tolerance, the temperature */
	double cost;
	unsigned passes, unconverged;
	double temperature;
	double held_out_accuracy, held_out_macro_f1;
	double held_out_micro_f1, held_out_hamming;   /* multi-label */
	/* quantized: the figures of the float weights it came from (those
	   above are the quantized model's) */
	int quantized;
	double float_accuracy, float_macro_f1;
	double held_out_majority; /* the share of the commonest held-out label:
	                             what always saying it would score */
	char oddities[1024];     /* the reader's summary of odd input, or "" */
	char losses[1024];       /* of its records skipped or changed, or "" */
	char valid_oddities[1024];   /* the same of the --valid file */
	char valid_losses[1024];
	char warning[512];       /* about the model itself (below the majority
	                            rate), also in meta.json; or "" */
	char textless[512];      /* examples without text (not a word or mark),
	                            which teach the class priors alone; or "" */
	int textless_class;      /* ... and a class has no example with text */
	char lists[512];         /* single-label classes that are lists of
	                            others ("libc,python"), or "" */
	char cases[512];         /* labels that differ only in case ("NEG"
	                            and "neg"), or "" */
};

/*
 * Train on paths[0..n) (n == 0: stdin).  Returns NLP_OK with *out filled,
 * or NLP_DATA (no examples, fewer than two classes, bad input in strict
 * mode), NLP_IO, NLP_USAGE (a column not in the header).
 */
int nlp_train(const char *const *paths, size_t n, const struct nlp_train_opts *o,
    struct nlp_trained *out, struct nlp_err *e);

/* Write the artifact to fd (an nlp_atomic's, which the caller commits,
 * or standard output); label names it in messages; gzip: a .tar.gz. */
int nlp_trained_write_fd(const struct nlp_trained *t, int fd,
    const char *label, int gzip, struct nlp_err *e);

/* The same artifact (uncompressed) in a malloc'd buffer, for pushing. */
int nlp_trained_bytes(const struct nlp_trained *t, void **out, size_t *len,
    struct nlp_err *e);

void nlp_trained_release(struct nlp_trained *t);

#endif
