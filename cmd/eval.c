/*
 * eval.c - `nlpops eval`: metrics a person and a CI job can trust; the
 * exit status is the verdict of the gates.  The options and the exit
 * status are decided here; the evaluation, the gates and every output
 * format are the library's (eval.h, eval_report.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "eval.h"
#include "eval_report.h"
#include "modelref.h"
#include "pool.h"
#include "reader.h"

static const char usage[] =
    "usage: nlpops eval -m MODEL [options] [DATA...]\n"
    "\n"
    "Score a model on labeled data (files, or stdin when none or '-') with\n"
    "scikit-learn's metrics; with gates, the exit status is the verdict:\n"
    "0 all passed, 1 a gate failed.  When more than 1% of the records were\n"
    "skipped (no label, several labels, malformed), the gates and --record\n"
    "have no verdict: status 3.  A label with a control character or\n"
    "invalid UTF-8, or a CSV quote never closed, is an error (status 3).\n"
    "\n"
    "  -m, --model MODEL        the model: a file or NAME[@VERSION|@ALIAS]\n"
    "      --json               one JSON object (schema 1) on stdout\n"
    "      --confusion          print the confusion matrix (of the 100 labels\n"
    "                           with the most examples, when there are more)\n"
    "      --errors N           print the N most confident errors\n"
    "      --min-accuracy X     gate: accuracy >= X\n"
    "      --min-f1 X           gate: macro-F1 >= X\n"
    "      --min-class-f1 L=X   gate: F1 of label L >= X (repeatable)\n"
    "      --max-log-loss X     gate: log loss <= X\n"
    "      --max-ece X          gate: expected calibration error <= X\n"
    "      --baseline MODEL     evaluate this model on the same data too\n"
    "      --max-drop X         gate: accuracy and macro-F1 at most X below\n"
    "                           the baseline's\n"
    "      --bootstrap N        95% intervals from N resamples (paired with\n"
    "                           --baseline)\n"
    "      --gate-on WHAT       point (default) or lower: gate on the\n"
    "                           bootstrap's lower bounds\n"
    "      --seed S             bootstrap seed (default: 1)\n"
    "      --record             store the metrics and the data's SHA-256 on the\n"
    "                           model's registry version (MODEL must be a\n"
    "                           registry reference)\n"
    "      --strict             an odd record or an unknown gold label is an\n"
    "                           error\n"
    "      --format F           input format: tsv, csv, jsonl, fasttext\n"
    "      --text-column C      CSV/TSV text column (name or number)\n"
    "      --label-column C     CSV/TSV label column (name or number)\n"
    "      --text-field F       JSONL text field (default: text)\n"
    "      --label-field F      JSONL label field (default: label)\n"
    "      --threads T          threads (default: all CPUs); same results\n"
    "  -q, --quiet              no summary or timing on stderr\n"
    "  -h, --help               show this help\n";

enum {
	OPT_JSON = 256, OPT_CONFUSION, OPT_ERRORS, OPT_MIN_ACC, OPT_MIN_F1,
	OPT_MIN_CLASS_F1, OPT_MAX_LL, OPT_MAX_ECE, OPT_BASELINE, OPT_MAX_DROP,
	OPT_BOOTSTRAP, OPT_GATE_ON, OPT_SEED, OPT_STRICT, OPT_THREADS, OPT_RECORD,
};

static const struct option longopts[] = {
	{ "model", required_argument, NULL, 'm' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "confusion", no_argument, NULL, OPT_CONFUSION },
	{ "errors", required_argument, NULL, OPT_ERRORS },
	{ "min-accuracy", required_argument, NULL, OPT_MIN_ACC },
	{ "min-f1", required_argument, NULL, OPT_MIN_F1 },
	{ "min-class-f1", required_argument, NULL, OPT_MIN_CLASS_F1 },
	{ "max-log-loss", required_argument, NULL, OPT_MAX_LL },
	{ "max-ece", required_argument, NULL, OPT_MAX_ECE },
	{ "baseline", required_argument, NULL, OPT_BASELINE },
	{ "max-drop", required_argument, NULL, OPT_MAX_DROP },
	{ "bootstrap", required_argument, NULL, OPT_BOOTSTRAP },
	{ "gate-on", required_argument, NULL, OPT_GATE_ON },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "record", no_argument, NULL, OPT_RECORD },
	CLI_LABELED_INPUT_OPTIONS,
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

#define MAX_GATES 64

/* What the options ask for. */
struct eval_args {
	const char *model, *baseline;
	struct nlp_reader_opts ro;
	struct nlp_gate gates[MAX_GATES];
	struct nlp_eval_opts o;
	double max_drop;         /* < 0: no --max-drop */
	int json, confusion, quiet, record, help;
};

