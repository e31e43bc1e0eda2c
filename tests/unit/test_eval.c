/*
 * test_eval.c - evaluation: the figures against scikit-learn on the
 * fixtures in tests/data/eval (made by make_fixture.py and
 * make_fixture_multilabel.py from the cases next to them) and against values worked out by hand on small cases; bootstrap;
 * the gates, decided on the typed figures; and the bytes the serializers
 * write (the --json document, --record's texts, the report, the notes and
 * the gates' lines).  Every test checks for leaks.  Run from the
 * repository root.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "eval.h"
#include "eval_report.h"
#include "metrics.h"
#include "text.h"
#include "leak_test.h"

/* Build ev for a case: classes, gold labels and probability rows. */
static void
build(struct nlp_eval *ev, const char *const *classes, uint32_t C,
    char *const *gold, const float *probs, size_t n)
{
	size_t i;

	cr_assert_eq(nlp_eval_init(ev, classes, C, gold, n), 0);
	for (i = 0; i < n; i++)
		nlp_eval_row(ev, i, probs + i * C);
}

/* ev's figures (which must be measured). */
static void
measure(struct nlp_eval_figures *f, const struct nlp_eval *ev)
{
	cr_assert_eq(nlp_eval_measure(f, ev), 0);
}

static double
get(const json_t *o, const char *a, const char *b)
{
	const json_t *x = json_object_get(o, a);

	if (b)
		x = json_object_get(x, b);
	cr_assert(json_is_number(x), "missing %s.%s", a, b ? b : "");
	return json_number_value(x);
}

#define NEAR(a, b) cr_assert(fabs((a) - (b)) < 5e-5, "%s: %.6f vs %.6f", #a, (double)(a), (double)(b))

static const struct nlp_eval_class *
cls(const struct nlp_eval_figures *f, const char *label)
{
	const struct nlp_eval_class *c = nlp_eval_class_find(f, label);

	cr_assert_not_null(c, "label %s", label);
	return c;
}

/* Compare scikit-learn's {precision, recall, f1-score} with ours. */
static void
near_prf(const struct nlp_eval_prf *p, const json_t *want)
{
	NEAR(p->precision, get(want, "precision", NULL));
	NEAR(p->recall, get(want, "recall", NULL));
	NEAR(p->f1, get(want, "f1-score", NULL));
	NEAR((double)p->support, get(want, "support", NULL));
}

/* Read case name's rows: gold labels (strdup'd) and probabilities. */
static size_t
read_case(const char *name, size_t C, char **gold, float *probs)
{
	FILE *f = fopen("tests/data/eval/cases.tsv", "r");
	char line[8192];
	size_t n = 0, i;

	cr_assert_not_null(f, "tests/data/eval/cases.tsv (run from the top)");
	while (fgets(line, sizeof line, f) != NULL) {
		char *tab1 = strchr(line, '\t'), *tab2, *tab3, *p;
		if (tab1 == NULL || strncmp(line, name, (size_t)(tab1 - line)) != 0 ||
		    strlen(name) != (size_t)(tab1 - line))
			continue;
		tab2 = strchr(tab1 + 1, '\t');
		tab3 = strchr(tab2 + 1, '\t');
		*tab3 = '\0';
		gold[n] = strdup(tab2 + 1);
		p = tab3 + 1;
		for (i = 0; i < C; i++)
			probs[n * C + i] = strtof(p, &p);
		n++;
	}
	fclose(f);
	return n;
}

/* One fixture case against scikit-learn's figures. */
static void
check_case(const char *name)
{
	json_t *sk = json_load_file("tests/data/eval/sklearn.json", 0, NULL);
	const json_t *want, *classes, *per;
	static char *gold[1000];
	static float probs[1000 * 16];
	char *cl[16];
	struct nlp_eval ev;
	struct nlp_eval_figures f;
	const char *label;
	json_t *v;
	size_t n, C, i;

	cr_assert_not_null(sk);
	want = json_object_get(sk, name);
	classes = json_object_get(want, "classes");
	C = json_array_size(classes);
	for (i = 0; i < C; i++)
		cl[i] = (char *)json_string_value(json_array_get(classes, i));
	n = read_case(name, C, gold, probs);
	cr_assert_eq(n, (size_t)json_integer_value(json_object_get(want, "n")));
	build(&ev, (const char *const *)cl, (uint32_t)C, gold, probs, n);
	measure(&f, &ev);
	cr_assert_eq(f.n, n);
	NEAR(f.accuracy, get(want, "accuracy", NULL));
	near_prf(&f.macro, json_object_get(want, "macro_avg"));
	near_prf(&f.weighted, json_object_get(want, "weighted_avg"));
	/* micro: accuracy, for single-label data */
	NEAR(f.micro.f1, f.accuracy);
	NEAR(f.log_loss, get(want, "log_loss", NULL));
	NEAR(f.ece, get(want, "ece", NULL));
	per = json_object_get(want, "per_class");
	cr_assert_eq(f.nclasses, json_object_size(per));
	json_object_foreach((json_t *)per, label, v)
		near_prf(&cls(&f, label)->prf, v);
	/* the bins hold every example, and the ECE is theirs */
	{
		uint64_t total = 0;
		double ece = 0;
		for (i = 0; i < NLP_ECE_BINS; i++) {
			const struct nlp_eval_bin *b = &f.bins[i];
			total += b->n;
			if (b->n > 0)
				ece += (double)b->n / (double)n * fabs((double)b->correct /
				    (double)b->n - b->confidence / (double)b->n);
		}
		cr_assert_eq(total, n);
		NEAR(ece, f.ece);
	}
	nlp_eval_figures_release(&f);
	nlp_eval_release(&ev);
	json_decref(sk);
	for (i = 0; i < n; i++)
		free(gold[i]);
}

LEAK_TEST(sklearn, agrees_on_many_classes_with_unknown_gold_labels)
{
	check_case("multi");
}

LEAK_TEST(sklearn, agrees_on_an_imbalanced_binary_problem)
{
	check_case("binary");
}

