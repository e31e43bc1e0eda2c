/*
 * train.c - `nlpops train`: learn a classifier, write the artifact.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact.h"
#include "atomic.h"
#include "autotune.h"
#include "cmd.h"
#include "input.h"
#include "text.h"
#include "opts.h"
#include "pool.h"
#include "reader.h"
#include "registry.h"
#include "sign.h"
#include "train.h"

enum {
	OPT_STRICT = 256, OPT_NGRAMS, OPT_CHAR, OPT_BITS,
	OPT_EPOCHS, OPT_LR, OPT_L2, OPT_CW, OPT_SEED, OPT_VALID, OPT_HOLDOUT,
	OPT_MIN_DF, OPT_PUSH, OPT_ALIAS, OPT_TAG, OPT_DESC, OPT_REASON, OPT_SIGN,
	OPT_AUTOTUNE, OPT_TRIALS, OPT_QUANTIZE, OPT_CV, OPT_MULTILABEL,
	OPT_SOLVER, OPT_COST, OPT_NO_REFIT,
};

static const struct cli_opt options[] = {
	{ 'o', 'o', "output", "ARTIFACT", "artifact to write (atomically);\n"
	    "'.gz' or '.tgz' name: gzip", "file" },
	{ OPT_SIGN, 0, "sign", "KEY", "sign the artifact with the private key "
	    "KEY:\ninto ARTIFACT.sig beside -o, and with --push", "file" },
	{ OPT_PUSH, 0, "push", "NAME", "push the artifact to the registry as "
	    "NAME", "model" },
	{ OPT_ALIAS, 0, "alias", "ALIAS", "with --push: point ALIAS at the new "
	    "version", NULL },
	{ OPT_TAG, 0, "tag", "K=V", "with --push: tag the version (repeatable)",
	    NULL },
	{ OPT_DESC, 0, "description", "T", "with --push: describe the version",
	    NULL },
	{ OPT_REASON, 0, "reason", "T", "with --push: why, for the event log",
	    NULL },
	{ CLI_TRUST, 0, "trust", "PUBKEY", "with --push --alias: move the alias "
	    "only\nif --sign is this key (repeatable; default:\n"
	    "$NLPOPS_TRUSTED_KEYS)", "file" },
	{ CLI_FORMAT, 0, "format", "F", "input format: tsv, csv, jsonl, fasttext\n"
	    "(default: from the extension; tsv for stdin)",
	    "tsv csv jsonl fasttext" },
	CLI_OPTS_LABELED_COLUMNS,
	{ OPT_MULTILABEL, 0, "multilabel", NULL, "records with several labels: "
	    "one sigmoid\noutput per label (one-vs-all), not a softmax", NULL },
	CLI_OPT_LABEL_SEP,
	{ OPT_STRICT, 0, "strict", NULL, "the first odd record is an error",
	    NULL },
	{ OPT_NGRAMS, 0, "ngrams", "N", "word n-grams, 1 to 5 (default: 2)",
	    NULL },
	{ OPT_CHAR, 0, "char-ngrams", "MIN-MAX", "character n-grams, e.g. 3-5, "
	    "or none\n(default: none)", NULL },
	{ OPT_BITS, 0, "bits", "B", "hash 2^B buckets, 10 to 26 (default: "
	    "sized\nto the data, at most 24)", NULL },
	{ OPT_MIN_DF, 0, "min-df", "N", "drop features seen in fewer than N "
	    "documents\n(default: from 2000 examples 3, or 1 below\n500 a class; 2 from 200; else 1)",
	    NULL },
	{ OPT_SOLVER, 0, "solver", "S", "svm: one-vs-rest linear SVMs, solved "
	    "exactly\n(the default for single-label data); sgd:\nsoftmax "
	    "regression by SGD (the default with\n--multilabel, and when "
	    "--epochs, --lr or --l2\nis given)", "svm sgd" },
	{ OPT_COST, 0, "cost", "C", "svm: the cost of a margin error, the "
	    "inverse\nof the regularization (default: 2)", NULL },
	{ OPT_EPOCHS, 0, "epochs", "E", "sgd: passes over the data (default: 10)",
	    NULL },
	{ OPT_LR, 0, "lr", "R", "sgd: initial learning rate (default: 2)",
	    NULL },
	{ OPT_L2, 0, "l2", "L", "sgd: L2 regularization (default: 0)", NULL },
	{ OPT_CW, 0, "class-weight", "W", "none or balanced (default: none)",
	    "none balanced" },
	{ OPT_SEED, 0, "seed", "S", "random seed (default: 1)", NULL },
	{ OPT_VALID, 0, "valid", "FILE", "labeled data for the held-out "
	    "figures,\nthe SVM's temperature and SGD's early\nstopping",
	    "file" },
	{ OPT_HOLDOUT, 0, "holdout", "F", "without --valid: fraction held out "
	    "to measure\nthe model, at most 2000 examples, when there\nare 1000 "
	    "or more (default: 0.05; 0: none);\nthen it trains again on all of "
	    "them", NULL },
	{ OPT_NO_REFIT, 0, "no-refit", NULL, "keep the model the held-out "
	    "slice measured,\nnot trained again with it (some 80% of the time)",
	    NULL },
	{ OPT_QUANTIZE, 0, "quantize", NULL, "store the weights as 8-bit integers "
	    "with a\nscale per feature: a smaller artifact; the\nheld-out figures "
	    "are the quantized model's", NULL },
	{ OPT_AUTOTUNE, 0, "autotune", NULL, "try --trials sets of the training "
	    "options\n(those not given) and keep the model with the\nbest "
	    "macro-F1 on --valid or the held-out slice", NULL },
	{ OPT_TRIALS, 0, "trials", "N", "with --autotune: trials, 1 to 1000 "
	    "(default: 16)", NULL },
	{ OPT_CV, 0, "cv", "K", "with --autotune: score each trial by stratified\n"
	    "K-fold cross-validation (2 to 20), then train\nthe kept model "
	    "with the best options (and the\nusual held-out slice)", NULL },
	CLI_OPT_THREADS("threads (default: the CPUs it may\nuse); the model is "
	    "the same whatever\nT is"),
	{ 'q', 'q', "quiet", NULL, "print nothing but errors and warnings\n"
	    "(records skipped or damaged, a poor model)", NULL },
	CLI_OPT_HELP,
	CLI_OPT_END,
};

const struct cli_cmd cli_train = {
	"train",
	"usage: nlpops train (-o ARTIFACT | --push NAME) [options] [DATA...]\n"
	"\n"
	"Learn a text classifier from labeled text (files, or stdin when none\n"
	"or '-') and write a reproducible model artifact.  A label with a\n"
	"control character or invalid UTF-8, a CSV quote never closed, and data\n"
	"whose texts have no features are errors (status 3).\n"
	"\n",
	options, NULL, "file...",
};

/* What the command line asked for. */
#define MAX_TAGS 64

