/*
 * test_svm.c - the one-vs-rest SVM solver: LIBLINEAR's optimum on the same
 * problem (tests/data/svm/README.md), also from a warm start, the same
 * weights at any thread count, two classes solved as one, and
 * probabilities that stop short of 1 on data it separates.  Run from the
 * repository root.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "pool.h"
#include "svm.h"
#include "leak_test.h"

/* A problem in LIBLINEAR's format, as nlp_dataset arrays. */
struct problem {
	struct nlp_dataset d;
	size_t *start;
	uint32_t *row, *y;
	float *val;
};

static void
read_problem(struct problem *p, const char *path)
{
	FILE *f = fopen(path, "r");
	size_t n = 0, nnz = 0, cap = 1024, zcap = 65536;
	uint32_t nrows = 0, nclasses = 0;
	char line[1 << 16];

	cr_assert_not_null(f, "%s", path);
	p->start = malloc(cap * sizeof *p->start);
	p->y = malloc(cap * sizeof *p->y);
	p->row = malloc(zcap * sizeof *p->row);
	p->val = malloc(zcap * sizeof *p->val);
	p->start[0] = 0;
	while (fgets(line, sizeof line, f) != NULL) {
		char *s = line, *end;
		unsigned long idx;

		cr_assert(n + 2 < cap);
		p->y[n] = (uint32_t)strtoul(s, &end, 10);
		if (p->y[n] + 1 > nclasses)
			nclasses = p->y[n] + 1;
		s = end;
		while ((idx = strtoul(s, &end, 10)) != 0 && *end == ':') {
			cr_assert(nnz < zcap);
			p->row[nnz] = (uint32_t)idx - 1;
			p->val[nnz] = strtof(end + 1, &s);
			if (idx > nrows)
				nrows = (uint32_t)idx;
			nnz++;
		}
		p->start[++n] = nnz;
	}
	fclose(f);
	memset(&p->d, 0, sizeof p->d);
	p->d.n = n;
	p->d.start = p->start;
	p->d.row = p->row;
	p->d.val = p->val;
	p->d.y = p->y;
	p->d.nrows = nrows;
	p->d.nclasses = nclasses;
}

static void
free_problem(struct problem *p)
{
	free(p->start);
	free(p->y);
	free(p->row);
	free(p->val);
}

/* Solve d on threads threads; warm: a start (alpha_in, its alpha_n) or
 * NULL; alpha_out: where to leave the dual variables, or NULL. */
static void
train_warm(const struct nlp_dataset *d, unsigned threads,
    const struct nlp_svm_opts *warm, float *alpha_out, float **w, float **b,
    struct nlp_svm_report *r)
{
	struct nlp_svm_opts o;
	struct nlp_err e;
	struct nlp_pool *pool = nlp_pool_new(threads);

	cr_assert_not_null(pool);
	memset(&o, 0, sizeof o);
	o.cost = 1;
	o.seed = 1;
	o.pool = pool;
	if (warm != NULL) {
		o.alpha_in = warm->alpha_in;
		o.alpha_n = warm->alpha_n;
		o.eps = warm->eps;
	}
	o.alpha_out = alpha_out;
	*w = malloc((size_t)d->nrows * d->nclasses * sizeof **w);
	*b = malloc(d->nclasses * sizeof **b);
	cr_assert_eq(nlp_svm_train(d, &o, *w, *b, r, &e), NLP_OK, "%s", e.msg);
	nlp_pool_close(pool);
}

static void
train(const struct nlp_dataset *d, unsigned threads, float **w, float **b,
    struct nlp_svm_report *r)
{
	train_warm(d, threads, NULL, NULL, w, b, r);
}

/* 1/2 (|w|^2 + b^2) + C sum max(0, 1 - y (w.x + b))^2 for class c, the
 * weights unscaled by the temperature. */
static double
primal(const struct nlp_dataset *d, const float *w, const float *b,
    uint32_t c, double temp)
{
	uint32_t C = d->nclasses, r;
	double obj = (double)b[c] / temp * (double)b[c] / temp, loss = 0;
	size_t i, k;

	for (r = 0; r < d->nrows; r++) {
		double x = (double)w[(size_t)r * C + c] / temp;
		obj += x * x;
	}
	obj /= 2;
	for (i = 0; i < d->n; i++) {
		double s = (double)b[c] / temp, m;
		for (k = d->start[i]; k < d->start[i + 1]; k++)
			s += (double)w[(size_t)d->row[k] * C + c] / temp *
			    (double)d->val[k];
		m = 1 - (d->y[i] == c ? 1 : -1) * s;
		if (m > 0)
			loss += m * m;
	}
	return obj + loss;
}

