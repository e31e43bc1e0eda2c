/*
 * nlpops.c - the dispatcher: global options, the command table, help,
 * the nearest-name hint for a typo, and the final check that everything
 * written to stdout really got out (a full disk must not look like success).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "opts.h"
#include "atomic.h"
#include "digest.h"
#include "text.h"
#include "token.h"
#include "version.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "train", cmd_train, "learn a text classifier from labeled text" },
	{ "predict", cmd_predict, "label text from stdin or files, one line each" },
	{ "eval", cmd_eval, "metrics on labeled data, and gates for CI" },
	{ "drift", cmd_drift, "has today's text drifted from the training text?" },
	{ "registry", cmd_registry, "versioned models: push, alias, rollback, history" },
	{ "serve", cmd_serve, "answer predictions over HTTP, following an alias" },
	{ "key", cmd_key, "make a key pair for signing models" },
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const char usage_text[] =
    "usage: nlpops [--version] [-h | --help] [--registry DIR|URI]\n"
    "              [--cache DIR] [--cache-max SIZE] <command> [options] [args]\n";


/* The command list, for `nlpops`, `nlpops -h` and `nlpops help`. */
static void
list_commands(FILE *out)
{
	size_t i;

	fputs(usage_text, out);
	fputs("\ncommands:\n", out);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("  help       show a command's usage\n", out);
	fputs("\nSee 'nlpops help <command>' or 'nlpops <command> --help'.\n", out);
}

static const struct command *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* Unknown command: name the nearest, if any is near. */
static int
unknown_command(const char *name)
{
	size_t i, best = NLP_DISTANCE_FAR, bi = 0;
	const struct cli_cmd *const *v;

	for (i = 0; i < NCOMMANDS; i++) {
		size_t d = nlp_text_distance(name, commands[i].name);
		if (d < best)
			best = d, bi = i;
	}
	if (nlp_text_distance(name, "help") < best)
		best = nlp_text_distance(name, "help"), bi = NCOMMANDS;
	if (best <= 2)
		return cli_errorf(NULL, NLP_USAGE, "'%s' is not a command; did you "
		    "mean '%s'?", name, bi < NCOMMANDS ? commands[bi].name :
		    "help");
	/* a verb of the registry's given as a command (nlpops rollback) */
	for (v = cli_registry_verbs; *v != NULL; v++)
		if (strcmp((*v)->name + strlen("registry "), name) == 0)
			return cli_errorf(NULL, NLP_USAGE, "'%s' is not a command; "
			    "did you mean 'nlpops registry %s'?", name, name);
	return cli_errorf(NULL, NLP_USAGE, "'%s' is not a command (see 'nlpops "
	    "--help')", name);
}

/*
 * On a terminal, `help CMD` shows nlpops-CMD(1) when man has it; returns
 * 0 when it did, -1 to fall back to --help.
 */
