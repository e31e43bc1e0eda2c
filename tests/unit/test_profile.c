/*
 * test_profile.c - lib/profile.c: the statistics of a body of text (counts,
 * character classes, length bins, documents per token, the bottom-k
 * length sample), merging partial profiles, the JSON member train writes,
 * and reading it back -- every field checked, a damaged one named.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "leak_test.h"
#include "profile.h"
#include "token.h"

/* TEST(name): Test(profile, name) with a leak check (see leak_test.h). */
#define TEST(name) LEAK_TEST(profile, name)

/* Add text to p as document number doc (its hash for the sample). */
static void
add(struct nlp_profile *p, const char *text, unsigned flags, uint64_t hash)
{
	struct nlp_tokens t;

	memset(&t, 0, sizeof t);
	cr_assert_eq(nlp_tokenize(text, strlen(text), &t), 0);
	cr_assert_eq(nlp_profile_add(p, text, strlen(text), &t, flags, hash), 0);
	nlp_tokens_release(&t);
}

/* The JSON of p with no model figures (caller frees). */
static char *
json_of(struct nlp_profile *p)
{
	struct nlp_profile_model m;
	char *s;

	memset(&m, 0, sizeof m);
	s = nlp_profile_json(p, &m);
	cr_assert_not_null(s);
	return s;
}

static const char *const texts[] = {
	"The cat sat on the mat.", "", "Café 42!", "the the the the",
	"a\tb c", "Zebra", "1 2 3 4 5 6 7 8",
};
#define NTEXTS (sizeof texts / sizeof *texts)

TEST(bins_are_powers_of_two)
{
	cr_assert_eq(nlp_profile_bin(0), 0);
	cr_assert_eq(nlp_profile_bin(1), 1);
	cr_assert_eq(nlp_profile_bin(2), 2);
	cr_assert_eq(nlp_profile_bin(3), 2);
	cr_assert_eq(nlp_profile_bin(4), 3);
	cr_assert_eq(nlp_profile_bin(1023), 10);
	cr_assert_eq(nlp_profile_bin(1024), 11);
	cr_assert_eq(nlp_profile_bin(UINT64_MAX), NLP_PROFILE_BINS - 1,
	    "the last bin holds every longer text");
}

TEST(counts_characters_tokens_and_documents)
{
	struct nlp_profile p;
	struct nlp_strmap_entry *the;

	memset(&p, 0, sizeof p);
	add(&p, "The cat sat on the mat.", 0, 1);
	add(&p, "", 0, 2);
	add(&p, "Caf\xc3\xa9 42!", 1, 3);
	cr_assert_eq(p.docs, 3);
	cr_assert_eq(p.empty, 1);
	cr_assert_eq(p.bad_utf8, 1, "the reader's flag, counted");
	cr_assert_eq(p.letter, 17 + 3);
	cr_assert_eq(p.non_ascii, 1, "one code point, two bytes");
	cr_assert_eq(p.digit, 2);
	cr_assert_eq(p.punct, 2);
	cr_assert_eq(p.space, 6);
	cr_assert_eq(p.tok_hist[nlp_profile_bin(7)], 1, "7 tokens");
	cr_assert_eq(p.tok_hist[0], 1, "the empty text");
	cr_assert_eq(p.char_hist[nlp_profile_bin(8)], 1, "8 code points");
	/* "the" twice in one document is one document */
	the = nlp_strmap_get(&p.freq, "the", 3);
	cr_assert_not_null(the);
	cr_assert_eq(the->value, 1);
	cr_assert_eq(p.token_docs, 6 + 3, "distinct tokens per document");
	cr_assert_eq(p.nsample, 3);
	nlp_profile_release(&p);
}

TEST(no_tokens_counts_shape_only)
{
	struct nlp_profile p;

	memset(&p, 0, sizeof p);
	p.no_tokens = 1;
	add(&p, "one two", 0, 1);
	cr_assert_eq(p.freq.n, 0);
	cr_assert_eq(p.token_docs, 0);
	cr_assert_eq(p.tokens, 2);
	nlp_profile_release(&p);
}

