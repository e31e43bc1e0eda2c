/*
 * svm.c - one-against-the-rest linear SVMs by dual coordinate descent
 * (svm.h).  The method is that of Hsieh, Chang, Lin, Keerthi and
 * Sundararajan, "A dual coordinate descent method for large-scale linear
 * SVM" (ICML 2008), algorithm 3 with the L2 loss: for the squared hinge
 * the dual is min 1/2 a'(Q + D)a - e'a over a >= 0, Q_ij = y_i y_j x_i.x_j,
 * D_ii = 1 / (2 C_i); one coordinate at a time has a closed-form step, and
 * w = sum_i a_i y_i x_i is kept up to date so each step costs one sparse
 * dot product.  Coordinates at a = 0 whose gradient says they will stay
 * there are set aside (shrinking) until the rest converge, then all are
 * checked once more.
 */
#include "svm.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "rng.h"

/* The temperature is fitted on at most this many examples (their scores,
 * C floats each, are kept), and lies in [TEMP_MIN, TEMP_MAX]. */
#define CALIB_MAX 5000
/* Held-out examples fewer than this leave the temperature to the training
 * data's fit: one example classified right gave a temperature of 100. */
#define CALIB_MIN 100
#define TEMP_MIN 0.01
#define TEMP_MAX 100.0

/* How many examples ahead their features are asked for. */
#define PREFETCH 6

/* One thread's working memory: a problem's weights (the bias last), dual
 * variables and visiting order. */
struct scratch {
	float *w;
	double *alpha;
	uint32_t *index;
};

struct diag {
	double d, q;
};

struct job {
	const struct nlp_dataset *d;
	const struct nlp_svm_opts *o;
	/* each example's D_ii = 1 / (2 C_i) (infinite when C_i is 0) and
	   Q_ii + D_ii = x_i.x_i + 1 (the bias feature) + D_ii: the same for
	   every problem, worked out once */
	const struct diag *diag;
	/* the examples' rows renumbered by how many examples have them,
	   commonest first, and the row each new number stands for: the
	   weights the data touches most share a few cache lines */
	const uint32_t *xrow, *was;
	float *w, *bias;         /* the result, row-major */
	uint32_t nproblems;      /* nclasses, or 1 for two classes */
	const uint32_t *order;   /* the problems, the largest classes first */
	/* scratch sets, as many as problems can run at once (fewer than the
	   pool's threads when there are fewer problems), handed out from a
	   stack: nlp_pool_thread() would need one for every thread */
	struct scratch *s;
	unsigned *free_slot, nfree;
	pthread_mutex_t mu;
	unsigned *passes;        /* a problem's passes over the data */
	unsigned ndone;
};

/* Numbers by their count (arg), largest first, then by number: the
 * classes with the most examples (the longest problems start first, so
 * that no thread is left with a long one at the end), the rows most
 * examples have. */
static int
cmp_count(const void *a, const void *b, void *arg)
{
	const uint32_t *count = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (count[x] != count[y])
		return count[x] > count[y] ? -1 : 1;
	return (x > y) - (x < y);
}

/* j->xrow and j->was for d (arrays of d's nnz and nrows); uses is
 * scratch of nrows.  The sums are the same in any numbering. */
static void
renumber(const struct nlp_dataset *d, uint32_t *xrow, uint32_t *was,
    uint32_t *uses)
{
	size_t k, nnz = d->start[d->n];
	uint32_t r;

	memset(uses, 0, (size_t)d->nrows * sizeof *uses);
	for (k = 0; k < nnz; k++)
		uses[d->row[k]]++;
	for (r = 0; r < d->nrows; r++)
		was[r] = r;
	qsort_r(was, d->nrows, sizeof *was, cmp_count, uses);
	for (r = 0; r < d->nrows; r++)        /* uses: now the new numbers */
		uses[was[r]] = r;
	for (k = 0; k < nnz; k++)
		xrow[k] = uses[d->row[k]];
}

static double
cost_of(const struct nlp_svm_opts *o, uint32_t y)
{
	return o->cost * (o->class_weight ? (double)o->class_weight[y] : 1.0);
}

/* Solve class c against the rest into s->w (nrows + 1: the bias last);
 * returns the passes made. */
