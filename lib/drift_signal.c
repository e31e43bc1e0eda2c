/*
 * drift_signal.c - drift's signals and the tokens that changed (see
 * drift_signal.h).
 */
#include "drift_signal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "text.h"

/* A warning, valid UTF-8 whatever a file's name in it holds, and cut on a
 * character when too long (JSON takes nothing else: a name cut in a
 * character made the report fail as out of memory). */
static void
vwarn(struct nlp_drift_report *r, int loud, const char *fmt, va_list ap)
{
	char buf[4 * sizeof r->warning[0]];
	char *w;
	unsigned flags = 0;
	size_t n;

	if (r->nwarnings == NLP_DRIFT_WARNINGS_MAX)
		return;
	w = r->warning[r->nwarnings];
	vsnprintf(buf, sizeof buf, fmt, ap);
	n = nlp_utf8_repair_into(buf, strlen(buf), w, sizeof r->warning[0] - 1,
	    &flags);
	w[n] = '\0';
	r->loud[r->nwarnings++] = (unsigned char)loud;
}

void
nlp_drift_warn(struct nlp_drift_report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(r, 0, fmt, ap);
	va_end(ap);
}

void
nlp_drift_warn_as(struct nlp_drift_report *r, int kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(r, kind, fmt, ap);
	va_end(ap);
}

/*
 * The next signal of r, judged: its verdict is p < threshold (by p-value)
 * or statistic >= threshold (by effect).  NULL when r is full, which the
 * fixed set of signals never makes it (drift.h).
 */
static struct nlp_drift_signal *
add(struct nlp_drift_report *r, const char *name, const char *stat_name,
    double stat, double p, enum nlp_drift_method method, double threshold)
{
	struct nlp_drift_signal *s;

	if (r->nsignals == NLP_DRIFT_SIGNALS_MAX)
		return NULL;
	s = &r->signal[r->nsignals++];
	memset(s, 0, sizeof *s);
	s->name = name;
	s->statistic_name = stat_name;
	s->statistic = stat;
	s->p_value = p;
	s->method = method;
	s->decided_by = method == NLP_DRIFT_BY_P_VALUE ? NLP_DRIFT_SMALL_SAMPLE :
	    NLP_DRIFT_LARGE_SAMPLE;
	s->threshold = threshold;
	/* within 1e-9 of the threshold is at it, as eval's gates have it:
	   0.30 - 0.25 is 0.04999999999999999 in doubles, and printed 0.0500 */
	s->drifted = method == NLP_DRIFT_BY_P_VALUE ? p < threshold :
	    stat >= threshold - 1e-9;
	return s;
}

/* A signal that shows a number of each side, or NULL (add()). */
static struct nlp_drift_signal *
add_values(struct nlp_drift_report *r, const char *name,
    const char *stat_name, double stat, double p,
    enum nlp_drift_method method, double threshold, double ref, double cur)
{
	struct nlp_drift_signal *s = add(r, name, stat_name, stat, p, method,
	    threshold);

	if (s == NULL)
		return NULL;
	s->value = NLP_DRIFT_VALUE_NUMBER;
	s->reference = ref;
	s->current = cur;
	return s;
}

/* The signals added since r had n of them are judged by effect whatever
   the sample: they count tokens or characters. */
static void
by_counts(struct nlp_drift_report *r, size_t n)
{
	for (; n < r->nsignals; n++)
		r->signal[n].decided_by = NLP_DRIFT_COUNTS;
}

/* The normal quantile of a one-sided noise bound at --alpha, at least
 * 1e-6: --alpha 0 silences the p-values, but a day all blank is still
 * the input broken (z 4.75, not a bound no sample passes). */
#define NOISE_ALPHA_MIN 1e-6

static double
one_sided_z(const struct nlp_drift_opts *o)
{
	double a = o->alpha > NOISE_ALPHA_MIN ? o->alpha : NOISE_ALPHA_MIN;

	return a < 0.5 ? nlp_normal_isf(a) : 0;
}

