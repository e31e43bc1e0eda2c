/*
 * test_stats.c - lib/stats.c against SciPy 1.10.1 and scikit-learn 1.2.1
 * on the fixture tests/data/stats/expected.json (made once by
 * make_fixture.py next to it, which also documents the recipe that
 * regenerates the large Kolmogorov-Smirnov samples here), and PSI, KL and
 * a few closed forms against values worked out by hand.  Run from the
 * repository root.
 *
 * Tolerance: 1e-6 absolute on every statistic and p-value; p-values, the
 * chi-squared statistic and gammaincc are in addition held to 1e-6
 * relative (where SciPy's value is above 1e-300), so that tiny p-values are
 * checked too.  (The measured agreement is far closer, 1e-12 or better.)
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leak_test.h"
#include "stats.h"

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF    /* the recipe must round as Python does */
#endif

#define FIXTURE "tests/data/stats/expected.json"
#define ABS_TOL 1e-6
#define REL_TOL 1e-6

static json_t *
fixture(const char *section)
{
	json_error_t err;
	json_t *root = json_load_file(FIXTURE, 0, &err), *s;

	cr_assert_not_null(root, "%s: %s (run from the repository root)",
	    FIXTURE, err.text);
	s = json_object_get(root, section);
	cr_assert(json_is_array(s), "no section %s", section);
	json_incref(s);
	json_decref(root);
	return s;
}

static double
num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	cr_assert(json_is_number(v), "missing number %s", key);
	return json_number_value(v);
}

/* A JSON array of numbers as a malloc'd vector. */
static double *
vec(const json_t *a, size_t *n)
{
	double *v;
	size_t i;

	cr_assert(json_is_array(a));
	*n = json_array_size(a);
	v = malloc((*n ? *n : 1) * sizeof *v);
	cr_assert_not_null(v);
	for (i = 0; i < *n; i++) {
		const json_t *x = json_array_get(a, i);
		cr_assert(json_is_number(x));
		v[i] = json_number_value(x);
	}
	return v;
}

/* make_fixture.py's recipe: an MMIX LCG, u = top 53 bits / 2^53. */
static double *
recipe(const json_t *spec, size_t *n)
{
	uint64_t s = (uint64_t)json_integer_value(json_object_get(spec, "seed"));
	const char *kind = json_string_value(json_object_get(spec, "kind"));
	double scale = num(spec, "scale"), shift = num(spec, "shift"), *v;
	size_t i;

	*n = (size_t)json_integer_value(json_object_get(spec, "n"));
	cr_assert(*n > 0 && kind != NULL);
	v = malloc(*n * sizeof *v);
	cr_assert_not_null(v);
	for (i = 0; i < *n; i++) {
		double u, t;
		s = s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
		u = (double)(s >> 11) * 0x1p-53;
		if (strcmp(kind, "unif") == 0)
			t = scale * u;
		else if (strcmp(kind, "strat") == 0)
			t = scale * (((double)i + u) / (double)*n);
		else if (strcmp(kind, "int") == 0)
			t = floor(scale * u * u);
		else {
			cr_assert_str_eq(kind, "grid");
			t = scale * (((double)i + 0.5) / (double)*n);
		}
		v[i] = shift + t;
	}
	return v;
}

static double *
sample(const json_t *o, size_t *n)
{
	return json_is_array(o) ? vec(o, n) : recipe(o, n);
}

/* got within ABS_TOL of want; with rel, also within REL_TOL relative. */
static void
near(const char *what, const char *name, double got, double want, int rel)
{
	double err = fabs(got - want);

	if (isinf(want) || isnan(want)) {
		cr_assert(got == want || (isnan(got) && isnan(want)),
		    "%s, %s: %.17g, SciPy %.17g", what, name, got, want);
		return;
	}
	cr_assert(err <= ABS_TOL, "%s, %s: %.17g, SciPy %.17g (off by %.3g)",
	    what, name, got, want, err);
	if (rel && fabs(want) > 1e-300)
		cr_assert(err <= REL_TOL * fabs(want),
		    "%s, %s: %.17g, SciPy %.17g (off by %.3g relative)", what,
		    name, got, want, err / fabs(want));
}