LEAK_TEST(sklearn, agrees_when_a_class_is_only_in_gold_or_only_predicted)
{
	check_case("absent");
}

/*
 * Multi-label: one case of tests/data/eval/multilabel.tsv (case, min_p,
 * classes, gold labels, probabilities) measured as `eval` measures a
 * multi-label model, against scikit-learn's figures on the same predicted
 * sets (make_fixture_multilabel.py).
 */
static void
check_multi_case(const char *name)
{
	json_t *sk = json_load_file("tests/data/eval/sklearn_multilabel.json", 0,
	    NULL);
	FILE *fp = fopen("tests/data/eval/multilabel.tsv", "r");
	static char *golds[4000], *cl[16], line[8192], classes[512];
	static float probs[1000 * 16];
	static size_t gstart[1001];
	uint32_t scratch[64];
	const json_t *want, *per;
	const char *avg[] = { "micro", "macro", "weighted", "samples" };
	const struct nlp_eval_prf *ours[4];
	struct nlp_eval ev;
	struct nlp_eval_figures f;
	const char *label;
	json_t *v;
	double min_p = 0;
	size_t n = 0, ng = 0, C = 0, i;
	char *p, *tok;

	cr_assert_not_null(sk);
	cr_assert_not_null(fp, "tests/data/eval/multilabel.tsv (run from the "
	    "top)");
	want = json_object_get(sk, name);
	cr_assert_not_null(want, "case %s", name);
	while (fgets(line, sizeof line, fp) != NULL) {
		char *f5[5];
		line[strcspn(line, "\n")] = '\0';
		f5[0] = strtok(line, "\t");
		for (i = 1; i < 5; i++)
			f5[i] = strtok(NULL, "\t");
		if (strcmp(f5[0], name) != 0)
			continue;
		min_p = strtod(f5[1], NULL);
		if (C == 0) {
			snprintf(classes, sizeof classes, "%s", f5[2]);
			for (tok = strtok(classes, ","); tok; tok = strtok(NULL, ","))
				cl[C++] = tok;
		}
		gstart[n] = ng;
		for (tok = strtok(f5[3], ","); tok; tok = strtok(NULL, ","))
			golds[ng++] = strdup(tok);
		p = f5[4];
		for (i = 0; i < C; i++)
			probs[n * C + i] = strtof(p, &p);
		n++;
	}
	fclose(fp);
	gstart[n] = ng;
	cr_assert_eq(n, (size_t)json_integer_value(json_object_get(want, "n")));
	cr_assert_eq(nlp_eval_init_multi(&ev, (const char *const *)cl,
	    (uint32_t)C, golds, gstart, n, min_p), 0);
	for (i = 0; i < n; i++)
		cr_assert_eq(nlp_eval_row_multi(&ev, &ev.counts, gstart, i,
		    probs + i * C, scratch), 0);
	measure(&f, &ev);
	cr_assert(f.multilabel);
	cr_assert_eq(f.n, n);
	NEAR(f.accuracy, get(want, "subset_accuracy", NULL));
	NEAR(f.hamming_loss, get(want, "hamming_loss", NULL));
	ours[0] = &f.micro, ours[1] = &f.macro, ours[2] = &f.weighted;
	ours[3] = &f.samples;
	for (i = 0; i < 4; i++) {
		NEAR(ours[i]->precision, get(want, avg[i], "precision"));
		NEAR(ours[i]->recall, get(want, avg[i], "recall"));
		NEAR(ours[i]->f1, get(want, avg[i], "f1"));
	}
	per = json_object_get(want, "per_class");
	cr_assert_eq(f.nclasses, json_object_size(per));
	json_object_foreach((json_t *)per, label, v) {
		const struct nlp_eval_prf *c = &cls(&f, label)->prf;
		NEAR(c->precision, get(v, "precision", NULL));
		NEAR(c->recall, get(v, "recall", NULL));
		NEAR(c->f1, get(v, "f1", NULL));
		NEAR((double)c->support, get(v, "support", NULL));
	}
	nlp_eval_figures_release(&f);
	nlp_eval_release(&ev);
	json_decref(sk);
	for (i = 0; i < ng; i++)
		free(golds[i]);
}

LEAK_TEST(sklearn, multilabel_agrees_on_sets_of_one_to_three_labels)
{
	check_multi_case("random");
}

LEAK_TEST(sklearn, multilabel_agrees_at_a_low_and_a_high_cut_off)
{
	check_multi_case("low_cut");
	check_multi_case("high_cut");
}

LEAK_TEST(sklearn, multilabel_agrees_with_gold_labels_the_model_lacks)
{
	check_multi_case("unknown");
}

LEAK_TEST(sklearn, multilabel_agrees_on_one_example)
{
	check_multi_case("single");
}

static const char *ab[] = { "a", "b" };

LEAK_TEST(by_hand, a_class_never_predicted_has_precision_zero_and_is_noted)
{
	char *gold[] = { "a", "b", "b" };
	float p[] = { .9f, .1f, .8f, .2f, .6f, .4f };   /* all predict a */
	struct nlp_eval ev;
	struct nlp_eval_figures f;

	build(&ev, ab, 2, gold, p, 3);
	measure(&f, &ev);
	NEAR(f.accuracy, 1.0 / 3);
	NEAR(cls(&f, "b")->prf.precision, 0.0);
	NEAR(cls(&f, "b")->prf.recall, 0.0);
	cr_assert_eq(cls(&f, "b")->predicted, 0);
	NEAR(cls(&f, "a")->prf.precision, 1.0 / 3);
	cr_assert_eq(cls(&f, "a")->predicted, 3);
	/* macro F1: (0.5 + 0) / 2 */
	NEAR(f.macro.f1, 0.25);
	nlp_eval_figures_release(&f);
	nlp_eval_release(&ev);
}

