/*
 * test_atomic.c - output files (atomic.h): a new file and a replaced one
 * appear whole or not at all, keep their mode, leave no temporary file;
 * a symbolic link is followed; a FIFO, a character device and a name that
 * is one of the standard descriptors are written directly; a directory
 * and a dangling link are refused.  Each test runs in its own directory.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomic.h"
#include "files.h"
#include "leak_test.h"

#define TEST(name) LEAK_TEST(atomic, name)

static void
setup(void)
{
	make_test_dir("atomic");
	umask(022);
}

static void
teardown(void)
{
	remove_test_dir();
}

TestSuite(atomic, .init = setup, .fini = teardown);

/* Write text to path through nlp_atomic: the status of open or commit. */
static int
write_atomic(const char *path, const char *text, struct nlp_err *e)
{
	struct nlp_atomic a;
	int rc;

	if ((rc = nlp_atomic_open(&a, path, e)) != NLP_OK)
		return rc;
	fputs(text, a.fp);
	return nlp_atomic_commit(&a, e);
}

/* The whole file at path as a string (static buffer). */
static const char *
contents(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f, "open %s", path);
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

TEST(a_new_file_appears_whole_and_alone)
{
	struct nlp_err e = { 0 };

	cr_assert_eq(write_atomic(in_dir("out.txt"), "hello\n", &e), NLP_OK,
	    "%s", e.msg);
	cr_assert_str_eq(contents(in_dir("out.txt")), "hello\n");
	cr_assert_eq(entries(dir), 1, "a temporary file was left");
	cr_assert_eq(mode_of(in_dir("out.txt")), 0644);
}

TEST(a_replaced_file_keeps_its_mode)
{
	struct nlp_err e = { 0 };

	spit_file(in_dir("out.txt"), "old\n", 4);
	cr_assert_eq(chmod(in_dir("out.txt"), 0600), 0);
	cr_assert_eq(write_atomic(in_dir("out.txt"), "new\n", &e), NLP_OK);
	cr_assert_str_eq(contents(in_dir("out.txt")), "new\n");
	cr_assert_eq(mode_of(in_dir("out.txt")), 0600);
	cr_assert_eq(chmod(in_dir("out.txt"), 0), 0);
	cr_assert_eq(write_atomic(in_dir("out.txt"), "again\n", &e), NLP_OK);
	cr_assert_eq(mode_of(in_dir("out.txt")), 0, "mode 000 is kept too");
}

TEST(abort_leaves_the_old_file_and_no_temporary_file)
{
	struct nlp_atomic a;
	struct nlp_err e = { 0 };

	spit_file(in_dir("out.txt"), "old\n", 4);
	cr_assert_eq(nlp_atomic_open(&a, in_dir("out.txt"), &e), NLP_OK);
	fputs("half of it", a.fp);
	nlp_atomic_abort(&a);
	cr_assert_str_eq(contents(in_dir("out.txt")), "old\n");
	cr_assert_eq(entries(dir), 1);
	nlp_atomic_abort(&a);        /* twice, and on a zeroed struct: safe */
	memset(&a, 0, sizeof a);
	nlp_atomic_abort(&a);
}

/* Where the file system makes unnamed files (O_TMPFILE), the temporary
 * file has no name while it is written, so that a process killed then
 * leaves nothing; elsewhere it is the one hidden name beside the target. */
TEST(the_temporary_file_is_named_only_at_commit)
{
	struct nlp_atomic a;
	struct nlp_err e = { 0 };
	struct stat st;

	spit_file(in_dir("out.txt"), "old\n", 4);
	cr_assert_eq(nlp_atomic_open(&a, in_dir("out.txt"), &e), NLP_OK);
	fputs("new\n", a.fp);
	cr_assert_eq(fflush(a.fp), 0);
	cr_assert_eq(fstat(a.fd, &st), 0);
	if (a.unnamed) {
		cr_assert_eq(entries(dir), 1, "an unnamed file has a name");
		cr_assert_eq(st.st_nlink, 0);
	} else {
		cr_log_warn("%s: no O_TMPFILE here: a named temporary file", dir);
		cr_assert_eq(entries(dir), 2);
	}
	cr_assert_eq(mode_of(in_dir("out.txt")), 0644);
	cr_assert_eq(st.st_mode & 07777, 0644, "the mode is set before commit");
	cr_assert_eq(nlp_atomic_commit(&a, &e), NLP_OK, "%s", e.msg);
	cr_assert_str_eq(contents(in_dir("out.txt")), "new\n");
	cr_assert_eq(entries(dir), 1);
}

