/*
 * predict.c - `nlpops predict`: one output line per input line, in order.
 *
 * Single-threaded, records are scored as they are read.  With --threads,
 * records are gathered into batches, scored in parallel chunks, each chunk
 * formatting its own output, and the chunks written in order: the output
 * is the same bytes either way.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "artifact.h"
#include "atomic.h"
#include "cmd.h"
#include "digest.h"
#include "drift.h"
#include "drift_pass.h"
#include "drift_shard.h"
#include "input.h"
#include "model.h"
#include "modelref.h"
#include "opts.h"
#include "pool.h"
#include "predout.h"
#include "reader.h"

enum {
	OPT_THRESHOLD = 256, OPT_FALLBACK, OPT_OUTFMT, OPT_LINEBUF,
	OPT_STRICT, OPT_SCORE_EMPTY, OPT_PROFILE_OUT, OPT_MIN_P,
};

static const struct cli_opt options[] = {
	{ 'm', 'm', "model", "MODEL", "the model: a file, or "
	    "NAME[@VERSION|@ALIAS] in the\nregistry (NAME alone: NAME@production)",
	    "ref" },
	CLI_OPT_TRUST,
	{ 'o', 'o', "output", "FILE", "write here (atomically) instead of "
	    "stdout", "file" },
	{ 'k', 'k', "top", "N", "the N most probable labels (default: 1;\n"
	    "multi-label: at most N, default 64)", NULL },
	{ OPT_MIN_P, 0, "min-p", "P", "multi-label model: every label with "
	    "probability\nP or more (default: 0.5)", NULL },
	{ OPT_THRESHOLD, 0, "threshold", "P", "below top probability P, print "
	    "the fallback", NULL },
	{ OPT_FALLBACK, 0, "fallback", "LABEL", "the label printed below "
	    "--threshold\n(default: unknown)", NULL },
	{ OPT_OUTFMT, 0, "output-format", "F", "tsv or jsonl (default: tsv)",
	    "tsv jsonl" },
	{ CLI_FORMAT, 0, "format", "F", "input format: plain, tsv, csv, jsonl, "
	    "fasttext\n(default: plain; or from the extension)",
	    "plain tsv csv jsonl fasttext" },
	CLI_OPTS_TEXT_COLUMNS,
	CLI_OPT_THREADS("threads (default: 1), loading the model too;\noutput "
	    "is the same"),
	{ OPT_LINEBUF, 0, "line-buffered", NULL, "flush every line (default on "
	    "a terminal)", NULL },
	{ OPT_STRICT, 0, "strict", NULL, "the first odd record (invalid UTF-8, a "
	    "NUL, a\nrecord cut at 1 MiB, a malformed row) is an error", NULL },
	{ OPT_SCORE_EMPTY, 0, "score-empty", NULL, "score empty records too "
	    "(a text without\nfeatures: the model's biases alone) instead\nof "
	    "an empty label", NULL },
	{ OPT_PROFILE_OUT, 0, "profile-out", "FILE", "also write the text's "
	    "drift profile here\n(atomically), for `drift --profiles`",
	    "file" },
	{ 'q', 'q', "quiet", NULL, "no summary line on stderr", NULL },
	CLI_OPT_HELP,
	CLI_OPT_END,
};

const struct cli_cmd cli_predict = {
	"predict",
	"usage: nlpops predict -m MODEL [options] [FILE...]\n"
	"\n"
	"Read one text per line (stdin when no FILE or '-') and write one line\n"
	"per input line, in order: label<TAB>probability.  A record with no\n"
	"text to score (empty, blank or without a token, a row without its\n"
	"text column) gets an empty label and probability (JSONL:\n"
	"\"label\":null and a \"reason\").\n"
	"\n",
	options, NULL, "file...",
};

#define BATCH_RECORDS 2048
/* At a batch's end a thread that finds no chunk left waits for the one
 * still scoring the last: small chunks, short waits; but each chunk fills
 * its thread's pipe anew (its first texts' loads are not overlapped). */
#define CHUNK_RECORDS 32
#define NCHUNKS (BATCH_RECORDS / CHUNK_RECORDS)
#define BATCH_BYTES (2u << 20)

