/*
 * eval.c - `nlpops eval`: metrics a person and a CI job can trust; the
 * exit status is the verdict of the gates.  The options and the exit
 * status are decided here; the evaluation, the gates and every output
 * format are the library's (eval.h, eval_report.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "cmd.h"
#include "eval.h"
#include "eval_report.h"
#include "evallog.h"
#include "input.h"
#include "modelref.h"
#include "opts.h"
#include "pool.h"
#include "reader.h"

enum {
	OPT_JSON = 256, OPT_CONFUSION, OPT_ERRORS, OPT_MIN_ACC, OPT_MIN_F1,
	OPT_MIN_CLASS_F1, OPT_MAX_LL, OPT_MAX_ECE, OPT_BASELINE, OPT_MAX_DROP,
	OPT_BOOTSTRAP, OPT_GATE_ON, OPT_SEED, OPT_STRICT, OPT_RECORD,
	OPT_BASELINE_IF_EXISTS, OPT_PREDICTIONS, OPT_SHADOW, OPT_MIN_P,
	OPT_MAX_SEEN,
};

#define BOOTSTRAP_MIN 40

static const struct cli_opt options[] = {
	{ 'm', 'm', "model", "MODEL", "the model: a file or NAME[@VERSION|@ALIAS]",
	    "ref" },
	CLI_OPT_TRUST,
	{ OPT_PREDICTIONS, 0, "predictions", "LOG", "no model: score the labels "
	    "of a prediction log\n(serve --log, predict's JSONL) against "
	    "the\ngold data, joined by id (--id-column/--id-field)", "file" },
	{ OPT_SHADOW, 0, "shadow", NULL, "with --predictions: the shadow model's "
	    "labels", NULL },
	{ OPT_JSON, 0, "json", NULL, "one JSON object (schema 1) on stdout",
	    NULL },
	{ OPT_CONFUSION, 0, "confusion", NULL, "print the confusion matrix (of "
	    "the 100 labels\nwith the most examples, when there are more)", NULL },
	{ OPT_ERRORS, 0, "errors", "N", "print the N most confident errors",
	    NULL },
	{ OPT_MIN_ACC, 0, "min-accuracy", "X", "gate: accuracy >= X", NULL },
	{ OPT_MIN_F1, 0, "min-f1", "X", "gate: macro-F1 >= X", NULL },
	{ OPT_MIN_CLASS_F1, 0, "min-class-f1", "L=X", "gate: F1 of label L >= X "
	    "(repeatable)", NULL },
	{ OPT_MAX_LL, 0, "max-log-loss", "X", "gate: log loss <= X", NULL },
	{ OPT_MAX_ECE, 0, "max-ece", "X", "gate: expected calibration error <= X",
	    NULL },
	{ OPT_MAX_SEEN, 0, "max-seen", "X", "gate: the share of the examples that "
	    "also occur\nin the model's training data <= X (0 to 1)", NULL },
	{ OPT_BASELINE, 0, "baseline", "MODEL", "evaluate this model on the same "
	    "data too", "ref" },
	{ OPT_BASELINE_IF_EXISTS, 0, "baseline-if-exists", NULL, "no such "
	    "baseline model or alias (a first\ndeployment): skip the drop gates, "
	    "and say so", NULL },
	{ OPT_MAX_DROP, 0, "max-drop", "X", "gate: accuracy and macro-F1 at most "
	    "X below\nthe baseline's", NULL },
	{ OPT_BOOTSTRAP, 0, "bootstrap", "N", "95% intervals from N resamples, "
	    "at least 40\n(paired with --baseline)", NULL },
	{ OPT_GATE_ON, 0, "gate-on", "WHAT", "point (default) or lower: gate on "
	    "the\nbootstrap's lower bounds", "point lower" },
	{ OPT_SEED, 0, "seed", "S", "bootstrap seed (default: 1)", NULL },
	{ OPT_RECORD, 0, "record", NULL, "store the metrics and the data's "
	    "SHA-256 on the\nmodel's registry version (MODEL must be a\n"
	    "registry reference)", NULL },
	{ OPT_STRICT, 0, "strict", NULL, "an odd record or an unknown gold label "
	    "is an\nerror", NULL },
	{ CLI_FORMAT, 0, "format", "F", "input format: tsv, csv, jsonl, fasttext",
	    "tsv csv jsonl fasttext" },
	CLI_OPTS_LABELED_COLUMNS,
	CLI_OPT_LABEL_SEP,
	{ OPT_MIN_P, 0, "min-p", "P", "multi-label model: it predicts the labels "
	    "of\nprobability P or more (default: 0.5)", NULL },
	{ CLI_ID_COLUMN, 0, "id-column", "C", "TSV/CSV id column, joining "
	    "--predictions", NULL },
	{ CLI_ID_FIELD, 0, "id-field", "F", "JSONL id field, joining "
	    "--predictions", NULL },
	CLI_OPT_THREADS("threads (default: the CPUs it may\nuse); same results"),
	{ 'q', 'q', "quiet", NULL, "no summary or timing on stderr (records\n"
	    "skipped or damaged still said)", NULL },
	CLI_OPT_HELP,
	CLI_OPT_END,
};

const struct cli_cmd cli_eval = {
	"eval",
	"usage: nlpops eval -m MODEL [options] [DATA...]\n"
	"       nlpops eval --predictions LOG (--id-column C | --id-field F)\n"
	"                   [options] [GOLD...]\n"
	"\n"
	"Score a model on labeled data (files, or stdin when none or '-') with\n"
	"scikit-learn's metrics; with gates, the exit status is the verdict:\n"
	"0 all passed, 1 a gate failed.  When more than 1% of the records were\n"
	"skipped (no label, several labels, malformed), the gates and --record\n"
	"have no verdict: status 3.  A label with a control character or\n"
	"invalid UTF-8, or a CSV quote never closed, is an error (status 3).\n"
	"With --predictions, the labels a model gave in production are scored\n"
	"against gold labels that came later (no log loss or ECE: the log has\n"
	"no probability distributions).\n"
	"\n",
	options, NULL, "file...",
};

#define MAX_GATES 64

/* What the options ask for. */
struct eval_args {
	const char *model, *baseline;
	const char *predictions;     /* --predictions LOG */
	int shadow;
	struct nlp_reader_opts ro;
	struct nlp_gate gates[MAX_GATES];
	struct nlp_eval_opts o;
	double max_drop;         /* < 0: no --max-drop */
	int json, confusion, quiet, record;
	int baseline_if_exists;
	char baseline_skipped[256];  /* why, when it was skipped */
	int min_p_given;
};