struct targs {
	int holdout_given;          /* --holdout */
	int no_refit_given;         /* --no-refit */
	struct nlp_train_opts o;
	const char *out;
	struct nlp_push_opts po;       /* po.name: --push NAME, or NULL */
	const char *tags[MAX_TAGS];
	const char *sign;              /* --sign KEY, or NULL */
	struct nlp_key *key;           /* its key, loaded before training */
	char sigpath[4096];            /* ARTIFACT.sig */
	int quiet;
	int autotune;
	struct nlp_autotune_opts ao;   /* ao.fixed: the options given */
	unsigned long trials;          /* --trials, 0: not given */
	unsigned long cv;              /* --cv, 0: not given */
	const char *sgd_flag;          /* the first of --epochs, --lr, --l2 */
	int cost_given;
	double last;                   /* when the last trial ended */
};

/* The epoch line, rewritten in place on a terminal. */
static void
progress(void *arg, const struct nlp_train_progress *p)
{
	(void)arg;
	if (p->epochs == 0)
		fprintf(stderr, "\rsvm: class %u/%u solved", p->classes,
		    p->nclasses);
	else
		fprintf(stderr, "\repoch %u/%u  %.0f examples/s  loss %.4f",
		    p->epoch, p->epochs, p->examples_per_s, p->loss);
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

	/* digits only, as cli_uint() takes them: strtoul() would also take
	   white space and a sign before each number */
	if (arg[0] < '0' || arg[0] > '9')
		return -1;
	a = strtoul(arg, &end, 10);
	if (*end != '-' || end[1] < '0' || end[1] > '9')
		return -1;
	b = strtoul(end + 1, &end, 10);
	if (*end != '\0' || a < 1 || b < a || b > 10)
		return -1;
	*lo = (unsigned)a;
	*hi = (unsigned)b;
	return 0;
}

/* Does the name end in ".gz" or ".tgz" (in any case)? */
static int
gz_name(const char *path)
{
	const char *sfx = nlp_compressed_suffix(path);

	return sfx != NULL && (strcmp(sfx, ".gz") == 0 ||
	    strcmp(sfx, ".tgz") == 0);
}

/* Push the trained artifact as po says; prints NAME@VERSION SHA256 on
 * stdout.  A push committed whose line could not be printed is -NLP_IO
 * (reported). */
static int
push_model(const struct nlp_trained *t, const struct nlp_push_opts *po,
    int quiet, struct nlp_err *e)
{
	struct nlp_registry *r;
	struct nlp_push_result res;
	void *data;
	size_t len;
	int rc;

	if ((rc = nlp_trained_bytes(t, &data, &len, e)) != NLP_OK)
		return rc;
	if ((rc = cli_registry_open(&r, 1, "train", e)) != NLP_OK) {
		free(data);
		return rc;
	}
	nlp_registry_before_commit(r, cli_check_stdout, NULL);
	rc = nlp_registry_push(r, data, len, po, &res, e);
	nlp_registry_close(r);
	free(data);
	if (rc == NLP_OK)
		cli_signed_by("train", po->sign, po->name, &res, quiet);
	if (rc == NLP_OK)
		return cli_print_pushed("train", po->name, po->alias, &res,
		    quiet) == NLP_OK ? NLP_OK : -NLP_IO;
	return rc;
}

/* Open the registry --push names and check the push there, changing
 * nothing: NLP_OK, or the error. */
static int
push_preflight(const struct nlp_push_opts *po, struct nlp_err *e)
{
	struct nlp_registry *r;
	int rc;

	/* a registry directory not made yet: made by the push, not now (a
	   training that fails would leave an empty registry behind, where
	   a mistyped path then reads as a registry without the model) */
	if ((rc = nlp_registry_missing_dir(cli_registry_dir(), e)) < 0)
		return -rc;
	if (rc == 1)
		return nlp_registry_check_push(po, e);
	if ((rc = cli_registry_open(&r, 1, "train", e)) != NLP_OK)
		return rc;
	rc = nlp_registry_check_push_in(r, po, e);
	nlp_registry_close(r);
	return rc;
}

