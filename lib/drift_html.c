/*
 * drift_html.c - the drift report as one self-contained HTML page (see
 * drift_html.h and drift.h for the report).
 *
 * Everything is inline: CSS in a <style> element, charts as inline SVG
 * (rect bars, grid lines, axis labels, a legend; a <title> in each bin for
 * a hover tooltip).  No script, no external reference of any kind, and a
 * Content-Security-Policy that forbids both should one ever slip in.
 * Every string from the report or the caller (tokens, n-grams, labels,
 * signal names, warnings, the title) is escaped: & < > " ' as character
 * references, control characters and bytes that are not UTF-8 as U+FFFD.
 * Numbers are formatted in the "C" locale.  The same report gives the same
 * bytes: no clock, no addresses, labels in a fixed order.
 *
 * Missing keys are tolerated everywhere: a report without a model has no
 * label bars or confidences, a skipped domain classifier has auc null.
 */
#include "drift_html.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LENGTH_BINS_DEFAULT 20  /* drift.h's power-of-two length bins */
#define CONF_BINS 20            /* confidence histogram bins over [0, 1] */
#define MAX_LABEL_ROWS 25       /* label bars; the rest are summed */
#define LABEL_CHARS 18          /* code points of a label in a chart */
#define TOKEN_CHARS 60          /* code points of a token in a table */

/* Chart geometry, in viewBox units. */
#define HW 480                  /* histogram width */
#define HH 250                  /* histogram height */
#define HML 46                  /* margins: left (y labels) */
#define HMR 12                  /* right */
#define HMT 30                  /* top (legend) */
#define HMB 46                  /* bottom (x labels, axis title) */

#define U_FFFD "\xef\xbf\xbd"
#define U_ELLIPSIS "\xe2\x80\xa6"
#define U_DASH "\xe2\x80\x94"
#define U_NDASH "\xe2\x80\x93"
#define U_ARROW "\xe2\x86\x92"
#define U_GE "\xe2\x89\xa5"
#define U_MIDDOT "\xc2\xb7"

/* The growing page. */
struct out {
	char *p;
	size_t n, cap;
	int oom;
};

static void
put_n(struct out *o, const char *s, size_t n)
{
	if (o->oom)
		return;
	if (o->n + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 65536;
		char *p;

		while (cap < o->n + n + 1)
			cap *= 2;
		if ((p = realloc(o->p, cap)) == NULL) {
			o->oom = 1;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->n, s, n);
	o->n += n;
	o->p[o->n] = '\0';
}

static void
put(struct out *o, const char *s)
{
	put_n(o, s, strlen(s));
}

/* Formatted output; never given report text (that goes through esc). */
static void __attribute__((format(printf, 2, 3)))
putf(struct out *o, const char *fmt, ...)
{
	char tmp[256], *big;
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (k < 0) {
		o->oom = 1;
		return;
	}
	if ((size_t)k < sizeof tmp) {
		put_n(o, tmp, (size_t)k);
		return;
	}
	if ((big = malloc((size_t)k + 1)) == NULL) {
		o->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)k + 1, fmt, ap);
	va_end(ap);
	put_n(o, big, (size_t)k);
	free(big);
}

/* The length of the well-formed UTF-8 sequence at s (n > 0 bytes), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xc2)
		return 0;
	if (s[0] < 0xe0) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] < 0xf0) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] < 0xf5) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 ||
	    c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/*
 * s[0..len) as HTML text or a quoted attribute value: & < > " ' as
 * character references; control characters, NUL and bytes that are not
 * UTF-8 as U+FFFD.  With max > 0, text longer than max code points is cut
 * to max - 1 and an ellipsis.
 */
static void
esc_n(struct out *o, const char *s, size_t len, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, k, total = 0, count = 0;
	uint32_t cp = 0;

	if (s == NULL)
		return;
	if (max > 0) {
		for (i = 0; i < len; i += k, total++)
			if ((k = utf8_seq(u + i, len - i, &cp)) == 0)
				k = 1;
		max = total <= max ? 0 : max - 1;
	}
	for (i = 0; i < len; i += k) {
		if (max > 0 && count++ == max) {
			put(o, U_ELLIPSIS);
			break;
		}
		if ((k = utf8_seq(u + i, len - i, &cp)) == 0) {
			put(o, U_FFFD);
			k = 1;
			continue;
		}
		switch (cp) {
		case '&':
			put(o, "&amp;");
			break;
		case '<':
			put(o, "&lt;");
			break;
		case '>':
			put(o, "&gt;");
			break;
		case '"':
			put(o, "&quot;");
			break;
		case '\'':
			put(o, "&#39;");
			break;
		default:
			if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
			    (cp >= 0x7f && cp < 0xa0))
				put(o, U_FFFD);
			else
				put_n(o, s + i, k);
		}
	}
}

static void
esc(struct out *o, const char *s)
{
	if (s != NULL)
		esc_n(o, s, strlen(s), 0);
}

/* A JSON string, escaped (embedded NULs included); nothing otherwise. */
static void
esc_json(struct out *o, const json_t *x, size_t max)
{
	if (json_is_string(x))
		esc_n(o, json_string_value(x), json_string_length(x), max);
}

/* Accessors that tolerate anything: NAN or NULL when absent or mistyped. */
static double
num(const json_t *x)
{
	return json_is_number(x) ? json_number_value(x) : NAN;
}

static double
num_at(const json_t *o, const char *key)
{
	return num(json_object_get(o, key));
}

