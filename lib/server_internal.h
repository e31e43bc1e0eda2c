/*
 * server_internal.h - what the server's modules share: the versions in
 * service (server_models.c), the metrics (server_metrics.c), the worker
 * that scores the shadow and writes the log (server_work.c), and the
 * HTTP side (server.c).
 */
#ifndef NLP_SERVER_INTERNAL_H
#define NLP_SERVER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "digest.h"
#include "modelref.h"
#include "server.h"
#include "servereq.h"
#include "strmap.h"

/* A loaded version, shared by the requests that use it. */
struct served {
	struct nlp_loaded lm;
	atomic_uint refs;        /* the slot's, and one per user */
	double loaded_at;        /* Unix time */
	char sha256[NLP_SHA256_HEX];
	size_t longest_label;    /* bytes: for the size of an answer */
};

/* The version in service for -m, or for --shadow. */
struct slot {
	const char *arg;         /* as given */
	const char *role;        /* "model" or "shadow" */
	int follows;             /* a registry alias: looked at every poll */
	pthread_mutex_t mu;
	struct served *cur;
	char failed[NLP_SHA256_HEX];   /* the version that last failed */
	double failed_at;        /* when (tried again a minute on, or once
	                            the alias has moved away and back) */
	int registry_failing;    /* said once, until it works again */
};

enum { EP_PREDICT, EP_MODEL, EP_HEALTHZ, EP_READYZ, EP_METRICS, EP_OTHER,
	EP_N };
enum { ST_200, ST_400, ST_404, ST_405, ST_413, ST_415, ST_500, ST_503, ST_N };
#define NLP_NBUCKETS 16

struct metrics {
	atomic_ulong requests[EP_N][ST_N];
	atomic_ulong bucket[NLP_NBUCKETS];     /* not cumulative */
	atomic_ulong lat_count, lat_sum_ns;
	atomic_ulong texts, unscored, reloads, reload_failures, shadow_scored,
	    shadow_disagree, shadow_skipped, log_lines, log_errors;
	atomic_ulong lookup_failing;           /* registry references (the
	                                          model's, the shadow's) that
	                                          cannot be looked up now */
	pthread_mutex_t label_mu;
	struct nlp_strmap labels;              /* predicted label -> count */
};

/* A scored text on its way to the shadow and the log. */
struct job {
	struct job *next;
	double time;
	char request[72];
	char *id;                /* JSON, or NULL */
	struct served *primary;  /* a reference held */
	int label;               /* -1: not scored */
	int first;               /* the first class answered (see
	                            nlp_sreq_result), or -1 */
	char *members;           /* a multi-label answer (nlp_sreq_result) */
	float p;
	const char *reason;
	char *text;              /* NULL unless the shadow or the log wants it */
	size_t len;
};

#define NLP_SRV_LOG_BUFFER ((size_t)64 << 10)   /* the log's stdio buffer */

struct worker {
	pthread_t thread;
	int running, stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_cond_t room;     /* a job taken off a full queue */
	int stalled;             /* the queue stayed full past QUEUE_WAIT:
	                            jobs dropped, unwaited, until one is
	                            taken off again */
	struct job *head, *tail;
	size_t n, bytes;
	pthread_mutex_t log_mu;
	FILE *log;
	size_t log_pending;      /* lines in log's buffer, not yet written */
	int log_failing;
	size_t log_bytes;        /* the bytes of those lines */
	size_t log_cap;          /* what log's buffer holds (0: setvbuf failed) */
	char log_buf[NLP_SRV_LOG_BUFFER];
	long long log_before;    /* the log's size before the last write (-1:
	                            not a regular file) */
	struct nlp_scorer sc;    /* the shadow's scratch */
	float *probs;
	size_t probs_cap;
	struct nlp_buf line;
};

/* How long stopping waits for the reloader (a registry lookup that does
 * not answer) and the log's worker (a log not being written), seconds:
 * past it the process ends without them. */
#define STOP_WAIT 5

/* Join thread t within seconds: 0, or ETIMEDOUT (not joined). */
int nlp_srv_join(pthread_t t, int seconds);

struct nlp_server {
	struct nlp_server_opts o;
	struct slot model, shadow;
	struct metrics mx;
	struct worker w;
	struct MHD_Daemon *d;
	int listen_fd;
	pthread_t reloader;
	int reloader_running;
	pthread_mutex_t rmu;
	pthread_cond_t rcv;
	int hup, stop;
	pthread_mutex_t event_mu;
	pthread_key_t scratch;
	int scratch_made;
	atomic_uint inflight;
	atomic_int draining;
	atomic_int cut;              /* nlp_server_cut(): stop waiting */
	atomic_ulong seq;        /* request ids */
	double started;
};

/* Say what happened (printf-like), through o.event. */
void nlp_srv_event(struct nlp_server *s, const char *kind, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));
double nlp_srv_now(void);

/* server_models.c */
int nlp_srv_slot_init(struct nlp_server *s, struct slot *sl, const char *arg,
    const char *role, struct nlp_err *e);
void nlp_srv_slot_release(struct slot *sl);
struct served *nlp_srv_acquire(struct slot *sl);
void nlp_srv_release(struct served *v);
int nlp_srv_reloader_start(struct nlp_server *s);
void nlp_srv_reloader_stop(struct nlp_server *s);

/* server_work.c */
int nlp_srv_worker_start(struct nlp_server *s, struct nlp_err *e);
void nlp_srv_worker_stop(struct nlp_server *s);
/* Hand the texts of q (their results res) to the shadow and the log. */
void nlp_srv_worker_add(struct nlp_server *s, const struct nlp_sreq *q,
    const struct nlp_sreq_result *res, struct served *v, const char *request);
void nlp_srv_log_reopen(struct nlp_server *s);

/* server_metrics.c */
int nlp_srv_metrics_init(struct metrics *mx);
void nlp_srv_metrics_release(struct metrics *mx);
void nlp_srv_metrics_request(struct metrics *mx, int ep, unsigned status,
    double seconds);
void nlp_srv_metrics_labels(struct metrics *mx, const struct nlp_model *m,
    const struct nlp_sreq_result *res, size_t n);
void nlp_srv_metrics_text(struct nlp_server *s, struct nlp_buf *out);

#endif