int
nlp_drift_share_signal(struct nlp_drift_report *r, const char *name,
    double rk, double rn, double k, double n, int small,
    const struct nlp_drift_opts *o)
{
	/* small is 0 for shares of tokens and characters: their counts run to
	   the millions, where any difference is "significant" */
	double rs = rn > 0 ? rk / rn : 0, cs = n > 0 ? k / n : 0;
	double stat = NAN, p = NAN;
	struct nlp_drift_signal *s;

	if (rn <= 0 || n <= 0)
		return 0;
	if (rs > 0 && rs < 1) {
		/* the 2 x 2 table of the two samples against their pooled
		   share (the reference is a sample too: a --reference file as
		   small as today's), and only where every cell expects 5 or
		   more: one blank line in 300 texts against one in 2000 read
		   as chi2 4.8, p = 0.03 from an expected count of 0.15 */
		double ref[2] = { rk, rn - rk }, cur[2] = { k, n - k };

		(void)nlp_chisquare_2samp(ref, cur, 2, 5, &stat, &p);
	}
	if (small && isfinite(p))
		s = add_values(r, name, "chi2", stat, p, NLP_DRIFT_BY_P_VALUE,
		    o->alpha, rs, cs);
	else if ((s = add_values(r, name, "abs_change", fabs(cs - rs), p,
	    NLP_DRIFT_BY_EFFECT, o->share_effect, rs, cs)) != NULL && small)
		s->decided_by = NLP_DRIFT_NO_P_VALUE;
	if (s != NULL) {
		/* how much it rose for sure: one blank record of 20 is a
		   share of 0.05, and no broken input (decide()) */
		double z = one_sided_z(o), clo, chi, rlo, rhi;
		nlp_wilson(k, n, z, &clo, &chi);
		nlp_wilson(rk, rn, z, &rlo, &rhi);
		s->sure_rise = clo - rhi;
	}
	return s == NULL ? -1 : 0;
}

/* Mean and standard deviation of v[0..n), each value counted w[i] times
 * (NULL: once). */
static void
mean_sd(const double *v, const double *w, size_t n, double *mean, double *sd)
{
	double s = 0, ss = 0, t = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		s += w != NULL ? w[i] * v[i] : v[i];
		t += w != NULL ? w[i] : 1;
	}
	*mean = t > 0 ? s / t : 0;
	for (i = 0; i < n; i++)
		ss += (w != NULL ? w[i] : 1) * (v[i] - *mean) * (v[i] - *mean);
	*sd = t > 1 ? sqrt(ss / (t - 1)) : 0;
}

int
nlp_drift_sample_signal(struct nlp_drift_report *r, const char *name,
    const double *ref, const double *rw, size_t rn, int rall,
    const double *cur, const double *cw, size_t cn, int call, int small,
    const struct nlp_drift_opts *o)
{
	double d, p, w, mean, sd, cmean, csd;
	struct nlp_drift_signal *s;
	int exact, small_current = small;

	if (rn == 0 || cn == 0)
		return 0;
	/* neither sample is empty and every value is finite: failing here is
	   out of memory (stats.h) */
	if (nlp_ks_2samp_w(ref, rw, rn, rall, cur, cw, cn, call, &d, &p,
	    &exact) < 0 ||
	    isnan(w = nlp_wasserstein_w(ref, rw, rn, cur, cw, cn)))
		return -1;
	/* a small reference sample is small whatever the current one is: a
	   model's held-out confidences may be 50 values, whose normed
	   Wasserstein distance to any large sample is above the effect
	   threshold most of the time (a weighted one: its test's size) */
	small = small || nlp_sample_size(rw, rn, rall) <= (double)o->small;
	mean_sd(ref, rw, rn, &mean, &sd);
	mean_sd(cur, cw, cn, &cmean, &csd);
	w /= sd > 0 ? sd : 1;
	if (!small)
		return add_values(r, name, "wasserstein_normed", w, p,
		    NLP_DRIFT_BY_EFFECT, o->effect, mean, cmean) ? 0 : -1;
	if ((s = add_values(r, name, exact ? "ks (exact)" : "ks (asymptotic)",
	    d, p, NLP_DRIFT_BY_P_VALUE, o->alpha, mean, cmean)) == NULL)
		return -1;
	if (!small_current)
		s->decided_by = NLP_DRIFT_SMALL_REFERENCE;
	return 0;
}

/* The distribution's figures, and chi-squared over the bins the reference
   saw (the others have no expected count: the current counts in them are
   left out of the total the expected counts share, or the two would not
   add up, and the statistic would be scipy.stats.chisquare's refusal). */
static int
dist_detail(struct nlp_drift_detail *dt, const double *ref, const double *cur,
    size_t k, double rt, int two_sample)
{
	double *obs = malloc((k + 1) * sizeof *obs);
	double *exp = malloc((k + 1) * sizeof *exp);
	double seen = 0;
	size_t i, m = 0;

	if (obs == NULL || exp == NULL) {
		free(obs);
		free(exp);
		return -1;
	}
	dt->chi2 = dt->chi2_p_value = NAN;
	for (i = 0; !two_sample && i < k; i++)
		if (ref[i] > 0)
			seen += cur[i];
	for (i = 0; !two_sample && i < k; i++) {
		if (ref[i] <= 0)
			continue;
		obs[m] = cur[i];
		exp[m] = ref[i] / rt * seen;
		m++;
	}
	if (!two_sample && m >= 2)
		nlp_chisquare(obs, exp, m, &dt->chi2, &dt->chi2_p_value);
	if (two_sample)      /* NAN left when there is no test */
		(void)nlp_chisquare_2samp(ref, cur, k, 0, &dt->chi2,
		    &dt->chi2_p_value);
	free(obs);
	free(exp);
	dt->jensen_shannon = nlp_jensenshannon(ref, cur, k);
	dt->psi = nlp_psi(ref, cur, k, 1e-4);
	dt->kl = nlp_kl(ref, cur, k, 1e-4);
	dt->bins = k;
	return 0;
}

