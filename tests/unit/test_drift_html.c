/*
 * test_drift_html.c - the drift report's HTML page: reports built by hand
 * (struct nlp_drift_report, drift.h), with and without a model, with
 * hostile strings everywhere user text goes, with empty parts; the page is
 * self-contained, escaped, valid UTF-8 and the same bytes for the same
 * report.
 */
#include <criterion/criterion.h>

#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drift_html.h"
#include "leak_test.h"

/* TEST(name): Test(drift_html, name) with a leak check (see leak_test.h). */
#define TEST(name) LEAK_TEST(drift_html, name)

#define NDASH "\xe2\x80\x93"
#define R "\xef\xbf\xbd"           /* U+FFFD */

static const uint64_t bins[NLP_PROFILE_BINS] = { 0, 1, 3, 7, 15, 31, 63, 127,
    255, 511, 1023, 2047, 4095, 8191, 16383, 32767, 65535, 131071, 262143,
    524287 };
static const uint64_t cur_tok[NLP_PROFILE_BINS] = { 0, 0, 0, 0, 1, 39, 163,
    148, 42, 7 };
static const uint64_t cur_char[NLP_PROFILE_BINS] = { 0, 0, 0, 0, 0, 0, 0, 11,
    110, 181, 86, 12 };
static const char *const labels[] = { "ham", "spam" };
static double label_ref[] = { 1195.0, 515.0 };
static uint64_t label_cur[] = { 3560, 440 };
static double ref_conf[] = { 0.51, 0.9, 0.97, 0.99, 0.999, 1.0 };
static double cur_conf[] = { 0.0, 0.5, 0.52, 0.61, 0.74, 0.96, 1.0 };

/* A signal showing a number of each side (NAN p: none). */
static void
number_signal(struct nlp_drift_report *r, const char *name,
    const char *stat_name, double stat, double p, double thr, int drifted,
    double ref, double cur)
{
	struct nlp_drift_signal *s = &r->signal[r->nsignals++];

	memset(s, 0, sizeof *s);
	s->name = name;
	s->statistic_name = stat_name;
	s->statistic = stat;
	s->p_value = p;
	s->method = NLP_DRIFT_BY_EFFECT;
	s->decided_by = NLP_DRIFT_LARGE_SAMPLE;
	s->threshold = thr;
	s->drifted = drifted;
	s->value = NLP_DRIFT_VALUE_NUMBER;
	s->reference = ref;
	s->current = cur;
}

/* The length histograms: the reference's given, the current ones fixed. */
static void
lengths(struct nlp_drift_report *r, const uint64_t *ref_tok,
    const uint64_t *ref_char)
{
	memcpy(r->hist.length_bins, bins, sizeof bins);
	memcpy(r->hist.reference_token_length, ref_tok, sizeof cur_tok);
	memcpy(r->hist.current_token_length, cur_tok, sizeof cur_tok);
	memcpy(r->hist.reference_char_length, ref_char, sizeof cur_char);
	memcpy(r->hist.current_char_length, cur_char, sizeof cur_char);
}