/* Was a gate of this kind given? */
static int
gate_given(const struct eval_args *a, enum nlp_gate_kind kind)
{
	size_t i;

	for (i = 0; i < a->o.ngates; i++)
		if (a->gates[i].kind == kind)
			return 1;
	return 0;
}

/*
 * The gate of kind (and label) given before, for a second --min-f1 to
 * replace, as any option given twice counts as given last (a CI script's
 * looser bound appended to a default failed on the stricter one); else
 * the next one, counted.
 */
static struct nlp_gate *
gate_slot(struct eval_args *a, enum nlp_gate_kind kind, const char *label)
{
	struct nlp_gate *g;
	size_t i;

	for (i = 0; i < a->o.ngates; i++) {
		g = &a->gates[i];
		if (g->kind == kind && (label == NULL ||
		    strcmp(g->label, label) == 0))
			return g;
	}
	g = &a->gates[a->o.ngates++];
	g->kind = kind;
	g->label = label;
	return g;
}

/* A gate option's bound into its gate: NLP_OK or NLP_USAGE. */
static int
gate_option(struct eval_args *a, const char *cmd, int c, const char *value)
{
	/* the value is in argv, which is ours to cut at the '=' */
	char *arg = (char *)value;
	enum nlp_gate_kind kind;
	char *eq;

	switch (c) {
	case OPT_MIN_CLASS_F1:
		eq = strrchr(arg, '=');
		if (eq == NULL || eq == arg)
			return cli_usage_error(cmd, "--min-class-f1 takes "
			    "LABEL=X, not '%s'", arg);
		*eq = '\0';
		return cli_double(cmd, "--min-class-f1", eq + 1, 0, 1,
		    &gate_slot(a, NLP_GATE_MIN_CLASS_F1, arg)->bound);
	case OPT_MIN_ACC: kind = NLP_GATE_MIN_ACCURACY; break;
	case OPT_MIN_F1: kind = NLP_GATE_MIN_F1; break;
	case OPT_MAX_LL: kind = NLP_GATE_MAX_LOG_LOSS; break;
	case OPT_MAX_SEEN: kind = NLP_GATE_MAX_SEEN; break;
	default: kind = NLP_GATE_MAX_ECE; break;
	}
	return cli_double(cmd, nlp_gate_name(kind), arg, 0,
	    c == OPT_MAX_LL ? 1e9 : 1, &gate_slot(a, kind, NULL)->bound);
}

