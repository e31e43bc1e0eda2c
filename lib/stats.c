/*
 * stats.c - the statistics drift detection rests on: the two-sample
 * Kolmogorov-Smirnov test, Pearson's chi-squared test and the regularized
 * incomplete gamma function behind it, Jensen-Shannon distance, PSI and KL
 * divergence, the first Wasserstein distance and ROC AUC.  Each follows the
 * SciPy 1.10.1 / scikit-learn 1.2.1 function named in stats.h, branch for
 * branch where SciPy's answer depends on the method it picks (so that the
 * same inputs give the same p-value, approximations included); the tests
 * hold them to fixtures computed with those versions.  Plain C17 and libm.
 *
 * Algorithms (all implemented here from the papers):
 *   Hodges, "The significance probability of the Smirnov two-sample test",
 *     Arkiv for Matematik 3 (1958): lattice paths for the exact two-sample
 *     distribution, and its reflection formula for equal sizes;
 *   Viehmann, "Numerically more stable computation of the p-values for the
 *     two-sample Kolmogorov-Smirnov test", arXiv:2102.08037 (2021): carry
 *     the probability of having left the band, not path counts;
 *   Serfling, "Probability inequalities for the sum in sampling without
 *     replacement", Annals of Statistics 2 (1974): a bound used to skip the
 *     lattice when the p-value is below 1e-300;
 *   Simard & L'Ecuyer, "Computing the two-sided Kolmogorov-Smirnov
 *     distribution", J. Statistical Software 39(11) (2011): which method
 *     for which (n, x), as SciPy's kstwo does;
 *   Durbin, "Distribution theory for tests based on the sample distribution
 *     function" (SIAM 1973) as arranged by Marsaglia, Tsang & Wang,
 *     "Evaluating Kolmogorov's distribution", J. Stat. Software 8(18) (2003);
 *   Pelz & Good, "Approximating the lower tail-areas of the Kolmogorov-
 *     Smirnov one-sample statistic", JRSS B 38 (1976);
 *   Ruben & Gambino, "The exact distribution of Kolmogorov's statistic D_n
 *     for n <= 10", Ann. Inst. Stat. Math. 34 (1982): the closed forms for
 *     nx <= 1 and nx >= n - 1;
 *   Birnbaum & Tingey, "One-sided confidence contours for probability
 *     distribution functions", Ann. Math. Stat. 22 (1951): the exact
 *     one-sided (Smirnov) distribution;
 *   Numerical Recipes (Press et al., 3rd ed., 6.2) and Lentz's method
 *     (Thompson & Barnett 1986) for the incomplete gamma function, with the
 *     prefactor x^a e^-x / Gamma(a) from Stirling's series (DiDonato &
 *     Morris, ACM TOMS 12 (1986)) so that it keeps its precision for large a;
 *   Neumaier, "Rundungsfehleranalyse einiger Verfahren zur Summation
 *     endlicher Summen", ZAMM 54 (1974): compensated sums.
 *
 * Where this departs from SciPy (each within the stated error of it):
 *   kstwo for n <= 140, 0.754693 < n x^2 <= 4: Durbin's matrix instead of
 *     Pomeranz's recursion (Pomeranz, "Exact cumulative distribution of the
 *     Kolmogorov-Smirnov statistic for small samples", CACM 17, 1974): both
 *     exact, 1e-11 relative apart;
 *   the one-sided Smirnov sum in logarithms, not double-double: 1e-11;
 *   the exact two-sample lattice is not swept when a bound puts the p-value
 *     below 1e-300: 0 is returned;
 *   Jensen-Shannon: 0, not NaN, when rounding makes the divergence < 0;
 *   chi-squared: tables whose totals differ are not refused.
 */
#include "stats.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Products must round as written: SciPy's equal-size formula is repeated
 * operation for operation (see ks_square_sf). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#define TWO_PI 6.283185307179586476925286766559
#define LN_SQRT_2PI 0.91893853320467274178032973640562
#define PI 3.14159265358979323846264338327950
#define PI_SQ 9.8696044010893586188344909998762

static double
clip01(double p)
{
	return p < 0 ? 0 : p > 1 ? 1 : p;
}

/* Neumaier's compensated sum, one term at a time. */
struct ksum {
	double s, c;
};

static void
kadd(struct ksum *k, double x)
{
	double t = k->s + x;

	if (fabs(k->s) >= fabs(x))
		k->c += (k->s - t) + x;
	else
		k->c += (x - t) + k->s;
	k->s = t;
}

static double
ksum_value(const struct ksum *k)
{
	return k->s + k->c;
}

/* ----------------------------------------------------------------------
 * Sorting.  NumPy's order: NaN after everything, NaNs equal to each other.
 * An LSD radix sort on the IEEE bit patterns (mapped so that unsigned order
 * is numeric order), 11 bits a pass: a few milliseconds for 100k values,
 * several times faster than qsort.  -0 sorts before +0; they still compare
 * equal in the merges below, as NumPy's searchsorted has them.
 */
static uint64_t
dkey(double x)
{
	uint64_t u;

	if (isnan(x))
		return UINT64_MAX;
	memcpy(&u, &x, sizeof u);
	return (u >> 63) ? ~u : u | (UINT64_C(1) << 63);
}

static double
dval(uint64_t k)
{
	double x;

	if (k == UINT64_MAX)
		return NAN;
	k = (k >> 63) ? k & ~(UINT64_C(1) << 63) : ~k;
	memcpy(&x, &k, sizeof x);
	return x;
}

