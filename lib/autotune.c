/*
 * autotune.c - the search behind `train --autotune` (see autotune.h).
 */
#include "autotune.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rng.h"

/* The grid: each option's values, in increasing order (char n-grams: none,
 * then shorter to longer ranges). */
static const double LR[] = { 0.25, 0.5, 1, 2, 4 };
static const unsigned EPOCHS[] = { 5, 10, 20, 40 };
static const unsigned NGRAMS[] = { 1, 2, 3 };
static const unsigned CHARS[][2] = { { 0, 0 }, { 2, 4 }, { 3, 5 } };
static const unsigned BITS[] = { 0, 20, 22, 24 };        /* 0: sized */
static const unsigned MIN_DF[] = { 0, 1, 2, 3 };         /* 0: by size */
static const double L2[] = { 0, 1e-7, 1e-6, 1e-5 };
/* the default, 2, on it: a trial near the first must not move it to 1
   or 3 unasked, nor can one of cost 1 be taken for the first */
static const double COST[] = { 0.1, 0.3, 1, 2, 3, 10 };

#define NPARAM 8
#define LEN(a) (sizeof (a) / sizeof (a)[0])

static const unsigned grid_len[NPARAM] = {
	LEN(LR), LEN(EPOCHS), LEN(NGRAMS), LEN(CHARS), LEN(BITS), LEN(MIN_DF),
	LEN(L2), LEN(COST),
};

/* A point of the grid: one index per option, in NLP_TUNE_* bit order. */
struct point {
	unsigned i[NPARAM];
};

/* The grid index nearest v among n sorted values (the first of a tie). */
static unsigned
nearest_d(const double *vals, unsigned n, double v)
{
	unsigned k, best = 0;

	for (k = 1; k < n; k++)
		if (fabs(vals[k] - v) < fabs(vals[best] - v))
			best = k;
	return best;
}

static unsigned
nearest_u(const unsigned *vals, unsigned n, unsigned v)
{
	unsigned k, best = 0;

	for (k = 1; k < n; k++)
		if ((vals[k] > v ? vals[k] - v : v - vals[k]) <
		    (vals[best] > v ? vals[best] - v : v - vals[best]))
			best = k;
	return best;
}

/* The grid point nearest the options o. */
static struct point
point_of(const struct nlp_train_opts *o)
{
	struct point p;
	unsigned k;

	p.i[0] = nearest_d(LR, LEN(LR), o->lr);
	p.i[1] = nearest_u(EPOCHS, LEN(EPOCHS), o->epochs);
	p.i[2] = nearest_u(NGRAMS, LEN(NGRAMS), o->ngrams);
	p.i[3] = 0;
	for (k = 1; k < LEN(CHARS); k++)
		if (CHARS[k][0] == o->char_min && CHARS[k][1] == o->char_max)
			p.i[3] = k;
	if (o->char_min != 0 && p.i[3] == 0)
		p.i[3] = LEN(CHARS) - 1;
	p.i[4] = nearest_u(BITS, LEN(BITS), o->bits);
	p.i[5] = nearest_u(MIN_DF, LEN(MIN_DF), o->min_df);
	p.i[6] = nearest_d(L2, LEN(L2), o->l2);
	p.i[7] = nearest_d(COST, LEN(COST), o->cost);
	return p;
}

/* The options of grid point p: base's, with the options not fixed from p. */
static void
apply(struct nlp_train_opts *o, const struct nlp_train_opts *base,
    const struct point *p, unsigned fixed)
{
	*o = *base;
	if (!(fixed & NLP_TUNE_LR))
		o->lr = LR[p->i[0]];
	if (!(fixed & NLP_TUNE_EPOCHS))
		o->epochs = EPOCHS[p->i[1]];
	if (!(fixed & NLP_TUNE_NGRAMS))
		o->ngrams = NGRAMS[p->i[2]];
	if (!(fixed & NLP_TUNE_CHAR)) {
		o->char_min = CHARS[p->i[3]][0];
		o->char_max = CHARS[p->i[3]][1];
	}
	if (!(fixed & NLP_TUNE_BITS))
		o->bits = BITS[p->i[4]];
	if (!(fixed & NLP_TUNE_MIN_DF))
		o->min_df = MIN_DF[p->i[5]];
	if (!(fixed & NLP_TUNE_L2))
		o->l2 = L2[p->i[6]];
	if (!(fixed & NLP_TUNE_COST))
		o->cost = COST[p->i[7]];
}

