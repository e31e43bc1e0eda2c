/*
 * fuzz_text.c - UTF-8 repair, the tokenizer and the featurizer, on any
 * bytes.  Checks: the repaired text is valid UTF-8 without NUL and at most
 * 3 bytes per input byte; clean input is left as it is, and anything
 * else is flagged; repairing it again changes nothing; every token
 * is non-empty valid UTF-8 inside the token buffer; the buckets are
 * distinct, increasing, below 2^bits, and their counts are positive;
 * and the tokens are the same with other text around them that sends the
 * blocks of ASCII another way.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "features.h"
#include "reader.h"
#include "text.h"
#include "token.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlp_feat_opts o = { .ngrams = 3, .char_min = 2, .char_max = 4,
	    .bits = 18, .seed = 7 };
	struct nlp_featurizer f;
	unsigned flags = 0, again = 0;
	char *fixed = malloc(3 * size + 1), *twice = malloc(3 * size + 1);
	size_t n, m, i;

	FUZZ_CHECK(fixed != NULL && twice != NULL);
	n = nlp_utf8_repair((const char *)data, size, fixed, &flags);
	FUZZ_CHECK(n <= 3 * size);
	FUZZ_CHECK(nlp_utf8_clean(fixed, n) == n);
	m = nlp_utf8_repair(fixed, n, twice, &again);
	FUZZ_CHECK(m == n && memcmp(fixed, twice, n) == 0 && again == 0);
	/* clean input comes out as it went in, unflagged */
	if (nlp_utf8_clean((const char *)data, size) == size)
		FUZZ_CHECK(flags == 0 && n == size && memcmp(fixed, data, n) == 0);
	else
		FUZZ_CHECK(flags != 0);
	memset(&f, 0, sizeof f);
	FUZZ_CHECK(nlp_featurize(&f, &o, fixed, n) == 0);
	for (i = 0; i < f.tok.n; i++) {
		FUZZ_CHECK(f.tok.len[i] > 0);
		FUZZ_CHECK(nlp_utf8_clean(f.tok.text + f.tok.off[i], f.tok.len[i]) ==
		    f.tok.len[i]);
	}
	for (i = 0; i < f.nkey; i++) {
		FUZZ_CHECK(f.key[i] >> o.bits == 0);
		FUZZ_CHECK(i == 0 || f.key[i] > f.key[i - 1]);
		FUZZ_CHECK(f.tf[i] > 0);
	}
	/* the same tokens whichever way a block of ASCII goes: with "é "
	 * before the text (its first block the general way, the blocks cut
	 * three bytes later) and " é" after it (its last block too) */
	{
		struct nlp_tokens t;
		char *wrapped = malloc(n + 6);

		FUZZ_CHECK(wrapped != NULL);
		memcpy(wrapped, "\xc3\xa9 ", 3);
		memcpy(wrapped + 3, fixed, n);
		memcpy(wrapped + 3 + n, " \xc3\xa9", 3);
		memset(&t, 0, sizeof t);
		FUZZ_CHECK(nlp_tokenize(wrapped, n + 6, &t) == 0);
		FUZZ_CHECK(t.n == f.tok.n + 2);
		for (i = 0; i < f.tok.n; i++)
			FUZZ_CHECK(t.len[i + 1] == f.tok.len[i] &&
			    memcmp(t.text + t.off[i + 1], f.tok.text + f.tok.off[i],
			    f.tok.len[i]) == 0 && t.kind[i + 1] == f.tok.kind[i]);
		nlp_tokens_release(&t);
		free(wrapped);
	}
	nlp_featurizer_release(&f);
	free(fixed);
	free(twice);
	return 0;
}
