/*
 * model.c - the weights member format, loading with full validation, and
 * scoring (see model.h for the layout).
 *
 * Loading float weights is a view: nothing is copied but the label
 * pointers, so a mapped artifact is usable in the time it takes to
 * validate the header and the bucket table, and to build the rank index
 * beside it.  8-bit weights (up to 56 classes) are also copied into the
 * line layout they score from (model.h), some 5 ms for debian's 13 MB.
 */
#include "model.h"

#include "artifact.h"
#include "bigmem.h"
#include "text.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "nlpops reads its weights in place: little-endian hosts only, for now"
#endif

#define HEADER_SIZE 128
#define PREFETCH 6
/* The scoring kernels sum a block of this many classes at a time in an
 * array of their own, on the stack: never in the caller's memory, which
 * another thread's scores may share a cache line with (two threads
 * scoring into neighbouring arrays made debian's scoring 10% slower). */
#define LOGITS_BLOCK 64
static const char MAGIC[8] = "NLPOPSW";

struct header {
	char magic[8];
	uint32_t version, header_size, dtype, nclasses, nrows, table_cap;
	uint32_t bits, ngrams, char_min, char_max;
	uint64_t seed;
	uint32_t label_bytes, output;   /* version 1: 0; 2: NLP_OUTPUT_* */
	uint64_t off_labels, off_table, off_idf, off_bias, off_w;
	uint64_t off_scale;      /* dtypes 2, 3: the rows' scales; dtype 1: 0 */
	uint64_t ndocs;          /* dtype 3: training documents; else 0 */
	char pad[8];
};

_Static_assert(sizeof(struct header) == HEADER_SIZE, "header layout");

/* Round up to a multiple of 64. */
static uint64_t
align64(uint64_t x)
{
	return (x + 63) & ~(uint64_t)63;
}

/* The number of bits set in x. */
static inline unsigned
popcount64(uint64_t x)
{
#ifdef __POPCNT__
	return (unsigned)__builtin_popcountll(x);
#else
	/* without the instruction, the builtin is a call to libgcc */
	x -= (x >> 1) & 0x5555555555555555u;
	x = (x & 0x3333333333333333u) + ((x >> 2) & 0x3333333333333333u);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fu;
	return (unsigned)((x * 0x0101010101010101u) >> 56);
#endif
}

/* The same, with the CPU's instruction (hw: in a function built for a
 * CPU that has it) or without. */
static inline __attribute__((always_inline)) unsigned
bits_set(uint64_t x, int hw)
{
	return hw ? (unsigned)__builtin_popcountll(x) : popcount64(x);
}

/* The words of a rank index for 2^bits buckets. */
static inline uint64_t
rank_words(unsigned bits)
{
	return (((uint64_t)1 << bits) + 63) / 64;
}

/* Bucket b's row in the rank index, and whether the model has b (1/0);
 * hw as bits_set(). */
static inline __attribute__((always_inline)) uint32_t
rank_of(const struct nlp_rank_word *rank, uint32_t b, unsigned *has, int hw)
{
	const struct nlp_rank_word *w = &rank[b >> 6];
	uint64_t bits = w->bits;

	*has = (unsigned)(bits >> (b & 63)) & 1;
	return w->rank + bits_set(bits & (((uint64_t)1 << (b & 63)) - 1), hw);
}

/* The table slot where probing for bucket starts. */
static inline uint32_t
slot_of(uint32_t bucket, uint32_t cap)
{
	return (uint32_t)((bucket * 2654435761u) ^ (bucket >> 16)) & (cap - 1);
}

/* Largest magnitude a weight, bias or idf may have.  Training makes
 * nothing near it; past it, sums over a text's features could overflow
 * to infinity, and inf - inf in the softmax is NaN.  (A float's bits
 * compare like its magnitude once the sign is masked off, and NaN and
 * infinity compare above every finite bound.) */
#define VALUE_MAX 1e30f

/* Are the n floats at p finite and within VALUE_MAX (min_zero: and not
 * negative)?  Integer compares, so that the loop vectorizes (built for
 * AVX2 too, which the loader picks where the CPU has it): checking a 45 MB
 * weights table costs a few milliseconds. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    defined(__GLIBC__)
__attribute__((target_clones("avx2", "default")))     /* an ifunc: glibc */
#endif
static int
values_ok(const float *p, uint64_t n, int min_zero)
{
	const float bound = VALUE_MAX;
	uint32_t max, bad = 0, neg = 0, x;
	uint64_t i;

	memcpy(&max, &bound, sizeof max);
	for (i = 0; i < n; i++) {
		memcpy(&x, p + i, sizeof x);
		bad |= (uint32_t)((x & 0x7fffffffu) > max);
		neg |= x >> 31 & (uint32_t)((x & 0x7fffffffu) != 0);
	}
	return bad == 0 && (!min_zero || neg == 0);
}

/* Are the n idf at p all within [1, VALUE_MAX], as training makes them
 * (ln((1 + n) / (1 + df)) + 1 with df <= n)?  Below 1, a tiny one makes
 * a text's norm underflow and its TF-IDF values infinite (a forged member
 * scored NaN). */
static int
idf_ok(const float *p, uint64_t n)
{
	uint64_t i;
	int bad = 0;

	for (i = 0; i < n; i++)
		bad |= !(p[i] >= 1.0f && p[i] <= VALUE_MAX);
	return !bad;
}

/* Does section [off, off + len) lie within size bytes, aligned? */
static int
section_ok(uint64_t off, uint64_t len, uint64_t size)
{
	return off % 64 == 0 && off >= HEADER_SIZE && off <= size &&
	    len <= size - off;
}

/* The classes and the feature options within their ranges? */
static int
ranges_ok(const struct header *h)
{
	return h->nclasses >= 1 && h->nclasses <= 1000000 &&
	    h->bits >= NLP_BITS_MIN && h->bits <= NLP_BITS_MAX &&
	    h->ngrams >= 1 && h->ngrams <= NLP_NGRAMS_MAX &&
	    h->char_max <= NLP_CHAR_MAX && h->char_min <= h->char_max &&
	    (h->char_max == 0 || h->char_min >= 1);
}

/* Value type 3's ranges and sections, each bounded by the next one. */
static int
check_compact(const struct header *h, size_t size, struct nlp_err *e)
{
	uint64_t C = h->nclasses, V = h->nrows, cap = h->table_cap;

	/* the capacity is what the writer chose: the least power of two
	   that is 2 or more and 2V or more (a forged one would make loading
	   allocate gigabytes for a few rows) */
	if (!ranges_ok(h) || cap < 2 || (cap & (cap - 1)) != 0 ||
	    V > cap / 2 || (cap > 2 && V <= cap / 4) ||
	    cap > ((uint64_t)1 << 31))
		return nlp_errf(e, NLP_DATA, "weights: header out of range");
	if (!section_ok(h->off_labels, h->label_bytes, size) ||
	    h->off_table > h->off_idf || h->off_idf > h->off_bias ||
	    !section_ok(h->off_table, h->off_idf - h->off_table, size) ||
	    !section_ok(h->off_idf, h->off_bias - h->off_idf, size) ||
	    !section_ok(h->off_bias, C * 4, size) ||
	    !section_ok(h->off_w, V * C, size) ||
	    !section_ok(h->off_scale, V * 2, size))
		return nlp_errf(e, NLP_DATA, "weights: section outside the "
		    "member (truncated or damaged)");
	return NLP_OK;
}