LEAK_TEST(by_hand, a_single_class_scores_one)
{
	char *gold[] = { "a", "a" };
	float p[] = { .9f, .1f, .7f, .3f };
	struct nlp_eval ev;
	struct nlp_eval_figures f;

	build(&ev, ab, 2, gold, p, 2);
	measure(&f, &ev);
	NEAR(f.accuracy, 1.0);
	NEAR(f.macro.f1, 1.0);
	/* b is neither gold nor predicted: not scored */
	cr_assert_null(nlp_eval_class_find(&f, "b"));
	cr_assert_eq(f.nclasses, 1);
	NEAR(f.log_loss, -(log(0.9) + log(0.7)) / 2);
	/* bins (13/15, 14/15] and (10/15, 11/15]: |1 - .9| and |1 - .7| */
	NEAR(f.ece, (0.1 + 0.3) / 2);
	cr_assert_eq(f.bins[13].n, 1);
	cr_assert_eq(f.bins[10].n, 1);
	cr_assert_eq(f.bins[10].correct, 1);
	NEAR(f.bins[10].confidence, 0.7);
	nlp_eval_figures_release(&f);
	nlp_eval_release(&ev);
}

LEAK_TEST(by_hand, one_wrong_example)
{
	char *gold[] = { "b" };
	float p[] = { .75f, .25f };
	struct nlp_eval ev;
	struct nlp_eval_figures f;

	build(&ev, ab, 2, gold, p, 1);
	measure(&f, &ev);
	NEAR(f.accuracy, 0.0);
	NEAR(f.macro.f1, 0.0);
	NEAR(f.log_loss, -log(0.25));
	NEAR(f.ece, 0.75);
	cr_assert_eq(f.confusion.k, 2);
	cr_assert_str_eq(f.confusion.labels[1], "b");
	/* gold b (row 1), predicted a (column 0) */
	cr_assert_eq(f.confusion.matrix[1 * 2 + 0], 1);
	cr_assert_eq(f.confusion.matrix[0], 0);
	nlp_eval_figures_release(&f);
	nlp_eval_release(&ev);
}

LEAK_TEST(by_hand, ties_go_to_the_first_class_and_unknown_labels_are_errors)
{
	char *gold[] = { "b", "zz" };
	float p[] = { .5f, .5f, .5f, .5f };
	struct nlp_eval ev;
	struct nlp_eval_figures f;

	build(&ev, ab, 2, gold, p, 2);
	cr_assert_eq(ev.unknown, 1);
	measure(&f, &ev);
	cr_assert_eq(f.unknown, 1);
	NEAR(f.accuracy, 0.0);
	cr_assert_not_null(nlp_eval_class_find(&f, "zz"));
	cr_assert_eq(cls(&f, "a")->prf.support, 0);
	nlp_eval_figures_release(&f);
	nlp_eval_release(&ev);
}

LEAK_TEST(bootstrap, is_reproducible_and_brackets_the_point_value)
{
	char *gold[200];
	float p[400], q[400];
	struct nlp_eval ev, base;
	struct nlp_eval_bootstrap b1, b2, b3;
	double acc, f1;
	size_t i;

	for (i = 0; i < 200; i++) {
		gold[i] = i % 3 ? "a" : "b";
		p[2 * i] = i % 5 ? .8f : .3f;
		p[2 * i + 1] = 1 - p[2 * i];
		q[2 * i] = i % 4 ? .8f : .3f;
		q[2 * i + 1] = 1 - q[2 * i];
	}
	build(&ev, ab, 2, gold, p, 200);
	build(&base, ab, 2, gold, q, 200);
	cr_assert_eq(nlp_eval_bootstrap(&b1, &ev, NULL, 300, 7), 0);
	cr_assert_eq(nlp_eval_bootstrap(&b2, &ev, NULL, 300, 7), 0);
	cr_assert_eq(memcmp(&b1, &b2, sizeof b1), 0);
	cr_assert_eq(b1.replicates, 300);
	cr_assert_eq(b1.seed, 7);
	cr_assert(!b1.paired);
	cr_assert_eq(nlp_eval_summary(&ev, NULL, 0, &acc, &f1), 0);
	cr_assert_leq(b1.accuracy[0], acc);
	cr_assert_geq(b1.accuracy[1], acc);
	cr_assert_lt(b1.accuracy[0], b1.accuracy[1]);
	cr_assert_leq(b1.macro_f1[0], f1);
	cr_assert_geq(b1.macro_f1[1], f1);
	/* paired with a baseline: the same resamples, and the difference */
	cr_assert_eq(nlp_eval_bootstrap(&b3, &ev, &base, 300, 7), 0);
	cr_assert(b3.paired);
	cr_assert_eq(memcmp(b3.accuracy, b1.accuracy, sizeof b1.accuracy), 0);
	{
		double bacc, bf1;
		cr_assert_eq(nlp_eval_summary(&base, NULL, 0, &bacc, &bf1), 0);
		cr_assert_leq(b3.diff_accuracy[0], acc - bacc);
		cr_assert_geq(b3.diff_accuracy[1], acc - bacc);
	}
	nlp_eval_release(&ev);
	nlp_eval_release(&base);
}

/* Hand-made figures: accuracy 0.9, macro-F1 0.8, spam's F1 0.7. */
static struct nlp_eval_class spam_class = {
	"spam", { 0.7, 0.7, 0.7, 10 }, 10
};

static void
figures(struct nlp_eval_figures *f, double acc, double f1)
{
	memset(f, 0, sizeof *f);
	f->accuracy = acc;
	f->macro.f1 = f1;
	f->log_loss = 0.3;
	f->ece = 0.05;
	f->classes = &spam_class;
	f->nclasses = 1;
}

