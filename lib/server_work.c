/*
 * server_work.c - the worker behind the responses: it scores each text
 * with the shadow model, counts where the two disagree, and writes the
 * prediction log, one JSON line per text.  Its queue is bounded (jobs
 * and bytes): past it the shadow skips a text (counted) and the request
 * writes its own log lines, so the log loses nothing and memory stays
 * bounded (server_internal.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server_internal.h"

#define QUEUE_JOBS 8192
#define QUEUE_BYTES (64u << 20)
/* how long a request waits for room in a full queue: a log written slowly
   (a large batch, a busy disk) catches up, one not written at all (a
   FIFO whose reader stopped, a hung NFS mount) never holds the answers
   longer than this; then lines are dropped and counted */
#define QUEUE_WAIT 2

static void
job_free(struct job *j)
{
	nlp_srv_release(j->primary);
	free(j->members);
	free(j->id);
	free(j->text);
	free(j);
}

/* The shadow's answer for j, as log members; counts it. */
static void
shadow_score(struct nlp_server *s, const struct job *j, struct nlp_buf *b)
{
	struct worker *w = &s->w;
	struct served *v = nlp_srv_acquire(&s->shadow);
	const struct nlp_model *m = &v->lm.m;
	struct nlp_predout o = s->o.fmt;
	uint32_t top;
	int agree, first;
	float *p;

	if (m->nclasses > w->probs_cap) {
		if ((p = realloc(w->probs, m->nclasses * sizeof *p)) == NULL)
			goto out;
		w->probs = p;
		w->probs_cap = m->nclasses;
	}
	if (nlp_model_predict(m, &w->sc, j->text, j->len, w->probs) < 0)
		goto out;
	nlp_top_k(w->probs, m->nclasses, 1, &top);
	/* the first label each answers (a multi-label model's may be none,
	   all below --min-p: agreeing with none only) */
	o.m = m;
	first = nlp_predout_first(&o, w->probs, top);
	agree = first < 0 || j->first < 0 ? first == j->first :
	    strcmp(m->labels[first], j->primary->lm.m.labels[j->first]) == 0;
	atomic_fetch_add(&s->mx.shadow_scored, 1);
	if (!agree)
		atomic_fetch_add(&s->mx.shadow_disagree, 1);
	nlp_buf_lit(b, ",\"shadow\":{\"model\":");
	nlp_buf_json_str(b, v->lm.display);
	nlp_buf_lit(b, ",\"sha256\":");
	nlp_buf_json_str(b, v->sha256);
	if (first < 0) {
		nlp_buf_lit(b, ",\"label\":null,\"p\":null");
	} else {
		nlp_buf_lit(b, ",\"label\":");
		nlp_buf_json_str(b, m->labels[first]);
		nlp_buf_lit(b, ",\"p\":");
		nlp_buf_prob(b, w->probs[first]);
	}
	nlp_buf_puts(b, agree ? ",\"agree\":true}" : ",\"agree\":false}");
out:
	nlp_srv_release(v);
}

