/*
 * drift.c - `nlpops drift`: has the current text drifted from the training
 * text?  The exit status says (0 no, 1 yes); the report says why.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "atomic.h"
#include "cmd.h"
#include "drift.h"
#include "drift_shard.h"
#include "drift_html.h"
#include "drift_render.h"
#include "modelref.h"
#include "opts.h"
#include "pool.h"
#include "reader.h"

enum {
	OPT_REFERENCE = 256, OPT_JSON, OPT_HTML, OPT_PROM, OPT_ALPHA, OPT_EFFECT,
	OPT_SHARE_EFFECT, OPT_AUC, OPT_DRIFT_SHARE, OPT_MAX_ACC_DROP, OPT_SMALL,
	OPT_MAX_SAMPLE, OPT_PERMUTATIONS, OPT_SEED, OPT_PROFILES,
};

/* A number that tunes the verdict (no short form, nothing to complete). */
#define TUNE(id, name, arg, help) { id, 0, name, arg, help, NULL }

static const struct cli_opt options[] = {
	{ 'm', 'm', "model", "MODEL", "compare with the profile stored in the "
	    "model", "ref" },
	{ OPT_REFERENCE, 0, "reference", "FILE", "compare with this text "
	    "instead (no model)", "file" },
	{ OPT_PROFILES, 0, "profiles", NULL, "the FILEs are profiles of "
	    "`predict --profile-out`,\nmerged into the report of one pass "
	    "over their text", NULL },
	CLI_OPT_TRUST,
	{ OPT_JSON, 0, "json", NULL, "one JSON object (schema 1) on stdout",
	    NULL },
	{ 'o', 'o', "output", "FILE", "write the report (or --json) to FILE, "
	    "atomically,\nwith the run's warnings at its end ('-': standard\n"
	    "output, even with -q)", "file" },
	{ OPT_HTML, 0, "html", "FILE", "write a self-contained HTML report",
	    "file" },
	{ OPT_PROM, 0, "prom", "FILE", "write Prometheus textfile metrics "
	    "(atomically)", "file" },
	TUNE(OPT_ALPHA, "alpha", "P", "p-value threshold, and the noise "
	    "bounds' (default:\n0.05)"),
	TUNE(OPT_EFFECT, "effect", "X", "effect-size threshold: Jensen-Shannon, "
	    "PSI,\nnormed Wasserstein (default: 0.1)"),
	TUNE(OPT_SHARE_EFFECT, "share-effect", "X", "threshold on a share's "
	    "change (default: 0.05)"),
	TUNE(OPT_AUC, "auc", "X", "domain classifier ROC AUC threshold "
	    "(default:\n0.55) when both sides have over --small texts"),
	TUNE(OPT_DRIFT_SHARE, "drift-share", "X", "share of drifted signals "
	    "that is drift\n(default: 0.5)"),
	TUNE(OPT_MAX_ACC_DROP, "max-accuracy-drop", "X", "labeled data: "
	    "accuracy drop that is drift\n(default: 0.05)"),
	TUNE(OPT_SMALL, "small", "N", "up to N records judge by p-values, "
	    "and up to N\ntexts a side the domain classifier by "
	    "permutations\n(default: 1000)"),
	TUNE(OPT_MAX_SAMPLE, "max-sample", "N", "texts per side for the domain "
	    "classifier\n(default: 2000)"),
	TUNE(OPT_PERMUTATIONS, "permutations", "N", "label-shuffled domain runs "
	    "for small samples\n(default: 20, or as many as --alpha needs)"),
	TUNE(OPT_SEED, "seed", "S", "seed for samples and the classifier "
	    "(default: 1)"),
	{ CLI_FORMAT, 0, "format", "F", "input format: plain, tsv, csv, jsonl, "
	    "fasttext;\nlabeled formats enable concept-drift signals",
	    "plain tsv csv jsonl fasttext" },
	CLI_OPTS_LABELED_COLUMNS,
	CLI_OPT_THREADS("threads (default: the CPUs it may\nuse); the same report"),
	{ 'q', 'q', "quiet", NULL, "print nothing but errors and the warnings\n"
	    "about the data read (the exit status says)", NULL },
	CLI_OPT_HELP,
	CLI_OPT_END,
};

