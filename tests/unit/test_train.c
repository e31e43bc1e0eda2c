/*
 * test_train.c - the training pipeline on real data: the same artifact
 * members at any thread count, the held-out figures, and refusals.
 * Run from the repository root (tests/run.sh does).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "artifact.h"
#include "model.h"
#include "train.h"
#include "leak_test.h"

static const char *spam[] = { "tests/data/spam.train.tsv.gz" };

static void
train(struct nlp_trained *t, unsigned threads, uint64_t seed)
{
	struct nlp_train_opts o;
	struct nlp_err e;
	int rc;

	nlp_train_opts_init(&o);
	o.threads = threads;
	o.seed = seed;
	o.epochs = 4;
	rc = nlp_train(spam, 1, &o, t, &e);
	cr_assert_eq(rc, NLP_OK, "%s", e.msg);
}

LEAK_TEST(train, same_members_at_one_two_and_three_threads)
{
	struct nlp_trained a, b, c;

	train(&a, 1, 1);
	train(&b, 2, 1);
	train(&c, 3, 1);
	cr_assert_eq(a.weights_len, b.weights_len);
	cr_assert(memcmp(a.weights, b.weights, a.weights_len) == 0);
	cr_assert(memcmp(a.weights, c.weights, a.weights_len) == 0);
	cr_assert_str_eq(a.meta, b.meta);
	cr_assert_str_eq(a.profile, c.profile);
	nlp_trained_release(&a);
	nlp_trained_release(&b);
	nlp_trained_release(&c);
}

LEAK_TEST(train, another_seed_gives_another_model)
{
	struct nlp_trained a, b;

	train(&a, 2, 1);
	train(&b, 2, 2);
	cr_assert(a.weights_len != b.weights_len ||
	    memcmp(a.weights, b.weights, a.weights_len) != 0);
	nlp_trained_release(&a);
	nlp_trained_release(&b);
}

LEAK_TEST(train, holds_out_a_slice_and_measures_the_model_on_it)
{
	struct nlp_trained t;
	struct nlp_model m;
	struct nlp_err e;

	train(&t, 2, 1);
	/* 1800 examples: 5% held out, then trained on with the rest */
	cr_assert_eq(t.held_out, 90);
	cr_assert_eq(t.examples, 1800);
	cr_assert(t.refit);
	cr_assert_gt(t.held_out_accuracy, 0.9);
	cr_assert_eq(t.nclasses, 2);
	cr_assert(strstr(t.profile, "\"held_out\":{") != NULL);
	cr_assert(strstr(t.meta, "\"min_df\": 2") != NULL, "%s", t.meta);
	cr_assert_eq(nlp_model_load(&m, t.weights, t.weights_len, &e), NLP_OK);
	cr_assert_eq(m.nrows, t.nrows);
	cr_assert_str_eq(m.labels[0], "ham");
	cr_assert_str_eq(m.labels[1], "spam");
	nlp_model_release(&m);
	nlp_trained_release(&t);
}

