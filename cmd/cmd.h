/*
 * cmd.h - the commands and the helpers they share.
 *
 * Adding a command: write cmd/NAME.c with `int cmd_NAME(int argc, char
 * **argv)` (argv[0] is the command's name) that parses its options, calls
 * the library, prints results to stdout and returns an exit status from
 * enum nlp_status; declare it here; add a row to the table in nlpops.c; then
 * its man page, completions and README section.
 */
#ifndef NLP_CMD_H
#define NLP_CMD_H

#include <stdio.h>

#include "error.h"
#include "reader.h"

int cmd_train(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_drift(int argc, char **argv);
int cmd_registry(int argc, char **argv);
int cmd_complete(int argc, char **argv);
int cmd_key(int argc, char **argv);
int cmd_serve(int argc, char **argv);

/* The commands' declarations (opts.h), for help and completion. */
struct cli_cmd;
struct nlp_registry;
extern const struct cli_cmd cli_train, cli_predict, cli_eval, cli_drift,
	cli_serve, cli_key;

/* The registry's verbs ("registry push", ...), NULL-terminated. */
extern const struct cli_cmd *const cli_registry_verbs[];

/* Print the registry's verbs, "verb<TAB>summary" a line. */
void cli_registry_verb_names(FILE *out);

/*
 * The registry directory: the global --registry option, else
 * $NLPOPS_REGISTRY, else $XDG_DATA_HOME/nlpops, else
 * ~/.local/share/nlpops.
 */
const char *cli_registry_dir(void);

/* The same as messages and results show it: a URI without its password. */
const char *cli_registry_shown(void);

/*
 * nlp_registry_open() on cli_registry_dir(), the registry set to say on
 * stderr, as command cmd ("registry"), when a write waits for another
 * process's lock (nlp_registry_open_waiting()): a wait of up to 30 s is never
 * silent.
 */
int cli_registry_open(struct nlp_registry **r, int writable, const char *cmd,
    struct nlp_err *e);

/* The global --registry option (set by the dispatcher), or NULL. */
extern const char *cli_registry_opt;

/* The cache of a registry on PostgreSQL: --cache DIR and --cache-max SIZE
 * (-1: not given), else $NLPOPS_CACHE, $NLPOPS_CACHE_MAX, else
 * $XDG_CACHE_HOME/nlpops or ~/.cache/nlpops, at most 2 GiB. */
#define CLI_CACHE_MAX_DEFAULT ((int64_t)2 << 30)
extern const char *cli_cache_opt;
extern int64_t cli_cache_max_opt;
int cli_setup_cache(void);

/* The command running (for messages from callbacks). */
extern const char *cli_command_name;
/* The help page a usage error points to, when not the command's own
 * ("registry rollback" once registry's verb is known); NULL: cmd's. */
extern const char *cli_usage_help;

/* A size: a number of bytes, or with K, M, G, T (powers of 1024, "KiB"
 * and "KB" alike); 0, or -1 when s is not one. */
int cli_parse_size(const char *s, int64_t *out);

/* Print the commands, "name<TAB>summary" a line (help included). */
void cli_command_names(FILE *out);

/* Who is acting, for the registry's records: the user, "alice via sudo". */
const char *cli_who(void);

/*
 * The options that say how to read records, the same in every command that
 * reads them: option codes, entries for a getopt_long table (the labeled
 * set for train, eval and drift; predict adds ids), and their handler.
 */
enum {
	CLI_FORMAT = 1000, CLI_TEXT_COLUMN, CLI_LABEL_COLUMN, CLI_ID_COLUMN,
	CLI_TEXT_FIELD, CLI_LABEL_FIELD, CLI_ID_FIELD, CLI_LABEL_SEP,
	CLI_THREADS, CLI_TRUST,
};

/* --threads T, which every command but registry takes (cli_threads()
 * reads it); help says what the count changes (nothing in the results). */
#define CLI_OPT_THREADS(help) \
	{ CLI_THREADS, 0, "threads", "T", help, NULL }

/*
 * --trust PUBKEY (repeatable), which the commands that load a model take
 * (trust.c): with it, or else with NLPOPS_TRUSTED_KEYS (a colon-separated
 * list of public key files; unset or empty: none), every model loaded must
 * be signed by one of those keys.  cli_trust_option() keeps a --trust
 * value (NLP_OK, or NLP_USAGE printed); cli_trust_check() reads the
 * trusted set on its first call and checks the model l against it:
 * NLP_OK (also when no set is given), or the status with e filled (a
 * model not signed by a trusted key is NLP_DATA naming it and the key).
 * cli_trust_release() frees the set, at the end of the command.
 */
#define CLI_OPT_TRUST \
	{ CLI_TRUST, 0, "trust", "PUBKEY", "refuse a model not signed by this " \
	    "public key\n(repeatable; default: $NLPOPS_TRUSTED_KEYS)", "file" }
struct nlp_loaded;
struct nlp_trust;
int cli_trust_option(const char *cmd, const char *arg);
int cli_trust_check(const struct nlp_loaded *l, struct nlp_err *e);
void cli_trust_release(void);

/* The trusted set itself, read on the first call as cli_trust_check()
 * reads it, for a check of something other than a loaded model (a
 * registry version by its SHA-256 and manifest: sign.h's
 * nlp_trust_check()): *t NULL when none is given.  NLP_OK, or the status
 * of reading the keys with e filled. */
int cli_trust_set(const struct nlp_trust **t, struct nlp_err *e);

/* After a push with --sign (key, else NULL): a warning when the version
 * existed already, signed by another key (it keeps that signature). */
struct nlp_key;
struct nlp_push_result;

/* Was --trust given on the command line? */
int cli_trust_given(void);

/* The i-th trusted key's file (from 0): --trust's, else
 * NLPOPS_TRUSTED_KEYS's (copied into buf), or NULL past the last. */
const char *cli_trust_file(size_t i, char *buf, size_t size);

/* Before a push with --alias (alias, else NULL) under trusted keys
 * (--trust, NLPOPS_TRUSTED_KEYS): the version must be signed (key, from
 * --sign) by one of them, as registry alias requires.  NLP_OK, or
 * NLP_DATA (or reading the keys' status) with e filled. */
int cli_alias_signed(const struct nlp_key *key, const char *name,
    const char *alias, struct nlp_err *e);
void cli_signed_by(const char *cmd, const struct nlp_key *key,
    const char *name, const struct nlp_push_result *res, int quiet);

/*
 * The column and field options, as opts.h declares options: the text's,
 * and a second value's -- the label of a labeled format, or an id carried
 * to the output -- by column (TSV/CSV) and by field (JSONL).
 */
#define CLI_OPTS_COLUMNS(col, colname, colhelp, field, fieldname, fieldhelp) \
	{ CLI_TEXT_COLUMN, 0, "text-column", "C", "TSV/CSV text column (a " \
	    "number from 1;\nCSV: or its name in the header)", NULL }, \
	{ col, 0, colname, "C", colhelp, NULL }, \
	{ CLI_TEXT_FIELD, 0, "text-field", "F", "JSONL text field (default: " \
	    "text)", NULL }, \
	{ field, 0, fieldname, "F", fieldhelp, NULL }
#define CLI_OPTS_LABELED_COLUMNS CLI_OPTS_COLUMNS( \
	CLI_LABEL_COLUMN, "label-column", "TSV/CSV label column (a number " \
	"from 1;\nCSV: or its name in the header)", CLI_LABEL_FIELD, \
	"label-field", "JSONL label field (default: label)")
