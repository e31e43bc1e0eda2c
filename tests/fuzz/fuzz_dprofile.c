/*
 * fuzz_dprofile.c - a drift profile of a part (`predict --profile-out`,
 * read by `drift --profiles`) on any bytes: read against a small model of
 * its own (two labels, a few rows), then merged and finished as drift
 * merges the parts.  Checks: a part accepted merges into an empty pass
 * and finishes, its counts kept.
 *
 * FUZZ_SEED_OUT=FILE: also write a valid part of that model (a few texts
 * scored), the seed make_corpus.sh stores; FUZZ_EXPECT_OK: an input that
 * is not read is a finding (the seed must be).
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drift_pass.h"
#include "drift_shard.h"
#include "model.h"
#include "reader.h"
#include "strmap.h"

#define SHA "fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz"

static struct nlp_model model;
static struct nlp_strmap top;
static struct nlp_drift_pass_opts po;
static struct nlp_drift_shard_id id;
static void *blob;

/* Write a part of a few texts to path: the seed. */
static void
seed(const char *path)
{
	static const char *texts[] = { "free money now", "see you at lunch",
	    "", "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac", "money money money" };
	struct nlp_drift_feed *f;
	struct nlp_drift_pass p;
	struct nlp_record rec;
	struct nlp_err e;
	FILE *fp = fopen(path, "w");
	size_t i;

	FUZZ_CHECK(fp != NULL);
	memset(&p, 0, sizeof p);
	FUZZ_CHECK(nlp_drift_feed_open(&f, &p, &po) == 0);
	for (i = 0; i < sizeof texts / sizeof *texts; i++) {
		memset(&rec, 0, sizeof rec);
		rec.text = texts[i];
		rec.text_len = strlen(texts[i]);
		rec.line = i + 1;
		FUZZ_CHECK(nlp_drift_feed_add(f, &rec) == 0);
	}
	FUZZ_CHECK(nlp_drift_feed_close(f) == 0);
	FUZZ_CHECK(nlp_drift_shard_write(fp, &p, &id, &model, &e) == NLP_OK);
	fclose(fp);
	nlp_drift_pass_release(&p);
}

/* The model, the top tokens and the settings every input is read with. */
static void
setup(void)
{
	static const char *labels[] = { "ham", "spam" };
	static const char *tops[] = { "money", "free", "lunch", "you" };
	struct nlp_feat_opts fo = { .ngrams = 1, .bits = 10, .seed = 1 };
	uint32_t keys[3] = { 5, 300, 900 };
	float idf[3] = { 1.5f, 2, 3 }, bias[2] = { 0.5f, -0.5f };
	float w[6] = { 1, -1, -2, 2, 0.5f, 0 };
	struct nlp_strmap_entry *en;
	struct nlp_err e;
	size_t len, i;

	FUZZ_CHECK(nlp_model_serialize(&blob, &len, &fo, labels, 2, keys, idf,
	    3, bias, w, NULL, 0, &e) == NLP_OK);
	FUZZ_CHECK(nlp_model_load(&model, blob, len, &e) == NLP_OK);
	for (i = 0; i < 4; i++) {
		FUZZ_CHECK((en = nlp_strmap_add(&top, tops[i],
		    strlen(tops[i]))) != NULL);
		en->value = 10 + i;
	}
	po.model = &model;
	po.top = &top;
	po.keep = 100;
	po.seed = 1;
	po.threads = 1;
	nlp_drift_shard_id_init(&id, SHA, po.seed, po.keep);
	if (getenv("FUZZ_SEED_OUT") != NULL)
		seed(getenv("FUZZ_SEED_OUT"));
}

static void
teardown(void)
{
	nlp_model_release(&model);
	nlp_strmap_release(&top);
	free(blob);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlp_drift_pass p, part;
	struct nlp_err e;
	char path[64];
	uint64_t records;
	int fd, rc;

	if (blob == NULL) {
		setup();
		atexit(teardown);
	}
	if ((fd = fuzz_file(data, size, path, sizeof path)) < 0)
		return 0;
	memset(&p, 0, sizeof p);
	memset(&part, 0, sizeof part);
	FUZZ_CHECK(nlp_drift_pass_init(&p, &po) == 0);
	FUZZ_CHECK(nlp_drift_pass_init(&part, &po) == 0);
	rc = nlp_drift_shard_read(&part, path, &id, &po, NULL, &e);
	/* make_corpus.sh checks that its seed is read */
	if (rc != NLP_OK && getenv("FUZZ_EXPECT_OK") != NULL) {
		fprintf(stderr, "%s\n", e.msg);
		FUZZ_CHECK(rc == NLP_OK);
	}
	if (rc == NLP_OK) {
		records = part.records;
		FUZZ_CHECK(nlp_drift_pass_merge(&p, &part, &model) == 0);
		FUZZ_CHECK(nlp_drift_pass_finish(&p) == 0);
		FUZZ_CHECK(p.records == records);
	}
	nlp_drift_pass_release(&part);
	nlp_drift_pass_release(&p);
	close(fd);
	return 0;
}
