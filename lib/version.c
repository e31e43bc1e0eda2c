/*
 * version.c - version strings, asked of the libraries at run time.
 */
#include "version.h"

#include <stdio.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <sqlite3.h>

#include "larchive.h"

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
	    OpenSSL_version(OPENSSL_VERSION), jansson_version_str());
}