static int
man_page(const char *cmd)
{
	char page[64];
	pid_t pid;
	int st;

	snprintf(page, sizeof page, "nlpops-%s", cmd);
	/* is the page installed? (man -w prints its path, quietly here) */
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("man", "man", "-w", page, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	fflush(stdout);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		execlp("man", "man", page, (char *)NULL);
		_exit(127);
	}
	return waitpid(pid, &st, 0) >= 0 && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Does command c take a verb (registry VERB, key VERB)? */
static int
has_verbs(const struct command *c)
{
	return strcmp(c->name, "registry") == 0 || strcmp(c->name, "key") == 0;
}

/* `nlpops help [COMMAND [VERB]]`. */
static int
help(int argc, char **argv)
{
	const struct command *c;
	char *hargv[4];
	int n = 0;

	if (argc < 2) {
		list_commands(stdout);
		return NLP_OK;
	}
	if ((strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) && argc > 2) {
		return cli_errorf("help", NLP_USAGE, "'%s' is one operand too "
		    "many (see 'nlpops help help')", argv[2]);
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		printf("usage: nlpops help [COMMAND [VERB]]\n\n"
		    "Show COMMAND's help (its manual on a terminal), or the options\n"
		    "of a VERB of registry or key; with no COMMAND, list the\n"
		    "commands.\n");
		return NLP_OK;
	}
	if ((c = find_command(argv[1])) == NULL)
		return unknown_command(argv[1]);
	/* help COMMAND, or help registry (or key) VERB: nothing after (an
	   option is no verb) */
	if (argc > (has_verbs(c) ? 3 : 2) || (argc == 3 && argv[2][0] ==
	    '-')) {
		return cli_errorf("help", NLP_USAGE, "'%s' is one operand too "
		    "many (see 'nlpops help help')", argv[argc - 1]);
	}
	/* a verb: its own options, as `registry VERB --help` */
	if (argc >= 3 && has_verbs(c) && argv[2][0] != '-') {
		hargv[n++] = (char *)c->name;
		hargv[n++] = argv[2];
	} else {
		if (isatty(1) && man_page(c->name) == 0)
			return NLP_OK;
		hargv[n++] = (char *)c->name;
	}
	hargv[n++] = (char *)"--help";
	hargv[n] = NULL;
	optind = 0;
	return c->fn(n, hargv);
}

/* Make sure stdout reached its destination; a failure is an I/O error. */
static int
finish_stdout(const char *cmd, int status)
{
	int err;

	/* a command that failed has said why; its output is moot */
	if (status != NLP_OK && status != NLP_NO)
		return status;
	if ((err = cli_flush_stdout()) != 0) {
		fprintf(stderr, "nlpops %s: cannot write standard output: %s\n",
		    cmd, strerror(err));
		return status == NLP_OK || status == NLP_NO ? NLP_IO : status;
	}
	return status;
}

/*
 * A closed standard descriptor (`nlpops ... >&-`, as some cron set-ups
 * run commands) would be the next one open() returns: the registry's
 * database or an output file would land on fd 1, and printing a result
 * would write into it.  Fill each closed one with /dev/null opened the
 * wrong way round, so that using it still fails (EBADF) as it did.
 */
static void
keep_standard_fds(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY) != fd)
			_exit(NLP_IO);
}

/*
 * Some libraries end the process themselves when memory runs out:
 * libarchive prints "Fatal Internal Error in libarchive: Out of memory"
 * and calls exit(1) -- and 1 says "the check said no" (drift found, a
 * gate failed).  main() sets this before it returns; an exit() from
 * anywhere else becomes status 4.
 */
static int returning;

static void
exit_guard(void)
{
	if (!returning) {
		/* no output's temporary file is left behind either */
		nlp_atomic_unlink_all();
		fputs("nlpops: a library ended the process (out of memory?)\n",
		    stderr);
		_exit(NLP_IO);
	}
}

/* Ctrl-C, kill, a closed terminal: no output's temporary file is left
 * behind, and the process dies of the signal as it would have. */
static void
on_signal(int sig)
{
	nlp_atomic_unlink_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof sigs / sizeof *sigs; i++) {
		struct sigaction old;
		/* a signal the parent ignores (nohup) stays ignored */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}
	/* past a file size limit (ulimit -f, systemd's LimitFSIZE=) a write
	 * fails with EFBIG, an error said and cleaned up after like a full
	 * disk's, rather than the process killed with its temporary file
	 * left behind (and serve with it, for its log) */
	signal(SIGXFSZ, SIG_IGN);
}

static int main_(int argc, char **argv);

int
main(int argc, char **argv)
{
	int status;

	if (atexit(exit_guard) != 0)
		return NLP_IO;
	catch_signals();
	status = main_(argc, argv);
	returning = 1;
	return status;
}

/*
 * Is argv[0] the global option name (--name VALUE or --name=VALUE)?  Then
 * *value is set and *used says how many arguments it took; an empty or
 * missing value is a usage error (*used -1).
 */
