/*
 * fuzz_meta.c - an artifact's meta.json: the check `registry push` makes
 * of it, then what `registry show` reads of a stored one and shows as
 * JSON.  Checks: whatever push accepts, show reads and prints as valid
 * JSON; a failure is bad data (or out of memory), never anything else.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "registry_internal.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlp_registry_shown s;
	struct nlp_err e;
	json_t *back;
	char *text, *out = NULL;
	int rc;

	if ((rc = nlp_registry_check_meta(data, size, &e)) != NLP_OK) {
		FUZZ_CHECK(rc == NLP_DATA || rc == NLP_IO);
		return 0;
	}
	/* push stores the text as it is; show reads it back */
	text = malloc(size + 1);
	FUZZ_CHECK(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&s, 0, sizeof s);
	FUZZ_CHECK(nlp_registry_meta_fields(text, &s, &e) == NLP_OK);
	FUZZ_CHECK(nlp_registry_shown_json(&s, &out, &e) == NLP_OK);
	back = json_loads(out, 0, NULL);
	FUZZ_CHECK(back != NULL);
	json_decref(back);
	free(out);
	nlp_registry_shown_release(&s);
	free(text);
	return 0;
}
