/*
 * fuzz_profile.c - the "profile" member's parser on any bytes.  Checks: a
 * profile accepted has its held-out confidences within [0, 1].
 */
#include "fuzz.h"

#include "profile.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlp_profile_stored s;
	struct nlp_err e;
	size_t i;

	if (nlp_profile_parse(&s, (const char *)data, size, &e) != NLP_OK)
		return 0;
	for (i = 0; i < s.nconfidence; i++)
		FUZZ_CHECK(s.confidence[i] >= 0 && s.confidence[i] <= 1);
	nlp_profile_stored_release(&s);
	return 0;
}
