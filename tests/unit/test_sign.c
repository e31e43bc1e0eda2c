/*
 * test_sign.c - signatures (sign.h): a key pair written once (0600, never
 * overwritten without force), sign and check round trips over bare
 * SHA-256 and manifest and over an artifact, deterministic signature
 * texts, and every refusal: malformed texts, another artifact, a key not
 * trusted, a changed manifest or signature, trusted lists with empty
 * entries, keys of the wrong kind.  Each test runs in its own directory.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "artifact.h"
#include "files.h"
#include "leak_test.h"
#include "sign.h"

#define TEST(name) LEAK_TEST(sign, name)

static const char SHA[] =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
static const char MANIFEST[] = "nlpops-artifact 1\n"
    "0123456789abcdef0123456789abcdef 3 weights\n";

static void
setup(void)
{
	make_test_dir("sign");
}

static void
teardown(void)
{
	remove_test_dir();
}

TestSuite(sign, .init = setup, .fini = teardown);

/* A new key pair dir/name (and name.pub), loaded. */
static struct nlp_key *
new_key(const char *name)
{
	struct nlp_err e = { 0, "" };
	struct nlp_key *k;
	char id[NLP_KEY_ID_HEX];

	cr_assert_eq(nlp_key_generate(in_dir(name), 0, id, &e), NLP_OK, "%s",
	    e.msg);
	cr_assert_eq(nlp_key_load(&k, in_dir(name), &e), NLP_OK, "%s", e.msg);
	cr_assert_str_eq(nlp_key_id(k), id);
	return k;
}

/* A trusted set of dir/NAME.pub for each name given (NULL-terminated). */
static void
trust(struct nlp_trust *t, const char *name, const char *name2)
{
	struct nlp_err e = { 0, "" };
	char pub[256];

	snprintf(pub, sizeof pub, "%s.pub", name);
	cr_assert_eq(nlp_trust_add(t, in_dir(pub), &e), NLP_OK, "%s", e.msg);
	if (name2 != NULL) {
		snprintf(pub, sizeof pub, "%s.pub", name2);
		cr_assert_eq(nlp_trust_add(t, in_dir(pub), &e), NLP_OK, "%s",
		    e.msg);
	}
}

static int
check(const struct nlp_trust *t, const char *sha, const char *manifest,
    const char *text, struct nlp_err *e)
{
	return nlp_trust_check(t, sha, manifest, strlen(manifest), text,
	    strlen(text), "'m.sig'", NULL, e);
}

TEST(a_signature_made_checks_under_its_key_and_is_deterministic)
{
	struct nlp_key *k = new_key("k");
	struct nlp_trust t = NLP_TRUST_INIT;
	struct nlp_signature s, s2, p;
	struct nlp_err e = { 0, "" };

	cr_assert_eq(nlp_sign(k, SHA, MANIFEST, strlen(MANIFEST), &s, &e),
	    NLP_OK, "%s", e.msg);
	cr_assert_eq(s.len, 299);
	cr_assert_eq(strlen(s.text), s.len);
	cr_assert_eq(strncmp(s.text, "nlpops-signature 1\nkey ", 23), 0);
	cr_assert_eq(nlp_sign(k, SHA, MANIFEST, strlen(MANIFEST), &s2, &e),
	    NLP_OK);
	cr_assert_str_eq(s.text, s2.text, "Ed25519 is deterministic");
	cr_assert_eq(nlp_signature_parse(&p, s.text, s.len, "x", &e), NLP_OK,
	    "%s", e.msg);
	cr_assert_str_eq(p.key_id, nlp_key_id(k));
	cr_assert_str_eq(p.sha256, SHA);
	cr_assert_eq(memcmp(p.sig, s.sig, NLP_SIG_BYTES), 0);
	trust(&t, "k", NULL);
	cr_assert_eq(check(&t, SHA, MANIFEST, s.text, &e), NLP_OK, "%s", e.msg);
	nlp_trust_release(&t);
	nlp_key_close(k);
}

