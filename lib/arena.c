/*
 * arena.c - strings packed in one buffer (see arena.h).
 */
#include "arena.h"

#include <stdlib.h>
#include <string.h>

#include "bigmem.h"

size_t
nlp_arena_put(struct nlp_arena *a, const char *s, size_t n)
{
	size_t at = a->len;

	if (n > (size_t)-1 / 2 - a->len)
		return (size_t)-1;
	if (a->len + n + 1 > a->cap) {
		size_t cap = a->cap ? a->cap : 1 << 20;
		char *p;
		while (cap < a->len + n + 1)
			cap *= 2;
		if ((p = nlp_big_realloc(a->p, a->len, cap)) == NULL)
			return (size_t)-1;
		a->p = p;
		a->cap = cap;
	}
	memcpy(a->p + a->len, s, n);
	a->len += n;
	a->p[a->len++] = '\0';
	return at;
}

void
nlp_arena_clear(struct nlp_arena *a)
{
	a->len = 0;
}

void
nlp_arena_release(struct nlp_arena *a)
{
	free(a->p);
	memset(a, 0, sizeof *a);
}