int
nlp_drift_dist_signal(struct nlp_drift_report *r, const char *name,
    const double *ref, const double *cur, size_t k, int how, int small,
    const struct nlp_drift_opts *o)
{
	struct nlp_drift_detail dt;
	struct nlp_drift_signal *s;
	double rt = 0, ct = 0, p;
	size_t i;

	for (i = 0; i < k; i++)
		rt += ref[i], ct += cur[i];
	if (rt <= 0 || ct <= 0 || k < 2) {
		/* not a silent gap in the report: a short day leaves out
		   the distributions it cannot fill */
		nlp_drift_warn(r, "%s not compared: %s", name, rt <= 0 ?
		    "the reference has no counts for it" : ct <= 0 ?
		    "the current text has no counts for it" : "too few texts "
		    "to fill two of its bins once the rare ones are pooled");
		return 0;
	}
	memset(&dt, 0, sizeof dt);
	if (dist_detail(&dt, ref, cur, k, rt, how & NLP_DIST_TWO_SAMPLE) < 0)
		return -1;
	p = dt.chi2_p_value;
	if (small && isfinite(p)) {
		s = add(r, name, "chi2", dt.chi2, p, NLP_DRIFT_BY_P_VALUE, o->alpha);
	} else if (how & NLP_DIST_PSI) {
		s = add(r, name, "psi", dt.psi, p, NLP_DRIFT_BY_EFFECT, o->effect);
	} else {
		/*
		 * Two samples of one distribution differ by chance: the
		 * G-test gives E[JSD] ~ (k - 1) / (2 N ln 2) over k bins and N
		 * counts, and tokens cluster within documents (an
		 * overdispersion of about 2 on our data), so JSD - (k - 1) /
		 * (N ln 2) is the part sampling noise does not explain.  The
		 * verdict uses that distance; the raw one is in detail.
		 */
		double jsd = dt.jensen_shannon * dt.jensen_shannon -
		    (double)(k - 1) / ((rt + ct) * log(2.0));
		dt.jensen_shannon_corrected = jsd > 0 ? sqrt(jsd) : 0;
		dt.has_corrected = 1;
		s = add(r, name, "jensen_shannon_corrected",
		    dt.jensen_shannon_corrected, p, NLP_DRIFT_BY_EFFECT, o->effect);
	}
	if (s == NULL)
		return -1;
	if (small && s->method == NLP_DRIFT_BY_EFFECT)
		s->decided_by = NLP_DRIFT_NO_P_VALUE;
	s->has_detail = 1;
	s->detail = dt;
	return 0;
}

size_t
nlp_drift_pool_rare_bins(double *ref, double *cur, size_t k, unsigned how)
{
	double rt = 0, ct = 0, x;
	size_t i, w = 0;

	for (i = 0; i < k; i++)
		rt += ref[i], ct += cur[i];
	if (rt <= 0)
		return k;
	for (i = 0; i + 1 < k; i++) {
		x = ((how & NLP_POOL_BOTH) ? (ref[i] + cur[i]) / (rt + ct) :
		    ref[i] / rt) * ct;
		if (x >= 5 || ((how & NLP_POOL_PILED) && cur[i] > x + 4 * sqrt(x) +
		    10)) {
			ref[w] = ref[i];
			cur[w] = cur[i];
			w++;
		} else {
			ref[k - 1] += ref[i];
			cur[k - 1] += cur[i];
		}
	}
	ref[w] = ref[k - 1];
	cur[w] = cur[k - 1];
	return w + 1;
}

/* The reference sample texts' tokens the model has no row for, and all
   their tokens, in *oov and *n: 0, or -1 when out of memory. */
static int
reference_oov(const struct nlp_drift_ref *ref, double *oov_out, double *n_out)
{
	const struct nlp_model *m = ref->model;
	struct nlp_featurizer f;
	uint64_t oov = 0, n = 0;
	size_t i, j;

	memset(&f, 0, sizeof f);
	for (i = 0; i < ref->ntexts; i++) {
		if (nlp_featurize(&f, &m->feat, ref->texts[i],
		    strlen(ref->texts[i])) < 0) {
			nlp_featurizer_release(&f);
			return -1;
		}
		for (j = 0; j < f.tok.n; j++)
			oov += !nlp_model_has_bucket(m, (uint32_t)(f.hash[j] >>
			    (64 - m->feat.bits)));
		n += f.tok.n;
	}
	nlp_featurizer_release(&f);
	*oov_out = (double)oov;
	*n_out = (double)n;
	return 0;
}

