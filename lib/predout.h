/*
 * predout.h - the lines a prediction is printed as: TSV
 * (label<TAB>probability, the k best) or JSONL ({"label", "p", "top"}),
 * with the record's id first when there are ids.
 *
 * A multi-label model's line holds every label whose probability is
 * min_p or more (at most k), most probable first: TSV
 * label<TAB>p<TAB>label<TAB>p..., JSONL {"label", "p" (the first),
 * "labels": [{"label", "p"}, ...]}.  When none is that probable, the line
 * is the empty-record marker (an empty label and probability; JSONL
 * "label":null, "p":null, "labels":[]).  When the most probable label is
 * below threshold, the line is the fallback and that probability, as for
 * a single-label model ("labels":[] in JSONL).  `nlpops predict` writes
 * them to its output, `nlpops serve` into its responses: the same bytes
 * for the same text.
 */
#ifndef NLP_PREDOUT_H
#define NLP_PREDOUT_H

#include <stddef.h>

#include "model.h"

/* A growable output buffer; zero-initialize.  After a failed allocation
 * failed is set and every later put is dropped: check it once, at the
 * end.  NLP_BUF_FIXED(storage) is one over the caller's storage instead,
 * never grown (failed when full) nor freed: a line made where the heap
 * may have no room left. */
struct nlp_buf {
	char *p;
	size_t len, cap;
	int failed;
	int fixed;
};
#define NLP_BUF_FIXED(a) { (a), 0, sizeof(a), 0, 1 }

void nlp_buf_put(struct nlp_buf *b, const char *s, size_t n);
void nlp_buf_puts(struct nlp_buf *b, const char *s);
/* A string literal, its length counted by the compiler. */
#define nlp_buf_lit(b, s) nlp_buf_put((b), (s), sizeof(s) - 1)
/* A JSON string: s (valid UTF-8, NUL-terminated) quoted and escaped. */
void nlp_buf_json_str(struct nlp_buf *b, const char *s);
/* A probability with 6 decimals, locale-free ("0.981234"). */
void nlp_buf_prob(struct nlp_buf *b, float p);
void nlp_buf_release(struct nlp_buf *b);

/* How results are printed. */
struct nlp_predout {
	const struct nlp_model *m;
	size_t k;                /* the k best labels (1..64, <= nclasses);
	                            multi-label: at most k */
	double min_p;            /* multi-label: the cut-off (0 to 1) */
	double threshold;        /* below it the top label is the fallback */
	const char *fallback;
	int jsonl;               /* JSONL rather than TSV */
	int want_id;             /* each line starts with the record's id */
	int score_empty;         /* score empty texts too (the biases
	                            alone) */
};

/*
 * Why a record gets no scores, or NULL: "empty" (an empty or blank text)
 * or "no_text" (flags has NLP_REC_MALFORMED: a row without its text).
 * With score_empty, always NULL.
 */
const char *nlp_predout_unscored(const struct nlp_predout *o,
    const char *text, size_t len, unsigned flags);

/* The members of a record with no scores: "label":null, "p":null, "top":[]
 * ("labels":[] for a multi-label model) and "reason". */
void nlp_predout_unscored_members(struct nlp_buf *b,
    const struct nlp_predout *o, const char *why);

/* The line of a record with no scores: an empty label and probability in
 * TSV, the members above in JSONL (and "cut":true when cut: a record cut
 * at 1 MiB whose kept part has no text). */
void nlp_predout_unscored_line(struct nlp_buf *b, const struct nlp_predout *o,
    const char *id, const char *why, int cut);

/* The line of a scored record (probs: the model's nclasses); cut adds
 * "cut":true in JSONL (scored on its first 1 MiB). */
void nlp_predout_line(struct nlp_buf *b, const struct nlp_predout *o,
    const float *probs, const char *id, int cut);

/*
 * The JSON members of a scored record, without braces:
 * "label":L,"p":P,"top":[{"label":L,"p":P},...] -- what a JSONL line
 * holds, for callers that add members of their own.
 */
void nlp_predout_members(struct nlp_buf *b, const struct nlp_predout *o,
    const float *probs);

/* The first class a scored record answers, top (its most probable), or
 * -1 for a multi-label model's answer without a label (every one below
 * its cut-off, min_p). */
int nlp_predout_first(const struct nlp_predout *o, const float *probs,
    uint32_t top);

#endif
