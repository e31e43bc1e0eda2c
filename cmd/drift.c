/*
 * drift.c - `nlpops drift`: has the current text drifted from the training
 * text?  The exit status says (0 no, 1 yes); the report says why.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "cmd.h"
#include "drift.h"
#include "drift_html.h"
#include "drift_render.h"
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

/* What the command was asked. */
struct args {
	struct nlp_drift_opts o;
	const char *model, *reference, *html, *prom;
	int json, quiet, help;
};

/* Apply option c (its argument arg): NLP_OK, or a usage error (printed). */
static int
option(char **argv, int c, const char *arg, struct args *a)
{
	struct nlp_drift_opts *o = &a->o;
	const char *cmd = argv[0];
	unsigned long u;
	int rc = NLP_OK;

	switch (c) {
	case 'm': a->model = arg; break;
	case 'q': a->quiet = 1; break;
	case 'h': a->help = 1; break;
	case OPT_REFERENCE: a->reference = arg; break;
	case OPT_JSON: a->json = 1; break;
	case OPT_HTML: a->html = arg; break;
	case OPT_PROM: a->prom = arg; break;
	case OPT_ALPHA:
		return cli_double(cmd, "--alpha", arg, 0, 1, &o->alpha);
	case OPT_EFFECT:
		return cli_double(cmd, "--effect", arg, 0, 1e9, &o->effect);
	case OPT_SHARE_EFFECT:
		return cli_double(cmd, "--share-effect", arg, 0, 1,
		    &o->share_effect);
	case OPT_AUC:
		return cli_double(cmd, "--auc", arg, 0, 1, &o->auc);
	case OPT_DRIFT_SHARE:
		return cli_double(cmd, "--drift-share", arg, 0, 1,
		    &o->drift_share);
	case OPT_MAX_ACC_DROP:
		return cli_double(cmd, "--max-accuracy-drop", arg, 0, 1,
		    &o->max_accuracy_drop);
	case OPT_SMALL:
		rc = cli_uint(cmd, "--small", arg, 0, 1UL << 40, &u);
		o->small = u;
		break;
	case OPT_MAX_SAMPLE:
		rc = cli_uint(cmd, "--max-sample", arg, 0, 1000000, &u);
		o->max_sample = u;
		break;
	case OPT_PERMUTATIONS:
		rc = cli_uint(cmd, "--permutations", arg, 0, 1000, &u);
		o->permutations = (unsigned)u;
		break;
	case OPT_SEED:
		rc = cli_uint(cmd, "--seed", arg, 0, 0xffffffffUL, &u);
		o->seed = u;
		break;
	case OPT_THREADS:
		rc = cli_uint(cmd, "--threads", arg, 1, 256, &u);
		o->threads = (unsigned)u;
		break;
	default:
		if ((rc = cli_reader_option(cmd, c, arg, &o->reader, 1)) < 0)
			return cli_bad_option(cmd, optopt, argv, optind);
	}
	return rc;
}

/*
 * Labels when the input has them for sure: fastText lines, TSV
 * label<TAB>text, or a label column or field named; else every record is
 * read as text (a CSV or JSONL file without labels still works).  The
 * format is --format's, or the first input's by its extension.
 */
static void
guess_labeled(struct nlp_reader_opts *ro, const char *first)
{
	enum nlp_format f = ro->format ? ro->format : nlp_format_guess(first, 0);

	ro->labeled = f == NLP_FMT_FASTTEXT ||
	    (f == NLP_FMT_TSV && ro->text_column == NULL) ||
	    ro->label_column != NULL || ro->label_field != NULL;
}

/* The options; the inputs are argv[optind..argc). */
static int
parse(int argc, char **argv, struct args *a)
{
	int c, rc;

	memset(a, 0, sizeof *a);
	nlp_drift_opts_init(&a->o);
	a->o.threads = nlp_cpu_count();
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:qh", longopts, NULL)) != -1)
		if ((rc = option(argv, c, optarg, a)) != NLP_OK || a->help)
			return rc;
	if ((a->model == NULL) == (a->reference == NULL))
		return cli_usage_error(argv[0], "give either -m MODEL or "
		    "--reference FILE");
	guess_labeled(&a->o.reader, optind < argc ? argv[optind] : "-");
	return NLP_OK;
}

/* The reference: the profile and sample of -m's model (its registry
   version in version), or --reference's file profiled now. */
static int
load_reference(const char *cmd, const struct args *a, struct nlp_loaded *lm,
    struct nlp_drift_ref *ref, char *version, size_t size)
{
	struct nlp_reader_opts ro = a->o.reader;
	const char *paths[1] = { a->reference };
	struct nlp_err e = { 0, "" };
	int rc;