static const char *
str_at(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A statistic or p-value: 4 significant digits, exponent when tiny. */
static void
put_num(struct out *o, double v)
{
	double a = fabs(v);

	if (!isfinite(v))
		put(o, U_DASH);
	else if (v == 0)
		put(o, "0");
	else if (a >= 1e15)
		putf(o, "%.3e", v);
	else if (a >= 1000)
		putf(o, "%.0f", v);
	else if (a >= 1)
		putf(o, "%.4g", v);
	else if (a >= 1e-4)
		putf(o, "%.3g", v);
	else
		putf(o, "%.2e", v);
}

/* A count with thousands separators: 1,710. */
static void
put_count(struct out *o, double v)
{
	char d[32], g[48];
	size_t n, i, j = 0;

	if (!(v >= 0 && v < 1e18)) {
		put_num(o, v);
		return;
	}
	n = (size_t)snprintf(d, sizeof d, "%llu", (unsigned long long)llround(v));
	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			g[j++] = ',';
		g[j++] = d[i];
	}
	g[j] = '\0';
	put(o, g);
}

static void
put_pct(struct out *o, double share, int decimals)
{
	if (!isfinite(share))
		put(o, U_DASH);
	else
		putf(o, "%.*f%%", decimals, share * 100 + 0.0);
}

/* A signal's reference or current value: a number, an object of numbers
   (keys in byte order), or a dash. */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
put_value(struct out *o, const json_t *x)
{
	const char **keys;
	const char *k;
	json_t *v;
	size_t n = 0, i;

	if (json_is_number(x)) {
		put_num(o, json_number_value(x));
	} else if (json_is_string(x)) {
		esc_json(o, x, TOKEN_CHARS);
	} else if (json_is_boolean(x)) {
		put(o, json_is_true(x) ? "yes" : "no");
	} else if (json_is_object(x) && json_object_size(x) > 0) {
		if ((keys = malloc(json_object_size(x) * sizeof *keys)) == NULL) {
			o->oom = 1;
			return;
		}
		json_object_foreach((json_t *)x, k, v)
			keys[n++] = k;
		qsort(keys, n, sizeof *keys, cmp_str);
		for (i = 0; i < n; i++) {
			put(o, i ? ", " : "");
			esc(o, keys[i]);
			put(o, " ");
			put_num(o, num(json_object_get(x, keys[i])));
		}
		free(keys);
	} else {
		put(o, U_DASH);
	}
}

/* Gridline step so that [0, m] has at most 5 steps. */
static double
nice_step(double m)
{
	static const double steps[] = { 0.0001, 0.0002, 0.0005, 0.001, 0.002,
	    0.0025, 0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5, 1 };
	size_t i;

	for (i = 0; i < sizeof steps / sizeof *steps; i++)
		if (m / steps[i] <= 5 + 1e-9)
			return steps[i];
	return 1;
}

/* A percentage axis label: 10%, 2.5%. */
static void
put_tick_pct(struct out *o, double v)
{
	putf(o, "%.3g%%", v * 100 + 0.0);
}

/* The two-entry legend above a chart: reference and current, with n. */
static void
legend(struct out *o, double x, double y, const char *ref_name, double rn,
    const char *cur_name, double cn)
{
	if (ref_name != NULL) {
		putf(o, "<rect class=\"ref\" x=\"%.1f\" y=\"%.1f\" width=\"12\" "
		    "height=\"12\"/><text class=\"legend\" x=\"%.1f\" y=\"%.1f\">",
		    x, y - 10, x + 17, y);
		put(o, ref_name);
		if (isfinite(rn)) {
			put(o, " (n=");
			put_count(o, rn);
			put(o, ")");
		}
		put(o, "</text>");
		x += 215;
	}
	if (cur_name != NULL) {
		putf(o, "<rect class=\"cur\" x=\"%.1f\" y=\"%.1f\" width=\"12\" "
		    "height=\"12\"/><text class=\"legend\" x=\"%.1f\" y=\"%.1f\">",
		    x, y - 10, x + 17, y);
		put(o, cur_name);
		if (isfinite(cn)) {
			put(o, " (n=");
			put_count(o, cn);
			put(o, ")");
		}
		put(o, "</text>");
	}
	put(o, "\n");
}

/* An overlaid histogram of two series of counts, drawn as shares. */
struct hist {
	const char *caption;     /* fixed text */
	const char *xtitle;      /* x axis title, fixed text */
	const char *ref_name, *cur_name;
	size_t n;                /* bins */
	const double *ref, *cur; /* n counts each; NULL: series absent */
	char (*edge)[24];        /* n + 1 labels under bin edges ("": none) */
	char (*range)[64];       /* n descriptions of the bins, for tooltips */
};