/* Multi-label TSV/CSV: the separator of a label field's list. */
#define CLI_OPT_LABEL_SEP \
	{ CLI_LABEL_SEP, 0, "label-sep", "C", "multi-label TSV/CSV: the label " \
	    "list separator\n(default: ,)", NULL }
#define CLI_OPTS_TEXT_COLUMNS CLI_OPTS_COLUMNS( \
	CLI_ID_COLUMN, "id-column", "TSV/CSV id column, carried to the output", \
	CLI_ID_FIELD, "id-field", "JSONL id field, carried to the output")

/*
 * Apply reader option c (its argument arg) to ro; plain: --format may be
 * plain.  Returns NLP_OK, NLP_USAGE (message printed) or -1 when c is not
 * a reader option.
 */
int cli_reader_option(const char *cmd, int c, const char *arg,
    struct nlp_reader_opts *ro, int plain);

/*
 * s for a person to read: returned as it is when clean (text.h), else
 * escaped into buf (size bytes) -- a reason, a description, a label or a
 * text from the data must not bring control characters to a terminal.
 */
const char *cli_shown(const char *s, char *buf, size_t size);

/* Flush stdout: 0, or the errno of the failure (for a registry write's
 * before-commit hook, see registry.h). */
int cli_flush_stdout(void);

/* A write to standard output failed with err (a caller that saw it, as
 * fputs() returned EOF): kept as the reason cli_flush_stdout() gives. */
void cli_stdout_failed(int err);

/*
 * Can standard output take a result: 0, or the errno that writing would
 * meet (closed, a full device, a pipe nobody reads)?  Registry writes ask
 * just before they commit, so that such a failure changes nothing.
 */
int cli_stdout_writable(void);

/* cli_stdout_writable() as a before-commit hook (registry.h). */
int cli_check_stdout(void *unused);

