/*
 * svm.h - linear support vector machines, one class against the rest,
 * solved exactly: the dual coordinate descent of LIBLINEAR's L2-loss
 * (squared hinge) solver, with shrinking.
 *
 * For each class c, min over (w, b) of 1/2 |w|^2 + 1/2 b^2 +
 * sum_i C_i max(0, 1 - y_i (w.x_i + b))^2, y_i = +1 for the examples of
 * class c and -1 for the rest, C_i the cost times the class weight of
 * example i's class (the bias is a feature of value 1, regularized like
 * the others, as LIBLINEAR's -B 1 and scikit-learn's LinearSVC do).  The
 * classes are independent problems: the pool's threads take them one at a
 * time, each solved on one thread in a seeded order, so the weights are
 * the same to the bit at any thread count.  With two classes one problem
 * is solved and the other class's weights are its negation.
 *
 * The margins are then scaled by one temperature T > 0, fitted to the
 * calibration examples by the log loss of softmax(T (w.x + b)) (Platt's
 * idea with one parameter for all classes): the model's softmax then gives
 * probabilities, and the ranking of the classes is the SVMs'.
 */
#ifndef NLP_SVM_H
#define NLP_SVM_H

#include "error.h"
#include "learn.h"
#include "pool.h"

/* The defaults: LIBLINEAR's and scikit-learn's tolerance (0.1 on the
 * projected gradient) and passes (at most 1000); C = 2 rather than their
 * 1, because cross-validation on the training sets of both bundled
 * corpora prefers it (mean macro-F1 over 3 folds, the test sets unused:
 * spam 0.9837 -> 0.9845, debian 0.7803 -> 0.7809; 5 folds agree), for
 * some 20% more passes.
 *
 * NLP_SVM_EPS_FIRST: the tolerance of a model that is measured on
 * held-out data and then solved again with them (train's refit, which
 * starts from its solution): on debian's data a third fewer coordinate
 * steps for that first solve and none more for the second, whose model
 * is the one kept, solved to NLP_SVM_EPS (the kept models' test figures
 * on both bundled corpora as good as from a first solve to 0.1, or one
 * example better). */
#define NLP_SVM_COST 2.0
#define NLP_SVM_EPS 0.1
#define NLP_SVM_EPS_FIRST 1.0
#define NLP_SVM_ITER_MAX 1000

struct nlp_svm_opts {
	double cost;             /* C > 0 */
	double eps;              /* the tolerance; 0: NLP_SVM_EPS */
	const float *class_weight;   /* nclasses weights, or NULL for 1 */
	uint64_t seed;
	struct nlp_pool *pool;   /* or NULL */
	/* Calibration examples for the temperature (their y used), or NULL
	 * for the training examples themselves. */
	const struct nlp_dataset *calib;
	/* > 0: this temperature, fitted elsewhere (calib then unused). */
	double temperature;
	/* A warm start, or NULL: alpha_in[c * alpha_n + i] is example i's
	 * dual variable in class c's problem (i < alpha_n <= d->n, the
	 * examples after alpha_n start at 0), as alpha_out gave it for a
	 * dataset whose first alpha_n examples were these (refit: the same
	 * examples and a few more).  Any start >= 0 converges to the same
	 * optimum within the tolerance; one near it, in fewer passes. */
	const float *alpha_in;
	size_t alpha_n;
	/* Or NULL: where to leave the solution's dual variables, nclasses x
	 * d->n as alpha_in reads them (a two-class problem's in class 1's). */
	float *alpha_out;
	/* Called as each class is solved, one call at a time (from the
	   thread that solved it): done of total.  May be NULL. */
	void (*class_done)(void *arg, unsigned done, unsigned total);
	void *arg;
};

struct nlp_svm_report {
	unsigned passes_max;     /* the most passes any class took */
	unsigned unconverged;    /* classes stopped at NLP_SVM_ITER_MAX */
	double temperature;
};

/*
 * Train on d (single-label: d->ystart NULL) into w (d->nrows x nclasses,
 * row-major, as model.h scores it) and bias (nclasses), both already
 * scaled by the fitted temperature.  Returns NLP_OK, or NLP_IO when out of
 * memory (e filled).
 */
int nlp_svm_train(const struct nlp_dataset *d, const struct nlp_svm_opts *o,
    float *w, float *bias, struct nlp_svm_report *r, struct nlp_err *e);

#endif