/* One option (cli_parse()'s handler): NLP_OK, or the status to exit with
 * (the message printed). */
static int
option(void *ctx, int c, const char *arg)
{
	struct eval_args *a = ctx;
	const char *cmd = "eval";
	unsigned long u = 0;
	int rc = NLP_OK;

	/* room for this option's gate and for --max-drop's */
	if (a->o.ngates + 2 > MAX_GATES)
		return cli_usage_error(cmd, "too many gates (at most %d)",
		    MAX_GATES - 1);
	switch (c) {
	case 'm': a->model = arg; break;
	case OPT_PREDICTIONS: a->predictions = arg; break;
	case OPT_SHADOW: a->shadow = 1; break;
	case CLI_TRUST: return cli_trust_option(cmd, arg);
	case 'q': a->quiet = 1; break;
	case OPT_JSON: a->json = 1; break;
	case OPT_CONFUSION: a->confusion = 1; break;
	case OPT_ERRORS:
		rc = cli_uint(cmd, "--errors", arg, 0, 1000000, &u);
		a->o.errors = u;
		break;
	case OPT_MIN_ACC: case OPT_MIN_F1: case OPT_MAX_LL: case OPT_MAX_ECE:
	case OPT_MIN_CLASS_F1: case OPT_MAX_SEEN:
		return gate_option(a, cmd, c, arg);
	case OPT_BASELINE: a->baseline = arg; break;
	case OPT_BASELINE_IF_EXISTS: a->baseline_if_exists = 1; break;
	case OPT_MAX_DROP:
		return cli_double(cmd, "--max-drop", arg, 0, 1, &a->max_drop);
	case OPT_BOOTSTRAP:
		/* the 2.5% and 97.5% points of fewer resamples are their
		   extremes, or near them: an interval, and a --gate-on lower
		   verdict, that says little (R's boot.ci warns below 39);
		   the range said is the one taken (it said 'from 1') */
		if (arg[0] >= '0' && arg[0] <= '9' && arg[strspn(arg,
		    "0123456789")] == '\0' &&
		    strtoul(arg, NULL, 10) < BOOTSTRAP_MIN)
			return cli_usage_error(cmd, "--bootstrap takes at least %d "
			    "resamples, not %s: with fewer, a 95%% interval's "
			    "ends are the extreme resamples (1000 is usual)",
			    BOOTSTRAP_MIN, arg);
		rc = cli_uint(cmd, "--bootstrap", arg, BOOTSTRAP_MIN, 100000, &u);
		a->o.bootstrap = (unsigned)u;
		break;
	case OPT_GATE_ON:
		if (strcmp(arg, "lower") == 0)
			a->o.gate_on_lower = 1;
		else if (strcmp(arg, "point") == 0)
			a->o.gate_on_lower = 0;
		else
			return cli_usage_error(cmd, "--gate-on takes point or "
			    "lower, not '%s'", arg);
		break;
	case OPT_SEED:
		rc = cli_uint(cmd, "--seed", arg, 0, 0xffffffffUL, &u);
		a->o.seed = u;
		break;
	case OPT_STRICT: a->ro.strict = a->o.strict = 1; break;
	case OPT_RECORD: a->record = 1; break;
	case OPT_MIN_P:
		a->min_p_given = 1;
		return cli_double(cmd, "--min-p", arg, 0, 1, &a->o.min_p);
	case CLI_THREADS:
		return cli_threads(cmd, arg, &a->o.threads);
	default:
		rc = cli_reader_option(cmd, c, arg, &a->ro, 0);
		break;
	}
	return rc;
}