/* The header's sizes and ranges, and every section within size bytes. */
static int
check_header(const struct header *h, size_t size, struct nlp_err *e)
{
	uint64_t C = h->nclasses, V = h->nrows, cap = h->table_cap;

	if (memcmp(h->magic, MAGIC, sizeof MAGIC) != 0)
		return nlp_errf(e, NLP_DATA, "weights: bad magic");
	if (h->version > NLP_WEIGHTS_VERSION)
		return nlp_errf(e, NLP_DATA, "weights: format %u is newer than "
		    "this nlpops supports (%d)", h->version, NLP_WEIGHTS_VERSION);
	if (h->version < 1 || h->header_size != HEADER_SIZE ||
	    (h->version == 1 && h->output != NLP_OUTPUT_SOFTMAX) ||
	    (h->version == 2 && h->output != NLP_OUTPUT_SIGMOID) ||
	    (h->dtype != NLP_DTYPE_F32 && h->dtype != NLP_DTYPE_I8 &&
	    h->dtype != NLP_DTYPE_I8C) ||
	    (h->dtype == NLP_DTYPE_F32 && h->off_scale != 0) ||
	    (h->dtype == NLP_DTYPE_I8C) != (h->ndocs != 0) ||
	    h->ndocs > ((uint64_t)1 << 40))
		return nlp_errf(e, NLP_DATA, "weights: unsupported layout");
	if (h->dtype == NLP_DTYPE_I8C)
		return check_compact(h, size, e);
	if (!ranges_ok(h) || cap < 2 || (cap & (cap - 1)) != 0 ||
	    V > (h->dtype == NLP_DTYPE_I8 ? cap - cap / 4 : cap / 2) ||
	    V >= cap)               /* an empty slot ends every probe */
		return nlp_errf(e, NLP_DATA, "weights: header out of range");
	if (!section_ok(h->off_labels, h->label_bytes, size) ||
	    !section_ok(h->off_table, cap * 8, size) ||
	    !section_ok(h->off_idf, V * 4, size) ||
	    !section_ok(h->off_bias, C * 4, size) ||
	    !section_ok(h->off_w, V * C * (h->dtype == NLP_DTYPE_I8 ? 1 : 4),
	    size) ||
	    (h->dtype == NLP_DTYPE_I8 && !section_ok(h->off_scale, V * 4, size)))
		return nlp_errf(e, NLP_DATA, "weights: section outside the "
		    "member (truncated or damaged)");
	return NLP_OK;
}

/* Labels: exactly C NUL-terminated strings filling label_bytes, each
 * clean (text.h): a label is printed as it is, in every output. */
static int
load_labels(struct nlp_model *m, const struct header *h, const char *lab,
    struct nlp_err *e)
{
	uint32_t seen = 0, C = h->nclasses;
	uint64_t i;
	char why[64];

	if (h->label_bytes == 0 || lab[h->label_bytes - 1] != '\0')
		return nlp_errf(e, NLP_DATA, "weights: bad label table");
	if ((m->labels = calloc(C, sizeof *m->labels)) == NULL)
		return nlp_errf(e, NLP_IO, "weights: out of memory for the "
		    "labels");
	for (i = 0; i < h->label_bytes; i++) {
		if (i == 0 || lab[i - 1] == '\0') {
			if (seen == C || lab[i] == '\0')
				return nlp_errf(e, NLP_DATA, "weights: bad label "
				    "table");
			m->labels[seen++] = lab + i;
		}
	}
	if (seen != C)
		return nlp_errf(e, NLP_DATA, "weights: bad label table");
	/* the rule training reads labels by (a bidirectional control is a
	   label's character, which reports show escaped): a model train
	   wrote always loads */
	for (i = 0; i < C; i++)
		if (nlp_text_label_fault(m->labels[i], strlen(m->labels[i]),
		    why, sizeof why) != NULL)
			return nlp_errf(e, NLP_DATA, "weights: label %llu is not "
			    "printable UTF-8 (it has control characters or invalid "
			    "bytes)", (unsigned long long)i + 1);
	return NLP_OK;
}

/* A float rounded to bfloat16 (to nearest, ties to even): its upper half.
 * For finite values; a value past the largest bfloat16 becomes infinity,
 * which loading refuses. */
static uint16_t
bf16_of(float x)
{
	uint32_t u;

	memcpy(&u, &x, sizeof u);
	u += 0x7fffu + ((u >> 16) & 1u);
	return (uint16_t)(u >> 16);
}

static float
bf16_float(uint16_t b)
{
	uint32_t u = (uint32_t)b << 16;
	float x;

	memcpy(&x, &u, sizeof x);
	return x;
}

/* An unsigned LEB128 varint of at most 5 bytes (32 bits) from *p, below
 * end: 0, or -1 when it runs past end or past 32 bits. */
static int
varint(const unsigned char **p, const unsigned char *end, uint32_t *v)
{
	uint64_t x = 0;
	unsigned shift;

	for (shift = 0; shift < 35 && *p < end; shift += 7) {
		unsigned char b = *(*p)++;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			if (x > UINT32_MAX)
				return -1;
			*v = (uint32_t)x;
			return 0;
		}
	}
	return -1;
}

/* Append v as a varint at p (NULL: only count); returns the bytes. */
static size_t
put_varint(unsigned char *p, uint32_t v)
{
	size_t n = 0;

	do {
		if (p != NULL)
			p[n] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		n++;
		v >>= 7;
	} while (v > 0);
	return n;
}

/*
 * Value type 3: the table from the buckets, the idf from the document
 * frequencies, the float scales from the bfloat16 ones, in one block
 * (m->own).  Every bucket must be above the one before and below 2^bits,
 * every df from 1 to n.
 */
