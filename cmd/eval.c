/*
 * eval.c - `nlpops eval`: metrics a person and a CI job can trust; the
 * exit status is the verdict of the gates.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "eval.h"
#include "modelref.h"
#include "pool.h"
#include "reader.h"
#include "seen.h"
#include "artifact.h"

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
#define ZD_SHOWN 10      /* undefined-metric warnings shown on stderr */

/* A number from a report ("macro_avg.f1" style paths are spelled out). */
static double
num(const json_t *o, const char *a, const char *b)
{
	const json_t *x = json_object_get(o, a);

	if (b != NULL)
		x = json_object_get(x, b);
	return json_number_value(x);
}

/* The classification_report-like table. */
static void
print_table(const json_t *rep, const char *title)
{
	const json_t *per = json_object_get(rep, "per_class"), *c;
	static const char *avgs[][2] = {
		{ "macro avg", "macro_avg" }, { "weighted avg", "weighted_avg" },
		{ "micro avg", "micro_avg" },
	};
	size_t i, w = 12;
	const char *l;

	/* per_class holds every label scored, in label order */
	json_object_foreach((json_t *)per, l, c)
		if (cli_safe_width(l) > w)
			w = cli_safe_width(l);
	cli_put_safe(stdout, title, 0);
	printf("\n\n%*s  %9s  %9s  %9s  %9s\n", (int)w, "", "precision",
	    "recall", "f1-score", "support");
	json_object_foreach((json_t *)per, l, c) {
		cli_put_safe(stdout, l, (int)w);
		printf("  %9.4f  %9.4f  %9.4f  %9lld\n", num(c, "precision", NULL),
		    num(c, "recall", NULL), num(c, "f1", NULL),
		    (long long)json_integer_value(json_object_get(c, "support")));
	}
	printf("\n%*s  %9s  %9s  %9.4f  %9lld\n", (int)w, "accuracy", "", "",
	    num(rep, "accuracy", NULL),
	    (long long)json_integer_value(json_object_get(rep, "n")));
	for (i = 0; i < 3; i++)
		printf("%*s  %9.4f  %9.4f  %9.4f  %9lld\n", (int)w, avgs[i][0],
		    num(rep, avgs[i][1], "precision"), num(rep, avgs[i][1], "recall"),
		    num(rep, avgs[i][1], "f1"), (long long)json_integer_value(
		    json_object_get(json_object_get(rep, avgs[i][1]), "support")));
	printf("\n%*s  %9.4f\n%*s  %9.4f\n", (int)w, "log loss",
	    num(rep, "log_loss", NULL), (int)w, "ECE", num(rep, "ece", NULL));
	if (json_is_object(json_object_get(rep, "bootstrap"))) {
		const json_t *bs = json_object_get(rep, "bootstrap");
		printf("\n95%% intervals (%lld resamples): accuracy [%.4f, %.4f], "
		    "macro-F1 [%.4f, %.4f]\n",
		    (long long)json_integer_value(json_object_get(bs, "replicates")),
		    json_number_value(json_array_get(json_object_get(bs, "accuracy"), 0)),
		    json_number_value(json_array_get(json_object_get(bs, "accuracy"), 1)),
		    json_number_value(json_array_get(json_object_get(bs, "macro_f1"), 0)),
		    json_number_value(json_array_get(json_object_get(bs, "macro_f1"), 1)));
	}
}

/*
 * The confusion matrix; with more labels than the report's matrix holds
 * (NLP_CONFUSION_MAX_LABELS), the title says which part it is.
 */
static void
print_confusion(const json_t *rep)
{
	const json_t *c = json_object_get(rep, "confusion");
	const json_t *labels = json_object_get(c, "labels");
	const json_t *m = json_object_get(c, "matrix"), *row, *l;
	long long total = json_integer_value(json_object_get(c, "labels_total"));
	size_t i, j, w = 6;

	json_array_foreach(labels, i, l)
		if (cli_safe_width(json_string_value(l)) > w)
			w = cli_safe_width(json_string_value(l));
	printf("\nconfusion (rows: gold, columns: predicted)");
	if (total > (long long)json_array_size(labels))
		printf(" of the %zu labels with the most examples, of %lld; %lld "
		    "examples outside them", json_array_size(labels), total,
		    (long long)json_integer_value(json_object_get(c,
		    "examples_outside")));
	printf("\n%*s", (int)w, "");
	json_array_foreach(labels, i, l) {
		putchar(' ');
		cli_put_safe(stdout, json_string_value(l), (int)w);
	}
	putchar('\n');
	json_array_foreach(m, i, row) {
		json_t *v;
		cli_put_safe(stdout, json_string_value(json_array_get(labels, i)),
		    (int)w);
		json_array_foreach(row, j, v)
			printf(" %*lld", (int)w, (long long)json_integer_value(v));
		putchar('\n');
	}
}