/* Every KS case of a group (or all, group NULL); returns how many. */
static int
check_ks(const char *group)
{
	json_t *cases = fixture("ks_2samp"), *c;
	size_t k;
	int count = 0;

	json_array_foreach(cases, k, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		const char *g = json_string_value(json_object_get(c, "group"));
		double *x, *y, d, p;
		size_t n, m;
		int exact;

		if (group != NULL && strcmp(g, group) != 0)
			continue;
		x = sample(json_object_get(c, "x"), &n);
		y = sample(json_object_get(c, "y"), &m);
		cr_assert_eq(n, (size_t)num(c, "n"), "%s", name);
		cr_assert_eq(m, (size_t)num(c, "m"), "%s", name);
		cr_assert_eq(nlp_ks_2samp(x, n, y, m, &d, &p, &exact), 0, "%s",
		    name);
		near("D", name, d, num(c, "d"), 0);
		near("p", name, p, num(c, "p"), 1);
		cr_assert_eq(exact, (int)num(c, "exact"), "%s: exact %d", name,
		    exact);
		free(x), free(y);
		count++;
	}
	json_decref(cases);
	return count;
}

/* ------------------------------------------------------------- KS */

LEAK_TEST(ks_2samp, matches_scipy_exactly_on_small_samples_of_equal_size)
{
	cr_assert_geq(check_ks("equal"), 4);
}

LEAK_TEST(ks_2samp, matches_scipy_exactly_on_samples_of_unequal_size)
{
	cr_assert_geq(check_ks("unequal"), 5);
}

LEAK_TEST(ks_2samp, matches_scipy_on_token_lengths_full_of_ties)
{
	cr_assert_geq(check_ks("ties"), 4);
}

LEAK_TEST(ks_2samp, gives_d_zero_and_p_one_for_identical_samples)
{
	cr_assert_geq(check_ks("identical"), 2);
}

LEAK_TEST(ks_2samp, gives_d_one_and_scipys_tiny_p_for_disjoint_samples)
{
	cr_assert_geq(check_ks("disjoint"), 3);
}

LEAK_TEST(ks_2samp, handles_samples_of_one_or_two_values)
{
	cr_assert_geq(check_ks("tiny"), 3);
}

LEAK_TEST(ks_2samp, goes_asymptotic_where_scipys_exact_sum_rounds_above_one)
{
	cr_assert_geq(check_ks("fallback"), 3);
}

LEAK_TEST(ks_2samp, switches_from_exact_to_asymptotic_above_10000_values)
{
	cr_assert_geq(check_ks("boundary"), 6);
}

LEAK_TEST(ks_2samp, matches_scipys_kstwo_in_every_asymptotic_branch)
{
	cr_assert_geq(check_ks("asymptotic"), 10);
}

LEAK_TEST(ks_2samp, does_not_depend_on_the_order_of_the_values)
{
	double x[] = { 5, 1, 4, 2, 3, 9 }, y[] = { 0.5, 7, 3, 3 };
	double xs[] = { 1, 2, 3, 4, 5, 9 }, ys[] = { 0.5, 3, 3, 7 };
	double d1, p1, d2, p2;
	int e1, e2;

	cr_assert_eq(nlp_ks_2samp(x, 6, y, 4, &d1, &p1, &e1), 0);
	cr_assert_eq(nlp_ks_2samp(xs, 6, ys, 4, &d2, &p2, &e2), 0);
	cr_assert(d1 == d2 && p1 == p2 && e1 == e2);
	cr_assert(x[0] == 5 && y[1] == 7, "the input is left as it was");
}

LEAK_TEST(ks_2samp, refuses_an_empty_sample)
{
	double x[] = { 1, 2 }, d, p;
	int exact;

	cr_assert_eq(nlp_ks_2samp(x, 2, x, 0, &d, &p, &exact), -1);
	cr_assert_eq(nlp_ks_2samp(x, 0, x, 2, &d, &p, &exact), -1);
}

/* ------------------------------------------------------- chi-square */

