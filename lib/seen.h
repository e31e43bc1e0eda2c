/*
 * seen.h - the "seen" member of an artifact: the fingerprints of the
 * training texts (token.h), so that eval can tell how many evaluation
 * examples the model was trained on -- the leakage every reviewer asks
 * about.  Format (little-endian): magic "NLPOPSS\0", u32 version 1,
 * u32 zero, u64 count, then count sorted distinct u64 fingerprints.
 * 8 bytes per distinct training text.
 */
#ifndef NLP_SEEN_H
#define NLP_SEEN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Sort and deduplicate fp[0..n) in place and serialize (malloc'd). */
int nlp_seen_build(uint64_t *fp, size_t n, void **out, size_t *len,
    struct nlp_err *e);

/* A view of a serialized set; NLP_DATA when it is malformed. */
struct nlp_seen {
	const uint64_t *fp;
	size_t n;
};

int nlp_seen_load(struct nlp_seen *s, const void *data, size_t len,
    struct nlp_err *e);

/*
 * The set in artifact a's member "seen" (a view: valid while a is open);
 * name is the artifact as the user named it.  NLP_OK, or NLP_DATA with the
 * reason naming artifact and member: "'NAME' has no member 'seen'" (written
 * before nlpops kept it, or removed) or "member 'seen' of 'NAME' is damaged
 * (...)".  Without the set nobody can tell how many evaluation examples the
 * model was trained on, which a caller must say rather than report none.
 */
struct nlp_artifact;
int nlp_seen_from_artifact(struct nlp_seen *s, const struct nlp_artifact *a,
    const char *name, struct nlp_err *e);

/* Is fp in the set? */
int nlp_seen_has(const struct nlp_seen *s, uint64_t fp);

#endif
