/*
 * drift_domain.h - drift's domain classifier: can a classifier tell the
 * current texts from the reference ones?
 *
 * Up to max_sample texts a side, featurized as word unigrams and bigrams
 * and trained through the training module's path (features.h: nlp_docs,
 * nlp_vocab; learn.h: nlp_learn_docs): train on the even-numbered texts of
 * each side and measure ROC AUC on the odd ones, then the other way round,
 * and average.  On few texts a side the AUC is noisy, and the threshold is
 * the permutation test's (the AUCs of label-shuffled runs), never below
 * --auc.  The word n-grams whose share of the texts differs most surely
 * between the sides (the log-odds z of drift_signal.h) are named, with
 * their weights.
 */
#ifndef NLP_DRIFT_DOMAIN_H
#define NLP_DRIFT_DOMAIN_H

#include <stddef.h>

#include "drift.h"
#include "error.h"

/*
 * Fill d (its n-gram strings are then the caller's, see
 * nlp_drift_domain_release()) from reference texts rtexts[0..rn) and
 * current ones ctexts[0..cn).  small: the current sample is small (judged
 * by permutations whenever o->permutations > 0), as it is anyway when a
 * side has at most o->small texts.  Fewer than 20 texts a side: skipped,
 * d->skipped says so.  Returns NLP_OK, or NLP_IO when out of memory (d is
 * then empty: a classifier that did not run must not read as one that
 * found nothing).
 */
int nlp_drift_domain_run(struct nlp_drift_domain *d,
    const char *const *rtexts, size_t rn, const char *const *ctexts,
    size_t cn, int small, const struct nlp_drift_opts *o, struct nlp_err *e);

/* Free d's n-gram strings and empty it. */
void nlp_drift_domain_release(struct nlp_drift_domain *d);

#endif