/* What a thread writes as it scores, each in cache lines of its own
 * (threads writing to one line slow each other down). */
struct scratch {
	_Alignas(64) struct nlp_pipe pipe;
	float *probs;
};

struct chunk_out {
	_Alignas(64) struct nlp_buf b;
	size_t unscored;             /* its records without scores */
};

/* A batch of records copied out of the reader, for parallel scoring. */
struct batch {
	struct nlp_arena text;
	size_t off[BATCH_RECORDS + 1];
	size_t idoff[BATCH_RECORDS];     /* SIZE_MAX: no id */
	unsigned flags[BATCH_RECORDS];   /* the records' NLP_REC_* */
	size_t n;
	const struct nlp_predout *o;
	struct scratch *sc;              /* the threads' scratch: one each */
	struct chunk_out out[NCHUNKS];
};

/* Record i's id, or NULL. */
static const char *
record_id(const struct batch *b, size_t i)
{
	return b->idoff[i] != SIZE_MAX ? b->text.p + b->idoff[i] : NULL;
}

/* The line of record i, whose probabilities are x->probs. */
static void
chunk_line(const struct batch *b, const struct scratch *x, size_t i,
    struct nlp_buf *out)
{
	nlp_predout_line(out, b->o, x->probs, record_id(b, i),
	    (b->flags[i] & NLP_REC_CUT) != 0);
}

/* Score chunk k of the batch into its own output buffer, through the
 * thread's pipe (nlp_pipe_push()): the same lines, in order. */
static void
score_chunk(void *arg, size_t k)
{
	struct batch *b = arg;
	struct nlp_buf *out = &b->out[k].b;
	struct scratch *x = &b->sc[nlp_pool_thread()];
	size_t i, done, end = (k + 1) * CHUNK_RECORDS;
	int rc;

	out->len = 0;
	b->out[k].unscored = 0;
	if (end > b->n)
		end = b->n;
	for (i = k * CHUNK_RECORDS; i < end; i++) {
		const char *t = b->text.p + b->off[i], *why;
		size_t len = b->idoff[i] != SIZE_MAX ? b->idoff[i] - b->off[i] - 1 :
		    b->off[i + 1] - b->off[i] - 1;
		why = nlp_predout_unscored(b->o, t, len, b->flags[i]);
		if (why != NULL) {
			b->out[k].unscored++;
			while (nlp_pipe_pop(&x->pipe, b->o->m, &done, x->probs))
				chunk_line(b, x, done, out);
			nlp_predout_unscored_line(out, b->o, record_id(b, i), why,
			    (b->flags[i] & NLP_REC_CUT) != 0);
			continue;
		}
		rc = nlp_pipe_push(&x->pipe, b->o->m, t, len, i, &done,
		    x->probs);
		if (rc < 0) {
			out->failed = 1;
			while (nlp_pipe_pop(&x->pipe, b->o->m, &done, x->probs))
				;
			return;
		}
		if (rc == 1)
			chunk_line(b, x, done, out);
	}
	while (nlp_pipe_pop(&x->pipe, b->o->m, &done, x->probs))
		chunk_line(b, x, done, out);
}

/* Write n bytes to out: 0, or -1 with errno set (a full disk, a closed
 * pipe when SIGPIPE is ignored: the run stops at the first failure). */
