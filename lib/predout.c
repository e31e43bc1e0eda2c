/*
 * predout.c - the lines a prediction is printed as (predout.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "predout.h"
#include "reader.h"
#include "text.h"
#include "token.h"

/* Make room for n more bytes: 0, or -1 (failed set). */
static int
reserve(struct nlp_buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *p;

	if (b->failed)
		return -1;
	if (b->len + n <= b->cap)
		return 0;
	if (b->fixed) {
		b->failed = 1;
		return -1;
	}
	while (cap < b->len + n) {
		if (cap > SIZE_MAX / 2) {
			b->failed = 1;
			return -1;
		}
		cap *= 2;
	}
	if ((p = realloc(b->p, cap)) == NULL) {
		b->failed = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void
nlp_buf_put(struct nlp_buf *b, const char *s, size_t n)
{
	if (n > 0 && reserve(b, n) == 0) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	}
}

void
nlp_buf_puts(struct nlp_buf *b, const char *s)
{
	nlp_buf_put(b, s, strlen(s));
}

void
nlp_buf_prob(struct nlp_buf *b, float p)
{
	/* the model refuses non-finite weights, so p is a probability; the
	 * comparison keeps a NaN from reaching the conversion all the same */
	uint32_t v = p >= 0 && p <= 1 ? (uint32_t)((double)p * 1e6 + 0.5) : 0;
	char s[8];
	int i;

	if (v > 1000000)
		v = 1000000;
	s[0] = (char)('0' + v / 1000000);
	s[1] = '.';
	v %= 1000000;
	for (i = 7; i >= 2; i--, v /= 10)
		s[i] = (char)('0' + v % 10);
	nlp_buf_put(b, s, 8);
}

void
nlp_buf_json_str(struct nlp_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	nlp_buf_put(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c != '"' && c != '\\' && c >= 0x20)
			continue;
		nlp_buf_put(b, run, (size_t)(s - run));
		run = s + 1;
		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };
			nlp_buf_put(b, esc, 2);
		} else {
			char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			nlp_buf_put(b, esc, 6);
		}
	}
	nlp_buf_put(b, run, (size_t)(s - run));
	nlp_buf_put(b, "\"", 1);
}

void
nlp_buf_release(struct nlp_buf *b)
{
	if (!b->fixed)
		free(b->p);
	memset(b, 0, sizeof *b);
}

/* A TSV field from the input (an id): a tab or newline would split the
 * line, a control character (ESC, ...) would reach the terminal as a
 * command; each becomes a space.  Invalid UTF-8 is the reader's to
 * repair. */
static void
tsv_field(struct nlp_buf *b, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k;
	uint32_t cp;

	while (i < n) {
		k = nlp_utf8_char(u + i, n - i, &cp);
		if (k == 0)
			k = 1;
		else if (nlp_is_control(cp)) {
			nlp_buf_put(b, " ", 1);
			i += k;
			continue;
		}
		nlp_buf_put(b, s + i, k);
		i += k;
	}
}

const char *
nlp_predout_unscored(const struct nlp_predout *o, const char *text,
    size_t len, unsigned flags)
{
	if (o->score_empty)
		return NULL;
	if (flags & NLP_REC_MALFORMED)
		return "no_text";
	return nlp_text_tokenless(text, len) ? "empty" : NULL;
}

/* The start of a result line: "{" and the id in JSONL, the id column in
 * TSV, when there are ids. */
static void
line_start(struct nlp_buf *b, const struct nlp_predout *o, const char *id)
{
	if (o->jsonl)
		nlp_buf_put(b, "{", 1);
	if (!o->want_id)
		return;
	if (o->jsonl) {
		nlp_buf_lit(b, "\"id\":");
		nlp_buf_json_str(b, id ? id : "");
		nlp_buf_put(b, ",", 1);
	} else {
		tsv_field(b, id ? id : "");
		nlp_buf_put(b, "\t", 1);
	}
}

void
nlp_predout_unscored_members(struct nlp_buf *b, const struct nlp_predout *o,
    const char *why)
{
	/* the shape of a scored answer: "labels" for a multi-label model */
	if (o->m != NULL && o->m->multilabel)
		nlp_buf_lit(b, "\"label\":null,\"p\":null,\"labels\":[],"
		    "\"reason\":");
	else
		nlp_buf_lit(b, "\"label\":null,\"p\":null,\"top\":[],"
		    "\"reason\":");
	nlp_buf_json_str(b, why);
}

void
nlp_predout_unscored_line(struct nlp_buf *b, const struct nlp_predout *o,
    const char *id, const char *why, int cut)
{
	line_start(b, o, id);
	if (o->jsonl) {
		nlp_predout_unscored_members(b, o, why);
		if (cut)
			nlp_buf_lit(b, ",\"cut\":true");
		nlp_buf_put(b, "}\n", 2);
	} else {
		/* as many empty fields as a scored line has (-k pairs), so that
		   cut -f and awk find the same columns on every line; a
		   multi-label model's lines have as many pairs as pass */
		size_t i, k = o->m->multilabel ? 1 : o->k;

		for (i = 1; i < 2 * k; i++)
			nlp_buf_put(b, "\t", 1);
		nlp_buf_put(b, "\n", 1);
	}
}

