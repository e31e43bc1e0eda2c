/*
 * server.c - `nlpops serve`'s HTTP side on libmicrohttpd: routing, the
 * limits (body size, requests in progress), the responses, draining
 * (server.h).  Each of the daemon's threads scores with scratch of its
 * own; the model in service is taken for the length of a request.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dynlib.h"
#include "server_internal.h"
#include "text.h"

/* libmicrohttpd, loaded when a server starts (dynlib.h): MHD_foo below
 * calls through mhd_fn. */
/* The largest answer /v1/predict builds, bytes (estimated before) */
#define MAX_ANSWER 32000000

#define HTTPD_FUNCS(X, a) \
	X(a, MHD_add_response_header) X(a, MHD_create_response_from_buffer) \
	X(a, MHD_destroy_response) X(a, MHD_get_connection_values) \
	X(a, MHD_lookup_connection_value) \
	X(a, MHD_queue_response) X(a, MHD_quiesce_daemon) \
	X(a, MHD_start_daemon) X(a, MHD_stop_daemon)
NLP_DYNLIB(mhd, HTTPD_FUNCS, "libmicrohttpd.so.12", "nlpops serve",
    "libmicrohttpd12");
#define MHD_add_response_header (*mhd_fn.MHD_add_response_header)
#define MHD_create_response_from_buffer (*mhd_fn.MHD_create_response_from_buffer)
#define MHD_destroy_response (*mhd_fn.MHD_destroy_response)
#define MHD_get_connection_values (*mhd_fn.MHD_get_connection_values)
#define MHD_lookup_connection_value (*mhd_fn.MHD_lookup_connection_value)
#define MHD_queue_response (*mhd_fn.MHD_queue_response)
#define MHD_quiesce_daemon (*mhd_fn.MHD_quiesce_daemon)
#define MHD_start_daemon (*mhd_fn.MHD_start_daemon)
#define MHD_stop_daemon (*mhd_fn.MHD_stop_daemon)

/* One request, from its headers to its response. */
struct req {
	int ep;                  /* EP_* */
	unsigned status;         /* 0 until answered */
	double t0;
	enum nlp_sreq_ctype ct;
	struct nlp_buf body;
	int too_big;
	int bodiless;            /* no body: answered on the second call */
	int close;               /* the connection to close after the answer
	                            (its framing could not be trusted) */
	int compressed;          /* a Content-Encoding: a 415 */
	char id[72];             /* X-Request-Id, given or made */
	char method[12];         /* for --log-requests: the client's word,
	                            when it is one of capitals, else "?" */
};

/* Each daemon thread's scratch for scoring. */
struct scratch {
	struct nlp_scorer sc;
	float *probs;
	size_t cap;
};

double
nlp_srv_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
nlp_server_time(double t, char buf[32])
{
	time_t sec = (time_t)t;
	struct tm tm;
	int ms = (int)((t - (double)sec) * 1000);

	size_t n;

	gmtime_r(&sec, &tm);
	n = strftime(buf, 24, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, 32 - n, ".%03dZ", ms < 0 ? 0 : ms > 999 ? 999 : ms);
}

void
nlp_srv_event(struct nlp_server *s, const char *kind, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (s->o.event == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&s->event_mu);
	s->o.event(s->o.event_ctx, kind, msg);
	pthread_mutex_unlock(&s->event_mu);
}

/* libmicrohttpd's own messages, as "http" events. */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct nlp_server *s = cls;
	char msg[1024];
	size_t n;

	vsnprintf(msg, sizeof msg, fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	nlp_srv_event(s, "http", "%s", msg);
}

static void
scratch_free(void *p)
{
	struct scratch *x = p;

	nlp_scorer_release(&x->sc);
	free(x->probs);
	free(x);
}