/* One option (cli_parse()'s handler). */
static int
option(void *ctx, int id, const char *arg)
{
	struct targs *t = ctx;
	struct nlp_train_opts *o = &t->o;
	unsigned long u = 0;
	double d = 0;
	int rc = NLP_OK;

	switch (id) {
	case 'o': t->out = arg; break;
	case OPT_PUSH: t->po.name = arg; break;
	case OPT_SIGN: t->sign = arg; break;
	case CLI_TRUST: return cli_trust_option("train", arg);
	case OPT_ALIAS: t->po.alias = arg; break;
	/* blank is none: history would show a lone '#' */
	case OPT_DESC: t->po.description = nlp_text_blank(arg, strlen(arg)) ?
	    NULL : arg; break;
	case OPT_REASON: t->po.reason = nlp_text_blank(arg, strlen(arg)) ?
	    NULL : arg; break;
	case OPT_TAG:
		if (t->po.ntags == MAX_TAGS)
			return cli_usage_error("train", "too many --tag (at most "
			    "%d)", MAX_TAGS);
		t->tags[t->po.ntags++] = arg;
		break;
	case 'q': t->quiet = 1; break;
	case OPT_STRICT: o->reader.strict = 1; break;
	case OPT_VALID: o->valid = arg; break;
	case OPT_CHAR:
		if (strcmp(arg, "none") == 0)     /* the default, said */
			o->char_min = o->char_max = 0;
		else if (parse_range(arg, &o->char_min, &o->char_max) < 0)
			return cli_usage_error("train", "--char-ngrams takes MIN-MAX "
			    "with 1 <= MIN <= MAX <= 10, or none, not '%s'", arg);
		t->ao.fixed |= NLP_TUNE_CHAR;
		break;
	case OPT_AUTOTUNE: t->autotune = 1; break;
	case OPT_QUANTIZE: o->quantize = 1; break;
	case OPT_NO_REFIT: o->refit = 0; t->no_refit_given = 1; break;
	case OPT_MULTILABEL: o->multilabel = 1; break;
	case OPT_CV:
		rc = cli_uint("train", "--cv", arg, 2, NLP_TUNE_MAX_FOLDS, &t->cv);
		break;
	case OPT_TRIALS:
		rc = cli_uint("train", "--trials", arg, 1, NLP_TUNE_MAX_TRIALS,
		    &t->trials);
		break;
	case OPT_CW:
		if (strcmp(arg, "balanced") != 0 && strcmp(arg, "none") != 0)
			return cli_usage_error("train", "--class-weight takes none "
			    "or balanced, not '%s'", arg);
		o->balanced = strcmp(arg, "balanced") == 0;
		break;
	case OPT_NGRAMS:
		rc = cli_uint("train", "--ngrams", arg, 1, 5, &u);
		o->ngrams = (unsigned)u;
		t->ao.fixed |= NLP_TUNE_NGRAMS;
		break;
	case OPT_BITS:
		rc = cli_uint("train", "--bits", arg, 10, 26, &u);
		o->bits = (unsigned)u;
		t->ao.fixed |= NLP_TUNE_BITS;
		break;
	case OPT_SOLVER:
		if (strcmp(arg, "svm") != 0 && strcmp(arg, "sgd") != 0)
			return cli_usage_error("train", "--solver takes svm or "
			    "sgd, not '%s'", arg);
		o->solver = strcmp(arg, "svm") == 0 ? NLP_SOLVER_SVM :
		    NLP_SOLVER_SGD;
		break;
	case OPT_COST:
		rc = cli_double("train", "--cost", arg, 1e-6, 1e6, &o->cost);
		t->ao.fixed |= NLP_TUNE_COST;
		t->cost_given = 1;
		break;
	case OPT_EPOCHS:
		if (t->sgd_flag == NULL)
			t->sgd_flag = "--epochs";
		rc = cli_uint("train", "--epochs", arg, 1, 10000, &u);
		o->epochs = (unsigned)u;
		t->ao.fixed |= NLP_TUNE_EPOCHS;
		break;
	case OPT_MIN_DF:
		rc = cli_uint("train", "--min-df", arg, 1, 1000000, &u);
		o->min_df = (unsigned)u;
		t->ao.fixed |= NLP_TUNE_MIN_DF;
		break;
	case CLI_THREADS:
		return cli_threads("train", arg, &o->threads);
	case OPT_SEED:
		rc = cli_uint("train", "--seed", arg, 0, 0xffffffffUL, &u);
		o->seed = u;
		break;
	case OPT_LR:
		if (t->sgd_flag == NULL)
			t->sgd_flag = "--lr";
		rc = cli_double("train", "--lr", arg, 1e-6, 1000, &o->lr);
		t->ao.fixed |= NLP_TUNE_LR;
		break;
	case OPT_L2:
		if (t->sgd_flag == NULL)
			t->sgd_flag = "--l2";
		rc = cli_double("train", "--l2", arg, 0, 1, &o->l2);
		t->ao.fixed |= NLP_TUNE_L2;
		break;
	case OPT_HOLDOUT:
		rc = cli_double("train", "--holdout", arg, 0, 0.5, &d);
		o->holdout = d;
		t->holdout_given = 1;
		break;
	default:
		if ((rc = cli_reader_option("train", id, arg, &o->reader, 0)) < 0)
			rc = cli_errorf("train", NLP_BUG, "option %d has no handler",
			    id);
		break;
	}
	return rc;
}