static int
put_out(FILE *out, const char *p, size_t n)
{
	errno = 0;
	if (n > 0 && fwrite(p, 1, n, out) != n) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* The number of chunks of the batch. */
static size_t
chunks(const struct batch *b)
{
	return (b->n + CHUNK_RECORDS - 1) / CHUNK_RECORDS;
}

/* Write out a scored batch in order and empty it: 0, -1 (memory) or -2 (a
 * write failed, errno set). */
static int
write_batch(struct batch *b, FILE *out, uint64_t *unscored)
{
	size_t k;

	for (k = 0; k < chunks(b); k++)
		if (b->out[k].b.failed)
			return -1;
	for (k = 0; k < chunks(b); k++) {
		if (put_out(out, b->out[k].b.p, b->out[k].b.len) < 0)
			return -2;
		*unscored += b->out[k].unscored;
	}
	b->n = 0;
	nlp_arena_clear(&b->text);
	return 0;
}

/* One run: what the command line asked for, and what it holds. */
struct run {
	struct nlp_reader_opts ro;
	struct nlp_predout po;
	const char *model, *outpath, *outfmt;
	unsigned long threads;
	int quiet, linebuf;
	int min_p_given;          /* --min-p */
	int fallback_given;       /* --fallback */
	int threshold_given;      /* --threshold */
	struct nlp_loaded lm;
	struct nlp_reader *r;
	struct nlp_atomic af;
	FILE *out;
	float *probs;
	struct nlp_scorer sc;
	struct nlp_buf ob;
	/* on one thread: records in a pipe (nlp_pipe_push()), tagged with
	   their place in a ring of what their lines need */
	struct nlp_pipe pipe;
	struct pending {
		int cut, has_id;
		struct nlp_buf id;
	} pend[NLP_PIPE_DEPTH + 1];
	size_t seq;
	/* with --threads: records in batches, two of them, so that the next
	   is read while the workers score the one before */
	struct batch *b[2];
	int cur;                     /* the batch being filled */
	struct scratch *tsc;         /* each thread's scorer */
	struct nlp_pool *pool;
	uint64_t lines, damaged, unscored;
	struct nlp_err e;
	/* --profile-out: drift's pass over the same records */
	const char *profpath;
	struct nlp_atomic pf;
	struct nlp_drift_opts dopts;
	struct nlp_drift_ref ref;
	struct nlp_drift_pass_opts ppo;
	struct nlp_drift_pass pass;
	struct nlp_drift_feed *feed;
};

/* One option (cli_parse()'s handler). */
static int
option(void *ctx, int id, const char *arg)
{
	struct run *u = ctx;
	unsigned long k;
	int rc = NLP_OK;

	switch (id) {
	case 'm': u->model = arg; break;
	case CLI_TRUST: rc = cli_trust_option("predict", arg); break;
	case 'o': u->outpath = arg; break;
	case 'k':
		rc = cli_uint("predict", "-k", arg, 1, 64, &k);
		u->po.k = k;
		break;
	case OPT_THRESHOLD:
		u->threshold_given = 1;
		rc = cli_double("predict", "--threshold", arg, 0, 1,
		    &u->po.threshold);
		break;
	case OPT_FALLBACK:
		if ((rc = cli_label("predict", "--fallback", arg)) == NLP_OK)
			u->po.fallback = arg;
		u->fallback_given = 1;
		break;
	case OPT_MIN_P:
		rc = cli_double("predict", "--min-p", arg, 0, 1, &u->po.min_p);
		u->min_p_given = 1;
		break;
	case OPT_OUTFMT:
		if (strcmp(arg, "tsv") != 0 && strcmp(arg, "jsonl") != 0)
			return cli_usage_error("predict", "--output-format takes tsv "
			    "or jsonl, not '%s'", arg);
		u->outfmt = arg;
		break;
	case CLI_THREADS:
		rc = cli_uint("predict", "--threads", arg, 1, 256, &u->threads);
		break;
	case OPT_LINEBUF: u->linebuf = 1; break;
	case OPT_STRICT: u->ro.strict = 1; break;
	case OPT_SCORE_EMPTY: u->po.score_empty = 1; break;
	case OPT_PROFILE_OUT: u->profpath = arg; break;
	case 'q': u->quiet = 1; break;
	default:
		if ((rc = cli_reader_option("predict", id, arg, &u->ro, 1)) < 0)
			rc = cli_errorf("predict", NLP_BUG, "option %d has no "
			    "handler", id);
		break;
	}
	return rc;
}

/*
 * An output that is also an input would be overwritten, or read back as
 * it grows (predict in >> in): refused, as cat refuses it, before
 * anything is read or written; so are --profile-out onto an input, -o
 * onto the model, and one file for -o and --profile-out.  -o onto an
 * input is not: it replaces the file once it is read, as sort -o does
 * (the file is written beside, renamed).
 */
static int
outputs_apart(struct run *u, char **paths, size_t npaths)
{
	int to_stdout = u->outpath == NULL || strcmp(u->outpath, "-") == 0;
	struct cli_output out[2] = {
		{ to_stdout ? NULL : "-o", to_stdout ? "-" : u->outpath,
		    !to_stdout },
		{ "--profile-out", u->profpath, 0 },
	};
	struct cli_files f = { out, 2, paths, npaths, u->model, NULL };

	if (u->profpath != NULL && strcmp(u->profpath, "-") == 0)
		return cli_usage_error("predict", "--profile-out needs a file: "
		    "standard output carries the predictions");
	return cli_files_apart("predict", &f);
}

/*
 * Every input named is there and readable before the first is scored: a
 * missing second file (a night's part not delivered) would otherwise end
 * the run after the first's lines went to a '>' redirect, a partial file
 * standing as the night's scores.  Said as the reader says it, status 4.
 */
static int
inputs_there(char **paths, size_t npaths)
{
	struct stat st;
	size_t i;

	for (i = 0; i < npaths; i++) {
		if (strcmp(paths[i], "-") == 0)
			continue;
		if (stat(paths[i], &st) != 0 || access(paths[i], R_OK) != 0)
			return cli_errorf("predict", NLP_IO, "cannot open '%s': %s; "
			    "nothing scored", paths[i], strerror(errno));
		if (S_ISDIR(st.st_mode))
			return cli_errorf("predict", NLP_IO, "cannot read '%s': %s; "
			    "nothing scored", paths[i], strerror(EISDIR));
	}
	return NLP_OK;
}

/* Scratch for --threads: a pool, each thread's scorer, and two batches
 * with their chunks' buffers. */
static int
make_batches(struct run *u)
{
	size_t i, j;

	if ((u->pool = nlp_pool_new((unsigned)u->threads)) == NULL ||
	    (u->tsc = aligned_alloc(64, u->threads * sizeof *u->tsc)) == NULL)
		return -1;
	memset(u->tsc, 0, u->threads * sizeof *u->tsc);
	for (i = 0; i < u->threads; i++)
		if ((u->tsc[i].probs = malloc(u->lm.m.nclasses *
		    sizeof(float))) == NULL)
			return -1;
	for (j = 0; j < 2; j++) {
		if ((u->b[j] = aligned_alloc(64, sizeof *u->b[j])) == NULL)
			return -1;
		memset(u->b[j], 0, sizeof *u->b[j]);
		u->b[j]->o = &u->po;
		u->b[j]->sc = u->tsc;
	}
	return 0;
}

/* --profile-out: the file opened (a bad name fails before any scoring),
   drift's pass set up as `drift -m MODEL` sets its own up (defaults). */
static int
profile_setup(struct run *u)
{
	int rc;

	if ((rc = nlp_drift_ref_from_artifact(&u->ref, u->lm.a, &u->lm.m,
	    u->lm.display, &u->e)) != NLP_OK)
		return rc;
	if ((rc = nlp_atomic_open(&u->pf, u->profpath, &u->e)) != NLP_OK)
		return rc;
	nlp_drift_opts_init(&u->dopts);
	u->dopts.threads = (unsigned)u->threads;
	nlp_drift_pass_opts_of(&u->ppo, &u->ref, &u->dopts);
	if (nlp_drift_feed_open(&u->feed, &u->pass, &u->ppo) < 0)
		return nlp_errf(&u->e, NLP_IO, "out of memory");
	return NLP_OK;
}

/* The profile, complete, into its temporary file (published with the
   output). */
static int
profile_write(struct run *u)
{
	struct nlp_drift_shard_id id;

	if (nlp_drift_feed_close(u->feed) < 0)
		return nlp_errf(&u->e, NLP_IO, "out of memory");
	u->feed = NULL;     /* closed: freed */
	nlp_drift_shard_id_init(&id, nlp_loaded_sha256(&u->lm), u->dopts.seed,
	    u->dopts.max_sample);
	if (nlp_drift_shard_write(u->pf.fp, &u->pass, &id, &u->lm.m, &u->e) !=
	    NLP_OK) {
		nlp_err_prefix(&u->e, "--profile-out '%s'", u->profpath);
		return NLP_IO;
	}
	return NLP_OK;
}

/* Load the model, open the input and the output, make the buffers. */
static int
setup(struct run *u, char **paths, size_t npaths)
{
	/* the summary line and a profile name the model by its SHA-256:
	   hashed on a CPU of the run's own while the model is checked */
	struct nlp_artifact_opts ao = { (unsigned)u->threads, !u->quiet ||
	    u->profpath != NULL };
	int rc;

	if ((rc = nlp_load_model_opts(&u->lm, u->model, cli_registry_dir(),
	    &ao, &u->e)) != NLP_OK || (rc = cli_trust_check(&u->lm, &u->e)) !=
	    NLP_OK)
		return rc;
	u->po.m = &u->lm.m;
	if (u->min_p_given && !u->lm.m.multilabel)
		return nlp_errf(&u->e, NLP_USAGE, "--min-p is for multi-label "
		    "models; '%s' is single-label (-k and --threshold choose its "
		    "labels)", u->model);
	if (u->po.k == 0)
		u->po.k = u->lm.m.multilabel ? 64 : 1;
	/* the profile's gold labels are those drift reads: none for a
	   multi-label model (drift compares one label a record) */
	if (u->lm.m.multilabel)
		u->ro.gold = 0;
	if (u->po.k > u->lm.m.nclasses)
		u->po.k = u->lm.m.nclasses;
	if ((rc = nlp_reader_open(&u->r, (const char *const *)paths, npaths,
	    &u->ro, &u->e)) != NLP_OK)
		return rc;
	if (u->outpath != NULL && strcmp(u->outpath, "-") != 0) {
		if ((rc = nlp_atomic_open(&u->af, u->outpath, &u->e)) != NLP_OK)
			return rc;
		u->out = u->af.fp;
	}
	if (u->profpath != NULL && (rc = profile_setup(u)) != NLP_OK)
		return rc;
	setvbuf(u->out, NULL, u->linebuf ? _IOLBF : _IOFBF, u->linebuf ? 0 :
	    1 << 16);
	if ((u->probs = malloc(u->lm.m.nclasses * sizeof *u->probs)) == NULL ||
	    (u->threads > 1 && !u->linebuf && make_batches(u) < 0))
		return nlp_errf(&u->e, NLP_IO, "out of memory");
	return NLP_OK;
}

/* The error of a failed write to the output (errno). */
static int
write_error(struct run *u)
{
	if (u->outpath != NULL && strcmp(u->outpath, "-") != 0)
		return nlp_errnof(&u->e, NLP_IO, errno ? errno : EIO, "cannot "
		    "write '%s'", u->outpath);
	return nlp_errnof(&u->e, NLP_IO, errno ? errno : EIO, "cannot write "
	    "standard output");
}

/*
 * The batch being filled to the workers, and the one they scored before it
 * written out meanwhile; with last, the new one waited for and written too.
 * Between calls the workers score one batch while the caller reads the
 * next; the output keeps the input's order.
 */
static int
flush_batches(struct run *u, int last)
{
	struct batch *b = u->b[u->cur], *prev = u->b[!u->cur];
	int wr = 0;

	nlp_pool_wait(u->pool);
	if (last && prev->n == 0)   /* nothing to write meanwhile: a few lines
	                               start no thread */
		nlp_pool_run(u->pool, chunks(b), score_chunk, b);
	else
		nlp_pool_start(u->pool, chunks(b), score_chunk, b);
	u->cur = !u->cur;
	if (prev->n > 0)
		wr = write_batch(prev, u->out, &u->unscored);
	if (wr == 0 && last) {
		nlp_pool_wait(u->pool);
		wr = write_batch(b, u->out, &u->unscored);
	}
	if (wr < 0)
		return wr == -1 ? nlp_errf(&u->e, NLP_IO, "out of memory") :
		    write_error(u);
	return NLP_OK;
}

/* Add the record to the batch, handing it to the workers when full. */
static int
batch_record(struct run *u, const struct nlp_record *rec)
{
	struct batch *b = u->b[u->cur];

	if ((b->off[b->n] = nlp_arena_put(&b->text, rec->text,
	    rec->text_len)) == (size_t)-1)
		return nlp_errf(&u->e, NLP_IO, "out of memory");
	b->idoff[b->n] = SIZE_MAX;
	b->flags[b->n] = rec->flags;
	if (rec->id != NULL && (b->idoff[b->n] = nlp_arena_put(&b->text,
	    rec->id, strlen(rec->id))) == (size_t)-1)
		return nlp_errf(&u->e, NLP_IO, "out of memory");
	b->off[++b->n] = b->text.len;
	if (b->n == BATCH_RECORDS || b->text.len > BATCH_BYTES)
		return flush_batches(u, 0);
	return NLP_OK;
}

/* Write the line in u->ob. */
static int
put_line(struct run *u)
{
	if (u->ob.failed)
		return nlp_errf(&u->e, NLP_IO, "out of memory");
	if (put_out(u->out, u->ob.p, u->ob.len) < 0)
		return write_error(u);
	return NLP_OK;
}

/* The line of the record in the ring at tag, whose probabilities are
 * u->probs. */
static int
pending_line(struct run *u, size_t tag)
{
	const struct pending *p = &u->pend[tag];

	u->ob.len = 0;
	nlp_predout_line(&u->ob, &u->po, u->probs, p->has_id ? p->id.p : NULL,
	    p->cut);
	return put_line(u);
}

/* Score and write every record in the pipe. */
static int
drain_pipe(struct run *u)
{
	size_t tag;
	int rc;

	while (nlp_pipe_pop(&u->pipe, &u->lm.m, &tag, u->probs))
		if ((rc = pending_line(u, tag)) != NLP_OK)
			return rc;
	return NLP_OK;
}

/*
 * Score one record and write its line: with --line-buffered at once; else
 * through the pipe, a line or two behind (a large model's rows load while
 * the next records are cut and hashed).  The same lines, in order.
 */
static int
score_record(struct run *u, const struct nlp_record *rec)
{
	const char *why = nlp_predout_unscored(&u->po, rec->text,
	    rec->text_len, rec->flags);
	struct pending *p;
	size_t tag;
	int rc;

	u->unscored += why != NULL;
	if (why != NULL || u->linebuf) {
		if ((rc = drain_pipe(u)) != NLP_OK)
			return rc;
		u->ob.len = 0;
		if (why != NULL)
			nlp_predout_unscored_line(&u->ob, &u->po, rec->id, why,
			    (rec->flags & NLP_REC_CUT) != 0);
		else if (nlp_model_predict(&u->lm.m, &u->sc, rec->text,
		    rec->text_len, u->probs) < 0)
			return nlp_errf(&u->e, NLP_IO, "out of memory");
		else
			nlp_predout_line(&u->ob, &u->po, u->probs, rec->id,
			    (rec->flags & NLP_REC_CUT) != 0);
		return put_line(u);
	}
	/* the pipe holds NLP_PIPE_DEPTH records at most: with one place
	   more in the ring, this record's place is never that of the record
	   that leaves as it comes in */
	tag = u->seq++ % (NLP_PIPE_DEPTH + 1);
	p = &u->pend[tag];
	p->cut = (rec->flags & NLP_REC_CUT) != 0;
	p->has_id = rec->id != NULL;
	if (rec->id != NULL) {
		p->id.len = 0;
		nlp_buf_put(&p->id, rec->id, strlen(rec->id) + 1);
		if (p->id.failed)
			return nlp_errf(&u->e, NLP_IO, "out of memory");
	}
	rc = nlp_pipe_push(&u->pipe, &u->lm.m, rec->text, rec->text_len, tag,
	    &tag, u->probs);
	if (rc < 0)
		return nlp_errf(&u->e, NLP_IO, "out of memory");
	return rc == 1 ? pending_line(u, tag) : NLP_OK;
}

/*
 * Not one record had its text (the wrong --format, text column or field):
 * a file of empty labels would pass for a night's scores.  Some records
 * malformed are said even with -q: their lines have no scores.
 */
static int
all_malformed(struct run *u)
{
	const struct nlp_reader_stats *st = nlp_reader_stats(u->r);
	const char *src = st->first_malformed_src, *where;
	char buf[1024];

	/* rows ending in a TAB ("label<TAB>"): the text's column empty on
	   every one */
	if (st->text_empty > 0 && st->text_empty + st->blank >= st->records) {
		where = nlp_input_shown(st->first_text_empty_src != NULL ?
		    st->first_text_empty_src : "-", buf, sizeof buf);
		return nlp_errf(&u->e, NLP_DATA, "no record had its text: the "
		    "TSV text column (the last, by default) is empty on every "
		    "line (first at %s line %llu: does each line end in a TAB? "
		    "--text-column chooses)", where,
		    (unsigned long long)st->first_text_empty);
	}
	if (st->malformed == 0)
		return NLP_OK;
	where = nlp_input_shown(src != NULL ? src : "-", buf, sizeof buf);
	/* blank lines are no text either: not one record had its text */
	if (st->malformed + st->blank >= st->records)
		return nlp_errf(&u->e, NLP_DATA, "no record had its text: %llu "
		    "of %llu are malformed%s (first at %s line %llu: %s; see "
		    "--format and the text column or field)",
		    (unsigned long long)st->malformed,
		    (unsigned long long)st->records, st->blank > 0 ?
		    ", the others blank" : "", where,
		    (unsigned long long)st->first_malformed,
		    st->first_malformed_why);
	if (u->quiet)
		fprintf(stderr, "nlpops predict: warning: %llu of %llu records "
		    "are malformed, their lines left without a label (first at "
		    "%s line %llu: %s)\n", (unsigned long long)st->malformed,
		    (unsigned long long)st->records, where,
		    (unsigned long long)st->first_malformed,
		    st->first_malformed_why);
	return NLP_OK;
}

/* Every record, then what is left of the batch, then the output made
 * whole (committed, or flushed: a success line must not precede a
 * failed write). */
static int
score_all(struct run *u)
{
	struct nlp_record rec;
	int rc;

	while ((rc = nlp_reader_next(u->r, &rec, &u->e)) == NLP_OK && rec.text) {
		u->lines++;
		u->damaged += (rec.flags & NLP_REC_DAMAGED) != 0;
		if (u->feed != NULL && nlp_drift_feed_add(u->feed, &rec) < 0)
			return nlp_errf(&u->e, NLP_IO, "out of memory");
		if ((rc = u->pool != NULL ? batch_record(u, &rec) :
		    score_record(u, &rec)) != NLP_OK)
			return rc;
	}
	if (rc != NLP_OK) {
		/* the input failed (damaged, --strict): the lines of the
		   records read before are written all the same, at any
		   --threads (-o is not committed); the input's error stands */
		struct nlp_err read_err = u->e;
		if (drain_pipe(u) == NLP_OK && u->pool != NULL)
			(void)flush_batches(u, 1);
		fflush(u->out);
		u->e = read_err;
		return rc;
	}
	if ((rc = drain_pipe(u)) != NLP_OK)
		return rc;
	if (u->pool != NULL && (rc = flush_batches(u, 1)) != NLP_OK)
		return rc;
	/* every line written (to stdout; -o is not committed then) */
	if ((rc = all_malformed(u)) != NLP_OK)
		return rc;
	if (u->profpath != NULL && (rc = profile_write(u)) != NLP_OK)
		return rc;
	if (u->out != stdout && (rc = nlp_atomic_commit(&u->af, &u->e)) !=
	    NLP_OK)
		return rc;
	if (u->out == stdout && (fflush(stdout) != 0 || ferror(stdout)))
		return write_error(u);
	if (u->profpath != NULL)
		return nlp_atomic_commit(&u->pf, &u->e);
	return NLP_OK;
}

/* The summary on stderr. */
static void
summary(struct run *u, double t0)
{
	char shown[4 * sizeof u->lm.display];

	fprintf(stderr, "nlpops predict: %s (sha256 %.12s): %llu line%s, %llu "
	    "damaged, %llu unscored, %.2f s\n", cli_shown(u->lm.display, shown,
	    sizeof shown), nlp_loaded_sha256(&u->lm),
	    (unsigned long long)u->lines, u->lines == 1 ? "" : "s",
	    (unsigned long long)u->damaged, (unsigned long long)u->unscored,
	    cli_now() - t0);
	if (nlp_reader_describe(nlp_reader_stats(u->r), u->e.msg,
	    sizeof u->e.msg))
		fprintf(stderr, "nlpops predict: %s\n", u->e.msg);
}

/* What -q still says: lines that ran together (carriage returns). */
static void
quiet_warnings(struct run *u)
{
	char buf[1024];

	if (nlp_reader_describe_bare_cr(nlp_reader_stats(u->r), buf,
	    sizeof buf))
		fprintf(stderr, "nlpops predict: warning: %s\n", buf);
}

/* Free what the run holds. */
static void
release(struct run *u)
{
	size_t i, j;

	nlp_pool_close(u->pool);     /* first: it may be scoring a batch */
	for (j = 0; j < 2; j++) {
		if (u->b[j] == NULL)
			continue;
		for (i = 0; i < NCHUNKS; i++)
			free(u->b[j]->out[i].b.p);
		nlp_arena_release(&u->b[j]->text);
		free(u->b[j]);
	}
	for (i = 0; u->tsc != NULL && i < u->threads; i++) {
		nlp_pipe_release(&u->tsc[i].pipe);
		free(u->tsc[i].probs);
	}
	free(u->tsc);
	nlp_atomic_abort(&u->af);
	nlp_atomic_abort(&u->pf);
	nlp_drift_feed_free(u->feed);
	nlp_drift_pass_release(&u->pass);
	nlp_drift_ref_release(&u->ref);
	nlp_reader_close(u->r);
	nlp_scorer_release(&u->sc);
	nlp_pipe_release(&u->pipe);
	for (i = 0; i < NLP_PIPE_DEPTH + 1; i++)
		free(u->pend[i].id.p);
	free(u->probs);
	free(u->ob.p);
	nlp_loaded_release(&u->lm);
	cli_trust_release();
}

int
cmd_predict(int argc, char **argv)
{
	struct run *u = calloc(1, sizeof *u);
	double t0 = cli_now();
	int first, rc;

	if (u == NULL)
		return cli_errorf("predict", NLP_IO, "out of memory");
	u->po.min_p = NLP_MIN_P;
	u->po.fallback = "unknown";
	u->ro.no_digest = 1;         /* predict records no data hash */
	u->outfmt = "tsv";
	u->threads = 1;
	u->linebuf = -1;
	u->out = stdout;
	u->af.fd = u->pf.fd = -1;
	rc = cli_parse(&cli_predict, argc, argv, option, u, &first);
	if (rc == NLP_OK && u->model == NULL)
		rc = cli_usage_error("predict", "no model: give -m MODEL");
	if (rc == NLP_OK && u->fallback_given && !u->threshold_given)
		rc = cli_usage_error("predict", "--fallback goes with --threshold "
		    "P: it is the label printed below P");
	if (rc == NLP_OK) {
		u->po.jsonl = strcmp(u->outfmt, "jsonl") == 0;
		u->po.want_id = u->ro.id_column != NULL || u->ro.id_field != NULL;
		/* the profile counts the gold labels drift would read in
		   the same text (a fastText or label<TAB>text file) */
		u->ro.gold = u->profpath != NULL;
		if (u->linebuf < 0)
			u->linebuf = u->outpath == NULL && cli_isatty(1);
		if ((rc = outputs_apart(u, argv + first, (size_t)(argc -
		    first))) != NLP_OK || (rc = inputs_there(argv + first,
		    (size_t)(argc - first))) != NLP_OK)
			goto out;
		if ((rc = setup(u, argv + first, (size_t)(argc - first))) ==
		    NLP_OK)
			rc = score_all(u);
		if (rc != NLP_OK)
			cli_error("predict", &u->e);
		else if (!u->quiet)
			summary(u, t0);
		else       /* lines run together: said even with -q */
			quiet_warnings(u);
	}
out:
	release(u);
	free(u);
	return rc == CLI_HELP_SHOWN ? NLP_OK : rc;
}
