/*
 * test_drift_html.c - the drift report's HTML page: reports built by hand
 * (the schema nlp_drift_run writes, see drift.h), with and without a model,
 * with hostile strings everywhere user text goes, with empty and missing
 * parts; the page is self-contained, escaped, valid UTF-8 and the same
 * bytes for the same report.
 */
#include <criterion/criterion.h>

#include <locale.h>
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

/* A report with a model: every part drift.c writes. */
static const char full_report[] =
	"{\"schema\": 1,"
	" \"verdict\": {\"drift\": true, \"drifted\": 4, \"signals\": 7,"
	"  \"share\": 0.571429, \"domain_drift\": true,"
	"  \"rule\": \"effect sizes (large sample)\"},"
	" \"signals\": ["
	"  {\"name\": \"vocabulary\", \"statistic_name\": \"jensen_shannon\","
	"   \"statistic\": 0.31, \"p_value\": 1.2e-40, \"method\": \"effect\","
	"   \"threshold\": 0.1, \"drifted\": true, \"reference\": null,"
	"   \"current\": null, \"detail\": {\"jensen_shannon\": 0.31,"
	"   \"psi\": 0.9, \"kl\": 0.4, \"chi2\": 912.5, \"chi2_p_value\": 1.2e-40,"
	"   \"bins\": 2001}},"
	"  {\"name\": \"oov_rate\", \"statistic_name\": \"abs_change\","
	"   \"statistic\": 0.0882, \"p_value\": 0.0, \"method\": \"effect\","
	"   \"threshold\": 0.05, \"drifted\": true, \"reference\": 0.0297,"
	"   \"current\": 0.1179},"
	"  {\"name\": \"length_tokens\", \"statistic_name\": \"wasserstein_normed\","
	"   \"statistic\": 0.52, \"p_value\": 3.1e-95, \"method\": \"effect\","
	"   \"threshold\": 0.1, \"drifted\": true, \"reference\": 358.7,"
	"   \"current\": 76.9},"
	"  {\"name\": \"empty_share\", \"statistic_name\": \"abs_change\","
	"   \"statistic\": 0.0, \"p_value\": null, \"method\": \"effect\","
	"   \"threshold\": 0.05, \"drifted\": false, \"reference\": 0.0,"
	"   \"current\": 0.0},"
	"  {\"name\": \"predicted_labels\", \"statistic_name\": \"psi\","
	"   \"statistic\": 0.42, \"p_value\": 7.8e-17, \"method\": \"effect\","
	"   \"threshold\": 0.1, \"drifted\": true, \"reference\": null,"
	"   \"current\": null},"
	"  {\"name\": \"confidence\", \"statistic_name\": \"wasserstein_normed\","
	"   \"statistic\": 0.04, \"p_value\": 0.2, \"method\": \"effect\","
	"   \"threshold\": 0.1, \"drifted\": false, \"reference\": 0.9897,"
	"   \"current\": 0.8394},"
	"  {\"name\": \"accuracy\", \"statistic_name\": \"drop\","
	"   \"statistic\": 0.01, \"p_value\": null, \"method\": \"effect\","
	"   \"threshold\": 0.05, \"drifted\": false,"
	"   \"reference\": {\"accuracy\": 0.97, \"macro_f1\": 0.96},"
	"   \"current\": {\"accuracy\": 0.96, \"macro_f1\": 0.95}}],"
	" \"domain\": {\"texts_per_side\": 2000, \"method\": \"threshold\","
	"  \"auc\": 0.8123, \"threshold\": 0.55, \"drifted\": true,"
	"  \"top_current\": [{\"ngram\": \"this package\", \"weight\": 6.36},"
	"   {\"ngram\": \"library\", \"weight\": 7.18}],"
	"  \"top_reference\": [{\"ngram\": \"unsubscribe\", \"weight\": 8.3}]},"
	" \"tokens\": {"
	"  \"grew\": [{\"token\": \"package\", \"reference\": 0.0002,"
	"   \"current\": 0.0099}, {\"token\": \"library\", \"reference\": 0,"
	"   \"current\": 0.0085}],"
	"  \"shrank\": [{\"token\": \"unsubscribe\", \"reference\": 0.004,"
	"   \"current\": 0.0001}]},"
	" \"counts\": {\"current_records\": 4000, \"reference_records\": 1710,"
	"  \"current_tokens\": 30759},"
	" \"histograms\": {"
	"  \"length_bins\": [0,1,3,7,15,31,63,127,255,511,1023,2047,4095,8191,"
	"   16383,32767,65535,131071,262143,524287],"
	"  \"reference_token_length\": [0,0,2,3,4,12,75,229,489,499,339,58,0,0,0,"
	"   0,0,0,0,0],"
	"  \"current_token_length\": [0,0,0,0,1,39,163,148,42,7,0,0,0,0,0,0,0,0,"
	"   0,0],"
	"  \"reference_char_length\": [0,0,0,0,0,0,1,3,20,100,300,500,400,300,60,"
	"   26,0,0,0,0],"
	"  \"current_char_length\": [0,0,0,0,0,0,0,11,110,181,86,12,0,0,0,0,0,0,"
	"   0,0],"
	"  \"labels\": {\"ham\": [1195.0, 3560], \"spam\": [515.0, 440]},"
	"  \"reference_confidence\": [0.51, 0.9, 0.97, 0.99, 0.999, 1.0],"
	"  \"current_confidence\": [0.0, 0.5, 0.52, 0.61, 0.74, 0.96, 1.0]},"
	" \"warnings\": [\"the model records no held-out accuracy to compare"
	" with\"]}";

