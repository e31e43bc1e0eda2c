/*
 * modelref.c - parse a model reference; resolve and load a -m argument
 * (see modelref.h).
 */
#include "modelref.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact.h"
#include "digest.h"
#include "store.h"
#include "text.h"

int
nlp_modelref_parse(const char *s, struct nlp_ref *ref, struct nlp_err *e)
{
	const char *at = strchr(s, '@');
	size_t n = at ? (size_t)(at - s) : strlen(s);

	memset(ref, 0, sizeof *ref);
	if (n == 0 || n > NLP_NAME_MAX)
		return nlp_errf(e, NLP_USAGE, "'%s' is not a model reference "
		    "(NAME, NAME@VERSION or NAME@ALIAS)", s);
	memcpy(ref->name, s, n);
	if (!nlp_registry_valid_name(ref->name) || (at && strchr(at + 1, '@')))
		return nlp_errf(e, NLP_USAGE, "'%s' is not a model reference "
		    "(NAME, NAME@VERSION or NAME@ALIAS)", s);
	if (at == NULL) {
		strcpy(ref->alias, "production");
		return NLP_OK;
	}
	if (at[1] >= '0' && at[1] <= '9' && at[1 + strspn(at + 1,
	    "0123456789")] == '\0') {
		char *end;
		errno = 0;
		ref->version = strtol(at + 1, &end, 10);
		if (*end == '\0' && errno == 0 && ref->version > 0 &&
		    ref->version <= NLP_VERSION_MAX)
			return NLP_OK;
	} else if (nlp_registry_valid_alias(at + 1)) {
		strcpy(ref->alias, at + 1);
		return NLP_OK;
	}
	return nlp_errf(e, NLP_USAGE, "'%s' is not a model reference (NAME, "
	    "NAME@VERSION or NAME@ALIAS)", s);
}

int
nlp_modelref_is_path(const char *s)
{
	struct stat sb;

	/* a directory is never a model: -m man in a source tree with a man/
	   is the registry's model 'man' */
	return strchr(s, '/') != NULL || nlp_registry_file_suffix(s) > 0 ||
	    (stat(s, &sb) == 0 && !S_ISDIR(sb.st_mode));
}

/* Is a b cut short inside a word ("prod" of "production"; not "prod" of
 * "prod-eu", where a word ends, nor "production" of "prod")? */
static int
abbreviates(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	return na >= 2 && na < nb && strncasecmp(a, b, na) == 0 &&
	    isalnum((unsigned char)b[na]) && isalnum((unsigned char)b[na - 1]);
}

/* A name that is not there but near one that is (in case, or by a letter
 * or two; with cut, also cut short: "prod" of an alias "production" there
 * is) is a typo, not a first deployment: NLP_REGISTRY, else NLP_OK. */
static int
not_a_typo(const char *given, const char *there, const char *what, int cut,
    struct nlp_err *e)
{
	if (strcasecmp(given, there) != 0 &&
	    nlp_text_distance(given, there) > 2 &&
	    (!cut || !abbreviates(given, there)))
		return NLP_OK;
	return nlp_errf(e, NLP_REGISTRY, "no %s '%s'; did you mean '%s'? (so "
	    "near, it is taken for a typo, not for one still to come)", what,
	    given, there);
}

int
nlp_modelref_exists(const char *arg, const char *regdir, int *exists,
    char *why, size_t whysize, struct nlp_err *e)
{
	struct nlp_registry_models models = { NULL, 0 };
	const struct nlp_registry_model *m = NULL;
	struct nlp_registry *r;
	struct nlp_ref ref;
	size_t i;
	int rc;

	*exists = 1;
	if (whysize > 0)
		why[0] = '\0';
	if (nlp_modelref_is_path(arg))
		return NLP_OK;
	if ((rc = nlp_modelref_parse(arg, &ref, e)) != NLP_OK)
		return rc;
	if ((rc = nlp_registry_open(&r, regdir, 0, e)) != NLP_OK)
		return rc;
	if ((rc = nlp_registry_list(r, &models, e)) != NLP_OK) {
		nlp_registry_close(r);
		return rc;
	}
	for (i = 0; i < models.n && m == NULL; i++)
		if (strcmp(models.v[i].name, ref.name) == 0)
			m = &models.v[i];
	if (m == NULL) {
		for (i = 0; i < models.n && rc == NLP_OK; i++)
			rc = not_a_typo(ref.name, models.v[i].name, "model", 0,
			    e);
		*exists = 0;
		snprintf(why, whysize, "no model '%s' in the registry", ref.name);
	} else if (ref.alias[0] != '\0') {
		*exists = 0;
		for (i = 0; i < m->naliases; i++)
			if (strcmp(m->aliases[i].alias, ref.alias) == 0)
				*exists = 1;
		for (i = 0; i < m->naliases && rc == NLP_OK && !*exists; i++)
			rc = not_a_typo(ref.alias, m->aliases[i].alias, "alias",
			    1, e);
		/* production, the alias every deployment has, even before */
		if (rc == NLP_OK && !*exists &&
		    strcmp(ref.alias, "production") != 0)
			rc = not_a_typo(ref.alias, "production", "alias", 0, e);
		/* an alias the history has moved: not a first deployment
		   but one whose alias was deleted (or its version removed),
		   which the load then says */
		if (rc == NLP_OK && !*exists) {
			struct nlp_registry_events ev = { NULL, 0 };
			rc = nlp_registry_history(r, ref.name, ref.alias, &ev, e);
			*exists = rc == NLP_OK && ev.n > 0;
			nlp_registry_events_release(&ev);
		}
		if (!*exists)
			snprintf(why, whysize, "model '%s' has no alias '%s' yet",
			    ref.name, ref.alias);
	}
	nlp_registry_close(r);
	nlp_registry_models_release(&models);
	if (rc != NLP_OK)
		*exists = 1;
	return rc;
}