/* A gate option's bound into the next gate: NLP_OK or NLP_USAGE. */
static int
gate_option(struct eval_args *a, const char *cmd, int c, char *arg)
{
	struct nlp_gate *g = &a->gates[a->o.ngates];
	char *eq;

	g->label = NULL;
	switch (c) {
	case OPT_MIN_CLASS_F1:
		eq = strrchr(arg, '=');
		if (eq == NULL || eq == arg)
			return cli_usage_error(cmd, "--min-class-f1 takes "
			    "LABEL=X, not '%s'", arg);
		*eq = '\0';
		g->kind = NLP_GATE_MIN_CLASS_F1;
		g->label = arg;
		a->o.ngates++;
		return cli_double(cmd, "--min-class-f1", eq + 1, 0, 1, &g->bound);
	case OPT_MIN_ACC: g->kind = NLP_GATE_MIN_ACCURACY; break;
	case OPT_MIN_F1: g->kind = NLP_GATE_MIN_F1; break;
	case OPT_MAX_LL: g->kind = NLP_GATE_MAX_LOG_LOSS; break;
	default: g->kind = NLP_GATE_MAX_ECE; break;
	}
	a->o.ngates++;
	return cli_double(cmd, nlp_gate_name(g->kind), arg, 0,
	    c == OPT_MAX_LL ? 1e9 : 1, &g->bound);
}

/* One option (getopt_long's c and optarg): NLP_OK, or the status to exit
 * with (the message printed). */
static int
eval_option(struct eval_args *a, const char *cmd, int c, char **argv)
{
	unsigned long u = 0;
	int rc = NLP_OK;

	switch (c) {
	case 'm': a->model = optarg; break;
	case 'q': a->quiet = 1; break;
	case 'h': a->help = 1; break;
	case OPT_JSON: a->json = 1; break;
	case OPT_CONFUSION: a->confusion = 1; break;
	case OPT_ERRORS:
		rc = cli_uint(cmd, "--errors", optarg, 0, 1000000, &u);
		a->o.errors = u;
		break;
	case OPT_MIN_ACC: case OPT_MIN_F1: case OPT_MAX_LL: case OPT_MAX_ECE:
	case OPT_MIN_CLASS_F1:
		return gate_option(a, cmd, c, optarg);
	case OPT_BASELINE: a->baseline = optarg; break;
	case OPT_MAX_DROP:
		return cli_double(cmd, "--max-drop", optarg, 0, 1, &a->max_drop);
	case OPT_BOOTSTRAP:
		rc = cli_uint(cmd, "--bootstrap", optarg, 1, 100000, &u);
		a->o.bootstrap = (unsigned)u;
		break;
	case OPT_GATE_ON:
		if (strcmp(optarg, "lower") == 0)
			a->o.gate_on_lower = 1;
		else if (strcmp(optarg, "point") == 0)
			a->o.gate_on_lower = 0;
		else
			return cli_usage_error(cmd, "--gate-on takes point or "
			    "lower, not '%s'", optarg);
		break;
	case OPT_SEED:
		rc = cli_uint(cmd, "--seed", optarg, 0, 0xffffffffUL, &u);
		a->o.seed = u;
		break;
	case OPT_STRICT: a->ro.strict = a->o.strict = 1; break;
	case OPT_RECORD: a->record = 1; break;
	case OPT_THREADS:
		rc = cli_uint(cmd, "--threads", optarg, 1, 256, &u);
		a->o.threads = (unsigned)u;
		break;
	default:
		if ((rc = cli_reader_option(cmd, c, optarg, &a->ro, 0)) < 0)
			return cli_bad_option(cmd, optopt, argv, optind);
		break;
	}
	return rc;
}

/* Parse the options (optind is then at the data): NLP_OK, or the status to
 * exit with; a->help: --help was given. */
static int
eval_args(struct eval_args *a, int argc, char **argv)
{
	int c, rc;

	memset(a, 0, sizeof *a);
	a->ro.labeled = 1;
	a->o.threads = nlp_cpu_count();
	a->o.seed = 1;
	a->max_drop = -1;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:qh", longopts, NULL)) != -1) {
		/* room for this option's gate and for --max-drop's */
		if (a->o.ngates + 2 > MAX_GATES)
			return cli_usage_error(argv[0], "too many gates (at most %d)",
			    MAX_GATES - 1);
		if ((rc = eval_option(a, argv[0], c, argv)) != NLP_OK || a->help)
			return rc;
	}
	if (a->model == NULL)
		return cli_usage_error(argv[0], "no model: give -m MODEL");
	if (a->max_drop >= 0 && a->baseline == NULL)
		return cli_usage_error(argv[0], "--max-drop needs --baseline MODEL");
	if (a->o.gate_on_lower && a->o.bootstrap == 0)
		return cli_usage_error(argv[0], "--gate-on lower needs --bootstrap N");
	if (a->record && nlp_ref_is_path(a->model))
		return cli_usage_error(argv[0], "--record needs a registry reference "
		    "(NAME@VERSION or NAME@ALIAS), not the file '%s'", a->model);
	if (a->max_drop >= 0) {
		a->gates[a->o.ngates].kind = NLP_GATE_MAX_DROP;
		a->gates[a->o.ngates].label = NULL;
		a->gates[a->o.ngates++].bound = a->max_drop;
	}
	a->o.gates = a->gates;
	return NLP_OK;
}