LEAK_TEST(chisquare, matches_scipy_from_2_to_2000_categories)
{
	json_t *cases = fixture("chisquare"), *c;
	size_t k;

	json_array_foreach(cases, k, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		size_t n1, n2;
		double *obs = vec(json_object_get(c, "obs"), &n1);
		double *exp = vec(json_object_get(c, "exp"), &n2);
		double stat, p;

		cr_assert_eq(n1, n2);
		cr_assert_eq(nlp_chisquare(obs, exp, n1, &stat, &p), 0);
		near("statistic", name, stat, num(c, "stat"), 1);
		near("p", name, p, num(c, "p"), 1);
		free(obs), free(exp);
	}
	cr_assert_geq(json_array_size(cases), 8);
	json_decref(cases);
}

LEAK_TEST(chisquare, gives_p_one_for_a_perfect_fit_and_refuses_one_category)
{
	double o[] = { 3, 4, 5 }, stat, p;

	cr_assert_eq(nlp_chisquare(o, o, 3, &stat, &p), 0);
	cr_assert(stat == 0 && p == 1);
	cr_assert_eq(nlp_chisquare(o, o, 1, &stat, &p), -1);
}

/* scipy.stats.chi2_contingency(table, correction=False) over the bins
 * with counts (scipy 1.10, Debian 12), 2026-12-06. */
LEAK_TEST(chisquare, two_samples_match_scipy_chi2_contingency)
{
	static const struct {
		double a[4], b[4];
		size_t k;
		double stat, p;
	} t[] = {
		{ { 30, 70 }, { 45, 55 }, 2, 4.8, 0.028459736916310638 },
		{ { 10, 0, 5, 20 }, { 12, 3, 0, 9 }, 4, 10.674429019256607,
		    0.013623150281600459 },
		{ { 300, 2700 }, { 20, 80 }, 2, 10.454136690647482,
		    0.0012237509314644104 },
	};
	double stat, p;
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		cr_assert_eq(nlp_chisquare_2samp(t[i].a, t[i].b, t[i].k, 0,
		    &stat, &p), 0);
		near("statistic", "2samp", stat, t[i].stat, 1);
		near("p", "2samp", p, t[i].p, 1);
	}
	/* the third table's smallest expected count is 10.3: not 11 */
	cr_assert_eq(nlp_chisquare_2samp(t[2].a, t[2].b, 2, 11, &stat, &p), -1);
	cr_assert_eq(nlp_chisquare_2samp(t[2].a, t[2].b, 2, 10, &stat, &p), 0);
	/* one bin with counts: no test */
	cr_assert_eq(nlp_chisquare_2samp(t[1].a + 1, t[1].b + 1, 1, 0, &stat,
	    &p), -1);
}

/* ------------------------------------------------------- gammaincc */

LEAK_TEST(gamma_q, matches_scipy_gammaincc_on_a_grid_up_to_a_25000)
{
	json_t *cases = fixture("gammaincc"), *c;
	size_t k;

	json_array_foreach(cases, k, c) {
		double a = json_number_value(json_array_get(c, 0));
		double x = json_number_value(json_array_get(c, 1));
		double want = json_number_value(json_array_get(c, 2));
		char name[64];

		snprintf(name, sizeof name, "a %.17g x %.17g", a, x);
		near("Q", name, nlp_gamma_q(a, x), want, 1);
	}
	cr_assert_geq(json_array_size(cases), 500);
	json_decref(cases);
}

LEAK_TEST(gamma_q, equals_its_closed_forms_for_a_one_and_one_half)
{
	double x;

	for (x = 0.01; x < 50; x *= 1.7) {
		cr_assert(fabs(nlp_gamma_q(1, x) - exp(-x)) <= 1e-14 * exp(-x),
		    "Q(1, %g)", x);
		cr_assert(fabs(nlp_gamma_q(0.5, x) - erfc(sqrt(x))) <=
		    1e-13 * erfc(sqrt(x)), "Q(1/2, %g)", x);
	}
	cr_assert(nlp_gamma_q(3, 0) == 1);
	cr_assert(nlp_gamma_q(3, INFINITY) == 0);
	cr_assert(isnan(nlp_gamma_q(-1, 1)) && isnan(nlp_gamma_q(1, -1)));
}

/* --------------------------------------------------- Jensen-Shannon */