LEAK_TEST(svm, reaches_liblinears_optimum)
{
	/* tests/data/svm/README.md: LIBLINEAR's dual objectives */
	static const double optimum[] = { 52.183444, 30.618242, 38.533993,
	    20.477864 };
	struct problem p;
	struct nlp_svm_report r;
	float *w, *b;
	uint32_t c;

	read_problem(&p, "tests/data/svm/debian4.svm");
	cr_assert_eq(p.d.n, 350);
	cr_assert_eq(p.d.nclasses, 4);
	train(&p.d, 1, &w, &b, &r);
	cr_assert_eq(r.unconverged, 0);
	cr_assert(r.temperature > 0.01 && r.temperature < 100, "%g",
	    r.temperature);
	for (c = 0; c < 4; c++) {
		double v = primal(&p.d, w, b, c, r.temperature);
		/* never below the optimum (up to float rounding), within 1 % */
		cr_assert(v >= optimum[c] * (1 - 1e-4), "class %u: %.6f below "
		    "the optimum %.6f", c, v, optimum[c]);
		cr_assert(v <= optimum[c] * 1.01, "class %u: %.6f, the optimum "
		    "%.6f", c, v, optimum[c]);
	}
	free(w);
	free(b);
	free_problem(&p);
}

/* The refit's warm start (nlp_svm_opts.alpha_in): from the solution for
 * the first 300 examples, the 350 reach LIBLINEAR's optimum for the 350
 * in no more passes than from 0, the same bits at one and two threads;
 * from the 350's own solution, the first pass finds nothing to do. */
LEAK_TEST(svm, a_warm_start_reaches_the_same_optimum_in_fewer_passes)
{
	static const double optimum[] = { 52.183444, 30.618242, 38.533993,
	    20.477864 };
	struct problem p;
	struct nlp_svm_report r300, rcold, rwarm, rwarm2, rsame;
	struct nlp_svm_opts warm;
	float *a300, *a350, *w, *b, *wc, *bc, *w2, *b2;
	size_t nw;
	uint32_t c;

	read_problem(&p, "tests/data/svm/debian4.svm");
	nw = (size_t)p.d.nrows * p.d.nclasses;
	a300 = malloc(4 * 300 * sizeof *a300);
	a350 = malloc(4 * 350 * sizeof *a350);
	cr_assert(a300 != NULL && a350 != NULL);
	p.d.n = 300;
	train_warm(&p.d, 1, NULL, a300, &w, &b, &r300);
	free(w), free(b);
	p.d.n = 350;
	train_warm(&p.d, 1, NULL, a350, &wc, &bc, &rcold);
	memset(&warm, 0, sizeof warm);
	warm.alpha_in = a300;
	warm.alpha_n = 300;
	train_warm(&p.d, 1, &warm, NULL, &w, &b, &rwarm);
	train_warm(&p.d, 2, &warm, NULL, &w2, &b2, &rwarm2);
	cr_assert(memcmp(w, w2, nw * sizeof *w) == 0);
	cr_assert(memcmp(b, b2, 4 * sizeof *b) == 0);
	cr_assert_eq(rwarm.unconverged, 0);
	cr_assert_leq(rwarm.passes_max, rcold.passes_max);
	for (c = 0; c < 4; c++) {
		double v = primal(&p.d, w, b, c, rwarm.temperature);
		cr_assert(v >= optimum[c] * (1 - 1e-4) && v <= optimum[c] * 1.01,
		    "class %u: %.6f, the optimum %.6f", c, v, optimum[c]);
	}
	free(w), free(b), free(w2), free(b2);
	warm.alpha_in = a350;
	warm.alpha_n = 350;
	train_warm(&p.d, 1, &warm, NULL, &w, &b, &rsame);
	cr_assert_leq(rsame.passes_max, 2, "%u passes from the optimum",
	    rsame.passes_max);
	cr_assert_gt(rcold.passes_max, 2);
	free(w), free(b), free(wc), free(bc);
	free(a300);
	free(a350);
	free_problem(&p);
}

/* The first solve of train's refit, to NLP_SVM_EPS_FIRST: fewer passes
 * than to the default tolerance, and the refit that starts from it (to
 * the default) still reaches LIBLINEAR's optimum for the 350. */