/* A sorted copy of x (malloc'd), or NULL when out of memory. */
static double *
sorted_copy(const double *x, size_t n)
{
	enum { BITS = 11, RADIX = 1 << BITS, PASSES = (64 + BITS - 1) / BITS };
	uint64_t *a, *b, *t;
	size_t *cnt, i;
	double *out;
	int pass;

	a = malloc((n ? n : 1) * sizeof *a);
	b = malloc((n ? n : 1) * sizeof *b);
	cnt = malloc(RADIX * sizeof *cnt);
	if (a == NULL || b == NULL || cnt == NULL) {
		free(a), free(b), free(cnt);
		return NULL;
	}
	for (i = 0; i < n; i++)
		a[i] = dkey(x[i]);
	if (n < 64) {           /* insertion sort */
		for (i = 1; i < n; i++) {
			uint64_t v = a[i];
			size_t j = i;
			while (j > 0 && a[j - 1] > v) {
				a[j] = a[j - 1];
				j--;
			}
			a[j] = v;
		}
	} else {
		for (pass = 0; pass < PASSES; pass++) {
			int sh = pass * BITS;
			size_t sum = 0, c;
			int skip = 0;

			memset(cnt, 0, RADIX * sizeof *cnt);
			for (i = 0; i < n; i++)
				cnt[(a[i] >> sh) & (RADIX - 1)]++;
			for (c = 0; c < RADIX; c++) {
				size_t k = cnt[c];
				skip |= k == n; /* one digit value: nothing to do */
				cnt[c] = sum;
				sum += k;
			}
			if (skip)
				continue;
			for (i = 0; i < n; i++)
				b[cnt[(a[i] >> sh) & (RADIX - 1)]++] = a[i];
			t = a, a = b, b = t;
		}
	}
	free(b);
	free(cnt);
	out = (double *)a;      /* same size; convert in place */
	for (i = 0; i < n; i++) {
		uint64_t k = a[i];
		out[i] = dval(k);
	}
	return out;
}

/* x < y in NumPy's order (NaN last). */
static int
before(double x, double y)
{
	return isnan(y) ? !isnan(x) : x < y;
}

/* ----------------------------------------------------------------------
 * Exact two-sample distribution, equal sizes n == m: P(D >= h/n) by the
 * reflection principle (Hodges 1958),
 *     2 sum_{k>=1} (-1)^(k-1) C(2n, n-kh) / C(2n, n),
 * with the ratios of consecutive terms, A_k = prod_{j<h} (n-(k-1)h-j) /
 * (n+(k-1)h+j+1), nested as 2 A_1 (1 - A_2 (1 - A_3 (...))) to avoid the
 * cancellation.  Evaluated operation for operation as SciPy does, because
 * SciPy checks the result: rounding can take it just above 1 (for h = 1),
 * and SciPy then switches to the asymptotic distribution; the same rounding
 * here makes the same switch.  O(n + h) operations.
 */
static double
ks_square_sf(long n, long h)
{
	double P = 0.0, p1;
	long k, j;

	for (k = n / h; k >= 0; k--) {
		p1 = 1.0;
		for (j = 0; j < h; j++)
			p1 = (double)(n - k * h - j) * p1 /
			    (double)(n + k * h + j + 1);
		P = p1 * (1.0 - P);
	}
	return 2 * P;
}

static long long
floor_div(long long a, long long b)     /* b > 0 */
{
	long long q = a / b;

	return (a % b != 0 && a < 0) ? q - 1 : q;
}

/*
 * Exact two-sample distribution, any sizes: P(D >= h / lcm(m, n)), the
 * share of the C(m+n, m) monotone lattice paths from (0, 0) to (m, n) that
 * reach |i/m - j/n| >= h/lcm (Hodges 1958).  Following Viehmann (2021) each
 * cell holds the probability that a uniformly random path to it has already
 * left the band, a convex combination of its two predecessors,
 *     A(i, j) = (i A(i-1, j) + j A(i, j-1)) / (i + j),  A = 1 outside,
 * so that nothing overflows and the p-value keeps its relative precision.
 * The cells are swept by anti-diagonals i + j = s, which are independent of
 * each other within a diagonal (the loop vectorizes; SciPy sweeps columns).
 * Agreement with SciPy: rounding only, ~1e-15 relative.
 *
 * Cost ~ 2 D m n cells.  It is bounded by first checking Serfling's (1974)
 * inequality: the number of x-steps among the first s steps of a random path
 * is a sample without replacement, so the path leaves the band on diagonal s
 * with probability <= 2 exp(-2 W^2 / (s (1 - (s-1)/(m+n)))), W being the
 * band's half-width; summed over s this is <= 2 (m+n-1) exp(-8 W^2 (m+n) /
 * (m+n+1)^2).  When that is below 1e-300 the answer 0 is within 1e-300 of
 * the exact one and the sweep is skipped; otherwise at most ~19 (m+n)^1.5
 * cells remain (~5e7 for m + n = 20000).  Subnormal cells are set to 0
 * (no slow-down on CPUs that trap them; changes the result by less than
 * (m+n) DBL_MIN < 1e-303).
 */
static double
ks_inside_sf(long m, long n, long g, long h)
{
	long long mg = m / g, ng = n / g, c = mg + ng, M = m + n, s;
	long lo2 = 0, hi2 = -1, lo1 = 0, hi1 = 0, lo, hi, i;
	double *prev, *cur, *t, W, bound, result;

	W = (double)h / (double)c;
	bound = 2.0 * (double)(M - 1) *
	    exp(-8.0 * W * W * (double)M / ((double)(M + 1) * (double)(M + 1)));
	if (bound < 1e-300)
		return 0.0;
	prev = malloc((size_t)(m + 2) * sizeof *prev);
	cur = malloc((size_t)(m + 2) * sizeof *cur);
	if (prev == NULL || cur == NULL) {
		free(prev), free(cur);
		return NAN;
	}
	/* Index i + 1 holds cell i (x-steps); index 0 is a guard. */
	for (i = 0; i < m + 2; i++)
		prev[i] = cur[i] = 1.0;
	prev[1] = 0.0;          /* the origin is inside: h >= 1 */
	for (s = 1; s <= M; s++) {
		double inv = 1.0 / (double)s, ds;
		long a = s > n ? (long)(s - n) : 0, b = s < m ? (long)s : m;

		/* inside: mg s - h < c i < mg s + h */
		lo = (long)floor_div(mg * s - h, c) + 1;
		hi = -(long)floor_div(-(mg * s + h), c) - 1;
		lo = lo > a ? lo : a;
		hi = hi < b ? hi : b;
		if (lo > hi) {  /* every path leaves the band here */
			free(prev), free(cur);
			return 1.0;
		}
		/* cur held diagonal s - 2: back to 1 where not overwritten */
		for (i = lo2; i <= hi2 && i < lo; i++)
			cur[i + 1] = 1.0;
		for (i = hi + 1 > lo2 ? hi + 1 : lo2; i <= hi2; i++)
			cur[i + 1] = 1.0;
		ds = (double)s;
		{       /* int, not long: SSE2 converts int32 to double by pairs */
			int ii, ilo = (int)lo, ihi = (int)hi;
			const double *restrict pp = prev;
			double *restrict cc = cur;
			for (ii = ilo; ii <= ihi; ii++) {
				double di = (double)ii;
				double v = (di * pp[ii] + (ds - di) * pp[ii + 1]) *
				    inv;
				cc[ii + 1] = v < DBL_MIN ? 0.0 : v;
			}
		}
		lo2 = lo1, hi2 = hi1, lo1 = lo, hi1 = hi;
		t = prev, prev = cur, cur = t;
	}
	result = prev[m + 1];
	free(prev), free(cur);
	return clip01(result);
}