/* A report with a model: every part nlp_drift_run fills. */
static void
full_report(struct nlp_drift_report *r)
{
	struct nlp_drift_signal *s;
	static const uint64_t ref_tok[NLP_PROFILE_BINS] = { 0, 0, 2, 3, 4, 12,
	    75, 229, 489, 499, 339, 58 };
	static const uint64_t ref_char[NLP_PROFILE_BINS] = { 0, 0, 0, 0, 0, 0,
	    1, 3, 20, 100, 300, 500, 400, 300, 60, 26 };

	memset(r, 0, sizeof *r);
	r->verdict.drift = 1;
	r->verdict.drifted = 4;
	r->verdict.signals = 7;
	r->verdict.share = 0.571429;
	r->verdict.domain_drift = 1;
	number_signal(r, "vocabulary", "jensen_shannon", 0.31, 1.2e-40, 0.1, 1,
	    0, 0);
	r->signal[0].value = NLP_DRIFT_VALUE_NONE;
	r->signal[0].has_detail = 1;
	r->signal[0].detail.jensen_shannon = 0.31;
	r->signal[0].detail.bins = 2001;
	number_signal(r, "oov_rate", "abs_change", 0.0882, 0.0, 0.05, 1, 0.0297,
	    0.1179);
	number_signal(r, "length_tokens", "wasserstein_normed", 0.52, 3.1e-95,
	    0.1, 1, 358.7, 76.9);
	number_signal(r, "empty_share", "abs_change", 0.0, NAN, 0.05, 0, 0, 0);
	number_signal(r, "predicted_labels", "psi", 0.42, 7.8e-17, 0.1, 1, 0, 0);
	r->signal[4].value = NLP_DRIFT_VALUE_NONE;
	number_signal(r, "confidence", "wasserstein_normed", 0.04, 0.2, 0.1, 0,
	    0.9897, 0.8394);
	number_signal(r, "accuracy", "drop", 0.01, NAN, 0.05, 0, 0.97, 0.96);
	s = &r->signal[6];
	s->value = NLP_DRIFT_VALUE_SCORES;
	s->decided_by = NLP_DRIFT_ACCURACY_DROP;
	s->reference_f1 = 0.96;
	s->current_f1 = 0.95;
	r->domain.texts_per_side = 2000;
	r->domain.auc = 0.8123;
	r->domain.threshold = 0.55;
	r->domain.drifted = 1;
	r->domain.top_current[0] = (struct nlp_drift_ngram){ "this package", 6.36,
	    12.25 };
	r->domain.top_current[1] = (struct nlp_drift_ngram){ "library", 7.18,
	    11.5 };
	r->domain.ntop_current = 2;
	r->domain.top_reference[0] = (struct nlp_drift_ngram){ "unsubscribe", 8.3,
	    -9.75 };
	r->domain.ntop_reference = 1;
	r->grew[0] = (struct nlp_drift_token){ "package", 0.0002, 0.0099,
	    0.006, 0.412, 21.5 };
	r->grew[1] = (struct nlp_drift_token){ "library", 0, 0.0085, 0,
	    0.35, 18.25 };
	r->ngrew = 2;
	r->shrank[0] = (struct nlp_drift_token){ "unsubscribe", 0.004, 0.0001,
	    0.2, 0.005, -11.5 };
	r->nshrank = 1;
	r->current_records = 4000;
	r->reference_records = 1710;
	r->current_tokens = 30759;
	lengths(r, ref_tok, ref_char);
	r->hist.nlabels = 2;
	r->hist.labels = labels;
	r->hist.label_reference = label_ref;
	r->hist.label_current = label_cur;
	r->hist.has_reference_confidence = 1;
	r->hist.reference_confidence = ref_conf;
	r->hist.nreference_confidence = 6;
	r->hist.current_confidence = cur_conf;
	r->hist.ncurrent_confidence = 7;
	snprintf(r->warning[0], sizeof r->warning[0], "the model records no "
	    "held-out accuracy to compare with");
	r->nwarnings = 1;
}

/* The same without a model (nlpops drift --reference): no labels, no
   confidences, no oov or prediction signals. */
static void
ref_report(struct nlp_drift_report *r)
{
	static const uint64_t ref_tok[NLP_PROFILE_BINS] = { 0, 0, 2, 3, 5, 13,
	    77, 238, 520, 526, 354, 62 };
	static const uint64_t ref_char[NLP_PROFILE_BINS] = { 0, 0, 0, 0, 0, 0,
	    0, 0, 10, 100, 300, 500, 400, 300, 60, 26 };

	memset(r, 0, sizeof *r);
	r->verdict.drifted = 1;
	r->verdict.signals = 6;
	r->verdict.share = 0.166667;
	r->verdict.small = 1;
	number_signal(r, "vocabulary", "chi2", 12.5, 0.03, 0.05, 1, 0, 0);
	r->signal[0].method = NLP_DRIFT_BY_P_VALUE;
	r->signal[0].value = NLP_DRIFT_VALUE_NONE;
	r->domain.texts_per_side = 400;
	r->domain.permutation = 1;
	r->domain.permutations = 20;
	r->domain.auc = 0.51;
	r->domain.threshold = 0.56;
	r->current_records = 400;
	r->reference_records = 1800;
	r->current_tokens = 30759;
	lengths(r, ref_tok, ref_char);
}

