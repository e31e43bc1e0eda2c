/*
 * test_drift.c - drift's modules one by one: the streaming pass
 * (drift_pass.h) on small inputs and at any thread count, each signal
 * builder (drift_signal.h), the domain classifier (drift_domain.h) on
 * separable and inseparable texts, the renderers' bytes (drift_render.h),
 * and whole runs (drift.h) against a tiny model and a reference file.
 * Each test runs in its own temporary directory.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drift.h"
#include "drift_domain.h"
#include "drift_pass.h"
#include "drift_render.h"
#include "drift_signal.h"
#include "features.h"
#include "files.h"
#include "leak_test.h"
#include "model.h"
#include "train.h"

/* TEST(name): Test(drift, name) with a leak check (see leak_test.h). */
#define TEST(name) LEAK_TEST(drift, name)

static void
setup(void)
{
	make_test_dir("drift");
}

static void
teardown(void)
{
	remove_test_dir();
}

TestSuite(drift, .init = setup, .fini = teardown);

/* Write n lines made by line(i, buf) to dir/name; returns the path. */
static const char *
write_lines(const char *name, size_t n, void (*line)(size_t, char *, size_t))
{
	const char *path = in_dir(name);
	FILE *f = fopen(path, "w");
	char buf[256];
	size_t i;

	cr_assert_not_null(f);
	for (i = 0; i < n; i++) {
		line(i, buf, sizeof buf);
		fprintf(f, "%s\n", buf);
	}
	cr_assert_eq(fclose(f), 0);
	return path;
}

static const char *const pets[] = { "cat", "dog", "bird", "fish", "mouse" };
static const char *const money[] = { "stocks", "bonds", "rates", "prices",
    "shares" };

/* Texts about pets, and about markets: two domains with no word shared. */
static void
pet_line(size_t i, char *buf, size_t size)
{
	snprintf(buf, size, "my %s likes the %s garden %s", pets[i % 5],
	    pets[(i / 5) % 5], i % 3 ? "today" : "again");
}

static void
money_line(size_t i, char *buf, size_t size)
{
	snprintf(buf, size, "%s rose while %s fell %s", money[i % 5],
	    money[(i / 5) % 5], i % 3 ? "sharply" : "slowly");
}

static void
labeled_line(size_t i, char *buf, size_t size)
{
	char t[200];

	if (i % 2)
		money_line(i, t, sizeof t);
	else
		pet_line(i, t, sizeof t);
	snprintf(buf, size, "%s\t%s", i % 2 ? "money" : "pets", t);
}

/* Texts of labeled_line()'s kind, a quarter of them pet_line()'s. */
static void
mostly_labeled_line(size_t i, char *buf, size_t size)
{
	if (i % 4)
		labeled_line(i + 7, buf, size);
	else
		pet_line(i, buf, size);
}

static void
pass_opts(struct nlp_drift_pass_opts *po, const struct nlp_strmap *top,
    size_t keep, unsigned threads)
{
	memset(po, 0, sizeof *po);
	po->top = top;
	po->keep = keep;
	po->seed = 7;
	po->threads = threads;
}

static void
run_pass(struct nlp_drift_pass *p, const char *path,
    const struct nlp_drift_pass_opts *po, int labeled)
{
	struct nlp_reader_opts ro;
	struct nlp_err e;

	memset(&ro, 0, sizeof ro);
	ro.format = labeled ? NLP_FMT_TSV : NLP_FMT_PLAIN;
	ro.labeled = labeled;
	memset(p, 0, sizeof *p);
	cr_assert_eq(nlp_drift_pass_run(p, &path, 1, &ro, po, &e), NLP_OK, "%s",
	    e.msg);
}

TEST(the_pass_counts_against_the_top_tokens)
{
	struct nlp_strmap top;
	struct nlp_drift_pass_opts po;
	struct nlp_drift_pass p;
	const struct nlp_strmap_entry *en;
	const char *path = in_dir("cur.txt");
	static const char text[] = "the cat sat\nthe the dog\nzork zork\n\n";

	spit_file(path, text, sizeof text - 1);
	memset(&top, 0, sizeof top);
	cr_assert_not_null(nlp_strmap_add(&top, "the", 3));
	cr_assert_not_null(nlp_strmap_add(&top, "cat", 3));
	pass_opts(&po, &top, 2, 1);
	run_pass(&p, path, &po, 0);
	cr_assert_eq(p.records, 4);
	cr_assert_eq(p.prof.docs, 4);
	cr_assert_eq(p.prof.empty, 1);
	cr_assert_eq(p.topcnt[0], 2, "'the' in two documents (once each)");
	cr_assert_eq(p.topcnt[1], 1);
	/* sat, dog, zork: distinct per document, outside the top list */
	cr_assert_eq(p.other, 3);
	en = nlp_strmap_get(&p.fresh, "zork", 4);
	cr_assert(en != NULL && en->value == 1);
	cr_assert_eq(p.fresh.n, 3);
	cr_assert_eq(p.prof.freq.n, 0, "the current text's tokens are not "
	    "profiled");
	cr_assert_eq(p.texts.n, 2, "bottom-k: k texts kept");
	cr_assert_lt(p.texts.v[0].hash, p.texts.v[1].hash);
	nlp_drift_pass_release(&p);
	nlp_strmap_release(&top);
}

TEST(the_pass_is_the_same_at_any_thread_count)
{
	struct nlp_strmap top;
	struct nlp_drift_pass_opts po;
	struct nlp_drift_pass a, b;
	const char *path = write_lines("many.txt", 1300, pet_line);
	size_t i;

	memset(&top, 0, sizeof top);
	cr_assert_not_null(nlp_strmap_add(&top, "cat", 3));
	cr_assert_not_null(nlp_strmap_add(&top, "garden", 6));
	pass_opts(&po, &top, 40, 1);
	run_pass(&a, path, &po, 0);
	pass_opts(&po, &top, 40, 3);
	run_pass(&b, path, &po, 0);
	cr_assert_eq(a.records, 1300);
	cr_assert_eq(b.records, a.records);
	cr_assert_eq(a.topcnt[1], 1300);
	cr_assert_eq(b.topcnt[0], a.topcnt[0]);
	cr_assert_eq(b.other, a.other);
	cr_assert_eq(b.fresh.n, a.fresh.n);
	for (i = 0; i < a.fresh.n; i++)
		cr_assert_eq(nlp_strmap_get(&b.fresh, a.fresh.ent[i].key,
		    a.fresh.ent[i].len)->value, a.fresh.ent[i].value);
	cr_assert_eq(a.texts.n, 40);
	cr_assert_eq(b.texts.n, 40);
	for (i = 0; i < a.texts.n; i++) {
		cr_assert_eq(a.texts.v[i].hash, b.texts.v[i].hash);
		cr_assert_str_eq(a.texts.v[i].text, b.texts.v[i].text);
	}
	cr_assert_eq(a.prof.nsample, b.prof.nsample);
	cr_assert_eq(memcmp(a.prof.sample, b.prof.sample,
	    a.prof.nsample * sizeof *a.prof.sample), 0);
	nlp_drift_pass_release(&a);
	nlp_drift_pass_release(&b);
	nlp_strmap_release(&top);
}

