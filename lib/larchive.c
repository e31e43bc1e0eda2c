/*
 * larchive.c - libarchive, loaded when first needed (larchive.h).
 */
#define NLP_LARCHIVE_TABLE
#include "larchive.h"

struct nlp_archive_fns nlp_archive_fn;

NLP_DYNLIB_LOADER(archive, NLP_ARCHIVE_FUNCS, nlp_archive_fns, nlp_archive_fn,
    "libarchive.so.13",
    "writing artifacts and bundles and reading compressed input",
    "libarchive13");

int
nlp_archive_use(struct nlp_err *e)
{
	return nlp_dynlib_use(&archive_lib, e);
}
