/*
 * drift.h - has today's text drifted from the training text?
 *
 * One streaming pass over the current text against a reference: the
 * profile and text sample a model artifact carries (profile.h, member
 * "sample"), or a reference file profiled the same way.  Each signal gets
 * its statistic, a p-value where one is defined, its threshold and a
 * verdict; small samples are judged by p-values, large ones by effect
 * sizes (Evidently's rule), and both are reported.  Memory is bounded on
 * any input: counts over the reference's top tokens, bottom-k samples of
 * lengths, confidences and texts, and a capped map of new tokens.
 *
 * The result is a struct nlp_drift_report, the verdict decided on it;
 * drift_render.h writes it as JSON, text or Prometheus metrics, and
 * drift_html.h as an HTML page.  The modules behind nlp_drift_run():
 * drift_pass.h (the streaming pass), drift_signal.h (the signals),
 * drift_domain.h (the domain classifier).
 */
#ifndef NLP_DRIFT_H
#define NLP_DRIFT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "model.h"
#include "profile.h"
#include "reader.h"

#define NLP_DRIFT_SCHEMA 1       /* of the JSON report */
#define NLP_DRIFT_SIGNALS_MAX 11 /* every signal below, each at most once */
#define NLP_DRIFT_TOP 15         /* tokens and n-grams listed per side */
#define NLP_DRIFT_WARNINGS_MAX 8

struct nlp_drift_opts {
	struct nlp_reader_opts reader;   /* how to read the current text */
	size_t max_sample;       /* texts per side for the domain classifier */
	size_t small;            /* up to this many current records: p-values */
	double alpha;            /* p-value threshold */
	double effect;           /* effect-size threshold (JS, PSI, normed W) */
	double share_effect;     /* threshold on a share's absolute change */
	double auc;              /* domain classifier ROC AUC threshold */
	double drift_share;      /* share of drifted signals for a verdict */
	double max_accuracy_drop;    /* concept drift, labeled current data */
	unsigned permutations;   /* label-shuffled domain runs, small samples */
	uint64_t seed;
	unsigned threads;
};

/* Defaults: 2000, 1000, 0.05, 0.1, 0.05, 0.55, 0.5, 0.05, 20, seed 1. */
void nlp_drift_opts_init(struct nlp_drift_opts *o);

/*
 * The reference: a model's profile and sample, or a profiled file.  Owned
 * by the caller (nlp_drift_ref_release() frees what it holds); model is
 * borrowed and must outlive it.
 */
struct nlp_drift_ref {
	struct nlp_profile_stored profile;
	char **texts;            /* sample texts for the domain classifier */
	size_t ntexts;
	char *text_buf;          /* backing store of texts */
	const struct nlp_model *model;   /* NULL with --reference */
	/* a reference file's records (nlp_drift_ref_from_files()): kept,
	   read as empty texts for want of their text (first at
	   malformed_at, "FILE:LINE"), skipped for want of a label, in the
	   form of a JSON object read as plain text -- said in the report */
	uint64_t records, malformed, unlabeled, json_like;
	char malformed_at[1100];
	char bare_cr[512];          /* its lines run together by carriage
	                               returns (nlp_drift_pass's), or "" */
};

/*
 * Take the profile and sample from a loaded artifact a whose model is m;
 * display names it in messages ("'m.nlp': member 'profile': field 'docs'
 * is missing").  Returns NLP_OK, NLP_DATA (no profile -- an artifact of an
 * older nlpops -- or a damaged one), NLP_IO.
 */
struct nlp_artifact;
int nlp_drift_ref_from_artifact(struct nlp_drift_ref *ref,
    const struct nlp_artifact *a, const struct nlp_model *m,
    const char *display, struct nlp_err *e);

/* Take the profile and sample from the members' bytes (m: the model). */
int nlp_drift_ref_from_members(struct nlp_drift_ref *ref,
    const struct nlp_model *m, const void *profile, size_t profile_len,
    const void *sample, size_t sample_len, struct nlp_err *e);

/* Profile a reference file (or several) the way train profiles. */
int nlp_drift_ref_from_files(struct nlp_drift_ref *ref,
    const char *const *paths, size_t n, const struct nlp_reader_opts *ro,
    const struct nlp_drift_opts *o, struct nlp_err *e);

void nlp_drift_ref_release(struct nlp_drift_ref *ref);

/* How a signal is judged: p < threshold, or statistic >= threshold. */
enum nlp_drift_method { NLP_DRIFT_BY_P_VALUE, NLP_DRIFT_BY_EFFECT };