TEST(a_reference_pass_profiles_every_token_and_label)
{
	struct nlp_drift_pass_opts po;
	struct nlp_drift_pass p;
	const char *path = write_lines("ref.tsv", 10, labeled_line);
	const struct nlp_strmap_entry *en;

	pass_opts(&po, NULL, 3, 2);
	run_pass(&p, path, &po, 1);
	cr_assert_eq(p.records, 10);
	cr_assert_not_null(nlp_strmap_get(&p.prof.freq, "garden", 6));
	cr_assert_not_null(nlp_strmap_get(&p.prof.freq, "stocks", 6));
	cr_assert_eq(p.fresh.n, 0);
	en = nlp_strmap_get(&p.gold, "pets", 4);
	cr_assert(en != NULL && en->value == 5);
	cr_assert_eq(p.texts.n, 3);
	nlp_drift_pass_release(&p);
}

static void
default_opts(struct nlp_drift_opts *o)
{
	nlp_drift_opts_init(o);
	o->threads = 1;
}

TEST(a_share_signal_by_p_value_or_by_effect)
{
	struct nlp_drift_report r;
	struct nlp_drift_opts o;

	default_opts(&o);
	memset(&r, 0, sizeof r);
	/* 10% of 1000 against 30% of 100: chi-squared, drifted */
	cr_assert_eq(nlp_drift_share_signal(&r, "s", 100, 1000, 30, 100, 1,
	    &o), 0);
	cr_assert_eq(r.nsignals, 1);
	cr_assert_str_eq(r.signal[0].statistic_name, "chi2");
	cr_assert_eq(r.signal[0].method, NLP_DRIFT_BY_P_VALUE);
	cr_assert_lt(r.signal[0].p_value, 1e-6);
	cr_assert(r.signal[0].drifted);
	cr_assert_float_eq(r.signal[0].reference, 0.1, 1e-12);
	cr_assert_float_eq(r.signal[0].current, 0.3, 1e-12);
	cr_assert_eq(r.signal[0].decided_by, NLP_DRIFT_SMALL_SAMPLE);
	/* large: the absolute change, 0.02 < 0.05 */
	cr_assert_eq(nlp_drift_share_signal(&r, "s", 100, 1000, 12, 100, 0,
	    &o), 0);
	cr_assert_str_eq(r.signal[1].statistic_name, "abs_change");
	cr_assert_float_eq(r.signal[1].statistic, 0.02, 1e-12);
	cr_assert(!r.signal[1].drifted);
	cr_assert_eq(r.signal[1].decided_by, NLP_DRIFT_LARGE_SAMPLE);
	/* a share of 0 has no chi-squared: the change, p undefined */
	cr_assert_eq(nlp_drift_share_signal(&r, "s", 0, 1000, 0, 100, 1, &o), 0);
	cr_assert_str_eq(r.signal[2].statistic_name, "abs_change");
	cr_assert(isnan(r.signal[2].p_value));
	cr_assert_eq(r.signal[2].decided_by, NLP_DRIFT_NO_P_VALUE);
	/* nothing to compare: no signal */
	cr_assert_eq(nlp_drift_share_signal(&r, "s", 0, 0, 1, 2, 1, &o), 0);
	cr_assert_eq(r.nsignals, 3);
}

TEST(a_sample_signal_by_ks_or_by_wasserstein)
{
	struct nlp_drift_report r;
	struct nlp_drift_opts o;
	double x[2000], y[2000];
	size_t i;

	default_opts(&o);
	memset(&r, 0, sizeof r);
	for (i = 0; i < 2000; i++) {
		x[i] = (double)(i % 100);
		y[i] = (double)(i % 100) + 50;
	}
	cr_assert_eq(nlp_drift_sample_signal(&r, "len", x, NULL, 30, 1, y, NULL, 30, 1, 1, &o), 0);
	cr_assert_str_eq(r.signal[0].statistic_name, "ks (exact)");
	cr_assert(r.signal[0].drifted);
	cr_assert_float_eq(r.signal[0].reference, 14.5, 1e-9, "the mean");
	cr_assert_eq(r.signal[0].decided_by, NLP_DRIFT_SMALL_SAMPLE);
	/* large samples: Wasserstein distance over the reference's sd */
	cr_assert_eq(nlp_drift_sample_signal(&r, "len", x, NULL, 2000, 1, y, NULL, 2000, 1, 0,
	    &o), 0);
	cr_assert_str_eq(r.signal[1].statistic_name, "wasserstein_normed");
	cr_assert_float_eq(r.signal[1].statistic, 50 / 28.8733, 1e-4);
	cr_assert(r.signal[1].drifted);
	cr_assert_eq(r.signal[1].decided_by, NLP_DRIFT_LARGE_SAMPLE);
	/* a small reference is judged by KS whatever the current side */
	cr_assert_eq(nlp_drift_sample_signal(&r, "len", x, NULL, 30, 1, y, NULL, 2000, 1, 0, &o),
	    0);
	cr_assert_eq(r.signal[2].method, NLP_DRIFT_BY_P_VALUE);
	cr_assert(strncmp(r.signal[2].statistic_name, "ks", 2) == 0);
	cr_assert_eq(r.signal[2].decided_by, NLP_DRIFT_SMALL_REFERENCE);
	cr_assert_eq(nlp_drift_sample_signal(&r, "len", x, NULL, 0, 1, y, NULL, 10, 1, 0, &o), 0);
	cr_assert_eq(r.nsignals, 3);
}

TEST(a_distribution_signal_and_its_detail)
{
	struct nlp_drift_report r;
	struct nlp_drift_opts o;
	double ref[3] = { 50, 30, 20 }, cur[3] = { 20, 30, 50 };
	double same[3] = { 500, 300, 200 };

	default_opts(&o);
	memset(&r, 0, sizeof r);
	cr_assert_eq(nlp_drift_dist_signal(&r, "d", ref, cur, 3, 0, 1, &o), 0);
	cr_assert_str_eq(r.signal[0].statistic_name, "chi2");
	cr_assert(r.signal[0].has_detail);
	cr_assert_eq(r.signal[0].detail.bins, 3);
	cr_assert_float_eq(r.signal[0].statistic, 63.0, 1e-9);
	cr_assert_float_eq(r.signal[0].detail.chi2, 63.0, 1e-9);
	cr_assert(r.signal[0].detail.jensen_shannon > 0);
	cr_assert(!r.signal[0].detail.has_corrected);
	cr_assert_eq(r.signal[0].value, NLP_DRIFT_VALUE_NONE);
	cr_assert_eq(nlp_drift_dist_signal(&r, "d", ref, cur, 3, 1, 0, &o), 0);
	cr_assert_str_eq(r.signal[1].statistic_name, "psi");
	cr_assert_float_eq(r.signal[1].statistic, r.signal[1].detail.psi, 0);
	/* the same distribution: Jensen-Shannon less sampling noise is 0 */
	cr_assert_eq(nlp_drift_dist_signal(&r, "d", ref, same, 3, 0, 0, &o), 0);
	cr_assert_str_eq(r.signal[2].statistic_name, "jensen_shannon_corrected");
	cr_assert(r.signal[2].detail.has_corrected);
	cr_assert_float_eq(r.signal[2].statistic, 0, 1e-12);
	cr_assert(!r.signal[2].drifted);
	/* one bin, or an empty side: nothing */
	cr_assert_eq(nlp_drift_dist_signal(&r, "d", ref, cur, 1, 0, 0, &o), 0);
	cr_assert_eq(r.nsignals, 3);
}

