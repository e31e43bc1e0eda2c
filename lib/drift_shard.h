/*
 * drift_shard.h - a drift pass written to a file and read back: the
 * profile of one part of a day's text, made while scoring it (`nlpops
 * predict --profile-out FILE`), so that `nlpops drift --profiles` can
 * merge the parts into the report one pass over the whole text gives --
 * the text read once, scored on as many machines as it was split over.
 *
 * The file is JSON (schema 1): the pass's sums, its bottom-k samples with
 * their hashes (a text's seeded hash, drift_pass.h) and its new tokens,
 * under what it was made with: the artifact's SHA-256, the seed and the
 * domain classifier's sample size.  A part made under anything else is
 * refused: its counts would not add up to the same report.
 */
#ifndef NLP_DRIFT_SHARD_H
#define NLP_DRIFT_SHARD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "digest.h"
#include "drift_pass.h"
#include "error.h"
#include "model.h"

#define NLP_DRIFT_SHARD_SCHEMA 2     /* 2: scored counts records of labels the
                                        model never learned (2026-12-07) */
#define NLP_DRIFT_SHARD_FORMAT "nlpops drift profile"

/* What a part was made under: parts merge only with their own kind. */
struct nlp_drift_shard_id {
	char model_sha256[NLP_SHA256_HEX];  /* the artifact's bytes */
	uint64_t seed;
	size_t max_sample;       /* texts kept for the domain classifier */
};

/* What a part made with this artifact, seed and sample size is. */
void nlp_drift_shard_id_init(struct nlp_drift_shard_id *id,
    const char *sha256, uint64_t seed, size_t max_sample);

/*
 * Write pass p (finished; its model m, or NULL) to fp as the file's one
 * line.  Returns NLP_OK, or NLP_IO (out of memory, a failed write).
 */
int nlp_drift_shard_write(FILE *fp, const struct nlp_drift_pass *p,
    const struct nlp_drift_shard_id *id, const struct nlp_model *m,
    struct nlp_err *e);

/*
 * Read the part in file path into p, which nlp_drift_pass_init() set up
 * with po (po's model and top list must be the ones id names); every
 * field is checked.  Returns NLP_OK, NLP_DATA (not a profile, damaged,
 * made under another model or other settings: the message, which names
 * path, says which), NLP_IO (unreadable, out of memory).  sha256, unless
 * NULL, gets the SHA-256 of the bytes read (standard input's too), or ""
 * when it could not be computed (no libcrypto).
 */
int nlp_drift_shard_read(struct nlp_drift_pass *p, const char *path,
    const struct nlp_drift_shard_id *id, const struct nlp_drift_pass_opts *po,
    char *sha256, struct nlp_err *e);

#endif
