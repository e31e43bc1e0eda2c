/*
 * eval_report.c - an evaluation's result as JSON and as a report for a
 * person (see eval_report.h).
 *
 * JSON goes through jansson, whose key sorting and number formatting the
 * documents have always had; jansson drops a key whose value it failed to
 * allocate, so every document is built under nlp_json_watch() and refused
 * whole when an allocation failed.
 */
#include "eval_report.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "evallog.h"
#include "jsonwatch.h"
#include "text.h"

#define ZD_SHOWN 5       /* labels named for undefined figures */
#define TEXT_SHOWN 200   /* bytes of an error's text shown */

/* A real, or null when it is not a finite number (JSON has neither). */
static json_t *
num(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static json_t *
prf_json(const struct nlp_eval_prf *p)
{
	json_t *o = json_object();

	json_object_set_new(o, "precision", num(p->precision));
	json_object_set_new(o, "recall", num(p->recall));
	json_object_set_new(o, "f1", num(p->f1));
	json_object_set_new(o, "support", json_integer((json_int_t)p->support));
	return o;
}

/* [lo, hi] */
static json_t *
interval_json(const double ci[2])
{
	json_t *a = json_array();

	json_array_append_new(a, num(ci[0]));
	json_array_append_new(a, num(ci[1]));
	return a;
}

/*
 * Call fn for each precision or recall that is undefined (counted as 0),
 * in label order, a label's precision first; fn returns nonzero to stop.
 */
static void
zero_division(const struct nlp_eval_figures *f,
    int (*fn)(void *arg, const char *label, int recall), void *arg)
{
	uint32_t i;

	for (i = 0; i < f->nclasses; i++) {
		const struct nlp_eval_class *c = &f->classes[i];
		if (c->predicted == 0 && fn(arg, c->label, 0))
			return;
		if (c->prf.support == 0 && fn(arg, c->label, 1))
			return;
	}
}

static const char *const zd_what[2][2] = {
	{ "precision", "never predicted" },
	{ "recall", "not in the gold labels" },
};

static int
zd_append(void *arg, const char *label, int recall)
{
	json_array_append_new(arg, json_sprintf("%s of '%s' (%s)",
	    zd_what[recall][0], label, zd_what[recall][1]));
	return 0;
}

static json_t *
confusion_json(const struct nlp_eval_confusion *c)
{
	json_t *o = json_object(), *labels = json_array(), *matrix = json_array();
	uint32_t g, l;

	for (g = 0; g < c->k; g++) {
		json_t *row = json_array();
		json_array_append_new(labels, json_string(c->labels[g]));
		for (l = 0; l < c->k; l++)
			json_array_append_new(row, json_integer((json_int_t)
			    c->matrix[(size_t)g * c->k + l]));
		json_array_append_new(matrix, row);
	}
	json_object_set_new(o, "labels", labels);
	json_object_set_new(o, "matrix", matrix);
	json_object_set_new(o, "labels_total", json_integer(c->labels_total));
	json_object_set_new(o, "examples_outside", json_integer((json_int_t)
	    c->examples_outside));
	return o;
}

/* {examples, share} of the examples seen in training, or null. */
static json_t *
seen_json(const struct nlp_eval_figures *f)
{
	json_t *o;

	if (!f->seen_known)
		return json_null();
	o = json_object();
	json_object_set_new(o, "examples", json_integer((json_int_t)f->seen));
	json_object_set_new(o, "share", num(f->seen_share));
	return o;
}

/* One model's report (schema 1). */
static json_t *
figures_json(const struct nlp_eval_figures *f)
{
	json_t *o = json_object(), *per = json_object(), *zd = json_array();
	json_t *unk = json_object(), *model = json_object();
	char ref[4 * 4096 + 1];
	uint32_t i;

	for (i = 0; i < f->nclasses; i++)
		json_object_set_new(per, f->classes[i].label,
		    prf_json(&f->classes[i].prf));
	zero_division(f, zd_append, zd);
	json_object_set_new(unk, "examples", json_integer((json_int_t)f->unknown));
	/* escaped as the data's names are: a path that is not UTF-8 made
	   json_string() NULL, and "ref" went missing */
	json_object_set_new(model, "ref", f->ref != NULL ? json_string(
	    nlp_text_escape_into(f->ref, ref, sizeof ref)) : json_null());
	json_object_set_new(model, "sha256", f->sha256 != NULL ?
	    json_string(f->sha256) : json_null());
	json_object_set_new(o, "schema", json_integer(NLP_EVAL_SCHEMA));
	json_object_set_new(o, "n", json_integer((json_int_t)f->n));
	json_object_set_new(o, "accuracy", num(f->accuracy));
	json_object_set_new(o, "macro_avg", prf_json(&f->macro));
	json_object_set_new(o, "micro_avg", prf_json(&f->micro));
	json_object_set_new(o, "weighted_avg", prf_json(&f->weighted));
	json_object_set_new(o, "per_class", per);
	json_object_set_new(o, "log_loss", num(f->log_loss));
	json_object_set_new(o, "ece", num(f->ece));
	json_object_set_new(o, "unknown_labels", unk);
	json_object_set_new(o, "zero_division", zd);
	if (f->multilabel) {
		json_object_set_new(o, "multilabel", json_true());
		json_object_set_new(o, "min_p", num(f->min_p));
		json_object_set_new(o, "subset_accuracy", num(f->accuracy));
		json_object_set_new(o, "samples_avg", prf_json(&f->samples));
		json_object_set_new(o, "hamming_loss", num(f->hamming_loss));
	} else {
		json_object_set_new(o, "confusion",
		    confusion_json(&f->confusion));
	}
	json_object_set_new(o, "model", model);
	json_object_set_new(o, "seen_in_training", seen_json(f));
	if (!f->seen_known)
		json_object_set_new(o, "seen_in_training_unknown",
		    json_string(f->seen_why));
	return o;
}

static json_t *
bootstrap_json(const struct nlp_eval_bootstrap *b)
{
	json_t *o = json_object(), *d;

	json_object_set_new(o, "replicates", json_integer(b->replicates));
	json_object_set_new(o, "seed", json_integer((json_int_t)b->seed));
	json_object_set_new(o, "accuracy", interval_json(b->accuracy));
	json_object_set_new(o, "macro_f1", interval_json(b->macro_f1));
	if (b->paired) {
		d = json_object();
		json_object_set_new(d, "accuracy", interval_json(b->diff_accuracy));
		json_object_set_new(d, "macro_f1", interval_json(b->diff_macro_f1));
		json_object_set_new(o, "difference", d);
	}
	return o;
}

/* [{name, sha256, bytes}] of the inputs read. */
static json_t *
data_json(const struct nlp_eval_result *r)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < r->ninputs; i++) {
		json_t *in = json_object();
		char name[4097];         /* a registry keeps 4096 bytes */
		/* escaped: a name that is not UTF-8 was left out, and the
		   evaluation recorded with it refused by import */
		json_object_set_new(in, "name", json_string(nlp_text_escape_into(
		    r->inputs[i].path, name, sizeof name)));
		json_object_set_new(in, "sha256", json_string(r->inputs[i].sha256));
		json_object_set_new(in, "bytes", json_integer((json_int_t)
		    r->inputs[i].bytes));
		json_array_append_new(a, in);
	}
	return a;
}

