/*
 * fuzz_weights.c - the weights loader (every value type and format) on any
 * bytes, then scoring with what it accepted.  Checks: a model loaded has
 * its labels clean, every probability of a few texts finite and within
 * [0, 1], summing to 1 unless multi-label, and every bucket it says it has
 * found again.
 */
#include "fuzz.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "text.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *texts[] = { "", "free money now", "the cat sat on "
	    "the mat, again and again", "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac "
	    "!!", "a b c d e f g h i j k l m n o p" };
	struct nlp_model m;
	struct nlp_scorer s;
	struct nlp_err e;
	/* aligned, as a mapped member is */
	void *buf = aligned_alloc(64, (size + 63) / 64 * 64 + 64);
	float *p;
	uint32_t c;
	size_t i;

	FUZZ_CHECK(buf != NULL);
	memcpy(buf, data, size);
	if (nlp_model_load(&m, buf, size, &e) != NLP_OK) {
		free(buf);
		return 0;
	}
	FUZZ_CHECK(m.nclasses >= 1);
	for (c = 0; c < m.nclasses; c++)
		FUZZ_CHECK(nlp_text_clean(m.labels[c], strlen(m.labels[c])));
	p = malloc(m.nclasses * sizeof *p);
	FUZZ_CHECK(p != NULL);
	memset(&s, 0, sizeof s);
	for (i = 0; i < sizeof texts / sizeof *texts; i++) {
		double sum = 0;
		FUZZ_CHECK(nlp_model_predict(&m, &s, texts[i], strlen(texts[i]),
		    p) == 0);
		for (c = 0; c < m.nclasses; c++) {
			if (!(isfinite(p[c]) && p[c] >= 0 && p[c] <= 1))
				fprintf(stderr, "text %zu: p[%u] = %g\n", i, c,
				    (double)p[c]);
			FUZZ_CHECK(isfinite(p[c]) && p[c] >= 0 && p[c] <= 1);
			sum += p[c];
		}
		if (!m.multilabel)
			FUZZ_CHECK(fabs(sum - 1) < 1e-3);
		for (c = 0; c < s.nknown; c++)
			FUZZ_CHECK(s.row[c] < m.nrows);
	}
	nlp_scorer_release(&s);
	free(p);
	nlp_model_release(&m);
	free(buf);
	return 0;
}
