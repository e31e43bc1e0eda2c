/*
 * seen.c - the training-text fingerprint set (see seen.h).
 */
#include "seen.h"

#include <stdlib.h>
#include <string.h>

#include "artifact.h"

static const char MAGIC[8] = "NLPOPSS";
#define HEADER 24

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

int
nlp_seen_build(uint64_t *fp, size_t n, void **out, size_t *len,
    struct nlp_err *e)
{
	unsigned char *buf;
	size_t i, k = 0;
	uint32_t version = 1, zero = 0;
	uint64_t count;

	qsort(fp, n, sizeof *fp, cmp_u64);
	for (i = 0; i < n; i++)     /* 0: a text without a token */
		if (fp[i] != 0 && (k == 0 || fp[k - 1] != fp[i]))
			fp[k++] = fp[i];
	if ((buf = malloc(HEADER + k * sizeof *fp + 1)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory for the record of the "
		    "training texts (seen)");
	count = k;
	memcpy(buf, MAGIC, 8);
	memcpy(buf + 8, &version, 4);
	memcpy(buf + 12, &zero, 4);
	memcpy(buf + 16, &count, 8);
	memcpy(buf + HEADER, fp, k * sizeof *fp);
	*out = buf;
	*len = HEADER + k * sizeof *fp;
	return NLP_OK;
}

int
nlp_seen_load(struct nlp_seen *s, const void *data, size_t len,
    struct nlp_err *e)
{
	const unsigned char *b = data;
	uint32_t version;
	uint64_t count;

	memset(s, 0, sizeof *s);
	if (len < HEADER || memcmp(b, MAGIC, 8) != 0)
		return nlp_errf(e, NLP_DATA, "seen: bad header");
	memcpy(&version, b + 8, 4);
	memcpy(&count, b + 16, 8);
	if (version != 1)
		return nlp_errf(e, NLP_DATA, "seen: format %u is not supported",
		    version);
	if (count > (len - HEADER) / 8 || HEADER + count * 8 != len)
		return nlp_errf(e, NLP_DATA, "seen: %llu entries do not fit %zu "
		    "bytes", (unsigned long long)count, len);
	s->fp = (const uint64_t *)(b + HEADER);
	s->n = (size_t)count;
	return NLP_OK;
}

int
nlp_seen_from_artifact(struct nlp_seen *s, const struct nlp_artifact *a,
    const char *name, struct nlp_err *e)
{
	struct nlp_err why = { 0, "" };
	const void *data;
	size_t len;

	memset(s, 0, sizeof *s);
	if (nlp_artifact_member(a, "seen", &data, &len, &why) != NLP_OK)
		return nlp_errf(e, NLP_DATA, "'%s' has no member 'seen'", name);
	if (nlp_seen_load(s, data, len, &why) != NLP_OK)
		return nlp_errf(e, NLP_DATA, "member 'seen' of '%s' is damaged (%s)",
		    name, why.msg);
	return NLP_OK;
}

int
nlp_seen_has(const struct nlp_seen *s, uint64_t fp)
{
	size_t lo = 0, hi = s->n;

	if (fp == 0)        /* a text without a token: never seen */
		return 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->fp[mid] == fp)
			return 1;
		if (s->fp[mid] < fp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}