static int
load_compact(struct nlp_model *m, const struct header *h,
    const unsigned char *base, struct nlp_err *e)
{
	const unsigned char *p = base + h->off_table, *end = base + h->off_idf;
	uint64_t cap = h->table_cap, V = h->nrows, r, key = 0;
	uint32_t *table, v, s;
	float *idf, *scale;

	m->own = nlp_big_calloc((size_t)(cap * 8 + V * 8 + 8));
	if (m->own == NULL)
		return nlp_errf(e, NLP_IO, "weights: out of memory for the "
		    "table of %llu rows", (unsigned long long)V);
	table = m->own;
	idf = (float *)(table + 2 * cap);
	scale = idf + V;
	for (r = 0; r < V; r++) {
		if (varint(&p, end, &v) < 0 || (r > 0 && v == 0))
			return nlp_errf(e, NLP_DATA, "weights: bad bucket list");
		key += v;
		if (key >> h->bits != 0)
			return nlp_errf(e, NLP_DATA, "weights: bad bucket list");
		s = slot_of((uint32_t)key, (uint32_t)cap);
		while (table[2 * s] != 0)
			s = (s + 1) & (uint32_t)(cap - 1);
		table[2 * s] = (uint32_t)key + 1;
		table[2 * s + 1] = (uint32_t)r;
	}
	p = base + h->off_idf;
	end = base + h->off_bias;
	for (r = 0; r < V; r++) {
		if (varint(&p, end, &v) < 0 || v == 0 || v > h->ndocs)
			return nlp_errf(e, NLP_DATA, "weights: bad document "
			    "frequency");
		idf[r] = nlp_idf(h->ndocs, v);
	}
	for (r = 0; r < V; r++) {
		uint16_t b;
		memcpy(&b, base + h->off_scale + 2 * r, sizeof b);
		scale[r] = bf16_float(b);
	}
	m->table = table;
	m->idf = idf;
	m->scale = scale;
	return NLP_OK;
}

/*
 * A zeroed rank index for 2^bits buckets (model.h), or NULL: more than
 * twice the table, or no memory for it (the table answers the same, a
 * little slower).
 */
static struct nlp_rank_word *
rank_alloc(uint64_t cap, unsigned bits)
{
	uint64_t nw = rank_words(bits);

	if (nw * sizeof(struct nlp_rank_word) > 2 * cap * 8)
		return NULL;
	return nlp_big_calloc(nw * sizeof(struct nlp_rank_word));
}

/* Table: every used slot names an in-range row and bucket, one a row;
 * each bucket marked in the rank index w on the way (w may be NULL). */
static int
check_table(const uint32_t *table, const struct header *h,
    struct nlp_rank_word *w, struct nlp_err *e)
{
	uint64_t i, seen = 0;

	for (i = 0; i < h->table_cap; i++) {
		uint32_t key = table[2 * i], row = table[2 * i + 1];
		if (key == 0)
			continue;
		if (row >= h->nrows || (key - 1) >> h->bits != 0)
			return nlp_errf(e, NLP_DATA, "weights: bad bucket table");
		if (w != NULL)
			w[(key - 1) >> 6].bits |= (uint64_t)1 << ((key - 1) & 63);
		seen++;
	}
	if (seen != h->nrows)
		return nlp_errf(e, NLP_DATA, "weights: bucket table has %llu "
		    "entries for %u rows", (unsigned long long)seen, h->nrows);
	return NLP_OK;
}

/*
 * Finish the rank index w whose buckets check_table() marked: the counts
 * below each word, then each slot's row must be its bucket's rank (and
 * the buckets V distinct ones); 0 when not (the rows not in their
 * buckets' order: no index).  No array by row (a spam model's was half a
 * megabyte, 126 page faults at each load).  Built twice, as rows_by_rank
 * below: with the population count instruction (hw) and without.
 */
static inline __attribute__((always_inline)) int
rank_finish(struct nlp_rank_word *w, const uint32_t *table, uint64_t cap,
    uint64_t V, unsigned bits, int hw)
{
	uint64_t nw = rank_words(bits), i, r;
	unsigned has;

	for (i = 0, r = 0; i < nw; i++) {
		w[i].rank = (uint32_t)r;
		r += bits_set(w[i].bits, hw);
	}
	for (i = 0; r == V && i < cap; i++)
		if (table[2 * i] != 0 &&
		    rank_of(w, table[2 * i] - 1, &has, hw) != table[2 * i + 1])
			return 0;
	return r == V;
}

__attribute__((target("popcnt"))) static int
rank_finish_popcnt(struct nlp_rank_word *w, const uint32_t *table,
    uint64_t cap, uint64_t V, unsigned bits)
{
	return rank_finish(w, table, cap, V, bits, 1);
}

static int
rank_finish_plain(struct nlp_rank_word *w, const uint32_t *table,
    uint64_t cap, uint64_t V, unsigned bits)
{
	return rank_finish(w, table, cap, V, bits, 0);
}

int
nlp_model_lines(unsigned char **out, uint32_t *size, const int8_t *q,
    const float *scale, const float *idf, uint32_t nrows, uint32_t C)
{
	size_t need = NLP_LINE_HEAD + (size_t)C, L = 16, total;
	unsigned char *l, *p;
	uint64_t r;

	while (L < need)
		L *= 2;
	if (L > 64 || nrows > (SIZE_MAX - 64) / L)
		return -1;
	total = (size_t)nrows * L;
	if ((l = nlp_big_calloc(total)) == NULL)
		return -1;
	for (r = 0, p = l; r < nrows; r++, p += L) {
		memcpy(p, &scale[r], sizeof *scale);
		if (idf != NULL)
			memcpy(p + sizeof *scale, &idf[r], sizeof *idf);
		memcpy(p + NLP_LINE_HEAD, q + r * C, C);
	}
	*out = l;
	*size = (uint32_t)L;
	return 0;
}

int
nlp_model_load(struct nlp_model *m, const void *data, size_t size,
    struct nlp_err *e)
{
	const unsigned char *base = data;
	struct header h;
	int rc;

