/*
 * opts.c - the option tables of opts.h turned into getopt_long's tables,
 * --help's option lines and the completion scripts' candidates.
 */
#include "opts.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "text.h"

#define HELP_COLUMN 27       /* where the help text starts */

/* The number of options in a table. */
static size_t
count(const struct cli_opt *o)
{
	size_t n = 0;

	while (o[n].name != NULL)
		n++;
	return n;
}

/* getopt_long's array and short-option string for opts (malloc'd), or
 * -1 when out of memory. */
static int
tables(const struct cli_opt *opts, struct option **longopts, char **shorts)
{
	size_t n = count(opts), i, k = 0;

	*longopts = calloc(n + 1, sizeof **longopts);
	*shorts = malloc(3 * n + 2);
	if (*longopts == NULL || *shorts == NULL) {
		free(*longopts);
		free(*shorts);
		return -1;
	}
	(*shorts)[k++] = ':';        /* a missing value is ':', not '?' */
	for (i = 0; i < n; i++) {
		(*longopts)[i].name = opts[i].name;
		(*longopts)[i].has_arg = opts[i].arg ? required_argument :
		    no_argument;
		(*longopts)[i].val = opts[i].id;
		if (opts[i].shortname != 0) {
			(*shorts)[k++] = opts[i].shortname;
			if (opts[i].arg)
				(*shorts)[k++] = ':';
		}
	}
	(*shorts)[k] = '\0';
	return 0;
}

/* Is w "--name=value" for an option of c whose id is optopt: a flag
 * given a value, the word getopt_long has stepped past? */
static int
flag_given_value(const struct cli_cmd *c, const char *w)
{
	const struct cli_opt *o;
	size_t n;

	if (strncmp(w, "--", 2) != 0 || strchr(w, '=') == NULL)
		return 0;
	n = strcspn(w + 2, "=");
	for (o = c->opts; o->name != NULL; o++)   /* an abbreviation too */
		if (strncmp(o->name, w + 2, n) == 0 && o->id == optopt)
			return 1;
	return 0;
}

/* The option that getopt_long refused (ret '?': unknown, or a flag given
 * a value; ':' a value missing), in one usage line naming it. */
static int
refused(const struct cli_cmd *c, int ret, char **argv)
{
	static const char *const globals[] = { "--registry", "--cache",
	    "--cache-max", NULL };
	const char *arg = argv[optind - 1];
	const char *const *g;

	/* a letter refused before the end of its word (-Zq, -x.tsv): getopt
	 * has not stepped past that word yet */
	if (optopt != 0 && optopt < 256 && argv[optind] != NULL &&
	    !flag_given_value(c, arg) && (arg[0] != '-' || arg[1] == '-' ||
	    strchr(arg, optopt) == NULL))
		arg = argv[optind];
	if (optopt != 0 && optopt < 256 && arg[0] == '-' && arg[1] != '-') {
		if (ret == ':')
			return cli_usage_error(c->name, "option '-%c' needs a "
			    "value", optopt);
		if (access(arg, F_OK) == 0)
			return cli_usage_error(c->name, "'-%c' is not an option "
			    "of '%s'; for the file '%s', write ./%s or put -- "
			    "before it", optopt, c->name, arg, arg);
		return cli_usage_error(c->name, "'-%c' is not an option of "
		    "'%s'", optopt, c->name);
	}
	if (ret == ':')
		return cli_usage_error(c->name, "option '%s' needs a value", arg);
	for (g = globals; *g != NULL; g++) {
		size_t n = strlen(*g);
		if (strncmp(arg, *g, n) == 0 && (arg[n] == '\0' || arg[n] == '='))
			return cli_usage_error(c->name, "'%s' goes before the "
			    "command: nlpops %s VALUE %s ...", *g, *g, c->name);
	}
	if (flag_given_value(c, arg))
		return cli_usage_error(c->name, "option '%.*s' takes no value",
		    (int)strcspn(arg, "="), arg);
	if (strchr(arg, '=') != NULL)
		return cli_usage_error(c->name, "'%s': is not an option of '%s', "
		    "or takes no value", arg, c->name);
	/* a long option one or two edits from one it has: a typo */
	if (arg[0] == '-' && arg[1] == '-') {
		const struct cli_opt *o, *near = NULL;
		size_t d, best = 3;
		for (o = c->opts; o->name != NULL; o++)
			if ((d = nlp_text_distance(arg + 2, o->name)) < best)
				best = d, near = o;
		if (near != NULL)
			return cli_usage_error(c->name, "'%s' is not an option of "
			    "'%s'; did you mean '--%s'?", arg, c->name, near->name);
	}
	return cli_usage_error(c->name, "'%s' is not an option of '%s'", arg,
	    c->name);
}

