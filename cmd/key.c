/*
 * key.c - `nlpops key generate -o KEY [--force]`: make an Ed25519 key pair
 * for signing models (train --sign KEY; predict, eval and drift --trust
 * KEY.pub).  The library (sign.h) writes the files; this parses, prints
 * and chooses the exit status.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"
#include "sign.h"

enum { OPT_FORCE = 256 };

static const struct cli_opt options[] = {
	{ 'o', 'o', "output", "KEY", "the private key to write (mode 0600);\n"
	    "the public key goes to KEY.pub", "file" },
	{ OPT_FORCE, 0, "force", NULL, "replace KEY and KEY.pub when they exist",
	    NULL },
	CLI_OPT_HELP,
	CLI_OPT_END,
};

const struct cli_cmd cli_key = {
	"key",
	"usage: nlpops key generate -o KEY [--force]\n"
	"\n"
	"Make an Ed25519 key pair for signing models: the private key KEY (PEM,\n"
	"mode 0600) and the public key KEY.pub (PEM), never overwriting either\n"
	"(status 4) unless --force.  Prints the public key's file and the key's\n"
	"id (the SHA-256 of the public key, as signatures name it).\n"
	"\n",
	options, NULL, "generate",
};

struct kargs {
	const char *out;
	int force;
};

/* One option (cli_parse()'s handler). */
static int
option(void *ctx, int id, const char *arg)
{
	struct kargs *a = ctx;

	switch (id) {
	case 'o': a->out = arg; break;
	case OPT_FORCE: a->force = 1; break;
	default:
		return cli_errorf("key", NLP_BUG, "option %d has no handler", id);
	}
	return NLP_OK;
}

int
cmd_key(int argc, char **argv)
{
	struct kargs a = { NULL, 0 };
	struct nlp_err e = { 0, "" };
	char id[NLP_KEY_ID_HEX];
	int first, rc, err;

	/* a verb it has not is refused before --help shows generate's
	   options (as `registry VERB --help` refuses one) */
	if (argc > 1 && argv[1][0] != '-' && strcmp(argv[1], "generate") != 0)
		return cli_usage_error("key", "'%s' is not a verb of key (generate)",
		    argv[1]);
	if ((rc = cli_parse(&cli_key, argc, argv, option, &a, &first)) != NLP_OK)
		return rc == CLI_HELP_SHOWN ? NLP_OK : rc;
	if (first >= argc)
		return cli_usage_error("key", "no verb: nlpops key generate -o KEY");
	if (strcmp(argv[first], "generate") != 0)
		return cli_usage_error("key", "'%s' is not a verb of key (generate)",
		    argv[first]);
	if (first + 1 < argc)
		return cli_usage_error("key", "unexpected '%s' after generate",
		    argv[first + 1]);
	if (a.out == NULL || a.out[0] == '\0')
		return cli_usage_error("key", "no output: give -o KEY");
	if (strcmp(a.out, "-") == 0)
		return cli_usage_error("key", "-o takes a file name, not '-': a key "
		    "is kept in a file");
	/* nor one of the registry's files, the key or its .pub */
	{
		char pub[4096];
		if (cli_outside_registry("key", "-o", a.out, cli_registry_dir()) !=
		    NLP_OK || (snprintf(pub, sizeof pub, "%s.pub", a.out) <
		    (int)sizeof pub && cli_outside_registry("key", "-o", pub,
		    cli_registry_dir()) != NLP_OK))
			return NLP_USAGE;
	}
	/* the key's id goes to standard output: a full or closed one is
	   found before a key is made, not after (exit 4, two files left) */
	if ((err = cli_stdout_writable()) != 0)
		return cli_errorf("key", NLP_IO, "standard output: %s; no key "
		    "was made", strerror(err));
	if (nlp_key_generate(a.out, a.force, id, &e) != NLP_OK)
		return cli_error("key", &e);
	printf("%s.pub %s\n", a.out, id);
	if ((err = cli_flush_stdout()) != 0)
		return cli_errorf("key", NLP_IO, "'%s' and '%s.pub' are written, "
		    "but standard output failed: %s", a.out, a.out, strerror(err));
	return NLP_OK;
}