static unsigned
solve(const struct job *j, uint32_t c, struct scratch *s)
{
	const struct nlp_dataset *d = j->d;
	const size_t *st = d->start;
	const uint32_t *row = j->xrow;
	const float *val = d->val;
	float *w = s->w;
	double *alpha = s->alpha;
	uint32_t *index = s->index, nb = d->nrows;
	double pgmax_old = INFINITY;   /* no upper bound: only a = 0 shrinks */
	double eps = j->o->eps > 0 ? j->o->eps : NLP_SVM_EPS;
	uint64_t rng = j->o->seed ^ (0x5e3a11ULL << 20) ^ c;
	size_t n = d->n, active = 0, i, k;
	unsigned pass;

	memset(w, 0, ((size_t)nb + 1) * sizeof *w);
	for (i = 0; i < n; i++) {
		alpha[i] = 0;
		/* an example of a class weighted 0 never moves */
		if (!isfinite(j->diag[i].d))
			continue;
		index[active++] = (uint32_t)i;
		if (i < j->o->alpha_n && j->o->alpha_in != NULL &&
		    j->o->alpha_in[(size_t)c * j->o->alpha_n + i] > 0) {
			/* a warm start: w = sum_i a_i y_i x_i */
			float fdy;

			alpha[i] = j->o->alpha_in[(size_t)c * j->o->alpha_n + i];
			fdy = (float)(d->y[i] == c ? alpha[i] : -alpha[i]);
			for (k = st[i]; k < st[i + 1]; k++)
				w[row[k]] += fdy * val[k];
			w[nb] += fdy;
		}
	}
	n = active;
	for (pass = 1; pass <= NLP_SVM_ITER_MAX; pass++) {
		double pgmax = -INFINITY, pgmin = INFINITY;
		size_t t;

		nlp_shuffle(index, active, &rng);
		for (t = 0; t < active; t++) {
			double g, pg = 0, dii, old, yi;

			i = index[t];
			/* the examples come in a random order, each from
			   anywhere in the data: ask for all the features of
			   one a few ahead (its first two lines alone left the
			   rest of a debian text's ~150 to the hardware's
			   guesses: training 17% slower), and where those of
			   one further on are */
			if (t + 2 * PREFETCH < active)
				__builtin_prefetch(&st[index[t + 2 * PREFETCH]]);
			if (t + PREFETCH < active) {
				size_t f = st[index[t + PREFETCH]];
				size_t nf = st[index[t + PREFETCH] + 1] - f;
				NLP_PREFETCH_SPAN(&row[f], nf * sizeof *row, 3);
				NLP_PREFETCH_SPAN(&val[f], nf * sizeof *val, 3);
			}
			yi = d->y[i] == c ? 1.0 : -1.0;
			dii = j->diag[i].d;
			{
				float dot = w[nb];
				for (k = st[i]; k < st[i + 1]; k++)
					dot += w[row[k]] * val[k];
				g = yi * dot - 1 + alpha[i] * dii;
			}
			if (alpha[i] == 0) {
				if (g > pgmax_old) {
					/* set aside: look at the swapped-in one */
					active--;
					index[t] = index[active];
					index[active] = (uint32_t)i;
					t--;
					continue;
				}
				if (g < 0)
					pg = g;
			} else {
				pg = g;
			}
			if (pg > pgmax)
				pgmax = pg;
			if (pg < pgmin)
				pgmin = pg;
			if (fabs(pg) <= 1e-12)
				continue;
			old = alpha[i];
			alpha[i] = fmax(old - g / j->diag[i].q, 0);
			{
				float fdy = (float)((alpha[i] - old) * yi);
				for (k = st[i]; k < st[i + 1]; k++)
					w[row[k]] += fdy * val[k];
				w[nb] += fdy;
			}
		}
		if (pgmax - pgmin <= eps) {
			if (active == n)
				break;
			/* converged on the active ones: check all once more */
			active = n;
			pgmax_old = INFINITY;
			continue;
		}
		pgmax_old = pgmax > 0 ? pgmax : INFINITY;
	}
	return pass > NLP_SVM_ITER_MAX ? NLP_SVM_ITER_MAX + 1 : pass;
}

