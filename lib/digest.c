/*
 * digest.c - thin wrappers over libcrypto's EVP SHA-256 and libxxhash.
 */
#include "digest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

struct nlp_sha256 {
	EVP_MD_CTX *ctx;
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

struct nlp_sha256 *
nlp_sha256_new(void)
{
	struct nlp_sha256 *s = calloc(1, sizeof *s);

	if (s == NULL)
		return NULL;
	s->ctx = EVP_MD_CTX_new();
	if (s->ctx == NULL || EVP_DigestInit_ex(s->ctx, EVP_sha256(), NULL) != 1) {
		nlp_sha256_free(s);
		return NULL;
	}
	return s;
}

void
nlp_sha256_update(struct nlp_sha256 *s, const void *data, size_t len)
{
	if (len > 0)
		EVP_DigestUpdate(s->ctx, data, len);
}

void
nlp_sha256_final(struct nlp_sha256 *s, char hex[NLP_SHA256_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_DigestFinal_ex(s->ctx, md, &n);
	to_hex(md, n, hex);
	nlp_sha256_free(s);
}

void
nlp_sha256_free(struct nlp_sha256 *s)
{
	if (s == NULL)
		return;
	EVP_MD_CTX_free(s->ctx);
	free(s);
}

void
nlp_sha256_hex(const void *data, size_t len, char hex[NLP_SHA256_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	to_hex(md, n, hex);
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
		return nlp_errf(e, NLP_IO, "out of memory");
	}
	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			nlp_errnof(e, NLP_IO, errno, "cannot read '%s'", path);
			nlp_sha256_free(s);
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
	XXH128_hash_t h = XXH3_128bits(data, len);
	XXH128_canonical_t c;

	XXH128_canonicalFromHash(&c, h);
	to_hex(c.digest, sizeof c.digest, hex);
}

uint64_t
nlp_xxh64(const void *data, size_t len, uint64_t seed)
{
	return XXH3_64bits_withSeed(data, len, seed);
}
