# nlpops - see README.md.  `make` builds ./nlpops; `make check` installs what
# is missing (Debian), builds, and runs every test against the plain build
# and the one under AddressSanitizer + UndefinedBehaviorSanitizer.
#
# The user's CPPFLAGS, CFLAGS and LDFLAGS are applied last and never replaced.

# The first target is what a plain `make` builds: the binary (the rules
# build_tree makes below would otherwise come first).
.DEFAULT_GOAL := all

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share
# zsh looks in site-functions under /usr/local (its own default), and
# Debian's zsh in vendor-completions under /usr (packages' place)
ZSHDIR ?= $(if $(filter /usr,$(PREFIX)),$(DATADIR)/zsh/vendor-completions,$(DATADIR)/zsh/site-functions)
MANPAGES := $(notdir $(wildcard man/*.1))
CC ?= cc
CFLAGS ?= -O3 -g
PKG_CONFIG ?= pkg-config

PKGS := libarchive libcrypto sqlite3 libpq libmicrohttpd jansson libxxhash zlib
# Compiled against, not linked: loaded when first needed (lib/dynlib.h,
# lib/larchive.h, lib/lcrypto.h).
DL_PKGS := libpq libmicrohttpd libarchive libcrypto
VERSION := 0.1.0

# Debian packages: what building needs, and what the tests need on top.
DEB_BUILD := make gcc pkg-config libarchive-dev libssl-dev libsqlite3-dev libpq-dev \
	libmicrohttpd-dev libjansson-dev libxxhash-dev zlib1g-dev
DEB_TEST := libcriterion-dev libnanopb-dev clang groff-base mandoc man-db zsh fish python3 time \
	xz-utils zstd sqlite3 chromium postgresql postgresql-common curl wrk prometheus \
	parallel strace

NLP_CPPFLAGS := -iquote lib -DNLP_VERSION='"$(VERSION)"' -D_GNU_SOURCE
# libxxhash's own XXH3, built for the CPU it runs on (AVX2, AVX-512), where
# the library has it: Debian's does, one built without its dispatcher not
# (lib/digest.c falls back to the inline SSE2 code).  Linked once to see.
XXH_DISPATCH := $(shell t=$$(mktemp) && printf '%s\n' \
	'struct h { unsigned long long a, b; };' \
	'struct h XXH3_128bits_dispatch(const void *, unsigned long);' \
	'int main(void) { return XXH3_128bits_dispatch("", 0).a == 0; }' | \
	$(CC) -x c - -o "$$t" $(shell $(PKG_CONFIG) --libs libxxhash 2>/dev/null) \
	>/dev/null 2>&1 && echo -DNLP_XXH_DISPATCH; rm -f "$$t")
NLP_CPPFLAGS += $(XXH_DISPATCH)
# Warnings are errors for developers (make DEVELOPER=1, as git does; make
# check and CI set it), never for a user whose newer compiler warns anew.
WERROR := $(if $(DEVELOPER),-Werror)
NLP_CFLAGS := -std=c17 -ffp-contract=off -Wall -Wextra $(WERROR) -pthread \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
NLP_LIBS := $(shell $(PKG_CONFIG) --libs $(filter-out $(DL_PKGS),$(PKGS)) \
	2>/dev/null) -ldl -lm -pthread
# Criterion: linked statically where Debian ships its archives (with
# libnanopb-dev), libgit2 then loaded only when a failed assertion wants a
# string diff (tests/tools/git2_lazy.c); else the shared library as is.
# Each test runs in a process of its own, and libcriterion.so brings some
# twenty libraries into each: a plain test's start-up 50 ms here, 12 without.
CRIT_LIBDIR := $(shell $(PKG_CONFIG) --variable=libdir criterion 2>/dev/null)
CRIT_STATIC := $(if $(CRIT_LIBDIR),$(shell cd '$(CRIT_LIBDIR)' 2>/dev/null && \
	[ -e libcriterion.a ] && [ -e libboxfort.a ] && [ -e libprotobuf-nanopb.a ] && \
	$(PKG_CONFIG) --exists libgit2 && echo yes))
ifeq ($(CRIT_STATIC),yes)
CRIT_LIBS := -Wl,-Bstatic -lcriterion -lprotobuf-nanopb -lboxfort -Wl,-Bdynamic \
	$(shell $(PKG_CONFIG) --libs nanomsg libffi 2>/dev/null) -lanl -lrt
CRIT_SHIM := tools/git2_lazy.o
GIT2_SONAME := $(shell objdump -p '$(CRIT_LIBDIR)/libgit2.so' 2>/dev/null | \
	awk '$$1 == "SONAME" { print $$2 }')
else
CRIT_LIBS := $(shell $(PKG_CONFIG) --libs criterion 2>/dev/null)
endif
# the bundle harness makes its inputs with libarchive itself
FUZZ_LIBS := $(NLP_LIBS) $(shell $(PKG_CONFIG) --libs libarchive 2>/dev/null)

LIB_SRC := $(sort $(wildcard lib/*.c))
CMD_SRC := $(sort $(wildcard cmd/*.c))
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))

# Two builds from one source: plain (obj/, $(CC)) and sanitized (obj-san/,
# clang when it is installed, so that `make check` compiles everything with
# both gcc and clang, -Werror).
ifndef SAN_CC
SAN_CC := $(shell command -v clang >/dev/null 2>&1 && echo clang || echo $(CC))
endif
SAN_FLAGS := -O1 -g1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined

# The unit tests' own code is compiled -O0 (the library they test keeps
# the build's flags): a third of the compile time of -O1 under the
# sanitizers, where test_registry.c alone took 8 s; the same tests.
TEST_OPT := -O0

define build_tree # $1 = object dir, $2 = extra flags, $3 = compiler
$1/lib/%.o: lib/%.c
	@mkdir -p $$(@D)
	$3 $$(NLP_CPPFLAGS) $$(CPPFLAGS) $$(NLP_CFLAGS) $2 $$(CFLAGS) $2 -MMD -MP -c $$< -o $$@
$1/cmd/%.o: cmd/%.c
	@mkdir -p $$(@D)
	$3 $$(NLP_CPPFLAGS) -iquote cmd $$(CPPFLAGS) $$(NLP_CFLAGS) $2 $$(CFLAGS) $2 -MMD -MP -c $$< -o $$@
$1/tests/%.o: tests/unit/%.c
	@mkdir -p $$(@D)
	$3 $$(NLP_CPPFLAGS) -iquote cmd $$(CPPFLAGS) $$(NLP_CFLAGS) $2 $$(CFLAGS) $2 $$(TEST_OPT) -MMD -MP -c $$< -o $$@
$1/libnlpops.a: $$(LIB_SRC:%.c=$1/%.o)
	@rm -f $$@
	$$(AR) rcs $$@ $$^
$1/tests/unit: $$(TEST_SRC:tests/unit/%.c=$1/tests/%.o) $1/libnlpops.a $4 $(CRIT_SHIM:%=$1/%)
	$3 $$(NLP_CFLAGS) $2 $$(CFLAGS) $2 $$(LDFLAGS) $$(UNIT_LDFLAGS) -o $$@ $$^ $$(CRIT_LIBS) $$(NLP_LIBS)
endef

# The sanitized binaries also link SAN_EXTRA: tests/tools/san_prefault.c
# (LeakSanitizer's exit scan of the runtime's 10 MB of tables in a few
# 2 MiB pages rather than 2,500 of 4 KiB, each a trap on a virtual
# machine: a quarter of a sanitized process's CPU).
SAN_EXTRA := obj-san/tools/san_prefault.o

$(eval $(call build_tree,obj,,$$(CC),))
$(eval $(call build_tree,obj-san,$(SAN_FLAGS),$$(SAN_CC),$(SAN_EXTRA)))

$(SAN_EXTRA): tests/tools/san_prefault.c
	@mkdir -p $(@D)
	$(SAN_CC) -std=c17 -Wall -Wextra $(WERROR) -D_GNU_SOURCE -O2 -c -o $@ $<

obj/tools/git2_lazy.o: tests/tools/git2_lazy.c
	@mkdir -p $(@D)
	$(CC) -std=c17 -Wall -Wextra $(WERROR) -D_GNU_SOURCE -DGIT2_SONAME='"$(or $(GIT2_SONAME),libgit2.so)"' \
		$(shell $(PKG_CONFIG) --cflags libgit2 2>/dev/null) -O2 -c -o $@ $<
obj-san/tools/git2_lazy.o: tests/tools/git2_lazy.c
	@mkdir -p $(@D)
	$(SAN_CC) -std=c17 -Wall -Wextra $(WERROR) -D_GNU_SOURCE -DGIT2_SONAME='"$(or $(GIT2_SONAME),libgit2.so)"' \
		$(shell $(PKG_CONFIG) --cflags libgit2 2>/dev/null) $(SAN_FLAGS) -c -o $@ $<

# make check builds with this many jobs (the machine's processors).
CHECK_JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# The unit tests: every tests/unit/test_*.c in one Criterion binary a
# build (one link, not one a file: a tenth of make check's build time
# went to linking them one by one); `obj/tests/unit --filter 'reader/*'`
# runs one suite, --list names them.
UNIT := obj/tests/unit
UNIT_SAN := obj-san/tests/unit
# test_pool.c makes thread creation fail on purpose (its
# __wrap_pthread_create; Criterion's own threads are not affected).
UNIT_LDFLAGS := -Wl,--wrap=pthread_create

# Test tools, always from the plain build: forge (hostile artifacts, member
# by member), failmalloc.so (fail the Nth allocation, LD_PRELOAD) and
# slowfs.so (sleep at chosen opens, to hit race windows, LD_PRELOAD).
TOOLS := obj/tools/forge obj/tools/failmalloc.so obj/tools/slowfs.so
TOOL_ENV := NLP_FORGE=$(CURDIR)/obj/tools/forge \
	NLP_FAILMALLOC=$(CURDIR)/obj/tools/failmalloc.so \
	NLP_SLOWFS=$(CURDIR)/obj/tools/slowfs.so

obj/tools/forge: tests/tools/forge.c obj/libnlpops.a
	@mkdir -p $(@D)
	$(CC) $(NLP_CPPFLAGS) $(CPPFLAGS) $(NLP_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(NLP_LIBS)

obj/tools/failmalloc.so obj/tools/slowfs.so: obj/tools/%.so: tests/tools/%.c
	@mkdir -p $(@D)
	$(CC) -std=c17 -Wall -Wextra $(WERROR) -D_GNU_SOURCE -O2 -fPIC -shared $(LDFLAGS) -o $@ $<

# Fuzzing (tests/fuzz): the harnesses built into one replay binary a
# build (replay.c: `replay NAME INPUT...` runs harness NAME, its
# LLVMFuzzerTestOneInput() renamed fuzz_one_NAME()), which runs the inputs
# of each corpus -- plain and sanitized, for make check -- and each with
# libFuzzer (clang, coverage, the sanitizers) for make fuzz.  replay.o is
# compiled again when the list of harnesses changes ($1/fuzz/harnesses,
# rewritten only then).
FUZZ_NAMES := $(sort $(patsubst tests/fuzz/fuzz_%.c,%,$(filter-out \
	tests/fuzz/fuzz_util.c,$(wildcard tests/fuzz/fuzz_*.c))))
REPLAY := obj/fuzz/replay
REPLAY_SAN := obj-san/fuzz/replay
FUZZ_TIME ?= 60
FUZZ_FLAGS := -O1 -g -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined

$(eval $(call build_tree,obj-fuzz,$(FUZZ_FLAGS),clang,))

define fuzz_tree # $1 = object dir, $2 = extra flags, $3 = compiler
$1/fuzz/%.o: tests/fuzz/%.c tests/fuzz/fuzz.h
	@mkdir -p $$(@D)
	$3 $$(NLP_CPPFLAGS) -iquote tests/fuzz $$(CPPFLAGS) $$(NLP_CFLAGS) $2 $$(CFLAGS) $2 -MMD -MP -c $$< -o $$@
$1/fuzz/one_%.o: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h
	@mkdir -p $$(@D)
	$3 $$(NLP_CPPFLAGS) -iquote tests/fuzz $$(CPPFLAGS) $$(NLP_CFLAGS) $2 $$(CFLAGS) $2 -DLLVMFuzzerTestOneInput=fuzz_one_$$* -MMD -MP -c $$< -o $$@
$1/fuzz/harnesses: FORCE
	@mkdir -p $$(@D)
	@echo '$(FUZZ_NAMES)' | cmp -s - $$@ 2>/dev/null || echo '$(FUZZ_NAMES)' >$$@
$1/fuzz/replay.o: tests/fuzz/replay.c tests/fuzz/fuzz.h $1/fuzz/harnesses
	@mkdir -p $$(@D)
	$3 $$(NLP_CPPFLAGS) -iquote tests/fuzz $$(CPPFLAGS) $$(NLP_CFLAGS) $2 $$(CFLAGS) $2 '-DFUZZ_HARNESSES=$(foreach n,$(FUZZ_NAMES),H($n))' -MMD -MP -c $$< -o $$@
endef
$(eval $(call fuzz_tree,obj,,$$(CC)))
$(eval $(call fuzz_tree,obj-san,$(SAN_FLAGS),$$(SAN_CC)))
$(eval $(call fuzz_tree,obj-fuzz,$(FUZZ_FLAGS),clang))

obj/fuzz/replay: obj/fuzz/replay.o $(FUZZ_NAMES:%=obj/fuzz/one_%.o) obj/fuzz/fuzz_util.o obj/libnlpops.a
	$(CC) $(NLP_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(FUZZ_LIBS)
obj-san/fuzz/replay: obj-san/fuzz/replay.o $(FUZZ_NAMES:%=obj-san/fuzz/one_%.o) obj-san/fuzz/fuzz_util.o obj-san/libnlpops.a $(SAN_EXTRA)
	$(SAN_CC) $(NLP_CFLAGS) $(SAN_FLAGS) $(CFLAGS) $(SAN_FLAGS) $(LDFLAGS) -o $@ $^ $(FUZZ_LIBS)
obj-fuzz/fuzz_%: obj-fuzz/fuzz/fuzz_%.o obj-fuzz/fuzz/fuzz_util.o obj-fuzz/libnlpops.a
	clang $(NLP_CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $^ $(FUZZ_LIBS)

# make fuzz: each harness FUZZ_TIME seconds (FUZZ=NAME for some), one at a
# time; new inputs go to obj-fuzz/corpus/NAME (the seeds in
# tests/fuzz/corpus/NAME stay as they are), findings to obj-fuzz/findings/,
# each run's log to obj-fuzz/fuzz_NAME.log.  A finding, once fixed, is
# copied into tests/fuzz/corpus/NAME/, which make check replays.
fuzz:
	@$(MAKE) --no-print-directory deps DEPS_TEST=1
	@$(MAKE) --no-print-directory -j$(CHECK_JOBS) DEVELOPER=1 \
		$(patsubst %,obj-fuzz/fuzz_%,$(or $(FUZZ),$(FUZZ_NAMES)))
	@sh tests/fuzz/run.sh $(FUZZ_TIME) $(or $(FUZZ),$(FUZZ_NAMES))

all: nlpops

nlpops: $(CMD_SRC:%.c=obj/%.o) obj/libnlpops.a
	$(CC) $(NLP_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(NLP_LIBS)

obj-san/nlpops: $(CMD_SRC:%.c=obj-san/%.o) obj-san/libnlpops.a $(SAN_EXTRA)
	$(SAN_CC) $(NLP_CFLAGS) $(SAN_FLAGS) $(CFLAGS) $(SAN_FLAGS) $(LDFLAGS) -o $@ $^ $(NLP_LIBS)

-include $(shell find obj obj-san obj-fuzz -name '*.d' 2>/dev/null)

# deps: install the Debian packages that are missing (as root), or print
# the exact apt-get line and stop.
deps:
	@sh tests/deps.sh $(DEB_BUILD) $(if $(DEPS_TEST),$(DEB_TEST))

# The test suite: unit tests (Criterion) and end-to-end tests of the built
# binary, the plain build and the sanitized one side by side (one queue of
# scripts for both, so that neither waits on the other's slowest).
SAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
check:
	@$(MAKE) --no-print-directory deps DEPS_TEST=1
	@$(MAKE) --no-print-directory -j$(CHECK_JOBS) DEVELOPER=1 nlpops \
		$(UNIT) $(TOOLS) $(REPLAY) obj-san/nlpops $(UNIT_SAN) $(REPLAY_SAN)
	@echo "== the plain build ($(CC)) and the sanitized build ($(SAN_CC), AddressSanitizer + UndefinedBehaviorSanitizer) =="
	@$(TOOL_ENV) $(SAN_ENV) sh tests/run.sh ./nlpops $(UNIT) -- ./obj-san/nlpops $(UNIT_SAN)

# One build at a time.
test: nlpops $(UNIT) $(TOOLS) $(REPLAY)
	@$(TOOL_ENV) sh tests/run.sh ./nlpops $(UNIT)

test-san: obj-san/nlpops $(UNIT_SAN) $(TOOLS) $(REPLAY_SAN)
	@$(TOOL_ENV) $(SAN_ENV) sh tests/run.sh ./obj-san/nlpops $(UNIT_SAN)

# The long campaigns make check samples: hundreds of kill -9 trials on
# the registry, 200 alias moves under predicts on both backends, many
# drift seeds, failed allocations from random offsets
# (each seed printed, so that a failure can be run again), plain build.
stress: nlpops $(TOOLS)
	@$(TOOL_ENV) NLP_TEST_ONLY="registry_safety registry_backends drift hostile_drift hostile_registry multilabel io_faults oom_registry" \
		MULTILABEL_OOM_POINTS=$${MULTILABEL_OOM_POINTS:-1000000} \
		OOM_REGISTRY_STEP=$${OOM_REGISTRY_STEP:-1} OOM_REGISTRY_SEED=$${OOM_REGISTRY_SEED:-1} \
		IO_FAULT_POINTS=$${IO_FAULT_POINTS:-1000000} \
		BACKEND_MOVES=$${BACKEND_MOVES:-200} \
		REGISTRY_SAFETY_TRIALS=$${REGISTRY_SAFETY_TRIALS:-1000} \
		REGISTRY_SAFETY_ROUNDS=$${REGISTRY_SAFETY_ROUNDS:-40} \
		REGISTRY_SAFETY_GC_ROUNDS=$${REGISTRY_SAFETY_GC_ROUNDS:-300} \
		DRIFT_SEEDS=$${DRIFT_SEEDS:-100} DRIFT_MSEEDS=$${DRIFT_MSEEDS:-20} \
		HOSTILE_DRIFT_SEED=$${HOSTILE_DRIFT_SEED:-random} HOSTILE_DRIFT_RUNS=$${HOSTILE_DRIFT_RUNS:-600} \
		HOSTILE_REGISTRY_SEED=$${HOSTILE_REGISTRY_SEED:-random} HOSTILE_REGISTRY_STEP=$${HOSTILE_REGISTRY_STEP:-1} \
		sh tests/run.sh ./nlpops

# The unit tests and the end-to-end scripts that neither time anything
# nor load the machine, under valgrind memcheck (plain build): an error or
# a definite leak fails them.  Long (an hour or so here).
VALGRIND_E2E ?= cli train_predict eval eval_record golden drift_shards
VALGRIND_UNIT ?= $(UNIT)
VALGRIND_UNIT_ARGS ?=
check-valgrind: nlpops $(UNIT) $(TOOLS) $(REPLAY)
	@$(MAKE) --no-print-directory deps DEPS_TEST=1
	@sh tests/deps.sh valgrind
	@for t in $(VALGRIND_UNIT); do \
		echo "== valgrind $$t"; \
		valgrind -q --error-exitcode=9 --leak-check=full \
			--errors-for-leak-kinds=definite --show-leak-kinds=definite \
			--trace-children=yes \
			'--trace-children-skip=/usr/bin/*,/bin/*' \
			$$t $(VALGRIND_UNIT_ARGS) >/dev/null || exit 1; \
	done
	@NLP_TEST_ONLY="$(VALGRIND_E2E)" sh tests/run.sh tests/tools/valgrind-nlpops

demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@sh tests/demo.sh ./nlpops

bench: nlpops
	bench/run

install: nlpops
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(DATADIR)/bash-completion/completions \
		$(DESTDIR)$(ZSHDIR) \
		$(DESTDIR)$(DATADIR)/fish/vendor_completions.d
	install -m 755 nlpops $(DESTDIR)$(BINDIR)/nlpops
	for f in man/*.1; do [ -e "$$f" ] && install -m 644 "$$f" $(DESTDIR)$(MANDIR)/man1/ || :; done
	[ ! -e completions/nlpops.bash ] || install -m 644 completions/nlpops.bash $(DESTDIR)$(DATADIR)/bash-completion/completions/nlpops
	[ ! -e completions/_nlpops ] || install -m 644 completions/_nlpops $(DESTDIR)$(ZSHDIR)/_nlpops
	[ ! -e completions/nlpops.fish ] || install -m 644 completions/nlpops.fish $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/nlpops.fish

# what install put there, and nothing else (another nlpops-*.1 stays)
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/nlpops \
		$(addprefix $(DESTDIR)$(MANDIR)/man1/,$(MANPAGES)) \
		$(DESTDIR)$(DATADIR)/bash-completion/completions/nlpops \
		$(DESTDIR)$(ZSHDIR)/_nlpops \
		$(DESTDIR)$(DATADIR)/fish/vendor_completions.d/nlpops.fish

clean:
	rm -rf obj obj-san obj-fuzz nlpops

FORCE:

.PHONY: all deps check test test-san stress check-valgrind demo bench fuzz install uninstall clean FORCE
.SECONDARY:
