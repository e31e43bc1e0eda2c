/*
 * profile.c - text statistics for drift (see profile.h).
 */
#include "profile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonwatch.h"

unsigned
nlp_profile_bin(uint64_t len)
{
	unsigned b = 0;

	while (len > 0 && b < NLP_PROFILE_BINS - 1) {
		len >>= 1;
		b++;
	}
	return b;
}

/* Count the character classes of text; returns the code points. */
static uint64_t
count_chars(struct nlp_profile *p, const char *text, size_t len)
{
	uint64_t cps = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if ((c & 0xc0) == 0x80)
			continue;
		cps++;
		if (c >= 0x80)
			p->non_ascii++;
		else if ((c | 32) >= 'a' && (c | 32) <= 'z')
			p->letter++;
		else if (c >= '0' && c <= '9')
			p->digit++;
		else if (c == ' ' || c == '\t')
			p->space++;
		else if (c > ' ' && c < 0x7f)
			p->punct++;
		else
			p->other++;
	}
	return cps;
}

/* Append one sample entry. */
static int
sample_push(struct nlp_profile *p, const struct nlp_length_sample *s)
{
	if (p->nsample == p->sample_cap) {
		size_t cap = p->sample_cap ? p->sample_cap * 2 : 256;
		void *q = realloc(p->sample, cap * sizeof *p->sample);
		if (q == NULL)
			return -1;
		p->sample = q;
		p->sample_cap = cap;
	}
	p->sample[p->nsample++] = *s;
	/* keep the smallest hashes only: a bottom-k sample stays bounded, and
	   pruning early gives the same sample as pruning at the end */
	if (p->nsample >= 4 * NLP_PROFILE_SAMPLE) {
		qsort(p->sample, p->nsample, sizeof *p->sample,
		    nlp_length_sample_cmp);
		p->nsample = NLP_PROFILE_SAMPLE;
	}
	return 0;
}

int
nlp_profile_add(struct nlp_profile *p, const char *text, size_t len,
    const struct nlp_tokens *tok, unsigned flags, uint64_t doc_hash)
{
	struct nlp_length_sample s;
	size_t i;

	p->docs++;
	if (tok->n == 0)
		p->empty++;
	if (flags & 1u)   /* NLP_REC_BAD_UTF8 */
		p->bad_utf8++;
	p->tokens += tok->n;
	s.hash = doc_hash;
	s.tokens = (uint32_t)tok->n;
	s.chars = (uint32_t)count_chars(p, text, len);
	p->tok_hist[nlp_profile_bin(s.tokens)]++;
	p->char_hist[nlp_profile_bin(s.chars)]++;
	for (i = 0; !p->no_tokens && i < tok->n; i++) {
		struct nlp_strmap_entry *en = nlp_strmap_add(&p->freq,
		    tok->text + tok->off[i], tok->len[i]);
		size_t k;
		if (en == NULL)
			return -1;
		k = (size_t)(en - p->freq.ent);
		switch (nlp_doc_once(&p->last, &p->last_cap, k, p->docs)) {
		case -1:
			return -1;
		case 1:
			continue;
		}
		en->value++;
		p->token_docs++;
	}
	return sample_push(p, &s);
}

int
nlp_profile_merge(struct nlp_profile *dst, const struct nlp_profile *src)
{
	size_t i;

	dst->docs += src->docs;
	dst->tokens += src->tokens;
	dst->token_docs += src->token_docs;
	dst->empty += src->empty;
	dst->bad_utf8 += src->bad_utf8;
	dst->letter += src->letter;
	dst->digit += src->digit;
	dst->space += src->space;
	dst->punct += src->punct;
	dst->other += src->other;
	dst->non_ascii += src->non_ascii;
	for (i = 0; i < NLP_PROFILE_BINS; i++) {
		dst->tok_hist[i] += src->tok_hist[i];
		dst->char_hist[i] += src->char_hist[i];
	}
	for (i = 0; i < src->freq.n; i++) {
		const struct nlp_strmap_entry *s = &src->freq.ent[i];
		struct nlp_strmap_entry *d = nlp_strmap_add(&dst->freq, s->key,
		    s->len);
		if (d == NULL)
			return -1;
		d->value += s->value;
	}
	for (i = 0; i < src->nsample; i++)
		if (sample_push(dst, &src->sample[i]) < 0)
			return -1;
	return 0;
}

