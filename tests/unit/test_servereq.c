/*
 * test_servereq.c - the requests `nlpops serve` takes and the bodies it
 * answers with: content types, JSON bodies (one text, a batch, ids, k),
 * text/plain lines read as predict reads them, every 400 with its
 * message, the answers built from a small model (keys, order, ids, the
 * unscored), and error bodies that stay valid JSON.  Every test checks
 * for leaks.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "leak_test.h"
#include "reader.h"
#include "servereq.h"

/* --- content types */

Test(sreq_ctype, names_the_two_types_and_refuses_the_rest)
{
	static const struct {
		const char *ct;
		enum nlp_sreq_ctype want;
	} params[] = {
		{ "text/plain; charset=utf-8x", NLP_CT_OTHER },
		{ "text/plain;charset=utf8mb4", NLP_CT_OTHER },
		{ "text/plain; charset=\"UTF-8\"", NLP_CT_PLAIN },
		{ "text/plain; charset = utf-8 ; x=y", NLP_CT_PLAIN },
		{ "text/plain; foo=\"charset=latin1\"", NLP_CT_PLAIN },
		{ "application/json; x=1; charset=latin1", NLP_CT_OTHER },
	};
	size_t i;

	cr_assert_eq(nlp_sreq_ctype(NULL), NLP_CT_JSON);
	cr_assert_eq(nlp_sreq_ctype(""), NLP_CT_JSON);
	cr_assert_eq(nlp_sreq_ctype("application/json"), NLP_CT_JSON);
	cr_assert_eq(nlp_sreq_ctype("Application/JSON; charset=UTF-8"),
	    NLP_CT_JSON);
	cr_assert_eq(nlp_sreq_ctype("application/json ; charset=\"utf8\""),
	    NLP_CT_JSON);
	cr_assert_eq(nlp_sreq_ctype("text/plain"), NLP_CT_PLAIN);
	cr_assert_eq(nlp_sreq_ctype("text/plain; charset=us-ascii"),
	    NLP_CT_PLAIN);
	cr_assert_eq(nlp_sreq_ctype("text/plain; charset=latin1"), NLP_CT_OTHER);
	cr_assert_eq(nlp_sreq_ctype("text/plainer"), NLP_CT_OTHER);
	/* the charset whole, not a prefix; another parameter's value is
	   not a charset */
	for (i = 0; i < sizeof params / sizeof *params; i++)
		cr_assert_eq(nlp_sreq_ctype(params[i].ct), params[i].want, "%s",
		    params[i].ct);
	cr_assert_eq(nlp_sreq_ctype("text/html"), NLP_CT_OTHER);
	cr_assert_eq(nlp_sreq_ctype("application/x-www-form-urlencoded"),
	    NLP_CT_OTHER);
}

/* --- parsing */

static void
parse_ok(struct nlp_sreq *q, enum nlp_sreq_ctype ct, const char *body,
    size_t len)
{
	struct nlp_err e;
	int rc = nlp_sreq_parse(q, ct, body, len, &e);

	cr_assert_eq(rc, NLP_OK, "%.*s: %s", (int)len, body, e.msg);
}

LEAK_TEST(sreq_parse, one_text_with_id_and_k)
{
	static const char body[] = "{\"text\": \"a\\u0000b \\u00e9\", "
	    "\"id\": 7, \"k\": 2}";
	struct nlp_sreq q;

	parse_ok(&q, NLP_CT_JSON, body, sizeof body - 1);
	cr_assert_eq(q.kind, NLP_SREQ_ONE);
	cr_assert_eq(q.n, 1);
	cr_assert_str_eq(q.text[0], "a b \xc3\xa9", "NUL becomes a space");
	cr_assert_eq(q.len[0], 6);
	cr_assert(q.flags[0] & NLP_REC_NUL);
	cr_assert_str_eq(q.id[0], "7");
	cr_assert_eq(q.k, 2);
	nlp_sreq_release(&q);
}

/* A lone surrogate's escape (a string cut inside a pair, as
 * JSON.stringify writes it) is U+FFFD, as predict reads JSONL; a pair
 * stays the one character.  Regression (fixed): a 400, malformed JSON. */