/*
 * The alias of model name nearest alias (one or two edits; production
 * always a candidate), among those it has now, into buf (empty when
 * none): 1 when found.  r: the registry, or NULL to open the command's.
 * cli_new_alias() says a new alias was made: a warning naming the near
 * one (even when quiet), else one line unless quiet.
 */
struct nlp_registry;
int cli_near_alias(struct nlp_registry *r, const char *name,
    const char *alias, char *buf, size_t size);
void cli_new_alias(const char *cmd, struct nlp_registry *r,
    const char *name, const char *alias, int quiet);

/* Print what a push committed ("spam@7 <sha256>"; on stderr, unless
 * quiet, notes when the bytes were a version already and when alias (or
 * NULL) is new or moved): NLP_OK, or NLP_IO saying the push was committed
 * but could not be printed. */
struct nlp_push_result;
int cli_print_pushed(const char *cmd, const char *name, const char *alias,
    const struct nlp_push_result *res, int quiet);

/* Print "nlpops CMD: MESSAGE" on stderr and return e->status. */
int cli_error(const char *cmd, const struct nlp_err *e);

/* Format and print like cli_error(); returns status.  cmd NULL: the
 * dispatcher's own, "nlpops: MESSAGE", before a command. */
int cli_errorf(const char *cmd, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A usage error: the message and a pointer to --help; returns NLP_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print usage text to stdout and return NLP_OK (for -h/--help). */
int cli_help(const char *usage);

/*
 * Parse an option's value; on failure print a usage error naming the
 * option and return NLP_USAGE, else NLP_OK.
 */
int cli_uint(const char *cmd, const char *opt, const char *arg,
    unsigned long min, unsigned long max, unsigned long *out);
int cli_double(const char *cmd, const char *opt, const char *arg, double min,
    double max, double *out);

/* opt's LABEL: NLP_OK, or (printed) NLP_USAGE for an empty one or one
 * with a TAB, newline or other control character: a label is one field
 * of one line. */
int cli_label(const char *cmd, const char *opt, const char *arg);

/* --threads T: 1 to 256 into *out; NLP_OK or NLP_USAGE (printed). */
int cli_threads(const char *cmd, const char *arg, unsigned *out);


/* Is fd a terminal (progress goes to stderr only when it is)? */
int cli_isatty(int fd);

/*
 * May escape codes go to stderr: a terminal, NO_COLOR unset and TERM not
 * "dumb"?
 */
int cli_escapes(void);

/*
 * Text from the data or a model, made safe for a terminal: escaped as
 * text.h says (nlp_text_put_safe()), so that no escape sequence in a label
 * or text reaches the terminal and every record stays on its line.
 * cli_put_safe() right-aligns in width columns, like printf's %*s.  s NULL
 * is written as nothing.
 */
void cli_put_safe(FILE *out, const char *s, int width);

/* Seconds since some fixed point (monotonic). */
double cli_now(void);

/*
 * The files a run writes and those it reads, compared before anything is
 * read or written (by device and inode; a file not there yet by its
 * directory and name).  An output that is also an input, the model or
 * another output is a usage error (printed; NLP_USAGE), as cat refuses
 * `cat f >> f`: it would be overwritten, or read back as it grows.
 */
struct cli_output {
	const char *opt;         /* "-o", "--prom"; NULL: standard output
	                            (path then "-"); with an opt, "-" is a
	                            file of that name */
	const char *path;        /* NULL: not written this run */
	int may_replace_input;   /* predict -o: replaces its input once it is
	                            all read, as `sort -o FILE FILE` does */
};
struct cli_files {
	const struct cli_output *out;
	size_t nout;
	char *const *in;         /* the inputs; "-" is standard input; NULL:
	                            none */
	size_t nin;              /* 0: standard input alone */
	const char *model;       /* -m, a path or a registry reference */
	const char *key;         /* --sign's private key, or NULL (the
	                            trusted public keys are always kept) */
};
int cli_files_apart(const char *cmd, const struct cli_files *f);

/*
 * path, written by option opt ("-o", "--log"), is not one of the SQLite
 * registry regdir's own files (registry.db and its -wal, -shm and
 * -journal, anything under objects/ or tmp/): the file written there,
 * renamed over what was or appended to, would damage the registry
 * (NLP_USAGE, said).  cli_files_apart() checks its outputs against the
 * command's registry (cli_registry_dir()).  objects/ and tmp/ only where
 * a registry is (its registry.db or objects/ there); a path whose
 * directory cannot be resolved is left for the write to fail on.
 */
int cli_outside_registry(const char *cmd, const char *opt, const char *path,
    const char *regdir);

/* Inputs whose records are pooled (train's, eval's, drift's current
 * text): no file twice, standard input once (NLP_USAGE, said). */
int cli_inputs_once(const char *cmd, char *const *in, size_t n);

#endif