/* ----------------------------------------------------------------------
 * The one-sample Kolmogorov distribution, P(D_n >= x) (SciPy's kstwo.sf),
 * which SciPy's ks_2samp uses asymptotically with n = round(mn / (m + n)).
 */

/* Stirling's correction mu(a) = ln Gamma(a) - (a - 1/2) ln a + a
 * - ln sqrt(2 pi) = sum_j B_2j / (2j (2j-1) a^(2j-1)), seven terms: error
 * below 1e-16 relative to ln Gamma for a >= 10. */
static double
stirling_mu(double a)
{
	double r = 1 / a, r2 = r * r;

	return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 *
	    (1.0 / 1680 - r2 * (1.0 / 1188 - r2 * (691.0 / 360360 - r2 *
	    (1.0 / 156)))))));
}

/*
 * ln of the v-th Birnbaum-Tingey term, C(n, v) (x + v/n)^(v-1) (1 - x -
 * v/n)^(n-v), nx = n x.  With w = n - v and Stirling's formula for the three
 * factorials the large logarithms cancel on paper:
 *     v log1p(nx/v) + w log1p(-nx/w) - ln(x + v/n)
 *       + ln sqrt(n / (2 pi v w)) + mu(n) - mu(v) - mu(w),
 * leaving terms of size ~ nx: error ~ 1e-16 nx, not ~ 1e-16 n ln n.  For v
 * or w below 20, C(n, v) as a short product instead.
 */
static double
smirnov_log_term(long n, double x, double nx, long v)
{
	double dn = (double)n, dv = (double)v, dw = (double)(n - v);
	double e = x + dv / dn;

	if (v < 20 || n - v < 20) {
		long k = v < n - v ? v : n - v, i;
		double lc = 0;
		for (i = 0; i < k; i++)
			lc += log((dn - (double)i) / (double)(i + 1));
		return lc + (dv - 1) * log(e) + dw * log1p(-e);
	}
	return dv * log1p(nx / dv) + dw * log1p(-nx / dw) - log(e) +
	    0.5 * log(dn / (TWO_PI * dv * dw)) + stirling_mu(dn) -
	    stirling_mu(dv) - stirling_mu(dw);
}

/*
 * The one-sided Smirnov distribution P(D+_n >= x) by Birnbaum & Tingey's
 * exact sum
 *     x sum_{v=0}^{floor(n(1-x))} C(n, v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v)
 * of positive terms, each through its logarithm (above): relative error
 * ~ 1e-16 nx (below 1e-11 where it is used; SciPy sums in double-double).
 * The sum stops once the terms, past their peak, can no longer add 1e-17
 * of it.  Like SciPy, n > 10^6 uses the approximation exp(-(6nx+1)^2/18n).
 */
static double
smirnov_sf(long n, double x)
{
	double sum = 0, prev = 0, nx = (double)n * x;
	long v, last;

	if (x <= 0)
		return 1.0;
	if (x >= 1)
		return 0.0;
	if (n > 1000000)
		return exp(-pow(6.0 * nx + 1, 2) / 18.0 / (double)n);
	if (-2.0 * nx * x < -745.2)
		return 0.0;
	if (nx >= (double)n - 1)        /* x >= 1 - 1/n */
		return pow(1 - x, (double)n);
	last = (long)floor((double)n * (1 - x));
	for (v = 0; v <= last; v++) {
		double term;
		if (x + (double)v / (double)n >= 1)
			break;
		term = exp(smirnov_log_term(n, x, nx, v));
		sum += term;
		if (term < prev && term * (double)(last - v) < 1e-17 * sum)
			break;
		prev = term;
	}
	return sum * x;
}

/* Divide the n entries of A by 2^128 while one is above 2^128 (exact);
 * returns the exponent taken out. */
static long
rescale(double *A, long n)
{
	double mx = 0;
	long i, e = 0;

	for (i = 0; i < n; i++)
		mx = A[i] > mx ? A[i] : mx;
	while (mx > 0x1p128) {
		for (i = 0; i < n; i++)
			A[i] = ldexp(A[i], -128);
		mx = ldexp(mx, -128);
		e += 128;
	}
	return e;
}

/* T = A B for m x m matrices, skipping A's zeros (H is sparse at first). */
static void
mat_mul(double *T, const double *A, const double *B, long m)
{
	long i, j, l;

	memset(T, 0, (size_t)(m * m) * sizeof *T);
	for (i = 0; i < m; i++)
		for (l = 0; l < m; l++) {
			double a = A[i * m + l];
			if (a == 0)
				continue;
			for (j = 0; j < m; j++)
				T[i * m + j] += a * B[l * m + j];
		}
}

/*
 * Durbin's m x m matrix H for k = ceil(nd), h = k - nd: H[i][j] =
 * 1/(i-j+1)! for i-j+1 >= 0, the first column and the last row corrected
 * by h (v is scratch for m entries).
 */