	if (a->model != NULL) {
		if ((rc = nlp_load_model(lm, a->model, cli_registry_dir(), &e)) !=
		    NLP_OK ||
		    (rc = nlp_drift_ref_from_artifact(ref, lm->a, &lm->m,
		    lm->display, &e)) != NLP_OK)
			return cli_error(cmd, &e);
		if (lm->version > 0)
			snprintf(version, size, "%ld", lm->version);
		return NLP_OK;
	}
	ro.format = nlp_format_guess(a->reference, 0);
	ro.labeled = ro.format == NLP_FMT_FASTTEXT || ro.format == NLP_FMT_TSV ||
	    ro.format == NLP_FMT_CSV || ro.format == NLP_FMT_JSONL;
	if ((rc = nlp_drift_ref_from_files(ref, paths, 1, &ro, &a->o, &e)) !=
	    NLP_OK) {
		nlp_err_prefix(&e, "--reference");
		return cli_error(cmd, &e);
	}
	return NLP_OK;
}

/*
 * The output files, --prom and --html: both are written to temporary
 * files first and published only when both are whole, so that a failure
 * (out of memory, a full disk) leaves each target as it was.  A write
 * that fails shows in the commit (the stream's error).
 */
static int
write_files(const char *cmd, const struct args *a, const char *page,
    const struct nlp_drift_report *rep, const char *model,
    const char *version)
{
	struct nlp_err e = { 0, "" };
	struct nlp_atomic pa, ha;
	int rc;

	memset(&pa, 0, sizeof pa);
	memset(&ha, 0, sizeof ha);
	pa.fd = ha.fd = -1;
	if (a->prom != NULL) {
		if ((rc = nlp_atomic_open(&pa, a->prom, &e)) != NLP_OK)
			goto fail;
		nlp_drift_prom(pa.fp, rep, model, version);
	}
	if (a->html != NULL) {
		if ((rc = nlp_atomic_open(&ha, a->html, &e)) != NLP_OK)
			goto fail;
		fputs(page, ha.fp);
	}
	if ((a->prom != NULL && (rc = nlp_atomic_commit(&pa, &e)) != NLP_OK) ||
	    (a->html != NULL && (rc = nlp_atomic_commit(&ha, &e)) != NLP_OK))
		goto fail;
	return NLP_OK;
fail:
	/* a committed or failed one is already clean: abort is a no-op */
	nlp_atomic_abort(&pa);
	nlp_atomic_abort(&ha);
	return cli_error(cmd, &e);
}

/*
 * Everything that needs memory comes first (the JSON document, the page),
 * then the files, then stdout: a failure leaves no partial output
 * anywhere.  The warnings go to stderr.
 */
static int
write_outputs(const char *cmd, const struct args *a,
    const struct nlp_drift_report *rep, const struct nlp_loaded *lm,
    const char *version)
{
	const char *title = a->model ? lm->display : a->reference;
	const char *name = a->model ? (lm->name[0] ? lm->name : lm->display) :
	    a->reference;
	char *text = NULL, *page = NULL;
	size_t i;
	int rc = NLP_OK;

	if ((a->json && (text = nlp_drift_json(rep)) == NULL) ||
	    (a->html != NULL && (page = nlp_drift_html(rep, title)) == NULL))
		rc = cli_errorf(cmd, NLP_IO, "out of memory");
	else if (a->prom != NULL || a->html != NULL)
		rc = write_files(cmd, a, page, rep, name, version);
	/* stdout's write errors are the dispatcher's to report (nlpops.c:
	   finish_stdout), the files' their commit's */
	if (rc == NLP_OK) {
		if (a->json)
			fputs(text, stdout);
		else if (!a->quiet)
			nlp_drift_text(stdout, rep);
		for (i = 0; !a->quiet && i < rep->nwarnings; i++)
			fprintf(stderr, "nlpops drift: warning: %s\n",
			    rep->warning[i]);
	}
	free(text);
	free(page);
	return rc;
}

int
cmd_drift(int argc, char **argv)
{
	struct args a;
	struct nlp_drift_ref ref;
	struct nlp_drift_report rep;
	struct nlp_loaded lm;
	struct nlp_err e = { 0, "" };
	char version[32] = "";
	int rc;

	memset(&lm, 0, sizeof lm);
	memset(&ref, 0, sizeof ref);
	memset(&rep, 0, sizeof rep);
	if ((rc = parse(argc, argv, &a)) != NLP_OK)
		return rc;
	if (a.help)
		return cli_help(usage);
	if ((rc = load_reference(argv[0], &a, &lm, &ref, version,
	    sizeof version)) != NLP_OK)
		goto out;
	if ((rc = nlp_drift_run(&ref, (const char *const *)argv + optind,
	    (size_t)(argc - optind), &a.o, &rep, &e)) != NLP_OK) {
		cli_error(argv[0], &e);
		goto out;
	}
	if ((rc = write_outputs(argv[0], &a, &rep, &lm, version)) == NLP_OK)
		rc = rep.verdict.drift ? NLP_NO : NLP_OK;
out:
	nlp_drift_report_release(&rep);
	nlp_drift_ref_release(&ref);
	nlp_loaded_close(&lm);
	return rc;
}
