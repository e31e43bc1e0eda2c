/*
 * version.h - nlpops' version and the versions of the libraries it runs
 * with (SQLite, libarchive, OpenSSL, jansson), for `nlpops --version`.
 */
#ifndef NLP_VERSION_H
#define NLP_VERSION_H

#include <stddef.h>

const char *nlp_version(void);

/* "sqlite 3.40.1, libarchive 3.6.2 ..., OpenSSL 3.0.19 ..., jansson 2.14" */
void nlp_library_versions(char *buf, size_t size);

#endif