/* This thread's scratch, with room for n classes; NULL: out of memory. */
static struct scratch *
scratch(struct nlp_server *s, size_t n)
{
	struct scratch *x = pthread_getspecific(s->scratch);
	float *p;

	if (x == NULL) {
		if ((x = calloc(1, sizeof *x)) == NULL)
			return NULL;
		if (pthread_setspecific(s->scratch, x) != 0) {
			free(x);
			return NULL;
		}
	}
	if (n > x->cap) {
		if ((p = realloc(x->probs, n * sizeof *p)) == NULL)
			return NULL;
		x->probs = p;
		x->cap = n;
	}
	return x;
}

/* Queue the response body b (its memory handed over) with status. */
static enum MHD_Result
send_body(struct nlp_server *s, struct MHD_Connection *c, struct req *r,
    unsigned status, struct nlp_buf *b, const char *ctype)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (b->failed) {
		nlp_buf_release(b);
		nlp_sreq_error_body(b, "out of memory");
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		ctype = "application/json";
	}
	resp = MHD_create_response_from_buffer(b->len, b->p, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		nlp_buf_release(b);
		return MHD_NO;
	}
	memset(b, 0, sizeof *b);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(resp, "X-Request-Id", r->id);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
		    r->ep == EP_PREDICT ? "POST" : "GET, HEAD");
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	if (atomic_load(&s->draining) || r->close)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	r->status = status;
	return ret;
}

static enum MHD_Result
send_error(struct nlp_server *s, struct MHD_Connection *c, struct req *r,
    unsigned status, const char *msg)
{
	struct nlp_buf b = { 0 };

	nlp_sreq_error_body(&b, msg);
	return send_body(s, c, r, status, &b, "application/json");
}

static const char *const paths[] = {
	[EP_PREDICT] = "/v1/predict", [EP_MODEL] = "/v1/model",
	[EP_HEALTHZ] = "/healthz", [EP_READYZ] = "/readyz",
	[EP_METRICS] = "/metrics", [EP_OTHER] = "other",
};

/* The endpoint url names. */
static int
endpoint(const char *url)
{
	int i;

	/* the absolute form, http://host/path (RFC 9112, 3.2.2: to be
	   accepted): its path */
	if (strncasecmp(url, "http://", 7) == 0 ||
	    strncasecmp(url, "https://", 8) == 0) {
		url = strchr(url + (url[4] == ':' ? 7 : 8), '/');
		if (url == NULL)
			url = "/";
	}
	for (i = 0; i < EP_OTHER; i++)
		if (strcmp(url, paths[i]) == 0)
			return i;
	return EP_OTHER;
}

/* "name", "version", "ref", "sha256", "loaded_at" of v. */
static void
version_members(struct nlp_buf *b, const struct slot *sl,
    const struct served *v)
{
	char t[32], n[32];

	nlp_buf_lit(b, "\"name\":");
	nlp_buf_json_str(b, v->lm.name[0] ? v->lm.name : v->lm.display);
	snprintf(n, sizeof n, "%ld", v->lm.version);
	nlp_buf_lit(b, ",\"version\":");
	nlp_buf_puts(b, v->lm.version > 0 ? n : "null");
	nlp_buf_lit(b, ",\"model\":");
	nlp_buf_json_str(b, v->lm.display);
	nlp_buf_lit(b, ",\"ref\":");
	nlp_buf_json_str(b, sl->arg);
	nlp_buf_lit(b, ",\"sha256\":");
	nlp_buf_json_str(b, v->sha256);
	nlp_server_time(v->loaded_at, t);
	nlp_buf_lit(b, ",\"loaded_at\":");
	nlp_buf_json_str(b, t);
}