/* Two vectors of counts or values that the signals below fill in turn,
   and the weights of b's values: n entries each, the most any of them
   needs. */
struct scratch {
	double *a, *b, *w;
};

/* Whether the sample's weights w[0..n) (NULL: 1 each) count records
   records: the sample holds every one of them. */
static int
whole(const double *w, size_t n, uint64_t records)
{
	return nlp_sample_size(w, n, 1) == (double)records;
}

/* w, unless every weight is 1: then NULL (the unweighted statistics, bit
   for bit). */
static const double *
weights(const double *w, size_t n)
{
	size_t i;

	for (i = 0; w != NULL && i < n; i++)
		if (w[i] != 1)
			return w;
	return NULL;
}

/*
 * Tokens: the documents of each of the reference's top tokens and of
 * "other", against the current ones (an effect size always, see
 * nlp_drift_share_signal); with a model, its out-of-vocabulary rate.
 */
static int
vocabulary(struct nlp_drift_report *r, const struct nlp_drift_ref *ref,
    const struct nlp_drift_pass *p, const struct scratch *v,
    const struct nlp_drift_opts *o)
{
	const struct nlp_profile_stored *prof = &ref->profile;
	double *rb = v->a, *cb = v->b, roov, rtok;
	size_t i, k = prof->top.n + 1, before = r->nsignals;

	rb[k - 1] = (double)prof->token_docs;
	for (i = 0; i < prof->top.n; i++) {
		rb[i] = (double)prof->top.ent[i].value;
		rb[k - 1] -= rb[i];
		cb[i] = (double)p->topcnt[i];
	}
	cb[k - 1] = (double)p->other;
	if (rb[k - 1] < 0)
		rb[k - 1] = 0;
	k = nlp_drift_pool_rare_bins(rb, cb, k, 0);
	if (nlp_drift_dist_signal(r, "vocabulary", rb, cb, k, 0, 0, o) < 0)
		return -1;
	/* training texts in the sample: not a reference for the words the
	   model lacks, which they all have (every new text would look out of
	   vocabulary) */
	if (ref->model != NULL && p->tokens > 0 &&
	    prof->held_out < NLP_PROFILE_SAMPLE_MIN_HELD_OUT)
		nlp_drift_warn_as(r, NLP_DRIFT_OF_MODEL,
		    "oov_rate not compared: the model held out "
		    "%llu examples, fewer than %d, and its sample is training "
		    "texts, whose words it has", (unsigned long long)
		    prof->held_out, NLP_PROFILE_SAMPLE_MIN_HELD_OUT);
	else if (ref->model != NULL && p->tokens > 0 &&
	    (reference_oov(ref, &roov, &rtok) < 0 ||
	    nlp_drift_share_signal(r, "oov_rate", roov, rtok,
	    (double)p->oov, (double)p->tokens, 0, o) < 0))
		return -1;
	by_counts(r, before);
	return 0;
}

/* Text shape: lengths in tokens and characters, the share of characters
   that are not letters, empty texts, invalid UTF-8. */
static int
shape(struct nlp_drift_report *r, const struct nlp_profile_stored *prof,
    const struct nlp_drift_pass *p, const struct scratch *v, int small,
    const struct nlp_drift_opts *o)
{
	size_t i, cn = p->prof.nsample;
	double rl = (double)prof->letter + (double)prof->non_ascii;
	double rnl = (double)prof->digit + (double)prof->punct +
	    (double)prof->other;
	double cl = (double)(p->prof.letter + p->prof.non_ascii);
	double cnl = (double)(p->prof.digit + p->prof.punct + p->prof.other);
	size_t before;
	int rall, call;

	/* each distinct text of the samples weighed by its copies */
	for (i = 0; i < cn; i++) {
		v->a[i] = p->prof.sample[i].tokens;
		v->b[i] = p->prof.sample[i].chars;
		v->w[i] = (double)p->prof.sample[i].count;
	}
	rall = whole(prof->sample_count, prof->nsample, prof->docs);
	call = whole(v->w, cn, p->prof.docs);
	if (nlp_drift_sample_signal(r, "length_tokens", prof->sample_tokens,
	    weights(prof->sample_count, prof->nsample), prof->nsample, rall,
	    v->a, weights(v->w, cn), cn, call, small, o) < 0 ||
	    nlp_drift_sample_signal(r, "length_chars", prof->sample_chars,
	    weights(prof->sample_count, prof->nsample), prof->nsample, rall,
	    v->b, weights(v->w, cn), cn, call, small, o) < 0)
		return -1;
	before = r->nsignals;
	if (nlp_drift_share_signal(r, "non_letter_share", rnl, rl + rnl, cnl,
	    cl + cnl, 0, o) < 0)
		return -1;
	by_counts(r, before);
	if (nlp_drift_share_signal(r, "empty_share", (double)prof->empty,
	    (double)prof->docs, (double)p->prof.empty, (double)p->records,
	    small, o) < 0 ||
	    nlp_drift_share_signal(r, "bad_utf8_share", (double)prof->bad_utf8,
	    (double)prof->docs, (double)p->prof.bad_utf8, (double)p->records,
	    small, o) < 0)
		return -1;
	return 0;
}

