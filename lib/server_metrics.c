/*
 * server_metrics.c - what `nlpops serve` counts, and GET /metrics: the
 * Prometheus text format, version 0.0.4 (server_internal.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server_internal.h"

/* The latency histogram's upper bounds, seconds. */
static const double bounds[NLP_NBUCKETS - 1] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 5,
};
static const char *const endpoints[EP_N] = {
	"/v1/predict", "/v1/model", "/healthz", "/readyz", "/metrics", "other",
};
static const unsigned codes[ST_N] = {
	200, 400, 404, 405, 413, 415, 500, 503,
};

int
nlp_srv_metrics_init(struct metrics *mx)
{
	return pthread_mutex_init(&mx->label_mu, NULL) == 0 ? 0 : -1;
}

void
nlp_srv_metrics_release(struct metrics *mx)
{
	nlp_strmap_release(&mx->labels);
	pthread_mutex_destroy(&mx->label_mu);
}

void
nlp_srv_metrics_request(struct metrics *mx, int ep, unsigned status,
    double seconds)
{
	size_t i, st = ST_500;

	for (i = 0; i < ST_N; i++)
		if (codes[i] == status)
			st = i;
	atomic_fetch_add(&mx->requests[ep][st], 1);
	if (ep != EP_PREDICT)
		return;
	for (i = 0; i < NLP_NBUCKETS - 1 && seconds > bounds[i]; i++)
		;
	atomic_fetch_add(&mx->bucket[i], 1);
	atomic_fetch_add(&mx->lat_count, 1);
	atomic_fetch_add(&mx->lat_sum_ns, (unsigned long)(seconds * 1e9));
}

void
nlp_srv_metrics_labels(struct metrics *mx, const struct nlp_model *m,
    const struct nlp_sreq_result *res, size_t n)
{
	struct nlp_strmap_entry *en;
	const char *l;
	size_t i, unscored = 0;

	for (i = 0; i < n; i++)
		unscored += res[i].reason != NULL;
	atomic_fetch_add(&mx->texts, n - unscored);
	atomic_fetch_add(&mx->unscored, unscored);
	pthread_mutex_lock(&mx->label_mu);
	for (i = 0; i < n; i++) {
		if (res[i].first < 0)    /* a multi-label answer of none */
			continue;
		l = m->labels[res[i].first];
		if ((en = nlp_strmap_add(&mx->labels, l, strlen(l))) != NULL)
			en->value++;
	}
	pthread_mutex_unlock(&mx->label_mu);
}

/* A label value, escaped as the text format wants (\\, \", \n). */
static void
label_value(struct nlp_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			nlp_buf_put(b, "\\", 1);
		if (*s == '\n')
			nlp_buf_lit(b, "\\n");
		else
			nlp_buf_put(b, s, 1);
	}
}

static void
printfb(struct nlp_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
printfb(struct nlp_buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		nlp_buf_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n :
		    sizeof tmp - 1);
}

