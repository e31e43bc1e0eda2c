/*
 * test_eval.c - evaluation metrics: against scikit-learn on the fixture in
 * tests/data/eval (made by make_fixture.py from the cases next to it), and
 * against values worked out by hand on small cases.  Bootstrap and gates.
 * Run from the repository root.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "metrics.h"

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

static double
get(const json_t *o, const char *a, const char *b)
{
	const json_t *x = json_object_get(o, a);

	if (b)
		x = json_object_get(x, b);
	cr_assert(json_is_number(x), "missing %s.%s", a, b ? b : "");
	return json_number_value(x);
}

#define NEAR(a, b) cr_assert(fabs((a) - (b)) < 5e-5, "%s: %.6f vs %.6f", #a, (a), (b))

/* One fixture case against scikit-learn's figures. */
static void
check_case(const char *name)
{
	FILE *f = fopen("tests/data/eval/cases.tsv", "r");
	json_t *sk = json_load_file("tests/data/eval/sklearn.json", 0, NULL);
	const json_t *want, *classes, *per;
	char line[8192], *gold[1000], *cls[16];
	float probs[1000 * 16];
	struct nlp_eval ev;
	json_t *rep;
	const char *label;
	json_t *v;
	size_t n = 0, C, i;

	cr_assert_not_null(f, "tests/data/eval/cases.tsv (run from the top)");
	cr_assert_not_null(sk);
	want = json_object_get(sk, name);
	classes = json_object_get(want, "classes");
	C = json_array_size(classes);
	for (i = 0; i < C; i++)
		cls[i] = (char *)json_string_value(json_array_get(classes, i));
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
	cr_assert_eq(n, (size_t)json_integer_value(json_object_get(want, "n")));
	build(&ev, (const char *const *)cls, (uint32_t)C, gold, probs, n);
	rep = nlp_eval_report(&ev);
	NEAR(get(rep, "accuracy", NULL), get(want, "accuracy", NULL));
	NEAR(get(rep, "macro_avg", "precision"), get(want, "macro_avg", "precision"));
	NEAR(get(rep, "macro_avg", "recall"), get(want, "macro_avg", "recall"));
	NEAR(get(rep, "macro_avg", "f1"), get(want, "macro_avg", "f1-score"));
	NEAR(get(rep, "weighted_avg", "precision"),
	    get(want, "weighted_avg", "precision"));
	NEAR(get(rep, "weighted_avg", "f1"), get(want, "weighted_avg", "f1-score"));
	NEAR(get(rep, "log_loss", NULL), get(want, "log_loss", NULL));
	NEAR(get(rep, "ece", NULL), get(want, "ece", NULL));
	per = json_object_get(want, "per_class");
	cr_assert_eq(json_object_size(json_object_get(rep, "per_class")),
	    json_object_size(per));
	json_object_foreach((json_t *)per, label, v) {
		const json_t *mine = json_object_get(json_object_get(rep,
		    "per_class"), label);
		cr_assert_not_null(mine, "label %s", label);
		NEAR(get(mine, "precision", NULL), get(v, "precision", NULL));
		NEAR(get(mine, "recall", NULL), get(v, "recall", NULL));
		NEAR(get(mine, "f1", NULL), get(v, "f1-score", NULL));
		NEAR(get(mine, "support", NULL), get(v, "support", NULL));
	}
	json_decref(rep);
	json_decref(sk);
	nlp_eval_release(&ev);
	for (i = 0; i < n; i++)
		free(gold[i]);
}

Test(sklearn, agrees_on_many_classes_with_unknown_gold_labels)
{
	check_case("multi");
}

Test(sklearn, agrees_on_an_imbalanced_binary_problem)
{
	check_case("binary");
}

Test(sklearn, agrees_when_a_class_is_only_in_gold_or_only_predicted)
{
	check_case("absent");
}

static const char *ab[] = { "a", "b" };

Test(by_hand, a_class_never_predicted_has_precision_zero_and_a_warning)
{
	char *gold[] = { "a", "b", "b" };
	float p[] = { .9f, .1f, .8f, .2f, .6f, .4f };   /* all predict a */
	struct nlp_eval ev;
	json_t *rep;

	build(&ev, ab, 2, gold, p, 3);
	rep = nlp_eval_report(&ev);
	NEAR(get(rep, "accuracy", NULL), 1.0 / 3);
	NEAR(get(json_object_get(rep, "per_class"), "b", "precision"), 0.0);
	NEAR(get(json_object_get(rep, "per_class"), "b", "recall"), 0.0);
	NEAR(get(json_object_get(rep, "per_class"), "a", "precision"), 1.0 / 3);
	/* macro F1: (0.5 + 0) / 2 */
	NEAR(get(rep, "macro_avg", "f1"), 0.25);
	cr_assert_eq(json_array_size(json_object_get(rep, "zero_division")), 1);
	json_decref(rep);
	nlp_eval_release(&ev);
}