static void
hist_svg(struct out *o, const struct hist *h)
{
	double rt = 0, ct = 0, m = 0, step, ymax, pw, ph, bw, x;
	size_t i, k, every;

	for (i = 0; i < h->n; i++) {
		rt += h->ref ? h->ref[i] : 0;
		ct += h->cur ? h->cur[i] : 0;
	}
	put(o, "<figure><figcaption>");
	put(o, h->caption);
	put(o, "</figcaption>\n");
	if (h->n == 0 || (rt <= 0 && ct <= 0)) {
		put(o, "<p class=\"none\">no data</p></figure>\n");
		return;
	}
	for (i = 0; i < h->n; i++) {
		if (rt > 0 && h->ref[i] / rt > m)
			m = h->ref[i] / rt;
		if (ct > 0 && h->cur[i] / ct > m)
			m = h->cur[i] / ct;
	}
	step = nice_step(m);
	ymax = ceil(m / step - 1e-9) * step;
	if (ymax <= 0)
		ymax = step;
	pw = HW - HML - HMR;
	ph = HH - HMT - HMB;
	bw = pw / (double)h->n;
	putf(o, "<svg class=\"hist\" viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-label=\"", HW, HH);
	put(o, h->caption);
	put(o, "\">\n");
	/* grid and y axis labels */
	for (k = 0; k * step <= ymax + 1e-9; k++) {
		double y = HMT + ph - (double)k * step / ymax * ph;
		putf(o, "<line class=\"grid\" x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" "
		    "y2=\"%.1f\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">",
		    HML, HML + pw, y, y, HML - 6, y + 4);
		put_tick_pct(o, (double)k * step);
		put(o, "</text>\n");
	}
	/* bars: reference, then current over it */
	for (k = 0; k < 2; k++) {
		const double *c = k == 0 ? h->ref : h->cur;
		double t = k == 0 ? rt : ct;
		if (t <= 0)
			continue;
		for (i = 0; i < h->n; i++) {
			double bh = c[i] / t / ymax * ph;
			if (c[i] <= 0)
				continue;
			x = HML + (double)i * bw;
			putf(o, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			    "height=\"%.1f\"/>\n", k == 0 ? "ref" : "cur", x + 1.5,
			    HMT + ph - bh, bw > 4 ? bw - 3 : bw, bh);
		}
	}
	/* a tooltip per bin, on a transparent rectangle over the bin */
	for (i = 0; i < h->n; i++) {
		putf(o, "<rect class=\"hit\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
		    "height=\"%.1f\"><title>", HML + (double)i * bw, HMT, bw, ph);
		put(o, h->range[i]);
		if (rt > 0) {
			put(o, ": reference ");
			put_pct(o, h->ref[i] / rt, 1);
		}
		if (ct > 0) {
			put(o, rt > 0 ? ", current " : ": current ");
			put_pct(o, h->cur[i] / ct, 1);
		}
		put(o, "</title></rect>\n");
	}
	/* x axis, edge labels, titles */
	putf(o, "<line class=\"axis\" x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" "
	    "y2=\"%.1f\"/>\n", HML, HML + pw, HMT + ph, HMT + ph);
	every = h->n > 14 ? 2 : 1;
	for (i = 0; i <= h->n; i++) {
		if (h->edge[i][0] == '\0' || i % every != 0)
			continue;
		x = HML + (double)i * bw;
		putf(o, "<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
		    "y2=\"%.1f\"/><text x=\"%.1f\" y=\"%.1f\" "
		    "text-anchor=\"middle\">%s</text>\n", x, x, HMT + ph,
		    HMT + ph + 4, x, HMT + ph + 16, h->edge[i]);
	}
	putf(o, "<text class=\"legend\" x=\"%.1f\" y=\"%d\" "
	    "text-anchor=\"middle\">", HML + pw / 2, HH - 8);
	put(o, h->xtitle);
	put(o, "</text>\n");
	legend(o, HML, 16, rt > 0 ? h->ref_name : NULL, rt, ct > 0 ?
	    h->cur_name : NULL, ct);
	put(o, "</svg></figure>\n");
}

/* Counts of a JSON array into v[0..n) (missing or non-numbers: 0). */
static void
counts_of(const json_t *a, double *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		double x = num(json_array_get(a, i));
		v[i] = isfinite(x) && x > 0 ? x : 0;
	}
}

/* 1024 -> "1k", 1048576 -> "1M", else decimal. */
static void
short_len(char *s, size_t n, unsigned long long v)
{
	if (v >= 1048576 && v % 1048576 == 0)
		snprintf(s, n, "%lluM", v / 1048576);
	else if (v >= 1024 && v % 1024 == 0)
		snprintf(s, n, "%lluk", v / 1024);
	else
		snprintf(s, n, "%llu", v);
}

/* One length histogram (tokens or characters per text). */
static void
length_hist(struct out *o, const json_t *hs, const char *caption,
    const char *refkey, const char *curkey, const char *unit,
    const char *unit1)
{
	const json_t *bins = json_object_get(hs, "length_bins");
	const json_t *ra = json_object_get(hs, refkey);
	const json_t *ca = json_object_get(hs, curkey);
	size_t n = json_array_size(ra) > json_array_size(ca) ?
	    json_array_size(ra) : json_array_size(ca);
	size_t i, first = n, last = 0, shown;
	double *r, *c;
	unsigned long long *hi;
	char (*edge)[24], (*range)[64], xtitle[64];
	struct hist h;

	r = calloc(n + 1, sizeof *r);
	c = calloc(n + 1, sizeof *c);
	hi = calloc(n + 1, sizeof *hi);
	edge = calloc(n + 2, sizeof *edge);
	range = calloc(n + 1, sizeof *range);
	if (!r || !c || !hi || !edge || !range) {
		o->oom = 1;
		goto out;
	}
	counts_of(ra, r, n);
	counts_of(ca, c, n);
	/* upper bounds: the report's, else 2^i - 1 */
	for (i = 0; i < n; i++) {
		double b = num(json_array_get(bins, i));
		if (isfinite(b) && b >= 0 && b < 1e18)
			hi[i] = (unsigned long long)b;
		else
			hi[i] = i == 0 ? 0 : i < 63 ? (1ULL << i) - 1 : ~0ULL;
		if (r[i] > 0 || c[i] > 0) {
			if (first == n)
				first = i;
			last = i;
		}
	}
	shown = first == n ? 0 : last - first + 1;
	/* the last bin holds every longer text too (profile.h) */
	for (i = 0; i < shown; i++) {
		size_t b = first + i;
		unsigned long long lo = b == 0 ? 0 : hi[b - 1] + 1;
		short_len(edge[i], sizeof edge[i], lo);
		if (b + 1 == n && b > 0)
			snprintf(range[i], sizeof range[i], U_GE " %llu %s", lo, unit);
		else if (lo >= hi[b])
			snprintf(range[i], sizeof range[i], "%llu %s", lo, lo == 1 ?
			    unit1 : unit);
		else
			snprintf(range[i], sizeof range[i], "%llu" U_NDASH "%llu %s",
			    lo, hi[b], unit);
	}
	if (shown > 0 && last + 1 < n)
		short_len(edge[shown], sizeof edge[shown], hi[last] + 1);
	snprintf(xtitle, sizeof xtitle, "%s per text (bins double in width)",
	    unit);
	memset(&h, 0, sizeof h);
	h.caption = caption;
	h.xtitle = xtitle;
	h.ref_name = "reference";
	h.cur_name = "current";
	h.n = shown;
	h.ref = r + (shown ? first : 0);
	h.cur = c + (shown ? first : 0);
	h.edge = edge;
	h.range = range;
	hist_svg(o, &h);
out:
	free(r);
	free(c);
	free(hi);
	free(edge);
	free(range);
}