/* Held-out predictions a class below which a large current sample is
   judged against them by the test of two samples, not by PSI. */
#define PREDICTED_PER_CLASS 20

int
nlp_drift_predicted_own(const struct nlp_drift_ref *ref)
{
	const struct nlp_profile_stored *prof = &ref->profile;

	/* the model's own predictions on the held-out examples (what it
	   predicts of text like the training text), not the labels, whose
	   mix an imperfect model does not predict (a multi-label one
	   predicts fewer, the rare ones least; a 57% accurate one of 153
	   languages gave a fifth of its texts one label, and the labels
	   were a false "drift" on its own test text).  However few: fewer
	   than 20 a class make a large sample judged by the test of two
	   samples, which weighs the reference's size, not by PSI (their own
	   noise, 400 texts over 500 classes, was PSI's drift).  Without
	   them (none held out, an artifact of an older nlpops), the
	   training labels, all of them */
	return prof->has_predicted;
}

double
nlp_drift_predicted_reference(const struct nlp_drift_ref *ref, size_t i)
{
	const struct nlp_model *m = ref->model;
	const struct nlp_strmap_entry *en;

	if (!nlp_drift_predicted_own(ref))
		return (double)nlp_profile_label_count(&ref->profile,
		    m->labels[i]);
	en = nlp_strmap_get(&ref->profile.predicted, m->labels[i],
	    strlen(m->labels[i]));
	return en != NULL ? (double)en->value : 0;
}

/* The model's predictions, without gold labels: the label mix and the
   top-1 confidences. */
static int
predictions(struct nlp_drift_report *r, const struct nlp_drift_ref *ref,
    const struct nlp_drift_pass *p, const struct scratch *v, int small,
    const struct nlp_drift_opts *o)
{
	const struct nlp_model *m = ref->model;
	const struct nlp_profile_stored *prof = &ref->profile;
	size_t i, k, before, one;
	double *refconf = NULL;
	int small_ref, rc;

	/* a multi-label model predicts fewer labels than its training data
	   has, the rare ones least: without its own predictions on held-out
	   examples there is no reference for the labels it predicts */
	if (m->multilabel && !prof->has_predicted) {
		nlp_drift_warn_as(r, NLP_DRIFT_OF_MODEL,
		    "predicted_labels not compared: %s",
		    prof->held_out == 0 ? "the multi-label model held out no "
		    "examples to record the labels it predicts" : "the "
		    "multi-label model records no labels it predicted for its "
		    "held-out examples (an artifact of an older nlpops)");
		goto confidence;
	}
	for (i = 0, k = 0, one = 0; i < m->nclasses; i++) {
		v->a[i] = nlp_drift_predicted_reference(ref, i);
		v->b[i] = (double)p->pred[i];
		if (v->a[i] > 0 || v->b[i] > 0) {
			k++;
			one = i;
		}
	}
	/* one label on both sides: nothing to compare, and said so (not
	   "too few texts", of a model that answers one label to all) */
	if (k == 1 && v->a[one] > 0 && v->b[one] > 0) {
		nlp_drift_warn_as(r, NLP_DRIFT_OF_MODEL, "predicted_labels not "
		    "compared: the model answers one label ('%.60s') to every "
		    "text, held-out and current", m->labels[one]);
		goto confidence;
	}
	/* the rare labels in one bin of their own, after the others (none
	   when no label is rare) */
	v->a[m->nclasses] = v->b[m->nclasses] = 0;
	k = nlp_drift_pool_rare_bins(v->a, v->b, m->nclasses + 1,
	    NLP_POOL_BOTH | NLP_POOL_PILED);
	if (v->a[k - 1] == 0 && v->b[k - 1] == 0)
		k--;
	/* either reference is a sample (the training labels too, of N
	   examples): a goodness of fit against their shares as if exact
	   raises false alarms by a factor 1 + n/N on n current records */
	/* the model's own predictions are the reference however few its
	   held-out examples: fewer than 20 a label make a PSI of their own
	   noise (0.13 for 318 examples of the same text), and a test of the
	   two samples, at 3000 current texts, finds the refit's change to
	   the model (153 languages: 62% of samples of its own test text):
	   the Jensen-Shannon distance corrected for sampling noise decides
	   then, as vocabulary's does (those samples 0.000, 40 of the 153
	   languages 0.46) */
	small_ref = !small && prof->has_predicted && prof->held_out <
	    (uint64_t)PREDICTED_PER_CLASS * m->nclasses;
	before = r->nsignals;
	if (nlp_drift_dist_signal(r, "predicted_labels", v->a, v->b, k,
	    small_ref ? NLP_DIST_TWO_SAMPLE : NLP_DIST_PSI | NLP_DIST_TWO_SAMPLE,
	    small, o) < 0)
		return -1;
	if (small_ref && r->nsignals > before)
		r->signal[before].decided_by = NLP_DRIFT_SMALL_REFERENCE;
confidence:
	for (i = 0; i < p->conf.n; i++) {
		v->b[i] = nlp_drift_confidence(p->conf.v[i].v);
		v->w[i] = (double)p->conf.v[i].count;
	}
	if (prof->nconfidence == 0 && p->conf.n > 0) {
		nlp_drift_warn_as(r, NLP_DRIFT_OF_MODEL,
		    "confidence not compared: the model held out "
		    "no examples to record its confidence on");
		return 0;
	}
	if (p->conf.n == 0)
		return 0;
	if ((refconf = malloc(prof->nconfidence * sizeof *refconf)) == NULL)
		return -1;
	for (i = 0; i < prof->nconfidence; i++)
		refconf[i] = nlp_drift_confidence(prof->confidence[i]);
	rc = nlp_drift_sample_signal(r, "confidence", refconf, NULL,
	    prof->nconfidence, 1, v->b, weights(v->w, p->conf.n), p->conf.n,
	    whole(v->w, p->conf.n, p->prof.docs - p->prof.empty), small, o);
	free(refconf);
	return rc < 0 ? -1 : 0;
}

