/*
 * evallog.h - scoring a prediction log against gold labels that came
 * later, joined by id (`nlpops eval --predictions LOG`).
 *
 * The log is JSON lines, one object per text scored, as `nlpops serve
 * --log` writes them and `nlpops predict --output-format jsonl --id-field
 * F` (or --id-column) prints them:
 *
 *   {"time":...,"request":...,"id":ID,"model":"spam@7","sha256":"...",
 *    "label":"spam","p":0.98,"text":"...","shadow":{"model":"spam@8",
 *    "sha256":"...","label":"ham","p":0.61,"agree":false}}
 *
 * Of these keys only "id" and "label" are needed; "model" and "sha256" name
 * the model when they are there, and the others are ignored.  ID is a JSON
 * string or an integer, compared by its text (17 in the log is "17" in a
 * TSV id column); null, or "", is a text no client named: counted, never
 * joined.  "label" null is a text that was not scored (an empty one): the
 * gold record it joins is counted as unscored and left out of the
 * figures.  With shadow set, the "shadow" object's "label" (and model) is
 * evaluated instead; a line without one is unscored.  A repeated id is a
 * client's retry: its last line counts, the earlier ones are counted as
 * repeated.  A line that is not a JSON object, or lacks "id" or "label",
 * or whose id is neither a string nor an integer, is an error (NLP_DATA)
 * naming the log and the line: a log is written by a program, and a line
 * it could not have written means the file is not what it is taken for.
 *
 * The gold data is labeled data with an id (reader.h: id_column or
 * id_field), streamed: its records are skipped and counted as eval skips
 * them; an id that two gold records carry is an error (NLP_DATA) naming
 * both lines.  Memory is the log's ids and one prediction each, and a
 * few bytes per gold record; no text is held.
 *
 * The log carries the probability of the predicted label alone, not the
 * distribution over the classes: log loss and ECE cannot be computed, and
 * are undefined (NaN) in the figures.  Accuracy, precision, recall, F1, the
 * confusion matrix and the bootstrap need only labels, and are eval's
 * (eval.h), over the labels scored: the sorted union of the gold labels
 * and the predicted ones.
 */
#ifndef NLP_EVALLOG_H
#define NLP_EVALLOG_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "eval.h"
#include "reader.h"
#include "strmap.h"

/* What the join found, for the notes and --json. */
struct nlp_evallog_counts {
	uint64_t lines;          /* log lines read (blank lines aside) */
	uint64_t ids;            /* distinct ids in the log */
	uint64_t repeated;       /* lines a later line of the same id replaced */
	uint64_t no_id;          /* lines whose id is null or "" */
	uint64_t gold;           /* gold records read (with an id and a label) */
	uint64_t scored;         /* gold records joined to a scored line: the
	                            examples of the figures */
	uint64_t unscored;       /* gold records joined to an unscored line */
	uint64_t no_prediction;  /* gold records whose id is not in the log */
	uint64_t no_gold;        /* ids of the log no gold record has */
};

/* A log, then its join with the gold data.  Zero it before use. */
struct nlp_evallog {
	const char *path;        /* the log, as given */
	int shadow;
	struct nlp_input input;  /* the log's SHA-256 and size */
	struct nlp_strmap ids;   /* every id, log and gold: entry i is id[i] */
	struct evallog_id *id;
	size_t id_cap;
	struct nlp_strmap labels;   /* labels, gold and predicted */
	struct nlp_strmap models;   /* "model\0sha256" */
	uint32_t *gold, *pred;   /* per example: entries of labels */
	uint32_t *model;         /* per example: entry of models, or
	                            UINT32_MAX */
	size_t n, cap;
	struct nlp_labeled data; /* the gold data's inputs and oddities (no
	                            texts), for the result */
	struct nlp_evallog_counts c;
	char ref[512];           /* the model(s) the figures are of */
	char sha256[NLP_SHA256_HEX];
};

/*
 * Read the prediction log at path ("-": standard input; compressed input
 * is decompressed) into l; shadow: the shadow model's predictions.
 * NLP_OK, NLP_DATA (a bad line, named), NLP_IO.
 */
int nlp_evallog_read(struct nlp_evallog *l, const char *path, int shadow,
    struct nlp_err *e);

/*
 * Stream the gold data (reader options ro in labeled mode, with an id
 * column or field) and join it to the log.  NLP_OK; NLP_USAGE (no id
 * option); NLP_DATA (a repeated gold id, a bad label; no gold record
 * joined to a scored prediction); NLP_IO.
 */
int nlp_evallog_join(struct nlp_evallog *l, const char *const *paths,
    size_t n, const struct nlp_reader_opts *ro, struct nlp_err *e);

/*
 * Figures, bootstrap and gates of the joined examples into r, as
 * nlp_eval_evaluate() makes them for a model (o->errors must be 0, and no
 * gate may need probabilities or a baseline: NLP_USAGE); NLP_DATA when
 * no gold record joined a scored line.  The model named is the one the
 * joined lines name (l->ref, l->sha256), or "several models: ...", or the
 * log's path when they name none.  r borrows from l, which must outlive
 * it.
 */
int nlp_evallog_evaluate(struct nlp_eval_result *r, struct nlp_evallog *l, const struct nlp_eval_opts *o,
    struct nlp_err *e);

/* Free what l holds (l zeroed). */
void nlp_evallog_release(struct nlp_evallog *l);

#endif
