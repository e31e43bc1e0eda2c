/*
 * eval_report.h - an evaluation's result (eval.h) written out: the --json
 * document (schema 1), the texts --record stores on a registry version,
 * and the report for a person (the table, the baseline, the confusion
 * matrix, the errors, and on the error stream the notes and the gates'
 * lines).  The one place that knows these formats; the command chooses the
 * streams, the library never writes to one on its own.
 */
#ifndef NLP_EVAL_REPORT_H
#define NLP_EVAL_REPORT_H

#include <stdio.h>

#include "error.h"
#include "eval.h"

/*
 * The --json document, with its final newline: *out is malloc'd.  Keys
 * sorted, two-space indent, reals with 10 significant digits; a figure
 * that is not a finite number is null.  NLP_OK, or NLP_IO when out of
 * memory (never a document with a key left out).  A string that is not
 * valid UTF-8 (a file name; labels and texts always are) is left out, as
 * JSON cannot hold it.
 */
int nlp_eval_json(const struct nlp_eval_result *r, char **out,
    struct nlp_err *e);

/* The same, written to out: NLP_OK, or NLP_IO (memory, or the write
 * failed).  Nothing is written when the document cannot be made. */
int nlp_eval_write_json(FILE *out, const struct nlp_eval_result *r,
    struct nlp_err *e);

/*
 * What --record stores (registry.h: nlp_registry_record_eval), compact,
 * keys sorted, both malloc'd: *data the inputs read, [{bytes, name,
 * sha256}]; *metrics {n, accuracy, macro_f1, weighted_f1, log_loss, ece,
 * per_class_f1: {label: f1}} of the model.  NLP_OK, or NLP_IO (memory;
 * both NULL then).
 */
int nlp_eval_record_json(const struct nlp_eval_result *r, char **data,
    char **metrics, struct nlp_err *e);

/*
 * The report for a person on out: the title (model, SHA-256, examples),
 * the classification_report-like table, log loss and ECE, the bootstrap's
 * intervals, the baseline's figures, then with confusion the matrix and
 * the errors when asked.  Labels and texts come from the data: escaped
 * (text.h).  NLP_OK, or NLP_IO when a write failed (out of memory
 * included): the report is then incomplete and the status says so.
 */
int nlp_eval_write_text(FILE *out, const struct nlp_eval_result *r,
    int confusion, struct nlp_err *e);

/* The line of nlp_eval_write_notes() on the examples that occur in the
 * training data, when more than NLP_SEEN_MAX of them do (a warning,
 * saying what gates on it), for a quiet caller; nothing otherwise. */
void nlp_eval_write_seen_warning(FILE *out, const char *prefix,
    const struct nlp_eval_result *r);

/*
 * The notes for a person, one line each, "PREFIX: ...", on out (the error
 * stream): the reader's oddities, the examples seen in training (or why
 * the artifact cannot tell), unknown gold labels, the first of the
 * undefined precisions and recalls, figures without a verdict, the
 * throughput.
 */
void nlp_eval_write_notes(FILE *out, const char *prefix,
    const struct nlp_eval_result *r);

/*
 * One line per failed gate, "PREFIX: gate --min-f1 failed: macro_f1
 * 0.8123, bound 0.9000", and unless quiet a line when all passed; when
 * quiet (nlp_eval_write_notes() not called) and a gate failed, the count
 * of examples whose gold label the model does not know, if any.  For
 * gates that decided (r->decisive).
 */
void nlp_eval_write_gates(FILE *out, const char *prefix,
    const struct nlp_eval_result *r, int quiet);

#endif
