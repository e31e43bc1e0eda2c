/*
 * drift.c - `nlpops drift`: has the current text drifted from the training
 * text?  The exit status says (0 no, 1 yes); the report says why.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "artifact.h"
#include "atomic.h"
#include "cmd.h"
#include "drift.h"
#include "drift_html.h"
#include "jsonwatch.h"
#include "modelref.h"
#include "pool.h"
#include "reader.h"

static const char usage[] =
    "usage: nlpops drift (-m MODEL | --reference FILE) [options] [FILE...]\n"
    "\n"
    "Compare current text (stdin when no FILE or '-') with the training text\n"
    "profiled in MODEL, or with a reference file.  Exit status: 0 no drift,\n"
    "1 drift.\n"
    "\n"
    "  -m, --model MODEL        compare with the profile stored in the model\n"
    "      --reference FILE     compare with this text instead (no model)\n"
    "      --json               one JSON object (schema 1) on stdout\n"
    "      --html FILE          write a self-contained HTML report\n"
    "      --prom FILE          write Prometheus textfile metrics (atomically)\n"
    "      --alpha P            p-value threshold (default: 0.05)\n"
    "      --effect X           effect-size threshold: Jensen-Shannon, PSI,\n"
    "                           normed Wasserstein (default: 0.1)\n"
    "      --share-effect X     threshold on a share's change (default: 0.05)\n"
    "      --auc X              domain classifier ROC AUC threshold (default:\n"
    "                           0.55; small samples use permutations)\n"
    "      --drift-share X      share of drifted signals that is drift\n"
    "                           (default: 0.5)\n"
    "      --max-accuracy-drop X  labeled data: accuracy drop that is drift\n"
    "                           (default: 0.05)\n"
    "      --small N            up to N records judge by p-values (default: 1000)\n"
    "      --max-sample N       texts per side for the domain classifier\n"
    "                           (default: 2000)\n"
    "      --permutations N     label-shuffled domain runs for small samples\n"
    "                           (default: 20)\n"
    "      --seed S             seed for samples and the classifier (default: 1)\n"
    "      --format F           input format: plain, tsv, csv, jsonl, fasttext;\n"
    "                           labeled formats enable concept-drift signals\n"
    "      --text-column C      TSV/CSV text column\n"
    "      --label-column C     TSV/CSV label column\n"
    "      --text-field F       JSONL text field\n"
    "      --label-field F      JSONL label field\n"
    "      --threads T          threads (default: all CPUs); the same report\n"
    "  -q, --quiet              print nothing but errors (the exit status says)\n"
    "  -h, --help               show this help\n";

enum {
	OPT_REFERENCE = 256, OPT_JSON, OPT_HTML, OPT_PROM, OPT_ALPHA, OPT_EFFECT,
	OPT_SHARE_EFFECT, OPT_AUC, OPT_DRIFT_SHARE, OPT_MAX_ACC_DROP, OPT_SMALL,
	OPT_MAX_SAMPLE, OPT_PERMUTATIONS, OPT_SEED, OPT_THREADS,
};

static const struct option longopts[] = {
	{ "model", required_argument, NULL, 'm' },
	{ "reference", required_argument, NULL, OPT_REFERENCE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "html", required_argument, NULL, OPT_HTML },
	{ "prom", required_argument, NULL, OPT_PROM },
	{ "alpha", required_argument, NULL, OPT_ALPHA },
	{ "effect", required_argument, NULL, OPT_EFFECT },
	{ "share-effect", required_argument, NULL, OPT_SHARE_EFFECT },
	{ "auc", required_argument, NULL, OPT_AUC },
	{ "drift-share", required_argument, NULL, OPT_DRIFT_SHARE },
	{ "max-accuracy-drop", required_argument, NULL, OPT_MAX_ACC_DROP },
	{ "small", required_argument, NULL, OPT_SMALL },
	{ "max-sample", required_argument, NULL, OPT_MAX_SAMPLE },
	{ "permutations", required_argument, NULL, OPT_PERMUTATIONS },
	{ "seed", required_argument, NULL, OPT_SEED },
	CLI_LABELED_INPUT_OPTIONS,
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* "0.1234" or "-" for a JSON number or null. */
static const char *
fmt(const json_t *v, char *buf, size_t size)
{
	double x;

	if (!json_is_number(v))
		return "-";
	x = json_number_value(v);
	if (x != 0 && fabs(x) < 1e-4)
		snprintf(buf, size, "%.2e", x);
	else
		snprintf(buf, size, "%.4f", x);
	return buf;
}

