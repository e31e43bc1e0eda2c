/*
 * drift_signal.h - drift's signals: the statistics that compare the
 * current pass (drift_pass.h) with the reference profile, each judged by
 * its p-value on a small sample or by an effect size on a large one, and
 * the tokens whose share changed most.
 *
 * The builders append one signal to a report's signal[] (drift.h), in the
 * order they are called; each returns 0 (also when there is nothing to
 * compare, and then adds nothing) or -1 when out of memory.
 */
#ifndef NLP_DRIFT_SIGNAL_H
#define NLP_DRIFT_SIGNAL_H

#include <stddef.h>

#include "drift.h"
#include "drift_pass.h"

/*
 * A share (k of n) against the reference's (rk of rn): chi-squared on the
 * two cells when small, else the absolute change.
 */
int nlp_drift_share_signal(struct nlp_drift_report *r, const char *name,
    double rk, double rn, double k, double n, int small,
    const struct nlp_drift_opts *o);

/*
 * Two samples of a number (ref, cur): Kolmogorov-Smirnov when small (or
 * the reference sample is), else the Wasserstein distance normed by the
 * reference's standard deviation; the values shown are the means.
 */
int nlp_drift_sample_signal(struct nlp_drift_report *r, const char *name,
    const double *ref, size_t rn, const double *cur, size_t cn, int small,
    const struct nlp_drift_opts *o);

/*
 * Two distributions of counts over the same k bins: chi-squared when
 * small, else PSI (use_psi) or the Jensen-Shannon distance less what
 * sampling noise explains; every figure is in the detail.
 */
int nlp_drift_dist_signal(struct nlp_drift_report *r, const char *name,
    const double *ref, const double *cur, size_t k, int use_psi, int small,
    const struct nlp_drift_opts *o);

/*
 * Fold into the last bin every bin where the current side is expected to
 * have fewer than 5 counts (the chi-squared rule); returns the new number
 * of bins.
 */
size_t nlp_drift_pool_rare_bins(double *ref, double *cur, size_t k);

/*
 * Every signal of pass p against ref, in this order: vocabulary, oov_rate
 * (with a model); length_tokens, length_chars, non_letter_share,
 * empty_share, bad_utf8_share; predicted_labels, confidence (with a
 * model); gold_labels, accuracy (labeled data).  Sets
 * r->verdict.concept_drift and adds the warning that the model has no
 * held-out accuracy when it matters.
 */
int nlp_drift_signals(struct nlp_drift_report *r,
    const struct nlp_drift_ref *ref, const struct nlp_drift_pass *p,
    int small, const struct nlp_drift_opts *o);

/* Add a warning to r (printf-style; beyond NLP_DRIFT_WARNINGS_MAX, none). */
void nlp_drift_warn(struct nlp_drift_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The tokens whose share of all tokens grew and shrank most (r->grew,
 * r->shrank, NLP_DRIFT_TOP of each at most). */
int nlp_drift_token_changes(struct nlp_drift_report *r,
    const struct nlp_profile_stored *prof, const struct nlp_drift_pass *p);

#endif
