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
 * A report without a model has no label bars or confidences; a domain
 * classifier that did not run, no AUC.
 */
#include "drift_html.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drift_render.h"
#include "text.h"

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

/* An escaped character: & < > " ' as references, control characters but
   tab and line ends as U+FFFD. */
static void
esc_char(struct out *o, const char *s, size_t k, uint32_t cp)
{
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
		if (nlp_is_control(cp) && cp != '\t' && cp != '\n' && cp != '\r')
			put(o, U_FFFD);
		else
			put_n(o, s, k);
	}
}

/*
 * s[0..len) as HTML text or a quoted attribute value: see esc_char();
 * bytes that are not UTF-8 as U+FFFD.  With max > 0, text longer than max
 * code points is cut to max - 1 and an ellipsis.
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
			if ((k = nlp_utf8_char(u + i, len - i, &cp)) == 0)
				k = 1;
		max = total <= max ? 0 : max - 1;
	}
	for (i = 0; i < len; i += k) {
		if (max > 0 && count++ == max) {
			put(o, U_ELLIPSIS);
			break;
		}
		if ((k = nlp_utf8_char(u + i, len - i, &cp)) == 0) {
			put(o, U_FFFD);
			k = 1;
			continue;
		}
		esc_char(o, s + i, k, cp);
	}
}

static void
esc(struct out *o, const char *s)
{
	if (s != NULL)
		esc_n(o, s, strlen(s), 0);
}

/* A string of the report, cut to max code points (0: not cut). */
static void
esc_cut(struct out *o, const char *s, size_t max)
{
	if (s != NULL)
		esc_n(o, s, strlen(s), max);
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

/* A signal's value of one side (cur: the current one): a number,
   accuracy and macro F1, or a dash. */
static void
put_value(struct out *o, const struct nlp_drift_signal *s, int cur)
{
	if (s->value == NLP_DRIFT_VALUE_NUMBER) {
		put_num(o, cur ? s->current : s->reference);
	} else if (s->value == NLP_DRIFT_VALUE_SCORES) {
		put(o, "accuracy ");
		put_num(o, cur ? s->current : s->reference);
		put(o, ", macro_f1 ");
		put_num(o, cur ? s->current_f1 : s->reference_f1);
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

/* The grid with the y axis labels, the bars (reference, then current over
   it), and a tooltip per bin on a transparent rectangle over it. */
static void
hist_bars(struct out *o, const struct hist *h, double rt, double ct,
    double step, double ymax)
{
	double pw = HW - HML - HMR, ph = HH - HMT - HMB;
	double bw = pw / (double)h->n, x;
	size_t i, k;

	for (k = 0; k * step <= ymax + 1e-9; k++) {
		double y = HMT + ph - (double)k * step / ymax * ph;
		putf(o, "<line class=\"grid\" x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" "
		    "y2=\"%.1f\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">",
		    HML, HML + pw, y, y, HML - 6, y + 4);
		put_tick_pct(o, (double)k * step);
		put(o, "</text>\n");
	}
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
}

/* The x axis, its edge labels and title, the legend. */
static void
hist_axis(struct out *o, const struct hist *h, double rt, double ct)
{
	double pw = HW - HML - HMR, ph = HH - HMT - HMB;
	double bw = pw / (double)h->n, x;
	size_t i, every = h->n > 14 ? 2 : 1;

	putf(o, "<line class=\"axis\" x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" "
	    "y2=\"%.1f\"/>\n", HML, HML + pw, HMT + ph, HMT + ph);
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
}

static void
hist_svg(struct out *o, const struct hist *h)
{
	double rt = 0, ct = 0, m = 0, step, ymax;
	size_t i;

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
	putf(o, "<svg class=\"hist\" viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-label=\"", HW, HH);
	put(o, h->caption);
	put(o, "\">\n");
	hist_bars(o, h, rt, ct, step, ymax);
	hist_axis(o, h, rt, ct);
	put(o, "</svg></figure>\n");
}

/* Counts as doubles. */
static void
counts_of(const uint64_t *a, double *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = (double)a[i];
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


/* The bins of a length histogram from first to last (non-empty ones): the
   labels under their edges and their descriptions. */
static void
length_labels(struct hist *h, const unsigned long long *hi, size_t n,
    size_t first, size_t last, const char *unit, const char *unit1)
{
	size_t i;

	/* the last bin holds every longer text too (profile.h) */
	for (i = 0; i < h->n; i++) {
		size_t b = first + i;
		unsigned long long lo = b == 0 ? 0 : hi[b - 1] + 1;
		short_len(h->edge[i], sizeof h->edge[i], lo);
		if (b + 1 == n && b > 0)
			snprintf(h->range[i], sizeof h->range[i], U_GE " %llu %s",
			    lo, unit);
		else if (lo >= hi[b])
			snprintf(h->range[i], sizeof h->range[i], "%llu %s", lo,
			    lo == 1 ? unit1 : unit);
		else
			snprintf(h->range[i], sizeof h->range[i], "%llu" U_NDASH
			    "%llu %s", lo, hi[b], unit);
	}
	if (h->n > 0 && last + 1 < n)
		short_len(h->edge[h->n], sizeof h->edge[h->n], hi[last] + 1);
}

/* One length histogram (tokens or characters per text), drawn from the
   first non-empty bin to the last. */
static void
length_hist(struct out *o, const uint64_t *bins, const uint64_t *ra,
    const uint64_t *ca, const char *caption, const char *unit,
    const char *unit1)
{
	const size_t n = NLP_PROFILE_BINS;
	double r[NLP_PROFILE_BINS], c[NLP_PROFILE_BINS];
	unsigned long long hi[NLP_PROFILE_BINS];
	char edge[NLP_PROFILE_BINS + 1][24], range[NLP_PROFILE_BINS][64];
	char xtitle[64];
	size_t i, first = n, last = 0;
	struct hist h;

	memset(edge, 0, sizeof edge);
	memset(range, 0, sizeof range);
	counts_of(ra, r, n);
	counts_of(ca, c, n);
	for (i = 0; i < n; i++) {
		hi[i] = bins[i];
		if (r[i] > 0 || c[i] > 0) {
			if (first == n)
				first = i;
			last = i;
		}
	}
	snprintf(xtitle, sizeof xtitle, "%s per text (bins double in width)",
	    unit);
	memset(&h, 0, sizeof h);
	h.caption = caption;
	h.xtitle = xtitle;
	h.ref_name = "reference";
	h.cur_name = "current";
	h.n = first == n ? 0 : last - first + 1;
	h.ref = r + (h.n ? first : 0);
	h.cur = c + (h.n ? first : 0);
	h.edge = edge;
	h.range = range;
	length_labels(&h, hi, n, first, last, unit, unit1);
	hist_svg(o, &h);
}

/* Top-1 probabilities into CONF_BINS bins over [0, 1]. */
static void
conf_bins(const double *p, size_t n, double *v)
{
	size_t i;
	int b;

	memset(v, 0, CONF_BINS * sizeof *v);
	for (i = 0; i < n; i++) {
		if (!isfinite(p[i]))
			continue;
		b = p[i] <= 0 ? 0 : p[i] >= 1 ? CONF_BINS - 1 :
		    (int)(p[i] * CONF_BINS);
		if (b >= CONF_BINS)
			b = CONF_BINS - 1;
		v[b]++;
	}
}

static void
confidence_hist(struct out *o, const struct nlp_drift_histograms *hs)
{
	double r[CONF_BINS], c[CONF_BINS];
	char edge[CONF_BINS + 1][24], range[CONF_BINS][64];
	struct hist h;
	size_t i;

	conf_bins(hs->reference_confidence, hs->nreference_confidence, r);
	conf_bins(hs->current_confidence, hs->ncurrent_confidence, c);
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

/* The rows of the label chart, the larger reference share first, the
   rest beyond MAX_LABEL_ROWS - 1 summed in the last: their number, or
   -1 when out of memory.  *rt and *ct are the totals of each side. */
static long
label_rows(const struct nlp_drift_histograms *hs, struct lrow **rows,
    double *rt, double *ct)
{
	struct lrow *v, *rest;
	size_t n = hs->nlabels, i;

	*rt = *ct = 0;
	if ((*rows = v = calloc(n + 1, sizeof *v)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		double a = hs->label_reference[i];
		v[i].name = hs->labels[i];
		v[i].len = strlen(hs->labels[i]);
		v[i].ref = isfinite(a) && a > 0 ? a : 0;
		v[i].cur = (double)hs->label_current[i];
		*rt += v[i].ref;
		*ct += v[i].cur;
	}
	qsort(v, n, sizeof *v, cmp_lrow);
	if (n <= MAX_LABEL_ROWS)
		return (long)n;
	rest = &v[MAX_LABEL_ROWS - 1];
	rest->others = n - (MAX_LABEL_ROWS - 1);
	for (i = MAX_LABEL_ROWS; i < n; i++) {
		rest->ref += v[i].ref;
		rest->cur += v[i].cur;
	}
	return MAX_LABEL_ROWS;
}

/* Label chart geometry: left margin (labels), right margin, row height,
   top (legend), and the width the bars share. */
#define LL 130
#define LR 52
#define LRH 30
#define LT 30
#define LBW (HW - LL - LR)

/* One label's row: its name, a bar for each side's share (m the largest
   share), tooltip with the counts. */
static void
label_row(struct out *o, const struct lrow *row, size_t i, double rt,
    double ct, double m)
{
	double y = LT + (double)i * LRH;
	double rs = rt > 0 ? row->ref / rt : 0, cs = ct > 0 ? row->cur / ct : 0;

	put(o, "<g><title>");
	if (row->others > 0)
		putf(o, "%zu other labels", row->others);
	else
		esc_n(o, row->name, row->len, 0);
	put(o, ": reference ");
	put_pct(o, rs, 1);
	put(o, " (");
	put_count(o, row->ref);
	put(o, "), current ");
	put_pct(o, cs, 1);
	put(o, " (");
	put_count(o, row->cur);
	putf(o, ")</title><text class=\"legend\" x=\"%d\" y=\"%.1f\" "
	    "text-anchor=\"end\">", LL - 8, y + 16);
	if (row->others > 0)
		putf(o, "(%zu other labels)", row->others);
	else
		esc_n(o, row->name, row->len, LABEL_CHARS);
	put(o, "</text>");
	putf(o, "<rect class=\"ref\" x=\"%d\" y=\"%.1f\" width=\"%.1f\" "
	    "height=\"11\"/><text x=\"%.1f\" y=\"%.1f\">", LL, y + 3,
	    rs / m * LBW, LL + rs / m * LBW + 5, y + 12);
	put_pct(o, rs, 1);
	putf(o, "</text><rect class=\"cur\" x=\"%d\" y=\"%.1f\" "
	    "width=\"%.1f\" height=\"11\"/><text x=\"%.1f\" y=\"%.1f\">", LL,
	    y + 15, cs / m * LBW, LL + cs / m * LBW + 5, y + 24);
	put_pct(o, cs, 1);
	put(o, "</text></g>\n");
}

/* Horizontal bars: reference vs current share of each label. */
static void
label_bars(struct out *o, const struct nlp_drift_histograms *hs)
{
	struct lrow *rows;
	double rt, ct, m = 0;
	long shown = label_rows(hs, &rows, &rt, &ct);
	long i;

	if (shown < 0) {
		o->oom = 1;
		return;
	}
	put(o, hs->label_predicted ? "<figure><figcaption>Labels: reference "
	    "(predicted, held-out) vs current (predicted)</figcaption>\n" :
	    "<figure><figcaption>Labels: reference (training) vs current "
	    "(predicted)</figcaption>\n");
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
	putf(o, "<svg class=\"labels\" viewBox=\"0 0 %d %ld\" role=\"img\" "
	    "aria-label=\"label shares\">\n", HW, LT + shown * LRH + 6);
	legend(o, LL, 16, rt > 0 ? "reference" : NULL, rt, ct > 0 ? "current" :
	    NULL, ct);
	for (i = 0; i < shown; i++)
		label_row(o, &rows[i], (size_t)i, rt, ct, m);
	putf(o, "<line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%d\" "
	    "y2=\"%ld\"/>\n", LL, LL, LT, LT + shown * LRH);
	put(o, "</svg></figure>\n");
	free(rows);
}

/* The signal table. */
static void
signal_table(struct out *o, const struct nlp_drift_report *r)
{
	const struct nlp_drift_signal *s;
	char why[96];
	size_t i;

	if (r->nsignals == 0) {
		put(o, "<p class=\"none\">no signals</p>\n");
		return;
	}
	put(o, "<div class=\"scroll\"><table class=\"signals\"><thead><tr>"
	    "<th>signal</th><th>statistic</th><th class=\"n\">value</th>"
	    "<th class=\"n\">p-value</th><th>decided by</th>"
	    "<th>reference " U_ARROW " current</th><th>drifted</th></tr>"
	    "</thead><tbody>\n");
	for (i = 0; i < r->nsignals; i++) {
		s = &r->signal[i];
		put(o, s->drifted ? "<tr class=\"drifted\"><td>" : "<tr><td>");
		esc_cut(o, s->name, TOKEN_CHARS);
		put(o, "</td><td>");
		esc_cut(o, s->statistic_name, TOKEN_CHARS);
		put(o, "</td><td class=\"n\">");
		put_num(o, s->statistic);
		put(o, "</td><td class=\"n\">");
		put_num(o, s->p_value);
		put(o, "</td><td>");
		nlp_drift_decided_by(why, sizeof why, s);
		esc(o, why);
		put(o, "</td><td class=\"v\">");
		if (s->value == NLP_DRIFT_VALUE_NONE ||
		    (s->value == NLP_DRIFT_VALUE_NUMBER &&
		    !isfinite(s->reference))) {
			put(o, U_DASH);
		} else {
			put_value(o, s, 0);
			put(o, " " U_ARROW " ");
			put_value(o, s, 1);
		}
		put(o, s->drifted ? "</td><td><span class=\"badge yes\">yes</span>"
		    "</td></tr>\n" : "</td><td><span class=\"badge no\">no</span>"
		    "</td></tr>\n");
	}
	put(o, "</tbody></table></div>\n");
}

/* A heading over a table of a list, or "none" for an empty one: 1 when
   the table follows. */
static int
list_head(struct out *o, const char *caption, size_t n)
{
	put(o, "<div><h3>");
	put(o, caption);
	put(o, "</h3>\n");
	if (n == 0) {
		put(o, "<p class=\"none\">none</p></div>\n");
		return 0;
	}
	return 1;
}

/* A bar in a table cell, w of the longest m. */
static void
bar_cell(struct out *o, int up, double w, double m)
{
	putf(o, "</td><td class=\"barcell\"><span class=\"bar %s\" "
	    "style=\"width:%.1f%%\"></span></td></tr>\n", up ? "up" : "down",
	    isfinite(w) && m > 0 ? fabs(w) / m * 100 : 0.0);
}

/* The largest |z| of n entries of size bytes whose z is at z0. */
static double
max_z(const double *z0, size_t n, size_t size)
{
	double m = 0, z;
	size_t i;

	for (i = 0; i < n; i++) {
		z = fabs(*(const double *)((const char *)z0 + i * size));
		if (isfinite(z) && z > m)
			m = z;
	}
	return m;
}

/* z to 2 decimals, or a dash. */
static void
put_z(struct out *o, double z)
{
	if (isfinite(z))
		putf(o, "%+.2f", z + 0.0);
	else
		put(o, U_DASH);
}

/* tokens.grew or tokens.shrank: word, shares of texts, z, a bar. */
static void
token_table(struct out *o, const struct nlp_drift_token *t, size_t n,
    const char *caption, int up)
{
	double m;
	size_t i;

	if (!list_head(o, caption, n))
		return;
	m = max_z(&t[0].z, n, sizeof *t);
	put(o, "<table class=\"tokens\"><thead><tr><th>word</th>"
	    "<th class=\"n\">reference</th><th class=\"n\">current</th>"
	    "<th class=\"n\">z</th><th></th></tr></thead><tbody>\n");
	for (i = 0; i < n; i++) {
		put(o, "<tr><td><code>");
		esc_cut(o, t[i].token, TOKEN_CHARS);
		put(o, "</code></td><td class=\"n\">");
		put_pct(o, t[i].reference_texts, 1);
		put(o, "</td><td class=\"n\">");
		put_pct(o, t[i].current_texts, 1);
		put(o, "</td><td class=\"n\">");
		put_z(o, t[i].z);
		bar_cell(o, up, t[i].z, m);
	}
	put(o, "</tbody></table></div>\n");
}

/* domain.top_current or top_reference: n-gram, weight, z, a bar. */
static void
ngram_table(struct out *o, const struct nlp_drift_ngram *g, size_t n,
    const char *caption, int up)
{
	double m;
	size_t i;

	if (!list_head(o, caption, n))
		return;
	m = max_z(&g[0].z, n, sizeof *g);
	put(o, "<table class=\"ngrams\"><thead><tr><th>n-gram</th>"
	    "<th class=\"n\">weight</th><th class=\"n\">z</th><th></th></tr>"
	    "</thead><tbody>\n");
	for (i = 0; i < n; i++) {
		double w = g[i].weight;

		put(o, "<tr><td><code>");
		esc_cut(o, g[i].ngram, TOKEN_CHARS);
		put(o, "</code></td><td class=\"n\">");
		if (isfinite(w))
			putf(o, "%.3f", w);
		else
			put(o, U_DASH);
		put(o, "</td><td class=\"n\">");
		put_z(o, g[i].z);
		bar_cell(o, up, g[i].z, m);
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


/* What the domain classifier found, in words. */
static void
domain_words(struct out *o, const struct nlp_drift_domain *d)
{
	if (!isfinite(d->auc)) {
		put(o, "<span class=\"none\">Not run");
		if (d->skipped != NULL) {
			put(o, ": ");
			esc(o, d->skipped);
		}
		put(o, ".</span>");
		return;
	}
	putf(o, "A classifier trained to tell current texts from reference "
	    "texts reaches ROC AUC <b>%.3f</b>", d->auc);
	if (isfinite(d->threshold)) {
		put(o, " against a threshold of ");
		put_num(o, d->threshold);
	}
	if (d->permutation) {
		/* the order statistic --alpha picks of the runs (not always
		   a 95th percentile): said as the text report says it */
		put(o, d->auc_floor ? " (--auc, above the permutation test's "
		    "threshold from " : " (permutation test, from ");
		put_count(o, d->permutations);
		put(o, " label-shuffled runs)");
	}
	put(o, ", on ");
	put_count(o, (double)d->texts_per_side);
	put(o, " texts per side");
	put(o, ": 0.5 means it cannot tell them apart.");
	put(o, d->drifted ? " <span class=\"badge yes\">drifted</span>" :
	    " <span class=\"badge no\">not drifted</span>");
}

static void
domain_section(struct out *o, const struct nlp_drift_domain *d)
{
	put(o, "<section id=\"domain\"><h2>Domain classifier</h2>\n<p>");
	domain_words(o, d);
	put(o, "</p>\n");
	if (isfinite(d->auc))
		auc_scale(o, d->auc, d->threshold);
	if (d->ntop_current > 0 || d->ntop_reference > 0) {
		put(o, "<p class=\"note\">The word n-grams that mark each side "
		    "of the classifier's texts most surely: ranked by z, the "
		    "z-score of the log-odds ratio of the texts that have them "
		    "(Monroe, Colaresi and Quinn 2008); weight is the "
		    "classifier's towards that side.</p>\n<div class=\"cols\">\n");
		ngram_table(o, d->top_current, d->ntop_current,
		    "N-grams typical of the current text", 1);
		ngram_table(o, d->top_reference, d->ntop_reference,
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
banner(struct out *o, const struct nlp_drift_report *r)
{
	const struct nlp_drift_verdict *v = &r->verdict;
	const char *cls = v->drift ? "yes" : "no";

	putf(o, "<header class=\"banner %s\" id=\"verdict\">\n"
	    "<p class=\"verdict\">drift: %s (", cls, cls);
	put_count(o, (double)v->drifted);
	put(o, "/");
	put_count(o, (double)v->signals);
	put(o, " signals; ");
	if (isfinite(r->domain.auc))
		putf(o, "domain AUC %.2f)", r->domain.auc);
	else
		put(o, "domain classifier not run)");
	put(o, "</p>\n<p class=\"rule\">rule: ");
	put(o, v->small ? "p-values (small sample)" :
	    "effect sizes (large sample)");
	put(o, " " U_MIDDOT " share of drifted signals ");
	put_pct(o, v->share, 0);
	put(o, v->domain_drift ?
	    " " U_MIDDOT " the domain classifier tells the texts apart" :
	    " " U_MIDDOT " the domain classifier cannot tell the texts apart");
	if (v->quality_drift)
		put(o, " " U_MIDDOT " empty or invalid-UTF-8 records rose: the "
		    "input is broken");
	put(o, "</p>\n</header>\n");
}

/* The document's head, with the title. */
static void
head(struct out *o, const char *title)
{
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
}

/* The title, what was compared, the warnings. */
static void
intro(struct out *o, const struct nlp_drift_report *r, const char *title)
{
	size_t i;

	put(o, "<main>\n<h1>");
	esc(o, title);
	put(o, "</h1>\n<p class=\"meta\">reference: ");
	put_count(o, (double)r->reference_records);
	put(o, " texts " U_MIDDOT " current: ");
	put_count(o, (double)r->current_records);
	put(o, " texts, ");
	put_count(o, (double)r->current_tokens);
	put(o, " tokens</p>\n");
	if (r->nwarnings == 0)
		return;
	put(o, "<section id=\"warnings\"><h2>Warnings</h2>\n"
	    "<ul class=\"warnings\">\n");
	for (i = 0; i < r->nwarnings; i++) {
		put(o, "<li>");
		esc(o, r->warning[i]);
		put(o, "</li>\n");
	}
	put(o, "</ul></section>\n");
}

/* Text length, and with a model its predictions. */
static void
charts(struct out *o, const struct nlp_drift_histograms *hs)
{
	put(o, "<section id=\"lengths\"><h2>Text length</h2>\n"
	    "<div class=\"charts\">\n");
	length_hist(o, hs->length_bins, hs->reference_token_length,
	    hs->current_token_length, "Tokens per text", "tokens", "token");
	length_hist(o, hs->length_bins, hs->reference_char_length,
	    hs->current_char_length, "Characters per text", "characters",
	    "character");
	put(o, "</div></section>\n");
	if (hs->nlabels == 0 && hs->nreference_confidence == 0 &&
	    hs->ncurrent_confidence == 0)
		return;
	put(o, "<section id=\"model\"><h2>Predictions</h2>\n"
	    "<div class=\"charts\">\n");
	if (hs->nlabels > 0)
		label_bars(o, hs);
	if (hs->nreference_confidence > 0 || hs->ncurrent_confidence > 0)
		confidence_hist(o, hs);
	put(o, "</div></section>\n");
}

static void
page(struct out *o, const struct nlp_drift_report *r, const char *title)
{
	if (title == NULL || title[0] == '\0')
		title = "nlpops drift report";
	head(o, title);
	banner(o, r);
	intro(o, r, title);
	put(o, "<section id=\"signals\"><h2>Signals</h2>\n<p class=\"note\">"
	    "A signal tested by p-value drifts when p is below its threshold; "
	    "one judged by effect size, when its statistic reaches the "
	    "threshold (the accuracy's drop on a small sample, when it does "
	    "so beyond the sample's noise).</p>\n");
	signal_table(o, r);
	put(o, "</section>\n");
	charts(o, &r->hist);
	put(o, "<section id=\"tokens\"><h2>Words whose share of texts "
	    "changed most</h2>\n<p class=\"note\">Share of the texts that have "
	    "the word on each side; ranked by z, the z-score of its log-odds "
	    "ratio with an informative Dirichlet prior (Monroe, Colaresi and "
	    "Quinn 2008).</p>\n<div class=\"cols\">\n");
	token_table(o, r->grew, r->ngrew, "Grew", 1);
	token_table(o, r->shrank, r->nshrank, "Shrank", 0);
	put(o, "</div></section>\n");
	domain_section(o, &r->domain);
	put(o, "<footer>nlpops drift " U_MIDDOT " report schema ");
	putf(o, "%d ", NLP_DRIFT_SCHEMA);
	put(o, U_MIDDOT " shares, not counts, are drawn: the two sides differ in "
	    "size " U_MIDDOT " self-contained: no script, no network</footer>\n"
	    "</main>\n</body>\n</html>\n");
}

char *
nlp_drift_html(const struct nlp_drift_report *r, const char *title)
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
	page(&o, r, title);
	uselocale(old);
	freelocale(c);
	if (o.oom || o.p == NULL) {
		free(o.p);
		return NULL;
	}
	return o.p;
}