LEAK_TEST(sreq_parse, lone_surrogates_become_replacement_characters)
{
	static const char body[] = "{\"texts\": [\"cut \\ud83d\", "
	    "\"\\uDE00 low\", \"pair \\ud83d\\ude00\"]}";
	struct nlp_sreq q;

	parse_ok(&q, NLP_CT_JSON, body, sizeof body - 1);
	cr_assert_eq(q.n, 3);
	cr_assert_str_eq(q.text[0], "cut \xef\xbf\xbd");
	cr_assert_str_eq(q.text[1], "\xef\xbf\xbd low");
	cr_assert_str_eq(q.text[2], "pair \xf0\x9f\x98\x80");
	nlp_sreq_release(&q);
}

LEAK_TEST(sreq_parse, a_batch_with_string_integer_and_null_ids)
{
	static const char body[] = "{\"texts\": [\"one\", \"\", \"three\"], "
	    "\"ids\": [\"a\\\"b\", 12, null]}";
	struct nlp_sreq q;

	parse_ok(&q, NLP_CT_JSON, body, sizeof body - 1);
	cr_assert_eq(q.kind, NLP_SREQ_MANY);
	cr_assert_eq(q.n, 3);
	cr_assert_str_eq(q.text[0], "one");
	cr_assert_str_eq(q.text[1], "");
	cr_assert_str_eq(q.text[2], "three");
	cr_assert_str_eq(q.id[0], "\"a\\\"b\"", "an id is kept as JSON");
	cr_assert_str_eq(q.id[1], "12");
	cr_assert_null(q.id[2]);
	cr_assert_eq(q.k, 0, "k not given");
	nlp_sreq_release(&q);
}

LEAK_TEST(sreq_parse, plain_lines_as_predict_reads_them)
{
	/* CRLF, an empty line, invalid UTF-8, NUL, no final newline */
	static const char body[] = "crlf\r\n\n\xff" "bad\nnu\0l\nlast";
	struct nlp_sreq q;

	parse_ok(&q, NLP_CT_PLAIN, body, sizeof body - 1);
	cr_assert_eq(q.kind, NLP_SREQ_LINES);
	cr_assert_eq(q.n, 5);
	cr_assert_str_eq(q.text[0], "crlf", "the CR is dropped");
	cr_assert_str_eq(q.text[1], "");
	cr_assert_str_eq(q.text[2], "\xef\xbf\xbd" "bad", "U+FFFD");
	cr_assert(q.flags[2] & NLP_REC_BAD_UTF8);
	cr_assert_str_eq(q.text[3], "nu l");
	cr_assert_str_eq(q.text[4], "last");
	nlp_sreq_release(&q);

	parse_ok(&q, NLP_CT_PLAIN, "one\n", 4);
	cr_assert_eq(q.n, 1, "a final newline ends the last line");
	nlp_sreq_release(&q);

	/* a byte order mark at a line's start is dropped, as predict drops
	 * it; one inside a line is the text's */
	parse_ok(&q, NLP_CT_PLAIN, "\xef\xbb\xbfhi\r\n\xef\xbb\xbf\nx\xef\xbb\xbfy",
	    16);
	cr_assert_eq(q.n, 3);
	cr_assert_str_eq(q.text[0], "hi");
	cr_assert_str_eq(q.text[1], "");
	cr_assert_str_eq(q.text[2], "x\xef\xbb\xbfy");
	nlp_sreq_release(&q);
}

