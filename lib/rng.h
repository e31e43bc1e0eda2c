/*
 * rng.h - the seeded generator behind every random choice (the training
 * order, the bootstrap's resamples, drift's samples and permutations):
 * splitmix64, the same sequence on every machine, so a seed gives the
 * same model and the same report everywhere.
 */
#ifndef NLP_RNG_H
#define NLP_RNG_H

#include <stddef.h>
#include <stdint.h>

/* The next number from the generator whose state is *state (advanced). */
uint64_t nlp_rand_next(uint64_t *state);

/* Shuffle idx[0..n) with the generator (Fisher-Yates). */
void nlp_shuffle(uint32_t *idx, size_t n, uint64_t *state);

#endif