/* The same without a model (nlpops drift --reference): no labels, no
   confidences, no oov or prediction signals. */
static const char ref_report[] =
	"{\"schema\": 1,"
	" \"verdict\": {\"drift\": false, \"drifted\": 1, \"signals\": 6,"
	"  \"share\": 0.166667, \"domain_drift\": false,"
	"  \"rule\": \"p-values (small sample)\"},"
	" \"signals\": [{\"name\": \"vocabulary\", \"statistic_name\": \"chi2\","
	"  \"statistic\": 12.5, \"p_value\": 0.03, \"method\": \"p-value\","
	"  \"threshold\": 0.05, \"drifted\": true, \"reference\": null,"
	"  \"current\": null}],"
	" \"domain\": {\"texts_per_side\": 400, \"method\": \"permutation\","
	"  \"permutations\": 20, \"auc\": 0.51, \"threshold\": 0.56,"
	"  \"drifted\": false, \"top_current\": [], \"top_reference\": []},"
	" \"tokens\": {\"grew\": [], \"shrank\": []},"
	" \"counts\": {\"current_records\": 400, \"reference_records\": 1800,"
	"  \"current_tokens\": 30759},"
	" \"histograms\": {"
	"  \"length_bins\": [0,1,3,7,15,31,63,127,255,511,1023,2047,4095,8191,"
	"   16383,32767,65535,131071,262143,524287],"
	"  \"reference_token_length\": [0,0,2,3,5,13,77,238,520,526,354,62,0,0,"
	"   0,0,0,0,0,0],"
	"  \"current_token_length\": [0,0,0,0,1,39,163,148,42,7,0,0,0,0,0,0,0,0,"
	"   0,0],"
	"  \"reference_char_length\": [0,0,0,0,0,0,0,0,10,100,300,500,400,300,"
	"   60,26,0,0,0,0],"
	"  \"current_char_length\": [0,0,0,0,0,0,0,11,110,181,86,12,0,0,0,0,0,0,"
	"   0,0]},"
	" \"warnings\": []}";