/* The page of r (caller frees). */
static char *
page_of(const struct nlp_drift_report *r, const char *title)
{
	char *html = nlp_drift_html(r, title);

	cr_assert_not_null(html);
	return html;
}

static size_t
count(const char *s, const char *needle)
{
	size_t n = 0, k = strlen(needle);

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += k;
	}
	return n;
}

static int
has(const char *s, const char *needle)
{
	return strstr(s, needle) != NULL;
}

/* Case-insensitive substring. */
static int
has_nocase(const char *s, const char *needle)
{
	size_t k = strlen(needle);

	for (; *s; s++)
		if (strncasecmp(s, needle, k) == 0)
			return 1;
	return 0;
}

/* Is s well-formed UTF-8 with no C0 control other than \t \n \r? */
static int
clean_utf8(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	while (*u) {
		size_t len = *u < 0x80 ? 1 : *u >= 0xc2 && *u < 0xe0 ? 2 :
		    *u >= 0xe0 && *u < 0xf0 ? 3 : *u >= 0xf0 && *u < 0xf5 ? 4 : 0;
		size_t i;

		if (len == 0)
			return 0;
		if (len == 1 && *u < 0x20 && *u != '\t' && *u != '\n' && *u != '\r')
			return 0;
		for (i = 1; i < len; i++)
			if ((u[i] & 0xc0) != 0x80)
				return 0;
		u += len;
	}
	return 1;
}

/*
 * Does every '<' in the page open or close an element the page means to
 * write, with attributes it means to write (no on* handler, no href or
 * src)?  User text that escaped escaping would show up as another tag or
 * attribute.
 */
