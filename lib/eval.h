/*
 * eval.h - evaluating a model on labeled data: scikit-learn's metrics,
 * calibration, bootstrap intervals, and the gates a CI job stands on.
 *
 * Definitions (scikit-learn's classification_report and log_loss):
 *  - the labels scored are the sorted union of the gold labels and the
 *    predicted ones; a gold label the model does not know is one of them,
 *    counted in unknown_labels, and always an error;
 *  - per class: precision = tp / predicted, recall = tp / support,
 *    F1 = 2PR / (P + R), each 0 when its denominator is 0 (and reported in
 *    zero_division);
 *  - macro average: the unweighted mean over the labels scored; weighted:
 *    weighted by support; micro: from the summed counts (for single-label
 *    data equal to accuracy);
 *  - log loss: the mean of -ln p(gold), with every probability clipped to
 *    [eps, 1 - eps] (eps = 2.220446e-16, float64's) and each row then
 *    renormalized; an unknown gold label has probability eps;
 *  - ECE: the top-1 confidences cut into 15 equal-width bins (0, 1/15],
 *    ..., (14/15, 1]; the sum over bins of |accuracy - mean confidence|
 *    weighted by the bin's share of examples.
 * Multi-label records (several fastText labels) are skipped and counted,
 * as in training.
 */
#ifndef NLP_EVAL_H
#define NLP_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"
#include "model.h"
#include "reader.h"

#define NLP_EVAL_SCHEMA 1
#define NLP_ECE_BINS 15

/* Labeled examples held in memory, so that several models see the same. */
struct nlp_labeled {
	char *text;              /* all texts, each NUL-terminated */
	size_t *off;             /* n + 1 offsets */
	char **gold;             /* n labels (pointers into labels below) */
	size_t n;
	char **names;            /* distinct gold labels */
	size_t nnames;
	struct nlp_input *inputs;
	size_t ninputs;
	char oddities[1024];     /* the reader's summary, or "" */
	uint64_t multilabel;     /* skipped multi-label records */
	uint64_t skipped;        /* records skipped: no label, several labels,
	                            malformed (blank lines are not records) */
};

/*
 * Read labeled data (reader options in labeled mode).  As in training, a
 * label with a control character or invalid UTF-8 is an error (NLP_DATA)
 * naming file and line, not a record skipped.
 */
int nlp_labeled_read(struct nlp_labeled *d, const char *const *paths,
    size_t n, const struct nlp_reader_opts *ro, struct nlp_err *e);
void nlp_labeled_release(struct nlp_labeled *d);

/*
 * Gates decide only on data that was read: when more than
 * NLP_MAX_SKIPPED_PERCENT % of the records (examples + skipped) were
 * skipped, figures on what is left say nothing about the data given (an
 * unclosed quote or a wrong --label-field can leave 5 examples of 1000),
 * so the gates have no verdict.  Returns 1 when they may decide, else 0
 * with the reason in why (one line).
 */
#define NLP_MAX_SKIPPED_PERCENT 1
int nlp_labeled_decisive(const struct nlp_labeled *d, char *why, size_t size);

/* One model's results on a labeled set. */
struct nlp_eval {
	uint32_t nlabels;        /* model classes + unknown gold labels */
	char **labels;           /* sorted; pointers owned by the model/data */
	uint32_t *gold, *pred;   /* n indices into labels */
	float *conf;             /* top-1 probability */
	double *loss;            /* -ln p(gold), clipped and renormalized */
	size_t n;
	uint64_t unknown;        /* examples whose gold label the model lacks */
	uint32_t nclasses;       /* the model's classes */
	uint32_t *class_label;   /* model class -> index into labels */
	int32_t *gold_class;     /* n: model class of the gold label, or -1 */
	uint64_t *fp;            /* n text fingerprints (nlp_eval_run only) */
	double seconds;          /* time spent scoring */
};

/*
 * Prepare ev for n examples with these gold labels, for a model with these
 * classes (both copied by pointer: they must outlive ev).  Then
 * nlp_eval_row() gives each example its class probabilities.
 */