LEAK_TEST(jensenshannon, matches_scipy_and_is_0_for_equal_1_for_disjoint)
{
	json_t *cases = fixture("jensenshannon"), *c;
	size_t k;

	json_array_foreach(cases, k, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		size_t n1, n2;
		double *p = vec(json_object_get(c, "p"), &n1);
		double *q = vec(json_object_get(c, "q"), &n2);
		double got = nlp_jensenshannon(p, q, n1), want = num(c, "js");

		cr_assert_eq(n1, n2);
		near("JS", name, got, want, 0);
		if (want == 0 || want == 1)
			cr_assert(fabs(got - want) < 1e-15, "%s: %.17g", name, got);
		free(p), free(q);
	}
	json_decref(cases);
}

/* ------------------------------------------------------ Wasserstein */

LEAK_TEST(wasserstein, matches_scipy_on_samples_with_ties)
{
	json_t *cases = fixture("wasserstein"), *c;
	size_t k;

	json_array_foreach(cases, k, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		size_t n, m;
		double *u = vec(json_object_get(c, "u"), &n);
		double *v = vec(json_object_get(c, "v"), &m);

		near("W1", name, nlp_wasserstein(u, n, v, m), num(c, "w"), 0);
		free(u), free(v);
	}
	json_decref(cases);
}

/* Weighted samples: a value of weight w is w copies of it.  The distance
   and the KS statistic are those of the samples written out copy by copy
   (and SciPy's weighted wasserstein_distance([1,2,3], [2,4], [1,1,3],
   [2,1]) is 0.8); without weights, the unweighted functions' bits. */
LEAK_TEST(wasserstein, weighted_samples_are_their_copies)
{
	double x[] = { 1, 2, 3 }, xw[] = { 1, 1, 3 }, y[] = { 2, 4 },
	    yw[] = { 2, 1 };
	double xx[] = { 1, 2, 3, 3, 3 }, yy[] = { 2, 2, 4 };
	double d, p, d2, p2, u[40], uw[40], ue[400], v[30], ve[200];
	size_t i, j, n = 0, m = 0;
	int ex, ex2;
	unsigned s = 7;

	near("W1", "weighted", nlp_wasserstein_w(x, xw, 3, y, yw, 2), 0.8, 0);
	near("W1", "copies", nlp_wasserstein_w(x, xw, 3, y, yw, 2),
	    nlp_wasserstein(xx, 5, yy, 3), 0);
	/* within the exact test's reach: the test of the copies */
	cr_assert_eq(nlp_ks_2samp_w(x, xw, 3, 1, y, yw, 2, 1, &d, &p, &ex), 0);
	cr_assert_eq(nlp_ks_2samp(xx, 5, yy, 3, &d2, &p2, &ex2), 0);
	cr_assert(d == d2 && p == p2 && ex == 1 && ex2 == 1);
	/* beyond it: the asymptotic p-value at the effective sizes */
	{
		double bw[] = { 4000, 4000, 4000 };
		double p2b;
		cr_assert_eq(nlp_ks_2samp_w(x, bw, 3, 1, y, yw, 2, 1, &d, &p,
		    &ex), 0);
		cr_assert_float_eq(d, 1.0 / 3.0, 1e-15);
		cr_assert_eq(ex, 0);
		cr_assert(p > 0 && p <= 1);
		/* a sample, not every record: the effective sizes, a larger
		   p-value than the records' (12000 and 3) */
		cr_assert_eq(nlp_ks_2samp_w(x, bw, 3, 0, y, yw, 2, 1, &d, &p2b,
		    &ex), 0);
		cr_assert(p2b > p, "effective size: p %g, records %g", p2b, p);
	}
	/* random whole weights against the samples written out */
	for (i = 0; i < 40; i++) {
		s = s * 1103515245u + 12345u;
		u[i] = (double)(s >> 16 & 31);
		uw[i] = (double)(1 + (s >> 8 & 7));
		for (j = 0; j < (size_t)uw[i]; j++)
			ue[n++] = u[i];
	}
	for (i = 0; i < 30; i++) {
		s = s * 1103515245u + 12345u;
		v[i] = (double)(s >> 16 & 31) + 0.5 * (double)(i & 1);
		ve[m++] = v[i];
	}
	near("W1", "random", nlp_wasserstein_w(u, uw, 40, v, NULL, 30),
	    nlp_wasserstein(ue, n, ve, m), 0);
	cr_assert_eq(nlp_ks_2samp_w(u, uw, 40, 1, v, NULL, 30, 1, &d, &p, &ex),
	    0);
	cr_assert_eq(nlp_ks_2samp(ue, n, ve, m, &d2, &p2, &ex2), 0);
	cr_assert_float_eq(d, d2, 1e-15);
	/* no weights: the same bits */
	cr_assert_eq(nlp_ks_2samp_w(v, NULL, 30, 1, u, NULL, 40, 1, &d, &p, &ex),
	    0);
	cr_assert_eq(nlp_ks_2samp(v, 30, u, 40, &d2, &p2, &ex2), 0);
	cr_assert(d == d2 && p == p2 && ex == ex2);
	cr_assert(nlp_wasserstein_w(v, NULL, 30, u, NULL, 40) ==
	    nlp_wasserstein(v, 30, u, 40));
	/* effective sizes: (sum w)^2 / sum w^2 */
	cr_assert_float_eq(nlp_effective_size(xw, 3), 25.0 / 11.0, 1e-15);
	cr_assert_float_eq(nlp_effective_size(NULL, 3), 3.0, 0);
}