/* GET /v1/model. */
static void
model_body(struct nlp_server *s, struct nlp_buf *b)
{
	struct served *v = nlp_srv_acquire(&s->model), *w;
	uint32_t i;

	nlp_buf_put(b, "{", 1);
	version_members(b, &s->model, v);
	nlp_buf_lit(b, ",\"labels\":[");
	for (i = 0; i < v->lm.m.nclasses; i++) {
		if (i > 0)
			nlp_buf_put(b, ",", 1);
		nlp_buf_json_str(b, v->lm.m.labels[i]);
	}
	nlp_buf_put(b, "]", 1);
	if (v->lm.m.multilabel)  /* only then: the answers have "labels" */
		nlp_buf_lit(b, ",\"multilabel\":true");
	if (s->shadow.arg != NULL && (w = nlp_srv_acquire(&s->shadow)) != NULL) {
		nlp_buf_lit(b, ",\"shadow\":{");
		version_members(b, &s->shadow, w);
		nlp_buf_put(b, "}", 1);
		nlp_srv_release(w);
	}
	nlp_buf_lit(b, "}\n");
	nlp_srv_release(v);
}

/* GET /v1/model, /healthz, /readyz, /metrics. */
static enum MHD_Result
get(struct nlp_server *s, struct MHD_Connection *c, struct req *r)
{
	struct nlp_buf b = { 0 };
	struct served *v;

	switch (r->ep) {
	case EP_MODEL:
		model_body(s, &b);
		break;
	case EP_HEALTHZ:
		nlp_buf_lit(&b, "{\"status\":\"ok\"}\n");
		break;
	case EP_READYZ:
		if (atomic_load(&s->draining)) {
			nlp_buf_lit(&b, "{\"ready\":false,\"reason\":\"draining\"}\n");
			return send_body(s, c, r, MHD_HTTP_SERVICE_UNAVAILABLE, &b,
			    "application/json");
		}
		v = nlp_srv_acquire(&s->model);
		nlp_buf_lit(&b, "{\"ready\":true,\"model\":");
		nlp_buf_json_str(&b, v->lm.display);
		nlp_buf_lit(&b, "}\n");
		nlp_srv_release(v);
		break;
	default:
		nlp_srv_metrics_text(s, &b);
		return send_body(s, c, r, MHD_HTTP_OK, &b,
		    "text/plain; version=0.0.4; charset=utf-8");
	}
	return send_body(s, c, r, MHD_HTTP_OK, &b, "application/json");
}

/* The request's id: X-Request-Id when it is a sane one, else made. */
static void
request_id(struct nlp_server *s, struct MHD_Connection *c, struct req *r)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "X-Request-Id");
	size_t i, n = h != NULL ? strlen(h) : 0;

	for (i = 0; i < n; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'z')
		    || (h[i] >= 'A' && h[i] <= 'Z') || strchr("-_.:", h[i])))
			break;
	if (n > 0 && n < sizeof r->id && i == n)
		memcpy(r->id, h, n + 1);
	else
		snprintf(r->id, sizeof r->id, "%lx-%lu", (unsigned long)s->started,
		    atomic_fetch_add(&s->seq, 1) + 1);
}

static enum MHD_Result headers_decide(struct nlp_server *s,
    struct MHD_Connection *c, struct req *r, const char *method);

/* Does the request come without a body (no Content-Length but 0, no
 * Transfer-Encoding)? */
static int
bodiless(struct MHD_Connection *c)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);

	return (cl == NULL || strcmp(cl, "0") == 0) &&
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_TRANSFER_ENCODING) == NULL;
}

/* The Content-Length, Transfer-Encoding, Host and Content-Encoding
 * headers seen, in one walk (framing_ok(), headers_decide()). */
struct lengths {
	const char *first;
	int differ;
	unsigned te;             /* Transfer-Encoding headers */
	int te_other;            /* one of them not "chunked" alone */
	int spaced;              /* a name with white space in it (before
	                            the colon) */
	int bad;                 /* a length not digits alone */
	unsigned host;           /* Host headers */
	int compressed;          /* a Content-Encoding other than identity */
};

/* Whether the n bytes at v are word (case not minded), the white space
 * around them left out: none of a field's value (RFC 9110, 5.5), which
 * libmicrohttpd keeps at its end. */