/* --valid - with the training data on standard input too: the training
 * data would read it to its end, leaving --valid nothing ('no example to
 * validate on', status 3, after the reading). */
static int
valid_apart(const char *valid, int n, char **paths)
{
	struct stat vs, is;
	int i, stdin_data = n == 0;

	/* '-', or a name of the same stream (/dev/stdin, /dev/fd/0) */
	if (valid == NULL || (strcmp(valid, "-") != 0 &&
	    (stat(valid, &vs) != 0 || fstat(0, &is) != 0 ||
	    vs.st_dev != is.st_dev || vs.st_ino != is.st_ino ||
	    S_ISREG(vs.st_mode))))
		return NLP_OK;
	for (i = 0; i < n; i++)
		stdin_data |= strcmp(paths[i], "-") == 0;
	if (stdin_data)
		return cli_usage_error("train", "--valid and the training data "
		    "cannot both be standard input");
	return NLP_OK;
}

/* -o (and its signature): not onto the training data or --valid's, which
 * the artifact would replace. */
static int
outputs_apart(const struct targs *t, char **paths, size_t npaths)
{
	int to_stdout = t->out != NULL && strcmp(t->out, "-") == 0;
	const struct cli_output out[2] = {
		{ to_stdout ? NULL : "-o", t->out, 0 },
		{ "the signature", t->sign != NULL && t->out != NULL &&
		    !to_stdout ? t->sigpath : NULL, 0 },
	};
	struct cli_files f = { out, 2, paths, npaths, NULL, t->sign };
	char *valid[1] = { (char *)t->o.valid };
	int rc;

	if ((rc = cli_inputs_once("train", paths, npaths)) != NLP_OK ||
	    (rc = cli_files_apart("train", &f)) != NLP_OK || t->o.valid == NULL)
		return rc;
	f.in = valid;
	f.nin = 1;
	return cli_files_apart("train", &f);
}

/* What cannot go together, and what the registry would refuse (checked
 * before the training, not after it). */
static int
check_args(struct targs *t)
{
	struct nlp_err e = { 0, "" };
	const char *alone = t->po.alias ? "--alias" : t->po.ntags ? "--tag" :
	    t->po.description ? "--description" : t->po.reason ? "--reason" :
	    NULL;

	if (t->out == NULL && t->po.name == NULL)
		return cli_usage_error("train", "no output: give -o ARTIFACT or "
		    "--push NAME");
	/* a name another compressor's: the tar under it would be a file
	   that is not what its name says (xz -d refuses it) */
	if (t->out != NULL && nlp_compressed_suffix(t->out) != NULL &&
	    !gz_name(t->out))
		return cli_usage_error("train", "-o '%s': an artifact is written "
		    "as a tar, or gzip-compressed for a '.gz' or '.tgz' name, "
		    "not as '%s'", t->out, t->out + strlen(t->out) -
		    strlen(nlp_compressed_suffix(t->out)));
	if (t->o.reader.label_sep != '\0' && !t->o.multilabel)
		return cli_usage_error("train", "--label-sep goes with "
		    "--multilabel");
	if (t->o.balanced && t->o.multilabel)
		return cli_usage_error("train", "--class-weight balanced is for "
		    "single-label training, not --multilabel");
	/* an SGD option asks for SGD; the other solver's options are errors,
	   never silently unused */
	if (t->o.solver == NLP_SOLVER_AUTO && t->sgd_flag != NULL)
		t->o.solver = NLP_SOLVER_SGD;
	if (t->o.solver == NLP_SOLVER_SVM && t->o.multilabel)
		return cli_usage_error("train", "--solver svm is for single-label "
		    "training: --multilabel learns by sgd");
	if (nlp_train_solver(&t->o) == NLP_SOLVER_SVM && t->sgd_flag != NULL)
		return cli_usage_error("train", "%s goes with --solver sgd, not "
		    "svm", t->sgd_flag);
	if (t->holdout_given && t->o.valid != NULL)
		return cli_usage_error("train", "--holdout and --valid exclude each "
		    "other: the held-out figures come from one or the other");
	if (t->no_refit_given && t->o.valid != NULL)
		return cli_usage_error("train", "--no-refit and --valid exclude "
		    "each other: --valid's examples are never trained on, so "
		    "there is no refit to leave out");
	if (t->no_refit_given && t->holdout_given && t->o.holdout == 0)
		return cli_usage_error("train", "--no-refit and --holdout 0 "
		    "exclude each other: with no held-out slice there is no "
		    "refit to leave out");
	if (t->autotune && t->holdout_given && t->o.holdout == 0 &&
	    t->o.valid == NULL && t->cv == 0)
		return cli_usage_error("train", "--autotune with --holdout 0 has "
		    "no validation data to choose by: give --valid FILE, --cv K, "
		    "or a held-out share");
	/* each step shrinks a weight by 1 - lr x l2: at 0 or below, the
	   weights swing and grow until they are no numbers */
	if (nlp_train_solver(&t->o) == NLP_SOLVER_SGD && t->o.lr * t->o.l2 >= 1)
		return cli_usage_error("train", "--lr %g with --l2 %g: their "
		    "product must be below 1 (each step shrinks the weights by "
		    "1 - lr x l2)", t->o.lr, t->o.l2);
	if (nlp_train_solver(&t->o) == NLP_SOLVER_SGD && t->cost_given)
		return cli_usage_error("train", "--cost goes with --solver svm, "
		    "not sgd (%s %s)", t->o.multilabel ? "--multilabel" :
		    t->sgd_flag ? t->sgd_flag : "--solver sgd",
		    t->o.multilabel ? "learns by sgd" : t->sgd_flag ?
		    "asks for sgd" : "given");
	if (t->trials != 0 && !t->autotune)
		return cli_usage_error("train", "--trials goes with --autotune");
	t->ao.trials = t->trials ? (unsigned)t->trials : 16;
	if (t->cv != 0 && !t->autotune)
		return cli_usage_error("train", "--cv goes with --autotune");
	if (t->cv != 0 && t->o.valid != NULL)
		return cli_usage_error("train", "--cv and --valid are two ways to "
		    "validate: give one");
	t->ao.cv = (unsigned)t->cv;
	if (alone != NULL && t->po.name == NULL)
		return cli_usage_error("train", "%s goes with --push", alone);
	if (cli_trust_given() && t->po.name == NULL)
		return cli_usage_error("train", "--trust goes with --push");
	/* --sign: the version pushed is signed (stored with it), and an
	   artifact written to a file gets its signature beside it */
	if (t->sign != NULL && t->out != NULL && strcmp(t->out, "-") == 0)
		return cli_usage_error("train", "--sign needs -o ARTIFACT, a "
		    "file: the signature is written beside it");
	if (t->sign != NULL && t->out != NULL && nlp_signature_path(t->out,
	    t->sigpath, sizeof t->sigpath) != 0)
		return cli_usage_error("train", "-o name too long");
	/* a binary archive, its sample member the training texts as they
	   are (escape sequences too): not for a terminal, as registry export
	   -o - refuses one */
	if (t->out != NULL && strcmp(t->out, "-") == 0 && t->po.name == NULL &&
	    cli_isatty(STDOUT_FILENO))
		return cli_usage_error("train", "-o -: standard output is a "
		    "terminal; redirect it to a file");
	if (t->po.name == NULL)
		return NLP_OK;
	if (t->out != NULL && strcmp(t->out, "-") == 0)
		return cli_usage_error("train", "-o - and --push would both write "
		    "to stdout");
	t->po.tags = t->tags;
	t->po.source = "nlpops train";
	t->po.who = cli_who();
	if (nlp_registry_check_push(&t->po, &e) != NLP_OK)
		return cli_usage_error("train", "%s", e.msg);
	return NLP_OK;
}