LEAK_TEST(wasserstein, is_nan_for_an_empty_sample)
{
	double x[] = { 1 };

	cr_assert(isnan(nlp_wasserstein(x, 1, x, 0)));
}

/* ---------------------------------------------------------- ROC AUC */

LEAK_TEST(roc_auc, matches_sklearn_with_ties_separated_inverted_and_random)
{
	json_t *cases = fixture("roc_auc"), *c;
	size_t k;

	json_array_foreach(cases, k, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		const json_t *lab = json_object_get(c, "label");
		size_t n, i;
		double *s = vec(json_object_get(c, "score"), &n), auc;
		int *l = malloc(n * sizeof *l);

		cr_assert_not_null(l);
		cr_assert_eq(json_array_size(lab), n);
		for (i = 0; i < n; i++)
			l[i] = (int)json_integer_value(json_array_get(lab, i));
		cr_assert_eq(nlp_roc_auc(s, l, n, &auc), 0);
		near("AUC", name, auc, num(c, "auc"), 0);
		free(s), free(l);
	}
	json_decref(cases);
}

LEAK_TEST(roc_auc, is_nan_when_a_class_is_missing)
{
	double s[] = { 0.1, 0.5, 0.9 };
	int pos[] = { 1, 1, 1 }, neg[] = { 0, 0, 0 };

	double auc = 0;

	cr_assert_eq(nlp_roc_auc(s, pos, 3, &auc), 0);
	cr_assert(isnan(auc));
	auc = 0;
	cr_assert_eq(nlp_roc_auc(s, neg, 3, &auc), 0);
	cr_assert(isnan(auc));
	auc = 0;
	cr_assert_eq(nlp_roc_auc(s, neg, 0, &auc), 0);
	cr_assert(isnan(auc));
}

/* ------------------------------------------------- PSI and KL by hand */

/*
 * p = (1, 1), q = (1, 3) normalize to (1/2, 1/2) and (1/4, 3/4):
 *   PSI = (1/4 - 1/2) ln(1/2) + (3/4 - 1/2) ln(3/2) = (ln 3) / 4
 *   KL(q || p) = 1/4 ln(1/2) + 3/4 ln(3/2) = (3/4) ln 3 - ln 2
 */
LEAK_TEST(psi_kl, equal_their_hand_computed_values_on_two_bins)
{
	double p[] = { 1, 1 }, q[] = { 1, 3 }, p2[] = { 5, 5 }, q2[] = { 2, 6 };

	cr_assert(fabs(nlp_psi(p, q, 2, 0) - log(3) / 4) < 1e-15);
	cr_assert(fabs(nlp_kl(p, q, 2, 0) - (0.75 * log(3) - log(2))) < 1e-15);
	/* counts or proportions, any scale: the same */
	cr_assert(fabs(nlp_psi(p2, q2, 2, 0) - log(3) / 4) < 1e-15);
	cr_assert(fabs(nlp_kl(p2, q2, 2, 0) - (0.75 * log(3) - log(2))) < 1e-15);
}

