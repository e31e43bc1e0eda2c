/*
 * modelsig.h - is a loaded model (modelref.h) signed by a trusted key?
 *
 * A model's signature (sign.h) is found where the model came from: for an
 * artifact file FILE, the file FILE.sig beside it (the name as given,
 * not a symbolic link's target); for a registry version, the signature
 * stored with the version.  Commands call nlp_modelsig_check() after
 * nlp_load_model() when a trusted set is given (--trust,
 * NLPOPS_TRUSTED_KEYS); loading itself never asks for a signature.
 */
#ifndef NLP_MODELSIG_H
#define NLP_MODELSIG_H

#include <stddef.h>

#include "error.h"
#include "modelref.h"
#include "sign.h"

/*
 * The signature stored with registry version name@version in the
 * registry at regdir: its text into buf (NLP_SIG_MAX bytes), *len its
 * length, 0 when the version has none.  NLP_OK, or the registry's error.
 *
 * A version pushed without --sign has none: under a trusted set it is
 * refused as not signed.
 */
int nlp_modelsig_of_version(const char *regdir, const char *name,
    long version, char buf[NLP_SIG_MAX], size_t *len, struct nlp_err *e);

/*
 * Check that the model in l (loaded from a file, or from the registry at
 * regdir) was signed by a key in t: NLP_OK; NLP_DATA naming the model and,
 * when it is signed, the key ("model 'm.nlp': signed by key 3f2a…, which
 * is not a trusted key"; "… is not signed: no 'm.nlp.sig'"); NLP_IO (a
 * signature file that cannot be read).  An empty t trusts nothing: every
 * model is refused.
 */
int nlp_modelsig_check(const struct nlp_trust *t, const struct nlp_loaded *l,
    const char *regdir, struct nlp_err *e);

#endif