static json_t *
gates_json(const struct nlp_eval_result *r)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < r->ngates; i++) {
		const struct nlp_gate_result *g = &r->gates[i];
		json_t *o = json_object();
		json_object_set_new(o, "gate", json_string(nlp_gate_name(g->kind)));
		json_object_set_new(o, "metric", json_string(g->metric));
		json_object_set_new(o, "value", num(g->value));
		json_object_set_new(o, "bound", num(g->bound));
		json_object_set_new(o, "passed", g->passed < 0 ? json_null() :
		    json_boolean(g->passed));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *
errors_json(const struct nlp_eval_result *r)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < r->nerrors; i++) {
		const struct nlp_eval_error *x = &r->errors[i];
		json_t *o = json_object();
		json_object_set_new(o, "example", json_integer((json_int_t)
		    x->example));
		json_object_set_new(o, "gold", json_string(x->gold));
		json_object_set_new(o, "predicted", json_string(x->predicted));
		json_object_set_new(o, "p", num(x->p));
		json_object_set_new(o, "text", json_string(x->text));
		json_array_append_new(a, o);
	}
	return a;
}

/* --predictions: what the join of the log and the gold data counted. */
static json_t *
joined_json(const struct nlp_eval_result *r)
{
	const struct nlp_evallog_counts *c = r->joined;
	json_t *o = json_object(), *log = json_object();

	json_object_set_new(log, "name", json_string(r->log->path));
	json_object_set_new(log, "sha256", json_string(r->log->sha256));
	json_object_set_new(log, "bytes", json_integer((json_int_t)
	    r->log->bytes));
	json_object_set_new(o, "log", log);
	json_object_set_new(o, "shadow", json_boolean(r->log_shadow));
	json_object_set_new(o, "lines", json_integer((json_int_t)c->lines));
	json_object_set_new(o, "ids", json_integer((json_int_t)c->ids));
	json_object_set_new(o, "repeated", json_integer((json_int_t)
	    c->repeated));
	json_object_set_new(o, "no_id", json_integer((json_int_t)c->no_id));
	json_object_set_new(o, "gold_records", json_integer((json_int_t)
	    c->gold));
	json_object_set_new(o, "scored", json_integer((json_int_t)c->scored));
	json_object_set_new(o, "unscored", json_integer((json_int_t)
	    c->unscored));
	json_object_set_new(o, "no_prediction", json_integer((json_int_t)
	    c->no_prediction));
	json_object_set_new(o, "no_gold", json_integer((json_int_t)
	    c->no_gold));
	return o;
}