/* json text -> page (caller frees). */
static char *
page_of(const char *text, const char *title)
{
	json_error_t je;
	json_t *r = json_loads(text, 0, &je);
	char *html;

	cr_assert_not_null(r, "fixture JSON: %s (line %d)", je.text, je.line);
	html = nlp_drift_html(r, title);
	json_decref(r);
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
	char *html = page_of(full_report, "nightly check");
	const char *v, *len;
	char *sig;

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
	    "<td class=\"n\">3.10e-95</td><td class=\"n\">\xe2\x89\xa5 0.1</td>"),
	    "statistic, p-value and threshold of length_tokens");
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
	cr_assert(has(html, "<code>package</code></td><td class=\"n\">0.02%</td>"
	    "<td class=\"n\">0.99%</td><td class=\"n\">+0.97 pp</td>"));
	cr_assert(has(html, "<code>unsubscribe</code></td><td class=\"n\">0.40%"));
	cr_assert(has(html, "<code>this package</code></td><td class=\"n\">6.360"));
	cr_assert(has(html, "ROC AUC <b>0.812</b> against a threshold of 0.55"));
	cr_assert(has(html, "on 2,000 texts per side"));
	cr_assert(has(html, "<li>the model records no held-out accuracy"));
	free(html);
}

TEST(report_without_model)
{
	char *html = page_of(ref_report, NULL);

	check_page(html);
	cr_assert(has(html, "drift: no (1/6 signals; domain AUC 0.51)"));
	cr_assert(has(html, "<header class=\"banner no\""));
	cr_assert(has(html, "<title>nlpops drift report</title>"), "default title");
	cr_assert_eq(count(html, "<svg class=\"hist\""), 2, "lengths only");
	cr_assert(!has(html, "class=\"labels\""), "no label bars");
	cr_assert(!has(html, "confidence"), "no confidence chart");
	cr_assert(!has(html, "id=\"model\""), "no predictions section");
	cr_assert(!has(html, "id=\"warnings\""), "no warnings section");
	cr_assert(has(html, "95th percentile of 20 label-shuffled runs"));
	cr_assert(has(html, "<span class=\"badge no\">not drifted</span>"));
	cr_assert_eq(count(html, "<p class=\"none\">none</p>"), 2,
	    "empty token lists are said to be empty");
	cr_assert(!has(html, "class=\"ngrams\""));
	free(html);
}

TEST(hostile_strings_are_escaped)
{
	json_t *r = json_loads(full_report, 0, NULL), *tok, *x;
	char *html;

	cr_assert_not_null(r);
	tok = json_object_get(json_object_get(r, "tokens"), "grew");
	json_array_append_new(tok, json_pack("{s:s, s:f, s:f}", "token",
	    "<script>alert(1)</script>", "reference", 0.001, "current", 0.002));
	json_array_append_new(tok, json_pack("{s:s, s:f, s:f}", "token",
	    "\"&'", "reference", 0.001, "current", 0.002));
	json_array_append_new(json_object_get(json_object_get(r, "domain"),
	    "top_current"), json_pack("{s:s, s:f}", "ngram",
	    "<img src=x onerror=alert(1)>", "weight", 1.0));
	json_array_append_new(json_object_get(json_object_get(r, "domain"),
	    "top_reference"), json_pack("{s:s, s:f}", "ngram",
	    "a\"><svg onload=alert(1)>", "weight", 1.0));
	json_object_set_new(json_object_get(json_object_get(r, "histograms"),
	    "labels"), "<b>x</b>\"'&", json_pack("[i, i]", 5, 7));
	x = json_array_get(json_object_get(r, "signals"), 0);
	json_object_set_new(x, "name", json_string("vocab\"<u>"));
	json_object_set_new(x, "statistic_name", json_string("<i>chi2</i>"));
	json_object_set_new(json_object_get(r, "verdict"), "rule",
	    json_string("</p><script>x</script>"));
	json_array_append_new(json_object_get(r, "warnings"),
	    json_string("<!-- -->&amp;"));
	html = nlp_drift_html(r, "<script>alert('t')</script> & \"q\"");
	json_decref(r);
	cr_assert_not_null(html);
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
	cr_assert(has(html, "rule: &lt;/p&gt;&lt;script&gt;x&lt;/script&gt;"));
	cr_assert(has(html, "<li>&lt;!-- --&gt;&amp;amp;</li>"));
	cr_assert(has(html, "<title>&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;"
	    " &amp; &quot;q&quot;</title>"));
	cr_assert(has(html, "<h1>&lt;script&gt;alert(&#39;t&#39;)"));
	free(html);
}

