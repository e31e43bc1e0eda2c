/*
 * rng.c - splitmix64 (Steele, Lea and Flood 2014) and a Fisher-Yates
 * shuffle on it.
 */
#include "rng.h"

uint64_t
nlp_rand_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
nlp_shuffle(uint32_t *idx, size_t n, uint64_t *state)
{
	size_t i;

	for (i = n; i > 1; i--) {
		size_t j = (size_t)(nlp_rand_next(state) % i);
		uint32_t t = idx[i - 1];
		idx[i - 1] = idx[j];
		idx[j] = t;
	}
}