/* j's log line into b (the shadow's answer with it when there is one). */
static void
log_line(struct nlp_server *s, const struct job *j, struct nlp_buf *b,
    int shadow)
{
	char t[32];

	nlp_server_time(j->time, t);
	nlp_buf_lit(b, "{\"time\":");
	nlp_buf_json_str(b, t);
	nlp_buf_lit(b, ",\"request\":");
	nlp_buf_json_str(b, j->request);
	nlp_buf_lit(b, ",\"id\":");
	nlp_buf_puts(b, j->id != NULL ? j->id : "null");
	nlp_buf_lit(b, ",\"model\":");
	nlp_buf_json_str(b, j->primary->lm.display);
	nlp_buf_lit(b, ",\"sha256\":");
	nlp_buf_json_str(b, j->primary->sha256);
	if (j->members != NULL) {
		nlp_buf_put(b, ",", 1);
		nlp_buf_puts(b, j->members);
	} else if (j->label < 0) {
		/* the answer's shape: "labels" for a multi-label model */
		nlp_buf_puts(b, j->primary->lm.m.multilabel ? ",\"label\":null,"
		    "\"p\":null,\"labels\":[],\"reason\":" : ",\"label\":null,"
		    "\"p\":null,\"reason\":");
		nlp_buf_json_str(b, j->reason);
	} else {
		nlp_buf_lit(b, ",\"label\":");
		nlp_buf_json_str(b, j->primary->lm.m.labels[j->label]);
		nlp_buf_lit(b, ",\"p\":");
		nlp_buf_prob(b, j->p);
		/* the model's label above; the client was answered this */
		if (s->o.fmt.threshold > 0 && j->p < s->o.fmt.threshold) {
			nlp_buf_lit(b, ",\"answered\":");
			nlp_buf_json_str(b, s->o.fmt.fallback);
		}
	}
	if (s->o.log_text && j->text != NULL) {
		nlp_buf_lit(b, ",\"text\":");
		nlp_buf_json_str(b, j->text);
	}
	if (shadow && j->label >= 0 && j->text != NULL)
		shadow_score(s, j, b);
	nlp_buf_lit(b, "}\n");
}

/* The size of the log, or -1 when it is not a regular file (a FIFO, a
 * device: nothing to cut back). */
static long long
log_size(FILE *f)
{
	struct stat st;

	return fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) ?
	    (long long)st.st_size : -1;
}

/*
 * The lines in the log's buffer have reached the file (ok), or are lost
 * (err: the errno of the failed write or flush): a line counts as
 * written only once a flush or close has succeeded with it, as lost
 * otherwise (what stdio still held of them is dropped, so that a later
 * flush cannot write some of them after all).  A loss is said once until
 * the log is written again.  With log_mu held, and w->log_before the
 * log's size taken just before the write that failed.
 */
static void
log_settle(struct nlp_server *s, int ok, int err)
{
	struct worker *w = &s->w;

	if (ok) {
		atomic_fetch_add(&s->mx.log_lines, w->log_pending);
		if (w->log_pending > 0)
			w->log_failing = 0;
	} else {
		atomic_fetch_add(&s->mx.log_errors, w->log_pending);
		if (w->log != NULL) {
			__fpurge(w->log);
			clearerr(w->log);
			/* a write cut short (a full disk) leaves part of a line,
			 * onto which the next line would be written: what that
			 * write added is cut off, so that every line of the log
			 * is one JSON object (the lines are written only in the
			 * flushes log_flush_now() makes, each a write of whole
			 * lines, measured just before) */
			if (w->log_before >= 0 && log_size(w->log) > w->log_before)
				(void)!ftruncate(fileno(w->log),
				    (off_t)w->log_before);
		}
		if (!w->log_failing && w->log_pending > 0)
			nlp_srv_event(s, "log_error", "cannot write '%s': %s",
			    s->o.log_path, err > 0 ? strerror(err) : "I/O error");
		w->log_failing = w->log_pending > 0 || w->log_failing;
	}
	w->log_pending = 0;
	w->log_bytes = 0;
}

/* Flush the log's buffer and settle, w->log_before taken.  With log_mu
 * held. */
static void
log_flush_measured(struct nlp_server *s)
{
	int ok;

	errno = 0;
	ok = fflush(s->w.log) == 0;
	log_settle(s, ok, errno);
}

/* The same, the log's size taken first. */
static void
log_flush_now(struct nlp_server *s)
{
	s->w.log_before = log_size(s->w.log);
	log_flush_measured(s);
}

/* Flush and close the log, its lines counted (log_mu held, or the worker
 * stopped).  A close that fails once the lines are written (a deferred
 * error of a network file system) is said, with no line to count. */
static void
log_close(struct nlp_server *s)
{
	log_flush_now(s);
	errno = 0;
	if (fclose(s->w.log) != 0)
		nlp_srv_event(s, "log_error", "cannot write '%s': %s",
		    s->o.log_path, errno ? strerror(errno) : "I/O error");
	s->w.log = NULL;
}