/* The --json document as a tree (NULL, or incomplete, when out of memory:
 * the caller watches). */
static json_t *
result_json(const struct nlp_eval_result *r)
{
	json_t *o = figures_json(&r->model), *t = json_object();

	if (r->bootstrap.replicates > 0)
		json_object_set_new(o, "bootstrap", bootstrap_json(&r->bootstrap));
	if (r->has_baseline)
		json_object_set_new(o, "baseline", figures_json(&r->baseline));
	if (r->baseline_skipped != NULL)
		json_object_set_new(o, "baseline_skipped",
		    json_string(r->baseline_skipped));
	json_object_set_new(o, "data", data_json(r));
	if (r->joined != NULL)
		json_object_set_new(o, "predictions", joined_json(r));
	json_object_set_new(o, "skipped", json_string(r->skipped));
	json_object_set_new(o, "records_skipped",
	    json_integer((json_int_t)r->records_skipped));
	json_object_set_new(o, "examples_without_text",
	    json_integer((json_int_t)r->textless));
	/* the verdict: false when a gate failed or the gates could not
	 * decide; true when every gate passed, or none was given */
	json_object_set_new(o, "passed", json_boolean(r->ngates == 0 ||
	    (r->decisive && r->failed == 0)));
	if (r->ngates > 0) {
		json_object_set_new(o, "gates", gates_json(r));
		if (!r->decisive)
			json_object_set_new(o, "gates_undecided",
			    json_string(r->undecided));
	}
	if (r->errors_asked)
		json_object_set_new(o, "errors", errors_json(r));
	json_object_set_new(t, "seconds", num(r->seconds));
	json_object_set_new(t, "examples_per_s", num(r->seconds > 0 ?
	    (double)r->model.n / r->seconds : 0));
	json_object_set_new(o, "timing", t);
	return o;
}

/* Dump root (taking it) with flags into *out: NLP_OK, or NLP_IO when an
 * allocation failed since mark, there or while building root. */
static int
dump(json_t *root, size_t flags, unsigned long mark, char **out,
    struct nlp_err *e)
{
	char *s = root != NULL ? json_dumps(root, flags) : NULL;

	json_decref(root);
	if (s == NULL || nlp_json_failed_since(mark)) {
		free(s);
		*out = NULL;
		return nlp_errf(e, NLP_IO, "out of memory");
	}
	*out = s;
	return NLP_OK;
}

int
nlp_eval_json(const struct nlp_eval_result *r, char **out, struct nlp_err *e)
{
	unsigned long mark = nlp_json_watch();
	char *s, *t;
	size_t len;
	int rc;

	if ((rc = dump(result_json(r), JSON_INDENT(2) | JSON_SORT_KEYS |
	    JSON_REAL_PRECISION(10), mark, &s, e)) != NLP_OK)
		return rc;
	len = strlen(s);
	if ((t = realloc(s, len + 2)) == NULL) {
		free(s);
		*out = NULL;
		return nlp_errf(e, NLP_IO, "out of memory");
	}
	memcpy(t + len, "\n", 2);
	*out = t;
	return NLP_OK;
}