/* Top-1 probabilities into CONF_BINS bins over [0, 1]. */
static double
conf_bins(const json_t *a, double *v)
{
	const json_t *x;
	double t = 0;
	size_t i;

	memset(v, 0, CONF_BINS * sizeof *v);
	json_array_foreach(a, i, x) {
		double p = num(x);
		int b;
		if (!isfinite(p))
			continue;
		b = p <= 0 ? 0 : p >= 1 ? CONF_BINS - 1 : (int)(p * CONF_BINS);
		if (b >= CONF_BINS)
			b = CONF_BINS - 1;
		v[b]++;
		t++;
	}
	return t;
}

static void
confidence_hist(struct out *o, const json_t *hs)
{
	double r[CONF_BINS], c[CONF_BINS];
	char edge[CONF_BINS + 1][24], range[CONF_BINS][64];
	struct hist h;
	size_t i;

	conf_bins(json_object_get(hs, "reference_confidence"), r);
	conf_bins(json_object_get(hs, "current_confidence"), c);
	for (i = 0; i <= CONF_BINS; i++) {
		if (i % 2 == 0)
			snprintf(edge[i], sizeof edge[i], "%g", (double)i / CONF_BINS);
		else
			edge[i][0] = '\0';
		if (i < CONF_BINS)
			snprintf(range[i], sizeof range[i], "%.2f" U_NDASH "%.2f",
			    (double)i / CONF_BINS, (double)(i + 1) / CONF_BINS);
	}
	memset(&h, 0, sizeof h);
	h.caption = "Top-1 confidence of the model";
	h.xtitle = "probability of the predicted label";
	h.ref_name = "reference (held out)";
	h.cur_name = "current";
	h.n = CONF_BINS;
	h.ref = r;
	h.cur = c;
	h.edge = edge;
	h.range = range;
	hist_svg(o, &h);
}

/* A label's two counts. */
struct lrow {
	const char *name;
	size_t len;
	double ref, cur;
	size_t others;           /* > 0: the row that sums the rest */
};