TEST(rare_bins_are_pooled_into_the_last)
{
	double ref[5] = { 1000, 10, 990, 5, 0 }, cur[5] = { 100, 1, 99, 2, 3 };
	size_t k = nlp_drift_pool_rare_bins(ref, cur, 5, 0);

	/* 205 current counts: bins expected below 5 join "other" */
	cr_assert_eq(k, 3);
	cr_assert_float_eq(ref[0], 1000, 0);
	cr_assert_float_eq(ref[1], 990, 0);
	cr_assert_float_eq(ref[2], 15, 0);
	cr_assert_float_eq(cur[2], 6, 0);
}

TEST(a_rare_bin_where_the_current_text_piles_up_is_kept_when_pooled)
{
	/* label 1 is rare in training (10 of 10010), but 300 of the 400
	   current texts have it: from the reference's shares it is expected
	   0.4 times and would vanish into "other" with the rest */
	double ref[4] = { 9000, 10, 1000, 0 }, cur[4] = { 90, 300, 10, 0 };
	double r2[4] = { 9000, 10, 1000, 0 }, c2[4] = { 90, 300, 10, 0 };
	size_t k;

	cr_assert_eq(nlp_drift_pool_rare_bins(r2, c2, 4, 0), 3);
	cr_assert_float_eq(r2[2], 10, 0);     /* pooled away */
	k = nlp_drift_pool_rare_bins(ref, cur, 4, NLP_POOL_BOTH);
	cr_assert_eq(k, 4);
	cr_assert_float_eq(ref[1], 10, 0);
	cr_assert_float_eq(cur[1], 300, 0);
	/* the same counts on both sides of a rare bin: expected (2 + 2) *
	   0.5 = 2, pooled */
	{
		double a[3] = { 100, 2, 0 }, b[3] = { 100, 2, 0 };
		cr_assert_eq(nlp_drift_pool_rare_bins(a, b, 3, NLP_POOL_BOTH |
		    NLP_POOL_PILED), 2);
		cr_assert_float_eq(a[1], 2, 0);
		cr_assert_float_eq(b[1], 2, 0);
	}
}

TEST(a_rare_label_piled_onto_keeps_its_bin_against_a_large_reference)
{
	/* 10000 training examples, 100 current texts: label 1, 10 of the
	   training examples, expected 0.1 times, is 30 of today's -- from
	   both sides' counts too it would be pooled (0.4 expected) */
	double ref[4] = { 8990, 10, 1000, 0 }, cur[4] = { 60, 30, 10, 0 };
	double r2[4] = { 8990, 10, 1000, 0 }, c2[4] = { 60, 30, 10, 0 };
	double r3[4] = { 8990, 10, 1000, 0 }, c3[4] = { 80, 10, 10, 0 };

	cr_assert_eq(nlp_drift_pool_rare_bins(r2, c2, 4, NLP_POOL_BOTH), 3);
	cr_assert_eq(nlp_drift_pool_rare_bins(ref, cur, 4, NLP_POOL_BOTH |
	    NLP_POOL_PILED), 4);
	cr_assert_float_eq(cur[1], 30, 0);
	/* 10 of 100 is within chance's reach of 0.4 plus 4 sd plus 10: no */
	cr_assert_eq(nlp_drift_pool_rare_bins(r3, c3, 4, NLP_POOL_BOTH |
	    NLP_POOL_PILED), 3);
}

TEST(the_tokens_that_changed_most)
{
	struct nlp_profile_stored prof;
	struct nlp_drift_pass p;
	struct nlp_drift_report r;
	uint64_t cnt[3] = { 16, 64, 0 };

	memset(&prof, 0, sizeof prof);
	memset(&p, 0, sizeof p);
	memset(&r, 0, sizeof r);
	nlp_strmap_add(&prof.top, "a", 1)->value = 64;
	nlp_strmap_add(&prof.top, "b", 1)->value = 16;
	nlp_strmap_add(&prof.top, "c", 1)->value = 32;
	prof.token_docs = 128;
	prof.docs = 128;
	p.records = 128;
	p.topcnt = cnt;
	nlp_strmap_add(&p.fresh, "new", 3)->value = 32;
	nlp_strmap_add(&p.fresh, "odd", 3)->value = 16;
	p.other = 48;
	cr_assert_eq(nlp_drift_token_changes(&r, &prof, &p), 0);
	/* shares of 128 each side: a 1/2 -> 1/8, b 1/8 -> 1/2, c 1/4 -> 0,
	   new 0 -> 1/4, odd 0 -> 1/8 */
	cr_assert_eq(r.ngrew, 3);
	cr_assert_str_eq(r.grew[0].token, "b");
	cr_assert_str_eq(r.grew[1].token, "new");
	cr_assert_str_eq(r.grew[2].token, "odd");
	cr_assert_float_eq(r.grew[1].reference, 0, 0);
	cr_assert_float_eq(r.grew[1].current_texts, 0.25, 0);
	cr_assert(r.grew[0].z > r.grew[1].z && r.grew[1].z > r.grew[2].z);
	cr_assert_eq(r.nshrank, 2);
	cr_assert_str_eq(r.shrank[0].token, "a");
	cr_assert_float_eq(r.shrank[0].current, 0.125, 0);
	cr_assert_str_eq(r.shrank[1].token, "c");
	nlp_drift_report_release(&r);
	nlp_strmap_release(&p.fresh);
	nlp_profile_stored_release(&prof);
}

TEST(the_log_odds_z_and_what_a_word_is)
{
	/* a_w = 200 * 15 / 200 = 15: ln(25 / 275) - ln(20 / 280) over
	   sqrt(1/25 + 1/275 + 1/20 + 1/280), as computed in Python */
	cr_assert_float_eq(nlp_drift_log_odds_z(10, 100, 5, 100, 200),
	    0.7734966541636527, 1e-12);
	cr_assert_float_eq(nlp_drift_log_odds_z(5, 100, 10, 100, 200),
	    -0.7734966541636527, 1e-12, "antisymmetric");
	cr_assert_eq(nlp_drift_log_odds_z(0, 100, 0, 100, 200), 0);
	cr_assert_eq(nlp_drift_log_odds_z(100, 100, 50, 50, 150), 0,
	    "in every text of both sides");
	cr_assert(nlp_drift_is_word("refund", 6));
	cr_assert(nlp_drift_is_word("b2b", 3));
	cr_assert(nlp_drift_is_word("caf\xc3\xa9", 5));
	cr_assert(nlp_drift_is_word("\xce\xbb", 2), "Greek lambda");
	cr_assert(!nlp_drift_is_word("2002", 4));
	cr_assert(!nlp_drift_is_word("\"", 1));
	cr_assert(!nlp_drift_is_word("_", 1));
	cr_assert(!nlp_drift_is_word("\xef\xbf\xbd", 3), "U+FFFD");
	cr_assert(!nlp_drift_is_word("\xe2\x80\x94", 3), "em dash");
	cr_assert(!nlp_drift_is_word("\xc2\xa3", 2), "pound sign");
	cr_assert(!nlp_drift_is_word("\xe3\x80\x82", 3), "ideographic full stop");
	cr_assert(!nlp_drift_is_word("\xef\xbc\x8c", 3), "fullwidth comma");
	cr_assert(!nlp_drift_is_word("\xe2\x86\x92", 3), "right arrow");
	cr_assert(!nlp_drift_is_word("\xf0\x9f\x98\x80", 4), "emoji");
	cr_assert(nlp_drift_is_word("\xe4\xb8\xad", 3), "an ideograph");
	cr_assert(nlp_drift_is_word("\xd0\xb6", 2), "Cyrillic zhe");
	cr_assert(!nlp_drift_is_word("", 0));
}

