/*
 * bigmem.c - memory for large blocks written all at once (bigmem.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bigmem.h"

#define HUGE_PAGE ((size_t)2 << 20)
#define HUGE_FROM ((size_t)1 << 20)  /* blocks this large: in huge pages */
/* Buffers that double as they fill go into huge pages from 2 MiB on: a
 * block from 1 MiB rounded up to 2 MiB took training on spam, whose
 * featurizing tasks each grow two such buffers, from 74 to 99 MB of
 * peak memory for no time saved (2026-12-05). */
#define GROW_HUGE_FROM ((size_t)2 << 20)
#define LINE ((size_t)64)

/* Under AddressSanitizer a block is exactly n bytes, so that a read past
 * them is reported; otherwise whole huge pages, so that the last 2 MiB
 * is one too (in small pages, a 12 MB table's last 1.8 MB took 450
 * faults, a fifth of its load), from 1 MiB on (a spam model's 2 MB
 * artifact and 1 MB rank index: 1,025 faults to load in small pages, 290
 * in huge ones, at most 1 MiB more memory a block). */
#if defined(__SANITIZE_ADDRESS__)
#define EXACT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EXACT 1
#endif
#endif
#ifndef EXACT
#define EXACT 0
#endif

void *
nlp_big_alloc(size_t n)
{
	size_t align = n >= HUGE_FROM ? HUGE_PAGE : LINE, size = n;
	void *p;

	if (!EXACT && n > 0) {
		if (n > SIZE_MAX - align)
			return NULL;
		size = (n + align - 1) / align * align;
	}
	if (posix_memalign(&p, align, size > 0 ? size : 1) != 0)
		return NULL;
	/* a hint: a kernel without huge pages (or out of them) gives small
	   ones, which only costs time */
	if (align == HUGE_PAGE)
		(void)madvise(p, size, MADV_HUGEPAGE);
	return p;
}

void *
nlp_big_realloc(void *p, size_t used, size_t n)
{
	void *q;

	if (n < GROW_HUGE_FROM)
		return realloc(p, n > 0 ? n : 1);
	if ((q = nlp_big_alloc(n)) == NULL)
		return NULL;
	if (p != NULL) {
		memcpy(q, p, used < n ? used : n);
		free(p);
	}
	return q;
}

void *
nlp_big_calloc(size_t n)
{
	void *p = nlp_big_alloc(n);

	if (p != NULL)
		memset(p, 0, n);
	return p;
}