/* Write b to the log (flush: at once). */
static void
log_write(struct nlp_server *s, const struct nlp_buf *b, int flush)
{
	struct worker *w = &s->w;

	pthread_mutex_lock(&w->log_mu);
	errno = 0;
	if (b->failed) {
		/* this line alone is lost (out of memory making it): the
		   lines buffered before it are sound, and stay */
		atomic_fetch_add(&s->mx.log_errors, 1);
		if (!w->log_failing)
			nlp_srv_event(s, "log_error", "cannot write '%s': out of "
			    "memory", s->o.log_path);
		w->log_failing = 1;
		pthread_mutex_unlock(&w->log_mu);
		return;
	}
	/* no line goes out but in a flush of whole lines: one that would
	   not fit in the buffer flushes those before it first (stdio would
	   fill the buffer and write it, a line cut in two), and one longer
	   than the buffer, which stdio writes in part at once, is flushed
	   whole with it, the log measured before either */
	if (w->log_pending > 0 && w->log_bytes + b->len > w->log_cap)
		log_flush_now(s);
	w->log_pending++;
	w->log_bytes += b->len;
	w->log_before = log_size(w->log);
	errno = 0;
	if (fwrite(b->p, 1, b->len, w->log) != b->len)
		log_settle(s, 0, errno);
	else if (b->len > w->log_cap)
		log_flush_measured(s);
	else if (flush)
		log_flush_now(s);
	pthread_mutex_unlock(&w->log_mu);
}

/* Do job j: the shadow (not when the queue is behind: the one worker
 * scoring it would hold the answers waiting for room), then the log. */
static void
work(struct nlp_server *s, const struct job *j, int behind)
{
	struct nlp_buf *b = &s->w.line;
	int shadow = s->shadow.arg != NULL && !behind;

	b->len = 0;
	b->failed = 0;
	if (s->shadow.arg != NULL && behind && j->label >= 0)
		atomic_fetch_add(&s->mx.shadow_skipped, 1);
	if (s->o.log_path == NULL) {
		if (shadow && j->label >= 0 && j->text != NULL)
			shadow_score(s, j, b);
		return;
	}
	log_line(s, j, b, shadow);
	log_write(s, b, 0);
}

static void
log_flush(struct nlp_server *s)
{
	if (s->o.log_path == NULL)
		return;
	pthread_mutex_lock(&s->w.log_mu);
	log_flush_now(s);
	pthread_mutex_unlock(&s->w.log_mu);
}

