/*
 * train.c - the training pipeline (see train.h).
 *
 * Data flow: records -> corpus (texts in one arena, class ids) -> sparse
 * bucket counts per document, featurized in parallel chunks at the widest
 * hash (NLP_BITS_MAX) -> the hash width chosen for the data, keys coarsened
 * to it -> document frequencies -> rows (the buckets seen in training, in
 * bucket order) and idf -> TF-IDF vectors -> SGD -> weights member.
 */
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "artifact.h"
#include "features.h"
#include "jsonwatch.h"
#include "learn.h"
#include "metrics.h"
#include "model.h"
#include "pool.h"
#include "profile.h"
#include "seen.h"
#include "strmap.h"

#define CHUNK 512            /* documents per featurization task */
#define HOLDOUT_MIN_DOCS 1000
#define HOLDOUT_MAX 2000
/*
 * The text sample drift compares with comes from the held-out texts when
 * there are this many: texts the model never saw are the fair reference
 * for vocabulary the model lacks (training texts would make any new text
 * look out of vocabulary).
 */
#define SAMPLE_MIN_HELD_OUT 50

void
nlp_train_opts_init(struct nlp_train_opts *o)
{
	memset(o, 0, sizeof *o);
	o->reader.labeled = 1;
	o->ngrams = 2;
	o->epochs = 10;
	o->lr = 2.0;
	o->l2 = 0;
	o->seed = 1;
	o->threads = 1;
	o->holdout = 0.05;
}

/* Texts and class ids, in input order. */
struct corpus {
	char *text;
	size_t len, text_cap;
	size_t *off;             /* n + 1 */
	uint32_t *y;
	unsigned *flags;
	size_t n, cap;
};

/* Sparse documents: keys (buckets, then rows) with counts, then values. */
struct csr {
	size_t n;
	size_t *start;           /* n + 1 */
	uint32_t *key;           /* bucket, later row */
	uint32_t *tf;
	float *val;
	uint32_t *y;
	size_t nnz;
};

static void
corpus_release(struct corpus *c)
{
	free(c->text);
	free(c->off);
	free(c->y);
	free(c->flags);
	memset(c, 0, sizeof *c);
}

static void
csr_release(struct csr *c)
{
	free(c->start);
	free(c->key);
	free(c->tf);
	free(c->val);
	free(c->y);
	memset(c, 0, sizeof *c);
}

/* Append a record to the corpus. */
static int
corpus_add(struct corpus *c, const char *text, size_t len, uint32_t y,
    unsigned flags)
{
	if (c->len + len + 1 > c->text_cap) {
		size_t cap = c->text_cap ? c->text_cap : 1 << 20;
		char *p;
		while (cap < c->len + len + 1)
			cap *= 2;
		if ((p = realloc(c->text, cap)) == NULL)
			return -1;
		c->text = p;
		c->text_cap = cap;
	}
	if (c->n + 2 > c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 4096;
		void *p;
		if ((p = realloc(c->off, cap * sizeof *c->off)) == NULL)
			return -1;
		c->off = p;
		if ((p = realloc(c->y, cap * sizeof *c->y)) == NULL)
			return -1;
		c->y = p;
		if ((p = realloc(c->flags, cap * sizeof *c->flags)) == NULL)
			return -1;
		c->flags = p;
		c->cap = cap;
	}
	if (c->n == 0)
		c->off[0] = 0;
	memcpy(c->text + c->len, text, len);
	c->len += len;
	c->y[c->n] = y;
	c->flags[c->n] = flags;
	c->off[++c->n] = c->len;
	return 0;
}

/*
 * Read labeled records into c; labels are entries of the map, in order of
 * first appearance.  When labels_fixed, a label not yet in the map is
 * counted in *unknown and the record dropped (validation data).
 */
static int
read_corpus(const char *const *paths, size_t npaths,
    const struct nlp_reader_opts *ro, struct nlp_strmap *labels,
    int labels_fixed, uint64_t *unknown, struct corpus *c,
    struct nlp_input **inputs, size_t *ninputs, char *odd, size_t oddsize,
    struct nlp_err *e)
{
	struct nlp_reader_opts o = *ro;
	struct nlp_reader *r = NULL;
	struct nlp_record rec;
	int rc;

