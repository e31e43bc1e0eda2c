/*
 * test_model.c - the weights format (round trip, rejection of damage),
 * scoring, top-k, and the learner's determinism across thread counts.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "features.h"
#include "learn.h"
#include "metrics.h"
#include "model.h"
#include "pool.h"
#include "rng.h"
#include "strmap.h"
#include "leak_test.h"

/* A tiny model over two buckets and three classes. */
static void *blob;
static size_t bloblen;

static void
make_blob(void)
{
	static const char *labels[] = { "alpha", "beta", "gamma" };
	struct nlp_feat_opts fo = { .ngrams = 2, .bits = 20, .seed = 42 };
	uint32_t keys[2] = { 5, 900 };
	float idf[2] = { 1.5f, 2.0f }, bias[3] = { 0.1f, 0.2f, 0.3f };
	float w[6] = { 1, 2, 3, 4, 5, 6 };
	struct nlp_err e;

	cr_assert_eq(nlp_model_serialize(&blob, &bloblen, &fo, labels, 3, keys,
	    idf, 2, bias, w, NULL, 0, &e), NLP_OK);
}

static void
free_blob(void)
{
	free(blob);
	blob = NULL;
}

TestSuite(weights, .init = make_blob, .fini = free_blob);

LEAK_TEST_FINI(weights, round_trip_keeps_every_field, free_blob)
{
	struct nlp_model m;
	struct nlp_err e;

	cr_assert_eq(nlp_model_load(&m, blob, bloblen, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(m.nclasses, 3);
	cr_assert_eq(m.nrows, 2);
	cr_assert_str_eq(m.labels[0], "alpha");
	cr_assert_str_eq(m.labels[2], "gamma");
	cr_assert_eq(m.feat.bits, 20);
	cr_assert_eq(m.feat.ngrams, 2);
	cr_assert_eq(m.feat.seed, 42);
	cr_assert_float_eq(m.idf[1], 2.0f, 0);
	cr_assert_float_eq(m.bias[2], 0.3f, 0);
	cr_assert_float_eq(m.w[5], 6.0f, 0);
	cr_assert_eq(nlp_model_label_index(&m, "beta"), 1);
	cr_assert_eq(nlp_model_label_index(&m, "delta"), -1);
	nlp_model_release(&m);
}

LEAK_TEST_FINI(weights, every_truncation_is_refused, free_blob)
{
	struct nlp_model m;
	struct nlp_err e;
	size_t n;

	for (n = 0; n < bloblen; n++) {
		cr_assert_eq(nlp_model_load(&m, blob, n, &e), NLP_DATA,
		    "truncated at %zu accepted", n);
		cr_assert(strstr(e.msg, "weights") != NULL);
	}
}

LEAK_TEST_FINI(weights, damaged_headers_are_refused_not_trusted, free_blob)
{
	struct nlp_model m;
	struct nlp_err e;
	unsigned char *copy = malloc(bloblen);
	size_t off;

	/* every byte of the header and the label table, set to 0xff */
	for (off = 0; off < 128 + 20; off++) {
		int rc;
		memcpy(copy, blob, bloblen);
		if (copy[off] == 0xff)
			continue;
		copy[off] = 0xff;
		rc = nlp_model_load(&m, copy, bloblen, &e);
		if (rc == NLP_OK) {
			/* a byte that does not matter (reserved, seed, label text):
			   the model must still be internally consistent */
			cr_assert_lt(m.nrows, m.table_cap);
			nlp_model_release(&m);
		} else {
			cr_assert_eq(rc, NLP_DATA);
		}
	}
	free(copy);
}

LEAK_TEST_FINI(weights, a_newer_format_is_named_as_such, free_blob)
{
	struct nlp_model m;
	struct nlp_err e;
	unsigned char *copy = malloc(bloblen);

	memcpy(copy, blob, bloblen);
	copy[8] = 9;
	cr_assert_eq(nlp_model_load(&m, copy, bloblen, &e), NLP_DATA);
	cr_assert(strstr(e.msg, "newer") != NULL, "%s", e.msg);
	free(copy);
}

LEAK_TEST_FINI(weights, probabilities_sum_to_one_and_empty_text_gets_the_bias_softmax,
    free_blob)
{
	struct nlp_model m;
	struct nlp_scorer s;
	struct nlp_err e;
	float p[3], sum;
	double z;

	memset(&s, 0, sizeof s);
	cr_assert_eq(nlp_model_load(&m, blob, bloblen, &e), NLP_OK);
	cr_assert_eq(nlp_model_predict(&m, &s, "", 0, p), 0);
	z = exp(0.1) + exp(0.2) + exp(0.3);
	cr_assert_float_eq(p[0], exp(0.1) / z, 1e-6);
	cr_assert_float_eq(p[2], exp(0.3) / z, 1e-6);
	cr_assert_eq(nlp_model_predict(&m, &s, "some words", 10, p), 0);
	sum = p[0] + p[1] + p[2];
	cr_assert_float_eq(sum, 1.0f, 1e-6);
	nlp_scorer_release(&s);
	nlp_model_release(&m);
	free_blob();
	NO_LEAKS();
}

LEAK_TEST(quantized, rows_scale_to_127_and_score_as_training_measured)
{
	static const char *labels[] = { "alpha", "beta", "gamma" };
	struct nlp_feat_opts fo = { .ngrams = 1, .bits = 16, .seed = 7 };
	uint32_t keys[3] = { 5, 900, 4000 }, rows[3] = { 0, 1, 2 };
	float idf[3] = { 1, 1, 1 }, bias[3] = { 0.1f, -0.2f, 0.3f };
	float w[9] = { 1.0f, -0.5f, 0.25f, 0, 0, 0, -3.0f, 2.0f, 0.001f };
	float vals[3] = { 0.5f, 0.7f, 0.3f }, deq[9], p1[3], p2[3];
	struct nlp_quantized qw;
	struct nlp_scorer s;
	struct nlp_model m;
	int i;
	struct nlp_err e;
	void *q8, *f32;
	size_t qlen, flen;
	unsigned char *bad;
	float scale;

	memcpy(deq, w, sizeof w);
	cr_assert_eq(nlp_quantize(&qw, deq, 3, 3), 0);
	/* each row's largest magnitude is 127 steps; a zero row is all 0 */
	cr_assert_eq(qw.q[0], 127);
	cr_assert(qw.q[1] == -64 || qw.q[1] == -63, "%d", qw.q[1]);
	cr_assert_eq(qw.q[2], 32, "31.75 rounds to 32");
	cr_assert_eq(qw.scale[1], 0);
	cr_assert(qw.q[3] == 0 && qw.q[4] == 0 && qw.q[5] == 0);
	cr_assert_eq(qw.q[6], -127);
	cr_assert_eq(qw.q[8], 0, "0.001 of 3 rounds to 0");
	/* the scale is max / 127 as a bfloat16 (its float's upper half,
	   rounded to nearest even) */
	{
		uint32_t u;
		scale = 3.0f / 127.0f;
		memcpy(&u, &scale, sizeof u);
		u = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u;
		memcpy(&scale, &u, sizeof u);
	}
	cr_assert_eq(qw.scale[2], scale);
	cr_assert(fabsf(scale - 3.0f / 127.0f) < 3.0f / 127.0f / 256);
	cr_assert_eq(deq[7], scale * (float)qw.q[7], "w holds scale x q");
	cr_assert_eq(nlp_model_serialize(&q8, &qlen, &fo, labels, 3, keys, idf,
	    3, bias, deq, &qw, 0, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(nlp_model_serialize(&f32, &flen, &fo, labels, 3, keys, idf,
	    3, bias, w, NULL, 0, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(nlp_model_load(&m, q8, qlen, &e), NLP_OK, "%s", e.msg);
	cr_assert(m.w == NULL && m.q != NULL && m.scale != NULL);
	cr_assert_eq(m.q[6], -127);
	/* the quantized scores are exactly those of the weights training
	   measured (scale x q) */
	nlp_model_logits_q(m.q, m.scale, m.bias, 3, rows, vals, 3, p1);
	nlp_model_logits(deq, bias, 3, rows, vals, 3, p2);
	cr_assert(memcmp(p1, p2, sizeof p1) == 0);
	/* the table three quarters full: a bucket absent ends its probe */
	cr_assert_eq(m.table_cap, 4);
	memset(&s, 0, sizeof s);
	for (i = 0; i < 50; i++) {
		char text[32];
		snprintf(text, sizeof text, "absent %d words", i);
		cr_assert_eq(nlp_model_predict(&m, &s, text, strlen(text), p1), 0);
	}
	nlp_scorer_release(&s);
	nlp_model_release(&m);
	/* a negative or NaN scale, a float model with a scale offset:
	   refused */
	bad = malloc(qlen);
	memcpy(bad, q8, qlen);
	memcpy(bad + qlen - 4, &(float){ -1.0f }, 4);
	cr_assert_eq(nlp_model_load(&m, bad, qlen, &e), NLP_DATA);
	memcpy(bad + qlen - 4, &(float){ NAN }, 4);
	cr_assert_eq(nlp_model_load(&m, bad, qlen, &e), NLP_DATA);
	free(bad);
	bad = malloc(flen);
	memcpy(bad, f32, flen);
	bad[104] = 64;
	cr_assert_eq(nlp_model_load(&m, bad, flen, &e), NLP_DATA);
	cr_assert(strstr(e.msg, "unsupported layout") != NULL, "%s", e.msg);
	free(bad);
	free(q8);
	free(f32);
	nlp_quantized_release(&qw);
}

/*
 * The rank index (model.h) against the table: built when the rows are in
 * their buckets' order and it is small enough, the same row for every
 * bucket there is, and the same scores as the table alone; not built when
 * the rows are in another order, or the buckets' space is far larger than
 * the table.
 */
LEAK_TEST(scoring, rank_index_finds_the_rows_the_table_finds)
{
	static const char *labels[] = { "a", "b", "c" };
	struct nlp_feat_opts fo = { .ngrams = 2, .bits = 12, .seed = 7 };
	enum { V = 700, C = 3 };
	static uint32_t keys[V], pkeys[V];
	static float idf[V], pidf[V], w[V * C], pw[V * C];
	static unsigned char has[1 << 12];
	float bias[C] = { 0.1f, 0, -0.1f }, p1[C], p2[C];
	struct nlp_model m1, m2;
	struct nlp_scorer s1, s2;
	struct nlp_err e;
	uint64_t rng = 3;
	void *b1, *b2;
	size_t n1, n2, i, j;
	uint32_t b;

	/* V distinct buckets of 4096, in order */
	for (i = 0; i < V; i++) {
		do
			b = (uint32_t)(nlp_rand_next(&rng) % (1u << 12));
		while (has[b]);
		has[b] = 1;
	}
	for (b = 0, i = 0; b < (1u << 12); b++)
		if (has[b])
			keys[i++] = b;
	for (i = 0; i < V; i++) {
		idf[i] = 1.0f + (float)(i % 7) / 3;
		for (j = 0; j < C; j++)
			w[i * C + j] = (float)((int)((i * 5 + j * 3) % 11) - 5) / 4;
	}
	/* the same model with its rows reversed: bucket order lost */
	for (i = 0; i < V; i++) {
		pkeys[i] = keys[V - 1 - i];
		pidf[i] = idf[V - 1 - i];
		memcpy(pw + i * C, w + (V - 1 - i) * C, C * sizeof *w);
	}
	cr_assert_eq(nlp_model_serialize(&b1, &n1, &fo, labels, C, keys, idf,
	    V, bias, w, NULL, 0, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(nlp_model_serialize(&b2, &n2, &fo, labels, C, pkeys, pidf,
	    V, bias, pw, NULL, 0, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(nlp_model_load(&m1, b1, n1, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(nlp_model_load(&m2, b2, n2, &e), NLP_OK, "%s", e.msg);
	cr_assert_not_null(m1.rank, "rows in bucket order: indexed");
	cr_assert_null(m2.rank, "rows out of order: the table alone");
	for (b = 0; b < (1u << 12); b++) {
		cr_assert_eq(nlp_model_has_bucket(&m1, b), has[b], "bucket %u", b);
		cr_assert_eq(nlp_model_has_bucket(&m2, b), has[b], "bucket %u", b);
	}
	memset(&s1, 0, sizeof s1);
	memset(&s2, 0, sizeof s2);
	for (i = 0; i < 300; i++) {
		char text[96];
		snprintf(text, sizeof text, "w%zu x%zu y%zu z w%zu", i % 37,
		    i * 7 % 101, i % 13, i % 5);
		cr_assert_eq(nlp_model_predict(&m1, &s1, text, strlen(text), p1), 0);
		cr_assert_eq(nlp_model_predict(&m2, &s2, text, strlen(text), p2), 0);
		cr_assert(memcmp(p1, p2, sizeof p1) == 0, "text %zu", i);
		/* and the rows it found: every feature the model has */
		for (j = 0; j < s1.nknown; j++)
			cr_assert(s1.row[j] < V && has[keys[s1.row[j]]]);
	}
	nlp_scorer_release(&s1);
	nlp_scorer_release(&s2);
	nlp_model_release(&m1);
	nlp_model_release(&m2);
	free(b1);
	free(b2);
	/* 2^24 buckets for 700 rows: the index would be 4 MB */
	fo.bits = 24;
	cr_assert_eq(nlp_model_serialize(&b1, &n1, &fo, labels, C, keys, idf,
	    V, bias, w, NULL, 0, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(nlp_model_load(&m1, b1, n1, &e), NLP_OK, "%s", e.msg);
	cr_assert_null(m1.rank);
	nlp_model_release(&m1);
	free(b1);
}

LEAK_TEST(scoring, top_k_orders_by_probability_and_keeps_ties_stable)
{
	float p[5] = { 0.1f, 0.3f, 0.3f, 0.05f, 0.25f };
	uint32_t idx[5];

	cr_assert_eq(nlp_top_k(p, 5, 3, idx), 3);
	cr_assert_eq(idx[0], 1);
	cr_assert_eq(idx[1], 2);
	cr_assert_eq(idx[2], 4);
	cr_assert_eq(nlp_top_k(p, 5, 9, idx), 5);
	cr_assert_eq(idx[4], 3);
}

LEAK_TEST(scoring, softmax_survives_huge_scores)
{
	float x[3] = { 1000.0f, 999.0f, -1000.0f };

	nlp_softmax(x, 3);
	cr_assert(isfinite(x[0]) && isfinite(x[1]) && isfinite(x[2]));
	cr_assert_float_eq(x[0] + x[1] + x[2], 1.0f, 1e-6);
}

/* A float in [-8, 8) from the generator, of varied magnitude. */
static float
rand_float(uint64_t *st)
{
	uint64_t r = nlp_rand_next(st);

	return ldexpf((float)(r >> 40) / (float)(1u << 24) * 2 - 1,
	    (int)(r & 7) - 4);
}

/*
 * The kernels are built twice (plainly and for AVX2, chosen by the CPU):
 * each build, and the one the CPU picks, gives each class's score as bias
 * + v0*w0 + v1*w1 + ... with every product and sum rounded, in feature
 * order: the same bits as this plain loop, for every number of classes
 * (vector tails of every length).  A fused multiply-add would round once
 * and differ in most scores.  (On a CPU without AVX2 build 1 is build 0.)
 */
LEAK_TEST(scoring, kernels_round_every_product_and_sum_in_order)
{
	enum { MAXC = 130, NROWS = 40, N = 60 };
	static float w[NROWS * MAXC], bias[MAXC], got[MAXC], scale[NROWS];
	static int8_t q[NROWS * MAXC];
	uint32_t rows[N], C, c, k;
	float v[N], want;
	uint64_t st = 7;
	size_t i;
	int build;

	for (i = 0; i < NROWS * MAXC; i++) {
		w[i] = rand_float(&st);
		q[i] = (int8_t)((int)(nlp_rand_next(&st) % 255) - 127);
	}
	for (i = 0; i < NROWS; i++)
		scale[i] = fabsf(rand_float(&st)) / 127;
	for (i = 0; i < N; i++) {
		rows[i] = (uint32_t)(nlp_rand_next(&st) % NROWS);
		v[i] = rand_float(&st);
	}
	for (c = 0; c < MAXC; c++)
		bias[c] = rand_float(&st);
	/* build -1: the one the CPU picks; then 0 and 1 */
	for (k = 0; k < 3 * MAXC; k++) {
		build = (int)(k / MAXC) - 1;
		C = k % MAXC + 1;
		if (build < 0)
			nlp_model_logits(w, bias, C, rows, v, N, got);
		else
			nlp_model_logits_build(build, w, bias, C, rows, v, N,
			    got);
		for (c = 0; c < C; c++) {
			volatile float acc = bias[c], p;
			for (i = 0; i < N; i++) {
				p = v[i] * w[(size_t)rows[i] * C + c];
				acc = acc + p;
			}
			want = acc;
			cr_assert(memcmp(&want, &got[c], sizeof want) == 0,
			    "float weights, build %d, %u classes, class %u: %a, "
			    "not %a", build, C, c, (double)got[c], (double)want);
		}
		if (build < 0)
			nlp_model_logits_q(q, scale, bias, C, rows, v, N, got);
		else
			nlp_model_logits_q_build(build, q, scale, bias, C, rows,
			    v, N, got);
		for (c = 0; c < C; c++) {
			volatile float acc = bias[c], wc, p;
			for (i = 0; i < N; i++) {
				wc = scale[rows[i]] *
				    (float)q[(size_t)rows[i] * C + c];
				p = v[i] * wc;
				acc = acc + p;
			}
			want = acc;
			cr_assert(memcmp(&want, &got[c], sizeof want) == 0,
			    "8-bit weights, build %d, %u classes, class %u: %a, "
			    "not %a", build, C, c, (double)got[c], (double)want);
		}
		/* the same weights laid out in lines: the same bits */
		{
			unsigned char *line;
			float got2[MAXC];
			uint32_t L;
			if (NLP_LINE_HEAD + C > 64) {   /* not a line a row */
				cr_assert_eq(nlp_model_lines(&line, &L, q, scale,
				    NULL, NROWS, C), -1, "%u classes", C);
				continue;
			}
			cr_assert_eq(nlp_model_lines(&line, &L, q, scale, NULL,
			    NROWS, C), 0);
			cr_assert((L == 16 || L == 32 || L == 64) &&
			    L >= NLP_LINE_HEAD + C && L / 2 < NLP_LINE_HEAD + C,
			    "%u classes: %u", C, L);
			nlp_model_logits_line_build(build < 0 ? 1 : build, line,
			    L, bias, C, rows, v, N, got2);
			cr_assert(memcmp(got, got2, C * sizeof *got) == 0,
			    "8-bit weights in lines, build %d, %u classes",
			    build, C);
			free(line);
		}
	}
}

/*
 * A quantized model of up to 56 classes scores from its rows laid out in
 * lines (model.h): the same bits as from the artifact's layout, for class
 * counts on both sides of each row size (16, 32, 64 bytes); wider rows
 * are not laid out.
 */
LEAK_TEST(quantized, lines_score_as_the_artifact_layout)
{
	static const uint32_t counts[] = { 2, 8, 9, 24, 25, 51, 56, 57, 120 };
	enum { V = 300, MAXC = 120 };
	static uint32_t keys[V], df[V];
	static float idf[V], w[V * MAXC];
	static const char *labels[MAXC];
	static char names[MAXC][8];
	struct nlp_feat_opts fo = { .ngrams = 2, .bits = 12, .seed = 7 };
	float bias[MAXC], p1[MAXC], p2[MAXC];
	struct nlp_quantized qw;
	struct nlp_scorer s;
	struct nlp_model m;
	struct nlp_err e;
	uint64_t rng = 11;
	size_t k, i, len;
	unsigned char *line;
	void *blob;

	for (i = 0; i < MAXC; i++) {
		snprintf(names[i], sizeof names[i], "c%zu", i);
		labels[i] = names[i];
		bias[i] = (float)((int)(i % 5) - 2) / 8;
	}
	for (i = 0; i < V; i++) {
		keys[i] = (uint32_t)(i * 13 + 1);      /* < 4096, in order */
		idf[i] = 1.0f + (float)(i % 7) / 3;
	}
	for (i = 0; i < V; i++)
		df[i] = (uint32_t)(1 + i % 40);
	for (k = 0; k < sizeof counts / sizeof *counts; k++) {
		uint32_t C = counts[k];
		size_t known = 0;
		for (i = 0; i < (size_t)V * C; i++)
			w[i] = rand_float(&rng);
		cr_assert_eq(nlp_quantize(&qw, w, V, C), 0);
		if (k % 2 == 1) {        /* value type 3 (compact) too */
			qw.df = df;
			qw.ndocs = 50;
		}
		cr_assert_eq(nlp_model_serialize(&blob, &len, &fo, labels, C,
		    keys, idf, V, bias, w, &qw, 0, &e), NLP_OK, "%s", e.msg);
		cr_assert_eq(nlp_model_load(&m, blob, len, &e), NLP_OK, "%s",
		    e.msg);
		/* up to a line a row: wider ones score from the artifact */
		if (C + NLP_LINE_HEAD > 64) {
			cr_assert_null(m.line, "%u classes", C);
			nlp_model_release(&m);
			nlp_quantized_release(&qw);
			free(blob);
			continue;
		}
		cr_assert_not_null(m.line, "%u classes", C);
		cr_assert_eq(m.line_size, C + NLP_LINE_HEAD <= 16 ? 16 :
		    C + NLP_LINE_HEAD <= 32 ? 32 : 64, "%u classes", C);
		memset(&s, 0, sizeof s);
		for (i = 0; i < 200; i++) {
			char text[96];
			snprintf(text, sizeof text, "w%zu x%zu y%zu z w%zu x%zu",
			    i % 37, i * 7 % 101, i % 13, i % 5, i % 3);
			cr_assert_eq(nlp_model_predict(&m, &s, text,
			    strlen(text), p1), 0);
			line = m.line;
			m.line = NULL;
			cr_assert_eq(nlp_model_predict(&m, &s, text,
			    strlen(text), p2), 0);
			m.line = line;
			cr_assert(memcmp(p1, p2, C * sizeof *p1) == 0,
			    "%u classes, text %zu", C, i);
			known += s.nknown;
		}
		cr_assert(known > 200, "%u classes: %zu features known", C,
		    known);
		nlp_scorer_release(&s);
		nlp_model_release(&m);
		nlp_quantized_release(&qw);
		free(blob);
	}
}

/* A synthetic separable problem for the learner. */
#define NEX 3000
#define NF 6
static size_t start[NEX + 1];
static uint32_t rows[NEX * NF], ys[NEX];
static float vals[NEX * NF];

static void
make_data(struct nlp_dataset *d)
{
	uint64_t rng = 99;
	size_t i, j;

	for (i = 0; i < NEX; i++) {
		ys[i] = (uint32_t)(nlp_rand_next(&rng) % 4);
		start[i] = i * NF;
		for (j = 0; j < NF; j++) {
			/* half the features say the class, half are noise */
			uint32_t r = j < NF / 2 ? ys[i] * 50 + (uint32_t)(nlp_rand_next(&rng) % 50)
			    : 200 + (uint32_t)(nlp_rand_next(&rng) % 300);
			rows[i * NF + j] = r;
			vals[i * NF + j] = 1.0f / sqrtf(NF);
		}
		/* rows must be increasing within an example */
		for (j = 1; j < NF; j++) {
			size_t k = j;
			while (k > 0 && rows[i * NF + k - 1] > rows[i * NF + k]) {
				uint32_t t = rows[i * NF + k];
				rows[i * NF + k] = rows[i * NF + k - 1];
				rows[i * NF + k - 1] = t;
				k--;
			}
		}
	}
	start[NEX] = NEX * NF;
	d->n = NEX;
	d->start = start;
	d->row = rows;
	d->val = vals;
	d->y = ys;
	d->ystart = NULL;
	d->ys = NULL;
	d->nrows = 500;
	d->nclasses = 4;
}

/*
 * Reorder each example's features so that its rows' shards (the quarters
 * of the 500 rows, lib/learn.c) come last first, each shard's features in
 * their order: rows out of order, which learn.c takes feature by feature
 * (in order, it takes each shard's run at once).  Each shard's sum, and
 * each row's updates, are the same either way.
 */
static void
shards_reversed(void)
{
	size_t i, j, n;
	int s;

	for (i = 0; i < NEX; i++) {
		uint32_t r[NF];
		float v[NF];

		for (s = 3, n = 0; s >= 0; s--)
			for (j = 0; j < NF; j++)
				if (rows[i * NF + j] * 4 / 500 == (uint32_t)s) {
					r[n] = rows[i * NF + j];
					v[n++] = vals[i * NF + j];
				}
		memcpy(rows + i * NF, r, sizeof r);
		memcpy(vals + i * NF, v, sizeof v);
	}
}

/* Train with threads threads into w (500 x classes) and b (classes); the
   pool works on every batch unless serial_small (the default threshold:
   this data's batches are too small for it); reversed: rows out of order
   (shards_reversed()). */
static void
train_data(unsigned threads, float *w, float *b, double l2, int serial_small,
    int reversed, uint32_t classes)
{
	struct nlp_dataset d;
	struct nlp_learn_opts o;
	struct nlp_err e;
	size_t i;

	make_data(&d);
	if (reversed)
		shards_reversed();
	for (i = 0; i < NEX; i++)     /* 2 classes: the odd ones against */
		ys[i] %= classes;
	d.nclasses = classes;
	memset(&o, 0, sizeof o);
	o.epochs = 3;
	o.lr = 1.0f;
	o.l2 = (float)l2;
	o.seed = 5;
	o.pool = nlp_pool_new(threads);
	o.parallel_min = serial_small ? 0 : 1;
	o.oversubscribe = 1;     /* 3 and 7 threads on a 2-CPU machine too */
	memset(w, 0, 2000 * sizeof *w);
	memset(b, 0, 4 * sizeof *b);
	cr_assert_eq(nlp_learn(&d, &o, w, b, &e), NLP_OK);
	nlp_pool_close(o.pool);
}

static void
train_opts(unsigned threads, float *w, float *b, double l2, int serial_small)
{
	train_data(threads, w, b, l2, serial_small, 0, 4);
}

static void
train_with(unsigned threads, float *w, float *b, double l2)
{
	train_opts(threads, w, b, l2, 0);
}

LEAK_TEST(learn, same_weights_at_any_thread_count)
{
	static float w1[2000], w2[2000], w3[2000];
	float b1[4], b2[4], b3[4];

	train_with(1, w1, b1, 0);
	train_with(2, w2, b2, 0);
	train_with(3, w3, b3, 0);
	cr_assert(memcmp(w1, w2, sizeof w1) == 0);
	cr_assert(memcmp(w1, w3, sizeof w1) == 0);
	cr_assert(memcmp(b1, b2, sizeof b1) == 0);
	/* more threads than the weight rows' shards: some sit out */
	train_with(7, w2, b2, 0);
	cr_assert(memcmp(w1, w2, sizeof w1) == 0);
	cr_assert(memcmp(b1, b2, sizeof b1) == 0);
	train_with(1, w1, b1, 1e-3);
	train_with(2, w2, b2, 1e-3);
	cr_assert(memcmp(w1, w2, sizeof w1) == 0);
	/* small batches left to the calling thread: the same weights */
	train_opts(2, w3, b3, 1e-3, 1);
	cr_assert(memcmp(w1, w3, sizeof w1) == 0);
}

/* Rows in order (each shard's features a run) and out of order (feature
   by feature): the same weights, on one to three threads, for 4 classes
   and for 2 (whose runs sum in registers). */
LEAK_TEST(learn, rows_out_of_order_give_the_same_weights)
{
	static float w1[2000], w2[2000];
	float b1[4], b2[4];
	unsigned t, C;

	for (C = 2; C <= 4; C += 2)
		for (t = 1; t <= 3; t++) {
			train_data(t, w1, b1, 0, 0, 0, C);
			train_data(t, w2, b2, 0, 0, 1, C);
			cr_assert(memcmp(w1, w2, sizeof w1) == 0,
			    "%u classes, %u threads", C, t);
			cr_assert(memcmp(b1, b2, C * sizeof *b1) == 0,
			    "%u classes, %u threads", C, t);
			train_data(t, w1, b1, 1e-3, 0, 0, C);
			train_data(t, w2, b2, 1e-3, 0, 1, C);
			cr_assert(memcmp(w1, w2, sizeof w1) == 0,
			    "%u classes, %u threads, l2", C, t);
		}
	/* the reordering did reorder */
	shards_reversed();
	cr_assert(rows[0] * 4 / 500 > rows[NF - 1] * 4 / 500 ||
	    rows[NF] * 4 / 500 > rows[2 * NF - 1] * 4 / 500);
}

LEAK_TEST(learn, learns_a_separable_problem)
{
	static float w[2000];
	float b[4], p[4];
	struct nlp_dataset d;
	size_t i, ok = 0;

	train_with(2, w, b, 0);
	make_data(&d);
	for (i = 0; i < NEX; i++) {
		uint32_t best;
		nlp_model_scores(w, b, 4, rows + start[i], vals + start[i], NF, p);
		nlp_top_k(p, 4, 1, &best);
		ok += best == ys[i];
	}
	cr_assert_gt(ok, NEX * 95 / 100, "accuracy %zu/%d", ok, NEX);
}

/*
 * The pipe against nlp_model_predict(): texts go in with their index as
 * tag (a few pops in between, as a caller drains before a record it does
 * not score) and come out in order with the same probabilities, bit for
 * bit.
 */
static void
pipe_matches_predict(const struct nlp_model *m)
{
	struct nlp_pipe pipe;
	struct nlp_scorer s;
	float want[2], got[2];
	size_t i, next = 0, tag;
	int r;

	memset(&pipe, 0, sizeof pipe);
	memset(&s, 0, sizeof s);
	for (i = 0; i < 200; i++) {
		char text[64];
		snprintf(text, sizeof text, "w%zu x%zu y%zu z", i, i * 7, i % 13);
		r = nlp_pipe_push(&pipe, m, text, strlen(text), i, &tag, got);
		/* one leaves when the pipe was full */
		cr_assert_eq(r, i - next == NLP_PIPE_DEPTH, "text %zu", i);
		while (r == 1 || (i % 29 == 28 &&
		    (r = nlp_pipe_pop(&pipe, m, &tag, got)) == 1)) {
			char t[64];
			snprintf(t, sizeof t, "w%zu x%zu y%zu z", next, next * 7,
			    next % 13);
			cr_assert_eq(tag, next);
			cr_assert_eq(nlp_model_predict(m, &s, t, strlen(t), want), 0);
			cr_assert(memcmp(want, got, sizeof want) == 0, "text %zu", next);
			next++;
			r = 0;
		}
	}
	while (nlp_pipe_pop(&pipe, m, &tag, got) == 1) {
		cr_assert_eq(tag, next);
		next++;
	}
	cr_assert_eq(next, 200);
	cr_assert_eq(nlp_pipe_pop(&pipe, m, &tag, got), 0, "empty stays empty");
	nlp_pipe_release(&pipe);
	nlp_scorer_release(&s);
}

/*
 * Value type 3, what `train --quantize` writes: the same scores as value
 * type 2 from a member a fraction of its size; the idf rebuilt from the
 * document frequencies as training computed it; and every damage to the
 * varint sections refused.
 */
LEAK_TEST(quantized, compact_rows_score_as_value_type_2)
{
	static const char *labels[] = { "ham", "spam" };
	struct nlp_feat_opts fo = { .ngrams = 1, .bits = 20, .seed = 7 };
	enum { V = 300 };
	static uint32_t keys[V], df[V];
	static float idf[V], w[2 * V], deq[2 * V];
	float bias[2] = { 0.25f, -0.25f }, p2[2], p3[2];
	struct nlp_quantized qw;
	struct nlp_model m2, m3;
	struct nlp_scorer s2, s3;
	struct nlp_err e;
	unsigned char *b2, *b3, *bad;
	size_t n2, n3, i;
	uint64_t ot, oi;
	uint32_t v;

	for (i = 0; i < V; i++) {
		/* increasing buckets, gaps from 1 to 400 (one and two byte
		   varints) */
		keys[i] = (uint32_t)(i == 0 ? 3 : keys[i - 1] + 1 + (i * 37) % 400);
		df[i] = (uint32_t)(1 + i % 50);
		idf[i] = nlp_idf(1000, df[i]);
		w[2 * i] = (float)((int)(i % 17) - 8) / 3;
		w[2 * i + 1] = -w[2 * i] / 2;
	}
	memcpy(deq, w, sizeof w);
	cr_assert_eq(nlp_quantize(&qw, deq, V, 2), 0);
	cr_assert_eq(nlp_model_serialize((void **)&b2, &n2, &fo, labels, 2,
	    keys, idf, V, bias, deq, &qw, 0, &e), NLP_OK, "%s", e.msg);
	qw.df = df;
	qw.ndocs = 1000;
	cr_assert_eq(nlp_model_serialize((void **)&b3, &n3, &fo, labels, 2,
	    keys, idf, V, bias, deq, &qw, 0, &e), NLP_OK, "%s", e.msg);
	memcpy(&v, b3 + 16, 4);
	cr_assert_eq(v, NLP_DTYPE_I8C);
	cr_assert_lt(n3 * 2, n2, "%zu bytes against %zu", n3, n2);
	cr_assert_eq(nlp_model_load(&m2, b2, n2, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(nlp_model_load(&m3, b3, n3, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(m3.nrows, V);
	cr_assert(memcmp(m3.idf, idf, sizeof idf) == 0, "idf as training's");
	cr_assert(memcmp(m3.scale, qw.scale, V * sizeof *m3.scale) == 0);
	for (i = 0; i < V; i++)
		cr_assert(nlp_model_has_bucket(&m3, keys[i]), "bucket %zu", i);
	cr_assert(!nlp_model_has_bucket(&m3, keys[1] + 1 == keys[2] ? 0 :
	    keys[1] + 1));
	memset(&s2, 0, sizeof s2);
	memset(&s3, 0, sizeof s3);
	for (i = 0; i < 200; i++) {
		char text[64];
		snprintf(text, sizeof text, "w%zu x%zu y%zu z", i, i * 7, i % 13);
		cr_assert_eq(nlp_model_predict(&m2, &s2, text, strlen(text), p2), 0);
		cr_assert_eq(nlp_model_predict(&m3, &s3, text, strlen(text), p3), 0);
		cr_assert(memcmp(p2, p3, sizeof p2) == 0, "text %zu", i);
	}
	pipe_matches_predict(&m2);
	pipe_matches_predict(&m3);
	nlp_scorer_release(&s2);
	nlp_scorer_release(&s3);
	nlp_model_release(&m2);
	nlp_model_release(&m3);
	bad = malloc(n3);
	/* the bucket list (from off_table, at 72, to off_idf, at 80): a
	   varint cut short by the next section, a repeated bucket (gap 0), a
	   gap past 32 bits */
	memcpy(&ot, b3 + 72, 8);
	memcpy(&oi, b3 + 80, 8);
	memcpy(bad, b3, n3);
	memset(bad + ot, 0xff, oi - ot);
	cr_assert_eq(nlp_model_load(&m3, bad, n3, &e), NLP_DATA);
	cr_assert(strstr(e.msg, "bucket") != NULL, "%s", e.msg);
	memcpy(bad, b3, n3);
	bad[ot + 1] = 0;                /* the second gap (one byte: 38) */
	cr_assert_eq(nlp_model_load(&m3, bad, n3, &e), NLP_DATA);
	memcpy(bad, b3, n3);
	memcpy(bad + ot, "\xff\xff\xff\xff\x7f", 5);
	cr_assert_eq(nlp_model_load(&m3, bad, n3, &e), NLP_DATA);
	/* a bucket past 2^bits: the first one, as 2^20 (3 bytes: 80 80 40) */
	memcpy(bad, b3, n3);
	memcpy(bad + ot, "\x80\x80\x40", 3);
	cr_assert_eq(nlp_model_load(&m3, bad, n3, &e), NLP_DATA);
	/* a document frequency of 0, or above n */
	memcpy(bad, b3, n3);
	bad[oi] = 0;
	cr_assert_eq(nlp_model_load(&m3, bad, n3, &e), NLP_DATA);
	cr_assert(strstr(e.msg, "document frequency") != NULL, "%s", e.msg);
	memcpy(bad, b3, n3);
	v = 0;                          /* n (at 112) = 0: not value type 3 */
	memcpy(bad + 112, &v, 4);
	cr_assert_eq(nlp_model_load(&m3, bad, n3, &e), NLP_DATA);
	memcpy(bad, b3, n3);
	v = 1;                          /* n = 1: the df of 2 is above it */
	memcpy(bad + 112, &v, 4);
	cr_assert_eq(nlp_model_load(&m3, bad, n3, &e), NLP_DATA);
	/* a scale that is not a number (bfloat16 0xffc0) */
	memcpy(bad, b3, n3);
	bad[n3 - 1] = 0xff, bad[n3 - 2] = 0xc0;
	cr_assert_eq(nlp_model_load(&m3, bad, n3, &e), NLP_DATA);
	free(bad);
	free(b2);
	free(b3);
	nlp_quantized_release(&qw);
}

/* Multi-label data: each example has a set of the 4 classes (made from
 * ys: class y, and y + 1 on every third example), its features saying
 * each of them. */
static size_t ml_ystart[NEX + 1];
static uint32_t ml_ys[2 * NEX];

static void
make_multi(struct nlp_dataset *d)
{
	size_t i, k = 0;

	make_data(d);
	for (i = 0; i < NEX; i++) {
		uint32_t y = ys[i], z = (y + 1) % 4;
		ml_ystart[i] = k;
		if (i % 3 == 0) {
			/* the second class's features replace the noise */
			rows[i * NF + 3] = z * 50 + (uint32_t)(i % 50);
			ml_ys[k++] = y < z ? y : z;
			ml_ys[k++] = y < z ? z : y;
		} else {
			ml_ys[k++] = y;
		}
	}
	ml_ystart[NEX] = k;
	/* rows increasing within an example again */
	for (i = 0; i < NEX; i++) {
		uint32_t *r = rows + i * NF;
		size_t a, b;
		for (a = 1; a < NF; a++)
			for (b = a; b > 0 && r[b - 1] > r[b]; b--) {
				uint32_t t = r[b];
				r[b] = r[b - 1];
				r[b - 1] = t;
			}
	}
	d->ystart = ml_ystart;
	d->ys = ml_ys;
}

static void
train_multi(unsigned threads, float *w, float *b)
{
	struct nlp_dataset d;
	struct nlp_learn_opts o;
	struct nlp_err e;

	make_multi(&d);
	memset(&o, 0, sizeof o);
	o.epochs = 5;
	o.lr = 1.0f;
	o.seed = 5;
	o.pool = nlp_pool_new(threads);
	o.parallel_min = 1;
	o.oversubscribe = 1;
	memset(w, 0, 2000 * sizeof *w);
	memset(b, 0, 4 * sizeof *b);
	cr_assert_eq(nlp_learn(&d, &o, w, b, &e), NLP_OK);
	nlp_pool_close(o.pool);
}

LEAK_TEST(learn, multilabel_learns_label_sets_the_same_at_any_thread_count)
{
	static float w1[2000], w2[2000];
	float b1[4], b2[4], p[4];
	struct nlp_dataset d;
	struct nlp_class_counts k;
	uint32_t pred[4];
	size_t i, np;
	uint32_t c;

	train_multi(1, w1, b1);
	train_multi(2, w2, b2);
	cr_assert(memcmp(w1, w2, sizeof w1) == 0);
	cr_assert(memcmp(b1, b2, sizeof b1) == 0);
	make_multi(&d);
	cr_assert_eq(nlp_class_counts_init(&k, 4), 0);
	for (i = 0; i < NEX; i++) {
		nlp_model_logits(w1, b1, 4, rows + start[i], vals + start[i], NF,
		    p);
		nlp_sigmoid(p, 4);
		for (c = 0, np = 0; c < 4; c++)
			if (p[c] >= NLP_MIN_P)
				pred[np++] = c;
		nlp_class_counts_add_sets(&k, ml_ys + ml_ystart[i],
		    ml_ystart[i + 1] - ml_ystart[i], pred, np);
	}
	/* the sets, not just one label each: most examples exactly right,
	   the pairs included */
	cr_assert_gt(k.correct, NEX * 85 / 100, "subset accuracy %llu/%d",
	    (unsigned long long)k.correct, NEX);
	cr_assert_lt(nlp_class_counts_hamming(&k), 0.05);
	nlp_class_counts_release(&k);
}

LEAK_TEST(metrics, label_sets_count_every_label_and_exact_matches)
{
	struct nlp_class_counts k;
	const uint32_t g1[] = { 0, 2 }, p1[] = { 0, 1 }, g2[] = { 1 }, p2[] = { 1 };

	/* gold {0,2} predicted {0,1}; gold {1} predicted {1}; gold {2}
	   predicted nothing */
	cr_assert_eq(nlp_class_counts_init(&k, 4), 0);
	nlp_class_counts_add_sets(&k, g1, 2, p1, 2);
	nlp_class_counts_add_sets(&k, g2, 1, p2, 1);
	nlp_class_counts_add_sets(&k, g1 + 1, 1, NULL, 0);
	cr_assert_eq(k.n, 3);
	cr_assert_eq(k.correct, 1);
	cr_assert_eq(k.tp[0], 1);
	cr_assert_eq(k.tp[1], 1);
	cr_assert_eq(k.pred[1], 2);
	cr_assert_eq(k.gold[2], 2);
	cr_assert_eq(k.wrong, 3);             /* 1 and 2; then 2 */
	cr_assert_eq(nlp_class_counts_used(&k), 3);
	cr_assert_float_eq(nlp_class_counts_hamming(&k), 3.0 / 9, 1e-12);
	/* per example: P 1/2, 1, 0; R 1/2, 1, 0; F1 1/2, 1, 0 */
	cr_assert_float_eq(k.sample_p, 1.5, 1e-12);
	cr_assert_float_eq(k.sample_f1, 1.5, 1e-12);
	nlp_class_counts_release(&k);
}

LEAK_TEST_FINI(weights, multilabel_is_format_2_with_sigmoid_outputs,
    free_blob)
{
	static const char *labels[] = { "alpha", "beta", "gamma" };
	struct nlp_feat_opts fo = { .ngrams = 2, .bits = 20, .seed = 42 };
	uint32_t keys[2] = { 5, 900 }, v;
	float idf[2] = { 1.5f, 2.0f }, bias[3] = { 0.1f, -2.0f, 3.0f };
	float w[6] = { 1, 2, 3, 4, 5, 6 }, p[3];
	unsigned char *ml;
	size_t len, i;
	struct nlp_model m;
	struct nlp_scorer s;
	struct nlp_err e;

	cr_assert_eq(nlp_model_serialize((void **)&ml, &len, &fo, labels, 3,
	    keys, idf, 2, bias, w, NULL, 1, &e), NLP_OK);
	memcpy(&v, ml + 8, 4);
	cr_assert_eq(v, 2, "format %u", v);
	memcpy(&v, ml + 60, 4);
	cr_assert_eq(v, NLP_OUTPUT_SIGMOID);
	cr_assert_eq(nlp_model_load(&m, ml, len, &e), NLP_OK, "%s", e.msg);
	cr_assert(m.multilabel);
	memset(&s, 0, sizeof s);
	/* no feature: each class's probability is the sigmoid of its bias,
	   on its own (they do not sum to 1) */
	cr_assert_eq(nlp_model_predict(&m, &s, "", 0, p), 0);
	for (i = 0; i < 3; i++)
		cr_assert_float_eq(p[i], 1 / (1 + expf(-bias[i])), 1e-6);
	nlp_scorer_release(&s);
	nlp_model_release(&m);
	/* format 1 with sigmoid outputs, format 2 with a softmax: refused */
	v = 1;
	memcpy(ml + 8, &v, 4);
	cr_assert_eq(nlp_model_load(&m, ml, len, &e), NLP_DATA);
	v = 2;
	memcpy(ml + 8, &v, 4);
	v = NLP_OUTPUT_SOFTMAX;
	memcpy(ml + 60, &v, 4);
	cr_assert_eq(nlp_model_load(&m, ml, len, &e), NLP_DATA);
	free(ml);
	/* a softmax model (the suite's) stays format 1, as every nlpops
	   reads it */
	memcpy(&v, (unsigned char *)blob + 8, 4);
	cr_assert_eq(v, 1);
	memcpy(&v, (unsigned char *)blob + 60, 4);
	cr_assert_eq(v, 0);
}

LEAK_TEST(strmap, entries_keep_their_numbers)
{
	struct nlp_strmap m;
	char key[16];
	int i;

	memset(&m, 0, sizeof m);
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof key, "k%d", i);
		cr_assert_not_null(nlp_strmap_add(&m, key, strlen(key)));
	}
	cr_assert_eq(m.n, 1000);
	cr_assert_eq(nlp_strmap_get(&m, "k500", 4) - m.ent, 500);
	cr_assert_eq(nlp_strmap_add(&m, "k7", 2) - m.ent, 7);
	cr_assert_null(nlp_strmap_get(&m, "nope", 4));
	cr_assert_eq(m.n, 1000);
	nlp_strmap_release(&m);
}

LEAK_TEST(metrics, macro_f1_counts_classes_seen_in_gold_or_predictions)
{
	struct nlp_confusion c;
	double p, r, f;

	/* gold: 0 0 1 1; predicted: 0 1 1 1; class 2 never occurs */
	cr_assert_eq(nlp_confusion_init(&c, 3), 0);
	nlp_confusion_add(&c, 0, 0);
	nlp_confusion_add(&c, 0, 1);
	nlp_confusion_add(&c, 1, 1);
	nlp_confusion_add(&c, 1, 1);
	cr_assert_float_eq(nlp_accuracy(&c), 0.75, 1e-12);
	nlp_class_prf(&c, 1, &p, &r, &f);
	cr_assert_float_eq(p, 2.0 / 3, 1e-12);
	cr_assert_float_eq(r, 1.0, 1e-12);
	/* sklearn f1_score(average='macro'): (2/3 + 0.8) / 2 */
	cr_assert_float_eq(nlp_macro_f1(&c), (2.0 / 3 + 0.8) / 2, 1e-12);
	nlp_confusion_release(&c);
}
