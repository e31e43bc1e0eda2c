/*
 * metrics.h - classification metrics with scikit-learn's definitions.
 *
 * A confusion matrix over C classes, or per-class counts when C may be
 * large; accuracy; per-class precision, recall and F1 with zero division
 * counted as 0; the macro average over the
 * classes that occur in the gold labels or the predictions (the labels
 * scikit-learn's classification_report uses by default).
 */
#ifndef NLP_METRICS_H
#define NLP_METRICS_H

#include <stddef.h>
#include <stdint.h>

/*
 * A C x C matrix: for few classes only (8 C^2 bytes; 20000 classes take
 * 3.2 GB).  Accuracy and per-class figures need only the per-class counts
 * of struct nlp_class_counts below, linear in C.
 */
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

/*
 * Per-class counts: what accuracy and (macro) F1 need, in 24 C bytes.
 * Multi-label examples (nlp_class_counts_add_sets) count in every class of
 * their gold and predicted sets; correct counts the exact matches (so that
 * accuracy is scikit-learn's subset accuracy), and the sums below give
 * the Hamming loss and the samples-averaged figures.
 */
struct nlp_class_counts {
	uint32_t nclasses;
	uint64_t *tp, *pred, *gold;  /* C each: right, predicted, support */
	uint64_t n, correct;
	uint64_t wrong;          /* multi-label: labels in one set only */
	double sample_p, sample_r, sample_f1;  /* multi-label: sums */
};

/* Zero counts; returns 0 or -1 (memory). */
int nlp_class_counts_init(struct nlp_class_counts *k, uint32_t nclasses);
void nlp_class_counts_add(struct nlp_class_counts *k, uint32_t gold,
    uint32_t pred);
/*
 * A multi-label example: its gold classes gold[0..ng) and predicted ones
 * pred[0..np), each increasing and without repeats.  Per example,
 * precision is 0 when nothing was predicted, recall 0 when there is no
 * gold label (scikit-learn's zero_division 0).
 */
void nlp_class_counts_add_sets(struct nlp_class_counts *k,
    const uint32_t *gold, size_t ng, const uint32_t *pred, size_t np);
/* The classes in the gold labels or the predictions: those the macro
 * average and the Hamming loss are over. */
uint32_t nlp_class_counts_used(const struct nlp_class_counts *k);
/* Hamming loss: wrong / (n x the classes used); 0 when there are none. */
double nlp_class_counts_hamming(const struct nlp_class_counts *k);
/* The same figures as nlp_accuracy() and nlp_macro_f1() of the matrix. */
double nlp_class_counts_accuracy(const struct nlp_class_counts *k);
double nlp_class_counts_macro_f1(const struct nlp_class_counts *k);
void nlp_class_counts_release(struct nlp_class_counts *k);

#endif
