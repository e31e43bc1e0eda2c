/*
 * model.h - the linear classifier: its weights format, loading, scoring.
 *
 * A model is a multinomial logistic regression over the hashed TF-IDF
 * features of features.h.  Only the buckets seen in training have rows, so
 * the model's size follows the data, not 2^bits; an open-addressing table
 * maps a bucket to its row.
 *
 * The "weights" member of an artifact (format version 1), little-endian:
 *
 *   off  size  field
 *     0     8  magic "NLPOPSW\0"
 *     8     4  format version (1)
 *    12     4  header size (128)
 *    16     4  value type (1 = IEEE float32, 2 = int8 and scales)
 *    20     4  classes C
 *    24     4  rows V
 *    28     4  table capacity (a power of two >= 2V; value type 2:
 *              >= 4V/3)
 *    32     4  hash bits      36  4  word n-grams
 *    40     4  char n-gram min 44  4  char n-gram max
 *    48     8  hash seed
 *    56     4  label bytes L (C NUL-terminated UTF-8 labels)
 *    60     4  output: format 1, 0 (softmax); format 2, 1 (sigmoid)
 *    64    40  offsets of: labels, table, idf, bias, weights
 *   104     8  offset of the scales (value types 2 and 3), else 0
 *   112     8  value type 3: the training documents n, else 0
 *   120     8  zero
 *
 * then, each section 64-byte aligned: labels (L bytes); table (capacity x
 * {bucket + 1, row}, u32 pairs, 0 = empty); idf (V float); bias (C float);
 * weights (V x C, row-major: a feature's class weights together).
 *
 * Format 2 is format 1 with one-vs-all sigmoid outputs (`train
 * --multilabel`): each class's probability is the logistic function of its
 * score, independent of the others.  Softmax models are written as format
 * 1, so that they stay readable by every nlpops; an older one refuses a
 * format 2 model ("newer than this nlpops supports") rather than scoring it
 * as softmax.
 *
 * Value type 1: the weights are float.  Value type 2: they are int8 (-127
 * to 127), and a last section holds V float scales, one per row: weight
 * [r][c] = scale[r] * q[r][c], rounded to float, which is what training
 * measured the quantized model with.
 *
 * Value type 3 (`train --quantize`) is value type 2 made compact, for
 * models whose rows are short (2 classes: the table and idf were 20 of a
 * row's 26 bytes): the table section holds the V buckets, increasing, as
 * LEB128 varints of their differences (the first: the bucket itself); the
 * idf section holds each row's document frequency df as a varint, idf
 * being nlp_idf(n, df) (features.h), the same float training used; the
 * scales are bfloat16 (the upper half of a float), 2 bytes a row.  Each
 * section is bounded by the next one's offset.  Loading rebuilds the table
 * (capacity: table_cap, a power of two >= 2V), the idf and the float
 * scales in memory.
 */
#ifndef NLP_MODEL_H
#define NLP_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "features.h"

#define NLP_WEIGHTS_VERSION 2
#define NLP_OUTPUT_SOFTMAX 0
#define NLP_OUTPUT_SIGMOID 1
/* A multi-label model's classes for a text: those this probable or more
 * (the default of predict's and eval's --min-p). */
#define NLP_MIN_P 0.5
#define NLP_DTYPE_F32 1
#define NLP_DTYPE_I8 2
#define NLP_DTYPE_I8C 3

/*
 * When a model's rows are in the order of their buckets (as training
 * writes them) and the index is at most twice the table's size, loading
 * also builds a bit per bucket: a bucket's row is the number of the
 * model's buckets below it, a 64-bit word's bits counted past the word's
 * count of those before.  One memory access and no probing per feature,
 * where the table needs one or more and a branch the CPU guesses wrong.
 */
struct nlp_rank_word {
	uint64_t bits;           /* buckets 64 i to 64 i + 63 the model has */
	uint32_t rank, pad;      /* how many below 64 i */
};

struct nlp_model {
	struct nlp_feat_opts feat;
	uint32_t nclasses, nrows, table_cap;
	const char **labels;     /* nclasses pointers into the label bytes */
	const uint32_t *table;   /* table_cap pairs {bucket + 1, row} */
	const float *idf;        /* nrows */
	const float *bias;       /* nclasses */
	const float *w;          /* nrows * nclasses; NULL when quantized */
	const int8_t *q;         /* quantized: nrows * nclasses, else NULL */
	const float *scale;      /* quantized: nrows, else NULL */
	void *own;               /* value type 3: what loading built (table,
	                            idf, scales), freed by release */
	struct nlp_rank_word *rank; /* or NULL: the rows by rank (below) */
	unsigned char *line;     /* quantized: the rows as nlp_model_lines()
	                            lays them out (scored from there), or
	                            NULL (no memory: scored from q, scale) */
	uint32_t line_size;      /* bytes a row there */
	const unsigned char *idf_at; /* row r's idf as scoring reads it: at
	                            idf_at + r * idf_stride (in its line, or
	                            idf) */
	size_t idf_stride;
	int multilabel;          /* sigmoid outputs: probabilities of classes
	                            each on its own, not summing to 1 */
};