static int
cmp_lrow(const void *a, const void *b)
{
	const struct lrow *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c;

	if (x->ref != y->ref)
		return x->ref > y->ref ? -1 : 1;
	if (x->cur != y->cur)
		return x->cur > y->cur ? -1 : 1;
	if ((c = memcmp(x->name, y->name, n)) != 0)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

/* Horizontal bars: reference vs current share of each label. */
static void
label_bars(struct out *o, const json_t *labels)
{
	const int W = HW, L = 130, R = 52, RH = 30, T = 30;
	struct lrow *rows;
	const char *k;
	json_t *v;
	double rt = 0, ct = 0, m = 0, bw = W - L - R;
	size_t n = 0, i, shown;

	if ((rows = calloc(json_object_size(labels) + 1, sizeof *rows)) == NULL) {
		o->oom = 1;
		return;
	}
	json_object_foreach((json_t *)labels, k, v) {
		double a = num(json_array_get(v, 0)), b = num(json_array_get(v, 1));
		rows[n].name = k;
		rows[n].len = strlen(k);
		rows[n].ref = isfinite(a) && a > 0 ? a : 0;
		rows[n].cur = isfinite(b) && b > 0 ? b : 0;
		rt += rows[n].ref;
		ct += rows[n].cur;
		n++;
	}
	qsort(rows, n, sizeof *rows, cmp_lrow);
	if (n > MAX_LABEL_ROWS) {
		struct lrow *rest = &rows[MAX_LABEL_ROWS - 1];
		rest->others = n - (MAX_LABEL_ROWS - 1);
		for (i = MAX_LABEL_ROWS; i < n; i++) {
			rest->ref += rows[i].ref;
			rest->cur += rows[i].cur;
		}
		shown = MAX_LABEL_ROWS;
	} else {
		shown = n;
	}
	put(o, "<figure><figcaption>Labels: reference (training) "
	    "vs current (predicted)</figcaption>\n");
	if (shown == 0 || (rt <= 0 && ct <= 0)) {
		put(o, "<p class=\"none\">no labels</p></figure>\n");
		free(rows);
		return;
	}
	for (i = 0; i < shown; i++) {
		if (rt > 0 && rows[i].ref / rt > m)
			m = rows[i].ref / rt;
		if (ct > 0 && rows[i].cur / ct > m)
			m = rows[i].cur / ct;
	}
	if (m <= 0)
		m = 1;
	putf(o, "<svg class=\"labels\" viewBox=\"0 0 %d %zu\" role=\"img\" "
	    "aria-label=\"label shares\">\n", W, T + shown * RH + 6);
	legend(o, L, 16, rt > 0 ? "reference" : NULL, rt, ct > 0 ? "current" :
	    NULL, ct);
	for (i = 0; i < shown; i++) {
		double y = T + (double)i * RH;
		double rs = rt > 0 ? rows[i].ref / rt : 0;
		double cs = ct > 0 ? rows[i].cur / ct : 0;

		put(o, "<g><title>");
		if (rows[i].others > 0)
			putf(o, "%zu other labels", rows[i].others);
		else
			esc_n(o, rows[i].name, rows[i].len, 0);
		put(o, ": reference ");
		put_pct(o, rs, 1);
		put(o, " (");
		put_count(o, rows[i].ref);
		put(o, "), current ");
		put_pct(o, cs, 1);
		put(o, " (");
		put_count(o, rows[i].cur);
		putf(o, ")</title><text class=\"legend\" x=\"%d\" y=\"%.1f\" "
		    "text-anchor=\"end\">", L - 8, y + 16);
		if (rows[i].others > 0)
			putf(o, "(%zu other labels)", rows[i].others);
		else
			esc_n(o, rows[i].name, rows[i].len, LABEL_CHARS);
		put(o, "</text>");
		putf(o, "<rect class=\"ref\" x=\"%d\" y=\"%.1f\" width=\"%.1f\" "
		    "height=\"11\"/><text x=\"%.1f\" y=\"%.1f\">", L, y + 3,
		    rs / m * bw, L + rs / m * bw + 5, y + 12);
		put_pct(o, rs, 1);
		putf(o, "</text><rect class=\"cur\" x=\"%d\" y=\"%.1f\" "
		    "width=\"%.1f\" height=\"11\"/><text x=\"%.1f\" y=\"%.1f\">", L,
		    y + 15, cs / m * bw, L + cs / m * bw + 5, y + 24);
		put_pct(o, cs, 1);
		put(o, "</text></g>\n");
	}
	putf(o, "<line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%zu\"/>\n",
	    L, L, T, T + shown * RH);
	put(o, "</svg></figure>\n");
	free(rows);
}

/* The signal table. */
static void
signal_table(struct out *o, const json_t *sigs)
{
	const json_t *s;
	size_t i;

	if (json_array_size(sigs) == 0) {
		put(o, "<p class=\"none\">no signals</p>\n");
		return;
	}
	put(o, "<div class=\"scroll\"><table class=\"signals\"><thead><tr>"
	    "<th>signal</th><th>statistic</th><th class=\"n\">value</th>"
	    "<th class=\"n\">p-value</th><th class=\"n\">threshold</th>"
	    "<th>reference " U_ARROW " current</th><th>drifted</th></tr>"
	    "</thead><tbody>\n");
	json_array_foreach(sigs, i, s) {
		int d = json_is_true(json_object_get(s, "drifted"));
		const char *method = str_at(s, "method");

		put(o, d ? "<tr class=\"drifted\"><td>" : "<tr><td>");
		esc_json(o, json_object_get(s, "name"), TOKEN_CHARS);
		put(o, "</td><td>");
		esc_json(o, json_object_get(s, "statistic_name"), TOKEN_CHARS);
		put(o, "</td><td class=\"n\">");
		put_num(o, num_at(s, "statistic"));
		put(o, "</td><td class=\"n\">");
		put_num(o, num_at(s, "p_value"));
		put(o, "</td><td class=\"n\">");
		if (method != NULL && strcmp(method, "p-value") == 0)
			put(o, "p &lt; ");
		else if (method != NULL && strcmp(method, "effect") == 0)
			put(o, U_GE " ");
		put_num(o, num_at(s, "threshold"));
		put(o, "</td><td class=\"v\">");
		if (json_object_get(s, "reference") == NULL ||
		    json_is_null(json_object_get(s, "reference"))) {
			put(o, U_DASH);
		} else {
			put_value(o, json_object_get(s, "reference"));
			put(o, " " U_ARROW " ");
			put_value(o, json_object_get(s, "current"));
		}
		put(o, d ? "</td><td><span class=\"badge yes\">yes</span></td></tr>\n"
		    : "</td><td><span class=\"badge no\">no</span></td></tr>\n");
	}
	put(o, "</tbody></table></div>\n");
}

/* tokens.grew or tokens.shrank: token, shares, change, a bar. */
static void
token_table(struct out *o, const json_t *a, const char *caption, int up)
{
	const json_t *x;
	double m = 0;
	size_t i;

	put(o, "<div><h3>");
	put(o, caption);
	put(o, "</h3>\n");
	if (json_array_size(a) == 0) {
		put(o, "<p class=\"none\">none</p></div>\n");
		return;
	}
	json_array_foreach(a, i, x) {
		double d = fabs(num_at(x, "current") - num_at(x, "reference"));
		if (isfinite(d) && d > m)
			m = d;
	}
	put(o, "<table class=\"tokens\"><thead><tr><th>token</th>"
	    "<th class=\"n\">reference</th><th class=\"n\">current</th>"
	    "<th class=\"n\">change</th><th></th></tr></thead><tbody>\n");
	json_array_foreach(a, i, x) {
		double r = num_at(x, "reference"), c = num_at(x, "current");
		double d = c - r;

		put(o, "<tr><td><code>");
		esc_json(o, json_object_get(x, "token"), TOKEN_CHARS);
		put(o, "</code></td><td class=\"n\">");
		put_pct(o, r, 2);
		put(o, "</td><td class=\"n\">");
		put_pct(o, c, 2);
		put(o, "</td><td class=\"n\">");
		if (isfinite(d))
			putf(o, "%+.2f pp", d * 100 + 0.0);
		else
			put(o, U_DASH);
		putf(o, "</td><td class=\"barcell\"><span class=\"bar %s\" "
		    "style=\"width:%.1f%%\"></span></td></tr>\n", up ? "up" : "down",
		    isfinite(d) && m > 0 ? fabs(d) / m * 100 : 0.0);
	}
	put(o, "</tbody></table></div>\n");
}

/* domain.top_current or top_reference: n-gram and weight. */
static void
ngram_table(struct out *o, const json_t *a, const char *caption, int up)
{
	const json_t *x;
	double m = 0;
	size_t i;

	put(o, "<div><h3>");
	put(o, caption);
	put(o, "</h3>\n");
	if (json_array_size(a) == 0) {
		put(o, "<p class=\"none\">none</p></div>\n");
		return;
	}
	json_array_foreach(a, i, x) {
		double w = fabs(num_at(x, "weight"));
		if (isfinite(w) && w > m)
			m = w;
	}
	put(o, "<table class=\"ngrams\"><thead><tr><th>n-gram</th>"
	    "<th class=\"n\">weight</th><th></th></tr></thead><tbody>\n");
	json_array_foreach(a, i, x) {
		double w = num_at(x, "weight");

		put(o, "<tr><td><code>");
		esc_json(o, json_object_get(x, "ngram"), TOKEN_CHARS);
		put(o, "</code></td><td class=\"n\">");
		if (isfinite(w))
			putf(o, "%.3f", w);
		else
			put(o, U_DASH);
		putf(o, "</td><td class=\"barcell\"><span class=\"bar %s\" "
		    "style=\"width:%.1f%%\"></span></td></tr>\n", up ? "up" : "down",
		    isfinite(w) && m > 0 ? fabs(w) / m * 100 : 0.0);
	}
	put(o, "</tbody></table></div>\n");
}

/* Text anchor for a label at v on the AUC scale: kept inside the chart. */
static const char *
auc_anchor(double v)
{
	return v > 0.9 ? "end" : v < 0.6 ? "start" : "middle";
}

/*
 * The domain classifier's AUC on a 0.5-1 scale: green up to the threshold,
 * red beyond it; the AUC as a dot labelled above, the threshold as a
 * dashed line labelled below the tick labels.
 */
static void
auc_scale(struct out *o, double auc, double thr)
{
	const double x0 = 20, x1 = 460;
	int k;

#define AUC_X(v) (x0 + ((v) < 0.5 ? 0 : (v) > 1 ? 1 : ((v) - 0.5) * 2) * \
	(x1 - x0))
	put(o, "<svg class=\"auc\" viewBox=\"0 0 480 76\" role=\"img\" "
	    "aria-label=\"domain classifier ROC AUC\">\n");
	if (isfinite(thr))
		putf(o, "<rect class=\"ok\" x=\"%.1f\" y=\"24\" width=\"%.1f\" "
		    "height=\"12\"/><rect class=\"bad\" x=\"%.1f\" y=\"24\" "
		    "width=\"%.1f\" height=\"12\"/>\n", x0, AUC_X(thr) - x0,
		    AUC_X(thr), x1 - AUC_X(thr));
	else
		putf(o, "<rect class=\"track\" x=\"%.1f\" y=\"24\" width=\"%.1f\" "
		    "height=\"12\"/>\n", x0, x1 - x0);
	for (k = 5; k <= 10; k++)
		putf(o, "<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"36\" "
		    "y2=\"41\"/><text x=\"%.1f\" y=\"52\" text-anchor=\"middle\">"
		    "%.1f</text>\n", AUC_X(k / 10.0), AUC_X(k / 10.0),
		    AUC_X(k / 10.0), k / 10.0);
	if (isfinite(thr)) {
		putf(o, "<line class=\"thr\" x1=\"%.1f\" x2=\"%.1f\" y1=\"19\" "
		    "y2=\"41\"/><line class=\"thr\" x1=\"%.1f\" x2=\"%.1f\" "
		    "y1=\"56\" y2=\"61\"/><text x=\"%.1f\" y=\"72\" "
		    "text-anchor=\"%s\">threshold ", AUC_X(thr), AUC_X(thr),
		    AUC_X(thr), AUC_X(thr), AUC_X(thr), auc_anchor(thr));
		put_num(o, thr);
		put(o, "</text>\n");
	}
	if (isfinite(auc))
		putf(o, "<circle class=\"mark\" cx=\"%.1f\" cy=\"30\" r=\"7\"/>"
		    "<text class=\"legend\" x=\"%.1f\" y=\"14\" "
		    "text-anchor=\"%s\">AUC %.3f</text>\n", AUC_X(auc), AUC_X(auc),
		    auc_anchor(auc), auc);
#undef AUC_X
	put(o, "</svg>\n");
}

