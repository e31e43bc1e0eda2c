/*
 * version.c - version strings, asked of the libraries at run time.
 */
#include "version.h"

#include <stdio.h>

#include <jansson.h>
#include <sqlite3.h>

#include "larchive.h"
#include "lcrypto.h"

const char *
nlp_version(void)
{
	return NLP_VERSION;
}

void
nlp_library_versions(char *buf, size_t size)
{
	struct nlp_err e;

	snprintf(buf, size, "SQLite %s, %s, %s, jansson %s",
	    sqlite3_libversion(), nlp_archive_use(&e) == NLP_OK ?
	    archive_version_string() : "libarchive (not found)",
	    nlp_crypto_use(&e) == NLP_OK ? OpenSSL_version(OPENSSL_VERSION) :
	    "OpenSSL (not found)", jansson_version_str());
}
