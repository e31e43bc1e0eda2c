/*
 * train.c - `nlpops train`: learn a classifier, write the artifact.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "pool.h"
#include "reader.h"
#include "registry.h"
#include "train.h"

static const char usage[] =
    "usage: nlpops train (-o ARTIFACT | --push NAME) [options] [DATA...]\n"
    "\n"
    "Learn a text classifier from labeled text (files, or stdin when none\n"
    "or '-') and write a reproducible model artifact.  A label with a\n"
    "control character or invalid UTF-8, a CSV quote never closed, and data\n"
    "whose texts have no features are errors (status 3).\n"
    "\n"
    "  -o, --output ARTIFACT    artifact to write (atomically); '.gz' name: gzip\n"
    "      --push NAME          push the artifact to the registry as NAME\n"
    "      --alias ALIAS        with --push: point ALIAS at the new version\n"
    "      --format F           input format: tsv, csv, jsonl, fasttext\n"
    "                           (default: from the extension; tsv for stdin)\n"
    "      --text-column C      CSV/TSV text column (name or number)\n"
    "      --label-column C     CSV/TSV label column (name or number)\n"
    "      --text-field F       JSONL text field (default: text)\n"
    "      --label-field F      JSONL label field (default: label)\n"
    "      --strict             the first odd record is an error\n"
    "      --ngrams N           word n-grams, 1 to 5 (default: 2)\n"
    "      --char-ngrams MIN-MAX  character n-grams, e.g. 3-5 (default: none)\n"
    "      --bits B             hash 2^B buckets, 10 to 26 (default: sized\n"
    "                           to the data, at most 24)\n"
    "      --min-df N           drop features seen in fewer than N documents\n"
    "                           (default: 3 from 2000 examples, 2 from 200,\n"
    "                           else 1)\n"
    "      --epochs E           passes over the data (default: 10)\n"
    "      --lr R               initial learning rate (default: 2)\n"
    "      --l2 L               L2 regularization (default: 0)\n"
    "      --class-weight W     none or balanced (default: none)\n"
    "      --seed S             random seed (default: 1)\n"
    "      --valid FILE         labeled data for early stopping and the\n"
    "                           held-out figures\n"
    "      --holdout F          without --valid: fraction held out to measure\n"
    "                           the model, at most 2000 examples, when there\n"
    "                           are 1000 or more (default: 0.05; 0: none)\n"
    "      --threads T          threads (default: all CPUs); the model is the\n"
    "                           same whatever T is\n"
    "  -q, --quiet              print nothing but errors\n"
    "  -h, --help               show this help\n";

enum {
	OPT_STRICT = 256, OPT_NGRAMS, OPT_CHAR, OPT_BITS,
	OPT_EPOCHS, OPT_LR, OPT_L2, OPT_CW, OPT_SEED, OPT_VALID, OPT_HOLDOUT,
	OPT_THREADS, OPT_MIN_DF, OPT_PUSH, OPT_ALIAS,
};

static const struct option longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	CLI_LABELED_INPUT_OPTIONS,
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "ngrams", required_argument, NULL, OPT_NGRAMS },
	{ "char-ngrams", required_argument, NULL, OPT_CHAR },
	{ "bits", required_argument, NULL, OPT_BITS },
	{ "epochs", required_argument, NULL, OPT_EPOCHS },
	{ "lr", required_argument, NULL, OPT_LR },
	{ "l2", required_argument, NULL, OPT_L2 },
	{ "class-weight", required_argument, NULL, OPT_CW },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "valid", required_argument, NULL, OPT_VALID },
	{ "holdout", required_argument, NULL, OPT_HOLDOUT },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "min-df", required_argument, NULL, OPT_MIN_DF },
	{ "push", required_argument, NULL, OPT_PUSH },
	{ "alias", required_argument, NULL, OPT_ALIAS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The epoch line, rewritten in place on a terminal. */