static void
domain_section(struct out *o, const json_t *dom)
{
	double auc = num_at(dom, "auc"), thr = num_at(dom, "threshold");
	double per = num_at(dom, "texts_per_side"), perm = num_at(dom,
	    "permutations");
	const char *method = str_at(dom, "method");
	const json_t *d = json_object_get(dom, "drifted");

	put(o, "<section id=\"domain\"><h2>Domain classifier</h2>\n<p>");
	if (isfinite(auc)) {
		putf(o, "A classifier trained to tell current texts from reference "
		    "texts reaches ROC AUC <b>%.3f</b>", auc);
		if (isfinite(thr)) {
			put(o, " against a threshold of ");
			put_num(o, thr);
		}
		if (method != NULL && strcmp(method, "permutation") == 0) {
			put(o, " (95th percentile of ");
			if (isfinite(perm))
				put_count(o, perm);
			put(o, " label-shuffled runs)");
		}
		if (isfinite(per)) {
			put(o, ", on ");
			put_count(o, per);
			put(o, " texts per side");
		}
		put(o, ": 0.5 means it cannot tell them apart.");
		if (json_is_boolean(d))
			put(o, json_is_true(d) ? " <span class=\"badge yes\">drifted"
			    "</span>" : " <span class=\"badge no\">not drifted</span>");
	} else {
		put(o, "<span class=\"none\">Not run");
		if (str_at(dom, "skipped") != NULL) {
			put(o, ": ");
			esc(o, str_at(dom, "skipped"));
		}
		put(o, ".</span>");
	}
	put(o, "</p>\n");
	if (isfinite(auc))
		auc_scale(o, auc, thr);
	if (json_array_size(json_object_get(dom, "top_current")) > 0 ||
	    json_array_size(json_object_get(dom, "top_reference")) > 0) {
		put(o, "<p class=\"note\">The n-grams whose weights pull the "
		    "classifier most towards one side.</p>\n<div class=\"cols\">\n");
		ngram_table(o, json_object_get(dom, "top_current"),
		    "N-grams typical of the current text", 1);
		ngram_table(o, json_object_get(dom, "top_reference"),
		    "N-grams typical of the reference text", 0);
		put(o, "</div>\n");
	}
	put(o, "</section>\n");
}