/* The verdict line: "drift: yes (4/7 signals; domain AUC 0.81)". */
static void
verdict_line(FILE *f, const json_t *rep)
{
	const json_t *v = json_object_get(rep, "verdict");
	const json_t *auc = json_object_get(json_object_get(rep, "domain"), "auc");

	fprintf(f, "drift: %s (%lld/%lld signals",
	    json_is_true(json_object_get(v, "drift")) ? "yes" : "no",
	    (long long)json_integer_value(json_object_get(v, "drifted")),
	    (long long)json_integer_value(json_object_get(v, "signals")));
	if (json_is_number(auc))
		fprintf(f, "; domain AUC %.2f", json_number_value(auc));
	fprintf(f, ")\n");
}

static void
print_report(const json_t *rep)
{
	const json_t *s, *x, *dom = json_object_get(rep, "domain");
	char b1[32], b2[32], b3[32];
	size_t i;

	verdict_line(stdout, rep);
	printf("\n%-18s %-24s %10s %10s %10s  %s\n", "SIGNAL", "STATISTIC", "VALUE",
	    "P-VALUE", "THRESHOLD", "DRIFT");
	json_array_foreach(json_object_get(rep, "signals"), i, s)
		printf("%-18s %-24s %10s %10s %10s  %s\n",
		    json_string_value(json_object_get(s, "name")),
		    json_string_value(json_object_get(s, "statistic_name")),
		    fmt(json_object_get(s, "statistic"), b1, sizeof b1),
		    fmt(json_object_get(s, "p_value"), b2, sizeof b2),
		    fmt(json_object_get(s, "threshold"), b3, sizeof b3),
		    json_is_true(json_object_get(s, "drifted")) ? "yes" : "no");
	printf("%-18s %-24s %10s %10s %10s  %s\n", "domain", "roc_auc",
	    fmt(json_object_get(dom, "auc"), b1, sizeof b1), "-",
	    fmt(json_object_get(dom, "threshold"), b3, sizeof b3),
	    json_is_true(json_object_get(dom, "drifted")) ? "yes" : "no");
	printf("\nrule: %s\n", json_string_value(json_object_get(json_object_get(
	    rep, "verdict"), "rule")));
	printf("\ntokens whose share grew most:");
	json_array_foreach(json_object_get(json_object_get(rep, "tokens"), "grew"),
	    i, x)
		if (i < 10)
			printf(" %s", json_string_value(json_object_get(x, "token")));
	printf("\ntokens whose share shrank most:");
	json_array_foreach(json_object_get(json_object_get(rep, "tokens"),
	    "shrank"), i, x)
		if (i < 10)
			printf(" %s", json_string_value(json_object_get(x, "token")));
	printf("\nn-grams that mark the current text:");
	json_array_foreach(json_object_get(dom, "top_current"), i, x)
		if (i < 10)
			printf(" [%s]", json_string_value(json_object_get(x, "ngram")));
	printf("\nn-grams that mark the reference text:");
	json_array_foreach(json_object_get(dom, "top_reference"), i, x)
		if (i < 10)
			printf(" [%s]", json_string_value(json_object_get(x, "ngram")));
	putchar('\n');
}