static void
progress(void *arg, const struct nlp_train_progress *p)
{
	(void)arg;
	fprintf(stderr, "\repoch %u/%u  %.0f examples/s  loss %.4f", p->epoch,
	    p->epochs, p->examples_per_s, p->loss);
	if (p->valid_accuracy >= 0)
		fprintf(stderr, "  valid accuracy %.4f", p->valid_accuracy);
	/* clear the rest of the line: an escape code where they are wanted,
	   spaces where they are not (NO_COLOR, TERM=dumb) */
	fputs(cli_escapes() ? "\033[K" : "          ", stderr);
	fflush(stderr);
}

/* Parse "MIN-MAX" for --char-ngrams. */
static int
parse_range(const char *arg, unsigned *lo, unsigned *hi)
{
	unsigned long a, b;
	char *end;

	a = strtoul(arg, &end, 10);
	if (end == arg || *end != '-')
		return -1;
	b = strtoul(end + 1, &end, 10);
	if (*end != '\0' || a < 1 || b < a || b > 10)
		return -1;
	*lo = (unsigned)a;
	*hi = (unsigned)b;
	return 0;
}

/* Does the name end in ".gz"? */
static int
gz_name(const char *path)
{
	size_t n = strlen(path);

	return n > 3 && strcmp(path + n - 3, ".gz") == 0;
}

/* Push the trained artifact; prints NAME@VERSION SHA256 on stdout.  A
 * push committed whose line could not be printed is -NLP_IO (reported). */
static int
push_model(const struct nlp_trained *t, const char *name, const char *alias,
    struct nlp_err *e)
{
	struct nlp_registry *r;
	struct nlp_push_opts po;
	struct nlp_push_result res;
	void *data;
	size_t len;
	int rc;

	if ((rc = nlp_trained_bytes(t, &data, &len, e)) != NLP_OK)
		return rc;
	if ((rc = nlp_registry_open(&r, cli_registry_dir(), 1, e)) != NLP_OK) {
		free(data);
		return rc;
	}
	memset(&po, 0, sizeof po);
	po.name = name;
	po.alias = alias;
	po.source = "nlpops train";
	po.who = cli_who();
	nlp_registry_before_commit(r, cli_check_stdout, NULL);
	rc = nlp_registry_push(r, data, len, &po, &res, e);
	nlp_registry_close(r);
	free(data);
	if (rc == NLP_OK)
		return cli_print_pushed("train", name, &res) == NLP_OK ? NLP_OK :
		    -NLP_IO;
	return rc;
}