Test(by_hand, a_single_class_scores_one)
{
	char *gold[] = { "a", "a" };
	float p[] = { .9f, .1f, .7f, .3f };
	struct nlp_eval ev;
	json_t *rep;

	build(&ev, ab, 2, gold, p, 2);
	rep = nlp_eval_report(&ev);
	NEAR(get(rep, "accuracy", NULL), 1.0);
	NEAR(get(rep, "macro_avg", "f1"), 1.0);
	/* b is neither gold nor predicted: not scored */
	cr_assert_null(json_object_get(json_object_get(rep, "per_class"), "b"));
	NEAR(get(rep, "log_loss", NULL), -(log(0.9) + log(0.7)) / 2);
	/* bins (13/15, 14/15] and (10/15, 11/15]: |1 - .9| and |1 - .7| */
	NEAR(get(rep, "ece", NULL), (0.1 + 0.3) / 2);
	json_decref(rep);
	nlp_eval_release(&ev);
}

Test(by_hand, one_wrong_example)
{
	char *gold[] = { "b" };
	float p[] = { .75f, .25f };
	struct nlp_eval ev;
	json_t *rep;

	build(&ev, ab, 2, gold, p, 1);
	rep = nlp_eval_report(&ev);
	NEAR(get(rep, "accuracy", NULL), 0.0);
	NEAR(get(rep, "macro_avg", "f1"), 0.0);
	NEAR(get(rep, "log_loss", NULL), -log(0.25));
	NEAR(get(rep, "ece", NULL), 0.75);
	cr_assert_eq(json_integer_value(json_array_get(json_array_get(
	    json_object_get(json_object_get(rep, "confusion"), "matrix"), 1), 0)),
	    1);
	json_decref(rep);
	nlp_eval_release(&ev);
}

Test(by_hand, ties_go_to_the_first_class_and_unknown_labels_are_errors)
{
	char *gold[] = { "b", "zz" };
	float p[] = { .5f, .5f, .5f, .5f };
	struct nlp_eval ev;
	json_t *rep;

	build(&ev, ab, 2, gold, p, 2);
	cr_assert_eq(ev.unknown, 1);
	rep = nlp_eval_report(&ev);
	NEAR(get(rep, "accuracy", NULL), 0.0);
	cr_assert_not_null(json_object_get(json_object_get(rep, "per_class"), "zz"));
	NEAR(get(json_object_get(rep, "per_class"), "a", "support"), 0.0);
	json_decref(rep);
	nlp_eval_release(&ev);
}

Test(bootstrap, is_reproducible_and_brackets_the_point_value)
{
	char *gold[200];
	float p[400];
	struct nlp_eval ev;
	json_t *b1, *b2;
	char *s1, *s2;
	size_t i;

	for (i = 0; i < 200; i++) {
		gold[i] = i % 3 ? "a" : "b";
		p[2 * i] = i % 5 ? .8f : .3f;
		p[2 * i + 1] = 1 - p[2 * i];
	}
	build(&ev, ab, 2, gold, p, 200);
	b1 = nlp_eval_bootstrap(&ev, NULL, 300, 7);
	b2 = nlp_eval_bootstrap(&ev, NULL, 300, 7);
	s1 = json_dumps(b1, JSON_SORT_KEYS);
	s2 = json_dumps(b2, JSON_SORT_KEYS);
	cr_assert_str_eq(s1, s2);
	{
		double acc, f1;
		json_t *ci = json_object_get(b1, "accuracy");
		nlp_eval_summary(&ev, NULL, 0, &acc, &f1);
		cr_assert_leq(json_number_value(json_array_get(ci, 0)), acc);
		cr_assert_geq(json_number_value(json_array_get(ci, 1)), acc);
		cr_assert_lt(json_number_value(json_array_get(ci, 0)),
		    json_number_value(json_array_get(ci, 1)));
	}
	free(s1);
	free(s2);
	json_decref(b1);
	json_decref(b2);
	nlp_eval_release(&ev);
}

Test(gates, pass_and_fail_with_values_and_bounds)
{
	json_t *rep = json_pack("{s:f, s:{s:f}, s:f, s:f, s:{s:{s:f}}}",
	    "accuracy", 0.9, "macro_avg", "f1", 0.8, "log_loss", 0.3, "ece", 0.05,
	    "per_class", "spam", "f1", 0.7);
	json_t *base = json_pack("{s:f, s:{s:f}}", "accuracy", 0.95, "macro_avg",
	    "f1", 0.79);
	struct nlp_gate g[] = {
		{ NLP_GATE_MIN_ACCURACY, NULL, 0.85 },
		{ NLP_GATE_MIN_F1, NULL, 0.85 },
		{ NLP_GATE_MIN_CLASS_F1, "spam", 0.6 },
		{ NLP_GATE_MAX_LOG_LOSS, NULL, 0.2 },
		{ NLP_GATE_MAX_ECE, NULL, 0.1 },
		{ NLP_GATE_MAX_DROP, NULL, 0.02 },
	};
	size_t failed;
	json_t *res = nlp_eval_gates(rep, base, g, 6, 0, &failed);

	/* min-f1, max-log-loss, and the accuracy drop of 0.05 fail */
	cr_assert_eq(failed, 3);
	cr_assert(json_is_true(json_object_get(json_array_get(res, 0), "passed")));
	cr_assert(json_is_false(json_object_get(json_array_get(res, 1), "passed")));
	cr_assert(json_is_true(json_object_get(json_array_get(res, 2), "passed")));
	cr_assert(json_is_false(json_object_get(json_array_get(res, 3), "passed")));
	cr_assert(json_is_true(json_object_get(json_array_get(res, 4), "passed")));
	cr_assert(json_is_false(json_object_get(json_array_get(res, 5), "passed")));
	cr_assert(json_is_true(json_object_get(json_array_get(res, 6), "passed")));
	NEAR(json_number_value(json_object_get(json_array_get(res, 5), "value")),
	    0.05);
	json_decref(res);
	json_decref(rep);
	json_decref(base);
}