LEAK_TEST(train, written_artifact_loads_back)
{
	struct nlp_trained t;
	struct nlp_artifact *a;
	struct nlp_model m;
	struct nlp_err e;
	char path[] = "/tmp/nlpops-test-XXXXXX";
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	train(&t, 1, 1);
	cr_assert_eq(nlp_trained_write_fd(&t, fd, path, 0, &e), NLP_OK, "%s",
	    e.msg);
	close(fd);
	cr_assert_eq(nlp_model_open(&m, &a, path, NULL, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(m.nrows, t.nrows);
	nlp_model_release(&m);
	nlp_artifact_close(a);
	unlink(path);
	nlp_trained_release(&t);
}

LEAK_TEST(train, refuses_data_with_one_label)
{
	static const char *one[] = { "/tmp/nlpops-one-label.tsv" };
	struct nlp_train_opts o;
	struct nlp_trained t;
	struct nlp_err e;
	FILE *f = fopen(one[0], "w");

	fputs("a\thello\na\tworld\n", f);
	fclose(f);
	nlp_train_opts_init(&o);
	cr_assert_eq(nlp_train(one, 1, &o, &t, &e), NLP_DATA);
	cr_assert(strstr(e.msg, "one label") != NULL, "%s", e.msg);
	unlink(one[0]);
}

/* Train on the lines of text (a TSV written to a temporary file). */
static int
train_text(const char *text, struct nlp_trained *t, struct nlp_err *e)
{
	char path[] = "/tmp/nlpops-train-XXXXXX.tsv";
	const char *paths[] = { path };
	struct nlp_train_opts o;
	int fd = mkstemps(path, 4), rc;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	nlp_train_opts_init(&o);
	rc = nlp_train(paths, 1, &o, t, e);
	unlink(path);
	return rc;
}

/* The hash width training picks for data of few distinct features:
   1024 buckets a feature (2^19 for 500 one-word texts' words, each 3
   times), at most 2^22 (past 4096 distinct features, however many). */
static unsigned
bits_of(size_t lines, unsigned words, const char *extra)
{
	struct nlp_trained t;
	struct nlp_model m;
	struct nlp_err e;
	char *text = malloc(lines * 40 + 1), *p = text;
	unsigned bits;
	size_t i;

	cr_assert_not_null(text);
	for (i = 0; i < lines; i++)
		p += sprintf(p, "%s\t%s w%u\n", i % 2 ? "ham" : "spam",
		    i % 2 ? extra : "", (unsigned)(i % words));
	cr_assert_eq(train_text(text, &t, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(nlp_model_load(&m, t.weights, t.weights_len, &e), NLP_OK,
	    "%s", e.msg);
	bits = m.feat.bits;
	nlp_model_release(&m);
	nlp_trained_release(&t);
	free(text);
	return bits;
}

LEAK_TEST(train, few_distinct_features_get_1024_buckets_each_up_to_2_22)
{
	cr_assert_eq(bits_of(1500, 500, ""), 19);
	cr_assert_eq(bits_of(6000, 6000, "common"), 22);
}

/*
 * Texts of nothing but white space have no features: training went on to
 * a model of 0 features (the class priors) with exit 0, through a memcpy
 * from a NULL pointer.  It is no usable example at all.
 */
LEAK_TEST(train, refuses_texts_that_are_all_white_space)
{
	struct nlp_trained t;
	struct nlp_err e;

	cr_assert_eq(train_text("ham\t   \nspam\t \t \nham\t\t\nspam\t \n", &t, &e),
	    NLP_DATA);
	cr_assert(strstr(e.msg, "no usable examples") != NULL, "%s", e.msg);
	cr_assert(strstr(e.msg, "empty or white space") != NULL, "%s", e.msg);
}

/* min_df can drop every feature too: the same refusal, saying why. */
LEAK_TEST(train, refuses_data_whose_features_all_fall_under_min_df)
{
	struct nlp_trained t;
	struct nlp_err e;
	struct nlp_train_opts o;
	char path[] = "/tmp/nlpops-train-XXXXXX.tsv";
	const char *paths[] = { path };
	const char *text = "ham\tone\nspam\ttwo\nham\tthree\n";
	int fd = mkstemps(path, 4);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	nlp_train_opts_init(&o);
	o.min_df = 2;
	cr_assert_eq(nlp_train(paths, 1, &o, &t, &e), NLP_DATA);
	unlink(path);
	cr_assert(strstr(e.msg, "no usable examples: no feature occurs in 2 or "
	    "more of the 3 training texts") != NULL, "%s", e.msg);
}

/* Empty texts among good ones are fine (and, under UBSan, defined). */
LEAK_TEST(train, empty_texts_among_good_ones_train)
{
	struct nlp_trained t;
	struct nlp_err e;

	cr_assert_eq(train_text("ham\t \nspam\tbuy cheap pills now\nham\t\t\n"
	    "ham\tsee you at lunch\nspam\tcheap pills\nham\tlunch at noon\n",
	    &t, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(t.nclasses, 2);
	cr_assert_gt(t.nrows, 0);
	nlp_trained_release(&t);
}

/*
 * A label with a control character (here ESC, from a JSON escape) was a
 * malformed record, skipped: training quietly lost its examples.  It is
 * an error naming the file and line.
 */
LEAK_TEST(train, refuses_a_label_with_a_control_character)
{
	struct nlp_trained t;
	struct nlp_err e;

	cr_assert_eq(train_text("ham\thello\nspam\tbuy\nh\x1b[31mam\thi\n", &t,
	    &e), NLP_DATA);
	cr_assert(strstr(e.msg, ".tsv' line 3: label with a control character "
	    "(U+001B)") != NULL, "%s", e.msg);
}

/* --cv's folds: each of K trainings holds one fold out, the folds cover
   every example once, and too few examples for K folds is bad data. */
LEAK_TEST(train, folds_hold_every_example_out_once)
{
	struct nlp_train_opts o;
	struct nlp_trained t;
	struct nlp_err e;
	uint64_t held = 0, n = 0;
	unsigned f;

	nlp_train_opts_init(&o);
	o.epochs = 1;
	o.bits = 16;
	o.folds = 3;
	for (f = 0; f < 3; f++) {
		o.fold = f;
		cr_assert_eq(nlp_train(spam, 1, &o, &t, &e), NLP_OK, "%s", e.msg);
		if (f == 0)
			n = t.examples + t.held_out;
		cr_assert_eq(t.examples + t.held_out, n);
		cr_assert(t.held_out >= n / 3 && t.held_out <= n / 3 + 1,
		    "fold %u holds out %llu of %llu", f,
		    (unsigned long long)t.held_out, (unsigned long long)n);
		cr_assert(t.held_out_accuracy > 0.8, "fold %u: accuracy %f", f,
		    t.held_out_accuracy);
		held += t.held_out;
		nlp_trained_release(&t);
	}
	cr_assert_eq(held, n, "the folds hold out %llu of %llu",
	    (unsigned long long)held, (unsigned long long)n);
	{
		static const char *few[] = { "/tmp/nlpops-few-folds.tsv" };
		FILE *fp = fopen(few[0], "w");
		int i;

		cr_assert(fp != NULL);
		for (i = 0; i < 10; i++)
			fprintf(fp, "%s\tword%d text\n", i % 2 ? "a" : "b", i);
		fclose(fp);
		o.folds = 6;    /* 10 examples: fewer than 2 a fold */
		o.fold = 0;
		cr_assert_eq(nlp_train(few, 1, &o, &t, &e), NLP_DATA);
		cr_assert(strstr(e.msg, "too few for 6 folds") != NULL, "%s",
		    e.msg);
		unlink(few[0]);
	}
}