TEST(a_symbolic_link_is_followed_and_stays_a_link)
{
	struct nlp_err e = { 0 };
	struct stat st;

	cr_assert_eq(mkdir(in_dir("real"), 0755), 0);
	spit_file(in_dir("real/f.txt"), "old\n", 4);
	cr_assert_eq(symlink("real/f.txt", in_dir("link.txt")), 0);
	cr_assert_eq(write_atomic(in_dir("link.txt"), "new\n", &e), NLP_OK,
	    "%s", e.msg);
	cr_assert_eq(lstat(in_dir("link.txt"), &st), 0);
	cr_assert(S_ISLNK(st.st_mode), "the link was replaced");
	cr_assert_str_eq(contents(in_dir("real/f.txt")), "new\n");
	cr_assert_eq(entries(in_dir("real")), 1);
}

TEST(a_dangling_link_and_a_directory_are_refused)
{
	struct nlp_err e = { 0 };

	cr_assert_eq(symlink("nowhere/f.txt", in_dir("dangling")), 0);
	cr_assert_eq(write_atomic(in_dir("dangling"), "x", &e), NLP_IO);
	cr_assert(strstr(e.msg, "symbolic link to a file that does not exist"),
	    "%s", e.msg);
	cr_assert_eq(mkdir(in_dir("d"), 0755), 0);
	cr_assert_eq(write_atomic(in_dir("d"), "x", &e), NLP_IO);
	cr_assert(strstr(e.msg, "Is a directory"), "%s", e.msg);
	cr_assert_eq(write_atomic(in_dir("no/such/dir/f"), "x", &e), NLP_IO);
	cr_assert(strstr(e.msg, "No such file"), "%s", e.msg);
}

TEST(a_fifo_is_written_through_not_replaced)
{
	struct nlp_err e = { 0 };
	char got[64] = "";
	struct stat st;
	pid_t pid;
	int fd, status;

	cr_assert_eq(mkfifo(in_dir("fifo"), 0644), 0);
	if ((pid = fork()) == 0) {
		fd = open(in_dir("fifo"), O_RDONLY);
		ssize_t n = read(fd, got, sizeof got - 1);
		_exit(n == 6 && memcmp(got, "piped\n", 6) == 0 ? 0 : 1);
	}
	cr_assert_eq(write_atomic(in_dir("fifo"), "piped\n", &e), NLP_OK, "%s",
	    e.msg);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the reader did not get the bytes");
	cr_assert_eq(lstat(in_dir("fifo"), &st), 0);
	cr_assert(S_ISFIFO(st.st_mode));
	cr_assert_eq(entries(dir), 1);
}

/* Twins of /dev/null and /dev/full in the test's directory (root only):
 * a regression here must not replace the system's own. */
TEST(a_character_device_is_written_and_never_replaced)
{
	struct nlp_err e = { 0 };
	struct stat st;

	if (mknod(in_dir("null"), S_IFCHR | 0666, makedev(1, 3)) != 0 ||
	    mknod(in_dir("full"), S_IFCHR | 0666, makedev(1, 7)) != 0)
		cr_skip_test("cannot make device nodes (not root)");
	cr_assert_eq(write_atomic(in_dir("null"), "nothing\n", &e), NLP_OK,
	    "%s", e.msg);
	cr_assert_eq(stat(in_dir("null"), &st), 0);
	cr_assert(S_ISCHR(st.st_mode));
	cr_assert_eq(write_atomic(in_dir("full"), "x", &e), NLP_IO);
	cr_assert(strstr(e.msg, "No space left"), "%s", e.msg);
	cr_assert_eq(stat(in_dir("full"), &st), 0);
	cr_assert(S_ISCHR(st.st_mode));
	cr_assert_eq(entries(dir), 2, "a temporary file was left");
}

TEST(a_name_for_standard_output_writes_through_that_descriptor)
{
	struct nlp_err e = { 0 };
	int saved = dup(STDOUT_FILENO), fd;

	fflush(stdout);
	fd = open(in_dir("log"), O_WRONLY | O_CREAT | O_APPEND, 0644);
	cr_assert(fd >= 0 && saved >= 0);
	cr_assert_eq(write(fd, "before\n", 7), 7);
	dup2(fd, STDOUT_FILENO);
	cr_assert_eq(write_atomic("/dev/stdout", "through\n", &e), NLP_OK, "%s",
	    e.msg);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(fd);
	cr_assert_str_eq(contents(in_dir("log")), "before\nthrough\n");
}