/*
 * 20000 distinct gold labels for a 2-class model: the report used to hold
 * a dense matrix over every label scored (24 GB).  Now the labels are
 * sorted once (not inserted one by one), and the matrix covers the
 * NLP_CONFUSION_MAX_LABELS busiest labels, saying how much it leaves out.
 */
Test(by_hand, many_gold_labels_give_a_bounded_confusion_matrix)
{
	enum { N = 20000 };
	static char names[N][8];
	static char *gold[N];
	static float p[2 * N];
	const json_t *c, *m, *labels;
	struct nlp_eval ev;
	json_t *rep;
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
	rep = nlp_eval_report(&ev);
	cr_assert_not_null(rep);
	c = json_object_get(rep, "confusion");
	labels = json_object_get(c, "labels");
	m = json_object_get(c, "matrix");
	cr_assert_eq(json_array_size(labels), NLP_CONFUSION_MAX_LABELS);
	cr_assert_eq(json_array_size(m), NLP_CONFUSION_MAX_LABELS);
	cr_assert_eq(json_array_size(json_array_get(m, 0)),
	    NLP_CONFUSION_MAX_LABELS);
	cr_assert_eq(json_integer_value(json_object_get(c, "labels_total")),
	    ev.nlabels);
	/* a and b (10000 predictions each), z0000 (100), then the first of
	   the labels of one example, in label order */
	cr_assert_str_eq(json_string_value(json_array_get(labels, 0)), "a");
	cr_assert_str_eq(json_string_value(json_array_get(labels, 1)), "b");
	cr_assert_str_eq(json_string_value(json_array_get(labels, 2)), "z0000");
	cr_assert_str_eq(json_string_value(json_array_get(labels, 99)), "z0196");
	/* z0000 row: 50 predicted a, 50 predicted b */
	cr_assert_eq(json_integer_value(json_array_get(json_array_get(m, 2), 0)),
	    50);
	cr_assert_eq(json_integer_value(json_array_get(json_array_get(m, 2), 1)),
	    50);
	/* in the matrix: a's example, z0000's 100 and 97 more */
	cr_assert_eq(json_integer_value(json_object_get(c, "examples_outside")),
	    N - 1 - 100 - 97);
	/* every label still has its figures */
	cr_assert_eq(json_object_size(json_object_get(rep, "per_class")),
	    ev.nlabels);
	json_decref(rep);
	nlp_eval_release(&ev);
}

/*
 * A NaN probability (damaged weights) is marked on its row, so that
 * nlp_eval_run can refuse the model; the report never carries a NaN, and
 * a gate on a figure that is not a number fails (its value was left
 * uninitialized, and a damaged model passed --max-ece).
 */
Test(by_hand, a_nan_probability_marks_the_row_and_fails_the_gates)
{
	char *gold[] = { "a", "b" };
	float p[] = { NAN, NAN, .3f, .7f };
	struct nlp_gate g[] = {
		{ NLP_GATE_MAX_ECE, NULL, 1 },
		{ NLP_GATE_MAX_LOG_LOSS, NULL, 1e9 },
		{ NLP_GATE_MIN_ACCURACY, NULL, 0 },
	};
	struct nlp_eval ev;
	json_t *rep, *res;
	size_t failed, i;

	build(&ev, ab, 2, gold, p, 2);
	cr_assert(isnan(ev.conf[0]));
	cr_assert(!isnan(ev.conf[1]));
	rep = nlp_eval_report(&ev);
	cr_assert_not_null(rep);
	cr_assert(json_is_null(json_object_get(rep, "ece")));
	/* a report from elsewhere may lack the figures altogether */
	json_object_del(rep, "log_loss");
	json_object_del(rep, "accuracy");
	res = nlp_eval_gates(rep, NULL, g, 3, 0, &failed);
	cr_assert_eq(failed, 3);
	for (i = 0; i < 3; i++) {
		cr_assert(json_is_false(json_object_get(json_array_get(res, i),
		    "passed")), "gate %zu", i);
		cr_assert(json_is_null(json_object_get(json_array_get(res, i),
		    "value")), "gate %zu", i);
	}
	json_decref(res);
	json_decref(rep);
	nlp_eval_release(&ev);
}

Test(skipped, more_than_one_percent_skipped_leaves_the_gates_undecided)
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
Test(metrics, class_counts_agree_with_the_confusion_matrix)
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
