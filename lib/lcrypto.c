/*
 * lcrypto.c - libcrypto, loaded when first needed (lcrypto.h).
 */
#define NLP_LCRYPTO_TABLE
#include "lcrypto.h"

#include <stdatomic.h>
#include <string.h>

struct nlp_crypto_fns nlp_crypto_fn;

NLP_DYNLIB_LOADER(crypto, NLP_CRYPTO_FUNCS, nlp_crypto_fns, nlp_crypto_fn,
    "libcrypto.so.3", "SHA-256 and signing keys", "libssl3");

int
nlp_crypto_use(struct nlp_err *e)
{
	static atomic_int checked;      /* 0 not yet, 1 right, -1 wrong */
	static const unsigned char abc[SHA256_DIGEST_LENGTH] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41,
		0x40, 0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3,
		0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00,
		0x15, 0xad
	};
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256_CTX c;
	int rc = nlp_dynlib_use(&crypto_lib, e), st;

	if (rc != NLP_OK)
		return rc;
	/* its default context made at once, its failure said: left to be
	   made on first use, one that failed for want of memory (its lock)
	   is used all the same, and the next call crashes on it (OpenSSL
	   3.0); once failed, it fails again on every call.  Its
	   configuration is loaded when signing needs it, not here: a file
	   it refuses is no reason to refuse a SHA-256 */
	if (nlp_crypto_fn.OPENSSL_init_crypto(0, NULL) != 1 ||
	    nlp_crypto_fn.OSSL_LIB_CTX_get0_global_default() == NULL)
		return nlp_errf(e, NLP_IO, "cannot start libcrypto: out of "
		    "memory");
	/* the known answer for "abc" (FIPS 180-2): the code that runs on
	   this CPU is right (two threads may both ask: the same answer) */
	if ((st = atomic_load(&checked)) == 0) {
		st = nlp_crypto_fn.SHA256_Init(&c) == 1 &&
		    nlp_crypto_fn.SHA256_Update(&c, "abc", 3) == 1 &&
		    nlp_crypto_fn.SHA256_Final(md, &c) == 1 &&
		    memcmp(md, abc, sizeof md) == 0 ? 1 : -1;
		atomic_store(&checked, st);
	}
	if (st < 0)
		return nlp_errf(e, NLP_BUG, "libcrypto's SHA-256 gives a wrong "
		    "answer");
	return NLP_OK;
}