static const char css[] =
	":root{color-scheme:light}\n"
	"body{font:15px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,"
	"\"DejaVu Sans\",sans-serif;color:#222;background:#f7f7f8;margin:0}\n"
	"main{max-width:1080px;margin:0 auto;padding:0 20px 40px}\n"
	".banner{padding:16px 24px;border-left:10px solid}\n"
	".banner.yes{background:#fdecea;border-color:#c62828;color:#8e1c1c}\n"
	".banner.no{background:#e8f5e9;border-color:#2e7d32;color:#1b5e20}\n"
	".banner.unknown{background:#eceff1;border-color:#607d8b;"
	"color:#37474f}\n"
	".verdict{font-size:28px;font-weight:700;margin:0}\n"
	".rule{font-size:14px;margin:4px 0 0}\n"
	"h1{font-size:20px;margin:18px 0 2px;word-break:break-word}\n"
	"h2{font-size:18px;margin:30px 0 10px;padding-bottom:4px;"
	"border-bottom:1px solid #ddd}\n"
	"h3{font-size:15px;margin:12px 0 6px}\n"
	".meta{color:#555;margin:0}\n"
	".note{color:#555;font-size:13px;margin:0 0 8px}\n"
	"table{border-collapse:collapse;background:#fff;font-size:14px;"
	"border:1px solid #e3e3e3}\n"
	"th,td{padding:4px 10px;border-bottom:1px solid #ececec;text-align:left;"
	"vertical-align:middle}\n"
	"th{background:#f0f0f2;font-weight:600}\n"
	"th.n,td.n{text-align:right;font-variant-numeric:tabular-nums;"
	"white-space:nowrap}\n"
	"td.v{white-space:nowrap}\n"
	".scroll{overflow-x:auto}\n"
	"tr.drifted td{background:#fff5f4}\n"
	".badge{display:inline-block;padding:0 8px;border-radius:9px;"
	"font-size:12px;font-weight:600;line-height:18px}\n"
	".badge.yes{background:#c62828;color:#fff}\n"
	".badge.no{background:#e3e3e3;color:#333}\n"
	".charts{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}\n"
	"figure{flex:1 1 440px;margin:0;background:#fff;border:1px solid #e3e3e3;"
	"padding:10px 12px}\n"
	".charts>figure{max-width:calc(50% - 8px)}\n"
"@media (max-width:940px){.charts>figure{max-width:none}}\n"
	"figcaption{font-weight:600;font-size:14px;margin:0 0 4px}\n"
	"svg{display:block;width:100%;height:auto}\n"
	"svg.auc{max-width:640px}\n"
	"svg text{font-size:11px;fill:#444}\n"
	"svg text.legend{font-size:12px;fill:#222}\n"
	"svg .grid{stroke:#e6e6e6;stroke-width:1}\n"
	"svg .axis{stroke:#888;stroke-width:1}\n"
	"svg .ref{fill:#4c78a8;fill-opacity:.55;stroke:#4c78a8;stroke-width:1}\n"
	"svg .cur{fill:#f58518;fill-opacity:.55;stroke:#f58518;stroke-width:1}\n"
	"svg .hit{fill:transparent}\n"
	"svg .hit:hover{fill:#000;fill-opacity:.05}\n"
	"svg .ok{fill:#c8e6c9}svg .bad{fill:#ffcdd2}svg .track{fill:#e0e0e0}\n"
	"svg .thr{stroke:#333;stroke-width:1.5;stroke-dasharray:3 2}\n"
	"svg .mark{fill:#222;stroke:#fff;stroke-width:2}\n"
	".cols{display:flex;flex-wrap:wrap;gap:8px 28px}\n"
	".cols>div{flex:1 1 440px}\n"
	".cols table{width:100%}\n"
	"td.barcell{width:30%}\n"
	".bar{display:inline-block;height:10px;border-radius:2px;"
	"vertical-align:middle}\n"
	".bar.up{background:#f58518}.bar.down{background:#4c78a8}\n"
	"code{font:13px ui-monospace,\"DejaVu Sans Mono\",monospace;"
	"background:#f1f1f3;padding:0 4px;border-radius:3px;"
	"word-break:break-all}\n"
	"ul.warnings{padding:0}\n"
	"ul.warnings li{list-style:none;background:#fff8e1;border-left:4px solid "
	"#f9a825;padding:6px 10px;margin:4px 0}\n"
	".none{color:#777;font-style:italic}\n"
	"footer{color:#888;font-size:12px;margin-top:36px}\n";

