/*
 * fuzz.h - what the harnesses in tests/fuzz share.  Each fuzz_*.c defines
 * LLVMFuzzerTestOneInput(): built with libFuzzer by `make fuzz`, and into
 * replay.c's binary by `make check`, which runs every input of its corpus
 * (tests/fuzz/corpus/NAME/) through it under the sanitizers.
 *
 * A harness must not leak, crash, hang or trip a sanitizer on any input;
 * what it checks on top is in its own comment.
 */
#ifndef NLP_FUZZ_H
#define NLP_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The bytes as a file the readers can open by path: a memfd, named
 * "/proc/self/fd/N" in path (size bytes).  Returns the descriptor (close
 * it), or -1.
 */
int fuzz_file(const uint8_t *data, size_t size, char *path, size_t psize);

/* Abort, naming the check, when cond is false: a finding. */
#define FUZZ_CHECK(cond) ((cond) ? (void)0 : fuzz_fail(#cond, __FILE__, \
	__LINE__))
void fuzz_fail(const char *what, const char *file, int line);

#endif