TEST(bad_bytes_and_controls)
{
	json_t *r = json_loads(ref_report, 0, NULL), *grew;
	char *html, longtok[400];
	size_t i;

	cr_assert_not_null(r);
	grew = json_object_get(json_object_get(r, "tokens"), "grew");
	/* an embedded NUL and control characters; a very long token */
	json_array_append_new(grew, json_pack("{s:s%, s:f, s:f}", "token",
	    "a\0b\x01\x7f" "c", (size_t)6, "reference", 0.0, "current", 0.5));
	for (i = 0; i < 100; i++)
		memcpy(longtok + 3 * i, "\xc3\xa9x", 3);    /* "éx" */
	longtok[300] = '\0';
	json_array_append_new(grew, json_pack("{s:s, s:f, s:f}", "token", longtok,
	    "reference", 0.0, "current", 0.25));
	/* the title is the caller's bytes: not necessarily UTF-8 */
	html = nlp_drift_html(r,
	    "caf\xe9 \xff\xfe\x80 \xed\xa0\x80 \xf4\x90\x80\x80 ok");
	json_decref(r);
	cr_assert_not_null(html);
	check_page(html);
	cr_assert(has(html, "<code>a" R "b" R R "c</code>"),
	    "NUL and controls as U+FFFD");
	cr_assert(has(html, "<title>caf" R " " R R R " " R R R " " R R R R
	    " ok</title>"), "invalid UTF-8 (and surrogates, and beyond U+10FFFF) "
	    "byte by byte as U+FFFD");
	/* cut to 59 code points and an ellipsis, on a character boundary */
	cr_assert(has(html, "\xc3\xa9x\xc3\xa9\xe2\x80\xa6</code>"));
	cr_assert(!has(html, longtok));
	free(html);
}

TEST(empty_arrays)
{
	char *html = page_of("{\"verdict\": {\"drift\": false, \"drifted\": 0,"
	    " \"signals\": 0, \"share\": 0, \"rule\": \"p-values (small sample)\"},"
	    " \"signals\": [], \"tokens\": {\"grew\": [], \"shrank\": []},"
	    " \"domain\": {\"auc\": null, \"texts_per_side\": 3,"
	    "  \"skipped\": \"fewer than 20 texts on a side\"},"
	    " \"histograms\": {\"length_bins\": [], \"reference_token_length\": [],"
	    "  \"current_token_length\": [], \"reference_char_length\": [0, 0],"
	    "  \"current_char_length\": [0, 0], \"labels\": {},"
	    "  \"reference_confidence\": [], \"current_confidence\": []},"
	    " \"counts\": {}, \"warnings\": []}", "");

	check_page(html);
	cr_assert(has(html, "drift: no (0/0 signals; domain classifier not run)"));
	cr_assert(has(html, "<p class=\"none\">no signals</p>"));
	cr_assert_eq(count(html, "<p class=\"none\">no data</p>"), 2);
	cr_assert_eq(count(html, "<svg"), 0);
	cr_assert(!has(html, "id=\"model\""), "empty labels and confidences: no "
	    "predictions section");
	cr_assert(has(html, "Not run: fewer than 20 texts on a side."));
	cr_assert(has(html, "<title>nlpops drift report</title>"));
	free(html);
}

