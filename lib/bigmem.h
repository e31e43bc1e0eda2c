/*
 * bigmem.h - memory for a large block written all at once: a model's
 * artifact as it is read, and the tables built from it at load.
 *
 * Such a block is asked for in 2 MiB pages (transparent huge pages, where
 * the kernel has them), before anything touches it: one page fault per
 * 2 MiB instead of one per 4 KiB.  On a virtual machine a fault is dear
 * (on the one bench/ ran on, 2026-12-05: 45 MB touched in 4 KiB pages
 * took 110-150 ms, in 2 MiB pages 5 ms back to back and 45-80 ms after an
 * idle spell), and loading is most of a short job's time.  Blocks below
 * 1 MiB are plain heap memory.  Either way free() releases it.
 */
#ifndef NLP_BIGMEM_H
#define NLP_BIGMEM_H

#include <stddef.h>

/* n bytes, aligned to 64, contents undefined; NULL when out of memory. */
void *nlp_big_alloc(size_t n);

/* The same, zeroed. */
void *nlp_big_calloc(size_t n);

/*
 * Grow p, whose first used bytes matter, to n bytes, as realloc() does
 * (p may be NULL; on failure p is left as it was and NULL returned): from
 * 2 MiB on, in huge pages (nlp_big_alloc, the used bytes copied), for the
 * tables and buffers that double as they fill (training's corpus and
 * features, drift's texts and n-grams); below, realloc() itself.
 */
void *nlp_big_realloc(void *p, size_t used, size_t n);

#endif