static void
durbin_matrix(double *H, double *v, long m, double h)
{
	double fac = 1.0;
	long i, j;

	for (j = 1; j <= m; j++) {      /* v[j-1] = (1 - h^j) / j! */
		fac /= (double)j;
		v[j - 1] = (1.0 - pow(h, (double)j)) * fac;
	}
	v[m - 1] = (1.0 + pow(fmax(2 * h - 1, 0), (double)m) -
	    2 * pow(h, (double)m)) * fac;
	for (i = 0; i < m; i++) {
		double f = 1.0;
		/* row i: H[i][j] = 1/(i-j+1)! for j >= 1, j <= i + 1 */
		for (j = 0; j < m; j++)
			H[i * m + j] = 0.0;
		for (j = i + 1; j >= 1; j--) {
			if (j < m)
				H[i * m + j] = f;
			f /= (double)(i - j + 2);
		}
		H[i * m] = v[i];
	}
	for (j = 0; j < m; j++)
		H[(m - 1) * m + j] = v[m - 1 - j];
}

/*
 * R = H^n by repeated squaring (H is overwritten, T is scratch), rescaled
 * by powers of two (exact) whenever an entry passes 2^128: returns the
 * exponent taken out of R.
 */
static long
durbin_power(double *R, double *H, double *T, long m, long n)
{
	long e_H = 0, e_R = 0, nn;
	int first = 1;

	for (nn = n;;) {
		if (nn & 1) {
			if (first) {
				memcpy(R, H, (size_t)(m * m) * sizeof *R);
				e_R = e_H;
				first = 0;
			} else {
				mat_mul(T, R, H, m);
				memcpy(R, T, (size_t)(m * m) * sizeof *R);
				e_R += e_H;
			}
			e_R += rescale(R, m * m);
		}
		nn >>= 1;
		if (nn == 0)
			return e_R;
		mat_mul(T, H, H, m);
		memcpy(H, T, (size_t)(m * m) * sizeof *H);
		e_H *= 2;
		e_H += rescale(H, m * m);
	}
}

/*
 * P(D_n < d) by Durbin's matrix formula in Marsaglia, Tsang & Wang's form:
 * with k = ceil(nd), h = k - nd, m = 2k - 1 and the m x m matrix H
 * (durbin_matrix()), P = n!/n^n (H^n)[k-1][k-1].  All entries are
 * non-negative, so there is no cancellation: ~1e-14 relative.  O(m^3 log
 * n); SciPy asks for it only when m is at most ~120.  Returns NAN when out
 * of memory.
 */
static double
durbin_cdf(long n, double d)
{
	double nd = (double)n * d, *H, *R, *T, p, big = ldexp(1, 128);
	long k, m, i, e;

	if (d >= 1)
		return 1.0;
	if (nd <= 0.5)
		return 0.0;
	k = (long)ceil(nd);
	m = 2 * k - 1;
	H = malloc((size_t)(3 * m * m + m) * sizeof *H);
	if (H == NULL)
		return NAN;
	R = H + m * m, T = R + m * m;
	durbin_matrix(H, T + m * m, m, (double)k - nd);
	e = durbin_power(R, H, T, m, n);
	p = R[(k - 1) * m + k - 1];
	free(H);
	/* times n! / n^n */
	for (i = 1; i <= n; i++) {
		p = (double)i * p / (double)n;
		if (p < 1.0 / big) {
			p *= big;
			e -= 128;
		}
	}
	return ldexp(p, (int)e);
}

/*
 * The Pelz-Good (1976) asymptotic series for P(D_n <= x), four terms in
 * 1/sqrt(n) of Li-Chien and Korolyuk's expansion, the theta functions in
 * their small-z form (z = x sqrt(n)).  An approximation -- against the
 * exact Durbin matrix, off by at most 3e-6 at n = 141, 6e-8 at n = 1000,
 * 3e-9 at n = 5000, 2e-10 at n = 20000 -- but the one SciPy's kstwo
 * returns for n > 140, n x^2 < 2.2 and n x^1.5 > 1.4 (Simard & L'Ecuyer):
 * the same series, truncated where SciPy truncates it (k <= 16z/pi),
 * matches SciPy to rounding.
 */
static double
pelz_good_cdf(long n, double x)
{
	double z, z2, z4, z6, q, q2, K[4] = { 0, 0, 0, 0 }, sq2pi, s2, s3, rn;
	long k, maxk;

	if (x <= 0)
		return 0.0;
	if (x >= 1)
		return 1.0;
	z = sqrt((double)n) * x;
	z2 = z * z, z4 = z2 * z2, z6 = z4 * z2;
	if (-PI_SQ / 8 / z2 < -708)
		return 0.0;
	q = exp(-PI_SQ / 8 / z2);
	sq2pi = sqrt(TWO_PI);
	maxk = (long)ceil(16 * z / PI);
	/* sum over k of coefficient(k) q^((2k-1)^2), nested from the top */
	for (k = maxk; k >= 1; k--) {
		double mm = (double)(2 * k - 1), m2 = mm * mm, m4 = m2 * m2,
		    m6 = m4 * m2, qp = pow(q, 8.0 * (double)k);
		double c1 = -z2 + PI_SQ / 4 * m2;
		double c2 = (6 * z6 + 2 * z4) +
		    (2 * z4 - 5 * z2) * PI_SQ / 4 * m2 +
		    PI_SQ * PI_SQ * (1 - 2 * z2) / 16 * m4;
		double c3 = (-30 * z6 - 90 * z4 * z4) +
		    PI_SQ * (135 * z4 - 96 * z6) / 4 * m2 +
		    PI_SQ * PI_SQ * (-60 * z2 + 212 * z4) / 16 * m4 +
		    PI_SQ * PI_SQ * PI_SQ * (5 - 30 * z2) / 64 * m6;
		K[0] = K[0] * qp + 1.0;
		K[1] = K[1] * qp + c1;
		K[2] = K[2] * qp + c2;
		K[3] = K[3] * qp + c3;
	}
	K[0] *= q * sq2pi / z;
	K[1] *= q * sq2pi / (6 * z4);
	K[2] *= q * sq2pi / (72 * z6 * z);
	K[3] *= q * sq2pi / (6480 * z6 * z4);
	/* the second theta series in K2 and K3 */
	q2 = exp(-PI_SQ / 2 / z2);
	s2 = s3 = 0;
	for (k = maxk; k >= 1; k--) {
		double k2 = (double)k * (double)k, qp = pow(q2, k2);
		s2 += k2 * qp;
		s3 += (3 * z2 - PI_SQ * k2) * k2 * qp;
	}
	K[2] += s2 * PI_SQ * sq2pi / (-36 * z2 * z);
	K[3] += s3 * PI_SQ * sq2pi / (216 * z6);
	rn = sqrt((double)n);
	return K[0] + K[1] / rn + K[2] / (double)n + K[3] / ((double)n * rn);
}

