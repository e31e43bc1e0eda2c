/*
 * servereq.h - the requests `nlpops serve` answers and the bodies it
 * answers with, without HTTP: the server hands over the content type and
 * the body, and sends back what is built here (so do the fuzzers).
 *
 * POST /v1/predict takes
 *   application/json  {"text": "...", "id": ID, "k": N}
 *                     or {"texts": ["...", ...], "ids": [ID, ...], "k": N}
 *   text/plain        lines of text, one prediction per line
 * ID is a string or an integer; k is 1..64 (default 1).  A JSON text is
 * kept as it is but for NUL (\u0000), which becomes a space; a text/plain
 * line is read as `nlpops predict` reads a plain line (a final CR
 * dropped, invalid UTF-8 replaced by U+FFFD, NUL by a space).
 */
#ifndef NLP_SERVEREQ_H
#define NLP_SERVEREQ_H

#include <stddef.h>

#include "error.h"
#include "model.h"
#include "predout.h"

enum nlp_sreq_kind {
	NLP_SREQ_ONE,            /* {"text": ...}: one object */
	NLP_SREQ_MANY,           /* {"texts": [...]}: {"results": [...]} */
	NLP_SREQ_LINES,          /* text/plain: TSV lines */
};

/* At most this many texts in one request. */
#define NLP_SREQ_MAX_TEXTS 100000

struct nlp_sreq {
	enum nlp_sreq_kind kind;
	size_t n;                /* texts */
	char **text;             /* n texts, NUL-terminated, valid UTF-8 */
	size_t *len;
	char **id;               /* n ids as JSON ("17", "\"a\""), or NULLs */
	unsigned *flags;         /* NLP_REC_* of each text (reader.h) */
	size_t k;                /* 0: not given */
};

/* The content types a request body may have. */
enum nlp_sreq_ctype {
	NLP_CT_JSON,             /* application/json, or none given */
	NLP_CT_PLAIN,            /* text/plain */
	NLP_CT_OTHER,            /* anything else: 415 */
};

/* The type a Content-Type header names (NULL: none given); parameters
 * (charset=utf-8) are allowed, another charset than UTF-8 is not. */
enum nlp_sreq_ctype nlp_sreq_ctype(const char *content_type);

/*
 * Parse a body of type ct into q (zeroed first; release it either way).
 * Returns NLP_OK, NLP_USAGE with e saying what is wrong with the request
 * (a 400: malformed JSON, a wrong type, an empty body or "texts", both
 * "text" and "texts", a bad "k"), or NLP_IO (out of memory).
 */
int nlp_sreq_parse(struct nlp_sreq *q, enum nlp_sreq_ctype ct,
    const char *body, size_t len, struct nlp_err *e);

void nlp_sreq_release(struct nlp_sreq *q);

/* What one text came to, for the server's log, metrics and shadow. */
struct nlp_sreq_result {
	int label;               /* the top class, or -1: not scored */
	int first;               /* the first class answered: label, or -1
	                            when not scored or a multi-label answer
	                            has none (all below --min-p) */
	float p;
	const char *reason;      /* why not scored ("empty"), or NULL */
	char *members;           /* a multi-label model's answer: its "label",
	                            "p" and "labels" members as JSON (free()),
	                            NULL when not scored or out of memory */
};

/* The model answering, as a response names it. */
struct nlp_sreq_model {
	const struct nlp_model *m;
	const char *display;     /* "spam@7" or the artifact's path */
	const char *sha256;
};

/*
 * Score every text of q with the model and build the response body into
 * out: one JSON object (the keys of `predict --output-format jsonl`, and
 * "id", "model", "sha256"), {"results": [...], "model", "sha256"}, or TSV
 * lines as `nlpops predict` prints them.  fmt gives k (q->k overrides
 * it), the threshold and the fallback; its m, jsonl and want_id are set
 * here.  res[0..q->n) receives each text's result (NULL: not wanted;
 * the caller frees their members, also when the answer failed part way).
 * sc and probs (nclasses floats) are the caller's scratch.  Returns
 * NLP_OK or NLP_IO (out of memory).
 */
int nlp_sreq_answer(const struct nlp_sreq *q, const struct nlp_sreq_model *mod,
    const struct nlp_predout *fmt, struct nlp_scorer *sc, float *probs,
    struct nlp_buf *out, struct nlp_sreq_result *res);

/* {"error": msg}: the body of an error response. */
void nlp_sreq_error_body(struct nlp_buf *out, const char *msg);

#endif
