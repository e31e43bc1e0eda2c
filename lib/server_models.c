/*
 * server_models.c - the versions `nlpops serve` has in service, and the
 * thread that follows the registry: when the alias moves, the new
 * version is loaded and verified beside the old one and swapped in; the
 * requests that hold the old one finish on it (server_internal.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "artifact.h"
#include "modelsig.h"
#include "server_internal.h"

/* A version that failed to load is tried again after this many seconds
 * (or at once on SIGHUP, or when the alias has moved away and back). */
#define FAILED_RETRY 60.0

struct served *
nlp_srv_acquire(struct slot *sl)
{
	struct served *v;

	pthread_mutex_lock(&sl->mu);
	if ((v = sl->cur) != NULL)
		atomic_fetch_add(&v->refs, 1);
	pthread_mutex_unlock(&sl->mu);
	return v;
}

void
nlp_srv_release(struct served *v)
{
	if (v != NULL && atomic_fetch_sub(&v->refs, 1) == 1) {
		nlp_loaded_release(&v->lm);
		free(v);
	}
}

/* Load what (a path, or NAME@VERSION) and check its signature. */
static int
load(struct nlp_server *s, const char *what, struct served **out,
    struct nlp_err *e)
{
	struct served *v = calloc(1, sizeof *v);
	/* its SHA-256 (in /v1/model, and the registry's check) on a second
	   CPU while it is checked */
	struct nlp_artifact_opts ao = { s->o.threads, 1 };
	size_t i;
	int rc;

	*out = NULL;
	if (v == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	rc = nlp_load_model_opts(&v->lm, what, s->o.regdir, &ao, e);
	if (rc == NLP_OK && s->o.trust != NULL)
		rc = nlp_modelsig_check(s->o.trust, &v->lm, s->o.regdir, e);
	if (rc != NLP_OK) {
		nlp_loaded_release(&v->lm);
		free(v);
		return rc;
	}
	atomic_init(&v->refs, 1);
	v->loaded_at = nlp_srv_now();
	snprintf(v->sha256, sizeof v->sha256, "%s", nlp_loaded_sha256(&v->lm));
	for (i = 0; i < v->lm.m.nclasses; i++)
		if (strlen(v->lm.m.labels[i]) > v->longest_label)
			v->longest_label = strlen(v->lm.m.labels[i]);
	*out = v;
	return NLP_OK;
}

int
nlp_srv_slot_init(struct nlp_server *s, struct slot *sl, const char *arg,
    const char *role, struct nlp_err *e)
{
	struct nlp_ref ref;
	int rc;

	sl->arg = arg;
	sl->role = role;
	if (!nlp_modelref_is_path(arg)) {
		if ((rc = nlp_modelref_parse(arg, &ref, e)) != NLP_OK)
			return rc;
		sl->follows = ref.version == 0;
	}
	if ((rc = load(s, arg, &sl->cur, e)) != NLP_OK)
		return rc;
	return NLP_OK;
}

void
nlp_srv_slot_release(struct slot *sl)
{
	nlp_srv_release(sl->cur);
	sl->cur = NULL;
}

/* What the alias of sl names now. */
static int
resolve(struct nlp_server *s, struct slot *sl, struct nlp_resolved *res,
    struct nlp_err *e)
{
	struct nlp_registry *r;
	struct nlp_ref ref;
	int rc;

