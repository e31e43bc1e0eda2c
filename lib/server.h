/*
 * server.h - `nlpops serve`'s HTTP server (libmicrohttpd): a model
 * behind POST /v1/predict, GET /v1/model, /healthz, /readyz and
 * /metrics, reloaded when its registry alias moves.
 *
 * The model in service is held by reference: a request takes the version
 * current when it starts and finishes on it, while a new version is
 * loaded and verified beside it (never under a lock a request waits for)
 * and then swapped in; a version that fails to load, or to verify, or
 * that no trusted key signed, is counted and reported, and the old one
 * keeps serving.  A shadow model scores the same texts off the response
 * path, on a worker thread that also writes the prediction log.
 *
 * The library prints nothing: what happens (listening, a reload, a
 * failure) reaches the caller's event function, one call per event.
 */
#ifndef NLP_SERVER_H
#define NLP_SERVER_H

#include <stddef.h>

#include "error.h"
#include "predout.h"

struct nlp_trust;
struct nlp_server;

struct nlp_server_opts {
	const char *model;       /* -m: an artifact's path or a registry ref */
	const char *shadow;      /* --shadow, or NULL */
	const char *regdir;      /* the registry (directory or URI) */
	const struct nlp_trust *trust;   /* NULL: signatures not checked */
	int listen_fd;           /* a bound socket, listening */
	unsigned threads;        /* threads answering requests */
	unsigned max_connections;
	unsigned max_pending;    /* requests in progress; past it, 503 */
	size_t max_body;         /* bytes; past it, 413 */
	unsigned timeout;        /* seconds a connection may idle */
	double poll;             /* seconds between looks at the registry */
	struct nlp_predout fmt;  /* k, threshold and fallback */
	const char *log_path;    /* the prediction log, or NULL */
	int log_text;            /* the text goes in the log too */
	int log_requests;        /* an event per request */
	/*
	 * What happens: kind is a word ("listening", "reload",
	 * "reload_failed", "registry_error", "log_reopened", "log_error",
	 * "request", "draining", "stopped", "http"), msg one line.  Called
	 * from any of the server's threads, one call at a time.
	 */
	void (*event)(void *ctx, const char *kind, const char *msg);
	void *event_ctx;
};

/*
 * Load the model (and the shadow), open the log, and start answering on
 * o->listen_fd (the server owns it from then on, even on failure).
 * Returns NLP_OK, or the error of loading a model (as nlp_load_model(),
 * and NLP_DATA for a model no trusted key signed), NLP_IO.
 */
int nlp_server_start(struct nlp_server **out, const struct nlp_server_opts *o,
    struct nlp_err *e);

/* SIGHUP: look at the registry now (retrying a version that failed),
 * reload a model given as a file, and reopen the prediction log.  Safe
 * to call from any thread but a signal handler. */
void nlp_server_hup(struct nlp_server *s);

/*
 * Stop accepting connections, answer the requests in progress (/readyz
 * says 503, responses say Connection: close), waiting at most seconds for
 * them.  Returns the number still in progress when it gave up (0: all
 * answered).
 */
unsigned nlp_server_drain(struct nlp_server *s, double seconds);

/* From any thread (a second SIGTERM): a drain under way, or one to come,
 * gives up at once. */
void nlp_server_cut(struct nlp_server *s);

/* Stop, write out the log, free everything (NULL: nothing to do): 0, or
 * -1 when a thread stuck past STOP_WAIT -- in a registry lookup that does
 * not answer, or in write() to a log no one reads -- was left running
 * (said in an event) with what it uses: the caller ends the process then
 * with _exit(), as exit() would flush that log's stream and wait on it. */
int nlp_server_stop(struct nlp_server *s);

/* Unix time t as "2026-12-03T01:55:35.123Z" (UTC, milliseconds): how
 * the log, the events and /v1/model write times. */
void nlp_server_time(double t, char buf[32]);

/* The address the server listens on, as "127.0.0.1:8080" or
 * "[::1]:8080" (from the socket: port 0 shows the port chosen). */
void nlp_server_address(int fd, char *buf, size_t size);

#endif
