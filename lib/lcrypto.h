/*
 * lcrypto.h - OpenSSL's libcrypto, loaded the first time a command needs
 * it (dynlib.h): for SHA-256 (the data hashes of train, the registry's
 * objects, a pulled model's check) and for signing keys and signatures.
 * Its loading and relocation were half of every start of nlpops (6 ms of
 * 12 here), and predict, eval, drift, the registry's reads and every
 * usage error need none of it: a shell loop or a GNU parallel job calling
 * nlpops per chunk paid it each time.
 *
 * A file that includes this header calls libcrypto's functions as usual,
 * through the table (each name is a macro for its pointer), after
 * nlp_crypto_use() has said NLP_OK.
 */
#ifndef NLP_LCRYPTO_H
#define NLP_LCRYPTO_H

/* SHA-256's low-level interface: see digest.c */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "dynlib.h"
#include "error.h"

#define NLP_CRYPTO_FUNCS(X, a) \
	X(a, SHA256_Init) X(a, SHA256_Update) \
	X(a, SHA256_Final) X(a, OpenSSL_version) \
	X(a, OPENSSL_init_crypto) X(a, OSSL_LIB_CTX_get0_global_default) \
	X(a, BIO_ctrl) X(a, BIO_free) \
	X(a, BIO_new) X(a, BIO_new_mem_buf) \
	X(a, BIO_read) X(a, BIO_s_mem) \
	X(a, BIO_s_secmem) X(a, CRYPTO_free) \
	X(a, ERR_clear_error) X(a, ERR_error_string_n) \
	X(a, ERR_get_error) \
	X(a, ERR_peek_last_error) X(a, EVP_DigestSign) \
	X(a, EVP_DigestSignInit) X(a, EVP_DigestVerify) \
	X(a, EVP_DigestVerifyInit) X(a, EVP_MD_CTX_free) \
	X(a, EVP_MD_CTX_new) X(a, EVP_PKEY_Q_keygen) \
	X(a, EVP_PKEY_free) X(a, EVP_PKEY_get_id) \
	X(a, OPENSSL_cleanse) X(a, PEM_read_bio_PUBKEY) \
	X(a, PEM_read_bio_PrivateKey) X(a, PEM_write_bio_PUBKEY) \
	X(a, PEM_write_bio_PrivateKey) X(a, i2d_PUBKEY)

struct nlp_crypto_fns {
	NLP_CRYPTO_FUNCS(NLP_DYNLIB_PTR, nlp_crypto_fns)
};
extern struct nlp_crypto_fns nlp_crypto_fn;

/*
 * Load libcrypto once and check its SHA-256 against a known answer:
 * NLP_OK; NLP_IO with e naming the library and its Debian package (or
 * out of memory); NLP_BUG when the answer is wrong.  Thread-safe.
 */
int nlp_crypto_use(struct nlp_err *e);

#ifndef NLP_LCRYPTO_TABLE       /* lcrypto.c names the functions */
#define SHA256_Init (*nlp_crypto_fn.SHA256_Init)
#define SHA256_Update (*nlp_crypto_fn.SHA256_Update)
#define SHA256_Final (*nlp_crypto_fn.SHA256_Final)
#define OpenSSL_version (*nlp_crypto_fn.OpenSSL_version)
#define BIO_ctrl (*nlp_crypto_fn.BIO_ctrl)
#define BIO_free (*nlp_crypto_fn.BIO_free)
#define BIO_new (*nlp_crypto_fn.BIO_new)
#define BIO_new_mem_buf (*nlp_crypto_fn.BIO_new_mem_buf)
#define BIO_read (*nlp_crypto_fn.BIO_read)
#define BIO_s_mem (*nlp_crypto_fn.BIO_s_mem)
#define BIO_s_secmem (*nlp_crypto_fn.BIO_s_secmem)
#define CRYPTO_free (*nlp_crypto_fn.CRYPTO_free)
#define ERR_clear_error (*nlp_crypto_fn.ERR_clear_error)
#define ERR_error_string_n (*nlp_crypto_fn.ERR_error_string_n)
#define ERR_get_error (*nlp_crypto_fn.ERR_get_error)
#define ERR_peek_last_error (*nlp_crypto_fn.ERR_peek_last_error)
#define EVP_DigestSign (*nlp_crypto_fn.EVP_DigestSign)
#define EVP_DigestSignInit (*nlp_crypto_fn.EVP_DigestSignInit)
#define EVP_DigestVerify (*nlp_crypto_fn.EVP_DigestVerify)
#define EVP_DigestVerifyInit (*nlp_crypto_fn.EVP_DigestVerifyInit)
#define EVP_MD_CTX_free (*nlp_crypto_fn.EVP_MD_CTX_free)
#define EVP_MD_CTX_new (*nlp_crypto_fn.EVP_MD_CTX_new)
#define EVP_PKEY_Q_keygen (*nlp_crypto_fn.EVP_PKEY_Q_keygen)
#define EVP_PKEY_free (*nlp_crypto_fn.EVP_PKEY_free)
#define EVP_PKEY_get_id (*nlp_crypto_fn.EVP_PKEY_get_id)
#define OPENSSL_cleanse (*nlp_crypto_fn.OPENSSL_cleanse)
#define PEM_read_bio_PUBKEY (*nlp_crypto_fn.PEM_read_bio_PUBKEY)
#define PEM_read_bio_PrivateKey (*nlp_crypto_fn.PEM_read_bio_PrivateKey)
#define PEM_write_bio_PUBKEY (*nlp_crypto_fn.PEM_write_bio_PUBKEY)
#define PEM_write_bio_PrivateKey (*nlp_crypto_fn.PEM_write_bio_PrivateKey)
#define i2d_PUBKEY (*nlp_crypto_fn.i2d_PUBKEY)
#endif

#endif
