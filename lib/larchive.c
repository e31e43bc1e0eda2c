/*
 * larchive.c - libarchive, loaded when first needed (larchive.h).
 */
#define NLP_LARCHIVE_TABLE
#include "larchive.h"

struct nlp_archive_fns nlp_archive_fn;

static const struct nlp_dynsym syms[] = {
	NLP_ARCHIVE_FUNCS(NLP_DYNLIB_SYM, nlp_archive_fns)
};

static struct nlp_dynlib lib = { "libarchive.so.13",
    "writing artifacts and bundles and reading compressed input",
    "libarchive13", syms, sizeof syms / sizeof syms[0], &nlp_archive_fn,
    0, "" };

int
nlp_archive_use(struct nlp_err *e)
{
	return nlp_dynlib_use(&lib, e);
}