LEAK_TEST(gates, pass_and_fail_with_values_and_bounds)
{
	struct nlp_eval_figures f, base;
	struct nlp_gate g[] = {
		{ NLP_GATE_MIN_ACCURACY, NULL, 0.85 },
		{ NLP_GATE_MIN_F1, NULL, 0.85 },
		{ NLP_GATE_MIN_CLASS_F1, "spam", 0.6 },
		{ NLP_GATE_MAX_LOG_LOSS, NULL, 0.2 },
		{ NLP_GATE_MAX_ECE, NULL, 0.1 },
		{ NLP_GATE_MAX_DROP, NULL, 0.02 },
	};
	struct nlp_gate_result *res;
	struct nlp_err e = { 0, "" };
	size_t n, failed;
	static const int passed[] = { 1, 0, 1, 0, 1, 0, 1 };
	static const char *const metric[] = { "accuracy", "macro_f1",
		"f1 of 'spam'", "log_loss", "ece",
		"accuracy drop from the baseline",
		"macro_f1 drop from the baseline" };
	size_t i;

	figures(&f, 0.9, 0.8);
	figures(&base, 0.95, 0.79);
	cr_assert_eq(nlp_eval_gates(&res, &n, &failed, &f, &base, NULL, g, 6, 0,
	    &e), NLP_OK);
	/* min-f1, max-log-loss, and the accuracy drop of 0.05 fail */
	cr_assert_eq(n, 7);
	cr_assert_eq(failed, 3);
	for (i = 0; i < n; i++) {
		cr_assert_eq(res[i].passed, passed[i], "gate %zu", i);
		cr_assert_str_eq(res[i].metric, metric[i]);
	}
	cr_assert_eq(res[5].kind, NLP_GATE_MAX_DROP);
	cr_assert_str_eq(nlp_gate_name(res[5].kind), "--max-drop");
	NEAR(res[5].value, 0.05);
	NEAR(res[6].value, -0.01);
	NEAR(res[3].bound, 0.2);
	free(res);
}

/* Regression (fixed): 0.93 - 0.92 is 0.010000000000000009 in doubles,
 * and a drop of one example in 100 failed --max-drop 0.01, although a
 * bound equal to the figure passes. */
LEAK_TEST(gates, a_figure_equal_to_its_bound_passes_whatever_the_rounding)
{
	struct nlp_eval_figures f, base;
	struct nlp_gate g[] = {
		{ NLP_GATE_MAX_DROP, NULL, 0.01 },
		{ NLP_GATE_MIN_ACCURACY, NULL, 0.92 },
	};
	struct nlp_gate_result *res;
	struct nlp_err e = { 0, "" };
	size_t n, failed;

	figures(&f, 92.0 / 100, 0.8);
	figures(&base, 93.0 / 100, 0.8);
	cr_assert_gt(base.accuracy - f.accuracy, 0.01, "the premise: it rounds up");
	cr_assert_eq(nlp_eval_gates(&res, &n, &failed, &f, &base, NULL, g, 2, 0,
	    &e), NLP_OK);
	cr_assert_eq(failed, 0);
	free(res);
	/* a drop past the bound by more than rounding still fails */
	g[0].bound = 0.0099;
	cr_assert_eq(nlp_eval_gates(&res, &n, &failed, &f, &base, NULL, g, 2, 0,
	    &e), NLP_OK);
	cr_assert_eq(failed, 1);
	cr_assert_eq(res[0].passed, 0);
	free(res);
}

LEAK_TEST(gates, on_the_lower_bounds_use_the_bootstrap)
{
	struct nlp_eval_figures f, base;
	struct nlp_eval_bootstrap bs;
	struct nlp_gate g[] = {
		{ NLP_GATE_MIN_ACCURACY, NULL, 0.85 },
		{ NLP_GATE_MIN_F1, NULL, 0.75 },
		{ NLP_GATE_MAX_DROP, NULL, 0.02 },
		{ NLP_GATE_MAX_ECE, NULL, 0.1 },
	};
	struct nlp_gate_result *res;
	struct nlp_err e = { 0, "" };
	size_t n, failed;

	figures(&f, 0.9, 0.8);
	figures(&base, 0.89, 0.79);
	memset(&bs, 0, sizeof bs);
	bs.replicates = 100;
	bs.accuracy[0] = 0.84, bs.accuracy[1] = 0.95;
	bs.macro_f1[0] = 0.76, bs.macro_f1[1] = 0.85;
	bs.paired = 1;
	bs.diff_accuracy[0] = -0.03, bs.diff_accuracy[1] = 0.05;
	bs.diff_macro_f1[0] = -0.01, bs.diff_macro_f1[1] = 0.03;
	/* point values: all pass */
	cr_assert_eq(nlp_eval_gates(&res, &n, &failed, &f, &base, &bs, g, 4, 0,
	    &e), NLP_OK);
	cr_assert_eq(failed, 0);
	free(res);
	/* lower bounds: accuracy 0.84 < 0.85 and the drop 0.03 > 0.02 fail;
	   the ECE has no interval and stays a point value */
	cr_assert_eq(nlp_eval_gates(&res, &n, &failed, &f, &base, &bs, g, 4, 1,
	    &e), NLP_OK);
	cr_assert_eq(n, 5);
	cr_assert_eq(failed, 2);
	NEAR(res[0].value, 0.84);
	cr_assert_eq(res[0].passed, 0);
	NEAR(res[1].value, 0.76);
	cr_assert_eq(res[1].passed, 1);
	NEAR(res[2].value, 0.03);
	cr_assert_eq(res[2].passed, 0);
	NEAR(res[3].value, 0.01);
	cr_assert_eq(res[3].passed, 1);
	NEAR(res[4].value, 0.05);
	free(res);
}

/*
 * 20000 distinct gold labels for a 2-class model: the report used to hold
 * a dense matrix over every label scored (24 GB).  Now the labels are
 * sorted once (not inserted one by one), and the matrix covers the
 * NLP_CONFUSION_MAX_LABELS busiest labels, saying how much it leaves out.
 */
