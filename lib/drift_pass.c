/*
 * drift_pass.c - drift's streaming pass over a text collection (see
 * drift_pass.h).
 */
#include "drift_pass.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "digest.h"
#include "pool.h"
#include "text.h"

#define BATCH 4096               /* records read before scoring them */
#define CHUNK 256                /* records a task accumulates */
#define CHUNKS (BATCH / CHUNK)

/* Texts of one hash (a collision: equal texts are interchangeable) in
   byte order, so that the order never depends on how they arrived. */
static int
cmp_kept(const void *a, const void *b)
{
	const struct nlp_drift_kept *x = a, *y = b;

	if (x->hash != y->hash)
		return (x->hash > y->hash) - (x->hash < y->hash);
	return strcmp(x->text, y->text);
}

/* Numbers of one hash by value. */
static int
cmp_number(const void *a, const void *b)
{
	const struct nlp_drift_number *x = a, *y = b;

	if (x->hash != y->hash)
		return (x->hash > y->hash) - (x->hash < y->hash);
	return (x->v > y->v) - (x->v < y->v);
}

/* qsort(), which must not be given a NULL array even when n is 0. */
static void
sort_by(void *v, size_t n, size_t size, int (*cmp)(const void *,
    const void *))
{
	if (n > 1)
		qsort(v, n, size, cmp);
}

/* Keep the k distinct texts of smallest hash: copies of one text (a log
 * that repeats a request, a retried part) take one place, or the domain
 * classifier would learn them by heart in one fold and find them in the
 * other, telling the sides apart on that alone. */
static void
texts_prune(struct nlp_drift_texts *s)
{
	size_t i, n = 0;

	sort_by(s->v, s->n, sizeof *s->v, cmp_kept);
	for (i = 0; i < s->n; i++) {
		if (n > 0 && s->v[i].hash == s->v[n - 1].hash &&
		    strcmp(s->v[i].text, s->v[n - 1].text) == 0) {
			free(s->v[i].text);
			continue;
		}
		s->v[n++] = s->v[i];
	}
	for (i = s->k; i < n; i++)
		free(s->v[i].text);
	s->n = n > s->k ? s->k : n;
}

/* Room for one more text: pruned when 4k are held, else grown. */
static int
texts_reserve(struct nlp_drift_texts *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64;
	void *p;

	if (s->n < s->cap)
		return 0;
	if (s->n >= 4 * s->k) {
		texts_prune(s);
		return 0;
	}
	if (cap > SIZE_MAX / sizeof *s->v ||
	    (p = realloc(s->v, cap * sizeof *s->v)) == NULL)
		return -1;
	s->v = p;
	s->cap = cap;
	return 0;
}

/* Offer a text; copies at most NLP_DRIFT_TEXT_BYTES of it. */
static int
texts_add(struct nlp_drift_texts *s, uint64_t hash, const char *text,
    size_t len)
{
	if (s->k == 0)
		return 0;
	if (texts_reserve(s) < 0)
		return -1;
	if (len > NLP_DRIFT_TEXT_BYTES) {
		len = NLP_DRIFT_TEXT_BYTES;
		while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--;
	}
	if ((s->v[s->n].text = strndup(text, len)) == NULL)
		return -1;
	s->v[s->n++].hash = hash;
	return 0;
}