LEAK_TEST(svm, a_looser_first_solve_stops_sooner_and_its_refit_reaches_the_optimum)
{
	static const double optimum[] = { 52.183444, 30.618242, 38.533993,
	    20.477864 };
	struct problem p;
	struct nlp_svm_report rtight, rloose, rwarm;
	struct nlp_svm_opts loose, warm;
	float *a300, *w, *b;
	uint32_t c;

	read_problem(&p, "tests/data/svm/debian4.svm");
	a300 = malloc(4 * 300 * sizeof *a300);
	cr_assert(a300 != NULL);
	p.d.n = 300;
	train_warm(&p.d, 1, NULL, NULL, &w, &b, &rtight);
	free(w), free(b);
	memset(&loose, 0, sizeof loose);
	loose.eps = NLP_SVM_EPS_FIRST;
	train_warm(&p.d, 1, &loose, a300, &w, &b, &rloose);
	free(w), free(b);
	cr_assert_lt(rloose.passes_max, rtight.passes_max, "%u passes, %u to "
	    "the default tolerance", rloose.passes_max, rtight.passes_max);
	p.d.n = 350;
	memset(&warm, 0, sizeof warm);
	warm.alpha_in = a300;
	warm.alpha_n = 300;
	train_warm(&p.d, 2, &warm, NULL, &w, &b, &rwarm);
	cr_assert_eq(rwarm.unconverged, 0);
	for (c = 0; c < 4; c++) {
		double v = primal(&p.d, w, b, c, rwarm.temperature);
		cr_assert(v >= optimum[c] * (1 - 1e-4) && v <= optimum[c] * 1.01,
		    "class %u: %.6f, the optimum %.6f", c, v, optimum[c]);
	}
	free(w), free(b);
	free(a300);
	free_problem(&p);
}

LEAK_TEST(svm, same_weights_at_any_thread_count)
{
	struct problem p;
	struct nlp_svm_report r1, r2, r3;
	float *w1, *b1, *w2, *b2, *w3, *b3;
	size_t nw;

	read_problem(&p, "tests/data/svm/debian4.svm");
	nw = (size_t)p.d.nrows * p.d.nclasses;
	train(&p.d, 1, &w1, &b1, &r1);
	train(&p.d, 2, &w2, &b2, &r2);
	train(&p.d, 3, &w3, &b3, &r3);
	cr_assert(memcmp(w1, w2, nw * sizeof *w1) == 0);
	cr_assert(memcmp(w1, w3, nw * sizeof *w1) == 0);
	cr_assert(memcmp(b1, b2, 4 * sizeof *b1) == 0);
	cr_assert(memcmp(b1, b3, 4 * sizeof *b1) == 0);
	cr_assert_eq(r1.temperature, r3.temperature);
	cr_assert_eq(r1.passes_max, r2.passes_max);
	free(w1), free(b1), free(w2), free(b2), free(w3), free(b3);
	free_problem(&p);
}

LEAK_TEST(svm, two_classes_are_one_problem_and_its_mirror)
{
	struct problem p;
	struct nlp_svm_report r;
	float *w, *b;
	uint32_t i, k;

	read_problem(&p, "tests/data/svm/debian4.svm");
	/* class 0 against the rest, as a two-class problem */
	for (i = 0; i < p.d.n; i++)
		p.y[i] = p.y[i] != 0;
	p.d.nclasses = 2;
	train(&p.d, 2, &w, &b, &r);
	for (k = 0; k < p.d.nrows; k++)
		cr_assert_eq(w[2 * k], -w[2 * k + 1]);
	cr_assert_eq(b[0], -b[1]);
	cr_assert(w[0] != 0 || w[2] != 0 || w[4] != 0);
	free(w);
	free(b);
	free_problem(&p);
}

LEAK_TEST(svm, separated_data_gets_probabilities_short_of_one)
{
	/* two words, one a class: every example scored right, margins wide */
	static const size_t start[] = { 0, 1, 2, 3, 4, 5, 6 };
	static const uint32_t row[] = { 0, 0, 0, 1, 1, 1 }, y[] = { 0, 0, 0,
	    1, 1, 1 };
	static const float val[] = { 1, 1, 1, 1, 1, 1 };
	struct nlp_dataset d;
	struct nlp_svm_report r;
	float *w, *b, probs[2];

	memset(&d, 0, sizeof d);
	d.n = 6;
	d.start = start;
	d.row = row;
	d.val = val;
	d.y = y;
	d.nrows = 2;
	d.nclasses = 2;
	train(&d, 1, &w, &b, &r);
	cr_assert(r.temperature < 100, "%g", r.temperature);
	nlp_model_scores(w, b, 2, row, val, 1, probs);
	cr_assert(probs[0] > 0.8f && probs[0] < 0.999f, "%g", probs[0]);
	nlp_model_scores(w, b, 2, row + 3, val + 3, 1, probs);
	cr_assert(probs[1] > 0.8f && probs[1] < 0.999f, "%g", probs[1]);
	free(w);
	free(b);
}