/* Weights as int8 rows with a scale each (value types 2 and 3). */
struct nlp_quantized {
	int8_t *q;               /* nrows * C */
	float *scale;            /* nrows, each a bfloat16 value */
	/* value type 3: the rows' document frequencies and the training
	   documents (the idf's inputs); df NULL: value type 2 */
	const uint32_t *df;
	uint64_t ndocs;
};

/*
 * Quantize the nrows x C weights w into qw (allocated; df NULL), and
 * replace each weight in w by the value the quantized model scores with
 * (scale x q, rounded to float; the scale a bfloat16), so that measuring
 * w measures the quantized model.  Returns 0, or -1 when out of memory (w
 * unchanged).
 */
int nlp_quantize(struct nlp_quantized *qw, float *w, uint32_t nrows,
    uint32_t C);

void nlp_quantized_release(struct nlp_quantized *qw);

/*
 * Make m a view of a weights member (data must stay valid and unchanged
 * while m is used; it is not copied).  Validates every size, offset and
 * table entry against size.  Returns NLP_OK or NLP_DATA.  Release with
 * nlp_model_release().
 */
int nlp_model_load(struct nlp_model *m, const void *data, size_t size,
    struct nlp_err *e);

void nlp_model_release(struct nlp_model *m);

/*
 * Serialize a weights member into a malloc'd buffer (*out, *len).  keys
 * are the sorted distinct buckets, one per row; labels are C strings; the
 * weights are w (float), or qw when it is not NULL (value type 2);
 * multilabel: sigmoid outputs (format 2).  Returns NLP_OK or NLP_IO (out of
 * memory).
 */
int nlp_model_serialize(void **out, size_t *len, const struct nlp_feat_opts *feat,
    const char *const *labels, uint32_t nclasses, const uint32_t *keys,
    const float *idf, uint32_t nrows, const float *bias, const float *w,
    const struct nlp_quantized *qw, int multilabel, struct nlp_err *e);

/* Scratch for scoring, one per thread; zero-initialize, release. */
struct nlp_scorer {
	struct nlp_featurizer f;
	uint32_t *row, *tf;
	float *idf, *val;
	size_t cap;
	size_t nknown;           /* features of the last text the model knows */
};

/*
 * Probabilities of each class for text, into probs[0..nclasses): the
 * softmax of the scores (they sum to 1), or for a multi-label model the
 * sigmoid of each.  An empty text gets those of the biases.  Returns 0, or -1
 * when out of memory.
 */
int nlp_model_predict(const struct nlp_model *m, struct nlp_scorer *s,
    const char *text, size_t len, float *probs);

/*
 * The sparse TF-IDF vector of text over the model's rows, in s->row[] and
 * s->val[] (s->nknown entries, rows increasing).  Returns 0 or -1.
 */
int nlp_model_vectorize(const struct nlp_model *m, struct nlp_scorer *s,
    const char *text, size_t len);

/*
 * A stream of texts scored in a pipe: a text's loads from memory (its
 * features' places in the index, then its rows of weights: most of a large
 * model's time, scattered over more memory than the caches hold) are asked
 * for ahead and arrive while the next texts are cut and hashed.  The same
 * probabilities as nlp_model_predict(), NLP_PIPE_DEPTH - 1 texts later.
 * Zero-initialize; release with nlp_pipe_release().
 *
 * nlp_pipe_push() adds a text with a tag of the caller's: 1 when the pipe
 * was full and its oldest text left, its tag in *out_tag and its
 * probabilities in probs; 0 when none left; -1 when out of memory (the
 * text was not added, and the oldest may have left without its result:
 * the caller stops).  nlp_pipe_pop() takes the oldest text out: 1 with
 * its tag and probabilities, 0 when the pipe is empty.  Texts leave in
 * the order they came.
 */
#define NLP_PIPE_DEPTH 3
struct nlp_pipe {
	struct nlp_scorer sc[NLP_PIPE_DEPTH];
	size_t tag[NLP_PIPE_DEPTH];
	unsigned head, n;        /* sc[head]: the newest text; n texts in */
};

int nlp_pipe_push(struct nlp_pipe *p, const struct nlp_model *m,
    const char *text, size_t len, size_t tag, size_t *out_tag, float *probs);
int nlp_pipe_pop(struct nlp_pipe *p, const struct nlp_model *m, size_t *tag,
    float *probs);
void nlp_pipe_release(struct nlp_pipe *p);

/* Softmax of scores over the sparse vector x (rows, vals, n) into probs. */
void nlp_model_scores(const float *w, const float *bias, uint32_t nclasses,
    const uint32_t *rows, const float *vals, size_t n, float *probs);

/* The scores themselves (bias + w.x), before softmax or sigmoid. */
void nlp_model_logits(const float *w, const float *bias, uint32_t nclasses,
    const uint32_t *rows, const float *vals, size_t n, float *scores);
