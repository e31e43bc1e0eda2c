/*
 * modelref.c - resolve and load a -m argument (see modelref.h).
 */
#include "modelref.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "artifact.h"
#include "store.h"

int
nlp_load_model(struct nlp_loaded *l, const char *arg, const char *regdir,
    struct nlp_err *e)
{
	struct nlp_registry *r;
	struct nlp_resolved res;
	struct nlp_ref ref;
	int rc, fd;

	memset(l, 0, sizeof *l);
	if (nlp_ref_is_path(arg)) {
		snprintf(l->display, sizeof l->display, "%s", arg);
		return nlp_model_open(&l->m, &l->a, arg, e);
	}
	if ((rc = nlp_ref_parse(arg, &ref, e)) != NLP_OK)
		return rc;
	if ((rc = nlp_registry_open(&r, regdir, 0, e)) != NLP_OK)
		return rc;
	rc = nlp_registry_resolve(r, &ref, &res, e);
	nlp_registry_close(r);
	if (rc != NLP_OK)
		return rc;
	/* through the registry's own directories, never a symbolic link */
	if ((rc = nlp_store_open(regdir, res.sha256, &fd, e)) != NLP_OK) {
		nlp_err_prefix(e, "%s@%ld", res.name, res.version);
		return rc;
	}
	snprintf(l->display, sizeof l->display, "%s@%ld", res.name, res.version);
	snprintf(l->name, sizeof l->name, "%s", res.name);
	l->version = res.version;
	rc = nlp_model_open_fd(&l->m, &l->a, fd, res.path, e);
	close(fd);
	/*
	 * The bytes must be the version's: an object file replaced by
	 * another valid artifact loads fine, and would be used (and have
	 * evaluations recorded against the version) without a word.  The
	 * SHA-256 of our own copy of the bytes (SHA-NI: about 1.4 GB/s).
	 */
	if (rc == NLP_OK && strcmp(nlp_artifact_sha256(l->a), res.sha256) != 0) {
		rc = nlp_errf(e, NLP_DATA, "object '%s' is damaged: its SHA-256 "
		    "is %s, the version's %s (changed or replaced)", res.path,
		    nlp_artifact_sha256(l->a), res.sha256);
		nlp_loaded_close(l);
	}
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
nlp_loaded_close(struct nlp_loaded *l)
{
	nlp_model_release(&l->m);
	nlp_artifact_close(l->a);
	l->a = NULL;
}