/*
 * P(D_n >= x), choosing as SciPy 1.10.1's kolmogn does (after Simard &
 * L'Ecuyer 2011):
 *   nx <= 1, nx >= n-1: Ruben & Gambino's closed forms (exact);
 *   x >= 1/2: 2 * Smirnov (exact: the one-sided events are disjoint);
 *   n <= 140: Durbin for n x^2 <= 4 (SciPy uses Pomeranz's recursion when
 *     n x^2 > 0.754693; both are exact, they agree to ~1e-14 absolute,
 *     1e-11 relative), else 2 * Smirnov;
 *   n > 140: 0 for n x^2 >= 370; 2 * Smirnov for n x^2 >= 2.2 (the first
 *     term of inclusion-exclusion, which SciPy takes there: it exceeds the
 *     exact value by a share ~ exp(-6 n x^2) < 2e-6); else 1 - Durbin when
 *     n <= 100000 and n x^1.5 <= 1.4, else 1 - Pelz-Good (approximate, see
 *     above, as in SciPy).
 * Against SciPy over n = 1 .. 250000 and x on a grid (12000 points): within
 * 1.3e-14 absolute, 1e-11 relative.  NAN when out of memory.
 */
static double
kolmogorov_sf(long n, double x)
{
	double t, nx2, prob;

	if (x >= 1.0)
		return 0.0;
	if (x <= 0.0)
		return 1.0;
	t = (double)n * x;
	if (t <= 1.0) {
		if (t <= 0.5)
			return 1.0;
		if (n <= 140) {         /* n!/n^n (2t-1)^n */
			long i;
			prob = 1.0;
			for (i = 1; i <= n; i++)
				prob *= (double)i * (1.0 / (double)n) * (2 * t - 1);
		} else {
			/* ln(n!/n^n) by Stirling */
			double dn = (double)n;
			double lf = log(dn) / 2 - dn + LN_SQRT_2PI +
			    stirling_mu(dn);
			prob = exp(lf + dn * log(2 * t - 1));
		}
		return clip01(1.0 - prob);
	}
	if (t >= (double)n - 1)
		return clip01(2 * pow(1.0 - x, (double)n));
	if (x >= 0.5)
		return clip01(2 * smirnov_sf(n, x));
	nx2 = t * x;
	if (n <= 140) {
		if (nx2 <= 4)
			return clip01(1.0 - durbin_cdf(n, x));
		return clip01(2 * smirnov_sf(n, x));
	}
	if (nx2 >= 370.0)
		return 0.0;
	if (nx2 >= 2.2)
		return clip01(2 * smirnov_sf(n, x));
	if (n <= 100000 && (double)n * pow(x, 1.5) <= 1.4)
		return clip01(1.0 - durbin_cdf(n, x));
	return clip01(1.0 - pelz_good_cdf(n, x));
}

/* The largest sample the exact two-sample distribution is taken for
   (SciPy's 'auto'). */
#define KS_EXACT_MAX 10000

/*
 * scipy.stats.ks_2samp(x, y), two-sided, method 'auto'.  D as SciPy
 * computes it (the largest difference of the empirical CDFs, as doubles).
 * max(n, m) <= 10000: exact, D rounded to h / lcm(n, m); equal sizes by
 * the reflection formula, others by the lattice.  SciPy falls back to the
 * asymptotic distribution when the exact value comes out outside [0, 1]
 * (only the equal-size sum can, by rounding, for small h): the same here.
 * Else kstwo.sf(D, round(mn / (m + n))), rounding half to even as NumPy.
 * Sorting is O(n) (radix); the exact lattice is bounded as explained above.
 */
int
nlp_ks_2samp(const double *x, size_t n, const double *y, size_t m,
    double *d, double *p, int *exact)
{
	double *xs, *ys, dn = (double)n, dm = (double)m, maxs = 0, mins = 0;
	double D, prob = NAN;
	size_t i = 0, j = 0;
	int ex = 0;

	if (n == 0 || m == 0)
		return -1;
	xs = sorted_copy(x, n);
	ys = sorted_copy(y, m);
	if (xs == NULL || ys == NULL) {
		free(xs), free(ys);
		return -1;
	}
	while (i < n || j < m) {
		double v, diff;
		if (j >= m || (i < n && !before(ys[j], xs[i])))
			v = xs[i];
		else
			v = ys[j];
		while (i < n && !before(v, xs[i]))
			i++;
		while (j < m && !before(v, ys[j]))
			j++;
		diff = (double)i / dn - (double)j / dm;
		if (diff > maxs)
			maxs = diff;
		if (-diff > mins)
			mins = -diff;
	}
	free(xs), free(ys);
	D = mins > maxs ? mins : maxs;
	if (D > 1)
		D = 1;
	if ((n > m ? n : m) <= KS_EXACT_MAX) {
		long a = (long)n, b = (long)m, g = a, r = b, lcm, h;
		while (r) {
			long t = g % r;
			g = r, r = t;
		}
		lcm = (a / g) * b;
		h = (long)nearbyint(D * (double)lcm);
		D = (double)h / (double)lcm;
		if (h == 0)
			prob = 1.0;
		else if (a == b)
			prob = ks_square_sf(a, h);
		else
			prob = ks_inside_sf(a, b, g, h);
		if (isnan(prob))
			return -1;
		ex = prob >= 0 && prob <= 1;
	}
	if (!ex) {
		double big = dn > dm ? dn : dm, small = dn > dm ? dm : dn;
		double en = big * small / (big + small);
		prob = kolmogorov_sf((long)nearbyint(en), D);
		if (isnan(prob))
			return -1;
	}
	*d = D;
	*p = clip01(prob);
	*exact = ex;
	return 0;
}