LEAK_TEST(by_hand, many_gold_labels_give_a_bounded_confusion_matrix)
{
	enum { N = 20000 };
	static char names[N][8];
	static char *gold[N];
	static float p[2 * N];
	const struct nlp_eval_confusion *c;
	struct nlp_eval ev;
	struct nlp_eval_figures f;
	size_t i;

	for (i = 0; i < N; i++) {
		/* label z0000 has 100 examples: it must be in the matrix */
		snprintf(names[i], sizeof names[i], "z%04zu", i < 100 ? 0 : i);
		gold[i] = names[i];
		p[2 * i] = i % 2 ? .9f : .2f;       /* a, then b */
		p[2 * i + 1] = 1 - p[2 * i];
	}
	gold[N - 1] = "a";                       /* one example right */
	build(&ev, ab, 2, gold, p, N);
	cr_assert_eq(ev.nlabels, 2 + (N - 100 - 1) + 1);
	cr_assert_eq(ev.unknown, N - 1);
	measure(&f, &ev);
	c = &f.confusion;
	cr_assert_eq(c->k, NLP_CONFUSION_MAX_LABELS);
	cr_assert_eq(c->labels_total, ev.nlabels);
	/* a and b (10000 predictions each), z0000 (100), then the first of
	   the labels of one example, in label order */
	cr_assert_str_eq(c->labels[0], "a");
	cr_assert_str_eq(c->labels[1], "b");
	cr_assert_str_eq(c->labels[2], "z0000");
	cr_assert_str_eq(c->labels[99], "z0196");
	/* z0000 row: 50 predicted a, 50 predicted b */
	cr_assert_eq(c->matrix[2 * c->k + 0], 50);
	cr_assert_eq(c->matrix[2 * c->k + 1], 50);
	/* in the matrix: a's example, z0000's 100 and 97 more */
	cr_assert_eq(c->examples_outside, N - 1 - 100 - 97);
	/* every label still has its figures */
	cr_assert_eq(f.nclasses, ev.nlabels);
	nlp_eval_figures_release(&f);
	nlp_eval_release(&ev);
}

/*
 * A NaN probability (damaged weights) is marked on its row, so that
 * nlp_eval_run can refuse the model; a figure that is not a number is
 * null in JSON and fails its gate (its value was once left uninitialized,
 * and a damaged model passed --max-ece).
 */
LEAK_TEST(by_hand, a_nan_probability_marks_the_row_and_fails_the_gates)
{
	char *gold[] = { "a", "b" };
	float p[] = { NAN, NAN, .3f, .7f };
	struct nlp_gate g[] = {
		{ NLP_GATE_MAX_ECE, NULL, 1 },
		{ NLP_GATE_MAX_LOG_LOSS, NULL, 1e9 },
		{ NLP_GATE_MIN_ACCURACY, NULL, 0 },
		{ NLP_GATE_MIN_CLASS_F1, "nowhere", 0 },
	};
	struct nlp_gate_result *res;
	struct nlp_err e = { 0, "" };
	struct nlp_eval ev;
	struct nlp_eval_figures f;
	size_t n, failed, i;

	build(&ev, ab, 2, gold, p, 2);
	cr_assert(isnan(ev.conf[0]));
	cr_assert(!isnan(ev.conf[1]));
	measure(&f, &ev);
	cr_assert(!isfinite(f.ece));
	/* figures from elsewhere may be undefined too */
	f.log_loss = INFINITY;
	f.accuracy = NAN;
	cr_assert_eq(nlp_eval_gates(&res, &n, &failed, &f, NULL, NULL, g, 4, 0,
	    &e), NLP_OK);
	cr_assert_eq(n, 4);
	cr_assert_eq(failed, 4);
	for (i = 0; i < n; i++) {
		cr_assert_eq(res[i].passed, 0, "gate %zu", i);
		cr_assert(isnan(res[i].value), "gate %zu", i);
	}
	free(res);
	nlp_eval_figures_release(&f);
	nlp_eval_release(&ev);
}

LEAK_TEST(skipped, more_than_one_percent_skipped_leaves_the_gates_undecided)
{
	struct nlp_labeled d;
	char why[256];

	memset(&d, 0, sizeof d);
	d.n = 990;
	d.skipped = 10;                          /* 1.0 %: still decisive */
	cr_assert_eq(nlp_labeled_decisive(&d, why, sizeof why), 1);
	cr_assert_str_eq(why, "");
	d.skipped = 11;                          /* 1.1 % */
	cr_assert_eq(nlp_labeled_decisive(&d, why, sizeof why), 0);
	cr_assert_str_eq(why, "11 of 1001 records (1.1%) were skipped, more "
	    "than the 1% gates allow");
	d.n = 5;
	d.skipped = 1;                           /* one of six */
	cr_assert_eq(nlp_labeled_decisive(&d, why, sizeof why), 0);
	d.skipped = 0;
	cr_assert_eq(nlp_labeled_decisive(&d, why, sizeof why), 1);
}

/* The counts train's held-out figures now use agree with the matrix. */
LEAK_TEST(metrics, class_counts_agree_with_the_confusion_matrix)
{
	static const uint32_t pairs[][2] = {
		{ 0, 0 }, { 0, 1 }, { 1, 1 }, { 1, 1 }, { 2, 0 }, { 3, 3 }, { 1, 2 },
	};
	struct nlp_confusion c;
	struct nlp_class_counts k;
	size_t i;

	cr_assert_eq(nlp_confusion_init(&c, 5), 0);
	cr_assert_eq(nlp_class_counts_init(&k, 5), 0);
	for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		nlp_confusion_add(&c, pairs[i][0], pairs[i][1]);
		nlp_class_counts_add(&k, pairs[i][0], pairs[i][1]);
	}
	cr_assert_float_eq(nlp_class_counts_accuracy(&k), nlp_accuracy(&c),
	    1e-15);
	cr_assert_float_eq(nlp_class_counts_macro_f1(&k), nlp_macro_f1(&c),
	    1e-15);
	cr_assert_float_eq(nlp_class_counts_accuracy(&k), 4.0 / 7, 1e-15);
	nlp_confusion_release(&c);
	nlp_class_counts_release(&k);
}

/* ---- the serializers' bytes, on a result made by hand ---------------- */

