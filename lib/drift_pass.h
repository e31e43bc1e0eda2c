/*
 * drift_pass.h - drift's one streaming pass over a text collection: the
 * profile of the text (profile.h), counts of the reference's top tokens
 * and of tokens the reference lacks, the model's predictions, confidences
 * and out-of-vocabulary tokens, gold label counts and accuracy on labeled
 * data, and a bottom-k sample of the texts for the domain classifier.
 *
 * Records are read in batches and scored in parallel chunks of a fixed
 * size, merged in order: the result does not depend on the thread count.
 * Memory is bounded: the samples are bottom-k (the smallest seeded hashes
 * of the texts), and so are the new tokens itemized (the
 * NLP_DRIFT_NEW_TOKENS_MAX of smallest seeded hash, each with its whole
 * count).  Every figure is a sum or such a sample, so passes over parts of
 * an input, merged in any order (nlp_drift_pass_merge()), equal one pass
 * over the whole: `predict --profile-out` writes a part (drift_shard.h).
 */
#ifndef NLP_DRIFT_PASS_H
#define NLP_DRIFT_PASS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "metrics.h"
#include "model.h"
#include "profile.h"
#include "reader.h"
#include "strmap.h"

#define NLP_DRIFT_NEW_TOKENS_MAX 200000  /* distinct new tokens itemized */
#define NLP_DRIFT_TEXT_BYTES 2000        /* of a text kept, at most */

/* A text kept for the domain classifier, chosen by smallest hash. */
struct nlp_drift_kept {
	uint64_t hash;
	char *text;              /* NUL-terminated, cut at a character */
};

/* A bottom-k sample of texts (k of them once the pass is done). */
struct nlp_drift_texts {
	struct nlp_drift_kept *v;
	size_t n, cap, k;
};

/* A bottom-k sample of numbers (confidences). */
struct nlp_drift_numbers {
	struct nlp_drift_number {
		uint64_t hash;
		double v;
		uint64_t count;  /* the records of that text (its copies) */
	} *v;
	size_t n, cap, k;
};

/* How to read: what to count against, what to keep. */
struct nlp_drift_pass_opts {
	const struct nlp_model *model;   /* predictions, confidences, OOV;
	                                    or NULL */
	const struct nlp_strmap *top;    /* the current text: count its tokens
	                                    against these (the reference's top
	                                    tokens); NULL for a reference, whose
	                                    every token the profile counts */
	size_t keep;             /* texts kept for the domain classifier */
	uint64_t seed;           /* of the samples' hashes */
	unsigned threads;
};

/*
 * What a pass accumulates.  Zero-initialize; nlp_drift_pass_release()
 * frees what it holds.  The counts are read once nlp_drift_pass_run() has
 * returned.
 */
struct nlp_drift_pass {
	struct nlp_profile prof;     /* lengths, characters, empty, bad UTF-8;
	                                every token of a reference; the length
	                                sample ends sorted, NLP_PROFILE_SAMPLE
	                                at most */
	const struct nlp_strmap *top;    /* as in the options */
	uint64_t *topcnt;            /* per top entry: current documents */
	uint64_t other;              /* distinct tokens per document outside
	                                the top list, summed */
	struct nlp_strmap fresh;     /* those tokens -> documents: the
	                                NLP_DRIFT_NEW_TOKENS_MAX of smallest
	                                seeded hash, in hash order at the end */
	uint64_t fresh_dropped;      /* documents' tokens not itemized: other
	                                less the counts in fresh (at the end) */
	uint64_t tokens, oov;        /* unigrams checked against the model */
	uint64_t *pred;              /* predicted class counts */
	struct nlp_drift_numbers conf;   /* top-1 confidences, by hash */
	struct nlp_strmap gold;      /* gold label counts, labeled data */
	uint64_t correct, scored;    /* gold labels known to the model */
	struct nlp_class_counts cm;  /* gold x predicted, linear in C */
	struct nlp_drift_texts texts;    /* by hash */
	uint64_t records;
	/* nlp_drift_pass_run(): records the reader could not parse (bad
	   JSON, no text field or column), read as empty text, and where
	   the first was ("FILE:LINE") */
	uint64_t malformed;
	char malformed_at[1100];
	/* ... records of TSV lines whose text column is empty (rows ending
	   in a TAB), and where the first was */
	uint64_t text_empty;
	char text_empty_at[1100];
	uint64_t json_like;          /* plain records in the form of a JSON
	                                object (reader.h) */
	uint64_t unlabeled;          /* records skipped for want of one
	                                valid label (labeled reading) */
	/* nlp_drift_pass_run(): what the reader skipped (records without
	   a label, header lines, ...: not kept in a part's profile), said
	   when nothing is left */
	char skipped[1024];
	/* ... and its records whose lines ran together by carriage returns
	   (nlp_reader_describe_bare_cr()), or "" */
	char bare_cr[512];
	/* internal: per-entry last document counted, for counting each
	   token once per document; hashes no later record can beat */
	uint64_t *top_last;
	size_t top_cap;
	struct nlp_drift_tokref *tok;    /* one text's new tokens */
	size_t tok_cap;
	uint64_t texts_max, conf_max, fresh_max;
	uint64_t seed;
};

/*
 * Read paths (stdin when n == 0) with ro and accumulate into p (zeroed).
 * Returns NLP_OK, or the reader's status, or NLP_IO (out of memory).
 */
int nlp_drift_pass_run(struct nlp_drift_pass *p, const char *const *paths,
    size_t n, const struct nlp_reader_opts *ro,
    const struct nlp_drift_pass_opts *po, struct nlp_err *e);

/*
 * The same pass fed record by record, as another reader (predict) reads
 * them: nlp_drift_feed_open() sets p (zeroed) up, nlp_drift_feed_add()
 * adds a record, nlp_drift_feed_close() ends the pass (p's counts are then
 * final) and frees the feed.  Each returns 0, or -1 when out of memory;
 * after -1, nlp_drift_feed_free() frees the feed (a NULL one too).
 */
struct nlp_drift_feed;
int nlp_drift_feed_open(struct nlp_drift_feed **f, struct nlp_drift_pass *p,
    const struct nlp_drift_pass_opts *po);
int nlp_drift_feed_add(struct nlp_drift_feed *f, const struct nlp_record *rec);
int nlp_drift_feed_close(struct nlp_drift_feed *f);

void nlp_drift_feed_free(struct nlp_drift_feed *f);

/*
 * Set p (zeroed) up as an empty pass with po's settings, to merge passes
 * into or to read one into (drift_shard.h).  Returns 0 or -1 (memory).
 */
int nlp_drift_pass_init(struct nlp_drift_pass *p,
    const struct nlp_drift_pass_opts *po);

/* Add finished pass c (same model, top list and settings) to p; c's texts
   are moved out.  Returns 0 or -1 (memory). */
int nlp_drift_pass_merge(struct nlp_drift_pass *p, struct nlp_drift_pass *c,
    const struct nlp_model *m);

/* Cut the samples to their k and put them in hash order: what a pass does
   at its end, after merging too.  Returns 0 or -1 (memory). */
int nlp_drift_pass_finish(struct nlp_drift_pass *p);

void nlp_drift_pass_release(struct nlp_drift_pass *p);

#endif
