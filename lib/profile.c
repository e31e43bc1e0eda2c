/*
 * profile.c - text statistics for drift, written as the "profile" member
 * and read back (see profile.h).
 */
#include "profile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "error.h"
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
	   pruning early gives the same sample as pruning at the end (a text
	   cut now has k smaller ones kept: it, and the copies of it still
	   to come, never make the final sample) */
	if (p->nsample >= 4 * NLP_PROFILE_SAMPLE)
		p->nsample = nlp_length_sample_fold(p->sample, p->nsample,
		    NLP_PROFILE_SAMPLE);
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
	s.count = 1;
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

size_t
nlp_length_sample_fold(struct nlp_length_sample *s, size_t n, size_t k)
{
	size_t i, w = 0;

	if (n > 1)
		qsort(s, n, sizeof *s, nlp_length_sample_cmp);
	for (i = 0; i < n; i++) {
		if (w > 0 && s[w - 1].hash == s[i].hash)
			s[w - 1].count += s[i].count;
		else if (w < k)
			s[w++] = s[i];
		else
			break;
	}
	return w;
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

json_t *
nlp_json_counts(const uint64_t *v, size_t n)
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

/* o[key] = the count v. */
static int
set_count(json_t *o, const char *key, uint64_t v)
{
	return json_object_set_new(o, key, json_integer((json_int_t)v));
}

/* The counts: documents, tokens, character classes, length histograms. */
static int
counts_json(json_t *root, const struct nlp_profile *p)
{
	uint64_t bins[NLP_PROFILE_BINS];
	json_t *o = json_object();
	size_t i;
	int r = 0;

	r |= json_object_set_new(root, "schema", json_integer(NLP_PROFILE_SCHEMA));
	r |= set_count(root, "docs", p->docs);
	r |= set_count(root, "tokens", p->tokens);
	r |= set_count(root, "token_docs", p->token_docs);
	r |= set_count(root, "empty", p->empty);
	r |= set_count(root, "bad_utf8", p->bad_utf8);
	r |= set_count(o, "letter", p->letter);
	r |= set_count(o, "digit", p->digit);
	r |= set_count(o, "space", p->space);
	r |= set_count(o, "punct", p->punct);
	r |= set_count(o, "other", p->other);
	r |= set_count(o, "non_ascii", p->non_ascii);
	r |= json_object_set_new(root, "chars", o);
	for (i = 0; i < NLP_PROFILE_BINS; i++)
		bins[i] = i == 0 ? 0 : ((uint64_t)1 << i) - 1;
	r |= json_object_set_new(root, "length_bins",
	    nlp_json_counts(bins, NLP_PROFILE_BINS));
	r |= json_object_set_new(root, "token_length_hist",
	    nlp_json_counts(p->tok_hist, NLP_PROFILE_BINS));
	r |= json_object_set_new(root, "char_length_hist",
	    nlp_json_counts(p->char_hist, NLP_PROFILE_BINS));
	return r;
}

/* The length sample: [tokens, chars] of the documents of smallest hash,
 * and their count after them when a text had copies. */
static int
sample_json(json_t *root, struct nlp_profile *p)
{
	json_t *a = json_array();
	size_t i;
	int r = 0;

	p->nsample = nlp_length_sample_fold(p->sample, p->nsample,
	    NLP_PROFILE_SAMPLE);
	for (i = 0; a && i < p->nsample; i++) {
		json_t *pair = json_array();
		r |= json_array_append_new(pair, json_integer(p->sample[i].tokens));
		r |= json_array_append_new(pair, json_integer(p->sample[i].chars));
		if (p->sample[i].count > 1)
			r |= json_array_append_new(pair, json_integer((json_int_t)
			    p->sample[i].count));
		r |= json_array_append_new(a, pair);
	}
	return r | json_object_set_new(root, "length_sample", a);
}

/* distinct_tokens, and the top tokens: [token, documents]. */
static int
top_json(json_t *root, const struct nlp_profile *p)
{
	const struct nlp_strmap_entry **ent = NULL;
	json_t *a;
	size_t i, ntop;
	int r;

	r = set_count(root, "distinct_tokens", p->freq.n);
	if (r != 0 || (p->freq.n > 0 &&
	    (ent = malloc(p->freq.n * sizeof *ent)) == NULL))
		return -1;
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
	free(ent);
	return r | json_object_set_new(root, "top_tokens", a);
}

/* labels and held_out: what the profile records about the model. */
static int
model_json(json_t *root, const struct nlp_profile_model *m)
{
	json_t *o = json_object(), *h = json_object(), *a;
	float *conf;
	size_t i;
	int r = 0;

	for (i = 0; i < m->nclasses; i++)
		r |= set_count(o, m->labels[i], m->label_counts[i]);
	r |= json_object_set_new(root, "labels", o);
	r |= set_count(h, "n", m->held_out);
	if (m->held_out > 0) {
		r |= json_object_set_new(h, "accuracy", real(m->accuracy));
		r |= json_object_set_new(h, "macro_f1", real(m->macro_f1));
		if ((conf = malloc(m->held_out * sizeof *conf)) == NULL) {
			json_decref(h);
			return -1;
		}
		memcpy(conf, m->confidence, m->held_out * sizeof *conf);
		qsort(conf, m->held_out, sizeof *conf, cmp_float);
		a = json_array();
		for (i = 0; a && i < m->held_out; i++)
			r |= json_array_append_new(a, real(conf[i]));
		free(conf);
		r |= json_object_set_new(h, "confidence", a);
	}
	if (m->held_out > 0 && m->predicted != NULL) {
		json_t *p = json_object();
		for (i = 0; i < m->nclasses; i++)
			r |= set_count(p, m->labels[i], m->predicted[i]);
		r |= json_object_set_new(h, "predicted", p);
	}
	return r | json_object_set_new(root, "held_out", h);
}

char *
nlp_profile_json(struct nlp_profile *p, const struct nlp_profile_model *m)
{
	json_t *root;
	char *out = NULL;

	nlp_json_watch();
	if ((root = json_object()) == NULL)
		return NULL;
	if (counts_json(root, p) == 0 && sample_json(root, p) == 0 &&
	    top_json(root, p) == 0 && model_json(root, m) == 0)
		out = json_dumps(root, JSON_SORT_KEYS | JSON_COMPACT |
		    JSON_REAL_PRECISION(7));
	/* json_dumps() may have left a key out (jsonwatch.h) */
	if (nlp_json_failed()) {
		free(out);
		out = NULL;
	}
	json_decref(root);
	return out;
}

/*
 * Reading a profile back.  The member is data from a file: every field
 * drift reads is checked here, once, for type and range, so that a
 * damaged or forged artifact is a data error naming the member and the
 * field -- never a crash (a NULL string), undefined behaviour (1e308
 * converted to an integer) or a verdict computed from nonsense.  Counts
 * are integers that a double holds exactly; what a profile bounds (top
 * tokens, the length sample) is bounded here too, so memory stays bounded
 * on any artifact.
 */
#define COUNT_MAX ((json_int_t)1 << 53)

static int
bad_field(struct nlp_err *e, const char *field, const char *what)
{
	return nlp_errf(e, NLP_DATA, "member 'profile': field '%s' %s", field,
	    what);
}

/* x (field) as a count from 0 to max, into *v. */
static int
check_count(const json_t *x, const char *field, json_int_t max, uint64_t *v,
    struct nlp_err *e)
{
	if (x == NULL)
		return bad_field(e, field, "is missing");
	if (!json_is_integer(x) || json_integer_value(x) < 0 ||
	    json_integer_value(x) > max)
		return nlp_errf(e, NLP_DATA, "member 'profile': field '%s' is not "
		    "a count from 0 to %lld", field, (long long)max);
	*v = (uint64_t)json_integer_value(x);
	return NLP_OK;
}

/* x (field) as a share or probability, a number from 0 to 1, into *v. */
static int
check_unit(const json_t *x, const char *field, double *v, struct nlp_err *e)
{
	if (x == NULL)
		return bad_field(e, field, "is missing");
	if (!json_is_number(x) || !(json_number_value(x) >= 0 &&
	    json_number_value(x) <= 1))
		return bad_field(e, field, "is not a number from 0 to 1");
	*v = json_number_value(x);
	return NLP_OK;
}

/* x (field) as an array of at most max elements. */
static int
check_array(const json_t *x, const char *field, size_t max,
    struct nlp_err *e)
{
	char what[64];

	if (x == NULL)
		return bad_field(e, field, "is missing");
	if (!json_is_array(x))
		return bad_field(e, field, "is not an array");
	if (json_array_size(x) > max) {
		snprintf(what, sizeof what, "has more than %zu entries", max);
		return bad_field(e, field, what);
	}
	return NLP_OK;
}

/* x (field) as an object. */
static int
check_object(const json_t *x, const char *field, struct nlp_err *e)
{
	if (x == NULL)
		return bad_field(e, field, "is missing");
	if (!json_is_object(x))
		return bad_field(e, field, "is not an object");
	return NLP_OK;
}

/* The schema: this nlpops's (an older one counted tokens otherwise, a
   newer one may mean other things by the same names). */
static int
check_schema(const json_t *prof, struct nlp_err *e)
{
	const json_t *x = json_object_get(prof, "schema");

	if (x == NULL)
		return bad_field(e, "schema", "is missing");
	if (!json_is_integer(x))
		return bad_field(e, "schema", "is not an integer");
	if (json_integer_value(x) < NLP_PROFILE_SCHEMA)
		return nlp_errf(e, NLP_DATA, "member 'profile': field 'schema' is "
		    "%lld, older than this nlpops compares (%d): retrain the "
		    "model, or use --reference FILE",
		    (long long)json_integer_value(x), NLP_PROFILE_SCHEMA);
	if (json_integer_value(x) > NLP_PROFILE_SCHEMA)
		return nlp_errf(e, NLP_DATA, "member 'profile': field 'schema' is "
		    "%lld, newer than this nlpops reads (%d)",
		    (long long)json_integer_value(x), NLP_PROFILE_SCHEMA);
	return NLP_OK;
}

/* docs, empty, bad_utf8, token_docs and the character classes. */
static int
parse_counts(const json_t *prof, struct nlp_profile_stored *s,
    struct nlp_err *e)
{
	static const char *const names[] = {
		"letter", "digit", "punct", "other", "non_ascii",
	};
	uint64_t *const dst[] = {
		&s->letter, &s->digit, &s->punct, &s->other, &s->non_ascii,
	};
	const json_t *chars = json_object_get(prof, "chars");
	char f[96];
	size_t i;
	int rc;

	if ((rc = check_count(json_object_get(prof, "docs"), "docs", COUNT_MAX,
	    &s->docs, e)) != NLP_OK)
		return rc;
	if (s->docs == 0)
		return bad_field(e, "docs", "is 0: the profile has no text");
	if ((rc = check_count(json_object_get(prof, "empty"), "empty",
	    (json_int_t)s->docs, &s->empty, e)) != NLP_OK ||
	    (rc = check_count(json_object_get(prof, "bad_utf8"), "bad_utf8",
	    (json_int_t)s->docs, &s->bad_utf8, e)) != NLP_OK ||
	    (rc = check_count(json_object_get(prof, "token_docs"), "token_docs",
	    COUNT_MAX, &s->token_docs, e)) != NLP_OK ||
	    (rc = check_object(chars, "chars", e)) != NLP_OK)
		return rc;
	for (i = 0; i < sizeof names / sizeof *names; i++) {
		snprintf(f, sizeof f, "chars.%s", names[i]);
		if ((rc = check_count(json_object_get(chars, names[i]), f,
		    COUNT_MAX, dst[i], e)) != NLP_OK)
			return rc;
	}
	return NLP_OK;
}

/* The length bins and the two length histograms over them. */
static int
parse_hists(const json_t *prof, struct nlp_profile_stored *s,
    struct nlp_err *e)
{
	static const char *const names[] = {
		"length_bins", "token_length_hist", "char_length_hist",
	};
	uint64_t *const dst[] = { s->length_bins, s->tok_hist, s->char_hist };
	const json_t *x, *y;
	char f[96];
	size_t i, j;
	int rc;

	for (i = 0; i < sizeof names / sizeof *names; i++) {
		x = json_object_get(prof, names[i]);
		if ((rc = check_array(x, names[i], NLP_PROFILE_BINS, e)) != NLP_OK)
			return rc;
		if (json_array_size(x) != NLP_PROFILE_BINS) {
			snprintf(f, sizeof f, "does not have %d bins",
			    NLP_PROFILE_BINS);
			return bad_field(e, names[i], f);
		}
		json_array_foreach(x, j, y) {
			snprintf(f, sizeof f, "%s[%zu]", names[i], j);
			if ((rc = check_count(y, f, COUNT_MAX, &dst[i][j], e)) !=
			    NLP_OK)
				return rc;
		}
	}
	return NLP_OK;
}

/* length_sample: [tokens, chars] pairs. */
static int
parse_sample(const json_t *prof, struct nlp_profile_stored *s,
    struct nlp_err *e)
{
	const json_t *x = json_object_get(prof, "length_sample"), *y;
	double total = 0;
	char f[96];
	size_t i, j, n = json_array_size(x);
	uint64_t v = 0;
	int rc;

	if ((rc = check_array(x, "length_sample", NLP_PROFILE_SAMPLE, e)) !=
	    NLP_OK)
		return rc;
	if ((s->sample_tokens = malloc((n + 1) * sizeof(double))) == NULL ||
	    (s->sample_chars = malloc((n + 1) * sizeof(double))) == NULL ||
	    (s->sample_count = malloc((n + 1) * sizeof(double))) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	json_array_foreach(x, i, y) {
		size_t k = json_array_size(y);
		snprintf(f, sizeof f, "length_sample[%zu]", i);
		if (!json_is_array(y) || k < 2 || k > 3)
			return bad_field(e, f, "is not [tokens, chars] or "
			    "[tokens, chars, count]");
		s->sample_count[i] = 1;
		for (j = 0; j < k; j++) {
			snprintf(f, sizeof f, "length_sample[%zu][%zu]", i, j);
			/* a count of copies: at least 2, within what a double
			   holds exactly */
			if ((rc = check_count(json_array_get(y, j), f, j < 2 ?
			    UINT32_MAX : (UINT64_C(1) << 53), &v, e)) != NLP_OK)
				return rc;
			if (j == 2 && v < 2)
				return bad_field(e, f, "is a count of copies below 2");
			(j == 0 ? s->sample_tokens : j == 1 ? s->sample_chars :
			    s->sample_count)[i] = (double)v;
		}
		/* its texts' copies, each counted once, are the documents' */
		total += s->sample_count[i];
		if (total > (double)s->docs)
			return bad_field(e, "length_sample", "counts more texts "
			    "than docs");
	}
	s->nsample = n;
	return NLP_OK;
}

/* top_tokens: [token, documents] pairs, each token once (one token in two
   bins would be counted twice), in at most every document. */
static int
parse_top(const json_t *prof, struct nlp_profile_stored *s,
    struct nlp_err *e)
{
	const json_t *x = json_object_get(prof, "top_tokens"), *y, *t;
	struct nlp_strmap_entry *en;
	char f[64];
	size_t i, before;
	uint64_t v = 0;
	int rc;

	if ((rc = check_array(x, "top_tokens", NLP_PROFILE_TOP, e)) != NLP_OK)
		return rc;
	json_array_foreach(x, i, y) {
		snprintf(f, sizeof f, "top_tokens[%zu]", i);
		t = json_array_get(y, 0);
		if (!json_is_array(y) || json_array_size(y) != 2 ||
		    !json_is_string(t))
			return bad_field(e, f, "is not [string, count]");
		before = s->top.n;
		if ((en = nlp_strmap_add(&s->top, json_string_value(t),
		    json_string_length(t))) == NULL)
			return nlp_errf(e, NLP_IO, "out of memory");
		if (s->top.n == before)
			return bad_field(e, f, "repeats a token");
		snprintf(f, sizeof f, "top_tokens[%zu][1]", i);
		if ((rc = check_count(json_array_get(y, 1), f, (json_int_t)s->docs,
		    &v, e)) != NLP_OK)
			return rc;
		s->top.ent[s->top.n - 1].value = v;
	}
	return NLP_OK;
}

/* An object of label counts x (named what in messages) into m. */
static int
parse_label_counts(const json_t *x, const char *what, struct nlp_strmap *m,
    struct nlp_err *e)
{
	const json_t *y;
	struct nlp_strmap_entry *en;
	const char *key;
	char f[96];
	uint64_t v = 0;
	int rc;

	if ((rc = check_object(x, what, e)) != NLP_OK)
		return rc;
	json_object_foreach((json_t *)x, key, y) {
		snprintf(f, sizeof f, "%s.%.64s", what, key);
		if ((rc = check_count(y, f, COUNT_MAX, &v, e)) != NLP_OK)
			return rc;
		if ((en = nlp_strmap_add(m, key, strlen(key))) == NULL)
			return nlp_errf(e, NLP_IO, "out of memory");
		en->value = v;
	}
	return NLP_OK;
}

/* labels: the training label counts. */
static int
parse_labels(const json_t *prof, struct nlp_profile_stored *s,
    struct nlp_err *e)
{
	return parse_label_counts(json_object_get(prof, "labels"), "labels",
	    &s->labels, e);
}

/* held_out: n, and accuracy, macro_f1 and the sorted confidences, which
   are written when examples were held out and read whenever present. */
static int
parse_held_out(const json_t *prof, struct nlp_profile_stored *s,
    struct nlp_err *e)
{
	const json_t *ho = json_object_get(prof, "held_out"), *x, *y;
	char f[96];
	size_t i, n;
	int rc;

	if ((rc = check_object(ho, "held_out", e)) != NLP_OK ||
	    (rc = check_count(json_object_get(ho, "n"), "held_out.n", COUNT_MAX,
	    &s->held_out, e)) != NLP_OK)
		return rc;
	n = (size_t)s->held_out;
	if ((x = json_object_get(ho, "predicted")) != NULL) {
		if ((rc = parse_label_counts(x, "held_out.predicted",
		    &s->predicted, e)) != NLP_OK)
			return rc;
		s->has_predicted = 1;
	}
	s->has_accuracy = json_object_get(ho, "accuracy") != NULL;
	if ((n > 0 || s->has_accuracy) &&
	    (rc = check_unit(json_object_get(ho, "accuracy"),
	    "held_out.accuracy", &s->accuracy, e)) != NLP_OK)
		return rc;
	if ((n > 0 || json_object_get(ho, "macro_f1") != NULL) &&
	    (rc = check_unit(json_object_get(ho, "macro_f1"),
	    "held_out.macro_f1", &s->macro_f1, e)) != NLP_OK)
		return rc;
	x = json_object_get(ho, "confidence");
	if (n == 0 && x == NULL)
		return NLP_OK;
	if ((rc = check_array(x, "held_out.confidence", n, e)) != NLP_OK)
		return rc;
	if (json_array_size(x) != n)
		return bad_field(e, "held_out.confidence", "does not have "
		    "'held_out.n' entries");
	if ((s->confidence = malloc((n + 1) * sizeof *s->confidence)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	s->has_confidence = 1;
	json_array_foreach(x, i, y) {
		snprintf(f, sizeof f, "held_out.confidence[%zu]", i);
		if ((rc = check_unit(y, f, &s->confidence[i], e)) != NLP_OK)
			return rc;
	}
	s->nconfidence = n;
	return NLP_OK;
}

int
nlp_profile_parse(struct nlp_profile_stored *s, const char *json, size_t len,
    struct nlp_err *e)
{
	json_error_t je;
	json_t *prof;
	int rc;

	memset(s, 0, sizeof *s);
	memset(&je, 0, sizeof je);
	nlp_json_watch();
	prof = json_loadb(json, len, 0, &je);
	/* a failed allocation can make valid JSON read as a syntax error */
	if (nlp_json_failed())
		rc = nlp_errf(e, NLP_IO, "out of memory");
	else if (prof == NULL)
		rc = nlp_errf(e, NLP_DATA, "member 'profile': not JSON: %s",
		    je.text);
	else if (!json_is_object(prof))
		rc = nlp_errf(e, NLP_DATA, "member 'profile': not a JSON object");
	else if ((rc = check_schema(prof, e)) == NLP_OK &&
	    (rc = parse_counts(prof, s, e)) == NLP_OK &&
	    (rc = parse_hists(prof, s, e)) == NLP_OK &&
	    (rc = parse_sample(prof, s, e)) == NLP_OK &&
	    (rc = parse_top(prof, s, e)) == NLP_OK &&
	    (rc = parse_labels(prof, s, e)) == NLP_OK)
		rc = parse_held_out(prof, s, e);
	json_decref(prof);
	if (rc != NLP_OK)
		nlp_profile_stored_release(s);
	return rc;
}

uint64_t
nlp_profile_label_count(const struct nlp_profile_stored *s, const char *label)
{
	const struct nlp_strmap_entry *en = nlp_strmap_get(&s->labels, label,
	    strlen(label));

	return en != NULL ? en->value : 0;
}

void
nlp_profile_stored_release(struct nlp_profile_stored *s)
{
	free(s->sample_tokens);
	free(s->sample_count);
	free(s->sample_chars);
	free(s->confidence);
	nlp_strmap_release(&s->top);
	nlp_strmap_release(&s->labels);
	nlp_strmap_release(&s->predicted);
	memset(s, 0, sizeof *s);
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
