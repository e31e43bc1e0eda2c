/*
 * drift_render.c - the drift report as JSON, text and Prometheus metrics
 * (see drift_render.h).
 */
#include "drift_render.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonwatch.h"
#include "text.h"

#define TEXT_LIST 10             /* tokens and n-grams in the text report */

/*
 * Building the document: the jansson calls add up their results in r.
 * json_object_set_new() and json_array_append_new() fail (and free the
 * value) when the value or the container is NULL, so one failed allocation
 * anywhere shows in r and becomes "out of memory", instead of a key that
 * silently is not there (a report without verdict.drift reads as "no
 * drift"); what jansson does not report at all, jsonwatch.h catches.
 */

const char *
nlp_drift_basis_name(enum nlp_drift_basis b)
{
	switch (b) {
	case NLP_DRIFT_SMALL_SAMPLE:
		return "small_sample";
	case NLP_DRIFT_SMALL_REFERENCE:
		return "small_reference";
	case NLP_DRIFT_LARGE_SAMPLE:
		return "large_sample";
	case NLP_DRIFT_COUNTS:
		return "counts";
	case NLP_DRIFT_NO_P_VALUE:
		return "no_p_value";
	case NLP_DRIFT_ACCURACY_DROP:
		return "accuracy_drop";
	case NLP_DRIFT_ACCURACY_DROP_SURE:
		return "accuracy_drop_sure";
	}
	return "?";
}

/* A number, or null where it is not finite (JSON has no NaN): NULL only
   when out of memory. */
