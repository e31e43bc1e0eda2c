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
 */
#ifndef NLP_DRIFT_H
#define NLP_DRIFT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"
#include "model.h"
#include "reader.h"

#define NLP_DRIFT_SCHEMA 1

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

/* The reference: a model's profile and sample, or a profiled file. */
struct nlp_drift_ref {
	json_t *profile;         /* profile.h's JSON */
	char **texts;            /* sample texts for the domain classifier */
	size_t ntexts;
	char *text_buf;          /* backing store of texts */
	const struct nlp_model *model;   /* NULL with --reference */
};

/* Take the profile and sample from a loaded artifact (members). */
int nlp_drift_ref_from_members(struct nlp_drift_ref *ref,
    const struct nlp_model *m, const void *profile, size_t profile_len,
    const void *sample, size_t sample_len, struct nlp_err *e);

/* Profile a reference file (or several) the way train profiles. */
int nlp_drift_ref_from_files(struct nlp_drift_ref *ref,
    const char *const *paths, size_t n, const struct nlp_reader_opts *ro,
    const struct nlp_drift_opts *o, struct nlp_err *e);

void nlp_drift_ref_release(struct nlp_drift_ref *ref);

/*
 * Compare the current text (paths, or stdin when n == 0) with ref.
 * *out gets the report (schema 1): verdict {drift, drifted, signals,
 * share, domain_auc, rule}, signals [{name, statistic, statistic_name,
 * p_value, threshold, method, drifted, reference, current}], tokens
 * {grew, shrank}, domain {auc, threshold, top_current, top_reference},
 * histograms and samples for reports, counts, warnings.  Returns NLP_OK
 * (whatever the verdict), NLP_DATA, NLP_IO.
 */
int nlp_drift_run(const struct nlp_drift_ref *ref, const char *const *paths,
    size_t n, const struct nlp_drift_opts *o, json_t **out, struct nlp_err *e);

#endif