static void
texts_release(struct nlp_drift_texts *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].text);
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* Keep the k numbers of smallest hash, the entries of one hash (the
   copies of one text) folded into one that counts them all
   (nlp_length_sample_fold()'s way). */
static void
numbers_prune(struct nlp_drift_numbers *s)
{
	size_t i, w = 0;

	sort_by(s->v, s->n, sizeof *s->v, cmp_number);
	for (i = 0; i < s->n; i++) {
		if (w > 0 && s->v[w - 1].hash == s->v[i].hash)
			s->v[w - 1].count += s->v[i].count;
		else if (w < s->k)
			s->v[w++] = s->v[i];
		else
			break;
	}
	s->n = w;
}

static int
numbers_add(struct nlp_drift_numbers *s, uint64_t hash, double v,
    uint64_t count)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		void *p;

		if (s->n >= 4 * s->k) {
			numbers_prune(s);
		} else {
			if (cap > SIZE_MAX / sizeof *s->v ||
			    (p = realloc(s->v, cap * sizeof *s->v)) == NULL)
				return -1;
			s->v = p;
			s->cap = cap;
		}
	}
	s->v[s->n].hash = hash;
	s->v[s->n].count = count;
	s->v[s->n++].v = v;
	return 0;
}

void
nlp_drift_pass_release(struct nlp_drift_pass *p)
{
	nlp_profile_release(&p->prof);
	nlp_strmap_release(&p->fresh);
	free(p->topcnt);
	free(p->top_last);
	free(p->tok);
	nlp_strmap_release(&p->gold);
	nlp_class_counts_release(&p->cm);
	free(p->pred);
	free(p->conf.v);
	texts_release(&p->texts);
	memset(p, 0, sizeof *p);
}

/* A token of one text, by its seeded hash: a new token's place in the
   bottom-k of new tokens, and the order that finds the text's repeats. */
struct nlp_drift_tokref {
	uint64_t hash;
	const char *s;
	size_t len;
};