static void *
worker(void *arg)
{
	struct nlp_server *s = arg;
	struct worker *w = &s->w;
	struct job *j;
	int behind;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->head == NULL && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->head == NULL)
			break;           /* stopped, and all done */
		j = w->head;
		if ((w->head = j->next) == NULL)
			w->tail = NULL;
		w->n--;
		w->bytes -= j->len;
		behind = w->n >= QUEUE_JOBS / 2 || w->bytes >= QUEUE_BYTES / 2;
		/* stalled until half the queue is written: a log that frees
		   a line now and then does not hold every text 2 s */
		if (!behind)
			w->stalled = 0;
		pthread_cond_broadcast(&w->room);
		pthread_mutex_unlock(&w->mu);
		work(s, j, behind);
		job_free(j);
		pthread_mutex_lock(&w->mu);
		if (w->head == NULL) {   /* idle: the log to the disk */
			pthread_mutex_unlock(&w->mu);
			log_flush(s);
			pthread_mutex_lock(&w->mu);
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* A job for text i of q, or NULL (out of memory). */
static struct job *
job_new(struct nlp_server *s, const struct nlp_sreq *q, size_t i,
    const struct nlp_sreq_result *r, struct served *v, const char *request,
    double now)
{
	struct job *j = calloc(1, sizeof *j);
	int text = s->shadow.arg != NULL || s->o.log_text;

	if (j == NULL)
		return NULL;
	j->time = now;
	snprintf(j->request, sizeof j->request, "%s", request);
	j->label = r->label;
	j->first = r->first;
	j->p = r->p;
	j->reason = r->reason;
	/* a multi-label answer without its labels would read as a
	   single-label one: lost (counted) rather than logged so */
	if ((q->id[i] != NULL && (j->id = strdup(q->id[i])) == NULL) ||
	    (text && (j->text = strdup(q->text[i])) == NULL) ||
	    (v->lm.m.multilabel && r->label >= 0 && (r->members == NULL ||
	    (j->members = strdup(r->members)) == NULL))) {
		job_free(j);
		return NULL;
	}
	j->len = text ? q->len[i] : 0;
	atomic_fetch_add(&v->refs, 1);
	j->primary = v;
	return j;
}

/* Is the queue too full for j?  (A job larger than the queue's bytes
 * goes into an empty one.) */
static int
full(const struct worker *w, const struct job *j)
{
	return w->n > 0 && (w->n >= QUEUE_JOBS || w->bytes + j->len >
	    QUEUE_BYTES);
}

/* Queue j, waiting for room until *until (NULL: not at all; a queue
 * stalled already: not either): 0, or -1 when there is none, -2 when the
 * queue stalled just now (said once: the other waiters woken to drop
 * their jobs too). */
static int
enqueue(struct worker *w, struct job *j, const struct timespec *until)
{
	int was;

	pthread_mutex_lock(&w->mu);
	while (full(w, j) && until != NULL && !w->stalled && !w->stop &&
	    pthread_cond_timedwait(&w->room, &w->mu, until) == 0)
		;
	if (full(w, j)) {
		was = w->stalled;
		if (until != NULL && !was) {
			w->stalled = 1;
			pthread_cond_broadcast(&w->room);
		}
		pthread_mutex_unlock(&w->mu);
		return until != NULL && !was ? -2 : -1;
	}
	if (w->tail != NULL)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	w->n++;
	w->bytes += j->len;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

/* A job the queue had no room for: dropped, counted (a lost log line, a
 * shadow not scored), and said when the queue has just stalled.  Never
 * written here: a log that is not being written must not hold the
 * answers. */
static void
overflow(struct nlp_server *s, struct job *j, int stalled_now)
{
	if (s->shadow.arg != NULL && j->label >= 0)
		atomic_fetch_add(&s->mx.shadow_skipped, 1);
	if (s->o.log_path != NULL) {
		atomic_fetch_add(&s->mx.log_errors, 1);
		if (stalled_now)
			nlp_srv_event(s, "log_error", "cannot write '%s' fast "
			    "enough: its queue stayed full for %d s; lines are "
			    "dropped, and counted, until half of it is written",
			    s->o.log_path, QUEUE_WAIT);
	}
	job_free(j);
}

void
nlp_srv_worker_add(struct nlp_server *s, const struct nlp_sreq *q,
    const struct nlp_sreq_result *res, struct served *v, const char *request)
{
	double now = nlp_srv_now();
	struct timespec until;
	struct job *j;
	size_t i;
	int rc;

	if (!s->w.running)
		return;
	/* one deadline for the request's texts: the answer waits QUEUE_WAIT
	   for the log at most, however many texts; without a log (the
	   shadow alone) not at all, the shadow skipping what finds no room */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)QUEUE_WAIT;
	for (i = 0; i < q->n; i++) {
		if ((j = job_new(s, q, i, &res[i], v, request, now)) == NULL) {
			atomic_fetch_add(&s->mx.log_errors, 1);
			continue;
		}
		if ((rc = enqueue(&s->w, j, s->o.log_path != NULL ? &until :
		    NULL)) < 0)
			overflow(s, j, rc == -2);
	}
}

/* Open the log for appending (close-on-exec); made 0600 (less the umask)
 * when it holds the texts (--log-text), users' words, else 0644. */
static FILE *
log_open(const struct nlp_server *s)
{
	/* not blocking: a FIFO no one reads fails (ENXIO) rather than
	   holding the start, or a SIGHUP's reopen, until someone does */
	int fd = open(s->o.log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NONBLOCK, s->o.log_text ? 0600 : 0644), fl;
	FILE *f;

	if (fd < 0)
		return NULL;
	if ((fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		int err = errno;
		close(fd);
		errno = err;
		return NULL;
	}
	if ((f = fdopen(fd, "a")) == NULL) {
		int err = errno;
		close(fd);
		errno = err;
		return NULL;
	}
	return f;
}

/* Why log_open() failed with errno err, in words: a FIFO no process
 * reads says so, where strerror(ENXIO) says "No such device or address". */
static const char *
log_open_why(const struct nlp_server *s, int err)
{
	struct stat st;

	return err == ENXIO && stat(s->o.log_path, &st) == 0 &&
	    S_ISFIFO(st.st_mode) ? "a FIFO that no process reads" :
	    strerror(err);
}

/* Make f the log, with the worker's buffer (which log_write() keeps from
 * filling: no write but of whole lines), the one before it closed.  With
 * log_mu held, or before the worker runs. */
static void
log_use(struct worker *w, FILE *f)
{
	w->log = f;
	/* glibc takes a size only with a buffer; without one it would write
	   every 4 KiB, cutting lines */
	w->log_cap = setvbuf(f, w->log_buf, _IOFBF, sizeof w->log_buf) == 0 ?
	    sizeof w->log_buf : 0;
}

void
nlp_srv_log_reopen(struct nlp_server *s)
{
	FILE *f;

	if (s->o.log_path == NULL)
		return;
	if ((f = log_open(s)) == NULL) {
		nlp_srv_event(s, "log_error", "cannot reopen '%s': %s; writing "
		    "on to the file open before", s->o.log_path,
		    log_open_why(s, errno));
		return;
	}
	pthread_mutex_lock(&s->w.log_mu);
	log_close(s);
	log_use(&s->w, f);
	s->w.log_failing = 0;
	pthread_mutex_unlock(&s->w.log_mu);
	nlp_srv_event(s, "log_reopened", "reopened '%s'", s->o.log_path);
}

int
nlp_srv_worker_start(struct nlp_server *s, struct nlp_err *e)
{
	struct worker *w = &s->w;

	if (s->o.log_path == NULL && s->shadow.arg == NULL)
		return NLP_OK;           /* nothing to do off the response path */
	if (s->o.log_path != NULL) {
		FILE *f = log_open(s);
		int err = errno;

		if (f == NULL)
			return nlp_errf(e, NLP_IO, "cannot open '%s': %s",
			    s->o.log_path, log_open_why(s, err));
		log_use(w, f);
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_mutex_init(&w->log_mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	pthread_cond_init(&w->room, NULL);
	if (pthread_create(&w->thread, NULL, worker, s) != 0) {
		if (w->log != NULL)
			fclose(w->log);
		w->log = NULL;
		return nlp_errf(e, NLP_IO, "cannot start a thread");
	}
	w->running = 1;
	return NLP_OK;
}

void
nlp_srv_worker_stop(struct nlp_server *s)
{
	struct worker *w = &s->w;

	if (!w->running)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_signal(&w->cv);
	pthread_cond_broadcast(&w->room);
	pthread_mutex_unlock(&w->mu);
	/* a log not being written (a FIFO whose reader stopped) holds the
	   worker in write(): not waited for past STOP_WAIT, the process
	   ending without it */
	if (nlp_srv_join(w->thread, STOP_WAIT) != 0) {
		if (s->o.log_path != NULL)
			nlp_srv_event(s, "log_error", "cannot write '%s': the "
			    "lines still queued are lost (the log did not take "
			    "them within %d s)", s->o.log_path, STOP_WAIT);
		else
			nlp_srv_event(s, "shadow_error", "the shadow's scoring "
			    "still queued did not end within %d s: left",
			    STOP_WAIT);
		return;
	}
	w->running = 0;
	if (w->log != NULL)
		log_close(s);
	nlp_scorer_release(&w->sc);
	free(w->probs);
	nlp_buf_release(&w->line);
	pthread_mutex_destroy(&w->mu);
	pthread_mutex_destroy(&w->log_mu);
	pthread_cond_destroy(&w->cv);
	pthread_cond_destroy(&w->room);
}

int
nlp_srv_join(pthread_t t, int seconds)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += seconds;
	return pthread_timedjoin_np(t, NULL, &until);
}