static struct nlp_eval_class sample_classes[] = {
	{ "ham", { 0.75, 1, 0.8571428571428571, 3 }, 4 },
	{ "sp\033am", { 1, 0.5, 2.0 / 3, 2 }, 1 },
	{ "zz", { 0, 0, 0, 0 }, 0 },   /* neither: both undefined */
};
static const char *sample_labels[] = { "ham", "sp\033am", "zz" };
static uint64_t sample_matrix[] = { 3, 0, 0, 1, 1, 0, 0, 0, 0 };
static struct nlp_input sample_inputs[] = {
	{ "d.tsv", "ab12", 42 },
};
static struct nlp_eval_error sample_errors[] = {
	{ 4, "sp\033am", "ham", "free\tmoney", 0.75f },
};
static struct nlp_gate_result sample_gates[] = {
	{ NLP_GATE_MIN_ACCURACY, "accuracy", 0.8, 0.9, 0 },
	{ NLP_GATE_MAX_ECE, "ece", NAN, 0.5, 0 },
};

static void
sample(struct nlp_eval_result *r)
{
	struct nlp_eval_figures *f = &r->model;

	memset(r, 0, sizeof *r);
	f->ref = "m.nlp";
	f->sha256 = "0123456789abcdef0123";
	f->n = 5;
	f->accuracy = 0.8;
	f->macro = (struct nlp_eval_prf){ 0.5833333333333334, 0.5,
	    0.5079365079365079, 5 };
	f->micro = (struct nlp_eval_prf){ 0.8, 0.8, 0.8, 5 };
	f->weighted = (struct nlp_eval_prf){ 0.85, 0.8, 0.780952380952381, 5 };
	f->classes = sample_classes;
	f->nclasses = 3;
	f->confusion = (struct nlp_eval_confusion){ sample_labels, sample_matrix,
	    3, 3, 0 };
	f->log_loss = 0.25;
	f->ece = NAN;
	f->seen_known = 1;
	f->seen = 1;
	f->seen_share = 0.2;
	r->inputs = sample_inputs;
	r->ninputs = 1;
	r->skipped = "";
	r->errors_asked = 1;
	r->errors = sample_errors;
	r->nerrors = 1;
	r->gates = sample_gates;
	r->ngates = 2;
	r->failed = 2;
	r->decisive = 1;
	r->seconds = 0.5;
}

static const char sample_json[] =
"{\n"
"  \"accuracy\": 0.8,\n"
"  \"confusion\": {\n"
"    \"examples_outside\": 0,\n"
"    \"labels\": [\n"
"      \"ham\",\n"
"      \"sp\\u001Bam\",\n"
"      \"zz\"\n"
"    ],\n"
"    \"labels_total\": 3,\n"
"    \"matrix\": [\n"
"      [\n        3,\n        0,\n        0\n      ],\n"
"      [\n        1,\n        1,\n        0\n      ],\n"
"      [\n        0,\n        0,\n        0\n      ]\n"
"    ]\n"
"  },\n"
"  \"data\": [\n"
"    {\n"
"      \"bytes\": 42,\n"
"      \"name\": \"d.tsv\",\n"
"      \"sha256\": \"ab12\"\n"
"    }\n"
"  ],\n"
"  \"ece\": null,\n"
"  \"errors\": [\n"
"    {\n"
"      \"example\": 4,\n"
"      \"gold\": \"sp\\u001Bam\",\n"
"      \"p\": 0.75,\n"
"      \"predicted\": \"ham\",\n"
"      \"text\": \"free\\tmoney\"\n"
"    }\n"
"  ],\n"
"  \"examples_without_text\": 0,\n"
"  \"gates\": [\n"
"    {\n"
"      \"bound\": 0.9,\n"
"      \"gate\": \"--min-accuracy\",\n"
"      \"metric\": \"accuracy\",\n"
"      \"passed\": false,\n"
"      \"value\": 0.8\n"
"    },\n"
"    {\n"
"      \"bound\": 0.5,\n"
"      \"gate\": \"--max-ece\",\n"
"      \"metric\": \"ece\",\n"
"      \"passed\": false,\n"
"      \"value\": null\n"
"    }\n"
"  ],\n"
"  \"log_loss\": 0.25,\n"
"  \"macro_avg\": {\n"
"    \"f1\": 0.5079365079,\n"
"    \"precision\": 0.5833333333,\n"
"    \"recall\": 0.5,\n"
"    \"support\": 5\n"
"  },\n"
"  \"micro_avg\": {\n"
"    \"f1\": 0.8,\n"
"    \"precision\": 0.8,\n"
"    \"recall\": 0.8,\n"
"    \"support\": 5\n"
"  },\n"
"  \"model\": {\n"
"    \"ref\": \"m.nlp\",\n"
"    \"sha256\": \"0123456789abcdef0123\"\n"
"  },\n"
"  \"n\": 5,\n"
"  \"passed\": false,\n"
"  \"per_class\": {\n"
"    \"ham\": {\n"
"      \"f1\": 0.8571428571,\n"
"      \"precision\": 0.75,\n"
"      \"recall\": 1.0,\n"
"      \"support\": 3\n"
"    },\n"
"    \"sp\\u001Bam\": {\n"
"      \"f1\": 0.6666666667,\n"
"      \"precision\": 1.0,\n"
"      \"recall\": 0.5,\n"
"      \"support\": 2\n"
"    },\n"
"    \"zz\": {\n"
"      \"f1\": 0.0,\n"
"      \"precision\": 0.0,\n"
"      \"recall\": 0.0,\n"
"      \"support\": 0\n"
"    }\n"
"  },\n"
"  \"records_skipped\": 0,\n"
"  \"schema\": 1,\n"
"  \"seen_in_training\": {\n"
"    \"examples\": 1,\n"
"    \"share\": 0.2\n"
"  },\n"
"  \"skipped\": \"\",\n"
"  \"timing\": {\n"
"    \"examples_per_s\": 10.0,\n"
"    \"seconds\": 0.5\n"
"  },\n"
"  \"unknown_labels\": {\n"
"    \"examples\": 0\n"
"  },\n"
"  \"weighted_avg\": {\n"
"    \"f1\": 0.780952381,\n"
"    \"precision\": 0.85,\n"
"    \"recall\": 0.8,\n"
"    \"support\": 5\n"
"  },\n"
"  \"zero_division\": [\n"
"    \"precision of 'zz' (never predicted)\",\n"
"    \"recall of 'zz' (not in the gold labels)\"\n"
"  ]\n"
"}\n";