TEST(a_bucket_map_holds_every_bucket_through_its_growth)
{
	struct nlp_bmap m = { 0 };
	uint32_t i, *v, top = (1u << NLP_BITS_MAX) - 1;
	int added;

	cr_assert_eq(nlp_bmap_get(&m, 7), 0, "empty: nothing, no table");
	/* 0, the top bucket, and 5000 that share their low bits (growth
	   rehashes them) */
	for (i = 0; i < 5000; i++) {
		cr_assert_not_null(v = nlp_bmap_ref(&m, i << 12, &added));
		cr_assert(added && *v == 0);
		*v = i + 1;
	}
	cr_assert_not_null(v = nlp_bmap_ref(&m, top, &added));
	*v = 9;
	cr_assert_not_null(v = nlp_bmap_ref(&m, 1u << 12, &added));
	cr_assert(!added && *v == 2, "present: the same value");
	cr_assert_eq(m.n, 5001);
	cr_assert_leq(2 * m.n, m.cap, "at most half full");
	for (i = 0; i < 5000; i++)
		cr_assert_eq(nlp_bmap_get(&m, i << 12), i + 1);
	cr_assert_eq(nlp_bmap_get(&m, top), 9);
	cr_assert_eq(nlp_bmap_get(&m, 1), 0, "absent");
	cr_assert_eq(nlp_bmap_get(&m, top - 1), 0, "absent");
	nlp_bmap_release(&m);
	cr_assert(m.kv == NULL && m.cap == 0 && m.n == 0);
}

TEST(the_training_path_vocabulary_and_vectors)
{
	static const char *const t[] = { "a b c", "a b", "a d" };
	struct nlp_feat_opts fo = { .ngrams = 1, .bits = 12, .seed = 3 };
	struct nlp_featurizer f;
	struct nlp_docs d;
	struct nlp_vocab v;
	const struct nlp_docs *all[1] = { &d };
	size_t i, j;

	memset(&f, 0, sizeof f);
	memset(&d, 0, sizeof d);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(nlp_featurize(&f, &fo, t[i], strlen(t[i])), 0);
		cr_assert_eq(nlp_docs_add(&d, &f, (uint32_t)i), 0);
	}
	cr_assert_eq(d.n, 3);
	cr_assert_eq(d.nnz, 7);
	cr_assert_eq(d.y[2], 2);
	/* min_df 2: a (3 documents) and b (2) */
	cr_assert_eq(nlp_vocab_build(&v, all, 1, fo.bits, 2), 0);
	cr_assert_eq(v.n, 2);
	cr_assert_lt(v.key[0], v.key[1], "rows in bucket order");
	for (i = 0; i < v.n; i++)
		cr_assert_eq(nlp_vocab_row(&v, v.key[i]), i + 1);
	cr_assert(v.idf[0] == nlp_idf(3, 3) || v.idf[0] == nlp_idf(3, 2));
	cr_assert_eq(nlp_docs_vectorize(&d, &v), 0);
	cr_assert_eq(d.nnz, 3 + 2, "c and d dropped");
	for (i = 0; i < d.n; i++) {
		double ss = 0;
		for (j = d.start[i]; j < d.start[i + 1]; j++) {
			cr_assert_lt(d.key[j], v.n);
			ss += (double)d.val[j] * d.val[j];
		}
		cr_assert_float_eq(ss, 1.0, 1e-6, "unit length");
	}
	nlp_vocab_release(&v);
	nlp_docs_release(&d);
	nlp_featurizer_release(&f);
}

/* n texts made by line, as an array of strings in buf (caller frees). */
static const char **
texts(size_t n, void (*line)(size_t, char *, size_t), char (**buf)[128])
{
	const char **t = calloc(n, sizeof *t);
	size_t i;

	*buf = calloc(n, sizeof **buf);
	cr_assert(t != NULL && *buf != NULL);
	for (i = 0; i < n; i++) {
		line(i, (*buf)[i], sizeof (*buf)[i]);
		t[i] = (*buf)[i];
	}
	return t;
}

TEST(the_domain_classifier_tells_two_domains_apart)
{
	struct nlp_drift_domain d;
	struct nlp_drift_opts o;
	struct nlp_err e;
	char (*rb)[128], (*cb)[128];
	const char **r = texts(60, pet_line, &rb), **c = texts(60, money_line, &cb);
	size_t i;
	int named = 0;

	default_opts(&o);
	o.permutations = 5;
	cr_assert_eq(nlp_drift_domain_run(&d, r, 60, c, 60, 1, &o, &e), NLP_OK);
	cr_assert_eq(d.texts_per_side, 60);
	cr_assert_null(d.skipped);
	cr_assert(d.permutation, "few texts: a permutation test");
	cr_assert_eq(d.permutations, 5);
	cr_assert_float_eq(d.auc, 1.0, 1e-9);
	cr_assert_geq(d.threshold, o.auc);
	cr_assert(d.drifted);
	cr_assert_gt(d.ntop_current, 0);
	cr_assert_gt(d.ntop_reference, 0);
	for (i = 0; i < d.ntop_current; i++) {
		cr_assert_gt(d.top_current[i].weight, 0);
		named += strstr(d.top_current[i].ngram, "rose") != NULL ||
		    strstr(d.top_current[i].ngram, "fell") != NULL;
	}
	cr_assert(named, "the market words mark the current text");
	nlp_drift_domain_release(&d);
	free(r);
	free(c);
	free(rb);
	free(cb);
}

/* The permutation runs train on --threads threads at once: the same
 * threshold, AUC and n-grams at any count, more threads than runs too. */
