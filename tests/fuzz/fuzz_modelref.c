/*
 * fuzz_modelref.c - model references (NAME, NAME@VERSION, NAME@ALIAS, a
 * path) and the registry's name and alias rules, on any string.  Checks:
 * a reference parsed has a valid name and either a version or an alias; a
 * name the rules
 * accept is 1 to 64 characters of A-Z a-z 0-9 . _ - starting with a
 * letter or digit.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "modelref.h"
#include "registry.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct nlp_ref ref;
	struct nlp_err e;
	size_t i, n;

	FUZZ_CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	(void)nlp_modelref_is_path(s);
	memset(&ref, 0, sizeof ref);
	if (nlp_modelref_parse(s, &ref, &e) == NLP_OK) {
		FUZZ_CHECK(nlp_registry_valid_name(ref.name));
		FUZZ_CHECK((ref.version > 0) != (ref.alias[0] != '\0'));
	}
	if (nlp_registry_valid_name(s)) {
		n = strlen(s);
		FUZZ_CHECK(n >= 1 && n <= 64);
		for (i = 0; i < n; i++)
			FUZZ_CHECK(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
			    "opqrstuvwxyz0123456789._-", s[i]) != NULL);
	}
	(void)nlp_registry_valid_alias(s);
	(void)nlp_registry_is_uri(s);
	free(s);
	return 0;
}
