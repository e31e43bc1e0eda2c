/*
 * drift_html.h - the drift report as one self-contained HTML page: inline
 * SVG charts (length histograms, label bars, confidence distributions), the
 * signal table and the tokens and n-grams that changed; no network, no
 * JavaScript.  A report renderer beside drift_render.h's.
 */
#ifndef NLP_DRIFT_HTML_H
#define NLP_DRIFT_HTML_H

#include "drift.h"

/* The page for report r (drift.h), titled title (NULL or "": "nlpops
 * drift report"); malloc'd, or NULL when out of memory. */
char *nlp_drift_html(const struct nlp_drift_report *r, const char *title);

#endif