/* What --predictions cannot do, and what it needs: NLP_OK or NLP_USAGE
 * (printed).  The gates are in place (a->o). */
static int
predictions_args(struct eval_args *a, int n, char **gold)
{
	const char *no = a->baseline != NULL ? "--baseline" : a->record ?
	    "--record" : a->o.errors > 0 ? "--errors" : NULL;
	int i, stdin_gold = n == 0;
	size_t g;

	for (g = 0; no == NULL && g < a->o.ngates; g++)
		if (nlp_gate_needs_model(a->gates[g].kind))
			no = nlp_gate_name(a->gates[g].kind);
	if (no != NULL)
		return cli_usage_error("eval", "%s needs a model; a prediction log "
		    "has the predicted labels alone", no);
	if (a->ro.id_column == NULL && a->ro.id_field == NULL)
		return cli_usage_error("eval", "--predictions joins by id: give "
		    "--id-column C or --id-field F for the gold data");
	for (i = 0; i < n; i++)
		stdin_gold |= strcmp(gold[i], "-") == 0;
	if (stdin_gold && strcmp(a->predictions, "-") == 0)
		return cli_usage_error("eval", "the log and the gold data cannot "
		    "both be standard input");
	a->o.gates = a->gates;
	return NLP_OK;
}

/* Parse the options (*first is then the data's index in argv): NLP_OK,
 * CLI_HELP_SHOWN, or the status to exit with. */
