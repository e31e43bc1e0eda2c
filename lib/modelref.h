/*
 * modelref.h - model references and loading the model a -m argument
 * names: a path to an artifact, or a registry reference (NAME,
 * NAME@VERSION, NAME@ALIAS).  Every command that takes -m goes through
 * here.  (registry.h comes with it: a reference is resolved there.)
 */
#ifndef NLP_MODELREF_H
#define NLP_MODELREF_H

#include "digest.h"
#include "error.h"
#include "model.h"
#include "registry.h"

/* A parsed model reference: NAME, NAME@VERSION or NAME@ALIAS. */
struct nlp_ref {
	char name[NLP_NAME_MAX + 1];
	char alias[NLP_NAME_MAX + 1];   /* "" when a version is given */
	long version;                   /* 0 when an alias is given */
};

/*
 * Parse a reference; bare NAME means NAME@production.  Malformed ("spam@",
 * "@x", "a b") is NLP_USAGE.
 */
int nlp_modelref_parse(const char *s, struct nlp_ref *ref, struct nlp_err *e);

/*
 * Does a -m argument name a file rather than a registry reference?  A path
 * (it contains '/'), a name ending like an artifact's (the endings of
 * nlp_registry_file_suffix(), which push refuses in a model name), or an
 * existing file other than a directory (never a model).  So a mistyped
 * file name is "no such file", not a registry's "no model".
 */
int nlp_modelref_is_path(const char *s);

/*
 * Is there something for arg to name?  *exists = 0 when arg is a registry
 * reference and the registry at regdir has no model of that name, or the
 * model no such alias and never had one (its history: an alias deleted,
 * or gone with its version, exists, for the load to say so) -- what a
 * first deployment meets, before any version was made production -- and
 * why says which (whysize bytes).  A path, and a version number, are
 * taken to exist (loading them says whether they do).  Returns NLP_OK, or
 * the error of reaching the registry (a registry that is not there,
 * unreadable or busy is no answer), or NLP_REGISTRY when the name or
 * alias is near one that exists (the same but for case, or one or two
 * letters): a typo, never a first deployment.
 */
int nlp_modelref_exists(const char *arg, const char *regdir, int *exists,
    char *why, size_t whysize, struct nlp_err *e);

struct nlp_loaded {
	struct nlp_model m;
	struct nlp_artifact *a;
	char display[NLP_NAME_MAX + 32 + 4096];  /* "spam@7" or the path */
	char name[NLP_NAME_MAX + 1];             /* registry name, or "" */
	long version;                            /* registry version, or 0 */
};

/*
 * Load the model arg names.  A path (see nlp_modelref_is_path) is opened
 * as a file; anything else is resolved in the registry at regdir (which is
 * only opened then).  The artifact is verified against its manifest before use,
 * and a registry version's bytes against the SHA-256 the registry recorded
 * (another valid artifact in its place is NLP_DATA).  Returns NLP_OK,
 * NLP_USAGE (malformed reference), NLP_REGISTRY (no such model, version or
 * alias), NLP_DATA (damaged or replaced artifact), NLP_IO.
 */
int nlp_load_model(struct nlp_loaded *l, const char *arg, const char *regdir,
    struct nlp_err *e);

/* Same, the artifact read as o asks (artifact.h: threads > 1 reads a
 * large one in two halves at once, and a registry version's SHA-256 is
 * then computed on a second thread while the artifact is checked). */
struct nlp_artifact_opts;
int nlp_load_model_opts(struct nlp_loaded *l, const char *arg,
    const char *regdir, const struct nlp_artifact_opts *o, struct nlp_err *e);

/* The SHA-256 of the artifact's bytes as they were loaded and checked
 * (for a registry reference, checked against the version's too). */
const char *nlp_loaded_sha256(const struct nlp_loaded *l);

/* Free what nlp_load_model() filled l with (a zeroed l may be
 * released). */
void nlp_loaded_release(struct nlp_loaded *l);

#endif
