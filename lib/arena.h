/*
 * arena.h - a growable byte buffer that holds NUL-terminated strings one
 * after another, addressed by offset (offsets stay valid as it grows,
 * pointers do not).  Batches of records (predict, drift) copy their texts
 * here.
 */
#ifndef NLP_ARENA_H
#define NLP_ARENA_H

#include <stddef.h>

struct nlp_arena {
	char *p;
	size_t len, cap;
};

/*
 * Append s[0..n) and a NUL; returns the string's offset, or (size_t)-1
 * when out of memory (the arena is unchanged then).
 */
size_t nlp_arena_put(struct nlp_arena *a, const char *s, size_t n);

/* Forget the contents, keeping the memory. */
void nlp_arena_clear(struct nlp_arena *a);

void nlp_arena_release(struct nlp_arena *a);

#endif