const struct cli_cmd cli_drift = {
	"drift",
	"usage: nlpops drift (-m MODEL | --reference FILE) [options] [FILE...]\n"
	"       nlpops drift -m MODEL --profiles [options] PROFILE...\n"
	"\n"
	"Compare current text (stdin when no FILE or '-') with the training text\n"
	"profiled in MODEL, or with a reference file.  Exit status: 0 no drift,\n"
	"1 drift.  Gold labels (concept drift) come from fastText and TSV\n"
	"label<TAB>text; from CSV and JSONL only with --label-column or\n"
	"--label-field.\n"
	"\n",
	options, NULL, "file...",
};

/* What the command was asked. */
struct args {
	struct nlp_drift_opts o;
	const char *model, *reference, *html, *prom, *out;
	int json, quiet, profiles;
	int permutations_given;      /* --permutations */
};

/* A threshold that a change of 0 meets (effect >= X): at 0 identical
 * text is drift, so 0 is refused. */
static int
above_zero(const char *cmd, const char *opt, const char *arg, double max,
    double *out)
{
	int rc = cli_double(cmd, opt, arg, 0, max, out);

	if (rc == NLP_OK && *out == 0)
		return cli_usage_error(cmd, "%s takes a number above 0, up to %g "
		    "(at 0, identical text would be drift)", opt, max);
	return rc;
}

/*
 * The domain classifier's permutation test can say drift only at a
 * p-value of 1/(N + 1) or more: under an --alpha below that, the default
 * number of runs grows to what --alpha asks (99 for 0.01, at most 1000).
 * A number given is kept (its largest AUC is then the threshold).
 */
static void
permutations_for_alpha(struct args *a)
{
	struct nlp_drift_opts *o = &a->o;
	double need;

	if (a->permutations_given || o->alpha <= 0 || o->permutations == 0 ||
	    o->alpha * (o->permutations + 1) >= 1 - 1e-9)
		return;
	need = ceil(1 / o->alpha - 1e-9) - 1;
	o->permutations = need > 1000 ? 1000 : (unsigned)need;
}

/* One option (cli_parse()'s handler): NLP_OK, or the status to exit with
 * (the message printed). */