static int
value_is(const char *v, size_t n, const char *word)
{
	while (n > 0 && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	return n == strlen(word) && strncasecmp(v, word, n) == 0;
}

/* Whether the Content-Encoding value v says no coding: identity alone,
 * as a list too ("identity, identity"; an empty item is none). */
static int
no_coding(const char *v)
{
	size_t n;

	for (;; v += n + 1) {
		n = strcspn(v, ",");
		if (!value_is(v, n, "") && !value_is(v, n, "identity"))
			return 0;
		if (v[n] == '\0')
			return 1;
	}
}

static enum MHD_Result
each_length(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct lengths *l = cls;

	(void)kind;
	if (key == NULL || value == NULL)
		return MHD_YES;
	/* "Content-Length : 57", which libmicrohttpd keeps as another name,
	   and a proxy may read as the length (RFC 9112, 5.1: a 400) */
	if (key[strcspn(key, " \t")] != '\0')
		l->spaced = 1;
	if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0)
		l->host++;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		/* digits alone (a value folded onto the next line, or
		   empty, is none that two readers agree on) */
		if (value[0] == '\0' || value[strspn(value, "0123456789")] !=
		    '\0')
			l->bad = 1;
		if (l->first == NULL)
			l->first = value;
		else if (strcmp(value, l->first) != 0)
			l->differ = 1;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		l->te++;
		/* "chunked " too: libmicrohttpd would not read it so */
		if (strcasecmp(value, "chunked") != 0)
			l->te_other = 1;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_ENCODING) == 0 &&
	    !no_coding(value)) {
		l->compressed = 1;
	}
	return MHD_YES;
}

/*
 * Is the body's length told one way only (NULL), and by one Host, or what
 * is wrong?  libmicrohttpd reads the first
 * of two Content-Length headers, the first of two Transfer-Encoding
 * headers, and Transfer-Encoding over Content-Length, and keeps the
 * connection: where a proxy in front went by the other, the rest of the
 * body would be read here as a request of its own (request smuggling).
 * Such a request is refused (RFC 9112, 6.3: a Transfer-Encoding whose
 * last coding is not chunked cannot tell where the body ends), and the
 * early answer closes the connection.  The only coding accepted is
 * "chunked" alone, in one header.
 */
static const char *
framing_problem(const struct lengths *l, const char *version)
{
	if (l->spaced)
		return "white space before a header's colon (RFC 9112, 5.1)";
	if (l->bad)
		return "a Content-Length that is not a number";
	if (l->differ)
		return "Content-Length headers that differ";
	if (l->te > 1 || l->te_other)
		return "a Transfer-Encoding other than one 'chunked'";
	if (l->first != NULL && l->te > 0)
		return "both Content-Length and Transfer-Encoding";
	/* and one Host (RFC 9112, 3.2: none in HTTP/1.1, or two, a 400) */
	if (l->host > 1)
		return "more than one Host header";
	if (l->host == 0 && strcmp(version, MHD_HTTP_VERSION_1_1) == 0)
		return "no Host header (HTTP/1.1 requires one)";
	return NULL;
}

/*
 * The first call, headers read.  A request without a body is answered on
 * the next call, once libmicrohttpd has it whole: a response queued on the
 * first call is an early one, after which it closes the connection, and
 * health checks and scrapes (every GET) would pay a connection each.  A
 * request with a body is answered at once when the headers alone decide
 * (404, 405, 415, 413, 503), its body then dropped.
 */