TEST(merging_chunks_gives_the_whole)
{
	struct nlp_profile whole, a, b;
	char *x, *y;
	size_t i;

	memset(&whole, 0, sizeof whole);
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	for (i = 0; i < NTEXTS; i++) {
		add(&whole, texts[i], 0, 1000 - i);
		add(i < 3 ? &a : &b, texts[i], 0, 1000 - i);
	}
	cr_assert_eq(nlp_profile_merge(&b, &a), 0, "in either order");
	x = json_of(&whole);
	y = json_of(&b);
	cr_assert_str_eq(x, y);
	free(x);
	free(y);
	nlp_profile_release(&whole);
	nlp_profile_release(&a);
	nlp_profile_release(&b);
}

TEST(the_length_sample_is_bottom_k)
{
	struct nlp_profile p;
	struct nlp_profile_stored s;
	struct nlp_err e;
	uint64_t i, n = 5 * NLP_PROFILE_SAMPLE;
	char *json;

	memset(&p, 0, sizeof p);
	/* the k smallest hashes are the documents with 1 token */
	for (i = 0; i < n; i++)
		add(&p, i % 5 == 0 ? "x" : "x y", 0, (i % 5 == 0 ? 0 : n) + i);
	cr_assert_leq(p.nsample, 4 * NLP_PROFILE_SAMPLE, "pruned as it grows");
	json = json_of(&p);
	cr_assert_eq(nlp_profile_parse(&s, json, strlen(json), &e), NLP_OK,
	    "%s", e.msg);
	cr_assert_eq(s.nsample, NLP_PROFILE_SAMPLE);
	for (i = 0; i < s.nsample; i++)
		cr_assert_eq(s.sample_tokens[i], 1);
	free(json);
	nlp_profile_stored_release(&s);
	nlp_profile_release(&p);
}

TEST(round_trip_through_json)
{
	static const char *const labels[] = { "ham", "spam" };
	static const uint64_t counts[] = { 7, 3 };
	static const float conf[] = { 0.9f, 0.6f, 0.75f };
	struct nlp_profile p;
	struct nlp_profile_model m;
	struct nlp_profile_stored s;
	struct nlp_err e;
	char *json;
	size_t i;

	memset(&p, 0, sizeof p);
	for (i = 0; i < NTEXTS; i++)
		add(&p, texts[i], i == 2, i);
	memset(&m, 0, sizeof m);
	m.labels = labels;
	m.label_counts = counts;
	m.nclasses = 2;
	m.held_out = 3;
	m.accuracy = 0.5;
	m.macro_f1 = 0.25;
	m.confidence = conf;
	json = nlp_profile_json(&p, &m);
	cr_assert_not_null(json);
	cr_assert_eq(nlp_profile_parse(&s, json, strlen(json), &e), NLP_OK,
	    "%s", e.msg);
	cr_assert_eq(s.docs, NTEXTS);
	cr_assert_eq(s.empty, 1);
	cr_assert_eq(s.bad_utf8, 1);
	cr_assert_eq(s.token_docs, p.token_docs);
	cr_assert_eq(s.letter, p.letter);
	cr_assert_eq(s.non_ascii, p.non_ascii);
	cr_assert_eq(s.length_bins[3], 7);
	cr_assert_eq(memcmp(s.tok_hist, p.tok_hist, sizeof s.tok_hist), 0);
	cr_assert_eq(memcmp(s.char_hist, p.char_hist, sizeof s.char_hist), 0);
	cr_assert_eq(s.nsample, NTEXTS);
	/* top tokens: most documents first, then bytes */
	cr_assert_eq(s.top.n, p.freq.n);
	cr_assert_str_eq(s.top.ent[0].key, "the");
	cr_assert_eq(s.top.ent[0].value, 2);
	cr_assert_eq(nlp_profile_label_count(&s, "spam"), 3);
	cr_assert_eq(nlp_profile_label_count(&s, "eggs"), 0);
	cr_assert_eq(s.held_out, 3);
	cr_assert(s.has_accuracy);
	cr_assert_float_eq(s.accuracy, 0.5, 1e-9);
	cr_assert_float_eq(s.macro_f1, 0.25, 1e-9);
	cr_assert(s.has_confidence);
	cr_assert_eq(s.nconfidence, 3);
	cr_assert(s.confidence[0] < s.confidence[1] &&
	    s.confidence[1] < s.confidence[2], "sorted");
	free(json);
	nlp_profile_stored_release(&s);
	nlp_profile_release(&p);
}