TEST(missing_everything)
{
	char *a = page_of("{}", "t"), *b = nlp_drift_html(NULL, NULL);
	char *c = page_of("{\"verdict\": 3, \"signals\": {}, \"histograms\": [],"
	    " \"tokens\": {\"grew\": [1, \"x\", {\"token\": 5}]},"
	    " \"domain\": {\"auc\": \"high\", \"top_current\": [{}]},"
	    " \"warnings\": [1, null]}", "t");

	cr_assert_not_null(b);
	check_page(a);
	check_page(b);
	check_page(c);
	cr_assert(has(a, "drift: unknown (domain classifier not run)"));
	cr_assert(has(a, "<header class=\"banner unknown\""));
	cr_assert(has(a, "rule: not recorded"));
	cr_assert(has(b, "drift: unknown"));
	cr_assert(has(c, "drift: unknown"));
	free(a);
	free(b);
	free(c);
}

TEST(skipped_domain_classifier)
{
	json_t *r = json_loads(ref_report, 0, NULL);
	char *html;

	cr_assert_not_null(r);
	json_object_set_new(r, "domain", json_pack("{s:n, s:i, s:s}", "auc",
	    "texts_per_side", 12, "skipped", "fewer than 20 texts on a side"));
	html = nlp_drift_html(r, NULL);
	json_decref(r);
	cr_assert_not_null(html);
	check_page(html);
	cr_assert(has(html, "drift: no (1/6 signals; domain classifier not run)"));
	cr_assert(!has(html, "class=\"auc\""));
	cr_assert(has(html, "Not run: fewer than 20 texts on a side."));
	free(html);
}

TEST(domain_auc_in_verdict_wins)
{
	/* drift.h documents verdict.domain_auc; drift.c writes domain.auc */
	char *html = page_of("{\"verdict\": {\"drift\": true, \"drifted\": 1,"
	    " \"signals\": 2, \"domain_auc\": 0.9}, \"domain\": {\"auc\": 0.7}}",
	    NULL);

	cr_assert(has(html, "drift: yes (1/2 signals; domain AUC 0.90)"));
	free(html);
}

TEST(many_labels_are_summed)
{
	json_t *r = json_loads(full_report, 0, NULL), *lb;
	char *html, name[16];
	int i;

	cr_assert_not_null(r);
	lb = json_object();
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof name, "class%02d", i);
		json_object_set_new(lb, name, json_pack("[i, i]", 100 - i, i + 1));
	}
	json_object_set_new(json_object_get(r, "histograms"), "labels", lb);
	html = nlp_drift_html(r, NULL);
	json_decref(r);
	cr_assert_not_null(html);
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
	json_t *r = json_loads(full_report, 0, NULL), *back;
	char *a, *b, *c, *dump;

	cr_assert_not_null(r);
	a = nlp_drift_html(r, "t");
	b = nlp_drift_html(r, "t");
	/* a report written with sorted keys and read back: the same page */
	dump = json_dumps(r, JSON_SORT_KEYS | JSON_COMPACT);
	back = json_loads(dump, 0, NULL);
	c = nlp_drift_html(back, "t");
	cr_assert(a && b && c);
	cr_assert_str_eq(a, b);
	cr_assert_str_eq(a, c);
	free(a);
	free(b);
	free(c);
	free(dump);
	json_decref(back);
	json_decref(r);
}

TEST(numbers_ignore_the_locale)
{
	static const char *const comma[] = { "de_DE.UTF-8", "de_DE.utf8",
	    "fr_FR.UTF-8", "fr_FR.utf8", "ru_RU.UTF-8", NULL };
	char *plain, *html, *old;
	size_t i;

	plain = page_of(full_report, NULL);
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
	html = page_of(full_report, NULL);
	setlocale(LC_NUMERIC, old);
	free(old);
	cr_assert_str_eq(html, plain, "the page depends on LC_NUMERIC");
	free(plain);
	free(html);
}