double
nlp_drift_confidence(double x)
{
	return round(x * NLP_DRIFT_CONF_STEPS) / NLP_DRIFT_CONF_STEPS;
}

/* The accuracy on labeled data against the held-out accuracy: a drop past
   the bound is drift on its own (--max-accuracy-drop: "accuracy drop that
   is drift"), not one vote among the signals. */
static int
accuracy(struct nlp_drift_report *r, const struct nlp_drift_ref *ref,
    const struct nlp_drift_pass *p, int small, const struct nlp_drift_opts *o)
{
	const struct nlp_profile_stored *prof = &ref->profile;
	double acc = (double)p->correct / (double)p->scored;
	struct nlp_drift_signal *s;
	uint32_t used;
	size_t i, unknown = 0;

	if (!prof->has_accuracy) {
		nlp_drift_warn_as(r, NLP_DRIFT_OF_MODEL,
		    "the model records no held-out accuracy to "
		    "compare with");
		return 0;
	}
	if ((s = add(r, "accuracy", "drop", prof->accuracy - acc, NAN,
	    NLP_DRIFT_BY_EFFECT, o->max_accuracy_drop)) == NULL)
		return -1;
	s->decided_by = NLP_DRIFT_ACCURACY_DROP;
	/* "past the bound": a drop equal to it is not drift (within 1e-9:
	   1 - 0.95 is 0.050000000000000044 in doubles) */
	s->drifted = prof->accuracy - acc > o->max_accuracy_drop + 1e-9;
	if (small) {
		/* on 50 records the accuracy moves by 0.05 as often as not:
		   drift when even its upper Wilson bound at --alpha dropped
		   past the bound (debian's model, 50 records a night of its
		   own test text: 41 nights of 200 said drift by the drop
		   alone) */
		double lo, hi;
		nlp_wilson((double)p->correct, (double)p->scored,
		    one_sided_z(o), &lo, &hi);
		s->decided_by = NLP_DRIFT_ACCURACY_DROP_SURE;
		s->drifted = prof->accuracy - hi > o->max_accuracy_drop + 1e-9;
	}
	s->value = NLP_DRIFT_VALUE_SCORES;
	s->reference = prof->accuracy;
	s->reference_f1 = prof->macro_f1;
	s->current = acc;
	/* as eval's: each gold label the model never learned a class of F1
	   0 besides those of the counts */
	used = nlp_class_counts_used(&p->cm);
	for (i = 0; i < p->gold.n; i++)
		unknown += nlp_model_label_index(ref->model,
		    p->gold.ent[i].key) < 0;
	s->current_f1 = used + unknown > 0 ? nlp_class_counts_macro_f1(&p->cm) *
	    (double)used / (double)(used + unknown) : 0;
	r->verdict.concept_drift = s->drifted;
	return 0;
}