TEST(without_held_out_examples_no_accuracy)
{
	struct nlp_profile p;
	struct nlp_profile_stored s;
	struct nlp_err e;
	char *json;

	memset(&p, 0, sizeof p);
	add(&p, "some text", 0, 1);
	json = json_of(&p);
	cr_assert_null(strstr(json, "accuracy"));
	cr_assert_eq(nlp_profile_parse(&s, json, strlen(json), &e), NLP_OK);
	cr_assert_eq(s.held_out, 0);
	cr_assert(!s.has_accuracy && !s.has_confidence);
	cr_assert_eq(s.labels.n, 0);
	free(json);
	nlp_profile_stored_release(&s);
	nlp_profile_release(&p);
}

/* A valid profile's JSON, edited: set path (a.b or a[i]) to value (JSON
   text, or NULL: delete the key); parse it and return the status, with
   the message in msg. */
static int
parse_edited(const char *path, const char *value, char *msg, size_t size)
{
	struct nlp_profile p;
	struct nlp_profile_stored s;
	struct nlp_err e = { 0, "" };
	json_t *root, *x, *v = NULL;
	char *json, *text, key[64];
	const char *dot;
	int rc;

	memset(&p, 0, sizeof p);
	add(&p, "the cat", 0, 1);
	add(&p, "the dog", 0, 2);
	json = json_of(&p);
	root = json_loads(json, 0, NULL);
	cr_assert_not_null(root);
	x = root;
	while ((dot = strchr(path, '.')) != NULL) {
		snprintf(key, sizeof key, "%.*s", (int)(dot - path), path);
		x = json_object_get(x, key);
		path = dot + 1;
	}
	if (value != NULL)
		cr_assert_not_null(v = json_loads(value, JSON_DECODE_ANY, NULL));
	if (strchr(path, '[') != NULL) {
		size_t i = strtoul(strchr(path, '[') + 1, NULL, 10);
		snprintf(key, sizeof key, "%.*s", (int)(strchr(path, '[') - path),
		    path);
		json_array_set_new(json_object_get(x, key), i, v);
	} else if (v != NULL) {
		json_object_set_new(x, path, v);
	} else {
		json_object_del(x, path);
	}
	text = json_dumps(root, JSON_COMPACT);
	rc = nlp_profile_parse(&s, text, strlen(text), &e);
	snprintf(msg, size, "%s", e.msg);
	if (rc == NLP_OK)
		nlp_profile_stored_release(&s);
	cr_assert_eq(s.top.n, 0, "left empty");
	free(text);
	free(json);
	json_decref(root);
	nlp_profile_release(&p);
	return rc;
}

/* path set to value is a data error naming field. */
static void
refused(const char *path, const char *value, const char *field)
{
	char msg[1024], want[128];

	cr_assert_eq(parse_edited(path, value, msg, sizeof msg), NLP_DATA,
	    "%s = %s: accepted", path, value ? value : "(deleted)");
	snprintf(want, sizeof want, "member 'profile': field '%s' ", field);
	cr_assert(strncmp(msg, want, strlen(want)) == 0, "%s = %s: \"%s\"",
	    path, value ? value : "(deleted)", msg);
}