TEST(the_domain_classifiers_permutation_test_is_the_same_at_any_thread_count)
{
	struct nlp_drift_domain d1, d;
	struct nlp_drift_opts o;
	struct nlp_err e;
	char (*rb)[128], (*cb)[128];
	const char **r = texts(80, labeled_line, &rb),
	    **c = texts(80, mostly_labeled_line, &cb);
	unsigned threads[] = { 2, 3, 8 }, t;
	size_t i;

	default_opts(&o);
	o.permutations = 7;
	o.auc = 0;            /* the threshold: the largest permuted AUC */
	cr_assert_eq(nlp_drift_domain_run(&d1, r, 80, c, 80, 1, &o, &e), NLP_OK);
	cr_assert(d1.permutation);
	cr_assert(d1.threshold > 0.4 && d1.threshold < 0.9, "%g", d1.threshold);
	cr_assert(d1.auc > 0.5 && d1.auc < 1, "sides that overlap: %g", d1.auc);
	for (t = 0; t < sizeof threads / sizeof *threads; t++) {
		o.threads = threads[t];
		cr_assert_eq(nlp_drift_domain_run(&d, r, 80, c, 80, 1, &o, &e),
		    NLP_OK);
		cr_assert_eq(d.auc, d1.auc, "%u threads", threads[t]);
		cr_assert_eq(d.threshold, d1.threshold, "%u threads", threads[t]);
		cr_assert_eq(d.auc_floor, d1.auc_floor);
		cr_assert_eq(d.drifted, d1.drifted);
		cr_assert_eq(d.ntop_current, d1.ntop_current);
		cr_assert_eq(d.ntop_reference, d1.ntop_reference);
		for (i = 0; i < d.ntop_current; i++) {
			cr_assert_str_eq(d.top_current[i].ngram,
			    d1.top_current[i].ngram);
			cr_assert_eq(d.top_current[i].weight,
			    d1.top_current[i].weight);
		}
		for (i = 0; i < d.ntop_reference; i++)
			cr_assert_str_eq(d.top_reference[i].ngram,
			    d1.top_reference[i].ngram);
		nlp_drift_domain_release(&d);
	}
	nlp_drift_domain_release(&d1);
	free(r);
	free(c);
	free(rb);
	free(cb);
}

TEST(the_domain_classifier_cannot_tell_a_side_from_itself)
{
	struct nlp_drift_domain d;
	struct nlp_drift_opts o;
	struct nlp_err e;
	char (*rb)[128];
	const char **r = texts(60, pet_line, &rb);

	default_opts(&o);
	o.small = 10;
	cr_assert_eq(nlp_drift_domain_run(&d, r, 60, r, 60, 0, &o, &e), NLP_OK);
	cr_assert(!d.permutation, "60 texts a side, small at 10: a threshold");
	/* every text with both labels: the scores of the sides are one
	   multiset, AUC exactly one half */
	cr_assert_float_eq(d.auc, 0.5, 1e-12);
	cr_assert_float_eq(d.threshold, o.auc, 0);
	cr_assert(!d.drifted);
	nlp_drift_domain_release(&d);
	free(r);
	free(rb);
}

TEST(the_domain_classifier_needs_20_texts_a_side)
{
	struct nlp_drift_domain d;
	struct nlp_drift_opts o;
	struct nlp_err e;
	char (*rb)[128];
	const char **r = texts(60, pet_line, &rb);

	default_opts(&o);
	cr_assert_eq(nlp_drift_domain_run(&d, r, 60, r, 19, 0, &o, &e), NLP_OK);
	cr_assert_eq(d.texts_per_side, 19);
	cr_assert_str_eq(d.skipped, "fewer than 20 texts on a side");
	cr_assert(isnan(d.auc) && !d.drifted);
	o.max_sample = 10;
	cr_assert_eq(nlp_drift_domain_run(&d, r, 60, r, 60, 0, &o, &e), NLP_OK);
	cr_assert_eq(d.texts_per_side, 10, "at most max_sample");
	cr_assert_not_null(d.skipped);
	free(r);
	free(rb);
}

/* A small report built by hand: three kinds of signal, a domain
   classifier, a token, a model's labels and confidences, a warning. */
static void
small_report(struct nlp_drift_report *r)
{
	static const char *const labels[] = { "ham", "spam" };
	static double lref[] = { 5, 3 }, rconf[] = { 0.5, 1 }, cconf[] = { 0.75 };
	static uint64_t lcur[] = { 2, 2 };
	struct nlp_drift_signal *s;
	size_t i;

	memset(r, 0, sizeof *r);
	r->verdict = (struct nlp_drift_verdict){ .drift = 1, .drifted = 1,
	    .signals = 3, .share = 1.0 / 3, .small = 1 };
	s = &r->signal[r->nsignals++];
	*s = (struct nlp_drift_signal){ .name = "vocabulary",
	    .statistic_name = "chi2", .statistic = 12.5, .p_value = 0.001,
	    .method = NLP_DRIFT_BY_P_VALUE, .threshold = 0.05, .drifted = 1,
	    .value = NLP_DRIFT_VALUE_NONE, .has_detail = 1 };
	s->detail = (struct nlp_drift_detail){ .jensen_shannon = 0.25,
	    .psi = 0.5, .kl = 0.125, .chi2 = 12.5, .chi2_p_value = 0.001,
	    .bins = 3 };
	s = &r->signal[r->nsignals++];
	*s = (struct nlp_drift_signal){ .name = "empty_share",
	    .statistic_name = "abs_change", .statistic = 0, .p_value = NAN,
	    .method = NLP_DRIFT_BY_EFFECT, .threshold = 0.05,
	    .decided_by = NLP_DRIFT_NO_P_VALUE,
	    .value = NLP_DRIFT_VALUE_NUMBER, .reference = 0, .current = 0 };
	s = &r->signal[r->nsignals++];
	*s = (struct nlp_drift_signal){ .name = "accuracy",
	    .statistic_name = "drop", .statistic = 0.03125, .p_value = NAN,
	    .method = NLP_DRIFT_BY_EFFECT, .threshold = 0.05,
	    .decided_by = NLP_DRIFT_ACCURACY_DROP,
	    .value = NLP_DRIFT_VALUE_SCORES, .reference = 0.75,
	    .reference_f1 = 0.5, .current = 0.71875, .current_f1 = 0.25 };
	r->domain.texts_per_side = 25;
	r->domain.permutation = 1;
	r->domain.permutations = 3;
	r->domain.auc = 0.5;
	r->domain.threshold = 0.55;
	r->domain.auc_floor = 1;
	r->domain.top_current[0] = (struct nlp_drift_ngram){ "the cat", 0.75,
	    3.5 };
	r->domain.ntop_current = 1;
	r->grew[0] = (struct nlp_drift_token){ "cat", 0.25, 0.5, 0.5, 0.75,
	    2.5 };
	r->ngrew = 1;
	r->current_records = 4;
	r->reference_records = 3;
	r->current_tokens = 12;
	for (i = 0; i < NLP_PROFILE_BINS; i++)
		r->hist.length_bins[i] = i == 0 ? 0 : ((uint64_t)1 << i) - 1;
	r->hist.reference_token_length[1] = 3;
	r->hist.current_token_length[2] = 4;
	r->hist.reference_char_length[3] = 3;
	r->hist.current_char_length[4] = 4;
	r->hist.nlabels = 2;
	r->hist.labels = labels;
	r->hist.label_reference = lref;
	r->hist.label_current = lcur;
	r->hist.has_reference_confidence = 1;
	r->hist.reference_confidence = rconf;
	r->hist.nreference_confidence = 2;
	r->hist.current_confidence = cconf;
	r->hist.ncurrent_confidence = 1;
	snprintf(r->warning[r->nwarnings++], sizeof r->warning[0],
	    "only 4 current records: below 100, every test has little power");
}

/* 20 counts, one per line, at indent: all 0 but one. */
#define Z "      0,\n"
#define BINS(one) "[\n" one "      0\n    ]"