	if ((rc = nlp_modelref_parse(sl->arg, &ref, e)) != NLP_OK ||
	    (rc = nlp_registry_open(&r, s->o.regdir, 0, e)) != NLP_OK)
		return rc;
	rc = nlp_registry_resolve(r, &ref, res, e);
	nlp_registry_close(r);
	return rc;
}

/* Put v in service in sl, in place of what was there. */
static void
swap(struct nlp_server *s, struct slot *sl, struct served *v, double t0)
{
	struct served *old;

	pthread_mutex_lock(&sl->mu);
	old = sl->cur;
	sl->cur = v;
	pthread_mutex_unlock(&sl->mu);
	atomic_fetch_add(&s->mx.reloads, 1);
	sl->failed[0] = '\0';
	nlp_srv_event(s, "reload", "%s: now serving %s (sha256 %.12s), was %s "
	    "(sha256 %.12s); loaded in %.3f s", sl->role, v->lm.display,
	    v->sha256, old->lm.display, old->sha256, nlp_srv_now() - t0);
	nlp_srv_release(old);
}

/* The version to load into sl, in what: 1 when there is one. */
static int
wanted(struct nlp_server *s, struct slot *sl, int force, char *what,
    size_t size, char *sha)
{
	struct nlp_resolved res;
	struct nlp_err e;

	sha[0] = '\0';
	if (!sl->follows) {       /* a file: reread on SIGHUP */
		snprintf(what, size, "%s", sl->arg);
		return force && nlp_modelref_is_path(sl->arg);
	}
	if (resolve(s, sl, &res, &e) != NLP_OK) {
		if (!sl->registry_failing) {
			nlp_srv_event(s, "registry_error", "%s: cannot look up %s: "
			    "%s; %s keeps serving", sl->role, sl->arg, e.msg,
			    sl->cur->lm.display);
			atomic_fetch_add(&s->mx.lookup_failing, 1);
		}
		sl->registry_failing = 1;
		return 0;
	}
	if (sl->registry_failing) {
		nlp_srv_event(s, "registry_error", "%s: %s can be looked up "
		    "again", sl->role, sl->arg);
		atomic_fetch_sub(&s->mx.lookup_failing, 1);
	}
	sl->registry_failing = 0;
	/* an alias moved away from the version that failed: one moved back
	   to it later is tried again (its object may be whole by then) */
	if (strcmp(res.sha256, sl->failed) != 0)
		sl->failed[0] = '\0';
	if (res.version == sl->cur->lm.version &&
	    strcmp(res.sha256, sl->cur->sha256) == 0)
		return 0;
	/* failed already: not every second, but again after a minute, the
	   cause may have passed (a connection lost, descriptors short) */
	if (!force && strcmp(res.sha256, sl->failed) == 0 &&
	    nlp_srv_now() - sl->failed_at < FAILED_RETRY)
		return 0;
	snprintf(what, size, "%s@%ld", res.name, res.version);
	snprintf(sha, NLP_SHA256_HEX, "%s", res.sha256);
	return 1;
}

/* Look at what sl should serve and reload it when it changed. */
static void
check(struct nlp_server *s, struct slot *sl, int force)
{
	char what[NLP_NAME_MAX + 4096], sha[NLP_SHA256_HEX];
	struct served *v;
	struct nlp_err e;
	double t0 = nlp_srv_now();

	if (!wanted(s, sl, force, what, sizeof what, sha))
		return;
	if (load(s, what, &v, &e) != NLP_OK) {
		atomic_fetch_add(&s->mx.reload_failures, 1);
		snprintf(sl->failed, sizeof sl->failed, "%s", sha);
		sl->failed_at = nlp_srv_now();
		nlp_srv_event(s, "reload_failed", "%s: cannot load %s: %s; %s "
		    "keeps serving", sl->role, what, e.msg, sl->cur->lm.display);
		return;
	}
	if (!sl->follows && strcmp(v->sha256, sl->cur->sha256) == 0) {
		nlp_srv_release(v);      /* the same file: nothing to swap */
		return;
	}
	swap(s, sl, v, t0);
}

/* The reloader: a look every o.poll seconds, and at once on SIGHUP. */
static void *
reloader(void *arg)
{
	struct nlp_server *s = arg;
	struct timespec ts;
	int force;

	pthread_mutex_lock(&s->rmu);
	while (!s->stop) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += (time_t)s->o.poll;
		ts.tv_nsec += (long)((s->o.poll - (double)(time_t)s->o.poll) * 1e9);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		while (!s->stop && !s->hup && pthread_cond_timedwait(&s->rcv,
		    &s->rmu, &ts) != ETIMEDOUT)
			;
		if (s->stop)
			break;
		force = s->hup;
		s->hup = 0;
		pthread_mutex_unlock(&s->rmu);
		if (force)
			nlp_srv_log_reopen(s);
		check(s, &s->model, force);
		if (s->shadow.arg != NULL)
			check(s, &s->shadow, force);
		pthread_mutex_lock(&s->rmu);
	}
	pthread_mutex_unlock(&s->rmu);
	return NULL;
}

int
nlp_srv_reloader_start(struct nlp_server *s)
{
	if (pthread_create(&s->reloader, NULL, reloader, s) != 0)
		return -1;
	s->reloader_running = 1;
	return 0;
}

void
nlp_srv_reloader_stop(struct nlp_server *s)
{
	if (!s->reloader_running)
		return;
	pthread_mutex_lock(&s->rmu);
	s->stop = 1;
	pthread_cond_signal(&s->rcv);
	pthread_mutex_unlock(&s->rmu);
	/* a registry lookup that does not answer (a table locked, a server
	   gone silent: up to its lock or statement timeout) is not waited
	   for past STOP_WAIT: the process ends without it */
	if (nlp_srv_join(s->reloader, STOP_WAIT) != 0) {
		nlp_srv_event(s, "reload_error", "the reload in progress (a "
		    "registry lookup, a model's load) did not end within %d s: "
		    "not waited for", STOP_WAIT);
		return;
	}
	s->reloader_running = 0;
}