/* Why a signal is judged as it is: the rule that decided its row. */
enum nlp_drift_basis {
	NLP_DRIFT_SMALL_SAMPLE,      /* by p-value: at most --small current
	                                records */
	NLP_DRIFT_SMALL_REFERENCE,   /* the current sample is large, the
	                                reference's small: by p-value (the
	                                samples' KS), or by the distance
	                                corrected for sampling noise
	                                (predicted_labels) */
	NLP_DRIFT_LARGE_SAMPLE,      /* by effect: more than --small records */
	NLP_DRIFT_COUNTS,            /* by effect, always: counts of tokens or
	                                characters */
	NLP_DRIFT_NO_P_VALUE,        /* by effect: a small sample, but the test
	                                has no p-value (a reference share of 0
	                                or 1, fewer than 2 bins) */
	NLP_DRIFT_ACCURACY_DROP,     /* the accuracy's drop: more than
	                                --small records */
	NLP_DRIFT_ACCURACY_DROP_SURE, /* its drop beyond the sample's noise:
	                                at most --small records */
};

/* What a signal shows of each side, beside its statistic. */
enum nlp_drift_value {
	NLP_DRIFT_VALUE_NONE,    /* nothing: a distribution (see detail) */
	NLP_DRIFT_VALUE_NUMBER,  /* a share or a mean */
	NLP_DRIFT_VALUE_SCORES,  /* accuracy and macro F1 */
};

/* A distribution's figures, whichever of them the signal is judged by. */
struct nlp_drift_detail {
	double jensen_shannon, psi, kl, chi2, chi2_p_value;
	double jensen_shannon_corrected;   /* has_corrected: by sampling noise */
	int has_corrected;
	size_t bins;
};

/*
 * One signal.  Numbers are NAN where they are not defined (null in JSON).
 * name and statistic_name are static strings: vocabulary, oov_rate,
 * length_tokens, length_chars, non_letter_share, empty_share,
 * bad_utf8_share, predicted_labels, confidence, gold_labels, accuracy;
 * chi2, abs_change, ks (exact), ks (asymptotic), wasserstein_normed, psi,
 * jensen_shannon_corrected, drop.
 */
struct nlp_drift_signal {
	const char *name;
	const char *statistic_name;
	double statistic, p_value, threshold;
	enum nlp_drift_method method;
	enum nlp_drift_basis decided_by;
	int drifted;
	double sure_rise;                  /* a share's: its rise beyond
	                                      both samples' noise (the
	                                      current's lower Wilson bound
	                                      at --alpha less the
	                                      reference's upper); else 0 */
	int broken;                        /* empty_share, bad_utf8_share:
	                                      drifted, and surely up by
	                                      --share-effect or more: the
	                                      verdict's alone */
	enum nlp_drift_value value;
	double reference, current;         /* NUMBER: the values; SCORES: the
	                                      accuracies */
	double reference_f1, current_f1;   /* SCORES: the macro F1s */
	int has_detail;                    /* a distribution's figures */
	struct nlp_drift_detail detail;
};

/* A word whose share changed: its shares of all tokens and of the texts
   of each side, and the z of its log-odds ratio over texts
   (drift_signal.h), which ranks it. */
struct nlp_drift_token {
	char *token;             /* owned by the report */
	double reference, current;
	double reference_texts, current_texts;
	double z;
};

/* An n-gram that marks one side: its weight towards that side in the
   classifier, and the z of its log-odds ratio over the classifier's texts
   (drift_signal.h), which ranks it (positive: the current side). */
struct nlp_drift_ngram {
	char *ngram;             /* owned by the report */
	double weight, z;
};

/* The domain classifier: can a classifier tell the two sides apart? */
struct nlp_drift_domain {
	size_t texts_per_side;
	const char *skipped;     /* why it did not run (static), or NULL */
	int permutation;         /* threshold from label-shuffled runs */
	unsigned permutations;   /* how many, when permutation */
	int auc_floor;           /* the threshold is --auc: without
	                            permutations, or above their threshold */
	double auc, threshold;   /* NAN when skipped */
	int drifted;
	struct nlp_drift_ngram top_current[NLP_DRIFT_TOP];
	struct nlp_drift_ngram top_reference[NLP_DRIFT_TOP];
	size_t ntop_current, ntop_reference;
};