/* ----------------------------------------------------------------------
 * The regularized upper incomplete gamma function.
 */

/*
 * x^a e^-x / Gamma(a), the factor common to the series and the continued
 * fraction.  For a >= 10 from Stirling's series: with t = (x - a)/a it is
 * sqrt(a / 2pi) exp(a (log1p(t) - t) - mu(a)), mu the Stirling correction,
 * and log1p(t) - t by its own series for |t| < 0.1 -- no large logarithms
 * cancel, so the relative error stays ~ 1e-16 (1 + a t^2) instead of
 * ~ 1e-16 a ln x.  For a < 10, directly.
 */
static double
gamma_prefactor(double a, double x)
{
	double t, l, term, u;
	int k;

	if (a < 10)
		return exp(a * log(x) - x - log(tgamma(a)));
	t = (x - a) / a;
	if (fabs(t) < 0.1) {    /* log1p(t) - t = -t^2/2 + t^3/3 - ... */
		l = 0;
		term = t * t;
		for (k = 2; k < 40; k++) {
			u = term / k;
			l += (k & 1) ? u : -u;
			term *= t;
			if (fabs(u) < 1e-17 * fabs(l))
				break;
		}
	} else {
		l = log1p(t) - t;
	}
	return sqrt(a / TWO_PI) * exp(a * l - stirling_mu(a));
}

/*
 * Q(a, x) = Gamma(a, x) / Gamma(a) (scipy.special.gammaincc).  For
 * x < a + 1 the series P = f sum_k x^k / (a (a+1) ... (a+k)) and Q = 1 - P;
 * otherwise Legendre's continued fraction for Q by the modified Lentz
 * method (Numerical Recipes 6.2).  Either takes O(sqrt(a)) terms near
 * x ~ a (~900 at a = 10^4; 40 us at a = 10^6).  Against mpmath at 3000
 * random points, a from 1e-3 to 1e5: absolute error <= 1.4e-15, relative
 * <= 1.2e-12 wherever Q > 1e-300 (the worst for a < 0.01, where 1 - P
 * cancels); SciPy's own: 7e-15 and 1.3e-11.
 */
double
nlp_gamma_q(double a, double x)
{
	double f;

	if (isnan(a) || isnan(x) || a < 0 || x < 0)
		return NAN;
	if (a == 0)
		return x > 0 ? 0.0 : NAN;
	if (x == 0)
		return 1.0;
	if (isinf(a))
		return isinf(x) ? NAN : 1.0;
	if (isinf(x))
		return 0.0;
	f = gamma_prefactor(a, x);
	if (x < a + 1) {
		double ap = a, del = 1.0 / a, sum = del;
		int k;
		for (k = 0; k < 100000; k++) {
			ap += 1;
			del *= x / ap;
			sum += del;
			if (del < sum * 1e-17)
				break;
		}
		return 1.0 - sum * f;
	} else {
		double b = x + 1 - a, c = 1 / DBL_MIN, dd = 1 / b, hh = dd;
		int k;
		for (k = 1; k < 100000; k++) {
			double an = -k * (k - a), del;
			b += 2;
			dd = an * dd + b;
			if (fabs(dd) < DBL_MIN)
				dd = DBL_MIN;
			c = b + an / c;
			if (fabs(c) < DBL_MIN)
				c = DBL_MIN;
			dd = 1 / dd;
			del = dd * c;
			hh *= del;
			if (fabs(del - 1) < 1e-16)
				break;
		}
		return hh * f;
	}
}

/*
 * scipy.stats.chisquare(obs, exp): sum (o - e)^2 / e (compensated), and
 * chi2.sf(stat, k - 1) = Q((k-1)/2, stat/2).  SciPy also refuses tables
 * whose totals differ by more than 1e-8 relative; that check is the
 * caller's here.
 */
int
nlp_chisquare(const double *obs, const double *exp, size_t k, double *stat,
    double *p)
{
	struct ksum s = { 0, 0 };
	size_t i;

	if (k < 2)
		return -1;
	for (i = 0; i < k; i++) {
		double dlt = obs[i] - exp[i];
		kadd(&s, dlt * dlt / exp[i]);
	}
	*stat = ksum_value(&s);
	*p = nlp_gamma_q((double)(k - 1) / 2, *stat / 2);
	return 0;
}

int
nlp_chisquare_2samp(const double *a, const double *b, size_t k,
    double min_expected, double *stat, double *p)
{
	double at = 0, bt = 0, x = 0, ea, eb;
	size_t i, m = 0;

	for (i = 0; i < k; i++)
		at += a[i], bt += b[i];
	for (i = 0; i < k; i++) {
		if (a[i] + b[i] <= 0)
			continue;
		ea = (a[i] + b[i]) * at / (at + bt);
		eb = (a[i] + b[i]) * bt / (at + bt);
		if (ea < min_expected || eb < min_expected)
			return -1;
		x += (a[i] - ea) * (a[i] - ea) / ea +
		    (b[i] - eb) * (b[i] - eb) / eb;
		m++;
	}
	if (m < 2)
		return -1;
	*stat = x;
	*p = nlp_gamma_q((double)(m - 1) / 2, x / 2);
	return 0;
}

/* ----------------------------------------------------------------------
 * Divergences between two histograms.
 */

/* x ln(x / y) as scipy.special.rel_entr: 0 for x == 0, inf for y == 0 < x
 * or x < 0. */
static double
rel_entr(double x, double y)
{
	if (isnan(x) || isnan(y))
		return NAN;
	if (x > 0 && y > 0)
		return x * log(x / y);
	if (x == 0 && y >= 0)
		return 0.0;
	return INFINITY;
}

/*
 * scipy.spatial.distance.jensenshannon(p, q, base=2): sqrt of the JS
 * divergence in bits, sqrt((KL(p||m) + KL(q||m)) / 2 / ln 2), m = (p+q)/2,
 * after normalizing p and q.  Where rounding makes the divergence a hair
 * below 0 (p and q nearly equal) SciPy returns NaN; 0 here.
 */