static enum MHD_Result
first_call(struct nlp_server *s, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, void **con_cls)
{
	struct req *r = calloc(1, sizeof *r);
	struct lengths l = { 0 };
	const char *why;
	size_t n;

	if (r == NULL)
		return MHD_NO;
	atomic_fetch_add(&s->inflight, 1);
	*con_cls = r;
	r->t0 = nlp_srv_now();
	r->ep = endpoint(url);
	n = strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
	snprintf(r->method, sizeof r->method, "%s", n > 0 && method[n] == '\0'
	    && n < sizeof r->method ? method : "?");
	request_id(s, c, r);
	/* answered early when a body is on its way, which closes the
	   connection; a request libmicrohttpd saw no body in closes it too,
	   lest what it took for the next request be one */
	(void)MHD_get_connection_values(c, MHD_HEADER_KIND, each_length, &l);
	r->compressed = l.compressed;
	if ((why = framing_problem(&l, version)) != NULL) {
		char msg[128];
		r->close = 1;
		snprintf(msg, sizeof msg, "a malformed request: %s", why);
		return send_error(s, c, r, MHD_HTTP_BAD_REQUEST, msg);
	}
	r->bodiless = bodiless(c);
	/* a POST with no length told (an empty body, a 400): closed after,
	   as its length may have been told in a way libmicrohttpd does not
	   read and a proxy in front did (a Content-Length folded onto the
	   next line), its body then taken for the next request */
	if (r->bodiless && strcmp(method, "POST") == 0 &&
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH) == NULL)
		r->close = 1;
	return r->bodiless ? MHD_YES : headers_decide(s, c, r, method);
}

/* What the headers alone decide: an answer (404, 405, 415, 413, 503,
 * every GET), or MHD_YES with none yet. */
static enum MHD_Result
headers_decide(struct nlp_server *s, struct MHD_Connection *c, struct req *r,
    const char *method)
{
	const char *cl;
	char *end;
	unsigned long long len;

	if (r->ep == EP_OTHER)
		return send_error(s, c, r, MHD_HTTP_NOT_FOUND, "no such path; "
		    "see POST /v1/predict, GET /v1/model, /healthz, /readyz, "
		    "/metrics");
	if (r->ep != EP_PREDICT)
		return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ?
		    get(s, c, r) : send_error(s, c, r, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "this path takes GET");
	if (strcmp(method, "POST") != 0)
		return send_error(s, c, r, MHD_HTTP_METHOD_NOT_ALLOWED, "this path "
		    "takes POST");
	if (atomic_load(&s->inflight) > s->o.max_pending)
		return send_error(s, c, r, MHD_HTTP_SERVICE_UNAVAILABLE, "too many "
		    "requests in progress; try again");
	r->ct = nlp_sreq_ctype(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE));
	if (r->ct == NLP_CT_OTHER)
		return send_error(s, c, r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "the "
		    "body must be application/json or text/plain (UTF-8)");
	/* a compressed body would be scored as its bytes (RFC 9110, 15.5.16:
	   a coding the server does not take is a 415); any such header */
	if (r->compressed)
		return send_error(s, c, r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "the "
		    "body must not be compressed (Content-Encoding)");
	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL && (errno = 0, len = strtoull(cl, &end, 10), errno == 0)
	    && *end == '\0' && len > s->o.max_body)
		return send_error(s, c, r, MHD_HTTP_CONTENT_TOO_LARGE, "the body "
		    "is larger than --max-body");
	return MHD_YES;
}

/* ?k=N for a text/plain body: 0 when absent, -1 when malformed. */
static long
query_k(struct MHD_Connection *c)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
	    "k");
	char *end;
	long k;

	if (v == NULL)
		return 0;
	k = strtol(v, &end, 10);
	return *v != '\0' && *end == '\0' && k >= 1 && k <= 64 ? k : -1;
}

/* Score q with the model in service into b; the results to the
 * metrics, the shadow and the log. */
static int
score(struct nlp_server *s, struct req *r, struct nlp_sreq *q,
    struct nlp_buf *b, double *too_large)
{
	struct served *v = nlp_srv_acquire(&s->model);
	struct nlp_sreq_model mod = { &v->lm.m, v->lm.display, v->sha256 };
	struct nlp_sreq_result *res = calloc(q->n, sizeof *res);
	struct scratch *x = scratch(s, v->lm.m.nclasses);
	int rc = NLP_IO;

	size_t i, k;
	double bytes;