static const char want_json[] =
	"{\n"
	"  \"counts\": {\n"
	"    \"current_records\": 4,\n"
	"    \"current_tokens\": 12,\n"
	"    \"reference_records\": 3\n"
	"  },\n"
	"  \"domain\": {\n"
	"    \"auc\": 0.5,\n"
	"    \"drifted\": false,\n"
	"    \"method\": \"permutation\",\n"
	"    \"permutations\": 3,\n"
	"    \"texts_per_side\": 25,\n"
	"    \"threshold\": 0.55,\n"
	"    \"threshold_from\": \"auc\",\n"
	"    \"top_current\": [\n"
	"      {\n"
	"        \"ngram\": \"the cat\",\n"
	"        \"weight\": 0.75,\n"
	"        \"z\": 3.5\n"
	"      }\n"
	"    ],\n"
	"    \"top_reference\": []\n"
	"  },\n";

static const char want_text[] =
	"drift: yes (1/3 signals; domain AUC 0.50)\n"
	"\n"
	"SIGNAL             STATISTIC                     VALUE    P-VALUE  "
	"DRIFT  DECIDED BY\n"
	"vocabulary         chi2                        12.5000     0.0010  "
	"yes    p < 0.05 (small sample)\n"
	"empty_share        abs_change                   0.0000          -  "
	"no     effect < 0.05 (small sample, no p-value)\n"
	"accuracy           drop                         0.0312          -  "
	"no     drop <= 0.05\n"
	"domain             roc_auc                      0.5000          -  "
	"no     AUC <= 0.55 (--auc, above 3 permuted runs)\n"
	"\n"
	"rule: p-values (small sample: 4 current records)\n"
	"domain classifier: 25 reference texts vs 25 current\n"
	"\n"
	"words whose share of texts grew most: cat\n"
	"words whose share of texts shrank most:\n"
	"n-grams that mark the current text: [the cat]\n"
	"n-grams that mark the reference text:\n";

static const char want_prom[] =
	"# HELP nlpops_drift 1 when nlpops drift found drift, else 0.\n"
	"# TYPE nlpops_drift gauge\n"
	"nlpops_drift{model=\"m\\\"1\",version=\"\"} 1\n"
	"# HELP nlpops_drift_signals_drifted Signals that drifted.\n"
	"# TYPE nlpops_drift_signals_drifted gauge\n"
	"nlpops_drift_signals_drifted{model=\"m\\\"1\",version=\"\"} 1\n"
	"# HELP nlpops_drift_signal A drift signal's statistic (its "
	"statistic_name is in --json).\n"
	"# TYPE nlpops_drift_signal gauge\n"
	"nlpops_drift_signal{model=\"m\\\"1\",version=\"\",signal=\"vocabulary\"}"
	" 12.5\n"
	"nlpops_drift_signal{model=\"m\\\"1\",version=\"\",signal=\"empty_share\"}"
	" 0\n"
	"nlpops_drift_signal{model=\"m\\\"1\",version=\"\",signal=\"accuracy\"}"
	" 0.03125\n"
	"# HELP nlpops_drift_signal_drifted 1 when the signal drifted.\n"
	"# TYPE nlpops_drift_signal_drifted gauge\n"
	"nlpops_drift_signal_drifted{model=\"m\\\"1\",version=\"\","
	"signal=\"vocabulary\"} 1\n"
	"nlpops_drift_signal_drifted{model=\"m\\\"1\",version=\"\","
	"signal=\"empty_share\"} 0\n"
	"nlpops_drift_signal_drifted{model=\"m\\\"1\",version=\"\","
	"signal=\"accuracy\"} 0\n"
	"# HELP nlpops_drift_domain_auc The domain classifier's ROC AUC.\n"
	"# TYPE nlpops_drift_domain_auc gauge\n"
	"nlpops_drift_domain_auc{model=\"m\\\"1\",version=\"\"} 0.5\n"
	"# HELP nlpops_drift_records Current records compared.\n"
	"# TYPE nlpops_drift_records gauge\n"
	"nlpops_drift_records{model=\"m\\\"1\",version=\"\"} 4\n";

/* What a renderer wrote to a FILE, as a string (caller frees). */
static char *
written(int (*render)(FILE *, const struct nlp_drift_report *,
    const char *, const char *), int (*text)(FILE *,
    const struct nlp_drift_report *, int), const struct nlp_drift_report *r,
    int warned)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(render ? render(f, r, "m\"1", "") : text(f, r, warned),
	    0);
	cr_assert_eq(fclose(f), 0);
	return buf;
}

TEST(the_json_document_byte_for_byte)
{
	struct nlp_drift_report r;
	char *json;

	small_report(&r);
	json = nlp_drift_json(&r);
	cr_assert_not_null(json);
	cr_assert(strncmp(json, want_json, sizeof want_json - 1) == 0,
	    "got:\n%s", json);
	cr_assert_not_null(strstr(json,
	    "    {\n"
	    "      \"current\": {\n"
	    "        \"accuracy\": 0.71875,\n"
	    "        \"macro_f1\": 0.25\n"
	    "      },\n"
	    "      \"decided_by\": \"accuracy_drop\",\n"
	    "      \"drifted\": false,\n"
	    "      \"method\": \"effect\",\n"
	    "      \"name\": \"accuracy\",\n"
	    "      \"p_value\": null,\n"
	    "      \"reference\": {\n"
	    "        \"accuracy\": 0.75,\n"
	    "        \"macro_f1\": 0.5\n"
	    "      },\n"
	    "      \"statistic\": 0.03125,\n"
	    "      \"statistic_name\": \"drop\",\n"
	    "      \"threshold\": 0.05\n"
	    "    }\n"), "the accuracy signal:\n%s", json);
	cr_assert_not_null(strstr(json,
	    "      \"current\": null,\n"
	    "      \"decided_by\": \"small_sample\",\n"
	    "      \"detail\": {\n"
	    "        \"bins\": 3,\n"
	    "        \"chi2\": 12.5,\n"
	    "        \"chi2_p_value\": 0.001,\n"
	    "        \"jensen_shannon\": 0.25,\n"
	    "        \"kl\": 0.125,\n"
	    "        \"psi\": 0.5\n"
	    "      },\n"
	    "      \"drifted\": true,\n"
	    "      \"method\": \"p-value\",\n"), "a distribution:\n%s", json);
	cr_assert_not_null(strstr(json,
	    "    \"current_char_length\": " BINS(Z Z Z Z "      4,\n"
	    Z Z Z Z Z Z Z Z Z Z Z Z Z Z) ",\n"
	    "    \"current_confidence\": [\n"
	    "      0.75\n"
	    "    ],\n"), "histograms:\n%s", json);
	cr_assert_not_null(strstr(json,
	    "    \"labels\": {\n"
	    "      \"ham\": [\n"
	    "        5.0,\n"
	    "        2\n"
	    "      ],\n"), "labels:\n%s", json);
	cr_assert_not_null(strstr(json,
	    "  \"schema\": 1,\n"));
	cr_assert_not_null(strstr(json,
	    "  \"verdict\": {\n"
	    "    \"concept_drift\": false,\n"
	    "    \"domain_drift\": false,\n"
	    "    \"drift\": true,\n"
	    "    \"drifted\": 1,\n"
	    "    \"quality_drift\": false,\n"
	    "    \"rule\": \"p-values (small sample)\",\n"
	    "    \"share\": 0.3333333333,\n"
	    "    \"signals\": 3\n"
	    "  },\n"
	    "  \"warnings\": [\n"
	    "    \"only 4 current records: below 100, every test has little "
	    "power\"\n"
	    "  ]\n"
	    "}\n"), "the end:\n%s", json);
	free(json);
}