TEST(every_field_is_checked_and_named)
{
	char msg[1024];

	cr_assert_eq(parse_edited("docs", "2", msg, sizeof msg), NLP_OK, "%s",
	    msg);
	refused("docs", NULL, "docs");
	refused("docs", "\"2\"", "docs");
	refused("docs", "-1", "docs");
	refused("docs", "1e308", "docs");
	refused("docs", "0", "docs");
	refused("empty", "3", "empty");
	refused("bad_utf8", "null", "bad_utf8");
	refused("token_docs", "2.5", "token_docs");
	refused("schema", "1", "schema");
	refused("schema", "3", "schema");
	refused("schema", "\"2\"", "schema");
	refused("chars", "[]", "chars");
	refused("chars.punct", NULL, "chars.punct");
	refused("length_bins", "[1, 2]", "length_bins");
	refused("token_length_hist[3]", "-1", "token_length_hist[3]");
	refused("length_sample[1]", "[1]", "length_sample[1]");
	refused("length_sample[0]", "[1, 4294967296]", "length_sample[0][1]");
	refused("top_tokens[1]", "[\"the\", 1]", "top_tokens[1]");
	refused("top_tokens[0]", "[\"the\", 3]", "top_tokens[0][1]");
	refused("top_tokens[0]", "[1, 1]", "top_tokens[0]");
	refused("labels", "[]", "labels");
	refused("labels", "{\"ham\": -1}", "labels.ham");
	refused("held_out", NULL, "held_out");
	refused("held_out.n", "2", "held_out.accuracy");
	refused("held_out.accuracy", "1.5", "held_out.accuracy");
	refused("held_out.confidence", "[0.5]", "held_out.confidence");
}

TEST(not_json_is_said)
{
	struct nlp_profile_stored s;
	struct nlp_err e;

	cr_assert_eq(nlp_profile_parse(&s, "{\"docs\": 1", 10, &e), NLP_DATA);
	cr_assert(strncmp(e.msg, "member 'profile': not JSON: ", 28) == 0, "%s",
	    e.msg);
	cr_assert_eq(nlp_profile_parse(&s, "[]", 2, &e), NLP_DATA);
	cr_assert_str_eq(e.msg, "member 'profile': not a JSON object");
	cr_assert_eq(nlp_profile_parse(&s, "", 0, &e), NLP_DATA);
}

TEST(doc_once_counts_each_entry_once_per_document)
{
	uint64_t *last = NULL;
	size_t cap = 0;

	cr_assert_eq(nlp_doc_once(&last, &cap, 5000, 1), 0);
	cr_assert_geq(cap, 5001, "grown to hold the entry");
	cr_assert_eq(nlp_doc_once(&last, &cap, 5000, 1), 1);
	cr_assert_eq(nlp_doc_once(&last, &cap, 5000, 2), 0);
	cr_assert_eq(nlp_doc_once(&last, &cap, 3, 2), 0);
	free(last);
}

TEST(length_samples_order_by_hash_then_value)
{
	struct nlp_length_sample a = { 1, 5, 9, 1 }, b = { 2, 1, 1, 1 },
	    c = { 1, 5, 10, 1 };

	cr_assert_lt(nlp_length_sample_cmp(&a, &b), 0);
	cr_assert_gt(nlp_length_sample_cmp(&b, &a), 0);
	cr_assert_lt(nlp_length_sample_cmp(&a, &c), 0);
	cr_assert_eq(nlp_length_sample_cmp(&a, &a), 0);
}

/* Copies of one text (one hash) fold into one entry that counts them,
   whatever their order; the k distinct hashes of smallest value are kept,
   with their whole counts. */
TEST(length_samples_fold_copies_into_counts)
{
	struct nlp_length_sample s[] = {
		{ 9, 3, 30, 1 }, { 4, 2, 20, 1 }, { 9, 3, 30, 1 },
		{ 7, 1, 10, 1 }, { 4, 2, 20, 2 }, { 9, 3, 30, 1 },
		{ 12, 5, 50, 1 },
	};
	size_t n = nlp_length_sample_fold(s, 7, 3);

	cr_assert_eq(n, 3);
	cr_assert(s[0].hash == 4 && s[0].count == 3);
	cr_assert(s[1].hash == 7 && s[1].count == 1);
	cr_assert(s[2].hash == 9 && s[2].count == 3);
	cr_assert_eq(nlp_length_sample_fold(s, 3, 2), 2);
	cr_assert(s[0].count == 3 && s[1].count == 1);
}
