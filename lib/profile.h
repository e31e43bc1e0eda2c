/*
 * profile.h - statistics of a body of text, stored in the model artifact
 * at training time so that `nlpops drift` can compare today's text with the
 * training text without the training data.
 *
 * Every statistic is a sum or a bottom-k sample, so partial profiles built
 * over chunks of the data in parallel merge into the same result in any
 * order.  The "profile" member is JSON (schema 2):
 *
 *   docs, tokens, empty, bad_utf8          counts
 *   chars: {letter, digit, space, punct, other, non_ascii}   code points
 *   length_bins                            upper bounds of the bins below
 *   token_length_hist, char_length_hist    documents per length bin
 *   length_sample: [[tokens, chars], ...]  up to 4096 documents, chosen by
 *                                          the smallest seeded hash
 *   token_docs                             sum over documents of their
 *                                          distinct tokens
 *   distinct_tokens, top_tokens: [[token, docs], ...]  the 2000 tokens in
 *                                          most documents (each counted once
 *                                          per document: one long text that
 *                                          repeats a word does not swamp
 *                                          the rest), count then bytes order
 *   labels: {label: count}                 training label distribution
 *   held_out: {n, accuracy, macro_f1, confidence: [sorted top-1 p],
 *              predicted: {label: count} (a multi-label model's)}
 *
 * train writes it (nlp_profile_json()); drift reads it back, every field
 * checked (nlp_profile_parse()).
 */
#ifndef NLP_PROFILE_H
#define NLP_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "strmap.h"
#include "token.h"

#define NLP_PROFILE_SCHEMA 2   /* 2: token counts are document counts */
#define NLP_PROFILE_BINS 20
#define NLP_PROFILE_SAMPLE 4096
#define NLP_PROFILE_TOP 2000
/* An artifact's "sample" member holds its held-out texts when at least
   this many were held out, else training texts (which the model's
   vocabulary has by construction). */
#define NLP_PROFILE_SAMPLE_MIN_HELD_OUT 50

struct nlp_length_sample {
	uint64_t hash;
	uint32_t tokens, chars;
	uint64_t count;          /* the records of that text (its copies) */
};

struct nlp_profile {
	uint64_t docs, tokens, empty, bad_utf8;
	uint64_t letter, digit, space, punct, other, non_ascii;
	uint64_t tok_hist[NLP_PROFILE_BINS], char_hist[NLP_PROFILE_BINS];
	struct nlp_strmap freq;            /* token -> documents with it */
	uint64_t token_docs;               /* sum of distinct tokens per doc */
	uint64_t *last;                    /* per freq entry: last document */
	size_t last_cap;
	struct nlp_length_sample *sample;
	size_t nsample, sample_cap;
	int no_tokens;                     /* do not count tokens (freq) */
};

/*
 * Has entry k already been counted for document doc?  Records doc for k in
 * (*last)[k] (grown as needed); returns 1 when it had been, 0 when not,
 * -1 when out of memory.
 */
int nlp_doc_once(uint64_t **last, size_t *cap, size_t k, uint64_t doc);

/* Order length samples by hash (then value): the bottom-k order. */
int nlp_length_sample_cmp(const void *a, const void *b);

/*
 * Sort s[0..n) into the bottom-k order, fold the entries of one hash
 * (copies of one text) into one that counts them all, and keep the first
 * k: the new n.  A sample of distinct texts, each with its count, is the
 * same whatever the order the records came in and however they were
 * split and merged, and a text repeated many times is in it, or not, as
 * one text with its weight, never as thousands of entries that crowd out
 * the rest (or none of them).
 */
size_t nlp_length_sample_fold(struct nlp_length_sample *s, size_t n,
    size_t k);

/* The bin of a length: 0, 1, 2-3, 4-7, ... (powers of two). */
unsigned nlp_profile_bin(uint64_t len);

/*
 * Add one document: its raw text, its tokens, the reader's flags for it,
 * and a hash that identifies it for sampling.  Returns 0 or -1 (memory).
 */
int nlp_profile_add(struct nlp_profile *p, const char *text, size_t len,
    const struct nlp_tokens *tok, unsigned flags, uint64_t doc_hash);

/* Add src's statistics to dst.  Returns 0 or -1 (memory). */
int nlp_profile_merge(struct nlp_profile *dst, const struct nlp_profile *src);

/* What the profile records about the model itself. */
struct nlp_profile_model {
	const char *const *labels;
	const uint64_t *label_counts;
	uint32_t nclasses;
	uint64_t held_out;               /* examples held out (0: none) */
	double accuracy, macro_f1;       /* on them */
	const float *confidence;         /* held_out top-1 probabilities */
	/* a multi-label model: the labels it predicted for the held-out
	   examples (nclasses counts), the reference its predictions on new
	   text compare with; NULL for none */
	const uint64_t *predicted;
};

/* The profile as JSON text (malloc'd, NUL-terminated), or NULL (memory). */
char *nlp_profile_json(struct nlp_profile *p, const struct nlp_profile_model *m);

void nlp_profile_release(struct nlp_profile *p);

/* A JSON array (jansson) of n unsigned counts, or NULL (memory): the
   profile's, and a drift part's (drift_shard.h). */
struct json_t;
struct json_t *nlp_json_counts(const uint64_t *v, size_t n);

/*
 * A profile read back from its JSON: every field drift compares with.
 * Zero-initialize or fill with nlp_profile_parse(); the caller owns it and
 * frees what it holds with nlp_profile_stored_release().
 */
struct nlp_profile_stored {
	uint64_t docs, empty, bad_utf8, token_docs;
	uint64_t letter, digit, punct, other, non_ascii;
	uint64_t length_bins[NLP_PROFILE_BINS];  /* upper bounds */
	uint64_t tok_hist[NLP_PROFILE_BINS], char_hist[NLP_PROFILE_BINS];
	double *sample_tokens, *sample_chars;    /* the length sample */
	double *sample_count;    /* each one's records (its text's copies) */
	size_t nsample;
	struct nlp_strmap top;       /* top tokens -> documents, in file order */
	struct nlp_strmap labels;    /* label -> count, in file order */
	uint64_t held_out;           /* examples held out (0: none) */
	int has_accuracy;            /* held_out.accuracy is there */
	double accuracy, macro_f1;   /* on them (macro_f1 0 when absent) */
	int has_confidence;          /* held_out.confidence is there */
	double *confidence;          /* held_out sorted top-1 probabilities */
	size_t nconfidence;
	int has_predicted;           /* held_out.predicted is there */
	struct nlp_strmap predicted; /* label -> held-out predictions */
};

/*
 * Parse and check the "profile" member (len bytes of JSON): every field
 * is checked for type and range, so that a damaged or forged artifact is
 * an error naming the member and the field ("member 'profile': field
 * 'docs' is missing") -- never a crash or numbers made of nonsense.
 * Returns NLP_OK, NLP_DATA, or NLP_IO (out of memory); on failure s is
 * left empty.
 */
int nlp_profile_parse(struct nlp_profile_stored *s, const char *json,
    size_t len, struct nlp_err *e);

/* The training count of label (0 when the profile has none). */
uint64_t nlp_profile_label_count(const struct nlp_profile_stored *s,
    const char *label);

void nlp_profile_stored_release(struct nlp_profile_stored *s);

#endif