/* The options two points give are the same (fixed options aside). */
static int
same_point(const struct point *a, const struct point *b, unsigned fixed)
{
	unsigned k;

	for (k = 0; k < NPARAM; k++)
		if (!(fixed & (1u << k)) && a->i[k] != b->i[k])
			return 0;
	return 1;
}

/* A uniform draw from 0..n-1. */
static unsigned
draw(uint64_t *state, unsigned n)
{
	return (unsigned)(nlp_rand_next(state) % n);
}

/* A random point. */
static struct point
random_point(uint64_t *state)
{
	struct point p;
	unsigned k;

	for (k = 0; k < NPARAM; k++)
		p.i[k] = draw(state, grid_len[k]);
	return p;
}

/* One or two options of p not fixed moved a step up or down the grid. */
static struct point
near_point(const struct point *from, unsigned fixed, uint64_t *state)
{
	struct point p = *from;
	unsigned free_[NPARAM], nfree = 0, k, steps;

	for (k = 0; k < NPARAM; k++)
		if (!(fixed & (1u << k)) && grid_len[k] > 1)
			free_[nfree++] = k;
	if (nfree == 0)
		return p;
	steps = 1 + draw(state, 2);
	while (steps-- > 0) {
		k = free_[draw(state, nfree)];
		if (p.i[k] == 0)
			p.i[k] = 1;
		else if (p.i[k] == grid_len[k] - 1)
			p.i[k]--;
		else if (draw(state, 2))
			p.i[k]++;
		else
			p.i[k]--;
	}
	return p;
}

/* Does trial a beat trial b? */
static int
better(const struct nlp_autotune_trial *a, const struct nlp_autotune_trial *b)
{
	if (a->macro_f1 != b->macro_f1)
		return a->macro_f1 > b->macro_f1;
	return a->accuracy > b->accuracy;
}

/* Score trial tr by K-fold cross-validation: its figures are the means
   over the folds.  NLP_DATA from a fold marks the trial failed; anything
   else is returned. */
static int
cross_validate(const char *const *paths, size_t n,
    struct nlp_autotune_trial *tr, unsigned folds, struct nlp_err *e)
{
	struct nlp_train_opts o = tr->o;
	struct nlp_trained t;
	double f1 = 0, acc = 0;
	unsigned f;
	int rc;

	o.folds = folds;
	for (f = 0; f < folds; f++) {
		o.fold = f;
		if ((rc = nlp_train(paths, n, &o, &t, e)) != NLP_OK) {
			if (rc != NLP_DATA)
				return rc;
			tr->failed = 1;
			snprintf(tr->msg, sizeof tr->msg, "%s", e->msg);
			return NLP_OK;
		}
		f1 += t.held_out_macro_f1;
		acc += t.held_out_accuracy;
		nlp_trained_release(&t);
	}
	tr->macro_f1 = f1 / folds;
	tr->accuracy = acc / folds;
	return NLP_OK;
}

int
nlp_autotune(const char *const *paths, size_t n,
    const struct nlp_train_opts *base, const struct nlp_autotune_opts *ao,
    nlp_autotune_report report, void *arg, struct nlp_trained *best,
    struct nlp_autotune_trial *best_trial, struct nlp_err *e)
{
	struct point tried[NLP_TUNE_MAX_TRIALS], best_p, p;
	struct nlp_autotune_trial tr;
	char first_failure[sizeof e->msg] = "";
	struct nlp_trained t;
	uint64_t state = base->seed ^ 0x6175746f74756e65ULL;   /* "autotune" */
	unsigned k, tries, random_until = (ao->trials + 1) / 2;
	/* the other solver's options are as good as pinned */
	unsigned fixed = ao->fixed | (nlp_train_solver(base) == NLP_SOLVER_SVM ?
	    NLP_TUNE_LR | NLP_TUNE_EPOCHS | NLP_TUNE_L2 : NLP_TUNE_COST);
	int rc, have = 0, fresh, alike = 1, stop = 0;