/* A Prometheus label value: backslash, quote and newline escaped. */
static void
prom_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* Write textfile-collector metrics to f. */
static void
write_prom(FILE *f, const json_t *rep, const char *model, const char *version)
{
	const json_t *s, *v = json_object_get(rep, "verdict");
	const json_t *auc = json_object_get(json_object_get(rep, "domain"), "auc");
	size_t i;

#define LABELS() do { fputs("{model=\"", f); prom_label(f, model); \
	fputs("\",version=\"", f); prom_label(f, version); fputc('"', f); } while (0)
	fputs("# HELP nlpops_drift 1 when nlpops drift found drift, else 0.\n"
	    "# TYPE nlpops_drift gauge\nnlpops_drift", f);
	LABELS();
	fprintf(f, "} %d\n", json_is_true(json_object_get(v, "drift")));
	fputs("# HELP nlpops_drift_signals_drifted Signals that drifted.\n"
	    "# TYPE nlpops_drift_signals_drifted gauge\n"
	    "nlpops_drift_signals_drifted", f);
	LABELS();
	fprintf(f, "} %lld\n", (long long)json_integer_value(json_object_get(v,
	    "drifted")));
	fputs("# HELP nlpops_drift_signal A drift signal's statistic (its "
	    "statistic_name is in --json).\n"
	    "# TYPE nlpops_drift_signal gauge\n", f);
	json_array_foreach(json_object_get(rep, "signals"), i, s) {
		if (!json_is_number(json_object_get(s, "statistic")))
			continue;
		fputs("nlpops_drift_signal", f);
		LABELS();
		fputs(",signal=\"", f);
		prom_label(f, json_string_value(json_object_get(s, "name")));
		fprintf(f, "\"} %.17g\n", json_number_value(json_object_get(s,
		    "statistic")));
	}
	fputs("# HELP nlpops_drift_signal_drifted 1 when the signal drifted.\n"
	    "# TYPE nlpops_drift_signal_drifted gauge\n", f);
	json_array_foreach(json_object_get(rep, "signals"), i, s) {
		fputs("nlpops_drift_signal_drifted", f);
		LABELS();
		fputs(",signal=\"", f);
		prom_label(f, json_string_value(json_object_get(s, "name")));
		fprintf(f, "\"} %d\n", json_is_true(json_object_get(s, "drifted")));
	}
	if (json_is_number(auc)) {
		fputs("# HELP nlpops_drift_domain_auc The domain classifier's ROC "
		    "AUC.\n# TYPE nlpops_drift_domain_auc gauge\n"
		    "nlpops_drift_domain_auc", f);
		LABELS();
		fprintf(f, "} %.17g\n", json_number_value(auc));
	}
	fputs("# HELP nlpops_drift_records Current records compared.\n"
	    "# TYPE nlpops_drift_records gauge\nnlpops_drift_records", f);
	LABELS();
	fprintf(f, "} %lld\n", (long long)json_integer_value(json_object_get(
	    json_object_get(rep, "counts"), "current_records")));
#undef LABELS
}

/*
 * The output files, --prom and --html: both are written to temporary
 * files first and published only when both are whole, so that a failure
 * (out of memory, a full disk) leaves each target as it was.
 */
static int
write_files(const char *cmd, const char *prom, const char *html,
    const char *page, const json_t *rep, const char *model,
    const char *version)
{
	struct nlp_err e = { 0, "" };
	struct nlp_atomic pa, ha;
	int rc;

	memset(&pa, 0, sizeof pa);
	memset(&ha, 0, sizeof ha);
	pa.fd = ha.fd = -1;
	if (prom != NULL) {
		if ((rc = nlp_atomic_open(&pa, prom, &e)) != NLP_OK)
			goto fail;
		write_prom(pa.fp, rep, model, version);
	}
	if (html != NULL) {
		if ((rc = nlp_atomic_open(&ha, html, &e)) != NLP_OK)
			goto fail;
		fputs(page, ha.fp);
	}
	if ((prom != NULL && (rc = nlp_atomic_commit(&pa, &e)) != NLP_OK) ||
	    (html != NULL && (rc = nlp_atomic_commit(&ha, &e)) != NLP_OK))
		goto fail;
	return NLP_OK;
fail:
	/* a committed or failed one is already clean: abort is a no-op */
	nlp_atomic_abort(&pa);
	nlp_atomic_abort(&ha);
	return cli_error(cmd, &e);
}

