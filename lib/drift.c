/*
 * drift.c - drift signals, the domain classifier and the verdict (see
 * drift.h).
 */
#include "drift.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "digest.h"
#include "features.h"
#include "jsonwatch.h"
#include "learn.h"
#include "metrics.h"
#include "pool.h"
#include "profile.h"
#include "stats.h"
#include "strmap.h"

#define NEW_TOKENS_MAX 200000   /* distinct new tokens counted, at most */
#define SAMPLE_TEXT_BYTES 2000
#define TOP_CHANGES 15

void
nlp_drift_opts_init(struct nlp_drift_opts *o)
{
	memset(o, 0, sizeof *o);
	o->max_sample = 2000;
	o->small = 1000;
	o->alpha = 0.05;
	o->effect = 0.1;
	o->share_effect = 0.05;
	o->auc = 0.55;
	o->drift_share = 0.5;
	o->max_accuracy_drop = 0.05;
	o->permutations = 20;
	o->seed = 1;
	o->threads = 1;
}

/* Split NUL-separated texts into ref->texts (ref keeps the buffer). */
static int
split_texts(struct nlp_drift_ref *ref, char *buf, size_t len)
{
	size_t i, n = 0, start = 0;

	ref->text_buf = buf;
	for (i = 0; i < len; i++)
		n += buf[i] == '\0';
	if ((ref->texts = calloc(n + 1, sizeof *ref->texts)) == NULL)
		return -1;
	for (i = 0; i < len; i++) {
		if (buf[i] != '\0')
			continue;
		ref->texts[ref->ntexts++] = buf + start;
		start = i + 1;
	}
	return 0;
}

/* Is s[0..n) well-formed UTF-8 (no overlong forms, surrogates or code
   points past U+10FFFF)? */
static int
utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t len, k;
		unsigned lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4;
		else
			return 0;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		else if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		if (n - i < len || s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (k = 2; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		i += len;
	}
	return 1;
}

/*
 * The profile member is data from a file: every field drift reads is
 * checked here, once, for type and range, so that a damaged or forged
 * artifact is a data error naming the member and the field -- never a
 * crash (a NULL string), undefined behaviour (1e308 converted to an
 * integer) or a verdict computed from nonsense.  Counts are integers that
 * a double holds exactly; what a profile bounds (top tokens, the length
 * sample) is bounded here too, so memory stays bounded on any artifact.
 */
#define COUNT_MAX ((json_int_t)1 << 53)

static int
bad_field(struct nlp_err *e, const char *field, const char *what)
{
	return nlp_errf(e, NLP_DATA, "member 'profile': field '%s' %s", field,
	    what);
}

/* x (field) as a count from 0 to max. */
static int
check_count(const json_t *x, const char *field, json_int_t max,
    json_int_t *v, struct nlp_err *e)
{
	if (x == NULL)
		return bad_field(e, field, "is missing");
	if (!json_is_integer(x) || json_integer_value(x) < 0 ||
	    json_integer_value(x) > max)
		return nlp_errf(e, NLP_DATA, "member 'profile': field '%s' is not "
		    "a count from 0 to %lld", field, (long long)max);
	if (v != NULL)
		*v = json_integer_value(x);
	return NLP_OK;
}

/* x (field) as a share or probability, a number from 0 to 1. */
static int
check_unit(const json_t *x, const char *field, struct nlp_err *e)
{
	if (x == NULL)
		return bad_field(e, field, "is missing");
	if (!json_is_number(x) || !(json_number_value(x) >= 0 &&
	    json_number_value(x) <= 1))
		return bad_field(e, field, "is not a number from 0 to 1");
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

/* top_tokens: [token, documents] pairs, each token once. */
static int
check_top(const json_t *x, json_int_t docs, struct nlp_err *e)
{
	struct nlp_strmap seen;
	const json_t *y, *t;
	char f[64];
	size_t i;
	int rc;

	if ((rc = check_array(x, "top_tokens", NLP_PROFILE_TOP, e)) != NLP_OK)
		return rc;
	memset(&seen, 0, sizeof seen);
	json_array_foreach(x, i, y) {
		size_t before = seen.n;

		snprintf(f, sizeof f, "top_tokens[%zu]", i);
		t = json_array_get(y, 0);
		if (!json_is_array(y) || json_array_size(y) != 2 ||
		    !json_is_string(t)) {
			rc = bad_field(e, f, "is not [string, count]");
			break;
		}
		/* one token in two bins would be counted twice */
		if (nlp_strmap_add(&seen, json_string_value(t),
		    json_string_length(t)) == NULL) {
			rc = nlp_errf(e, NLP_IO, "out of memory");
			break;
		}
		if (seen.n == before) {
			rc = bad_field(e, f, "repeats a token");
			break;
		}
		/* a token is in at most every document */
		snprintf(f, sizeof f, "top_tokens[%zu][1]", i);
		if ((rc = check_count(json_array_get(y, 1), f, docs, NULL, e)) !=
		    NLP_OK)
			break;
	}
	nlp_strmap_release(&seen);
	return rc;
}

/* Every field of the profile that drift reads (see profile.h). */
static int
check_profile(const json_t *prof, struct nlp_err *e)
{
	static const char *const chars[] = {
		"letter", "digit", "punct", "other", "non_ascii",
	};
	static const char *const hists[] = {
		"length_bins", "token_length_hist", "char_length_hist",
	};
	const json_t *x, *y, *ho;
	json_int_t docs = 0, n = 0;
	const char *key;
	char f[96];
	size_t i, j;
	int rc;

	x = json_object_get(prof, "schema");
	if (x == NULL)
		return bad_field(e, "schema", "is missing");
	if (!json_is_integer(x))
		return bad_field(e, "schema", "is not an integer");
	if (json_integer_value(x) < NLP_PROFILE_SCHEMA)
		return nlp_errf(e, NLP_DATA, "member 'profile': field 'schema' is "
		    "%lld, older than this nlpops compares (%d): retrain the "
		    "model, or use --reference FILE",
		    (long long)json_integer_value(x), NLP_PROFILE_SCHEMA);
	/* a newer schema may mean other things by the same names */
	if (json_integer_value(x) > NLP_PROFILE_SCHEMA)
		return nlp_errf(e, NLP_DATA, "member 'profile': field 'schema' is "
		    "%lld, newer than this nlpops reads (%d)",
		    (long long)json_integer_value(x), NLP_PROFILE_SCHEMA);
	if ((rc = check_count(json_object_get(prof, "docs"), "docs", COUNT_MAX,
	    &docs, e)) != NLP_OK)
		return rc;
	if (docs == 0)
		return bad_field(e, "docs", "is 0: the profile has no text");
	if ((rc = check_count(json_object_get(prof, "empty"), "empty", docs,
	    NULL, e)) != NLP_OK ||
	    (rc = check_count(json_object_get(prof, "bad_utf8"), "bad_utf8",
	    docs, NULL, e)) != NLP_OK ||
	    (rc = check_count(json_object_get(prof, "token_docs"), "token_docs",
	    COUNT_MAX, NULL, e)) != NLP_OK ||
	    (rc = check_object(json_object_get(prof, "chars"), "chars", e)) !=
	    NLP_OK)
		return rc;
	for (i = 0; i < sizeof chars / sizeof *chars; i++) {
		snprintf(f, sizeof f, "chars.%s", chars[i]);
		if ((rc = check_count(json_object_get(json_object_get(prof,
		    "chars"), chars[i]), f, COUNT_MAX, NULL, e)) != NLP_OK)
			return rc;
	}
	for (i = 0; i < sizeof hists / sizeof *hists; i++) {
		x = json_object_get(prof, hists[i]);
		if ((rc = check_array(x, hists[i], NLP_PROFILE_BINS, e)) != NLP_OK)
			return rc;
		if (json_array_size(x) != NLP_PROFILE_BINS) {
			snprintf(f, sizeof f, "does not have %d bins",
			    NLP_PROFILE_BINS);
			return bad_field(e, hists[i], f);
		}
		json_array_foreach(x, j, y) {
			snprintf(f, sizeof f, "%s[%zu]", hists[i], j);
			if ((rc = check_count(y, f, COUNT_MAX, NULL, e)) != NLP_OK)
				return rc;
		}
	}
	x = json_object_get(prof, "length_sample");
	if ((rc = check_array(x, "length_sample", NLP_PROFILE_SAMPLE, e)) !=
	    NLP_OK)
		return rc;
	json_array_foreach(x, i, y) {
		snprintf(f, sizeof f, "length_sample[%zu]", i);
		if (!json_is_array(y) || json_array_size(y) != 2)
			return bad_field(e, f, "is not [tokens, chars]");
		for (j = 0; j < 2; j++) {
			snprintf(f, sizeof f, "length_sample[%zu][%zu]", i, j);
			if ((rc = check_count(json_array_get(y, j), f, UINT32_MAX,
			    NULL, e)) != NLP_OK)
				return rc;
		}
	}
	if ((rc = check_top(json_object_get(prof, "top_tokens"), docs, e)) !=
	    NLP_OK)
		return rc;
	x = json_object_get(prof, "labels");
	if ((rc = check_object(x, "labels", e)) != NLP_OK)
		return rc;
	json_object_foreach((json_t *)x, key, y) {
		snprintf(f, sizeof f, "labels.%.64s", key);
		if ((rc = check_count(y, f, COUNT_MAX, NULL, e)) != NLP_OK)
			return rc;
	}
	ho = json_object_get(prof, "held_out");
	if ((rc = check_object(ho, "held_out", e)) != NLP_OK ||
	    (rc = check_count(json_object_get(ho, "n"), "held_out.n", COUNT_MAX,
	    &n, e)) != NLP_OK)
		return rc;
	/* written when examples were held out; read whenever present */
	if ((n > 0 || json_object_get(ho, "accuracy") != NULL) &&
	    (rc = check_unit(json_object_get(ho, "accuracy"),
	    "held_out.accuracy", e)) != NLP_OK)
		return rc;
	if ((n > 0 || json_object_get(ho, "macro_f1") != NULL) &&
	    (rc = check_unit(json_object_get(ho, "macro_f1"),
	    "held_out.macro_f1", e)) != NLP_OK)
		return rc;
	x = json_object_get(ho, "confidence");
	if (n > 0 || x != NULL) {
		if ((rc = check_array(x, "held_out.confidence", (size_t)n, e)) !=
		    NLP_OK)
			return rc;
		if (json_array_size(x) != (size_t)n)
			return bad_field(e, "held_out.confidence", "does not have "
			    "'held_out.n' entries");
		json_array_foreach(x, i, y) {
			snprintf(f, sizeof f, "held_out.confidence[%zu]", i);
			if ((rc = check_unit(y, f, e)) != NLP_OK)
				return rc;
		}
	}
	return NLP_OK;
}

int
nlp_drift_ref_from_members(struct nlp_drift_ref *ref, const struct nlp_model *m,
    const void *profile, size_t plen, const void *sample, size_t slen,
    struct nlp_err *e)
{
	const unsigned char *sp = sample;
	json_error_t je;
	char *buf;
	size_t i, start;
	int rc;

	memset(ref, 0, sizeof *ref);
	memset(&je, 0, sizeof je);
	ref->model = m;
	nlp_json_watch();
	ref->profile = json_loadb(profile, plen, 0, &je);
	if (nlp_json_failed()) {
		rc = nlp_errf(e, NLP_IO, "out of memory");
		goto fail;
	}
	if (ref->profile == NULL) {
		rc = nlp_errf(e, NLP_DATA, "member 'profile': not JSON: %s",
		    je.text);
		goto fail;
	}
	if (!json_is_object(ref->profile)) {
		rc = nlp_errf(e, NLP_DATA, "member 'profile': not a JSON object");
		goto fail;
	}
	if ((rc = check_profile(ref->profile, e)) != NLP_OK)
		goto fail;
	/* the labels become keys of the report's JSON */
	for (i = 0; m != NULL && i < m->nclasses; i++)
		if (!utf8_valid((const unsigned char *)m->labels[i],
		    strlen(m->labels[i]))) {
			rc = nlp_errf(e, NLP_DATA, "member 'weights': label %zu is "
			    "not UTF-8", i + 1);
			goto fail;
		}
	/* texts, each NUL-terminated, that the tokenizer takes as UTF-8 */
	if (slen > 0 && sp[slen - 1] != '\0') {
		rc = nlp_errf(e, NLP_DATA, "member 'sample': the last text is not "
		    "NUL-terminated");
		goto fail;
	}
	for (i = 0, start = 0; i < slen; i++) {
		if (sp[i] != '\0')
			continue;
		if (!utf8_valid(sp + start, i - start)) {
			rc = nlp_errf(e, NLP_DATA, "member 'sample': text at byte "
			    "%zu is not UTF-8", start);
			goto fail;
		}
		start = i + 1;
	}
	if ((buf = malloc(slen + 1)) == NULL) {
		rc = nlp_errf(e, NLP_IO, "out of memory");
		goto fail;
	}
	memcpy(buf, sample, slen);
	if (split_texts(ref, buf, slen) < 0) {
		rc = nlp_errf(e, NLP_IO, "out of memory");
		goto fail;
	}
	return NLP_OK;
fail:
	nlp_drift_ref_release(ref);
	return rc;
}

void
nlp_drift_ref_release(struct nlp_drift_ref *ref)
{
	json_decref(ref->profile);
	free(ref->texts);
	free(ref->text_buf);
	memset(ref, 0, sizeof *ref);
}

/* qsort(), which must not be given a NULL array even when n is 0. */
static void
sort(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(v, n, size, cmp);
}

/* A text kept for the domain classifier, chosen by smallest hash. */
struct kept {
	uint64_t hash;
	char *text;
};

/* A bottom-k sample of texts, pruned as it grows. */
struct keep {
	struct kept *v;
	size_t n, cap, k;
};

static int
cmp_kept(const void *a, const void *b)
{
	const struct kept *x = a, *y = b;

	return (x->hash > y->hash) - (x->hash < y->hash);
}

static void
keep_prune(struct keep *s)
{
	size_t i;

	sort(s->v, s->n, sizeof *s->v, cmp_kept);
	for (i = s->k; i < s->n; i++)
		free(s->v[i].text);
	if (s->n > s->k)
		s->n = s->k;
}

/* Offer a text; copies at most SAMPLE_TEXT_BYTES of it. */
static int
keep_add(struct keep *s, uint64_t hash, const char *text, size_t len)
{
	if (s->k == 0)
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		void *p;
		if (s->n >= 4 * s->k) {
			keep_prune(s);
		} else {
			if ((p = realloc(s->v, cap * sizeof *s->v)) == NULL)
				return -1;
			s->v = p;
			s->cap = cap;
		}
	}
	if (len > SAMPLE_TEXT_BYTES) {
		len = SAMPLE_TEXT_BYTES;
		while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--;
	}
	if ((s->v[s->n].text = strndup(text, len)) == NULL)
		return -1;
	s->v[s->n++].hash = hash;
	return 0;
}