	/* a label that cannot be a class is an error, not a skipped record */
	o.bad_label_error = 1;
	if ((rc = nlp_reader_open(&r, paths, npaths, &o, e)) != NLP_OK)
		return rc;
	while ((rc = nlp_reader_next(r, &rec, e)) > 0) {
		struct nlp_strmap_entry *en;
		const char *lab = rec.labels[0];

		if (labels_fixed) {
			en = nlp_strmap_get(labels, lab, strlen(lab));
			if (en == NULL) {
				(*unknown)++;
				continue;
			}
		} else if ((en = nlp_strmap_add(labels, lab, strlen(lab))) == NULL)
			goto oom;
		if (corpus_add(c, rec.text, rec.text_len,
		    (uint32_t)(en - labels->ent), rec.flags) < 0)
			goto oom;
	}
	if (rc < 0) {
		nlp_reader_free(r);
		return -rc;
	}
	if (odd != NULL)
		nlp_reader_describe(nlp_reader_stats(r), odd, oddsize);
	if (inputs != NULL) {
		const struct nlp_input *in = nlp_reader_inputs(r, ninputs);
		size_t i;
		if ((*inputs = calloc(*ninputs + 1, sizeof **inputs)) == NULL)
			goto oom;
		for (i = 0; i < *ninputs; i++)
			(*inputs)[i] = in[i];
	}
	nlp_reader_free(r);
	return NLP_OK;
oom:
	nlp_reader_free(r);
	return nlp_errf(e, NLP_IO, "out of memory reading the data");
}

/* One featurization task: documents idx[a..b) of the corpus. */
struct feat_chunk {
	uint32_t *key, *tf;
	size_t nnz, cap;
	size_t *count;           /* features per document */
	uint64_t *fp;            /* text fingerprints (training data only) */
	struct nlp_profile prof;
	int failed;
};

struct feat_job {
	const struct corpus *c;
	const uint32_t *idx;
	size_t n;
	const struct nlp_feat_opts *fo;
	struct feat_chunk *chunks;
	int profile;
	uint64_t seed;
};

/* Featurize one chunk of documents (a pool task). */
static void
feat_task(void *arg, size_t k)
{
	struct feat_job *j = arg;
	struct feat_chunk *ch = &j->chunks[k];
	struct nlp_featurizer f;
	size_t a = k * CHUNK, b = a + CHUNK < j->n ? a + CHUNK : j->n, i;

	memset(&f, 0, sizeof f);
	if ((ch->count = calloc(b - a, sizeof *ch->count)) == NULL ||
	    (j->profile && (ch->fp = calloc(b - a, sizeof *ch->fp)) == NULL))
		goto fail;
	for (i = a; i < b; i++) {
		uint32_t d = j->idx[i];
		const char *t = j->c->text + j->c->off[d];
		size_t len = j->c->off[d + 1] - j->c->off[d];

		if (nlp_featurize(&f, j->fo, t, len) < 0)
			goto fail;
		if (ch->nnz + f.nkey > ch->cap) {
			size_t cap = ch->cap ? ch->cap : 1 << 16;
			void *p;
			while (cap < ch->nnz + f.nkey)
				cap *= 2;
			if ((p = realloc(ch->key, cap * sizeof *ch->key)) == NULL)
				goto fail;
			ch->key = p;
			if ((p = realloc(ch->tf, cap * sizeof *ch->tf)) == NULL)
				goto fail;
			ch->tf = p;
			ch->cap = cap;
		}
		/* a text without features leaves ch->key NULL: no memcpy */
		if (f.nkey > 0) {
			memcpy(ch->key + ch->nnz, f.key, f.nkey * sizeof *f.key);
			memcpy(ch->tf + ch->nnz, f.tf, f.nkey * sizeof *f.tf);
		}
		ch->nnz += f.nkey;
		ch->count[i - a] = f.nkey;
		if (j->profile)
			ch->fp[i - a] = nlp_tokens_fingerprint(&f.tok);
		if (j->profile && nlp_profile_add(&ch->prof, t, len, &f.tok,
		    j->c->flags[d], nlp_xxh64(&d, sizeof d, j->seed)) < 0)
			goto fail;
	}
	nlp_featurizer_release(&f);
	return;
fail:
	ch->failed = 1;
	nlp_featurizer_release(&f);
}

/*
 * Featurize documents idx[0..n) of c into out (keys at fo->bits, counts),
 * merging the text profile into prof when it is not NULL.
 */
static int
featurize(const struct corpus *c, const uint32_t *idx, size_t n,
    const struct nlp_feat_opts *fo, struct nlp_pool *pool,
    struct nlp_profile *prof, uint64_t seed, struct csr *out, uint64_t **fp,
    struct nlp_err *e)
{
	struct feat_job j;
	size_t nchunks = (n + CHUNK - 1) / CHUNK, k, i, d = 0, nnz = 0;
	int rc = NLP_OK;