/* Load the version res names from r (l->display set first). */
static int
open_version(struct nlp_loaded *l, struct nlp_registry *r,
    struct nlp_resolved *res, const struct nlp_artifact_opts *o,
    struct nlp_err *e)
{
	struct nlp_artifact_opts ro = { 1, 1 };
	int rc, fd;

	snprintf(l->display, sizeof l->display, "%s@%ld", res->name,
	    res->version);
	snprintf(l->name, sizeof l->name, "%s", res->name);
	l->version = res->version;
	if ((rc = nlp_registry_object_open(r, res, &fd, e)) != NLP_OK)
		return rc;
	if (o != NULL)
		ro.threads = o->threads;  /* hashed as it is checked: below */
	rc = nlp_model_open_fd(&l->m, &l->a, fd, res->path, &ro, e);
	close(fd);
	/*
	 * The bytes must be the version's: an object file replaced by
	 * another valid artifact loads fine, and would be used (and have
	 * evaluations recorded against the version) without a word.  The
	 * SHA-256 of our own copy of the bytes (SHA-NI: about 1.4 GB/s).
	 */
	if (rc == NLP_OK && nlp_artifact_sha256(l->a)[0] == '\0') {
		rc = nlp_sha256_why(e);
		nlp_loaded_release(l);
	} else if (rc == NLP_OK && strcmp(nlp_artifact_sha256(l->a),
	    res->sha256) != 0) {
		rc = nlp_errf(e, NLP_DATA, "object '%s' is damaged: its SHA-256 "
		    "is %s, the version's %s (changed or replaced)", res->path,
		    nlp_artifact_sha256(l->a), res->sha256);
		nlp_loaded_release(l);
	}
	return rc;
}

int
nlp_load_model(struct nlp_loaded *l, const char *arg, const char *regdir,
    struct nlp_err *e)
{
	return nlp_load_model_opts(l, arg, regdir, NULL, e);
}

int
nlp_load_model_opts(struct nlp_loaded *l, const char *arg, const char *regdir,
    const struct nlp_artifact_opts *o, struct nlp_err *e)
{
	struct nlp_registry *r;
	struct nlp_resolved res;
	struct nlp_ref ref;
	int rc;

	memset(l, 0, sizeof *l);
	if (nlp_modelref_is_path(arg)) {
		snprintf(l->display, sizeof l->display, "%s", arg);
		rc = nlp_model_open(&l->m, &l->a, arg, o, e);
		/* its SHA-256 asked for (a profile's, serve's answers): made
		   now, and a failure to is out of memory, never an empty hash
		   passed on (a registry version's is checked in
		   open_version()) */
		if (rc == NLP_OK && o != NULL && o->sha256 &&
		    nlp_artifact_sha256(l->a)[0] == '\0') {
			nlp_loaded_release(l);
			return nlp_errf(e, NLP_IO, "'%s': out of memory for its "
			    "SHA-256", arg);
		}
		return rc;
	}
	if ((rc = nlp_modelref_parse(arg, &ref, e)) != NLP_OK)
		return rc;
	if ((rc = nlp_registry_open(&r, regdir, 0, e)) != NLP_OK)
		return rc;
	if ((rc = nlp_registry_resolve(r, &ref, &res, e)) != NLP_OK) {
		nlp_registry_close(r);
		return rc;
	}
	rc = open_version(l, r, &res, o, e);
	/* a cached copy found wrong is fetched again, once */
	if (rc == NLP_DATA && nlp_registry_object_evict(r, &res))
		rc = open_version(l, r, &res, o, e);
	nlp_registry_close(r);
	if (rc != NLP_OK)
		nlp_err_prefix(e, "%s", l->display);
	return rc;
}

const char *
nlp_loaded_sha256(const struct nlp_loaded *l)
{
	return l->a != NULL ? nlp_artifact_sha256(l->a) : "";
}

void
nlp_loaded_release(struct nlp_loaded *l)
{
	nlp_model_release(&l->m);
	nlp_artifact_close(l->a);
	l->a = NULL;
}