/* The summary line on stderr. */
static void
summary(const struct targs *a, const struct nlp_trained *t, double t0)
{
	char shown[4 * 4096];

	fprintf(stderr, "nlpops train: %llu example%s, %u classes, %u "
	    "features (%u bits), ", (unsigned long long)t->examples,
	    t->examples == 1 ? "" : "s", t->nclasses, t->nrows, t->bits);
	if (t->solver == NLP_SOLVER_SVM) {
		fprintf(stderr, "svm cost %g, %u passes", t->cost, t->passes);
		if (t->unconverged > 0)
			fprintf(stderr, " (%u classes short of the tolerance)",
			    t->unconverged);
	} else {
		fprintf(stderr, "%u epochs", t->epochs_run);
		if (t->best_epoch != t->epochs_run)
			fprintf(stderr, " (kept epoch %u)", t->best_epoch);
	}
	if (t->held_out > 0 && a->o.multilabel) {
		fprintf(stderr, ", held-out subset accuracy %.4f macro-F1 %.4f "
		    "micro-F1 %.4f Hamming loss %.4f (%llu example%s)",
		    t->held_out_accuracy, t->held_out_macro_f1,
		    t->held_out_micro_f1, t->held_out_hamming,
		    (unsigned long long)t->held_out, t->held_out == 1 ? "" : "s");
		if (t->quantized)
			fprintf(stderr, ", quantized (float weights: subset "
			    "accuracy %.4f macro-F1 %.4f)", t->float_accuracy,
			    t->float_macro_f1);
	} else if (t->held_out > 0 && t->quantized)
		fprintf(stderr, ", quantized: held-out accuracy %.4f macro-F1 "
		    "%.4f (%llu example%s; float weights %.4f and %.4f)",
		    t->held_out_accuracy, t->held_out_macro_f1,
		    (unsigned long long)t->held_out, t->held_out == 1 ? "" : "s",
		    t->float_accuracy,
		    t->float_macro_f1);
	else if (t->held_out > 0)
		fprintf(stderr, ", held-out accuracy %.4f macro-F1 %.4f (%llu "
		    "example%s)", t->held_out_accuracy, t->held_out_macro_f1,
		    (unsigned long long)t->held_out, t->held_out == 1 ? "" : "s");
	else if (t->quantized)
		fputs(", quantized", stderr);
	if (t->refit)
		fputs(", then trained on them too", stderr);
	fprintf(stderr, ", %.2f s", cli_now() - t0);
	if (a->out != NULL)
		fprintf(stderr, " -> %s", cli_shown(a->out, shown,
		    sizeof shown));
	fputc('\n', stderr);
}

/* "nlpops train: warning: TEXT", unless TEXT is "" (one of
 * struct nlp_trained's notes, 512 bytes). */
static void
warning(const char *text)
{
	char buf[512 * 4];

	if (text[0])
		fprintf(stderr, "nlpops train: warning: %s\n",
		    cli_shown(text, buf, sizeof buf));
}