TEST(the_json_rules_and_words)
{
	struct nlp_drift_report r;
	char *json;

	small_report(&r);
	json = nlp_drift_json(&r);
	cr_assert_not_null(json);
	cr_assert_not_null(strstr(json,
	    "      \"decided_by\": \"no_p_value\",\n"), "empty_share:\n%s", json);
	cr_assert_not_null(strstr(json,
	    "  \"tokens\": {\n"
	    "    \"grew\": [\n"
	    "      {\n"
	    "        \"current\": 0.5,\n"
	    "        \"current_texts\": 0.75,\n"
	    "        \"reference\": 0.25,\n"
	    "        \"reference_texts\": 0.5,\n"
	    "        \"token\": \"cat\",\n"
	    "        \"z\": 2.5\n"
	    "      }\n"), "tokens:\n%s", json);
	free(json);
}

TEST(a_skipped_domain_classifier_in_json)
{
	struct nlp_drift_report r;
	char *json;

	small_report(&r);
	memset(&r.domain, 0, sizeof r.domain);
	r.domain.texts_per_side = 5;
	r.domain.auc = r.domain.threshold = NAN;
	r.domain.skipped = "fewer than 20 texts on a side";
	json = nlp_drift_json(&r);
	cr_assert_not_null(strstr(json,
	    "  \"domain\": {\n"
	    "    \"auc\": null,\n"
	    "    \"skipped\": \"fewer than 20 texts on a side\",\n"
	    "    \"texts_per_side\": 5\n"
	    "  },\n"), "%s", json);
	free(json);
}

TEST(the_text_report_byte_for_byte)
{
	struct nlp_drift_report r;
	char *text;

	small_report(&r);
	text = written(NULL, nlp_drift_text, &r, 0);
	cr_assert_str_eq(text, want_text);
	free(text);
}

/* drift -o: the report that stands alone in a file ends in the run's
   warnings, after the model's facts */
TEST(the_text_report_with_its_warnings)
{
	struct nlp_drift_report r;
	char *text, *want;

	small_report(&r);
	r.loud[r.nwarnings] = NLP_DRIFT_OF_MODEL;
	snprintf(r.warning[r.nwarnings++], sizeof r.warning[0],
	    "confidence not compared: the model held out no examples");
	r.loud[r.nwarnings] = NLP_DRIFT_LOUD;
	snprintf(r.warning[r.nwarnings++], sizeof r.warning[0],
	    "2 of 4 records are malformed and were read as empty texts");
	cr_assert(asprintf(&want, "%s\nleft out by the model:\nconfidence not "
	    "compared: the model held out no examples\n\nwarnings:\nonly 4 "
	    "current records: below 100, every test has little power\n2 of 4 "
	    "records are malformed and were read as empty texts\n",
	    want_text) > 0);
	text = written(NULL, nlp_drift_text, &r, 1);
	cr_assert_str_eq(text, want);
	free(text);
	free(want);
	/* on standard output, beside them on standard error: the report
	   alone, the model's facts in it */
	text = written(NULL, nlp_drift_text, &r, 0);
	cr_assert_not_null(strstr(text, "left out by the model:"));
	cr_assert_null(strstr(text, "warnings:"));
	free(text);
}

TEST(the_prometheus_metrics_byte_for_byte)
{
	struct nlp_drift_report r;
	char *prom;

	small_report(&r);
	prom = written(nlp_drift_prom, NULL, &r, 0);
	cr_assert_str_eq(prom, want_prom);
	free(prom);
}

/* A tiny model trained on labeled pet and market texts (valid: held-out
   figures, and 60 of them, at least NLP_PROFILE_SAMPLE_MIN_HELD_OUT, so
   that its sample is held-out texts and oov_rate compared); t holds its
   members, m its weights. */