LEAK_TEST(serialize, the_json_document_byte_for_byte)
{
	struct nlp_eval_result r;
	struct nlp_err e = { 0, "" };
	char *s;

	sample(&r);
	cr_assert_eq(nlp_eval_json(&r, &s, &e), NLP_OK, "%s", e.msg);
	cr_assert_str_eq(s, sample_json);
	free(s);
}

LEAK_TEST(serialize, undecided_gates_have_no_verdict_and_say_why)
{
	struct nlp_eval_result r;
	struct nlp_gate_result g = { NLP_GATE_MIN_F1, "macro_f1", 0.5, 0.4,
		-1 };
	struct nlp_err e = { 0, "" };
	char *s;

	sample(&r);
	r.gates = &g;
	r.ngates = 1;
	r.decisive = 0;
	snprintf(r.undecided, sizeof r.undecided, "2 of 7 records");
	cr_assert_eq(nlp_eval_json(&r, &s, &e), NLP_OK, "%s", e.msg);
	cr_assert_not_null(strstr(s, "\"gates_undecided\": \"2 of 7 records\""));
	cr_assert_not_null(strstr(s, "\"passed\": null"));
	/* no verdict is not a pass */
	cr_assert_not_null(strstr(s, "\n  \"passed\": false,\n"));
	free(s);
}

LEAK_TEST(serialize, what_record_stores)
{
	struct nlp_eval_result r;
	struct nlp_err e = { 0, "" };
	char *data, *metrics;

	sample(&r);
	r.model.ece = 0.125;
	cr_assert_eq(nlp_eval_record_json(&r, &data, &metrics, &e), NLP_OK);
	cr_assert_str_eq(data, "[{\"bytes\":42,\"name\":\"d.tsv\","
	    "\"sha256\":\"ab12\"}]");
	cr_assert_str_eq(metrics, "{\"accuracy\":0.8,\"ece\":0.125,"
	    "\"log_loss\":0.25,\"macro_f1\":0.5079365079,\"n\":5,"
	    "\"per_class_f1\":{\"ham\":0.8571428571,\"sp\\u001Bam\":"
	    "0.6666666667,\"zz\":0.0},\"seen\":0.2,\"weighted_f1\":"
	    "0.780952381}");
	free(data);
	free(metrics);
	/* the share of the data seen not known: null, which meets no
	   requirement (an evaluation recorded before the share was has
	   none) */
	r.model.seen_known = 0;
	cr_assert_eq(nlp_eval_record_json(&r, &data, &metrics, &e), NLP_OK);
	cr_assert_not_null(strstr(metrics, "\"seen\":null,"), "%s", metrics);
	free(data);
	free(metrics);
}

/* What a writer put on a memory stream. */
typedef void (*writer)(FILE *f, const struct nlp_eval_result *r);

static char *
written(writer w, const struct nlp_eval_result *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	w(f, r);
	cr_assert_eq(fclose(f), 0);
	return buf;
}

static void
text_confusion(FILE *f, const struct nlp_eval_result *r)
{
	struct nlp_err e = { 0, "" };

	cr_assert_eq(nlp_eval_write_text(f, r, 1, &e), NLP_OK, "%s", e.msg);
}

LEAK_TEST(serialize, the_report_byte_for_byte)
{
	struct nlp_eval_result r;
	char *s;

	sample(&r);
	s = written(text_confusion, &r);
	cr_assert_str_eq(s,
	    "model m.nlp (sha256 0123456789ab), 5 examples\n"
	    "\n"
	    "              precision     recall   f1-score    support\n"
	    "         ham     0.7500     1.0000     0.8571          3\n"
	    "    sp\\x1bam     1.0000     0.5000     0.6667          2\n"
	    "          zz     0.0000     0.0000     0.0000          0\n"
	    "\n"
	    "    accuracy                           0.8000          5\n"
	    "   macro avg     0.5833     0.5000     0.5079          5\n"
	    "weighted avg     0.8500     0.8000     0.7810          5\n"
	    "   micro avg     0.8000     0.8000     0.8000          5\n"
	    "\n"
	    "    log loss     0.2500\n"
	    "         ECE     0.0000\n"
	    "\n"
	    "confusion (rows: gold, columns: predicted)\n"
	    "              ham sp\\x1bam       zz\n"
	    "     ham        3        0        0\n"
	    "sp\\x1bam        1        1        0\n"
	    "      zz        0        0        0\n"
	    "\n"
	    "most confident errors (gold, predicted, p, example, text)\n"
	    "sp\\x1bam\tham\t0.7500\t4\tfree money\n");
	free(s);
}

LEAK_TEST(serialize, the_baseline_and_the_intervals)
{
	struct nlp_eval_result r;
	char *s;

	sample(&r);
	r.errors_asked = 0;
	r.has_baseline = 1;
	r.baseline = r.model;
	r.baseline.ref = "old.nlp";
	r.baseline.accuracy = 0.75;
	r.bootstrap = (struct nlp_eval_bootstrap){ 50, 1, { 0.7, 0.9 },
	    { 0.4, 0.6 }, 1, { -0.05, 0.15 }, { -0.1, 0.2 } };
	s = written(text_confusion, &r);
	cr_assert_not_null(strstr(s, "\n95% intervals (50 resamples): "
	    "accuracy [0.7000, 0.9000], macro-F1 [0.4000, 0.6000]\n"
	    "\nbaseline old.nlp (sha256 0123456789ab): accuracy 0.7500, "
	    "macro-F1 0.5079; candidate - baseline: accuracy +0.0500, "
	    "macro-F1 +0.0000\n95% paired intervals of the difference: "
	    "accuracy [-0.0500, +0.1500], macro-F1 [-0.1000, +0.2000]\n"), "%s",
	    s);
	free(s);
}

static void
notes(FILE *f, const struct nlp_eval_result *r)
{
	nlp_eval_write_notes(f, "nlpops eval", r);
}

static void
gate_lines(FILE *f, const struct nlp_eval_result *r)
{
	nlp_eval_write_gates(f, "nlpops eval", r, 0);
}

