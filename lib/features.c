/*
 * features.c - n-gram hashing and TF-IDF weighting (see features.h).
 */
#include "features.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "digest.h"

/* nlp_xxh64() inlined where every token is hashed: most tokens are a few
 * bytes, where the call costs as much as the hash (the same function, the
 * same values) */
#define XXH_INLINE_ALL
#include <xxhash.h>

static inline uint64_t
token_hash(const void *data, size_t len, uint64_t seed)
{
	return XXH3_64bits_withSeed(data, len, seed);
}

/* Mix an n-gram's running hash with the next token's (a 64-bit finalizer). */
static inline uint64_t
mix(uint64_t h, uint64_t x)
{
	h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 33);
}

/* Grow *p (element size sz) to hold want elements. */
static int
grow(void *pp, size_t *cap, size_t want, size_t sz)
{
	void **p = pp;
	size_t c = *cap ? *cap : 256;
	void *q;

	if (want <= *cap)
		return 0;
	if (want > SIZE_MAX / sz)
		return -1;
	/* doubling, short of the point where c * sz would overflow */
	while (c < want)
		c = c > SIZE_MAX / sz / 2 ? want : c * 2;
	if ((q = nlp_big_realloc(*p, *cap * sz, c * sz)) == NULL)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

/* Push one feature hash as a bucket. */
static inline void
push(struct nlp_featurizer *f, uint64_t h, unsigned bits)
{
	f->bucket[f->nbucket++] = (uint32_t)(h >> (64 - bits));
}

/* Sort a[0..n) by insertion: for the few keys of a short text. */
static void
insertion_sort(uint32_t *a, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		uint32_t x = a[i];
		for (j = i; j > 0 && a[j - 1] > x; j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
}

/* LSD radix sort by bytes, the result in a, with tmp as scratch. */
static void
lsd_sort(uint32_t *a, uint32_t *tmp, size_t n, unsigned bits)
{
	unsigned shift;

	for (shift = 0; shift < bits; shift += 8) {
		uint32_t count[256];
		size_t i, sum = 0;
		uint32_t *t;

		memset(count, 0, sizeof count);
		for (i = 0; i < n; i++)
			count[(a[i] >> shift) & 0xff]++;
		for (i = 0; i < 256; i++) {
			size_t c = count[i];
			count[i] = (uint32_t)sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			tmp[count[(a[i] >> shift) & 0xff]++] = a[i];
		t = a, a = tmp, tmp = t;
	}
	/* an odd number of passes leaves the result in the scratch array */
	if (((bits + 7) / 8) % 2 == 1)
		memcpy(tmp, a, n * sizeof *a);
}

/*
 * Sort n keys of `bits` bits in a, with tmp as scratch (n entries).  The
 * sorted order is what makes sums over a document's features run in the
 * same order everywhere; any way of sorting gives it.  A document has a
 * few dozen to a few thousand features, hashed (so spread evenly): one
 * pass on the top bits into n to 2n buckets leaves each a key or two at
 * most, as a rule (and the copies of a repeated word, which never move
 * past each other), which are put in order as they are copied back -- a
 * third of the work of three byte-wide radix passes.  While that copy
 * was an insertion that branched on each comparison, 2n to 4n buckets
 * were faster (fewer keys to move, so fewer of the CPU's guesses wrong);
 * without the branches, n to 2n buckets scored debian's 51 MB 4% faster
 * than 2n to 4n with the branches, spam's 5% (the AMD EPYC, 2026-12-06,
 * taken in turns: half the buckets to count and sum).
 * A short text is sorted by insertion alone; when insertion has moved keys
 * more than a few times n
 * (keys that are not spread: the vocabulary's millions, or a text made to
 * collide) the byte radix sort starts again from the buckets.
 */
#define INSERTION_MAX 32
#define TOP_BITS_MAX 12

static void
radix_sort(uint32_t *a, uint32_t *tmp, size_t n, unsigned bits)
{
	uint32_t count[1u << TOP_BITS_MAX], p1, p2;
	unsigned d = 1, shift;
	size_t i, j, sum = 0, moves = 0;

	if (n <= INSERTION_MAX) {
		insertion_sort(a, n);
		return;
	}
	while (d < TOP_BITS_MAX && ((size_t)1 << d) <= n)
		d++;
	if (d > bits || n > ((size_t)64 << TOP_BITS_MAX)) {
		lsd_sort(a, tmp, n, bits);
		return;
	}
	shift = bits - d;
	memset(count, 0, ((size_t)1 << d) * sizeof *count);
	for (i = 0; i < n; i++)
		count[a[i] >> shift]++;
	for (i = 0; i < ((size_t)1 << d); i++) {
		uint32_t c = count[i];
		count[i] = (uint32_t)sum;
		sum += c;
	}
	for (i = 0; i < n; i++)
		tmp[count[a[i] >> shift]++] = a[i];
	/* in order by the top bits: each key is put in place among the last
	 * two by compare-exchanges without a branch (whether a key goes
	 * before the one in front of it is a coin toss the CPU would guess
	 * wrong), and one that belongs further back (the third key of a
	 * bucket, or more) moved there by insertion */
	p1 = tmp[0];
	p2 = 0;
	a[0] = p1;
	for (i = 1; i < n; i++) {
		uint32_t x = tmp[i];
		uint32_t hi = x > p1 ? x : p1, lo = x > p1 ? p1 : x;
		uint32_t mid = lo > p2 ? lo : p2, low = lo > p2 ? p2 : lo;

		a[i] = hi;
		a[i - 1] = mid;
		p1 = hi;
		p2 = mid;
		if (i < 2)
			continue;
		a[i - 2] = low;
		if (i < 3 || a[i - 3] <= low)
			continue;
		for (j = i - 2; j > 0 && a[j - 1] > low; j--)
			a[j] = a[j - 1];
		a[j] = low;
		moves += i - 2 - j;
		if (moves > 4 * n) {
			lsd_sort(tmp, a, n, bits);
			memcpy(a, tmp, n * sizeof *a);
			return;
		}
	}
}

/* Append the char n-grams of one word token. */
static int
char_ngrams(struct nlp_featurizer *f, const struct nlp_feat_opts *o,
    const char *w, size_t wlen)
{
	size_t ncp = 0, i, n, need;
	uint64_t seed;

	if (grow(&f->wrap, &f->wrap_cap, wlen + 2, 1) < 0 ||
	    grow(&f->cpoff, &f->cpoff_cap, wlen + 3, sizeof *f->cpoff) < 0)
		return -1;
	f->wrap[0] = '<';
	memcpy(f->wrap + 1, w, wlen);
	f->wrap[wlen + 1] = '>';
	for (i = 0; i < wlen + 2; i++)
		if (((unsigned char)f->wrap[i] & 0xc0) != 0x80)
			f->cpoff[ncp++] = (uint32_t)i;
	f->cpoff[ncp] = (uint32_t)(wlen + 2);
	need = f->nbucket + ncp * (o->char_max - o->char_min + 1);
	if (grow(&f->bucket, &f->bucket_cap, need, sizeof *f->bucket) < 0)
		return -1;
	for (n = o->char_min; n <= o->char_max && n <= ncp; n++) {
		seed = o->seed ^ (0xc4a5ULL << 32) ^ n;
		for (i = 0; i + n <= ncp; i++) {
			size_t a = f->cpoff[i], b = f->cpoff[i + n];
			push(f, token_hash(f->wrap + a, b - a, seed), o->bits);
		}
	}
	return 0;
}

/*
 * The tokens' hashes into hash[], ix (3 t->n entries) as scratch.  XXH3
 * takes one of three ways through a short input by its length (up to 3
 * bytes, 4 to 8, 9 to 16 and longer), and a text's words are as often
 * one as another: hashed in their order, the CPU guessed the way wrong
 * every other token.  So the tokens are first listed by length class,
 * without a branch, and each list hashed in a loop of its own, where the
 * way is always the same: the same hashes, and debian's 51 MB scored 7%
 * faster, spam's 6% (the AMD EPYC, 2026-12-06, taken in turns).
 */
static inline __attribute__((always_inline)) void
hash_listed(const struct nlp_tokens *t, uint64_t seed, uint64_t *hash,
    const uint32_t *ix, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++) {
		uint32_t j = ix[i];
		hash[j] = token_hash(t->text + t->off[j], t->len[j], seed);
	}
}

static void
hash_tokens(const struct nlp_tokens *t, uint64_t seed, uint64_t *hash,
    uint32_t *ix)
{
	size_t n = t->n, i, c0 = 0, c1 = n, c2 = 2 * n;

	for (i = 0; i < n; i++) {
		uint32_t L = t->len[i];
		ix[c0] = (uint32_t)i;
		ix[c1] = (uint32_t)i;
		ix[c2] = (uint32_t)i;
		c0 += L <= 3;
		c1 += L - 4 <= 4;
		c2 += L > 8;
	}
	/* three loops, not one over the three lists: each its own copy of
	 * XXH3's tests (hash_listed() is inlined at each), which the CPU
	 * then learns apart */
	hash_listed(t, seed, hash, ix, 0, c0);
	hash_listed(t, seed, hash, ix, n, c1);
	hash_listed(t, seed, hash, ix, 2 * n, c2);
}

int
nlp_featurize(struct nlp_featurizer *f, const struct nlp_feat_opts *o,
    const char *text, size_t len)
{
	const struct nlp_tokens *t = &f->tok;
	size_t i, k, n, nb;

	f->nbucket = f->nkey = 0;
	if (nlp_tokenize(text, len, &f->tok) < 0)
		return -1;
	n = t->n;
	if (grow(&f->hash, &f->hash_cap, n + 1, sizeof *f->hash) < 0 ||
	    n > SIZE_MAX / 3 ||     /* hash_tokens()' scratch */
	    grow(&f->key, &f->key_cap, 3 * n + 1, sizeof *f->key) < 0 ||
	    grow(&f->bucket, &f->bucket_cap, n * o->ngrams + 1,
	    sizeof *f->bucket) < 0)
		return -1;
	{
		/* in locals: stores through f->bucket would make the compiler
		 * reload f's fields at every feature */
		uint64_t *hash = f->hash, seed = o->seed;
		uint32_t *bucket = f->bucket;
		unsigned sh = 64 - o->bits;
		size_t nbucket = 0;

		hash_tokens(t, seed, hash, f->key);
		for (i = 0; i < n; i++)
			bucket[nbucket++] = (uint32_t)(hash[i] >> sh);
		if (o->ngrams >= 2)      /* nlp_ngram_hash(seed, hash + i, 2) */
			for (i = 0; i + 2 <= n; i++)
				bucket[nbucket++] = (uint32_t)(mix(mix(seed + 2,
				    hash[i]), hash[i + 1]) >> sh);
		for (k = 3; k <= o->ngrams; k++)
			for (i = 0; i + k <= n; i++)
				bucket[nbucket++] = (uint32_t)(nlp_ngram_hash(seed,
				    hash + i, k) >> sh);
		f->nbucket = nbucket;
	}
	if (o->char_max > 0)
		for (i = 0; i < n; i++)
			if (t->kind[i] == NLP_TOK_WORD &&
			    char_ngrams(f, o, t->text + t->off[i], t->len[i]) < 0)
				return -1;

	nb = f->nbucket;
	if (grow(&f->key, &f->key_cap, nb + 1, sizeof *f->key) < 0 ||
	    grow(&f->tf, &f->tf_cap, nb + 1, sizeof *f->tf) < 0)
		return -1;
	radix_sort(f->bucket, f->key, nb, o->bits);
	{
		/* without a branch: whether a bucket repeats the one before
		 * is a coin toss the CPU would often guess wrong */
		const uint32_t *bucket = f->bucket;
		uint32_t *key = f->key, *tf = f->tf, prev, run = 1;
		size_t nkey = 0;

		prev = nb > 0 ? bucket[0] : 0;
		for (i = 1; i < nb; i++) {
			uint32_t b = bucket[i];
			size_t fresh = b != prev;
			key[nkey] = prev;
			tf[nkey] = run;
			nkey += fresh;
			run = fresh ? 1 : run + 1;
			prev = b;
		}
		key[nkey] = prev;
		tf[nkey] = run;
		f->nkey = nb > 0 ? nkey + 1 : 0;
	}
	return 0;
}

uint64_t
nlp_ngram_hash(uint64_t seed, const uint64_t *tok, size_t k)
{
	uint64_t h = seed + k;
	size_t j;

	if (k == 1)
		return tok[0];
	for (j = 0; j < k; j++)
		h = mix(h, tok[j]);
	return h;
}

void
nlp_featurizer_release(struct nlp_featurizer *f)
{
	nlp_tokens_release(&f->tok);
	free(f->hash);
	free(f->bucket);
	free(f->key);
	free(f->tf);
	free(f->cpoff);
	free(f->wrap);
	memset(f, 0, sizeof *f);
}

int
nlp_docs_add(struct nlp_docs *d, const struct nlp_featurizer *f, uint32_t y)
{
	size_t want = d->nnz + f->nkey + 1, kcap = d->cap, tcap = d->cap;
	size_t scap = d->doc_cap, ycap = d->doc_cap;
	int rc;

	/* key and tf (start and y) grow together: the smaller is the capacity */
	rc = grow(&d->key, &kcap, want, sizeof *d->key) |
	    grow(&d->tf, &tcap, want, sizeof *d->tf);
	d->cap = kcap < tcap ? kcap : tcap;
	rc |= grow(&d->start, &scap, d->n + 2, sizeof *d->start) |
	    grow(&d->y, &ycap, d->n + 2, sizeof *d->y);
	d->doc_cap = scap < ycap ? scap : ycap;
	if (rc != 0)
		return -1;
	d->start[d->n] = d->nnz;
	memcpy(d->key + d->nnz, f->key, f->nkey * sizeof *f->key);
	memcpy(d->tf + d->nnz, f->tf, f->nkey * sizeof *f->tf);
	d->nnz += f->nkey;
	d->y[d->n++] = y;
	d->start[d->n] = d->nnz;
	return 0;
}

void
nlp_docs_release(struct nlp_docs *d)
{
	free(d->start);
	free(d->key);
	free(d->tf);
	free(d->val);
	free(d->y);
	memset(d, 0, sizeof *d);
}

/* The slot of bucket b in m (cap > 0), or the empty one where it goes:
 * Fibonacci hashing, so that buckets of any width spread over the slots. */
static size_t
bmap_slot(const struct nlp_bmap *m, uint32_t b)
{
	size_t mask = m->cap - 1, s = (size_t)((b * 0x9e3779b97f4a7c15ULL) >>
	    32) & mask;

	while (m->kv[2 * s] != 0 && m->kv[2 * s] != b + 1)
		s = (s + 1) & mask;
	return s;
}

uint32_t
nlp_bmap_get(const struct nlp_bmap *m, uint32_t b)
{
	size_t s;

	if (m->cap == 0)
		return 0;
	s = bmap_slot(m, b);
	return m->kv[2 * s] != 0 ? m->kv[2 * s + 1] : 0;
}

/* Room for n buckets (a capacity of at least 1024 and 2n slots), the
   ones present moved over.  Returns 0, or -1 when out of memory. */
static int
bmap_reserve(struct nlp_bmap *m, size_t n)
{
	struct nlp_bmap g = { NULL, m->cap ? m->cap : 1024, m->n };
	size_t i, s;

	while (g.cap / 2 < n) {
		if (g.cap > SIZE_MAX / 4 / sizeof *g.kv)
			return -1;
		g.cap *= 2;
	}
	if (g.cap == m->cap)
		return 0;
	if ((g.kv = nlp_big_calloc(2 * g.cap * sizeof *g.kv)) == NULL)
		return -1;
	for (i = 0; i < m->cap; i++)
		if (m->kv[2 * i] != 0) {
			s = bmap_slot(&g, m->kv[2 * i] - 1);
			g.kv[2 * s] = m->kv[2 * i];
			g.kv[2 * s + 1] = m->kv[2 * i + 1];
		}
	free(m->kv);
	*m = g;
	return 0;
}

uint32_t *
nlp_bmap_ref(struct nlp_bmap *m, uint32_t b, int *added)
{
	size_t s;

	*added = 0;
	if (m->cap > 0 && m->kv[2 * (s = bmap_slot(m, b))] != 0)
		return &m->kv[2 * s + 1];
	/* grown only to insert: doubled, as reserving m->n + 1 doubles */
	if ((m->n + 1) * 2 > m->cap && bmap_reserve(m, m->n + 1) < 0)
		return NULL;
	s = bmap_slot(m, b);
	m->kv[2 * s] = b + 1;
	m->kv[2 * s + 1] = 0;
	m->n++;
	*added = 1;
	return &m->kv[2 * s + 1];
}

void
nlp_bmap_release(struct nlp_bmap *m)
{
	free(m->kv);
	memset(m, 0, sizeof *m);
}

/*
 * The vocabulary from nkeys bucket keys in a (tmp: as many, scratch; v
 * takes both over): sorted, each run of equal keys is one bucket's
 * documents, and the runs of at least min_df become the rows, in bucket
 * order.  A radix sort of the keys and a map of the rows kept cost less
 * than counting every bucket in a map (most fall below min_df), and the
 * smaller map is quicker to look up.  Returns 0, or -1 with v released.
 */
static int
vocab_from_keys(struct nlp_vocab *v, uint32_t *a, uint32_t *tmp,
    size_t nkeys, size_t ndocs, unsigned bits, unsigned min_df)
{
	uint32_t *row, r;
	size_t i, j, n = 0;
	void *p;
	int added;

	v->key = a, v->df = tmp;
	if (a == NULL || tmp == NULL)
		goto fail;
	radix_sort(a, tmp, nkeys, bits);
	for (i = 0; i < nkeys; i = j) {
		for (j = i + 1; j < nkeys && a[j] == a[i]; j++)
			;
		if (j - i >= min_df) {       /* n <= i: compacted in place */
			a[n] = a[i];
			tmp[n++] = (uint32_t)(j - i);
		}
	}
	if ((p = realloc(a, (n + 1) * sizeof *a)) != NULL)
		v->key = p;
	if ((p = realloc(tmp, (n + 1) * sizeof *tmp)) != NULL)
		v->df = p;
	/* the map made once at its size, not doubled into it: each doubling
	   a new table and its pages */
	if ((v->idf = malloc((n + 1) * sizeof *v->idf)) == NULL ||
	    bmap_reserve(&v->rows, n) < 0)
		goto fail;
	for (r = 0; r < n; r++) {
		if ((row = nlp_bmap_ref(&v->rows, v->key[r], &added)) == NULL)
			goto fail;
		v->idf[r] = nlp_idf(ndocs, v->df[r]);
		*row = r + 1;
	}
	v->n = (uint32_t)n;
	return 0;
fail:
	nlp_vocab_release(v);
	return -1;
}

int
nlp_vocab_build(struct nlp_vocab *v, const struct nlp_docs *const *docs,
    size_t k, unsigned bits, unsigned min_df)
{
	uint32_t *a;
	size_t i, nkeys = 0, ndocs = 0;

	memset(v, 0, sizeof *v);
	for (i = 0; i < k; i++) {
		nkeys += docs[i]->nnz;
		ndocs += docs[i]->n;
	}
	if ((a = nlp_big_alloc((nkeys + 1) * sizeof *a)) != NULL)
		for (i = 0, nkeys = 0; i < k; nkeys += docs[i++]->nnz)
			memcpy(a + nkeys, docs[i]->key, docs[i]->nnz * sizeof *a);
	return vocab_from_keys(v, a, nlp_big_alloc((nkeys + 1) * sizeof *a),
	    nkeys, ndocs, bits, min_df);
}

int
nlp_vocab_build_keys(struct nlp_vocab *v, const uint32_t *keys,
    size_t nkeys, size_t ndocs, unsigned bits, unsigned min_df)
{
	uint32_t *a;

	memset(v, 0, sizeof *v);
	/* the keys and the sort's second array in huge pages (bigmem.h):
	   debian's 5.7 million keys, two 23 MB arrays, 11,000 page faults in
	   small ones */
	if ((a = nlp_big_alloc((nkeys + 1) * sizeof *a)) != NULL)
		memcpy(a, keys, nkeys * sizeof *a);
	return vocab_from_keys(v, a, nlp_big_alloc((nkeys + 1) * sizeof *a),
	    nkeys, ndocs, bits, min_df);
}

void
nlp_vocab_release(struct nlp_vocab *v)
{
	free(v->key);
	free(v->df);
	free(v->idf);
	nlp_bmap_release(&v->rows);
	memset(v, 0, sizeof *v);
}

int
nlp_docs_vectorize(struct nlp_docs *d, const struct nlp_vocab *v)
{
	float *idf = NULL;
	size_t i, f, w = 0, cap = 0;

	if (d->n == 0)
		return 0;
	if ((d->val = malloc((d->nnz + 1) * sizeof *d->val)) == NULL)
		return -1;
	for (i = 0; i < d->n; i++) {
		size_t a = d->start[i], b = d->start[i + 1], first = w;

		d->start[i] = w;
		for (f = a; f < b; f++) {
			uint32_t r = nlp_vocab_row(v, d->key[f]);
			if (r == 0)
				continue;
			d->key[w] = r - 1;
			d->tf[w] = d->tf[f];
			w++;
		}
		if (grow(&idf, &cap, w - first + 1, sizeof *idf) < 0) {
			free(idf);
			return -1;
		}
		for (f = first; f < w; f++)
			idf[f - first] = v->idf[d->key[f]];
		nlp_tfidf_normalize(d->val + first, d->tf + first, idf, w - first);
	}
	d->start[d->n] = d->nnz = w;
	free(idf);
	return 0;
}

float
nlp_idf(uint64_t n, uint64_t df)
{
	return (float)(log((1.0 + (double)n) / (1.0 + (double)df)) + 1.0);
}

/* 1 + log(tf) for the small counts that are nearly all of them: the same
 * values log gives, computed once */
#define SUBLINEAR_MAX 64
static float sublinear_tab[SUBLINEAR_MAX];
static pthread_once_t sublinear_once = PTHREAD_ONCE_INIT;

static void
sublinear_init(void)
{
	uint32_t t;

	for (t = 0; t < SUBLINEAR_MAX; t++)
		sublinear_tab[t] = (float)(1.0 + log((double)t));
}

static inline float
sublinear(uint32_t tf)
{
	return tf < SUBLINEAR_MAX ? sublinear_tab[tf] :
	    (float)(1.0 + log((double)tf));
}

void
nlp_tfidf_normalize(float *val, const uint32_t *tf, const float *idf, size_t n)
{
	double ss = 0;
	size_t i;

	pthread_once(&sublinear_once, sublinear_init);
	for (i = 0; i < n; i++) {
		float v = sublinear(tf[i]) * idf[i];
		val[i] = v;
		ss += (double)v * v;
	}
	if (ss > 0) {
		float inv = (float)(1.0 / sqrt(ss));
		for (i = 0; i < n; i++)
			val[i] *= inv;
	}
}
