/*
 * test_modelref.c - what a -m argument names: the reference grammar
 * (NAME, NAME@VERSION, NAME@ALIAS), a path told from a reference (a
 * mistyped file name must not be looked up in the registry), and a model
 * loaded both ways -- from a file, and from a registry version whose
 * object is then checked against the SHA-256 the registry recorded.
 */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <unistd.h>

#include "files.h"
#include "leak_test.h"
#include "modelref.h"
#include "registry.h"
#include "store.h"
#include "train.h"

LEAK_TEST(modelref, parses_name_version_and_alias)
{
	struct nlp_ref r;
	struct nlp_err e;

	cr_assert_eq(nlp_modelref_parse("spam", &r, &e), NLP_OK, "%s", e.msg);
	cr_assert_str_eq(r.name, "spam");
	cr_assert_str_eq(r.alias, "production", "a bare name is @production");
	cr_assert_eq(r.version, 0);
	cr_assert_eq(nlp_modelref_parse("spam@7", &r, &e), NLP_OK, "%s", e.msg);
	cr_assert_str_eq(r.name, "spam");
	cr_assert_str_eq(r.alias, "");
	cr_assert_eq(r.version, 7);
	cr_assert_eq(nlp_modelref_parse("spam-v2@staging", &r, &e), NLP_OK);
	cr_assert_str_eq(r.name, "spam-v2");
	cr_assert_str_eq(r.alias, "staging");
	cr_assert_eq(r.version, 0);
}

LEAK_TEST(modelref, refuses_malformed_references_as_usage)
{
	static const char *const bad[] = {
		"", "@x", "spam@", "a b", "spam@1@2", "spam@0",
		"spam@99999999999999999999999", "spam@a b", "sp\tam",
		/* past the largest version, though a long holds it */
		"spam@2147483648", "spam@99999999999",
	};
	struct nlp_ref r;
	struct nlp_err e;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(nlp_modelref_parse(bad[i], &r, &e), NLP_USAGE,
		    "'%s' accepted", bad[i]);
		cr_assert(strstr(e.msg, "not a model reference") != NULL,
		    "%s", e.msg);
	}
	cr_assert_eq(nlp_modelref_parse("spam@2147483647", &r, &e), NLP_OK,
	    "%s", e.msg);
	cr_assert_eq(r.version, NLP_VERSION_MAX);
}

LEAK_TEST(modelref, tells_paths_from_references)
{
	/* a slash, or the endings an artifact has: a file, existing or not */
	cr_assert(nlp_modelref_is_path("./spam"));
	cr_assert(nlp_modelref_is_path("/no/such/dir/model"));
	cr_assert(nlp_modelref_is_path("spam2.nlp"));
	cr_assert(nlp_modelref_is_path("spam.nlp.gz"));
	cr_assert(nlp_modelref_is_path("spam.tar"));
	cr_assert(nlp_modelref_is_path("spam.tar.gz"));
	cr_assert(nlp_modelref_is_path("spam.tgz"));
	/* a reference, unless a file of that name is here */
	cr_assert_not(nlp_modelref_is_path("spam-no-such-file-here"));
	cr_assert_not(nlp_modelref_is_path("spam-no-such-file-here@3"));
	cr_assert_not(nlp_modelref_is_path("spam.v2"));
	cr_assert_not(nlp_modelref_is_path(".nlp"), "an ending alone is "
	    "no file name");
	cr_assert(nlp_modelref_is_path("Makefile"), "an existing file");
	cr_assert(nlp_registry_file_suffix("x.gz") > 0);
	cr_assert(nlp_registry_file_suffix("X.NLP") > 0, "in any case");
	cr_assert_eq(nlp_registry_file_suffix("xgz"), 0);
}

/* A small real model: trained on the bundled spam data, written as
 * bytes. */
static void *
model_bytes(size_t *len)
{
	static const char *spam[] = { "tests/data/spam.train.tsv.gz" };
	struct nlp_train_opts o;
	struct nlp_trained t;
	struct nlp_err e;
	void *p;

	nlp_train_opts_init(&o);
	o.threads = 1;
	o.epochs = 1;
	cr_assert_eq(nlp_train(spam, 1, &o, &t, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(nlp_trained_bytes(&t, &p, len, &e), NLP_OK, "%s", e.msg);
	nlp_trained_release(&t);
	return p;
}

static void
write_file(const char *path, const void *p, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, p, len), (ssize_t)len);
	cr_assert_eq(close(fd), 0);
}

