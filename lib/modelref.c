/*
 * modelref.c - resolve and load a -m argument (see modelref.h).
 */
#include "modelref.h"

#include <stdio.h>
#include <string.h>

#include "artifact.h"

/*
 * An uncompressed artifact is covered byte for byte by its tar checksums,
 * zero padding and manifest, all checked as it loads; a gzip one is not (a
 * flipped byte in the gzip header inflates to the same tar).  Loading it
 * means inflating it anyway, so hashing the object costs little: do it,
 * and refuse bytes that are not what the registry stored.
 */
static int
check_gzip_object(struct nlp_loaded *l, const char *want, struct nlp_err *e)
{
	const unsigned char *b;
	char hex[NLP_SHA256_HEX];
	size_t len;

	b = nlp_artifact_bytes(l->a, &len);
	if (len < 2 || b[0] != 0x1f || b[1] != 0x8b)
		return NLP_OK;
	if (nlp_sha256_hex(b, len, hex) != 0)
		return nlp_errf(e, NLP_IO, "out of memory");
	if (strcmp(hex, want) != 0)
		return nlp_errf(e, NLP_DATA, "object %s is damaged: its SHA-256 "
		    "is %s", want, hex);
	return NLP_OK;
}

int
nlp_load_model(struct nlp_loaded *l, const char *arg, const char *regdir,
    struct nlp_err *e)
{
	struct nlp_registry *r;
	struct nlp_resolved res;
	struct nlp_ref ref;
	int rc;

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
	snprintf(l->display, sizeof l->display, "%s@%ld", res.name, res.version);
	snprintf(l->name, sizeof l->name, "%s", res.name);
	l->version = res.version;
	memcpy(l->sha256, res.sha256, sizeof l->sha256);
	rc = nlp_model_open(&l->m, &l->a, res.path, e);
	if (rc == NLP_OK && (rc = check_gzip_object(l, res.sha256, e)) != NLP_OK)
		nlp_loaded_close(l);
	if (rc != NLP_OK)
		nlp_err_prefix(e, "%s", l->display);
	return rc;
}

const char *
nlp_loaded_sha256(struct nlp_loaded *l)
{
	if (l->sha256[0] == '\0' && l->a != NULL) {
		size_t len;
		const void *bytes = nlp_artifact_bytes(l->a, &len);
		if (nlp_sha256_hex(bytes, len, l->sha256) != 0)
			l->sha256[0] = '\0';
	}
	return l->sha256;
}

void
nlp_loaded_close(struct nlp_loaded *l)
{
	nlp_model_release(&l->m);
	nlp_artifact_close(l->a);
	l->a = NULL;
}