	memset(best, 0, sizeof *best);
	memset(best_trial, 0, sizeof *best_trial);
	if (ao->trials < 1 || ao->trials > NLP_TUNE_MAX_TRIALS)
		return nlp_errf(e, NLP_USAGE, "--trials takes 1 to %d",
		    NLP_TUNE_MAX_TRIALS);
	if (ao->cv == 1 || ao->cv > NLP_TUNE_MAX_FOLDS)
		return nlp_errf(e, NLP_USAGE, "--cv takes 2 to %d",
		    NLP_TUNE_MAX_FOLDS);
	best_p = point_of(base);
	for (k = 0; k < ao->trials; k++) {
		memset(&tr, 0, sizeof tr);
		tr.number = k + 1;
		tr.trials = ao->trials;
		if (k == 0) {
			tr.o = *base;
			p = best_p;
		} else {
			/* a point not tried yet: a few draws where the phase
			   looks, then anywhere on the grid; none left (the
			   options given pin most of it), the search ends */
			for (tries = 0, fresh = 0; !fresh && tries < 32 + 4096;
			    tries++) {
				unsigned j;
				p = k < random_until || tries >= 32 ?
				    random_point(&state) :
				    near_point(&best_p, fixed, &state);
				for (j = 0; j < k; j++)
					if (same_point(&p, &tried[j], fixed))
						break;
				fresh = j == k;
			}
			if (!fresh)
				break;
			apply(&tr.o, base, &p, fixed);
		}
		tried[k] = p;
		tr.o.refit = 0;  /* the trial's figures; the kept model below */
		rc = ao->cv ? cross_validate(paths, n, &tr, ao->cv, e) :
		    nlp_train(paths, n, &tr.o, &t, e);
		/* a trial whose options leave no model (--min-df over every
		   feature), the first too: the search goes on -- unless the
		   first three fail alike for a reason no searched option
		   changes, the data's (one label, no example) */
		if ((rc == NLP_DATA && !ao->cv) || (rc == NLP_OK && tr.failed)) {
			const char *why = tr.failed ? tr.msg : e->msg;
			if (k == 0) {
				snprintf(first_failure, sizeof first_failure, "%s",
				    why);
				/* features too rare: char n-grams or a lower
				   --min-df may make some */
				alike = strstr(why, "(--min-df)") == NULL;
			} else if (strcmp(why, first_failure) != 0) {
				alike = 0;
			} else if (k == 2 && alike && !have) {
				stop = 1;
			}
		} else {
			alike = 0;
		}
		if (rc == NLP_OK && ao->cv) {
			/* the figures, not a model: keep the options */
			if (!tr.failed && (!have || better(&tr, best_trial))) {
				*best_trial = tr;
				best_p = p;
				have = 1;
			}
			tr.best = have ? best_trial->number : 0;
			if (report != NULL)
				report(arg, &tr);
			if (stop)
				break;
			continue;
		}
		if (rc == NLP_DATA) {
			tr.failed = 1;
			snprintf(tr.msg, sizeof tr.msg, "%s", e->msg);
		} else if (rc != NLP_OK) {
			goto fail;
		} else if (t.held_out == 0) {
			nlp_trained_release(&t);
			rc = nlp_errf(e, NLP_DATA, "--autotune needs validation "
			    "data to choose by: --valid FILE, or 1000 examples or "
			    "more for a held-out slice (--holdout)");
			goto fail;
		} else {
			tr.macro_f1 = t.held_out_macro_f1;
			tr.accuracy = t.held_out_accuracy;
			if (!have || better(&tr, best_trial)) {
				if (have)
					nlp_trained_release(best);
				*best = t;
				*best_trial = tr;
				best_p = p;
				have = 1;
			} else {
				nlp_trained_release(&t);
			}
		}
		tr.best = have ? best_trial->number : 0;
		if (report != NULL)
			report(arg, &tr);
		if (stop)
			break;
	}
	/* no trial made a model: the first one's reason */
	if (!have) {
		rc = nlp_errf(e, NLP_DATA, "%s", first_failure);
		goto fail;
	}
	best_trial->trials = k;     /* fewer when the grid ran out */
	best_trial->o.refit = base->refit;
	if (ao->cv || (base->refit && base->valid == NULL)) {
		/* the model kept: the best options on all the data (after
		   their held-out figures, the trial's again) */
		if (have && !ao->cv)
			nlp_trained_release(best);
		have = 0;
		if ((rc = nlp_train(paths, n, &best_trial->o, best, e)) !=
		    NLP_OK)
			goto fail;
	}
	return NLP_OK;
fail:
	if (have)
		nlp_trained_release(best);
	memset(best, 0, sizeof *best);
	return rc;
}
