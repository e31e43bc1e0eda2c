/*
 * fuzz_require.c - the parser of `registry alias --require` requirements
 * ("macro_f1>=0.85") on any string.  Checks: one accepted names a known
 * metric (or f1:LABEL), one of >= <= > <, and a finite bound; the same
 * text parses the same way twice.
 */
#include "fuzz.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "registry_internal.h"

static const char *const metrics[] = {
	"accuracy", "macro_f1", "weighted_f1", "log_loss", "ece", "n",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlp_requirement q, again;
	struct nlp_err e;
	char *s = malloc(size + 1);
	size_t i;
	int known;

	FUZZ_CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	if (nlp_registry_parse_requirement(s, &q, &e) != NLP_OK) {
		FUZZ_CHECK(e.status == NLP_USAGE);
		free(s);
		return 0;
	}
	known = strncmp(q.metric, "f1:", 3) == 0;
	for (i = 0; i < sizeof metrics / sizeof *metrics; i++)
		known |= strcmp(q.metric, metrics[i]) == 0;
	FUZZ_CHECK(known);
	FUZZ_CHECK(strcmp(q.op, ">=") == 0 || strcmp(q.op, "<=") == 0 ||
	    strcmp(q.op, ">") == 0 || strcmp(q.op, "<") == 0);
	FUZZ_CHECK(isfinite(q.bound));
	FUZZ_CHECK(nlp_registry_parse_requirement(s, &again, &e) == NLP_OK);
	FUZZ_CHECK(strcmp(q.metric, again.metric) == 0 &&
	    strcmp(q.op, again.op) == 0 && q.bound == again.bound);
	free(s);
	return 0;
}
