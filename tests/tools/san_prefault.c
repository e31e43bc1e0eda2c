/*
 * san_prefault.c - linked into the sanitized binaries only (obj-san/nlpops
 * and the sanitized unit tests), never into nlpops itself.
 *
 * LeakSanitizer's exit scan reads every writable byte of the program's
 * data and bss, and the sanitizer runtime's own tables there are some
 * 10 MB that nothing else touches: some 2400 page faults in every process,
 * a third of a sanitized run's start-up and exit on a virtual machine,
 * where a fault is dear.  One madvise(MADV_POPULATE_READ) maps them all
 * (the zero page, read-only) in a single call at start.  What the scan
 * finds is the same; a kernel without it (before 5.14) ignores the call.
 */
#include <stdint.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

extern char __bss_start[], _end[];

__attribute__((constructor)) static void
prefault_bss(void)
{
	uintptr_t a = (uintptr_t)__bss_start & ~(uintptr_t)4095;
	uintptr_t b = ((uintptr_t)_end + 4095) & ~(uintptr_t)4095;

	(void)madvise((void *)a, b - a, MADV_POPULATE_READ);
}