int
cmd_drift(int argc, char **argv)
{
	struct nlp_drift_opts o;
	struct nlp_drift_ref ref;
	struct nlp_loaded lm;
	struct nlp_err e = { 0, "" };
	const char *model = NULL, *reference = NULL, *html = NULL, *prom = NULL;
	unsigned long u;
	json_t *rep = NULL;
	char version[32] = "", *text = NULL, *page = NULL;
	int c, rc = NLP_OK, json = 0, quiet = 0, drift;

	nlp_drift_opts_init(&o);
	o.threads = nlp_cpu_count();
	memset(&lm, 0, sizeof lm);
	memset(&ref, 0, sizeof ref);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:qh", longopts, NULL)) != -1) {
		rc = NLP_OK;
		switch (c) {
		case 'm': model = optarg; break;
		case 'q': quiet = 1; break;
		case 'h': return cli_help(usage);
		case OPT_REFERENCE: reference = optarg; break;
		case OPT_JSON: json = 1; break;
		case OPT_HTML: html = optarg; break;
		case OPT_PROM: prom = optarg; break;
		case OPT_ALPHA:
			rc = cli_double(argv[0], "--alpha", optarg, 0, 1, &o.alpha);
			break;
		case OPT_EFFECT:
			rc = cli_double(argv[0], "--effect", optarg, 0, 1e9, &o.effect);
			break;
		case OPT_SHARE_EFFECT:
			rc = cli_double(argv[0], "--share-effect", optarg, 0, 1,
			    &o.share_effect);
			break;
		case OPT_AUC:
			rc = cli_double(argv[0], "--auc", optarg, 0, 1, &o.auc);
			break;
		case OPT_DRIFT_SHARE:
			rc = cli_double(argv[0], "--drift-share", optarg, 0, 1,
			    &o.drift_share);
			break;
		case OPT_MAX_ACC_DROP:
			rc = cli_double(argv[0], "--max-accuracy-drop", optarg, 0, 1,
			    &o.max_accuracy_drop);
			break;
		case OPT_SMALL:
			rc = cli_uint(argv[0], "--small", optarg, 0, 1UL << 40, &u);
			o.small = u;
			break;
		case OPT_MAX_SAMPLE:
			rc = cli_uint(argv[0], "--max-sample", optarg, 0, 1000000, &u);
			o.max_sample = u;
			break;
		case OPT_PERMUTATIONS:
			rc = cli_uint(argv[0], "--permutations", optarg, 0, 1000, &u);
			o.permutations = (unsigned)u;
			break;
		case OPT_SEED:
			rc = cli_uint(argv[0], "--seed", optarg, 0, 0xffffffffUL, &u);
			o.seed = u;
			break;
		case OPT_THREADS:
			rc = cli_uint(argv[0], "--threads", optarg, 1, 256, &u);
			o.threads = (unsigned)u;
			break;
		default:
			if ((rc = cli_reader_option(argv[0], c, optarg, &o.reader, 1)) < 0)
				return cli_bad_option(argv[0], optopt, argv, optind);
			break;
		}
		if (rc != NLP_OK)
			return rc;
	}
	if ((model == NULL) == (reference == NULL))
		return cli_usage_error(argv[0], "give either -m MODEL or "
		    "--reference FILE");
	/* labeled formats (by --format or extension) bring gold labels */
	{
		const char *first = optind < argc ? argv[optind] : "-";
		enum nlp_format f = o.reader.format ? o.reader.format :
		    nlp_format_guess(first, 0);
		/*
		 * Labels when the input has them for sure: fastText lines, TSV
		 * label<TAB>text, or a label column or field named; else every
		 * record is read as text (a CSV or JSONL file without labels
		 * still works).
		 */
		o.reader.labeled = f == NLP_FMT_FASTTEXT ||
		    (f == NLP_FMT_TSV && o.reader.text_column == NULL) ||
		    o.reader.label_column != NULL || o.reader.label_field != NULL;
	}
	if (model != NULL) {
		const void *pd, *sd;
		size_t pl, sl;

		if ((rc = nlp_load_model(&lm, model, cli_registry_dir(), &e)) !=
		    NLP_OK)
			return cli_error(argv[0], &e);
		if (nlp_artifact_member(lm.a, "profile", &pd, &pl, &e) != NLP_OK ||
		    nlp_artifact_member(lm.a, "sample", &sd, &sl, &e) != NLP_OK) {
			rc = cli_errorf(argv[0], NLP_DATA, "%s has no text profile "
			    "(made by an older nlpops?): retrain it, or use "
			    "--reference FILE", lm.display);
			goto out;
		}
		if ((rc = nlp_drift_ref_from_members(&ref, &lm.m, pd, pl, sd, sl,
		    &e)) != NLP_OK) {
			/* "'m.nlp': member 'profile': field 'docs' is ..." */
			if (rc == NLP_DATA)
				nlp_err_prefix(&e, "'%s'", lm.display);
			cli_error(argv[0], &e);
			goto out;
		}
		if (lm.version > 0)
			snprintf(version, sizeof version, "%ld", lm.version);
	} else {
		const char *paths[1] = { reference };
		struct nlp_reader_opts ro = o.reader;
		enum nlp_format f = nlp_format_guess(reference, 0);
		ro.format = f;
		ro.labeled = f == NLP_FMT_FASTTEXT || f == NLP_FMT_TSV ||
		    f == NLP_FMT_CSV || f == NLP_FMT_JSONL;
		if ((rc = nlp_drift_ref_from_files(&ref, paths, 1, &ro, &o, &e)) !=
		    NLP_OK) {
			nlp_err_prefix(&e, "--reference");
			cli_error(argv[0], &e);
			goto out;
		}
	}
	if ((rc = nlp_drift_run(&ref, (const char *const *)argv + optind,
	    (size_t)(argc - optind), &o, &rep, &e)) != NLP_OK) {
		cli_error(argv[0], &e);
		goto out;
	}
	drift = json_is_true(json_object_get(json_object_get(rep, "verdict"),
	    "drift"));
	/* everything that needs memory comes first, then the files, then
	   stdout: a failure leaves no partial output anywhere */
	nlp_json_watch();
	if (json && ((text = json_dumps(rep, JSON_INDENT(2) | JSON_SORT_KEYS |
	    JSON_REAL_PRECISION(10))) == NULL || nlp_json_failed())) {
		/* json_dumps() may leave a key out and return the rest */
		rc = cli_errorf(argv[0], NLP_IO, "out of memory");
		goto out;
	}
	if (html != NULL && (page = nlp_drift_html(rep, model ? lm.display :
	    reference)) == NULL) {
		rc = cli_errorf(argv[0], NLP_IO, "out of memory");
		goto out;
	}
	if ((prom != NULL || html != NULL) && (rc = write_files(argv[0], prom,
	    html, page, rep, model ? (lm.name[0] ? lm.name : lm.display) :
	    reference, version)) != NLP_OK)
		goto out;
	if (json) {
		fputs(text, stdout);
		putchar('\n');
	} else if (!quiet) {
		print_report(rep);
	}
	if (!quiet) {
		json_t *w;
		size_t i;
		json_array_foreach(json_object_get(rep, "warnings"), i, w)
			fprintf(stderr, "nlpops drift: warning: %s\n",
			    json_string_value(w));
	}
	rc = drift ? NLP_NO : NLP_OK;
out:
	free(text);
	free(page);
	json_decref(rep);
	nlp_drift_ref_release(&ref);
	nlp_loaded_close(&lm);
	return rc;
}