static int
cmp_tokref(const void *a, const void *b)
{
	const struct nlp_drift_tokref *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c;

	if (x->hash != y->hash)
		return (x->hash > y->hash) - (x->hash < y->hash);
	if ((c = memcmp(x->s, y->s, n)) != 0)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

/*
 * Keep the NLP_DRIFT_NEW_TOKENS_MAX new tokens of smallest hash, and only
 * those below fresh_max (what a part merged in could not count), in hash
 * order; fresh_max becomes the smallest hash let go.  Every token below
 * fresh_max was counted in every text since the first, so the map holds
 * the bottom-k of all new tokens with their whole counts, whatever the
 * order and the parts the texts came in.
 */
static int
fresh_prune(struct nlp_drift_pass *p, uint64_t seed)
{
	struct nlp_drift_tokref *v = NULL;
	struct nlp_strmap m;
	struct nlp_strmap_entry *en;
	size_t i, n = p->fresh.n, keep;
	int rc = -1;

	memset(&m, 0, sizeof m);
	if (n > 0 && (v = malloc(n * sizeof *v)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		v[i].s = p->fresh.ent[i].key;
		v[i].len = p->fresh.ent[i].len;
		v[i].hash = nlp_xxh64(v[i].s, v[i].len, seed);
	}
	sort_by(v, n, sizeof *v, cmp_tokref);
	for (keep = 0; keep < n && keep < NLP_DRIFT_NEW_TOKENS_MAX &&
	    v[keep].hash < p->fresh_max; keep++)
		;
	if (keep < n)
		p->fresh_max = v[keep].hash;
	for (i = 0; i < keep; i++) {
		const struct nlp_strmap_entry *old = nlp_strmap_get(&p->fresh,
		    v[i].s, v[i].len);
		if ((en = nlp_strmap_add(&m, v[i].s, v[i].len)) == NULL)
			goto out;
		en->value = old->value;
	}
	nlp_strmap_release(&p->fresh);
	p->fresh = m;
	memset(&m, 0, sizeof m);
	rc = 0;
out:
	nlp_strmap_release(&m);
	free(v);
	return rc;
}

/* Count a new token's text (documents), while it can be in the sample. */
static int
fresh_count(struct nlp_drift_pass *p, const struct nlp_drift_tokref *t,
    uint64_t count, uint64_t seed)
{
	struct nlp_strmap_entry *en;

	if (t->hash >= p->fresh_max)
		return 0;
	if ((en = nlp_strmap_add(&p->fresh, t->s, t->len)) == NULL)
		return -1;
	en->value += count;
	if (p->fresh.n >= 2 * NLP_DRIFT_NEW_TOKENS_MAX)
		return fresh_prune(p, seed);
	return 0;
}

/* Count the tokens of one text (document doc) against the top list, each
   once per document, as the profile does; the others (new tokens) once
   per document too, into other and the bottom-k of them. */
static int
count_tokens(struct nlp_drift_pass *p, const struct nlp_tokens *t,
    uint64_t doc, uint64_t seed)
{
	struct nlp_strmap_entry *en;
	struct nlp_drift_tokref *v;
	size_t i, n = 0;
	int seen;

	if (p->top == NULL)
		return 0;
	if (t->n > p->tok_cap) {
		if ((v = realloc(p->tok, t->n * sizeof *v)) == NULL)
			return -1;
		p->tok = v;
		p->tok_cap = t->n;
	}
	for (i = 0; i < t->n; i++) {
		const char *s = t->text + t->off[i];

		if ((en = nlp_strmap_get(p->top, s, t->len[i])) != NULL) {
			size_t x = (size_t)(en - p->top->ent);
			if ((seen = nlp_doc_once(&p->top_last, &p->top_cap, x,
			    doc)) < 0)
				return -1;
			if (!seen)
				p->topcnt[x]++;
			continue;
		}
		p->tok[n].s = s;
		p->tok[n].len = t->len[i];
		p->tok[n++].hash = nlp_xxh64(s, t->len[i], seed);
	}
	sort_by(p->tok, n, sizeof *p->tok, cmp_tokref);
	for (i = 0; i < n; i++) {
		if (i > 0 && cmp_tokref(&p->tok[i - 1], &p->tok[i]) == 0)
			continue;
		p->other++;
		if (fresh_count(p, &p->tok[i], 1, seed) < 0)
			return -1;
	}
	return 0;
}

/* Per-thread scratch for scoring records. */
struct worker {
	struct nlp_scorer sc;
	struct nlp_tokens tok;
	float *probs;
};

/* One record, number recno in the whole input. */
struct record {
	const char *text;
	size_t len;
	const char *label;       /* the first gold label, or NULL */
	unsigned flags;
	uint64_t recno;
};

/* The model's view of a record: prediction, confidence, OOV, accuracy.
   *t is set to its tokens.  A text without a token (white space alone,
   or invisible characters) has no prediction, as predict gives it none:
   the model's prior would count as one, and a day of blank lines would
   move the label mix and the confidences (empty_share is what tells of
   them). */
static int
score_record(struct nlp_drift_pass *p, struct worker *w,
    const struct record *r, const struct nlp_model *m, uint64_t h,
    const struct nlp_tokens **t)
{
	uint32_t best;
	size_t i;
	int g;

	if (nlp_model_predict(m, &w->sc, r->text, r->len, w->probs) < 0)
		return -1;
	*t = &w->sc.f.tok;
	if ((*t)->n == 0)        /* its tokens, just made: no second look */
		return 0;
	nlp_top_k(w->probs, m->nclasses, 1, &best);
	if (!m->multilabel) {
		p->pred[best]++;
	} else {
		/* every label it predicts, as the reference (the profile's
		   held_out.predicted) counts every label it predicted for a
		   held-out example */
		for (i = 0; i < m->nclasses; i++)
			p->pred[i] += w->probs[i] >= NLP_MIN_P;
	}
	/* the k-th hash kept is still in: its copies count */
	if (h <= p->conf_max && numbers_add(&p->conf, h, w->probs[best], 1) <
	    0)
		return -1;
	for (i = 0; i < (*t)->n; i++)
		p->oov += !nlp_model_has_bucket(m, (uint32_t)(w->sc.f.hash[i] >>
		    (64 - m->feat.bits)));
	p->tokens += (*t)->n;
	/* a multi-label model's labels are sets: the accuracy and the
	   per-class counts here are a single label's.  A gold label the
	   model never learned is an answer it got wrong, as eval counts it
	   (a new class in the traffic is concept drift): scored, and its
	   prediction counted, its gold label not a class of the counts */
	if (r->label != NULL && !m->multilabel) {
		p->scored++;
		if ((g = nlp_model_label_index(m, r->label)) >= 0) {
			nlp_class_counts_add(&p->cm, (uint32_t)g, best);
			p->correct += (uint32_t)g == best;
		} else {
			p->cm.pred[best]++;   /* its precision, as eval's */
		}
	}
	return 0;
}

/* Accumulate one record into p. */
static int
pass_record(struct nlp_drift_pass *p, struct worker *w,
    const struct record *r, const struct nlp_drift_pass_opts *po)
{
	const struct nlp_tokens *t = &w->tok;
	/* the samples' hash is the text's: parts of one input, profiled
	   apart and merged, sample as one pass does */
	uint64_t h = nlp_xxh64(r->text, r->len, po->seed);
	struct nlp_strmap_entry *en;

	p->records++;
	if (po->model != NULL) {
		if (score_record(p, w, r, po->model, h, &t) < 0)
			return -1;
	} else if (nlp_tokenize(r->text, r->len, &w->tok) < 0) {
		return -1;
	}
	if (r->label != NULL) {
		if ((en = nlp_strmap_add(&p->gold, r->label,
		    strlen(r->label))) == NULL)
			return -1;
		en->value++;
	}
	/* doc-once counting keys on the record: recno + 1 is never 0 */
	if (nlp_profile_add(&p->prof, r->text, r->len, t, r->flags, h) < 0 ||
	    count_tokens(p, t, r->recno + 1, po->seed) < 0 ||
	    (h < p->texts_max && texts_add(&p->texts, h, r->text, r->len) < 0))
		return -1;
	return 0;
}

int
nlp_drift_pass_init(struct nlp_drift_pass *p,
    const struct nlp_drift_pass_opts *po)
{
	const struct nlp_model *m = po->model;

	p->top = po->top;
	p->prof.no_tokens = po->top != NULL;
	p->texts.k = po->keep;
	p->conf.k = NLP_PROFILE_SAMPLE;
	p->texts_max = p->conf_max = p->fresh_max = UINT64_MAX;
	p->seed = po->seed;
	if ((p->topcnt = calloc((po->top ? po->top->n : 0) + 1,
	    sizeof *p->topcnt)) == NULL)
		return -1;
	if (m != NULL && ((p->pred = calloc(m->nclasses, sizeof *p->pred)) ==
	    NULL || nlp_class_counts_init(&p->cm, m->nclasses) < 0))
		return -1;
	return 0;
}

/* Add part c's strings to p: new tokens, gold labels. */
static int
merge_maps(struct nlp_drift_pass *p, const struct nlp_drift_pass *c)
{
	struct nlp_drift_tokref t;
	struct nlp_strmap_entry *en;
	int lowered = c->fresh_max < p->fresh_max;
	size_t i;

	/* what c could not count, p cannot count either */
	if (lowered)
		p->fresh_max = c->fresh_max;
	for (i = 0; i < c->fresh.n; i++) {
		t.s = c->fresh.ent[i].key;
		t.len = c->fresh.ent[i].len;
		t.hash = nlp_xxh64(t.s, t.len, p->seed);
		if (fresh_count(p, &t, c->fresh.ent[i].value, p->seed) < 0)
			return -1;
	}
	if (lowered && fresh_prune(p, p->seed) < 0)
		return -1;
	for (i = 0; i < c->gold.n; i++) {
		const struct nlp_strmap_entry *ce = &c->gold.ent[i];
		if ((en = nlp_strmap_add(&p->gold, ce->key, ce->len)) == NULL)
			return -1;
		en->value += ce->value;
	}
	return 0;
}

/* Add chunk c's model counts to p. */
static void
merge_model(struct nlp_drift_pass *p, const struct nlp_drift_pass *c,
    const struct nlp_model *m)
{
	size_t i;

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

int
nlp_drift_pass_merge(struct nlp_drift_pass *p, struct nlp_drift_pass *c,
    const struct nlp_model *m)
{
	size_t i;

	if (nlp_profile_merge(&p->prof, &c->prof) < 0 || merge_maps(p, c) < 0)
		return -1;
	for (i = 0; p->top != NULL && i < p->top->n; i++)
		p->topcnt[i] += c->topcnt[i];
	p->other += c->other;
	p->tokens += c->tokens;
	p->oov += c->oov;
	p->correct += c->correct;
	p->scored += c->scored;
	p->unlabeled += c->unlabeled;
	p->records += c->records;
	/* what the reading changed: counted, the first part's first said */
	if (p->malformed == 0 && c->malformed > 0)
		memcpy(p->malformed_at, c->malformed_at, sizeof p->malformed_at);
	if (p->text_empty == 0 && c->text_empty > 0)
		memcpy(p->text_empty_at, c->text_empty_at,
		    sizeof p->text_empty_at);
	p->malformed += c->malformed;
	p->json_like += c->json_like;
	p->text_empty += c->text_empty;
	if (m != NULL)
		merge_model(p, c, m);
	for (i = 0; i < c->conf.n; i++)
		if (numbers_add(&p->conf, c->conf.v[i].hash, c->conf.v[i].v,
		    c->conf.v[i].count) < 0)
			return -1;
	for (i = 0; i < c->texts.n; i++) {
		/* hand the string over: texts_add would copy it */
		if (texts_reserve(&p->texts) < 0)
			return -1;
		p->texts.v[p->texts.n++] = c->texts.v[i];
		c->texts.v[i].text = NULL;
	}
	c->texts.n = 0;
	return 0;
}

/* A batch of records copied out of the reader, and its chunks. */
struct batch {
	struct nlp_arena text;
	size_t off[BATCH + 1];
	size_t lab[BATCH];           /* offset of the label, or SIZE_MAX */
	unsigned flags[BATCH];
	size_t n;
	uint64_t first;              /* record number of the first */
	struct nlp_drift_pass part[CHUNKS];
	struct worker w[CHUNKS];
	const struct nlp_drift_pass_opts *po;
	int failed;
};

/* Accumulate chunk k of the batch into its own partial pass. */
static void
pass_task(void *arg, size_t k)
{
	struct batch *b = arg;
	struct record r;
	size_t i, end = (k + 1) * CHUNK;

	if (end > b->n)
		end = b->n;
	for (i = k * CHUNK; i < end; i++) {
		r.text = b->text.p + b->off[i];
		r.len = b->lab[i] != SIZE_MAX ? b->lab[i] - b->off[i] - 1 :
		    b->off[i + 1] - b->off[i] - 1;
		r.label = b->lab[i] != SIZE_MAX ? b->text.p + b->lab[i] : NULL;
		r.flags = b->flags[i];
		r.recno = b->first + i;
		if (pass_record(&b->part[k], &b->w[k], &r, b->po) < 0) {
			b->failed = 1;
			return;
		}
	}
}

/* The samples so far bound what can still enter them: chunks skip
   records that cannot (the result is the same, the copying is not). */
static void
bound_samples(struct nlp_drift_pass *p)
{
	texts_prune(&p->texts);
	if (p->texts.n >= p->texts.k && p->texts.k > 0)
		p->texts_max = p->texts.v[p->texts.k - 1].hash;
	/* pruned first: the copies of a text fold into one entry, and
	   fewer than k may be left, none of them the k-th */
	if (p->conf.n >= p->conf.k && p->conf.k > 0) {
		numbers_prune(&p->conf);
		if (p->conf.n >= p->conf.k)
			p->conf_max = p->conf.v[p->conf.k - 1].hash;
	}
}

/* Score the batch in parallel chunks and merge them in order. */
static int
pass_flush(struct nlp_drift_pass *p, struct batch *b, struct nlp_pool *pool)
{
	size_t k, nchunks = (b->n + CHUNK - 1) / CHUNK;

	bound_samples(p);
	for (k = 0; k < nchunks && !b->failed; k++) {
		/* a chunk that fails half set up is released below */
		if (nlp_drift_pass_init(&b->part[k], b->po) < 0)
			b->failed = 1;
		b->part[k].texts_max = p->texts_max;
		b->part[k].conf_max = p->conf_max;
	}
	if (!b->failed)
		nlp_pool_run(pool, nchunks, pass_task, b);
	for (k = 0; k < nchunks; k++) {
		if (!b->failed && nlp_drift_pass_merge(p, &b->part[k],
		    b->po->model) < 0)
			b->failed = 1;
		nlp_drift_pass_release(&b->part[k]);
	}
	b->first += b->n;
	b->n = 0;
	nlp_arena_clear(&b->text);
	return b->failed ? -1 : 0;
}

/* Copy a record into the batch, scoring the batch when it is full. */
static int
batch_add(struct nlp_drift_pass *p, struct batch *b, struct nlp_pool *pool,
    const struct nlp_record *rec)
{
	if ((b->off[b->n] = nlp_arena_put(&b->text, rec->text,
	    rec->text_len)) == (size_t)-1)
		return -1;
	b->lab[b->n] = SIZE_MAX;
	if (rec->nlabels > 0 && (b->lab[b->n] = nlp_arena_put(&b->text,
	    rec->labels[0], strlen(rec->labels[0]))) == (size_t)-1)
		return -1;
	b->flags[b->n] = rec->flags;
	b->off[++b->n] = b->text.len;
	if (b->n == BATCH || b->text.len > (16u << 20))
		return pass_flush(p, b, pool);
	return 0;
}

static void
batch_free(struct batch *b)
{
	size_t k;

	if (b == NULL)
		return;
	for (k = 0; k < CHUNKS; k++) {
		nlp_scorer_release(&b->w[k].sc);
		nlp_tokens_release(&b->w[k].tok);
		free(b->w[k].probs);
	}
	nlp_arena_release(&b->text);
	free(b);
}

/* The samples as the pass leaves them: k each, in hash order (the
   profile's length sample too, as nlp_profile_json() writes it). */
int
nlp_drift_pass_finish(struct nlp_drift_pass *p)
{
	size_t i;

	texts_prune(&p->texts);
	numbers_prune(&p->conf);
	p->prof.nsample = nlp_length_sample_fold(p->prof.sample,
	    p->prof.nsample, NLP_PROFILE_SAMPLE);
	if (fresh_prune(p, p->seed) < 0)
		return -1;
	p->fresh_dropped = p->other;
	for (i = 0; i < p->fresh.n; i++)
		p->fresh_dropped -= p->fresh.ent[i].value;
	return 0;
}

/* Records fed one by one: the batch they are copied into. */
struct nlp_drift_feed {
	struct nlp_drift_pass *p;
	struct nlp_pool *pool;
	struct batch *b;
};

void
nlp_drift_feed_free(struct nlp_drift_feed *f)
{
	if (f == NULL)
		return;
	nlp_pool_close(f->pool);
	batch_free(f->b);
	free(f);
}

int
nlp_drift_feed_open(struct nlp_drift_feed **fp, struct nlp_drift_pass *p,
    const struct nlp_drift_pass_opts *po)
{
	const struct nlp_model *m = po->model;
	struct nlp_drift_feed *f;
	size_t k;

	if ((*fp = f = calloc(1, sizeof *f)) == NULL)
		return -1;
	f->p = p;
	if (nlp_drift_pass_init(p, po) < 0 ||
	    (f->b = calloc(1, sizeof *f->b)) == NULL ||
	    (f->pool = nlp_pool_new(po->threads)) == NULL)
		return -1;
	f->b->po = po;
	for (k = 0; m != NULL && k < CHUNKS; k++)
		if ((f->b->w[k].probs = malloc(m->nclasses * sizeof(float))) ==
		    NULL)
			return -1;
	return 0;
}

/* "FILE:LINE" of a record into at (size bytes): valid UTF-8 (a file's
 * name may not be, and a JSON profile keeps it), cut on a character. */
static void
where_at(char *at, size_t size, const char *src, uint64_t line)
{
	char buf[1100];
	unsigned flags = 0;
	size_t n;

	snprintf(buf, sizeof buf, "%s:%llu", src == NULL || strcmp(src, "-") ==
	    0 ? "stdin" : src, (unsigned long long)line);
	n = nlp_utf8_repair_into(buf, strlen(buf), at, size - 1, &flags);
	at[n] = '\0';
}

int
nlp_drift_feed_add(struct nlp_drift_feed *f, const struct nlp_record *rec)
{
	struct nlp_drift_pass *p = f->p;

	if (rec->gold_skip) {   /* what drift's labeled reading skips */
		p->unlabeled += rec->gold_skip == 1;
		return 0;
	}
	/* the records this pass takes that the reading read as empty
	   texts, or as plain text in a JSON object's form, and where the
	   first were (in order: the reading thread's) */
	if ((rec->flags & NLP_REC_MALFORMED) && p->malformed++ == 0)
		where_at(p->malformed_at, sizeof p->malformed_at, rec->source,
		    rec->line);
	if ((rec->flags & NLP_REC_EMPTY_COLUMN) && p->text_empty++ == 0)
		where_at(p->text_empty_at, sizeof p->text_empty_at, rec->source,
		    rec->line);
	p->json_like += (rec->flags & NLP_REC_JSON_LIKE) != 0;
	return batch_add(p, f->b, f->pool, rec);
}


int
nlp_drift_feed_close(struct nlp_drift_feed *f)
{
	if ((f->b->n > 0 && pass_flush(f->p, f->b, f->pool) < 0) ||
	    nlp_drift_pass_finish(f->p) < 0)
		return -1;
	nlp_drift_feed_free(f);
	return 0;
}

int
nlp_drift_pass_run(struct nlp_drift_pass *p, const char *const *paths,
    size_t n, const struct nlp_reader_opts *ro,
    const struct nlp_drift_pass_opts *po, struct nlp_err *e)
{
	struct nlp_drift_feed *f = NULL;
	struct nlp_reader *r = NULL;
	struct nlp_record rec;
	int rc;

	if (nlp_drift_feed_open(&f, p, po) < 0)
		goto oom;
	if ((rc = nlp_reader_open(&r, paths, n, ro, e)) != NLP_OK)
		goto out;
	while ((rc = nlp_reader_next(r, &rec, e)) == NLP_OK && rec.text)
		if (nlp_drift_feed_add(f, &rec) < 0)
			goto oom;
	if (rc != NLP_OK)
		goto out;
	{
		const struct nlp_reader_stats *st = nlp_reader_stats(r);

		(void)nlp_reader_describe(st, p->skipped, sizeof p->skipped);
		(void)nlp_reader_describe_bare_cr(st, p->bare_cr,
		    sizeof p->bare_cr);
		/* as a part counts them (gold_skip 1): no label, several,
		   or one that is not a label (a control character) -- the
		   reader counts the last among the malformed records, which
		   labeled reading skips too (bad JSON, a column missing) */
		p->unlabeled = st->skipped_nolabel + st->skipped_multilabel +
		    st->skipped_malformed;
	}
	if (nlp_drift_feed_close(f) < 0)
		goto oom;
	f = NULL;       /* closed: freed */
	rc = NLP_OK;
	goto out;
oom:
	rc = nlp_errf(e, NLP_IO, "out of memory");
out:
	nlp_reader_close(r);
	nlp_drift_feed_free(f);
	return rc;
}