static void
print_errors(const json_t *errs)
{
	const json_t *x;
	size_t i;

	printf("\nmost confident errors (gold, predicted, p, example, text)\n");
	json_array_foreach(errs, i, x) {
		const char *t = json_string_value(json_object_get(x, "text"));
		char cut[204];
		size_t n = strlen(t), k;

		if (n > 200) {
			n = 200;
			while (n > 0 && ((unsigned char)t[n] & 0xc0) == 0x80)
				n--;
		}
		memcpy(cut, t, n);
		cut[n] = '\0';
		for (k = 0; k < n; k++)
			if (cut[k] == '\t' || cut[k] == '\n' || cut[k] == '\r')
				cut[k] = ' ';
		/* labels and text come from the data: no raw control bytes */
		cli_put_safe(stdout, json_string_value(json_object_get(x, "gold")),
		    0);
		putchar('\t');
		cli_put_safe(stdout, json_string_value(json_object_get(x,
		    "predicted")), 0);
		printf("\t%.4f\t%lld\t", json_number_value(json_object_get(x, "p")),
		    (long long)json_integer_value(json_object_get(x, "example")));
		cli_put_safe(stdout, cut, 0);
		putchar('\n');
	}
}

/* {"ref", "sha256"} of a loaded model. */
static json_t *
model_json(struct nlp_loaded *l)
{
	json_t *o = json_object();

	json_object_set_new(o, "ref", json_string(l->display));
	json_object_set_new(o, "sha256", json_string(nlp_loaded_sha256(l)));
	return o;
}

/*
 * {examples, share}: evaluation texts the model was trained on (by token
 * fingerprint), or null with the reason in why (one line naming the
 * artifact and member) when the artifact does not tell: the member is
 * missing (written before nlpops kept it, or removed) or damaged.  A figure
 * that silently disappears reads as "no leakage".
 */
static json_t *
seen_json(struct nlp_loaded *lm, const struct nlp_eval *ev, char *why,
    size_t size)
{
	struct nlp_err e = { 0, "" };
	struct nlp_seen s;
	const void *data;
	size_t len;
	uint64_t k;
	json_t *o;

	why[0] = '\0';
	if (nlp_artifact_member(lm->a, "seen", &data, &len, &e) != NLP_OK) {
		snprintf(why, size, "'%s' has no member 'seen'", lm->display);
		return json_null();
	}
	if (nlp_seen_load(&s, data, len, &e) != NLP_OK) {
		snprintf(why, size, "member 'seen' of '%s' is damaged (%s)",
		    lm->display, e.msg);
		return json_null();
	}
	k = nlp_eval_seen(ev, &s);
	o = json_object();
	json_object_set_new(o, "examples", json_integer((json_int_t)k));
	json_object_set_new(o, "share", json_real(ev->n ? (double)k /
	    (double)ev->n : 0));
	return o;
}

/* Evaluate one model on d into a report (with bootstrap when asked). */
static int
evaluate(const char *cmd, struct nlp_loaded *lm, const struct nlp_labeled *d,
    unsigned threads, struct nlp_eval *ev, json_t **rep)
{
	struct nlp_err e = { 0, "" };
	char why[8192];

	if (nlp_eval_run(ev, &lm->m, d, threads, &e) != NLP_OK) {
		nlp_err_prefix(&e, "%s", lm->display);
		return cli_error(cmd, &e);
	}
	if ((*rep = nlp_eval_report(ev)) == NULL)
		return cli_errorf(cmd, NLP_IO, "out of memory");
	json_object_set_new(*rep, "model", model_json(lm));
	json_object_set_new(*rep, "seen_in_training", seen_json(lm, ev, why,
	    sizeof why));
	if (why[0] != '\0')
		json_object_set_new(*rep, "seen_in_training_unknown",
		    json_string(why));
	return NLP_OK;
}