int nlp_eval_init(struct nlp_eval *ev, const char *const *classes,
    uint32_t nclasses, char *const *gold, size_t n);

/*
 * Example i's class probabilities (nclasses, in the model's class order).
 * A row with a NaN or infinite probability gets confidence NaN.
 */
void nlp_eval_row(struct nlp_eval *ev, size_t i, const float *probs);

/*
 * Score every example of d with m (threads: parallel, same results).
 * NLP_DATA when the model gives an example a probability that is not a
 * finite number (damaged weights): no figure would mean anything.
 */
int nlp_eval_run(struct nlp_eval *ev, const struct nlp_model *m,
    const struct nlp_labeled *d, unsigned threads, struct nlp_err *e);
void nlp_eval_release(struct nlp_eval *ev);

/* How many examples' texts are in the training set's fingerprints. */
struct nlp_seen;
uint64_t nlp_eval_seen(const struct nlp_eval *ev, const struct nlp_seen *s);

/* Accuracy and macro-F1 over the examples idx[0..n) (all when idx NULL). */
void nlp_eval_summary(const struct nlp_eval *ev, const uint32_t *idx,
    size_t n, double *accuracy, double *macro_f1);

/*
 * The report (schema 1): n, accuracy, macro_avg, micro_avg, weighted_avg,
 * per_class (in label order), confusion {labels, matrix, labels_total,
 * examples_outside}, log_loss, ece, unknown_labels, zero_division.  NULL
 * when out of memory.  The confusion matrix covers every label scored when
 * there are at most NLP_CONFUSION_MAX_LABELS of them, else the
 * NLP_CONFUSION_MAX_LABELS labels with the most examples (gold plus
 * predicted; ties in label order), in label order: labels_total counts the
 * labels scored, examples_outside the examples whose gold or predicted
 * label is not in the matrix.  Memory is linear in the labels and examples.
 * A metric that is not a finite number is null.
 */
#define NLP_CONFUSION_MAX_LABELS 100
json_t *nlp_eval_report(const struct nlp_eval *ev);

/*
 * Percentile bootstrap (seeded; the same for any thread count): 95 %
 * intervals of accuracy and macro-F1 as {"accuracy": [lo, hi],
 * "macro_f1": [lo, hi]}; with base (scored on the same examples), the
 * paired intervals of candidate - baseline under "difference".
 */
json_t *nlp_eval_bootstrap(const struct nlp_eval *ev,
    const struct nlp_eval *base, unsigned replicates, uint64_t seed);

/*
 * The n most confident errors, as {example, gold, predicted, p, text};
 * example counts the examples read from 1 (skipped records not counted).
 */
json_t *nlp_eval_errors(const struct nlp_eval *ev, const struct nlp_labeled *d,
    size_t n);

/* A gate: a bound on a metric. */
enum nlp_gate_kind {
	NLP_GATE_MIN_ACCURACY, NLP_GATE_MIN_F1, NLP_GATE_MIN_CLASS_F1,
	NLP_GATE_MAX_LOG_LOSS, NLP_GATE_MAX_ECE, NLP_GATE_MAX_DROP,
};

struct nlp_gate {
	enum nlp_gate_kind kind;
	const char *label;       /* NLP_GATE_MIN_CLASS_F1 */
	double bound;
};

/*
 * Check the gates against report (and the baseline's, for MAX_DROP, on
 * accuracy and macro-F1).  gate_on_lower: use the bootstrap's lower bounds
 * (report's "bootstrap" key) instead of the point values.  Returns an array
 * of {gate, metric, value, bound, passed}; *failed counts the failures.  A
 * metric missing from the report, or not a number, fails its gate (value
 * null).
 */
json_t *nlp_eval_gates(const json_t *report, const json_t *baseline,
    const struct nlp_gate *gates, size_t ngates, int gate_on_lower,
    size_t *failed);

#endif
