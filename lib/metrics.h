/*
 * metrics.h - classification metrics with scikit-learn's definitions.
 *
 * A confusion matrix over C classes; accuracy; per-class precision, recall
 * and F1 with zero division counted as 0; the macro average over the
 * classes that occur in the gold labels or the predictions (the labels
 * scikit-learn's classification_report uses by default).
 */
#ifndef NLP_METRICS_H
#define NLP_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct nlp_confusion {
	uint32_t nclasses;
	uint64_t *m;             /* C x C: m[gold * C + pred] */
	uint64_t n;
};

/* Allocate a zero matrix; returns 0 or -1 (memory). */
int nlp_confusion_init(struct nlp_confusion *c, uint32_t nclasses);
void nlp_confusion_add(struct nlp_confusion *c, uint32_t gold, uint32_t pred);
double nlp_accuracy(const struct nlp_confusion *c);
/* Per-class precision, recall, F1 of class k (0 on zero division). */
void nlp_class_prf(const struct nlp_confusion *c, uint32_t k, double *p,
    double *r, double *f1);
double nlp_macro_f1(const struct nlp_confusion *c);
void nlp_confusion_release(struct nlp_confusion *c);

#endif