int
nlp_eval_write_json(FILE *out, const struct nlp_eval_result *r,
    struct nlp_err *e)
{
	char *s;
	int rc;

	if ((rc = nlp_eval_json(r, &s, e)) != NLP_OK)
		return rc;
	errno = 0;
	if (fputs(s, out) == EOF)
		rc = nlp_errnof(e, NLP_IO, errno ? errno : EIO, "cannot write "
		    "output");
	free(s);
	return rc;
}

int
nlp_eval_record_json(const struct nlp_eval_result *r, char **data,
    char **metrics, struct nlp_err *e)
{
	const struct nlp_eval_figures *f = &r->model;
	unsigned long mark = nlp_json_watch();
	json_t *m = json_object(), *pc = json_object();
	uint32_t i;

	json_object_set_new(m, "n", json_integer((json_int_t)f->n));
	json_object_set_new(m, "accuracy", num(f->accuracy));
	json_object_set_new(m, "macro_f1", num(f->macro.f1));
	json_object_set_new(m, "weighted_f1", num(f->weighted.f1));
	json_object_set_new(m, "log_loss", num(f->log_loss));
	json_object_set_new(m, "ece", num(f->ece));
	/* the share of the data trained on; unknown (a model with no record
	   of its training texts), null, which meets no requirement, where
	   an evaluation recorded before the share was has none */
	if (f->seen_known)
		json_object_set_new(m, "seen", num(f->seen_share));
	else if (r->joined == NULL)
		json_object_set_new(m, "seen", json_null());
	for (i = 0; i < f->nclasses; i++)
		json_object_set_new(pc, f->classes[i].label,
		    num(f->classes[i].prf.f1));
	json_object_set_new(m, "per_class_f1", pc);
	*data = NULL;
	if (dump(m, JSON_SORT_KEYS | JSON_COMPACT | JSON_REAL_PRECISION(10), mark,
	    metrics, e) != NLP_OK ||
	    dump(data_json(r), JSON_SORT_KEYS | JSON_COMPACT, mark, data, e) !=
	    NLP_OK) {
		free(*metrics);
		*metrics = NULL;
		return NLP_IO;
	}
	return NLP_OK;
}

/* A stream written to, and the first failure. */
struct out {
	FILE *f;
	int err;                 /* errno of the first write that failed */
};

