/*
 * digest.c - SHA-256 (libcrypto, low-level) and XXH3 (libxxhash).
 */
#include "digest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * SHA-256 through libcrypto's low-level interface, deprecated in OpenSSL
 * 3.0 but kept there, with the same SHA-NI/AVX2 code as EVP: it works on
 * a caller's struct and allocates nothing.  EVP's digests fetch their
 * implementation from a provider on first use, and under memory pressure
 * that lazy initialisation left a NULL lock behind and crashed the next
 * call (OpenSSL 3.0.x).  libcrypto is loaded on the first hash
 * (lcrypto.h), which also checks it against a known answer.
 */
#include "lcrypto.h"
#define XXH_INLINE_ALL
#include <xxhash.h>
/*
 * libxxhash's build picks XXH3's widest code for the CPU it runs on (AVX2,
 * AVX-512) where it can; the inline code above is SSE2's: the checksums of
 * a loaded model's members, its largest cost after the reading, take half
 * the time (45 MB: 4 ms, not 7).  The same hashes either way.  The
 * Makefile defines NLP_XXH_DISPATCH when the library has it.
 */
#ifdef NLP_XXH_DISPATCH
#include <immintrin.h>
XXH128_hash_t XXH3_128bits_dispatch(const void *input, size_t len);

/*
 * Its AVX-512 code returns with the vector registers' upper halves in use
 * (no vzeroupper), and every SSE instruction after it then waits on them:
 * a quantized model's idf, computed with SSE right after the checksums,
 * took 25 ms instead of 2.  Clear them.
 */
__attribute__((target("avx"))) static void
clear_upper(void)
{
	_mm256_zeroupper();
}
#endif

struct nlp_sha256 {
	SHA256_CTX ctx;
};

static void
to_hex(const unsigned char *b, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[b[i] >> 4];
		hex[2 * i + 1] = digits[b[i] & 15];
	}
	hex[2 * n] = '\0';
}

/* libcrypto loaded and right: 1, else 0 (nlp_sha256_why says why) */
static int
loaded(void)
{
	struct nlp_err e;

	return nlp_crypto_use(&e) == NLP_OK;
}

int
nlp_sha256_why(struct nlp_err *e)
{
	int rc = nlp_crypto_use(e);

	return rc != NLP_OK ? rc : nlp_errf(e, NLP_IO, "out of memory");
}

struct nlp_sha256 *
nlp_sha256_new(void)
{
	struct nlp_sha256 *s;

	if (!loaded())
		return NULL;
	if ((s = calloc(1, sizeof *s)) != NULL && SHA256_Init(&s->ctx) != 1) {
		free(s);
		s = NULL;
	}
	return s;
}

void
nlp_sha256_update(struct nlp_sha256 *s, const void *data, size_t len)
{
	if (len > 0)
		SHA256_Update(&s->ctx, data, len);
}

void
nlp_sha256_final(struct nlp_sha256 *s, char hex[NLP_SHA256_HEX])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256_Final(md, &s->ctx);
	to_hex(md, sizeof md, hex);
	nlp_sha256_close(s);
}

void
nlp_sha256_close(struct nlp_sha256 *s)
{
	free(s);
}

int
nlp_sha256_hex(const void *data, size_t len, char hex[NLP_SHA256_HEX])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256_CTX c;

	if (!loaded() || SHA256_Init(&c) != 1 ||
	    SHA256_Update(&c, data, len) != 1 || SHA256_Final(md, &c) != 1) {
		hex[0] = '\0';
		return -1;
	}
	to_hex(md, sizeof md, hex);
	return 0;
}

int
nlp_sha256_file(const char *path, char hex[NLP_SHA256_HEX], struct nlp_err *e)
{
	unsigned char buf[1 << 16];
	struct nlp_sha256 *s;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nlp_errnof(e, NLP_IO, errno, "cannot open '%s'", path);
	if ((s = nlp_sha256_new()) == NULL) {
		close(fd);
		return nlp_sha256_why(e);
	}
	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			nlp_errnof(e, NLP_IO, errno, "cannot read '%s'", path);
			nlp_sha256_close(s);
			close(fd);
			return NLP_IO;
		}
		nlp_sha256_update(s, buf, (size_t)n);
	}
	close(fd);
	nlp_sha256_final(s, hex);
	return NLP_OK;
}

void
nlp_xxh128_hex(const void *data, size_t len, char hex[NLP_XXH128_HEX])
{
	XXH128_hash_t h;
	XXH128_canonical_t c;

#ifdef NLP_XXH_DISPATCH
	h = XXH3_128bits_dispatch(data, len);
	if (__builtin_cpu_supports("avx"))
		clear_upper();
#else
	h = XXH3_128bits(data, len);
#endif

	XXH128_canonicalFromHash(&c, h);
	to_hex(c.digest, sizeof c.digest, hex);
}

uint64_t
nlp_xxh64(const void *data, size_t len, uint64_t seed)
{
	return XXH3_64bits_withSeed(data, len, seed);
}
