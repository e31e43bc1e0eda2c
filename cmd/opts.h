/*
 * opts.h - every command's options, declared once.
 *
 * A command (or registry verb) lists its options in one table of struct
 * cli_opt: the name, the short letter, the value's name, the help lines
 * and what completes the value.  From that table come getopt_long's
 * option array and short-option string (cli_parse), the option lines of
 * --help (cli_usage), and the candidates the shell completion scripts ask
 * for through `nlpops __complete` (cli_complete_options): adding an
 * option is one line in one place, and the man page's test (docs.sh)
 * keeps the page in step.  An option the table does not list is a usage
 * error (status 2) naming it.
 */
#ifndef NLP_OPTS_H
#define NLP_OPTS_H

#include <stdio.h>

struct cli_opt {
	int id;             /* given to the handler: the short letter when
	                       there is one, else a number from 256 */
	char shortname;     /* 0: long form only */
	const char *name;   /* the long name, without "--" */
	const char *arg;    /* the value's name in --help ("FILE"); NULL:
	                       the option takes no value */
	const char *help;   /* --help's text; '\n' starts another line */
	const char *values; /* what completes the value (see below), or the
	                       words themselves ("tsv jsonl"); NULL: nothing */
};

/*
 * What completes a value or an operand, for the completion scripts:
 *   file    a file name
 *   dir     a directory
 *   group   a group name
 *   model   a registry model name
 *   ref     a model as -m takes it: an artifact file, or a registry
 *           reference (NAME, NAME@VERSION, NAME@ALIAS; __complete refs)
 *   regref  a registry reference only (the registry verbs take no file)
 *   model@  NAME@ for a reference whose version is typed
 *   version a version of the model the first operand names
 *           (__complete versions NAME)
 *   alias   an alias of that model (__complete aliases NAME)
 *   target  either (__complete targets NAME)
 * anything else is the words themselves, space-separated.
 */

#define CLI_OPT_END { 0, 0, NULL, NULL, NULL, NULL }

/* -h and --help, which every command takes. */
#define CLI_OPT_HELP { 'h', 'h', "help", NULL, "show this help", NULL }

/* A command, or a registry verb, and its options. */
struct cli_cmd {
	const char *name;           /* "train"; "registry push" */
	const char *head;           /* --help before the option lines */
	const struct cli_opt *opts; /* ends with CLI_OPT_END */
	const char *tail;           /* --help after them, or NULL */
	const char *operands;       /* what completes each operand, in order,
	                               '|' between them ("model|-|-"; "-":
	                               nothing); "file..." repeats the last;
	                               "target --delete=alias": alias once
	                               --delete was given */
};

/* cli_parse() printed the help: the command returns success. */
#define CLI_HELP_SHOWN (-1)

/*
 * Parse argv[1..argc) against c's options, calling fn(ctx, id, value) for
 * each option in order (value NULL for a flag); fn returns NLP_OK or a
 * status (having printed why), which ends the parse.  -h/--help prints
 * c's usage on stdout and returns CLI_HELP_SHOWN.  An option c does not
 * list, or one without its value, is NLP_USAGE with one line naming it.
 * On NLP_OK, *first is the index of the first operand in argv (options
 * and operands may mix; getopt moves operands to the end).
 */
int cli_parse(const struct cli_cmd *c, int argc, char **argv,
    int (*fn)(void *ctx, int id, const char *value), void *ctx, int *first);

/* c's --help: its head, one line (or more) per option, its tail. */
void cli_usage(const struct cli_cmd *c, FILE *out);

/* The option lines alone, as cli_usage() prints them. */
void cli_usage_options(const struct cli_opt *opts, FILE *out);

/*
 * For the completion scripts: one line per option of c,
 * "--name<TAB>short<TAB>values<TAB>help", where short is "-x" or "", values
 * is "-" for a flag, "" for a value with nothing to offer, and help is the
 * first line of the option's help.
 */
void cli_complete_options(const struct cli_cmd *c, FILE *out);

/* For the completion scripts: what completes each operand of c, one per
 * line ("-": nothing; a last line ending in "..." repeats). */
void cli_complete_operands(const struct cli_cmd *c, FILE *out);

#endif