static void say(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
say(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int rc;

	if (o->err != 0)
		return;
	errno = 0;
	va_start(ap, fmt);
	rc = vfprintf(o->f, fmt, ap);
	va_end(ap);
	if (rc < 0)
		o->err = errno ? errno : EIO;
}

/* s from the data or a model, escaped (text.h), right-aligned in width. */
static void
say_safe(struct out *o, const char *s, int width)
{
	if (o->err != 0)
		return;
	errno = 0;
	if (nlp_text_put_safe(o->f, s, width) != 0)
		o->err = errno ? errno : EIO;
}

static int
out_status(const struct out *o, struct nlp_err *e)
{
	if (o->err == 0)
		return NLP_OK;
	if (o->err == ENOMEM)
		return nlp_errf(e, NLP_IO, "out of memory");
	return nlp_errnof(e, NLP_IO, o->err, "cannot write output");
}

/* What the report always showed for a figure that is not a number. */
static double
shown(double x)
{
	return isfinite(x) ? x : 0;
}

/* The classification_report-like table, log loss, ECE, intervals. */
static void
write_table(struct out *o, const struct nlp_eval_result *r)
{
	const struct nlp_eval_figures *f = &r->model;
	const struct { const char *name; const struct nlp_eval_prf *p; } avgs[] = {
		{ "macro avg", &f->macro }, { "weighted avg", &f->weighted },
		{ "micro avg", &f->micro }, { "samples avg", &f->samples },
	};
	size_t i, w = f->multilabel ? 15 : 12;

	for (i = 0; i < f->nclasses; i++)
		if (nlp_text_safe_width(f->classes[i].label) > w)
			w = nlp_text_safe_width(f->classes[i].label);
	if (r->joined != NULL && f->sha256 == NULL) {
		/* a log that names no model (predict's JSONL): the log, once;
		   or several (serve's, the alias moved): those, as in JSON */
		say(o, "%s of ", r->log_shadow ? "the shadow predictions" :
		    "predictions");
		say_safe(o, r->log->path, 0);
		if (f->ref != NULL && strcmp(f->ref, r->log->path) != 0) {
			say(o, " (");
			say_safe(o, f->ref, 0);
			say(o, ")");
		} else
			say(o, " (their model not named)");
		say(o, ", %zu example%s", f->n, f->n == 1 ? "" : "s");
	} else {
		say(o, "model ");
		say_safe(o, f->ref, 0);
		say(o, " (sha256 %.12s), %zu example%s", f->sha256 != NULL ?
		    f->sha256 : "unknown", f->n, f->n == 1 ? "" : "s");
	}
	if (r->joined != NULL && f->sha256 != NULL) {
		say(o, ", %s of ", r->log_shadow ? "the shadow predictions" :
		    "predictions");
		say_safe(o, r->log->path, 0);
	}
	if (f->multilabel)
		say(o, ", multi-label: the labels of p >= %g", f->min_p);
	say(o, "\n\n%*s  %9s  %9s  %9s  %9s\n", (int)w, "", "precision",
	    "recall", "f1-score", "support");
	for (i = 0; i < f->nclasses; i++) {
		const struct nlp_eval_prf *p = &f->classes[i].prf;
		say_safe(o, f->classes[i].label, (int)w);
		say(o, "  %9.4f  %9.4f  %9.4f  %9llu\n", p->precision, p->recall,
		    p->f1, (unsigned long long)p->support);
	}
	say(o, "\n%*s  %9s  %9s  %9.4f  %9zu\n", (int)w, f->multilabel ?
	    "subset accuracy" : "accuracy", "", "", f->accuracy, f->n);
	for (i = 0; i < (f->multilabel ? 4u : 3u); i++)
		say(o, "%*s  %9.4f  %9.4f  %9.4f  %9llu\n", (int)w, avgs[i].name,
		    avgs[i].p->precision, avgs[i].p->recall, avgs[i].p->f1,
		    (unsigned long long)avgs[i].p->support);
	/* a prediction log has no distributions: no log loss, no ECE */
	if (f->multilabel)
		say(o, "\n%*s  %9.4f\n", (int)w, "hamming loss",
		    f->hamming_loss);
	else if (r->joined == NULL)
		say(o, "\n%*s  %9.4f\n%*s  %9.4f\n", (int)w, "log loss",
		    shown(f->log_loss), (int)w, "ECE", shown(f->ece));
	if (r->bootstrap.replicates > 0)
		say(o, "\n95%% intervals (%u resamples): accuracy [%.4f, %.4f], "
		    "macro-F1 [%.4f, %.4f]\n", r->bootstrap.replicates,
		    r->bootstrap.accuracy[0], r->bootstrap.accuracy[1],
		    r->bootstrap.macro_f1[0], r->bootstrap.macro_f1[1]);
}

/* x as %+.4f prints it, without "-0.0000" for a difference below half a
 * unit of the last digit (the same figures' last bits) */
static double
signed4(double x)
{
	return fabs(x) < 0.00005 ? 0.0 : x;
}

/* The baseline's figures and the difference. */
static void
write_baseline(struct out *o, const struct nlp_eval_result *r)
{
	const struct nlp_eval_figures *f = &r->model, *b = &r->baseline;
	const struct nlp_eval_bootstrap *bs = &r->bootstrap;

	say(o, "\nbaseline ");
	say_safe(o, b->ref, 0);
	say(o, " (sha256 %.12s): accuracy %.4f, macro-F1 %.4f; candidate - "
	    "baseline: accuracy %+.4f, macro-F1 %+.4f\n", b->sha256,
	    b->accuracy, b->macro.f1, signed4(f->accuracy - b->accuracy),
	    signed4(f->macro.f1 - b->macro.f1));
	if (bs->replicates > 0 && bs->paired)
		say(o, "95%% paired intervals of the difference: accuracy "
		    "[%+.4f, %+.4f], macro-F1 [%+.4f, %+.4f]\n",
		    signed4(bs->diff_accuracy[0]), signed4(bs->diff_accuracy[1]),
		    signed4(bs->diff_macro_f1[0]), signed4(bs->diff_macro_f1[1]));
}

/*
 * The confusion matrix; with more labels than it holds
 * (NLP_CONFUSION_MAX_LABELS), the title says which part it is.
 */
static void
write_confusion(struct out *o, const struct nlp_eval_confusion *c)
{
	size_t w = 6;
	uint32_t g, l;

	for (l = 0; l < c->k; l++)
		if (nlp_text_safe_width(c->labels[l]) > w)
			w = nlp_text_safe_width(c->labels[l]);
	say(o, "\nconfusion (rows: gold, columns: predicted)");
	if (c->labels_total > c->k)
		say(o, " of the %u labels with the most examples, of %u; %llu "
		    "examples outside them", (unsigned)c->k,
		    (unsigned)c->labels_total,
		    (unsigned long long)c->examples_outside);
	say(o, "\n%*s", (int)w, "");
	for (l = 0; l < c->k; l++) {
		say(o, " ");
		say_safe(o, c->labels[l], (int)w);
	}
	say(o, "\n");
	for (g = 0; g < c->k; g++) {
		say_safe(o, c->labels[g], (int)w);
		for (l = 0; l < c->k; l++)
			say(o, " %*llu", (int)w, (unsigned long long)
			    c->matrix[(size_t)g * c->k + l]);
		say(o, "\n");
	}
}

/* The most confident errors, one line each, the text cut short. */
static void
write_errors(struct out *o, const struct nlp_eval_result *r)
{
	char cut[TEXT_SHOWN + 1];
	size_t i, n, k;

	say(o, "\nmost confident errors (gold, predicted, p, example, text)\n");
	for (i = 0; i < r->nerrors; i++) {
		const struct nlp_eval_error *x = &r->errors[i];
		n = nlp_utf8_cut(x->text, strlen(x->text), TEXT_SHOWN);
		memcpy(cut, x->text, n);
		cut[n] = '\0';
		/* one line per error */
		for (k = 0; k < n; k++)
			if (cut[k] == '\t' || cut[k] == '\n' || cut[k] == '\r')
				cut[k] = ' ';
		say_safe(o, x->gold, 0);
		say(o, "\t");
		say_safe(o, x->predicted, 0);
		say(o, "\t%.4f\t%zu\t", x->p, x->example);
		say_safe(o, cut, 0);
		say(o, "\n");
	}
}

int
nlp_eval_write_text(FILE *out, const struct nlp_eval_result *r,
    int confusion, struct nlp_err *e)
{
	struct out o = { out, 0 };

	write_table(&o, r);
	if (r->has_baseline)
		write_baseline(&o, r);
	if (confusion)
		write_confusion(&o, &r->model.confusion);
	if (r->errors_asked)
		write_errors(&o, r);
	return out_status(&o, e);
}

/* The undefined precisions and recalls, for one warning: how many of each,
 * and the first ZD_SHOWN labels of each (thousands of labels make
 * thousands of them). */
struct zd_notes {
	size_t n[2];
	const char *first[2][ZD_SHOWN];
};

static int
zd_note(void *arg, const char *label, int recall)
{
	struct zd_notes *z = arg;

	if (z->n[recall] < ZD_SHOWN)
		z->first[recall][z->n[recall]] = label;
	z->n[recall]++;
	return 0;
}

/* The one line that says which figures are undefined, counted as 0. */
static void
zd_warning(struct out *o, const char *prefix, const struct zd_notes *z)
{
	int r;
	size_t i;

	if (z->n[0] + z->n[1] == 0)
		return;
	say(o, "%s: warning: undefined, counted as 0:", prefix);
	for (r = 0; r < 2; r++) {
		if (z->n[r] == 0)
			continue;
		say(o, "%s %s of %zu label%s %s (", r && z->n[0] ? ";" : "",
		    zd_what[r][0], z->n[r], z->n[r] == 1 ? "" : "s", zd_what[r][1]);
		for (i = 0; i < z->n[r] && i < ZD_SHOWN; i++) {
			say(o, "%s'", i ? ", " : "");
			say_safe(o, z->first[r][i], 0);
			say(o, "'");
		}
		say(o, "%s)", z->n[r] > ZD_SHOWN ? ", ..." : "");
	}
	say(o, "\n");
}

/* --predictions: the one line that says what the join found. */
static void
joined_note(struct out *o, const char *prefix, const struct nlp_eval_result *r)
{
	const struct nlp_evallog_counts *c = r->joined;

	say(o, "%s: ", prefix);
	say_safe(o, r->log->path, 0);
	say(o, ": %llu lines, %llu ids (%llu repeated: the last line counts; "
	    "%llu without an id); %llu gold records: %llu scored, %llu "
	    "unscored, %llu had no prediction; %llu prediction%s had no gold "
	    "record\n", (unsigned long long)c->lines, (unsigned long long)c->ids,
	    (unsigned long long)c->repeated, (unsigned long long)c->no_id,
	    (unsigned long long)c->gold, (unsigned long long)c->scored,
	    (unsigned long long)c->unscored,
	    (unsigned long long)c->no_prediction,
	    (unsigned long long)c->no_gold, c->no_gold == 1 ? "" : "s");
}

/*
 * A bootstrap interval of macro-F1 that lies wholly on one side of the
 * figure: with a few examples a class, resampled macro-F1 is biased down
 * (a class a replicate misses scores 0), and --gate-on lower judges by a
 * bound below what the model scores.  Said, not corrected.
 */
static void
biased_interval(struct out *o, const char *prefix,
    const struct nlp_eval_result *r)
{
	const struct nlp_eval_bootstrap *b = &r->bootstrap;
	double f1 = r->model.macro.f1;

	if (b->replicates == 0 || !isfinite(f1) ||
	    (f1 >= b->macro_f1[0] && f1 <= b->macro_f1[1]))
		return;
	say(o, "%s: warning: the bootstrap interval of macro-F1 [%.4f, %.4f] "
	    "lies %s its figure %.4f: with few examples a class (%.1f here) "
	    "resampling biases it%s\n", prefix, b->macro_f1[0], b->macro_f1[1],
	    f1 > b->macro_f1[1] ? "below" : "above", f1,
	    r->model.nclasses > 0 ? (double)r->model.n /
	    (double)r->model.nclasses : 0.0, f1 > b->macro_f1[1] ?
	    ", and --gate-on lower judges by a bound under what the model "
	    "scores" : "");
}

/* How many examples had a gold label the model does not know (if any). */
static void
unknown_note(struct out *o, const char *prefix,
    const struct nlp_eval_result *r)
{
	if (r->model.unknown > 0)
		say(o, "%s: examples with gold labels the model does not know, "
		    "scored as errors: %llu\n", prefix,
		    (unsigned long long)r->model.unknown);
}

/* How many examples occur in the training data; more than 'registry
 * alias --require' takes is a warning (hint: with what gates on it). */
static void
seen_line(struct out *o, const char *prefix, const struct nlp_eval_figures *f,
    int hint)
{
	int many = f->seen_share > NLP_SEEN_MAX;

	say(o, "%s: %s%llu of %zu examples (%.1f%%) also occur in the "
	    "training data%s", prefix, many ? "warning: " : "",
	    (unsigned long long)f->seen, f->n, 100 * f->seen_share, !many ?
	    "" : f->seen < f->n ? ": the figures are partly on training data" :
	    ": the figures are all on training data");
	if (many && hint)
		say(o, " (--max-seen gates on that share; 'registry alias "
		    "--require' takes no figures above %.0f%%)", 100 *
		    NLP_SEEN_MAX);
	say(o, "\n");
}

void
nlp_eval_write_seen_warning(FILE *out, const char *prefix,
    const struct nlp_eval_result *r)
{
	struct out o = { out, 0 };

	if (r->joined == NULL && r->model.seen_known &&
	    r->model.seen_share > NLP_SEEN_MAX)
		seen_line(&o, prefix, &r->model, 1);
}

void
nlp_eval_write_notes(FILE *out, const char *prefix,
    const struct nlp_eval_result *r)
{
	const struct nlp_eval_figures *f = &r->model;
	struct out o = { out, 0 };
	struct zd_notes z;

	if (r->skipped[0] != '\0')
		say(&o, "%s: %s\n", prefix, r->skipped);
	if (r->joined != NULL)
		joined_note(&o, prefix, r);
	else if (f->seen_known) {
		seen_line(&o, prefix, f, 0);
	} else {
		say(&o, "%s: warning: cannot tell how many examples the model "
		    "was trained on: ", prefix);
		say_safe(&o, f->seen_why, 0);
		say(&o, "\n");
	}
	unknown_note(&o, prefix, r);
	if (r->textless > 0)
		say(&o, "%s: %llu example%s without text (not a word or mark), "
		    "scored on the model's bias alone (predict leaves such a "
		    "line unlabeled, without --score-empty)\n", prefix,
		    (unsigned long long)r->textless, r->textless == 1 ? "" :
		    "s");
	biased_interval(&o, prefix, r);
	memset(&z, 0, sizeof z);
	zero_division(f, zd_note, &z);
	zd_warning(&o, prefix, &z);
	/* records skipped: the figures are of the rest; examples without
	   text are in them (scored on the bias, said above) */
	if (!r->decisive && r->ngates == 0)
		say(&o, "%s: warning: %s%s\n", prefix, r->undecided,
		    r->undecided_skipped ? ": the figures stand on the rest" :
		    "");
	if (r->joined == NULL)
		say(&o, "%s: %zu example%s in %.2f s (%.0f/s)\n", prefix, f->n,
		    f->n == 1 ? "" : "s", r->seconds, r->seconds > 0 ?
		    (double)f->n / r->seconds : 0);
}

/* Whether a and b print differently with d decimals. */
static int
differ_at(double a, double b, int d)
{
	char x[64], y[64];

	snprintf(x, sizeof x, "%.*f", d, a);
	snprintf(y, sizeof y, "%.*f", d, b);
	return strcmp(x, y) != 0;
}

int
nlp_gate_digits(double value, double bound)
{
	int d = 4;

	if (isfinite(value) && isfinite(bound) && value == floor(value) &&
	    bound == floor(bound) && fabs(value) < 1e15 && fabs(bound) < 1e15)
		return 0;
	while (d < 10 && isfinite(value) && differ_at(value, bound, d) == 0)
		d++;
	return d;
}

void
nlp_eval_write_gates(FILE *out, const char *prefix,
    const struct nlp_eval_result *r, int quiet)
{
	struct out o = { out, 0 };
	size_t i;

	for (i = 0; i < r->ngates; i++) {
		const struct nlp_gate_result *g = &r->gates[i];
		const char *note = "";
		if (g->passed == 1)
			continue;
		if (r->gate_on_lower && (g->kind == NLP_GATE_MIN_ACCURACY ||
		    g->kind == NLP_GATE_MIN_F1))
			note = " (bootstrap lower bound)";
		else if (r->gate_on_lower && g->kind == NLP_GATE_MAX_DROP)
			note = " (bootstrap upper bound of the drop)";
		int d = nlp_gate_digits(g->value, g->bound);
		if (d == 0)             /* a figure here is a fraction */
			d = 4;
		say(&o, "%s: gate %s failed: ", prefix, nlp_gate_name(g->kind));
		say_safe(&o, g->metric, 0);
		/* a figure that is not a number fails: say so, not "0.0000" */
		if (isfinite(g->value))
			say(&o, " %.*f", d, g->value);
		else
			say(&o, " undefined");
		say(&o, ", bound %.*f", d, g->bound);
		/* and by how much, that the log says it (a min gate short of
		   its bound, a max gate over it) */
		if (isfinite(g->value))
			say(&o, " (%.*f %s)", d, fabs(g->value - g->bound),
			    g->value < g->bound ? "short" : "over");
		say(&o, "%s\n", note);
	}
	/* a CI job runs with -q: a failed gate still says when gold labels
	   the model does not know, each scored as an error, pulled it down */
	if (quiet && r->failed)
		unknown_note(&o, prefix, r);
	if (!quiet && r->ngates == 1 && r->failed == 0)
		say(&o, "%s: the gate passed\n", prefix);
	else if (!quiet && r->ngates > 1 && r->failed == 0)
		say(&o, "%s: all %zu gates passed\n", prefix, r->ngates);
}