static void
run_problem(void *arg, size_t p)
{
	struct job *j = arg;
	uint32_t C = j->d->nclasses, nb = j->d->nrows, r;
	uint32_t c = j->nproblems == 1 ? 1 : j->order[p];
	struct scratch *s;
	size_t i;
	unsigned slot;

	pthread_mutex_lock(&j->mu);
	slot = j->free_slot[--j->nfree];
	pthread_mutex_unlock(&j->mu);
	s = &j->s[slot];
	j->passes[c] = solve(j, c, s);
	if (j->o->alpha_out != NULL)
		for (i = 0; i < j->d->n; i++)
			j->o->alpha_out[(size_t)c * j->d->n + i] = (float)s->alpha[i];
	for (r = 0; r < nb; r++)
		j->w[(size_t)j->was[r] * C + c] = s->w[r];
	j->bias[c] = s->w[nb];
	if (j->nproblems == 1) {      /* two classes: the other is -w */
		for (r = 0; r < nb; r++)
			j->w[(size_t)j->was[r] * C] = -s->w[r];
		j->bias[0] = -s->w[nb];
	}
	pthread_mutex_lock(&j->mu);
	j->free_slot[j->nfree++] = slot;
	j->ndone++;
	if (j->o->class_done != NULL)
		j->o->class_done(j->o->arg, j->ndone, j->nproblems);
	pthread_mutex_unlock(&j->mu);
}

/*
 * The slope in t of the mean cross-entropy of softmax(t * scores) against
 * Platt's smoothed targets: (n + 1) / (n + 2) on the true class, the rest
 * shared by the others, so that n examples all scored right (the
 * held-out slice of clean data often is) still give a finite t and
 * probabilities that stop short of 1.
 */
static double
calib_slope(const float *sc, const uint32_t *y, size_t n, uint32_t C,
    double t)
{
	double sum = 0, hit = ((double)n + 1) / ((double)n + 2);
	double miss = (1 - hit) / (C - 1);
	size_t i;
	uint32_t c;

	for (i = 0; i < n; i++) {
		const float *s = sc + i * C;
		double max = s[0], z = 0, ez = 0;

		for (c = 1; c < C; c++)
			if (s[c] > max)
				max = s[c];
		double target = 0;

		for (c = 0; c < C; c++) {
			double e = exp(t * (s[c] - max));
			z += e;
			ez += e * s[c];
			target += s[c] * (c == y[i] ? hit : miss);
		}
		sum += ez / z - target;
	}
	return n ? sum / (double)n : 0;
}

/*
 * The temperature: where the log loss's slope in t crosses 0 (the loss is
 * convex in t), by bisection on log t; at a bound when it does not cross.
 */
static int
fit_temperature(const struct nlp_dataset *cal, const float *w,
    const float *bias, double *temp)
{
	size_t n = cal->n < CALIB_MAX ? cal->n : CALIB_MAX, i;
	uint32_t C = cal->nclasses;
	float *sc = malloc((n * C + 1) * sizeof *sc);
	double lo = log(TEMP_MIN), hi = log(TEMP_MAX);
	int it;

	if (sc == NULL)
		return -1;
	for (i = 0; i < n; i++)
		nlp_model_logits(w, bias, C, cal->row + cal->start[i],
		    cal->val + cal->start[i], cal->start[i + 1] - cal->start[i],
		    sc + i * C);
	if (calib_slope(sc, cal->y, n, C, TEMP_MAX) <= 0)
		lo = hi;
	else if (calib_slope(sc, cal->y, n, C, TEMP_MIN) >= 0)
		hi = lo;
	for (it = 0; it < 60 && hi - lo > 1e-9; it++) {
		double mid = 0.5 * (lo + hi);
		if (calib_slope(sc, cal->y, n, C, exp(mid)) > 0)
			hi = mid;
		else
			lo = mid;
	}
	free(sc);
	*temp = exp(0.5 * (lo + hi));
	return 0;
}