static int
known_attrs(const char *p, char *bad, size_t badlen)
{
	static const char *const known[] = { "lang", "charset", "name",
	    "content", "http-equiv", "class", "id", "role", "aria-label",
	    "viewBox", "x", "y", "x1", "x2", "y1", "y2", "width", "height", "cx",
	    "cy", "r", "text-anchor", "style", NULL };

	for (;;) {
		size_t len, i;

		p += strspn(p, " \t\n");
		if (*p == '>' || strncmp(p, "/>", 2) == 0)
			return 1;
		len = strspn(p, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");
		for (i = 0; known[i] != NULL; i++)
			if (strlen(known[i]) == len && strncmp(p, known[i], len) == 0)
				break;
		if (len == 0 || known[i] == NULL) {
			snprintf(bad, badlen, "attribute %.40s", p);
			return 0;
		}
		p += len;
		if (*p == '=') {
			if (p[1] != '"' || (p = strchr(p + 2, '"')) == NULL) {
				snprintf(bad, badlen, "unquoted value");
				return 0;
			}
			p++;
		}
	}
}

static int
only_known_tags(const char *s, char *bad, size_t badlen)
{
	static const char *const known[] = { "!DOCTYPE", "html", "head", "meta",
	    "title", "style", "body", "header", "main", "section", "footer",
	    "h1", "h2", "h3", "p", "b", "div", "span", "code", "ul", "li",
	    "table", "thead", "tbody", "tr", "th", "td", "figure", "figcaption",
	    "svg", "g", "rect", "line", "text", "circle", NULL };
	const char *p = s;

	while ((p = strchr(p, '<')) != NULL) {
		const char *n = p + 1 + (p[1] == '/');
		size_t len = strcspn(n, " \t\n>/");
		size_t i;

		for (i = 0; known[i] != NULL; i++)
			if (strlen(known[i]) == len && strncmp(n, known[i], len) == 0)
				break;
		if (known[i] == NULL) {
			snprintf(bad, badlen, "%.40s", p);
			return 0;
		}
		if (strncmp(n, "!DOCTYPE html>", 14) != 0 && p[1] != '/' &&
		    !known_attrs(n + len, bad, badlen))
			return 0;
		p = n;
	}
	return 1;
}

/* What every page must be. */
static void
check_page(const char *html)
{
	char bad[64];

	cr_assert(strncmp(html, "<!DOCTYPE html>\n", 16) == 0,
	    "starts with: %.40s", html);
	cr_assert(has(html, "<meta charset=\"utf-8\">"));
	cr_assert(has(html, "</html>\n"));
	cr_assert(!has_nocase(html, "<script"), "a script element");
	cr_assert(!has_nocase(html, "http://"), "an http:// reference");
	cr_assert(!has_nocase(html, "https://"), "an https:// reference");
	cr_assert(!has_nocase(html, "javascript:"));
	cr_assert(!has_nocase(html, "<img") && !has_nocase(html, "<link") &&
	    !has_nocase(html, "<iframe") && !has_nocase(html, "url("),
	    "an external resource");
	cr_assert(clean_utf8(html), "not clean UTF-8");
	cr_assert(only_known_tags(html, bad, sizeof bad), "unexpected tag: %s",
	    bad);
	cr_assert_eq(count(html, "<svg"), count(html, "</svg>"));
	cr_assert_eq(count(html, "<table"), count(html, "</table>"));
	cr_assert_eq(count(html, "<section"), count(html, "</section>"));
}

TEST(full_report_with_model)
{
	struct nlp_drift_report r;
	char *html;
	const char *v, *len;
	char *sig;

	full_report(&r);
	html = page_of(&r, "nightly check");
	check_page(html);
	/* the verdict first, as a banner, then the rule */
	v = strstr(html, "drift: yes (4/7 signals; domain AUC 0.81)");
	cr_assert_not_null(v, "verdict line");
	cr_assert(has(html, "<header class=\"banner yes\""));
	cr_assert(v < strstr(html, "<h1>"), "the verdict comes before the rest");
	cr_assert(has(html, "rule: effect sizes (large sample)"));
	cr_assert(has(html, "<title>nightly check</title>"));
	cr_assert(has(html, "<h1>nightly check</h1>"));
	cr_assert(has(html, "reference: 1,710 texts"));
	cr_assert(has(html, "current: 4,000 texts, 30,759 tokens"));
	/* the signal table: one row per signal, drifted ones marked */
	sig = strstr(html, "<table class=\"signals\">");
	cr_assert_not_null(sig);
	sig = strndup(sig, (size_t)(strstr(sig, "</table>") - sig));
	cr_assert_eq(count(sig, "<tr"), 8, "header + 7 signals");
	free(sig);
	cr_assert_eq(count(html, "<tr class=\"drifted\">"), 4);
	cr_assert(has(html, "<td>wasserstein_normed</td><td class=\"n\">0.52</td>"
	    "<td class=\"n\">3.10e-95</td><td>effect &gt;= 0.1 (large "
	    "sample)</td>"),
	    "statistic, p-value and the rule that decided length_tokens");
	cr_assert(has(html, "p_value") == 0, "no raw keys");
	cr_assert(has(html, "0.0297 \xe2\x86\x92 0.118"), "oov reference -> current");
	cr_assert(has(html, "accuracy 0.97, macro_f1 0.96 \xe2\x86\x92 accuracy 0.96,"
	    " macro_f1 0.95"));
	/* charts: 2 length histograms, label bars, confidence, AUC scale */
	cr_assert_eq(count(html, "<svg"), 5);
	cr_assert_eq(count(html, "<svg class=\"hist\""), 3);
	cr_assert(has(html, "<svg class=\"labels\""));
	cr_assert(has(html, "<svg class=\"auc\""));
	cr_assert(has(html, "viewBox=\"0 0 480 250\""));
	len = strstr(html, "aria-label=\"Tokens per text\"");
	cr_assert_not_null(len);
	cr_assert(has(len, ">reference (n=1,710)</text>"), "legend with totals");
	cr_assert(has(len, ">current (n=400)</text>"));
	/* length bins shown from the first to the last non-empty one */
	cr_assert(has(len, "<title>2" NDASH "3 tokens: reference 0.1%, "
	    "current 0.0%</title>"), "a bin's tooltip");
	cr_assert(has(len, ">1k</text>") && has(len, ">2k</text>"),
	    "power-of-two edges");
	cr_assert(!has(strstr(html, "aria-label=\"Characters per text\""),
	    "<title>0 characters"), "empty leading bins are not drawn");
	/* labels: shares of each side, the larger reference share first */
	cr_assert(has(html, "ham: reference 69.9% (1,195), current 89.0% (3,560)"));
	cr_assert(strstr(html, ">ham</text>") < strstr(html, ">spam</text>"));
	/* confidences: 20 bins over [0, 1] */
	cr_assert(has(html, "<title>0.95" NDASH "1.00: reference 66.7%, "
	    "current 28.6%</title>"));
	cr_assert(has(html, "<title>0.00" NDASH "0.05: reference 0.0%, "
	    "current 14.3%</title>"));
	/* tokens and n-grams */
	cr_assert(has(html, "<code>package</code></td><td class=\"n\">0.6%</td>"
	    "<td class=\"n\">41.2%</td><td class=\"n\">+21.50</td>"),
	    "shares of texts and z");
	cr_assert(has(html, "<code>unsubscribe</code></td><td class=\"n\">20.0%"));
	cr_assert(has(html, "<code>this package</code></td><td class=\"n\">6.360"
	    "</td><td class=\"n\">+12.25</td>"));
	cr_assert(has(html, "ROC AUC <b>0.812</b> against a threshold of 0.55"));
	cr_assert(has(html, "on 2,000 texts per side"));
	cr_assert(has(html, "<li>the model records no held-out accuracy"));
	free(html);
}

TEST(report_without_model)
{
	struct nlp_drift_report r;
	char *html;

	ref_report(&r);
	html = page_of(&r, NULL);

	check_page(html);
	cr_assert(has(html, "drift: no (1/6 signals; domain AUC 0.51)"));
	cr_assert(has(html, "<header class=\"banner no\""));
	cr_assert(has(html, "<title>nlpops drift report</title>"), "default title");
	cr_assert_eq(count(html, "<svg class=\"hist\""), 2, "lengths only");
	cr_assert(!has(html, "class=\"labels\""), "no label bars");
	cr_assert(!has(html, "confidence"), "no confidence chart");
	cr_assert(!has(html, "id=\"model\""), "no predictions section");
	cr_assert(!has(html, "id=\"warnings\""), "no warnings section");
	cr_assert(has(html, "(permutation test, from 20 label-shuffled runs)"));
	cr_assert(has(html, "<span class=\"badge no\">not drifted</span>"));
	cr_assert_eq(count(html, "<p class=\"none\">none</p>"), 2,
	    "empty token lists are said to be empty");
	cr_assert(!has(html, "class=\"ngrams\""));
	free(html);
}

TEST(hostile_strings_are_escaped)
{
	static const char *const names[] = { "ham", "spam", "<b>x</b>\"'&" };
	static double lref[] = { 1195.0, 515.0, 5 };
	static uint64_t lcur[] = { 3560, 440, 7 };
	struct nlp_drift_report r;
	char *html;

	full_report(&r);
	r.grew[r.ngrew++] = (struct nlp_drift_token){
	    "<script>alert(1)</script>", 0.001, 0.002, 0.01, 0.02, 1.5 };
	r.grew[r.ngrew++] = (struct nlp_drift_token){ "\"&'", 0.001, 0.002,
	    0.01, 0.02, 1.5 };
	r.domain.top_current[r.domain.ntop_current++] = (struct nlp_drift_ngram){
	    "<img src=x onerror=alert(1)>", 1.0, 2.0 };
	r.domain.top_reference[r.domain.ntop_reference++] =
	    (struct nlp_drift_ngram){ "a\"><svg onload=alert(1)>", 1.0, -2.0 };
	r.hist.nlabels = 3;
	r.hist.labels = names;
	r.hist.label_reference = lref;
	r.hist.label_current = lcur;
	r.signal[0].name = "vocab\"<u>";
	r.signal[0].statistic_name = "<i>chi2</i>";
	snprintf(r.warning[r.nwarnings++], sizeof r.warning[0],
	    "<!-- -->&amp;</p><script>x</script>");
	html = page_of(&r, "<script>alert('t')</script> & \"q\"");
	check_page(html);
	cr_assert(has(html, "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>"));
	cr_assert(has(html, "<code>&quot;&amp;&#39;</code>"));
	cr_assert(!has(html, "\"&'"), "the raw token");
	cr_assert(has(html, "&lt;img src=x onerror=alert(1)&gt;"));
	cr_assert(!has(html, "<img"));
	cr_assert(has(html, "a&quot;&gt;&lt;svg onload=alert(1)&gt;"));
	cr_assert(has(html, "&lt;b&gt;x&lt;/b&gt;&quot;&#39;&amp;"), "a label");
	cr_assert(!has(html, "<b>x"));
	cr_assert(has(html, "<td>vocab&quot;&lt;u&gt;</td>"));
	cr_assert(has(html, "<td>&lt;i&gt;chi2&lt;/i&gt;</td>"));
	cr_assert(has(html, "<li>&lt;!-- --&gt;&amp;amp;&lt;/p&gt;&lt;script&gt;"
	    "x&lt;/script&gt;</li>"));
	cr_assert(has(html, "<title>&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;"
	    " &amp; &quot;q&quot;</title>"));
	cr_assert(has(html, "<h1>&lt;script&gt;alert(&#39;t&#39;)"));
	free(html);
}

TEST(bad_bytes_and_controls)
{
	struct nlp_drift_report r;
	char *html, longtok[400];
	size_t i;

	ref_report(&r);
	/* control characters and a very long token */
	r.grew[r.ngrew++] = (struct nlp_drift_token){ "a\x01" "b\x7f" "c", 0.0,
	    0.5, 0, 0.5, 3 };
	for (i = 0; i < 100; i++)
		memcpy(longtok + 3 * i, "\xc3\xa9x", 3);    /* "éx" */
	longtok[300] = '\0';
	r.grew[r.ngrew++] = (struct nlp_drift_token){ longtok, 0.0, 0.25, 0,
	    0.25, 2 };
	/* the title is the caller's bytes: not necessarily UTF-8 */
	html = page_of(&r, "caf\xe9 \xff\xfe\x80 \xed\xa0\x80 \xf4\x90\x80\x80 ok");
	check_page(html);
	cr_assert(has(html, "<code>a" R "b" R "c</code>"), "controls as U+FFFD");
	cr_assert(has(html, "<title>caf" R " " R R R " " R R R " " R R R R
	    " ok</title>"), "invalid UTF-8 (and surrogates, and beyond U+10FFFF) "
	    "byte by byte as U+FFFD");
	/* cut to 59 code points and an ellipsis, on a character boundary */
	cr_assert(has(html, "\xc3\xa9x\xc3\xa9\xe2\x80\xa6</code>"));
	cr_assert(!has(html, longtok));
	free(html);
}

/* An empty report: no signals, no tokens, no lengths, the classifier not
   run; what a zeroed struct says. */
static void
empty_report(struct nlp_drift_report *r)
{
	memset(r, 0, sizeof *r);
	r->verdict.small = 1;
	r->domain.texts_per_side = 3;
	r->domain.auc = r->domain.threshold = NAN;
	r->domain.skipped = "fewer than 20 texts on a side";
}

TEST(empty_parts)
{
	struct nlp_drift_report r;
	char *html;

	empty_report(&r);
	html = page_of(&r, "");
	check_page(html);
	cr_assert(has(html, "drift: no (0/0 signals; domain classifier not run)"));
	cr_assert(has(html, "rule: p-values (small sample)"));
	cr_assert(has(html, "<p class=\"none\">no signals</p>"));
	cr_assert_eq(count(html, "<p class=\"none\">no data</p>"), 2);
	cr_assert_eq(count(html, "<svg"), 0);
	cr_assert(!has(html, "id=\"model\""), "no labels and no confidences: no "
	    "predictions section");
	cr_assert(!has(html, "id=\"warnings\""), "no warnings section");
	cr_assert_eq(count(html, "<p class=\"none\">none</p>"), 2,
	    "empty token lists are said to be empty");
	cr_assert(has(html, "Not run: fewer than 20 texts on a side."));
	cr_assert(has(html, "<title>nlpops drift report</title>"));
	free(html);
}

TEST(a_zeroed_report)
{
	struct nlp_drift_report r;
	char *html;

	memset(&r, 0, sizeof r);
	r.domain.auc = r.domain.threshold = NAN;
	html = page_of(&r, NULL);
	check_page(html);
	cr_assert(has(html, "drift: no (0/0 signals; domain classifier not run)"));
	cr_assert(has(html, "<header class=\"banner no\""));
	cr_assert(has(html, "rule: effect sizes (large sample)"));
	cr_assert(has(html, "<span class=\"none\">Not run.</span>"));
	free(html);
}

TEST(skipped_domain_classifier)
{
	struct nlp_drift_report r;
	char *html;

	ref_report(&r);
	memset(&r.domain, 0, sizeof r.domain);
	r.domain.auc = r.domain.threshold = NAN;
	r.domain.texts_per_side = 12;
	r.domain.skipped = "fewer than 20 texts on a side";
	html = page_of(&r, NULL);
	check_page(html);
	cr_assert(has(html, "drift: no (1/6 signals; domain classifier not run)"));
	cr_assert(!has(html, "class=\"auc\""));
	cr_assert(has(html, "Not run: fewer than 20 texts on a side."));
	free(html);
}

TEST(the_banner_shows_the_domain_classifiers_auc)
{
	/* the report has one AUC, the domain classifier's (drift.h once
	   documented a verdict.domain_auc that nothing wrote) */
	struct nlp_drift_report r;
	char *html;

	empty_report(&r);
	r.verdict.drift = 1;
	r.verdict.drifted = 1;
	r.verdict.signals = 2;
	r.domain.skipped = NULL;
	r.domain.auc = 0.7;
	html = page_of(&r, NULL);
	cr_assert(has(html, "drift: yes (1/2 signals; domain AUC 0.70)"));
	free(html);
}

TEST(many_labels_are_summed)
{
	static char names[40][16];
	static const char *np[40];
	static double lref[40];
	static uint64_t lcur[40];
	struct nlp_drift_report r;
	char *html;
	int i;

	full_report(&r);
	for (i = 0; i < 40; i++) {
		snprintf(names[i], sizeof names[i], "class%02d", i);
		np[i] = names[i];
		lref[i] = 100 - i;
		lcur[i] = (uint64_t)i + 1;
	}
	r.hist.nlabels = 40;
	r.hist.labels = np;
	r.hist.label_reference = lref;
	r.hist.label_current = lcur;
	html = page_of(&r, NULL);
	check_page(html);
	cr_assert(has(html, ">class00</text>"));
	cr_assert(has(html, ">class23</text>"));
	cr_assert(!has(html, ">class24</text>"), "24 rows, then the rest");
	cr_assert(has(html, ">(16 other labels)</text>"));
	cr_assert_eq(count(strstr(html, "<svg class=\"labels\""), "<g>"), 25);
	free(html);
}

TEST(same_report_same_bytes)
{
	struct nlp_drift_report r, copy;
	char *a, *b, *c;

	full_report(&r);
	a = page_of(&r, "t");
	b = page_of(&r, "t");
	/* a copy of the report elsewhere in memory: no addresses in the page */
	memcpy(&copy, &r, sizeof r);
	c = page_of(&copy, "t");
	cr_assert_str_eq(a, b);
	cr_assert_str_eq(a, c);
	free(a);
	free(b);
	free(c);
}

TEST(numbers_ignore_the_locale)
{
	static const char *const comma[] = { "de_DE.UTF-8", "de_DE.utf8",
	    "fr_FR.UTF-8", "fr_FR.utf8", "ru_RU.UTF-8", NULL };
	struct nlp_drift_report r;
	char *plain, *html, *old;
	size_t i;

	full_report(&r);
	plain = page_of(&r, NULL);
	old = strdup(setlocale(LC_NUMERIC, NULL));
	for (i = 0; comma[i] != NULL; i++)
		if (setlocale(LC_NUMERIC, comma[i]) != NULL)
			break;
	if (comma[i] == NULL) {
		free(plain);
		setlocale(LC_NUMERIC, old);
		free(old);
		cr_skip_test("no locale with a decimal comma is installed");
	}
	html = page_of(&r, NULL);
	setlocale(LC_NUMERIC, old);
	free(old);
	cr_assert_str_eq(html, plain, "the page depends on LC_NUMERIC");
	free(plain);
	free(html);
}
