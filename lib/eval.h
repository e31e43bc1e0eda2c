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
 * as in training, unless the model is multi-label.
 *
 * A multi-label model (train --multilabel) predicts, for each example, the
 * set of labels with probability min_p or more, and is measured as
 * scikit-learn measures a label indicator matrix whose columns are the
 * labels scored (the sorted union of gold and predicted labels):
 * per-label precision, recall and F1; their micro average (from the summed
 * counts), macro and weighted averages; the samples average (each
 * example's own P, R and F1 over its sets, then their mean; 0 on zero
 * division); Hamming loss (labels in one set but not the other, over
 * examples x labels scored); and accuracy is subset accuracy (the share of
 * examples whose predicted set is exactly the gold one).  Log loss,
 * calibration, the confusion matrix, the bootstrap and the most confident
 * errors are single-label figures.
 *
 * The layers: nlp_labeled_read() reads the data; nlp_eval_run() scores
 * every example (struct nlp_eval); nlp_eval_measure() turns the scores
 * into one model's figures, nlp_eval_bootstrap() into intervals, and
 * nlp_eval_gates() decides the gates on the figures.  nlp_eval_evaluate()
 * does all of it for a command, into one struct nlp_eval_result, which
 * eval_report.h writes as JSON or as a report for a person.
 */
#ifndef NLP_EVAL_H
#define NLP_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "metrics.h"
#include "model.h"
#include "reader.h"

#define NLP_EVAL_SCHEMA 1
/* A figure within this of a gate's or a requirement's bound is equal to
 * it: the last bits of a subtraction (0.93 - 0.92 = 0.010000000000000009)
 * never decide a verdict. */
#define NLP_GATE_EPS 1e-9

/*
 * The decimals that tell a figure from its bound apart when printed: 4,
 * or more (up to 10) where 4 print them alike (0.00104 against 0.00100,
 * not 0.0010 against 0.0010); 0 when both are whole numbers (a count).
 */
int nlp_gate_digits(double value, double bound);
#define NLP_ECE_BINS 15