int
nlp_length_sample_cmp(const void *a, const void *b)
{
	const struct nlp_length_sample *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if (x->tokens != y->tokens)
		return x->tokens < y->tokens ? -1 : 1;
	return (x->chars > y->chars) - (x->chars < y->chars);
}

static int
cmp_freq(const void *a, const void *b)
{
	const struct nlp_strmap_entry *x = *(const struct nlp_strmap_entry *const *)a;
	const struct nlp_strmap_entry *y = *(const struct nlp_strmap_entry *const *)b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c;

	if (x->value != y->value)
		return x->value > y->value ? -1 : 1;
	if ((c = memcmp(x->key, y->key, n)) != 0)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

/*
 * The jansson calls below add up their results in r: json_object_set_new()
 * and json_array_append_new() fail (freeing the value) when the value or
 * the container is NULL, so one failed allocation anywhere shows in r
 * instead of a key that silently is not there; what jansson does not
 * report at all, jsonwatch.h catches.
 */

/* A number, or null where it is not finite (json_real() would give NULL,
   which reads as out of memory). */
static json_t *
real(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

/* A JSON array of n unsigned counts, or NULL (memory). */
static json_t *
counts(const uint64_t *v, size_t n)
{
	json_t *a = json_array();
	size_t i;
	int r = 0;

	for (i = 0; a && i < n; i++)
		r |= json_array_append_new(a, json_integer((json_int_t)v[i]));
	if (r != 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

char *
nlp_profile_json(struct nlp_profile *p, const struct nlp_profile_model *m)
{
	const struct nlp_strmap_entry **ent = NULL;
	json_t *root, *a, *o, *h;
	uint64_t bins[NLP_PROFILE_BINS];
	float *conf = NULL;
	size_t i, ntop;
	char *out = NULL;
	int r = 0;

	nlp_json_watch();
	root = json_object();
	if (root == NULL)
		return NULL;
	r |= json_object_set_new(root, "schema", json_integer(NLP_PROFILE_SCHEMA));
	r |= json_object_set_new(root, "docs", json_integer((json_int_t)p->docs));
	r |= json_object_set_new(root, "tokens", json_integer((json_int_t)p->tokens));
	r |= json_object_set_new(root, "token_docs",
	    json_integer((json_int_t)p->token_docs));
	r |= json_object_set_new(root, "empty", json_integer((json_int_t)p->empty));
	r |= json_object_set_new(root, "bad_utf8",
	    json_integer((json_int_t)p->bad_utf8));
	o = json_object();
	r |= json_object_set_new(o, "letter", json_integer((json_int_t)p->letter));
	r |= json_object_set_new(o, "digit", json_integer((json_int_t)p->digit));
	r |= json_object_set_new(o, "space", json_integer((json_int_t)p->space));
	r |= json_object_set_new(o, "punct", json_integer((json_int_t)p->punct));
	r |= json_object_set_new(o, "other", json_integer((json_int_t)p->other));
	r |= json_object_set_new(o, "non_ascii",
	    json_integer((json_int_t)p->non_ascii));
	r |= json_object_set_new(root, "chars", o);
	for (i = 0; i < NLP_PROFILE_BINS; i++)
		bins[i] = i == 0 ? 0 : ((uint64_t)1 << i) - 1;
	r |= json_object_set_new(root, "length_bins",
	    counts(bins, NLP_PROFILE_BINS));
	r |= json_object_set_new(root, "token_length_hist",
	    counts(p->tok_hist, NLP_PROFILE_BINS));
	r |= json_object_set_new(root, "char_length_hist",
	    counts(p->char_hist, NLP_PROFILE_BINS));
	if (r != 0)
		goto out;

	if (p->nsample > 1)
		qsort(p->sample, p->nsample, sizeof *p->sample,
		    nlp_length_sample_cmp);
	a = json_array();
	for (i = 0; a && i < p->nsample && i < NLP_PROFILE_SAMPLE; i++) {
		json_t *pair = json_array();
		r |= json_array_append_new(pair, json_integer(p->sample[i].tokens));
		r |= json_array_append_new(pair, json_integer(p->sample[i].chars));
		r |= json_array_append_new(a, pair);
	}
	r |= json_object_set_new(root, "length_sample", a);

	r |= json_object_set_new(root, "distinct_tokens",
	    json_integer((json_int_t)p->freq.n));
	if (r != 0 || (p->freq.n > 0 &&
	    (ent = malloc(p->freq.n * sizeof *ent)) == NULL))
		goto out;
	for (i = 0; i < p->freq.n; i++)
		ent[i] = &p->freq.ent[i];
	if (p->freq.n > 0)
		qsort(ent, p->freq.n, sizeof *ent, cmp_freq);
	ntop = p->freq.n < NLP_PROFILE_TOP ? p->freq.n : NLP_PROFILE_TOP;
	a = json_array();
	for (i = 0; a && i < ntop; i++) {
		json_t *pair = json_array();
		r |= json_array_append_new(pair, json_stringn(ent[i]->key,
		    ent[i]->len));
		r |= json_array_append_new(pair,
		    json_integer((json_int_t)ent[i]->value));
		r |= json_array_append_new(a, pair);
	}
	r |= json_object_set_new(root, "top_tokens", a);

	o = json_object();
	for (i = 0; i < m->nclasses; i++)
		r |= json_object_set_new(o, m->labels[i],
		    json_integer((json_int_t)m->label_counts[i]));
	r |= json_object_set_new(root, "labels", o);

	h = json_object();
	r |= json_object_set_new(h, "n", json_integer((json_int_t)m->held_out));
	if (m->held_out > 0) {
		r |= json_object_set_new(h, "accuracy", real(m->accuracy));
		r |= json_object_set_new(h, "macro_f1", real(m->macro_f1));
		if ((conf = malloc(m->held_out * sizeof *conf)) == NULL) {
			json_decref(h);
			goto out;
		}
		memcpy(conf, m->confidence, m->held_out * sizeof *conf);
		qsort(conf, m->held_out, sizeof *conf, cmp_float);
		a = json_array();
		for (i = 0; a && i < m->held_out; i++)
			r |= json_array_append_new(a, real(conf[i]));
		r |= json_object_set_new(h, "confidence", a);
	}
	r |= json_object_set_new(root, "held_out", h);
	if (r == 0)
		out = json_dumps(root, JSON_SORT_KEYS | JSON_COMPACT |
		    JSON_REAL_PRECISION(7));
	/* json_dumps() may have left a key out (jsonwatch.h) */
	if (nlp_json_failed()) {
		free(out);
		out = NULL;
	}
out:
	free(ent);
	free(conf);
	json_decref(root);
	return out;
}

int
nlp_doc_once(uint64_t **last, size_t *cap, size_t k, uint64_t doc)
{
	if (k >= *cap) {
		size_t n = *cap ? *cap : 1024;
		uint64_t *q;
		while (n <= k)
			n *= 2;
		/* counting it again instead would be a wrong count */
		if ((q = realloc(*last, n * sizeof *q)) == NULL)
			return -1;
		memset(q + *cap, 0, (n - *cap) * sizeof *q);
		*last = q;
		*cap = n;
	}
	if ((*last)[k] == doc)
		return 1;
	(*last)[k] = doc;
	return 0;
}

void
nlp_profile_release(struct nlp_profile *p)
{
	free(p->last);
	nlp_strmap_release(&p->freq);
	free(p->sample);
	memset(p, 0, sizeof *p);
}