	memset(m, 0, sizeof *m);
	if (size < HEADER_SIZE)
		return nlp_errf(e, NLP_DATA, "weights: truncated header");
	memcpy(&h, data, HEADER_SIZE);
	if ((rc = check_header(&h, size, e)) != NLP_OK)
		return rc;
	if ((rc = load_labels(m, &h, (const char *)base + h.off_labels, e)) !=
	    NLP_OK)
		goto fail;
	if (h.dtype == NLP_DTYPE_I8C) {
		if ((rc = load_compact(m, &h, base, e)) != NLP_OK)
			goto fail;
	} else {
		m->table = (const uint32_t *)(base + h.off_table);
		m->idf = (const float *)(base + h.off_idf);
	}
	/* the table checked and its buckets marked in one pass (a spam
	 * model's table is 1-2 MB, each pass over it a quarter of its load) */
	m->rank = rank_alloc(h.table_cap, h.bits);
	if ((rc = check_table(m->table, &h, m->rank, e)) != NLP_OK)
		goto fail;
	/* Values: finite and bounded, or scores would be NaN (every text then
	 * got the first label with probability 0, and eval's calibration
	 * error read 0). */
	if (!idf_ok(m->idf, h.nrows) ||
	    !values_ok((const float *)(base + h.off_bias), h.nclasses, 0) ||
	    (h.dtype == NLP_DTYPE_F32 && !values_ok((const float *)(base +
	    h.off_w), (uint64_t)h.nrows * h.nclasses, 0)) ||
	    (h.dtype == NLP_DTYPE_I8 && !values_ok((const float *)(base +
	    h.off_scale), h.nrows, 1)) ||
	    (h.dtype == NLP_DTYPE_I8C && !values_ok(m->scale, h.nrows, 1))) {
		rc = nlp_errf(e, NLP_DATA, "weights: a value is not a finite "
		    "number within +-1e30, or an idf is below 1 (damaged or "
		    "forged)");
		goto fail;
	}
	m->feat.bits = h.bits;
	m->feat.ngrams = h.ngrams;
	m->feat.char_min = h.char_min;
	m->feat.char_max = h.char_max;
	m->feat.seed = h.seed;
	m->nclasses = h.nclasses;
	m->multilabel = h.output == NLP_OUTPUT_SIGMOID;
	m->nrows = h.nrows;
	m->table_cap = h.table_cap;
	m->bias = (const float *)(base + h.off_bias);
	if (h.dtype == NLP_DTYPE_I8C) {
		m->q = (const int8_t *)(base + h.off_w);
	} else if (h.dtype == NLP_DTYPE_I8) {
		m->q = (const int8_t *)(base + h.off_w);
		m->scale = (const float *)(base + h.off_scale);
	} else {
		m->w = (const float *)(base + h.off_w);
	}
	if (m->rank != NULL && !(__builtin_cpu_supports("popcnt") ?
	    rank_finish_popcnt(m->rank, m->table, h.table_cap, h.nrows,
	    h.bits) : rank_finish_plain(m->rank, m->table, h.table_cap,
	    h.nrows, h.bits))) {
		free(m->rank);
		m->rank = NULL;
	}
	/* rows wider than a line, or no memory: the artifact's layout scores
	 * the same */
	if (m->q != NULL)
		(void)nlp_model_lines(&m->line, &m->line_size, m->q, m->scale,
		    m->idf, m->nrows, m->nclasses);
	m->idf_at = m->line != NULL ? m->line + sizeof(float) :
	    (const unsigned char *)m->idf;
	m->idf_stride = m->line != NULL ? m->line_size : sizeof *m->idf;
	return NLP_OK;
fail:
	nlp_model_release(m);
	return rc;
}

void
nlp_model_release(struct nlp_model *m)
{
	free(m->rank);
	free(m->line);
	free(m->own);
	free(m->labels);
	memset(m, 0, sizeof *m);
}

/* The header fields every value type shares. */
static void
header_init(struct header *h, const struct nlp_feat_opts *feat,
    uint32_t nclasses, uint32_t nrows, uint64_t lb, int multilabel)
{
	memset(h, 0, sizeof *h);
	memcpy(h->magic, MAGIC, sizeof MAGIC);
	/* a softmax model stays format 1, byte for byte: every nlpops
	   reads it; format 2 only for what format 1 cannot say */
	h->version = multilabel ? 2 : 1;
	h->output = multilabel ? NLP_OUTPUT_SIGMOID : NLP_OUTPUT_SOFTMAX;
	h->header_size = HEADER_SIZE;
	h->nclasses = nclasses;
	h->nrows = nrows;
	h->bits = feat->bits;
	h->ngrams = feat->ngrams;
	h->char_min = feat->char_min;
	h->char_max = feat->char_max;
	h->seed = feat->seed;
	h->label_bytes = (uint32_t)lb;
	h->off_labels = HEADER_SIZE;
}

/* The labels, NUL-terminated one after another, at p. */
static void
put_labels(unsigned char *p, const char *const *labels, uint32_t nclasses)
{
	uint32_t c;

	for (c = 0; c < nclasses; c++) {
		size_t n = strlen(labels[c]) + 1;
		memcpy(p, labels[c], n);
		p += n;
	}
}

/* Value type 3 (model.h): buckets and document frequencies as varints,
 * bfloat16 scales. */
