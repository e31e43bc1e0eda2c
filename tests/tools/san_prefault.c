/*
 * san_prefault.c - linked into the sanitized binaries only (obj-san/nlpops
 * and the sanitized unit tests), never into nlpops itself.
 *
 * LeakSanitizer's exit scan reads every writable byte of the program's
 * data and bss, and the sanitizer runtime's own tables there (clang links
 * it in statically) are some 10 MB, 8 of them two stack depots that only
 * a few writes touch.  On a virtual machine whose hypervisor keeps shadow
 * page tables, every 4 KiB page read for the first time costs a trap even
 * when the kernel has mapped it already (some 5 us each here, 2026-12-06):
 * 12-14 ms of every sanitized process, thousands of them in make check.
 *
 * Two steps make that a handful of 2 MiB pages:
 *
 *   - the bss's whole 2 MiB blocks are marked MADV_HUGEPAGE before anything
 *     touches them.  The runtime writes its tables long before any
 *     constructor or .preinit_array entry of ours runs (its own comes
 *     first), and a block once touched in 4 KiB pages stays so; but the
 *     dynamic linker resolves an IFUNC symbol while it relocates the
 *     program, before any initializer.  So the madvise is made by the
 *     resolver of a symbol nothing calls, referenced from a pointer so
 *     that the relocation exists: a raw system call, since the program's
 *     own references to libc may not be bound yet at that point;
 *
 *   - at start, one madvise(MADV_POPULATE_READ) maps the rest (the zero
 *     page, read-only) in a single call instead of a fault a page.
 *
 * What the scan finds is the same; a kernel without either ignores the
 * call.  With gcc, whose runtime is a shared library, only the program's
 * own bss is concerned.
 */
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

#define HUGE_BLOCK ((uintptr_t)2 << 20)

extern char __bss_start[], _end[];

#if defined(__x86_64__)
static void
nothing(void)
{
}

/* The IFUNC resolver: runs during relocation, returns the function. */
__attribute__((used)) static void (*
hugepage_bss(void))(void)
{
	uintptr_t a = ((uintptr_t)__bss_start + HUGE_BLOCK - 1) & ~(HUGE_BLOCK - 1);
	uintptr_t b = (uintptr_t)_end & ~(HUGE_BLOCK - 1);
	long r;

	if (b > a)
		__asm__ volatile ("syscall" : "=a"(r)
		    : "0"((long)SYS_madvise), "D"(a), "S"(b - a),
		      "d"((long)MADV_HUGEPAGE)
		    : "rcx", "r11", "memory");
	return nothing;
}

void san_hugepage_bss(void) __attribute__((ifunc("hugepage_bss")));
__attribute__((used)) void (*const san_hugepage_bss_ref)(void) = san_hugepage_bss;
#endif

__attribute__((constructor)) static void
prefault_bss(void)
{
	uintptr_t a = (uintptr_t)__bss_start & ~(uintptr_t)4095;
	uintptr_t b = ((uintptr_t)_end + 4095) & ~(uintptr_t)4095;

	(void)madvise((void *)a, b - a, MADV_POPULATE_READ);
}