/* The label printed first: the fallback below the threshold. */
static const char *
first_label(const struct nlp_predout *o, const float *probs,
    const uint32_t *idx)
{
	if (o->threshold > 0 && probs[idx[0]] < o->threshold)
		return o->fallback;
	return o->m->labels[idx[0]];
}

/* A JSON array of {"label", "p"} for classes idx[0..n). */
static void
pairs(struct nlp_buf *b, const struct nlp_predout *o, const float *probs,
    const uint32_t *idx, size_t n)
{
	size_t i;

	nlp_buf_put(b, "[", 1);
	for (i = 0; i < n; i++) {
		nlp_buf_puts(b, i ? ",{\"label\":" : "{\"label\":");
		nlp_buf_json_str(b, o->m->labels[idx[i]]);
		nlp_buf_lit(b, ",\"p\":");
		nlp_buf_prob(b, probs[idx[i]]);
		nlp_buf_put(b, "}", 1);
	}
	nlp_buf_put(b, "]", 1);
}

/*
 * Multi-label: the labels at or above min_p, most probable first, into
 * idx (at most k); returns how many, or -1 for the fallback (the most
 * probable one is below threshold).
 */
static long
passing(const struct nlp_predout *o, const float *probs, uint32_t *idx)
{
	size_t n = nlp_top_k(probs, o->m->nclasses, o->k, idx), i;

	if (n > 0 && o->threshold > 0 && probs[idx[0]] < o->threshold)
		return -1;
	for (i = 0; i < n && probs[idx[i]] >= o->min_p; i++)
		;
	return (long)i;
}

/* A multi-label model's members (JSON) or fields (TSV). */
static void
multi(struct nlp_buf *b, const struct nlp_predout *o, const float *probs)
{
	uint32_t idx[64];
	long n = passing(o, probs, idx), i;

	if (!o->jsonl) {
		if (n < 0) {
			nlp_buf_puts(b, o->fallback);
			nlp_buf_put(b, "\t", 1);
			nlp_buf_prob(b, probs[idx[0]]);
		} else if (n == 0) {
			nlp_buf_put(b, "\t", 1);
		}
		for (i = 0; i < n; i++) {
			if (i > 0)
				nlp_buf_put(b, "\t", 1);
			nlp_buf_puts(b, o->m->labels[idx[i]]);
			nlp_buf_put(b, "\t", 1);
			nlp_buf_prob(b, probs[idx[i]]);
		}
		return;
	}
	if (n == 0) {
		nlp_buf_lit(b, "\"label\":null,\"p\":null,\"labels\":[]");
		return;
	}
	nlp_buf_lit(b, "\"label\":");
	nlp_buf_json_str(b, n < 0 ? o->fallback : o->m->labels[idx[0]]);
	nlp_buf_lit(b, ",\"p\":");
	nlp_buf_prob(b, probs[idx[0]]);
	nlp_buf_lit(b, ",\"labels\":");
	pairs(b, o, probs, idx, n > 0 ? (size_t)n : 0);
}

void
nlp_predout_members(struct nlp_buf *b, const struct nlp_predout *o,
    const float *probs)
{
	uint32_t idx[64];
	size_t n;

	if (o->m->multilabel) {
		struct nlp_predout j = *o;
		j.jsonl = 1;
		multi(b, &j, probs);
		return;
	}
	n = nlp_top_k(probs, o->m->nclasses, o->k, idx);

	nlp_buf_lit(b, "\"label\":");
	nlp_buf_json_str(b, first_label(o, probs, idx));
	nlp_buf_lit(b, ",\"p\":");
	nlp_buf_prob(b, probs[idx[0]]);
	nlp_buf_lit(b, ",\"top\":");
	pairs(b, o, probs, idx, n);
}

void
nlp_predout_line(struct nlp_buf *b, const struct nlp_predout *o,
    const float *probs, const char *id, int cut)
{
	uint32_t idx[64];
	size_t n, i;

	line_start(b, o, id);
	if (o->m->multilabel && !o->jsonl) {
		multi(b, o, probs);
		nlp_buf_put(b, "\n", 1);
		return;
	}
	if (o->jsonl) {
		nlp_predout_members(b, o, probs);
		if (cut)                 /* scored on its first 1 MiB */
			nlp_buf_lit(b, ",\"cut\":true");
		nlp_buf_put(b, "}\n", 2);
		return;
	}
	n = nlp_top_k(probs, o->m->nclasses, o->k, idx);
	for (i = 0; i < n; i++) {
		const char *l = i == 0 ? first_label(o, probs, idx) :
		    o->m->labels[idx[i]];
		if (i > 0)
			nlp_buf_put(b, "\t", 1);
		nlp_buf_puts(b, l);
		nlp_buf_put(b, "\t", 1);
		nlp_buf_prob(b, probs[idx[i]]);
	}
	nlp_buf_put(b, "\n", 1);
}

int
nlp_predout_first(const struct nlp_predout *o, const float *probs,
    uint32_t top)
{
	return o->m->multilabel && probs[top] < o->min_p ? -1 : (int)top;
}
