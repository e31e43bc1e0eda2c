/*
 * modelsig.c - a loaded model's signature, found and checked against a
 * trusted set (see modelsig.h).
 */
#include "modelsig.h"

#include <stdio.h>
#include <string.h>

#include "artifact.h"
#include "registry.h"

int
nlp_modelsig_of_version(const char *regdir, const char *name, long version,
    char buf[NLP_SIG_MAX], size_t *len, struct nlp_err *e)
{
	struct nlp_registry *r;
	int rc;

	*len = 0;
	buf[0] = '\0';
	if ((rc = nlp_registry_open(&r, regdir, 0, e)) != NLP_OK)
		return rc;
	rc = nlp_registry_signature(r, name, version, buf, NLP_SIG_MAX, len, e);
	nlp_registry_close(r);
	return rc;
}

/* The signature of a model loaded from a file: FILE.sig. */
static int
file_signature(const struct nlp_loaded *l, char buf[NLP_SIG_MAX],
    size_t *len, char *label, size_t lsize, struct nlp_err *e)
{
	char path[sizeof l->display + sizeof NLP_SIG_SUFFIX];
	int found, rc;

	if (nlp_signature_path(l->display, path, sizeof path) != 0)
		return nlp_errf(e, NLP_IO, "'%s': name too long for its "
		    "signature's", l->display);
	snprintf(label, lsize, "'%s'", path);
	if ((rc = nlp_signature_read(path, buf, len, &found, e)) != NLP_OK)
		return rc;
	if (!found)
		return nlp_errf(e, NLP_DATA, "not signed: no '%s' beside it",
		    path);
	return NLP_OK;
}

int
nlp_modelsig_check(const struct nlp_trust *t, const struct nlp_loaded *l,
    const char *regdir, struct nlp_err *e)
{
	char buf[NLP_SIG_MAX], label[sizeof l->display + 32];
	size_t len = 0;
	int rc;

	if (l->name[0] != '\0') {
		snprintf(label, sizeof label, "the signature of %s", l->display);
		rc = nlp_modelsig_of_version(regdir, l->name, l->version, buf,
		    &len, e);
		if (rc == NLP_OK && len == 0)
			rc = nlp_errf(e, NLP_DATA, "not signed: the registry has "
			    "no signature of %s", l->display);
	} else
		rc = file_signature(l, buf, &len, label, sizeof label, e);
	if (rc == NLP_OK)
		rc = nlp_trust_check_artifact(t, l->a, buf, len, label, NULL, e);
	if (rc != NLP_OK && l->name[0] != '\0')
		nlp_err_prefix(e, "model %s", l->display);
	else if (rc != NLP_OK)
		nlp_err_prefix(e, "model '%s'", l->display);
	return rc;
}