double
nlp_jensenshannon(const double *p, const double *q, size_t k)
{
	struct ksum sp = { 0, 0 }, sq = { 0, 0 }, l = { 0, 0 }, r = { 0, 0 };
	double tp, tq, js;
	size_t i;

	for (i = 0; i < k; i++) {
		kadd(&sp, p[i]);
		kadd(&sq, q[i]);
	}
	tp = ksum_value(&sp), tq = ksum_value(&sq);
	if (tp == 0 || tq == 0)         /* SciPy divides 0 by 0 */
		return NAN;
	for (i = 0; i < k; i++) {
		double a = p[i] / tp, b = q[i] / tq, mm = (a + b) / 2.0;
		double u = rel_entr(a, mm), v = rel_entr(b, mm);
		if (isnan(u) || isnan(v))
			return NAN;
		if (isinf(u) || isinf(v))
			return INFINITY;
		kadd(&l, u);
		kadd(&r, v);
	}
	js = (ksum_value(&l) + ksum_value(&r)) / log(2.0);
	if (isnan(js))
		return NAN;
	return js > 0 ? sqrt(js / 2.0) : 0.0;
}

/* PSI (which = 0) or KL(q || p) (which = 1), over (p_i + eps) / sum and
 * (q_i + eps) / sum.  Bins empty in both add nothing; a bin empty in one
 * only (eps = 0) makes the result infinite (KL: empty in p only). */
static double
divergence(const double *p, const double *q, size_t k, double eps, int which)
{
	struct ksum sp = { 0, 0 }, sq = { 0, 0 }, s = { 0, 0 };
	double tp, tq;
	size_t i;

	for (i = 0; i < k; i++) {
		kadd(&sp, p[i] + eps);
		kadd(&sq, q[i] + eps);
	}
	tp = ksum_value(&sp), tq = ksum_value(&sq);
	if (!(tp > 0 && tq > 0))
		return NAN;
	for (i = 0; i < k; i++) {
		double a = (p[i] + eps) / tp, b = (q[i] + eps) / tq, t;
		if (a < 0 || b < 0)
			return NAN;
		if (b == 0)
			t = which ? 0.0 : (a == 0 ? 0.0 : INFINITY);
		else if (a == 0)
			t = INFINITY;
		else
			t = (which ? b : b - a) * log(b / a);
		if (isinf(t))
			return INFINITY;
		kadd(&s, t);
	}
	return ksum_value(&s);
}

/* Population stability index: sum (q - p) ln(q / p), >= 0. */
double
nlp_psi(const double *p, const double *q, size_t k, double eps)
{
	return divergence(p, q, k, eps, 0);
}

/* KL(q || p) = sum q ln(q / p), in nats, >= 0. */
double
nlp_kl(const double *p, const double *q, size_t k, double eps)
{
	return divergence(p, q, k, eps, 1);
}

/* ----------------------------------------------------------------------
 * scipy.stats.wasserstein_distance(x, y): the integral of |F_x - F_y|,
 * summed exactly as SciPy defines it, sum over the sorted pooled values of
 * |i/n - j/m| (v_{k+1} - v_k), compensated (SciPy: pairwise).  NAN for an
 * empty sample or out of memory.
 */
double
nlp_wasserstein(const double *x, size_t n, const double *y, size_t m)
{
	struct ksum s = { 0, 0 };
	double *xs, *ys, prev = 0, dn = (double)n, dm = (double)m;
	size_t i = 0, j = 0;
	int started = 0;

	if (n == 0 || m == 0)
		return NAN;
	xs = sorted_copy(x, n);
	ys = sorted_copy(y, m);
	if (xs == NULL || ys == NULL) {
		free(xs), free(ys);
		return NAN;
	}
	while (i < n || j < m) {
		double v;
		if (j >= m || (i < n && !before(ys[j], xs[i])))
			v = xs[i];
		else
			v = ys[j];
		if (started)
			kadd(&s, fabs((double)i / dn - (double)j / dm) * (v - prev));
		while (i < n && !before(v, xs[i]))
			i++;
		while (j < m && !before(v, ys[j]))
			j++;
		prev = v;
		started = 1;
	}
	free(xs), free(ys);
	return ksum_value(&s);
}

/* ----------------------------------------------------------------------
 * Weighted samples (nlp_ks_2samp_w, nlp_wasserstein_w).
 */

struct wvalue {
	double v, w;
};

static int
cmp_wvalue(const void *a, const void *b)
{
	const struct wvalue *x = a, *y = b;

	return before(x->v, y->v) ? -1 : before(y->v, x->v) ? 1 : 0;
}

/* x with its weights, sorted by value (NULL when out of memory); the
 * weights' sum in *total. */
static struct wvalue *
wsorted(const double *x, const double *w, size_t n, double *total)
{
	struct wvalue *s = malloc((n ? n : 1) * sizeof *s);
	size_t i;

	*total = 0;
	if (s == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		s[i].v = x[i];
		s[i].w = w != NULL ? w[i] : 1;
		*total += s[i].w;
	}
	qsort(s, n, sizeof *s, cmp_wvalue);
	return s;
}

double
nlp_effective_size(const double *w, size_t n)
{
	double s = 0, ss = 0;
	size_t i;

	if (w == NULL)
		return (double)n;
	for (i = 0; i < n; i++) {
		s += w[i];
		ss += w[i] * w[i];
	}
	return ss > 0 ? s * s / ss : 0;
}

/* The two weighted CDFs walked together: the largest differences each
 * way (KS) and, with area, the integral of their absolute difference
 * (Wasserstein).  -1 when out of memory. */
