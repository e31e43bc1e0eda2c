/*
 * git2_lazy.c - linked into the unit tests where Criterion is linked
 * statically (Makefile: CRIT_STATIC), never into nlpops itself.
 *
 * Criterion runs every test in a new process (an exec of the test binary),
 * and Debian's libcriterion.so needs libgit2, which needs some twenty
 * libraries more (Kerberos, mbed TLS, libssh2...), loaded and relocated in
 * each of those processes: two thirds of a plain test's start-up on a
 * virtual machine, where a page fault is dear.  Criterion wants libgit2
 * for one thing, the diff of two strings in a failed assertion's message.
 * Linked with libcriterion.a instead, these three functions stand for
 * libgit2's: the real library is loaded (dlopen) and called the first time
 * a diff is asked for, and start-up and exit cost nothing until then.
 */
#include <dlfcn.h>
#include <stddef.h>
#include <git2/diff.h>
#include <git2/global.h>

#ifndef GIT2_SONAME
#define GIT2_SONAME "libgit2.so"
#endif

static void *lib;
static int inits, loaded_inits;

/* libgit2's function NAME, loading the library and initializing it (as
 * often as git_libgit2_init was called) on first use; NULL if it cannot. */
static void *
real(const char *name)
{
	int (*init)(void);

	if (!lib) {
		if (!(lib = dlopen(GIT2_SONAME, RTLD_NOW | RTLD_LOCAL)))
			return NULL;
		if (!(init = (int (*)(void))dlsym(lib, "git_libgit2_init")))
			return NULL;
		for (; loaded_inits < inits; loaded_inits++)
			init();
	}
	return dlsym(lib, name);
}

int
git_libgit2_init(void)
{
	return ++inits;
}

int
git_libgit2_shutdown(void)
{
	int (*shutdown)(void);

	if (inits == 0)
		return 0;
	if (loaded_inits > 0 &&
	    (shutdown = (int (*)(void))real("git_libgit2_shutdown"))) {
		shutdown();
		loaded_inits--;
	}
	return --inits;
}

int
git_diff_buffers(const void *old_buffer, size_t old_len,
    const char *old_as_path, const void *new_buffer, size_t new_len,
    const char *new_as_path, const git_diff_options *options,
    git_diff_file_cb file_cb, git_diff_binary_cb binary_cb,
    git_diff_hunk_cb hunk_cb, git_diff_line_cb line_cb, void *payload)
{
	int (*diff)(const void *, size_t, const char *, const void *, size_t,
	    const char *, const git_diff_options *, git_diff_file_cb,
	    git_diff_binary_cb, git_diff_hunk_cb, git_diff_line_cb, void *);

	if (inits == 0)
		git_libgit2_init();
	if (!(diff = (int (*)(const void *, size_t, const char *, const void *,
	    size_t, const char *, const git_diff_options *, git_diff_file_cb,
	    git_diff_binary_cb, git_diff_hunk_cb, git_diff_line_cb, void *))
	    real("git_diff_buffers")))
		return -1;
	return diff(old_buffer, old_len, old_as_path, new_buffer, new_len,
	    new_as_path, options, file_cb, binary_cb, hunk_cb, line_cb, payload);
}