/* Concept drift, with gold labels: their mix (labels the reference never
   had in one more bin), and the model's accuracy.  The reference's labels
   are a sample too -- a --reference file as small as today's, or the
   training examples -- so the small-sample test is homogeneity of the two
   samples: goodness of fit against the reference's shares as if they were
   exact raised about three times --alpha's false alarms between two
   random halves of one file. */
static int
concept(struct nlp_drift_report *r, const struct nlp_drift_ref *ref,
    const struct nlp_drift_pass *p, const struct scratch *v, int small,
    const struct nlp_drift_opts *o)
{
	const struct nlp_profile_stored *prof = &ref->profile;
	const struct nlp_strmap_entry *en;
	size_t i, nl = prof->labels.n;

	for (i = 0; i < nl; i++) {
		en = nlp_strmap_get(&p->gold, prof->labels.ent[i].key,
		    prof->labels.ent[i].len);
		v->a[i] = (double)prof->labels.ent[i].value;
		v->b[i] = en ? (double)en->value : 0;
	}
	v->a[nl] = v->b[nl] = 0;
	for (i = 0; i < p->gold.n; i++)
		if (nlp_strmap_get(&prof->labels, p->gold.ent[i].key,
		    p->gold.ent[i].len) == NULL)
			v->b[nl] += (double)p->gold.ent[i].value;
	if ((nl > 0 && nlp_drift_dist_signal(r, "gold_labels", v->a, v->b,
	    nlp_drift_pool_rare_bins(v->a, v->b, nl + 1, NLP_POOL_BOTH |
	    NLP_POOL_PILED), NLP_DIST_PSI | NLP_DIST_TWO_SAMPLE, small,
	    o) < 0) ||
	    (ref->model != NULL && p->scored > 0 && accuracy(r, ref, p, small,
	    o) < 0))
		return -1;
	/* (more than half of them labels the model never learned was
	   refused before: drift.c, foreign_labels()) */
	return 0;
}

static size_t
max3(size_t a, size_t b, size_t c)
{
	return a > b ? (a > c ? a : c) : (b > c ? b : c);
}

int
nlp_drift_signals(struct nlp_drift_report *r, const struct nlp_drift_ref *ref,
    const struct nlp_drift_pass *p, int small, const struct nlp_drift_opts *o)
{
	size_t n = max3(ref->profile.top.n + 1, p->prof.nsample,
	    ref->profile.labels.n + 1);
	struct scratch v;
	int rc = -1;

	if (ref->model != NULL)
		n = max3(n, ref->model->nclasses, p->conf.n);
	v.a = malloc((n + 1) * sizeof *v.a);
	v.b = malloc((n + 1) * sizeof *v.b);
	v.w = malloc((n + 1) * sizeof *v.w);
	if (v.a != NULL && v.b != NULL && v.w != NULL &&
	    vocabulary(r, ref, p, &v, o) == 0 &&
	    shape(r, &ref->profile, p, &v, small, o) == 0 &&
	    (ref->model == NULL || predictions(r, ref, p, &v, small, o) == 0) &&
	    (p->gold.n == 0 || concept(r, ref, p, &v, small, o) == 0))
		rc = 0;
	free(v.a);
	free(v.b);
	free(v.w);
	return rc;
}

double
nlp_drift_log_odds_z(double yc, double nc, double yr, double nr, double a0)
{
	double aw = (nc + nr) > 0 ? a0 * (yc + yr) / (nc + nr) : 0;
	double restc = nc + a0 - yc - aw, restr = nr + a0 - yr - aw;
	double delta, var;

	/* no counts, or the token is every token of both sides */
	if (aw <= 0 || restc <= 0 || restr <= 0)
		return 0;
	delta = log((yc + aw) / restc) - log((yr + aw) / restr);
	/* the log-odds' variance in full: Monroe et al. leave out the
	   1 / rest terms, small beside 1 / (y + a_w) for a rare word, but a
	   word in most texts is rare among the texts without it */
	var = 1 / (yc + aw) + 1 / restc + 1 / (yr + aw) + 1 / restr;
	return delta / sqrt(var);
}

