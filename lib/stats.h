/*
 * stats.h - the statistics drift detection rests on, each equal to its
 * SciPy / scikit-learn counterpart to at least 4 decimals (tests check them
 * against fixtures computed with Debian's SciPy and scikit-learn).
 */
#ifndef NLP_STATS_H
#define NLP_STATS_H

#include <stddef.h>

/*
 * Two-sample Kolmogorov-Smirnov test, two-sided: scipy.stats.ks_2samp(x, y)
 * with its default method 'auto' (exact when both samples have at most
 * 10000 values, else asymptotic, falling back to asymptotic as SciPy does).
 * x and y need not be sorted (they are copied).  Sets *d (the statistic),
 * *p (the p-value) and *exact (1 when the exact distribution was used).
 * Returns 0, or -1 when a sample is empty or out of memory (so, for
 * non-empty samples, -1 means out of memory).
 */
int nlp_ks_2samp(const double *x, size_t n, const double *y, size_t m,
    double *d, double *p, int *exact);

/*
 * Pearson's chi-squared goodness-of-fit test: scipy.stats.chisquare(obs,
 * exp) with ddof 0, k - 1 degrees of freedom.  Categories with exp == 0 are
 * the caller's to avoid.  Returns 0, or -1 when k < 2.
 */
int nlp_chisquare(const double *obs, const double *exp, size_t k,
    double *stat, double *p);

/*
 * Pearson's chi-squared test of homogeneity of two samples' counts a and b
 * over k bins: the 2 x k table against the pooled shares,
 * scipy.stats.chi2_contingency([a, b], correction=False) over the bins
 * with counts, which give its degrees of freedom (their number - 1).
 * Returns 0, or -1 when fewer than two bins have counts or a cell's
 * expected count is below min_expected (the test's approximation fails).
 */
int nlp_chisquare_2samp(const double *a, const double *b, size_t k,
    double min_expected, double *stat, double *p);

/* The regularized upper incomplete gamma function Q(a, x) (scipy gammaincc). */
double nlp_gamma_q(double a, double x);

/* The z of the standard normal whose upper tail is p (0 < p < 1):
 * scipy.stats.norm.isf(p), to some 1e-12. */
double nlp_normal_isf(double p);

/* Wilson's score interval for k successes of n at the normal quantile z
 * (one side's z for a one-sided bound): *lo and *hi (0 and 1 when n is
 * 0). */
void nlp_wilson(double k, double n, double z, double *lo, double *hi);

/*
 * Jensen-Shannon distance with base 2: scipy.spatial.distance.jensenshannon
 * (p, q, base=2) -- p and q are normalized to sum 1 first.  In [0, 1].
 */
double nlp_jensenshannon(const double *p, const double *q, size_t k);

/*
 * Population stability index, sum (q_i - p_i) ln(q_i / p_i), and the KL
 * divergence KL(q || p) = sum q_i ln(q_i / p_i), over p and q normalized
 * after adding eps to every bin (so that empty bins are defined).
 */
double nlp_psi(const double *p, const double *q, size_t k, double eps);
double nlp_kl(const double *p, const double *q, size_t k, double eps);

/*
 * First Wasserstein distance of two samples: scipy.stats.wasserstein_distance.
 * NAN for an empty sample or out of memory (so, for non-empty samples of
 * finite values, NAN means out of memory).
 */
double nlp_wasserstein(const double *x, size_t n, const double *y, size_t m);

/*
 * The same of weighted samples: x[i] counts xw[i] times, y[j] yw[j] times
 * (whole numbers: the copies of one text, a sample that keeps each
 * distinct text once with its count).  The distributions are the weighted
 * ones (scipy.stats.wasserstein_distance(x, y, xw, yw)).  KS: xall (yall)
 * says the sample holds every record of its side, each text with all its
 * copies; its size is then the records' number, sum w, else its effective
 * size, (sum w)^2 / sum w^2 (the copies of one text are one draw of the
 * sample).  Two whole sides of 10000 records or fewer are nlp_ks_2samp() of
 * the records written out (exact, as SciPy on them); any other, the
 * asymptotic p-value at those sizes, *exact 0.  NULL weights are 1 each:
 * then these are nlp_ks_2samp() and nlp_wasserstein(), bit for bit.
 */
int nlp_ks_2samp_w(const double *x, const double *xw, size_t n, int xall,
    const double *y, const double *yw, size_t m, int yall, double *d,
    double *p, int *exact);
double nlp_wasserstein_w(const double *x, const double *xw, size_t n,
    const double *y, const double *yw, size_t m);

/* Kish's effective size of a weighted sample, (sum w)^2 / sum w^2 (n when
 * w is NULL). */
double nlp_effective_size(const double *w, size_t n);

/* The size a weighted sample's test takes: sum w when it holds every
 * record (all), else nlp_effective_size(). */
double nlp_sample_size(const double *w, size_t n, int all);

/*
 * Area under the ROC curve of scores against 0/1 labels, ties counted half
 * (sklearn.metrics.roc_auc_score), in *auc: NAN when a class is missing or
 * a score is NaN.  Returns 0, or -1 when out of memory (an answer apart:
 * a NAN for it would read as "no signal" and hide the failure).
 */
int nlp_roc_auc(const double *score, const int *label, size_t n, double *auc);

/* qsort() order of doubles, ascending (NaNs compare equal to all). */
int nlp_cmp_double(const void *a, const void *b);

#endif