static void
keep_release(struct keep *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].text);
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* A bottom-k sample of numbers (confidences). */
struct numkeep {
	struct { uint64_t hash; double v; } *v;
	size_t n, cap, k;
};

static int
cmp_numkeep(const void *a, const void *b)
{
	const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int
numkeep_add(struct numkeep *s, uint64_t hash, double v)
{
	if (s->n == s->cap) {
		if (s->n >= 4 * s->k) {
			sort(s->v, s->n, sizeof *s->v, cmp_numkeep);
			s->n = s->k;
		} else {
			size_t cap = s->cap ? s->cap * 2 : 256;
			void *p = realloc(s->v, cap * sizeof *s->v);
			if (p == NULL)
				return -1;
			s->v = p;
			s->cap = cap;
		}
	}
	s->v[s->n].hash = hash;
	s->v[s->n++].v = v;
	return 0;
}

/* What one pass over a text collection accumulates. */
struct pass {
	struct nlp_profile prof;     /* lengths, characters, empty, bad UTF-8 */
	struct nlp_strmap top;       /* reference top tokens (the whole pass's) */
	const struct nlp_strmap *topmap;  /* the top map counted against */
	uint64_t *topcnt;            /* per top entry: current documents */
	uint64_t *top_last, *fresh_last;  /* per entry: last document counted */
	size_t top_cap, fresh_cap;
	uint64_t other;              /* distinct tokens per document outside
	                                the reference's top list, summed */
	struct nlp_strmap fresh;     /* those tokens, up to NEW_TOKENS_MAX */
	uint64_t fresh_dropped;
	uint64_t tokens, oov;        /* unigrams checked against the model */
	uint64_t *pred;              /* predicted class counts */
	struct numkeep conf;         /* top-1 confidences */
	struct nlp_strmap gold;      /* gold label counts, labeled data */
	uint64_t correct, scored;    /* gold known to the model */
	struct nlp_class_counts cm;    /* gold x predicted, linear in C */
	struct keep texts;
	uint64_t records;
	/* no record whose hash is at least these can enter the bottom-k
	   samples any more (the whole pass's, read by its chunks) */
	uint64_t texts_max, conf_max;
};

static void
pass_release(struct pass *p)
{
	nlp_profile_release(&p->prof);
	nlp_strmap_release(&p->top);
	nlp_strmap_release(&p->fresh);
	free(p->topcnt);
	free(p->top_last);
	free(p->fresh_last);
	nlp_strmap_release(&p->gold);
	nlp_class_counts_release(&p->cm);
	free(p->pred);
	free(p->conf.v);
	keep_release(&p->texts);
}

/* Count the tokens of one text against the reference's top list. */
static int
count_tokens(struct pass *p, const struct nlp_tokens *t, int with_top,
    uint64_t doc)
{
	size_t i;

	/* each token counts once per document, as in the profile */
	for (i = 0; with_top && i < t->n; i++) {
		const char *s = t->text + t->off[i];
		struct nlp_strmap_entry *en = nlp_strmap_get(p->topmap, s,
		    t->len[i]);

		int seen;

		if (en != NULL) {
			size_t x = (size_t)(en - p->topmap->ent);
			if ((seen = nlp_doc_once(&p->top_last, &p->top_cap, x,
			    doc)) < 0)
				return -1;
			if (!seen)
				p->topcnt[x]++;
			continue;
		}
		en = nlp_strmap_get(&p->fresh, s, t->len[i]);
		if (en == NULL && p->fresh.n < NEW_TOKENS_MAX &&
		    (en = nlp_strmap_add(&p->fresh, s, t->len[i])) == NULL)
			return -1;
		if (en == NULL) {
			p->fresh_dropped++;
			p->other++;
			continue;
		}
		if ((seen = nlp_doc_once(&p->fresh_last, &p->fresh_cap,
		    (size_t)(en - p->fresh.ent), doc)) < 0)
			return -1;
		if (!seen) {
			en->value++;
			p->other++;
		}
	}
	return 0;
}

/* Per-thread scratch for scoring records. */
struct worker {
	struct nlp_scorer sc;
	struct nlp_tokens tok;
	float *probs;
};

/* Accumulate one record (number recno in the whole input) into p. */
static int
pass_record(struct pass *p, struct worker *w, const char *text, size_t len,
    const char *label, unsigned flags, uint64_t recno,
    const struct nlp_model *m, int with_top, uint64_t seed)
{
	const struct nlp_tokens *t = &w->tok;
	uint64_t h = nlp_xxh64(&recno, sizeof recno, seed);

	p->records++;
	/* doc-once counting keys on the record: recno + 1 is never 0 */
	if (m != NULL) {
		uint32_t best;
		size_t i;

		if (nlp_model_predict(m, &w->sc, text, len, w->probs) < 0)
			return -1;
		t = &w->sc.f.tok;
		nlp_top_k(w->probs, m->nclasses, 1, &best);
		p->pred[best]++;
		if (h < p->conf_max && numkeep_add(&p->conf, h, w->probs[best]) < 0)
			return -1;
		for (i = 0; i < t->n; i++)
			p->oov += !nlp_model_has_bucket(m, (uint32_t)(w->sc.f.hash[i] >>
			    (64 - m->feat.bits)));
		p->tokens += t->n;
		if (label != NULL) {
			int g = nlp_model_label_index(m, label);
			if (g >= 0) {
				nlp_class_counts_add(&p->cm, (uint32_t)g, best);
				p->scored++;
				p->correct += (uint32_t)g == best;
			}
		}
	} else if (nlp_tokenize(text, len, &w->tok) < 0) {
		return -1;
	}
	if (label != NULL) {
		struct nlp_strmap_entry *en = nlp_strmap_add(&p->gold, label,
		    strlen(label));
		if (en == NULL)
			return -1;
		en->value++;
	}
	if (nlp_profile_add(&p->prof, text, len, t, flags, h) < 0 ||
	    count_tokens(p, t, with_top, recno + 1) < 0 ||
	    (h < p->texts_max && keep_add(&p->texts, h, text, len) < 0))
		return -1;
	return 0;
}

/* Set up an empty pass (or chunk of one) over the top map. */
static int
pass_init(struct pass *p, const struct nlp_strmap *topmap,
    const struct nlp_model *m, int with_top, size_t keep_k)
{
	p->prof.no_tokens = with_top;
	p->texts.k = keep_k;
	p->conf.k = NLP_PROFILE_SAMPLE;
	p->topmap = topmap;
	p->texts_max = p->conf_max = UINT64_MAX;
	if ((p->topcnt = calloc(topmap->n + 1, sizeof *p->topcnt)) == NULL)
		return -1;
	if (m != NULL && ((p->pred = calloc(m->nclasses, sizeof *p->pred)) ==
	    NULL || nlp_class_counts_init(&p->cm, m->nclasses) < 0))
		return -1;
	return 0;
}

/* Add chunk c's counts to p, in chunk order (c is emptied). */
static int
pass_merge(struct pass *p, struct pass *c, const struct nlp_model *m)
{
	size_t i;

	if (nlp_profile_merge(&p->prof, &c->prof) < 0)
		return -1;
	for (i = 0; i < p->topmap->n; i++)
		p->topcnt[i] += c->topcnt[i];
	p->other += c->other;
	p->fresh_dropped += c->fresh_dropped;
	for (i = 0; i < c->fresh.n; i++) {
		const struct nlp_strmap_entry *ce = &c->fresh.ent[i];
		struct nlp_strmap_entry *en = nlp_strmap_get(&p->fresh, ce->key,
		    ce->len);
		if (en == NULL && p->fresh.n < NEW_TOKENS_MAX &&
		    (en = nlp_strmap_add(&p->fresh, ce->key, ce->len)) == NULL)
			return -1;
		if (en != NULL)
			en->value += ce->value;
		else
			p->fresh_dropped += ce->value;
	}
	p->tokens += c->tokens;
	p->oov += c->oov;
	p->correct += c->correct;
	p->scored += c->scored;
	p->records += c->records;
	if (m != NULL) {
		for (i = 0; i < m->nclasses; i++)
			p->pred[i] += c->pred[i];
		for (i = 0; i < m->nclasses; i++) {
			p->cm.tp[i] += c->cm.tp[i];
			p->cm.pred[i] += c->cm.pred[i];
			p->cm.gold[i] += c->cm.gold[i];
		}
		p->cm.n += c->cm.n;
		p->cm.correct += c->cm.correct;
	}
	for (i = 0; i < c->gold.n; i++) {
		const struct nlp_strmap_entry *ce = &c->gold.ent[i];
		struct nlp_strmap_entry *en = nlp_strmap_add(&p->gold, ce->key,
		    ce->len);
		if (en == NULL)
			return -1;
		en->value += ce->value;
	}
	for (i = 0; i < c->conf.n; i++)
		if (numkeep_add(&p->conf, c->conf.v[i].hash, c->conf.v[i].v) < 0)
			return -1;
	for (i = 0; i < c->texts.n; i++) {
		/* hand the string over: keep_add would copy it */
		if (p->texts.n == p->texts.cap) {
			size_t cap = p->texts.cap ? p->texts.cap * 2 : 64;
			void *q;
			if (p->texts.n >= 4 * p->texts.k) {
				keep_prune(&p->texts);
			} else {
				if ((q = realloc(p->texts.v, cap * sizeof *p->texts.v)) ==
				    NULL)
					return -1;
				p->texts.v = q;
				p->texts.cap = cap;
			}
		}
		p->texts.v[p->texts.n++] = c->texts.v[i];
		c->texts.v[i].text = NULL;
	}
	c->texts.n = 0;
	return 0;
}

#define PASS_BATCH 4096          /* records read before scoring them */
#define PASS_CHUNK 256           /* records a task accumulates */
#define PASS_CHUNKS (PASS_BATCH / PASS_CHUNK)

/* A batch of records copied out of the reader. */
struct pass_batch {
	struct nlp_arena text;
	size_t off[PASS_BATCH + 1];
	size_t lab[PASS_BATCH];      /* offset of the label, or SIZE_MAX */
	unsigned flags[PASS_BATCH];
	size_t n;
	uint64_t first;              /* record number of the first */
	struct pass part[PASS_CHUNKS];
	struct worker w[PASS_CHUNKS];
	const struct nlp_model *m;
	int with_top, failed;
	uint64_t seed;
};

/* Accumulate chunk k of the batch into its own partial pass. */
static void
pass_task(void *arg, size_t k)
{
	struct pass_batch *b = arg;
	size_t i, end = (k + 1) * PASS_CHUNK;

	if (end > b->n)
		end = b->n;
	for (i = k * PASS_CHUNK; i < end; i++) {
		const char *t = b->text.p + b->off[i];
		size_t len = b->lab[i] != SIZE_MAX ? b->lab[i] - b->off[i] - 1 :
		    b->off[i + 1] - b->off[i] - 1;
		if (pass_record(&b->part[k], &b->w[k], t, len, b->lab[i] !=
		    SIZE_MAX ? b->text.p + b->lab[i] : NULL, b->flags[i],
		    b->first + i, b->m, b->with_top, b->seed) < 0) {
			b->failed = 1;
			return;
		}
	}
}

/* Score the batch in parallel chunks and merge them in order. */
static int
pass_flush(struct pass *p, struct pass_batch *b, struct nlp_pool *pool,
    size_t keep_k)
{
	size_t k, nchunks = (b->n + PASS_CHUNK - 1) / PASS_CHUNK;

	/* the samples so far bound what can still enter them: chunks skip
	   records that cannot (the result is the same, the copying is not) */
	keep_prune(&p->texts);
	if (p->texts.n >= p->texts.k && p->texts.k > 0)
		p->texts_max = p->texts.v[p->texts.k - 1].hash;
	if (p->conf.n >= p->conf.k && p->conf.k > 0) {
		sort(p->conf.v, p->conf.n, sizeof *p->conf.v, cmp_numkeep);
		p->conf.n = p->conf.k;
		p->conf_max = p->conf.v[p->conf.k - 1].hash;
	}
	for (k = 0; k < nchunks && !b->failed; k++) {
		/* a chunk that fails half set up is released below */
		if (pass_init(&b->part[k], p->topmap, b->m, b->with_top,
		    keep_k) < 0)
			b->failed = 1;
		b->part[k].texts_max = p->texts_max;
		b->part[k].conf_max = p->conf_max;
	}
	if (!b->failed)
		nlp_pool_run(pool, nchunks, pass_task, b);
	for (k = 0; k < nchunks; k++) {
		if (!b->failed && pass_merge(p, &b->part[k], b->m) < 0)
			b->failed = 1;
		pass_release(&b->part[k]);
		memset(&b->part[k], 0, sizeof b->part[k]);
	}
	b->first += b->n;
	b->n = 0;
	nlp_arena_clear(&b->text);
	return b->failed ? -1 : 0;
}

/*
 * Read texts and accumulate.  With the model: predictions, confidences,
 * OOV.  with_top: count against p->top (current); otherwise count every
 * token into the profile (a reference file).  Records are scored in
 * parallel chunks of a fixed size, merged in order: the result does not
 * depend on the thread count.
 */
static int
run_pass(struct pass *p, const char *const *paths, size_t n,
    const struct nlp_reader_opts *ro, const struct nlp_model *m, int with_top,
    size_t keep_k, uint64_t seed, unsigned threads, struct nlp_err *e)
{
	struct nlp_reader *r = NULL;
	struct nlp_record rec;
	struct nlp_pool *pool = NULL;
	struct pass_batch *b = NULL;
	size_t k;
	int rc;

	if (pass_init(p, &p->top, m, with_top, keep_k) < 0 ||
	    (b = calloc(1, sizeof *b)) == NULL ||
	    (pool = nlp_pool_new(threads)) == NULL)
		goto oom;
	b->m = m;
	b->with_top = with_top;
	b->seed = seed;
	for (k = 0; m != NULL && k < PASS_CHUNKS; k++)
		if ((b->w[k].probs = malloc(m->nclasses * sizeof(float))) == NULL)
			goto oom;
	if ((rc = nlp_reader_open(&r, paths, n, ro, e)) != NLP_OK)
		goto out;
	while ((rc = nlp_reader_next(r, &rec, e)) == NLP_OK && rec.text) {
		if ((b->off[b->n] = nlp_arena_put(&b->text, rec.text,
		    rec.text_len)) == (size_t)-1)
			goto oom;
		b->lab[b->n] = SIZE_MAX;
		if (rec.nlabels > 0 && (b->lab[b->n] = nlp_arena_put(&b->text,
		    rec.labels[0], strlen(rec.labels[0]))) == (size_t)-1)
			goto oom;
		b->flags[b->n] = rec.flags;
		b->off[++b->n] = b->text.len;
		if ((b->n == PASS_BATCH || b->text.len > (16u << 20)) &&
		    pass_flush(p, b, pool, keep_k) < 0)
			goto oom;
	}
	if (rc != NLP_OK)
		goto out;
	if (b->n > 0 && pass_flush(p, b, pool, keep_k) < 0)
		goto oom;
	rc = NLP_OK;
	goto out;
oom:
	rc = nlp_errf(e, NLP_IO, "out of memory");
out:
	nlp_reader_free(r);
	nlp_pool_free(pool);
	if (b != NULL) {
		for (k = 0; k < PASS_CHUNKS; k++) {
			nlp_scorer_release(&b->w[k].sc);
			nlp_tokens_release(&b->w[k].tok);
			free(b->w[k].probs);
		}
		nlp_arena_release(&b->text);
		free(b);
	}
	if (rc == NLP_OK) {
		keep_prune(&p->texts);
		sort(p->conf.v, p->conf.n, sizeof *p->conf.v, cmp_numkeep);
		if (p->conf.n > p->conf.k)
			p->conf.n = p->conf.k;
		/* the counts, where the report reads them */
		for (k = 0; k < p->top.n; k++)
			p->top.ent[k].value = p->topcnt[k];
	}
	return rc;
}

int
nlp_drift_ref_from_files(struct nlp_drift_ref *ref, const char *const *paths,
    size_t n, const struct nlp_reader_opts *ro, const struct nlp_drift_opts *o,
    struct nlp_err *e)
{
	struct nlp_profile_model pm;
	struct pass p;
	const char **labels = NULL;
	uint64_t *counts = NULL;
	size_t i, len = 0;
	char *prof = NULL, *buf = NULL;
	int rc;

	memset(ref, 0, sizeof *ref);
	memset(&p, 0, sizeof p);
	if ((rc = run_pass(&p, paths, n, ro, NULL, 0, o->max_sample, o->seed ^ 1,
	    o->threads, e)) != NLP_OK)
		goto out;
	if (p.records == 0) {
		/* nothing to compare with: not "no drift" */
		rc = nlp_errf(e, NLP_DATA, "no reference text");
		goto out;
	}
	memset(&pm, 0, sizeof pm);
	labels = calloc(p.gold.n + 1, sizeof *labels);
	counts = calloc(p.gold.n + 1, sizeof *counts);
	if (labels == NULL || counts == NULL)
		goto oom;
	for (i = 0; i < p.gold.n; i++) {
		labels[i] = p.gold.ent[i].key;
		counts[i] = p.gold.ent[i].value;
	}
	pm.labels = labels;
	pm.label_counts = counts;
	pm.nclasses = (uint32_t)p.gold.n;
	if ((prof = nlp_profile_json(&p.prof, &pm)) == NULL)
		goto oom;
	nlp_json_watch();
	ref->profile = json_loads(prof, 0, NULL);
	if (nlp_json_failed()) {
		json_decref(ref->profile);
		ref->profile = NULL;
	}
	for (i = 0; i < p.texts.n; i++)
		len += strlen(p.texts.v[i].text) + 1;
	if ((buf = malloc(len + 1)) == NULL)
		goto oom;
	for (i = 0, len = 0; i < p.texts.n; i++) {
		size_t l = strlen(p.texts.v[i].text) + 1;
		memcpy(buf + len, p.texts.v[i].text, l);
		len += l;
	}
	if (ref->profile == NULL)
		goto oom;
	if (split_texts(ref, buf, len) < 0) {
		buf = NULL;       /* ref owns it now */
		goto oom;
	}
	buf = NULL;
	goto out;
oom:
	rc = nlp_errf(e, NLP_IO, "out of memory");
	nlp_drift_ref_release(ref);
out:
	free(buf);
	free(prof);
	free(labels);
	free(counts);
	pass_release(&p);
	return rc;
}

/*
 * Building the report: the jansson calls add up their results in jr.
 * json_object_set_new() and json_array_append_new() fail (and free the
 * value) when the value or the container is NULL, so one failed allocation
 * anywhere shows in jr and becomes "out of memory", instead of a key that
 * silently is not there (a report without verdict.drift reads as "no
 * drift").
 */

/* A number, or null where it is not finite (JSON has no NaN): NULL only
   when out of memory. */
static json_t *
jnum(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

/*
 * Append a signal to the report; -1 when out of memory.  reference and
 * current (json_null() for none) are taken over, whatever happens.
 */
static int
signal_add(json_t *a, const char *name, const char *stat_name, double stat,
    double p, const char *method, double threshold, int drifted,
    json_t *reference, json_t *current)
{
	json_t *o = json_object();
	int jr = 0;

	jr |= json_object_set_new(o, "name", json_string(name));
	jr |= json_object_set_new(o, "statistic_name", json_string(stat_name));
	jr |= json_object_set_new(o, "statistic", jnum(stat));
	jr |= json_object_set_new(o, "p_value", jnum(p));
	jr |= json_object_set_new(o, "method", json_string(method));
	jr |= json_object_set_new(o, "threshold", jnum(threshold));
	jr |= json_object_set_new(o, "drifted", json_boolean(drifted));
	jr |= json_object_set_new(o, "reference", reference);
	jr |= json_object_set_new(o, "current", current);
	jr |= json_array_append_new(a, o);
	return jr;
}

/*
 * A share (k of n) against the reference's (rk of rn): chi-squared on the
 * two cells, or the absolute change for large samples.  Returns 0 (also
 * when there is nothing to compare), -1 when out of memory.
 */
static int
share_signal(json_t *a, const char *name, double rk, double rn, double k,
    double n, int small, const struct nlp_drift_opts *o)
{
	/* small is 0 for shares of tokens and characters: their counts run to
	   the millions, where any difference is "significant" */
	double rs = rn > 0 ? rk / rn : 0, cs = n > 0 ? k / n : 0;
	double stat = NAN, p = NAN;

	if (rn <= 0 || n <= 0)
		return 0;
	if (rs > 0 && rs < 1) {
		double obs[2] = { k, n - k }, exp[2] = { rs * n, (1 - rs) * n };
		nlp_chisquare(obs, exp, 2, &stat, &p);
	}
	if (small && isfinite(p))
		return signal_add(a, name, "chi2", stat, p, "p-value", o->alpha,
		    p < o->alpha, jnum(rs), jnum(cs));
	return signal_add(a, name, "abs_change", fabs(cs - rs), p, "effect",
	    o->share_effect, fabs(cs - rs) >= o->share_effect, jnum(rs),
	    jnum(cs));
}

/* Mean and standard deviation of v[0..n). */
static void
mean_sd(const double *v, size_t n, double *mean, double *sd)
{
	double s = 0, ss = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += v[i];
	*mean = n ? s / n : 0;
	for (i = 0; i < n; i++)
		ss += (v[i] - *mean) * (v[i] - *mean);
	*sd = n > 1 ? sqrt(ss / (n - 1)) : 0;
}

/*
 * Two samples: KS (small) or Wasserstein normed by the reference's sd.
 * Returns 0 (also when a sample is empty), -1 when out of memory.
 */
static int
sample_signal(json_t *a, const char *name, const double *r, size_t rn,
    const double *c, size_t cn, int small, const struct nlp_drift_opts *o)
{
	double d, p, w, mean, sd, cmean, csd;
	int exact;

	if (rn == 0 || cn == 0)
		return 0;
	/* neither sample is empty and every value is finite: failing here is
	   out of memory (stats.h) */
	if (nlp_ks_2samp(r, rn, c, cn, &d, &p, &exact) < 0 ||
	    isnan(w = nlp_wasserstein(r, rn, c, cn)))
		return -1;
	/* a small reference sample is small whatever the current one is: a
	   model's held-out confidences may be 50 values, whose normed
	   Wasserstein distance to any large sample is above the effect
	   threshold most of the time */
	small = small || rn <= o->small;
	mean_sd(r, rn, &mean, &sd);
	mean_sd(c, cn, &cmean, &csd);
	w /= sd > 0 ? sd : 1;
	if (small)
		return signal_add(a, name, exact ? "ks (exact)" :
		    "ks (asymptotic)", d, p, "p-value", o->alpha, p < o->alpha,
		    jnum(mean), jnum(cmean));
	return signal_add(a, name, "wasserstein_normed", w, p, "effect",
	    o->effect, w >= o->effect, jnum(mean), jnum(cmean));
}

/*
 * Two distributions over the same bins: chi-squared (small) or an effect
 * size (JS distance or PSI) for large samples.  ref are reference counts,
 * cur current counts.  Returns 0 (also when there is nothing to compare),
 * -1 when out of memory.
 */
static int
dist_signal(json_t *a, const char *name, const double *ref, const double *cur,
    size_t k, int use_psi, int small, const struct nlp_drift_opts *o)
{
	double rt = 0, ct = 0, stat = NAN, p = NAN, js, psi, kl;
	double *obs = NULL, *exp = NULL;
	json_t *extra = NULL;
	size_t i, m = 0;
	int jr = -1;

	for (i = 0; i < k; i++)
		rt += ref[i], ct += cur[i];
	if (rt <= 0 || ct <= 0 || k < 2)
		return 0;
	obs = malloc((k + 1) * sizeof *obs);
	exp = malloc((k + 1) * sizeof *exp);
	if (obs == NULL || exp == NULL || (extra = json_object()) == NULL)
		goto out;
	/* bins the reference never saw have no expected count: left out */
	for (i = 0; i < k; i++) {
		if (ref[i] <= 0)
			continue;
		obs[m] = cur[i];
		exp[m] = ref[i] / rt * ct;
		m++;
	}
	if (m >= 2)
		nlp_chisquare(obs, exp, m, &stat, &p);
	js = nlp_jensenshannon(ref, cur, k);
	psi = nlp_psi(ref, cur, k, 1e-4);
	kl = nlp_kl(ref, cur, k, 1e-4);
	jr = 0;
	jr |= json_object_set_new(extra, "jensen_shannon", jnum(js));
	jr |= json_object_set_new(extra, "psi", jnum(psi));
	jr |= json_object_set_new(extra, "kl", jnum(kl));
	jr |= json_object_set_new(extra, "chi2", jnum(stat));
	jr |= json_object_set_new(extra, "chi2_p_value", jnum(p));
	jr |= json_object_set_new(extra, "bins", json_integer((json_int_t)k));
	if (small && isfinite(p))
		jr |= signal_add(a, name, "chi2", stat, p, "p-value", o->alpha,
		    p < o->alpha, json_null(), json_null());
	else if (use_psi)
		jr |= signal_add(a, name, "psi", psi, p, "effect", o->effect,
		    psi >= o->effect, json_null(), json_null());
	else {
		/*
		 * Two samples of one distribution differ by chance: the
		 * G-test gives E[JSD] ~ (k - 1) / (2 N ln 2) over k bins and N
		 * counts, and tokens cluster within documents (an
		 * overdispersion of about 2 on our data), so JSD - (k - 1) /
		 * (N ln 2) is the part sampling noise does not explain.  The
		 * verdict uses that distance; the raw one is in detail.
		 */
		double jsd = js * js - (double)(k - 1) / ((rt + ct) * log(2.0));
		double jsc = jsd > 0 ? sqrt(jsd) : 0;
		jr |= json_object_set_new(extra, "jensen_shannon_corrected",
		    jnum(jsc));
		jr |= signal_add(a, name, "jensen_shannon_corrected", jsc, p,
		    "effect", o->effect, jsc >= o->effect, json_null(),
		    json_null());
	}
	if (jr == 0)
		jr = json_object_set_new(json_array_get(a, json_array_size(a) - 1),
		    "detail", extra);
	else
		json_decref(extra);
	extra = NULL;
out:
	json_decref(extra);
	free(obs);
	free(exp);
	return jr;
}

/* The domain classifier's documents. */
struct ddocs {
	size_t n;
	size_t *start;
	uint32_t *key, *tf, *y;
	float *val;
	size_t nnz, cap;
};

static void
ddocs_release(struct ddocs *d)
{
	free(d->start);
	free(d->key);
	free(d->tf);
	free(d->y);
	free(d->val);
	memset(d, 0, sizeof *d);
}

/* Add a featurized text (f->key, f->tf) with label y. */
static int
ddocs_add(struct ddocs *d, const struct nlp_featurizer *f, uint32_t y)
{
	void *p;

	if (d->nnz + f->nkey + 1 > d->cap) {
		size_t cap = d->cap ? d->cap : 1 << 16;
		while (cap < d->nnz + f->nkey + 1)
			cap *= 2;
		if ((p = realloc(d->key, cap * sizeof *d->key)) == NULL)
			return -1;
		d->key = p;
		if ((p = realloc(d->tf, cap * sizeof *d->tf)) == NULL)
			return -1;
		d->tf = p;
		d->cap = cap;
	}
	if ((p = realloc(d->start, (d->n + 2) * sizeof *d->start)) == NULL)
		return -1;
	d->start = p;
	if ((p = realloc(d->y, (d->n + 1) * sizeof *d->y)) == NULL)
		return -1;
	d->y = p;
	d->start[d->n] = d->nnz;
	memcpy(d->key + d->nnz, f->key, f->nkey * sizeof *f->key);
	memcpy(d->tf + d->nnz, f->tf, f->nkey * sizeof *f->tf);
	d->nnz += f->nkey;
	d->y[d->n++] = y;
	d->start[d->n] = d->nnz;
	return 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/*
 * Map keys to rows of the sorted vocabulary (dropping unknown ones) and
 * weight them by TF-IDF.
 */
static int
ddocs_vectorize(struct ddocs *d, const uint32_t *vocab, size_t V,
    const float *idf)
{
	float *tmp = malloc((d->nnz + 1) * sizeof *tmp);
	size_t i, f, w = 0;

	if (tmp == NULL || (d->val = malloc((d->nnz + 1) * sizeof *d->val)) == NULL) {
		free(tmp);
		return -1;
	}
	for (i = 0; i < d->n; i++) {
		size_t a = d->start[i], b = d->start[i + 1], first = w;
		d->start[i] = w;
		for (f = a; f < b; f++) {
			uint32_t *hit = bsearch(&d->key[f], vocab, V, sizeof *vocab,
			    cmp_u32);
			if (hit == NULL)
				continue;
			d->key[w] = (uint32_t)(hit - vocab);
			d->tf[w] = d->tf[f];
			tmp[w - first] = idf[d->key[w]];
			w++;
		}
		nlp_tfidf_normalize(d->val + first, d->tf + first, tmp, w - first);
	}
	d->start[d->n] = d->nnz = w;
	free(tmp);
	return 0;
}

/*
 * Train on tr (labels y) and put the ROC AUC on te (labels ty) in *auc.
 * Returns NLP_OK, or NLP_IO when out of memory: a domain classifier that
 * did not run must not read as one that found nothing.
 */
static int
domain_auc(const struct ddocs *tr, const uint32_t *y, const struct ddocs *te,
    const uint32_t *ty, uint32_t V, uint64_t seed, float *w, double *auc,
    struct nlp_err *e)
{
	struct nlp_dataset ds;
	struct nlp_learn_opts lo;
	float bias[2] = { 0, 0 }, p[2];
	double *score = malloc((te->n + 1) * sizeof *score);
	int *lab = malloc((te->n + 1) * sizeof *lab), rc;
	size_t i;

	if (score == NULL || lab == NULL) {
		rc = nlp_errf(e, NLP_IO, "out of memory");
		goto out;
	}
	memset(w, 0, (size_t)V * 2 * sizeof *w);
	ds.n = tr->n;
	ds.start = tr->start;
	ds.row = tr->key;
	ds.val = tr->val;
	ds.y = y;
	ds.nrows = V;
	ds.nclasses = 2;
	memset(&lo, 0, sizeof lo);
	lo.epochs = 5;
	lo.lr = 1.0f;
	lo.seed = seed;
	if ((rc = nlp_learn(&ds, &lo, w, bias, e)) != NLP_OK)
		goto out;
	for (i = 0; i < te->n; i++) {
		nlp_model_scores(w, bias, 2, te->key + te->start[i],
		    te->val + te->start[i], te->start[i + 1] - te->start[i], p);
		score[i] = p[1];
		lab[i] = (int)ty[i];
	}
	if (nlp_roc_auc(score, lab, te->n, auc) < 0)
		rc = nlp_errf(e, NLP_IO, "out of memory");
out:
	free(score);
	free(lab);
	return rc;
}

/* "tok" or "tok1 tok2": the n-gram of k tokens at j. */
static char *
ngram_name(const struct nlp_tokens *t, size_t j, size_t k)
{
	size_t len = t->len[j] + (k == 2 ? t->len[j + 1] + 1 : 0);
	char *s = malloc(len + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, t->text + t->off[j], t->len[j]);
	if (k == 2) {
		s[t->len[j]] = ' ';
		memcpy(s + t->len[j] + 1, t->text + t->off[j + 1], t->len[j + 1]);
	}
	s[len] = '\0';
	return s;
}

struct named {
	uint32_t row;
	double weight;
};

static int
cmp_named(const void *a, const void *b)
{
	const struct named *x = a, *y = b;

	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);
}

static int
cmp_double_asc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Labels for a permutation run: within each side, a random half labeled 1.
 * A plain shuffle would leave one side with more 1s by chance, and on text
 * that truly differs the classifier would learn the sides from that and
 * score far from 0.5 either way, inflating the null distribution.  Returns
 * 0, or -1 when out of memory (the true labels instead would make the
 * permutation threshold the real AUC).
 */
static int
balanced_labels(const struct ddocs *tr, uint32_t *y, uint64_t *state)
{
	uint32_t side, *idx = malloc((tr->n + 1) * sizeof *idx);
	size_t i, n;

	if (idx == NULL)
		return -1;
	for (side = 0; side < 2; side++) {
		for (i = 0, n = 0; i < tr->n; i++)
			if (tr->y[i] == side)
				idx[n++] = (uint32_t)i;
		nlp_shuffle(idx, n, state);
		for (i = 0; i < n; i++)
			y[idx[i]] = i < n / 2 ? 1 : 0;
	}
	free(idx);
	return 0;
}

/*
 * Tell reference texts from current ones: train on the even-numbered texts
 * of each side and measure ROC AUC on the odd ones, and the other way
 * round, and average; name the n-grams that separate them best.  *dom
 * gets the "domain" object.  Returns NLP_OK or NLP_IO (out of memory:
 * *dom is NULL and *drifted 0, and the caller must not give a verdict).
 */
static int
domain(char *const *rtexts, size_t rn, const struct kept *ctexts, size_t cn,
    const struct nlp_drift_opts *o, int small, int *drifted, json_t **dom,
    struct nlp_err *e)
{
	struct nlp_feat_opts fo = { .ngrams = 2, .bits = 22, .seed = 0x646f6dULL };
	struct nlp_featurizer f;
	struct nlp_strmap names;
	char **name_of = NULL;
	size_t name_cap = 0, named = 0;
	struct ddocs tr, te;
	struct named *rank = NULL;
	uint32_t *vocab = NULL, *df = NULL, *y = NULL, *y2 = NULL, V = 0;
	float *idf = NULL, *w = NULL;
	double auc, a1, a2, threshold = o->auc, *perm = NULL;
	json_t *out = json_object(), *a;
	size_t m = rn < cn ? rn : cn, i, j, k, nv = 0;
	int rc = NLP_OK, jr = 0;

	*drifted = 0;
	*dom = NULL;
	memset(&f, 0, sizeof f);
	memset(&names, 0, sizeof names);
	memset(&tr, 0, sizeof tr);
	memset(&te, 0, sizeof te);
	if (out == NULL)
		goto oom;
	if (m > o->max_sample)
		m = o->max_sample;
	/* the AUC is as noisy as the texts per side are few, however many
	   current records there are: a model's sample is its held-out texts,
	   which may be 50 */
	small = small || m <= o->small;
	jr |= json_object_set_new(out, "texts_per_side",
	    json_integer((json_int_t)m));
	if (m < 20) {
		jr |= json_object_set_new(out, "auc", json_null());
		jr |= json_object_set_new(out, "skipped", json_string("fewer than "
		    "20 texts on a side"));
		if (jr != 0)
			goto oom;
		goto done;
	}
	for (i = 0; i < 2 * m; i++) {
		const char *t = i % 2 ? ctexts[i / 2].text : rtexts[i / 2];
		struct ddocs *d = (i / 2) % 2 ? &te : &tr;

		if (nlp_featurize(&f, &fo, t, strlen(t)) < 0 ||
		    ddocs_add(d, &f, (uint32_t)(i % 2)) < 0)
			goto oom;
		/* name the unigrams and bigrams */
		for (j = 0; j < f.tok.n; j++) {
			for (k = 1; k <= 2 && j + k <= f.tok.n; k++) {
				uint32_t b = (uint32_t)(nlp_ngram_hash(fo.seed, f.hash + j,
				    k) >> (64 - fo.bits));
				struct nlp_strmap_entry *en;
				size_t before = names.n;

				if ((en = nlp_strmap_add(&names, (const char *)&b,
				    sizeof b)) == NULL)
					goto oom;
				/* grown by doubling: one realloc per new n-gram copied
				   the whole array each time (quadratic under ASan) */
				if (names.n > before && names.n > name_cap) {
					size_t cap = name_cap ? 2 * name_cap : 1024;
					char **p = realloc(name_of, cap * sizeof *p);
					if (p == NULL) {
						/* the entry has no name yet: not one to free */
						named = before;
						goto oom;
					}
					name_of = p;
					name_cap = cap;
				}
				if (names.n > before) {
					named = names.n;
					if ((name_of[names.n - 1] = ngram_name(&f.tok, j,
					    k)) == NULL)
						goto oom;
				}
			}
		}
	}
	/* vocabulary and idf from both halves (no labels: no leak) */
	if ((vocab = malloc((tr.nnz + te.nnz + 1) * sizeof *vocab)) == NULL)
		goto oom;
	memcpy(vocab, tr.key, tr.nnz * sizeof *vocab);
	memcpy(vocab + tr.nnz, te.key, te.nnz * sizeof *vocab);
	qsort(vocab, tr.nnz + te.nnz, sizeof *vocab, cmp_u32);
	for (i = 0; i < tr.nnz + te.nnz; i++)
		if (nv == 0 || vocab[nv - 1] != vocab[i])
			vocab[nv++] = vocab[i];
	V = (uint32_t)nv;
	df = calloc(V + 1, sizeof *df);
	idf = malloc((V + 1) * sizeof *idf);
	w = malloc(((size_t)V * 2 + 1) * sizeof *w);
	y = malloc((tr.n + 1) * sizeof *y);
	y2 = malloc((te.n + 1) * sizeof *y2);
	if (!df || !idf || !w || !y || !y2)
		goto oom;
	for (i = 0; i < tr.nnz; i++)
		df[(uint32_t *)bsearch(&tr.key[i], vocab, V, sizeof *vocab,
		    cmp_u32) - vocab]++;
	for (i = 0; i < te.nnz; i++)
		df[(uint32_t *)bsearch(&te.key[i], vocab, V, sizeof *vocab,
		    cmp_u32) - vocab]++;
	for (i = 0; i < V; i++)
		idf[i] = nlp_idf(tr.n + te.n, df[i]);
	if (ddocs_vectorize(&tr, vocab, V, idf) < 0 ||
	    ddocs_vectorize(&te, vocab, V, idf) < 0)
		goto oom;
	/* permutations first: the last training is the real one, whose
	   weights name the n-grams */
	small = small && o->permutations > 0;
	jr |= json_object_set_new(out, "method", json_string(small ?
	    "permutation" : "threshold"));
	if (small && o->permutations > 0) {
		uint64_t state = o->seed ^ 0x9e3779b9ULL;
		if ((perm = malloc(o->permutations * sizeof *perm)) == NULL)
			goto oom;
		/* each side's training labels are a balanced random half: a
		   plain shuffle leaves one side with more 1s, and on texts that
		   differ the classifier learns the sides from that, scoring
		   near 0 or 1 against the true test labels */
		for (k = 0; k < o->permutations; k++) {
			if (balanced_labels(&tr, y, &state) < 0 ||
			    balanced_labels(&te, y2, &state) < 0)
				goto oom;
			if ((rc = domain_auc(&tr, y, &te, te.y, V, o->seed + k + 1,
			    w, &a1, e)) != NLP_OK ||
			    (rc = domain_auc(&te, y2, &tr, tr.y, V, o->seed + k + 1,
			    w, &a2, e)) != NLP_OK)
				goto done;
			perm[k] = (a1 + a2) / 2;
		}
		qsort(perm, o->permutations, sizeof *perm, cmp_double_asc);
		/* drift when the permutation p-value (1 + #{perm >= auc}) /
		   (B + 1) is at most alpha: at most j permuted AUCs reach the
		   real one, so it must beat the (j+1)-th largest (with B = 20,
		   alpha 0.05: all of them); and it must pass 0.55 too */
		j = (size_t)floor(o->alpha * (o->permutations + 1) + 1e-9);
		j = j > 1 ? j - 1 : 0;
		if (j >= o->permutations)
			j = o->permutations - 1;
		threshold = perm[o->permutations - 1 - j];
		if (threshold < o->auc)
			threshold = o->auc;
		jr |= json_object_set_new(out, "permutations",
		    json_integer(o->permutations));
	}
	/* two folds, averaged: half the variance of one; the fold trained
	   on the even texts runs last, and its weights name the n-grams */
	if ((rc = domain_auc(&te, te.y, &tr, tr.y, V, o->seed, w, &a1, e)) !=
	    NLP_OK ||
	    (rc = domain_auc(&tr, tr.y, &te, te.y, V, o->seed, w, &a2, e)) !=
	    NLP_OK)
		goto done;
	auc = (a1 + a2) / 2;
	*drifted = isfinite(auc) && auc > threshold;
	jr |= json_object_set_new(out, "auc", jnum(auc));
	jr |= json_object_set_new(out, "threshold", jnum(threshold));
	jr |= json_object_set_new(out, "drifted", json_boolean(*drifted));
	/* n-grams with the largest weight for one side over the other */
	if ((rank = malloc((V + 1) * sizeof *rank)) == NULL)
		goto oom;
	for (i = 0; i < V; i++) {
		rank[i].row = (uint32_t)i;
		rank[i].weight = (double)w[2 * i + 1] - (double)w[2 * i];
	}
	qsort(rank, V, sizeof *rank, cmp_named);
	for (k = 0; k < 2; k++) {
		a = json_array();
		for (i = 0; a != NULL && i < V && json_array_size(a) < 15; i++) {
			const struct named *r = &rank[k == 0 ? i : V - 1 - i];
			struct nlp_strmap_entry *en = nlp_strmap_get(&names,
			    (const char *)&vocab[r->row], sizeof vocab[r->row]);
			json_t *x;
			if ((k == 0 && r->weight <= 0) || (k == 1 && r->weight >= 0))
				break;
			if (en == NULL || name_of[en - names.ent] == NULL)
				continue;
			x = json_object();
			jr |= json_object_set_new(x, "ngram",
			    json_string(name_of[en - names.ent]));
			jr |= json_object_set_new(x, "weight", jnum(fabs(r->weight)));
			jr |= json_array_append_new(a, x);
		}
		jr |= json_object_set_new(out, k == 0 ? "top_current" :
		    "top_reference", a);
	}
	if (jr != 0)
		goto oom;
	goto done;
oom:
	rc = nlp_errf(e, NLP_IO, "out of memory");
done:
	for (i = 0; i < named; i++)
		free(name_of[i]);
	free(name_of);
	nlp_strmap_release(&names);
	nlp_featurizer_release(&f);
	ddocs_release(&tr);
	ddocs_release(&te);
	free(rank);
	free(vocab);
	free(df);
	free(idf);
	free(w);
	free(y);
	free(y2);
	free(perm);
	if (rc != NLP_OK) {
		json_decref(out);
		out = NULL;
		*drifted = 0;
	}
	*dom = out;
	return rc;
}

/*
 * Fold into the last bin ("other") every token bin where the current text
 * is expected to have fewer than 5 occurrences (the chi-squared rule): on a
 * small sample, thousands of nearly empty bins would make Jensen-Shannon
 * large from sampling noise alone.  Returns the new number of bins.
 */
static size_t
pool_rare_bins(double *ref, double *cur, size_t k)
{
	double rt = 0, ct = 0;
	size_t i, w = 0;

	for (i = 0; i < k; i++)
		rt += ref[i], ct += cur[i];
	if (rt <= 0)
		return k;
	for (i = 0; i + 1 < k; i++) {
		if (ref[i] / rt * ct >= 5) {
			ref[w] = ref[i];
			cur[w] = cur[i];
			w++;
		} else {
			ref[k - 1] += ref[i];
			cur[k - 1] += cur[i];
		}
	}
	ref[w] = ref[k - 1];
	cur[w] = cur[k - 1];
	return w + 1;
}

/* A count from the profile (checked by check_profile(); 0 if absent). */
static double
pcount(const json_t *prof, const char *a, const char *b)
{
	const json_t *x = json_object_get(prof, a);

	if (b != NULL)
		x = json_object_get(x, b);
	return json_is_number(x) ? json_number_value(x) : 0;
}

/* The OOV rate of the reference sample texts under the model in *rate;
   0, or -1 when out of memory. */
static int
reference_oov(const struct nlp_drift_ref *ref, double *rate)
{
	const struct nlp_model *m = ref->model;
	struct nlp_featurizer f;
	uint64_t oov = 0, n = 0;
	size_t i, j;

	memset(&f, 0, sizeof f);
	for (i = 0; i < ref->ntexts; i++) {
		if (nlp_featurize(&f, &m->feat, ref->texts[i],
		    strlen(ref->texts[i])) < 0) {
			nlp_featurizer_release(&f);
			return -1;
		}
		for (j = 0; j < f.tok.n; j++)
			oov += !nlp_model_has_bucket(m, (uint32_t)(f.hash[j] >>
			    (64 - m->feat.bits)));
		n += f.tok.n;
	}
	nlp_featurizer_release(&f);
	*rate = n ? (double)oov / (double)n : 0;
	return 0;
}

struct change {
	const char *token;
	double ref, cur, delta;
};

static int
cmp_change(const void *a, const void *b)
{
	const struct change *x = a, *y = b;

	if (x->delta != y->delta)
		return x->delta > y->delta ? -1 : 1;
	return strcmp(x->token, y->token);
}

/* The tokens whose share grew and shrank most, in *res; 0, or -1 when out
   of memory. */
static int
token_changes(const json_t *prof, const struct pass *p, json_t **res)
{
	const json_t *top = json_object_get(prof, "top_tokens"), *x;
	double rt = pcount(prof, "token_docs", NULL);
	double ct = (double)(p->other);
	struct change *c = NULL;
	size_t i, n = 0, k;
	json_t *out = json_object(), *grew = json_array(), *shrank = json_array();
	int jr = 0;

	*res = NULL;
	for (i = 0; i < p->top.n; i++)
		ct += (double)p->top.ent[i].value;
	if (rt <= 0 || ct <= 0)
		goto out;       /* nothing to compare: empty lists */
	c = malloc((json_array_size(top) + p->fresh.n + 1) * sizeof *c);
	if (c == NULL) {
		jr = -1;
		goto out;
	}
	json_array_foreach(top, i, x) {
		const json_t *t = json_array_get(x, 0);
		struct nlp_strmap_entry *en = nlp_strmap_get(&p->top,
		    json_string_value(t), json_string_length(t));
		c[n].token = json_string_value(t);
		c[n].ref = json_number_value(json_array_get(x, 1)) / rt;
		c[n].cur = en ? (double)en->value / ct : 0;
		c[n].delta = c[n].cur - c[n].ref;
		n++;
	}
	for (i = 0; i < p->fresh.n; i++) {
		c[n].token = p->fresh.ent[i].key;
		c[n].ref = 0;
		c[n].cur = (double)p->fresh.ent[i].value / ct;
		c[n].delta = c[n].cur;
		n++;
	}
	sort(c, n, sizeof *c, cmp_change);
	for (k = 0; k < 2; k++) {
		for (i = 0; i < n && i < TOP_CHANGES; i++) {
			const struct change *ch = &c[k == 0 ? i : n - 1 - i];
			json_t *o;
			if ((k == 0 && ch->delta <= 0) || (k == 1 && ch->delta >= 0))
				break;
			o = json_object();
			jr |= json_object_set_new(o, "token", json_string(ch->token));
			jr |= json_object_set_new(o, "reference", jnum(ch->ref));
			jr |= json_object_set_new(o, "current", jnum(ch->cur));
			jr |= json_array_append_new(k == 0 ? grew : shrank, o);
		}
	}
out:
	free(c);
	jr |= json_object_set_new(out, "grew", grew);
	jr |= json_object_set_new(out, "shrank", shrank);
	if (jr != 0) {
		json_decref(out);
		return -1;
	}
	*res = out;
	return 0;
}

/* h[name] = the histogram counts; 0, or -1 when out of memory. */
static int
a_hist(json_t *h, const char *name, const uint64_t *v)
{
	json_t *a = json_array();
	size_t i;
	int jr = 0;

	for (i = 0; i < NLP_PROFILE_BINS; i++)
		jr |= json_array_append_new(a, json_integer((json_int_t)v[i]));
	jr |= json_object_set_new(h, name, a);
	return jr;
}

/* A JSON array of numbers, or NULL (memory). */
static json_t *
numbers(const double *v, size_t n)
{
	json_t *a = json_array();
	size_t i;
	int jr = 0;

	for (i = 0; a != NULL && i < n; i++)
		jr |= json_array_append_new(a, jnum(v[i]));
	if (jr != 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* o[key] = a copy of v, where v is there; 0, or -1 when out of memory. */
static int
set_copy(json_t *o, const char *key, const json_t *v)
{
	return v == NULL ? 0 : json_object_set_new(o, key, json_deep_copy(v));
}

int
nlp_drift_run(const struct nlp_drift_ref *ref, const char *const *paths,
    size_t npaths, const struct nlp_drift_opts *o, json_t **out,
    struct nlp_err *e)
{
	const json_t *prof = ref->profile, *x;
	const struct nlp_model *m = ref->model;
	struct pass p;
	json_t *rep = NULL, *sig = NULL, *dom = NULL, *warn = NULL, *tok = NULL;
	json_t *verdict, *counts;
	double *r1 = NULL, *r2 = NULL, *c1 = NULL, *c2 = NULL, *rb = NULL,
	    *cb = NULL, *v1 = NULL, *v2 = NULL;
	size_t i, rn, cn, k, ndrift = 0, nsig;
	int rc, small, ddrift, cdrift = 0, jr = 0;

	*out = NULL;
	memset(&p, 0, sizeof p);
	nlp_json_watch();
	/* the reference's top tokens, to count the current text against */
	json_array_foreach(json_object_get(prof, "top_tokens"), i, x) {
		const json_t *t = json_array_get(x, 0);
		size_t before = p.top.n;

		if (nlp_strmap_add(&p.top, json_string_value(t),
		    json_string_length(t)) == NULL)
			goto oom;
		/* check_profile() refused repeated tokens */
		if (p.top.n == before) {
			rc = nlp_errf(e, NLP_BUG, "top_tokens[%zu] repeats a token",
			    i);
			goto out;
		}
	}
	if ((rc = run_pass(&p, paths, npaths, &o->reader, m, 1, o->max_sample,
	    o->seed, o->threads, e)) != NLP_OK)
		goto out;
	if (p.records == 0) {
		rc = nlp_errf(e, NLP_DATA, "no current text to compare");
		goto out;
	}
	small = p.records <= o->small;
	rep = json_object();
	sig = json_array();
	warn = json_array();
	if (rep == NULL || sig == NULL || warn == NULL)
		goto oom;

	/* vocabulary: the reference's top tokens plus "other" */
	k = json_array_size(json_object_get(prof, "top_tokens")) + 1;
	rb = calloc(k + 1, sizeof *rb);
	cb = calloc(k + 1, sizeof *cb);
	if (rb == NULL || cb == NULL)
		goto oom;
	rb[k - 1] = pcount(prof, "token_docs", NULL);
	json_array_foreach(json_object_get(prof, "top_tokens"), i, x) {
		const json_t *t = json_array_get(x, 0);
		struct nlp_strmap_entry *en = nlp_strmap_get(&p.top,
		    json_string_value(t), json_string_length(t));
		rb[i] = json_number_value(json_array_get(x, 1));
		rb[k - 1] -= rb[i];
		cb[i] = en ? (double)en->value : 0;
	}
	cb[k - 1] = (double)p.other;
	if (rb[k - 1] < 0)
		rb[k - 1] = 0;
	k = pool_rare_bins(rb, cb, k);
	/* token counts: an effect size always (see share_signal) */
	if (dist_signal(sig, "vocabulary", rb, cb, k, 0, 0, o) < 0)
		goto oom;
	if (m != NULL && p.tokens > 0) {
		double roov;
		if (reference_oov(ref, &roov) < 0 ||
		    share_signal(sig, "oov_rate", roov * 1e6, 1e6, (double)p.oov,
		    (double)p.tokens, 0, o) < 0)
			goto oom;
	}

	/* text shape */
	rn = json_array_size(json_object_get(prof, "length_sample"));
	cn = p.prof.nsample;
	sort(p.prof.sample, p.prof.nsample, sizeof *p.prof.sample,
	    nlp_length_sample_cmp);
	if (cn > NLP_PROFILE_SAMPLE)
		cn = NLP_PROFILE_SAMPLE;
	r1 = malloc((rn + 1) * sizeof *r1);
	r2 = malloc((rn + 1) * sizeof *r2);
	c1 = malloc((cn + 1) * sizeof *c1);
	c2 = malloc((cn + 1) * sizeof *c2);
	if (!r1 || !r2 || !c1 || !c2)
		goto oom;
	json_array_foreach(json_object_get(prof, "length_sample"), i, x) {
		r1[i] = json_number_value(json_array_get(x, 0));
		r2[i] = json_number_value(json_array_get(x, 1));
	}
	for (i = 0; i < cn; i++) {
		c1[i] = p.prof.sample[i].tokens;
		c2[i] = p.prof.sample[i].chars;
	}
	if (sample_signal(sig, "length_tokens", r1, rn, c1, cn, small, o) < 0 ||
	    sample_signal(sig, "length_chars", r2, rn, c2, cn, small, o) < 0)
		goto oom;
	{
		double rl = pcount(prof, "chars", "letter") + pcount(prof, "chars",
		    "non_ascii");
		double rnl = pcount(prof, "chars", "digit") + pcount(prof, "chars",
		    "punct") + pcount(prof, "chars", "other");
		double cl = (double)(p.prof.letter + p.prof.non_ascii);
		double cnl = (double)(p.prof.digit + p.prof.punct + p.prof.other);
		if (share_signal(sig, "non_letter_share", rnl, rl + rnl, cnl,
		    cl + cnl, 0, o) < 0)
			goto oom;
	}
	if (share_signal(sig, "empty_share", pcount(prof, "empty", NULL),
	    pcount(prof, "docs", NULL), (double)p.prof.empty, (double)p.records,
	    small, o) < 0 ||
	    share_signal(sig, "bad_utf8_share", pcount(prof, "bad_utf8", NULL),
	    pcount(prof, "docs", NULL), (double)p.prof.bad_utf8,
	    (double)p.records, small, o) < 0)
		goto oom;

	/* predictions, without gold labels */
	if (m != NULL) {
		const json_t *conf = json_object_get(json_object_get(prof,
		    "held_out"), "confidence");
		v1 = calloc(m->nclasses + 1, sizeof *v1);
		v2 = calloc(m->nclasses + 1, sizeof *v2);
		if (v1 == NULL || v2 == NULL)
			goto oom;
		for (i = 0; i < m->nclasses; i++) {
			v1[i] = json_number_value(json_object_get(json_object_get(prof,
			    "labels"), m->labels[i]));
			v2[i] = (double)p.pred[i];
		}
		if (dist_signal(sig, "predicted_labels", v1, v2, m->nclasses, 1,
		    small, o) < 0)
			goto oom;
		free(v1);
		free(v2);
		v1 = v2 = NULL;
		if (json_array_size(conf) > 0 && p.conf.n > 0) {
			v1 = malloc(json_array_size(conf) * sizeof *v1);
			v2 = malloc(p.conf.n * sizeof *v2);
			if (v1 == NULL || v2 == NULL)
				goto oom;
			json_array_foreach(conf, i, x)
				v1[i] = json_number_value(x);
			for (i = 0; i < p.conf.n; i++)
				v2[i] = p.conf.v[i].v;
			if (sample_signal(sig, "confidence", v1,
			    json_array_size(conf), v2, p.conf.n, small, o) < 0)
				goto oom;
			free(v1);
			free(v2);
			v1 = v2 = NULL;
		}
	}

	/* concept drift, with gold labels */
	if (p.gold.n > 0) {
		const json_t *labels = json_object_get(prof, "labels");
		size_t nl = json_object_size(labels), j = 0;
		const char *key;
		json_t *v;
		v1 = calloc(nl + 2, sizeof *v1);
		v2 = calloc(nl + 2, sizeof *v2);
		if (v1 == NULL || v2 == NULL)
			goto oom;
		json_object_foreach((json_t *)labels, key, v) {
			struct nlp_strmap_entry *en = nlp_strmap_get(&p.gold, key,
			    strlen(key));
			v1[j] = json_number_value(v);
			v2[j] = en ? (double)en->value : 0;
			j++;
		}
		/* gold labels the reference never had: one more bin */
		for (i = 0; i < p.gold.n; i++)
			if (json_object_get(labels, p.gold.ent[i].key) == NULL)
				v2[nl] += (double)p.gold.ent[i].value;
		if (nl > 0 && dist_signal(sig, "gold_labels", v1, v2, nl + 1, 1,
		    small, o) < 0)
			goto oom;
		free(v1);
		free(v2);
		v1 = v2 = NULL;
		if (m != NULL && p.scored > 0) {
			const json_t *ho = json_object_get(prof, "held_out");
			double acc = (double)p.correct / (double)p.scored;
			double racc = pcount(ho, "accuracy", NULL);
			json_t *cur = json_object();
			jr |= json_object_set_new(cur, "accuracy", jnum(acc));
			jr |= json_object_set_new(cur, "macro_f1",
			    jnum(nlp_class_counts_macro_f1(&p.cm)));
			if (json_is_number(json_object_get(ho, "accuracy"))) {
				json_t *r = json_object();
				jr |= json_object_set_new(r, "accuracy", jnum(racc));
				jr |= json_object_set_new(r, "macro_f1", jnum(pcount(ho,
				    "macro_f1", NULL)));
				/* an accuracy drop past the bound is drift on its own
				   (--max-accuracy-drop: "accuracy drop that is drift"),
				   not one vote among the signals */
				cdrift = racc - acc > o->max_accuracy_drop;
				jr |= signal_add(sig, "accuracy", "drop", racc - acc, NAN,
				    "effect", o->max_accuracy_drop, cdrift, r, cur);
			} else {
				json_decref(cur);
				jr |= json_array_append_new(warn, json_string("the model "
				    "records no held-out accuracy to compare with"));
			}
			if (jr != 0)
				goto oom;
		}
	}

	/* the domain classifier */
	/* the domain classifier's sample decides whether it is small */
	if ((rc = domain(ref->texts, ref->ntexts, p.texts.v, p.texts.n, o,
	    (ref->ntexts < p.texts.n ? ref->ntexts : p.texts.n) < o->small,
	    &ddrift, &dom, e)) != NLP_OK)
		goto out;

	nsig = json_array_size(sig);
	json_array_foreach(sig, i, x)
		ndrift += json_is_true(json_object_get(x, "drifted"));
	verdict = json_object();
	jr |= json_object_set_new(verdict, "drift", json_boolean(ddrift ||
	    cdrift || (nsig > 0 && (double)ndrift / (double)nsig >=
	    o->drift_share)));
	jr |= json_object_set_new(verdict, "drifted",
	    json_integer((json_int_t)ndrift));
	jr |= json_object_set_new(verdict, "signals",
	    json_integer((json_int_t)nsig));
	jr |= json_object_set_new(verdict, "share", jnum(nsig ?
	    (double)ndrift / (double)nsig : 0));
	jr |= json_object_set_new(verdict, "domain_drift", json_boolean(ddrift));
	jr |= json_object_set_new(verdict, "concept_drift",
	    json_boolean(cdrift));
	jr |= json_object_set_new(verdict, "rule", json_string(small ?
	    "p-values (small sample)" : "effect sizes (large sample)"));
	if (p.records < 100)
		jr |= json_array_append_new(warn, json_sprintf("only %llu current "
		    "records: below 100, every test has little power",
		    (unsigned long long)p.records));
	if (p.fresh_dropped > 0)
		jr |= json_array_append_new(warn, json_sprintf("more than %d "
		    "distinct new tokens: %llu occurrences of later ones were not "
		    "itemized", NEW_TOKENS_MAX,
		    (unsigned long long)p.fresh_dropped));

	jr |= json_object_set_new(rep, "schema", json_integer(NLP_DRIFT_SCHEMA));
	jr |= json_object_set_new(rep, "verdict", verdict);
	jr |= json_object_set_new(rep, "signals", sig);
	jr |= json_object_set_new(rep, "domain", dom);
	sig = dom = NULL;          /* rep's now, or freed */
	jr |= token_changes(prof, &p, &tok);
	jr |= json_object_set_new(rep, "tokens", tok);
	counts = json_object();
	jr |= json_object_set_new(counts, "current_records",
	    json_integer((json_int_t)p.records));
	jr |= json_object_set_new(counts, "reference_records",
	    json_integer(json_integer_value(json_object_get(prof, "docs"))));
	jr |= json_object_set_new(counts, "current_tokens",
	    json_integer((json_int_t)(p.tokens ? p.tokens : p.prof.tokens)));
	jr |= json_object_set_new(rep, "counts", counts);
	{
		/* what reports draw: length histograms, label bars, confidences */
		json_t *h = json_object();
		jr |= set_copy(h, "length_bins", json_object_get(prof,
		    "length_bins"));
		jr |= set_copy(h, "reference_token_length", json_object_get(prof,
		    "token_length_hist"));
		jr |= a_hist(h, "current_token_length", p.prof.tok_hist);
		jr |= set_copy(h, "reference_char_length", json_object_get(prof,
		    "char_length_hist"));
		jr |= a_hist(h, "current_char_length", p.prof.char_hist);
		if (m != NULL) {
			json_t *lb = json_object();
			for (i = 0; i < m->nclasses; i++) {
				json_t *pair = json_array();
				jr |= json_array_append_new(pair, jnum(json_number_value(
				    json_object_get(json_object_get(prof, "labels"),
				    m->labels[i]))));
				jr |= json_array_append_new(pair, json_integer((json_int_t)
				    p.pred[i]));
				jr |= json_object_set_new(lb, m->labels[i], pair);
			}
			jr |= json_object_set_new(h, "labels", lb);
			jr |= set_copy(h, "reference_confidence", json_object_get(
			    json_object_get(prof, "held_out"), "confidence"));
			if ((v1 = malloc((p.conf.n + 1) * sizeof *v1)) == NULL) {
				json_decref(h);
				goto oom;
			}
			for (i = 0; i < p.conf.n; i++)
				v1[i] = p.conf.v[i].v;
			sort(v1, p.conf.n, sizeof *v1, cmp_double_asc);
			jr |= json_object_set_new(h, "current_confidence",
			    numbers(v1, p.conf.n));
		}
		jr |= json_object_set_new(rep, "histograms", h);
	}
	jr |= json_object_set_new(rep, "warnings", warn);
	warn = NULL;
	/* whatever jansson could not allocate without saying (jsonwatch.h) */
	if (jr != 0 || nlp_json_failed())
		goto oom;
	*out = rep;
	rep = NULL;
	rc = NLP_OK;
	goto out;
oom:
	rc = nlp_errf(e, NLP_IO, "out of memory");
out:
	json_decref(rep);
	json_decref(sig);
	json_decref(dom);
	json_decref(warn);
	free(r1);
	free(r2);
	free(c1);
	free(c2);
	free(rb);
	free(cb);
	free(v1);
	free(v2);
	pass_release(&p);
	return rc;
}