/* The reader's summary of odd input (of the file said by who: "" or
 * "--valid: "), or with quiet its records lost or changed only (a header
 * passed over is not news). */
static void
oddities(int quiet, const char *who, const char *odd, const char *losses)
{
	char shown[sizeof ((struct nlp_trained *)0)->oddities * 4];

	if (!quiet && odd[0])
		fprintf(stderr, "nlpops train: %s%s\n", who,
		    cli_shown(odd, shown, sizeof shown));
	else if (quiet && losses[0])
		fprintf(stderr, "nlpops train: warning: %s%s\n", who,
		    cli_shown(losses, shown, sizeof shown));
}

/*
 * A signature beside -o that is not of the artifact written (trained
 * before with --sign, now without): predict --trust refuses the pair, so
 * it is said (even with -q), never removed -- the file is the user's.
 */
static void
stale_signature(const struct targs *a)
{
	char sigpath[4096], text[NLP_SIG_MAX], shown[4 * 4096];
	struct nlp_err e = { 0, "" };
	struct nlp_signature s;
	struct nlp_artifact *art;
	const char *sha;
	size_t len;
	int found = 0, other;

	if (a->key != NULL || a->out == NULL || strcmp(a->out, "-") == 0 ||
	    nlp_signature_path(a->out, sigpath, sizeof sigpath) != 0 ||
	    nlp_signature_read(sigpath, text, &len, &found, &e) != NLP_OK ||
	    !found || nlp_signature_parse(&s, text, len, sigpath, &e) !=
	    NLP_OK || nlp_artifact_open(&art, a->out, &e) != NLP_OK)
		return;
	sha = nlp_artifact_sha256(art);
	other = sha[0] != '\0' && strcmp(sha, s.sha256) != 0;
	nlp_artifact_close(art);
	if (other)
		fprintf(stderr, "nlpops train: warning: '%s' is the signature of "
		    "another artifact (SHA-256 %.12s), not of this one: "
		    "--trust refuses the pair (train with --sign, or remove "
		    "it)\n", cli_shown(sigpath, shown, sizeof shown), s.sha256);
}

/*
 * --sign: sign the artifact written to out's temporary file, read back
 * and checked as a loader would, and write the signature into sig (its
 * own temporary file): both are committed by the caller, only when both
 * are whole.
 */
static int
sign_written(const struct targs *a, const struct nlp_atomic *out,
    struct nlp_atomic *sig, struct nlp_err *e)
{
	struct nlp_artifact *art;
	struct nlp_signature s;
	char buf[NLP_ATOMIC_NAME_MAX];
	const char *written = nlp_atomic_name(out, buf);
	int rc;

	/* the bytes written (not yet synced: the commit syncs them) */
	if (written == NULL)
		return nlp_errf(e, NLP_BUG, "--sign: '%s' is not a file",
		    a->out);
	if ((rc = nlp_artifact_open(&art, written, e)) != NLP_OK)
		return rc;
	rc = nlp_sign_artifact(a->key, art, &s, e);
	nlp_artifact_close(art);
	if (rc != NLP_OK)
		return rc;
	if (fwrite(s.text, 1, s.len, sig->fp) != s.len || fflush(sig->fp) != 0)
		return nlp_errnof(e, NLP_IO, errno, "cannot write '%s'",
		    a->sigpath);
	return NLP_OK;
}

/*
 * Write the artifact to -o, into out (opened before training, so that an
 * output that cannot be created fails at once, not after the whole run),
 * with --sign its signature into sig, then push it.  A push committed but
 * not printed is -NLP_IO (reported).
 */
static int
deliver(const struct targs *a, const struct nlp_trained *t,
    struct nlp_atomic *out, struct nlp_atomic *sig, struct nlp_err *e)
{
	int rc;

	if (a->out != NULL) {
		rc = nlp_trained_write_fd(t, out->fp ? out->fd : STDOUT_FILENO,
		    out->fp ? a->out : "standard output", gz_name(a->out), e);
		if (rc == NLP_OK && a->key != NULL)
			rc = sign_written(a, out, sig, e);
		if (rc == NLP_OK && out->fp != NULL)
			rc = nlp_atomic_commit(out, e);
		/* the artifact first: were the signature's commit to fail,
		   an old signature beside the new artifact is refused */
		if (rc == NLP_OK && a->key != NULL)
			rc = nlp_atomic_commit(sig, e);
		if (rc != NLP_OK)
			return rc;
	}
	if (a->po.name == NULL)
		return NLP_OK;
	/* -o is kept (the model is good), and said to be: "nothing changed"
	   is the registry's */
	if ((rc = push_model(t, &a->po, a->quiet, e)) != NLP_OK && rc > 0 &&
	    a->out != NULL && strcmp(a->out, "-") != 0)
		nlp_err_prefix(e, "'%s' is written, but the push failed", a->out);
	return rc;
}

/* --sign with -o naming no file: a usage error, printed. */
static int
sign_needs_file(void)
{
	return cli_usage_error("train", "--sign needs -o to name a file, not "
	    "a device or FIFO: the signature is written beside it");
}

/*
 * --sign KEY, before the training (a key that cannot be used fails at
 * once): load the key (for the push too), and with -o open ARTIFACT.sig
 * beside the artifact out.
 * NLP_USAGE printed; any other failure in e.
 */