static int
option(void *ctx, int c, const char *arg)
{
	struct args *a = ctx;
	struct nlp_drift_opts *o = &a->o;
	const char *cmd = "drift";
	unsigned long u;
	int rc = NLP_OK;

	switch (c) {
	case 'm': a->model = arg; break;
	case CLI_TRUST: return cli_trust_option(cmd, arg);
	case 'q': a->quiet = 1; break;
	case OPT_REFERENCE: a->reference = arg; break;
	case OPT_JSON: a->json = 1; break;
	case 'o': a->out = arg; break;
	case OPT_PROFILES: a->profiles = 1; break;
	case OPT_HTML:
	case OPT_PROM:
		/* a file: standard output is the report's (a file named '-'
		   was made) */
		if (strcmp(arg, "-") == 0)
			return cli_usage_error(cmd, "%s writes a file, not "
			    "standard output ('-'), which the report takes",
			    c == OPT_HTML ? "--html" : "--prom");
		*(c == OPT_HTML ? &a->html : &a->prom) = arg;
		break;
	case OPT_ALPHA:
		return cli_double(cmd, "--alpha", arg, 0, 1, &o->alpha);
	case OPT_EFFECT:
		return above_zero(cmd, "--effect", arg, 1e9, &o->effect);
	case OPT_SHARE_EFFECT:
		return above_zero(cmd, "--share-effect", arg, 1,
		    &o->share_effect);
	case OPT_AUC:
		return cli_double(cmd, "--auc", arg, 0, 1, &o->auc);
	case OPT_DRIFT_SHARE:
		return above_zero(cmd, "--drift-share", arg, 1,
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
		a->permutations_given = 1;
		break;
	case OPT_SEED:
		rc = cli_uint(cmd, "--seed", arg, 0, 0xffffffffUL, &u);
		o->seed = u;
		break;
	case CLI_THREADS:
		return cli_threads(cmd, arg, &o->threads);
	default:
		rc = cli_reader_option(cmd, c, arg, &o->reader, 1);
		break;
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

/* --prom and --html: neither onto the other, an input, the reference or
 * the model (each is replaced whole once the report is made). */
static int
outputs_apart(const struct args *a, char **paths, size_t npaths)
{
	/* and not onto the report on standard output (--json, or the
	   table without -q): --prom /dev/stdout would mix into it */
	int to_file = a->out != NULL && strcmp(a->out, "-") != 0;
	const struct cli_output out[4] = {
		{ "--prom", a->prom, 0 }, { "--html", a->html, 0 },
		{ "-o", to_file ? a->out : NULL, 0 },
		{ NULL, !to_file && (a->out != NULL || a->json || !a->quiet) ?
		    "-" : NULL, 0 },
	};
	struct cli_files f = { out, 4, paths, npaths, a->model, NULL };
	char *ref[1] = { (char *)a->reference };
	int rc;

	if ((!a->profiles && (rc = cli_inputs_once("drift", paths, npaths)) !=
	    NLP_OK) || (rc = cli_files_apart("drift", &f)) != NLP_OK ||
	    a->reference == NULL)
		return rc;
	f.in = ref;
	f.nin = 1;
	return cli_files_apart("drift", &f);
}

/* Parse the options (*first is then the inputs' index in argv): NLP_OK,
 * CLI_HELP_SHOWN, or the status to exit with. */
static int
parse(int argc, char **argv, struct args *a, int *first)
{
	int rc;

	memset(a, 0, sizeof *a);
	nlp_drift_opts_init(&a->o);
	a->o.reader.no_digest = 1;   /* drift records no data hash */
	a->o.threads = nlp_cpu_count();
	if ((rc = cli_parse(&cli_drift, argc, argv, option, a, first)) != NLP_OK)
		return rc;
	/* before the either-or: --profiles wants -m, never --reference */
	if (a->profiles && a->model == NULL)
		return cli_usage_error("drift", "--profiles needs -m MODEL: "
		    "the model the profiles were written under");
	if (a->model != NULL && a->reference != NULL)
		return cli_usage_error("drift", "-m MODEL and --reference FILE "
		    "both given: the reference is one or the other (the "
		    "model's profile, or a file's text)");
	if (a->model == NULL && a->reference == NULL)
		return cli_usage_error("drift", "give either -m MODEL or "
		    "--reference FILE: the text to compare with");
	if (a->reference != NULL && cli_trust_given())
		return cli_usage_error("drift", "--trust checks a model's "
		    "signature: it goes with -m, not --reference");
	if (a->profiles && *first == argc)
		return cli_usage_error("drift", "--profiles needs at least one "
		    "profile FILE");
	permutations_for_alpha(a);
	/* standard input read once: the reference would take all of it,
	   and leave the current text empty */
	if (a->reference != NULL && strcmp(a->reference, "-") == 0) {
		int i, std = *first == argc;
		for (i = *first; i < argc; i++)
			std |= strcmp(argv[i], "-") == 0;
		if (std)
			return cli_usage_error("drift", "--reference - and the "
			    "current text cannot both be standard input: name a "
			    "FILE for one of them");
	}
	guess_labeled(&a->o.reader, *first < argc ? argv[*first] : "-");
	if (a->reference != NULL)   /* the options may be the reference's */
		a->o.reader.also_format = nlp_format_guess(a->reference, 0);
	return outputs_apart(a, argv + *first, (size_t)(argc - *first));
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
		/* --profiles: shards written under the model's SHA-256 */
		struct nlp_artifact_opts ao = { a->o.threads, a->profiles };
		if ((rc = nlp_load_model_opts(lm, a->model, cli_registry_dir(),
		    &ao, &e)) != NLP_OK ||
		    (rc = cli_trust_check(lm, &e)) != NLP_OK ||
		    (rc = nlp_drift_ref_from_artifact(ref, lm->a, &lm->m,
		    lm->display, &e)) != NLP_OK)
			return cli_error(cmd, &e);
		if (lm->version > 0)
			snprintf(version, size, "%ld", lm->version);
		return NLP_OK;
	}
	/* told by its own name (not --format, the current text's), as the
	   reader tells an input's: so plain text in a JSON object's form is
	   said, as of the current text */
	ro.format = NLP_FMT_AUTO;
	ro.options_shared = 1;       /* the current text's options too */
	/* labeled by the current text's rule: a JSONL or CSV reference
	   without labels is text, not a file of skipped records */
	guess_labeled(&ro, a->reference);
	if ((rc = nlp_drift_ref_from_files(ref, paths, 1, &ro, &a->o, &e)) !=
	    NLP_OK) {
		nlp_err_prefix(&e, "--reference");
		return cli_error(cmd, &e);
	}
	return NLP_OK;
}

/*
 * Everything that needs memory comes first (the JSON document, the page),
 * then --prom and --html to temporary files, then the report on stdout
 * (or to -o's temporary file), and only then the files published: a failure anywhere (out of memory, a
 * full disk, a closed or full standard output) leaves each target as it
 * was, so that a run that ends in status 4 leaves no new metrics for an
 * alert to read.  A write to a file that fails shows in its commit (the
 * stream's error).  The warnings go to stderr.
 */
static int
write_outputs(const char *cmd, const struct args *a,
    const struct nlp_drift_report *rep, const struct nlp_loaded *lm,
    const char *version)
{
	const char *title = a->model ? lm->display : a->reference;
	const char *name = a->model ? (lm->name[0] ? lm->name : lm->display) :
	    a->reference;
	struct nlp_err e = { 0, "" };
	struct nlp_atomic pa, ha, oa;
	char *text = NULL, *page = NULL;
	FILE *rf = stdout;           /* the report's: stdout, or -o's */
	/* -o FILE; -o - is standard output, the report printed even with -q */
	int to_file = a->out != NULL && strcmp(a->out, "-") != 0;
	size_t i;
	int rc = NLP_OK, err;

	memset(&pa, 0, sizeof pa);
	memset(&ha, 0, sizeof ha);
	memset(&oa, 0, sizeof oa);
	pa.fd = ha.fd = oa.fd = -1;
	if ((a->json && (text = nlp_drift_json(rep)) == NULL) ||
	    (a->html != NULL && (page = nlp_drift_html(rep, title)) == NULL)) {
		rc = cli_errorf(cmd, NLP_IO, "out of memory");
		goto out;
	}
	if (a->prom != NULL) {
		if ((rc = nlp_atomic_open(&pa, a->prom, &e)) != NLP_OK)
			goto fail;
		nlp_drift_prom(pa.fp, rep, name, version);
	}
	if (a->html != NULL) {
		if ((rc = nlp_atomic_open(&ha, a->html, &e)) != NLP_OK)
			goto fail;
		/* why it failed is known now (the stream's error flag alone
		   tells nothing at commit) */
		if (fputs(page, ha.fp) == EOF) {
			err = errno;
			nlp_atomic_abort(&pa);
			nlp_atomic_abort(&ha);
			rc = cli_errorf(cmd, NLP_IO, "cannot write '%s': %s",
			    a->html, strerror(err));
			goto out;
		}
	}
	if (to_file) {
		if ((rc = nlp_atomic_open(&oa, a->out, &e)) != NLP_OK)
			goto fail;
		rf = oa.fp;
	}
	errno = 0;
	if (a->json && fputs(text, rf) == EOF && rf == stdout)
		cli_stdout_failed(errno);   /* the reason, before it is lost */
	else if (!a->json && (a->out != NULL || !a->quiet))
		nlp_drift_text(rf, rep, a->out != NULL);
	/* every file whole before any is published: a full disk under one
	   leaves the others as they were too, and says why */
	if ((a->prom != NULL && (rc = nlp_atomic_ready(&pa, &e)) != NLP_OK) ||
	    (a->html != NULL && (rc = nlp_atomic_ready(&ha, &e)) != NLP_OK) ||
	    (to_file && (rc = nlp_atomic_ready(&oa, &e)) != NLP_OK))
		goto fail;
	/* without files, stdout's write errors are the dispatcher's to
	   report (nlpops.c: finish_stdout) */
	if (!to_file && (a->prom != NULL || a->html != NULL) &&
	    (err = cli_flush_stdout()) != 0) {
		nlp_atomic_abort(&pa);
		nlp_atomic_abort(&ha);
		rc = cli_errorf(cmd, NLP_IO, "cannot write standard output: "
		    "%s (%s left as %s)", strerror(err), a->prom == NULL ?
		    "--html" : a->html == NULL ? "--prom" : "--prom and --html",
		    a->prom != NULL && a->html != NULL ? "they were" : "it was");
		goto out;
	}
	if ((a->prom != NULL && (rc = nlp_atomic_commit(&pa, &e)) != NLP_OK) ||
	    (a->html != NULL && (rc = nlp_atomic_commit(&ha, &e)) != NLP_OK) ||
	    (to_file && (rc = nlp_atomic_commit(&oa, &e)) != NLP_OK))
		goto fail;
	/* a fact of the model (it held out nothing) is the report's, the
	   same every night: not on stderr, where cron would mail it */
	for (i = 0; i < rep->nwarnings; i++)
		if (rep->loud[i] == NLP_DRIFT_LOUD || (!a->quiet &&
		    rep->loud[i] != NLP_DRIFT_OF_MODEL))
		{
			char shown[4 * 1024];
			fprintf(stderr, "nlpops drift: warning: %s\n",
			    cli_shown(rep->warning[i], shown, sizeof shown));
		}
out:
	free(text);
	free(page);
	return rc;
fail:
	/* a committed or failed one is already clean: abort is a no-op */
	nlp_atomic_abort(&pa);
	nlp_atomic_abort(&ha);
	nlp_atomic_abort(&oa);
	rc = cli_error(cmd, &e);
	goto out;
}

/* The report from the profiles in paths, written under lm with o's seed
   and sample size. */
static int
run_profiles(const struct nlp_drift_ref *ref, const struct nlp_loaded *lm,
    char **paths, size_t n, const struct nlp_drift_opts *o,
    struct nlp_drift_report *rep, struct nlp_err *e)
{
	struct nlp_drift_shard_id id;

	nlp_drift_shard_id_init(&id, nlp_loaded_sha256(lm), o->seed,
	    o->max_sample);
	return nlp_drift_run_profiles(ref, (const char *const *)paths, n, &id,
	    o, rep, e);
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
	int rc, first;

	memset(&lm, 0, sizeof lm);
	memset(&ref, 0, sizeof ref);
	memset(&rep, 0, sizeof rep);
	if ((rc = parse(argc, argv, &a, &first)) != NLP_OK)
		return rc == CLI_HELP_SHOWN ? NLP_OK : rc;
	if ((rc = load_reference(argv[0], &a, &lm, &ref, version,
	    sizeof version)) != NLP_OK)
		goto out;
	/* drift's gold labels are one a record: a multi-label model's label
	   lists would read as labels it never had, or records skipped */
	if (lm.m.multilabel && a.o.reader.labeled) {
		if (a.o.reader.label_column != NULL ||
		    a.o.reader.label_field != NULL) {
			rc = cli_usage_error(argv[0], "%s: drift compares one gold "
			    "label a record, and '%s' is a multi-label model: "
			    "leave the label option out", a.o.reader.label_column ?
			    "--label-column" : "--label-field", lm.display);
			goto out;
		}
		a.o.reader.labeled = 0;
		if (!a.quiet)
			fprintf(stderr, "nlpops drift: note: '%s' is a multi-label "
			    "model: the input's gold labels are not compared (the "
			    "predicted labels are)\n", lm.display);
	}
	if ((rc = a.profiles ? run_profiles(&ref, &lm, argv + first,
	    (size_t)(argc - first), &a.o, &rep, &e) :
	    nlp_drift_run(&ref, (const char *const *)argv + first,
	    (size_t)(argc - first), &a.o, &rep, &e)) != NLP_OK) {
		cli_error(argv[0], &e);
		goto out;
	}
	if ((rc = write_outputs(argv[0], &a, &rep, &lm, version)) == NLP_OK)
		rc = rep.verdict.drift ? NLP_NO : NLP_OK;
out:
	nlp_drift_report_release(&rep);
	nlp_drift_ref_release(&ref);
	nlp_loaded_release(&lm);
	cli_trust_release();
	return rc;
}