/* --record: the metrics and the data's identity, on the registry version. */
static int
record_eval(const char *cmd, struct nlp_loaded *lm, const json_t *rep,
    json_t *data, int quiet)
{
	struct nlp_err e = { 0, "" };
	struct nlp_registry *r;
	struct nlp_ref ref;
	json_t *m = json_object(), *pc = json_object(), *v;
	const char *label;
	char *ms, *ds;
	long version;
	int rc;

	json_object_set_new(m, "n", json_integer(json_integer_value(
	    json_object_get(rep, "n"))));
	json_object_set_new(m, "accuracy", json_real(num(rep, "accuracy", NULL)));
	json_object_set_new(m, "macro_f1", json_real(num(rep, "macro_avg", "f1")));
	json_object_set_new(m, "weighted_f1", json_real(num(rep, "weighted_avg",
	    "f1")));
	json_object_set_new(m, "log_loss", json_real(num(rep, "log_loss", NULL)));
	json_object_set_new(m, "ece", json_real(num(rep, "ece", NULL)));
	json_object_foreach((json_t *)json_object_get(rep, "per_class"), label, v)
		json_object_set_new(pc, label, json_real(num(v, "f1", NULL)));
	json_object_set_new(m, "per_class_f1", pc);
	ms = json_dumps(m, JSON_SORT_KEYS | JSON_COMPACT | JSON_REAL_PRECISION(10));
	ds = json_dumps(data, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(m);
	if (ms == NULL || ds == NULL) {
		free(ms);
		free(ds);
		return cli_errorf(cmd, NLP_IO, "out of memory");
	}
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

int
cmd_eval(int argc, char **argv)
{
	struct nlp_reader_opts ro;
	struct nlp_labeled d;
	struct nlp_loaded lm, lb;
	struct nlp_eval ev, evb;
	struct nlp_gate gates[MAX_GATES];
	struct nlp_err e = { 0, "" };
	const char *model = NULL, *baseline = NULL;
	json_t *rep = NULL, *brep = NULL, *res = NULL, *x;
	unsigned long u, bootstrap = 0, threads = nlp_cpu_count(), seed = 1;
	size_t ngates = 0, nerrors = 0, failed = 0, i;
	double v, max_drop = -1;
	char undecided[256];
	int c, rc, json = 0, confusion = 0, lower = 0, quiet = 0, record = 0;
	int decisive;

	memset(&ro, 0, sizeof ro);
	memset(&d, 0, sizeof d);
	memset(&lm, 0, sizeof lm);
	memset(&lb, 0, sizeof lb);
	memset(&ev, 0, sizeof ev);
	memset(&evb, 0, sizeof evb);
	ro.labeled = 1;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:qh", longopts, NULL)) != -1) {
		rc = NLP_OK;
		/* room for this option's gate and for --max-drop's */
		if (ngates + 2 > MAX_GATES)
			return cli_usage_error(argv[0], "too many gates (at most %d)",
			    MAX_GATES - 1);
		switch (c) {
		case 'm': model = optarg; break;
		case 'q': quiet = 1; break;
		case 'h': return cli_help(usage);
		case OPT_JSON: json = 1; break;
		case OPT_CONFUSION: confusion = 1; break;
		case OPT_ERRORS:
			rc = cli_uint(argv[0], "--errors", optarg, 0, 1000000, &u);
			nerrors = u;
			break;
		case OPT_MIN_ACC:
		case OPT_MIN_F1:
		case OPT_MAX_LL:
		case OPT_MAX_ECE:
			rc = cli_double(argv[0], c == OPT_MIN_ACC ? "--min-accuracy" :
			    c == OPT_MIN_F1 ? "--min-f1" : c == OPT_MAX_LL ?
			    "--max-log-loss" : "--max-ece", optarg, 0,
			    c == OPT_MAX_LL ? 1e9 : 1, &v);
			gates[ngates].kind = c == OPT_MIN_ACC ? NLP_GATE_MIN_ACCURACY :
			    c == OPT_MIN_F1 ? NLP_GATE_MIN_F1 : c == OPT_MAX_LL ?
			    NLP_GATE_MAX_LOG_LOSS : NLP_GATE_MAX_ECE;
			gates[ngates].label = NULL;
			gates[ngates++].bound = v;
			break;
		case OPT_MIN_CLASS_F1: {
			char *eq = strrchr(optarg, '=');
			if (eq == NULL || eq == optarg)
				return cli_usage_error(argv[0], "--min-class-f1 takes "
				    "LABEL=X, not '%s'", optarg);
			*eq = '\0';
			rc = cli_double(argv[0], "--min-class-f1", eq + 1, 0, 1, &v);
			gates[ngates].kind = NLP_GATE_MIN_CLASS_F1;
			gates[ngates].label = optarg;
			gates[ngates++].bound = v;
			break;
		}
		case OPT_BASELINE: baseline = optarg; break;
		case OPT_MAX_DROP:
			rc = cli_double(argv[0], "--max-drop", optarg, 0, 1, &max_drop);
			break;
		case OPT_BOOTSTRAP:
			rc = cli_uint(argv[0], "--bootstrap", optarg, 1, 100000,
			    &bootstrap);
			break;
		case OPT_GATE_ON:
			if (strcmp(optarg, "lower") == 0)
				lower = 1;
			else if (strcmp(optarg, "point") == 0)
				lower = 0;
			else
				return cli_usage_error(argv[0], "--gate-on takes point or "
				    "lower, not '%s'", optarg);
			break;
		case OPT_SEED:
			rc = cli_uint(argv[0], "--seed", optarg, 0, 0xffffffffUL, &seed);
			break;
		case OPT_STRICT: ro.strict = 1; break;
		case OPT_RECORD: record = 1; break;
		case OPT_THREADS:
			rc = cli_uint(argv[0], "--threads", optarg, 1, 256, &threads);
			break;
		default:
			if ((rc = cli_reader_option(argv[0], c, optarg, &ro, 0)) < 0)
				return cli_bad_option(argv[0], optopt, argv, optind);
			break;
		}
		if (rc != NLP_OK)
			return rc;
	}
	if (model == NULL)
		return cli_usage_error(argv[0], "no model: give -m MODEL");
	if (max_drop >= 0 && baseline == NULL)
		return cli_usage_error(argv[0], "--max-drop needs --baseline MODEL");
	if (lower && bootstrap == 0)
		return cli_usage_error(argv[0], "--gate-on lower needs --bootstrap N");
	if (record && nlp_ref_is_path(model))
		return cli_usage_error(argv[0], "--record needs a registry reference "
		    "(NAME@VERSION or NAME@ALIAS), not the file '%s'", model);
	if (max_drop >= 0) {
		gates[ngates].kind = NLP_GATE_MAX_DROP;
		gates[ngates].label = NULL;
		gates[ngates++].bound = max_drop;
	}

	if ((rc = nlp_load_model(&lm, model, cli_registry_dir(), &e)) != NLP_OK)
		return cli_error(argv[0], &e);
	if (baseline != NULL &&
	    (rc = nlp_load_model(&lb, baseline, cli_registry_dir(), &e)) != NLP_OK) {
		nlp_err_prefix(&e, "baseline");
		cli_error(argv[0], &e);
		goto out;
	}
	if ((rc = nlp_labeled_read(&d, (const char *const *)argv + optind,
	    (size_t)(argc - optind), &ro, &e)) != NLP_OK) {
		cli_error(argv[0], &e);
		goto out;
	}
	if (d.n == 0) {
		rc = cli_errorf(argv[0], NLP_DATA, "no examples to evaluate%s%s",
		    d.oddities[0] ? ": " : "", d.oddities);
		goto out;
	}
	if ((rc = evaluate(argv[0], &lm, &d, (unsigned)threads, &ev, &rep)) !=
	    NLP_OK)
		goto out;
	if (ev.unknown > 0 && ro.strict) {
		rc = cli_errorf(argv[0], NLP_DATA, "%llu examples have gold labels "
		    "the model does not know", (unsigned long long)ev.unknown);
		goto out;
	}
	if (baseline != NULL && (rc = evaluate(argv[0], &lb, &d,
	    (unsigned)threads, &evb, &brep)) != NLP_OK)
		goto out;
	if (bootstrap > 0) {
		if ((x = nlp_eval_bootstrap(&ev, baseline ? &evb : NULL,
		    (unsigned)bootstrap, seed)) == NULL) {
			rc = cli_errorf(argv[0], NLP_IO, "out of memory");
			goto out;
		}
		json_object_set_new(rep, "bootstrap", x);
	}
	res = json_deep_copy(rep);
	if (brep != NULL)
		json_object_set(res, "baseline", brep);
	x = json_array();
	for (i = 0; i < d.ninputs; i++) {
		json_t *in = json_object();
		json_object_set_new(in, "name", json_string(d.inputs[i].path));
		json_object_set_new(in, "sha256", json_string(d.inputs[i].sha256));
		json_object_set_new(in, "bytes", json_integer((json_int_t)
		    d.inputs[i].bytes));
		json_array_append_new(x, in);
	}
	json_object_set_new(res, "data", x);
	json_object_set_new(res, "skipped", json_string(d.oddities));
	for (i = 0; i < ngates; i++)
		if (gates[i].kind == NLP_GATE_MIN_CLASS_F1 && json_object_get(
		    json_object_get(rep, "per_class"), gates[i].label) == NULL) {
			rc = cli_usage_error(argv[0], "--min-class-f1: no class '%s' "
			    "in the model's predictions or the gold labels",
			    gates[i].label);
			goto out;
		}
	/* figures on a fraction of the data decide nothing: no verdict */
	decisive = nlp_labeled_decisive(&d, undecided, sizeof undecided);
	if (ngates > 0) {
		json_object_set_new(res, "gates", nlp_eval_gates(rep, brep, gates,
		    ngates, lower, &failed));
		if (!decisive) {
			json_array_foreach(json_object_get(res, "gates"), i, x)
				json_object_set_new(x, "passed", json_null());
			json_object_set_new(res, "gates_undecided",
			    json_string(undecided));
		}
	}
	if (nerrors > 0)
		json_object_set_new(res, "errors", nlp_eval_errors(&ev, &d, nerrors));
	if (json) {
		json_t *t = json_object();
		json_object_set_new(t, "seconds", json_real(ev.seconds));
		json_object_set_new(t, "examples_per_s", json_real(ev.seconds > 0 ?
		    (double)ev.n / ev.seconds : 0));
		json_object_set_new(res, "timing", t);
		json_dumpf(res, stdout, JSON_INDENT(2) | JSON_SORT_KEYS |
		    JSON_REAL_PRECISION(10));
		putchar('\n');
	} else {
		char title[sizeof lm.display + 64];
		snprintf(title, sizeof title, "model %s (sha256 %.12s), %zu examples",
		    lm.display, nlp_loaded_sha256(&lm), d.n);
		print_table(rep, title);
		if (brep != NULL) {
			const json_t *df = json_object_get(json_object_get(rep,
			    "bootstrap"), "difference");
			printf("\nbaseline %s (sha256 %.12s): accuracy %.4f, macro-F1 "
			    "%.4f; candidate - baseline: accuracy %+.4f, macro-F1 %+.4f\n",
			    lb.display, nlp_loaded_sha256(&lb), num(brep, "accuracy", NULL),
			    num(brep, "macro_avg", "f1"), num(rep, "accuracy", NULL) -
			    num(brep, "accuracy", NULL), num(rep, "macro_avg", "f1") -
			    num(brep, "macro_avg", "f1"));
			if (df != NULL)
				printf("95%% paired intervals of the difference: accuracy "
				    "[%+.4f, %+.4f], macro-F1 [%+.4f, %+.4f]\n",
				    json_number_value(json_array_get(json_object_get(df,
				    "accuracy"), 0)), json_number_value(json_array_get(
				    json_object_get(df, "accuracy"), 1)), json_number_value(
				    json_array_get(json_object_get(df, "macro_f1"), 0)),
				    json_number_value(json_array_get(json_object_get(df,
				    "macro_f1"), 1)));
		}
		if (confusion)
			print_confusion(rep);
		if (nerrors > 0)
			print_errors(json_object_get(res, "errors"));
	}
	if (!quiet) {
		json_t *zd = json_object_get(rep, "zero_division");
		if (d.oddities[0])
			fprintf(stderr, "nlpops eval: %s\n", d.oddities);
		x = json_object_get(rep, "seen_in_training");
		if (json_is_object(x))
			fprintf(stderr, "nlpops eval: %lld of %zu examples (%.1f%%) "
			    "also occur in the training data\n",
			    (long long)json_integer_value(json_object_get(x, "examples")),
			    d.n, 100 * json_number_value(json_object_get(x, "share")));
		x = json_object_get(rep, "seen_in_training_unknown");
		if (json_is_string(x)) {
			fputs("nlpops eval: warning: cannot tell how many examples "
			    "the model was trained on: ", stderr);
			cli_put_safe(stderr, json_string_value(x), 0);
			fputc('\n', stderr);
		}
		if (ev.unknown > 0)
			fprintf(stderr, "nlpops eval: examples with gold labels the "
			    "model does not know, scored as errors: %llu\n",
			    (unsigned long long)ev.unknown);
		/* thousands of labels make thousands of these: the first few */
		json_array_foreach(zd, i, x) {
			if (i == ZD_SHOWN) {
				fprintf(stderr, "nlpops eval: warning: %zu more "
				    "precisions or recalls are undefined, counted as 0 "
				    "(--json lists them)\n", json_array_size(zd) - i);
				break;
			}
			fputs("nlpops eval: warning: ", stderr);
			cli_put_safe(stderr, json_string_value(x), 0);
			fputs(" is undefined, counted as 0\n", stderr);
		}
		if (!decisive && ngates == 0)
			fprintf(stderr, "nlpops eval: warning: %s: the figures stand "
			    "on the rest\n", undecided);
		fprintf(stderr, "nlpops eval: %zu examples in %.2f s (%.0f/s)\n", d.n,
		    ev.seconds, ev.seconds > 0 ? (double)d.n / ev.seconds : 0);
	}
	if (!decisive && (ngates > 0 || record)) {
		rc = cli_errorf(argv[0], NLP_DATA, "%s have no verdict: %s: %s",
		    ngates > 0 ? "the gates" : "--record: the figures",
		    undecided, d.oddities);
		goto out;
	}
	json_array_foreach(json_object_get(res, "gates"), i, x) {
		if (json_is_true(json_object_get(x, "passed")))
			continue;
		const char *gate = json_string_value(json_object_get(x, "gate"));
		const char *bound_note = "";
		if (lower && (strcmp(gate, "--min-accuracy") == 0 ||
		    strcmp(gate, "--min-f1") == 0))
			bound_note = " (bootstrap lower bound)";
		else if (lower && strcmp(gate, "--max-drop") == 0)
			bound_note = " (bootstrap upper bound of the drop)";
		fprintf(stderr, "nlpops eval: gate %s failed: ", gate);
		cli_put_safe(stderr, json_string_value(json_object_get(x, "metric")),
		    0);
		/* a figure that is not a number fails: say so, not "0.0000" */
		if (json_is_number(json_object_get(x, "value")))
			fprintf(stderr, " %.4f", json_number_value(json_object_get(x,
			    "value")));
		else
			fputs(" undefined", stderr);
		fprintf(stderr, ", bound %.4f%s\n", json_number_value(
		    json_object_get(x, "bound")), bound_note);
	}
	if (!quiet && ngates > 0 && failed == 0)
		fprintf(stderr, "nlpops eval: all %zu gates passed\n",
		    json_array_size(json_object_get(res, "gates")));
	if (record && (rc = record_eval(argv[0], &lm, rep, json_object_get(res,
	    "data"), quiet)) != NLP_OK)
		goto out;
	rc = failed ? NLP_NO : NLP_OK;
out:
	json_decref(rep);
	json_decref(brep);
	json_decref(res);
	nlp_eval_release(&ev);
	nlp_eval_release(&evb);
	nlp_labeled_release(&d);
	nlp_loaded_close(&lm);
	nlp_loaded_close(&lb);
	return rc;
}