static int
eval_args(struct eval_args *a, int argc, char **argv, int *first)
{
	int rc;

	memset(a, 0, sizeof *a);
	a->ro.labeled = 1;
	a->o.threads = nlp_cpu_count();
	a->o.seed = 1;
	a->o.min_p = NLP_MIN_P;
	a->max_drop = -1;
	if ((rc = cli_parse(&cli_eval, argc, argv, option, a, first)) != NLP_OK)
		return rc;
	if (a->model != NULL && a->predictions != NULL)
		return cli_usage_error("eval", "-m and --predictions exclude each "
		    "other: a model scores the data, a log has scored it");
	if ((rc = cli_inputs_once("eval", argv + *first, (size_t)(argc -
	    *first))) != NLP_OK)
		return rc;
	if (a->shadow && a->predictions == NULL)
		return cli_usage_error("eval", "--shadow needs --predictions LOG");
	if (a->model == NULL && a->predictions == NULL)
		return cli_usage_error("eval", "no model: give -m MODEL (or "
		    "--predictions LOG)");
	if (a->max_drop >= 0 && a->baseline == NULL)
		return cli_usage_error("eval", "--max-drop needs --baseline MODEL");
	if (a->baseline_if_exists && a->baseline == NULL)
		return cli_usage_error("eval", "--baseline-if-exists needs "
		    "--baseline MODEL");
	if (a->o.gate_on_lower && a->o.bootstrap == 0)
		return cli_usage_error("eval", "--gate-on lower needs --bootstrap N");
	if (a->predictions != NULL && (a->min_p_given || a->ro.label_sep))
		return cli_usage_error("eval", "%s is for a multi-label model; "
		    "--predictions has none", a->min_p_given ? "--min-p" :
		    "--label-sep");
	if (a->predictions != NULL)
		return predictions_args(a, argc - *first, argv + *first);
	if (a->record && nlp_modelref_is_path(a->model))
		return cli_usage_error("eval", "--record needs a registry reference "
		    "(NAME, NAME@VERSION or NAME@ALIAS), not the file '%s'",
		    a->model);
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

	/* the report is out already: a failure here is the recording's */
	if (nlp_eval_record_json(res, &ds, &ms, &e) != NLP_OK) {
		nlp_err_prefix(&e, "cannot record the evaluation");
		return cli_error(cmd, &e);
	}
	snprintf(ref.name, sizeof ref.name, "%s", lm->name);
	ref.alias[0] = '\0';
	ref.version = lm->version;
	rc = cli_registry_open(&r, 1, cmd, &e);
	if (rc == NLP_OK) {
		rc = nlp_registry_record_eval(r, &ref, cli_who(), ds, ms, &version,
		    &e);
		nlp_registry_close(r);
	}
	free(ms);
	free(ds);
	/* once: the library's message may say it already */
	if (rc != NLP_OK) {
		if (strstr(e.msg, "cannot record the evaluation") == NULL)
			nlp_err_prefix(&e, "cannot record the evaluation");
		return cli_error(cmd, &e);
	}
	if (!quiet)
		fprintf(stderr, "nlpops eval: recorded on %s@%ld\n", lm->name,
		    version);
	return NLP_OK;
}

/*
 * --baseline-if-exists: a baseline reference that names no model or alias
 * yet is dropped with its --max-drop gate (the last gate), and said; a
 * registry that cannot be read is still an error.
 */
static int
baseline_if_exists(const char *cmd, struct eval_args *a)
{
	struct nlp_err e = { 0, "" };
	int exists;

	if (!a->baseline_if_exists)
		return NLP_OK;
	if (nlp_modelref_exists(a->baseline, cli_registry_dir(), &exists,
	    a->baseline_skipped, sizeof a->baseline_skipped, &e) != NLP_OK) {
		nlp_err_prefix(&e, "baseline");
		return cli_error(cmd, &e);
	}
	if (exists)
		return NLP_OK;
	if (a->max_drop >= 0)
		a->o.ngates--;
	/* said even with -q: a gate the command line asked for is skipped */
	fprintf(stderr, "nlpops %s: no baseline: %s; %s "
	    "(--baseline-if-exists)\n", cmd, a->baseline_skipped,
	    a->max_drop >= 0 ? "the drop gate is skipped" :
	    "nothing to compare with");
	a->baseline = NULL;
	return NLP_OK;
}

/*
 * What a multi-label model cannot be asked for (its figures are sets',
 * eval.h), and what a single-label one cannot: NLP_OK or NLP_USAGE
 * (printed).
 */
static int
multilabel_args(const char *cmd, const struct eval_args *a,
    const struct nlp_loaded *lm)
{
	const char *no = NULL;
	size_t g;

	if (!lm->m.multilabel) {
		if (a->min_p_given || a->ro.label_sep)
			return cli_usage_error(cmd, "%s is for a multi-label model; "
			    "'%s' is single-label", a->min_p_given ? "--min-p" :
			    "--label-sep", a->model);
		return NLP_OK;
	}
	no = a->o.bootstrap ? "--bootstrap" : a->o.errors ? "--errors" :
	    a->confusion ? "--confusion" : NULL;
	for (g = 0; no == NULL && g < a->o.ngates; g++)
		if (a->gates[g].kind == NLP_GATE_MAX_LOG_LOSS ||
		    a->gates[g].kind == NLP_GATE_MAX_ECE)
			no = nlp_gate_name(a->gates[g].kind);
	if (no != NULL)
		return cli_usage_error(cmd, "%s is a single-label figure; '%s' is a "
		    "multi-label model", no, a->model);
	return NLP_OK;
}