LEAK_TEST(serialize, the_notes_and_the_gates_lines)
{
	struct nlp_eval_result r;
	struct nlp_gate_result ok = { NLP_GATE_MIN_F1, "macro_f1", 0.5, 0.4, 1 };
	char *s;

	sample(&r);
	r.skipped = "skipped 1 record without a label (first at d.tsv:3)";
	r.model.unknown = 2;
	s = written(notes, &r);
	cr_assert_str_eq(s,
	    "nlpops eval: skipped 1 record without a label (first at d.tsv:3)\n"
	    "nlpops eval: warning: 1 of 5 examples (20.0%) also occur in the "
	    "training data: the figures are partly on training data\n"
	    "nlpops eval: examples with gold labels the model does not know, "
	    "scored as errors: 2\n"
	    "nlpops eval: warning: undefined, counted as 0: precision of 1 "
	    "label never predicted ('zz'); recall of 1 label not in the gold "
	    "labels ('zz')\n"
	    "nlpops eval: 5 examples in 0.50 s (10/s)\n");
	free(s);
	r.model.seen_known = 0;
	snprintf(r.model.seen_why, sizeof r.model.seen_why,
	    "'m\033.nlp' has no member 'seen'");
	s = written(notes, &r);
	cr_assert_not_null(strstr(s, "nlpops eval: warning: cannot tell how "
	    "many examples the model was trained on: 'm\\x1b.nlp' has no "
	    "member 'seen'\n"), "%s", s);
	free(s);
	s = written(gate_lines, &r);
	cr_assert_str_eq(s,
	    "nlpops eval: gate --min-accuracy failed: accuracy 0.8000, bound "
	    "0.9000 (0.1000 short)\n"
	    "nlpops eval: gate --max-ece failed: ece undefined, bound 0.5000\n");
	free(s);
	r.gate_on_lower = 1;
	r.ngates = 1;
	s = written(gate_lines, &r);
	cr_assert_str_eq(s,
	    "nlpops eval: gate --min-accuracy failed: accuracy 0.8000, bound "
	    "0.9000 (0.1000 short) (bootstrap lower bound)\n");
	free(s);
	r.gates = &ok;
	r.failed = 0;
	s = written(gate_lines, &r);
	cr_assert_str_eq(s, "nlpops eval: the gate passed\n");
	free(s);
	r.ngates = 2;
	r.gates = (struct nlp_gate_result[2]){ ok, ok };
	s = written(gate_lines, &r);
	cr_assert_str_eq(s, "nlpops eval: all 2 gates passed\n");
	free(s);
}

/* A failed write is an error, never a report that ends early with
 * success. */
LEAK_TEST(serialize, a_failed_write_is_an_error)
{
	struct nlp_eval_result r;
	struct nlp_err e = { 0, "" };
	FILE *f = fopen("/dev/full", "w");

	cr_assert_not_null(f);
	setvbuf(f, NULL, _IONBF, 0);
	sample(&r);
	cr_assert_eq(nlp_eval_write_text(f, &r, 1, &e), NLP_IO);
	cr_assert_str_eq(e.msg, "cannot write output: No space left on device");
	cr_assert_eq(nlp_eval_write_json(f, &r, &e), NLP_IO);
	fclose(f);
}

/* Regression (fixed): the report padded labels by their bytes, so a
 * Cyrillic or Japanese label's row was shifted left by its extra bytes.
 * Widths are a terminal's columns now. */
LEAK_TEST(report, labels_are_padded_by_columns_not_bytes)
{
	char buf[64];
	FILE *f;

	cr_assert_eq(nlp_text_safe_width("ham"), 3);
	cr_assert_eq(nlp_text_safe_width("кириллица"), 9);
	cr_assert_eq(nlp_text_safe_width("ラベル"), 6, "wide: 2 columns each");
	cr_assert_eq(nlp_text_safe_width("e\xcc\x81"), 1, "a combining mark: 0");
	cr_assert_eq(nlp_text_safe_width("a\tb"), 6, "an escape (\\x09): its bytes");
	f = fmemopen(buf, sizeof buf, "w");
	cr_assert(f != NULL);
	cr_assert_eq(nlp_text_put_safe(f, "щи", 5), 0);
	fclose(f);
	cr_assert_str_eq(buf, "   щи");
}

/* With a few examples a class, resampled macro-F1 is biased down: an
 * interval wholly below the figure is said (a --gate-on lower gate would
 * judge by it); one around it is not. */
LEAK_TEST(report, a_bootstrap_interval_below_the_figure_is_said)
{
	struct nlp_eval_class *cls;
	struct nlp_eval_result r;
	size_t i;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	memset(&r, 0, sizeof r);
	r.skipped = "";
	r.model.n = 3000;
	r.model.nclasses = 500;
	cls = calloc(500, sizeof *cls);
	cr_assert(cls != NULL);
	for (i = 0; i < 500; i++) {
		cls[i].label = "x";
		cls[i].predicted = 6;
		cls[i].prf.support = 6;
	}
	r.model.classes = cls;
	r.model.macro.f1 = 0.7503;
	r.model.seen_known = 1;
	r.decisive = 1;
	r.bootstrap.replicates = 500;
	r.bootstrap.macro_f1[0] = 0.7149;
	r.bootstrap.macro_f1[1] = 0.7485;
	f = open_memstream(&buf, &len);
	cr_assert(f != NULL);
	nlp_eval_write_notes(f, "nlpops eval", &r);
	fclose(f);
	cr_assert(strstr(buf, "warning: the bootstrap interval of macro-F1 "
	    "[0.7149, 0.7485] lies below its figure 0.7503: with few examples "
	    "a class (6.0 here)") != NULL, "%s", buf);
	free(buf);
	r.bootstrap.macro_f1[1] = 0.78;
	buf = NULL;
	f = open_memstream(&buf, &len);
	cr_assert(f != NULL);
	nlp_eval_write_notes(f, "nlpops eval", &r);
	fclose(f);
	cr_assert(strstr(buf, "bootstrap interval") == NULL, "%s", buf);
	free(buf);
	free(cls);
}