/* The banner: the verdict line and the rule. */
static void
banner(struct out *o, const json_t *rep)
{
	const json_t *v = json_object_get(rep, "verdict");
	const json_t *dom = json_object_get(rep, "domain");
	const json_t *drift = json_object_get(v, "drift");
	double drifted = num_at(v, "drifted"), nsig = num_at(v, "signals");
	double share = num_at(v, "share"), auc = num_at(v, "domain_auc");
	const char *cls = !json_is_boolean(drift) ? "unknown" :
	    json_is_true(drift) ? "yes" : "no";

	if (!isfinite(auc))
		auc = num_at(dom, "auc");
	putf(o, "<header class=\"banner %s\" id=\"verdict\">\n"
	    "<p class=\"verdict\">drift: %s", cls, cls);
	if (isfinite(drifted) && isfinite(nsig)) {
		put(o, " (");
		put_count(o, drifted);
		put(o, "/");
		put_count(o, nsig);
		put(o, " signals; ");
	} else {
		put(o, " (");
	}
	if (isfinite(auc))
		putf(o, "domain AUC %.2f)", auc);
	else
		put(o, "domain classifier not run)");
	put(o, "</p>\n<p class=\"rule\">rule: ");
	if (str_at(v, "rule") != NULL)
		esc(o, str_at(v, "rule"));
	else
		put(o, "not recorded");
	if (isfinite(share)) {
		put(o, " " U_MIDDOT " share of drifted signals ");
		put_pct(o, share, 0);
	}
	if (json_is_boolean(json_object_get(v, "domain_drift")))
		put(o, json_is_true(json_object_get(v, "domain_drift")) ?
		    " " U_MIDDOT " the domain classifier tells the texts apart" :
		    " " U_MIDDOT " the domain classifier cannot tell the texts apart");
	put(o, "</p>\n</header>\n");
}

static void
page(struct out *o, const json_t *rep, const char *title)
{
	const json_t *hs = json_object_get(rep, "histograms");
	const json_t *counts = json_object_get(rep, "counts");
	const json_t *tok = json_object_get(rep, "tokens");
	const json_t *warn = json_object_get(rep, "warnings"), *x;
	double rr = num_at(counts, "reference_records");
	double cr = num_at(counts, "current_records");
	double ctok = num_at(counts, "current_tokens");
	const char *sep = "";
	size_t i;

	if (title == NULL || title[0] == '\0')
		title = "nlpops drift report";
	put(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
	    "'none'; style-src 'unsafe-inline'\">\n"
	    "<meta name=\"generator\" content=\"nlpops drift\">\n<title>");
	esc(o, title);
	put(o, "</title>\n<style>\n");
	put(o, css);
	put(o, "</style>\n</head>\n<body>\n");
	banner(o, rep);
	put(o, "<main>\n<h1>");
	esc(o, title);
	put(o, "</h1>\n<p class=\"meta\">");
	if (isfinite(rr)) {
		put(o, "reference: ");
		put_count(o, rr);
		put(o, " texts");
		sep = " " U_MIDDOT " ";
	}
	if (isfinite(cr)) {
		put(o, sep);
		put(o, "current: ");
		put_count(o, cr);
		put(o, " texts");
		if (isfinite(ctok)) {
			put(o, ", ");
			put_count(o, ctok);
			put(o, " tokens");
		}
	}
	put(o, "</p>\n");

	if (json_array_size(warn) > 0) {
		put(o, "<section id=\"warnings\"><h2>Warnings</h2>\n"
		    "<ul class=\"warnings\">\n");
		json_array_foreach(warn, i, x) {
			put(o, "<li>");
			esc_json(o, x, 0);
			put(o, "</li>\n");
		}
		put(o, "</ul></section>\n");
	}

	put(o, "<section id=\"signals\"><h2>Signals</h2>\n<p class=\"note\">"
	    "A signal tested by p-value drifts when p is below its threshold; "
	    "one judged by effect size, when its statistic reaches the "
	    "threshold.</p>\n");
	signal_table(o, json_object_get(rep, "signals"));
	put(o, "</section>\n");

	put(o, "<section id=\"lengths\"><h2>Text length</h2>\n"
	    "<div class=\"charts\">\n");
	length_hist(o, hs, "Tokens per text", "reference_token_length",
	    "current_token_length", "tokens", "token");
	length_hist(o, hs, "Characters per text", "reference_char_length",
	    "current_char_length", "characters", "character");
	put(o, "</div></section>\n");

	if (json_object_size(json_object_get(hs, "labels")) > 0 ||
	    json_array_size(json_object_get(hs, "reference_confidence")) > 0 ||
	    json_array_size(json_object_get(hs, "current_confidence")) > 0) {
		put(o, "<section id=\"model\"><h2>Predictions</h2>\n"
		    "<div class=\"charts\">\n");
		if (json_object_size(json_object_get(hs, "labels")) > 0)
			label_bars(o, json_object_get(hs, "labels"));
		if (json_array_size(json_object_get(hs, "reference_confidence")) >
		    0 || json_array_size(json_object_get(hs,
		    "current_confidence")) > 0)
			confidence_hist(o, hs);
		put(o, "</div></section>\n");
	}

	put(o, "<section id=\"tokens\"><h2>Tokens whose share changed most</h2>\n"
	    "<p class=\"note\">Share of all tokens on each side; the change in "
	    "percentage points.</p>\n<div class=\"cols\">\n");
	token_table(o, json_object_get(tok, "grew"), "Grew", 1);
	token_table(o, json_object_get(tok, "shrank"), "Shrank", 0);
	put(o, "</div></section>\n");

	domain_section(o, json_object_get(rep, "domain"));

	put(o, "<footer>nlpops drift ");
	if (isfinite(num_at(rep, "schema")))
		putf(o, U_MIDDOT " report schema %.0f ", num_at(rep, "schema"));
	put(o, U_MIDDOT " shares, not counts, are drawn: the two sides differ in "
	    "size " U_MIDDOT " self-contained: no script, no network</footer>\n"
	    "</main>\n</body>\n</html>\n");
}

char *
nlp_drift_html(const json_t *report, const char *title)
{
	locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	locale_t old;
	struct out o;

	/* "C" is always there: newlocale() fails only when out of memory, and
	   a page in the caller's locale instead would be another page */
	if (c == (locale_t)0)
		return NULL;
	memset(&o, 0, sizeof o);
	old = uselocale(c);
	page(&o, report, title);
	uselocale(old);
	freelocale(c);
	if (o.oom || o.p == NULL) {
		free(o.p);
		return NULL;
	}
	return o.p;
}