/* HELP and TYPE of a metric. */
static void
head(struct nlp_buf *b, const char *name, const char *type, const char *help)
{
	printfb(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One counter without labels. */
static void
counter(struct nlp_buf *b, const char *name, const char *help,
    atomic_ulong *v)
{
	head(b, name, "counter", help);
	printfb(b, "%s %lu\n", name, atomic_load(v));
}

static void
requests(struct nlp_buf *b, struct metrics *mx)
{
	size_t ep, st;
	unsigned long n;

	head(b, "nlpops_http_requests_total", "counter", "HTTP requests "
	    "answered, by endpoint and status code.");
	for (ep = 0; ep < EP_N; ep++)
		for (st = 0; st < ST_N; st++)
			if ((n = atomic_load(&mx->requests[ep][st])) > 0 ||
			    (ep == EP_PREDICT && st == ST_200))
				printfb(b, "nlpops_http_requests_total{endpoint=\"%s\","
				    "code=\"%u\"} %lu\n", endpoints[ep], codes[st], n);
}

static void
latency(struct nlp_buf *b, struct metrics *mx)
{
	unsigned long cum = 0;
	size_t i;

	head(b, "nlpops_request_duration_seconds", "histogram", "Time from a "
	    "prediction request's headers to its response.");
	for (i = 0; i < NLP_NBUCKETS; i++) {
		cum += atomic_load(&mx->bucket[i]);
		if (i < NLP_NBUCKETS - 1)
			printfb(b, "nlpops_request_duration_seconds_bucket{le=\"%g\"} "
			    "%lu\n", bounds[i], cum);
		else
			printfb(b, "nlpops_request_duration_seconds_bucket"
			    "{le=\"+Inf\"} %lu\n", cum);
	}
	printfb(b, "nlpops_request_duration_seconds_sum %.9f\n",
	    (double)atomic_load(&mx->lat_sum_ns) / 1e9);
	printfb(b, "nlpops_request_duration_seconds_count %lu\n", cum);
}

static void
labels(struct nlp_buf *b, struct metrics *mx)
{
	size_t i;

	head(b, "nlpops_predictions_total", "counter", "Texts scored, by the "
	    "label predicted.");
	pthread_mutex_lock(&mx->label_mu);
	for (i = 0; i < mx->labels.n; i++) {
		nlp_buf_lit(b, "nlpops_predictions_total{label=\"");
		label_value(b, mx->labels.ent[i].key);
		printfb(b, "\"} %llu\n",
		    (unsigned long long)mx->labels.ent[i].value);
	}
	pthread_mutex_unlock(&mx->label_mu);
}

/* The versions in service, as an info metric. */
static void
info(struct nlp_buf *b, struct nlp_server *s)
{
	struct slot *sl[2] = { &s->model, &s->shadow };
	struct served *v;
	size_t i;

	head(b, "nlpops_model_info", "gauge", "The version in service (1), by "
	    "role: model or shadow.");
	for (i = 0; i < 2; i++) {
		if (sl[i]->arg == NULL || (v = nlp_srv_acquire(sl[i])) == NULL)
			continue;
		printfb(b, "nlpops_model_info{role=\"%s\",name=\"", sl[i]->role);
		label_value(b, v->lm.name[0] ? v->lm.name : v->lm.display);
		/* a file's model has no version: empty, as drift's metrics
		   and the absent label say (and /v1/model's null) */
		if (v->lm.version > 0)
			printfb(b, "\",version=\"%ld", v->lm.version);
		else
			printfb(b, "\",version=\"");
		printfb(b, "\",sha256=\"%s\"} 1\n", v->sha256);
		nlp_srv_release(v);
	}
	v = nlp_srv_acquire(&s->model);
	head(b, "nlpops_model_loaded_timestamp_seconds", "gauge", "When the "
	    "version in service was loaded.");
	printfb(b, "nlpops_model_loaded_timestamp_seconds %.3f\n", v->loaded_at);
	nlp_srv_release(v);
}

void
nlp_srv_metrics_text(struct nlp_server *s, struct nlp_buf *b)
{
	struct metrics *mx = &s->mx;

	requests(b, mx);
	latency(b, mx);
	counter(b, "nlpops_texts_scored_total", "Texts scored by the model.",
	    &mx->texts);
	counter(b, "nlpops_texts_unscored_total", "Texts answered without "
	    "scores (empty or blank, or without their text).", &mx->unscored);
	labels(b, mx);
	info(b, s);
	counter(b, "nlpops_reloads_total", "New versions put in service.",
	    &mx->reloads);
	counter(b, "nlpops_reload_failures_total", "New versions that failed "
	    "to load or verify (the old one kept serving).",
	    &mx->reload_failures);
	head(b, "nlpops_registry_lookup_failing", "gauge", "Registry "
	    "references served (the model's, the shadow's) that cannot be "
	    "looked up now (what they last named keeps serving).");
	printfb(b, "nlpops_registry_lookup_failing %lu\n",
	    atomic_load(&mx->lookup_failing));
	counter(b, "nlpops_shadow_scored_total", "Texts the shadow model "
	    "scored.", &mx->shadow_scored);
	counter(b, "nlpops_shadow_disagreements_total", "Texts the shadow "
	    "model labeled otherwise.", &mx->shadow_disagree);
	counter(b, "nlpops_shadow_skipped_total", "Texts the shadow model "
	    "skipped, its queue full or behind.", &mx->shadow_skipped);
	counter(b, "nlpops_log_lines_total", "Lines written to the "
	    "prediction log.", &mx->log_lines);
	counter(b, "nlpops_log_errors_total", "Prediction log lines that "
	    "could not be written.", &mx->log_errors);
	head(b, "nlpops_requests_in_progress", "gauge", "Requests being "
	    "read or answered.");
	printfb(b, "nlpops_requests_in_progress %u\n",
	    atomic_load(&s->inflight));
}