	memset(out, 0, sizeof *out);
	memset(&j, 0, sizeof j);
	j.c = c, j.idx = idx, j.n = n, j.fo = fo;
	j.profile = prof != NULL;
	j.seed = seed;
	if ((j.chunks = calloc(nchunks + 1, sizeof *j.chunks)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	nlp_pool_run(pool, nchunks, feat_task, &j);
	for (k = 0; k < nchunks; k++) {
		if (j.chunks[k].failed)
			rc = NLP_IO;
		nnz += j.chunks[k].nnz;
	}
	out->n = n;
	if (rc == NLP_OK && prof != NULL &&
	    (*fp = malloc((n + 1) * sizeof **fp)) == NULL)
		rc = NLP_IO;
	if (rc == NLP_OK &&
	    ((out->start = malloc((n + 1) * sizeof *out->start)) == NULL ||
	    (out->key = malloc((nnz + 1) * sizeof *out->key)) == NULL ||
	    (out->tf = malloc((nnz + 1) * sizeof *out->tf)) == NULL ||
	    (out->y = malloc((n + 1) * sizeof *out->y)) == NULL))
		rc = NLP_IO;
	for (k = 0; k < nchunks; k++) {
		struct feat_chunk *ch = &j.chunks[k];
		if (rc == NLP_OK) {
			size_t a = k * CHUNK, b = a + CHUNK < n ? a + CHUNK : n;
			if (ch->nnz > 0) {
				memcpy(out->key + out->nnz, ch->key,
				    ch->nnz * sizeof *ch->key);
				memcpy(out->tf + out->nnz, ch->tf,
				    ch->nnz * sizeof *ch->tf);
			}
			for (i = a; i < b; i++) {
				if (prof != NULL)
					(*fp)[d] = ch->fp[i - a];
				out->start[d] = out->nnz;
				out->y[d] = c->y[idx[i]];
				out->nnz += ch->count[i - a];
				d++;
			}
			if (prof && nlp_profile_merge(prof, &ch->prof) < 0)
				rc = NLP_IO;
		}
		free(ch->key);
		free(ch->tf);
		free(ch->count);
		free(ch->fp);
		nlp_profile_release(&ch->prof);
	}
	free(j.chunks);
	if (rc != NLP_OK) {
		csr_release(out);
		return nlp_errf(e, NLP_IO, "out of memory featurizing the data");
	}
	out->start[n] = out->nnz;
	return NLP_OK;
}

/* Coarsen keys from NLP_BITS_MAX to bits, merging keys that now coincide. */
static void
coarsen(struct csr *c, unsigned bits)
{
	unsigned shift = NLP_BITS_MAX - bits;
	size_t i, f, w = 0;

	if (c->n == 0)
		return;
	for (i = 0; i < c->n; i++) {
		size_t a = c->start[i], b = c->start[i + 1], first = w;
		c->start[i] = w;
		for (f = a; f < b; f++) {
			uint32_t k = c->key[f] >> shift;
			if (w > first && c->key[w - 1] == k) {
				c->tf[w - 1] += c->tf[f];
			} else {
				c->key[w] = k;
				c->tf[w] = c->tf[f];
				w++;
			}
		}
	}
	c->start[c->n] = c->nnz = w;
}

/*
 * Turn bucket keys into rows (rowmap[bucket] = row + 1, 0 for unknown
 * buckets, which are dropped) and counts into normalized TF-IDF values.
 */
static int
vectorize(struct csr *c, const uint32_t *rowmap, const float *idf)
{
	float *tmp_idf = NULL;
	size_t i, f, w = 0, cap = 0;

	if (c->n == 0)
		return 0;
	if ((c->val = malloc((c->nnz + 1) * sizeof *c->val)) == NULL)
		return -1;
	for (i = 0; i < c->n; i++) {
		size_t a = c->start[i], b = c->start[i + 1], first = w;

		c->start[i] = w;
		for (f = a; f < b; f++) {
			uint32_t r = rowmap[c->key[f]];
			if (r == 0)
				continue;
			c->key[w] = r - 1;
			c->tf[w] = c->tf[f];
			w++;
		}
		if (w - first > cap) {
			void *p;
			cap = (w - first) * 2;
			if ((p = realloc(tmp_idf, cap * sizeof *tmp_idf)) == NULL) {
				free(tmp_idf);
				return -1;
			}
			tmp_idf = p;
		}
		for (f = first; f < w; f++)
			tmp_idf[f - first] = idf[c->key[f]];
		nlp_tfidf_normalize(c->val + first, c->tf + first, tmp_idf,
		    w - first);
	}
	c->start[c->n] = c->nnz = w;
	free(tmp_idf);
	return 0;
}

/* State shared with the per-epoch callback. */
struct epoch_ctx {
	const struct nlp_train_opts *o;
	const struct csr *eval;      /* valid or held-out vectors, or NULL */
	uint32_t nclasses;
	size_t nweights;
	int early_stop;              /* only with --valid */
	double best_loss;
	unsigned best_epoch, epochs_run, worse;
	float *best_w, *best_b;
	float *probs;
	int failed;
};

/* Accuracy and mean log loss of (w, bias) on c; probs has C floats. */
static double
measure(const struct csr *c, const float *w, const float *bias, uint32_t C,
    float *probs, double *loss)
{
	uint64_t ok = 0;
	double l = 0;
	size_t i;

	for (i = 0; i < c->n; i++) {
		uint32_t best;
		size_t a = c->start[i];

		nlp_model_scores(w, bias, C, c->key + a, c->val + a,
		    c->start[i + 1] - a, probs);
		nlp_top_k(probs, C, 1, &best);
		ok += best == c->y[i];
		l -= log(probs[c->y[i]] > 1e-30f ? (double)probs[c->y[i]] : 1e-30);
	}
	*loss = c->n ? l / (double)c->n : 0;
	return c->n ? (double)ok / (double)c->n : 0;
}

static int
epoch_done(void *arg, const struct nlp_epoch_report *r, const float *w,
    const float *bias)
{
	struct epoch_ctx *x = arg;
	struct nlp_train_progress p;
	double loss = 0;

	x->epochs_run = r->epoch;
	p.epoch = r->epoch;
	p.epochs = x->o->epochs;
	p.loss = r->loss;
	p.examples_per_s = r->examples_per_s;
	p.valid_accuracy = -1;
	if (x->eval != NULL && (x->o->progress != NULL || x->early_stop))
		p.valid_accuracy = measure(x->eval, w, bias, x->nclasses,
		    x->probs, &loss);
	if (x->o->progress)
		x->o->progress(x->o->progress_arg, &p);
	if (!x->early_stop)
		return 0;
	if (loss < x->best_loss) {
		x->best_loss = loss;
		x->best_epoch = r->epoch;
		x->worse = 0;
		memcpy(x->best_w, w, x->nweights * sizeof *w);
		memcpy(x->best_b, bias, x->nclasses * sizeof *bias);
		return 0;
	}
	return ++x->worse >= 2;
}

/* The hash width for the data: 4x the feature occurrences, within bounds. */
static unsigned
auto_bits(size_t nnz)
{
	unsigned b = NLP_BITS_MIN;

	while (b < 24 && ((size_t)1 << b) < 4 * nnz)
		b++;
	return b;
}

struct pick {
	uint64_t hash;
	uint32_t doc;
};

static int
cmp_pick(const void *a, const void *b)
{
	const struct pick *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return (x->doc > y->doc) - (x->doc < y->doc);
}

/*
 * The "sample" member: up to NLP_SAMPLE_TEXTS of the texts idx[0..n) (the
 * held-out ones, or the training ones), those whose seeded hash is
 * smallest, each cut to NLP_SAMPLE_BYTES at a character boundary,
 * separated by NUL bytes.  drift measures the reference's OOV rate and
 * trains its domain classifier on them.
 */
static int
make_sample(const struct corpus *c, const uint32_t *idx, size_t n,
    uint64_t seed, struct nlp_trained *t, struct nlp_err *e)
{
	struct pick *p = malloc((n + 1) * sizeof *p);
	size_t i, k, len = 0;
	char *buf;

	if (p == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	for (i = 0; i < n; i++) {
		p[i].doc = idx[i];
		p[i].hash = nlp_xxh64(&p[i].doc, sizeof p[i].doc, seed);
	}
	qsort(p, n, sizeof *p, cmp_pick);
	k = n < NLP_SAMPLE_TEXTS ? n : NLP_SAMPLE_TEXTS;
	if ((buf = malloc(k * (NLP_SAMPLE_BYTES + 1) + 1)) == NULL) {
		free(p);
		return nlp_errf(e, NLP_IO, "out of memory");
	}
	for (i = 0; i < k; i++) {
		const char *s = c->text + c->off[p[i].doc];
		size_t l = c->off[p[i].doc + 1] - c->off[p[i].doc];

		if (l > NLP_SAMPLE_BYTES) {
			l = NLP_SAMPLE_BYTES;
			while (l > 0 && ((unsigned char)s[l] & 0xc0) == 0x80)
				l--;
		}
		memcpy(buf + len, s, l);
		len += l;
		buf[len++] = '\0';
	}
	free(p);
	t->sample = buf;
	t->sample_len = len;
	return NLP_OK;
}

/* meta.json: what the model is and what it was made from. */
static char *
make_meta(const struct nlp_train_opts *o, const struct nlp_feat_opts *fo,
    unsigned min_df,
    const struct nlp_strmap *labels, const uint32_t *order,
    const uint64_t *counts, const struct nlp_trained *t,
    const struct nlp_input *in, size_t nin, const struct nlp_input *valid,
    uint64_t skipped_valid)
{
	json_t *root, *a, *h, *x;
	char *s;
	size_t i;

	/* a constructor or json_dumps() that ran out of memory drops a key
	 * without a word: an artifact's meta.json with a key missing would be
	 * written and pushed as if whole */
	nlp_json_watch();
	if ((root = json_object()) == NULL)
		return NULL;
	json_object_set_new(root, "format", json_integer(NLP_ARTIFACT_FORMAT));
	json_object_set_new(root, "nlpops_version", json_string(NLP_VERSION));
	json_object_set_new(root, "model", json_string("softmax regression "
	    "on hashed tf-idf n-grams"));
	a = json_array();
	for (i = 0; i < labels->n; i++) {
		x = json_object();
		json_object_set_new(x, "label", json_string(labels->ent[order[i]].key));
		json_object_set_new(x, "count", json_integer((json_int_t)counts[i]));
		json_array_append_new(a, x);
	}
	json_object_set_new(root, "labels", a);
	h = json_object();
	json_object_set_new(h, "ngrams", json_integer(fo->ngrams));
	x = json_array();
	json_array_append_new(x, json_integer(fo->char_min));
	json_array_append_new(x, json_integer(fo->char_max));
	json_object_set_new(h, "char_ngrams", x);
	json_object_set_new(h, "bits", json_integer(fo->bits));
	json_object_set_new(h, "min_df", json_integer(min_df));
	json_object_set_new(h, "epochs", json_integer(o->epochs));
	json_object_set_new(h, "lr", json_real(o->lr));
	json_object_set_new(h, "l2", json_real(o->l2));
	json_object_set_new(h, "class_weight",
	    json_string(o->balanced ? "balanced" : "none"));
	json_object_set_new(h, "seed", json_integer((json_int_t)o->seed));
	if (o->valid == NULL)
		json_object_set_new(h, "holdout", json_real(o->holdout));
	json_object_set_new(h, "batch", json_integer(NLP_BATCH));
	json_object_set_new(root, "hyperparameters", h);
	x = json_object();
	json_object_set_new(x, "lowercase", json_true());
	json_object_set_new(x, "unicode", json_string("glibc C.UTF-8"));
	json_object_set_new(x, "tokens", json_string("runs of letters, digits "
	    "and marks; each CJK character; each other visible character"));
	json_object_set_new(x, "hash", json_string("xxh3-64, top bits"));
	json_object_set_new(x, "weighting", json_string("(1 + ln tf) * "
	    "(ln((1 + n) / (1 + df)) + 1), l2-normalized"));
	json_object_set_new(root, "tokenizer", x);
	json_object_set_new(root, "rows", json_integer(t->nrows));
	json_object_set_new(root, "examples", json_integer((json_int_t)t->examples));
	json_object_set_new(root, "epochs_run", json_integer(t->epochs_run));
	json_object_set_new(root, "best_epoch", json_integer(t->best_epoch));
	x = json_object();
	json_object_set_new(x, "n", json_integer((json_int_t)t->held_out));
	json_object_set_new(x, "source", json_string(o->valid ? "valid" : "holdout"));
	if (t->held_out > 0) {
		json_object_set_new(x, "accuracy", json_real(t->held_out_accuracy));
		json_object_set_new(x, "macro_f1", json_real(t->held_out_macro_f1));
	}
	if (o->valid)
		json_object_set_new(x, "unknown_labels",
		    json_integer((json_int_t)skipped_valid));
	json_object_set_new(root, "held_out", x);
	json_object_set_new(root, "skipped", json_string(t->oddities));
	a = json_array();
	for (i = 0; i < nin; i++) {
		const char *base = strrchr(in[i].path, '/');
		x = json_object();
		json_object_set_new(x, "name", json_string(base ? base + 1 : in[i].path));
		json_object_set_new(x, "sha256", json_string(in[i].sha256));
		json_object_set_new(x, "bytes", json_integer((json_int_t)in[i].bytes));
		json_array_append_new(a, x);
	}
	json_object_set_new(root, "inputs", a);
	if (valid != NULL) {
		x = json_object();
		json_object_set_new(x, "sha256", json_string(valid->sha256));
		json_object_set_new(x, "bytes", json_integer((json_int_t)valid->bytes));
		json_object_set_new(root, "valid", x);
	}
	s = json_dumps(root, JSON_SORT_KEYS | JSON_INDENT(2) |
	    JSON_REAL_PRECISION(8));
	json_decref(root);
	if (s != NULL && nlp_json_failed()) {
		free(s);
		return NULL;
	}
	if (s != NULL) {
		/* a text file ends with a newline */
		size_t n = strlen(s);
		char *t = realloc(s, n + 2);
		if (t == NULL) {
			free(s);
			return NULL;
		}
		t[n] = '\n';
		t[n + 1] = '\0';
		s = t;
	}
	return s;
}

static int
cmp_u32_asc(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Order label entry numbers by the labels' bytes (qsort_r, map in arg). */
static int
cmp_label(const void *a, const void *b, void *arg)
{
	const struct nlp_strmap *m = arg;

	return strcmp(m->ent[*(const uint32_t *)a].key,
	    m->ent[*(const uint32_t *)b].key);
}

int
nlp_train(const char *const *paths, size_t npaths,
    const struct nlp_train_opts *o, struct nlp_trained *t, struct nlp_err *e)
{
	struct corpus all, val;
	struct csr tr, ev;
	struct nlp_strmap labels;
	struct nlp_profile prof;
	struct nlp_feat_opts fo;
	struct nlp_input *inputs = NULL, *vinputs = NULL;
	struct nlp_pool *pool = NULL;
	struct epoch_ctx ctx;
	struct nlp_learn_opts lo;
	struct nlp_dataset ds;
	struct nlp_class_counts cm;
	uint32_t *order = NULL, *rank = NULL, *idx = NULL, *rowmap = NULL,
	    *keys = NULL, *df = NULL;
	uint64_t *counts = NULL, *fps = NULL, unknown = 0, rng;
	float *idf = NULL, *w = NULL, *bias = NULL, *cw = NULL, *conf = NULL;
	const char **labnames = NULL;
	size_t ninputs = 0, nvinputs = 0, ntrain, nhold = 0, i, f, nbuckets;
	uint32_t C, V = 0;
	unsigned min_df;
	int rc;

	memset(t, 0, sizeof *t);
	memset(&all, 0, sizeof all);
	memset(&val, 0, sizeof val);
	memset(&tr, 0, sizeof tr);
	memset(&ev, 0, sizeof ev);
	memset(&labels, 0, sizeof labels);
	memset(&prof, 0, sizeof prof);
	memset(&ctx, 0, sizeof ctx);
	memset(&cm, 0, sizeof cm);

	rc = read_corpus(paths, npaths, &o->reader, &labels, 0, NULL, &all,
	    &inputs, &ninputs, t->oddities, sizeof t->oddities, e);
	if (rc != NLP_OK)
		goto out;
	if (all.n == 0) {
		rc = nlp_errf(e, NLP_DATA, "no examples%s%s",
		    t->oddities[0] ? ": " : "", t->oddities);
		goto out;
	}
	C = (uint32_t)labels.n;
	if (C < 2) {
		rc = nlp_errf(e, NLP_DATA, "only one label ('%s') in %zu "
		    "examples: a classifier needs at least two", labels.ent[0].key,
		    all.n);
		goto out;
	}

	/* Classes in bytewise label order, so the model does not depend on
	   which label came first. */
	order = malloc(C * sizeof *order);
	rank = malloc(C * sizeof *rank);
	labnames = malloc(C * sizeof *labnames);
	counts = calloc(C, sizeof *counts);
	idx = malloc(all.n * sizeof *idx);
	if (!order || !rank || !labnames || !counts || !idx)
		goto oom;
	for (i = 0; i < C; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, C, sizeof *order, cmp_label, &labels);
	for (i = 0; i < C; i++) {
		rank[order[i]] = (uint32_t)i;
		labnames[i] = labels.ent[order[i]].key;
	}
	for (i = 0; i < all.n; i++)
		all.y[i] = rank[all.y[i]];

	if ((pool = nlp_pool_new(o->threads)) == NULL)
		goto oom;

	/* Validation data: --valid, or a seeded held-out slice. */
	if (o->valid != NULL) {
		const char *vp[1] = { o->valid };
		rc = read_corpus(vp, 1, &o->reader, &labels, 1, &unknown, &val,
		    &vinputs, &nvinputs, NULL, 0, e);
		if (rc != NLP_OK) {
			nlp_err_prefix(e, "--valid");
			goto out;
		}
		for (i = 0; i < val.n; i++)
			val.y[i] = rank[val.y[i]];
	} else if (o->holdout > 0 && all.n >= HOLDOUT_MIN_DOCS) {
		nhold = (size_t)(all.n * o->holdout);
		if (nhold > HOLDOUT_MAX)
			nhold = HOLDOUT_MAX;
	}
	for (i = 0; i < all.n; i++)
		idx[i] = (uint32_t)i;
	rng = o->seed ^ 0x401d0c7ULL;
	if (nhold > 0) {
		/* the first nhold of a seeded shuffle, each part in input order */
		nlp_shuffle(idx, all.n, &rng);
		qsort(idx, nhold, sizeof *idx, cmp_u32_asc);
		qsort(idx + nhold, all.n - nhold, sizeof *idx, cmp_u32_asc);
	}
	ntrain = all.n - nhold;
	for (i = nhold; i < all.n; i++)
		counts[all.y[idx[i]]]++;

	fo.ngrams = o->ngrams;
	fo.char_min = o->char_min;
	fo.char_max = o->char_max;
	fo.bits = NLP_BITS_MAX;
	fo.seed = 0x6e6c706f7073ULL;   /* "nlpops": fixed, not --seed */
	rc = featurize(&all, idx + nhold, ntrain, &fo, pool, &prof, o->seed,
	    &tr, &fps, e);
	if (rc != NLP_OK)
		goto out;
	/* a model of no features would be the class priors, passed off as a
	   classifier: refuse it */
	if (tr.nnz == 0) {
		rc = nlp_errf(e, NLP_DATA, "no usable examples: the texts of all "
		    "%zu training examples are empty or white space", ntrain);
		goto out;
	}
	if (nhold > 0)
		rc = featurize(&all, idx, nhold, &fo, pool, NULL, 0, &ev, NULL, e);
	else if (val.n > 0) {
		uint32_t *vidx = malloc(val.n * sizeof *vidx);
		if (vidx == NULL)
			goto oom;
		for (i = 0; i < val.n; i++)
			vidx[i] = (uint32_t)i;
		rc = featurize(&val, vidx, val.n, &fo, pool, NULL, 0, &ev, NULL,
		    e);
		free(vidx);
	}
	if (rc != NLP_OK)
		goto out;

	/* Hash width, vocabulary and idf. */
	fo.bits = o->bits ? o->bits : auto_bits(tr.nnz);
	coarsen(&tr, fo.bits);
	coarsen(&ev, fo.bits);
	nbuckets = (size_t)1 << fo.bits;
	if ((rowmap = calloc(nbuckets, sizeof *rowmap)) == NULL)
		goto oom;
	for (f = 0; f < tr.nnz; f++)
		rowmap[tr.key[f]]++;
	min_df = o->min_df ? o->min_df : ntrain >= 2000 ? 3 : ntrain >= 200 ? 2 : 1;
	for (i = 0; i < nbuckets; i++) {
		if (rowmap[i] < min_df)
			rowmap[i] = 0;
		V += rowmap[i] != 0;
	}
	if (V == 0) {
		rc = nlp_errf(e, NLP_DATA, "no usable examples: no feature occurs "
		    "in %u or more of the %zu training texts (--min-df)", min_df,
		    ntrain);
		goto out;
	}
	keys = malloc((V + 1) * sizeof *keys);
	df = malloc((V + 1) * sizeof *df);
	idf = malloc((V + 1) * sizeof *idf);
	if (!keys || !df || !idf)
		goto oom;
	for (i = 0, V = 0; i < nbuckets; i++) {
		if (rowmap[i] == 0)
			continue;
		keys[V] = (uint32_t)i;
		df[V] = rowmap[i];
		idf[V] = nlp_idf(ntrain, df[V]);
		rowmap[i] = ++V;
	}
	if (vectorize(&tr, rowmap, idf) < 0 || vectorize(&ev, rowmap, idf) < 0)
		goto oom;
	free(rowmap);
	rowmap = NULL;

	/* Learn. */
	w = calloc((size_t)V * C + 1, sizeof *w);
	bias = calloc(C, sizeof *bias);
	ctx.probs = malloc(C * sizeof *ctx.probs);
	if (!w || !bias || !ctx.probs)
		goto oom;
	if (o->balanced) {
		if ((cw = malloc(C * sizeof *cw)) == NULL)
			goto oom;
		for (i = 0; i < C; i++)
			cw[i] = counts[i] ? (float)((double)ntrain /
			    ((double)C * (double)counts[i])) : 0;
	}
	ctx.o = o;
	ctx.eval = ev.n > 0 ? &ev : NULL;
	ctx.nclasses = C;
	ctx.nweights = (size_t)V * C;
	ctx.early_stop = o->valid != NULL && ev.n > 0;
	ctx.best_loss = INFINITY;
	if (ctx.early_stop &&
	    ((ctx.best_w = malloc(ctx.nweights * sizeof *w + 1)) == NULL ||
	    (ctx.best_b = malloc(C * sizeof *bias)) == NULL))
		goto oom;
	memset(&lo, 0, sizeof lo);
	lo.epochs = o->epochs;
	lo.lr = (float)o->lr;
	lo.l2 = (float)o->l2;
	lo.seed = o->seed;
	lo.class_weight = cw;
	lo.pool = pool;
	lo.epoch_done = epoch_done;
	lo.arg = &ctx;
	ds.n = tr.n;
	ds.start = tr.start;
	ds.row = tr.key;
	ds.val = tr.val;
	ds.y = tr.y;
	ds.nrows = V;
	ds.nclasses = C;
	if ((rc = nlp_learn(&ds, &lo, w, bias, e)) != NLP_OK)
		goto out;
	if (ctx.early_stop && ctx.best_epoch > 0 &&
	    ctx.best_epoch != ctx.epochs_run) {
		memcpy(w, ctx.best_w, ctx.nweights * sizeof *w);
		memcpy(bias, ctx.best_b, C * sizeof *bias);
	}

	/* Held-out figures for the profile and meta.json: per-class counts,
	   linear in C (a C x C matrix took 3.2 GB at 20000 classes). */
	t->examples = ntrain;
	t->held_out = ev.n;
	t->nclasses = C;
	t->nrows = V;
	t->bits = fo.bits;
	t->epochs_run = ctx.epochs_run;
	t->best_epoch = ctx.early_stop && ctx.best_epoch ? ctx.best_epoch :
	    ctx.epochs_run;
	if (ev.n > 0) {
		if (nlp_class_counts_init(&cm, C) < 0 ||
		    (conf = malloc(ev.n * sizeof *conf)) == NULL)
			goto oom;
		for (i = 0; i < ev.n; i++) {
			uint32_t best;
			size_t a = ev.start[i];
			nlp_model_scores(w, bias, C, ev.key + a, ev.val + a,
			    ev.start[i + 1] - a, ctx.probs);
			nlp_top_k(ctx.probs, C, 1, &best);
			nlp_class_counts_add(&cm, ev.y[i], best);
			conf[i] = ctx.probs[best];
		}
		t->held_out_accuracy = nlp_class_counts_accuracy(&cm);
		t->held_out_macro_f1 = nlp_class_counts_macro_f1(&cm);
	}
	{
		struct nlp_profile_model pm;
		pm.labels = labnames;
		pm.label_counts = counts;
		pm.nclasses = C;
		pm.held_out = ev.n;
		pm.accuracy = t->held_out_accuracy;
		pm.macro_f1 = t->held_out_macro_f1;
		pm.confidence = conf;
		if ((t->profile = nlp_profile_json(&prof, &pm)) == NULL)
			goto oom;
	}
	if ((t->meta = make_meta(o, &fo, min_df, &labels, order, counts, t, inputs,
	    ninputs, vinputs, unknown)) == NULL)
		goto oom;
	if ((rc = nlp_seen_build(fps, ntrain, &t->seen, &t->seen_len, e)) !=
	    NLP_OK ||
	    (rc = (nhold >= SAMPLE_MIN_HELD_OUT ? make_sample(&all, idx, nhold,
	    o->seed, t, e) : make_sample(&all, idx + nhold, ntrain, o->seed, t,
	    e))) != NLP_OK)
		goto out;
	rc = nlp_model_serialize(&t->weights, &t->weights_len, &fo, labnames, C,
	    keys, idf, V, bias, w, e);
	goto out;
oom:
	rc = nlp_errf(e, NLP_IO, "out of memory");
out:
	if (rc != NLP_OK)
		nlp_trained_release(t);
	nlp_class_counts_release(&cm);
	nlp_pool_free(pool);
	corpus_release(&all);
	corpus_release(&val);
	csr_release(&tr);
	csr_release(&ev);
	nlp_strmap_release(&labels);
	nlp_profile_release(&prof);
	free(inputs);
	free(vinputs);
	free(fps);
	free(order);
	free(rank);
	free(labnames);
	free(counts);
	free(idx);
	free(rowmap);
	free(keys);
	free(df);
	free(idf);
	free(w);
	free(bias);
	free(cw);
	free(conf);
	free(ctx.best_w);
	free(ctx.best_b);
	free(ctx.probs);
	return rc;
}

/* The artifact's members, in order, for writing. */
static void
members(const struct nlp_trained *t, struct nlp_member m[5])
{
	m[0].name = "weights";
	m[0].data = t->weights;
	m[0].size = t->weights_len;
	m[1].name = "meta.json";
	m[1].data = t->meta;
	m[1].size = strlen(t->meta);
	m[2].name = "profile";
	m[2].data = t->profile;
	m[2].size = strlen(t->profile);
	m[3].name = "seen";
	m[3].data = t->seen;
	m[3].size = t->seen_len;
	m[4].name = "sample";
	m[4].data = t->sample;
	m[4].size = t->sample_len;
}

int
nlp_trained_write_fd(const struct nlp_trained *t, int fd, const char *label,
    int gzip, struct nlp_err *e)
{
	struct nlp_member m[5];

	members(t, m);
	return nlp_artifact_write_fd(fd, label, m, 5, gzip, e);
}

int
nlp_trained_bytes(const struct nlp_trained *t, void **out, size_t *len,
    struct nlp_err *e)
{
	struct nlp_member m[5];

	members(t, m);
	return nlp_artifact_write_mem(out, len, m, 5, 0, e);
}

void
nlp_trained_release(struct nlp_trained *t)
{
	free(t->weights);
	free(t->meta);
	free(t->profile);
	free(t->seen);
	free(t->sample);
	t->weights = t->seen = t->sample = NULL;
	t->meta = t->profile = NULL;
}