static int
open_signing(struct targs *a, const struct nlp_atomic *out,
    struct nlp_atomic *sig, struct nlp_err *e)
{
	int rc;

	if (a->out != NULL && out->direct)
		return sign_needs_file();
	if ((rc = nlp_key_load(&a->key, a->sign, e)) != NLP_OK)
		return rc;
	a->po.sign = a->key;
	if (a->out != NULL && (rc = nlp_atomic_open(sig, a->sigpath, e)) !=
	    NLP_OK) {
		nlp_key_close(a->key);
		a->key = NULL;
	}
	return rc;
}

/* --autotune reads the data once per trial: files, not stdin, nor a
 * pipe by another name (/dev/stdin, <(zcat ...), a FIFO), whose second
 * reading would find it empty and train nothing.  The data (n paths) and
 * --valid's file (or NULL). */
static int
check_autotune_files(int n, char **paths, const char *valid)
{
	struct stat sb;
	int i;

	if (n == 0)
		return cli_usage_error("train", "--autotune reads the data once "
		    "per trial: give it as files, not on stdin");
	for (i = 0; i <= n; i++) {
		const char *p = i < n ? paths[i] : valid;

		if (p == NULL)
			continue;
		if (strcmp(p, "-") == 0)
			return cli_usage_error("train", "--autotune reads the data "
			    "once per trial: give it as files, not '-' (stdin)");
		if (stat(p, &sb) == 0 && !S_ISREG(sb.st_mode))
			return cli_usage_error("train", "--autotune reads the data "
			    "once per trial: '%s' is not a regular file (a pipe "
			    "reads once): give it as files", p);
	}
	return NLP_OK;
}

/* x as the shortest of %.9g and %.17g that reads back as x, into buf. */
static const char *
exact(double x, char *buf, size_t size)
{
	snprintf(buf, size, "%.9g", x);
	if (strtod(buf, NULL) != x)
		snprintf(buf, size, "%.17g", x);
	return buf;
}

/* A trial's options as `train` takes them (the sized and default ones
 * left out), into buf: given to train, the same model. */