	/* an answer far larger than its request (100000 one-letter texts,
	   each with 64 labels of a 51-class model: 166 MB from 400 KB),
	   built whole before it is sent, is refused before it is made */
	/* k as nlp_sreq_answer() takes it: a multi-label model's default
	   is 64, the labels past --min-p of them */
	k = q->k ? q->k : s->o.fmt.k;
	if (k == 0)
		k = v->lm.m.multilabel ? 64 : 1;
	if (k > v->lm.m.nclasses)
		k = v->lm.m.nclasses;
	/* at --min-p 0.5 or above, a few labels pass, not k: the estimate's */
	if (v->lm.m.multilabel && s->o.fmt.min_p >= 0.5 && k > 4)
		k = 4;
	bytes = (double)q->n * ((double)k * ((double)v->longest_label + 28) +
	    (q->kind == NLP_SREQ_LINES ? 4 : 64));
	if (bytes > MAX_ANSWER) {
		*too_large = bytes;
		free(res);
		nlp_srv_release(v);
		return NLP_USAGE;
	}
	if (res != NULL && x != NULL && (rc = nlp_sreq_answer(q, &mod,
	    &s->o.fmt, &x->sc, x->probs, b, res)) == NLP_OK) {
		nlp_srv_metrics_labels(&s->mx, &v->lm.m, res, q->n);
		nlp_srv_worker_add(s, q, res, v, r->id);
	}
	for (i = 0; res != NULL && i < q->n; i++)
		free(res[i].members);
	free(res);
	nlp_srv_release(v);
	return rc;
}

/* POST /v1/predict, the body read. */
static enum MHD_Result
predict(struct nlp_server *s, struct MHD_Connection *c, struct req *r)
{
	struct nlp_buf out = { 0 };
	struct nlp_sreq q;
	struct nlp_err e;
	double too_large = 0;
	long k = r->ct == NLP_CT_PLAIN ? query_k(c) : 0;
	enum MHD_Result ret;
	int rc;

	if (r->too_big)
		return send_error(s, c, r, MHD_HTTP_CONTENT_TOO_LARGE, "the body "
		    "is larger than --max-body");
	if (k < 0)
		return send_error(s, c, r, MHD_HTTP_BAD_REQUEST, "k must be an "
		    "integer from 1 to 64");
	rc = nlp_sreq_parse(&q, r->ct, r->body.p, r->body.len, &e);
	if (rc == NLP_OK && k > 0)
		q.k = (size_t)k;
	if (rc == NLP_OK)
		rc = score(s, r, &q, &out, &too_large);
	nlp_sreq_release(&q);
	if (too_large > 0) {
		char msg[160];
		nlp_buf_release(&out);
		snprintf(msg, sizeof msg, "the answer would be some %.0f MB, more "
		    "than the %d MB one may be: fewer texts a request, or a "
		    "smaller k", ceil(too_large / 1e6), MAX_ANSWER / 1000000);
		return send_error(s, c, r, MHD_HTTP_CONTENT_TOO_LARGE, msg);
	}
	if (rc != NLP_OK) {
		nlp_buf_release(&out);
		return send_error(s, c, r, rc == NLP_USAGE ? MHD_HTTP_BAD_REQUEST :
		    MHD_HTTP_INTERNAL_SERVER_ERROR, rc == NLP_USAGE ? e.msg :
		    "out of memory");
	}
	ret = send_body(s, c, r, MHD_HTTP_OK, &out, r->ct == NLP_CT_PLAIN ?
	    "text/plain; charset=utf-8" : "application/json");
	return ret;
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *data, size_t *size,
    void **con_cls)
{
	struct nlp_server *s = cls;
	struct req *r = *con_cls;

	if (r == NULL)
		return first_call(s, c, url, method, version, con_cls);
	if (r->status != 0) {            /* answered: the rest is dropped */
		*size = 0;
		return MHD_YES;
	}
	if (r->bodiless) {
		enum MHD_Result ret;

		r->bodiless = 0;
		if ((ret = headers_decide(s, c, r, method)) != MHD_YES ||
		    r->status != 0)
			return ret;
	}
	if (*size > 0) {
		if (r->too_big || r->body.len + *size > s->o.max_body) {
			r->too_big = 1;      /* read on, keep nothing */
			nlp_buf_release(&r->body);
		} else
			nlp_buf_put(&r->body, data, *size);
		*size = 0;
		return MHD_YES;
	}
	if (r->body.failed)
		return send_error(s, c, r, MHD_HTTP_SERVICE_UNAVAILABLE, "out of "
		    "memory");
	return predict(s, c, r);
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct nlp_server *s = cls;
	struct req *r = *con_cls;
	double t;

	(void)c;
	if (r == NULL)
		return;
	t = nlp_srv_now() - r->t0;
	if (r->status != 0)
		nlp_srv_metrics_request(&s->mx, r->ep, r->status, t);
	if (s->o.log_requests)
		nlp_srv_event(s, "request", "%s %s %s %u %.6f s%s", r->id,
		    r->method, paths[r->ep], r->status, t,
		    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" :
		    " (connection ended early)");
	nlp_buf_release(&r->body);
	free(r);
	*con_cls = NULL;
	atomic_fetch_sub(&s->inflight, 1);
}

