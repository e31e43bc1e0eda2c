/*
 * drift.c - drift signals, the domain classifier and the verdict (see
 * drift.h).
 */
#include "drift.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "digest.h"
#include "features.h"
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

int
nlp_drift_ref_from_members(struct nlp_drift_ref *ref, const struct nlp_model *m,
    const void *profile, size_t plen, const void *sample, size_t slen,
    struct nlp_err *e)
{
	json_error_t je;
	char *buf;

	memset(ref, 0, sizeof *ref);
	ref->model = m;
	ref->profile = json_loadb(profile, plen, 0, &je);
	if (!json_is_object(ref->profile)) {
		json_decref(ref->profile);
		ref->profile = NULL;
		return nlp_errf(e, NLP_DATA, "the model's profile is not JSON: %s",
		    je.text);
	}
	if ((buf = malloc(slen + 1)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	memcpy(buf, sample, slen);
	if (slen > 0 && buf[slen - 1] != '\0') {
		free(buf);
		nlp_drift_ref_release(ref);
		return nlp_errf(e, NLP_DATA, "the model's text sample is damaged");
	}
	if (split_texts(ref, buf, slen) < 0) {
		nlp_drift_ref_release(ref);
		return nlp_errf(e, NLP_IO, "out of memory");
	}
	return NLP_OK;
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
	struct nlp_confusion cm;
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
	nlp_confusion_release(&p->cm);
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

		if (en != NULL) {
			size_t x = (size_t)(en - p->topmap->ent);
			if (!nlp_doc_once(&p->top_last, &p->top_cap, x, doc))
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
		} else if (!nlp_doc_once(&p->fresh_last, &p->fresh_cap,
		    (size_t)(en - p->fresh.ent), doc)) {
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
				nlp_confusion_add(&p->cm, (uint32_t)g, best);
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
	    NULL || nlp_confusion_init(&p->cm, m->nclasses) < 0))
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
		for (i = 0; i < (size_t)m->nclasses * m->nclasses; i++)
			p->cm.m[i] += c->cm.m[i];
		p->cm.n += c->cm.n;
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
	for (k = 0; k < nchunks; k++) {
		if (pass_init(&b->part[k], p->topmap, b->m, b->with_top,
		    keep_k) < 0)
			return -1;
		b->part[k].texts_max = p->texts_max;
		b->part[k].conf_max = p->conf_max;
	}
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
	while ((rc = nlp_reader_next(r, &rec, e)) > 0) {
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
	if (rc < 0) {
		rc = -rc;
		goto out;
	}
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
	ref->profile = json_loads(prof, 0, NULL);
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

/* Append a signal to the report. */
static void
signal_add(json_t *a, const char *name, const char *stat_name, double stat,
    double p, const char *method, double threshold, int drifted,
    json_t *reference, json_t *current)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "statistic_name", json_string(stat_name));
	json_object_set_new(o, "statistic", isfinite(stat) ? json_real(stat) :
	    json_null());
	json_object_set_new(o, "p_value", isfinite(p) ? json_real(p) :
	    json_null());
	json_object_set_new(o, "method", json_string(method));
	json_object_set_new(o, "threshold", json_real(threshold));
	json_object_set_new(o, "drifted", json_boolean(drifted));
	json_object_set_new(o, "reference", reference ? reference : json_null());
	json_object_set_new(o, "current", current ? current : json_null());
	json_array_append_new(a, o);
}

/*
 * A share (k of n) against the reference's (rk of rn): chi-squared on the
 * two cells, or the absolute change for large samples.
 */
static void
share_signal(json_t *a, const char *name, double rk, double rn, double k,
    double n, int small, const struct nlp_drift_opts *o)
{
	/* small is 0 for shares of tokens and characters: their counts run to
	   the millions, where any difference is "significant" */
	double rs = rn > 0 ? rk / rn : 0, cs = n > 0 ? k / n : 0;
	double stat = NAN, p = NAN;

	if (rn <= 0 || n <= 0)
		return;
	if (rs > 0 && rs < 1) {
		double obs[2] = { k, n - k }, exp[2] = { rs * n, (1 - rs) * n };
		nlp_chisquare(obs, exp, 2, &stat, &p);
	}
	if (small && isfinite(p))
		signal_add(a, name, "chi2", stat, p, "p-value", o->alpha,
		    p < o->alpha, json_real(rs), json_real(cs));
	else
		signal_add(a, name, "abs_change", fabs(cs - rs), p, "effect",
		    o->share_effect, fabs(cs - rs) >= o->share_effect,
		    json_real(rs), json_real(cs));
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

/* Two samples: KS (small) or Wasserstein normed by the reference's sd. */
static void
sample_signal(json_t *a, const char *name, const double *r, size_t rn,
    const double *c, size_t cn, int small, const struct nlp_drift_opts *o)
{
	double d, p, w, mean, sd, cmean, csd;
	int exact;

	if (rn == 0 || cn == 0 || nlp_ks_2samp(r, rn, c, cn, &d, &p, &exact) < 0)
		return;
	/* a small reference sample is small whatever the current one is: a
	   model's held-out confidences may be 50 values, whose normed
	   Wasserstein distance to any large sample is above the effect
	   threshold most of the time */
	small = small || rn <= o->small;
	mean_sd(r, rn, &mean, &sd);
	mean_sd(c, cn, &cmean, &csd);
	w = nlp_wasserstein(r, rn, c, cn) / (sd > 0 ? sd : 1);
	if (small)
		signal_add(a, name, exact ? "ks (exact)" : "ks (asymptotic)", d, p,
		    "p-value", o->alpha, p < o->alpha, json_real(mean),
		    json_real(cmean));
	else
		signal_add(a, name, "wasserstein_normed", w, p, "effect", o->effect,
		    w >= o->effect, json_real(mean), json_real(cmean));
}

/*
 * Two distributions over the same bins: chi-squared (small) or an effect
 * size (JS distance or PSI) for large samples.  ref are reference counts,
 * cur current counts.
 */
static json_t *
dist_signal(json_t *a, const char *name, const double *ref, const double *cur,
    size_t k, int use_psi, int small, const struct nlp_drift_opts *o)
{
	double rt = 0, ct = 0, stat = NAN, p = NAN, js, psi, kl;
	double *obs = malloc((k + 1) * sizeof *obs);
	double *exp = malloc((k + 1) * sizeof *exp);
	json_t *extra = json_object();
	size_t i, m = 0;

	for (i = 0; i < k; i++)
		rt += ref[i], ct += cur[i];
	if (obs == NULL || exp == NULL || rt <= 0 || ct <= 0 || k < 2) {
		free(obs);
		free(exp);
		json_decref(extra);
		return NULL;
	}
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
	json_object_set_new(extra, "jensen_shannon", json_real(js));
	json_object_set_new(extra, "psi", json_real(psi));
	json_object_set_new(extra, "kl", json_real(kl));
	json_object_set_new(extra, "chi2", isfinite(stat) ? json_real(stat) :
	    json_null());
	json_object_set_new(extra, "chi2_p_value", isfinite(p) ? json_real(p) :
	    json_null());
	json_object_set_new(extra, "bins", json_integer((json_int_t)k));
	if (small && isfinite(p))
		signal_add(a, name, "chi2", stat, p, "p-value", o->alpha,
		    p < o->alpha, NULL, NULL);
	else if (use_psi)
		signal_add(a, name, "psi", psi, p, "effect", o->effect,
		    psi >= o->effect, NULL, NULL);
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
		json_object_set_new(extra, "jensen_shannon_corrected",
		    json_real(jsc));
		signal_add(a, name, "jensen_shannon_corrected", jsc, p, "effect",
		    o->effect, jsc >= o->effect, NULL, NULL);
	}
	json_object_set_new(json_array_get(a, json_array_size(a) - 1), "detail",
	    extra);
	free(obs);
	free(exp);
	return extra;
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

/* Train on tr (labels y) and return the ROC AUC on te (labels ty). */
static double
domain_auc(const struct ddocs *tr, const uint32_t *y, const struct ddocs *te,
    const uint32_t *ty, uint32_t V, uint64_t seed, float *w)
{
	struct nlp_dataset ds;
	struct nlp_learn_opts lo;
	struct nlp_err e;
	float bias[2] = { 0, 0 }, p[2];
	double *score = malloc((te->n + 1) * sizeof *score), auc;
	int *lab = malloc((te->n + 1) * sizeof *lab);
	size_t i;

	if (score == NULL || lab == NULL) {
		free(score);
		free(lab);
		return NAN;
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
	nlp_learn(&ds, &lo, w, bias, &e);
	for (i = 0; i < te->n; i++) {
		nlp_model_scores(w, bias, 2, te->key + te->start[i],
		    te->val + te->start[i], te->start[i + 1] - te->start[i], p);
		score[i] = p[1];
		lab[i] = (int)ty[i];
	}
	auc = nlp_roc_auc(score, lab, te->n);
	free(score);
	free(lab);
	return auc;
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
 * score far from 0.5 either way, inflating the null distribution.
 */
static void
balanced_labels(const struct ddocs *tr, uint32_t *y, uint64_t *state)
{
	uint32_t side, *idx = malloc((tr->n + 1) * sizeof *idx);
	size_t i, n;

	if (idx == NULL) {
		memcpy(y, tr->y, tr->n * sizeof *y);
		return;
	}
	for (side = 0; side < 2; side++) {
		for (i = 0, n = 0; i < tr->n; i++)
			if (tr->y[i] == side)
				idx[n++] = (uint32_t)i;
		nlp_shuffle(idx, n, state);
		for (i = 0; i < n; i++)
			y[idx[i]] = i < n / 2 ? 1 : 0;
	}
	free(idx);
}

/*
 * Tell reference texts from current ones: train on the even-numbered texts
 * of each side and measure ROC AUC on the odd ones, and the other way
 * round, and average; name the n-grams that separate them best.  Returns
 * the "domain" object.
 */
static json_t *
domain(char *const *rtexts, size_t rn, const struct kept *ctexts, size_t cn,
    const struct nlp_drift_opts *o, int small, int *drifted)
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
	double auc, threshold = o->auc, *perm = NULL;
	json_t *out = json_object(), *a;
	size_t m = rn < cn ? rn : cn, i, j, k, nv = 0;

	*drifted = 0;
	memset(&f, 0, sizeof f);
	memset(&names, 0, sizeof names);
	memset(&tr, 0, sizeof tr);
	memset(&te, 0, sizeof te);
	if (m > o->max_sample)
		m = o->max_sample;
	/* the AUC is as noisy as the texts per side are few, however many
	   current records there are: a model's sample is its held-out texts,
	   which may be 50 */
	small = small || m <= o->small;
	json_object_set_new(out, "texts_per_side", json_integer((json_int_t)m));
	if (m < 20) {
		json_object_set_new(out, "auc", json_null());
		json_object_set_new(out, "skipped", json_string("fewer than 20 texts "
		    "on a side"));
		return out;
	}
	for (i = 0; i < 2 * m; i++) {
		const char *t = i % 2 ? ctexts[i / 2].text : rtexts[i / 2];
		struct ddocs *d = (i / 2) % 2 ? &te : &tr;

		if (nlp_featurize(&f, &fo, t, strlen(t)) < 0 ||
		    ddocs_add(d, &f, (uint32_t)(i % 2)) < 0)
			goto done;
		/* name the unigrams and bigrams */
		for (j = 0; j < f.tok.n; j++) {
			for (k = 1; k <= 2 && j + k <= f.tok.n; k++) {
				uint32_t b = (uint32_t)(nlp_ngram_hash(fo.seed, f.hash + j,
				    k) >> (64 - fo.bits));
				struct nlp_strmap_entry *en;
				size_t before = names.n;

				if ((en = nlp_strmap_add(&names, (const char *)&b,
				    sizeof b)) == NULL)
					goto done;
				/* grown by doubling: one realloc per new n-gram copied
				   the whole array each time (quadratic under ASan) */
				if (names.n > before && names.n > name_cap) {
					size_t cap = name_cap ? 2 * name_cap : 1024;
					char **p = realloc(name_of, cap * sizeof *p);
					if (p == NULL)
						goto done;
					name_of = p;
					name_cap = cap;
				}
				if (names.n > before) {
					name_of[names.n - 1] = ngram_name(&f.tok, j, k);
					named = names.n;
				}
			}
		}
	}
	/* vocabulary and idf from both halves (no labels: no leak) */
	if ((vocab = malloc((tr.nnz + te.nnz + 1) * sizeof *vocab)) == NULL)
		goto done;
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
		goto done;
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
		goto done;
	/* permutations first: the last training is the real one, whose
	   weights name the n-grams */
	small = small && o->permutations > 0;
	json_object_set_new(out, "method", json_string(small ? "permutation" :
	    "threshold"));
	if (small && o->permutations > 0) {
		uint64_t state = o->seed ^ 0x9e3779b9ULL;
		if ((perm = malloc(o->permutations * sizeof *perm)) == NULL)
			goto done;
		/* each side's training labels are a balanced random half: a
		   plain shuffle leaves one side with more 1s, and on texts that
		   differ the classifier learns the sides from that, scoring
		   near 0 or 1 against the true test labels */
		for (k = 0; k < o->permutations; k++) {
			balanced_labels(&tr, y, &state);
			balanced_labels(&te, y2, &state);
			perm[k] = (domain_auc(&tr, y, &te, te.y, V, o->seed + k + 1,
			    w) + domain_auc(&te, y2, &tr, tr.y, V, o->seed + k + 1,
			    w)) / 2;
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
		json_object_set_new(out, "permutations",
		    json_integer(o->permutations));
	}
	/* two folds, averaged: half the variance of one; the fold trained
	   on the even texts runs last, and its weights name the n-grams */
	auc = (domain_auc(&te, te.y, &tr, tr.y, V, o->seed, w) +
	    domain_auc(&tr, tr.y, &te, te.y, V, o->seed, w)) / 2;
	*drifted = isfinite(auc) && auc > threshold;
	json_object_set_new(out, "auc", isfinite(auc) ? json_real(auc) :
	    json_null());
	json_object_set_new(out, "threshold", json_real(threshold));
	json_object_set_new(out, "drifted", json_boolean(*drifted));
	/* n-grams with the largest weight for one side over the other */
	if ((rank = malloc((V + 1) * sizeof *rank)) == NULL)
		goto done;
	for (i = 0; i < V; i++) {
		rank[i].row = (uint32_t)i;
		rank[i].weight = (double)w[2 * i + 1] - (double)w[2 * i];
	}
	qsort(rank, V, sizeof *rank, cmp_named);
	for (k = 0; k < 2; k++) {
		a = json_array();
		for (i = 0; i < V && json_array_size(a) < 15; i++) {
			const struct named *r = &rank[k == 0 ? i : V - 1 - i];
			struct nlp_strmap_entry *en = nlp_strmap_get(&names,
			    (const char *)&vocab[r->row], sizeof vocab[r->row]);
			json_t *x;
			if ((k == 0 && r->weight <= 0) || (k == 1 && r->weight >= 0))
				break;
			if (en == NULL || name_of[en - names.ent] == NULL)
				continue;
			x = json_object();
			json_object_set_new(x, "ngram",
			    json_string(name_of[en - names.ent]));
			json_object_set_new(x, "weight", json_real(fabs(r->weight)));
			json_array_append_new(a, x);
		}
		json_object_set_new(out, k == 0 ? "top_current" : "top_reference", a);
	}
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
	return out;
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

/* An unsigned count from the profile. */
static double
pcount(const json_t *prof, const char *a, const char *b)
{
	const json_t *x = json_object_get(prof, a);

	if (b != NULL)
		x = json_object_get(x, b);
	return json_is_number(x) ? json_number_value(x) : 0;
}

/* The OOV rate of the reference sample texts under the model. */
static double
reference_oov(const struct nlp_drift_ref *ref)
{
	const struct nlp_model *m = ref->model;
	struct nlp_featurizer f;
	uint64_t oov = 0, n = 0;
	size_t i, j;

	memset(&f, 0, sizeof f);
	for (i = 0; i < ref->ntexts; i++) {
		if (nlp_featurize(&f, &m->feat, ref->texts[i],
		    strlen(ref->texts[i])) < 0)
			break;
		for (j = 0; j < f.tok.n; j++)
			oov += !nlp_model_has_bucket(m, (uint32_t)(f.hash[j] >>
			    (64 - m->feat.bits)));
		n += f.tok.n;
	}
	nlp_featurizer_release(&f);
	return n ? (double)oov / (double)n : 0;
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

/* The tokens whose share grew and shrank most. */
static json_t *
token_changes(const json_t *prof, const struct pass *p)
{
	const json_t *top = json_object_get(prof, "top_tokens"), *x;
	double rt = pcount(prof, "token_docs", NULL);
	double ct = (double)(p->other);
	struct change *c;
	size_t i, n = 0, k;
	json_t *out = json_object(), *grew = json_array(), *shrank = json_array();

	for (i = 0; i < p->top.n; i++)
		ct += (double)p->top.ent[i].value;
	c = malloc((json_array_size(top) + p->fresh.n + 1) * sizeof *c);
	if (c == NULL || rt <= 0 || ct <= 0)
		goto out;
	json_array_foreach(top, i, x) {
		const char *t = json_string_value(json_array_get(x, 0));
		struct nlp_strmap_entry *en = nlp_strmap_get(&p->top, t, strlen(t));
		c[n].token = t;
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
			json_object_set_new(o, "token", json_string(ch->token));
			json_object_set_new(o, "reference", json_real(ch->ref));
			json_object_set_new(o, "current", json_real(ch->cur));
			json_array_append_new(k == 0 ? grew : shrank, o);
		}
	}
out:
	free(c);
	json_object_set_new(out, "grew", grew);
	json_object_set_new(out, "shrank", shrank);
	return out;
}

/* h[name] = the histogram counts. */
static void
a_hist(json_t *h, const char *name, const uint64_t *v)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < NLP_PROFILE_BINS; i++)
		json_array_append_new(a, json_integer((json_int_t)v[i]));
	json_object_set_new(h, name, a);
}

/* A JSON array of numbers. */
static json_t *
numbers(const double *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_real(v[i]));
	return a;
}

int
nlp_drift_run(const struct nlp_drift_ref *ref, const char *const *paths,
    size_t npaths, const struct nlp_drift_opts *o, json_t **out,
    struct nlp_err *e)
{
	const json_t *prof = ref->profile, *x;
	const struct nlp_model *m = ref->model;
	struct pass p;
	json_t *rep = NULL, *sig, *dom, *verdict, *counts, *warn;
	double *r1 = NULL, *r2 = NULL, *c1 = NULL, *c2 = NULL, *rb = NULL,
	    *cb = NULL;
	size_t i, rn, cn, k, ndrift = 0, nsig;
	int rc, small, ddrift, cdrift = 0;

	*out = NULL;
	memset(&p, 0, sizeof p);
	/* the reference's top tokens, to count the current text against */
	json_array_foreach(json_object_get(prof, "top_tokens"), i, x) {
		const char *t = json_string_value(json_array_get(x, 0));
		if (t != NULL && nlp_strmap_add(&p.top, t, strlen(t)) == NULL)
			return nlp_errf(e, NLP_IO, "out of memory");
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

	/* vocabulary: the reference's top tokens plus "other" */
	k = json_array_size(json_object_get(prof, "top_tokens")) + 1;
	rb = calloc(k + 1, sizeof *rb);
	cb = calloc(k + 1, sizeof *cb);
	if (rb == NULL || cb == NULL)
		goto oom;
	rb[k - 1] = pcount(prof, "token_docs", NULL);
	json_array_foreach(json_object_get(prof, "top_tokens"), i, x) {
		const char *t = json_string_value(json_array_get(x, 0));
		struct nlp_strmap_entry *en = nlp_strmap_get(&p.top, t, strlen(t));
		rb[i] = json_number_value(json_array_get(x, 1));
		rb[k - 1] -= rb[i];
		cb[i] = en ? (double)en->value : 0;
	}
	cb[k - 1] = (double)p.other;
	if (rb[k - 1] < 0)
		rb[k - 1] = 0;
	k = pool_rare_bins(rb, cb, k);
	/* token counts: an effect size always (see share_signal) */
	dist_signal(sig, "vocabulary", rb, cb, k, 0, 0, o);
	if (m != NULL && p.tokens > 0) {
		double roov = reference_oov(ref);
		share_signal(sig, "oov_rate", roov * 1e6, 1e6, (double)p.oov,
		    (double)p.tokens, 0, o);
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
	sample_signal(sig, "length_tokens", r1, rn, c1, cn, small, o);
	sample_signal(sig, "length_chars", r2, rn, c2, cn, small, o);
	{
		double rl = pcount(prof, "chars", "letter") + pcount(prof, "chars",
		    "non_ascii");
		double rnl = pcount(prof, "chars", "digit") + pcount(prof, "chars",
		    "punct") + pcount(prof, "chars", "other");
		double cl = (double)(p.prof.letter + p.prof.non_ascii);
		double cnl = (double)(p.prof.digit + p.prof.punct + p.prof.other);
		share_signal(sig, "non_letter_share", rnl, rl + rnl, cnl, cl + cnl,
		    0, o);
	}
	share_signal(sig, "empty_share", pcount(prof, "empty", NULL),
	    pcount(prof, "docs", NULL), (double)p.prof.empty, (double)p.records,
	    small, o);
	share_signal(sig, "bad_utf8_share", pcount(prof, "bad_utf8", NULL),
	    pcount(prof, "docs", NULL), (double)p.prof.bad_utf8,
	    (double)p.records, small, o);

	/* predictions, without gold labels */
	if (m != NULL) {
		double *rl = calloc(m->nclasses + 1, sizeof *rl);
		double *cl = calloc(m->nclasses + 1, sizeof *cl);
		const json_t *conf = json_object_get(json_object_get(prof,
		    "held_out"), "confidence");
		if (rl == NULL || cl == NULL) {
			free(rl);
			free(cl);
			goto oom;
		}
		for (i = 0; i < m->nclasses; i++) {
			rl[i] = json_number_value(json_object_get(json_object_get(prof,
			    "labels"), m->labels[i]));
			cl[i] = (double)p.pred[i];
		}
		dist_signal(sig, "predicted_labels", rl, cl, m->nclasses, 1, small, o);
		free(rl);
		free(cl);
		if (json_array_size(conf) > 0 && p.conf.n > 0) {
			double *rc2 = malloc(json_array_size(conf) * sizeof *rc2);
			double *cc = malloc(p.conf.n * sizeof *cc);
			if (rc2 && cc) {
				json_array_foreach(conf, i, x)
					rc2[i] = json_number_value(x);
				for (i = 0; i < p.conf.n; i++)
					cc[i] = p.conf.v[i].v;
				sample_signal(sig, "confidence", rc2, json_array_size(conf),
				    cc, p.conf.n, small, o);
			}
			free(rc2);
			free(cc);
		}
	}

	/* concept drift, with gold labels */
	if (p.gold.n > 0) {
		const json_t *labels = json_object_get(prof, "labels");
		size_t nl = json_object_size(labels), j = 0;
		double *rg = calloc(nl + 2, sizeof *rg), *cg = calloc(nl + 2,
		    sizeof *cg);
		const char *key;
		json_t *v;
		if (rg == NULL || cg == NULL) {
			free(rg);
			free(cg);
			goto oom;
		}
		json_object_foreach((json_t *)labels, key, v) {
			struct nlp_strmap_entry *en = nlp_strmap_get(&p.gold, key,
			    strlen(key));
			rg[j] = json_number_value(v);
			cg[j] = en ? (double)en->value : 0;
			j++;
		}
		/* gold labels the reference never had: one more bin */
		for (i = 0; i < p.gold.n; i++)
			if (json_object_get(labels, p.gold.ent[i].key) == NULL)
				cg[nl] += (double)p.gold.ent[i].value;
		if (nl > 0)
			dist_signal(sig, "gold_labels", rg, cg, nl + 1, 1, small, o);
		free(rg);
		free(cg);
		if (m != NULL && p.scored > 0) {
			const json_t *ho = json_object_get(prof, "held_out");
			double acc = (double)p.correct / (double)p.scored;
			double racc = pcount(ho, "accuracy", NULL);
			json_t *cur = json_object();
			json_object_set_new(cur, "accuracy", json_real(acc));
			json_object_set_new(cur, "macro_f1",
			    json_real(nlp_macro_f1(&p.cm)));
			if (json_is_number(json_object_get(ho, "accuracy"))) {
				json_t *r = json_object();
				json_object_set_new(r, "accuracy", json_real(racc));
				json_object_set_new(r, "macro_f1", json_real(pcount(ho,
				    "macro_f1", NULL)));
				/* an accuracy drop past the bound is drift on its own
				   (--max-accuracy-drop: "accuracy drop that is drift"),
				   not one vote among the signals */
				cdrift = racc - acc > o->max_accuracy_drop;
				signal_add(sig, "accuracy", "drop", racc - acc, NAN,
				    "effect", o->max_accuracy_drop, cdrift, r, cur);
			} else {
				json_decref(cur);
				json_array_append_new(warn, json_string("the model records "
				    "no held-out accuracy to compare with"));
			}
		}
	}

	/* the domain classifier */
	/* the domain classifier's sample decides whether it is small */
	dom = domain(ref->texts, ref->ntexts, p.texts.v, p.texts.n, o,
	    (ref->ntexts < p.texts.n ? ref->ntexts : p.texts.n) < o->small,
	    &ddrift);

	nsig = json_array_size(sig);
	json_array_foreach(sig, i, x)
		ndrift += json_is_true(json_object_get(x, "drifted"));
	verdict = json_object();
	json_object_set_new(verdict, "drift", json_boolean(ddrift || cdrift ||
	    (nsig > 0 && (double)ndrift / (double)nsig >= o->drift_share)));
	json_object_set_new(verdict, "drifted", json_integer((json_int_t)ndrift));
	json_object_set_new(verdict, "signals", json_integer((json_int_t)nsig));
	json_object_set_new(verdict, "share", json_real(nsig ? (double)ndrift /
	    (double)nsig : 0));
	json_object_set_new(verdict, "domain_drift", json_boolean(ddrift));
	json_object_set_new(verdict, "concept_drift", json_boolean(cdrift));
	json_object_set_new(verdict, "rule", json_string(small ? "p-values "
	    "(small sample)" : "effect sizes (large sample)"));
	if (p.records < 100)
		json_array_append_new(warn, json_sprintf("only %llu current records: "
		    "below 100, every test has little power", (unsigned long long)
		    p.records));
	if (p.fresh_dropped > 0)
		json_array_append_new(warn, json_sprintf("more than %d distinct new "
		    "tokens: %llu occurrences of later ones were not itemized",
		    NEW_TOKENS_MAX, (unsigned long long)p.fresh_dropped));

	json_object_set_new(rep, "schema", json_integer(NLP_DRIFT_SCHEMA));
	json_object_set_new(rep, "verdict", verdict);
	json_object_set_new(rep, "signals", sig);
	json_object_set_new(rep, "domain", dom);
	json_object_set_new(rep, "tokens", token_changes(prof, &p));
	counts = json_object();
	json_object_set_new(counts, "current_records",
	    json_integer((json_int_t)p.records));
	json_object_set_new(counts, "reference_records",
	    json_integer((json_int_t)pcount(prof, "docs", NULL)));
	json_object_set_new(counts, "current_tokens", json_integer((json_int_t)
	    (p.tokens ? p.tokens : p.prof.tokens)));
	json_object_set_new(rep, "counts", counts);
	{
		/* what reports draw: length histograms, label bars, confidences */
		json_t *h = json_object();
		json_object_set_new(h, "length_bins", json_deep_copy(json_object_get(
		    prof, "length_bins")));
		json_object_set_new(h, "reference_token_length",
		    json_deep_copy(json_object_get(prof, "token_length_hist")));
		a_hist(h, "current_token_length", p.prof.tok_hist);
		json_object_set_new(h, "reference_char_length",
		    json_deep_copy(json_object_get(prof, "char_length_hist")));
		a_hist(h, "current_char_length", p.prof.char_hist);
		if (m != NULL) {
			json_t *lb = json_object();
			for (i = 0; i < m->nclasses; i++) {
				json_t *pair = json_array();
				json_array_append_new(pair, json_real(json_number_value(
				    json_object_get(json_object_get(prof, "labels"),
				    m->labels[i]))));
				json_array_append_new(pair, json_integer((json_int_t)
				    p.pred[i]));
				json_object_set_new(lb, m->labels[i], pair);
			}
			json_object_set_new(h, "labels", lb);
			json_object_set_new(h, "reference_confidence", json_deep_copy(
			    json_object_get(json_object_get(prof, "held_out"),
			    "confidence")));
			{
				double *cc = malloc((p.conf.n + 1) * sizeof *cc);
				if (cc != NULL) {
					for (i = 0; i < p.conf.n; i++)
						cc[i] = p.conf.v[i].v;
					sort(cc, p.conf.n, sizeof *cc, cmp_double_asc);
					json_object_set_new(h, "current_confidence",
					    numbers(cc, p.conf.n));
					free(cc);
				}
			}
		}
		json_object_set_new(rep, "histograms", h);
	}
	json_object_set_new(rep, "warnings", warn);
	*out = rep;
	rep = NULL;
	rc = NLP_OK;
	goto out;
oom:
	rc = nlp_errf(e, NLP_IO, "out of memory");
out:
	json_decref(rep);
	free(r1);
	free(r2);
	free(c1);
	free(c2);
	free(rb);
	free(cb);
	pass_release(&p);
	return rc;
}