static int
global_option(char **argv, int argc, const char *name, const char *what,
    const char **value, int *used)
{
	size_t n = strlen(name);

	*used = 0;
	if (strncmp(argv[0], name, n) != 0 || (argv[0][n] != '\0' &&
	    argv[0][n] != '='))
		return 0;
	if (argv[0][n] == '=') {
		*value = argv[0] + n + 1;
		*used = 1;
	} else if (argc > 1) {
		*value = argv[1];
		*used = 2;
	}
	if (*used == 0 || (*value)[0] == '\0') {
		fprintf(stderr, "nlpops: %s needs %s (see 'nlpops --help')\n",
		    name, what);
		*used = -1;
	}
	return 1;
}

/* The options before the command: --registry, --cache, --cache-max. */
static int
global_options(int *argc, char ***argv)
{
	const char *max = NULL;
	int used;

	while (*argc > 1) {
		char **a = *argv + 1;
		int n = *argc - 1;
		if (!global_option(a, n, "--registry", "a directory or a "
		    "postgresql:// URI", &cli_registry_opt, &used) &&
		    !global_option(a, n, "--cache", "a directory", &cli_cache_opt,
		    &used) &&
		    !global_option(a, n, "--cache-max", "a size", &max, &used))
			break;
		if (used < 0)
			return NLP_USAGE;
		*argv += used;
		*argc -= used;
	}
	if (max != NULL && cli_parse_size(max, &cli_cache_max_opt) != 0)
		return cli_errorf(NULL, NLP_USAGE, "--cache-max '%s' is not a size "
		    "(like 500M or 2G; see 'nlpops --help')", max);
	return NLP_OK;
}

static int
main_(int argc, char **argv)
{
	const struct command *c;
	struct nlp_err e = { 0, "" };
	const char *name;
	int status;

	keep_standard_fds();
	if (nlp_token_init(&e) != NLP_OK) {
		fprintf(stderr, "nlpops: %s\n", e.msg);
		return e.status;
	}
	/* global options, before the command */
	if ((status = global_options(&argc, &argv)) != NLP_OK ||
	    (status = cli_setup_cache()) != NLP_OK)
		return status;
	if (argc < 2) {
		list_commands(stderr);
		return NLP_USAGE;
	}
	name = argv[1];
	/* nlpops --help CMD [VERB]: help CMD's, as git --help CMD */
	if ((strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) &&
	    argc > 2)
		return finish_stdout("help", help(argc - 1, argv + 1));
	if ((strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) &&
	    argc > 2)
		return cli_errorf(NULL, NLP_USAGE, "%s takes nothing after it, not "
		    "'%s' (see 'nlpops --help')", name, argv[2]);
	if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
		list_commands(stdout);
		return finish_stdout("help", NLP_OK);
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
		char libs[512];
		nlp_library_versions(libs, sizeof libs);
		printf("nlpops %s\n%s\n", nlp_version(), libs);
		return finish_stdout("version", NLP_OK);
	}
	if (name[0] == '-') {
		return cli_errorf(NULL, NLP_USAGE, "unknown option '%s' (see 'nlpops "
		    "--help')", name);
	}
	if (strcmp(name, "help") == 0)
		return finish_stdout("help", help(argc - 1, argv + 1));
	if (strcmp(name, "__complete") == 0)    /* hidden: for completions */
		return finish_stdout("__complete", cmd_complete(argc - 1, argv + 1));
	if ((c = find_command(name)) == NULL)
		return unknown_command(name);
	cli_command_name = c->name;
	status = c->fn(argc - 1, argv + 1);
	return finish_stdout(c->name, status);
}

/* Helpers shared by the commands (cmd.h). */

void
cli_command_names(FILE *out)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		fprintf(out, "%s\t%s\n", commands[i].name, commands[i].summary);
	fputs("help\tshow a command's usage\n", out);
}