int
cmd_train(int argc, char **argv)
{
	struct nlp_train_opts o;
	struct nlp_trained t;
	struct nlp_err e = { 0, "" };
	const char *out = NULL, *push = NULL, *alias = NULL;
	unsigned long u;
	double d, t0;
	int c, quiet = 0, rc;

	nlp_train_opts_init(&o);
	o.threads = nlp_cpu_count();
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
		rc = NLP_OK;
		switch (c) {
		case 'o': out = optarg; break;
		case OPT_PUSH: push = optarg; break;
		case OPT_ALIAS: alias = optarg; break;
		case 'q': quiet = 1; break;
		case 'h': return cli_help(usage);
		case OPT_STRICT: o.reader.strict = 1; break;
		case OPT_NGRAMS:
			rc = cli_uint(argv[0], "--ngrams", optarg, 1, 5, &u);
			o.ngrams = (unsigned)u;
			break;
		case OPT_CHAR:
			if (parse_range(optarg, &o.char_min, &o.char_max) < 0)
				return cli_usage_error(argv[0], "--char-ngrams takes "
				    "MIN-MAX with 1 <= MIN <= MAX <= 10, not '%s'",
				    optarg);
			break;
		case OPT_BITS:
			rc = cli_uint(argv[0], "--bits", optarg, 10, 26, &u);
			o.bits = (unsigned)u;
			break;
		case OPT_EPOCHS:
			rc = cli_uint(argv[0], "--epochs", optarg, 1, 10000, &u);
			o.epochs = (unsigned)u;
			break;
		case OPT_LR:
			rc = cli_double(argv[0], "--lr", optarg, 1e-6, 1000, &o.lr);
			break;
		case OPT_L2:
			rc = cli_double(argv[0], "--l2", optarg, 0, 1, &o.l2);
			break;
		case OPT_CW:
			if (strcmp(optarg, "balanced") == 0)
				o.balanced = 1;
			else if (strcmp(optarg, "none") == 0)
				o.balanced = 0;
			else
				return cli_usage_error(argv[0], "--class-weight "
				    "takes none or balanced, not '%s'", optarg);
			break;
		case OPT_SEED:
			rc = cli_uint(argv[0], "--seed", optarg, 0, 0xffffffffUL, &u);
			o.seed = u;
			break;
		case OPT_VALID: o.valid = optarg; break;
		case OPT_HOLDOUT:
			rc = cli_double(argv[0], "--holdout", optarg, 0, 0.5, &d);
			o.holdout = d;
			break;
		case OPT_MIN_DF:
			rc = cli_uint(argv[0], "--min-df", optarg, 1, 1000000, &u);
			o.min_df = (unsigned)u;
			break;
		case OPT_THREADS:
			rc = cli_uint(argv[0], "--threads", optarg, 1, 256, &u);
			o.threads = (unsigned)u;
			break;
		default:
			if ((rc = cli_reader_option(argv[0], c, optarg, &o.reader, 0)) < 0)
				return cli_bad_option(argv[0], optopt, argv, optind);
			break;
		}
		if (rc != NLP_OK)
			return rc;
	}
	if (out == NULL && push == NULL)
		return cli_usage_error(argv[0], "no output: give -o ARTIFACT or "
		    "--push NAME");
	if (alias != NULL && push == NULL)
		return cli_usage_error(argv[0], "--alias goes with --push");
	if (push != NULL && out != NULL && strcmp(out, "-") == 0)
		return cli_usage_error(argv[0], "-o - and --push would both write "
		    "to stdout");
	if (push != NULL && !nlp_registry_valid_name(push))
		return cli_usage_error(argv[0], "'%s' is not a valid model name "
		    "(1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or "
		    "digit)", push);
	if (alias != NULL && !nlp_registry_valid_alias(alias))
		return cli_usage_error(argv[0], "'%s' is not a valid alias", alias);
	if (!quiet && cli_isatty(2))
		o.progress = progress;

	t0 = cli_now();
	rc = nlp_train((const char *const *)argv + optind,
	    (size_t)(argc - optind), &o, &t, &e);
	if (o.progress)
		fputs(cli_escapes() ? "\r\033[K" : "\n", stderr);
	if (rc != NLP_OK)
		return cli_error(argv[0], &e);
	if (!quiet && t.oddities[0])
		fprintf(stderr, "nlpops train: %s\n", t.oddities);
	if (out != NULL && (rc = nlp_trained_write(&t, out, gz_name(out), &e))
	    != NLP_OK) {
		nlp_trained_release(&t);
		return cli_error(argv[0], &e);
	}
	if (push != NULL && (rc = push_model(&t, push, alias, &e)) != NLP_OK) {
		nlp_trained_release(&t);
		/* negative: committed, and what failed is said already */
		return rc < 0 ? -rc : cli_error(argv[0], &e);
	}
	if (!quiet) {
		fprintf(stderr, "nlpops train: %llu examples, %u classes, %u "
		    "features (%u bits), %u epochs",
		    (unsigned long long)t.examples, t.nclasses, t.nrows, t.bits,
		    t.epochs_run);
		if (t.best_epoch != t.epochs_run)
			fprintf(stderr, " (kept epoch %u)", t.best_epoch);
		if (t.held_out > 0)
			fprintf(stderr, ", held-out accuracy %.4f macro-F1 %.4f "
			    "(%llu examples)", t.held_out_accuracy,
			    t.held_out_macro_f1, (unsigned long long)t.held_out);
		fprintf(stderr, ", %.2f s", cli_now() - t0);
		if (out != NULL)
			fprintf(stderr, " -> %s", out);
		fputc('\n', stderr);
	}
	nlp_trained_release(&t);
	return NLP_OK;
}