/*
 * Decode %XX in the path and the query's names and values, in place --
 * except %00: the strings that carry them end at their first NUL, so
 * /v1/predict%00anything would have been /v1/predict.  It stays as
 * written (and names no path).  So does %2F: an encoded slash is not a
 * slash (RFC 3986, 6.2.2.2), and /v1%2Fpredict answered as /v1/predict
 * would slip past a proxy's rule on the path.
 */
static size_t
unescape(void *cls, struct MHD_Connection *c, char *s)
{
	char *w = s;
	const char *r = s;
	int hi, lo;

	(void)cls;
	(void)c;
	while (*r != '\0') {
		if (r[0] == '%' && (hi = nlp_hex_digit(r[1])) >= 0 &&
		    (lo = nlp_hex_digit(r[2])) >= 0 && (hi | lo) != 0 &&
		    hi * 16 + lo != '/') {
			*w++ = (char)(hi * 16 + lo);
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

/*
 * The daemon on s->listen_fd (handed over to it).  poll(), not epoll:
 * libmicrohttpd 0.9.75's MHD_quiesce_daemon() and a pool worker's event
 * loop both take the listening socket out of the worker's epoll set, unlocked,
 * and the loser's ENOENT is a panic (daemon.c: "Failed to remove listen
 * FD from epoll set", abort) -- a drain that killed the server now and
 * then; with poll() the quiesce is a message down each worker's ITC.
 */
static int
start_daemon(struct nlp_server *s, struct nlp_err *e)
{
	unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC |
	    MHD_USE_ERROR_LOG;

	s->d = MHD_start_daemon(flags, 0, NULL, NULL, handler, s,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
	    MHD_OPTION_LISTEN_SOCKET, s->listen_fd,
	    MHD_OPTION_CONNECTION_LIMIT, s->o.max_connections,
	    MHD_OPTION_CONNECTION_TIMEOUT, s->o.timeout,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, s,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape, s,
	    /* last: one thread is no pool (a pool of 0 draws a warning) */
	    s->o.threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
	    (unsigned)s->o.threads, MHD_OPTION_END);
	if (s->d == NULL)
		return nlp_errf(e, NLP_IO, "cannot start the HTTP server "
		    "(libmicrohttpd)");
	s->listen_fd = -1;       /* the daemon's now */
	return NLP_OK;
}

/* The locks and the condition the server's threads share. */
static int
init_sync(struct nlp_server *s)
{
	pthread_condattr_t ca;

	if (pthread_condattr_init(&ca) != 0)
		return -1;
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->rcv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&s->rmu, NULL);
	pthread_mutex_init(&s->event_mu, NULL);
	if (nlp_srv_metrics_init(&s->mx) < 0 ||
	    pthread_key_create(&s->scratch, scratch_free) != 0)
		return -1;
	s->scratch_made = 1;
	return 0;
}

int
nlp_server_start(struct nlp_server **out, const struct nlp_server_opts *o,
    struct nlp_err *e)
{
	struct nlp_server *s = calloc(1, sizeof *s);
	char addr[128];
	int rc;

	*out = NULL;
	if (s == NULL) {
		close(o->listen_fd);
		return nlp_errf(e, NLP_IO, "out of memory");
	}
	s->o = *o;
	s->listen_fd = o->listen_fd;
	s->started = nlp_srv_now();
	*out = s;
	if (init_sync(s) < 0)
		return nlp_errf(e, NLP_IO, "out of memory");
	if ((rc = nlp_dynlib_use(&mhd_lib, e)) != NLP_OK ||
	    (rc = nlp_srv_slot_init(s, &s->model, o->model, "model", e)) !=
	    NLP_OK || (o->shadow != NULL && (rc = nlp_srv_slot_init(s, &s->shadow,
	    o->shadow, "shadow", e)) != NLP_OK) ||
	    (rc = nlp_srv_worker_start(s, e)) != NLP_OK)
		return rc;
	nlp_server_address(s->listen_fd, addr, sizeof addr);
	if ((rc = start_daemon(s, e)) != NLP_OK)
		return rc;
	if (nlp_srv_reloader_start(s) < 0)
		return nlp_errf(e, NLP_IO, "cannot start a thread");
	nlp_srv_event(s, "listening", "listening on http://%s: %s (sha256 "
	    "%.12s)%s%s, %u thread%s", addr, s->model.cur->lm.display,
	    s->model.cur->sha256, s->shadow.arg != NULL ? ", shadow " : "",
	    s->shadow.arg != NULL ? s->shadow.cur->lm.display : "",
	    o->threads, o->threads == 1 ? "" : "s");
	return NLP_OK;
}

void
nlp_server_hup(struct nlp_server *s)
{
	pthread_mutex_lock(&s->rmu);
	s->hup = 1;
	pthread_cond_signal(&s->rcv);
	pthread_mutex_unlock(&s->rmu);
}

unsigned
nlp_server_drain(struct nlp_server *s, double seconds)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	double t0 = nlp_srv_now();
	MHD_socket fd;

	atomic_store(&s->draining, 1);
	if (s->d != NULL && (fd = MHD_quiesce_daemon(s->d)) != MHD_INVALID_SOCKET)
		close(fd);
	nlp_srv_event(s, "draining", "no new connections; answering the %u "
	    "request%s in progress", atomic_load(&s->inflight),
	    atomic_load(&s->inflight) == 1 ? "" : "s");
	while (atomic_load(&s->inflight) > 0 && nlp_srv_now() - t0 < seconds &&
	    !atomic_load(&s->cut))
		nanosleep(&ts, NULL);
	return atomic_load(&s->inflight);
}

void
nlp_server_cut(struct nlp_server *s)
{
	atomic_store(&s->cut, 1);
}

int
nlp_server_stop(struct nlp_server *s)
{
	if (s == NULL)
		return 0;
	nlp_srv_reloader_stop(s);
	if (s->d != NULL)
		MHD_stop_daemon(s->d);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	nlp_srv_worker_stop(s);
	/* a thread not joined (stuck in the registry or the log, said) may
	   still use what is below: left to the process's end, close by */
	if (s->reloader_running || s->w.running)
		return -1;
	if (s->scratch_made)
		pthread_key_delete(s->scratch);
	nlp_srv_slot_release(&s->model);
	nlp_srv_slot_release(&s->shadow);
	nlp_srv_metrics_release(&s->mx);
	pthread_mutex_destroy(&s->rmu);
	pthread_mutex_destroy(&s->event_mu);
	pthread_cond_destroy(&s->rcv);
	free(s);
	return 0;
}

void
nlp_server_address(int fd, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
	    ss.ss_family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
		port = ntohs(a->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
		port = ntohs(a->sin6_port);
		snprintf(buf, size, "[%s]:%u", host, port);
		return;
	}
	snprintf(buf, size, "%s:%u", host, port);
}