int
nlp_svm_train(const struct nlp_dataset *d, const struct nlp_svm_opts *o,
    float *w, float *bias, struct nlp_svm_report *r, struct nlp_err *e)
{
	struct job j;
	unsigned nt = o->pool ? nlp_pool_size(o->pool) : 1, t;
	size_t i, k, nw = (size_t)d->nrows * d->nclasses;
	struct diag *diag = malloc((d->n + 1) * sizeof *diag);
	uint32_t *order = NULL, *xrow = NULL, *was = NULL, *uses = NULL;
	uint32_t *size = NULL;
	int rc = NLP_OK;

	memset(&j, 0, sizeof j);
	memset(r, 0, sizeof *r);
	j.d = d;
	j.o = o;
	j.diag = diag;
	j.w = w;
	j.bias = bias;
	j.nproblems = d->nclasses == 2 ? 1 : d->nclasses;
	if (nt > j.nproblems)
		nt = j.nproblems;
	j.s = calloc(nt, sizeof *j.s);
	j.free_slot = malloc(nt * sizeof *j.free_slot);
	j.passes = calloc(d->nclasses, sizeof *j.passes);
	order = malloc(d->nclasses * sizeof *order);
	size = calloc(d->nclasses, sizeof *size);
	xrow = malloc((d->start[d->n] + 1) * sizeof *xrow);
	was = malloc(((size_t)d->nrows + 1) * sizeof *was);
	uses = malloc(((size_t)d->nrows + 1) * sizeof *uses);
	if (diag == NULL || j.s == NULL || j.free_slot == NULL ||
	    j.passes == NULL || order == NULL || size == NULL ||
	    xrow == NULL || was == NULL || uses == NULL) {
		rc = nlp_errf(e, NLP_IO, "out of memory");
		goto out;
	}
	/* the longest problems first: those with the most examples, or from
	   a warm start those whose solution had the most support vectors
	   (the examples a solve keeps visiting), so that no thread is left
	   with a long one at the end; the order changes no result (two
	   classes are one problem: alpha_out left class 0's unwritten) */
	if (o->alpha_in != NULL && d->nclasses > 2)
		for (i = 0; i < d->nclasses; i++)
			for (k = 0; k < o->alpha_n; k++)
				size[i] += o->alpha_in[i * o->alpha_n + k] > 0;
	else
		for (i = 0; i < d->n; i++)
			size[d->y[i]]++;
	for (i = 0; i < d->nclasses; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, d->nclasses, sizeof *order, cmp_count, size);
	j.order = order;
	renumber(d, xrow, was, uses);
	j.xrow = xrow;
	j.was = was;
	for (t = 0; t < nt; t++) {
		j.s[t].w = malloc(((size_t)d->nrows + 1) * sizeof *j.s[t].w);
		j.s[t].alpha = malloc((d->n + 1) * sizeof *j.s[t].alpha);
		j.s[t].index = malloc((d->n + 1) * sizeof *j.s[t].index);
		if (!j.s[t].w || !j.s[t].alpha || !j.s[t].index) {
			rc = nlp_errf(e, NLP_IO, "out of memory");
			goto out;
		}
		j.free_slot[j.nfree++] = t;
	}
	for (i = 0; i < d->n; i++) {
		double s = 1;             /* the bias feature */
		for (k = d->start[i]; k < d->start[i + 1]; k++)
			s += (double)d->val[k] * (double)d->val[k];
		diag[i].d = 0.5 / cost_of(o, d->y[i]);
		diag[i].q = s + diag[i].d;
	}
	memset(w, 0, nw * sizeof *w);
	memset(bias, 0, d->nclasses * sizeof *bias);
	pthread_mutex_init(&j.mu, NULL);
	if (o->pool != NULL && nt > 1)
		nlp_pool_run(o->pool, j.nproblems, run_problem, &j);
	else
		for (i = 0; i < j.nproblems; i++)
			run_problem(&j, i);
	pthread_mutex_destroy(&j.mu);
	for (i = 0; i < d->nclasses; i++) {
		unsigned p = j.passes[i] > NLP_SVM_ITER_MAX ? NLP_SVM_ITER_MAX :
		    j.passes[i];
		if (p > r->passes_max)
			r->passes_max = p;
		r->unconverged += j.passes[i] > NLP_SVM_ITER_MAX;
	}
	if (o->temperature > 0)
		r->temperature = o->temperature;
	else if (fit_temperature(o->calib && o->calib->n >= CALIB_MIN ?
	    o->calib : d, w, bias, &r->temperature) < 0) {
		rc = nlp_errf(e, NLP_IO, "out of memory");
		goto out;
	}
	for (i = 0; i < nw; i++)
		w[i] = (float)(w[i] * r->temperature);
	for (i = 0; i < d->nclasses; i++)
		bias[i] = (float)(bias[i] * r->temperature);
out:
	if (j.s != NULL)
		for (t = 0; t < nt; t++) {
			free(j.s[t].w);
			free(j.s[t].alpha);
			free(j.s[t].index);
		}
	free(j.s);
	free(j.free_slot);
	free(j.passes);
	free(order);
	free(size);
	free(xrow);
	free(was);
	free(uses);
	free(diag);
	return rc;
}