/* Labeled examples held in memory, so that several models see the same. */
struct nlp_labeled {
	char *text;              /* all texts, each NUL-terminated */
	size_t *off;             /* n + 1 offsets */
	char **gold;             /* n labels (pointers into labels below) */
	size_t n;
	/* read as multi-label (ro->multilabel): example i's labels are
	   golds[gstart[i]..gstart[i + 1]), gold[i] the first of them */
	size_t *gstart;          /* n + 1, or NULL */
	char **golds;
	char **names;            /* distinct gold labels */
	size_t nnames;
	struct nlp_input *inputs;
	size_t ninputs;
	char oddities[1024];     /* the reader's summary, or "" */
	char losses[1024];       /* of its records skipped or changed, or "" */
	uint64_t multilabel;     /* skipped multi-label records */
	uint64_t skipped;        /* records skipped: no label, several labels,
	                            malformed (blank lines are not records) */
	uint64_t textless;       /* examples without a token (not malformed):
	                            scored on the model's bias alone */
	uint64_t bare_crs;       /* carriage returns inside records: lines
	                            that end in CR alone, read as one */
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
 * so the gates have no verdict; each carriage return inside a record (a
 * line that ends in CR alone, read as one with the next) counts as a
 * record left out.  Returns 1 when they may decide, else 0
 * with the reason in why (one line).
 */
#define NLP_MAX_SKIPPED_PERCENT 1
/* Nor when more than this share of the examples have no text at all:
 * figures on the model's bias alone, as a wrong text column leaves them
 * (`awk '{print $1 "\t" $3}'` on two columns), say nothing of the model. */
#define NLP_MAX_TEXTLESS_PERCENT 50
/* More than this share of an evaluation's data trained on, and its
 * recorded figures meet no `registry alias --require` that does not
 * allow it ("seen<=X"). */
#define NLP_SEEN_MAX 0.01
int nlp_labeled_decisive(const struct nlp_labeled *d, char *why, size_t size);

/* One model's scores on a labeled set, example by example. */
struct nlp_eval {
	uint32_t nlabels;        /* model classes + unknown gold labels */
	char **labels;           /* sorted; pointers owned by the model/data */
	uint32_t *gold, *pred;   /* n indices into labels */
	float *conf;             /* top-1 probability */
	double *loss;            /* -ln p(gold), clipped and renormalized */
	size_t n;
	uint64_t unknown;        /* examples whose gold label the model lacks */
	uint64_t foreign;        /* multi-label: examples none of whose gold
	                            labels the model has (else unknown) */
	uint32_t nclasses;       /* the model's classes */
	uint32_t *class_label;   /* model class -> index into labels */
	int32_t *gold_class;     /* n: model class of the gold label, or -1 */
	uint64_t *fp;            /* n text fingerprints (nlp_eval_run only) */
	double seconds;          /* time spent scoring */
	/*
	 * Multi-label (nlp_eval_run_multi): every example's counts summed
	 * into counts (over labels); gold and gold_class are per gold label
	 * (the data's golds), pred, conf and loss unused.
	 */
	int multilabel;
	double min_p;
	size_t ngold;            /* the data's gold labels */
	struct nlp_class_counts counts;
};

/*
 * Prepare ev for n examples with these gold labels, for a model with these
 * classes (both copied by pointer: they must outlive ev).  Then
 * nlp_eval_row() gives each example its class probabilities.  0, or -1
 * when out of memory.
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

/*
 * Multi-label: prepare ev for n examples whose gold labels are
 * golds[gstart[i]..gstart[i + 1]), a model with these classes; counts
 * zeroed.  0, or -1 when out of memory.
 */
int nlp_eval_init_multi(struct nlp_eval *ev, const char *const *classes,
    uint32_t nclasses, char *const *golds, const size_t *gstart, size_t n,
    double min_p);
/*
 * Example i's class probabilities p (nclasses) into k: its predicted set
 * (the classes of probability min_p or more) against its gold set.
 * scratch holds nclasses + nlabels.  0, or -1 when a probability is not a
 * finite number (damaged weights).
 */
int nlp_eval_row_multi(const struct nlp_eval *ev, struct nlp_class_counts *k,
    const size_t *gstart, size_t i, const float *p, uint32_t *scratch);
/*
 * The same as nlp_eval_run() for a multi-label model on data read as
 * multi-label: each
 * example's predicted set is the labels of probability min_p or more.
 * The sums are made in a fixed order: the same figures at any thread
 * count.
 */
int nlp_eval_run_multi(struct nlp_eval *ev, const struct nlp_model *m,
    const struct nlp_labeled *d, double min_p, unsigned threads,
    struct nlp_err *e);
/* Free what ev holds (ev zeroed; a zeroed ev may be released). */
void nlp_eval_release(struct nlp_eval *ev);

/* How many examples' texts are in the training set's fingerprints. */
struct nlp_seen;
uint64_t nlp_eval_seen(const struct nlp_eval *ev, const struct nlp_seen *s);

/*
 * Accuracy and macro-F1 over the examples idx[0..n) (all when idx NULL).
 * 0, or -1 when out of memory.
 */
int nlp_eval_summary(const struct nlp_eval *ev, const uint32_t *idx,
    size_t n, double *accuracy, double *macro_f1);

/* Precision, recall, F1 (0 on zero division) and support. */
struct nlp_eval_prf {
	double precision, recall, f1;
	uint64_t support;
};

/* A label scored: one row of the table. */
struct nlp_eval_class {
	const char *label;
	struct nlp_eval_prf prf;
	uint64_t predicted;      /* 0: its precision is undefined, and with
	                            support 0 its recall (zero_division) */
};

/* A calibration bin: top-1 confidences in (i / 15, (i + 1) / 15]. */
struct nlp_eval_bin {
	uint64_t n, correct;
	double confidence;       /* their sum */
};

/*
 * The confusion matrix over every label scored when there are at most
 * NLP_CONFUSION_MAX_LABELS of them, else over the NLP_CONFUSION_MAX_LABELS
 * labels with the most examples (gold plus predicted; ties in label
 * order), in label order.  Memory is that of what is reported: a dense
 * matrix over every label scored is quadratic in their number (20000
 * distinct gold labels took 24 GB).
 */
#define NLP_CONFUSION_MAX_LABELS 100
struct nlp_eval_confusion {
	const char **labels;     /* k */
	uint64_t *matrix;        /* k x k: matrix[gold * k + predicted] */
	uint32_t k;
	uint32_t labels_total;   /* the labels scored */
	uint64_t examples_outside;  /* gold or predicted label not in the
	                               matrix */
};

/*
 * One model's figures on a labeled set (the report of schema 1).  Strings
 * are borrowed: labels from the model and the data, ref and sha256 from
 * the loaded model, all of which must outlive the figures.  A figure that
 * is not a finite number (log_loss and ece of a row nlp_eval_run refuses)
 * is undefined: JSON null, and it fails every gate.
 */
struct nlp_eval_figures {
	const char *ref;         /* the model as named ("spam@7", a path) */
	const char *sha256;      /* of its artifact */
	size_t n;                /* examples */
	double accuracy;
	struct nlp_eval_prf macro, micro, weighted;
	struct nlp_eval_class *classes;  /* every label scored, label order */
	uint32_t nclasses;
	struct nlp_eval_confusion confusion;
	double log_loss, ece;
	struct nlp_eval_bin bins[NLP_ECE_BINS];
	/* a multi-label model's (accuracy is then subset accuracy; log_loss
	   and ece NaN, no bins, no confusion matrix) */
	int multilabel;
	double min_p;
	struct nlp_eval_prf samples;
	double hamming_loss;
	uint64_t unknown;        /* examples whose gold label the model lacks */
	/* the examples whose text the model was trained on (the artifact's
	   "seen" member), or when the artifact cannot tell, why (one line) */
	int seen_known;
	uint64_t seen;
	double seen_share;
	char seen_why[1024];
};

/*
 * Measure ev into f (zeroed first; ref, sha256 and seen are the caller's).
 * 0, or -1 when out of memory (f holds nothing then).
 */
int nlp_eval_measure(struct nlp_eval_figures *f, const struct nlp_eval *ev);

/* Free what f holds (f zeroed; a zeroed f may be released). */
void nlp_eval_figures_release(struct nlp_eval_figures *f);

/* The figures of label, or NULL when it was not scored. */
const struct nlp_eval_class *nlp_eval_class_find(
    const struct nlp_eval_figures *f, const char *label);

/*
 * Percentile bootstrap (seeded; the same for any thread count): 95 %
 * intervals [lo, hi] of accuracy and macro-F1; with a baseline scored on
 * the same examples, the paired intervals of candidate - baseline.
 */
struct nlp_eval_bootstrap {
	unsigned replicates;     /* 0: none */
	uint64_t seed;
	double accuracy[2], macro_f1[2];
	int paired;              /* the difference below is there */
	double diff_accuracy[2], diff_macro_f1[2];
};

/* 0 (b zeroed when ev has no example or replicates is 0), or -1 when out
 * of memory. */
int nlp_eval_bootstrap(struct nlp_eval_bootstrap *b, const struct nlp_eval *ev,
    const struct nlp_eval *base, unsigned replicates, uint64_t seed);

/* One of the most confident errors; strings borrowed from the model and
 * the data. */
struct nlp_eval_error {
	size_t example;          /* counted from 1 among the examples read
	                            (skipped records not counted) */
	const char *gold, *predicted, *text;
	float p;                 /* the predicted label's probability */
};

/* The n most confident errors into *out (malloc'd, *count of them, fewer
 * when there are fewer errors).  0, or -1 when out of memory. */
int nlp_eval_errors(struct nlp_eval_error **out, size_t *count,
    const struct nlp_eval *ev, const struct nlp_labeled *d, size_t n);

/* A gate: a bound on a metric. */
enum nlp_gate_kind {
	NLP_GATE_MIN_ACCURACY, NLP_GATE_MIN_F1, NLP_GATE_MIN_CLASS_F1,
	NLP_GATE_MAX_LOG_LOSS, NLP_GATE_MAX_ECE, NLP_GATE_MAX_DROP,
	NLP_GATE_MAX_SEEN,       /* the share of the examples trained on */
};

struct nlp_gate {
	enum nlp_gate_kind kind;
	const char *label;       /* NLP_GATE_MIN_CLASS_F1 */
	double bound;
};

/* The option that sets a gate of this kind ("--min-accuracy"). */
const char *nlp_gate_name(enum nlp_gate_kind kind);

/* Does a gate of this kind need the model itself, a figure a prediction
 * log (predicted labels alone) cannot give: log loss, ECE, a baseline's
 * drop, the share of the examples trained on?  1 or 0. */
int nlp_gate_needs_model(enum nlp_gate_kind kind);

/* A gate's verdict; NLP_GATE_MAX_DROP gives two, accuracy and macro-F1. */
struct nlp_gate_result {
	enum nlp_gate_kind kind;
	char metric[256];        /* "accuracy", "f1 of 'spam'", "macro_f1 drop
	                            from the baseline" */
	double value;            /* NaN when undefined */
	double bound;
	int passed;              /* 1, 0, or -1: no verdict (see
	                            nlp_labeled_decisive) */
};

/*
 * Decide the gates on f (and base, for MAX_DROP, on accuracy and
 * macro-F1).  gate_on_lower: with bs (replicates > 0), accuracy and
 * macro-F1 gates use the bootstrap's lower bounds and MAX_DROP the paired
 * difference's.  A figure that is undefined fails its gate (value NaN):
 * MAX_SEEN's when the model cannot tell what it was trained on.
 * *out is malloc'd (*count results); *failed counts the failures.  NLP_OK,
 * or NLP_IO when out of memory.
 */
int nlp_eval_gates(struct nlp_gate_result **out, size_t *count,
    size_t *failed, const struct nlp_eval_figures *f,
    const struct nlp_eval_figures *base, const struct nlp_eval_bootstrap *bs,
    const struct nlp_gate *gates, size_t ngates, int gate_on_lower,
    struct nlp_err *e);

/* What nlp_eval_evaluate() is asked for. */
struct nlp_eval_opts {
	unsigned threads;
	int strict;              /* an unknown gold label is an error */
	unsigned bootstrap;      /* replicates; 0: no intervals */
	uint64_t seed;
	size_t errors;           /* the N most confident errors; 0: none */
	double min_p;            /* a multi-label model's cut-off */
	const struct nlp_gate *gates;
	size_t ngates;
	int gate_on_lower;
};

struct nlp_evallog_counts;

/*
 * Everything `nlpops eval` reports.  The caller owns the struct and
 * releases it with nlp_eval_result_release(); strings and inputs are
 * borrowed from the loaded models and the labeled data, which must outlive
 * it.
 */
struct nlp_eval_result {
	struct nlp_eval_figures model;
	struct nlp_eval_figures baseline;  /* when has_baseline */
	int has_baseline;
	const char *baseline_skipped;      /* a baseline asked for and
	                                      skipped: why (the caller's,
	                                      set after the evaluation) */
	struct nlp_eval_bootstrap bootstrap;
	const struct nlp_input *inputs;    /* the data read */
	size_t ninputs;
	const char *skipped;     /* the reader's oddities, "" when none */
	const char *losses;      /* of the records skipped or changed alone */
	uint64_t textless;       /* examples without a token, scored on the
	                            bias alone (0 with a prediction log) */
	uint64_t records_skipped;  /* no label, several labels, malformed */
	int errors_asked;        /* errors below were asked for */
	struct nlp_eval_error *errors;
	size_t nerrors;
	struct nlp_gate_result *gates;     /* in order; none: no gate asked */
	size_t ngates, failed;   /* results, and how many did not pass */
	int gate_on_lower;
	int decisive;            /* the gates may decide (else undecided says
	                            why, and every gate's passed is -1) */
	char undecided[256];
	int undecided_skipped;   /* ... for records skipped: the figures
	                            stand on the rest (not for examples
	                            without text, or records run together) */
	double seconds;          /* scoring the model */
	/* --predictions (evallog.h): the figures are a prediction log's,
	   joined by id to the gold data; NULL for a model's */
	const struct nlp_evallog_counts *joined;
	const struct nlp_input *log;       /* the log read */
	int log_shadow;                    /* its shadow model's labels */
};

/*
 * Score d with model (and baseline, when not NULL, on the same examples)
 * into r (zeroed first): figures, seen-in-training, bootstrap, gates,
 * errors as o asks.  Returns NLP_OK; NLP_DATA (damaged weights; more than
 * half the examples with gold labels the model never learned -- data for
 * another model, not a failed gate; with o->strict any unknown gold
 * label); NLP_USAGE (a MIN_CLASS_F1 gate on a
 * label neither predicted nor in the gold labels); NLP_IO (memory).  On
 * error r holds nothing.
 */
struct nlp_loaded;
int nlp_eval_evaluate(struct nlp_eval_result *r, struct nlp_loaded *model,
    struct nlp_loaded *baseline, const struct nlp_labeled *d,
    const struct nlp_eval_opts *o, struct nlp_err *e);

/*
 * The last steps of nlp_eval_evaluate(), for figures made elsewhere (a
 * prediction log's, evallog.h): with r->model measured from ev, and
 * r->bootstrap made, check the --min-class-f1 labels (NLP_USAGE), judge
 * whether the gates may decide on d (only its n and skipped are read),
 * decide them, and take the errors o asks for (d's texts then needed).
 */
int nlp_eval_conclude(struct nlp_eval_result *r, const struct nlp_eval *ev,
    const struct nlp_labeled *d, const struct nlp_eval_opts *o,
    struct nlp_err *e);

/* Free what r holds (r zeroed; a zeroed r may be released). */
void nlp_eval_result_release(struct nlp_eval_result *r);

#endif