/* Load the models and read the data: NLP_OK, or the status (message
 * printed). */
static int
eval_inputs(const char *cmd, const struct eval_args *a, int n, char **paths,
    struct nlp_loaded *lm, struct nlp_loaded *lb, struct nlp_labeled *d)
{
	struct nlp_err e = { 0, "" };
	struct nlp_reader_opts ro = a->ro;
	struct nlp_artifact_opts ao = { a->o.threads, 1 };  /* in its report */
	int rc;

	if (nlp_load_model_opts(lm, a->model, cli_registry_dir(), &ao, &e) !=
	    NLP_OK || cli_trust_check(lm, &e) != NLP_OK)
		return cli_error(cmd, &e);
	if ((rc = multilabel_args(cmd, a, lm)) != NLP_OK)
		return rc;
	ro.multilabel = lm->m.multilabel;
	if (a->baseline != NULL &&
	    (nlp_load_model_opts(lb, a->baseline, cli_registry_dir(), &ao, &e) !=
	    NLP_OK || cli_trust_check(lb, &e) != NLP_OK)) {
		nlp_err_prefix(&e, "baseline");
		return cli_error(cmd, &e);
	}
	if (a->baseline != NULL && lb->m.multilabel != lm->m.multilabel)
		return cli_usage_error(cmd, "the baseline '%s' is %s-label, the "
		    "model '%s' %s-label: their figures do not compare",
		    a->baseline, lb->m.multilabel ? "multi" : "single", a->model,
		    lm->m.multilabel ? "multi" : "single");
	if (nlp_labeled_read(d, (const char *const *)paths, (size_t)n, &ro,
	    &e) != NLP_OK)
		return cli_error(cmd, &e);
	if (d->n == 0) {
		char shown[1024];
		return cli_errorf(cmd, NLP_DATA, "no examples to evaluate in "
		    "%s%s%s", nlp_inputs_shown((const char *const *)paths,
		    (size_t)n, shown, sizeof shown), d->oddities[0] ? ": " : "",
		    d->oddities);
	}
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
	/* the report out whole before the notes and the gates' verdicts
	   (no "passed" before a failed write), and before anything is
	   recorded: a run that ends in status 4 records nothing */
	if ((rc = cli_flush_stdout()) != 0)
		return cli_errorf(cmd, NLP_IO, "cannot write standard output: "
		    "%s%s", strerror(rc), a->record ? "; nothing was recorded" :
		    "");
	if (!a->quiet) {
		nlp_eval_write_notes(stderr, "nlpops eval", res);
	} else if (res->losses != NULL && res->losses[0] != '\0') {
		/* records lost or changed: said even so */
		char shown[4 * sizeof ((struct nlp_labeled *)0)->losses];
		fprintf(stderr, "nlpops eval: warning: %s\n",
		    cli_shown(res->losses, shown, sizeof shown));
	}
	/* a log that scored too few of the gold records for a verdict,
	   without gates: said even so, as records lost are */
	if (a->quiet && !res->decisive && res->ngates == 0 && !a->record &&
	    res->joined != NULL) {
		char shown[4 * sizeof res->undecided];
		fprintf(stderr, "nlpops eval: warning: %s: the figures stand on "
		    "the rest\n", cli_shown(res->undecided, shown,
		    sizeof shown));
	}
	/* gates judging figures partly on training data (the test file is
	   the training file, or overlaps it): said even with -q, where a
	   CI step's log shows it -- unless --max-seen gates on that share */
	if (a->quiet && (res->ngates > 0 || a->record) &&
	    !gate_given(a, NLP_GATE_MAX_SEEN))
		nlp_eval_write_seen_warning(stderr, "nlpops eval", res);
	/* a recorded evaluation that no requirement will take: said even
	   with -q, a CI step's log being where it shows */
	if (a->quiet && a->record && res->joined == NULL &&
	    !res->model.seen_known)
		fprintf(stderr, "nlpops eval: warning: cannot tell how many "
		    "examples the model was trained on, so the evaluation "
		    "recorded meets no 'registry alias --require'\n");
	if (!res->decisive && (res->ngates > 0 || a->record))
		return cli_errorf(cmd, NLP_DATA, "%s have no verdict: %s%s%s",
		    res->ngates > 0 ? "the gates" : "--record: the figures",
		    res->undecided, res->skipped != NULL && res->skipped[0] !=
		    '\0' ? ": " : "", res->skipped != NULL ? res->skipped : "");
	nlp_eval_write_gates(stderr, "nlpops eval", res, a->quiet);
	if (a->record && (rc = record_eval(cmd, lm, res, a->quiet)) != NLP_OK)
		return rc;
	return res->failed ? NLP_NO : NLP_OK;
}