int
nlp_drift_is_word(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;
	uint32_t cp;

	while (i < len) {
		if (u[i] < 0x80) {
			if ((u[i] | 0x20) >= 'a' && (u[i] | 0x20) <= 'z')
				return 1;
			i++;
			continue;
		}
		if ((k = nlp_utf8_char(u + i, len - i, &cp)) == 0)
			return 0;
		/* a letter or an ideograph: not Latin-1's signs (U+00A0-
		   U+00BF, x, division), general punctuation (U+2000-U+206F),
		   U+FFFD, nor (by the C library's tables) CJK or fullwidth
		   punctuation (U+3002, U+FF0C), other symbols, emoji */
		if (!(cp <= 0xbf || cp == 0xd7 || cp == 0xf7 ||
		    (cp >= 0x2000 && cp <= 0x206f) || cp == 0xfffd) &&
		    nlp_token_is_letter(cp))
			return 1;
		i += k;
	}
	return 0;
}

/* A token's share of all tokens and of texts on each side, and its
   log-odds z. */
struct change {
	const char *token;
	double ref, cur, rtexts, ctexts, z;
	int listed;              /* in the reference's top list: its count
	                            there is known, not bounded */
};

static int
cmp_change(const void *a, const void *b)
{
	const struct change *x = a, *y = b;

	if (x->z != y->z)
		return x->z > y->z ? -1 : 1;
	return strcmp(x->token, y->token);
}

/* The first NLP_DRIFT_TOP words from one end of c[0..n), while the sign
   of their z is sign, into out (the tokens copied); a token the
   reference's list lacks is never said to have shrunk. */
static int
list_changes(struct nlp_drift_token *out, size_t *nout,
    const struct change *c, size_t n, int sign)
{
	size_t i;

	for (i = 0; i < n && *nout < NLP_DRIFT_TOP; i++) {
		const struct change *ch = &c[sign > 0 ? i : n - 1 - i];
		if (sign > 0 ? ch->z <= 0 : ch->z >= 0)
			break;
		if ((sign < 0 && !ch->listed) ||
		    !nlp_drift_is_word(ch->token, strlen(ch->token)))
			continue;
		if ((out[*nout].token = strdup(ch->token)) == NULL)
			return -1;
		out[*nout].reference = ch->ref;
		out[*nout].current = ch->cur;
		out[*nout].reference_texts = ch->rtexts;
		out[*nout].current_texts = ch->ctexts;
		out[(*nout)++].z = ch->z;
	}
	return 0;
}

/*
 * The bound on the documents of a token the reference's top list lacks:
 * 0 when the list holds every token of the reference, else the fewest
 * documents of a listed token.
 */
static double
unlisted_bound(const struct nlp_strmap *top)
{
	double b = 0;
	size_t i;

	if (top->n < NLP_PROFILE_TOP)
		return 0;
	for (i = 0; i < top->n; i++)
		if (i == 0 || (double)top->ent[i].value < b)
			b = (double)top->ent[i].value;
	return b;
}

int
nlp_drift_token_changes(struct nlp_drift_report *r,
    const struct nlp_profile_stored *prof, const struct nlp_drift_pass *p)
{
	double rt = (double)prof->token_docs, ct = (double)p->other, a0, y, b;
	double nt = (double)p->records, rn = (double)prof->docs;
	const struct nlp_strmap *top = &prof->top;
	struct change *c;
	size_t i, n = 0;
	int rc;

	for (i = 0; i < top->n; i++)
		ct += (double)p->topcnt[i];
	if (rt <= 0 || ct <= 0 || nt <= 0 || rn <= 0)
		return 0;       /* nothing to compare: empty lists */
	if ((c = malloc((top->n + p->fresh.n + 1) * sizeof *c)) == NULL)
		return -1;
	a0 = nt + rn;   /* the prior's mass: the pooled texts */
	b = unlisted_bound(top);
	for (i = 0; i < top->n; i++, n++) {
		y = (double)top->ent[i].value;
		c[n].token = top->ent[i].key;
		c[n].ref = y / rt;
		c[n].cur = (double)p->topcnt[i] / ct;
		c[n].rtexts = y / rn;
		c[n].ctexts = (double)p->topcnt[i] / nt;
		c[n].z = nlp_drift_log_odds_z((double)p->topcnt[i], nt, y, rn,
		    a0);
		c[n].listed = 1;
	}
	for (i = 0; i < p->fresh.n; i++, n++) {
		y = (double)p->fresh.ent[i].value;
		c[n].token = p->fresh.ent[i].key;
		c[n].ref = 0;
		c[n].cur = y / ct;
		c[n].rtexts = 0;
		c[n].ctexts = y / nt;
		c[n].z = nlp_drift_log_odds_z(y, nt, b, rn, a0);
		c[n].listed = 0;
	}
	if (n > 1)
		qsort(c, n, sizeof *c, cmp_change);
	rc = list_changes(r->grew, &r->ngrew, c, n, 1) < 0 ||
	    list_changes(r->shrank, &r->nshrank, c, n, -1) < 0 ? -1 : 0;
	free(c);
	return rc;
}
