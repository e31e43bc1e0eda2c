/*
 * features.h - hashed sparse n-gram features and their TF-IDF weighting.
 *
 * Every token is hashed with XXH3-64 (seeded).  Features are the word
 * unigrams, the word n-grams of order 2..ngrams (over consecutive tokens,
 * punctuation included), and, when char_max > 0, the character n-grams of
 * char_min..char_max code points of each word wrapped in '<' and '>' (as
 * fastText does).  A feature's bucket is the top `bits` bits of its 64-bit
 * hash, so a smaller hash space is always a coarsening of a larger one.
 *
 * A document's vector: for each distinct bucket with term count tf, the
 * value (1 + ln tf) * idf, and the whole vector scaled to unit L2 norm
 * (scikit-learn's TfidfVectorizer with sublinear_tf and smooth idf).
 */
#ifndef NLP_FEATURES_H
#define NLP_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "token.h"

#define NLP_BITS_MIN 10
#define NLP_BITS_MAX 26
#define NLP_NGRAMS_MAX 5
#define NLP_CHAR_MAX 10

struct nlp_feat_opts {
	unsigned ngrams;          /* 1..NLP_NGRAMS_MAX */
	unsigned char_min, char_max;  /* 0, 0: none */
	unsigned bits;            /* NLP_BITS_MIN..NLP_BITS_MAX */
	uint64_t seed;            /* hash seed (fixed per model) */
};

/*
 * Scratch state for featurizing one document at a time; zero-initialize,
 * reuse, release.  One per thread.
 */
struct nlp_featurizer {
	struct nlp_tokens tok;
	uint64_t *hash;           /* per-token hashes */
	size_t hash_cap;
	uint32_t *bucket;         /* feature buckets, sorted after counting */
	size_t nbucket, bucket_cap;
	uint32_t *key, *tf;       /* distinct buckets and their counts */
	size_t nkey, key_cap, tf_cap;
	uint32_t *cpoff;          /* code point offsets, for char n-grams */
	size_t cpoff_cap;
	char *wrap;               /* "<word>" for char n-grams */
	size_t wrap_cap;
};

/*
 * Featurize text: on return f->key[0..f->nkey) are the distinct buckets in
 * increasing order and f->tf[] their counts; f->tok holds the tokens.
 * Returns 0, or -1 when out of memory.
 */
int nlp_featurize(struct nlp_featurizer *f, const struct nlp_feat_opts *o,
    const char *text, size_t len);

void nlp_featurizer_release(struct nlp_featurizer *f);

/*
 * The 64-bit hash of the word n-gram made of the k tokens whose hashes are
 * tok[0..k) (k == 1: the token itself), as nlp_featurize() computes it;
 * its bucket is the top `bits` bits.  After nlp_featurize(), f->hash holds
 * the token hashes.  For naming the n-grams behind buckets.
 */
uint64_t nlp_ngram_hash(uint64_t seed, const uint64_t *tok, size_t k);

/*
 * Documents as sparse vectors, the path from featurized texts to what
 * nlp_learn_docs() (learn.h) trains on.  nlp_docs_add() appends a text's
 * buckets and counts (f->key, f->tf) with a class; nlp_docs_vectorize()
 * maps the buckets to the rows of a vocabulary, dropping the others, and
 * weights them by TF-IDF (val).  Document i is entries start[i] to
 * start[i + 1].  Zero-initialize; nlp_docs_release() frees what it holds.
 */
struct nlp_docs {
	size_t n, nnz;
	size_t *start;            /* n + 1 offsets */
	uint32_t *key;            /* nnz: buckets, then rows once vectorized */
	uint32_t *tf;             /* nnz term counts */
	float *val;               /* nnz TF-IDF values, once vectorized */
	uint32_t *y;              /* n classes */
	size_t cap, doc_cap;      /* entries allocated: key and tf, start and y */
};

/* Append the text featurized in f with class y.  Returns 0, or -1 when out
 * of memory (d is unchanged then). */
int nlp_docs_add(struct nlp_docs *d, const struct nlp_featurizer *f,
    uint32_t y);

void nlp_docs_release(struct nlp_docs *d);

/*
 * A vocabulary: the buckets (of `bits` bits) that occur in at least min_df
 * documents become rows, in bucket order, each with its smoothed idf over
 * all the documents counted.  Zero-initialize; nlp_vocab_release() frees.
 */
/*
 * A map from buckets to 32-bit values, by open addressing: memory in
 * proportion to the buckets present, where an array of 2^bits values
 * costs 16 MiB at 22 bits for any input, a page fault per 4 KiB touched
 * and a cache miss per lookup.  Zero-initialize; nlp_bmap_release() frees.
 */
struct nlp_bmap {
	uint32_t *kv;             /* cap pairs: bucket + 1 (0: empty), value;
	                           * buckets have at most NLP_BITS_MAX bits */
	size_t cap, n;            /* cap: 0 or a power of two, at most half full */
};

/* The value of bucket b, inserted as 0 when absent (*added 1, else 0): a
 * pointer valid until the next insertion, or NULL when out of memory
 * (only ever when b is absent). */
uint32_t *nlp_bmap_ref(struct nlp_bmap *m, uint32_t b, int *added);

/* The value of bucket b, 0 when absent. */
uint32_t nlp_bmap_get(const struct nlp_bmap *m, uint32_t b);

void nlp_bmap_release(struct nlp_bmap *m);

struct nlp_vocab {
	uint32_t n;               /* rows */
	uint32_t *key;            /* n buckets, increasing: row r is key[r] */
	uint32_t *df;             /* n: the documents of each row */
	float *idf;               /* n */
	struct nlp_bmap rows;     /* bucket -> row + 1; 0 (or absent) for none */
};

/*
 * The vocabulary of docs[0..k) (bucket keys, as nlp_docs_add() leaves
 * them: each distinct in its document).  Returns 0, or -1 when out of
 * memory.
 */
int nlp_vocab_build(struct nlp_vocab *v, const struct nlp_docs *const *docs,
    size_t k, unsigned bits, unsigned min_df);

/* The same from nkeys bucket keys of ndocs documents, each distinct in
 * its document, in any order. */
int nlp_vocab_build_keys(struct nlp_vocab *v, const uint32_t *keys,
    size_t nkeys, size_t ndocs, unsigned bits, unsigned min_df);

/* Bucket b's row + 1 in v, 0 when b is not in v. */
static inline uint32_t
nlp_vocab_row(const struct nlp_vocab *v, uint32_t b)
{
	return nlp_bmap_get(&v->rows, b);
}

void nlp_vocab_release(struct nlp_vocab *v);

/* Buckets to v's rows and TF-IDF values (nlp_tfidf_normalize()), in place.
 * Returns 0, or -1 when out of memory (d is then fit only for release). */
int nlp_docs_vectorize(struct nlp_docs *d, const struct nlp_vocab *v);

/* The smoothed idf of a feature seen in df of n documents. */
float nlp_idf(uint64_t n, uint64_t df);

/*
 * Weight and normalize in place: val[i] = (1 + ln tf[i]) * idf[i], then
 * scale the vector to unit L2 norm (left as is when all zero).  The sums run
 * in index order, so the result depends only on the inputs.
 */
void nlp_tfidf_normalize(float *val, const uint32_t *tf, const float *idf,
    size_t n);

#endif
