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
 * reference's standard deviation; the values shown are the means.  rw and
 * cw weigh the values (a distinct text's copies: stats.h's weighted
 * forms), NULL for 1 each; rall and call say a sample holds every record
 * of its side (nlp_ks_2samp_w()).
 */
int nlp_drift_sample_signal(struct nlp_drift_report *r, const char *name,
    const double *ref, const double *rw, size_t rn, int rall,
    const double *cur, const double *cw, size_t cn, int call, int small,
    const struct nlp_drift_opts *o);

/*
 * Two distributions of counts over the same k bins: chi-squared when
 * small, else PSI (how & NLP_DIST_PSI) or the Jensen-Shannon distance less
 * what sampling noise explains; every figure is in the detail.  The
 * chi-squared test takes the reference as the distribution itself
 * (goodness of fit: a reference of many counts), or with
 * NLP_DIST_TWO_SAMPLE as a sample of it too (homogeneity of the 2 x k
 * table: a reference as small as the current sample).
 */
#define NLP_DIST_PSI 1
#define NLP_DIST_TWO_SAMPLE 2
int nlp_drift_dist_signal(struct nlp_drift_report *r, const char *name,
    const double *ref, const double *cur, size_t k, int how, int small,
    const struct nlp_drift_opts *o);

/*
 * Fold into the last bin every bin where the current side is expected to
 * have fewer than 5 counts (the chi-squared rule); returns the new number
 * of bins.  Expected from the reference's shares, or with NLP_POOL_BOTH,
 * from the two sides' counts together (as the test of homogeneity
 * expects them).  With NLP_POOL_PILED a bin the current side fills far
 * beyond chance -- more than its expected count plus 4 standard
 * deviations plus 10 -- keeps its own bin however rare it was: today's
 * text piling onto one rare label is not hidden in "other".
 */
#define NLP_POOL_BOTH 1u
#define NLP_POOL_PILED 2u
size_t nlp_drift_pool_rare_bins(double *ref, double *cur, size_t k,
    unsigned how);

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

/* The reference count of class i of ref's model for predicted_labels (and
 * the reports' label histogram): its predictions on its held-out examples
 * when its profile has them (then nlp_drift_predicted_own() is 1), else
 * its training label count. */
int nlp_drift_predicted_own(const struct nlp_drift_ref *ref);
double nlp_drift_predicted_reference(const struct nlp_drift_ref *ref,
    size_t i);

/*
 * A top-1 probability as the confidence signal compares it: to the
 * nearest 1/NLP_DRIFT_CONF_STEPS.  The reference's were measured by the
 * model before its refit (and stored to 7 digits), today's by the model
 * kept: a difference in the fourth decimal is no drift, but between the
 * ties of a model whose answers tie (one feature: every text the same
 * probability) a test of ranks made it a KS distance of 1.0.
 */
#define NLP_DRIFT_CONF_STEPS 1000.0
double nlp_drift_confidence(double x);

/* Add a warning to r (printf-style; beyond NLP_DRIFT_WARNINGS_MAX, none).
 * nlp_drift_warn_as() gives it a kind (drift.h): NLP_DRIFT_LOUD, about
 * the data read (malformed, counted twice), said even when the report is
 * quiet; NLP_DRIFT_OF_MODEL, a fact of the model that leaves a signal out
 * (it held out no examples), the same every run, so in the report (text
 * and JSON), not on stderr. */
void nlp_drift_warn(struct nlp_drift_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void nlp_drift_warn_as(struct nlp_drift_report *r, int kind,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * The words whose share of texts grew and shrank most (r->grew, r->shrank,
 * NLP_DRIFT_TOP of each at most): ranked by nlp_drift_log_odds_z() over
 * the texts that have each token, of all texts on each side, with the
 * pooled number of texts as the prior's mass a0; ties by their bytes.
 * Tokens that are not words (nlp_drift_is_word()) are left out.  A token
 * the reference's top list lacks is in at most as many reference texts as
 * the least of the list (none when the list is the whole vocabulary): it
 * is ranked at that bound, and never listed as shrunk.
 */
int nlp_drift_token_changes(struct nlp_drift_report *r,
    const struct nlp_profile_stored *prof, const struct nlp_drift_pass *p);

/*
 * The log-odds ratio of a word between the current text (in yc of nc
 * texts) and the reference (in yr of nr), with an informative Dirichlet
 * prior, z-scored: "Fightin' Words" (Monroe, Colaresi and Quinn 2008,
 * Political Analysis 16(4), section 3.5).  The prior of the word is its
 * pooled share times the prior mass a0, a_w = a0 (yc + yr) / (nc + nr):
 *
 *	delta = ln((yc + a_w) / (nc + a0 - yc - a_w))
 *	      - ln((yr + a_w) / (nr + a0 - yr - a_w))
 *	var   = 1 / (yc + a_w) + 1 / (nc + a0 - yc - a_w)
 *	      + 1 / (yr + a_w) + 1 / (nr + a0 - yr - a_w)
 *	z     = delta / sqrt(var)
 *
 * The variance is the log-odds' in full: the paper leaves out the second
 * and fourth terms, small for a rare word, but counted over texts a word
 * like "the" is in most of them.  Positive: the word grew.  0 for a word
 * with no counts, or in every text of both sides.
 */
double nlp_drift_log_odds_z(double yc, double nc, double yr, double nr,
    double a0);

/*
 * Is the token s[0..len) a word: has it an ASCII letter, or a character
 * past U+00BF other than the multiplication and division signs, general
 * punctuation (U+2000-U+206F) and U+FFFD?  Not words: punctuation, digits,
 * symbols, the replacement character.
 */
int nlp_drift_is_word(const char *s, size_t len);

#endif