static json_t *
jnum(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static json_t *
jcount(uint64_t v)
{
	return json_integer((json_int_t)v);
}

/* o when r says every part of it was added, else NULL (o freed). */
static json_t *
whole(json_t *o, int r)
{
	if (r != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The array of item(v, i) for i in 0..n, or NULL (memory). */
static json_t *
array_of(const void *v, size_t n, json_t *(*item)(const void *, size_t))
{
	json_t *a = json_array();
	size_t i;
	int r = 0;

	for (i = 0; a != NULL && i < n; i++)
		r |= json_array_append_new(a, item(v, i));
	return whole(a, r);
}

static json_t *
count_at(const void *v, size_t i)
{
	return jcount(((const uint64_t *)v)[i]);
}

static json_t *
number_at(const void *v, size_t i)
{
	return jnum(((const double *)v)[i]);
}

static json_t *
verdict_json(const struct nlp_drift_verdict *v)
{
	json_t *o = json_object();
	int r = 0;

	r |= json_object_set_new(o, "drift", json_boolean(v->drift));
	r |= json_object_set_new(o, "drifted", jcount(v->drifted));
	r |= json_object_set_new(o, "signals", jcount(v->signals));
	r |= json_object_set_new(o, "share", jnum(v->share));
	r |= json_object_set_new(o, "domain_drift",
	    json_boolean(v->domain_drift));
	r |= json_object_set_new(o, "concept_drift",
	    json_boolean(v->concept_drift));
	r |= json_object_set_new(o, "quality_drift",
	    json_boolean(v->quality_drift));
	r |= json_object_set_new(o, "rule", json_string(v->small ?
	    "p-values (small sample)" : "effect sizes (large sample)"));
	return whole(o, r);
}

/* A side of a signal: its number, {accuracy, macro_f1}, or null. */
static json_t *
side_json(const struct nlp_drift_signal *s, int cur)
{
	json_t *o;
	int r = 0;

	if (s->value == NLP_DRIFT_VALUE_NUMBER)
		return jnum(cur ? s->current : s->reference);
	if (s->value != NLP_DRIFT_VALUE_SCORES)
		return json_null();
	o = json_object();
	r |= json_object_set_new(o, "accuracy", jnum(cur ? s->current :
	    s->reference));
	r |= json_object_set_new(o, "macro_f1", jnum(cur ? s->current_f1 :
	    s->reference_f1));
	return whole(o, r);
}

static json_t *
detail_json(const struct nlp_drift_detail *d)
{
	json_t *o = json_object();
	int r = 0;

	r |= json_object_set_new(o, "jensen_shannon", jnum(d->jensen_shannon));
	r |= json_object_set_new(o, "psi", jnum(d->psi));
	r |= json_object_set_new(o, "kl", jnum(d->kl));
	r |= json_object_set_new(o, "chi2", jnum(d->chi2));
	r |= json_object_set_new(o, "chi2_p_value", jnum(d->chi2_p_value));
	r |= json_object_set_new(o, "bins", jcount(d->bins));
	if (d->has_corrected)
		r |= json_object_set_new(o, "jensen_shannon_corrected",
		    jnum(d->jensen_shannon_corrected));
	return whole(o, r);
}

static json_t *
signal_at(const void *v, size_t i)
{
	const struct nlp_drift_signal *s = (const struct nlp_drift_signal *)v + i;
	json_t *o = json_object();
	int r = 0;

	r |= json_object_set_new(o, "name", json_string(s->name));
	r |= json_object_set_new(o, "statistic_name",
	    json_string(s->statistic_name));
	r |= json_object_set_new(o, "statistic", jnum(s->statistic));
	r |= json_object_set_new(o, "p_value", jnum(s->p_value));
	r |= json_object_set_new(o, "method", json_string(s->method ==
	    NLP_DRIFT_BY_P_VALUE ? "p-value" : "effect"));
	r |= json_object_set_new(o, "threshold", jnum(s->threshold));
	r |= json_object_set_new(o, "decided_by",
	    json_string(nlp_drift_basis_name(s->decided_by)));
	r |= json_object_set_new(o, "drifted", json_boolean(s->drifted));
	r |= json_object_set_new(o, "reference", side_json(s, 0));
	r |= json_object_set_new(o, "current", side_json(s, 1));
	if (s->has_detail)
		r |= json_object_set_new(o, "detail", detail_json(&s->detail));
	return whole(o, r);
}

/* {ngram, weight} */
static json_t *
ngram_at(const void *v, size_t i)
{
	const struct nlp_drift_ngram *g = (const struct nlp_drift_ngram *)v + i;
	json_t *o = json_object();
	int r = 0;

	r |= json_object_set_new(o, "ngram", json_string(g->ngram));
	r |= json_object_set_new(o, "weight", jnum(g->weight));
	r |= json_object_set_new(o, "z", jnum(g->z));
	return whole(o, r);
}

static json_t *
domain_json(const struct nlp_drift_domain *d)
{
	json_t *o = json_object();
	int r = 0;

	r |= json_object_set_new(o, "texts_per_side", jcount(d->texts_per_side));
	r |= json_object_set_new(o, "auc", jnum(d->auc));
	if (d->skipped != NULL)
		return whole(o, r | json_object_set_new(o, "skipped",
		    json_string(d->skipped)));
	r |= json_object_set_new(o, "method", json_string(d->permutation ?
	    "permutation" : "threshold"));
	if (d->permutation)
		r |= json_object_set_new(o, "permutations",
		    jcount(d->permutations));
	r |= json_object_set_new(o, "threshold_from", json_string(d->auc_floor ?
	    "auc" : "permutations"));
	r |= json_object_set_new(o, "threshold", jnum(d->threshold));
	r |= json_object_set_new(o, "drifted", json_boolean(d->drifted));
	r |= json_object_set_new(o, "top_current", array_of(d->top_current,
	    d->ntop_current, ngram_at));
	r |= json_object_set_new(o, "top_reference", array_of(d->top_reference,
	    d->ntop_reference, ngram_at));
	return whole(o, r);
}

/* {token, reference, current} */
static json_t *
token_at(const void *v, size_t i)
{
	const struct nlp_drift_token *t = (const struct nlp_drift_token *)v + i;
	json_t *o = json_object();
	int r = 0;

	r |= json_object_set_new(o, "token", json_string(t->token));
	r |= json_object_set_new(o, "reference", jnum(t->reference));
	r |= json_object_set_new(o, "current", jnum(t->current));
	r |= json_object_set_new(o, "reference_texts",
	    jnum(t->reference_texts));
	r |= json_object_set_new(o, "current_texts", jnum(t->current_texts));
	r |= json_object_set_new(o, "z", jnum(t->z));
	return whole(o, r);
}

/* {label: [reference, current]} */
static json_t *
labels_json(const struct nlp_drift_histograms *h)
{
	json_t *o = json_object(), *pair;
	size_t i;
	int r = 0;

	for (i = 0; o != NULL && i < h->nlabels; i++) {
		pair = json_array();
		r |= json_array_append_new(pair, jnum(h->label_reference[i]));
		r |= json_array_append_new(pair, jcount(h->label_current[i]));
		r |= json_object_set_new(o, h->labels[i], pair);
	}
	return whole(o, r);
}

static json_t *
histograms_json(const struct nlp_drift_histograms *h)
{
	json_t *o = json_object();
	int r = 0;

	r |= json_object_set_new(o, "length_bins",
	    array_of(h->length_bins, NLP_PROFILE_BINS, count_at));
	r |= json_object_set_new(o, "reference_token_length",
	    array_of(h->reference_token_length, NLP_PROFILE_BINS, count_at));
	r |= json_object_set_new(o, "current_token_length",
	    array_of(h->current_token_length, NLP_PROFILE_BINS, count_at));
	r |= json_object_set_new(o, "reference_char_length",
	    array_of(h->reference_char_length, NLP_PROFILE_BINS, count_at));
	r |= json_object_set_new(o, "current_char_length",
	    array_of(h->current_char_length, NLP_PROFILE_BINS, count_at));
	if (h->nlabels > 0) {
		r |= json_object_set_new(o, "labels", labels_json(h));
		if (h->has_reference_confidence)
			r |= json_object_set_new(o, "reference_confidence",
			    array_of(h->reference_confidence,
			    h->nreference_confidence, number_at));
		r |= json_object_set_new(o, "current_confidence",
		    array_of(h->current_confidence, h->ncurrent_confidence,
		    number_at));
	}
	return whole(o, r);
}

static json_t *
warning_at(const void *v, size_t i)
{
	return json_string(((const struct nlp_drift_report *)v)->warning[i]);
}

/* signals, tokens, counts and warnings. */
static int
lists_json(json_t *root, const struct nlp_drift_report *rep)
{
	json_t *tok = json_object(), *cnt = json_object();
	int r = 0;

	r |= json_object_set_new(root, "signals", array_of(rep->signal,
	    rep->nsignals, signal_at));
	r |= json_object_set_new(tok, "grew", array_of(rep->grew, rep->ngrew,
	    token_at));
	r |= json_object_set_new(tok, "shrank", array_of(rep->shrank,
	    rep->nshrank, token_at));
	r |= json_object_set_new(root, "tokens", tok);
	r |= json_object_set_new(cnt, "current_records",
	    jcount(rep->current_records));
	r |= json_object_set_new(cnt, "reference_records",
	    jcount(rep->reference_records));
	r |= json_object_set_new(cnt, "current_tokens",
	    jcount(rep->current_tokens));
	r |= json_object_set_new(root, "counts", cnt);
	return r | json_object_set_new(root, "warnings", array_of(rep,
	    rep->nwarnings, warning_at));
}

char *
nlp_drift_json(const struct nlp_drift_report *rep)
{
	unsigned long mark = nlp_json_watch();
	json_t *root = json_object();
	char *text = NULL, *doc = NULL;
	size_t n;
	int r = 0;

	r |= json_object_set_new(root, "schema", json_integer(NLP_DRIFT_SCHEMA));
	r |= json_object_set_new(root, "verdict", verdict_json(&rep->verdict));
	r |= json_object_set_new(root, "domain", domain_json(&rep->domain));
	r |= json_object_set_new(root, "histograms",
	    histograms_json(&rep->hist));
	r |= lists_json(root, rep);
	if (r == 0)
		text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS |
		    JSON_REAL_PRECISION(10));
	json_decref(root);
	/* json_dumps() may leave a key out and return the rest */
	if (text != NULL && !nlp_json_failed_since(mark)) {
		n = strlen(text);
		if ((doc = realloc(text, n + 2)) != NULL) {
			doc[n] = '\n';
			doc[n + 1] = '\0';
			text = NULL;
		}
	}
	free(text);
	return doc;
}

/* "0.1234", "1.20e-05", or "-" for a number that is not defined. */
static const char *
fmt(double x, char *buf, size_t size)
{
	if (!isfinite(x))
		return "-";
	if (x != 0 && fabs(x) < 1e-4)
		snprintf(buf, size, "%.2e", x);
	else
		snprintf(buf, size, "%.4f", x);
	return buf;
}

/* A heading and the first TEXT_LIST tokens. */
static void
token_line(FILE *f, const char *heading, const struct nlp_drift_token *t,
    size_t n)
{
	size_t i;

	fputs(heading, f);
	for (i = 0; i < n && i < TEXT_LIST; i++)
		fprintf(f, " %s", t[i].token);
}

/* A heading and the first TEXT_LIST n-grams, bracketed. */
static void
ngram_line(FILE *f, const char *heading, const struct nlp_drift_ngram *g,
    size_t n)
{
	size_t i;

	fputs(heading, f);
	for (i = 0; i < n && i < TEXT_LIST; i++)
		fprintf(f, " [%s]", g[i].ngram);
}

/* Why a row is judged as it is, in words. */
static const char *
basis_words(enum nlp_drift_basis b)
{
	switch (b) {
	case NLP_DRIFT_SMALL_SAMPLE:
		return "small sample";
	case NLP_DRIFT_SMALL_REFERENCE:
		return "small reference sample";
	case NLP_DRIFT_LARGE_SAMPLE:
		return "large sample";
	case NLP_DRIFT_COUNTS:
		return "counts: any sample size";
	case NLP_DRIFT_NO_P_VALUE:
		return "small sample, no p-value";
	case NLP_DRIFT_ACCURACY_DROP:
	case NLP_DRIFT_ACCURACY_DROP_SURE:
		return "concept drift";
	}
	return "?";
}

void
nlp_drift_decided_by(char *buf, size_t size, const struct nlp_drift_signal *s)
{
	const char *what = "effect", *op = s->drifted ? ">=" : "<";

	if (s->decided_by == NLP_DRIFT_ACCURACY_DROP) {
		snprintf(buf, size, "drop %s %.4g%s", s->drifted ? ">" : "<=",
		    s->threshold, s->drifted ? " (concept drift)" : "");
		return;
	}
	if (s->decided_by == NLP_DRIFT_ACCURACY_DROP_SURE) {
		snprintf(buf, size, "drop %s %.4g beyond noise (small sample)%s",
		    s->drifted ? ">" : "<=", s->threshold, s->drifted ?
		    " (concept drift)" : "");
		return;
	}
	if (s->method == NLP_DRIFT_BY_P_VALUE) {
		what = "p";
		op = s->drifted ? "<" : ">=";
	}
	snprintf(buf, size, "%s %s %.4g (%s)%s", what, op, s->threshold,
	    basis_words(s->decided_by), s->broken ? " (input broken)" : "");
}

void
nlp_drift_domain_decided_by(char *buf, size_t size,
    const struct nlp_drift_domain *d)
{
	char how[40];

	if (d->skipped != NULL || !isfinite(d->auc)) {
		snprintf(buf, size, "not run");
		return;
	}
	if (!d->permutation)
		snprintf(how, sizeof how, "fixed --auc");
	else if (d->auc_floor)
		snprintf(how, sizeof how, "--auc, above %u permuted runs",
		    d->permutations);
	else
		snprintf(how, sizeof how, "permutation test, %u runs",
		    d->permutations);
	snprintf(buf, size, "AUC %s %.4g (%s)", d->drifted ? ">" : "<=",
	    d->threshold, how);
}

#define ROW "%-18s %-24s %10s %10s  %-5s  %s\n"

/* The table: a row per signal, the domain classifier's last. */
static void
signal_table(FILE *f, const struct nlp_drift_report *r)
{
	const struct nlp_drift_domain *d = &r->domain;
	const struct nlp_drift_signal *s;
	char b1[32], b2[32], why[96];
	size_t i;

	fprintf(f, ROW, "SIGNAL", "STATISTIC", "VALUE", "P-VALUE", "DRIFT",
	    "DECIDED BY");
	for (i = 0; i < r->nsignals; i++) {
		s = &r->signal[i];
		nlp_drift_decided_by(why, sizeof why, s);
		fprintf(f, ROW, s->name, s->statistic_name, fmt(s->statistic, b1,
		    sizeof b1), fmt(s->p_value, b2, sizeof b2), s->drifted ?
		    "yes" : "no", why);
	}
	nlp_drift_domain_decided_by(why, sizeof why, d);
	fprintf(f, ROW, "domain", "roc_auc", fmt(d->auc, b1, sizeof b1), "-",
	    d->drifted ? "yes" : "no", why);
}

int
nlp_drift_text(FILE *f, const struct nlp_drift_report *r, int warned)
{
	const struct nlp_drift_verdict *v = &r->verdict;
	const struct nlp_drift_domain *d = &r->domain;
	size_t i, n;

	fprintf(f, "drift: %s (%zu/%zu signals", v->drift ? "yes" : "no",
	    v->drifted, v->signals);
	if (isfinite(d->auc))
		fprintf(f, "; domain AUC %.2f", d->auc);
	fputs(")\n\n", f);
	signal_table(f, r);
	fprintf(f, "\nrule: %s sample: %llu current record%s)\n", v->small ?
	    "p-values (small" : "effect sizes (large",
	    (unsigned long long)r->current_records,
	    r->current_records == 1 ? "" : "s");
	fprintf(f, "domain classifier: %zu reference text%s vs %zu current",
	    d->texts_per_side, d->texts_per_side == 1 ? "" : "s",
	    d->texts_per_side);
	/* many current records, few texts a side (a model's sample is its
	   held-out texts): the rule above is not the classifier's */
	if (d->skipped == NULL && d->permutation && !v->small)
		fputs(", judged by the permutation test (few texts a side, "
		    "however many current records)", f);
	if (d->skipped != NULL)
		fprintf(f, ", not run: %s", d->skipped);
	token_line(f, "\n\nwords whose share of texts grew most:", r->grew,
	    r->ngrew);
	token_line(f, "\nwords whose share of texts shrank most:", r->shrank,
	    r->nshrank);
	ngram_line(f, "\nn-grams that mark the current text:", d->top_current,
	    d->ntop_current);
	ngram_line(f, "\nn-grams that mark the reference text:",
	    d->top_reference, d->ntop_reference);
	fputc('\n', f);
	/* the signals the model leaves out, every run alike */
	for (i = 0, n = 0; i < r->nwarnings; i++)
		if (r->loud[i] == NLP_DRIFT_OF_MODEL)
			fprintf(f, "%s%s\n", n++ ? "" : "\nleft out by the model:\n",
			    r->warning[i]);
	for (i = 0, n = 0; warned && i < r->nwarnings; i++)
		if (r->loud[i] != NLP_DRIFT_OF_MODEL)
			fprintf(f, "%s%s\n", n++ ? "" : "\nwarnings:\n",
			    r->warning[i]);
	return ferror(f) ? -1 : 0;
}

/* A Prometheus label value: backslash, quote and newline escaped; a name
 * that is not clean UTF-8 escaped first (\xff, as messages show it),
 * which promtool and the node exporter would refuse, and the whole file
 * with it. */
static void
prom_label(FILE *f, const char *s)
{
	char esc[4 * 4096 + 1];

	if (!nlp_text_clean(s, strlen(s)))
		s = nlp_text_escape_into(s, esc, sizeof esc);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* A metric's name and labels: NAME{model="...",version="..."[,signal="..."]} */
static void
prom_metric(FILE *f, const char *name, const char *model,
    const char *version, const char *signal)
{
	fprintf(f, "%s{model=\"", name);
	prom_label(f, model);
	fputs("\",version=\"", f);
	prom_label(f, version);
	if (signal != NULL) {
		fputs("\",signal=\"", f);
		prom_label(f, signal);
	}
	fputs("\"} ", f);
}

int
nlp_drift_prom(FILE *f, const struct nlp_drift_report *r, const char *model,
    const char *version)
{
	size_t i;

	fputs("# HELP nlpops_drift 1 when nlpops drift found drift, else 0.\n"
	    "# TYPE nlpops_drift gauge\n", f);
	prom_metric(f, "nlpops_drift", model, version, NULL);
	fprintf(f, "%d\n", r->verdict.drift);
	fputs("# HELP nlpops_drift_signals_drifted Signals that drifted.\n"
	    "# TYPE nlpops_drift_signals_drifted gauge\n", f);
	prom_metric(f, "nlpops_drift_signals_drifted", model, version, NULL);
	fprintf(f, "%zu\n", r->verdict.drifted);
	fputs("# HELP nlpops_drift_signal A drift signal's statistic (its "
	    "statistic_name is in --json).\n"
	    "# TYPE nlpops_drift_signal gauge\n", f);
	for (i = 0; i < r->nsignals; i++) {
		if (!isfinite(r->signal[i].statistic))
			continue;
		prom_metric(f, "nlpops_drift_signal", model, version,
		    r->signal[i].name);
		fprintf(f, "%.17g\n", r->signal[i].statistic);
	}
	fputs("# HELP nlpops_drift_signal_drifted 1 when the signal drifted.\n"
	    "# TYPE nlpops_drift_signal_drifted gauge\n", f);
	for (i = 0; i < r->nsignals; i++) {
		prom_metric(f, "nlpops_drift_signal_drifted", model, version,
		    r->signal[i].name);
		fprintf(f, "%d\n", r->signal[i].drifted);
	}
	if (isfinite(r->domain.auc)) {
		fputs("# HELP nlpops_drift_domain_auc The domain classifier's ROC "
		    "AUC.\n# TYPE nlpops_drift_domain_auc gauge\n", f);
		prom_metric(f, "nlpops_drift_domain_auc", model, version, NULL);
		fprintf(f, "%.17g\n", r->domain.auc);
	}
	fputs("# HELP nlpops_drift_records Current records compared.\n"
	    "# TYPE nlpops_drift_records gauge\n", f);
	prom_metric(f, "nlpops_drift_records", model, version, NULL);
	fprintf(f, "%llu\n", (unsigned long long)r->current_records);
	return ferror(f) ? -1 : 0;
}