/* Every body that is a 400, and a word its message must hold. */
static const struct {
	enum nlp_sreq_ctype ct;
	const char *body, *says;
} bad[] = {
	{ NLP_CT_JSON, "", "empty body" },
	{ NLP_CT_PLAIN, "", "empty body" },
	{ NLP_CT_JSON, "{\"text\": \"x\"", "malformed JSON" },
	{ NLP_CT_JSON, "{\"text\": \"x\"} trailing", "malformed JSON" },
	{ NLP_CT_JSON, "[\"a\"]", "JSON object" },
	{ NLP_CT_JSON, "\"a\"", "JSON object" },
	{ NLP_CT_JSON, "{\"text\": 5}", "\"text\" must be a string" },
	{ NLP_CT_JSON, "{\"text\": null}", "\"text\" must be a string" },
	{ NLP_CT_JSON, "{\"texts\": []}", "\"texts\" is empty" },
	{ NLP_CT_JSON, "{\"texts\": \"a\"}", "array of strings" },
	{ NLP_CT_JSON, "{\"texts\": [\"a\", 2]}", "\"texts\"[1]" },
	{ NLP_CT_JSON, "{\"text\": \"a\", \"texts\": [\"b\"]}", "give one" },
	{ NLP_CT_JSON, "{\"txt\": \"a\"}", "no \"text\" or \"texts\"" },
	{ NLP_CT_JSON, "{}", "no \"text\" or \"texts\"" },
	{ NLP_CT_JSON, "{\"text\": \"a\", \"k\": 0}", "\"k\"" },
	{ NLP_CT_JSON, "{\"text\": \"a\", \"k\": 65}", "\"k\"" },
	{ NLP_CT_JSON, "{\"text\": \"a\", \"k\": \"2\"}", "\"k\"" },
	{ NLP_CT_JSON, "{\"text\": \"a\", \"k\": 1.5}", "\"k\"" },
	{ NLP_CT_JSON, "{\"text\": \"a\", \"id\": {}}", "\"id\"" },
	{ NLP_CT_JSON, "{\"text\": \"a\", \"id\": 1.5}", "\"id\"" },
	{ NLP_CT_JSON, "{\"texts\": [\"a\"], \"ids\": [[]]}", "\"ids\"[0]" },
	{ NLP_CT_JSON, "{\"texts\": [\"a\", \"b\"], \"ids\": [1]}", "as long" },
	{ NLP_CT_JSON, "{\"texts\": [\"a\"], \"ids\": 1}", "as long" },
	{ NLP_CT_JSON, "{\"text\": \"a\", \"ids\": [1]}", "\"ids\" goes with" },
	{ NLP_CT_JSON, "{\"texts\": [\"a\"], \"id\": 1}", "take \"ids\"" },
	{ NLP_CT_JSON, "{\"text\": \"a\", \"text\": \"b\"}", "malformed JSON" },
};

LEAK_TEST(sreq_parse, every_bad_body_is_a_usage_error_that_says_why)
{
	struct nlp_sreq q;
	struct nlp_err e;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		e.msg[0] = '\0';
		cr_assert_eq(nlp_sreq_parse(&q, bad[i].ct, bad[i].body,
		    strlen(bad[i].body), &e), NLP_USAGE, "%s", bad[i].body);
		cr_assert_not_null(strstr(e.msg, bad[i].says), "%s: \"%s\" does "
		    "not say %s", bad[i].body, e.msg, bad[i].says);
		nlp_sreq_release(&q);
	}
}

LEAK_TEST(sreq_parse, too_many_lines_is_a_usage_error)
{
	size_t n = NLP_SREQ_MAX_TEXTS + 1;
	char *body = malloc(n);
	struct nlp_sreq q;
	struct nlp_err e;

	cr_assert_not_null(body);
	memset(body, '\n', n);
	cr_assert_eq(nlp_sreq_parse(&q, NLP_CT_PLAIN, body, n, &e), NLP_USAGE);
	cr_assert_not_null(strstr(e.msg, "more than"), "%s", e.msg);
	nlp_sreq_release(&q);
	free(body);
}

/* --- answers, from a model with no features: every text gets the
 * softmax of the biases, spam at 0.731059 (e / (1 + e)) */

static void *blob;
static size_t bloblen;
static struct nlp_model model;