/* --predictions: the log joined to the gold data, and its figures. */
static int
eval_predictions(const char *cmd, struct eval_args *a, int n, char **paths)
{
	struct nlp_evallog l;
	struct nlp_eval_result res;
	struct nlp_err e = { 0, "" };
	int rc;

	memset(&l, 0, sizeof l);
	memset(&res, 0, sizeof res);
	if ((rc = nlp_evallog_read(&l, a->predictions, a->shadow, &e)) !=
	    NLP_OK)
		nlp_err_prefix(&e, "--predictions");
	else if ((rc = nlp_evallog_join(&l, (const char *const *)paths,
	    (size_t)n, &a->ro, &e)) == NLP_OK)
		rc = nlp_evallog_evaluate(&res, &l, &a->o, &e);
	if (rc == NLP_USAGE)
		rc = cli_usage_error(cmd, "%s", e.msg);
	else if (rc != NLP_OK)
		cli_error(cmd, &e);
	else
		rc = eval_report(cmd, a, NULL, &res);
	nlp_eval_result_release(&res);
	nlp_evallog_release(&l);
	return rc;
}

int
cmd_eval(int argc, char **argv)
{
	struct eval_args a;
	struct nlp_labeled d;
	struct nlp_loaded lm, lb;
	struct nlp_eval_result res;
	struct nlp_err e = { 0, "" };
	int first, rc;

	if ((rc = eval_args(&a, argc, argv, &first)) != NLP_OK)
		return rc == CLI_HELP_SHOWN ? NLP_OK : rc;
	if (a.predictions != NULL)
		return eval_predictions("eval", &a, argc - first, argv + first);
	memset(&d, 0, sizeof d);
	memset(&lm, 0, sizeof lm);
	memset(&lb, 0, sizeof lb);
	memset(&res, 0, sizeof res);
	if ((rc = baseline_if_exists("eval", &a)) != NLP_OK)
		goto out;
	if ((rc = eval_inputs("eval", &a, argc - first, argv + first, &lm,
	    &lb, &d)) != NLP_OK)
		goto out;
	rc = nlp_eval_evaluate(&res, &lm, a.baseline != NULL ? &lb : NULL, &d,
	    &a.o, &e);
	if (a.baseline_skipped[0] != '\0')
		res.baseline_skipped = a.baseline_skipped;
	if (rc == NLP_USAGE)
		rc = cli_usage_error("eval", "%s", e.msg);
	else if (rc != NLP_OK)
		cli_error("eval", &e);
	else
		rc = eval_report("eval", &a, &lm, &res);
out:
	nlp_eval_result_release(&res);
	nlp_labeled_release(&d);
	nlp_loaded_release(&lm);
	nlp_loaded_release(&lb);
	cli_trust_release();
	return rc;
}