static const char *
trial_flags(const struct nlp_train_opts *o, char *buf, size_t size)
{
	char num[32];
	int n = nlp_train_solver(o) == NLP_SOLVER_SVM ?
	    snprintf(buf, size, "--cost %s --ngrams %u",
	    exact(o->cost, num, sizeof num), o->ngrams) :
	    snprintf(buf, size, "--lr %s --epochs %u --ngrams %u",
	    exact(o->lr, num, sizeof num), o->epochs, o->ngrams);

	if (o->char_min != 0 && n >= 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, " --char-ngrams %u-%u",
		    o->char_min, o->char_max);
	if (o->bits != 0 && n >= 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, " --bits %u", o->bits);
	if (o->min_df != 0 && n >= 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, " --min-df %u",
		    o->min_df);
	if (nlp_train_solver(o) == NLP_SOLVER_SGD && o->l2 != 0 && n >= 0 &&
	    (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " --l2 %s",
		    exact(o->l2, num, sizeof num));
	return buf;
}

/* One line on stderr per trial. */
static void
trial_line(void *arg, const struct nlp_autotune_trial *tr)
{
	struct targs *a = arg;
	char flags[256], msg[sizeof tr->msg * 4];
	double now = cli_now();

	if (a->quiet) {
		a->last = now;
		return;
	}
	if (a->o.progress)          /* the epoch line, on a terminal */
		fputs(cli_escapes() ? "\r\033[K" : "\n", stderr);
	fprintf(stderr, "nlpops train: trial %u/%u: %s: ", tr->number,
	    tr->trials, trial_flags(&tr->o, flags, sizeof flags));
	if (tr->failed)
		fprintf(stderr, "no model: %s", cli_shown(tr->msg, msg,
		    sizeof msg));
	else
		fprintf(stderr, "%smacro-F1 %.4f, accuracy %.4f",
		    a->ao.cv ? "cross-validated " : "", tr->macro_f1,
		    tr->accuracy);
	fprintf(stderr, " (%.2f s)%s\n", now - a->last,
	    tr->best == tr->number && !tr->failed ? " best" : "");
	a->last = now;
}

int
cmd_train(int argc, char **argv)
{
	struct targs a;
	struct nlp_trained t;
	struct nlp_atomic out, sig;
	struct nlp_err e = { 0, "" };
	double t0;
	int first, rc;

	memset(&a, 0, sizeof a);
	memset(&out, 0, sizeof out);
	memset(&sig, 0, sizeof sig);
	nlp_train_opts_init(&a.o);
	a.o.threads = nlp_cpu_count();
	if ((rc = cli_parse(&cli_train, argc, argv, option, &a, &first)) != NLP_OK)
		return rc == CLI_HELP_SHOWN ? NLP_OK : rc;
	if ((rc = check_args(&a)) != NLP_OK ||
	    (rc = outputs_apart(&a, argv + first, (size_t)(argc - first))) !=
	    NLP_OK || (rc = valid_apart(a.o.valid, argc - first, argv +
	    first)) != NLP_OK)
		return rc;
	if (a.autotune && (rc = check_autotune_files(argc - first,
	    argv + first, a.o.valid)) != NLP_OK)
		return rc;
	if (nlp_artifact_tar_load(&e) != NLP_OK)
		return cli_error("train", &e);
	/* --sign with -o a FIFO or device: said before the open, which
	   would wait for a FIFO's reader (with no reader, for ever) */
	if (a.sign != NULL && a.out != NULL && strcmp(a.out, "-") != 0) {
		struct stat st;
		if (stat(a.out, &st) == 0 && (S_ISFIFO(st.st_mode) ||
		    S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
			return sign_needs_file();
	}
	if (a.out != NULL && strcmp(a.out, "-") != 0 &&
	    nlp_atomic_open(&out, a.out, &e) != NLP_OK)
		return cli_error("train", &e);
	if (a.sign != NULL && (rc = open_signing(&a, &out, &sig, &e)) !=
	    NLP_OK) {
		nlp_atomic_abort(&out);
		return rc == NLP_USAGE ? rc : cli_error("train", &e);
	}
	/* --push --alias under trusted keys: signed by one, or not trained */
	if (a.po.name != NULL && (cli_alias_signed(a.key, a.po.name,
	    a.po.alias, &e) != NLP_OK || (a.po.alias != NULL &&
	    cli_trust_set(&a.po.alias_trust, &e) != NLP_OK))) {
		nlp_key_close(a.key);
		nlp_atomic_abort(&sig);
		nlp_atomic_abort(&out);
		return cli_error("train", &e);
	}
	/* the registry as the push will find it, before hours of training:
	   one that cannot be opened for writing, or a name the push would
	   refuse (the registry made now when missing, as the push would) */
	if (a.po.name != NULL && (rc = push_preflight(&a.po, &e)) != NLP_OK) {
		nlp_key_close(a.key);
		nlp_atomic_abort(&sig);
		nlp_atomic_abort(&out);
		return cli_error("train", &e);
	}
	if (!a.quiet && cli_isatty(2))
		a.o.progress = progress;
	t0 = cli_now();
	if (a.autotune) {
		struct nlp_autotune_trial best;
		char flags[256];

		a.last = t0;
		rc = nlp_autotune((const char *const *)argv + first,
		    (size_t)(argc - first), &a.o, &a.ao, trial_line, &a, &t,
		    &best, &e);
		/* the kept model's training line erased before the verdict
		   (it was written on after it) */
		if (a.o.progress)
			fputs(cli_escapes() ? "\r\033[K" : "\n", stderr);
		if (rc == NLP_OK && !a.quiet && best.trials < a.ao.trials)
			fprintf(stderr, "nlpops train: autotune: stopped after %u "
			    "trials: the options given leave no other point of the "
			    "grid to try\n", best.trials);
		if (rc == NLP_OK && !a.quiet)
			fprintf(stderr, "nlpops train: autotune: trial %u of %u is "
			    "the best: %s\n", best.number, best.trials,
			    trial_flags(&best.o, flags, sizeof flags));
	} else {
		rc = nlp_train((const char *const *)argv + first,
		    (size_t)(argc - first), &a.o, &t, &e);
		if (a.o.progress)
			fputs(cli_escapes() ? "\r\033[K" : "\n", stderr);
	}
	if (rc != NLP_OK) {
		nlp_atomic_abort(&out);
		nlp_atomic_abort(&sig);
		nlp_key_close(a.key);
		return cli_error("train", &e);
	}
	oddities(a.quiet, "", t.oddities, t.losses);
	/* the --valid file's, whose held-out figures stand on what was left
	   of it */
	oddities(a.quiet, "--valid: ", t.valid_oddities, t.valid_losses);
	/* examples without text: a class with no other even with -q */
	if (t.textless[0] && (!a.quiet || t.textless_class)) {
		char buf[sizeof t.textless * 4];
		fprintf(stderr, "nlpops train: %s%s\n", t.textless_class ?
		    "warning: " : "", cli_shown(t.textless, buf, sizeof buf));
	}
	/* even with -q: multi-label data learned as combinations; one
	   label spelled two ways; a model worse than its commonest label */
	warning(t.lists);
	warning(t.cases);
	warning(t.warning);
	/* even with -q: figures of texts the model learnt are no measure
	   (over a tenth of them: some overlap is common, debian has 6%) */
	if (t.held_out > 0 && t.held_out_seen * 10 > (int64_t)t.held_out)
		fprintf(stderr, "nlpops train: warning: %lld of the %llu held-out "
		    "texts (%.0f%%) are also training texts: the held-out figures "
		    "are optimistic (%s)\n", (long long)t.held_out_seen,
		    (unsigned long long)t.held_out, 100.0 *
		    (double)t.held_out_seen / (double)t.held_out, a.o.valid !=
		    NULL ? "the --valid file shares texts with the training data" :
		    "the data has duplicates; remove them, or give --valid");
	/* even with -q: the held-out figures are of fewer examples than
	   the file has */
	if (t.valid_unknown > 0)
		fprintf(stderr, "nlpops train: warning: %llu of %llu --valid "
		    "records left out: their labels are not in the training "
		    "data\n", (unsigned long long)t.valid_unknown,
		    (unsigned long long)(t.valid_unknown + t.held_out));
	rc = deliver(&a, &t, &out, &sig, &e);
	if (rc == NLP_OK)
		stale_signature(&a);
	nlp_atomic_abort(&out);
	nlp_atomic_abort(&sig);
	nlp_key_close(a.key);
	if (rc == NLP_OK && !a.quiet)
		summary(&a, &t, t0);
	nlp_trained_release(&t);
	/* negative: committed, and what failed is said already */
	return rc < 0 ? -rc : rc != NLP_OK ? cli_error("train", &e) : NLP_OK;
}