static void
make_model(void)
{
	static const char *labels[] = { "ham", "spam" };
	struct nlp_feat_opts fo = { .ngrams = 1, .bits = 10, .seed = 1 };
	float bias[2] = { 0, 1 };
	struct nlp_err e;

	cr_assert_eq(nlp_model_serialize(&blob, &bloblen, &fo, labels, 2, NULL,
	    NULL, 0, bias, NULL, NULL, 0, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(nlp_model_load(&model, blob, bloblen, &e), NLP_OK, "%s",
	    e.msg);
}

static void
free_model(void)
{
	nlp_model_release(&model);
	free(blob);
	blob = NULL;
}

TestSuite(sreq_answer, .init = make_model, .fini = free_model);

/* The answer to body (of type ct), NUL-terminated, in out; res[] the
 * results of at most 8 texts. */
static void
answer(const char *body, enum nlp_sreq_ctype ct, size_t k, struct nlp_buf *out,
    struct nlp_sreq_result *res)
{
	struct nlp_sreq_model mod = { &model, "spam@7", "ab12" };
	struct nlp_predout fmt = { .k = k, .fallback = NULL };
	struct nlp_scorer sc;
	struct nlp_sreq q;
	float probs[2];

	memset(&sc, 0, sizeof sc);
	memset(out, 0, sizeof *out);
	parse_ok(&q, ct, body, strlen(body));
	cr_assert_leq(q.n, 8);
	cr_assert_eq(nlp_sreq_answer(&q, &mod, &fmt, &sc, probs, out, res),
	    NLP_OK);
	nlp_buf_put(out, "", 1);
	nlp_scorer_release(&sc);
	nlp_sreq_release(&q);
}

/* The answer as JSON: one line, one object. */
static json_t *
answer_json(const char *body, struct nlp_sreq_result *res)
{
	struct nlp_buf out;
	json_error_t jerr;
	json_t *j;

	answer(body, NLP_CT_JSON, 1, &out, res);
	cr_assert_eq(strchr(out.p, '\n'), out.p + out.len - 2, "one line, "
	    "ended: %s", out.p);
	j = json_loads(out.p, 0, &jerr);
	cr_assert_not_null(j, "%s: %s", out.p, jerr.text);
	nlp_buf_release(&out);
	return j;
}

LEAK_TEST(sreq_answer, one_text_has_predicts_keys_and_the_model)
{
	struct nlp_sreq_result res[1];
	json_t *j = answer_json("{\"text\": \"win\", \"id\": \"x1\", \"k\": 2}",
	    res);

	cr_assert_str_eq(json_string_value(json_object_get(j, "label")),
	    "spam");
	cr_assert_float_eq(json_real_value(json_object_get(j, "p")), 0.731059,
	    1e-6);
	cr_assert_eq(json_array_size(json_object_get(j, "top")), 2, "k = 2");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "top"), 1), "label")), "ham");
	cr_assert_str_eq(json_string_value(json_object_get(j, "id")), "x1");
	cr_assert_str_eq(json_string_value(json_object_get(j, "model")),
	    "spam@7");
	cr_assert_str_eq(json_string_value(json_object_get(j, "sha256")),
	    "ab12");
	cr_assert_eq(res[0].label, 1);
	cr_assert_float_eq(res[0].p, 0.731059f, 1e-6);
	cr_assert_null(res[0].reason);
	json_decref(j);
}

LEAK_TEST(sreq_answer, a_batch_keeps_order_ids_and_the_unscored)
{
	struct nlp_sreq_result res[3];
	json_t *j = answer_json("{\"texts\": [\"a\", \"  \", \"c\"], "
	    "\"ids\": [3, 2, 1]}", res), *r;
	size_t i;

	r = json_object_get(j, "results");
	cr_assert_eq(json_array_size(r), 3);
	for (i = 0; i < 3; i++)
		cr_assert_eq(json_integer_value(json_object_get(
		    json_array_get(r, i), "id")), (json_int_t)(3 - i));
	cr_assert(json_is_null(json_object_get(json_array_get(r, 1), "label")),
	    "a blank text is not scored");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(r,
	    1), "reason")), "empty");
	cr_assert_eq(json_array_size(json_object_get(json_array_get(r, 0),
	    "top")), 1, "k = 1");
	cr_assert_str_eq(json_string_value(json_object_get(j, "model")),
	    "spam@7");
	cr_assert_eq(res[0].label, 1);
	cr_assert_eq(res[1].label, -1);
	cr_assert_str_eq(res[1].reason, "empty");
	json_decref(j);
}

LEAK_TEST(sreq_answer, plain_lines_are_predicts_tsv)
{
	struct nlp_sreq_result res[3];
	struct nlp_buf out;

	answer("one\n\ntwo", NLP_CT_PLAIN, 0, &out, res);
	cr_assert_str_eq(out.p, "spam\t0.731059\n\t\nspam\t0.731059\n");
	cr_assert_eq(res[1].label, -1);
	nlp_buf_release(&out);
	answer("one\n", NLP_CT_PLAIN, 2, &out, NULL);
	cr_assert_str_eq(out.p, "spam\t0.731059\tham\t0.268941\n", "k = 2");
	nlp_buf_release(&out);
}

/* --- error bodies */

