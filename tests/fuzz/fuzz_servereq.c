/*
 * fuzz_servereq.c - the HTTP server's request parser, a JSON body or lines
 * of text/plain, on any bytes (the first chooses the type).  Checks: a
 * request accepted has at least one text, each valid UTF-8 of its stated
 * length.
 */
#include "fuzz.h"

#include <string.h>

#include "servereq.h"
#include "text.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlp_sreq q;
	struct nlp_err e;
	size_t i;

	if (size < 1)
		return 0;
	if (nlp_sreq_parse(&q, data[0] & 1 ? NLP_CT_PLAIN : NLP_CT_JSON,
	    (const char *)data + 1, size - 1, &e) == NLP_OK) {
		FUZZ_CHECK(q.n >= 1);
		for (i = 0; i < q.n; i++)
			FUZZ_CHECK(nlp_utf8_clean(q.text[i], q.len[i]) == q.len[i]);
	}
	nlp_sreq_release(&q);
	return 0;
}
