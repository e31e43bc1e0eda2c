/*
 * drift_html.h - the drift report as one self-contained HTML page: inline
 * SVG charts (length histograms, label bars, confidence distributions), the
 * signal table and the tokens and n-grams that changed; no network, no
 * JavaScript.
 */
#ifndef NLP_DRIFT_HTML_H
#define NLP_DRIFT_HTML_H

#include <jansson.h>

/* The page for a drift report (drift.h); malloc'd, or NULL (memory). */
char *nlp_drift_html(const json_t *report, const char *title);

#endif