LEAK_TEST(sreq_error, the_body_is_one_line_of_valid_json)
{
	struct nlp_buf out = { 0 };
	json_error_t jerr;
	json_t *j;

	nlp_sreq_error_body(&out, "malformed JSON: near '\xff\"\\' \n(at 3)");
	nlp_buf_put(&out, "", 1);
	cr_assert_eq(strchr(out.p, '\n'), out.p + out.len - 2, "%s", out.p);
	j = json_loads(out.p, 0, &jerr);
	cr_assert_not_null(j, "%s: %s", out.p, jerr.text);
	cr_assert_eq(json_object_size(j), 1);
	cr_assert_str_eq(json_string_value(json_object_get(j, "error")),
	    "malformed JSON: near '?\"\\' \n(at 3)");
	json_decref(j);
	nlp_buf_release(&out);
}

/* A multi-label model with no features: each text gets the sigmoid of
 * each bias, on its own -- bug 0.880797, ui 0.622459, doc 0.268941. */
LEAK_TEST(sreq_multilabel, answers_every_label_at_or_above_the_cut_off)
{
	static const char *labels[] = { "bug", "doc", "ui" };
	struct nlp_feat_opts fo = { .ngrams = 1, .bits = 10, .seed = 1 };
	float bias[3] = { 2, -1, 0.5f }, probs[3];
	struct nlp_model m;
	struct nlp_sreq_model mod = { &m, "tags@1", "cd34" };
	struct nlp_predout fmt = { .min_p = 0.5, .fallback = "unknown" };
	struct nlp_sreq_result res[2];
	struct nlp_scorer sc;
	struct nlp_sreq q;
	struct nlp_buf out;
	struct nlp_err e;
	const char *body = "{\"texts\": [\"a crash in the menu\", \"x\"]}";
	json_t *j, *r, *l;
	void *b;
	size_t blen;

	cr_assert_eq(nlp_model_serialize(&b, &blen, &fo, labels, 3, NULL, NULL,
	    0, bias, NULL, NULL, 1, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(nlp_model_load(&m, b, blen, &e), NLP_OK, "%s", e.msg);
	memset(&sc, 0, sizeof sc);
	memset(&out, 0, sizeof out);
	parse_ok(&q, NLP_CT_JSON, body, strlen(body));
	cr_assert_eq(nlp_sreq_answer(&q, &mod, &fmt, &sc, probs, &out, res),
	    NLP_OK);
	nlp_buf_put(&out, "", 1);
	j = json_loads(out.p, 0, NULL);
	cr_assert_not_null(j, "%s", out.p);
	r = json_array_get(json_object_get(j, "results"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(r, "label")), "bug");
	l = json_object_get(r, "labels");
	cr_assert_eq(json_array_size(l), 2, "%s", out.p);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(l, 1),
	    "label")), "ui");
	cr_assert_float_eq(json_real_value(json_object_get(json_array_get(l, 1),
	    "p")), 0.622459, 1e-6);
	/* the results carry the answer's members, for the log */
	cr_assert_str_eq(res[0].members, "\"label\":\"bug\",\"p\":0.880797,"
	    "\"labels\":[{\"label\":\"bug\",\"p\":0.880797},{\"label\":\"ui\","
	    "\"p\":0.622459}]");
	free(res[0].members);
	free(res[1].members);
	json_decref(j);
	nlp_buf_release(&out);
	nlp_sreq_release(&q);
	/* text/plain: TSV pairs, as predict prints them */
	memset(&out, 0, sizeof out);
	parse_ok(&q, NLP_CT_PLAIN, "one\n", 4);
	cr_assert_eq(nlp_sreq_answer(&q, &mod, &fmt, &sc, probs, &out, res),
	    NLP_OK);
	nlp_buf_put(&out, "", 1);
	cr_assert_str_eq(out.p, "bug\t0.880797\tui\t0.622459\n");
	cr_assert_str_eq(res[0].members, "\"label\":\"bug\",\"p\":0.880797,"
	    "\"labels\":[{\"label\":\"bug\",\"p\":0.880797},{\"label\":\"ui\","
	    "\"p\":0.622459}]");
	free(res[0].members);
	nlp_buf_release(&out);
	nlp_sreq_release(&q);
	nlp_scorer_release(&sc);
	nlp_model_release(&m);
	free(b);
}