/* --record: the metrics and the data's identity, on the registry version. */
static int
record_eval(const char *cmd, struct nlp_loaded *lm,
    const struct nlp_eval_result *res, int quiet)
{
	struct nlp_err e = { 0, "" };
	struct nlp_registry *r;
	struct nlp_ref ref;
	char *ms, *ds;
	long version;
	int rc;

	if (nlp_eval_record_json(res, &ds, &ms, &e) != NLP_OK)
		return cli_error(cmd, &e);
	snprintf(ref.name, sizeof ref.name, "%s", lm->name);
	ref.alias[0] = '\0';
	ref.version = lm->version;
	rc = nlp_registry_open(&r, cli_registry_dir(), 1, &e);
	if (rc == NLP_OK) {
		rc = nlp_registry_record_eval(r, &ref, cli_who(), ds, ms, &version,
		    &e);
		nlp_registry_close(r);
	}
	free(ms);
	free(ds);
	if (rc != NLP_OK)
		return cli_error(cmd, &e);
	if (!quiet)
		fprintf(stderr, "nlpops eval: recorded on %s@%ld\n", lm->name,
		    version);
	return NLP_OK;
}

/* Load the models and read the data: NLP_OK, or the status (message
 * printed). */
static int
eval_inputs(const char *cmd, const struct eval_args *a, int n, char **paths,
    struct nlp_loaded *lm, struct nlp_loaded *lb, struct nlp_labeled *d)
{
	struct nlp_err e = { 0, "" };

	if (nlp_load_model(lm, a->model, cli_registry_dir(), &e) != NLP_OK)
		return cli_error(cmd, &e);
	if (a->baseline != NULL &&
	    nlp_load_model(lb, a->baseline, cli_registry_dir(), &e) != NLP_OK) {
		nlp_err_prefix(&e, "baseline");
		return cli_error(cmd, &e);
	}
	if (nlp_labeled_read(d, (const char *const *)paths, (size_t)n, &a->ro,
	    &e) != NLP_OK)
		return cli_error(cmd, &e);
	if (d->n == 0)
		return cli_errorf(cmd, NLP_DATA, "no examples to evaluate%s%s",
		    d->oddities[0] ? ": " : "", d->oddities);
	return NLP_OK;
}

/* The outputs and the verdict of an evaluation. */
static int
eval_report(const char *cmd, const struct eval_args *a, struct nlp_loaded *lm,
    const struct nlp_eval_result *res)
{
	struct nlp_err e = { 0, "" };
	int rc;

	rc = a->json ? nlp_eval_write_json(stdout, res, &e) :
	    nlp_eval_write_text(stdout, res, a->confusion, &e);
	if (rc != NLP_OK)
		return cli_error(cmd, &e);
	if (!a->quiet)
		nlp_eval_write_notes(stderr, "nlpops eval", res);
	if (!res->decisive && (res->ngates > 0 || a->record))
		return cli_errorf(cmd, NLP_DATA, "%s have no verdict: %s: %s",
		    res->ngates > 0 ? "the gates" : "--record: the figures",
		    res->undecided, res->skipped);
	nlp_eval_write_gates(stderr, "nlpops eval", res, a->quiet);
	if (a->record && (rc = record_eval(cmd, lm, res, a->quiet)) != NLP_OK)
		return rc;
	return res->failed ? NLP_NO : NLP_OK;
}

int
cmd_eval(int argc, char **argv)
{
	struct eval_args a;
	struct nlp_labeled d;
	struct nlp_loaded lm, lb;
	struct nlp_eval_result res;
	struct nlp_err e = { 0, "" };
	int rc;

	if ((rc = eval_args(&a, argc, argv)) != NLP_OK || a.help)
		return a.help ? cli_help(usage) : rc;
	memset(&d, 0, sizeof d);
	memset(&lm, 0, sizeof lm);
	memset(&lb, 0, sizeof lb);
	memset(&res, 0, sizeof res);
	if ((rc = eval_inputs(argv[0], &a, argc - optind, argv + optind, &lm,
	    &lb, &d)) != NLP_OK)
		goto out;
	rc = nlp_eval_evaluate(&res, &lm, a.baseline != NULL ? &lb : NULL, &d,
	    &a.o, &e);
	if (rc == NLP_USAGE)
		rc = cli_usage_error(argv[0], "%s", e.msg);
	else if (rc != NLP_OK)
		cli_error(argv[0], &e);
	else
		rc = eval_report(argv[0], &a, &lm, &res);
out:
	nlp_eval_result_release(&res);
	nlp_labeled_release(&d);
	nlp_loaded_close(&lm);
	nlp_loaded_close(&lb);
	return rc;
}