static void
tiny_model(struct nlp_trained *t, struct nlp_model *m)
{
	const char *train = write_lines("train.tsv", 200, labeled_line);
	const char *valid = write_lines("valid.tsv", 60, labeled_line);
	struct nlp_train_opts o;
	struct nlp_err e;

	nlp_train_opts_init(&o);
	o.epochs = 3;
	o.valid = valid;
	cr_assert_eq(nlp_train(&train, 1, &o, t, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(nlp_model_load(m, t->weights, t->weights_len, &e), NLP_OK,
	    "%s", e.msg);
}

TEST(a_run_against_a_model)
{
	struct nlp_trained t;
	struct nlp_model m;
	struct nlp_drift_ref ref;
	struct nlp_drift_report r;
	struct nlp_drift_opts o;
	struct nlp_err e;
	char *same, *pets_only;
	size_t i;

	tiny_model(&t, &m);
	same = strdup(write_lines("same.tsv", 100, labeled_line));
	pets_only = strdup(write_lines("pets.txt", 100, pet_line));
	cr_assert_eq(nlp_drift_ref_from_members(&ref, &m, t.profile,
	    strlen(t.profile), t.sample, t.sample_len, &e), NLP_OK, "%s", e.msg);
	default_opts(&o);
	o.permutations = 3;
	/* labeled text like the training text: no drift, every signal */
	o.reader.format = NLP_FMT_TSV;
	o.reader.labeled = 1;
	cr_assert_eq(nlp_drift_run(&ref, (const char *const *)&same, 1, &o, &r,
	    &e), NLP_OK, "%s",
	    e.msg);
	cr_assert_eq(r.nsignals, 11);
	cr_assert_str_eq(r.signal[10].name, "accuracy");
	cr_assert_eq(r.signal[10].value, NLP_DRIFT_VALUE_SCORES);
	cr_assert(!r.verdict.concept_drift);
	cr_assert_eq(r.verdict.signals, 11);
	cr_assert_eq(r.current_records, 100);
	cr_assert_eq(r.reference_records, 200);
	cr_assert_eq(r.hist.nlabels, 2);
	cr_assert(!r.verdict.drift, "%zu of %zu signals drifted",
	    r.verdict.drifted, r.verdict.signals);
	nlp_drift_report_release(&r);
	/* only pets: the predictions moved */
	memset(&o.reader, 0, sizeof o.reader);
	cr_assert_eq(nlp_drift_run(&ref, (const char *const *)&pets_only, 1, &o,
	    &r, &e), NLP_OK);
	cr_assert_eq(r.nsignals, 9);
	for (i = 0; i < r.nsignals; i++)
		if (strcmp(r.signal[i].name, "predicted_labels") == 0)
			cr_assert(r.signal[i].drifted);
	nlp_drift_report_release(&r);
	nlp_drift_ref_release(&ref);
	nlp_model_release(&m);
	nlp_trained_release(&t);
	free(same);
	free(pets_only);
}

TEST(a_run_against_a_reference_file)
{
	struct nlp_drift_ref ref;
	struct nlp_drift_report r;
	struct nlp_drift_opts o;
	struct nlp_reader_opts ro;
	struct nlp_err e;
	char pets[PATH_MAX], market[PATH_MAX], empty[PATH_MAX];
	const char *p;

	snprintf(pets, sizeof pets, "%s", write_lines("pets.txt", 200, pet_line));
	snprintf(market, sizeof market, "%s", write_lines("money.txt", 150,
	    money_line));
	snprintf(empty, sizeof empty, "%s", in_dir("empty.txt"));

	default_opts(&o);
	memset(&ro, 0, sizeof ro);
	p = pets;
	cr_assert_eq(nlp_drift_ref_from_files(&ref, &p, 1, &ro, &o, &e),
	    NLP_OK, "%s", e.msg);
	cr_assert_eq(ref.profile.docs, 200);
	/* the sample keeps each text once: 50 distinct lines (pets 5 x 5,
	   "again" or "today") */
	cr_assert_eq(ref.ntexts, 50, "%zu", ref.ntexts);
	p = market;
	cr_assert_eq(nlp_drift_run(&ref, &p, 1, &o, &r, &e), NLP_OK);
	cr_assert(r.verdict.drift);
	cr_assert(r.verdict.domain_drift);
	cr_assert_eq(r.nsignals, 6, "no model: six signals");
	cr_assert_str_eq(r.signal[0].name, "vocabulary");
	cr_assert(r.signal[0].drifted);
	cr_assert_eq(r.signal[0].decided_by, NLP_DRIFT_COUNTS,
	    "token counts: by effect, a small sample or not");
	cr_assert_eq(r.signal[1].decided_by, NLP_DRIFT_SMALL_SAMPLE);
	cr_assert_str_eq(r.signal[3].name, "non_letter_share");
	cr_assert_eq(r.signal[3].decided_by, NLP_DRIFT_COUNTS);
	cr_assert_eq(r.ngrew, 10, "the ten words of the market texts");
	cr_assert_eq(r.nshrank, 11, "and the eleven of the pet texts");
	cr_assert_eq(r.hist.nlabels, 0);
	nlp_drift_report_release(&r);
	spit_file(empty, "", 0);
	p = empty;
	cr_assert_eq(nlp_drift_run(&ref, &p, 1, &o, &r, &e), NLP_DATA);
	cr_assert_str_eq(e.msg, "no current text to compare: the input holds "
	    "no record (an empty file, or an empty day?)");
	cr_assert_eq(r.nsignals, 0, "no partial report");
	nlp_drift_ref_release(&ref);
	cr_assert_eq(nlp_drift_ref_from_files(&ref, &p, 1, &ro, &o, &e),
	    NLP_DATA);
	cr_assert_str_eq(e.msg, "no reference text: the input holds no record "
	    "(an empty file?)");
}

TEST(a_damaged_sample_is_refused)
{
	struct nlp_profile p;
	struct nlp_profile_model pm;
	struct nlp_drift_ref ref;
	struct nlp_err e;
	char *prof;

	memset(&p, 0, sizeof p);
	memset(&pm, 0, sizeof pm);
	p.docs = 1;
	prof = nlp_profile_json(&p, &pm);
	cr_assert_not_null(prof);
	cr_assert_eq(nlp_drift_ref_from_members(&ref, NULL, prof, strlen(prof),
	    "one\0two", 7, &e), NLP_DATA);
	cr_assert_str_eq(e.msg, "member 'sample': the last text is not "
	    "NUL-terminated");
	cr_assert_eq(nlp_drift_ref_from_members(&ref, NULL, prof, strlen(prof),
	    "ok\0caf\xe9\0", 8, &e), NLP_DATA);
	cr_assert_str_eq(e.msg, "member 'sample': text at byte 3 is not UTF-8");
	cr_assert_eq(nlp_drift_ref_from_members(&ref, NULL, prof, strlen(prof),
	    "ok\0two\0", 7, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(ref.ntexts, 2);
	cr_assert_str_eq(ref.texts[1], "two");
	nlp_drift_ref_release(&ref);
	free(prof);
}

/*
 * The texts of a TSV sample (tests/data, run from the top) into dir/name,
 * one a line; with every, the words "refund invoice crypto" appended to
 * every every-th line.  Returns the path (static: copy it).
 */
static const char *
texts_of_sample(const char *sample, const char *name, size_t every)
{
	const char *path = in_dir(name);
	struct nlp_reader_opts ro;
	struct nlp_reader *rd;
	struct nlp_record rec;
	struct nlp_err e;
	FILE *f = fopen(path, "w");
	size_t n = 0;
	int rc;

	memset(&ro, 0, sizeof ro);
	ro.format = NLP_FMT_TSV;
	ro.labeled = 1;
	cr_assert_not_null(f);
	cr_assert_eq(nlp_reader_open(&rd, &sample, 1, &ro, &e), NLP_OK,
	    "%s (run from the top)", e.msg);
	while ((rc = nlp_reader_next(rd, &rec, &e)) == NLP_OK && rec.text) {
		fputs(rec.text, f);
		if (every > 0 && n % every == 0)
			fputs(" refund invoice crypto", f);
		fputc('\n', f);
		n++;
	}
	cr_assert_eq(rc, NLP_OK, "%s", e.msg);
	nlp_reader_close(rd);
	cr_assert_eq(fclose(f), 0);
	return path;
}

/*
 * A constructed drift: the spam test texts, "refund invoice crypto" added
 * to one line in 10, against the spam training texts.  The injected words
 * lead the tokens that grew, and no frequent function word is among the
 * first ten: ranked by their shares' difference, "the", "to", "you" and
 * punctuation crowded them out.
 */
TEST(injected_words_lead_the_tokens_that_grew)
{
	struct nlp_drift_ref ref;
	struct nlp_drift_report r;
	struct nlp_drift_opts o;
	struct nlp_reader_opts ro;
	struct nlp_err e;
	char refpath[PATH_MAX], cur[PATH_MAX];
	const char *p;
	size_t i, j;

	snprintf(refpath, sizeof refpath, "%s", texts_of_sample(
	    "tests/data/spam.train.tsv.gz", "ref.txt", 0));
	snprintf(cur, sizeof cur, "%s", texts_of_sample(
	    "tests/data/spam.test.tsv.gz", "cur.txt", 10));
	default_opts(&o);
	memset(&ro, 0, sizeof ro);
	p = refpath;
	cr_assert_eq(nlp_drift_ref_from_files(&ref, &p, 1, &ro, &o, &e), NLP_OK,
	    "%s", e.msg);
	p = cur;
	cr_assert_eq(nlp_drift_run(&ref, &p, 1, &o, &r, &e), NLP_OK, "%s",
	    e.msg);
	cr_assert_geq(r.ngrew, 10);
	for (i = 0; i < 3; i++)
		cr_assert(strcmp(r.grew[i].token, "crypto") == 0 ||
		    strcmp(r.grew[i].token, "invoice") == 0 ||
		    strcmp(r.grew[i].token, "refund") == 0,
		    "grew[%zu] is '%s', not an injected word", i, r.grew[i].token);
	for (i = 0; i < 10; i++) {
		static const char *const function_words[] = { "the", "and", "to",
		    "a", "of", "you", "is", "i" };
		for (j = 0; j < sizeof function_words / sizeof *function_words;
		    j++)
			cr_assert_str_neq(r.grew[i].token, function_words[j],
			    "a function word among the first ten that grew");
	}
	nlp_drift_report_release(&r);
	nlp_drift_ref_release(&ref);
}