int
cli_parse(const struct cli_cmd *c, int argc, char **argv,
    int (*fn)(void *ctx, int id, const char *value), void *ctx, int *first)
{
	struct option *longopts;
	char *shorts;
	int ret, rc = NLP_OK;

	*first = argc;
	if (tables(c->opts, &longopts, &shorts) < 0)
		return cli_errorf(c->name, NLP_IO, "out of memory");
	opterr = 0;
	optind = 1;
	while ((ret = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		if (ret == '?' || ret == ':') {
			rc = refused(c, ret, argv);
			break;
		}
		if (ret == 'h') {
			cli_usage(c, stdout);
			rc = CLI_HELP_SHOWN;
			break;
		}
		if ((rc = fn(ctx, ret, optarg)) != NLP_OK)
			break;
	}
	free(longopts);
	free(shorts);
	*first = optind;
	return rc;
}

void
cli_usage_options(const struct cli_opt *opts, FILE *out)
{
	const char *h, *nl;
	char left[128];
	int n;

	for (; opts->name != NULL; opts++) {
		if (opts->help == NULL)
			continue;            /* hidden */
		n = snprintf(left, sizeof left, "  %c%c%s--%s%s%s",
		    opts->shortname ? '-' : ' ', opts->shortname ?
		    opts->shortname : ' ', opts->shortname ? ", " : "  ",
		    opts->name, opts->arg ? " " : "", opts->arg ? opts->arg : "");
		fputs(left, out);
		for (h = opts->help; ; h = nl + 1) {
			nl = strchr(h, '\n');
			fprintf(out, "%*s%.*s\n", n < HELP_COLUMN - 1 ?
			    HELP_COLUMN - n : 2, "", nl ? (int)(nl - h) :
			    (int)strlen(h), h);
			if (nl == NULL)
				break;
			n = 0;
		}
	}
}

void
cli_usage(const struct cli_cmd *c, FILE *out)
{
	fputs(c->head, out);
	cli_usage_options(c->opts, out);
	if (c->tail != NULL)
		fputs(c->tail, out);
}

void
cli_complete_operands(const struct cli_cmd *c, FILE *out)
{
	const char *s = c->operands, *bar;

	for (; s != NULL && *s != '\0'; s = bar + 1) {
		bar = strchr(s, '|');
		fprintf(out, "%.*s\n", bar ? (int)(bar - s) : (int)strlen(s), s);
		if (bar == NULL)
			break;
	}
}

void
cli_complete_options(const struct cli_cmd *c, FILE *out)
{
	const struct cli_opt *o;

	for (o = c->opts; o->name != NULL; o++) {
		const char *h;

		if (o->help == NULL)
			continue;
		char shortform[3] = { '-', o->shortname, '\0' };

		fprintf(out, "--%s\t%s\t%s\t", o->name,
		    o->shortname ? shortform : "",
		    o->arg == NULL ? "-" : o->values ? o->values : "");
		/* the whole description on one line: a first line alone
		   often stops mid-sentence */
		for (h = o->help; *h != '\0'; h++)
			putc(*h == '\n' ? ' ' : *h, out);
		putc('\n', out);
	}
}