static int
wwalk(const double *x, const double *xw, size_t n, const double *y,
    const double *yw, size_t m, double *d, struct ksum *area)
{
	struct wvalue *xs, *ys;
	double tn, tm, ci = 0, cj = 0, maxs = 0, mins = 0, prev = 0;
	size_t i = 0, j = 0;
	int started = 0;

	xs = wsorted(x, xw, n, &tn);
	ys = wsorted(y, yw, m, &tm);
	if (xs == NULL || ys == NULL || !(tn > 0 && tm > 0)) {
		free(xs), free(ys);
		return -1;
	}
	while (i < n || j < m) {
		double v, diff;
		if (j >= m || (i < n && !before(ys[j].v, xs[i].v)))
			v = xs[i].v;
		else
			v = ys[j].v;
		if (area != NULL && started)
			kadd(area, fabs(ci / tn - cj / tm) * (v - prev));
		while (i < n && !before(v, xs[i].v))
			ci += xs[i++].w;
		while (j < m && !before(v, ys[j].v))
			cj += ys[j++].w;
		diff = ci / tn - cj / tm;
		if (diff > maxs)
			maxs = diff;
		if (-diff > mins)
			mins = -diff;
		prev = v;
		started = 1;
	}
	free(xs), free(ys);
	*d = mins > maxs ? mins : maxs;
	if (*d > 1)
		*d = 1;
	return 0;
}

/* x with each value written out w[i] times (w NULL: x itself, copied), or
 * NULL when out of memory; the number in *len. */
static double *
copies(const double *x, const double *w, size_t n, size_t *len)
{
	double *out;
	size_t i, k, t = 0;

	for (i = 0; i < n; i++)
		t += w != NULL ? (size_t)w[i] : 1;
	if ((out = malloc((t ? t : 1) * sizeof *out)) == NULL)
		return NULL;
	for (i = 0, t = 0; i < n; i++)
		for (k = 0; k < (w != NULL ? (size_t)w[i] : 1); k++)
			out[t++] = x[i];
	*len = t;
	return out;
}

double
nlp_sample_size(const double *w, size_t n, int all)
{
	double t = 0;
	size_t i;

	if (!all)
		return nlp_effective_size(w, n);
	for (i = 0; i < n; i++)
		t += w != NULL ? w[i] : 1;
	return t;
}

int
nlp_ks_2samp_w(const double *x, const double *xw, size_t n, int xall,
    const double *y, const double *yw, size_t m, int yall, double *d,
    double *p, int *exact)
{
	double D, ne, me, en, prob;

	if (xw == NULL && yw == NULL)
		return nlp_ks_2samp(x, n, y, m, d, p, exact);
	ne = nlp_sample_size(xw, n, xall);
	me = nlp_sample_size(yw, m, yall);
	if (xall && yall && ne <= KS_EXACT_MAX && me <= KS_EXACT_MAX) {
		/* every record of both sides, within the exact test's
		   reach: the test of the records, written out */
		size_t nx, ny;
		double *cx = copies(x, xw, n, &nx), *cy = copies(y, yw, m, &ny);
		int rc = cx != NULL && cy != NULL ? nlp_ks_2samp(cx, nx, cy, ny,
		    d, p, exact) : -1;
		free(cx), free(cy);
		return rc;
	}
	if (n == 0 || m == 0 || wwalk(x, xw, n, y, yw, m, &D, NULL) < 0)
		return -1;
	en = ne * me / (ne + me);
	prob = kolmogorov_sf((long)nearbyint(en < 1 ? 1 : en), D);
	if (isnan(prob))
		return -1;
	*d = D;
	*p = clip01(prob);
	*exact = 0;
	return 0;
}

double
nlp_wasserstein_w(const double *x, const double *xw, size_t n,
    const double *y, const double *yw, size_t m)
{
	struct ksum s = { 0, 0 };
	double d;

	if (xw == NULL && yw == NULL)
		return nlp_wasserstein(x, n, y, m);
	if (n == 0 || m == 0 || wwalk(x, xw, n, y, yw, m, &d, &s) < 0)
		return NAN;
	return ksum_value(&s);
}

/* ----------------------------------------------------------------------
 * ROC AUC as the Mann-Whitney statistic: over all (positive, negative)
 * pairs, the share where the positive scores higher, ties counting half --
 * exactly the area under sklearn's ROC curve (trapezoids between distinct
 * thresholds).  Counts are whole or half numbers, exact in doubles below
 * 2^52 pairs; one division at the end.  O(n log n).  A label other than 0
 * counts as 1.  NAN (where sklearn raises) when a class is missing or a
 * score is NaN; out of memory is -1, apart from those.
 */
struct scored {
	double s;
	int pos;
};

static int
cmp_scored(const void *a, const void *b)
{
	double x = ((const struct scored *)a)->s, y = ((const struct scored *)b)->s;

	return (x > y) - (x < y);
}

int
nlp_roc_auc(const double *score, const int *label, size_t n, double *auc)
{
	struct scored *v;
	double npos = 0, nneg = 0, below = 0, num = 0;
	size_t i, j;

	*auc = NAN;
	for (i = 0; i < n; i++) {
		if (isnan(score[i]))
			return 0;
		if (label[i])
			npos++;
		else
			nneg++;
	}
	if (npos == 0 || nneg == 0)
		return 0;
	v = malloc(n * sizeof *v);
	if (v == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		v[i].s = score[i];
		v[i].pos = label[i] != 0;
	}
	qsort(v, n, sizeof *v, cmp_scored);
	for (i = 0; i < n; i = j) {
		double p = 0, q = 0;
		for (j = i; j < n && v[j].s == v[i].s; j++) {
			if (v[j].pos)
				p++;
			else
				q++;
		}
		num += p * below + p * q / 2;
		below += q;
	}
	free(v);
	*auc = num / (npos * nneg);
	return 0;
}

int
nlp_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
nlp_normal_isf(double p)
{
	double lo = -40, hi = 40, mid = 0;
	int i;

	/* the upper tail falls as z grows: bisect on it (erfc is exact in
	   both tails, where 1 - erf would lose the digits) */
	for (i = 0; i < 200 && hi - lo > 1e-13; i++) {
		mid = (lo + hi) / 2;
		if (0.5 * erfc(mid / M_SQRT2) > p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

void
nlp_wilson(double k, double n, double z, double *lo, double *hi)
{
	double p, z2, c, w;

	if (n <= 0) {
		*lo = 0;
		*hi = 1;
		return;
	}
	p = k / n;
	z2 = z * z;
	c = (p + z2 / (2 * n)) / (1 + z2 / n);
	w = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
	*lo = c - w > 0 ? c - w : 0;
	*hi = c + w < 1 ? c + w : 1;
}