/*
 * p = (0, 2), q = (2, 0), eps = 1: (1/4, 3/4) and (3/4, 1/4):
 *   PSI = (1/2) ln 3 + (-1/2) ln(1/3) = ln 3
 *   KL(q || p) = 3/4 ln 3 + 1/4 ln(1/3) = (1/2) ln 3
 */
LEAK_TEST(psi_kl, add_eps_to_every_bin_so_that_empty_bins_are_defined)
{
	double p[] = { 0, 2 }, q[] = { 2, 0 };

	cr_assert(fabs(nlp_psi(p, q, 2, 1) - log(3)) < 1e-15);
	cr_assert(fabs(nlp_kl(p, q, 2, 1) - 0.5 * log(3)) < 1e-15);
	cr_assert(isinf(nlp_psi(p, q, 2, 0)) && isinf(nlp_kl(p, q, 2, 0)));
}

/*
 * Three bins, p = (2, 1, 1), q = (1, 1, 2), eps = 0: (1/2, 1/4, 1/4) and
 * (1/4, 1/4, 1/2):  PSI = -1/4 ln(1/2) + 0 + 1/4 ln 2 = (ln 2) / 2,
 * KL(q || p) = 1/4 ln(1/2) + 0 + 1/2 ln 2 = (ln 2) / 4.  A bin empty in
 * both adds nothing; one empty in q only adds nothing to KL(q || p).
 */
LEAK_TEST(psi_kl, are_zero_for_equal_histograms_and_psi_is_symmetric)
{
	double p[] = { 2, 1, 1, 0 }, q[] = { 1, 1, 2, 0 }, r[] = { 4, 2, 2, 0 };
	double pz[] = { 1, 1 }, qz[] = { 1, 0 };

	cr_assert(fabs(nlp_psi(p, q, 4, 0) - log(2) / 2) < 1e-15);
	cr_assert(fabs(nlp_kl(p, q, 4, 0) - log(2) / 4) < 1e-15);
	cr_assert(nlp_psi(p, q, 4, 0) == nlp_psi(q, p, 4, 0));
	cr_assert(fabs(nlp_psi(p, r, 4, 0)) < 1e-16);
	cr_assert(fabs(nlp_kl(p, r, 4, 0)) < 1e-16);
	/* q = (1, 0) against p = (1/2, 1/2): KL = ln 2, PSI infinite */
	cr_assert(fabs(nlp_kl(pz, qz, 2, 0) - log(2)) < 1e-15);
	cr_assert(isinf(nlp_psi(pz, qz, 2, 0)));
}

/* scipy.stats.norm.isf, and Wilson's bounds as statsmodels'
 * proportion_confint(k, n, alpha=2 * 0.05, method='wilson') gives them */
LEAK_TEST(normal_isf_and_wilson, match_scipy_and_the_closed_form)
{
	double lo, hi, z = nlp_normal_isf(0.05);

	cr_assert(fabs(z - 1.6448536269514729) < 1e-11, "%.17g", z);
	cr_assert(fabs(nlp_normal_isf(0.025) - 1.959963984540054) < 1e-11);
	cr_assert(fabs(nlp_normal_isf(1e-6) - 4.753424308822899) < 1e-10);
	cr_assert(fabs(nlp_normal_isf(0.5)) < 1e-12);
	/* one blank record of 20: surely more than 1.1%, no more */
	nlp_wilson(1, 20, z, &lo, &hi);
	cr_assert(fabs(lo - 0.011234816850851634) < 1e-12, "%.17g", lo);
	cr_assert(fabs(hi - 0.19600723677401644) < 1e-12, "%.17g", hi);
	nlp_wilson(150, 500, z, &lo, &hi);
	cr_assert(fabs(lo - 0.26744053120075184) < 1e-12, "%.17g", lo);
	nlp_wilson(0, 2000, z, &lo, &hi);
	cr_assert(lo == 0 && fabs(hi - 0.0013509442079184168) < 1e-12);
	nlp_wilson(0, 0, z, &lo, &hi);
	cr_assert(lo == 0 && hi == 1);
}