static int
serialize_compact(void **out, size_t *len, struct header *h,
    const char *const *labels, const uint32_t *keys, const float *bias,
    const struct nlp_quantized *qw, struct nlp_err *e)
{
	uint64_t V = h->nrows, C = h->nclasses, nkeys = 0, ndf = 0, r, total;
	unsigned char *buf, *p;
	uint64_t cap = 2;

	for (r = 0; r < V; r++) {
		nkeys += put_varint(NULL, r > 0 ? keys[r] - keys[r - 1] : keys[r]);
		ndf += put_varint(NULL, qw->df[r]);
	}
	while (cap < 2 * V)
		cap *= 2;
	h->dtype = NLP_DTYPE_I8C;
	h->table_cap = (uint32_t)cap;
	h->ndocs = qw->ndocs;
	h->off_table = align64(h->off_labels + h->label_bytes);
	h->off_idf = align64(h->off_table + nkeys);
	h->off_bias = align64(h->off_idf + ndf);
	h->off_w = align64(h->off_bias + C * 4);
	h->off_scale = align64(h->off_w + V * C);
	total = h->off_scale + V * 2;
	if (total > SIZE_MAX || (buf = nlp_big_calloc((size_t)total)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory for %llu bytes of "
		    "weights", (unsigned long long)total);
	memcpy(buf, h, sizeof *h);
	put_labels(buf + h->off_labels, labels, h->nclasses);
	for (r = 0, p = buf + h->off_table; r < V; r++)
		p += put_varint(p, r > 0 ? keys[r] - keys[r - 1] : keys[r]);
	for (r = 0, p = buf + h->off_idf; r < V; r++)
		p += put_varint(p, qw->df[r]);
	memcpy(buf + h->off_bias, bias, (size_t)C * 4);
	if (V > 0)
		memcpy(buf + h->off_w, qw->q, (size_t)(V * C));
	for (r = 0, p = buf + h->off_scale; r < V; r++, p += 2) {
		uint16_t b = bf16_of(qw->scale[r]);
		memcpy(p, &b, sizeof b);
	}
	*out = buf;
	*len = (size_t)total;
	return NLP_OK;
}

int
nlp_model_serialize(void **out, size_t *len, const struct nlp_feat_opts *feat,
    const char *const *labels, uint32_t nclasses, const uint32_t *keys,
    const float *idf, uint32_t nrows, const float *bias, const float *w,
    const struct nlp_quantized *qw, int multilabel, struct nlp_err *e)
{
	uint64_t vsize = qw != NULL ? 1 : 4;
	struct header h;
	uint64_t cap = 2, lb = 0, total, r;
	unsigned char *buf;
	uint32_t *table;
	uint32_t c;

	/* never an artifact loading would refuse as damaged: weights that
	   left the finite numbers (a learning rate too large) */
	if (!values_ok(bias, nclasses, 0) || (w != NULL &&
	    !values_ok(w, (uint64_t)nrows * nclasses, 0)))
		return nlp_errf(e, NLP_DATA, "training diverged: a weight is not "
		    "a finite number within +-1e30 (a smaller --lr, or --l2, "
		    "keeps it in bounds)");
	for (c = 0; c < nclasses; c++)
		lb += strlen(labels[c]) + 1;
	header_init(&h, feat, nclasses, nrows, lb, multilabel);
	if (qw != NULL && qw->df != NULL)
		return serialize_compact(out, len, &h, labels, keys, bias, qw, e);
	/* at most half full; quantized, where the table is a quarter of the
	   member, three quarters */
	while (qw != NULL ? cap - cap / 4 < nrows || cap <= nrows :
	    cap < 2 * (uint64_t)nrows)
		cap *= 2;
	h.dtype = qw != NULL ? NLP_DTYPE_I8 : NLP_DTYPE_F32;
	h.table_cap = (uint32_t)cap;
	h.off_table = align64(h.off_labels + lb);
	h.off_idf = align64(h.off_table + cap * 8);
	h.off_bias = align64(h.off_idf + (uint64_t)nrows * 4);
	h.off_w = align64(h.off_bias + (uint64_t)nclasses * 4);
	total = h.off_w + (uint64_t)nrows * nclasses * vsize;
	if (qw != NULL) {
		h.off_scale = align64(total);
		total = h.off_scale + (uint64_t)nrows * 4;
	}
	/* in huge pages (bigmem.h): debian's 45 MB written here took 11,000
	   page faults in small ones, a tenth of a second at the end of a
	   training on two threads that runs on one */
	if (total > SIZE_MAX || (buf = nlp_big_calloc((size_t)total)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory for %llu bytes of "
		    "weights", (unsigned long long)total);
	memcpy(buf, &h, sizeof h);
	put_labels(buf + h.off_labels, labels, nclasses);
	table = (uint32_t *)(buf + h.off_table);
	for (r = 0; r < nrows; r++) {
		uint32_t s = slot_of(keys[r], (uint32_t)cap);
		while (table[2 * s] != 0)
			s = (s + 1) & (uint32_t)(cap - 1);
		table[2 * s] = keys[r] + 1;
		table[2 * s + 1] = (uint32_t)r;
	}
	if (nrows > 0) {         /* no rows: idf and w may be NULL */
		memcpy(buf + h.off_idf, idf, (size_t)nrows * 4);
		memcpy(buf + h.off_w, qw != NULL ? (const void *)qw->q :
		    (const void *)w, (size_t)(nrows * nclasses * vsize));
		if (qw != NULL)
			memcpy(buf + h.off_scale, qw->scale, (size_t)nrows * 4);
	}
	memcpy(buf + h.off_bias, bias, (size_t)nclasses * 4);
	*out = buf;
	*len = (size_t)total;
	return NLP_OK;
}

/* The row of bucket, or -1 when the model has none. */
static inline int64_t
find_row(const struct nlp_model *m, uint32_t bucket)
{
	uint32_t s = slot_of(bucket, m->table_cap), k;
	unsigned has;

	if (m->rank != NULL) {
		k = rank_of(m->rank, bucket, &has, 0);
		return has ? (int64_t)k : -1;
	}
	while ((k = m->table[2 * s]) != 0) {
		if (k == bucket + 1)
			return m->table[2 * s + 1];
		s = (s + 1) & (m->table_cap - 1);
	}
	return -1;
}

/* Make room in s for n features. */
static int
scorer_reserve(struct nlp_scorer *s, size_t n)
{
	size_t cap = s->cap ? s->cap : 256;
	void *p;

	if (n <= s->cap)
		return 0;
	while (cap < n)
		cap *= 2;
	if ((p = realloc(s->row, cap * sizeof *s->row)) == NULL)
		return -1;
	s->row = p;
	if ((p = realloc(s->tf, cap * sizeof *s->tf)) == NULL)
		return -1;
	s->tf = p;
	if ((p = realloc(s->idf, cap * sizeof *s->idf)) == NULL)
		return -1;
	s->idf = p;
	if ((p = realloc(s->val, cap * sizeof *s->val)) == NULL)
		return -1;
	s->val = p;
	s->cap = cap;
	return 0;
}

/* The first stage of vectorizing: the text's features, and their places
 * in the model's index asked for (it is larger than the caches). */
static int
vectorize_start(const struct nlp_model *m, struct nlp_scorer *s,
    const char *text, size_t len)
{
	struct nlp_featurizer *f = &s->f;
	size_t i;

	s->nknown = 0;
	if (nlp_featurize(f, &m->feat, text, len) < 0 ||
	    scorer_reserve(s, f->nkey + 1) < 0)
		return -1;
	if (m->rank != NULL)
		for (i = 0; i < f->nkey; i++)
			__builtin_prefetch(&m->rank[f->key[i] >> 6]);
	else
		for (i = 0; i < f->nkey; i++)
			__builtin_prefetch(&m->table[2 *
			    slot_of(f->key[i], m->table_cap)]);
	return 0;
}

/*
 * The rows of f's buckets in the model's rank index into row[] (and their
 * counts into tf[]), their weights or idf asked for; returns how many the
 * model has.  Built twice: with the CPU's population count instruction
 * (hw), and without (the build's baseline CPU may lack it, and counting
 * bits then takes a dozen instructions: debian's scoring 8% slower).
 */
static inline __attribute__((always_inline)) size_t
rows_by_rank(const struct nlp_model *m, const struct nlp_featurizer *f,
    uint32_t *row, uint32_t *tf, int hw)
{
	const struct nlp_rank_word *rank = m->rank;
	const unsigned char *idf_at = m->idf_at;
	const uint32_t *key = f->key, *ftf = f->tf;
	size_t i, n = 0, nkey = f->nkey, stride = m->idf_stride;

	/* without a branch: whether the model has a feature is as much a
	 * coin toss as where the probe ends */
	for (i = 0; i < nkey; i++) {
		unsigned has;
		uint32_t r;
		/* asked for once more, closer to use: a long text's first
		 * requests may have left the cache by now */
		if (i + 16 < nkey)
			__builtin_prefetch(&rank[key[i + 16] >> 6]);
		r = rank_of(rank, key[i], &has, hw);
		/* a quantized row's idf comes with its weights (model.h):
		 * wanted a text later */
		__builtin_prefetch(idf_at + r * stride, 0, 3);
		row[n] = r;
		tf[n] = ftf[i];
		n += has;
	}
	return n;
}

static size_t
rows_by_rank_plain(const struct nlp_model *m, const struct nlp_featurizer *f,
    uint32_t *row, uint32_t *tf)
{
	return rows_by_rank(m, f, row, tf, 0);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_POPCNT_BUILD 1
__attribute__((target("popcnt"))) static size_t
rows_by_rank_popcnt(const struct nlp_model *m,
    const struct nlp_featurizer *f, uint32_t *row, uint32_t *tf)
{
	return rows_by_rank(m, f, row, tf, 1);
}
#endif

/* The second: the rows the model knows (their idf asked for). */
static void
vectorize_rows(const struct nlp_model *m, struct nlp_scorer *s)
{
	const struct nlp_featurizer *f = &s->f;
	size_t i, n = 0;

	if (m->rank != NULL) {
#ifdef HAVE_POPCNT_BUILD
		if (__builtin_cpu_supports("popcnt")) {
			s->nknown = rows_by_rank_popcnt(m, f, s->row, s->tf);
			return;
		}
#endif
		s->nknown = rows_by_rank_plain(m, f, s->row, s->tf);
		return;
	}
	for (i = 0; i < f->nkey; i++) {
		int64_t r = find_row(m, f->key[i]);
		if (r < 0)
			continue;
		__builtin_prefetch(m->idf_at + (size_t)r * m->idf_stride, 0, 3);
		s->row[n] = (uint32_t)r;
		s->tf[n] = f->tf[i];
		n++;
	}
	s->nknown = n;
}

/* The third: their TF-IDF values. */
static void
vectorize_weigh(const struct nlp_model *m, struct nlp_scorer *s)
{
	size_t i;

	for (i = 0; i < s->nknown; i++)
		memcpy(&s->idf[i], m->idf_at + (size_t)s->row[i] * m->idf_stride,
		    sizeof *s->idf);
	nlp_tfidf_normalize(s->val, s->tf, s->idf, s->nknown);
}

int
nlp_model_vectorize(const struct nlp_model *m, struct nlp_scorer *s,
    const char *text, size_t len)
{
	if (vectorize_start(m, s, text, len) < 0)
		return -1;
	vectorize_rows(m, s);
	vectorize_weigh(m, s);
	return 0;
}

void
nlp_softmax(float *x, size_t n)
{
	float max = x[0], sum = 0;
	size_t i;

	for (i = 1; i < n; i++)
		if (x[i] > max)
			max = x[i];
	for (i = 0; i < n; i++) {
		x[i] = expf(x[i] - max);
		sum += x[i];
	}
	for (i = 0; i < n; i++)
		x[i] /= sum;
}

void
nlp_sigmoid(float *x, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		x[i] = 1.0f / (1.0f + expf(-x[i]));
}

void
nlp_model_scores(const float *w, const float *bias, uint32_t C,
    const uint32_t *rows, const float *vals, size_t n, float *probs)
{
	nlp_model_logits(w, bias, C, rows, vals, n, probs);
	nlp_softmax(probs, C);
}

/*
 * The two kernels are written once each and built twice: plainly, and for
 * AVX2 where the CPU has it (twice the classes an instruction).  Either
 * way each class's score is the same multiplications and additions in the
 * same order, each rounded to float (the casts: x87's FPU would keep a
 * product in extended precision), so the same bits on any machine, as long
 * as the build never fuses them into FMA (which rounds once where two
 * operations round twice): -ffp-contract=off in the Makefile (clang
 * contracts by default; CFLAGS such as -Ofast would undo it), and the unit
 * test scoring/kernels_round_every_product_and_sum_in_order checks both
 * builds against a plain loop.
 */
static inline __attribute__((always_inline)) void
logits_f(const float *w, const float *bias, uint32_t C,
    const uint32_t *rows, const float *vals, size_t n, float *probs)
{
	float acc[LOGITS_BLOCK];
	size_t i;
	uint32_t c, c0, bc;

	if (C == 2) {   /* two sums in registers, not a block's loop */
		float a0 = bias[0], a1 = bias[1];

		for (i = 0; i < n; i++) {
			const float *wr = w + (size_t)rows[i] * 2;
			float v = vals[i];
			if (i + PREFETCH < n)
				__builtin_prefetch(w + (size_t)rows[i + PREFETCH] *
				    2, 0, 3);
			a0 += (float)(v * wr[0]);
			a1 += (float)(v * wr[1]);
		}
		probs[0] = a0;
		probs[1] = a1;
		return;
	}
	for (c0 = 0; c0 < C; c0 += bc) {
		bc = C - c0 < LOGITS_BLOCK ? C - c0 : LOGITS_BLOCK;
		memcpy(acc, bias + c0, bc * sizeof *acc);
		for (i = 0; i < n; i++) {
			const float *wr = w + (size_t)rows[i] * C + c0;
			float v = vals[i];
			if (i + PREFETCH < n)
				NLP_PREFETCH_SPAN(w + (size_t)rows[i + PREFETCH] *
				    C + c0, bc * sizeof *w, 3);
			for (c = 0; c < bc; c++)
				acc[c] += (float)(v * wr[c]);
		}
		memcpy(probs + c0, acc, bc * sizeof *acc);
	}
}

/* Row r's weights at q + r * qstride, its scale at scale + r * sstride
 * bytes. */
static inline __attribute__((always_inline)) void
logits_qs(const int8_t *q, size_t qstride, const unsigned char *scale,
    size_t sstride, const float *bias, uint32_t C, const uint32_t *rows,
    const float *vals, size_t n, float *probs)
{
	float acc[LOGITS_BLOCK];
	size_t i;
	uint32_t c, c0, bc;

	for (c0 = 0; c0 < C; c0 += bc) {
		bc = C - c0 < LOGITS_BLOCK ? C - c0 : LOGITS_BLOCK;
		memcpy(acc, bias + c0, bc * sizeof *acc);
		for (i = 0; i < n; i++) {
			const int8_t *qr = q + (size_t)rows[i] * qstride + c0;
			float v = vals[i], sr;
			memcpy(&sr, scale + (size_t)rows[i] * sstride,
			    sizeof sr);
			/* a row's first line (the pipe asked for it all:
			   asking twice cost 3% here) */
			if (i + PREFETCH < n)
				__builtin_prefetch(q + (size_t)rows[i + PREFETCH] *
				    qstride + c0);
			for (c = 0; c < bc; c++) {
				/* the weight training measured: sr * q,
				 * rounded */
				float wc = (float)(sr * (float)qr[c]);
				acc[c] += (float)(v * wc);
			}
		}
		memcpy(probs + c0, acc, bc * sizeof *acc);
	}
}

static inline __attribute__((always_inline)) void
logits_q(const int8_t *q, const float *scale, const float *bias,
    uint32_t C, const uint32_t *rows, const float *vals, size_t n,
    float *probs)
{
	logits_qs(q, C, (const unsigned char *)scale, sizeof *scale, bias, C,
	    rows, vals, n, probs);
}

static void
logits_line(const unsigned char *line, uint32_t L, const float *bias,
    uint32_t C, const uint32_t *rows, const float *vals, size_t n,
    float *probs)
{
	logits_qs((const int8_t *)line + NLP_LINE_HEAD, L, line, L, bias, C,
	    rows, vals, n, probs);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/*
 * Rows of L = 16, 32 or 64 bytes (up to 56 classes), their classes' sums
 * in NV = (L - NLP_LINE_HEAD) / 8 vectors of 8 kept in registers for the
 * whole text (the padding's, zeros, summed too and dropped), where the
 * plain kernel's compiled loop keeps them in memory: debian's 51 classes
 * scored 5% faster.  Each class's sum is the one logits_q() makes,
 * product by product.
 */
static inline __attribute__((always_inline, target("avx2"))) void
line_avx2(const unsigned char *line, const unsigned L, const float *bias,
    uint32_t C, const uint32_t *rows, const float *vals, size_t n,
    float *probs)
{
	const unsigned NV = (L - NLP_LINE_HEAD) / 8;
	float b[64 - NLP_LINE_HEAD] = { 0 };
	__m256 acc[(64 - NLP_LINE_HEAD) / 8];
	unsigned k;
	size_t i;

	memcpy(b, bias, C * sizeof *b);
	for (k = 0; k < NV; k++)
		acc[k] = _mm256_loadu_ps(b + 8 * k);
	for (i = 0; i < n; i++) {
		const unsigned char *p = line + (size_t)rows[i] * L;
		float sr;
		memcpy(&sr, p, sizeof sr);
		__m256 vs = _mm256_set1_ps(sr), vv = _mm256_set1_ps(vals[i]);
		for (k = 0; k < NV; k++) {
			__m128i q8 = _mm_loadl_epi64((const __m128i *)(const
			    void *)(p + NLP_LINE_HEAD + 8 * k));
			__m256 wc = _mm256_mul_ps(vs,
			    _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q8)));
			acc[k] = _mm256_add_ps(acc[k], _mm256_mul_ps(vv, wc));
		}
	}
	for (k = 0; k < NV; k++)
		_mm256_storeu_ps(b + 8 * k, acc[k]);
	memcpy(probs, b, C * sizeof *b);
}

__attribute__((target("avx2"))) static void
logits_line_avx2(const unsigned char *line, uint32_t L, const float *bias,
    uint32_t C, const uint32_t *rows, const float *vals, size_t n,
    float *probs)
{
	if (L == 16)
		line_avx2(line, 16, bias, C, rows, vals, n, probs);
	else if (L == 32)
		line_avx2(line, 32, bias, C, rows, vals, n, probs);
	else
		line_avx2(line, 64, bias, C, rows, vals, n, probs);
}
__attribute__((target("avx2"))) static void
logits_f_avx2(const float *w, const float *bias, uint32_t C,
    const uint32_t *rows, const float *vals, size_t n, float *probs)
{
	logits_f(w, bias, C, rows, vals, n, probs);
}

__attribute__((target("avx2"))) static void
logits_q_avx2(const int8_t *q, const float *scale, const float *bias,
    uint32_t C, const uint32_t *rows, const float *vals, size_t n,
    float *probs)
{
	logits_q(q, scale, bias, C, rows, vals, n, probs);
}

/* The AVX2 build when asked for and the CPU has AVX2. */
#define USE_AVX2(avx2) ((avx2) && __builtin_cpu_supports("avx2"))
#else
/* no AVX2 build: the plain kernels under its names */
#define USE_AVX2(avx2) ((void)(avx2), 0)
#define logits_f_avx2 logits_f
#define logits_q_avx2 logits_q
#define logits_line_avx2 logits_line
#endif

void
nlp_model_logits_build(int avx2, const float *w, const float *bias,
    uint32_t C, const uint32_t *rows, const float *vals, size_t n,
    float *probs)
{
	if (USE_AVX2(avx2))
		logits_f_avx2(w, bias, C, rows, vals, n, probs);
	else
		logits_f(w, bias, C, rows, vals, n, probs);
}

void
nlp_model_logits_q_build(int avx2, const int8_t *q, const float *scale,
    const float *bias, uint32_t C, const uint32_t *rows, const float *vals,
    size_t n, float *probs)
{
	if (USE_AVX2(avx2))
		logits_q_avx2(q, scale, bias, C, rows, vals, n, probs);
	else
		logits_q(q, scale, bias, C, rows, vals, n, probs);
}

void
nlp_model_logits_line_build(int avx2, const unsigned char *line, uint32_t L,
    const float *bias, uint32_t C, const uint32_t *rows, const float *vals,
    size_t n, float *probs)
{
	if (USE_AVX2(avx2))
		logits_line_avx2(line, L, bias, C, rows, vals, n, probs);
	else
		logits_line(line, L, bias, C, rows, vals, n, probs);
}

void
nlp_model_logits(const float *w, const float *bias, uint32_t C,
    const uint32_t *rows, const float *vals, size_t n, float *probs)
{
	nlp_model_logits_build(1, w, bias, C, rows, vals, n, probs);
}

void
nlp_model_logits_q(const int8_t *q, const float *scale, const float *bias,
    uint32_t C, const uint32_t *rows, const float *vals, size_t n,
    float *probs)
{
	nlp_model_logits_q_build(1, q, scale, bias, C, rows, vals, n, probs);
}

/*
 * Ask for the weight rows of the text vectorized into s (no effect on
 * results).  A text's rows of floats are hundreds of cache lines, asked
 * for at once and wanted a little later: not into the first-level cache,
 * which they would crowd (the kernel's own look-ahead brings each row the
 * last step).  On the Xeon the bench first ran on, prefetcht1 made
 * debian's scoring 2-5% faster than prefetcht0; on the AMD EPYC it runs
 * on since 2026-12-05, prefetcht2 4% faster than prefetcht1 (the fastest
 * of 15 runs of the 51 MB taken in turns, 650 against 676 ms; spam's
 * small model the same).
 */
static void
prefetch_rows(const struct nlp_model *m, const struct nlp_scorer *s)
{
	size_t i;

	for (i = 0; i < s->nknown; i++) {
		size_t r = s->row[i];

		if (m->q == NULL) {
			NLP_PREFETCH_SPAN(m->w + r * m->nclasses,
			    m->nclasses * sizeof *m->w, 1);
			continue;
		}
		if (m->line != NULL)     /* asked for with the idf */
			continue;
		/* a row of bytes, across two cache lines at most */
		__builtin_prefetch(m->q + r * m->nclasses);
		__builtin_prefetch(m->q + r * m->nclasses + m->nclasses - 1);
		if (m->scale != NULL)
			__builtin_prefetch(m->scale + r);
	}
}

static void probs_of(const struct nlp_model *m, const struct nlp_scorer *s,
    float *probs);

int
nlp_model_predict(const struct nlp_model *m, struct nlp_scorer *s,
    const char *text, size_t len, float *probs)
{
	if (nlp_model_vectorize(m, s, text, len) < 0)
		return -1;
	probs_of(m, s, probs);
	return 0;
}

/* The probabilities of the text vectorized into s. */
static void
probs_of(const struct nlp_model *m, const struct nlp_scorer *s, float *probs)
{
	if (m->line != NULL)
		nlp_model_logits_line_build(1, m->line, m->line_size, m->bias,
		    m->nclasses, s->row, s->val, s->nknown, probs);
	else if (m->q != NULL)
		nlp_model_logits_q(m->q, m->scale, m->bias, m->nclasses, s->row,
		    s->val, s->nknown, probs);
	else
		nlp_model_logits(m->w, m->bias, m->nclasses, s->row, s->val,
		    s->nknown, probs);
	if (m->multilabel)
		nlp_sigmoid(probs, m->nclasses);
	else
		nlp_softmax(probs, m->nclasses);
}

/*
 * The pipe's texts are at three stages, oldest first: rows looked up and
 * their idf and weights asked for (NLP_PIPE_DEPTH - 1 behind the newest),
 * features made and their places in the index asked for, and the text
 * just added.  Each step moves every text one stage on, so that a text's
 * loads from memory have a whole text's work to arrive in.
 */
static unsigned
pipe_slot(const struct nlp_pipe *p, unsigned age)
{
	return (p->head + NLP_PIPE_DEPTH - age) % NLP_PIPE_DEPTH;
}

/* Score the oldest text: 1 with its tag and probabilities, 0 if none. */
static int
pipe_out(struct nlp_pipe *p, const struct nlp_model *m, size_t *tag,
    float *probs)
{
	unsigned i;

	if (p->n == 0)
		return 0;
	i = pipe_slot(p, p->n - 1);
	if (p->n == 1)           /* the newest: not yet looked up */
		vectorize_rows(m, &p->sc[i]);
	vectorize_weigh(m, &p->sc[i]);
	probs_of(m, &p->sc[i], probs);
	*tag = p->tag[i];
	p->n--;
	return 1;
}

int
nlp_pipe_push(struct nlp_pipe *p, const struct nlp_model *m,
    const char *text, size_t len, size_t tag, size_t *out_tag, float *probs)
{
	int done = 0;

	if (p->n == NLP_PIPE_DEPTH)
		done = pipe_out(p, m, out_tag, probs);
	p->head = (p->head + 1) % NLP_PIPE_DEPTH;
	if (vectorize_start(m, &p->sc[p->head], text, len) < 0) {
		p->head = pipe_slot(p, 1);
		return -1;
	}
	p->tag[p->head] = tag;
	p->n++;
	if (p->n >= 2) {
		struct nlp_scorer *s = &p->sc[pipe_slot(p, 1)];
		vectorize_rows(m, s);
		prefetch_rows(m, s);
	}
	return done;
}

int
nlp_pipe_pop(struct nlp_pipe *p, const struct nlp_model *m, size_t *tag,
    float *probs)
{
	return pipe_out(p, m, tag, probs);
}

void
nlp_pipe_release(struct nlp_pipe *p)
{
	unsigned i;

	for (i = 0; i < NLP_PIPE_DEPTH; i++)
		nlp_scorer_release(&p->sc[i]);
	memset(p, 0, sizeof *p);
}

int
nlp_quantize(struct nlp_quantized *qw, float *w, uint32_t nrows, uint32_t C)
{
	uint64_t r;
	uint32_t c;

	qw->df = NULL;
	qw->ndocs = 0;
	qw->q = malloc((size_t)nrows * C + 1);
	qw->scale = malloc(((size_t)nrows + 1) * sizeof *qw->scale);
	if (qw->q == NULL || qw->scale == NULL) {
		nlp_quantized_release(qw);
		return -1;
	}
	for (r = 0; r < nrows; r++) {
		float *wr = w + r * C, max = 0, sr;
		int8_t *qr = qw->q + r * C;

		for (c = 0; c < C; c++)
			if (fabsf(wr[c]) > max)
				max = fabsf(wr[c]);
		/* the scale as value type 3 stores it (bfloat16) */
		sr = bf16_float(bf16_of(max / 127.0f));
		for (c = 0; c < C; c++) {
			long k = sr > 0 ? lrintf(wr[c] / sr) : 0;
			qr[c] = (int8_t)(k > 127 ? 127 : k < -127 ? -127 : k);
			wr[c] = sr * (float)qr[c];
		}
		qw->scale[r] = sr;
	}
	return 0;
}

void
nlp_quantized_release(struct nlp_quantized *qw)
{
	free(qw->q);
	free(qw->scale);
	qw->q = NULL;
	qw->scale = NULL;
}

void
nlp_scorer_release(struct nlp_scorer *s)
{
	nlp_featurizer_release(&s->f);
	free(s->row);
	free(s->tf);
	free(s->idf);
	free(s->val);
	memset(s, 0, sizeof *s);
}

size_t
nlp_top_k(const float *probs, uint32_t C, size_t k, uint32_t *idx)
{
	size_t n = 0, j;
	uint32_t c;

	if (k > C)
		k = C;
	for (c = 0; c < C; c++) {
		/* insertion into the sorted prefix; strict > keeps ties stable */
		if (n < k)
			n++;
		else if (!(probs[c] > probs[idx[n - 1]]))
			continue;
		for (j = n - 1; j > 0 && probs[c] > probs[idx[j - 1]]; j--)
			idx[j] = idx[j - 1];
		idx[j] = c;
	}
	return n;
}

int
nlp_model_has_bucket(const struct nlp_model *m, uint32_t bucket)
{
	return find_row(m, bucket) >= 0;
}

int
nlp_model_label_index(const struct nlp_model *m, const char *label)
{
	uint32_t c;

	for (c = 0; c < m->nclasses; c++)
		if (strcmp(m->labels[c], label) == 0)
			return (int)c;
	return -1;
}

/* Load the weights of the artifact just opened into m (rc: how opening
 * went), or close it; label names it in messages. */
static int
load_weights(struct nlp_model *m, struct nlp_artifact **a, int rc,
    const char *label, struct nlp_err *e)
{
	const void *data;
	size_t size;

	if (rc != NLP_OK)
		return rc;
	rc = nlp_artifact_member(*a, "weights", &data, &size, e);
	if (rc == NLP_OK)
		rc = nlp_model_load(m, data, size, e);
	if (rc != NLP_OK) {
		if (strncmp(e->msg, "weights:", 8) == 0)
			nlp_err_prefix(e, "'%s'", label);
		nlp_artifact_close(*a);
		*a = NULL;
	}
	return rc;
}

int
nlp_model_open(struct nlp_model *m, struct nlp_artifact **a, const char *path,
    const struct nlp_artifact_opts *o, struct nlp_err *e)
{
	memset(m, 0, sizeof *m);
	*a = NULL;
	return load_weights(m, a, nlp_artifact_open_opts(a, path, o, e), path,
	    e);
}

int
nlp_model_open_fd(struct nlp_model *m, struct nlp_artifact **a, int fd,
    const char *label, const struct nlp_artifact_opts *o, struct nlp_err *e)
{
	memset(m, 0, sizeof *m);
	*a = NULL;
	return load_weights(m, a, nlp_artifact_open_fd_opts(a, fd, label, o, e),
	    label, e);
}
