/*
 * drift_pass.c - drift's streaming pass over a text collection (see
 * drift_pass.h).
 */
#include "drift_pass.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "digest.h"
#include "pool.h"

#define BATCH 4096               /* records read before scoring them */
#define CHUNK 256                /* records a task accumulates */
#define CHUNKS (BATCH / CHUNK)

/* Order bottom-k entries (texts or numbers) by their hash, the first
   member of both. */
static int
cmp_hash(const void *a, const void *b)
{
	const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* qsort(), which must not be given a NULL array even when n is 0. */
static void
sort_by_hash(void *v, size_t n, size_t size)
{
	if (n > 1)
		qsort(v, n, size, cmp_hash);
}

/* Keep the k texts of smallest hash. */
static void
texts_prune(struct nlp_drift_texts *s)
{
	size_t i;

	sort_by_hash(s->v, s->n, sizeof *s->v);
	for (i = s->k; i < s->n; i++)
		free(s->v[i].text);
	if (s->n > s->k)
		s->n = s->k;
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

/* Keep the k numbers of smallest hash. */
static void
numbers_prune(struct nlp_drift_numbers *s)
{
	sort_by_hash(s->v, s->n, sizeof *s->v);
	if (s->n > s->k)
		s->n = s->k;
}

static int
numbers_add(struct nlp_drift_numbers *s, uint64_t hash, double v)
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
	free(p->fresh_last);
	nlp_strmap_release(&p->gold);
	nlp_class_counts_release(&p->cm);
	free(p->pred);
	free(p->conf.v);
	texts_release(&p->texts);
	memset(p, 0, sizeof *p);
}

/*
 * The entry of a token the reference lacks, added while fewer than
 * NLP_DRIFT_NEW_TOKENS_MAX are counted: 1 and *en, or 0 when it is one
 * too many (not itemized), -1 when out of memory.
 */
static int
fresh_entry(struct nlp_drift_pass *p, const char *s, size_t len,
    struct nlp_strmap_entry **en)
{
	*en = nlp_strmap_get(&p->fresh, s, len);
	if (*en == NULL && p->fresh.n < NLP_DRIFT_NEW_TOKENS_MAX &&
	    (*en = nlp_strmap_add(&p->fresh, s, len)) == NULL)
		return -1;
	return *en != NULL;
}

/* Count the tokens of one text (document doc) against the top list, each
   once per document, as the profile does. */
static int
count_tokens(struct nlp_drift_pass *p, const struct nlp_tokens *t,
    uint64_t doc)
{
	struct nlp_strmap_entry *en;
	size_t i;
	int seen, known;

	for (i = 0; p->top != NULL && i < t->n; i++) {
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
		if ((known = fresh_entry(p, s, t->len[i], &en)) < 0)
			return -1;
		if (!known) {
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

/* One record, number recno in the whole input. */
struct record {
	const char *text;
	size_t len;
	const char *label;       /* the first gold label, or NULL */
	unsigned flags;
	uint64_t recno;
};

/* The model's view of a record: prediction, confidence, OOV, accuracy.
   *t is set to its tokens. */
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
	nlp_top_k(w->probs, m->nclasses, 1, &best);
	p->pred[best]++;
	if (h < p->conf_max && numbers_add(&p->conf, h, w->probs[best]) < 0)
		return -1;
	for (i = 0; i < (*t)->n; i++)
		p->oov += !nlp_model_has_bucket(m, (uint32_t)(w->sc.f.hash[i] >>
		    (64 - m->feat.bits)));
	p->tokens += (*t)->n;
	if (r->label != NULL && (g = nlp_model_label_index(m, r->label)) >= 0) {
		nlp_class_counts_add(&p->cm, (uint32_t)g, best);
		p->scored++;
		p->correct += (uint32_t)g == best;
	}
	return 0;
}

/* Accumulate one record into p. */
static int
pass_record(struct nlp_drift_pass *p, struct worker *w,
    const struct record *r, const struct nlp_drift_pass_opts *po)
{
	const struct nlp_tokens *t = &w->tok;
	uint64_t h = nlp_xxh64(&r->recno, sizeof r->recno, po->seed);
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
	    count_tokens(p, t, r->recno + 1) < 0 ||
	    (h < p->texts_max && texts_add(&p->texts, h, r->text, r->len) < 0))
		return -1;
	return 0;
}

/* Set up an empty pass (or chunk of one). */
static int
pass_init(struct nlp_drift_pass *p, const struct nlp_drift_pass_opts *po)
{
	const struct nlp_model *m = po->model;

	p->top = po->top;
	p->prof.no_tokens = po->top != NULL;
	p->texts.k = po->keep;
	p->conf.k = NLP_PROFILE_SAMPLE;
	p->texts_max = p->conf_max = UINT64_MAX;
	if ((p->topcnt = calloc((po->top ? po->top->n : 0) + 1,
	    sizeof *p->topcnt)) == NULL)
		return -1;
	if (m != NULL && ((p->pred = calloc(m->nclasses, sizeof *p->pred)) ==
	    NULL || nlp_class_counts_init(&p->cm, m->nclasses) < 0))
		return -1;
	return 0;
}

/* Add chunk c's strings to p: new tokens, gold labels. */
static int
merge_maps(struct nlp_drift_pass *p, const struct nlp_drift_pass *c)
{
	struct nlp_strmap_entry *en;
	size_t i;
	int known;

	for (i = 0; i < c->fresh.n; i++) {
		const struct nlp_strmap_entry *ce = &c->fresh.ent[i];
		if ((known = fresh_entry(p, ce->key, ce->len, &en)) < 0)
			return -1;
		if (known)
			en->value += ce->value;
		else
			p->fresh_dropped += ce->value;
	}
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

/* Add chunk c's counts to p, in chunk order (c's texts are moved). */
static int
pass_merge(struct nlp_drift_pass *p, struct nlp_drift_pass *c,
    const struct nlp_model *m)
{
	size_t i;

	if (nlp_profile_merge(&p->prof, &c->prof) < 0 || merge_maps(p, c) < 0)
		return -1;
	for (i = 0; p->top != NULL && i < p->top->n; i++)
		p->topcnt[i] += c->topcnt[i];
	p->other += c->other;
	p->fresh_dropped += c->fresh_dropped;
	p->tokens += c->tokens;
	p->oov += c->oov;
	p->correct += c->correct;
	p->scored += c->scored;
	p->records += c->records;
	if (m != NULL)
		merge_model(p, c, m);
	for (i = 0; i < c->conf.n; i++)
		if (numbers_add(&p->conf, c->conf.v[i].hash, c->conf.v[i].v) < 0)
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
	if (p->conf.n >= p->conf.k && p->conf.k > 0) {
		numbers_prune(&p->conf);
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
		if (pass_init(&b->part[k], b->po) < 0)
			b->failed = 1;
		b->part[k].texts_max = p->texts_max;
		b->part[k].conf_max = p->conf_max;
	}
	if (!b->failed)
		nlp_pool_run(pool, nchunks, pass_task, b);
	for (k = 0; k < nchunks; k++) {
		if (!b->failed && pass_merge(p, &b->part[k], b->po->model) < 0)
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
static void
finish(struct nlp_drift_pass *p)
{
	texts_prune(&p->texts);
	numbers_prune(&p->conf);
	if (p->prof.nsample > 1)
		qsort(p->prof.sample, p->prof.nsample, sizeof *p->prof.sample,
		    nlp_length_sample_cmp);
	if (p->prof.nsample > NLP_PROFILE_SAMPLE)
		p->prof.nsample = NLP_PROFILE_SAMPLE;
}

int
nlp_drift_pass_run(struct nlp_drift_pass *p, const char *const *paths,
    size_t n, const struct nlp_reader_opts *ro,
    const struct nlp_drift_pass_opts *po, struct nlp_err *e)
{
	const struct nlp_model *m = po->model;
	struct nlp_reader *r = NULL;
	struct nlp_record rec;
	struct nlp_pool *pool = NULL;
	struct batch *b = NULL;
	size_t k;
	int rc;

	if (pass_init(p, po) < 0 || (b = calloc(1, sizeof *b)) == NULL ||
	    (pool = nlp_pool_new(po->threads)) == NULL)
		goto oom;
	b->po = po;
	for (k = 0; m != NULL && k < CHUNKS; k++)
		if ((b->w[k].probs = malloc(m->nclasses * sizeof(float))) == NULL)
			goto oom;
	if ((rc = nlp_reader_open(&r, paths, n, ro, e)) != NLP_OK)
		goto out;
	while ((rc = nlp_reader_next(r, &rec, e)) == NLP_OK && rec.text)
		if (batch_add(p, b, pool, &rec) < 0)
			goto oom;
	if (rc != NLP_OK)
		goto out;
	if (b->n > 0 && pass_flush(p, b, pool) < 0)
		goto oom;
	finish(p);
	rc = NLP_OK;
	goto out;
oom:
	rc = nlp_errf(e, NLP_IO, "out of memory");
out:
	nlp_reader_close(r);
	nlp_pool_close(pool);
	batch_free(b);
	return rc;
}
