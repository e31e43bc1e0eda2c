/*
 * digest.h - SHA-256 (OpenSSL libcrypto) for data identity, and XXH3-128
 * (libxxhash) for fast member checksums inside artifacts.
 *
 * SHA-256 names data and artifacts the way sha256sum(1) does.  XXH3 is not
 * cryptographic; it guards against damage, at memory speed, so that loading
 * a model stays within milliseconds (the registry checks SHA-256 on push,
 * pull and verify).
 */
#ifndef NLP_DIGEST_H
#define NLP_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define NLP_SHA256_HEX 65   /* 64 hex digits and a NUL */
#define NLP_XXH128_HEX 33   /* 32 hex digits and a NUL */

struct nlp_sha256;          /* streaming SHA-256 state */

/*
 * SHA-256 loads libcrypto the first time it is asked for (lcrypto.h) and
 * checks it against a known answer; after that it needs no initialisation
 * that can fail: libcrypto's low-level interface allocates nothing.
 */

/* Allocate a streaming state; NULL when out of memory or libcrypto cannot
 * be loaded (nlp_sha256_why says which). */
struct nlp_sha256 *nlp_sha256_new(void);
void nlp_sha256_update(struct nlp_sha256 *s, const void *data, size_t len);
/* Write the lowercase hex digest to hex and free s. */
void nlp_sha256_final(struct nlp_sha256 *s, char hex[NLP_SHA256_HEX]);
/* Free a state that will not be finished (s may be NULL). */
void nlp_sha256_close(struct nlp_sha256 *s);

/* One-shot SHA-256 of a buffer, as hex: 0, or -1 and hex "" when
 * libcrypto cannot be loaded (nlp_sha256_why says why). */
int nlp_sha256_hex(const void *data, size_t len, char hex[NLP_SHA256_HEX]);

/* Why nlp_sha256_new or nlp_sha256_hex failed, into e: libcrypto could
 * not be loaded (NLP_IO naming it and its package; NLP_BUG if its answer
 * is wrong), else out of memory (NLP_IO).  Returns the status. */
int nlp_sha256_why(struct nlp_err *e);

/* SHA-256 of a whole file, as hex; returns NLP_OK or NLP_IO. */
int nlp_sha256_file(const char *path, char hex[NLP_SHA256_HEX], struct nlp_err *e);

/* XXH3-128 of a buffer, as 32 lowercase hex digits. */
void nlp_xxh128_hex(const void *data, size_t len, char hex[NLP_XXH128_HEX]);

/* 64-bit XXH3 with a seed, for hashing features. */
uint64_t nlp_xxh64(const void *data, size_t len, uint64_t seed);

#endif
