/*
 * bigmem.c - memory for large blocks written all at once (bigmem.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bigmem.h"

#define HUGE_PAGE ((size_t)2 << 20)
#define LINE ((size_t)64)

void *
nlp_big_alloc(size_t n)
{
	size_t align = n >= HUGE_PAGE ? HUGE_PAGE : LINE, size;
	void *p;

	/* aligned_alloc wants a multiple of the alignment */
	if (n > SIZE_MAX - align)
		return NULL;
	size = n == 0 ? align : (n + align - 1) / align * align;
	if ((p = aligned_alloc(align, size)) == NULL)
		return NULL;
	/* a hint: a kernel without huge pages (or out of them) gives small
	   ones, which only costs time */
	if (align == HUGE_PAGE)
		(void)madvise(p, size, MADV_HUGEPAGE);
	return p;
}

void *
nlp_big_calloc(size_t n)
{
	void *p = nlp_big_alloc(n);

	if (p != NULL)
		memset(p, 0, n);
	return p;
}
