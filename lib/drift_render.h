/*
 * drift_render.h - the drift report (drift.h) for people and programs: one
 * JSON document (schema 1), the text report, and Prometheus textfile
 * metrics.  (drift_html.h draws it as a page.)  The library never writes
 * standard output itself: the caller says where.
 *
 * The JSON document, keys sorted, two-space indents, numbers to 10
 * significant digits, null where a number is not defined:
 *
 *   schema      1
 *   verdict     {drift, drifted, signals, share, domain_drift,
 *                concept_drift, rule}
 *   signals     [{name, statistic_name, statistic, p_value, method,
 *                threshold, decided_by, drifted, reference, current,
 *                detail}]: the
 *                values of each side are numbers, {accuracy, macro_f1}
 *                objects or null; detail (distributions only) is
 *                {jensen_shannon, psi, kl, chi2, chi2_p_value, bins,
 *                jensen_shannon_corrected}
 *   domain      {texts_per_side, method, permutations, auc, threshold,
 *                threshold_from (auc or permutations), drifted,
 *                top_current, top_reference: [{ngram, weight, z}]},
 *                or {texts_per_side, auc: null, skipped} when it did not run
 *   tokens      {grew, shrank: [{token, reference, current,
 *                reference_texts, current_texts, z}]}
 *   counts      {current_records, reference_records, current_tokens}
 *   histograms  {length_bins, reference_token_length,
 *                current_token_length, reference_char_length,
 *                current_char_length; with a model labels {label:
 *                [reference, current]}, reference_confidence,
 *                current_confidence}
 *   warnings    [string]
 */
#ifndef NLP_DRIFT_RENDER_H
#define NLP_DRIFT_RENDER_H

#include <stdio.h>

#include "drift.h"

/* The JSON name of a basis (a signal's decided_by): small_sample,
 * small_reference, large_sample, counts, no_p_value, accuracy_drop,
 * accuracy_drop_sure. */
const char *nlp_drift_basis_name(enum nlp_drift_basis b);

/*
 * The rule that decided signal s, in words, into buf: "p < 0.05 (small
 * sample)", "effect < 0.05 (counts: any sample size)", "drop <= 0.05";
 * and the domain classifier's: "AUC > 0.7859 (permutation test, 20
 * runs)", "AUC <= 0.55 (--auc, above 20 permuted runs)", "AUC <= 0.55
 * (fixed --auc)", "not run".  Under 96 bytes.
 */
void nlp_drift_decided_by(char *buf, size_t size,
    const struct nlp_drift_signal *s);
void nlp_drift_domain_decided_by(char *buf, size_t size,
    const struct nlp_drift_domain *d);

/* The JSON document, ending in a newline: malloc'd, or NULL when out of
 * memory (never a document with a part left out). */
char *nlp_drift_json(const struct nlp_drift_report *r);

/*
 * The text report to f: the verdict line ("drift: yes (4/7 signals;
 * domain AUC 0.81)"), a table of the signals and the domain classifier
 * with the rule that decided each row, the rule, the texts the domain
 * classifier compared, the words and n-grams that changed most; with
 * warned, the run's warnings too (a report that stands alone in a file,
 * without the run's standard error).  Returns 0, or -1 when writing to f
 * failed.
 */
int nlp_drift_text(FILE *f, const struct nlp_drift_report *r, int warned);

/*
 * Prometheus textfile-collector metrics to f, labeled with the model's
 * name and version (either may be ""): nlpops_drift,
 * nlpops_drift_signals_drifted, nlpops_drift_signal{signal},
 * nlpops_drift_signal_drifted{signal}, nlpops_drift_domain_auc,
 * nlpops_drift_records.  Returns 0, or -1 when writing to f failed.
 */
int nlp_drift_prom(FILE *f, const struct nlp_drift_report *r,
    const char *model, const char *version);

#endif