TEST(an_artifact_signed_checks_and_a_changed_one_does_not)
{
	struct nlp_member m[1] = { { "weights", "abc", 3 } };
	struct nlp_member m2[1] = { { "weights", "abd", 3 } };
	struct nlp_key *k = new_key("k");
	struct nlp_trust t = NLP_TRUST_INIT;
	struct nlp_artifact *a, *a2;
	struct nlp_signature s;
	struct nlp_err e = { 0, "" };
	void *bytes;
	size_t len;

	cr_assert_eq(nlp_artifact_write_mem(&bytes, &len, m, 1, 0, &e), NLP_OK);
	cr_assert_eq(nlp_artifact_open_mem(&a, bytes, len, &e), NLP_OK);
	free(bytes);
	cr_assert_eq(nlp_artifact_write_mem(&bytes, &len, m2, 1, 0, &e), NLP_OK);
	cr_assert_eq(nlp_artifact_open_mem(&a2, bytes, len, &e), NLP_OK);
	free(bytes);
	cr_assert_eq(nlp_sign_artifact(k, a, &s, &e), NLP_OK, "%s", e.msg);
	cr_assert_str_eq(s.sha256, nlp_artifact_sha256(a));
	trust(&t, "k", NULL);
	cr_assert_eq(nlp_trust_check_artifact(&t, a, s.text, s.len, "s", NULL,
	    &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(nlp_trust_check_artifact(&t, a2, s.text, s.len, "s", NULL,
	    &e), NLP_DATA);
	cr_assert(strstr(e.msg, "for another artifact") != NULL, "%s", e.msg);
	nlp_artifact_close(a);
	nlp_artifact_close(a2);
	nlp_trust_release(&t);
	nlp_key_close(k);
}

TEST(a_changed_manifest_sha_or_signature_does_not_match)
{
	struct nlp_key *k = new_key("k");
	struct nlp_trust t = NLP_TRUST_INIT;
	struct nlp_signature s;
	struct nlp_err e = { 0, "" };
	char text[NLP_SIG_MAX], other[65];
	char *p;

	cr_assert_eq(nlp_sign(k, SHA, MANIFEST, strlen(MANIFEST), &s, &e),
	    NLP_OK);
	trust(&t, "k", NULL);
	cr_assert_eq(check(&t, SHA, "nlpops-artifact 1\n", s.text, &e), NLP_DATA);
	cr_assert(strstr(e.msg, "does not match") != NULL, "%s", e.msg);
	cr_assert(strstr(e.msg, nlp_key_id(k)) != NULL, "%s", e.msg);
	/* the SHA-256 line rewritten to another artifact's */
	memcpy(other, SHA, sizeof other);
	other[0] = '1';
	memcpy(text, s.text, s.len + 1);
	p = strstr(text, "sha256 ") + 7;
	*p = '1';
	cr_assert_eq(check(&t, other, MANIFEST, text, &e), NLP_DATA);
	cr_assert(strstr(e.msg, "does not match") != NULL, "%s", e.msg);
	/* one digit of the signature changed */
	memcpy(text, s.text, s.len + 1);
	p = strstr(text, "signature ") + 10;
	*p = *p == '0' ? '1' : '0';
	cr_assert_eq(check(&t, SHA, MANIFEST, text, &e), NLP_DATA);
	nlp_trust_release(&t);
	nlp_key_close(k);
}

TEST(a_key_not_trusted_is_named_and_rotation_trusts_two)
{
	struct nlp_key *k = new_key("old"), *k2 = new_key("new");
	struct nlp_trust t = NLP_TRUST_INIT, both = NLP_TRUST_INIT;
	struct nlp_signature s, s2;
	struct nlp_err e = { 0, "" };

	cr_assert_eq(nlp_sign(k, SHA, MANIFEST, strlen(MANIFEST), &s, &e), NLP_OK);
	cr_assert_eq(nlp_sign(k2, SHA, MANIFEST, strlen(MANIFEST), &s2, &e),
	    NLP_OK);
	trust(&t, "new", NULL);
	cr_assert_eq(check(&t, SHA, MANIFEST, s.text, &e), NLP_DATA);
	cr_assert(strstr(e.msg, nlp_key_id(k)) != NULL, "%s", e.msg);
	cr_assert(strstr(e.msg, "not a trusted key") != NULL, "%s", e.msg);
	trust(&both, "new", "old");
	cr_assert_eq(both.n, 2);
	cr_assert_eq(check(&both, SHA, MANIFEST, s.text, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(check(&both, SHA, MANIFEST, s2.text, &e), NLP_OK, "%s", e.msg);
	trust(&both, "old", NULL);
	cr_assert_eq(both.n, 2, "a key trusted twice is one key");
	nlp_trust_release(&t);
	nlp_trust_release(&both);
	nlp_key_close(k);
	nlp_key_close(k2);
}

TEST(malformed_signature_texts_are_refused)
{
	struct nlp_key *k = new_key("k");
	struct nlp_signature s, p;
	struct nlp_err e = { 0, "" };
	char text[NLP_SIG_MAX + 8], *x;
	size_t i;

	cr_assert_eq(nlp_sign(k, SHA, MANIFEST, strlen(MANIFEST), &s, &e), NLP_OK);
	/* every strict prefix, and the text with any one byte changed */
	for (i = 0; i < s.len; i++)
		cr_assert_eq(nlp_signature_parse(&p, s.text, i, "x", &e), NLP_DATA,
		    "a prefix of %zu bytes", i);
	for (i = 0; i < s.len; i++) {
		memcpy(text, s.text, s.len);
		text[i] = text[i] == 'A' ? 'B' : 'A';
		cr_assert_eq(nlp_signature_parse(&p, text, s.len, "x", &e),
		    NLP_DATA, "byte %zu changed", i);
	}
	memcpy(text, s.text, s.len);
	text[s.len] = '\n';
	cr_assert_eq(nlp_signature_parse(&p, text, s.len + 1, "x", &e), NLP_DATA);
	cr_assert(strstr(e.msg, "follows") != NULL, "%s", e.msg);
	memcpy(text, s.text, s.len);
	x = strstr(text, "key ") + 4;
	*x = 'A';
	cr_assert_eq(nlp_signature_parse(&p, text, s.len, "'m.sig'", &e),
	    NLP_DATA);
	cr_assert_str_eq(e.msg, "'m.sig' is not an nlpops signature: line 2 is "
	    "not 'key' and 64 lowercase hex digits");
	memset(text, 'a', sizeof text);
	cr_assert_eq(nlp_signature_parse(&p, text, sizeof text, "x", &e),
	    NLP_DATA);
	nlp_key_close(k);
}

TEST(keys_are_never_overwritten_without_force)
{
	struct nlp_err e = { 0, "" };
	char id[NLP_KEY_ID_HEX], id2[NLP_KEY_ID_HEX];
	struct stat st;
	size_t len;
	unsigned char *before;

	cr_assert_eq(nlp_key_generate(in_dir("k"), 0, id, &e), NLP_OK, "%s",
	    e.msg);
	cr_assert_eq(stat(in_dir("k"), &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	before = slurp_file(in_dir("k"), &len);
	cr_assert_eq(nlp_key_generate(in_dir("k"), 0, id2, &e), NLP_IO);
	cr_assert(strstr(e.msg, "exists") != NULL, "%s", e.msg);
	file_is(in_dir("k"), before, len);
	cr_assert_eq(entries(dir), 2, "no temporary file left");
	cr_assert_eq(nlp_key_generate(in_dir("k"), 1, id2, &e), NLP_OK, "%s",
	    e.msg);
	cr_assert_str_neq(id, id2);
	cr_assert_eq(stat(in_dir("k"), &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(entries(dir), 2, "no temporary file left");
	free(before);
	spit_file(in_dir("p.pub"), "x", 1);
	cr_assert_eq(nlp_key_generate(in_dir("p"), 0, id2, &e), NLP_IO);
	cr_assert_eq(entries(dir), 3, "nothing written when KEY.pub exists");
}

TEST(keys_of_the_wrong_kind_and_empty_list_entries_are_refused)
{
	struct nlp_trust t = NLP_TRUST_INIT;
	struct nlp_err e = { 0, "" };
	struct nlp_key *k = new_key("k");
	char list[600];

	nlp_key_close(k);
	cr_assert_eq(nlp_key_load(&k, in_dir("k.pub"), &e), NLP_DATA);
	cr_assert_null(k);
	cr_assert_eq(nlp_trust_add(&t, in_dir("k"), &e), NLP_DATA);
	cr_assert_eq(nlp_trust_add(&t, in_dir("none.pub"), &e), NLP_IO);
	snprintf(list, sizeof list, "%s:", in_dir("k.pub"));
	cr_assert_eq(nlp_trust_add_list(&t, list, "L", &e), NLP_USAGE);
	cr_assert_eq(nlp_trust_add_list(&t, "", "L", &e), NLP_USAGE);
	nlp_trust_release(&t);
	snprintf(list, sizeof list, "%s:%s", in_dir("k.pub"), in_dir("k.pub"));
	cr_assert_eq(nlp_trust_add_list(&t, list, "L", &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(t.n, 1);
	nlp_trust_release(&t);
}
