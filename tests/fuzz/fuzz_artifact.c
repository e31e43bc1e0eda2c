/*
 * fuzz_artifact.c - the artifact reader on any bytes (a tar with a
 * manifest, checked member by member), then what the commands read from
 * an artifact it accepts: the weights, the profile.  Checks: an artifact
 * opened has a SHA-256 of 64 hex digits, and its members are where it
 * says.
 */
#include "fuzz.h"

#include <string.h>

#include "artifact.h"
#include "model.h"
#include "profile.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *names[] = { "manifest", "weights", "meta.json",
	    "profile", "seen", "sample", "../etc/passwd", "" };
	struct nlp_artifact *a;
	struct nlp_model m;
	struct nlp_profile_stored ps;
	struct nlp_err e;
	const void *p;
	size_t n, i;

	if (nlp_artifact_open_mem(&a, data, size, &e) != NLP_OK)
		return 0;
	FUZZ_CHECK(strlen(nlp_artifact_sha256(a)) == 64);
	for (i = 0; i < sizeof names / sizeof *names; i++)
		if (nlp_artifact_member(a, names[i], &p, &n, &e) == NLP_OK)
			FUZZ_CHECK(p != NULL || n == 0);
	if (nlp_artifact_member(a, "weights", &p, &n, &e) == NLP_OK &&
	    nlp_model_load(&m, p, n, &e) == NLP_OK)
		nlp_model_release(&m);
	if (nlp_artifact_member(a, "profile", &p, &n, &e) == NLP_OK &&
	    nlp_profile_parse(&ps, p, n, &e) == NLP_OK)
		nlp_profile_stored_release(&ps);
	nlp_artifact_close(a);
	return 0;
}