LEAK_TEST(modelref, loads_from_a_file_and_from_the_registry)
{
	struct nlp_push_opts po = { .name = "spam", .alias = "production",
	    .who = "test" };
	struct nlp_push_result pr;
	struct nlp_registry *r;
	struct nlp_loaded l;
	struct nlp_err e;
	size_t len;
	void *p = model_bytes(&len);
	char reg[PATH_MAX], file[PATH_MAX];

	make_test_dir("modelref");
	snprintf(reg, sizeof reg, "%s", in_dir("reg"));
	snprintf(file, sizeof file, "%s", in_dir("spam.nlp"));
	write_file(file, p, len);

	cr_assert_eq(nlp_load_model(&l, file, reg, &e), NLP_OK, "%s", e.msg);
	cr_assert_str_eq(l.display, file);
	cr_assert_str_eq(l.name, "", "a file is no registry version");
	cr_assert_eq(l.version, 0);
	cr_assert_geq(nlp_model_label_index(&l.m, "spam"), 0);
	cr_assert_eq(strlen(nlp_loaded_sha256(&l)), 64);
	nlp_loaded_release(&l);

	/* no registry yet: a registry error, and nothing created */
	cr_assert_eq(nlp_load_model(&l, "spam", reg, &e), NLP_REGISTRY);
	cr_assert(strstr(e.msg, "no registry") != NULL, "%s", e.msg);
	cr_assert_eq(access(reg, F_OK), -1);

	cr_assert_eq(nlp_registry_open(&r, reg, 1, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(nlp_registry_push(r, p, len, &po, &pr, &e), NLP_OK, "%s",
	    e.msg);
	nlp_registry_close(r);
	cr_assert_eq(pr.version, 1);

	cr_assert_eq(nlp_load_model(&l, "spam", reg, &e), NLP_OK, "%s", e.msg);
	cr_assert_str_eq(l.display, "spam@1");
	cr_assert_str_eq(l.name, "spam");
	cr_assert_eq(l.version, 1);
	cr_assert_str_eq(nlp_loaded_sha256(&l), pr.sha256);
	nlp_loaded_release(&l);

	cr_assert_eq(nlp_load_model(&l, "spam@2", reg, &e), NLP_REGISTRY);
	cr_assert_eq(nlp_load_model(&l, "spam@staging", reg, &e),
	    NLP_REGISTRY);
	cr_assert_eq(nlp_load_model(&l, "spam@", reg, &e), NLP_USAGE);
	/* a mistyped file name is a missing file, not a registry matter */
	cr_assert_eq(nlp_load_model(&l, "spam2.nlp", reg, &e), NLP_IO);
	cr_assert(strstr(e.msg, "spam2.nlp") != NULL, "%s", e.msg);
	free(p);
	remove_test_dir();
}

LEAK_TEST(modelref, a_replaced_object_is_damage_not_the_version)
{
	struct nlp_push_opts po = { .name = "spam", .who = "test" };
	struct nlp_push_result pr;
	struct nlp_registry *r;
	struct nlp_loaded l;
	struct nlp_err e;
	size_t len, len2;
	void *p = model_bytes(&len), *q;
	char reg[PATH_MAX], obj[PATH_MAX * 2];
	struct nlp_train_opts o;
	struct nlp_trained t;
	static const char *spam[] = { "tests/data/spam.train.tsv.gz" };

	make_test_dir("modelref");
	snprintf(reg, sizeof reg, "%s", in_dir("reg"));
	cr_assert_eq(nlp_registry_open(&r, reg, 1, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(nlp_registry_push(r, p, len, &po, &pr, &e), NLP_OK, "%s",
	    e.msg);
	nlp_registry_close(r);
	/* another valid artifact (another seed) in the object's place */
	nlp_train_opts_init(&o);
	o.threads = 1;
	o.epochs = 1;
	o.seed = 99;
	cr_assert_eq(nlp_train(spam, 1, &o, &t, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(nlp_trained_bytes(&t, &q, &len2, &e), NLP_OK);
	nlp_trained_release(&t);
	cr_assert_eq(nlp_store_path(reg, pr.sha256, obj, sizeof obj), 0);
	cr_assert_eq(chmod(obj, 0644), 0);
	write_file(obj, q, len2);
	cr_assert_eq(nlp_load_model(&l, "spam@1", reg, &e), NLP_DATA);
	cr_assert(strstr(e.msg, "damaged") != NULL, "%s", e.msg);
	cr_assert(strstr(e.msg, pr.sha256) != NULL, "%s", e.msg);
	free(p);
	free(q);
	remove_test_dir();
}