/* The same with quantized weights (q, scale). */
void nlp_model_logits_q(const int8_t *q, const float *scale,
    const float *bias, uint32_t nclasses, const uint32_t *rows,
    const float *vals, size_t n, float *scores);
/*
 * The same two, from the build of the kernel asked for (for tests: the
 * bits must not depend on it): avx2 0 the plain one, 1 the one for AVX2
 * where the CPU has it (else the plain one).
 */
void nlp_model_logits_build(int avx2, const float *w, const float *bias,
    uint32_t nclasses, const uint32_t *rows, const float *vals, size_t n,
    float *scores);
void nlp_model_logits_q_build(int avx2, const int8_t *q, const float *scale,
    const float *bias, uint32_t nclasses, const uint32_t *rows,
    const float *vals, size_t n, float *scores);

/*
 * Quantized rows laid out for scoring: row r's scale and idf (floats), then
 * its nclasses weights (int8), side by side at *out + r * *size: the
 * NLP_LINE_HEAD + nclasses bytes rounded up to 16, 32 or 64 bytes and
 * aligned to it, the padding zero: a row is one cache line to load, where
 * the artifact's layout makes it three (a line or two of weights, the
 * scale, the idf, each far from the others).  Loading a quantized model
 * builds it (nlp_model.line; the artifact is unchanged).  idf may be NULL
 * (then 0).  Returns 0, or -1 when a row would not fit a line (over 56
 * classes) or out of memory; free *out with free().
 */
#define NLP_LINE_HEAD 8
int nlp_model_lines(unsigned char **out, uint32_t *size, const int8_t *q,
    const float *scale, const float *idf, uint32_t nrows, uint32_t nclasses);
/* The scores from rows laid out so (size as nlp_model_lines() set it), from
 * the build of the kernel asked for, as nlp_model_logits_build(). */
void nlp_model_logits_line_build(int avx2, const unsigned char *line,
    uint32_t size, const float *bias, uint32_t nclasses, const uint32_t *rows,
    const float *vals, size_t n, float *scores);

/*
 * Ask the CPU for the cache lines of the n bytes at p, with
 * __builtin_prefetch's locality loc (a constant: 3 into the first-level
 * cache, 2 into the second): a request every 64 bytes from p, which meets
 * every line up to the last byte's, and one for the last byte (n bytes
 * that start late in a line end in one more line than n / 64; for none,
 * one for p: a hint, which never faults).  As many
 * requests for every row of a model, wherever it starts: counting the
 * lines a row touches instead made the loop's end a guess the CPU got
 * wrong for a row in four or so (debian's 204-byte rows: four lines or
 * five).
 */
#define NLP_PREFETCH_SPAN(p, n, loc) do {                                   \
	const char *nlp_p_ = (const char *)(p);                             \
	size_t nlp_o_, nlp_n_ = (n);                                        \
	for (nlp_o_ = 0; nlp_o_ < nlp_n_; nlp_o_ += 64)                     \
		__builtin_prefetch(nlp_p_ + nlp_o_, 0, loc);                \
	__builtin_prefetch(nlp_p_ + nlp_n_ - (nlp_n_ > 0), 0, loc);         \
} while (0)

/*
 * Ask the CPU to load a weight row of C floats (no effect on results).  A
 * large model's weights do not fit in the caches and the rows a document
 * needs are scattered: asking a few features ahead overlaps the loads.
 */
static inline void
nlp_prefetch_row(const float *row, uint32_t C)
{
	NLP_PREFETCH_SPAN(row, (size_t)C * sizeof *row, 3);
}

void nlp_scorer_release(struct nlp_scorer *s);

/* In-place softmax of x[0..n). */
void nlp_softmax(float *x, size_t n);
/* In-place logistic function of each of x[0..n). */
void nlp_sigmoid(float *x, size_t n);

/*
 * The k best classes, most probable first (ties: lower class index first),
 * into idx[0..k); returns min(k, nclasses).
 */
size_t nlp_top_k(const float *probs, uint32_t nclasses, size_t k, uint32_t *idx);

/* Does the model have a row for bucket (a feature seen in training)? */
int nlp_model_has_bucket(const struct nlp_model *m, uint32_t bucket);

/* The class index of label, or -1. */
int nlp_model_label_index(const struct nlp_model *m, const char *label);

struct nlp_artifact;

/*
 * Open the artifact at path (verified, see artifact.h), read as o asks
 * (NULL: the defaults, see struct nlp_artifact_opts), and load its weights
 * into m, a view into the artifact: close *a after releasing m.  Returns
 * NLP_OK, NLP_IO or NLP_DATA (message names the path).
 */
struct nlp_artifact_opts;
int nlp_model_open(struct nlp_model *m, struct nlp_artifact **a,
    const char *path, const struct nlp_artifact_opts *o, struct nlp_err *e);

/* Same, from an open descriptor (label names it in messages). */
int nlp_model_open_fd(struct nlp_model *m, struct nlp_artifact **a, int fd,
    const char *label, const struct nlp_artifact_opts *o, struct nlp_err *e);

#endif