/* The verdict, decided on the signals and the domain classifier. */
struct nlp_drift_verdict {
	int drift;               /* drift: the exit status is 1 */
	size_t drifted, signals; /* signals that drifted, of all (the domain
	                            classifier aside) */
	double share;            /* drifted / signals, 0 when none */
	int domain_drift;        /* the domain classifier tells them apart */
	int concept_drift;       /* labeled data: accuracy fell too far */
	int quality_drift;       /* empty or invalid-UTF-8 records: their
	                            share drifted up by --share-effect or
	                            more (the input broke, whatever its
	                            words) */
	int small;               /* the rule: p-values (small sample), else
	                            effect sizes (large sample) */
};

/* What reports draw: length histograms, label bars, confidences. */
struct nlp_drift_histograms {
	uint64_t length_bins[NLP_PROFILE_BINS];    /* upper bounds */
	uint64_t reference_token_length[NLP_PROFILE_BINS];
	uint64_t current_token_length[NLP_PROFILE_BINS];
	uint64_t reference_char_length[NLP_PROFILE_BINS];
	uint64_t current_char_length[NLP_PROFILE_BINS];
	/* with a model (nlabels > 0): */
	size_t nlabels;
	const char *const *labels;   /* the model's, borrowed: it must outlive
	                                the report */
	double *label_reference;     /* predicted_labels' reference count of
	                                each label: the model's predictions
	                                on its held-out examples, or its
	                                training labels (label_predicted 0) */
	int label_predicted;
	uint64_t *label_current;     /* current predictions of each */
	int has_reference_confidence;    /* the profile has them */
	double *reference_confidence;    /* held-out top-1 probabilities */
	size_t nreference_confidence;
	double *current_confidence;      /* sampled current ones, sorted */
	size_t ncurrent_confidence;
};

/*
 * The report.  The caller owns it: nlp_drift_report_release() frees what
 * it holds (the token and n-gram strings and the histograms' arrays).
 */
struct nlp_drift_report {
	struct nlp_drift_verdict verdict;
	struct nlp_drift_signal signal[NLP_DRIFT_SIGNALS_MAX];
	size_t nsignals;
	struct nlp_drift_domain domain;
	struct nlp_drift_token grew[NLP_DRIFT_TOP], shrank[NLP_DRIFT_TOP];
	size_t ngrew, nshrank;
	uint64_t current_records, reference_records, current_tokens;
	struct nlp_drift_histograms hist;
	char warning[NLP_DRIFT_WARNINGS_MAX][512];   /* valid UTF-8 */
	unsigned char loud[NLP_DRIFT_WARNINGS_MAX];  /* NLP_DRIFT_LOUD: said
	                                                even with -q, the data
	                                                is not what it seems;
	                                                NLP_DRIFT_OF_MODEL: a
	                                                fact of the model, the
	                                                same every run: in the
	                                                report, not on stderr */
	size_t nwarnings;
};
#define NLP_DRIFT_LOUD 1
#define NLP_DRIFT_OF_MODEL 2

/*
 * Compare the current text (paths, or stdin when n == 0) with ref into
 * *out.  Returns NLP_OK (whatever the verdict), NLP_DATA, NLP_IO (out of
 * memory too: there is no partial report, *out is then empty).
 */
int nlp_drift_run(const struct nlp_drift_ref *ref, const char *const *paths,
    size_t n, const struct nlp_drift_opts *o, struct nlp_drift_report *out,
    struct nlp_err *e);

/*
 * The same report from parts profiled apart (drift_shard.h: `predict
 * --profile-out`), merged in the order given: it equals nlp_drift_run()'s
 * over the parts' text.  id says what the parts must have been made under
 * (ref's artifact, o's seed and max_sample).  Returns as nlp_drift_run();
 * a part made otherwise, or damaged, is NLP_DATA naming its file.
 */
struct nlp_drift_shard_id;
int nlp_drift_run_profiles(const struct nlp_drift_ref *ref,
    const char *const *paths, size_t n, const struct nlp_drift_shard_id *id,
    const struct nlp_drift_opts *o, struct nlp_drift_report *out,
    struct nlp_err *e);

/* The pass options drift uses against ref with o: the ones a part must be
   profiled with too. */
struct nlp_drift_pass_opts;
void nlp_drift_pass_opts_of(struct nlp_drift_pass_opts *po,
    const struct nlp_drift_ref *ref, const struct nlp_drift_opts *o);

void nlp_drift_report_release(struct nlp_drift_report *r);

#endif
